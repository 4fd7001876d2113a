"""Which weights apply: the stage's profile for a month, and how ``weight_method`` turns it into the weights used."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit.checks import Problems, fmt_number, is_number, setting_month
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.kpi.achievements import month_achievements
from kit.kpi.ahp import AhpResult, ahp_weights
from kit.kpi.entropy import combine_weights, entropy_weights
from kit.kpi.settings import WEIGHT_TOLERANCE, AhpJudgements, KpiSettings
from kit.kpi.table import Prepared, only_month, prepare


@dataclass(frozen=True, eq=False)
class Profile:
    """A weight profile: the stage name, its weights (Series metric -> weight) and where it came from."""

    stage: str
    weights: pd.Series
    source: str = ""


def profile_for(month: str, settings: KpiSettings | None = None, model: str | None = None) -> Profile:
    """The life-cycle stage (and its configured weights) that applies in a month, optionally for a car model.

    Parameters
    ----------
    month : str
        ``YYYY-MM``.
    settings : KpiSettings, optional
        Defaults to :meth:`KpiSettings.defaults`.
    model : str, optional
        A car model; entries with this ``model:`` win over dealership-wide entries.

    Returns
    -------
    Profile
        ``stage``, ``weights`` (the profile as configured) and ``source`` (which stages entry decided).

    Raises
    ------
    ConfigError
        When no stages entry covers the month.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    problems = Problems("the KPI settings")
    month = setting_month(str(month), "month", problems)
    if month is None:
        raise ConfigError(problems.items[0])
    covering = [(i, r) for i, r in enumerate(settings.stages)
                if r.start <= month and (r.end is None or month <= r.end)]
    chosen = None
    if model is not None:
        own = [(i, r) for i, r in covering if r.model == str(model)]
        chosen = max(own, key=lambda x: x[1].start, default=None)
    if chosen is None:
        general = [(i, r) for i, r in covering if r.model is None]
        chosen = max(general, key=lambda x: x[1].start, default=None)
    if chosen is None:
        first = min((r.start for r in settings.stages if r.model is None), default=None)
        hint = f"; the first dealership-wide entry starts in {first}" if first else ""
        raise ConfigError(f"kpi.stages: no stage covers {month}{' for model ' + str(model) if model else ''}"
                          f"{hint}. Add e.g. - {{from: \"{month}\", stage: growth}}.")
    i, rule = chosen
    text = f"kpi.stages[{i}]: from {rule.start}" + (f" to {rule.end}" if rule.end else "") \
        + (f", model {rule.model}" if rule.model else "")
    return Profile(stage=rule.stage, weights=weight_series(settings.profiles[rule.stage]), source=text)


def weight_series(weights: Mapping[str, float]) -> pd.Series:
    return pd.Series({str(k): float(v) for k, v in weights.items()}, name="weight", dtype=float) \
        .rename_axis("metric")


def explicit_weights(profile: Mapping | pd.Series, where: str = "profile") -> pd.Series:
    """Validate weights passed directly: numbers >= 0 summing to 1 (±0.001); returned normalised."""
    items = dict(profile.items())
    if not items:
        raise ConfigError(f"{where}: no weights given.")
    bad = {k: v for k, v in items.items() if not is_number(v) or not math.isfinite(float(v)) or float(v) < 0}
    if bad:
        raise ConfigError(f"{where}: weights must be numbers >= 0; got {bad}.")
    total = float(sum(float(v) for v in items.values()))
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ConfigError(f"{where}: weights sum to {fmt_number(total)}; they must sum to 1 (±{WEIGHT_TOLERANCE:g}).")
    return weight_series({k: float(v) / total for k, v in items.items()})


@functools.lru_cache(maxsize=64)
def _ahp_cached(judgements: AhpJudgements) -> pd.Series:
    return ahp_weights(judgements.matrix, list(judgements.labels),
                       allow_inconsistent=judgements.allow_inconsistent).weights


def profile_ahp(stage: str, settings: KpiSettings | None = None) -> AhpResult | None:
    """The AHP worksheet for a profile, from ``kpi.ahp``; None when no judgements fit that profile."""
    settings = settings if settings is not None else KpiSettings.defaults()
    judgements = settings.ahp_judgements(stage)
    if judgements is None:
        return None
    return ahp_weights(judgements.matrix, list(judgements.labels), allow_inconsistent=judgements.allow_inconsistent)


def method_weights(stage: str, frame_month: pd.DataFrame | None, month: str, settings: KpiSettings) -> pd.Series:
    """The weights a profile gets under ``settings.weight_method`` in one month (frame already validated)."""
    return _weight_columns(stage, frame_month, month, settings)["used"]


def _weight_columns(stage: str, frame_month: pd.DataFrame | None, month: str, settings: KpiSettings,
                    *, all_columns: bool = False) -> pd.DataFrame:
    if stage not in settings.profiles:
        raise ConfigError(f"kpi.profiles: no profile named {stage!r}; profiles are {', '.join(settings.profiles)}.")
    manual = weight_series(settings.profiles[stage])
    table = pd.DataFrame({"manual": manual})
    judgements = settings.ahp_judgements(stage)
    method = settings.weight_method
    if judgements is not None and (all_columns or method in ("ahp", "blend")):
        table["ahp"] = _ahp_cached(judgements).reindex(manual.index)
    elif all_columns:
        table["ahp"] = np.nan
    needs_entropy = method in ("entropy", "blend")
    if needs_entropy or all_columns:
        try:
            if frame_month is None:
                raise DataContractError("no kpi data given.")
            matrix = month_achievements(frame_month, month, list(manual.index), settings)
            table["entropy"] = entropy_weights(matrix).reindex(manual.index)
        except (InsufficientDataError, DataContractError) as exc:
            if needs_entropy:
                raise InsufficientDataError(f"kpi weights for {month} ({stage}): {exc}") from None
            table["entropy"] = np.nan
    subjective = table["ahp"] if "ahp" in table and table["ahp"].notna().all() else table["manual"]
    if method == "blend" or all_columns:
        if "entropy" in table and table["entropy"].notna().all():
            table["blend"] = combine_weights(subjective, table["entropy"], method=settings.blend_method,
                                             alpha=settings.blend_alpha)
        else:
            table["blend"] = np.nan
    if method == "manual":
        table["used"] = table["manual"]
    elif method == "ahp":
        if "ahp" not in table or table["ahp"].isna().any():
            raise ConfigError(f"kpi.ahp: weight_method is ahp but profile {stage!r} has no AHP judgements whose "
                              f"labels are its metrics ({', '.join(manual.index)}).")
        table["used"] = table["ahp"]
    elif method == "entropy":
        table["used"] = table["entropy"]
    else:
        table["used"] = table["blend"]
    return table


def resolve_weights(kpi: pd.DataFrame | None, month: str, settings: KpiSettings | None = None, *,
                    profile: str | None = None, model: str | None = None) -> pd.Series:
    """The weights used for a month: the stage's profile, transformed by ``weight_method``.

    Parameters
    ----------
    kpi : DataFrame or None
        The kpi table (needed for ``entropy`` and ``blend``).
    month : str
    settings : KpiSettings, optional
    profile : str, optional
        A profile name instead of the stage that applies.
    model : str, optional
        Car model for :func:`profile_for`.

    Returns
    -------
    Series
        metric -> weight, summing to 1.
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    stage = profile if profile is not None else profile_for(month, settings, model).stage
    frame = None if kpi is None else only_month(prepare(kpi).frame, month, "resolve_weights")[0]
    return method_weights(stage, frame, str(month), settings)


def weight_table(kpi: pd.DataFrame, month: str, settings: KpiSettings | None = None, *,
                 profile: str | None = None) -> pd.DataFrame:
    """How the month's weights were set: manual, AHP, entropy and blend side by side, and the ones used.

    Returns
    -------
    DataFrame
        Columns ``metric``, ``manual``, ``ahp``, ``entropy``, ``blend``, ``used``; NaN where a method does not
        apply (no AHP judgements for the profile; entropy impossible because every metric is constant).
    """
    settings = settings if settings is not None else KpiSettings.defaults()
    stage = profile if profile is not None else profile_for(month, settings).stage
    frame = only_month(prepare(kpi).frame, month, "weight_table")[0]
    table = _weight_columns(stage, frame, str(month), settings, all_columns=True)
    return table[["manual", "ahp", "entropy", "blend", "used"]].rename_axis("metric").reset_index()


def month_weights(prep: Prepared, profile: Any, settings: KpiSettings) -> dict[str, tuple[str, pd.Series]]:
    """month -> (stage, weights) for every month of the table."""
    if isinstance(profile, Profile):
        fixed, stage = explicit_weights(profile.weights), profile.stage
    elif isinstance(profile, (Mapping, pd.Series)):
        fixed, stage = explicit_weights(profile), "custom"
    elif profile is None or isinstance(profile, str):
        fixed, stage = None, profile
    else:
        raise ConfigError(f"profile: expected a profile name, a Profile or {{metric: weight}}; got {profile!r}.")
    if fixed is not None:
        return {m: (stage, fixed) for m in prep.months}
    by_month: dict[str, pd.DataFrame] = {}
    if settings.weight_method in ("entropy", "blend"):
        by_month = {str(m): g for m, g in prep.frame.groupby("month", sort=False)}
    out = {}
    for m in prep.months:
        s = stage if stage is not None else profile_for(m, settings).stage
        out[m] = (s, method_weights(s, by_month.get(m), m, settings))
    return out
