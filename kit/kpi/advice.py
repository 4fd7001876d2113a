"""What a sales manager should do after reading the KPI report: three to six sentences with numbers.

:func:`what_to_do` picks, in this order and when the month shows them: the bonus total against last month (or the
pool), who gets no bonus and which gate stopped them, the gate that cut the most bonuses and what it cost, who was
one car short of a gate line and what that car was worth, whether the ranking would change under the other stage's
weights, and whose rank depends on the exact weights. Each item is a catalog key (``kit/catalog/kpi.yml``) with its
fields already formatted in the report's language; the notebook hands them to ``Report.advise``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kit import i18n
from kit.kpi.month import KpiMonth, no_bonus_by_gate, other_stage, rank_depends_on_weights, top_consultant
from kit.kpi.names import gate_name, join, metric_name, money, profile_name, shares

#: At most this many sentences.
MAX_ITEMS = 6
#: At most this many people named in one sentence (the rest are counted).
MAX_NAMED = 4
#: Metrics counted in cars: only for these does "one more car" mean something (the catalog's car counts).
CAR_METRICS = frozenset({"units_sold", "units_premium", "units_standard", "units_entry", "new_model_units"})


def what_to_do(result: KpiMonth, *, lang: str = "en", people: Mapping[str, str] | None = None
               ) -> list[tuple[str, dict[str, str]]]:
    """The report's "what to do" sentences as (catalog key, fields) pairs, most important first.

    Parameters
    ----------
    result : KpiMonth
    lang : str
        Language of the names inside the sentences (gates, metrics, profiles).
    people : mapping staff_id -> how the report names the person (masked)
    """
    people = dict(people or {})
    items = [_total(result)]
    for rule in (_no_bonus, _cut, _one_car, _other_profile, _depends):
        items += rule(result, lang, people)
    return items[:MAX_ITEMS]


def _who(ids, people: Mapping[str, str], lang: str) -> str:
    ids = list(ids)
    named = [people.get(s, s) for s in ids[:MAX_NAMED]]
    if len(ids) > MAX_NAMED:
        named.append(i18n.t("kpi.advice.and_more", lang, n=len(ids) - MAX_NAMED))
    return join(named, lang)


def _total(result: KpiMonth) -> tuple[str, dict[str, str]]:
    sheet = result.sheet
    total = float(sheet["bonus_cny"].sum())
    fields = {"total": money(total), "paid": str(int((sheet["bonus_cny"] > 0).sum())), "n": str(len(sheet))}
    rules = result.settings.bonus
    if rules.pool_cny is not None:
        groups = sheet["store_id"].nunique() if "store_id" in sheet else 1
        return "kpi.advice.total_pool", fields | {"pool": money(rules.pool_cny * groups),
                                                  "commission": money(float(sheet["profit_commission_cny"].mul(
                                                      sheet["gate_factor"]).sum()))}
    if result.previous is None:
        return "kpi.advice.total", fields
    last = float(result.previous["bonus_cny"].sum())
    change = total - last
    return "kpi.advice.total_vs_last", fields | {"last": money(last),
                                                 "change": ("+" if change >= 0 else "") + money(change)}


def _no_bonus(result: KpiMonth, lang: str, people: Mapping[str, str]) -> list:
    stopped = no_bonus_by_gate(result)
    if stopped.empty:
        return []
    groups = [i18n.t("kpi.advice.gate_people", lang, gate=gate_name(g, lang, result.settings),
                     who=_who(sorted(ids), people, lang))
              for g, ids in stopped.groupby(stopped, sort=False).groups.items()]
    return [("kpi.advice.no_bonus", {"n": str(len(stopped)), "who": join(groups, lang, level="sentences")})]


def _gain_if_passed(result: KpiMonth, gate_code: str) -> pd.Series:
    """Per person (index staff_id): how much more the person would be paid had they passed this gate (base mode:
    the pay with the other failed gates' factors only, minus the pay now; 0 where the gate was passed)."""
    s = result.sheet.set_index("staff_id")
    factors = {g.name: g.factor for g in result.settings.gates}
    others = s["gates_failed"].map(lambda text: math.prod(factors[n] for n in str(text).split(", ")
                                                          if n and n != gate_code))
    failed = s["gates_failed"].map(lambda text: gate_code in str(text).split(", "))
    gain = (s["score_bonus_cny"] + s["profit_commission_cny"]) * others - s["bonus_cny"]
    return gain.where(failed, 0.0).clip(lower=0.0)


def _cut(result: KpiMonth, lang: str, people: Mapping[str, str]) -> list:
    """The multiplying gate that cut the most bonuses, and what it cost (base mode only: a pool is paid anyway)."""
    if result.settings.bonus.pool_cny is not None:
        return []
    best = None
    for gate in result.settings.gates:
        if gate.effect != "multiply":
            continue
        gain = _gain_if_passed(result, gate.name)
        hit = gain[gain > 0]
        if len(hit) and (best is None or len(hit) > len(best[1])):
            best = (gate, hit)
    if best is None:
        return []
    gate, hit = best
    return [("kpi.advice.cut", {"gate": gate_name(gate.name, lang, result.settings), "n": str(len(hit)),
                                "amount": money(float(hit.sum())), "who": _who(sorted(hit.index), people, lang)})]


def _one_car(result: KpiMonth, lang: str, people: Mapping[str, str]) -> list:
    """People who failed a gate on car counts alone, would have passed it with one more car, and would have been
    paid more for it (base mode; in pool mode the amount is not stated: the others' shares would move too)."""
    m = result.margins
    failed = m[~m["passed"] & m["metric"].isin(CAR_METRICS) & m["condition"].isin(["min_achievement", "min_actual"])]
    if failed.empty:
        return []
    other = m[~m["passed"] & ~m.index.isin(failed.index)]
    blocked = set(zip(other["staff_id"], other["gate"]))  # failed the gate on something a car cannot fix
    pool = result.settings.bonus.pool_cny is not None
    found = []
    for (staff, gate), part in failed.groupby(["staff_id", "gate"], sort=True):
        if (staff, gate) in blocked or np.ceil(part["gap"] - 1e-9).sum() != 1:
            continue
        gain = 0.0 if pool else float(_gain_if_passed(result, gate)[staff])
        if gain > 0 or pool:
            found.append((gain, staff, gate, part["metric"].iloc[0]))
    if not found:
        return []
    found.sort(key=lambda x: (-x[0], x[1]))
    key = "kpi.advice.one_car_pool_item" if pool else "kpi.advice.one_car_item"
    who = [i18n.t(key, lang, person=people.get(staff, staff), metric=metric_name(metric, lang, result.settings),
                  gate=gate_name(gate, lang, result.settings), amount=money(gain))
           for gain, staff, gate, metric in found[:MAX_NAMED]]
    return [("kpi.advice.one_car", {"n": str(len(found)), "who": join(who, lang, level="sentences")})]


def _other_profile(result: KpiMonth, lang: str, people: Mapping[str, str]) -> list:
    other = other_stage(result.month, result.settings)
    if other is None or other[0] not in result.settings.profiles or f"rank_{other[0]}" not in result.compare:
        return []
    stage, when = other
    c = result.compare
    now, then = c[f"rank_{result.profile.stage}"], c[f"rank_{stage}"]
    moved = int((now != then).sum())
    fields = {"stage": profile_name(stage, lang, result.settings),
              "shares": shares(result.settings.profiles[stage]), "when": i18n.t(f"kpi.advice.stage_{when}", lang),
              "n": str(moved), "total": str(len(c))}
    if moved == 0:
        return [("kpi.advice.other_same", fields)]
    top = top_consultant(result)
    first_then = c.loc[then == then.min(), "staff_id"].sort_values().iloc[0]
    fields |= {"top": people.get(top, top), "new_top": people.get(first_then, first_then)}
    return [("kpi.advice.other_changed" if first_then == top else "kpi.advice.other_new_top", fields)]


def _depends(result: KpiMonth, lang: str, people: Mapping[str, str]) -> list:
    depends = rank_depends_on_weights(result)
    ids = sorted(depends.index[depends.to_numpy()])
    if not ids or result.stability is None:
        return []
    concentration = float(result.stability.summary.set_index("quantity").loc["concentration", "value"])
    sd = math.sqrt(0.1 * 0.9 / (concentration + 1))  # a weight of 10 % moves by about this much
    return [("kpi.advice.depends", {"n": str(len(ids)), "who": _who(ids, people, lang),
                                    "points": f"{sd * 100:.0f}"})]
