"""``dealer.yml``: the dealership's settings, loaded into typed, validated objects.

The file has one section per concern; each section is owned by the module that uses it and documented there:

========== =================================================== ==============================================
section    settings class                                      documented in
========== =================================================== ==============================================
dealer     :class:`DealerInfo` (this module)                   name, stores, currency, language
run        :class:`RunSettings` (this module)                  time limits and memory cap of unattended runs
leads      :class:`kit.leads.settings.LeadSettings`            grade thresholds, cadence, funnel targets
turnover   :class:`kit.turnover.settings.TurnoverSettings`     formula, targets per role, replacement cost
kpi        :class:`kit.kpi.settings.KpiSettings`               profiles, stages, gates, caps, bonus, AHP
order_plan :class:`kit.forecast.settings.OrderPlanSettings`    lead time, stock target, service level
sales      :class:`kit.sales.settings.SalesSettings`           selling days, after-delivery call, model tiers
========== =================================================== ==============================================

A missing section or key takes its documented default. :func:`parse_settings` checks every section in one pass
and raises one :class:`~kit.exceptions.ConfigError` listing every problem, each by its setting path
(``dealer.yml: kpi.profiles.launch: weights sum to 0.95 …``), with a "did you mean" for a misspelt key; the
individual problems (:class:`kit.checks.SettingProblem`) are on the error's ``problems``. The kit's own example is
``kit/templates/dealer.yml``. Importing this module does not import the analyses' heavy libraries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


from kit.checks import Problems, did_you_mean, problems_of, setting_bool, setting_text, unknown_keys
from kit.config import DEFAULT_SETTINGS_FILE
from kit.exceptions import ConfigError
from kit.forecast.settings import OrderPlanSettings
from kit.kpi.settings import KpiSettings
from kit.leads.settings import LeadSettings
from kit.sales.settings import SalesSettings
from kit.turnover.settings import TurnoverSettings

#: section name -> the settings class that parses it with ``Class.from_mapping(mapping, where=section)``.
SECTIONS: dict[str, Any] = {
    "leads": lambda: LeadSettings,
    "turnover": lambda: TurnoverSettings,
    "kpi": lambda: KpiSettings,
    "order_plan": lambda: OrderPlanSettings,
    "sales": lambda: SalesSettings,
    "run": lambda: RunSettings,
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
    def from_mapping(cls, mapping: Mapping | None, *, where: str = "dealer") -> "DealerInfo":
        """Validate the ``dealer:`` mapping; ConfigError listing every problem, each by its path."""
        mapping = dict(mapping or {})
        problems = Problems("the dealer settings")
        unknown_keys(mapping, ("currency", "language", "mask_personal_data", "name", "stores"), where, problems)
        stores = mapping.get("stores", {}) or {}
        if not isinstance(stores, Mapping):
            problems.add(f"{where}.stores", f"expected a mapping such as {{S1: East store}}; got {stores!r}.")
            stores = {}
        language = mapping.get("language", "en")
        if language not in ("en", "zh"):
            problems.add(f"{where}.language", f"expected en or zh; got {language!r}.")
        mask = setting_bool(mapping.get("mask_personal_data", True), f"{where}.mask_personal_data", problems)
        name = setting_text(mapping.get("name", cls.name), f"{where}.name", problems, "the dealership's name")
        currency = setting_text(str(mapping.get("currency", "CNY")), f"{where}.currency", problems, "a currency code")
        problems.raise_if_any()
        return cls(name=name, stores={str(k): str(v) for k, v in stores.items()}, currency=currency,
                   language=language, mask_personal_data=mask)


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
    leads: LeadSettings
    turnover: TurnoverSettings
    kpi: KpiSettings
    order_plan: OrderPlanSettings
    sales: SalesSettings
    source: Path | None = None
    run: RunSettings = field(default_factory=RunSettings)

    def store_name(self, store_id: str) -> str:
        return self.dealer.stores.get(str(store_id), str(store_id))


def parse_settings(mapping: Mapping | None, *, source: Path | None = None) -> Settings:
    """Validate a parsed ``dealer.yml`` mapping into :class:`Settings`.

    Every section is checked, also after a bad one, so one error lists every problem in the file.

    Raises
    ------
    ConfigError
        ``dealer.yml: <path>: <what is wrong>`` for one problem; for several, a first line that counts them and
        names their paths, then one line per problem.
        ``problems`` holds each as a :class:`kit.checks.SettingProblem` (``file`` the settings file, ``column``
        the setting's path).
    """
    label = source.name if source else "dealer.yml"
    mapping = mapping or {}
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"{label}: expected sections such as 'dealer:' and 'kpi:' at the top; got "
                          f"{type(mapping).__name__}.")
    known = ("dealer", *SECTIONS)
    problems = Problems(label)
    for key in mapping:
        if key not in known:
            problems.add(str(key), f"unknown section{did_you_mean(key, known)}; known sections are "
                                   f"{', '.join(known)}.")
    parsed: dict[str, Any] = {}
    for section, read in (("dealer", lambda: DealerInfo), *SECTIONS.items()):
        raw = mapping.get(section)
        if raw is not None and not isinstance(raw, Mapping):
            problems.add(section, f"expected a mapping of settings; got {raw!r}.")
            continue
        try:
            parsed[section] = read().from_mapping(raw or {}, where=section)
        except ConfigError as exc:
            problems.extend(problems_of(exc, section))
    if problems:
        located = [replace(p, file=label) for p in problems]
        if len(located) == 1:
            message = str(located[0])
        else:
            paths = ", ".join(p.column or "?" for p in located[:5]) + (" …" if len(located) > 5 else "")
            message = f"{label}: {len(located)} problems ({paths}):\n- " + "\n- ".join(p.text for p in located)
        raise ConfigError(message, located)
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
