"""Tenure survival: Kaplan–Meier curves (lifelines) with bands, medians, retention points and hire-year cohorts;
:func:`retention` by turnover role group for the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError
from kit.turnover.inputs import DAYS_PER_MONTH, as_list, as_of_date, check_lang, check_staff, group_keys, word
from kit.turnover.settings import TurnoverSettings
from kit.turnover.targets import label_staff_group


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


@dataclass(frozen=True)
class Retention:
    """How long people stay, by turnover role group, in the report's language (:func:`retention`).

    Attributes
    ----------
    survival : TenureSurvival
        By ``role_group`` (:func:`kit.turnover.targets.label_staff_group`).
    names : dict
        ``role_group`` code -> display name (the chart's legend).
    table : DataFrame
        Per group: ``retention_group``, ``people``, ``people_left``, ``still_employed``, ``median_tenure_months``
        (NaN while more than half are still employed) and ``retention_3m_rate`` … ``retention_24m_rate``.
    medians : DataFrame
        Per group: ``retention_group``, ``median_tenure_months`` with its 95 % range ``median_low_months`` /
        ``median_high_months`` (NaN = not reached) for the analyst appendix.
    cohorts : DataFrame
        The same as ``table`` per hiring year (``hire_year``), everyone together, for the analyst appendix.
    """

    survival: TenureSurvival
    names: dict
    table: pd.DataFrame
    medians: pd.DataFrame
    cohorts: pd.DataFrame


def retention(staff: pd.DataFrame, settings: TurnoverSettings | None = None, *, as_of: object,
              lang: str = "en") -> Retention:
    """:func:`tenure_survival` by turnover role group (roles with a target of their own, key staff and
    managers, other staff), ready for the report in ``lang``."""
    check_lang(lang)
    result = tenure_survival(label_staff_group(check_staff(staff), settings), as_of=as_of, by="role_group")
    names = {g: word(g, lang) for g in result.summary["role_group"]}

    def worded(summary: pd.DataFrame, key: str) -> pd.DataFrame:
        first = summary[key].map(names) if key == "role_group" else summary[key].astype(str)
        out = pd.DataFrame({"retention_group" if key == "role_group" else key: first,
                            "people": summary["staff"].astype(int), "people_left": summary["leavers"].astype(int)})
        if key == "role_group":
            out["still_employed"] = summary["still_employed"].astype(int)
            out["median_tenure_months"] = summary["median_tenure_months"].astype(float)
        for months in (3, 6, 12, 24):
            column = f"retention_{months}_months"
            out[f"retention_{months}m_rate"] = summary[column].astype(float) if column in summary else np.nan
        return out

    medians = pd.DataFrame({"retention_group": result.summary["role_group"].map(names),
                            "median_tenure_months": result.summary["median_tenure_months"].astype(float),
                            "median_low_months": result.summary["median_ci_lower"].astype(float),
                            "median_high_months": result.summary["median_ci_upper"].astype(float)})
    return Retention(survival=result, names=names, table=worded(result.summary, "role_group"), medians=medians,
                     cohorts=worded(result.cohorts, "hire_year"))
