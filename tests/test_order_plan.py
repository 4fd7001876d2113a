"""Tests of the order plan (kit.forecast.ordering), its settings and the order-policy backtest.

Hand-worked cases use forecasts without spread (σ = 0), so lead-time demand is Poisson with the forecast as mean
and every quantile can be read from a Poisson table: Poisson(10) P(≤14) = 0.917, P(≤15) = 0.951; Poisson(12)
P(≤17) = 0.937, P(≤18) = 0.963; Poisson(8) P(≤12) = 0.936, P(≤13) = 0.966; Poisson(2) P(≤4) = 0.947,
P(≤5) = 0.983; Poisson(0.5) P(≤1) = 0.910, P(≤2) = 0.986.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit import forecast as kf
from kit.exceptions import ConfigError, DataContractError
from kit.i18n import t


def hand_forecast(uid: str, yhat, sigma=None, start: str = "2026-11") -> pd.DataFrame:
    """A forecast frame whose 95 % upper bound is yhat + 1.959964 σ, so the plan recovers σ exactly."""
    z95 = 1.959963984540054
    yhat = np.asarray(yhat, float)
    sigma = np.zeros_like(yhat) if sigma is None else np.asarray(sigma, float)
    return pd.DataFrame({
        "unique_id": uid, "ds": pd.period_range(start, periods=len(yhat), freq="M").to_timestamp(),
        "yhat": yhat, "yhat_lo_95": np.maximum(yhat - z95 * sigma, 0), "yhat_hi_95": yhat + z95 * sigma,
    })


def stock_of(**positions) -> pd.DataFrame:
    """``stock_of(S1__A=(on_hand, in_transit))`` → a stock frame (``__`` stands for ``/``)."""
    return pd.DataFrame([(k.replace("__", "/"), v[0], v[1]) for k, v in positions.items()],
                        columns=["unique_id", "on_hand", "in_transit"])


def model_rows(plan: pd.DataFrame, month: int = 1) -> pd.DataFrame:
    return plan[(plan["level"] == "store_model") & (plan["months_ahead"] == month)].set_index("unique_id")


# --------------------------------------------------------------------------- by hand


def test_one_model_by_hand_three_months():
    # lead time 1, target 1.0 month, service 95 %, forecast N+1..N+4 = 10, 12, 8, 6 (no spread: Poisson)
    # N+1: service stock q95(Poisson 10) = 15; needed = max(15, 10 + 1.0 × 12) = 22; position 5 + 3 = 8 → 14
    #      stock after 8 + 14 − 10 = 12 → 12 ÷ 12 = 1.0 month
    # N+2: position 5 + 3 + 14 − 10 = 12; needed = max(q95(Poisson 12) = 18, 12 + 8) = 20 → 8; after 8 → 1.0
    # N+3: position 12 + 8 − 12 = 8; needed = max(q95(Poisson 8) = 13, 8 + 6) = 14 → 6; after 6 → 1.0
    plan = kf.order_plan(hand_forecast("S1/Aurora", [10, 12, 8, 6]), stock_of(S1__Aurora=(5, 3)))
    rows = plan[plan["level"] == "store_model"]
    assert rows["suggested_order_units"].tolist() == [14, 8, 6]
    assert rows["service_stock_units"].tolist() == [15, 18, 13]
    np.testing.assert_allclose(rows["needed_units"], [22, 20, 14])
    np.testing.assert_allclose(rows["position_units"], [8, 12, 8])
    np.testing.assert_allclose(rows["stock_after_units"], [12, 8, 6])
    np.testing.assert_allclose(rows["stock_months_after"], [1.0, 1.0, 1.0])
    assert rows["plan"].tolist() == ["firm", "indicative", "indicative"]
    assert rows["plan_month"].tolist() == list(pd.date_range("2026-11-01", periods=3, freq="MS"))
    assert (rows["gave_way"] == "").all() and (rows["reason"] == "").all()
    assert rows["suggested_order_units"].dtype.kind == "i"
    # the service level reached is P(Poisson(10) ≤ 22) = 0.99970 for N+1
    assert rows["service_level_reached"].iloc[0] == pytest.approx(0.99970, abs=1e-5)


def test_spread_of_the_forecast_raises_the_service_stock():
    # mean 10 with σ = 4 (variance 16 > 10): negative binomial, whose 95 % quantile is above Poisson's 15
    wide = kf.order_plan(hand_forecast("S1/A", [10, 10, 10, 10], [4, 4, 4, 4]), stock_of(S1__A=(0, 0)),
                         {"target_stock_months": 0})
    assert model_rows(wide)["service_stock_units"].item() > 15
    assert model_rows(wide)["suggested_order_units"].item() == model_rows(wide)["service_stock_units"].item()


def two_models(position_a: int, *, b_batch: int = 1, b_minimum: int = 0, b_mean: float = 2.0) -> pd.DataFrame:
    """Store S1: model A sells 10 a month, model B ``b_mean``; no target stock; the line at 1.5 months."""
    fc = pd.concat([hand_forecast("S1/A", [10] * 4), hand_forecast("S1/B", [b_mean] * 4)])
    settings = {"target_stock_months": 0, "batch_units": {"B": b_batch}, "minimum_order_units": {"B": b_minimum}}
    return kf.order_plan(fc, stock_of(S1__A=(position_a, 0), S1__B=(0, 0)), settings)


def test_the_line_holds_and_the_service_level_gives_way():
    # line = 1.5 × (10 + 2) = 18 cars of stock after the month. A holds 26 → 16 left after selling 10.
    # B needs q95(Poisson 2) = 5 cars: its first 2 are sold within the month (no stock left), cars 3 and 4 leave
    # 1 each (16 + 2 = 18, on the line), car 5 would make 19 > 18 → B gets 4 and reaches P(Poisson 2 ≤ 4) = 94.7 %
    rows = model_rows(two_models(26))
    assert rows["suggested_order_units"].to_dict() == {"S1/A": 0, "S1/B": 4}
    assert rows.loc["S1/B", "gave_way"] == "service_level" and rows.loc["S1/A", "gave_way"] == ""
    assert rows.loc["S1/B", "service_level_reached"] == pytest.approx(0.9473, abs=1e-4)
    assert rows["stock_after_units"].sum() == pytest.approx(18.0)
    reason = rows.loc["S1/B", "reason"]
    assert "1 more car" in reason and "1.6 months" in reason and "94.7 %" in reason and "1.5-month line" in reason


def test_when_the_line_has_room_nothing_is_flagged():
    # A holds 12 → 2 after the month: plenty of room, B gets its 5, nobody gives way
    rows = model_rows(two_models(12))
    assert rows["suggested_order_units"].to_dict() == {"S1/A": 3, "S1/B": 5}   # A: q95 = 15 − 12 = 3
    assert (rows["gave_way"] == "").all()


def test_store_over_the_line_before_ordering_lets_the_line_give_way():
    # A holds 40 → 30 after the month, over the line of 18 before any order: A is flagged stock_line (nothing to
    # order away); B still gets the 2 cars it sells within the month (they leave no stock) but not the 3 more its
    # service level needs
    rows = model_rows(two_models(40))
    assert rows["suggested_order_units"].to_dict() == {"S1/A": 0, "S1/B": 2}
    assert rows.loc["S1/A", "gave_way"] == "stock_line"
    assert rows.loc["S1/B", "gave_way"] == "service_level"
    assert "already over" in rows.loc["S1/B", "reason"]
    assert "40 car(s)" in rows.loc["S1/A", "reason"] and "3.0 months" in rows.loc["S1/A", "reason"]


def test_oem_batches_are_respected():
    # B comes in batches of 3: the first batch leaves 1 car (16 + 1 = 17 ≤ 18); a second would leave 4 → 20 > 18
    rows = model_rows(two_models(26, b_batch=3))
    assert rows.loc["S1/B", "suggested_order_units"] == 3
    assert rows.loc["S1/B", "gave_way"] == "service_level"
    assert "batch of 3" in rows.loc["S1/B", "reason"]
    assert rows.loc["S1/B", "order_for_needed_units"] == 6      # alone, B would order two batches


def test_oem_minimum_order():
    # B sells 0.5 a month and needs q95(Poisson 0.5) = 2 cars, but the OEM ships at least 4: B gets 4 (room: A
    # holds 10 → 0 after the month; 4 − 0.5 = 3.5 ≤ 1.5 × 10.5)
    rows = model_rows(two_models(10, b_minimum=4, b_mean=0.5))
    assert rows.loc["S1/B", "suggested_order_units"] == 4
    assert rows.loc["S1/B", "gave_way"] == ""


def test_store_and_group_rows_are_sums_and_the_headline_is_the_total():
    fc = pd.concat([hand_forecast(uid, [m] * 4) for uid, m in
                    [("S1/A", 10), ("S1/B", 3), ("S2/A", 6), ("S2/C", 1.5)]])
    plan = kf.order_plan(fc, stock_of(S1__A=(4, 1), S1__B=(0, 0), S2__A=(9, 0), S2__C=(1, 0)))
    first = plan[plan["months_ahead"] == 1].set_index("unique_id")
    models = first[first["level"] == "store_model"]
    assert first.loc["ALL/ALL", "suggested_order_units"] == models["suggested_order_units"].sum()
    assert first.loc["S1/ALL", "suggested_order_units"] == models.loc[["S1/A", "S1/B"], "suggested_order_units"].sum()
    assert first.loc["ALL/A", "suggested_order_units"] == models.loc[["S1/A", "S2/A"], "suggested_order_units"].sum()
    assert first.loc["ALL/ALL", "stock_after_units"] == pytest.approx(models["stock_after_units"].sum())
    assert first.loc["S2/ALL", "level"] == "store" and first.loc["ALL/C", "level"] == "model"
    assert first.loc["ALL/ALL", "level"] == "group"


@pytest.mark.slow
def test_every_store_keeps_its_line_unless_it_was_over_before():
    rng = np.random.default_rng(3)
    for _ in range(20):
        uids = [f"S{s}/M{m}" for s in (1, 2) for m in range(4)]
        means = rng.uniform(0.3, 12, len(uids))
        fc = pd.concat([hand_forecast(u, [mu] * 4, [rng.uniform(0, 3)] * 4) for u, mu in zip(uids, means)])
        stock = pd.DataFrame({"unique_id": uids, "on_hand": rng.integers(0, 15, len(uids)),
                              "in_transit": rng.integers(0, 3, len(uids))})
        plan = kf.order_plan(fc, stock, {"warning_stock_months": 1.2})
        first = plan[plan["months_ahead"] == 1]
        models = first[first["level"] == "store_model"]
        for store, rows in models.groupby("store_id"):
            capacity = 1.2 * rows["demand_after_lead_time_units"].sum()
            before = np.maximum(rows["position_units"] - rows["demand_lead_time_units"], 0).sum()
            if before <= capacity:
                assert rows["stock_after_units"].sum() <= capacity + 1e-6
            # a model that fell short of its service stock is always flagged
            short = rows["position_units"] + rows["suggested_order_units"] < rows["service_stock_units"]
            assert (rows.loc[short, "gave_way"] == "service_level").all()
            assert (rows.loc[~short, "gave_way"] != "service_level").all()


def test_reasons_come_in_the_reports_language():
    rows = model_rows(two_models(26))
    zh = model_rows(kf.order_plan(pd.concat([hand_forecast("S1/A", [10] * 4), hand_forecast("S1/B", [2] * 4)]),
                                  stock_of(S1__A=(26, 0), S1__B=(0, 0)), {"target_stock_months": 0}, lang="zh"))
    reason = zh.loc["S1/B", "reason"]
    assert reason == t("order_reason_service_line", "zh", store="S1", model="B", cars=1, service_pct="95",
                       reached_pct="94.7", depth="1.6", line="1.5", batch=1)
    assert not any(word in reason for word in ("service", "line", "stock", "gave_way", "_"))
    assert rows.loc["S1/B", "reason"].startswith("B at S1")


# --------------------------------------------------------------------------- errors


def test_order_plan_needs_enough_forecast_months_intervals_and_store_model_ids():
    stock = stock_of(S1__a=(1, 0))
    with pytest.raises(DataContractError, match=r"series S1/a has 3 month\(s\) of forecast; the order plan needs 4"):
        kf.order_plan(hand_forecast("S1/a", [1, 2, 3]), stock)
    with pytest.raises(DataContractError, match=r"no interval column"):
        kf.order_plan(hand_forecast("S1/a", [1, 2, 3, 4])[["unique_id", "ds", "yhat"]], stock)
    with pytest.raises(DataContractError, match=r"stock: series S1/a: on_hand must be a number of cars >= 0"):
        kf.order_plan(hand_forecast("S1/a", [1, 2, 3, 4]), stock.assign(on_hand=-1))
    with pytest.raises(DataContractError, match=r"series 'a' is not 'store/model'"):
        kf.order_plan(hand_forecast("a", [1, 2, 3, 4]), stock_of(a=(1, 0)))


def test_totals_in_the_forecast_are_ignored_and_missing_stock_is_zero():
    fc = pd.concat([hand_forecast("S1/A", [3] * 4), hand_forecast("S1/ALL", [99] * 4),
                    hand_forecast("ALL/ALL", [99] * 4)])
    plan = kf.order_plan(fc, stock_of(S9__Z=(5, 0)), {"target_stock_months": 0})
    rows = model_rows(plan)
    assert list(rows.index) == ["S1/A"] and rows.loc["S1/A", "on_hand_units"] == 0
    assert rows.loc["S1/A", "suggested_order_units"] == 6          # q95(Poisson 3): P(≤5) = 0.916, P(≤6) = 0.966
    first = plan[plan["months_ahead"] == 1].set_index("unique_id")
    assert first.loc["S1/ALL", "forecast_units"] == 3                # rebuilt from the model rows, not 99


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize("mapping, message", [
    ({"lead_time": 1}, r"^order_plan\.lead_time: unknown setting"),
    ({"lead_time_months": "one"}, r"^order_plan\.lead_time_months: expected a whole number.*got 'one'"),
    ({"lead_time_months": 1.5}, r"^order_plan\.lead_time_months: expected a whole number.*got 1\.5"),
    ({"horizon_months": True}, r"^order_plan\.horizon_months: expected a whole number.*got True"),
    ({"service_level": 1.5}, r"^order_plan\.service_level: expected a value in \[0\.5, 0\.999\].*got 1\.5"),
    ({"target_stock_months": -1}, r"^order_plan\.target_stock_months: .*got -1"),
    ({"warning_stock_months": 0}, r"^order_plan\.warning_stock_months: .*got 0"),
    ({"horizon_months": 3, "firm_months": 4}, r"^order_plan\.firm_months: .*got 4"),
    ({"batch_units": {"Nova": 0}}, r"^order_plan\.batch_units\.Nova: .*got 0"),
    ({"batch_units": 2.5}, r"^order_plan\.batch_units: expected a whole number.*got 2\.5"),
    ({"minimum_order_units": {3: 2}}, r"^order_plan\.minimum_order_units: expected car model names"),
    ({"minimum_order_units": -1}, r"^order_plan\.minimum_order_units: .*got -1"),
])
def test_order_plan_settings_errors_name_the_setting(mapping, message):
    with pytest.raises(ConfigError, match=message):
        kf.OrderPlanSettings.from_mapping(mapping)


def test_order_plan_settings_defaults_and_per_model_sizes():
    assert kf.OrderPlanSettings.from_mapping(None) == kf.OrderPlanSettings()
    settings = kf.OrderPlanSettings()
    assert (settings.lead_time_months, settings.target_stock_months, settings.service_level,
            settings.warning_stock_months, settings.horizon_months) == (1, 1.0, 0.95, 1.5, 3)
    assert settings.forecast_months_needed == 4
    assert settings.batch_for("Aurora") == 1 and settings.minimum_for("Aurora") == 0
    sized = kf.OrderPlanSettings.from_mapping({"batch_units": {"Nova": 2, "*": 3}, "minimum_order_units": 4})
    assert (sized.batch_for("Nova"), sized.batch_for("Aurora"), sized.minimum_for("Nova")) == (2, 3, 4)
    with pytest.raises(ConfigError, match=r"^plan\.service_level"):
        kf.OrderPlanSettings.from_mapping({"service_level": 2}, where="plan")
    with pytest.raises(AttributeError):
        settings.service_level = 0.9  # frozen


def test_settings_module_is_light():
    import subprocess
    import sys

    code = ("import sys; import kit.forecast.settings; "
            "print(any(m in sys.modules for m in ('statsforecast', 'hierarchicalforecast', 'pandas', "
            "'kit.forecast.engine')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- policy backtest


def constant_sales(months: int = 20, units: int = 4) -> pd.DataFrame:
    ds = pd.period_range("2025-03", periods=months, freq="M").to_timestamp()
    return pd.DataFrame({"unique_id": "S1/A", "ds": ds, "y": float(units)})


def test_dealer_rule_by_hand():
    # demand 4 every month; the first simulated month starts with 1.0 × 4 = 4 cars, nothing in transit.
    # Month 1: order 4 − 4 − 0 = 0; sells 4 → 0 left. Every later month: order 4 − 0 = 4, arrives at once
    # (lead time 1), sells 4 → 0 left. No lost sales; the rule keeps no stock at month end.
    detail = kf.order_policy_backtest(constant_sales(), months=6, policy="dealer_rule")
    assert detail["order_units"].tolist() == [0, 4, 4, 4, 4, 4]
    assert detail["lost_units"].sum() == 0 and detail["stock_end_units"].sum() == 0
    # open customer orders of 2 at every month end are added to what the rule orders
    backlog = constant_sales().rename(columns={"y": "open_orders"}).assign(open_orders=2.0)
    with_backlog = kf.order_policy_backtest(constant_sales(), months=6, policy="dealer_rule", open_orders=backlog)
    assert with_backlog["order_units"].tolist() == [2, 4, 4, 4, 4, 4]


def test_a_custom_policy_and_the_summary_by_hand():
    # order nothing ever: the 4 starting cars cover month 1; months 2 and 3 lose all 4 + 4 = 8 of 12 demanded
    def never(history, stock, open_orders, settings):
        return pd.Series(0.0, index=stock["unique_id"])

    detail = kf.order_policy_backtest(constant_sales(), months=3, policy=never)
    assert detail["lost_units"].tolist() == [0, 4, 4]
    summary = kf.policy_summary(detail.assign(policy="never"))
    row = summary.iloc[0]
    assert row["demand_units"] == 12 and row["lost_units"] == 8 and row["lost_pct"] == pytest.approx(200 / 3)
    assert row["months_of_stock"] == 0


@pytest.mark.slow
def test_kit_policy_meets_steady_demand_within_the_line():
    detail = kf.order_policy_backtest(constant_sales(units=6), months=3, policy="kit",
                                      forecast_options={"method": "bottom_up", "spring_festival": False})
    summary = kf.policy_summary(detail)
    assert summary["lost_units"].item() == 0
    assert 0 < summary["months_of_stock"].item() <= 1.5
