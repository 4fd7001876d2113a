"""Dealer groups: what a group's monthly run computes once for every store, and the group's own report.

============== ==========================================================================================
module         owns
============== ==========================================================================================
``shared``     the steps a group run computes once (:data:`STEPS`: lead model, reconciled forecast, league)
               and how a store's report reads them (:func:`read_shared`)
``measures``   :func:`league`: the stores side by side (conversion, follow-up discipline, turnover against
               target, KPI, forecast error, stock cover) and the group's row
``summary``    :func:`overview` (:class:`GroupOverview`): everything the group report shows, computed once
``advice``     :func:`what_to_do`: the group report's first sentences
``display``    the group report's tables, charts and Excel in the reader's words
============== ==========================================================================================

Store filtering itself is :func:`kit.io.for_store`; the runner's store mode is ``kit report --stores``.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["advice", "display", "measures", "shared", "summary"],
    submod_attrs={
        "shared": ["STEPS", "compute_shared", "read_shared", "store_forecast"],
        "measures": ["DIRECTIONS", "GROUP", "league"],
        "summary": ["GroupOverview", "best_and_worst", "overview", "store_plan"],
        "advice": ["what_to_do"],
    },
)
