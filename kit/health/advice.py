"""What to do first after reading the data-health report: three to six sentences with numbers.

:func:`what_to_do` says, in this order and when the data shows them: which month the report covers and why (and
which later month is not complete yet, and why); the most pressing warning — a store missing from a month, dates
that cannot be right, or else the file with the most important warning; the checks that need attention; and
whether the order ledger agrees with the monthly sales table and the KPI sheet. Each item is a catalog key
(``kit/catalog/health.yml``) with its fields formatted in the report's language.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit import i18n
from kit.exceptions import Problem, render_fields
from kit.health.ledger import MONEY_CHECKS
from kit.health.summary import DataHealth
from kit.report.format import fmt_int, fmt_money, fmt_pct

#: At most this many sentences.
MAX_ITEMS = 6
#: At most this many checks are turned into sentences (the table lists them all).
MAX_CHECKS = 2
#: Warnings about dates that parse but cannot be right.
IMPLAUSIBLE_DATES = ("date_in_future", "month_in_future", "date_far_before_the_rest", "date_before_1990")
#: Which warning matters most when one file has to be named first (earlier = more important).
WARNING_ORDER = ("settings_missing", "kpi_default_metrics_absent", "store_missing_months", "store_missing_months_more",
                 *IMPLAUSIBLE_DATES, "followup_before_lead", "id_unknown", "stock_store_missing", "lead_no_consultant",
                 "settings_empty", "header_only_optional", "columns_extra")
#: Checks in the order they are told.
CHECK_ORDER = ("leads_registered", "consultants_without_kpi", "open_leads_without_followup", "models_without_stock",
               "leads_without_consultant", "staff_without_department")

Item = tuple[str, dict[str, Any]]


def what_to_do(health: DataHealth, *, lang: str = "en", settings: Any = None,
               people: dict[str, str] | None = None) -> list[Item]:
    """The report's "what to do first" sentences as (catalog key, fields) pairs, most important first.

    Parameters
    ----------
    health : DataHealth
    lang : the report's language (table names, the words inside problems).
    settings : kit.settings.Settings, optional
        Store names.
    people : mapping staff_id -> display label (masked), for a consultant the ledger disagrees about.
    """
    items = _month(health, lang)
    told = _warnings(health, lang, settings)
    items += told
    checks = _checks(health)
    items += checks
    ledger = _ledger(health, lang, settings, people or {})
    if not told and not checks and ledger[0][0] in ("health.advice.ledger_agrees", "health.advice.no_ledger"):
        items.append(("health.advice.all_clear", {"month": health.month}))
    items += ledger
    return items[:MAX_ITEMS]


def _table(name: str, lang: str) -> str:
    return i18n.label(name, lang, group="table")


def _store(store: str, settings: Any) -> str:
    return settings.store_name(store) if settings is not None else str(store)


def _month(health: DataHealth, lang: str) -> list[Item]:
    choice = health.choice
    if choice is None:
        return [("health.advice.month_no_complete", {"month": health.month})]
    if health.month != choice.month:
        return [("health.advice.month_given", {"month": health.month, "last": choice.month})]
    items: list[Item] = [("health.advice.month_last", {
        "month": choice.month, "table": _table(choice.limited_by, lang),
        "through": choice.last_complete[choice.limited_by]})]
    notes = [(table, key, fields) for table, found in choice.notes.items() for key, fields in found
             if key in ("lacks_stores", "only_reaches")]
    if notes:
        sep = i18n.t("month.note_sep", lang)
        text = sep.join(i18n.t("month.skipped_table", lang, table=_table(table, lang),
                               notes=i18n.t(f"month.{key}", lang, **render_fields(fields, lang)))
                        for table, key, fields in notes)
        later = max(fields["month"] for _, _, fields in notes)
        items.append(("health.advice.month_incomplete", {"later": later, "why": text}))
    return items


def _warnings(health: DataHealth, lang: str, settings: Any) -> list[Item]:
    warnings = health.attention_warnings
    if not warnings:
        return []
    items: list[Item] = []
    gaps = [p for p in warnings if p.key in ("store_missing_months", "store_missing_months_more")]
    if gaps:
        first = gaps[0]
        items.append(("health.advice.store_gap", {
            "store": _store(first.fields["store"], settings), "table": _table(first.table or "", lang),
            "months": i18n.t("problem.list_sep", lang).join(first.fields["gaps"]),
            "n_months": fmt_int(first.fields["n_months"]), "more": fmt_int(len(gaps) - 1)}))
        if len(gaps) > 1:
            items[-1] = ("health.advice.store_gaps", items[-1][1])
    dates = [p for p in warnings if p.key in IMPLAUSIBLE_DATES]
    if dates:
        files = list(dict.fromkeys(p.file for p in dates))
        items.append(("health.advice.dates", {"rows": fmt_int(sum(len(p.rows) for p in dates)),
                                              "files": i18n.t("problem.list_sep", lang).join(files)}))
    if not items:
        top = min(warnings, key=_importance)
        on_file = [p for p in warnings if p.file == top.file]
        items.append(("health.advice.fix_file", {"file": top.file, "n": fmt_int(len(on_file)),
                                                 "what": top.detail(lang)}))
    return items


def _importance(problem: Problem) -> int:
    return WARNING_ORDER.index(problem.key) if problem.key in WARNING_ORDER else len(WARNING_ORDER)


def _checks(health: DataHealth) -> list[Item]:
    flagged = health.checks.loc[health.checks["attention"]].set_index("check")
    items = []
    for code in CHECK_ORDER:
        if code not in flagged.index:
            continue
        row = flagged.loc[code]
        items.append((f"health.advice.check.{code}", {
            "count": fmt_int(row["count"]), "out_of": fmt_int(row["out_of"]),
            "share": fmt_pct(row["share"]) if pd.notna(row["share"]) else "", "month": health.month}))
    return items[:MAX_CHECKS]


def _ledger(health: DataHealth, lang: str, settings: Any, people: dict[str, str]) -> list[Item]:
    ledger = health.ledger
    if ledger is None:
        return [("health.advice.no_ledger", {})]
    if not ledger.checked:
        return [("health.advice.ledger_not_covered", {"month": health.month})]
    if ledger.disagreements.empty:
        return [("health.advice.ledger_agrees", {"first": ledger.months[0], "last": ledger.months[-1],
                                                 "n": fmt_int(len(ledger.result))})]
    worst = ledger.disagreements.iloc[0]
    money = worst["check"] in MONEY_CHECKS
    value = (lambda v: fmt_money(v)) if money else (lambda v: fmt_int(v))
    fields = {"n": fmt_int(len(ledger.disagreements)), "month": worst["month"],
              "what": i18n.label(worst["check"], lang, group="health_other"),
              "ledger": value(worst["ledger_value"]), "other": value(worst["other_value"])}
    if pd.notna(worst.get("consultant_id")) and str(worst.get("consultant_id") or ""):
        consultant = str(worst["consultant_id"])
        return [("health.advice.ledger_disagrees_consultant", fields | {"who": people.get(consultant, consultant)})]
    return [("health.advice.ledger_disagrees", fields | {"store": _store(worst["store_id"], settings),
                                                          "model": str(worst["model"])})]
