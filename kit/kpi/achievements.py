"""Achievement (达成率): actual ÷ target (inverted for lower-is-better metrics), floored and capped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.kpi.settings import KpiSettings
from kit.kpi.table import only_month, prepare


def raw_achievement(a: np.ndarray, t: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Unclipped achievement; inputs already validated."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        higher = a / t
        inverse = np.where(t > 0, np.where(a > 0, t / a, np.inf), np.where(a > 0, 0.0, 1.0))
    out = np.where(lower, inverse, higher)
    return np.where(np.isnan(a) | np.isnan(t), np.nan, out)


def bad_achievement_inputs(a: np.ndarray, t: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Rows where no achievement exists: higher-better target <= 0; lower-better negative actual or target."""
    with np.errstate(invalid="ignore"):
        return (~lower & (t <= 0)) | (lower & ((t < 0) | (a < 0)))


def achievement(actual: Any, target: Any, *, cap: float | Any = 1.2, floor: float = 0.0,
                lower_is_better: bool | Any = False) -> Any:
    """Capped achievement (达成率): actual ÷ target, or target ÷ actual for lower-is-better metrics.

    Parameters
    ----------
    actual, target : float, array-like or Series
    cap : float or array-like
        Upper limit (docs/DOMAIN.md §3.3: 1.0, 1.2 or 2.0).
    floor : float
        Lower limit.
    lower_is_better : bool or array-like of bool
        See the module docstring: target ÷ actual; with target 0, actual 0 → 1.0 and actual > 0 → 0.

    Returns
    -------
    float, ndarray or Series (matching ``actual``); NaN where an input is NaN.

    Raises
    ------
    DataContractError
        A higher-is-better target <= 0, or a negative lower-is-better actual or target.
    """
    a = np.asarray(actual, dtype=float)
    t = np.asarray(target, dtype=float)
    shape = np.broadcast_shapes(a.shape, t.shape)
    lower = np.broadcast_to(np.asarray(lower_is_better, dtype=bool), shape)
    a, t = np.broadcast_to(a, shape), np.broadcast_to(t, shape)
    bad = bad_achievement_inputs(a, t, lower)
    if bad.any():
        pos = np.argwhere(bad)[0]
        where = f" at position {tuple(int(p) for p in pos)}" if shape else ""
        raise DataContractError(f"achievement{where}: actual {a[tuple(pos)]:g}, target {t[tuple(pos)]:g}: "
                                + ("a lower-is-better metric needs actual and target >= 0."
                                   if lower[tuple(pos)] else "a higher-is-better metric needs a target > 0."))
    out = np.clip(raw_achievement(a, t, lower), floor, cap)
    if isinstance(actual, pd.Series):
        return pd.Series(out, index=actual.index, name="achievement")
    if out.ndim == 0:
        return float(out)
    return out


def metric_rules(metrics: Sequence[str], settings: KpiSettings) -> tuple[np.ndarray, np.ndarray]:
    """Per metric: lower-is-better flag and cap."""
    lower = np.array([m in settings.lower_is_better for m in metrics], dtype=bool)
    cap = np.array([settings.cap_for(m) for m in metrics], dtype=float)
    return lower, cap


def checked_achievement(a: np.ndarray, t: np.ndarray, lower: np.ndarray, settings: KpiSettings,
                         describe: Any) -> np.ndarray:
    """Unclipped achievement, raising DataContractError (rows described by ``describe(positions)``)."""
    bad = bad_achievement_inputs(a, t, lower)
    if bad.any():
        positions = np.flatnonzero(bad)
        raise DataContractError(f"kpi table: {positions.size} row(s) have no achievement ({describe(positions[:5])})."
                                f" A higher-is-better metric needs a target > 0; a lower-is-better metric "
                                f"({', '.join(settings.lower_is_better) or 'none'}) needs actual and target >= 0. "
                                f"Fix the targets or drop the metric from the profile.")
    return raw_achievement(a, t, lower)


def month_achievements(frame: pd.DataFrame, month: str, metrics: Sequence[str],
                        settings: KpiSettings) -> pd.DataFrame:
    """Capped achievements, staff × metrics, of one month of a validated frame."""
    absent = [m for m in metrics if m not in set(frame["metric"])]
    if absent:
        raise DataContractError(f"achievement_matrix: {month} has no rows for metric(s) {', '.join(absent)}.")
    sub = frame[frame["metric"].isin(metrics)]
    lower = sub["metric"].isin(settings.lower_is_better).to_numpy()
    a, t = sub["actual"].to_numpy(dtype=float), sub["target"].to_numpy(dtype=float)

    def describe(pos: np.ndarray) -> str:
        return "; ".join(f"{month} {sub['staff_id'].iloc[i]} {sub['metric'].iloc[i]}: actual {a[i]:g}, "
                         f"target {t[i]:g}" for i in pos)

    cap = sub["metric"].map(settings.cap_for).to_numpy(dtype=float)
    ach = np.clip(checked_achievement(a, t, lower, settings, describe), settings.floor, cap)
    wide = sub.assign(achievement=ach).pivot(index="staff_id", columns="metric", values="achievement")
    wide = wide.reindex(index=pd.Index(sorted(frame["staff_id"].unique()), name="staff_id"), columns=list(metrics))
    if wide.isna().any().any():
        gaps = list(zip(*np.nonzero(wide.isna().to_numpy())))
        sample = ", ".join(f"{wide.index[s]} {metrics[m]}" for s, m in gaps[:5])
        raise DataContractError(f"kpi table: {month}: {len(gaps)} missing or empty value(s) for the metrics used, "
                                f"e.g. {sample}.")
    wide.columns.name = None
    return wide


def achievement_matrix(kpi: pd.DataFrame, *, month: str | None = None, metrics: Iterable[str] | None = None,
                       settings: KpiSettings | None = None) -> pd.DataFrame:
    """One month's capped achievements as a staff × metric table (the input of entropy weights and stability).

    Parameters
    ----------
    kpi : DataFrame
        The kpi table.
    month : str, optional
        Needed when the table has several months.
    metrics : iterable of str, optional
        Metrics to include (default: all in that month).
    settings : KpiSettings, optional
        Cap, floor and lower-is-better metrics.

    Returns
    -------
    DataFrame
        Index ``staff_id``, one column per metric, values capped achievements.

    Raises
    ------
    DataContractError
        A metric missing for some staff (listed), or bad targets.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    frame, month = only_month(prepare(kpi).frame, month, "achievement_matrix")
    metrics = list(dict.fromkeys(metrics)) if metrics is not None else list(dict.fromkeys(frame["metric"]))
    return month_achievements(frame, month, metrics, settings)
