"""Benchmark the at-risk model (``kit.turnover.AttritionModel``) against a tuned logistic regression.

Two data sets:

1. **Public churn data** (``../shared/benchmarks/telco_churn.csv``, IBM Telco, 7,043 rows, target ``churn``) as the
   stand-in for an HR attrition table with a yes/no column and mixed columns. Repeated stratified 5-fold CV; per
   fold ROC AUC, average precision, Brier score, share of positives caught in the top 20 %, fit time; the paired
   AUC difference with the Nadeau–Bengio corrected resampled t-test (folds overlap, so the naive t-test is
   over-confident).
2. **Sample dealership staff-months** (``kit.samples.make_dealership``, 4 stores, history from 2021-11, several
   seeds): rolling-origin hold-out. At each origin T the models are trained on the kit's training set for T
   (outcomes known by T) and score everyone employed at the end of T; predictions of all origins are pooled.
   AttritionModel vs a tenure-only logistic regression vs the tuned logistic regression.
3. **Planted drivers** on the same generated dealerships: the monthly Cox driver summary
   (``driver_training_set`` + ``attrition_drivers``) on the pooled staff-months, next to the generator's truth
   (``kit.samples.STAFF_SIGNALS``), and how many seeds find each driver on their own.

Run ``.venv/bin/python benchmarks/bench_turnover.py`` (``--quick`` for a smoke run); writes
``benchmarks/results/turnover.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import samples, turnover  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks"
RESULTS = ROOT / "benchmarks" / "results" / "turnover.md"


def tuned_logistic_regression(random_state: int = 0):
    """Median/mode imputation, scaling, one-hot, then C tuned by inner 5-fold CV on ROC AUC (12 values)."""
    numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    pre = ColumnTransformer([("num", numeric, make_column_selector(dtype_include=np.number)),
                             ("cat", categorical, make_column_selector(dtype_exclude=np.number))])
    lr = LogisticRegressionCV(Cs=np.logspace(-3, 2, 12), cv=StratifiedKFold(5, shuffle=True,
                                                                            random_state=random_state),
                              scoring="roc_auc", max_iter=5000, n_jobs=1, l1_ratios=(0.0,),
                              use_legacy_attributes=False)
    return make_pipeline(pre, lr)


def tenure_only(random_state: int = 0):
    """Logistic regression on tenure alone (tenure in months and its log)."""
    from sklearn.preprocessing import FunctionTransformer

    def features(X):
        tenure = np.asarray(X["tenure_months"], dtype=float).reshape(-1, 1)
        return np.hstack([tenure, np.log1p(tenure)])

    return make_pipeline(FunctionTransformer(features), StandardScaler(), LogisticRegression(max_iter=2000))


def top_capture(y: np.ndarray, p: np.ndarray, share: float = 0.2) -> float:
    """Share of all positives found in the top ``share`` of scores."""
    k = max(1, int(round(share * len(p))))
    order = np.argsort(-p, kind="stable")[:k]
    return float(y[order].sum() / max(1, y.sum()))


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {"roc_auc": roc_auc_score(y, p), "average_precision": average_precision_score(y, p),
            "brier": brier_score_loss(y, p), "top20_capture": top_capture(y, p)}


def corrected_t(diffs: np.ndarray, n_train: int, n_test: int) -> tuple[float, float, float]:
    """Nadeau–Bengio corrected resampled t-test: mean difference, 95 % CI half-width, two-sided p."""
    k = len(diffs)
    mean, var = float(np.mean(diffs)), float(np.var(diffs, ddof=1))
    se = np.sqrt((1 / k + n_test / n_train) * var)
    if se == 0:
        return mean, 0.0, 0.0 if mean != 0 else 1.0
    tstat = mean / se
    half = float(stats.t.ppf(0.975, k - 1) * se)
    return mean, half, float(2 * stats.t.sf(abs(tstat), k - 1))


# --------------------------------------------------------------------------- 1. public churn data


def bench_churn(data_dir: Path, *, quick: bool) -> tuple[pd.DataFrame, dict]:
    frame = pd.read_csv(data_dir / "telco_churn.csv")
    y = (frame["churn"] == "Yes").astype(int).to_numpy()
    X = frame.drop(columns=["rownames", "churn"])
    n_repeats = 1 if quick else 3
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=n_repeats, random_state=0)
    models = {"AttritionModel": turnover.AttritionModel(random_state=0),
              "tuned logistic regression": tuned_logistic_regression()}
    rows = []
    for fold, (train, test) in enumerate(cv.split(X, y)):
        for name, model in models.items():
            est = clone(model)
            t0 = time.perf_counter()
            est.fit(X.iloc[train], y[train])
            fit_s = time.perf_counter() - t0
            p = est.predict_proba(X.iloc[test])[:, 1]
            rows.append({"fold": fold, "model": name, "fit_seconds": fit_s, **scores(y[test], p)})
        print(f"  churn fold {fold + 1}/{cv.get_n_splits()}: " + ", ".join(
            f"{r['model']} AUC {r['roc_auc']:.4f}" for r in rows[-len(models):]), flush=True)
    folds = pd.DataFrame(rows)
    wide = folds.pivot(index="fold", columns="model", values="roc_auc")
    diffs = (wide["AttritionModel"] - wide["tuned logistic regression"]).to_numpy()
    n_train, n_test = int(len(y) * 0.8), int(len(y) * 0.2)
    mean, half, p = corrected_t(diffs, n_train, n_test)
    paired = {"mean": mean, "half": half, "p": p, "wins": int((diffs > 0).sum()), "folds": len(diffs)}
    return folds, paired


# --------------------------------------------------------------------------- 2. sample dealership


def bench_dealership(*, quick: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    seeds = (0, 1) if quick else (0, 1, 2, 3, 4, 5, 6, 7)
    horizon = 6
    models = {"AttritionModel": lambda: turnover.AttritionModel(random_state=0),
              "tenure only (logistic regression)": tenure_only,
              "tuned logistic regression": tuned_logistic_regression}
    origins = ("2025-07", "2025-10", "2026-01", "2026-04")
    pooled, monthly = [], []
    for seed in seeds:
        t0 = time.perf_counter()
        tables = samples.make_dealership(seed=seed, scale=1.0, n_stores=4, start="2021-11")
        staff, kpi = tables["staff"], tables["kpi"]
        part = turnover.driver_training_set(staff, kpi, as_of="2026-10", span_months=60)
        monthly.append(part.assign(seed=seed, staff_id=f"{seed}-" + part["staff_id"],
                                   store_id=f"{seed}-" + part["store_id"]))
        first_kpi = pd.Period(kpi["month"].min(), freq="M")
        for origin in origins:
            # the kit's own training set: every 6th month back from origin - 6 within 36 months, outcomes known by
            # the origin (observed_until); scored on everyone employed at the origin, outcomes from the full data
            months = turnover.training_as_of_months(origin, horizon_months=horizon)
            months = months[months >= first_kpi + 5]
            train = turnover.build_training_set(staff, kpi, as_of_months=months, horizon_months=horizon,
                                                observed_until=origin)
            test = turnover.build_attrition_frame(staff, kpi, as_of=origin, horizon_months=horizon)
            X_train, y_train = turnover.attrition_xy(train)
            X_test, y_test = turnover.attrition_xy(test)
            for name, make in models.items():
                est = make()
                t1 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    est.fit(X_train, y_train)
                fit_s = time.perf_counter() - t1
                p = est.predict_proba(X_test)[:, 1]
                pooled.append(pd.DataFrame({"seed": seed, "origin": origin, "model": name, "y": y_test.to_numpy(),
                                            "p": p, "fit_seconds": fit_s}))
        print(f"  dealership seed {seed}: {len(staff)} staff, {time.perf_counter() - t0:.0f} s", flush=True)
    preds = pd.concat(pooled, ignore_index=True)
    summary = []
    for name, part in preds.groupby("model", sort=False):
        per_seed = [roc_auc_score(g["y"], g["p"]) for _, g in part.groupby("seed")]
        fits = part.drop_duplicates(["seed", "origin"])["fit_seconds"]
        summary.append({"model": name, **scores(part["y"].to_numpy(), part["p"].to_numpy()),
                        "roc_auc_per_seed_mean": float(np.mean(per_seed)),
                        "fit_seconds": float(fits.mean()), "rows_scored": len(part),
                        "leavers": int(part["y"].sum())})
    per_seed = preds.groupby(["seed", "model"]).apply(lambda g: roc_auc_score(g["y"], g["p"]),
                                                      include_groups=False).unstack()
    return pd.DataFrame(summary), per_seed[[*models]], drivers_table(pd.concat(monthly, ignore_index=True))


#: planted person-level drivers: kit covariate -> (generator term, kit units per generator unit, description)
PLANTED = {
    "tenure_under_6_months": ("tenure_lt_6m", 1.0, "hired < 183 days ago"),
    "weekend_shifts_per_month": ("weekend_shifts_above_norm", 1.0, "per weekend shift above the role norm"),
    "base_pay_cny": ("base_pay_k_above_norm", 1.0, "per 1,000 CNY above the role norm"),
    "training_hours": ("training_hours_above_norm", 10.0, "per 10 training hours above the role norm"),
    "manager_left_last_3_months": ("manager_left_3m", 1.0, "line manager left in the last 91 days"),
    "gate_misses_last_6_months": ("gate_misses_3m", None, "per gate miss in the last 3 months (kit: last 6)"),
    "achievement_change": ("achievement_drop_3m", None, "per 100 pp fall of 3-month achievement (kit: per 10 pp "
                                                        "change; a fall raises risk, so HR < 1)"),
}


def drivers_table(training: pd.DataFrame) -> pd.DataFrame:
    rows = []
    pooled = turnover.attrition_drivers(training.drop(columns="seed")).set_index("covariate")
    per_seed = {seed: turnover.attrition_drivers(part.drop(columns="seed")).set_index("covariate")
                for seed, part in training.groupby("seed")}
    for covariate, (term, units, text) in PLANTED.items():
        coef = samples.STAFF_SIGNALS[term]
        truth = float(np.exp(coef * units)) if units is not None else float("nan")
        expected = "raises risk" if (coef > 0) != (covariate == "achievement_change") else "lowers risk"
        r = pooled.loc[covariate]
        rows.append({"covariate": covariate, "planted": f"{term} = {coef:+g} ({text})", "planted_hr": truth,
                     "hazard_ratio": r["hazard_ratio"], "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"],
                     "p_value": r["p_value"], "recovered": r["effect"] == expected,
                     "seeds_recovering": sum(d.loc[covariate, "effect"] == expected for d in per_seed.values()),
                     "seeds": len(per_seed), "events": int(training["left_within_horizon"].sum()),
                     "rows": len(training)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- report


def markdown(churn: pd.DataFrame, paired: dict, dealer: pd.DataFrame, per_seed: pd.DataFrame,
             drivers: pd.DataFrame, *, command: str, seconds: float) -> str:
    metric_cols = ["roc_auc", "average_precision", "brier", "top20_capture", "fit_seconds"]
    churn_table = churn.groupby("model", sort=False)[metric_cols].agg(["mean", "std"])
    lines = [
        "# Turnover: at-risk model benchmark",
        "",
        f"Command: `{command}`  ",
        f"Machine: 2 CPU cores ({platform.machine()}, Python {platform.python_version()}), n_jobs=1; "
        f"date {dt.date.today().isoformat()}; total {seconds / 60:.1f} min.",
        "",
        "## 1. Public churn data as the HR-attrition stand-in (telco_churn.csv, 7,043 rows, 26.5 % positive)",
        "",
        f"Repeated stratified 5-fold CV ({churn['fold'].nunique()} folds). Mean ± sd over folds.",
        "",
        "| model | ROC AUC | average precision | Brier | top-20 % capture | fit time (s) |",
        "|---|---|---|---|---|---|",
    ]
    for model in churn_table.index:
        r = churn_table.loc[model]
        lines.append(f"| {model} | " + " | ".join(
            f"{r[(m, 'mean')]:.4f} ± {r[(m, 'std')]:.4f}" if m != "fit_seconds" else f"{r[(m, 'mean')]:.1f}"
            for m in metric_cols) + " |")
    lines += [
        "",
        f"Paired ROC AUC difference (AttritionModel − tuned LR): {paired['mean']:+.4f} "
        f"(95 % CI ± {paired['half']:.4f}, corrected resampled t-test p = {paired['p']:.3f}); AttritionModel "
        f"higher in {paired['wins']} of {paired['folds']} folds.",
        "",
        "## 2. Sample dealership staff-months (kit.samples, 4 stores, 2021-11 – 2026-10)",
        "",
        "Rolling-origin hold-out at four origins T (2025-07, 2025-10, 2026-01, 2026-04): each model is trained on "
        "the kit's training set for T (staff-months at T−6, T−12, … T−36, outcomes read only up to T: "
        "`fit_attrition_model`), then scores everyone employed at the end of T for leaving within 6 months. "
        f"Predictions pooled over origins and generator seeds ({', '.join(str(s) for s in per_seed.index)}); "
        "the per-seed table shows the spread.",
        "",
        "| model | ROC AUC (pooled) | ROC AUC (mean of seeds) | average precision | Brier | top-20 % capture | "
        "fit time (s) | rows (leavers) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in dealer.itertuples(index=False):
        lines.append(f"| {r.model} | {r.roc_auc:.4f} | {r.roc_auc_per_seed_mean:.4f} | {r.average_precision:.4f} | "
                     f"{r.brier:.4f} | {r.top20_capture:.3f} | {r.fit_seconds:.1f} | {r.rows_scored} "
                     f"({r.leavers}) |")
    wins = int((per_seed["AttritionModel"] > per_seed["tenure only (logistic regression)"]).sum())
    wins_lr = int((per_seed["AttritionModel"] > per_seed["tuned logistic regression"]).sum())
    lines += ["", f"ROC AUC per seed (AttritionModel above tenure only in {wins} of {len(per_seed)} seeds, above "
              f"the tuned logistic regression in {wins_lr}):", "",
              "| seed | " + " | ".join(per_seed.columns) + " |", "|---|" + "---|" * len(per_seed.columns)]
    for seed, r in per_seed.iterrows():
        lines.append(f"| {seed} | " + " | ".join(f"{v:.4f}" for v in r) + " |")
    first = drivers.iloc[0]
    lines += [
        "",
        "## 3. Planted drivers recovered (monthly Cox, time-varying covariates, stratified by role)",
        "",
        f"`driver_training_set(staff, kpi, as_of='2026-10', span_months=60)` on every seed, pooled "
        f"({first['rows']:,} staff-months, {first['events']} leavers), then `attrition_drivers`. The planted hazard "
        "ratio is exp(coefficient) of the generator's monthly log-odds (≈ a hazard ratio at these small monthly "
        "probabilities), shown where the kit's covariate measures the same thing. *Recovered*: the 95 % interval lies "
        "on the planted side of 1. Per seed: the same test on one dealership alone.",
        "",
        "| kit covariate | planted (kit.samples.STAFF_SIGNALS) | planted HR | estimated HR | 95 % CI | p | "
        "recovered | seeds recovering alone |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in drivers.itertuples(index=False):
        planted_hr = "–" if np.isnan(r.planted_hr) else f"{r.planted_hr:.3f}"
        lines.append(f"| {r.covariate} | {r.planted} | {planted_hr} | {r.hazard_ratio:.3f} | "
                     f"{r.ci_lower:.3f}–{r.ci_upper:.3f} | {r.p_value:.2g} | {'yes' if r.recovered else 'no'} | "
                     f"{r.seeds_recovering} of {r.seeds} |")
    lines += ["", "Not a person-level driver, so not in the table: the store-level team-turnover feedback "
              "(`team_turnover_12m_above_norm`), which keeps each store's yearly rate near its norm."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer folds, seeds and origins (smoke run)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with telco_churn.csv")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown results file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print("1. public churn data", flush=True)
    churn, paired = bench_churn(args.data, quick=args.quick)
    print("2. sample dealership", flush=True)
    dealer, per_seed, drivers = bench_dealership(quick=args.quick)
    command = ".venv/bin/python benchmarks/bench_turnover.py" + (" --quick" if args.quick else "")
    text = markdown(churn, paired, dealer, per_seed, drivers, command=command,
                    seconds=time.perf_counter() - started)
    print()
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
