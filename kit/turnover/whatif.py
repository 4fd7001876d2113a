"""What-if: each role's 12-month turnover set to another rate, and what the leavers and the cost would have been.

The leavers a rate stands for are the rate × the role's average headcount over the 12 months (the same team, the
same formula the report uses), each costing the role's replacement cost from ``dealer.yml``. Plain numbers for the
JupyterLab what-if (:mod:`kit.explore.turnover`); tested without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError
from kit.turnover.inputs import word
from kit.turnover.month import TurnoverMonth


def cost_if(month: TurnoverMonth, rates: Mapping[str, float]) -> pd.DataFrame:
    """Leavers and cost per role over the last 12 months if each role in ``rates`` had turned over at that rate.

    Parameters
    ----------
    month : TurnoverMonth
        The report month (:func:`kit.turnover.turnover_month`).
    rates : mapping
        Role code -> annual turnover (fraction, 0.6 = 60 %); roles not listed keep their actual rate.

    Returns
    -------
    DataFrame
        Per role with leavers or a rate given, most saved first: ``staff_role`` (words), ``turnover_12m_rate``,
        ``whatif_rate``, ``leavers_12m``, ``whatif_leavers``, ``total_cny`` (the actual cost), ``whatif_cost_cny``
        and ``saving_cny`` (negative: the rate costs more).

    Raises
    ------
    ConfigError
        A role without staff in the 12 months, or a rate below 0.
    """
    roles = month.role_rows().set_index("group")
    unknown = sorted(set(rates) - set(roles.index))
    if unknown:
        raise ConfigError(f"rates: no staff in the 12 months for role(s) {', '.join(map(str, unknown))}; roles: "
                          f"{', '.join(map(str, roles.index))}.")
    bad = {r: v for r, v in rates.items() if not np.isfinite(float(v)) or float(v) < 0}
    if bad:
        raise ConfigError(f"rates: expected fractions ≥ 0 (0.6 = 60 %); got {bad}.")
    shown = roles[(roles["leavers_12m"] > 0) | roles.index.isin(list(rates))]
    per_leaver = np.array([month.settings.cost_for(r).total_cny for r in shown.index], dtype=float)
    rate_if = np.array([float(rates.get(r, shown.at[r, "rate_12m"])) for r in shown.index], dtype=float)
    leavers_if = np.where([r in rates for r in shown.index], rate_if * shown["headcount_avg_12m"].to_numpy(float),
                          shown["leavers_12m"].to_numpy(float))
    out = pd.DataFrame({
        "staff_role": [word(r, month.lang) for r in shown.index],
        "turnover_12m_rate": shown["rate_12m"].to_numpy(float),
        "whatif_rate": rate_if,
        "leavers_12m": shown["leavers_12m"].astype(int).to_numpy(),
        "whatif_leavers": leavers_if,
        "total_cny": shown["leavers_12m"].to_numpy(float) * per_leaver,
        "whatif_cost_cny": leavers_if * per_leaver,
    })
    out["saving_cny"] = out["total_cny"] - out["whatif_cost_cny"]
    return out.sort_values(["saving_cny", "staff_role"], ascending=[False, True], kind="stable").reset_index(drop=True)
