"""Data health (数据健康检查): what arrived for a month, what is missing, what looks wrong — the batch's first report.

======================= ================================================================================
module                  owns
======================= ================================================================================
``overview``            each table's rows and months, rows per store and month, months missing
``checks``              plain checks on the month's data (open leads nobody contacted, …)
``ledger``              the order ledger against the monthly sales table and the KPI sheet
``summary``             everything the report shows, in one call (:func:`assess`)
``advice``              the "what to do first" sentences
``display``             words, tables, chart, tiles and workbook for the notebook
======================= ================================================================================

The loader's own findings (:class:`kit.exceptions.Problem`) are told in the report's language by
``problem.text(lang)``; their words live in ``kit/catalog/problems.yml``, the report's in ``kit/catalog/health.yml``.

>>> from kit import health
>>> h = health.assess(dealer, month="2026-10")                     # doctest: +SKIP
>>> h.needs_attention                                              # doctest: +SKIP
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["overview", "checks", "ledger", "summary", "advice", "display"],
    submod_attrs={
        "overview": ["TIME_COLUMNS", "table_overview", "rows_by_store", "rows_by_store_wide", "missing_months"],
        "checks": ["data_checks", "open_leads_at"],
        "ledger": ["LedgerCheck", "ledger_check"],
        "summary": ["DataHealth", "assess"],
        "advice": ["what_to_do"],
    },
)
