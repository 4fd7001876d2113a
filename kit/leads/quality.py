"""How well the score ranks buyers: a time-based hold-out against the consultants' own grades."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kit import i18n
from kit.checks import require_columns
from kit.leads.features import FEATURE_COLUMNS, FEATURE_SOURCE, GRADE_FEATURE, LABEL, snapshot_dates, training_set
from kit.leads.fitting import LeadModel, choose_and_fit, count_closed, with_grade
from kit.leads.grades import GRADE_RANK, KIT_GRADES, grade_from_probability, grades_at
from kit.leads.inputs import as_day, prepare_followups, prepare_leads
from kit.leads.settings import LeadSettings, as_settings
from kit.models.metrics import calibration_table, gains_table, ranking_metrics


@dataclass
class HoldoutReport:
    """How well the score ranks buyers on recent leads the model never saw (see :func:`evaluate_holdout`).

    Attributes
    ----------
    metrics : DataFrame
        One row per scorer ("kit", "consultant grades", and "kit, same leads" when not every test lead carries a
        consultant grade): roc_auc, average_precision, brier, top20_capture, base_rate, n (test lead-dates),
        n_positive (of them won within the window).
    gains, calibration : DataFrame
        :func:`kit.models.gains_table` and :func:`kit.models.calibration_table` of the kit's scores.
    by_band : DataFrame
        score_band, leads, buyers, conversion_rate, mean_score.
    by_grade : DataFrame
        grade, kit_leads, kit_buyers, kit_conversion_rate, consultant_leads, consultant_buyers,
        consultant_conversion_rate.
    scored : DataFrame
        The test rows: lead_id, as_of, consultant_id, channel, model_interest, consultant_grade, probability,
        kit_grade, won_within_window; input of :func:`grade_audit`.
    method, trustworthy
        As in :class:`LeadModel`, for the model trained before ``split_date``.
    split_date : Timestamp or None
        Test leads were registered on or after it; training used only outcomes known before it.
    n_train_rows, n_test_rows, n_test_leads : int
    parts : list of (catalog key, fields)
        The summary or why the check could not run, sentence by sentence: :meth:`text` in a language,
        :attr:`message` in English.
    model : LeadModel or None
        The model trained before ``split_date`` (e.g. for :func:`signal_effects` on ``scored``).
    """

    metrics: pd.DataFrame
    gains: pd.DataFrame
    calibration: pd.DataFrame
    by_band: pd.DataFrame
    by_grade: pd.DataFrame
    scored: pd.DataFrame
    method: str
    trustworthy: bool
    split_date: pd.Timestamp | None
    n_train_rows: int
    n_test_rows: int
    n_test_leads: int
    parts: list
    model: LeadModel | None = None

    def text(self, lang: str = "en") -> str:
        """The summary in ``lang``: what was tested, or why the check could not run."""
        joiner = "" if lang == "zh" else " "
        return joiner.join(i18n.t(key, lang, **fields) for key, fields in self.parts)

    @property
    def message(self) -> str:
        """The summary in English."""
        return self.text("en")


_METRIC_COLUMNS = ["scorer", "roc_auc", "average_precision", "brier", "top20_capture", "base_rate", "n", "n_positive"]


def _band_labels(edges: Sequence[float]) -> list[str]:
    def pct(x: float) -> str:
        return f"{x * 100:g}"
    return [f"{pct(a)}–{pct(b)} %" for a, b in zip(edges, edges[1:])]


def conversion_by_band(y: Any, probability: Any, *, settings: LeadSettings | Mapping | None = None) -> pd.DataFrame:
    """Observed conversion per score band (edges ``score_bands``; each band includes its lower edge).

    Returns
    -------
    DataFrame
        score_band, leads, buyers, conversion_rate, mean_score (every band, empty ones with zero leads).
    """
    s = as_settings(settings)
    y = np.asarray(y, dtype=float)
    p = np.asarray(probability, dtype=float)
    edges = np.array(s.score_bands, dtype=float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    labels = _band_labels(s.score_bands)
    rows = []
    for k, label in enumerate(labels):
        m = idx == k
        n = int(m.sum())
        buyers = int(y[m].sum()) if n else 0
        rows.append({"score_band": label, "leads": n, "buyers": buyers,
                     "conversion_rate": buyers / n if n else np.nan,
                     "mean_score": float(p[m].mean()) if n else np.nan})
    return pd.DataFrame(rows)


def _grade_table(y: np.ndarray, kit: np.ndarray, consultant: np.ndarray) -> pd.DataFrame:
    rows = []
    for g in KIT_GRADES:
        mk, mc = kit == g, consultant == g
        row = {"grade": g}
        for name, m in (("kit", mk), ("consultant", mc)):
            n = int(m.sum())
            row[f"{name}_leads"] = n
            row[f"{name}_buyers"] = int(y[m].sum()) if n else 0
            row[f"{name}_conversion_rate"] = float(y[m].mean()) if n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _metrics_row(name: str, y: np.ndarray, p: np.ndarray) -> dict:
    row = {"scorer": name}
    if len(y) and 0 < y.sum() < len(y):
        row.update({k: v for k, v in ranking_metrics(y, p).items()})
    else:
        row.update({"roc_auc": np.nan, "average_precision": np.nan, "brier": np.nan, "top20_capture": np.nan,
                    "base_rate": float(y.mean()) if len(y) else np.nan, "n": len(y), "n_positive": int(y.sum())})
    return row


def evaluate_holdout(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                     settings: LeadSettings | Mapping | None = None, method: str = "auto",
                     scorer: Any = None, grade_log: pd.DataFrame | None = None,
                     grade_as_feature: bool = True) -> HoldoutReport:
    """Time-based hold-out: train on the past, test on the most recent leads whose outcome is known.

    The most recent ``holdout_share`` of leads (by registration date) with a known outcome are the test leads; they
    are scored at each as-of date while open (every ``holdout_every_days`` days), so the test mirrors the call
    list, which holds leads of every age. The model is trained only on rows whose conversion window ended before
    the first test lead was registered, so it saw neither the test leads nor any outcome after the split. The
    consultants' grades are scored the same way with H > A > B > C as an ordinal score (N, O, F and empty grades
    are left out); their Brier score uses each grade's conversion rate in the training rows as its probability.

    The leads table keeps only each lead's latest grade, which is O or F once the lead closed, so the consultants'
    grades of the closed test leads are known only from a grade log: the grades as recorded before the outcome,
    e.g. the month-end 意向客户级别状况表 (docs/DOMAIN.md §1.1). Without one the comparison uses the grades left in the
    table (open leads only) and ``message`` says so.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`.
    as_of : date-like
        Everything known on this day; test rows need their window to end by then.
    settings : LeadSettings, optional
    method : {"auto", "model", "rules"}
        As for :func:`fit_lead_model` (the minimums are checked on the training rows).
    scorer : estimator, optional
        Unfitted classifier instead of ``LeadScorer()``.
    grade_log : DataFrame, optional
        lead_id, grade and optionally ``at`` (the day the grade was recorded): consultants' grades before the
        outcome. With ``at`` each test row takes the latest grade recorded on or before its as-of date.
    grade_as_feature : bool
        With a grade log, let the model use the consultant's grade as an input (as :func:`fit_lead_model` does);
        False scores on the lead's behaviour alone.

    Returns
    -------
    HoldoutReport
        Never raises for too little data: the tables are then empty and ``message`` says why.
    """
    s = as_settings(settings)
    lead_frame = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lead_frame)
    day = as_day(as_of, "as_of")
    window = s.conversion_window_days
    dates = snapshot_dates(lead_frame["created_at"].min(), day - pd.Timedelta(days=window),
                           every_days=s.holdout_every_days)
    panel = training_set(lead_frame, follow, dates, window, day)
    created = lead_frame.set_index("lead_id")["created_at"]
    if grade_log is not None:
        require_columns(grade_log, "grade_log", ("lead_id", "grade"))

    def empty(key: str, fields: dict, **extra: Any) -> HoldoutReport:
        return HoldoutReport(
            metrics=pd.DataFrame(columns=_METRIC_COLUMNS), gains=pd.DataFrame(), calibration=pd.DataFrame(),
            by_band=pd.DataFrame(columns=["score_band", "leads", "buyers", "conversion_rate", "mean_score"]),
            by_grade=pd.DataFrame(), scored=pd.DataFrame(), method=extra.get("method", "none"),
            trustworthy=False, split_date=extra.get("split_date"),
            n_train_rows=extra.get("n_train_rows", 0), n_test_rows=extra.get("n_test_rows", 0),
            n_test_leads=extra.get("n_test_leads", 0), parts=[(key, fields)])

    if panel.empty:
        return empty("holdout.no_outcome", {"window": window, "date": f"{day:%Y-%m-%d}"})
    panel_created = panel["lead_id"].map(created)
    lead_dates = created.loc[panel["lead_id"].unique()].sort_values(kind="stable")
    split_date = lead_dates.iloc[min(len(lead_dates) - 1, int(len(lead_dates) * (1 - s.holdout_share)))]
    test = panel.loc[(panel_created >= split_date).to_numpy()].reset_index(drop=True)
    # training sees the data as it stood on the split date, on as-of dates whose window ended by then
    train_dates = snapshot_dates(lead_frame["created_at"].min(), split_date - pd.Timedelta(days=window),
                                 every_days=s.snapshot_every_days)
    train = training_set(lead_frame, follow, train_dates, window, split_date)
    if train.empty or test.empty:
        return empty("holdout.too_little", {"train": f"{len(train):,}", "split": f"{split_date:%Y-%m-%d}",
                                            "test": f"{len(test):,}"}, split_date=split_date,
                     n_train_rows=len(train), n_test_rows=len(test))
    features: tuple = FEATURE_COLUMNS
    if grade_log is not None and grade_as_feature:
        train, test = with_grade(train, lead_frame, grade_log), with_grade(test, lead_frame, grade_log)
        features = (*FEATURE_COLUMNS, GRADE_FEATURE)
    model = choose_and_fit(train, s, method=method, scorer=scorer, as_of=split_date, features=features,
                            counts=count_closed(lead_frame, split_date))
    y = test[LABEL].astype(int).to_numpy()
    p = model.scorer.predict_proba(test[list(model.features)])[:, 1]
    kit_grade = np.asarray(grade_from_probability(p, settings=s), dtype=object)
    consultant_grade = grades_at(test, lead_frame, grade_log)
    scored = pd.DataFrame({
        "lead_id": test["lead_id"], "as_of": test["as_of"], "consultant_id": test["consultant_id"],
        "channel": test["channel"], "model_interest": test["model_interest"],
        "consultant_grade": consultant_grade, "probability": p, "kit_grade": kit_grade, LABEL: y.astype(bool)})
    n_leads = int(test["lead_id"].nunique())
    base = dict(method=model.method, split_date=split_date, n_train_rows=len(train),
                n_test_rows=len(test), n_test_leads=n_leads)
    if not 0 < y.sum() < len(y):
        report = empty("holdout.one_outcome", {"leads": f"{n_leads:,}", "split": f"{split_date:%Y-%m-%d}",
                                               "won": f"{int(y.sum()):,}"}, **base)
        report.scored, report.model = scored, model
        return report
    rows = [_metrics_row("kit", y, p)]
    rank = pd.Series(consultant_grade).map(GRADE_RANK).to_numpy(dtype=float)
    valid = ~np.isnan(rank)
    if 0 < y[valid].sum() < valid.sum():     # the grades can be judged only on graded leads with both outcomes
        crow = _metrics_row("consultant grades", y[valid], rank[valid] / 4.0)
        train_grade = grades_at(train, lead_frame, grade_log)
        rates = train.groupby(train_grade)[LABEL].mean()
        fallback = float(train[LABEL].mean())
        p_grade = pd.Series(consultant_grade[valid]).map(rates).fillna(fallback).to_numpy(dtype=float)
        crow["brier"] = float(np.mean((p_grade - y[valid]) ** 2))
        rows.append(crow)
        if not valid.all():
            rows.append(_metrics_row("kit, same leads", y[valid], p[valid]))
    metrics = pd.DataFrame(rows, columns=_METRIC_COLUMNS)
    parts = [(f"holdout.tested.{model.method}",
              {"leads": f"{n_leads:,}", "split": f"{split_date:%Y-%m-%d}", "rows": f"{len(test):,}",
               "won": f"{int(y.sum()):,}", "window": window, "train": f"{len(train):,}"})]
    if "consultant grades" not in set(metrics["scorer"]) or valid.mean() < 0.5:
        compared = "consultant grades" in set(metrics["scorer"])
        parts.append(("holdout.few_graded" if compared else "holdout.not_compared",
                      {"graded": f"{int(valid.sum()):,}", "rows": f"{len(test):,}"}))
        if grade_log is None:
            parts.append(("holdout.no_grade_log", {}))
    return HoldoutReport(metrics=metrics, gains=gains_table(y, p), calibration=calibration_table(y, p),
                         by_band=conversion_by_band(y, p, settings=s),
                         by_grade=_grade_table(y, kit_grade, consultant_grade), scored=scored,
                         trustworthy=model.trustworthy, parts=parts, model=model, **base)
