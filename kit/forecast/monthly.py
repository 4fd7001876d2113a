"""The month's forecast report in one object: reconciled forecast, order plan, backtest and ledger.

:func:`outlook` does what the forecast report (``notebooks/sales_forecast.ipynb``) shows, from the validated dealer
and the reporting month: deliveries per store and model up to the month, forecast for the plan months with every
level of group → store → model adding up (:func:`~kit.forecast.hierarchy.reconcile`), the order plan under the
store's stock line (:func:`~kit.forecast.ordering.order_plan`), the rolling-origin backtest of the same method and
what earlier runs forecast for the month (:func:`~kit.forecast.ledger.read_ledger`). The notebook only displays it
(:mod:`kit.forecast.display`); the same numbers feed the tiles, tables, advice and Excel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kit.exceptions import DataContractError, InsufficientDataError
from kit.forecast.settings import OrderPlanSettings

#: Reconciliation used by the report.
RECONCILER = "mint_shrink"


@dataclass
class Outlook:
    """Everything the forecast report shows, computed once.

    Attributes
    ----------
    month : str
        The reporting month ``YYYY-MM``: the last month of actual deliveries used.
    settings : OrderPlanSettings
    series : DataFrame
        :func:`~kit.forecast.series.sales_series` up to ``month`` (store × model, store, model and group).
    forecast : DataFrame
        :func:`~kit.forecast.hierarchy.reconcile` output, ``settings.forecast_months_needed`` or ``horizon``
        months, whichever is longer.
    stock : DataFrame
        :func:`~kit.forecast.series.stock_positions` of the stock table.
    stock_as_of : str or None
        The stock table's ``as_of`` date (``YYYY-MM-DD``) when it has one.
    plan : DataFrame
        :func:`~kit.forecast.ordering.order_plan` for plan months 1 … ``horizon``.
    backtest : DataFrame or None
        :func:`~kit.forecast.evaluation.backtest` one month ahead over ``backtest_windows`` origins, with the
        reconciled forecast; None when the history is too short (``backtest_note`` says why).
    ledger : DataFrame
        What earlier runs forecast for ``month``, against what happened.
    horizon : int
    """

    month: str
    settings: OrderPlanSettings
    series: pd.DataFrame
    forecast: pd.DataFrame
    stock: pd.DataFrame
    stock_as_of: str | None
    plan: pd.DataFrame
    backtest: pd.DataFrame | None
    ledger: pd.DataFrame
    horizon: int
    backtest_note: str | None = None

    @property
    def firm(self) -> pd.DataFrame:
        """The plan's firm month (N+1): store × model, store, model and group rows."""
        return self.plan[self.plan["months_ahead"] == 1]

    @property
    def next_month(self) -> str:
        """The first plan month, ``YYYY-MM``."""
        return pd.Timestamp(self.firm["plan_month"].iloc[0]).strftime("%Y-%m")

    @property
    def shown_forecast(self) -> pd.DataFrame:
        """The forecast for plan months 1 … ``horizon`` (the longer forecast the plan needs is not shown)."""
        first = self.forecast["ds"].min()
        return self.forecast[self.forecast["ds"] < first + pd.DateOffset(months=self.horizon)]


def outlook(dealer: Any, month: str, *, horizon: int = 3, backtest_windows: int = 12,
            reports_dir: str | Path | None = None, lang: str = "en", forecast: pd.DataFrame | None = None) -> Outlook:
    """Forecast, reconcile, plan orders, backtest and read the ledger for ``month``.

    Parameters
    ----------
    dealer : kit.io.Dealer
        The validated dealer (``sales``, ``stock`` and ``settings.order_plan``).
    month : str
        The reporting month ``YYYY-MM``; sales after it are not used.
    horizon : int, default 3
        Plan months shown (1–12); the forecast is at least as long as the plan needs.
    backtest_windows : int, default 12
        Forecast origins of the one-month-ahead backtest (0: no backtest).
    reports_dir : path, optional
        The folder of earlier runs' reports (their saved forecasts make the ledger); None: no ledger.
    lang : {"en", "zh"}
        Language of the plan's reasons.
    forecast : DataFrame, optional
        The reconciled forecast of these sales made elsewhere (a group run's, cut to this store:
        ``r.shared("forecast", months=...)``); used when it covers the months the plan needs, else made here.

    Raises
    ------
    DataContractError
        No sales up to ``month``, or bad sales or stock rows (naming the row).
    """
    from kit.forecast.evaluation import backtest
    from kit.forecast.hierarchy import reconcile
    from kit.forecast.ledger import read_ledger
    from kit.forecast.ordering import order_plan
    from kit.forecast.series import sales_series, stock_positions

    settings = dealer.settings.order_plan
    sales = dealer.sales[dealer.sales["month"].astype(str) <= str(month)]
    if sales.empty:
        raise DataContractError(f"sales: no deliveries up to {month}; the forecast needs the months before it.")
    if not 1 <= int(horizon) <= 12:
        raise DataContractError(f"horizon: expected 1 to 12 months; got {horizon!r}.")
    series = sales_series(sales)
    needed = max(int(horizon), settings.forecast_months_needed)
    usable = forecast is not None and forecast.groupby("unique_id")["ds"].nunique().min() >= needed
    fc = forecast if usable else reconcile(series, needed, method=RECONCILER)
    stock = stock_positions(dealer.stock)
    plan = order_plan(fc, stock, settings, lang=lang)
    plan = plan[plan["months_ahead"] <= horizon].reset_index(drop=True)
    as_of = None
    if "as_of" in dealer.stock.columns and dealer.stock["as_of"].notna().any():
        as_of = pd.Timestamp(dealer.stock["as_of"].max()).strftime("%Y-%m-%d")
    bt, note = None, None
    if backtest_windows:
        try:
            bt = backtest(series, 1, windows=int(backtest_windows), reconcile=RECONCILER)
        except InsufficientDataError as exc:
            note = str(exc)
    ledger = read_ledger(reports_dir, month=month, actuals=series)
    return Outlook(month=str(month), settings=settings, series=series, forecast=fc, stock=stock, stock_as_of=as_of,
                   plan=plan, backtest=bt, ledger=ledger, horizon=int(horizon), backtest_note=note)
