"""The bonus sheet: each person's bonus per month, by the base or pool rule plus the profit commission."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit import i18n
from kit.exceptions import DataContractError
from kit.kpi.gates import check_gates
from kit.kpi.names import metric_name, money, percent
from kit.kpi.scores import card_totals, score_people
from kit.kpi.settings import KpiSettings
from kit.kpi.table import prepare


def bonus(kpi: pd.DataFrame, *, settings: KpiSettings | None = None, card: pd.DataFrame | None = None,
          gates: pd.DataFrame | None = None, lang: str = "en") -> pd.DataFrame:
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
        The output of :func:`apply_gates` (default: computed); its notes are quoted in ``deciding_rule``.
    lang : str
        Language of ``deciding_rule`` (``en`` or ``zh``), e.g. "score 114.0% × ¥4,000 = ¥4,561 + profit
        commission 5% × (¥104,100 − ¥30,000) = ¥3,705".

    Returns
    -------
    DataFrame
        month, staff_id, [store_id], stage, total_score, rank, gate_factor, score_bonus_cny, profit_cny,
        profit_commission_cny, bonus_cny, deciding_rule, gates_failed (gate codes); sorted by month and bonus
        (largest first).
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
        gate_table = check_gates(prep, settings, score, lang)
    else:
        need = {"month", "staff_id", "gate_factor", "gates_failed", "gate_notes", "no_bonus_notes"}
        if not need <= set(gates.columns):
            raise DataContractError("bonus: gates must be the output of apply_gates().")
        gate_table = people[["month", "staff_id"]].merge(
            gates[sorted(need)].astype({"month": str, "staff_id": str}), on=["month", "staff_id"], how="left")
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
    fixed = _fixed_words(settings, lang)
    out["deciding_rule"] = [_deciding_rule(*values, rules, fixed, lang) for values in zip(
        notes.tolist(), gate_table["no_bonus_notes"].tolist(), score.tolist(), factor.tolist(), score_bonus.tolist(),
        commission.tolist(), profit.tolist(), share.tolist())]
    out["gates_failed"] = gate_table["gates_failed"].to_numpy()
    order = np.lexsort((np.arange(n), -out["bonus_cny"].to_numpy(), prep.person_month))
    return out.iloc[order].reset_index(drop=True)


def _fixed_words(settings: KpiSettings, lang: str) -> dict[str, str]:
    """The rule's words that are the same for everyone, formatted once per sheet instead of once per person."""
    rules = settings.bonus
    return {"base": money(rules.base_cny), "pool": money(rules.pool_cny) if rules.pool_cny is not None else "",
            "rate": percent(rules.profit_commission_rate, digits=0), "threshold": money(rules.profit_threshold_cny),
            "metric": metric_name(rules.profit_metric, lang, settings) if rules.profit_commission_rate > 0 else ""}


def _deciding_rule(notes: str, zero_notes: str, score: float, factor: float, score_bonus: float, commission: float,
                   profit: float, share: float, rules, fixed: dict[str, str], lang: str) -> str:
    if factor == 0:
        return zero_notes or notes
    if rules.pool_cny is None:
        text = i18n.t("kpi.rule.base", lang, score=percent(score), base=fixed["base"], amount=money(score_bonus))
    else:
        text = i18n.t("kpi.rule.pool", lang, pool=fixed["pool"], share=percent(share), amount=money(score_bonus))
    if rules.profit_commission_rate > 0:
        if commission > 0:
            text += i18n.t("kpi.rule.commission", lang, rate=fixed["rate"], profit=money(profit),
                           threshold=fixed["threshold"], commission=money(commission))
        else:
            text += i18n.t("kpi.rule.no_commission", lang, metric=fixed["metric"], profit=money(profit),
                           threshold=fixed["threshold"])
    if factor < 1:
        key = "kpi.rule.cut_base" if rules.pool_cny is None else "kpi.rule.cut_pool"
        text = i18n.t(key, lang, rule=text, factor=f"{factor:g}", notes=notes)
    return text
