"""Calibration of the classifier's scores: Platt (sigmoid) and smoothed isotonic maps, and the log loss they are
compared on."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

_EPS = 1e-6


def log_loss(y: np.ndarray, z: np.ndarray) -> float:
    """Mean log loss from log-odds ``z`` (numerically stable)."""
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def to_logit(p: np.ndarray) -> np.ndarray:
    """Probabilities as log-odds, clipped 1e-6 away from 0 and 1."""
    return logit(np.clip(p, _EPS, 1 - _EPS))


class Calibrator:
    """A strictly increasing map from a model's raw log-odds to a calibrated probability.

    ``sigmoid`` is Platt scaling. ``isotonic`` fits isotonic regression and interpolates linearly between the
    centres of its constant blocks, so the map stays strictly increasing where the step function would tie rows;
    beyond the outer centres a tie-breaker of at most 1e-6 keeps the model's own order. A strictly increasing map
    leaves the ranking, and so ROC AUC and top-20 % capture, exactly as the model made them.
    """

    def __init__(self, method: str):
        self.method = method

    def fit(self, z: np.ndarray, y: np.ndarray) -> "Calibrator":
        if self.method == "sigmoid":
            # Platt's smoothed targets (N+ + 1) / (N+ + 2) and 1 / (N- + 2) keep the slope finite on separable data
            positives = y.sum()
            target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (len(y) - positives + 2))
            platt = LogisticRegression(C=1e4, max_iter=1000).fit(  # soft targets as two weighted copies
                np.r_[z, z].reshape(-1, 1), np.r_[np.ones(len(z)), np.zeros(len(z))],
                sample_weight=np.r_[target, 1 - target])
            self.slope, self.intercept = float(platt.coef_[0, 0]), float(platt.intercept_[0])
            if self.slope <= 0:  # an uninformative model: keep its order, predict the base rate
                self.slope, self.intercept = 1e-6, float(logit(np.clip(y.mean(), _EPS, 1 - _EPS)))
        elif self.method == "isotonic":
            order = np.argsort(z, kind="stable")
            zs = z[order]
            fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(zs, y[order]).predict(zs)
            starts = np.r_[True, fitted[1:] != fitted[:-1]]
            block = np.cumsum(starts) - 1
            self.centres = np.bincount(block, weights=zs) / np.bincount(block)
            self.values = fitted[starts]
        return self

    def transform(self, z: np.ndarray) -> np.ndarray:
        if self.method == "sigmoid":
            return expit(self.slope * z + self.intercept)
        if self.method == "isotonic":
            p = np.clip(np.interp(z, self.centres, self.values), 1e-5, 1 - 1e-5 - _EPS)
            return p + _EPS * expit(z)
        return expit(z)


def compare_calibrations(z: np.ndarray, y: np.ndarray, random_state: int | None) -> dict[str, float]:
    """Cross-validated log loss of sigmoid and isotonic calibration fitted on out-of-fold log-odds."""
    losses: dict[str, list[float]] = {"sigmoid": [], "isotonic": []}
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=random_state)
    for train, test in splitter.split(z.reshape(-1, 1), y):
        for method in losses:
            p = Calibrator(method).fit(z[train], y[train]).transform(z[test])
            losses[method].append(log_loss(y[test], to_logit(p)))
    return {method: float(np.mean(values)) for method, values in losses.items()}
