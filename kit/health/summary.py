"""Everything the data-health report shows, computed once: :func:`assess`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kit.exceptions import DataContractError, Problem
from kit.health.checks import data_checks
from kit.health.ledger import LedgerCheck, ledger_check
from kit.health.overview import missing_months, rows_by_store, table_overview
from kit.io import Dealer, MonthChoice, choose_month

#: Warnings that describe intended use rather than a problem: a roster's extra numeric columns feed the at-risk
#: model. They are listed, but not counted as needing attention.
INFORMATION_KEYS = frozenset({"columns_extra_staff"})


@dataclass(frozen=True)
class DataHealth:
    """The data-health report's content for one month.

    month : the report month ``YYYY-MM``.
    requested : the month the run asked for (``last`` or ``YYYY-MM``).
    choice : why ``last`` is the month it is (None when no month is complete in every table).
    overview, rows, gaps, checks : :func:`~kit.health.overview.table_overview`,
        :func:`~kit.health.overview.rows_by_store`, :func:`~kit.health.overview.missing_months`,
        :func:`~kit.health.checks.data_checks`.
    warnings : the loader's warnings (:class:`kit.exceptions.Problem`).
    ledger : the order ledger against the other tables (None without an ``orders`` table).
    """

    month: str
    requested: str
    choice: MonthChoice | None
    overview: pd.DataFrame
    rows: pd.DataFrame
    gaps: pd.DataFrame
    checks: pd.DataFrame
    warnings: list[Problem]
    ledger: LedgerCheck | None

    @property
    def tables_read(self) -> int:
        """Tables read (optional ones not provided are not counted)."""
        return int((self.overview["status"] == "read").sum())

    @property
    def rows_in_month(self) -> int:
        """Rows dated in the report month, over every table."""
        return int(self.overview["rows_in_month"].sum())

    @property
    def attention_warnings(self) -> list[Problem]:
        """Warnings that need someone to look at the source data."""
        return [p for p in self.warnings if p.key not in INFORMATION_KEYS]

    @property
    def ledger_disagreeing_checks(self) -> int:
        """Ledger comparisons (one per check) with at least one disagreeing row."""
        if self.ledger is None or self.ledger.summary.empty:
            return 0
        return int((self.ledger.summary["disagreeing"] > 0).sum())

    @property
    def needs_attention(self) -> int:
        """Problems needing attention: warnings (beyond information), checks flagged, ledger checks that disagree."""
        return len(self.attention_warnings) + int(self.checks["attention"].sum()) + self.ledger_disagreeing_checks


def assess(dealer: Dealer, *, month: str, requested: str = "last", today: dt.date | None = None,
           months: int = 12) -> DataHealth:
    """The data-health report for ``month``: what arrived, rows per store, gaps, checks, warnings, the ledger.

    ``requested`` is what the run asked for (``last`` or the month); ``today`` decides ``last``'s choice (default:
    the machine's date, as the run did); ``months`` is the window of the per-store counts and the ledger check.
    """
    try:
        choice = choose_month(dealer, today=today)
    except DataContractError:  # a month asked for explicitly can be reported on without a complete one
        choice = None
    return DataHealth(
        month=month, requested=requested, choice=choice,
        overview=table_overview(dealer, month=month),
        rows=rows_by_store(dealer, month=month, months=months),
        gaps=missing_months(dealer, month=month),
        checks=data_checks(dealer, month=month),
        warnings=list(dealer.warnings),
        ledger=ledger_check(dealer, month=month, months=months),
    )
