"""Data health: what arrived for a month, what is missing, and what looks wrong (the batch's first report)."""

from __future__ import annotations

import pandas as pd

from kit.io import Dealer

#: The date column that places each table's rows in time.
TIME_COLUMNS = {"leads": "created_at", "followups": "at", "staff": "hire_date", "kpi": "month", "sales": "month",
                "stock": "as_of", "traffic": "date", "grade_log": "at"}


def _months(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.to_period("M")
    return pd.PeriodIndex(series.astype(str), freq="M").to_series(index=series.index)


def table_overview(dealer: Dealer, *, month: str) -> pd.DataFrame:
    """One row per table: file, rows, stores, first and last date, rows in ``month``."""
    period = pd.Period(month, freq="M")
    rows = []
    for name, frame in dealer.tables.items():
        col = TIME_COLUMNS.get(name)
        months = _months(frame[col].dropna()) if col and col in frame else pd.Series(dtype="period[M]")
        stores = frame["store_id"].nunique() if "store_id" in frame else None
        rows.append({
            "table": name,
            "file": dealer.files[name].name if name in dealer.files else "",
            "rows": len(frame),
            "stores": stores,
            "first": str(months.min()) if len(months) else "",
            "last": str(months.max()) if len(months) else "",
            "rows_in_month": int((months == period).sum()) if len(months) else 0,
        })
    out = pd.DataFrame(rows)
    out["stores"] = out["stores"].astype("Int64")  # a count, empty for tables without store_id
    return out


def rows_by_store(dealer: Dealer, *, month: str, months: int = 12) -> pd.DataFrame:
    """Rows per table, store and month for the last ``months`` months (wide: one column per month)."""
    end = pd.Period(month, freq="M")
    window = pd.period_range(end - months + 1, end, freq="M")
    parts = []
    for name in ("leads", "followups", "sales", "kpi", "traffic"):
        frame = dealer.tables.get(name)
        if frame is None or frame.empty:
            continue
        col = TIME_COLUMNS[name]
        if name == "followups":
            stores = dealer.tables["leads"].set_index("lead_id")["store_id"]
            store = frame["lead_id"].map(stores)
        elif name == "kpi":
            staff = dealer.tables.get("staff")
            store = frame["staff_id"].map(staff.set_index("staff_id")["store_id"]) if staff is not None else "all"
        else:
            store = frame["store_id"]
        counts = (pd.DataFrame({"table": name, "store_id": store, "month": _months(frame[col])})
                  .query("month in @window").groupby(["table", "store_id", "month"]).size())
        parts.append(counts)
    if not parts:
        return pd.DataFrame()
    wide = pd.concat(parts).unstack("month").reindex(columns=window).fillna(0).astype(int)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def missing_months(dealer: Dealer, *, month: str) -> pd.DataFrame:
    """Months with no rows inside each table's own span (per store), up to ``month``: gaps in the exports."""
    end = pd.Period(month, freq="M")
    rows = []
    for name in ("leads", "sales", "kpi", "traffic"):
        frame = dealer.tables.get(name)
        if frame is None or frame.empty:
            continue
        col = TIME_COLUMNS[name]
        if "store_id" in frame:
            groups = frame.groupby("store_id")
        else:
            groups = [("all", frame)]
        for store, part in groups:
            present = set(_months(part[col].dropna()))
            if not present:
                continue
            span = pd.period_range(min(present), end, freq="M")
            gaps = [str(p) for p in span if p not in present]
            if gaps:
                rows.append({"table": name, "store_id": store, "missing_months": ", ".join(gaps),
                             "n_missing": len(gaps)})
    return pd.DataFrame(rows, columns=["table", "store_id", "missing_months", "n_missing"])


def data_checks(dealer: Dealer, *, month: str) -> pd.DataFrame:
    """Plain-language checks for the month: each with a count and whether it needs attention."""
    period = pd.Period(month, freq="M")
    month_end = period.to_timestamp(how="end").normalize()
    leads, followups, staff = dealer.tables["leads"], dealer.tables["followups"], dealer.tables["staff"]
    checks = []

    def add(check: str, count: int, total: int, attention: bool, what: str):
        checks.append({"check": check, "count": int(count), "out_of": int(total),
                       "share": (count / total) if total else None, "attention": bool(attention), "meaning": what})

    open_leads = leads[(leads["created_at"] <= month_end)
                       & ((leads["status"] == "open") | (leads["closed_at"] > month_end))]
    contacted = set(followups.loc[followups["at"] <= month_end + pd.Timedelta(days=1), "lead_id"])
    no_fu = ~open_leads["lead_id"].isin(contacted)
    add("open leads without any follow-up", no_fu.sum(), len(open_leads), no_fu.mean() > 0.05 if len(open_leads)
        else False, "prospects nobody has contacted since registration")
    new = leads[leads["created_at"].dt.to_period("M") == period]
    add("leads registered this month", len(new), len(new), len(new) == 0, "a month with no new leads is "
        "almost always a missing export")
    add("leads without a consultant", leads["consultant_id"].isna().sum(), len(leads),
        leads["consultant_id"].isna().any(), "cannot be assigned to a call list")
    employed = staff[(staff["hire_date"] <= month_end) & (staff["leave_date"].isna() | (staff["leave_date"] > month_end))]
    add("current staff without a department", employed["department"].isna().sum(), len(employed),
        employed["department"].isna().any(), "excluded from department turnover rates")
    no_grade = open_leads["grade"].isna().sum()
    add("open leads without a consultant grade", no_grade, len(open_leads), False,
        "the grade audit cannot compare these")
    kpi = dealer.tables.get("kpi")
    if kpi is not None:
        consultants = employed[employed["role"] == "sales_consultant"]["staff_id"]
        with_kpi = set(kpi.loc[kpi["month"] == month, "staff_id"])
        missing = ~consultants.isin(with_kpi)
        add("consultants without KPI rows this month", missing.sum(), len(consultants), missing.any(),
            "not scored on the scorecard")
    sales, stock = dealer.tables.get("sales"), dealer.tables.get("stock")
    if sales is not None and stock is not None:
        recent = sales[sales["month"] > str(period - 3)][["store_id", "model"]].drop_duplicates()
        merged = recent.merge(stock[["store_id", "model"]], how="left", indicator=True)
        gap = (merged["_merge"] == "left_only").sum()
        add("models sold recently without a stock row", gap, len(recent), gap > 0,
            "the order plan assumes zero stock for them")
    return pd.DataFrame(checks)


def validation_warnings(dealer: Dealer) -> pd.DataFrame:
    """The loader's warnings (unknown columns, unknown consultants …) as a table."""
    rows = [{"file": p.file, "column": p.column, "rows": len(p.rows), "expected": p.expected, "found": p.found}
            for p in dealer.warnings]
    return pd.DataFrame(rows, columns=["file", "column", "rows", "expected", "found"])
