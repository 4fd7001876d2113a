"""Follow-up discipline: the one rule for an overdue follow-up, and per consultant how well the cadence is kept.

Every count of overdue follow-ups in the kit (the call list, the discipline table, the headline, the advice) comes
from :func:`followup_status` and :func:`overdue_count`, so the numbers agree wherever they are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit.leads.features import FEATURE_SOURCE, features_on, prepare_activity
from kit.leads.grades import cadence_days, clean_grade, followup_grade
from kit.leads.inputs import as_day, known_as_of, prepare_followups, prepare_leads
from kit.leads.settings import LeadSettings, as_settings

#: Grades of the leads a consultant must keep warm first (the A-card's hot grades).
HOT_GRADES = ("H", "A")

_STATUS_COLUMNS = ["lead_id", "consultant_id", "consultant_grade", "kit_grade", "followup_grade",
                   "days_since_last_contact", "cadence_days", "overdue", "next_contact_due", "contacts"]


def status_of(feats: pd.DataFrame, known: pd.DataFrame, day: pd.Timestamp, kit_grade: Any,
              s: LeadSettings) -> pd.DataFrame:
    """The follow-up status of the open leads in ``feats`` (rows of :func:`features_on` for ``day``).

    ``kit_grade`` is one grade per row (or None: the consultant's grade alone sets the cadence).
    """
    own = feats["lead_id"].map(known.set_index("lead_id")["grade"]) if "grade" in known.columns else \
        pd.Series(None, index=feats.index, dtype=object)
    own = own.map(clean_grade)
    kit = pd.Series(kit_grade if kit_grade is not None else [None] * len(feats), index=feats.index, dtype=object)
    grade = followup_grade(kit, own, settings=s)
    days = feats["days_since_last_contact"].astype(int)
    cadence = cadence_days(grade, settings=s) if len(grade) else pd.Series([], dtype="int64")
    last_contact = day - pd.to_timedelta(days, unit="D")
    return pd.DataFrame({
        "lead_id": feats["lead_id"].to_numpy(dtype=object),
        "consultant_id": feats["consultant_id"].to_numpy(dtype=object),
        "consultant_grade": own.to_numpy(dtype=object),
        "kit_grade": kit.to_numpy(dtype=object),
        "followup_grade": grade.to_numpy(dtype=object),
        "days_since_last_contact": days.to_numpy(),
        "cadence_days": cadence.to_numpy(dtype=int),
        "overdue": (days > cadence).to_numpy(dtype=bool),
        "next_contact_due": (last_contact + pd.to_timedelta(cadence, unit="D")).to_numpy(),
        "contacts": feats["contacts"].to_numpy(dtype=int),
    }, columns=_STATUS_COLUMNS)


def _by_lead(grades: Mapping | pd.Series | None, lead_ids: pd.Series) -> Any:
    if grades is None:
        return None
    series = pd.Series(grades)
    return lead_ids.map(series.set_axis(series.index.astype(str))).to_numpy(dtype=object)


def followup_status(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                    settings: LeadSettings | Mapping | None = None,
                    kit_grades: Mapping | pd.Series | None = None) -> pd.DataFrame:
    """Every lead open at the end of ``as_of`` with its follow-up cadence and whether it is overdue.

    The cadence is that of the lead's *follow-up grade*: of the kit's grade and the consultant's, the one followed
    up sooner (:func:`kit.leads.grades.followup_grade`; ``followup_cadence_days``: H 2 days, A 4, B 7, C 15 by
    default). A follow-up is overdue when the whole days since the last contact (registration counts as one)
    exceed that cadence; the next contact is due on the last contact's day plus the cadence.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`kit.leads.build_features`; ``grade`` is the consultant's grade.
    as_of : date-like
        The day the report is about; follow-ups logged later are ignored.
    settings : LeadSettings, optional
    kit_grades : Series or mapping lead_id -> grade, optional
        The kit's grades (e.g. ``LeadScores.kit_grades``); without them the consultant's grade alone counts.

    Returns
    -------
    DataFrame
        lead_id, consultant_id, consultant_grade, kit_grade, followup_grade, days_since_last_contact,
        cadence_days, overdue, next_contact_due, contacts (follow-ups after registration).
    """
    s = as_settings(settings)
    lead_frame = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lead_frame)
    day = as_day(as_of, "as_of")
    known = known_as_of(lead_frame, day)
    feats = features_on(known, prepare_activity(known, follow.loc[follow["at"] < day + pd.Timedelta(days=1)]), day)
    return status_of(feats, known, day, _by_lead(kit_grades, feats["lead_id"]), s)


def overdue_count(status: pd.DataFrame, *, grades: Iterable[str] | None = None,
                  by: str | None = None) -> int | pd.Series:
    """Overdue follow-ups in a :func:`followup_status` frame or a call list: the one count every place shows.

    Parameters
    ----------
    status : DataFrame
        With ``overdue`` and ``followup_grade`` (and ``by``) columns.
    grades : iterable of str, optional
        Count only leads whose follow-up grade is one of these (``("H", "A")``: overdue hot leads).
    by : str, optional
        A column to count per value of (e.g. ``consultant_id``); the result is then a Series.
    """
    overdue = status["overdue"].astype(bool)
    if grades is not None:
        overdue = overdue & status["followup_grade"].isin(list(grades))
    if by is None:
        return int(overdue.sum())
    return overdue.groupby(status[by], sort=True).sum().astype(int).rename("overdue")


@dataclass
class Discipline:
    """Follow-up discipline per consultant (see :func:`followup_discipline`).

    Attributes
    ----------
    rows : DataFrame
        One row per consultant.
    team : dict
        The same measures for the whole team (shown as the table's totals row).
    """

    rows: pd.DataFrame
    team: dict


def followup_discipline(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                        settings: LeadSettings | Mapping | None = None,
                        kit_grades: Mapping | pd.Series | None = None, lookback_days: int = 90) -> Discipline:
    """Per consultant: open leads contacted within their cadence, overdue counts, first-contact speed.

    Overdue follows :func:`followup_status` (pass the kit's grades so the counts equal the call list's).

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`kit.leads.build_features`; ``grade`` is the consultant's grade.
    as_of : date-like
    settings : LeadSettings, optional
    kit_grades : Series or mapping lead_id -> grade, optional
        As for :func:`followup_status`.
    lookback_days : int
        First-contact speed is measured on leads registered in the last ``lookback_days`` days up to ``as_of``.

    Returns
    -------
    Discipline
        ``rows`` columns: consultant_id, open_leads, within_cadence, within_cadence_rate, overdue, overdue_h_a
        (overdue leads whose follow-up grade is H or A), never_contacted (open leads without a follow-up after
        registration), new_leads, median_first_contact_hours (new leads followed up by ``as_of``),
        first_contact_within_24h_rate (of all new leads); ``team`` the same for everyone.
    """
    s = as_settings(settings)
    lf = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lf)
    day = as_day(as_of, "as_of")
    known = known_as_of(lf, day)
    activity = prepare_activity(known, follow.loc[follow["at"] < day + pd.Timedelta(days=1)])
    feats = features_on(known, activity, day)
    status = status_of(feats, known, day, _by_lead(kit_grades, feats["lead_id"]), s)
    recent = known.loc[known["created_at"] > day - pd.Timedelta(days=lookback_days)]
    recent_ids = recent["lead_id"].to_numpy(dtype=object)
    registered = activity.registered_at.reindex(recent_ids).to_numpy().astype("datetime64[ns]")
    registered = np.where(np.isnat(registered), recent["created_at"].to_numpy().astype("datetime64[ns]"), registered)
    first = activity.first_contact_at.reindex(recent_ids).to_numpy().astype("datetime64[ns]")
    delay = np.clip(((first - registered) / np.timedelta64(1, "h")).astype(float), 0.0, None)
    speed = pd.DataFrame({"consultant_id": recent["consultant_id"].to_numpy(dtype=object), "delay": delay})

    def summarise(lead_rows: pd.DataFrame, speed_rows: pd.DataFrame) -> dict:
        n_open, n_new = len(lead_rows), len(speed_rows)
        within = int((~lead_rows["overdue"]).sum())
        delays = speed_rows["delay"]
        return {"open_leads": n_open,
                "within_cadence": within,
                "within_cadence_rate": within / n_open if n_open else np.nan,
                "overdue": overdue_count(lead_rows),
                "overdue_h_a": overdue_count(lead_rows, grades=HOT_GRADES),
                "never_contacted": int((lead_rows["contacts"] == 0).sum()),
                "new_leads": n_new,
                "median_first_contact_hours": float(delays.median()) if delays.notna().any() else np.nan,
                "first_contact_within_24h_rate": float((delays <= 24).sum() / n_new) if n_new else np.nan}

    consultants = sorted(set(status["consultant_id"]) | set(speed["consultant_id"]))
    rows = [{"consultant_id": c, **summarise(status.loc[status["consultant_id"] == c],
                                             speed.loc[speed["consultant_id"] == c])} for c in consultants]
    columns = ["consultant_id", "open_leads", "within_cadence", "within_cadence_rate", "overdue", "overdue_h_a",
               "never_contacted", "new_leads", "median_first_contact_hours", "first_contact_within_24h_rate"]
    return Discipline(rows=pd.DataFrame(rows, columns=columns), team=summarise(status, speed))
