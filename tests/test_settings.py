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
