"""The period beside the same period before and a year before, and the month to date beside its earlier months.

Which periods are compared:

- a month: the month before and the same month last year;
- an ISO week: the week before and the same ISO week last year (week 53 falls back to week 52);
- a day: the day before and the same weekday a week earlier. Showroom traffic and deliveries follow the weekday
  (weekends are the busy days), so a Saturday is best read against the Saturday before; the same date a year
  earlier is a different weekday and one day is too little to say anything about the year.

For a day or a week the month to date is also compared with the same days of the month before and of the same
month last year (1–15 October against 1–15 September and 1–15 October last year; days beyond a shorter month are
dropped, so 1–29 February 2028 meets 1–28 February 2027).

A window that starts before the data begins has no figures (empty, not zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.periods import Period
from kit.sales.ledger import products, summarize
from kit.sales.traffic import traffic_daily, traffic_total


@dataclass(frozen=True)
class Window:
    """A run of days compared: ``code`` names its role (``this_period``, ``previous_period`` …)."""

    code: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def label(self) -> str:
        """``2026-10-01–2026-10-15``, or the single date."""
        a, b = self.start.strftime("%Y-%m-%d"), self.end.strftime("%Y-%m-%d")
        return a if a == b else f"{a} – {b}"


def comparison_windows(period: Period) -> list[Window]:
    """The period, then the period it is compared with first, then the one a year (or a week) before."""
    this = Window("this_period", period.start, period.end)
    if period.kind == "day":
        week_before = period.start - pd.Timedelta(days=7)
        return [this, Window("previous_day", *_span(period.previous())),
                Window("same_weekday_last_week", week_before, week_before)]
    previous_code = "previous_week" if period.kind == "week" else "previous_month"
    return [this, Window(previous_code, *_span(period.previous())),
            Window("same_period_last_year", *_span(period.same_last_year()))]


def _span(p: Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    return p.start, p.end


def month_to_date_windows(period: Period) -> list[Window]:
    """Month to date, the same days of the month before and of the same month last year (empty for a month)."""
    if period.kind == "month":
        return []
    mtd = period.month_to_date()
    days = int((mtd.end - mtd.start).days)
    out = [Window("month_to_date", mtd.start, mtd.end)]
    for code, first in (("same_days_last_month", mtd.start - pd.offsets.MonthBegin(1)),
                        ("same_days_last_year", mtd.start - pd.DateOffset(years=1))):
        first = pd.Timestamp(first).normalize()
        last = min(first + pd.Timedelta(days=days), first + pd.offsets.MonthEnd(0))
        out.append(Window(code, first, pd.Timestamp(last).normalize()))
    return out


def compare(windows: list[Window], *, orders: pd.DataFrame | None, traffic: pd.DataFrame | None = None,
            leads: pd.DataFrame | None = None) -> pd.DataFrame:
    """The same measures for each window, side by side, with the change against each earlier window.

    Parameters
    ----------
    windows : list of Window
        The first is the one reported; the others are compared with it.
    orders, traffic, leads : DataFrame or None
        The order ledger, the traffic table and the leads (each optional).

    Returns
    -------
    DataFrame
        measure, then one column per window code, then ``change_<code>`` per earlier window: the relative change
        (this ÷ earlier − 1) for counts and money, the difference in points for rates (``_rate`` measures).
    """
    values: dict[str, dict[str, float]] = {}
    ledger_from = pd.to_datetime(orders["ordered_at"]).min() if orders is not None and len(orders) else None
    traffic_from = pd.to_datetime(traffic["date"]).min() if traffic is not None and len(traffic) else None
    leads_from = pd.to_datetime(leads["created_at"]).min() if leads is not None and len(leads) else None
    for w in windows:
        row: dict[str, float] = {}
        if orders is not None and ledger_from is not None:
            covered = w.start >= ledger_from.normalize()
            s = summarize(orders, start=w.start, end=w.end).iloc[0]
            row["deliveries_units"] = s["deliveries_units"]
            row["net_orders_units"] = s["net_orders_units"]
            row["cancellations_units"] = s["cancellations_units"]
            for col in ("gross_profit_cny", "gross_profit_per_unit_cny"):
                if col in s.index:
                    row[col] = s[col]
            for product in products(orders):
                for col in (f"{product}_income_cny", f"{product}_penetration_rate"):
                    if col in s.index:
                        row[col] = s[col]
            if not covered:
                row = {k: np.nan for k in row}
        if traffic is not None or leads is not None:
            tot = traffic_total(traffic_daily(traffic, leads, start=w.start, end=w.end))
            has_traffic = traffic_from is not None and w.start >= traffic_from.normalize()
            has_leads = leads_from is not None and w.start >= leads_from.normalize()
            row["visitors_total"] = tot["visitors_total"] if has_traffic else np.nan
            row["registered_leads"] = tot["registered_leads"] if has_leads else np.nan
            row["registration_rate"] = tot["registration_rate"] if has_traffic and has_leads else np.nan
        values[w.code] = row
    if not values or not values[windows[0].code]:
        return pd.DataFrame(columns=["measure", *[w.code for w in windows]])
    out = pd.DataFrame(values)
    out.index.name = "measure"
    out = out.reset_index()
    this = out[windows[0].code].astype(float)
    is_rate = out["measure"].str.endswith("_rate")
    for w in windows[1:]:
        other = out[w.code].astype(float)
        relative = this / other.where(other != 0) - 1
        out[f"change_{w.code}"] = np.where(is_rate, this - other, relative)
    return out
