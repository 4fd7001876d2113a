"""What-ifs for the analyst in JupyterLab (the ``lab`` extra: ipywidgets).

Each what-if is a plain function in its analysis package (tested without a browser) with a small widget here that
calls it on every change: ``kpi`` (weights, gates, stage profile → ranking and bonus), ``leads`` (grade thresholds →
calls per consultant against a day's capacity), ``order_plan`` (service level and stock line → the order plan and
months of cover). The report notebooks show them in an "Explore" section that the HTML reports leave out.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submodules=["kpi", "leads", "order_plan", "turnover", "widgets"])
