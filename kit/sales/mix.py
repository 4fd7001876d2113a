"""The margin-tier mix per consultant (premium / standard / entry cars) against the month's tier targets.

The kpi sheet splits each consultant's unit target by margin tier (``units_premium``, ``units_standard``,
``units_entry``; the seed material's "volume split by margin tier", DOMAIN intro). For a complete month the sheet's
own actuals are used, as the bonus uses them. Mid-month the sheet has no actuals yet, so the cars credited so far
(on the ``sales.consultant_units`` basis) are counted per tier through ``sales.model_tiers`` and set against the
month's targets with the time pace; these rows are month-to-date, never final.

A tier is *below the line* when its achievement is under the kpi sheet's product-mix gate (``kpi.gates``, 80 % by
default) — for a month in progress, under that line times the share of the month gone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kit.sales.ledger import credited
from kit.sales.pace import Pace, against_target
from kit.sales.settings import TIERS, SalesSettings
from kit.sales.targets import consultant_targets

#: Tier label of credited cars whose model has no tier in ``sales.model_tiers``.
UNTIERED = "untiered"
COLUMNS = ["consultant_id", "tier", "actual_units", "target_units", "achievement_rate", "status", "below_line"]


@dataclass(frozen=True)
class TierMix:
    """The mix table, where its actuals come from (``kpi``, ``ledger`` or ``None``) and why it may be empty."""

    table: pd.DataFrame
    source: str | None
    reason: str | None = None


def tier_mix(orders: pd.DataFrame | None, kpi: pd.DataFrame | None, *, month: str, pace: Pace,
             settings: SalesSettings | None = None, line: float = 0.8) -> TierMix:
    """Each consultant's cars per margin tier against the tier targets of ``month``.

    Parameters
    ----------
    orders : DataFrame or None
        The order ledger (needed mid-month).
    kpi : DataFrame or None
        The kpi sheet (targets, and the actuals of a complete month).
    month : str
        ``YYYY-MM``.
    pace : Pace
        The month's pace on the report's last day.
    settings : SalesSettings
        ``model_tiers`` and ``consultant_units``.
    line : float
        Achievement below which a tier is flagged (the product-mix gate).

    Returns
    -------
    TierMix
        ``table``: consultant_id, tier, actual_units, target_units, achievement_rate, status, below_line.
        ``reason`` when empty: ``no_tier_targets`` or ``no_model_tiers``.
    """
    s = settings or SalesSettings()
    kt = consultant_targets(kpi, month)
    kt = kt.loc[kt["metric"].isin([f"units_{t}" for t in TIERS])].copy()
    if kt.empty:
        return TierMix(pd.DataFrame(columns=COLUMNS), None, "no_tier_targets")
    kt["tier"] = kt["metric"].str.removeprefix("units_")
    kt = kt.rename(columns={"staff_id": "consultant_id", "target": "target_units"})
    if pace.complete and kt["actual"].notna().all():
        table = kt.rename(columns={"actual": "actual_units"})[["consultant_id", "tier", "actual_units",
                                                                "target_units"]]
        source = "kpi"
    elif s.model_tiers and orders is not None:
        start = pd.Timestamp(f"{month}-01")
        got = credited(orders.assign(_tier=orders["model"].astype(str).map(dict(s.model_tiers)).fillna(UNTIERED)),
                       start=start, end=pace.as_of, basis=s.consultant_units, by=["consultant_id", "_tier"])
        got = got.rename(columns={"_tier": "tier", "credited_units": "actual_units"})
        targets = kt[["consultant_id", "tier", "target_units"]]
        table = targets.merge(got[["consultant_id", "tier", "actual_units"]], on=["consultant_id", "tier"],
                              how="outer")
        table = table.loc[table["consultant_id"].isin(set(kt["consultant_id"])) | (table["actual_units"] != 0)]
        table["actual_units"] = table["actual_units"].fillna(0)
        source = "ledger"
    else:
        return TierMix(pd.DataFrame(columns=COLUMNS), None, "no_model_tiers")
    order = {t: i for i, t in enumerate((*TIERS, UNTIERED))}
    table = table.assign(_o=table["tier"].map(order)).sort_values(["consultant_id", "_o"]).drop(columns="_o")
    table = table.reset_index(drop=True)
    scored = against_target(table["actual_units"], table["target_units"], pace)
    table["achievement_rate"] = scored["achievement_rate"]
    table["status"] = scored["status"]
    bar = line if pace.complete else line * pace.elapsed_rate
    table["below_line"] = (table["achievement_rate"] < bar - 1e-12).fillna(False).to_numpy(dtype=bool)
    table["actual_units"] = table["actual_units"].astype(float)
    return TierMix(table[COLUMNS], source)


def mix_line(kpi_settings: object, default: float = 0.8) -> float:
    """The product-mix gate's minimum achievement from the kpi settings (``default`` when there is no such gate)."""
    tiers = {f"units_{t}" for t in TIERS}
    for gate in getattr(kpi_settings, "gates", ()) or ():
        if set(getattr(gate, "metrics", ()) or ()) & tiers and getattr(gate, "min_achievement", None) is not None:
            return float(gate.min_achievement)
    return default


def tier_wide(mix: pd.DataFrame) -> pd.DataFrame:
    """One row per consultant: <tier>_units, <tier>_target_units, <tier>_achievement_rate and a below-line flag."""
    if mix.empty:
        return pd.DataFrame(columns=["consultant_id"])
    rows = []
    for cid, g in mix.groupby("consultant_id", sort=True):
        row = {"consultant_id": cid}
        for _, r in g.iterrows():
            row[f"{r['tier']}_units"] = r["actual_units"]
            if r["tier"] != UNTIERED:
                row[f"{r['tier']}_target_units"] = r["target_units"]
                row[f"{r['tier']}_achievement_rate"] = r["achievement_rate"]
                row[f"{r['tier']}_below_line"] = bool(r["below_line"])
        rows.append(row)
    out = pd.DataFrame(rows)
    ordered = ["consultant_id"] + [c for t in (*TIERS, UNTIERED) for c in
                                   (f"{t}_units", f"{t}_target_units", f"{t}_achievement_rate", f"{t}_below_line")
                                   if c in out.columns]
    out = out[ordered]
    for col in [c for c in out.columns if c.endswith("_below_line")]:
        out[col] = out[col].eq(True)
    return out
