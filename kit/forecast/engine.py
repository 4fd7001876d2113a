"""The forecasting engine: statsforecast members per series shape, their combination and intervals."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError
from kit.forecast.data import _check_horizon, _check_levels, _check_season, _clean_series, _level_name, \
    _ordinal_to_timestamps, _Panel, _segment_sums, _trim_leading_zeros
from kit.forecast.festival import _estimate_festival, _Festival


#: Members the kit can fit (statsforecast models, by the kit's names).
MEMBERS = ("seasonal_naive", "naive", "ces", "theta", "dotm", "ets", "arima", "croston", "adida", "imapa")
#: The "auto" ensemble for regular and short series: median of these.
DEFAULT_MEMBERS = ("seasonal_naive", "ces", "theta")
#: The "auto" ensemble for intermittent series.
INTERMITTENT_MEMBERS = ("croston", "adida", "imapa")
#: Average demand interval (months ÷ months with sales) at or above which a series is intermittent.
INTERMITTENT_ADI = 1.32
#: Years with January + February pairs needed before the Spring Festival effect is estimated: with two years the
#: festival's move cannot be told from an ordinary year-to-year change in how January and February split.

#: Fewer months than this (after leading zeros) and a series is forecast by its recent mean.
MIN_MODEL_MONTHS = 6
#: Months in the recent mean.
RECENT_MEAN_MONTHS = 3
#: Months of history used for the variance-to-mean ratio of count intervals.
DISPERSION_MONTHS = 24

#: King Long's dealer forecast-accuracy score (DOMAIN §5.3): (upper MAPE bound in %, score).

_NO_INTERVAL_MEMBERS = frozenset({"croston", "adida", "imapa"})
#: Members whose native intervals are simulated (AutoCES: 5,000 paths, ~0.1 CPU-s per series, 15 times its fit):
#: inside an ensemble their point forecast counts and the other members' intervals are used.
_SLOW_INTERVAL_MEMBERS = frozenset({"ces"})
SERIES_CLASSES = ("regular", "short", "intermittent", "very_short", "zero")
_ID_COLUMNS = ("unique_id", "ds", "y")

def _check_method(method: object) -> str | tuple[str, ...]:
    if isinstance(method, str):
        if method == "auto" or method in MEMBERS:
            return method
    elif isinstance(method, Sequence) and len(method) > 0 and all(isinstance(m, str) for m in method):
        unknown = [m for m in method if m not in MEMBERS]
        if not unknown:
            return tuple(dict.fromkeys(method))
        method = unknown[0]
    raise ConfigError(f"method: expected 'auto', one of {', '.join(MEMBERS)}, or a list of them (their median); "
                      f"got {method!r}.")


def _method_label(spec: str | tuple[str, ...]) -> str:
    if isinstance(spec, tuple):
        return spec[0] if len(spec) == 1 else f"median({', '.join(spec)})"
    return spec


@dataclass
class _Run:
    """Member forecasts of one engine run, arrays of shape (series, h), on the original scale."""

    ids: np.ndarray
    last_t: np.ndarray
    series_class: np.ndarray
    h: int
    levels: tuple[float, ...]
    point: dict[str, np.ndarray]
    lo: dict[str, dict[float, np.ndarray]]
    hi: dict[str, dict[float, np.ndarray]]
    dispersion: np.ndarray
    recent_mean: np.ndarray
    seconds: dict[str, float]
    festival: "_Festival"



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


def _make_model(models: Any, name: str, season: int, naive_season: int) -> Any:
    if name == "seasonal_naive":
        if naive_season > 1:
            return models.SeasonalNaive(season_length=naive_season, alias=name)
        return models.Naive(alias=name)
    if name == "naive":
        return models.Naive(alias=name)
    if name == "ces":
        return models.AutoCES(season_length=season, alias=name)
    if name == "dotm":
        return models.DynamicOptimizedTheta(season_length=season, alias=name)
    if name == "theta":
        return models.AutoTheta(season_length=season, alias=name)
    if name == "ets":
        return models.AutoETS(season_length=season, alias=name)
    if name == "arima":
        return models.AutoARIMA(season_length=season, alias=name)
    if name == "croston":
        return models.CrostonOptimized(alias=name)
    if name == "adida":
        return models.ADIDA(alias=name)
    if name == "imapa":
        return models.IMAPA(alias=name)
    raise ConfigError(f"method: unknown member {name!r}.")  # pragma: no cover - names are checked before


def _power_of_two_scale(panel: _Panel) -> np.ndarray:
    n = np.diff(panel.indptr)
    totals = _segment_sums(np.abs(panel.y), panel.indptr)
    mean = np.where(n > 0, totals / np.maximum(n, 1), 0.0)
    with np.errstate(divide="ignore"):
        exponent = np.where(mean > 0, np.round(np.log2(np.where(mean > 0, mean, 1.0))), 0.0)
    return np.exp2(exponent)


def _recent_stats(panel: _Panel) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the last 3 months and variance-to-mean ratio (>= 1) of the last 24, per series."""
    recent = np.zeros(panel.n_series)
    dispersion = np.ones(panel.n_series)
    for i in range(panel.n_series):
        values = panel.y[panel.indptr[i]:panel.indptr[i + 1]]
        if len(values) == 0:
            continue
        recent[i] = values[-RECENT_MEAN_MONTHS:].mean()
        window = values[-DISPERSION_MONTHS:]
        if len(window) >= 3 and window.mean() > 0:
            dispersion[i] = max(1.0, float(window.var(ddof=1) / window.mean()))
    return recent, dispersion



def _run(frame: pd.DataFrame, h: int, *, season_length: int, levels: tuple[float, ...],
         member_sets: dict[str, tuple[str, ...]], spring_festival: bool,
         point_only: frozenset[str] = frozenset()) -> _Run:
    """Fit the requested members per series class and return their forecasts on the original scale.

    Members in ``point_only`` (and the Croston family, which has none) are fitted without intervals.
    """
    panel, last_t = _trim_leading_zeros(_Panel.from_frame(frame))
    classes, n = _classify(panel, season_length)
    codes = panel.codes()
    festival = _estimate_festival(panel) if spring_festival else _Festival(a=np.full(panel.n_series, 0.5),
                                                                          has_pairs=np.zeros(panel.n_series, bool))
    adjusted = _Panel(ids=panel.ids, indptr=panel.indptr, t=panel.t,
                      y=panel.y * festival.factors(codes, panel.t))
    scale = _power_of_two_scale(adjusted)
    recent, dispersion = _recent_stats(adjusted)
    future_t = last_t[:, None] + np.arange(1, h + 1)[None, :]
    future_factor = festival.factors(np.arange(panel.n_series)[:, None], future_t)

    wanted = sorted({m for members in member_sets.values() for m in members}, key=MEMBERS.index)
    shape = (panel.n_series, h)
    point = {m: np.full(shape, np.nan) for m in wanted}
    lo = {m: {lv: np.full(shape, np.nan) for lv in levels} for m in wanted}
    hi = {m: {lv: np.full(shape, np.nan) for lv in levels} for m in wanted}
    seconds = {m: 0.0 for m in wanted}

    # series fitted by statsforecast, grouped by (seasons, members)
    groups: dict[tuple[int, int, tuple[str, ...]], list[int]] = {}
    for i in range(panel.n_series):
        cls = classes[i]
        if cls in ("zero", "very_short") or not member_sets.get(cls):
            continue
        season = season_length if n[i] >= 2 * season_length else 1
        naive_season = season_length if n[i] >= season_length else 1
        groups.setdefault((season, naive_season, member_sets[cls]), []).append(i)
    if groups:
        StatsForecast, models = _statsforecast()
        for (season, naive_season, members), rows in groups.items():
            rows_arr = np.asarray(rows)
            lengths = n[rows_arr]
            take = np.concatenate([np.arange(panel.indptr[i], panel.indptr[i + 1]) for i in rows_arr])
            data = pd.DataFrame({
                "unique_id": np.repeat(rows_arr, lengths).astype(np.int64),
                "ds": adjusted.t[take],
                "y": adjusted.y[take] / np.repeat(scale[rows_arr], lengths),
            })
            # the Croston family has no native intervals and refuses a level: fit it in a call of its own
            without = _NO_INTERVAL_MEMBERS | point_only
            for batch, with_levels in (([m for m in members if m not in without], True),
                                       ([m for m in members if m in without], False)):
                if not batch:
                    continue
                batch_levels = list(levels) if levels and with_levels else None
                fitted = [_make_model(models, m, season, naive_season) for m in batch]
                engine = StatsForecast(models=fitted, freq=1, n_jobs=1, fallback_model=models.Naive())
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    out = engine.forecast(h=h, df=data, level=batch_levels)
                out = out.iloc[np.argsort(out["unique_id"].to_numpy(), kind="stable")]
                series = out["unique_id"].to_numpy().reshape(-1, h)[:, 0]
                for m in batch:
                    point[m][series] = out[m].to_numpy(dtype=float).reshape(-1, h)
                    for lv in levels:
                        name = _level_name(lv)
                        if f"{m}-lo-{name}" in out.columns:
                            lo[m][lv][series] = out[f"{m}-lo-{name}"].to_numpy(dtype=float).reshape(-1, h)
                            hi[m][lv][series] = out[f"{m}-hi-{name}"].to_numpy(dtype=float).reshape(-1, h)
                    seconds[m] += float(engine.forecast_times_.get(m, 0.0))
            for m in members:
                point[m][series] *= scale[series][:, None]
                for lv in levels:
                    lo[m][lv][series] *= scale[series][:, None]
                    hi[m][lv][series] *= scale[series][:, None]

    for i in np.flatnonzero(classes == "very_short"):
        for m in member_sets.get("very_short", ()):
            point[m][i] = recent[i]
    for i in np.flatnonzero(classes == "zero"):
        for m in wanted:
            point[m][i] = 0.0
            for lv in levels:
                lo[m][lv][i] = 0.0
                hi[m][lv][i] = 0.0
    # members that failed outright fall back to the recent mean
    for m in wanted:
        bad = np.isnan(point[m])
        if bad.any():
            point[m] = np.where(bad, np.broadcast_to(recent[:, None], shape), point[m])
        point[m] = np.maximum(point[m] / future_factor, 0.0)
        for lv in levels:
            lo[m][lv] = lo[m][lv] / future_factor
            hi[m][lv] = hi[m][lv] / future_factor
    return _Run(ids=panel.ids, last_t=last_t, series_class=classes, h=h, levels=levels, point=point, lo=lo, hi=hi,
                dispersion=dispersion, recent_mean=recent, seconds=seconds, festival=festival)


def _member_sets(spec: str | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    if spec == "auto":
        return {"regular": DEFAULT_MEMBERS, "short": DEFAULT_MEMBERS, "very_short": DEFAULT_MEMBERS,
                "intermittent": INTERMITTENT_MEMBERS, "zero": DEFAULT_MEMBERS}
    members = spec if isinstance(spec, tuple) else (spec,)
    return {cls: members for cls in SERIES_CLASSES}


def _spec_members(spec: str | tuple[str, ...]) -> tuple[str, ...]:
    """Every member a method may use, over all series classes."""
    return tuple(dict.fromkeys(m for members in _member_sets(spec).values() for m in members))


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
    lo = np.where(mean > 0, lo, 0.0)
    hi = np.where(mean > 0, hi, 0.0)
    return lo, hi


def _combine(run: _Run, spec: str | tuple[str, ...]) -> tuple[np.ndarray, dict, dict, np.ndarray]:
    """Point forecast (median of the members) and intervals (their envelope), ordered and clipped at 0."""
    sets = _member_sets(spec)
    shape = (len(run.ids), run.h)
    point = np.zeros(shape)
    lo = {lv: np.zeros(shape) for lv in run.levels}
    hi = {lv: np.zeros(shape) for lv in run.levels}
    labels = np.empty(len(run.ids), dtype=object)
    for cls in SERIES_CLASSES:
        rows = np.flatnonzero(run.series_class == cls)
        if len(rows) == 0:
            continue
        members = sets[cls]
        if cls == "zero":
            labels[rows] = "zero: no sales yet"
            continue
        if cls == "very_short":
            labels[rows] = f"mean of the last {RECENT_MEAN_MONTHS} months"
        else:
            labels[rows] = _method_label(tuple(members))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            point[rows] = np.nanmedian(np.stack([run.point[m][rows] for m in members]), axis=0)
            for lv in run.levels:
                lo_stack = np.stack([run.lo[m][lv][rows] for m in members])
                hi_stack = np.stack([run.hi[m][lv][rows] for m in members])
                lo[lv][rows] = np.nanmin(lo_stack, axis=0)
                hi[lv][rows] = np.nanmax(hi_stack, axis=0)
                missing = np.isnan(lo[lv][rows]) | np.isnan(hi[lv][rows])
                if missing.any():
                    count_lo, count_hi = _count_intervals(point[rows], run.dispersion[rows], lv)
                    lo[lv][rows] = np.where(missing, count_lo, lo[lv][rows])
                    hi[lv][rows] = np.where(missing, count_hi, hi[lv][rows])
    point = np.maximum(np.nan_to_num(point, nan=0.0), 0.0)
    inner_lo, inner_hi = point, point
    for lv in run.levels:  # ascending: each wider interval contains the narrower one and the point
        lo[lv] = np.minimum(np.maximum(np.nan_to_num(lo[lv], nan=0.0), 0.0), inner_lo)
        hi[lv] = np.maximum(np.nan_to_num(hi[lv], nan=0.0), inner_hi)
        inner_lo, inner_hi = lo[lv], hi[lv]
    return point, lo, hi, labels


def _forecast_frame(run: _Run, point: np.ndarray, lo: dict, hi: dict, labels: np.ndarray) -> pd.DataFrame:
    h = run.h
    months = (run.last_t[:, None] + np.arange(1, h + 1)[None, :]).ravel()
    out = pd.DataFrame({"unique_id": np.repeat(run.ids, h), "ds": _ordinal_to_timestamps(months),
                        "yhat": point.ravel()})
    for lv in run.levels:
        out[f"yhat_lo_{_level_name(lv)}"] = lo[lv].ravel()
        out[f"yhat_hi_{_level_name(lv)}"] = hi[lv].ravel()
    out["method"] = np.repeat(labels, h)
    out["series_class"] = np.repeat(run.series_class, h)
    return out



def forecast(df: pd.DataFrame, h: int, *, season_length: int = 12, level: Sequence[float] = (80, 95),
             method: str | Sequence[str] = "auto", spring_festival: bool = True,
             fill_missing: bool = False) -> pd.DataFrame:
    """Forecast every series ``h`` months ahead with intervals.

    Parameters
    ----------
    df : DataFrame
        Long series frame ``unique_id, ds, y`` (see the module docstring); other columns are ignored.
    h : int
        Months to forecast, >= 1. Each series is forecast from its own last month.
    season_length : int, default 12
        Months in a season.
    level : sequence of float, default (80, 95)
        Interval levels in %; one ``yhat_lo_L``/``yhat_hi_L`` pair each.
    method : str or sequence of str, default "auto"
        ``"auto"`` (the kit's ensemble, chosen per series shape), one member of :data:`MEMBERS`, or a list of
        members (their median). Series with no sale get 0 and series under 6 months the recent mean whatever the
        method.
    spring_festival : bool, default True
        Adjust January and February for the moving Spring Festival.
    fill_missing : bool, default False
        Count missing months (and empty ``y``) as 0 instead of raising.

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
        Unknown ``method``, bad ``level`` or ``season_length``.
    """
    h = _check_horizon(h)
    levels = _check_levels(level)
    season_length = _check_season(season_length)
    spec = _check_method(method)
    frame = _clean_series(df, fill_missing=fill_missing)
    single = isinstance(spec, str) and spec != "auto" or isinstance(spec, tuple) and len(spec) == 1
    run = _run(frame, h, season_length=season_length, levels=levels, member_sets=_member_sets(spec),
               spring_festival=bool(spring_festival), point_only=frozenset() if single else _SLOW_INTERVAL_MEMBERS)
    point, lo, hi, labels = _combine(run, spec)
    return _forecast_frame(run, point, lo, hi, labels)
