"""Why a person is at risk, in words a manager can act on (English or Chinese)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit.i18n import catalog, has, label, t
from kit.turnover.inputs import word


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
    "KPI achievement rising" is no reason a manager can act on, so it is not shown as one. The words come from the
    display catalog (``turnover.reason.*``).
    """
    def say(key: str, **fields: object) -> str:
        return t(f"turnover.reason.{key}", lang, **fields)

    v, ref = _finite(value), _finite(reference)
    below = np.isfinite(v) and np.isfinite(ref) and v < ref
    above = np.isfinite(v) and np.isfinite(ref) and v > ref
    if feature in _KPI_FEATURES and not np.isfinite(v):
        return None
    if feature == "tenure_months" and np.isfinite(v):
        months = int(v)  # completed months
        if months < 1:
            return say("tenure_under_1")
        if below or months < 6:
            return say("tenure_one") if months == 1 else say("tenure", months=months)
        return None
    if feature == "achievement_change" and np.isfinite(v):
        pp = v * 100
        return say("achievement_falling", pp=pp) if round(pp) < 0 else None
    if feature == "achievement_last_3_months":
        return say("achievement_low", value=v) if below or v < 1 else None
    if feature == "gate_misses_last_6_months":
        n = int(round(v))
        return say("gate_misses", gate=bonus_gate, pct=bonus_gate * 100, n=n) if n >= 1 else None
    if feature == "manager_left_last_3_months":
        return say("manager_left") if v == 1 else None
    if feature == "role":
        return say("role", role=word(value, lang))
    if feature == "department":
        return say("department", department=word(value, lang))
    if feature == "store_id":
        return say("store", store=value)
    if feature == "weekend_shifts_per_month" and np.isfinite(v):
        return say("weekend_shifts", n=v) if above else None
    if feature == "base_pay_cny" and np.isfinite(v):
        return say("base_pay", pay=v) if below else None
    if feature == "training_hours" and np.isfinite(v):
        return say("training", hours=v) if below else None
    name = feature_name(feature, lang)
    shown = f"{v:g}" if np.isfinite(v) else str(value)
    if np.isfinite(v) and np.isfinite(ref):
        return say("below" if below else "above", name=name, value=shown, typical=f"{ref:g}")
    return say("value", name=name, value=shown)


def feature_name(column: str, lang: str) -> str:
    """A roster column's display name: its catalog label, else the column's words (a dealer's own column name)."""
    return label(column, lang) if has(column) else column.replace("_", " ")


def _feature_column(feature: str, columns: Sequence[str]) -> str:
    """Map a model feature name (possibly 'role=sales_consultant' or 'role_sales_consultant') to its column."""
    if feature in columns:
        return feature
    for col in sorted(columns, key=len, reverse=True):
        if feature.startswith(col) and feature[len(col):len(col) + 1] in ("=", "_", ":", " ", "["):
            return col
    return feature


def person_reasons(model: Any, X: pd.DataFrame, *, top: int, lang: str,
                   bonus_gate: float) -> list[list[tuple[str, str]]]:
    """Per row of ``X``, up to ``top`` reasons as ``(column, words)``: the features that raise this person's risk
    most (the model's ``explain``), written out only when they point the risky way (:func:`_reason_text`)."""
    tenure = [c for c in ("tenure_months", "tenure_under_6_months") if c in X.columns]
    groups = [tenure] if len(tenure) == 2 else []   # one fact: occluded apart, each hides the other
    explained = model.explain(X, top=min(max(top * 3, top), X.shape[1]), direction="up", groups=groups)
    explained = explained[explained["contribution"] > 0]
    has_reference = "reference" in explained.columns
    found: dict[int, list[tuple[str, str]]] = {i: [] for i in range(len(X))}
    for row in explained.itertuples(index=False):
        i = int(row.row)
        if len(found[i]) >= top:
            continue
        column = _feature_column(str(row.feature), list(X.columns))
        value = X.at[i, column] if column in X.columns else row.value
        reference = row.reference if has_reference else None
        if column == "tenure_under_6_months" and "tenure_months" in X.columns:
            if value != 1:
                continue  # "6 months or more" is no reason to leave; the tenure column speaks for itself
            column, value, reference = "tenure_months", X.at[i, "tenure_months"], None
        text = _reason_text(column, value, reference, lang, bonus_gate)
        if text is not None and text not in (words for _, words in found[i]):
            found[i].append((column, text))
    return [found[i] for i in range(len(X))]


def reasons_in_words(model: Any, X: pd.DataFrame, *, top: int, lang: str, bonus_gate: float) -> list[str]:
    """:func:`person_reasons` joined per person; "no single factor stands out" when none applies (no value of the
    person's own raises the score above the typical profile on its own — the training staff's profile, not the
    role's, so this must not be read as "usual for the role")."""
    return [joined(found, lang) for found in person_reasons(model, X, top=top, lang=lang, bonus_gate=bonus_gate)]


def joined(found: Sequence[tuple[str, str]], lang: str) -> str:
    """One person's :func:`person_reasons` as one text (or "no single factor stands out")."""
    return t("turnover.reason.sep", lang).join(words for _, words in found) if found else t("turnover.reason.none",
                                                                                             lang)


def reason_kind(column: str, lang: str) -> str:
    """A reason's name without the person's numbers ("short tenure"), for counting reasons across people."""
    key = f"turnover.reason_kind.{column}"
    return t(key, lang) if key in catalog()["text"] else feature_name(column, lang)
