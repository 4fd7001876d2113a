"""The ``sales:`` section of ``dealer.yml``: selling days, the after-delivery call, model tiers, penetration targets.

Every key is optional; the values below are the defaults::

    sales:
      closed_weekdays: []           # weekdays the showroom is closed (mon … sun); 4S showrooms usually open daily
      closed_dates: []              # dates it is closed, e.g. [2027-02-06, 2027-02-07] for the Spring Festival
      followup_within_days: 3       # after-delivery call (交车回访) due within this many days of delivery; a dealer
                                    # choice: one dealer's 回访制度 asks the consultant to call within three days
                                    # and the sales manager within seven (docs/methods/sales.md)
      consultant_units: orders      # what the kpi sheet's units_sold and gross_profit count for a consultant:
                                    # orders (net of cancellations, by order date) or deliveries (by delivery date)
      model_tiers: {}               # car model -> premium | standard | entry, to count the margin-tier mix from
                                    # the order ledger mid-month (the kpi sheet has it only for complete months)
      penetration_targets: {}       # product -> target share of retail cars, 0–1, e.g. {insurance: 0.85};
                                    # products: accessories, insurance, finance, warranty, trade_in

A bad or unknown key raises :class:`~kit.exceptions.ConfigError` naming it (``sales.model_tiers.Aurora: …``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import pandas as pd

from kit.exceptions import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIERS = ("premium", "standard", "entry")
#: Attached products (精品, 保险, 按揭, 延保, 置换) in display order.
PRODUCTS = ("accessories", "insurance", "finance", "warranty", "trade_in")
CONSULTANT_UNITS = ("orders", "signed_orders", "deliveries")


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SalesSettings:
    """The ``sales:`` section of ``dealer.yml``; see the module docstring for the YAML shape and defaults.

    Attributes
    ----------
    closed_weekdays : tuple of int
        Weekdays the showroom is closed, Monday = 0; they are not selling days.
    closed_dates : tuple of Timestamp
        Single days the showroom is closed (holidays).
    followup_within_days : int
        The after-delivery call is on time when it is made at most this many days after delivery.
    consultant_units : {"orders", "signed_orders", "deliveries"}
        What a consultant's ``units_sold`` and ``gross_profit`` in the kpi table count: orders net of the month's
        cancellations, orders signed in the month (a later cancellation not taken back), or cars delivered.
    model_tiers : mapping model -> tier
        Margin tier of each car model (premium, standard, entry).
    penetration_targets : mapping product -> rate
        The dealership's own target penetration per attached product (no sourced standard; DOMAIN §2.2).
    """

    closed_weekdays: tuple[int, ...] = ()
    closed_dates: tuple[pd.Timestamp, ...] = ()
    followup_within_days: int = 3
    consultant_units: str = "orders"
    model_tiers: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    penetration_targets: Mapping[str, float] = field(default_factory=lambda: _frozen({}))

    @classmethod
    def from_mapping(cls, mapping: Mapping | None, *, where: str = "sales") -> "SalesSettings":
        """Validate the ``sales:`` mapping of ``dealer.yml``.

        Parameters
        ----------
        mapping : mapping or None
            The parsed section; missing keys take their defaults.
        where : str
            Setting path prefix used in error messages.

        Raises
        ------
        ConfigError
            Unknown key, wrong type or out-of-range value; the message names the setting path.
        """
        if mapping is None:
            mapping = {}
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.")
        known = list(cls.__dataclass_fields__)
        unknown = sorted(set(map(str, mapping)) - set(known))
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are {', '.join(known)}.")
        weekdays = _weekdays(mapping.get("closed_weekdays") or [], f"{where}.closed_weekdays")
        dates = _dates(mapping.get("closed_dates") or [], f"{where}.closed_dates")
        within = mapping.get("followup_within_days", 3)
        if isinstance(within, bool) or not isinstance(within, (int, float)) or float(within) != int(within) \
                or not 0 <= within <= 60:
            raise ConfigError(f"{where}.followup_within_days: expected a whole number of days from 0 to 60; "
                              f"got {within!r}.")
        basis = mapping.get("consultant_units", "orders")
        if basis not in CONSULTANT_UNITS:
            raise ConfigError(f"{where}.consultant_units: expected orders, signed_orders or deliveries; got {basis!r}.")
        tiers_raw = mapping.get("model_tiers") or {}
        if not isinstance(tiers_raw, Mapping):
            raise ConfigError(f"{where}.model_tiers: expected a mapping such as {{Aurora: premium}}; got {tiers_raw!r}.")
        tiers = {}
        for model, tier in tiers_raw.items():
            if tier not in TIERS:
                raise ConfigError(f"{where}.model_tiers.{model}: expected one of {', '.join(TIERS)}; got {tier!r}.")
            tiers[str(model)] = str(tier)
        pen_raw = mapping.get("penetration_targets") or {}
        if not isinstance(pen_raw, Mapping):
            raise ConfigError(f"{where}.penetration_targets: expected a mapping such as {{insurance: 0.85}}; "
                              f"got {pen_raw!r}.")
        pen = {}
        for product, value in pen_raw.items():
            path = f"{where}.penetration_targets.{product}"
            if product not in PRODUCTS:
                raise ConfigError(f"{path}: unknown product; known products are {', '.join(PRODUCTS)}.")
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)) \
                    or not 0 <= float(value) <= 1:
                raise ConfigError(f"{path}: expected a share between 0 and 1 such as 0.85; got {value!r}.")
            pen[str(product)] = float(value)
        return cls(closed_weekdays=weekdays, closed_dates=dates, followup_within_days=int(within),
                   consultant_units=basis, model_tiers=_frozen(tiers), penetration_targets=_frozen(pen))


def _weekdays(raw: Any, path: str) -> tuple[int, ...]:
    if not isinstance(raw, (list, tuple)):
        raise ConfigError(f"{path}: expected a list of weekdays such as [mon]; got {raw!r}.")
    out = []
    for i, day in enumerate(raw):
        key = str(day).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise ConfigError(f"{path}[{i}]: expected one of {', '.join(WEEKDAYS)}; got {day!r}.")
        out.append(WEEKDAYS.index(key))
    return tuple(sorted(set(out)))


def _dates(raw: Any, path: str) -> tuple[pd.Timestamp, ...]:
    if not isinstance(raw, (list, tuple)):
        raise ConfigError(f"{path}: expected a list of dates such as [2027-02-06]; got {raw!r}.")
    out = []
    for i, day in enumerate(raw):
        if isinstance(day, dt.date):
            out.append(pd.Timestamp(day).normalize())
            continue
        try:
            out.append(pd.Timestamp(dt.date.fromisoformat(str(day).strip())))
        except ValueError:
            raise ConfigError(f"{path}[{i}]: expected a date YYYY-MM-DD; got {day!r}.") from None
    return tuple(sorted(set(out)))


def sales_settings(settings: Any) -> SalesSettings:
    """The sales settings from a :class:`kit.settings.Settings`, a mapping, a SalesSettings or None (defaults)."""
    if settings is None:
        return SalesSettings()
    if isinstance(settings, SalesSettings):
        return settings
    if isinstance(settings, Mapping):
        return SalesSettings.from_mapping(settings)
    section = getattr(settings, "sales", None)
    return section if isinstance(section, SalesSettings) else SalesSettings()
