"""Benchmark kit.kpi: scoring 100,000 consultant-months and 1,000 ranking-stability draws for 50 people.

Each kit function is timed next to a naive pandas loop that does the same thing: one group, one metric and one
draw at a time. Both sides are checked to give the same answer. The public benchmark folder
(``../shared/benchmarks/``) has no KPI table, so the data is a seeded synthetic kpi table in the data contract's
long format: 13 metrics per consultant-month, the sample dealership's metrics. Pass ``--data`` to score your
own kpi table (CSV, long format) instead.

Run:  .venv/bin/python benchmarks/bench_kpi.py            (full run; writes benchmarks/results/kpi.md)
      .venv/bin/python benchmarks/bench_kpi.py --quick    (small sizes; prints only unless --out is given)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import kpi  # noqa: E402

METRICS = {  # metric -> monthly target per consultant (sample dealership scale)
    "units_sold": 10, "units_premium": 2, "units_standard": 6, "units_entry": 2, "gross_profit": 40000,
    "new_customers": 20, "active_customers": 60, "display_score": 90, "new_model_units": 3, "market_activity": 4,
    "channel_leads": 15, "complaints": 2, "csi": 90,
}


def make_kpi(n_staff: int, n_months: int, seed: int = 0) -> pd.DataFrame:
    """Seeded synthetic kpi table: n_staff × n_months consultant-months, 13 metrics each, 4 stores."""
    rng = np.random.default_rng(seed)
    names = np.array(list(METRICS), dtype=object)
    targets = np.array(list(METRICS.values()), dtype=float)
    months = np.array([str(p) for p in pd.period_range("2022-01", periods=n_months, freq="M")], dtype=object)
    m, s, k = (x.ravel() for x in np.meshgrid(np.arange(n_months), np.arange(n_staff), np.arange(len(names)),
                                              indexing="ij"))
    skill = rng.normal(1.0, 0.15, n_staff)[s]
    target = targets[k]
    actual = np.maximum(0.0, rng.normal(target * skill, 0.25 * target)).round(1)
    is_complaints = names[k] == "complaints"
    actual[is_complaints] = rng.poisson(0.8, is_complaints.sum())
    staff = np.array([f"E{i:05d}" for i in range(n_staff)], dtype=object)
    return pd.DataFrame({"month": months[m], "staff_id": staff[s], "metric": names[k], "actual": actual,
                         "target": target, "store_id": np.array(["S1", "S2", "S3", "S4"], dtype=object)[s % 4]})


def naive_scorecard(table: pd.DataFrame, weights: dict[str, float], settings: kpi.KpiSettings) -> pd.DataFrame:
    """The baseline: loop over consultant-months and metrics with pandas lookups and Python arithmetic."""
    rows = []
    for (month, staff), group in table.groupby(["month", "staff_id"], sort=True):
        total = 0.0
        for metric, weight in weights.items():
            row = group[group["metric"] == metric].iloc[0]
            actual, target = float(row["actual"]), float(row["target"])
            if metric in settings.lower_is_better:
                if target > 0:
                    value = target / actual if actual > 0 else float("inf")
                else:
                    value = 1.0 if actual == 0 else 0.0
            else:
                value = actual / target
            total += weight * min(max(value, settings.floor), settings.cap_for(metric))
        rows.append((month, staff, total))
    out = pd.DataFrame(rows, columns=["month", "staff_id", "total_score"])
    out["rank"] = out.groupby("month")["total_score"].rank(method="min", ascending=False).astype(int)
    return out


def naive_stability(matrix: pd.DataFrame, base: pd.Series, draws: pd.DataFrame, top_k: int = 3) -> dict:
    """The baseline: one draw at a time with DataFrame.dot, Series.rank and scipy's kendalltau."""
    base_scores = matrix.dot(base)
    taus, ranks = [], []
    top = pd.Series(0, index=matrix.index)
    for i in range(len(draws)):
        scores = matrix.dot(draws.iloc[i])
        rank = scores.rank(method="min", ascending=False)
        taus.append(kendalltau(base_scores, scores).statistic)
        top += rank <= top_k
        ranks.append(rank)
    all_ranks = pd.concat(ranks, axis=1)
    return {"tau": np.array(taus), "p_top": top / len(draws),
            "quantiles": all_ranks.quantile([0.05, 0.5, 0.95], axis=1).T}


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 consultant-months and 200 draws")
    parser.add_argument("--data", help="a kpi CSV (long format) to score instead of the synthetic table")
    parser.add_argument("--out", help="Markdown results file (default: benchmarks/results/kpi.md on a full run)")
    parser.add_argument("--baseline-sample", type=int, default=5000,
                        help="consultant-months the naive scoring loop runs on (its time is scaled up linearly)")
    parser.add_argument("--repeats", type=int, default=3, help="kit timings: best of this many runs")
    args = parser.parse_args(argv)

    n_staff, n_months, draws = (500, 20, 200) if args.quick else (2000, 50, 1000)
    settings = kpi.KpiSettings.defaults()
    if args.data:
        table = pd.read_csv(args.data, dtype={"month": str, "staff_id": str, "metric": str})
        source = f"{args.data} ({len(table):,} rows)"
    else:
        table = make_kpi(n_staff, n_months, seed=0)
        source = (f"synthetic, seed 0: {n_staff:,} consultants × {n_months} months × {len(METRICS)} metrics "
                  f"= {len(table):,} rows")
    prepared = kpi.table.prepare(table)
    consultant_months = len(prepared.people)
    weights = kpi.profile_for(prepared.months[-1], settings).weights.to_dict()
    profile = weights
    results: list[dict] = []

    # --- scoring -------------------------------------------------------------------------------------------------
    t_card, card = best_of(lambda: kpi.scorecard(table, profile, settings=settings, layout="wide"), args.repeats)
    t_long, _ = best_of(lambda: kpi.scorecard(table, profile, settings=settings), args.repeats)
    sample_people = prepared.people.sample(n=min(args.baseline_sample, consultant_months), random_state=0)
    sample = table.merge(sample_people[["month", "staff_id"]], on=["month", "staff_id"])
    start = time.perf_counter()
    naive = naive_scorecard(sample, profile, settings)
    t_naive_sample = time.perf_counter() - start
    scale = consultant_months / len(sample_people)
    kit_sample = kpi.scorecard(sample, profile, settings=settings, layout="wide")
    merged = naive.merge(kit_sample, on=["month", "staff_id"], suffixes=("_naive", "_kit"))
    diff = float(np.max(np.abs(merged["total_score_naive"] - merged["total_score_kit"])))
    # Totals that differ only by floating-point noise (1e-16) must tie, so compare ranks on rounded totals.
    naive_rank = merged.assign(r=merged["total_score_naive"].round(10)).groupby("month")["r"] \
        .rank(method="min", ascending=False)
    same_rank = bool((naive_rank == merged["rank_kit"]).all())
    extrapolated = "" if scale == 1 else f" (measured on {len(sample_people):,}, × {scale:.0f})"
    results.append({"task": f"scorecard, wide: {consultant_months:,} consultant-months × {len(profile)} weighted "
                            f"metrics", "kit_s": t_card, "naive_s": t_naive_sample * scale,
                    "naive_note": extrapolated,
                    "check": f"totals: max abs diff {diff:.1e}; ranks equal: {same_rank} (on the baseline sample)"})
    results.append({"task": "scorecard, long (one row per metric)", "kit_s": t_long, "naive_s": None,
                    "naive_note": "", "check": f"{len(card) * len(profile):,} rows"})
    t_bonus, sheet = best_of(lambda: kpi.bonus(table, settings=settings), 1)
    results.append({"task": f"bonus sheet incl. scorecard and {len(settings.gates)} gates", "kit_s": t_bonus,
                    "naive_s": None, "naive_note": "",
                    "check": f"{int((sheet['gate_factor'] == 0).sum()):,} with no bonus; "
                             f"total {sheet['bonus_cny'].sum():,.0f} CNY"})

    # --- ranking stability -----------------------------------------------------------------------------------------
    month = prepared.months[-1]
    month_table = table[table["month"] == month]
    fifty = sorted(month_table["staff_id"].unique())[:50]
    month_table = month_table[month_table["staff_id"].isin(fifty)]
    matrix = kpi.achievement_matrix(month_table, month=month, metrics=list(profile), settings=settings)
    t_stab, stab = best_of(lambda: kpi.rank_stability(matrix, profile, settings=settings, n=draws, seed=0),
                           args.repeats)
    t_stab_kpi, _ = best_of(lambda: kpi.rank_stability(month_table, profile, settings=settings, n=draws, seed=0),
                            args.repeats)
    start = time.perf_counter()
    base = pd.Series(profile)
    naive_st = naive_stability(matrix, base, stab.weights)
    t_naive_stab = time.perf_counter() - start
    tau_diff = float(np.max(np.abs(naive_st["tau"] - stab.tau.to_numpy())))
    people = stab.people.set_index("staff_id")
    top_diff = float(np.max(np.abs(naive_st["p_top"].reindex(people.index) - people["p_top3"])))
    q = naive_st["quantiles"].reindex(people.index)
    q_equal = bool(np.allclose(q.to_numpy(), people[["rank_p05", "rank_median", "rank_p95"]].to_numpy()))
    results.append({"task": f"rank_stability: {draws:,} Dirichlet draws × {len(matrix)} people (achievement matrix)",
                    "kit_s": t_stab, "naive_s": t_naive_stab, "naive_note": "",
                    "check": f"tau: max abs diff {tau_diff:.1e}; P(top 3): max abs diff {top_diff:.1e}; "
                             f"rank quantiles equal: {q_equal}"})
    results.append({"task": "rank_stability from the kpi table (validation, achievements, gates)", "kit_s": t_stab_kpi,
                    "naive_s": None, "naive_note": "",
                    "check": f"median tau {stab.tau.median():.3f}"})

    # --- report --------------------------------------------------------------------------------------------------
    header = ["task", "kit (s)", "naive pandas loop (s)", "speed-up", "same answer?"]
    lines = [header]
    for r in results:
        naive_text = "—" if r["naive_s"] is None else f"{r['naive_s']:.2f}{r['naive_note']}"
        speed = "—" if r["naive_s"] is None else f"{r['naive_s'] / r['kit_s']:,.0f}×"
        lines.append([r["task"], f"{r['kit_s']:.3f}", naive_text, speed, r["check"]])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    for row in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))

    command = "`.venv/bin/python benchmarks/bench_kpi.py" + (" --quick" if args.quick else "") \
        + (f" --data {args.data}" if args.data else "") + "`"
    md = [
        "# Benchmark: KPI scoring and ranking stability (`kit.kpi`)",
        "",
        f"- Command: {command}",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: {os.cpu_count()} cores ({cpu_name()}), shared with other jobs; Python "
        f"{platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}",
        f"- Data: {source}. `../shared/benchmarks/` has no KPI table, hence the seeded synthetic one "
        f"(`make_kpi` in the script).",
        f"- Profile: `{kpi.profile_for(prepared.months[-1], settings).stage}` from the default settings "
        f"({', '.join(f'{k} {v:g}' for k, v in profile.items())}); cap {settings.cap}.",
        f"- Kit times: best of {args.repeats} runs (the bonus sheet: 1 run). The naive scoring loop runs once on a "
        f"random sample of consultant-months, and its time is scaled up linearly to the full table. The naive "
        f"stability loop runs once on all draws, using the kit's own draws so the answers can be compared.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    md += ["| " + " | ".join(row) + " |" for row in lines[1:]]
    out = args.out or (None if args.quick else str(ROOT / "benchmarks" / "results" / "kpi.md"))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text("\n".join(md) + "\n", encoding="utf-8")
        print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
