"""Time pace (时间进度): how much of the month's selling days is gone, and what each target then asks for.

A *selling day* is a day the showroom is open (every day unless ``sales.closed_weekdays`` / ``closed_dates`` say
otherwise). On day ``as_of`` of a month with ``N`` selling days of which ``e`` are on or before ``as_of``:

- time elapsed = e ÷ N (时间进度);
- achievement = actual ÷ target (达成进度); *ahead* when achievement ≥ time elapsed, else *behind*;
- projected month end = actual ÷ (e ÷ N) (the month-to-date run rate carried to the end);
- needed per remaining selling day = max(target − actual, 0) ÷ (N − e).

Once the month is over (e = N) the result is *met* (achievement ≥ 100 %) or *missed*; there is no pace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit import periods
from kit.sales.settings import SalesSettings

#: Status codes of a figure against its target: a month-to-date total is ahead of or behind the time pace, a
#: complete month's total met or missed its target, an average or a share (per car, penetration) is above or below.
STATUSES = ("ahead", "behind", "met", "missed", "above", "below", "no_target")


def selling_days(month: object, settings: SalesSettings | None = None) -> pd.DatetimeIndex:
    """The days of ``month`` (``YYYY-MM``) the showroom is open."""
    s = settings or SalesSettings()
    m = periods.parse_month(str(month)[:7])
    days = pd.date_range(m.start_time.normalize(), m.end_time.normalize(), freq="D")
    closed = days.weekday.isin(s.closed_weekdays) | days.isin(pd.DatetimeIndex(s.closed_dates))
    return days[~closed]


@dataclass(frozen=True)
class Pace:
    """Where ``as_of`` stands in its month: selling days in all, gone and left, and the share gone."""

    month: str
    as_of: pd.Timestamp
    selling_days: int
    days_elapsed: int
    days_left: int

    @property
    def elapsed_rate(self) -> float:
        """Share of the month's selling days on or before ``as_of`` (1.0 for a month with none)."""
        return self.days_elapsed / self.selling_days if self.selling_days else 1.0

    @property
    def complete(self) -> bool:
        """Whether the month is over (no selling day left)."""
        return self.days_left == 0


def time_pace(month: object, as_of: object, settings: SalesSettings | None = None) -> Pace:
    """The :class:`Pace` of ``month`` on ``as_of`` (a day in or after the month)."""
    days = selling_days(month, settings)
    day = pd.Timestamp(as_of).normalize()
    elapsed = int((days <= day).sum())
    return Pace(month=periods.parse_month(str(month)[:7]).strftime("%Y-%m"), as_of=day, selling_days=len(days),
                days_elapsed=elapsed, days_left=len(days) - elapsed)


def against_target(actual: pd.Series | float, target: pd.Series | float, pace: Pace) -> pd.DataFrame:
    """Achievement, projection, run rate needed and status of ``actual`` against a monthly ``target``.

    Parameters
    ----------
    actual, target : Series or float
        Month-to-date actuals and full-month targets (aligned); a missing or zero target gives ``no_target``.
    pace : Pace

    Returns
    -------
    DataFrame
        achievement_rate, projected and needed_per_day (both NaN once the month is over), status (see
        :data:`STATUSES`).
    """
    actual_s = pd.Series(actual, dtype=float) if np.isscalar(actual) else actual.astype(float)
    target_s = (pd.Series(target, index=actual_s.index, dtype=float) if np.isscalar(target)
                else target.astype(float))
    has = target_s.notna() & (target_s > 0) & actual_s.notna()
    achievement = (actual_s / target_s.where(has)).astype(float)
    projected = actual_s / pace.elapsed_rate if 0 < pace.elapsed_rate < 1 else actual_s * np.nan
    needed = ((target_s - actual_s).clip(lower=0) / pace.days_left) if pace.days_left else actual_s * np.nan
    if pace.complete:
        status = np.where(achievement >= 1.0, "met", "missed")
    else:
        status = np.where(achievement >= pace.elapsed_rate - 1e-12, "ahead", "behind")
    status = np.where(has, status, "no_target")
    return pd.DataFrame({"achievement_rate": achievement, "projected": projected.astype(float),
                         "needed_per_day": needed.where(has).astype(float), "status": status},
                        index=actual_s.index)


def against_level(actual: pd.Series | float, target: pd.Series | float) -> pd.DataFrame:
    """An average or a share (gross profit per car, a penetration) against its target level: no pace applies.

    Returns
    -------
    DataFrame
        achievement_rate (actual ÷ target), status ``above`` (actual ≥ target), ``below`` or ``no_target``.
    """
    actual_s = pd.Series(actual, dtype=float) if np.isscalar(actual) else actual.astype(float)
    target_s = (pd.Series(target, index=actual_s.index, dtype=float) if np.isscalar(target)
                else target.astype(float))
    has = target_s.notna() & (target_s > 0) & actual_s.notna()
    status = np.where(has, np.where(actual_s >= target_s - 1e-12, "above", "below"), "no_target")
    return pd.DataFrame({"achievement_rate": (actual_s / target_s.where(has)).astype(float), "status": status},
                        index=actual_s.index)


def is_bad(status: pd.Series) -> pd.Series:
    """True where a status is bad news (behind pace, target missed, below the target level)."""
    return pd.Series(status).isin(["behind", "missed", "below"])
