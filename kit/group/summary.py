"""Everything the group report shows, computed once: the league of stores, the best and worst store per measure,
the group funnel, and the group's forecast and order plan (the sum of the store plans).

The group report (``notebooks/group_overview.ipynb``) calls :func:`overview` after setup and reads every table,
sentence and headline number from its :class:`GroupOverview`. In a group run the league and the reconciled
forecast come from what the run computed once (``shared=r.shared``); without them they are computed here, so the
notebook gives the same numbers in JupyterLab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from kit.exceptions import KitError
from kit.group.measures import DIRECTIONS, GROUP, league, reason_code
from kit.group.shared import forecast_months


@dataclass(frozen=True, eq=False)
class GroupOverview:
    """The group report's results (see :func:`overview`).

    Attributes
    ----------
    month : str
        ``YYYY-MM``.
    stores : DataFrame
        One row per store: :func:`kit.group.measures.league` without the group's row.
    group : Series
        The group's league row (every store's rows together).
    best_worst : DataFrame
        :func:`best_and_worst` of ``stores``.
    funnel : DataFrame
        The group's showroom funnel (:func:`kit.leads.funnel`), the month and the 12 months to it.
    history : DataFrame
        The group's monthly deliveries as series (:func:`kit.forecast.sales_series`).
    forecast, plan : DataFrame or None
        The reconciled forecast of every store × model series and its order plan (:func:`kit.forecast.order_plan`);
        None when the data gives no forecast (``forecast_reason`` says why).
    store_plan : DataFrame or None
        :func:`store_plan`: one row per store, the group's in ``plan_total``.
    warning_stock_months : float
        The stock-cover warning line (``order_plan.warning_stock_months``).
    """

    month: str
    stores: pd.DataFrame
    group: pd.Series
    best_worst: pd.DataFrame
    funnel: pd.DataFrame
    history: pd.DataFrame
    forecast: pd.DataFrame | None
    plan: pd.DataFrame | None
    store_plan: pd.DataFrame | None
    plan_total: pd.Series | None
    warning_stock_months: float
    forecast_reason: str = ""
    names: dict[str, str] = field(default_factory=dict)

    @property
    def not_scored(self) -> dict[str, list[str]]:
        """Measure -> the stores it could not be computed for."""
        out = {}
        for measure in DIRECTIONS:
            missing = self.stores.loc[self.stores[measure].isna(), "store_id"].astype(str).tolist()
            if missing:
                out[measure] = missing
        return out


def best_and_worst(stores: pd.DataFrame, group: pd.Series | None = None) -> pd.DataFrame:
    """For each league measure, the best and the worst store (by :data:`kit.group.measures.DIRECTIONS`).

    Stores without a value are skipped; a tie goes to the store listed first. Returns ``measure, best_store,
    best_value, worst_store, worst_value, group_value, stores_scored``; a measure no store has is left out.
    """
    rows = []
    for measure, direction in DIRECTIONS.items():
        if measure not in stores.columns:
            continue
        have = stores[["store_id", measure]].dropna()
        if have.empty:
            continue
        values = have[measure].astype(float).to_numpy()
        best = int(np.argmax(values) if direction == "high" else np.argmin(values))
        worst = int(np.argmin(values) if direction == "high" else np.argmax(values))
        rows.append({"measure": measure, "best_store": have["store_id"].iloc[best], "best_value": values[best],
                     "worst_store": have["store_id"].iloc[worst], "worst_value": values[worst],
                     "group_value": float(group[measure]) if group is not None and pd.notna(group.get(measure))
                     else np.nan, "stores_scored": len(have)})
    return pd.DataFrame(rows, columns=["measure", "best_store", "best_value", "worst_store", "worst_value",
                                       "group_value", "stores_scored"])


def store_plan(plan: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Per store, from an order plan: next month's forecast, the firm order and the indicative ones, stock cover.

    Returns the stores' rows (``store_id, forecast_next_units, order_n1_units … order_nH_units, stock_months_now,
    stock_months_after, over_stock_line``) and the group's row; the group's orders are the sums of the stores'.
    """
    top = plan[plan["level"].isin(["store", "group"])].copy()
    top["store_id"] = top["store_id"].astype(str).where(top["level"] == "store", GROUP)
    orders = top.pivot_table(index="store_id", columns="months_ahead", values="suggested_order_units",
                             aggfunc="sum", sort=False)
    orders.columns = [f"order_n{int(c)}_units" for c in orders.columns]
    first = top[top["months_ahead"] == 1].set_index("store_id")
    out = pd.DataFrame({"forecast_next_units": first["forecast_units"]}).join(orders)
    out["stock_months_now"] = first["stock_months_now"]
    out["stock_months_after"] = first["stock_months_after"]
    out["over_stock_line"] = first["stock_warning_now"].astype(bool)
    out = out.reset_index()
    return out[out["store_id"] != GROUP].reset_index(drop=True), out[out["store_id"] == GROUP].iloc[0]


def overview(dealer, period, *, lang: str = "en",
             shared: Callable[..., Any] | None = None) -> GroupOverview:
    """The group report of ``period`` (see the module).

    Parameters
    ----------
    dealer : kit.io.Dealer
        The group's validated tables (every store).
    period : kit.periods.Period
        The report's month.
    lang : "en" or "zh"
        Language of the order plan's reasons.
    shared : callable, optional
        ``shared(name, **expected)`` -> a result the run computed once, or None (``Report.shared``).
    """
    from kit import forecast as kf
    from kit import leads as kl

    shared = shared or (lambda name, **expected: None)
    month = pd.Timestamp(period.end).strftime("%Y-%m")
    settings = dealer.settings
    sales = dealer.tables["sales"]
    history = kf.sales_series(sales[sales["month"] <= month])
    months = forecast_months(settings)
    fc, reason = shared("forecast", months=months), ""
    if fc is None:
        try:
            fc = kf.reconcile(history, months)
        except (KitError, ValueError) as exc:  # ValueError: the engine on a very short history (see the report)
            fc, reason = None, reason_code(exc)
    table = shared("league", month=month)
    if table is None:
        table = league(dealer, period, forecast=fc, lead_model=shared("lead_model"))
    plan = store_rows = total = None
    if fc is not None:
        plan = kf.order_plan(fc, kf.stock_positions(dealer.tables["stock"]), settings.order_plan, lang=lang)
        store_rows, total = store_plan(plan)
    stores = table[table["store_id"] != GROUP].reset_index(drop=True)
    group = table[table["store_id"] == GROUP].iloc[0]
    funnel = kl.funnel(dealer.tables["leads"], period=month, traffic=dealer.tables.get("traffic"),
                       followups=dealer.tables["followups"], settings=settings.leads)
    return GroupOverview(month=month, stores=stores, group=group, best_worst=best_and_worst(stores, group),
                         funnel=funnel, history=history, forecast=fc, plan=plan, store_plan=store_rows,
                         plan_total=total, warning_stock_months=float(settings.order_plan.warning_stock_months),
                         forecast_reason=reason,
                         names={str(s): settings.store_name(s) for s in stores["store_id"]})
