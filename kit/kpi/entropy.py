"""Objective weights by the entropy method (熵权法), and blending them with subjective (manual or AHP) weights."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from kit.checks import is_number
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError


def entropy_worksheet(frame: pd.DataFrame, *, cost: Iterable[str] = ()) -> pd.DataFrame:
    """The entropy weight method step by step (docs/DOMAIN.md §3.5), one row per indicator.

    Steps: cost indicators become x' = max − x; every column is min-max scaled; p_ij = x_ij ÷ Σ_i x_ij;
    e_j = −(1 ÷ ln m) Σ_i p_ij ln p_ij with 0·ln 0 := 0; d_j = 1 − e_j; w_j = d_j ÷ Σ d_j. A column that is
    identical for every sample carries no information: e_j = 1 and weight 0.

    Parameters
    ----------
    frame : DataFrame
        Samples in rows (staff, stores, months), numeric indicators in columns; no missing values.
    cost : iterable of str
        Columns where lower is better.

    Returns
    -------
    DataFrame
        Columns ``indicator``, ``cost``, ``minimum``, ``maximum``, ``entropy``, ``divergence``, ``weight``.

    Raises
    ------
    DataContractError
        Non-numeric or missing values, unknown cost columns, fewer than 2 samples.
    InsufficientDataError
        Every indicator is constant, so no weight can be derived.
    """
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise DataContractError("entropy weights: expected a DataFrame with one numeric column per indicator.")
    cost = [str(c) for c in cost]
    unknown = [c for c in cost if c not in frame.columns]
    if unknown:
        raise DataContractError(f"entropy weights: cost columns {unknown} are not in the frame "
                                f"(columns: {', '.join(map(str, frame.columns))}).")
    non_numeric = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
                   or pd.api.types.is_bool_dtype(frame[c])]
    if non_numeric:
        raise DataContractError(f"entropy weights: columns {non_numeric} are not numeric.")
    x = frame.to_numpy(dtype=float)
    m = x.shape[0]
    if m < 2:
        raise DataContractError(f"entropy weights: need at least 2 samples (rows); got {m}.")
    if not np.all(np.isfinite(x)):
        rows, cols = np.nonzero(~np.isfinite(x))
        raise DataContractError(f"entropy weights: missing or infinite values, e.g. row {frame.index[rows[0]]!r}, "
                                f"column {frame.columns[cols[0]]!r}.")
    is_cost = np.array([str(c) in cost for c in frame.columns])
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    constant = span <= 1e-12 * np.maximum(np.abs(hi), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(is_cost, hi - x, x - lo) / np.where(constant, 1.0, span)
        total = scaled.sum(axis=0)
        p = np.where(constant, 1.0 / m, scaled / np.where(total > 0, total, 1.0))
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=0) / math.log(m)
    entropy = np.where(constant, 1.0, np.clip(entropy, 0.0, 1.0))
    divergence = 1.0 - entropy
    if divergence.sum() <= 0:
        raise InsufficientDataError("entropy weights: every indicator is identical across the samples, so the "
                                    "data cannot say which matters; use manual or AHP weights.")
    return pd.DataFrame({
        "indicator": [str(c) for c in frame.columns], "cost": is_cost, "minimum": lo, "maximum": hi,
        "entropy": entropy, "divergence": divergence, "weight": divergence / divergence.sum(),
    })


def entropy_weights(frame: pd.DataFrame, *, cost: Iterable[str] = ()) -> pd.Series:
    """Entropy (objective) weights per column, exactly as docs/DOMAIN.md §3.5; see :func:`entropy_worksheet`.

    Returns
    -------
    Series
        Weight per column (indexed by column name), summing to 1.
    """
    sheet = entropy_worksheet(frame, cost=cost)
    return pd.Series(sheet["weight"].to_numpy(), index=pd.Index(sheet["indicator"], name="metric"), name="weight")


def combine_weights(subjective: Mapping | pd.Series, objective: Mapping | pd.Series, *,
                    method: Literal["product", "linear"] = "product", alpha: float = 0.5) -> pd.Series:
    """Blend subjective (manual or AHP) and objective (entropy) weights.

    Parameters
    ----------
    subjective, objective : Series or mapping
        Weights over the same metrics (each normalised to sum to 1 first).
    method : {"product", "linear"}
        ``product``: w ∝ s·o (multiplicative synthesis); ``linear``: w = α·s + (1 − α)·o.
    alpha : float
        Share of the subjective weights in the linear blend (ignored by ``product``).

    Returns
    -------
    Series
        Combined weights in the order of ``subjective``, summing to 1.

    Raises
    ------
    ConfigError
        Different metric sets, negative weights, unknown method, alpha outside [0, 1].
    InsufficientDataError
        ``product`` with no metric weighted by both.
    """
    s = pd.Series(dict(subjective.items()), dtype=float)
    o = pd.Series(dict(objective.items()), dtype=float)
    if set(s.index) != set(o.index):
        only_s, only_o = sorted(set(s.index) - set(o.index)), sorted(set(o.index) - set(s.index))
        raise ConfigError(f"combine_weights: the two weight sets cover different metrics: only subjective "
                          f"{only_s}, only objective {only_o}.")
    for name, w in (("subjective", s), ("objective", o)):
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ConfigError(f"combine_weights: {name} weights must be >= 0 with a positive sum; got {w.to_dict()}.")
    s, o = s / s.sum(), (o / o.sum()).reindex(s.index)
    if method == "product":
        combined = s * o
        if combined.sum() <= 0:
            raise InsufficientDataError("combine_weights: no metric has weight in both sets; the product is 0.")
    elif method == "linear":
        if not is_number(alpha) or not 0 <= alpha <= 1:
            raise ConfigError(f"combine_weights: alpha must be between 0 and 1; got {alpha!r}.")
        combined = alpha * s + (1 - alpha) * o
    else:
        raise ConfigError(f"combine_weights: unknown method {method!r}; use 'product' or 'linear'.")
    return (combined / combined.sum()).rename("weight").rename_axis("metric")
