"""Backtest an ordering policy month by month on past sales: lost sales and months of stock.

Each simulated month ``t``: at the end of month ``t − 1`` the policy sees the sales up to then, the stock on hand
and in transit (and, for the dealer rule, the open customer orders) and orders for each store and model; the order
arrives at the start of month ``t − 1 + lead_time_months``; in month ``t`` the store sells
``min(stock, demand)`` and loses the rest (demand = the deliveries that happened, so a month that really ran out
understates demand for every policy alike). The first month starts with ``start_cover_months`` × the average of
the three months before, in whole cars, and nothing in transit, the same for every policy.

Policies:

* ``"kit"``: the reconciled forecast (:func:`~kit.forecast.hierarchy.reconcile`) and the order plan
  (:func:`~kit.forecast.ordering.order_plan`), firm month only;
* ``"dealer_rule"``: the common dealer-system rule (DOMAIN.md §5.2, Gain DMS): the purchase forecast is the
  average of the last 3 months plus open customer orders, and the order brings stock on hand and in transit up
  to it: ``max(0, round(average of the last 3 months + open orders − on hand − in transit))``;
* a callable ``policy(history, stock, open_orders, settings) -> Series`` (orders by ``store/model`` id), for
  comparing any other rule.

:func:`policy_summary` turns the monthly rows into lost sales and cover: months of stock is CADA's backward
库存系数, a store's month-end stock ÷ its sales in the month (DOMAIN.md §5.1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, InsufficientDataError
from kit.forecast.data import _check_horizon, _clean_series, _ordinal_to_timestamps
from kit.forecast.hierarchy import hierarchy_levels
from kit.forecast.series import ID_SEPARATOR
from kit.forecast.settings import OrderPlanSettings

Policy = Callable[[pd.DataFrame, pd.DataFrame, pd.Series, OrderPlanSettings], pd.Series]


def _kit_policy(history: pd.DataFrame, stock: pd.DataFrame, open_orders: pd.Series,
                settings: OrderPlanSettings, **options: Any) -> pd.Series:
    from kit.forecast.hierarchy import reconcile
    from kit.forecast.ordering import order_plan

    fc = reconcile(history, settings.forecast_months_needed, **options)
    plan = order_plan(fc, stock, settings)
    firm = plan[(plan["months_ahead"] == 1) & (plan["level"] == "store_model")]
    return firm.set_index("unique_id")["suggested_order_units"].astype(float)


def _dealer_rule(history: pd.DataFrame, stock: pd.DataFrame, open_orders: pd.Series,
                 settings: OrderPlanSettings) -> pd.Series:
    last = history.sort_values("ds").groupby("unique_id")["y"].apply(lambda v: float(np.mean(v.to_numpy()[-3:])))
    positions = stock.set_index("unique_id")
    available = positions["on_hand"] + positions["in_transit"]
    wanted = last + open_orders.reindex(last.index).fillna(0.0)
    return np.maximum(np.floor(wanted - available.reindex(last.index).fillna(0.0) + 0.5), 0.0)


def order_policy_backtest(series: pd.DataFrame, *, months: int = 12,
                          settings: OrderPlanSettings | Mapping[str, Any] | None = None,
                          policy: str | Policy = "kit", open_orders: pd.DataFrame | None = None,
                          start_cover_months: float = 1.0, forecast_options: Mapping[str, Any] | None = None
                          ) -> pd.DataFrame:
    """Simulate an ordering policy over the last ``months`` months of ``series``.

    Parameters
    ----------
    series : DataFrame
        :func:`sales_series` output (``unique_id, ds, y`` with ``store/model`` ids); totals are ignored.
    months : int, default 12
        Months simulated (the last ones of the data).
    settings : OrderPlanSettings or mapping, optional
        Lead time, line, service level … (defaults when None).
    policy : {"kit", "dealer_rule"} or callable, default "kit"
        See the module docstring.
    open_orders : DataFrame, optional
        ``unique_id, ds, open_orders``: customer orders not yet delivered at each month's end (for the dealer
        rule); 0 when absent.
    start_cover_months : float, default 1.0
        Stock at the start, in months of the three months' average sales before the first simulated month.
    forecast_options : mapping, optional
        Passed to :func:`reconcile` by the kit policy (e.g. ``{"method": "bottom_up"}``).

    Returns
    -------
    DataFrame
        One row per month and store × model: ``ds, unique_id, store_id, model, demand_units, order_units``
        (placed at the end of the month before), ``arrived_units, sales_units, lost_units, stock_end_units``.

    Raises
    ------
    InsufficientDataError
        Fewer than ``months`` + 6 months of data.
    """
    months = _check_horizon(months, "months")
    settings = OrderPlanSettings.coerce(settings)
    if isinstance(policy, str):
        if policy not in ("kit", "dealer_rule"):
            raise ConfigError(f"policy: expected 'kit', 'dealer_rule' or a function; got {policy!r}.")
        options = dict(forecast_options or {})
        chosen: Policy = _dealer_rule if policy == "dealer_rule" else (
            lambda h, s, o, st: _kit_policy(h, s, o, st, **options))
    elif callable(policy):
        chosen = policy
    else:
        raise ConfigError(f"policy: expected 'kit', 'dealer_rule' or a function; got {type(policy).__name__}.")
    frame = _clean_series(series, fill_missing=True, what="series")
    levels = hierarchy_levels(frame["unique_id"].unique())
    frame = frame[frame["unique_id"].isin(levels.index[levels == "store_model"])]
    end = int(frame["t"].max())
    first = end - months + 1
    if first - 6 < int(frame["t"].min()):
        raise InsufficientDataError(f"order policy backtest: {months} months need at least {months + 6} months of "
                                    f"sales; the data spans {end - int(frame['t'].min()) + 1}.")
    ids = np.array(sorted(frame["unique_id"].unique()), dtype=object)
    demand = frame.pivot(index="t", columns="unique_id", values="y").reindex(columns=ids).fillna(0.0)
    backlog = pd.DataFrame(0.0, index=demand.index, columns=ids)
    if open_orders is not None:
        extra = _clean_series(open_orders.rename(columns={"open_orders": "y"}), fill_missing=True,
                              what="open_orders")
        backlog = extra.pivot(index="t", columns="unique_id", values="y").reindex(
            index=demand.index, columns=ids).fillna(0.0)
    start = demand.loc[first - 3:first - 1].mean(axis=0).to_numpy()
    on_hand = np.floor(start_cover_months * start + 0.5)
    pipeline: dict[int, np.ndarray] = {}
    rows = []
    for t in range(first, end + 1):
        history = frame[frame["t"] <= t - 1]
        in_transit = sum((arrivals for month, arrivals in pipeline.items() if month >= t), np.zeros(len(ids)))
        stock = pd.DataFrame({"unique_id": ids, "on_hand": on_hand, "in_transit": in_transit})
        history_frame = history.assign(ds=_ordinal_to_timestamps(history["t"].to_numpy()))[["unique_id", "ds", "y"]]
        orders = chosen(history_frame, stock, backlog.loc[t - 1], settings)
        order = np.maximum(np.asarray(pd.Series(orders).reindex(ids).fillna(0.0), dtype=float), 0.0)
        arrival_month = t - 1 + settings.lead_time_months
        pipeline[arrival_month] = pipeline.get(arrival_month, np.zeros(len(ids))) + order
        arrived = pipeline.pop(t, np.zeros(len(ids)))
        available = on_hand + arrived
        wanted = demand.loc[t].to_numpy()
        sales = np.minimum(available, wanted)
        on_hand = available - sales
        rows.append(pd.DataFrame({"t": t, "unique_id": ids, "demand_units": wanted, "order_units": order,
                                  "arrived_units": arrived, "sales_units": sales, "lost_units": wanted - sales,
                                  "stock_end_units": on_hand}))
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "ds", _ordinal_to_timestamps(out.pop("t").to_numpy()))
    split = out["unique_id"].str.split(ID_SEPARATOR, n=1, expand=True)
    out.insert(2, "store_id", split[0])
    out.insert(3, "model", split[1])
    return out


def policy_summary(detail: pd.DataFrame, *, warning_stock_months: float = 1.5) -> pd.DataFrame:
    """Lost sales and months of stock of :func:`order_policy_backtest` rows (several policies: a ``policy`` column).

    Returns
    -------
    DataFrame
        Per policy (when a ``policy`` column is present): ``demand_units, lost_units, lost_pct`` (of demand),
        ``orders_units, average_stock_units`` (store × model month-end stock, summed over the group, mean over
        months), ``months_of_stock`` (mean over store-months of month-end stock ÷ the month's sales: CADA's
        库存系数) and ``store_months_over_line_pct`` (store-months with 库存系数 above ``warning_stock_months``).
    """
    keys = ["policy"] if "policy" in detail.columns else []
    store = detail.groupby(keys + ["ds", "store_id"], as_index=False)[["demand_units", "stock_end_units",
                                                                       "sales_units"]].sum()
    store["cover"] = np.where(store["sales_units"] > 0, store["stock_end_units"] / store["sales_units"].where(
        store["sales_units"] > 0, 1.0), np.where(store["stock_end_units"] > 0, np.inf, 0.0))
    finite = store["cover"].replace(np.inf, np.nan)
    store["over"] = store["cover"] > warning_stock_months
    group = detail.groupby(keys + ["ds"], as_index=False)["stock_end_units"].sum()
    frames = {
        "demand_units": detail.groupby(keys)["demand_units"].sum() if keys else detail["demand_units"].sum(),
        "lost_units": detail.groupby(keys)["lost_units"].sum() if keys else detail["lost_units"].sum(),
        "orders_units": detail.groupby(keys)["order_units"].sum() if keys else detail["order_units"].sum(),
        "average_stock_units": group.groupby(keys)["stock_end_units"].mean() if keys
        else group["stock_end_units"].mean(),
        "months_of_stock": finite.groupby(store["policy"]).mean() if keys else finite.mean(),
        "store_months_over_line_pct": 100 * store.groupby(keys)["over"].mean() if keys else 100 * store["over"].mean(),
    }
    out = pd.DataFrame(frames) if keys else pd.DataFrame({k: [v] for k, v in frames.items()})
    out["lost_pct"] = 100 * out["lost_units"] / out["demand_units"].where(out["demand_units"] > 0)
    out = out.reset_index() if keys else out
    return out[keys + ["demand_units", "lost_units", "lost_pct", "orders_units", "average_stock_units",
                       "months_of_stock", "store_months_over_line_pct"]]
