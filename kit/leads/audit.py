"""The grade audit: consultants' grades against the kit's and against what happened."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.leads.features import LABEL
from kit.leads.grades import KIT_GRADES, clean_grade, grade_rank
from kit.leads.inputs import ALL_CONSULTANTS, UNASSIGNED, to_text
from kit.leads.settings import LeadSettings, as_settings


def grade_audit(scored: pd.DataFrame, *, settings: LeadSettings | Mapping | None = None) -> pd.DataFrame:
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
    DataFrame
        consultant_id, graded_leads, mean_consultant_rank, mean_kit_rank, grade_gap, gap_vs_team, consultant_h_a_share,
        kit_h_a_share, consultant_h_a_conversion, kit_h_a_conversion, conversion_rate, verdict ("inflates",
        "deflates", "in line" or "too few leads"); a last row ``(all)``.
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
            verdict = "too few leads"
        elif gap >= s.audit_gap_threshold:
            verdict = "inflates"
        elif gap <= -s.audit_gap_threshold:
            verdict = "deflates"
        else:
            verdict = "in line"
        row["verdict"] = verdict
        return row

    rows = [{"consultant_id": c, **summarise(g)} for c, g in frame.groupby("consultant_id", sort=True)]
    rows.append({"consultant_id": ALL_CONSULTANTS, **summarise(frame)})
    out = pd.DataFrame(rows)
    team_gap = out["grade_gap"].iloc[-1] if len(out) else np.nan
    out.insert(out.columns.get_loc("grade_gap") + 1, "gap_vs_team", out["grade_gap"] - team_gap)
    return out


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
