"""Sales performance (销售日报 / 周报 / 月报): deliveries, orders, gross profit and attached income against target.

======================= ================================================================================
module                  owns
======================= ================================================================================
``settings``            :class:`SalesSettings` — the ``sales:`` section of dealer.yml
``ledger``              the order ledger: deliveries, orders, cancellations, income for any window
``targets``             store, store × model and consultant targets for a month
``pace``                selling days, time pace, run rate needed (达成进度 vs 时间进度)
``mix``                 the margin-tier mix per consultant
``traffic``             showroom traffic by day and week, registration rate
``aftercare``           the after-delivery call (交车回访)
``comparisons``         the period beside the period before and a year before
``reconciliation``      the ledger against the monthly sales table and the kpi sheet
``summary``             everything the report shows, in one call (:func:`performance`)
``advice``              the "what to do" sentences
``display``             words, formats and Excel sheets for the notebook
``plots``               the report's charts
======================= ================================================================================

Definitions and formulas: ``docs/methods/sales.md``. Submodules load on first use.

>>> from kit import sales
>>> perf = sales.performance(dealer, period)                       # doctest: +SKIP
>>> perf.glance                                                    # doctest: +SKIP
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["settings", "ledger", "targets", "pace", "mix", "traffic", "aftercare", "comparisons",
                "reconciliation", "summary", "advice", "display", "plots"],
    submod_attrs={
        "settings": ["SalesSettings", "sales_settings", "PRODUCTS", "TIERS"],
        "ledger": ["prepare_orders", "summarize", "credited", "daily", "products", "NO_CONSULTANT"],
        "targets": ["store_targets", "model_targets", "dealer_targets", "consultant_targets"],
        "pace": ["Pace", "selling_days", "time_pace", "against_target", "against_level"],
        "mix": ["TierMix", "tier_mix", "tier_wide"],
        "traffic": ["traffic_daily", "traffic_weekly", "traffic_total"],
        "aftercare": ["followup_status", "followup_by_consultant", "overdue_list", "has_followups"],
        "comparisons": ["Window", "comparison_windows", "month_to_date_windows", "compare"],
        "reconciliation": ["reconcile", "reconciliation_summary", "covered_months"],
        "summary": ["SalesPerformance", "performance"],
        "advice": ["what_to_do"],
    },
)
