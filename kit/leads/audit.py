"""The grade audit: consultants' grades against the kit's and against what happened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.leads.features import LABEL
from kit.leads.grades import KIT_GRADES, clean_grade, grade_rank
from kit.leads.inputs import UNASSIGNED, to_text
from kit.leads.settings import LeadSettings, as_settings


#: Verdicts of the grade audit: the consultant grades higher than the kit, lower, in line, or too few leads to say.
VERDICTS = ("grades_high", "grades_low", "grades_in_line", "too_few_graded")


@dataclass
class GradeAudit:
    """Consultants' grades against the kit's (see :func:`grade_audit`).

    Attributes
    ----------
    rows : DataFrame
        One row per consultant.
    team : dict
        The same measures for the whole team (the table's totals row); its ``grade_gap`` is what ``gap_vs_team``
        is measured from.
    """

    rows: pd.DataFrame
    team: dict


def grade_audit(scored: pd.DataFrame, *, settings: LeadSettings | Mapping | None = None) -> GradeAudit:
    """Consultants' grades against the kit's grades and against what happened.

    ``grade_gap`` = mean(consultant grade rank − kit grade rank) over leads both graded H/A/B/C (H 4 … C 1): above
    0 the consultant grades higher than the kit (inflates), below 0 lower (deflates). A consultant is flagged when
    the gap is at least ``audit_gap_threshold`` in size with at least ``audit_min_leads`` graded leads.
    ``gap_vs_team`` is the gap minus the team's: where the kit's thresholds and the team's habits differ (a whole
    team grading a step above the kit), it shows who is out of line with colleagues. When the outcome column is
    present, the observed conversion of the consultant's H/A leads is set beside that of the kit's H/A leads among
    the same consultant's leads.

    Parameters
    ----------
    scored : DataFrame
        consultant_id, consultant_grade, kit_grade and optionally ``won_within_window`` (e.g.
        ``HoldoutReport.scored``, or a call list, which has no outcome).
    settings : LeadSettings, optional

    Returns
    -------
    GradeAudit
        ``rows`` columns: consultant_id, graded_leads, mean_consultant_rank, mean_kit_rank, grade_gap, gap_vs_team,
        consultant_h_a_share, kit_h_a_share, consultant_h_a_conversion, kit_h_a_conversion, conversion_rate,
        verdict (one of :data:`VERDICTS`: ``grades_high`` inflates, ``grades_low`` deflates, ``grades_in_line``,
        ``too_few_graded``); ``team`` the same for every consultant together (gap_vs_team 0).
    """
    s = as_settings(settings)
    require_columns(scored, "scored", ("consultant_id", "consultant_grade", "kit_grade"))
    frame = pd.DataFrame({
        "consultant_id": to_text(scored["consultant_id"]).fillna(UNASSIGNED).to_numpy(dtype=object),
        "c_rank": grade_rank(scored["consultant_grade"]).to_numpy(),
        "k_rank": grade_rank(scored["kit_grade"]).to_numpy(),
    })
    has_outcome = LABEL in scored.columns
    frame["won"] = scored[LABEL].astype(float).to_numpy() if has_outcome else np.nan
    frame = frame.loc[frame["c_rank"].notna() & frame["k_rank"].notna()]

    def summarise(g: pd.DataFrame) -> dict:
        n = len(g)
        c_hot, k_hot = g["c_rank"] >= 3, g["k_rank"] >= 3
        gap = float((g["c_rank"] - g["k_rank"]).mean()) if n else np.nan
        row = {"graded_leads": n,
               "mean_consultant_rank": float(g["c_rank"].mean()) if n else np.nan,
               "mean_kit_rank": float(g["k_rank"].mean()) if n else np.nan,
               "grade_gap": gap,
               "consultant_h_a_share": float(c_hot.mean()) if n else np.nan,
               "kit_h_a_share": float(k_hot.mean()) if n else np.nan,
               "consultant_h_a_conversion": float(g.loc[c_hot, "won"].mean()) if has_outcome and c_hot.any()
               else np.nan,
               "kit_h_a_conversion": float(g.loc[k_hot, "won"].mean()) if has_outcome and k_hot.any() else np.nan,
               "conversion_rate": float(g["won"].mean()) if has_outcome and n else np.nan}
        if n < s.audit_min_leads:
            verdict = "too_few_graded"
        elif gap >= s.audit_gap_threshold:
            verdict = "grades_high"
        elif gap <= -s.audit_gap_threshold:
            verdict = "grades_low"
        else:
            verdict = "grades_in_line"
        row["verdict"] = verdict
        return row

    columns = ["consultant_id", "graded_leads", "mean_consultant_rank", "mean_kit_rank", "grade_gap", "gap_vs_team",
               "consultant_h_a_share", "kit_h_a_share", "consultant_h_a_conversion", "kit_h_a_conversion",
               "conversion_rate", "verdict"]
    team = summarise(frame)
    rows = pd.DataFrame([{"consultant_id": c, **summarise(g)} for c, g in frame.groupby("consultant_id", sort=True)],
                        columns=[c for c in columns if c != "gap_vs_team"])
    rows.insert(rows.columns.get_loc("grade_gap") + 1, "gap_vs_team", rows["grade_gap"] - team["grade_gap"])
    team["gap_vs_team"] = 0.0 if team["graded_leads"] else np.nan
    return GradeAudit(rows=rows, team={c: team[c] for c in columns if c != "consultant_id"})


def grade_crosstab(scored: pd.DataFrame) -> pd.DataFrame:
    """Leads by consultant grade (rows) and kit grade (columns), with the observed conversion per consultant grade.

    Parameters
    ----------
    scored : DataFrame
        consultant_grade, kit_grade, optionally ``won_within_window``.

    Returns
    -------
    DataFrame
        consultant_grade, kit_H, kit_A, kit_B, kit_C, leads, conversion_rate (empty without an outcome column);
        consultant grades other than H/A/B/C are grouped as their own rows (N, O, F).
    """
    require_columns(scored, "scored", ("consultant_grade", "kit_grade"))
    c = scored["consultant_grade"].map(clean_grade)
    k = scored["kit_grade"].map(clean_grade)
    order = [g for g in ("H", "A", "B", "C", "N", "O", "F") if g in set(c)] + sorted(set(c) - set("HABCNOF"))
    rows = []
    for g in order:
        m = (c == g).to_numpy()
        row = {"consultant_grade": g}
        for kg in KIT_GRADES:
            row[f"kit_{kg}"] = int((m & (k == kg).to_numpy()).sum())
        row["leads"] = int(m.sum())
        row["conversion_rate"] = float(scored.loc[m, LABEL].astype(float).mean()) if LABEL in scored.columns \
            else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["consultant_grade", *[f"kit_{g}" for g in KIT_GRADES], "leads",
                                       "conversion_rate"])
