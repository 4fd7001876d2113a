"""Plain checks on the month's data: each a count, out of how many, and whether it needs attention.

The checks look for what makes other reports wrong without being an error in any one file: open leads nobody has
contacted, a month without new leads (a missing export), leads nobody owns, staff without a department, consultants
missing from the KPI sheet, models sold without a stock row. Each check is a code (``kit/catalog/health.yml``
names it and says what it means).
"""

from __future__ import annotations

import pandas as pd

from kit.io import Dealer

#: More than this share of open leads without any follow-up needs attention (a few are registered on the last day).
UNCONTACTED_SHARE = 0.05
#: Models sold in this many months up to the report month must have a stock row.
RECENT_SALES_MONTHS = 3
#: The role whose members are scored on the KPI sheet.
CONSULTANT_ROLE = "sales_consultant"

CHECK_COLUMNS = ["check", "count", "out_of", "share", "attention"]


def _row(check: str, count: int, out_of: int | None, attention: bool) -> dict:
    """One check; ``out_of`` None when the count is not a part of a whole (then there is no share either)."""
    return {"check": check, "count": int(count), "out_of": pd.NA if out_of is None else int(out_of),
            "share": count / out_of if out_of else float("nan"), "attention": bool(attention)}


def open_leads_at(leads: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Leads registered on or before ``day`` and still open at its end (open now, or closed after it)."""
    still_open = (leads["status"] == "open").fillna(False) | (leads["closed_at"] > day).fillna(False)
    return leads[(leads["created_at"] <= day) & still_open]


def data_checks(dealer: Dealer, *, month: str) -> pd.DataFrame:
    """The month's checks: ``check`` (code), ``count``, ``out_of``, ``share`` and ``attention`` (True when the
    count needs a word with whoever keeps the records)."""
    period = pd.Period(month, freq="M")
    month_end = period.to_timestamp(how="end").normalize()
    next_month = month_end + pd.Timedelta(days=1)
    leads, followups, staff = dealer.tables["leads"], dealer.tables["followups"], dealer.tables["staff"]
    rows = []

    open_leads = open_leads_at(leads, month_end)
    contacted = set(followups.loc[followups["at"] < next_month, "lead_id"])
    uncontacted = int((~open_leads["lead_id"].isin(contacted)).sum())
    rows.append(_row("open_leads_without_followup", uncontacted, len(open_leads),
                     len(open_leads) > 0 and uncontacted / len(open_leads) > UNCONTACTED_SHARE))
    new = int((leads["created_at"].dt.to_period("M") == period).sum())
    rows.append(_row("leads_registered", new, None, new == 0))
    unassigned = int(leads["consultant_id"].isna().sum())
    rows.append(_row("leads_without_consultant", unassigned, len(leads), unassigned > 0))
    employed = staff[(staff["hire_date"] <= month_end)
                     & (staff["leave_date"].isna() | (staff["leave_date"] > month_end))]
    no_department = int(employed["department"].isna().sum())
    rows.append(_row("staff_without_department", no_department, len(employed), no_department > 0))
    rows.append(_row("open_leads_without_grade", int(open_leads["grade"].isna().sum()), len(open_leads), False))
    kpi = dealer.tables.get("kpi")
    if kpi is not None:
        consultants = employed.loc[(employed["role"] == CONSULTANT_ROLE).fillna(False), "staff_id"]
        scored = set(kpi.loc[kpi["month"] == month, "staff_id"])
        unscored = int((~consultants.isin(scored)).sum())
        rows.append(_row("consultants_without_kpi", unscored, len(consultants), unscored > 0))
    sales, stock = dealer.tables.get("sales"), dealer.tables.get("stock")
    if sales is not None and stock is not None:
        first = str(period - (RECENT_SALES_MONTHS - 1))
        recent = sales.loc[(sales["month"] >= first) & (sales["month"] <= month), ["store_id", "model"]]
        recent = recent.drop_duplicates()
        stocked = recent.merge(stock[["store_id", "model"]].drop_duplicates(), how="left", indicator=True)
        no_stock = int((stocked["_merge"] == "left_only").sum())
        rows.append(_row("models_without_stock", no_stock, len(recent), no_stock > 0))
    out = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    out["out_of"] = out["out_of"].astype("Int64")
    return out
