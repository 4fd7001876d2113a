"""Forecast-accuracy measures: the King Long dealer score and the MASE scale."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


#: King Long's dealer forecast-accuracy score (DOMAIN §5.3): (upper MAPE bound in %, score).
KING_LONG_BANDS: tuple[tuple[float, int], ...] = ((20.0, 100), (50.0, 80), (100.0, 60), (200.0, 40))
KING_LONG_FLOOR_SCORE = 20


def king_long_score(mape_pct: float | Iterable[float]) -> Any:
    """King Long's dealer score for a forecast error (DOMAIN §5.3).

    ≤ 20 % → 100, ≤ 50 % → 80, ≤ 100 % → 60, < 200 % → 40, ≥ 200 % → 20.

    Parameters
    ----------
    mape_pct : float or array-like
        Mean absolute percentage error, in % (0–100 scale). NaN gives NaN.

    Returns
    -------
    float or numpy.ndarray
        The score, same shape as the input.
    """
    values = np.asarray(mape_pct, dtype=float)
    score = np.full(values.shape, float(KING_LONG_FLOOR_SCORE))
    for bound, points in reversed(KING_LONG_BANDS):
        score = np.where(values <= bound, float(points), score)
    score = np.where(values >= 200.0, float(KING_LONG_FLOOR_SCORE), score)
    score = np.where(np.isnan(values), np.nan, score)
    return float(score) if score.ndim == 0 else score


def _scale_for_mase(values: np.ndarray, season_length: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (lag 1 for series under a season + 1)."""
    lag = season_length if len(values) > season_length else 1
    if len(values) <= lag:
        return np.nan
    scale = float(np.mean(np.abs(values[lag:] - values[:-lag])))
    return scale if scale > 0 else np.nan
