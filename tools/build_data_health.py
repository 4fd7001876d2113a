import sys; sys.path.insert(0, "tools")
from nbtool import md, code, write

PARAMS = '''
month: str = "2026-10"          # reporting month, YYYY-MM
data_dir: str = "data_samples"  # folder with the dealership's tables, relative to the repo root
lang: str = "en"                # report language: en or zh
mask_personal_data: bool = True # mask customer / staff names and phone numbers
output_dir: str = ""            # folder for Excel exports beside the report; empty means no export
reports_dir: str = "reports"    # all months' reports (earlier runs' files are read from here)
glue_file: str = ""             # headline numbers for the index page (set by the runner)
'''

cells = [
    md("# Data health\n\nWhat arrived from the dealer systems for the month, what is missing, and what looks "
       "wrong — read this first: every other report is only as good as these tables.", lang="en"),
    md("# 数据健康检查\n\n本月从经销商系统收到了哪些数据、缺了什么、哪里可疑。请先看这一份：其它报告的可信度取决于这些数据。",
       lang="zh"),
    code(PARAMS, tags=["parameters"]),
    code('''
%matplotlib inline
from kit import health, io, plots, report
from kit.i18n import pick

report.setup(glue_file=glue_file, lang=lang)
period = report.parse_month(month)
dealer = io.load_dealer(data_dir)
overview = health.table_overview(dealer, month=month)
checks = health.data_checks(dealer, month=month)
gaps = health.missing_months(dealer, month=month)
warnings_table = health.validation_warnings(dealer)
'''),
    md("## What arrived\n\nEach table the kit read, its rows, and the months it covers. *Rows in month* counts the "
       "rows dated in the reporting month.", lang="en"),
    md("## 收到的数据\n\n本次读取的每张表、行数及覆盖的月份。“本月行数”为日期落在报告月份的行数。", lang="zh"),
    code('''
report.table(overview, labels={"table": pick(lang, "Table", "表"), "file": pick(lang, "File", "文件"),
                               "rows": pick(lang, "Rows", "行数"), "stores": pick(lang, "Stores", "门店数"),
                               "first": pick(lang, "First month", "起始月"), "last": pick(lang, "Last month", "截止月"),
                               "rows_in_month": pick(lang, "Rows in month", "本月行数")})
'''),
    md("## Rows per store and month\n\nA sudden drop for one store usually means an export went missing, not "
       "that the showroom stopped working.", lang="en"),
    md("## 各门店每月数据量\n\n某门店数据量骤降，通常是导出缺失，而不是展厅停止营业。", lang="zh"),
    code('''
by_store = health.rows_by_store(dealer, month=month, months=12)
leads_by_store = by_store[by_store["table"] == "leads"].drop(columns="table").set_index("store_id").T
leads_by_store.index.name = "month"
plots.plot_lines(leads_by_store.reset_index(), x="month", ys=list(leads_by_store.columns),
                 labels=[dealer.settings.store_name(s) for s in leads_by_store.columns],
                 title=pick(lang, f"New leads per month, last 12 months to {month}", f"近12个月每月新增线索（截至{month}）"),
                 ylabel=pick(lang, "leads", "线索数"))
'''),
    code('''
report.table(by_store, labels={"table": pick(lang, "Table", "表"), "store_id": pick(lang, "Store", "门店")})
'''),
    md("## Months missing\n\nMonths with no rows between a table's first month and the reporting month.", lang="en"),
    md("## 缺失月份\n\n从该表的首个月份到报告月份之间没有任何数据的月份。", lang="zh"),
    code('''
report.table(gaps, empty=pick(lang, "No month is missing in any table.", "所有表都没有缺失月份。"))
'''),
    md("## Checks\n\nPlain checks on the month's data. Rows marked for attention need a word with whoever keeps "
       "the DMS/CRM records.", lang="en"),
    md("## 数据检查\n\n对本月数据的基本检查。标红的项目需要与DMS/CRM录入人员核实。", lang="zh"),
    code('''
report.table(checks, formats={"share": "pct"}, highlight={"count": "attention"},
             labels={"check": pick(lang, "Check", "检查项"), "count": pick(lang, "Count", "数量"),
                     "out_of": pick(lang, "Out of", "总数"), "share": pick(lang, "Share", "占比"),
                     "meaning": pick(lang, "What it means", "含义")})
'''),
    md("## Validation warnings\n\nThings the loader accepted but wants you to know (extra columns it ignored, "
       "ids it could not match).", lang="en"),
    md("## 校验提示\n\n读取时接受但需要注意的情况（被忽略的多余列、无法匹配的编号等）。", lang="zh"),
    code('''
report.table(warnings_table, empty=pick(lang, "No warnings.", "没有提示。"))
'''),
    code('''
report.glue("tables", len(overview), label=pick(lang, "Tables loaded", "已读取表"), kind="int")
report.glue("leads_in_month", int(overview.set_index("table").loc["leads", "rows_in_month"]),
            label=pick(lang, "Leads registered in month", "本月新增线索"), kind="int")
report.glue("checks_attention", int(checks["attention"].sum()), label=pick(lang, "Checks needing attention", "需关注的检查项"), kind="int")
report.glue("warnings", len(warnings_table), label=pick(lang, "Validation warnings", "校验提示"), kind="int")
'''),
]
write("notebooks/data_health.ipynb", cells)
