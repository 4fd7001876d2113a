"""Tests of kit.forecast: forecasts, intervals, awkward series, bad input, Spring Festival, backtest, order plan,
ledger. Known answers are worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kit import forecast as kf
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError

# --------------------------------------------------------------------------- helpers

#: A yearly pattern of monthly units, January first (金九银十 peak, December push).
PATTERN = np.array([30, 20, 32, 30, 29, 31, 26, 28, 40, 38, 27, 36], dtype=float)


def series(uid: str, values, start: str = "2023-01") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    ds = pd.period_range(start, periods=len(values), freq="M").to_timestamp()
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": values})


def seasonal(uid: str, months: int, *, seed: int, level: float = 1.0, start: str = "2023-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = np.round(np.tile(PATTERN, months // 12 + 1)[:months] * level * rng.uniform(0.85, 1.15, months))
    return series(uid, values, start)


def interval_problems(fc: pd.DataFrame) -> pd.DataFrame:
    ordered = ((fc["yhat_lo_95"] <= fc["yhat_lo_80"]) & (fc["yhat_lo_80"] <= fc["yhat"])
               & (fc["yhat"] <= fc["yhat_hi_80"]) & (fc["yhat_hi_80"] <= fc["yhat_hi_95"]))
    return fc[~ordered]


@pytest.fixture(scope="module")
def awkward() -> pd.DataFrame:
    """One series of every awkward shape, all ending 2026-10."""
    rng = np.random.default_rng(7)
    intermittent = np.zeros(36)
    intermittent[[2, 9, 10, 17, 25, 30, 33]] = [1, 2, 1, 1, 3, 1, 1]
    frames = [
        seasonal("regular", 46, seed=1, start="2023-01"),
        seasonal("short_18", 18, seed=2, start="2025-05"),
        series("all_zero", np.zeros(30), "2024-05"),
        series("intermittent", intermittent, "2023-11"),
        series("launched_6_months_ago", np.r_[np.zeros(30), [3, 5, 4, 6, 5, 7]], "2023-11"),
        series("launched_3_months_ago", [2, 4, 6], "2026-08"),
        series("declining", np.linspace(60, 1, 36).round(), "2023-11"),
        series("low_volume", rng.poisson(1.5, 36) + 1, "2023-11"),
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def awkward_forecast(awkward) -> pd.DataFrame:
    return kf.forecast(awkward, 6)


# --------------------------------------------------------------------------- output contract


def test_forecast_columns_and_one_row_per_series_and_month(awkward, awkward_forecast):
    fc = awkward_forecast
    assert list(fc.columns[:7]) == ["unique_id", "ds", "yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95",
                                    "yhat_hi_95"]
    assert len(fc) == awkward["unique_id"].nunique() * 6
    assert not fc.duplicated(["unique_id", "ds"]).any()
    # every series ends 2026-10, so every forecast runs 2026-11 … 2027-04 (month starts)
    assert set(fc["ds"]) == set(pd.date_range("2026-11-01", periods=6, freq="MS"))
    assert fc[["yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]].notna().all().all()


def test_intervals_are_ordered_and_contain_the_point(awkward_forecast):
    assert interval_problems(awkward_forecast).empty


@pytest.mark.parametrize("method", ["seasonal_naive", "theta", "croston", ("ces", "theta")])
def test_intervals_ordered_for_single_members_and_combinations(awkward, method):
    fc = kf.forecast(awkward, 3, method=method)
    assert interval_problems(fc).empty
    assert (fc["yhat_hi_95"] > fc["yhat_lo_95"]).any()


def test_no_negative_forecasts_for_counts(awkward_forecast):
    numbers = awkward_forecast[["yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]]
    assert (numbers >= 0).all().all()
    # the declining series (60 → 1) would go below zero on a straight trend line
    declining = awkward_forecast[awkward_forecast["unique_id"] == "declining"]
    assert (declining["yhat"] >= 0).all() and (declining["yhat_lo_95"] >= 0).all()


def test_no_negative_forecasts_from_a_trend_member():
    # Theta extrapolates the drift of a steep decline; the kit clips at 0 whatever the member says
    fc = kf.forecast(series("falling", np.linspace(50, 0, 30)), 12, method="theta", spring_festival=False)
    assert (fc[["yhat", "yhat_lo_95", "yhat_lo_80"]] >= 0).all().all()


def test_levels_give_one_column_pair_each():
    fc = kf.forecast(seasonal("a", 30, seed=3), 2, level=(50, 90, 99), method="seasonal_naive")
    assert [c for c in fc.columns if c.startswith("yhat_")] == ["yhat_lo_50", "yhat_hi_50", "yhat_lo_90",
                                                                "yhat_hi_90", "yhat_lo_99", "yhat_hi_99"]
    assert ((fc["yhat_lo_99"] <= fc["yhat_lo_90"]) & (fc["yhat_hi_90"] <= fc["yhat_hi_99"])).all()


# --------------------------------------------------------------------------- known answers


def test_seasonal_naive_reproduced_by_hand():
    # 24 months from 2024-01: 1, 2, …, 24. Seasonal naive repeats the last 12 months: the forecast for month
    # 2026-01 is 2025-01's value 13, …, 2026-12 is 24, and 2027-01, 2027-02 start the cycle again with 13, 14.
    df = series("tiny", np.arange(1, 25), "2024-01")
    fc = kf.forecast(df, 14, method="seasonal_naive", spring_festival=False, level=())
    assert fc["yhat"].tolist() == [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 13, 14]
    assert fc["ds"].iloc[0] == pd.Timestamp("2026-01-01") and fc["ds"].iloc[-1] == pd.Timestamp("2027-02-01")


def test_seasonal_naive_on_thirteen_months_uses_last_year():
    # 13 months (a short series): 5, 6, …, 17 from 2025-10; next month 2026-11 repeats 2025-11 = 6
    fc = kf.forecast(series("young", np.arange(5, 18), "2025-10"), 2, method="seasonal_naive",
                     spring_festival=False, level=())
    assert fc["yhat"].tolist() == [6, 7]


def test_model_launched_three_months_ago_gets_its_recent_mean():
    # 2, 4, 6 → (2 + 4 + 6) ÷ 3 = 4 for every month; outside January/February the festival plays no part
    fc = kf.forecast(series("new", [2, 4, 6], "2026-06"), 3)
    assert fc["yhat"].tolist() == [4, 4, 4]
    assert set(fc["series_class"]) == {"very_short"}
    assert fc["method"].iloc[0] == "mean of the last 3 months"


def test_king_long_score_bands():
    # DOMAIN §5.3: ≤ 20 % → 100, 20–50 % → 80, 50–100 % → 60, 100–200 % → 40, ≥ 200 % → 20
    scores = kf.king_long_score([0, 20, 20.5, 50, 75, 100, 150, 199.9, 200, 350])
    assert scores.tolist() == [100, 100, 80, 80, 60, 60, 40, 40, 20, 20]
    assert math.isnan(kf.king_long_score(float("nan")))


# --------------------------------------------------------------------------- awkward series


def test_every_awkward_shape_gets_its_class(awkward_forecast):
    classes = awkward_forecast.groupby("unique_id")["series_class"].first()
    assert classes["regular"] == "regular"
    assert classes["short_18"] == "short"
    assert classes["all_zero"] == "zero"
    assert classes["intermittent"] == "intermittent"
    assert classes["launched_6_months_ago"] == "short"      # 30 leading zeros dropped: 6 months on sale
    assert classes["launched_3_months_ago"] == "very_short"
    methods = awkward_forecast.groupby("unique_id")["method"].first()
    # too few series to choose by validation (fewer than MIN_SELECTION_SERIES): each class takes its fallback
    assert methods["regular"] == "median(seasonal_naive, stl_ets, ces, dotm)"
    assert methods["intermittent"] == "median(croston, adida, imapa)"


def test_all_zero_series_forecasts_zero(awkward_forecast):
    zero = awkward_forecast[awkward_forecast["unique_id"] == "all_zero"]
    assert (zero[["yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]] == 0).all().all()


def test_intermittent_low_volume_forecast_is_a_small_rate(awkward_forecast):
    # 10 units in 36 months: a Croston-type rate well under one car a month, with a band above it
    rows = awkward_forecast[awkward_forecast["unique_id"] == "intermittent"]
    assert (rows["yhat"] > 0).all() and (rows["yhat"] < 1).all()
    assert (rows["yhat_hi_95"] > rows["yhat"]).all()


def test_too_little_history_to_calibrate_falls_back_to_count_intervals():
    # one series of 8 months and h = 4: no calibration window of 4 months leaves the 6 months a model needs
    # (8 − 4 = 4 < 6), so the band is a negative binomial / Poisson count interval: whole cars
    fc = kf.forecast(series("S1/New", [3, 5, 4, 6, 5, 7, 6, 5], "2026-03"), 4, spring_festival=False)
    assert np.allclose(fc["yhat_hi_95"], np.round(fc["yhat_hi_95"])) and (fc["yhat_hi_95"] > fc["yhat"]).all()


def test_new_model_forecast_follows_its_months_on_sale(awkward_forecast):
    new = awkward_forecast[awkward_forecast["unique_id"] == "launched_6_months_ago"]
    # sold 3–7 a month since launch, rising; the 30 months of zeros before launch must not drag it towards 1
    # (the mean over all 36 months is 0.83)
    assert (new["yhat"] > 5).all() and (new["yhat"] < 12).all()


def test_series_ending_at_different_months_start_their_own_forecasts():
    df = pd.concat([seasonal("long", 30, seed=4, start="2024-01"), seasonal("stopped", 24, seed=5,
                                                                             start="2024-01")])
    fc = kf.forecast(df, 2, method="seasonal_naive", spring_festival=False)
    first = fc.groupby("unique_id")["ds"].min()
    assert first["long"] == pd.Timestamp("2026-07-01") and first["stopped"] == pd.Timestamp("2026-01-01")


def test_month_missing_inside_a_series_names_series_and_month():
    df = seasonal("S1/Aurora", 24, seed=6, start="2024-01")
    df = df[df["ds"] != pd.Timestamp("2025-03-01")]
    with pytest.raises(DataContractError, match=r"series S1/Aurora: month 2025-03 is missing"):
        kf.forecast(df, 3)


def test_fill_missing_counts_a_missing_month_as_zero():
    # 2025-03 is missing; filled with 0, seasonal naive forecasts 0 for 2026-03 (12 months later)
    df = seasonal("S1/Aurora", 24, seed=6, start="2024-01")
    df = df[df["ds"] != pd.Timestamp("2025-03-01")]
    fc = kf.forecast(df, 12, method="seasonal_naive", fill_missing=True, spring_festival=False)
    assert fc.loc[fc["ds"] == pd.Timestamp("2026-03-01"), "yhat"].item() == 0
    assert fc.loc[fc["ds"] == pd.Timestamp("2026-04-01"), "yhat"].item() == df.loc[
        df["ds"] == pd.Timestamp("2025-04-01"), "y"].item()


def test_fill_missing_extends_a_series_that_stops_early_with_zeros():
    df = pd.concat([seasonal("a", 24, seed=1, start="2024-01"), series("b", [5, 5, 5, 5, 5, 5], "2024-01")])
    fc = kf.forecast(df, 1, method="seasonal_naive", fill_missing=True, spring_festival=False)
    assert fc.groupby("unique_id")["ds"].first().nunique() == 1   # both start 2026-01
    assert fc.loc[fc["unique_id"] == "b", "yhat"].item() == 0


def test_thousands_of_series_in_one_call():
    rng = np.random.default_rng(11)
    n_series, months = 1500, 30
    values = rng.poisson(np.tile(PATTERN / 4, 3)[:months], size=(n_series, months)).astype(float) + 1
    df = pd.DataFrame({
        "unique_id": np.repeat([f"S{i // 20:02d}/M{i % 20:02d}" for i in range(n_series)], months),
        "ds": np.tile(pd.period_range("2024-05", periods=months, freq="M").to_timestamp(), n_series),
        "y": values.ravel(),
    })
    fc = kf.forecast(df, 2, method="seasonal_naive", spring_festival=False)
    assert len(fc) == n_series * 2 and fc["unique_id"].nunique() == n_series
    # seasonal naive: the first forecast month (2026-11) repeats 2025-11, the 19th of 30 months (index 18)
    first = fc.groupby("unique_id", sort=True)["yhat"].first().to_numpy()
    ids_sorted = np.argsort([f"S{i // 20:02d}/M{i % 20:02d}" for i in range(n_series)], kind="stable")
    assert np.array_equal(first, values[ids_sorted, 18])


def test_month_given_as_text_and_any_day_in_the_month():
    df = seasonal("a", 24, seed=8, start="2024-01")
    as_text = df.assign(ds=df["ds"].dt.strftime("%Y-%m"))
    month_end = df.assign(ds=df["ds"] + pd.offsets.MonthEnd(0))
    a = kf.forecast(as_text, 2, method="seasonal_naive")
    b = kf.forecast(month_end, 2, method="seasonal_naive")
    assert a["ds"].tolist() == b["ds"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert a["yhat"].tolist() == b["yhat"].tolist()


def test_input_frame_is_not_changed():
    df = seasonal("a", 30, seed=9)
    before = df.copy()
    kf.forecast(df, 2, method="seasonal_naive")
    pd.testing.assert_frame_equal(df, before)


# --------------------------------------------------------------------------- bad input


def bad(df, **kwargs):
    return kf.forecast(df, kwargs.pop("h", 3), **kwargs)


def test_negative_units_name_series_and_month():
    df = seasonal("S2/Comet", 24, seed=1, start="2024-01")
    df.loc[df["ds"] == pd.Timestamp("2025-06-01"), "y"] = -2
    with pytest.raises(DataContractError, match=r"series S2/Comet, month 2025-06: y = -2 is negative"):
        bad(df)


def test_duplicate_month_names_series_and_month():
    df = seasonal("S2/Comet", 24, seed=1, start="2024-01")
    df = pd.concat([df, df.iloc[[5]]])
    with pytest.raises(DataContractError, match=r"series S2/Comet, month 2024-06 appears 2 times"):
        bad(df)


def test_text_in_y_names_series_month_and_value():
    df = seasonal("S2/Comet", 24, seed=1, start="2024-01")
    df["y"] = df["y"].astype(object)
    df.loc[df.index[3], "y"] = "twelve"
    with pytest.raises(DataContractError, match=r"series S2/Comet, month 2024-04: y must be a number of units; "
                                                r"got 'twelve'"):
        bad(df)


def test_empty_y_is_an_error_unless_filled():
    df = seasonal("S2/Comet", 24, seed=1, start="2024-01")
    df.loc[df.index[4], "y"] = np.nan
    with pytest.raises(DataContractError, match=r"series S2/Comet, month 2024-05: y is empty"):
        bad(df)
    assert len(bad(df, fill_missing=True, method="seasonal_naive")) == 3


@pytest.mark.parametrize("h", [0, -1, 1.5, True, "3"])
def test_horizon_below_one_or_not_whole(h):
    with pytest.raises(DataContractError, match=r"^h: expected a whole number of months >= 1; got"):
        kf.forecast(seasonal("a", 24, seed=1), h)


def test_all_problems_are_collected():
    df = seasonal("S1/Glide", 24, seed=1, start="2024-01")
    df.loc[df.index[1], "y"] = -1
    df.loc[df.index[2], "y"] = -3
    with pytest.raises(DataContractError) as info:
        bad(df)
    assert len(info.value.problems) == 2
    assert "month 2024-02" in info.value.problems[0] and "month 2024-03" in info.value.problems[1]


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"unique_id": ["a"], "ds": ["2026-01"]}), r"missing column\(s\) y"),
    (pd.DataFrame({"unique_id": [], "ds": [], "y": []}), r"no rows"),
    (pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2026-01", "soon"], "y": [1, 2]}),
     r"series a: ds 'soon' is not a month"),
    (pd.DataFrame({"unique_id": ["a", None], "ds": ["2026-01", "2026-02"], "y": [1, 2]}), r"unique_id is empty"),
    ([1, 2, 3], r"expected a DataFrame"),
])
def test_malformed_frames(frame, message):
    with pytest.raises(DataContractError, match=message):
        kf.forecast(frame, 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "prophet"}, r"^method: expected 'auto', one of seasonal_naive"),
    ({"method": ["ces", "lstm"]}, r"^method: .*got 'lstm'"),
    ({"level": (80, 100)}, r"^level: expected interval levels between 0 and 100"),
    ({"level": "95"}, r"^level: expected interval levels"),
    ({"season_length": 0}, r"^season_length: expected a whole number"),
    ({"method": "mean(ets, prophet)"}, r"^method: .*got 'prophet'"),
    ({"method": "average(ets, ces)"}, r"^method: .*'mean\(ets, ces, theta\)'"),
    ({"n_jobs": 0}, r"^n_jobs: expected a whole number of processes"),
])
def test_bad_options_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        kf.forecast(seasonal("a", 24, seed=1), 2, **kwargs)


# --------------------------------------------------------------------------- Spring Festival


def test_spring_festival_calendar_by_hand():
    calendar = kf.spring_festival_calendar([2025, 2026, 2014]).set_index("year")
    # 2025-01-29: slow days from New Year's Eve 01-28 to 元宵 02-12 = 16 days; 01-28 … 01-31 = 4 in January
    assert calendar.loc[2025, "festival_date"] == pd.Timestamp("2025-01-29")
    assert (calendar.loc[2025, "slow_days_january"], calendar.loc[2025, "slow_days_february"]) == (4, 12)
    assert calendar.loc[2025, "january_share"] == 0.25
    # 2026-02-17: 02-16 … 03-03, none in January (and 13 in February, 3 in March)
    assert calendar.loc[2026, "january_share"] == 0.0
    assert calendar.loc[2026, "slow_days_february"] == 13
    # 2014-01-31: 01-30 … 02-14, 2 in January
    assert calendar.loc[2014, "slow_days_january"] == 2
    assert len(kf.SPRING_FESTIVAL_DATES) == 26 and min(kf.SPRING_FESTIVAL_DATES) == 2010
    with pytest.raises(ConfigError, match=r"2010–2035; got 2040"):
        kf.spring_festival_calendar([2040])


@pytest.fixture(scope="module")
def festival_series() -> pd.DataFrame:
    """100 a month, except that January + February = 200 split by the festival: January share 0.55 − 0.5·x."""
    share = kf.spring_festival_calendar(range(2014, 2026)).set_index("year")["january_share"]
    rows = []
    for year in range(2014, 2026):
        for month in range(1, 13):
            value = 100.0
            if month == 1:
                value = 200 * (0.55 - 0.5 * share[year])
            elif month == 2:
                value = 200 * (0.45 + 0.5 * share[year])
            rows.append(("S1/Aurora", pd.Timestamp(year=year, month=month, day=1), value))
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


def test_spring_festival_effect_is_recovered(festival_series):
    effect = kf.spring_festival_effect(festival_series).iloc[0]
    assert effect["effect_per_january_share"] == pytest.approx(-0.5)
    assert effect["january_share_festival_in_february"] == pytest.approx(0.55)
    assert effect["january_share_festival_in_january"] == pytest.approx(0.05)
    assert effect["pairs_used"] == 12 and effect["years_used"] == 12
    # the data follow the model exactly: no residual, so nothing is shrunk
    assert effect["effect_before_shrinkage"] == pytest.approx(-0.5)


def test_two_years_are_not_enough_to_estimate_the_festival(festival_series):
    # 2024 (x = 0) and 2025 (x = 0.25) differ, but with two years the move cannot be told from an ordinary
    # change between years: no adjustment, and the forecast is the plain one
    two_years = festival_series[festival_series["ds"] >= pd.Timestamp("2024-01-01")]
    effect = kf.spring_festival_effect(two_years).iloc[0]
    assert effect["years_used"] == 2 and effect["effect_per_january_share"] == 0
    a = kf.forecast(two_years, 4, method="seasonal_naive", spring_festival=True)
    b = kf.forecast(two_years, 4, method="seasonal_naive", spring_festival=False)
    assert a["yhat"].tolist() == b["yhat"].tolist()


def test_a_noisy_festival_estimate_is_shrunk():
    # three years whose January share moves against the calendar as much as with it: the estimate is mostly noise
    rows = []
    for year, january in ((2023, 60.0), (2024, 140.0), (2025, 90.0), (2026, 115.0)):
        for month in range(1, 13):
            value = january if month == 1 else 200 - january if month == 2 else 100.0
            rows.append(("a", pd.Timestamp(year=year, month=month, day=1), value))
    effect = kf.spring_festival_effect(pd.DataFrame(rows, columns=["unique_id", "ds", "y"])).iloc[0]
    assert effect["years_used"] == 4
    assert abs(effect["effect_per_january_share"]) < abs(effect["effect_before_shrinkage"])


def test_spring_festival_adjustment_moves_the_dip(festival_series):
    # 2025's festival (Jan 29, x = 0.25) put January at 200 × (0.55 − 0.125) = 85 and February at 115.
    # 2026's festival is Feb 17 (x = 0): January should be 200 × 0.55 = 110 and February 90.
    plain = kf.forecast(festival_series, 4, method="seasonal_naive", spring_festival=False)
    adjusted = kf.forecast(festival_series, 4, method="seasonal_naive", spring_festival=True)
    jan, feb = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")
    assert plain.set_index("ds").loc[jan, "yhat"] == pytest.approx(85)
    assert plain.set_index("ds").loc[feb, "yhat"] == pytest.approx(115)
    assert adjusted.set_index("ds").loc[jan, "yhat"] == pytest.approx(110)
    assert adjusted.set_index("ds").loc[feb, "yhat"] == pytest.approx(90)
    # months away from the festival are untouched
    assert adjusted.set_index("ds").loc[pd.Timestamp("2026-03-01"), "yhat"] == pytest.approx(100)


def test_without_january_february_pairs_the_adjustment_does_nothing():
    df = seasonal("a", 10, seed=3, start="2025-03")   # March … December: no January + February pair
    effect = kf.spring_festival_effect(df)
    assert effect["effect_per_january_share"].iloc[0] == 0
    a = kf.forecast(df, 4, method="theta", spring_festival=True)
    b = kf.forecast(df, 4, method="theta", spring_festival=False)
    np.testing.assert_allclose(a["yhat"], b["yhat"])


# --------------------------------------------------------------------------- backtest


def test_backtest_mase_smape_bias_and_mape_by_hand():
    # 36 months from 2023-01: PATTERN, PATTERN + 2, then PATTERN + 4 for 11 months and 2025-12 = 36 + 10 = 46.
    # One origin (h = 1, windows = 1): train on the first 35 months, forecast 2025-12.
    # seasonal naive: 2024-12 = 36 + 2 = 38; error 38 − 46 = −8.
    # scale: in-sample seasonal-naive errors of months 13–35 are all 2 → MASE = 8 ÷ 2 = 4.
    # sMAPE = 200 × 8 ÷ (38 + 46) = 19.048 %; MAPE = 8 ÷ 46 = 17.39 % → King Long 100.
    values = np.r_[PATTERN, PATTERN + 2, PATTERN[:11] + 4, PATTERN[11] + 10]
    result = kf.backtest(series("S1/Dart", values), 1, windows=1, methods=["seasonal_naive"],
                         spring_festival=False)
    row = result[(result["scope"] == "series") & (result["method"] == "seasonal_naive")].iloc[0]
    assert row["n_forecasts"] == 1
    assert row["mase"] == pytest.approx(4.0)
    assert row["smape_pct"] == pytest.approx(200 * 8 / 84)
    assert row["bias_units"] == pytest.approx(-8.0)
    assert row["bias_pct"] == pytest.approx(-800 / 46)
    assert row["mape_pct"] == pytest.approx(800 / 46)
    assert row["king_long_score"] == 100
    overall = result[result["scope"] == "overall"].iloc[0]
    assert overall["mase"] == pytest.approx(4.0) and pd.isna(overall["unique_id"])


@pytest.mark.slow
def test_backtest_rows_for_every_method_with_and_without_the_festival(awkward):
    df = awkward[awkward["unique_id"].isin(["regular", "intermittent", "short_18"])]
    result = kf.backtest(df, 2, windows=3)
    overall = result[result["scope"] == "overall"]
    assert overall["method"].tolist() == ["seasonal_naive", *kf.DEFAULT_MEMBERS[1:], "auto", "auto"]
    assert overall.loc[overall["method"] == "seasonal_naive", "spring_festival_adjusted"].tolist() == [False]
    assert sorted(overall.loc[overall["method"] == "auto", "spring_festival_adjusted"]) == [False, True]
    # 3 series × 3 origins × 2 months = 18 forecasts per method
    assert (overall["n_forecasts"] == 18).all()
    assert (overall["fit_seconds"] >= 0).all()
    series_rows = result[result["scope"] == "series"]
    assert set(series_rows["unique_id"]) == {"regular", "intermittent", "short_18"}
    assert series_rows["fit_seconds"].isna().all()
    assert set(result.columns) >= {"mase", "smape_pct", "bias_units", "mape_pct", "king_long_score",
                                   "coverage_80_pct", "coverage_95_pct"}


def test_backtest_perfect_seasonal_series_scores_zero_error_for_seasonal_naive():
    values = np.r_[PATTERN, PATTERN + 12, PATTERN + 12, PATTERN + 12]   # 48 months, the last 3 years identical
    result = kf.backtest(series("flat", values), 3, windows=4, methods=["seasonal_naive"], spring_festival=False)
    row = result[result["scope"] == "series"].iloc[0]
    assert row["mase"] == 0 and row["smape_pct"] == 0 and row["bias_units"] == 0


def test_backtest_needs_enough_months():
    with pytest.raises(InsufficientDataError, match=r"need at least 15 months"):
        kf.backtest(seasonal("a", 12, seed=1), 3, windows=12)


# --------------------------------------------------------------------------- dealer tables


def test_sales_series_fills_months_and_adds_totals():
    sales = pd.DataFrame({
        "month": ["2026-08", "2026-10", "2026-08", "2026-09", "2026-10", "2026-09"],
        "store_id": ["S1", "S1", "S1", "S1", "S1", "S2"],
        "model": ["Aurora", "Aurora", "Breeze", "Breeze", "Breeze", "Aurora"],
        "units": [3, 5, 2, 4, 6, 7],
    })
    out = kf.sales_series(sales)
    got = {uid: g["y"].tolist() for uid, g in out.groupby("unique_id")}
    assert got["S1/Aurora"] == [3, 0, 5]            # 2026-09 had no row: 0
    assert got["S1/Breeze"] == [2, 4, 6]
    assert got["S2/Aurora"] == [7, 0]               # from its first month to the table's last
    assert got["S1/ALL"] == [5, 4, 11]
    assert got["S2/ALL"] == [7, 0]
    assert got["ALL/ALL"] == [5, 11, 11]
    assert list(out.columns) == ["unique_id", "ds", "y", "store_id", "model"]


def test_stock_positions_match_series_ids():
    stock = pd.DataFrame({"store_id": ["S1", "S1", "S2"], "model": ["Aurora", "Breeze", "Aurora"],
                          "on_hand": [4, 6, 2], "in_transit": [1, 0, 3]})
    out = kf.stock_positions(stock).set_index("unique_id")
    assert out.loc["S1/Aurora", "on_hand"] == 4 and out.loc["S1/ALL", "on_hand"] == 10
    assert out.loc["ALL/ALL", "in_transit"] == 4


# --------------------------------------------------------------------------- ledger


def test_ledger_across_two_consecutive_monthly_runs(tmp_path):
    reports = tmp_path / "reports"
    # run 2026-09 forecast 2026-10 and 2026-11; run 2026-10 forecast 2026-11 and 2026-12 (by hand)
    september = pd.DataFrame({"unique_id": ["S1/宝骏", "S1/宝骏"], "ds": pd.to_datetime(["2026-10-01", "2026-11-01"]),
                              "yhat": [10.0, 12.0], "yhat_lo_80": [8.0, 9.0], "yhat_hi_80": [12.0, 15.0],
                              "method": "auto"})
    october = pd.DataFrame({"unique_id": ["S1/宝骏", "S1/宝骏"], "ds": pd.to_datetime(["2026-11-01", "2026-12-01"]),
                            "yhat": [15.0, 9.0], "yhat_lo_80": [13.0, 7.0], "yhat_hi_80": [17.0, 11.0],
                            "method": "auto"})
    first = kf.save_forecasts(september, reports / "2026-09", run_month="2026-09")
    second = kf.save_forecasts(october, reports / "2026-10", run_month="2026-10")
    assert first == reports / "2026-09" / kf.FORECASTS_FILE_NAME
    assert second.name == "sales_forecast.forecasts.csv"
    actuals = pd.DataFrame({"unique_id": ["S1/宝骏"] * 2, "ds": ["2026-10", "2026-11"], "y": [11, 16]})

    # November: both runs forecast it; 12 (2 months ahead) and 15 (1 month ahead) against 16
    november = kf.read_ledger(reports, month="2026-11", actuals=actuals)
    assert november["run_month"].tolist() == ["2026-09", "2026-10"]
    assert november["months_ahead"].tolist() == [2, 1]
    assert november["yhat"].tolist() == [12.0, 15.0]
    assert november["actual"].tolist() == [16, 16]
    assert november["error_units"].tolist() == [-4.0, -1.0]
    np.testing.assert_allclose(november["abs_pct_error"], [25.0, 6.25])       # 4 ÷ 16, 1 ÷ 16
    assert november["king_long_score"].tolist() == [80, 100]
    assert november["inside_80"].tolist() == [False, True]                    # 16 > 15; 13 ≤ 16 ≤ 17
    assert (november["ds"] == pd.Timestamp("2026-11-01")).all()

    # October: only the September run forecast it (October's own run is not "earlier")
    october_rows = kf.read_ledger(reports, month="2026-10", actuals=actuals)
    assert october_rows["run_month"].tolist() == ["2026-09"] and october_rows["error_units"].tolist() == [-1.0]

    # the whole track record: 4 saved forecasts, the December one still without an actual
    everything = kf.read_ledger(reports, month=None, actuals=actuals)
    assert len(everything) == 4 and everything["actual"].isna().sum() == 1


def test_ledger_without_earlier_runs_is_empty(tmp_path):
    ledger = kf.read_ledger(tmp_path, month="2026-11")
    assert ledger.empty and {"unique_id", "run_month", "yhat", "actual", "error_units"} <= set(ledger.columns)


def test_saving_again_replaces_the_runs_file(tmp_path):
    fc = kf.forecast(seasonal("a", 24, seed=1), 2, method="seasonal_naive")
    # the series runs 2023-01 … 2024-12, so the run month is 2024-12 and the forecast is 2025-01, 2025-02
    path = kf.save_forecasts(fc, tmp_path / "2024-12", run_month="2024-12")
    kf.save_forecasts(fc.assign(yhat=fc["yhat"] + 1), tmp_path / "2024-12", run_month="2024-12")
    saved = pd.read_csv(path, encoding="utf-8-sig")
    assert saved["yhat"].tolist() == (fc["yhat"] + 1).tolist()
    assert saved["months_ahead"].tolist() == [1, 2]
    assert not list(tmp_path.glob("*/*.tmp"))
    with pytest.raises(ConfigError, match=r"run_month: expected a month such as '2026-10'"):
        kf.save_forecasts(fc, tmp_path, run_month="December")


def test_a_broken_ledger_file_names_the_file(tmp_path):
    (tmp_path / "2026-09").mkdir()
    (tmp_path / "2026-09" / kf.FORECASTS_FILE_NAME).write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataContractError, match=r"2026-09.*sales_forecast\.forecasts\.csv: missing column"):
        kf.read_ledger(tmp_path, month="2026-10")


# --------------------------------------------------------------------------- calibration and accuracy


def test_calibrated_bands_cover_as_promised_on_series_of_known_distribution():
    # 300 series of independent normal noise around a level (σ from 1 to 20): whatever the method forecasts,
    # the calibrated bands must hold about 80 % and 95 % of the 6 held-out months (1,800 values: the binomial
    # standard error of 80 % is 0.9 points, of 95 % 0.5)
    rng = np.random.default_rng(21)
    n, months, h = 300, 48, 6
    sigma = rng.uniform(1, 20, n)
    values = 100 + sigma[:, None] * rng.standard_normal((n, months))
    ds = pd.period_range("2022-11", periods=months, freq="M").to_timestamp()
    df = pd.DataFrame({"unique_id": np.repeat([f"S{i:03d}" for i in range(n)], months),
                       "ds": np.tile(ds, n), "y": values.ravel()})
    train = df[df["ds"] < ds[-h]]
    fc = kf.forecast(train, h, season_length=1, method="dotm", spring_festival=False)
    merged = fc.merge(df, on=["unique_id", "ds"])
    for lv, (low, high) in {80: (76, 84), 95: (92.5, 97.5)}.items():
        inside = ((merged["y"] >= merged[f"yhat_lo_{lv}"]) & (merged["y"] <= merged[f"yhat_hi_{lv}"])).mean()
        assert low <= 100 * inside <= high


@pytest.mark.slow  # an accuracy check over many generated series (seconds); the benchmark is in `make bench`
def test_the_default_beats_seasonal_naive_on_held_out_generated_series():
    # 60 store × model series with a yearly pattern, a trend and Poisson noise; the last 12 months held out
    rng = np.random.default_rng(5)
    months, h = 60, 12
    ds = pd.period_range("2021-11", periods=months, freq="M").to_timestamp()
    frames = []
    for i in range(60):
        level = rng.uniform(3, 30)
        trend = (1 + rng.normal(0, 0.08)) ** (np.arange(months) / 12)
        mean = level * np.tile(PATTERN / PATTERN.mean(), 6)[:months] * trend
        frames.append(pd.DataFrame({"unique_id": f"S{i // 10}/M{i % 10}", "ds": ds,
                                    "y": rng.poisson(mean).astype(float)}))
    df = pd.concat(frames, ignore_index=True)
    train, test = df[df["ds"] < ds[-h]], df[df["ds"] >= ds[-h]]
    errors = {}
    for method in ("auto", "seasonal_naive"):
        fc = kf.forecast(train, h, method=method, level=(), spring_festival=False).merge(test, on=["unique_id", "ds"])
        errors[method] = (fc["yhat"] - fc["y"]).abs().groupby(fc["unique_id"]).mean()
    scale = train.groupby("unique_id")["y"].apply(lambda v: np.mean(np.abs(v.to_numpy()[12:] - v.to_numpy()[:-12])))
    mase = {m: float((e / scale).mean()) for m, e in errors.items()}
    assert mase["auto"] < 0.9 * mase["seasonal_naive"]


def test_a_combination_by_name():
    df = seasonal("S1/A", 36, seed=8)
    mean = kf.forecast(df, 3, method="mean(seasonal_naive, naive)", level=(), spring_festival=False)
    parts = [kf.forecast(df, 3, method=m, level=(), spring_festival=False)["yhat"].to_numpy()
             for m in ("seasonal_naive", "naive")]
    np.testing.assert_allclose(mean["yhat"], (parts[0] + parts[1]) / 2)
    assert mean["method"].iloc[0] == "mean(seasonal_naive, naive)"


# --------------------------------------------------------------------------- "auto": the choice by validation


def hand_run(truth: np.ndarray, offsets: dict[str, float], classes=None, *, start: int = 100) -> "object":
    """A run of every "auto" member forecasting ``truth + offsets[member]`` (other members: truth + 10); scale 1."""
    from kit.forecast import engine
    from kit.forecast.festival import _Festival

    n, h = truth.shape
    members = engine.DEFAULT_MEMBERS + engine.INTERMITTENT_MEMBERS
    point = {m: truth + offsets.get(m, 10.0) for m in members}
    classes = np.array(classes if classes is not None else ["regular"] * n, dtype=object)
    return engine._Run(ids=np.array([f"S{i:02d}" for i in range(n)], dtype=object),
                       last_t=np.full(n, start), series_class=classes, h=h, point=point,
                       dispersion=np.ones(n), recent_mean=np.zeros(n), scale=np.ones(n), seconds={},
                       festival=_Festival(a=np.full(n, 0.5), has_pairs=np.zeros(n, bool)))


def actual_of(run, truth) -> pd.Series:
    h = truth.shape[1]
    index = pd.MultiIndex.from_arrays([np.repeat(run.ids, h), (run.last_t[:, None] + np.arange(1, h + 1)).ravel()])
    return pd.Series(truth.ravel(), index=index)


OFFSETS = {"seasonal_naive": 4.0, "stl_ets": 0.0, "ces": 2.0, "theta": 6.0, "dotm": 6.0}


def test_auto_chooses_the_candidate_with_the_lowest_validation_mase_by_hand():
    # every member misses by a fixed amount: seasonal naive +4, STL-ETS 0, CES +2, Theta +6, DOTM +6 (scale 1):
    #   median(seasonal_naive, stl_ets, ces, dotm) = median(4, 0, 2, 6) = 3   → MASE 3
    #   mean(stl_ets, theta, dotm)                 = (0 + 6 + 6) / 3  = 4     → MASE 4
    #   mean(stl_ets, ces, theta)                  = (0 + 2 + 6) / 3  = 2.67  → MASE 2.67
    #   mean(stl_ets, ces)                         = (0 + 2) / 2      = 1     → MASE 1   ← chosen
    from kit.forecast import engine

    truth = np.arange(50.0).reshape(25, 2)
    window = hand_run(truth, OFFSETS)
    choice = engine._select(window, [window], actual_of(window, truth))
    assert choice.by_class["regular"] == ("mean", ("stl_ets", "ces"))
    table = choice.table.set_index("method")
    np.testing.assert_allclose(table["mase"], [3.0, 4.0, 8 / 3, 1.0])
    assert table["chosen"].tolist() == [False, False, False, True] and (table["series"] == 25).all()
    point, labels = engine._combine_points(window, "auto", choice)
    np.testing.assert_allclose(point, truth + 1.0)
    assert set(labels) == {"mean(stl_ets, ces)"}


def test_auto_with_too_few_series_to_choose_keeps_the_first_candidate():
    # 19 regular series (< MIN_SELECTION_SERIES = 20) and 5 intermittent ones: no class may choose
    from kit.forecast import engine

    truth = np.arange(48.0).reshape(24, 2)
    window = hand_run(truth, OFFSETS, ["regular"] * 19 + ["intermittent"] * 5)
    choice = engine._select(window, [window], actual_of(window, truth))
    assert choice.by_class == {"regular": engine.AUTO_CANDIDATES[0], "intermittent": engine.INTERMITTENT_CANDIDATES[0]}


def test_short_series_take_the_choice_of_regular_and_short_together():
    # 15 regular + 10 short series: neither class alone has 20, together they have 25 and choose mean(stl_ets, ces)
    from kit.forecast import engine

    truth = np.arange(50.0).reshape(25, 2)
    window = hand_run(truth, OFFSETS, ["regular"] * 15 + ["short"] * 10)
    choice = engine._select(window, [window], actual_of(window, truth))
    assert choice.by_class["regular"] == choice.by_class["short"] == ("mean", ("stl_ets", "ces"))


def test_a_calibration_window_is_forecast_as_the_real_forecast_is_classed():
    # the series is intermittent at the forecast origin, regular in the earlier window: the window's forecast
    # uses the intermittent choice (median of Croston's family), as the real forecast will
    from kit.forecast import engine

    truth = np.ones((1, 2))
    window = hand_run(truth, {"croston": 1.0, "adida": 2.0, "imapa": 3.0}, ["regular"])
    choice = engine._Choice(by_class={"intermittent": engine.INTERMITTENT_CANDIDATES[0]},
                            classes={"S00": "intermittent"}, table=pd.DataFrame())
    point, labels = engine._combine_points(window, "auto", choice)
    assert labels.tolist() == ["median(croston, adida, imapa)"] and point.tolist() == [[3.0, 3.0]]


def test_errors_of_a_window_too_short_for_a_season_are_measured_in_the_methods_own_error():
    # S00 is fitted with a season at the origin but not in the window (too short then): its errors and its band
    # are divided by the method's in-sample error; S01 keeps the seasonal-naive scale.
    # In-sample one-step forecasts (median of the default's four members, all equal here):
    #   origin S00: history 10, 12, 14, fitted NaN, 11, 15 → |12 − 11|, |14 − 15| → mean 1
    #   window S00: history 10, 12, fitted 13, 8            → |10 − 13|, |12 − 8| → mean 3.5
    from kit.forecast import engine

    truth = np.zeros((2, 1))

    def with_history(run, seasonal, history, fitted, indptr):
        run.seasonal = np.array(seasonal)
        run.history = np.array(history, float)
        run.indptr = np.array(indptr)
        run.fitted = {m: np.array(fitted, float) for m in run.point}
        run.scale = np.array([7.0, 9.0])
        return run

    # (season length 2 here: S00's 3 months less the window's 1 month are under 2 × 2, S01's 2 months are not
    # seasonal at the origin already)
    origin = with_history(hand_run(truth, {}), [True, False], [10, 12, 14, 5, 5], [np.nan, 11, 15, 4, 6],
                          [0, 3, 5])
    origin.season_length = 2
    window = with_history(hand_run(truth, {}), [False, False], [10, 12, 5, 5], [13, 8, 4, 6], [0, 2, 4])
    spec = engine.DEFAULT_METHOD
    at_origin, at_windows = engine._normalisers(origin, [window], [1], spec, None)
    np.testing.assert_allclose(at_origin, [1.0, 9.0])
    np.testing.assert_allclose(at_windows[0], [3.5, 9.0])
    # a window that leaves S00 its season (offset 0 of 3 months with season 1.5): both keep the MASE scale
    origin.season_length = 1
    at_origin, at_windows = engine._normalisers(origin, [window], [1], spec, None)
    np.testing.assert_allclose(at_origin, [7.0, 9.0])
    np.testing.assert_allclose(at_windows[0], [7.0, 9.0])
