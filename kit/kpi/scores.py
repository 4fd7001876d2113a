"""The scorecard: each person's achievements, weights, weighted scores, total and rank per month."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError
from kit.kpi.achievements import checked_achievement, metric_rules
from kit.kpi.settings import KpiSettings
from kit.kpi.table import Prepared, prepare
from kit.kpi.weights import Profile, month_weights


@dataclass(frozen=True, eq=False)
class Scores:
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


def score_people(prep: Prepared, profile: Any, settings: KpiSettings, missing: str) -> Scores:
    by_month = month_weights(prep, profile, settings)
    names = list(prep.metrics)
    index_of = {m: i for i, m in enumerate(names)}
    for _, w in by_month.values():
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
        stage, w = by_month[month]
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
    lower_k, cap_k = metric_rules(names, settings)
    lower, cap = lower_k[metric], cap_k[metric]
    people = prep.people

    def describe(pos: np.ndarray) -> str:
        return "; ".join(f"{people['month'][person[i]]} {people['staff_id'][person[i]]} {names[metric[i]]}: "
                         f"actual {actual[i]:g}, target {target[i]:g}" for i in pos)

    raw = checked_achievement(actual, target, lower, settings, describe)
    ach = np.clip(raw, settings.floor, cap)
    ach = np.where(np.isnan(ach), 0.0, ach)
    month_of_row = prep.person_month[person]
    weight = weight_grid[month_of_row, metric]
    total = np.bincount(person, weights=ach * weight, minlength=n_people)
    # Rank on totals rounded to 1e-10, so totals equal up to floating-point noise tie.
    rank = pd.Series(np.round(total, 10)).groupby(prep.person_month).rank(method="min", ascending=False) \
        .to_numpy().astype(np.int64)
    return Scores(person=person, metric=metric, actual=actual, target=target, lower=lower, achievement=ach,
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
    prep = prepare(kpi)
    s = score_people(prep, profile, settings, missing)
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


def card_totals(card: pd.DataFrame, prep: Prepared) -> pd.DataFrame:
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
