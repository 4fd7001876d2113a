"""The two lead scorers: the statistical :class:`LeadScorer` and the transparent points :class:`RuleScorer`."""

from __future__ import annotations

from numbers import Integral
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, InvalidParameterError

from kit import i18n
from kit.checks import require_columns
from kit.exceptions import ConfigError, NotFittedError
from kit.leads.features import BOOL_FEATURES
from kit.models.classifier import TabularClassifier


class LeadScorer(TabularClassifier):
    """Calibrated lead-conversion classifier: :class:`kit.models.TabularClassifier` with defaults for leads.

    Takes the raw feature frame of :func:`build_features` (categorical, yes/no, counts, missing values) without
    any encoding by the caller; ``LeadScorer().fit(X, y).predict_proba(X)`` works with the defaults. The model is
    chosen between logistic regression, small gradient-boosted trees and their blend by inner cross-validation on
    the training rows (see the parent class).

    Lead defaults: ``isotonic_min_rows=5000``. The kit grades leads by probability thresholds, so calibration
    matters, and isotonic calibration needs a couple of hundred buyers to be stable: at dealer conversion rates of
    4–8 % (docs/DOMAIN.md §1.5) that is about 5,000 rows; below it the two-parameter sigmoid (Platt) map is used.
    The other parameters keep the parent's defaults (ROC AUC to choose the model, as the call list is a ranking;
    five inner folds, affordable on a dealership's few thousand leads; one thread).

    Training rows should hold each lead about once (:func:`fit_lead_model` spaces its as-of dates by
    ``snapshot_every_days`` for this): rows of one lead in different inner folds would let the validation grade
    the model on leads it trained on.

    Parameters
    ----------
    candidates, cv, scoring, calibration, isotonic_min_rows, max_selection_rows, spline_knots, n_jobs, random_state
        As for :class:`kit.models.TabularClassifier`.
    """

    def __init__(self, *, candidates: Sequence[str] = ("logistic", "hgb", "blend"), cv: int = 5,
                 scoring: str = "roc_auc", calibration: str = "auto", isotonic_min_rows: int = 5000,
                 max_selection_rows: int = 20_000, spline_knots: int = 5, n_jobs: int | None = 1,
                 random_state: int | None = 0):
        super().__init__(candidates=candidates, cv=cv, scoring=scoring, calibration=calibration,
                         isotonic_min_rows=isotonic_min_rows, max_selection_rows=max_selection_rows,
                         spline_knots=spline_knots, n_jobs=n_jobs, random_state=random_state)


class RuleScorer(ClassifierMixin, BaseEstimator):
    """Transparent points scorer used while there are too few closed leads for a trustworthy model.

    Points per signal (documented, [D]: chosen from docs/DOMAIN.md §1–2 practice, not fitted):

    - +3 test drive taken (``test_drive``)
    - +2 price quoted (``quoted``)
    - +2 negotiating the price (``negotiating``)
    - +2 two or more showroom visits (``visits >= 2``)
    - +1 car to trade in (``trade_in``)
    - +1 wants a loan (``finance``)
    - +1 contacted in the last 7 days (``days_since_last_contact <= 7``)
    - −2 no contact for more than 14 days (``days_since_last_contact > 14``)
    - −1 registered more than 60 days ago (``age_days > 60``)
    - −1 two or more unanswered calls (``unanswered_calls >= 2``)

    The probability is ``1 / (1 + exp(-(intercept + slope × points)))``. With ``calibrate=True`` and at least
    ``min_per_class`` won and not-won leads, ``fit`` estimates intercept and slope by logistic regression on the
    points alone (the ranking stays the points' ranking); otherwise intercept −3.0 and slope 0.5 are used
    (0 points ≈ 5 %, 6 points = 50 %).

    Parameters
    ----------
    calibrate : bool, default True
    min_per_class : int, default 10
    """

    #: (feature, test, points, catalog key of the signal's words)
    RULES: tuple = (
        ("test_drive", lambda x: x["test_drive"].astype(bool), 3, "rule.test_drive"),
        ("quoted", lambda x: x["quoted"].astype(bool), 2, "rule.quoted"),
        ("negotiating", lambda x: x["negotiating"].astype(bool), 2, "rule.negotiating"),
        ("visits", lambda x: x["visits"] >= 2, 2, "rule.visits"),
        ("trade_in", lambda x: x["trade_in"].astype(bool), 1, "rule.trade_in"),
        ("finance", lambda x: x["finance"].astype(bool), 1, "rule.finance"),
        ("days_since_last_contact", lambda x: x["days_since_last_contact"] <= 7, 1, "rule.contacted_7_days"),
        ("days_since_last_contact", lambda x: x["days_since_last_contact"] > 14, -2, "rule.silent_14_days"),
        ("age_days", lambda x: x["age_days"] > 60, -1, "rule.older_60_days"),
        ("unanswered_calls", lambda x: x["unanswered_calls"] >= 2, -1, "rule.unanswered_2"),
    )
    DEFAULT_INTERCEPT = -3.0
    DEFAULT_SLOPE = 0.5
    REQUIRED = ("test_drive", "quoted", "negotiating", "visits", "trade_in", "finance", "days_since_last_contact",
                "age_days", "unanswered_calls")

    _parameter_constraints: dict = {"calibrate": ["boolean"],
                                    "min_per_class": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, *, calibrate: bool = True, min_per_class: int = 10):
        self.calibrate = calibrate
        self.min_per_class = min_per_class

    @classmethod
    def points_table(cls, *, lang: str = "en") -> pd.DataFrame:
        """The rules as a table for the report: signal (in ``lang``), points."""
        return pd.DataFrame({"signal": [i18n.t(r[3], lang) for r in cls.RULES],
                             "points": [r[2] for r in cls.RULES]})

    def _hits(self, X: pd.DataFrame) -> np.ndarray:
        require_columns(X, "X", self.REQUIRED)
        x = X.reset_index(drop=True)
        filled = x.assign(**{c: x[c].astype("boolean").fillna(False).astype(bool) for c in BOOL_FEATURES
                             if c in x.columns})
        for col in ("visits", "days_since_last_contact", "age_days", "unanswered_calls"):
            filled[col] = pd.to_numeric(filled[col], errors="coerce")
        return np.column_stack([np.asarray(pd.Series(rule[1](filled)).fillna(False), dtype=bool)
                                for rule in self.RULES])

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Total points per row."""
        return self._hits(X) @ np.array([r[2] for r in self.RULES], dtype=float)

    def fit(self, X: pd.DataFrame, y: Any) -> "RuleScorer":
        """Set the points-to-probability mapping (see the class docstring); returns self."""
        try:
            self._validate_params()
        except InvalidParameterError as exc:
            raise ConfigError(str(exc)) from None
        y = np.asarray(y).astype(int)
        pts = self.points(X)
        self.classes_ = np.array([0, 1])
        self.intercept_, self.slope_ = self.DEFAULT_INTERCEPT, self.DEFAULT_SLOPE
        self.calibrated_ = False
        n_pos = int(y.sum())
        if self.calibrate and min(n_pos, len(y) - n_pos) >= self.min_per_class and np.ptp(pts) > 0:
            from sklearn.linear_model import LogisticRegression

            lr = LogisticRegression(C=100.0).fit(pts.reshape(-1, 1), y)
            if lr.coef_[0, 0] > 0:  # keep the documented ranking; a negative slope would invert it
                self.intercept_, self.slope_ = float(lr.intercept_[0]), float(lr.coef_[0, 0])
                self.calibrated_ = True
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "slope_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() first.")

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of not won and won per row."""
        self._check_fitted()
        z = self.intercept_ + self.slope_ * self.points(X)
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the probability of winning is at least 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def explain(self, X: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
        """The rules that fired for each row, largest effect first: row, rank, feature, value, contribution."""
        self._check_fitted()
        hits = self._hits(X)
        pts = np.array([r[2] for r in self.RULES], dtype=float)
        x = X.reset_index(drop=True)
        records = []
        for i in range(len(x)):
            fired = [(abs(pts[j]), j) for j in np.flatnonzero(hits[i])]
            fired.sort(key=lambda t: (-t[0], t[1]))
            for rank, (_, j) in enumerate(fired[:top], start=1):
                feature = self.RULES[j][0]
                records.append({"row": i, "rank": rank, "feature": feature, "value": x.at[i, feature],
                                "contribution": pts[j] * self.slope_})
        return pd.DataFrame.from_records(records, columns=["row", "rank", "feature", "value", "contribution"])
