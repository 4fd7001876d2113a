"""Loading and validating a dealership's tables (kit.io): encodings, dealer-style Excel exports, every contract
rule, and the one-pass folder check behind ``kit validate``.

Every test writes its own small input files into ``tmp_path``: a valid minimal dealership folder (all required
tables as CSV) with one thing broken per test. Expected row numbers are the rows as Excel shows them: the header is
row 1 (or the row below the title rows), so the first data row is row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from kit import cli, io, schemas
from kit.exceptions import DataContractError

# A valid minimal dealership. Excel rows: header = row 1, first data row = row 2.
VALID_TABLES: dict[str, list[list[str]]] = {
    "leads": [
        ["lead_id", "store_id", "created_at", "channel", "consultant_id", "model_interest", "visits", "test_drive",
         "quoted", "trade_in", "finance", "grade", "status", "closed_at"],
        ["L1", "S1", "2026-10-01", "walk_in", "E1", "Aurora", "2", "true", "true", "false", "true", "A", "open", ""],
        ["L2", "S1", "2026-10-02", "phone", "E1", "Aurora", "1", "false", "true", "false", "false", "O", "won",
         "2026-10-20"],
        ["L3", "S2", "2026-10-03", "online", "E2", "Borealis", "0", "false", "false", "false", "false", "F", "lost",
         "2026-10-25"],
    ],
    "followups": [
        ["lead_id", "at", "consultant_id", "kind", "outcome"],
        ["L1", "2026-10-02 10:00", "E1", "call", "invited for a test drive"],
        ["L2", "2026-10-05 14:30", "E1", "visit", ""],
    ],
    "staff": [
        ["staff_id", "name", "store_id", "department", "role", "hire_date", "leave_date", "leave_type", "manager_id"],
        ["E1", "张伟", "S1", "sales", "sales_consultant", "2024-03-11", "", "", "E3"],
        ["E2", "李娜", "S2", "sales", "sales_consultant", "2023-01-05", "2026-09-30", "voluntary", "E3"],
        ["E3", "王强", "S1", "sales", "showroom_manager", "2020-01-01", "", "", ""],
    ],
    "kpi": [
        ["month", "staff_id", "metric", "actual", "target"],
        ["2026-10", "E1", "units_sold", "9", "10"],
        ["2026-10", "E3", "units_sold", "30", "28"],
    ],
    "sales": [
        ["month", "store_id", "model", "units"],
        ["2026-09", "S1", "Aurora", "41"],
        ["2026-10", "S1", "Aurora", "38"],
    ],
    "stock": [
        ["store_id", "model", "on_hand", "in_transit", "as_of"],
        ["S1", "Aurora", "38", "12", "2026-10-31"],
    ],
}


# --------------------------------------------------------------------------- helpers


def rows_of(name: str) -> list[list[str]]:
    """A fresh copy of a valid table's rows (header first)."""
    return [list(r) for r in VALID_TABLES[name]]


def with_cell(name: str, excel_row: int, column: str, value: str) -> list[list[str]]:
    """The valid table with one cell replaced; ``excel_row`` 1 is the header."""
    rows = rows_of(name)
    rows[excel_row - 1][rows[0].index(column)] = value
    return rows


def with_column(rows: list[list[str]], column: str, values: list[str]) -> list[list[str]]:
    return [rows[0] + [column]] + [r + [v] for r, v in zip(rows[1:], values)]


def without_column(rows: list[list[str]], column: str) -> list[list[str]]:
    i = rows[0].index(column)
    return [r[:i] + r[i + 1:] for r in rows]


def write_csv(folder: Path, name: str, rows: list[list], *, encoding: str = "utf-8") -> Path:
    path = folder / f"{name}.csv"
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], *, title_rows: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    for title in title_rows:
        ws.append([title])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def read_error(path: Path, table: str) -> DataContractError:
    with pytest.raises(DataContractError) as info:
        io.read_table(path, table)
    return info.value


def only_error(path: Path, table: str) -> io.Problem:
    """The single problem of a file that breaks exactly one rule."""
    err = read_error(path, table)
    errors = [p for p in err.problems if p.severity == "error"]
    assert len(errors) == 1, str(err)
    return errors[0]


# KPI profiles and gates that name only the metric the valid kpi table has
VALID_SETTINGS = ("dealer:\n  name: Test Motors\n  stores: {S1: East, S2: West}\n"
                  "kpi:\n  profiles: {mature: {units_sold: 1.0}}\n  stages: [{from: '2026-01', stage: mature}]\n"
                  "  gates: []\n  bonus: {profit_commission_rate: 0}\n")


@pytest.fixture()
def dealer_dir(tmp_path: Path) -> Path:
    """A valid folder with every required table as UTF-8 CSV and a small dealer.yml."""
    folder = tmp_path / "dealer"
    folder.mkdir()
    for name in VALID_TABLES:
        write_csv(folder, name, rows_of(name))
    (folder / "dealer.yml").write_text(VALID_SETTINGS, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the valid folder


def test_valid_tables_parse_to_typed_frames(dealer_dir):
    leads = io.read_table(dealer_dir / "leads.csv", "leads")
    assert leads.warnings == []
    frame = leads.frame
    assert list(frame.columns) == schemas.LEADS.column_names
    assert frame["lead_id"].tolist() == ["L1", "L2", "L3"]
    assert frame["created_at"].tolist() == [pd.Timestamp(2026, 10, d) for d in (1, 2, 3)]
    assert frame["visits"].tolist() == [2, 1, 0]
    assert frame["test_drive"].tolist() == [True, False, False]
    assert frame["closed_at"].isna().tolist() == [True, False, False]
    assert pd.api.types.is_datetime64_any_dtype(frame["closed_at"])

    followups = io.read_table(dealer_dir / "followups.csv", "followups").frame
    assert followups["at"].tolist() == [pd.Timestamp(2026, 10, 2, 10, 0), pd.Timestamp(2026, 10, 5, 14, 30)]
    kpi = io.read_table(dealer_dir / "kpi.csv", "kpi").frame
    assert kpi["month"].tolist() == ["2026-10", "2026-10"]
    assert kpi["actual"].tolist() == [9.0, 30.0]


def test_loader_functions_read_each_table(dealer_dir):
    assert len(io.load_leads(dealer_dir)) == 3
    assert len(io.load_followups(dealer_dir)) == 2
    assert io.load_staff(dealer_dir)["leave_type"].tolist()[1] == "voluntary"
    assert io.load_kpis(dealer_dir)["target"].tolist() == [10.0, 28.0]
    assert io.load_sales(dealer_dir)["units"].tolist() == [41, 38]
    assert io.load_stock(dealer_dir)["as_of"].tolist() == [pd.Timestamp(2026, 10, 31)]


def test_loading_a_missing_table_names_it(dealer_dir):
    (dealer_dir / "stock.csv").unlink()
    with pytest.raises(DataContractError, match=r"no stock\.csv or stock\.xlsx"):
        io.load_stock(dealer_dir)


# --------------------------------------------------------------------------- encodings

# names in Chinese and a Chinese department, so the encodings really differ byte for byte
STAFF_ZH = [r[:3] + (["销售部"] if i else ["department"]) + r[4:] for i, r in enumerate(VALID_TABLES["staff"])]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_read_to_the_same_frame(tmp_path, encoding):
    base = io.read_table(write_csv(tmp_path, "staff", STAFF_ZH, encoding="utf-8"), "staff").frame
    other_dir = tmp_path / encoding
    other_dir.mkdir()
    path = write_csv(other_dir, "staff", STAFF_ZH, encoding=encoding)
    assert path.read_bytes() != (tmp_path / "staff.csv").read_bytes()
    frame = io.read_table(path, "staff").frame
    pd.testing.assert_frame_equal(frame, base)
    assert frame["name"].tolist() == ["张伟", "李娜", "王强"]
    assert frame["department"].tolist() == ["sales"] * 3  # 销售部 mapped to the canonical code


def test_gb18030_only_characters_are_read(tmp_path):
    rows = with_cell("staff", 2, "name", "张𠮷")  # U+20BB7 is in GB18030 but not in GBK
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    frame = io.read_table(write_csv(tmp_path, "staff", rows, encoding="gb18030"), "staff").frame
    assert frame["name"].tolist()[0] == "张𠮷"


@pytest.mark.parametrize(
    "encoding, replacement",
    [("utf-16", "张伟"), ("latin-1", "Zoë")],  # 0xEB followed by ',' is not a GB18030 sequence
)
def test_other_encodings_are_reported(tmp_path, encoding, replacement):
    rows = rows_of("staff")
    for r in rows[1:]:
        r[1] = replacement
    path = write_csv(tmp_path, "staff", rows, encoding=encoding)
    raw = path.read_bytes()
    for enc in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            raw.decode(enc)
    message = str(read_error(path, "staff"))
    assert "staff.csv" in message
    assert "neither UTF-8 nor GBK" in message


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b",,,\n,,\n"])
def test_an_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "sales.csv"
    path.write_bytes(content)
    message = str(read_error(path, "sales"))
    assert "sales.csv" in message
    assert "empty" in message


def test_a_header_only_file_is_a_valid_table_with_no_rows(tmp_path):
    path = write_csv(tmp_path, "leads", rows_of("leads")[:1])
    table = io.read_table(path, "leads")
    assert len(table.frame) == 0
    assert [p for p in table.warnings if p.severity == "error"] == []
    assert list(table.frame.columns) == schemas.LEADS.column_names
    assert pd.api.types.is_datetime64_any_dtype(table.frame["created_at"])


def test_tab_separated_export_is_read(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("\n".join("\t".join(r) for r in rows_of("sales")) + "\n", encoding="utf-8")
    assert io.read_table(path, "sales").frame["units"].tolist() == [41, 38]


# --------------------------------------------------------------------------- dealer-style Excel exports

TITLES = ("示范汽车 意向客户明细", "导出时间：2026-11-01 08:00")  # two title rows above the header (row 3)


def _leads_xlsx(path: Path, *, channel_row5: str = "来电") -> Path:
    zh = schemas.CHINESE_HEADERS["leads"]
    header = [zh[c] for c in VALID_TABLES["leads"][0]] + [zh["delivered_at"], "备注"]
    header[6] += " "  # a stray space after 到店次数 must not matter
    rows = [
        header,
        # Excel row 4: a real Excel date cell; 是/否 booleans; Chinese channel and status
        ["L1", "S1", dt.datetime(2026, 10, 1), "来店", "E1", "Aurora", 2, "是", "是", "否", "是", "A", "跟进中",
         None, None, "老客户"],
        # Excel row 5: a date typed as a serial number: 46296 = 2026-01-01 (46023) + 273 days = 2026-10-01;
        # closed_at as 2026/10/20 text; delivered_at as 2026年10月31日
        ["L2", "S1", 46296, channel_row5, "E1", "Aurora", 1, "否", "是", "否", "否", "O", "成交", "2026/10/20",
         "2026年10月31日", None],
        # Excel row 6: Chinese text date and a close date with a time of day
        ["L3", "S2", "2026年10月3日", "网络", "E2", "Borealis", 0, "否", "否", "否", "否", "F", "战败",
         dt.datetime(2026, 10, 25, 15, 30), None, None],
    ]
    return write_xlsx(path, rows, title_rows=TITLES)


def test_xlsx_with_chinese_headers_and_title_rows(tmp_path):
    table = io.read_table(_leads_xlsx(tmp_path / "leads.xlsx"), "leads")
    assert table.header_row == 3
    frame = table.frame
    assert frame["lead_id"].tolist() == ["L1", "L2", "L3"]
    assert frame["created_at"].tolist() == [pd.Timestamp(2026, 10, 1)] * 2 + [pd.Timestamp(2026, 10, 3)]
    assert frame["closed_at"].tolist()[1:] == [pd.Timestamp(2026, 10, 20), pd.Timestamp(2026, 10, 25)]
    assert frame["delivered_at"].tolist()[1] == pd.Timestamp(2026, 10, 31)
    assert frame["channel"].tolist() == ["walk_in", "phone", "online"]
    assert frame["status"].tolist() == ["open", "won", "lost"]
    assert frame["test_drive"].tolist() == [True, False, False]
    assert frame["finance"].tolist() == [True, False, False]
    assert frame["visits"].tolist() == [2, 1, 0]
    # 备注 is not in the contract: kept, and reported as a warning only
    assert frame["备注"].tolist()[0] == "老客户"
    assert [(p.severity, p.column) for p in table.warnings] == [("warning", "备注")]


def test_xlsx_row_numbers_count_the_title_rows(tmp_path):
    path = _leads_xlsx(tmp_path / "leads.xlsx", channel_row5="电视广告")
    problem = only_error(path, "leads")
    assert problem.rows == (5,)
    assert "leads.xlsx row 5, column channel: one of walk_in, phone, online, referral, event" in str(problem)
    assert "'电视广告'" in str(problem)


def test_csv_title_row_above_the_header_counts_in_row_numbers(tmp_path):
    zh = schemas.CHINESE_HEADERS["sales"]
    rows = [["交车台数月报"], [zh[c] for c in VALID_TABLES["sales"][0]],
            ["2026年9月", "S1", "Aurora", "41"], ["2026年10月", "S1", "Aurora", "-4"]]
    path = write_csv(tmp_path, "sales", rows, encoding="gbk")
    problem = only_error(path, "sales")
    assert problem.rows == (4,)
    assert str(problem).startswith("sales.csv row 4, column units: a value of at least 0; got '-4'")


def test_xlsx_staff_and_followups_with_chinese_values(tmp_path):
    zh = schemas.CHINESE_HEADERS["staff"]
    staff = [[zh[c] for c in VALID_TABLES["staff"][0]],
             ["E1", "张伟", "S1", "销售部", "销售顾问", dt.datetime(2024, 3, 11), None, None, "E3"],
             ["E2", "李娜", "S2", "销售部", "销售顾问", "2023/1/5", dt.datetime(2026, 9, 30), "主动离职", "E3"],
             ["E4", "赵敏", "S2", "售后部", "服务顾问", "2022年2月1日", "2026-08-31", "辞退", None]]
    frame = io.read_table(write_xlsx(tmp_path / "staff.xlsx", staff, title_rows=TITLES), "staff").frame
    assert frame["leave_type"].isna().tolist() == [True, False, False]
    assert frame["leave_type"].tolist()[1:] == ["voluntary", "involuntary"]
    assert frame["role"].tolist() == ["sales_consultant", "sales_consultant", "service_advisor"]
    assert frame["department"].tolist() == ["sales", "sales", "after_sales"]
    assert frame["hire_date"].tolist() == [pd.Timestamp(2024, 3, 11), pd.Timestamp(2023, 1, 5),
                                           pd.Timestamp(2022, 2, 1)]

    zh = schemas.CHINESE_HEADERS["followups"]
    followups = [[zh[c] for c in VALID_TABLES["followups"][0]],
                 ["L1", dt.datetime(2026, 10, 2, 10, 0), "E1", "电话", "邀约试驾"],
                 ["L2", "2026年10月5日 14:30", "E1", "到店", None],
                 ["L2", 46300.75, "E1", "微信", None]]  # serial 46300 = 2026-10-05, .75 of a day = 18:00
    frame = io.read_table(write_xlsx(tmp_path / "followups.xlsx", followups), "followups").frame
    assert frame["at"].tolist() == [pd.Timestamp(2026, 10, 2, 10, 0), pd.Timestamp(2026, 10, 5, 14, 30),
                                    pd.Timestamp(2026, 10, 5, 18, 0)]
    assert frame["kind"].tolist() == ["call", "visit", "wechat"]


def test_month_column_forms(tmp_path):
    rows = [VALID_TABLES["sales"][0], ["2026年10月", "S1", "Aurora", "38"], ["2026/9", "S1", "Aurora", "41"],
            ["202608", "S1", "Aurora", "40"], ["2026-07-01", "S1", "Aurora", "39"]]
    frame = io.read_table(write_csv(tmp_path, "sales", rows), "sales").frame
    assert frame["month"].tolist() == ["2026-10", "2026-09", "2026-08", "2026-07"]
    wb_rows = [VALID_TABLES["sales"][0], [dt.datetime(2026, 10, 1), "S1", "Aurora", 38]]
    frame = io.read_table(write_xlsx(tmp_path / "sales.xlsx", wb_rows), "sales").frame
    assert frame["month"].tolist() == ["2026-10"]


# --------------------------------------------------------------------------- every rule, one broken thing each

# (table, rows, Excel rows, column, expected text, found text)
RULE_CASES = {
    "unknown category": ("leads", with_cell("leads", 3, "channel", "tv"), (3,), "channel",
                         "one of walk_in, phone, online, referral, event", "'tv'"),
    "unknown leave type": ("staff", with_cell("staff", 3, "leave_type", "retired"), (3,), "leave_type",
                           "one of voluntary, involuntary", "'retired'"),
    "unparseable date": ("leads", with_cell("leads", 3, "created_at", "2026-13-45"), (3,), "created_at",
                         "a date such as 2026-10-31", "'2026-13-45'"),
    "day-first date": ("staff", with_cell("staff", 4, "hire_date", "31/10/2026"), (4,), "hire_date",
                       "a date such as", "'31/10/2026'"),
    "unparseable month": ("sales", with_cell("sales", 2, "month", "Sept 2026"), (2,), "month",
                          "a month such as 2026-10", "'Sept 2026'"),
    "negative count": ("stock", with_cell("stock", 2, "on_hand", "-2"), (2,), "on_hand", "at least 0", "'-2'"),
    "non-integer count": ("sales", with_cell("sales", 3, "units", "2.5"), (3,), "units", "a whole number",
                          "'2.5'"),
    "text in a count": ("leads", with_cell("leads", 4, "visits", "两次"), (4,), "visits", "a whole number",
                        "'两次'"),
    "bad boolean": ("leads", with_cell("leads", 2, "test_drive", "maybe"), (2,), "test_drive", "是/否",
                    "'maybe'"),
    "not a number": ("kpi", with_cell("kpi", 3, "actual", "n.a."), (3,), "actual", "a number", "'n.a.'"),
    "empty required cell": ("staff", with_cell("staff", 3, "role", ""), (3,), "role", "a value in every row",
                            "empty"),
    "duplicate lead id": ("leads", with_cell("leads", 4, "lead_id", "L2"), (3, 4), "lead_id",
                          "each lead_id only once", "duplicates"),
    "duplicate staff id": ("staff", with_cell("staff", 4, "staff_id", "E1"), (2, 4), "staff_id",
                           "each staff_id only once", "duplicates"),
    # the same month written two ways is still the same key
    "duplicate kpi key": ("kpi", [VALID_TABLES["kpi"][0], ["2026-10", "E1", "units_sold", "9", "10"],
                                  ["2026年10月", "E1", "units_sold", "8", "10"]],
                          (2, 3), "month, staff_id, metric", "only once", "duplicates"),
    "won without closed_at": ("leads", with_cell("leads", 3, "closed_at", ""), (3,), "closed_at",
                              "a won or lost lead needs its close date", "empty"),
    "lost without closed_at": ("leads", with_cell("leads", 4, "closed_at", ""), (4,), "closed_at",
                               "a won or lost lead needs its close date", "empty"),
    "open with closed_at": ("leads", with_cell("leads", 2, "closed_at", "2026-10-05"), (2,), "closed_at",
                            "no close date on an open lead", "a date"),
    "closed before created": ("leads", with_cell("leads", 3, "closed_at", "2026-09-01"), (3,), "closed_at",
                              "on or after created_at", "closed_at 2026-09-01 before created_at 2026-10-02"),
    "delivered on a lost lead": ("leads", with_column(rows_of("leads"), "delivered_at", ["", "2026-10-28",
                                                                                        "2026-10-30"]),
                                 (4,), "delivered_at", "a delivery date only on won leads", "not won"),
    "leave before hire": ("staff", with_cell("staff", 3, "leave_date", "2022-12-31"), (3,), "leave_date",
                          "on or after hire_date", "leave_date 2022-12-31 before hire_date"),
    "leaver without leave_type": ("staff", with_cell("staff", 3, "leave_type", ""), (3,), "leave_type",
                                  "voluntary or involuntary for everyone with a leave date", "empty"),
    "leave_type without leave_date": ("staff", with_cell("staff", 2, "leave_type", "involuntary"), (2,),
                                      "leave_date", "a leave date where leave_type is set", "empty"),
}


@pytest.mark.parametrize("case", list(RULE_CASES), ids=list(RULE_CASES))
def test_each_rule_names_file_row_column_expectation_and_value(tmp_path, case):
    table, rows, excel_rows, column, expected, found = RULE_CASES[case]
    problem = only_error(write_csv(tmp_path, table, rows), table)
    assert problem.severity == "error"
    assert problem.file == f"{table}.csv"
    assert problem.rows == excel_rows
    assert problem.column == column
    assert expected in problem.expected
    assert found in problem.found
    text = str(problem)
    listed = ", ".join(map(str, excel_rows))
    assert text.startswith(f"{table}.csv row{'s' if len(excel_rows) > 1 else ''} {listed}, column {column}: ")


def test_missing_required_column_lists_its_chinese_alias(tmp_path):
    path = write_csv(tmp_path, "leads", without_column(rows_of("leads"), "channel"))
    problem = only_error(path, "leads")
    assert problem.file == "leads.csv"
    assert problem.column == "channel"
    assert "channel (渠道" in problem.expected
    assert "lead_id" in problem.found  # the headers that were found


def test_missing_columns_in_a_chinese_export_are_all_named(tmp_path):
    zh = schemas.CHINESE_HEADERS["staff"]
    header = [zh[c] for c in VALID_TABLES["staff"][0] if c not in ("hire_date", "role")]
    path = write_xlsx(tmp_path / "staff.xlsx", [header, ["E1", "张伟", "S1", "销售部", None, None, None]])
    problem = only_error(path, "staff")
    assert problem.column == "role, hire_date"
    assert "入职日期" in problem.expected and "岗位" in problem.expected
    assert "员工编号" in problem.found


def test_two_headers_for_one_column_is_an_error(tmp_path):
    rows = with_column(rows_of("leads"), "线索编号", ["L1", "L2", "L3"])  # lead_id a second time, in Chinese
    problem = only_error(write_csv(tmp_path, "leads", rows), "leads")
    assert problem.column == "线索编号"
    assert "'lead_id' already came from another header" in problem.expected


def test_unknown_extra_column_is_a_warning_and_kept(tmp_path):
    rows = with_column(rows_of("staff"), "base_pay_cny", ["6000", "5500", "12000"])
    table = io.read_table(write_csv(tmp_path, "staff", rows), "staff")
    assert [(p.severity, p.file, p.column) for p in table.warnings] == [("warning", "staff.csv", "base_pay_cny")]
    assert "unknown column" in table.warnings[0].found
    # an all-number extra column is read as numbers, so the at-risk model can use it (exports are read as text)
    assert table.frame["base_pay_cny"].tolist() == [6000.0, 5500.0, 12000.0]


def test_extra_columns_become_numbers_only_when_every_filled_cell_is_one(tmp_path):
    rows = with_column(rows_of("staff"), "底薪", ["6,000", "", "¥12000"])
    rows = with_column(rows, "备注", ["good", "12", ""])
    frame = io.read_table(write_csv(tmp_path, "staff", rows), "staff").frame
    assert frame["底薪"].tolist()[0] == 6000.0 and pd.isna(frame["底薪"].tolist()[1])
    assert frame["底薪"].tolist()[2] == 12000.0
    assert frame["备注"].dtype == object or str(frame["备注"].dtype) == "string"
    assert frame["备注"].tolist()[:2] == ["good", "12"]


def test_unparseable_required_date_is_reported_once(tmp_path):
    # hire_date is required and not nullable: the bad text must not also be reported as an empty cell
    err = read_error(write_csv(tmp_path, "staff", with_cell("staff", 2, "hire_date", "soon")), "staff")
    assert [(p.column, p.rows) for p in err.problems] == [("hire_date", (2,))]


@pytest.mark.parametrize(
    "table, excel_row, column, value",
    [("leads", 3, "closed_at", "20th Oct"),      # won lead: not also "needs its close date; got empty"
     ("staff", 3, "leave_date", "last week")],   # leaver: not also "a leave date where leave_type is set"
)
def test_unparseable_date_is_not_also_reported_as_missing_by_a_rule(tmp_path, table, excel_row, column, value):
    problem = only_error(write_csv(tmp_path, table, with_cell(table, excel_row, column, value)), table)
    assert (problem.rows, problem.column) == ((excel_row,), column)
    assert repr(value) in problem.found


@pytest.mark.parametrize(
    "text, expected",
    [("2026-10-31", "2026-10-31"), ("2026/10/31", "2026-10-31"), ("2026年10月31日", "2026-10-31"),
     ("2026/1/5", "2026-01-05"), ("2026.1.5", "2026-01-05"), ("2026-10-31 14:30", "2026-10-31"),
     ("2026-10-31T14:30:00", "2026-10-31"), ("46326", "2026-10-31"),  # serial: 46296 is 2026-10-01, +30 days
     ("", None), ("2026-02-30", "bad"), ("31.10.2026", "bad"), ("10/31/2026", "bad")],
)
def test_date_forms(text, expected):
    parsed, bad = io.parse_dates(pd.Series([text], dtype="string"))
    if expected == "bad":
        assert bad.tolist() == [True]
    else:
        assert bad.tolist() == [False]
        assert parsed.tolist() == [pd.NaT if expected is None else pd.Timestamp(expected)]


def test_numbers_as_dealer_exports_write_them(tmp_path):
    rows = [VALID_TABLES["kpi"][0], ["2026-10", "E1", "registration_rate", "85%", "0.9"],
            ["2026-10", "E1", "gross_profit", "1,234,500", "¥1,000,000"]]
    frame = io.read_table(write_csv(tmp_path, "kpi", rows), "kpi").frame
    assert frame["actual"].tolist() == pytest.approx([0.85, 1234500.0])
    assert frame["target"].tolist() == [0.9, 1000000.0]


def test_blank_line_inside_the_data_keeps_excel_row_numbers(tmp_path):
    rows = rows_of("sales")
    rows.insert(2, [])                       # Excel row 3 is blank
    rows[3][rows[0].index("units")] = "-3"   # the bad row is Excel row 4
    problem = only_error(write_csv(tmp_path, "sales", rows), "sales")
    assert problem.rows == (4,)


def test_every_problem_of_one_file_in_one_error(tmp_path):
    rows = rows_of("leads")
    rows[1][rows[0].index("channel")] = "tv"          # row 2
    rows[2][rows[0].index("closed_at")] = ""          # row 3
    rows[3][rows[0].index("visits")] = "-1"           # row 4
    rows[3][rows[0].index("created_at")] = "someday"  # row 4
    err = read_error(write_csv(tmp_path, "leads", rows), "leads")
    assert str(err).startswith("4 problems in table 'leads':")
    assert sorted((p.rows, p.column) for p in err.problems) == [
        ((2,), "channel"), ((3,), "closed_at"), ((4,), "created_at"), ((4,), "visits")]
    for p in err.problems:
        assert f"  - {p}" in str(err)


def test_non_strict_read_returns_errors_instead_of_raising(tmp_path):
    table = io.read_table(write_csv(tmp_path, "sales", with_cell("sales", 3, "units", "-1")), "sales", strict=False)
    assert [(p.severity, p.rows) for p in table.warnings] == [("error", (3,))]
    assert len(table.frame) == 2


def test_many_bad_rows_are_summarised(tmp_path):
    rows = [VALID_TABLES["sales"][0]] + [[f"2026-{m:02d}", "S1", "Aurora", "-1"] for m in range(1, 13)]
    problem = only_error(write_csv(tmp_path, "sales", rows), "sales")
    assert problem.rows == tuple(range(2, 14))
    assert "(12 rows)" in str(problem)


def test_in_memory_frame_is_validated_with_row_numbers(tmp_path):
    frame = pd.DataFrame({"store_id": ["S1", "S2"], "model": ["Aurora", "Aurora"], "on_hand": [3, -1],
                          "in_transit": [0, 2], "as_of": pd.to_datetime(["2026-10-31", "2026-10-31"])})
    before = frame.copy()
    with pytest.raises(DataContractError) as info:
        io.frame_table(frame, "stock", name="stock.xlsx")
    assert [(p.file, p.rows, p.column) for p in info.value.problems] == [("stock.xlsx", (3,), "on_hand")]
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- the whole folder


def test_two_files_for_one_table(dealer_dir):
    write_xlsx(dealer_dir / "leads.xlsx", rows_of("leads"))
    with pytest.raises(DataContractError, match=r"leads\.csv and leads\.xlsx"):
        io.find_table_file(dealer_dir, "leads")
    report = io.validate_dir(dealer_dir)
    assert len(report.errors) == 1
    assert "both leads.csv and leads.xlsx" in str(report.errors[0])


def test_a_missing_required_table_is_an_error_but_an_optional_one_is_not(dealer_dir):
    (dealer_dir / "stock.csv").unlink()
    report = io.validate_dir(dealer_dir)
    assert [(p.file, p.found) for p in report.errors] == [("stock.csv", "no such file")]
    assert "stock.xlsx" in report.errors[0].expected
    assert "traffic" not in " ".join(str(p) for p in report.problems)


def test_followup_for_an_unknown_lead_is_an_error(dealer_dir):
    rows = rows_of("followups") + [["L9", "2026-10-06 09:00", "E1", "sms", ""]]
    write_csv(dealer_dir, "followups", rows)
    report = io.validate_dir(dealer_dir)
    assert len(report.errors) == 1
    problem = report.errors[0]
    assert (problem.file, problem.rows, problem.column) == ("followups.csv", (4,), "lead_id")
    assert "leads.csv" in problem.expected and "'L9'" in problem.found


def test_consultant_missing_from_staff_is_a_warning(dealer_dir):
    write_csv(dealer_dir, "leads", with_cell("leads", 4, "consultant_id", "E77"))
    report = io.validate_dir(dealer_dir)
    assert report.ok, [str(p) for p in report.errors]
    warnings = [p for p in report.warnings if p.column == "consultant_id"]
    assert [(p.file, p.rows) for p in warnings] == [("leads.csv", (4,))]
    assert "'E77'" in warnings[0].found and "staff.csv" in warnings[0].expected


def test_kpi_for_someone_not_in_staff_is_a_warning(dealer_dir):
    write_csv(dealer_dir, "kpi", with_cell("kpi", 3, "staff_id", "E99"))
    report = io.validate_dir(dealer_dir)
    assert report.ok, [str(p) for p in report.errors]
    assert [(p.file, p.rows, p.column) for p in report.warnings] == [("kpi.csv", (3,), "staff_id")]


def test_a_broken_workbook_is_reported(tmp_path):
    path = tmp_path / "stock.xlsx"
    path.write_text("store_id,model\nS1,Aurora\n", encoding="utf-8")  # a CSV renamed to .xlsx
    message = str(read_error(path, "stock"))
    assert message.startswith("stock.xlsx: cannot be opened as an Excel workbook")


BROKEN_FILES = {
    # file -> (rows, number of error problems it holds)
    "leads": (with_cell("leads", 3, "status", "maybe"), 1),
    "staff": ([rows_of("staff")[0], ["E1", "张伟", "S1", "sales", "sales_consultant", "2024-03-11", "2024-01-01",
                                     "", "E3"], *rows_of("staff")[2:]], 2),  # leave before hire + no leave_type
    "sales": (without_column(rows_of("sales"), "units"), 1),
    "stock": (with_cell("stock", 2, "as_of", "月底"), 1),
}


def _break_folder(folder: Path) -> int:
    """Break five files of a valid folder; return the number of errors they hold."""
    for name, (rows, _) in BROKEN_FILES.items():
        write_csv(folder, name, rows)
    write_csv(folder, "kpi", rows_of("kpi"), encoding="utf-16")  # one more: a file-level error
    return sum(n for _, n in BROKEN_FILES.values()) + 1


def test_validate_dir_lists_every_problem_of_several_files_in_one_pass(dealer_dir):
    n_errors = _break_folder(dealer_dir)
    report = io.validate_dir(dealer_dir)
    assert not report.ok
    assert len(report.errors) == n_errors == 6
    assert sorted({p.file for p in report.errors}) == ["kpi.csv", "leads.csv", "sales.csv", "staff.csv",
                                                       "stock.csv"]
    assert sorted(report.tables) == ["followups", "leads", "staff", "stock"]  # read with their errors
    frame = report.to_frame()
    assert list(frame.columns) == ["severity", "file", "rows", "n_rows", "column", "expected", "found"]
    assert (frame["severity"] == "error").sum() == 6


def test_load_dealer_raises_one_error_with_every_problem(dealer_dir):
    n_errors = _break_folder(dealer_dir)
    with pytest.raises(DataContractError) as info:
        io.load_dealer(dealer_dir)
    err = info.value
    assert len(err.problems) == n_errors
    message = str(err)
    assert message.startswith(f"{n_errors} problem(s) in {dealer_dir}")
    for name in ("leads.csv row 3, column status", "staff.csv row 2, column leave_date",
                 "staff.csv row 2, column leave_type", "sales.csv, column units", "stock.csv row 2, column as_of",
                 "kpi.csv: the file is neither UTF-8 nor GBK"):
        assert name in message


def test_load_dealer_on_a_valid_folder(dealer_dir):
    dealer = io.load_dealer(dealer_dir)
    assert sorted(dealer.tables) == sorted(schemas.REQUIRED_TABLES)
    assert dealer.leads["status"].tolist() == ["open", "won", "lost"]
    assert dealer.settings.dealer.name == "Test Motors"
    assert dealer.settings.store_name("S2") == "West"
    assert dealer.warnings == []
    assert set(dealer.files) == set(schemas.REQUIRED_TABLES) | {"dealer.yml"}
    # the leads end on 2026-10-03, so October is not complete in leads (sales and kpi have it)
    choice = io.choose_month(dealer, today=dt.date(2026, 12, 3))
    assert (choice.month, choice.limited_by) == ("2026-09", "leads")
    assert choice.last_complete == {"sales": "2026-10", "leads": "2026-09", "kpi": "2026-10"}
    assert io.latest_complete_month(dealer, today=dt.date(2026, 12, 3)) == "2026-09"


def test_bad_settings_are_listed_by_validate_dir(dealer_dir):
    (dealer_dir / "dealer.yml").write_text("dealer:\n  language: fr\n", encoding="utf-8")
    report = io.validate_dir(dealer_dir)
    assert [p.file for p in report.errors] == ["dealer.yml"]
    assert "dealer.language" in str(report.errors[0]) and "'fr'" in str(report.errors[0])


def test_cli_validate_fails_and_prints_every_problem(dealer_dir, capsys):
    n_errors = _break_folder(dealer_dir)
    assert cli.main(["validate", "--data", str(dealer_dir)]) == 2
    out = capsys.readouterr().out
    error_lines = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert len(error_lines) == n_errors
    assert any("leads.csv row 3, column status: one of open, won, lost; got 'maybe'" in ln for ln in error_lines)
    assert any("stock.csv row 2, column as_of" in ln and "'月底'" in ln for ln in error_lines)
    assert any("kpi.csv" in ln and "neither UTF-8 nor GBK" in ln for ln in error_lines)
    assert f"{n_errors} error(s)" in out


def test_cli_validate_passes_a_valid_folder_and_lists_warnings(dealer_dir, capsys):
    write_csv(dealer_dir, "staff", with_column(rows_of("staff"), "备注", ["", "", ""]))
    assert cli.main(["validate", "--data", str(dealer_dir)]) == 0
    out = capsys.readouterr().out
    assert "ERROR" not in out
    assert "warning staff.csv, column 备注" in out
    assert "0 error(s), 1 warning(s)" in out
    assert "leads 3 rows" in out


def test_codes_in_another_case_are_accepted_and_old_xls_files_get_a_clear_message(tmp_path):
    from kit import io as kio

    path = tmp_path / "leads.csv"
    rows = [list(r) for r in VALID_TABLES["leads"]]
    header = rows[0]
    rows[1][header.index("status")] = "Open"
    rows[1][header.index("grade")] = "a"
    write_rows = "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    path.write_text(write_rows, encoding="utf-8")
    frame = kio.read_table(path, "leads").frame
    assert frame.loc[0, "status"] == "open" and frame.loc[0, "grade"] == "A"

    (tmp_path / "sales.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataContractError, match=r"sales\.xls: the old Excel 97–2003 format.*sales\.xlsx"):
        kio.find_table_file(tmp_path, "sales")


# --------------------------------------------------------------------------- snapshot and import weight


def test_snapshot_round_trip_keeps_dtypes_values_settings_and_warnings(dealer_dir, tmp_path):
    write_csv(dealer_dir, "staff", with_column(rows_of("staff"), "备注", ["x", "", "y"]))  # a warning, extra column
    dealer = io.load_dealer(dealer_dir, today=dt.date(2026, 12, 3))
    assert dealer.warnings
    io.save_snapshot(dealer, tmp_path / "snap")
    (dealer_dir / "leads.csv").write_text("changed after validation\n", encoding="utf-8")
    back = io.load_snapshot(tmp_path / "snap")
    assert sorted(back.tables) == sorted(dealer.tables)
    for name, frame in dealer.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], frame, check_dtype=True)
    assert back.warnings == dealer.warnings
    assert back.settings == dealer.settings
    assert back.files == dealer.files and back.data_dir == dealer.data_dir
    # the hashes are those of the validated inputs, not of the files as they are now
    assert back.file_hashes() == dealer.file_hashes() != {}
    with pytest.raises(DataContractError, match=r"changed since they were validated: .*leads\.csv"):
        io.load_snapshot(tmp_path / "snap", verify=True)


def test_snapshot_of_a_folder_without_dealer_yml_keeps_the_neutral_defaults(dealer_dir, tmp_path):
    (dealer_dir / "dealer.yml").unlink()
    dealer = io.load_dealer(dealer_dir)
    back = io.load_snapshot(io.save_snapshot(dealer, tmp_path / "snap").parent)
    assert back.settings.dealer.name == "Dealership" and back.settings.source is None
    assert back.warnings == dealer.warnings


def test_no_snapshot_is_a_data_contract_error(tmp_path):
    with pytest.raises(DataContractError, match=r"no validated snapshot"):
        io.load_snapshot(tmp_path)


def test_importing_kit_io_imports_no_analysis():
    import subprocess
    import sys

    code = ("import sys, kit.io; heavy = ('kit.leads', 'kit.turnover', 'kit.kpi', 'kit.forecast', 'kit.models', "
            "'kit.settings', 'sklearn', 'lifelines', 'statsforecast'); "
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert out.stdout.strip() == ""


def test_the_data_contract_document_is_generated_from_the_schemas():
    text = (Path(__file__).resolve().parents[1] / "docs" / "DATA_CONTRACT.md").read_text(encoding="utf-8")
    assert text == schemas.contract_markdown(), "run: python -m kit.schemas > docs/DATA_CONTRACT.md"
    assert "## What the kit does with unusual input" in text
    for case, handling in schemas.UNUSUAL_INPUT:
        assert f"| {case} | {handling} |" in text
