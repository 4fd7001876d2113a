"""The dealer's sales and stock tables as forecast series: ``store/model``, ``store/ALL``, ``ALL/ALL``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.forecast.data import _fill_months, _month_ordinals, _ordinal_to_timestamps


#: Label of the "all stores" / "all models" totals in :func:`sales_series` and :func:`stock_positions`.
ALL_LABEL = "ALL"
#: Separator between store and model in a series id (``S1/Aurora``).
ID_SEPARATOR = "/"


def _month_column(values: pd.Series, what: str) -> np.ndarray:
    t = _month_ordinals(values)
    if np.isnan(t).any():
        i = int(np.flatnonzero(np.isnan(t))[0])
        raise DataContractError(f"{what}: month {values.iloc[i]!r} (row {i}, 0-based) is not a month such as "
                                f"'2026-10'.")
    return t.astype(np.int64)


def sales_series(sales: pd.DataFrame, *, value: str = "units", totals: bool = True) -> pd.DataFrame:
    """Turn the sales table into long series: one per store and model, plus store and group totals.

    Parameters
    ----------
    sales : DataFrame
        The sales table (``kit.io.load_sales``): ``month`` ('YYYY-MM'), ``store_id``, ``model`` and ``value``.
    value : str, default "units"
        The column to forecast.
    totals : bool, default True
        Add ``S1/ALL`` per store (all models), ``ALL/Aurora`` per model (all stores) and ``ALL/ALL`` (the group):
        the hierarchy of :mod:`kit.forecast.hierarchy`.

    Returns
    -------
    DataFrame
        ``unique_id`` (``store/model``), ``ds`` (month start), ``y``, ``store_id``, ``model``. Months without a
        row between a series' first month and the table's last month count as 0 (no deliveries).
    """
    if not isinstance(sales, pd.DataFrame):
        raise DataContractError(f"sales: expected a DataFrame; got {type(sales).__name__}.")
    missing = [c for c in ("month", "store_id", "model", value) if c not in sales.columns]
    if missing:
        raise DataContractError(f"sales: missing column(s) {', '.join(missing)}; expected month, store_id, model, "
                                f"{value}.")
    if sales.empty:
        raise DataContractError("sales: no rows; expected monthly deliveries per store and model.")
    t = _month_column(sales["month"], "sales")
    y = pd.to_numeric(sales[value], errors="coerce")
    if y.isna().any() or (y < 0).any():
        i = int(np.flatnonzero(y.isna().to_numpy() | (y < 0).to_numpy())[0])
        raise DataContractError(f"sales: store {sales['store_id'].iloc[i]}, model {sales['model'].iloc[i]}, month "
                                f"{sales['month'].iloc[i]}: {value} must be a number >= 0; got "
                                f"{sales[value].iloc[i]!r}.")
    base = pd.DataFrame({"store_id": sales["store_id"].astype(str).to_numpy(dtype=object),
                         "model": sales["model"].astype(str).to_numpy(dtype=object), "t": t,
                         "y": y.to_numpy(dtype=float)})
    base = base.groupby(["store_id", "model", "t"], as_index=False)["y"].sum()
    base["unique_id"] = base["store_id"] + ID_SEPARATOR + base["model"]
    filled = _fill_months(base[["unique_id", "t", "y"]])
    keys = base.drop_duplicates("unique_id").set_index("unique_id")[["store_id", "model"]]
    filled = filled.join(keys, on="unique_id")
    frames = [filled]
    if totals:
        store = filled.groupby(["store_id", "t"], as_index=False)["y"].sum().assign(model=ALL_LABEL)
        model = filled.groupby(["model", "t"], as_index=False)["y"].sum().assign(store_id=ALL_LABEL)
        group = filled.groupby("t", as_index=False)["y"].sum().assign(store_id=ALL_LABEL, model=ALL_LABEL)
        frames += [store, model, group]
    out = pd.concat(frames, ignore_index=True)
    out["unique_id"] = out["store_id"] + ID_SEPARATOR + out["model"]
    out["ds"] = _ordinal_to_timestamps(out["t"].to_numpy())
    out = out.sort_values(["unique_id", "t"], kind="mergesort").reset_index(drop=True)
    return out[["unique_id", "ds", "y", "store_id", "model"]]


def stock_positions(stock: pd.DataFrame, *, totals: bool = True) -> pd.DataFrame:
    """Turn the stock table into ``unique_id, on_hand, in_transit`` rows matching :func:`sales_series`.

    Parameters
    ----------
    stock : DataFrame
        The stock table (``kit.io.load_stock``): ``store_id, model, on_hand, in_transit``.
    totals : bool, default True
        Add store totals (``S1/ALL``), model totals over the stores (``ALL/Aurora``) and the group total
        (``ALL/ALL``).

    Returns
    -------
    DataFrame
        ``unique_id, store_id, model, on_hand, in_transit``.
    """
    if not isinstance(stock, pd.DataFrame):
        raise DataContractError(f"stock: expected a DataFrame; got {type(stock).__name__}.")
    missing = [c for c in ("store_id", "model", "on_hand", "in_transit") if c not in stock.columns]
    if missing:
        raise DataContractError(f"stock: missing column(s) {', '.join(missing)}; expected store_id, model, on_hand, "
                                f"in_transit.")
    base = pd.DataFrame({"store_id": stock["store_id"].astype(str).to_numpy(dtype=object),
                         "model": stock["model"].astype(str).to_numpy(dtype=object)})
    for col in ("on_hand", "in_transit"):
        values = pd.to_numeric(stock[col], errors="coerce")
        if values.isna().any() or (values < 0).any():
            i = int(np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())[0])
            raise DataContractError(f"stock: store {base['store_id'].iat[i]}, model {base['model'].iat[i]}: {col} "
                                    f"must be a number of cars >= 0; got {stock[col].iloc[i]!r}.")
        base[col] = values.to_numpy(dtype=float)
    base = base.groupby(["store_id", "model"], as_index=False)[["on_hand", "in_transit"]].sum()
    frames = [base]
    if totals:
        frames.append(base.groupby("store_id", as_index=False)[["on_hand", "in_transit"]].sum()
                      .assign(model=ALL_LABEL))
        frames.append(base.groupby("model", as_index=False)[["on_hand", "in_transit"]].sum()
                      .assign(store_id=ALL_LABEL))
        frames.append(pd.DataFrame({"store_id": [ALL_LABEL], "model": [ALL_LABEL],
                                    "on_hand": [base["on_hand"].sum()], "in_transit": [base["in_transit"].sum()]}))
    out = pd.concat(frames, ignore_index=True)
    out["unique_id"] = out["store_id"] + ID_SEPARATOR + out["model"]
    return out[["unique_id", "store_id", "model", "on_hand", "in_transit"]].sort_values(
        "unique_id", kind="mergesort").reset_index(drop=True)
