"""One month's KPI results, computed once for the report: scorecard, bonus, gates, profiles, weights and stability.

:func:`month_result` is what the KPI report notebook calls after setup; every table, sentence and headline number
of the report is read from its :class:`KpiMonth`, so one number is computed in one place. The rules a notebook used
to hold live here: the settings are checked against the month's data (only what this month needs: the profile in
force, the gates and the profit metric), the profiles compared are those the month's data can score (the others are
listed), a month whose data gives no entropy weights or a single consultant simply has no such worksheet, and last
month's bonus is read for comparison when the table has it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError, KitError
from kit.kpi.achievements import month_achievements
from kit.kpi.ahp import AhpResult
from kit.kpi.entropy import entropy_worksheet
from kit.kpi.gates import gate_margins
from kit.kpi.payout import bonus
from kit.kpi.scores import scorecard
from kit.kpi.settings import KpiSettings, StageRule, check_against_data
from kit.kpi.stability import RankStability, compare_profiles, rank_stability
from kit.kpi.table import check_kpi_table, only_month
from kit.kpi.weights import Profile, profile_ahp, profile_for, weight_table


@dataclass(frozen=True, eq=False)
class KpiMonth:
    """Everything the KPI report shows for one month (see :func:`month_result`).

    Attributes
    ----------
    month : str
    lang : str
        Language of the generated text in ``sheet`` (``deciding_rule``).
    settings : KpiSettings
    profile : Profile
        The stage in force and its configured weights.
    rule : StageRule
        The ``kpi.stages`` entry that put it in force.
    kpi : DataFrame
        The month's rows of the kpi table (validated).
    card : DataFrame
        The wide scorecard (:func:`~kit.kpi.scores.scorecard`).
    sheet : DataFrame
        The bonus sheet (:func:`~kit.kpi.payout.bonus`).
    margins : DataFrame
        Each person's distance from each gate line (:func:`~kit.kpi.gates.gate_margins`).
    compare : DataFrame
        Ranks and scores under each profile the month's data can score (:func:`compare_profiles`).
    not_compared : dict
        Profile -> the metrics this month's data lacks for it.
    weights : DataFrame
        Manual, AHP, entropy and blended weights side by side (:func:`~kit.kpi.weights.weight_table`).
    ahp : AhpResult or None
        The AHP worksheet when the profile in force has judgements.
    entropy : DataFrame or None
        The entropy worksheet of the profile's metrics (None when the data cannot give entropy weights).
    stability : RankStability or None
        Ranks under random small moves of the weights (None with fewer than two consultants).
    previous : DataFrame or None
        Last month's bonus sheet, when the table has last month and it can be scored.
    """

    month: str
    lang: str
    settings: KpiSettings
    profile: Profile
    rule: StageRule
    kpi: pd.DataFrame
    card: pd.DataFrame
    sheet: pd.DataFrame
    margins: pd.DataFrame
    compare: pd.DataFrame
    not_compared: dict[str, list[str]]
    weights: pd.DataFrame
    ahp: AhpResult | None
    entropy: pd.DataFrame | None
    stability: RankStability | None
    previous: pd.DataFrame | None


def stage_rule(month: str, settings: KpiSettings) -> StageRule:
    """The dealership-wide ``kpi.stages`` entry in force in ``month`` (the one :func:`profile_for` picks)."""
    covering = [r for r in settings.stages if r.model is None and r.start <= month and (r.end is None or month <= r.end)]
    if not covering:
        profile_for(month, settings)  # raises the ConfigError that says which entry to add
    return max(covering, key=lambda r: r.start)


def other_stage(month: str, settings: KpiSettings) -> tuple[str, str] | None:
    """The profile to hold this month's ranking against, and how it relates: ``before``, ``after`` or ``other``.

    The stage in force before the current one on the dealership-wide timeline; else the next one planned; else any
    other profile. None when there is only one profile.
    """
    current = profile_for(month, settings).stage
    timeline = sorted((r for r in settings.stages if r.model is None), key=lambda r: r.start)
    before = [r.stage for r in timeline if r.start <= month and r.stage != current]
    if before:
        return before[-1], "before"
    after = [r.stage for r in timeline if r.start > month and r.stage != current]
    if after:
        return after[0], "after"
    others = [p for p in settings.profiles if p != current]
    return (others[0], "other") if others else None


def _previous_month(month: str) -> str:
    return (pd.Period(month, freq="M") - 1).strftime("%Y-%m")


def month_result(kpi: pd.DataFrame, settings: KpiSettings, month: str, *, lang: str = "en", draws: int = 1000,
                 concentration: float = 50.0, seed: int = 0) -> KpiMonth:
    """Score one month and work out its bonuses and everything the report says about them.

    Parameters
    ----------
    kpi : DataFrame
        The kpi table (any number of months; later months are ignored).
    settings : KpiSettings
    month : str
        ``YYYY-MM``.
    lang : str
        Language of the bonus sheet's ``deciding_rule``.
    draws, concentration, seed : the ranking-stability draws (:func:`~kit.kpi.stability.rank_stability`).

    Raises
    ------
    DataContractError
        Bad kpi rows, or no rows for ``month``.
    ConfigError
        The profile in force, a gate or the profit commission names a metric the month's data lacks; no stage
        covers the month.
    """
    table = check_kpi_table(kpi)
    rows, month = only_month(table, month, "KPI report")
    profile = profile_for(month, settings)
    rule = stage_rule(month, settings)
    check_against_data(dataclasses.replace(settings, profiles={profile.stage: settings.profiles[profile.stage]}),
                       rows)
    card = scorecard(rows, settings=settings, layout="wide")
    sheet = bonus(rows, settings=settings, card=card, lang=lang)
    have = set(rows["metric"])
    not_compared = {p: [m for m in w if m not in have] for p, w in settings.profiles.items()}
    not_compared = {p: missing for p, missing in not_compared.items() if missing}
    compared = [p for p in settings.profiles if p not in not_compared]
    people = rows["staff_id"].nunique()
    return KpiMonth(
        month=month, lang=lang, settings=settings, profile=profile, rule=rule, kpi=rows, card=card, sheet=sheet,
        margins=gate_margins(rows, settings=settings, card=card),
        compare=compare_profiles(rows, month, settings, profiles=compared), not_compared=not_compared,
        weights=weight_table(rows, month, settings), ahp=profile_ahp(profile.stage, settings),
        entropy=_entropy(rows, month, profile, settings),
        stability=rank_stability(rows, settings=settings, month=month, n=draws, concentration=concentration,
                                 seed=seed) if people >= 2 else None,
        previous=_previous_sheet(table, _previous_month(month), settings, lang))


def _entropy(rows: pd.DataFrame, month: str, profile: Profile, settings: KpiSettings) -> pd.DataFrame | None:
    """The entropy worksheet of the profile's metrics; None when the month cannot give entropy weights."""
    try:
        matrix = month_achievements(rows, month, list(profile.weights.index), settings)
        return entropy_worksheet(matrix)
    except (InsufficientDataError, KitError):
        return None


def _previous_sheet(table: pd.DataFrame, month: str, settings: KpiSettings, lang: str) -> pd.DataFrame | None:
    """Last month's bonus sheet, or None when the table lacks that month or cannot score it (other metrics then)."""
    rows = table[table["month"] == month]
    if rows.empty:
        return None
    try:
        return bonus(rows, settings=settings, lang=lang)
    except KitError:
        return None


def no_bonus_by_gate(result: KpiMonth) -> pd.Series:
    """staff_id -> the first gate whose effect is zero that this person failed (only people paid nothing)."""
    sheet = result.sheet
    zero = [g.name for g in result.settings.gates if g.effect == "zero"]
    out = {}
    for staff, failed, factor in zip(sheet["staff_id"], sheet["gates_failed"], sheet["gate_factor"]):
        if factor == 0:
            names = [n for n in str(failed).split(", ") if n in zero]
            out[staff] = names[0] if names else (str(failed).split(", ")[0] if failed else "")
    return pd.Series(out, dtype=object, name="gate")


def rank_depends_on_weights(result: KpiMonth) -> pd.Series:
    """staff_id -> True when the consultant's rank is not the same in 90 % of small random moves of the weights.

    From the stability draws: the 5th and 95th percentile ranks differ from the rank with the weights as set. Empty
    without stability draws.
    """
    if result.stability is None:
        return pd.Series(dtype=bool, name="depends")
    p = result.stability.people
    moves = (p["rank_p05"] != p["base_rank"]) | (p["rank_p95"] != p["base_rank"])
    return pd.Series(moves.to_numpy(), index=p["staff_id"].to_numpy(), name="depends")


def top_consultant(result: KpiMonth) -> str | None:
    """staff_id of the best-ranked consultant (the first by staff id among equals); None without anyone."""
    sheet = result.sheet.sort_values(["rank", "staff_id"], kind="stable")
    return None if sheet.empty else str(sheet["staff_id"].iloc[0])


def headline(result: KpiMonth) -> dict[str, float | int | str | None]:
    """The report's manager numbers: bonus total, consultants with no bonus because of a gate, the top
    consultant (staff id) and how many consultants' rank depends on the exact weights."""
    return {"bonus_total_cny": float(np.round(result.sheet["bonus_cny"].sum(), 2)),
            "no_bonus_gate": int((result.sheet["gate_factor"] == 0).sum()),
            "top_consultant": top_consultant(result),
            "rank_depends_on_weights": int(rank_depends_on_weights(result).sum())}
