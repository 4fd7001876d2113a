"""The showroom funnel: enquiries → registered → test drive → order → delivery, each rate with its denominator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kit.checks import require_columns
from kit.exceptions import ConfigError, DataContractError
from kit.leads.inputs import month_of, prepare_followups, prepare_leads, to_text
from kit.leads.settings import LeadSettings, as_settings

TRAFFIC_CHANNELS = ("walk_in", "phone", "online")
FUNNEL_STEPS = ("enquiries", "registered", "test_drive", "ordered", "delivered")

_DENOMINATORS = {
    "cohort": {
        "registered": "enquiries in the traffic table (walk-in, phone, online); numerator: leads registered from "
                      "those channels",
        "test_drive": "leads registered in the period",
        "ordered": "leads registered in the period",
        "delivered": "orders from leads registered in the period",
    },
    "activity": {
        "registered": "enquiries in the traffic table (walk-in, phone, online); numerator: leads registered from "
                      "those channels",
        "test_drive": "leads registered in the period (numerator: first test drives taken in the period)",
        "ordered": "leads registered in the period (numerator: orders signed in the period)",
        "delivered": "orders signed in the period (numerator: cars delivered in the period)",
    },
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


def funnel(leads: pd.DataFrame, *, period: Any, traffic: pd.DataFrame | None = None,
           followups: pd.DataFrame | None = None, by: str | Sequence[str] | None = None,
           settings: LeadSettings | Mapping | None = None, basis: str = "cohort") -> pd.DataFrame:
    """Showroom funnel for the month and the trailing 12 months: enquiries → registered → test drive → order →
    delivery, each rate with its denominator named, against the targets.

    Rates (docs/DOMAIN.md §2.1; the denominator of each is in the ``denominator_name`` column):

    * registration_rate = leads registered from walk-ins, calls and online enquiries ÷ enquiries in ``traffic``
      (empty without a traffic table, or when grouping by something traffic does not record);
    * test_drive_rate = test drives ÷ leads registered in the period;
    * order_rate = orders ÷ leads registered in the period;
    * delivery_rate = deliveries ÷ orders.

    With ``basis="cohort"`` (default) the leads registered in the period are followed to the end of the period:
    how many of *them* took a test drive, ordered and took delivery by then, so every rate lies between 0 and 1.
    With ``basis="activity"`` the counts are the events that happened in the period whoever the lead (as the
    DMS formulas 试乘试驾量 ÷ 新增集客量 count them); rates may then exceed 1.

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

    Returns
    -------
    DataFrame
        window ("month" / "trailing_12_months"), period_start, period_end, the ``by`` columns, step
        (enquiries, registered, test_drive, ordered, delivered), count, rate_name, rate, numerator, denominator,
        denominator_name, target, gap_to_target (rate − target), meets_target. A month with no leads or no closed
        leads gives zero counts and empty rates, not an error.
    """
    s = as_settings(settings)
    if basis not in ("cohort", "activity"):
        raise ConfigError(f"basis: expected cohort or activity; got {basis!r}.")
    lf = prepare_leads(leads, ("channel",))
    by_cols = _by_list(by, lf, ("channel", "consultant_id", "model_interest", "store_id"))
    month = month_of(period)
    if followups is not None:
        follow = prepare_followups(followups, lf)
        td = follow.loc[follow["outcome_code"] == "test_drive"].groupby("lead_id")["at"].min().dt.normalize()
        lf["test_drive_at"] = lf["lead_id"].map(td)
    elif basis == "activity":
        raise DataContractError("funnel(basis='activity') needs followups to date the test drives; pass followups "
                                "or use basis='cohort'.")
    elif "test_drive" not in lf.columns:
        raise DataContractError("leads: missing column test_drive (or pass followups to date the test drives).")
    if "delivered_at" not in lf.columns:
        lf["delivered_at"] = pd.NaT
    tr = None
    if traffic is not None:
        require_columns(traffic, "traffic", ("date", "channel", "visitors"))
        tr = traffic.copy()
        tr["date"] = pd.to_datetime(tr["date"]).dt.normalize()
        tr["channel"] = to_text(tr["channel"])
        if "store_id" in tr.columns:
            tr["store_id"] = to_text(tr["store_id"])
        tr["visitors"] = pd.to_numeric(tr["visitors"], errors="coerce").fillna(0)
    windows = [("month", month.start_time.normalize(), month.end_time.normalize()),
               ("trailing_12_months", (month - 11).start_time.normalize(), month.end_time.normalize())]
    frames = [_funnel_window(lf, tr, name, start, end, by_cols, basis, s) for name, start, end in windows]
    return pd.concat(frames, ignore_index=True)


def _funnel_window(lf: pd.DataFrame, tr: pd.DataFrame | None, name: str, start: pd.Timestamp, end: pd.Timestamp,
                   by: list[str], basis: str, s: LeadSettings) -> pd.DataFrame:
    def within(dates: pd.Series) -> pd.Series:
        return (dates >= start) & (dates <= end)

    key = by or ["_all"]
    frame = lf.assign(_all="all")
    registered = within(frame["created_at"])
    if "test_drive_at" in frame.columns:
        td_cohort = frame["test_drive_at"].notna() & (frame["test_drive_at"] <= end)
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
        flags["ordered"] = registered & won & (frame["closed_at"] <= end)
        flags["delivered"] = registered & (frame["delivered_at"] <= end)
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
            row = {"window": name, "period_start": start, "period_end": end}
            row.update({k: v for k, v in values.items() if k != "_all"})
            row.update({"step": step, "count": float(count) if not pd.isna(count) else np.nan,
                        "rate_name": rate_name, "rate": rate,
                        "numerator": float(num) if num is not None and not pd.isna(den if den is not None else 0)
                        else np.nan,
                        "denominator": float(den) if den is not None and not pd.isna(den) else np.nan,
                        "denominator_name": _DENOMINATORS[basis].get(step),
                        "target": np.nan if target is None else float(target)})
            rows.append(row)
    out = pd.DataFrame(rows, columns=["window", "period_start", "period_end", *by, "step", "count", "rate_name",
                                      "rate", "numerator", "denominator", "denominator_name", "target"])
    out["gap_to_target"] = out["rate"] - out["target"]
    meets = pd.array([pd.NA] * len(out), dtype="boolean")
    has = out["rate"].notna() & out["target"].notna()
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
