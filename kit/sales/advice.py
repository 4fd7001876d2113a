"""What a sales manager should do after reading the report: three to six sentences with numbers.

:func:`what_to_do` picks, in this order and when the data shows them: the month's delivery pace (or result), the
store furthest behind, the consultant furthest behind, the attached product furthest below its penetration target
and who sold it least, overdue after-delivery calls, a margin-tier mix below the line, and a registration rate
below its target. Each item is a catalog key (``kit/catalog/sales.yml``) with its fields already formatted in the
report's language; the notebook hands them to ``Report.advise``.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from kit import i18n
from kit.report.format import fmt_int, fmt_number, fmt_pct
from kit.sales.ledger import NO_CONSULTANT
from kit.sales.summary import SalesPerformance

#: At most this many sentences.
MAX_ITEMS = 6
#: A consultant needs this many retail cars before their penetration is singled out.
MIN_CARS_FOR_PENETRATION = 3


def what_to_do(perf: SalesPerformance, *, lang: str = "en", people: Mapping[str, str] | None = None,
               settings: Any = None) -> list[tuple[str, dict[str, str]]]:
    """The report's "what to do" sentences as (catalog key, fields) pairs, most important first.

    Parameters
    ----------
    perf : SalesPerformance
    lang : str
        Language of the numbers' surrounding words (product names, tiers).
    people : mapping staff_id -> display label
        How consultants are named (masked).
    settings : kit.settings.Settings, optional
        Store names and the registration-rate target (``leads.funnel_targets``).

    Returns
    -------
    list of (str, dict)
    """
    people = dict(people or {})
    items: list[tuple[str, dict[str, str]]] = [] if perf.has_ledger else [("sales.advice.no_ledger", {})]
    if perf.has_ledger and not perf.glance.empty:
        items += _pace(perf)
        items += _store(perf, settings)
        items += _consultant(perf, people, lang)
        items += _penetration(perf, people, lang)
    items += _followups(perf)
    items += _mix(perf, people, lang)
    items += _registration(perf, settings)
    if not items:
        items.append(("sales.advice.nothing", {}))
    return items[:MAX_ITEMS]


def _who(consultant_id: str, people: Mapping[str, str], lang: str) -> str:
    if consultant_id == NO_CONSULTANT:
        return i18n.label(NO_CONSULTANT, lang)
    return people.get(consultant_id, consultant_id)


def _pace(perf: SalesPerformance) -> list:
    row = perf.glance.set_index("measure").loc["deliveries"]
    fields = {"actual": fmt_int(row["value"]), "target": fmt_int(row["target"]),
              "achievement": fmt_pct(row["achievement_rate"], digits=0),
              "elapsed": fmt_pct(perf.pace.elapsed_rate, digits=0), "days_left": fmt_int(perf.pace.days_left),
              "needed": fmt_number(row["needed_per_day"], digits=1), "projected": fmt_int(row["projected"]),
              "month": perf.pace.month}
    status = row["status"]
    if status == "no_target":
        orders = perf.glance.set_index("measure").loc["net_orders", "value"]
        return [("sales.advice.no_target", fields | {"orders": fmt_int(orders)})]
    if status == "met":
        return [("sales.advice.month_met", fields | {"gap": fmt_int(row["value"] - row["target"])})]
    if status == "missed":
        return [("sales.advice.month_missed", fields | {"gap": fmt_int(row["target"] - row["value"])})]
    return [(f"sales.advice.pace_{status}", fields)]


def _store(perf: SalesPerformance, settings: Any) -> list:
    st = perf.by_store
    if len(st) < 2 or "deliveries_status" not in st.columns:
        return []
    bad = st.loc[st["deliveries_status"].isin(["behind", "missed"])]
    if bad.empty:
        return []
    worst = bad.sort_values("deliveries_achievement_rate").iloc[0]
    name = settings.store_name(worst["store_id"]) if settings is not None else str(worst["store_id"])
    fields = {"store": name, "actual": fmt_int(worst["deliveries_units"]),
              "target": fmt_int(worst["deliveries_target_units"]),
              "achievement": fmt_pct(worst["deliveries_achievement_rate"], digits=0)}
    if not perf.pace.complete:
        fields["needed"] = fmt_number(worst["deliveries_needed_per_day_units"], digits=1)
        return [("sales.advice.store_behind", fields)]
    return [("sales.advice.store_missed", fields)]


def _consultant(perf: SalesPerformance, people: Mapping[str, str], lang: str) -> list:
    c = perf.by_consultant
    if c.empty or "units_status" not in c.columns:
        return []
    bad = c.loc[c["units_status"].isin(["behind", "missed"])]
    if bad.empty:
        return []
    # the largest shortfall in cars against the pace, not the lowest rate (a new hire's 0 of 2 is not the story)
    gap = bad["units_target_units"] * perf.pace.elapsed_rate - bad["credited_units"]
    worst = bad.assign(_gap=gap).sort_values(["_gap", "consultant_id"], ascending=[False, True]).iloc[0]
    fields = {"n": fmt_int(len(bad)), "person": _who(worst["consultant_id"], people, lang),
              "actual": fmt_int(worst["credited_units"]), "target": fmt_number(worst["units_target_units"], digits=0),
              "achievement": fmt_pct(worst["units_achievement_rate"], digits=0)}
    key = "sales.advice.consultant_missed" if perf.pace.complete else "sales.advice.consultant_behind"
    return [(key, fields)]


def _penetration(perf: SalesPerformance, people: Mapping[str, str], lang: str) -> list:
    a = perf.attached
    if a.empty or "penetration_status" not in a.columns:
        return []
    below = a.loc[a["penetration_status"] == "below"].copy()
    if below.empty:
        return []
    below["short"] = below["penetration_rate"] / below["penetration_target_rate"]
    worst = below.sort_values(["short", "product"]).iloc[0]
    product = worst["product"]
    fields = {"product": i18n.label(product, lang, group="sales_product"),
              "rate": fmt_pct(worst["penetration_rate"], digits=0),
              "target": fmt_pct(worst["penetration_target_rate"], digits=0)}
    by = perf.attached_by_consultant
    col = f"{product}_penetration_rate"
    if not by.empty and col in by.columns:
        eligible = by.loc[(by["retail_deliveries_units"] >= MIN_CARS_FOR_PENETRATION)
                          & (by["consultant_id"] != NO_CONSULTANT)]
        if not eligible.empty:
            low = eligible.sort_values([col, "retail_deliveries_units", "consultant_id"],
                                       ascending=[True, False, True]).iloc[0]
            if low[col] < worst["penetration_target_rate"]:
                fields |= {"person": _who(low["consultant_id"], people, lang), "units": fmt_int(low[f"{product}_units"]),
                           "cars": fmt_int(low["retail_deliveries_units"])}
                return [("sales.advice.penetration_person", fields)]
    return [("sales.advice.penetration", fields)]


def _followups(perf: SalesPerformance) -> list:
    if perf.overdue is None or perf.overdue.empty:
        return []
    return [("sales.advice.followups", {"n": fmt_int(len(perf.overdue)),
                                        "days": fmt_int(perf.settings.followup_within_days),
                                        "longest": fmt_int(perf.overdue["days_overdue"].max())})]


def _mix(perf: SalesPerformance, people: Mapping[str, str], lang: str) -> list:
    t = perf.mix.table
    if t is None or t.empty:
        return []
    below = t.loc[t["below_line"] & t["target_units"].notna()]
    if below.empty:
        return []
    bar = 1.0 if perf.pace.complete else perf.pace.elapsed_rate
    gap = below["target_units"] * bar - below["actual_units"]
    worst = below.assign(_gap=gap).sort_values(["_gap", "consultant_id"], ascending=[False, True]).iloc[0]
    return [("sales.advice.mix", {"n": fmt_int(below["consultant_id"].nunique()),
                                  "person": _who(worst["consultant_id"], people, lang),
                                  "tier": i18n.label(worst["tier"], lang, group="sales_tier_text"),
                                  "actual": fmt_int(worst["actual_units"]),
                                  "target": fmt_number(worst["target_units"], digits=1)})]


def _registration(perf: SalesPerformance, settings: Any) -> list:
    target = None
    leads_settings = getattr(settings, "leads", None)
    if leads_settings is not None:
        target = leads_settings.funnel_targets.get("registration_rate")
    d = perf.traffic_daily
    if target is None or d.empty or d["visitors_total"].isna().all():
        return []
    visitors = float(pd.to_numeric(d["visitors_total"], errors="coerce").sum())
    registered = float(d["registered_leads"].sum())
    if visitors <= 0:
        return []
    rate = registered / visitors
    if rate >= target:
        return []
    missing = int(np.ceil(target * visitors - registered))
    return [("sales.advice.registration", {"rate": fmt_pct(rate, digits=0), "target": fmt_pct(target, digits=0),
                                           "missing": fmt_int(missing)})]
