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
