"""The monthly order plan (要货计划): whole cars per store and model, under the store's stock-cover line.

For plan month ``k`` (1 = N+1, firm; 2, 3 = N+2, N+3, indicative), lead time ``L`` and each store and model:

========================= ===========================================================================================
term                      meaning
========================= ===========================================================================================
demand over the lead time ``μ`` = forecast of months ``k … k+L−1``; its spread ``σ² = Σ σ_month²``, ``σ_month`` =
                          (upper bound − forecast) ÷ z of the widest forecast interval (the calibrated 95 % one)
demand distribution       negative binomial with mean ``μ`` and variance ``max(σ², μ)`` (Poisson when ``σ² ≤ μ``)
target stock              ``target_stock_months`` × forecast of month ``k+L`` (stock carried into the month after)
service stock             the smallest whole number ``q`` with ``P(demand ≤ q) ≥ service_level``
needed                    ``max(q, μ + target stock)``: demand plus target stock, and at least the service stock;
                          shown as demand + target stock + ``safety`` (= ``max(0, q − μ − target stock)``)
position                  on hand + in transit + the plan's orders for earlier months − their forecast demand (≥ 0)
stock after               ``max(0, position + order − μ)``; stock depth after = stock after ÷ forecast of ``k+L``
store line                Σ stock after of the store's models ≤ ``warning_stock_months`` × Σ their forecast of ``k+L``
========================= ===========================================================================================

Orders are chosen store by store by **marginal allocation** (Fox, 1966, "Discrete optimization via marginal
analysis", Management Science 13(3)): starting from no order, repeatedly give one more car (or the OEM batch; the
first order of a model is at least its OEM minimum) to the model whose next car adds the most expected sales per
car of stock it leaves after the lead time — the expected sales of the ``j``-th car are ``P(demand > position +
j − 1)``, concave in stock, and the stock it leaves is the part of it above ``μ`` — as long as the model is still
short of *needed* and the store stays at or below its line. For single cars this is optimal up to the last car
(a concave objective under one linear budget). A model is flagged only where the plan cannot give both:

* ``service_level`` gave way: the model ends below its service stock because the next car (or batch) would take the
  store over its line; the reason names the cars short, the service level reached and the depth the store would
  have had;
* ``stock_line`` gave way: the store is over its line before any order (stock on hand and in transit), and this
  model's own stock is above the line; nothing can be ordered away, so the line gives way until it sells.

Store rows (``S1/ALL``), model rows over all stores (``ALL/Aurora``) and the group row (``ALL/ALL``) are sums of the
store × model rows, so the group's order is the plan's total. The reasons are text in the report's language from
``kit/catalog/forecast.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.forecast.data import _level_name, _month_ordinals, _ordinal_label, _ordinal_to_timestamps, \
    _raise_problems, _safe_ratio
from kit.forecast.series import ALL_LABEL, ID_SEPARATOR
from kit.forecast.settings import OrderPlanSettings

#: Levels of the plan's rows (column ``level``).
PLAN_LEVELS = ("store_model", "store", "model", "group")
#: Why a model was flagged (column ``gave_way``): which of the two goals gave way.
GAVE_WAY = ("service_level", "stock_line")


def _forecast_matrix(fc: pd.DataFrame, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """First ``months`` forecast months per series: ids, first month, yhat and sigma matrices, the level used."""
    if not isinstance(fc, pd.DataFrame):
        raise DataContractError(f"forecast: expected the DataFrame returned by forecast(); got {type(fc).__name__}.")
    missing = [c for c in ("unique_id", "ds", "yhat") if c not in fc.columns]
    if missing:
        raise DataContractError(f"forecast: missing column(s) {', '.join(missing)}; expected the frame returned by "
                                f"forecast().")
    levels = sorted(float(m.group(1)) for c in fc.columns if (m := re.fullmatch(r"yhat_hi_(\d+(?:\.\d+)?)", c)))
    if not levels:
        raise DataContractError("forecast: no interval column such as yhat_hi_95; the safety stock needs the "
                                "forecast intervals (call forecast() with level=(80, 95)).")
    widest = levels[-1]
    hi_col = f"yhat_hi_{_level_name(widest)}"
    t = _month_ordinals(fc["ds"])
    if np.isnan(t).any():
        raise DataContractError("forecast: ds has values that are not months.")
    data = pd.DataFrame({"unique_id": fc["unique_id"].astype(str).to_numpy(dtype=object), "t": t.astype(np.int64),
                         "yhat": pd.to_numeric(fc["yhat"], errors="coerce"),
                         "hi": pd.to_numeric(fc[hi_col], errors="coerce")})
    if data[["yhat", "hi"]].isna().any().any() or (data["yhat"] < 0).any():
        bad = data[data[["yhat", "hi"]].isna().any(axis=1) | (data["yhat"] < 0)].iloc[0]
        raise DataContractError(f"forecast: series {bad['unique_id']}, month {_ordinal_label(bad['t'])}: yhat and "
                                f"{hi_col} must be numbers >= 0.")
    if data.duplicated(["unique_id", "t"]).any():
        bad = data[data.duplicated(["unique_id", "t"])].iloc[0]
        raise DataContractError(f"forecast: series {bad['unique_id']}, month {_ordinal_label(bad['t'])} appears "
                                f"twice.")
    data = data.sort_values(["unique_id", "t"], kind="mergesort")
    ids, first_rows = np.unique(data["unique_id"].to_numpy(dtype=str), return_index=True)
    counts = data.groupby("unique_id", sort=True).size().to_numpy()
    yhat = np.zeros((len(ids), months))
    hi = np.zeros((len(ids), months))
    start = np.zeros(len(ids), dtype=np.int64)
    t_all = data["t"].to_numpy()
    y_all = data["yhat"].to_numpy(float)
    hi_all = data["hi"].to_numpy(float)
    for i, (row, count) in enumerate(zip(first_rows, counts)):
        if count < months:
            raise DataContractError(f"forecast: series {ids[i]} has {count} month(s) of forecast; the order plan needs "
                                    f"{months} (horizon_months + lead_time_months): call forecast() with h >= "
                                    f"{months}.")
        months_t = t_all[row:row + months]
        if np.any(np.diff(months_t) != 1):
            raise DataContractError(f"forecast: series {ids[i]} skips a month after {_ordinal_label(months_t[0])}; "
                                    f"expected consecutive months.")
        start[i] = months_t[0]
        yhat[i] = y_all[row:row + months]
        hi[i] = hi_all[row:row + months]
    from scipy import stats

    z_level = float(stats.norm.ppf(0.5 + widest / 200.0))
    sigma = np.maximum(hi - yhat, 0.0) / z_level
    return ids.astype(object), start, yhat, sigma, widest


def _stock_frame(stock: object) -> pd.DataFrame:
    if not isinstance(stock, pd.DataFrame):
        raise DataContractError(f"stock: expected a DataFrame with columns unique_id, on_hand, in_transit; "
                                f"got {type(stock).__name__}.")
    missing = [c for c in ("unique_id", "on_hand", "in_transit") if c not in stock.columns]
    if missing:
        raise DataContractError(f"stock: missing column(s) {', '.join(missing)}; expected unique_id, on_hand, "
                                f"in_transit (stock_positions() builds them from the stock table).")
    out = pd.DataFrame({"unique_id": stock["unique_id"].astype(str).to_numpy(dtype=object)})
    problems = []
    for col in ("on_hand", "in_transit"):
        values = pd.to_numeric(stock[col], errors="coerce")
        for i in np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())[:10]:
            problems.append(f"series {out['unique_id'].iat[i]}: {col} must be a number of cars >= 0; got "
                            f"{stock[col].iloc[i]!r}")
        out[col] = values.to_numpy(dtype=float)
    for uid in out.loc[out["unique_id"].duplicated(), "unique_id"].unique()[:10]:
        problems.append(f"series {uid} appears more than once; expected one stock row per series")
    _raise_problems("stock", problems)
    return out


class _Demand:
    """Lead-time demand of one model: negative binomial (Poisson when not over-dispersed) with mean and variance."""

    def __init__(self, mean: float, variance: float):
        from scipy import stats

        self.mean = max(float(mean), 0.0)
        variance = max(float(variance), self.mean)
        if self.mean <= 0:
            self.dist = None
        elif variance <= self.mean * (1 + 1e-9):
            self.dist = stats.poisson(self.mean)
        else:
            self.dist = stats.nbinom(self.mean ** 2 / (variance - self.mean), self.mean / variance)

    def cdf(self, stock: float) -> float:
        """P(demand ≤ stock), stock in cars (a fraction counts as the whole cars below it)."""
        if self.dist is None:
            return 1.0
        return float(self.dist.cdf(np.floor(stock + 1e-9)))

    def quantile(self, level: float) -> int:
        """The smallest whole number of cars ``q`` with P(demand ≤ q) ≥ level."""
        if self.dist is None:
            return 0
        return int(self.dist.ppf(level))


def _split_ids(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    parts = [str(u).split(ID_SEPARATOR, 1) for u in ids]
    bad = [u for u, p in zip(ids, parts) if len(p) != 2 or not p[0] or not p[1]]
    if bad:
        raise DataContractError(f"forecast: series {bad[0]!r} is not 'store/model'; the order plan needs the ids of "
                                f"sales_series() such as 'S1/Aurora'.")
    return np.array([p[0] for p in parts], dtype=object), np.array([p[1] for p in parts], dtype=object)


def _allocate(position: np.ndarray, demand: list[_Demand], lead_mean: np.ndarray, needed: np.ndarray,
              first_step: np.ndarray, step: np.ndarray, capacity: float) -> tuple[np.ndarray, np.ndarray]:
    """Marginal allocation of whole cars to one store's models; returns orders and whether the line stopped each."""
    n = len(position)
    order = np.zeros(n)
    stopped = np.zeros(n, dtype=bool)

    def stock_after(i: int, cars: float) -> float:
        return max(0.0, position[i] + cars - lead_mean[i])

    used = sum(stock_after(i, 0.0) for i in range(n))
    while True:
        best, best_key = -1, None
        for i in range(n):
            if position[i] + order[i] >= needed[i] - 1e-9:
                continue
            size = first_step[i] if order[i] == 0 else step[i]
            weight = stock_after(i, order[i] + size) - stock_after(i, order[i])
            if used + weight > capacity + 1e-9 and weight > 1e-12:
                stopped[i] = True
                continue
            value = sum(1.0 - demand[i].cdf(position[i] + order[i] + j) for j in range(int(size)))
            ratio = np.inf if weight <= 1e-12 else value / weight
            key = (ratio, value, -i)
            if best_key is None or key > best_key:
                best, best_key = i, key
        if best < 0:
            break
        size = first_step[best] if order[best] == 0 else step[best]
        used += stock_after(best, order[best] + size) - stock_after(best, order[best])
        order[best] += size
        stopped[best] = False
    return order, stopped


def order_plan(forecast: pd.DataFrame, stock: pd.DataFrame,
               settings: OrderPlanSettings | Mapping[str, Any] | None = None, *, lang: str = "en") -> pd.DataFrame:
    """Suggested orders in whole cars for N+1 (firm) and N+2, N+3 (indicative), under each store's stock line.

    Parameters
    ----------
    forecast : DataFrame
        The frame returned by :func:`forecast` or :func:`reconcile` (``store/model`` ids as from
        :func:`sales_series`), with at least ``settings.forecast_months_needed`` months per series and an upper
        interval column (the widest, e.g. ``yhat_hi_95``, sets the demand's spread). Rows of totals (``S1/ALL``,
        ``ALL/…``) are ignored: the plan's totals are the sums of its store × model rows.
    stock : DataFrame
        ``unique_id, on_hand, in_transit`` (cars, >= 0; see :func:`stock_positions`). A series without a stock row
        counts as 0 on hand and 0 in transit; stock rows without a forecast are ignored.
    settings : OrderPlanSettings or mapping, optional
        The ``order_plan:`` settings; defaults when None.
    lang : {"en", "zh"}, default "en"
        Language of the ``reason`` column.

    Returns
    -------
    DataFrame
        One row per series and plan month, store × model rows first within each month: ``unique_id, store_id,
        model, level`` (:data:`PLAN_LEVELS`), ``plan_month, months_ahead, plan`` (firm/indicative),
        ``forecast_units, demand_lead_time_units, demand_after_lead_time_units, target_stock_units,
        service_level, service_stock_units, safety_stock_units, needed_units, on_hand_units, in_transit_units,
        ordered_before_units, demand_before_units, position_units, order_for_needed_units`` (what the model alone
        would order), ``suggested_order_units`` (whole cars, >= 0), ``stock_after_units, stock_months_now,
        stock_months_after, warning_stock_months, stock_warning_now`` (depth now above the line),
        ``stock_warning_after`` (store and group rows above the line after the plan; store × model rows where the
        line gave way),
        ``service_level_reached`` (P(demand ≤ position + order); empty on total rows), ``gave_way``
        (:data:`GAVE_WAY` or empty) and ``reason`` (text in ``lang``; empty when nothing gave way). The formula and
        the allocation are in the module docstring.

    Raises
    ------
    DataContractError
        A forecast too short for the plan, missing intervals, ids that are not ``store/model``, or bad stock values.
    """
    from kit.i18n import t

    settings = OrderPlanSettings.coerce(settings)
    horizon, lead = settings.horizon_months, settings.lead_time_months
    ids, start, demand, sigma, _ = _forecast_matrix(forecast, settings.forecast_months_needed)
    stores, models = _split_ids(ids)
    bottom = (stores != ALL_LABEL) & (models != ALL_LABEL)
    if not bottom.any():
        raise DataContractError("forecast: no store × model series (such as 'S1/Aurora'); the order plan is made "
                                "per store and model.")
    ids, stores, models, start = ids[bottom], stores[bottom], models[bottom], start[bottom]
    demand, sigma = demand[bottom], sigma[bottom]
    positions = _stock_frame(stock).set_index("unique_id")
    on_hand = positions["on_hand"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
    in_transit = positions["in_transit"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
    minimum = np.array([settings.minimum_for(m) for m in models], dtype=float)
    batch = np.array([settings.batch_for(m) for m in models], dtype=float)
    first_step = np.maximum(np.ceil(np.maximum(minimum, batch) / batch) * batch, batch)
    level = settings.service_level
    line = settings.warning_stock_months
    n = len(ids)
    ordered_before = np.zeros(n)
    demand_before = np.zeros(n)
    parts = []
    for k in range(horizon):
        lead_mean = demand[:, k:k + lead].sum(axis=1)
        lead_var = (sigma[:, k:k + lead] ** 2).sum(axis=1)
        after = demand[:, k + lead]
        target = settings.target_stock_months * after
        dists = [_Demand(lead_mean[i], lead_var[i]) for i in range(n)]
        service_stock = np.array([d.quantile(level) for d in dists], dtype=float)
        needed = np.maximum(service_stock, lead_mean + target)
        position = np.maximum(on_hand + in_transit + ordered_before - demand_before, 0.0)
        alone = np.where(needed > position + 1e-9,
                         np.maximum(np.ceil((needed - position - 1e-9) / batch) * batch, first_step), 0.0)
        order = np.zeros(n)
        stopped = np.zeros(n, dtype=bool)
        for store in sorted(set(stores)):
            rows = np.flatnonzero(stores == store)
            capacity = line * float(after[rows].sum())
            order[rows], stopped[rows] = _allocate(position[rows], [dists[i] for i in rows], lead_mean[rows],
                                                   needed[rows], first_step[rows], batch[rows], capacity)
        stock_after = np.maximum(position + order - lead_mean, 0.0)
        reached = np.array([dists[i].cdf(position[i] + order[i]) for i in range(n)])
        store_after = pd.Series(stock_after).groupby(stores).transform("sum").to_numpy()
        store_demand_after = pd.Series(after).groupby(stores).transform("sum").to_numpy()
        store_before = pd.Series(np.maximum(position - lead_mean, 0.0)).groupby(stores).transform("sum").to_numpy()
        store_capacity = line * store_demand_after
        gave_way = np.full(n, "", dtype=object)
        reasons = np.full(n, "", dtype=object)
        for i in range(n):
            short = position[i] + order[i] < service_stock[i] - 1e-9
            own_depth = _safe_ratio(np.array([stock_after[i]]), np.array([after[i]]))[0]
            if short:
                gave_way[i] = "service_level"
                cars_short = int(np.ceil(service_stock[i] - position[i] - order[i] - 1e-9))
                extra = max(0.0, position[i] + order[i] + cars_short - lead_mean[i]) - stock_after[i]
                depth_with = _safe_ratio(np.array([store_after[i] + extra]), np.array([store_demand_after[i]]))[0]
                key = "order_reason_service_batch" if batch[i] > 1 else "order_reason_service_line"
                if store_before[i] > store_capacity[i] + 1e-9:
                    key = "order_reason_service_store_over"
                reasons[i] = t(key, lang, store=stores[i], model=models[i], cars=cars_short,
                               service_pct=f"{100 * level:g}", reached_pct=f"{100 * reached[i]:.1f}",
                               depth=f"{depth_with:.1f}", line=f"{line:g}", batch=int(batch[i]))
            elif store_after[i] > store_capacity[i] + 1e-9 and own_depth > line and order[i] == 0:
                gave_way[i] = "stock_line"
                depth = _safe_ratio(np.array([store_after[i]]), np.array([store_demand_after[i]]))[0]
                reasons[i] = t("order_reason_line_over", lang, store=stores[i], model=models[i],
                               cars=f"{on_hand[i] + in_transit[i]:g}", own_depth=f"{own_depth:.1f}",
                               depth=f"{depth:.1f}", line=f"{line:g}")
        part = pd.DataFrame({
            "unique_id": ids, "store_id": stores, "model": models, "level": "store_model",
            "t": start + k, "months_ahead": k + 1,
            "forecast_units": demand[:, k], "demand_lead_time_units": lead_mean,
            "demand_after_lead_time_units": after, "target_stock_units": target,
            "service_stock_units": service_stock,
            "safety_stock_units": np.maximum(service_stock - lead_mean - target, 0.0), "needed_units": needed,
            "on_hand_units": on_hand, "in_transit_units": in_transit,
            "ordered_before_units": ordered_before.copy(), "demand_before_units": demand_before.copy(),
            "position_units": position, "order_for_needed_units": alone, "suggested_order_units": order,
            "stock_after_units": stock_after, "service_level_reached": reached,
            "gave_way": gave_way, "reason": reasons,
        })
        parts.append(part)
        ordered_before = ordered_before + order
        demand_before = demand_before + demand[:, k]
    plan = pd.concat(parts, ignore_index=True)
    plan = pd.concat([plan, _totals(plan)], ignore_index=True)
    return _finish(plan, settings)


_SUMMED = ("forecast_units", "demand_lead_time_units", "demand_after_lead_time_units", "target_stock_units",
           "service_stock_units", "safety_stock_units", "needed_units", "on_hand_units", "in_transit_units",
           "ordered_before_units", "demand_before_units", "position_units", "order_for_needed_units",
           "suggested_order_units", "stock_after_units")


def _totals(plan: pd.DataFrame) -> pd.DataFrame:
    """Store, model-over-stores and group rows: sums of the store × model rows."""
    frames = []
    for level, keys in (("store", ["store_id"]), ("model", ["model"]), ("group", [])):
        grouped = plan.groupby(keys + ["t", "months_ahead"], sort=True)[list(_SUMMED)].sum().reset_index()
        grouped["store_id"] = grouped["store_id"] if "store_id" in keys else ALL_LABEL
        grouped["model"] = grouped["model"] if "model" in keys else ALL_LABEL
        grouped["level"] = level
        frames.append(grouped)
    out = pd.concat(frames, ignore_index=True)
    out["unique_id"] = out["store_id"] + ID_SEPARATOR + out["model"]
    out["service_level_reached"] = np.nan
    out["gave_way"] = ""
    out["reason"] = ""
    return out


def _finish(plan: pd.DataFrame, settings: OrderPlanSettings) -> pd.DataFrame:
    line = settings.warning_stock_months
    plan["plan_month"] = _ordinal_to_timestamps(plan["t"].to_numpy())
    plan["plan"] = np.where(plan["months_ahead"] <= settings.firm_months, "firm", "indicative")
    plan["target_stock_months"] = settings.target_stock_months
    plan["service_level"] = settings.service_level
    plan["warning_stock_months"] = line
    plan["stock_months_now"] = _safe_ratio(plan["on_hand_units"].to_numpy(float), plan["forecast_units"].to_numpy(float))
    plan["stock_months_after"] = _safe_ratio(plan["stock_after_units"].to_numpy(float),
                                             plan["demand_after_lead_time_units"].to_numpy(float))
    plan["stock_warning_now"] = plan["stock_months_now"] > line
    # the line is the store's: after the plan, a store (or the group) over it is a warning, and a model only
    # where the line gave way for it
    over_after = plan["stock_months_after"] > line + 1e-9
    plan["stock_warning_after"] = np.where(plan["level"].isin(["store", "group"]), over_after,
                                           plan["gave_way"] == "stock_line")
    for col in ("suggested_order_units", "order_for_needed_units", "service_stock_units"):
        plan[col] = np.round(plan[col].to_numpy(float)).astype(np.int64)
    plan["_level"] = plan["level"].map({lv: i for i, lv in enumerate(PLAN_LEVELS)})
    plan = plan.sort_values(["months_ahead", "_level", "store_id", "model"], kind="mergesort").reset_index(drop=True)
    columns = ["unique_id", "store_id", "model", "level", "plan_month", "months_ahead", "plan", "forecast_units",
               "demand_lead_time_units", "demand_after_lead_time_units", "target_stock_months", "target_stock_units",
               "service_level", "service_stock_units", "safety_stock_units", "needed_units", "on_hand_units",
               "in_transit_units", "ordered_before_units", "demand_before_units", "position_units",
               "order_for_needed_units", "suggested_order_units", "stock_after_units", "stock_months_now",
               "stock_months_after", "warning_stock_months", "stock_warning_now", "stock_warning_after",
               "service_level_reached", "gave_way", "reason"]
    return plan[columns]
