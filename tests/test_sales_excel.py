"""The sales report's Excel workbook read back with openpyxl: formats, totals, definitions and words.

A small generated dealership (its own order ledger) is scored for a closed month in Chinese and for a week in
progress in English; the workbook is written as the notebook writes it (``r.excel``) and checked cell by cell.
The consultants' deliveries are counted here straight from the order ledger with plain pandas.
"""

from __future__ import annotations

import re
import types

import openpyxl
import pandas as pd
import pytest

from kit import i18n, notebook, periods
from kit.sales.ledger import NO_CONSULTANT
from kit.settings import parse_settings

RUNS = {"zh": ("month", "2026-08"), "en": ("week", "2026-08-12")}
COUNT, MONEY, PCT, ONE_DECIMAL = "#,##0", '"¥"#,##0', "0.0%", "#,##0.0"


@pytest.fixture(scope="module")
def tables():
    from kit.samples import make_dealership

    return make_dealership(seed=3, scale=0.1, start="2025-09", end="2026-10")


@pytest.fixture(scope="module", params=sorted(RUNS))
def run(request, tables, tmp_path_factory):
    """(lang, perf, workbook, the orders table) for one language's run."""
    from kit.sales import display, performance

    lang = request.param
    settings = parse_settings({"dealer": {"name": "示范汽车", "stores": {"S1": "East", "S2": "West"}},
                               "sales": {"penetration_targets": {"insurance": 0.85}}})
    dealer = types.SimpleNamespace(tables=tables, settings=settings, staff=tables["staff"])
    out = tmp_path_factory.mktemp(f"salesxl-{lang}")
    r = notebook.Report(name="sales_performance", lang=lang, dealer=dealer, period=periods.period(*RUNS[lang]),
                        output_dir=out)
    perf = performance(dealer, r.period)
    r.excel(display.excel_sheets(r, perf), display.excel_file_name(perf), title_key="sales.excel_title")
    path = out / display.excel_file_name(perf)
    return lang, perf, openpyxl.load_workbook(path), tables["orders"]


def _sheet(wb, code: str, lang: str):
    return wb[i18n.t(f"sales.sheet.{code}", lang)]


def _column(ws, header: str) -> int:
    heads = [c.value for c in ws[1]]
    assert header in heads, (ws.title, header, heads)
    return heads.index(header) + 1


def _data_rows(ws) -> int:
    """Rows of data below the header (up to the first empty row; read without creating cells)."""
    n = 0
    for (value,) in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=1, values_only=True):
        if value is None:
            break
        n += 1
    return n


def test_counts_money_and_rates_have_their_formats(run):
    lang, _, wb, _ = run
    ws = _sheet(wb, "by_consultant", lang)
    rows = range(2, 2 + _data_rows(ws))
    for label, fmt in (("credited_units", COUNT), ("deliveries_units", COUNT), ("credited_gross_profit_cny", MONEY),
                       ("gross_profit_target_cny", MONEY), ("units_achievement_rate", PCT)):
        j = _column(ws, i18n.label(label, lang))
        assert {ws.cell(row=i, column=j).number_format for i in rows} == {fmt}, label
        assert all(isinstance(ws.cell(row=i, column=j).value, (int, float)) for i in rows), label
    rate = ws.cell(row=2, column=_column(ws, i18n.label("units_achievement_rate", lang))).value
    assert 0 <= rate < 20  # a share (1.0 = 100 %), not a percent number
    ws = _sheet(wb, "traffic_daily", lang)
    assert ws.cell(row=2, column=1).number_format == "yyyy-mm-dd"
    assert ws.cell(row=2, column=_column(ws, i18n.label("registration_rate", lang))).number_format == PCT


def test_glance_shares_are_percent_numbers_with_a_percent_unit(run):
    lang, perf, wb, _ = run
    ws = _sheet(wb, "glance", lang)
    g = perf.glance.set_index("measure")
    unit_col = _column(ws, i18n.label("unit", lang, group="sales"))
    value_head = i18n.label("month_value" if perf.pace.complete else "month_to_date_value", lang)
    value_col, rate_col = _column(ws, value_head), _column(ws, i18n.label("achievement_rate", lang, group="sales_glance"))
    rows = {ws.cell(row=i, column=1).value: i for i in range(2, 2 + _data_rows(ws))}
    pen = rows[i18n.label("insurance_penetration", lang, group="sales_measure")]
    assert ws.cell(row=pen, column=unit_col).value == "%"
    assert ws.cell(row=pen, column=value_col).value == pytest.approx(100 * g.loc["insurance_penetration", "value"])
    assert ws.cell(row=pen, column=value_col).number_format == COUNT  # whole cars, whole yuan, whole percent
    target_col = _column(ws, i18n.label("target", lang, group="sales_glance"))
    assert ws.cell(row=pen, column=target_col).value == pytest.approx(85)  # the 0.85 target, in percent
    cars = rows[i18n.label("deliveries", lang, group="sales_measure")]
    assert ws.cell(row=cars, column=unit_col).value == i18n.label("units", lang, group="sales_unit")
    assert ws.cell(row=cars, column=value_col).value == g.loc["deliveries", "value"]
    assert ws.cell(row=cars, column=rate_col).number_format == PCT
    assert ws.cell(row=cars, column=rate_col).value == pytest.approx(g.loc["deliveries", "achievement_rate"])
    if not perf.pace.complete:  # cars a day and projections keep their decimal
        projected = _column(ws, i18n.label("projected", lang, group="sales_glance"))
        assert ws.cell(row=cars, column=projected).number_format == ONE_DECIMAL
    for i in rows.values():  # no share shown as 0.88 next to a unit of cars or yuan
        unit, value = ws.cell(row=i, column=unit_col).value, ws.cell(row=i, column=value_col).value
        if unit != "%" and isinstance(value, float) and 0 < value < 1:
            pytest.fail(f"row {i}: {value} {unit}")
    ws = _sheet(wb, "comparison", lang)
    rows = {ws.cell(row=i, column=1).value: i for i in range(2, 2 + _data_rows(ws))}
    reg = rows[i18n.label("registration_rate", lang)]
    assert ws.cell(row=reg, column=2).value == "%"
    first_change = next(c for c in perf.comparison.columns if c.startswith("change_"))
    change = ws.cell(row=reg, column=list(perf.comparison.columns).index(first_change) + 2)  # after the unit column
    assert change.number_format == ONE_DECIMAL  # in percentage points for a share
    assert change.value == pytest.approx(100 * perf.comparison.set_index("measure").loc["registration_rate",
                                                                                       first_change])
    assert ws.cell(row=rows[i18n.label("visitors_total", lang)], column=2).value == \
        i18n.label("visitors", lang, group="sales_unit")


def test_totals_are_in_their_own_labelled_row_below_the_data(run):
    lang, _, wb, _ = run
    ws = _sheet(wb, "by_consultant", lang)
    n = _data_rows(ws)
    blank, total = n + 2, n + 3
    assert all(c.value is None for c in ws[blank]) and ws.max_row == total
    assert ws.auto_filter.ref.endswith(str(n + 1))  # the filter covers the data, not the total
    assert ws.cell(row=total, column=1).value == i18n.t("total", lang)
    for code, fmt in (("deliveries_units", COUNT), ("credited_gross_profit_cny", MONEY)):
        j = _column(ws, i18n.label(code, lang))
        assert ws.cell(row=total, column=j).value == pytest.approx(sum(ws.cell(row=i, column=j).value
                                                                        for i in range(2, n + 2)))
        assert ws.cell(row=total, column=j).number_format == fmt
    assert ws.cell(row=total, column=_column(ws, i18n.label("units_achievement_rate", lang))).value is None
    assert ws.freeze_panes == "C2"  # consultant and store stay in view
    glance = _sheet(wb, "glance", lang)
    assert glance.max_row == _data_rows(glance) + 1  # cars, yuan and shares do not add up


def test_consultants_deliveries_counted_from_the_ledger(run):
    lang, perf, wb, orders = run
    start, end = perf.month_to_date.start, perf.month_to_date.end
    delivered = orders.loc[orders["delivered_at"].between(start, end + pd.Timedelta(days=1), inclusive="left")]
    expected = delivered.dropna(subset=["consultant_id"]).groupby("consultant_id").size()
    assert expected.sum() >= 2  # the check means something
    ws = _sheet(wb, "by_consultant", lang)
    j = _column(ws, i18n.label("deliveries_units", lang))
    fleet = i18n.label(NO_CONSULTANT, lang)
    got = {}
    for i in range(2, 2 + _data_rows(ws)):
        name = str(ws.cell(row=i, column=1).value)
        got[name if name == fleet else name.split(" ")[0]] = ws.cell(row=i, column=j).value
    for staff_id, n in expected.items():
        assert got[staff_id] == n, staff_id
    others = {k: v for k, v in got.items() if k not in expected.index and k != fleet}
    assert all(v == 0 for v in others.values()), others  # listed for orders or targets, no car delivered
    assert got.get(fleet, 0) == delivered["consultant_id"].isna().sum()


def test_about_sheet_defines_every_column_and_names_the_run(run):
    lang, perf, wb, _ = run
    about = wb.worksheets[0]
    assert about.title == i18n.t("about_sheet", lang)
    assert about["A1"].value == i18n.t("sales.excel_title", lang)
    facts = {about.cell(row=i, column=1).value: about.cell(row=i, column=2).value for i in range(3, 8)}
    assert facts[i18n.t("about_dealer", lang)] == "示范汽车"
    assert facts[i18n.t("about_period", lang)] == perf.period.label
    assert facts[i18n.t("about_personal_data", lang)] == i18n.t("masked", lang)
    head = next(i for i in range(1, about.max_row + 1)
                if about.cell(row=i, column=1).value == i18n.t("about_sheet_col", lang))
    defined = {(about.cell(row=i, column=1).value, about.cell(row=i, column=2).value): about.cell(row=i, column=3).value
               for i in range(head + 1, about.max_row + 1)}
    assert len(wb.worksheets) >= 8
    for ws in wb.worksheets[1:]:
        for cell in ws[1]:
            definition = defined.get((ws.title, cell.value))
            assert definition and definition.strip() and definition != cell.value, (ws.title, cell.value)
            assert not definition.startswith("sales."), definition


def test_no_code_names_anywhere(run):
    lang, _, wb, _ = run
    snake = re.compile(r"\b[a-z]+_[a-z_]+\b")
    for ws in wb.worksheets:
        assert not snake.search(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not snake.search(cell.value), (ws.title, cell.coordinate, cell.value)
                    assert "{" not in cell.value, (ws.title, cell.coordinate, cell.value)
    if lang == "zh":
        heads = [c.value for ws in wb.worksheets[1:] for c in ws[1]]
        assert all(not str(h).isascii() for h in heads), heads
