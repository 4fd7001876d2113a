"""The group report's numbers on hand-worked cases: the league measures per store and for the group, the best and
weakest store, the plan per store, the advice rules; what a group run computes once (used instead of refitting);
and the notebook end to end on a small generated group (slow)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit import group, io, notebook, periods
from kit.group import measures, shared
from kit.group.summary import GroupOverview, best_and_worst, store_plan
from kit.settings import parse_settings

ROOT = Path(__file__).resolve().parents[1]
OCTOBER = periods.period("month", "2026-10")
SETTINGS = {
    "dealer": {"name": "Group", "stores": {"A": "North", "B": "South"}},
    "kpi": {"cap": 1.2, "profiles": {"solo": {"units_sold": 1.0}}, "stages": [{"from": "2025-01", "stage": "solo"}],
            "gates": [{"name": "score_floor", "min_score": 0.6, "effect": "zero"}],
            "bonus": {"base_cny": 1000, "profit_threshold_cny": 0, "profit_commission_rate": 0.0}},
}


def _lead(lead_id, store, created, status="open", closed=None, grade="B", consultant="E1"):
    return {"lead_id": lead_id, "store_id": store, "created_at": pd.Timestamp(created), "channel": "walk_in",
            "consultant_id": consultant, "model_interest": "Aurora", "visits": 1, "test_drive": False,
            "quoted": False, "trade_in": False, "finance": False, "grade": grade, "status": status,
            "closed_at": pd.Timestamp(closed) if closed else pd.NaT, "delivered_at": pd.NaT}


@pytest.fixture(scope="module")
def hand() -> io.Dealer:
    """Two stores worked by hand (the expected numbers are in the tests' comments)."""
    leads = pd.DataFrame([
        # store A: 4 leads registered in the 12 months, 1 ordered -> conversion 1/4
        _lead("L1", "A", "2026-09-02", "won", "2026-09-20"),
        _lead("L2", "A", "2026-09-05", "lost", "2026-09-30"),
        # the cadence is the kit's or the consultant's grade, whichever is sooner: 2 (H) to 15 days (C, N), so
        # open, never contacted since 10-01: 30 days, overdue whatever the grades
        _lead("L3", "A", "2026-10-01", grade="B"),
        # open, registered 10-30: 1 day, not overdue whatever the grades
        _lead("L4", "A", "2026-10-30", grade="C"),
        # store B: 5 leads, 2 ordered -> 2/5
        _lead("L5", "B", "2026-08-01", "won", "2026-08-15", consultant="E3"),
        _lead("L6", "B", "2026-08-03", "won", "2026-09-01", consultant="E3"),
        # open, contacted 10-29: 2 days -> not overdue (overdue means more days than the cadence)
        _lead("L7", "B", "2026-10-20", grade="A", consultant="E3"),
        # open, last contact 10-14: 17 days -> overdue
        _lead("L8", "B", "2026-10-10", grade="H", consultant="E3"),
        # open, registered 10-30: 1 day -> not overdue
        _lead("L9", "B", "2026-10-30", grade="B", consultant="E3"),
    ])
    followups = pd.DataFrame({"lead_id": ["L7", "L8"], "at": pd.to_datetime(["2026-10-29 10:00", "2026-10-14 10:00"]),
                              "consultant_id": ["E3", "E3"], "kind": ["call", "call"], "outcome": ["", ""]})
    staff = pd.DataFrame({"staff_id": ["E1", "E2", "E3"], "name": ["甲", "乙", "丙"], "store_id": ["A", "A", "B"],
                          "department": "sales", "role": "sales_consultant",
                          "hire_date": pd.to_datetime(["2020-01-01"] * 3), "leave_date": pd.NaT,
                          "leave_type": None})
    # KPI: E1 5/10 -> score 0.5, under the 0.6 floor: no bonus; E2 10/10 -> 1.0; E3 14/10 -> capped at 1.2
    kpi = pd.DataFrame({"month": "2026-10", "staff_id": ["E1", "E2", "E3"], "metric": "units_sold",
                        "actual": [5.0, 10.0, 14.0], "target": 10.0})
    sales = pd.DataFrame({"month": ["2026-10", "2026-10"], "store_id": ["A", "B"], "model": "Aurora",
                          "units": [3, 4]})
    stock = pd.DataFrame({"store_id": ["A", "B"], "model": "Aurora", "on_hand": [6, 2], "in_transit": [0, 1],
                          "as_of": pd.Timestamp("2026-10-31")})
    return io.Dealer(data_dir=Path("."), tables={"leads": leads, "followups": followups, "staff": staff, "kpi": kpi,
                                                 "sales": sales, "stock": stock},
                     settings=parse_settings(SETTINGS), files={}, warnings=[])


def test_conversion_per_store_and_for_the_group_worked_by_hand(hand):
    c = measures.conversion(hand, OCTOBER).set_index("store_id")
    assert c.loc["A", "conversion_rate"] == pytest.approx(1 / 4)
    assert c.loc["B", "conversion_rate"] == pytest.approx(2 / 5)
    # the group's rate is every lead together, not the mean of the store rates (0.325)
    assert c.loc["ALL", "conversion_rate"] == pytest.approx(3 / 9)
    assert c.loc["ALL", "leads_12m"] == 9


def test_overdue_share_per_store_and_for_the_group_worked_by_hand(hand):
    model = measures.group_lead_model(hand, OCTOBER)
    assert measures.followup_overdue(hand.for_store("A"), OCTOBER, model) == {"open_leads": 2, "overdue": 1,
                                                                                "overdue_rate": 0.5}
    b = measures.followup_overdue(hand.for_store("B"), OCTOBER, model)
    assert (b["open_leads"], b["overdue"]) == (3, 1)
    whole = measures.followup_overdue(hand, OCTOBER, model)
    assert whole["overdue_rate"] == pytest.approx(2 / 5)


def test_kpi_per_store_and_pooled_for_the_group_worked_by_hand(hand):
    rows = measures.per_store(hand, OCTOBER, ["A", "B"], measures.group_lead_model(hand, OCTOBER)).set_index("store_id")
    assert rows.loc["A", "kpi_score"] == pytest.approx(0.75) and rows.loc["A", "no_bonus_rate"] == pytest.approx(0.5)
    assert rows.loc["B", "kpi_score"] == pytest.approx(1.2) and rows.loc["B", "no_bonus_rate"] == 0
    assert rows.loc["ALL", "kpi_score"] == pytest.approx(0.9)
    assert rows.loc["ALL", "no_bonus_rate"] == pytest.approx(1 / 3)
    assert rows.loc["ALL", "kpi_people"] == 3


def test_a_store_whose_kpi_cannot_be_scored_is_empty_with_its_reason_and_the_group_pools_the_rest(hand):
    kpi = hand.kpi.copy()
    kpi.loc[kpi["staff_id"] == "E3", "month"] = "2026-09"  # store B has no October rows
    broken = io.Dealer(data_dir=hand.data_dir, tables={**hand.tables, "kpi": kpi}, settings=hand.settings,
                       files={}, warnings=[])
    rows = measures.per_store(broken, OCTOBER, ["A", "B"], measures.group_lead_model(broken, OCTOBER)).set_index(
        "store_id")
    assert np.isnan(rows.loc["B", "kpi_score"]) and rows.loc["B", "kpi_score_reason"] == "insufficient"
    assert rows.loc["ALL", "kpi_score"] == pytest.approx(0.75)


def test_best_and_weakest_follow_each_measures_direction_and_skip_stores_without_a_value():
    stores = pd.DataFrame({"store_id": ["S1", "S2", "S3"], "conversion_rate": [0.05, 0.12, 0.12],
                           "overdue_rate": [0.30, 0.10, np.nan], "stock_months": [np.nan] * 3})
    bw = best_and_worst(stores, pd.Series({"conversion_rate": 0.09, "overdue_rate": 0.2})).set_index("measure")
    # conversion: high is good; the tie at 0.12 goes to the store listed first
    assert (bw.loc["conversion_rate", "best_store"], bw.loc["conversion_rate", "worst_store"]) == ("S2", "S1")
    # overdue: low is good; S3 has no value and is not compared
    assert (bw.loc["overdue_rate", "best_store"], bw.loc["overdue_rate", "worst_store"]) == ("S2", "S1")
    assert bw.loc["overdue_rate", "stores_scored"] == 2 and bw.loc["conversion_rate", "group_value"] == 0.09
    assert "stock_months" not in bw.index


def test_the_plan_per_store_and_the_groups_row_from_an_order_plan():
    plan = pd.DataFrame({
        "level": ["store_model", "store", "store", "group", "store", "store", "group"],
        "store_id": ["S1", "S1", "S2", "ALL", "S1", "S2", "ALL"],
        "months_ahead": [1, 1, 1, 1, 2, 2, 2],
        "suggested_order_units": [4, 4, 6, 10, 3, 5, 8],
        "forecast_units": [5.0, 5.0, 7.0, 12.0, 5.5, 6.5, 12.0],
        "stock_months_now": [1.0, 1.0, 2.0, 1.6, 1.0, 2.0, 1.6],
        "stock_months_after": [1.2, 1.2, 1.9, 1.5, 1.2, 1.9, 1.5],
        "stock_warning_now": [False, False, True, True, False, True, True]})
    rows, total = store_plan(plan)
    assert rows["store_id"].tolist() == ["S1", "S2"]
    assert rows["order_n1_units"].tolist() == [4, 6] and rows["order_n2_units"].tolist() == [3, 5]
    assert rows["over_stock_line"].tolist() == [False, True]
    assert total["order_n1_units"] == 10 and total["forecast_next_units"] == 12.0


def _overview(stores: pd.DataFrame, group_row: dict, plan_total=None, store_rows=None, plan=None) -> GroupOverview:
    return GroupOverview(month="2026-10", stores=stores, group=pd.Series(group_row), best_worst=best_and_worst(stores),
                         funnel=pd.DataFrame(), history=pd.DataFrame(), forecast=None, plan=plan,
                         store_plan=store_rows, plan_total=plan_total, warning_stock_months=1.5,
                         names={s: f"Store {s}" for s in stores["store_id"]})


def test_advice_names_the_order_the_stores_over_the_line_the_weak_converter_and_overdue_follow_ups():
    stores = pd.DataFrame({"store_id": ["S1", "S2", "S3"], "conversion_rate": [0.04, 0.10, 0.09],
                           "overdue_rate": [0.10, 0.35, 0.25], "turnover_gap": [0.0, 0.05, 0.2],
                           "kpi_score": [0.8, np.nan, 0.9]})
    rows = pd.DataFrame({"store_id": ["S1", "S2", "S3"], "order_n1_units": [10, 20, 5],
                         "over_stock_line": [False, True, False]})
    plan = pd.DataFrame({"months_ahead": [1], "plan_month": [pd.Timestamp("2026-11-01")]})
    ov = _overview(stores, {"conversion_rate": 0.08}, pd.Series({"order_n1_units": 35}), rows, plan)
    advice = dict(group.what_to_do(ov))
    assert advice["group.advice.order_over_line"] == {"units": "35", "month": "2026-11", "stores": 3, "over": 1,
                                                      "line": "1.5", "names": "S2"}
    # 4 % is below 0.75 x 8 %
    assert advice["group.advice.conversion"]["store"] == "S1 Store S1"
    assert advice["group.advice.overdue"]["n"] == 2 and advice["group.advice.overdue"]["store"] == "S2"
    assert advice["group.advice.turnover"]["names"] == "S3"
    assert advice["group.advice.kpi_missing"]["names"] == "S2"


def test_a_long_list_of_stores_names_five_and_counts_the_rest_in_the_reports_language():
    ids = [f"S{i}" for i in range(1, 9)]
    stores = pd.DataFrame({"store_id": ids, "conversion_rate": 0.08, "overdue_rate": 0.1, "turnover_gap": 0.0,
                           "kpi_score": 0.9})
    rows = pd.DataFrame({"store_id": ids, "order_n1_units": 2, "over_stock_line": True})
    plan = pd.DataFrame({"months_ahead": [1], "plan_month": [pd.Timestamp("2026-11-01")]})
    ov = _overview(stores, {"conversion_rate": 0.08}, pd.Series({"order_n1_units": 16}), rows, plan)
    en = dict(group.what_to_do(ov, lang="en"))["group.advice.order_over_line"]
    zh = dict(group.what_to_do(ov, lang="zh"))["group.advice.order_over_line"]
    assert en["names"] == "S1, S2, S3, S4, S5 and 3 more" and en["over"] == 8
    assert zh["names"] == "S1、S2、S3、S4、S5 及其他 3 家"
    # the sentence ends once: no "… ." where the list is cut
    from kit.i18n import t

    assert t("group.advice.order_over_line", "en", **en).endswith("S5 and 3 more.")
    assert t("group.advice.order_over_line", "zh", **zh).endswith("及其他 3 家。")


def test_no_conversion_advice_when_the_weakest_store_is_near_the_group():
    stores = pd.DataFrame({"store_id": ["S1", "S2"], "conversion_rate": [0.07, 0.09], "overdue_rate": [0.1, 0.1],
                           "turnover_gap": [0.0, 0.0], "kpi_score": [0.8, 0.9]})
    assert group.what_to_do(_overview(stores, {"conversion_rate": 0.08})) == []


# --------------------------------------------------------------------------- computed once for the group


def _small_forecast() -> pd.DataFrame:
    ids = ["ALL/ALL", "S1/ALL", "S1/Aurora", "S1/Nova", "S2/ALL", "S2/Aurora"]
    level = ["group", "store", "store_model", "store_model", "store", "store_model"]
    yhat = [10.0, 6.0, 4.0, 2.0, 4.0, 4.0]
    rows = [{"unique_id": u, "level": lv, "ds": pd.Timestamp("2026-11-01") + pd.DateOffset(months=k),
             "yhat": y + k} for u, lv, y in zip(ids, level, yhat) for k in range(4)]
    return pd.DataFrame(rows)


def test_a_stores_cut_of_the_group_forecast_is_its_own_series_with_its_total_on_top():
    cut = shared.store_forecast(_small_forecast(), "S1")
    assert sorted(cut["unique_id"].unique()) == ["ALL/ALL", "ALL/Aurora", "ALL/Nova", "S1/ALL", "S1/Aurora",
                                                  "S1/Nova"]
    top = cut[cut["unique_id"] == "ALL/ALL"]
    assert top["yhat"].tolist() == cut.loc[cut["unique_id"] == "S1/ALL", "yhat"].tolist() == [6.0, 7.0, 8.0, 9.0]
    assert set(top["level"]) == {"group"}
    # a one-store dealer's model level is its store × model series: S1's Aurora, not the group's 4 + 4
    aurora = cut[cut["unique_id"] == "ALL/Aurora"]
    assert aurora["yhat"].tolist() == [4.0, 5.0, 6.0, 7.0] and set(aurora["level"]) == {"model"}


def test_shared_results_are_read_for_the_parameters_they_were_made_with_and_cut_to_fewer_months(tmp_path):
    folder = shared.mark_pending(tmp_path, ["forecast"])
    _small_forecast().to_parquet(folder / "forecast.parquet", index=False)
    (folder / "forecast.json").write_text(json.dumps({"status": "ok", "parameters": {"month": "2026-10",
                                                                                     "months": 4}}))
    three = shared.read_shared(folder, "forecast", store="S2", months=3)
    assert sorted(three["ds"].dt.strftime("%Y-%m").unique()) == ["2026-11", "2026-12", "2027-01"]
    assert shared.read_shared(folder, "forecast", months=6) is None  # the run forecast fewer months
    assert shared.read_shared(folder, "forecast", month="2026-09") is None  # another month
    assert shared.read_shared(folder, "lead_model") is None  # not computed in this run


def test_a_report_waits_for_a_step_still_being_computed_and_gives_up_after_its_wait(tmp_path):
    folder = shared.mark_pending(tmp_path, ["forecast"])
    assert shared.read_shared(folder, "forecast", wait_seconds=0.6) is None

    def finish():
        time.sleep(0.5)
        _small_forecast().to_parquet(folder / "forecast.parquet", index=False)
        # replaced in one step, as the run writes it (a reader polling a half-written record would read nothing)
        (folder / ".forecast.json.tmp").write_text(json.dumps({"status": "ok", "parameters": {"months": 4}}))
        os.replace(folder / ".forecast.json.tmp", folder / "forecast.json")

    threading.Thread(target=finish).start()
    assert shared.read_shared(folder, "forecast", wait_seconds=10) is not None


def test_the_lead_model_is_fitted_once_for_the_group_and_every_store_reads_it_instead_of_refitting(
        hand, tmp_path, monkeypatch):
    from kit import leads as kl

    calls = []

    def fit(leads, followups, **kwargs):
        calls.append(len(leads))
        return {"fitted_on": sorted(leads["store_id"].unique()), "as_of": str(kwargs["as_of"].date())}

    monkeypatch.setattr(kl, "fit_lead_model", fit)
    records = shared.compute_shared(hand, OCTOBER, tmp_path / "shared", ["lead_model"])
    assert records["lead_model"]["status"] == "ok" and calls == [len(hand.leads)]
    snap = tmp_path / "snapshot"
    io.save_snapshot(hand, snap)

    def refit(*args, **kwargs):
        raise AssertionError("a store refitted the lead model")

    monkeypatch.setattr(kl, "fit_lead_model", refit)
    for store in ("A", "B"):
        r = notebook.start("lead_scoring", month="2026-10", run={"store": store, "snapshot_dir": str(snap),
                                                                 "shared_dir": str(tmp_path / "shared")})
        assert set(r.dealer.leads["store_id"]) == {store}
        model = r.shared("lead_model")  # the report's own day: the end of October
        assert model == {"fitted_on": ["A", "B"], "as_of": "2026-10-31"}  # the group's model
        assert r.shared_or("lead_model", refit) == model
        september = notebook.start("lead_scoring", month="2026-09", run={
            "store": store, "snapshot_dir": str(snap), "shared_dir": str(tmp_path / "shared")})
        assert september.shared("lead_model") is None  # fitted for another day: that report fits its own
        assert september.shared_or("lead_model", lambda: "its own") == "its own"
    assert calls == [len(hand.leads)]


def test_a_failing_shared_step_is_recorded_and_reads_as_none(hand, tmp_path, monkeypatch):
    from kit import forecast as kf

    def broken(*args, **kwargs):
        raise ValueError("engine trouble")

    monkeypatch.setattr(kf, "reconcile", broken)
    records = shared.compute_shared(hand, OCTOBER, tmp_path, ["forecast"])
    assert records["forecast"]["status"] == "failed" and "engine trouble" in records["forecast"]["detail"]
    assert shared.read_shared(tmp_path, "forecast") is None


# --------------------------------------------------------------------------- the notebook


@pytest.mark.slow
def test_the_group_notebook_runs_and_glues_the_numbers_of_the_league(tmp_path):
    import papermill as pm

    from kit.runner.execute import without_explore  # as the batch runs it (the what-ifs need JupyterLab)

    from kit.report import read_glue
    from kit.samples import write_group

    data = tmp_path / "group"
    write_group(data, 3, months=15, seed=11, truth=False)
    glue = tmp_path / "glue.json"
    pm.execute_notebook(without_explore(ROOT / "notebooks" / "group_overview.ipynb"), str(tmp_path / "out.ipynb"),
                        parameters={"month": "2026-10", "data_dir": str(data), "lang": "zh",
                                    "run": {"glue_file": str(glue), "output_dir": str(tmp_path)}},
                        cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
    glued = read_glue(glue)
    dealer = io.load_dealer(data)
    ov = group.overview(dealer, periods.period("month", "2026-10"))
    # the tiles are the group's row of the league, computed here independently
    assert glued["group_conversion_rate"]["value"] == pytest.approx(ov.group["conversion_rate"])
    october = periods.period("month", "2026-10")
    whole = measures.followup_overdue(dealer, october, measures.group_lead_model(dealer, october))
    assert glued["group_overdue_rate"]["value"] == pytest.approx(whole["overdue_rate"])
    assert glued["group_order_next_units"]["value"] == int(ov.store_plan["order_n1_units"].sum())
    assert (tmp_path / "group_overview_2026-10.xlsx").is_file()
    assert glued["_advice"], "the report says what to do first"
