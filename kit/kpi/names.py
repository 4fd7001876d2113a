"""What the report calls a metric, a weight profile and a gate: the dealer's own names, else the catalog's.

KPI metric, profile and gate names are the dealer's free names (``kpi.csv`` and ``dealer.yml``). A name is shown as
the dealer's display name from the ``kpi:`` settings (``metric_names``, ``profile_names``, ``gate_names``), else the
display catalog's label for a known code (``kit/catalog/kpi.yml``: ``units_sold@kpi_metric`` …), else the code
itself: the dealer gave it and gave nothing else.

>>> metric_name("units_sold", "zh")
'销售台数'
>>> shares({"units_sold": 0.5, "gross_profit": 0.3, "market_activity": 0.1, "channel_leads": 0.1})
'50/30/10/10'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from kit import i18n

Kind = Literal["metric", "profile", "gate"]
#: The catalog group of each kind of name (``units_sold@kpi_metric``).
GROUPS: dict[str, str] = {"metric": "kpi_metric", "profile": "kpi_profile", "gate": "kpi_gate"}
#: Between list items, between clauses of one sentence and between sentences, per language.
_SEPARATORS = {"en": {"items": ", ", "clauses": ", ", "sentences": "; "},
               "zh": {"items": "、", "clauses": "；", "sentences": "。"}}


def display_name(code: object, kind: Kind, lang: str, settings: Any = None) -> str:
    """The name of a metric, profile or gate in ``lang`` (the dealer's, the catalog's, or the code)."""
    code = str(code)
    own = (getattr(settings, f"{kind}_names", None) or {}).get(code) if settings is not None else None
    if own:
        return own[lang]
    group = GROUPS[kind]
    if f"{code}@{group}" in i18n.catalog()["labels"]:
        return i18n.label(code, lang, group=group)
    return code


def metric_name(code: object, lang: str, settings: Any = None) -> str:
    """A metric's name in ``lang``."""
    return display_name(code, "metric", lang, settings)


def profile_name(code: object, lang: str, settings: Any = None) -> str:
    """A weight profile's (life-cycle stage's) name in ``lang``."""
    return display_name(code, "profile", lang, settings)


def gate_name(code: object, lang: str, settings: Any = None) -> str:
    """A gate's name in ``lang``."""
    return display_name(code, "gate", lang, settings)


def join(items: Iterable[str], lang: str, *, level: Literal["items", "clauses", "sentences"] = "items") -> str:
    """Names as one list (``a, b`` / ``a、b``), clauses of one sentence (``a, b`` / ``a；b``) or sentences
    (``a; b`` / ``a。b``) in ``lang``."""
    return _SEPARATORS.get(lang, _SEPARATORS["en"])[level].join(items)


def shares(weights: Mapping[str, float]) -> str:
    """Weights as the whole percentages managers write them: ``30/30/20/20``."""
    return "/".join(f"{round(float(w) * 100):.0f}" for w in weights.values())


def weights_text(weights: Mapping[str, float], lang: str, settings: Any = None) -> str:
    """``Cars sold 60%, Display score 10% …`` in ``lang``."""
    return join((f"{metric_name(m, lang, settings)} {float(w) * 100:.0f}%" for m, w in weights.items()), lang)


def money(amount: float) -> str:
    """Yuan as every report shows them: ``¥4,561`` (``−¥1,200`` below zero)."""
    return f"{'−' if amount < 0 else ''}¥{abs(amount):,.0f}"


def percent(share: float, digits: int = 1) -> str:
    """A share as a percentage: ``1.14025`` → ``114.0%``."""
    return f"{share * 100:.{digits}f}%"
