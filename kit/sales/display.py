"""The sales report's frames in the reader's words: headers, codes, number formats, colours and Excel sheets.

Every word comes from the display catalog (``kit/catalog/sales.yml``). Formats follow the unit in a column's name
(``_cny`` money, ``_rate`` percent, ``_units`` cars); a long table whose rows mix units (the month at a glance, the
comparisons) is formatted row by row. Cells of figures behind pace or below target are marked red (red is bad).
The Excel workbook (:func:`excel_sheets`) keeps numbers as numbers, one format per column: there the long tables'
shares are percent numbers with the unit column saying %, and every column has a ``sales.def.<column>`` definition.
The functions take the notebook's :class:`kit.notebook.Report` for its language, people and table writer.
"""

from __future__ import annotations

import html
from typing import Any, Iterable

import numpy as np
import pandas as pd

from kit import i18n
from kit.report.excel import Sheet
from kit.report.format import fmt_int, fmt_money, fmt_number, fmt_pct
from kit.report.masking import mask_name, mask_phone
from kit.sales.advice import what_to_do
from kit.sales.comparisons import Window
from kit.sales.ledger import NO_CONSULTANT
from kit.sales.pace import is_bad
from kit.sales.summary import SalesPerformance

#: Columns whose values are codes with a catalog group.
_VALUE_GROUPS = {"measure": "sales_measure", "product": "sales_product", "tier": "sales_tier",
                 "unit": "sales_unit", "check": "sales_check"}


# --------------------------------------------------------------------------- values and formats


def _label(r: Any, code: str, group: str | None = None) -> str:
    return i18n.label(code, r.lang, group=group)


def _int_like(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(v) == 0 or np.allclose(v, np.round(v)))


def column_format(column: str, values: pd.Series) -> str | None:
    """The :func:`kit.report.table` format of a column from the unit in its name (None: shown as it is)."""
    if column.endswith("_rate"):
        return "pct"
    if column.endswith("_cny"):
        return "money"
    if column.endswith(("_per_day_units", "_projected_units")):
        return "number1"
    if column.endswith("_units") or column in ("days", "days_overdue", "compared", "disagreeing") \
            or column.endswith(("_visitors", "_leads")) or column == "visitors_total":
        return "int" if _int_like(values) else "number1"
    if column in ("ledger_value", "other_value", "difference", "ledger_total", "other_total", "largest_difference"):
        return "int"
    if column in ("date", "delivered_at", "due_at", "week_start"):
        return "date"
    return None


def _value(value: float, unit: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    if unit == "rate":
        return fmt_pct(value)
    if unit == "cny":
        return fmt_money(value)
    return fmt_int(value) if float(value).is_integer() else fmt_number(value, digits=1)


def _change(value: float, unit: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    if unit == "rate":
        return i18n.t("sales.points", lang, value=f"{value * 100:+.1f}")
    return f"{value * 100:+.1f}%"


def unit_of(measure: str) -> str:
    """``units``, ``cny`` or ``rate`` from a measure or column code."""
    if measure.endswith("_rate") or measure.endswith("_penetration"):
        return "rate"
    if measure.endswith("_cny") or measure.endswith("_income") or measure.startswith("gross_profit"):
        return "cny"
    return "units"


def translate(frame: pd.DataFrame, r: Any) -> pd.DataFrame:
    """A copy with codes in the reader's words: stores, consultants, measures, products, tiers, statuses."""
    out = frame.copy()
    for col in out.columns:
        if col == "store_id":
            out[col] = out[col].map(lambda s: r.settings.store_name(s) if pd.notna(s) else s)
        elif col == "consultant_id":
            people = r.people
            out[col] = out[col].map(lambda s: _label(r, NO_CONSULTANT) if s == NO_CONSULTANT else people.get(s, s))
        elif col in _VALUE_GROUPS:
            out[col] = out[col].map(lambda s, g=_VALUE_GROUPS[col]: _label(r, s, g) if pd.notna(s) else s)
        elif col.endswith("status"):
            out[col] = out[col].map(lambda s: _label(r, s, "sales_status") if pd.notna(s) else s)
        elif col == "agrees":
            out[col] = out[col].map(lambda b: _label(r, "yes" if b else "no", "sales_flag"))
    return out


def _headers(frame: pd.DataFrame, r: Any, perf: SalesPerformance | None) -> dict[str, str]:
    windows = {w.code: w for w in (perf.comparison_windows + perf.mtd_windows)} if perf is not None else {}
    out = {}
    for col in frame.columns:
        if col in windows:
            out[col] = f"{_label(r, col, 'sales')} ({_window_label(windows[col])})"
        elif col == "period_value" and perf is not None:
            out[col] = f"{_label(r, 'this_period', 'sales')} ({perf.period.label})"
        elif col.startswith("period_") and perf is not None and perf.period.kind != "month":
            out[col] = f"{_label(r, col[7:], 'sales')} ({perf.period.label})"
        elif col == "value" and perf is not None:
            out[col] = _label(r, "month_value" if perf.pace.complete else "month_to_date_value")
        elif col in ("target", "achievement_rate", "status", "projected", "needed_per_day") and "measure" in frame:
            out[col] = _label(r, col, "sales_glance")
        else:
            out[col] = _label(r, col, "sales")
    return out


def _window_label(w: Window) -> str:
    start, end = w.start, w.end
    if start == end:
        return start.strftime("%Y-%m-%d")
    if start.day == 1 and end == (start + pd.offsets.MonthEnd(0)).normalize():
        return start.strftime("%Y-%m")
    if start.weekday() == 0 and (end - start).days == 6:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start:%Y-%m-%d} – {end:%m-%d}"


# --------------------------------------------------------------------------- tables


def table(r: Any, frame: pd.DataFrame, *, perf: SalesPerformance | None = None, empty: str | None = None,
          hide: Iterable[str] = (), caption: str | None = None):
    """A report table: columns in the reader's words, values formatted by unit, bad figures in red.

    A column ``<metric>_status`` marks ``<metric>_achievement_rate`` red when behind pace or below target and is
    shown only for deliveries and cars credited; ``*_below_target`` / ``*_below_line`` flags mark their rate or
    achievement column and are not shown.

    Parameters
    ----------
    r : kit.notebook.Report
    frame : DataFrame
        A frame of :class:`~kit.sales.summary.SalesPerformance` (codes).
    perf : SalesPerformance, optional
        For the period and comparison windows in headers.
    empty : str, optional
        Note shown instead of an empty table.
    hide : columns not to show.
    """
    if frame is None or frame.empty:
        if perf is not None and not perf.has_ledger and empty is None:
            return r.note(i18n.t("sales.mix_no_ledger", r.lang))
        return r.note(empty or i18n.t("sales.nothing_to_show", r.lang), kind="info")
    if caption is None and perf is not None and not perf.pace.complete and _month_to_date_frame(frame):
        caption = i18n.t("sales.mtd_caption", r.lang, start=perf.month_to_date.start.strftime("%Y-%m-%d"),
                         end=perf.month_to_date.end.strftime("%Y-%m-%d"))
    work = frame.drop(columns=[c for c in hide if c in frame.columns]).copy()
    highlight: dict[str, str] = {}
    flags: list[str] = []
    for col in [c for c in work.columns if c == "status" or c.endswith("_status")]:
        metric = col[: -len("_status")] if col != "status" else ""
        prefix = f"{metric}_" if metric else ""
        flag = f"__bad_{metric or 'row'}"
        work[flag] = is_bad(work[col]).to_numpy()
        flags.append(flag)
        for rate in (f"{prefix}achievement_rate", f"{prefix}rate"):
            if rate in work.columns:
                highlight[rate] = flag
        if metric in ("", "deliveries", "units"):
            highlight[col] = flag
        else:
            work = work.drop(columns=col)
    for col in [c for c in work.columns if c.endswith(("_below_target", "_below_line"))]:
        base = col.rsplit("_below_", 1)[0]
        for target in (f"{base}_penetration_rate", f"{base}_achievement_rate"):
            if target in work.columns:
                highlight[target] = col
        flags.append(col)
    if "measure" in work.columns and "unit" in work.columns:
        work, formats = _long_values(work, r)
    else:
        formats = {c: f for c in work.columns if c not in flags and (f := column_format(c, work[c])) is not None}
    labels = {c: h for c, h in _headers(work.drop(columns=flags), r, perf).items()}
    shown = translate(work, r)
    return r.table(shown, formats=formats, labels=labels, highlight=highlight, caption=caption)


def _month_to_date_frame(frame: pd.DataFrame) -> bool:
    """Whether a frame holds month-to-date figures (the per store / consultant / model / product tables)."""
    return not ({"measure", "date", "week", "on_time_rate", "order_id"} & set(frame.columns)) and \
        bool({"store_id", "consultant_id", "model", "product"} & set(frame.columns))


def _long_values(work: pd.DataFrame, r: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    """Format a long table's value columns row by row (its rows are cars, money and shares)."""
    units = work["unit"].astype(str)
    value_cols = [c for c in work.columns if c not in ("measure", "unit", "status") and not c.startswith("__")
                  and pd.api.types.is_numeric_dtype(work[c]) and c != "achievement_rate"]
    for col in value_cols:
        if col.startswith("change_"):
            work[col] = [_change(v, u, r.lang) for v, u in zip(work[col], units)]
        else:
            work[col] = [_value(v, u, r.lang) for v, u in zip(work[col], units)]
    formats = {c: "s" for c in value_cols}  # preformatted text, right-aligned like numbers
    if "achievement_rate" in work.columns:
        formats["achievement_rate"] = "pct"
    return work.drop(columns="unit"), formats


def glance(r: Any, perf: SalesPerformance):
    """The month at a glance: each measure month to date against target (and this period's own value)."""
    return table(r, _glance_frame(perf), perf=perf)


def comparison(r: Any, perf: SalesPerformance, *, month_to_date: bool = False):
    """The period (or the month to date) beside earlier periods."""
    frame = perf.comparison_mtd if month_to_date else perf.comparison
    if month_to_date and not perf.mtd_windows:
        return None
    if frame.empty:
        return r.note(i18n.t("sales.nothing_to_show", r.lang))
    frame = frame.assign(unit=frame["measure"].map(unit_of))
    cols = ["measure", "unit"] + [c for c in frame.columns if c not in ("measure", "unit")]
    caption = i18n.t("sales.mtd_comparison_caption", r.lang) if month_to_date else None
    return table(r, frame[cols], perf=perf, caption=caption)


def overdue(r: Any, perf: SalesPerformance):
    """The cars whose after-delivery call is overdue, customer names and phones masked unless the run reveals them."""
    if not perf.has_ledger:
        return None
    if perf.overdue is None:
        return r.note(i18n.t("sales.no_followups", r.lang))
    if perf.overdue.empty:
        return r.note(i18n.t("sales.no_overdue", r.lang, days=perf.settings.followup_within_days), kind="ok")
    return table(r, masked(perf.overdue, r.mask), perf=perf)


def masked(frame: pd.DataFrame, mask: bool) -> pd.DataFrame:
    """Customer name and phone masked (unless ``mask`` is False); the phone column renamed ``customer_phone``."""
    out = frame.rename(columns={"phone": "customer_phone"})
    if mask:
        if "customer_name" in out.columns:
            out["customer_name"] = out["customer_name"].map(mask_name)
        if "customer_phone" in out.columns:
            out["customer_phone"] = out["customer_phone"].map(mask_phone)
    return out


# --------------------------------------------------------------------------- what to do, status line


def advise(r: Any, perf: SalesPerformance):
    """Record the "what to do" sentences with ``r.advise`` and show them as a list at the top of the report."""
    for key, fields in what_to_do(perf, lang=r.lang, people=r.people, settings=r.settings):
        r.advise(key, **fields)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in r.advice)
    return _html(f'<div class="kit-note kit-note-info kit-advice"><ul>{items}</ul></div>')


def status_line(r: Any, perf: SalesPerformance):
    """Whether the figures are final: the month to date and its pace, or the month closed with open orders."""
    p = perf.pace
    if not perf.has_ledger:
        return r.note(i18n.t("sales.no_ledger", r.lang), kind="warning")
    open_orders = perf.glance.set_index("measure").loc["open_orders", "value"]
    if p.complete:
        return r.note(i18n.t("sales.final", r.lang, month=p.month, open=fmt_int(open_orders)), kind="info")
    mtd = perf.month_to_date
    return r.note(i18n.t("sales.not_final", r.lang, start=mtd.start.strftime("%Y-%m-%d"),
                         end=mtd.end.strftime("%Y-%m-%d"), elapsed=fmt_int(p.days_elapsed),
                         days=fmt_int(p.selling_days), rate=fmt_pct(p.elapsed_rate, digits=0),
                         left=fmt_int(p.days_left), open=fmt_int(open_orders)), kind="warning")


def _html(text: str):
    from IPython.display import HTML

    return HTML(text)


# --------------------------------------------------------------------------- headline numbers


def headline(r: Any, perf: SalesPerformance) -> None:
    """Glue the report's tiles: deliveries against target, orders, gross profit per car, pace, overdue calls.

    Glue names: ``deliveries_units`` (the period), ``deliveries_mtd_units`` (day and week runs),
    ``deliveries_target_units``, ``deliveries_achievement_rate``, ``time_elapsed_rate`` and
    ``needed_per_day_units`` (month in progress), ``net_orders_units``, ``gross_profit_per_unit_cny``,
    ``followups_overdue`` (when the ledger has call dates).
    """
    if not perf.has_ledger:
        return
    per = perf.period_summary.iloc[0]
    g = perf.glance.set_index("measure")
    when = perf.period.label
    r.glue("deliveries_units", int(per["deliveries_units"]), kind="int",
           label=i18n.t("sales.tile.deliveries", r.lang, period=when))
    if perf.period.kind != "month":
        r.glue("deliveries_mtd_units", int(g.loc["deliveries", "value"]), kind="int",
               label=i18n.t("sales.tile.deliveries_mtd", r.lang))
    r.glue("deliveries_target_units", _num(g.loc["deliveries", "target"]), kind="int",
           label=i18n.t("sales.tile.deliveries_target", r.lang, month=perf.pace.month))
    r.glue("deliveries_achievement_rate", _num(g.loc["deliveries", "achievement_rate"]), kind="pct",
           label=i18n.t("sales.tile.achievement", r.lang))
    if not perf.pace.complete:
        r.glue("time_elapsed_rate", perf.pace.elapsed_rate, kind="pct", label=i18n.t("sales.tile.elapsed", r.lang))
        r.glue("needed_per_day_units", _num(g.loc["deliveries", "needed_per_day"]), kind="number",
               label=i18n.t("sales.tile.needed", r.lang))
    r.glue("net_orders_units", int(per["net_orders_units"]), kind="int",
           label=i18n.t("sales.tile.orders", r.lang, period=when))
    if "gross_profit_per_unit_cny" in per.index:
        r.glue("gross_profit_per_unit_cny", _num(per["gross_profit_per_unit_cny"]), kind="money",
               label=i18n.t("sales.tile.gross_profit_per_unit", r.lang, period=when))
    if perf.overdue is not None:
        r.glue("followups_overdue", len(perf.overdue), kind="int", label=i18n.t("sales.tile.overdue", r.lang))


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --------------------------------------------------------------------------- Excel


#: The sheets of the workbook in order: sheet code -> the frame of :class:`SalesPerformance` it shows.
_SHEETS = ("glance", "by_store", "by_consultant", "tier_mix", "by_model", "attached", "attached_by_consultant",
           "traffic_daily", "traffic_weekly", "followup", "overdue", "comparison")
#: Columns that name a row (kept in view when scrolling right).
_ROW_NAMES = ("measure", "unit", "store_id", "consultant_id", "tier", "model", "product", "date", "week",
              "order_id")
#: Sheets whose rows do not add up: long tables of mixed units, and one row per car to call.
_NO_TOTALS = ("glance", "comparison", "overdue")


def excel_sheets(r: Any, perf: SalesPerformance) -> dict[str, Sheet]:
    """The tables a manager keeps, one :class:`~kit.report.excel.Sheet` each, keyed by the sheet's name.

    Columns stay codes (headers, formats and About-sheet definitions are keyed by them); values that are codes
    (stores, consultants, measures, statuses) are in the reader's words. Counts are whole cars, money ¥, rates
    percentages; the long tables (the month at a glance, the comparisons) hold cars, ¥ and shares in one column,
    so their shares are written as percent numbers with the unit column saying %, and their changes in % (shares:
    percentage points). Additive columns get a total row below the data.
    """
    frames = {"glance": _glance_frame(perf), "by_store": perf.by_store, "by_consultant": perf.by_consultant,
              "tier_mix": perf.mix.table, "by_model": perf.by_model, "attached": perf.attached,
              "attached_by_consultant": perf.attached_by_consultant, "traffic_daily": perf.traffic_daily,
              "traffic_weekly": perf.traffic_weekly, "followup": perf.followup,
              "overdue": masked(perf.overdue, r.mask) if perf.overdue is not None else None,
              "comparison": perf.comparison}
    sheets: dict[str, Sheet] = {}
    for code in _SHEETS:
        frame = frames[code]
        if frame is None or frame.empty:
            continue
        work = frame.drop(columns=[c for c in frame.columns if c.endswith(("_below_target", "_below_line"))
                                   or c == "below_line"])
        if "measure" in work.columns:
            work, formats = _long_excel(work)
        else:
            formats = {c: f for c in work.columns if (f := column_format(c, work[c])) is not None}
        labels = _headers(work, r, perf)
        for col in labels:
            if col.startswith("change_"):
                labels[col] = i18n.t("sales.excel.change_header", r.lang, label=labels[col])
        seen: dict[str, int] = {}
        for col, text in labels.items():  # two codes with one header would merge in Excel; keep both
            seen[text] = seen.get(text, 0) + 1
            if seen[text] > 1:
                labels[col] = f"{text} ({seen[text]})"
        freeze = next((i for i, c in enumerate(work.columns) if c not in _ROW_NAMES), len(work.columns))
        sheets[i18n.t(f"sales.sheet.{code}", r.lang)] = Sheet(
            translate(work, r), formats=formats, labels=labels, definitions=_definitions(r, work.columns, perf),
            totals=None if code in _NO_TOTALS else _additive(code, formats) or None, freeze_columns=freeze)
    return sheets


def _glance_frame(perf: SalesPerformance) -> pd.DataFrame:
    """The glance table; a closed month has no projection or cars needed per day."""
    g = perf.glance
    if not g.empty and perf.pace.complete:
        g = g.drop(columns=[c for c in ("projected", "needed_per_day") if c in g.columns])
    return g


def _long_excel(work: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A long table's numbers for Excel: shares as percent numbers (unit %), changes in % or points.

    A value column is shown in whole numbers when its cars and visitors are whole (projections and cars per day
    keep one decimal).
    """
    work = work.copy()
    if "unit" not in work.columns:
        work.insert(1, "unit", work["measure"].map(unit_of))
    work["unit"] = work["unit"].mask(work["measure"].eq("visitors_total"), "visitors").mask(
        work["measure"].eq("registered_leads"), "leads")  # counts of people, not cars
    rate = work["unit"].eq("rate").to_numpy()
    formats = {"measure": "text", "unit": "text"}
    for col in work.columns:
        if col in ("measure", "unit") or not pd.api.types.is_numeric_dtype(work[col]):
            continue
        if col == "achievement_rate":
            formats[col] = "pct"
            continue
        values = work[col].astype(float)
        if col.startswith("change_"):
            work[col], formats[col] = values * 100, "number1"
            continue
        work[col] = values.where(~rate, values * 100)
        counts = values[work["unit"].isin(("units", "visitors", "leads")).to_numpy()]
        # whole cars show whole (money is whole yuan anyway); a share then shows as a whole percent
        formats[col] = "int" if _int_like(counts) else "number1"
    work["unit"] = work["unit"].where(~rate, "percent")
    return work, formats


def _additive(code: str, formats: dict[str, str]) -> list[str]:
    """The columns of a sheet whose sum means something: cars, ¥, visitors (not rates, per-car or per-day figures).

    Cars with an attached product are not summed across products (a car with insurance and a loan counts twice).
    """
    return [c for c, f in formats.items() if f in ("int", "money", "number1")
            and not any(part in c for part in ("per_unit", "per_day", "days_overdue"))
            and not (code == "attached" and c == "units")]


def _definitions(r: Any, columns: Iterable[str], perf: SalesPerformance) -> dict[str, str]:
    """About-sheet definition of each column: ``sales.def.<column>``; this period's and change columns share one."""
    out = {}
    for col in columns:
        if col.startswith("change_"):
            out[col] = i18n.t("sales.def.change", r.lang, window=_label(r, col[len("change_"):], "sales"))
        elif col.startswith("period_") and col != "period_value":
            out[col] = i18n.t("sales.def.period_column", r.lang, column=_label(r, col[len("period_"):], "sales"),
                              period=perf.period.label)
        else:
            out[col] = i18n.t(f"sales.def.{col}", r.lang)
    return out


def excel_file_name(perf: SalesPerformance) -> str:
    """``sales_performance_2026-10.xlsx`` (the period's label)."""
    return f"sales_performance_{perf.period.label}.xlsx"


# --------------------------------------------------------------------------- charts and section notes


def pace_chart(r: Any, perf: SalesPerformance):
    """Cumulative deliveries against the path to target (a note without a ledger)."""
    from kit.sales.plots import plot_pace

    if not perf.has_ledger:
        return r.note(i18n.t("sales.mix_no_ledger", r.lang))
    target = perf.deliveries_target if np.isfinite(perf.deliveries_target) else None
    return plot_pace(perf.pace_daily, target=target, lang=r.lang,
                     title=i18n.t("sales.chart.pace_title", r.lang, month=perf.pace.month))


def consultant_chart(r: Any, perf: SalesPerformance):
    """Each consultant's achievement of their car target, red when behind pace or short."""
    from kit.sales.plots import plot_attainment

    c = perf.by_consultant
    if not perf.has_ledger:
        return None
    if c.empty or "units_achievement_rate" not in c.columns or c["units_achievement_rate"].isna().all():
        return r.note(i18n.t("sales.nothing_to_show", r.lang))
    labels = translate(c[["consultant_id"]], r)["consultant_id"]
    return plot_attainment(c, labels=labels, rate="units_achievement_rate", status="units_status",
                           elapsed=None if perf.pace.complete else perf.pace.elapsed_rate, lang=r.lang,
                           title=i18n.t("sales.chart.consultants_title", r.lang, month=perf.pace.month))


def traffic_chart(r: Any, perf: SalesPerformance):
    """Visitors per day by channel and the registration rate."""
    from kit.sales.plots import plot_traffic

    d = perf.traffic_daily
    if d.empty or d["visitors_total"].isna().all():
        return r.note(i18n.t("sales.no_traffic", r.lang))
    return plot_traffic(d, lang=r.lang, title=i18n.t("sales.chart.traffic_title", r.lang,
                                                       start=perf.window[0].strftime("%Y-%m-%d"),
                                                       end=perf.window[1].strftime("%Y-%m-%d")))


def tier_mix(r: Any, perf: SalesPerformance):
    """Each consultant's cars per margin tier against the tier targets, with where the numbers come from."""
    from kit.sales.mix import mix_line, tier_wide

    mix = perf.mix
    if mix.table is None or mix.table.empty:
        return r.note(i18n.t(f"sales.mix_{mix.reason or 'no_tier_targets'}", r.lang))
    line = mix_line(getattr(r.settings, "kpi", None))
    note = (i18n.t("sales.mix_kpi", r.lang, line=fmt_pct(line, digits=0)) if mix.source == "kpi" else
            i18n.t("sales.mix_ledger", r.lang, line=fmt_pct(line, digits=0),
                   rate=fmt_pct(perf.pace.elapsed_rate, digits=0)))
    return table(r, tier_wide(mix.table), perf=perf, caption=note)


def basis_note(r: Any, perf: SalesPerformance):
    """How a consultant's cars are counted (the KPI sheet's basis); nothing without a ledger."""
    if not perf.has_ledger:
        return None
    return r.note(i18n.t(f"sales.basis_{perf.basis}", r.lang))


def followup_note(r: Any, perf: SalesPerformance):
    """Which deliveries the after-delivery calls are checked for, and the rule."""
    if not perf.has_ledger:
        return None
    if perf.followup is None:
        return r.note(i18n.t("sales.no_followups", r.lang))
    return r.note(i18n.t("sales.followup_note", r.lang, start=perf.window[0].strftime("%Y-%m-%d"),
                         end=perf.window[1].strftime("%Y-%m-%d"), days=perf.settings.followup_within_days))


def reconciliation(r: Any, perf: SalesPerformance):
    """The month's ledger against the monthly sales table and KPI sheet: one row per check."""
    from kit.sales.reconciliation import reconciliation_summary

    if perf.reconciliation.empty:
        return r.note(i18n.t("sales.reconciliation_none", r.lang))
    summary = reconciliation_summary(perf.reconciliation)
    return table(r, summary.assign(agrees=summary["disagreeing"] == 0), perf=perf,
                 caption=i18n.t("sales.reconciliation_note", r.lang))


def disagreements(r: Any, perf: SalesPerformance):
    """The rows where the ledger and the other tables disagree (a note when all agree)."""
    rec = perf.reconciliation
    if rec.empty:
        return None
    bad = rec.loc[~rec["agrees"]]
    if bad.empty:
        return r.note(i18n.t("sales.all_agree", r.lang, n=fmt_int(len(rec))), kind="ok")
    return table(r, bad.drop(columns=["agrees"]).dropna(axis=1, how="all"), perf=perf)
