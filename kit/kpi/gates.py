"""Gates: the minimum achievements, counts and scores below which a bonus is cut or lost, the reason why in the
report's language, and how far each person is from each line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit import i18n
from kit.exceptions import ConfigError, DataContractError
from kit.kpi.achievements import checked_achievement
from kit.kpi.names import gate_name, join, metric_name
from kit.kpi.scores import card_totals, score_people
from kit.kpi.settings import Gate, KpiSettings
from kit.kpi.table import Prepared, prepare


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


def _effect_text(gate: Gate, lang: str) -> str:
    if gate.effect == "zero":
        return i18n.t("kpi.gate.no_bonus", lang)
    return i18n.t("kpi.gate.multiply", lang, factor=f"{gate.factor:g}")


def _reason_texts(values: np.ndarray, threshold: float, key: str, percent: bool, lang: str,
                  metric: str = "") -> list[str]:
    """One reason per failing value, e.g. 'Cars sold at 54% of target < 60%' (enough decimals to differ)."""
    out = []
    fmt = _pct if percent else _num_pair
    quick_th = f"{threshold * 100:.0f}%" if percent else None
    for v in values.tolist():
        if percent and f"{v * 100:.0f}%" != quick_th:
            a, b = f"{v * 100:.0f}%", quick_th
        else:
            a, b = fmt(v, threshold)
        out.append(i18n.t(key, lang, metric=metric, value=a, threshold=b))
    return out


@dataclass(frozen=True, eq=False)
class GateCheck:
    """One gate on one metric (or on the total score) for every person of a prepared table.

    ``value`` is what the condition compares (the unclipped achievement, the actual or the total score),
    ``actual`` and ``target`` the metric's (NaN for a score gate), ``fails`` where the condition is not met.
    """

    gate: Gate
    metric: str
    condition: str
    threshold: float
    value: np.ndarray
    actual: np.ndarray
    target: np.ndarray
    fails: np.ndarray


def evaluate_gates(prep: Prepared, settings: KpiSettings, scores: np.ndarray | None) -> list[GateCheck]:
    """Every gate condition on every person of ``prep``: one :class:`GateCheck` per gate and metric."""
    people = prep.people
    n = len(people)
    code = {m: i for i, m in enumerate(prep.metrics)}
    actual_all = prep.frame["actual"].to_numpy(dtype=float)
    target_all = prep.frame["target"].to_numpy(dtype=float)
    nothing = np.full(n, np.nan)

    def where(i: int) -> str:
        return f"{people['month'][i]} {people['staff_id'][i]}"

    checks: list[GateCheck] = []
    for gate in settings.gates:
        if gate.min_score is not None:
            if scores is None:
                raise ConfigError(f"gate {gate.name!r} needs total scores.")
            checks.append(GateCheck(gate, "", "min_score", gate.min_score, scores, nothing, nothing,
                                    scores < gate.min_score))
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
                value = checked_achievement(
                    a, t, lower, settings,
                    lambda pos: "; ".join(f"{where(i)} {metric}: actual {a[i]:g}, target {t[i]:g}" for i in pos))
                checks.append(GateCheck(gate, metric, "min_achievement", gate.min_achievement, value, a, t,
                                        value < gate.min_achievement))
            elif gate.min_actual is not None:
                checks.append(GateCheck(gate, metric, "min_actual", gate.min_actual, a, a, t, a < gate.min_actual))
            else:
                checks.append(GateCheck(gate, metric, "max_actual", gate.max_actual, a, a, t, a > gate.max_actual))
    return checks


def check_gates(prep: Prepared, settings: KpiSettings, scores: np.ndarray | None, lang: str = "en",
                checks: list[GateCheck] | None = None) -> pd.DataFrame:
    """Gate results per person of ``prep`` (same row order as ``prep.people``), notes in ``lang``."""
    people = prep.people
    n = len(people)
    checks = evaluate_gates(prep, settings, scores) if checks is None else checks
    factor = np.ones(n)
    failed_names: dict[int, list[str]] = defaultdict(list)
    notes: dict[int, list[str]] = defaultdict(list)
    zero_notes: dict[int, list[str]] = defaultdict(list)
    passed: dict[str, np.ndarray] = {}
    for gate in settings.gates:
        fails = np.zeros(n, dtype=bool)
        reasons: dict[int, list[str]] = defaultdict(list)
        for check in (c for c in checks if c.gate is gate):
            failing = np.flatnonzero(check.fails)
            texts = _reason_texts(check.value[failing], check.threshold, f"kpi.gate.{check.condition}",
                                  check.condition in ("min_achievement", "min_score"), lang,
                                  metric_name(check.metric, lang, settings) if check.metric else "")
            for i, text in zip(failing.tolist(), texts):
                reasons[i].append(text)
            fails = fails | check.fails
        passed[f"passed_{gate.name}"] = ~fails
        effect = _effect_text(gate, lang)
        label = gate_name(gate.name, lang, settings)
        for i in np.flatnonzero(fails).tolist():
            failed_names[i].append(gate.name)
            note = i18n.t("kpi.gate.note", lang, gate=label, reasons=join(reasons[i], lang, level="clauses"),
                          effect=effect)
            notes[i].append(note)
            if gate.effect == "zero":
                zero_notes[i].append(note)
        factor = np.where(fails, factor * gate.factor, factor)
    out = people.copy()
    out["gate_factor"] = factor
    failed_text = np.full(n, "", dtype=object)
    notes_text = np.full(n, "", dtype=object)
    zero_text = np.full(n, "", dtype=object)
    for i, names in failed_names.items():
        failed_text[i] = ", ".join(names)
        notes_text[i] = join(notes[i], lang, level="sentences")
        zero_text[i] = join(zero_notes[i], lang, level="sentences")
    out["gates_failed"] = failed_text
    out["gate_notes"] = notes_text
    out["no_bonus_notes"] = zero_text
    for name, values in passed.items():
        out[name] = values
    return out


def _scores_for_gates(prep: Prepared, settings: KpiSettings, card: pd.DataFrame | None) -> np.ndarray | None:
    if not any(g.min_score is not None for g in settings.gates):
        return None
    if card is None:
        return score_people(prep, None, settings, "raise").total
    return card_totals(card, prep)["total_score"].to_numpy(dtype=float)


def gate_margins(kpi: pd.DataFrame, *, settings: KpiSettings | None = None,
                 card: pd.DataFrame | None = None) -> pd.DataFrame:
    """How far each person is from each gate's line, in the metric's own units.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table.
    settings : KpiSettings, optional
    card : DataFrame, optional
        A scorecard for ``min_score`` gates (computed with the stage profiles when needed).

    Returns
    -------
    DataFrame
        One row per month, person, gate and metric: month, staff_id, [store_id], gate, metric ("" for a score
        gate), condition, actual, target, value (what the condition compares), threshold, passed, ``line`` (the
        actual at the line: threshold × target for a higher-is-better achievement, target ÷ threshold for a
        lower-is-better one, the threshold for ``min_actual``/``max_actual``; NaN for a score gate) and ``gap``
        (how far the actual is on the wrong side of the line: line − actual for a minimum, actual − line for a
        maximum; 0 when passed).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    prep = prepare(kpi)
    checks = evaluate_gates(prep, settings, _scores_for_gates(prep, settings, card))
    parts = []
    for c in checks:
        lower = c.metric in settings.lower_is_better
        if c.condition == "min_achievement":
            with np.errstate(divide="ignore", invalid="ignore"):
                line = c.target / c.threshold if lower else c.threshold * c.target
            upward = not lower
        elif c.condition in ("min_actual", "max_actual"):
            line, upward = np.full(len(c.actual), c.threshold), c.condition == "min_actual"
        else:
            line, upward = np.full(len(c.actual), np.nan), True
        gap = np.where(c.fails, (line - c.actual) if upward else (c.actual - line), 0.0)
        part = prep.people.copy()
        part["gate"] = c.gate.name
        part["metric"] = c.metric
        part["condition"] = c.condition
        part["actual"], part["target"], part["value"] = c.actual, c.target, c.value
        part["threshold"] = c.threshold
        part["passed"] = ~c.fails
        part["line"], part["gap"] = line, gap
        parts.append(part)
    if not parts:
        columns = [*prep.people.columns, "gate", "metric", "condition", "actual", "target", "value", "threshold",
                   "passed", "line", "gap"]
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


def apply_gates(kpi: pd.DataFrame, *, settings: KpiSettings | None = None,
                card: pd.DataFrame | None = None, lang: str = "en") -> pd.DataFrame:
    """Check every gate for every person and month.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table.
    settings : KpiSettings, optional
    card : DataFrame, optional
        A scorecard (long or wide) for ``min_score`` gates; computed with the stage profiles when needed.
    lang : str
        Language of ``gate_notes`` (``en`` or ``zh``); metric and gate names as :mod:`kit.kpi.names` gives them.

    Returns
    -------
    DataFrame
        One row per month and person: month, staff_id, [store_id], ``gate_factor`` (product of the failed gates'
        factors; 0 = no bonus), ``gates_failed`` (gate codes, comma-separated, "" if none), ``gate_notes`` (why,
        e.g. "Volume floor: Cars sold at 54% of target < 60% → no bonus"), ``no_bonus_notes`` (the notes of the
        failed gates that pay nothing) and one boolean ``passed_<gate>`` column per gate.

    Raises
    ------
    DataContractError
        A gate metric missing for some person and month, or no achievement for it (target 0).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    prep = prepare(kpi)
    return check_gates(prep, settings, _scores_for_gates(prep, settings, card), lang)
