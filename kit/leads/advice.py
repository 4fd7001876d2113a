"""What to do first: which sentences of advice the lead report opens with, and their numbers.

:func:`what_to_do` decides; the words are catalog sentences ``leads.advice.*`` (``kit/catalog/leads.yml``) that the
notebook passes to ``Report.advise``. Each rule is a small function of :class:`kit.leads.LeadResults`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from kit import i18n

#: At most this many consultants are named in one sentence.
NAMED = 3
#: Funnel steps in order, for "the step where most leads drop out" when the dealer has set no targets.
_STEPS = ("enquiries", "registered", "test_drive", "ordered")


def pct(value: float) -> str:
    """0.488 → '48.8%' (the same in both languages)."""
    return f"{value * 100:.1f}%"


def _names(ids, people: Mapping[str, str], lang: str, counts: pd.Series | None = None) -> str:
    """Consultants as a list in ``lang``, each with its count when given: 'E075 李* (56), E072 王* (35)'."""
    parts = []
    for cid in ids:
        name = people.get(cid, i18n.label(cid, lang) if i18n.has(cid) else cid)
        parts.append(name if counts is None else i18n.t("leads.advice.name_count", lang, name=name,
                                                          n=f"{int(counts[cid]):,}"))
    return ("、" if lang == "zh" else ", ").join(parts)


def call_first(res) -> list[tuple[str, dict]]:
    """Who to call first: the kit's H leads (A when there is none), and how many of them are overdue."""
    calls = res.call_list
    for grade, key in (("H", "leads.advice.call_h_first"), ("A", "leads.advice.call_a_first")):
        hot = calls.loc[calls["kit_grade"] == grade]
        if len(hot):
            return [(key, {"n": f"{len(hot):,}", "overdue": f"{int(hot['overdue'].sum()):,}"})]
    return []


def overdue(res) -> list[tuple[str, dict]]:
    """Overdue follow-ups, the H/A-card ones among them, and the consultants with the most."""
    if res.overdue == 0:
        return [("leads.advice.none_overdue", {})]
    per = res.discipline.rows.set_index("consultant_id")["overdue"]
    worst = per[per > 0].sort_values(ascending=False, kind="stable").head(NAMED)
    return [("leads.advice.overdue", {"n": f"{res.overdue:,}", "hot": f"{res.overdue_hot:,}",
                                      "who": _names(worst.index, res.people, res.lang, worst)})]


def grade_disagreement(res) -> list[tuple[str, dict]]:
    """Consultants with open leads today whose grades sit well above or below what the evidence supports (someone
    who has left or holds no lead is not named: there is nothing to check)."""
    rows = res.audit.rows
    rows = rows.loc[rows["consultant_id"].isin(set(res.call_list["consultant_id"]))]
    out = []
    for verdict, key in (("grades_high", "leads.advice.grades_high"), ("grades_low", "leads.advice.grades_low")):
        flagged = rows.loc[rows["verdict"] == verdict].sort_values("grade_gap", key=abs, ascending=False,
                                                                    kind="stable").head(NAMED)
        if len(flagged):
            out.append((key, {"who": _names(flagged["consultant_id"], res.people, res.lang),
                              "n": f"{len(flagged):,}",
                              "gap": f"{abs(flagged['grade_gap']).max():.1f}"}))
    return out


def funnel_step(res) -> list[tuple[str, dict]]:
    """The funnel step of the latest final month that loses most: furthest below its target, or, without targets,
    the step where the largest share of leads drops out."""
    rows = res.funnel_final.loc[res.funnel_final["window"] == "month"]
    month = str(res.final_month)
    judged = rows.loc[rows["gap_to_target"].notna()]
    if len(judged):
        worst = judged.loc[judged["gap_to_target"].idxmin()]
        if worst["gap_to_target"] >= 0:
            return [("leads.advice.funnel_on_target", {"month": month})]
        return [("leads.advice.funnel_below", {
            "month": month, "step": i18n.label(worst["rate_name"], res.lang), "rate": pct(worst["rate"]),
            "target": pct(worst["target"])})]
    counts = rows.set_index("step")["count"]
    drops = []
    for before, after in zip(_STEPS, _STEPS[1:]):
        n0, n1 = counts.get(before, math.nan), counts.get(after, math.nan)
        if n0 and not math.isnan(n0) and not math.isnan(n1) and n0 > 0:
            drops.append((1 - n1 / n0, before, after, n0, n1))
    if not drops:
        return []
    share, before, after, n0, n1 = max(drops)
    return [("leads.advice.funnel_drop", {"month": month, "before": i18n.label(before, res.lang),
                                          "after": i18n.label(after, res.lang), "lost": f"{int(n0 - n1):,}",
                                          "n": f"{int(n0):,}", "share": pct(share)})]


def lost_reason(res) -> list[tuple[str, dict]]:
    """The most common stated reason for a lost lead in the last 12 months, and where most were lost."""
    lost = res.lost
    if lost is None or lost.reasons.empty:
        return []
    reasons = lost.reasons
    stated = reasons.loc[reasons["lost_reason"] != "reason_not_stated"]
    top = (stated if len(stated) else reasons).iloc[0]
    steps = lost.steps.sort_values("lost_leads", ascending=False, kind="stable").iloc[0]
    reason = top["lost_reason"]
    return [("leads.advice.lost_reason", {
        "reason": i18n.label(reason, res.lang) if i18n.has(reason) else reason, "share": pct(top["share"]),
        "n": f"{int(reasons['lost_leads'].sum()):,}", "step": i18n.t(f"leads.lost_at.{steps['lost_step']}", res.lang)})]


#: The rules in the order their sentences are shown.
RULES = (call_first, overdue, grade_disagreement, funnel_step, lost_reason)


def what_to_do(res) -> list[tuple[str, dict]]:
    """The "what to do first" sentences of the lead report: ``(catalog key, fields)`` in order, at most six.

    Pass each to ``Report.advise(key, **fields)``; the fields are already formatted (numbers with thousands
    separators, percentages, consultants as the report shows them).
    """
    out: list[tuple[str, dict]] = []
    for rule in RULES:
        out.extend(rule(res))
    return out[:6]
