"""``dealer.yml`` loading (kit.settings): defaults, the kit's own template, and errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit import config
from kit.exceptions import ConfigError
from kit.settings import DealerInfo, Settings, default_settings, load_settings, parse_settings


def write_yaml(tmp_path: Path, text: str, *, name: str = "dealer.yml", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- the dealer: section


def test_dealer_info_defaults():
    info = DealerInfo.from_mapping(None)
    assert info == DealerInfo()
    assert (info.name, info.stores, info.currency, info.language, info.mask_personal_data) == (
        "Dealership", {}, "CNY", "en", True)


def test_dealer_info_reads_its_values():
    info = DealerInfo.from_mapping({"name": "示范汽车", "stores": {"S1": "城东店", 2: "West"}, "currency": "CNY",
                                    "language": "zh", "mask_personal_data": False})
    assert info.name == "示范汽车"
    assert info.stores == {"S1": "城东店", "2": "West"}  # store ids are text, like store_id in the tables
    assert info.language == "zh"
    assert info.mask_personal_data is False


@pytest.mark.parametrize(
    "mapping, path, found",
    [
        ({"colour": "red"}, "dealer.colour", "unknown setting"),
        ({"language": "fr"}, "dealer.language", "'fr'"),
        ({"language": "Chinese"}, "dealer.language", "'Chinese'"),
        ({"stores": ["S1", "S2"]}, "dealer.stores", "['S1', 'S2']"),
        ({"mask_personal_data": "yes"}, "dealer.mask_personal_data", "'yes'"),
        ({"name": ""}, "dealer.name", "''"),
    ],
)
def test_bad_dealer_setting_names_itself(mapping, path, found):
    with pytest.raises(ConfigError) as info:
        DealerInfo.from_mapping(mapping)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert found in message


def test_unknown_dealer_key_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"known settings are currency, language, mask_personal_data, name, stores"):
        DealerInfo.from_mapping({"adress": "x"})


# --------------------------------------------------------------------------- file-level errors


def test_unknown_top_level_section_names_itself():
    with pytest.raises(ConfigError) as info:
        parse_settings({"dealer": {"name": "X"}, "kpis": {"cap": 1.2}})
    message = str(info.value)
    assert message.startswith("dealer.yml: kpis: unknown section")
    assert "dealer, leads, turnover, kpi, order_plan" in message


def test_unknown_section_error_names_the_file(tmp_path):
    path = write_yaml(tmp_path, "dealer:\n  name: X\nforecast:\n  horizon_months: 3\n", name="north_store.yml")
    with pytest.raises(ConfigError, match=r"^north_store\.yml: forecast: unknown section"):
        load_settings(path)


def test_top_level_must_be_sections(tmp_path):
    with pytest.raises(ConfigError, match=r"dealer\.yml: expected sections such as 'dealer:'.*got list"):
        load_settings(write_yaml(tmp_path, "- dealer\n- kpi\n"))


@pytest.mark.parametrize(
    "text, line",
    [
        ("dealer:\n  name: X\n\tlanguage: en\n", 3),  # a tab used for indentation
        ("dealer:\n  name: X\nleads:\n  conversion_window_days: 90\n min_conversions: 50\n", 5),  # bad indent
    ],
)
def test_yaml_syntax_error_names_the_line(tmp_path, text, line):
    with pytest.raises(ConfigError) as info:
        load_settings(write_yaml(tmp_path, text))
    message = str(info.value)
    assert message.startswith(f"dealer.yml line {line}, column ")
    assert "not valid YAML" in message


def test_missing_settings_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nothere\.yml: settings file not found"):
        load_settings(tmp_path / "nothere.yml")


def test_bad_dealer_setting_in_a_file_names_file_and_setting(tmp_path):
    path = write_yaml(tmp_path, "dealer:\n  name: X\n  language: de\n")
    with pytest.raises(ConfigError, match=r"^dealer\.yml: dealer\.language: expected en or zh; got 'de'\."):
        load_settings(path)


# --------------------------------------------------------------------------- whole settings


def test_the_kits_own_template_loads():
    settings = load_settings()
    assert isinstance(settings, Settings)
    assert settings.source == config.DEFAULT_SETTINGS_FILE
    assert settings.dealer.name == "Sample Motors 示范汽车销售服务有限公司"
    assert settings.store_name("S1") == "城东店 East store"
    assert settings.store_name("S9") == "S9"
    assert settings.leads.conversion_window_days == 90
    assert settings.leads.grade_thresholds["H"] == 0.35
    assert settings.turnover.annual_targets["sales_consultant"] == 0.60
    assert settings.kpi.cap == 1.2
    # the template's profiles, as written in kit/templates/dealer.yml
    assert settings.kpi.profiles["run_out"] == {"units_sold": 0.70, "gross_profit": 0.30}
    assert settings.kpi.profiles["growth"]["units_sold"] == 0.60
    for name, weights in settings.kpi.profiles.items():
        assert sum(weights.values()) == pytest.approx(1.0), name
    assert settings.order_plan.service_level == 0.95


def test_empty_file_and_no_file_give_the_documented_defaults(tmp_path):
    defaults = default_settings()
    assert defaults.dealer == DealerInfo()
    assert defaults.dealer.language == "en"
    from_empty = load_settings(write_yaml(tmp_path, "# nothing set\n"))
    assert from_empty.dealer == defaults.dealer
    assert from_empty.leads == defaults.leads
    assert from_empty.turnover == defaults.turnover
    assert from_empty.leads.conversion_window_days == 90


def test_gbk_encoded_settings_file_is_read(tmp_path):
    path = write_yaml(tmp_path, "dealer:\n  name: 示范汽车\n  stores: {S1: 城东店}\n", encoding="gbk")
    settings = load_settings(path)
    assert settings.dealer.name == "示范汽车"
    assert settings.store_name("S1") == "城东店"


# (section, its mapping, the path the message must name, text the message must contain)
BAD_SECTIONS = {
    "leads unknown key": ("leads", {"conversion_window": 90}, "leads.conversion_window", "unknown setting"),
    "leads ill-typed": ("leads", {"conversion_window_days": "ninety"}, "leads.conversion_window_days",
                        "'ninety'"),
    "leads funnel target": ("leads", {"funnel_targets": {"order_rate": 15}}, "leads.funnel_targets.order_rate",
                            "15"),
    "turnover unknown key": ("turnover", {"target": 0.1}, "turnover.target", "unknown setting"),
    "turnover ill-typed": ("turnover", {"annual_targets": {"sales_consultant": "high"}},
                           "turnover.annual_targets.sales_consultant", "'high'"),
    "turnover formula": ("turnover", {"formula": "leavers_per_year"}, "turnover.formula", "'leavers_per_year'"),
    "kpi unknown key": ("kpi", {"caps": 1.2}, "kpi.caps", "unknown setting"),
    "kpi ill-typed": ("kpi", {"cap": "1.2x"}, "kpi.cap", "'1.2x'"),
    "kpi weight ill-typed": ("kpi", {"profiles": {"growth": {"units_sold": "high", "gross_profit": 0.4}}},
                             "kpi.profiles.growth.units_sold", "'high'"),
    "kpi weights not summing to 1": ("kpi", {"profiles": {"growth": {"units_sold": 0.5, "gross_profit": 0.4}}},
                                     "kpi.profiles.growth", "sum to 0.9"),
    "order_plan unknown key": ("order_plan", {"lead_time": 1}, "order_plan.lead_time", "unknown setting"),
    "order_plan ill-typed": ("order_plan", {"lead_time_months": "one"}, "order_plan.lead_time_months", "'one'"),
    "order_plan out of range": ("order_plan", {"service_level": 1.5}, "order_plan.service_level", "1.5"),
}


@pytest.mark.parametrize("case", list(BAD_SECTIONS), ids=list(BAD_SECTIONS))
def test_bad_section_setting_names_its_path(case):
    section, mapping, path, found = BAD_SECTIONS[case]
    with pytest.raises(ConfigError) as info:
        parse_settings({"dealer": {"name": "X"}, section: mapping})
    message = str(info.value)
    assert message.startswith("dealer.yml: ")
    assert f"{path}: " in message
    assert found in message


@pytest.mark.parametrize("section", ["leads", "turnover", "kpi", "order_plan"])
def test_section_that_is_not_a_mapping(tmp_path, section):
    path = write_yaml(tmp_path, f"dealer:\n  name: X\n{section}: 5\n")
    with pytest.raises(ConfigError, match=rf"^dealer\.yml: {section}: expected a mapping of settings; got 5"):
        load_settings(path)


def test_a_file_overrides_only_what_it_sets(tmp_path):
    path = write_yaml(tmp_path, "kpi:\n  cap: 2.0\n  profiles:\n    mature: {units_sold: 0.5, gross_profit: 0.5}\n"
                                "  stages:\n    - {from: '2020-01', stage: mature}\n")
    settings = load_settings(path)
    assert settings.kpi.cap == 2.0
    assert settings.kpi.profiles["mature"] == {"units_sold": 0.5, "gross_profit": 0.5}
    assert settings.dealer == DealerInfo()
    assert settings.leads.conversion_window_days == 90


# --------------------------------------------------------------------------- every problem in one pass (issue 11)


def problems_of(mapping: dict) -> tuple[str, list]:
    with pytest.raises(ConfigError) as info:
        parse_settings(mapping)
    return str(info.value), info.value.problems


def test_every_problem_of_every_section_is_reported_in_one_pass():
    message, problems = problems_of({
        "dealer": {"language": "fr"},
        "leads": {"min_conversions": "many"},
        "turnover": {"formula": "per_year"},
        "kpi": {"cap": 0.5},
        "order_plan": {"service_level": 1.5},
    })
    paths = [p.column for p in problems]
    assert paths == ["dealer.language", "leads.min_conversions", "turnover.formula", "kpi.cap",
                     "order_plan.service_level"]
    first = message.splitlines()[0]
    assert first == ("dealer.yml: 5 problems (dealer.language, leads.min_conversions, turnover.formula, kpi.cap, "
                     "order_plan.service_level):")
    assert len(message.splitlines()) == 6
    assert all(p.file == "dealer.yml" for p in problems)


def test_several_problems_within_one_section_are_all_reported():
    _, problems = problems_of({"leads": {"conversion_window_days": 0, "holdout_share": 0.9,
                                         "grade_thresholds": {"H": 1.5}, "funnel_targets": {"order_rate": 2}}})
    assert [p.column for p in problems] == ["leads.conversion_window_days", "leads.grade_thresholds.H",
                                            "leads.funnel_targets.order_rate", "leads.holdout_share"]


@pytest.mark.parametrize("mapping, path, hint", [
    ({"kpis": {}}, "kpis", "did you mean 'kpi'?"),
    ({"dealer": {"langauge": "zh"}}, "dealer.langauge", "did you mean 'language'?"),
    ({"leads": {"conversion_windw_days": 60}}, "leads.conversion_windw_days",
     "did you mean 'conversion_window_days'?"),
    ({"turnover": {"formulas": "start_headcount"}}, "turnover.formulas", "did you mean 'formula'?"),
    ({"turnover": {"replacement_cost_cny": {"default": {"trainig": 5}}}},
     "turnover.replacement_cost_cny.default.trainig", "did you mean 'training'?"),
    ({"kpi": {"bonus": {"base_cyn": 100}}}, "kpi.bonus.base_cyn", "did you mean 'base_cny'?"),
    ({"leads": {"funnel_targets": {"order_rat": 0.1}}}, "leads.funnel_targets.order_rat", "did you mean 'order_rate'?"),
])
def test_a_misspelt_key_gets_a_did_you_mean(mapping, path, hint):
    message, problems = problems_of(mapping)
    assert [p.column for p in problems] == [path]
    assert message.startswith(f"dealer.yml: {path}: unknown ")
    assert hint in message


@pytest.mark.parametrize("section, mapping, path, found", [
    ("kpi", {"cap": "high"}, "kpi.cap", "'high'"),
    ("kpi", {"lower_is_better": "complaints"}, "kpi.lower_is_better", "'complaints'"),
    ("leads", {"min_conversions": [100]}, "leads.min_conversions", "[100]"),
    ("leads", {"grade_thresholds": [0.5, 0.3]}, "leads.grade_thresholds", "[0.5, 0.3]"),
    ("turnover", {"key_roles": "sales_manager"}, "turnover.key_roles", "'sales_manager'"),
    ("turnover", {"risk_horizon_months": 2.5}, "turnover.risk_horizon_months", "2.5"),
    ("dealer", {"mask_personal_data": "no"}, "dealer.mask_personal_data", "'no'"),
])
def test_a_wrong_type_names_the_setting_and_what_was_found(section, mapping, path, found):
    message, problems = problems_of({section: mapping})
    assert [p.column for p in problems] == [path]
    assert message.startswith(f"dealer.yml: {path}: expected ")
    assert message.endswith(f"got {found}.")


def test_profiles_not_summing_to_one_give_the_sum():
    # 0.30 + 0.30 + 0.20 + 0.15 = 0.95, and 0.5 + 0.6 = 1.1: both profiles are named, each with its sum
    _, problems = problems_of({"kpi": {
        "profiles": {"launch": {"new_customers": 0.30, "new_model_units": 0.30, "display_score": 0.20,
                                "units_sold": 0.15},
                     "mature": {"units_sold": 0.5, "gross_profit": 0.6}},
        "stages": [{"from": "2026-01", "stage": "launch"}, {"from": "2026-06", "stage": "mature"}]}})
    assert [p.text for p in problems] == [
        "kpi.profiles.launch: weights sum to 0.95; they must sum to 1 (±0.001).",
        "kpi.profiles.mature: weights sum to 1.1; they must sum to 1 (±0.001).",
    ]


def test_a_non_reciprocal_ahp_matrix_names_each_broken_entry():
    # a_12 = 3 but a_21 = 0.5 (3 × 0.5 = 1.5), a_13 = 5 but a_31 = 0.25 (1.25); a_23 = 2 and a_32 = 1/2 are fine
    matrix = [[1, 3, 5], [0.5, 1, 2], [0.25, "1/2", 1]]
    _, problems = problems_of({"kpi": {"ahp": {"labels": ["units_sold", "gross_profit", "complaints"],
                                               "matrix": matrix}}})
    assert [p.column for p in problems] == ["kpi.ahp.matrix[1][0]", "kpi.ahp.matrix[2][0]"]
    assert str(problems[0]) == ("dealer.yml: kpi.ahp.matrix[1][0]: not reciprocal: units_sold vs gross_profit is 3 but "
                                "gross_profit vs units_sold is 0.5; it must be 1/3 = 0.3333.")
    assert "it must be 1/5 = 0.2." in str(problems[1])


def test_a_reciprocal_ahp_matrix_written_with_fractions_passes():
    settings = parse_settings({"kpi": {"ahp": {"labels": ["a", "b"], "matrix": [[1, 3], ["1/3", 1]]}}})
    assert settings.kpi.ahp["*"].matrix == ((1.0, 3.0), (1 / 3, 1.0))


def test_an_unknown_stage_and_invalid_months_are_named():
    _, problems = problems_of({"kpi": {"stages": [
        {"from": "2026-13", "stage": "growth"},
        {"from": "2026-01", "to": "26-03", "stage": "launch"},
        {"from": "2026-06", "stage": "lanch"},
    ]}})
    assert [p.column for p in problems] == ["kpi.stages[0].from", "kpi.stages[1].to", "kpi.stages[2].stage"]
    assert "got '2026-13'" in str(problems[0]) and "got '26-03'" in str(problems[1])
    assert problems[2].text == ("kpi.stages[2].stage: 'lanch' is not a profile (did you mean 'launch'?); profiles are "
                                "growth, launch, mature, run_out.")


def test_shares_may_be_written_as_percentages():
    settings = parse_settings({
        "leads": {"holdout_share": "25%", "funnel_targets": {"order_rate": "15%"}},
        "turnover": {"annual_targets": {"sales_consultant": "60%"}, "bonus_gate": "60 %"},
        "kpi": {"cap": "120%", "profiles": {"only": {"units_sold": "70%", "gross_profit": "30%"}}},
    })
    assert settings.leads.holdout_share == 0.25 and settings.leads.funnel_targets["order_rate"] == 0.15
    assert settings.turnover.annual_targets["sales_consultant"] == 0.6 and settings.turnover.bonus_gate == 0.6
    assert settings.kpi.cap == 1.2 and settings.kpi.profiles["only"] == {"units_sold": 0.7, "gross_profit": 0.3}
    _, problems = problems_of({"leads": {"holdout_share": "60%"}})  # 0.6 is above the 0.5 allowed
    assert str(problems[0]) == "dealer.yml: leads.holdout_share: 0.6 is too large; it must be <= 0.5."


def test_problems_in_a_file_name_the_file(tmp_path):
    path = write_yaml(tmp_path, "dealer:\n  langauge: zh\nkpi:\n  cap: 0.5\n", name="north_store.yml")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value).startswith("north_store.yml: 2 problems (dealer.langauge, kpi.cap):")
    assert [(p.file, p.column) for p in info.value.problems] == [("north_store.yml", "dealer.langauge"),
                                                                  ("north_store.yml", "kpi.cap")]
