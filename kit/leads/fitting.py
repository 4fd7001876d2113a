"""Training the lead scorer on what was known on a day, or falling back to the transparent rules, and what moves
the score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from kit import i18n
from kit.checks import require_columns
from kit.exceptions import ConfigError
from kit.leads.features import FEATURE_COLUMNS, FEATURE_SOURCE, GRADE_FEATURE, LABEL, snapshot_dates, training_set
from kit.leads.grades import grade_rank, grades_at
from kit.leads.inputs import as_day, prepare_followups, prepare_leads
from kit.leads.scoring import LeadScorer, RuleScorer
from kit.leads.settings import LeadSettings, as_settings


@dataclass
class LeadModel:
    """A fitted lead scorer and how it was chosen.

    Attributes
    ----------
    scorer : LeadScorer or RuleScorer
        Fitted; ``scorer.predict_proba(features[FEATURE_COLUMNS])``.
    method : str
        "model" (the statistical LeadScorer) or "rules" (the transparent :class:`RuleScorer`).
    trustworthy : bool
        True when the training data met ``min_closed_leads`` and ``min_conversions``.
    reason_key : str
        Catalog key of why this method was used (``model.*`` in ``kit/catalog/leads.yml``); :attr:`reason` gives
        it in English and :meth:`message` in the report's language, e.g. "412 closed leads (38 won) are below the
        minimum of 1,000 (100 won): …; transparent rules used."
    n_closed, n_won : int
        Leads closed (won or lost) by the training cut date, and the won ones among them.
    n_rows : int
        Training rows (lead × as-of date).
    as_of : Timestamp
    window_days : int
    features : tuple of str
        The scorer's inputs: :data:`FEATURE_COLUMNS`, plus :data:`GRADE_FEATURE` when trained with a grade log.
    """

    scorer: Any
    method: str
    trustworthy: bool
    reason_key: str
    n_closed: int
    n_won: int
    n_rows: int
    as_of: pd.Timestamp
    window_days: int
    features: tuple = FEATURE_COLUMNS
    min_closed: int = 1000
    min_won: int = 100

    def message(self, *, lang: str = "en") -> str:
        """Why this method was used, in ``lang``."""
        return i18n.t(self.reason_key, lang, closed=f"{self.n_closed:,}", won=f"{self.n_won:,}",
                      min_closed=f"{self.min_closed:,}", min_won=f"{self.min_won:,}")

    @property
    def reason(self) -> str:
        """Why this method was used, in English."""
        return self.message(lang="en")


def count_closed(leads: pd.DataFrame, cut: pd.Timestamp) -> tuple[int, int]:
    """Leads closed (won or lost) on or before ``cut``, and the won ones among them."""
    closed = (leads["status"] != "open") & (leads["closed_at"] <= cut)
    return int(closed.sum()), int((closed & (leads["status"] == "won")).sum())


def choose_and_fit(training: pd.DataFrame, s: LeadSettings, *, method: str, scorer: Any, as_of: pd.Timestamp,
                    counts: tuple[int, int], features: Sequence[str] = FEATURE_COLUMNS) -> LeadModel:
    if method not in ("auto", "model", "rules"):
        raise ConfigError(f"method: expected auto, model or rules; got {method!r}.")
    n_closed, n_won = counts
    y = training[LABEL].astype(int).to_numpy() if len(training) else np.zeros(0, dtype=int)
    enough = n_closed >= s.min_closed_leads and n_won >= s.min_conversions
    both = len(y) > 0 and 0 < y.sum() < len(y)
    use_model = both and (method == "model" or (method == "auto" and enough))
    if use_model:
        reason = "model.enough" if enough else "model.forced"
        est = clone(scorer) if scorer is not None else LeadScorer()
        est.fit(training[list(features)], y)
        used = "model"
    else:
        if method == "model" and not both:
            reason = "model.one_outcome"
        elif method == "rules":
            reason = "model.rules_requested"
        else:
            reason = "model.too_few"
        est = RuleScorer()
        X = training[list(FEATURE_COLUMNS)] if len(training) else empty_features()
        est.fit(X, y)
        used = "rules"
    return LeadModel(scorer=est, method=used, trustworthy=bool(enough), reason_key=reason, n_closed=n_closed,
                     n_won=n_won, n_rows=len(training), as_of=as_of, window_days=s.conversion_window_days,
                     features=tuple(features) if used == "model" else FEATURE_COLUMNS,
                     min_closed=s.min_closed_leads, min_won=s.min_conversions)


def with_grade(rows: pd.DataFrame, leads: pd.DataFrame, grade_log: pd.DataFrame) -> pd.DataFrame:
    """``rows`` plus :data:`GRADE_FEATURE`: the lead's grade as known on each as-of date (from the grade log)."""
    return rows.assign(**{GRADE_FEATURE: grade_rank(pd.Series(grades_at(rows, leads, grade_log))).to_numpy()})


def scoring_grade_log(known: pd.DataFrame, grade_log: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame:
    """The grade log for scoring on ``day``: the given log plus each open lead's current grade, recorded today."""
    current = known.loc[known["status"] == "open", ["lead_id"]].assign(
        grade=known.loc[known["status"] == "open", "grade"].to_numpy(dtype=object) if "grade" in known.columns
        else "N", at=day)
    if grade_log is None:
        base = known[["lead_id", "created_at"]].rename(columns={"created_at": "at"}).iloc[:0].assign(grade=None)
    else:
        base = grade_log[["lead_id", "grade"]].assign(
            lead_id=grade_log["lead_id"].astype(str),
            at=pd.to_datetime(grade_log["at"]) if "at" in grade_log.columns else
            grade_log["lead_id"].astype(str).map(known.set_index("lead_id")["created_at"]))
    return pd.concat([base[["lead_id", "grade", "at"]], current[["lead_id", "grade", "at"]]], ignore_index=True)


def empty_features() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in FEATURE_COLUMNS})


def fit_lead_model(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                   settings: LeadSettings | Mapping | None = None, method: str = "auto",
                   scorer: Any = None, grade_log: pd.DataFrame | None = None) -> LeadModel:
    """Train the lead scorer on everything known on ``as_of``, or fall back to the transparent rules.

    The training set (:func:`build_training_set`) uses as-of dates every ``snapshot_every_days`` days whose
    conversion window ended by ``as_of``, so every label is known. With fewer closed leads than
    ``min_closed_leads`` or fewer won leads than ``min_conversions`` (``method="auto"``), or with only one outcome,
    :class:`RuleScorer` is used; the returned :class:`LeadModel` says which and why.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`.
    as_of : date-like
        Training uses only what was known on this day.
    settings : LeadSettings, optional
    method : {"auto", "model", "rules"}
        Force the model or the rules; "auto" decides by the minimums.
    scorer : estimator, optional
        Unfitted classifier to use instead of ``LeadScorer()`` (cloned).
    grade_log : DataFrame, optional
        lead_id, grade and optionally ``at``: the consultants' grades as recorded before the outcome (e.g. the
        month-end 意向客户级别状况表). When given, the consultant's grade on each as-of date becomes one more model
        input (:data:`GRADE_FEATURE`), so the score combines their judgement with the lead's behaviour; pass the
        same log to :func:`score_open_leads`.

    Returns
    -------
    LeadModel
    """
    s = as_settings(settings)
    lead_frame = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lead_frame)
    day = as_day(as_of, "as_of")
    last_label_day = day - pd.Timedelta(days=s.conversion_window_days)
    dates = snapshot_dates(lead_frame["created_at"].min(), last_label_day, every_days=s.snapshot_every_days)
    training = training_set(lead_frame, follow, dates, s.conversion_window_days, day)
    features: tuple = FEATURE_COLUMNS
    if grade_log is not None:
        require_columns(grade_log, "grade_log", ("lead_id", "grade"))
        training = with_grade(training, lead_frame, grade_log)
        features = (*FEATURE_COLUMNS, GRADE_FEATURE)
    return choose_and_fit(training, s, method=method, scorer=scorer, as_of=day, features=features,
                           counts=count_closed(lead_frame, day))


def signal_effects(model: LeadModel | Any, X: pd.DataFrame, *,
                   flags: Sequence[str] = ("test_drive", "quoted", "negotiating", "trade_in", "finance"),
                   categories: Mapping[str, str] | None = None) -> pd.DataFrame:
    """What moves the score: average change in log-odds when a signal is switched on, other inputs as they are.

    For each yes/no feature in ``flags`` every row is scored twice, with the feature set to yes and to no; for each
    categorical feature in ``categories`` (feature -> reference level, default ``{"channel": "online"}``) every row
    is scored with each level. The effect is the mean difference of the log-odds (a partial-dependence contrast):
    for a model without interactions it equals the coefficient.

    Parameters
    ----------
    model : LeadModel or fitted scorer
    X : DataFrame
        Inputs the scorer was trained on (e.g. :func:`build_training_set` rows).
    flags : sequence of str
    categories : mapping, optional

    Returns
    -------
    DataFrame
        feature, level, effect_log_odds (sorted from the largest effect), odds_ratio.
    """
    scorer = model.scorer if isinstance(model, LeadModel) else model
    features = list(model.features) if isinstance(model, LeadModel) else list(X.columns)
    base = X[features].reset_index(drop=True)
    categories = {"channel": "online"} if categories is None else dict(categories)

    def logit(frame: pd.DataFrame) -> np.ndarray:
        p = np.clip(scorer.predict_proba(frame)[:, 1], 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    rows = []
    for flag in flags:
        if flag in base.columns:
            effect = logit(base.assign(**{flag: True})) - logit(base.assign(**{flag: False}))
            rows.append({"feature": flag, "level": "yes", "effect_log_odds": float(effect.mean())})
    for col, reference in categories.items():
        if col not in base.columns:
            continue
        ref = logit(base.assign(**{col: reference}))
        for level in sorted(set(base[col].dropna().astype(str)) - {reference}):
            effect = logit(base.assign(**{col: level})) - ref
            rows.append({"feature": col, "level": f"{level} vs {reference}", "effect_log_odds": float(effect.mean())})
    out = pd.DataFrame(rows, columns=["feature", "level", "effect_log_odds"])
    out = out.sort_values("effect_log_odds", ascending=False, kind="stable").reset_index(drop=True)
    out["odds_ratio"] = np.exp(out["effect_log_odds"])
    return out
