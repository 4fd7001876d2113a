"""Sales forecasting, honest backtests, the forecast ledger and the monthly order plan (要货计划).

Practice and numbers: ``DOMAIN.md`` §5 (monthly ordering, N+1 firm and N+2/N+3 indicative; stock depth in months
of sales with CADA's warning line at 1.5; the Spring Festival moving between January and February; the King Long
forecast-accuracy score bands). Terms: ``kit/GLOSSARY.md``. Every public function takes data and returns a new,
plain DataFrame with spelled-out column names; nothing is printed and no argument is changed.

Series data
-----------
Long format, statsforecast's names, one row per series and month:

========= ========= ==================================================================================
column    type      meaning
========= ========= ==================================================================================
unique_id str       the series, e.g. ``S1/Aurora`` (store/model, see :func:`sales_series`); returned as text
ds        month     Timestamp of the month start, or ``'YYYY-MM'``; any date inside a month counts as it
y         number    units delivered in the month (交车台数), ``>= 0``
========= ========= ==================================================================================

Sample row: ``S1/Aurora, 2026-10-01, 41``. Other columns are ignored. Bad input raises
:class:`~kit.exceptions.DataContractError` naming the series and month: text in ``y``, a negative or empty ``y``,
a month twice, a month missing inside a series (``fill_missing=True`` counts it as 0 instead, and also extends a
series that stops early with zeros up to the latest month in the frame: a model with no row sold nothing), and
a horizon ``h`` below 1.

Methods
-------
``method="auto"`` (the default) is the median of three cheap members, **seasonal naive, AutoCES and AutoTheta**
(statsforecast), chosen on the Tourism monthly benchmark (``benchmarks/results/forecast.md``, 366 series, h = 24):
alone they score MASE 1.631, 1.510 and 1.661; their median scores 1.414, below every single model measured there
(AutoETS 1.530, AutoARIMA 1.488 in the README) and below the mean of AutoETS, AutoTheta and AutoARIMA (1.452), for
about 12 CPU-s against AutoETS's 56–60 and AutoARIMA's ~1,900–4,000. Adding AutoETS to the median gains 0.003 for five
times the CPU, so AutoETS and AutoARIMA are optional members (``method="ets"``, ``method=("ces", "theta",
"ets")``). A combination weighted on a hold-out period (the last 24 train months) scored 1.415 for twice the fits:
the plain median it is. The Kaggle bar of 1.38 is **not** reached.

The series' shape decides what "auto" does, per series (column ``series_class``; the first rule that fits, from
the bottom of the table up):

============ =========================================== ======================================================
class        rule                                        forecast
============ =========================================== ======================================================
regular      ``>= 2 × season_length`` months             median(seasonal_naive, ces, theta), seasonal
short        6 months up to ``2 × season_length``        the same members without seasonality (seasonal naive
                                                         needs a year, else it is the last value)
intermittent months ÷ months with sales ``>= 1.32``     median(croston, adida, imapa) (Syntetos–Boylan ADI cut)
very_short   under 6 months (e.g. a model just launched) mean of the last 3 months (as Gain DMS plans orders)
zero         no sale yet                                 0
============ =========================================== ======================================================

Months of zeros before a series' first sale are dropped (not launched yet). Intervals are the envelope of the
members' native intervals (lowest lower and highest upper bound; AutoCES's are simulated and 15 times dearer than
its fit, so inside the ensemble only its point counts). On Tourism the envelope covered 87 % / 94 % of the actuals
for nominal 80 % / 95 % (the median of the bounds: 78 % / 90 %); the order plan's safety stock relies on it.
Members without intervals (Croston family, the recent mean) get count intervals: a negative binomial with the
forecast as mean and the series' variance-to-mean ratio (at least 1, i.e. Poisson). Everything is clipped at 0,
and ``yhat_lo_95 <= yhat_lo_80 <= yhat <= yhat_hi_80 <= yhat_hi_95``.
Each series is divided by a power of two near its mean before fitting and multiplied back afterwards: exact in
floating point, and it makes AutoCES about 15 times and AutoTheta about 2.5 times faster on large numbers.

Spring Festival (春节)
----------------------
The festival moves between January 21 and February 20 (:data:`SPRING_FESTIVAL_DATES`, 2010–2035), and with it
the slow weeks from New Year's Eve to the Lantern Festival (元宵). ``x`` is the share of those 16 slow days that
fall in January (2025-01-29: 0.25; 2024-02-10: 0). Per series, January's share of January + February sales is
``a + b·x``: ``b`` is common to all series (estimated within series, weighted by the Jan + Feb total, and shrunk
towards 0 by ``b² ÷ (b² + its variance)`` so a noisy estimate does little), ``a`` per series. History is moved to a festival-neutral calendar (January and February multiplied by ``(a + b·x̄) / (a +
b·x)`` and ``(1 − a − b·x̄) / (1 − a − b·x)``, ``x̄`` the 2010–2035 mean), the members forecast the neutral series,
and the forecast months are moved back to their year's festival. With too little history (January + February
pairs from fewer than 3 years, or no years with different ``x``) ``b`` is 0 and nothing changes: with two years
the festival's move cannot be told from an ordinary change in how January and February split. :func:`backtest` reports the ensemble with and
without the adjustment, so the report shows whether it helps (on a synthetic group whose demand loses selling
days around the festival it cut the January–February MASE from 0.823 to 0.806 and from 0.756 to 0.730 in two
hold-out years, and changed the other months by less than 0.01). :func:`spring_festival_effect` shows the estimate.
Years outside the table get no adjustment.

Order plan
----------
:func:`order_plan` with :class:`OrderPlanSettings` (the ``order_plan:`` section of ``dealer.yml``). For plan
month ``k`` (1 = N+1, firm; 2, 3 = N+2, N+3, indicative) and lead time ``L``::

    order_k = max(0, round(demand over the lead time + target stock + safety stock
                           − on hand − in transit − ordered before + demand before))

    demand over the lead time = forecast of months k … k+L−1
    target stock             = target_stock_months × forecast of month k+L (库存当量, the month after arrival)
    safety stock             = z(service_level) × √(Σ σ²) over the lead-time months,
                               σ = (yhat_hi − yhat) ÷ z of the widest forecast interval
    ordered before / demand before = the plan's own orders and forecast demand of the months before k
                               (zero for N+1), so N+2 and N+3 start from the stock the plan leaves

Rounding is half up to whole cars. Stock depth is forward (库存当量): stock ÷ the next month's forecast; now =
on hand ÷ forecast of N+1; after = expected stock when the order has arrived and the lead-time demand is sold ÷
the forecast of the month after. It is flagged at or above ``warning_stock_months`` (CADA's 1.5, which CADA
applies to the backward 库存系数, stock ÷ the past month's sales). The σ of N+2 and N+3 come from today's forecast
of those months, so their safety stock is on the generous side; those rows are indicative. Totals (``S1/ALL``) get
a plan too, for reference: it is not the sum of the models' orders (rounding, pooled safety stock).

Forecast ledger
---------------
Each monthly run saves its forecasts beside its report (:func:`save_forecasts`, file
:data:`FORECASTS_FILE_NAME` in ``reports/YYYY-MM/``); :func:`read_ledger` reads every earlier run's file and sets
what each forecast for a month against what happened.

>>> from kit import forecast as kf
>>> series = kf.sales_series(sales)                                        # doctest: +SKIP
>>> fc = kf.forecast(series, 4)                                            # doctest: +SKIP
>>> errors = kf.backtest(series, 3, windows=10)                            # doctest: +SKIP
>>> plan = kf.order_plan(fc, kf.stock_positions(stock), settings.order_plan)   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError

# --------------------------------------------------------------------------- constants

#: File name of a run's saved forecasts, in the run's report folder ``reports/YYYY-MM/``.
FORECASTS_FILE_NAME = "sales_forecast.forecasts.csv"

#: Spring Festival (春节): the first day of the lunar year. Checked against several published tables.
SPRING_FESTIVAL_DATES: dict[int, str] = {
    2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31",
    2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13",
    2030: "2030-02-03", 2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19",
    2035: "2035-02-08",
}
#: The slow days around the festival, as offsets from its first day: New Year's Eve (−1) to the Lantern
#: Festival (元宵, the 15th day, +14). "Trade is slow until the Lantern Festival" (DOMAIN §5.4).
SPRING_FESTIVAL_SLOW_DAYS = (-1, 14)

#: Members the kit can fit (statsforecast models, by the kit's names).
MEMBERS = ("seasonal_naive", "ces", "theta", "ets", "arima", "croston", "adida", "imapa")
#: The "auto" ensemble for regular and short series: median of these.
DEFAULT_MEMBERS = ("seasonal_naive", "ces", "theta")
#: The "auto" ensemble for intermittent series.
INTERMITTENT_MEMBERS = ("croston", "adida", "imapa")
#: Average demand interval (months ÷ months with sales) at or above which a series is intermittent.
INTERMITTENT_ADI = 1.32
#: Years with January + February pairs needed before the Spring Festival effect is estimated: with two years the
#: festival's move cannot be told from an ordinary year-to-year change in how January and February split.
MIN_FESTIVAL_YEARS = 3
#: Fewer months than this (after leading zeros) and a series is forecast by its recent mean.
MIN_MODEL_MONTHS = 6
#: Months in the recent mean.
RECENT_MEAN_MONTHS = 3
#: Months of history used for the variance-to-mean ratio of count intervals.
DISPERSION_MONTHS = 24

#: King Long's dealer forecast-accuracy score (DOMAIN §5.3): (upper MAPE bound in %, score).
KING_LONG_BANDS: tuple[tuple[float, int], ...] = ((20.0, 100), (50.0, 80), (100.0, 60), (200.0, 40))
KING_LONG_FLOOR_SCORE = 20

#: Label of the "all stores" / "all models" totals in :func:`sales_series` and :func:`stock_positions`.
ALL_LABEL = "ALL"
#: Separator between store and model in a series id (``S1/Aurora``).
ID_SEPARATOR = "/"

_NO_INTERVAL_MEMBERS = frozenset({"croston", "adida", "imapa"})
#: Members whose native intervals are simulated (AutoCES: 5,000 paths, ~0.1 CPU-s per series, 15 times its fit):
#: inside an ensemble their point forecast counts and the other members' intervals are used.
_SLOW_INTERVAL_MEMBERS = frozenset({"ces"})
SERIES_CLASSES = ("regular", "short", "intermittent", "very_short", "zero")
_ID_COLUMNS = ("unique_id", "ds", "y")


# --------------------------------------------------------------------------- small public helpers


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


def spring_festival_calendar(years: Iterable[int] | None = None) -> pd.DataFrame:
    """The Spring Festival date and its slow days in January and February, per year.

    Parameters
    ----------
    years : iterable of int, optional
        Years to list (2010–2035); all of them by default.

    Returns
    -------
    DataFrame
        ``year, festival_date, slow_days_january, slow_days_february, january_share`` where the slow days run
        from New Year's Eve to the Lantern Festival and ``january_share`` is the share of them in January.
    """
    years = sorted(SPRING_FESTIVAL_DATES) if years is None else [int(y) for y in years]
    unknown = [y for y in years if y not in SPRING_FESTIVAL_DATES]
    if unknown:
        raise ConfigError(f"years: the Spring Festival table covers {min(SPRING_FESTIVAL_DATES)}–"
                          f"{max(SPRING_FESTIVAL_DATES)}; got {unknown[0]}.")
    rows = []
    for year in years:
        day = pd.Timestamp(SPRING_FESTIVAL_DATES[year])
        slow = pd.date_range(day + pd.Timedelta(days=SPRING_FESTIVAL_SLOW_DAYS[0]),
                             day + pd.Timedelta(days=SPRING_FESTIVAL_SLOW_DAYS[1]), freq="D")
        january = int(((slow.month == 1) & (slow.year == year)).sum())
        february = int(((slow.month == 2) & (slow.year == year)).sum())
        rows.append((year, day, january, february, january / (january + february)))
    return pd.DataFrame(rows, columns=["year", "festival_date", "slow_days_january", "slow_days_february",
                                       "january_share"])


@functools.lru_cache(maxsize=1)
def _january_shares() -> tuple[dict[int, float], float]:
    """January share of the slow days per year, and its 2010–2035 mean (the festival-neutral share)."""
    calendar = spring_festival_calendar()
    shares = dict(zip(calendar["year"].astype(int).tolist(), calendar["january_share"].astype(float).tolist()))
    return shares, float(np.mean(list(shares.values())))


# --------------------------------------------------------------------------- argument checks


def _check_horizon(h: object, name: str = "h") -> int:
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or int(h) < 1:
        raise DataContractError(f"{name}: expected a whole number of months >= 1; got {h!r}.")
    return int(h)


def _check_levels(level: object) -> tuple[float, ...]:
    if level is None:
        return ()
    if isinstance(level, (int, float, np.number)) and not isinstance(level, bool):
        level = (level,)
    if isinstance(level, str) or not isinstance(level, Iterable):
        raise ConfigError(f"level: expected interval levels in % such as (80, 95); got {level!r}.")
    out = []
    for value in level:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value < 100:
            raise ConfigError(f"level: expected interval levels between 0 and 100 (in %); got {value!r}.")
        value = float(value)
        out.append(int(value) if value.is_integer() else value)
    return tuple(sorted(set(out)))


def _check_season(season_length: object) -> int:
    if isinstance(season_length, bool) or not isinstance(season_length, (int, np.integer)) or season_length < 1:
        raise ConfigError(f"season_length: expected a whole number of months >= 1 (12 for a yearly season); "
                          f"got {season_length!r}.")
    return int(season_length)


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


def _level_name(level: float) -> str:
    return f"{level:g}"


# --------------------------------------------------------------------------- input validation


def _month_ordinals(ds: pd.Series) -> np.ndarray:
    """Month number (year × 12 + month − 1) per value; NaN where the value is not a date."""
    if isinstance(ds.dtype, pd.PeriodDtype):
        periods = ds.dt.asfreq("M")
        return periods.dt.year.to_numpy(dtype=float) * 12 + periods.dt.month.to_numpy(dtype=float) - 1
    if pd.api.types.is_numeric_dtype(ds.dtype) and not pd.api.types.is_bool_dtype(ds.dtype):
        return np.full(len(ds), np.nan)
    if pd.api.types.is_datetime64_any_dtype(ds.dtype):
        stamps = ds
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_localize(None)
    else:
        text = ds.astype(object).where(ds.notna(), None)
        stamps = pd.to_datetime(text.map(lambda v: v if not isinstance(v, (int, float)) else None),
                                errors="coerce", format="mixed")
    years = stamps.dt.year.to_numpy(dtype=float)
    months = stamps.dt.month.to_numpy(dtype=float)
    return years * 12 + months - 1


def _ordinal_to_timestamps(ordinals: np.ndarray) -> pd.DatetimeIndex:
    ordinals = np.asarray(ordinals, dtype=np.int64)
    years, months = np.divmod(ordinals, 12)
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": years, "month": months + 1, "day": 1})))


def _ordinal_label(ordinal: float) -> str:
    year, month = divmod(int(ordinal), 12)
    return f"{year:04d}-{month + 1:02d}"


class _LazyLabels:
    """``labels[i]`` is month ``t[i]`` as 'YYYY-MM', computed only for the rows an error message names."""

    def __init__(self, t: np.ndarray):
        self.t = t

    def __getitem__(self, i: int) -> str:
        return _ordinal_label(self.t[i])


def _segment_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    return cumulative[indptr[1:]] - cumulative[indptr[:-1]]


def _raise_problems(what: str, problems: list[str]) -> None:
    if not problems:
        return
    shown = "; ".join(problems[:5])
    more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
    raise DataContractError(f"{what}: {shown}{more}.", problems)


def _clean_series(df: object, *, fill_missing: bool, what: str = "df") -> pd.DataFrame:
    """Validate a long ``unique_id, ds, y`` frame; return ``unique_id`` (str), ``t`` (month number), ``y``."""
    if not isinstance(df, pd.DataFrame):
        raise DataContractError(f"{what}: expected a DataFrame with columns unique_id, ds, y; "
                                f"got {type(df).__name__}.")
    missing = [c for c in _ID_COLUMNS if c not in df.columns]
    if missing:
        raise DataContractError(f"{what}: missing column(s) {', '.join(missing)}; expected unique_id, ds, y "
                                f"(found {', '.join(map(str, df.columns)) or 'none'}).")
    if len(df) == 0:
        raise DataContractError(f"{what}: no rows; expected at least one month per series.")
    problems: list[str] = []
    empty_id = df["unique_id"].isna().to_numpy()
    if empty_id.any():
        rows = np.flatnonzero(empty_id)[:3]
        raise DataContractError(f"{what}: unique_id is empty in row(s) {', '.join(str(r) for r in rows)} "
                                f"(0-based); expected a series name on every row.")
    ids = df["unique_id"].astype(str).to_numpy(dtype=object)
    t = _month_ordinals(df["ds"])
    for i in np.flatnonzero(np.isnan(t))[:20]:
        problems.append(f"series {ids[i]}: ds {df['ds'].iloc[i]!r} is not a month; expected a date such as "
                        f"2026-10-01 or '2026-10'")
    if problems:
        _raise_problems(what, problems)
    raw_y = df["y"]
    y = pd.to_numeric(raw_y, errors="coerce").to_numpy(dtype=float) if not pd.api.types.is_bool_dtype(
        raw_y.dtype) else np.full(len(df), np.nan)
    month_of = _LazyLabels(t)
    text = np.isnan(y) & raw_y.notna().to_numpy()
    for i in np.flatnonzero(text)[:20]:
        problems.append(f"series {ids[i]}, month {month_of[i]}: y must be a number of units; got {raw_y.iloc[i]!r}")
    empty = np.isnan(y) & ~text
    if empty.any() and not fill_missing:
        for i in np.flatnonzero(empty)[:20]:
            problems.append(f"series {ids[i]}, month {month_of[i]}: y is empty; expected a number of units "
                            f"(or pass fill_missing=True to count it as 0)")
    y = np.where(empty, 0.0, y)
    for i in np.flatnonzero(np.isinf(y))[:20]:
        problems.append(f"series {ids[i]}, month {month_of[i]}: y is infinite; expected a number of units")
    for i in np.flatnonzero(y < 0)[:20]:
        problems.append(f"series {ids[i]}, month {month_of[i]}: y = {y[i]:g} is negative; units sold cannot be "
                        f"negative")
    _raise_problems(what, problems)
    frame = pd.DataFrame({"unique_id": ids, "t": t.astype(np.int64), "y": y})
    dup = frame.duplicated(["unique_id", "t"], keep=False).to_numpy()
    if dup.any():
        counts = frame[dup].groupby(["unique_id", "t"], sort=True).size()
        for (uid, month), n in counts.head(20).items():
            problems.append(f"series {uid}, month {_ordinal_label(month)} appears {n} times; expected one row "
                            f"per series and month")
        _raise_problems(what, problems)
    frame = frame.sort_values(["unique_id", "t"], kind="mergesort").reset_index(drop=True)
    first = frame.groupby("unique_id", sort=False)["t"].transform("min").to_numpy()
    step = np.diff(frame["t"].to_numpy(), prepend=-1)
    new_series = frame["t"].to_numpy() == first
    gap = (step > 1) & ~new_series
    if gap.any() and not fill_missing:
        for i in np.flatnonzero(gap)[:20]:
            problems.append(f"series {frame['unique_id'].iat[i]}: month {_ordinal_label(frame['t'].iat[i - 1] + 1)} "
                            f"is missing; expected one row per month from the series' first month on (or pass "
                            f"fill_missing=True to count missing months as 0)")
        _raise_problems(what, problems)
    if fill_missing:
        frame = _fill_months(frame)
    return frame


def _fill_months(frame: pd.DataFrame) -> pd.DataFrame:
    """Every month from each series' first month to the frame's last month; added months get y = 0."""
    end = int(frame["t"].max())
    starts = frame.groupby("unique_id", sort=True)["t"].min()
    lengths = end - starts.to_numpy() + 1
    full = pd.DataFrame({
        "unique_id": np.repeat(starts.index.to_numpy(dtype=object), lengths),
        "t": np.concatenate([np.arange(s, end + 1) for s in starts.to_numpy()]).astype(np.int64),
    })
    out = full.merge(frame, on=["unique_id", "t"], how="left")
    out["y"] = out["y"].fillna(0.0)
    return out


# --------------------------------------------------------------------------- the engine


@dataclass
class _Panel:
    """Series as flat arrays: ``ids[i]``'s months are ``t[indptr[i]:indptr[i+1]]``."""

    ids: np.ndarray
    indptr: np.ndarray
    t: np.ndarray
    y: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> "_Panel":
        ids, codes = np.unique(frame["unique_id"].to_numpy(dtype=object).astype(str), return_inverse=True)
        order = np.lexsort((frame["t"].to_numpy(), codes))
        codes = codes[order]
        indptr = np.searchsorted(codes, np.arange(len(ids) + 1))
        return cls(ids=ids.astype(object), indptr=indptr, t=frame["t"].to_numpy(np.int64)[order],
                   y=frame["y"].to_numpy(float)[order])

    @property
    def n_series(self) -> int:
        return len(self.ids)

    def codes(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_series), np.diff(self.indptr))


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


@dataclass
class _Festival:
    """Estimated Spring Festival effect: January share ``a[i] + b·x``."""

    b: float = 0.0
    a: np.ndarray = field(default_factory=lambda: np.zeros(0))
    has_pairs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    pairs_used: int = 0
    years_used: int = 0
    unshrunk_b: float = 0.0

    def factors(self, series: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Multiplier that moves a month to the festival-neutral calendar (1 outside January and February)."""
        t = np.asarray(t, dtype=np.int64)
        out = np.ones(t.shape, dtype=float)
        if self.b == 0.0:
            return out
        shares, neutral = _january_shares()
        year, month = np.divmod(t, 12)
        x = np.array([shares.get(int(v), np.nan) for v in year.ravel()]).reshape(t.shape)
        a = np.broadcast_to(np.asarray(self.a, dtype=float)[series], t.shape)
        share_now = np.clip(a + self.b * x, 0.1, 0.9)
        share_neutral = np.clip(a + self.b * neutral, 0.1, 0.9)
        known = ~np.isnan(x)
        out = np.where(known & (month == 0), share_neutral / share_now, out)
        out = np.where(known & (month == 1), (1 - share_neutral) / (1 - share_now), out)
        return out


def _estimate_festival(panel: _Panel) -> _Festival:
    """January share of Jan + Feb per series and year, regressed on the January share of the slow days."""
    codes = panel.codes()
    year, month = np.divmod(panel.t, 12)
    jan = month == 0
    feb = month == 1
    frame_jan = pd.DataFrame({"s": codes[jan], "year": year[jan], "jan": panel.y[jan]})
    frame_feb = pd.DataFrame({"s": codes[feb], "year": year[feb], "feb": panel.y[feb]})
    pairs = frame_jan.merge(frame_feb, on=["s", "year"])
    pairs["x"] = pairs["year"].map(_january_shares()[0])
    pairs["w"] = pairs["jan"] + pairs["feb"]
    pairs = pairs[pairs["x"].notna() & (pairs["w"] > 0)]
    a = np.full(panel.n_series, np.nan)
    has = np.zeros(panel.n_series, dtype=bool)
    if pairs.empty:
        return _Festival(b=0.0, a=np.full(panel.n_series, 0.5), has_pairs=has)
    pairs = pairs.assign(share=pairs["jan"] / pairs["w"])
    grouped = pairs.groupby("s")
    wsum = grouped["w"].transform("sum")
    x_mean = (pairs["x"] * pairs["w"]).groupby(pairs["s"]).transform("sum") / wsum
    s_mean = (pairs["share"] * pairs["w"]).groupby(pairs["s"]).transform("sum") / wsum
    dx = pairs["x"] - x_mean
    denominator = float((pairs["w"] * dx * dx).sum())
    years = int(pairs["year"].nunique())
    b = raw = 0.0
    if years >= MIN_FESTIVAL_YEARS and denominator > 1e-9 * float(pairs["w"].sum()):
        raw = float((pairs["w"] * dx * (pairs["share"] - s_mean)).sum() / denominator)
        residual = pairs["share"] - s_mean - raw * dx
        df = len(pairs) - pairs["s"].nunique() - 1
        if df > 0:
            variance = float((pairs["w"] * residual * residual).sum()) / df / denominator
            b = raw * raw * raw / (raw * raw + variance) if raw != 0 else 0.0
    a_by_series = ((pairs["share"] - b * pairs["x"]) * pairs["w"]).groupby(pairs["s"]).sum() / grouped["w"].sum()
    a[a_by_series.index.to_numpy()] = a_by_series.to_numpy()
    has[a_by_series.index.to_numpy()] = True
    pooled = float(((pairs["share"] - b * pairs["x"]) * pairs["w"]).sum() / pairs["w"].sum())
    a = np.where(has, a, pooled)
    return _Festival(b=b, a=a, has_pairs=has, pairs_used=len(pairs), years_used=years, unshrunk_b=raw)


def _trim_leading_zeros(panel: _Panel) -> tuple[_Panel, np.ndarray]:
    """Drop each series' months before its first sale; return the trimmed panel and each series' last month."""
    codes = panel.codes()
    last_t = panel.t[panel.indptr[1:] - 1]
    sold = (panel.y > 0).astype(np.int64)
    cumulative = np.cumsum(sold)
    before = np.concatenate([[0], cumulative])[panel.indptr[:-1]]
    keep = (cumulative - before[codes]) > 0
    new_codes = codes[keep]
    indptr = np.searchsorted(new_codes, np.arange(panel.n_series + 1))
    return _Panel(ids=panel.ids, indptr=indptr, t=panel.t[keep], y=panel.y[keep]), last_t


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
    if name == "ces":
        return models.AutoCES(season_length=season, alias=name)
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


# --------------------------------------------------------------------------- forecast


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


def spring_festival_effect(df: pd.DataFrame, *, fill_missing: bool = False) -> pd.DataFrame:
    """The estimated Spring Festival effect per series: January's share of January + February sales.

    Parameters
    ----------
    df : DataFrame
        Long series frame ``unique_id, ds, y``.
    fill_missing : bool, default False
        As in :func:`forecast`.

    Returns
    -------
    DataFrame
        ``unique_id, january_share_festival_in_february`` (slow days all in February),
        ``january_share_festival_in_january`` (all in January), ``own_pairs`` (whether the series had its own
        January + February pairs; else the pooled share), ``effect_per_january_share`` (the common slope ``b``
        as used, after shrinkage), ``effect_before_shrinkage``, ``pairs_used`` and ``years_used`` (January +
        February pairs and their years behind ``b``, all series; under 3 years ``b`` is 0).
    """
    frame = _clean_series(df, fill_missing=fill_missing)
    panel, _ = _trim_leading_zeros(_Panel.from_frame(frame))
    effect = _estimate_festival(panel)
    return pd.DataFrame({
        "unique_id": panel.ids,
        "january_share_festival_in_february": effect.a,
        "january_share_festival_in_january": effect.a + effect.b,
        "own_pairs": effect.has_pairs,
        "effect_per_january_share": effect.b,
        "effect_before_shrinkage": effect.unshrunk_b,
        "pairs_used": effect.pairs_used,
        "years_used": effect.years_used,
    })


# --------------------------------------------------------------------------- backtest


def _scale_for_mase(values: np.ndarray, season_length: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (lag 1 for series under a season + 1)."""
    lag = season_length if len(values) > season_length else 1
    if len(values) <= lag:
        return np.nan
    scale = float(np.mean(np.abs(values[lag:] - values[:-lag])))
    return scale if scale > 0 else np.nan


def backtest(df: pd.DataFrame, h: int, *, windows: int = 12, methods: Sequence[Any] | None = None,
             season_length: int = 12, level: Sequence[float] = (80, 95), spring_festival: bool = True,
             fill_missing: bool = False) -> pd.DataFrame:
    """Rolling-origin backtest: errors per series and overall, for seasonal naive, each member and the ensemble.

    Forecast origins are the ``windows`` months ending ``h`` months before the last month of the data; from each
    origin every method forecasts ``h`` months on the data up to it, exactly as :func:`forecast` would.

    Parameters
    ----------
    df : DataFrame
        Long series frame ``unique_id, ds, y``.
    h : int
        Months forecast from each origin.
    windows : int, default 12
        Number of forecast origins, one month apart.
    methods : sequence, optional
        Methods as in :func:`forecast` (``"auto"``, member names, lists of members). Default: seasonal naive, the
        members of the auto ensemble and ``"auto"``. Seasonal naive (never festival-adjusted) is always
        included; with ``spring_festival`` the ensemble is also scored without the adjustment.
    season_length, level, spring_festival, fill_missing
        As in :func:`forecast`.

    Returns
    -------
    DataFrame
        One row per scope (``overall`` first, then ``series``), series and method: ``scope, unique_id`` (empty
        for overall), ``method, spring_festival_adjusted, n_forecasts, mase`` (mean absolute error ÷ in-sample
        seasonal-naive error since the first sale, lag 1 under 13 months, empty when that error is 0; overall:
        mean over series), ``smape_pct, bias_units`` (mean forecast − actual),
        ``bias_pct`` (total error ÷ total actual), ``mape_pct`` (King Long: mean |F − A| ÷ A over months with
        A > 0; overall: mean over series), ``king_long_score, coverage_80_pct, coverage_95_pct`` and
        ``fit_seconds`` (model fitting time summed over origins; overall rows only).
    """
    h = _check_horizon(h)
    windows = _check_horizon(windows, "windows")
    levels = _check_levels(level)
    season_length = _check_season(season_length)
    if methods is None:
        specs = ["seasonal_naive", *DEFAULT_MEMBERS, *INTERMITTENT_MEMBERS, "auto"]
    else:
        if isinstance(methods, str):
            methods = [methods]
        specs = [_check_method(m if isinstance(m, str) else tuple(m)) for m in methods]
        if "seasonal_naive" not in specs:
            specs.insert(0, "seasonal_naive")
    specs = list(dict.fromkeys(specs))
    frame = _clean_series(df, fill_missing=fill_missing)
    end = int(frame["t"].max())
    origins = [end - h - (windows - 1 - i) for i in range(windows)]
    if origins[0] < int(frame["t"].min()):
        raise InsufficientDataError(f"backtest: {windows} origins with h = {h} need at least {windows + h} "
                                    f"months of data; the data spans {end - int(frame['t'].min()) + 1}.")

    everything = tuple(m for m in MEMBERS if any(m in _spec_members(s) for s in specs))
    evaluated: list[tuple[str, Any, bool]] = []  # (label, spec, adjusted)
    for spec in specs:
        if spec == "seasonal_naive":
            evaluated.append(("seasonal_naive", spec, False))
        else:
            evaluated.append((_method_label(spec), spec, bool(spring_festival)))
    if spring_festival and "auto" in specs:
        evaluated.append(("auto", "auto", False))

    values = frame.set_index(["unique_id", "t"])["y"]
    records = []
    seconds: dict[tuple[str, bool], float] = {}
    for origin in origins:
        train = frame[frame["t"] <= origin]
        if train.empty:
            continue
        runs = {}
        if spring_festival:
            runs[True] = _run(train, h, season_length=season_length, levels=levels,
                              member_sets={c: everything for c in SERIES_CLASSES}, spring_festival=True,
                              point_only=_SLOW_INTERVAL_MEMBERS)
            plain = tuple(dict.fromkeys(("seasonal_naive",) + (DEFAULT_MEMBERS + INTERMITTENT_MEMBERS
                                                               if "auto" in specs else ())))
            runs[False] = _run(train, h, season_length=season_length, levels=levels,
                               member_sets={c: plain for c in SERIES_CLASSES}, spring_festival=False,
                               point_only=_SLOW_INTERVAL_MEMBERS)
        else:
            runs[False] = _run(train, h, season_length=season_length, levels=levels,
                               member_sets={c: everything for c in SERIES_CLASSES}, spring_festival=False,
                               point_only=_SLOW_INTERVAL_MEMBERS)
        any_run = next(iter(runs.values()))
        ids = any_run.ids
        targets = origin + np.arange(1, h + 1)
        index = pd.MultiIndex.from_arrays([np.repeat(ids, h), np.tile(targets, len(ids))])
        actual = values.reindex(index).to_numpy(dtype=float).reshape(len(ids), h)
        history, _ = _trim_leading_zeros(_Panel.from_frame(train))
        scale = np.array([_scale_for_mase(history.y[history.indptr[i]:history.indptr[i + 1]], season_length)
                          for i in range(history.n_series)])
        for label, spec, adjusted in evaluated:
            run = runs[adjusted]
            point, lo, hi, _ = _combine(run, spec)
            members = _member_sets(spec)
            used = sorted({m for c in np.unique(run.series_class) for m in members[c]})
            key = (label, adjusted)
            seconds[key] = seconds.get(key, 0.0) + sum(run.seconds.get(m, 0.0) for m in used)
            frame_rows = {
                "unique_id": np.repeat(ids, h), "method": label, "spring_festival_adjusted": adjusted,
                "yhat": point.ravel(), "actual": actual.ravel(), "scale": np.repeat(scale, h),
            }
            no_intervals = isinstance(spec, str) and spec in _SLOW_INTERVAL_MEMBERS
            for lv in (80, 95):
                if lv in run.levels and not no_intervals:
                    frame_rows[f"inside_{lv}"] = ((actual >= lo[lv]) & (actual <= hi[lv])).ravel().astype(float)
                else:
                    frame_rows[f"inside_{lv}"] = np.nan
            records.append(pd.DataFrame(frame_rows))
    detail = pd.concat(records, ignore_index=True)
    detail = detail[detail["actual"].notna()]
    return _backtest_summary(detail, evaluated, seconds)


def _backtest_summary(detail: pd.DataFrame, evaluated: list, seconds: dict) -> pd.DataFrame:
    d = detail.copy()
    d["error"] = d["yhat"] - d["actual"]
    d["abs_error"] = d["error"].abs()
    denominator = d["yhat"].abs() + d["actual"].abs()
    d["smape"] = np.where(denominator > 0, 200.0 * d["abs_error"] / denominator.where(denominator > 0, 1.0), 0.0)
    d["ape"] = np.where(d["actual"] > 0, 100.0 * d["abs_error"] / d["actual"].where(d["actual"] > 0, 1.0), np.nan)
    keys = ["unique_id", "method", "spring_festival_adjusted"]
    grouped = d.groupby(keys, sort=False)
    per_series = pd.DataFrame({
        "n_forecasts": grouped.size(),
        "mase": grouped["abs_error"].mean() / grouped["scale"].first(),
        "smape_pct": grouped["smape"].mean(),
        "bias_units": grouped["error"].mean(),
        "sum_error": grouped["error"].sum(),
        "sum_actual": grouped["actual"].sum(),
        "mape_pct": grouped["ape"].mean(),
        "coverage_80_pct": grouped["inside_80"].mean() * 100.0,
        "coverage_95_pct": grouped["inside_95"].mean() * 100.0,
    }).reset_index()
    per_series["bias_pct"] = np.where(per_series["sum_actual"] > 0, 100.0 * per_series["sum_error"]
                                      / per_series["sum_actual"].where(per_series["sum_actual"] > 0, 1.0), np.nan)
    per_series["king_long_score"] = king_long_score(per_series["mape_pct"].to_numpy())
    per_series["scope"] = "series"
    per_series["fit_seconds"] = np.nan
    overall_rows = []
    for label, _, adjusted in evaluated:
        s = per_series[(per_series["method"] == label) & (per_series["spring_festival_adjusted"] == adjusted)]
        o = d[(d["method"] == label) & (d["spring_festival_adjusted"] == adjusted)]
        if o.empty:
            continue
        total_actual = float(o["actual"].sum())
        mape = float(s["mape_pct"].mean())
        overall_rows.append({
            "scope": "overall", "unique_id": None, "method": label, "spring_festival_adjusted": adjusted,
            "n_forecasts": len(o), "mase": float(s["mase"].mean()), "smape_pct": float(o["smape"].mean()),
            "bias_units": float(o["error"].mean()),
            "bias_pct": 100.0 * float(o["error"].sum()) / total_actual if total_actual > 0 else np.nan,
            "mape_pct": mape, "king_long_score": king_long_score(mape),
            "coverage_80_pct": float(o["inside_80"].mean()) * 100.0,
            "coverage_95_pct": float(o["inside_95"].mean()) * 100.0,
            "fit_seconds": seconds.get((label, adjusted), 0.0),
        })
    columns = ["scope", "unique_id", "method", "spring_festival_adjusted", "n_forecasts", "mase", "smape_pct",
               "bias_units", "bias_pct", "mape_pct", "king_long_score", "coverage_80_pct", "coverage_95_pct",
               "fit_seconds"]
    overall = pd.DataFrame(overall_rows, columns=columns)
    order = {(label, adjusted): i for i, (label, _, adjusted) in enumerate(evaluated)}
    per_series["_order"] = [order[(m, a)] for m, a in zip(per_series["method"], per_series["spring_festival_adjusted"])]
    per_series = per_series.sort_values(["unique_id", "_order"], kind="mergesort")[columns]
    out = pd.concat([overall.astype({"unique_id": object}), per_series.astype({"unique_id": object})],
                    ignore_index=True)
    out["n_forecasts"] = out["n_forecasts"].astype(np.int64)
    out["spring_festival_adjusted"] = out["spring_festival_adjusted"].astype(bool)
    return out


# --------------------------------------------------------------------------- order plan


def _setting_number(value: object, name: str, *, low: float, high: float, integer: bool = False,
                    low_open: bool = False, high_open: bool = False, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                           and math.isnan(value)):
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{name}: expected {kind}{unit}; got {value!r}.")
    if integer and float(value) != int(value):
        raise ConfigError(f"{name}: expected a whole number{unit}; got {value!r}.")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ConfigError(f"{name}: expected a value in {left}{low:g}, {high:g}{right}{unit}; got {value!r}.")
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class OrderPlanSettings:
    """The ``order_plan:`` section of ``dealer.yml``.

    .. code-block:: yaml

        order_plan:
          horizon_months: 3          # plan months: N+1 … N+horizon (1–12)
          firm_months: 1             # the first month(s) are firm, the rest indicative (1–horizon_months)
          lead_time_months: 1        # months from order to arrival (1–6)
          target_stock_months: 1.0   # stock wanted when the order arrives, in months of sales (0–6)
          service_level: 0.95        # chance of not running out during the lead time (0.5–0.999)
          warning_stock_months: 1.5  # CADA's warning line for stock depth (> 0, up to 12)

    Attributes
    ----------
    horizon_months, firm_months, lead_time_months : int
    target_stock_months, service_level, warning_stock_months : float
    """

    horizon_months: int = 3
    firm_months: int = 1
    lead_time_months: int = 1
    target_stock_months: float = 1.0
    service_level: float = 0.95
    warning_stock_months: float = 1.5

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None, *, where: str = "order_plan") -> "OrderPlanSettings":
        """Parse the ``order_plan:`` section; missing keys take their defaults.

        Raises
        ------
        ConfigError
            An unknown, ill-typed or out-of-range setting, naming it (``order_plan.service_level: …``).
        """
        if mapping is None:
            mapping = {}
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.")
        known = {"horizon_months", "firm_months", "lead_time_months", "target_stock_months", "service_level",
                 "warning_stock_months"}
        unknown = sorted(str(k) for k in set(mapping) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are "
                              f"{', '.join(sorted(known))}.")
        base = cls()
        horizon = _setting_number(mapping.get("horizon_months", base.horizon_months), f"{where}.horizon_months",
                                  low=1, high=12, integer=True, unit=" of months")
        firm = _setting_number(mapping.get("firm_months", base.firm_months), f"{where}.firm_months",
                               low=1, high=horizon, integer=True, unit=" of months")
        lead = _setting_number(mapping.get("lead_time_months", base.lead_time_months), f"{where}.lead_time_months",
                               low=1, high=6, integer=True, unit=" of months")
        target = _setting_number(mapping.get("target_stock_months", base.target_stock_months),
                                 f"{where}.target_stock_months", low=0, high=6, unit=" (months of sales)")
        service = _setting_number(mapping.get("service_level", base.service_level), f"{where}.service_level",
                                  low=0.5, high=0.999, unit=" (0.95 = 95 %)")
        warning = _setting_number(mapping.get("warning_stock_months", base.warning_stock_months),
                                  f"{where}.warning_stock_months", low=0, high=12, low_open=True,
                                  unit=" (months of sales)")
        return cls(horizon_months=horizon, firm_months=firm, lead_time_months=lead, target_stock_months=target,
                   service_level=service, warning_stock_months=warning)

    @property
    def forecast_months_needed(self) -> int:
        """Months of forecast the plan needs: ``horizon_months + lead_time_months``."""
        return self.horizon_months + self.lead_time_months


def _forecast_matrix(fc: pd.DataFrame, months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """First ``months`` forecast months per series: ids, first month, yhat and sigma matrices, the level used."""
    if not isinstance(fc, pd.DataFrame):
        raise DataContractError(f"forecast: expected the DataFrame returned by forecast(); got {type(fc).__name__}.")
    missing = [c for c in ("unique_id", "ds", "yhat") if c not in fc.columns]
    if missing:
        raise DataContractError(f"forecast: missing column(s) {', '.join(missing)}; expected the frame returned by "
                                f"forecast().")
    levels = sorted(float(m.group(1)) for c in fc.columns if (m := re.fullmatch(r"yhat_hi_(\d+(?:\.\d+)?)", c)))
    if not levels:
        raise DataContractError("forecast: no interval column such as yhat_hi_95; the safety stock needs the "
                                "forecast intervals (call forecast() with level=(80, 95)).")
    widest = levels[-1]
    hi_col = f"yhat_hi_{_level_name(widest)}"
    t = _month_ordinals(fc["ds"])
    if np.isnan(t).any():
        raise DataContractError("forecast: ds has values that are not months.")
    data = pd.DataFrame({"unique_id": fc["unique_id"].astype(str).to_numpy(dtype=object), "t": t.astype(np.int64),
                         "yhat": pd.to_numeric(fc["yhat"], errors="coerce"),
                         "hi": pd.to_numeric(fc[hi_col], errors="coerce")})
    if data[["yhat", "hi"]].isna().any().any() or (data["yhat"] < 0).any():
        bad = data[data[["yhat", "hi"]].isna().any(axis=1) | (data["yhat"] < 0)].iloc[0]
        raise DataContractError(f"forecast: series {bad['unique_id']}, month {_ordinal_label(bad['t'])}: yhat and "
                                f"{hi_col} must be numbers >= 0.")
    if data.duplicated(["unique_id", "t"]).any():
        bad = data[data.duplicated(["unique_id", "t"])].iloc[0]
        raise DataContractError(f"forecast: series {bad['unique_id']}, month {_ordinal_label(bad['t'])} appears "
                                f"twice.")
    data = data.sort_values(["unique_id", "t"], kind="mergesort")
    ids, first_rows = np.unique(data["unique_id"].to_numpy(dtype=str), return_index=True)
    counts = data.groupby("unique_id", sort=True).size().to_numpy()
    yhat = np.zeros((len(ids), months))
    hi = np.zeros((len(ids), months))
    start = np.zeros(len(ids), dtype=np.int64)
    t_all = data["t"].to_numpy()
    y_all = data["yhat"].to_numpy(float)
    hi_all = data["hi"].to_numpy(float)
    for i, (row, count) in enumerate(zip(first_rows, counts)):
        if count < months:
            raise DataContractError(f"forecast: series {ids[i]} has {count} month(s) of forecast; the order plan needs "
                                    f"{months} (horizon_months + lead_time_months): call forecast() with h >= "
                                    f"{months}.")
        months_t = t_all[row:row + months]
        if np.any(np.diff(months_t) != 1):
            raise DataContractError(f"forecast: series {ids[i]} skips a month after {_ordinal_label(months_t[0])}; "
                                    f"expected consecutive months.")
        start[i] = months_t[0]
        yhat[i] = y_all[row:row + months]
        hi[i] = hi_all[row:row + months]
    from scipy import stats

    z_level = float(stats.norm.ppf(0.5 + widest / 200.0))
    sigma = np.maximum(hi - yhat, 0.0) / z_level
    return ids.astype(object), start, yhat, sigma, widest


def _stock_frame(stock: object) -> pd.DataFrame:
    if not isinstance(stock, pd.DataFrame):
        raise DataContractError(f"stock: expected a DataFrame with columns unique_id, on_hand, in_transit; "
                                f"got {type(stock).__name__}.")
    missing = [c for c in ("unique_id", "on_hand", "in_transit") if c not in stock.columns]
    if missing:
        raise DataContractError(f"stock: missing column(s) {', '.join(missing)}; expected unique_id, on_hand, "
                                f"in_transit (stock_positions() builds them from the stock table).")
    out = pd.DataFrame({"unique_id": stock["unique_id"].astype(str).to_numpy(dtype=object)})
    problems = []
    for col in ("on_hand", "in_transit"):
        values = pd.to_numeric(stock[col], errors="coerce")
        for i in np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())[:10]:
            problems.append(f"series {out['unique_id'].iat[i]}: {col} must be a number of cars >= 0; got "
                            f"{stock[col].iloc[i]!r}")
        out[col] = values.to_numpy(dtype=float)
    for uid in out.loc[out["unique_id"].duplicated(), "unique_id"].unique()[:10]:
        problems.append(f"series {uid} appears more than once; expected one stock row per series")
    _raise_problems("stock", problems)
    return out


def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    return np.where(denominator > 0, ratio, np.where(numerator > 0, np.inf, 0.0))


def order_plan(forecast: pd.DataFrame, stock: pd.DataFrame,
               settings: OrderPlanSettings | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Suggested orders for N+1 (firm) and N+2, N+3 (indicative), with every term of the formula.

    Parameters
    ----------
    forecast : DataFrame
        The frame returned by :func:`forecast`, with at least ``settings.forecast_months_needed`` months per series
        and an upper interval column (the widest, e.g. ``yhat_hi_95``, sets the safety stock).
    stock : DataFrame
        ``unique_id, on_hand, in_transit`` (cars, >= 0; see :func:`stock_positions`). A series without a stock row
        counts as 0 on hand and 0 in transit; stock rows without a forecast are ignored.
    settings : OrderPlanSettings or mapping, optional
        The ``order_plan:`` settings; defaults when None.

    Returns
    -------
    DataFrame
        One row per series and plan month: ``unique_id, plan_month, months_ahead, plan`` (firm/indicative),
        ``forecast_units, demand_lead_time_units, demand_after_lead_time_units, target_stock_months,
        target_stock_units, service_level, safety_stock_units, on_hand_units, in_transit_units,
        ordered_before_units, demand_before_units, order_before_rounding_units, suggested_order_units`` (whole
        cars, >= 0), ``stock_months_now, stock_after_units, stock_months_after, warning_stock_months,
        stock_warning_now, stock_warning_after``. The formula is in the module docstring.

    Raises
    ------
    DataContractError
        A forecast too short for the plan, missing intervals, or bad stock values.
    """
    if settings is None:
        settings = OrderPlanSettings()
    elif isinstance(settings, Mapping):
        settings = OrderPlanSettings.from_mapping(settings)
    elif not isinstance(settings, OrderPlanSettings):
        raise ConfigError(f"settings: expected OrderPlanSettings or a mapping; got {type(settings).__name__}.")
    from scipy import stats

    horizon, lead = settings.horizon_months, settings.lead_time_months
    ids, start, demand, sigma, _ = _forecast_matrix(forecast, settings.forecast_months_needed)
    positions = _stock_frame(stock).set_index("unique_id")
    on_hand = positions["on_hand"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
    in_transit = positions["in_transit"].reindex(ids).fillna(0.0).to_numpy(dtype=float)
    z = float(stats.norm.ppf(settings.service_level))
    ordered_before = np.zeros(len(ids))
    demand_before = np.zeros(len(ids))
    stock_months_now = _safe_ratio(on_hand, demand[:, 0])
    parts = []
    for k in range(horizon):
        lead_demand = demand[:, k:k + lead].sum(axis=1)
        after_lead = demand[:, k + lead]
        target = settings.target_stock_months * after_lead
        safety = z * np.sqrt((sigma[:, k:k + lead] ** 2).sum(axis=1))
        raw = lead_demand + target + safety - on_hand - in_transit - ordered_before + demand_before
        order = np.maximum(np.floor(raw + 0.5), 0.0)
        stock_after = np.maximum(on_hand + in_transit + ordered_before + order - demand_before - lead_demand, 0.0)
        stock_months_after = _safe_ratio(stock_after, after_lead)
        parts.append(pd.DataFrame({
            "unique_id": ids,
            "plan_month": _ordinal_to_timestamps(start + k),
            "months_ahead": k + 1,
            "plan": "firm" if k < settings.firm_months else "indicative",
            "forecast_units": demand[:, k],
            "demand_lead_time_units": lead_demand,
            "demand_after_lead_time_units": after_lead,
            "target_stock_months": settings.target_stock_months,
            "target_stock_units": target,
            "service_level": settings.service_level,
            "safety_stock_units": safety,
            "on_hand_units": on_hand,
            "in_transit_units": in_transit,
            "ordered_before_units": ordered_before.copy(),
            "demand_before_units": demand_before.copy(),
            "order_before_rounding_units": raw,
            "suggested_order_units": order.astype(np.int64),
            "stock_months_now": stock_months_now,
            "stock_after_units": stock_after,
            "stock_months_after": stock_months_after,
            "warning_stock_months": settings.warning_stock_months,
            "stock_warning_now": stock_months_now >= settings.warning_stock_months,
            "stock_warning_after": stock_months_after >= settings.warning_stock_months,
        }))
        ordered_before = ordered_before + order
        demand_before = demand_before + demand[:, k]
    plan = pd.concat(parts, ignore_index=True)
    return plan.sort_values(["unique_id", "months_ahead"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- the dealer's tables as series


def _month_column(values: pd.Series, what: str) -> np.ndarray:
    t = _month_ordinals(values)
    if np.isnan(t).any():
        i = int(np.flatnonzero(np.isnan(t))[0])
        raise DataContractError(f"{what}: month {values.iloc[i]!r} (row {i}, 0-based) is not a month such as "
                                f"'2026-10'.")
    return t.astype(np.int64)


def sales_series(sales: pd.DataFrame, *, value: str = "units", totals: bool = True) -> pd.DataFrame:
    """Turn the sales table into long series: one per store and model, plus store and group totals.

    Parameters
    ----------
    sales : DataFrame
        The sales table (``kit.io.load_sales``): ``month`` ('YYYY-MM'), ``store_id``, ``model`` and ``value``.
    value : str, default "units"
        The column to forecast.
    totals : bool, default True
        Add ``S1/ALL`` per store (all models) and ``ALL/ALL`` (the group).

    Returns
    -------
    DataFrame
        ``unique_id`` (``store/model``), ``ds`` (month start), ``y``, ``store_id``, ``model``. Months without a
        row between a series' first month and the table's last month count as 0 (no deliveries).
    """
    if not isinstance(sales, pd.DataFrame):
        raise DataContractError(f"sales: expected a DataFrame; got {type(sales).__name__}.")
    missing = [c for c in ("month", "store_id", "model", value) if c not in sales.columns]
    if missing:
        raise DataContractError(f"sales: missing column(s) {', '.join(missing)}; expected month, store_id, model, "
                                f"{value}.")
    if sales.empty:
        raise DataContractError("sales: no rows; expected monthly deliveries per store and model.")
    t = _month_column(sales["month"], "sales")
    y = pd.to_numeric(sales[value], errors="coerce")
    if y.isna().any() or (y < 0).any():
        i = int(np.flatnonzero(y.isna().to_numpy() | (y < 0).to_numpy())[0])
        raise DataContractError(f"sales: store {sales['store_id'].iloc[i]}, model {sales['model'].iloc[i]}, month "
                                f"{sales['month'].iloc[i]}: {value} must be a number >= 0; got "
                                f"{sales[value].iloc[i]!r}.")
    base = pd.DataFrame({"store_id": sales["store_id"].astype(str).to_numpy(dtype=object),
                         "model": sales["model"].astype(str).to_numpy(dtype=object), "t": t,
                         "y": y.to_numpy(dtype=float)})
    base = base.groupby(["store_id", "model", "t"], as_index=False)["y"].sum()
    base["unique_id"] = base["store_id"] + ID_SEPARATOR + base["model"]
    filled = _fill_months(base[["unique_id", "t", "y"]])
    keys = base.drop_duplicates("unique_id").set_index("unique_id")[["store_id", "model"]]
    filled = filled.join(keys, on="unique_id")
    frames = [filled]
    if totals:
        store = filled.groupby(["store_id", "t"], as_index=False)["y"].sum().assign(model=ALL_LABEL)
        group = filled.groupby("t", as_index=False)["y"].sum().assign(store_id=ALL_LABEL, model=ALL_LABEL)
        frames += [store, group]
    out = pd.concat(frames, ignore_index=True)
    out["unique_id"] = out["store_id"] + ID_SEPARATOR + out["model"]
    out["ds"] = _ordinal_to_timestamps(out["t"].to_numpy())
    out = out.sort_values(["unique_id", "t"], kind="mergesort").reset_index(drop=True)
    return out[["unique_id", "ds", "y", "store_id", "model"]]


def stock_positions(stock: pd.DataFrame, *, totals: bool = True) -> pd.DataFrame:
    """Turn the stock table into ``unique_id, on_hand, in_transit`` rows matching :func:`sales_series`.

    Parameters
    ----------
    stock : DataFrame
        The stock table (``kit.io.load_stock``): ``store_id, model, on_hand, in_transit``.
    totals : bool, default True
        Add store totals (``S1/ALL``) and the group total (``ALL/ALL``).

    Returns
    -------
    DataFrame
        ``unique_id, store_id, model, on_hand, in_transit``.
    """
    if not isinstance(stock, pd.DataFrame):
        raise DataContractError(f"stock: expected a DataFrame; got {type(stock).__name__}.")
    missing = [c for c in ("store_id", "model", "on_hand", "in_transit") if c not in stock.columns]
    if missing:
        raise DataContractError(f"stock: missing column(s) {', '.join(missing)}; expected store_id, model, on_hand, "
                                f"in_transit.")
    base = pd.DataFrame({"store_id": stock["store_id"].astype(str).to_numpy(dtype=object),
                         "model": stock["model"].astype(str).to_numpy(dtype=object)})
    for col in ("on_hand", "in_transit"):
        values = pd.to_numeric(stock[col], errors="coerce")
        if values.isna().any() or (values < 0).any():
            i = int(np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())[0])
            raise DataContractError(f"stock: store {base['store_id'].iat[i]}, model {base['model'].iat[i]}: {col} "
                                    f"must be a number of cars >= 0; got {stock[col].iloc[i]!r}.")
        base[col] = values.to_numpy(dtype=float)
    base = base.groupby(["store_id", "model"], as_index=False)[["on_hand", "in_transit"]].sum()
    frames = [base]
    if totals:
        frames.append(base.groupby("store_id", as_index=False)[["on_hand", "in_transit"]].sum()
                      .assign(model=ALL_LABEL))
        frames.append(pd.DataFrame({"store_id": [ALL_LABEL], "model": [ALL_LABEL],
                                    "on_hand": [base["on_hand"].sum()], "in_transit": [base["in_transit"].sum()]}))
    out = pd.concat(frames, ignore_index=True)
    out["unique_id"] = out["store_id"] + ID_SEPARATOR + out["model"]
    return out[["unique_id", "store_id", "model", "on_hand", "in_transit"]].sort_values(
        "unique_id", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- forecast ledger


def _parse_run_month(month: object, name: str) -> int:
    if isinstance(month, pd.Period):
        return int(month.asfreq("M").ordinal + 1970 * 12)
    if isinstance(month, (pd.Timestamp,)):
        return month.year * 12 + month.month - 1
    if isinstance(month, str) and re.fullmatch(r"\d{4}-\d{2}", month.strip()):
        year, mon = month.strip().split("-")
        if 1 <= int(mon) <= 12:
            return int(year) * 12 + int(mon) - 1
    raise ConfigError(f"{name}: expected a month such as '2026-10'; got {month!r}.")


def save_forecasts(fc: pd.DataFrame, path: str | Path, *, run_month: str) -> Path:
    """Save a run's forecasts beside its report, for later runs' ledgers.

    Parameters
    ----------
    fc : DataFrame
        The frame returned by :func:`forecast`.
    path : str or Path
        The run's report folder (``reports/YYYY-MM``; the file is :data:`FORECASTS_FILE_NAME` in it), or a path
        ending in ``.csv``. Folders are created; the file is replaced whole, never half-written.
    run_month : str
        The run's reporting month, ``'YYYY-MM'`` (the last month of actuals the forecast was made from).

    Returns
    -------
    Path
        The written file: ``run_month, unique_id, ds`` ('YYYY-MM'), ``months_ahead, yhat``, the interval columns
        and, when present, ``method, series_class``. UTF-8 with BOM, so Excel shows Chinese names.
    """
    run = _parse_run_month(run_month, "run_month")
    if not isinstance(fc, pd.DataFrame) or any(c not in fc.columns for c in ("unique_id", "ds", "yhat")):
        raise DataContractError("forecasts: expected the DataFrame returned by forecast() (unique_id, ds, yhat).")
    t = _month_ordinals(fc["ds"])
    if np.isnan(t).any():
        raise DataContractError("forecasts: ds has values that are not months.")
    interval = [c for c in fc.columns if re.fullmatch(r"yhat_(lo|hi)_\d+(\.\d+)?", str(c))]
    out = pd.DataFrame({"run_month": _ordinal_label(run), "unique_id": fc["unique_id"].astype(str).to_numpy(),
                        "ds": [_ordinal_label(v) for v in t], "months_ahead": (t - run).astype(np.int64),
                        "yhat": pd.to_numeric(fc["yhat"], errors="coerce").to_numpy(dtype=float)})
    for col in interval + [c for c in ("method", "series_class") if c in fc.columns]:
        out[col] = fc[col].to_numpy()
    target = Path(path)
    if target.suffix.lower() != ".csv":
        target = target / FORECASTS_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    out.to_csv(temporary, index=False, encoding="utf-8-sig")
    os.replace(temporary, target)
    return target


_LEDGER_COLUMNS = ["unique_id", "ds", "run_month", "months_ahead", "yhat"]


def read_ledger(reports_dir: str | Path, *, month: str | None, actuals: pd.DataFrame | None = None) -> pd.DataFrame:
    """What every earlier run forecast for ``month``, against what happened.

    Parameters
    ----------
    reports_dir : str or Path
        The folder holding one sub-folder per run (``reports/``); every ``*/sales_forecast.forecasts.csv`` is read.
    month : str or None
        The month to check, ``'YYYY-MM'``: rows of runs before it that forecast it. None: every forecast month of
        every run (the whole track record).
    actuals : DataFrame, optional
        Long ``unique_id, ds, y`` frame of what was sold; without it the actual columns are empty.

    Returns
    -------
    DataFrame
        ``unique_id, ds, run_month, months_ahead, yhat``, the saved interval columns and ``method``, then
        ``actual, error_units`` (yhat − actual), ``abs_pct_error`` (% of actual, empty when actual is 0),
        ``king_long_score``, ``inside_80, inside_95`` (actual within the interval). Sorted by series, month and
        run. Empty (with these columns) when no earlier run saved forecasts.
    """
    target = None if month is None else _parse_run_month(month, "month")
    folder = Path(reports_dir)
    frames = []
    for file in sorted(folder.glob(f"*/{FORECASTS_FILE_NAME}")):
        try:
            saved = pd.read_csv(file, dtype={"unique_id": str, "run_month": str, "ds": str}, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataContractError(f"{file}: cannot read the saved forecasts ({exc}).") from None
        missing = [c for c in _LEDGER_COLUMNS if c not in saved.columns]
        if missing:
            raise DataContractError(f"{file}: missing column(s) {', '.join(missing)}; expected a file written by "
                                    f"save_forecasts().")
        runs = [_parse_run_month(v, f"{file}: run_month") for v in saved["run_month"]]
        months = [_parse_run_month(v, f"{file}: ds") for v in saved["ds"]]
        saved = saved.assign(_run=runs, _t=months)
        frames.append(saved)
    interval = sorted({c for f in frames for c in f.columns if re.fullmatch(r"yhat_(lo|hi)_\d+(\.\d+)?", c)},
                      key=lambda c: (float(c.rsplit("_", 1)[1]), c.split("_")[1] == "hi"))
    columns = _LEDGER_COLUMNS + interval + ["method", "actual", "error_units", "abs_pct_error", "king_long_score",
                                           "inside_80", "inside_95"]
    if not frames:
        return pd.DataFrame(columns=columns)
    ledger = pd.concat(frames, ignore_index=True)
    if target is not None:
        ledger = ledger[(ledger["_t"] == target) & (ledger["_run"] < target)]
    ledger = ledger.drop_duplicates(["_run", "unique_id", "_t"], keep="last")
    if actuals is not None:
        truth = _clean_series(actuals, fill_missing=True, what="actuals").rename(columns={"t": "_t", "y": "actual"})
        ledger = ledger.merge(truth, on=["unique_id", "_t"], how="left")
    else:
        ledger["actual"] = np.nan
    ledger["error_units"] = ledger["yhat"] - ledger["actual"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ledger["abs_pct_error"] = np.where(ledger["actual"] > 0, 100.0 * ledger["error_units"].abs()
                                           / ledger["actual"], np.nan)
    ledger["king_long_score"] = king_long_score(ledger["abs_pct_error"].to_numpy(dtype=float))
    for lv in (80, 95):
        lo, hi = f"yhat_lo_{lv}", f"yhat_hi_{lv}"
        if lo in ledger.columns and hi in ledger.columns:
            inside = (ledger["actual"] >= ledger[lo]) & (ledger["actual"] <= ledger[hi])
            ledger[f"inside_{lv}"] = inside.astype(object).where(ledger["actual"].notna(), None)
        else:
            ledger[f"inside_{lv}"] = None
    if "method" not in ledger.columns:
        ledger["method"] = None
    ledger["ds"] = _ordinal_to_timestamps(ledger["_t"].to_numpy())
    ledger["run_month"] = [_ordinal_label(v) for v in ledger["_run"]]
    ledger["months_ahead"] = (ledger["_t"] - ledger["_run"]).astype(np.int64)
    ledger = ledger.sort_values(["unique_id", "_t", "_run"], kind="mergesort").reset_index(drop=True)
    return ledger[columns]
