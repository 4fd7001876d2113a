"""Tests of the forecast report's pieces outside the notebook: the "what to do" sentences (kit.forecast.advice),
the order what-if (kit.forecast.whatif) and the method names in the reader's words (kit.forecast.display).

The hand-worked dealer: store S1 (North) sells model A 10 a month and B 2, holds 26 A; store S2 (South) sells C 10
a month and holds 40. Forecasts have no spread (σ = 0), so lead-time demand is Poisson with the forecast as mean:
Poisson(2) P(≤4) = 0.947, P(≤5) = 0.983; Poisson(10) P(≤15) = 0.951. No target stock; the line is 1.5 months.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit import forecast as kf
from kit.exceptions import ConfigError
from kit.forecast.advice import sentences, what_to_do
from kit.forecast.display import method_name
from kit.forecast.monthly import Outlook
from kit.forecast.whatif import order_whatif

sys.path.insert(0, str(Path(__file__).parent))
from test_order_plan import hand_forecast, stock_of  # noqa: E402

NAMES = {"S1": "North", "S2": "South"}
SETTINGS = {"target_stock_months": 0}


def dealer_forecast() -> pd.DataFrame:
    return pd.concat([hand_forecast("S1/A", [10] * 4), hand_forecast("S1/B", [2] * 4),
                      hand_forecast("S2/C", [10] * 4)], ignore_index=True)


def dealer_stock() -> pd.DataFrame:
    return stock_of(S1__A=(26, 0), S1__B=(0, 0), S2__C=(40, 0))


def outlook(ledger: pd.DataFrame | None = None, last_year: float | None = 20.0) -> Outlook:
    settings = kf.OrderPlanSettings.from_mapping(SETTINGS)
    models = dealer_forecast()
    plan = kf.order_plan(models, dealer_stock(), settings)
    # the group's forecast as the report shows it: 22 cars, 18–27 at 80 %
    group = pd.DataFrame({"unique_id": "ALL/ALL", "ds": pd.to_datetime(["2026-11-01"]), "yhat": [22.0],
                          "yhat_lo_80": [18.0], "yhat_hi_80": [27.0]})
    months = pd.date_range("2025-01-01", "2026-10-01", freq="MS")
    y = np.full(len(months), 21.0)
    y[months.get_loc(pd.Timestamp("2025-11-01"))] = np.nan if last_year is None else last_year
    series = pd.DataFrame({"unique_id": "ALL/ALL", "ds": months, "y": y}).dropna()   # None: no sales last year
    ledger = pd.DataFrame(columns=["unique_id", "months_ahead", "yhat", "actual"]) if ledger is None else ledger
    return Outlook(month="2026-10", settings=settings, series=series, forecast=pd.concat([group, models]),
                   stock=dealer_stock(), stock_as_of=None, plan=plan, backtest=None, ledger=ledger, horizon=3)


def test_the_hand_worked_plan_under_the_advice():
    # S1: line 1.5 × 12 = 18; A holds 26 → 16 after the month; B's 5th car would leave 19 > 18: B gets 4 of the 5
    # its 95 % needs (service level gave way). S2: C holds 40 → 30 after the month, over its line of 15 before any
    # order: no order, the line gave way. Group order 4.
    firm = outlook().firm.set_index("unique_id")
    assert firm.loc[["S1/A", "S1/B", "S2/C"], "suggested_order_units"].tolist() == [0, 4, 0]
    assert firm.loc[["S1/A", "S1/B", "S2/C"], "gave_way"].tolist() == ["", "service_level", "stock_line"]
    assert firm.loc["ALL/ALL", "suggested_order_units"] == 4
    assert firm.loc["S2/ALL", "stock_months_after"] == pytest.approx(3.0)


def test_advice_in_order_of_importance_with_the_numbers_by_hand():
    ledger = pd.DataFrame({"unique_id": ["ALL/ALL"], "months_ahead": [1], "yhat": [25.0], "actual": [20.0]})
    got = sentences(outlook(ledger), lang="en", store_name=NAMES.get)
    assert got == [
        "Order 4 cars for 2026-11: North 4, South 0.",
        # C: 40 cars on hand ÷ 10 a month = 4.0 months
        "C stock at South is over the 1.5-month line (40 cars, 4.0 months of its sales): order none until it sells.",
        # B: 95 % needs 5 cars, position 0, ordered 4 → 1 short
        "1 model(s) get fewer cars than the 95 % service level needs, to keep their store under its 1.5-month "
        "line: B (North, −1).",
        # S2: 30 cars left ÷ 10 = 3.0 months
        "South stays at 3.0 months of stock after ordering, over its 1.5-month line: sell down stock before "
        "ordering more.",
        # 22 against 20 last November: +10 %
        "Deliveries are forecast at 22 cars for 2026-11 (18–27 four months in five), +10% against 20 in 2025-11.",
        # 25 forecast, 20 delivered: +5 cars, 25 % off → King Long 80
        "Last month's run forecast 25 cars for 2026-10; 20 were delivered (+5 cars, King Long score 80).",
    ]


def test_advice_in_chinese_has_no_english_words():
    import reportscan

    got = sentences(outlook(), lang="zh", store_name={"S1": "北店", "S2": "南店"}.get)
    assert got[0] == "2026-11订车4台：北店 4、南店 0。"
    for sentence in got:
        assert not reportscan.english_words(sentence, ["A", "B", "C"]), sentence


def test_advice_without_last_year_or_ledger_and_with_nothing_to_order():
    keys = [key for key, _ in what_to_do(outlook(last_year=None))]
    assert keys == ["forecast.advice.order_stores", "forecast.advice.over_line", "forecast.advice.service_short",
                    "forecast.advice.store_over", "forecast.advice.demand"]
    # plenty of stock everywhere: no order and no model flagged
    o = outlook()
    o.plan = kf.order_plan(dealer_forecast(), stock_of(S1__A=(12, 0), S1__B=(5, 0), S2__C=(15, 0)), o.settings)
    items = what_to_do(o)
    assert items[0] == ("forecast.advice.order_stores",
                        {"cars": "3", "month": "2026-11", "stores": "S1 3, S2 0"})   # A: q95(Poisson 10) 15 − 12
    assert [k for k, _ in items] == ["forecast.advice.order_stores", "forecast.advice.demand_vs_last_year"]


def test_whatif_a_higher_line_gives_b_its_service_level():
    # line 3 months: S1's room is 3 × 12 = 36, so B gets all 5 cars; S2: C's 30 left ≤ 3 × 10, on the line
    result = order_whatif(dealer_forecast(), dealer_stock(), SETTINGS, warning_stock_months=3.0)
    summary = result.summary.set_index("store_id")
    assert result.settings.warning_stock_months == 3.0 and result.settings.target_stock_months == 0
    assert summary["level"].tolist() == ["store", "store", "group"]
    assert summary.loc["S1", "suggested_order_units"] == 5 and summary.loc["S1", "configured_order_units"] == 4
    assert summary.loc["ALL", "suggested_order_units"] == 5 and summary.loc["ALL", "configured_order_units"] == 4
    assert summary["service_gave_way_models"].tolist() == [0, 0, 0]
    assert summary.loc["S2", "stock_months_after"] == pytest.approx(3.0)
    # the group row is the sum of its stores
    stores = summary[summary["level"] == "store"]
    assert summary.loc["ALL", "stock_after_units"] == pytest.approx(stores["stock_after_units"].sum())


def test_whatif_unchanged_settings_is_the_configured_plan():
    result = order_whatif(dealer_forecast(), dealer_stock(), SETTINGS)
    summary = result.summary
    assert (summary["suggested_order_units"] == summary["configured_order_units"]).all()
    assert summary.set_index("store_id").loc["ALL", "line_gave_way_models"] == 1     # C at South
    assert summary.set_index("store_id").loc["ALL", "service_gave_way_models"] == 1  # B at North


@pytest.mark.parametrize("kwargs, setting", [({"service_level": 1.2}, "service_level"),
                                              ({"warning_stock_months": -1}, "warning_stock_months")])
def test_whatif_out_of_range_names_the_setting(kwargs, setting):
    with pytest.raises(ConfigError, match=setting):
        order_whatif(dealer_forecast(), dealer_stock(), SETTINGS, **kwargs)


@pytest.mark.parametrize("code", ["median(seasonal_naive, stl_ets, ces, dotm)", "mean(stl_ets, theta, dotm)",
                                  "median(croston, adida, imapa)", "auto, reconciled (mint_shrink)",
                                  "median(seasonal_naive, ces, theta, dotm), reconciled (mint_shrink)",
                                  "mean of the last 3 months", "zero", "seasonal_naive", "ets", "stl_ets"])
def test_method_names_in_the_readers_words(code):
    import reportscan

    english, chinese = method_name(code, "en"), method_name(code, "zh")
    for text in (english, chinese):
        assert "_" not in text and code not in text
        assert not reportscan.identifiers(text, [])
    assert not reportscan.english_words(chinese, [])
    assert not re.search(r"\b(ces|dotm|stl|ets|imapa|adida|mint)\b", english, re.IGNORECASE), english
