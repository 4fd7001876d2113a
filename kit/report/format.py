"""Number formatting for reports: money, percentages, whole numbers."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def fmt_money(x: float | None, *, currency: str = "CNY", digits: int = 0) -> str:
    """¥1,234,568 (negative as −¥1,200)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return "n/a"
    symbol = "¥" if currency == "CNY" else f"{currency} "
    sign = "−" if x < 0 else ""
    return f"{sign}{symbol}{abs(x):,.{digits}f}"


def fmt_pct(x: float | None, *, digits: int = 1) -> str:
    """0.1234 → '12.3%'."""
    if x is None or pd.isna(x) or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x * 100:.{digits}f}%"


def fmt_int(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{int(round(float(x))):,}"


def fmt_number(x: float | None, *, digits: int = 2) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{float(x):,.{digits}f}"


def format_value(value: Any, kind: str, *, lang: str = "en") -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return fmt_pct(value)
    if kind == "money":
        return fmt_money(value)
    if kind == "int":
        return fmt_int(value)
    if kind == "number":
        return fmt_number(value) if isinstance(value, float) else str(value)
    return str(value)


# --------------------------------------------------------------------------- personal data
