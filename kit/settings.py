"""``dealer.yml``: the dealership's settings, loaded into typed, validated objects.

The file has one section per concern; each section is owned by the module that uses it and documented there:

========== =========================================== ==========================================
section    settings class                              documented in
========== =========================================== ==========================================
dealer     :class:`DealerInfo` (this module)           name, stores, currency, language, masking
run        :class:`RunSettings` (this module)          time limits and memory cap of unattended runs
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


def _run_limit(mapping: dict, key: str, default: float | None, where: str, *, expected: str, low: float,
               low_allowed: bool = False, integer: bool = False, allow_none: bool = False) -> float | None:
    """One number of the ``run:`` section, checked against its range; ConfigError naming the setting otherwise."""
    value = mapping.get(key, default)
    if value is None and allow_none:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
        value >= low if low_allowed else value > low)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok:
        raise ConfigError(f"{where}.{key}: expected {expected}; got {value!r}.")
    return int(value) if integer else float(value)


@dataclass(frozen=True)
class RunSettings:
    """The ``run:`` section: limits of an unattended ``kit report`` run (``--report-timeout`` etc. override them).

    report_timeout_minutes : float, default 30 — a report still running after this is stopped and marked failed;
        the other reports go on.
    run_timeout_minutes : float, default 180 — the whole run's limit: reports still running are stopped, those not
        started are marked as not run, and the month is published with what finished.
    report_memory_mb : int or None, default 8192 — address-space cap of each report's kernel (Linux and other
        systems with ``RLIMIT_AS``); a report that needs more fails alone. ``null``: no cap.
    lock_wait_minutes : float, default 10 — how long a second run of the same period in the same output folder
        waits for the first to finish before it gives up (0: give up at once).
    """

    report_timeout_minutes: float = 30.0
    run_timeout_minutes: float = 180.0
    report_memory_mb: int | None = 8192
    lock_wait_minutes: float = 10.0

    @classmethod
    def from_mapping(cls, mapping: dict | None, *, where: str = "run") -> "RunSettings":
        mapping = dict(mapping or {})
        known = {"report_timeout_minutes", "run_timeout_minutes", "report_memory_mb", "lock_wait_minutes"}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are {', '.join(sorted(known))}.")
        minutes = "a number of minutes greater than 0"
        return cls(
            report_timeout_minutes=_run_limit(mapping, "report_timeout_minutes", cls.report_timeout_minutes, where,
                                              expected=minutes, low=0),
            run_timeout_minutes=_run_limit(mapping, "run_timeout_minutes", cls.run_timeout_minutes, where,
                                           expected=minutes, low=0),
            report_memory_mb=_run_limit(mapping, "report_memory_mb", cls.report_memory_mb, where,
                                        expected="a whole number of megabytes, at least 256, or null for no cap",
                                        low=256, low_allowed=True, integer=True, allow_none=True),
            lock_wait_minutes=_run_limit(mapping, "lock_wait_minutes", cls.lock_wait_minutes, where,
                                         expected="a number of minutes, 0 or more", low=0, low_allowed=True),
        )


@dataclass(frozen=True)
class Settings:
    """All of ``dealer.yml``; each attribute is one section's settings object."""

    dealer: DealerInfo
    leads: Any
    turnover: Any
    kpi: Any
    order_plan: Any
    source: Path | None = None
    run: RunSettings = field(default_factory=RunSettings)

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
    unknown = sorted(set(mapping) - {"dealer", "run", *SECTIONS})
    if unknown:
        raise ConfigError(f"{label}: {unknown[0]}: unknown section; known sections are dealer, "
                          f"{', '.join(SECTIONS)}, run.")
    try:
        parsed = {"dealer": DealerInfo.from_mapping(mapping.get("dealer"), where="dealer")}
        raw_run = mapping.get("run")
        if raw_run is not None and not isinstance(raw_run, dict):
            raise ConfigError(f"run: expected a mapping of settings; got {raw_run!r}.")
        parsed["run"] = RunSettings.from_mapping(raw_run, where="run")
        for section in SECTIONS:
            raw = mapping.get(section)
            if raw is not None and not isinstance(raw, dict):
                raise ConfigError(f"{section}: expected a mapping of settings; got {raw!r}.")
            parsed[section] = _section_class(section).from_mapping(raw or {}, where=section)
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from None
    return Settings(**parsed, source=source)


def load_settings(path: str | Path | None = None) -> Settings:
    """Load ``dealer.yml`` (the kit's example settings when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found.") from None
    except UnicodeDecodeError:
        text = path.read_text(encoding="gb18030")
    try:
        mapping = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path.name}{where}: not valid YAML ({getattr(exc, 'problem', exc)}).") from None
    return parse_settings(mapping, source=path)


def default_settings() -> Settings:
    """Every section at its documented default (no file)."""
    return parse_settings({})
