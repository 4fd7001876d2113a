"""Follow-up discipline per consultant: open leads contacted within their grade's cadence, overdue, first-contact
speed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.leads.features import FEATURE_SOURCE, features_on, prepare_activity
from kit.leads.grades import cadence_days, clean_grade
from kit.leads.inputs import ALL_CONSULTANTS, as_day, known_as_of, prepare_followups, prepare_leads
from kit.leads.settings import LeadSettings, as_settings


def followup_discipline(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                        settings: LeadSettings | Mapping | None = None, grades: pd.Series | None = None,
                        lookback_days: int = 90) -> pd.DataFrame:
    """Per consultant: open leads contacted within their grade's cadence, overdue counts, first-contact speed.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`; ``grade`` is the consultant's grade.
    as_of : date-like
    settings : LeadSettings, optional
        ``followup_cadence_days``.
    grades : Series, optional
        Grade per lead_id to judge against instead of the consultant's own (e.g. the kit's grades).
    lookback_days : int
        First-contact speed is measured on leads registered in the last ``lookback_days`` days up to ``as_of``.

    Returns
    -------
    DataFrame
        consultant_id, open_leads, within_cadence, within_cadence_rate, overdue, overdue_h_a (overdue H and A
        leads), never_contacted (open leads without a follow-up after registration), new_leads,
        median_first_contact_hours (new leads followed up by ``as_of``), first_contact_within_24h_rate (of all
        new leads); a last row ``(all)`` for the team. Empty grades use N's cadence.
    """
    s = as_settings(settings)
    lf = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lf)
    day = as_day(as_of, "as_of")
    known = known_as_of(lf, day)
    follow = follow.loc[follow["at"] < day + pd.Timedelta(days=1)]
    activity = prepare_activity(known, follow)
    feats = features_on(known, activity, day)
    if grades is not None:
        grade = feats["lead_id"].map(pd.Series(grades).rename(index=str))
    elif "grade" in known.columns:
        grade = feats["lead_id"].map(known.set_index("lead_id")["grade"])
    else:
        grade = pd.Series("N", index=feats.index)
    grade = grade.map(clean_grade)
    cad = cadence_days(grade, settings=s)
    per_lead = pd.DataFrame({
        "consultant_id": feats["consultant_id"],
        "open_leads": 1,
        "within_cadence": (feats["days_since_last_contact"] <= cad).astype(int),
        "overdue": (feats["days_since_last_contact"] > cad).astype(int),
        "overdue_h_a": ((feats["days_since_last_contact"] > cad) & grade.isin(["H", "A"])).astype(int),
        "never_contacted": (feats["contacts"] == 0).astype(int),
    })
    recent = known.loc[known["created_at"] > day - pd.Timedelta(days=lookback_days)]
    recent_ids = recent["lead_id"].to_numpy(dtype=object)
    registered = activity.registered_at.reindex(recent_ids).to_numpy().astype("datetime64[ns]")
    registered = np.where(np.isnat(registered), recent["created_at"].to_numpy().astype("datetime64[ns]"), registered)
    first = activity.first_contact_at.reindex(recent_ids).to_numpy().astype("datetime64[ns]")
    delay = np.clip(((first - registered) / np.timedelta64(1, "h")).astype(float), 0.0, None)
    speed = pd.DataFrame({"consultant_id": recent["consultant_id"].to_numpy(dtype=object), "delay": delay})

    def summarise(lead_rows: pd.DataFrame, speed_rows: pd.DataFrame) -> dict:
        n_open = int(lead_rows["open_leads"].sum())
        n_new = len(speed_rows)
        return {"open_leads": n_open,
                "within_cadence": int(lead_rows["within_cadence"].sum()),
                "within_cadence_rate": lead_rows["within_cadence"].sum() / n_open if n_open else np.nan,
                "overdue": int(lead_rows["overdue"].sum()),
                "overdue_h_a": int(lead_rows["overdue_h_a"].sum()),
                "never_contacted": int(lead_rows["never_contacted"].sum()),
                "new_leads": n_new,
                "median_first_contact_hours": float(speed_rows["delay"].median()) if speed_rows["delay"].notna().any()
                else np.nan,
                "first_contact_within_24h_rate": float((speed_rows["delay"] <= 24).sum() / n_new) if n_new
                else np.nan}

    consultants = sorted(set(per_lead["consultant_id"]) | set(speed["consultant_id"]))
    rows = [{"consultant_id": c, **summarise(per_lead.loc[per_lead["consultant_id"] == c],
                                             speed.loc[speed["consultant_id"] == c])} for c in consultants]
    rows.append({"consultant_id": ALL_CONSULTANTS, **summarise(per_lead, speed)})
    return pd.DataFrame(rows)
