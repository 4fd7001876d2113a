"""A dealer group's run (`kit report --stores`): which reports run where, store folders, the group index (links,
statuses, a failed store shown failed while the others are published), a store's bad data, re-running one store,
and the real notebooks end to end on a small group (slow)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from kit import cli, io
from kit.runner.group import choose_stores, plan_reports, store_folders
from kit.runner.index import stores_section
from kit.runner.periods import UsageError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbtool import code, md, write  # noqa: E402

TODAY = "2026-11-15"
RUN_PARAMS = ('month: str = "last"\nlang: str = "en"\ndata_dir: str = ""\nmask_personal_data: bool = True\n'
              'run: dict = {}\n')
OLD_PARAMS = 'month: str = "2026-10"\ndata_dir: str = ""\nlang: str = "en"\nglue_file: str = ""\n'


def _notebook(path: Path, title: str, params: str, *cells: str, meta: dict | None = None) -> Path:
    write(str(path), [md(f"# {title}\n\nA test report.", lang="en"), md(f"# {title}", lang="zh"),
                      code(params, tags=["parameters"]), *[code(c) for c in cells]])
    if meta:
        import nbformat  # here, not at the top: `make test-fast` collects this module without executing notebooks

        nb = nbformat.read(path, as_version=4)
        nb.metadata["kit"] = meta
        nbformat.write(nb, path)
    return path


STORE_CELLS = (
    'from kit import notebook\n'
    'r = notebook.start("store_report", month=month, lang=lang, data_dir=data_dir, run=run)',
    'r.glue("leads", len(r.dealer.leads), kind="int", label="Leads")\n'
    'r.glue("stores_seen", r.dealer.leads["store_id"].nunique(), kind="int", label="Stores seen")\n'
    'league = r.shared("league", month=r.month)\n'
    'r.glue("shared_rows", -1 if league is None else len(league), kind="int", label="League rows")',
)
BREAK_S002 = 'if r.store == "S002":\n    raise ValueError("this store is broken")'


def make_notebooks(folder: Path, *, broken: bool) -> Path:
    folder.mkdir(exist_ok=True)
    _notebook(folder / "store_report.ipynb", "Store report", RUN_PARAMS, *STORE_CELLS,
              *([BREAK_S002] if broken else []), meta={"shared": ["league"]})
    _notebook(folder / "group_report.ipynb", "Group report", RUN_PARAMS,
              'from kit import notebook\n'
              'r = notebook.start("group_report", month=month, lang=lang, data_dir=data_dir, run=run)\n'
              'r.glue("stores", r.dealer.leads["store_id"].nunique(), kind="int", label="Stores")',
              meta={"scope": ["group"]})
    _notebook(folder / "old_report.ipynb", "Old report", OLD_PARAMS,
              'from kit import report\nreport.setup(glue_file=glue_file, lang=lang)\n'
              'report.glue("answer", 42, kind="int", label="Answer")')
    return folder


@pytest.fixture(scope="module")
def group_dir(tmp_path_factory) -> Path:
    from kit.samples import write_group

    out = tmp_path_factory.mktemp("group3")
    write_group(out, 3, months=6, seed=5, truth=False)
    return out


def _run(*args: str) -> int:
    return cli.main(["report", "--today", TODAY, "--workers", "2", *args])


# --------------------------------------------------------------------------- planning


def test_store_reports_need_the_runners_context_and_group_reports_run_once(tmp_path):
    folder = make_notebooks(tmp_path / "nbs", broken=False)
    plan = plan_reports(None, folder, "month")
    assert plan.store_reports == ["store_report"]
    assert sorted(plan.group_reports) == ["group_report", "old_report"]  # the old notebook cannot be cut to a store
    assert plan.for_group_instead == ["old_report"] and plan.shared == {"store_report": ("league",)}
    only = plan_reports(["group_report"], folder, "month")
    assert only.names == ["group_report"] and only.for_group_instead == ["old_report"]
    with pytest.raises(UsageError, match="does not run in a group run"):
        _notebook(folder / "dealer_only.ipynb", "Dealer only", RUN_PARAMS, "x = 1", meta={"scope": ["dealer"]})
        plan_reports(["dealer_only"], folder, "month")


def test_stores_are_chosen_against_the_data_and_unknown_ones_refused():
    assert choose_stores("all", ["S10", "S2", "S1"], []) == ["S1", "S2", "S10"]
    assert choose_stores("S2,S1", ["S1", "S2", "S3"], ["S3"]) == ["S1", "S2"]
    assert choose_stores(["S3"], ["S1"], ["S3"]) == ["S3"]  # a store left out for bad data may be asked for
    with pytest.raises(UsageError, match=r"unknown store S9; the stores in the data are S1, S2"):
        choose_stores("S1,S9", ["S1", "S2"], [])


def test_store_folders_are_safe_unique_and_never_a_report_or_hidden_name():
    folders = store_folders(["S1", "../etc", "城东店", "a/b", "A/B", ".hidden", "index"], reserved=["index"])
    assert folders["S1"] == "S1" and folders["城东店"] == "城东店"
    assert folders["../etc"] == "_etc" and folders[".hidden"] == "hidden" and folders["index"] == "index_2"
    assert folders["a/b"] == "a_b" and folders["A/B"] == "A_B_2"  # unique also where case does not count
    assert all("/" not in f and not f.startswith(".") for f in folders.values())


def test_the_group_index_lists_every_store_with_its_status_numbers_and_link_and_escapes_everything():
    report = {"name": "store_report", "title": "Store report", "status": "ok",
              "headline": {"leads": {"label": "Leads", "display": "1,234"}}}
    stores = [
        {"store_id": "S1", "name": "<b>North</b>", "folder": "S1", "status": "ok", "reports": [report]},
        {"store_id": "S2", "name": "South", "folder": "S2", "status": "failed",
         "reports": [{**report, "status": "failed", "headline": {}}]},
        {"store_id": "S3", "name": "West", "folder": "S3", "status": "left_out", "reports": [],
         "reason": "The input data is not as this report needs it: leads.csv row 7, column created_at"},
    ]
    html = stores_section(stores, "en")
    assert '<a href="S1/index.html">S1 &lt;b&gt;North&lt;/b&gt;</a>' in html
    assert 'href="S2/index.html"' in html and 'href="S3/index.html"' not in html  # a left-out store has no folder
    assert "1 of 3 stores have every report. Not complete: S2, S3." in html
    assert "1,234" in html and ">Leads</th>" in html
    assert "leads.csv row 7, column created_at" in html
    row2 = re.search(r'<tr id="store-S2">.*?</tr>', html).group(0)
    assert "kit-badge-failed" in row2 and 'class="kit-flag"' in row2
    assert "<b>" not in html
    zh = stores_section(stores, "zh")
    assert "3 家门店中有 1 家全部报告已生成" in zh and "S2、S3" in zh



def test_a_column_whose_label_names_each_stores_own_target_keeps_the_target_beside_each_number():
    """Each store has its own turnover target: the heading must not carry the first store's (it did: "target 39%"
    over a store whose target is 34%)."""
    def store(sid: str, turnover: tuple[str, str], rate: tuple[str, str]) -> dict:
        return {"store_id": sid, "name": sid, "folder": sid, "status": "ok", "reports": [
            {"name": "staff_turnover", "title": "Staff turnover", "status": "ok",
             "headline": {"turnover_ttm": {"label": turnover[0], "display": turnover[1]}}},
            {"name": "lead_scoring", "title": "Lead scoring", "status": "ok",
             "headline": {"rate": {"label": rate[0], "display": rate[1]}}}]}

    html = stores_section([store("S1", ("Turnover, 12 months (target 39%)", "47.6%"), ("Leads, 2026-07", "7.3%")),
                           store("S2", ("Turnover, 12 months (target 34%)", "34.1%"), ("Orders, 2026-08", "9%"))],
                          "en")
    assert ">Turnover, 12 months</th>" in html and "target 39%)</th>" not in html
    row1 = re.search(r'<tr id="store-S1">.*?</tr>', html).group(0)
    row2 = re.search(r'<tr id="store-S2">.*?</tr>', html).group(0)
    assert "47.6% (target 39%)" in row1 and "34.1% (target 34%)" in row2
    # labels that differ in more than a closing parenthesis: the report's title heads the column
    assert ">Lead scoring</th>" in html and "7.3% (Leads, 2026-07)" in row1 and "9% (Orders, 2026-08)" in row2
    zh = stores_section([store("S1", ("近 12 个月流失率（目标 39%）", "47.6%"), ("线索", "1")),
                         store("S2", ("近 12 个月流失率（目标 34%）", "34.1%"), ("线索", "2"))], "zh")
    assert ">近 12 个月流失率</th>" in zh and "34.1%（目标 34%）" in zh and ">线索</th>" in zh
    # in Chinese a cell's own label sits in full-width brackets, as the rest of the page's
    zh = stores_section([store("S1", ("流失率", "47.6%"), ("线索，2026-07", "7.3%")),
                         store("S2", ("流失率", "34.1%"), ("订单，2026-08", "9%"))], "zh")
    assert "7.3%（线索，2026-07）" in zh and "9%（订单，2026-08）" in zh and "(" not in re.sub(r"<[^>]*>", "", zh)


def test_store_indexes_share_one_font_subset_that_covers_every_page(tmp_path, monkeypatch):
    """A subset of the CJK font costs seconds; a hundred store indexes make one, not one each."""
    from kit import webfont
    from kit.runner.index import write_store_indexes

    made = []
    monkeypatch.setattr(webfont, "font_face_css", lambda chars: made.append(chars) or f"/* {chars} */")
    manifest = {"parameters": {"lang": "zh"}, "dealer": "集团", "run": {"finished": "2026-11-01T08:00:00"},
                "files": {}}
    entries = [{"store_id": s, "name": name, "folder": s, "status": "ok", "reports": []}
               for s, name in (("S1", "城东店"), ("S2", "河西店"))]
    write_store_indexes(tmp_path, manifest, entries, label="2026-10")
    assert len(set(made)) == 1  # one distinct subset (font_face_css caches a repeated one)
    for entry in entries:
        page = (tmp_path / entry["folder"] / "index.html").read_text()
        assert f"/* {made[0]} */" in page and set(webfont.cjk_characters(page)) <= set(made[0])
    assert "东" in made[0] and "西" in made[0]


# --------------------------------------------------------------------------- runs


@pytest.mark.slow
def test_a_group_run_publishes_each_store_and_the_group_one_failing_store_report_does_not_stop_the_others(
        group_dir, tmp_path, capsys):
    nbs = make_notebooks(tmp_path / "nbs", broken=True)
    out = tmp_path / "out"
    code_ = _run("--data", str(group_dir), "--out", str(out), "--notebooks", str(nbs), "--stores", "all")
    assert code_ == 1
    err = capsys.readouterr().err
    assert "S002/store_report" in err
    month = out / "2026-10"
    manifest = json.loads((month / "manifest.json").read_text())
    status = {s["store_id"]: s["status"] for s in manifest["stores"]}
    assert status == {"S001": "ok", "S002": "failed", "S003": "ok"}
    dealer = io.load_dealer(group_dir)
    for store in ("S001", "S003"):
        assert (month / store / "store_report.html").is_file()
        entry = next(s for s in manifest["stores"] if s["store_id"] == store)
        head = {k: v["value"] for k, v in entry["reports"][0]["headline"].items()}
        # the store's report read its own rows only, and the league the run computed once, cut to its store
        assert head == {"leads": len(dealer.for_store(store).leads), "stores_seen": 1, "shared_rows": 1}
        index = (month / store / "index.html").read_text()
        assert 'href="store_report.html"' in index and 'href="../index.html"' in index
        assert 'href="../../index.html"' in index
    assert (month / "S002" / "store_report.ipynb").is_file() and not (month / "S002" / "store_report.html").exists()
    group = {r["name"]: r for r in manifest["reports"]}
    assert group["group_report"]["headline"]["stores"]["value"] == 3
    assert group["old_report"]["status"] == "ok" and (month / "old_report.html").is_file()
    assert manifest["run"]["shared"]["league"]["status"] == "ok"
    index = (month / "index.html").read_text()
    for store in ("S001", "S002"):
        assert f'href="{store}/index.html"' in index
    assert 'href="group_report.html"' in index and "Not complete: S002" in index
    assert not [p.name for p in month.rglob(".*")], "no snapshot or work folder is published"
    root = (out / "index.html").read_text()
    assert 'href="2026-10/index.html"' in root

    # the store is repaired and run again alone: the other stores' reports are kept as they were
    kept = (month / "S001" / "store_report.html").read_bytes()
    make_notebooks(tmp_path / "nbs", broken=False)
    assert _run("--data", str(group_dir), "--out", str(out), "--notebooks", str(nbs), "--stores", "S002") == 0
    manifest = json.loads((month / "manifest.json").read_text())
    assert {s["store_id"]: s["status"] for s in manifest["stores"]} == {"S001": "ok", "S002": "ok", "S003": "ok"}
    assert (month / "S001" / "store_report.html").read_bytes() == kept
    assert (month / "S002" / "store_report.html").is_file()
    assert len(manifest["runs"]) == 2


@pytest.mark.slow
def test_a_store_with_bad_data_is_left_out_and_shown_why_while_the_others_run(group_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in group_dir.iterdir():
        if f.is_file():
            (data / f.name).write_bytes(f.read_bytes())
    leads = pd.read_csv(data / "leads.csv", dtype=str, keep_default_na=False)
    leads.loc[leads.index[leads["store_id"] == "S003"][0], "created_at"] = "not a date"
    leads.to_csv(data / "leads.csv", index=False)
    nbs = make_notebooks(tmp_path / "nbs", broken=False)
    out = tmp_path / "out"
    assert _run("--data", str(data), "--out", str(out), "--notebooks", str(nbs), "--stores", "all",
                "--only", "store_report") == 1
    month = out / "2026-10"
    manifest = json.loads((month / "manifest.json").read_text())
    entry = {s["store_id"]: s for s in manifest["stores"]}
    assert entry["S003"]["status"] == "left_out" and "created_at" in entry["S003"]["reason"]
    assert not (month / "S003").exists()
    assert entry["S001"]["status"] == entry["S002"]["status"] == "ok"
    assert (month / "S001" / "store_report.html").is_file() and (month / "S002" / "store_report.html").is_file()
    row = _store_row((month / "index.html").read_text(), "S003")  # shown failed on the group index, and why
    assert "kit-badge-failed" in row and "created_at" in row and 'href="S003/index.html"' not in row


# --------------------------------------------------------------------------- the real reports, zh and en

OCTOBER = "2026-10"


@pytest.fixture(scope="module")
def month_group(tmp_path_factory) -> Path:
    """Two stores with 15 months of history (enough for the forecast's backtest)."""
    from kit.samples import write_group

    out = tmp_path_factory.mktemp("group2_15m")
    write_group(out, 2, months=15, seed=7, truth=False)
    return out


@pytest.fixture(scope="module")
def real_runs(month_group, tmp_path_factory) -> dict[str, tuple[int, Path]]:
    """The real store and group reports of a group month in Chinese (with the data health report) and English."""
    runs = {}
    for lang, only in (("zh", ("--only", "sales_performance,group_overview,data_health")),
                       ("en", ("--only", "sales_performance,group_overview"))):
        out = tmp_path_factory.mktemp(f"group_{lang}")
        runs[lang] = (_run("--data", str(month_group), "--out", str(out), "--stores", "all", "--lang", lang, *only),
                      out)
    return runs


def _store_row(index_html: str, store: str) -> str:
    return re.search(rf'<tr id="store-{store}">.*?</tr>', index_html, flags=re.S).group(0)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_real_reports_of_a_two_store_group_end_to_end(real_runs, month_group, lang):
    code_, out = real_runs[lang]
    month = out / OCTOBER
    manifest = json.loads((month / "manifest.json").read_text())
    failed = [r["name"] for s in manifest["stores"] for r in s["reports"] if r["status"] != "ok"] + \
        [r["name"] for r in manifest["reports"] if r["status"] != "ok"]
    assert code_ == (1 if failed else 0)
    assert not failed, [(r["name"], r.get("detail")) for r in manifest["reports"] if r["status"] != "ok"]
    group = {r["name"]: r for r in manifest["reports"]}
    assert (month / "group_overview.html").is_file() and (month / f"group_overview_{OCTOBER}.xlsx").is_file()
    index = (month / "index.html").read_text()
    orders = pd.read_csv(month_group / "orders.csv", dtype=str, keep_default_na=False)
    for store in ("S001", "S002"):
        assert f'href="{store}/index.html"' in index
        own = {r["name"]: r for r in next(s for s in manifest["stores"] if s["store_id"] == store)["reports"]}
        assert (month / store / "sales_performance.html").is_file()
        # the store's deliveries, counted here from the raw ledger: the store report's tile, its index and its row
        # on the group index all show this store's own number
        delivered = int(((orders["store_id"] == store) & orders["delivered_at"].str.startswith(OCTOBER)).sum())
        tile = own["sales_performance"]["headline"]["deliveries_units"]
        assert tile["value"] == delivered > 0
        assert f">{tile['display']}<" in _store_row(index, store)
        assert tile["display"] in (month / store / "index.html").read_text()
    # the group report's tiles are the group's row of the league, computed here from the group's data
    dealer = io.load_dealer(month_group)
    from kit import group as kg
    from kit import periods

    ov = kg.overview(dealer, periods.period("month", OCTOBER))
    head = group["group_overview"]["headline"]
    assert head["group_conversion_rate"]["value"] == pytest.approx(ov.group["conversion_rate"])
    assert head["group_order_next_units"]["value"] == int(ov.store_plan["order_n1_units"].sum())
    assert head["group_conversion_rate"]["display"] in index
    page = (month / "group_overview.html").read_text()
    assert ("集团总览" if lang == "zh" else "Group overview") in page and "S001" in page and "S002" in page


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_group_report_and_the_index_pages_speak_the_managers_language(real_runs, month_group, lang, tmp_path):
    """Issue 10 §3 for the group run: no code name (and in Chinese no English word) in the group report's page and
    workbook, the group index, each store's index or the root index."""
    from reportscan import data_words_of, scan_folder

    _, out = real_runs[lang]
    month = out / OCTOBER
    pages = [month / "group_overview.html", month / f"group_overview_{OCTOBER}.xlsx", month / "index.html",
             out / "index.html", *[month / s / "index.html" for s in ("S001", "S002")]]
    for page in pages:  # one scan folder holding exactly these files
        (tmp_path / f"{page.parent.name}_{page.name}").write_bytes(page.read_bytes())
    found = scan_folder(tmp_path, lang, data_words_of(month_group))
    assert not found, "\n".join(found)
