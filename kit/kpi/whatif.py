"""What-if: other KPI weights, gate lines or stage profile → the ranking and every consultant's bonus.

:func:`bonus_whatif` is the plain function under the JupyterLab widget (:mod:`kit.explore.kpi`): it scores one
month with the changes and sets the result beside the month as configured, person by person.

>>> w = bonus_whatif(kpi_table, settings, "2026-10", profile="mature", gates={"product_mix": None})  # doctest: +SKIP
>>> w.table[["staff_id", "rank", "rank_change", "bonus_cny", "bonus_change_cny"]]                   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kit.checks import did_you_mean, is_number
from kit.exceptions import ConfigError
from kit.kpi.payout import bonus
from kit.kpi.scores import scorecard
from kit.kpi.settings import Gate, KpiSettings
from kit.kpi.table import check_kpi_table, only_month
from kit.kpi.weights import method_weights, profile_for


@dataclass(frozen=True, eq=False)
class WhatIf:
    """Result of :func:`bonus_whatif`.

    Attributes
    ----------
    table : DataFrame
        One row per consultant, best new rank first: staff_id, [store_id], rank, rank_now, rank_change (positive =
        moves up), total_score, total_score_now, gate_factor, gates_failed, bonus_cny, bonus_now_cny,
        bonus_change_cny, deciding_rule.
    weights : Series
        metric -> the weights used in the what-if (summing to 1).
    settings : KpiSettings
        The settings with the changed gates.
    """

    table: pd.DataFrame
    weights: pd.Series
    settings: KpiSettings

    @property
    def bonus_total(self) -> float:
        return float(self.table["bonus_cny"].sum())

    @property
    def bonus_total_now(self) -> float:
        return float(self.table["bonus_now_cny"].sum())


def _condition(gate: Gate) -> str:
    return next(c for c in ("min_achievement", "min_actual", "max_actual", "min_score") if getattr(gate, c) is not None)


def with_gates(settings: KpiSettings, changes: Mapping[str, float | None]) -> KpiSettings:
    """``settings`` with gate lines moved (``{gate: new threshold}``) or gates switched off (``{gate: None}``).

    Raises
    ------
    ConfigError
        An unknown gate name, or a threshold that is not a number >= 0.
    """
    known = [g.name for g in settings.gates]
    unknown = [name for name in changes if name not in known]
    if unknown:
        raise ConfigError(f"what-if gates: no gate named {unknown[0]!r}{did_you_mean(unknown[0], known)}; gates are "
                          f"{', '.join(known) or 'none'}.")
    gates = []
    for gate in settings.gates:
        if gate.name not in changes:
            gates.append(gate)
            continue
        value = changes[gate.name]
        if value is None:
            continue
        if not is_number(value) or not math.isfinite(float(value)) or (float(value) < 0
                                                                          and _condition(gate) != "min_actual"):
            raise ConfigError(f"what-if gates: {gate.name}: expected a number >= 0 or None (gate off); got {value!r}.")
        gates.append(dataclasses.replace(gate, **{_condition(gate): float(value)}))
    return dataclasses.replace(settings, gates=tuple(gates))


def _weights(weights: Mapping[str, float]) -> pd.Series:
    """Weights >= 0 scaled to sum to 1 (sliders need not add up); metrics at 0 are left out."""
    bad = {m: w for m, w in weights.items() if not is_number(w) or not math.isfinite(float(w)) or float(w) < 0}
    if bad:
        raise ConfigError(f"what-if weights: expected numbers >= 0; got {bad}.")
    kept = {str(m): float(w) for m, w in weights.items() if float(w) > 0}
    if not kept:
        raise ConfigError("what-if weights: every weight is 0; give at least one metric a weight.")
    total = sum(kept.values())
    return pd.Series({m: w / total for m, w in kept.items()}, name="weight", dtype=float).rename_axis("metric")


def bonus_whatif(kpi: pd.DataFrame, settings: KpiSettings, month: str, *, profile: str | None = None,
                 weights: Mapping[str, float] | None = None, gates: Mapping[str, float | None] | None = None,
                 lang: str = "en") -> WhatIf:
    """One month's ranking and bonuses with other weights, gate lines or stage profile, beside the month as it is.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table (the month's rows are used).
    settings : KpiSettings
        The settings as configured (the "now" column).
    month : str
    profile : str, optional
        Score with this profile (stage) instead of the one in force; its weights by ``weight_method``.
    weights : mapping metric -> weight, optional
        Score with these weights (scaled to sum to 1; takes precedence over ``profile``).
    gates : mapping gate -> threshold or None, optional
        Move a gate's line (the number of its condition: 0.6 for 60 % of target, 2 complaints, 0.6 total score) or
        switch it off with None.
    lang : str
        Language of ``deciding_rule``.

    Raises
    ------
    ConfigError
        An unknown profile or gate, bad weights or thresholds.
    DataContractError
        The month's data lacks a metric the weights or gates need.
    """
    rows, month = only_month(check_kpi_table(kpi), month, "KPI what-if")
    if profile is not None and profile not in settings.profiles:
        raise ConfigError(f"what-if profile: no profile named {profile!r}{did_you_mean(profile, settings.profiles)}; "
                          f"profiles are {', '.join(settings.profiles)}.")
    changed = with_gates(settings, gates or {})
    if weights is not None:
        used = _weights(weights)
    else:
        stage = profile if profile is not None else profile_for(month, settings).stage
        used = method_weights(stage, rows, month, settings)
    now = bonus(rows, settings=settings, lang=lang)
    card = scorecard(rows, used, settings=changed)
    then = bonus(rows, settings=changed, card=card, lang=lang)
    keys = [k for k in ("staff_id", "store_id") if k in then]
    before = now.set_index("staff_id")
    out = then[keys + ["rank", "total_score", "gate_factor", "gates_failed", "bonus_cny", "deciding_rule"]].copy()
    out.insert(len(keys) + 1, "rank_now", before["rank"].reindex(out["staff_id"]).to_numpy())
    out.insert(len(keys) + 2, "rank_change", out["rank_now"] - out["rank"])
    out.insert(len(keys) + 4, "total_score_now", before["total_score"].reindex(out["staff_id"]).to_numpy())
    out.insert(out.columns.get_loc("bonus_cny") + 1, "bonus_now_cny",
               before["bonus_cny"].reindex(out["staff_id"]).to_numpy())
    out.insert(out.columns.get_loc("bonus_now_cny") + 1, "bonus_change_cny",
               (out["bonus_cny"] - out["bonus_now_cny"]).round(2))
    out = out.sort_values(["rank", "staff_id"], kind="stable").reset_index(drop=True)
    return WhatIf(table=out, weights=used, settings=changed)
