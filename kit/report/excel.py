"""Excel workbooks written beside a report: sheets a manager keeps, filters and forwards.

Each workbook opens with an "About" sheet (说明): what it is, for which dealer, period and run, whether personal
data is masked, and the definition of every column. Each data sheet has headers in the report's language, a
number format per column kind (¥ with thousands separators, percentages, whole cars, dates without time, months as
text), 是/否 for flags, an autofilter and a frozen header, widths that fit the text (a Chinese character counts
double), and its totals in a labelled row below the data, outside the filter, never mixed in with the rows.

No cell written from data is a formula: every text is stored as text, and text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (also their full-width forms) also gets Excel's quote prefix, the workbook form of
OWASP's leading apostrophe, so it stays text when a user edits the cell; numbers stay numbers. (:func:`neutralise`
is the CSV form: a visible apostrophe.) The file is written atomically and is the same byte for byte for the same inputs
(fixed document properties and zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kit import i18n
from kit.report.format import NUMERIC_KINDS, compute_totals, display, infer_kind, is_missing

#: Excel number format per column kind; kinds not listed are written as text.
NUMBER_FORMATS = {"money": '"¥"#,##0', "pct": "0.0%", "pct0": "0%", "int": "#,##0", "number": "#,##0.00",
                  "number1": "#,##0.0", "number3": "0.000", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm",
                  "month": "@", "text": "@", "bool": "@"}
#: Text starting with one of these could be read as a formula by Excel, LibreOffice or WPS.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(?=\.?\d)(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?%?")
#: Document timestamps and zip entry times of every workbook: the file depends on its content only.
FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_WIDTH, MIN_WIDTH = 50, 6


@dataclass
class Sheet:
    """One data sheet: the rows and how to show them.

    Parameters
    ----------
    frame : the rows, one per line; its columns in the order shown (or ``columns``).
    formats : column -> kind (see :mod:`kit.report.format`); others inferred from the data type.
    labels : column -> header; others from the display catalog (:func:`kit.i18n.label`).
    definitions : column -> definition on the About sheet; others from the catalog entry ``def.<column>``.
    totals : columns to sum, or ``{column: "sum" | "mean" | value}``, shown in a labelled row below the data.
    columns : the columns to write (default: all).
    description : one line about the sheet on the About sheet.
    freeze_columns : columns kept in view when scrolling right (besides the header row).
    """

    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    definitions: Mapping[str, str] = field(default_factory=dict)
    totals: Mapping[str, Any] | Sequence[str] | None = None
    columns: Sequence[str] | None = None
    description: str | None = None
    freeze_columns: int = 0


def export_excel(sheets: Mapping[str, Sheet | pd.DataFrame], *, output_dir: str | Path | None, file_name: str,
                 lang: str = "en", title: str | None = None, dealer: str | None = None, period: str | None = None,
                 run: str | None = None, masked: bool | None = None):
    """Write the workbook beside the report and return a note linking to it (None when there is no folder).

    ``sheets`` maps a sheet name (a catalog code such as ``call_list`` or display text) to a :class:`Sheet` or a
    plain DataFrame. See :func:`write_workbook` for the other parameters. The link is relative, so it works
    wherever the month's folder is copied.

    >>> export_excel({"call_list": Sheet(calls, formats={"probability": "pct0"}, totals=["overdue"])},
    ...              output_dir=output_dir, file_name="call_list_2026-10.xlsx", lang="zh",
    ...              title="本周电话回访清单", dealer="示范汽车", period="2026-10")  # doctest: +SKIP
    """
    from IPython.display import HTML

    if not output_dir:
        return None
    path = write_workbook(sheets, Path(output_dir) / file_name, lang=lang, title=title, dealer=dealer,
                          period=period, run=run, masked=masked)
    text = i18n.t("excel_beside", lang)
    return HTML(f'<div class="kit-note kit-note-ok">{html.escape(text)}: '
                f'<a href="{html.escape(path.name)}" download>{html.escape(path.name)}</a></div>')


def write_workbook(sheets: Mapping[str, Sheet | pd.DataFrame], path: str | Path, *, lang: str = "en",
                   title: str | None = None, dealer: str | None = None, period: str | None = None,
                   run: str | None = None, masked: bool | None = None) -> Path:
    """Write ``sheets`` to ``path`` (atomically) after an About sheet; returns the path.

    Parameters
    ----------
    title : what the workbook is ("Call list"); default the first sheet's name.
    dealer, period, run : shown on the About sheet when given (``run``: e.g. the run's date or id).
    masked : whether personal data in it is masked (shown on the About sheet when given).
    """
    from openpyxl import Workbook

    if not sheets:
        raise ValueError(f"{Path(path).name}: no sheets to write.")
    specs = {name: (s if isinstance(s, Sheet) else Sheet(s)) for name, s in sheets.items()}
    wb = Workbook()
    about = wb.active
    names = _sheet_names([i18n.t("about_sheet", lang), *(_display(n, lang) for n in specs)])
    about.title = names[0]
    written = []
    for (code, spec), name in zip(specs.items(), names[1:]):
        ws = wb.create_sheet(name)
        written.append((name, spec, _write_sheet(ws, spec, lang)))
    _write_about(about, written, lang=lang, title=title or names[1], dealer=dealer, period=period, run=run,
                 masked=masked)
    wb.properties.creator = "dealer-kit"
    wb.properties.lastModifiedBy = "dealer-kit"
    wb.properties.title = title or names[1]
    wb.properties.created = FIXED_TIME
    return _save(wb, Path(path))


# --------------------------------------------------------------------------- sheets


def _display(code: object, lang: str) -> str:
    """A code's catalog name; else the code with underscores as spaces (never a snake_case identifier)."""
    if i18n.has(code):
        return i18n.label(code, lang)
    text = str(code)
    return text.replace("_", " ").strip().capitalize() if re.fullmatch(r"[a-z0-9_]+", text) else text


def _sheet_names(wanted: Iterable[str]) -> list[str]:
    """Valid, unique Excel sheet names (31 characters, none of []:*?/\\)."""
    out: list[str] = []
    for raw in wanted:
        base = _SHEET_NAME_BAD.sub(" ", str(raw)).strip().strip("'")[:31] or "Sheet"
        name, n = base, 2
        while name.lower() in (o.lower() for o in out) or name.lower() == "history":
            suffix = f" ({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        out.append(name)
    return out


def _write_sheet(ws, spec: Sheet, lang: str) -> list[tuple[str, str]]:
    """Fill one data sheet; returns ``(header, definition)`` per column for the About sheet."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    frame = spec.frame if spec.columns is None else spec.frame[list(spec.columns)]
    frame = frame.reset_index(drop=True)
    columns = list(frame.columns)
    kinds = {c: spec.formats.get(c) or infer_kind(frame[c], c) for c in columns}
    heads = [str(spec.labels.get(c) or _display(c, lang)) for c in columns]
    yes, no = i18n.t("yes", lang), i18n.t("no", lang)

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for j, head in enumerate(heads, start=1):
        cell = ws.cell(row=1, column=j)
        _put(cell, head)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [_text_width(h) for h in heads]
    for j, col in enumerate(columns, start=1):
        kind = kinds[col]
        for i, value in enumerate(frame[col].tolist(), start=2):
            cell = ws.cell(row=i, column=j)
            shown = _put(cell, _excel_value(value, kind, yes, no), kind)
            if i < 502:
                widths[j - 1] = max(widths[j - 1], _text_width(shown))
    last_col = get_column_letter(max(1, len(columns)))
    ws.auto_filter.ref = f"A1:{last_col}{len(frame) + 1}"
    ws.freeze_panes = ws.cell(row=2, column=1 + max(0, spec.freeze_columns)).coordinate
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)

    if spec.totals is not None and columns:
        totals = compute_totals(frame, spec.totals, columns)
        row = len(frame) + 3  # one empty row: the totals are not part of the filtered range
        label_col = next((c for c in columns if c not in totals), None)
        line = Side(style="thin", color="000000")
        for j, col in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=j)
            if col in totals:
                kind = "int" if kinds[col] == "bool" else kinds[col]  # a total of flags is a count
                _put(cell, _excel_value(totals[col], kind, yes, no), kind)
            elif col == label_col:
                _put(cell, i18n.t("total", lang))
            cell.font = Font(bold=True)
            cell.border = Border(top=line)
    return [(head, str(spec.definitions.get(col) or _definition(col, lang))) for col, head in zip(columns, heads)]


def _definition(code: object, lang: str) -> str:
    key = f"def.{code}"
    return i18n.t(key, lang) if key in i18n.catalog()["text"] else ""


def _excel_value(value: Any, kind: str, yes: str, no: str) -> Any:
    """What goes into the cell: a number, a date, 是/否 or text (never NaN, NaT or a timezone)."""
    if is_missing(value):
        return None
    if kind == "bool" and isinstance(value, (bool, np.bool_, int, np.integer)):
        return yes if bool(value) else no
    if isinstance(value, (np.generic,)):
        value = value.item()
    if kind in ("date", "datetime") and not isinstance(value, str):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError):
            return str(value)
        stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
        return stamp.date() if kind == "date" else stamp.to_pydatetime()
    if kind == "month":
        if isinstance(value, pd.Period):
            return value.strftime("%Y-%m")
        if isinstance(value, (pd.Timestamp, dt.date)):
            return pd.Timestamp(value).strftime("%Y-%m")
        return str(value)
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return yes if value else no
    return str(value)


def neutralise(text: str) -> str:
    """``text`` for a CSV cell (OWASP's rule): a leading apostrophe when a spreadsheet could read it as a formula.

    Plain signed numbers written as text ("-5", "+3.5%") are left alone. Workbooks use Excel's quote-prefix flag
    instead (see :func:`_put`), so the apostrophe is not shown there.
    """
    text = _clean(text)
    return "'" + text if _formula_like(text) else text


def _clean(text: str) -> str:
    """No control characters Excel refuses, and no longer than a cell holds."""
    return _ILLEGAL.sub("\N{REPLACEMENT CHARACTER}", text)[:32000]


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text)


def _put(cell, value: Any, kind: str | None = None) -> str:
    """Write ``value`` safely (text stays text) in ``kind``'s format; returns the text a reader sees."""
    if isinstance(value, str):
        value = _clean(value)
        cell.value = value
        cell.data_type = "s"  # stored as text, never as a formula (openpyxl would make "=…" one)
        if _formula_like(value):
            cell.quotePrefix = True  # Excel's own "leading apostrophe": shown as typed, stays text when edited
        if kind is not None:
            cell.number_format = "@"
        return value
    cell.value = value
    if value is None:
        return ""
    if kind is not None:
        cell.number_format = NUMBER_FORMATS.get(kind, "General")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return display(value, kind if kind in NUMERIC_KINDS else "number")


def _text_width(text: str) -> int:
    """Width in Excel character units: East Asian wide characters count double; the longest line counts."""
    return max((sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
                for line in str(text).splitlines() or [""]), default=0)


# --------------------------------------------------------------------------- About sheet


def _write_about(ws, written: list, *, lang: str, title: str, dealer: str | None, period: str | None,
                 run: str | None, masked: bool | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    _put(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    facts = [("about_dealer", dealer), ("about_period", period), ("about_run", run),
             ("about_personal_data", None if masked is None else i18n.t("masked" if masked else "not_masked", lang)),
             ("about_made_by", f"{i18n.t('kit_name', lang)} {_version()}")]
    row = 3
    for key, value in facts:
        if value is None or value == "":
            continue
        _put(ws.cell(row=row, column=1), i18n.t(key, lang))
        ws.cell(row=row, column=1).font = Font(bold=True)
        _put(ws.cell(row=row, column=2), str(value))
        row += 1
    row += 1
    _put(ws.cell(row=row, column=1), i18n.t("about_columns", lang))
    ws.cell(row=row, column=1).font = Font(bold=True, size=12)
    row += 1
    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, key in enumerate(("about_sheet_col", "about_column_col", "about_definition_col"), start=1):
        cell = ws.cell(row=row, column=j)
        _put(cell, i18n.t(key, lang))
        cell.font, cell.fill = Font(bold=True), fill
    first = row
    for name, spec, columns in written:
        if spec.description:
            row += 1
            _put(ws.cell(row=row, column=1), name)
            _put(ws.cell(row=row, column=3), spec.description)
            ws.cell(row=row, column=3).font = Font(italic=True)
        for head, definition in columns:
            row += 1
            _put(ws.cell(row=row, column=1), name)
            _put(ws.cell(row=row, column=2), head)
            _put(ws.cell(row=row, column=3), definition)
            ws.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = None
    ws.auto_filter.ref = f"A{first}:C{row}"
    ws.column_dimensions["A"].width = max(14, min(32, max(_text_width(n) for n, _, _ in written) + 2))
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 80


def _version() -> str:
    try:
        return metadata.version("dealer-kit")
    except metadata.PackageNotFoundError:
        return "dev"


# --------------------------------------------------------------------------- saving


def _save(wb, path: Path) -> Path:
    """Save with fixed timestamps (document properties and zip entries), then move into place atomically."""
    raw = io.BytesIO()
    wb.save(raw)
    fixed = io.BytesIO()
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>"
                              + stamp.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(fixed.getvalue())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
