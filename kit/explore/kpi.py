"""KPI what-if in JupyterLab: move the weights, the gate lines or the stage profile and see the ranking and every
consultant's bonus change, beside the month as configured. The numbers come from
:func:`kit.kpi.whatif.bonus_whatif`; this module only builds the controls and shows its table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kit import i18n
from kit.exceptions import KitError
from kit.explore.widgets import live, slider
from kit.kpi import whatif
from kit.kpi.names import gate_name, metric_name, money, profile_name, weights_text
from kit.kpi.weights import profile_for

#: How far a gate line can be moved, by condition: (low, high, step, shown as a percentage).
_GATE_RANGES = {"min_achievement": (0.0, 1.5, 0.05, True), "min_score": (0.0, 1.5, 0.05, True)}


def _gate_line(gate) -> tuple[str, float]:
    for condition in ("min_achievement", "min_actual", "max_actual", "min_score"):
        if getattr(gate, condition) is not None:
            return condition, float(getattr(gate, condition))
    raise AssertionError(gate)  # pragma: no cover - KpiSettings guarantees one condition


def controls(r: Any) -> dict[str, Any]:
    """The what-if's controls by name: ``profile``, ``w:<metric>`` weights, ``g:<gate>`` lines, ``on:<gate>``."""
    import ipywidgets as w

    s = r.settings.kpi
    stage = profile_for(r.month, s).stage
    have = set(r.dealer.kpi.loc[r.dealer.kpi["month"].astype(str) == r.month, "metric"].astype(str))
    profiles = [p for p, weights in s.profiles.items() if set(weights) <= have] or [stage]
    metrics = list(dict.fromkeys(m for p in profiles for m in s.profiles[p]))
    out: dict[str, Any] = {"profile": w.Dropdown(options=[(profile_name(p, r.lang, s), p) for p in profiles],
                                                  value=stage, description=r.t("kpi.explore.profile"),
                                                  style={"description_width": "initial"})}
    for m in metrics:
        out[f"w:{m}"] = slider(metric_name(m, r.lang, s), s.profiles[stage].get(m, 0.0), 0.0, 1.0, 0.05, percent=True)
    for gate in s.gates:
        condition, value = _gate_line(gate)
        low, high, step, pct = _GATE_RANGES.get(condition, (0.0, max(10.0, 3 * value), 1.0, False))
        name = gate_name(gate.name, r.lang, s)
        out[f"on:{gate.name}"] = w.Checkbox(value=True, description=r.t("kpi.explore.gate_on", gate=name),
                                            style={"description_width": "initial"})
        out[f"g:{gate.name}"] = slider(r.t("kpi.explore.gate_line", gate=name), value, low, high, step, percent=pct)

    def reset_weights(change: dict) -> None:
        for m in metrics:
            out[f"w:{m}"].value = s.profiles[change["new"]].get(m, 0.0)

    out["profile"].observe(reset_weights, names="value")
    return out


def arguments(values: dict[str, Any]) -> dict[str, Any]:
    """The control values as :func:`bonus_whatif` arguments (weights and gate changes)."""
    weights = {k[2:]: v for k, v in values.items() if k.startswith("w:")}
    gates = {k[2:]: (v if values.get(f"on:{k[2:]}", True) else None) for k, v in values.items() if k.startswith("g:")}
    return {"profile": values.get("profile"), "weights": weights, "gates": gates}


def whatif_table(r: Any, result: whatif.WhatIf):
    """The what-if result in the reader's words: new rank and its change, score, bonus against now."""
    s = r.settings.kpi
    t = result.table
    frame = pd.DataFrame({"rank": t["rank"], "consultant": r.person(t["staff_id"]), "rank_change": t["rank_change"],
                          "total_score": t["total_score"], "bonus_cny": t["bonus_cny"],
                          "bonus_now_cny": t["bonus_now_cny"], "bonus_change_cny": t["bonus_change_cny"],
                          "gates_failed": [", ".join(gate_name(g, r.lang, s) for g in str(x).split(", ") if g)
                                           for x in t["gates_failed"]]})
    labels = {c: i18n.label(c, r.lang, group="kpi_whatif") for c in frame.columns}
    caption = r.t("kpi.explore.caption", weights=weights_text(result.weights, r.lang, s),
                  total=money(result.bonus_total), now=money(result.bonus_total_now))
    return r.table(frame, labels=labels, caption=caption, max_rows=None,
                   formats={"rank": "int", "rank_change": "+d", "total_score": "pct", "bonus_cny": "money",
                            "bonus_now_cny": "money", "bonus_change_cny": "money"},
                   gradient={"bonus_change_cny": "high", "rank_change": "high"}, center=0.0,
                   totals=["bonus_cny", "bonus_now_cny", "bonus_change_cny"])


def render(r: Any, values: dict[str, Any]):
    """What the widget shows for these control values: the what-if table, or why the rules refuse them."""
    if not any(v > 0 for k, v in values.items() if k.startswith("w:")):
        return r.note("kpi.explore.no_weights", kind="warning")
    try:
        result = whatif.bonus_whatif(r.dealer.kpi, r.settings.kpi, r.month, lang=r.lang, **arguments(values))
    except KitError as exc:  # e.g. every weight at 0: say so under the sliders instead of a traceback
        return r.note("kpi.explore.refused", kind="warning", reason=str(exc))
    return whatif_table(r, result)


def bonus_whatif(r: Any):
    """The KPI what-if for the report's month: weight sliders, gate lines and a profile menu above the ranking and
    every consultant's bonus, recomputed on every change (the notebook's cell: ``explore.kpi.bonus_whatif(r)``)."""
    return live(controls(r), lambda **values: render(r, values))
