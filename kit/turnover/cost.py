"""The cost of turnover: leavers × replacement cost per role, for the month and the trailing 12 months."""

from __future__ import annotations

import pandas as pd

from kit.exceptions import DataContractError
from kit.turnover.inputs import check_staff, to_period
from kit.turnover.rates import group_columns, rates_table
from kit.turnover.settings import TurnoverSettings


def turnover_cost(
    rates_or_leavers: pd.DataFrame,
    settings: TurnoverSettings | None = None,
    *,
    month: object = None,
    months: int = 12,
) -> pd.DataFrame:
    """Cost of turnover per role: leavers × replacement cost, for the month and the trailing 12 months.

    Parameters
    ----------
    rates_or_leavers : DataFrame
        Either the staff roster (leavers are counted from ``leave_date``) or monthly :func:`turnover_rates`
        output grouped by ``role`` (any further group columns are kept).
    settings : TurnoverSettings, optional
        Replacement cost per role (defaults when None).
    month : month, optional
        The report month; default the last month in the input.
    months : int
        Length of the trailing window.

    Returns
    -------
    DataFrame
        Long, one row per role (and group) and window: ``role``, group columns, ``window`` (``month`` or
        ``trailing_12_months``), ``period_first``, ``period_last``, ``leavers``, ``recruiting_cny``,
        ``training_cny``, ``lost_sales_cny`` (gross profit lost while the seat is empty) and ``total_cny``.
    """
    settings = settings or TurnoverSettings()
    if "leave_date" in rates_or_leavers.columns:
        staff = check_staff(rates_or_leavers)
        end = month if month is not None else (
            staff["leave_date"].max() if staff["leave_date"].notna().any() else staff["hire_date"].max())
        end_p = to_period(end, "M")
        rates = rates_table(staff, pd.period_range(end_p - (months - 1), end_p, freq="M"), ["role"],
                             "average_headcount", None)
    elif {"role", "leavers", "period"} <= set(rates_or_leavers.columns):
        rates = rates_or_leavers
    else:
        raise DataContractError("rates_or_leavers: expected the staff roster (with leave_date) or turnover_rates("
                                "by='role') output with columns period, role, leavers.")
    try:
        periods = pd.PeriodIndex(rates["period"].astype(str), freq="M")
    except (ValueError, TypeError):
        raise DataContractError("rates_or_leavers: expected monthly periods such as 2026-10.") from None
    last = to_period(month, "M") if month is not None else periods.max()
    first = last - (months - 1)
    by = [c for c in group_columns(rates) if c != "role"]
    keys = ["role", *by]
    frames = []
    for window, lo in (("month", last), (f"trailing_{months}_months", first)):
        inside = (periods >= lo) & (periods <= last)
        part = rates.loc[inside].groupby(keys, dropna=False, sort=True)["leavers"].sum().reset_index()
        if part.empty:
            part = rates[keys].drop_duplicates().assign(leavers=0)
        part.insert(len(keys), "window", window)
        part.insert(len(keys) + 1, "period_first", str(lo))
        part.insert(len(keys) + 2, "period_last", str(last))
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    cost = out["role"].map(settings.cost_for)
    out["leavers"] = out["leavers"].astype(int)
    out["recruiting_cny"] = out["leavers"] * cost.map(lambda c: c.recruiting_cny)
    out["training_cny"] = out["leavers"] * cost.map(lambda c: c.training_cny)
    out["lost_sales_cny"] = out["leavers"] * cost.map(lambda c: c.lost_sales_cny)
    out["total_cny"] = out["recruiting_cny"] + out["training_cny"] + out["lost_sales_cny"]
    return out.reset_index(drop=True)
