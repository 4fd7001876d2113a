"""``dealer.yml``: the dealership's settings, loaded into typed, validated objects.

The file has one section per concern; each section is owned by the module that uses it and documented there:

========== =========================================== ==========================================
section    settings class                              documented in
========== =========================================== ==========================================
dealer     :class:`DealerInfo` (this module)           name, stores, currency, language, masking
leads      :class:`kit.leads.LeadSettings`             grade thresholds, cadence, funnel targets
turnover   :class:`kit.turnover.TurnoverSettings`      formula, targets per role, replacement cost
kpi        :class:`kit.kpi.KpiSettings`                profiles, stages, gates, caps, bonus, AHP
order_plan :class:`kit.forecast.OrderPlanSettings`     lead time, stock target, service level
========== =========================================== ==========================================

A missing section or key takes its documented default. An unknown or ill-typed key raises
:class:`~kit.exceptions.ConfigError` naming it (``dealer.yml: kpi.profiles.launch: weights sum to 0.95 …``).
The kit's own example is ``kit/templates/dealer.yml``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit.config import DEFAULT_SETTINGS_FILE
from kit.exceptions import ConfigError

#: section name -> (module, class) that parses it with ``Class.from_mapping(mapping, where=section)``.
SECTIONS: dict[str, tuple[str, str]] = {
    "leads": ("kit.leads", "LeadSettings"),
    "turnover": ("kit.turnover", "TurnoverSettings"),
    "kpi": ("kit.kpi", "KpiSettings"),
    "order_plan": ("kit.forecast", "OrderPlanSettings"),
}


@dataclass(frozen=True)
class DealerInfo:
    """The ``dealer:`` section.

    name : str, default "Dealership" — shown in report titles.
    stores : mapping store_id -> display name, default {} (store ids shown as they are).
    currency : str, default "CNY".
    language : "en" or "zh", default "en" — report language when the run does not choose one.
    mask_personal_data : bool, default True — customer and staff names and phones masked in reports.
    """

    name: str = "Dealership"
    stores: dict[str, str] = field(default_factory=dict)
    currency: str = "CNY"
    language: str = "en"
    mask_personal_data: bool = True

    @classmethod
    def from_mapping(cls, mapping: dict | None, *, where: str = "dealer") -> "DealerInfo":
        mapping = dict(mapping or {})
        known = {"name", "stores", "currency", "language", "mask_personal_data"}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are {', '.join(sorted(known))}.")
        stores = mapping.get("stores", {}) or {}
        if not isinstance(stores, dict):
            raise ConfigError(f"{where}.stores: expected a mapping such as {{S1: East store}}; got {stores!r}.")
        language = mapping.get("language", "en")
        if language not in ("en", "zh"):
            raise ConfigError(f"{where}.language: expected en or zh; got {language!r}.")
        mask = mapping.get("mask_personal_data", True)
        if not isinstance(mask, bool):
            raise ConfigError(f"{where}.mask_personal_data: expected true or false; got {mask!r}.")
        name = mapping.get("name", cls.name)
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}.name: expected text; got {name!r}.")
        return cls(name=name, stores={str(k): str(v) for k, v in stores.items()},
                   currency=str(mapping.get("currency", "CNY")), language=language, mask_personal_data=mask)


@dataclass(frozen=True)
class Settings:
    """All of ``dealer.yml``; each attribute is one section's settings object."""

    dealer: DealerInfo
    leads: Any
    turnover: Any
    kpi: Any
    order_plan: Any
    source: Path | None = None

    def store_name(self, store_id: str) -> str:
        return self.dealer.stores.get(str(store_id), str(store_id))


def _section_class(section: str):
    module, name = SECTIONS[section]
    return getattr(importlib.import_module(module), name)


def parse_settings(mapping: dict | None, *, source: Path | None = None) -> Settings:
    """Validate a parsed ``dealer.yml`` mapping into :class:`Settings`; raises ConfigError naming the setting."""
    label = source.name if source else "dealer.yml"
    mapping = mapping or {}
    if not isinstance(mapping, dict):
        raise ConfigError(f"{label}: expected sections such as 'dealer:' and 'kpi:' at the top; got {type(mapping).__name__}.")
    unknown = sorted(set(mapping) - {"dealer", *SECTIONS})
    if unknown:
        raise ConfigError(f"{label}: {unknown[0]}: unknown section; known sections are dealer, {', '.join(SECTIONS)}.")
    try:
        parsed = {"dealer": DealerInfo.from_mapping(mapping.get("dealer"), where="dealer")}
        for section in SECTIONS:
            raw = mapping.get(section)
            if raw is not None and not isinstance(raw, dict):
                raise ConfigError(f"{section}: expected a mapping of settings; got {raw!r}.")
            parsed[section] = _section_class(section).from_mapping(raw or {}, where=section)
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from None
    return Settings(**parsed, source=source)


def load_settings(path: str | Path | None = None) -> Settings:
    """Load ``dealer.yml`` (the kit's example settings when ``path`` is None).

    The file is read by :func:`kit.io.read_settings_file`: a safe path (no folder or named pipe), at most 1 MB,
    UTF-8 or GBK, YAML without anchors, aliases or repeated keys; each refusal is a ConfigError naming the file.
    """
    from kit.io.settings_file import read_settings_file

    path = Path(path) if path is not None else DEFAULT_SETTINGS_FILE
    return parse_settings(read_settings_file(path), source=path)


def default_settings() -> Settings:
    """Every section at its documented default (no file)."""
    return parse_settings({})
