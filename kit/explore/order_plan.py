"""What-if in JupyterLab: the service level and the stock line → the firm month's orders and months of cover.

The widget calls :func:`kit.forecast.whatif.order_whatif` on every change and shows the totals per store and for the
group beside the plan as configured, then the models where something gave way.
"""

from __future__ import annotations

from typing import Any

from kit.explore.widgets import live, slider


def whatif(r: Any, outlook: Any):
    """Sliders for the service level and the stock line above the re-planned orders.

    Parameters
    ----------
    r : kit.notebook.Report
        The report (language, table writer).
    outlook : kit.forecast.outlook.Outlook
        The report's forecast and stock (``forecast.outlook(r)``).
    """
    from kit.forecast import display
    from kit.forecast.whatif import order_whatif

    settings = outlook.settings
    controls = {
        "service_level": slider(r.label("service_level"), settings.service_level, 0.5, 0.999, 0.005, percent=True),
        "warning_stock_months": slider(r.label("warning_stock_months"), settings.warning_stock_months, 0.5, 4.0,
                                       0.1),
    }

    def render(service_level: float, warning_stock_months: float):
        result = order_whatif(outlook.forecast, outlook.stock, settings, service_level=service_level,
                              warning_stock_months=warning_stock_months, lang=r.lang)
        return display.whatif_tables(r, result)

    return live(controls, render)
