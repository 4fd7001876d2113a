"""Staff turnover (离职率): rates against target, tenure survival, new-hire loss, who is at risk, and its cost.

What the monthly report calls (frames in, plain DataFrames out):

- :func:`turnover_rates`, :func:`trailing_rates`, :func:`compare_with_targets` (:func:`label_staff_group` for
  the key-staff rate): hires, leavers, headcounts and rates per period and group, against the targets;
- :func:`new_hire_loss`: share of each hiring cohort lost within 90 days and within a year;
- :func:`tenure_survival`: Kaplan–Meier tenure curves (lifelines) with bands, medians, retention points, cohorts;
- :func:`at_risk` (on :func:`fit_attrition_model`, :class:`AttritionModel`, :func:`build_attrition_frame`,
  :func:`build_training_set`): who is likely to leave within the horizon, and why, in words;
- :func:`attrition_drivers` (on :func:`driver_training_set`): a Cox model's monthly hazard ratios as a driver
  summary (lifelines, time-varying covariates);
- :func:`turnover_cost`: leavers × replacement cost per role, month and trailing 12 months.

Formulas (``DOMAIN.md`` §4; glossary entry *turnover rate*). For one period and group:

=====================  ==========================================================  ========================
column                 formula                                                     note
=====================  ==========================================================  ========================
rate_average_headcount leavers ÷ headcount_avg, headcount_avg = (start + end) ÷ 2  standard; can exceed 1
rate_start_plus_hires  leavers ÷ (headcount_start + hires)                         = leavers ÷ (leavers +
                                                                                   headcount_end); never > 1
rate_start_headcount   leavers ÷ headcount_start                                   monthly-trend variant
=====================  ==========================================================  ========================

``rate`` repeats the formula chosen in ``dealer.yml`` (``formula`` names it). The trailing-12-month rate
(:func:`trailing_rates`) is computed both on the 12 months' totals with each formula (the window's average
headcount is the mean of the 12 monthly averages; its start headcount the first month's) and as the sum of the 12
monthly rates (SHRM); the two differ and are labelled.

Boundary dates (``leave_date`` is the last day worked):

- *employed at the end of a period* (``headcount_end``): hired on or before its last day and not left by then, i.e.
  ``hire_date <= end`` and (``leave_date`` empty or ``leave_date > end``). Someone whose last day is the 31st is a
  leaver of that month and is **not** in its closing headcount.
- ``headcount_start`` is the previous period's ``headcount_end``: someone hired on the 1st is a hire of that month,
  not in its opening headcount; someone whose last day is the 1st is in the opening headcount and a leaver.
- ``hires`` / ``leavers``: ``hire_date`` / ``leave_date`` inside the period. Hired and left in the same month:
  one hire and one leaver. So ``headcount_end = headcount_start + hires - leavers`` always.
- A rehire is a new employment spell: a new row with its own ``staff_id`` (the roster's key); the first spell's end
  is a leaver, the second spell's start a hire. Duplicate ``staff_id`` rows are an error.
- A group or period without anyone employed (an empty department, a store listed in ``levels`` but without staff):
  the row is kept with zero counts, the rates are NaN and ``note`` says why. Nothing divides by zero.
- An empty ``department`` (allowed by the contract) is grouped as ``"unassigned"``.

Settings: the ``turnover:`` section of ``dealer.yml`` (:class:`TurnoverSettings`), with its defaults::

    turnover:
      formula: average_headcount   # average_headcount | start_plus_hires | start_headcount
      annual: annual_totals        # headline trailing-12-month rate: annual_totals | sum_of_monthly
      annual_targets:              # tolerated annual turnover per role, fraction (0.60 = 60 % a year)
        default: 0.30              # roles not listed (key roles not listed use key_staff_target)
        sales_consultant: 0.60     # dealer consultants run at 50–90 % a year (DOMAIN.md §4.3)
        dcc_specialist: 0.60
      key_roles: [showroom_manager, sales_manager, general_manager, after_sales_manager]
      key_staff_target: 0.10       # "annual talent loss at most 10 %" for key staff and managers
      warning_ratio: 1.0           # status "above target" from rate ≥ target × warning_ratio
      alert_ratio: 1.25            # status "alert" from rate ≥ target × alert_ratio
      risk_horizon_months: 6       # at-risk list: leaving within this many months
      bonus_gate: 0.60             # volume achievement below which the month's commission is 0 (DOMAIN §3.2)
      volume_metric: units_sold    # the KPI metric the gate applies to
      replacement_cost_cny:        # per leaver, CNY; a role's missing terms come from the default entry
        default:          {recruiting: 3000,  training: 5000,  vacancy: 10000}
        sales_consultant: {recruiting: 4000,  training: 8000,  vacancy: 30000}
        dcc_specialist:   {recruiting: 3000,  training: 5000,  vacancy: 15000}
        showroom_manager: {recruiting: 20000, training: 15000, vacancy: 60000}
        sales_manager:    {recruiting: 20000, training: 15000, vacancy: 60000}

``vacancy`` (alias ``lost_sales``) is the gross profit lost while the seat is empty and the newcomer ramps up; the
cost figures are illustrative placeholders [DOMAIN.md: D], to be set by each dealer. A listed ``annual_targets`` or
``replacement_cost_cny`` mapping replaces the built-in one above (roles it does not list use its ``default``, and
a missing ``default`` keeps the built-in default).

Every public function validates its staff/KPI input once (:func:`check_staff`) and raises
:class:`~kit.exceptions.DataContractError` naming the rows; it never changes its arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kit import schemas
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.i18n import label
from kit.models import CANDIDATES, TabularClassifier

__all__ = [
    "FORMULAS",
    "ReplacementCost",
    "TurnoverSettings",
    "TenureSurvival",
    "AttritionModel",
    "check_staff",
    "check_kpi",
    "turnover_rates",
    "trailing_rates",
    "compare_with_targets",
    "label_staff_group",
    "new_hire_loss",
    "tenure_survival",
    "build_attrition_frame",
    "build_training_set",
    "attrition_xy",
    "training_as_of_months",
    "fit_attrition_model",
    "at_risk",
    "attrition_drivers",
    "driver_training_set",
    "turnover_cost",
    "mask_name",
    "ATTRITION_LABEL",
    "ATTRITION_META",
]

#: Turnover formulas: name -> description.
FORMULAS: dict[str, str] = {
    "average_headcount": "leavers ÷ average headcount ((start + end) ÷ 2)",
    "start_plus_hires": "leavers ÷ (start headcount + hires)",
    "start_headcount": "leavers ÷ start headcount",
}
ANNUAL_METHODS: dict[str, str] = {
    "annual_totals": "the chosen formula on the 12 months' totals",
    "sum_of_monthly": "sum of the 12 monthly rates",
}
#: Average days in a month, to express tenures in months.
DAYS_PER_MONTH = 365.25 / 12
#: Columns of the staff contract (``kit.schemas.STAFF``); other numeric columns are extra model features.
STAFF_COLUMNS = tuple(schemas.STAFF.column_names)
_REQUIRED_STAFF = ("staff_id", "store_id", "department", "role", "hire_date", "leave_date", "leave_type")
_REQUIRED_KPI = ("month", "staff_id", "metric", "actual", "target")
_FAR_FUTURE = np.datetime64("2200-01-01", "ns")
_UNASSIGNED = "unassigned"
_FREQS = {"M": "M", "ME": "M", "MS": "M", "Q": "Q", "QE": "Q", "QS": "Q", "Y": "Y", "A": "Y", "YE": "Y",
          "YS": "Y"}
_PERIODS_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}
_MAX_ROWS_LISTED = 8

DEFAULT_KEY_ROLES = ("showroom_manager", "sales_manager", "general_manager", "after_sales_manager")


# =========================================================================== settings


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
            An unknown or ill-typed setting, naming it (``turnover.annual_targets.sales_consultant: …``).
        """
        if mapping is None:
            mapping = {}
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.")
        known = {"formula", "annual", "annual_targets", "key_roles", "key_staff_target", "warning_ratio",
                 "alert_ratio", "risk_horizon_months", "bonus_gate", "volume_metric", "replacement_cost_cny"}
        unknown = sorted(str(k) for k in set(mapping) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are {', '.join(sorted(known))}.")
        base = cls()
        formula = mapping.get("formula", base.formula)
        if formula not in FORMULAS:
            raise ConfigError(f"{where}.formula: expected one of {', '.join(FORMULAS)}; got {formula!r}.")
        annual = mapping.get("annual", base.annual)
        if annual not in ANNUAL_METHODS:
            raise ConfigError(f"{where}.annual: expected one of {', '.join(ANNUAL_METHODS)}; got {annual!r}.")
        key_roles = mapping.get("key_roles", list(base.key_roles))
        if isinstance(key_roles, str) or not isinstance(key_roles, Sequence) or not all(
                isinstance(r, str) for r in key_roles):
            raise ConfigError(f"{where}.key_roles: expected a list of role names; got {key_roles!r}.")
        key_target = _fraction(mapping.get("key_staff_target", base.key_staff_target), f"{where}.key_staff_target")
        raw_targets = mapping.get("annual_targets")
        if raw_targets is not None and not isinstance(raw_targets, Mapping):
            raise ConfigError(f"{where}.annual_targets: expected a mapping role: fraction; got {raw_targets!r}.")
        # a listed mapping replaces the built-in one (only "default" falls back to its built-in value)
        targets = {"default": _DEFAULT_TARGETS["default"]} if raw_targets is not None else dict(_DEFAULT_TARGETS)
        for role, value in (raw_targets or {}).items():
            targets[str(role)] = _fraction(value, f"{where}.annual_targets.{role}")
        warning = _positive(mapping.get("warning_ratio", base.warning_ratio), f"{where}.warning_ratio")
        alert = _positive(mapping.get("alert_ratio", base.alert_ratio), f"{where}.alert_ratio")
        if alert < warning:
            raise ConfigError(f"{where}.alert_ratio: expected a value ≥ warning_ratio ({warning:g}); got {alert:g}.")
        horizon = mapping.get("risk_horizon_months", base.risk_horizon_months)
        if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 24:
            raise ConfigError(f"{where}.risk_horizon_months: expected a whole number of months 1–24; "
                              f"got {horizon!r}.")
        gate = _fraction(mapping.get("bonus_gate", base.bonus_gate), f"{where}.bonus_gate", upper=2.0)
        metric = mapping.get("volume_metric", base.volume_metric)
        if not isinstance(metric, str) or not metric:
            raise ConfigError(f"{where}.volume_metric: expected a KPI metric name; got {metric!r}.")
        raw_costs = mapping.get("replacement_cost_cny")
        costs = dict(_DEFAULT_COSTS) if raw_costs is None else _parse_costs(raw_costs,
                                                                            f"{where}.replacement_cost_cny")
        return cls(formula=formula, annual=annual, annual_targets=targets, key_roles=tuple(key_roles),
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


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name}: expected a number; got {value!r}.")
    return float(value)


def _fraction(value: object, name: str, *, upper: float = 5.0) -> float:
    number = _number(value, name)
    if not 0 <= number <= upper:
        raise ConfigError(f"{name}: expected a fraction between 0 and {upper:g} (0.60 = 60 %); got {value!r}.")
    return number


def _positive(value: object, name: str) -> float:
    number = _number(value, name)
    if number <= 0:
        raise ConfigError(f"{name}: expected a positive number; got {value!r}.")
    return number


def _parse_costs(raw: object, where: str) -> dict[str, ReplacementCost]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping role: {{recruiting, training, vacancy}}; got {raw!r}.")
    # a listed mapping replaces the built-in one; a role's missing terms come from the (listed or built-in) default
    costs = {"default": _DEFAULT_COSTS["default"]}
    default_entry = raw.get("default")
    ordered = ([("default", default_entry)] if default_entry is not None else []) + [
        (k, v) for k, v in raw.items() if k != "default"]
    for role, terms in ordered:
        name = f"{where}.{role}"
        if not isinstance(terms, Mapping):
            raise ConfigError(f"{name}: expected {{recruiting: …, training: …, vacancy: …}} in CNY; "
                              f"got {terms!r}.")
        unknown = sorted(str(k) for k in set(terms) - set(_COST_KEYS))
        if unknown:
            raise ConfigError(f"{name}.{unknown[0]}: unknown cost term; expected recruiting, training, vacancy.")
        base = costs["default"]
        values = {"recruiting_cny": base.recruiting_cny, "training_cny": base.training_cny,
                  "lost_sales_cny": base.lost_sales_cny}
        for key, value in terms.items():
            number = _number(value, f"{name}.{key}")
            if number < 0:
                raise ConfigError(f"{name}.{key}: expected an amount ≥ 0 CNY; got {value!r}.")
            values[_COST_KEYS[key]] = number
        costs[str(role)] = ReplacementCost(**values)
    return costs


# =========================================================================== validation


def _rows_text(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> str:
    mask = np.asarray(mask, dtype=bool)
    labels = list(frame.index[mask])
    ids = list(frame["staff_id"][mask]) if "staff_id" in frame.columns else [None] * len(labels)
    shown = [f"staff_id {sid!r} (row index {label})" if sid is not None and not pd.isna(sid)
             else f"row index {label}" for label, sid in zip(labels, ids)]
    more = f" … ({len(shown)} rows)" if len(shown) > _MAX_ROWS_LISTED else ""
    return ", ".join(shown[:_MAX_ROWS_LISTED]) + more


def _to_dates(values: pd.Series, column: str, where: str, problems: list[str], frame: pd.DataFrame) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.astype("datetime64[ns]")
    else:
        out = pd.to_datetime(values.astype(object).where(values.notna(), None), errors="coerce")
        bad = values.notna().to_numpy() & out.isna().to_numpy()
        if bad.any():
            problems.append(f"{where}: {_rows_text(frame, bad)}, column {column}: a date such as 2026-10-31; "
                            f"got {', '.join(repr(v) for v in values[bad].head(3))}.")
        out = out.astype("datetime64[ns]")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()


def check_staff(staff: pd.DataFrame, *, where: str = "staff", columns: Iterable[str] = ()) -> pd.DataFrame:
    """Validate a staff roster once and return a typed copy (dates as datetime64, index kept).

    Parameters
    ----------
    staff : DataFrame
        The staff contract (``kit.schemas.STAFF``): staff_id, store_id, department, role, hire_date,
        leave_date, leave_type, optional name and manager_id.
    where : str
        Name used in messages (e.g. the file name).
    columns : iterable of str
        Further columns the caller needs (e.g. the ``by`` columns).

    Returns
    -------
    DataFrame
        A copy with ``hire_date`` / ``leave_date`` parsed and ``leave_type`` in lower case.

    Raises
    ------
    DataContractError
        Missing columns, unparseable or missing hire dates, duplicate ``staff_id``, ``leave_date`` before
        ``hire_date``, ``leave_type`` missing for a leaver, set without a leave date, or not
        voluntary/involuntary. Every problem is listed (``problems``), each naming the rows (index and staff_id).
    """
    if not isinstance(staff, pd.DataFrame):
        raise DataContractError(f"{where}: expected a DataFrame of staff; got {type(staff).__name__}.")
    missing = [c for c in (*_REQUIRED_STAFF, *columns) if c not in staff.columns]
    if missing:
        raise DataContractError(f"{where}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                                f"expected the staff contract columns {', '.join(_REQUIRED_STAFF)}.")
    frame = staff.copy()
    problems: list[str] = []
    frame["hire_date"] = _to_dates(staff["hire_date"], "hire_date", where, problems, frame)
    frame["leave_date"] = _to_dates(staff["leave_date"], "leave_date", where, problems, frame)
    no_hire = staff["hire_date"].isna().to_numpy()
    if no_hire.any():
        problems.append(f"{where}: {_rows_text(frame, no_hire)}, column hire_date: a hire date in every row; "
                        f"got empty.")
    ids = frame["staff_id"]
    if ids.isna().any():
        problems.append(f"{where}: {_rows_text(frame, ids.isna().to_numpy())}, column staff_id: an id in every row; "
                        f"got empty.")
    dup = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
    if dup.any():
        problems.append(f"{where}: {_rows_text(frame, dup)}, column staff_id: each staff_id only once (a rehire is a "
                        f"new row with its own staff_id, e.g. E012-2); got duplicates.")
    before = (frame["leave_date"] < frame["hire_date"]).to_numpy()
    if before.any():
        problems.append(f"{where}: {_rows_text(frame, before)}, column leave_date: a leave date on or after hire_date; "
                        f"got an earlier date.")
    leave_type = frame["leave_type"].astype(object).where(frame["leave_type"].notna(), None)
    leave_type = leave_type.map(lambda v: str(v).strip().lower() if v is not None else None)
    leave_type = leave_type.where(~leave_type.isin(["", "nan", "none"]), None)
    left = frame["leave_date"].notna().to_numpy()
    no_type = left & leave_type.isna().to_numpy()
    if no_type.any():
        problems.append(f"{where}: {_rows_text(frame, no_type)}, column leave_type: voluntary or involuntary for "
                        f"everyone with a leave date; got empty.")
    bad_type = leave_type.notna().to_numpy() & ~leave_type.isin(["voluntary", "involuntary"]).to_numpy()
    if bad_type.any():
        problems.append(f"{where}: {_rows_text(frame, bad_type)}, column leave_type: voluntary or involuntary; got "
                        f"{', '.join(sorted({repr(v) for v in leave_type[bad_type]}))}.")
    type_no_date = ~left & leave_type.notna().to_numpy()
    if type_no_date.any():
        problems.append(f"{where}: {_rows_text(frame, type_no_date)}, column leave_date: a leave date where "
                        f"leave_type is set; got empty.")
    if problems:
        head = f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {where}:"
        raise DataContractError("\n".join([head, *(f"  - {p}" for p in problems)]), problems)
    frame["leave_type"] = leave_type.astype(object)
    return frame


def check_kpi(kpi: pd.DataFrame, *, where: str = "kpi") -> pd.DataFrame:
    """Validate the long KPI table and return a copy with ``month`` as a monthly Period column ``period``.

    Raises
    ------
    DataContractError
        Missing columns, unparseable months, non-numeric actuals or targets, negative targets.
    """
    if not isinstance(kpi, pd.DataFrame):
        raise DataContractError(f"{where}: expected a DataFrame of KPI rows; got {type(kpi).__name__}.")
    missing = [c for c in _REQUIRED_KPI if c not in kpi.columns]
    if missing:
        raise DataContractError(f"{where}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                                f"expected {', '.join(_REQUIRED_KPI)}.")
    frame = kpi.copy()
    problems: list[str] = []
    try:
        frame["period"] = pd.PeriodIndex(frame["month"].astype(str), freq="M")
    except (ValueError, TypeError):
        periods = []
        for value in frame["month"]:
            try:
                periods.append(pd.Period(str(value), freq="M"))
            except (ValueError, TypeError):
                periods.append(pd.NaT)
        frame["period"] = pd.PeriodIndex(periods, freq="M")
        bad = frame["period"].isna().to_numpy()
        problems.append(f"{where}: {_rows_text(frame, bad)}, column month: a month such as 2026-10; got "
                        f"{', '.join(repr(v) for v in frame.loc[bad, 'month'].head(3))}.")
    for col in ("actual", "target"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = (frame[col].notna() & values.isna()).to_numpy()
        if bad.any():
            problems.append(f"{where}: {_rows_text(frame, bad)}, column {col}: a number; got "
                            f"{', '.join(repr(v) for v in frame.loc[bad, col].head(3))}.")
        frame[col] = values.astype(float)
    negative = (frame["target"] < 0).to_numpy()
    if negative.any():
        problems.append(f"{where}: {_rows_text(frame, negative)}, column target: a target ≥ 0; got a negative one.")
    if problems:
        head = f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in {where}:"
        raise DataContractError("\n".join([head, *(f"  - {p}" for p in problems)]), problems)
    return frame


# =========================================================================== rates


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _check_freq(freq: str) -> str:
    key = str(freq).upper()
    if key not in _FREQS:
        raise ConfigError(f"freq: expected M (months), Q (quarters) or Y (years); got {freq!r}.")
    return _FREQS[key]


def _check_formula(formula: str) -> str:
    if formula not in FORMULAS:
        raise ConfigError(f"formula: expected one of {', '.join(FORMULAS)}; got {formula!r}.")
    return formula


def _to_period(value: object, freq: str) -> pd.Period:
    try:
        if isinstance(value, pd.Period):
            return value.asfreq(freq) if value.freqstr[0] != freq[0] else value
        return pd.Timestamp(value).to_period(freq) if not isinstance(value, str) or len(value) > 7 else \
            pd.Period(value, freq="M").asfreq(freq) if len(value) == 7 else pd.Period(value, freq=freq)
    except (ValueError, TypeError):
        raise ConfigError(f"expected a month such as 2026-10 or a date; got {value!r}.") from None


def _month_end(value: object) -> pd.Timestamp:
    """The last day of the month named by ``value`` ('2026-10', a Period or a date)."""
    return _to_period(value, "M").end_time.normalize()


def _group_keys(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    keys = frame[by].astype(object)
    return keys.where(keys.notna(), _UNASSIGNED)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(numerator.shape, np.nan)
    ok = denominator > 0
    out[ok] = numerator[ok] / denominator[ok]
    return out


def turnover_rates(
    staff: pd.DataFrame,
    *,
    freq: str = "M",
    by: str | Sequence[str] | None = None,
    formula: str = "average_headcount",
    start: object = None,
    end: object = None,
    levels: Mapping[str, Sequence[object]] | None = None,
) -> pd.DataFrame:
    """Hires, leavers, headcounts and turnover rates per period (and group).

    Parameters
    ----------
    staff : DataFrame
        Staff roster (``kit.schemas.STAFF``).
    freq : {"M", "Q", "Y"}
        Period length.
    by : str or list of str, optional
        Grouping columns of ``staff`` (``store_id``, ``department``, ``role`` …). Empty values become
        ``"unassigned"``.
    formula : str
        Formula copied into ``rate`` (see :data:`FORMULAS`); all three are returned in labelled columns.
    start, end : month or date, optional
        First and last period; default from the earliest hire to the latest hire or leave date.
    levels : mapping column -> values, optional
        Group values to show even without any staff (e.g. every store in ``dealer.yml``); with ``levels`` the
        groups are every combination of the listed and observed values.

    Returns
    -------
    DataFrame
        One row per period and group: ``period`` ('2026-10', '2026Q4' or '2026'), ``period_start``,
        ``period_end``, the group columns, ``headcount_start``, ``hires``, ``leavers``, ``leavers_voluntary``,
        ``leavers_involuntary``, ``headcount_end``, ``headcount_avg``, ``formula``, ``rate``, ``rate_voluntary``,
        ``rate_involuntary``, ``rate_average_headcount``, ``rate_start_plus_hires``, ``rate_start_headcount``,
        ``note`` (why a rate is NaN). Rates are fractions.
    """
    by_cols = _as_list(by)
    frame = check_staff(staff, columns=by_cols)
    freq = _check_freq(freq)
    formula = _check_formula(formula)
    periods = _period_range(frame, freq, start, end)
    return _rates_table(frame, periods, by_cols, formula, levels)


def _period_range(frame: pd.DataFrame, freq: str, start: object, end: object) -> pd.PeriodIndex:
    if start is None:
        if frame.empty:
            raise InsufficientDataError("staff: no rows; cannot choose a first period (pass start=).")
        start_p = frame["hire_date"].min().to_period(freq)
    else:
        start_p = _to_period(start, freq)
    if end is None:
        if frame.empty:
            raise InsufficientDataError("staff: no rows; cannot choose a last period (pass end=).")
        latest = max(frame["hire_date"].max(), frame["leave_date"].max() if frame["leave_date"].notna().any()
                     else frame["hire_date"].max())
        end_p = latest.to_period(freq)
    else:
        end_p = _to_period(end, freq)
    if end_p < start_p:
        raise ConfigError(f"end ({end_p}) is before start ({start_p}).")
    return pd.period_range(start_p, end_p, freq=freq)


def _rates_table(frame: pd.DataFrame, periods: pd.PeriodIndex, by: list[str], formula: str,
                 levels: Mapping[str, Sequence[object]] | None) -> pd.DataFrame:
    p_start = periods.start_time.normalize().to_numpy("datetime64[ns]")
    p_end = periods.end_time.normalize().to_numpy("datetime64[ns]")
    hire = frame["hire_date"].to_numpy("datetime64[ns]")[:, None]
    leave = frame["leave_date"].to_numpy("datetime64[ns]").copy()
    leave[np.isnat(leave)] = _FAR_FUTURE
    leave = leave[:, None]
    voluntary = (frame["leave_type"] == "voluntary").to_numpy()[:, None]
    involuntary = (frame["leave_type"] == "involuntary").to_numpy()[:, None]
    counts = {
        "headcount_start": (hire < p_start) & (leave >= p_start),
        "hires": (hire >= p_start) & (hire <= p_end),
        "leavers": (leave >= p_start) & (leave <= p_end),
        "headcount_end": (hire <= p_end) & (leave > p_end),
    }
    counts["leavers_voluntary"] = counts["leavers"] & voluntary
    counts["leavers_involuntary"] = counts["leavers"] & involuntary

    if by:
        keys = _group_keys(frame, by)
        observed = list(dict.fromkeys(map(tuple, keys.to_numpy().tolist())))
        if levels:
            unknown = [c for c in levels if c not in by]
            if unknown:
                raise ConfigError(f"levels: {unknown[0]!r} is not one of the by columns ({', '.join(by)}).")
            values = []
            for i, col in enumerate(by):
                seen = list(dict.fromkeys(k[i] for k in observed))
                listed = list(levels.get(col, []))
                values.append(list(dict.fromkeys([*listed, *seen])))
            groups = [tuple(g) for g in pd.MultiIndex.from_product(values).tolist()]
        else:
            groups = sorted(observed, key=lambda g: tuple(str(v) for v in g))
        member = {g: np.zeros(len(frame), dtype=bool) for g in groups}
        for pos, key in enumerate(map(tuple, keys.to_numpy().tolist())):
            member[key][pos] = True
    else:
        groups = [()]
        member = {(): np.ones(len(frame), dtype=bool)}

    parts = []
    for group in groups:
        rows = member[group]
        part = pd.DataFrame({
            "period": periods.astype(str),
            "period_start": periods.start_time.normalize(),
            "period_end": periods.end_time.normalize(),
        })
        for col, value in zip(by, group):
            part[col] = value
        for name, matrix in counts.items():
            part[name] = matrix[rows].sum(axis=0).astype(int)
        part["staff_in_group"] = int(rows.sum())
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    return _add_rates(table, formula)


def _add_rates(table: pd.DataFrame, formula: str) -> pd.DataFrame:
    out = table.copy()
    out["headcount_avg"] = (out["headcount_start"] + out["headcount_end"]) / 2
    denominators = {
        "average_headcount": out["headcount_avg"].to_numpy(float),
        "start_plus_hires": (out["headcount_start"] + out["hires"]).to_numpy(float),
        "start_headcount": out["headcount_start"].to_numpy(float),
    }
    for name, den in denominators.items():
        out[f"rate_{name}"] = _safe_divide(out["leavers"], den)
    den = denominators[formula]
    out["formula"] = formula
    out["rate"] = out[f"rate_{formula}"]
    out["rate_voluntary"] = _safe_divide(out["leavers_voluntary"], den)
    out["rate_involuntary"] = _safe_divide(out["leavers_involuntary"], den)
    nobody = (out["headcount_start"] + out["hires"]) == 0
    no_staff = out.pop("staff_in_group") == 0
    out["note"] = np.select(
        [no_staff.to_numpy(), nobody.to_numpy(), den <= 0],
        ["no staff in this group: rates undefined",
         "nobody employed in this period: rates undefined",
         f"denominator of {formula} is 0: rate undefined"],
        default="",
    )
    order = ["period", "period_start", "period_end"]
    order += [c for c in out.columns if c not in _RATE_COLUMNS and c not in order]
    order += [c for c in _RATE_COLUMNS if c in out.columns]
    return out[order]


_RATE_COLUMNS = ("headcount_start", "hires", "leavers", "leavers_voluntary", "leavers_involuntary", "headcount_end",
                 "headcount_avg", "formula", "rate", "rate_voluntary", "rate_involuntary", "rate_average_headcount",
                 "rate_start_plus_hires", "rate_start_headcount", "note")


def _group_columns(table: pd.DataFrame) -> list[str]:
    fixed = {"period", "period_start", "period_end", *_RATE_COLUMNS, *_TRAILING_COLUMNS, "target", "status",
             "target_scale"}
    return [c for c in table.columns if c not in fixed]


def trailing_rates(rates: pd.DataFrame, *, months: int = 12, annual: str = "annual_totals") -> pd.DataFrame:
    """Trailing-window (default 12-month) turnover from monthly :func:`turnover_rates` output.

    Parameters
    ----------
    rates : DataFrame
        Output of :func:`turnover_rates` with ``freq="M"`` (any ``by``).
    months : int
        Window length in months.
    annual : {"annual_totals", "sum_of_monthly"}
        Which version becomes the headline ``rate_trailing``.

    Returns
    -------
    DataFrame
        One row per month and group (the window ending in that month): ``period``, group columns,
        ``window_months``, ``months_in_window`` (fewer at the start of the data: rates NaN), ``headcount_start``
        (opening headcount of the window), ``hires``, ``leavers``, ``leavers_voluntary``, ``leavers_involuntary``,
        ``headcount_end``, ``headcount_avg`` (mean of the monthly average headcounts), the rate on the window's
        totals with each formula (``rate_trailing_average_headcount``, ``rate_trailing_start_plus_hires``,
        ``rate_trailing_start_headcount``), ``rate_trailing_sum_of_monthly`` (sum of the monthly ``rate`` values;
        months with a NaN rate and no leavers count 0), ``formula``, ``annual``, ``rate_trailing`` (the headline),
        ``rate_trailing_voluntary``, ``rate_trailing_involuntary`` and ``note``.
    """
    needed = {"period", "headcount_start", "hires", "leavers", "leavers_voluntary", "leavers_involuntary",
              "headcount_end", "headcount_avg", "rate", "formula"}
    missing = sorted(needed - set(rates.columns))
    if missing:
        raise DataContractError(f"rates: missing column(s) {', '.join(missing)}; expected turnover_rates() output.")
    if annual not in ANNUAL_METHODS:
        raise ConfigError(f"annual: expected one of {', '.join(ANNUAL_METHODS)}; got {annual!r}.")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ConfigError(f"months: expected a whole number ≥ 1; got {months!r}.")
    formulas = rates["formula"].dropna().unique()
    if len(formulas) != 1:
        raise DataContractError(f"rates: expected one formula; got {list(formulas)}.")
    formula = _check_formula(str(formulas[0]))
    labels = rates["period"].astype(str)
    if not labels.str.fullmatch(r"\d{4}-\d{2}").all():
        raise DataContractError(f"rates: expected monthly periods such as 2026-10 (turnover_rates(freq='M')); got "
                                f"{labels.iloc[0]!r}.")
    try:
        periods = pd.PeriodIndex(labels, freq="M")
    except (ValueError, TypeError):
        raise DataContractError("rates: expected monthly periods such as 2026-10 (turnover_rates(freq='M')).") from None
    by = _group_columns(rates)
    work = rates.assign(_p=periods.astype("int64")).sort_values([*by, "_p"]).reset_index(drop=True)
    grouped = work.groupby(by, sort=False, dropna=False) if by else None
    if grouped is not None:
        gaps = grouped["_p"].diff().dropna()
    else:
        gaps = work["_p"].diff().dropna()
    if (gaps != 1).any():
        raise DataContractError("rates: expected consecutive months in each group; some months are missing or "
                                "repeated.")

    def roll(col: str, how: str) -> pd.Series:
        series = work[col].astype(float)
        if grouped is None:
            r = series.rolling(months, min_periods=1)
            return getattr(r, how)()
        return series.groupby([work[c] for c in by], sort=False, dropna=False).transform(
            lambda s: getattr(s.rolling(months, min_periods=1), how)())

    def first_in_window(col: str) -> pd.Series:
        series = work[col].astype(float)
        if grouped is None:
            return series.shift(months - 1)
        return series.groupby([work[c] for c in by], sort=False, dropna=False).shift(months - 1)

    out = work[["period", *by]].copy()
    out["window_months"] = months
    out["months_in_window"] = roll("hires", "count").astype(int)
    out["headcount_start"] = first_in_window("headcount_start")
    for col in ("hires", "leavers", "leavers_voluntary", "leavers_involuntary"):
        out[col] = roll(col, "sum")
    out["headcount_end"] = work["headcount_end"].astype(float)
    out["headcount_avg"] = roll("headcount_avg", "mean")
    # a NaN monthly rate comes from a month without staff; with no leavers it contributes 0 to the sum
    monthly = work["rate"].astype(float).where(work["rate"].notna() | (work["leavers"] > 0), 0.0)
    work = work.assign(_monthly=monthly)
    summed = roll("_monthly", "sum")
    undefined_month = work["rate"].isna() & (work["leavers"] > 0)
    work = work.assign(_undefined=undefined_month.astype(float))
    summed = summed.where(roll("_undefined", "sum") == 0)
    summed = summed.where((out["headcount_avg"] > 0) | (out["hires"] > 0))  # nobody employed: undefined
    full = out["months_in_window"] >= months
    dens = {
        "average_headcount": out["headcount_avg"].to_numpy(float),
        "start_plus_hires": (out["headcount_start"] + out["hires"]).to_numpy(float),
        "start_headcount": out["headcount_start"].to_numpy(float),
    }
    for name, den in dens.items():
        out[f"rate_trailing_{name}"] = np.where(full, _safe_divide(out["leavers"], den), np.nan)
    out["rate_trailing_sum_of_monthly"] = summed.where(full)
    out["formula"] = formula
    out["annual"] = annual
    headline = "rate_trailing_sum_of_monthly" if annual == "sum_of_monthly" else f"rate_trailing_{formula}"
    out["rate_trailing"] = out[headline]
    den = dens[formula]
    out["rate_trailing_voluntary"] = np.where(full, _safe_divide(out["leavers_voluntary"], den), np.nan)
    out["rate_trailing_involuntary"] = np.where(full, _safe_divide(out["leavers_involuntary"], den), np.nan)
    out["note"] = np.select(
        [~full.to_numpy(), np.isnan(out["rate_trailing"].to_numpy(float))],
        [out["months_in_window"].map(lambda k: f"only {k} of {months} months of history: rate not shown").to_numpy(),
         "nobody employed in the window: rate undefined"],
        default="",
    )
    order = work.sort_values(["_p", *by]).index
    return out.loc[order].reset_index(drop=True)


_TRAILING_COLUMNS = ("window_months", "months_in_window", "annual", "rate_trailing", "rate_trailing_voluntary",
                     "rate_trailing_involuntary", "rate_trailing_average_headcount", "rate_trailing_start_plus_hires",
                     "rate_trailing_start_headcount", "rate_trailing_sum_of_monthly")


def label_staff_group(staff: pd.DataFrame, settings: TurnoverSettings | None = None) -> pd.DataFrame:
    """Copy of ``staff`` with ``staff_group`` = ``"key_staff"`` (a key role) or ``"other_staff"``.

    Use it as ``turnover_rates(label_staff_group(staff, settings), by="staff_group")`` for the key-staff rate.
    """
    settings = settings or TurnoverSettings()
    out = staff.copy()
    out["staff_group"] = np.where(out["role"].astype(object).isin(settings.key_roles), "key_staff", "other_staff")
    return out


def compare_with_targets(
    table: pd.DataFrame,
    settings: TurnoverSettings | None = None,
    *,
    staff: pd.DataFrame | None = None,
    rate_column: str | None = None,
) -> pd.DataFrame:
    """Add the target and a status to a rates table (monthly or trailing).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`turnover_rates` or :func:`trailing_rates`.
    settings : TurnoverSettings, optional
        Targets and thresholds; defaults when None.
    staff : DataFrame, optional
        The roster. For groups that mix roles (a store, a department, everyone) the target is the
        headcount-weighted mean of the role targets in that group and period (``headcount_avg`` weights); without
        ``staff`` such groups get the ``default`` target. Groups by ``role`` use the role's target;
        ``staff_group`` groups (:func:`label_staff_group`) use ``key_staff_target`` for key staff.
    rate_column : str, optional
        ``rate_trailing`` when present, else ``rate``.

    Returns
    -------
    DataFrame
        A copy with ``target_annual``, ``target`` (on the rate's scale: the annual target ÷ 12 for a monthly rate,
        ÷ 4 for a quarterly one) and ``status``: ``within target`` (rate < target × warning_ratio),
        ``above target``, ``alert`` (rate ≥ target × alert_ratio) or ``no rate``.
    """
    settings = settings or TurnoverSettings()
    if rate_column is None:
        rate_column = "rate_trailing" if "rate_trailing" in table.columns else "rate"
    if rate_column not in table.columns:
        raise DataContractError(f"table: no column {rate_column!r}; expected turnover_rates()/trailing_rates() output.")
    out = table.copy()
    by = _group_columns(out)
    if rate_column.startswith("rate_trailing"):
        per_year = 1.0
    else:
        sample = str(out["period"].iloc[0]) if len(out) else "2000-01"
        per_year = float(_PERIODS_PER_YEAR["Q" if "Q" in sample else "Y" if len(sample) == 4 else "M"])
    if "role" in by:
        annual = out["role"].map(settings.target_for).astype(float)
    elif staff is not None:
        annual = _mixed_targets(out, settings, staff, by)
    elif "staff_group" in by:
        annual = np.where(out["staff_group"] == "key_staff", settings.key_staff_target,
                          settings.target_for("default"))
        annual = pd.Series(annual, index=out.index, dtype=float)
    else:
        annual = pd.Series(settings.target_for("default"), index=out.index, dtype=float)
    out["target_annual"] = annual.to_numpy(float)
    out["target"] = out["target_annual"] / per_year
    rate = out[rate_column].astype(float)
    out["status"] = np.select(
        [rate.isna().to_numpy(), (rate >= out["target"] * settings.alert_ratio).to_numpy(),
         (rate >= out["target"] * settings.warning_ratio).to_numpy()],
        ["no rate", "alert", "above target"], default="within target")
    return out


def _mixed_targets(table: pd.DataFrame, settings: TurnoverSettings, staff: pd.DataFrame,
                   by: list[str]) -> pd.Series:
    roster = staff if "staff_group" not in by or "staff_group" in staff.columns else label_staff_group(
        staff, settings)
    periods = table["period"].astype(str)
    freq = "Q" if periods.str.contains("Q").any() else "Y" if (periods.str.len() == 4).all() else "M"
    mix = turnover_rates(roster, freq=freq, by=[*by, "role"], start=periods.min(), end=periods.max())
    mix = mix.assign(_target=mix["role"].map(settings.target_for).astype(float),
                     _weight=mix["headcount_avg"].astype(float))
    mix["_weighted"] = mix["_target"] * mix["_weight"]
    agg = mix.groupby(["period", *by], dropna=False)[["_weighted", "_weight"]].sum().reset_index()
    agg["_mixed"] = _safe_divide(agg["_weighted"], agg["_weight"])
    keyed = table[["period", *by]].astype(object).merge(agg[["period", *by, "_mixed"]].astype(
        {c: object for c in ["period", *by]}), on=["period", *by], how="left")
    return keyed["_mixed"].fillna(settings.target_for("default")).set_axis(table.index)


# =========================================================================== new-hire loss


def _as_of_date(as_of: object) -> pd.Timestamp:
    """A cut-off date: a month ('2026-10' → 2026-10-31) or a date."""
    if isinstance(as_of, str) and len(as_of.strip()) == 7:
        return _month_end(as_of.strip())
    if isinstance(as_of, pd.Period):
        return as_of.end_time.normalize()
    try:
        return pd.Timestamp(as_of).normalize()
    except (ValueError, TypeError):
        raise ConfigError(f"as_of: expected a month such as 2026-10 or a date; got {as_of!r}.") from None


def new_hire_loss(
    staff: pd.DataFrame,
    *,
    as_of: object,
    cohort: str = "Q",
    windows: Sequence[int] = (90, 365),
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Share of each hiring cohort who left within 90 days and within a year.

    A hire *left within w days* when ``leave_date < hire_date + w days`` (the hire date is day 1, so for a hire on
    2024-01-01 the 90-day window is 2024-01-01 … 2024-03-30). Only hires **observed for the full window** count:
    ``hire_date + (w - 1) days <= as_of``; leave dates after ``as_of`` are treated as unknown (still employed)
    and hires after ``as_of`` are left out.

    Parameters
    ----------
    staff : DataFrame
        Staff roster.
    as_of : month or date
        Cut-off ('2026-10' means 2026-10-31).
    cohort : {"M", "Q", "Y"}
        Cohort = the hire date's month, quarter or year.
    windows : sequence of int
        Windows in days.
    by : str or list of str, optional
        Extra grouping columns (``role`` …).

    Returns
    -------
    DataFrame
        Long, one row per cohort (and group) and window: ``cohort``, group columns, ``window_days``, ``hires``,
        ``hires_observed`` (hired long enough ago to be observed for the whole window), ``left_within_window``
        (among the observed), ``loss_rate`` (= left ÷ observed, NaN when none observed) and ``fully_observed``.
    """
    by_cols = _as_list(by)
    frame = check_staff(staff, columns=by_cols)
    freq = _check_freq(cohort)
    cutoff = _as_of_date(as_of)
    if not windows or any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1 for w in windows):
        raise ConfigError(f"windows: expected whole numbers of days ≥ 1; got {windows!r}.")
    frame = frame[frame["hire_date"] <= cutoff].copy()
    frame.loc[frame["leave_date"] > cutoff, "leave_date"] = pd.NaT
    frame["cohort"] = frame["hire_date"].dt.to_period(freq).astype(str)
    keys = ["cohort", *by_cols]
    if by_cols:
        frame[by_cols] = _group_keys(frame, by_cols)
    parts = []
    for w in windows:
        observed = frame["hire_date"] + pd.Timedelta(days=int(w) - 1) <= cutoff
        left = frame["leave_date"].notna() & (frame["leave_date"] < frame["hire_date"] + pd.Timedelta(days=int(w)))
        part = frame[keys].assign(window_days=int(w), hires=1, hires_observed=observed.astype(int),
                                  left_within_window=(observed & left).astype(int))
        parts.append(part)
    if not parts or frame.empty:
        return pd.DataFrame(columns=[*keys, "window_days", "hires", "hires_observed", "left_within_window",
                                     "loss_rate", "fully_observed"])
    long = pd.concat(parts, ignore_index=True)
    out = long.groupby([*keys, "window_days"], dropna=False, sort=True)[
        ["hires", "hires_observed", "left_within_window"]].sum().reset_index()
    out["loss_rate"] = _safe_divide(out["left_within_window"], out["hires_observed"])
    out["fully_observed"] = out["hires_observed"] == out["hires"]
    return out


# =========================================================================== tenure survival


@dataclass(frozen=True)
class TenureSurvival:
    """Kaplan–Meier tenure survival (:func:`tenure_survival`).

    Attributes
    ----------
    summary : DataFrame
        Per group: ``staff``, ``leavers``, ``still_employed`` (censored), ``median_tenure_months`` (NaN when
        more than half are still employed: ``median_reached`` False), its confidence band ``median_ci_lower`` /
        ``median_ci_upper`` (NaN = not reached), ``retention_3_months`` … ``retention_24_months`` (NaN beyond the
        longest observed tenure).
    curves : DataFrame
        Per group and tenure time: ``tenure_months``, ``retention`` (KM survival), ``ci_lower``, ``ci_upper``,
        ``at_risk``, ``leavers``, ``censored``.
    cohorts : DataFrame
        Hire year × retention: ``hire_year``, the same columns as ``summary``.
    fitters : dict
        Group label -> fitted ``lifelines.KaplanMeierFitter`` (for plotting).
    """

    summary: pd.DataFrame
    curves: pd.DataFrame
    cohorts: pd.DataFrame
    fitters: dict


def _durations(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Tenure in months at leaving (event) or at the cut-off (censored); leave dates after the cut-off unknown."""
    frame = frame[frame["hire_date"] <= cutoff].copy()
    event = frame["leave_date"].notna() & (frame["leave_date"] <= cutoff)
    stop = frame["leave_date"].where(event, cutoff)
    # leave_date is the last day worked: hired and left on the same day = 1 day of tenure
    frame["tenure_days"] = (stop - frame["hire_date"]).dt.days + 1
    frame["tenure_months"] = frame["tenure_days"] / DAYS_PER_MONTH
    frame["left"] = event.astype(int)
    return frame


def tenure_survival(
    staff: pd.DataFrame,
    *,
    as_of: object,
    by: str | Sequence[str] | None = None,
    points_months: Sequence[float] = (3, 6, 12, 24),
    alpha: float = 0.05,
) -> TenureSurvival:
    """Kaplan–Meier tenure survival per group, with medians, retention points and a hire-year cohort table.

    Tenure runs from ``hire_date`` to ``leave_date`` (inclusive, the last day worked) for leavers; staff still
    employed at ``as_of`` (or leaving after it) are **censored** at ``as_of``; staff hired after ``as_of`` are
    left out. Months are days ÷ 30.44.

    Parameters
    ----------
    staff : DataFrame
        Staff roster.
    as_of : month or date
        Cut-off ('2026-10' means 2026-10-31).
    by : str or list of str, optional
        Grouping columns (``role`` …); None = everyone.
    points_months : sequence of float
        Retention points in months.
    alpha : float
        1 − confidence level of the bands (lifelines' exponential Greenwood bands).

    Returns
    -------
    TenureSurvival
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    by_cols = _as_list(by)
    frame = check_staff(staff, columns=by_cols)
    cutoff = _as_of_date(as_of)
    data = _durations(frame, cutoff)
    if data.empty:
        raise InsufficientDataError(f"staff: nobody hired on or before {cutoff.date()}; no tenure to analyse.")
    if by_cols:
        data[by_cols] = _group_keys(data, by_cols)
    data["hire_year"] = data["hire_date"].dt.year.astype(int)

    def fit_groups(cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
        rows, curves, fitters = [], [], {}
        groups = data.groupby(cols, sort=True, dropna=False) if cols else [((), data)]
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            label = " / ".join(str(k) for k in key) if key else "all staff"
            kmf = KaplanMeierFitter(alpha=alpha)
            kmf.fit(part["tenure_months"], event_observed=part["left"], label=label)
            fitters[label] = kmf
            row = dict(zip(cols, key))
            row.update(staff=len(part), leavers=int(part["left"].sum()),
                       still_employed=int(len(part) - part["left"].sum()))
            median = float(kmf.median_survival_time_)
            ci = median_survival_times(kmf.confidence_interval_)
            lower, upper = (float(v) for v in ci.iloc[0, :2])
            row.update(median_tenure_months=median if np.isfinite(median) else np.nan,
                       median_reached=bool(np.isfinite(median)),
                       median_ci_lower=lower if np.isfinite(lower) else np.nan,
                       median_ci_upper=upper if np.isfinite(upper) else np.nan)
            longest = float(part["tenure_months"].max())
            for t in points_months:
                value = float(kmf.survival_function_at_times(float(t)).iloc[0]) if t <= longest else np.nan
                row[f"retention_{_fmt_points(t)}_months"] = value
            rows.append(row)
            curve = pd.concat([kmf.survival_function_, kmf.confidence_interval_], axis=1)
            curve.columns = ["retention", "ci_lower", "ci_upper"]
            events = kmf.event_table[["at_risk", "observed", "censored"]].rename(columns={"observed": "leavers"})
            curve = curve.join(events, how="left").rename_axis("tenure_months").reset_index()
            for col, value in zip(cols, key):
                curve.insert(0, col, value)
            curves.append(curve)
        return pd.DataFrame(rows), pd.concat(curves, ignore_index=True), fitters

    summary, curves, fitters = fit_groups(by_cols)
    cohorts, _, _ = fit_groups(["hire_year"])
    for col in ("at_risk", "leavers", "censored"):
        curves[col] = curves[col].fillna(0).astype(int)
    return TenureSurvival(summary=summary, curves=curves, cohorts=cohorts, fitters=fitters)


def _fmt_points(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t).replace(".", "_")


# =========================================================================== attrition frame


#: Columns of the attrition frame that are not model features.
ATTRITION_META = ("staff_id", "name", "manager_id", "as_of", "horizon_months", "left_within_horizon",
                  "months_until_leaving", "label_observed")
#: Label column of the attrition frame.
ATTRITION_LABEL = "left_within_horizon"

def _extra_numeric(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in STAFF_COLUMNS and c not in ("staff_group",)
            and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            and not c.startswith("_")]


def _kpi_monthly(kpi: pd.DataFrame, volume_metric: str) -> pd.DataFrame:
    """Monthly achievement (actual ÷ target, capped 0–2) of the volume metric per person: staff_id, _p, _ach."""
    usable = kpi[(kpi["metric"] == volume_metric) & (kpi["target"] > 0) & kpi["actual"].notna()]
    ach = (usable["actual"] / usable["target"]).clip(0, 2)
    rows = usable.assign(_ach=ach, _p=pd.PeriodIndex(usable["period"], freq="M").asi8)
    return rows.groupby(["staff_id", "_p"], sort=False)["_ach"].mean().reset_index()


def _data_end(frame: pd.DataFrame, kpi: pd.DataFrame | None) -> pd.Timestamp:
    if kpi is not None and len(kpi):
        return kpi["period"].max().end_time.normalize()
    dates = pd.concat([frame["hire_date"], frame["leave_date"]]).dropna()
    return dates.max().to_period("M").end_time.normalize()


def build_attrition_frame(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    horizon_months: int = 6,
    bonus_gate: float = 0.60,
    volume_metric: str = "units_sold",
    observed_until: object = None,
) -> pd.DataFrame:
    """Staff-month features as of a month end, and whether each person left within the horizon.

    No look-ahead: only KPI months up to ``as_of`` and leave dates on or before its last day are used (a
    manager's later departure is unknown). ``manager_left_last_3_months`` looks at the manager's post (role and
    store), not only the named manager, because the roster names each person's latest manager (see
    :func:`_manager_left`). Extra numeric roster columns (``base_pay_cny``,
    ``weekend_shifts_per_month``, ``training_hours`` …) are taken as they are: the roster is a snapshot, so such
    a column must describe the person as of the roster date and is assumed stable.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster (``kit.schemas.STAFF``) and long KPI table (``kit.schemas.KPI``).
    as_of : month
        Month whose last day is the cut-off ('2026-10').
    horizon_months : int
        The label: leaves within this many months after the cut-off.
    bonus_gate : float
        Volume achievement below which a month counts as a missed gate.
    volume_metric : str
        KPI metric of the achievement features and the gate.
    observed_until : month or date, optional
        Last day the data is complete (default: the last KPI month's end). Labels whose horizon runs past it
        are unknown (NaN, ``label_observed`` False).

    Returns
    -------
    DataFrame
        One row per person employed at the cut-off: ``staff_id``, ``name`` (if present), ``manager_id``,
        ``as_of``, ``horizon_months``, ``store_id``, ``department``, ``role``, ``tenure_months``,
        ``tenure_under_6_months`` (0/1: within the longest probation period, 试用期),
        ``achievement_last_3_months`` (mean monthly achievement of ``volume_metric``, actual ÷ target capped
        at 2; NaN without KPI rows, e.g. staff outside sales), ``achievement_change`` (last 3 months minus the
        3 before; negative = falling; NaN unless employed since the first day of the 6-month window),
        ``gate_misses_last_6_months`` (months with achievement below ``bonus_gate``; NaN without KPI rows), ``manager_left_last_3_months`` (0/1), the extra numeric
        columns, then ``left_within_horizon`` (0/1, NaN when not observable),
        ``months_until_leaving`` (NaN if not leaving in the horizon) and ``label_observed``.
    """
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    return _attrition_frame(frame, kpi_frame, as_of=as_of, horizon_months=horizon_months, bonus_gate=bonus_gate,
                            volume_metric=volume_metric, observed_until=observed_until)


def _attrition_frame(frame: pd.DataFrame, kpi: pd.DataFrame, *, as_of: object, horizon_months: int,
                     bonus_gate: float, volume_metric: str, observed_until: object,
                     monthly: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    if isinstance(horizon_months, bool) or not isinstance(horizon_months, (int, np.integer)) or horizon_months < 1:
        raise ConfigError(f"horizon_months: expected a whole number ≥ 1; got {horizon_months!r}.")
    month = _to_period(as_of, "M")
    cutoff = month.end_time.normalize()
    horizon_end = (month + int(horizon_months)).end_time.normalize()
    data_end = _as_of_date(observed_until) if observed_until is not None else _data_end(frame, kpi)
    employed = (frame["hire_date"] <= cutoff) & (frame["leave_date"].isna() | (frame["leave_date"] > cutoff))
    people = frame[employed]
    out = pd.DataFrame({"staff_id": people["staff_id"].to_numpy()})
    if "name" in people.columns:
        out["name"] = people["name"].to_numpy()
    out["manager_id"] = people["manager_id"].to_numpy() if "manager_id" in people.columns else None
    out["as_of"] = str(month)
    out["horizon_months"] = int(horizon_months)
    for col in ("store_id", "department", "role"):
        values = people[col].astype(object)
        out[col] = values.where(values.notna(), _UNASSIGNED).to_numpy()
    out["tenure_months"] = ((cutoff - people["hire_date"]).dt.days.to_numpy() + 1) / DAYS_PER_MONTH
    # Chinese labour contracts allow a probation period (试用期) of up to 6 months, when leaving is easiest
    out["tenure_under_6_months"] = (out["tenure_months"] < 6).astype(int)

    volume = monthly if monthly is not None else _kpi_monthly(kpi, volume_metric)
    m = month.ordinal

    def window_mean(table: pd.DataFrame, first: int, last: int) -> pd.Series:
        part = table[(table["_p"] >= first) & (table["_p"] <= last)]
        return part.groupby("staff_id")["_ach"].mean()

    last3 = window_mean(volume, m - 2, m)
    prev3 = window_mean(volume, m - 5, m - 3)
    out["achievement_last_3_months"] = out["staff_id"].map(last3).astype(float)
    change = (out["achievement_last_3_months"] - out["staff_id"].map(prev3)).astype(float)
    # a change means something only for someone employed through both windows: a newcomer's "rise" is the ramp-up
    settled = (people["hire_date"] <= (month - 5).start_time).to_numpy()
    out["achievement_change"] = change.where(settled)
    vol6 = volume[(volume["_p"] >= m - 5) & (volume["_p"] <= m)]
    misses = (vol6["_ach"] < bonus_gate).groupby(vol6["staff_id"]).sum()
    out["gate_misses_last_6_months"] = out["staff_id"].map(misses).astype(float)

    out["manager_left_last_3_months"] = _manager_left(frame, out["manager_id"], cutoff).to_numpy()
    for col in _extra_numeric(frame):
        out[col] = people[col].astype(float).to_numpy()

    leave = people["leave_date"].to_numpy("datetime64[ns]")
    leaves_in = ~np.isnat(leave) & (leave > cutoff.to_datetime64()) & (leave <= horizon_end.to_datetime64())
    observed = horizon_end <= data_end
    out["left_within_horizon"] = leaves_in.astype(float) if observed else np.nan
    until = (pd.Series(leave) - cutoff).dt.days.to_numpy() / DAYS_PER_MONTH
    out["months_until_leaving"] = np.where(leaves_in & observed, until, np.nan)
    out["label_observed"] = bool(observed)
    return out


def _manager_left(frame: pd.DataFrame, manager_ids: pd.Series, cutoff: pd.Timestamp) -> pd.Series:
    """1 when the line manager's post changed hands in the 3 months up to ``cutoff``, else 0.

    A roster records only each person's latest manager: a stayer's row already names the successor while a
    leaver's row still names the manager who left, so testing the named manager's own leave date would leak the
    outcome. Instead the post is identified by the named manager's role and store: the flag is set when anyone
    holding that role in that store left within (cutoff − 3 months, cutoff].
    """
    window_start = cutoff - pd.DateOffset(months=3)
    left = frame[(frame["leave_date"] > window_start) & (frame["leave_date"] <= cutoff)]
    posts_left = set(zip(left["role"].astype(str), left["store_id"].astype(str)))
    post_of = {sid: (str(role), str(store)) for sid, role, store in
               zip(frame["staff_id"], frame["role"], frame["store_id"])}
    flags = [int(post_of.get(mid) in posts_left) if mid is not None and not pd.isna(mid) else 0
             for mid in manager_ids]
    return pd.Series(flags, index=manager_ids.index, dtype=int)


def build_training_set(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of_months: Iterable[object],
    horizon_months: int = 6,
    bonus_gate: float = 0.60,
    volume_metric: str = "units_sold",
    observed_until: object = None,
) -> pd.DataFrame:
    """Stack :func:`build_attrition_frame` over several as-of months, keeping rows whose label is observed.

    Parameters
    ----------
    as_of_months : iterable of months
        E.g. ``pd.period_range("2024-01", "2025-12", freq="M")`` or a list of 'YYYY-MM'.
    observed_until : month or date, optional
        Last day of complete data (default: the last KPI month). Pass the report month to train without
        look-ahead when the tables run further.

    Raises
    ------
    InsufficientDataError
        No as-of month has an observable label.
    """
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    monthly = _kpi_monthly(kpi_frame, volume_metric)
    parts = []
    for month in as_of_months:
        part = _attrition_frame(frame, kpi_frame, as_of=month, horizon_months=horizon_months,
                                bonus_gate=bonus_gate, volume_metric=volume_metric, observed_until=observed_until,
                                monthly=monthly)
        if part["label_observed"].all() and len(part):
            parts.append(part)
    if not parts:
        raise InsufficientDataError("no as-of month with a fully observed horizon: pick earlier as-of months or a "
                                    "shorter horizon.")
    return pd.concat(parts, ignore_index=True)


def attrition_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series | None]:
    """Split an attrition frame into features ``X`` and the label ``y`` (None when the label is unknown)."""
    X = frame.drop(columns=[c for c in ATTRITION_META if c in frame.columns])
    if ATTRITION_LABEL not in frame.columns or frame[ATTRITION_LABEL].isna().any():
        return X, None
    return X, frame[ATTRITION_LABEL].astype(int)


# =========================================================================== model and at-risk list


def mask_name(name: object) -> object:
    """Keep the first character: '张伟' → '张*', '张小明' → '张**' (the kit's one rule, :func:`kit.report.mask_name`)."""
    from kit.report import mask_name as _mask_name

    return _mask_name(name)


def turnover_cost(
    rates_or_leavers: pd.DataFrame,
    settings: TurnoverSettings | None = None,
    *,
    month: object = None,
    months: int = 12,
) -> pd.DataFrame:
    """Cost of turnover per role: leavers × replacement cost, for the month and the trailing 12 months.

    Parameters
    ----------
    rates_or_leavers : DataFrame
        Either the staff roster (leavers are counted from ``leave_date``) or monthly :func:`turnover_rates`
        output grouped by ``role`` (any further group columns are kept).
    settings : TurnoverSettings, optional
        Replacement cost per role (defaults when None).
    month : month, optional
        The report month; default the last month in the input.
    months : int
        Length of the trailing window.

    Returns
    -------
    DataFrame
        Long, one row per role (and group) and window: ``role``, group columns, ``window`` (``month`` or
        ``trailing_12_months``), ``period_first``, ``period_last``, ``leavers``, ``recruiting_cny``,
        ``training_cny``, ``lost_sales_cny`` (gross profit lost while the seat is empty) and ``total_cny``.
    """
    settings = settings or TurnoverSettings()
    if "leave_date" in rates_or_leavers.columns:
        staff = check_staff(rates_or_leavers)
        end = month if month is not None else (
            staff["leave_date"].max() if staff["leave_date"].notna().any() else staff["hire_date"].max())
        end_p = _to_period(end, "M")
        rates = _rates_table(staff, pd.period_range(end_p - (months - 1), end_p, freq="M"), ["role"],
                             "average_headcount", None)
    elif {"role", "leavers", "period"} <= set(rates_or_leavers.columns):
        rates = rates_or_leavers
    else:
        raise DataContractError("rates_or_leavers: expected the staff roster (with leave_date) or turnover_rates("
                                "by='role') output with columns period, role, leavers.")
    try:
        periods = pd.PeriodIndex(rates["period"].astype(str), freq="M")
    except (ValueError, TypeError):
        raise DataContractError("rates_or_leavers: expected monthly periods such as 2026-10.") from None
    last = _to_period(month, "M") if month is not None else periods.max()
    first = last - (months - 1)
    by = [c for c in _group_columns(rates) if c != "role"]
    keys = ["role", *by]
    frames = []
    for window, lo in (("month", last), (f"trailing_{months}_months", first)):
        inside = (periods >= lo) & (periods <= last)
        part = rates.loc[inside].groupby(keys, dropna=False, sort=True)["leavers"].sum().reset_index()
        if part.empty:
            part = rates[keys].drop_duplicates().assign(leavers=0)
        part.insert(len(keys), "window", window)
        part.insert(len(keys) + 1, "period_first", str(lo))
        part.insert(len(keys) + 2, "period_last", str(last))
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    cost = out["role"].map(settings.cost_for)
    out["leavers"] = out["leavers"].astype(int)
    out["recruiting_cny"] = out["leavers"] * cost.map(lambda c: c.recruiting_cny)
    out["training_cny"] = out["leavers"] * cost.map(lambda c: c.training_cny)
    out["lost_sales_cny"] = out["leavers"] * cost.map(lambda c: c.lost_sales_cny)
    out["total_cny"] = out["recruiting_cny"] + out["training_cny"] + out["lost_sales_cny"]
    return out.reset_index(drop=True)


# =========================================================================== drivers (Cox) and reasons

#: covariate -> (scale applied before fitting, English label, Chinese label)
_COX_TERMS: dict[str, tuple[float, str, str]] = {
    "tenure_months": (1 / 12, "tenure (per year)", "司龄（每增加1年）"),
    "tenure_under_6_months": (1.0, "tenure under 6 months (yes vs no)", "入职不满6个月（是 vs 否）"),
    "achievement_last_3_months": (10.0, "KPI achievement, last 3 months (per 10 pp)",
                                  "近3个月KPI达成率（每10个百分点）"),
    "achievement_change": (10.0, "change in KPI achievement, last 3 vs previous 3 months (per 10 pp)",
                           "KPI达成率变化（近3个月对比前3个月，每10个百分点）"),
    "gate_misses_last_6_months": (1.0, "months below the volume gate in the last 6 (per month)",
                                  "近6个月未达销量门槛的月数（每1个月）"),
    "manager_left_last_3_months": (1.0, "manager left in the last 3 months (yes vs no)",
                                   "近3个月直属上级离职（是 vs 否）"),
    "no_kpi_data": (1.0, "no KPI data (yes vs no)", "无KPI数据（是 vs 否）"),
    "weekend_shifts_per_month": (1.0, "weekend shifts a month (per shift)", "每月周末班次（每1次）"),
    "base_pay_cny": (1 / 1000, "base pay (per 1,000 CNY)", "底薪（每1000元）"),
    "training_hours": (1 / 10, "training hours (per 10 hours)", "培训时长（每10小时）"),
}


def _cox_design(training: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    X, _ = attrition_xy(training)
    design = pd.DataFrame(index=training.index)
    labels: dict[str, str] = {}
    zh = lang == "zh"
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    if "achievement_last_3_months" in X.columns and X["achievement_last_3_months"].isna().any() and (
            "role" not in X.columns
            or X["achievement_last_3_months"].isna().groupby(X["role"].astype(str)).nunique().gt(1).any()):
        # an indicator for the rows without KPI data, unless it only repeats the role: the model is stratified by
        # role, so such an indicator would be constant within every stratum and could not be estimated
        design["no_kpi_data"] = X["achievement_last_3_months"].isna().astype(float)
        labels["no_kpi_data"] = _COX_TERMS["no_kpi_data"][2 if zh else 1]
    for col in numeric:
        values = X[col].astype(float)
        values = values.fillna(values.median() if values.notna().any() else 0.0)
        scale, en, cn = _COX_TERMS.get(col, (1.0, f"{col.replace('_', ' ')} (per unit)", f"{col}（每单位）"))
        if col.endswith("_cny") and col not in _COX_TERMS:
            scale, en, cn = 1 / 1000, f"{col[:-4].replace('_', ' ')} (per 1,000 CNY)", f"{col}（每1000元）"
        design[col] = values * scale
        labels[col] = cn if zh else en
    if "store_id" in X.columns:
        stores = X["store_id"].astype(str)
        base = stores.value_counts().index[0]
        for level in sorted(stores.unique()):
            if level != base:
                design[f"store_id={level}"] = (stores == level).astype(float)
                labels[f"store_id={level}"] = f"门店：{level}（对比{base}）" if zh else f"store: {level} (vs {base})"
    keep = [c for c in design.columns if design[c].nunique() > 1]
    return design[keep], {k: labels[k] for k in keep}


def _with_kpi_history(months: pd.PeriodIndex, kpi: pd.DataFrame) -> pd.PeriodIndex:
    """The as-of months that already have 6 months of KPI history (all of them when there is no KPI table)."""
    return months[months >= kpi["period"].min() + 5] if len(kpi) else months


def driver_training_set(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    settings: TurnoverSettings | None = None,
    span_months: int = 36,
) -> pd.DataFrame:
    """Monthly staff-months for :func:`attrition_drivers`: everyone employed at each month end, leaving next month?

    As-of months run from ``as_of − span_months`` to ``as_of − 1`` (months before the KPI history has 6 months
    are skipped); each row's outcome is leaving within the following month, read only from data up to ``as_of``.

    Raises
    ------
    InsufficientDataError
        No month qualifies.
    """
    settings = settings or TurnoverSettings()
    if isinstance(span_months, bool) or not isinstance(span_months, (int, np.integer)) or span_months < 1:
        raise ConfigError(f"span_months: expected a whole number ≥ 1; got {span_months!r}.")
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    months = _with_kpi_history(training_as_of_months(as_of, horizon_months=1, span_months=span_months,
                                                     step_months=1), kpi_frame)
    if len(months) == 0:
        raise InsufficientDataError(f"driver summary: no month with 6 months of KPI history before {as_of}.")
    return build_training_set(frame, kpi_frame, as_of_months=months, horizon_months=1,
                              bonus_gate=settings.bonus_gate, volume_metric=settings.volume_metric,
                              observed_until=_month_end(as_of))


def _counting_process(training: pd.DataFrame) -> pd.DataFrame:
    """(start, stop] in months since the first as-of month end, and the event, one interval per row.

    A row covers the months until the same people are measured again (the step between as-of months, at most the
    horizon), or until the person leaves: the intervals of one person never overlap, so each leaver has one event.
    """
    periods = pd.PeriodIndex(training["as_of"].astype(str), freq="M")
    ordinals = np.unique(periods.asi8)
    gaps = np.diff(ordinals)
    horizon = int(training["horizon_months"].max())
    step = int(min(gaps.min(), horizon)) if len(gaps) else horizon
    month_end = periods.to_timestamp(how="end").normalize()
    origin = month_end.min()
    start = np.asarray((month_end - origin).days, dtype=float) / DAYS_PER_MONTH
    length = np.asarray(((periods + step).to_timestamp(how="end").normalize() - month_end).days,
                        dtype=float) / DAYS_PER_MONTH
    until = training["months_until_leaving"].to_numpy(float)
    event = ~np.isnan(until) & (until <= length + 1e-9)
    stop = start + np.where(event, np.clip(until, 1e-3, None), length)
    return pd.DataFrame({"_start": start, "_stop": stop, "_event": event.astype(int)}, index=training.index)


def attrition_drivers(
    training: pd.DataFrame,
    *,
    penalizer: float = 0.001,
    alpha: float = 0.05,
    lang: str = "en",
) -> pd.DataFrame:
    """Cox driver summary with time-varying covariates: hazard ratios of leaving, with confidence intervals.

    The KPI features change every month and their effect on leaving is short-lived (a missed gate is felt in the
    next pay slip), so each staff-month is one interval of a counting-process Cox model (Andersen–Gill; lifelines'
    ``CoxTimeVaryingFitter``, calendar time): the covariates measured at an as-of month end apply until the same
    people are measured again (monthly rows from :func:`driver_training_set`: one month) or until the person
    leaves. A hazard ratio of 2 doubles the monthly chance of leaving. Intervals of one person never overlap,
    so the usual standard errors hold. Covariates are scaled to readable units (tenure per year, KPI achievement
    per 10 percentage points, …); missing KPI values take the median plus a ``no_kpi_data`` indicator (left out when it
    would only repeat the roles); ``store_id`` is compared with its most common level. The model is stratified
    by ``role``: each role keeps its own baseline monthly hazard (the rates by role are in the headline tables),
    so a role where nobody left cannot break the fit, and the drivers are compared within roles. A tiny ridge ``penalizer`` keeps the fit defined on small rosters (a driver that never
    varies among leavers); lifelines standardises the covariates and multiplies the penalty by the number of rows, so
    a larger value (0.05) shrinks the ratios towards 1 noticeably on a few thousand staff-months.

    Parameters
    ----------
    training : DataFrame
        Output of :func:`driver_training_set` (or :func:`build_training_set`: rows every ``step`` months are
        followed for ``min(step, horizon)`` months, which blurs short-lived effects).
    penalizer : float
        lifelines' L2 penalizer.
    alpha : float
        1 − confidence level.
    lang : {"en", "zh"}
        Language of the ``driver`` labels.

    Returns
    -------
    DataFrame
        One row per covariate, most significant first: ``driver`` (readable label with its unit),
        ``covariate``, ``hazard_ratio``, ``ci_lower``, ``ci_upper``, ``p_value`` and ``effect`` (``raises risk``,
        ``lowers risk`` or ``unclear`` when the interval contains 1; Chinese with ``lang="zh"``).
    """
    from lifelines import CoxTimeVaryingFitter

    _check_lang(lang)
    needed = {"staff_id", "as_of", "left_within_horizon", "months_until_leaving", "horizon_months"}
    missing = sorted(needed - set(training.columns))
    if missing:
        raise DataContractError(f"training: missing column(s) {', '.join(missing)}; expected driver_training_set() "
                                f"output.")
    if training["left_within_horizon"].isna().any():
        raise DataContractError("training: some labels are unknown (left_within_horizon empty); use "
                                "driver_training_set(), which keeps observed labels only.")
    training = training.reset_index(drop=True)
    if training.duplicated(["staff_id", "as_of"]).any():
        raise DataContractError("training: a staff_id appears twice in one as-of month; pass one roster's rows.")
    intervals = _counting_process(training)
    events = int(intervals["_event"].sum())
    if events < 5:
        raise InsufficientDataError(f"training: only {events} leavers; a Cox model needs at least 5.")
    design, labels = _cox_design(training, lang)
    data = design.join(intervals).assign(_id=training["staff_id"].astype(str))
    strata = None
    if "role" in training.columns:
        data["_role"] = training["role"].astype(str)
        strata = ["_role"]
    ctv = CoxTimeVaryingFitter(penalizer=penalizer, alpha=alpha)
    ctv.fit(data, id_col="_id", event_col="_event", start_col="_start", stop_col="_stop", strata=strata)
    summary = ctv.summary
    lower_col = [c for c in summary.columns if c.startswith("exp(coef) lower")][0]
    upper_col = [c for c in summary.columns if c.startswith("exp(coef) upper")][0]
    out = pd.DataFrame({
        "driver": [labels[c] for c in summary.index],
        "covariate": list(summary.index),
        "hazard_ratio": summary["exp(coef)"].to_numpy(float),
        "ci_lower": summary[lower_col].to_numpy(float),
        "ci_upper": summary[upper_col].to_numpy(float),
        "p_value": summary["p"].to_numpy(float),
    })
    words = {"en": ("raises risk", "lowers risk", "unclear"),
             "zh": ("提高离职风险", "降低离职风险", "不明确")}[lang]
    out["effect"] = np.select([out["ci_lower"] > 1, out["ci_upper"] < 1], words[:2], default=words[2])
    return out.sort_values("p_value", kind="stable").reset_index(drop=True)


def _check_lang(lang: str) -> None:
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang: expected en or zh; got {lang!r}.")


def _finite(value: object) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isfinite(v) else float("nan")


_KPI_FEATURES = ("achievement_last_3_months", "achievement_change", "gate_misses_last_6_months")


def _reason_text(feature: str, value: object, reference: object, lang: str, bonus_gate: float) -> str | None:
    """One reason in words for a feature value that raises the risk (``reference`` = the typical value).

    None when the value is not on the risky side for a feature whose direction is known (DOMAIN.md §4: short
    tenure, low or falling KPI achievement, missed gates, a manager who left, many weekend shifts, low base pay,
    little training) or when KPI data is missing: a model may lean on such a value, but "tenure of 53 months" or
    "KPI achievement rising" is no reason a manager can act on, so it is not shown as one.
    """
    zh = lang == "zh"
    v, ref = _finite(value), _finite(reference)
    below = np.isfinite(v) and np.isfinite(ref) and v < ref
    above = np.isfinite(v) and np.isfinite(ref) and v > ref
    if feature in _KPI_FEATURES and not np.isfinite(v):
        return None
    if feature == "tenure_months" and np.isfinite(v):
        months = int(v)  # completed months
        if months < 1:
            return "入职不满1个月" if zh else "short tenure (under 1 month)"
        if below or months < 6:
            return f"入职仅{months}个月" if zh else f"short tenure ({months} month{'s' if months != 1 else ''})"
        return None
    if feature == "achievement_change" and np.isfinite(v):
        pp = v * 100
        if round(pp) < 0:
            return f"KPI达成率下滑（{pp:.0f}个百分点）" if zh else f"KPI achievement falling ({pp:.0f} pp)"
        return None
    if feature == "achievement_last_3_months":
        if below or v < 1:
            return (f"近3个月KPI达成率偏低（{v:.0%}）" if zh
                    else f"low KPI achievement ({v:.0%} over the last 3 months)")
        return None
    if feature == "gate_misses_last_6_months":
        n = int(round(v))
        if n < 1:
            return None
        if zh:
            return f"近6个月有{n}个月销量未达{bonus_gate:.0%}门槛"
        return f"missed the {bonus_gate * 100:.0f} % volume gate {n} of the last 6 months"
    if feature == "manager_left_last_3_months":
        return ("直属上级近期离职" if zh else "manager left recently") if v == 1 else None
    if feature == "role":
        return f"岗位：{label(value, lang)}" if zh else f"role: {label(value, lang)}"
    if feature == "department":
        return f"部门：{label(value, lang)}" if zh else f"department: {label(value, lang)}"
    if feature == "store_id":
        return f"门店{value}" if zh else f"store {value}"
    if feature == "weekend_shifts_per_month" and np.isfinite(v):
        return (f"周末排班多（每月{v:.0f}次）" if zh else f"many weekend shifts ({v:.0f} a month)") if above else None
    if feature == "base_pay_cny" and np.isfinite(v):
        return (f"底薪偏低（{v:,.0f}元）" if zh else f"low base pay ({v:,.0f} CNY)") if below else None
    if feature == "training_hours" and np.isfinite(v):
        return (f"培训时间少（{v:.0f}小时）" if zh else f"little training ({v:.0f} hours)") if below else None
    shown = f"{v:g}" if np.isfinite(v) else str(value)
    if np.isfinite(v) and np.isfinite(ref):
        word = ("低于" if below else "高于") if zh else ("below" if below else "above")
        return (f"{feature}：{shown}（{word}常见值{ref:g}）" if zh
                else f"{feature.replace('_', ' ')} {shown} ({word} the typical {ref:g})")
    return f"{feature}：{shown}" if zh else f"{feature.replace('_', ' ')}: {shown}"


# =========================================================================== at-risk model and list


class AttritionModel(TabularClassifier):
    """Will this employee leave within the horizon? :class:`~kit.models.TabularClassifier` with HR defaults.

    ``AttritionModel().fit(X, y).predict_proba(X)`` works on any HR table of mixed columns (the staff-month frame
    of :func:`build_training_set`, or a public attrition table with a yes/no column). Model choice, calibration
    and per-person explanations are the parent's; only the defaults differ, for HR tables that are small and
    have few leavers:

    - ``candidates`` keeps the regularised logistic regression first, so it wins ties against the
      HistGradientBoosting and the blend (on small HR tables trees tend to overfit);
    - ``scoring="neg_log_loss"`` compares candidates on out-of-fold log loss, which is steadier than fold AUCs
      when a fold holds only a handful of leavers and rewards calibrated, not just well-ranked, probabilities;
    - ``isotonic_min_rows=5000``: sigmoid (Platt) calibration unless the selection sample is large, because
      isotonic regression overfits on a few hundred leavers.

    Parameters
    ----------
    candidates, cv, scoring, calibration, isotonic_min_rows, max_selection_rows, spline_knots, n_jobs, random_state
        As in :class:`~kit.models.TabularClassifier`.

    Examples
    --------
    >>> X, y = attrition_xy(build_training_set(staff, kpi, as_of_months=months))   # doctest: +SKIP
    >>> AttritionModel().fit(X, y).explain(X.head(), top=3)                         # doctest: +SKIP
    """

    def __init__(self, *, candidates: Sequence[str] = CANDIDATES, cv: int = 5, scoring: str = "neg_log_loss",
                 calibration: str = "auto", isotonic_min_rows: int = 5000, max_selection_rows: int = 10_000,
                 spline_knots: int = 5, n_jobs: int | None = 1, random_state: int | None = 0):
        super().__init__(candidates=candidates, cv=cv, scoring=scoring, calibration=calibration,
                         isotonic_min_rows=isotonic_min_rows, max_selection_rows=max_selection_rows,
                         spline_knots=spline_knots, n_jobs=n_jobs, random_state=random_state)


# =========================================================================== at-risk list


def training_as_of_months(as_of: object, *, horizon_months: int = 6, span_months: int = 36,
                          step_months: int | None = None) -> pd.PeriodIndex:
    """As-of months for training the at-risk model at ``as_of``, oldest first.

    The latest is ``as_of − horizon_months`` (its outcome window ends at ``as_of``); earlier ones go back every
    ``step_months`` (default: the horizon) within ``span_months``. With the step equal to the horizon the outcome
    windows do not overlap, so each leaver is a positive row once: with monthly steps a leaver would appear as
    six near-identical positive rows, and inner cross-validation, which splits rows and not people, would
    reward models that memorise people (on the sample dealership that cost 0.06 ROC AUC on later months).
    """
    step = int(step_months or horizon_months)
    if step < 1 or span_months < 1:
        raise ConfigError(f"step_months and span_months must be ≥ 1; got {step_months!r}, {span_months!r}.")
    last = _to_period(as_of, "M") - int(horizon_months)
    months = [last - k for k in range(0, int(span_months), step)]
    return pd.PeriodIndex(sorted(months), freq="M")


def fit_attrition_model(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    settings: TurnoverSettings | None = None,
    horizon_months: int | None = None,
    span_months: int = 36,
    step_months: int | None = None,
    model: Any = None,
    random_state: int | None = 0,
) -> tuple[Any, pd.DataFrame]:
    """Fit the at-risk model on staff-months whose outcome is known by ``as_of`` (no look-ahead).

    Training rows are the staff employed at the end of each month of :func:`training_as_of_months` (every
    ``horizon_months`` back from ``as_of − horizon_months`` within ``span_months``; months before the KPI
    history has 6 months are skipped); their labels are read only from data up to ``as_of``
    (``observed_until``), so tables that run further (a back-test) leak nothing.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster and long KPI table.
    as_of : month
        Report month ('2026-10').
    settings : TurnoverSettings, optional
        Horizon, bonus gate and volume metric (defaults when None).
    horizon_months : int, optional
        Overrides ``settings.risk_horizon_months``.
    span_months, step_months : int
        See :func:`training_as_of_months`.
    model : estimator, optional
        A scikit-learn classifier; default :class:`AttritionModel` with ``random_state``. It is cloned, never
        changed.
    random_state : int, optional
        Seed of the default model.

    Returns
    -------
    (model, training) : fitted estimator and the training frame (:func:`build_training_set`).

    Raises
    ------
    InsufficientDataError
        Fewer than 10 leavers, or only one class, in the training rows.
    """
    from sklearn.base import clone

    settings = settings or TurnoverSettings()
    horizon = int(horizon_months or settings.risk_horizon_months)
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    months = _with_kpi_history(training_as_of_months(as_of, horizon_months=horizon, span_months=span_months,
                                                     step_months=step_months), kpi_frame)
    if len(months) == 0:
        raise InsufficientDataError(f"at-risk model: no as-of month with 6 months of KPI history and a known "
                                    f"{horizon}-month outcome before {as_of}.")
    training = build_training_set(frame, kpi_frame, as_of_months=months, horizon_months=horizon,
                                  bonus_gate=settings.bonus_gate, volume_metric=settings.volume_metric,
                                  observed_until=_month_end(as_of))
    X, y = attrition_xy(training)
    if y.nunique() < 2 or int(y.sum()) < 10:
        raise InsufficientDataError(f"at-risk model: {int(y.sum())} leavers in {len(y)} staff-months of "
                                    f"{months[0]}–{months[-1]}; at least 10 are needed.")
    estimator = clone(model) if model is not None else AttritionModel(random_state=random_state)
    return estimator.fit(X, y), training


def at_risk(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    settings: TurnoverSettings | None = None,
    horizon_months: int | None = None,
    span_months: int = 36,
    model: Any = None,
    top: int | None = None,
    reasons: int = 3,
    lang: str = "en",
    mask_names: bool = True,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Staff most likely to leave within the horizon, with the probability and the top reasons in words.

    The model is fitted by :func:`fit_attrition_model` (or ``model``, if already fitted, is used as it is) and
    scores everyone employed at the end of ``as_of``. Reasons are the features that raise this person's risk
    most (the model's per-person log-odds contributions), written out: "short tenure (4 months)" /
    "入职仅4个月", "KPI achievement falling (-30 pp)", "missed the 60 % volume gate 3 of the last 6 months",
    "manager left recently" … For managers only: names are masked (张**) unless ``mask_names=False``.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster and long KPI table.
    as_of : month
        Report month.
    settings : TurnoverSettings, optional
        Horizon, gate and metric.
    horizon_months, span_months, model, random_state
        As in :func:`fit_attrition_model`.
    top : int, optional
        Keep the ``top`` highest risks (all when None).
    reasons : int
        Reasons per person (at most).
    lang : {"en", "zh"}
        Language of the reasons.
    mask_names : bool
        Mask the ``name`` column.

    Returns
    -------
    DataFrame
        ``rank``, ``staff_id``, ``name``, ``store_id``, ``department``, ``role``, ``manager_id``,
        ``tenure_months``, ``probability`` (of leaving within ``horizon_months``), ``reasons`` (joined with "; ")
        and ``as_of``, highest risk first.
    """
    _check_lang(lang)
    settings = settings or TurnoverSettings()
    horizon = int(horizon_months or settings.risk_horizon_months)
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    if model is not None and _is_fitted(model):
        fitted = model
    else:
        fitted, _ = fit_attrition_model(frame, kpi_frame, as_of=as_of, settings=settings, horizon_months=horizon,
                                        span_months=span_months, model=model, random_state=random_state)
    current = _attrition_frame(frame, kpi_frame, as_of=as_of, horizon_months=horizon, bonus_gate=settings.bonus_gate,
                               volume_metric=settings.volume_metric, observed_until=_month_end(as_of))
    X, _ = attrition_xy(current)
    X = X.reset_index(drop=True)
    probability = fitted.predict_proba(X)[:, 1] if len(X) else np.array([])
    texts = _reasons(fitted, X, top=reasons, lang=lang, bonus_gate=settings.bonus_gate) if len(X) else []
    out = current[[c for c in ("staff_id", "name", "store_id", "department", "role", "manager_id",
                               "tenure_months") if c in current.columns]].reset_index(drop=True)
    if "name" not in out.columns:
        out.insert(1, "name", None)
    if mask_names:
        out["name"] = out["name"].map(mask_name)
    out["probability"] = probability
    out["reasons"] = texts
    out["as_of"] = str(_to_period(as_of, "M"))
    out = out.sort_values(["probability", "staff_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.head(top) if top is not None else out


def _is_fitted(model: Any) -> bool:
    return any(name.endswith("_") and not name.startswith("_") for name in vars(model))


def _feature_column(feature: str, columns: Sequence[str]) -> str:
    """Map a model feature name (possibly 'role=sales_consultant' or 'role_sales_consultant') to its column."""
    if feature in columns:
        return feature
    for col in sorted(columns, key=len, reverse=True):
        if feature.startswith(col) and feature[len(col):len(col) + 1] in ("=", "_", ":", " ", "["):
            return col
    return feature


def _reasons(model: Any, X: pd.DataFrame, *, top: int, lang: str, bonus_gate: float) -> list[str]:
    # no value of the person's own raises the score above the typical profile on its own (the typical profile is
    # the training staff's, not the role's: this must not be read as "usual for the role")
    none = "无单一突出因素" if lang == "zh" else "no single factor stands out"
    tenure = [c for c in ("tenure_months", "tenure_under_6_months") if c in X.columns]
    groups = [tenure] if len(tenure) == 2 else []   # one fact: occluded apart, each hides the other
    explained = model.explain(X, top=min(max(top * 3, top), X.shape[1]), direction="up", groups=groups)
    explained = explained[explained["contribution"] > 0]
    has_reference = "reference" in explained.columns
    texts: dict[int, list[str]] = {i: [] for i in range(len(X))}
    for row in explained.itertuples(index=False):
        i = int(row.row)
        if len(texts[i]) >= top:
            continue
        column = _feature_column(str(row.feature), list(X.columns))
        value = X.at[i, column] if column in X.columns else row.value
        reference = row.reference if has_reference else None
        if column == "tenure_under_6_months" and "tenure_months" in X.columns:
            if value != 1:
                continue  # "6 months or more" is no reason to leave; the tenure column speaks for itself
            column, value, reference = "tenure_months", X.at[i, "tenure_months"], None
        text = _reason_text(column, value, reference, lang, bonus_gate)
        if text is not None and text not in texts[i]:
            texts[i].append(text)
    sep = "；" if lang == "zh" else "; "
    return [sep.join(texts[i]) if texts[i] else none for i in range(len(X))]


def headline_table(staff: pd.DataFrame, month: object, settings: TurnoverSettings | None = None, *,
                   months: int = 36, levels: Mapping[str, Sequence[object]] | None = None,
                   dimensions: Sequence[str | None] = (None, "staff_group", "store_id", "department", "role"),
                   lang: str = "en") -> pd.DataFrame:
    """The month at a glance: per group, headcount, hires, leavers (voluntary and involuntary), the month's rate and
    the trailing-12-month rate against the annual target.

    Parameters
    ----------
    staff : DataFrame
        Staff roster (``kit.schemas.STAFF``).
    month : str or Period
        The report month, ``'2026-10'``.
    settings : TurnoverSettings, optional
        Formula, annual method and targets.
    months : int
        History used for the trailing rates (at least 12).
    levels : mapping, optional
        Groups to show even without staff, e.g. ``{"store_id": ["S1", "S2", "S3"]}`` (passed to
        :func:`turnover_rates`).
    dimensions : sequence
        Grouping columns, in display order; ``None`` is the whole staff and ``staff_group`` key vs other staff.
    lang : "en" or "zh"
        Language of the group names.

    Returns
    -------
    DataFrame
        ``dimension, group, headcount, hires, leavers, voluntary, involuntary, rate_month, leavers_12m, rate_12m,
        rate_12m_voluntary, target, status, alert``; groups with nobody employed and nobody leaving in the last year
        are left out unless listed in ``levels``.
    """
    from kit.i18n import label

    settings = settings or TurnoverSettings.defaults()
    period = _to_period(month, "M")
    frame = label_staff_group(staff, settings)
    start = str(period - max(int(months), 12) + 1)
    rows = []
    for by in dimensions:
        keep = {k: v for k, v in (levels or {}).items() if k == by} or None
        rates = turnover_rates(frame, by=by, start=start, end=str(period), formula=settings.formula, levels=keep)
        trailing = compare_with_targets(trailing_rates(rates, annual=settings.annual), settings, staff=frame)
        m = rates[rates["period"] == str(period)].reset_index(drop=True)
        t = trailing[trailing["period"] == str(period)].reset_index(drop=True)
        if by:
            group = t[by].map(lambda v: label(v, lang))
        else:
            group = pd.Series(["All staff" if lang != "zh" else "全体员工"] * len(t))
        listed = t[by].isin(list((levels or {}).get(by, []))) if by else pd.Series(True, index=t.index)
        part = pd.DataFrame({
            "dimension": by or "all", "group": group, "headcount": m["headcount_end"], "hires": m["hires"],
            "leavers": m["leavers"], "voluntary": m["leavers_voluntary"], "involuntary": m["leavers_involuntary"],
            "rate_month": m["rate"], "leavers_12m": t["leavers"], "rate_12m": t["rate_trailing"],
            "rate_12m_voluntary": t["rate_trailing_voluntary"], "target": t["target_annual"],
            "status": t["status"].map(lambda v: label(v, lang)),
            "alert": t["status"] == "alert"})
        active = part["headcount"].fillna(0) + part["leavers_12m"].fillna(0) > 0
        rows.append(part[active | listed.to_numpy()])
    return pd.concat(rows, ignore_index=True)
