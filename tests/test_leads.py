"""Tests of kit.leads: every table and rule on hand-made frames with hand-computed answers, no look-ahead, the
fallback, bad inputs, and on the sample dealership the planted signals and the comparison with consultants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from kit import leads as kl
from kit.exceptions import ConfigError, DataContractError, NotFittedError

T = pd.Timestamp


@pytest.fixture(autouse=True)
def _one_thread():
    # the machine is shared: OpenMP in gradient boosting thrashes when it takes every core
    with threadpool_limits(limits=1):
        yield


def lead(lead_id, created, channel="phone", consultant="E1", status="open", closed=None, grade="B", **extra):
    row = {"lead_id": lead_id, "store_id": "S1", "created_at": T(created), "channel": channel,
           "consultant_id": consultant, "model_interest": "Aurora", "visits": 0, "test_drive": False,
           "quoted": False, "trade_in": False, "finance": False, "grade": grade, "status": status,
           "closed_at": T(closed) if closed else pd.NaT, "delivered_at": pd.NaT, "lost_reason": None,
           "customer_name": "张伟", "phone": "13812345678"}
    row.update(extra)
    return row


def frame(rows):
    out = pd.DataFrame(rows)
    for col in ("created_at", "closed_at", "delivered_at"):
        out[col] = pd.to_datetime(out[col])
    return out


def contacts(rows):
    out = pd.DataFrame(rows, columns=["lead_id", "at", "consultant_id", "kind", "outcome"], dtype=object)
    return out.assign(at=pd.to_datetime(out["at"]))


# --------------------------------------------------------------------------- settings


def test_default_settings_follow_domain():
    s = kl.LeadSettings.defaults()
    assert dict(s.followup_cadence_days) == {"H": 2, "A": 4, "B": 7, "C": 15, "O": 3, "N": 15}
    assert s.conversion_window_days == 90
    assert (s.min_closed_leads, s.min_conversions) == (1000, 100)
    assert all(v is None for v in s.funnel_targets.values())


def test_settings_from_mapping_partial_and_errors():
    s = kl.LeadSettings.from_mapping({"grade_thresholds": {"H": 0.6}, "funnel_targets": {"order_rate": 0.15},
                                      "followup_cadence_days": {"C": 10}})
    assert dict(s.grade_thresholds) == {"H": 0.6, "A": 0.30, "B": 0.12}
    assert s.funnel_targets["order_rate"] == 0.15 and s.funnel_targets["test_drive_rate"] is None
    assert s.followup_cadence_days["C"] == 10 and s.followup_cadence_days["H"] == 2
    with pytest.raises(ConfigError, match=r"leads\.grade_thresholds: expected H > A > B"):
        kl.LeadSettings.from_mapping({"grade_thresholds": {"H": 0.2}})
    with pytest.raises(ConfigError, match=r"leads\.followup_cadence_days\.X"):
        kl.LeadSettings.from_mapping({"followup_cadence_days": {"X": 3}})
    with pytest.raises(ConfigError, match=r"dealer\.leads\.colour: unknown setting"):
        kl.LeadSettings.from_mapping({"colour": 1}, where="dealer.leads")
    with pytest.raises(ConfigError, match=r"leads\.funnel_targets\.order_rate"):
        kl.LeadSettings.from_mapping({"funnel_targets": {"order_rate": 1.5}})
    with pytest.raises(ConfigError, match=r"leads\.min_closed_leads: expected a whole number"):
        kl.LeadSettings.from_mapping({"min_closed_leads": "many"})
    assert kl.LeadSettings().calls_per_consultant_per_day == 20
    assert kl.LeadSettings.from_mapping({"calls_per_consultant_per_day": 12}).calls_per_consultant_per_day == 12
    with pytest.raises(ConfigError, match=r"leads\.calls_per_consultant_per_day"):
        kl.LeadSettings.from_mapping({"calls_per_consultant_per_day": 0})


def test_template_settings_parse():
    import yaml

    from kit.config import DEFAULT_SETTINGS_FILE

    section = yaml.safe_load(DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8"))["leads"]
    s = kl.LeadSettings.from_mapping(section)
    assert s.funnel_targets["order_rate"] == section["funnel_targets"]["order_rate"]
    assert s.calls_per_consultant_per_day == section["calls_per_consultant_per_day"]


# --------------------------------------------------------------------------- grades and cadence


def test_grade_from_probability_thresholds():
    p = [0.50, 0.4999, 0.30, 0.2999, 0.12, 0.1199, 0.0, np.nan]
    assert list(kl.grade_from_probability(p)) == ["H", "A", "A", "B", "B", "C", "C", "N"]
    assert kl.grade_from_probability(0.7) == "H"
    custom = kl.LeadSettings.from_mapping({"grade_thresholds": {"H": 0.8, "A": 0.6, "B": 0.4}})
    assert list(kl.grade_from_probability([0.7, 0.5, 0.3], settings=custom)) == ["A", "B", "C"]
    series = pd.Series([0.9, 0.2], index=["x", "y"])
    assert kl.grade_from_probability(series).to_dict() == {"x": "H", "y": "B"}


def test_grade_uses_purchase_window_when_given():
    # likely but slow: H needs an order within 7 days, A 15, B 30 (docs/DOMAIN.md §1.1)
    grades = kl.grade_from_probability([0.9, 0.9, 0.9, 0.9, 0.2], expected_days=[5, 10, 20, 40, 5])
    assert list(grades) == ["H", "A", "B", "C", "B"]


def test_cadence_days_per_grade():
    assert list(kl.cadence_days(["H", "A", "B", "C", "O", "N", None, "F"])) == [2, 4, 7, 15, 3, 15, 15, 15]


def test_followup_grade_is_the_one_followed_up_sooner():
    kit = pd.Series(["H", "C", None, "B", "A", "B"])
    own = pd.Series(["C", "A", "B", None, "O", "B"])
    # H (2 days) beats C; A (4) beats C; no kit grade keeps B; B (7) beats an empty grade (N, 15); O (3) beats A (4);
    # a tie keeps the consultant's
    assert kl.followup_grade(kit, own).tolist() == ["H", "A", "B", "B", "O", "B"]
    slow_h = kl.LeadSettings.from_mapping({"followup_cadence_days": {"H": 20}})
    assert kl.followup_grade(pd.Series(["H"]), pd.Series(["C"]), settings=slow_h).tolist() == ["C"]


# --------------------------------------------------------------------------- features, no look-ahead


@pytest.fixture()
def feature_case():
    leads = frame([
        lead("A", "2024-05-01", channel="walk_in", status="won", closed="2024-06-01"),
        lead("B", "2024-05-08", channel="phone"),
        lead("C", "2024-05-11", channel="online"),                                   # registered after as_of
        lead("D", "2024-04-01", channel="walk_in", status="lost", closed="2024-05-09"),  # closed before as_of
        lead("E", "2024-04-20", channel="online", consultant=None, status="won", closed="2024-05-15"),
    ])
    follow = contacts([
        ("A", "2024-05-01 10:00", "E1", "visit", None),         # the registration visit
        ("A", "2024-05-02 09:00", "E1", "call", "no_answer"),
        ("A", "2024-05-03 10:00", "E1", "call", "invited"),
        ("A", "2024-05-05 11:00", "E1", "visit", "test_drive"),
        ("A", "2024-05-06 15:00", "E1", "wechat", "quoted"),
        ("A", "2024-05-12 10:00", "E1", "call", None),          # after as_of
        ("D", "2024-04-01 11:00", "E1", "visit", None),
    ])
    return leads, follow


def test_features_by_hand(feature_case):
    leads, follow = feature_case
    f = kl.build_features(leads, follow, as_of="2024-05-10").set_index("lead_id")
    assert sorted(f.index) == ["A", "B", "E"]
    a = f.loc["A"]
    assert a["age_days"] == 9
    assert a["visits"] == 2                      # registration + the test-drive visit
    assert bool(a["test_drive"]) and bool(a["quoted"]) and not bool(a["negotiating"])
    assert (a["contacts"], a["calls"], a["wechat_contacts"], a["sms_contacts"]) == (4, 2, 1, 0)
    assert (a["unanswered_calls"], a["invitations"], a["contacts_last_14_days"]) == (1, 1, 4)
    assert a["days_since_last_contact"] == 4     # 05-10 − 05-06
    assert a["first_contact_delay_hours"] == pytest.approx(23.0)  # 05-02 09:00 − registration 05-01 10:00
    # registration 05-01 10:00 → last contact 05-06 15:00 = 5 d 5 h over 4 contacts
    assert a["mean_days_between_contacts"] == pytest.approx(round((5 + 5 / 24) / 4, 2))
    assert a["longest_gap_days"] == pytest.approx(round(2 + 1 / 24, 1))  # 05-03 10:00 → 05-05 11:00
    b = f.loc["B"]
    assert (b["age_days"], b["visits"], b["contacts"], b["days_since_last_contact"]) == (2, 0, 0, 2)
    assert math.isnan(b["first_contact_delay_hours"]) and math.isnan(b["mean_days_between_contacts"])
    assert f.loc["E", "consultant_id"] == kl.UNASSIGNED   # a lead with no consultant: documented fallback


def test_no_look_ahead(feature_case):
    leads, follow = feature_case
    before = kl.build_features(leads, follow, as_of="2024-05-10")
    later = pd.concat([follow, contacts([
        ("B", "2024-05-11 09:00", "E1", "visit", "test_drive"),
        ("B", "2024-05-12 09:00", "E1", "call", "quoted"),
        ("A", "2024-05-20 09:00", "E1", "call", "negotiating"),
    ])], ignore_index=True)
    changed = leads.copy()
    changed.loc[changed["lead_id"] == "B", ["status", "closed_at", "test_drive", "quoted", "visits"]] = \
        ["won", T("2024-05-13"), True, True, 3]                    # the table's final flags know the future
    changed = pd.concat([changed, frame([lead("F", "2024-05-20")])], ignore_index=True)
    after = kl.build_features(changed, later, as_of="2024-05-10")
    pd.testing.assert_frame_equal(before, after)
    # a contact late on the as-of day itself does count
    same_day = pd.concat([follow, contacts([("B", "2024-05-10 23:30", "E1", "call", None)])], ignore_index=True)
    b = kl.build_features(leads, same_day, as_of="2024-05-10").set_index("lead_id").loc["B"]
    assert (b["contacts"], b["days_since_last_contact"]) == (1, 0)


def test_training_labels_and_censoring():
    leads = frame([
        lead("A", "2024-05-01", status="won", closed="2024-06-01"),   # won 22 days after 05-10
        lead("F", "2024-05-01", status="won", closed="2024-06-20"),   # won 41 days after: outside a 30-day window
        lead("G", "2024-05-01", status="lost", closed="2024-05-20"),
        lead("H", "2024-05-01"),
    ])
    follow = contacts([])
    full = kl.build_training_set(leads, follow, as_of_dates=["2024-05-10"], window_days=30, data_end="2024-06-30")
    assert full.set_index("lead_id")[kl.LABEL].to_dict() == {"A": True, "F": False, "G": False, "H": False}
    # on 06-05 the window (to 06-09) is not over: still-open leads are unknown and dropped, F's win is not known yet
    early = kl.build_training_set(leads, follow, as_of_dates=["2024-05-10"], window_days=30, data_end="2024-06-05")
    assert early.set_index("lead_id")[kl.LABEL].to_dict() == {"A": True, "G": False}


def test_training_set_rows_per_open_date():
    leads = frame([lead("A", "2024-05-01", status="won", closed="2024-05-20"), lead("B", "2024-05-09")])
    ts = kl.build_training_set(leads, contacts([]), as_of_dates=["2024-05-05", "2024-05-12", "2024-05-26"],
                               window_days=10, data_end="2024-07-01")
    got = sorted(zip(ts["lead_id"], ts["as_of"].dt.strftime("%m-%d"), ts[kl.LABEL]))
    assert got == [("A", "05-05", False), ("A", "05-12", True), ("B", "05-12", False), ("B", "05-26", False)]


# --------------------------------------------------------------------------- rules, fallback, call list


def test_rule_points_by_hand():
    X = pd.DataFrame({"test_drive": [True, False], "quoted": [True, False], "negotiating": [False, False],
                      "visits": [2, 0], "trade_in": [True, False], "finance": [True, False],
                      "days_since_last_contact": [3, 20], "age_days": [10, 70], "unanswered_calls": [0, 2]})
    rules = kl.RuleScorer()
    with pytest.raises(NotFittedError, match="RuleScorer is not fitted; call fit"):
        rules.predict_proba(X)
    rules.fit(X, [1, 0])                   # too few leads to calibrate: documented mapping
    assert list(rules.points(X)) == [10, -4]   # 3+2+2+1+1+1 and −2−1−1
    p = rules.predict_proba(X)[:, 1]
    assert p[0] == pytest.approx(1 / (1 + math.exp(-(-3.0 + 0.5 * 10))))
    assert p[1] == pytest.approx(1 / (1 + math.exp(-(-3.0 - 0.5 * 4))))
    table = kl.RuleScorer.points_table(lang="zh")
    assert table.loc[0, "signal"] == "已试驾" and table["points"].tolist()[:2] == [3, 2]


@pytest.fixture()
def discipline_case():
    """as_of 2024-06-10. E1: H 3 days, A 4, B 8, C 15, N 16 since last contact; E2: H 1 day and a new lead."""
    leads = frame([
        lead("H1", "2024-05-01", grade="H"), lead("A1", "2024-05-01", grade="A"),
        lead("B1", "2024-05-01", grade="B"), lead("C1", "2024-05-01", grade="C"),
        lead("N1", "2024-05-01", grade=None),
        lead("H2", "2024-05-01", consultant="E2", grade="H", trade_in=True),
        lead("B2", "2024-06-08", consultant="E2", grade="B"),
    ])
    follow = contacts([
        ("H1", "2024-05-01 02:00", "E1", "call", None), ("H1", "2024-06-07 10:00", "E1", "call", None),
        ("A1", "2024-05-01 05:00", "E1", "call", None), ("A1", "2024-06-06 10:00", "E1", "call", None),
        ("B1", "2024-05-02 06:00", "E1", "call", None), ("B1", "2024-06-02 10:00", "E1", "call", None),
        ("C1", "2024-05-03 00:00", "E1", "call", None), ("C1", "2024-05-26 10:00", "E1", "call", None),
        ("N1", "2024-05-05 04:00", "E1", "call", None), ("N1", "2024-05-25 10:00", "E1", "call", None),
        ("H2", "2024-05-01 12:00", "E2", "call", None),
        ("H2", "2024-05-20 10:00", "E2", "visit", "test_drive"),
        ("H2", "2024-05-25 10:00", "E2", "visit", "quoted"),
        ("H2", "2024-06-09 10:00", "E2", "call", None),
    ])
    return leads, follow


def test_followup_discipline_by_hand(discipline_case):
    leads, follow = discipline_case
    discipline = kl.followup_discipline(leads, follow, as_of="2024-06-10")
    d, team = discipline.rows.set_index("consultant_id"), discipline.team
    e1, e2 = d.loc["E1"], d.loc["E2"]
    assert (e1["open_leads"], e1["within_cadence"], e1["overdue"], e1["overdue_h_a"]) == (5, 2, 3, 1)
    assert e1["within_cadence_rate"] == pytest.approx(0.4)
    assert e1["median_first_contact_hours"] == pytest.approx(30.0)     # delays 2, 5, 30, 48, 100 hours
    assert e1["first_contact_within_24h_rate"] == pytest.approx(2 / 5)
    assert (e2["open_leads"], e2["within_cadence"], e2["overdue"], e2["never_contacted"]) == (2, 2, 0, 1)
    assert e2["median_first_contact_hours"] == pytest.approx(12.0)
    assert e2["first_contact_within_24h_rate"] == pytest.approx(1 / 2)
    assert (team["open_leads"], team["within_cadence"], team["overdue"]) == (7, 4, 3)
    assert team["median_first_contact_hours"] == pytest.approx(21.0)   # median of 2, 5, 12, 30, 48, 100
    assert team["first_contact_within_24h_rate"] == pytest.approx(3 / 7)


def test_one_overdue_rule_for_the_call_list_and_the_discipline_table(discipline_case):
    leads, follow = discipline_case
    # the kit grades C1 H (a 2-day cadence): 15 days after the last contact it is overdue, although the consultant's
    # C (15 days) alone would not make it so
    own = kl.followup_status(leads, follow, as_of="2024-06-10").set_index("lead_id")
    assert not own.loc["C1", "overdue"] and own.loc["C1", "days_since_last_contact"] == 15
    kit = {"C1": "H", "H1": "C", "H2": "C", "B2": "C", "A1": "C", "B1": "C", "N1": "C"}
    status = kl.followup_status(leads, follow, as_of="2024-06-10", kit_grades=kit).set_index("lead_id")
    c1 = status.loc["C1"]
    assert (c1["followup_grade"], c1["cadence_days"], bool(c1["overdue"])) == ("H", 2, True)
    assert c1["next_contact_due"] == T("2024-05-28")                     # last contact 26 May + 2 days
    assert status.loc["H1", "followup_grade"] == "H"                       # the consultant's H still counts
    # overdue: H1 (3 > 2), B1 (8 > 7), N1 (16 > 15 for C and N), C1 (15 > 2)
    assert sorted(status.index[status["overdue"]]) == ["B1", "C1", "H1", "N1"]
    assert kl.overdue_count(status) == 4
    assert kl.overdue_count(status, grades=kl.HOT_GRADES) == 2              # H1 and C1
    assert kl.overdue_count(status.reset_index(), by="consultant_id").to_dict() == {"E1": 4, "E2": 0}
    d = kl.followup_discipline(leads, follow, as_of="2024-06-10", kit_grades=kit)
    assert d.team["overdue"] == 4 and d.team["overdue_h_a"] == 2
    assert d.rows.set_index("consultant_id")["overdue"].to_dict() == {"E1": 4, "E2": 0}
    # the call list uses the same rule with the kit's own grades: its overdue flags equal the table's counts
    scores = kl.score_open_leads(leads, follow, as_of="2024-06-10")
    table = kl.followup_discipline(leads, follow, as_of="2024-06-10", kit_grades=scores.kit_grades)
    assert table.team["overdue"] == kl.overdue_count(scores.call_list) == int(scores.call_list["overdue"].sum())
    per = kl.overdue_count(scores.call_list, by="consultant_id")
    assert table.rows.set_index("consultant_id")["overdue"].to_dict() == per.to_dict()


def test_fallback_and_call_list_by_hand(discipline_case):
    leads, follow = discipline_case
    model = kl.fit_lead_model(leads, follow, as_of="2024-06-10")
    assert model.method == "rules" and not model.trustworthy
    assert "below the minimum of 1,000" in model.reason and "transparent rules" in model.reason
    scores = kl.score_open_leads(leads, follow, as_of="2024-06-10", model=model)
    assert scores.method == "rules" and not scores.trustworthy
    cl = scores.call_list.set_index("lead_id")
    assert set(cl["scored_by"]) == {"rules"}
    # H2: test drive 3 + quote 2 + two visits 2 + trade-in 1 + contacted yesterday 1 = 9 points
    assert cl.loc["H2", "probability"] == pytest.approx(1 / (1 + math.exp(-(-3.0 + 0.5 * 9))))
    assert cl.loc["H2", "kit_grade"] == "H" and not cl.loc["H2", "overdue"]
    assert [cl.loc["H2", f"reason_{k}"] for k in (1, 2, 3)] == ["+ test drive taken", "+ price quoted",
                                                                "+ second visit"]
    # H1: only "contacted in the last 7 days" (1 point) → p = 7.6 % → kit C; the consultant's H cadence (2 days)
    # is the stricter one, and 3 days have passed
    assert cl.loc["H1", "kit_grade"] == "C" and cl.loc["H1", "consultant_grade"] == "H"
    assert cl.loc["H1", "cadence_days"] == 2 and cl.loc["H1", "overdue"]
    assert cl.loc["H1", "next_contact_due"] == T("2024-06-09")
    assert cl.loc["N1", "consultant_grade"] == "N" and cl.loc["N1", "overdue"]   # 16 days > 15
    assert cl.loc["H1", "customer_name"] == "张*" and cl.loc["H1", "phone"] == "138****5678"
    e2 = scores.call_list[scores.call_list["consultant_id"] == "E2"]
    assert e2["lead_id"].tolist() == ["H2", "B2"] and e2["priority"].tolist() == [1, 2]
    # equal points, equal chance: the overdue follow-up is called first (H1 before A1, N1 before C1)
    e1 = scores.call_list[scores.call_list["consultant_id"] == "E1"]
    assert e1["lead_id"].tolist() == ["H1", "A1", "B1", "N1", "C1"] and e1["priority"].tolist() == [1, 2, 3, 4, 5]
    zh = kl.score_open_leads(leads, follow, as_of="2024-06-10", model=model, lang="zh", mask_personal=False)
    row = zh.call_list.set_index("lead_id").loc["H2"]
    assert [row["reason_1"], row["reason_2"], row["reason_3"]] == ["+ 已试驾", "+ 已报价", "+ 二次到店"]
    assert row["customer_name"] == "张伟" and "低于" in zh.reason


def test_reason_phrases():
    assert kl.reason_text("days_since_last_contact", 12, -0.4) == "no contact for 12 days"
    assert kl.reason_text("days_since_last_contact", 12, -0.4, lang="zh") == "12天未联系"
    assert kl.reason_text("visits", 2) == "second visit"
    assert kl.reason_text("test_drive", True, lang="zh") == "已试驾"
    assert kl.reason_text("channel", "online", lang="zh") == "来源：网络(DCC)"
    assert kl.reason_text(kl.GRADE_FEATURE, 4.0) == "consultant graded H"


def test_masking():
    assert kl.mask_phone("13812345678") == "138****5678"
    assert kl.mask_phone("138-1234-5678") == "138****5678"
    assert kl.mask_name("张伟") == "张*"
    assert kl.mask_name("欧阳小明") == "欧***"
    masked = pd.Series(["李娜", None]).map(kl.mask_name)  # the kit's one rule, kit.report.masking, is per value
    assert masked.iloc[0] == "李*" and pd.isna(masked.iloc[1])


# --------------------------------------------------------------------------- funnel


@pytest.fixture()
def funnel_case():
    """Ten leads around May 2024 (see the hand computation in test_funnel_by_hand)."""
    leads = frame([
        lead("L1", "2024-05-02", "walk_in", status="won", closed="2024-05-10", delivered_at=T("2024-05-20"),
             test_drive=True),
        lead("L2", "2024-05-03", "walk_in", status="won", closed="2024-05-25", delivered_at=T("2024-06-05"),
             test_drive=True),
        lead("L3", "2024-05-06", "walk_in", status="lost", closed="2024-05-20", lost_reason="价格原因"),
        lead("L4", "2024-05-07", "phone", test_drive=True),
        lead("L5", "2024-05-10", "phone"),
        lead("L6", "2024-05-15", "online", status="lost", closed="2024-05-28", lost_reason="竞品购买",
             test_drive=True),
        lead("L7", "2024-05-20", "online"),
        lead("L8", "2024-05-21", "referral", status="won", closed="2024-05-30", test_drive=True),
        lead("L9", "2024-04-20", "walk_in", status="won", closed="2024-05-08", delivered_at=T("2024-05-15"),
             test_drive=True),
        lead("L10", "2024-06-02", "walk_in"),
    ])
    follow = contacts([
        ("L1", "2024-05-02 10:00", "E1", "visit", "test_drive"), ("L2", "2024-05-05 10:00", "E1", "visit",
                                                                  "test_drive"),
        ("L4", "2024-05-12 10:00", "E1", "visit", "test_drive"), ("L6", "2024-05-20 10:00", "E1", "visit",
                                                                  "test_drive"),
        ("L8", "2024-05-22 10:00", "E1", "visit", "test_drive"), ("L9", "2024-05-03 10:00", "E1", "visit",
                                                                  "test_drive"),
    ])
    traffic = pd.DataFrame({"date": pd.to_datetime(["2024-05-01", "2024-05-01", "2024-05-01", "2024-04-15"]),
                            "store_id": "S1", "channel": ["walk_in", "phone", "online", "walk_in"],
                            "visitors": [20, 10, 8, 15]})
    return leads, follow, traffic


def _rates(table, window):
    rows = table[(table["window"] == window) & table["rate_name"].notna()]
    return {r.rate_name: (r.numerator, r.denominator) for r in rows.itertuples()}


def test_funnel_by_hand(funnel_case):
    leads, follow, traffic = funnel_case
    settings = kl.LeadSettings.from_mapping({"funnel_targets": {"order_rate": 0.40}})
    f = kl.funnel(leads, period="2024-05", traffic=traffic, followups=follow, settings=settings)
    # May cohort: L1–L8 registered (7 of them from walk-in/phone/online) out of 38 enquiries; test drives L1 L2 L4
    # L6 L8; orders L1 L2 L8; delivered by 05-31 only L1
    assert _rates(f, "month") == {"registration_rate": (7, 38), "test_drive_rate": (5, 8), "order_rate": (3, 8),
                                  "delivery_rate": (1, 3)}
    month = f[f["window"] == "month"].set_index("step")
    assert month.loc["enquiries", "count"] == 38 and month.loc["registered", "count"] == 8
    assert month.loc["ordered", "rate"] == pytest.approx(3 / 8)
    assert month.loc["test_drive", "denominator_name"] == "den_cohort_leads"
    # on 31 May the May leads can still order: not final, so the target is kept but never compared
    assert month.loc["registered", "final"] and not month.loc["ordered", "final"]
    assert month.loc["ordered", "final_on"] == T("2024-08-29")                 # 31 May + 90 days
    assert month.loc["ordered", "target"] == 0.40 and pd.isna(month.loc["ordered", "gap_to_target"])
    assert pd.isna(month.loc["ordered", "meets_target"])
    # trailing 12 months adds L9 (April) and April's 15 walk-ins
    assert _rates(f, "trailing_12_months") == {"registration_rate": (8, 53), "test_drive_rate": (6, 9),
                                               "order_rate": (4, 9), "delivery_rate": (2, 4)}
    # on 29 August every May lead has had its 90 days: final, followed until then (L2's June delivery counts)
    final = kl.funnel(leads, period="2024-05", traffic=traffic, followups=follow, settings=settings,
                      as_of="2024-08-29")
    assert final["final"].all()
    assert _rates(final, "month") == {"registration_rate": (7, 38), "test_drive_rate": (5, 8), "order_rate": (3, 8),
                                      "delivery_rate": (2, 3)}
    ordered = final[final["window"] == "month"].set_index("step").loc["ordered"]
    assert ordered["gap_to_target"] == pytest.approx(-0.025) and not ordered["meets_target"]
    assert _rates(final, "trailing_12_months")["delivery_rate"] == (3, 4)
    # activity basis: events in May whoever the lead: test drives L1 L2 L4 L6 L8 L9, orders L1 L2 L8 L9,
    # deliveries L1 L9
    act = kl.funnel(leads, period="2024-05", traffic=traffic, followups=follow, basis="activity")
    assert _rates(act, "month") == {"registration_rate": (7, 38), "test_drive_rate": (6, 8), "order_rate": (4, 8),
                                    "delivery_rate": (2, 4)}


def test_final_month_and_orders(funnel_case):
    assert kl.final_on("2024-05-31") == T("2024-08-29")
    assert str(kl.latest_final_month("2024-08-29")) == "2024-05"
    assert str(kl.latest_final_month("2024-08-28")) == "2024-04"
    short = kl.LeadSettings.from_mapping({"conversion_window_days": 30})
    assert str(kl.latest_final_month("2024-08-29", settings=short)) == "2024-06"    # 31 July + 30 = 30 August
    assert str(kl.latest_final_month("2024-08-30", settings=short)) == "2024-07"
    leads, follow, traffic = funnel_case
    # won in May: L1 (10th), L2 (25th), L8 (30th), L9 (8th)
    assert kl.orders_signed(leads, start="2024-05-01", end="2024-05-31") == 4
    assert kl.orders_signed(leads, start="2024-05-09", end="2024-05-25") == 2
    # mid-May, as known then: L1–L6 registered, test drives of L1 L2 L4, one order (L1); L2's close on the 25th
    # and L6's test drive on the 20th are not known yet
    mid = kl.funnel(leads, period="2024-05", traffic=traffic, followups=follow, as_of="2024-05-15")
    assert _rates(mid, "month") == {"registration_rate": (6, 38), "test_drive_rate": (3, 6), "order_rate": (1, 6),
                                    "delivery_rate": (0, 1)}
    assert not mid.loc[mid["step"] != "enquiries", "final"].any()


def test_funnel_by_channel_and_without_followups(funnel_case):
    leads, follow, traffic = funnel_case
    f = kl.funnel(leads, period="2024-05", traffic=traffic, by="channel")    # test drives from the leads table
    walk = f[(f["window"] == "month") & (f["channel"] == "walk_in")]
    assert {r.rate_name: (r.numerator, r.denominator) for r in walk.itertuples() if pd.notna(r.rate_name)} == {
        "registration_rate": (3, 20), "test_drive_rate": (2, 3), "order_rate": (2, 3), "delivery_rate": (1, 2)}
    referral = f[(f["window"] == "month") & (f["channel"] == "referral") & (f["step"] == "registered")]
    assert math.isnan(referral["rate"].iloc[0])      # referrals are not in the traffic count
    by_consultant = kl.funnel(leads, period="2024-05", traffic=traffic, by="consultant_id")
    assert by_consultant.loc[by_consultant["step"] == "registered", "rate"].isna().all()


def test_funnel_month_without_closed_leads(funnel_case):
    leads, follow, traffic = funnel_case
    f = kl.funnel(leads, period="2024-08", followups=follow)
    month = f[f["window"] == "month"].set_index("step")
    assert month.loc["registered", "count"] == 0 and month.loc["ordered", "count"] == 0
    assert month["rate"].isna().all()
    with pytest.raises(DataContractError, match="needs followups"):
        kl.funnel(leads, period="2024-05", basis="activity")


# --------------------------------------------------------------------------- lost leads


def test_lost_analysis_by_hand(funnel_case):
    leads, follow, _ = funnel_case
    leads = pd.concat([leads, frame([lead("L11", "2024-05-04", "walk_in", status="lost", closed="2024-05-18",
                                          lost_reason="价格原因", model_interest="Comet")])], ignore_index=True)
    follow = pd.concat([follow, contacts([("L11", "2024-05-06 10:00", "E1", "visit", "test_drive"),
                                          ("L11", "2024-05-08 10:00", "E1", "call", "quoted"),
                                          ("L3", "2024-05-25 10:00", "E1", "visit", "test_drive")])],
                       ignore_index=True)   # L3's test drive came after it was lost: it does not count
    la = kl.lost_analysis(leads, follow, period="2024-05", months=1)
    assert la.reasons.set_index("lost_reason")["lost_leads"].to_dict() == {"价格原因": 2, "竞品购买": 1}
    assert la.steps.set_index("lost_step")["lost_leads"].to_dict() == {
        "lost_before_test_drive": 1, "lost_after_test_drive": 1, "lost_after_quote": 1}
    walk = la.by_channel.set_index("channel").loc["walk_in"]
    # closed in May from walk-ins: L1 L2 L3 L9 (won or lost) and L11
    assert (walk["closed_leads"], walk["lost_leads"]) == (5, 2) and walk["loss_rate"] == pytest.approx(0.4)
    assert walk["top_reason"] == "价格原因"
    assert la.by_model.set_index("model_interest").loc["Comet", "lost_after_quote"] == 1
    empty = kl.lost_analysis(leads, follow, period="2024-08", months=1)
    assert empty.reasons.empty and empty.by_channel.empty


# --------------------------------------------------------------------------- grade audit


def test_grade_audit_by_hand():
    rows = []
    for i in range(20):   # X grades everything H where the kit says B; 5 of their 20 leads bought
        rows.append(("X", "H", "B", i < 5))
    for i in range(20):   # Y grades C where the kit says A; the kit's A leads of Y converted 10 of 20
        rows.append(("Y", "C", "A", i < 10))
    for i in range(5):
        rows.append(("Z", "A", "A", False))
    scored = pd.DataFrame(rows, columns=["consultant_id", "consultant_grade", "kit_grade", kl.LABEL])
    result = kl.grade_audit(scored)
    audit = result.rows.set_index("consultant_id")
    assert audit.loc["X", "grade_gap"] == pytest.approx(2.0) and audit.loc["X", "verdict"] == "grades_high"
    assert audit.loc["X", "consultant_h_a_conversion"] == pytest.approx(0.25)
    assert math.isnan(audit.loc["X", "kit_h_a_conversion"])          # the kit graded none of X's leads H/A
    assert audit.loc["Y", "grade_gap"] == pytest.approx(-2.0) and audit.loc["Y", "verdict"] == "grades_low"
    assert audit.loc["Y", "kit_h_a_conversion"] == pytest.approx(0.5)
    assert audit.loc["Z", "verdict"] == "too_few_graded"
    # the team is its own row (a totals row), never one of the consultants
    assert set(audit.index) == {"X", "Y", "Z"}
    assert result.team["grade_gap"] == pytest.approx((20 * 2 - 20 * 2 + 0) / 45)
    assert result.team["graded_leads"] == 45 and result.team["gap_vs_team"] == 0.0
    shifted = scored.assign(kit_grade=scored["kit_grade"].replace({"A": "B"}))   # Y and Z now 1 step colder
    team = kl.grade_audit(shifted)
    assert team.team["grade_gap"] == pytest.approx((40 - 20 + 5) / 45)
    assert team.rows.set_index("consultant_id").loc["Y", "gap_vs_team"] == pytest.approx(-1.0 - 25 / 45)
    cross = kl.grade_crosstab(scored).set_index("consultant_grade")
    assert cross.loc["H", "kit_B"] == 20 and cross.loc["C", "kit_A"] == 20 and cross.loc["A", "kit_A"] == 5


# --------------------------------------------------------------------------- bad inputs


def test_bad_inputs_name_rows(feature_case):
    leads, follow = feature_case
    stray = pd.concat([follow, contacts([("ZZ9", "2024-05-03 10:00", "E1", "call", None)])], ignore_index=True)
    with pytest.raises(DataContractError, match=r"followups row 9 \(lead_id ZZ9\), column lead_id"):
        kl.build_features(leads, stray, as_of="2024-05-10")
    broken = leads.copy()
    broken.loc[broken["lead_id"] == "D", "closed_at"] = pd.NaT
    with pytest.raises(DataContractError, match=r"leads row 5 \(lead_id D\), column closed_at"):
        kl.build_features(broken, follow, as_of="2024-05-10")
    with pytest.raises(DataContractError, match="missing column channel"):
        kl.build_features(leads.drop(columns="channel"), follow, as_of="2024-05-10")
    dup = pd.concat([leads, leads.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataContractError, match="each lead_id once"):
        kl.funnel(dup, period="2024-05")
    with pytest.raises(ConfigError, match="as_of: expected a date"):
        kl.build_features(leads, follow, as_of="sometime")


def test_holdout_with_too_little_history(feature_case):
    leads, follow = feature_case
    report = kl.evaluate_holdout(leads, follow, as_of="2024-06-01")
    assert report.metrics.empty and "No lead has a known outcome yet" in report.message


def test_holdout_takes_the_grade_known_on_each_date():
    # 20 leads two weeks apart, each closed 25 days after registration (every fourth won)
    rows = []
    for i in range(20):
        created = T("2024-01-05") + pd.Timedelta(days=14 * i)
        won = i % 4 == 0
        rows.append(lead(f"L{i:02d}", created, status="won" if won else "lost",
                         closed=created + pd.Timedelta(days=25), grade="O" if won else "F"))
    leads = frame(rows)
    settings = kl.LeadSettings.from_mapping({"conversion_window_days": 30, "holdout_every_days": 7})
    target = leads.set_index("lead_id").loc["L18", "created_at"]
    log = pd.DataFrame({"lead_id": ["L18", "L18"], "at": [target + pd.Timedelta(days=3), target + pd.Timedelta(days=10)],
                        "grade": ["B", "H"]})
    report = kl.evaluate_holdout(leads, contacts([]), as_of="2025-03-31", settings=settings, method="rules",
                                 grade_log=log)
    got = report.scored[report.scored["lead_id"] == "L18"].set_index("as_of")["consultant_grade"]
    assert len(got) >= 3
    for day, grade in got.items():
        age = (day - target).days
        assert grade == ("N" if age < 3 else "B" if age < 10 else "H")
    # without a log, the table's O/F (the outcome itself) is never taken for a forecast
    plain = kl.evaluate_holdout(leads, contacts([]), as_of="2025-03-31", settings=settings, method="rules")
    assert set(plain.scored["consultant_grade"]) == {"N"}
    assert "consultant grades" not in set(plain.metrics["scorer"])


# --------------------------------------------------------------------------- the estimator


def test_lead_scorer_is_a_sklearn_classifier():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"channel": rng.choice(["walk_in", "online", None], n), "visits": rng.integers(0, 4, n),
                      "test_drive": rng.random(n) < 0.3, "days_since_last_contact": rng.integers(0, 30, n)})
    y = (rng.random(n) < 0.1 + 0.4 * X["test_drive"]).astype(int)
    scorer = kl.LeadScorer()
    assert isinstance(scorer, kl.TabularClassifier) and scorer.get_params()["isotonic_min_rows"] == 5000
    with pytest.raises(NotFittedError, match="not fitted; call fit"):
        scorer.predict_proba(X)
    p = scorer.fit(X, y).predict_proba(X)
    assert p.shape == (n, 2) and np.allclose(p.sum(axis=1), 1)
    assert p[X["test_drive"].to_numpy(), 1].mean() > p[~X["test_drive"].to_numpy(), 1].mean()
    assert clone(scorer).get_params() == scorer.get_params()


# --------------------------------------------------------------------------- the sample dealership


@pytest.fixture(scope="module")
def dealership():
    from kit import samples

    return samples.make_dealership(seed=0, scale=0.5)


@pytest.fixture(scope="module")
def holdout(dealership):
    """Time hold-out of the sample dealership: the kit scores on the lead's behaviour alone; the month-end grade
    sheet (grade_log) gives the consultants' grades before the outcome, compared on the same graded test rows."""
    leads = dealership["leads"]
    return kl.evaluate_holdout(leads, dealership["followups"], as_of=leads["created_at"].max(),
                               grade_log=dealership["grade_log"], grade_as_feature=False)


@pytest.mark.slow
def test_scorer_recovers_planted_signals(dealership, holdout):
    from kit import samples

    leads, follow = dealership["leads"], dealership["followups"]
    model = holdout.model                       # trained on outcomes known before the split
    assert model.method == "model" and model.trustworthy
    split = holdout.split_date
    rows = kl.build_training_set(leads, follow, as_of_dates=kl.snapshot_dates(
        split - pd.Timedelta(days=450), split - pd.Timedelta(days=90), every_days=28), window_days=90,
        data_end=split)
    effects = kl.signal_effects(model, rows)
    planted = samples.LEAD_SIGNALS     # the checks below follow the order of these planted effects
    assert planted["test_drive"] > planted["quoted"] > planted["trade_in"] > planted["finance"] > 0
    assert planted["channel_referral"] > planted["channel_walk_in"] > 0
    flag = effects.query("level == 'yes'").set_index("feature")["effect_log_odds"]
    assert flag["test_drive"] > flag["trade_in"] and flag["test_drive"] > flag["finance"]
    assert flag["quoted"] > flag["finance"]
    channel = effects.set_index("level")["effect_log_odds"]
    assert channel["referral vs online"] > 0.5 and channel["walk_in vs online"] > 0.3


@pytest.mark.slow
def test_kit_beats_consultant_grades_on_a_time_holdout(dealership, holdout):
    leads = dealership["leads"]
    m = holdout.metrics.set_index("scorer")
    kit, consultants = m.loc["kit, same leads"], m.loc["consultant grades"]
    assert holdout.method == "model" and holdout.n_test_leads > 1000 and consultants["n_positive"] >= 50
    assert kit["roc_auc"] > consultants["roc_auc"]
    assert kit["average_precision"] > consultants["average_precision"]
    assert kit["top20_capture"] > consultants["top20_capture"]
    assert m.loc["kit", "roc_auc"] > 0.75
    # the test leads were never seen: all registered on or after the split, and trained outcomes ended before it
    assert (holdout.scored["lead_id"].map(leads.set_index("lead_id")["created_at"]) >= holdout.split_date).all()
    assert holdout.by_band["leads"].sum() == holdout.n_test_rows


# --------------------------------------------------------------------------- the call-load what-if


def test_call_load_by_hand():
    calls = pd.DataFrame({"consultant_id": ["E1"] * 4 + ["E2"] * 10,
                          "probability": [0.6, 0.4, 0.2, 0.01] + [0.9] * 10,
                          "consultant_grade": ["N", "N", "N", "C"] + ["H"] * 10})
    load = kl.call_load(calls, calls_per_day=4)
    rows = load.rows.set_index("consultant_id")
    # E1: kit H, A, B, C (default thresholds 50/30/12 %) → calls every 2, 4, 7 and 15 days
    e1 = rows.loc["E1"]
    assert (e1["open_leads"], e1["h_leads"], e1["a_leads"]) == (4, 1, 1)
    assert e1["calls_a_day_h_a"] == pytest.approx(1 / 2 + 1 / 4)
    assert e1["calls_a_day"] == pytest.approx(1 / 2 + 1 / 4 + 1 / 7 + 1 / 15)
    assert e1["capacity_used"] == pytest.approx(0.75 / 4) and not e1["over_capacity"]
    # E2: ten H leads every 2 days = 5 calls a day, over a capacity of 4
    assert rows.loc["E2", "calls_a_day_h_a"] == pytest.approx(5.0) and rows.loc["E2", "over_capacity"]
    assert rows.loc["E2", "capacity_used"] == pytest.approx(1.25)
    team = load.team
    assert (team["h_leads"], team["a_leads"], team["capacity"], team["over_capacity"]) == (11, 1, 8, 1)
    assert team["capacity_used"] == pytest.approx(5.75 / 8)
    # a stricter H threshold moves E1's 60 % lead to A: fewer calls a day
    stricter = kl.call_load(calls, thresholds={"H": 0.65}, calls_per_day=4).rows.set_index("consultant_id")
    assert (stricter.loc["E1", "h_leads"], stricter.loc["E1", "a_leads"]) == (0, 2)
    assert stricter.loc["E1", "calls_a_day_h_a"] == pytest.approx(0.5)
    assert kl.call_load(calls).settings.calls_per_consultant_per_day == 20     # the setting's default
    with pytest.raises(ConfigError, match=r"leads\.grade_thresholds: expected H > A > B"):
        kl.call_load(calls, thresholds={"H": 0.30})
    with pytest.raises(ConfigError, match=r"leads\.calls_per_consultant_per_day"):
        kl.call_load(calls, calls_per_day=0)


# --------------------------------------------------------------------------- words: reasons, advice, views


def test_reasons_are_composed_in_the_reports_language(monkeypatch):
    import re

    monkeypatch.setenv("KIT_STRICT_I18N", "1")          # a missing catalog key raises instead of leaking the key
    values = {"channel": ["walk_in", "online"], "model_interest": ["Aurora"], "consultant_id": ["E7"],
              "store_id": ["S1"]}
    data = {"Aurora", "E7", "S1", "DCC", "H", "A", "B", "C"}
    for feature in (*kl.FEATURE_COLUMNS, kl.GRADE_FEATURE):
        for value in values.get(feature, [0, 1, 2, 5, 30, 0.5, np.nan, True, False]):
            for contribution in (0.4, -0.4):
                en = kl.reason_text(feature, value, contribution, lang="en")
                zh = kl.reason_text(feature, value, contribution, lang="zh")
                assert not re.search(r"[\u4e00-\u9fff]", en), (feature, value, en)
                bare = re.sub("|".join(sorted(data, key=len, reverse=True)), "", zh)
                assert not re.search(r"[A-Za-z_]", bare), (feature, value, zh)
    assert kl.reason_text("unanswered_calls", 1) == "one unanswered call"
    assert kl.reason_text("first_contact_delay_hours", 30.0, lang="zh") == "首次跟进用时30小时"
    assert kl.reason_text("channel", "walk_in") == "source: Walk-in"
    assert kl.RuleScorer.points_table(lang="zh")["signal"].tolist()[-1] == "两次以上未接通"


def _results(lang="en", *, targets=True, h_leads=True):
    """A hand-made LeadResults: the numbers the advice and views are worked out from."""
    from kit.leads.calllist import LeadScores

    grades = (["H"] * 3 + ["A", "C"]) if h_leads else (["A"] * 3 + ["A", "C"])
    call_list = pd.DataFrame({
        "consultant_id": ["E1"] * 5 + ["E2"] * 3,
        "lead_id": [f"L{i}" for i in range(8)],
        "priority": [1, 2, 3, 4, 5, 1, 2, 3],
        "probability": [0.7, 0.6, 0.5, 0.3, 0.01, 0.4 if h_leads else 0.2, 0.06, 0.05],
        "kit_grade": grades + (["H"] if h_leads else ["A"]) + ["B", "B"],
        "consultant_grade": ["H", "H", "A", "A", "C", "B", "B", "B"],
        "followup_grade": grades + (["H"] if h_leads else ["A"]) + ["B", "B"],
        "overdue": [True, True, False, True, True, False, True, True],
        "days_since_last_contact": [3, 5, 1, 6, 20, 0, 9, 8],
        "next_contact_due": pd.to_datetime(["2026-10-30"] * 8), "model_interest": "Aurora",
        "reason_1": ["+ test drive taken"] * 8, "reason_2": [None] * 8, "reason_3": [None] * 8})
    scores = LeadScores(call_list=call_list, method="rules", trustworthy=False, reason="", model=None)
    discipline = kl.Discipline(rows=pd.DataFrame({"consultant_id": ["E1", "E2"], "overdue": [4, 2]}),
                               team={"overdue": 6})
    audit = kl.GradeAudit(rows=pd.DataFrame({"consultant_id": ["E1", "E2", "E3", "E9"],    # E9 holds no lead now
                                             "graded_leads": [30, 40, 25, 50], "grade_gap": [0.8, -0.6, 0.1, 1.5],
                                             "gap_vs_team": [0.7, -0.7, 0.0, 1.4],
                                             "consultant_h_a_share": 0.2, "kit_h_a_share": 0.1,
                                             "consultant_h_a_conversion": 0.1, "kit_h_a_conversion": 0.2,
                                             "verdict": ["grades_high", "grades_low", "grades_in_line",
                                                         "grades_high"]}),
                          team={"graded_leads": 95, "grade_gap": 0.1, "gap_vs_team": 0.0, "consultant_h_a_share": 0.2,
                                "kit_h_a_share": 0.1, "consultant_h_a_conversion": 0.1, "kit_h_a_conversion": 0.2,
                                "verdict": "grades_in_line"})
    steps = ["enquiries", "registered", "test_drive", "ordered", "delivered"]
    final = pd.DataFrame({"window": "month", "step": steps, "count": [1000, 800, 120, 60, 60],
                          "rate_name": [None, "registration_rate", "test_drive_rate", "order_rate", "delivery_rate"],
                          "rate": [np.nan, 0.75, 0.15, 0.075, 1.0],
                          "target": [np.nan, 0.70, 0.40, 0.15, 0.90] if targets else np.nan})
    final["gap_to_target"] = final["rate"] - final["target"]
    lost = kl.LostAnalysis(
        reasons=pd.DataFrame({"lost_reason": ["reason_not_stated", "价格原因", "失联"], "lost_leads": [40, 35, 25],
                              "share": [0.40, 0.35, 0.25]}),
        steps=pd.DataFrame({"lost_step": list(kl.LOST_STEPS), "lost_leads": [70, 10, 20], "share": [0.7, 0.1, 0.2]}),
        by_channel=pd.DataFrame(), by_model=pd.DataFrame())
    from kit import periods

    return kl.LeadResults(period=periods.period("month", "2026-10"), settings=kl.LeadSettings(), lang=lang,
                          people={"E1": "E1 张*", "E2": "E2 李*"}, scores=scores, discipline=discipline, holdout=None,
                          audit=audit, funnel_now=final, final_month=pd.Period("2026-07", "M"), funnel_final=final,
                          lost=lost, orders=12)


def _sentences(res):
    from kit import i18n

    return [i18n.t(key, res.lang, **fields) for key, fields in kl.what_to_do(res)]


def test_what_to_do_first_by_hand():
    assert _sentences(_results("en")) == [
        "Call these 4 H-grade customers first; 2 of them are overdue for a follow-up.",
        "6 follow-ups are overdue, 3 of them on H/A cards; most with E1 张* (4), E2 李* (2).",
        "Grades by E1 张* sit higher than the evidence supports (up to 0.8 grades above the kit): check their H and A "
        "cards before counting on them.",
        "Grades by E2 李* sit lower than the evidence shows (up to 0.6 grades below the kit): some of their B and C "
        "leads deserve quicker calls.",
        "Test-drive rate was 15.0% against a target of 40.0% in 2026-07, the latest month with final results: the "
        "funnel step furthest below target.",
        "The main reason for lost leads in the last 12 months is 价格原因 (35.0% of 100); most were lost before the "
        "test drive."]
    assert _sentences(_results("zh")) == [
        "先回访这4位H级客户，其中2位已超期未回访。",
        "共有6条回访超期，其中H/A级3条，集中在E1 张*（4条）、E2 李*（2条）。",
        "E1 张*的定级高于实际依据（最多比系统高0.8级）：请先核查其H、A级意向卡。",
        "E2 李*的定级低于实际依据（最多比系统低0.6级）：其部分B、C级线索应更快回访。",
        "2026-07（最近一个结果已定的月份）试驾率为15.0%，目标40.0%，是漏斗中离目标最远的环节。",
        "近12个月战败的主要原因是价格原因（占100条中的35.0%），多数战败发生在试驾前。"]


def test_what_to_do_first_other_cases():
    res = _results("en", targets=False, h_leads=False)
    said = _sentences(res)
    assert said[0] == "No lead scores H-grade today: call these 5 A-grade customers first; 3 of them are overdue " \
                      "for a follow-up."
    # no targets: the step where the largest share drops out (registered → test drive: 680 of 800)
    assert said[4] == "In 2026-07, the latest month with final results, most leads dropped out between Registered " \
                      "and Test drive: 680 of 800 (85.0%)."
    on_target = _results("en")
    on_target.funnel_final["target"] = [np.nan, 0.5, 0.1, 0.05, 0.9]
    on_target.funnel_final["gap_to_target"] = on_target.funnel_final["rate"] - on_target.funnel_final["target"]
    assert "Every funnel step of 2026-07" in _sentences(on_target)[4]
    calm = _results("en")
    calm.call_list["overdue"] = False
    assert "No follow-up is overdue" in _sentences(calm)[1]


def test_views_speak_the_reports_language():
    res = _results("zh")
    calls = kl.views.calls(res)
    assert calls["kit_grade"].isin(["H", "A"]).all() and len(calls) == 5          # H/A leads only
    assert calls["probability"].is_monotonic_decreasing and calls["consultant"].iloc[0] == "E1 张*"
    audit = kl.views.audit(res)
    assert audit["verdict"].tolist() == ["定级偏高", "定级偏低", "基本一致", "定级偏高"]
    assert "consultant_id" not in audit.columns and kl.views.audit_totals(res)["verdict"] == "基本一致"
    lost = kl.views.lost_reasons(res)
    assert lost["lost_reason"].tolist() == ["（未填原因）", "价格原因", "失联"]
    assert kl.views.lost_steps(res)["lost_step"].tolist() == ["试驾前", "试驾后、报价前", "报价后"]


def test_call_load_what_if_view_and_widget():
    pytest.importorskip("ipywidgets")
    from kit import explore, i18n
    from kit.report.tables import table

    res = _results("zh")

    class R:                                   # the two Report methods the what-if uses
        lang = "zh"

        def t(self, key, **fields):
            return i18n.t(key, "zh", **fields)

        def table(self, frame, **kwargs):
            return table(frame, lang="zh", **kwargs)

    shown = explore.leads.call_load_view(R(), res, h=0.5, a=0.3, b=0.12, calls_per_day=1).data
    # E1: kit H at 70, 60, 50 % (every 2 days) and A at 30 % (4 days): 1.75 calls a day, over 1; E2: kit A at 40 %
    # (0.25 a day): the team's 5 H/A leads take 2.0 calls a day
    assert "H/A级线索5条，每日需回访2.0次" in shown and "2位顾问中有1位每日超过1次" in shown
    assert "E1 张*" in shown and "kit-total" in shown
    assert "级别起点须逐级降低" in explore.leads.call_load_view(R(), res, h=0.2, a=0.3, b=0.12, calls_per_day=1).data
    box = explore.leads.call_capacity(R(), res)
    assert [c.description for c in box.children[:4]] == ["H级起点评分", "A级起点评分", "B级起点评分", "每位顾问每日可回访数"]
