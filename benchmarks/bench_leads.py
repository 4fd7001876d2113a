"""Lead scoring benchmark on the sample dealership, and the cost of fitting and scoring a million leads.

Part 1, ranking buyers on a time hold-out of the sample dealership (``kit.leads.evaluate_holdout``: trained on
outcomes known before the split, tested on the most recent 20 % of leads, each scored on every weekly as-of date
while open): the kit's ``LeadScorer`` against a tuned logistic regression on the same features, the transparent
rules, and the consultants' own grades (H > A > B > C) from the month-end grade sheet (``grade_log``: the grade
recorded on or before each as-of date; rows without one are left out of that comparison, and the kit is scored on
the same rows beside it). Scorers run on the lead's behaviour alone and, as a dealer with the grade sheet could,
with the consultant's grade as one more input. Data: the committed ``data_samples/`` and generated dealerships.

Part 2, scale: fit + score ``LeadScorer`` on N synthetic leads (default 1,000,000) in the kit's feature layout,
against a plain ``HistGradientBoostingClassifier`` fit on the same data; plus ``build_features`` on N leads.

Run: ``.venv/bin/python benchmarks/bench_leads.py`` (``--quick`` for a smaller run). Writes
``benchmarks/results/leads.md``. All models run single-threaded (the machine has 2 cores shared with others).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import leads as kl  # noqa: E402
from kit import samples  # noqa: E402
from kit.models import ranking_metrics  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "leads.md"


class TunedLogistic(ClassifierMixin, BaseEstimator):
    """Baseline: one-hot categories (rare levels pooled), median-imputed and scaled numbers with missing flags,
    L2 logistic regression with C chosen by 5-fold cross-validated ROC AUC."""

    def __init__(self, *, Cs=(0.001, 0.01, 0.1, 1.0, 10.0, 100.0), random_state: int = 0):
        self.Cs = Cs
        self.random_state = random_state

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        out = X.copy()
        for col in self.categorical_:
            out[col] = out[col].astype(object).where(out[col].notna(), "missing").astype(str)
        for col in self.numeric_:
            out[col] = pd.to_numeric(out[col].astype(float), errors="coerce")
        return out

    def fit(self, X: pd.DataFrame, y) -> "TunedLogistic":
        self.categorical_ = [c for c in X.columns if X[c].dtype == object or isinstance(X[c].dtype, pd.StringDtype)]
        self.numeric_ = [c for c in X.columns if c not in self.categorical_]
        pre = ColumnTransformer([
            ("cat", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20), self.categorical_),
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
             self.numeric_)])
        pipe = make_pipeline(pre, LogisticRegression(max_iter=3000))
        cv = StratifiedKFold(5, shuffle=True, random_state=self.random_state)
        self.search_ = GridSearchCV(pipe, {"logisticregression__C": list(self.Cs)}, scoring="roc_auc", cv=cv,
                                    n_jobs=1).fit(self._frame(X), np.asarray(y))
        self.classes_ = self.search_.classes_
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.search_.predict_proba(self._frame(X))


class Timed(ClassifierMixin, BaseEstimator):
    """Wraps a classifier and records its fit time in ``fit_seconds_``."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y):
        from sklearn.base import clone

        start = time.perf_counter()
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.fit_seconds_ = time.perf_counter() - start
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)


def load_dealership(data: Path | None, seed: int, scale: float) -> tuple[dict, str]:
    """A dealership folder read with kit.io (``data``), or a generated one."""
    if data is not None:
        from kit import io

        tables = dict(io.load_dealer(data).tables)
        return tables, f"{data.name}/ ({len(tables['leads']):,} leads)"
    tables = samples.make_dealership(seed=seed, scale=scale)
    return tables, f"make_dealership(seed={seed}, scale={scale}) ({len(tables['leads']):,} leads)"


def holdout_rows(tables: dict, label: str) -> list[dict]:
    leads, follow = tables["leads"], tables["followups"]
    as_of = leads["created_at"].max()
    grade_log = tables.get("grade_log")
    runs = [("kit LeadScorer", dict(scorer=Timed(kl.LeadScorer()), grade_log=grade_log, grade_as_feature=False)),
            ("tuned logistic regression", dict(scorer=Timed(TunedLogistic()))),
            ("kit LeadScorer + consultant grade", dict(scorer=Timed(kl.LeadScorer()), grade_log=grade_log)),
            ("tuned logistic + consultant grade", dict(scorer=Timed(TunedLogistic()), grade_log=grade_log)),
            ("transparent rules", dict(method="rules"))]
    rows, graded = [], []
    for name, kwargs in runs:
        if kwargs.get("grade_log", 0) is None:
            continue
        report = kl.evaluate_holdout(leads, follow, as_of=as_of, method=kwargs.pop("method", "model"), **kwargs)
        m = report.metrics.set_index("scorer")
        fit_s = getattr(report.model.scorer, "fit_seconds_", float("nan"))
        inner = getattr(report.model.scorer, "estimator_", report.model.scorer)
        chosen = getattr(inner, "selected_", None) or (
            f"C={inner.search_.best_params_['logisticregression__C']:g}" if hasattr(inner, "search_") else "points")
        rows.append({"data": label, "scorer": name, "rows": "all test lead-dates", **m.loc["kit"].to_dict(),
                     "fit_seconds": fit_s, "train_rows": report.n_train_rows, "chosen": chosen})
        if name == "kit LeadScorer" and "consultant grades" in m.index:
            same = m.loc["kit, same leads"] if "kit, same leads" in m.index else m.loc["kit"]
            graded = [{"data": label, "scorer": "kit LeadScorer", "rows": "graded lead-dates", **same.to_dict(),
                       "fit_seconds": fit_s, "train_rows": report.n_train_rows, "chosen": chosen},
                      {"data": label, "scorer": "consultants' own grades", "rows": "graded lead-dates",
                       **m.loc["consultant grades"].to_dict(), "fit_seconds": float("nan"),
                       "train_rows": float("nan"), "chosen": "H>A>B>C"}]
            message = report.message
        print(f"  {name:36s} AUC {m.loc['kit', 'roc_auc']:.3f}  top-20 % {m.loc['kit', 'top20_capture']:.3f}  "
              f"fit {fit_s:6.1f} s", flush=True)
    for row in graded:
        print(f"  {row['scorer'] + ' (graded rows)':36s} AUC {row['roc_auc']:.3f}  top-20 % "
              f"{row['top20_capture']:.3f}", flush=True)
    if graded:
        print(f"  {message}", flush=True)
    return rows + graded


def synthetic_features(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """N leads in the kit's feature layout with a planted logistic truth (kit.samples.LEAD_SIGNALS)."""
    rng = np.random.default_rng(seed)
    sig = samples.LEAD_SIGNALS
    channels = np.array(["online", "walk_in", "phone", "referral", "event"])
    channel = channels[rng.choice(5, n, p=[0.55, 0.22, 0.10, 0.05, 0.08])]
    visits = rng.poisson(np.where(channel == "walk_in", 1.4, 0.5))
    test_drive = rng.random(n) < np.clip(0.15 + 0.2 * visits, 0, 0.9)
    quoted = rng.random(n) < np.where(test_drive, 0.5, 0.15)
    trade_in, finance = rng.random(n) < 0.25, rng.random(n) < 0.45
    first_delay = rng.exponential(30.0, n)
    longest_gap = rng.exponential(6.0, n)
    x = sig["intercept"] + np.select([channel == c for c in channels[1:]],
                                     [sig[f"channel_{c}"] for c in channels[1:]], 0.0)
    x = x + sig["visits"] * np.minimum(visits, 4) + sig["test_drive"] * test_drive + sig["quoted"] * quoted
    x = x + sig["trade_in"] * trade_in + sig["finance"] * finance + sig["prompt_followup"] * (first_delay < 36)
    x = x + sig["long_gap"] * (longest_gap > 21) + rng.normal(0, 0.35, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    contacts = rng.poisson(3, n)
    X = pd.DataFrame({
        "channel": channel.astype(object),
        "model_interest": np.array(["Aurora", "Breeze", "Comet", "Dune", "EV5", "Glide", "Halo", "Iris"],
                                   dtype=object)[rng.integers(0, 8, n)],
        "store_id": np.array(["S1", "S2"], dtype=object)[rng.integers(0, 2, n)],
        "consultant_id": np.array([f"E{i:03d}" for i in range(40)], dtype=object)[rng.integers(0, 40, n)],
        "age_days": rng.integers(0, 90, n), "visits": visits, "test_drive": test_drive, "quoted": quoted,
        "negotiating": quoted & (rng.random(n) < 0.3), "trade_in": trade_in, "finance": finance,
        "contacts": contacts, "calls": rng.binomial(contacts, 0.5), "wechat_contacts": rng.binomial(contacts, 0.3),
        "sms_contacts": rng.binomial(contacts, 0.1), "unanswered_calls": rng.poisson(0.5, n),
        "invitations": rng.poisson(0.4, n), "contacts_last_14_days": rng.binomial(contacts, 0.5),
        "days_since_last_contact": rng.integers(0, 40, n),
        "mean_days_between_contacts": np.where(contacts > 0, rng.exponential(5.0, n), np.nan),
        "longest_gap_days": np.round(longest_gap, 1),
        "first_contact_delay_hours": np.where(contacts > 0, first_delay, np.nan),
        "days_since_last_visit": np.where(visits > 0, rng.integers(0, 40, n), np.nan),
        "days_since_test_drive": np.where(test_drive, rng.integers(0, 40, n), np.nan),
        "days_since_quote": np.where(quoted, rng.integers(0, 40, n), np.nan),
    })
    return X[list(kl.FEATURE_COLUMNS)], y


def synthetic_tables(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """N leads and about 3 follow-ups each, in the canonical table layout, for timing build_features."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01", "ns")
    created = start + rng.integers(0, 540, n).astype("timedelta64[D]")
    ids = np.char.add("L", np.arange(n).astype(str)).astype(object)
    leads = pd.DataFrame({
        "lead_id": ids, "store_id": "S1", "created_at": created,
        "channel": np.array(["online", "walk_in", "phone"], dtype=object)[rng.integers(0, 3, n)],
        "consultant_id": np.array([f"E{i:03d}" for i in range(40)], dtype=object)[rng.integers(0, 40, n)],
        "model_interest": "Aurora", "trade_in": rng.random(n) < 0.25, "finance": rng.random(n) < 0.45,
        "status": "open", "closed_at": pd.NaT})
    k = rng.poisson(3, n)
    lead_idx = np.repeat(np.arange(n), k)
    at = created[lead_idx] + (rng.exponential(7.0, len(lead_idx)) * 86400e9).astype("timedelta64[ns]")
    follow = pd.DataFrame({
        "lead_id": ids[lead_idx], "at": at, "consultant_id": "E001",
        "kind": np.array(["call", "visit", "wechat", "sms"], dtype=object)[rng.integers(0, 4, len(lead_idx))],
        "outcome": np.array([None, "no_answer", "test_drive", "quoted", "invited"], dtype=object)[
            rng.integers(0, 5, len(lead_idx))]})
    return leads, follow


def scale_rows(n: int, seed: int) -> tuple[list[dict], dict]:
    X, y = synthetic_features(n + n // 5, seed)
    X_train, y_train, X_test, y_test = X.iloc[:n], y[:n], X.iloc[n:], y[n:]
    start = time.perf_counter()
    scorer = kl.LeadScorer().fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    p = scorer.predict_proba(X_train)[:, 1]
    score_s = time.perf_counter() - start
    auc_kit = roc_auc_score(y_test, scorer.predict_proba(X_test)[:, 1])
    encoded = X_train.copy()
    for col in ("channel", "model_interest", "store_id", "consultant_id"):
        encoded[col] = encoded[col].astype("category")
    start = time.perf_counter()
    hgb = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0).fit(encoded, y_train)
    hgb_s = time.perf_counter() - start
    test_enc = X_test.copy()
    for col in ("channel", "model_interest", "store_id", "consultant_id"):
        test_enc[col] = pd.Categorical(test_enc[col], categories=encoded[col].cat.categories)
    auc_hgb = roc_auc_score(y_test, hgb.predict_proba(test_enc)[:, 1])
    leads, follow = synthetic_tables(n, seed)
    start = time.perf_counter()
    feats = kl.build_features(leads, follow, as_of="2026-06-30")
    feat_s = time.perf_counter() - start
    assert len(p) == n
    rows = [{"step": f"LeadScorer fit ({n:,} rows)", "seconds": fit_s},
            {"step": f"LeadScorer predict_proba ({n:,} rows)", "seconds": score_s},
            {"step": "LeadScorer fit + score", "seconds": fit_s + score_s},
            {"step": f"plain HistGradientBoostingClassifier fit ({n:,} rows)", "seconds": hgb_s},
            {"step": f"build_features ({n:,} leads, {len(follow):,} follow-ups)", "seconds": feat_s}]
    extra = {"ratio": (fit_s + score_s) / hgb_s, "auc_kit": auc_kit, "auc_hgb": auc_hgb, "n_test": len(y_test),
             "features_rows": len(feats), "chosen": f"{scorer.selected_} {scorer.best_params_}"}
    return rows, extra


def markdown(table: pd.DataFrame, floats: str = "{:.3f}") -> str:
    """The table as Markdown: counts as whole numbers, seconds with one decimal, other numbers with ``floats``."""
    whole = {"n", "n_positive", "train_rows"}
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in table.itertuples(index=False):
        cells = []
        for col, v in zip(cols, row):
            if isinstance(v, (float, np.floating)) and math.isnan(v):
                cells.append("")
            elif col in whole:
                cells.append(f"{int(v):,}")
            elif col.endswith("seconds") and isinstance(v, (float, np.floating)):
                cells.append(f"{v:,.1f}")
            elif isinstance(v, (float, np.floating)):
                cells.append(floats.format(v))
            else:
                cells.append(f"{v:,}" if isinstance(v, (int, np.integer)) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one small dealership and 100,000 synthetic leads")
    parser.add_argument("--data", type=Path, default=ROOT / "data_samples",
                        help="a dealership folder read with kit.io (default data_samples/; 'none' to skip)")
    parser.add_argument("--seeds", type=int, nargs="*", default=None,
                        help="also generate dealerships with these seeds (default 0 1 2; --quick: none)")
    parser.add_argument("--scale", type=float, default=None, help="generator scale (default 0.5; quick 0.2)")
    parser.add_argument("--rows", type=int, default=None, help="synthetic leads for the scale test (1,000,000)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    seeds = args.seeds if args.seeds is not None else ([] if args.quick else [0, 1, 2])
    data = None if str(args.data).lower() == "none" or not args.data.is_dir() else args.data
    scale = args.scale if args.scale is not None else (0.2 if args.quick else 0.5)
    n_rows = args.rows if args.rows is not None else (100_000 if args.quick else 1_000_000)
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        quality = []
        datasets = ([(data, None)] if data is not None else []) + [(None, seed) for seed in seeds]
        for folder, seed in datasets:
            tables, label = load_dealership(folder, seed, scale)
            print(f"{label}", flush=True)
            quality += holdout_rows(tables, label)
        scale_table, extra = scale_rows(n_rows, seed=7)
    quality = pd.DataFrame(quality)
    cols = ["data", "scorer", "rows", "roc_auc", "average_precision", "top20_capture", "brier", "base_rate", "n",
            "n_positive", "fit_seconds", "train_rows", "chosen"]
    quality = quality[cols]
    summary = quality.groupby(["scorer", "rows"], sort=False)[["roc_auc", "average_precision", "top20_capture",
                                                                "brier", "fit_seconds"]].mean().reset_index()
    graded = quality[quality["rows"] == "graded lead-dates"]
    wins = graded.pivot_table(index="data", columns="scorer", values=["roc_auc", "top20_capture"])
    scale_frame = pd.DataFrame(scale_table)
    command = "benchmarks/bench_leads.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = [
        "# Lead scoring benchmark (sample dealership)", "",
        f"Command: `.venv/bin/python {command.strip()}`  ",
        f"Machine: 2 CPU cores shared with other jobs, all models single-threaded; Python {platform.python_version()}"
        f"; run {dt.date.today().isoformat()}; total {time.perf_counter() - started:,.0f} s.", "",
        "## Ranking buyers on a time hold-out", "",
        "`kit.leads.evaluate_holdout`: the model is trained on (lead, as-of date) rows 28 days apart whose 90-day "
        "outcome was known before the split; the test rows are the most recent 20 % of leads (by registration date) "
        "scored on every weekly as-of date while open, using only what was known that day. `top20_capture` = share "
        "of buyers among the 20 % highest scores; `n` = test lead-dates, `n_positive` = of them won within 90 days. "
        "\"All test lead-dates\" rows compare the scorers; \"graded lead-dates\" rows compare the kit (behaviour "
        "only) with the consultants' grade from the month-end grade sheet (`grade_log`, the latest grade recorded on "
        "or before the as-of date) on the same rows, those that had such a grade. \"+ consultant grade\" scorers also "
        "take that grade as an input. `data_samples/` is the committed sample dealership; the others are generated "
        "with other seeds at half its size.", "",
        "Mean over the data sets:", "",
        markdown(summary), "",
        "Per data set:", "",
        markdown(quality), "",
        "## Fitting and scoring a million leads", "",
        f"Synthetic leads in the kit's feature layout with the planted coefficients of `kit.samples.LEAD_SIGNALS`; "
        f"single thread.", "",
        markdown(scale_frame, "{:.1f}"), "",
        f"LeadScorer fit + score ÷ plain HistGradientBoosting fit = **{extra['ratio']:.1f}×**. Hold-out AUC on "
        f"{extra['n_test']:,} further synthetic leads: LeadScorer {extra['auc_kit']:.3f}, plain HistGradientBoosting "
        f"{extra['auc_hgb']:.3f}. LeadScorer chose: {extra['chosen']}.", "",
    ]
    print()
    print(summary.to_string(index=False))
    print()
    print(wins.round(3).to_string())
    print()
    print(scale_frame.to_string(index=False))
    print(f"ratio fit+score / HGB fit: {extra['ratio']:.2f}; AUC kit {extra['auc_kit']:.3f} hgb {extra['auc_hgb']:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
