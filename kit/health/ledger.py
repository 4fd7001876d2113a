"""Does the order ledger agree with the monthly sales table and the KPI sheet? (when ``orders`` is there)

The same cars arrive in three exports; :func:`kit.sales.reconcile` compares them month by month. Here the months are
those the ledger covers completely, up to the report month and at most :data:`MONTHS` of them, and the rows that
disagree are listed the report month first, the largest difference first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kit.io import Dealer
from kit.sales.reconciliation import covered_months, reconcile, reconciliation_summary
from kit.sales.settings import sales_settings

#: Months compared, the report month and those before it.
MONTHS = 12
#: Checks that compare money; the others compare cars.
MONEY_CHECKS = ("gross_profit_vs_sales", "consultant_gross_profit_vs_kpi")


@dataclass(frozen=True)
class LedgerCheck:
    """The ledger against the other tables.

    months : the months compared (oldest first); empty when the ledger covers none up to the report month.
    result : one row per month × key × check (:func:`kit.sales.reconcile`).
    summary : one row per check (:func:`kit.sales.reconciliation_summary`).
    disagreements : the rows of ``result`` that do not agree, the report month first, then by size.
    """

    months: list[str]
    result: pd.DataFrame
    summary: pd.DataFrame
    disagreements: pd.DataFrame

    @property
    def checked(self) -> bool:
        return not self.result.empty


def ledger_check(dealer: Dealer, *, month: str, months: int = MONTHS, tolerance_cny: float = 1.0
                 ) -> LedgerCheck | None:
    """Reconcile the order ledger with ``sales`` and ``kpi`` for the covered months up to ``month``; None when the
    dealership has no ``orders`` table."""
    orders = dealer.tables.get("orders")
    if orders is None:
        return None
    first = str(pd.Period(month, freq="M") - (months - 1))
    wanted = [m for m in covered_months(orders) if first <= m <= month]
    result = reconcile(orders, sales=dealer.tables.get("sales"), kpi=dealer.tables.get("kpi"), months=wanted,
                       basis=sales_settings(dealer.settings).consultant_units, tolerance_cny=tolerance_cny)
    bad = result.loc[~result["agrees"].astype(bool)].copy()
    if not bad.empty:
        bad["_size"] = bad["difference"].abs()
        bad = bad.sort_values(["month", "_size"], ascending=[False, False], kind="stable").drop(columns="_size")
    return LedgerCheck(months=wanted, result=result, summary=reconciliation_summary(result),
                       disagreements=bad.reset_index(drop=True))
