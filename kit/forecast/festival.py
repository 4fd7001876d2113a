"""The Spring Festival (春节) calendar and its estimated effect on January and February sales.

The festival moves between January 21 and February 20 (:data:`SPRING_FESTIVAL_DATES`, 2010–2035), and with it
the slow weeks from New Year's Eve to the Lantern Festival (元宵). ``x`` is the share of those 16 slow days that
fall in January (2025-01-29: 0.25; 2024-02-10: 0). Per series, January's share of January + February sales is
``a + b·x``: ``b`` is common to all series (estimated within series, weighted by the Jan + Feb total, and shrunk
towards 0 by ``b² ÷ (b² + its variance)`` so a noisy estimate does little), ``a`` per series. History is moved to
a festival-neutral calendar (January and February multiplied by ``(a + b·x̄) / (a + b·x)`` and
``(1 − a − b·x̄) / (1 − a − b·x)``, ``x̄`` the 2010–2035 mean), the members forecast the neutral series, and the
forecast months are moved back to their year's festival. With January + February pairs from fewer than 3 years,
or no years with different ``x``, ``b`` is 0 and nothing changes. Years outside the table get no adjustment.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError
from kit.forecast.data import _clean_series, _Panel, _trim_leading_zeros


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


#: festival's move cannot be told from an ordinary year-to-year change in how January and February split.
MIN_FESTIVAL_YEARS = 3
#: Fewer months than this (after leading zeros) and a series is forecast by its recent mean.

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
