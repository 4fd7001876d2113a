"""The ``kpi:`` section of ``dealer.yml``: :class:`KpiSettings`, validated, and checked against the kpi data.

Every key is optional; a key left out takes the default shown here. A section that sets ``profiles``, ``stages``
or ``gates`` replaces that whole list or mapping; nothing is merged with the defaults. Shares (weights, caps,
achievements, rates) may be written as 0.6 or ``"60%"``. Every problem in the section is reported at once, each by
its path (``kpi.profiles.launch: weights sum to 0.95 …``). What the keys mean (stages, gates, AHP, the bonus
rules): ``docs/methods/kpi.md``.

.. code-block:: yaml

DEFAULTS
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from kit.checks import (Problems, did_you_mean, fmt_number, is_number, require_columns, section_mapping, setting_bool,
                        setting_month, setting_names, setting_number, setting_text, unknown_keys)
from kit.exceptions import ConfigError
from kit.i18n import LANGS
from kit.kpi.ahp import ahp_weights, matrix_problems, parse_entry

#: Profile weights must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 0.001

#: The defaults, written once: the sample dealership's numbers (docs/DOMAIN.md opening note and §3). The volume
#: floor is docs/DOMAIN.md §3.2's 申蓉泓翰 rule; the score floor is [D], §3.2's generic "< 60 % achievement pays
#: nothing" applied to the total score.
_DEFAULTS_YAML = """\
kpi:
  cap: 1.2                  # achievement cap: 1.0, 1.2 (common practice) or 2.0 (docs/DOMAIN.md §3.3); >= 1
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
  metric_names: {}          # report names of metrics the display catalog does not know, e.g.
                            # {showroom_visits: {en: Showroom visits, zh: 展厅接待}}; also renames known ones
  profile_names: {}         # the same for profile (stage) names, e.g. {spring_push: {en: Spring push, zh: 春季冲量}}
  gate_names: {}            # the same for gate names
"""
#: The defaults as a mapping in the ``dealer.yml`` shape.
DEFAULT_SETTINGS: dict[str, Any] = yaml.safe_load(_DEFAULTS_YAML)["kpi"]
if __doc__:  # not under python -OO
    __doc__ = __doc__.replace("DEFAULTS", textwrap.indent(_DEFAULTS_YAML, "    "))


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


def _parse_weights(value: Any, path: str, problems: Problems) -> dict[str, float] | None:
    """A profile: metric weights >= 0 summing to 1 (±:data:`WEIGHT_TOLERANCE`), returned normalised."""
    if not isinstance(value, Mapping) or not value:
        problems.add(path, f"expected metric weights such as {{units_sold: 0.6, gross_profit: 0.4}}; got {value!r}.")
        return None
    weights: dict[str, float] = {}
    ok = True
    for metric, weight in value.items():
        name = setting_text(metric, f"{path}", problems, "a metric name")
        w = setting_number(weight, f"{path}.{metric}", problems, low=0.0, percent=True, what="a weight >= 0")
        if name is None or w is None:
            ok = False
            continue
        weights[name] = w
    if not ok:
        return None
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        problems.add(path, f"weights sum to {fmt_number(total)}; they must sum to 1 (±{WEIGHT_TOLERANCE:g}).")
        return None
    if abs(total - 1.0) > 1e-12:
        weights = {k: v / total for k, v in weights.items()}
    return weights


def _parse_ahp_block(value: Any, path: str, problems: Problems) -> AhpJudgements | None:
    """One ``{labels, matrix}`` block: every entry that breaks the matrix's rules is reported by its path."""
    if not isinstance(value, Mapping):
        problems.add(path, f"expected {{labels: [...], matrix: [[...], ...]}}; got {value!r}.")
        return None
    unknown_keys(value, ("labels", "matrix", "allow_inconsistent"), path, problems)
    allow = setting_bool(value.get("allow_inconsistent", False), f"{path}.allow_inconsistent", problems)
    labels = setting_names(value.get("labels"), f"{path}.labels", problems)
    matrix = value.get("matrix")
    if not isinstance(matrix, Sequence) or isinstance(matrix, str) or not matrix:
        problems.add(f"{path}.matrix", f"expected a list of rows, one per label; got {matrix!r}.")
        return None
    rows: list[tuple[float, ...]] = []
    for i, row in enumerate(matrix):
        if not isinstance(row, Sequence) or isinstance(row, str):
            problems.add(f"{path}.matrix[{i}]", f"expected a row of numbers; got {row!r}.")
            return None
        entries = [parse_entry(x, f"{path}.matrix[{i}][{j}]", problems) for j, x in enumerate(row)]
        if any(e is None for e in entries):
            return None
        rows.append(tuple(float(e) for e in entries))
    if allow is None or labels is None:
        return None
    if len(rows) == len(labels) and all(len(r) == len(rows) for r in rows):
        broken = matrix_problems(np.array(rows, dtype=float), labels)
        for i, j, message in broken:
            problems.add(f"{path}.matrix[{i}][{j}]", message)
        if broken:
            return None
    judgements = AhpJudgements(labels=labels, matrix=tuple(rows), allow_inconsistent=allow)
    try:
        ahp_weights(judgements.matrix, list(judgements.labels), allow_inconsistent=allow)
    except ConfigError as exc:
        problems.add(f"{path}.matrix", str(exc))
        return None
    return judgements


def _parse_names(value: Any, path: str, problems: Problems) -> dict[str, dict[str, str]]:
    """Display names ``{code: {en: …, zh: …}}`` (or ``{code: text}`` for both languages); a missing language
    takes the other's words."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(path, f"expected names such as {{my_metric: {{en: My metric, zh: 我的指标}}}}; got {value!r}.")
        return {}
    out: dict[str, dict[str, str]] = {}
    for code, words in value.items():
        where = f"{path}.{code}"
        if isinstance(words, str):
            text = setting_text(words, where, problems, "a display name")
            if text is not None:
                out[str(code)] = {lang: text for lang in LANGS}
            continue
        if not isinstance(words, Mapping) or not words:
            problems.add(where, f"expected a name, or {{en: …, zh: …}}; got {words!r}.")
            continue
        unknown_keys(words, LANGS, where, problems, what="language")
        given = {lang: setting_text(words[lang], f"{where}.{lang}", problems, "a display name")
                 for lang in LANGS if lang in words}
        if given and all(v is not None for v in given.values()):
            out[str(code)] = {lang: given.get(lang) or next(iter(given.values())) for lang in LANGS}
    return out


def _parse_gate(value: Any, path: str, problems: Problems) -> Gate | None:
    """One gate: a name, exactly one condition, what it applies to, and its effect."""
    if not isinstance(value, Mapping):
        problems.add(path, f"expected a gate such as {{name: volume_floor, metric: units_sold, "
                           f"min_achievement: 0.6, effect: zero}}; got {value!r}.")
        return None
    conditions = ("min_achievement", "min_actual", "max_actual", "min_score")
    unknown_keys(value, ("name", "metric", "metrics", *conditions, "effect"), path, problems)
    name = setting_text(value.get("name"), f"{path}.name", problems, "a gate name")
    given = [c for c in conditions if c in value]
    if len(given) != 1:
        problems.add(path, f"give exactly one condition of {', '.join(conditions)}; got "
                           f"{', '.join(given) if given else 'none'}.")
        return None
    condition = given[0]
    counts = condition in ("min_actual", "max_actual")  # counts and amounts; the others are shares
    threshold = setting_number(value[condition], f"{path}.{condition}", problems, low=None if counts else 0.0,
                               percent=not counts)
    metrics: tuple[str, ...] = ()
    if "metric" in value and "metrics" in value:
        problems.add(path, "give either metric or metrics, not both.")
        return None
    if "metric" in value:
        m = setting_text(value["metric"], f"{path}.metric", problems, "a metric name")
        metrics = (m,) if m else ()
    elif "metrics" in value:
        listed = setting_names(value["metrics"], f"{path}.metrics", problems)
        if listed is None:
            return None
        metrics = listed
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
        f = setting_number(effect["multiply"], f"{path}.effect.multiply", problems, low=0.0, high=1.0,
                           percent=True, what="a factor between 0 and 1")
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
    metric_names: dict[str, dict[str, str]] = field(default_factory=dict)
    profile_names: dict[str, dict[str, str]] = field(default_factory=dict)
    gate_names: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def defaults(cls) -> "KpiSettings":
        """The documented defaults (the sample dealership's numbers, docs/DOMAIN.md opening note and §3)."""
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
        mapping = section_mapping(mapping, where)
        problems = Problems("the KPI settings")
        unknown_keys(mapping, DEFAULT_SETTINGS, where, problems)
        raw = {**DEFAULT_SETTINGS, **mapping}

        cap = setting_number(raw["cap"], f"{where}.cap", problems, low=1.0, percent=True,
                             what="a number >= 1 (e.g. 1.0, 1.2, 2.0)")
        floor = setting_number(raw["floor"], f"{where}.floor", problems, low=0.0, high=1.0, percent=True,
                               what="a number between 0 and 1")
        metric_caps: dict[str, float] = {}
        if not isinstance(raw["metric_caps"], Mapping):
            problems.add(f"{where}.metric_caps", f"expected {{metric: cap}}; got {raw['metric_caps']!r}.")
        else:
            for metric, value in raw["metric_caps"].items():
                c = setting_number(value, f"{where}.metric_caps.{metric}", problems, low=1.0, percent=True,
                                   what="a cap >= 1")
                if c is not None:
                    metric_caps[str(metric)] = c

        lower = setting_names(raw["lower_is_better"], f"{where}.lower_is_better", problems) \
            if raw["lower_is_better"] else ()

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
            unknown_keys(entry, ("from", "to", "stage", "model"), path, problems)
            start = setting_month(entry.get("from"), f"{path}.from", problems)
            end = setting_month(entry["to"], f"{path}.to", problems) if entry.get("to") is not None else None
            stage = setting_text(entry.get("stage"), f"{path}.stage", problems, "a profile name")
            model = entry.get("model")
            if model is not None:
                model = setting_text(str(model) if is_number(model) else model, f"{path}.model", problems,
                                     "a car model")
            profile_names = [str(k) for k in raw["profiles"]] if isinstance(raw["profiles"], Mapping) else []
            if stage is not None and profile_names and stage not in profile_names:
                problems.add(f"{path}.stage", f"{stage!r} is not a profile{did_you_mean(stage, profile_names)}; "
                                              f"profiles are {', '.join(profile_names)}.")
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
            unknown_keys(bonus_raw, DEFAULT_SETTINGS["bonus"], bpath, problems)
            b = {**DEFAULT_SETTINGS["bonus"], **bonus_raw}
            base = setting_number(b["base_cny"], f"{bpath}.base_cny", problems, low=0.0)
            pool = None if b["pool_cny"] is None else setting_number(b["pool_cny"], f"{bpath}.pool_cny",
                                                                     problems, low=0.0, low_open=True)
            threshold = 0.0 if b["profit_threshold_cny"] is None else setting_number(
                b["profit_threshold_cny"], f"{bpath}.profit_threshold_cny", problems, low=0.0)
            rate = setting_number(b["profit_commission_rate"], f"{bpath}.profit_commission_rate", problems,
                                  low=0.0, high=1.0, percent=True, what="a rate between 0 and 1")
            metric = setting_text(b["profit_metric"], f"{bpath}.profit_metric", problems, "a metric name")
            if None not in (base, threshold, rate, metric) and (b["pool_cny"] is None or pool is not None):
                bonus_rules = BonusRules(base_cny=base, pool_cny=pool, profit_threshold_cny=threshold,
                                         profit_commission_rate=rate, profit_metric=metric)

        method = raw["weight_method"]
        if method not in ("manual", "ahp", "entropy", "blend"):
            problems.add(f"{where}.weight_method", f"unknown method {method!r}; use manual, ahp, entropy or blend.")
        blend_method = raw["blend_method"]
        if blend_method not in ("linear", "product"):
            problems.add(f"{where}.blend_method", f"unknown method {blend_method!r}; use linear or product.")
        alpha = setting_number(raw["blend_alpha"], f"{where}.blend_alpha", problems, low=0.0, high=1.0,
                               percent=True, what="a share between 0 and 1")

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
                        problems.add(path, f"{name!r} is not a profile{did_you_mean(name, profiles)}; profiles are "
                                           f"{', '.join(profiles)}.")
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

        names = {key: _parse_names(raw[key], f"{where}.{key}", problems)
                 for key in ("metric_names", "profile_names", "gate_names")}
        settings = cls(cap=cap if cap is not None else 1.2, floor=floor if floor is not None else 0.0,
                       metric_caps=metric_caps, lower_is_better=tuple(lower or ()), profiles=profiles,
                       stages=tuple(stages), gates=tuple(gates), bonus=bonus_rules, ahp=ahp,
                       weight_method=method, blend_alpha=alpha if alpha is not None else 0.5,
                       blend_method=blend_method, **names)
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
            **{key: {code: dict(words) for code, words in getattr(self, key).items()}
               for key in ("metric_names", "profile_names", "gate_names")},
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
    require_columns(kpi, "kpi table", ["metric"])
    have = set(kpi["metric"].astype(str).unique())
    problems = Problems("the KPI settings")
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
    if problems:
        problems.add("kpi data", f"the metrics it has are {', '.join(sorted(have))}.")
    problems.raise_if_any()
