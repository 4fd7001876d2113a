"""The KPI report as a manager reads it: tables, sentences and the workbook in both languages, hostile names from
dealer.yml and the kpi table escaped, the what-if widget, and the notebook end to end (slow)."""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from kit import config, kpi, notebook, periods
from kit.report.tables import set_language
from kit.settings import parse_settings

HERE = Path(__file__).resolve().parent
import sys  # noqa: E402

sys.path.insert(0, str(HERE))
import reportscan  # noqa: E402
from test_kpi import MONTH_SETTINGS, _month_kpi  # noqa: E402

STAFF = pd.DataFrame({"staff_id": list("ABCD"), "name": ["王小明", "白冰", "陈晨", "丁一"]})
#: The hand-worked month of test_kpi with profile codes the catalog knows (a → mature, b → launch).
KNOWN = {**MONTH_SETTINGS,
         "profiles": {"mature": MONTH_SETTINGS["profiles"]["a"], "launch": MONTH_SETTINGS["profiles"]["b"]},
         "stages": [{"from": "2026-01", "stage": "launch"}, {"from": "2026-05", "stage": "mature"}]}

HOSTILE_METRIC = "<img src=x onerror=alert(1)>"
HOSTILE_PROFILE = "<script>alert(2)</script>"
HOSTILE_GATE = "[click](javascript:alert(3))"
HOSTILE_NAME = "<img src=y onerror=alert(4)>"


def _report(lang: str, kpi_section: dict, data: pd.DataFrame, *, staff: pd.DataFrame = STAFF, mask: bool = True):
    settings = parse_settings({"dealer": {"name": "示范汽车"}, "kpi": kpi_section})
    dealer = SimpleNamespace(staff=staff, settings=settings, kpi=data)
    set_language(lang)
    return notebook.Report(name="kpi_weighting", lang=lang, dealer=dealer, period=periods.period("month", "2026-05"),
                           mask=mask)


def _html(shown) -> str:
    if shown is None:
        return ""
    if hasattr(shown, "_repr_html_"):
        return shown._repr_html_() or ""
    if hasattr(shown, "data"):
        return shown.data
    return ""


def _every_output(r, result) -> str:
    """The HTML of every manager and appendix cell of the report (charts are pictures: left out)."""
    d, a = kpi.display, kpi.appendix
    d.headline(r, result)
    parts = [d.advise(r, result), d.profile_line(r, result), d.profiles_table(r, result), d.stage_timeline(r, result),
             d.scorecard_table(r, result), d.bonus_table(r, result), d.gates_table(r, result),
             d.not_compared_note(r, result), a.weights_table(r, result), a.ahp_line(r, result),
             a.ahp_table(r, result), a.entropy_table(r, result), a.compare_table(r, result),
             a.stability_table(r, result)]
    return "\n".join(_html(p) for p in parts)


@pytest.fixture(scope="module")
def month():
    return _month_kpi()


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_code_name_reaches_the_report_or_the_workbook(month, lang, tmp_path):
    r = _report(lang, KNOWN, month)
    result = kpi.month_result(month, r.settings.kpi, "2026-05", lang=lang, concentration=20)
    text = reportscan.html_text(_every_output(r, result))
    data = list(r.people.values())
    assert not reportscan.identifiers(text, data)
    if lang == "zh":
        assert not reportscan.english_words(text, data), reportscan.english_words(text, data)
        assert "决定规则" not in text and "销售台数" in text and "成熟期（本月）" in text
    from kit.report.excel import write_workbook

    path = write_workbook(kpi.workbook.sheets(r, result), tmp_path / "kpi.xlsx", lang=lang, title=r.t(
        "kpi.workbook_title"), dealer="示范汽车", period="2026-05")
    for where, cell in reportscan.excel_text(path):
        assert not reportscan.identifiers(cell, data), (where, cell)
        if lang == "zh":
            assert not reportscan.english_words(cell, data + ["dealer-kit"]), (where, cell)


def test_the_profile_line_and_profiles_side_by_side(month):
    r = _report("en", KNOWN, month)
    result = kpi.month_result(month, r.settings.kpi, "2026-05")
    line = reportscan.html_text(_html(kpi.display.profile_line(r, result)))
    assert " ".join(line.split()) == ("In 2026-05 the Mature weights apply to all 4 consultants (stage in force since "
                            "2026-05): Cars sold 50%, Customer satisfaction (CSI) 50%.")
    frame, labels = kpi.display.profiles_frame(r, result)
    assert labels == {"metric": "Metric", "profile_0": "Mature (this month)", "profile_1": "Launch"}
    assert frame["profile_0"].tolist() == [0.5, 0.5] and frame["profile_1"].tolist() == [0.8, 0.2]
    timeline = kpi.display.timeline_frame(r, result)
    assert timeline[["stage_from", "stage", "shares", "in_force"]].values.tolist() == [
        ["2026-01", "Launch", "80/20", False], ["2026-05", "Mature", "50/50", True]]


def test_the_timeline_names_model_entries_and_the_line_says_how_weights_were_set(month):
    section = {**KNOWN, "weight_method": "entropy",
               "stages": KNOWN["stages"] + [{"from": "2026-03", "stage": "launch", "model": "Nova"}]}
    r = _report("zh", section, month)
    result = kpi.month_result(month, r.settings.kpi, "2026-05", lang="zh")
    timeline = kpi.display.timeline_frame(r, result)
    assert timeline["applies_to"].tolist() == ["全店", "全店", "车型 Nova（不计入顾问得分）"]
    assert timeline["in_force"].tolist() == [False, True, False]
    line = " ".join(reportscan.html_text(_html(kpi.display.profile_line(r, result))).split())
    used = result.weights.set_index("metric")["used"]
    assert "本月采用的权重由本月数据按熵权法得出：" in line
    assert f"销售台数 {used['units_sold'] * 100:.0f}%" in line.split("熵权法得出：")[1]


def test_scorecard_is_shaded_against_the_target(month):
    r = _report("en", KNOWN, month)
    result = kpi.month_result(month, r.settings.kpi, "2026-05")
    page = _html(kpi.display.scorecard_table(r, result))
    cells = [(int(s), float(v)) for s, v in re.findall(r'class="kit-num kit-s(\d)" data-v="([^"]+)"', page)]
    assert len(cells) == 4 * 3  # two achievements and the score for four people
    for shade, value in cells:
        # shaded 0.5 either side of target over seven steps (a step is 1/6): within half a step it reads neutral
        if abs(value - 1.0) < 1 / 12:
            assert shade == 3, (shade, value)  # on target: neutral
        elif value < 1:
            assert shade > 3, (shade, value)  # behind target: red side
        else:
            assert shade < 3, (shade, value)  # ahead: blue side
    assert "kit-cards-table" in page


def test_bonus_table_reads_as_cards_with_the_total_below(month):
    r = _report("zh", KNOWN, month)
    result = kpi.month_result(month, r.settings.kpi, "2026-05", lang="zh")
    page = _html(kpi.display.bonus_table(r, result))
    assert "kit-cards-table" in page and "data-kit-filter" in page
    assert re.search(r"<tfoot>.*¥9,700.*</tfoot>", page, flags=re.S)
    assert page.count("kit-flag") == 3  # B and D halved, C nothing: red
    assert "得分 120.0% × ¥4,000 = ¥4,800 + 毛利提成" in page


# --------------------------------------------------------------------------- hostile names (issue 11 §3)


def _hostile_section() -> dict:
    return {
        "profiles": {HOSTILE_PROFILE: {"units_sold": 0.5, HOSTILE_METRIC: 0.5}, "launch": {"units_sold": 1.0}},
        "stages": [{"from": "2026-01", "stage": HOSTILE_PROFILE}],
        "gates": [{"name": HOSTILE_GATE, "metric": HOSTILE_METRIC, "min_achievement": 0.95,
                   "effect": {"multiply": 0.5}}],
        "bonus": {"base_cny": 4000, "profit_commission_rate": 0},
        "ahp": {"labels": ["units_sold", HOSTILE_METRIC], "matrix": [[1, 3], ["1/3", 1]]},
    }


def _hostile_month() -> pd.DataFrame:
    data = _month_kpi().query("month == '2026-05'").copy()
    data["metric"] = data["metric"].replace({"csi": HOSTILE_METRIC})
    return data


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hostile_names_from_dealer_yml_and_the_kpi_table_are_escaped(lang, tmp_path):
    staff = STAFF.assign(name=[HOSTILE_NAME, "白冰", "陈晨", "丁一"])
    r = _report(lang, _hostile_section(), _hostile_month(), staff=staff, mask=False)
    result = kpi.month_result(_hostile_month(), r.settings.kpi, "2026-05", lang=lang)
    page = _every_output(r, result)
    assert not re.search(r"<img|<script|href=\"javascript", page, flags=re.I), \
        re.search(r".{80}(<img|<script|href=\"javascript).{80}", page, flags=re.I | re.S)
    text = reportscan.html_text(page)
    for name in (HOSTILE_METRIC, HOSTILE_PROFILE, HOSTILE_GATE, HOSTILE_NAME):
        assert name in text, name  # shown as the text it is
    assert HOSTILE_PROFILE in reportscan.html_text(_html(kpi.appendix.ahp_line(r, result)))  # the AHP worksheet's
    assert HOSTILE_METRIC in reportscan.html_text(_html(kpi.appendix.ahp_table(r, result)))  # line and header
    from kit.report.excel import write_workbook

    path = write_workbook(kpi.workbook.sheets(r, result), tmp_path / "hostile.xlsx")
    assert HOSTILE_METRIC in {cell for _, cell in reportscan.excel_text(path)} or any(
        HOSTILE_METRIC in cell for _, cell in reportscan.excel_text(path))


def test_dealer_names_for_unknown_metrics_and_profiles_are_used(month):
    section = {**KNOWN, "metric_names": {"csi": {"en": "Mystery shop", "zh": "神秘顾客"}},
               "profile_names": {"mature": {"en": "Steady", "zh": "稳定期"}}}
    r = _report("zh", section, month)
    result = kpi.month_result(month, r.settings.kpi, "2026-05", lang="zh")
    text = reportscan.html_text(_every_output(r, result))
    assert "神秘顾客" in text and "稳定期（本月）" in text and "客户满意度" not in text


# --------------------------------------------------------------------------- the workbook


def test_workbook_sheets_a_manager_keeps(month, tmp_path):
    from openpyxl import load_workbook

    r = _report("zh", KNOWN, month)
    r.output_dir = tmp_path
    result = kpi.month_result(month, r.settings.kpi, "2026-05", lang="zh")
    link = kpi.workbook.workbook(r, result)
    assert "kpi_bonus_2026-05.xlsx" in _html(link)
    wb = load_workbook(tmp_path / "kpi_bonus_2026-05.xlsx")
    assert wb.sheetnames == ["说明", "奖金表", "计分卡", "权重方案", "阶段时间表", "门槛规则"]
    ws = wb["奖金表"]
    heads = [c.value for c in ws[1]]
    assert heads[:3] == ["排名", "销售顾问", "权重方案"] and "奖金计算过程" in heads
    bonus_col = heads.index("奖金") + 1
    money = [ws.cell(row=i, column=bonus_col) for i in range(2, 6)]
    assert [c.value for c in money] == [5800, 2000, 1900, 0]
    assert all("¥" in c.number_format for c in money)
    assert "%" in ws.cell(row=2, column=heads.index("加权得分") + 1).number_format
    assert ws.cell(row=6, column=1).value is None  # an empty row, then the totals: outside the filtered range
    assert ws.cell(row=7, column=bonus_col).value == 9700 and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}5"
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    about = [[c.value for c in row] for row in wb["说明"].iter_rows()]
    defined = {(row[0], row[1]): row[2] for row in about if row[0] in wb.sheetnames and row[1]}
    for sheet in wb.worksheets[1:]:
        for head in (c.value for c in sheet[1]):
            assert defined.get((sheet.title, head)), (sheet.title, head)
    card = wb["计分卡"]
    assert [c.value for c in card[1]][4:7] == ["销售台数 · 实际", "销售台数 · 目标", "销售台数 · 达成率"]


# --------------------------------------------------------------------------- the what-if widget


def test_the_whatif_widget_follows_its_controls(month):
    pytest.importorskip("ipywidgets")
    from kit.explore import kpi as explore_kpi

    r = _report("en", KNOWN, month)
    controls = explore_kpi.controls(r)
    assert set(controls) == {"profile", "w:units_sold", "w:csi", "on:volume_floor", "g:volume_floor",
                             "on:product_mix", "g:product_mix"}
    assert controls["w:units_sold"].value == 0.5 and controls["g:volume_floor"].value == 0.6
    controls["profile"].value = "launch"  # the weight sliders take the profile's weights
    assert controls["w:units_sold"].value == 0.8 and controls["w:csi"].value == 0.2
    values = {name: c.value for name, c in controls.items()} | {"on:product_mix": False}
    args = explore_kpi.arguments(values)
    assert args["gates"] == {"volume_floor": 0.6, "product_mix": None} and args["profile"] == "launch"
    page = _html(explore_kpi.render(r, values))
    # launch weights (80/20) without the product mix gate: B 0.98 × 4,000 = 3,920
    assert "¥3,920" in page and "Places moved" in page
    zero = values | {"w:units_sold": 0.0, "w:csi": 0.0}
    assert "Give at least one metric a weight." in _html(explore_kpi.render(r, zero))
    box = explore_kpi.bonus_whatif(r)
    assert len(box.children) == len(controls) + 1


# --------------------------------------------------------------------------- the notebook, end to end


class _Markup(html.parser.HTMLParser):
    """Every tag and attribute of a page, and the text of its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The notebook, run from notebooks/ like JupyterLab, on a small generated dealership whose kpi table and
    dealer.yml carry a hostile metric name and a hostile profile name; exported to the manager's page."""
    import papermill as pm

    from kit.runner.execute import without_explore  # as the batch runs it (the what-ifs need JupyterLab)
    from kit.runner.export import write_html
    from kit.samples import make_dealership

    root = tmp_path_factory.mktemp("kpi_notebook")
    data, out = root / "dealer", root / "out"
    data.mkdir()
    out.mkdir()
    tables = make_dealership(seed=5, scale=0.1, start="2026-01", end="2026-10")
    tables["kpi"]["metric"] = tables["kpi"]["metric"].replace({"display_score": HOSTILE_METRIC})
    for name, frame in tables.items():
        frame.to_csv(data / f"{name}.csv", index=False)
    settings = yaml.safe_load(config.DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8"))
    section = settings["kpi"]

    def rename(m: str) -> str:
        return HOSTILE_METRIC if m == "display_score" else m

    section["profiles"] = {(HOSTILE_PROFILE if p == "growth" else p): {rename(m): w for m, w in ws.items()}
                           for p, ws in section["profiles"].items()}
    for entry in section["stages"]:
        entry["stage"] = HOSTILE_PROFILE if entry["stage"] == "growth" else entry["stage"]
    section["ahp"]["labels"] = [rename(m) for m in section["ahp"]["labels"]]
    (data / "dealer.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")

    glue, executed = out / "kpi.glue.json", out / "kpi_weighting.ipynb"
    pm.execute_notebook(without_explore(config.NOTEBOOKS_DIR / "kpi_weighting.ipynb"), str(executed),
                        kernel_name="python3", cwd=str(config.NOTEBOOKS_DIR), progress_bar=False,
                        parameters={"lang": "zh", "data_dir": str(data), "stability_draws": 200,
                                    "run": {"output_dir": str(out), "glue_file": str(glue)}})
    head = json.loads(glue.read_text(encoding="utf-8"))
    # what the runner does with a report (the integrator wires it): the explore cells and their widget state out
    nb = json.loads(executed.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if "explore" not in c.get("metadata", {}).get("tags", [])]
    nb["metadata"].pop("widgets", None)
    executed.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    page = out / "kpi_weighting.html"
    from kit import io

    dealer = io.load_dealer(data)
    month = io.latest_complete_month(dealer)
    write_html(executed, page, title="KPI", lang="zh", header={"dealer": dealer.settings.dealer.name, "meta_fields": {"month": month}},
               headline={k: v for k, v in head.items() if not k.startswith("_")})
    return SimpleNamespace(data=data, out=out, head=head, page=page, dealer=dealer, month=month)


@pytest.mark.slow
def test_notebook_glues_the_kits_numbers(hostile_run):
    """Glued numbers equal kit.kpi's, computed here independently of the notebook."""
    dealer, month, head = hostile_run.dealer, hostile_run.month, dict(hostile_run.head)
    advice = head.pop("_advice")
    result = kpi.month_result(dealer.kpi, dealer.settings.kpi, month, lang="zh", draws=200)
    expected = kpi.month.headline(result)
    sheet = kpi.bonus(dealer.kpi[dealer.kpi["month"] == month], settings=dealer.settings.kpi)
    assert head["bonus_total_cny"]["value"] == pytest.approx(float(sheet["bonus_cny"].sum()))
    assert head["no_bonus_gate"]["value"] == int((sheet["gate_factor"] == 0).sum()) == expected["no_bonus_gate"]
    assert head["rank_depends_on_weights"]["value"] == expected["rank_depends_on_weights"]
    top = sheet.sort_values(["rank", "staff_id"]).iloc[0]["staff_id"]
    assert head["top_consultant"]["value"].startswith(f"{top} ")
    assert head["bonus_total_cny"]["label"] == "奖金合计" and head["no_bonus_gate"]["label"] == "因门槛无奖金人数"
    assert 3 <= len(advice) <= 6 and advice[0].startswith("本月应发奖金")
    assert (hostile_run.out / f"kpi_bonus_{month}.xlsx").is_file()


@pytest.mark.slow
def test_notebook_page_escapes_hostile_names_and_shows_no_code(hostile_run):
    page = hostile_run.page.read_text(encoding="utf-8")
    markup = _Markup()
    markup.feed(page)
    for tag, attrs in markup.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert tag != "img" or attrs.get("src", "").startswith("data:image/png"), attrs
        assert tag != "script" or "src" not in attrs, attrs
    assert not any("alert(" in text for text in markup.scripts)
    text = reportscan.html_text(page)
    assert HOSTILE_METRIC in text and HOSTILE_PROFILE in text  # shown, as text
    words = [HOSTILE_METRIC, HOSTILE_PROFILE, *hostile_run.dealer.staff["staff_id"], "dealer-kit", "Sample Motors"]
    assert "交互探索" not in text
    assert not reportscan.identifiers(text, words)
    assert not reportscan.english_words(text, words), reportscan.english_words(text, words)


@pytest.mark.slow
def test_notebook_page_runs_no_injected_script_in_chromium(hostile_run):
    chromium = Path("/usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not chromium.exists():
        pytest.skip(f"{chromium} is missing (tools/ensure-chromium.sh installs it)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        dialogs, requests, errors = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(hostile_run.page.as_uri())
        page.wait_for_timeout(300)
        assert dialogs == [] and requests == [] and errors == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
