"""After-delivery follow-up (交车回访): was each delivered customer called within ``sales.followup_within_days``?

Retail cars only: a fleet deal (大客户) has no individual customer to call.

For a car delivered on day ``d`` the call is due by ``d + N`` (N = ``followup_within_days``). On the report's day
``as_of`` each car delivered in the window is:

- ``on_time`` — called on or before the due day (a call dated after ``as_of`` is not yet known);
- ``late`` — called, but after the due day;
- ``overdue`` — not called and the due day has passed: the call list;
- ``not_yet_due`` — not called and still within its N days.

On-time rate = on_time ÷ (cars delivered − not_yet_due): cars still inside their window are neither success nor
failure yet. :func:`followup_status` is the one place these are counted; the table per consultant and the overdue
list both use it.
"""

from __future__ import annotations

import pandas as pd

from kit.exceptions import DataContractError
from kit.sales.ledger import prepare_orders

STATUSES = ("on_time", "late", "overdue", "not_yet_due")


def followup_status(orders: pd.DataFrame, *, start: object, end: object, as_of: object,
                    within_days: int = 3) -> pd.DataFrame:
    """One row per car delivered in ``[start, end]`` with its follow-up status on ``as_of``.

    Parameters
    ----------
    orders : DataFrame
        The order ledger with a ``followup_at`` column.
    start, end : date-like
        The deliveries looked at.
    as_of : date-like
        The report's day: calls after it are not yet known.
    within_days : int
        Days after delivery the call is due by.

    Returns
    -------
    DataFrame
        The ledger's rows for those cars plus due_at, followup_status (see :data:`STATUSES`) and days_overdue
        (days past the due day for overdue cars, else 0).

    Raises
    ------
    DataContractError
        The ledger has no ``followup_at`` column (check :func:`has_followups` first).
    """
    o = orders if "retail" in orders.columns else prepare_orders(orders)
    if "followup_at" not in o.columns:
        raise DataContractError("orders: no column followup_at (交车回访日期); the after-delivery follow-up needs it.")
    start, end, day = (pd.Timestamp(x).normalize() for x in (start, end, as_of))
    cars = o.loc[(o["delivered_at"] >= start) & (o["delivered_at"] <= end) & o["retail"].astype(bool)].copy()
    cars["due_at"] = cars["delivered_at"] + pd.Timedelta(days=int(within_days))
    called = cars["followup_at"].notna() & (cars["followup_at"] <= day)
    status = pd.Series("not_yet_due", index=cars.index, dtype=object)
    status[called & (cars["followup_at"] <= cars["due_at"])] = "on_time"
    status[called & (cars["followup_at"] > cars["due_at"])] = "late"
    status[~called & (cars["due_at"] < day)] = "overdue"
    cars["followup_status"] = status
    cars["days_overdue"] = ((day - cars["due_at"]).dt.days.where(status == "overdue", 0)).astype("int64")
    return cars


def has_followups(orders: pd.DataFrame | None) -> bool:
    """Whether the ledger records the after-delivery call (a ``followup_at`` column with at least one date)."""
    return orders is not None and "followup_at" in orders.columns and bool(orders["followup_at"].notna().any())


def followup_by_consultant(status: pd.DataFrame) -> pd.DataFrame:
    """Per consultant: deliveries_units, on_time_units, late_units, overdue_units, not_yet_due_units, on_time_rate.

    Parameters
    ----------
    status : DataFrame
        :func:`followup_status`'s result.

    Returns
    -------
    DataFrame
        One row per consultant with retail deliveries, sorted by overdue cars.
    """
    cols = ["consultant_id", "deliveries_units", *[f"{s}_units" for s in STATUSES], "on_time_rate"]
    if status.empty:
        return pd.DataFrame(columns=cols)
    counts = pd.crosstab(status["consultant_id"], status["followup_status"]).reindex(columns=list(STATUSES),
                                                                                    fill_value=0)
    out = counts.rename(columns={s: f"{s}_units" for s in STATUSES})
    out.insert(0, "deliveries_units", counts.sum(axis=1))
    judged = out["deliveries_units"] - out["not_yet_due_units"]
    out["on_time_rate"] = (out["on_time_units"] / judged.where(judged > 0)).astype(float)
    out = out.reset_index().sort_values(["overdue_units", "consultant_id"], ascending=[False, True])
    return out[cols].reset_index(drop=True)


def overdue_list(status: pd.DataFrame) -> pd.DataFrame:
    """The cars whose after-delivery call is overdue, most overdue first (personal columns unmasked: mask to show).

    Returns
    -------
    DataFrame
        order_id, delivered_at, due_at, days_overdue, consultant_id, store_id, model, and customer_name / phone when
        the ledger has them.
    """
    cols = ["order_id", "delivered_at", "due_at", "days_overdue", "consultant_id", "store_id", "model"]
    cols += [c for c in ("customer_name", "phone") if c in status.columns]
    late = status.loc[status["followup_status"] == "overdue"] if not status.empty else status
    return late.sort_values(["days_overdue", "order_id"], ascending=[False, True])[cols].reset_index(drop=True)
