"""Lost leads (战败): the reasons, the step at which they were lost, by channel and car model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.leads.inputs import as_day, known_as_of, month_of, prepare_followups, prepare_leads

#: The step at which a lead was lost (codes; the catalog has the words).
LOST_STEPS = ("lost_before_test_drive", "lost_after_test_drive", "lost_after_quote")
#: The reason of a lost lead whose reason was left empty.
NOT_STATED = "reason_not_stated"


@dataclass
class LostAnalysis:
    """Where and why leads were lost (战败); see :func:`lost_analysis`.

    Attributes
    ----------
    reasons : DataFrame
        lost_reason, lost_leads, share.
    steps : DataFrame
        lost_step, lost_leads, share.
    by_channel, by_model : DataFrame
        channel (model_interest), closed_leads, lost_leads, loss_rate (lost ÷ closed, docs/DOMAIN.md §2.1 战败率), one
        column per lost step, top_reason.
    """

    reasons: pd.DataFrame
    steps: pd.DataFrame
    by_channel: pd.DataFrame
    by_model: pd.DataFrame


def lost_analysis(leads: pd.DataFrame, followups: pd.DataFrame | None = None, *, period: Any = None,
                  months: int = 12, as_of: Any = None) -> LostAnalysis:
    """Lost reasons, the step at which leads were lost, by channel and car model.

    The step is read from the follow-up log up to the close date when ``followups`` is given (a test drive or a
    quote after the loss does not count), otherwise from the leads table's ``test_drive`` and ``quoted`` columns:
    one of :data:`LOST_STEPS` — before the test drive, after the test drive but before a quote, or after a quote (a
    quote without a test drive counts as after the quote). An empty reason becomes :data:`NOT_STATED`.

    Parameters
    ----------
    leads : DataFrame
        lead_id, created_at, status, closed_at, channel, model_interest, lost_reason (optional), test_drive and
        quoted (when no followups).
    followups : DataFrame, optional
    period : str or Period, optional
        Last month of the window; all closed leads when None.
    months : int
        Length of the window in months, ending with ``period``.
    as_of : date-like, optional
        What is known: leads closed later are left out (default: everything in the table).

    Returns
    -------
    LostAnalysis
        Empty tables (zero rows) when no lead was lost in the window.
    """
    lf = prepare_leads(leads, ("channel", "model_interest"))
    if followups is not None:
        follow = prepare_followups(followups, lf)
        f = follow.merge(lf[["lead_id", "closed_at"]], on="lead_id")
        f = f.loc[f["at"].dt.normalize() <= f["closed_at"]]
        td = set(f.loc[f["outcome_code"] == "test_drive", "lead_id"])
        qu = set(f.loc[f["outcome_code"] == "quoted", "lead_id"])
        lf["td"] = lf["lead_id"].isin(td)
        lf["qu"] = lf["lead_id"].isin(qu)
    else:
        require_columns(lf, "leads", ("test_drive", "quoted"))
        lf["td"], lf["qu"] = lf["test_drive"], lf["quoted"]
    if as_of is not None:
        lf = known_as_of(lf, as_day(as_of, "as_of"))
    closed = lf.loc[lf["status"].isin(["won", "lost"])]
    if period is not None:
        end = month_of(period)
        start = (end - (int(months) - 1)).start_time.normalize()
        closed = closed.loc[(closed["closed_at"] >= start) & (closed["closed_at"] <= end.end_time.normalize())]
    lost = closed.loc[closed["status"] == "lost"].copy()
    reason = lost["lost_reason"] if "lost_reason" in lost.columns else pd.Series(None, index=lost.index)
    lost["lost_reason"] = reason.map(lambda v: NOT_STATED if v is None or pd.isna(v) or not str(v).strip()
                                     else str(v).strip())
    lost["lost_step"] = np.where(lost["qu"], LOST_STEPS[2], np.where(lost["td"], LOST_STEPS[1], LOST_STEPS[0]))
    n = len(lost)

    def share_table(col: str, order: Sequence[str] | None = None) -> pd.DataFrame:
        counts = lost[col].value_counts()
        if order is not None:
            counts = counts.reindex(order, fill_value=0)
        else:
            counts = counts.sort_values(ascending=False, kind="stable")
        return pd.DataFrame({col: counts.index.to_list(), "lost_leads": counts.to_numpy(dtype=int),
                             "share": counts.to_numpy() / n if n else np.nan})

    def by_table(col: str) -> pd.DataFrame:
        rows = []
        for value, g in closed.groupby(col, sort=True):
            lg = lost.loc[lost[col] == value]
            row = {col: value, "closed_leads": len(g), "lost_leads": len(lg),
                   "loss_rate": len(lg) / len(g) if len(g) else np.nan}
            for step in LOST_STEPS:
                row[step] = int((lg["lost_step"] == step).sum())
            row["top_reason"] = lg["lost_reason"].value_counts().index[0] if len(lg) else None
            rows.append(row)
        return pd.DataFrame(rows, columns=[col, "closed_leads", "lost_leads", "loss_rate", *LOST_STEPS,
                                           "top_reason"])

    return LostAnalysis(reasons=share_table("lost_reason"), steps=share_table("lost_step", LOST_STEPS),
                        by_channel=by_table("channel"), by_model=by_table("model_interest"))
