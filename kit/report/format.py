"""Number formatting for reports, and the one vocabulary of column kinds that HTML tables and Excel sheets share.

A column's *kind* says how its values are shown: ``money`` (¥1,234), ``pct`` (12.3%), ``pct0`` (12%), ``int``
(1,234 whole cars), ``number`` / ``number1`` / ``number3`` (decimals), ``date`` (2026-10-31), ``datetime``,
``month`` (2026-10, text), ``bool`` (a flag: ✔ in HTML, 是/否 in Excel) and ``text``. Tables and workbooks take the
same ``formats={column: kind}``; :func:`infer_kind` fills in the rest from the data type.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

#: Every kind a column can have (see the module docstring).
KINDS = ("money", "pct", "pct0", "int", "number", "number1", "number3", "date", "datetime", "month", "bool", "text")
#: Kinds shown as numbers: right-aligned, sorted numerically, shaded by colour scales.
NUMERIC_KINDS = frozenset({"money", "pct", "pct0", "int", "number", "number1", "number3"})


def is_missing(x: Any) -> bool:
    """None, NaN, NaT, pd.NA and ±inf are missing; anything else (including "") is a value."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, (float, np.floating)):
        return not math.isfinite(float(x))
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_money(x: float | None, *, currency: str = "CNY", digits: int = 0) -> str:
    """¥1,234,568 (negative as −¥1,200)."""
    if is_missing(x):
        return "n/a"
    symbol = "¥" if currency == "CNY" else f"{currency} "
    sign = "−" if x < 0 else ""
    return f"{sign}{symbol}{abs(x):,.{digits}f}"


def fmt_pct(x: float | None, *, digits: int = 1) -> str:
    """0.1234 → '12.3%'."""
    if is_missing(x):
        return "n/a"
    return f"{x * 100:.{digits}f}%"


def fmt_int(x: float | None) -> str:
    """1234.4 → '1,234'."""
    if is_missing(x):
        return "n/a"
    return f"{int(round(float(x))):,}"


def fmt_number(x: float | None, *, digits: int = 2) -> str:
    """1234.5 → '1,234.50'."""
    if is_missing(x):
        return "n/a"
    return f"{float(x):,.{digits}f}"


def format_value(value: Any, kind: str, *, lang: str = "en") -> str:
    """``value`` as text for ``kind`` (headline numbers on the index page); "n/a" when missing."""
    if is_missing(value):
        return "n/a"
    if kind == "number" and not isinstance(value, float):
        return str(value)
    return display(value, kind if kind in KINDS and kind != "bool" else "text")


def infer_kind(series: pd.Series, name: object = None) -> str:
    """The kind of a column from its data type (and, for numbers, the kit's column-name endings).

    Flags (bool, also with gaps) → ``bool``; datetimes → ``date`` (``datetime`` when any value has a time of day);
    periods → ``month``; integers → ``int``; floats → ``money`` for ``*_cny``, ``pct`` for ``*_rate`` and
    ``*_share``, else ``number``; anything else → ``text``.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.PeriodDtype):
        return "month"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        times = series.dropna()
        if getattr(dtype, "tz", None) is not None:
            times = times.dt.tz_localize(None)
        return "datetime" if len(times) and (times != times.dt.normalize()).any() else "date"
    if pd.api.types.is_numeric_dtype(dtype):
        text = str(name or "")
        if text.endswith("_cny"):
            return "money"
        if text.endswith(("_rate", "_share")) and pd.api.types.is_float_dtype(dtype):
            return "pct"
        return "int" if pd.api.types.is_integer_dtype(dtype) else "number"
    if dtype == object:
        values = series.dropna()
        if len(values) and all(isinstance(v, (bool, np.bool_)) for v in values):
            return "bool"
        if len(values) and all(isinstance(v, pd.Period) for v in values):
            return "month"
    return "text"


def kind_of(kind: str | None) -> str:
    """'number' for kinds shown as numbers (right-aligned), 'text' for the rest."""
    return "number" if kind in NUMERIC_KINDS else "text"


def display(value: Any, kind: str | None) -> str:
    """One value as a manager reads it in an HTML table: '–' when missing."""
    if kind == "bool":
        return "–" if is_missing(value) else ("✔" if bool(value) else "")
    if is_missing(value):
        return "–"
    if kind == "pct":
        return fmt_pct(value)
    if kind == "pct0":
        return fmt_pct(value, digits=0)
    if kind == "money":
        return fmt_money(value)
    if kind == "int":
        return fmt_int(value)
    if kind == "number":
        return fmt_number(value)
    if kind == "number1":
        return fmt_number(value, digits=1)
    if kind == "number3":
        return fmt_number(value, digits=3)
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "datetime":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    if kind in (None, "text", "month"):
        return str(value)
    return format(value, kind)  # a Python format spec such as ",.2f"


def compute_totals(frame: pd.DataFrame, totals: Mapping[str, Any] | Iterable[str],
                   columns: Iterable[str] | None = None) -> dict[str, Any]:
    """The totals row: ``{column: value}`` from ``totals`` (columns to sum, or ``{column: "sum"|"mean"|value}``).

    Raises ValueError naming the column when a total is asked for a column the frame does not have.
    """
    spec = dict(totals) if isinstance(totals, Mapping) else {c: "sum" for c in totals}
    allowed = list(frame.columns if columns is None else columns)
    out: dict[str, Any] = {}
    for col, how in spec.items():
        if col not in allowed:
            raise ValueError(f"totals: the table has no column {col!r}; it has {', '.join(map(str, allowed))}.")
        if isinstance(how, str) and how in ("sum", "mean"):
            values = pd.to_numeric(frame[col], errors="coerce")
            if how == "mean":
                out[col] = float(values.mean())
            else:
                out[col] = int(values.sum()) if pd.api.types.is_integer_dtype(frame[col].dtype) else float(values.sum())
        else:
            out[col] = how
    return out
