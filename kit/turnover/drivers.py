"""What drives leaving: a Cox model with time-varying covariates, as hazard ratios a manager can read."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.turnover.attrition import attrition_xy, build_training_set, training_as_of_months, with_kpi_history
from kit.turnover.inputs import DAYS_PER_MONTH, check_kpi, check_lang, check_staff, month_end
from kit.turnover.settings import TurnoverSettings

#: covariate -> (scale applied before fitting, English label, Chinese label)
_COX_TERMS: dict[str, tuple[float, str, str]] = {
    "tenure_months": (1 / 12, "tenure (per year)", "司龄（每增加1年）"),
    "tenure_under_6_months": (1.0, "tenure under 6 months (yes vs no)", "入职不满6个月（是 vs 否）"),
    "achievement_last_3_months": (10.0, "KPI achievement, last 3 months (per 10 pp)",
                                  "近3个月KPI达成率（每10个百分点）"),
    "achievement_change": (10.0, "change in KPI achievement, last 3 vs previous 3 months (per 10 pp)",
                           "KPI达成率变化（近3个月对比前3个月，每10个百分点）"),
    "gate_misses_last_6_months": (1.0, "months below the volume gate in the last 6 (per month)",
                                  "近6个月未达销量门槛的月数（每1个月）"),
    "manager_left_last_3_months": (1.0, "manager left in the last 3 months (yes vs no)",
                                   "近3个月直属上级离职（是 vs 否）"),
    "no_kpi_data": (1.0, "no KPI data (yes vs no)", "无KPI数据（是 vs 否）"),
    "weekend_shifts_per_month": (1.0, "weekend shifts a month (per shift)", "每月周末班次（每1次）"),
    "base_pay_cny": (1 / 1000, "base pay (per 1,000 CNY)", "底薪（每1000元）"),
    "training_hours": (1 / 10, "training hours (per 10 hours)", "培训时长（每10小时）"),
}


def _cox_design(training: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    X, _ = attrition_xy(training)
    design = pd.DataFrame(index=training.index)
    labels: dict[str, str] = {}
    zh = lang == "zh"
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])]
    if "achievement_last_3_months" in X.columns and X["achievement_last_3_months"].isna().any() and (
            "role" not in X.columns
            or X["achievement_last_3_months"].isna().groupby(X["role"].astype(str)).nunique().gt(1).any()):
        # an indicator for the rows without KPI data, unless it only repeats the role: the model is stratified by
        # role, so such an indicator would be constant within every stratum and could not be estimated
        design["no_kpi_data"] = X["achievement_last_3_months"].isna().astype(float)
        labels["no_kpi_data"] = _COX_TERMS["no_kpi_data"][2 if zh else 1]
    for col in numeric:
        values = X[col].astype(float)
        values = values.fillna(values.median() if values.notna().any() else 0.0)
        scale, en, cn = _COX_TERMS.get(col, (1.0, f"{col.replace('_', ' ')} (per unit)", f"{col}（每单位）"))
        if col.endswith("_cny") and col not in _COX_TERMS:
            scale, en, cn = 1 / 1000, f"{col[:-4].replace('_', ' ')} (per 1,000 CNY)", f"{col}（每1000元）"
        design[col] = values * scale
        labels[col] = cn if zh else en
    if "store_id" in X.columns:
        stores = X["store_id"].astype(str)
        base = stores.value_counts().index[0]
        for level in sorted(stores.unique()):
            if level != base:
                design[f"store_id={level}"] = (stores == level).astype(float)
                labels[f"store_id={level}"] = f"门店：{level}（对比{base}）" if zh else f"store: {level} (vs {base})"
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
    InsufficientDataError
        No month qualifies.
    """
    settings = settings or TurnoverSettings()
    if isinstance(span_months, bool) or not isinstance(span_months, (int, np.integer)) or span_months < 1:
        raise ConfigError(f"span_months: expected a whole number ≥ 1; got {span_months!r}.")
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    months = with_kpi_history(training_as_of_months(as_of, horizon_months=1, span_months=span_months,
                                                     step_months=1), kpi_frame)
    if len(months) == 0:
        raise InsufficientDataError(f"driver summary: no month with 6 months of KPI history before {as_of}.")
    return build_training_set(frame, kpi_frame, as_of_months=months, horizon_months=1,
                              bonus_gate=settings.bonus_gate, volume_metric=settings.volume_metric,
                              observed_until=month_end(as_of))


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
    if events < 5:
        raise InsufficientDataError(f"training: only {events} leavers; a Cox model needs at least 5.")
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
    words = {"en": ("raises risk", "lowers risk", "unclear"),
             "zh": ("提高离职风险", "降低离职风险", "不明确")}[lang]
    out["effect"] = np.select([out["ci_lower"] > 1, out["ci_upper"] < 1], words[:2], default=words[2])
    return out.sort_values("p_value", kind="stable").reset_index(drop=True)
