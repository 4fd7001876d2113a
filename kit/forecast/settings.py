"""The ``order_plan:`` section of ``dealer.yml``.

Light on purpose: ``kit.settings`` imports it, so it must not import statsforecast, pandas or the rest of
:mod:`kit.forecast`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kit.exceptions import ConfigError


def _setting_number(value: object, name: str, *, low: float, high: float, integer: bool = False,
                    low_open: bool = False, high_open: bool = False, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                           and math.isnan(value)):
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{name}: expected {kind}{unit}; got {value!r}.")
    if integer and float(value) != int(value):
        raise ConfigError(f"{name}: expected a whole number{unit}; got {value!r}.")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ConfigError(f"{name}: expected a value in {left}{low:g}, {high:g}{right}{unit}; got {value!r}.")
    return int(value) if integer else float(value)


def _per_model(value: object, name: str, *, low: int) -> dict[str, int]:
    """A whole number for every model, or a mapping ``{model: whole number}``; ``{"*": n}`` means every model."""
    if isinstance(value, Mapping):
        out = {}
        for model, number in value.items():
            if not isinstance(model, str) or not model.strip():
                raise ConfigError(f"{name}: expected car model names as keys; got {model!r}.")
            out[model.strip()] = _setting_number(number, f"{name}.{model}", low=low, high=1000, integer=True,
                                                 unit=" of cars")
        return out
    return {"*": _setting_number(value, name, low=low, high=1000, integer=True, unit=" of cars")}


@dataclass(frozen=True)
class OrderPlanSettings:
    """The ``order_plan:`` section of ``dealer.yml``.

    .. code-block:: yaml

        order_plan:
          horizon_months: 3          # plan months: N+1 … N+horizon (1–12)
          firm_months: 1             # the first month(s) are firm, the rest indicative (1–horizon_months)
          lead_time_months: 1        # months of demand an order must cover until the next one arrives (1–6)
          target_stock_months: 1.0   # stock wanted after the lead time, in months of sales (0–6)
          service_level: 0.95        # chance of not running out during the lead time (0.5–0.999)
          warning_stock_months: 1.5  # the store's stock-cover ceiling, months of sales (CADA's warning line)
          minimum_order_units: 0     # OEM minimum per model and order: a number, or {Aurora: 3, Nova: 2}
          batch_units: 1             # OEM batch size per model: orders in multiples of it; a number or a mapping

    A model missing from ``minimum_order_units`` / ``batch_units`` mappings gets 0 / 1 (``"*"`` sets every model).

    Attributes
    ----------
    horizon_months, firm_months, lead_time_months : int
    target_stock_months, service_level, warning_stock_months : float
    minimum_order_units, batch_units : dict of str to int
        Per model; key ``"*"`` for every model not named.
    """

    horizon_months: int = 3
    firm_months: int = 1
    lead_time_months: int = 1
    target_stock_months: float = 1.0
    service_level: float = 0.95
    warning_stock_months: float = 1.5
    minimum_order_units: dict[str, int] = field(default_factory=lambda: {"*": 0})
    batch_units: dict[str, int] = field(default_factory=lambda: {"*": 1})

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None, *, where: str = "order_plan") -> "OrderPlanSettings":
        """Parse the ``order_plan:`` section; missing keys take their defaults.

        Raises
        ------
        ConfigError
            An unknown, ill-typed or out-of-range setting, naming it (``order_plan.service_level: …``).
        """
        if mapping is None:
            mapping = {}
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.")
        known = {"horizon_months", "firm_months", "lead_time_months", "target_stock_months", "service_level",
                 "warning_stock_months", "minimum_order_units", "batch_units"}
        unknown = sorted(str(k) for k in set(mapping) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are "
                              f"{', '.join(sorted(known))}.")
        base = cls()
        horizon = _setting_number(mapping.get("horizon_months", base.horizon_months), f"{where}.horizon_months",
                                  low=1, high=12, integer=True, unit=" of months")
        firm = _setting_number(mapping.get("firm_months", base.firm_months), f"{where}.firm_months",
                               low=1, high=horizon, integer=True, unit=" of months")
        lead = _setting_number(mapping.get("lead_time_months", base.lead_time_months), f"{where}.lead_time_months",
                               low=1, high=6, integer=True, unit=" of months")
        target = _setting_number(mapping.get("target_stock_months", base.target_stock_months),
                                 f"{where}.target_stock_months", low=0, high=6, unit=" (months of sales)")
        service = _setting_number(mapping.get("service_level", base.service_level), f"{where}.service_level",
                                  low=0.5, high=0.999, unit=" (0.95 = 95 %)")
        warning = _setting_number(mapping.get("warning_stock_months", base.warning_stock_months),
                                  f"{where}.warning_stock_months", low=0, high=12, low_open=True,
                                  unit=" (months of sales)")
        minimum = _per_model(mapping.get("minimum_order_units", 0), f"{where}.minimum_order_units", low=0)
        batch = _per_model(mapping.get("batch_units", 1), f"{where}.batch_units", low=1)
        return cls(horizon_months=horizon, firm_months=firm, lead_time_months=lead, target_stock_months=target,
                   service_level=service, warning_stock_months=warning,
                   minimum_order_units={"*": 0} | minimum, batch_units={"*": 1} | batch)

    @classmethod
    def coerce(cls, settings: "OrderPlanSettings | Mapping[str, Any] | None") -> "OrderPlanSettings":
        """Settings as given to a planning function: None (the defaults), a mapping (parsed) or the settings."""
        if settings is None:
            return cls()
        if isinstance(settings, Mapping):
            return cls.from_mapping(settings)
        if not isinstance(settings, cls):
            raise ConfigError(f"settings: expected OrderPlanSettings or a mapping; got {type(settings).__name__}.")
        return settings

    @property
    def forecast_months_needed(self) -> int:
        """Months of forecast the plan needs: ``horizon_months + lead_time_months``."""
        return self.horizon_months + self.lead_time_months

    def minimum_for(self, model: str) -> int:
        """The OEM minimum order of ``model`` (0: none)."""
        return int(self.minimum_order_units.get(model, self.minimum_order_units.get("*", 0)))

    def batch_for(self, model: str) -> int:
        """The OEM batch size of ``model`` (1: single cars)."""
        return int(self.batch_units.get(model, self.batch_units.get("*", 1)))
