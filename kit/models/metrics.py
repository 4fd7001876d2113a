"""How good a classifier's scores are: ranking metrics, top-share capture, gains and calibration tables, and the
time split the hold-out checks use."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError


def _binary(y_true: Any, name: str = "y_true") -> np.ndarray:
    values = np.asarray(y_true.to_numpy(dtype=object) if isinstance(y_true, pd.Series) else y_true, dtype=object)
    if values.ndim != 1:
        raise DataContractError(f"{name} must be one-dimensional; got shape {values.shape}.")
    if pd.isna(values).any():
        raise DataContractError(f"{name} has {int(pd.isna(values).sum())} missing value(s); expected 0/1 or "
                                "True/False for every row.")
    ok = np.array([v in (0, 1) for v in values], dtype=bool) if len(values) else np.ones(0, dtype=bool)
    if not ok.all():
        raise DataContractError(f"{name} must be 0/1 or True/False; found {values[~ok][:5].tolist()}.")
    return values.astype(float).astype(int)


def _scores(p: Any, n: int, name: str = "p") -> np.ndarray:
    scores = np.asarray(p, dtype=float)
    if scores.ndim == 2 and scores.shape[1] == 2:
        scores = scores[:, 1]
    if scores.ndim != 1 or len(scores) != n:
        raise DataContractError(f"{name} must hold one score per row ({n}); got shape {np.shape(p)}.")
    if np.isnan(scores).any():
        raise DataContractError(f"{name} has {int(np.isnan(scores).sum())} missing score(s).")
    return scores


def top_share_capture(y_true: Any, p: Any, *, share: float = 0.2) -> float:
    """Share of all positives found among the top ``share`` of rows by score.

    The top ``share × n`` rows are counted; a fractional last row, and rows tied with it, count in proportion
    (the expected capture under a random tie-break). NaN when there are no positives.

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
    p : array-like of float
        Scores (higher = more likely positive).
    share : float, default 0.2

    Returns
    -------
    float
    """
    y = _binary(y_true)
    scores = _scores(p, len(y))
    if not 0 < share <= 1:
        raise ConfigError(f"share must be in (0, 1]; got {share!r}.")
    positives = y.sum()
    if positives == 0:
        return float("nan")
    k = share * len(y)
    kth = np.sort(scores)[::-1][int(math.ceil(k)) - 1]
    above = scores > kth
    tied = scores == kth
    fraction = (k - above.sum()) / tied.sum()
    return float((y[above].sum() + fraction * y[tied].sum()) / positives)


def ranking_metrics(y_true: Any, p: Any) -> dict[str, float]:
    """How well scores rank and how honest they are as probabilities.

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
    p : array-like of float in [0, 1]
        Predicted probability of the positive class (or the (n, 2) output of ``predict_proba``).

    Returns
    -------
    dict
        ``roc_auc``, ``average_precision`` (NaN with a single class), ``brier`` (mean squared error of the
        probability), ``log_loss``, ``top20_capture`` (share of positives among the top 20 % of scores),
        ``base_rate``, ``n`` and ``n_positive``.
    """
    y = _binary(y_true)
    scores = _scores(p, len(y))
    n, positives = len(y), int(y.sum())
    both = 0 < positives < n
    clipped = np.clip(scores, 1e-15, 1 - 1e-15)
    return {
        "roc_auc": float(roc_auc_score(y, scores)) if both else float("nan"),
        "average_precision": float(average_precision_score(y, scores)) if positives else float("nan"),
        "brier": float(np.mean((scores - y) ** 2)) if n else float("nan"),
        "log_loss": float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))) if n else float("nan"),
        "top20_capture": top_share_capture(y, scores, share=0.2) if n else float("nan"),
        "base_rate": float(y.mean()) if n else float("nan"),
        "n": n,
        "n_positive": positives,
    }


def gains_table(y_true: Any, p: Any, *, bins: int = 10) -> pd.DataFrame:
    """Cumulative gains and lift by score band, highest scores first.

    Rows are ordered by score (ties keep their input order) and cut into ``bins`` bands of equal size
    (band sizes differ by at most one row).

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
    p : array-like of float
    bins : int, default 10

    Returns
    -------
    pandas.DataFrame
        ``decile`` (1 = highest scores), ``n``, ``cumulative_share`` (share of all rows up to this band: "share of
        leads"), ``positives``, ``observed_rate``, ``mean_predicted``, ``capture`` (share of all positives in the
        band), ``cumulative_capture``, ``lift`` (band rate ÷ overall rate) and ``cumulative_lift``.
    """
    y = _binary(y_true)
    scores = _scores(p, len(y))
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ConfigError(f"bins must be a positive integer; got {bins!r}.")
    n = len(y)
    if n == 0:
        raise InsufficientDataError("gains_table needs at least one row; got none.")
    order = np.argsort(-scores, kind="stable")
    band = (np.arange(n) * bins) // n + 1
    frame = pd.DataFrame({"decile": band, "y": y[order], "p": scores[order]})
    out = frame.groupby("decile").agg(n=("y", "size"), positives=("y", "sum"), mean_predicted=("p", "mean"))
    out = out.reset_index()
    total_positives = y.sum()
    base_rate = total_positives / n
    cum_n = out["n"].cumsum()
    cum_pos = out["positives"].cumsum()
    out["observed_rate"] = out["positives"] / out["n"]
    out["cumulative_share"] = cum_n / n
    with np.errstate(invalid="ignore", divide="ignore"):
        out["capture"] = out["positives"] / total_positives if total_positives else np.nan
        out["cumulative_capture"] = cum_pos / total_positives if total_positives else np.nan
        out["lift"] = out["observed_rate"] / base_rate if base_rate else np.nan
        out["cumulative_lift"] = (cum_pos / cum_n) / base_rate if base_rate else np.nan
    return out[["decile", "n", "cumulative_share", "positives", "observed_rate", "mean_predicted", "capture",
                "cumulative_capture", "lift", "cumulative_lift"]]


def calibration_table(y_true: Any, p: Any, *, bins: int = 10, strategy: str = "uniform") -> pd.DataFrame:
    """Predicted against observed rate by probability band (the data of a reliability chart).

    Parameters
    ----------
    y_true : array-like of 0/1 or bool
    p : array-like of float in [0, 1]
    bins : int, default 10
    strategy : {"uniform", "quantile"}, default "uniform"
        Equal-width bands on [0, 1] (0–10 %, 10–20 %, …) or bands of equal row count.

    Returns
    -------
    pandas.DataFrame
        ``bin`` (1 = lowest), ``p_low``, ``p_high`` (band edges), ``mean_predicted``, ``observed_rate``, ``count``,
        ``positives``; empty bands are left out.
    """
    y = _binary(y_true)
    scores = _scores(p, len(y))
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ConfigError(f"bins must be a positive integer; got {bins!r}.")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(scores, np.linspace(0.0, 1.0, bins + 1)) if len(scores) else np.linspace(0, 1, bins + 1)
    else:
        raise ConfigError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}.")
    band = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, bins - 1)
    frame = pd.DataFrame({"bin": band + 1, "y": y, "p": scores})
    out = frame.groupby("bin").agg(mean_predicted=("p", "mean"), observed_rate=("y", "mean"), count=("y", "size"),
                                   positives=("y", "sum")).reset_index()
    out.insert(1, "p_low", edges[out["bin"] - 1])
    out.insert(2, "p_high", edges[out["bin"]])
    return out


def time_split(frame: pd.DataFrame, *, date_col: str, test_share: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a table into an earlier training part and the most recent ``test_share`` of rows.

    Every row on or after the cut date goes to the test part, so one day's rows are never split between the two;
    the test part can therefore be somewhat larger than ``test_share``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Must contain ``date_col`` (dates, or anything orderable), without missing values.
    date_col : str
    test_share : float, default 0.2
        Share of rows, in (0, 1), wanted in the test part.

    Returns
    -------
    (train, test) : tuple of pandas.DataFrame
        New frames, rows in their original order.

    Raises
    ------
    DataContractError
        ``date_col`` is missing or has empty or unreadable values.
    ConfigError
        ``test_share`` is not in (0, 1).
    InsufficientDataError
        All rows share one date, or there are fewer than 2 rows.
    """
    if date_col not in frame.columns:
        raise DataContractError(f"time_split: column {date_col!r} not found; columns are {list(frame.columns)}.")
    if not (isinstance(test_share, (int, float)) and 0 < test_share < 1):
        raise ConfigError(f"test_share must be a number between 0 and 1; got {test_share!r}.")
    dates = frame[date_col]
    empty = dates.isna()
    if empty.any():
        rows = frame.index[empty][:5].tolist()
        raise DataContractError(f"time_split: column {date_col!r} has {int(empty.sum())} empty value(s) (rows "
                                f"{rows}); every row needs a date to be placed in time.")
    if not (pd.api.types.is_datetime64_any_dtype(dates) or pd.api.types.is_numeric_dtype(dates)):
        try:
            dates = pd.to_datetime(dates)
        except (ValueError, TypeError) as err:
            raise DataContractError(f"time_split: column {date_col!r} has values that are not dates: {err}.") from err
    n = len(frame)
    if n < 2:
        raise InsufficientDataError(f"time_split needs at least 2 rows; got {n}.")
    ordered = np.sort(dates.to_numpy())
    cut = ordered[min(n - 1, int(math.floor(n * (1 - test_share))))]
    test = (dates >= cut).to_numpy()
    if test.all():
        raise InsufficientDataError(f"time_split: every row of {date_col!r} is on or after {cut}; there is nothing "
                                    "earlier to train on.")
    return frame.loc[~test].copy(), frame.loc[test].copy()
