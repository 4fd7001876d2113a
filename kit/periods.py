"""Reporting periods: a day, an ISO week or a calendar month, with the dates a report needs.

>>> from kit.periods import period
>>> p = period("week", "2026-11-04")
>>> p.label, str(p.start.date()), str(p.end.date())
('2026-W45', '2026-11-02', '2026-11-08')
>>> period("month", "2026-10").days
31
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from kit.exceptions import KitError

KINDS = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    """A reporting period. ``start`` and ``end`` are midnight timestamps of its first and last day (inclusive)."""

    kind: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def label(self) -> str:
        """Folder and display name: ``2026-10``, ``2026-W45`` or ``2026-11-02``."""
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return self.start.strftime("%Y-%m-%d")

    @property
    def month(self) -> pd.Period:
        """The calendar month the period ends in (a week across two months belongs to its last day's month)."""
        return self.end.to_period("M")

    @property
    def days(self) -> int:
        return int((self.end - self.start).days) + 1

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=1)

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of ``dates`` (datetimes; the time of day is ignored) inside the period."""
        return (dates >= self.start) & (dates < self.end_exclusive)

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        return period(self.kind, self.start - pd.Timedelta(days=1))

    def same_last_year(self) -> "Period":
        """The same month, ISO week or day one year earlier (29 February → 28 February)."""
        if self.kind == "month":
            return period("month", (self.month - 12).strftime("%Y-%m"))
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            weeks_last_year = dt.date(year - 1, 12, 28).isocalendar()[1]
            monday = dt.date.fromisocalendar(year - 1, min(week, weeks_last_year), 1)
            return period("week", monday)
        day = self.start.date()
        try:
            return period("day", day.replace(year=day.year - 1))
        except ValueError:
            return period("day", day.replace(year=day.year - 1, day=28))

    def month_to_date(self) -> "Period":
        """From the first day of :attr:`month` to this period's last day (the month itself for a month)."""
        return Period("month_to_date" if self.kind != "month" else "month", self.month.start_time.normalize(),
                      self.end)


def _as_date(value: object, what: str) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise KitError(f"{what}: expected a date YYYY-MM-DD such as 2026-11-02; got {value!r}.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise KitError(f"{what}: {text} is not a calendar date.") from None


def parse_month(month: object) -> pd.Period:
    """``'2026-10'`` → ``Period('2026-10', 'M')``; a clear error for anything else."""
    text = str(month).strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise KitError(f"month: expected YYYY-MM such as 2026-10; got {month!r}.")
    return pd.Period(text, freq="M")


def period(kind: str, when: object) -> Period:
    """The ``kind`` period (day, week, month) containing ``when`` (a date, or ``YYYY-MM`` for a month)."""
    if kind not in KINDS:
        raise KitError(f"period: expected one of {', '.join(KINDS)}; got {kind!r}.")
    if kind == "month" and isinstance(when, (str, pd.Period)) and re.fullmatch(r"\d{4}-\d{2}", str(when).strip()):
        month = parse_month(when)
        return Period("month", month.start_time.normalize(), month.end_time.normalize())
    day = _as_date(when, "date")
    if kind == "day":
        start = end = pd.Timestamp(day)
    elif kind == "week":
        start = pd.Timestamp(day - dt.timedelta(days=day.weekday()))
        end = start + pd.Timedelta(days=6)
    else:
        month = pd.Period(day, freq="M")
        start, end = month.start_time.normalize(), month.end_time.normalize()
    return Period(kind, start, end)


def last_complete(kind: str, *, today: dt.date, data_end: dt.date | None = None) -> Period:
    """The latest complete ``kind`` period that ended before ``today`` and not after ``data_end``.

    A day is complete once it is over (yesterday); a week once its Sunday is over; a month once its last day is
    over. ``data_end`` is the last day the data covers: a period is never chosen past it.
    """
    limit = today - dt.timedelta(days=1)
    if data_end is not None:
        limit = min(limit, data_end)
    candidate = period(kind, limit)
    if candidate.end.date() > limit:
        candidate = candidate.previous()
    return candidate
