"""`kit.notebook.start`: one call gives a notebook its validated data, period and words, from any working directory."""

from __future__ import annotations

import json

import pytest

from kit import config, notebook
from kit.exceptions import KitError


@pytest.fixture(scope="module")
def small_dealer(tmp_path_factory):
    from kit.samples import write_dealership

    folder = tmp_path_factory.mktemp("dealer")
    write_dealership(folder, seed=5, scale=0.1, start="2025-11", end="2026-10")
    return folder


def test_start_from_the_notebooks_folder_with_defaults_resolves_month_and_words(small_dealer, monkeypatch):
    monkeypatch.chdir(config.NOTEBOOKS_DIR)  # where JupyterLab starts the kernel
    monkeypatch.setenv("KIT_DATA", str(small_dealer))
    r = notebook.start("lead_scoring", lang="zh")
    assert r.month == "2026-10" and r.period.kind == "month" and r.period.label == "2026-10"
    assert str(r.as_of.date()) == "2026-10-31"
    assert r.label("walk_in") == "来店" and r.lang == "zh"
    first = r.dealer.staff["staff_id"].iloc[0]
    assert r.people[first].startswith(first) and "*" in r.people[first]


def test_headline_numbers_and_advice_go_to_the_runners_glue_file(small_dealer, tmp_path):
    glue = tmp_path / "glue" / "x.json"
    r = notebook.start("x", month="2026-09", data_dir=str(small_dealer), run={"glue_file": str(glue)})
    assert r.month == "2026-09"
    assert json.loads(glue.read_text()) == {"_advice": []}
    r.glue("bonus_total_cny", 12345.6, kind="money", label="Bonus total")
    r.advise("index_title", month="2026-09")
    saved = json.loads(glue.read_text())
    assert saved["bonus_total_cny"]["display"] == "¥12,346" and saved["bonus_total_cny"]["value"] == 12345.6
    assert saved["_advice"] == ["Monthly management reports — 2026-09"]


def test_a_weekly_run_gets_the_iso_week_containing_its_date(small_dealer):
    r = notebook.start("x", data_dir=str(small_dealer), run={"period": "week", "date": "2026-10-14"})
    assert r.period.label == "2026-W42" and str(r.period.start.date()) == "2026-10-12"
    assert str(r.as_of.date()) == "2026-10-18" and r.month == "2026-10"


@pytest.mark.parametrize("kwargs, message", [
    ({"lang": "fr"}, "lang: expected one of en, zh"),
    ({"run": {"outputdir": "x"}}, "run: unknown keys outputdir"),
    ({"month": "2026-13"}, "month: expected YYYY-MM"),
    ({"run": {"period": "quarter"}}, "period: expected one of day, week, month"),
])
def test_bad_parameters_are_named(small_dealer, kwargs, message):
    with pytest.raises((KitError, ValueError), match=message):
        notebook.start("x", data_dir=str(small_dealer), **kwargs)
