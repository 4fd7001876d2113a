"""Gates: the minimum achievements, counts and scores below which a bonus is cut or lost, with the reason why."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError
from kit.kpi.achievements import checked_achievement
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


def check_gates(prep: Prepared, settings: KpiSettings, scores: np.ndarray | None) -> pd.DataFrame:
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
                value = checked_achievement(
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
    prep = prepare(kpi)
    scores = None
    if any(g.min_score is not None for g in settings.gates):
        if card is None:
            scores = score_people(prep, None, settings, "raise").total
        else:
            scores = card_totals(card, prep)["total_score"].to_numpy(dtype=float)
    return check_gates(prep, settings, scores)
