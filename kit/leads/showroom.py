"""The showroom funnel: enquiries → registered → test drive → order → delivery, each rate with its denominator, and
whether a month's rates are final yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.exceptions import ConfigError, DataContractError
from kit.leads.inputs import as_day, known_as_of, month_of, prepare_followups, prepare_leads, to_text
from kit.leads.settings import LeadSettings, as_settings

TRAFFIC_CHANNELS = ("walk_in", "phone", "online")
FUNNEL_STEPS = ("enquiries", "registered", "test_drive", "ordered", "delivered")

#: What each rate is divided by, as catalog codes (``label(code)`` gives the words), per basis.
DENOMINATORS = {
    "cohort": {"registered": "den_enquiries", "test_drive": "den_cohort_leads", "ordered": "den_cohort_leads",
               "delivered": "den_cohort_orders"},
    "activity": {"registered": "den_enquiries", "test_drive": "den_period_leads_test_drives",
                 "ordered": "den_period_leads_orders", "delivered": "den_period_orders"},
}
_STEP_RATE = {"registered": "registration_rate", "test_drive": "test_drive_rate", "ordered": "order_rate",
              "delivered": "delivery_rate"}


def _by_list(by: Any, frame: pd.DataFrame, allowed: Sequence[str]) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    for col in cols:
        if col not in allowed:
            raise ConfigError(f"by: expected one or more of {', '.join(allowed)}; got {col!r}.")
        if col not in frame.columns:
            raise DataContractError(f"leads: missing column {col} needed for by={col!r}.")
    return cols


def final_on(period_end: Any, *, settings: LeadSettings | Mapping | None = None) -> pd.Timestamp:
    """The day the funnel of leads registered up to ``period_end`` becomes final: ``conversion_window_days`` later.

    Until then some of those leads can still take a test drive, order or take delivery, so their rates may rise.
    """
    return as_day(period_end, "period_end") + pd.Timedelta(days=as_settings(settings).conversion_window_days)


def latest_final_month(as_of: Any, *, settings: LeadSettings | Mapping | None = None) -> pd.Period:
    """The latest month whose leads have all had the conversion window by the end of ``as_of``.

    >>> str(latest_final_month("2026-10-31"))     # July's last leads reached 90 days on 29 October
    '2026-07'
    """
    s = as_settings(settings)
    day = as_day(as_of, "as_of")
    month = day.to_period("M")
    while final_on(month.end_time, settings=s) > day:
        month -= 1
    return month


def orders_signed(leads: pd.DataFrame, *, start: Any, end: Any) -> int:
    """Orders signed from leads between ``start`` and ``end`` (both days included): leads won with a close date in
    the period, as known at the end of ``end``."""
    lf = prepare_leads(leads)
    first, last = as_day(start, "start"), as_day(end, "end")
    return int(((lf["status"] == "won") & (lf["closed_at"] >= first) & (lf["closed_at"] <= last)).sum())


def funnel(leads: pd.DataFrame, *, period: Any, traffic: pd.DataFrame | None = None,
           followups: pd.DataFrame | None = None, by: str | Sequence[str] | None = None,
           settings: LeadSettings | Mapping | None = None, basis: str = "cohort", as_of: Any = None) -> pd.DataFrame:
    """Showroom funnel for the month and the trailing 12 months: enquiries → registered → test drive → order →
    delivery, each rate with its denominator named, against the targets.

    Rates (docs/DOMAIN.md §2.1; the denominator of each is in the ``denominator_name`` column):

    * registration_rate = leads registered from walk-ins, calls and online enquiries ÷ enquiries in ``traffic``
      (empty without a traffic table, or when grouping by something traffic does not record);
    * test_drive_rate = test drives ÷ leads registered in the period;
    * order_rate = orders ÷ leads registered in the period;
    * delivery_rate = deliveries ÷ orders.

    With ``basis="cohort"`` (default) the leads registered in the period are followed until ``as_of``, at most
    ``conversion_window_days`` past the period's end: how many of *them* took a test drive, ordered and took
    delivery by then, so every rate lies between 0 and 1. With ``basis="activity"`` the counts are the events that
    happened in the period whoever the lead (as the DMS formulas 试乘试驾量 ÷ 新增集客量 count them); rates may then
    exceed 1.

    **Final or not.** A row is final when its counts can no longer change: the enquiries and the registration rate
    once the period has ended, the cohort's test drives, orders and deliveries once every lead of the period has
    had the conversion window (:func:`final_on`). A row that is not final keeps its target but is never compared
    with it (``gap_to_target`` and ``meets_target`` are empty): the latest month that is final is
    :func:`latest_final_month`.

    Parameters
    ----------
    leads : DataFrame
        lead_id, created_at, status, closed_at, channel, test_drive, and delivered_at when deliveries are wanted.
    period : str or Period
        The month, ``"2026-10"``; the trailing window is the 12 months ending with it.
    traffic : DataFrame, optional
        Contract ``kit.schemas.TRAFFIC`` (date, store_id, channel, visitors).
    followups : DataFrame, optional
        Dates the test drives (outcome ``test_drive``); without it the leads table's ``test_drive`` column is used
        (cohort basis only: it has no date).
    by : str or list of str, optional
        channel, consultant_id, model_interest and/or store_id.
    settings : LeadSettings, optional
        ``funnel_targets``.
    basis : {"cohort", "activity"}
    as_of : date-like, optional
        What is known: leads registered, closed or delivered later, and later test drives and traffic, are
        ignored. Default the period's last day.

    Returns
    -------
    DataFrame
        window ("month" / "trailing_12_months"), period_start, period_end, the ``by`` columns, step
        (enquiries, registered, test_drive, ordered, delivered), count, rate_name, rate, numerator, denominator,
        denominator_name (a code of :data:`DENOMINATORS`), target, final, final_on, gap_to_target (rate − target,
        final rows only), meets_target (final rows only). A month with no leads or no closed leads gives zero counts
        and empty rates, not an error.
    """
    s = as_settings(settings)
    if basis not in ("cohort", "activity"):
        raise ConfigError(f"basis: expected cohort or activity; got {basis!r}.")
    lf = prepare_leads(leads, ("channel",))
    by_cols = _by_list(by, lf, ("channel", "consultant_id", "model_interest", "store_id"))
    month = month_of(period)
    day = month.end_time.normalize() if as_of is None else as_day(as_of, "as_of")
    if followups is not None:
        follow = prepare_followups(followups, lf)
        follow = follow.loc[follow["at"] < day + pd.Timedelta(days=1)]
        td = follow.loc[follow["outcome_code"] == "test_drive"].groupby("lead_id")["at"].min().dt.normalize()
        lf["test_drive_at"] = lf["lead_id"].map(td)
    elif basis == "activity":
        raise DataContractError("funnel(basis='activity') needs followups to date the test drives; pass followups "
                                "or use basis='cohort'.")
    elif "test_drive" not in lf.columns:
        raise DataContractError("leads: missing column test_drive (or pass followups to date the test drives).")
    if "delivered_at" not in lf.columns:
        lf["delivered_at"] = pd.NaT
    lf = known_as_of(lf, day)
    tr = None
    if traffic is not None:
        require_columns(traffic, "traffic", ("date", "channel", "visitors"))
        tr = traffic.copy()
        tr["date"] = pd.to_datetime(tr["date"]).dt.normalize()
        tr["channel"] = to_text(tr["channel"])
        if "store_id" in tr.columns:
            tr["store_id"] = to_text(tr["store_id"])
        tr["visitors"] = pd.to_numeric(tr["visitors"], errors="coerce").fillna(0)
        tr = tr.loc[tr["date"] <= day]
    windows = [("month", month.start_time.normalize(), month.end_time.normalize()),
               ("trailing_12_months", (month - 11).start_time.normalize(), month.end_time.normalize())]
    frames = [_funnel_window(lf, tr, name, start, end, by_cols, basis, s, day) for name, start, end in windows]
    return pd.concat(frames, ignore_index=True)


def _funnel_window(lf: pd.DataFrame, tr: pd.DataFrame | None, name: str, start: pd.Timestamp, end: pd.Timestamp,
                   by: list[str], basis: str, s: LeadSettings, day: pd.Timestamp) -> pd.DataFrame:
    def within(dates: pd.Series) -> pd.Series:
        return (dates >= start) & (dates <= end)

    outcomes_final = final_on(end, settings=s) if basis == "cohort" else end
    follow_end = min(day, outcomes_final)   # a cohort is followed for the conversion window, not longer

    key = by or ["_all"]
    frame = lf.assign(_all="all")
    registered = within(frame["created_at"])
    if "test_drive_at" in frame.columns:
        td_cohort = frame["test_drive_at"].notna() & (frame["test_drive_at"] <= follow_end)
        td_activity = within(frame["test_drive_at"])
    else:
        td_cohort = frame["test_drive"].astype(bool)
        td_activity = td_cohort & False
    won = frame["status"] == "won"
    flags = pd.DataFrame({
        "registered": registered,
        "registered_traffic": registered & frame["channel"].isin(TRAFFIC_CHANNELS),
    })
    if basis == "cohort":
        flags["test_drive"] = registered & td_cohort
        flags["ordered"] = registered & won & (frame["closed_at"] <= follow_end)
        flags["delivered"] = registered & (frame["delivered_at"] <= follow_end)
    else:
        flags["test_drive"] = td_activity
        flags["ordered"] = won & within(frame["closed_at"])
        flags["delivered"] = within(frame["delivered_at"])
    flags = flags.fillna(False).astype(int)
    for col in key:
        flags[col] = frame[col].to_numpy(dtype=object)
    active = flags[["registered", "test_drive", "ordered", "delivered"]].sum(axis=1) > 0
    counts = flags.loc[active].groupby(key, sort=True, dropna=False)[
        ["registered", "registered_traffic", "test_drive", "ordered", "delivered"]].sum()
    if not by and counts.empty:
        counts = pd.DataFrame({c: [0] for c in counts.columns}, index=pd.Index(["all"], name="_all"))
    enquiries = _traffic_counts(tr, start, end, by)
    rows = []
    for group, c in counts.iterrows():
        values = dict(zip(key, group if isinstance(group, tuple) else (group,)))
        if enquiries is None:
            enq = np.nan
        elif not by:
            enq = float(enquiries)
        else:
            gkey = tuple(values[k] for k in by)
            if "channel" in by and values["channel"] not in TRAFFIC_CHANNELS:
                enq = np.nan
            else:
                enq = float(enquiries.get(gkey if len(by) > 1 else gkey[0], 0.0))
        steps = {"enquiries": (enq, None, None),
                 "registered": (c["registered"], c["registered_traffic"], enq),
                 "test_drive": (c["test_drive"], c["test_drive"], c["registered"]),
                 "ordered": (c["ordered"], c["ordered"], c["registered"]),
                 "delivered": (c["delivered"], c["delivered"], c["ordered"])}
        for step in FUNNEL_STEPS:
            count, num, den = steps[step]
            rate_name = _STEP_RATE.get(step)
            rate = (num / den) if rate_name and den is not None and not pd.isna(den) and den > 0 else np.nan
            target = s.funnel_targets.get(rate_name) if rate_name else None
            final_day = end if step in ("enquiries", "registered") else outcomes_final
            row = {"window": name, "period_start": start, "period_end": end}
            row.update({k: v for k, v in values.items() if k != "_all"})
            row.update({"step": step, "count": float(count) if not pd.isna(count) else np.nan,
                        "rate_name": rate_name, "rate": rate,
                        "numerator": float(num) if num is not None and not pd.isna(den if den is not None else 0)
                        else np.nan,
                        "denominator": float(den) if den is not None and not pd.isna(den) else np.nan,
                        "denominator_name": DENOMINATORS[basis].get(step),
                        "target": np.nan if target is None else float(target),
                        "final": bool(day >= final_day), "final_on": final_day})
            rows.append(row)
    out = pd.DataFrame(rows, columns=["window", "period_start", "period_end", *by, "step", "count", "rate_name",
                                      "rate", "numerator", "denominator", "denominator_name", "target", "final",
                                      "final_on"])
    out["final"] = out["final"].astype(bool)
    out["gap_to_target"] = (out["rate"] - out["target"]).where(out["final"])
    meets = pd.array([pd.NA] * len(out), dtype="boolean")
    has = out["rate"].notna() & out["target"].notna() & out["final"]
    meets[has.to_numpy()] = (out.loc[has, "rate"] >= out.loc[has, "target"]).to_numpy()
    out["meets_target"] = meets
    return out


def _traffic_counts(tr: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp, by: list[str]):
    """Enquiries in the window: a number (no grouping), a Series keyed by the group, or None if not countable."""
    if tr is None:
        return None
    if any(col not in ("channel", "store_id") for col in by) or any(col not in tr.columns for col in by):
        return None
    t = tr.loc[(tr["date"] >= start) & (tr["date"] <= end)]
    if not by:
        return float(t["visitors"].sum())
    return t.groupby(by)["visitors"].sum()
