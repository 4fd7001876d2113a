"""The staff-turnover notebook end to end: run with papermill from notebooks/ (as JupyterLab starts it) on a small
generated dealership with its defaults, in English and Chinese; its headline numbers must equal the same numbers
worked out here straight from the roster, and its pages and workbook must speak the report's language."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from kit import config

pytestmark = pytest.mark.slow  # two notebook runs (about a minute each on two cores)

sys.path.insert(0, str(Path(__file__).parent))
import reportscan  # noqa: E402


@pytest.fixture(scope="module")
def dealership(tmp_path_factory):
    from kit import io
    from kit.samples import write_dealership

    data = tmp_path_factory.mktemp("dealer")
    write_dealership(data, seed=3, scale=0.1, start="2023-11", end="2026-10")
    dealer = io.load_dealer(data)
    return data, dealer, io.latest_complete_month(dealer)


def _run(data: Path, out: Path, lang: str) -> tuple[dict, list, object]:
    import nbformat
    import papermill as pm

    from kit.runner.execute import without_explore  # as the batch runs it (the what-ifs need JupyterLab)

    glue = out / "glue.json"
    executed = out / "staff_turnover.ipynb"
    pm.execute_notebook(without_explore(config.NOTEBOOKS_DIR / "staff_turnover.ipynb"), str(executed),
                        kernel_name="python3", parameters={"lang": lang, "data_dir": str(data),
                                    "run": {"output_dir": str(out), "glue_file": str(glue)}},
                        cwd=str(config.NOTEBOOKS_DIR), progress_bar=False)
    headline = json.loads(glue.read_text(encoding="utf-8"))
    return headline, headline.pop("_advice"), nbformat.read(executed, as_version=4)


@pytest.fixture(scope="module")
def runs(dealership, tmp_path_factory):
    out = {lang: tmp_path_factory.mktemp(lang) for lang in ("en", "zh")}
    return {lang: (out[lang], *_run(dealership[0], out[lang], lang)) for lang in out}


def _by_hand(staff: pd.DataFrame, month: str, roles=None) -> tuple[float, int]:
    """Trailing-12-month turnover: leavers ÷ the mean of the 12 monthly (opening + closing) ÷ 2 headcounts."""
    people = staff if roles is None else staff[staff["role"].isin(roles)]
    hire, leave = pd.to_datetime(people["hire_date"]), pd.to_datetime(people["leave_date"])
    averages, leavers = [], 0
    for p in pd.period_range(pd.Period(month, "M") - 11, pd.Period(month, "M"), freq="M"):
        first, last = p.start_time.normalize(), p.end_time.normalize()
        opening = ((hire < first) & (leave.isna() | (leave >= first))).sum()
        closing = ((hire <= last) & (leave.isna() | (leave > last))).sum()
        averages.append((opening + closing) / 2)
        leavers += int(((leave >= first) & (leave <= last)).sum())
    return leavers / (sum(averages) / 12), leavers


def test_headline_numbers_equal_the_roster_worked_by_hand(dealership, runs):
    _, dealer, month = dealership
    staff, settings = dealer.staff, dealer.settings.turnover
    assert settings.formula == "average_headcount" and settings.annual == "annual_totals"
    rate, leavers_12m = _by_hand(staff, month)
    key_rate, _ = _by_hand(staff, month, settings.key_roles)
    leave = pd.to_datetime(staff["leave_date"])
    left, report_month = leave.dt.to_period("M"), pd.Period(month, "M")
    in_month = left == report_month
    in_year = (left > report_month - 12) & (left <= report_month)
    cost = sum(settings.cost_for(role).total_cny for role in staff.loc[in_year, "role"])
    for lang, (_, headline, advice, _) in runs.items():
        values = {k: v["value"] for k, v in headline.items()}
        assert set(values) == {"turnover_ttm", "key_staff_turnover_ttm", "leavers_month", "turnover_cost_ttm"}
        assert values["turnover_ttm"] == pytest.approx(rate)
        assert values["key_staff_turnover_ttm"] == pytest.approx(key_rate)
        assert values["leavers_month"] == int(in_month.sum())
        assert values["turnover_cost_ttm"] == pytest.approx(cost)
        assert f"{settings.key_staff_target:.0%}" in headline["key_staff_turnover_ttm"]["label"]
        # what to do first: 3–6 sentences, the first with the same 12-month rate and leavers
        assert 3 <= len(advice) <= 6
        assert f"{rate:.1%}" in advice[0] and f" {leavers_12m} " in advice[0]
    assert headline["turnover_ttm"]["label"].startswith("近12个月流失率")


def test_pages_show_no_code_and_chinese_pages_no_english(dealership, runs):
    _, dealer, _ = dealership
    data_words = [*dealer.staff["staff_id"].astype(str), *dealer.settings.dealer.stores, "dealer.yml"]
    for lang, (_, _, advice, nb) in runs.items():
        texts = list(advice)
        for cell in nb.cells:
            if "explore" in cell.metadata.get("tags", []):
                assert all(o.get("output_type") != "error" for o in cell.get("outputs", []))
                continue  # JupyterLab only: the reports leave these cells out
            if cell.cell_type == "markdown" and f"lang-{lang}" in cell.metadata.get("tags", []):
                texts.append(cell.source)
            for output in cell.get("outputs", []):
                assert output.get("output_type") != "error", output
                assert output.get("name") != "stderr", output.get("text")
                data = output.get("data", {})
                if "text/html" in data:
                    texts.append(reportscan.html_text(data["text/html"]))
                elif "text/plain" in data and "image/png" not in data:
                    texts.append(data["text/plain"])
        text = "\n".join(texts)
        assert not reportscan.identifiers(text, data_words), lang
        if lang == "zh":
            assert not reportscan.english_words(text, data_words)
        assert "Traceback" not in text and "<kit." not in text
        html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
                       if "explore" not in c.metadata.get("tags", []))
        assert 'kit-table kit-cards-table' in html  # the at-risk list reads as cards on a phone
        names = [n for n in dealer.staff["name"].dropna().astype(str) if len(n) >= 2]
        assert not [n for n in names if n in html or n in text], "staff names are masked by default"


def test_the_workbook_a_manager_keeps(runs):
    from openpyxl import load_workbook

    out = runs["zh"][0]
    [path] = out.glob("staff_turnover_*.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", "分岗位流失率", "离职风险名单", "流失成本"]
    roles = wb["分岗位流失率"]
    assert [c.value for c in roles[1]][:3] == ["岗位", "在职人数", "近12个月入职"]
    assert roles.auto_filter.ref and roles.freeze_panes == "A2"
    total = [c.value for c in roles[roles.max_row]]
    assert total[0] == "合计" and roles.cell(row=roles.max_row, column=6).number_format == "0.0%"
    assert roles.cell(row=2, column=6).number_format == "0.0%"
    cost = wb["流失成本"]
    assert cost.cell(row=2, column=3).number_format == '"¥"#,##0'
    texts = reportscan.excel_text(path)
    assert not {w for _, text in texts for w in reportscan.identifiers(text)}
