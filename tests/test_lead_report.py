"""The lead report notebook end to end: run with papermill from notebooks/ (as JupyterLab starts it) on a small
generated dealership, and check that its manager numbers equal the kit's functions computed here independently, that
the same overdue count is shown in every place, and that a Chinese run shows no code names or English words."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from kit import config

pytestmark = pytest.mark.slow   # executes the whole notebook (model fit and hold-out test included)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import reportscan  # noqa: E402


@pytest.fixture(scope="module")
def dealership(tmp_path_factory):
    from kit.samples import make_dealership

    tables = make_dealership(seed=7, scale=0.1)
    data = tmp_path_factory.mktemp("dealer")
    for name, frame in tables.items():
        frame.to_csv(data / f"{name}.csv", index=False)
    shutil.copyfile(config.DEFAULT_SETTINGS_FILE, data / "dealer.yml")
    return data, tables


@pytest.fixture(scope="module")
def executed(dealership, tmp_path_factory):
    import papermill as pm

    from kit.runner.execute import without_explore  # as the batch runs it (the what-ifs need JupyterLab)

    data, _ = dealership
    out = tmp_path_factory.mktemp("report")
    glue = out / "glue.json"
    notebook = out / "lead_scoring.ipynb"
    pm.execute_notebook(without_explore(config.NOTEBOOKS_DIR / "lead_scoring.ipynb"), str(notebook),
                        kernel_name="python3", cwd=str(config.NOTEBOOKS_DIR), progress_bar=False,
                        parameters={"data_dir": str(data), "lang": "zh",
                                    "run": {"output_dir": str(out), "glue_file": str(glue)}})
    return out, json.loads(glue.read_text(encoding="utf-8")), json.loads(notebook.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def independent(dealership):
    """The manager numbers computed here from the tables, with the kit's functions and plain pandas."""
    from kit import io
    from kit import leads as kl

    data, tables = dealership
    dealer = io.load_dealer(data)
    s = dealer.settings.leads
    month = pd.Period(str(tables["sales"]["month"].max()), freq="M")     # "last": the latest month in sales
    as_of = month.end_time.normalize()
    leads, follow, log = dealer.leads, dealer.followups, dealer.tables.get("grade_log")
    model = kl.fit_lead_model(leads, follow, as_of=as_of, settings=s, grade_log=log)
    calls = kl.score_open_leads(leads, follow, as_of=as_of, model=model, settings=s, grade_log=log).call_list
    # the latest month whose leads have all had the conversion window, and its lead → order rate, by hand
    final = month
    while final.end_time.normalize() + pd.Timedelta(days=s.conversion_window_days) > as_of:
        final -= 1
    follow_end = final.end_time.normalize() + pd.Timedelta(days=s.conversion_window_days)
    lf = tables["leads"]
    cohort = lf[(lf["created_at"] >= final.start_time) & (lf["created_at"] <= final.end_time)]
    won = (cohort["status"] == "won") & (cohort["closed_at"] <= follow_end)
    orders = lf[(lf["status"] == "won") & (lf["closed_at"] >= month.start_time) & (lf["closed_at"] <= as_of)]
    return {"month": month, "as_of": as_of, "calls": calls, "final_month": final,
            "overdue_followups": int(calls["overdue"].sum()),
            "hot_leads_to_call": int(calls["kit_grade"].isin(["H", "A"]).sum()),
            "lead_conversion": won.sum() / len(cohort), "lead_orders": len(orders),
            "discipline": kl.followup_discipline(leads, follow, as_of=as_of, settings=s,
                                                 kit_grades=calls.set_index("lead_id")["kit_grade"])}


def _cell_html(nb: dict, needle: str) -> str:
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and needle in "".join(c["source"]))
    return "".join("".join(o.get("data", {}).get("text/html", "")) for o in cell["outputs"])


def test_manager_numbers_equal_the_kits_functions(executed, independent):
    _, glue, _ = executed
    for name in ("overdue_followups", "hot_leads_to_call", "lead_orders"):
        assert glue[name]["value"] == independent[name], name
    assert glue["lead_conversion"]["value"] == pytest.approx(independent["lead_conversion"])
    assert str(independent["final_month"]) in glue["lead_conversion"]["label"]
    assert glue["overdue_followups"]["label"] == "超期未回访"
    # manager numbers only: no model diagnostics on the index tiles
    assert not {"auc", "top20_capture", "scored_by", "brier"} & set(glue)


def test_the_overdue_count_agrees_everywhere(executed, independent):
    out, glue, nb = executed
    overdue = glue["overdue_followups"]["value"]
    team = independent["discipline"].team
    assert team["overdue"] == overdue == independent["discipline"].rows["overdue"].sum()
    # the discipline table's totals row
    html = _cell_html(nb, "r.table(kl.views.discipline(res)")
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert re.search(rf'data-label="超期未回访"[^>]*>{overdue:,}<', foot)
    # the advice
    sentences = glue["_advice"]
    assert 3 <= len(sentences) <= 6
    assert any(f"共有{overdue:,}条回访超期" in s for s in sentences)
    # the Excel call list and discipline sheet: totals rows below the data
    from openpyxl import load_workbook

    wb = load_workbook(out / f"call_list_{independent['month']}.xlsx", read_only=True)
    assert wb.sheetnames == ["说明", "回访清单", "跟进纪律"]
    rows = list(wb["回访清单"].iter_rows(values_only=True))
    head = list(rows[0])
    data = [r for r in rows[1:-2]]
    assert len(data) == len(independent["calls"]) and rows[-2] == (None,) * len(head)
    assert rows[-1][head.index("超期")] == overdue and "合计" in rows[-1]
    assert all(r[head.index("超期")] in ("是", "否") for r in data)
    rows = list(wb["跟进纪律"].iter_rows(values_only=True))
    assert rows[-1][list(rows[0]).index("超期未回访")] == overdue


def test_the_chinese_report_has_no_code_names_or_english(executed, dealership):
    _, glue, nb = executed
    _, tables = dealership
    data_words = {*tables["staff"]["staff_id"].astype(str), *tables["leads"]["model_interest"].dropna().astype(str),
                  *tables["leads"]["store_id"].dropna().astype(str), *tables["leads"]["lead_id"].astype(str)}
    shown = []
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "explore" in tags or "lang-en" in tags:
            continue                                   # the runner leaves these cells out of the Chinese page
        if cell["cell_type"] == "markdown":
            shown.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error" and output.get("name") != "stderr", output
            data = output.get("data", {})
            if "text/html" in data:
                shown.append(reportscan.html_text("".join(data["text/html"])))
    shown += glue["_advice"] + [item["label"] for key, item in glue.items() if key != "_advice"]
    text = "\n".join(shown)
    assert not reportscan.identifiers(text, data_words)
    assert not reportscan.english_words(text, data_words)


def test_call_list_is_for_the_runs_day_and_reads_as_cards(executed, independent):
    _, _, nb = executed
    html = _cell_html(nb, "kl.views.calls(res)")
    assert "kit-cards-table" in html and "data-kit-filter" in html
    assert f"截至{independent['as_of']:%Y-%m-%d}" in html
    assert html.count("<tr>") - 1 == independent["hot_leads_to_call"]   # header row + one row per H/A lead
