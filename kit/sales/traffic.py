"""Showroom traffic by day and by ISO week: walk-ins, calls and online enquiries, leads registered, registration rate.

Registration rate (留档率) = leads registered from walk-ins, calls and online enquiries ÷ those visitors, the
definition of :func:`kit.leads.funnel` (DOMAIN §2.1, 新增留档率 with walk-ins and calls together); a month's
daily figures add up to the funnel's month.
"""

from __future__ import annotations

import pandas as pd

from kit.schemas import TRAFFIC

#: The channels the traffic table counts (walk_in, phone, online), as in :data:`kit.leads.TRAFFIC_CHANNELS`.
TRAFFIC_CHANNELS = TRAFFIC.column("channel").allowed

VISITOR_COLUMNS = tuple(f"{c}_visitors" for c in TRAFFIC_CHANNELS)
COLUMNS = ["date", *VISITOR_COLUMNS, "visitors_total", "registered_leads", "registration_rate"]


def traffic_daily(traffic: pd.DataFrame | None, leads: pd.DataFrame | None, *, start: object, end: object,
                  store_id: str | None = None) -> pd.DataFrame:
    """Visitors per channel, leads registered and the registration rate for each day of ``[start, end]``.

    Parameters
    ----------
    traffic : DataFrame or None
        Contract ``kit.schemas.TRAFFIC`` (date, store_id, channel, visitors). Without it only the leads registered
        are given (visitors and the rate empty).
    leads : DataFrame or None
        Contract ``kit.schemas.LEADS`` (created_at, channel, store_id).
    store_id : str, optional
        One store; None for the whole dealership.

    Returns
    -------
    DataFrame
        date, walk_in_visitors, phone_visitors, online_visitors, visitors_total, registered_leads,
        registration_rate (every day listed; the rate is empty on a day without visitors).
    """
    days = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D")
    out = pd.DataFrame({"date": days})
    if traffic is not None and not traffic.empty:
        t = traffic.copy()
        t["date"] = pd.to_datetime(t["date"]).dt.normalize()
        if store_id is not None:
            t = t.loc[t["store_id"].astype(str) == str(store_id)]
        t = t.loc[t["date"].isin(days)]
        wide = t.pivot_table(index="date", columns="channel", values="visitors", aggfunc="sum", fill_value=0)
        for channel in TRAFFIC_CHANNELS:
            values = wide[channel] if channel in wide.columns else pd.Series(dtype=float)
            out[f"{channel}_visitors"] = values.reindex(days, fill_value=0).to_numpy().astype("int64")
        out["visitors_total"] = out[list(VISITOR_COLUMNS)].sum(axis=1).astype("int64")
    else:
        for col in (*VISITOR_COLUMNS, "visitors_total"):
            out[col] = pd.NA
    registered = pd.Series(0, index=days)
    if leads is not None and not leads.empty:
        lf = leads
        if store_id is not None:
            lf = lf.loc[lf["store_id"].astype(str) == str(store_id)]
        lf = lf.loc[lf["channel"].isin(TRAFFIC_CHANNELS)]
        registered = pd.to_datetime(lf["created_at"]).dt.normalize().value_counts().reindex(days, fill_value=0)
    out["registered_leads"] = registered.to_numpy().astype("int64")
    out["registration_rate"] = _rate(out["registered_leads"], out["visitors_total"])
    return out[COLUMNS]


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    return (numerator.astype(float) / den.where(den > 0)).astype(float)


def traffic_weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """The daily table summed per ISO week (Monday to Sunday; a week cut by the window counts its days inside).

    Returns
    -------
    DataFrame
        week (``2026-W42``), week_start, days, the visitor columns, registered_leads, registration_rate.
    """
    d = daily.copy()
    iso = d["date"].dt.isocalendar()
    d["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)
    sums = [c for c in (*VISITOR_COLUMNS, "visitors_total", "registered_leads")]
    agg = d.groupby("week", sort=True).agg(week_start=("date", "min"), days=("date", "size"),
                                           **{c: (c, lambda s: s.sum(min_count=1)) for c in sums})
    agg = agg.reset_index()
    agg["registration_rate"] = _rate(agg["registered_leads"], agg["visitors_total"])
    return agg[["week", "week_start", "days", *sums, "registration_rate"]]


def traffic_total(daily: pd.DataFrame) -> dict[str, float]:
    """The window's totals: visitors per channel, visitors_total, registered_leads, registration_rate."""
    sums = {c: float(pd.to_numeric(daily[c], errors="coerce").sum(min_count=1))
            for c in (*VISITOR_COLUMNS, "visitors_total", "registered_leads")}
    total = sums["visitors_total"]
    sums["registration_rate"] = sums["registered_leads"] / total if total and total > 0 else float("nan")
    return sums
