"""Input checks and month arithmetic shared by the forecasting modules.

Series frames are long ``unique_id, ds, y`` (statsforecast's names), one row per series and month; months are
handled internally as integers ``year × 12 + month − 1``. Bad input raises
:class:`~kit.exceptions.DataContractError` naming the series and month.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError

_ID_COLUMNS = ("unique_id", "ds", "y")


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




def _level_name(level: float) -> str:
    return f"{level:g}"




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



def _safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    return np.where(denominator > 0, ratio, np.where(numerator > 0, np.inf, 0.0))


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
