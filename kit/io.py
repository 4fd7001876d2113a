"""Read a dealership's tables from CSV or Excel, map Chinese headers and values, parse types, and validate.

Every table of :mod:`kit.schemas` may arrive as ``NAME.csv`` (UTF-8, UTF-8 with BOM, GBK/GB18030) or ``NAME.xlsx``
(first sheet), with canonical English or Chinese headers, optionally below a few title rows, with dates as
``2026-10-31``, ``2026/10/31``, ``2026年10月31日`` or Excel dates. Problems are collected in one pass and raised as
one :class:`~kit.exceptions.DataContractError` whose message names the file, the rows as Excel shows them, the
column, what was expected and what was found.

>>> from kit import io
>>> dealer = io.load_dealer("data_samples")          # every table, validated, plus dealer.yml
>>> leads = io.load_leads("data_samples")            # one table
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io as _stdio
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from kit import schemas
from kit.exceptions import DataContractError, Problem
from kit.schemas import Column, TableSpec

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_TITLE_ROWS = 10

TRUE_WORDS = {"true", "t", "yes", "y", "1", "1.0", "是", "有", "√", "✓", "已试驾", "已报价"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "0.0", "否", "无", "×", "✗", "未试驾", "未报价"}
EMPTY_WORDS = {"", "nan", "nat", "none", "null", "na", "n/a", "-", "—", "无数据"}


@dataclass
class Table:
    """A loaded, typed table with where it came from."""

    name: str
    frame: pd.DataFrame
    path: Path
    header_row: int  # Excel row number of the header line
    warnings: list[Problem] = field(default_factory=list)
    row_numbers: tuple[int, ...] | None = None  # Excel row of each frame row (blank lines are dropped)

    def excel_rows(self, index: Iterable) -> tuple[int, ...]:
        """Excel row numbers of frame positions/labels (the frame keeps a 0-based RangeIndex)."""
        if self.row_numbers is not None:
            return tuple(self.row_numbers[int(i)] for i in index)
        return tuple(int(i) + self.header_row + 1 for i in index)


@dataclass
class Dealer:
    """Everything a monthly run reads: the tables, the settings and the input files with their hashes."""

    data_dir: Path
    tables: dict[str, pd.DataFrame]
    settings: object
    files: dict[str, Path]
    warnings: list[Problem]

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def file_hashes(self) -> dict[str, str]:
        return {str(p): sha256_file(p) for p in sorted(self.files.values())}


# --------------------------------------------------------------------------- files


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_table_file(data_dir: str | Path, name: str) -> Path | None:
    """The file holding table ``name`` in ``data_dir`` (``NAME.csv`` or ``NAME.xlsx``), or None."""
    data_dir = Path(data_dir)
    found = [data_dir / f"{name}{ext}" for ext in (".csv", ".xlsx", ".xlsm") if (data_dir / f"{name}{ext}").is_file()]
    if not found and (data_dir / f"{name}.xls").is_file():
        raise DataContractError(f"{data_dir / (name + '.xls')}: the old Excel 97–2003 format is not read; open it in "
                                f"Excel and save it as {name}.xlsx (or export {name}.csv).")
    if len(found) > 1:
        raise DataContractError(
            f"{data_dir}: both {found[0].name} and {found[1].name} exist; keep one file per table."
        )
    return found[0] if found else None


def _decode(path: Path, raw: bytes) -> str:
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataContractError(
        f"{path.name}: the file is neither UTF-8 nor GBK/GB18030 text; save it from Excel as "
        "'CSV UTF-8' or as .xlsx."
    )


def read_rows(path: str | Path) -> list[list[str]]:
    """All rows of a CSV or the first sheet of an Excel file, as lists of strings ('' for empty cells)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise DataContractError(f"{path.name}: cannot be opened as an Excel workbook ({exc}).") from exc
        try:
            ws = wb.worksheets[0]
            rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
        return rows
    raw = path.read_bytes()
    text = _decode(path, raw)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return [row for row in csv.reader(_stdio.StringIO(text), delimiter=delimiter)]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _find_header(rows: list[list[str]], spec: TableSpec) -> int:
    """Index of the header line: the first of the top rows where most non-empty cells are known headers."""
    aliases = spec.header_aliases()
    required = [c.name for c in spec.columns if c.required]
    best, best_hits = 0, -1
    for i, row in enumerate(rows[:MAX_TITLE_ROWS]):
        hits = {aliases[k] for k in (schemas.normalise_header(c) for c in row if str(c).strip()) if k in aliases}
        if len(hits) > best_hits:
            best, best_hits = i, len(hits)
        if len(hits) >= max(2, len(required) // 2):
            return i
    return best


# --------------------------------------------------------------------------- parsing

_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}(?:\.\d+)?))?秒?)?\s*$"
)
_MONTH_RE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*月?\s*$")


def parse_dates(values: pd.Series, *, with_time: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse ISO, ``2026/10/31``, ``2026年10月31日`` (optionally with a time) and Excel serial numbers.

    Returns the parsed Series (datetime64, NaT where empty) and a boolean mask of cells that could not be parsed.
    """
    text = values.astype("string").str.strip()
    empty = text.isna() | text.str.lower().isin(EMPTY_WORDS)
    parts = text.str.extract(_DATE_RE)
    ok = parts[0].notna()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if ok.any():
        p = parts[ok].fillna("0")
        try:
            stamps = pd.to_datetime(
                {
                    "year": p[0].astype(int),
                    "month": p[1].astype(int),
                    "day": p[2].astype(int),
                    "hour": p[3].astype(int),
                    "minute": p[4].astype(int),
                    "second": p[5].astype(float).astype(int),
                },
                errors="coerce",
            )
        except (ValueError, OverflowError):
            stamps = pd.Series(pd.NaT, index=p.index)
        result.loc[ok] = stamps.values
    serial = ~ok & ~empty & text.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False)
    if serial.any():
        days = text[serial].astype(float)
        result.loc[serial] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D")).values
    bad = ~empty & result.isna()
    if not with_time:
        result = result.dt.normalize()
    return result, bad


def parse_months(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ``2026-10``, ``2026/10``, ``2026年10月``, ``202610`` or a date into ``'YYYY-MM'`` strings."""
    text = values.astype("string").str.strip()
    empty = text.isna() | text.str.lower().isin(EMPTY_WORDS)
    parts = text.str.extract(_MONTH_RE)
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    ok = parts[0].notna() & parts[1].notna()
    months = pd.to_numeric(parts[1], errors="coerce")
    ok &= months.between(1, 12)
    out[ok] = parts[0][ok] + "-" + months[ok].astype("Int64").astype("string").str.zfill(2)
    rest = ~ok & ~empty
    if rest.any():
        dates, bad_dates = parse_dates(values[rest])
        good = ~bad_dates & dates.notna()
        out[good[good].index] = dates[good].dt.strftime("%Y-%m")
    bad = ~empty & out.isna()
    return out, bad


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string").str.strip().str.lower()
    empty = text.isna() | text.isin(EMPTY_WORDS - {"无"})
    is_true = text.isin(TRUE_WORDS)
    is_false = text.isin(FALSE_WORDS)
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[is_true] = True
    out[is_false] = False
    bad = ~empty & ~is_true & ~is_false
    return out, bad


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.astype("string").str.strip().str.replace(",", "", regex=False).str.replace("¥", "", regex=False)
    text = text.str.replace("，", "", regex=False).str.replace("%", "e-2", regex=False)
    empty = text.isna() | text.str.lower().isin(EMPTY_WORDS)
    out = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = ~empty & out.isna()
    return out.astype("float64"), bad


def _canonical_values(text: pd.Series, column: str, allowed: tuple[str, ...] | None = None) -> pd.Series:
    """Map Chinese spellings and other-case spellings (``Won``, ``a``) to the canonical codes."""
    mapping = {schemas.normalise_header(k): v for k, v in schemas.VALUE_ALIASES.get(column, {}).items()}
    mapping.update({schemas.normalise_header(code): code for code in (allowed or ())})
    if not mapping:
        return text
    keys = text.map(lambda s: schemas.normalise_header(s) if isinstance(s, str) else s)
    return keys.map(mapping).fillna(text).astype("string")


# --------------------------------------------------------------------------- one table


def read_table(path: str | Path, spec: TableSpec | str, *, strict: bool = True) -> Table:
    """Read one table file, map headers and values, parse types and validate it.

    Parameters
    ----------
    path : the CSV or Excel file.
    spec : a :class:`~kit.schemas.TableSpec` or a table name (``"leads"``, ``"staff"`` …).
    strict : raise :class:`DataContractError` listing every error (default). With False, the errors are returned
        in ``Table.warnings`` with severity ``error`` and the frame holds what could be parsed.

    Returns
    -------
    Table whose ``frame`` has the canonical columns in contract order (plus unknown extra columns at the end),
    a 0-based index, datetime64 dates, ``'YYYY-MM'`` months, nullable booleans and numbers.
    """
    spec = schemas.TABLES[spec] if isinstance(spec, str) else spec
    path = Path(path)
    if not path.is_file():
        raise DataContractError(f"{path}: file not found (table '{spec.name}').")
    rows = read_rows(path)
    if not any(any(str(c).strip() for c in r) for r in rows):
        raise DataContractError(f"{path.name}: the file is empty; expected a header line and rows of '{spec.name}'.")
    h = _find_header(rows, spec)
    header = [str(c).strip() for c in rows[h]]
    body = rows[h + 1 :]
    width = len(header)
    body = [(r + [""] * (width - len(r)))[:width] for r in body]
    raw = pd.DataFrame(body, columns=[c or f"column_{i + 1}" for i, c in enumerate(header)], dtype="string")
    # drop fully empty lines (Excel leaves them at the end), remembering the Excel row of each kept line
    keep = ~(raw.fillna("").apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy(dtype=bool)
    raw = raw[keep].reset_index(drop=True)
    header_row = h + 1
    row_numbers = tuple(int(i) + header_row + 1 for i in np.flatnonzero(keep))
    return _type_and_validate(raw, spec, path, header_row, strict=strict, row_numbers=row_numbers)


def frame_table(frame: pd.DataFrame, spec: TableSpec | str, *, name: str | None = None, strict: bool = True) -> Table:
    """Validate an in-memory frame against a contract (as if it were a file called ``name``)."""
    spec = schemas.TABLES[spec] if isinstance(spec, str) else spec
    raw = frame.reset_index(drop=True).copy()
    return _type_and_validate(raw, spec, Path(name or f"{spec.name} (in memory)"), 1, strict=strict)


def _type_and_validate(raw: pd.DataFrame, spec: TableSpec, path: Path, header_row: int, *, strict: bool,
                       row_numbers: tuple[int, ...] | None = None) -> Table:
    fname = path.name
    problems: list[Problem] = []
    if row_numbers is None:
        row_numbers = tuple(range(header_row + 1, header_row + 1 + len(raw)))
    rownums = lambda mask: tuple(row_numbers[i] for i in np.flatnonzero(np.asarray(mask)))  # noqa: E731

    aliases = spec.header_aliases()
    rename: dict[str, str] = {}
    extras: list[str] = []
    for col in raw.columns:
        canon = aliases.get(schemas.normalise_header(col))
        if canon is None:
            extras.append(col)
        elif canon in rename.values():
            problems.append(Problem(fname, str(col), f"one column per field; '{canon}' already came from another "
                                                      "header", "a second column for it"))
        else:
            rename[col] = canon
    frame = raw.rename(columns=rename)
    if extras:
        use = ("kept; numeric ones feed the at-risk model" if spec.name == "staff" else "kept and ignored")
        problems.append(Problem(fname, ", ".join(map(str, extras)), f"only the contract's columns (extra columns are "
                                f"{use})", "unknown column(s)", severity="warning"))
    missing = [c.name for c in spec.columns if c.required and c.name not in frame.columns]
    if missing:
        known = ", ".join(f"{c.name} ({'/'.join(c.aliases[:2])})" if c.aliases else c.name for c in spec.columns
                          if c.name in missing)
        problems.append(Problem(fname, ", ".join(missing), f"the required column(s) {known}",
                                f"headers {', '.join(map(str, raw.columns[:12]))}"))
        raise DataContractError(_message(spec, problems), problems)

    out = pd.DataFrame(index=frame.index)
    unparsed: dict[str, np.ndarray] = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            out[col.name] = _empty_of(col, len(frame))
            continue
        values = frame[col.name]
        if not isinstance(values.dtype, pd.StringDtype) and col.kind in ("str",):
            values = values.astype("string")
        parsed, bad = _parse(values, col)
        if bad.any():
            unparsed[col.name] = bad.to_numpy(dtype=bool)
            examples = ", ".join(repr(str(v)) for v in values[bad].head(3))
            problems.append(Problem(fname, col.name, _expectation(col), examples, rownums(bad)))
        out[col.name] = parsed
    for col in extras:
        out[col] = _extra_column(frame[col])

    problems += _check_columns(out, spec, fname, rownums, unparsed)
    problems += _check_rules(out, spec, fname, rownums, unparsed)
    problems.sort(key=lambda p: (p.severity != "error", p.rows[0] if p.rows else 0))
    errors = [p for p in problems if p.severity == "error"]
    if errors and strict:
        raise DataContractError(_message(spec, problems), problems)
    return Table(spec.name, out, path, header_row, warnings=problems, row_numbers=row_numbers)


def _empty_of(col: Column, n: int) -> pd.Series:
    if col.kind in ("date", "datetime"):
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.kind == "int":
        return pd.Series(pd.NA, index=range(n), dtype="Int64")
    if col.kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if col.kind == "bool":
        return pd.Series(pd.NA, index=range(n), dtype="boolean")
    return pd.Series(pd.NA, index=range(n), dtype="string")


def _extra_column(values: pd.Series) -> pd.Series:
    """An extra (non-contract) column: numbers when every filled cell is a number (``4,500``, ``¥4500``), else as read.

    Exports are read as text, so without this a roster's ``base_pay`` column would reach the at-risk model as
    strings and be left out of it.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    parsed, bad = parse_numbers(values)
    if parsed.notna().any() and not bad.any():
        return parsed
    return values


def _parse(values: pd.Series, col: Column) -> tuple[pd.Series, pd.Series]:
    if col.kind in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(values):
            parsed = values.astype("datetime64[ns]")
            return (parsed if col.kind == "datetime" else parsed.dt.normalize()), pd.Series(False, index=values.index)
        return parse_dates(values, with_time=col.kind == "datetime")
    if col.kind == "month":
        if pd.api.types.is_datetime64_any_dtype(values):
            return values.dt.strftime("%Y-%m").astype("string"), pd.Series(False, index=values.index)
        return parse_months(values)
    if col.kind == "bool":
        if pd.api.types.is_bool_dtype(values):
            return values.astype("boolean"), pd.Series(False, index=values.index)
        return parse_bools(values)
    if col.kind in ("int", "float"):
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parsed = values.astype("float64")
            bad = pd.Series(False, index=values.index)
        else:
            parsed, bad = parse_numbers(values)
        if col.kind == "int":
            frac = parsed.notna() & (parsed != np.round(parsed))
            bad = bad | frac
            parsed = parsed.where(~frac).astype("Int64")
        return parsed, bad
    text = values.astype("string").str.strip()
    text = text.where(~text.str.lower().isin(EMPTY_WORDS))
    if text.notna().any():
        # Excel turns ids like 001 into 1.0; undo the float rendering of whole numbers
        text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    text = _canonical_values(text, col.name, col.allowed)
    return text, pd.Series(False, index=values.index)


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _expectation(col: Column) -> str:
    return {
        "date": "a date such as 2026-10-31, 2026/10/31 or 2026年10月31日",
        "datetime": "a date and time such as 2026-10-31 14:30",
        "month": "a month such as 2026-10 or 2026年10月",
        "bool": "yes/no (是/否, true/false, 1/0)",
        "int": "a whole number",
        "float": "a number",
    }.get(col.kind, "text")


def _check_columns(out: pd.DataFrame, spec: TableSpec, fname: str, rownums,
                   unparsed: dict[str, np.ndarray] | None = None) -> list[Problem]:
    """Per-column rules with pandera: nulls, allowed values, ranges, unique key."""
    import pandera.pandas as pa

    problems: list[Problem] = []
    columns = {}
    for col in spec.columns:
        checks = []
        if col.allowed is not None:
            checks.append(pa.Check.isin(list(col.allowed), error=f"one of {', '.join(col.allowed)}"))
        if col.min is not None:
            checks.append(pa.Check.ge(col.min, error=f"a value of at least {col.min:g}"))
        if col.max is not None:
            checks.append(pa.Check.le(col.max, error=f"a value of at most {col.max:g}"))
        columns[col.name] = pa.Column(nullable=col.nullable or not col.required, checks=checks, required=False,
                                      coerce=False)
    schema = pa.DataFrameSchema(columns, strict=False, unique=list(spec.key) or None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandera's internal pandas deprecation notes are not the user's problem
            schema.validate(out, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        for (column, check), group in fc.groupby(["column", "check"], dropna=False, sort=False):
            idx = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int).unique()
            mask = np.zeros(len(out), dtype=bool)
            mask[idx[idx < len(out)]] = True
            found = ", ".join(sorted({repr(_show(v)) for v in group["failure_case"].head(20)})[:3])
            check = str(check)
            if check == "not_nullable":
                mask &= ~(unparsed or {}).get(str(column), np.zeros(len(out), dtype=bool))
                if mask.any():
                    problems.append(Problem(fname, str(column), "a value in every row", "empty cells", rownums(mask)))
            elif "unique" in check or column == spec.name or (isinstance(column, str) and column in ("", "nan")):
                key = ", ".join(spec.key)
                problems.append(Problem(fname, key, f"each {key} only once", "duplicates", rownums(
                    out.duplicated(list(spec.key), keep=False).to_numpy())))
            else:
                problems.append(Problem(fname, str(column), check, found, rownums(mask)))
    # de-duplicate the duplicate-key problem pandera reports once per key column
    seen, unique_problems = set(), []
    for p in problems:
        if (p.column, p.expected, p.rows) not in seen:
            seen.add((p.column, p.expected, p.rows))
            unique_problems.append(p)
    return unique_problems


def _check_rules(out: pd.DataFrame, spec: TableSpec, fname: str, rownums,
                 unparsed: dict[str, np.ndarray] | None = None) -> list[Problem]:
    """Cross-field rules of each table."""
    p: list[Problem] = []

    def pairs(later: str, earlier: str):
        """What was found for a date-order rule: the two dates of the first offending rows."""
        bad = out[later] < out[earlier]
        shown = [f"{later} {a:%Y-%m-%d} before {earlier} {b:%Y-%m-%d}"
                 for a, b in zip(out.loc[bad, later].head(2), out.loc[bad, earlier].head(2))]
        return "; ".join(shown) or "an earlier date"

    def rule(mask, column, expected, found):
        mask = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
        # a cell already reported as unparseable is not also reported as empty
        mask &= ~(unparsed or {}).get(column, np.zeros(len(mask), dtype=bool))
        if mask.any():
            p.append(Problem(fname, column, expected, found, rownums(mask)))

    if spec.name == "leads":
        closed = out["status"].isin(["won", "lost"]).fillna(False)
        rule(closed & out["closed_at"].isna(), "closed_at", "a won or lost lead needs its close date", "empty")
        rule((out["status"] == "open").fillna(False) & out["closed_at"].notna(), "closed_at",
             "no close date on an open lead (status open)", "a date")
        rule(out["closed_at"] < out["created_at"], "closed_at", "a close date on or after created_at",
             pairs("closed_at", "created_at"))
        rule(out["delivered_at"].notna() & (out["status"] != "won").fillna(True), "delivered_at",
             "a delivery date only on won leads", "a date on a lead that is not won")
        rule(out["delivered_at"] < out["closed_at"], "delivered_at", "a delivery on or after the order date",
             pairs("delivered_at", "closed_at"))
    elif spec.name == "staff":
        rule(out["leave_date"] < out["hire_date"], "leave_date", "a leave date on or after hire_date",
             pairs("leave_date", "hire_date"))
        rule(out["leave_date"].notna() & out["leave_type"].isna(), "leave_type",
             "voluntary or involuntary for everyone with a leave date", "empty")
        rule(out["leave_date"].isna() & out["leave_type"].notna(), "leave_date",
             "a leave date where leave_type is set", "empty")
    elif spec.name == "followups":
        pass
    return p


def _message(spec: TableSpec, problems: list[Problem]) -> str:
    errors = [p for p in problems if p.severity == "error"]
    lines = [f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in table '{spec.name}':"]
    lines += [f"  - {p}" for p in errors]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the whole folder


def _unknown_ids(child: Table, column: str, parent: Table, parent_column: str, expected: str, *,
                 severity: str = "error", skip: pd.Series | None = None) -> list[Problem]:
    """Rows of ``child`` whose ``column`` value is not among ``parent[parent_column]`` (one problem, or none)."""
    values = child.frame[column]
    unknown = ~values.isin(parent.frame[parent_column])
    if skip is not None:
        unknown &= ~skip
    if not unknown.any():
        return []
    found = ", ".join(repr(v) for v in values[unknown].unique()[:3])
    return [Problem(child.path.name, column, f"{expected} {parent.path.name}", found,
                    child.excel_rows(np.flatnonzero(unknown)), severity=severity)]


def _cross_checks(tables: dict[str, Table]) -> list[Problem]:
    problems: list[Problem] = []
    leads, staff, followups, kpi, grade_log = (tables.get(n) for n in
                                               ("leads", "staff", "followups", "kpi", "grade_log"))
    if leads is not None:
        for child in (followups, grade_log):
            if child is not None:
                problems += _unknown_ids(child, "lead_id", leads, "lead_id", "a lead_id that exists in")
    if leads is not None and staff is not None:
        no_consultant = leads.frame["consultant_id"].isna()
        if no_consultant.any():
            problems.append(Problem(leads.path.name, "consultant_id", "a consultant for every lead (unassigned leads "
                                    "are listed as 'unassigned' on the call list)", "empty",
                                    leads.excel_rows(np.flatnonzero(no_consultant)), severity="warning"))
        problems += _unknown_ids(leads, "consultant_id", staff, "staff_id", "a staff_id listed in",
                                 severity="warning", skip=no_consultant)
    if kpi is not None and staff is not None:
        problems += _unknown_ids(kpi, "staff_id", staff, "staff_id", "a staff_id listed in", severity="warning")
    return problems


@dataclass
class ValidationReport:
    """Everything ``kit validate`` found in a folder, in one pass."""

    data_dir: Path
    problems: list[Problem]
    tables: dict[str, Table]
    settings: object = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"severity": p.severity, "file": p.file, "rows": ", ".join(map(str, p.rows[:Problem.MAX_ROWS_LISTED]))
              + (" …" if len(p.rows) > Problem.MAX_ROWS_LISTED else ""), "n_rows": len(p.rows), "column": p.column,
              "expected": p.expected, "found": p.found} for p in self.problems],
            columns=["severity", "file", "rows", "n_rows", "column", "expected", "found"])


def validate_dir(data_dir: str | Path) -> ValidationReport:
    """Read and check every table and ``dealer.yml`` in ``data_dir``; collect every problem, raise nothing."""
    from kit.settings import load_settings

    data_dir = Path(data_dir)
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    if not data_dir.is_dir():
        problems.append(Problem(str(data_dir), None, "a folder with the dealership's tables", "no such folder"))
        return ValidationReport(data_dir, problems, tables)
    for name, spec in schemas.TABLES.items():
        try:
            path = find_table_file(data_dir, name)
        except DataContractError as exc:
            problems.append(Problem(str(data_dir), None, "one file per table", str(exc)))
            continue
        if path is None:
            if name in schemas.REQUIRED_TABLES:
                problems.append(Problem(f"{name}.csv", None, f"a file {name}.csv or {name}.xlsx in {data_dir}",
                                        "no such file"))
            continue
        try:
            table = read_table(path, spec, strict=False)
        except DataContractError as exc:
            problems.extend(exc.problems or [Problem(path.name, None, "a readable table", str(exc))])
            continue
        tables[name] = table
        problems.extend(table.warnings)
    problems.extend(_cross_checks(tables))
    settings = None
    try:
        settings = load_settings(data_dir / "dealer.yml" if (data_dir / "dealer.yml").exists() else None)
    except Exception as exc:  # ConfigError and YAML errors are both reported, not raised
        problems.append(Problem("dealer.yml", None, "valid settings", str(exc)))
    return ValidationReport(data_dir, problems, tables, settings)


def load_dealer(data_dir: str | Path) -> Dealer:
    """Load and validate every table and the settings; raise one DataContractError listing all errors."""
    report = validate_dir(data_dir)
    if not report.ok:
        lines = [f"{len(report.errors)} problem(s) in {Path(data_dir)}:"] + [f"  - {p}" for p in report.errors]
        raise DataContractError("\n".join(lines), report.errors)
    return Dealer(
        data_dir=Path(data_dir),
        tables={name: t.frame for name, t in report.tables.items()},
        settings=report.settings,
        files={**{name: t.path for name, t in report.tables.items()},
               **({"dealer.yml": Path(data_dir) / "dealer.yml"} if (Path(data_dir) / "dealer.yml").exists() else {})},
        warnings=report.warnings,
    )


def load_table(data_dir: str | Path, name: str) -> pd.DataFrame:
    """Load one table by name from a folder, validated; raises DataContractError."""
    path = find_table_file(data_dir, name)
    if path is None:
        raise DataContractError(f"{Path(data_dir)}: no {name}.csv or {name}.xlsx found.")
    return read_table(path, name).frame


def load_leads(data_dir: str | Path) -> pd.DataFrame:
    """Leads (意向客户), contract :data:`kit.schemas.LEADS`.

    Columns: lead_id, store_id, created_at, channel (walk_in/phone/online/referral/event), consultant_id,
    model_interest, visits, test_drive, quoted, trade_in, finance, grade (H/A/B/C/O/F/N or empty), status
    (open/won/lost), closed_at, delivered_at, lost_reason, gross_profit, customer_name, phone.

    Sample row: ``L000001, S1, 2026-10-03, walk_in, E012, Aurora, 2, True, True, False, True, A, open, NaT``.
    """
    return load_table(data_dir, "leads")


def load_followups(data_dir: str | Path) -> pd.DataFrame:
    """Follow-up log (回访记录): lead_id, at (datetime), consultant_id, kind (call/visit/wechat/sms), outcome."""
    return load_table(data_dir, "followups")


def load_staff(data_dir: str | Path) -> pd.DataFrame:
    """Staff roster (花名册): staff_id, name, store_id, department, role, hire_date, leave_date, leave_type,
    manager_id, plus any extra numeric columns."""
    return load_table(data_dir, "staff")


def load_kpis(data_dir: str | Path) -> pd.DataFrame:
    """Monthly KPI actuals and targets, long: month ('YYYY-MM'), staff_id, metric, actual, target."""
    return load_table(data_dir, "kpi")


def load_sales(data_dir: str | Path) -> pd.DataFrame:
    """Monthly deliveries: month ('YYYY-MM'), store_id, model, units, orders, gross_profit."""
    return load_table(data_dir, "sales")


def load_stock(data_dir: str | Path) -> pd.DataFrame:
    """Stock on the as-of date: store_id, model, on_hand, in_transit, as_of."""
    return load_table(data_dir, "stock")


def latest_complete_month(dealer: Dealer) -> str:
    """The last month for which the data is complete: the newest month in ``sales`` (or leads), 'YYYY-MM'.

    A month counts as complete when the data reaches its last day; the sales table is monthly, so its newest
    month is taken as complete; leads alone are used when there is no sales table.
    """
    sales = dealer.tables.get("sales")
    if sales is not None and len(sales):
        return str(sales["month"].max())
    leads = dealer.tables.get("leads")
    if leads is None or leads.empty:
        raise DataContractError(f"{dealer.data_dir}: no dated rows to choose a month from.")
    last = leads["created_at"].max()
    month_end = last + pd.offsets.MonthEnd(0)
    period = last.to_period("M") if last.normalize() == month_end.normalize() else last.to_period("M") - 1
    return str(period)

