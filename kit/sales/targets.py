"""Monthly sales targets: per store and store × model from ``targets``, per consultant from the ``kpi`` sheet.

A store's target for a metric is its row with an empty model; when a store has only per-model rows for a metric,
their sum is its target. The dealership's target is the sum of its stores' targets, and is missing when a store with
sales in the month has no target for that metric (a partial sum would look like an easy target).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit import periods
from kit.sales.ledger import INCOME_COLUMNS

#: Metrics of the ``targets`` table and the summary column each is compared with.
ACTUAL_OF = {"deliveries": "deliveries_units", "orders": "net_orders_units", "gross_profit": "gross_profit_cny",
             **{f"{p}_income": f"{p}_income_cny" for p in INCOME_COLUMNS}}
#: Unit of each target metric: cars or CNY.
UNIT_OF = {m: ("units" if m in ("deliveries", "orders") else "cny") for m in ACTUAL_OF}
#: kpi metrics a consultant's sales are scored on (cars, gross profit and the margin-tier mix).
KPI_METRICS = ("units_sold", "gross_profit", "units_premium", "units_standard", "units_entry")


def _month(month: object) -> str:
    return periods.parse_month(str(month)[:7]).strftime("%Y-%m")


def _of_month(frame: pd.DataFrame, month: object) -> pd.DataFrame:
    wanted = _month(month)
    return frame.loc[frame["month"].astype(str).str[:7] == wanted]


def store_targets(targets: pd.DataFrame | None, month: object) -> pd.DataFrame:
    """Each store's target per metric for ``month``.

    Parameters
    ----------
    targets : DataFrame or None
        Contract ``kit.schemas.TARGETS`` (month, store_id, model, metric, target); None gives no targets.
    month : str
        ``YYYY-MM``.

    Returns
    -------
    DataFrame
        store_id, metric, target — the store-total row, or the sum of the model rows when there is none.
    """
    cols = ["store_id", "metric", "target"]
    if targets is None or targets.empty:
        return pd.DataFrame(columns=cols)
    t = _of_month(targets, month).copy()
    t["store_id"] = t["store_id"].astype(str)
    total = t["model"].isna() | (t["model"].astype(str).str.strip() == "")
    whole = t.loc[total].groupby(["store_id", "metric"])["target"].sum()
    by_model = t.loc[~total].groupby(["store_id", "metric"])["target"].sum()
    merged = whole.combine_first(by_model)
    return merged.rename("target").reset_index()[cols]


def model_targets(targets: pd.DataFrame | None, month: object) -> pd.DataFrame:
    """Store × model targets for ``month``: store_id, model, metric, target (rows with a model only)."""
    cols = ["store_id", "model", "metric", "target"]
    if targets is None or targets.empty:
        return pd.DataFrame(columns=cols)
    t = _of_month(targets, month)
    t = t.loc[t["model"].notna() & (t["model"].astype(str).str.strip() != "")].copy()
    t["store_id"] = t["store_id"].astype(str)
    t["model"] = t["model"].astype(str)
    return t.groupby(["store_id", "model", "metric"], as_index=False)["target"].sum()[cols]


def dealer_targets(targets: pd.DataFrame | None, month: object, *, stores_selling: list[str] | None = None
                   ) -> pd.Series:
    """The dealership's target per metric: the sum over stores; missing where a selling store has none.

    Parameters
    ----------
    stores_selling : list of str, optional
        Stores with sales in the month; a metric is left without a target when one of them has no target for it.

    Returns
    -------
    Series
        metric -> target.
    """
    st = store_targets(targets, month)
    out = st.groupby("metric")["target"].sum()
    if stores_selling:
        for metric in list(out.index):
            have = set(st.loc[st["metric"] == metric, "store_id"])
            if set(map(str, stores_selling)) - have:
                out[metric] = np.nan
    return out.astype(float)


def consultant_targets(kpi: pd.DataFrame | None, month: object) -> pd.DataFrame:
    """A consultant's sales targets and recorded actuals for ``month`` from the kpi sheet.

    Returns
    -------
    DataFrame
        staff_id, metric (units_sold, gross_profit, units_premium, units_standard, units_entry), target, actual.
    """
    cols = ["staff_id", "metric", "target", "actual"]
    if kpi is None or kpi.empty:
        return pd.DataFrame(columns=cols)
    k = _of_month(kpi, month)
    k = k.loc[k["metric"].isin(KPI_METRICS)].copy()
    k["staff_id"] = k["staff_id"].astype(str)
    return k[cols].reset_index(drop=True)
