"""Every page of a batch in a real browser (Debian's chromium, headless, driven by Playwright), as on a laptop
(1280 px) and a phone (390 px): no sideways page scrolling, no console error, nothing fetched, every image decodes,
tables sort and filter; and a page built from hostile names runs no script and makes no request.

`make test` installs chromium first where it can (tools/ensure-chromium.sh); elsewhere these tests skip, saying why.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WIDTHS = (1280, 390)
PWNED = "window.__kitPwned"
HOSTILE = ["<script>window.__kitPwned=1</script>", "<img src=x onerror=window.__kitPwned=2>",
           "javascript:window.__kitPwned=3", "[click](javascript:window.__kitPwned=4)",
           "![t](http://127.0.0.1:9/t.png)", '"><svg onload=window.__kitPwned=5>',
           "<iframe src=http://127.0.0.1:9/></iframe>", "=HYPERLINK(\"http://127.0.0.1:9\")"]


def _chromium_or_skip() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if CHROMIUM.exists():
        return
    installable = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if installable:
        pytest.fail(f"{CHROMIUM} is missing although this machine could install it: run tools/ensure-chromium.sh")
    pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (not root or no apt-get); "
                "see tools/ensure-chromium.sh")


@pytest.fixture(scope="module")
def browser():
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright launches with a fresh, temporary user-data directory of its own
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    from kit.samples import write_dealership

    data = tmp_path_factory.mktemp("dealer")
    write_dealership(data, seed=11, scale=0.15)
    return data


@pytest.fixture(scope="module")
def batch(tmp_path_factory, data_dir):
    from kit.runner import run_batch

    out = tmp_path_factory.mktemp("reports")
    return run_batch(month="last", data_dir=data_dir, out_dir=out, lang="zh", workers=2, progress=None)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, data_dir):
    """A report built from hostile names: in the data, in dealer.yml and through every kit output function."""
    from kit.runner import run_batch

    sys.path.insert(0, str(ROOT / "tools"))
    from nbtool import code, md, write

    data = tmp_path_factory.mktemp("hostile-data")
    for item in data_dir.iterdir():
        shutil.copy(item, data / item.name)
    settings = yaml.safe_load((data / "dealer.yml").read_text(encoding="utf-8"))
    settings["dealer"]["name"] = HOSTILE[1]
    (data / "dealer.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    nbs = tmp_path_factory.mktemp("hostile-nb")
    write(str(nbs / "data_health.ipynb"), [
        md("# Hostile names\n\nEvery name below comes from the data."),
        code('month: str = "2026-10"\ndata_dir: str = ""\nlang: str = "en"\nglue_file: str = ""\n'
             'output_dir: str = ""', tags=["parameters"]),
        code("import pandas as pd\nfrom IPython.display import HTML, Markdown, display\nfrom kit import report\n"
             f"report.setup(glue_file=glue_file, lang=lang)\nhostile = {HOSTILE!r}"),
        code("report.glue('name', hostile[1], label=hostile[0], kind='text')"),
        md("## Text"),
        code("report.markdown('Profile this month: **{profile}** — {weights}', profile=hostile[1], "
             "weights=', '.join(hostile))"),
        code("report.markdown('Plain: ' + ' '.join(hostile))"),
        code("report.note('Note about {name}', name=hostile[0], kind='warning')"),
        code("display(Markdown(' '.join(hostile)))\ndisplay(HTML(' '.join(hostile)))"),
        md("## Table"),
        code("frame = pd.DataFrame({'name': hostile, 'bonus_cny': [9.0, 10.0, 100.0, None, 2.0, 1000.0, 55.5, 3.0],\n"
             "                      'store': ['城东', '城西', 'a', 'b', 'c', 'd', 'e', 'f']})\n"
             "report.table(frame, caption=hostile[5], labels={'name': hostile[0], 'store': hostile[1]},\n"
             "             formats={'bonus_cny': 'money'}, cards=True, searchable=True, totals=['bonus_cny'])"),
        code("report.export_excel({'call_list': frame}, output_dir=output_dir, file_name='hostile.xlsx', lang=lang)"),
    ])
    out = tmp_path_factory.mktemp("hostile-out")
    result = run_batch(month="last", data_dir=data, out_dir=out, lang="en", notebooks_dir=nbs, progress=None)
    assert [r.status for r in result.reports] == ["ok"], [r.reason for r in result.reports]
    return result


def _visit(browser, path: Path, width: int, *, javascript: bool = True):
    """Open ``path`` at ``width``; returns (page, context, problems seen while loading)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=width < 600,
                                  has_touch=width < 600, java_script_enabled=javascript)
    page = context.new_page()
    seen = {"console": [], "requests": [], "failed": []}
    page.on("console", lambda m: m.type in ("error", "warning") and seen["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: seen["console"].append(f"page error: {e}"))
    page.on("request", lambda r: r.url != path.as_uri() and seen["requests"].append(r.url))
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    page.evaluate("() => Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)))")
    return page, context, seen


def _page_problems(browser, path: Path, width: int) -> list[str]:
    page, context, seen = _visit(browser, path, width)
    try:
        state = page.evaluate("""() => ({
            scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
            broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length,
            images: document.images.length,
            clipped: Array.from(document.querySelectorAll('.kit-cards-table td')).filter(td => {
                const box = td.closest('.kit-table-wrap') || document.body;
                return getComputedStyle(td).display === 'flex' &&
                    td.getBoundingClientRect().right > box.getBoundingClientRect().right + 1;
            }).length})""")
    finally:
        context.close()
    where = f"{path.name} at {width} px"
    problems = [f"{where}: {m}" for m in seen["console"]]
    problems += [f"{where}: fetched {u}" for u in seen["requests"] + seen["failed"]]
    if state["scroll"] > state["inner"]:
        problems.append(f"{where}: the page scrolls sideways ({state['scroll']} > {state['inner']} px)")
    if state["clipped"]:
        problems.append(f"{where}: {state['clipped']} card values run past the edge of their card")
    if state["broken"]:
        problems.append(f"{where}: {state['broken']} of {state['images']} images do not decode")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_loads_nothing_and_shows_every_image(browser, batch, width):
    assert all(r.status == "ok" for r in batch.reports), [(r.name, r.reason) for r in batch.reports]
    pages = [batch.index] + [batch.out_dir / r.html for r in batch.reports]
    assert len(pages) == 7
    problems = [p for path in pages for p in _page_problems(browser, path, width)]
    assert not problems, "\n".join(problems)


def _column_keys(page, box: str, col: int) -> list[str | None]:
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{box} tbody tr'))
        .filter(r => !r.hidden).map(r => r.cells[{col}].getAttribute('data-v') ?? r.cells[{col}].textContent)""")


def test_a_batch_table_sorts_and_filters(browser, batch):
    for report in batch.reports:
        page, context, _ = _visit(browser, batch.out_dir / report.html, 1280)
        boxes = page.locator(".kit-table-box[data-kit-filter]")
        if boxes.count():
            break
        context.close()
    else:
        pytest.fail("no report of the batch has a searchable table")
    try:
        box = boxes.first
        heads = box.locator("thead th")
        numeric = [i for i in range(heads.count()) if heads.nth(i).get_attribute("data-sort") == "num"]
        assert numeric, "a searchable table with a number column"
        col = numeric[0]
        box.locator("thead th .kit-sort").nth(col).click()
        box_id = "#kit-under-test"
        box.evaluate("b => b.id = 'kit-under-test'")
        keys = [float(k) for k in _column_keys(page, box_id, col) if k]
        assert keys == sorted(keys, reverse=True) and heads.nth(col).get_attribute("aria-sort") == "descending"
        box.locator("thead th .kit-sort").nth(col).click()
        keys = [float(k) for k in _column_keys(page, box_id, col) if k]
        assert keys == sorted(keys) and heads.nth(col).get_attribute("aria-sort") == "ascending"
        rows = box.locator("tbody tr")
        total = rows.count()
        term = rows.nth(0).locator("td").nth(0).inner_text().strip()
        box.locator("input.kit-filter").fill(term)
        visible = page.evaluate(f"() => Array.from(document.querySelectorAll('{box_id} tbody tr'))"
                                ".filter(r => !r.hidden).map(r => r.textContent.toLowerCase())")
        assert visible and all(term.lower() in v for v in visible)
        assert len(visible) <= total
        box.locator("input.kit-filter").fill("")
        assert page.evaluate(f"() => document.querySelectorAll('{box_id} tbody tr:not([hidden])').length") == total
    finally:
        context.close()


def test_hostile_names_run_no_script_and_fetch_nothing(browser, hostile):
    pages = [hostile.index, hostile.out_dir / hostile.reports[0].html]
    for path in pages:
        for width in WIDTHS:
            page, context, seen = _visit(browser, path, width)
            try:
                links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'))"
                                      ".map(a => a.getAttribute('href'))")
                assert not [h for h in links if h.strip().lower().startswith(("javascript:", "http:", "https:"))]
                page.evaluate("() => document.querySelectorAll('a[href^=\"#\"]').forEach(a => a.click())")
                assert page.evaluate(f"() => typeof {PWNED}") == "undefined", f"{path.name}: a script ran"
                assert page.evaluate("() => document.querySelectorAll('iframe, svg[onload], [onerror]').length") == 0
                assert not seen["requests"] and not seen["failed"], seen
                assert not seen["console"], seen["console"]
            finally:
                context.close()
    report = (hostile.out_dir / hostile.reports[0].html).read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__kitPwned=1&lt;/script&gt;" in report, "the names are shown, as text"


def test_tables_sort_numbers_numerically_and_read_as_cards_on_a_phone(browser, hostile):
    path = hostile.out_dir / hostile.reports[0].html
    page, context, _ = _visit(browser, path, 390)
    try:
        table = page.locator("table.kit-cards-table")
        assert table.count() == 1
        cell = table.locator("tbody tr").first.locator("td").nth(1)
        assert page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle()) == '"Bonus"'
        box = table.bounding_box()
        assert box["width"] <= 390, "cards fit the phone's width"
        table.locator("thead th .kit-sort").nth(1).click()
        shown = [t.strip() for t in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
        assert shown == ["¥1,000", "¥100", "¥56", "¥10", "¥9", "¥3", "¥2", "–"], "by value, missing last"
        assert table.locator("tfoot td").first.inner_text().strip() == "Total", "the totals row stays at the bottom"
        page.locator("input.kit-filter").fill("城西")
        assert [t.strip() for t in table.locator("tbody tr:not([hidden]) td:nth-child(3)").all_inner_texts()] \
            == ["城西"]
    finally:
        context.close()


def test_without_javascript_the_table_is_all_there(browser, hostile):
    path = hostile.out_dir / hostile.reports[0].html
    page, context, seen = _visit(browser, path, 1280, javascript=False)
    try:
        assert page.locator("table.kit-table tbody tr").count() == len(HOSTILE)
        assert page.locator("input.kit-filter").count() == 0, "no dead filter box without the script"
        assert not seen["requests"]
    finally:
        context.close()


def test_batch_workbooks_are_ready_for_a_manager(batch):
    """The real workbooks of the batch (zh): About sheet first, catalog headers, formats, filter, no formula."""
    import re

    import openpyxl

    identifier = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
    books = sorted(batch.out_dir.glob("*.xlsx"))
    assert {"call_list", "kpi_bonus", "order_plan"} <= {b.name.rsplit("_", 1)[0] for b in books}
    assert len(books) >= 6, [b.name for b in books]  # every report keeps its sheets
    for book in books:
        wb = openpyxl.load_workbook(book)
        assert wb.sheetnames[0] == "说明"
        about = list(wb.worksheets[0].iter_rows(values_only=True))
        defined = {(r[0], r[1]): r[2] for r in about if r[0] in wb.sheetnames and r[1]}
        for ws in wb.worksheets[1:]:
            heads = [c.value for c in ws[1]]
            # KPI metric names in the scorecard's headers come from the KPI catalog (issue 10 §3), checked there
            named = [h for h in heads if " · " not in h]
            assert not [h for h in named if identifier.search(h)], (book.name, ws.title, heads)
            assert all(defined.get((ws.title, h)) for h in heads), (book.name, ws.title, "a column without definition")
            assert ws.auto_filter.ref.startswith("A1:") and re.fullmatch(r"[A-D]2", ws.freeze_panes or "")
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    assert cell.data_type != "f", (book.name, ws.title, cell.coordinate)
                    if cell.is_date:
                        assert cell.number_format == "yyyy-mm-dd", (book.name, ws.title, cell.coordinate)
    bonus = openpyxl.load_workbook(batch.out_dir / f"kpi_bonus_{batch.month}.xlsx")["奖金表"]
    heads = [c.value for c in bonus[1]]
    money = bonus.cell(row=2, column=heads.index("奖金") + 1)
    assert money.number_format == '"¥"#,##0' and isinstance(money.value, float)
    last = [c.value for c in bonus[bonus.max_row]]
    assert last[0] == "合计" and all(v is None for v in [c.value for c in bonus[bonus.max_row - 1]])
    calls = openpyxl.load_workbook(batch.out_dir / f"call_list_{batch.month}.xlsx")["回访清单"]
    flags = {c.value for c in calls["P"][1:] if c.value is not None and c.row <= calls.max_row - 2}
    assert [c.value for c in calls[1]][15] == "超期" and flags <= {"是", "否"}


def test_the_chinese_batch_speaks_chinese_in_every_page_and_workbook(batch, data_dir):
    """Issue 10 §3: no code name, and no English word beyond the accepted abbreviations, in any page or sheet."""
    from reportscan import data_words_of, scan_folder

    found = scan_folder(batch.out_dir, "zh", data_words_of(data_dir))
    assert not found, "\n".join(found)
