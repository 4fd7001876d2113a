"""Plausibility of a dealership's dates: warnings for values that parse but are unlikely to be true.

Three checks, all warnings (the data stays as it is; ``kit validate`` lists them and the data-health report can show
them): a date or month after today; a date before 1990 (no 4S dealership record is that old); a few rows far before
the rest of their column (more than :data:`OUTLIER_GAP_MONTHS` months before the next date, holding at most
:data:`OUTLIER_SHARE` of the column: a typo'd year). Monthly tables are also checked for a store missing from a month
between its first and last month (the analyses would count that month as zero).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kit.exceptions import Problem
from kit.io.parsing import factorize

EARLIEST_PLAUSIBLE = dt.date(1990, 1, 1)
OUTLIER_GAP_MONTHS = 12
OUTLIER_SHARE = 0.01

#: date and month columns that place a table's rows in time
EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": ("created_at", "closed_at", "delivered_at"), "followups": ("at",), "kpi": ("month",),
    "sales": ("month",), "stock": ("as_of",), "traffic": ("date",), "grade_log": ("at",),
    "orders": ("ordered_at", "delivered_at", "cancelled_at", "followup_at"), "targets": ("month",),
    "staff": ("hire_date", "leave_date"),
}
#: columns whose values may lie ahead of today (targets are set in advance) or long before the rest (hire dates)
MAY_BE_FUTURE = {("targets", "month")}
NO_OUTLIER_CHECK = {("staff", "hire_date"), ("staff", "leave_date")}


def month_numbers(values: pd.Series) -> np.ndarray:
    """Months since year 0 (year * 12 + month - 1) of dates or 'YYYY-MM' strings; NaN where empty."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values.to_numpy(dtype="datetime64[ns]")
        out = (stamps.astype("datetime64[M]").astype(np.int64) + 1970 * 12).astype(float)
        out[np.isnat(stamps)] = np.nan
        return out
    codes, uniques = factorize(values)
    per_unique = np.array([_month_number(u) for u in uniques.to_pylist()], dtype=float)
    out = per_unique[np.where(codes >= 0, codes, 0)] if len(uniques) else np.full(len(codes), np.nan)
    out[codes < 0] = np.nan
    return out


def _month_number(label: str) -> float:
    try:
        return int(label[:4]) * 12 + int(label[5:7]) - 1
    except ValueError:
        return np.nan


def month_label(number: float) -> str:
    number = int(number)
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def main_block(numbers: np.ndarray) -> tuple[float, float] | None:
    """First and last month of a column's main block: leading or trailing values cut off by a gap of more than
    :data:`OUTLIER_GAP_MONTHS` months and holding at most :data:`OUTLIER_SHARE` of the values are left out."""
    numbers = numbers[~np.isnan(numbers)]
    if not len(numbers):
        return None
    months, counts = np.unique(numbers, return_counts=True)
    allowed = OUTLIER_SHARE * counts.sum()
    gaps = np.flatnonzero(np.diff(months) > OUTLIER_GAP_MONTHS)
    cum = np.cumsum(counts)
    first, last = months[0], months[-1]
    for i in gaps:
        if cum[i] <= allowed:
            first = months[i + 1]
        if cum[-1] - cum[i] <= allowed and months[i] >= first:
            last = months[i]
            break
    return first, last


def date_problems(tables: dict, today: dt.date) -> list[Problem]:
    """Warnings for dates after today, before 1990, or far before the rest of their column."""
    problems: list[Problem] = []
    today_month = today.year * 12 + today.month - 1
    for name, columns in EVENT_COLUMNS.items():
        table = tables.get(name)
        if table is None:
            continue
        frame = table.frame
        for column in columns:
            if column not in frame.columns:
                continue
            values = frame[column]
            is_month = not pd.api.types.is_datetime64_any_dtype(values)
            numbers = month_numbers(values)
            if is_month:
                future = numbers > today_month
                early = (numbers < EARLIEST_PLAUSIBLE.year * 12) & (numbers >= 1900 * 12)
            else:
                day = values.dt.normalize()
                future = (day > pd.Timestamp(today)).to_numpy(dtype=bool, na_value=False)
                early = ((day < pd.Timestamp(EARLIEST_PLAUSIBLE)) & (day >= pd.Timestamp("1900-01-01"))).to_numpy(
                    dtype=bool, na_value=False)  # before 1900 is an error of the table itself
            if (name, column) not in MAY_BE_FUTURE and future.any():
                problems.append(_warn(table, column, future, values,
                                      f"a {'month' if is_month else 'date'} not after today ({today:%Y-%m-%d})",
                                      "in the future", "month_in_future" if is_month else "date_in_future",
                                      {"today": f"{today:%Y-%m-%d}"}))
            if early.any():
                problems.append(_warn(table, column, early, values, "a date from 1990 on (4S dealership records "
                                      "start in the late 1990s)", "an earlier date", "date_before_1990", {}))
            if (name, column) in NO_OUTLIER_CHECK:
                continue
            block = main_block(np.where(early | (numbers < 1900 * 12), np.nan, numbers))
            if block is None:
                continue
            isolated = (numbers < block[0]) & ~early & (numbers >= 1900 * 12)
            if isolated.any():
                problems.append(_warn(table, column, isolated, values,
                                      f"a date near the rest of the column, which starts {month_label(block[0])} "
                                      f"(a typo'd year?)", f"more than {OUTLIER_GAP_MONTHS} months earlier",
                                      "date_far_before_the_rest",
                                      {"start": month_label(block[0]), "gap": OUTLIER_GAP_MONTHS}))
    return problems


def _warn(table, column: str, mask: np.ndarray, values: pd.Series, expected: str, found: str, key: str,
          fields: dict) -> Problem:
    shown = values[mask].head(3)
    text = ", ".join(repr(v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else str(v)) for v in shown)
    return Problem(table.path.name, column, expected, f"{found}: {text}", table.excel_rows(np.flatnonzero(mask)),
                   severity="warning", key=key, fields={**fields, "found": text})


def _gaps(months: list[int]) -> list[str]:
    """``['2025-03', '2025-05 … 2025-07']`` from month numbers: each run of consecutive months as one item."""
    parts, start, prev = [], None, None
    for m in months + [None]:
        if start is None:
            start = prev = m
        elif m is not None and m == prev + 1:
            prev = m
        else:
            parts.append(month_label(start) if start == prev else f"{month_label(start)} … {month_label(prev)}")
            start = prev = m
    return parts


def _ranges(months: list[int]) -> str:
    """'2025-03, 2025-05 … 2025-07' from month numbers (at most six gaps, then how many more)."""
    parts = _gaps(months)
    return ", ".join(parts[:6]) + (f" and {len(parts) - 6} more gaps" if len(parts) > 6 else "")


def store_gaps(tables: dict, today: dt.date) -> list[Problem]:
    """Warnings for a store with no rows in a month between its first and last month (sales, kpi, leads, traffic)."""
    problems: list[Problem] = []
    today_month = today.year * 12 + today.month - 1
    staff = tables.get("staff")
    sources = (("sales", "month"), ("kpi", "month"), ("leads", "created_at"), ("traffic", "date"))
    for name, column in sources:
        table = tables.get(name)
        if table is None or column not in table.frame.columns or not len(table.frame):
            continue
        frame = table.frame
        if "store_id" in frame.columns:
            stores = frame["store_id"]
        elif name == "kpi" and staff is not None:
            stores = frame["staff_id"].map(staff.frame.drop_duplicates("staff_id").set_index("staff_id")["store_id"])
        else:
            continue
        numbers = month_numbers(frame[column])
        block = main_block(numbers)
        if block is None:
            continue
        keep = ~np.isnan(numbers) & (numbers >= block[0]) & (numbers <= min(block[1], today_month))
        pairs = pd.DataFrame({"store": stores.to_numpy(dtype=object)[keep], "m": numbers[keep].astype(np.int64)})
        pairs = pairs.dropna().drop_duplicates()
        for store, group in pairs.groupby("store", sort=True):
            have = set(group["m"].tolist())
            missing = [m for m in range(min(have), max(have) + 1) if m not in have]
            if missing:
                gaps = _gaps(missing)
                problems.append(Problem(
                    table.path.name, column,
                    f"rows for store {store} in every month from its first ({month_label(min(have))}) to its last "
                    f"({month_label(max(have))}); the analyses count a missing month as zero",
                    f"no rows for {store} in {_ranges(missing)}", severity="warning",
                    key="store_missing_months" if len(gaps) <= 6 else "store_missing_months_more",
                    fields={"store": str(store), "first": month_label(min(have)), "last": month_label(max(have)),
                            "gaps": gaps[:6], "more": len(gaps) - 6, "n_months": len(missing)}))
    return problems


def stock_coverage(tables: dict, today: dt.date) -> list[Problem]:
    """A warning for each store that sells (in the latest sales month) but has no stock rows."""
    sales, stock = tables.get("sales"), tables.get("stock")
    if sales is None or stock is None or not len(sales.frame) or not len(stock.frame):
        return []
    numbers = month_numbers(sales.frame["month"])
    today_month = today.year * 12 + today.month - 1
    recent = numbers[~np.isnan(numbers) & (numbers <= today_month)]
    if not len(recent):
        return []
    selling = set(sales.frame.loc[numbers == recent.max(), "store_id"].dropna())
    missing = sorted(selling - set(stock.frame["store_id"].dropna()))
    if not missing:
        return []
    return [Problem(stock.path.name, "store_id", "stock rows for every store that sells (the order plan counts a "
                    "store without them as 0 cars in stock and orders for it)",
                    f"no rows for {', '.join(map(str, missing))}", severity="warning", key="stock_store_missing",
                    fields={"stores": [str(s) for s in missing]})]
