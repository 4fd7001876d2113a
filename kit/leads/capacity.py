"""The call-load what-if: with other grade thresholds, how many H/A leads each consultant must call, and how many
calls a day that takes against what one consultant can make.

:func:`call_load` is the plain function (tested without a browser); ``kit.explore.leads`` puts sliders on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.leads.discipline import HOT_GRADES
from kit.leads.grades import cadence_days, followup_grade, grade_from_probability
from kit.leads.settings import LeadSettings, as_settings


@dataclass
class CallLoad:
    """Calls due per consultant under given grade thresholds (see :func:`call_load`).

    Attributes
    ----------
    rows : DataFrame
        One row per consultant.
    team : dict
        The same for the whole team (the table's totals row).
    settings : LeadSettings
        The settings with the thresholds and capacity used.
    """

    rows: pd.DataFrame
    team: dict
    settings: LeadSettings


def with_thresholds(settings: LeadSettings | Mapping | None, thresholds: Mapping[str, float] | None = None,
                    calls_per_day: int | None = None) -> LeadSettings:
    """``settings`` with other grade thresholds (any of H, A, B) and day capacity, checked as ``dealer.yml`` is.

    Raises
    ------
    ConfigError
        A threshold outside (0, 1), H ≤ A or A ≤ B, or a capacity below 1, each named by its setting path.
    """
    s = as_settings(settings)
    wanted = {"grade_thresholds": {**s.grade_thresholds, **dict(thresholds or {})},
              "calls_per_consultant_per_day": s.calls_per_consultant_per_day if calls_per_day is None
              else calls_per_day}
    checked = LeadSettings.from_mapping(wanted)
    return dataclasses.replace(s, grade_thresholds=checked.grade_thresholds,
                               calls_per_consultant_per_day=checked.calls_per_consultant_per_day)


def call_load(call_list: pd.DataFrame, *, thresholds: Mapping[str, float] | None = None,
              calls_per_day: int | None = None, settings: LeadSettings | Mapping | None = None) -> CallLoad:
    """How many H/A leads each consultant must call, and the calls a day that takes, under grade ``thresholds``.

    The call list's scores are graded again with the thresholds; each lead's follow-up grade and cadence then
    follow the one rule of :func:`kit.leads.followup_status` (the kit's or the consultant's grade, whichever is
    followed up sooner). A lead followed up every *c* days takes 1/*c* calls a day; a consultant's H/A load is the
    sum over the leads whose follow-up grade is H or A, compared with ``calls_per_day``.

    Parameters
    ----------
    call_list : DataFrame
        ``LeadScores.call_list``: consultant_id, probability, consultant_grade.
    thresholds : mapping, optional
        Grade thresholds to try (any of H, A, B as probabilities); the others keep the settings' values.
    calls_per_day : int, optional
        Follow-up calls one consultant can make in a day; default ``calls_per_consultant_per_day``.
    settings : LeadSettings, optional

    Returns
    -------
    CallLoad
        ``rows`` columns: consultant_id, open_leads, h_leads, a_leads (by follow-up grade), calls_a_day_h_a,
        calls_a_day (every open lead), capacity, capacity_used (H/A calls ÷ capacity), over_capacity.

    Raises
    ------
    ConfigError
        Thresholds or capacity out of range (see :func:`with_thresholds`).
    """
    s = with_thresholds(settings, thresholds, calls_per_day)
    require_columns(call_list, "call_list", ("consultant_id", "probability", "consultant_grade"))
    kit = grade_from_probability(call_list["probability"].astype(float), settings=s)
    grade = followup_grade(kit, call_list["consultant_grade"], settings=s)
    per_day = 1.0 / cadence_days(grade, settings=s).astype(float)
    hot = grade.isin(HOT_GRADES)
    lead = pd.DataFrame({"consultant_id": call_list["consultant_id"].to_numpy(dtype=object),
                         "h": (grade == "H").to_numpy(), "a": (grade == "A").to_numpy(),
                         "hot_calls": np.where(hot, per_day, 0.0), "calls": per_day.to_numpy()})
    capacity = s.calls_per_consultant_per_day

    def summarise(g: pd.DataFrame, people: int) -> dict:
        hot_calls = float(g["hot_calls"].sum())
        return {"open_leads": len(g), "h_leads": int(g["h"].sum()), "a_leads": int(g["a"].sum()),
                "calls_a_day_h_a": hot_calls, "calls_a_day": float(g["calls"].sum()),
                "capacity": capacity * people, "capacity_used": hot_calls / (capacity * people) if people else np.nan,
                "over_capacity": bool(hot_calls > capacity * people)}

    rows = pd.DataFrame([{"consultant_id": c, **summarise(g, 1)} for c, g in lead.groupby("consultant_id", sort=True)],
                        columns=["consultant_id", "open_leads", "h_leads", "a_leads", "calls_a_day_h_a", "calls_a_day",
                                 "capacity", "capacity_used", "over_capacity"])
    team = summarise(lead, len(rows))
    team["over_capacity"] = int(rows["over_capacity"].sum())   # the totals row counts the consultants over
    return CallLoad(rows=rows, team=team, settings=s)
