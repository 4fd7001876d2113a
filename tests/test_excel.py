"""Excel workbooks a manager keeps (kit.report.excel): read back with openpyxl, formats checked, not only values."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kit.report import Sheet, export_excel, mask_name, neutralise, write_workbook

HOSTILE = ['=HYPERLINK("http://evil.example/x","click")', "+1+1", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1",
           "=cmd|' /C calc'!A0", "＝1+1", "-HYPERLINK(\"http://e\")"]
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "consultant_name": ["张伟", "Li Wei", "欧阳小明"],
        "bonus_cny": [8266.39, 1200.0, np.nan],
        "probability": [0.6537960184517756, 0.1, 0.25],
        "on_hand_units": [12, 3, 0],
        "gate_factor": [1.0, 0.5, 0.0],
        "created_at": pd.to_datetime(["2026-10-22", "2026-10-01", "2026-09-30"]),
        "plan_month": pd.period_range("2026-10", periods=3, freq="M"),
        "overdue": [True, False, None],
        "why": ["+ 来源：来店", "− 久未联系", "ok"],
    })


FORMATS = {"probability": "pct", "gate_factor": "number", "overdue": "bool"}


def _write(tmp_path, lang="zh", name="book.xlsx", **sheet_kw):
    sheet_kw.setdefault("formats", FORMATS)
    path = write_workbook({"call_list": Sheet(_frame(), **sheet_kw)}, tmp_path / name, lang=lang,
                          title="回访清单" if lang == "zh" else "Call list", dealer="示范汽车", period="2026-10",
                          masked=True)
    return openpyxl.load_workbook(path), path


def _column(ws, header: str) -> list:
    heads = [c.value for c in ws[1]]
    j = heads.index(header) + 1
    return [ws.cell(row=i, column=j) for i in range(2, ws.max_row + 1)]


def test_number_formats_follow_the_column_kind(tmp_path):
    wb, _ = _write(tmp_path, lang="zh")
    ws = wb.worksheets[1]
    money, pct, cars, factor, date, month = (_column(ws, h) for h in
                                             ("奖金", "成交概率", "在库", "门槛系数", "登记日期", "订车月份"))
    assert money[0].value == pytest.approx(8266.39) and money[0].number_format == '"¥"#,##0'
    assert money[2].value is None, "a missing amount is an empty cell, not NaN"
    assert pct[0].value == pytest.approx(0.6537960184517756) and pct[0].number_format == "0.0%"
    assert cars[0].value == 12 and cars[0].data_type == "n" and cars[0].number_format == "#,##0"
    assert factor[1].number_format == "#,##0.00"
    assert date[0].is_date and date[0].number_format == "yyyy-mm-dd"
    assert date[0].value == dt.datetime(2026, 10, 22) and "h" not in date[0].number_format
    assert [c.value for c in month[:3]] == ["2026-10", "2026-11", "2026-12"] and month[0].data_type == "s"


def test_headers_are_in_the_reports_language_and_never_identifiers(tmp_path):
    zh, _ = _write(tmp_path, lang="zh", name="zh.xlsx")
    en, _ = _write(tmp_path, lang="en", name="en.xlsx")
    zh_heads = [c.value for c in zh.worksheets[1][1]]
    en_heads = [c.value for c in en.worksheets[1][1]]
    assert zh_heads[:4] == ["顾问姓名", "奖金", "成交概率", "在库"]
    assert en_heads[:4] == ["Consultant name", "Bonus", "Chance of buying", "On hand"]
    assert zh.sheetnames == ["说明", "回访清单"] and en.sheetnames == ["About", "Call list"]
    # a column the catalog does not know is still not shown as a snake_case identifier
    path = write_workbook({"x": pd.DataFrame({"some_new_column": [1]})}, tmp_path / "u.xlsx", lang="en")
    head = openpyxl.load_workbook(path).worksheets[1]["A1"].value
    assert head == "Some new column"
    for heads in (zh_heads, en_heads):
        assert not [h for h in heads if SNAKE.match(str(h))]


def test_flags_are_yes_no_in_both_languages(tmp_path):
    zh, _ = _write(tmp_path, lang="zh", name="zh.xlsx")
    en, _ = _write(tmp_path, lang="en", name="en.xlsx")
    assert [c.value for c in _column(zh.worksheets[1], "超期")] == ["是", "否", None]
    assert [c.value for c in _column(en.worksheets[1], "Overdue")] == ["Yes", "No", None]


def test_autofilter_and_frozen_header(tmp_path):
    wb, _ = _write(tmp_path, freeze_columns=1)
    ws = wb.worksheets[1]
    assert ws.auto_filter.ref == "A1:I4"
    assert ws.freeze_panes == "B2"
    wb, _ = _write(tmp_path, name="b.xlsx")
    assert wb.worksheets[1].freeze_panes == "A2"


def test_totals_sit_in_their_own_labelled_row_below_the_data(tmp_path):
    wb, _ = _write(tmp_path, totals=["bonus_cny", "on_hand_units", "overdue"])
    ws = wb.worksheets[1]
    assert ws.auto_filter.ref == "A1:I4", "the filter covers the data rows only"
    assert all(c.value is None for c in ws[5]), "one empty row between the data and the totals"
    total = {ws.cell(row=1, column=c.column).value: c for c in ws[6]}
    assert total["顾问姓名"].value == "合计" and total["顾问姓名"].font.b
    assert total["奖金"].value == pytest.approx(8266.39 + 1200.0) and total["奖金"].number_format == '"¥"#,##0'
    assert total["在库"].value == 15
    assert total["超期"].value == 1 and total["超期"].data_type == "n", "a total of flags is a count"
    # a sum over the data rows (what a manager selects) is not doubled by the totals row
    data_sum = sum(c.value for c in _column(ws, "在库")[:3])
    assert data_sum == 15
    assert ws.max_row == 6


def test_totals_name_a_missing_column_clearly_and_leave_no_file(tmp_path):
    with pytest.raises(ValueError, match="no column 'nope'"):
        _write(tmp_path, totals=["nope"])
    assert list(tmp_path.iterdir()) == []


def test_no_cell_is_a_formula_even_for_hostile_text(tmp_path):
    n = len(HOSTILE)
    frame = pd.DataFrame({"customer_name": HOSTILE, "masked": [mask_name(v) for v in HOSTILE],
                          "lead_id": HOSTILE[::-1], "amount": [i - 4 for i in range(n)],
                          "label": ["-5", "+3.5%", "-1,234.5", "ok", "@", "-", "+", "=", "x"]})
    path = write_workbook({"=evil": Sheet(frame, labels={"lead_id": "=1+1"}),
                           "call_list": frame}, tmp_path / "hostile.xlsx", lang="en", title="=HYPERLINK(\"x\")",
                          dealer="@dealer", period="-2026-10", run="+run")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8") and "<f " not in z.read(name).decode("utf-8")
    ws = wb.worksheets[1]
    names = _column(ws, "Customer")
    # text reads as given (an XML reader turns a carriage return into a line feed)
    assert [c.value for c in names] == [v.replace("\r", "\n") for v in HOSTILE]
    assert all(c.quotePrefix for c in names), "Excel keeps them as text when edited"
    masked = _column(ws, "Masked")
    assert masked[0].value == "=" + "*" * (len(HOSTILE[0]) - 1) and masked[0].quotePrefix
    amounts = _column(ws, "Amount")
    assert [c.value for c in amounts] == [i - 4 for i in range(n)] and amounts[0].data_type == "n"
    labels = {c.value: c.quotePrefix for c in _column(ws, "Label")}
    assert labels["-5"] is False and labels["+3.5%"] is False and labels["-1,234.5"] is False
    assert labels["@"] is True and labels["="] is True
    assert wb.worksheets[0]["A1"].value == '=HYPERLINK("x")'


def test_neutralise_for_csv_prefixes_an_apostrophe():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("@x") == "'@x" and neutralise("\t=1") == "'\t=1" and neutralise("＝1") == "'＝1"
    assert neutralise("-5") == "-5" and neutralise("张伟") == "张伟"
    assert neutralise("a\x00b") == "a\ufffdb"


def test_about_sheet_says_what_for_whom_and_defines_every_column(tmp_path):
    wb, _ = _write(tmp_path, lang="zh")
    about = wb.worksheets[0]
    rows = [tuple(c.value for c in row) for row in about.iter_rows()]
    assert rows[0][0] == "回访清单"
    facts = {r[0]: r[1] for r in rows if r[0] and r[1] and r[2] is None}
    assert facts["经销商"] == "示范汽车" and facts["期间"] == "2026-10"
    assert facts["个人信息"].startswith("已遮蔽")
    defs = {r[1]: r[2] for r in rows if r[0] == "回访清单" and r[1]}
    heads = [c.value for c in wb.worksheets[1][1]]
    assert set(heads) <= set(defs), "every column is listed"
    undefined = [h for h in heads if not defs[h]]
    assert not undefined, f"columns without a definition: {undefined}"
    assert "成交概率" in defs["成交概率"] or "概率" in defs["成交概率"]


def test_same_inputs_give_the_same_file_byte_for_byte(tmp_path):
    _, a = _write(tmp_path, name="a.xlsx")
    _, b = _write(tmp_path, name="b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        core = z.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_rewrite_is_atomic_and_leaves_no_temporary_file(tmp_path):
    _, path = _write(tmp_path, name="book.xlsx")
    before = path.read_bytes()
    with pytest.raises(ValueError):
        _write(tmp_path, name="book.xlsx", totals=["nope"])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_widths_fit_the_text_and_chinese_counts_double(tmp_path):
    frame = pd.DataFrame({"a": ["abcdefghij"] * 3, "b": ["张三李四王五赵六孙七"] * 3, "c": ["x" * 300] * 3})
    path = write_workbook({"w": Sheet(frame, labels={"a": "A", "b": "B", "c": "C"})}, tmp_path / "w.xlsx")
    dims = openpyxl.load_workbook(path).worksheets[1].column_dimensions
    assert dims["A"].width == 12 and dims["B"].width == 22 and dims["C"].width == 50


def test_awkward_values_do_not_break_the_file(tmp_path):
    frame = pd.DataFrame({"text": ["a\x00b", "x" * 40000, None],
                          "when": pd.to_datetime(["2026-10-01 08:30", None, "2026-10-02 00:00"]).tz_localize("Asia/Shanghai"),
                          "n": [np.inf, -np.inf, np.nan]})
    path = write_workbook({"odd": frame}, tmp_path / "odd.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[1]
    assert ws["A2"].value == "a\ufffdb" and len(ws["A3"].value) == 32000
    assert ws["B2"].value == dt.datetime(2026, 10, 1, 8, 30) and ws["B2"].number_format == "yyyy-mm-dd hh:mm"
    assert [ws.cell(row=i, column=3).value for i in (2, 3, 4)] == [None, None, None]


def test_sheet_names_are_valid_and_unique(tmp_path):
    path = write_workbook({"a/b": pd.DataFrame({"x": [1]}), "a:b": pd.DataFrame({"x": [2]}),
                           "y" * 40: pd.DataFrame({"x": [3]})}, tmp_path / "n.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert names[1:] == ["a b", "a b (2)", "Y" + "y" * 30]


def test_export_excel_keeps_the_old_call_form_and_links_relatively(tmp_path):
    assert export_excel({"call_list": _frame()}, output_dir="", file_name="x.xlsx") is None
    note = export_excel({"call_list": _frame()}, output_dir=tmp_path, file_name="call_list_<2026>.xlsx", lang="zh")
    assert (tmp_path / "call_list_<2026>.xlsx").is_file()
    assert 'href="call_list_&lt;2026&gt;.xlsx"' in note.data and "Excel" in note.data
    wb = openpyxl.load_workbook(tmp_path / "call_list_<2026>.xlsx")
    assert wb.sheetnames == ["说明", "回访清单"]


def test_empty_sheet_still_has_headers_and_filter(tmp_path):
    path = write_workbook({"call_list": Sheet(_frame().iloc[:0], totals=["bonus_cny"])}, tmp_path / "e.xlsx",
                          lang="en")
    ws = openpyxl.load_workbook(path).worksheets[1]
    assert ws["A1"].value == "Consultant name" and ws.auto_filter.ref == "A1:I1"
    assert ws["A3"].value == "Total" and ws["B3"].value == 0
