"""One table: map headers to the contract, type every column, and check it (pandera column rules, cross-field rules).

Problems are collected, not raised one by one: :func:`read_table` raises one
:class:`~kit.exceptions.DataContractError` listing them all (or returns them with ``strict=False``), each naming the
file, the rows as Excel shows them, the column, what was expected and what was found.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from kit import schemas
from kit.exceptions import DataContractError, Problem
from kit.io.files import read_raw
from kit.io.parsing import (ARROW_STRING, canonical_values, clean_text, parse_bools, parse_dates, parse_months,
                            parse_numbers, python_strings)
from kit.schemas import Column, TableSpec


#: the oldest date any table may hold: earlier ones are typos, and would make the analyses span centuries
OLDEST_DATE = "1900-01-01"


@dataclass
class Table:
    """A loaded, typed table with where it came from."""

    name: str
    frame: pd.DataFrame
    path: Path
    header_row: int  # Excel row number of the header line
    warnings: list[Problem] = field(default_factory=list)
    row_numbers: np.ndarray | None = None  # Excel row of each frame row (blank lines are dropped)

    def excel_rows(self, index: Iterable) -> tuple[int, ...]:
        """Excel row numbers of frame positions (the frame keeps a 0-based RangeIndex)."""
        index = np.asarray(list(index) if not isinstance(index, np.ndarray) else index, dtype=np.int64)
        if self.row_numbers is not None:
            return tuple(np.asarray(self.row_numbers)[index].tolist())
        return tuple((index + self.header_row + 1).tolist())


def _column_letter(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


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
    return with_python_text(read_table_arrow(path, spec, strict=strict))


def read_table_arrow(path: str | Path, spec: TableSpec | str, *, strict: bool = True) -> Table:
    """:func:`read_table` with text left arrow-backed (the folder check converts it once, after its checks)."""
    spec = schemas.TABLES[spec] if isinstance(spec, str) else spec
    path = Path(path)
    raw = read_raw(path, spec)
    if not any(raw.header) and raw.body.empty:
        raise DataContractError(f"{path.name}: the file is empty; expected a header line and rows of '{spec.name}'.",
                                key="file_empty")
    frame = raw.body
    names, problems = _map_headers(raw.header, spec, path.name)
    frame.columns = range(frame.shape[1])
    keep = [i for i, n in enumerate(names) if n is not None]
    frame = frame[keep]
    frame.columns = [names[i] for i in keep]
    problems = raw.problems + problems
    return _type_and_validate(frame, spec, path, raw.header_row, strict=strict, row_numbers=raw.row_numbers,
                              header_problems=problems, raw_headers=raw.header)


def frame_table(frame: pd.DataFrame, spec: TableSpec | str, *, name: str | None = None, strict: bool = True) -> Table:
    """Validate an in-memory frame against a contract (as if it were a file called ``name``)."""
    spec = schemas.TABLES[spec] if isinstance(spec, str) else spec
    fname = name or f"{spec.name} (in memory)"
    names, problems = _map_headers([str(c) for c in frame.columns], spec, fname)
    raw = frame.reset_index(drop=True).copy()
    raw.columns = range(raw.shape[1])
    keep = [i for i, n in enumerate(names) if n is not None]
    raw = raw[keep]
    raw.columns = [names[i] for i in keep]
    return with_python_text(_type_and_validate(raw, spec, Path(fname), 1, strict=strict, header_problems=problems,
                                               raw_headers=[str(c) for c in frame.columns]))


def with_python_text(table: Table) -> Table:
    """The table with its text columns as pandas' ``string`` dtype in python storage, what the analyses get."""
    frame = table.frame
    for name in frame.columns:
        if frame[name].dtype == ARROW_STRING:
            frame[name] = python_strings(frame[name])
    return table


def _map_headers(header: list[str], spec: TableSpec, fname: str) -> tuple[list[str | None], list[Problem]]:
    """The canonical name of each header cell (extras keep theirs); None drops a second header for one field."""
    aliases = spec.header_aliases()
    names: list[str | None] = []
    first_of: dict[str, int] = {}
    extras: list[str] = []
    problems: list[Problem] = []
    used: set[str] = set()
    for i, cell in enumerate(header):
        cell = str(cell).strip()
        canon = aliases.get(schemas.normalise_header(cell)) if cell else None
        if canon is not None:
            if canon in first_of:
                j = first_of[canon]
                problems.append(Problem(
                    fname, cell, f"one column per field; '{canon}' already came from another header "
                                 f"({header[j]!r}, column {_column_letter(j)})",
                    f"a second column for it (column {_column_letter(i)})", key="header_twice",
                    fields={"field_column": canon, "first_header": str(header[j]).strip(),
                            "first_letter": _column_letter(j), "letter": _column_letter(i)}))
                names.append(None)
                continue
            first_of[canon] = i
            names.append(canon)
            used.add(canon)
            continue
        name = cell or f"column_{i + 1}"
        base, k = name, 2
        while name in used:
            name, k = f"{base} ({k})", k + 1
        used.add(name)
        extras.append(name)
        names.append(name)
    if extras:
        use = ("kept; numeric ones feed the at-risk model" if spec.name == "staff" else "kept and ignored")
        problems.append(Problem(fname, ", ".join(extras), f"only the contract's columns (extra columns are {use})",
                                "unknown column(s)", severity="warning",
                                key="columns_extra_staff" if spec.name == "staff" else "columns_extra",
                                fields={"n": len(extras)}))
    return names, problems


def _type_and_validate(frame: pd.DataFrame, spec: TableSpec, path: Path, header_row: int, *, strict: bool,
                       row_numbers: np.ndarray | None = None, header_problems: list[Problem] | None = None,
                       raw_headers: list[str] | None = None) -> Table:
    fname = path.name
    problems: list[Problem] = list(header_problems or [])
    if row_numbers is None:
        row_numbers = np.arange(header_row + 1, header_row + 1 + len(frame), dtype=np.int64)
    row_numbers = np.asarray(row_numbers, dtype=np.int64)

    def rownums(mask) -> tuple[int, ...]:
        return tuple(row_numbers[np.flatnonzero(np.asarray(mask, dtype=bool))].tolist())

    missing = [c.name for c in spec.columns if c.required and c.name not in frame.columns]
    if missing:
        known = ", ".join(f"{c.name} ({'/'.join(c.aliases[:2])})" if c.aliases else c.name for c in spec.columns
                          if c.name in missing)
        shown = ", ".join(map(str, (raw_headers or list(frame.columns))[:12]))
        problems.append(Problem(fname, ", ".join(missing), f"the required column(s) {known}", f"headers {shown}",
                                key="columns_missing", fields={"missing_columns": missing, "headers": shown}))
        raise DataContractError(_message(spec, problems), problems)

    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    unparsed: dict[str, np.ndarray] = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            out[col.name] = _empty_of(col, len(frame))
            continue
        values = frame[col.name]
        parsed, bad = _parse(values, col)
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            unparsed[col.name] = bad
            shown = values[bad].head(3)
            examples = ", ".join(repr(str(v).strip()) for v in shown)
            problems.append(Problem(fname, col.name, _expectation(col), examples, rownums(bad),
                                    key=f"value_not_{col.kind}", fields={"found": examples}))
        out[col.name] = parsed.astype(ARROW_STRING) if col.kind in ("str", "month") else parsed
    for name in frame.columns:
        if name not in out:
            out[name] = _extra_column(frame[name])
    typed = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))

    problems += _check_columns(typed, spec, fname, rownums, unparsed)
    problems += _check_rules(typed, spec, fname, rownums, unparsed)
    problems.sort(key=lambda p: (p.severity != "error", p.rows[0] if p.rows else 0))
    errors = [p for p in problems if p.severity == "error"]
    if errors and strict:
        raise DataContractError(_message(spec, problems), problems)
    return Table(spec.name, typed, path, header_row, warnings=problems, row_numbers=row_numbers)


def _empty_of(col: Column, n: int) -> pd.Series:
    if col.kind in ("date", "datetime"):
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.kind == "int":
        return pd.Series(pd.NA, index=range(n), dtype="Int64")
    if col.kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if col.kind == "bool":
        return pd.Series(pd.NA, index=range(n), dtype="boolean")
    return pd.Series(pd.NA, index=range(n), dtype=ARROW_STRING)


def _extra_column(values: pd.Series) -> pd.Series:
    """An extra (non-contract) column: numbers when every filled cell is a number (``4,500``, ``¥4500``), else text.

    Exports are read as text, so without this a roster's ``base_pay`` column would reach the at-risk model as
    strings and be left out of it.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return values
    parsed, bad = parse_numbers(values)
    if parsed.notna().any() and not bad.any():
        return parsed
    return values.astype(ARROW_STRING)


def _no_problem(values: pd.Series) -> np.ndarray:
    return np.zeros(len(values), dtype=bool)


def _parse(values: pd.Series, col: Column) -> tuple[pd.Series, np.ndarray]:
    if col.kind in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(values):
            parsed = values.astype("datetime64[ns]")
            return (parsed if col.kind == "datetime" else parsed.dt.normalize()), _no_problem(values)
        return parse_dates(values, with_time=col.kind == "datetime")
    if col.kind == "month":
        if pd.api.types.is_datetime64_any_dtype(values):
            return values.dt.strftime("%Y-%m").astype("string"), _no_problem(values)
        return parse_months(values)
    if col.kind == "bool":
        if pd.api.types.is_bool_dtype(values):
            return values.astype("boolean"), _no_problem(values)
        return parse_bools(values)
    if col.kind in ("int", "float"):
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parsed = values.astype("float64")
            bad = _no_problem(values)
        else:
            parsed, bad = parse_numbers(values)
            bad = np.asarray(bad, dtype=bool)
        if col.kind == "int":
            frac = (parsed.notna() & (parsed != np.round(parsed))).to_numpy(dtype=bool)
            bad = bad | frac
            parsed = parsed.where(~frac).astype("Int64")
        return parsed, bad
    text = clean_text(values)
    # Excel turns ids like 001 into 1.0; undo the float rendering of whole numbers
    floats = text.str.endswith(".0").to_numpy(dtype=bool, na_value=False)
    if floats.any():
        floats &= text.str.fullmatch(r"\d+\.0").to_numpy(dtype=bool, na_value=False)
    if floats.any():
        text = text.mask(floats, text.str.slice(stop=-2))
    text = canonical_values(text, col.name, col.allowed)
    return text, _no_problem(values)


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


@functools.lru_cache(maxsize=64)
def _schema(columns: tuple, key: tuple[str, ...]):
    """The pandera schema of a table's columns and key, and the catalog key of each check's message (built once per
    table contract: building it costs more than validating a small table)."""
    import pandera.pandas as pa

    checked = {}
    keys: dict[tuple[str, str], tuple[str, dict]] = {}  # (column, check message) -> catalog key and fields
    for col in columns:
        checks = []
        if col.allowed is not None:
            checks.append(pa.Check.isin(list(col.allowed), error=f"one of {', '.join(col.allowed)}"))
            keys[col.name, checks[-1].error] = ("value_not_allowed", {"allowed_values": list(col.allowed)})
        if col.min is not None:
            checks.append(pa.Check.ge(col.min, error=f"a value of at least {col.min:g}"))
            keys[col.name, checks[-1].error] = ("value_below_min", {"min": f"{col.min:g}"})
        if col.max is not None:
            checks.append(pa.Check.le(col.max, error=f"a value of at most {col.max:g}"))
            keys[col.name, checks[-1].error] = ("value_above_max", {"max": f"{col.max:g}"})
        checked[col.name] = pa.Column(nullable=col.nullable or not col.required, checks=checks, required=False,
                                      coerce=False)
    return pa.DataFrameSchema(checked, strict=False, unique=list(key) or None), keys


def _check_columns(out: pd.DataFrame, spec: TableSpec, fname: str, rownums,
                   unparsed: dict[str, np.ndarray] | None = None) -> list[Problem]:
    """Per-column rules with pandera: nulls, allowed values, ranges, unique key."""
    import pandera.pandas as pa

    problems: list[Problem] = []
    schema, keys = _schema(spec.columns, spec.key)
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
                    problems.append(Problem(fname, str(column), "a value in every row", "empty cells", rownums(mask),
                                            key="value_empty"))
            elif "unique" in check or column == spec.name or (isinstance(column, str) and column in ("", "nan")):
                key = ", ".join(spec.key)
                problems.append(Problem(fname, key, f"each {key} only once", "duplicates", rownums(
                    out.duplicated(list(spec.key), keep=False).to_numpy()), key="key_duplicate",
                    fields={"key_columns": list(spec.key)}))
            else:
                catalog_key, fields = keys.get((str(column), check), (None, {}))
                problems.append(Problem(fname, str(column), check, found, rownums(mask), key=catalog_key,
                                        fields={**fields, "found": found} if catalog_key else {}))
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
    oldest = pd.Timestamp(OLDEST_DATE)
    for col in spec.columns:
        if col.kind in ("date", "datetime"):
            too_old = (out[col.name] < oldest).to_numpy(dtype=bool, na_value=False)
        elif col.kind == "month":
            too_old = (out[col.name] < OLDEST_DATE[:7]).to_numpy(dtype=bool, na_value=False)
        else:
            continue
        if too_old.any():
            shown = ", ".join(repr(str(v)[:10]) for v in out.loc[too_old, col.name].head(3))
            p.append(Problem(fname, col.name, f"a date from {OLDEST_DATE} on (no dealership record is older; a typo'd "
                             "year?)", shown, rownums(too_old), key="date_before_1900",
                             fields={"oldest": OLDEST_DATE, "found": shown}))

    def rule(mask, column, expected, found, key, fields=None):
        mask = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
        # a cell already reported as unparseable is not also reported as empty
        mask &= ~(unparsed or {}).get(column, np.zeros(len(mask), dtype=bool))
        if mask.any():
            p.append(Problem(fname, column, expected, found, rownums(mask), key=key, fields=fields or {}))

    def order(later: str, earlier: str, expected: str):
        """A date-order rule: ``later`` on or after ``earlier``; found shows the first offending rows' dates."""
        bad = out[later] < out[earlier]
        first = [(f"{a:%Y-%m-%d}", f"{b:%Y-%m-%d}")
                 for a, b in zip(out.loc[bad, later].head(2), out.loc[bad, earlier].head(2))]
        if first:  # no offending row: nothing to report
            found = "; ".join(f"{later} {a} before {earlier} {b}" for a, b in first)
            rule(bad, later, expected, found, "date_order", {"later_column": later, "earlier_column": earlier,
                                                              "later_date": first[0][0], "earlier_date": first[0][1]})

    if spec.name == "leads":
        closed = out["status"].isin(["won", "lost"]).fillna(False)
        rule(closed & out["closed_at"].isna(), "closed_at", "a won or lost lead needs its close date", "empty",
             "close_date_missing")
        rule((out["status"] == "open").fillna(False) & out["closed_at"].notna(), "closed_at",
             "no close date on an open lead (status open)", "a date", "close_date_on_open_lead")
        order("closed_at", "created_at", "a close date on or after created_at")
        rule(out["delivered_at"].notna() & (out["status"] != "won").fillna(True), "delivered_at",
             "a delivery date only on won leads", "a date on a lead that is not won", "delivery_not_won")
        order("delivered_at", "closed_at", "a delivery on or after the order date")
    elif spec.name == "staff":
        order("leave_date", "hire_date", "a leave date on or after hire_date")
        rule(out["leave_date"].notna() & out["leave_type"].isna(), "leave_type",
             "voluntary or involuntary for everyone with a leave date", "empty", "leave_type_missing")
        rule(out["leave_date"].isna() & out["leave_type"].notna(), "leave_date",
             "a leave date where leave_type is set", "empty", "leave_date_missing")
    elif spec.name == "orders":
        order("delivered_at", "ordered_at", "a delivery on or after ordered_at")
    return p


def _message(spec: TableSpec, problems: list[Problem]) -> str:
    errors = [p for p in problems if p.severity == "error"]
    lines = [f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in table '{spec.name}':"]
    lines += [f"  - {p}" for p in errors]
    return "\n".join(lines)

