"""What drives leaving: a Cox model with time-varying covariates, as hazard ratios a manager can read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.i18n import t
from kit.turnover.attrition import attrition_xy, build_training_set, training_as_of_months, with_kpi_history
from kit.turnover.inputs import (DAYS_PER_MONTH, TooLittleHistory, check_kpi, check_lang, check_staff, month_end,
                                 to_period)
from kit.turnover.reasons import feature_name
from kit.turnover.settings import TurnoverSettings

#: Leavers the Cox model needs.
MIN_EVENTS = 5
#: covariate -> scale applied before fitting (readable units); the names are ``turnover.driver.<covariate>``
_COX_SCALES: dict[str, float] = {
    "tenure_months": 1 / 12, "tenure_under_6_months": 1.0, "achievement_last_3_months": 10.0,
    "achievement_change": 10.0, "gate_misses_last_6_months": 1.0, "manager_left_last_3_months": 1.0,
    "no_kpi_data": 1.0, "weekend_shifts_per_month": 1.0, "base_pay_cny": 1 / 1000, "training_hours": 1 / 10,
}


def _driver_name(column: str, lang: str) -> tuple[float, str]:
    """Scale and display name of a covariate: known ones from the catalog, a dealer's own column by its words."""
    if column in _COX_SCALES:
        return _COX_SCALES[column], t(f"turnover.driver.{column}", lang)
    if column.endswith("_cny"):
        return 1 / 1000, t("turnover.driver.per_1000_cny", lang, name=feature_name(column[:-4], lang))
    return 1.0, t("turnover.driver.per_unit", lang, name=feature_name(column, lang))


def _cox_design(training: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    X, _ = attrition_xy(training)
    design = pd.DataFrame(index=training.index)
    labels: dict[str, str] = {}
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    if "achievement_last_3_months" in X.columns and X["achievement_last_3_months"].isna().any() and (
            "role" not in X.columns
            or X["achievement_last_3_months"].isna().groupby(X["role"].astype(str)).nunique().gt(1).any()):
        # an indicator for the rows without KPI data, unless it only repeats the role: the model is stratified by
        # role, so such an indicator would be constant within every stratum and could not be estimated
        design["no_kpi_data"] = X["achievement_last_3_months"].isna().astype(float)
        labels["no_kpi_data"] = _driver_name("no_kpi_data", lang)[1]
    for col in numeric:
        values = X[col].astype(float)
        values = values.fillna(values.median() if values.notna().any() else 0.0)
        scale, labels[col] = _driver_name(col, lang)
        design[col] = values * scale
    if "store_id" in X.columns:
        stores = X["store_id"].astype(str)
        base = stores.value_counts().index[0]
        for level in sorted(stores.unique()):
            if level != base:
                design[f"store_id={level}"] = (stores == level).astype(float)
                labels[f"store_id={level}"] = t("turnover.driver.store", lang, store=level, base=base)
    keep = [c for c in design.columns if design[c].nunique() > 1]
    return design[keep], {k: labels[k] for k in keep}


def driver_training_set(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    settings: TurnoverSettings | None = None,
    span_months: int = 36,
) -> pd.DataFrame:
    """Monthly staff-months for :func:`attrition_drivers`: everyone employed at each month end, leaving next month?

    As-of months run from ``as_of − span_months`` to ``as_of − 1`` (months before the KPI history has 6 months
    are skipped); each row's outcome is leaving within the following month, read only from data up to ``as_of``.

    Raises
    ------
    TooLittleHistory
        No month qualifies (an :class:`~kit.exceptions.InsufficientDataError` with the sentence to show).
    """
    settings = settings or TurnoverSettings()
    if isinstance(span_months, bool) or not isinstance(span_months, (int, np.integer)) or span_months < 1:
        raise ConfigError(f"span_months: expected a whole number ≥ 1; got {span_months!r}.")
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    months = with_kpi_history(training_as_of_months(as_of, horizon_months=1, span_months=span_months,
                                                     step_months=1), kpi_frame)
    no_history = TooLittleHistory(f"driver summary: no month with 6 months of KPI history before {as_of}.",
                                  key="turnover.drivers.no_history")
    if len(months) == 0:
        raise no_history
    try:
        return build_training_set(frame, kpi_frame, as_of_months=months, horizon_months=1,
                                  bonus_gate=settings.bonus_gate, volume_metric=settings.volume_metric,
                                  observed_until=month_end(as_of))
    except InsufficientDataError:
        raise no_history from None


def _counting_process(training: pd.DataFrame) -> pd.DataFrame:
    """(start, stop] in months since the first as-of month end, and the event, one interval per row.

    A row covers the months until the same people are measured again (the step between as-of months, at most the
    horizon), or until the person leaves: the intervals of one person never overlap, so each leaver has one event.
    """
    periods = pd.PeriodIndex(training["as_of"].astype(str), freq="M")
    ordinals = np.unique(periods.asi8)
    gaps = np.diff(ordinals)
    horizon = int(training["horizon_months"].max())
    step = int(min(gaps.min(), horizon)) if len(gaps) else horizon
    month_end = periods.to_timestamp(how="end").normalize()
    origin = month_end.min()
    start = np.asarray((month_end - origin).days, dtype=float) / DAYS_PER_MONTH
    length = np.asarray(((periods + step).to_timestamp(how="end").normalize() - month_end).days,
                        dtype=float) / DAYS_PER_MONTH
    until = training["months_until_leaving"].to_numpy(float)
    event = ~np.isnan(until) & (until <= length + 1e-9)
    stop = start + np.where(event, np.clip(until, 1e-3, None), length)
    return pd.DataFrame({"_start": start, "_stop": stop, "_event": event.astype(int)}, index=training.index)


def attrition_drivers(
    training: pd.DataFrame,
    *,
    penalizer: float = 0.001,
    alpha: float = 0.05,
    lang: str = "en",
) -> pd.DataFrame:
    """Cox driver summary with time-varying covariates: hazard ratios of leaving, with confidence intervals.

    The KPI features change every month and their effect on leaving is short-lived (a missed gate is felt in the
    next pay slip), so each staff-month is one interval of a counting-process Cox model (Andersen–Gill; lifelines'
    ``CoxTimeVaryingFitter``, calendar time): the covariates measured at an as-of month end apply until the same
    people are measured again (monthly rows from :func:`driver_training_set`: one month) or until the person
    leaves. A hazard ratio of 2 doubles the monthly chance of leaving. Intervals of one person never overlap,
    so the usual standard errors hold. Covariates are scaled to readable units (tenure per year, KPI achievement
    per 10 percentage points, …); missing KPI values take the median plus a ``no_kpi_data`` indicator (left out when it
    would only repeat the roles); ``store_id`` is compared with its most common level. The model is stratified
    by ``role``: each role keeps its own baseline monthly hazard (the rates by role are in the headline tables),
    so a role where nobody left cannot break the fit, and the drivers are compared within roles. A tiny ridge
    ``penalizer`` keeps the fit defined on small rosters (a driver that never varies among leavers); lifelines
    standardises the covariates and multiplies the penalty by the number of rows, so
    a larger value (0.05) shrinks the ratios towards 1 noticeably on a few thousand staff-months.

    Parameters
    ----------
    training : DataFrame
        Output of :func:`driver_training_set` (or :func:`build_training_set`: rows every ``step`` months are
        followed for ``min(step, horizon)`` months, which blurs short-lived effects).
    penalizer : float
        lifelines' L2 penalizer.
    alpha : float
        1 − confidence level.
    lang : {"en", "zh"}
        Language of the ``driver`` labels.

    Returns
    -------
    DataFrame
        One row per covariate, most significant first: ``driver`` (readable label with its unit),
        ``covariate``, ``hazard_ratio``, ``ci_lower``, ``ci_upper``, ``p_value`` and ``effect`` (``raises risk``,
        ``lowers risk`` or ``unclear`` when the interval contains 1; Chinese with ``lang="zh"``).
    """
    from lifelines import CoxTimeVaryingFitter

    check_lang(lang)
    needed = {"staff_id", "as_of", "left_within_horizon", "months_until_leaving", "horizon_months"}
    missing = sorted(needed - set(training.columns))
    if missing:
        raise DataContractError(f"training: missing column(s) {', '.join(missing)}; expected driver_training_set() "
                                f"output.")
    if training["left_within_horizon"].isna().any():
        raise DataContractError("training: some labels are unknown (left_within_horizon empty); use "
                                "driver_training_set(), which keeps observed labels only.")
    training = training.reset_index(drop=True)
    if training.duplicated(["staff_id", "as_of"]).any():
        raise DataContractError("training: a staff_id appears twice in one as-of month; pass one roster's rows.")
    intervals = _counting_process(training)
    events = int(intervals["_event"].sum())
    if events < MIN_EVENTS:
        raise TooLittleHistory(f"training: only {events} leavers; a Cox model needs at least {MIN_EVENTS}.",
                               key="turnover.drivers.few_leavers", leavers=events)
    design, labels = _cox_design(training, lang)
    data = design.join(intervals).assign(_id=training["staff_id"].astype(str))
    strata = None
    if "role" in training.columns:
        data["_role"] = training["role"].astype(str)
        strata = ["_role"]
    ctv = CoxTimeVaryingFitter(penalizer=penalizer, alpha=alpha)
    ctv.fit(data, id_col="_id", event_col="_event", start_col="_start", stop_col="_stop", strata=strata)
    summary = ctv.summary
    lower_col = [c for c in summary.columns if c.startswith("exp(coef) lower")][0]
    upper_col = [c for c in summary.columns if c.startswith("exp(coef) upper")][0]
    out = pd.DataFrame({
        "driver": [labels[c] for c in summary.index],
        "covariate": list(summary.index),
        "hazard_ratio": summary["exp(coef)"].to_numpy(float),
        "ci_lower": summary[lower_col].to_numpy(float),
        "ci_upper": summary[upper_col].to_numpy(float),
        "p_value": summary["p"].to_numpy(float),
    })
    words = [t(f"turnover.effect.{w}", lang) for w in ("raises", "lowers", "unclear")]
    out["effect"] = np.select([out["ci_lower"] > 1, out["ci_upper"] < 1], words[:2], default=words[2])
    return out.sort_values("p_value", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class DriverSummary:
    """What goes with leaving, as the analyst appendix shows it (:func:`driver_summary`).

    ``table`` is :func:`attrition_drivers` in the report's language (``driver_name``, ``hazard_ratio``,
    ``hazard_low``, ``hazard_high``, ``p_value``, ``driver_effect``), empty when ``note`` says why there is none;
    ``drivers`` the same rows with codes (``covariate``).
    """

    table: pd.DataFrame
    drivers: pd.DataFrame
    note: str | None
    caption: str


def driver_summary(staff: pd.DataFrame, kpi: pd.DataFrame, *, as_of: object,
                   settings: TurnoverSettings | None = None, span_months: int = 36,
                   lang: str = "en") -> DriverSummary:
    """:func:`driver_training_set` and :func:`attrition_drivers` for the report: with too little history the
    result holds the sentence to show instead (``note``) and an empty table."""
    check_lang(lang)
    caption = t("turnover.drivers.caption", lang, months=span_months)
    columns = ["driver_name", "hazard_ratio", "hazard_low", "hazard_high", "p_value", "driver_effect"]
    try:
        drivers = attrition_drivers(driver_training_set(staff, kpi, as_of=str(to_period(as_of, "M")),
                                                        settings=settings, span_months=span_months), lang=lang)
    except TooLittleHistory as why:
        return DriverSummary(table=pd.DataFrame(columns=columns), drivers=pd.DataFrame(),
                             note=t(why.key, lang, **why.fields), caption=caption)
    table = drivers.rename(columns={"driver": "driver_name", "ci_lower": "hazard_low", "ci_upper": "hazard_high",
                                    "effect": "driver_effect"})[columns]
    return DriverSummary(table=table, drivers=drivers, note=None, caption=caption)
