"""The real report notebooks, end to end: the monthly batch on a small generated dealership, as a manager sees it."""

from __future__ import annotations

import json
import re

import pytest

from kit.runner import available_reports, run_batch

pytestmark = pytest.mark.slow  # the end-to-end batch: `make test` runs it, `make test-fast` leaves it out

EXPECTED = ["data_health", "sales_performance", "lead_scoring", "staff_turnover", "kpi_weighting", "sales_forecast"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from kit.samples import write_dealership

    data = tmp_path_factory.mktemp("dealer")
    write_dealership(data, seed=11, scale=0.35)
    return data


@pytest.fixture(scope="module")
def batch(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("reports")
    return run_batch(month="last", data_dir=data_dir, out_dir=out, workers=2, progress=None)


def test_every_report_is_written(batch):
    assert available_reports() == EXPECTED
    failed = {r.name: r.reason for r in batch.reports if r.status != "ok"}
    assert not failed, failed
    for name in EXPECTED:
        assert (batch.out_dir / f"{name}.html").is_file()
    index = batch.index.read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f'href="{name}.html"' in index


@pytest.mark.parametrize("name", EXPECTED)
def test_report_html_reads_like_a_report(batch, name):
    page = (batch.out_dir / f"{name}.html").read_text(encoding="utf-8")
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    assert "Traceback" not in text and "Warning" not in text
    assert "jp-InputArea-editor" not in text and "highlight hl-ipython" not in text, "code cells must not be shown"
    for code_hint in ("import ", "report.table(", "report.glue(", "io.load_dealer("):
        assert code_hint not in text, code_hint
    assert 'class="kit-toc"' in page and 'class="kit-summary"' in page
    assert not re.search(r"<script[^>]+src=", page)
    assert "data:image/png;base64" in page or name == "data_health"


def test_headline_numbers_are_recorded_and_plausible(batch):
    manifest = json.loads((batch.out_dir / "manifest.json").read_text())
    head = {r["name"]: {k: v["value"] for k, v in r["headline"].items()} for r in manifest["reports"]}
    assert 0 <= head["staff_turnover"]["turnover_ttm"] <= 3
    assert 0 <= head["lead_scoring"]["lead_conversion"] <= 1
    assert head["lead_scoring"]["overdue_followups"] >= 0 and head["lead_scoring"]["hot_leads_to_call"] >= 0
    assert head["kpi_weighting"]["bonus_total_cny"] >= 0
    assert head["sales_forecast"]["forecast_next_month_total"] >= 0
    assert head["sales_forecast"]["order_next_month_total"] >= 0


def test_personal_data_is_masked_by_default(batch):
    from kit.samples import make_dealership

    leads = make_dealership(seed=11, scale=0.35)["leads"]
    page = (batch.out_dir / "lead_scoring.html").read_text(encoding="utf-8")
    full_phones = [p for p in leads["phone"].dropna().astype(str) if p in page]
    assert not full_phones, full_phones[:3]
    assert re.search(r"1\d\d\*{4}\d{4}", page), "masked phones are shown on the call list"
    names = [n for n in leads["customer_name"].dropna().astype(str) if len(n) >= 2 and n in page]
    assert not names, names[:3]


def test_excel_sheets_are_exported_beside_the_reports(batch):
    month = batch.month
    for file_name in (f"call_list_{month}.xlsx", f"kpi_bonus_{month}.xlsx", f"order_plan_{month}.xlsx"):
        assert (batch.out_dir / file_name).is_file(), file_name


def test_no_code_names_reach_any_english_page_or_workbook(batch, data_dir):
    """Issue 10 §3: headers, values and sentences are words, not identifiers (the Chinese run: test_browser)."""
    from reportscan import data_words_of, scan_folder

    found = scan_folder(batch.out_dir, "en", data_words_of(data_dir))
    assert not found, "\n".join(found)
