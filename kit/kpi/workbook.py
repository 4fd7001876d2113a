"""The KPI report's Excel workbook: the bonus sheet, the scorecard, the weight profiles, the stage timeline and
the gates, as sheets a manager keeps (headers, names and rules in the report's language, ¥ and percentages,
totals in their own row, every column defined on the About sheet; :func:`kit.report.export_excel` writes them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit.kpi.display import (BONUS_FORMATS, TIMELINE_FORMATS, bonus_frame, column_labels, gates_frame,
                             profiles_frame, timeline_frame, timeline_labels, used_weights)
from kit.kpi.month import KpiMonth
from kit.kpi.names import metric_name, profile_name
from kit.report.excel import Sheet

#: The parts of a metric on the scorecard sheet; ``kpi_<part>`` are their catalog names and ``def.kpi_<part>``
#: their definitions.
PARTS = ("actual", "target", "achievement", "weight", "score")


def file_name(result: KpiMonth) -> str:
    """``kpi_bonus_2026-10.xlsx``."""
    return f"kpi_bonus_{result.month}.xlsx"


def _number_kind(values: pd.Series) -> str:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return "int" if len(v) == 0 or np.allclose(v, np.round(v)) else "number1"


def scorecard_sheet(r: Any, result: KpiMonth) -> Sheet:
    """Rank, consultant, profile and score, then each weighted metric's actual, target, achievement, weight, score."""
    s = result.settings
    card = result.card.sort_values(["rank", "staff_id"], kind="stable")
    frame = pd.DataFrame({"rank": card["rank"].to_numpy(), "consultant": r.person(card["staff_id"]).to_numpy(),
                          "stage": [profile_name(x, r.lang, s) for x in card["stage"]],
                          "total_score": card["total_score"].to_numpy()})
    formats = {"rank": "int", "total_score": "pct"}
    labels: dict[str, str] = {}
    definitions: dict[str, str] = {}
    for i, m in enumerate(used_weights(result).index):
        for part in PARTS:
            col = f"m{i}_{part}"
            frame[col] = card[f"{m}_{part}"].to_numpy()
            labels[col] = r.t("kpi.metric_part", metric=metric_name(m, r.lang, s), part=r.label(f"kpi_{part}"))
            definitions[col] = r.t(f"def.kpi_{part}")
            if part in ("actual", "target"):
                formats[col] = "money" if m == s.bonus.profit_metric else _number_kind(frame[col])
            else:
                formats[col] = "pct0" if part in ("achievement", "weight") else "pct"
    return Sheet(frame, formats=formats, labels=labels, definitions=definitions, freeze_columns=2)


def _definitions(r: Any, columns) -> dict[str, str]:
    """About-sheet definitions of the report's own columns (``kpi.def.<column>``; ``profile_<i>`` share one)."""
    return {c: r.t("kpi.def.profile" if c.startswith("profile_") else f"kpi.def.{c}") for c in columns}


def sheets(r: Any, result: KpiMonth) -> dict[str, Sheet]:
    """The workbook's sheets by catalog code."""
    profiles, profile_labels = profiles_frame(r, result)
    weights = [c for c in profiles if c != "metric"]
    timeline = timeline_frame(r, result)
    out = {
        "bonus": Sheet(bonus_frame(r, result), formats=BONUS_FORMATS, totals=["profit_cny", "bonus_cny"],
                       freeze_columns=2),
        "scorecard": scorecard_sheet(r, result),
        "weight_profiles": Sheet(profiles, labels=profile_labels, totals=weights, formats=dict.fromkeys(weights, "pct0"),
                                 definitions=_definitions(r, profiles.columns)),
        "kpi_stages": Sheet(timeline, labels=timeline_labels(r, timeline), formats=TIMELINE_FORMATS,
                            definitions=_definitions(r, timeline.columns)),
    }
    if result.settings.gates:
        gates = gates_frame(r, result)
        out["kpi_gates"] = Sheet(gates, labels=column_labels(r, gates.columns), formats={"not_passed": "int"},
                                 definitions=_definitions(r, gates.columns))
    return out


def workbook(r: Any, result: KpiMonth):
    """Write the workbook beside the report; the cell shows a link to it (nothing outside a run)."""
    return r.excel(sheets(r, result), file_name(result), title_key="kpi.workbook_title")
