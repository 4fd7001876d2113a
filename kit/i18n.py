"""Report text in English and Chinese: ``t(key, lang)``. Domain modules keep their own phrases (score reasons)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "summary": {"en": "Summary", "zh": "摘要"},
    "contents": {"en": "Contents", "zh": "目录"},
    "back_to_index": {"en": "← All reports of this month", "zh": "← 本月全部报告"},
    "report_meta": {"en": "Month {month} · generated {generated}", "zh": "月份 {month} · 生成于 {generated}"},
    "report_footer": {"en": "dealer-kit {version} · figures computed from the dealership's own exports",
                      "zh": "dealer-kit {version} · 数据来自经销商系统导出"},
    "index_title": {"en": "Monthly management reports — {month}", "zh": "月度经营管理报告 — {month}"},
    "generated": {"en": "Generated", "zh": "生成时间"},
    "status_ok": {"en": "ready", "zh": "已生成"},
    "status_failed": {"en": "failed", "zh": "失败"},
    "run_time": {"en": "run time", "zh": "耗时"},
    "open_report": {"en": "Open report →", "zh": "打开报告 →"},
    "executed_notebook": {"en": "executed notebook (for the analyst)", "zh": "已执行的笔记本（供分析人员排查）"},
    "failed_reason": {"en": "This report could not be produced", "zh": "本报告未能生成"},
    "all_months": {"en": "All months", "zh": "全部月份"},
}


def t(key: str, lang: str = "en") -> str:
    """The text for ``key`` in ``lang`` (English when the key has no such language)."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry["en"]


def pick(lang: str, en: str, zh: str) -> str:
    """Inline bilingual text: ``pick(lang, "Leads", "线索")``."""
    return zh if lang == "zh" else en


#: Display names of codes that appear as column names or values in report tables.
LABELS: dict[str, tuple[str, str]] = {
    # funnel steps and rates
    "enquiries": ("Enquiries", "客流/咨询"), "registered": ("Registered", "留档"), "test_drive": ("Test drive", "试乘试驾"),
    "ordered": ("Ordered", "订单"), "delivered": ("Delivered", "交车"),
    "registration_rate": ("Registration rate", "留档率"), "test_drive_rate": ("Test-drive rate", "试驾率"),
    "order_rate": ("Order rate", "成交率"), "delivery_rate": ("Delivery rate", "交车率"),
    "month": ("Month", "本月"), "trailing_12_months": ("Trailing 12 months", "近12个月"),
    # channels
    "walk_in": ("Walk-in", "来店"), "phone": ("Phone", "来电"), "online": ("Online (DCC)", "网络(DCC)"),
    "referral": ("Referral", "转介绍"), "event": ("Event", "车展活动"),
    "channel": ("Channel", "渠道"), "model_interest": ("Car model", "意向车型"), "consultant": ("Consultant", "销售顾问"),
    "store_id": ("Store", "门店"), "model": ("Car model", "车型"), "role": ("Role", "岗位"),
    "department": ("Department", "部门"),
    # roles and departments
    "sales_consultant": ("Sales consultant", "销售顾问"), "showroom_manager": ("Showroom manager", "展厅经理"),
    "sales_manager": ("Sales manager", "销售经理"), "dcc_specialist": ("DCC specialist", "网销专员"),
    "service_advisor": ("Service advisor", "服务顾问"), "technician": ("Technician", "维修技师"),
    "parts_specialist": ("Parts specialist", "配件专员"), "finance_specialist": ("Finance specialist", "金融专员"),
    "admin_staff": ("Admin staff", "行政专员"), "general_manager": ("General manager", "总经理"),
    "after_sales_manager": ("After-sales manager", "售后经理"), "marketing_specialist": ("Marketing specialist", "市场专员"),
    "sales": ("Sales", "销售部"), "after_sales": ("After-sales", "售后部"), "finance": ("Finance", "财务部"),
    "admin": ("Admin", "行政部"), "marketing": ("Marketing", "市场部"), "management": ("Management", "总经办"),
    "key_staff": ("Key staff and managers", "关键岗位与管理人员"), "other_staff": ("Other staff", "其他员工"),
    "within target": ("within target", "达标"), "above target": ("above target", "超目标"),
    "alert": ("alert", "警报"), "no rate": ("no rate", "无数据"),
    "voluntary": ("Voluntary", "主动离职"), "involuntary": ("Involuntary", "被动离职"),
}


def label(code: object, lang: str = "en") -> str:
    """Display name of a code (``walk_in`` → "Walk-in" / "来店"); the code itself when unknown."""
    entry = LABELS.get(str(code))
    if entry is None:
        return str(code)
    return entry[1] if lang == "zh" else entry[0]


def labels(lang: str = "en", **extra: str) -> dict[str, str]:
    """Every known code's display name, plus ``extra`` (for ``report.table(labels=...)``)."""
    return {code: label(code, lang) for code in LABELS} | extra
