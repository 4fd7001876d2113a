"""Why a person is at risk, in words a manager can act on (English or Chinese)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit.i18n import label


def _finite(value: object) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isfinite(v) else float("nan")


_KPI_FEATURES = ("achievement_last_3_months", "achievement_change", "gate_misses_last_6_months")


def _reason_text(feature: str, value: object, reference: object, lang: str, bonus_gate: float) -> str | None:
    """One reason in words for a feature value that raises the risk (``reference`` = the typical value).

    None when the value is not on the risky side for a feature whose direction is known (docs/DOMAIN.md §4: short
    tenure, low or falling KPI achievement, missed gates, a manager who left, many weekend shifts, low base pay,
    little training) or when KPI data is missing: a model may lean on such a value, but "tenure of 53 months" or
    "KPI achievement rising" is no reason a manager can act on, so it is not shown as one.
    """
    zh = lang == "zh"
    v, ref = _finite(value), _finite(reference)
    below = np.isfinite(v) and np.isfinite(ref) and v < ref
    above = np.isfinite(v) and np.isfinite(ref) and v > ref
    if feature in _KPI_FEATURES and not np.isfinite(v):
        return None
    if feature == "tenure_months" and np.isfinite(v):
        months = int(v)  # completed months
        if months < 1:
            return "入职不满1个月" if zh else "short tenure (under 1 month)"
        if below or months < 6:
            return f"入职仅{months}个月" if zh else f"short tenure ({months} month{'s' if months != 1 else ''})"
        return None
    if feature == "achievement_change" and np.isfinite(v):
        pp = v * 100
        if round(pp) < 0:
            return f"KPI达成率下滑（{pp:.0f}个百分点）" if zh else f"KPI achievement falling ({pp:.0f} pp)"
        return None
    if feature == "achievement_last_3_months":
        if below or v < 1:
            return (f"近3个月KPI达成率偏低（{v:.0%}）" if zh
                    else f"low KPI achievement ({v:.0%} over the last 3 months)")
        return None
    if feature == "gate_misses_last_6_months":
        n = int(round(v))
        if n < 1:
            return None
        if zh:
            return f"近6个月有{n}个月销量未达{bonus_gate:.0%}门槛"
        return f"missed the {bonus_gate * 100:.0f} % volume gate {n} of the last 6 months"
    if feature == "manager_left_last_3_months":
        return ("直属上级近期离职" if zh else "manager left recently") if v == 1 else None
    if feature == "role":
        return f"岗位：{label(value, lang)}" if zh else f"role: {label(value, lang)}"
    if feature == "department":
        return f"部门：{label(value, lang)}" if zh else f"department: {label(value, lang)}"
    if feature == "store_id":
        return f"门店{value}" if zh else f"store {value}"
    if feature == "weekend_shifts_per_month" and np.isfinite(v):
        return (f"周末排班多（每月{v:.0f}次）" if zh else f"many weekend shifts ({v:.0f} a month)") if above else None
    if feature == "base_pay_cny" and np.isfinite(v):
        return (f"底薪偏低（{v:,.0f}元）" if zh else f"low base pay ({v:,.0f} CNY)") if below else None
    if feature == "training_hours" and np.isfinite(v):
        return (f"培训时间少（{v:.0f}小时）" if zh else f"little training ({v:.0f} hours)") if below else None
    shown = f"{v:g}" if np.isfinite(v) else str(value)
    if np.isfinite(v) and np.isfinite(ref):
        word = ("低于" if below else "高于") if zh else ("below" if below else "above")
        return (f"{feature}：{shown}（{word}常见值{ref:g}）" if zh
                else f"{feature.replace('_', ' ')} {shown} ({word} the typical {ref:g})")
    return f"{feature}：{shown}" if zh else f"{feature.replace('_', ' ')}: {shown}"


def _feature_column(feature: str, columns: Sequence[str]) -> str:
    """Map a model feature name (possibly 'role=sales_consultant' or 'role_sales_consultant') to its column."""
    if feature in columns:
        return feature
    for col in sorted(columns, key=len, reverse=True):
        if feature.startswith(col) and feature[len(col):len(col) + 1] in ("=", "_", ":", " ", "["):
            return col
    return feature


def reasons_in_words(model: Any, X: pd.DataFrame, *, top: int, lang: str, bonus_gate: float) -> list[str]:
    # no value of the person's own raises the score above the typical profile on its own (the typical profile is
    # the training staff's, not the role's: this must not be read as "usual for the role")
    none = "无单一突出因素" if lang == "zh" else "no single factor stands out"
    tenure = [c for c in ("tenure_months", "tenure_under_6_months") if c in X.columns]
    groups = [tenure] if len(tenure) == 2 else []   # one fact: occluded apart, each hides the other
    explained = model.explain(X, top=min(max(top * 3, top), X.shape[1]), direction="up", groups=groups)
    explained = explained[explained["contribution"] > 0]
    has_reference = "reference" in explained.columns
    texts: dict[int, list[str]] = {i: [] for i in range(len(X))}
    for row in explained.itertuples(index=False):
        i = int(row.row)
        if len(texts[i]) >= top:
            continue
        column = _feature_column(str(row.feature), list(X.columns))
        value = X.at[i, column] if column in X.columns else row.value
        reference = row.reference if has_reference else None
        if column == "tenure_under_6_months" and "tenure_months" in X.columns:
            if value != 1:
                continue  # "6 months or more" is no reason to leave; the tenure column speaks for itself
            column, value, reference = "tenure_months", X.at[i, "tenure_months"], None
        text = _reason_text(column, value, reference, lang, bonus_gate)
        if text is not None and text not in texts[i]:
            texts[i].append(text)
    sep = "；" if lang == "zh" else "; "
    return [sep.join(texts[i]) if texts[i] else none for i in range(len(X))]
