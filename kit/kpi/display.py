"""The KPI report's manager sections in the reader's words: headline, what to do, profiles, scorecard, bonus, gates.

Every function takes the notebook's :class:`kit.notebook.Report` (its language, people, table writer) and the
month's :class:`~kit.kpi.month.KpiMonth`, and returns what the cell shows. Words come from the display catalog
(``kit/catalog/kpi.yml``), metric, profile and gate names from :mod:`kit.kpi.names`; everything from the data or
``dealer.yml`` reaches the page escaped (tables escape every header and value, markdown every field). Colours: red
is bad, achievement is shaded against the target (100 %).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from kit import i18n
from kit.kpi.advice import what_to_do
from kit.kpi.month import KpiMonth, headline as headline_numbers
from kit.kpi.names import gate_name, join, metric_name, percent, profile_name, shares, weights_text
from kit.kpi.settings import Gate


def column_labels(r: Any, columns) -> dict[str, str]:
    """Headers of the report's own columns (catalog group ``kpi``, else the shared catalog)."""
    return {c: i18n.label(c, r.lang, group="kpi") for c in columns}


def used_weights(result: KpiMonth) -> pd.Series:
    """metric -> the weight used this month (after ``weight_method``), in the profile's order."""
    return result.weights.set_index("metric")["used"]


# --------------------------------------------------------------------------- headline and what to do


def headline(r: Any, result: KpiMonth) -> None:
    """Glue the manager numbers: bonus total, no bonus because of a gate, top consultant, rank depends on weights."""
    numbers = headline_numbers(result)
    top = numbers["top_consultant"]
    r.glue("bonus_total_cny", numbers["bonus_total_cny"], kind="money")
    r.glue("no_bonus_gate", numbers["no_bonus_gate"], kind="int")
    r.glue("top_consultant", r.people.get(top, top) if top is not None else None, kind="text")
    r.glue("rank_depends_on_weights", numbers["rank_depends_on_weights"], kind="int")


def advise(r: Any, result: KpiMonth):
    """Record the "what to do" sentences with ``r.advise`` and show them as a list."""
    for key, fields in what_to_do(result, lang=r.lang, people=r.people):
        r.advise(key, **fields)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in r.advice)
    from IPython.display import HTML

    return HTML(f'<div class="kit-note kit-note-info kit-advice"><ul>{items}</ul></div>')


# --------------------------------------------------------------------------- profiles and stages


def profile_line(r: Any, result: KpiMonth):
    """Which weights apply this month, to whom and since when (and how they were set, when not by hand)."""
    s = result.settings
    line = r.markdown("kpi.profile_line", month=result.month, stage=profile_name(result.profile.stage, r.lang, s),
                      n=len(result.sheet), since=result.rule.start,
                      weights=weights_text(result.profile.weights, r.lang, s))
    if s.weight_method == "manual":
        return line
    from IPython.display import HTML

    method = r.markdown("kpi.method_line", method=i18n.label(s.weight_method, r.lang, group="kpi_method"),
                        weights=weights_text(used_weights(result), r.lang, s))
    return HTML(line.data + method.data)


def profiles_frame(r: Any, result: KpiMonth) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every stage's weights side by side (metric × profile) and the headers (this month's profile marked)."""
    s = result.settings
    metrics = list(dict.fromkeys(m for w in s.profiles.values() for m in w))
    frame = pd.DataFrame({"metric": [metric_name(m, r.lang, s) for m in metrics]})
    labels = column_labels(r, ["metric"])
    for i, (name, weights) in enumerate(s.profiles.items()):
        col = f"profile_{i}"
        frame[col] = [weights.get(m, np.nan) for m in metrics]
        shown = profile_name(name, r.lang, s)
        labels[col] = r.t("kpi.profile_in_force", stage=shown) if name == result.profile.stage else shown
    return frame, labels


def profiles_table(r: Any, result: KpiMonth):
    """Every stage's weights side by side, this month's profile marked; each column sums to 100 %."""
    frame, labels = profiles_frame(r, result)
    columns = [c for c in frame.columns if c != "metric"]
    return r.table(frame, formats={c: "pct0" for c in columns}, labels=labels, totals=columns, max_rows=None,
                   cards=True)


def timeline_frame(r: Any, result: KpiMonth) -> pd.DataFrame:
    """The ``kpi.stages`` timeline: from, to, to whom, which profile and its weights, whether in force now."""
    s = result.settings
    rules = sorted(s.stages, key=lambda x: (x.model is not None, x.model or "", x.start))
    return pd.DataFrame({
        "stage_from": [x.start for x in rules], "stage_to": [x.end or "–" for x in rules],
        "applies_to": [r.t("kpi.applies_model", model=x.model) if x.model else r.t("kpi.applies_all") for x in rules],
        "stage": [profile_name(x.stage, r.lang, s) for x in rules],
        "shares": [shares(s.profiles[x.stage]) for x in rules],
        "in_force": [x == result.rule for x in rules],
    })


def timeline_labels(r: Any, frame: pd.DataFrame) -> dict[str, str]:
    return column_labels(r, frame.columns) | {"stage": r.label("stage")}


#: Formats of the stage timeline.
TIMELINE_FORMATS = {"stage_from": "month", "stage_to": "month", "in_force": "bool"}


def stage_timeline(r: Any, result: KpiMonth):
    """Which profile applies from when to when and to whom, and which is in force this month."""
    frame = timeline_frame(r, result)
    return r.table(frame, labels=timeline_labels(r, frame), formats=TIMELINE_FORMATS, max_rows=None, cards=True)


# --------------------------------------------------------------------------- scorecard and bonus


def scorecard_table(r: Any, result: KpiMonth):
    """Each consultant's capped achievement per weighted metric and the weighted score; shaded against 100 %."""
    s = result.settings
    card = result.card.sort_values(["rank", "staff_id"], kind="stable")
    weights = used_weights(result)
    achievement = {m: f"{m}_achievement" for m in weights.index}
    frame = pd.DataFrame({"rank": card["rank"].to_numpy(), "consultant": r.person(card["staff_id"]).to_numpy()})
    labels = {"rank": r.label("rank"), "consultant": r.label("consultant"), "total_score": r.label("total_score")}
    for i, (m, col) in enumerate(achievement.items()):
        frame[f"a{i}"] = card[col].to_numpy()
        labels[f"a{i}"] = r.t("kpi.metric_weight", metric=metric_name(m, r.lang, s), weight=percent(weights[m], 0))
    frame["total_score"] = card["total_score"].to_numpy()
    shaded = [c for c in frame.columns if c.startswith("a")] + ["total_score"]
    return r.table(frame, labels=labels, formats={c: "pct0" for c in shaded} | {"total_score": "pct", "rank": "int"},
                   gradient={c: "high" for c in shaded}, center=1.0, spread=0.5, cards=True)


def bonus_frame(r: Any, result: KpiMonth) -> pd.DataFrame:
    """The bonus sheet as the report shows it: people and names in the reader's words, best rank first."""
    s = result.settings
    sheet = result.sheet.sort_values(["rank", "staff_id"], kind="stable")
    out = pd.DataFrame({"rank": sheet["rank"].to_numpy(), "consultant": r.person(sheet["staff_id"]).to_numpy()})
    if "store_id" in sheet:
        out["store_id"] = [r.settings.store_name(x) for x in sheet["store_id"]]
    out["stage"] = [profile_name(x, r.lang, s) for x in sheet["stage"]]
    for col in ("total_score", "gate_factor", "score_bonus_cny", "profit_cny", "profit_commission_cny", "bonus_cny"):
        out[col] = sheet[col].to_numpy()
    out["gates_failed"] = [join((gate_name(g, r.lang, s) for g in str(x).split(", ") if g), r.lang)
                           for x in sheet["gates_failed"]]
    out["deciding_rule"] = sheet["deciding_rule"].to_numpy()
    return out


#: Formats of the bonus sheet's columns (HTML and Excel).
BONUS_FORMATS = {"rank": "int", "total_score": "pct", "gate_factor": "number", "score_bonus_cny": "money",
                 "profit_cny": "money", "profit_commission_cny": "money", "bonus_cny": "money"}


def bonus_table(r: Any, result: KpiMonth):
    """The bonus sheet: score, gate factor, score bonus, commission, bonus and how it was worked out; a bonus cut by
    a gate is marked red; cards on a phone, a filter box and the total below the rows."""
    frame = bonus_frame(r, result).drop(columns=["stage", "profit_cny", "gates_failed"])
    frame["cut"] = frame["gate_factor"] < 1
    return r.table(frame, formats=BONUS_FORMATS, highlight={"bonus_cny": "cut"}, totals=["bonus_cny"],
                   searchable=True, cards=True, max_rows=None)


def score_chart(r: Any, result: KpiMonth):
    """Weighted score per consultant against 100 % of target; red bars: no bonus."""
    from kit.plots import plot_bars

    sheet = result.sheet.sort_values(["total_score", "staff_id"], ascending=[False, True], kind="stable")
    frame = pd.DataFrame({"person": r.person(sheet["staff_id"]).to_numpy(), "score": sheet["total_score"].to_numpy(),
                          "no_bonus": (sheet["gate_factor"] == 0).to_numpy()})
    return plot_bars(frame, x="person", y="score", percent=True, colour_by="no_bonus", target=1.0,
                     target_label=r.t("kpi.chart.target"), title=r.t("kpi.chart.score_title", month=result.month),
                     xlabel=r.t("kpi.chart.score_axis"))


# --------------------------------------------------------------------------- gates


def gate_rule_text(gate: Gate, lang: str, settings: Any) -> str:
    """A gate's condition in words: "Cars sold: at least 60% of target"."""
    if gate.min_score is not None:
        return i18n.t("kpi.gate_rule.min_score", lang, threshold=percent(gate.min_score, 0))
    metrics = join((metric_name(m, lang, settings) for m in gate.metrics), lang)
    if gate.min_achievement is not None:
        key = "kpi.gate_rule.min_achievement" + ("_each" if len(gate.metrics) > 1 else "")
        return i18n.t(key, lang, metrics=metrics, threshold=percent(gate.min_achievement, 0))
    condition = "min_actual" if gate.min_actual is not None else "max_actual"
    value = gate.min_actual if gate.min_actual is not None else gate.max_actual
    return i18n.t(f"kpi.gate_rule.{condition}", lang, metrics=metrics, threshold=f"{value:,.6g}")


def gates_frame(r: Any, result: KpiMonth) -> pd.DataFrame:
    """One row per gate: its name, rule and effect in words, and who did not pass it this month."""
    s = result.settings
    rows = []
    for gate in s.gates:
        hit = result.sheet["gates_failed"].map(lambda text, g=gate.name: g in str(text).split(", "))
        failed = sorted(result.sheet.loc[hit, "staff_id"])
        rows.append({"gate": gate_name(gate.name, r.lang, s), "rule": gate_rule_text(gate, r.lang, s),
                     "effect": r.t("kpi.gate.no_bonus") if gate.effect == "zero" else
                     r.t("kpi.gate.multiply", factor=f"{gate.factor:g}"),
                     "not_passed": len(failed),
                     "who": join(r.person(pd.Series(failed, dtype=object)), r.lang) or r.t("kpi.nobody")})
    return pd.DataFrame(rows, columns=["gate", "rule", "effect", "not_passed", "who"])


def gates_table(r: Any, result: KpiMonth):
    """Each gate in words, what failing it costs, and who did not pass it this month."""
    if not result.settings.gates:
        return r.note("kpi.no_gates")
    frame = gates_frame(r, result)
    return r.table(frame, labels=column_labels(r, frame.columns), formats={"not_passed": "int"}, max_rows=None,
                   cards=True)


# --------------------------------------------------------------------------- the other stages' weights


def rank_chart(r: Any, result: KpiMonth):
    """Each consultant's rank under every stage's weights the month's data can score (rank 1 at the top)."""
    from kit.plots import plot_rank_compare

    s = result.settings
    c = result.compare
    stages = [col.removeprefix("rank_") for col in c.columns if col.startswith("rank_") and col != "rank_range"]
    frame = c.assign(person=r.person(c["staff_id"]))
    names = [r.t("kpi.profile_in_force", stage=profile_name(p, r.lang, s)) if p == result.profile.stage
             else profile_name(p, r.lang, s) for p in stages]
    fig = plot_rank_compare(frame, label="person", ranks=[f"rank_{p}" for p in stages], rank_labels=names,
                            title=r.t("kpi.chart.rank_title", month=result.month))
    fig.axes[0].set_ylabel(r.t("kpi.chart.rank_axis"))
    return fig


def not_compared_note(r: Any, result: KpiMonth):
    """Which profiles the month's data cannot score, and the metrics it lacks (nothing when all are compared)."""
    if not result.not_compared:
        return None
    s = result.settings
    missing = list(dict.fromkeys(m for ms in result.not_compared.values() for m in ms))
    return r.note("kpi.not_compared", profiles=join((profile_name(p, r.lang, s) for p in result.not_compared), r.lang),
                  metrics=join((metric_name(m, r.lang, s) for m in missing), r.lang))
