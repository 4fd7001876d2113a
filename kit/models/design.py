"""How the classifier reads a table: column kinds, missing values, category levels, spline terms and the two
encodings (a dense matrix for the logistic regression, one for HistGradientBoosting)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

#: Label given to a missing categorical value: missingness is often informative ("no consultant yet").
MISSING_LABEL = "(missing)"
_MIN_FREQUENCY = 5          # rarer categories are pooled into one "infrequent" level
_MAX_CATEGORIES = 64        # per column, including the pooled level
_SPLINE_MIN_DISTINCT = 10   # numeric columns with fewer distinct values get no spline terms


def _column_kind(values: pd.Series) -> str:
    """``numeric``, ``boolean``, ``datetime``, ``timedelta`` or ``categorical`` for one input column."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "boolean":
        return "boolean"
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "numeric"
    if inferred in ("datetime", "datetime64", "date"):
        return "datetime"
    if inferred in ("timedelta", "timedelta64"):
        return "timedelta"
    return "categorical"


_BOOL_WORDS = {True: 1.0, False: 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "y": 1.0, "n": 0.0,
               "1": 1.0, "0": 0.0, "是": 1.0, "否": 0.0}


def _as_float(values: pd.Series, kind: str) -> np.ndarray:
    """A numeric-like column as float64 with NaN for missing (and for values that cannot be read)."""
    if kind == "datetime":
        stamps = pd.to_datetime(values, errors="coerce", utc=True)
        out = ((stamps - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1)).to_numpy(
            dtype=float, na_value=np.nan)
    elif kind == "timedelta":
        out = (pd.to_timedelta(values, errors="coerce") / pd.Timedelta(days=1)).to_numpy(dtype=float,
                                                                                         na_value=np.nan)
    elif kind == "boolean" and not pd.api.types.is_bool_dtype(values.dtype):
        def word(v: Any) -> float:
            key = v.strip().lower() if isinstance(v, str) else v
            try:
                return _BOOL_WORDS.get(key, np.nan)
            except TypeError:  # unhashable
                return np.nan
        out = np.array([word(v) for v in values.to_numpy(dtype=object)], dtype=float)
    else:
        if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
            numbers = values
        else:
            numbers = pd.to_numeric(values, errors="coerce")
        out = numbers.to_numpy(dtype=float, na_value=np.nan)
    out = np.array(out, dtype=float)  # writable copy
    out[~np.isfinite(out)] = np.nan
    return out


def _as_labels(values: pd.Series) -> np.ndarray:
    """A categorical column as an object array of strings, missing values labelled :data:`MISSING_LABEL`."""
    return values.astype("string").fillna(MISSING_LABEL).to_numpy(dtype=object)


class _Levels:
    """Integer codes for one categorical column, like scikit-learn's encoders with ``min_frequency`` and
    ``max_categories`` but computed with pandas (scikit-learn counts object arrays in Python, which is slow on
    large tables: docs/methods/models.md).

    Levels seen at least :data:`_MIN_FREQUENCY` times are kept, the most frequent first, at most
    :data:`_MAX_CATEGORIES` − 1 of them; the rest share one "infrequent" code, which also takes categories first seen
    at prediction time. Without an infrequent level an unseen category gets code −1 (no level: all-zero one-hot,
    missing for the trees).
    """

    def fit(self, labels: np.ndarray) -> "_Levels":
        counts = pd.Series(labels, dtype=object).value_counts(sort=False)
        counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]
        kept = counts[counts >= _MIN_FREQUENCY].index[:_MAX_CATEGORIES - 1]
        self.categories = pd.Index(kept, dtype=object)
        self.infrequent = len(kept) < len(counts)
        self.width = len(kept) + int(self.infrequent)
        return self

    def codes(self, labels: np.ndarray) -> np.ndarray:
        codes = pd.Categorical(labels, categories=self.categories).codes.astype(np.int64)
        if self.infrequent:
            codes[codes < 0] = len(self.categories)
        return codes


class _RankSplines:
    """Cubic B-spline terms of each column's rank, for the logistic candidate's smooth numeric effects.

    A column is mapped to its training quantile in [0, 1] (tied values share the middle of their quantile range),
    then to ``n_knots + 1`` cubic B-splines on uniform knots over [0, 1]. This equals scikit-learn's
    ``QuantileTransformer`` followed by ``SplineTransformer(knots="uniform", include_bias=False)``, vectorised
    (about ten times faster: docs/methods/models.md). Ranks make the knots follow the data and keep outliers from
    dominating.
    """

    def __init__(self, n_knots: int):
        self.n_knots = n_knots
        self.width = n_knots + 1  # n_knots + degree − 1 splines, minus the last (no bias column)

    def fit(self, filled: np.ndarray, rng: np.random.Generator) -> "_RankSplines":
        sample = filled if len(filled) <= 100_000 else filled[rng.choice(len(filled), 100_000, replace=False)]
        levels = np.linspace(0.0, 1.0, min(1000, len(sample)))
        self.maps = []
        for j in range(filled.shape[1]):
            values, position = np.unique(np.quantile(sample[:, j], levels), return_inverse=True)
            self.maps.append((values, np.bincount(position, weights=levels) / np.bincount(position)))
        return self

    def ranks(self, filled: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(filled[:, j], values, ranks) if len(values) > 1
                                else np.full(len(filled), 0.5) for j, (values, ranks) in enumerate(self.maps)])

    def transform(self, filled: np.ndarray) -> np.ndarray:
        """On each knot interval only four cubic B-splines are non-zero; with ``t`` the position within the
        interval they are (1−t)³/6, (3t³ − 6t² + 4)/6, (−3t³ + 3t² + 3t + 1)/6 and t³/6."""
        ranks = self.ranks(filled)
        n, k = ranks.shape
        out = np.zeros((n, k * self.width))
        rows = np.arange(n)
        for j in range(k):
            position = ranks[:, j] * (self.n_knots - 1)
            interval = np.minimum(np.floor(position), self.n_knots - 2).astype(np.int64)
            t = position - interval
            values = ((1 - t) ** 3, 3 * t ** 3 - 6 * t ** 2 + 4, -3 * t ** 3 + 3 * t ** 2 + 3 * t + 1, t ** 3)
            for i, value in enumerate(values):
                spline = interval + i
                keep = spline < self.width  # the last spline is dropped (no bias column)
                out[rows[keep], j * self.width + spline[keep]] = value[keep] / 6
        return out


class Design:
    """Fitted column typing and the two encodings of a table: a dense matrix for the logistic regression (scaled
    numerics, missing indicators, spline terms, one-hot categories) and a matrix for HistGradientBoosting
    (raw numerics with NaN, ordinal category codes with native categorical splits).

    Tables move through it in the "coerced" form ``(numbers, labels)``: a float array of the numeric-like
    columns and an object array of the categorical ones; occlusion edits that form directly.
    """

    def __init__(self, *, spline_knots: int, random_state: int | None):
        self.spline_knots = spline_knots
        self.random_state = random_state

    def fit(self, frame: pd.DataFrame) -> "Design":
        self.columns = list(frame.columns)
        self.kinds = {c: _column_kind(frame[c]) for c in self.columns}
        self.numeric = [i for i, c in enumerate(self.columns) if self.kinds[c] != "categorical"]
        self.categorical = [i for i, c in enumerate(self.columns) if self.kinds[c] == "categorical"]
        numbers, labels = self.coerce(frame)
        return self.fit_coerced(numbers, labels)

    def coerce(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        n = len(frame)
        numbers = np.empty((n, len(self.numeric)), dtype=float)
        for j, i in enumerate(self.numeric):
            numbers[:, j] = _as_float(frame.iloc[:, i], self.kinds[self.columns[i]])
        labels = np.empty((n, len(self.categorical)), dtype=object)
        for j, i in enumerate(self.categorical):
            labels[:, j] = _as_labels(frame.iloc[:, i])
        return numbers, labels

    def fit_coerced(self, numbers: np.ndarray, labels: np.ndarray) -> "Design":
        """Learn imputation, scaling, spline and category encodings from coerced training data."""
        n = len(numbers)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns: median of nothing
            medians = np.nanmedian(numbers, axis=0) if numbers.size else np.zeros(numbers.shape[1])
        self.medians = np.where(np.isfinite(medians), medians, 0.0)
        self.empty_columns = np.flatnonzero(~np.isfinite(medians))  # no value at all in training
        filled = np.where(np.isnan(numbers), self.medians, numbers)
        self.means = filled.mean(axis=0) if n else np.zeros(numbers.shape[1])
        scales = filled.std(axis=0) if n else np.ones(numbers.shape[1])
        self.scales = np.where(scales > 0, scales, 1.0)
        self.indicator_columns = np.flatnonzero(np.isnan(numbers).any(axis=0))
        distinct = pd.DataFrame(filled).nunique().to_numpy() if n else np.zeros(filled.shape[1], dtype=int)
        self.spline_columns = np.flatnonzero(distinct >= _SPLINE_MIN_DISTINCT) if self.spline_knots else \
            np.array([], dtype=int)
        if len(self.spline_columns):
            self.splines = _RankSplines(self.spline_knots).fit(filled[:, self.spline_columns],
                                                                np.random.default_rng(self.random_state))
        self.levels = [_Levels().fit(labels[:, j]) for j in range(labels.shape[1])]
        return self

    def logistic_matrix(self, numbers: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Scaled numbers, missing indicators, spline terms, one-hot categories: one dense float matrix."""
        n, k = numbers.shape
        spline_width = self.splines.width * len(self.spline_columns) if len(self.spline_columns) else 0
        widths = [k, len(self.indicator_columns), spline_width, *(levels.width for levels in self.levels)]
        out = np.zeros((n, sum(widths)))
        missing = np.isnan(numbers)
        filled = np.where(missing, self.medians, numbers)
        out[:, :k] = (filled - self.means) / self.scales
        offset = k
        out[:, offset:offset + widths[1]] = missing[:, self.indicator_columns]
        offset += widths[1]
        if spline_width:
            out[:, offset:offset + spline_width] = self.splines.transform(filled[:, self.spline_columns])
            offset += spline_width
        for j, levels in enumerate(self.levels):
            codes = levels.codes(labels[:, j])
            known = np.flatnonzero(codes >= 0)
            out[known, offset + codes[known]] = 1.0
            offset += levels.width
        return out

    def logistic_columns(self) -> list[np.ndarray]:
        """For each input column (in ``columns`` order), the positions of its terms in :meth:`logistic_matrix`."""
        k = len(self.numeric)
        width = self.splines.width if len(self.spline_columns) else 0
        spline_start = k + len(self.indicator_columns)
        out: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(self.columns)
        for j, i in enumerate(self.numeric):
            indicator = k + np.flatnonzero(self.indicator_columns == j)
            splines = [spline_start + b * width + np.arange(width) for b in np.flatnonzero(self.spline_columns == j)]
            out[i] = np.concatenate([[j], indicator, *splines]).astype(np.int64)
        offset = spline_start + width * len(self.spline_columns)
        for j, i in enumerate(self.categorical):
            out[i] = offset + np.arange(self.levels[j].width, dtype=np.int64)
            offset += self.levels[j].width
        return out

    def hgb_matrix(self, numbers: np.ndarray, labels: np.ndarray) -> np.ndarray:
        if len(self.empty_columns):  # HistGradientBoosting cannot bin a column without values; make it constant
            numbers = numbers.copy()
            numbers[:, self.empty_columns] = 0.0
        if not labels.shape[1]:
            return numbers
        codes = np.column_stack([levels.codes(labels[:, j]) for j, levels in enumerate(self.levels)]).astype(float)
        codes[codes < 0] = np.nan
        return np.hstack([numbers, codes])

    @property
    def hgb_categorical(self) -> np.ndarray:
        return np.r_[np.zeros(len(self.numeric), dtype=bool), np.ones(len(self.categorical), dtype=bool)]
