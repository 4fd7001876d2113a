"""The forecasting engine: statsforecast members per series shape, their combination and calibrated intervals.

Series data
-----------
Long format, statsforecast's names, one row per series and month: ``unique_id`` (text, e.g. ``S1/Aurora``), ``ds``
(month start, or ``'YYYY-MM'``; any date inside a month counts as it), ``y`` (units delivered, ``>= 0``). Other
columns are ignored. Bad input raises :class:`~kit.exceptions.DataContractError` naming the series and month: text
in ``y``, a negative or empty ``y``, a month twice, a month missing inside a series (``fill_missing=True`` counts it
as 0 and extends a series that stops early with zeros up to the latest month), and a horizon ``h`` below 1.

Methods
-------
``method="auto"`` (the default) is chosen per series by its shape (column ``series_class``; the first rule that
fits, from the bottom of the table up):

============ =========================================== ======================================================
class        rule                                        forecast
============ =========================================== ======================================================
regular      ``>= 2 × season_length`` months             :data:`DEFAULT_METHOD`, seasonal
short        6 months up to ``2 × season_length``        the same members without seasonality (seasonal naive
                                                         needs a year, else it is the last value)
intermittent months ÷ months with sales ``>= 1.32``     median(croston, adida, imapa) (Syntetos–Boylan ADI cut)
very_short   under 6 months (e.g. a model just launched) mean of the last 3 months (as Gain DMS plans orders)
zero         no sale yet                                 0
============ =========================================== ======================================================

The default, the median of seasonal naive, AutoCES, Theta and Dynamic Optimized Theta, has the best average rank
over ten collections (M1, M3 and Tourism monthly and quarterly, M3 other, short and intermittent series, generated
dealerships) among every single model and every median or mean of them that costs at most about twice today's
default on Tourism monthly; combinations with AutoETS rank better but cost five times as much (the trade-off
table is in ``benchmarks/README.md``; ``method="median(seasonal_naive, ets, ces, dotm)"`` selects the best of
them). Other methods: one member (``method="ets"``), a list of members (their
median) or a text such as ``"mean(ets, ces, theta)"``. Months of zeros before a series' first sale are dropped
(not launched yet); every forecast is clipped at 0.

Intervals (split conformal, calibrated on the series' own recent history)
-------------------------------------------------------------------------
The same method is run from ``W`` earlier origins — the last month less ``h``, ``2h`` … ``W·h`` months — and its
errors over the ``h`` months after each origin are the calibration sample (the earliest origin keeps at least two
thirds of the history; when ``h`` is longer than a third of it, the origins are closer and the later steps are
calibrated from the pooled scores). Each error is divided by the series'
scale (its in-sample seasonal-naive mean absolute error up to that origin, as in MASE) times ``√k`` for step
``k``; the interval at step ``k`` is ``yhat + [lower, upper quantile of those scores] × scale × √k``. Quantiles are
taken per step when a step has :data:`MIN_SCORES_PER_STEP` scores, else over all steps, and the lower and upper
quantiles separately (so a method that tends to over-forecast gets a band that leans down). ``W`` is the fewest
windows that give every step :data:`MIN_SCORES_PER_STEP` scores, at most :data:`MAX_CALIBRATION_WINDOWS`; a
large panel calibrates on :data:`MAX_CALIBRATION_SERIES` of its series. With fewer than :data:`MIN_SCORES` scores in all (a new dealership), the
band is a count interval: a negative binomial with the forecast as mean and the series' variance-to-mean ratio.
Bands are clipped at 0 and ordered ``yhat_lo_95 <= yhat_lo_80 <= yhat <= yhat_hi_80 <= yhat_hi_95``.

Each series is divided by a power of two near its mean before fitting and multiplied back afterwards: exact in
floating point, and it makes AutoCES about 15 times and AutoTheta about 2.5 times faster on large numbers. The
Spring Festival adjustment (:mod:`kit.forecast.festival`) moves January and February to a festival-neutral
calendar before fitting and back afterwards.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError
from kit.forecast.data import _check_horizon, _check_levels, _check_season, _clean_series, _level_name, \
    _ordinal_to_timestamps, _Panel, _segment_sums, _trim_leading_zeros
from kit.forecast.festival import _estimate_festival, _Festival

#: Members the kit can fit (statsforecast models, by the kit's names).
MEMBERS = ("seasonal_naive", "naive", "ets", "ces", "theta", "dotm", "auto_theta", "arima", "croston", "adida",
           "imapa")
#: Combination rules of several members.
COMBINATIONS = ("median", "mean")
#: The "auto" method for regular and short series (see ``benchmarks/README.md``).
DEFAULT_METHOD = ("median", ("seasonal_naive", "ces", "theta", "dotm"))
#: Members of the default (for backtests and the documentation).
DEFAULT_MEMBERS = DEFAULT_METHOD[1]
#: The "auto" ensemble for intermittent series: median of these.
INTERMITTENT_MEMBERS = ("croston", "adida", "imapa")
#: Average demand interval (months ÷ months with sales) at or above which a series is intermittent.
INTERMITTENT_ADI = 1.32
#: Fewer months than this (after leading zeros) and a series is forecast by its recent mean.
MIN_MODEL_MONTHS = 6
#: Months in the recent mean.
RECENT_MEAN_MONTHS = 3
#: Months of history used for the variance-to-mean ratio of count intervals.
DISPERSION_MONTHS = 24
#: Calibration: scores wanted per forecast step, the most calibration windows, the fewest scores for conformal bands.
MIN_SCORES_PER_STEP = 200
MAX_CALIBRATION_WINDOWS = 12
MIN_SCORES = 20
#: At most this many series (evenly spread over the sorted ids) feed the calibration sample of a large panel.
MAX_CALIBRATION_SERIES = 500
SERIES_CLASSES = ("regular", "short", "intermittent", "very_short", "zero")

#: A method as the engine uses it: "auto" or (combination rule, members).
Spec = str | tuple[str, tuple[str, ...]]


# --------------------------------------------------------------------------- method names


def _check_method(method: object) -> Spec:
    """``"auto"``, a member, a list of members (median) or ``"mean(a, b)"`` / ``"median(a, b)"``."""
    if isinstance(method, str):
        text = method.strip()
        if text == "auto":
            return "auto"
        if text in MEMBERS:
            return ("median", (text,))
        match = re.fullmatch(r"(median|mean)\((.*)\)", text.replace(" ", ""))
        if match:
            members = tuple(dict.fromkeys(m for m in match.group(2).split(",") if m))
            unknown = [m for m in members if m not in MEMBERS]
            if members and not unknown:
                return (match.group(1), members)
            method = unknown[0] if unknown else method
    elif isinstance(method, Sequence) and len(method) > 0 and all(isinstance(m, str) for m in method):
        unknown = [m for m in method if m not in MEMBERS]
        if not unknown:
            return ("median", tuple(dict.fromkeys(method)))
        method = unknown[0]
    raise ConfigError(f"method: expected 'auto', one of {', '.join(MEMBERS)}, a list of them (their median) or "
                      f"a text such as 'mean(ets, ces, theta)'; got {method!r}.")


def _method_label(spec: Spec) -> str:
    if spec == "auto":
        return "auto"
    how, members = spec
    return members[0] if len(members) == 1 else f"{how}({', '.join(members)})"


def _member_sets(spec: Spec) -> dict[str, tuple[str, tuple[str, ...]]]:
    """(combination, members) per series class."""
    if spec == "auto":
        return {"regular": DEFAULT_METHOD, "short": DEFAULT_METHOD, "very_short": DEFAULT_METHOD,
                "intermittent": ("median", INTERMITTENT_MEMBERS), "zero": DEFAULT_METHOD}
    return {cls: spec for cls in SERIES_CLASSES}


def _spec_members(spec: Spec) -> tuple[str, ...]:
    """Every member a method may use, over all series classes."""
    return tuple(dict.fromkeys(m for _, members in _member_sets(spec).values() for m in members))


# --------------------------------------------------------------------------- one run of the members


@dataclass
class _Run:
    """Member forecasts from one origin, arrays of shape (series, h) on the original scale."""

    ids: np.ndarray
    last_t: np.ndarray
    series_class: np.ndarray
    h: int
    point: dict[str, np.ndarray]
    dispersion: np.ndarray
    recent_mean: np.ndarray
    scale: np.ndarray
    seconds: dict[str, float]
    festival: _Festival


def _classify(panel: _Panel, season_length: int) -> tuple[np.ndarray, np.ndarray]:
    n = np.diff(panel.indptr)
    sold = _segment_sums((panel.y > 0).astype(float), panel.indptr)
    classes = np.full(panel.n_series, "regular", dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(sold > 0, n / np.maximum(sold, 1), np.inf)
    classes[n < 2 * season_length] = "short"
    classes[adi >= INTERMITTENT_ADI] = "intermittent"
    classes[n < MIN_MODEL_MONTHS] = "very_short"
    classes[n == 0] = "zero"
    return classes, n


def _statsforecast():
    """Import statsforecast lazily (it takes seconds); point any numba cache at the kit's cache folder."""
    from kit import config

    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
    os.environ.setdefault("NUMBA_CACHE_DIR", str(config.cache_dir() / "numba"))
    from statsforecast import StatsForecast, models

    return StatsForecast, models


def _make_model(models, name: str, season: int, naive_season: int):
    if name == "seasonal_naive":
        if naive_season > 1:
            return models.SeasonalNaive(season_length=naive_season, alias=name)
        return models.Naive(alias=name)
    simple = {"naive": models.Naive, "croston": models.CrostonOptimized, "adida": models.ADIDA,
              "imapa": models.IMAPA}
    if name in simple:
        return simple[name](alias=name)
    seasonal = {"ces": models.AutoCES, "theta": models.Theta, "dotm": models.DynamicOptimizedTheta,
                "auto_theta": models.AutoTheta, "ets": models.AutoETS, "arima": models.AutoARIMA}
    return seasonal[name](season_length=season, alias=name)


def _power_of_two_scale(panel: _Panel) -> np.ndarray:
    n = np.diff(panel.indptr)
    totals = _segment_sums(np.abs(panel.y), panel.indptr)
    mean = np.where(n > 0, totals / np.maximum(n, 1), 0.0)
    with np.errstate(divide="ignore"):
        exponent = np.where(mean > 0, np.round(np.log2(np.where(mean > 0, mean, 1.0))), 0.0)
    return np.exp2(exponent)


def _series_stats(panel: _Panel, season_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per series: mean of the last 3 months, variance-to-mean ratio (>= 1) of the last 24, and the error scale.

    The scale is the in-sample seasonal-naive mean absolute error (lag 1 when the series is not longer than a
    season), else the lag-1 one, else the mean level, else 1: never 0.
    """
    recent = np.zeros(panel.n_series)
    dispersion = np.ones(panel.n_series)
    scale = np.ones(panel.n_series)
    for i in range(panel.n_series):
        values = panel.y[panel.indptr[i]:panel.indptr[i + 1]]
        if len(values) == 0:
            continue
        recent[i] = values[-RECENT_MEAN_MONTHS:].mean()
        window = values[-DISPERSION_MONTHS:]
        if len(window) >= 3 and window.mean() > 0:
            dispersion[i] = max(1.0, float(window.var(ddof=1) / window.mean()))
        for lag in (season_length if len(values) > season_length else 1, 1):
            if len(values) > lag:
                mae = float(np.mean(np.abs(values[lag:] - values[:-lag])))
                if mae > 0:
                    scale[i] = mae
                    break
        else:
            level = float(np.mean(np.abs(values)))
            scale[i] = level if level > 0 else 1.0
    return recent, dispersion, scale


def _run(frame: pd.DataFrame, h: int, *, season_length: int, members: Sequence[str], spring_festival: bool,
         n_jobs: int = 1) -> _Run:
    """Fit ``members`` on every series that has the months for them; return their point forecasts.

    Zero series get 0 from every member, very short series (and members that fail) their recent mean.
    """
    panel, last_t = _trim_leading_zeros(_Panel.from_frame(frame))
    classes, n = _classify(panel, season_length)
    codes = panel.codes()
    festival = _estimate_festival(panel) if spring_festival else _Festival(a=np.full(panel.n_series, 0.5),
                                                                          has_pairs=np.zeros(panel.n_series, bool))
    adjusted = _Panel(ids=panel.ids, indptr=panel.indptr, t=panel.t,
                      y=panel.y * festival.factors(codes, panel.t))
    scale = _power_of_two_scale(adjusted)
    recent, dispersion, error_scale = _series_stats(panel, season_length)
    future_t = last_t[:, None] + np.arange(1, h + 1)[None, :]
    future_factor = festival.factors(np.arange(panel.n_series)[:, None], future_t)
    members = sorted(set(members), key=MEMBERS.index)
    shape = (panel.n_series, h)
    point = {m: np.full(shape, np.nan) for m in members}
    seconds = {m: 0.0 for m in members}
    groups: dict[tuple[int, int], list[int]] = {}
    for i in range(panel.n_series):
        if classes[i] in ("zero", "very_short"):
            continue
        season = season_length if n[i] >= 2 * season_length else 1
        naive_season = season_length if n[i] >= season_length else 1
        groups.setdefault((season, naive_season), []).append(i)
    if groups and members:
        StatsForecast, models = _statsforecast()
        for (season, naive_season), rows in groups.items():
            rows_arr = np.asarray(rows)
            lengths = n[rows_arr]
            take = np.concatenate([np.arange(panel.indptr[i], panel.indptr[i + 1]) for i in rows_arr])
            data = pd.DataFrame({"unique_id": np.repeat(rows_arr, lengths).astype(np.int64), "ds": adjusted.t[take],
                                 "y": adjusted.y[take] / np.repeat(scale[rows_arr], lengths)})
            fitted = [_make_model(models, m, season, naive_season) for m in members]
            engine = StatsForecast(models=fitted, freq=1, n_jobs=n_jobs, fallback_model=models.Naive())
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                out = engine.forecast(h=h, df=data)
            out = out.iloc[np.argsort(out["unique_id"].to_numpy(), kind="stable")]
            series = out["unique_id"].to_numpy().reshape(-1, h)[:, 0]
            for m in members:
                point[m][series] = out[m].to_numpy(dtype=float).reshape(-1, h) * scale[series][:, None]
                seconds[m] += float(getattr(engine, "forecast_times_", {}).get(m, 0.0))
    for m in members:
        point[m][classes == "zero"] = 0.0
        bad = np.isnan(point[m])
        point[m] = np.where(bad, np.broadcast_to(recent[:, None], shape), point[m])
        point[m] = np.maximum(point[m] / future_factor, 0.0)
    return _Run(ids=panel.ids, last_t=last_t, series_class=classes, h=h, point=point, dispersion=dispersion,
                recent_mean=recent, scale=error_scale, seconds=seconds, festival=festival)


def _combine_points(run: _Run, spec: Spec) -> tuple[np.ndarray, np.ndarray]:
    """Point forecast of a method from a run's members (combined per series class) and its label per series."""
    sets = _member_sets(spec)
    point = np.zeros((len(run.ids), run.h))
    labels = np.empty(len(run.ids), dtype=object)
    for cls in SERIES_CLASSES:
        rows = np.flatnonzero(run.series_class == cls)
        if len(rows) == 0:
            continue
        how, members = sets[cls]
        if cls == "zero":
            labels[rows] = "zero: no sales yet"
        elif cls == "very_short":
            labels[rows] = f"mean of the last {RECENT_MEAN_MONTHS} months"
            point[rows] = run.recent_mean[rows][:, None]
            continue
        else:
            labels[rows] = _method_label((how, members))
        stack = np.stack([run.point[m][rows] for m in members])
        point[rows] = np.median(stack, axis=0) if how == "median" else np.mean(stack, axis=0)
    return np.maximum(np.nan_to_num(point, nan=0.0), 0.0), labels


# --------------------------------------------------------------------------- calibrated intervals


@dataclass
class _Calibration:
    """Conformal quantiles of scaled errors: ``lower[level]`` and ``upper[level]`` per step (length h)."""

    lower: dict[float, np.ndarray]
    upper: dict[float, np.ndarray]
    n_scores: int
    windows: int
    per_step: bool


def _calibration_offsets(n_series: int, h: int, history_months: int) -> list[int]:
    """Months before the forecast origin of each calibration origin: ``step``, ``2·step`` … .

    The earliest calibration origin keeps at least two thirds of the history, so its fits see series of about the
    same length and shape as the forecast's; ``step`` is ``h``, or less when that leaves too little (the steps
    beyond it are then calibrated from the pooled scores).
    """
    lookback = history_months // 3
    step = min(h, lookback)
    if step < 1:
        return []
    wanted = int(np.ceil(MIN_SCORES_PER_STEP / max(min(n_series, MAX_CALIBRATION_SERIES), 1)))
    windows = int(min(wanted, MAX_CALIBRATION_WINDOWS, lookback // step))
    return [w * step for w in range(1, windows + 1)]


def _quantiles(scores: list[np.ndarray], h: int, levels: tuple[float, ...]) -> _Calibration | None:
    """Conformal quantiles from scaled errors ``(series, h)`` of each window (NaN where no actual)."""
    if not scores:
        return None
    stacked = np.concatenate(scores, axis=0)
    finite = np.isfinite(stacked)
    total = int(finite.sum())
    if total < MIN_SCORES:
        return None
    per_step = bool(finite.sum(axis=0).min() >= MIN_SCORES_PER_STEP)
    lower, upper = {}, {}
    for lv in levels:
        tail = (1 - lv / 100.0) / 2
        lo, hi = np.empty(h), np.empty(h)
        pooled = stacked[finite]
        for k in range(h):
            sample = stacked[finite[:, k], k] if per_step else pooled
            lo[k] = np.quantile(sample, tail, method="lower")
            hi[k] = np.quantile(sample, 1 - tail, method="higher")
        lower[lv], upper[lv] = lo, hi
    return _Calibration(lower=lower, upper=upper, n_scores=total, windows=len(scores), per_step=per_step)


def _scaled_errors(run: _Run, point: np.ndarray, actual: pd.Series) -> np.ndarray:
    """(actual − forecast) ÷ (scale × √step) for a run's series; NaN where the month has no actual."""
    h = run.h
    months = run.last_t[:, None] + np.arange(1, h + 1)[None, :]
    index = pd.MultiIndex.from_arrays([np.repeat(run.ids, h), months.ravel()])
    truth = actual.reindex(index).to_numpy(dtype=float).reshape(len(run.ids), h)
    return (truth - point) / (run.scale[:, None] * np.sqrt(np.arange(1, h + 1))[None, :])


def _calibration_subset(ids: np.ndarray) -> np.ndarray:
    """Series that feed the calibration sample: all, or an even spread of :data:`MAX_CALIBRATION_SERIES`."""
    ordered = np.sort(ids.astype(str))
    if len(ordered) <= MAX_CALIBRATION_SERIES:
        return ordered
    take = np.linspace(0, len(ordered) - 1, MAX_CALIBRATION_SERIES).round().astype(int)
    return ordered[np.unique(take)]


def _count_intervals(point: np.ndarray, dispersion: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Negative-binomial interval (Poisson when the variance ratio is 1) with mean ``point``."""
    from scipy import stats

    low_q, high_q = 0.5 - level / 200.0, 0.5 + level / 200.0
    mean = np.maximum(point, 0.0)
    ratio = np.broadcast_to(np.maximum(dispersion, 1.0)[:, None], mean.shape)
    poisson = ratio <= 1.0 + 1e-9
    safe_mean = np.where(mean > 0, mean, 1.0)
    n_param = np.where(poisson, 1.0, safe_mean / np.where(poisson, 1.0, ratio - 1.0))
    p_param = np.where(poisson, 0.5, 1.0 / ratio)
    lo = np.where(poisson, stats.poisson.ppf(low_q, safe_mean), stats.nbinom.ppf(low_q, n_param, p_param))
    hi = np.where(poisson, stats.poisson.ppf(high_q, safe_mean), stats.nbinom.ppf(high_q, n_param, p_param))
    return np.where(mean > 0, lo, 0.0), np.where(mean > 0, hi, 0.0)


def _intervals(run: _Run, point: np.ndarray, calibration: _Calibration | None,
               levels: tuple[float, ...]) -> tuple[dict, dict]:
    """Bands around ``point``: calibrated when there is a calibration, count intervals otherwise; ordered, >= 0."""
    h = run.h
    root = np.sqrt(np.arange(1, h + 1))[None, :]
    lo, hi = {}, {}
    inner_lo, inner_hi = point, point
    for lv in sorted(levels):  # ascending: each wider band contains the narrower one and the point
        if calibration is not None:
            width = run.scale[:, None] * root
            low = point + calibration.lower[lv][None, :] * width
            high = point + calibration.upper[lv][None, :] * width
        else:
            low, high = _count_intervals(point, run.dispersion, lv)
        zero = run.series_class == "zero"
        low[zero], high[zero] = 0.0, 0.0
        lo[lv] = np.minimum(np.maximum(np.nan_to_num(low, nan=0.0), 0.0), inner_lo)
        hi[lv] = np.maximum(np.nan_to_num(high, nan=0.0), inner_hi)
        inner_lo, inner_hi = lo[lv], hi[lv]
    return lo, hi


class _Origins:
    """Runs of the members from calendar cuts of one frame (all months up to the cut), computed once each."""

    def __init__(self, frame: pd.DataFrame, h: int, *, season_length: int, members: Sequence[str],
                 spring_festival: bool, n_jobs: int = 1, subset: np.ndarray | None = None):
        self.frame, self.h = frame, h
        self.options = dict(season_length=season_length, members=tuple(members), spring_festival=spring_festival,
                            n_jobs=n_jobs)
        self.subset = subset
        self.actual = frame.set_index(["unique_id", "t"])["y"]
        self._runs: dict[tuple[int, bool], _Run | None] = {}

    def run(self, cut: int, *, calibration: bool = False) -> _Run | None:
        key = (cut, calibration)
        if key not in self._runs:
            train = self.frame[self.frame["t"] <= cut]
            if calibration and self.subset is not None:
                train = train[train["unique_id"].isin(self.subset)]
            self._runs[key] = _run(train, self.h, **self.options) if len(train) else None
        return self._runs[key]

    def calibrate(self, origin: int, spec: Spec, levels: tuple[float, ...],
                  offsets: Sequence[int]) -> _Calibration | None:
        """Quantiles of the scaled errors of ``spec`` from the origins ``offsets`` months before ``origin``."""
        scores = []
        for offset in offsets:
            run = self.run(origin - offset, calibration=True)
            if run is None:
                continue
            point, _ = _combine_points(run, spec)
            errors = _scaled_errors(run, point, self.actual)
            errors[run.series_class == "zero"] = np.nan
            scores.append(errors)
        return _quantiles(scores, self.h, levels)

    def seconds(self) -> dict[str, float]:
        total: dict[str, float] = {}
        for run in self._runs.values():
            for m, s in (run.seconds if run is not None else {}).items():
                total[m] = total.get(m, 0.0) + s
        return total


def _forecast_frame(run: _Run, point: np.ndarray, lo: dict, hi: dict, labels: np.ndarray) -> pd.DataFrame:
    h = run.h
    months = (run.last_t[:, None] + np.arange(1, h + 1)[None, :]).ravel()
    out = pd.DataFrame({"unique_id": np.repeat(run.ids, h), "ds": _ordinal_to_timestamps(months),
                        "yhat": point.ravel()})
    for lv in sorted(lo):
        out[f"yhat_lo_{_level_name(lv)}"] = lo[lv].ravel()
        out[f"yhat_hi_{_level_name(lv)}"] = hi[lv].ravel()
    out["method"] = np.repeat(labels, h)
    out["series_class"] = np.repeat(run.series_class, h)
    return out


# --------------------------------------------------------------------------- forecast


def _forecast_arrays(frame: pd.DataFrame, h: int, *, season_length: int, levels: tuple[float, ...], spec: Spec,
                     spring_festival: bool, n_jobs: int
                     ) -> tuple[_Run, np.ndarray, dict, dict, np.ndarray, _Calibration | None]:
    """Points from the last month and bands calibrated from earlier origins."""
    end = int(frame["t"].max())
    ids = np.unique(frame["unique_id"].to_numpy(dtype=str))
    subset = _calibration_subset(ids)
    origins = _Origins(frame, h, season_length=season_length, members=_spec_members(spec),
                       spring_festival=spring_festival, n_jobs=n_jobs,
                       subset=None if len(subset) == len(ids) else subset)
    run = origins.run(end)
    point, labels = _combine_points(run, spec)
    calibration = None
    if levels:
        history = end - int(frame["t"].min()) + 1
        calibration = origins.calibrate(end, spec, levels, _calibration_offsets(len(ids), h, history))
    lo, hi = _intervals(run, point, calibration, levels)
    return run, point, lo, hi, labels, calibration


def forecast(df: pd.DataFrame, h: int, *, season_length: int = 12, level: Sequence[float] = (80, 95),
             method: str | Sequence[str] = "auto", spring_festival: bool = True, fill_missing: bool = False,
             n_jobs: int = 1) -> pd.DataFrame:
    """Forecast every series ``h`` months ahead with calibrated intervals.

    Parameters
    ----------
    df : DataFrame
        Long series frame ``unique_id, ds, y`` (see the module docstring); other columns are ignored.
    h : int
        Months to forecast, >= 1. Each series is forecast from its own last month.
    season_length : int, default 12
        Months in a season.
    level : sequence of float, default (80, 95)
        Interval levels in %; one ``yhat_lo_L``/``yhat_hi_L`` pair each. Empty: no intervals (faster: no
        calibration runs).
    method : str or sequence of str, default "auto"
        ``"auto"`` (the kit's default, chosen per series shape), one member of :data:`MEMBERS`, a list of members
        (their median) or ``"mean(ets, ces, theta)"``-style text. Series with no sale get 0 and series under
        6 months the recent mean whatever the method.
    spring_festival : bool, default True
        Adjust January and February for the moving Spring Festival.
    fill_missing : bool, default False
        Count missing months (and empty ``y``) as 0 instead of raising.
    n_jobs : int, default 1
        Processes statsforecast fits with (``-1``: all cores).

    Returns
    -------
    DataFrame
        ``unique_id, ds, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95, method, series_class``: one row per
        series and month, ``ds`` the month start; forecasts are >= 0 and every interval contains ``yhat``.

    Raises
    ------
    DataContractError
        Bad data (naming the series and month) or ``h`` below 1.
    ConfigError
        Unknown ``method``, bad ``level``, ``season_length`` or ``n_jobs``.
    """
    h = _check_horizon(h)
    levels = _check_levels(level)
    season_length = _check_season(season_length)
    spec = _check_method(method)
    n_jobs = _check_jobs(n_jobs)
    frame = _clean_series(df, fill_missing=fill_missing)
    run, point, lo, hi, labels, _ = _forecast_arrays(frame, h, season_length=season_length, levels=levels,
                                                     spec=spec, spring_festival=bool(spring_festival),
                                                     n_jobs=n_jobs)
    return _forecast_frame(run, point, lo, hi, labels)


def _check_jobs(n_jobs: object) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(f"n_jobs: expected a whole number of processes >= 1, or -1 for all cores; got {n_jobs!r}.")
    return int(n_jobs)
