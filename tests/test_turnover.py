"""Tests for kit.turnover: every expected number is worked out by hand in the test (arithmetic in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit import turnover as t
from kit.turnover.drivers import _counting_process
from kit.turnover.reasons import _reason_text, reasons_in_words
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError

DPM = 365.25 / 12  # days per month used for tenures


def roster(rows: list[tuple]) -> pd.DataFrame:
    """rows: (staff_id, department, role, hire_date, leave_date, leave_type[, manager_id])."""
    cols = ["staff_id", "department", "role", "hire_date", "leave_date", "leave_type", "manager_id"]
    frame = pd.DataFrame([r + (None,) * (7 - len(r)) for r in rows], columns=cols)
    frame.insert(1, "name", [f"张{sid}明" for sid in frame["staff_id"]])
    frame.insert(2, "store_id", "S1")
    frame["hire_date"] = pd.to_datetime(frame["hire_date"])
    frame["leave_date"] = pd.to_datetime(frame["leave_date"])
    return frame


# A hand-made store, December 2023 – March 2024:
#   A  sales     hired 2023-06-01, still employed
#   B  sales     hired 2023-09-15, last day 2024-01-31 (last day of the month), voluntary
#   C  sales     hired 2024-01-01 (first day of the month), still employed
#   D  sales     hired 2024-01-10, left 2024-01-25 (hired and left in the same month), involuntary
#   E  sales     hired 2023-03-01, last day 2024-02-01 (first day of the month), voluntary
#   B2 sales     rehire of B on 2024-03-01 (a new row, own staff_id)
#   G  finance   hired 2023-01-01, last day 2023-12-31, voluntary -> finance is empty from January
STORE = roster([
    ("A", "sales", "sales_consultant", "2023-06-01", None, None),
    ("B", "sales", "sales_consultant", "2023-09-15", "2024-01-31", "voluntary"),
    ("C", "sales", "sales_consultant", "2024-01-01", None, None),
    ("D", "sales", "sales_consultant", "2024-01-10", "2024-01-25", "involuntary"),
    ("E", "sales", "showroom_manager", "2023-03-01", "2024-02-01", "voluntary"),
    ("B2", "sales", "sales_consultant", "2024-03-01", None, None),
    ("G", "finance", "finance_specialist", "2023-01-01", "2023-12-31", "voluntary"),
])


def by_period(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("period")


# --------------------------------------------------------------------------- monthly rates, every formula


def test_monthly_counts_follow_the_boundary_rules():
    r = by_period(t.turnover_rates(STORE, start="2023-12", end="2024-03"))
    # Dec: open = employed at 30 Nov = A, B, E, G = 4; G's last day 31 Dec -> leaver, not in closing: end 3
    # Jan: open = A, B, E = 3 (C hired on the 1st is a hire, not opening); hires C, D = 2;
    #      leavers B (31st) and D (same month as hire) = 2; close = A, C, E = 3
    # Feb: open 3; E's last day is 1 Feb -> in the opening headcount and a leaver; close A, C = 2
    # Mar: open 2; rehire B2 on the 1st is a hire; close 3
    expected = {
        "2023-12": (4, 0, 1, 1, 0, 3),
        "2024-01": (3, 2, 2, 1, 1, 3),
        "2024-02": (3, 0, 1, 1, 0, 2),
        "2024-03": (2, 1, 0, 0, 0, 3),
    }
    cols = ["headcount_start", "hires", "leavers", "leavers_voluntary", "leavers_involuntary", "headcount_end"]
    for period, values in expected.items():
        assert tuple(r.loc[period, cols]) == values, period
    # opening headcount = previous month's closing headcount
    assert list(r["headcount_start"].iloc[1:]) == list(r["headcount_end"].iloc[:-1])


def test_monthly_rates_for_every_formula():
    r = by_period(t.turnover_rates(STORE, start="2023-12", end="2024-03"))
    # average headcount: Dec (4+3)/2 = 3.5, Jan (3+3)/2 = 3, Feb (3+2)/2 = 2.5, Mar (2+3)/2 = 2.5
    assert list(r["headcount_avg"]) == [3.5, 3.0, 2.5, 2.5]
    # leavers ÷ average headcount: 1/3.5, 2/3, 1/2.5, 0/2.5
    np.testing.assert_allclose(r["rate_average_headcount"], [1 / 3.5, 2 / 3, 0.4, 0.0])
    # leavers ÷ (start + hires): 1/4, 2/(3+2), 1/3, 0/(2+1)
    np.testing.assert_allclose(r["rate_start_plus_hires"], [0.25, 0.4, 1 / 3, 0.0])
    # leavers ÷ start: 1/4, 2/3, 1/3, 0/2
    np.testing.assert_allclose(r["rate_start_headcount"], [0.25, 2 / 3, 1 / 3, 0.0])
    # voluntary / involuntary under the chosen formula: Jan 1/3 each
    assert r.loc["2024-01", "rate_voluntary"] == pytest.approx(1 / 3)
    assert r.loc["2024-01", "rate_involuntary"] == pytest.approx(1 / 3)
    assert (r["formula"] == "average_headcount").all()
    np.testing.assert_allclose(r["rate"], r["rate_average_headcount"])
    for formula in ("start_plus_hires", "start_headcount"):
        other = t.turnover_rates(STORE, start="2023-12", end="2024-03", formula=formula)
        np.testing.assert_allclose(other["rate"], other[f"rate_{formula}"])
        assert (other["formula"] == formula).all()


def test_quarterly_rates():
    r = by_period(t.turnover_rates(STORE, freq="Q", start="2024-01", end="2024-03"))
    # Q1 2024: open 3 (A, B, E); hires C, D, B2 = 3; leavers B, D, E = 3; close A, C, B2 = 3
    assert tuple(r.loc["2024Q1", ["headcount_start", "hires", "leavers", "headcount_end"]]) == (3, 3, 3, 3)
    assert r.loc["2024Q1", "rate_average_headcount"] == pytest.approx(3 / 3)
    assert r.loc["2024Q1", "rate_start_plus_hires"] == pytest.approx(3 / 6)
    assert r.loc["2024Q1", "rate_start_headcount"] == pytest.approx(3 / 3)


def test_rehire_is_a_leaver_then_a_hire():
    r = by_period(t.turnover_rates(STORE, start="2024-01", end="2024-03"))
    # B's first spell ends in January (a leaver) and B2 starts in March (a hire); both counted
    assert r.loc["2024-01", "leavers"] == 2 and r.loc["2024-03", "hires"] == 1
    # a rehire on the day after leaving, inside one month: one leaver and one hire in that month
    quick = roster([("X", "sales", "sales_consultant", "2023-01-01", "2024-05-10", "voluntary"),
                    ("X2", "sales", "sales_consultant", "2024-05-11", None, None)])
    may = by_period(t.turnover_rates(quick, start="2024-05", end="2024-05")).loc["2024-05"]
    assert (may["headcount_start"], may["hires"], may["leavers"], may["headcount_end"]) == (1, 1, 1, 1)
    # average headcount (1+1)/2 = 1 -> rate 1.0; start + hires = 2 -> 0.5
    assert may["rate_average_headcount"] == 1.0 and may["rate_start_plus_hires"] == 0.5


def test_empty_department_gives_nan_with_a_note_not_a_crash():
    r = t.turnover_rates(STORE, by="department", start="2023-12", end="2024-02", levels={"department": ["admin"]})
    fin = r[r["department"] == "finance"].set_index("period")
    # Dec: open 1, leaver 1, close 0 -> average (1+0)/2 = 0.5, rate 1/0.5 = 2.0 (the standard rate can exceed 1)
    assert fin.loc["2023-12", "rate_average_headcount"] == 2.0
    assert fin.loc["2023-12", "rate_start_plus_hires"] == 1.0
    # Jan, Feb: nobody employed -> NaN and a note
    assert fin.loc[["2024-01", "2024-02"], "rate"].isna().all()
    assert fin.loc["2024-01", "note"].startswith("nobody employed")
    # a department listed in levels without any staff: zero counts, NaN rates, its own note
    admin = r[r["department"] == "admin"]
    assert len(admin) == 3 and (admin["headcount_end"] == 0).all() and admin["rate"].isna().all()
    assert admin["note"].str.startswith("no staff in this group").all()


def test_missing_department_is_grouped_as_unassigned():
    staff = STORE.copy()
    staff.loc[staff["staff_id"] == "A", "department"] = None
    r = t.turnover_rates(staff, by="department", start="2024-01", end="2024-01")
    assert set(r["department"]) == {"sales", "finance", "unassigned"}
    assert r.loc[r["department"] == "unassigned", "headcount_end"].item() == 1


def test_headcount_identity_on_random_rosters():
    rng = np.random.default_rng(3)
    hire = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, 80), unit="D")
    stay = rng.integers(0, 700, 80)
    leave = pd.Series(hire + pd.to_timedelta(stay, unit="D")).where(rng.random(80) < 0.6)
    staff = pd.DataFrame({"staff_id": [f"E{i}" for i in range(80)], "store_id": "S1", "department": "sales",
                          "role": "sales_consultant", "hire_date": hire, "leave_date": leave,
                          "leave_type": np.where(leave.notna(), "voluntary", None)})
    r = t.turnover_rates(staff, start="2022-01", end="2024-12")
    assert (r["headcount_end"] == r["headcount_start"] + r["hires"] - r["leavers"]).all()
    # every spell is counted once as a hire, and every leave date in the range once as a leaver
    assert r["hires"].sum() == 80 and r["leavers"].sum() == int((leave <= "2024-12-31").sum())
    assert (r["rate_start_plus_hires"].dropna() <= 1).all()


# --------------------------------------------------------------------------- trailing rates


def test_trailing_rates_on_totals_and_as_sum_of_monthly():
    monthly = t.turnover_rates(STORE, start="2023-12", end="2024-03")
    tr = by_period(t.trailing_rates(monthly, months=3))
    # the first two windows are incomplete: no rate, a note
    assert tr.loc[["2023-12", "2024-01"], "rate_trailing"].isna().all()
    assert "only 1 of 3 months" in tr.loc["2023-12", "note"]
    feb = tr.loc["2024-02"]  # window Dec–Feb
    # leavers 1+2+1 = 4, hires 0+2+0 = 2, opening headcount (1 Dec) 4, mean monthly average (3.5+3+2.5)/3 = 3
    assert (feb["leavers"], feb["hires"], feb["headcount_start"], feb["headcount_avg"]) == (4, 2, 4, 3.0)
    assert feb["rate_trailing_average_headcount"] == pytest.approx(4 / 3)
    assert feb["rate_trailing_start_plus_hires"] == pytest.approx(4 / 6)
    assert feb["rate_trailing_start_headcount"] == pytest.approx(4 / 4)
    # sum of monthly rates: 1/3.5 + 2/3 + 1/2.5 = 1.352381 (differs from 4/3 = 1.333: both are reported)
    assert feb["rate_trailing_sum_of_monthly"] == pytest.approx(1 / 3.5 + 2 / 3 + 0.4)
    assert feb["rate_trailing"] == pytest.approx(4 / 3)
    mar = tr.loc["2024-03"]  # window Jan–Mar: leavers 3, average (3+2.5+2.5)/3 = 8/3 -> 3/(8/3) = 1.125
    assert mar["rate_trailing_average_headcount"] == pytest.approx(1.125)
    summed = by_period(t.trailing_rates(monthly, months=3, annual="sum_of_monthly"))
    assert summed.loc["2024-03", "rate_trailing"] == pytest.approx(2 / 3 + 0.4 + 0.0)
    assert (summed["annual"] == "sum_of_monthly").all()


def test_trailing_rates_by_group_keep_groups_apart():
    monthly = t.turnover_rates(STORE, by="department", start="2023-12", end="2024-02")
    tr = t.trailing_rates(monthly, months=3)
    fin = tr[tr["department"] == "finance"].set_index("period").loc["2024-02"]
    # finance window Dec–Feb: 1 leaver, monthly averages 0.5, 0, 0 -> mean 1/6 -> rate 6.0; sum of monthly = 2.0
    # (January and February have no staff and no leavers, so they add 0 to the sum)
    assert fin["rate_trailing_average_headcount"] == pytest.approx(6.0)
    assert fin["rate_trailing_sum_of_monthly"] == pytest.approx(2.0)


# --------------------------------------------------------------------------- targets


def test_targets_by_role_mixed_groups_and_status():
    settings = t.TurnoverSettings()
    monthly = t.turnover_rates(STORE, by="role", start="2024-01", end="2024-01")
    cmp = t.compare_with_targets(monthly, settings).set_index("role")
    # monthly scale: annual 0.60 ÷ 12 = 0.05 for consultants; key role showroom_manager 0.10 ÷ 12
    assert cmp.loc["sales_consultant", "target"] == pytest.approx(0.05)
    assert cmp.loc["showroom_manager", "target_annual"] == pytest.approx(0.10)
    assert cmp.loc["finance_specialist", "target_annual"] == pytest.approx(0.30)  # default
    # consultants in Jan: open A, B = 2; close A, C = 2; leavers B, D = 2 -> 2/2 = 1.0 ≥ 0.05 × 1.25 -> alert
    assert cmp.loc["sales_consultant", "status"] == "alert"
    # showroom manager E: 0 leavers in January -> within target
    assert cmp.loc["showroom_manager", "status"] == "within target"
    # the whole store in January: average headcount per role consultants (2+2)/2 = 2, manager (1+1)/2 = 1,
    # finance 0 -> mixed target (2 × 0.60 + 1 × 0.10) / 3 = 0.4333 a year
    whole = t.compare_with_targets(t.turnover_rates(STORE, start="2024-01", end="2024-01"), settings, staff=STORE)
    assert whole["target_annual"].item() == pytest.approx((2 * 0.60 + 1 * 0.10) / 3)
    key = t.turnover_rates(t.label_staff_group(STORE, settings), by="staff_group", start="2024-01", end="2024-01")
    key = t.compare_with_targets(key, settings).set_index("staff_group")
    assert key.loc["key_staff", "target_annual"] == pytest.approx(0.10)


# --------------------------------------------------------------------------- new-hire loss


def test_new_hire_loss_counts_only_fully_observed_hires():
    staff = roster([
        ("H1", "sales", "sales_consultant", "2024-01-01", "2024-03-30", "voluntary"),  # day 90 -> within 90 days
        ("H2", "sales", "sales_consultant", "2024-01-15", "2024-04-14", "voluntary"),  # day 91 -> not within 90
        ("H3", "sales", "sales_consultant", "2024-02-01", None, None),
        ("H4", "sales", "sales_consultant", "2024-11-15", "2024-12-01", "voluntary"),  # not observable for 90 days
        ("H5", "sales", "sales_consultant", "2024-10-01", "2025-01-05", "voluntary"),  # leaves after as_of: unknown
        ("H6", "sales", "sales_consultant", "2025-01-10", None, None),                 # hired after as_of: left out
    ])
    loss = t.new_hire_loss(staff, as_of="2024-12-31").set_index(["cohort", "window_days"])
    q1_90 = loss.loc[("2024Q1", 90)]
    # 2024Q1, 90 days: all 3 observed (hire + 89 days ≤ 31 Dec); only H1 left -> 1/3
    assert (q1_90["hires"], q1_90["hires_observed"], q1_90["left_within_window"]) == (3, 3, 1)
    assert q1_90["loss_rate"] == pytest.approx(1 / 3) and q1_90["fully_observed"]
    # 2024Q1, 365 days: only H1 observed (1 Jan + 364 days = 30 Dec 2024); H1 left -> 1/1, not fully observed
    q1_365 = loss.loc[("2024Q1", 365)]
    assert (q1_365["hires_observed"], q1_365["left_within_window"], q1_365["loss_rate"]) == (1, 1, 1.0)
    assert not q1_365["fully_observed"]
    # 2024Q4, 90 days: H4 not observable; H5 observable (1 Oct + 89 = 29 Dec) and still employed at as_of -> 0/1
    q4 = loss.loc[("2024Q4", 90)]
    assert (q4["hires"], q4["hires_observed"], q4["left_within_window"], q4["loss_rate"]) == (2, 1, 0, 0.0)
    assert "2025Q1" not in loss.index.get_level_values("cohort")


# --------------------------------------------------------------------------- tenure survival


def six_people(as_of: str = "2024-12-31") -> pd.DataFrame:
    """Six tenures in days: leavers at 61, 122, 122, 244; still employed at 91 and 183 days (censored)."""
    end = pd.Timestamp(as_of)
    rows = []
    for sid, days, left in (("P1", 61, True), ("P2", 91, False), ("P3", 122, True), ("P4", 122, True),
                            ("P5", 183, False), ("P6", 244, True)):
        if left:
            hire = end - pd.Timedelta(days=400)
            rows.append((sid, "sales", "sales_consultant", hire, hire + pd.Timedelta(days=days - 1), "voluntary"))
        else:
            rows.append((sid, "sales", "sales_consultant", end - pd.Timedelta(days=days - 1), None, None))
    return roster(rows)


def test_kaplan_meier_by_hand_and_against_lifelines():
    from lifelines import KaplanMeierFitter

    staff = six_people()
    result = t.tenure_survival(staff, as_of="2024-12-31", points_months=(1, 5, 7))
    row = result.summary.iloc[0]
    assert (row["staff"], row["leavers"], row["still_employed"]) == (6, 4, 2)
    # product-limit: at 61 days 6 at risk, 1 leaves -> 5/6; 91 days censored; at 122 days 4 at risk, 2 leave
    # -> 5/6 × 2/4 = 5/12; 183 censored; at 244 days 1 at risk, 1 leaves -> 0
    assert row["retention_1_months"] == pytest.approx(1.0)  # 30.4 days: before the first exit
    assert row["retention_5_months"] == pytest.approx(5 / 12)  # 152 days
    assert row["retention_7_months"] == pytest.approx(5 / 12)  # 213 days: after the censoring at 183
    # median: first time S(t) ≤ 0.5 is 122 days
    assert row["median_tenure_months"] == pytest.approx(122 / DPM)
    # same numbers as lifelines on the same durations
    kmf = KaplanMeierFitter().fit(np.array([61, 91, 122, 122, 183, 244]) / DPM, [1, 0, 1, 1, 0, 1])
    curve = result.curves.set_index("tenure_months")
    np.testing.assert_allclose(curve["retention"].to_numpy(), kmf.survival_function_.iloc[:, 0].to_numpy())
    np.testing.assert_allclose(curve["ci_lower"].to_numpy(), kmf.confidence_interval_.iloc[:, 0].to_numpy())
    assert list(curve["censored"]) == list(kmf.event_table["censored"])


def test_tenure_survival_censors_current_staff_and_ignores_the_future():
    staff = six_people()
    # P7 leaves after the cut-off: censored at as_of (tenure 100 days); P8 is hired after it: left out
    extra = roster([("P7", "sales", "sales_consultant", "2024-09-23", "2025-03-01", "voluntary"),
                    ("P8", "sales", "sales_consultant", "2025-01-05", None, None)])
    result = t.tenure_survival(pd.concat([staff, extra], ignore_index=True), as_of="2024-12")
    row = result.summary.iloc[0]
    assert (row["staff"], row["leavers"], row["still_employed"]) == (7, 4, 3)
    # 7 at risk at 61 days -> 6/7; P7 censored at 100 days; at 122 days 4 at risk, 2 leave -> 6/7 × 1/2
    assert result.fitters["all staff"].predict(5.0) == pytest.approx(6 / 7 * 1 / 2)
    assert row["retention_24_months"] != row["retention_24_months"]  # NaN: nobody observed for 24 months
    assert set(result.cohorts["hire_year"]) == {2023, 2024}


def test_tenure_survival_by_role_and_median_not_reached():
    result = t.tenure_survival(STORE, as_of="2024-03", by="role")
    consultant = result.summary.set_index("role").loc["sales_consultant"]
    # consultants at 31 Mar 2024 (days, inclusive): D left at 16, B2 censored at 31, C censored at 91,
    # B left at 139, A censored at 305 -> S = 4/5 after 16 days; at 139 days 2 at risk (B, A): 4/5 × 1/2 = 0.4
    assert (consultant["staff"], consultant["leavers"]) == (5, 2)
    assert consultant["retention_3_months"] == pytest.approx(4 / 5)
    assert consultant["median_tenure_months"] == pytest.approx(139 / DPM)
    # three people, one leaver: retention never reaches 0.5 -> median not reached (NaN, flagged)
    few = six_people().query("staff_id in ['P1', 'P2', 'P5']")
    row = t.tenure_survival(few, as_of="2024-12-31", points_months=(5,)).summary.iloc[0]
    assert not row["median_reached"] and np.isnan(row["median_tenure_months"])
    assert row["retention_5_months"] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- attrition frame: features, no look-ahead


def kpi_rows(staff_id: str, start: str, achievements: list[float], metric: str = "units_sold",
             target: float = 10.0) -> pd.DataFrame:
    months = pd.period_range(start, periods=len(achievements), freq="M").astype(str)
    return pd.DataFrame({"month": months, "staff_id": staff_id, "metric": metric,
                         "actual": [a * target for a in achievements], "target": target})


def small_team(extra: tuple = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    staff = roster([
        ("M1", "sales", "showroom_manager", "2020-01-01", "2024-05-10", "voluntary"),  # left 1.7 months before
        ("M3", "sales", "showroom_manager", "2024-06-01", None, None),                 # M1's successor
        ("M2", "sales", "sales_manager", "2020-01-01", "2024-07-15", "voluntary"),     # leaves after the cut-off
        ("S1", "sales", "sales_consultant", "2024-01-01", None, None, "M3"),  # the roster names the successor
        ("S2", "sales", "sales_consultant", "2022-03-01", "2024-09-30", "voluntary", "M2"),
        ("S3", "sales", "sales_consultant", "2023-02-01", "2025-02-01", "involuntary", "M2"),
        *extra,
    ])
    staff["weekend_shifts_per_month"] = [0.0, 0.0, 0.0, 4.0, 2.0, 3.0, *([9.0] * len(extra))]
    # S1: units_sold achievement Jan–Jun 1.0, 0.9, 0.8, 0.5, 0.4, 0.3, then July (after the cut-off) 0.0
    kpi = pd.concat([
        kpi_rows("S1", "2024-01", [1.0, 0.9, 0.8, 0.5, 0.4, 0.3, 0.0]),
        kpi_rows("S2", "2024-01", [1.0] * 12),
        kpi_rows("S3", "2024-01", [0.7] * 12),
    ], ignore_index=True)
    return staff, kpi


def test_attrition_features_by_hand():
    staff, kpi = small_team()
    frame = t.build_attrition_frame(staff, kpi, as_of="2024-06", horizon_months=6).set_index("staff_id")
    # employed on 30 Jun 2024: M2, M3, S1, S2, S3 (M1 left in May)
    assert sorted(frame.index) == ["M2", "M3", "S1", "S2", "S3"]
    s1 = frame.loc["S1"]
    # tenure: 1 Jan – 30 Jun 2024 = 182 days -> 182 / 30.44 months
    assert s1["tenure_months"] == pytest.approx(182 / DPM)
    # last 3 months (Apr–Jun) mean (0.5 + 0.4 + 0.3)/3 = 0.4; the 3 before (Jan–Mar) 0.9 -> change -0.5
    assert s1["achievement_last_3_months"] == pytest.approx(0.4)
    assert s1["achievement_change"] == pytest.approx(-0.5)
    # a month earlier S1 (hired 1 Jan) was not employed through the Dec–May window: no change, only the level
    may = t.build_attrition_frame(staff, kpi, as_of="2024-05").set_index("staff_id").loc["S1"]
    assert np.isnan(may["achievement_change"]) and may["achievement_last_3_months"] == pytest.approx((0.8 + 0.5 + 0.4) / 3)
    # gate 0.60 missed in Apr, May, Jun -> 3 of the last 6 months
    assert s1["gate_misses_last_6_months"] == 3
    # S1's post of manager (showroom manager, S1) changed hands: M1 left on 10 May, within 31 Mar–30 Jun, even
    # though the roster already names the successor M3; S2's manager M2 leaves on 15 Jul, after the cut-off
    assert s1["manager_left_last_3_months"] == 1 and frame.loc["S2", "manager_left_last_3_months"] == 0
    assert s1["tenure_under_6_months"] == 1 and frame.loc["S2", "tenure_under_6_months"] == 0
    assert s1["weekend_shifts_per_month"] == 4.0
    # labels: S2 leaves 30 Sep (within 6 months: 3.0 months later), S3 on 1 Feb 2025 (7 months: no), M2 15 Jul
    assert frame.loc["S2", "left_within_horizon"] == 1
    assert frame.loc["S2", "months_until_leaving"] == pytest.approx(92 / DPM)
    assert frame.loc["S3", "left_within_horizon"] == 0 and frame.loc["S1", "left_within_horizon"] == 0
    assert frame.loc["M2", "left_within_horizon"] == 1
    # managers without KPI rows: NaN, not 0
    assert np.isnan(frame.loc["M2", "achievement_last_3_months"])


def test_attrition_frame_has_no_look_ahead():
    staff, kpi = small_team()
    before = t.build_attrition_frame(staff, kpi, as_of="2024-06", horizon_months=6)
    # change everything that happens after 30 Jun 2024: later KPI rows, later leave dates, later hires
    future_kpi = kpi.copy()
    later = future_kpi["month"] > "2024-06"
    future_kpi.loc[later, "actual"] = 99.0
    future_staff, _ = small_team(extra=(("N1", "sales", "sales_consultant", "2024-07-01", None, None),))
    future_staff.loc[future_staff["staff_id"] == "M2", "leave_date"] = pd.Timestamp("2024-07-01")  # manager
    after = t.build_attrition_frame(future_staff, future_kpi, as_of="2024-06", horizon_months=6)
    X_before, _ = t.attrition_xy(before)
    X_after, _ = t.attrition_xy(after)
    pd.testing.assert_frame_equal(X_before, X_after)
    # dropping the future entirely gives the same features too; the label is then unknown
    cut_kpi = kpi[~later]
    cut = t.build_attrition_frame(staff, cut_kpi, as_of="2024-06", horizon_months=6)
    pd.testing.assert_frame_equal(t.attrition_xy(cut)[0], X_before)
    assert cut["left_within_horizon"].isna().all() and not cut["label_observed"].any()
    assert t.attrition_xy(cut)[1] is None


def test_training_set_keeps_observed_labels_only():
    staff, kpi = small_team()  # KPI runs to Dec 2024 -> labels with a 6-month horizon known up to as_of 2024-06
    months = pd.period_range("2024-03", "2024-09", freq="M")
    train = t.build_training_set(staff, kpi, as_of_months=months, horizon_months=6)
    assert sorted(train["as_of"].unique()) == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert train["left_within_horizon"].notna().all()
    # observed_until earlier than the data end keeps the later labels out (training as of a report month)
    short = t.build_training_set(staff, kpi, as_of_months=months, horizon_months=6, observed_until="2024-10")
    assert sorted(short["as_of"].unique()) == ["2024-03", "2024-04"]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("change, words", [
    (lambda s: s.assign(leave_date=s["leave_date"].where(s["staff_id"] != "B", pd.Timestamp("2023-01-01"))),
     ["row 3 (staff_id B)", "leave_date", "on or after hire_date"]),
    (lambda s: s.assign(leave_type=s["leave_type"].where(s["staff_id"] != "D", None)),
     ["row 5 (staff_id D)", "leave_type", "voluntary or involuntary"]),
    (lambda s: pd.concat([s, s[s["staff_id"] == "C"]]).reset_index(drop=True),
     ["rows 4, 9 (staff_id C, C)", "staff_id", "only once"]),
    (lambda s: s.assign(leave_type=s["leave_type"].where(s["staff_id"] != "B", "fired")),
     ["row 3 (staff_id B)", "leave_type", "'fired'"]),
    (lambda s: s.drop(columns="hire_date"), ["missing column", "hire_date"]),
])
def test_bad_rosters_raise_naming_the_rows(change, words):
    broken = change(STORE.copy())
    for call in (lambda: t.turnover_rates(broken), lambda: t.tenure_survival(broken, as_of="2024-03"),
                 lambda: t.new_hire_loss(broken, as_of="2024-03")):
        with pytest.raises(DataContractError) as err:
            call()
        for word in words:
            assert word in str(err.value)


def test_roster_is_not_mutated():
    staff = STORE.copy()
    staff["hire_date"] = staff["hire_date"].dt.strftime("%Y-%m-%d")  # text dates are parsed on a copy
    snapshot = staff.copy()
    t.turnover_rates(staff, by="department")
    t.tenure_survival(staff, as_of="2024-03")
    pd.testing.assert_frame_equal(staff, snapshot)


# --------------------------------------------------------------------------- settings and cost


def test_settings_defaults_template_and_errors():
    import yaml

    from kit.config import DEFAULT_SETTINGS_FILE

    d = t.TurnoverSettings.defaults()
    assert d.formula == "average_headcount" and d.risk_horizon_months == 6
    assert d.target_for("sales_consultant") == 0.60 and d.target_for("sales_manager") == 0.10  # key role
    assert d.target_for("technician") == 0.30
    assert t.TurnoverSettings.from_mapping({}) == d
    template = yaml.safe_load(DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8"))["turnover"]
    parsed = t.TurnoverSettings.from_mapping(template)
    assert parsed.cost_for("sales_consultant").total_cny == 4000 + 8000 + 30000
    for bad, name in (({"formula": "leavers_over_end"}, "turnover.formula"),
                      ({"annual_targets": {"sales_consultant": "sixty"}}, "turnover.annual_targets.sales_consultant"),
                      ({"replacement_cost_cny": {"default": {"rent": 5}}},
                       "turnover.replacement_cost_cny.default.rent"),
                      ({"risk_horizon_months": 0}, "turnover.risk_horizon_months"),
                      ({"colour": "red"}, "turnover.colour")):
        with pytest.raises(ConfigError, match=name.replace(".", r"\.")):
            t.TurnoverSettings.from_mapping(bad)


def test_turnover_cost_by_hand():
    settings = t.TurnoverSettings.from_mapping({"replacement_cost_cny": {
        "default": {"recruiting": 1000, "training": 2000, "vacancy": 3000},
        "sales_consultant": {"recruiting": 4000, "vacancy": 30000}}})  # training from default: 2000
    cost = t.turnover_cost(STORE, settings, month="2024-01").set_index(["role", "window"])
    # January: consultants B and D left -> 2 × (4000 + 2000 + 30000) = 72,000
    jan = cost.loc[("sales_consultant", "month")]
    assert (jan["leavers"], jan["recruiting_cny"], jan["training_cny"], jan["lost_sales_cny"]) == (2, 8000, 4000,
                                                                                                    60000)
    assert jan["total_cny"] == 72000
    # trailing 12 months Feb 2023 – Jan 2024: finance G left 31 Dec 2023 -> 1 × (1000 + 2000 + 3000)
    assert cost.loc[("finance_specialist", "trailing_12_months"), "total_cny"] == 6000
    # from a rates table grouped by role: same numbers
    rates = t.turnover_rates(STORE, by="role", start="2023-02", end="2024-01")
    again = t.turnover_cost(rates, settings).set_index(["role", "window"])
    assert again.loc[("sales_consultant", "month"), "total_cny"] == 72000


# --------------------------------------------------------------------------- the sample dealership: planted drivers


SEEDS = (0, 1)  # two generator runs: one seed's few hundred staff-months make a noisy hold-out AUC
DRIVER_SEEDS = (0, 1, 2)  # the Cox drivers pool three runs: seven planted drivers need ~400 leavers


@pytest.fixture(scope="module")
def dealerships():
    """The sample generator with 4 stores and 5 years of history (for statistical power), seeds 0, 1 and 2."""
    from kit import samples

    runs = {}
    for seed in DRIVER_SEEDS:
        tables = samples.make_dealership(seed=seed, scale=1.0, n_stores=4, start="2021-11")
        runs[seed] = (tables["staff"], tables["kpi"])
    return runs


@pytest.fixture(scope="module")
def dealership(dealerships):
    return dealerships[0]


@pytest.fixture(scope="module")
def holdout(dealerships):
    """AttritionModel fitted at four origins (only outcomes known by then), scored on everyone employed there."""
    import warnings

    fitted, scored = {}, []
    for seed in SEEDS:
        staff, kpi = dealerships[seed]
        for origin in ("2025-07", "2025-10", "2026-01", "2026-04"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model, training = t.fit_attrition_model(staff, kpi, as_of=origin)
            fitted[seed, origin] = (model, training)
            current = t.build_attrition_frame(staff, kpi, as_of=origin)  # outcomes from the full history
            X, y = t.attrition_xy(current)
            scored.append(pd.DataFrame({"seed": seed, "y": y, "p": model.predict_proba(X)[:, 1],
                                        "tenure": X["tenure_months"]}))
    return fitted, pd.concat(scored, ignore_index=True)


@pytest.mark.slow
def test_model_beats_tenure_alone_on_later_months(holdout):
    from sklearn.metrics import roc_auc_score

    _, scored = holdout
    assert scored["y"].sum() >= 50  # enough leavers to compare rankings
    model_auc = roc_auc_score(scored["y"], scored["p"])
    tenure_auc = roc_auc_score(scored["y"], -scored["tenure"])  # tenure alone: shortest tenure ranked first
    assert model_auc > tenure_auc + 0.02
    assert model_auc > 0.65


@pytest.mark.slow
def test_training_never_sees_outcomes_after_the_origin(holdout, dealership):
    staff, _ = dealership
    fitted, _ = holdout
    model, training = fitted[0, "2025-07"]
    # the latest training month is 2025-01 (its 6-month window ends at the origin), stepping back 6 months
    assert training["as_of"].max() == "2025-01"
    assert sorted(training["as_of"].unique())[:2] == ["2022-07", "2023-01"]
    # every positive label is a leave date on or before the origin's last day
    ids = training.loc[training["left_within_horizon"] == 1, "staff_id"]
    leave = staff.set_index("staff_id").loc[ids, "leave_date"]
    assert (leave <= pd.Timestamp("2025-07-31")).all()


@pytest.mark.slow
def test_model_recovers_planted_driver_signs(holdout):
    model, training = holdout[0][0, "2026-04"]
    X, _ = t.attrition_xy(training)

    def mean_risk(**changes):
        return model.predict_proba(X.assign(**changes))[:, 1].mean()

    base = mean_risk()
    # planted (kit.samples.STAFF_SIGNALS, monthly log-odds): weekend shifts above the norm +0.20 per shift, base
    # pay -0.35 per 1,000 CNY; the model must move the 6-month risk the same way. The KPI drivers act on the next
    # month only and gate misses barely persist, so a 6-month label hardly carries them: they are checked on the
    # monthly Cox drivers below, not here.
    assert mean_risk(weekend_shifts_per_month=X["weekend_shifts_per_month"] + 2) > base
    assert mean_risk(base_pay_cny=X["base_pay_cny"] + 1000) < base


@pytest.fixture(scope="module")
def pooled_drivers(dealerships):
    """Cox drivers on the monthly staff-months of the three generated dealerships (ids kept apart)."""
    parts = []
    for seed, (staff, kpi) in dealerships.items():
        part = t.driver_training_set(staff, kpi, as_of="2026-10", span_months=60)
        parts.append(part.assign(staff_id=f"{seed}-" + part["staff_id"], store_id=f"{seed}-" + part["store_id"]))
    return t.attrition_drivers(pd.concat(parts, ignore_index=True)).set_index("covariate")


# planted person-level drivers (kit.samples.STAFF_SIGNALS) and the direction of their hazard ratio in the kit's
# units: per shift, per 1,000 CNY, per 10 training hours, yes vs no, per missed month, per 10 pp of change
PLANTED_DIRECTIONS = {
    "weekend_shifts_per_month": "raises risk",
    "base_pay_cny": "lowers risk",
    "training_hours": "lowers risk",
    "tenure_under_6_months": "raises risk",
    "manager_left_last_3_months": "raises risk",
    "gate_misses_last_6_months": "raises risk",
    "achievement_change": "lowers risk",      # a rising achievement lowers it: a falling one raises it
}


@pytest.mark.slow
def test_cox_drivers_recover_every_planted_person_level_driver(pooled_drivers):
    drivers = pooled_drivers
    assert {"driver", "hazard_ratio", "ci_lower", "ci_upper", "p_value", "effect"} <= set(drivers.reset_index())
    found = drivers.loc[list(PLANTED_DIRECTIONS), "effect"].to_dict()
    assert found == PLANTED_DIRECTIONS   # each one's 95 % interval lies on the planted side of 1
    # where the kit's covariate is the planted one, the interval covers the planted monthly effect (a hazard
    # ratio ≈ the odds ratio at these small monthly probabilities)
    from kit.samples import STAFF_SIGNALS

    truth = {
        "weekend_shifts_per_month": np.exp(STAFF_SIGNALS["weekend_shifts_above_norm"]),
        "tenure_under_6_months": np.exp(STAFF_SIGNALS["tenure_lt_6m"]),
        "manager_left_last_3_months": np.exp(STAFF_SIGNALS["manager_left_3m"]),
        "training_hours": np.exp(10 * STAFF_SIGNALS["training_hours_above_norm"]),
    }
    for covariate, ratio in truth.items():
        row = drivers.loc[covariate]
        assert row["ci_lower"] <= ratio <= row["ci_upper"], (covariate, ratio, row.to_dict())
    # the tenure curve itself is not a planted driver: its interval holds 1
    assert drivers.loc["tenure_months", "effect"] == "unclear"


@pytest.mark.slow
def test_cox_drivers_labels_and_a_coarse_training_set(dealership):
    staff, kpi = dealership
    training = t.driver_training_set(staff, kpi, as_of="2026-10", span_months=24)
    assert training["as_of"].min() == "2024-10" and training["as_of"].max() == "2026-09"
    assert (training["horizon_months"] == 1).all()
    drivers = t.attrition_drivers(training).set_index("covariate")
    assert drivers.loc["base_pay_cny", "driver"] == "base pay (per 1,000 CNY)"
    assert drivers["p_value"].is_monotonic_increasing   # most significant first
    chinese = t.attrition_drivers(training, lang="zh").set_index("covariate")
    assert chinese.loc["base_pay_cny", "driver"] == "底薪（每1000元）"
    assert set(chinese["effect"]) <= {"提高离职风险", "降低离职风险", "不明确"}
    # the non-overlapping 6-month rows of the at-risk model work too: each row is followed for 6 months
    coarse = t.build_training_set(staff, kpi, as_of_months=pd.period_range("2022-04", "2026-04", freq="6M"))
    assert t.attrition_drivers(coarse).loc[lambda f: f["covariate"] == "weekend_shifts_per_month",
                                           "hazard_ratio"].item() > 1


def test_counting_process_intervals_by_hand():
    training = pd.DataFrame({
        "staff_id": ["A", "A", "B", "B", "C"],
        "as_of": ["2026-01", "2026-02", "2026-01", "2026-02", "2026-02"],
        "horizon_months": 1,
        "left_within_horizon": [0.0, 1.0, 0.0, 0.0, 0.0],
        "months_until_leaving": [np.nan, 10 / t.DAYS_PER_MONTH, np.nan, np.nan, np.nan],
    })
    cp = _counting_process(training)
    jan, feb = 0.0, 28 / t.DAYS_PER_MONTH          # month ends 31 Jan and 28 Feb
    assert cp["_start"].tolist() == pytest.approx([jan, feb, jan, feb, feb])
    assert cp["_stop"].tolist() == pytest.approx([feb, feb + 10 / t.DAYS_PER_MONTH, feb, feb + 31 / t.DAYS_PER_MONTH,
                                                  feb + 31 / t.DAYS_PER_MONTH])
    assert cp["_event"].tolist() == [0, 1, 0, 0, 0]
    # a leaver on the last day of the next month is an event of that interval, not lost to rounding
    last_day = training.assign(months_until_leaving=[np.nan, 31 / t.DAYS_PER_MONTH, np.nan, np.nan, np.nan])
    assert _counting_process(last_day)["_event"].tolist() == [0, 1, 0, 0, 0]


@pytest.mark.slow
def test_drivers_refuse_unusable_training_sets(dealership):
    staff, kpi = dealership
    training = t.driver_training_set(staff, kpi, as_of="2026-10", span_months=12)
    with pytest.raises(DataContractError, match="twice in one as-of month"):
        t.attrition_drivers(pd.concat([training, training.head(3)]))
    with pytest.raises(DataContractError, match="missing column"):
        t.attrition_drivers(training.drop(columns="as_of"))
    with pytest.raises(InsufficientDataError, match="needs at least 5"):
        t.attrition_drivers(training.assign(left_within_horizon=0.0, months_until_leaving=np.nan))
    with pytest.raises(InsufficientDataError, match="6 months of KPI history"):
        t.driver_training_set(staff, kpi, as_of="2021-12")
    with pytest.raises(ConfigError, match="span_months"):
        t.driver_training_set(staff, kpi, as_of="2026-10", span_months=0)


@pytest.mark.slow
def test_at_risk_list_masks_names_and_writes_reasons(holdout, dealership):
    staff, kpi = dealership
    model, _ = holdout[0][0, "2026-04"]
    ranked = t.at_risk(staff, kpi, as_of="2026-04", model=model, top=10)
    assert list(ranked["rank"]) == list(range(1, 11))
    assert ranked["probability"].is_monotonic_decreasing
    assert ranked["name"].str.fullmatch(r".\*+").all()  # 张** style
    real = staff.set_index("staff_id").loc[ranked["staff_id"], "name"].to_numpy()
    assert [n[0] for n in real] == [n[0] for n in ranked["name"]]
    assert ranked["reasons"].str.len().gt(0).all()
    zh = t.at_risk(staff, kpi, as_of="2026-04", model=model, top=10, lang="zh", mask_names=False)
    assert list(zh["name"]) == list(real)
    assert zh["reasons"].str.contains("[\u4e00-\u9fff]").all()


def test_reason_texts():
    assert _reason_text("tenure_months", 4.6, 30.0, "en", 0.6) == "short tenure (4 months)"
    assert _reason_text("tenure_months", 4.6, 30.0, "zh", 0.6) == "入职仅4个月"
    assert _reason_text("achievement_change", -0.3, 0.0, "en", 0.6) == "KPI achievement falling (-30 pp)"
    assert (_reason_text("gate_misses_last_6_months", 3, 0, "en", 0.6)
            == "missed the 60 % volume gate 3 of the last 6 months")
    assert _reason_text("gate_misses_last_6_months", 3, 0, "zh", 0.6) == "近6个月有3个月销量未达60%门槛"
    assert _reason_text("manager_left_last_3_months", 1, 0, "en", 0.6) == "manager left recently"
    assert _reason_text("weekend_shifts_per_month", 7, 5.0, "en", 0.6) == "many weekend shifts (7 a month)"
    assert _reason_text("base_pay_cny", 3400, 3800.0, "en", 0.6) == "low base pay (3,400 CNY)"
    # values on the safe side of a known direction, and missing KPI data, are no reason a manager can act on
    assert _reason_text("gate_misses_last_6_months", np.nan, 0, "en", 0.6) is None
    assert _reason_text("tenure_months", 53.0, 30.0, "en", 0.6) is None
    assert _reason_text("achievement_change", 0.4, 0.0, "en", 0.6) is None
    assert _reason_text("gate_misses_last_6_months", 0, 1, "en", 0.6) is None
    assert _reason_text("manager_left_last_3_months", 0, 0, "en", 0.6) is None
    assert _reason_text("weekend_shifts_per_month", 3, 5.0, "en", 0.6) is None
    assert _reason_text("base_pay_cny", 5000, 3800.0, "en", 0.6) is None
    assert _reason_text("training_hours", 44, 24.0, "en", 0.6) is None
    assert _reason_text("role", "dcc_specialist", None, "en", 0.6) == "role: DCC specialist"
    assert t.mask_name("张小明") == "张**" and t.mask_name("李娜") == "李*"


def test_reasons_group_tenure_skip_safe_values_and_fall_back():
    X = pd.DataFrame({"tenure_months": [3.0, 40.0], "tenure_under_6_months": [1, 0],
                      "weekend_shifts_per_month": [7.0, 2.0]})

    class Stub:   # explain() as TabularClassifier lays it out; records the groups it was asked for
        def explain(self, X, *, top, direction, groups):
            self.groups = groups
            return pd.DataFrame({
                "row": [0, 0, 1, 1], "rank": [1, 2, 1, 2],
                "feature": ["tenure_under_6_months", "weekend_shifts_per_month", "tenure_months",
                            "weekend_shifts_per_month"],
                "value": [1, 7.0, 40.0, 2.0], "reference": [0, 5.0, 20.0, 5.0],
                "contribution": [0.4, 0.2, 0.3, 0.1]})

    stub = Stub()
    texts = reasons_in_words(stub, X, top=3, lang="en", bonus_gate=0.6)
    assert stub.groups == [["tenure_months", "tenure_under_6_months"]]
    assert texts[0] == "short tenure (3 months); many weekend shifts (7 a month)"
    # a long tenure and few weekend shifts push this model up, but are no reason to name
    assert texts[1] == "no single factor stands out"


def test_attrition_model_defaults_and_fit_contract():
    from kit.exceptions import NotFittedError

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"tenure_months": rng.uniform(0, 60, 300), "role": rng.choice(["a", "b"], 300),
                      "pay": rng.normal(5000, 800, 300)})
    y = (rng.random(300) < 1 / (1 + np.exp(0.08 * X["tenure_months"] - 1))).astype(int)
    model = t.AttritionModel()
    with pytest.raises(NotFittedError, match="AttritionModel is not fitted; call fit\\(\\) first."):
        model.predict_proba(X)
    assert model.fit(X, y) is model
    p = model.predict_proba(X)
    assert p.shape == (300, 2) and np.allclose(p.sum(axis=1), 1)
    assert model.calibration_ == "sigmoid"  # small table: Platt scaling, not isotonic
    assert model.get_params()["scoring"] == "neg_log_loss"
    # a thin subclass: the same parameters as TabularClassifier, so clone/get_params keep working
    import inspect

    from sklearn.base import clone

    from kit.models import TabularClassifier

    assert (set(inspect.signature(t.AttritionModel.__init__).parameters)
            == set(inspect.signature(TabularClassifier.__init__).parameters))
    assert clone(model).get_params() == model.get_params()


def test_headline_table_by_hand_and_an_empty_store_is_shown():
    staff = pd.DataFrame({
        "staff_id": ["a", "b", "c", "d"], "name": ["甲", "乙", "丙", "丁"], "store_id": ["S1", "S1", "S1", "S1"],
        "department": ["sales"] * 4, "role": ["sales_consultant"] * 3 + ["showroom_manager"],
        "hire_date": pd.to_datetime(["2025-01-01", "2025-01-01", "2026-10-05", "2024-01-01"]),
        "leave_date": pd.to_datetime([None, "2026-10-20", None, None]),
        "leave_type": [None, "voluntary", None, None], "manager_id": [None, None, None, None]})
    table = t.headline_table(staff, "2026-10", levels={"store_id": ["S1", "S2"]})
    everyone = table[table["dimension"] == "all"].iloc[0]
    # October: opening 3 (a, b, d), one hire (c), one leaver (b), closing 3 -> average 3 -> rate 1/3
    assert (everyone["headcount"], everyone["hires"], everyone["leavers"], everyone["voluntary"]) == (3, 1, 1, 1)
    assert everyone["rate_month"] == pytest.approx(1 / 3)
    empty = table[(table["dimension"] == "store_id") & (table["group"] == "S2")]
    assert len(empty) == 1 and empty["headcount"].iloc[0] == 0 and pd.isna(empty["rate_month"].iloc[0])


# --------------------------------------------------------------------------- the report's pieces (TurnoverMonth …)


def test_role_groups_follow_the_targets_of_dealer_yml():
    settings = t.TurnoverSettings.defaults()
    groups = t.label_staff_group(STORE, settings).set_index("staff_id")
    # sales consultants have a target of their own; a showroom manager is a key role; finance is "other staff"
    assert groups.loc["A", "role_group"] == "sales_consultant" and groups.loc["A", "staff_group"] == "other_staff"
    assert groups.loc["E", "role_group"] == "key_staff" and groups.loc["E", "staff_group"] == "key_staff"
    assert groups.loc["G", "role_group"] == "other_staff"
    assert t.own_target_roles(settings) == ("sales_consultant", "dcc_specialist")
    # a dealer listing technicians gets them as a group of their own; a listed key role stays key staff
    custom = t.TurnoverSettings.from_mapping({"annual_targets": {"technician": 0.4, "sales_manager": 0.2}})
    assert t.own_target_roles(custom) == ("technician",)
    assert t.role_group_of("technician", custom) == "technician"
    assert t.role_group_of("sales_manager", custom) == "key_staff"
    assert t.role_group_of("sales_consultant", custom) == "other_staff"  # no longer listed: default target


def test_key_staff_are_held_to_the_configured_ceiling():
    # the sales manager's own listed target (20 %) does not loosen the key-staff line (10 %)
    settings = t.TurnoverSettings.from_mapping({"annual_targets": {"sales_manager": 0.2}, "key_staff_target": 0.1})
    staff = roster([("M", "sales", "sales_manager", "2022-01-01", "2024-02-10", "voluntary"),
                    ("N", "sales", "sales_manager", "2022-01-01", None, None)])
    for by in ("staff_group", "role_group"):
        monthly, trailing = t.rates_by(staff, "2024-03", settings, by=by)
        row = trailing[(trailing["period"] == "2024-03") & (trailing[by] == "key_staff")].iloc[0]
        assert row["target_annual"] == pytest.approx(0.1)
        # 1 leaver; average headcount (2 × 10 + (2 + 1) / 2 + 1) / 12 = 22.5 / 12 -> rate 12 / 22.5
        assert row["rate_trailing"] == pytest.approx(12 / 22.5) and row["status"] == "alert"
    by_role = t.rates_by(staff, "2024-03", settings, by="role")[1]
    assert by_role.loc[by_role["period"] == "2024-03", "target_annual"].iloc[0] == pytest.approx(0.2)


@pytest.fixture(scope="module")
def march():
    """The hand-made store's March 2024, default settings (sales consultants 60 %, key staff 10 %, others 30 %)."""
    return t.turnover_month(STORE, "2024-03", t.TurnoverSettings.defaults(), lang="en")


def test_the_month_by_hand(march):
    # Leavers April 2023 – March 2024: G (Dec), B and D (Jan), E (Feb) = 4. Monthly average headcounts
    # Apr–Mar: 2, 2, 2.5, 3, 3, 3.5, 4, 4, 3.5, 3, 2.5, 2.5 (sum 35.5) -> rate 4 ÷ (35.5 / 12)
    n = march.numbers
    assert n.turnover_12m == pytest.approx(4 / (35.5 / 12)) and n.leavers_12m == 4
    assert n.target_12m == pytest.approx(0.6)  # March's staff are all sales consultants
    assert n.status == "alert"
    # key staff = E alone: 1 leaver; headcount 1 for Apr–Jan (10 months), 0.5 in Feb, 0 in Mar -> 10.5 / 12
    assert n.key_staff_12m == pytest.approx(1 / (10.5 / 12)) and n.key_staff_ceiling == 0.1
    assert (n.key_staff_leavers_12m, n.key_staff_headcount) == (1, 0)
    assert (n.leavers_month, n.hires_month, n.headcount) == (0, 1, 3)  # B2 joined; A, C, B2 employed
    # cost: 2 consultants × 42,000 + a showroom manager 95,000 + finance (default) 18,000
    assert n.cost_12m == 2 * 42_000 + 95_000 + 18_000 and n.cost_month == 0


def test_every_place_shows_the_same_numbers(march):
    n = march.numbers
    glance = march.glance_table()
    assert glance.loc[0, "turnover_group"] == "All staff"
    assert glance.loc[0, "turnover_12m_rate"] == n.turnover_12m and glance.loc[0, "annual_target_rate"] == n.target_12m
    key = glance[glance["turnover_group"] == "Key staff and managers"].iloc[0]
    assert key["turnover_12m_rate"] == n.key_staff_12m and key["annual_target_rate"] == n.key_staff_ceiling
    totals = march.role_totals()
    assert totals["turnover_12m_rate"] == n.turnover_12m and totals["annual_target_rate"] == n.target_12m
    assert march.role_table()["leavers_12m"].sum() == n.leavers_12m
    assert march.cost_table()["total_cny"].sum() == n.cost_12m
    everyone, key_chart = march.chart("all_staff"), march.chart("key_staff")
    assert everyone["frame"]["rate_trailing"].iloc[-1] == n.turnover_12m
    assert key_chart["frame"]["rate_trailing"].iloc[-1] == n.key_staff_12m
    assert key_chart["target_annual"] == 0.1 and key_chart["target_monthly"] == pytest.approx(0.1 / 12)
    assert key_chart["target_label"] == "ceiling for key staff and managers 10% a year"
    assert len(everyone["frame"]) == 24 and everyone["frame"]["period"].iloc[-1] == "2024-03"


def test_roles_beyond_their_target_by_hand(march):
    # 12-month average headcounts: consultants 16.5 / 12, the showroom manager 10.5 / 12, finance 8.5 / 12
    roles = march.role_table().set_index("staff_role")
    assert roles.loc["Sales consultant", "turnover_12m_rate"] == pytest.approx(2 / (16.5 / 12))
    assert roles.loc["Sales consultant", "leavers_over_target"] == pytest.approx(2 - 0.6 * 16.5 / 12)   # 1.175
    assert roles.loc["Showroom manager", "leavers_over_target"] == pytest.approx(1 - 0.1 * 10.5 / 12)   # 0.9125
    assert roles.loc["Finance specialist", "leavers_over_target"] == pytest.approx(1 - 0.3 * 8.5 / 12)  # 0.7875
    assert list(roles.index) == ["Sales consultant", "Showroom manager", "Finance specialist"]  # most beyond first
    assert list(march.roles_over_target()["group"]) == ["sales_consultant", "showroom_manager", "finance_specialist"]


def test_advice_sentences_by_hand(march):
    en = [a.text("en") for a in t.what_to_do(march)]
    assert en == [
        "Turnover over the last 12 months is 135.2%, above the 60.0% target for this role mix: 4 people left, "
        "0 of them this month.",
        "Sales consultant: 2 left in 12 months (145% against a 60% target), about 1 more than the target allows; "
        "find out why before the next one goes. Also above target: Showroom manager 114% (target 10%), "
        "Finance specialist 141% (target 30%).",
        "Key staff and managers: 1 left in 12 months (114%, 0 in post now), over the 10% a year line; each loss at "
        "this level unsettles a team, so talk to the remaining managers this month.",
        # the showroom manager cost most: 1 × 95,000 against 2 × 42,000 for the consultants
        "Turnover cost about ¥197,000 over 12 months; Showroom manager: ¥95,000 of it (1 × ¥95,000 per leaver).",
    ]
    zh_month = t.turnover_month(STORE, "2024-03", t.TurnoverSettings.defaults(), lang="zh")
    zh = [a.text("zh") for a in t.what_to_do(zh_month)]
    assert zh[0] == "近12个月流失率为 135.2%，高于按岗位结构计算的目标 60.0%：共有 4 人离职，其中本月 0 人。"
    assert zh[3] == "近12个月流失成本约 ¥197,000，其中展厅经理占 ¥95,000（1 人 × 每人 ¥95,000）。"


def test_advice_when_all_is_well():
    staff = roster([("A", "sales", "sales_consultant", "2022-01-01", None, None),
                    ("M", "sales", "sales_manager", "2022-01-01", None, None)])
    month = t.turnover_month(staff, "2024-03", lang="en")
    advice = t.what_to_do(month, new_hires=t.recent_new_hire_loss(staff, as_of="2024-03"))
    # nobody left: no role sentence beyond "all within", no cost; nobody hired in the year: no new-hire sentence
    assert [a.key for a in advice] == ["turnover.advice.overall_within", "turnover.advice.roles_within",
                                      "turnover.advice.key_within"]
    assert advice[2].text("en") == ("Key staff and managers: 0 left in 12 months (0%, 1 in post now), within the "
                                    "10% a year line.")


def test_new_hire_loss_of_the_last_12_months():
    # to March 2024: A, B, C observed 90 days (C: 1 Jan + 89 days = 30 Mar); D and B2 not yet; nobody observed left
    march = t.recent_new_hire_loss(STORE, as_of="2024-03")
    assert (march.hires, march.observed, march.left, march.rate) == (5, 3, 0, 0.0)
    # to April: D's 90 days are over (10 Jan + 89 days = 8 Apr) and D left on day 16 -> 1 of 4
    april = t.recent_new_hire_loss(STORE, as_of="2024-04")
    assert (april.observed, april.left, april.rate) == (4, 1, 0.25)
    advice = t.what_to_do(t.turnover_month(STORE, "2024-04", lang="en"), new_hires=april)
    sentence = [a for a in advice if a.key == "turnover.advice.new_hires"][0]
    assert sentence.text("en").startswith("New hires: 1 of the 4 people hired in the 12 months to 2024-04 who have "
                                          "been here 90 days left within 90 days (25%)")
    table = t.new_hire_table(STORE, as_of="2024-03", lang="zh")
    assert list(table["hire_cohort"]) == ["2023年第1季度", "2023年第2季度", "2023年第3季度", "2024年第1季度"]
    # Q1 2024 (C, D, B2): only C has had 90 days, and stayed; nobody has had a year yet
    last = table.iloc[-1]
    assert (last["cohort_hires"], last["observed_90d"], last["loss_90d_rate"], last["observed_365d"]) == (3, 1, 0, 0)
    assert np.isnan(last["loss_365d_rate"])


def test_the_most_shared_reason_is_counted_once_per_person():
    from kit.turnover.advice import common_reason

    codes = pd.Series([("tenure_months", "gate_misses_last_6_months"), ("gate_misses_last_6_months",),
                       ("tenure_months",), ()])
    assert common_reason(codes, "en") == ("short tenure", 2)  # a tie goes to the first met
    assert common_reason(pd.Series([("gate_misses_last_6_months",)] * 2), "zh") == ("未达销量门槛", 2)
    assert common_reason(pd.Series([(), ()]), "en") == (None, 0)


def test_too_little_history_gives_the_sentence_to_show_instead():
    empty_kpi = pd.DataFrame(columns=["month", "staff_id", "metric", "actual", "target"])
    # as of March 2024 the list would learn from 2023-03 (G, E employed) and 2023-09 (A, B, E, G) with 3 leavers
    risk = t.risk_list(STORE, empty_kpi, as_of="2024-03", lang="en")
    assert risk.note == ("No at-risk list this month: only 3 people left in the 6 staff-months the list can learn "
                         "from (2023-03 to 2023-09); it needs at least 10.")
    assert risk.table.empty and list(risk.table.columns)[0] == "staff_member" and risk.at_risk.empty
    zh = t.risk_list(STORE, empty_kpi, as_of="2024-03", lang="zh")
    assert zh.note.startswith("本月无离职风险名单：可供学习的6个员工月（2023-03至2023-09）中只有3人离职")
    early = t.risk_list(STORE, empty_kpi, as_of="2023-04", lang="en")
    assert early.note == ("No at-risk list this month: there is not yet a month with 6 months of KPI history whose "
                          "6-month outcome is known.")
    # the Cox summary: leaving the month after a month end happens 3 times (G, B, E; D came and went in January)
    drivers = t.driver_summary(STORE, empty_kpi, as_of="2024-03", lang="en")
    assert drivers.table.empty and drivers.note == ("No summary of what goes with leaving this month: only 3 people "
                                                    "left in the months it can learn from; it needs at least 5.")
    # the advice leaves the at-risk sentence out
    assert not [a for a in t.what_to_do(t.turnover_month(STORE, "2024-03"), risk) if "risk" in a.key]
    with pytest.raises(InsufficientDataError):  # still an InsufficientDataError for callers that catch that
        t.fit_attrition_model(STORE, empty_kpi, as_of="2024-03")


def test_retention_by_role_group_in_words():
    result = t.retention(STORE, as_of="2024-03", lang="zh")
    table = result.table.set_index("retention_group")
    assert set(table.index) == {"销售顾问", "关键岗位与管理人员", "其他员工"}
    assert (table.loc["销售顾问", "people"], table.loc["销售顾问", "people_left"]) == (5, 2)
    assert result.names == {"key_staff": "关键岗位与管理人员", "other_staff": "其他员工", "sales_consultant": "销售顾问"}
    assert list(result.cohorts["hire_year"]) == ["2023", "2024"]


def test_unknown_codes_are_the_dealers_words():
    staff = roster([("A", "sales", "shuttle_driver", "2022-01-01", "2024-01-05", "voluntary"),
                    ("B", "sales", "sales_consultant", "2022-01-01", None, None)])
    staff["store_id"] = "HZ-West"
    month = t.turnover_month(staff, "2024-03", lang="zh")
    assert "HZ-West" in set(month.glance_table()["turnover_group"])
    assert "shuttle_driver" in set(month.role_table()["staff_role"])
    assert _reason_text("commute_km", 30.0, 10.0, "zh", 0.6) == "commute km：30（高于常见值10）"


def test_every_turnover_sentence_exists_in_both_languages_and_the_chinese_has_no_english():
    import re
    import string
    import sys
    from pathlib import Path

    from kit import i18n

    sys.path.insert(0, str(Path(__file__).parent))
    import reportscan

    root = Path(t.__file__).parent
    used = set()
    for path in [*root.glob("*.py"), root.parents[0] / "plots.py"]:
        used |= set(re.findall(r'"(turnover\.[a-z_.0-9]+)"', path.read_text(encoding="utf-8")))
    used = {k for k in used if not k.endswith(".")}
    assert used and not sorted(k for k in used if k not in i18n.catalog()["text"])
    import yaml

    own = yaml.safe_load((root.parents[0] / "catalog" / "turnover.yml").read_text(encoding="utf-8"))
    for key, entry in [*own["labels"].items(), *own["text"].items()]:
        names = {f for _, f, _, _ in string.Formatter().parse(entry["zh"]) if f}
        assert names == {f for _, f, _, _ in string.Formatter().parse(entry["en"]) if f} or key.startswith(
            "turnover.reason.gate"), key
        filled = entry["zh"].format(**{f: 1 for f in names})
        assert not reportscan.english_words(filled, ["dealer.yml"]), (key, filled)
        assert not reportscan.identifiers(filled), (key, filled)


def test_trend_chart_draws_the_ceiling_labelled_in_the_reports_language(march):
    from kit import plots

    chart = t.turnover_month(STORE, "2024-03", lang="zh").chart("key_staff")
    fig = plots.plot_rate_trend(**chart, lang="zh")
    right = fig.axes[1]
    ceiling = [line for line in right.get_lines() if line.get_linestyle() == "--"]
    assert len(ceiling) == 1 and list(ceiling[0].get_ydata()) == [0.1, 0.1]
    assert ceiling[0].get_label() == "关键岗位与管理人员年流失上限 10%"
    assert [a.get_text() for a in right.texts] == ["10%"]  # the line's value at its right end
    legend = [x.get_text() for x in fig.axes[0].get_legend().get_texts()]
    assert legend == ["月度目标", "月度流失率（左轴）", "近12个月滚动（右轴）", "关键岗位与管理人员年流失上限 10%"]
    assert fig.axes[0].get_title() == "关键岗位与管理人员：截至2024-03的24个月流失率"
    # a group nobody ever belonged to still draws (empty), and a missing target draws no line
    empty = plots.plot_rate_trend(march.trend("dcc_specialist"), target_annual=float("nan"), lang="en")
    assert not [line for line in empty.axes[1].get_lines() if line.get_linestyle() == "--"]


def test_cost_if_a_role_turned_over_at_another_rate(march):
    # consultants at their 60 % target: 0.6 × 16.5 / 12 = 0.825 leavers instead of 2, × ¥42,000 each
    table = t.cost_if(march, {"sales_consultant": 0.6}).set_index("staff_role")
    row = table.loc["Sales consultant"]
    assert row["whatif_leavers"] == pytest.approx(0.825) and row["whatif_cost_cny"] == pytest.approx(0.825 * 42_000)
    assert row["saving_cny"] == pytest.approx(84_000 - 34_650) and row["total_cny"] == 84_000
    # roles not asked about keep their year; the actual costs add up to the report's cost
    assert table.loc["Showroom manager", "saving_cny"] == 0 and table["total_cny"].sum() == march.numbers.cost_12m
    assert list(table.index)[0] == "Sales consultant"  # most saved first
    with pytest.raises(ConfigError, match="no staff in the 12 months for role"):
        t.cost_if(march, {"technician": 0.3})
    with pytest.raises(ConfigError, match="fractions ≥ 0"):
        t.cost_if(march, {"sales_consultant": -0.1})


def test_cost_whatif_widget_shows_the_function_and_follows_its_sliders(march):
    pytest.importorskip("ipywidgets")
    from kit.explore import turnover as explore

    shown = []

    class Report:  # what the widget uses of kit.notebook.Report
        lang = "en"

        def table(self, frame, **kwargs):
            shown.append(frame)
            return frame

    box = explore.cost_whatif(Report(), march)
    sliders = box.children[:-1]
    assert [s.description for s in sliders] == ["Sales consultant", "Showroom manager", "Finance specialist"]
    assert sliders[0].value == pytest.approx(2 / (16.5 / 12), abs=0.005)  # starts at the actual rate
    sliders[0].value = 0.6
    assert shown[-1].set_index("staff_role").loc["Sales consultant", "whatif_leavers"] == pytest.approx(0.825)
