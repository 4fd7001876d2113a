"""Tenure survival: Kaplan–Meier curves (lifelines) with bands, medians, retention points and hire-year cohorts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError
from kit.turnover.inputs import DAYS_PER_MONTH, as_list, as_of_date, check_staff, group_keys


@dataclass(frozen=True)
class TenureSurvival:
    """Kaplan–Meier tenure survival (:func:`tenure_survival`).

    Attributes
    ----------
    summary : DataFrame
        Per group: ``staff``, ``leavers``, ``still_employed`` (censored), ``median_tenure_months`` (NaN when
        more than half are still employed: ``median_reached`` False), its confidence band ``median_ci_lower`` /
        ``median_ci_upper`` (NaN = not reached), ``retention_3_months`` … ``retention_24_months`` (NaN beyond the
        longest observed tenure).
    curves : DataFrame
        Per group and tenure time: ``tenure_months``, ``retention`` (KM survival), ``ci_lower``, ``ci_upper``,
        ``at_risk``, ``leavers``, ``censored``.
    cohorts : DataFrame
        Hire year × retention: ``hire_year``, the same columns as ``summary``.
    fitters : dict
        Group label -> fitted ``lifelines.KaplanMeierFitter`` (for plotting).
    """

    summary: pd.DataFrame
    curves: pd.DataFrame
    cohorts: pd.DataFrame
    fitters: dict


def _durations(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Tenure in months at leaving (event) or at the cut-off (censored); leave dates after the cut-off unknown."""
    frame = frame[frame["hire_date"] <= cutoff].copy()
    event = frame["leave_date"].notna() & (frame["leave_date"] <= cutoff)
    stop = frame["leave_date"].where(event, cutoff)
    # leave_date is the last day worked: hired and left on the same day = 1 day of tenure
    frame["tenure_days"] = (stop - frame["hire_date"]).dt.days + 1
    frame["tenure_months"] = frame["tenure_days"] / DAYS_PER_MONTH
    frame["left"] = event.astype(int)
    return frame


def tenure_survival(
    staff: pd.DataFrame,
    *,
    as_of: object,
    by: str | Sequence[str] | None = None,
    points_months: Sequence[float] = (3, 6, 12, 24),
    alpha: float = 0.05,
) -> TenureSurvival:
    """Kaplan–Meier tenure survival per group, with medians, retention points and a hire-year cohort table.

    Tenure runs from ``hire_date`` to ``leave_date`` (inclusive, the last day worked) for leavers; staff still
    employed at ``as_of`` (or leaving after it) are **censored** at ``as_of``; staff hired after ``as_of`` are
    left out. Months are days ÷ 30.44.

    Parameters
    ----------
    staff : DataFrame
        Staff roster.
    as_of : month or date
        Cut-off ('2026-10' means 2026-10-31).
    by : str or list of str, optional
        Grouping columns (``role`` …); None = everyone.
    points_months : sequence of float
        Retention points in months.
    alpha : float
        1 − confidence level of the bands (lifelines' exponential Greenwood bands).

    Returns
    -------
    TenureSurvival
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    by_cols = as_list(by)
    frame = check_staff(staff, columns=by_cols)
    cutoff = as_of_date(as_of)
    data = _durations(frame, cutoff)
    if data.empty:
        raise InsufficientDataError(f"staff: nobody hired on or before {cutoff.date()}; no tenure to analyse.")
    if by_cols:
        data[by_cols] = group_keys(data, by_cols)
    data["hire_year"] = data["hire_date"].dt.year.astype(int)

    def fit_groups(cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        rows, curves, fitters = [], [], {}
        groups = data.groupby(cols, sort=True, dropna=False) if cols else [((), data)]
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            label = " / ".join(str(k) for k in key) if key else "all staff"
            kmf = KaplanMeierFitter(alpha=alpha)
            kmf.fit(part["tenure_months"], event_observed=part["left"], label=label)
            fitters[label] = kmf
            row = dict(zip(cols, key))
            row.update(staff=len(part), leavers=int(part["left"].sum()),
                       still_employed=int(len(part) - part["left"].sum()))
            median = float(kmf.median_survival_time_)
            ci = median_survival_times(kmf.confidence_interval_)
            lower, upper = (float(v) for v in ci.iloc[0, :2])
            row.update(median_tenure_months=median if np.isfinite(median) else np.nan,
                       median_reached=bool(np.isfinite(median)),
                       median_ci_lower=lower if np.isfinite(lower) else np.nan,
                       median_ci_upper=upper if np.isfinite(upper) else np.nan)
            longest = float(part["tenure_months"].max())
            for t in points_months:
                value = float(kmf.survival_function_at_times(float(t)).iloc[0]) if t <= longest else np.nan
                row[f"retention_{_fmt_points(t)}_months"] = value
            rows.append(row)
            curve = pd.concat([kmf.survival_function_, kmf.confidence_interval_], axis=1)
            curve.columns = ["retention", "ci_lower", "ci_upper"]
            events = kmf.event_table[["at_risk", "observed", "censored"]].rename(columns={"observed": "leavers"})
            curve = curve.join(events, how="left").rename_axis("tenure_months").reset_index()
            for col, value in zip(cols, key):
                curve.insert(0, col, value)
            curves.append(curve)
        return pd.DataFrame(rows), pd.concat(curves, ignore_index=True), fitters

    summary, curves, fitters = fit_groups(by_cols)
    cohorts, _, _ = fit_groups(["hire_year"])
    for col in ("at_risk", "leavers", "censored"):
        curves[col] = curves[col].fillna(0).astype(int)
    return TenureSurvival(summary=summary, curves=curves, cohorts=cohorts, fitters=fitters)


def _fmt_points(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t).replace(".", "_")
