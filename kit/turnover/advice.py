"""What to do first: the turnover report's three to six sentences with numbers, chosen by rules.

Each sentence is a catalog key (``turnover.advice.*`` in ``kit/catalog/turnover.yml``) with its fields; the
notebook passes them to ``r.advise(key, **fields)``, the tests to :func:`kit.i18n.t`. The numbers are the ones the
report's tiles and tables show (:class:`kit.turnover.month.TurnoverMonth`, :class:`kit.turnover.atrisk.RiskList`,
:class:`kit.turnover.newhires.NewHireLoss`). The rules, in order:

1. everyone's trailing-12-month turnover against the role-mix target, with the year's and the month's leavers;
2. the role furthest beyond its target (most leavers beyond what the target allows), the next two named after it;
   or that every role is within target;
3. key staff and managers against their ceiling (the "lose no more than 10 % a year" line);
4. the people at least twice as likely as usual to leave (:data:`kit.turnover.atrisk.RISK_MULTIPLE`), the three
   highest named, with the reason most of them share if there is one (no sentence without an at-risk list);
5. new hires lost within 90 days over the last 12 months (when anyone could be observed);
6. the cost of the year's leavers and the role that cost most (when anyone left).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.i18n import t
from kit.turnover.atrisk import RiskList
from kit.turnover.month import TurnoverMonth
from kit.turnover.inputs import word
from kit.turnover.newhires import NewHireLoss
from kit.turnover.reasons import reason_kind

#: People named in the at-risk sentence.
NAMED = 3
#: Roles named after the one furthest beyond its target.
ALSO_NAMED = 2


@dataclass(frozen=True)
class Advice:
    """One sentence: the catalog ``key`` and the ``fields`` it is filled with."""

    key: str
    fields: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.fields)


def what_to_do(month: TurnoverMonth, risk: RiskList | None = None,
               new_hires: NewHireLoss | None = None) -> list[Advice]:
    """The sentences for the month, in the order of the module docstring (words in ``month.lang``)."""
    lang = month.lang
    n = month.numbers
    out: list[Advice] = []
    if np.isfinite(n.turnover_12m):  # NaN: nobody employed in the 12 months
        over = n.status in ("above target", "alert")
        out.append(Advice("turnover.advice.overall_over" if over else "turnover.advice.overall_within",
                          {"rate": n.turnover_12m, "target": n.target_12m, "leavers": n.leavers_12m,
                           "month_leavers": n.leavers_month}))
    out.extend(_roles(month))
    if np.isfinite(n.key_staff_12m):
        over = n.key_staff_12m >= n.key_staff_ceiling * month.settings.warning_ratio
        out.append(Advice("turnover.advice.key_over" if over else "turnover.advice.key_within",
                          {"leavers": n.key_staff_leavers_12m, "headcount": n.key_staff_headcount,
                           "rate": n.key_staff_12m, "ceiling": n.key_staff_ceiling}))
    if risk is not None and risk.note is None:
        out.extend(_at_risk(risk, lang))
    if new_hires is not None and new_hires.observed:
        key = "turnover.advice.new_hires" if new_hires.left else "turnover.advice.new_hires_none_lost"
        out.append(Advice(key, {"left": new_hires.left, "observed": new_hires.observed, "rate": new_hires.rate,
                                "month": new_hires.month}))
    if n.cost_12m > 0:
        out.append(_cost(month))
    return out


def _roles(month: TurnoverMonth) -> list[Advice]:
    over = month.roles_over_target()
    if over.empty:
        roles = month.role_rows()
        return [Advice("turnover.advice.roles_within")] if roles["rate_12m"].notna().any() else []
    lang = month.lang
    first = over.iloc[0]
    fields = {"role": word(first["group"], lang), "leavers": int(first["leavers_12m"]),
              "rate": float(first["rate_12m"]), "target": float(first["target"]),
              "extra": max(1, int(round(first["leavers_over_target"])))}
    others = over.iloc[1:1 + ALSO_NAMED]
    if others.empty:
        return [Advice("turnover.advice.role_over", fields)]
    parts = [t("turnover.advice.role_part", lang, role=word(r["group"], lang), rate=float(r["rate_12m"]),
               target=float(r["target"])) for _, r in others.iterrows()]
    return [Advice("turnover.advice.roles_also_over",
                   fields | {"roles": t("turnover.advice.list_sep", lang).join(parts)})]


def _at_risk(risk: RiskList, lang: str) -> list[Advice]:
    people = risk.at_risk
    if people.empty:
        return [Advice("turnover.advice.no_one_at_risk", {"months": risk.horizon_months})]
    roles = people["role"].value_counts()
    top_role = sorted(roles.index[roles == roles.max()])[0]
    names = t("turnover.advice.list_sep", lang).join(
        f"{sid} {name}" if isinstance(name, str) and name else str(sid)
        for sid, name in zip(people["staff_id"].head(NAMED), people["name"].head(NAMED)))
    fields = {"n": len(people), "months": risk.horizon_months, "threshold": risk.threshold,
              "top_role": word(top_role, lang), "top_role_n": int(roles.max()), "names": names}
    reason, count = common_reason(people["reason_codes"], lang)
    if reason is not None and count * 2 >= len(people):  # only a reason most of them share says something
        return [Advice("turnover.advice.at_risk_reason", fields | {"reason": reason, "reason_n": count})]
    return [Advice("turnover.advice.at_risk", fields)]


def common_reason(codes: pd.Series, lang: str) -> tuple[str | None, int]:
    """The reason named for most people (ties: the one met first down the list) and how many; None when no one
    has a reason of their own. ``codes`` holds each person's ``reason_codes`` (:func:`kit.turnover.at_risk`)."""
    counts: Counter[str] = Counter()
    for person in codes:
        counts.update(dict.fromkeys(person or (), 1))
    if not counts:
        return None, 0
    best = max(counts, key=lambda c: counts[c])  # Counter keeps first-met order, max keeps the first of ties
    return reason_kind(best, lang), counts[best]


def _cost(month: TurnoverMonth) -> Advice:
    cost = month.cost[(month.cost["window"] == "trailing_12_months") & (month.cost["leavers"] > 0)]
    top = cost.sort_values(["total_cny", "role"], ascending=[False, True]).iloc[0]
    return Advice("turnover.advice.cost", {
        "cost": month.numbers.cost_12m, "top_cost": float(top["total_cny"]),
        "top_role": word(top["role"], month.lang),
        "top_leavers": int(top["leavers"]), "per_leaver": month.settings.cost_for(top["role"]).total_cny})
