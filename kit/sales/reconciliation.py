"""Do the order ledger's numbers agree with the monthly ``sales`` table and the consultants' ``kpi`` sheet?

The same facts arrive in three exports; a manager who sees 41 deliveries here and 43 in the monthly sales table
stops trusting both. :func:`reconcile` compares, per month:

- ``deliveries_vs_sales``: cars delivered per store × model (ledger) with ``sales.units``;
- ``orders_vs_sales``: orders placed per store × model with ``sales.orders`` (new orders, before cancellations);
- ``gross_profit_vs_sales``: gross profit of the cars delivered with ``sales.gross_profit``;
- ``consultant_units_vs_kpi``: each consultant's credited cars (``sales.consultant_units``: net orders, signed
  orders or deliveries) with ``kpi`` ``units_sold``;
- ``consultant_gross_profit_vs_kpi``: their credited gross profit with ``kpi`` ``gross_profit``.

Counts must be equal; money may differ by ``tolerance_cny`` (exports round). The data-health report shows
:func:`reconciliation_summary` and the disagreeing rows.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from kit.sales.ledger import NO_CONSULTANT, credited, prepare_orders, summarize

COLUMNS = ["check", "month", "store_id", "model", "consultant_id", "ledger_value", "other_value", "difference",
           "agrees"]
CHECKS = ("deliveries_vs_sales", "orders_vs_sales", "gross_profit_vs_sales", "consultant_units_vs_kpi",
          "consultant_gross_profit_vs_kpi")


def covered_months(orders: pd.DataFrame) -> list[str]:
    """Months the ledger covers completely: from the month after its first order to the month of its last event.

    The first order's month is left out: cars delivered in it may have been ordered before the ledger starts.
    """
    if orders is None or orders.empty:
        return []
    dates = pd.concat([pd.to_datetime(orders[c]) for c in ("ordered_at", "delivered_at", "cancelled_at")
                       if c in orders.columns]).dropna()
    first = pd.to_datetime(orders["ordered_at"]).min().to_period("M") + 1
    last = dates.max().to_period("M")
    return [str(p) for p in pd.period_range(first, last, freq="M")] if first <= last else []


def reconcile(orders: pd.DataFrame, *, sales: pd.DataFrame | None = None, kpi: pd.DataFrame | None = None,
              months: Iterable[str] | None = None, basis: str = "orders", tolerance_cny: float = 1.0
              ) -> pd.DataFrame:
    """Compare the ledger with ``sales`` and ``kpi`` month by month; one row per month × key × check.

    Parameters
    ----------
    orders : DataFrame
        The order ledger.
    sales, kpi : DataFrame, optional
        The monthly sales table and the kpi sheet; checks whose table is missing are skipped.
    months : iterable of str, optional
        ``YYYY-MM`` months to compare; default :func:`covered_months`.
    basis : {"orders", "signed_orders", "deliveries"}
        What the kpi sheet's units_sold counts (``sales.consultant_units``).
    tolerance_cny : float
        Largest difference in money still counted as agreeing.

    Returns
    -------
    DataFrame
        check, month, store_id, model, consultant_id (the keys that apply, else empty), ledger_value,
        other_value, difference (ledger − other), agrees. A key missing on one side counts as 0 there.
    """
    o = prepare_orders(orders)
    wanted = list(months) if months is not None else covered_months(o)
    frames = []
    for month in wanted:
        start = pd.Timestamp(f"{month}-01")
        end = (start + pd.offsets.MonthEnd(0)).normalize()
        if sales is not None and not sales.empty:
            ours = summarize(o, start=start, end=end, by=["store_id", "model"])
            theirs = sales.loc[sales["month"].astype(str).str[:7] == month].copy()
            theirs["store_id"] = theirs["store_id"].astype(str)
            theirs["model"] = theirs["model"].astype(str)
            pairs = [("deliveries_vs_sales", "deliveries_units", "units", False),
                     ("orders_vs_sales", "orders_placed_units", "orders", False),
                     ("gross_profit_vs_sales", "gross_profit_cny", "gross_profit", True)]
            for check, ours_col, their_col, money in pairs:
                if ours_col not in ours.columns or their_col not in theirs.columns \
                        or theirs[their_col].isna().all():
                    continue
                frames.append(_compare(check, month, ours, ours_col, theirs, their_col, ["store_id", "model"],
                                       tolerance_cny if money else 0.0))
        if kpi is not None and not kpi.empty:
            got = credited(o, start=start, end=end, basis=basis)
            got = got.loc[got["consultant_id"] != NO_CONSULTANT]
            k = kpi.loc[kpi["month"].astype(str).str[:7] == month]
            for check, ours_col, metric, money in (("consultant_units_vs_kpi", "credited_units", "units_sold", False),
                                                   ("consultant_gross_profit_vs_kpi", "credited_gross_profit_cny",
                                                    "gross_profit", True)):
                theirs = k.loc[k["metric"] == metric, ["staff_id", "actual"]].rename(
                    columns={"staff_id": "consultant_id"})
                if theirs.empty or ours_col not in got.columns:
                    continue
                theirs = theirs.assign(consultant_id=theirs["consultant_id"].astype(str))
                frames.append(_compare(check, month, got, ours_col, theirs, "actual", ["consultant_id"],
                                       tolerance_cny if money else 0.0))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    for col in ("store_id", "model", "consultant_id"):
        if col not in out.columns:
            out[col] = None
    return out[COLUMNS]


def _compare(check: str, month: str, ours: pd.DataFrame, ours_col: str, theirs: pd.DataFrame, their_col: str,
             keys: list[str], tolerance: float) -> pd.DataFrame:
    left = ours.groupby(keys)[ours_col].sum().rename("ledger_value")
    right = pd.to_numeric(theirs[their_col], errors="coerce").groupby([theirs[k] for k in keys]).sum()
    right = right.rename("other_value")
    both = pd.concat([left, right], axis=1).fillna(0.0).reset_index()
    both = both.rename(columns={f"level_{i}": k for i, k in enumerate(keys)})
    both["difference"] = both["ledger_value"] - both["other_value"]
    both["agrees"] = np.abs(both["difference"]) <= tolerance + 1e-9
    both.insert(0, "month", month)
    both.insert(0, "check", check)
    return both


def reconciliation_summary(result: pd.DataFrame) -> pd.DataFrame:
    """Per check: months and keys compared, how many disagree, and the ledger and other totals.

    Returns
    -------
    DataFrame
        check, compared, disagreeing, ledger_total, other_total, largest_difference — one row per check run.
    """
    cols = ["check", "compared", "disagreeing", "ledger_total", "other_total", "largest_difference"]
    if result.empty:
        return pd.DataFrame(columns=cols)
    g = result.groupby("check", sort=False)
    out = pd.DataFrame({"compared": g.size(), "disagreeing": g["agrees"].apply(lambda s: int((~s).sum())),
                        "ledger_total": g["ledger_value"].sum(), "other_total": g["other_value"].sum(),
                        "largest_difference": g["difference"].apply(lambda s: float(s.abs().max()))})
    out = out.reindex([c for c in CHECKS if c in out.index]).reset_index()
    return out[cols]
