"""Which month a run reports on: ``--month last`` and the range of months the data covers.

``last`` is the latest month that is complete in every one of sales, leads and kpi and not after today:

- sales and kpi (monthly tables): the month has rows, and every store that had rows the month before has rows in it
  (kpi rows are placed in stores through ``staff.store_id``); months after today's month are never complete;
- leads: the lead export's newest date on or before today (a lead created, closed or delivered, a follow-up, a
  grade-sheet or traffic day) reaches the month's last day;
- the current month is never complete: it has not ended.

A sales row dated 2099-01, a typo'd year or a partial next month therefore cannot be chosen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.io.plausibility import main_block, month_label, month_numbers

#: tables whose completeness decides ``--month last``, in the order ties are reported
DECIDING_TABLES = ("sales", "leads", "kpi")


@dataclass(frozen=True)
class MonthChoice:
    """The month ``--month last`` chose and why.

    month : the chosen ``YYYY-MM``.
    today : the date it was chosen on.
    last_complete : each deciding table's latest complete month.
    limited_by : the table whose last complete month is the earliest (the one that decided).
    skipped : per table, later months that have rows but were not taken, each with the reason.
    notes : the same reasons as catalog keys and fields (``month.<key>`` in ``kit/catalog/problems.yml``), so
        :meth:`text` can tell them in the report's language.
    """

    month: str
    today: dt.date
    last_complete: dict[str, str]
    limited_by: str
    skipped: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, list[tuple[str, dict]]] = field(default_factory=dict, compare=False)

    @property
    def reason(self) -> str:
        """One sentence: why this month (for the run's log and console)."""
        others = [f"{t} through {m}" for t, m in self.last_complete.items() if t != self.limited_by]
        text = (f"{self.month} is the latest month complete in every table on {self.today:%Y-%m-%d}: "
                f"{self.limited_by} is complete through {self.last_complete[self.limited_by]}")
        if others:
            text += f" ({', '.join(others)})"
        notes = [f"{t}: {'; '.join(items)}" for t, items in self.skipped.items() if items]
        if notes:
            text += f"; not taken: {' | '.join(notes)}"
        return text + "."

    def text(self, lang: str = "en") -> str:
        """:attr:`reason` in ``lang``, table names in the reader's words."""
        from kit.exceptions import render_fields
        from kit.i18n import label, t

        def table(name: str) -> str:
            return label(name, lang, group="table")

        others = t("problem.list_sep", lang).join(
            t("month.table_through", lang, table=table(name), month=month)
            for name, month in self.last_complete.items() if name != self.limited_by)
        text = t("month.chosen", lang, month=self.month, today=f"{self.today:%Y-%m-%d}",
                 table=table(self.limited_by), through=self.last_complete[self.limited_by])
        if others:
            text += t("month.others", lang, others=others)
        skipped = [t("month.skipped_table", lang, table=table(name),
                     notes=t("month.note_sep", lang).join(t(f"month.{key}", lang, **render_fields(fields, lang))
                                                         for key, fields in items))
                   for name, items in self.notes.items() if items]
        if skipped:
            text += t("month.not_taken", lang, notes=t("month.table_sep", lang).join(skipped))
        return text + t("month.end", lang)


@dataclass(frozen=True)
class DataRange:
    """The months the data covers: ``first`` is the first month all of sales, leads and kpi have rows (leading
    typo'd years left out), ``last`` the month ``--month last`` would choose; ``tables`` holds each table's own span."""

    first: str
    last: str
    tables: dict[str, tuple[str, str]]

    def refusal(self, month: str) -> str | None:
        """Why ``month`` cannot be reported on (None when it can)."""
        if month < self.first:
            spans = ", ".join(f"{t} {a} … {b}" for t, (a, b) in self.tables.items())
            return (f"{month} is before the data starts: the first month every table covers is {self.first} "
                    f"({spans}); choose a month from {self.first} to {self.last}.")
        if month > self.last:
            return (f"{month} is after the latest complete month, {self.last}; choose a month from {self.first} to "
                    f"{self.last} (or 'last').")
        return None


def _today_month(today: dt.date) -> int:
    return today.year * 12 + today.month - 1


def _store_months(dealer, name: str) -> pd.DataFrame:
    """Distinct (store, month number) pairs of a monthly table; kpi rows get their store from staff."""
    frame = dealer.tables[name]
    if "store_id" in frame.columns:
        stores = frame["store_id"]
    else:
        staff = dealer.tables.get("staff")
        if staff is not None and "staff_id" in frame.columns:
            stores = frame["staff_id"].map(staff.drop_duplicates("staff_id").set_index("staff_id")["store_id"])
            stores = stores.fillna("(no store)")
        else:
            stores = pd.Series("(all)", index=frame.index)
    pairs = pd.DataFrame({"store": stores.astype(object).to_numpy(), "m": month_numbers(frame["month"])})
    return pairs.dropna().astype({"m": np.int64}).drop_duplicates()


def _monthly_complete(pairs: pd.DataFrame, cap: int) -> tuple[int | None, list[tuple[str, dict]]]:
    """Latest complete month of a monthly table at or before ``cap`` and the later months passed over."""
    by_month = {m: set(g["store"]) for m, g in pairs.groupby("m")}
    skipped = [("after_today", {"month": month_label(m)}) for m in sorted(by_month) if m > cap]
    for m in sorted((m for m in by_month if m <= cap), reverse=True):
        before = by_month.get(m - 1, set())
        missing = sorted(map(str, before - by_month[m]))
        if missing:
            skipped.append(("lacks_stores", {"month": month_label(m), "stores": missing}))
            continue
        return m, skipped
    return None, skipped


def _english(note: tuple[str, dict]) -> str:
    """A reason a month was not taken, as :attr:`MonthChoice.skipped` says it."""
    key, fields = note
    if key == "after_today":
        return f"{fields['month']} is after today"
    if key == "lacks_stores":
        return f"{fields['month']} lacks store(s) {', '.join(fields['stores'])} that have rows the month before"
    if key == "leads_after_today":
        return f"{fields['n']:,} lead(s) created after today ignored"
    return f"{fields['month']} only reaches {fields['newest']}"


#: dates that show how far the lead export reaches (a day without new leads still has follow-ups, traffic …)
LEAD_EXPORT_DATES = (("leads", "created_at"), ("leads", "closed_at"), ("leads", "delivered_at"),
                     ("followups", "at"), ("grade_log", "at"), ("traffic", "date"))


def _leads_complete(dealer, today: dt.date, cap: int) -> tuple[int | None, list[tuple[str, dict]]]:
    """The leads are complete for a month when the export's newest date on or before today reaches its last day."""
    newest, future = None, 0
    for name, column in LEAD_EXPORT_DATES:
        frame = dealer.tables.get(name)
        if frame is None or column not in frame.columns:
            continue
        days = frame[column].dropna().dt.normalize()
        if name == "leads" and column == "created_at":
            future = int((days > pd.Timestamp(today)).sum())
        days = days[days <= pd.Timestamp(today)]
        if len(days) and (newest is None or days.max() > newest):
            newest = days.max()
    skipped = [("leads_after_today", {"n": future})] if future else []
    if newest is None:
        return None, skipped
    m = newest.year * 12 + newest.month - 1
    if newest != (newest + pd.offsets.MonthEnd(0)).normalize():
        skipped.append(("only_reaches", {"month": month_label(m), "newest": f"{newest:%Y-%m-%d}"}))
        m -= 1
    return min(m, cap), skipped


def choose_month(dealer, *, today: dt.date | None = None) -> MonthChoice:
    """The latest month complete in every one of sales, leads and kpi, and not after today (``--month last``).

    Raises
    ------
    DataContractError
        When no month is complete in every table (the message says which table has none).
    """
    today = today or dt.date.today()
    cap = _today_month(today) - 1  # the current month has not ended
    last: dict[str, int] = {}
    skipped: dict[str, list[tuple[str, dict]]] = {}
    for name in DECIDING_TABLES:
        frame = dealer.tables.get(name)
        if frame is None or not len(frame):
            continue
        if name == "leads":
            month, notes = _leads_complete(dealer, today, cap)
        else:
            month, notes = _monthly_complete(_store_months(dealer, name), cap)
        skipped[name] = notes
        if month is None:
            english = "; ".join(map(_english, notes)) or "no dated rows"
            raise DataContractError(f"{dealer.data_dir}: table {name} has no complete month on or before "
                                    f"{month_label(cap)} ({english}); nothing to report on.",
                                    key="no_complete_month", fields={"table": name, "cap": month_label(cap),
                                                                     "reasons": english})
        last[name] = month
    if not last:
        raise DataContractError(f"{dealer.data_dir}: no dated rows in sales, leads or kpi to choose a month from.",
                                key="no_dated_rows")
    limited_by = min(last, key=lambda t: (last[t], DECIDING_TABLES.index(t)))
    return MonthChoice(month=month_label(last[limited_by]), today=today,
                       last_complete={t: month_label(m) for t, m in last.items()}, limited_by=limited_by,
                       skipped={t: [_english(n) for n in s] for t, s in skipped.items() if s},
                       notes={t: s for t, s in skipped.items() if s})


def latest_complete_month(dealer, *, today: dt.date | None = None) -> str:
    """``choose_month(dealer).month``: the month ``--month last`` reports on, ``'YYYY-MM'``."""
    return choose_month(dealer, today=today).month


def data_range(dealer, *, today: dt.date | None = None) -> DataRange:
    """First and last reportable month: from the first month all of sales, leads and kpi cover to ``--month last``."""
    choice = choose_month(dealer, today=today)
    spans: dict[str, tuple[str, str]] = {}
    firsts = []
    for name, column in (("sales", "month"), ("leads", "created_at"), ("kpi", "month")):
        frame = dealer.tables.get(name)
        if frame is None or not len(frame):
            continue
        block = main_block(month_numbers(frame[column]))
        if block is None:
            continue
        firsts.append(block[0])
        spans[name] = (month_label(block[0]), month_label(block[1]))
    first = month_label(max(firsts)) if firsts else choice.month
    return DataRange(first=min(first, choice.month), last=choice.month, tables=spans)
