"""The classifier's candidates: a regularised logistic regression and a small HistGradientBoosting, their
settings grids, the inner cross-validation that picks a setting of each, and their blend."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from kit.models.calibration import log_loss, to_logit
from kit.models.design import Design

#: Regularisation strengths tried for the logistic candidate (inverse of the L2 penalty).
LOGISTIC_CS = tuple(float(c) for c in np.logspace(-3, 2, 6))
#: The small HistGradientBoosting grid: near-additive shallow trees first, then a default-like one (why a learning
#: rate of 0.1: docs/methods/models.md).
HGB_GRID = (
    {"learning_rate": 0.1, "max_leaf_nodes": 4, "min_samples_leaf": 40, "l2_regularization": 0.0},
    {"learning_rate": 0.1, "max_leaf_nodes": 8, "min_samples_leaf": 40, "l2_regularization": 1.0},
    {"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20, "l2_regularization": 1.0},
)
#: Weights of the logistic probability tried for the blend (the rest is HistGradientBoosting's).
BLEND_WEIGHTS = tuple(round(float(w), 1) for w in np.linspace(0.0, 1.0, 11))
_HGB_MAX_ITER = 1000
_HGB_PATIENCE = 20
_NEWTON_MAX_COLUMNS = 200


def score_of(y: np.ndarray, p: np.ndarray, scoring: str) -> float:
    """A candidate's out-of-fold score by ``scoring`` (higher is better)."""
    if scoring == "roc_auc":
        return float(roc_auc_score(y, p))
    if scoring == "average_precision":
        return float(average_precision_score(y, p))
    if scoring == "neg_log_loss":
        return -log_loss(y, to_logit(p))
    return -float(np.mean((p - y) ** 2))


def inner_cv(numbers: np.ndarray, labels: np.ndarray, y: np.ndarray, design: Design, *, folds: int,
             need_logistic: bool, need_hgb: bool, random_state: int | None) -> tuple[dict, pd.DataFrame, dict]:
    """Out-of-fold probabilities of the best logistic and HGB settings, every setting's scores, the choices."""
    n = len(y)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    fold_of = np.empty(n, dtype=int)
    logistic_z = np.zeros((len(LOGISTIC_CS), n))
    hgb_models: list[list[HistGradientBoostingClassifier]] = [[] for _ in HGB_GRID]
    hgb_curves: list[list[np.ndarray]] = [[] for _ in HGB_GRID]
    hgb_tests: list[np.ndarray] = []
    splits = list(splitter.split(np.zeros(n), y))
    for k, (train, test) in enumerate(splits):
        fold_of[test] = k
        fold_design = Design(spline_knots=design.spline_knots, random_state=design.random_state)
        fold_design.columns, fold_design.kinds = design.columns, design.kinds
        fold_design.numeric, fold_design.categorical = design.numeric, design.categorical
        fold_design.fit_coerced(numbers[train], labels[train])
        if need_logistic:
            z_train = fold_design.logistic_matrix(numbers[train], labels[train])
            z_test = fold_design.logistic_matrix(numbers[test], labels[test])
            model = LogisticRegression(C=LOGISTIC_CS[0], max_iter=500, warm_start=True,
                                       solver=logistic_solver(z_train.shape[1]))
            for c, C in enumerate(LOGISTIC_CS):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.set_params(C=C).fit(z_train, y[train])
                logistic_z[c, test] = model.decision_function(z_test)
        if need_hgb:
            h_train = fold_design.hgb_matrix(numbers[train], labels[train])
            h_test = fold_design.hgb_matrix(numbers[test], labels[test])
            hgb_tests.append(h_test)
            for g, setting in enumerate(HGB_GRID):
                model = new_hgb(setting, design.hgb_categorical, random_state, early_stopping=True)
                model.fit(h_train, y[train], X_val=h_test, y_val=y[test])
                curve = np.array([log_loss(y[test], z) for z in model.staged_decision_function(h_test)])
                hgb_models[g].append(model)
                hgb_curves[g].append(curve)

    rows, oof, chosen = [], {"_fold": fold_of}, {}
    if need_logistic:
        losses = []
        for c, C in enumerate(LOGISTIC_CS):
            aucs = [roc_auc_score(y[fold_of == k], logistic_z[c, fold_of == k]) for k in range(folds)]
            fold_losses = [log_loss(y[fold_of == k], logistic_z[c, fold_of == k]) for k in range(folds)]
            losses.append(np.mean(fold_losses))
            rows.append({"candidate": "logistic", "params": repr({"C": C}), "mean_roc_auc": np.mean(aucs),
                         "std_roc_auc": np.std(aucs), "mean_log_loss": np.mean(fold_losses)})
        best = int(np.argmin(losses))
        oof["logistic"] = expit(logistic_z[best])
        chosen["logistic"] = {"C": LOGISTIC_CS[best]}
    if need_hgb:
        best_loss, best_z = np.inf, None
        for g, setting in enumerate(HGB_GRID):
            length = max(len(c) for c in hgb_curves[g])
            padded = np.array([np.r_[c, np.full(length - len(c), c[-1])] for c in hgb_curves[g]])
            n_iter = int(np.argmin(padded.mean(axis=0))) + 1
            z = np.empty(n)
            for k, (_, test) in enumerate(splits):
                z[test] = decision_at(hgb_models[g][k], hgb_tests[k], n_iter)
            aucs = [roc_auc_score(y[fold_of == k], z[fold_of == k]) for k in range(folds)]
            fold_losses = [log_loss(y[fold_of == k], z[fold_of == k]) for k in range(folds)]
            params = {**setting, "max_iter": n_iter}
            rows.append({"candidate": "hgb", "params": repr(params), "mean_roc_auc": np.mean(aucs),
                         "std_roc_auc": np.std(aucs), "mean_log_loss": np.mean(fold_losses)})
            if np.mean(fold_losses) < best_loss:
                best_loss, best_z, chosen["hgb"] = np.mean(fold_losses), z, params
        oof["hgb"] = expit(best_z)
    return oof, pd.DataFrame(rows), chosen


def blend_weight(p_logistic: np.ndarray, p_hgb: np.ndarray, y: np.ndarray, fold_of: np.ndarray,
                  folds: int) -> tuple[float, pd.DataFrame]:
    """Weight of the logistic probability in the blend (0, 0.1, …, 1) with the best out-of-fold log loss."""
    rows = []
    for weight in BLEND_WEIGHTS:
        z = to_logit(weight * p_logistic + (1 - weight) * p_hgb)
        aucs = [roc_auc_score(y[fold_of == k], z[fold_of == k]) for k in range(folds)]
        losses = [log_loss(y[fold_of == k], z[fold_of == k]) for k in range(folds)]
        rows.append({"candidate": "blend", "params": repr({"logistic_weight": weight}),
                     "mean_roc_auc": np.mean(aucs), "std_roc_auc": np.std(aucs), "mean_log_loss": np.mean(losses)})
    table = pd.DataFrame(rows)
    return BLEND_WEIGHTS[int(np.argmin(table["mean_log_loss"].to_numpy()))], table


def logistic_solver(n_columns: int) -> str:
    """Newton–Cholesky for up to 200 encoded columns (a handful of iterations whatever the row count), lbfgs
    beyond, where the Hessian grows with the square of the width (timings: docs/methods/models.md)."""
    return "newton-cholesky" if n_columns <= _NEWTON_MAX_COLUMNS else "lbfgs"


def fit_logistic(matrix: np.ndarray, y: np.ndarray, *, C: float) -> LogisticRegression:
    model = LogisticRegression(C=C, max_iter=1000, solver=logistic_solver(matrix.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(matrix, y)


def new_hgb(setting: dict, categorical: np.ndarray, random_state: int | None, *,
             early_stopping: bool) -> HistGradientBoostingClassifier:
    params = dict(setting)
    max_iter = params.pop("max_iter", _HGB_MAX_ITER)
    return HistGradientBoostingClassifier(**params, max_iter=max_iter, early_stopping=early_stopping,
                                          n_iter_no_change=_HGB_PATIENCE, scoring="loss",
                                          categorical_features=categorical if categorical.any() else None,
                                          random_state=random_state)


def decision_at(model: HistGradientBoostingClassifier, matrix: np.ndarray, n_iter: int) -> np.ndarray:
    """Log-odds of ``model`` after ``n_iter`` trees (or all of them, when it stopped earlier)."""
    z = None
    for i, z in enumerate(model.staged_decision_function(matrix), start=1):
        if i >= n_iter:
            break
    return z
