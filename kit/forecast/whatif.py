"""What-if for the order plan: another service level or stock line → the orders and the months of cover.

:func:`order_whatif` re-plans the firm month from the same forecast and stock with the two settings a manager
argues about changed, and sums the result per store and for the group, beside the plan as configured. It is the
plain function under the JupyterLab widget (:mod:`kit.explore.order_plan`); the report's own plan is
:func:`kit.forecast.ordering.order_plan` with ``dealer.yml``'s settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit.forecast.ordering import order_plan
from kit.forecast.settings import OrderPlanSettings

#: Columns of :attr:`WhatIf.summary`.
SUMMARY_COLUMNS = ("store_id", "level", "suggested_order_units", "configured_order_units", "stock_after_units",
                   "stock_months_after", "configured_stock_months_after", "service_gave_way_models",
                   "line_gave_way_models")


@dataclass(frozen=True)
class WhatIf:
    """A re-planned firm month.

    Attributes
    ----------
    settings : OrderPlanSettings
        The settings used (the configured ones with the service level and the line replaced).
    plan : DataFrame
        :func:`~kit.forecast.ordering.order_plan` rows of the firm month (store × model, store, model, group).
    summary : DataFrame
        One row per store and one for the group (``level`` store / group): ``suggested_order_units`` and
        ``configured_order_units`` (cars, the what-if and the plan as configured), ``stock_after_units``,
        ``stock_months_after`` and ``configured_stock_months_after`` (months of cover after the lead time: stock
        left ÷ the next month's forecast), ``service_gave_way_models`` and ``line_gave_way_models`` (how many
        models fell short of the service level, or stayed over the line, in the what-if).
    """

    settings: OrderPlanSettings
    plan: pd.DataFrame
    summary: pd.DataFrame


def _firm(plan: pd.DataFrame) -> pd.DataFrame:
    return plan[plan["months_ahead"] == 1].reset_index(drop=True)


def order_whatif(forecast: pd.DataFrame, stock: pd.DataFrame,
                 settings: OrderPlanSettings | Mapping[str, Any] | None = None, *,
                 service_level: float | None = None, warning_stock_months: float | None = None,
                 lang: str = "en") -> WhatIf:
    """Re-plan the firm month with another service level and/or stock line.

    Parameters
    ----------
    forecast, stock
        As in :func:`~kit.forecast.ordering.order_plan` (the report's reconciled forecast and stock positions).
    settings : OrderPlanSettings or mapping, optional
        The configured ``order_plan:`` settings (defaults when None).
    service_level : float, optional
        Chance of not running out during the lead time, 0.5–0.999 (the configured one when None).
    warning_stock_months : float, optional
        The store's stock-cover ceiling in months of sales, > 0 (the configured one when None).
    lang : {"en", "zh"}
        Language of the plan's reasons.

    Returns
    -------
    WhatIf

    Raises
    ------
    ConfigError
        A service level or line out of range (named as the ``order_plan:`` setting).
    """
    settings = OrderPlanSettings.coerce(settings)
    changes = {k: v for k, v in (("service_level", service_level), ("warning_stock_months", warning_stock_months))
               if v is not None}
    # validated exactly as dealer.yml is, so the what-if accepts what the settings file accepts
    checked = OrderPlanSettings.from_mapping({k: getattr(settings, k) for k in _MAPPING_KEYS} | changes)
    changed = dataclasses.replace(settings, **{k: getattr(checked, k) for k in changes})
    configured = _firm(order_plan(forecast, stock, settings, lang=lang))
    plan = configured if changed == settings else _firm(order_plan(forecast, stock, changed, lang=lang))
    return WhatIf(settings=changed, plan=plan, summary=_summary(plan, configured))


_MAPPING_KEYS = ("horizon_months", "firm_months", "lead_time_months", "target_stock_months", "service_level",
                 "warning_stock_months", "minimum_order_units", "batch_units")


def _summary(plan: pd.DataFrame, configured: pd.DataFrame) -> pd.DataFrame:
    totals = plan[plan["level"].isin(["store", "group"])].set_index("unique_id")
    before = configured[configured["level"].isin(["store", "group"])].set_index("unique_id")
    models = plan[plan["level"] == "store_model"]
    out = pd.DataFrame({
        "store_id": totals["store_id"], "level": totals["level"],
        "suggested_order_units": totals["suggested_order_units"].astype(np.int64),
        "configured_order_units": before["suggested_order_units"].reindex(totals.index).astype(np.int64),
        "stock_after_units": totals["stock_after_units"], "stock_months_after": totals["stock_months_after"],
        "configured_stock_months_after": before["stock_months_after"].reindex(totals.index),
    })
    for column, gave in (("service_gave_way_models", "service_level"), ("line_gave_way_models", "stock_line")):
        flagged = models[models["gave_way"] == gave]
        per_store = flagged.groupby("store_id").size()
        out[column] = np.where(out["level"] == "group", len(flagged),
                               out["store_id"].map(per_store).fillna(0)).astype(np.int64)
    out["_group"] = out["level"] == "group"
    out = out.sort_values(["_group", "store_id"], kind="mergesort").drop(columns="_group")
    return out.reset_index(drop=True)[list(SUMMARY_COLUMNS)]
