"""The order and delivery ledger (订单交车台账): deliveries, orders, cancellations, gross profit and attached income.

Input is the ``orders`` table of the data contract (:data:`kit.schemas.ORDERS`). Every count is for a window of days
``[start, end]`` (both inclusive), using only what had happened by ``end``:

- a car is *delivered* in the window when ``delivered_at`` falls in it; gross profit and attached income are booked
  at delivery (the invoice);
- *orders placed* counts ``ordered_at`` in the window, *cancellations* ``cancelled_at`` in the window (of any order),
  and *net orders* = placed − cancelled, the DMS 新增订单 − 退订 flow, so days add up to weeks and months;
- *open orders* (订单储备) are ordered by ``end`` and neither delivered nor cancelled by then: they can still be
  cancelled, which is why a period's orders are never final.

Penetration (DOMAIN §2.1) = retail cars delivered with the product ÷ retail cars delivered; income per car = the
retail cars' income ÷ retail cars delivered; gross profit per car (单车毛利) likewise over retail cars with a known gross
profit. Fleet deals (``sale_type`` fleet, 大客户) count in deliveries and totals but not in these shares; without a
``sale_type`` column every car is retail. An income column that is absent, or present but empty on every row, is not
shown; an empty or zero income on a row means the car was sold without the product.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from kit.exceptions import DataContractError
from kit.sales.settings import PRODUCTS

#: Income column of each attached product.
INCOME_COLUMNS = {"accessories": "accessories_income", "insurance": "insurance_income",
                  "finance": "finance_income", "warranty": "warranty_income", "trade_in": "trade_in_income"}
#: Group label of orders without a consultant (fleet deals sold by management).
NO_CONSULTANT = "no_consultant"
REQUIRED = ("order_id", "store_id", "ordered_at", "delivered_at", "model", "consultant_id")
GROUPS = ("store_id", "consultant_id", "model", "sale_type")


def _ids(frame: pd.DataFrame, mask: pd.Series, limit: int = 5) -> str:
    ids = frame.loc[mask, "order_id"].astype(str).tolist()
    more = f" … ({len(ids)} orders)" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


def prepare_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise the order ledger: dates at midnight, empty consultants labelled, product flags added.

    Parameters
    ----------
    orders : DataFrame
        Contract ``kit.schemas.ORDERS``; at least order_id, store_id, ordered_at, delivered_at, model, consultant_id.

    Returns
    -------
    DataFrame
        A copy with ``cancelled_at`` (all empty when the export has none), ``retail`` (bool), ``consultant_id``
        filled with :data:`NO_CONSULTANT`, and ``has_<product>`` flags for the products present.

    Raises
    ------
    DataContractError
        A missing column, a delivery or cancellation dated before its order, or an order both delivered and
        cancelled; the message names the order ids.
    """
    missing = [c for c in REQUIRED if c not in orders.columns]
    if missing:
        raise DataContractError(f"orders: missing column {', '.join(missing)}; the sales summary needs "
                                f"{', '.join(REQUIRED)} (see docs/DATA_CONTRACT.md).")
    out = orders.copy()
    for col in ("ordered_at", "delivered_at", "cancelled_at", "followup_at"):
        if col in out.columns:
            out[col] = pd.to_datetime(out[col], errors="coerce").dt.normalize()
    if "cancelled_at" not in out.columns:
        out["cancelled_at"] = pd.NaT
    checks = [
        (out["ordered_at"].isna(), "ordered_at", "an order date on every order", "empty"),
        (out["delivered_at"] < out["ordered_at"], "delivered_at", "a delivery on or after the order date",
         "an earlier date"),
        (out["cancelled_at"] < out["ordered_at"], "cancelled_at", "a cancellation on or after the order date",
         "an earlier date"),
        (out["cancelled_at"].notna() & out["delivered_at"].notna(), "cancelled_at",
         "a cancellation only on orders not delivered (a returned car is a new entry, not a cancellation)",
         "both a delivery and a cancellation date"),
    ]
    for mask, column, expected, found in checks:
        if mask.any():
            raise DataContractError(f"orders, column {column}: expected {expected}; got {found} on order "
                                    f"{_ids(out, mask)}.")
    out["consultant_id"] = out["consultant_id"].astype("object").where(out["consultant_id"].notna(), NO_CONSULTANT)
    out["consultant_id"] = out["consultant_id"].astype(str)
    if "sale_type" in out.columns:
        out["retail"] = (out["sale_type"].astype("object") != "fleet").to_numpy()
    else:
        out["retail"] = True
    for product in products(out):
        income = INCOME_COLUMNS[product]
        if product == "trade_in" and _filled("trade_in", out):
            flag = out["trade_in"].astype("boolean").fillna(False).astype(bool)
        else:
            flag = pd.to_numeric(out[income], errors="coerce").fillna(0) > 0
        out[f"has_{product}"] = flag.to_numpy()
    return out


def _filled(column: str, frame: pd.DataFrame) -> bool:
    return column in frame.columns and bool(frame[column].notna().any())


def products(orders: pd.DataFrame) -> list[str]:
    """The attached products the ledger carries: an income column with at least one value (trade-in also by flag)."""
    return [p for p in PRODUCTS if _filled(INCOME_COLUMNS[p], orders) or (p == "trade_in" and _filled("trade_in",
                                                                                                     orders))]


def income_products(orders: pd.DataFrame) -> list[str]:
    """The products whose income is in the ledger (trade-in may be known only as a yes/no flag)."""
    return [p for p in PRODUCTS if _filled(INCOME_COLUMNS[p], orders)]


def _window(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    return ((dates >= start) & (dates <= end)).fillna(False)


def summarize(orders: pd.DataFrame, *, start: object, end: object, by: str | Sequence[str] | None = None
              ) -> pd.DataFrame:
    """Deliveries, orders, cancellations, open orders, gross profit and attached income for ``[start, end]``.

    Parameters
    ----------
    orders : DataFrame
        The order ledger (contract ``kit.schemas.ORDERS``), raw or from :func:`prepare_orders`.
    start, end : date-like
        First and last day of the window, inclusive.
    by : str or list of str, optional
        store_id, consultant_id, model and/or sale_type; None gives one row for the whole dealership.

    Returns
    -------
    DataFrame
        The ``by`` columns, then deliveries_units, fleet_deliveries_units (with a sale_type column),
        orders_placed_units, cancellations_units, net_orders_units, open_orders_units, gross_profit_cny and
        gross_profit_per_unit_cny (with a gross_profit column), and per product present <product>_income_cny,
        <product>_units (retail cars with it), <product>_penetration_rate, <product>_income_per_unit_cny. Groups
        with nothing in the window and no open order are left out; a whole-dealership row is always returned.
    """
    o = orders if "retail" in orders.columns else prepare_orders(orders)
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    keys = [by] if isinstance(by, str) else list(by or [])
    for key in keys:
        if key not in GROUPS:
            raise ValueError(f"by: expected one or more of {', '.join(GROUPS)}; got {key!r}.")
        if key not in o.columns:
            raise DataContractError(f"orders: missing column {key} needed to group by it.")
    delivered = _window(o["delivered_at"], start, end)
    retail = o["retail"].astype(bool)
    c = pd.DataFrame(index=o.index)
    c["deliveries_units"] = delivered
    if "sale_type" in o.columns:
        c["fleet_deliveries_units"] = delivered & ~retail
    c["orders_placed_units"] = _window(o["ordered_at"], start, end)
    c["cancellations_units"] = _window(o["cancelled_at"], start, end)
    c["open_orders_units"] = ((o["ordered_at"] <= end) & ~(o["delivered_at"] <= end).fillna(False)
                              & ~(o["cancelled_at"] <= end).fillna(False)).fillna(False)
    c["_retail_units"] = delivered & retail
    has_gp = _filled("gross_profit", o)
    if has_gp:
        gp = pd.to_numeric(o["gross_profit"], errors="coerce")
        c["gross_profit_cny"] = gp.where(delivered, 0.0).fillna(0.0)
        c["_retail_gp"] = gp.where(delivered & retail, 0.0).fillna(0.0)
        c["_retail_gp_units"] = delivered & retail & gp.notna()
    with_income = income_products(o)
    for product in products(o):
        if product in with_income:
            income = pd.to_numeric(o[INCOME_COLUMNS[product]], errors="coerce").fillna(0.0)
            c[f"{product}_income_cny"] = income.where(delivered, 0.0)
            c[f"_{product}_retail_income"] = income.where(delivered & retail, 0.0)
        c[f"{product}_units"] = delivered & retail & o[f"has_{product}"].astype(bool)
    c = c.astype(float)
    active = (c[[col for col in c.columns if col.endswith("_units") and not col.startswith("_")]] != 0).any(axis=1)
    if keys:
        grouped = c.loc[active].groupby([o.loc[active, k].astype(str) for k in keys], sort=True).sum()
        grouped.index.names = keys
        sums = grouped.reset_index()
    else:
        sums = c.sum().to_frame().T
    out = sums[keys].copy() if keys else pd.DataFrame(index=sums.index)
    retail_units = sums["_retail_units"]
    for col in ("deliveries_units", "fleet_deliveries_units", "orders_placed_units", "cancellations_units"):
        if col in sums.columns:
            out[col] = sums[col].astype("int64")
    out["net_orders_units"] = (sums["orders_placed_units"] - sums["cancellations_units"]).astype("int64")
    out["open_orders_units"] = sums["open_orders_units"].astype("int64")
    if has_gp:
        out["gross_profit_cny"] = sums["gross_profit_cny"]
        out["gross_profit_per_unit_cny"] = _ratio(sums["_retail_gp"], sums["_retail_gp_units"])
    for product in products(o):
        if product in with_income:
            out[f"{product}_income_cny"] = sums[f"{product}_income_cny"]
        out[f"{product}_units"] = sums[f"{product}_units"].astype("int64")
        out[f"{product}_penetration_rate"] = _ratio(sums[f"{product}_units"], retail_units)
        if product in with_income:
            out[f"{product}_income_per_unit_cny"] = _ratio(sums[f"_{product}_retail_income"], retail_units)
    return out.reset_index(drop=True)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    den = denominator.astype(float)
    return (numerator.astype(float) / den.where(den > 0)).astype(float)


def credited(orders: pd.DataFrame, *, start: object, end: object, basis: str = "orders",
             by: str | Sequence[str] = "consultant_id") -> pd.DataFrame:
    """What a consultant is credited with in ``[start, end]``: cars and gross profit on the kpi sheet's basis.

    Parameters
    ----------
    orders : DataFrame
        The order ledger.
    basis : {"orders", "signed_orders", "deliveries"}
        ``orders``: net orders (placed − cancelled in the window) and their gross profit (a cancelled order's is
        taken back); ``signed_orders``: orders placed in the window, whatever became of them later;
        ``deliveries``: cars delivered in the window and their gross profit.

    Returns
    -------
    DataFrame
        The ``by`` columns, credited_units, and credited_gross_profit_cny when the ledger has gross profit.
    """
    o = orders if "retail" in orders.columns else prepare_orders(orders)
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    keys = [by] if isinstance(by, str) else list(by)
    if basis == "orders":
        sign = _window(o["ordered_at"], start, end).astype(int) - _window(o["cancelled_at"], start, end).astype(int)
    elif basis == "signed_orders":
        sign = _window(o["ordered_at"], start, end).astype(int)
    elif basis == "deliveries":
        sign = _window(o["delivered_at"], start, end).astype(int)
    else:
        raise ValueError(f"basis: expected orders, signed_orders or deliveries; got {basis!r}.")
    c = pd.DataFrame({"credited_units": sign.astype(float)})
    if _filled("gross_profit", o):
        c["credited_gross_profit_cny"] = sign * pd.to_numeric(o["gross_profit"], errors="coerce").fillna(0.0)
    touched = (sign != 0) | _window(o["cancelled_at"], start, end)
    grouped = c.loc[touched].groupby([o.loc[touched, k].astype(str) for k in keys], sort=True).sum()
    grouped.index.names = keys
    out = grouped.reset_index()
    out["credited_units"] = out["credited_units"].astype("int64")
    return out


def daily(orders: pd.DataFrame, *, start: object, end: object) -> pd.DataFrame:
    """Per day of ``[start, end]``: deliveries_units and net_orders_units (every day listed, zeros included)."""
    o = orders if "retail" in orders.columns else prepare_orders(orders)
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    delivered = o["delivered_at"].value_counts().reindex(days, fill_value=0)
    placed = o["ordered_at"].value_counts().reindex(days, fill_value=0)
    cancelled = o["cancelled_at"].value_counts().reindex(days, fill_value=0)
    return pd.DataFrame({"date": days, "deliveries_units": delivered.to_numpy().astype("int64"),
                         "net_orders_units": (placed - cancelled).to_numpy().astype("int64")})


def first_day(orders: pd.DataFrame) -> pd.Timestamp | None:
    """The first order date in the ledger (earlier periods are not covered); None for an empty ledger."""
    if orders.empty:
        return None
    value = pd.to_datetime(orders["ordered_at"]).min()
    return None if pd.isna(value) else pd.Timestamp(value).normalize()

