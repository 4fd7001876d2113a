"""Turnover what-if in JupyterLab: move each role's 12-month turnover and see the leavers and the cost it stands for,
beside the year as it was. The numbers come from :func:`kit.turnover.whatif.cost_if`; this module only builds the
sliders and shows its table."""

from __future__ import annotations

from typing import Any

from kit.explore.widgets import live, slider
from kit.turnover import FORMATS
from kit.turnover.inputs import word
from kit.turnover.month import TurnoverMonth
from kit.turnover.whatif import cost_if


def cost_whatif(r: Any, month: TurnoverMonth):
    """One slider per role that had leavers in the 12 months (0 to twice its rate or target) above the table."""
    roles = month.role_rows()
    roles = roles[roles["leavers_12m"] > 0]  # in the order of the report's table by role
    controls = {role: slider(word(role, r.lang), float(rate), 0.0, round(max(2 * rate, 2 * target, 0.1), 2), 0.01,
                             percent=True)
                for role, rate, target in zip(roles["group"], roles["rate_12m"], roles["target"])}
    totals = ["leavers_12m", "whatif_leavers", "total_cny", "whatif_cost_cny", "saving_cny"]
    return live(controls, lambda **rates: r.table(cost_if(month, rates), formats=FORMATS, totals=totals))
