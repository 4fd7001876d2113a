"""kit.sales: every number of the sales performance report on tiny frames whose answers are worked out by hand here."""

from __future__ import annotations

import math
import types

import numpy as np
import pandas as pd
import pytest

from kit import i18n, periods
from kit.exceptions import ConfigError, DataContractError
from kit.sales import aftercare, comparisons, ledger, mix, pace, reconciliation, targets, traffic
from kit.sales.settings import SalesSettings
from kit.settings import parse_settings

T = pd.Timestamp
NaT = pd.NaT


def orders_frame() -> pd.DataFrame:
    """Six orders around the start of October 2026 (see the test docstrings for what each one is)."""
    rows = [
        # id, store, ordered, delivered, cancelled, consultant, model, type, gp, insurance, finance
        ("A", "S1", "2026-10-01", "2026-10-05", None, "E1", "X", "retail", 5000, 1000, 2000),
        ("B", "S1", "2026-10-02", "2026-10-06", None, "E1", "Y", "retail", 3000, 0, None),
        ("C", "S1", "2026-10-03", None, "2026-10-04", "E2", "X", "retail", 4000, None, None),
        ("D", "S2", "2026-09-28", "2026-10-02", None, None, "Y", "fleet", 600, 0, 0),
        ("E", "S2", "2026-10-06", None, None, "E2", "X", "retail", 2000, None, None),
        ("F", "S1", "2026-09-20", None, "2026-10-03", "E1", "Y", "retail", 1000, None, None),
    ]
    f = pd.DataFrame(rows, columns=["order_id", "store_id", "ordered_at", "delivered_at", "cancelled_at",
                                    "consultant_id", "model", "sale_type", "gross_profit", "insurance_income",
                                    "finance_income"])
    for col in ("ordered_at", "delivered_at", "cancelled_at"):
        f[col] = pd.to_datetime(f[col])
    f["warranty_income"] = np.nan  # present but empty on every row: not shown
    return f


# --------------------------------------------------------------------------- settings


def test_settings_defaults_and_parsing():
    s = SalesSettings.from_mapping(None)
    assert s.closed_weekdays == () and s.followup_within_days == 3 and s.consultant_units == "orders"
    s = SalesSettings.from_mapping({"closed_weekdays": ["Mon", "sunday"], "closed_dates": ["2027-02-06"],
                                    "model_tiers": {"Aurora": "premium"}, "penetration_targets": {"insurance": 0.85},
                                    "consultant_units": "deliveries", "followup_within_days": 7})
    assert s.closed_weekdays == (0, 6) and s.closed_dates == (T("2027-02-06"),)
    assert dict(s.model_tiers) == {"Aurora": "premium"} and s.penetration_targets["insurance"] == 0.85
    assert parse_settings({"sales": {"followup_within_days": 5}}).sales.followup_within_days == 5
    assert parse_settings({}).sales == SalesSettings()


@pytest.mark.parametrize("mapping, message", [
    ({"closed_day": []}, "sales.closed_day: unknown setting"),
    ({"closed_weekdays": ["funday"]}, r"sales.closed_weekdays\[0\]: expected one of mon"),
    ({"closed_dates": ["2027-02-30"]}, r"sales.closed_dates\[0\]: expected a date"),
    ({"followup_within_days": 2.5}, "sales.followup_within_days: expected a whole number"),
    ({"consultant_units": "invoices"}, "sales.consultant_units: expected orders, signed_orders or deliveries"),
    ({"model_tiers": {"Aurora": "luxury"}}, "sales.model_tiers.Aurora: expected one of premium"),
    ({"penetration_targets": {"insurance": 85}}, "sales.penetration_targets.insurance: expected a share"),
    ({"penetration_targets": {"tyres": 0.5}}, "sales.penetration_targets.tyres: unknown product"),
])
def test_bad_settings_name_the_setting(mapping, message):
    with pytest.raises(ConfigError, match=message):
        SalesSettings.from_mapping(mapping)


# --------------------------------------------------------------------------- the ledger


def test_window_counts_deliveries_orders_cancellations_open_orders_and_money():
    """1–6 October: delivered A, B (retail) and D (fleet); placed A, B, C, E; cancelled C and September's F; open E.

    Gross profit 5000 + 3000 + 600 = 8600; per retail car (5000 + 3000) / 2 = 4000. Insurance on A only (B's is 0):
    penetration 1/2, income 1000 (D's 0 counts in the total), per retail car 1000/2. Finance on A only (B empty):
    1/2, income 2000, per car 1000. The warranty column is empty on every row and accessories is absent: not shown.
    """
    s = ledger.summarize(orders_frame(), start="2026-10-01", end="2026-10-06").iloc[0]
    assert (s["deliveries_units"], s["fleet_deliveries_units"]) == (3, 1)
    assert (s["orders_placed_units"], s["cancellations_units"], s["net_orders_units"]) == (4, 2, 2)
    assert s["open_orders_units"] == 1
    assert s["gross_profit_cny"] == 8600 and s["gross_profit_per_unit_cny"] == 4000
    assert (s["insurance_units"], s["insurance_penetration_rate"], s["insurance_income_cny"],
            s["insurance_income_per_unit_cny"]) == (1, 0.5, 1000, 500)
    assert (s["finance_units"], s["finance_penetration_rate"], s["finance_income_cny"],
            s["finance_income_per_unit_cny"]) == (1, 0.5, 2000, 1000)
    assert not any(c.startswith(("warranty", "accessories", "trade_in")) for c in s.index)


def test_a_window_only_knows_what_happened_by_its_end():
    """1–3 October: only D delivered (fleet: no retail car, so per-car figures are empty); A, B, C placed; F's
    cancellation on the 3rd counts; C is still open (cancelled on the 4th), as are A and B."""
    s = ledger.summarize(orders_frame(), start="2026-10-01", end="2026-10-03").iloc[0]
    assert (s["deliveries_units"], s["orders_placed_units"], s["cancellations_units"]) == (1, 3, 1)
    assert (s["net_orders_units"], s["open_orders_units"]) == (2, 3)
    assert s["gross_profit_cny"] == 600 and math.isnan(s["gross_profit_per_unit_cny"])
    assert math.isnan(s["insurance_penetration_rate"])


def test_by_store_and_a_negative_gross_profit_car_is_still_counted():
    f = orders_frame()
    f.loc[f["order_id"] == "B", "gross_profit"] = -3000  # sold below cost: still a delivery
    by = ledger.summarize(f, start="2026-10-01", end="2026-10-06", by="store_id").set_index("store_id")
    assert by.loc["S1", ["deliveries_units", "orders_placed_units", "cancellations_units", "net_orders_units",
                         "open_orders_units"]].tolist() == [2, 3, 2, 1, 0]
    assert by.loc["S2", ["deliveries_units", "net_orders_units", "open_orders_units"]].tolist() == [1, 1, 1]
    assert by.loc["S1", "gross_profit_cny"] == 2000 and by.loc["S1", "gross_profit_per_unit_cny"] == 1000


def test_optional_columns_absent_are_absent_from_the_output():
    f = orders_frame().drop(columns=["gross_profit", "insurance_income", "finance_income", "sale_type"])
    s = ledger.summarize(f, start="2026-10-01", end="2026-10-06").iloc[0]
    assert "gross_profit_cny" not in s.index and "fleet_deliveries_units" not in s.index
    assert not any("penetration" in c or "income" in c for c in s.index)
    assert s["deliveries_units"] == 3


def test_trade_in_penetration_from_the_flag_without_income():
    f = orders_frame().assign(trade_in=[True, False, None, None, None, None])
    s = ledger.summarize(f, start="2026-10-01", end="2026-10-06").iloc[0]
    assert s["trade_in_units"] == 1 and s["trade_in_penetration_rate"] == 0.5
    assert "trade_in_income_cny" not in s.index


def test_credited_on_orders_and_on_deliveries():
    """Orders basis: E1 placed A, B and lost F (+2 − 1 = 1; 5000 + 3000 − 1000); E2 placed C, E and lost C (1; 2000).
    Deliveries basis: E1 A, B (2; 8000); the fleet deal D has no consultant."""
    got = ledger.credited(orders_frame(), start="2026-10-01", end="2026-10-06").set_index("consultant_id")
    assert got.loc["E1", "credited_units"] == 1 and got.loc["E1", "credited_gross_profit_cny"] == 7000
    assert got.loc["E2", "credited_units"] == 1 and got.loc["E2", "credited_gross_profit_cny"] == 2000
    assert ledger.NO_CONSULTANT not in got.index
    got = ledger.credited(orders_frame(), start="2026-10-01", end="2026-10-06", basis="deliveries")
    got = got.set_index("consultant_id")
    assert got.loc["E1"].tolist() == [2, 8000] and got.loc[ledger.NO_CONSULTANT].tolist() == [1, 600]


@pytest.mark.parametrize("change, message", [
    ({"delivered_at": T("2026-09-30")}, "column delivered_at: expected a delivery on or after the order date; got "
                                        "an earlier date on order A"),
    ({"cancelled_at": T("2026-10-07")}, "column cancelled_at: expected a cancellation only on orders not delivered"),
])
def test_impossible_dates_are_named(change, message):
    f = orders_frame()
    for col, value in change.items():
        f.loc[f["order_id"] == "A", col] = value
    with pytest.raises(DataContractError, match=message):
        ledger.prepare_orders(f)


def test_missing_column_is_named():
    with pytest.raises(DataContractError, match="orders: missing column delivered_at"):
        ledger.prepare_orders(orders_frame().drop(columns="delivered_at"))


# --------------------------------------------------------------------------- pace


def closed_february() -> SalesSettings:
    """February 2026 (starts on a Sunday): closed on Mondays (2, 9, 16, 23) and on 17 February: 28 − 5 = 23 days."""
    return SalesSettings.from_mapping({"closed_weekdays": ["mon"], "closed_dates": ["2026-02-17"]})


def test_selling_days_leave_out_closed_weekdays_and_dates():
    days = pace.selling_days("2026-02", closed_february())
    assert len(days) == 23 and T("2026-02-17") not in days and T("2026-02-09") not in days
    assert len(pace.selling_days("2026-02")) == 28


def test_time_pace_and_run_rate_on_a_known_calendar():
    """10 February: 1–10 less Mondays 2 and 9 = 8 of 23 days gone, 15 left. 10 cars of 46: 21.7 % < 34.8 % → behind;
    projected 10 ÷ (8/23) = 28.75; needed (46 − 10) ÷ 15 = 2.4 a day."""
    p = pace.time_pace("2026-02", "2026-02-10", closed_february())
    assert (p.selling_days, p.days_elapsed, p.days_left) == (23, 8, 15)
    assert p.elapsed_rate == pytest.approx(8 / 23)
    row = pace.against_target(10, 46, p).iloc[0]
    assert row["status"] == "behind" and row["achievement_rate"] == pytest.approx(10 / 46)
    assert row["projected"] == pytest.approx(28.75) and row["needed_per_day"] == pytest.approx(2.4)
    assert pace.against_target(17, 46, p).iloc[0]["status"] == "ahead"  # 37 % ≥ 34.8 %


def test_a_closed_day_adds_no_time():
    s = closed_february()
    assert pace.time_pace("2026-02", "2026-02-16", s).days_elapsed == pace.time_pace("2026-02", "2026-02-15",
                                                                                     s).days_elapsed == 13


def test_a_complete_month_is_met_or_missed_without_pace():
    p = pace.time_pace("2026-02", "2026-02-28", closed_february())
    assert p.complete and p.elapsed_rate == 1.0
    rows = pace.against_target(pd.Series([46.0, 45.0, 3.0]), pd.Series([46.0, 46.0, 0.0]), p)
    assert rows["status"].tolist() == ["met", "missed", "no_target"]
    assert rows["needed_per_day"].isna().all() and rows["projected"].isna().all()


def test_averages_and_shares_are_judged_by_level():
    rows = pace.against_level(pd.Series([0.78, 0.9, 0.5]), pd.Series([0.85, 0.85, np.nan]))
    assert rows["status"].tolist() == ["below", "above", "no_target"]


# --------------------------------------------------------------------------- targets


def targets_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "month": ["2026-10"] * 6 + ["2026-09"],
        "store_id": ["S1", "S1", "S1", "S2", "S2", "S1", "S1"],
        "model": [None, "X", "Y", "X", "Y", "", None],
        "metric": ["deliveries", "deliveries", "deliveries", "deliveries", "deliveries", "orders", "deliveries"],
        "target": [40.0, 25.0, 12.0, 8.0, 6.0, 44.0, 99.0]})


def test_store_total_row_wins_and_model_rows_fill_in():
    """S1's deliveries target is its total row (40, not 25 + 12); S2 has model rows only: 8 + 6 = 14."""
    st = targets.store_targets(targets_frame(), "2026-10").set_index(["store_id", "metric"])["target"]
    assert st[("S1", "deliveries")] == 40 and st[("S2", "deliveries")] == 14 and st[("S1", "orders")] == 44
    mt = targets.model_targets(targets_frame(), "2026-10")
    assert len(mt) == 4 and mt["target"].sum() == 51


def test_dealer_target_is_missing_when_a_selling_store_has_none():
    dt = targets.dealer_targets(targets_frame(), "2026-10", stores_selling=["S1", "S2"])
    assert dt["deliveries"] == 54 and math.isnan(dt["orders"])  # S2 sells but has no orders target


# --------------------------------------------------------------------------- margin-tier mix


def kpi_frame() -> pd.DataFrame:
    rows = [("2026-10", "E1", "units_sold", 9, 10), ("2026-10", "E1", "units_premium", 1, 2),
            ("2026-10", "E1", "units_standard", 6, 6), ("2026-10", "E1", "units_entry", 2, 2),
            ("2026-10", "E1", "gross_profit", 40000, 50000)]
    return pd.DataFrame(rows, columns=["month", "staff_id", "metric", "actual", "target"])


def test_tier_mix_of_a_complete_month_comes_from_the_kpi_sheet():
    """E1: premium 1 of 2 = 50 % < 80 % → below the line; standard 6/6 and entry 2/2 are fine."""
    p = pace.time_pace("2026-10", "2026-10-31")
    m = mix.tier_mix(None, kpi_frame(), month="2026-10", pace=p, line=0.8)
    assert m.source == "kpi"
    t = m.table.set_index("tier")
    assert t.loc["premium", "achievement_rate"] == 0.5 and bool(t.loc["premium", "below_line"])
    assert not t.loc["standard", "below_line"] and t.loc["entry", "status"] == "met"


def test_tier_mix_mid_month_counts_the_ledger_through_model_tiers():
    """To 6 October (6 of 31 days, 19.4 %): E1's net orders are A (X, premium) and B (Y, standard) less F (Y):
    premium 1, standard 0. Premium 1 of 2 = 50 % ≥ 0.8 × 19.4 %; standard 0 of 6 is below; entry 0 of 2 below."""
    p = pace.time_pace("2026-10", "2026-10-06")
    s = SalesSettings.from_mapping({"model_tiers": {"X": "premium", "Y": "standard"}})
    m = mix.tier_mix(ledger.prepare_orders(orders_frame()), kpi_frame(), month="2026-10", pace=p, settings=s)
    assert m.source == "ledger"
    t = m.table.loc[m.table["consultant_id"] == "E1"].set_index("tier")
    assert t.loc["premium", "actual_units"] == 1 and t.loc["standard", "actual_units"] == 0
    assert t.loc["premium", "status"] == "ahead" and not t.loc["premium", "below_line"]
    assert bool(t.loc["standard", "below_line"]) and bool(t.loc["entry", "below_line"])
    wide = mix.tier_wide(m.table).set_index("consultant_id")
    assert wide.loc["E1", "premium_units"] == 1 and wide.loc["E1", "standard_target_units"] == 6


def test_tier_mix_mid_month_without_model_tiers_says_why():
    p = pace.time_pace("2026-10", "2026-10-06")
    m = mix.tier_mix(orders_frame(), kpi_frame(), month="2026-10", pace=p)
    assert m.table.empty and m.reason == "no_model_tiers"
    assert mix.tier_mix(orders_frame(), kpi_frame().iloc[[0]], month="2026-10", pace=p).reason == "no_tier_targets"


# --------------------------------------------------------------------------- traffic


def traffic_tables():
    tr = pd.DataFrame({"date": pd.to_datetime(["2026-10-04"] * 3 + ["2026-10-05"] * 3), "store_id": "S1",
                       "channel": ["walk_in", "phone", "online"] * 2, "visitors": [10, 4, 6, 5, 0, 5]})
    leads = pd.DataFrame({"created_at": pd.to_datetime(["2026-10-04"] * 5 + ["2026-10-05"] * 3),
                          "store_id": "S1", "channel": ["walk_in", "walk_in", "phone", "online", "referral",
                                                        "walk_in", "online", "event"]})
    return tr, leads


def test_traffic_by_day_and_by_week_with_the_registration_rate():
    """4 Oct (Sunday, week 40): 20 visitors, 4 registered from traffic channels (the referral does not count) = 20 %.
    5 Oct (Monday, week 41): 10 visitors, 2 registered (not the event lead) = 20 %."""
    tr, leads = traffic_tables()
    d = traffic.traffic_daily(tr, leads, start="2026-10-04", end="2026-10-06")
    assert d["visitors_total"].tolist() == [20, 10, 0] and d["registered_leads"].tolist() == [4, 2, 0]
    assert d["registration_rate"].iloc[:2].tolist() == [0.2, 0.2] and math.isnan(d["registration_rate"].iloc[2])
    w = traffic.traffic_weekly(d).set_index("week")
    assert w.loc["2026-W40", "visitors_total"] == 20 and w.loc["2026-W41", "days"] == 2
    assert w.loc["2026-W41", "walk_in_visitors"] == 5 and w.loc["2026-W41", "registration_rate"] == 0.2


def test_traffic_agrees_with_the_funnel_registration_rate():
    from kit.leads import funnel

    tr, leads = traffic_tables()
    full = leads.assign(lead_id=[f"L{i}" for i in range(len(leads))], status="open", closed_at=pd.NaT,
                        test_drive=False)
    f = funnel(full, period="2026-10", traffic=tr)
    month = f.loc[(f["window"] == "month") & (f["step"] == "registered"), "rate"].iloc[0]
    d = traffic.traffic_daily(tr, leads, start="2026-10-01", end="2026-10-31")
    assert traffic.traffic_total(d)["registration_rate"] == pytest.approx(month) == pytest.approx(6 / 30)


# --------------------------------------------------------------------------- after-delivery calls


def test_followup_status_and_rate_per_consultant():
    """Due within 3 days; report day 10 October. E1: P called day 2 (on time), Q called day 5 (late), R never
    (due 5 Oct: 5 days overdue), S delivered 9 Oct (not yet due), T called 12 Oct — after the report day, so not yet
    known: overdue by 6. On-time rate 1 ÷ (5 − 1) = 25 %. The fleet car is not called by anyone and is left out."""
    f = pd.DataFrame({
        "order_id": list("PQRSTU"), "store_id": "S1", "model": "X", "consultant_id": ["E1"] * 5 + [None],
        "sale_type": ["retail"] * 5 + ["fleet"],
        "ordered_at": pd.to_datetime(["2026-09-20"] * 6),
        "delivered_at": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-02", "2026-10-09", "2026-10-01",
                                        "2026-10-01"]),
        "followup_at": pd.to_datetime(["2026-10-03", "2026-10-06", None, None, "2026-10-12", None]),
        "customer_name": ["张伟"] * 6, "phone": ["13812345678"] * 6})
    st = aftercare.followup_status(f, start="2026-10-01", end="2026-10-10", as_of="2026-10-10", within_days=3)
    assert dict(zip(st["order_id"], st["followup_status"])) == {"P": "on_time", "Q": "late", "R": "overdue",
                                                                "S": "not_yet_due", "T": "overdue"}
    by = aftercare.followup_by_consultant(st).set_index("consultant_id")
    assert by.loc["E1", ["deliveries_units", "on_time_units", "late_units", "overdue_units",
                         "not_yet_due_units"]].tolist() == [5, 1, 1, 2, 1]
    assert by.loc["E1", "on_time_rate"] == 0.25 and ledger.NO_CONSULTANT not in by.index
    late = aftercare.overdue_list(st)
    assert late["order_id"].tolist() == ["T", "R"] and late["days_overdue"].tolist() == [6, 5]
    with pytest.raises(DataContractError, match="followup_at"):
        aftercare.followup_status(f.drop(columns="followup_at"), start="2026-10-01", end="2026-10-10",
                                  as_of="2026-10-10")


# --------------------------------------------------------------------------- comparisons


def test_comparison_windows_for_a_month_a_week_and_a_day():
    def spans(p):
        return [(w.code, str(w.start.date()), str(w.end.date())) for w in comparisons.comparison_windows(p)]

    assert spans(periods.period("month", "2026-10"))[1:] == [("previous_month", "2026-09-01", "2026-09-30"),
                                                            ("same_period_last_year", "2025-10-01", "2025-10-31")]
    assert spans(periods.period("week", "2026-10-14"))[1:] == [("previous_week", "2026-10-05", "2026-10-11"),
                                                              ("same_period_last_year", "2025-10-13", "2025-10-19")]
    assert spans(periods.period("day", "2026-10-15"))[1:] == [("previous_day", "2026-10-14", "2026-10-14"),
                                                             ("same_weekday_last_week", "2026-10-08", "2026-10-08")]


def test_last_year_around_29_february():
    """29 Feb 2028: month to date 1–29 Feb against 1–29 Jan and 1–28 Feb 2027 (the shorter month is cut).
    Its ISO week 2028-W09 (28 Feb – 5 Mar) against 2027-W09 (1–7 Mar 2027); its month to date is 1–5 March."""
    day = periods.period("day", "2028-02-29")
    got = [(w.code, str(w.start.date()), str(w.end.date())) for w in comparisons.month_to_date_windows(day)]
    assert got == [("month_to_date", "2028-02-01", "2028-02-29"), ("same_days_last_month", "2028-01-01", "2028-01-29"),
                   ("same_days_last_year", "2027-02-01", "2027-02-28")]
    week = periods.period("week", "2028-02-29")
    last_year = comparisons.comparison_windows(week)[2]
    assert (str(last_year.start.date()), str(last_year.end.date())) == ("2027-03-01", "2027-03-07")
    got = [(str(w.start.date()), str(w.end.date())) for w in comparisons.month_to_date_windows(week)]
    assert got == [("2028-03-01", "2028-03-05"), ("2028-02-01", "2028-02-05"), ("2027-03-01", "2027-03-05")]
    assert str(periods.period("month", "2028-02").same_last_year().end.date()) == "2027-02-28"


def test_compare_values_changes_and_uncovered_windows():
    """Week of 5–11 Oct: deliveries A and B; the week before (28 Sep – 4 Oct) has D only.
    Change in deliveries 2 ÷ 1 − 1 = +100 %; insurance penetration 50 % vs empty (no retail car) stays empty.
    Last year's week starts before the ledger: empty, not zero."""
    f = orders_frame()
    f.loc[f["order_id"] == "D", "delivered_at"] = T("2026-10-02")
    week = periods.period("week", "2026-10-07")
    out = comparisons.compare(comparisons.comparison_windows(week), orders=f).set_index("measure")
    assert out.loc["deliveries_units", "this_period"] == 2 and out.loc["deliveries_units", "previous_week"] == 1
    assert out.loc["deliveries_units", "change_previous_week"] == pytest.approx(1.0)
    assert math.isnan(out.loc["deliveries_units", "same_period_last_year"])
    assert out.loc["insurance_penetration_rate", "this_period"] == 0.5


def test_rate_changes_are_differences_in_points():
    tr, leads = traffic_tables()
    day = periods.period("day", "2026-10-05")
    out = comparisons.compare(comparisons.comparison_windows(day)[:2], orders=None, traffic=tr, leads=leads)
    out = out.set_index("measure")
    assert out.loc["visitors_total", "change_previous_day"] == pytest.approx(10 / 20 - 1)
    assert out.loc["registration_rate", "change_previous_day"] == pytest.approx(0.0)


# --------------------------------------------------------------------------- reconciliation


def test_reconciliation_agrees_and_names_the_disagreement():
    """October, S1: the ledger delivers A (X) and B (Y) and places A, B, C; the sales table says X 1, Y 2 (one too
    many) and orders X 2, Y 1. KPI: E1 units_sold 1 (net orders A + B − F) agrees; E2 says 2, the ledger 1."""
    f = orders_frame()
    sales = pd.DataFrame({"month": "2026-10", "store_id": ["S1", "S1", "S2", "S2"], "model": ["X", "Y", "X", "Y"],
                          "units": [1, 2, 0, 1], "orders": [2, 1, 1, 0],
                          "gross_profit": [5000.0, 3000.0, 0.0, 600.4]})
    kpi = pd.DataFrame({"month": "2026-10", "staff_id": ["E1", "E2"], "metric": "units_sold", "actual": [1.0, 2.0],
                        "target": 5.0})
    rec = reconciliation.reconcile(f, sales=sales, kpi=kpi, months=["2026-10"])
    bad = rec.loc[~rec["agrees"]]
    assert set(zip(bad["check"], bad["store_id"].fillna(bad["consultant_id"]), bad["difference"])) == {
        ("deliveries_vs_sales", "S1", -1.0), ("consultant_units_vs_kpi", "E2", -1.0)}
    gp = rec.loc[rec["check"] == "gross_profit_vs_sales"]
    assert gp["agrees"].all()  # 0.4 CNY of rounding is within the tolerance
    summary = reconciliation.reconciliation_summary(rec).set_index("check")
    assert summary.loc["deliveries_vs_sales", ["compared", "disagreeing"]].tolist() == [4, 1]
    assert summary.loc["orders_vs_sales", "disagreeing"] == 0


def test_covered_months_skip_the_first_month_of_the_ledger():
    assert reconciliation.covered_months(orders_frame()) == ["2026-10"]


# --------------------------------------------------------------------------- the whole report on a tiny dealer


def tiny_dealer(with_orders: bool = True):
    f = orders_frame()
    f["followup_at"] = f["delivered_at"] + pd.Timedelta(days=1)
    staff = pd.DataFrame({"staff_id": ["E1", "E2"], "name": ["张伟", "李娜"], "store_id": ["S1", "S2"]})
    tr, leads = traffic_tables()
    tables = {"staff": staff, "kpi": kpi_frame(), "targets": targets_frame(), "traffic": tr, "leads": leads}
    if with_orders:
        tables["orders"] = f
    settings = parse_settings({"dealer": {"stores": {"S1": "East", "S2": "West"}},
                               "sales": {"penetration_targets": {"insurance": 0.85}}})
    return types.SimpleNamespace(tables=tables, settings=settings)


def test_a_week_across_two_months_is_scored_on_its_month_to_date():
    """Week 28 Sep – 4 Oct: its own deliveries are D (2 Oct) only — A and B come later. October to date (1–4 Oct,
    4 of 31 days): 1 delivery of the 54-car target (40 + 14), behind pace; (54 − 1) ÷ 27 days left = 1.96 a day."""
    from kit.sales import performance

    perf = performance(tiny_dealer(), periods.period("week", "2026-10-01"))
    assert perf.period.label == "2026-W40" and str(perf.month_to_date.start.date()) == "2026-10-01"
    assert perf.period_summary.iloc[0]["deliveries_units"] == 1
    g = perf.glance.set_index("measure")
    assert g.loc["deliveries", "period_value"] == 1 and g.loc["deliveries", "value"] == 1
    assert g.loc["deliveries", "target"] == 54 and g.loc["deliveries", "status"] == "behind"
    assert g.loc["deliveries", "needed_per_day"] == pytest.approx(53 / 27)
    assert (perf.pace.days_elapsed, perf.pace.selling_days) == (4, 31) and not perf.final
    st = perf.by_store.set_index("store_id")
    assert st.loc["S2", "deliveries_target_units"] == 14 and st.loc["S1", "deliveries_units"] == 0
    assert st.loc["S1", "period_deliveries_units"] == 0 and st.loc["S2", "period_deliveries_units"] == 1


def test_consultants_are_scored_against_the_kpi_sheet_with_the_pace():
    """To 6 October E1 is credited 1 net order of the 10 on the KPI sheet; 6 of 31 days gone → behind (10 % < 19 %);
    gross profit credited 7000 of 50000."""
    from kit.sales import performance

    perf = performance(tiny_dealer(), periods.period("day", "2026-10-06"))
    c = perf.by_consultant.set_index("consultant_id")
    assert c.loc["E1", "credited_units"] == 1 and c.loc["E1", "units_target_units"] == 10
    assert c.loc["E1", "units_status"] == "behind" and c.loc["E1", "store_id"] == "S1"
    assert c.loc["E1", "credited_gross_profit_cny"] == 7000 and c.loc["E1", "gross_profit_achievement_rate"] == 0.14
    a = perf.attached.set_index("product")
    assert a.loc["insurance", "penetration_status"] == "below" and a.loc["insurance", "penetration_rate"] == 0.5


def test_what_to_do_names_the_pace_and_the_weakest_penetration():
    from kit.sales import performance, what_to_do

    perf = performance(tiny_dealer(), periods.period("day", "2026-10-06"))
    items = dict(what_to_do(perf, lang="en", people={"E1": "E1 张*"}, settings=tiny_dealer().settings))
    pace_fields = items["sales.advice.pace_behind"]
    assert pace_fields["actual"] == "3" and pace_fields["target"] == "54" and pace_fields["days_left"] == "25"
    assert pace_fields["needed"] == "2.0"  # (54 − 3) ÷ 25 = 2.04
    assert items["sales.advice.penetration"]["rate"] == "50%"  # E1 has 2 retail cars: too few to single out
    sentence = i18n.t("sales.advice.pace_behind", "zh", **pace_fields)
    assert "每天需交车2.0台" in sentence


def test_without_an_order_ledger_only_traffic_is_shown():
    from kit.sales import performance, what_to_do

    perf = performance(tiny_dealer(with_orders=False), periods.period("month", "2026-10"))
    assert not perf.has_ledger and perf.glance.empty and perf.followup is None
    assert perf.traffic_daily["visitors_total"].sum() == 30
    assert what_to_do(perf, lang="zh") == [("sales.advice.no_ledger", {})]


def test_display_words_and_excel_headers_come_from_the_catalog(monkeypatch):
    from kit import notebook
    from kit.sales import display, performance

    monkeypatch.setenv("KIT_STRICT_I18N", "1")
    dealer = tiny_dealer()
    dealer.staff = dealer.tables["staff"]
    r = notebook.Report(name="sales_performance", lang="zh", dealer=dealer, period=periods.period("day", "2026-10-06"))
    perf = performance(dealer, r.period)
    sheets = display.excel_sheets(r, perf)
    for name, sheet in sheets.items():
        assert set(sheet.labels) == set(sheet.frame.columns), name
        for header in sheet.labels.values():
            assert not any(ch == "_" for ch in str(header)), (name, header)
            assert str(header).isascii() is False or str(header) in ("SUV",), (name, header)
    glance = sheets[i18n.t("sales.sheet.glance", "zh")].frame
    assert glance.iloc[0, 0] == "交车" and "落后进度" in set(glance.iloc[:, -1])
    display.headline(r, perf)
    assert r.headline["deliveries_units"]["value"] == 1  # B, delivered on 6 October itself
    assert r.headline["deliveries_mtd_units"]["value"] == 3
    assert r.headline["time_elapsed_rate"]["display"] == "19.4%"
    assert display.column_format("insurance_penetration_rate", pd.Series([0.5])) == "pct"
    assert display.column_format("units_target_units", pd.Series([2.2])) == "number1"


def test_signed_orders_credit_the_month_an_order_was_signed_even_if_it_is_cancelled_later():
    from kit.sales.ledger import credited

    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3"], "store_id": "S1", "model": "Aurora", "consultant_id": ["E1", "E1", "E2"],
        "ordered_at": pd.to_datetime(["2026-09-28", "2026-10-03", "2026-10-05"]),
        "delivered_at": pd.to_datetime([None, None, "2026-10-20"]),
        "cancelled_at": pd.to_datetime(["2026-10-02", "2026-10-30", None]),
        "gross_profit": [1000.0, 2000.0, 3000.0]})
    got = lambda basis: credited(orders, start="2026-10-01", end="2026-10-31", basis=basis).set_index(  # noqa: E731
        "consultant_id")["credited_units"].to_dict()
    # signed in October: O2 (E1, cancelled later in the month) and O3 (E2); O1 was signed in September
    assert got("signed_orders") == {"E1": 1, "E2": 1}
    # net: O2 signed and cancelled (0), O1's cancellation taken back (−1) → E1 −1
    assert got("orders") == {"E1": -1, "E2": 1}
    assert got("deliveries") == {"E1": 0, "E2": 1}  # E1 is listed (a cancellation in the window), credited nothing
