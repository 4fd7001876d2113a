"""The call list as of a day: every open lead with its score, grades, follow-up cadence and reasons, per consultant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.exceptions import ConfigError
from kit.leads.features import FEATURE_SOURCE, GRADE_FEATURE, features_on, prepare_activity
from kit.leads.fitting import LeadModel, fit_lead_model, scoring_grade_log, with_grade
from kit.leads.discipline import status_of
from kit.leads.grades import grade_from_probability
from kit.leads.inputs import as_day, known_as_of, prepare_followups, prepare_leads
from kit.leads.reasons import explain_leads
from kit.leads.settings import LeadSettings, as_settings
from kit.report import masking
from kit.report.masking import mask_name, mask_phone

__all__ = ["LeadScores", "mask_name", "mask_phone", "score_open_leads"]


@dataclass
class LeadScores:
    """Scores of the open leads and how they were made.

    Attributes
    ----------
    call_list : DataFrame
        One row per open lead, ordered by consultant then score (see :func:`score_open_leads`).
    method : str
        "model" or "rules".
    trustworthy : bool
    reason : str
        Why this method, in the report language.
    model : LeadModel
    as_of : Timestamp
        The day the list is for: what was known at its end.
    """

    call_list: pd.DataFrame
    method: str
    trustworthy: bool
    reason: str
    model: LeadModel
    as_of: pd.Timestamp | None = None

    @property
    def kit_grades(self) -> pd.Series:
        """The kit's grade of every open lead, by lead_id (input of :func:`kit.leads.followup_discipline`)."""
        return self.call_list.set_index("lead_id")["kit_grade"]


def score_open_leads(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any, model: LeadModel | None = None,
                     settings: LeadSettings | Mapping | None = None, staff: pd.DataFrame | None = None,
                     lang: str = "en", mask_personal: bool = True,
                     grade_log: pd.DataFrame | None = None) -> LeadScores:
    """The call list as of a day: every lead open at the end of ``as_of`` with its score, grades and reasons.

    Cadence, overdue and the next contact follow :func:`kit.leads.followup_status` (the one rule: the cadence of
    the kit's or the consultant's grade, whichever is followed up sooner).

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`; ``customer_name`` and ``phone`` are shown when present.
    as_of : date-like
    model : LeadModel, optional
        From :func:`fit_lead_model`; trained here on data known on ``as_of`` when None.
    settings : LeadSettings, optional
    staff : DataFrame, optional
        Roster (staff_id, name) to show the consultant's name.
    lang : "en" or "zh"
        Language of the reasons.
    mask_personal : bool
        Mask customer and consultant names and phones (``138****5678``).
    grade_log : DataFrame, optional
        The grade log the model was trained with (see :func:`fit_lead_model`); each open lead's current grade
        from the leads table is added to it as recorded on ``as_of``.

    Returns
    -------
    LeadScores
        ``call_list`` columns: consultant_id, (consultant_name), priority (1 = call first, per consultant),
        lead_id, customer_name, phone, store_id, channel, model_interest, created_at, probability, kit_grade,
        consultant_grade, followup_grade, days_since_last_contact, cadence_days, overdue, next_contact_due,
        reason_1..3, scored_by.
    """
    s = as_settings(settings)
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang: expected en or zh; got {lang!r}.")
    lead_frame = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lead_frame)
    day = as_day(as_of, "as_of")
    if model is None:
        model = fit_lead_model(lead_frame, follow, as_of=day, settings=s, grade_log=grade_log)
    known = known_as_of(lead_frame, day)
    feats = features_on(known, prepare_activity(known, follow.loc[follow["at"] < day + pd.Timedelta(days=1)]), day)
    if GRADE_FEATURE in model.features:
        feats = with_grade(feats, known, scoring_grade_log(known, grade_log, day))
    X = feats[list(model.features)]
    prob = model.scorer.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
    info = known.set_index("lead_id")
    out = pd.DataFrame({"consultant_id": feats["consultant_id"].to_numpy(), "lead_id": feats["lead_id"].to_numpy()})
    if staff is not None:
        require_columns(staff, "staff", ("staff_id", "name"))
        names = staff.assign(staff_id=staff["staff_id"].astype(str)).drop_duplicates("staff_id") \
            .set_index("staff_id")["name"]
        out["consultant_name"] = out["consultant_id"].map(names).to_numpy(dtype=object)
    for col in ("customer_name", "phone"):
        if col in info.columns:
            out[col] = info[col].reindex(feats["lead_id"]).to_numpy(dtype=object)
    for col in ("store_id", "channel", "model_interest"):
        out[col] = feats[col].to_numpy(dtype=object)
    out["created_at"] = info["created_at"].reindex(feats["lead_id"]).to_numpy()
    out["probability"] = prob
    kit_grade = grade_from_probability(prob, settings=s) if len(prob) else np.array([], dtype=object)
    status = status_of(feats, known, day, kit_grade, s)
    for col in ("kit_grade", "consultant_grade", "followup_grade", "days_since_last_contact", "cadence_days",
                "overdue", "next_contact_due"):
        out[col] = status[col].to_numpy()
    reasons = explain_leads(model.scorer, X, top=3, lang=lang)
    for col in reasons.columns:
        out[col] = reasons[col].to_numpy(dtype=object)
    out["scored_by"] = model.method
    # calling order: highest chance first; among equal chances an overdue follow-up first
    out = out.sort_values(["consultant_id", "probability", "overdue", "lead_id"], ascending=[True, False, False, True],
                          kind="stable").reset_index(drop=True)
    out["priority"] = out.groupby("consultant_id", sort=False).cumcount() + 1
    first = [c for c in ("consultant_id", "consultant_name", "priority", "lead_id") if c in out.columns]
    out = out[first + [c for c in out.columns if c not in first]]
    if mask_personal:
        out = masking.mask_personal(out, names=("customer_name", "consultant_name"), phones=("phone",))
    return LeadScores(call_list=out, method=model.method, trustworthy=model.trustworthy,
                      reason=model.message(lang=lang), model=model, as_of=day)
