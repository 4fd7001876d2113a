"""Tests of kit.forecast.hierarchy: forecasts that add up at every level of group → store → model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit import forecast as kf
from kit.exceptions import ConfigError, DataContractError


def generated_group(n_stores: int, n_models: int, *, months: int = 40, seed: int = 0,
                    launched: dict[str, int] | None = None) -> pd.DataFrame:
    """Store × model deliveries: level × season × Poisson noise; ``launched`` = {id: months on sale}."""
    rng = np.random.default_rng(seed)
    ds = pd.period_range("2023-07", periods=months, freq="M").to_timestamp()
    season = 1 + 0.25 * np.sin(2 * np.pi * np.arange(months) / 12)
    frames = []
    for s in range(1, n_stores + 1):
        for m in range(n_models):
            uid = f"S{s}/M{m}"
            y = rng.poisson(rng.uniform(0.5, 12) * season).astype(float)
            keep = (launched or {}).get(uid, months)
            frames.append(pd.DataFrame({"unique_id": uid, "ds": ds[-keep:], "y": y[-keep:]}))
    return pd.concat(frames, ignore_index=True)


def assert_coherent(fc: pd.DataFrame, column: str = "yhat") -> float:
    """Every total equals the sum of its parts, month by month; returns the largest gap."""
    wide = fc.pivot(index="ds", columns="unique_id", values=column)
    bottom = [c for c in wide.columns if "ALL" not in c.split("/")]
    gaps = []
    for uid in wide.columns:
        store, model = uid.split("/")
        if uid in bottom:
            continue
        parts = [b for b in bottom if (store == "ALL" or b.split("/")[0] == store)
                 and (model == "ALL" or b.split("/")[1] == model)]
        gaps.append(np.abs(wide[uid] - wide[parts].sum(axis=1)).max())
    return float(max(gaps))


@pytest.fixture(scope="module")
def group() -> pd.DataFrame:
    return generated_group(3, 4, seed=1, launched={"S2/M3": 5})


@pytest.mark.parametrize("method", ["mint_shrink", "bottom_up"])
def test_every_level_adds_up(group, method):
    # the base forecasts are Theta's (quick); the default's own reconciled forecast is tested end to end (slow)
    fc = kf.reconcile(group, 4, method=method, forecast_method="theta", spring_festival=False)
    # 12 store × model, 3 stores, 4 models over the stores, 1 group = 20 series × 4 months
    assert fc["unique_id"].nunique() == 20 and len(fc) == 80
    assert assert_coherent(fc) < 1e-6 * fc["yhat"].max()
    assert (fc["yhat"] >= 0).all()
    ordered = ((fc["yhat_lo_95"] <= fc["yhat_lo_80"]) & (fc["yhat_lo_80"] <= fc["yhat"])
               & (fc["yhat"] <= fc["yhat_hi_80"]) & (fc["yhat_hi_80"] <= fc["yhat_hi_95"]))
    assert ordered.all()
    # the base forecasts, each made on its own, do not add up
    assert assert_coherent(fc, "base_yhat") > 1e-3


def test_bottom_up_keeps_the_bottom_forecasts(group):
    fc = kf.reconcile(group, 3, method="bottom_up", forecast_method="theta", spring_festival=False)
    bottom = fc[fc["level"] == "store_model"]
    np.testing.assert_allclose(bottom["yhat"], bottom["base_yhat"], rtol=1e-5)


def test_levels_and_order(group):
    fc = kf.reconcile(group, 2, forecast_method="theta", spring_festival=False, level=(80,))
    assert fc["level"].drop_duplicates().tolist() == ["group", "store", "model", "store_model"]
    assert fc["unique_id"].iloc[0] == "ALL/ALL"
    assert {"yhat_lo_80", "yhat_hi_80", "base_yhat", "series_class", "method"} <= set(fc.columns)
    assert "yhat_hi_95" not in fc.columns


def test_totals_in_the_input_are_rebuilt_from_the_bottom(group):
    # a wrong total in the input must not matter: the hierarchy is rebuilt from the store × model series
    wrong = pd.concat([group, group[group["unique_id"] == "S1/M0"].assign(unique_id="S1/ALL", y=1000.0)])
    fc = kf.reconcile(wrong, 2, method="bottom_up", forecast_method="theta", spring_festival=False, level=())
    right = kf.reconcile(group, 2, method="bottom_up", forecast_method="theta", spring_festival=False, level=())
    pd.testing.assert_frame_equal(fc, right)


def test_sales_series_feed_reconciliation():
    sales = pd.DataFrame({
        "month": np.repeat(pd.period_range("2024-01", periods=30, freq="M").strftime("%Y-%m"), 4),
        "store_id": np.tile(["S1", "S1", "S2", "S2"], 30),
        "model": np.tile(["Aurora", "Breeze", "Aurora", "Breeze"], 30),
        "units": np.random.default_rng(4).poisson(6, 120),
    })
    series = kf.sales_series(sales)
    assert set(series["unique_id"]) == {"S1/Aurora", "S1/Breeze", "S2/Aurora", "S2/Breeze", "S1/ALL", "S2/ALL",
                                        "ALL/Aurora", "ALL/Breeze", "ALL/ALL"}
    fc = kf.reconcile(series, 3, forecast_method="theta", spring_festival=False)
    assert assert_coherent(fc) < 1e-6 * fc["yhat"].max()


def test_hierarchy_levels_by_id():
    levels = kf.hierarchy_levels(["ALL/ALL", "S1/ALL", "ALL/Aurora", "S1/Aurora"])
    assert levels.tolist() == ["group", "store", "model", "store_model"]
    with pytest.raises(DataContractError, match=r"series 'Aurora': expected a 'store/model' id"):
        kf.hierarchy_levels(["Aurora"])


def test_bad_input(group):
    with pytest.raises(ConfigError, match=r"method: expected one of mint_shrink, bottom_up"):
        kf.reconcile(group, 2, method="top_down")
    early = group[~((group["unique_id"] == "S1/M1") & (group["ds"] >= "2026-08-01"))]
    with pytest.raises(DataContractError, match=r"series S1/M1 ends before the others"):
        kf.reconcile(early, 2, method="bottom_up")
    with pytest.raises(DataContractError, match=r"no store × model series"):
        kf.reconcile(group.assign(unique_id="S1/ALL").drop_duplicates(["unique_id", "ds"]), 2)


@pytest.mark.slow
def test_backtest_scores_base_and_reconciled_per_level(group):
    result = kf.backtest(group, 2, windows=2, methods=["seasonal_naive", "auto"], spring_festival=False,
                         reconcile="bottom_up")
    levels = result[result["scope"] == "level"]
    assert set(levels["level"]) == {"group", "store", "model", "store_model"}
    assert set(levels["method"]) == {"seasonal_naive", "auto", "auto, reconciled (bottom_up)"}
    bottom = levels[levels["level"] == "store_model"].set_index("method")
    # bottom-up leaves the bottom level as it was
    assert bottom.loc["auto, reconciled (bottom_up)", "mase"] == pytest.approx(bottom.loc["auto", "mase"], rel=1e-4)
    assert levels["coverage_80_pct"].between(0, 100).all()


def test_a_singular_mint_falls_back_to_structural_scaling_and_says_so(group, monkeypatch):
    """A large group with a short history has more series than errors: MinT's covariance cannot be inverted
    (hierarchicalforecast raises 'ill-conditioned'); the forecast still adds up, by wls_struct, and names it."""
    from hierarchicalforecast.methods import MinTrace

    from kit.forecast import hierarchy

    class Singular(MinTrace):
        def _get_PW_matrices(self, *args, **kwargs):
            raise Exception(f"min_trace ({self.method}) is ill-conditioned. Please use another reconciliation method.")

    real = hierarchy._reconciler
    monkeypatch.setattr(hierarchy, "_reconciler",
                        lambda method: Singular(method=method, nonnegative=True) if method == "mint_shrink"
                        else real(method))
    fc = kf.reconcile(group, 3, forecast_method="theta", spring_festival=False, level=(80,))
    assert fc.attrs["reconciler"] == "wls_struct"
    assert assert_coherent(fc) < 1e-6 * fc["yhat"].max()
    expected = kf.reconcile(group, 3, method="wls_struct", forecast_method="theta", spring_festival=False,
                            level=(80,))
    np.testing.assert_allclose(fc["yhat"], expected["yhat"], rtol=1e-9)
