"""Benchmark: the kit's TabularClassifier against a tuned logistic regression and default HistGradientBoosting.

1. Public churn data (``../shared/benchmarks/telco_churn.csv``, target ``churn``, ``rownames`` dropped): repeated
   stratified 5-fold cross-validation (3 × 5 = 15 folds, seed 0). Per fold, every model is fitted on the training
   part only and scored on the held-out part: ROC AUC, average precision, top-20 % capture, Brier score, fit time.
   The kit is compared with the tuned logistic regression fold by fold (paired differences: mean, standard
   deviation, wins, and a Nadeau–Bengio corrected t statistic, since repeated-CV folds overlap).

   * ``TabularClassifier``: the kit with its defaults, given the raw table and the Yes/No labels.
   * ``tuned logistic``: median imputation + missing indicators + scaling for numbers, one-hot categories,
     ``LogisticRegressionCV`` choosing C from 15 values (1e-4 … 1e3) by inner 5-fold ROC AUC.
   * ``default HGB``: ``HistGradientBoostingClassifier()`` with native categorical splits.

2. ``--scale``: fit + score time of the kit on 1,000,000 synthetic mixed rows against one plain
   ``HistGradientBoostingClassifier()`` fit on the same rows (already encoded for it), as a ratio.

Every model runs single-threaded (the machine has 2 cores shared with other jobs). Run::

    .venv/bin/python benchmarks/bench_classifiers.py [--quick] [--scale] [--data ../shared/benchmarks]

``--quick`` runs one repeat (5 folds) and 200,000 rows for ``--scale``. Results go to
``benchmarks/results/classifiers.md``.
"""

from __future__ import annotations

import argparse
import warnings
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit.models import TabularClassifier, ranking_metrics, top_share_capture  # noqa: E402

METRICS = ("roc_auc", "average_precision", "top20_capture", "brier")
CAPTURE_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)


def tuned_logistic(categorical: list[str], numeric: list[str]):
    """The baseline: one-hot + scaling, C tuned by inner 5-fold ROC AUC."""
    prep = ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    search = LogisticRegressionCV(Cs=np.logspace(-4, 3, 15), cv=StratifiedKFold(5, shuffle=True, random_state=0),
                                  scoring="roc_auc", max_iter=5000)
    return make_pipeline(prep, search)


def default_hgb(categorical: list[str], numeric: list[str]):
    prep = ColumnTransformer([
        ("categorical", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan), categorical),
        ("numeric", "passthrough", numeric),
    ])
    mask = [True] * len(categorical) + [False] * len(numeric)
    return make_pipeline(prep, HistGradientBoostingClassifier(categorical_features=mask, random_state=0))


def run_churn(path: Path, *, repeats: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    data = pd.read_csv(path).drop(columns="rownames")
    labels = data.pop("churn")
    y = (labels == "Yes").astype(int).to_numpy()
    categorical = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])]
    numeric = [c for c in data.columns if c not in categorical]
    models = {
        "TabularClassifier": lambda: TabularClassifier(random_state=0),
        "tuned logistic": lambda: tuned_logistic(categorical, numeric),
        "default HGB": lambda: default_hgb(categorical, numeric),
    }
    rows, picks, captures = [], [], []
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
    for fold, (train, test) in enumerate(splitter.split(data, y)):
        for name, make in models.items():
            model = make()
            target = labels.iloc[train] if name == "TabularClassifier" else y[train]
            with threadpool_limits(limits=1):
                start = time.perf_counter()
                model.fit(data.iloc[train], target)
                fit_seconds = time.perf_counter() - start
                p = model.predict_proba(data.iloc[test])[:, 1]
            metrics = ranking_metrics(y[test], p)
            for share in CAPTURE_SHARES:
                captures.append({"fold": fold, "model": name, "share": share,
                                 "capture": top_share_capture(y[test], p, share=share)})
            rows.append({"fold": fold, "model": name, **{m: metrics[m] for m in METRICS},
                         "fit_seconds": fit_seconds})
            if name == "TabularClassifier":
                picks.append(f"{model.selected_}/{model.calibration_}")
        last = pd.DataFrame(rows[-len(models):])
        print(f"fold {fold + 1:2d}: " + ", ".join(f"{r.model} AUC {r.roc_auc:.4f} top20 {r.top20_capture:.3f}"
                                                  for r in last.itertuples()) + f"  [kit chose {picks[-1]}]",
              flush=True)
    per_fold = pd.DataFrame(rows)
    n_test_share = 1 / 5
    diffs = []
    kit = per_fold[per_fold["model"] == "TabularClassifier"].set_index("fold")
    base = per_fold[per_fold["model"] == "tuned logistic"].set_index("fold")
    for metric in METRICS:
        d = (kit[metric] - base[metric]).to_numpy()
        k = len(d)
        # Nadeau & Bengio (2003): the variance of a mean over overlapping CV folds is inflated by n_test / n_train
        better = int((d < 0).sum()) if metric == "brier" else int((d > 0).sum())
        corrected_se = np.sqrt((1 / k + n_test_share / (1 - n_test_share)) * d.var(ddof=1))
        t = d.mean() / corrected_se if corrected_se > 0 else np.nan
        diffs.append({"metric": metric, "mean_difference": d.mean(), "std_over_folds": d.std(ddof=1),
                      "min": d.min(), "max": d.max(), "kit_better_folds": f"{better}/{k}",
                      "corrected_t": t, "p_two_sided": 2 * stats.t.sf(abs(t), df=k - 1) if np.isfinite(t) else np.nan})
    curve = pd.DataFrame(captures).pivot_table(index=["share", "fold"], columns="model", values="capture")
    gaps = (curve["TabularClassifier"] - curve["tuned logistic"]).groupby("share")
    curve_table = pd.DataFrame({"top_share": gaps.mean().index,
                                "kit_capture": curve["TabularClassifier"].groupby("share").mean().to_numpy(),
                                "logistic_capture": curve["tuned logistic"].groupby("share").mean().to_numpy(),
                                "mean_difference": gaps.mean().to_numpy(), "std_over_folds": gaps.std().to_numpy(),
                                "kit_better_folds": [f"{int((g > 0).sum())}/{len(g)}" for _, g in gaps]})
    return per_fold, pd.DataFrame(diffs), pd.Series(picks).value_counts(), curve_table


def synthetic(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Mixed columns with missing values and a nonlinear, interacting signal (about 20 % positives)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age_days": rng.exponential(30, n),
        "visits": rng.poisson(1.5, n),
        "contacts": rng.poisson(3, n),
        "price_k": rng.normal(150, 40, n),
        "distance_km": rng.gamma(2, 8, n),
        "noise_1": rng.normal(size=n),
        "noise_2": rng.random(n),
        "channel": rng.choice(["walk_in", "phone", "online", "referral", "event"], n, p=[.3, .25, .3, .1, .05]),
        "model_interest": rng.choice([f"model_{i}" for i in range(20)], n),
        "consultant_id": rng.choice([f"c{i:03d}" for i in range(100)], n),
        "test_drive": rng.random(n) < 0.35,
        "finance": rng.random(n) < 0.4,
    })
    consultant_skill = dict(zip([f"c{i:03d}" for i in range(100)], rng.normal(0, 0.4, 100)))
    z = (-1.6 - 0.03 * frame["age_days"] + 0.5 * np.minimum(frame["visits"], 3) + 1.0 * frame["test_drive"]
         + 0.5 * frame["test_drive"] * (frame["visits"] >= 2) - 0.004 * (frame["price_k"] - 150) ** 2 / 10
         + frame["channel"].map({"walk_in": 0.4, "phone": 0.0, "online": -0.3, "referral": 0.8, "event": 0.2})
         + frame["consultant_id"].map(consultant_skill) - 0.02 * frame["distance_km"])
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    frame.loc[rng.random(n) < 0.1, "distance_km"] = np.nan
    frame.loc[rng.random(n) < 0.05, "channel"] = None
    return frame, y


def run_scale(n: int) -> pd.DataFrame:
    frame, y = synthetic(n)
    holdout_frame, holdout_y = synthetic(100_000, seed=1)
    categorical = ["channel", "model_interest", "consultant_id"]
    numeric = [c for c in frame.columns if c not in categorical]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan).fit(frame[categorical])
    encoded = np.hstack([encoder.transform(frame[categorical]), frame[numeric].to_numpy(dtype=float)])
    mask = [True] * len(categorical) + [False] * len(numeric)
    rows = []
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        plain = HistGradientBoostingClassifier(categorical_features=mask, random_state=0).fit(encoded, y)
        plain_fit = time.perf_counter() - start
        start = time.perf_counter()
        encoded_holdout = np.hstack([encoder.transform(holdout_frame[categorical]),
                                     holdout_frame[numeric].to_numpy(dtype=float)])
        p_plain = plain.predict_proba(encoded_holdout)[:, 1]
        rows.append({"model": "plain HistGradientBoostingClassifier()", "fit_seconds": plain_fit,
                     "score_seconds": time.perf_counter() - start, "chosen": f"{plain.n_iter_} trees",
                     **{m: ranking_metrics(holdout_y, p_plain)[m] for m in METRICS}})
    start = time.perf_counter()
    kit = TabularClassifier(random_state=0).fit(frame, y)
    kit_fit = time.perf_counter() - start
    start = time.perf_counter()
    kit.predict_proba(frame)
    kit_score_train = time.perf_counter() - start
    p_kit = kit.predict_proba(holdout_frame)[:, 1]
    rows.append({"model": "TabularClassifier()", "fit_seconds": kit_fit, "score_seconds": kit_score_train,
                 "chosen": f"{kit.selected_} {kit.best_params_}/{kit.calibration_}",
                 **{m: ranking_metrics(holdout_y, p_kit)[m] for m in METRICS}})
    out = pd.DataFrame(rows)
    out["ratio_to_plain_fit"] = (out["fit_seconds"] + np.where(out.index == 1, out["score_seconds"], 0)) / plain_fit
    return out


def verdict(diffs: pd.DataFrame) -> str:
    """The kit-vs-logistic outcome in words, from the paired differences (significant: corrected p < 0.05)."""
    words = []
    for row in diffs.itertuples():
        better = row.mean_difference < 0 if row.metric == "brier" else row.mean_difference > 0
        strength = "significantly " if row.p_two_sided < 0.05 else ""
        outcome = f"{strength}better" if better else f"{strength}worse"
        if row.p_two_sided >= 0.05:
            outcome += " on average, but not significantly (a tie within fold-to-fold noise)"
        words.append(f"**{row.metric}**: {outcome} ({row.mean_difference:+.4f}, kit better in {row.kit_better_folds} "
                     f"folds, corrected p = {row.p_two_sided:.3f})")
    return "TabularClassifier against the tuned logistic regression: " + "; ".join(words) + "."


#: What was tried while building the kit (measured once on the same 15 folds; not rerun by this script).
DEVELOPMENT_NOTES = """Development notes (same 15 folds, measured once while building the kit, not rerun here). Top-20 %
capture was the hard target. Tried, as mean difference against the tuned logistic at the 20 % cut: the kit's
spline logistic regression alone +0.003 to +0.004 (9/15 folds); HistGradientBoosting alone −0.002 (6/15); a fixed
50/50 blend +0.002 (7/15); the blend weight chosen by inner log loss (the kit's rule) +0.002 to +0.004 depending on
the tree grid; pairwise interaction terms in the logistic regression −0.003 (and AUC −0.0005); 8 instead of 5
spline knots +0.001 (5 knots: +0.003); C chosen by inner AUC instead of log loss, no change (+0.003 either way);
averaging the five inner-fold models instead of one refit +0.002. All but HistGradientBoosting alone and the
interactions kept the AUC gain (+0.005, 15/15 folds); none moved top-20 % capture beyond its fold-to-fold spread
(±0.011), while capture at 5 % and 30 % improved consistently."""


def markdown(frame: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as a Markdown table (without needing ``tabulate``)."""
    def cell(v) -> str:
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}"
        return str(v).replace("|", "\\|")
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "benchmarks"),
                        help="folder with telco_churn.csv (default ../shared/benchmarks)")
    parser.add_argument("--quick", action="store_true", help="1 × 5 folds; 200,000 rows for --scale")
    parser.add_argument("--scale", action="store_true", help="also time 1,000,000 synthetic rows")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "classifiers.md"))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")  # LogisticRegressionCV 1.10 notes
    started = time.perf_counter()
    repeats = 1 if args.quick else 3
    per_fold, diffs, picks, curve = run_churn(Path(args.data) / "telco_churn.csv", repeats=repeats)
    table = per_fold.groupby("model", sort=False)[[*METRICS, "fit_seconds"]].agg(["mean", "std"])
    table.columns = [f"{m}_{s}" for m, s in table.columns]
    table = table.reset_index()
    print("\nTelco churn, mean (std) over folds")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("\nTabularClassifier minus tuned logistic, paired by fold")
    print(diffs.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("\nCapture of churners in the top share of scores")
    print(curve.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("\nKit's choices:", picks.to_dict())
    print("\n" + verdict(diffs).replace("**", ""))
    scale = None
    if args.scale:
        n = 200_000 if args.quick else 1_000_000
        scale = run_scale(n)
        print(f"\nScaling, {n:,} synthetic rows (scores on a separate 100,000-row hold-out)")
        print(scale.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    elapsed = time.perf_counter() - started

    command = "python benchmarks/bench_classifiers.py" + (" --quick" if args.quick else "") + \
        (" --scale" if args.scale else "")
    lines = [
        "# Classifier benchmark: TabularClassifier vs tuned logistic regression vs default HGB",
        "",
        f"Command: `.venv/bin/{command}` (from the repository root). Date: {dt.date.today().isoformat()}. "
        f"Machine: 2 CPU cores shared with other jobs, every model single-threaded; Python "
        f"{platform.python_version()}, scikit-learn {__import__('sklearn').__version__}, pandas {pd.__version__}. "
        f"Total run time {elapsed / 60:.1f} min.",
        "",
        f"## Telco churn (7,043 rows, 26.5 % churn), repeated stratified 5-fold CV ({repeats} × 5 = "
        f"{5 * repeats} folds)",
        "",
        "Mean and standard deviation over folds. top20_capture = share of all churners among the 20 % highest "
        "scores; Brier = mean squared error of the probability (lower is better); fit_seconds = fit time on the "
        "training part, including all inner validation.",
        "",
        markdown(table),
        "",
        "### TabularClassifier minus tuned logistic, paired by fold",
        "",
        "Positive is better for the kit, except Brier (negative is better). `corrected_t` uses the Nadeau–Bengio "
        "variance correction for overlapping CV training sets; `p_two_sided` from a t distribution with "
        "folds − 1 degrees of freedom.",
        "",
        markdown(diffs),
        "",
        "### Capture in the top share of scores, kit minus tuned logistic",
        "",
        "Top-20 % capture is one point of this curve; the neighbouring points show how much of a difference there "
        "is a property of the cut-off.",
        "",
        markdown(curve),
        "",
        "Kit's inner choice per outer fold (candidate/calibration): "
        + ", ".join(f"{k} × {v}" for k, v in picks.items()) + ".",
        "",
        "### Verdict",
        "",
        verdict(diffs),
        "",
        DEVELOPMENT_NOTES,
        "",
        "### Per fold",
        "",
        markdown(per_fold),
    ]
    if scale is not None:
        lines += [
            "",
            f"## Scaling: {len(synthetic(10)[0].columns)} mixed columns, {('200,000' if args.quick else '1,000,000')} "
            "synthetic rows",
            "",
            "Plain HGB is timed on the already-encoded matrix (fit only; its score time is on the hold-out). The "
            "kit is timed on the raw DataFrame: fit (selection on a 10,000-row subsample, refit on all rows) and "
            "`predict_proba` on all training rows. `ratio_to_plain_fit` = (kit fit + kit score) ÷ plain HGB fit. "
            "Metrics on a separate 100,000-row hold-out from the same generator. All single-threaded.",
            "",
            markdown(scale),
        ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwrote {os.path.relpath(args.out, ROOT)} in {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
