"""KPI weighting: scorecards, stage profiles, gates, bonuses, AHP and entropy weights, ranking stability.

The monthly scorecard of a 4S dealership (``DOMAIN.md`` §3). Each consultant's metrics become capped
achievements (actual ÷ target, inverted for lower-is-better metrics). They are weighted by the profile of the
current life-cycle stage and summed into a total score. Gates, a profit threshold and the base or pool rule of
``dealer.yml`` then turn the score into a bonus. Weights are set by hand, by AHP (Saaty's pairwise comparisons),
by the entropy method, or by a blend. :func:`rank_stability` shows whose rank depends on the exact weights.

Every function takes data and returns a new plain DataFrame (or a small result object of DataFrames); nothing
is printed and no argument is changed.

The kpi table
-------------
Long format, one row per month × consultant × metric (``kit.schemas.KPI``):

============ ===== ==================================================================
column       type  meaning
============ ===== ==================================================================
month        str   reporting month ``YYYY-MM``
staff_id     str   the consultant
metric       str   metric name, e.g. ``units_sold``, ``gross_profit``, ``complaints``
actual       float the month's actual
target       float the month's target; for a lower-is-better metric, the allowed maximum
store_id     str   optional; carried through to every output
============ ===== ==================================================================

Sample row: ``2026-10, E012, units_sold, 9, 10``. A month, consultant and metric may appear only once.

Achievement
-----------
- Higher is better: ``actual ÷ target``. A target of 0 or less is a data error, because no ratio exists.
- Lower is better (the ``lower_is_better`` metrics, e.g. complaints, with target = the allowed maximum):
  ``target ÷ actual``. Twice the allowance scores 0.5, and an actual of 0 scores the cap. With a target of 0
  (zero tolerance), an actual of 0 scores 1.0 (on target) and any actual above 0 scores 0. Negative actuals or
  targets are data errors. This rule keeps achievement unchanged when a metric's actuals and targets are
  scaled together, and it never rises when the actual rises.
- Then the value is clipped to ``[floor, cap]``; ``metric_caps`` overrides the cap for single metrics.
- A gate compares the unclipped achievement (the floor and cap do not apply), so 54 % reads 54 %.

Settings (the ``kpi:`` section of dealer.yml)
---------------------------------------------
Every key is optional; a key left out takes the default shown here. A section that sets ``profiles``,
``stages`` or ``gates`` replaces that whole list or mapping; nothing is merged with the defaults.

.. code-block:: yaml

    kpi:
      cap: 1.2                  # achievement cap: 1.0, 1.2 (common practice) or 2.0 (DOMAIN §3.3); >= 1
      floor: 0.0                # lowest achievement a metric can score; 0 <= floor < 1
      metric_caps: {}           # per-metric cap, e.g. {gross_profit: 2.0}
      lower_is_better: [complaints]
      profiles:                 # weights per life-cycle stage; each profile sums to 1 (within 0.001)
        growth:  {units_sold: 0.60, display_score: 0.10, new_model_units: 0.10, active_customers: 0.10, units_premium: 0.10}
        launch:  {new_customers: 0.30, new_model_units: 0.30, display_score: 0.20, units_sold: 0.20}
        mature:  {units_sold: 0.50, gross_profit: 0.30, market_activity: 0.10, channel_leads: 0.10}
        run_out: {units_sold: 0.70, gross_profit: 0.30}
      stages:                   # which profile applies from which month (to: optional, inclusive)
        - {from: "2000-01", stage: growth}
      gates:
        - {name: volume_floor, metric: units_sold, min_achievement: 0.60, effect: zero}
        - {name: product_mix, metrics: [units_premium, units_standard, units_entry], min_achievement: 0.80, effect: {multiply: 0.5}}
        - {name: complaints, metric: complaints, max_actual: 2, effect: {multiply: 0.8}}
        - {name: score_floor, min_score: 0.60, effect: zero}
      bonus:
        base_cny: 4000          # bonus at a total score of 1.0, scaled by the score
        pool_cny: null          # if set: this pool is split by gated score share instead (per month and store)
        profit_threshold_cny: 30000   # commission only on gross profit above this
        profit_commission_rate: 0.05
        profit_metric: gross_profit
      ahp: null                 # {labels: [...], matrix: [[1, 3, "1/5"], ...], allow_inconsistent: false}
      weight_method: manual     # manual | ahp | entropy | blend
      blend_alpha: 0.5          # share of the subjective (AHP, else manual) weights in a linear blend
      blend_method: linear      # linear | product

Stages. A month takes the matching entry (``from <= month <= to``) with the latest ``from``, so a list of
``from`` dates reads as a timeline. An entry with ``model:`` applies only when :func:`profile_for` is asked about
that car model; the others apply to the dealership as a whole. A section with its own ``profiles`` needs its own
``stages``, except with a single profile, which then always applies.

Gates. Each gate has a ``name``, one condition and an ``effect``. The conditions are ``min_achievement`` (every
listed metric must reach it), ``min_actual``, ``max_actual`` (on ``metric``/``metrics``) or ``min_score`` (on the
total score). The effect is ``zero`` (no bonus, no commission) or ``{multiply: f}`` with ``0 <= f <= 1``. The
factors of all failed gates multiply. The default ``score_floor`` is [D]: DOMAIN §3.2's generic "< 60 %
achievement pays nothing", applied to the total score. The ``volume_floor`` gate is DOMAIN §3.2's 申蓉泓翰 rule.

AHP. ``ahp`` is either one ``{labels, matrix}``, used for any profile whose metrics are exactly its labels, or
a mapping ``profile name -> {labels, matrix}``. Matrix entries may be numbers or fractions written as text
(``"1/5"``). A matrix with CR >= 0.1 is refused unless ``allow_inconsistent: true``.

Bonus (see :func:`bonus`). Base mode pays ``base_cny × total score``; pool mode pays
``pool_cny × score × gate factor ÷ Σ(score × gate factor)``, with the split made per month (and store). Both
add ``profit_commission_rate × max(gross profit − profit_threshold_cny, 0)``. The gate factor applies to the
whole payout.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError

__all__ = [
    "RANDOM_INDEX",
    "CR_THRESHOLD",
    "WEIGHT_TOLERANCE",
    "AhpJudgements",
    "AhpResult",
    "BonusRules",
    "Gate",
    "InconsistentJudgementsError",
    "KpiSettings",
    "Profile",
    "RankStability",
    "StageRule",
    "achievement",
    "achievement_matrix",
    "ahp_weights",
    "apply_gates",
    "bonus",
    "check_against_data",
    "combine_weights",
    "compare_profiles",
    "entropy_weights",
    "entropy_worksheet",
    "profile_ahp",
    "profile_for",
    "rank_stability",
    "resolve_weights",
    "scorecard",
    "weight_table",
]

#: Saaty's classic random consistency index RI by matrix size n (Saaty 1980, *The Analytic Hierarchy Process*;
#: the values in the R package AHPWR, DOMAIN.md §3.4). n <= 2 has RI 0: CR is taken as 0.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}
#: A pairwise matrix is accepted when CR < 0.1 (Saaty).
CR_THRESHOLD = 0.1
#: Profile weights must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 0.001
#: Relative tolerance for a_ij × a_ji = 1 and a_ii = 1 (0.333 for 1/3 passes).
RECIPROCAL_TOLERANCE = 0.01

KPI_COLUMNS = ("month", "staff_id", "metric", "actual", "target")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

DEFAULT_SETTINGS: dict[str, Any] = {
    "cap": 1.2,
    "floor": 0.0,
    "metric_caps": {},
    "lower_is_better": ["complaints"],
    "profiles": {
        "growth": {"units_sold": 0.60, "display_score": 0.10, "new_model_units": 0.10, "active_customers": 0.10,
                   "units_premium": 0.10},
        "launch": {"new_customers": 0.30, "new_model_units": 0.30, "display_score": 0.20, "units_sold": 0.20},
        "mature": {"units_sold": 0.50, "gross_profit": 0.30, "market_activity": 0.10, "channel_leads": 0.10},
        "run_out": {"units_sold": 0.70, "gross_profit": 0.30},
    },
    "stages": [{"from": "2000-01", "stage": "growth"}],
    "gates": [
        {"name": "volume_floor", "metric": "units_sold", "min_achievement": 0.60, "effect": "zero"},
        {"name": "product_mix", "metrics": ["units_premium", "units_standard", "units_entry"],
         "min_achievement": 0.80, "effect": {"multiply": 0.5}},
        {"name": "complaints", "metric": "complaints", "max_actual": 2, "effect": {"multiply": 0.8}},
        {"name": "score_floor", "min_score": 0.60, "effect": "zero"},
    ],
    "bonus": {"base_cny": 4000, "pool_cny": None, "profit_threshold_cny": 30000, "profit_commission_rate": 0.05,
              "profit_metric": "gross_profit"},
    "ahp": None,
    "weight_method": "manual",
    "blend_alpha": 0.5,
    "blend_method": "linear",
}


# ----------------------------------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRule:
    """One ``kpi.stages`` entry: ``stage`` applies from ``start`` to ``end`` (inclusive; None = open)."""

    start: str
    stage: str
    end: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Gate:
    """One ``kpi.gates`` entry. Exactly one of the four conditions is set; ``factor`` is 0 for effect zero."""

    name: str
    metrics: tuple[str, ...] = ()
    min_achievement: float | None = None
    min_actual: float | None = None
    max_actual: float | None = None
    min_score: float | None = None
    effect: Literal["zero", "multiply"] = "zero"
    factor: float = 0.0


@dataclass(frozen=True)
class BonusRules:
    """The ``kpi.bonus`` settings (see :func:`bonus`)."""

    base_cny: float = 4000.0
    pool_cny: float | None = None
    profit_threshold_cny: float = 30000.0
    profit_commission_rate: float = 0.05
    profit_metric: str = "gross_profit"


@dataclass(frozen=True)
class AhpJudgements:
    """Pairwise judgements from ``kpi.ahp``: labels and the (reciprocal) matrix, row by row."""

    labels: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    allow_inconsistent: bool = False


class _Problems:
    """Collects setting problems so that one ConfigError lists them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def raise_if_any(self) -> None:
        if len(self.items) == 1:
            raise ConfigError(self.items[0])
        if self.items:
            raise ConfigError(f"{len(self.items)} problems in the KPI settings:\n- " + "\n- ".join(self.items))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _number(value: Any, path: str, problems: _Problems, *, low: float | None = None, high: float | None = None,
            low_open: bool = False, what: str = "a number") -> float | None:
    if not _is_number(value) or not math.isfinite(float(value)):
        problems.add(path, f"expected {what}; got {value!r}.")
        return None
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        sign = "negative" if value < 0 else "too small"
        problems.add(path, f"{_fmt_num(value)} is {sign}; it must be {'>' if low_open else '>='} {_fmt_num(low)}"
                           + (f" and <= {_fmt_num(high)}." if high is not None else "."))
        return None
    if high is not None and value > high:
        problems.add(path, f"{_fmt_num(value)} is too large; it must be <= {_fmt_num(high)}.")
        return None
    return value


def _fmt_num(value: float) -> str:
    return f"{value:.4g}"


def _unknown_keys(mapping: Mapping, known: Iterable[str], path: str, problems: _Problems) -> None:
    known = list(known)
    for key in mapping:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.add(f"{path}.{key}", f"unknown setting{hint}; known settings are {', '.join(known)}.")


def _text(value: Any, path: str, problems: _Problems, what: str = "a name") -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(path, f"expected {what} (text); got {value!r}.")
        return None
    return value.strip()


def _month(value: Any, path: str, problems: _Problems) -> str | None:
    if isinstance(value, (pd.Period, pd.Timestamp)):
        value = value.strftime("%Y-%m")
    if not isinstance(value, str) or not _MONTH_RE.match(value.strip()):
        problems.add(path, f"expected a month 'YYYY-MM' in quotes, e.g. \"2026-03\"; got {value!r}.")
        return None
    return value.strip()


def _parse_entry(value: Any, path: str, problems: _Problems) -> float | None:
    """A matrix entry: a positive number or a fraction written as text ('1/5')."""
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            pass
    problems.add(path, f"expected a number or a fraction such as \"1/5\"; got {value!r}.")
    return None


def _parse_weights(value: Any, path: str, problems: _Problems) -> dict[str, float] | None:
    if not isinstance(value, Mapping) or not value:
        problems.add(path, f"expected metric weights such as {{units_sold: 0.6, gross_profit: 0.4}}; got {value!r}.")
        return None
    weights: dict[str, float] = {}
    ok = True
    for metric, weight in value.items():
        name = _text(metric, f"{path}", problems, "a metric name")
        w = _number(weight, f"{path}.{metric}", problems, low=0.0, what="a weight >= 0")
        if name is None or w is None:
            ok = False
            continue
        weights[name] = w
    if not ok:
        return None
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        problems.add(path, f"weights sum to {_fmt_num(total)}; they must sum to 1 (±{WEIGHT_TOLERANCE:g}).")
        return None
    if abs(total - 1.0) > 1e-12:
        weights = {k: v / total for k, v in weights.items()}
    return weights


def _parse_ahp_block(value: Any, path: str, problems: _Problems) -> AhpJudgements | None:
    if not isinstance(value, Mapping):
        problems.add(path, f"expected {{labels: [...], matrix: [[...], ...]}}; got {value!r}.")
        return None
    _unknown_keys(value, ("labels", "matrix", "allow_inconsistent"), path, problems)
    labels = value.get("labels")
    matrix = value.get("matrix")
    allow = value.get("allow_inconsistent", False)
    if not isinstance(allow, bool):
        problems.add(f"{path}.allow_inconsistent", f"expected true or false; got {allow!r}.")
        return None
    if not isinstance(labels, Sequence) or isinstance(labels, str) or not labels \
            or not all(isinstance(x, str) and x.strip() for x in labels):
        problems.add(f"{path}.labels", f"expected a list of metric names; got {labels!r}.")
        return None
    if not isinstance(matrix, Sequence) or isinstance(matrix, str) or not matrix:
        problems.add(f"{path}.matrix", f"expected a list of rows, one per label; got {matrix!r}.")
        return None
    rows: list[tuple[float, ...]] = []
    for i, row in enumerate(matrix):
        if not isinstance(row, Sequence) or isinstance(row, str):
            problems.add(f"{path}.matrix[{i}]", f"expected a row of numbers; got {row!r}.")
            return None
        entries = [_parse_entry(x, f"{path}.matrix[{i}][{j}]", problems) for j, x in enumerate(row)]
        if any(e is None for e in entries):
            return None
        rows.append(tuple(float(e) for e in entries))
    judgements = AhpJudgements(labels=tuple(x.strip() for x in labels), matrix=tuple(rows), allow_inconsistent=allow)
    try:
        ahp_weights(judgements.matrix, list(judgements.labels), allow_inconsistent=allow)
    except ConfigError as exc:
        problems.add(f"{path}.matrix", str(exc))
        return None
    return judgements


def _parse_gate(value: Any, path: str, problems: _Problems) -> Gate | None:
    if not isinstance(value, Mapping):
        problems.add(path, f"expected a gate such as {{name: volume_floor, metric: units_sold, "
                           f"min_achievement: 0.6, effect: zero}}; got {value!r}.")
        return None
    conditions = ("min_achievement", "min_actual", "max_actual", "min_score")
    _unknown_keys(value, ("name", "metric", "metrics", *conditions, "effect"), path, problems)
    name = _text(value.get("name"), f"{path}.name", problems, "a gate name")
    given = [c for c in conditions if c in value]
    if len(given) != 1:
        problems.add(path, f"give exactly one condition of {', '.join(conditions)}; got "
                           f"{', '.join(given) if given else 'none'}.")
        return None
    condition = given[0]
    low = None if condition in ("min_actual", "max_actual") else 0.0
    threshold = _number(value[condition], f"{path}.{condition}", problems, low=low)
    metrics: tuple[str, ...] = ()
    if "metric" in value and "metrics" in value:
        problems.add(path, "give either metric or metrics, not both.")
        return None
    if "metric" in value:
        m = _text(value["metric"], f"{path}.metric", problems, "a metric name")
        metrics = (m,) if m else ()
    elif "metrics" in value:
        raw = value["metrics"]
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw \
                or not all(isinstance(x, str) and x.strip() for x in raw):
            problems.add(f"{path}.metrics", f"expected a list of metric names; got {raw!r}.")
            return None
        metrics = tuple(x.strip() for x in raw)
    if condition == "min_score" and metrics:
        problems.add(path, "min_score applies to the total score; drop metric/metrics.")
        return None
    if condition != "min_score" and not metrics:
        problems.add(path, f"{condition} needs metric: or metrics: to say what it applies to.")
        return None
    effect = value.get("effect", "zero")
    kind: Literal["zero", "multiply"]
    if effect == "zero":
        kind, factor = "zero", 0.0
    elif isinstance(effect, Mapping) and set(effect) == {"multiply"}:
        f = _number(effect["multiply"], f"{path}.effect.multiply", problems, low=0.0, high=1.0,
                    what="a factor between 0 and 1")
        if f is None:
            return None
        kind, factor = "multiply", f
    else:
        problems.add(f"{path}.effect", f"unknown effect {effect!r}; use zero or {{multiply: 0.5}}.")
        return None
    if name is None or threshold is None:
        return None
    return Gate(name=name, metrics=metrics, effect=kind, factor=factor, **{condition: threshold})


@dataclass(frozen=True)
class KpiSettings:
    """The ``kpi:`` section of ``dealer.yml``, validated (see the module docstring for every key and default).

    Build it with :meth:`from_mapping` or :meth:`defaults`; ``profiles`` maps a stage name to its weights
    (metric -> weight, summing to 1), ``ahp`` maps a profile name (``"*"``: any profile whose metrics equal the
    labels) to its judgements.
    """

    cap: float = 1.2
    floor: float = 0.0
    metric_caps: dict[str, float] = field(default_factory=dict)
    lower_is_better: tuple[str, ...] = ("complaints",)
    profiles: dict[str, dict[str, float]] = field(default_factory=dict)
    stages: tuple[StageRule, ...] = ()
    gates: tuple[Gate, ...] = ()
    bonus: BonusRules = field(default_factory=BonusRules)
    ahp: dict[str, AhpJudgements] = field(default_factory=dict)
    weight_method: Literal["manual", "ahp", "entropy", "blend"] = "manual"
    blend_alpha: float = 0.5
    blend_method: Literal["linear", "product"] = "linear"

    @classmethod
    def defaults(cls) -> "KpiSettings":
        """The documented defaults (the sample dealership's numbers, DOMAIN.md opening note and §3)."""
        return cls.from_mapping({})

    @classmethod
    def from_mapping(cls, mapping: Mapping | None, *, where: str = "kpi") -> "KpiSettings":
        """Validate the ``kpi:`` mapping; raise ConfigError naming every bad setting by its path.

        Parameters
        ----------
        mapping : mapping or None
            The parsed ``kpi:`` section; None or {} gives the defaults.
        where : str
            Path prefix used in messages.

        Raises
        ------
        ConfigError
            Unknown keys, ill-typed or out-of-range values, weights not summing to 1, stages naming unknown
            profiles, gates with unknown effects, inconsistent AHP judgements.
        """
        if mapping is None:
            mapping = {}
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.")
        problems = _Problems()
        _unknown_keys(mapping, DEFAULT_SETTINGS, where, problems)
        raw = {**DEFAULT_SETTINGS, **mapping}

        cap = _number(raw["cap"], f"{where}.cap", problems, low=1.0, what="a number >= 1 (e.g. 1.0, 1.2, 2.0)")
        floor = _number(raw["floor"], f"{where}.floor", problems, low=0.0, high=1.0,
                        what="a number between 0 and 1")
        metric_caps: dict[str, float] = {}
        if not isinstance(raw["metric_caps"], Mapping):
            problems.add(f"{where}.metric_caps", f"expected {{metric: cap}}; got {raw['metric_caps']!r}.")
        else:
            for metric, value in raw["metric_caps"].items():
                c = _number(value, f"{where}.metric_caps.{metric}", problems, low=1.0, what="a cap >= 1")
                if c is not None:
                    metric_caps[str(metric)] = c

        lower = raw["lower_is_better"] or []
        if not isinstance(lower, Sequence) or isinstance(lower, str) \
                or not all(isinstance(x, str) and x.strip() for x in lower):
            problems.add(f"{where}.lower_is_better", f"expected a list of metric names; got {lower!r}.")
            lower = []

        profiles: dict[str, dict[str, float]] = {}
        if not isinstance(raw["profiles"], Mapping) or not raw["profiles"]:
            problems.add(f"{where}.profiles", f"expected at least one profile {{name: {{metric: weight}}}}; "
                                              f"got {raw['profiles']!r}.")
        else:
            for name, weights in raw["profiles"].items():
                parsed = _parse_weights(weights, f"{where}.profiles.{name}", problems)
                if parsed is not None:
                    profiles[str(name)] = parsed

        stages: list[StageRule] = []
        stages_raw = raw["stages"]
        if "stages" not in mapping and "profiles" in mapping:
            # Own profiles without stages: a single profile always applies; several need a timeline.
            names = list(raw["profiles"]) if isinstance(raw["profiles"], Mapping) else []
            if len(names) == 1:
                stages_raw = [{"from": "1900-01", "stage": names[0]}]
            else:
                stages_raw = []
                problems.add(f"{where}.stages", "missing: with several profiles, say which applies from when, "
                                                "e.g. - {from: \"2026-01\", stage: growth}.")
        if not isinstance(stages_raw, Sequence) or isinstance(stages_raw, str):
            problems.add(f"{where}.stages", f"expected a list of {{from, stage}} entries; got {stages_raw!r}.")
            stages_raw = []
        seen: dict[tuple[str | None, str], int] = {}
        for i, entry in enumerate(stages_raw):
            path = f"{where}.stages[{i}]"
            if not isinstance(entry, Mapping):
                problems.add(path, f"expected {{from: \"YYYY-MM\", stage: name}}; got {entry!r}.")
                continue
            _unknown_keys(entry, ("from", "to", "stage", "model"), path, problems)
            start = _month(entry.get("from"), f"{path}.from", problems)
            end = _month(entry["to"], f"{path}.to", problems) if entry.get("to") is not None else None
            stage = _text(entry.get("stage"), f"{path}.stage", problems, "a profile name")
            model = entry.get("model")
            if model is not None:
                model = _text(str(model) if _is_number(model) else model, f"{path}.model", problems, "a car model")
            profile_names = [str(k) for k in raw["profiles"]] if isinstance(raw["profiles"], Mapping) else []
            if stage is not None and profile_names and stage not in profile_names:
                close = difflib.get_close_matches(stage, profile_names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.add(f"{path}.stage", f"{stage!r} is not a profile{hint}; profiles are "
                                              f"{', '.join(profile_names)}.")
                continue
            if start and end and end < start:
                problems.add(f"{path}.to", f"{end} is before from: {start}.")
                continue
            if start is None or stage is None:
                continue
            key = (model, start)
            if key in seen:
                problems.add(path, f"starts in {start} like {where}.stages[{seen[key]}]"
                                   f"{' for model ' + model if model else ''}; which applies is ambiguous.")
                continue
            seen[key] = i
            stages.append(StageRule(start=start, stage=stage, end=end, model=model))

        gates: list[Gate] = []
        gates_raw = raw["gates"] or []
        if not isinstance(gates_raw, Sequence) or isinstance(gates_raw, str):
            problems.add(f"{where}.gates", f"expected a list of gates; got {gates_raw!r}.")
            gates_raw = []
        for i, entry in enumerate(gates_raw):
            gate = _parse_gate(entry, f"{where}.gates[{i}]", problems)
            if gate is None:
                continue
            if any(g.name == gate.name for g in gates):
                problems.add(f"{where}.gates[{i}].name", f"{gate.name!r} is used twice; gate names must be unique.")
                continue
            gates.append(gate)

        bonus_raw = raw["bonus"] if raw["bonus"] is not None else {}
        bonus_rules = BonusRules()
        if not isinstance(bonus_raw, Mapping):
            problems.add(f"{where}.bonus", f"expected a mapping; got {bonus_raw!r}.")
        else:
            bpath = f"{where}.bonus"
            _unknown_keys(bonus_raw, DEFAULT_SETTINGS["bonus"], bpath, problems)
            b = {**DEFAULT_SETTINGS["bonus"], **bonus_raw}
            base = _number(b["base_cny"], f"{bpath}.base_cny", problems, low=0.0)
            pool = None if b["pool_cny"] is None else _number(b["pool_cny"], f"{bpath}.pool_cny", problems,
                                                             low=0.0, low_open=True)
            threshold = 0.0 if b["profit_threshold_cny"] is None else _number(
                b["profit_threshold_cny"], f"{bpath}.profit_threshold_cny", problems, low=0.0)
            rate = _number(b["profit_commission_rate"], f"{bpath}.profit_commission_rate", problems, low=0.0,
                           high=1.0, what="a rate between 0 and 1")
            metric = _text(b["profit_metric"], f"{bpath}.profit_metric", problems, "a metric name")
            if None not in (base, threshold, rate, metric) and (b["pool_cny"] is None or pool is not None):
                bonus_rules = BonusRules(base_cny=base, pool_cny=pool, profit_threshold_cny=threshold,
                                         profit_commission_rate=rate, profit_metric=metric)

        method = raw["weight_method"]
        if method not in ("manual", "ahp", "entropy", "blend"):
            problems.add(f"{where}.weight_method", f"unknown method {method!r}; use manual, ahp, entropy or blend.")
        blend_method = raw["blend_method"]
        if blend_method not in ("linear", "product"):
            problems.add(f"{where}.blend_method", f"unknown method {blend_method!r}; use linear or product.")
        alpha = _number(raw["blend_alpha"], f"{where}.blend_alpha", problems, low=0.0, high=1.0,
                        what="a share between 0 and 1")

        ahp: dict[str, AhpJudgements] = {}
        ahp_raw = raw["ahp"]
        if ahp_raw is not None:
            if isinstance(ahp_raw, Mapping) and ("matrix" in ahp_raw or "labels" in ahp_raw):
                block = _parse_ahp_block(ahp_raw, f"{where}.ahp", problems)
                if block is not None:
                    ahp["*"] = block
            elif isinstance(ahp_raw, Mapping):
                for name, block_raw in ahp_raw.items():
                    path = f"{where}.ahp.{name}"
                    if name not in profiles:
                        problems.add(path, f"{name!r} is not a profile; profiles are {', '.join(profiles)}.")
                        continue
                    block = _parse_ahp_block(block_raw, path, problems)
                    if block is None:
                        continue
                    if set(block.labels) != set(profiles[name]):
                        problems.add(f"{path}.labels", f"must be the metrics of profile {name!r} "
                                                       f"({', '.join(profiles[name])}); got {', '.join(block.labels)}.")
                        continue
                    ahp[str(name)] = block
            else:
                problems.add(f"{where}.ahp", f"expected {{labels: [...], matrix: [[...]]}}; got {ahp_raw!r}.")

        settings = cls(cap=cap if cap is not None else 1.2, floor=floor if floor is not None else 0.0,
                       metric_caps=metric_caps, lower_is_better=tuple(x.strip() for x in lower), profiles=profiles,
                       stages=tuple(stages), gates=tuple(gates), bonus=bonus_rules, ahp=ahp,
                       weight_method=method, blend_alpha=alpha if alpha is not None else 0.5,
                       blend_method=blend_method)
        if method == "ahp" and not problems.items:
            lacking = sorted({r.stage for r in settings.stages if settings.ahp_judgements(r.stage) is None})
            if lacking:
                problems.add(f"{where}.ahp", f"weight_method is ahp but profile(s) {', '.join(lacking)} have no "
                                             f"AHP judgements whose labels are exactly their metrics.")
        problems.raise_if_any()
        return settings

    def ahp_judgements(self, profile: str) -> AhpJudgements | None:
        """The AHP judgements for a profile: its own entry, else the shared one if its labels fit, else None."""
        if profile in self.ahp:
            return self.ahp[profile]
        shared = self.ahp.get("*")
        if shared is not None and profile in self.profiles and set(shared.labels) == set(self.profiles[profile]):
            return shared
        return None

    def to_mapping(self) -> dict[str, Any]:
        """The settings as a plain mapping in the ``dealer.yml`` shape (``from_mapping`` gives them back)."""
        def gate_map(g: Gate) -> dict[str, Any]:
            out: dict[str, Any] = {"name": g.name}
            if len(g.metrics) == 1:
                out["metric"] = g.metrics[0]
            elif g.metrics:
                out["metrics"] = list(g.metrics)
            for key in ("min_achievement", "min_actual", "max_actual", "min_score"):
                if getattr(g, key) is not None:
                    out[key] = getattr(g, key)
            out["effect"] = "zero" if g.effect == "zero" else {"multiply": g.factor}
            return out

        def ahp_map(j: AhpJudgements) -> dict[str, Any]:
            return {"labels": list(j.labels), "matrix": [list(r) for r in j.matrix],
                    "allow_inconsistent": j.allow_inconsistent}

        if not self.ahp:
            ahp: Any = None
        elif set(self.ahp) == {"*"}:
            ahp = ahp_map(self.ahp["*"])
        else:
            ahp = {k: ahp_map(v) for k, v in self.ahp.items()}
        return {
            "cap": self.cap, "floor": self.floor, "metric_caps": dict(self.metric_caps),
            "lower_is_better": list(self.lower_is_better),
            "profiles": {k: dict(v) for k, v in self.profiles.items()},
            "stages": [{"from": r.start, "stage": r.stage, **({"to": r.end} if r.end else {}),
                        **({"model": r.model} if r.model else {})} for r in self.stages],
            "gates": [gate_map(g) for g in self.gates],
            "bonus": {"base_cny": self.bonus.base_cny, "pool_cny": self.bonus.pool_cny,
                      "profit_threshold_cny": self.bonus.profit_threshold_cny,
                      "profit_commission_rate": self.bonus.profit_commission_rate,
                      "profit_metric": self.bonus.profit_metric},
            "ahp": ahp, "weight_method": self.weight_method, "blend_alpha": self.blend_alpha,
            "blend_method": self.blend_method,
        }

    def cap_for(self, metric: str) -> float:
        """The achievement cap of one metric (``metric_caps`` or the general cap)."""
        return self.metric_caps.get(metric, self.cap)


def check_against_data(settings: KpiSettings, kpi: pd.DataFrame) -> None:
    """Raise ConfigError when a profile, gate or the profit commission names a metric the kpi data lacks.

    Parameters
    ----------
    settings : KpiSettings
    kpi : DataFrame
        The kpi table (needs a ``metric`` column).

    Raises
    ------
    ConfigError
        Listing each profile or gate and the metrics it names that the data does not have.
    """
    if not isinstance(kpi, pd.DataFrame) or "metric" not in kpi.columns:
        raise DataContractError("kpi table: expected a DataFrame with a 'metric' column.")
    have = set(kpi["metric"].astype(str).unique())
    problems = _Problems()
    for name, weights in settings.profiles.items():
        missing = [m for m in weights if m not in have]
        if missing:
            problems.add(f"kpi.profiles.{name}", f"names metrics the data does not have: {', '.join(missing)}.")
    for i, gate in enumerate(settings.gates):
        missing = [m for m in gate.metrics if m not in have]
        if missing:
            problems.add(f"kpi.gates[{i}] ({gate.name})", f"names metrics the data does not have: "
                                                          f"{', '.join(missing)}.")
    if settings.bonus.profit_commission_rate > 0 and settings.bonus.profit_metric not in have:
        problems.add("kpi.bonus.profit_metric", f"{settings.bonus.profit_metric!r} is not in the data, so no "
                                                f"profit commission can be paid; set profit_commission_rate: 0 "
                                                f"or add the metric.")
    if problems.items:
        problems.items.append(f"the kpi data has: {', '.join(sorted(have))}")
    problems.raise_if_any()


# ----------------------------------------------------------------------------------------------------------------
# Profiles and stages
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Profile:
    """A weight profile: the stage name, its weights (Series metric -> weight) and where it came from."""

    stage: str
    weights: pd.Series
    source: str = ""


def profile_for(month: str, settings: KpiSettings | None = None, model: str | None = None) -> Profile:
    """The life-cycle stage (and its configured weights) that applies in a month, optionally for a car model.

    Parameters
    ----------
    month : str
        ``YYYY-MM``.
    settings : KpiSettings, optional
        Defaults to :meth:`KpiSettings.defaults`.
    model : str, optional
        A car model; entries with this ``model:`` win over dealership-wide entries.

    Returns
    -------
    Profile
        ``stage``, ``weights`` (the profile as configured) and ``source`` (which stages entry decided).

    Raises
    ------
    ConfigError
        When no stages entry covers the month.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    problems = _Problems()
    month = _month(str(month), "month", problems)
    if month is None:
        raise ConfigError(problems.items[0])
    covering = [(i, r) for i, r in enumerate(settings.stages)
                if r.start <= month and (r.end is None or month <= r.end)]
    chosen = None
    if model is not None:
        own = [(i, r) for i, r in covering if r.model == str(model)]
        chosen = max(own, key=lambda x: x[1].start, default=None)
    if chosen is None:
        general = [(i, r) for i, r in covering if r.model is None]
        chosen = max(general, key=lambda x: x[1].start, default=None)
    if chosen is None:
        first = min((r.start for r in settings.stages if r.model is None), default=None)
        hint = f"; the first dealership-wide entry starts in {first}" if first else ""
        raise ConfigError(f"kpi.stages: no stage covers {month}{' for model ' + str(model) if model else ''}"
                          f"{hint}. Add e.g. - {{from: \"{month}\", stage: growth}}.")
    i, rule = chosen
    text = f"kpi.stages[{i}]: from {rule.start}" + (f" to {rule.end}" if rule.end else "") \
        + (f", model {rule.model}" if rule.model else "")
    return Profile(stage=rule.stage, weights=_series(settings.profiles[rule.stage]), source=text)


def _series(weights: Mapping[str, float]) -> pd.Series:
    return pd.Series({str(k): float(v) for k, v in weights.items()}, name="weight", dtype=float) \
        .rename_axis("metric")


def _explicit_weights(profile: Mapping | pd.Series, where: str = "profile") -> pd.Series:
    """Validate weights passed directly: numbers >= 0 summing to 1 (±0.001); returned normalised."""
    items = dict(profile.items())
    if not items:
        raise ConfigError(f"{where}: no weights given.")
    bad = {k: v for k, v in items.items() if not _is_number(v) or not math.isfinite(float(v)) or float(v) < 0}
    if bad:
        raise ConfigError(f"{where}: weights must be numbers >= 0; got {bad}.")
    total = float(sum(float(v) for v in items.values()))
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ConfigError(f"{where}: weights sum to {_fmt_num(total)}; they must sum to 1 (±{WEIGHT_TOLERANCE:g}).")
    return _series({k: float(v) / total for k, v in items.items()})


# ----------------------------------------------------------------------------------------------------------------
# AHP
# ----------------------------------------------------------------------------------------------------------------


class InconsistentJudgementsError(ConfigError):
    """AHP judgements with CR >= 0.1; ``result`` holds the full :class:`AhpResult` for the worksheet."""

    def __init__(self, message: str, result: "AhpResult"):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True, eq=False)
class AhpResult:
    """Result of :func:`ahp_weights`.

    Attributes
    ----------
    weights : Series
        Principal-eigenvector weights, summing to 1, indexed by label.
    lambda_max, ci, cr, ri : float
        Largest eigenvalue, CI = (λmax − n) ÷ (n − 1), CR = CI ÷ RI, and RI from :data:`RANDOM_INDEX`.
    n : int
    matrix : DataFrame
        The (exactly reciprocal) pairwise matrix with labels.
    worksheet : DataFrame
        The matrix plus ``weight``, ``weighted_sum`` (A·w) and ``ratio`` ((A·w)ᵢ ÷ wᵢ, whose mean is λmax).
    judgements : DataFrame
        One row per pair i < j: ``row``, ``column``, ``judgement`` a_ij, ``implied`` wᵢ ÷ wⱼ and ``deviation``
        (max(ε, 1/ε) with ε = a_ij·wⱼ/wᵢ), most inconsistent first (Saaty's rule for revising judgements).
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    ri: float
    n: int
    matrix: pd.DataFrame
    worksheet: pd.DataFrame
    judgements: pd.DataFrame

    @property
    def consistent(self) -> bool:
        """True when CR < 0.1."""
        return self.cr < CR_THRESHOLD

    @property
    def summary(self) -> pd.DataFrame:
        """The consistency check as a small table: quantity, value, note."""
        verdict = "accepted (CR < 0.1)" if self.consistent else "refused (CR >= 0.1)"
        return pd.DataFrame({
            "quantity": ["n", "lambda_max", "CI", "RI", "CR", "verdict"],
            "value": [self.n, round(self.lambda_max, 4), round(self.ci, 4), self.ri, round(self.cr, 4), verdict],
            "note": ["criteria compared", "largest eigenvalue of the matrix", "(lambda_max - n) / (n - 1)",
                     "Saaty's classic random index for this n (Saaty 1980)", "CI / RI; 0 when n <= 2",
                     "Saaty: accept when CR < 0.1"],
        })


def ahp_weights(matrix: Any, labels: Sequence[str] | None = None, *,
                allow_inconsistent: bool = False) -> AhpResult:
    """AHP weights from a pairwise comparison matrix (principal eigenvector), with Saaty's consistency check.

    Parameters
    ----------
    matrix : array-like or DataFrame, n × n
        a_ij = how much more important i is than j (Saaty 1–9 scale); a_ji = 1/a_ij, a_ii = 1. Entries may be
        numbers or fractions written as text ("1/5"). A DataFrame's index gives the labels.
    labels : sequence of str, optional
        Names of the n criteria (default: the DataFrame index, else c1…cn).
    allow_inconsistent : bool
        Return the result even when CR >= 0.1.

    Returns
    -------
    AhpResult

    Raises
    ------
    ConfigError
        The matrix is not square, has entries that are not positive, breaks a_ii = 1 or a_ji = 1/a_ij
        (relative tolerance 0.01), or has more than 15 rows (no RI in Saaty's table).
    InconsistentJudgementsError
        CR >= 0.1 and not ``allow_inconsistent``; the message names the judgements furthest from the weights.
    """
    if isinstance(matrix, pd.DataFrame):
        if labels is None:
            labels = [str(x) for x in matrix.index]
            if list(map(str, matrix.columns)) != labels:
                raise ConfigError("AHP matrix: the DataFrame's columns must be its index in the same order.")
        matrix = matrix.to_numpy().tolist()
    problems = _Problems()
    try:
        rows = [list(r) for r in matrix]
    except TypeError:
        raise ConfigError(f"AHP matrix: expected rows of numbers; got {matrix!r}.") from None
    n = len(rows)
    if n == 0 or any(len(r) != n for r in rows):
        raise ConfigError(f"AHP matrix: must be square (n rows of n numbers); got row lengths "
                          f"{[len(r) for r in rows]}.")
    values = [[_parse_entry(x, f"AHP matrix[{i}][{j}]", problems) for j, x in enumerate(r)]
              for i, r in enumerate(rows)]
    problems.raise_if_any()
    a = np.array(values, dtype=float)
    labels = [f"c{i + 1}" for i in range(n)] if labels is None else [str(x) for x in labels]
    if len(labels) != n:
        raise ConfigError(f"AHP matrix: {n} rows but {len(labels)} labels.")
    if len(set(labels)) != n:
        raise ConfigError(f"AHP matrix: labels must be unique; got {labels}.")
    if n > max(RANDOM_INDEX):
        raise ConfigError(f"AHP matrix: {n} criteria; Saaty's RI table stops at {max(RANDOM_INDEX)}. "
                          f"Group the criteria into a hierarchy.")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        i, j = np.argwhere(~np.isfinite(a) | (a <= 0))[0]
        raise ConfigError(f"AHP matrix: every entry must be a positive number; "
                          f"{labels[i]} vs {labels[j]} is {a[i, j]:g}.")
    diag = np.flatnonzero(np.abs(np.diag(a) - 1) > RECIPROCAL_TOLERANCE)
    if diag.size:
        i = diag[0]
        raise ConfigError(f"AHP matrix: the diagonal must be 1 (each criterion equals itself); "
                          f"{labels[i]} vs {labels[i]} is {a[i, i]:g}.")
    product = a * a.T
    bad = np.argwhere(np.triu(np.abs(product - 1) > RECIPROCAL_TOLERANCE, k=1))
    if bad.size:
        i, j = bad[0]
        raise ConfigError(f"AHP matrix: not reciprocal: {labels[i]} vs {labels[j]} is {a[i, j]:.4g} but "
                          f"{labels[j]} vs {labels[i]} is {a[j, i]:.4g}; it must be 1/{a[i, j]:.4g} = "
                          f"{1 / a[i, j]:.4g}.")
    # Use the upper triangle as entered and make the lower one exactly reciprocal.
    upper = np.triu(a, k=1)
    a = upper + np.eye(n) + np.tril(1.0 / np.where(upper.T > 0, upper.T, 1.0), k=-1)

    eigenvalues, vectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ri = RANDOM_INDEX[n]
    if n <= 2:
        ci, cr, lambda_max = 0.0, 0.0, float(n)
    else:
        ci = max((lambda_max - n) / (n - 1), 0.0)
        cr = ci / ri
    weights = pd.Series(w, index=pd.Index(labels, name="criterion"), name="weight")
    frame = pd.DataFrame(a, index=pd.Index(labels, name="criterion"), columns=labels)
    aw = a @ w
    worksheet = frame.copy()
    worksheet["weight"] = w
    worksheet["weighted_sum"] = aw
    worksheet["ratio"] = aw / w
    iu, ju = np.triu_indices(n, k=1)
    implied = w[iu] / w[ju]
    eps = a[iu, ju] / implied
    judgements = pd.DataFrame({
        "row": [labels[i] for i in iu], "column": [labels[j] for j in ju], "judgement": a[iu, ju],
        "implied": implied, "deviation": np.maximum(eps, 1 / eps),
    }).sort_values("deviation", ascending=False, kind="stable").reset_index(drop=True)
    result = AhpResult(weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, ri=ri, n=n, matrix=frame,
                       worksheet=worksheet, judgements=judgements)
    if not result.consistent and not allow_inconsistent:
        worst = "; ".join(f"{r.row} vs {r.column} judged {_fmt_judgement(r.judgement)} but the weights imply "
                          f"{r.implied:.2f} ({r.deviation:.1f}× off)" for r in judgements.head(3).itertuples())
        raise InconsistentJudgementsError(
            f"AHP judgements are too inconsistent: CR = {cr:.3f} >= {CR_THRESHOLD} (lambda_max = {lambda_max:.3f}, "
            f"n = {n}, CI = {ci:.3f}, RI = {ri} from Saaty's classic table). Furthest from the weights they imply: "
            f"{worst}. Revise these judgements, or pass allow_inconsistent=True.", result)
    return result


def _fmt_judgement(value: float) -> str:
    if value >= 1:
        return f"{value:g}"
    inverse = 1 / value
    return f"1/{inverse:.0f}" if abs(inverse - round(inverse)) < 1e-6 else f"{value:.3g}"


@functools.lru_cache(maxsize=64)
def _ahp_cached(judgements: AhpJudgements) -> pd.Series:
    return ahp_weights(judgements.matrix, list(judgements.labels),
                       allow_inconsistent=judgements.allow_inconsistent).weights


def profile_ahp(stage: str, settings: KpiSettings | None = None) -> AhpResult | None:
    """The AHP worksheet for a profile, from ``kpi.ahp``; None when no judgements fit that profile."""
    settings = settings if settings is not None else KpiSettings.defaults()
    judgements = settings.ahp_judgements(stage)
    if judgements is None:
        return None
    return ahp_weights(judgements.matrix, list(judgements.labels), allow_inconsistent=judgements.allow_inconsistent)


# ----------------------------------------------------------------------------------------------------------------
# Entropy weights and blending
# ----------------------------------------------------------------------------------------------------------------


def entropy_worksheet(frame: pd.DataFrame, *, cost: Iterable[str] = ()) -> pd.DataFrame:
    """The entropy weight method step by step (DOMAIN.md §3.5), one row per indicator.

    Steps: cost indicators become x' = max − x; every column is min-max scaled; p_ij = x_ij ÷ Σ_i x_ij;
    e_j = −(1 ÷ ln m) Σ_i p_ij ln p_ij with 0·ln 0 := 0; d_j = 1 − e_j; w_j = d_j ÷ Σ d_j. A column that is
    identical for every sample carries no information: e_j = 1 and weight 0.

    Parameters
    ----------
    frame : DataFrame
        Samples in rows (staff, stores, months), numeric indicators in columns; no missing values.
    cost : iterable of str
        Columns where lower is better.

    Returns
    -------
    DataFrame
        Columns ``indicator``, ``cost``, ``minimum``, ``maximum``, ``entropy``, ``divergence``, ``weight``.

    Raises
    ------
    DataContractError
        Non-numeric or missing values, unknown cost columns, fewer than 2 samples.
    InsufficientDataError
        Every indicator is constant, so no weight can be derived.
    """
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        raise DataContractError("entropy weights: expected a DataFrame with one numeric column per indicator.")
    cost = [str(c) for c in cost]
    unknown = [c for c in cost if c not in frame.columns]
    if unknown:
        raise DataContractError(f"entropy weights: cost columns {unknown} are not in the frame "
                                f"(columns: {', '.join(map(str, frame.columns))}).")
    non_numeric = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
                   or pd.api.types.is_bool_dtype(frame[c])]
    if non_numeric:
        raise DataContractError(f"entropy weights: columns {non_numeric} are not numeric.")
    x = frame.to_numpy(dtype=float)
    m = x.shape[0]
    if m < 2:
        raise DataContractError(f"entropy weights: need at least 2 samples (rows); got {m}.")
    if not np.all(np.isfinite(x)):
        rows, cols = np.nonzero(~np.isfinite(x))
        raise DataContractError(f"entropy weights: missing or infinite values, e.g. row {frame.index[rows[0]]!r}, "
                                f"column {frame.columns[cols[0]]!r}.")
    is_cost = np.array([str(c) in cost for c in frame.columns])
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    constant = span <= 1e-12 * np.maximum(np.abs(hi), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(is_cost, hi - x, x - lo) / np.where(constant, 1.0, span)
        total = scaled.sum(axis=0)
        p = np.where(constant, 1.0 / m, scaled / np.where(total > 0, total, 1.0))
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=0) / math.log(m)
    entropy = np.where(constant, 1.0, np.clip(entropy, 0.0, 1.0))
    divergence = 1.0 - entropy
    if divergence.sum() <= 0:
        raise InsufficientDataError("entropy weights: every indicator is identical across the samples, so the "
                                    "data cannot say which matters; use manual or AHP weights.")
    return pd.DataFrame({
        "indicator": [str(c) for c in frame.columns], "cost": is_cost, "minimum": lo, "maximum": hi,
        "entropy": entropy, "divergence": divergence, "weight": divergence / divergence.sum(),
    })


def entropy_weights(frame: pd.DataFrame, *, cost: Iterable[str] = ()) -> pd.Series:
    """Entropy (objective) weights per column, exactly as DOMAIN.md §3.5; see :func:`entropy_worksheet`.

    Returns
    -------
    Series
        Weight per column (indexed by column name), summing to 1.
    """
    sheet = entropy_worksheet(frame, cost=cost)
    return pd.Series(sheet["weight"].to_numpy(), index=pd.Index(sheet["indicator"], name="metric"), name="weight")


def combine_weights(subjective: Mapping | pd.Series, objective: Mapping | pd.Series, *,
                    method: Literal["product", "linear"] = "product", alpha: float = 0.5) -> pd.Series:
    """Blend subjective (manual or AHP) and objective (entropy) weights.

    Parameters
    ----------
    subjective, objective : Series or mapping
        Weights over the same metrics (each normalised to sum to 1 first).
    method : {"product", "linear"}
        ``product``: w ∝ s·o (multiplicative synthesis); ``linear``: w = α·s + (1 − α)·o.
    alpha : float
        Share of the subjective weights in the linear blend (ignored by ``product``).

    Returns
    -------
    Series
        Combined weights in the order of ``subjective``, summing to 1.

    Raises
    ------
    ConfigError
        Different metric sets, negative weights, unknown method, alpha outside [0, 1].
    InsufficientDataError
        ``product`` with no metric weighted by both.
    """
    s = pd.Series(dict(subjective.items()), dtype=float)
    o = pd.Series(dict(objective.items()), dtype=float)
    if set(s.index) != set(o.index):
        only_s, only_o = sorted(set(s.index) - set(o.index)), sorted(set(o.index) - set(s.index))
        raise ConfigError(f"combine_weights: the two weight sets cover different metrics: only subjective "
                          f"{only_s}, only objective {only_o}.")
    for name, w in (("subjective", s), ("objective", o)):
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ConfigError(f"combine_weights: {name} weights must be >= 0 with a positive sum; got {w.to_dict()}.")
    s, o = s / s.sum(), (o / o.sum()).reindex(s.index)
    if method == "product":
        combined = s * o
        if combined.sum() <= 0:
            raise InsufficientDataError("combine_weights: no metric has weight in both sets; the product is 0.")
    elif method == "linear":
        if not _is_number(alpha) or not 0 <= alpha <= 1:
            raise ConfigError(f"combine_weights: alpha must be between 0 and 1; got {alpha!r}.")
        combined = alpha * s + (1 - alpha) * o
    else:
        raise ConfigError(f"combine_weights: unknown method {method!r}; use 'product' or 'linear'.")
    return (combined / combined.sum()).rename("weight").rename_axis("metric")


# ----------------------------------------------------------------------------------------------------------------
# Achievement and the kpi table
# ----------------------------------------------------------------------------------------------------------------


def _raw_achievement(a: np.ndarray, t: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Unclipped achievement; inputs already validated."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        higher = a / t
        inverse = np.where(t > 0, np.where(a > 0, t / a, np.inf), np.where(a > 0, 0.0, 1.0))
    out = np.where(lower, inverse, higher)
    return np.where(np.isnan(a) | np.isnan(t), np.nan, out)


def _bad_achievement_inputs(a: np.ndarray, t: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Rows where no achievement exists: higher-better target <= 0; lower-better negative actual or target."""
    with np.errstate(invalid="ignore"):
        return (~lower & (t <= 0)) | (lower & ((t < 0) | (a < 0)))


def achievement(actual: Any, target: Any, *, cap: float | Any = 1.2, floor: float = 0.0,
                lower_is_better: bool | Any = False) -> Any:
    """Capped achievement (达成率): actual ÷ target, or target ÷ actual for lower-is-better metrics.

    Parameters
    ----------
    actual, target : float, array-like or Series
    cap : float or array-like
        Upper limit (DOMAIN §3.3: 1.0, 1.2 or 2.0).
    floor : float
        Lower limit.
    lower_is_better : bool or array-like of bool
        See the module docstring: target ÷ actual; with target 0, actual 0 → 1.0 and actual > 0 → 0.

    Returns
    -------
    float, ndarray or Series (matching ``actual``); NaN where an input is NaN.

    Raises
    ------
    DataContractError
        A higher-is-better target <= 0, or a negative lower-is-better actual or target.
    """
    a = np.asarray(actual, dtype=float)
    t = np.asarray(target, dtype=float)
    shape = np.broadcast_shapes(a.shape, t.shape)
    lower = np.broadcast_to(np.asarray(lower_is_better, dtype=bool), shape)
    a, t = np.broadcast_to(a, shape), np.broadcast_to(t, shape)
    bad = _bad_achievement_inputs(a, t, lower)
    if bad.any():
        pos = np.argwhere(bad)[0]
        where = f" at position {tuple(int(p) for p in pos)}" if shape else ""
        raise DataContractError(f"achievement{where}: actual {a[tuple(pos)]:g}, target {t[tuple(pos)]:g}: "
                                + ("a lower-is-better metric needs actual and target >= 0."
                                   if lower[tuple(pos)] else "a higher-is-better metric needs a target > 0."))
    out = np.clip(_raw_achievement(a, t, lower), floor, cap)
    if isinstance(actual, pd.Series):
        return pd.Series(out, index=actual.index, name="achievement")
    if out.ndim == 0:
        return float(out)
    return out


@dataclass(frozen=True, eq=False)
class _Prepared:
    """A validated kpi table plus integer codes for fast grouping (built once per public call)."""

    frame: pd.DataFrame
    months: np.ndarray          # sorted unique months
    metrics: list[str]          # unique metrics, first-seen order
    month_code: np.ndarray      # per row
    metric_code: np.ndarray     # per row
    person: np.ndarray          # per row: index into ``people``
    people: pd.DataFrame        # per person-month: month, staff_id, [store_id]; sorted by month, staff_id
    person_month: np.ndarray    # month code per person

    @property
    def keys(self) -> list[str]:
        return list(self.people.columns)


def _check_kpi(kpi: pd.DataFrame, *, name: str = "kpi table") -> _Prepared:
    """Validate the kpi table; return a canonical copy (str keys, float numbers) with integer codes."""
    if not isinstance(kpi, pd.DataFrame):
        raise DataContractError(f"{name}: expected a DataFrame; got {type(kpi).__name__}.")
    missing = [c for c in KPI_COLUMNS if c not in kpi.columns]
    if missing:
        raise DataContractError(f"{name}: missing column(s) {', '.join(missing)}; expected {', '.join(KPI_COLUMNS)} "
                                f"(found {', '.join(map(str, kpi.columns))}).")
    if kpi.empty:
        raise DataContractError(f"{name}: no rows.")
    cols = list(KPI_COLUMNS) + (["store_id"] if "store_id" in kpi.columns else [])
    out = kpi[cols].copy()
    month = out["month"]
    if isinstance(month.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(month):
        out["month"] = month.dt.strftime("%Y-%m")
    for col in ("month", "staff_id", "metric") + (("store_id",) if "store_id" in out else ()):
        nulls = out[col].isna()
        if nulls.any():
            raise DataContractError(f"{name}: column {col}: empty in row(s) {_rows(out.index[nulls])}; "
                                    f"every row needs a {col}.")
        out[col] = out[col].astype(str)
    month_code, months = pd.factorize(out["month"], sort=True)
    months = np.asarray(months, dtype=object)
    bad_months = [m for m in months if not _MONTH_RE.match(m)]
    if bad_months:
        rows = out.index[out["month"].isin(bad_months)]
        raise DataContractError(f"{name}: column month: expected 'YYYY-MM'; got {bad_months[0]!r} in row(s) "
                                f"{_rows(rows)}.")
    for col in ("actual", "target"):
        if pd.api.types.is_float_dtype(out[col]) and not isinstance(out[col].dtype, pd.ArrowDtype):
            out[col] = out[col].astype(float)
            continue
        numbers = pd.to_numeric(out[col], errors="coerce")
        bad = numbers.isna() & out[col].notna()
        if bad.any():
            raise DataContractError(f"{name}: column {col}: expected a number; got {out[col][bad].iloc[0]!r} in "
                                    f"row(s) {_rows(out.index[bad])}.")
        out[col] = numbers.astype(float)
    staff_code, staffs = pd.factorize(out["staff_id"], sort=True)
    staffs = np.asarray(staffs, dtype=object)
    metric_code, metrics = pd.factorize(out["metric"], sort=False)
    pair_key = month_code.astype(np.int64) * len(staffs) + staff_code
    person, pair_keys = pd.factorize(pair_key, sort=True)
    row_key = person.astype(np.int64) * len(metrics) + metric_code
    dup = pd.Series(row_key).duplicated(keep=False).to_numpy()
    if dup.any():
        first = out[dup].iloc[0]
        raise DataContractError(f"{name}: {int(dup.sum())} rows repeat a month, staff_id and metric, e.g. "
                                f"{first['month']} {first['staff_id']} {first['metric']} in row(s) "
                                f"{_rows(out.index[dup])}; keep one row per month, person and metric.")
    person_month = (pair_keys // len(staffs)).astype(np.int64)
    people = pd.DataFrame({"month": months[person_month], "staff_id": staffs[pair_keys % len(staffs)]})
    if "store_id" in out:
        store_code, stores = pd.factorize(out["store_id"])
        store_pairs = np.unique(person.astype(np.int64) * len(stores) + store_code)
        per_person = np.bincount(store_pairs // len(stores), minlength=len(people))
        if (per_person > 1).any():
            i = int(np.flatnonzero(per_person > 1)[0])
            raise DataContractError(f"{name}: {people['staff_id'][i]} has rows under several store_id values in "
                                    f"{people['month'][i]}; one person belongs to one store per month.")
        first_row = np.unique(person, return_index=True)[1]
        people["store_id"] = np.asarray(stores, dtype=object)[store_code[first_row]]
    return _Prepared(frame=out, months=months, metrics=[str(m) for m in metrics], month_code=month_code,
                     metric_code=metric_code, person=person, people=people, person_month=person_month)


def _rows(index: pd.Index, limit: int = 5) -> str:
    labels = [str(x) for x in index[:limit]]
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return ", ".join(labels) + more


def _only_month(frame: pd.DataFrame, month: str | None, what: str) -> tuple[pd.DataFrame, str]:
    months = sorted(frame["month"].unique())
    if month is None:
        if len(months) != 1:
            raise DataContractError(f"{what}: the kpi table has {len(months)} months ({months[0]} … {months[-1]}); "
                                    f"pass month='YYYY-MM'.")
        return frame, months[0]
    month = str(month)
    sub = frame[frame["month"] == month]
    if sub.empty:
        raise DataContractError(f"{what}: no kpi rows for {month}; the table has {months[0]} … {months[-1]}.")
    return sub, month


def _metric_rules(metrics: Sequence[str], settings: KpiSettings) -> tuple[np.ndarray, np.ndarray]:
    """Per metric: lower-is-better flag and cap."""
    lower = np.array([m in settings.lower_is_better for m in metrics], dtype=bool)
    cap = np.array([settings.cap_for(m) for m in metrics], dtype=float)
    return lower, cap


def _checked_achievement(a: np.ndarray, t: np.ndarray, lower: np.ndarray, settings: KpiSettings,
                         describe: Any) -> np.ndarray:
    """Unclipped achievement, raising DataContractError (rows described by ``describe(positions)``)."""
    bad = _bad_achievement_inputs(a, t, lower)
    if bad.any():
        positions = np.flatnonzero(bad)
        raise DataContractError(f"kpi table: {positions.size} row(s) have no achievement ({describe(positions[:5])})."
                                f" A higher-is-better metric needs a target > 0; a lower-is-better metric "
                                f"({', '.join(settings.lower_is_better) or 'none'}) needs actual and target >= 0. "
                                f"Fix the targets or drop the metric from the profile.")
    return _raw_achievement(a, t, lower)


def _achievement_matrix(frame: pd.DataFrame, month: str, metrics: Sequence[str],
                        settings: KpiSettings) -> pd.DataFrame:
    """Capped achievements, staff × metrics, of one month of a validated frame."""
    absent = [m for m in metrics if m not in set(frame["metric"])]
    if absent:
        raise DataContractError(f"achievement_matrix: {month} has no rows for metric(s) {', '.join(absent)}.")
    sub = frame[frame["metric"].isin(metrics)]
    lower = sub["metric"].isin(settings.lower_is_better).to_numpy()
    a, t = sub["actual"].to_numpy(dtype=float), sub["target"].to_numpy(dtype=float)

    def describe(pos: np.ndarray) -> str:
        return "; ".join(f"{month} {sub['staff_id'].iloc[i]} {sub['metric'].iloc[i]}: actual {a[i]:g}, "
                         f"target {t[i]:g}" for i in pos)

    cap = sub["metric"].map(settings.cap_for).to_numpy(dtype=float)
    ach = np.clip(_checked_achievement(a, t, lower, settings, describe), settings.floor, cap)
    wide = sub.assign(achievement=ach).pivot(index="staff_id", columns="metric", values="achievement")
    wide = wide.reindex(index=pd.Index(sorted(frame["staff_id"].unique()), name="staff_id"), columns=list(metrics))
    if wide.isna().any().any():
        gaps = list(zip(*np.nonzero(wide.isna().to_numpy())))
        sample = ", ".join(f"{wide.index[s]} {metrics[m]}" for s, m in gaps[:5])
        raise DataContractError(f"kpi table: {month}: {len(gaps)} missing or empty value(s) for the metrics used, "
                                f"e.g. {sample}.")
    wide.columns.name = None
    return wide


def achievement_matrix(kpi: pd.DataFrame, *, month: str | None = None, metrics: Iterable[str] | None = None,
                       settings: KpiSettings | None = None) -> pd.DataFrame:
    """One month's capped achievements as a staff × metric table (the input of entropy weights and stability).

    Parameters
    ----------
    kpi : DataFrame
        The kpi table.
    month : str, optional
        Needed when the table has several months.
    metrics : iterable of str, optional
        Metrics to include (default: all in that month).
    settings : KpiSettings, optional
        Cap, floor and lower-is-better metrics.

    Returns
    -------
    DataFrame
        Index ``staff_id``, one column per metric, values capped achievements.

    Raises
    ------
    DataContractError
        A metric missing for some staff (listed), or bad targets.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    frame, month = _only_month(_check_kpi(kpi).frame, month, "achievement_matrix")
    metrics = list(dict.fromkeys(metrics)) if metrics is not None else list(dict.fromkeys(frame["metric"]))
    return _achievement_matrix(frame, month, metrics, settings)


# ----------------------------------------------------------------------------------------------------------------
# Weights per month
# ----------------------------------------------------------------------------------------------------------------


def _method_weights(stage: str, frame_month: pd.DataFrame | None, month: str, settings: KpiSettings) -> pd.Series:
    """The weights a profile gets under ``settings.weight_method`` in one month (frame already validated)."""
    return _weight_columns(stage, frame_month, month, settings)["used"]


def _weight_columns(stage: str, frame_month: pd.DataFrame | None, month: str, settings: KpiSettings,
                    *, all_columns: bool = False) -> pd.DataFrame:
    if stage not in settings.profiles:
        raise ConfigError(f"kpi.profiles: no profile named {stage!r}; profiles are {', '.join(settings.profiles)}.")
    manual = _series(settings.profiles[stage])
    table = pd.DataFrame({"manual": manual})
    judgements = settings.ahp_judgements(stage)
    method = settings.weight_method
    if judgements is not None and (all_columns or method in ("ahp", "blend")):
        table["ahp"] = _ahp_cached(judgements).reindex(manual.index)
    elif all_columns:
        table["ahp"] = np.nan
    needs_entropy = method in ("entropy", "blend")
    if needs_entropy or all_columns:
        try:
            if frame_month is None:
                raise DataContractError("no kpi data given.")
            matrix = _achievement_matrix(frame_month, month, list(manual.index), settings)
            table["entropy"] = entropy_weights(matrix).reindex(manual.index)
        except (InsufficientDataError, DataContractError) as exc:
            if needs_entropy:
                raise InsufficientDataError(f"kpi weights for {month} ({stage}): {exc}") from None
            table["entropy"] = np.nan
    subjective = table["ahp"] if "ahp" in table and table["ahp"].notna().all() else table["manual"]
    if method == "blend" or all_columns:
        if "entropy" in table and table["entropy"].notna().all():
            table["blend"] = combine_weights(subjective, table["entropy"], method=settings.blend_method,
                                             alpha=settings.blend_alpha)
        else:
            table["blend"] = np.nan
    if method == "manual":
        table["used"] = table["manual"]
    elif method == "ahp":
        if "ahp" not in table or table["ahp"].isna().any():
            raise ConfigError(f"kpi.ahp: weight_method is ahp but profile {stage!r} has no AHP judgements whose "
                              f"labels are its metrics ({', '.join(manual.index)}).")
        table["used"] = table["ahp"]
    elif method == "entropy":
        table["used"] = table["entropy"]
    else:
        table["used"] = table["blend"]
    return table


def resolve_weights(kpi: pd.DataFrame | None, month: str, settings: KpiSettings | None = None, *,
                    profile: str | None = None, model: str | None = None) -> pd.Series:
    """The weights used for a month: the stage's profile, transformed by ``weight_method``.

    Parameters
    ----------
    kpi : DataFrame or None
        The kpi table (needed for ``entropy`` and ``blend``).
    month : str
    settings : KpiSettings, optional
    profile : str, optional
        A profile name instead of the stage that applies.
    model : str, optional
        Car model for :func:`profile_for`.

    Returns
    -------
    Series
        metric -> weight, summing to 1.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    stage = profile if profile is not None else profile_for(month, settings, model).stage
    frame = None if kpi is None else _only_month(_check_kpi(kpi).frame, month, "resolve_weights")[0]
    return _method_weights(stage, frame, str(month), settings)


def weight_table(kpi: pd.DataFrame, month: str, settings: KpiSettings | None = None, *,
                 profile: str | None = None) -> pd.DataFrame:
    """How the month's weights were set: manual, AHP, entropy and blend side by side, and the ones used.

    Returns
    -------
    DataFrame
        Columns ``metric``, ``manual``, ``ahp``, ``entropy``, ``blend``, ``used``; NaN where a method does not
        apply (no AHP judgements for the profile; entropy impossible because every metric is constant).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    stage = profile if profile is not None else profile_for(month, settings).stage
    frame = _only_month(_check_kpi(kpi).frame, month, "weight_table")[0]
    table = _weight_columns(stage, frame, str(month), settings, all_columns=True)
    return table[["manual", "ahp", "entropy", "blend", "used"]].rename_axis("metric").reset_index()


def _month_weights(prep: _Prepared, profile: Any, settings: KpiSettings) -> dict[str, tuple[str, pd.Series]]:
    """month -> (stage, weights) for every month of the table."""
    if isinstance(profile, Profile):
        fixed, stage = _explicit_weights(profile.weights), profile.stage
    elif isinstance(profile, (Mapping, pd.Series)):
        fixed, stage = _explicit_weights(profile), "custom"
    elif profile is None or isinstance(profile, str):
        fixed, stage = None, profile
    else:
        raise ConfigError(f"profile: expected a profile name, a Profile or {{metric: weight}}; got {profile!r}.")
    if fixed is not None:
        return {m: (stage, fixed) for m in prep.months}
    by_month: dict[str, pd.DataFrame] = {}
    if settings.weight_method in ("entropy", "blend"):
        by_month = {str(m): g for m, g in prep.frame.groupby("month", sort=False)}
    out = {}
    for m in prep.months:
        s = stage if stage is not None else profile_for(m, settings).stage
        out[m] = (s, _method_weights(s, by_month.get(m), m, settings))
    return out


# ----------------------------------------------------------------------------------------------------------------
# Scorecard
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Scores:
    """Scored rows (one per person and weighted metric) and per-person totals, as arrays."""

    person: np.ndarray
    metric: np.ndarray          # code into ``metric_names``
    actual: np.ndarray
    target: np.ndarray
    lower: np.ndarray
    achievement: np.ndarray
    weight: np.ndarray
    order: np.ndarray
    total: np.ndarray           # per person
    rank: np.ndarray            # per person, within month
    stages: np.ndarray          # per month code
    metric_names: list[str]
    column_order: list[str]     # weighted metrics in profile order


def _score(prep: _Prepared, profile: Any, settings: KpiSettings, missing: str) -> _Scores:
    month_weights = _month_weights(prep, profile, settings)
    names = list(prep.metrics)
    index_of = {m: i for i, m in enumerate(names)}
    for _, w in month_weights.values():
        for m in w.index:
            if m not in index_of:
                index_of[m] = len(names)
                names.append(m)
    n_months, n_metrics = len(prep.months), len(names)
    weight_grid = np.full((n_months, n_metrics), np.nan)
    order_grid = np.zeros((n_months, n_metrics), dtype=np.int64)
    stages = np.empty(n_months, dtype=object)
    column_order: list[str] = []
    for mi, month in enumerate(prep.months):
        stage, w = month_weights[month]
        stages[mi] = stage
        cols = [index_of[m] for m in w.index]
        weight_grid[mi, cols] = w.to_numpy(dtype=float)
        order_grid[mi, cols] = np.arange(len(cols))
        column_order += [m for m in w.index if m not in column_order]
    frame = prep.frame
    rows = np.flatnonzero(~np.isnan(weight_grid[prep.month_code, prep.metric_code]))
    person = prep.person[rows]
    metric = prep.metric_code[rows].astype(np.int64)
    actual = frame["actual"].to_numpy(dtype=float)[rows]
    target = frame["target"].to_numpy(dtype=float)[rows]
    valid = ~(np.isnan(actual) | np.isnan(target))
    n_people = len(prep.people)
    have = np.bincount(person[valid], minlength=n_people)
    need = (~np.isnan(weight_grid)).sum(axis=1)[prep.person_month]
    incomplete = np.flatnonzero(have < need)
    if incomplete.size:
        mask = ~np.isnan(weight_grid[prep.person_month[incomplete]])
        pi, ki = np.nonzero(mask)
        expected_person, expected_metric = incomplete[pi], ki.astype(np.int64)
        present = person[valid].astype(np.int64) * n_metrics + metric[valid]
        gap = ~np.isin(expected_person.astype(np.int64) * n_metrics + expected_metric, present)
        gap_person, gap_metric = expected_person[gap], expected_metric[gap]
        if missing == "raise":
            sample = "; ".join(f"{prep.people['month'][p]} {prep.people['staff_id'][p]} {names[k]}"
                               for p, k in zip(gap_person[:8], gap_metric[:8]))
            raise DataContractError(f"kpi table: {gap_person.size} value(s) missing for weighted metrics ({sample}"
                                    f"{' …' if gap_person.size > 8 else ''}). Add the rows, drop the metric from "
                                    f"the profile, or pass missing='zero' to score them 0.")
        person = np.concatenate([person[valid], gap_person])
        metric = np.concatenate([metric[valid], gap_metric])
        actual = np.concatenate([actual[valid], np.full(gap_person.size, np.nan)])
        target = np.concatenate([target[valid], np.full(gap_person.size, np.nan)])
        rows = np.concatenate([rows[valid], np.full(gap_person.size, -1)])
    lower_k, cap_k = _metric_rules(names, settings)
    lower, cap = lower_k[metric], cap_k[metric]
    people = prep.people

    def describe(pos: np.ndarray) -> str:
        return "; ".join(f"{people['month'][person[i]]} {people['staff_id'][person[i]]} {names[metric[i]]}: "
                         f"actual {actual[i]:g}, target {target[i]:g}" for i in pos)

    raw = _checked_achievement(actual, target, lower, settings, describe)
    ach = np.clip(raw, settings.floor, cap)
    ach = np.where(np.isnan(ach), 0.0, ach)
    month_of_row = prep.person_month[person]
    weight = weight_grid[month_of_row, metric]
    total = np.bincount(person, weights=ach * weight, minlength=n_people)
    # Rank on totals rounded to 1e-10, so totals equal up to floating-point noise tie.
    rank = pd.Series(np.round(total, 10)).groupby(prep.person_month).rank(method="min", ascending=False) \
        .to_numpy().astype(np.int64)
    return _Scores(person=person, metric=metric, actual=actual, target=target, lower=lower, achievement=ach,
                   weight=weight, order=order_grid[month_of_row, metric], total=total, rank=rank, stages=stages,
                   metric_names=names, column_order=column_order)


def scorecard(kpi: pd.DataFrame, profile: str | Mapping[str, float] | pd.Series | Profile | None = None, *,
              settings: KpiSettings | None = None, layout: Literal["long", "wide"] = "long",
              missing: Literal["raise", "zero"] = "raise") -> pd.DataFrame:
    """The scorecard: each person's metrics, achievements, weights, weighted scores, total and rank per month.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table (see the module docstring).
    profile : str, mapping, Series, Profile or None
        None: each month takes the stage from ``kpi.stages`` and its weights by ``weight_method``; a name: that
        profile (by ``weight_method``); a mapping/Series/Profile: these weights as given (sum 1 ± 0.001).
    settings : KpiSettings, optional
        Defaults to :meth:`KpiSettings.defaults`.
    layout : {"long", "wide"}
        ``long``: one row per month, person and metric, with columns month, staff_id, [store_id], stage, metric,
        actual, target, lower_is_better, achievement, weight, weighted_score, total_score, rank. ``wide``: one
        row per month and person with month, staff_id, [store_id], stage, total_score, rank, then per metric
        ``<metric>_actual``, ``_target``, ``_achievement``, ``_weight``, ``_score``.
    missing : {"raise", "zero"}
        A person without a row (or with an empty actual/target) for a weighted metric: raise, or score 0.

    Returns
    -------
    DataFrame
        Sorted by month and rank. ``total_score`` = Σ weight × achievement; rank 1 = best within the month
        (totals equal to 1e-10 tie and share the better rank).

    Raises
    ------
    DataContractError
        Bad kpi table, missing metrics (with ``missing="raise"``), impossible targets.
    ConfigError
        Bad weights or no stage for a month.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    if layout not in ("long", "wide"):
        raise ConfigError(f"scorecard: layout must be 'long' or 'wide'; got {layout!r}.")
    if missing not in ("raise", "zero"):
        raise ConfigError(f"scorecard: missing must be 'raise' or 'zero'; got {missing!r}.")
    prep = _check_kpi(kpi)
    s = _score(prep, profile, settings, missing)
    people = prep.people
    keys = prep.keys
    # people are sorted by month then staff_id, so the person code orders staff within a month
    if layout == "long":
        order = np.lexsort((s.order, s.person, s.rank[s.person], prep.person_month[s.person]))
        p = s.person[order]
        out = {k: people[k].to_numpy()[p] for k in keys}
        out.update({
            "stage": s.stages[prep.person_month[p]],
            "metric": np.asarray(s.metric_names, dtype=object)[s.metric[order]],
            "actual": s.actual[order], "target": s.target[order], "lower_is_better": s.lower[order],
            "achievement": s.achievement[order], "weight": s.weight[order],
            "weighted_score": (s.achievement * s.weight)[order], "total_score": s.total[p], "rank": s.rank[p],
        })
        return pd.DataFrame(out)
    order = np.lexsort((np.arange(len(people)), s.rank, prep.person_month))
    out = {k: people[k].to_numpy()[order] for k in keys}
    out.update({"stage": s.stages[prep.person_month[order]], "total_score": s.total[order], "rank": s.rank[order]})
    position = np.empty(len(people), dtype=np.int64)
    position[order] = np.arange(len(people))
    code = {m: i for i, m in enumerate(s.metric_names)}
    for metric in s.column_order:
        here = s.metric == code[metric]
        target_rows = position[s.person[here]]
        for suffix, values in (("actual", s.actual), ("target", s.target), ("achievement", s.achievement),
                               ("weight", s.weight), ("score", s.achievement * s.weight)):
            column = np.full(len(people), np.nan)
            column[target_rows] = values[here]
            out[f"{metric}_{suffix}"] = column
    return pd.DataFrame(out)


def _card_totals(card: pd.DataFrame, prep: _Prepared) -> pd.DataFrame:
    """total_score, rank and stage per person of ``prep`` from a long or wide scorecard."""
    need = {"month", "staff_id", "total_score"}
    if not isinstance(card, pd.DataFrame) or not need <= set(card.columns):
        raise DataContractError("scorecard: expected the output of scorecard() (month, staff_id, total_score).")
    cols = [c for c in ("month", "staff_id", "stage", "total_score", "rank") if c in card.columns]
    totals = card[cols].drop_duplicates(subset=["month", "staff_id"])
    totals = totals.astype({"month": str, "staff_id": str})
    out = prep.people[["month", "staff_id"]].merge(totals, on=["month", "staff_id"], how="left")
    if out["total_score"].isna().any():
        row = out[out["total_score"].isna()].iloc[0]
        raise DataContractError(f"scorecard: no total score for {row['month']} {row['staff_id']}; pass the "
                                f"scorecard of the same kpi table.")
    if "rank" not in out:
        out["rank"] = out.groupby("month")["total_score"].rank(method="min", ascending=False).astype(int)
    if "stage" not in out:
        out["stage"] = ""
    return out


# ----------------------------------------------------------------------------------------------------------------
# Gates and bonus
# ----------------------------------------------------------------------------------------------------------------


def _pct(value: float, threshold: float) -> tuple[str, str]:
    """Format a value and its threshold as percentages with enough decimals to tell them apart."""
    for decimals in (0, 1, 2):
        a, b = f"{value * 100:.{decimals}f}%", f"{threshold * 100:.{decimals}f}%"
        if a != b:
            return a, b
    return f"{value * 100:.3f}%", f"{threshold * 100:.3f}%"


def _num_pair(value: float, threshold: float) -> tuple[str, str]:
    """Format a value and its threshold with the fewest decimals (from 0 for whole numbers) that tell them apart."""
    start = 0 if float(value).is_integer() and float(threshold).is_integer() else 2
    for decimals in range(start, 5):
        a, b = f"{value:,.{decimals}f}", f"{threshold:,.{decimals}f}"
        if a != b:
            return a, b
    return f"{value:,.6g}", f"{threshold:,.6g}"


def _effect_text(gate: Gate) -> str:
    return "no bonus" if gate.effect == "zero" else f"bonus ×{gate.factor:g}"


def _reason_texts(values: np.ndarray, threshold: float, template: str, percent: bool) -> list[str]:
    """One reason per failing value, e.g. 'units_sold at 54% of target < 60%' (enough decimals to differ)."""
    out = []
    fmt = _pct if percent else _num_pair
    quick_th = f"{threshold * 100:.0f}%" if percent else None
    for v in values.tolist():
        if percent and f"{v * 100:.0f}%" != quick_th:
            out.append(template.format(v=f"{v * 100:.0f}%", t=quick_th))
        else:
            a, b = fmt(v, threshold)
            out.append(template.format(v=a, t=b))
    return out


def _gates(prep: _Prepared, settings: KpiSettings, scores: np.ndarray | None) -> pd.DataFrame:
    """Gate results per person of ``prep`` (same row order as ``prep.people``)."""
    people = prep.people
    n = len(people)
    factor = np.ones(n)
    failed_names: dict[int, list[str]] = defaultdict(list)
    notes: dict[int, list[str]] = defaultdict(list)
    passed: dict[str, np.ndarray] = {}
    code = {m: i for i, m in enumerate(prep.metrics)}
    actual_all = prep.frame["actual"].to_numpy(dtype=float)
    target_all = prep.frame["target"].to_numpy(dtype=float)

    def where(i: int) -> str:
        return f"{people['month'][i]} {people['staff_id'][i]}"

    for gate in settings.gates:
        fails = np.zeros(n, dtype=bool)
        reasons: dict[int, list[str]] = defaultdict(list)

        def note(failing: np.ndarray, texts: list[str]) -> None:
            for i, text in zip(np.flatnonzero(failing).tolist(), texts):
                reasons[i].append(text)

        if gate.min_score is not None:
            if scores is None:
                raise ConfigError(f"gate {gate.name!r} needs total scores.")
            fails = scores < gate.min_score
            note(fails, _reason_texts(scores[fails], gate.min_score, "total score {v} < {t}", False))
        for metric in gate.metrics:
            if metric not in code:
                raise DataContractError(f"kpi table: gate {gate.name!r} needs metric {metric!r}, which the data "
                                        f"does not have.")
            rows = prep.metric_code == code[metric]
            a = np.full(n, np.nan)
            t = np.full(n, np.nan)
            a[prep.person[rows]] = actual_all[rows]
            t[prep.person[rows]] = target_all[rows]
            gaps = np.isnan(a) | (np.isnan(t) & (gate.min_achievement is not None))
            if gaps.any():
                sample = ", ".join(where(i) for i in np.flatnonzero(gaps)[:5])
                raise DataContractError(f"kpi table: gate {gate.name!r} needs {metric} for everyone; missing for "
                                        f"{int(gaps.sum())} person-month(s), e.g. {sample}.")
            if gate.min_achievement is not None:
                lower = np.full(n, metric in settings.lower_is_better)
                value = _checked_achievement(
                    a, t, lower, settings,
                    lambda pos: "; ".join(f"{where(i)} {metric}: actual {a[i]:g}, target {t[i]:g}" for i in pos))
                f = value < gate.min_achievement
                note(f, _reason_texts(value[f], gate.min_achievement, metric + " at {v} of target < {t}", True))
            elif gate.min_actual is not None:
                f = a < gate.min_actual
                note(f, _reason_texts(a[f], gate.min_actual, metric + " {v} < {t} required", False))
            else:
                f = a > gate.max_actual
                note(f, _reason_texts(a[f], gate.max_actual, metric + " {v} > {t} allowed", False))
            fails = fails | f
        passed[f"passed_{gate.name}"] = ~fails
        effect = _effect_text(gate)
        for i in np.flatnonzero(fails).tolist():
            failed_names[i].append(gate.name)
            notes[i].append(f"{gate.name}: {', '.join(reasons[i])} → {effect}")
        factor = np.where(fails, factor * gate.factor, factor)
    out = people.copy()
    out["gate_factor"] = factor
    failed_text = np.full(n, "", dtype=object)
    notes_text = np.full(n, "", dtype=object)
    for i, names in failed_names.items():
        failed_text[i] = ", ".join(names)
        notes_text[i] = "; ".join(notes[i])
    out["gates_failed"] = failed_text
    out["gate_notes"] = notes_text
    for name, values in passed.items():
        out[name] = values
    return out


def apply_gates(kpi: pd.DataFrame, *, settings: KpiSettings | None = None,
                card: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check every gate for every person and month.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table.
    settings : KpiSettings, optional
    card : DataFrame, optional
        A scorecard (long or wide) for ``min_score`` gates; computed with the stage profiles when needed.

    Returns
    -------
    DataFrame
        One row per month and person: month, staff_id, [store_id], ``gate_factor`` (product of the failed gates'
        factors; 0 = no bonus), ``gates_failed`` (names, comma-separated, "" if none), ``gate_notes`` (why, e.g.
        "volume_floor: units_sold at 54% of target < 60% → no bonus") and one boolean ``passed_<gate>`` column
        per gate.

    Raises
    ------
    DataContractError
        A gate metric missing for some person and month, or no achievement for it (target 0).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    prep = _check_kpi(kpi)
    scores = None
    if any(g.min_score is not None for g in settings.gates):
        if card is None:
            scores = _score(prep, None, settings, "raise").total
        else:
            scores = _card_totals(card, prep)["total_score"].to_numpy(dtype=float)
    return _gates(prep, settings, scores)


def bonus(kpi: pd.DataFrame, *, settings: KpiSettings | None = None, card: pd.DataFrame | None = None,
          gates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The bonus sheet: each person's bonus per month and the rule that decided it.

    Rules (``kpi.bonus``): base mode pays ``base_cny × total_score``; pool mode (``pool_cny`` set) splits the
    pool per month (and store) in proportion to ``total_score × gate_factor``. Both add the profit commission
    ``profit_commission_rate × max(profit − profit_threshold_cny, 0)`` from the ``profit_metric`` actual. The
    gate factor (0 when a zero gate failed) multiplies the whole payout. Amounts are rounded to 0.01 CNY.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table.
    settings : KpiSettings, optional
    card : DataFrame, optional
        The scorecard (default: :func:`scorecard` with the stage profiles).
    gates : DataFrame, optional
        The output of :func:`apply_gates` (default: computed).

    Returns
    -------
    DataFrame
        month, staff_id, [store_id], stage, total_score, rank, gate_factor, score_bonus_cny, profit_cny,
        profit_commission_cny, bonus_cny, deciding_rule, gates_failed; sorted by month and bonus (largest
        first).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    rules = settings.bonus
    prep = _check_kpi(kpi)
    people = prep.people
    if card is None:
        s = _score(prep, None, settings, "raise")
        score, rank, stage = s.total, s.rank, s.stages[prep.person_month]
    else:
        totals = _card_totals(card, prep)
        score = totals["total_score"].to_numpy(dtype=float)
        rank, stage = totals["rank"].to_numpy(), totals["stage"].to_numpy()
    if gates is None:
        gate_table = _gates(prep, settings, score)
    else:
        need = {"month", "staff_id", "gate_factor", "gates_failed", "gate_notes"}
        if not need <= set(gates.columns):
            raise DataContractError("bonus: gates must be the output of apply_gates().")
        gate_table = people[["month", "staff_id"]].merge(
            gates[list(need)].astype({"month": str, "staff_id": str}), on=["month", "staff_id"], how="left")
        if gate_table["gate_factor"].isna().any():
            raise DataContractError("bonus: the gates table does not cover every person in the kpi table.")
    factor = gate_table["gate_factor"].to_numpy(dtype=float)
    n = len(people)
    if rules.profit_commission_rate > 0:
        if rules.profit_metric not in prep.metrics:
            raise DataContractError(f"kpi table: the profit commission needs metric {rules.profit_metric!r}; set "
                                    f"kpi.bonus.profit_commission_rate: 0 to pay no commission.")
        rows = prep.metric_code == prep.metrics.index(rules.profit_metric)
        profit = np.full(n, np.nan)
        profit[prep.person[rows]] = prep.frame["actual"].to_numpy(dtype=float)[rows]
        if np.isnan(profit).any():
            i = np.flatnonzero(np.isnan(profit))
            sample = ", ".join(f"{people['month'][j]} {people['staff_id'][j]}" for j in i[:5])
            raise DataContractError(f"kpi table: the profit commission needs {rules.profit_metric} for everyone; "
                                    f"missing for {len(i)} person-month(s), e.g. {sample}. Set "
                                    f"kpi.bonus.profit_commission_rate: 0 to pay no commission.")
        commission = rules.profit_commission_rate * np.maximum(profit - rules.profit_threshold_cny, 0.0)
    else:
        profit = np.full(n, np.nan)
        commission = np.zeros(n)
    if rules.pool_cny is None:
        score_bonus = rules.base_cny * score
        share = np.full(n, np.nan)
        total = (score_bonus + commission) * factor
    else:
        group = [people["month"]] + ([people["store_id"]] if "store_id" in people else [])
        claim = pd.Series(score * factor)
        claim_total = claim.groupby(group).transform("sum").to_numpy()
        share = np.divide(claim.to_numpy(), claim_total, out=np.zeros(n), where=claim_total > 0)
        # The share already carries the gate factor; the commission gets it here.
        score_bonus = rules.pool_cny * share
        total = score_bonus + commission * factor
    out = people.copy()
    out["stage"] = stage
    out["total_score"] = score
    out["rank"] = rank
    out["gate_factor"] = factor
    out["score_bonus_cny"] = np.round(score_bonus, 2)
    out["profit_cny"] = profit
    out["profit_commission_cny"] = np.round(commission, 2)
    out["bonus_cny"] = np.round(total + 0.0, 2)
    notes = gate_table["gate_notes"].to_numpy()
    out["deciding_rule"] = [_deciding_rule(*values, rules) for values in zip(
        notes.tolist(), score.tolist(), factor.tolist(), score_bonus.tolist(), commission.tolist(), profit.tolist(),
        share.tolist())]
    out["gates_failed"] = gate_table["gates_failed"].to_numpy()
    order = np.lexsort((np.arange(n), -out["bonus_cny"].to_numpy(), prep.person_month))
    return out.iloc[order].reset_index(drop=True)


def _deciding_rule(notes: str, score: float, factor: float, score_bonus: float, commission: float, profit: float,
                   share: float, rules: BonusRules) -> str:
    if factor == 0:
        zero_notes = [x for x in notes.split("; ") if x.endswith("→ no bonus")]
        return "; ".join(zero_notes) if zero_notes else notes
    if rules.pool_cny is None:
        text = f"score {score:.3f} × {rules.base_cny:,.0f} = {score_bonus:,.0f} CNY"
    else:
        text = f"pool {rules.pool_cny:,.0f} CNY × share {share:.1%} = {score_bonus:,.0f} CNY"
    if rules.profit_commission_rate > 0:
        if commission > 0:
            text += (f" + profit commission {rules.profit_commission_rate:.0%} × ({profit:,.0f} − "
                     f"{rules.profit_threshold_cny:,.0f}) = {commission:,.0f} CNY")
        else:
            text += (f"; no profit commission ({rules.profit_metric} {profit:,.0f} <= "
                     f"{rules.profit_threshold_cny:,.0f})")
    if factor < 1:
        if rules.pool_cny is None:
            text = f"({text}) × {factor:g}: {notes}"
        else:
            text = f"{text}; gate factor {factor:g} (in the share and on the commission): {notes}"
    return text


# ----------------------------------------------------------------------------------------------------------------
# Comparing profiles and ranking stability
# ----------------------------------------------------------------------------------------------------------------


def compare_profiles(kpi: pd.DataFrame, month: str, settings: KpiSettings | None = None, *,
                     profiles: Iterable[str] | None = None) -> pd.DataFrame:
    """Each person's score and rank under every profile, side by side, for one month.

    Parameters
    ----------
    kpi : DataFrame
    month : str
    settings : KpiSettings, optional
    profiles : iterable of str, optional
        Profile names (default: all in ``settings.profiles``); each gets its weights by ``weight_method``.

    Returns
    -------
    DataFrame
        staff_id, [store_id], ``rank_<profile>`` and ``score_<profile>`` for each profile, ``applied_stage``
        (the stage in force that month), ``rank_range`` (largest minus smallest rank: how much the choice of
        profile matters to this person); sorted by the rank under the applied stage.

    Raises
    ------
    DataContractError
        A profile names metrics the month's data does not have (listed).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    frame, month = _only_month(_check_kpi(kpi).frame, month, "compare_profiles")
    names = list(profiles) if profiles is not None else list(settings.profiles)
    have = set(frame["metric"])
    lacking = {p: [m for m in settings.profiles[p] if m not in have] for p in names if p in settings.profiles}
    unknown = [p for p in names if p not in settings.profiles]
    if unknown:
        raise ConfigError(f"compare_profiles: unknown profile(s) {', '.join(unknown)}; profiles are "
                          f"{', '.join(settings.profiles)}.")
    lacking = {p: m for p, m in lacking.items() if m}
    if lacking:
        listing = "; ".join(f"{p}: {', '.join(m)}" for p, m in lacking.items())
        raise DataContractError(f"compare_profiles: {month}: the data lacks metrics these profiles use ({listing}); "
                                f"pass profiles=[...] to compare only the others.")
    applied = profile_for(month, settings).stage
    keys = ["staff_id"] + (["store_id"] if "store_id" in frame else [])
    out = frame[keys].drop_duplicates(subset=["staff_id"]).set_index("staff_id")
    for name in names:
        weights = _method_weights(name, frame, month, settings)
        matrix = _achievement_matrix(frame, month, list(weights.index), settings)
        score = matrix.to_numpy() @ weights.to_numpy()
        scores = pd.Series(score, index=matrix.index)
        out[f"rank_{name}"] = scores.round(10).rank(method="min", ascending=False).astype(int).reindex(out.index)
        out[f"score_{name}"] = scores.reindex(out.index)
    rank_cols = [f"rank_{p}" for p in names]
    out["applied_stage"] = applied
    out["rank_range"] = out[rank_cols].max(axis=1) - out[rank_cols].min(axis=1)
    sort_col = f"rank_{applied}" if applied in names else rank_cols[0]
    out = out.reset_index().sort_values([sort_col, "staff_id"], kind="stable")
    return out[keys + rank_cols + [f"score_{p}" for p in names] + ["applied_stage", "rank_range"]] \
        .reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class RankStability:
    """Result of :func:`rank_stability`.

    Attributes
    ----------
    people : DataFrame
        Per person: staff_id, base_score, base_rank, rank_mean, rank_p05, rank_median, rank_p95,
        ``p_top<k>``, p_below_threshold, gated_out, p_no_bonus; sorted by base rank.
    tau : Series
        Kendall's tau-b between each draw's scores and the base scores (one value per draw).
    weights : DataFrame
        The drawn weights, one row per draw.
    summary : DataFrame
        quantity, value: draws, concentration, tau mean and quantiles, share of draws with the same top k.
    """

    people: pd.DataFrame
    tau: pd.Series
    weights: pd.DataFrame
    summary: pd.DataFrame


def _kendall_tau_b(base: np.ndarray, draws: np.ndarray, chunk_elements: int = 4_000_000) -> np.ndarray:
    """Kendall's tau-b of each row of ``draws`` against ``base`` (vectorised; ties handled as in scipy)."""
    m = base.shape[0]
    iu, ju = np.triu_indices(m, k=1)
    sign0 = np.sign(base[iu] - base[ju])
    pairs = iu.size
    untied0 = np.count_nonzero(sign0)
    out = np.empty(draws.shape[0])
    step = max(1, chunk_elements // max(pairs, 1))
    for start in range(0, draws.shape[0], step):
        d = draws[start:start + step]
        s = np.sign(d[:, iu] - d[:, ju])
        numerator = s @ sign0
        untied = np.count_nonzero(s, axis=1)
        denominator = np.sqrt(float(untied0) * untied)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + step] = np.where(denominator > 0, numerator / denominator, np.nan)
    return out


def _ranks_desc(scores: np.ndarray) -> np.ndarray:
    """Rank per row, 1 = highest; ties share the better (smaller) rank."""
    order = np.sort(scores, axis=-1)
    # rank = 1 + number of strictly greater values = 1 + m - (number of values <= x)
    m = scores.shape[-1]
    if scores.ndim == 1:
        return 1 + m - np.searchsorted(order, scores, side="right")
    out = np.empty(scores.shape, dtype=np.int64)
    for i in range(scores.shape[0]):
        out[i] = 1 + m - np.searchsorted(order[i], scores[i], side="right")
    return out


def rank_stability(inputs: pd.DataFrame, profile: str | Mapping[str, float] | pd.Series | Profile | None = None, *,
                   settings: KpiSettings | None = None, month: str | None = None, n: int = 1000,
                   concentration: float = 50.0, top_k: int = 3, score_threshold: float | None = None,
                   seed: int = 0) -> RankStability:
    """How much the ranking moves when the weights move: Dirichlet draws around the profile.

    Each draw takes weights ~ Dirichlet(concentration × w) (mean w; a larger concentration means smaller moves:
    a weight of 0.1 has a standard deviation of about 0.042 at 50, 0.030 at 100 and 0.065 at 20) and
    recomputes every person's total score.

    Parameters
    ----------
    inputs : DataFrame
        Either the kpi table (long; one month, or pass ``month``), or an achievement matrix (index staff_id,
        one column per metric; e.g. :func:`achievement_matrix`). With a matrix, a profile name gives that
        profile's configured weights (``weight_method`` needs the kpi table).
    profile : str, mapping, Series, Profile or None
        The base weights (None: the stage of ``month``, weights by ``weight_method``). Metrics with weight 0
        stay at 0.
    settings : KpiSettings, optional
    month : str, optional
    n : int
        Number of draws.
    concentration : float
        Dirichlet concentration (> 0).
    top_k : int
        The "top k" whose membership probability is reported.
    score_threshold : float, optional
        Report P(total score < threshold); default: the lowest ``min_score`` zero-gate in the settings.
    seed : int
        Random seed.

    Returns
    -------
    RankStability
        ``gated_out`` marks people a weight-independent zero gate already excludes (only with kpi input);
        ``p_no_bonus`` = gated out, or below the threshold.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"rank_stability: n must be a positive integer; got {n!r}.")
    if not _is_number(concentration) or concentration <= 0:
        raise ConfigError(f"rank_stability: concentration must be > 0; got {concentration!r}.")
    if not isinstance(inputs, pd.DataFrame):
        raise DataContractError("rank_stability: expected the kpi table or an achievement matrix (DataFrame).")
    gated_out = None
    if "metric" in inputs.columns:
        frame, month = _only_month(_check_kpi(inputs).frame, month, "rank_stability")
        if isinstance(profile, Profile):
            base = _explicit_weights(profile.weights)
        elif isinstance(profile, (Mapping, pd.Series)):
            base = _explicit_weights(profile)
        else:
            stage = profile if profile is not None else profile_for(month, settings).stage
            base = _method_weights(stage, frame, month, settings)
        matrix = _achievement_matrix(frame, month, list(base.index), settings)
        zero_metric_gates = [g for g in settings.gates if g.effect == "zero" and g.metrics]
        if zero_metric_gates:
            only = dataclasses.replace(settings, gates=tuple(zero_metric_gates))
            gate_table = apply_gates(frame, settings=only).set_index("staff_id")
            gated_out = (gate_table["gate_factor"] == 0).reindex(matrix.index).to_numpy()
    else:
        if profile is None or isinstance(profile, str):
            if profile is None:
                raise ConfigError("rank_stability: with an achievement matrix, pass the profile (name or weights).")
            base = _series(settings.profiles[profile]) if profile in settings.profiles else None
            if base is None:
                raise ConfigError(f"rank_stability: no profile named {profile!r}.")
        else:
            base = _explicit_weights(profile.weights if isinstance(profile, Profile) else profile)
        missing = [m for m in base.index if m not in inputs.columns]
        if missing:
            raise DataContractError(f"rank_stability: the achievement matrix lacks metric(s) {', '.join(missing)}.")
        matrix = inputs[list(base.index)]
        if not all(pd.api.types.is_numeric_dtype(matrix[c]) for c in matrix) or matrix.isna().any().any():
            raise DataContractError("rank_stability: achievement matrix values must be numbers without gaps.")
    if score_threshold is None:
        floors = [g.min_score for g in settings.gates if g.min_score is not None and g.effect == "zero"]
        score_threshold = min(floors) if floors else None
    a = matrix.to_numpy(dtype=float)
    staff = matrix.index.astype(str)
    m = a.shape[0]
    if m < 2:
        raise InsufficientDataError(f"rank_stability: need at least 2 people to rank; got {m}.")
    w0 = base.to_numpy(dtype=float)
    active = w0 > 0
    rng = np.random.default_rng(seed)
    draws = np.zeros((n, w0.size))
    if active.sum() == 1:
        draws[:, active] = 1.0
    else:
        draws[:, active] = rng.dirichlet(concentration * w0[active], size=n)
    base_scores = a @ w0
    scores = draws @ a.T
    ranks = _ranks_desc(scores)
    base_rank = _ranks_desc(base_scores)
    tau = _kendall_tau_b(base_scores, scores)
    p_top = (ranks <= top_k).mean(axis=0)
    q05, q50, q95 = np.quantile(ranks, [0.05, 0.5, 0.95], axis=0)
    if score_threshold is not None:
        below = scores < score_threshold
        p_below = below.mean(axis=0)
    else:
        below = np.zeros_like(scores, dtype=bool)
        p_below = np.full(m, np.nan)
    gated = gated_out if gated_out is not None else np.zeros(m, dtype=bool)
    p_no_bonus = np.where(gated, 1.0, below.mean(axis=0))
    people = pd.DataFrame({
        "staff_id": staff, "base_score": base_scores, "base_rank": base_rank, "rank_mean": ranks.mean(axis=0),
        "rank_p05": q05, "rank_median": q50, "rank_p95": q95, f"p_top{top_k}": p_top,
        "p_below_threshold": p_below, "gated_out": gated, "p_no_bonus": p_no_bonus,
    }).sort_values(["base_rank", "staff_id"], kind="stable").reset_index(drop=True)
    base_top = set(np.flatnonzero(base_rank <= top_k))
    same_top = np.mean([set(np.flatnonzero(r <= top_k)) == base_top for r in ranks])
    tau_series = pd.Series(tau, name="kendall_tau", index=pd.RangeIndex(n, name="draw"))
    summary = pd.DataFrame({
        "quantity": ["draws", "concentration", "people", "tau_mean", "tau_p05", "tau_median", "tau_p95",
                     f"share_same_top{top_k}", "score_threshold"],
        "value": [n, concentration, m, float(np.nanmean(tau)), *np.nanquantile(tau, [0.05, 0.5, 0.95]).tolist(),
                  float(same_top), score_threshold if score_threshold is not None else np.nan],
    })
    weights = pd.DataFrame(draws, columns=list(base.index), index=pd.RangeIndex(n, name="draw"))
    return RankStability(people=people, tau=tau_series, weights=weights, summary=summary)
