"""The kit's one classifier: :class:`TabularClassifier`, a calibrated yes/no model for a DataFrame of mixed columns.

It is the model behind ``kit.leads.LeadScorer`` (will a prospect buy) and ``kit.turnover.AttritionModel`` (will an
employee leave): it takes numeric, categorical, yes/no, date and missing values as they come, picks a candidate by
inner cross-validation (:mod:`kit.models.candidates`), calibrates it (:mod:`kit.models.calibration`) and explains
each row's score by occlusion. How it reads a table is :mod:`kit.models.design`.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.utils._param_validation import Interval, InvalidParameterError, Options, StrOptions
from threadpoolctl import threadpool_limits

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError, NotFittedError
from kit.models.calibration import Calibrator, compare_calibrations, log_loss, to_logit
from kit.models.candidates import blend_weight, fit_logistic, inner_cv, new_hgb, score_of
from kit.models.design import Design

#: The candidate models :class:`TabularClassifier` chooses between.
CANDIDATES = ("logistic", "hgb", "blend")
SCORINGS = ("roc_auc", "average_precision", "neg_log_loss", "neg_brier_score")
CALIBRATIONS = ("auto", "sigmoid", "isotonic", "none")
_EFFECT_ROWS = 2000         # training rows used for ``feature_effects_``
_OCCLUSION_CHUNK_ROWS = 250_000
_PREDICT_CHUNK_ROWS = 100_000
_FITTED_ATTRIBUTES = ("classes_", "n_features_in_", "feature_names_in_", "feature_kinds_", "selected_", "best_params_",
                      "calibration_", "calibration_cv_", "cv_results_", "summary_", "n_rows_", "base_rate_",
                      "reference_values_", "feature_effects_")


class TabularClassifier(ClassifierMixin, BaseEstimator):
    """Calibrated binary classifier for a DataFrame of mixed columns, chosen by inner cross-validation.

    ``TabularClassifier().fit(X, y).predict_proba(X)`` works on any DataFrame of numeric, categorical
    (object, string, category), boolean, date and missing values without the caller encoding anything; categories
    unseen in training and extra columns are tolerated at prediction time.

    How ``fit`` works:

    1. Column kinds are read from the dtypes. Missing numbers are imputed with the training median plus a missing
       indicator (logistic) or left to the trees (HistGradientBoosting); missing categories become a level
       ``"(missing)"``; categories seen fewer than 5 times are pooled.
    2. On the training data only (a stratified subsample of ``max_selection_rows`` when larger), stratified
       ``cv``-fold cross-validation produces out-of-fold probabilities for every candidate setting: logistic
       regression on scaled numerics, missing indicators, cubic-spline terms of each continuous column and one-hot
       categories, over an L2 strength grid; HistGradientBoosting over a three-setting grid with the number of
       trees chosen on the held-out folds. Within a family the setting with the best out-of-fold log loss is kept
       (a common tree count across folds). ``blend`` is a weighted mean of the two kept families' probabilities,
       the logistic weight (0, 0.1, …, 1) again chosen by out-of-fold log loss.
    3. The candidate with the best mean fold ``scoring`` is selected (a tie goes to the one listed first in
       ``candidates``: by default the simpler one).
    4. A calibrator is fitted on the selected candidate's out-of-fold log-odds: ``sigmoid`` (Platt) below
       ``isotonic_min_rows`` selection rows, where isotonic regression overfits; from there on ``isotonic`` if its
       5-fold cross-validated log loss on those out-of-fold predictions beats sigmoid's, else sigmoid. Both maps
       are strictly increasing, so calibration never changes the ranking.
    5. The selected model is refitted on all training rows with the chosen settings.

    Parameters
    ----------
    candidates : sequence of {"logistic", "hgb", "blend"}, default ("logistic", "hgb", "blend")
        Models to choose between.
    cv : int, default 5
        Inner folds (reduced to the minority-class count when that is smaller).
    scoring : {"roc_auc", "average_precision", "neg_log_loss", "neg_brier_score"}, default "roc_auc"
        How candidates are compared (higher is better).
    calibration : {"auto", "sigmoid", "isotonic", "none"}, default "auto"
        ``auto`` uses sigmoid below ``isotonic_min_rows`` selection rows and, from there on, whichever of sigmoid
        and isotonic has the lower cross-validated log loss.
    isotonic_min_rows : int, default 1000
    max_selection_rows : int, default 10000
        Above this many training rows, model selection and calibration run on a stratified subsample of this size;
        the chosen model is still refitted on all rows.
    spline_knots : int, default 5
        Knots of the cubic splines added for continuous columns in the logistic candidate; 0 turns them off.
    n_jobs : int or None, default 1
        Threads for the numeric libraries (None: all cores). One thread is the default because on a small shared
        machine OpenMP threads competing for busy cores made HistGradientBoosting up to 80 times slower.
    random_state : int or None, default 0

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels, sorted; ``predict_proba[:, 1]`` is the probability of ``classes_[1]``.
    feature_names_in_ : ndarray of str
    feature_kinds_ : dict of str to str
        Column → ``numeric``, ``boolean``, ``datetime``, ``timedelta`` or ``categorical``.
    reference_values_ : pandas.Series
        The typical value per column (training median, or mode for categories and yes/no) used by ``explain``.
    selected_ : str
        The chosen candidate.
    best_params_ : dict
        Its settings (``C``; HistGradientBoosting settings and ``max_iter``; for the blend ``logistic_weight`` and
        both).
    calibration_ : str
        ``sigmoid``, ``isotonic`` or ``none``.
    calibration_cv_ : dict
        Cross-validated log loss of each calibration compared under ``auto`` (empty when none was compared).
    cv_results_ : pandas.DataFrame
        Every setting tried (each C, tree setting and blend weight): candidate, params, mean and standard deviation
        over folds of ROC AUC, mean log loss.
    summary_ : pandas.DataFrame
        One row per candidate: inner-CV ROC AUC (mean, std), average precision, log loss, ``score`` by
        ``scoring``, whether selected, params, and the run's ``n_rows``, ``n_selection_rows``, ``base_rate``,
        ``calibration``.
    feature_effects_ : pandas.DataFrame
        Mean absolute and mean signed occlusion contribution per column on up to 2,000 training rows (in-sample;
        use :meth:`global_importance` on held-out data for an honest importance).
    n_rows_, base_rate_ : int, float

    Notes
    -----
    Subclasses (``LeadScorer``, ``AttritionModel``) that add parameters must list all parameters in their own
    ``__init__`` signature and store them unchanged, as scikit-learn reads parameters from the signature.

    Examples
    --------
    >>> model = TabularClassifier().fit(X, y)          # doctest: +SKIP
    >>> model.predict_proba(X_new)[:, 1]               # doctest: +SKIP
    >>> model.explain(X_new, top=3)                    # doctest: +SKIP
    """

    def __init__(self, *, candidates: Sequence[str] = CANDIDATES, cv: int = 5, scoring: str = "roc_auc",
                 calibration: str = "auto", isotonic_min_rows: int = 1000, max_selection_rows: int = 10_000,
                 spline_knots: int = 5, n_jobs: int | None = 1, random_state: int | None = 0):
        self.candidates = candidates
        self.cv = cv
        self.scoring = scoring
        self.calibration = calibration
        self.isotonic_min_rows = isotonic_min_rows
        self.max_selection_rows = max_selection_rows
        self.spline_knots = spline_knots
        self.n_jobs = n_jobs
        self.random_state = random_state

    #: Declared the scikit-learn way (``sklearn.utils._param_validation``, private API: its behaviour is pinned
    #: by ``tests/test_models.py``); checked by ``fit``, as scikit-learn estimators check in ``fit``, not ``__init__``.
    _parameter_constraints: dict = {
        "candidates": [StrOptions(set(CANDIDATES)), "array-like"],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "scoring": [StrOptions(set(SCORINGS))],
        "calibration": [StrOptions(set(CALIBRATIONS))],
        "isotonic_min_rows": [Interval(Integral, 0, None, closed="left")],
        "max_selection_rows": [Interval(Integral, 50, None, closed="left")],
        "spline_knots": [Options(Integral, {0}), Interval(Integral, 2, None, closed="left")],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __sklearn_tags__(self):  # pragma: no cover - read by scikit-learn's own checks only
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    # ------------------------------------------------------------------ validation

    def _check_params(self) -> tuple[str, ...]:
        """Check the parameters against :attr:`_parameter_constraints` and return the candidates as a tuple."""
        try:
            self._validate_params()
        except InvalidParameterError as exc:
            raise ConfigError(str(exc)) from None
        candidates = (self.candidates,) if isinstance(self.candidates, str) else tuple(self.candidates)
        unknown = [c for c in candidates if c not in CANDIDATES]
        if not candidates or unknown:
            raise ConfigError(f"candidates must be a non-empty subset of {CANDIDATES}; got {self.candidates!r}.")
        return candidates

    @staticmethod
    def _as_frame(X: Any) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            frame = X
        else:
            array = np.asarray(X, dtype=object) if not hasattr(X, "shape") else np.asarray(X)
            if array.ndim != 2:
                raise DataContractError(f"X must be a table (a DataFrame or 2-D array); got {array.ndim} dimension(s).")
            frame = pd.DataFrame(array, columns=[f"x{j}" for j in range(array.shape[1])])
        if frame.columns.duplicated().any():
            dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
            raise DataContractError(f"X has duplicate column names {dupes}; each column needs a unique name.")
        return frame

    def _check_fitted(self) -> None:
        if not hasattr(self, "feature_effects_"):  # set last in fit
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() first.")

    def _features(self, X: Any) -> pd.DataFrame:
        """X reduced to the training columns, in training order; missing columns are an error."""
        self._check_fitted()
        frame = self._as_frame(X)
        names = list(self._design.columns)  # the training labels as given (not necessarily strings)
        if not isinstance(X, pd.DataFrame) and frame.shape[1] == len(names):
            frame = frame.set_axis(names, axis=1)
        missing = [str(c) for c in names if c not in frame.columns]
        if missing:
            raise DataContractError(f"X lacks the column(s) {missing} that {type(self).__name__} was trained on; "
                                    f"found {[str(c) for c in frame.columns]}.")
        return frame[names]

    @staticmethod
    def _labels(y: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        values = y.to_numpy(dtype=object) if isinstance(y, (pd.Series, pd.Index)) else np.asarray(y, dtype=object)
        values = values.reshape(-1) if values.ndim == 2 and 1 in values.shape else values
        if values.ndim != 1 or len(values) != n:
            raise DataContractError(f"y must hold one label per row of X ({n}); got shape {np.shape(values)}.")
        missing = pd.isna(values)
        if missing.any():
            rows = np.flatnonzero(missing)[:5].tolist()
            raise DataContractError(f"y has {int(missing.sum())} missing label(s) (positions {rows}…); every "
                                    "training row needs an outcome.")
        try:
            classes = np.unique(values)
        except TypeError as err:
            raise DataContractError(f"y mixes label types that cannot be sorted: {err}.") from err
        if len(classes) > 2:
            raise DataContractError(f"y must have two classes (a yes/no outcome); found {len(classes)}: "
                                    f"{classes[:10].tolist()}.")
        if len(classes) < 2:
            raise InsufficientDataError(f"y has only the class {classes.tolist()}; a classifier needs examples of "
                                        "both outcomes.")
        typed = np.asarray(classes.tolist())
        if typed.dtype.kind in "biuf":  # 0/1, bool or float labels keep a numeric dtype, as in scikit-learn
            classes = typed
        return classes, (values == classes[1]).astype(int)

    # ------------------------------------------------------------------ fit

    def _threads(self) -> threadpool_limits:
        return threadpool_limits(limits=self.n_jobs)

    def fit(self, X: pd.DataFrame, y: Any) -> "TabularClassifier":
        """Choose, calibrate and fit the model.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per case, any mix of column types; missing values allowed.
        y : array-like of shape (n_rows,)
            Two labels: 0/1, bool, or two strings (``classes_`` is their sorted order).

        Returns
        -------
        self

        Raises
        ------
        DataContractError
            X is not a table, y does not match it, has missing labels or more than two classes.
        InsufficientDataError
            Only one class, or fewer than 2 examples of a class.
        ConfigError
            A parameter is out of range.
        """
        candidates = self._check_params()
        with self._threads():
            return self._fit(X, y, candidates)

    def _fit(self, X: pd.DataFrame, y: Any, candidates: tuple[str, ...]) -> "TabularClassifier":
        frame = self._as_frame(X)
        if len(frame) == 0 or frame.shape[1] == 0:
            raise InsufficientDataError(f"X has {len(frame)} row(s) and {frame.shape[1]} column(s); fit needs rows "
                                        "and at least one feature column.")
        classes, target = self._labels(y, len(frame))
        minority = int(min(target.sum(), len(target) - target.sum()))
        if minority < 2:
            raise InsufficientDataError(f"y has only {minority} example(s) of its rarer class; at least 2 are "
                                        "needed for inner validation.")
        for name in _FITTED_ATTRIBUTES:  # a second fit starts fresh; a failed one leaves no half-fitted model
            self.__dict__.pop(name, None)

        rng = np.random.default_rng(self.random_state)
        n = len(frame)
        selection = np.arange(n)
        if n > self.max_selection_rows:
            selection = _stratified_sample(target, self.max_selection_rows, rng)
        folds = min(self.cv, int(min(target[selection].sum(), len(selection) - target[selection].sum())))
        folds = max(folds, 2)

        design = Design(spline_knots=self.spline_knots, random_state=self.random_state).fit(frame)
        numbers, labels = design.coerce(frame)
        need_logistic = bool({"logistic", "blend"} & set(candidates))
        need_hgb = bool({"hgb", "blend"} & set(candidates))
        oof, results, chosen = inner_cv(numbers[selection], labels[selection], target[selection], design,
                                        folds=folds, need_logistic=need_logistic, need_hgb=need_hgb,
                                        random_state=self.random_state)
        y_sel = target[selection]
        fold_of = oof.pop("_fold")
        if need_logistic and need_hgb:
            weight, blend_rows = blend_weight(oof["logistic"], oof["hgb"], y_sel, fold_of, folds)
            oof["blend"] = weight * oof["logistic"] + (1 - weight) * oof["hgb"]
            chosen["blend"] = {"logistic_weight": weight, "logistic": chosen["logistic"], "hgb": chosen["hgb"]}
            results = pd.concat([results, blend_rows], ignore_index=True)
        rows = []
        for name in candidates:
            p = oof[name]
            per_fold = [(roc_auc_score(y_sel[fold_of == k], p[fold_of == k]),
                         score_of(y_sel[fold_of == k], p[fold_of == k], self.scoring)) for k in range(folds)]
            rows.append({"candidate": name,
                         "inner_cv_roc_auc": float(np.mean([a for a, _ in per_fold])),
                         "inner_cv_roc_auc_std": float(np.std([a for a, _ in per_fold])),
                         "inner_cv_average_precision": float(average_precision_score(y_sel, p)),
                         "inner_cv_log_loss": log_loss(y_sel, to_logit(p)),
                         "score": float(np.mean([s for _, s in per_fold])),
                         "params": repr(chosen[name])})
        summary = pd.DataFrame(rows)
        best = int(np.argmax(summary["score"].to_numpy()))  # first maximum: the simpler candidate on a tie
        selected = summary.at[best, "candidate"]
        calibration, calibration_cv = self.calibration, {}
        if calibration == "auto":
            calibration = "sigmoid"
            if len(selection) >= self.isotonic_min_rows:
                calibration_cv = compare_calibrations(to_logit(oof[selected]), y_sel, self.random_state)
                calibration = min(calibration_cv, key=calibration_cv.get)  # sigmoid on a tie
        summary["selected"] = summary["candidate"] == selected
        summary = summary.assign(n_rows=n, n_selection_rows=len(selection), base_rate=float(target.mean()),
                                 calibration=calibration)

        self.classes_ = classes
        self.n_features_in_ = frame.shape[1]
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self._design = design
        self.feature_kinds_ = {str(c): design.kinds[c] for c in frame.columns}
        self.selected_ = selected
        self.best_params_ = chosen[selected]
        self.calibration_ = calibration
        self.calibration_cv_ = calibration_cv
        self.cv_results_ = results
        self.summary_ = summary
        self.n_rows_ = n
        self.base_rate_ = float(target.mean())
        self._calibrator = Calibrator(calibration).fit(to_logit(oof[selected]), y_sel)

        self._logistic = self._hgb = None
        self._logistic_weight = {"logistic": 1.0, "hgb": 0.0}.get(selected) if selected != "blend" else \
            chosen["blend"]["logistic_weight"]
        if self._logistic_weight > 0:
            self._logistic = fit_logistic(design.logistic_matrix(numbers, labels), target,
                                           C=chosen["logistic"]["C"])
        if self._logistic_weight < 1:
            self._hgb = new_hgb(chosen["hgb"], design.hgb_categorical, self.random_state,
                                 early_stopping=False).fit(design.hgb_matrix(numbers, labels), target)
        self.reference_values_ = self._reference_values(frame, numbers, labels)
        sample = np.sort(rng.choice(n, size=min(n, _EFFECT_ROWS), replace=False))
        contributions = self._occlusion(numbers[sample], labels[sample])
        effects = pd.DataFrame({"feature": self.feature_names_in_,
                                "kind": [self.feature_kinds_[c] for c in self.feature_names_in_],
                                "mean_abs_contribution": np.abs(contributions).mean(axis=0),
                                "mean_contribution": contributions.mean(axis=0)})
        total = effects["mean_abs_contribution"].sum()
        effects["share"] = effects["mean_abs_contribution"] / total if total > 0 else 0.0
        self.feature_effects_ = effects.sort_values("mean_abs_contribution", ascending=False,
                                                    kind="stable").reset_index(drop=True)
        return self


    # ------------------------------------------------------------------ predict

    def _raw_logit(self, numbers: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """The selected model's uncalibrated log-odds."""
        z_log, z_hgb, _ = self._decisions(numbers, labels)
        return self._blend(z_log, z_hgb)

    def _decisions(self, numbers: np.ndarray, labels: np.ndarray, *, logistic: bool = True,
                   terms: bool = False) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """The candidates' decision functions (logistic, trees; None when not in the model) and, with ``terms``,
        each input column's share of the logistic one (rows × columns)."""
        z_log = np.zeros(len(numbers)) if self._logistic is not None and logistic else None
        z_hgb = np.zeros(len(numbers)) if self._hgb is not None else None
        shares = np.zeros((len(numbers), len(self._design.columns))) if terms and z_log is not None else None
        if shares is not None:
            coef = self._logistic.coef_.ravel()
            positions = self._design.logistic_columns()
        with self._threads():
            for start in range(0, len(numbers), _PREDICT_CHUNK_ROWS):  # bounds the memory of the encoded matrix
                rows = slice(start, start + _PREDICT_CHUNK_ROWS)
                if z_log is not None:
                    matrix = self._design.logistic_matrix(numbers[rows], labels[rows])
                    z_log[rows] = self._logistic.decision_function(matrix)
                    if shares is not None:
                        for i, cols in enumerate(positions):
                            shares[rows, i] = matrix[:, cols] @ coef[cols]
                if z_hgb is not None:
                    z_hgb[rows] = self._hgb.decision_function(self._design.hgb_matrix(numbers[rows], labels[rows]))
        return z_log, z_hgb, shares

    def _blend(self, z_log: np.ndarray | None, z_hgb: np.ndarray | None) -> np.ndarray:
        """Log-odds of the weighted probabilities of the candidates present."""
        n = len(z_log) if z_log is not None else len(z_hgb)
        p = np.zeros(n)
        if z_log is not None:
            p += self._logistic_weight * expit(z_log)
        if z_hgb is not None:
            p += (1 - self._logistic_weight) * expit(z_hgb)
        return to_logit(p)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities of ``classes_[0]`` and ``classes_[1]``, shape (n_rows, 2).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        DataContractError
            X lacks a training column.
        """
        frame = self._features(X)
        if len(frame) == 0:
            return np.zeros((0, 2))
        p = self._calibrator.transform(self._raw_logit(*self._design.coerce(frame)))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """``classes_[1]`` where its calibrated probability is at least 0.5, else ``classes_[0]``."""
        self._check_fitted()
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    # ------------------------------------------------------------------ explanations

    def _reference_values(self, frame: pd.DataFrame, numbers: np.ndarray, labels: np.ndarray) -> pd.Series:
        """Typical value per column: median of numbers and dates, mode of yes/no and categories."""
        design = self._design
        self._reference_numbers = np.empty(numbers.shape[1])
        self._reference_labels = np.empty(labels.shape[1], dtype=object)
        shown: dict[str, Any] = {}
        for j, i in enumerate(design.numeric):
            column, kind = design.columns[i], design.kinds[design.columns[i]]
            values = numbers[:, j][~np.isnan(numbers[:, j])]
            if kind == "boolean":
                ref = float(values.mean() >= 0.5) if len(values) else 0.0
                display: Any = bool(ref)
            else:
                ref = float(np.median(values)) if len(values) else 0.0
                display = ref
                if kind == "datetime":
                    display = pd.Timestamp("1970-01-01") + pd.Timedelta(days=ref)
                elif kind == "timedelta":
                    display = pd.Timedelta(days=ref)
            self._reference_numbers[j] = ref
            shown[str(column)] = display
        for j, i in enumerate(design.categorical):
            levels, counts = np.unique(labels[:, j].astype(str), return_counts=True)
            ref = levels[int(np.argmax(counts))]
            self._reference_labels[j] = ref
            shown[str(design.columns[i])] = ref
        return pd.Series(shown, dtype=object).reindex([str(c) for c in frame.columns])

    def _occlusion(self, numbers: np.ndarray, labels: np.ndarray,
                   units: Sequence[Sequence[int]] | None = None) -> np.ndarray:
        """Contribution matrix (rows × columns): log-odds minus log-odds with the column set to its reference.

        ``units`` lists the column positions occluded together (default: each column alone); every column of a
        unit gets the unit's contribution. Only the rows whose unit differs from the reference are re-evaluated
        (occluding a row already at its reference changes nothing: contribution 0), and only by the trees: the
        logistic candidate is linear in its terms, so its occluded decision is the row's minus the unit's terms
        plus the reference's.
        """
        design = self._design
        n, k = len(numbers), len(design.columns)
        units = [list(u) for u in units] if units is not None else [[i] for i in range(k)]
        z_log, z_hgb, shares = self._decisions(numbers, labels, terms=True)
        base = self._blend(z_log, z_hgb)
        if shares is not None:
            reference = self._decisions(self._reference_numbers[None, :], self._reference_labels[None, :],
                                        terms=True)[2][0]
        out = np.zeros((n, k))
        slot = {i: ("n", j) for j, i in enumerate(design.numeric)} | \
            {i: ("c", j) for j, i in enumerate(design.categorical)}
        changed = []
        for unit in units:
            differs = np.zeros(n, dtype=bool)
            for i in unit:
                part, j = slot[i]
                if part == "n":
                    differs |= ~(numbers[:, j] == self._reference_numbers[j])  # a missing value differs too
                else:
                    differs |= labels[:, j] != self._reference_labels[j]
            changed.append(np.flatnonzero(differs))
        start = 0
        while start < len(units):  # units in chunks of about _OCCLUSION_CHUNK_ROWS re-evaluated rows
            stop, size = start + 1, len(changed[start])
            while stop < len(units) and size + len(changed[stop]) <= _OCCLUSION_CHUNK_ROWS:
                size += len(changed[stop])
                stop += 1
            occluded_hgb = None
            if z_hgb is not None and size:
                num_block = np.concatenate([numbers[changed[u]] for u in range(start, stop)])
                lab_block = np.concatenate([labels[changed[u]] for u in range(start, stop)])
                offset = 0
                for u in range(start, stop):
                    rows = slice(offset, offset + len(changed[u]))
                    for i in units[u]:
                        part, j = slot[i]
                        if part == "n":
                            num_block[rows, j] = self._reference_numbers[j]
                        else:
                            lab_block[rows, j] = self._reference_labels[j]
                    offset += len(changed[u])
                occluded_hgb = self._decisions(num_block, lab_block, logistic=False)[1]
            offset = 0
            for u in range(start, stop):
                idx = changed[u]
                log = None if z_log is None else \
                    z_log[idx] - (shares[idx][:, units[u]].sum(axis=1) - reference[units[u]].sum())
                hgb = None if occluded_hgb is None else occluded_hgb[offset:offset + len(idx)]
                if len(idx):
                    out[idx[:, None], units[u]] = (base[idx] - self._blend(log, hgb))[:, None]
                offset += len(idx)
            start = stop
        return out

    def _units(self, groups: Sequence[Sequence[str]]) -> list[list[int]]:
        """Column positions occluded together: each group, then every other column alone."""
        names = list(self.feature_names_in_)
        units, seen = [], set()
        for group in groups:
            if isinstance(group, str):
                raise ConfigError(f"groups: expected sequences of column names; got the string {group!r}.")
            unknown = [c for c in group if c not in names]
            if unknown:
                raise ConfigError(f"groups: unknown column(s) {', '.join(map(str, unknown))}; the model was "
                                  f"trained on {', '.join(names)}.")
            twice = [c for c in group if c in seen]
            if twice:
                raise ConfigError(f"groups: column(s) {', '.join(map(str, twice))} in more than one group.")
            seen.update(group)
            units.append([names.index(c) for c in group])
        return units + [[i] for i, c in enumerate(names) if c not in seen]

    def explain(self, X: pd.DataFrame, *, top: int = 3, direction: str = "both",
                groups: Sequence[Sequence[str]] = ()) -> pd.DataFrame:
        """The columns that move each row's score most, by occlusion.

        A column's contribution is the row's log-odds minus the log-odds with that column set to its typical
        training value (``reference_values_``): positive raises the probability, negative lowers it, 0 means the
        row has the typical value. Log-odds are the selected model's before calibration (calibration is a monotone
        map, so signs and order are the same after it). Columns that carry the same information (a tenure and a
        "tenure under 6 months" flag derived from it) hide each other when occluded one at a time: pass them as
        one of ``groups`` and they are set to their references together, each reporting the group's contribution.

        Parameters
        ----------
        X : pandas.DataFrame
            Rows to explain, with the training columns.
        top : int, default 3
            Columns per row (at most the number of columns).
        direction : {"both", "up", "down"}, default "both"
            Rank by absolute contribution, or the largest positive (``up``) or negative (``down``) first.
        groups : sequence of sequences of column names, default ()
            Columns occluded together (disjoint; names of training columns).

        Returns
        -------
        pandas.DataFrame
            ``row`` (0-based position in X), ``rank`` (1 = largest), ``feature`` (original column name),
            ``value`` (the row's value as given), ``reference`` (the typical value), ``contribution``;
            ``len(X) × top`` rows ordered by row then rank.
        """
        frame = self._features(X)
        if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
            raise ConfigError(f"top must be a positive integer; got {top!r}.")
        if direction not in ("both", "up", "down"):
            raise ConfigError(f"direction must be 'both', 'up' or 'down'; got {direction!r}.")
        columns = ["row", "rank", "feature", "value", "reference", "contribution"]
        if len(frame) == 0:
            return pd.DataFrame({c: pd.Series(dtype=object if c in ("feature", "value", "reference") else float)
                                 for c in columns}).astype({"row": int, "rank": int})
        contributions = self._occlusion(*self._design.coerce(frame), units=self._units(groups))
        key = {"both": -np.abs(contributions), "up": -contributions, "down": contributions}[direction]
        top = min(int(top), contributions.shape[1])
        order = np.argsort(key, axis=1, kind="stable")[:, :top]
        n = len(frame)
        rows = np.repeat(np.arange(n), top)
        picked = order.reshape(-1)
        values = frame.to_numpy(dtype=object)[rows, picked]
        names = self.feature_names_in_[picked]
        return pd.DataFrame({"row": rows, "rank": np.tile(np.arange(1, top + 1), n),
                             "feature": names, "value": values,
                             "reference": self.reference_values_.to_numpy(dtype=object)[picked],
                             "contribution": contributions[rows, picked]})

    def global_importance(self, X: pd.DataFrame, y: Any, *, n_repeats: int = 5,
                          scoring: str = "roc_auc") -> pd.DataFrame:
        """Permutation importance of each original column on (preferably held-out) data.

        Parameters
        ----------
        X, y
            Rows with known outcomes, ideally not used in training.
        n_repeats : int, default 5
        scoring : str, default "roc_auc"
            A scikit-learn scorer name.

        Returns
        -------
        pandas.DataFrame
            ``feature``, ``importance_mean`` (drop in the score when the column is shuffled), ``importance_std``,
            largest first.
        """
        from sklearn.inspection import permutation_importance

        frame = self._features(X)
        _, target = self._labels(y, len(frame))
        labels = self.classes_[target]
        result = permutation_importance(self, frame, labels, scoring=scoring, n_repeats=n_repeats,
                                        random_state=self.random_state, n_jobs=1)
        return pd.DataFrame({"feature": self.feature_names_in_, "importance_mean": result.importances_mean,
                             "importance_std": result.importances_std}).sort_values(
            "importance_mean", ascending=False, kind="stable").reset_index(drop=True)


def _stratified_sample(y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of a stratified random sample of ``size`` rows."""
    picked = []
    for value in (0, 1):
        where = np.flatnonzero(y == value)
        take = max(2, int(round(size * len(where) / len(y))))
        picked.append(rng.choice(where, size=min(take, len(where)), replace=False))
    return np.sort(np.concatenate(picked))
