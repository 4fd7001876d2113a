"""How much the choice of weights matters: ranks under every profile, and ranking stability under random weights."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.checks import is_number
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.kpi.achievements import month_achievements
from kit.kpi.gates import apply_gates
from kit.kpi.settings import KpiSettings
from kit.kpi.table import only_month, prepare
from kit.kpi.weights import Profile, explicit_weights, method_weights, profile_for, weight_series


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
    frame, month = only_month(prepare(kpi).frame, month, "compare_profiles")
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
        weights = method_weights(name, frame, month, settings)
        matrix = month_achievements(frame, month, list(weights.index), settings)
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
    if not is_number(concentration) or concentration <= 0:
        raise ConfigError(f"rank_stability: concentration must be > 0; got {concentration!r}.")
    if not isinstance(inputs, pd.DataFrame):
        raise DataContractError("rank_stability: expected the kpi table or an achievement matrix (DataFrame).")
    gated_out = None
    if "metric" in inputs.columns:
        frame, month = only_month(prepare(inputs).frame, month, "rank_stability")
        if isinstance(profile, Profile):
            base = explicit_weights(profile.weights)
        elif isinstance(profile, (Mapping, pd.Series)):
            base = explicit_weights(profile)
        else:
            stage = profile if profile is not None else profile_for(month, settings).stage
            base = method_weights(stage, frame, month, settings)
        matrix = month_achievements(frame, month, list(base.index), settings)
        zero_metric_gates = [g for g in settings.gates if g.effect == "zero" and g.metrics]
        if zero_metric_gates:
            only = dataclasses.replace(settings, gates=tuple(zero_metric_gates))
            gate_table = apply_gates(frame, settings=only).set_index("staff_id")
            gated_out = (gate_table["gate_factor"] == 0).reindex(matrix.index).to_numpy()
    else:
        if profile is None or isinstance(profile, str):
            if profile is None:
                raise ConfigError("rank_stability: with an achievement matrix, pass the profile (name or weights).")
            base = weight_series(settings.profiles[profile]) if profile in settings.profiles else None
            if base is None:
                raise ConfigError(f"rank_stability: no profile named {profile!r}.")
        else:
            base = explicit_weights(profile.weights if isinstance(profile, Profile) else profile)
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
    # every draw ties everyone (all scores equal): tau is undefined, not a warning
    tau_stats = [float(np.nanmean(tau)), *np.nanquantile(tau, [0.05, 0.5, 0.95]).tolist()] \
        if np.isfinite(tau).any() else [np.nan] * 4
    summary = pd.DataFrame({
        "quantity": ["draws", "concentration", "people", "tau_mean", "tau_p05", "tau_median", "tau_p95",
                     f"share_same_top{top_k}", "score_threshold"],
        "value": [n, concentration, m, *tau_stats, float(same_top),
                  score_threshold if score_threshold is not None else np.nan],
    })
    weights = pd.DataFrame(draws, columns=list(base.index), index=pd.RangeIndex(n, name="draw"))
    return RankStability(people=people, tau=tau_series, weights=weights, summary=summary)
