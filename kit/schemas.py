"""Column contracts for the tables a dealership hands the kit (see ``docs/DATA_CONTRACT.md``).

Each table is a :class:`TableSpec`: its columns with type, whether required, allowed values, ranges and the
Chinese headers dealer systems export (aliases). ``kit.io`` reads a file, maps headers and values through these
specs, parses the types, and validates with pandera; nothing here reads files.

Values may also arrive in Chinese (``来店``, ``成交``, ``是``); ``VALUE_ALIASES`` maps them to the canonical codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["str", "date", "datetime", "month", "int", "float", "bool"]

CHANNELS = ("walk_in", "phone", "online", "referral", "event")
LEAD_STATUSES = ("open", "won", "lost")
CONSULTANT_GRADES = ("H", "A", "B", "C", "O", "F", "N")
FOLLOWUP_KINDS = ("call", "visit", "wechat", "sms")
LEAVE_TYPES = ("voluntary", "involuntary")


@dataclass(frozen=True)
class Column:
    """One column of a table contract.

    ``required`` means the column must be present; ``nullable`` whether a cell may be empty.
    """

    name: str
    kind: Kind
    description: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    aliases: tuple[str, ...] = ()
    personal: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A table contract: columns, the unique key, and a sample row for the data dictionary."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    sample: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def header_aliases(self) -> dict[str, str]:
        """Map every accepted header spelling (canonical, Chinese, case/space variants) to the canonical name."""
        mapping: dict[str, str] = {}
        for col in self.columns:
            for alias in (col.name, *col.aliases):
                mapping[normalise_header(alias)] = col.name
        return mapping


def normalise_header(text: object) -> str:
    """Header comparison key: trimmed, lower-case, full-width brackets and inner spaces removed."""
    s = str(text).strip().lower()
    for a, b in (("（", "("), ("）", ")"), ("\u3000", " "), ("：", ":")):
        s = s.replace(a, b)
    return "".join(s.split()).replace("-", "_")


LEADS = TableSpec(
    name="leads",
    description="One row per prospect (意向客户 / A卡), as registered in the showroom or by the DCC team.",
    key=("lead_id",),
    columns=(
        Column("lead_id", "str", "Lead id, unique", aliases=("客户编号", "线索编号", "线索ID", "客户ID")),
        Column("store_id", "str", "Store", aliases=("门店", "门店编号", "店号")),
        Column("created_at", "date", "First registration date (建档日期)", aliases=("建档日期", "登记日期", "创建日期")),
        Column("channel", "str", "Lead channel", allowed=CHANNELS, aliases=("渠道", "来源渠道", "线索来源")),
        Column("consultant_id", "str", "Sales consultant (a staff_id); empty = not yet assigned (listed as a warning)",
               nullable=True, aliases=("销售顾问", "顾问编号", "销售顾问编号")),
        Column("model_interest", "str", "Car model of interest", aliases=("意向车型",)),
        Column("visits", "int", "Showroom visits", min=0, aliases=("到店次数",)),
        Column("test_drive", "bool", "Took a test drive", aliases=("试乘试驾", "是否试驾")),
        Column("quoted", "bool", "Was given a price quote", aliases=("是否报价", "报价")),
        Column("trade_in", "bool", "Has a car to trade in", aliases=("置换意向", "是否置换")),
        Column("finance", "bool", "Wants a loan", aliases=("贷款意向", "是否贷款")),
        Column("grade", "str", "Intent grade set by the consultant", nullable=True, allowed=CONSULTANT_GRADES,
               aliases=("客户级别", "意向级别")),
        Column("status", "str", "open, won or lost", allowed=LEAD_STATUSES, aliases=("状态", "线索状态")),
        Column("closed_at", "date", "Order (won) or 战败 (lost) date; required when won or lost", nullable=True,
               aliases=("成交/战败日期", "关闭日期", "成交战败日期")),
        Column("delivered_at", "date", "Date the car was handed over (won leads)", required=False, nullable=True,
               aliases=("交车日期",)),
        Column("lost_reason", "str", "战败 reason", required=False, nullable=True, aliases=("战败原因",)),
        Column("gross_profit", "float", "Gross profit per car, CNY (won leads)", required=False, nullable=True,
               aliases=("单车毛利",)),
        Column("customer_name", "str", "Customer name (personal data)", required=False, nullable=True,
               aliases=("客户姓名", "姓名"), personal=True),
        Column("phone", "str", "Customer phone (personal data)", required=False, nullable=True,
               aliases=("联系电话", "手机", "电话"), personal=True),
    ),
    sample={"lead_id": "L000001", "store_id": "S1", "created_at": "2026-10-03", "channel": "walk_in",
            "consultant_id": "E012", "model_interest": "Aurora", "visits": 2, "test_drive": True, "quoted": True,
            "trade_in": False, "finance": True, "grade": "A", "status": "open", "closed_at": None},
)

FOLLOWUPS = TableSpec(
    name="followups",
    description="One row per contact with a prospect (回访记录).",
    key=(),
    columns=(
        Column("lead_id", "str", "Lead id (must exist in leads)", aliases=("客户编号", "线索编号", "线索ID")),
        Column("at", "datetime", "When the contact happened", aliases=("回访时间", "跟进时间", "联系时间")),
        Column("consultant_id", "str", "Who made the contact", aliases=("销售顾问", "顾问编号")),
        Column("kind", "str", "call, visit, wechat or sms", allowed=FOLLOWUP_KINDS, aliases=("方式", "跟进方式", "回访方式")),
        Column("outcome", "str", "Free text", required=False, nullable=True, aliases=("结果", "跟进结果", "回访内容")),
    ),
    sample={"lead_id": "L000001", "at": "2026-10-05 14:30", "consultant_id": "E012", "kind": "call",
            "outcome": "invited for test drive"},
)

STAFF = TableSpec(
    name="staff",
    description="Staff roster (花名册): one row per employment spell.",
    key=("staff_id",),
    columns=(
        Column("staff_id", "str", "Employee id, unique", aliases=("员工编号", "工号")),
        Column("name", "str", "Name (personal data)", required=False, nullable=True, aliases=("姓名",), personal=True),
        Column("store_id", "str", "Store", aliases=("门店", "门店编号")),
        Column("department", "str", "Department (sales, after_sales, finance, admin, …)", nullable=True,
               aliases=("部门",)),
        Column("role", "str", "Role (sales_consultant, showroom_manager, …)", aliases=("岗位", "职位")),
        Column("hire_date", "date", "Hire date", aliases=("入职日期",)),
        Column("leave_date", "date", "Last day worked; empty while employed", nullable=True, aliases=("离职日期",)),
        Column("leave_type", "str", "voluntary or involuntary; empty while employed", nullable=True,
               allowed=LEAVE_TYPES, aliases=("离职类型", "离职性质")),
        Column("manager_id", "str", "Line manager's staff_id", required=False, nullable=True,
               aliases=("直属上级", "上级编号")),
    ),
    sample={"staff_id": "E012", "name": "张伟", "store_id": "S1", "department": "sales", "role": "sales_consultant",
            "hire_date": "2024-03-11", "leave_date": None, "leave_type": None, "manager_id": "E002"},
)

KPI = TableSpec(
    name="kpi",
    description="Monthly KPI actuals and targets per person, long format (one row per month × person × metric).",
    key=("month", "staff_id", "metric"),
    columns=(
        Column("month", "month", "Month, YYYY-MM", aliases=("月份",)),
        Column("staff_id", "str", "Employee id", aliases=("员工编号", "工号")),
        Column("metric", "str", "Metric name (units_sold, gross_profit, …)", aliases=("指标",)),
        Column("actual", "float", "Actual value", aliases=("实际", "实际值", "完成")),
        Column("target", "float", "Target value", min=0, aliases=("目标", "目标值")),
    ),
    sample={"month": "2026-10", "staff_id": "E012", "metric": "units_sold", "actual": 9, "target": 10},
)

SALES = TableSpec(
    name="sales",
    description="Monthly deliveries (交车台数) per store and car model.",
    key=("month", "store_id", "model"),
    columns=(
        Column("month", "month", "Month, YYYY-MM", aliases=("月份",)),
        Column("store_id", "str", "Store", aliases=("门店", "门店编号")),
        Column("model", "str", "Car model", aliases=("车型",)),
        Column("units", "int", "Cars delivered", min=0, aliases=("交车台数", "销量", "交车数")),
        Column("orders", "int", "New orders", required=False, nullable=True, min=0, aliases=("订单数",)),
        Column("gross_profit", "float", "Gross profit, CNY", required=False, nullable=True, aliases=("毛利",)),
    ),
    sample={"month": "2026-10", "store_id": "S1", "model": "Aurora", "units": 41, "orders": 44},
)

STOCK = TableSpec(
    name="stock",
    description="Stock per store and car model on the as-of date, for the order plan.",
    key=("store_id", "model"),
    columns=(
        Column("store_id", "str", "Store", aliases=("门店", "门店编号")),
        Column("model", "str", "Car model", aliases=("车型",)),
        Column("on_hand", "int", "Cars in stock", min=0, aliases=("在库", "库存")),
        Column("in_transit", "int", "Cars ordered and on the way", min=0, aliases=("在途",)),
        Column("as_of", "date", "Stock date", aliases=("日期", "盘点日期")),
    ),
    sample={"store_id": "S1", "model": "Aurora", "on_hand": 38, "in_transit": 12, "as_of": "2026-10-31"},
)

TRAFFIC = TableSpec(
    name="traffic",
    description="Optional. Daily funnel top per store: every walk-in, call and online enquiry, registered or not.",
    key=("date", "store_id", "channel"),
    columns=(
        Column("date", "date", "Day", aliases=("日期",)),
        Column("store_id", "str", "Store", aliases=("门店", "门店编号")),
        Column("channel", "str", "walk_in, phone or online", allowed=("walk_in", "phone", "online"),
               aliases=("渠道",)),
        Column("visitors", "int", "Visitors, callers or enquiries that day", min=0, aliases=("客流", "人数", "数量")),
    ),
    sample={"date": "2026-10-03", "store_id": "S1", "channel": "walk_in", "visitors": 37},
)

GRADE_LOG = TableSpec(
    name="grade_log",
    description="Optional. The consultants' grades as recorded over time (the month-end 意向客户级别状况表): lets "
                "the kit compare the consultants' judgement with the score on leads that have since closed.",
    key=("lead_id", "at"),
    columns=(
        Column("lead_id", "str", "Lead id (must exist in leads)", aliases=("客户编号", "线索编号")),
        Column("at", "date", "Date the grade was recorded", aliases=("日期", "记录日期", "月末日期")),
        Column("grade", "str", "Grade on that date", allowed=CONSULTANT_GRADES, aliases=("客户级别", "意向级别")),
    ),
    sample={"lead_id": "L000001", "at": "2026-09-30", "grade": "A"},
)

ORDERS = TableSpec(
    name="orders",
    description="Optional. The order and delivery ledger (订单交车台账 / 销售台账): one row per car ordered, with its "
                "delivery date once handed over and the income attached to the deal. Feeds the daily, weekly and "
                "monthly sales summary; the attached-income columns are optional and absent ones are simply not "
                "shown. Monthly totals should agree with `sales` (the data-health report compares them).",
    key=("order_id",),
    columns=(
        Column("order_id", "str", "Order number or VIN, unique", aliases=("订单编号", "订单号", "销售单号", "车架号", "VIN")),
        Column("store_id", "str", "Store", aliases=("门店", "门店编号")),
        Column("ordered_at", "date", "Order date (签单日期)", aliases=("订单日期", "签单日期", "下订日期")),
        Column("delivered_at", "date", "Delivery date; empty while the car is not yet handed over", nullable=True,
               aliases=("交车日期", "开票日期")),
        Column("cancelled_at", "date", "Date the order was cancelled (退订); empty otherwise", required=False,
               nullable=True, aliases=("退订日期", "取消日期")),
        Column("consultant_id", "str", "Sales consultant (a staff_id); empty for fleet deals sold by management",
               nullable=True, aliases=("销售顾问", "顾问编号", "销售顾问编号")),
        Column("model", "str", "Car model", aliases=("车型",)),
        Column("sale_type", "str", "retail or fleet (大客户)", required=False, nullable=True,
               allowed=("retail", "fleet"), aliases=("销售类型", "客户类型")),
        Column("lead_id", "str", "The lead it came from, when known", required=False, nullable=True,
               aliases=("客户编号", "线索编号")),
        Column("gross_profit", "float", "Front-end gross profit on the car, CNY (单车毛利)", required=False,
               nullable=True, aliases=("单车毛利", "整车毛利")),
        Column("accessories_income", "float", "Accessories and decoration income, CNY (精品/装饰)", required=False,
               nullable=True, aliases=("精品收入", "装饰收入", "精品毛利")),
        Column("insurance_income", "float", "Insurance commission, CNY (保险); empty or 0 = no insurance sold",
               required=False, nullable=True, aliases=("保险收入", "保险佣金", "保险返佣")),
        Column("finance_income", "float", "Finance (按揭) fee and commission, CNY; empty or 0 = cash deal",
               required=False, nullable=True, aliases=("金融收入", "按揭收入", "按揭手续费")),
        Column("warranty_income", "float", "Extended-warranty income, CNY (延保)", required=False, nullable=True,
               aliases=("延保收入",)),
        Column("trade_in", "bool", "The customer traded in a car (置换)", required=False, nullable=True,
               aliases=("是否置换", "置换")),
        Column("trade_in_income", "float", "Income from the trade-in (二手车置换收益), CNY", required=False,
               nullable=True, aliases=("置换收益", "二手车收益")),
        Column("followup_at", "date", "First call to the customer after delivery (交车回访)", required=False,
               nullable=True, aliases=("回访日期", "交车回访日期")),
        Column("customer_name", "str", "Customer name (personal data)", required=False, nullable=True,
               aliases=("客户姓名", "姓名"), personal=True),
        Column("phone", "str", "Customer phone (personal data)", required=False, nullable=True,
               aliases=("联系电话", "手机", "电话"), personal=True),
    ),
    sample={"order_id": "O2610001", "store_id": "S1", "ordered_at": "2026-10-02", "delivered_at": "2026-10-09",
            "consultant_id": "E012", "model": "Aurora", "sale_type": "retail", "lead_id": "L000001",
            "gross_profit": 6200, "accessories_income": 3800, "insurance_income": 1450, "finance_income": 2200,
            "warranty_income": 0, "trade_in": False, "followup_at": "2026-10-11"},
)

TARGETS = TableSpec(
    name="targets",
    description="Optional. Monthly sales targets per store, and optionally per car model (long format, like kpi). "
                "An empty model is the store's target over all models. Metrics: deliveries, orders, gross_profit, "
                "accessories_income, insurance_income, finance_income, warranty_income, trade_in_income. "
                "Consultants' own targets come from the kpi table.",
    key=("month", "store_id", "model", "metric"),
    columns=(
        Column("month", "month", "Month, YYYY-MM", aliases=("月份",)),
        Column("store_id", "str", "Store", aliases=("门店", "门店编号")),
        Column("model", "str", "Car model; empty = all models of the store", nullable=True, aliases=("车型",)),
        Column("metric", "str", "What the target is for", aliases=("指标",),
               allowed=("deliveries", "orders", "gross_profit", "accessories_income", "insurance_income",
                        "finance_income", "warranty_income", "trade_in_income")),
        Column("target", "float", "Target value (cars or CNY)", min=0, aliases=("目标", "目标值")),
    ),
    sample={"month": "2026-10", "store_id": "S1", "model": None, "metric": "deliveries", "target": 40},
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (LEADS, FOLLOWUPS, STAFF, KPI, SALES, STOCK, TRAFFIC, GRADE_LOG,
                                                    ORDERS, TARGETS)}

#: Tables a dealership must provide; the others are optional.
REQUIRED_TABLES = ("leads", "followups", "staff", "kpi", "sales", "stock")

#: Values dealer systems write in Chinese (or other spellings), per canonical column name.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "channel": {"来店": "walk_in", "到店": "walk_in", "展厅": "walk_in", "来电": "phone", "电话": "phone",
                "网络": "online", "网络(dcc)": "online", "dcc": "online", "网销": "online", "线上": "online",
                "转介绍": "referral", "介绍": "referral", "车展活动": "event", "车展": "event", "活动": "event",
                "巡展": "event", "walk-in": "walk_in"},
    "status": {"跟进中": "open", "未成交": "open", "进行中": "open", "成交": "won", "已成交": "won",
               "战败": "lost", "已战败": "lost"},
    "kind": {"电话": "call", "来电": "call", "到店": "visit", "来店": "visit", "微信": "wechat", "短信": "sms"},
    "leave_type": {"主动": "voluntary", "主动离职": "voluntary", "辞职": "voluntary", "被动": "involuntary",
                   "被动离职": "involuntary", "辞退": "involuntary", "解雇": "involuntary"},
    "department": {"销售部": "sales", "销售": "sales", "售后部": "after_sales", "售后": "after_sales",
                   "财务部": "finance", "财务": "finance", "行政部": "admin", "行政": "admin",
                   "市场部": "marketing", "市场": "marketing", "总经办": "management"},
    "sale_type": {"零售": "retail", "个人": "retail", "大客户": "fleet", "集团客户": "fleet", "批售": "fleet"},
    "metric": {"交车": "deliveries", "交车台数": "deliveries", "订单": "orders", "订单数": "orders", "毛利": "gross_profit",
               "精品收入": "accessories_income", "装饰收入": "accessories_income", "保险收入": "insurance_income",
               "金融收入": "finance_income", "按揭收入": "finance_income", "延保收入": "warranty_income",
               "置换收益": "trade_in_income"},
    "role": {"销售顾问": "sales_consultant", "展厅经理": "showroom_manager", "销售经理": "sales_manager",
             "网销专员": "dcc_specialist", "dcc专员": "dcc_specialist", "服务顾问": "service_advisor",
             "维修技师": "technician", "技师": "technician", "配件专员": "parts_specialist",
             "金融专员": "finance_specialist", "行政专员": "admin_staff", "总经理": "general_manager",
             "售后经理": "after_sales_manager", "市场专员": "marketing_specialist"},
}

#: Chinese header for each canonical column: the first alias (used when writing dealer-style exports).
CHINESE_HEADERS: dict[str, dict[str, str]] = {
    t.name: {c.name: c.aliases[0] for c in t.columns if c.aliases} for t in TABLES.values()
}

#: Chinese spelling of each canonical value (the first alias per value), for dealer-style exports.
CHINESE_VALUES: dict[str, dict[str, str]] = {
    col: {canon: zh for zh, canon in reversed(list(mapping.items())) if not zh.isascii()}
    for col, mapping in VALUE_ALIASES.items()
}


def contract_markdown() -> str:
    """The data contract as Markdown (``docs/DATA_CONTRACT.md`` is this text; a test keeps them equal)."""
    lines = [
        "# Data contract",
        "",
        "Generated from `kit/schemas.py` by `python -m kit.schemas > docs/DATA_CONTRACT.md`; do not edit by hand.",
        "",
        "One folder per dealership. Each table is `NAME.csv` (UTF-8, UTF-8 with BOM, GBK/GB18030; separated by commas,",
        "tabs or semicolons) or `NAME.xlsx` (the first sheet whose top rows hold the table's headers; title rows above",
        "the header are skipped). Headers may be the canonical names or any alias below",
        "(case, spaces and full-width brackets are ignored). Dates: `2026-10-31`, `2026/10/31`, `2026年10月31日` or",
        "Excel dates; months: `2026-10`, `2026/10`, `2026年10月`; yes/no: `是/否`, `true/false`, `1/0`, `Y/N`.",
        "Unknown extra columns are kept and reported as a warning; in `staff`, an extra column whose filled cells are",
        "all numbers (base pay, weekend shifts a month, training hours …) is read as numbers and feeds the at-risk model",
        "and the driver summary. Personal data (names, phones) is masked in reports.",
        f"Required tables: {', '.join(REQUIRED_TABLES)}; optional: "
        f"{', '.join(n for n in TABLES if n not in REQUIRED_TABLES)}.",
        "",
    ]
    for spec in TABLES.values():
        lines += [f"## {spec.name}", "", spec.description, ""]
        if spec.key:
            lines += [f"Unique key: `{', '.join(spec.key)}`.", ""]
        lines += ["| column | type | required | empty allowed | allowed values / range | Chinese headers | meaning |",
                  "|---|---|---|---|---|---|---|"]
        for c in spec.columns:
            allowed = ", ".join(c.allowed) if c.allowed else ""
            if c.min is not None:
                allowed = (allowed + " " if allowed else "") + f"≥ {c.min:g}"
            if c.max is not None:
                allowed = (allowed + " " if allowed else "") + f"≤ {c.max:g}"
            zh = ", ".join(c.aliases)
            meaning = c.description + (" (personal data)" if c.personal else "")
            lines.append(f"| `{c.name}` | {c.kind} | {'yes' if c.required else 'no'} | "
                         f"{'yes' if (c.nullable or not c.required) else 'no'} | {allowed} | {zh} | {meaning} |")
        sample = ", ".join(f"{k}={v}" for k, v in spec.sample.items())
        lines += ["", f"Sample row: {sample}", ""]
    lines += ["## Value aliases", "", "Values dealer systems write in Chinese are mapped to the canonical codes:", ""]
    for column, mapping in VALUE_ALIASES.items():
        pairs = ", ".join(f"{k} → {v}" for k, v in mapping.items())
        lines += [f"- `{column}`: {pairs}"]
    lines += ["", "## Rules across columns and tables", "",
              "- leads: a won or lost lead needs `closed_at`; an open lead has none; `closed_at` ≥ `created_at`;",
              "  `delivered_at` only on won leads and not before `closed_at`.",
              "- staff: `leave_date` ≥ `hire_date`; `leave_type` is set exactly when `leave_date` is.",
              "- orders: `delivered_at` not before `ordered_at`.",
              "- every date and month: not before 1900-01-01 (error).",
              "- followups: every `lead_id` exists in leads (error); a follow-up dated before its lead's `created_at`",
              "  is a warning (kept and counted as it is).",
              "- leads.consultant_id and kpi.staff_id should exist in staff (warning).",
              "- dealer.yml: every metric a KPI profile, gate or the profit commission names exists in kpi (error when",
              "  dealer.yml sets them; one warning when the kit's default profiles would be used).", ""]
    lines += ["## What the kit does with unusual input", "",
              "`kit validate` lists every problem of every file in one pass; an error stops `kit report` before",
              "anything is written (exit code 2), a warning is printed and the data is used as described.", "",
              "| input | what the kit does |", "|---|---|"]
    lines += [f"| {case} | {handling} |" for case, handling in UNUSUAL_INPUT]
    lines += ["", "## Which month `--month last` reports on", "",
              "The latest month that is complete in every one of sales, leads and kpi, and not after today:",
              "sales and kpi are complete for a month when every store that had rows the month before has rows in it",
              "(kpi rows belong to the store of their `staff_id`); leads are complete when the lead export's newest",
              "date on or before today (a lead created, closed or delivered, a follow-up, a grade-sheet or traffic",
              "day) reaches the month's last day. The current month is never complete. Rows dated after today (a",
              "typo'd year, a next month exported early) are never chosen and are listed as warnings. A month",
              "before the first month all three tables cover, or after the chosen one, is refused with the range.",
              "A store that closed must still appear with zero rows, or the month stays incomplete.", ""]
    return "\n".join(lines)


#: (input, handling) rows of the data contract's "What the kit does with unusual input" table
UNUSUAL_INPUT: tuple[tuple[str, str], ...] = (
    ("UTF-16 text (Excel's 'Unicode text'), with or without BOM; bytes that are neither UTF-8 nor GBK",
     "error naming the file and how to save it (CSV UTF-8 or .xlsx)"),
    ("different encodings in different files", "each file is decoded on its own; read as usual"),
    ("one file whose lines are partly UTF-8 and partly GBK (two exports pasted together)",
     "error naming the lines in the minority encoding; never read as garbled text"),
    ("NUL (zero) bytes inside cells", "error naming the rows and the column"),
    ("a table with only its header", "required table: error (for stock: the stock is unknown, so no order can be "
     "suggested); optional table: warning, treated as absent"),
    ("a table with one row", "read as usual"),
    ("a table path that is a folder, a named pipe (FIFO), a device, a symbolic link that loops or points nowhere, "
     "or a file that cannot be read", "error naming the file and what it is; a pipe is refused without waiting on it"),
    ("an old `.xls` workbook", "error: save it as `.xlsx` or export `.csv`"),
    ("semicolon- or tab-separated CSV", "the separator whose split finds the most known headers is used"),
    ("a row with more cells than the header (an unquoted comma, as in ¥12,345)",
     "error naming the row; empty trailing cells are ignored; a short row is padded with empty cells"),
    ("blank lines between or after the rows", "skipped; row numbers in messages stay those Excel shows"),
    ("Excel: a notes sheet before the data", "the first sheet whose top rows hold the table's headers is read"),
    ("Excel: merged title cells, title rows above the header, blank or formatted rows at the end",
     "titles skipped (up to 10 rows), empty rows dropped"),
    ("dates as Excel serial numbers (46326)", "read as dates (1899-12-30 + days; a fraction is the time of day)"),
    ("months as Excel serial numbers", "five-digit numbers between 32874 and 73050 (1990–2099) are read as the "
     "month of that date; other five-digit numbers are an error (they would read as years like 4629)"),
    ("a column twice, or two headers that map to one column (`客户编号` and `lead_id`)",
     "error naming both headers and their column letters"),
    ("two unknown columns with the same header", "both kept, the second as `NAME (2)`; warning"),
    ("money as text: `¥12,345.00`, `￥8,000元`, full-width digits, `85%`",
     "read as the number (12345.0, 8000.0, 0.85); thousands separators must group by three"),
    ("a decimal comma (`12,5`)", "error: it is never read as 125"),
    ("dates after today", "warning naming the rows (targets may be ahead); never chosen as the report month"),
    ("dates before 1990, or a few dates more than 12 months before the rest of their column (a typo'd year)",
     "warning naming the rows"),
    ("dates before 1900, or years the kit cannot hold (9999-12-31 as 'no end date')",
     "error naming the rows: leave the cell empty instead"),
    ("follow-ups dated before their lead was created", "warning naming the rows; kept and counted as they are"),
    ("a store with no rows in a month between its first and last month (sales, kpi, leads, traffic)",
     "warning naming the store and months; the forecast counts a missing month as 0 deliveries, and that month "
     "cannot be `--month last` while the store had rows the month before"),
    ("a store that sells but has no stock rows", "warning: the order plan counts it as 0 cars in stock"),
    ("dealer.yml missing", "warning; neutral defaults (name 'Dealership', store ids as names, default KPI "
     "settings), never the kit's sample template"),
    ("dealer.yml empty or only comments", "warning; the same neutral defaults"),
    ("dealer.yml not UTF-8 or GBK text, UTF-16, with NUL bytes, larger than 1 MB, a folder or a named pipe",
     "error naming the file"),
    ("dealer.yml with YAML anchors or aliases (`&a`, `*a`, including an 'alias bomb'), more than 50,000 values, or "
     "a key written twice in one section", "error naming the line; nothing is expanded"),
    ("dealer.yml: unknown or ill-typed settings", "error naming the setting (see `kit/settings.py`)"),
    ("a KPI profile naming a metric the kpi table does not have", "error naming the profile and the metric"),
)


if __name__ == "__main__":  # pragma: no cover
    print(contract_markdown(), end="")
