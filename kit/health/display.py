"""The data-health report's tables, chart, notes, tiles and workbook, every word from the catalog.

Codes become the reader's words here: table names (``kit/catalog/problems.yml``, group ``table``), columns and check
names (``kit/catalog/health.yml``), stores (``dealer.yml``), consultants (masked unless the run reveals them), and
each loader warning through :meth:`kit.exceptions.Problem.where` / :meth:`~kit.exceptions.Problem.detail`. The
functions take the notebook's :class:`kit.notebook.Report` and the report's :class:`~kit.health.summary.DataHealth`.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from kit import i18n
from kit.health.advice import what_to_do
from kit.health.ledger import MONEY_CHECKS
from kit.health.overview import NO_STORE, rows_by_store_wide
from kit.health.summary import DataHealth
from kit.report.format import fmt_int

#: Columns of the warnings table and sheet.
WARNING_COLUMNS = ["file", "place", "problem", "n_rows"]
#: At most this many row numbers in one cell of the workbook (an Excel cell holds 32,767 characters).
MAX_ROWS_IN_CELL = 2000


def _labels(r: Any, columns) -> dict[str, str]:
    return {c: i18n.label(c, r.lang, group="health") for c in columns}


def _table_name(r: Any, name: str) -> str:
    return i18n.label(name, r.lang, group="table")


def _store(r: Any, store: Any) -> str:
    if store == NO_STORE:
        return i18n.label(NO_STORE, r.lang, group="health")
    return r.settings.store_name(store)


# --------------------------------------------------------------------------- top of the report


def headline(r: Any, h: DataHealth) -> None:
    """Glue the manager tiles: tables read, rows dated in the month, problems needing attention."""
    r.glue("tables_read", h.tables_read, kind="int", label=r.t("health.tile.tables_read"))
    r.glue("rows_in_month", h.rows_in_month, kind="int", label=r.t("health.tile.rows_in_month", month=h.month))
    r.glue("needs_attention", h.needs_attention, kind="int", label=r.t("health.tile.needs_attention"))


def advise(r: Any, h: DataHealth):
    """Record the "what to do first" sentences with ``r.advise`` and show them as a list."""
    for key, fields in what_to_do(h, lang=r.lang, settings=r.settings, people=r.people):
        r.advise(key, **fields)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in r.advice)
    return _html(f'<div class="kit-note kit-note-info kit-advice"><ul>{items}</ul></div>')


def _html(text: str):
    from IPython.display import HTML

    return HTML(text)


def month_note(r: Any, h: DataHealth):
    """Why the report covers this month (the rule of ``last`` and what each table reaches)."""
    if h.choice is None:
        return r.note("health.month_no_complete", kind="warning", month=h.month)
    return r.note("health.month_reason", reason=h.choice.text(r.lang))


# --------------------------------------------------------------------------- what arrived


def overview(r: Any, h: DataHealth):
    """One row per table of the data contract: read or not provided, file, rows, stores, months covered."""
    frame = h.overview.copy()
    frame["table"] = frame["table"].map(lambda t: _table_name(r, t))
    frame["status"] = frame["status"].map(lambda s: i18n.label(s, r.lang, group="health"))
    return r.table(frame, labels=_labels(r, frame.columns), formats={"rows": "int", "stores": "int",
                                                                    "rows_in_month": "int", "first": "text",
                                                                    "last": "text", "file": "text"}, cards=True)


def rows_chart(r: Any, h: DataHealth, *, table: str = "leads"):
    """Rows of one table per month, a line per store (a sudden drop is usually a missing export)."""
    from kit import plots

    rows = h.rows.loc[h.rows["table"] == table]
    if rows.empty:
        return None
    wide = rows.pivot_table(index="month", columns="store_id", values="rows", aggfunc="sum").reset_index()
    wide["month"] = pd.PeriodIndex(wide["month"], freq="M")
    stores = [c for c in wide.columns if c != "month"]
    return plots.plot_lines(wide, x="month", ys=stores, labels=[_store(r, s) for s in stores],
                            title=r.t("health.chart.rows_title", table=_table_name(r, table), month=h.month),
                            ylabel=r.t("health.chart.rows_axis"))


def rows_table(r: Any, h: DataHealth):
    """Rows per table, store and month (one column per month)."""
    wide = rows_by_store_wide(h.rows)
    if wide.empty:
        return r.note("health.nothing_dated")
    wide["table"] = wide["table"].map(lambda t: _table_name(r, t))
    wide["store_id"] = wide["store_id"].map(lambda s: _store(r, s))
    months = [c for c in wide.columns if c not in ("table", "store_id")]
    return r.table(wide, labels=_labels(r, ["table", "store_id"]) | {m: m for m in months},
                   formats={m: "int" for m in months}, searchable=True)


def gaps(r: Any, h: DataHealth):
    """Months without rows between a table's first month and the report month, per store."""
    if h.gaps.empty:
        return r.note("health.no_gaps", kind="ok")
    frame = h.gaps.copy()
    frame["table"] = frame["table"].map(lambda t: _table_name(r, t))
    frame["store_id"] = frame["store_id"].map(lambda s: _store(r, s))
    return r.table(frame, labels=_labels(r, frame.columns), formats={"missing_months": "text", "n_missing": "int"},
                   gradient={"n_missing": "low"}, cards=True)


# --------------------------------------------------------------------------- checks and warnings


def checks_frame(r: Any, h: DataHealth) -> pd.DataFrame:
    """The checks in the reader's words: what is checked, the count, out of, share, what it means."""
    frame = h.checks.copy()
    frame["meaning"] = frame["check"].map(lambda c: i18n.label(c, r.lang, group="health_meaning"))
    frame["check"] = frame["check"].map(lambda c: i18n.label(c, r.lang, group="health_check"))
    return frame[["check", "count", "out_of", "share", "attention", "meaning"]]


def checks(r: Any, h: DataHealth):
    """The month's checks; counts needing attention are red."""
    frame = checks_frame(r, h)
    return r.table(frame, labels=_labels(r, ["check", "count", "out_of", "share", "meaning"]),
                   formats={"count": "int", "out_of": "int", "share": "pct", "meaning": "text"},
                   highlight={"count": "attention"}, cards=True)


def warnings_frame(r: Any, h: DataHealth) -> pd.DataFrame:
    """The loader's warnings in the reader's language: file, place (rows, column), what is wrong, rows."""
    rows = [{"file": p.file, "place": p.place(r.lang), "problem": p.detail(r.lang), "n_rows": len(p.rows)}
            for p in h.warnings]
    return pd.DataFrame(rows, columns=WARNING_COLUMNS)


def warnings(r: Any, h: DataHealth):
    """Things the loader accepted but wants someone to look at."""
    frame = warnings_frame(r, h)
    return r.table(frame, labels=_labels(r, WARNING_COLUMNS), formats={"n_rows": "int", "place": "text"},
                   empty=r.t("health.no_warnings"), searchable=True, cards=True)


# --------------------------------------------------------------------------- the order ledger


def reconciliation(r: Any, h: DataHealth):
    """Per comparison: months and rows compared, how many disagree, the two totals."""
    ledger = h.ledger
    if ledger is None:
        return r.note("health.no_ledger")
    if not ledger.checked:
        return r.note("health.ledger_not_covered", month=h.month)
    s = ledger.summary.copy()
    s.insert(1, "unit", _units(r, s["check"]))
    s["bad"] = s["disagreeing"] > 0
    s["check"] = s["check"].map(lambda c: i18n.label(c, r.lang, group="health_check"))
    caption = r.t("health.ledger_caption", first=ledger.months[0], last=ledger.months[-1])
    return r.table(s, labels=_labels(r, ["check", "unit", "compared", "disagreeing", "ledger_total", "other_total",
                                         "largest_difference"]),
                   formats={c: "int" for c in ("compared", "disagreeing", "ledger_total", "other_total",
                                               "largest_difference")},
                   highlight={"disagreeing": "bad"}, caption=caption, cards=True)


def _units(r: Any, checks: pd.Series) -> pd.Series:
    """Cars or yuan, the unit of each comparison's numbers."""
    return checks.map(lambda c: i18n.label("cny" if c in MONEY_CHECKS else "cars", r.lang, group="health_unit"))


def disagreements_frame(r: Any, h: DataHealth) -> pd.DataFrame:
    """The rows where the ledger and the other table disagree, in the reader's words (values formatted)."""
    bad = h.ledger.disagreements if h.ledger is not None else pd.DataFrame()
    if bad.empty:
        return pd.DataFrame()
    people = r.people
    out = pd.DataFrame({
        "check": bad["check"].map(lambda c: i18n.label(c, r.lang, group="health_check")),
        "month": bad["month"],
        "store_id": bad["store_id"].map(lambda s: _store(r, s) if pd.notna(s) and s != "" else ""),
        "model": bad["model"].fillna("").astype(str),
        "consultant_id": bad["consultant_id"].map(lambda c: people.get(c, c) if pd.notna(c) and c != "" else ""),
        "unit": _units(r, bad["check"]),
    })
    out = out.loc[:, [c for c in out.columns if (out[c] != "").any()]]
    return out.assign(**{c: bad[c].to_numpy() for c in ("ledger_value", "other_value", "difference")})


def disagreements(r: Any, h: DataHealth):
    """Where the ledger disagrees: check, month, store and model (or consultant), both numbers."""
    if h.ledger is None or not h.ledger.checked:
        return None
    frame = disagreements_frame(r, h)
    if frame.empty:
        return r.note("health.ledger_all_agree", kind="ok", n=fmt_int(len(h.ledger.result)))
    return r.table(frame, labels=_labels(r, frame.columns),
                   formats={c: "int" for c in ("ledger_value", "other_value", "difference")} | {"month": "text"},
                   searchable=True, cards=True)


# --------------------------------------------------------------------------- the workbook


def excel(r: Any, h: DataHealth):
    """A workbook to forward to whoever keeps the exports: the warnings with every row, the checks, the gaps and
    the ledger's disagreements (each on its own sheet, headers and words in the report's language)."""
    from kit.report.excel import Sheet

    def sheet(frame: pd.DataFrame, formats: dict) -> Sheet:
        return Sheet(frame, formats=formats, labels=_labels(r, frame.columns),
                     definitions={c: i18n.t(f"health.def.{c}", r.lang) for c in frame.columns})

    every_row = pd.DataFrame([{"file": p.file, "place": p.place(r.lang), "problem": p.detail(r.lang),
                               "n_rows": len(p.rows), "row_numbers": _row_list(p.rows)} for p in h.warnings],
                             columns=WARNING_COLUMNS + ["row_numbers"])
    sheets = {i18n.t("health.sheet.warnings", r.lang): sheet(every_row, {"n_rows": "int", "row_numbers": "text"}),
              i18n.t("health.sheet.checks", r.lang): sheet(checks_frame(r, h).drop(columns="attention"),
                                                           {"share": "pct", "count": "int", "out_of": "int"})}
    if not h.gaps.empty:
        g = h.gaps.assign(table=h.gaps["table"].map(lambda t: _table_name(r, t)),
                          store_id=h.gaps["store_id"].map(lambda s: _store(r, s)))
        sheets[i18n.t("health.sheet.gaps", r.lang)] = sheet(g, {"missing_months": "text", "n_missing": "int"})
    bad = disagreements_frame(r, h)
    if not bad.empty:
        sheets[i18n.t("health.sheet.disagreements", r.lang)] = sheet(bad, {"month": "text", "ledger_value": "int",
                                                                           "other_value": "int", "difference": "int"})
    return r.excel(sheets, f"data_health_{h.month}.xlsx", title_key="health.workbook_title")


def _row_list(rows: tuple[int, ...]) -> str:
    """Row numbers for one cell: all of them, or the first :data:`MAX_ROWS_IN_CELL` and an ellipsis."""
    listed = ", ".join(map(str, rows[:MAX_ROWS_IN_CELL]))
    return listed + (" …" if len(rows) > MAX_ROWS_IN_CELL else "")
