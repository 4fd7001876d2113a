"""Why a lead scores as it does, in words a consultant reads, composed in the report's language (catalog
``kit/catalog/leads.yml``, keys ``reason.*``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kit import i18n
from kit.leads.features import FEATURE_COLUMNS, GRADE_FEATURE

#: Yes/no inputs: the catalog has ``reason.<feature>.yes`` and ``reason.<feature>.no``.
_FLAGS = ("test_drive", "quoted", "negotiating", "trade_in", "finance")
#: Counted inputs: ``reason.<feature>.none`` / ``.one`` / ``.many`` (``{n}``).
_COUNTED = ("contacts", "calls", "wechat_contacts", "sms_contacts", "unanswered_calls", "invitations",
            "contacts_last_14_days", "visits")
#: How long ago something happened: ``reason.<feature>.none`` / ``.today`` / ``.one`` / ``.many``.
_RECENT = ("days_since_last_visit", "days_since_test_drive", "days_since_quote")


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _count_key(feature: str, n: int) -> str:
    if n == 0:
        return f"reason.{feature}.none"
    if n == 1:
        return f"reason.{feature}.one"
    if feature == "visits" and n == 2:
        return "reason.visits.two"
    return f"reason.{feature}.many"


def reason_text(feature: str, value: Any, contribution: float = 0.0, *, lang: str = "en") -> str:
    """One explanation in words, e.g. ``("test_drive", True)`` → "test drive taken" / "已试驾".

    Parameters
    ----------
    feature : str
        A feature of :func:`build_features` (another name is shown by its catalog label and the value).
    value : object
        The lead's value of the feature.
    contribution : float
        Its effect on the log-odds (the sign picks the wording where the value alone is ambiguous).
    lang : "en" or "zh"
    """
    def t(key: str, **fields: object) -> str:
        return i18n.t(key, lang, **fields)

    n = _num(value)
    whole = int(round(n)) if not math.isnan(n) else None
    if feature in _FLAGS:
        yes = bool(value) if isinstance(value, (bool, np.bool_)) else (whole is not None and whole > 0)
        return t(f"reason.{feature}.{'yes' if yes else 'no'}")
    if feature in _COUNTED and whole is not None:
        return t(_count_key(feature, whole), n=whole)
    if feature == "days_since_last_contact" and whole is not None:
        if contribution < 0 or whole > 7:
            return t("reason.silent", n=whole)
        return t("reason.contacted." + ("today" if whole == 0 else "one" if whole == 1 else "many"), n=whole)
    if feature == "mean_days_between_contacts":
        return t("reason.contacts.none") if math.isnan(n) else t("reason.mean_gap", n=f"{n:.0f}")
    if feature == "longest_gap_days" and whole is not None:
        return t("reason.longest_gap", n=whole)
    if feature == GRADE_FEATURE:
        grade = {4: "H", 3: "A", 2: "B", 1: "C"}.get(whole, "N") if whole is not None else "N"
        return t("reason.not_graded") if grade == "N" else t("reason.graded", grade=grade)
    if feature in _RECENT:
        if whole is None:
            return t(f"reason.{feature}.none")
        return t(f"reason.{feature}." + ("today" if whole == 0 else "one" if whole == 1 else "many"), n=whole)
    if feature == "age_days" and whole is not None:
        return t("reason.age_days", n=whole)
    if feature == "first_contact_delay_hours":
        if whole is None:
            return t("reason.first_contact.none")
        if n < 1:
            return t("reason.first_contact.within_hour")
        if n < 48:
            return t("reason.first_contact.one_hour" if whole == 1 else "reason.first_contact.hours", n=whole)
        return t("reason.first_contact.days", n=int(round(n / 24)))
    if feature == "channel":
        return t("reason.channel", channel=i18n.label(value, lang))
    if feature == "model_interest":
        return t("reason.model_interest", model=value)
    if feature == "consultant_id":
        return t("reason.consultant." + ("more" if contribution >= 0 else "less"), consultant=value)
    if feature == "store_id":
        return t("reason.store", store=value)
    name = i18n.label(feature, lang, group="feature")
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return t("reason.unknown", feature=name) if missing else t("reason.value", feature=name, value=value)


def explain_leads(scorer: Any, X: pd.DataFrame, *, top: int = 3, lang: str = "en") -> pd.DataFrame:
    """Top reasons per row in words: columns reason_1 … reason_{top} (index aligned with ``X``'s rows).

    ``scorer.explain`` gives the features with the largest effect on each row's log-odds; each becomes a phrase by
    :func:`reason_text`, with a sign (+ raises, − lowers the score).
    """
    columns = [f"reason_{k}" for k in range(1, top + 1)]
    if len(X) == 0:
        return pd.DataFrame(columns=columns, index=X.index, dtype=object)
    expl = scorer.explain(X, top=top)
    expl = expl[expl["rank"] <= top]
    out = np.full((len(X), top), None, dtype=object)
    if len(expl):
        # a phrase depends on the feature, the value (and its type: True and 1.0 are equal keys) and only the sign
        # of the contribution, so each distinct combination is worded once: hundreds of calls, not one per lead
        contribution = expl["contribution"].to_numpy(dtype=float)
        keys = pd.DataFrame({"feature": expl["feature"].astype(str).to_numpy(dtype=object),
                             "type": expl["value"].map(type).to_numpy(dtype=object),
                             "value": expl["value"].to_numpy(dtype=object),
                             "sign": np.sign(contribution)})
        codes = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
        _, first = np.unique(codes, return_index=True)
        features, values = keys["feature"].to_numpy(), keys["value"].to_numpy()
        phrases = np.array([_phrase(features[i], values[i], contribution[i], lang) for i in first], dtype=object)
        out[expl["row"].to_numpy(dtype=int), expl["rank"].to_numpy(dtype=int) - 1] = phrases[codes]
    return pd.DataFrame(out, index=X.index, columns=columns)


def _phrase(feature: str, value: Any, contribution: float, lang: str) -> str:
    sign = "+" if contribution >= 0 else "−"
    return f"{sign} {reason_text(_base_feature(feature), value, contribution, lang=lang)}"


def _base_feature(feature: str) -> str:
    """Map an encoded feature name ('channel_online', 'channel=online') back to its column."""
    if feature in FEATURE_COLUMNS:
        return feature
    for col in sorted(FEATURE_COLUMNS, key=len, reverse=True):
        if feature.startswith(col + "_") or feature.startswith(col + "=") or feature.startswith(col + " "):
            return col
    return feature
