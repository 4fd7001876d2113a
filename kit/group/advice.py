"""The group report's "what to do first": which sentences apply to a month's :class:`~kit.group.GroupOverview`.

Each rule returns ``(catalog key, fields)`` pairs; the report fills them in its language (``r.advise``). Rules, in
the order shown (at most :data:`MAX_ADVICE`):

1. the month's order: the group's firm order, the sum of the store plans, and the stores above the stock line;
2. the store with the lowest lead → order conversion, when it is below :data:`LOW_CONVERSION` × the group's;
3. the stores with more than :data:`OVERDUE_SHARE` of their open leads overdue for follow-up (the worst named);
4. the stores whose staff turnover is more than :data:`TURNOVER_GAP` above their annual target;
5. the stores whose KPI could not be scored (their KPI rows are incomplete).
"""

from __future__ import annotations

import math

from kit.group.summary import GroupOverview
from kit.i18n import t
from kit.report.format import format_value

MAX_ADVICE = 5
LOW_CONVERSION = 0.75  # a store converting less than 75 % of the group's rate is named
OVERDUE_SHARE = 0.20  # more than a fifth of open leads overdue
TURNOVER_GAP = 0.10  # ten points a year above target
STORES_NAMED = 5


def _pct(value: float, lang: str) -> str:
    return format_value(value, "pct", lang=lang)


def _stores(ids: list[str], lang: str) -> str:
    """The first :data:`STORES_NAMED` stores, then how many more ("S1, S2 and 3 more"): a list a sentence can end on."""
    shown = t("group.advice.store_separator", lang).join(ids[:STORES_NAMED])
    rest = len(ids) - STORES_NAMED
    return t("group.advice.stores_and_more", lang, names=shown, more=rest) if rest > 0 else shown


def _order(ov: GroupOverview, lang: str) -> list:
    if ov.plan_total is None or ov.store_plan is None:
        return []
    over = ov.store_plan.loc[ov.store_plan["over_stock_line"], "store_id"].astype(str).tolist()
    month = ov.plan.loc[ov.plan["months_ahead"] == 1, "plan_month"].iloc[0]
    fields = {"units": f"{int(ov.plan_total['order_n1_units']):,}", "month": f"{month:%Y-%m}",
              "stores": len(ov.store_plan)}
    if over:
        return [("group.advice.order_over_line", {**fields, "over": len(over), "line": f"{ov.warning_stock_months:g}",
                                                  "names": _stores(over, lang)})]
    return [("group.advice.order", fields)]


def _conversion(ov: GroupOverview, lang: str) -> list:
    rates = ov.stores[["store_id", "conversion_rate"]].dropna()
    group = ov.group.get("conversion_rate")
    if rates.empty or group is None or not math.isfinite(float(group)) or len(rates) < 2:
        return []
    worst = rates.loc[rates["conversion_rate"].idxmin()]
    if worst["conversion_rate"] >= LOW_CONVERSION * float(group):
        return []
    return [("group.advice.conversion", {"store": f"{worst['store_id']} {ov.names.get(worst['store_id'], '')}".strip(),
                                         "rate": _pct(worst["conversion_rate"], lang), "group": _pct(group, lang)})]


def _overdue(ov: GroupOverview, lang: str) -> list:
    rates = ov.stores[["store_id", "overdue_rate"]].dropna()
    high = rates[rates["overdue_rate"] > OVERDUE_SHARE].sort_values("overdue_rate", ascending=False, kind="stable")
    if high.empty:
        return []
    worst = high.iloc[0]
    return [("group.advice.overdue", {"n": len(high), "share": _pct(OVERDUE_SHARE, lang),
                                      "store": str(worst["store_id"]), "rate": _pct(worst["overdue_rate"], lang)})]


def _turnover(ov: GroupOverview, lang: str) -> list:
    gaps = ov.stores[["store_id", "turnover_gap"]].dropna()
    high = gaps[gaps["turnover_gap"] > TURNOVER_GAP].sort_values("turnover_gap", ascending=False, kind="stable")
    if high.empty:
        return []
    return [("group.advice.turnover", {"names": _stores(high["store_id"].astype(str).tolist(), lang),
                                       "gap": _pct(TURNOVER_GAP, lang)})]


def _kpi(ov: GroupOverview, lang: str) -> list:
    missing = ov.stores.loc[ov.stores["kpi_score"].isna(), "store_id"].astype(str).tolist()
    if not missing:
        return []
    return [("group.advice.kpi_missing", {"names": _stores(missing, lang)})]


def what_to_do(ov: GroupOverview, *, lang: str = "en") -> list[tuple[str, dict]]:
    """The sentences that apply (catalog key and fields), most urgent first; see the module for the rules."""
    out = []
    for rule in (_order, _conversion, _overdue, _turnover, _kpi):
        out += rule(ov, lang)
    return out[:MAX_ADVICE]
