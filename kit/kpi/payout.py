"""The bonus sheet: each person's bonus per month, by the base or pool rule plus the profit commission."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.kpi.gates import check_gates
from kit.kpi.scores import card_totals, score_people
from kit.kpi.settings import BonusRules, KpiSettings
from kit.kpi.table import prepare


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
    prep = prepare(kpi)
    people = prep.people
    if card is None:
        s = score_people(prep, None, settings, "raise")
        score, rank, stage = s.total, s.rank, s.stages[prep.person_month]
    else:
        totals = card_totals(card, prep)
        score = totals["total_score"].to_numpy(dtype=float)
        rank, stage = totals["rank"].to_numpy(), totals["stage"].to_numpy()
    if gates is None:
        gate_table = check_gates(prep, settings, score)
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
