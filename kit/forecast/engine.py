"""The forecasting engine: statsforecast members, the combination chosen per series shape, calibrated intervals.

Series data
-----------
Long format, statsforecast's names, one row per series and month: ``unique_id`` (text, e.g. ``S1/Aurora``), ``ds``
(month start, or ``'YYYY-MM'``; any date inside a month counts as it), ``y`` (units delivered, ``>= 0``). Other
columns are ignored. Bad input raises :class:`~kit.exceptions.DataContractError` naming the series and month: text
in ``y``, a negative or empty ``y``, a month twice, a month missing inside a series (``fill_missing=True`` counts it
as 0 and extends a series that stops early with zeros up to the latest month), and a horizon ``h`` below 1.

Methods
-------
``method="auto"`` (the default) forecasts each series by its shape (column ``series_class``; the first rule that
fits, from the bottom of the table up):

============ =========================================== ======================================================
class        rule                                        forecast
============ =========================================== ======================================================
regular      ``>= 2 × season_length`` months             one of :data:`AUTO_CANDIDATES`, chosen by validation
short        6 months up to ``2 × season_length``        the same, members without seasonality (seasonal naive
                                                         needs a year, else it is the last value)
intermittent months ÷ months with sales ``>= 1.32``     one of :data:`INTERMITTENT_CANDIDATES`, chosen by
                                                         validation (Syntetos–Boylan ADI cut)
very_short   under 6 months (e.g. a model just launched) mean of the last 3 months (as Gain DMS plans orders)
zero         no sale yet                                 0
============ =========================================== ======================================================

*Chosen by validation*: every candidate combination is scored on the calibration windows (below) — the months just
before the forecast origin, forecast from earlier origins exactly as the real forecast will be — and each class of
the panel takes the candidate with the lowest mean MASE over its series (one choice per class, not per series:
aggregate selection, Fildes & Petropoulos 2015, is the more reliable of the two). A class with fewer than
:data:`MIN_SELECTION_SERIES` series takes the choice of regular and short series together, or its first candidate.
The candidates are medians and means of seasonal naive, STL + ETS (``stl_ets``: STL decomposition and AutoETS on
the adjusted series, R's ``stlf``), AutoCES, Theta and Dynamic Optimized Theta: on ten collections (M1, M3,
Tourism, short, intermittent and generated dealer series) the choice beats every single model on each collection,
AutoETS included (AutoARIMA where it was scored), at about a quarter of AutoETS's CPU but about twice the previous
default's; the gaps still open are listed in ``benchmarks/README.md``. Other methods: one member
(``method="ets"``), a list of members (their median) or a text such as ``"mean(ets, ces, theta)"``. Months of zeros
before a series' first sale are dropped (not launched yet); every forecast is clipped at 0.

Intervals (split conformal, calibrated on the series' own recent history)
-------------------------------------------------------------------------
The same method is run from ``W`` earlier origins — the last month less ``h``, ``2h`` … ``W·h`` months — and its
errors over the ``h`` months after each origin are the calibration sample (the earliest origin keeps at least two
thirds of the history; when ``h`` is longer than a third of it, the origins are closer and the later steps are
calibrated from the pooled scores). Each error is divided by the series' scale (its in-sample seasonal-naive mean
absolute error up to that origin, as in MASE) times ``√k`` for step ``k``; the interval at step ``k`` is
``yhat + [lower, upper quantile of those scores] × scale × √k``. A series fitted with a season at the origin but
without one at a calibration origin (too short then) has a different scale: the method's own one-step in-sample
error at each origin (normalised conformal scores), so the weaker forecast of a short window does not widen the
real forecast's band. Quantiles are taken per step when a step has :data:`MIN_SCORES_PER_STEP` scores, else over
all steps, and the lower and upper quantiles separately (so a method that tends to over-forecast gets a band that
leans down). ``W`` is the fewest windows that give every step :data:`MIN_SCORES_PER_STEP` scores, at most
:data:`MAX_CALIBRATION_WINDOWS`; a large panel calibrates (and chooses) on :data:`MAX_CALIBRATION_SERIES` of its
series. With fewer than :data:`MIN_SCORES` scores in all (a new dealership), the band is a count interval: a
negative binomial with the forecast as mean and the series' variance-to-mean ratio. Bands are clipped at 0 and
ordered ``yhat_lo_95 <= yhat_lo_80 <= yhat <= yhat_hi_80 <= yhat_hi_95``.

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
MEMBERS = ("seasonal_naive", "naive", "ets", "stl_ets", "ces", "theta", "dotm", "auto_theta", "arima", "croston",
           "adida", "imapa")
#: Combination rules of several members.
COMBINATIONS = ("median", "mean")
#: The combinations "auto" chooses among for regular and short series, by their errors on the calibration windows
#: (see the module docstring and ``benchmarks/README.md``); the first is the fallback.
AUTO_CANDIDATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("median", ("seasonal_naive", "stl_ets", "ces", "dotm")),
    ("mean", ("stl_ets", "theta", "dotm")),
    ("mean", ("stl_ets", "ces", "theta")),
    ("mean", ("stl_ets", "ces")),
)
#: The same for intermittent series (Croston's family; Syntetos–Boylan ADI cut).
INTERMITTENT_CANDIDATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("median", ("croston", "adida", "imapa")),
    ("median", ("adida",)),
    ("median", ("seasonal_naive", "theta", "adida")),
)
#: The fallback of "auto" for regular and short series (and the combination its bands fall back to).
DEFAULT_METHOD = AUTO_CANDIDATES[0]
#: Every member "auto" fits for regular and short series.
DEFAULT_MEMBERS = tuple(dict.fromkeys(m for _, members in AUTO_CANDIDATES for m in members))
#: Every member "auto" fits for intermittent series.
INTERMITTENT_MEMBERS = tuple(dict.fromkeys(m for _, members in INTERMITTENT_CANDIDATES for m in members))
#: A class needs validation errors of this many series to choose its own combination; fewer and it takes the
#: choice of all regular and short series (intermittent ones: the first candidate).
MIN_SELECTION_SERIES = 20
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
#: A calibration group (series class; in a hierarchy also totals or store × model) with this many scores gets its
#: own quantiles.
MIN_SCORES_PER_GROUP = 50
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
    """(combination, members) per series class, before any choice by validation."""
    if spec == "auto":
        return {"regular": DEFAULT_METHOD, "short": DEFAULT_METHOD, "very_short": DEFAULT_METHOD,
                "intermittent": INTERMITTENT_CANDIDATES[0], "zero": DEFAULT_METHOD}
    return {cls: spec for cls in SERIES_CLASSES}


def _spec_members(spec: Spec) -> tuple[str, ...]:
    """Every member a method may use, over all series classes."""
    if spec == "auto":
        return DEFAULT_MEMBERS + INTERMITTENT_MEMBERS
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
    seasonal: np.ndarray | None = None
    fitted: dict[str, np.ndarray] | None = None
    history: np.ndarray | None = None
    indptr: np.ndarray | None = None
    season_length: int = 1


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
    if name == "stl_ets":  # STL decomposition, non-seasonal AutoETS on the adjusted series (R's stlf)
        if season > 1:
            return models.MSTL(season_length=season, trend_forecaster=models.AutoETS(model="ZZN"), alias=name)
        return models.AutoETS(season_length=1, model="ZZN", alias=name)
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
    fitted_values = {m: np.full(len(panel.y), np.nan) for m in members}
    seconds = {m: 0.0 for m in members}
    seasonal = (n >= 2 * season_length) & (season_length > 1)
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
                out = engine.forecast(h=h, df=data, fitted=True)
                insample = engine.forecast_fitted_values()
            out = out.iloc[np.argsort(out["unique_id"].to_numpy(), kind="stable")]
            series = out["unique_id"].to_numpy().reshape(-1, h)[:, 0]
            # in-sample one-step forecasts, in the order of ``take`` (series, then month)
            insample = insample.iloc[np.lexsort((insample["ds"].to_numpy(), insample["unique_id"].to_numpy()))]
            for m in members:
                point[m][series] = out[m].to_numpy(dtype=float).reshape(-1, h) * scale[series][:, None]
                fitted_values[m][take] = insample[m].to_numpy(dtype=float) * np.repeat(scale[rows_arr], lengths)
                seconds[m] += float(getattr(engine, "forecast_times_", {}).get(m, 0.0))
    for m in members:
        point[m][classes == "zero"] = 0.0
        bad = np.isnan(point[m])
        point[m] = np.where(bad, np.broadcast_to(recent[:, None], shape), point[m])
        point[m] = np.maximum(point[m] / future_factor, 0.0)
    return _Run(ids=panel.ids, last_t=last_t, series_class=classes, h=h, point=point, dispersion=dispersion,
                recent_mean=recent, scale=error_scale, seconds=seconds, festival=festival, seasonal=seasonal,
                fitted=fitted_values, history=adjusted.y, indptr=panel.indptr, season_length=season_length)


def _specs_per_series(run: _Run, spec: Spec, choice: "_Choice | None") -> np.ndarray:
    """(combination, members) of each series of a run (None for series without a sale or under 6 months)."""
    sets = _member_sets(spec)
    specs = np.empty(len(run.ids), dtype=object)
    for i, cls in enumerate(run.series_class):
        if cls in ("zero", "very_short"):
            specs[i] = None
        elif spec == "auto" and choice is not None:
            specs[i] = choice.spec_for(run.ids[i], cls)
        else:
            specs[i] = sets[cls]
    return specs


def _combine(run: _Run, rows: np.ndarray, how: str, members: tuple[str, ...]) -> np.ndarray:
    stack = np.stack([run.point[m][rows] for m in members])
    return np.median(stack, axis=0) if how == "median" else np.mean(stack, axis=0)


def _combine_points(run: _Run, spec: Spec, choice: "_Choice | None" = None) -> tuple[np.ndarray, np.ndarray]:
    """Point forecast of a method from a run's members and its label per series.

    Series without a sale get 0 and series under :data:`MIN_MODEL_MONTHS` months their recent mean; the others
    the method's combination for their class, or with "auto" and a ``choice`` the combination chosen for the
    series' class at the forecast origin (so calibration windows are forecast as the real forecast is).
    """
    point = np.zeros((len(run.ids), run.h))
    labels = np.empty(len(run.ids), dtype=object)
    specs = _specs_per_series(run, spec, choice)
    zero = run.series_class == "zero"
    recent = run.series_class == "very_short"
    labels[zero] = "zero: no sales yet"
    labels[recent] = f"mean of the last {RECENT_MEAN_MONTHS} months"
    point[recent] = run.recent_mean[recent][:, None]
    modelled = ~(zero | recent)
    for chosen in dict.fromkeys(specs[modelled]):
        rows = np.flatnonzero(modelled & np.array([sp == chosen for sp in specs]))
        point[rows] = _combine(run, rows, *chosen)
        labels[rows] = _method_label(chosen)
    return np.maximum(np.nan_to_num(point, nan=0.0), 0.0), labels


# --------------------------------------------------------------------------- choice by validation


@dataclass
class _Choice:
    """The combination "auto" uses per series class, chosen on the calibration windows.

    ``by_class`` maps regular / short / intermittent to (combination, members); ``classes`` is each series' class
    at the forecast origin (so a calibration window uses the combination of the real forecast); ``table`` lists
    every candidate's validation error per class (``series_class, method, series, mase, chosen``).
    """

    by_class: dict[str, tuple[str, tuple[str, ...]]]
    classes: dict[str, str]
    table: pd.DataFrame

    def spec_for(self, uid: str, fallback_class: str) -> tuple[str, tuple[str, ...]]:
        cls = self.classes.get(uid, fallback_class)
        if cls not in self.by_class:
            cls = fallback_class
        return self.by_class.get(cls, DEFAULT_METHOD if cls != "intermittent" else INTERMITTENT_CANDIDATES[0])


def _validation_errors(runs: Sequence[_Run], actual: pd.Series, candidates) -> pd.DataFrame:
    """Mean scaled absolute error (MASE) per series and candidate over every calibration window and step."""
    frames = []
    for run in runs:
        if run is None:
            continue
        h = run.h
        months = run.last_t[:, None] + np.arange(1, h + 1)[None, :]
        index = pd.MultiIndex.from_arrays([np.repeat(run.ids, h), months.ravel()])
        truth = actual.reindex(index).to_numpy(dtype=float).reshape(len(run.ids), h)
        recent = run.series_class == "very_short"
        modelled = ~(recent | (run.series_class == "zero"))
        rows = np.flatnonzero(modelled)
        for k, (how, members) in enumerate(candidates):
            point = np.broadcast_to(run.recent_mean[:, None], truth.shape).copy()
            if len(rows):
                point[rows] = np.maximum(np.nan_to_num(_combine(run, rows, how, members), nan=0.0), 0.0)
            scaled = np.abs(truth - point) / run.scale[:, None]
            frames.append(pd.DataFrame({"unique_id": np.repeat(run.ids, h), "candidate": k,
                                        "error": scaled.ravel()}))
    if not frames:
        return pd.DataFrame(columns=["unique_id", "candidate", "error"])
    errors = pd.concat(frames, ignore_index=True).dropna(subset=["error"])
    return errors.groupby(["unique_id", "candidate"], as_index=False)["error"].mean()


def _select(run: _Run, calibration_runs: Sequence[_Run | None], actual: pd.Series) -> _Choice:
    """Choose the combination of each series class by the mean MASE of its series on the calibration windows.

    One choice per class of the whole panel (aggregate selection: Fildes & Petropoulos, 2015, IJF 31(3), found it
    more reliable than choosing per series). Regular and short series choose among :data:`AUTO_CANDIDATES`, a
    class with errors of fewer than :data:`MIN_SELECTION_SERIES` series taking the choice of both classes
    together (else the first candidate); intermittent series choose among :data:`INTERMITTENT_CANDIDATES`.
    """
    classes = dict(zip(map(str, run.ids), map(str, run.series_class)))
    by_class: dict[str, tuple[str, tuple[str, ...]]] = {}
    rows = []

    def best_of(errors: pd.DataFrame, candidates) -> tuple[int | None, pd.DataFrame]:
        table = errors.groupby("candidate").agg(series=("unique_id", "nunique"), mase=("error", "mean"))
        table = table.reindex(range(len(candidates)))
        enough = bool(table["series"].notna().all() and table["series"].min() >= MIN_SELECTION_SERIES)
        return (int(np.argmin(table["mase"].to_numpy())) if enough else None), table

    for candidates, group in ((AUTO_CANDIDATES, ("regular", "short")), (INTERMITTENT_CANDIDATES, ("intermittent",))):
        ids = [u for u, c in classes.items() if c in group]
        if not ids:
            continue
        runs = [None if r is None else _subset_run(r, ids) for r in calibration_runs]
        errors = _validation_errors(runs, actual, candidates)
        errors["series_class"] = errors["unique_id"].map(classes)
        pooled, pooled_table = best_of(errors, candidates)
        for cls in group:
            if cls not in classes.values():
                continue
            own, table = best_of(errors[errors["series_class"] == cls], candidates)
            if own is None and len(group) > 1 and pooled is not None:
                own, table = pooled, pooled_table
            chosen = 0 if own is None else own
            by_class[cls] = candidates[chosen]
            for k, spec in enumerate(candidates):
                rows.append({"series_class": cls, "method": _method_label(spec),
                             "series": int(np.nan_to_num(table["series"].iloc[k])), "mase": table["mase"].iloc[k],
                             "chosen": k == chosen})
    table = pd.DataFrame(rows, columns=["series_class", "method", "series", "mase", "chosen"])
    return _Choice(by_class=by_class, classes=classes, table=table)


def _subset_run(run: _Run, ids: Sequence[str]) -> _Run:
    """The run restricted to the series ``ids``."""
    keep = np.flatnonzero(np.isin(run.ids.astype(str), np.asarray(ids, dtype=str)))
    fitted, history, indptr = None, None, None
    if run.fitted is not None:
        positions = np.concatenate([np.arange(run.indptr[i], run.indptr[i + 1]) for i in keep]) if len(keep) \
            else np.zeros(0, dtype=np.int64)
        lengths = run.indptr[keep + 1] - run.indptr[keep]
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        fitted = {m: v[positions] for m, v in run.fitted.items()}
        history = run.history[positions]
    return _Run(ids=run.ids[keep], last_t=run.last_t[keep], series_class=run.series_class[keep], h=run.h,
                point={m: v[keep] for m, v in run.point.items()}, dispersion=run.dispersion[keep],
                recent_mean=run.recent_mean[keep], scale=run.scale[keep], seconds=run.seconds,
                festival=run.festival, seasonal=None if run.seasonal is None else run.seasonal[keep],
                fitted=fitted, history=history, indptr=indptr, season_length=run.season_length)


# --------------------------------------------------------------------------- calibrated intervals


@dataclass
class _Calibration:
    """Conformal quantiles of scaled errors: ``lower[level]`` and ``upper[level]`` per step (length h)."""

    lower: dict[float, np.ndarray]
    upper: dict[float, np.ndarray]
    n_scores: int
    windows: int
    per_step: bool
    scale: np.ndarray | None = None
    by_group: dict[str, tuple[dict, dict]] | None = None
    group_of: np.ndarray | None = None


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


def _quantile_arrays(stacked: np.ndarray, h: int, levels: tuple[float, ...]) -> tuple[dict, dict, bool]:
    """Lower and upper conformal quantiles per level and step (over all steps when a step has too few scores)."""
    finite = np.isfinite(stacked)
    per_step = bool(finite.sum(axis=0).min() >= MIN_SCORES_PER_STEP)
    pooled = stacked[finite]
    lower, upper = {}, {}
    for lv in levels:
        tail = (1 - lv / 100.0) / 2
        lo, hi = np.empty(h), np.empty(h)
        for k in range(h):
            sample = stacked[finite[:, k], k] if per_step else pooled
            lo[k] = np.quantile(sample, tail, method="lower")
            hi[k] = np.quantile(sample, 1 - tail, method="higher")
        lower[lv], upper[lv] = lo, hi
    return lower, upper, per_step


def _quantiles(scores: list[np.ndarray], h: int, levels: tuple[float, ...],
               groups: list[np.ndarray] | None = None) -> _Calibration | None:
    """Conformal quantiles from scaled errors ``(series, h)`` of each window (NaN where no actual).

    With ``groups`` (a key per series of each window), a group with :data:`MIN_SCORES_PER_GROUP` scores also gets
    quantiles of its own (Mondrian conformal prediction: slow movers, new models and totals each calibrated on
    their own kind when there are enough of them); the others use the pooled ones.
    """
    if not scores:
        return None
    stacked = np.concatenate(scores, axis=0)
    total = int(np.isfinite(stacked).sum())
    if total < MIN_SCORES:
        return None
    lower, upper, per_step = _quantile_arrays(stacked, h, levels)
    by_group = {}
    if groups is not None:
        keys = np.concatenate(groups)
        for key in dict.fromkeys(keys):
            own = stacked[keys == key]
            if int(np.isfinite(own).sum()) >= MIN_SCORES_PER_GROUP:
                by_group[key] = _quantile_arrays(own, h, levels)[:2]
    return _Calibration(lower=lower, upper=upper, n_scores=total, windows=len(scores), per_step=per_step,
                        by_group=by_group)


def _class_groups(origin: _Run, runs: Sequence[_Run | None]) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """The calibration group of each series — its class at the forecast origin (regular and short together) — at
    the origin and in each window."""
    def group(cls: str) -> str:
        return "regular" if cls in ("regular", "short") else cls

    at_origin = {u: group(c) for u, c in zip(origin.ids.astype(str), origin.series_class)}
    keys = np.array([at_origin[u] for u in origin.ids.astype(str)], dtype=object)
    return keys, [None if r is None else np.array([at_origin.get(u, group(c)) for u, c in
                                                   zip(r.ids.astype(str), r.series_class)], dtype=object)
                  for r in runs]


def _scaled_errors(run: _Run, point: np.ndarray, actual: pd.Series, scale: np.ndarray | None = None) -> np.ndarray:
    """(actual − forecast) ÷ (scale × √step) for a run's series; NaN where the month has no actual."""
    h = run.h
    months = run.last_t[:, None] + np.arange(1, h + 1)[None, :]
    index = pd.MultiIndex.from_arrays([np.repeat(run.ids, h), months.ravel()])
    truth = actual.reindex(index).to_numpy(dtype=float).reshape(len(run.ids), h)
    scale = run.scale if scale is None else scale
    return (truth - point) / (scale[:, None] * np.sqrt(np.arange(1, h + 1))[None, :])


def _insample_errors(run: _Run, spec: Spec, choice: "_Choice | None") -> np.ndarray:
    """Per series: mean |y − the method's one-step in-sample forecast| (NaN where there is none)."""
    out = np.full(len(run.ids), np.nan)
    if run.fitted is None:
        return out
    specs = _specs_per_series(run, spec, choice)
    for chosen in dict.fromkeys(sp for sp in specs if sp is not None):
        how, members = chosen
        if any(m not in run.fitted for m in members):
            continue
        rows = np.flatnonzero(np.array([sp == chosen for sp in specs]))
        positions = np.concatenate([np.arange(run.indptr[i], run.indptr[i + 1]) for i in rows])
        stack = np.stack([run.fitted[m][positions] for m in members])
        combined = np.median(stack, axis=0) if how == "median" else np.mean(stack, axis=0)
        residual = np.abs(run.history[positions] - combined)
        lengths = run.indptr[rows + 1] - run.indptr[rows]
        owner = np.repeat(np.arange(len(rows)), lengths)
        finite = np.isfinite(residual)
        total = np.bincount(owner[finite], weights=residual[finite], minlength=len(rows))
        count = np.bincount(owner[finite], minlength=len(rows))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[rows] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _normalisers(origin: _Run, calibration_runs: Sequence[_Run | None], offsets: Sequence[int], spec: Spec,
                 choice: "_Choice | None") -> tuple[np.ndarray, list[np.ndarray | None]]:
    """The scale each series' errors are divided by, at the forecast origin and at each calibration run (NaN:
    the window's errors of that series are left out).

    The MASE scale, except where a series is fitted with a season at the origin but is too short for one at a
    calibration origin: that window's forecast is weaker than the real one, so its errors are left out when the
    other windows give at least :data:`MIN_SCORES` errors. When they do not (every window too short, as for a
    panel of two-year-old series), those series' errors and bands are measured in the method's own one-step
    in-sample error at each origin instead (normalised conformal scores, Lei et al. 2018, JASA 113(523)), which
    grows as the forecast weakens.
    """
    scales = [None if r is None else r.scale for r in calibration_runs]
    if origin.seasonal is None or origin.indptr is None or not origin.seasonal.any():
        return origin.scale, scales
    ids = origin.ids.astype(str)
    position = {u: i for i, u in enumerate(ids)}
    months = np.diff(origin.indptr)
    changed_origin = [origin.seasonal & (months - offset < 2 * origin.season_length) for offset in offsets]
    changed_at = []
    for run, changed in zip(calibration_runs, changed_origin):
        if run is None:
            changed_at.append(None)
            continue
        idx = np.array([position.get(u, -1) for u in run.ids.astype(str)])
        changed_at.append(np.where(idx >= 0, changed[np.maximum(idx, 0)], False) & (run.series_class != "zero"))
    if not any(c is not None and c.any() for c in changed_at):
        return origin.scale, scales
    kept = sum(int(((~c) & (r.series_class != "zero")).sum()) * r.h
               for r, c in zip(calibration_runs, changed_at) if r is not None)
    if kept >= MIN_SCORES:
        return origin.scale, [None if r is None else np.where(c, np.nan, r.scale)
                              for r, c in zip(calibration_runs, changed_at)]
    changed_ids = set(ids[np.logical_or.reduce(changed_origin)])

    def scale_of(run: _Run) -> np.ndarray:
        own = np.isin(run.ids.astype(str), list(changed_ids))
        insample = _insample_errors(run, spec, choice)
        usable = own & np.isfinite(insample) & (insample > 0)
        return np.where(usable, insample, run.scale)

    return scale_of(origin), [None if r is None else scale_of(r) for r in calibration_runs]


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
            scale = run.scale if calibration.scale is None else calibration.scale
            width = scale[:, None] * root
            lower = np.broadcast_to(calibration.lower[lv][None, :], point.shape).copy()
            upper = np.broadcast_to(calibration.upper[lv][None, :], point.shape).copy()
            for key, (group_lower, group_upper) in (calibration.by_group or {}).items():
                rows = calibration.group_of == key
                lower[rows], upper[rows] = group_lower[lv], group_upper[lv]
            low = point + lower * width
            high = point + upper * width
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
        self._choices: dict[tuple, _Choice | None] = {}

    def run(self, cut: int, *, calibration: bool = False) -> _Run | None:
        key = (cut, calibration)
        if key not in self._runs:
            train = self.frame[self.frame["t"] <= cut]
            if calibration and self.subset is not None:
                train = train[train["unique_id"].isin(self.subset)]
            self._runs[key] = _run(train, self.h, **self.options) if len(train) else None
        return self._runs[key]

    def choose(self, origin: int, spec: Spec, offsets: Sequence[int]) -> _Choice | None:
        """The "auto" combinations chosen at ``origin`` on the windows ``offsets`` months before it (None for
        other methods)."""
        if spec != "auto":
            return None
        key = ("choice", origin, tuple(offsets))
        if key not in self._choices:
            run = self.run(origin)
            calibration = [self.run(origin - offset, calibration=True) for offset in offsets]
            self._choices[key] = _select(run, calibration, self.actual) if run is not None else None
        return self._choices[key]

    def calibrate(self, origin: int, spec: Spec, levels: tuple[float, ...],
                  offsets: Sequence[int], choice: _Choice | None = None) -> _Calibration | None:
        """Quantiles of the scaled errors of ``spec`` from the origins ``offsets`` months before ``origin``."""
        runs = [self.run(origin - offset, calibration=True) for offset in offsets]
        origin_scale, scales = _normalisers(self.run(origin), runs, offsets, spec, choice)
        origin_groups, groups = _class_groups(self.run(origin), runs)
        scores, keys = [], []
        for run, scale, group in zip(runs, scales, groups):
            if run is None:
                continue
            point, _ = _combine_points(run, spec, choice)
            errors = _scaled_errors(run, point, self.actual, scale)
            errors[run.series_class == "zero"] = np.nan
            scores.append(errors)
            keys.append(group)
        calibration = _quantiles(scores, self.h, levels, keys)
        if calibration is not None:
            calibration.scale, calibration.group_of = origin_scale, origin_groups
        return calibration

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


def _origins_for(frame: pd.DataFrame, h: int, *, season_length: int, spec: Spec, spring_festival: bool,
                 n_jobs: int) -> _Origins:
    """The runs of ``spec``'s members a forecast needs (a large panel calibrates on a subset of its series)."""
    ids = np.unique(frame["unique_id"].to_numpy(dtype=str))
    subset = _calibration_subset(ids)
    return _Origins(frame, h, season_length=season_length, members=_spec_members(spec),
                    spring_festival=spring_festival, n_jobs=n_jobs, subset=None if len(subset) == len(ids) else subset)


def _forecast_arrays(origins: _Origins, *, levels: tuple[float, ...], spec: Spec
                     ) -> tuple[_Run, np.ndarray, dict, dict, np.ndarray, _Choice | None]:
    """Points from the last month (the "auto" combinations chosen on the calibration windows) and bands
    calibrated on the same windows."""
    frame = origins.frame
    end = int(frame["t"].max())
    n_series = frame["unique_id"].nunique()
    run = origins.run(end)
    history = end - int(frame["t"].min()) + 1
    offsets = _calibration_offsets(n_series, origins.h, history) if levels or spec == "auto" else []
    choice = origins.choose(end, spec, offsets)
    point, labels = _combine_points(run, spec, choice)
    calibration = origins.calibrate(end, spec, levels, offsets, choice) if levels else None
    lo, hi = _intervals(run, point, calibration, levels)
    return run, point, lo, hi, labels, choice


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
    origins = _origins_for(frame, h, season_length=season_length, spec=spec, spring_festival=bool(spring_festival),
                           n_jobs=n_jobs)
    run, point, lo, hi, labels, _ = _forecast_arrays(origins, levels=levels, spec=spec)
    return _forecast_frame(run, point, lo, hi, labels)


def _check_jobs(n_jobs: object) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(f"n_jobs: expected a whole number of processes >= 1, or -1 for all cores; got {n_jobs!r}.")
    return int(n_jobs)
