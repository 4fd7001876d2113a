"""Which period a run covers — a month, an ISO week or a day — chosen from the data and today, and why.

A month run is labelled ``2026-10``, a week ``2026-W45`` (ISO 8601: Monday to Sunday, the year of its Thursday), a
day ``2026-11-02``; the label is also the run's folder name. Every choice is explained in one sentence that the
run prints and logs (``chose 2026-10: …``), so an unattended run says what it published and why.

The month choice and the months the data covers come from the loader (:func:`kit.io.choose_month`,
:func:`kit.io.data_range`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from kit import io, periods
from kit.exceptions import DataContractError, KitError

KINDS = ("day", "week", "month")
MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
WEEK_RE = re.compile(r"(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])")
DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: tables that carry daily rows; a day or week run reaches at most the last day all of them cover
DAILY_TABLES = (("leads", "created_at"), ("followups", "at"))


class UsageError(KitError):
    """Bad command-line usage or a period the data cannot support (exit code 2; nothing is written)."""


@dataclass(frozen=True)
class Period:
    """The period one run covers; ``as_of`` is the last day of data it uses (before ``end`` for a partial week)."""

    kind: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    why: str = ""

    @property
    def label(self) -> str:
        """The folder name: ``2026-10``, ``2026-W45`` or ``2026-11-02`` (:attr:`kit.periods.Period.label`)."""
        return periods.period(self.kind, self.start).label

    @property
    def month(self) -> str:
        """The month containing ``as_of`` (``YYYY-MM``): the ``month`` parameter every notebook receives."""
        return self.as_of.strftime("%Y-%m")

    def months(self) -> list[str]:
        """Every month the period overlaps (a week may span two); their indexes link this run."""
        return [str(p) for p in pd.period_range(self.start, self.end, freq="M")]

    def parameters(self) -> dict[str, str]:
        """The period parameters passed to the notebooks (ISO date strings)."""
        return {"month": self.month, "period": self.kind, "period_start": self.start.isoformat(),
                "period_end": self.end.isoformat(), "as_of": self.as_of.isoformat()}

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "as_of": self.as_of.isoformat(), "why": self.why}


def label_kind(name: str) -> str | None:
    """``'2026-10'`` → month, ``'2026-W45'`` → week, ``'2026-11-02'`` → day; None for any other folder name."""
    if MONTH_RE.fullmatch(name):
        return "month"
    if WEEK_RE.fullmatch(name):
        return "week"
    if DAY_RE.fullmatch(name):
        return "day"
    return None


def period_from_label(name: str) -> Period | None:
    """The period a folder name stands for (``as_of`` = its end), or None."""
    kind = label_kind(name)
    try:
        if kind == "month":
            return month_period(name)
        if kind == "week":
            year, week = WEEK_RE.fullmatch(name).groups()
            return week_period(dt.date.fromisocalendar(int(year), int(week), 1))
        if kind == "day":
            return day_period(dt.date.fromisoformat(name))
    except ValueError:
        return None
    return None


def month_period(month: str, *, why: str = "") -> Period:
    start = pd.Period(month, freq="M")
    return Period("month", start.start_time.date(), start.end_time.date(), start.end_time.date(), why)


def week_period(day: dt.date, *, as_of: dt.date | None = None, why: str = "") -> Period:
    start = day - dt.timedelta(days=day.weekday())
    end = start + dt.timedelta(days=6)
    return Period("week", start, end, min(end, as_of) if as_of else end, why)


def day_period(day: dt.date, *, why: str = "") -> Period:
    return Period("day", day, day, day, why)


# --------------------------------------------------------------------------- what the data covers


MonthChoice = io.MonthChoice


def _choose_month(dealer: io.Dealer, *, today: dt.date) -> MonthChoice:
    """The latest month complete in every table (sales, leads, kpi) and not after today (:func:`kit.io.choose_month`)."""
    try:
        return io.choose_month(dealer, today=today)
    except DataContractError as exc:
        raise UsageError(f"--month last: {exc}") from None


def _daily_span(dealer: io.Dealer) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, the table that ends first) of the data with daily rows."""
    firsts, lasts = [], []
    for name, column in DAILY_TABLES:
        table = dealer.tables.get(name)
        if table is None or table.empty or column not in table:
            continue
        dates = pd.to_datetime(table[column], errors="coerce").dropna()
        if len(dates):
            firsts.append(dates.min().date())
            lasts.append((dates.max().date(), name))
    if not lasts:
        raise UsageError(f"{dealer.data_dir}: no daily rows (leads or follow-ups) to choose a day or week from.")
    last, table = min(lasts)
    return min(firsts), last, table


def describe_month_choice(choice: MonthChoice) -> str:
    return f"chose {choice.month}: {choice.reason.rstrip('.')}"


# --------------------------------------------------------------------------- the choice


def _parse_date(text: str, flag: str = "--date") -> dt.date:
    if not DAY_RE.fullmatch(str(text)):
        raise UsageError(f"{flag}: expected YYYY-MM-DD (e.g. 2026-11-02); got {text!r}.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a calendar date.") from None


def choose_period(kind: str, dealer: io.Dealer, *, month: str | None = None, date: str | None = None,
                  today: dt.date | None = None) -> Period:
    """The period to run; raises UsageError when the request is malformed or outside the data.

    month : ``YYYY-MM`` or ``last``/None (month runs only).
    date : ``YYYY-MM-DD`` (day and week runs only): that day, or the ISO week containing it; None → yesterday or
        the last complete week, never after the last day the data covers.
    """
    today = today or dt.date.today()
    if kind not in KINDS:
        raise UsageError(f"--period: expected day, week or month; got {kind!r}.")
    if kind == "month":
        if date:
            raise UsageError("--date picks a day or a week; for a month use --month YYYY-MM.")
        return _choose_month_period(dealer, month, today)
    if month not in (None, "", "last"):
        raise UsageError(f"--month is for month runs; for --period {kind} use --date YYYY-MM-DD.")
    first, last, table = _daily_span(dealer)
    yesterday = today - dt.timedelta(days=1)
    if date:
        day = _parse_date(date)
        if day > today:
            raise UsageError(f"--date {day}: that is after today ({today}).")
        if kind == "day":
            if not first <= day <= last:
                raise UsageError(f"--date {day}: the daily data in {dealer.data_dir} runs from {first} to {last} "
                                 f"({table} end first); choose a day in that range.")
            return day_period(day, why=f"chose {day}: the day asked for with --date")
        week = week_period(day, as_of=last)
        if week.start > last or week.end < first:
            raise UsageError(f"--date {day}: the week {week.label} ({week.start} – {week.end}) is outside the "
                             f"daily data, which runs from {first} to {last}.")
        partial = f"; the data ends on {last} ({table}), so the week runs to that day" if week.as_of < week.end else ""
        return week_period(day, as_of=last, why=f"chose {week.label} ({week.start} – {week.end}): the week "
                                                f"containing {day}, asked for with --date{partial}")
    cap = min(yesterday, last)
    limit = (f"yesterday ({yesterday})" if cap == yesterday else
             f"the last day the data covers ({last}: {table} end there; yesterday was {yesterday})")
    if cap < first:
        raise UsageError(f"the daily data in {dealer.data_dir} starts on {first}, after {cap}; nothing to run.")
    if kind == "day":
        return day_period(cap, why=f"chose {cap}: {limit}")
    sunday = cap - dt.timedelta(days=(cap.weekday() + 1) % 7)  # the last Sunday on or before cap
    week = week_period(sunday)
    if week.end < first:
        raise UsageError(f"no complete week in the daily data in {dealer.data_dir} ({first} to {last}).")
    return week_period(sunday, why=f"chose {week.label} ({week.start} – {week.end}): the last complete week "
                                   f"up to {limit}")


def _choose_month_period(dealer: io.Dealer, month: str | None, today: dt.date) -> Period:
    choice = _choose_month(dealer, today=today)
    if month in (None, "", "last"):
        return month_period(choice.month, why=describe_month_choice(choice))
    if not MONTH_RE.fullmatch(str(month)):
        raise UsageError(f"--month: expected YYYY-MM (e.g. 2026-10) or 'last'; got {month!r}.")
    refusal = io.data_range(dealer, today=today).refusal(str(month))
    if refusal:
        raise UsageError(f"--month {month}: {refusal}")
    return month_period(month, why=f"chose {month}: the month asked for with --month")
