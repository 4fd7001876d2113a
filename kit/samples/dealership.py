"""The public generators of the sample dealership: :func:`make_dealership` and its one-table shortcuts."""

from __future__ import annotations

import pandas as pd

from kit.samples.frames import (
    _grade_log_frame, _kpi_frame, _lead_frames, _staff_frame, _stock_frame, _traffic_frame, _traits_frame,
)
from kit.samples.ledger import _fleet_cars, _orders_frame, _sales_from_orders, _targets_frame
from kit.samples.parameters import _LEDGER_STREAM, HISTORY_END, HISTORY_START
from kit.samples.simulation import _Simulation


def _tables(sim: _Simulation, *, include_truth: bool) -> dict[str, pd.DataFrame]:
    """Every table of a finished simulation (and its truth when asked)."""
    staff, ids = _staff_frame(sim)
    leads, followups, lead_truth, all_leads = _lead_frames(sim, ids)
    kpi = _kpi_frame(sim, ids, leads)
    fleet = _fleet_cars(sim)
    traits = _traits_frame(sim, ids)
    rng = sim.stream(_LEDGER_STREAM)
    orders, deal_traits = _orders_frame(sim, all_leads, fleet, staff, traits, rng, id_prefix=sim.order_prefix)
    # a cancelled order is never handed over: its lead keeps its order date but loses the delivery
    cancelled = orders.loc[orders["cancelled_at"].notna(), "lead_id"].dropna()
    leads.loc[leads["lead_id"].isin(cancelled), "delivered_at"] = pd.NaT
    sales = _sales_from_orders(sim, orders)
    tables = {
        "staff": staff,
        "leads": leads,
        "followups": followups,
        "traffic": _traffic_frame(sim, all_leads),
        "kpi": kpi,
        "sales": sales,
        "stock": _stock_frame(sim, sales),
        "grade_log": _grade_log_frame(sim),
        "orders": orders,
        "targets": _targets_frame(sim, sales, orders, all_leads, rng),
    }
    if include_truth:
        tables["consultant_traits"] = traits.merge(deal_traits, on="staff_id", how="left")
        tables["lead_truth"] = lead_truth
    return tables


def make_dealership(*, seed: int = 0, start: str = HISTORY_START, end: str = HISTORY_END, n_stores: int = 2,
                    scale: float = 1.0, include_truth: bool = False) -> dict[str, pd.DataFrame]:
    """Simulate the sample dealership and return its tables.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives identical tables.
    start, end
        First and last month of the history, ``'YYYY-MM'`` (defaults 2023-11 and 2026-10).
    n_stores
        Number of stores, ``S1`` … ``Sn``.
    scale
        Lead volume multiplier; below 1 it also shrinks the staff (for fast tests; 0.1 gives ~1,900 leads).
    include_truth
        Add ``consultant_traits`` and ``lead_truth``: the hidden values the generator used (the consultants'
        deal skill, accessories factor and delivery follow-up style included).

    Returns
    -------
    dict of DataFrame
        ``staff``, ``leads``, ``followups``, ``traffic``, ``kpi``, ``sales``, ``stock``, ``grade_log`` (the
        month-end grade sheet: lead_id, at, grade for every lead open on each month end of the history),
        ``orders`` (the order and delivery ledger; ``sales`` is its monthly sum) and ``targets`` (monthly store
        and store × model targets) in the columns of :mod:`kit.schemas` (plus ``delivered_at`` in leads and three
        numeric columns in staff); dates are datetime64, booleans bool, months ``'YYYY-MM'`` strings.

    Raises
    ------
    ConfigError
        ``start``/``end`` not ``YYYY-MM`` or less than 3 months apart, ``n_stores`` outside 1–9, ``scale``
        outside 0.01–5.
    """
    sim = _Simulation(seed=seed, start=start, end=end, n_stores=n_stores, scale=scale)
    sim.run()
    sim.finish()
    return _tables(sim, include_truth=include_truth)


def make_leads(*, seed: int = 0, scale: float = 0.1, start: str = HISTORY_START,
               end: str = HISTORY_END) -> pd.DataFrame:
    """Leads of a small sample dealership (``make_dealership(...)['leads']``; scale 0.1 ≈ 1,900 leads)."""
    return make_dealership(seed=seed, scale=scale, start=start, end=end)["leads"]


def make_staff(*, seed: int = 0, scale: float = 0.1, start: str = HISTORY_START,
               end: str = HISTORY_END) -> pd.DataFrame:
    """Staff roster of a small sample dealership (``make_dealership(...)['staff']``; scale 1 for the full roster)."""
    return make_dealership(seed=seed, scale=scale, start=start, end=end)["staff"]


def make_sales(*, seed: int = 0, scale: float = 0.1, start: str = HISTORY_START,
               end: str = HISTORY_END) -> pd.DataFrame:
    """Monthly deliveries per store and model of a small sample dealership (``make_dealership(...)['sales']``)."""
    return make_dealership(seed=seed, scale=scale, start=start, end=end)["sales"]


