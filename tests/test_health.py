"""The data-health report: the loader's findings in both languages, the month's checks, the advice, the order
ledger's reconciliation, and the Chinese page end to end (slow).

Expected sentences are written out by hand; the corpus of broken folders starts from a small generated dealership
(two stores, 2025-11 … 2026-10) and breaks one thing per case, planting values with no Latin letters so that any
English word in a Chinese sentence is one of ours.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import reportscan
import test_hostile_inputs as hostile
import yaml

from kit import cli, health, i18n, io, periods, schemas
from kit.checks import Problems, row_problem, setting_number
from kit.exceptions import Problem
from kit.notebook import Report

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 3)
DATE_WORDS = "应为日期，如 2026-10-31、2026/10/31 或 2026年10月31日"


# --------------------------------------------------------------------------- folders (the hostile corpus's)

sample_dir, folder = hostile.sample_dir, hostile.folder  # a small valid dealership, a fresh copy per test
table, write = hostile.table, hostile.write


def report(folder: Path) -> io.ValidationReport:
    return io.validate_dir(folder, today=TODAY)


# --------------------------------------------------------------------------- sentences written out by hand


def test_an_unreadable_date_in_both_languages(folder):
    leads = table(folder, "leads")
    leads.loc[3, "created_at"] = "明天"
    write(folder, "leads", leads)
    [problem] = report(folder).errors
    assert str(problem) == ("leads.csv row 5, column created_at: a date such as 2026-10-31, 2026/10/31 or "
                            "2026年10月31日; got '明天'.")  # the CLI's line, unchanged
    assert problem.text("zh") == f"leads.csv 第 5 行，“建档日期”列：{DATE_WORDS}；实际为 '明天'。"
    assert problem.text("en") == ("leads.csv row 5, column “registration date”: expected a date such as 2026-10-31, "
                                  "2026/10/31 or 2026年10月31日; got '明天'.")


def test_a_store_missing_from_a_month_in_chinese(folder):
    sales = table(folder, "sales")
    write(folder, "sales", sales.loc[~((sales["store_id"] == "S2") & (sales["month"] == "2026-03"))])
    [gap] = [p for p in report(folder).warnings if p.key == "store_missing_months"]
    assert gap.text("zh") == ("sales.csv，“月份”列：门店 S2 在 2026-03 没有数据（该店首月 2025-11，末月 2026-10）；"
                              "分析会把缺失的月份按 0 计算。")


def test_follow_ups_before_their_lead_in_chinese(folder):
    followups, leads = table(folder, "followups"), table(folder, "leads")
    lead = followups.loc[10, "lead_id"]
    created = leads.set_index("lead_id").loc[lead, "created_at"]
    before = (pd.Timestamp(created) - pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    followups.loc[10, "at"] = f"{before} 10:00"
    write(folder, "followups", followups)
    [warning] = [p for p in report(folder).warnings if p.key == "followup_before_lead"]
    assert warning.text("zh") == (f"followups.csv 第 12 行，“回访时间”列：1 条回访早于线索在 leads.csv 中的建档日期"
                                  f"（保留并照常计入），例如线索 {lead} 回访于 {before}，建档于 {created}。")


def test_a_missing_settings_file_in_chinese(folder):
    (folder / "dealer.yml").unlink()
    [warning] = [p for p in report(folder).warnings if p.file == "dealer.yml"]
    assert warning.text("zh") == ("dealer.yml：数据文件夹中没有设置文件 dealer.yml；使用中性默认值（通用经销商名称、"
                                  "以门店编号作门店名称、默认绩效权重方案）。")


def test_many_rows_are_counted_and_columns_take_the_tables_header():
    p = Problem("leads.csv", "visits", "a value of at least 0", "'-1'", rows=tuple(range(2, 14)),
                key="value_below_min", fields={"min": "0", "found": "'-1'"})
    assert p.text("zh") == "leads.csv 第 2、3、4、5、6、7、8、9 行…（共 12 行），“到店次数”列：应不小于 0；实际为 '-1'。"
    assert p.text("en") == ("leads.csv rows 2, 3, 4, 5, 6, 7, 8, 9 … (12 rows), column “showroom visits”: expected a "
                            "value of at least 0; got '-1'.")
    # the same column name is the header of its own table: grade_log's "at" is 日期, followups' 回访时间
    assert Problem("grade_log.csv", "at", "", "", key="value_empty").text("zh").startswith("grade_log.csv，“日期”列")


def test_the_kpi_cross_check_warning_in_chinese():
    p = Problem("dealer.yml", "kpi", "e", "f", severity="warning", key="kpi_default_metrics_absent",
                fields={"kpi_file": "kpi.csv", "metrics": ["display_score", "units_sold", "满意度"], "n_settings": 2})
    assert p.text("zh") == ("dealer.yml：dealer.yml 未设置绩效权重方案，而系统默认方案所用的指标在 kpi.csv 中不存在"
                            "（展厅展示评分、销售台数、满意度）；绩效报告需要按 kpi.csv 中的指标设置权重方案。")
    assert p.place("zh") == ""  # the sentence says where: no section name in the table's place column


def test_a_store_missing_from_many_months_in_chinese():
    p = Problem("traffic.csv", "date", "e", "f", severity="warning", key="store_missing_months_more",
                fields={"store": "S1", "first": "2023-11", "last": "2026-10", "gaps": ["2024-01", "2024-03 … 2024-04"],
                        "more": 3, "n_months": 9})
    assert p.text("zh") == ("traffic.csv，“日期”列：门店 S1 在 2024-01、2024-03 … 2024-04 以及另外 3 段时间没有数据"
                            "（该店首月 2023-11，末月 2026-10）；分析会把缺失的月份按 0 计算。")


def test_str_is_the_same_with_or_without_a_key():
    plain = Problem("sales.csv", "units", "a whole number", "'三'", (4,))
    keyed = Problem("sales.csv", "units", "a whole number", "'三'", (4,), key="value_not_int", fields={"found": "'三'"})
    assert str(plain) == str(keyed) == "sales.csv row 4, column units: a whole number; got '三'."
    assert keyed.text("zh") == "sales.csv 第 4 行，“交车台数”列：应为整数；实际为 '三'。"


def test_a_setting_problem_keeps_its_english_text_and_tells_chinese():
    problems = Problems("the KPI settings")
    setting_number("high", "kpi.cap", problems, low=1)
    setting_number(0.5, "kpi.cap", problems, low=1)
    first, second = problems.items
    assert first.text == "kpi.cap: expected a number; got 'high'."  # the string callers read
    assert first.text("zh") == "kpi.cap：应为数字；实际为 'high'。"
    assert Problem.text(first, "zh") == "dealer.yml：kpi.cap：应为数字；实际为 'high'。"
    assert second.text("zh") == "kpi.cap：0.5 太小；应 >= 1。"


def test_a_row_problem_names_its_ids_in_chinese():
    frame = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "created_at": ["2026-10-01", "坏", "2026-10-03"]})
    problems = Problems("leads")
    from kit.checks import read_dates

    read_dates(frame, "created_at", "leads", problems, id_column="lead_id")
    [problem] = problems.items
    assert problem.text("zh") == ("leads 第 3 行（客户编号 L2），“建档日期”列：应为日期，如 2026-10-31；"
                                  "实际为 '坏'。")
    assert row_problem("leads", frame, [False, True, True], column="created_at", expected="x", found="y",
                       id_column="lead_id").text("en") == \
        "leads rows 3, 4 (lead number L2, L3), column “registration date”: x; got y."


def test_why_the_month_was_chosen_in_chinese(folder):
    sales = table(folder, "sales")
    write(folder, "sales", sales.loc[~((sales["store_id"] == "S2") & (sales["month"] == "2026-10"))])
    choice = io.choose_month(io.load_dealer(folder, today=TODAY), today=TODAY)
    assert choice.text("zh") == ("截至 2026-12-03，2026-09 是各表都完整的最近月份：月度销量表完整至 2026-09（意向客户至 "
                                 "2026-10、绩效考核表至 2026-10）；未采用：月度销量表：2026-10 缺少上月有数据的门店 S2。")
    assert choice.text("en") == ("2026-09 is the latest month complete in every table on 2026-12-03: Monthly sales is "
                                 "complete through 2026-09 (Leads through 2026-10, KPI sheet through 2026-10); not "
                                 "taken: Monthly sales: 2026-10 lacks store(s) S2 that have rows the month before.")
    assert "2026-10 lacks store(s) S2" in choice.reason  # the log's English stays


def test_a_snapshot_keeps_what_a_problem_needs_in_chinese(folder, tmp_path):
    leads = table(folder, "leads")
    leads.loc[0, "备注"] = "贵宾"
    write(folder, "leads", leads.fillna(""))
    dealer = io.load_dealer(folder, today=TODAY)
    io.save_snapshot(dealer, tmp_path / "snap")
    again = io.load_snapshot(tmp_path / "snap")
    assert [p.text("zh") for p in again.warnings] == [p.text("zh") for p in dealer.warnings]
    assert any("“备注”列：1 个列不在数据规范之内" in p.text("zh") for p in again.warnings)


def test_validate_speaks_chinese_when_asked(folder, capsys):
    stock = table(folder, "stock")
    write(folder, "stock", stock.iloc[:0])
    assert cli.main(["validate", "--data", str(folder), "--lang", "zh"]) == 2
    out = capsys.readouterr().out
    assert "错误 stock.csv：只有表头；至少需要一行数据（库存未知，无法给出订车建议）。" in out
    assert "0 个错误" not in out and "1 个错误" in out
    assert cli.main(["validate", "--data", str(folder)]) == 2
    assert "ERROR   stock.csv: at least one row below the header" in capsys.readouterr().out


# --------------------------------------------------------------------------- every key, both languages


def _placeholders(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_sentence_has_both_languages_with_the_same_placeholders():
    texts = i18n.catalog()["text"]
    ours = {k: v for k, v in texts.items() if k.split(".")[0] in ("problem", "month", "health", "validate")}
    assert len(ours) > 150
    for key, entry in ours.items():
        assert _placeholders(entry["en"]) == _placeholders(entry["zh"]), key


def _literal_keys(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    return []


def _fields_given(call: ast.Call) -> set[str] | None:
    """The field names a call passes (a literal dict, or keywords of ``Problems.add``); None when not literal."""
    for kw in call.keywords:
        if kw.arg == "fields":
            if isinstance(kw.value, ast.Dict) and all(isinstance(k, ast.Constant) for k in kw.value.keys):
                return {k.value for k in kw.value.keys}
            return None
    if isinstance(call.func, ast.Attribute) and call.func.attr == "add":
        return {kw.arg for kw in call.keywords if kw.arg not in (None, "key")}
    return set()


def kit_problem_keys() -> list[tuple[str, str, set[str] | None]]:
    """(key, where, fields) for every literal ``key=`` the kit passes to a problem or an error, and the month notes."""
    found = []
    # the modules that build problems (the loader, the checks, the settings and the analyses' input checks);
    # elsewhere ``key=`` names other catalog text (e.g. a report's own note)
    problem_modules = [p for p in sorted((ROOT / "kit").rglob("*.py"))
                       if "io" in p.parts or p.name in ("checks.py", "exceptions.py", "settings.py", "inputs.py",
                                                        "table.py")]
    for path in problem_modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "key":
                    for key in _literal_keys(kw.value):
                        found.append((key, f"{path.relative_to(ROOT)}:{node.lineno}", _fields_given(node)))
    for path in (ROOT / "kit/io/files.py", ROOT / "kit/io/months.py"):  # keys kept in tables and tuples
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[-1], ast.Dict) \
                    and isinstance(node.elts[0], ast.Constant) and isinstance(node.elts[0].value, str):
                fields = {k.value for k in node.elts[-1].keys if isinstance(k, ast.Constant)}
                key = node.elts[0].value
                if path.name == "months.py":
                    found.append((f"month:{key}", f"{path.name}:{node.lineno}", fields))
                elif len(node.elts) == 3 and isinstance(node.elts[1], ast.Constant):
                    found.append((node.elts[1].value, f"{path.name}:{node.lineno}", fields))
            if isinstance(node, ast.Tuple) and len(node.elts) == 3 and isinstance(node.elts[2], ast.Constant) \
                    and str(node.elts[2].value).startswith("path_"):
                found.append((node.elts[2].value, f"{path.name}:{node.lineno}", set()))
    return found


#: keys the kit builds from parts, with every part
BUILT_KEYS = [f"value_not_{kind}" for kind in ("date", "datetime", "month", "bool", "int", "float")] + [
    f"kpi_{what}_metric_absent" for what in ("profile", "gate", "bonus")] + [
    f"setting_{sign}{between}" for sign in ("negative", "too_small") for between in ("", "_between")]


def test_every_key_the_kit_uses_has_both_languages_and_its_fields():
    texts = i18n.catalog()["text"]
    keys = kit_problem_keys()
    assert len({k for k, _, _ in keys}) > 70, "the scan found the kit's problem keys"
    for key, where, fields in keys:
        name = f"month.{key[6:]}" if key.startswith("month:") else f"problem.{key}"
        assert name in texts, f"{where}: {name} is not in the catalog"
        if fields is not None:
            missing = (_placeholders(texts[name]["en"]) | _placeholders(texts[name]["zh"])) - fields
            assert not missing, f"{where}: {name} needs {missing}"
    for key in BUILT_KEYS:
        assert f"problem.{key}" in texts, key


def test_every_contract_column_and_table_has_a_label():
    labels = i18n.catalog()["labels"]
    for spec in schemas.TABLES.values():
        assert f"{spec.name}@table" in labels, spec.name
        for col in spec.columns:
            entry = labels.get(f"{col.name}@column")
            assert entry, col.name
            assert "_" not in entry["en"], col.name  # the English name is words, not the code
            assert any(entry["zh"] in s.column(col.name).aliases for s in schemas.TABLES.values()
                       if col.name in s.column_names), col.name


# --------------------------------------------------------------------------- a corpus of broken folders


def _set(name, column, row, value):
    """A case that writes ``value`` into ``column`` of table ``name`` at ``row`` (a position or a list of them)."""
    def breaker(f):
        t = table(f, name)
        t.loc[row, column] = value
        write(f, name, t)
    return breaker


def _drop(name, column, value, store=None):
    """A case that drops the rows of table ``name`` whose ``column`` is ``value`` (of one store when given)."""
    def breaker(f):
        t = table(f, name)
        hit = (t[column] == value) & ((t["store_id"] == store) if store else True)
        write(f, name, t.loc[~hit])
    return breaker


def _extra_column(f):
    leads = table(f, "leads")
    leads["备注"] = "贵宾"
    write(f, "leads", leads)


def _followup_before_lead(f):
    t, leads = table(f, "followups"), table(f, "leads").set_index("lead_id")
    t.loc[3, "at"] = (pd.Timestamp(leads.loc[t.loc[3, "lead_id"], "created_at"]) - pd.Timedelta(days=9)).strftime(
        "%Y-%m-%d 09:00")
    write(f, "followups", t)


def _no_settings(f):
    (f / "dealer.yml").unlink()


def _empty_settings(f):
    (f / "dealer.yml").write_text("# 空\n", encoding="utf-8")


def _header_only_traffic(f):
    write(f, "traffic", table(f, "traffic").iloc[:0])


def _default_profiles_absent(f):
    settings = yaml.safe_load((f / "dealer.yml").read_text(encoding="utf-8"))
    settings.pop("kpi", None)
    (f / "dealer.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    t = table(f, "kpi")
    t = t.loc[t["metric"] != "display_score"]
    write(f, "kpi", t)


WARNING_CASES = {"extra column": (_extra_column, "columns_extra"),
                 "date after today": (_set("followups", "at", 7, "2099-01-05 10:00"), "date_in_future"),
                 "date before 1990": (_set("leads", "created_at", 5, "1985-03-01"), "date_before_1990"),
                 "typo'd year": (_set("kpi", "month", 3, "2016-11"), "date_far_before_the_rest"),
                 "follow-up before its lead": (_followup_before_lead, "followup_before_lead"),
                 "store missing from a month": (_drop("sales", "month", "2026-02", store="S1"), "store_missing_months"),
                 "no dealer.yml": (_no_settings, "settings_missing"),
                 "empty dealer.yml": (_empty_settings, "settings_empty"),
                 "header-only optional table": (_header_only_traffic, "header_only_optional"),
                 "default KPI profiles name absent metrics": (_default_profiles_absent, "kpi_default_metrics_absent"),
                 "lead without a consultant": (_set("leads", "consultant_id", [2, 4], ""), "lead_no_consultant"),
                 "unknown consultant": (_set("leads", "consultant_id", 6, "E999"), "id_unknown"),
                 "store without stock rows": (_drop("stock", "store_id", "S2"), "stock_store_missing")}


def _closed_before_created(f):
    t = table(f, "leads")
    i = t.index[t["status"] == "lost"][0]
    t.loc[i, "closed_at"] = (pd.Timestamp(t.loc[i, "created_at"]) - pd.Timedelta(days=5)).strftime("%Y-%m-%d")
    write(f, "leads", t)


def _won_without_close(f):
    t = table(f, "leads")
    i = t.index[t["status"] == "lost"][0]
    t.loc[i, "closed_at"] = ""
    write(f, "leads", t)


def _duplicate_lead(f):
    t = table(f, "leads")
    t.loc[4, "lead_id"] = t.loc[3, "lead_id"]
    write(f, "leads", t)


def _two_headers_one_field(f):
    t = table(f, "stock")
    t["车型"] = t["model"]
    write(f, "stock", t)


def _missing_required_column(f):
    write(f, "traffic", table(f, "traffic").drop(columns="store_id"))


def _header_only_stock(f):
    write(f, "stock", table(f, "stock").iloc[:0])


def _no_stock_file(f):
    (f / "stock.csv").unlink()


def _unknown_lead(f):
    t = table(f, "followups")
    t.loc[2, "lead_id"] = "不存在"
    write(f, "followups", t)


def _date_before_1900(f):
    t = table(f, "staff")
    t.loc[2, "hire_date"] = "1850-03-01"
    write(f, "staff", t)


ERROR_CASES = {"unreadable date": (_set("leads", "created_at", 3, "明天"), "value_not_date"),
               "unreadable month": (_set("sales", "month", 2, "二〇二六年"), "value_not_month"),
               "not a whole number": (_set("leads", "visits", 2, "三"), "value_not_int"),
               "not yes or no": (_set("leads", "test_drive", 2, "也许"), "value_not_bool"),
               "not a number": (_set("sales", "gross_profit", 2, "很多"), "value_not_float"),
               "value not allowed": (_set("leads", "channel", 2, "火星"), "value_not_allowed"),
               "negative": (_set("leads", "visits", 2, "-1"), "value_below_min"),
               "empty required cell": (_set("stock", "model", 1, ""), "value_empty"),
               "duplicate key": (_duplicate_lead, "key_duplicate"),
               "close before registration": (_closed_before_created, "date_order"),
               "lost without close date": (_won_without_close, "close_date_missing"),
               "two headers for one field": (_two_headers_one_field, "header_twice"),
               "required column missing": (_missing_required_column, "columns_missing"),
               "required table header only": (_header_only_stock, "header_only_stock"),
               "required table missing": (_no_stock_file, "table_missing"),
               "unknown lead": (_unknown_lead, "id_unknown"),
               "date before 1900": (_date_before_1900, "date_before_1900")}

FILE_NAME = re.compile(r"[\w./-]+\.(?:csv|xlsx|yml)\b")
#: Latin words a planted case puts in the data
HEADERS: set[str] = set()


def _headers_of(folder: Path) -> set[str]:
    """Latin words a sentence may quote from the data: the files' own headers (the generated exports have English
    headers, and the roster extra columns such as base_pay_cny) and the few a case plants."""
    return HEADERS | {c for path in folder.glob("*.csv") for c in pd.read_csv(path, nrows=0).columns}


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
@pytest.mark.slow  # the corpus: a whole folder validated per case (make test runs it)
def test_every_warning_speaks_chinese(folder, case):
    breaker, key = WARNING_CASES[case]
    breaker(folder)
    found = report(folder)
    assert found.ok, [str(p) for p in found.errors]
    assert key in {p.key for p in found.warnings}, [str(p) for p in found.warnings]
    for p in found.warnings:
        _speaks_both(p, _headers_of(folder), report_words=True)


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
@pytest.mark.slow  # the corpus: a whole folder validated per case (make test runs it)
def test_common_errors_speak_chinese(folder, case):
    breaker, key = ERROR_CASES[case]
    breaker(folder)
    found = report(folder)
    assert key in {p.key for p in found.errors}, [str(p) for p in found.errors]
    for p in found.problems:
        _speaks_both(p, _headers_of(folder))


def _speaks_both(p: Problem, data_words: set[str], *, report_words: bool = False) -> None:
    """A problem has a key and reads in Chinese without English; a warning (it reaches the report) also reads in
    English without code names. An error keeps the codes a user types (``walk_in``) in English."""
    assert p.key is not None, f"no catalog key: {p}"
    zh, en = p.text("zh"), p.text("en")
    for text in (zh, en):
        assert "{" not in text and "}" not in text, text
    # file names out first, exactly (the scanner's own pattern would also take Latin glued to them by "，“")
    bare = FILE_NAME.sub(" ", zh)
    assert not reportscan.english_words(bare, data_words), zh
    if report_words:
        assert not reportscan.identifiers(en, data_words), en


# --------------------------------------------------------------------------- the month's checks, by hand


def _dealer(**tables) -> io.Dealer:
    return io.Dealer(data_dir=Path("."), tables=tables, settings=None, files={}, warnings=[])


def _tiny() -> dict[str, pd.DataFrame]:
    day = pd.Timestamp
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6"],
        "store_id": ["S1", "S1", "S2", "S2", "S1", "S2"],
        "created_at": [day("2026-08-10"), day("2026-09-03"), day("2026-09-20"), day("2026-10-02"),
                       day("2026-10-30"), day("2026-10-05")],
        "consultant_id": ["E1", None, "E2", "E2", "E1", "E1"],
        "status": ["open", "won", "lost", "open", "open", "won"],
        "closed_at": [pd.NaT, day("2026-11-02"), day("2026-09-25"), pd.NaT, pd.NaT, day("2026-10-20")],
        "grade": ["A", None, "B", None, "H", "A"],
    })
    followups = pd.DataFrame({"lead_id": ["L1", "L4", "L5"],
                              "at": [day("2026-08-12 10:00"), day("2026-10-03 09:00"), day("2026-11-01 00:00")]})
    staff = pd.DataFrame({"staff_id": ["E1", "E2", "E3", "E4"], "store_id": ["S1", "S2", "S1", "S2"],
                          "department": ["sales", "sales", None, "sales"],
                          "role": ["sales_consultant", "sales_consultant", "technician", "sales_consultant"],
                          "hire_date": [day("2024-01-01")] * 3 + [day("2026-11-01")],
                          "leave_date": [pd.NaT, pd.NaT, pd.NaT, pd.NaT]})
    kpi = pd.DataFrame({"month": ["2026-10", "2026-09"], "staff_id": ["E1", "E2"], "metric": ["units_sold"] * 2,
                        "actual": [3.0, 4.0], "target": [5.0, 5.0]})
    sales = pd.DataFrame({"month": ["2026-08", "2026-10", "2026-10", "2026-07"], "store_id": ["S1", "S1", "S2", "S2"],
                          "model": ["Aurora", "Comet", "Aurora", "Dart"], "units": [1, 2, 3, 4]})
    stock = pd.DataFrame({"store_id": ["S1"], "model": ["Aurora"], "on_hand": [3], "in_transit": [0],
                          "as_of": [day("2026-10-31")]})
    return {"leads": leads, "followups": followups, "staff": staff, "kpi": kpi, "sales": sales, "stock": stock}


def test_the_months_checks_worked_by_hand():
    checks = health.data_checks(_dealer(**_tiny()), month="2026-10").set_index("check")
    # open at 2026-10-31: L1, L2 (won 2026-11-02), L4, L5; L3 lost in September, L6 won in October
    # L2 was never contacted, L5 only on 11-01 (after the month)
    assert checks.loc["open_leads_without_followup", ["count", "out_of"]].tolist() == [2, 4]
    assert bool(checks.loc["open_leads_without_followup", "attention"])
    assert checks.loc["leads_registered", "count"] == 3 and not checks.loc["leads_registered", "attention"]
    assert pd.isna(checks.loc["leads_registered", "out_of"])
    assert checks.loc["leads_without_consultant", ["count", "out_of"]].tolist() == [1, 6]
    assert checks.loc["staff_without_department", ["count", "out_of"]].tolist() == [1, 3]  # E4 hired in November
    assert checks.loc["open_leads_without_grade", ["count", "out_of"]].tolist() == [2, 4]
    assert not checks.loc["open_leads_without_grade", "attention"]
    assert checks.loc["consultants_without_kpi", ["count", "out_of"]].tolist() == [1, 2]  # E2 has September only
    # sold August to October: S1 Aurora (stocked), S1 Comet, S2 Aurora; S2 Dart was July
    assert checks.loc["models_without_stock", ["count", "out_of"]].tolist() == [2, 3]


def test_missing_months_and_rows_by_store_by_hand():
    tables = _tiny()
    dealer = _dealer(**tables)
    gaps = health.missing_months(dealer, month="2026-10").set_index(["table", "store_id"])["missing_months"]
    # sales S1: 08 and 10; S2: 07 and 10; kpi (placed by the staff's store) S2: 09 only; leads have no gap
    assert gaps.to_dict() == {("sales", "S1"): "2026-09", ("sales", "S2"): "2026-08, 2026-09",
                              ("kpi", "S2"): "2026-10"}
    rows = health.rows_by_store(dealer, month="2026-10", months=3)
    leads = rows[rows["table"] == "leads"].set_index(["store_id", "month"])["rows"]
    assert leads.to_dict() == {("S1", "2026-08"): 1, ("S1", "2026-09"): 1, ("S1", "2026-10"): 1,
                               ("S2", "2026-08"): 0, ("S2", "2026-09"): 1, ("S2", "2026-10"): 2}
    kpi = rows[rows["table"] == "kpi"].set_index(["store_id", "month"])["rows"]  # placed by the staff's store
    assert kpi[("S1", "2026-10")] == 1 and kpi[("S2", "2026-09")] == 1


def test_the_overview_lists_optional_tables_not_provided():
    overview = health.table_overview(_dealer(**_tiny()), month="2026-10").set_index("table")
    assert overview.loc["orders", "status"] == "not_provided" and overview.loc["leads", "status"] == "read"
    assert overview.loc["leads", ["rows", "first", "last", "rows_in_month"]].tolist() == [6, "2026-08", "2026-10", 3]
    assert overview.loc["leads", "stores"] == 2 and pd.isna(overview.loc["kpi", "stores"])


# --------------------------------------------------------------------------- what to do first


def _health(**changes) -> health.DataHealth:
    checks = pd.DataFrame({"check": ["open_leads_without_followup", "leads_registered"], "count": [0, 40],
                           "out_of": [50, None], "share": [0.0, float("nan")], "attention": [False, False]})
    choice = io.MonthChoice(month="2026-10", today=TODAY, last_complete={"sales": "2026-10", "leads": "2026-10",
                                                                         "kpi": "2026-10"}, limited_by="sales")
    base = {"month": "2026-10", "requested": "last", "choice": choice, "rows": pd.DataFrame(),
            "overview": pd.DataFrame({"status": ["read"], "rows_in_month": [1]}), "gaps": pd.DataFrame(),
            "checks": checks, "warnings": [], "ledger": None}
    return health.DataHealth(**(base | changes))


def _said(h: health.DataHealth, lang: str = "en") -> list[str]:
    return [i18n.t(k, lang, **f) for k, f in health.what_to_do(h, lang=lang)]


def test_advice_on_clean_data_names_the_month_and_the_missing_ledger():
    assert _said(_health()) == [
        "This report covers 2026-10, the latest month complete in the sales, leads and KPI exports (Monthly sales is "
        "complete through 2026-10).",
        "Nothing in the 2026-10 data needs attention.",
        "Add the order ledger (orders.csv) to the monthly exports, so deliveries can be checked against the monthly "
        "sales table and the KPI sheet."]


def test_advice_says_which_later_month_is_incomplete_and_why():
    choice = io.MonthChoice(month="2026-09", today=TODAY, last_complete={"sales": "2026-09", "leads": "2026-10"},
                            limited_by="sales", skipped={"sales": ["x"]},
                            notes={"sales": [("lacks_stores", {"month": "2026-10", "stores": ["S2", "S3"]})],
                                   "leads": [("leads_after_today", {"n": 3})]})
    said = _said(_health(month="2026-09", choice=choice), "zh")
    assert said[:2] == ["本报告月份为 2026-09：月度销量、线索和绩效导出都完整的最近月份（月度销量表完整至 2026-09）。",
                        "2026-10 尚不完整，暂不报告：月度销量表：2026-10 缺少上月有数据的门店 S2、S3。"]
    assert _said(_health(month="2026-08", choice=choice))[0] == \
        "This report covers 2026-08, as asked; the latest complete month is 2026-09."


def test_advice_puts_a_store_gap_and_wrong_dates_before_the_checks():
    gap = Problem("sales.csv", "month", "e", "f", severity="warning", key="store_missing_months",
                  fields={"store": "S2", "first": "2025-11", "last": "2026-10", "gaps": ["2026-03"], "more": -5,
                          "n_months": 1})
    future = Problem("followups.csv", "at", "e", "f", rows=(5, 9), severity="warning", key="date_in_future",
                     fields={"today": "2026-12-03", "found": "'2099-01-05'"})
    extras = Problem("staff.csv", "base_pay", "e", "f", severity="warning", key="columns_extra_staff", fields={"n": 1})
    checks = pd.DataFrame({"check": ["open_leads_without_followup", "consultants_without_kpi"], "count": [12, 2],
                           "out_of": [80, 9], "share": [0.15, 2 / 9], "attention": [True, True]})
    h = _health(warnings=[extras, gap, future], checks=checks)
    assert h.needs_attention == 4  # the roster's extra columns are information, not a problem
    assert _said(h)[1:] == [
        "Ask for the missing export: S2 has no rows in the Monthly sales for 2026-03, and the analyses count that as "
        "zero.",
        "Correct the year in the source system: 2 rows in followups.csv carry dates after today or years before the "
        "rest.",
        "2 of 9 consultants have no KPI rows for 2026-10: they are not scored and get no bonus figure.",
        "12 of 80 open leads (15.0%) have never been followed up: have the consultants call them or close them in the "
        "CRM.",
        "Add the order ledger (orders.csv) to the monthly exports, so deliveries can be checked against the monthly "
        "sales table and the KPI sheet."]


def test_advice_names_the_file_of_the_most_important_warning():
    extra = Problem("leads.csv", "备注", "e", "f", severity="warning", key="columns_extra", fields={"n": 1})
    missing = Problem("dealer.yml", None, "e", "f", severity="warning", key="settings_missing")
    said = _said(_health(warnings=[extra, missing]), "zh")
    assert said[1] == ("请先检查 dealer.yml（1 条提示）：数据文件夹中没有设置文件 dealer.yml；使用中性默认值（通用经销商名称、"
                       "以门店编号作门店名称、默认绩效权重方案）。")


# --------------------------------------------------------------------------- the order ledger


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory) -> Path:
    """A small dealership with an order ledger; the monthly sales table then says 2 more cars of one model for S1
    in 2026-10 than the ledger delivered, and the KPI sheet one car less for one consultant in 2026-09."""
    from kit.samples import make_dealership
    from test_sales_notebook import write_sales_folder

    tables = make_dealership(seed=5, scale=0.1, start="2025-09", end="2026-10")
    out = write_sales_folder(tmp_path_factory.mktemp("ledger"), tables=tables)
    sales = pd.read_csv(out / "sales.csv", dtype=str)
    row = sales.index[(sales["month"] == "2026-10") & (sales["store_id"] == "S1")
                      & (sales["units"].astype(int) > 0)][0]
    planted = {"sales_units": int(sales.loc[row, "units"]), "model": sales.loc[row, "model"]}
    sales.loc[row, "units"] = str(planted["sales_units"] + 2)
    sales.to_csv(out / "sales.csv", index=False)
    kpi = pd.read_csv(out / "kpi.csv", dtype=str)
    k = kpi.index[(kpi["month"] == "2026-09") & (kpi["metric"] == "units_sold")
                  & (kpi["actual"].astype(float) > 0)][0]
    planted |= {"staff_id": kpi.loc[k, "staff_id"], "kpi_units": float(kpi.loc[k, "actual"])}
    kpi.loc[k, "actual"] = str(planted["kpi_units"] - 1)
    kpi.to_csv(out / "kpi.csv", index=False)
    (out / "planted.json").write_text(json.dumps(planted), encoding="utf-8")
    return out


def test_the_reconciliation_shows_the_planted_disagreements(ledger_dir):
    planted = json.loads((ledger_dir / "planted.json").read_text(encoding="utf-8"))
    dealer = io.load_dealer(ledger_dir, today=TODAY)
    h = health.assess(dealer, month="2026-10", today=TODAY)
    bad = h.ledger.disagreements
    assert len(bad) == 2, bad
    first, second = bad.iloc[0], bad.iloc[1]  # the report month first
    assert (first["check"], first["month"], first["store_id"], first["model"]) == \
        ("deliveries_vs_sales", "2026-10", "S1", planted["model"])
    assert (first["ledger_value"], first["other_value"]) == (planted["sales_units"], planted["sales_units"] + 2)
    assert (second["check"], second["month"], second["consultant_id"]) == \
        ("consultant_units_vs_kpi", "2026-09", planted["staff_id"])
    assert (second["ledger_value"], second["other_value"]) == (planted["kpi_units"], planted["kpi_units"] - 1)
    summary = h.ledger.summary.set_index("check")["disagreeing"]
    assert summary.to_dict() == {"deliveries_vs_sales": 1, "orders_vs_sales": 0, "gross_profit_vs_sales": 0,
                                 "consultant_units_vs_kpi": 1, "consultant_gross_profit_vs_kpi": 0}
    assert h.ledger_disagreeing_checks == 2
    said = [i18n.t(k, "zh", **f) for k, f in health.what_to_do(h, lang="zh", settings=dealer.settings)]
    store = dealer.settings.store_name("S1")
    assert (f"请核对订单台账：共 2 行不一致；2026-10 差异最大的是 {store} {planted['model']}：台账 {planted['sales_units']}，"
            f"月度销量表交车台数 {planted['sales_units'] + 2}。") in said

    r = Report(name="data_health", lang="zh", dealer=dealer, period=periods.period("month", "2026-10"))
    page = health.display.disagreements(r, h).to_html()
    assert all(word in page for word in ("交车台数：订单台账 与 月度销量表", "2026-10", store, planted["model"],
                                         f">{planted['sales_units']}<", f">{planted['sales_units'] + 2}<", ">-2<"))
    consultant_row = page.split("顾问台数：订单台账 与 绩效考核表")[1].split("</tr>")[0]
    assert r.people[planted["staff_id"]] in consultant_row and "2026-09" in consultant_row


def test_no_ledger_means_no_reconciliation(sample_dir):
    (sample_dir / "orders.csv").unlink(missing_ok=True)
    h = health.assess(io.load_dealer(sample_dir, today=TODAY), month="2026-10", today=TODAY)
    assert h.ledger is None and h.ledger_disagreeing_checks == 0


# --------------------------------------------------------------------------- the page, end to end


def _render(folder: Path, out: Path, lang: str) -> dict:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(out),
           "MPLCONFIGDIR": str(out / ".mpl"), "NUMBA_CACHE_DIR": str(out / ".numba")}
    done = subprocess.run([sys.executable, str(ROOT / "tools/render.py"), "data_health", "--data", str(folder),
                           "--lang", lang, "--month", "2026-10", "--out", str(out)], capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / ".data_health.glue.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_chinese_page_has_no_english_and_its_tiles_match(ledger_dir, tmp_path):
    glue = _render(ledger_dir, tmp_path / "zh", "zh")
    # tiles against values worked out here from the files and the kit's checks
    csvs = sorted(p.stem for p in ledger_dir.glob("*.csv"))
    assert glue["tables_read"]["value"] == len(csvs) == 10
    dated = 0
    for name, column in health.TIME_COLUMNS.items():
        frame = pd.read_csv(ledger_dir / f"{name}.csv", dtype=str)
        dated += int(frame[column].fillna("").str[:7].eq("2026-10").sum())
    assert glue["rows_in_month"]["value"] == dated
    found = io.validate_dir(ledger_dir)
    checks = health.data_checks(io.load_dealer(ledger_dir), month="2026-10")
    expected = len([p for p in found.warnings if p.key != "columns_extra_staff"]) + int(checks["attention"].sum()) + 2
    assert glue["needs_attention"]["value"] == expected
    assert any("请核对订单台账：共 2 行不一致" in s for s in glue["_advice"])

    page = (tmp_path / "zh" / "data_health.html").read_text(encoding="utf-8")
    settings = yaml.safe_load((ledger_dir / "dealer.yml").read_text(encoding="utf-8"))
    models = set(pd.read_csv(ledger_dir / "sales.csv")["model"])
    staff_ids = set(pd.read_csv(ledger_dir / "staff.csv")["staff_id"])
    data_words = ({settings["dealer"]["name"], *settings["dealer"]["stores"].values(), *models, *staff_ids}
                  | _headers_of(ledger_dir)  # the roster's extra columns, named in a warning as the file has them
                  | {"data_health",  # the page title tools/render.py gives (the runner gives the catalog's)
                     "dealer-kit"})  # the product's name in the footer
    text = reportscan.html_text(page)
    assert not reportscan.identifiers(text, data_words), reportscan.identifiers(text, data_words)
    assert not reportscan.english_words(text, data_words), reportscan.english_words(text, data_words)
    assert "2026-10" in text and f">{settings['dealer']['stores']['S1']}<" in page
    for where, cell in reportscan.excel_text(tmp_path / "zh" / "data_health_2026-10.xlsx"):
        words = reportscan.english_words(cell, data_words | {"Excel"})
        assert not words and not reportscan.identifiers(cell, data_words), (where, cell)


@pytest.mark.slow
def test_the_english_page_has_no_code_names(ledger_dir, tmp_path):
    _render(ledger_dir, tmp_path / "en", "en")
    text = reportscan.html_text((tmp_path / "en" / "data_health.html").read_text(encoding="utf-8"))
    data_words = _headers_of(ledger_dir) | {"data_health"}
    assert not reportscan.identifiers(text, data_words), reportscan.identifiers(text, data_words)
    assert "Reconcile the order ledger: 2 rows disagree" in text
