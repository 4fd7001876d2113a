"""The ``turnover:`` section of ``dealer.yml``: :class:`TurnoverSettings`, validated.

Every key is optional; the values below are the defaults. Targets and the gate may be written as 0.60 or
``"60%"``::

    turnover:
      formula: average_headcount   # average_headcount | start_plus_hires | start_headcount
      annual: annual_totals        # headline trailing-12-month rate: annual_totals | sum_of_monthly
      annual_targets:              # tolerated annual turnover per role, fraction (0.60 = 60 % a year)
        default: 0.30              # roles not listed (key roles not listed use key_staff_target)
        sales_consultant: 0.60     # dealer consultants run at 50–90 % a year (docs/DOMAIN.md §4.3)
        dcc_specialist: 0.60
      key_roles: [showroom_manager, sales_manager, general_manager, after_sales_manager]
      key_staff_target: 0.10       # "annual talent loss at most 10 %" for key staff and managers
      warning_ratio: 1.0           # status "above target" from rate ≥ target × warning_ratio
      alert_ratio: 1.25            # status "alert" from rate ≥ target × alert_ratio
      risk_horizon_months: 6       # at-risk list: leaving within this many months
      bonus_gate: 0.60             # volume achievement below which the month's commission is 0 (docs/DOMAIN.md §3.2)
      volume_metric: units_sold    # the KPI metric the gate applies to
      replacement_cost_cny:        # per leaver, CNY; a role's missing terms come from the default entry
        default:          {recruiting: 3000,  training: 5000,  vacancy: 10000}
        sales_consultant: {recruiting: 4000,  training: 8000,  vacancy: 30000}
        dcc_specialist:   {recruiting: 3000,  training: 5000,  vacancy: 15000}
        showroom_manager: {recruiting: 20000, training: 15000, vacancy: 60000}
        sales_manager:    {recruiting: 20000, training: 15000, vacancy: 60000}

``vacancy`` (alias ``lost_sales``) is the gross profit lost while the seat is empty and the newcomer ramps up; the
cost figures are illustrative placeholders [docs/DOMAIN.md: D], to be set by each dealer. A listed
``annual_targets`` or ``replacement_cost_cny`` mapping replaces the built-in one above (roles it does not list use
its ``default``, and a missing ``default`` keeps the built-in default). Every bad or unknown setting is reported at
once in one :class:`~kit.exceptions.ConfigError`, each by its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kit.checks import (Problems, section_mapping, setting_choice, setting_mapping, setting_names, setting_number,
                        setting_text, unknown_keys)

#: Turnover formulas: name -> description.
FORMULAS: dict[str, str] = {
    "average_headcount": "leavers ÷ average headcount ((start + end) ÷ 2)",
    "start_plus_hires": "leavers ÷ (start headcount + hires)",
    "start_headcount": "leavers ÷ start headcount",
}
#: How the headline trailing-12-month rate is computed.
ANNUAL_METHODS: dict[str, str] = {
    "annual_totals": "the chosen formula on the 12 months' totals",
    "sum_of_monthly": "sum of the 12 monthly rates",
}
#: Roles counted as key staff (managers) by default.
DEFAULT_KEY_ROLES = ("showroom_manager", "sales_manager", "general_manager", "after_sales_manager")


@dataclass(frozen=True)
class ReplacementCost:
    """Cost of replacing one leaver, CNY: recruiting, training and gross profit lost while the seat is empty."""

    recruiting_cny: float
    training_cny: float
    lost_sales_cny: float

    @property
    def total_cny(self) -> float:
        return self.recruiting_cny + self.training_cny + self.lost_sales_cny


_DEFAULT_COSTS: dict[str, ReplacementCost] = {
    "default": ReplacementCost(3000.0, 5000.0, 10000.0),
    "sales_consultant": ReplacementCost(4000.0, 8000.0, 30000.0),
    "dcc_specialist": ReplacementCost(3000.0, 5000.0, 15000.0),
    "showroom_manager": ReplacementCost(20000.0, 15000.0, 60000.0),
    "sales_manager": ReplacementCost(20000.0, 15000.0, 60000.0),
}
_DEFAULT_TARGETS: dict[str, float] = {"default": 0.30, "sales_consultant": 0.60, "dcc_specialist": 0.60}
_COST_KEYS = {"recruiting": "recruiting_cny", "training": "training_cny", "vacancy": "lost_sales_cny",
              "lost_sales": "lost_sales_cny"}
_KNOWN = ("formula", "annual", "annual_targets", "key_roles", "key_staff_target", "warning_ratio", "alert_ratio",
          "risk_horizon_months", "bonus_gate", "volume_metric", "replacement_cost_cny")


@dataclass(frozen=True)
class TurnoverSettings:
    """The ``turnover:`` section of ``dealer.yml`` (shape and defaults in the module docstring).

    Attributes
    ----------
    formula : str
        Monthly rate formula, one of :data:`FORMULAS`.
    annual : str
        ``annual_totals`` or ``sum_of_monthly``: how the headline trailing-12-month rate is computed.
    annual_targets : dict
        Tolerated annual turnover per role (fraction); ``"default"`` for roles not listed.
    key_roles : tuple
        Roles counted as key staff (managers); their target is ``key_staff_target`` unless listed.
    key_staff_target : float
        Annual target for key staff (0.10: the opening note's talent-loss limit).
    warning_ratio, alert_ratio : float
        Status thresholds as multiples of the target.
    risk_horizon_months : int
        Horizon of the at-risk list.
    bonus_gate : float
        Volume achievement below which the month's commission is lost.
    volume_metric : str
        KPI metric the gate applies to.
    replacement_cost : dict
        Role -> :class:`ReplacementCost`; ``"default"`` for roles not listed.
    """

    formula: str = "average_headcount"
    annual: str = "annual_totals"
    annual_targets: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_TARGETS))
    key_roles: tuple[str, ...] = DEFAULT_KEY_ROLES
    key_staff_target: float = 0.10
    warning_ratio: float = 1.0
    alert_ratio: float = 1.25
    risk_horizon_months: int = 6
    bonus_gate: float = 0.60
    volume_metric: str = "units_sold"
    replacement_cost: Mapping[str, ReplacementCost] = field(default_factory=lambda: dict(_DEFAULT_COSTS))

    @classmethod
    def defaults(cls) -> "TurnoverSettings":
        """Every setting at its documented default."""
        return cls()

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None, *, where: str = "turnover") -> "TurnoverSettings":
        """Parse the ``turnover:`` section; missing keys take their defaults.

        Raises
        ------
        ConfigError
            Listing every unknown, ill-typed or out-of-range setting, each by its path
            (``turnover.annual_targets.sales_consultant: …``).
        """
        mapping = section_mapping(mapping, where)
        problems = Problems("the turnover settings")
        base = cls()
        unknown_keys(mapping, sorted(_KNOWN), where, problems)

        def get(key: str, read: Any, **kw: Any) -> Any:
            value = read(mapping.get(key, getattr(base, key)), f"{where}.{key}", problems, **kw)
            return getattr(base, key) if value is None else value

        def fraction(value: Any, path: str, *, upper: float = 5.0) -> float | None:
            return setting_number(value, path, problems, low=0.0, high=upper, percent=True,
                                  what=f"a fraction between 0 and {upper:g} (0.60 = 60 %)")

        formula = get("formula", setting_choice, choices=tuple(FORMULAS))
        annual = get("annual", setting_choice, choices=tuple(ANNUAL_METHODS))
        roles_raw = mapping.get("key_roles", list(base.key_roles))
        key_roles = () if isinstance(roles_raw, list) and not roles_raw else setting_names(
            roles_raw, f"{where}.key_roles", problems, "role names")
        key_target = fraction(mapping.get("key_staff_target", base.key_staff_target), f"{where}.key_staff_target")
        raw_targets = mapping.get("annual_targets")
        # a listed mapping replaces the built-in one (only "default" falls back to its built-in value)
        targets = {"default": _DEFAULT_TARGETS["default"]} if raw_targets is not None else dict(_DEFAULT_TARGETS)
        if raw_targets is not None and setting_mapping(raw_targets, f"{where}.annual_targets", problems,
                                                       "{sales_consultant: 0.6}") is not None:
            for role, value in raw_targets.items():
                target = fraction(value, f"{where}.annual_targets.{role}")
                if target is not None:
                    targets[str(role)] = target
        warning = get("warning_ratio", setting_number, low=0.0, low_open=True, what="a positive number")
        alert = get("alert_ratio", setting_number, low=0.0, low_open=True, what="a positive number")
        if alert < warning:
            problems.add(f"{where}.alert_ratio", f"expected a value ≥ warning_ratio ({warning:g}); got {alert:g}.")
        horizon = get("risk_horizon_months", setting_number, low=1, high=24, integer=True,
                      what="a whole number of months 1–24")
        gate = fraction(mapping.get("bonus_gate", base.bonus_gate), f"{where}.bonus_gate", upper=2.0)
        metric = get("volume_metric", setting_text, what="a KPI metric name")
        raw_costs = mapping.get("replacement_cost_cny")
        costs = dict(_DEFAULT_COSTS) if raw_costs is None else \
            _parse_costs(raw_costs, f"{where}.replacement_cost_cny", problems)
        problems.raise_if_any()
        return cls(formula=formula, annual=annual, annual_targets=targets, key_roles=tuple(key_roles or ()),
                   key_staff_target=key_target, warning_ratio=warning, alert_ratio=alert,
                   risk_horizon_months=horizon, bonus_gate=gate, volume_metric=metric, replacement_cost=costs)

    def target_for(self, role: object) -> float:
        """Annual target for a role: listed, else ``key_staff_target`` for key roles, else the default."""
        role = str(role)
        if role in self.annual_targets:
            return float(self.annual_targets[role])
        if role in self.key_roles:
            return float(self.key_staff_target)
        return float(self.annual_targets.get("default", _DEFAULT_TARGETS["default"]))

    def cost_for(self, role: object) -> ReplacementCost:
        """Replacement cost per leaver for a role (the ``default`` entry for roles not listed)."""
        return self.replacement_cost.get(str(role), self.replacement_cost["default"])


def _parse_costs(raw: object, where: str, problems: Problems) -> dict[str, ReplacementCost]:
    """Replacement costs per role; a listed mapping replaces the built-in one, missing terms come from default."""
    costs = {"default": _DEFAULT_COSTS["default"]}
    if setting_mapping(raw, where, problems, "{default: {recruiting: 3000, training: 5000, vacancy: 10000}}") is None:
        return dict(_DEFAULT_COSTS)
    default_entry = raw.get("default")
    ordered = ([("default", default_entry)] if default_entry is not None else []) + [
        (k, v) for k, v in raw.items() if k != "default"]
    for role, terms in ordered:
        name = f"{where}.{role}"
        if setting_mapping(terms, name, problems, "{recruiting: …, training: …, vacancy: …} in CNY") is None:
            continue
        unknown_keys(terms, _COST_KEYS, name, problems, what="cost term")
        base = costs["default"]
        values = {"recruiting_cny": base.recruiting_cny, "training_cny": base.training_cny,
                  "lost_sales_cny": base.lost_sales_cny}
        for key, value in terms.items():
            if key not in _COST_KEYS:
                continue
            number = setting_number(value, f"{name}.{key}", problems, low=0.0, what="an amount ≥ 0 CNY")
            if number is not None:
                values[_COST_KEYS[key]] = number
        costs[str(role)] = ReplacementCost(**values)
    return costs
