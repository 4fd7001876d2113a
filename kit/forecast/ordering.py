"""The monthly order plan (要货计划)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError
from kit.forecast.data import _level_name, _month_ordinals, _ordinal_label, _ordinal_to_timestamps, \
    _raise_problems, _safe_ratio
from kit.forecast.settings import OrderPlanSettings


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



def order_plan(forecast: pd.DataFrame, stock: pd.DataFrame,
               settings: OrderPlanSettings | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Suggested orders for N+1 (firm) and N+2, N+3 (indicative), with every term of the formula.

    Parameters
    ----------
    forecast : DataFrame
        The frame returned by :func:`forecast`, with at least ``settings.forecast_months_needed`` months per series
        and an upper interval column (the widest, e.g. ``yhat_hi_95``, sets the safety stock).
    stock : DataFrame
        ``unique_id, on_hand, in_transit`` (cars, >= 0; see :func:`stock_positions`). A series without a stock row
        counts as 0 on hand and 0 in transit; stock rows without a forecast are ignored.
    settings : OrderPlanSettings or mapping, optional
        The ``order_plan:`` settings; defaults when None.

    Returns
    -------
    DataFrame
        One row per series and plan month: ``unique_id, plan_month, months_ahead, plan`` (firm/indicative),
        ``forecast_units, demand_lead_time_units, demand_after_lead_time_units, target_stock_months,
        target_stock_units, service_level, safety_stock_units, on_hand_units, in_transit_units,
        ordered_before_units, demand_before_units, order_before_rounding_units, suggested_order_units`` (whole
        cars, >= 0), ``stock_months_now, stock_after_units, stock_months_after, warning_stock_months,
        stock_warning_now, stock_warning_after``. The formula is in the module docstring.

    Raises
    ------
    DataContractError
        A forecast too short for the plan, missing intervals, or bad stock values.
    """
    if settings is None:
        settings = OrderPlanSettings()
    elif isinstance(settings, Mapping):
        settings = OrderPlanSettings.from_mapping(settings)
    elif not isinstance(settings, OrderPlanSettings):
        raise ConfigError(f"settings: expected OrderPlanSettings or a mapping; got {type(settings).__name__}.")
    from scipy import stats

    horizon, lead = settings.horizon_months, settings.lead_time_months
    ids, start, demand, sigma, _ = _forecast_matrix(forecast, settings.forecast_months_needed)
    positions = _stock_frame(stock).set_index("unique_id")
    on_hand = positions["on_hand"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
    in_transit = positions["in_transit"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
    z = float(stats.norm.ppf(settings.service_level))
    ordered_before = np.zeros(len(ids))
    demand_before = np.zeros(len(ids))
    stock_months_now = _safe_ratio(on_hand, demand[:, 0])
    parts = []
    for k in range(horizon):
        lead_demand = demand[:, k:k + lead].sum(axis=1)
        after_lead = demand[:, k + lead]
        target = settings.target_stock_months * after_lead
        safety = z * np.sqrt((sigma[:, k:k + lead] ** 2).sum(axis=1))
        raw = lead_demand + target + safety - on_hand - in_transit - ordered_before + demand_before
        order = np.maximum(np.floor(raw + 0.5), 0.0)
        stock_after = np.maximum(on_hand + in_transit + ordered_before + order - demand_before - lead_demand, 0.0)
        stock_months_after = _safe_ratio(stock_after, after_lead)
        parts.append(pd.DataFrame({
            "unique_id": ids,
            "plan_month": _ordinal_to_timestamps(start + k),
            "months_ahead": k + 1,
            "plan": "firm" if k < settings.firm_months else "indicative",
            "forecast_units": demand[:, k],
            "demand_lead_time_units": lead_demand,
            "demand_after_lead_time_units": after_lead,
            "target_stock_months": settings.target_stock_months,
            "target_stock_units": target,
            "service_level": settings.service_level,
            "safety_stock_units": safety,
            "on_hand_units": on_hand,
            "in_transit_units": in_transit,
            "ordered_before_units": ordered_before.copy(),
            "demand_before_units": demand_before.copy(),
            "order_before_rounding_units": raw,
            "suggested_order_units": order.astype(np.int64),
            "stock_months_now": stock_months_now,
            "stock_after_units": stock_after,
            "stock_months_after": stock_months_after,
            "warning_stock_months": settings.warning_stock_months,
            "stock_warning_now": stock_months_now >= settings.warning_stock_months,
            "stock_warning_after": stock_months_after >= settings.warning_stock_months,
        }))
        ordered_before = ordered_before + order
        demand_before = demand_before + demand[:, k]
    plan = pd.concat(parts, ignore_index=True)
    return plan.sort_values(["unique_id", "months_ahead"], kind="mergesort").reset_index(drop=True)
