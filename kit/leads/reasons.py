"""Why a lead scores as it does, in words a consultant reads (English or Chinese)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kit.leads.features import FEATURE_COLUMNS, GRADE_FEATURE

_CHANNEL_ZH = {"walk_in": "来店", "phone": "来电", "online": "网络(DCC)", "referral": "转介绍", "event": "车展活动"}
_CHANNEL_EN = {"walk_in": "walk-in", "phone": "phone", "online": "online (DCC)", "referral": "referral",
               "event": "event"}


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def reason_text(feature: str, value: Any, contribution: float = 0.0, *, lang: str = "en") -> str:
    """One explanation in words, e.g. ``("test_drive", True)`` → "test drive taken" / "已试驾".

    Parameters
    ----------
    feature : str
        A feature of :func:`build_features` (other names are shown as ``feature = value``).
    value : object
        The lead's value of the feature.
    contribution : float
        Its effect on the log-odds (the sign picks the wording where the value alone is ambiguous).
    lang : "en" or "zh"
    """
    zh = lang == "zh"
    n = _num(value)
    whole = int(round(n)) if not math.isnan(n) else None
    yes = bool(value) if isinstance(value, (bool, np.bool_)) else (not math.isnan(n) and n > 0)
    if feature == "test_drive":
        return ("已试驾" if yes else "尚未试驾") if zh else ("test drive taken" if yes else "no test drive yet")
    if feature == "quoted":
        return ("已报价" if yes else "尚未报价") if zh else ("price quoted" if yes else "no price quote yet")
    if feature == "negotiating":
        return ("议价中" if yes else "尚未议价") if zh else ("negotiating the price" if yes else "not negotiating yet")
    if feature == "trade_in":
        return ("有置换意向" if yes else "无置换意向") if zh else ("car to trade in" if yes else "no trade-in")
    if feature == "finance":
        return ("有贷款意向" if yes else "无贷款意向") if zh else ("wants a loan" if yes else "no loan wanted")
    if feature == "visits" and whole is not None:
        if zh:
            return "未到店" if whole == 0 else ("二次到店" if whole == 2 else f"到店{whole}次")
        return {0: "never visited the showroom", 1: "one showroom visit", 2: "second visit"}.get(
            whole, f"{whole} showroom visits")
    if feature == "days_since_last_contact" and whole is not None:
        if contribution < 0 or whole > 7:
            return f"{whole}天未联系" if zh else f"no contact for {whole} days"
        return (f"{whole}天前联系过" if whole else "今天联系过") if zh else \
            (f"contacted {whole} days ago" if whole != 1 else "contacted yesterday") if whole else "contacted today"
    if feature == "mean_days_between_contacts":
        if math.isnan(n):
            return "尚未跟进" if zh else "not yet followed up"
        return f"平均每{n:.0f}天联系一次" if zh else f"contacted every {n:.0f} days on average"
    if feature == "longest_gap_days" and whole is not None:
        return f"曾{whole}天未联系" if zh else f"once went {whole} days without contact"
    if feature == GRADE_FEATURE:
        grade = {4: "H", 3: "A", 2: "B", 1: "C"}.get(whole, "N") if whole is not None else "N"
        if grade == "N":
            return "顾问尚未评级" if zh else "not graded by the consultant"
        return f"顾问评为{grade}级" if zh else f"consultant graded {grade}"
    recent = {"days_since_last_visit": ("last showroom visit {n} days ago", "no showroom visit yet",
                                        "{n}天前到店", "尚未到店"),
              "days_since_test_drive": ("test drive {n} days ago", "no test drive yet", "{n}天前试驾", "尚未试驾"),
              "days_since_quote": ("price quoted {n} days ago", "no price quote yet", "{n}天前报价", "尚未报价")}
    if feature in recent:
        en_n, en_none, zh_n, zh_none = recent[feature]
        if whole is None:
            return zh_none if zh else en_none
        if whole == 0:
            return {"days_since_last_visit": ("今天到店", "visited the showroom today"),
                    "days_since_test_drive": ("今天试驾", "test drive today"),
                    "days_since_quote": ("今天报价", "price quoted today")}[feature][0 if zh else 1]
        return (zh_n if zh else en_n).format(n=whole) if (zh or whole != 1) else en_n.replace("{n} days", "1 day")
    if feature == "age_days" and whole is not None:
        return f"建档{whole}天" if zh else f"registered {whole} days ago"
    counted = {  # feature: (English for n, English for none, Chinese for n, Chinese for none)
        "contacts": ("{n} follow-up contacts", "not yet followed up", "已跟进{n}次", "尚未跟进"),
        "calls": ("{n} calls", "no call yet", "电话{n}次", "尚未电话联系"),
        "wechat_contacts": ("{n} WeChat contacts", "no WeChat contact yet", "微信联系{n}次", "尚未微信联系"),
        "sms_contacts": ("{n} text messages", "no text message yet", "短信{n}次", "尚未短信联系"),
        "unanswered_calls": ("{n} unanswered calls", "every call answered", "{n}次未接通", "电话均已接通"),
        "invitations": ("invited {n} times", "not yet invited", "已邀约{n}次", "尚未邀约"),
        "contacts_last_14_days": ("{n} contacts in the last 14 days", "no contact in the last 14 days",
                                  "近14天联系{n}次", "近14天未联系"),
    }
    if feature in counted and whole is not None:
        en_n, en_none, zh_n, zh_none = counted[feature]
        if whole == 0:
            return zh_none if zh else en_none
        if whole == 1 and not zh:
            return {"invitations": "invited to the showroom", "calls": "one call", "contacts": "one follow-up contact",
                    "unanswered_calls": "one unanswered call"}.get(feature, en_n.format(n=1))
        return (zh_n if zh else en_n).format(n=whole)
    if feature == "first_contact_delay_hours":
        if whole is None:
            return "尚未首次跟进" if zh else "not yet followed up"
        if n < 1:
            return "1小时内首次跟进" if zh else "first follow-up within the hour"
        if n < 48:
            return f"首次跟进用时{whole}小时" if zh else f"first follow-up after {whole} hour{'s' if whole != 1 else ''}"
        days = int(round(n / 24))
        return f"首次跟进用时{days}天" if zh else f"first follow-up after {days} days"
    if feature == "channel":
        label = (_CHANNEL_ZH if zh else _CHANNEL_EN).get(str(value), str(value))
        return f"来源：{label}" if zh else f"came in by {label}"
    if feature == "model_interest":
        return f"意向车型：{value}" if zh else f"interested in {value}"
    if feature == "consultant_id":
        if zh:
            return f"顾问{value}的线索成交{'较多' if contribution >= 0 else '较少'}"
        return f"consultant {value}'s leads convert {'more' if contribution >= 0 else 'less'} often"
    if feature == "store_id":
        return f"门店：{value}" if zh else f"store {value}"
    return f"{feature} = {value}"


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
