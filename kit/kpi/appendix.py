"""The KPI report's analyst appendix: how the weights were set (manual, AHP, entropy, blend), the AHP and entropy
worksheets, ranks under every profile and the ranking's stability under random small moves of the weights.

Like :mod:`kit.kpi.display`: each function takes the notebook's Report and the month's
:class:`~kit.kpi.month.KpiMonth`; words from the catalog, names from :mod:`kit.kpi.names`, everything escaped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit.kpi.display import column_labels
from kit.kpi.month import KpiMonth
from kit.kpi.names import metric_name, profile_name


def weights_table(r: Any, result: KpiMonth):
    """The month's weights by each method side by side, and the ones used."""
    frame = result.weights.assign(metric=[metric_name(m, r.lang, result.settings) for m in result.weights["metric"]])
    methods = [c for c in frame.columns if c != "metric"]
    return r.table(frame, labels=column_labels(r, frame.columns), formats={c: "pct" for c in methods},
                   totals=methods, max_rows=None)


def ahp_line(r: Any, result: KpiMonth):
    """λmax, CI, RI and CR of the profile's AHP judgements, and whether they are consistent enough to use."""
    stage = profile_name(result.profile.stage, r.lang, result.settings)
    a = result.ahp
    if a is None:
        return r.note("kpi.no_ahp", stage=stage)
    return r.markdown("kpi.ahp_line", stage=stage, lambda_max=f"{a.lambda_max:.3f}", ci=f"{a.ci:.3f}",
                      ri=f"{a.ri:.2f}", n=a.n, cr=f"{a.cr:.3f}",
                      verdict=r.t("kpi.ahp_consistent" if a.consistent else "kpi.ahp_inconsistent"))


def ahp_table(r: Any, result: KpiMonth):
    """The AHP worksheet: the pairwise matrix, the weights, A·w and (A·w) ÷ w (whose mean is λmax)."""
    if result.ahp is None:
        return None
    sheet = result.ahp.worksheet
    metrics = [str(m) for m in sheet.index]
    frame = pd.DataFrame({"metric": [metric_name(m, r.lang, result.settings) for m in metrics]})
    labels = column_labels(r, ["metric", "weight", "weighted_sum", "ratio"])
    for i, m in enumerate(metrics):
        frame[f"c{i}"] = sheet[m].to_numpy()
        labels[f"c{i}"] = metric_name(m, r.lang, result.settings)
    for col in ("weight", "weighted_sum", "ratio"):
        frame[col] = sheet[col].to_numpy()
    numbers = [c for c in frame.columns if c != "metric"]
    return r.table(frame, labels=labels, formats={c: "number3" for c in numbers} | {"weight": "pct"}, max_rows=None)


def entropy_table(r: Any, result: KpiMonth):
    """The entropy worksheet of the profile's metrics: spread of the achievements, entropy and weight."""
    if result.entropy is None:
        return r.note("kpi.no_entropy")
    e = result.entropy.rename(columns={"indicator": "metric", "entropy": "entropy_e"})
    e = e.assign(metric=[metric_name(m, r.lang, result.settings) for m in e["metric"]])
    return r.table(e, labels=column_labels(r, e.columns), max_rows=None,
                   formats={"minimum": "pct0", "maximum": "pct0", "entropy_e": "number3", "divergence": "number3",
                            "weight": "pct", "cost": "bool"})


def compare_table(r: Any, result: KpiMonth):
    """Each consultant's rank under every profile the month's data can score, and the range of those ranks."""
    s = result.settings
    c = result.compare
    stages = [col.removeprefix("rank_") for col in c.columns if col.startswith("rank_") and col != "rank_range"]
    frame = pd.DataFrame({"consultant": r.person(c["staff_id"]).to_numpy()})
    labels = {"consultant": r.label("consultant")} | column_labels(r, ["rank_range"])
    for i, p in enumerate(stages):
        frame[f"r{i}"] = c[f"rank_{p}"].to_numpy()
        labels[f"r{i}"] = r.t("kpi.rank_under", stage=profile_name(p, r.lang, s))
    frame["rank_range"] = c["rank_range"].to_numpy()
    return r.table(frame, labels=labels, formats={c: "int" for c in frame.columns if c != "consultant"},
                   max_rows=None)


def stability_chart(r: Any, result: KpiMonth):
    """Kendall's tau between each draw's ranking and this month's: near 1, the ranking barely moves."""
    from kit.plots import plot_hist

    if result.stability is None:
        return r.note("kpi.no_stability")
    tau = result.stability.tau
    fig = plot_hist(tau, xlabel=r.t("kpi.chart.tau_axis"), marker=1.0,
                    title=r.t("kpi.chart.tau_title", draws=f"{len(tau):,}"))
    fig.axes[0].set_ylabel(r.t("kpi.chart.draws_axis"))
    return fig


def stability_table(r: Any, result: KpiMonth):
    """Per consultant: rank, best and worst rank in 90 % of the draws, chance of the top 3 and of no bonus."""
    if result.stability is None:
        return None
    p = result.stability.people
    top = [c for c in p.columns if c.startswith("p_top")]
    frame = pd.DataFrame({"rank": p["base_rank"].to_numpy(), "consultant": r.person(p["staff_id"]).to_numpy(),
                          "total_score": p["base_score"].to_numpy()})
    for col in ("rank_p05", "rank_median", "rank_p95", *top, "p_no_bonus"):
        frame[col] = p[col].to_numpy()
    labels = column_labels(r, frame.columns) | {c: r.label(c) for c in ("rank", "consultant", "total_score")}
    return r.table(frame, labels=labels, max_rows=None,
                   formats={"rank": "int", "total_score": "pct", "rank_p05": "int", "rank_median": "int",
                            "rank_p95": "int", "p_no_bonus": "pct0"} | {c: "pct0" for c in top})
