"""What arrived: each table's rows and months, rows per store and month, and months missing from the exports."""

from __future__ import annotations

import pandas as pd

from kit import schemas
from kit.io import Dealer

#: The date column that places each table's rows in time.
TIME_COLUMNS = {"leads": "created_at", "followups": "at", "staff": "hire_date", "kpi": "month", "sales": "month",
                "stock": "as_of", "traffic": "date", "grade_log": "at", "orders": "ordered_at", "targets": "month"}
#: Tables counted per store and month (the monthly flow of the business; staff and stock are states, not flows).
FLOW_TABLES = ("leads", "followups", "sales", "kpi", "traffic", "orders")
#: Tables whose months are checked for gaps.
GAP_TABLES = ("leads", "sales", "kpi", "traffic", "orders")
#: The store of a row that cannot be placed in one (a follow-up of an unknown lead, a KPI row of unknown staff).
NO_STORE = "no_store"

OVERVIEW_COLUMNS = ["table", "status", "file", "rows", "stores", "first", "last", "rows_in_month"]


def months_of(values: pd.Series) -> pd.Series:
    """The month (``Period[M]``) of each date or ``YYYY-MM`` value."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.to_period("M")
    return pd.PeriodIndex(values.astype(str), freq="M").to_series(index=values.index)


def table_overview(dealer: Dealer, *, month: str) -> pd.DataFrame:
    """One row per contract table: read or not provided, file, rows, stores, first and last month, rows in ``month``.

    ``status`` is ``read`` or ``not_provided`` (an optional table the folder does not have, or one with only its
    header, which the loader treats as absent).
    """
    period = pd.Period(month, freq="M")
    rows = []
    for name in schemas.TABLES:
        frame = dealer.tables.get(name)
        if frame is None:
            rows.append({"table": name, "status": "not_provided", "file": "", "rows": 0, "stores": pd.NA,
                         "first": "", "last": "", "rows_in_month": 0})
            continue
        col = TIME_COLUMNS.get(name)
        months = months_of(frame[col].dropna()) if col and col in frame else pd.Series(dtype="period[M]")
        rows.append({
            "table": name,
            "status": "read",
            "file": dealer.files[name].name if name in dealer.files else "",
            "rows": len(frame),
            "stores": frame["store_id"].nunique() if "store_id" in frame else pd.NA,
            "first": str(months.min()) if len(months) else "",
            "last": str(months.max()) if len(months) else "",
            "rows_in_month": int((months == period).sum()) if len(months) else 0,
        })
    out = pd.DataFrame(rows, columns=OVERVIEW_COLUMNS)
    out["stores"] = out["stores"].astype("Int64")  # a count, empty for tables without store_id
    return out


def store_of(dealer: Dealer, name: str) -> pd.Series:
    """The store of each row of table ``name``: its own ``store_id``, the lead's store for follow-ups and grade
    records, the staff member's store for KPI rows; :data:`NO_STORE` where it cannot be placed."""
    frame = dealer.tables[name]
    if "store_id" in frame:
        return frame["store_id"].astype(object).fillna(NO_STORE)
    if "lead_id" in frame and "leads" in dealer.tables:
        stores = dealer.tables["leads"].drop_duplicates("lead_id").set_index("lead_id")["store_id"]
        return frame["lead_id"].map(stores).astype(object).fillna(NO_STORE)
    if "staff_id" in frame and "staff" in dealer.tables:
        stores = dealer.tables["staff"].drop_duplicates("staff_id").set_index("staff_id")["store_id"]
        return frame["staff_id"].map(stores).astype(object).fillna(NO_STORE)
    return pd.Series(NO_STORE, index=frame.index, dtype=object)


def _dated(dealer: Dealer, names: tuple[str, ...]):
    """(table, store of each row, month of each row) for each of ``names`` the dealership has rows of."""
    for name in names:
        frame = dealer.tables.get(name)
        if frame is not None and not frame.empty:
            yield name, store_of(dealer, name), months_of(frame[TIME_COLUMNS[name]])


def rows_by_store(dealer: Dealer, *, month: str, months: int = 12) -> pd.DataFrame:
    """Rows per table, store and month for the ``months`` months to ``month``: long, one row per table × store ×
    month (months without rows count 0 between the window's first and last month)."""
    end = pd.Period(month, freq="M")
    window = pd.period_range(end - months + 1, end, freq="M")
    parts = []
    for name, stores, when in _dated(dealer, FLOW_TABLES):
        counts = (pd.DataFrame({"store_id": stores.to_numpy(), "month": when.to_numpy()})
                  .loc[lambda f: f["month"].isin(window)].groupby(["store_id", "month"]).size())
        full = pd.MultiIndex.from_product([sorted(set(stores)), window], names=["store_id", "month"])
        counts = counts.reindex(full, fill_value=0).rename("rows").reset_index()
        parts.append(counts.assign(table=name))
    if not parts:
        return pd.DataFrame(columns=["table", "store_id", "month", "rows"])
    out = pd.concat(parts, ignore_index=True)[["table", "store_id", "month", "rows"]]
    out["month"] = out["month"].astype(str)
    return out


def rows_by_store_wide(long: pd.DataFrame) -> pd.DataFrame:
    """:func:`rows_by_store` with one column per month (table and store as the first two columns)."""
    if long.empty:
        return pd.DataFrame(columns=["table", "store_id"])
    order = {name: i for i, name in enumerate(FLOW_TABLES)}
    wide = long.pivot_table(index=["table", "store_id"], columns="month", values="rows", aggfunc="sum",
                            fill_value=0).reset_index()
    wide.columns.name = None
    return wide.sort_values(["table", "store_id"], key=lambda s: s.map(order) if s.name == "table" else s,
                            ignore_index=True)


def missing_months(dealer: Dealer, *, month: str) -> pd.DataFrame:
    """Months with no rows inside each table's own span per store (its first month up to ``month``): gaps in the
    exports. One row per table × store: the months, and how many."""
    end = pd.Period(month, freq="M")
    rows = []
    for name, stores, when in _dated(dealer, GAP_TABLES):
        for store, part in when.groupby(stores.to_numpy(), sort=True):
            present = set(part.dropna())
            if not present or min(present) > end:
                continue
            span = pd.period_range(min(present), end, freq="M")
            gaps = [str(p) for p in span if p not in present]
            if gaps:
                rows.append({"table": name, "store_id": store, "missing_months": ", ".join(gaps),
                             "n_missing": len(gaps)})
    return pd.DataFrame(rows, columns=["table", "store_id", "missing_months", "n_missing"])
