"""Sales forecasting, honest backtests, reconciled hierarchies, the forecast ledger and the monthly order plan.

One concern per module; everything public is re-exported here and loaded on first use, so
``import kit.forecast.settings`` (which ``kit.settings`` does) stays light:

============== ==========================================================================================
module         owns
============== ==========================================================================================
``engine``     :func:`forecast`: statsforecast members per series shape, their combination, calibrated
               intervals
``festival``   the Spring Festival calendar and its effect on January and February
``evaluation`` :func:`backtest` (rolling origin: MASE, sMAPE, horizon-total error, interval coverage)
``hierarchy``  :func:`reconcile`: group → store → model forecasts that add up (hierarchicalforecast)
``ordering``   :func:`order_plan`: whole cars per store and model under the store's stock-cover line
``policy``     :func:`order_policy_backtest`, :func:`policy_summary`: lost sales and cover of a policy
``settings``   :class:`OrderPlanSettings` (the ``order_plan:`` section of ``dealer.yml``)
``series``     :func:`sales_series`, :func:`stock_positions` (the dealer's tables as series)
``ledger``     :func:`save_forecasts`, :func:`read_ledger` (forecasts across monthly runs)
``metrics``    :func:`king_long_score` and the accuracy measures
``whatif``     :func:`order_whatif`: another service level or stock line → orders and months of cover
``monthly``    :func:`outlook`: everything the forecast report shows, computed once
``advice``     :func:`what_to_do`: the report's "what to do first" sentences
``display``    the report's tables, tiles, charts and workbook in the reader's words
============== ==========================================================================================

Practice and numbers: ``DOMAIN.md`` §5; terms: ``kit/GLOSSARY.md``; accuracy, coverage and cost:
``benchmarks/README.md``. Every public function takes data and returns a new, plain DataFrame with spelled-out
column names; nothing is printed and no argument is changed.

>>> from kit import forecast as kf
>>> series = kf.sales_series(sales)                                        # doctest: +SKIP
>>> fc = kf.reconcile(series, kf.forecast(series, 4))                     # doctest: +SKIP
>>> errors = kf.backtest(series, 3, windows=10)                            # doctest: +SKIP
>>> plan = kf.order_plan(fc, kf.stock_positions(stock), settings.order_plan)   # doctest: +SKIP
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["advice", "data", "display", "engine", "evaluation", "festival", "hierarchy", "ledger", "metrics",
                "monthly", "ordering", "policy", "series", "settings", "whatif"],
    submod_attrs={
        "engine": ["forecast", "MEMBERS", "DEFAULT_METHOD", "DEFAULT_MEMBERS", "INTERMITTENT_MEMBERS",
                   "SERIES_CLASSES"],
        "evaluation": ["backtest"],
        "festival": ["SPRING_FESTIVAL_DATES", "SPRING_FESTIVAL_SLOW_DAYS", "spring_festival_calendar",
                     "spring_festival_effect"],
        "hierarchy": ["reconcile", "hierarchy_levels", "coherence_gap", "HIERARCHY_LEVELS", "RECONCILERS"],
        "ledger": ["FORECASTS_FILE_NAME", "save_forecasts", "read_ledger"],
        "metrics": ["KING_LONG_BANDS", "king_long_score"],
        "ordering": ["order_plan", "PLAN_LEVELS", "GAVE_WAY"],
        "policy": ["order_policy_backtest", "policy_summary"],
        "series": ["ALL_LABEL", "ID_SEPARATOR", "sales_series", "stock_positions"],
        "settings": ["OrderPlanSettings"],
        "monthly": ["outlook", "Outlook"],
        "whatif": ["order_whatif", "WhatIf"],
    },
)
