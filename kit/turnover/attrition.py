"""The attrition data: staff-month features as of a month end, whether each person left within the
horizon (the rows :class:`kit.turnover.AttritionModel` learns from)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, InsufficientDataError
from kit.turnover.inputs import (DAYS_PER_MONTH, STAFF_COLUMNS, UNASSIGNED, as_of_date, check_kpi, check_staff,
                                 to_period)

#: Columns of the attrition frame that are not model features.
ATTRITION_META = ("staff_id", "name", "manager_id", "as_of", "horizon_months", "left_within_horizon",
                  "months_until_leaving", "label_observed")
#: Label column of the attrition frame.
ATTRITION_LABEL = "left_within_horizon"


def _extra_numeric(frame: pd.DataFrame) -> list[str]:
    """Numeric roster columns beyond the contract (base pay, weekend shifts …): extra model features."""
    return [c for c in frame.columns if c not in STAFF_COLUMNS and c not in ("staff_group",)
            and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            and not c.startswith("_")]


def _kpi_monthly(kpi: pd.DataFrame, volume_metric: str) -> pd.DataFrame:
    """Monthly achievement (actual ÷ target, capped 0–2) of the volume metric per person: staff_id, _p, _ach."""
    usable = kpi[(kpi["metric"] == volume_metric) & (kpi["target"] > 0) & kpi["actual"].notna()]
    ach = (usable["actual"] / usable["target"]).clip(0, 2)
    rows = usable.assign(_ach=ach, _p=pd.PeriodIndex(usable["period"], freq="M").asi8)
    return rows.groupby(["staff_id", "_p"], sort=False)["_ach"].mean().reset_index()


def _data_end(frame: pd.DataFrame, kpi: pd.DataFrame | None) -> pd.Timestamp:
    if kpi is not None and len(kpi):
        return kpi["period"].max().end_time.normalize()
    dates = pd.concat([frame["hire_date"], frame["leave_date"]]).dropna()
    return dates.max().to_period("M").end_time.normalize()


def build_attrition_frame(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    horizon_months: int = 6,
    bonus_gate: float = 0.60,
    volume_metric: str = "units_sold",
    observed_until: object = None,
) -> pd.DataFrame:
    """Staff-month features as of a month end, and whether each person left within the horizon.

    No look-ahead: only KPI months up to ``as_of`` and leave dates on or before its last day are used (a
    manager's later departure is unknown). ``manager_left_last_3_months`` looks at the manager's post (role and
    store), not only the named manager, because the roster names each person's latest manager (see
    :func:`_manager_left`). Extra numeric roster columns (``base_pay_cny``,
    ``weekend_shifts_per_month``, ``training_hours`` …) are taken as they are: the roster is a snapshot, so such
    a column must describe the person as of the roster date and is assumed stable.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster (``kit.schemas.STAFF``) and long KPI table (``kit.schemas.KPI``).
    as_of : month
        Month whose last day is the cut-off ('2026-10').
    horizon_months : int
        The label: leaves within this many months after the cut-off.
    bonus_gate : float
        Volume achievement below which a month counts as a missed gate.
    volume_metric : str
        KPI metric of the achievement features and the gate.
    observed_until : month or date, optional
        Last day the data is complete (default: the last KPI month's end). Labels whose horizon runs past it
        are unknown (NaN, ``label_observed`` False).

    Returns
    -------
    DataFrame
        One row per person employed at the cut-off: ``staff_id``, ``name`` (if present), ``manager_id``,
        ``as_of``, ``horizon_months``, ``store_id``, ``department``, ``role``, ``tenure_months``,
        ``tenure_under_6_months`` (0/1: within the longest probation period, 试用期),
        ``achievement_last_3_months`` (mean monthly achievement of ``volume_metric``, actual ÷ target capped
        at 2; NaN without KPI rows, e.g. staff outside sales), ``achievement_change`` (last 3 months minus the
        3 before; negative = falling; NaN unless employed since the first day of the 6-month window),
        ``gate_misses_last_6_months`` (months with achievement below ``bonus_gate``; NaN without KPI rows),
        ``manager_left_last_3_months`` (0/1), the extra numeric columns, then ``left_within_horizon`` (0/1, NaN when not observable),
        ``months_until_leaving`` (NaN if not leaving in the horizon) and ``label_observed``.
    """
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    return attrition_frame(frame, kpi_frame, as_of=as_of, horizon_months=horizon_months, bonus_gate=bonus_gate,
                            volume_metric=volume_metric, observed_until=observed_until)


def attrition_frame(frame: pd.DataFrame, kpi: pd.DataFrame, *, as_of: object, horizon_months: int,
                     bonus_gate: float, volume_metric: str, observed_until: object,
                     monthly: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    if isinstance(horizon_months, bool) or not isinstance(horizon_months, (int, np.integer)) or horizon_months < 1:
        raise ConfigError(f"horizon_months: expected a whole number ≥ 1; got {horizon_months!r}.")
    month = to_period(as_of, "M")
    cutoff = month.end_time.normalize()
    horizon_end = (month + int(horizon_months)).end_time.normalize()
    data_end = as_of_date(observed_until) if observed_until is not None else _data_end(frame, kpi)
    employed = (frame["hire_date"] <= cutoff) & (frame["leave_date"].isna() | (frame["leave_date"] > cutoff))
    people = frame[employed]
    out = pd.DataFrame({"staff_id": people["staff_id"].to_numpy()})
    if "name" in people.columns:
        out["name"] = people["name"].to_numpy()
    out["manager_id"] = people["manager_id"].to_numpy() if "manager_id" in people.columns else None
    out["as_of"] = str(month)
    out["horizon_months"] = int(horizon_months)
    for col in ("store_id", "department", "role"):
        values = people[col].astype(object)
        out[col] = values.where(values.notna(), UNASSIGNED).to_numpy()
    out["tenure_months"] = ((cutoff - people["hire_date"]).dt.days.to_numpy() + 1) / DAYS_PER_MONTH
    # Chinese labour contracts allow a probation period (试用期) of up to 6 months, when leaving is easiest
    out["tenure_under_6_months"] = (out["tenure_months"] < 6).astype(int)

    volume = monthly if monthly is not None else _kpi_monthly(kpi, volume_metric)
    m = month.ordinal

    def window_mean(table: pd.DataFrame, first: int, last: int) -> pd.Series:
        part = table[(table["_p"] >= first) & (table["_p"] <= last)]
        return part.groupby("staff_id")["_ach"].mean()

    last3 = window_mean(volume, m - 2, m)
    prev3 = window_mean(volume, m - 5, m - 3)
    person = out["staff_id"].astype(str)  # the checked kpi table holds staff ids as text
    out["achievement_last_3_months"] = person.map(last3).astype(float)
    change = (out["achievement_last_3_months"] - person.map(prev3)).astype(float)
    # a change means something only for someone employed through both windows: a newcomer's "rise" is the ramp-up
    settled = (people["hire_date"] <= (month - 5).start_time).to_numpy()
    out["achievement_change"] = change.where(settled)
    vol6 = volume[(volume["_p"] >= m - 5) & (volume["_p"] <= m)]
    misses = (vol6["_ach"] < bonus_gate).groupby(vol6["staff_id"]).sum()
    out["gate_misses_last_6_months"] = person.map(misses).astype(float)

    out["manager_left_last_3_months"] = _manager_left(frame, out["manager_id"], cutoff).to_numpy()
    for col in _extra_numeric(frame):
        out[col] = people[col].astype(float).to_numpy()

    leave = people["leave_date"].to_numpy("datetime64[ns]")
    leaves_in = ~np.isnat(leave) & (leave > cutoff.to_datetime64()) & (leave <= horizon_end.to_datetime64())
    observed = horizon_end <= data_end
    out["left_within_horizon"] = leaves_in.astype(float) if observed else np.nan
    until = (pd.Series(leave) - cutoff).dt.days.to_numpy() / DAYS_PER_MONTH
    out["months_until_leaving"] = np.where(leaves_in & observed, until, np.nan)
    out["label_observed"] = bool(observed)
    return out


def _manager_left(frame: pd.DataFrame, manager_ids: pd.Series, cutoff: pd.Timestamp) -> pd.Series:
    """1 when the line manager's post changed hands in the 3 months up to ``cutoff``, else 0.

    A roster records only each person's latest manager: a stayer's row already names the successor while a
    leaver's row still names the manager who left, so testing the named manager's own leave date would leak the
    outcome. Instead the post is identified by the named manager's role and store: the flag is set when anyone
    holding that role in that store left within (cutoff − 3 months, cutoff].
    """
    window_start = cutoff - pd.DateOffset(months=3)
    left = frame[(frame["leave_date"] > window_start) & (frame["leave_date"] <= cutoff)]
    posts_left = set(zip(left["role"].astype(str), left["store_id"].astype(str)))
    post_of = {sid: (str(role), str(store)) for sid, role, store in
               zip(frame["staff_id"], frame["role"], frame["store_id"])}
    flags = [int(post_of.get(mid) in posts_left) if mid is not None and not pd.isna(mid) else 0
             for mid in manager_ids]
    return pd.Series(flags, index=manager_ids.index, dtype=int)


def build_training_set(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of_months: Iterable[object],
    horizon_months: int = 6,
    bonus_gate: float = 0.60,
    volume_metric: str = "units_sold",
    observed_until: object = None,
) -> pd.DataFrame:
    """Stack :func:`build_attrition_frame` over several as-of months, keeping rows whose label is observed.

    Parameters
    ----------
    as_of_months : iterable of months
        E.g. ``pd.period_range("2024-01", "2025-12", freq="M")`` or a list of 'YYYY-MM'.
    observed_until : month or date, optional
        Last day of complete data (default: the last KPI month). Pass the report month to train without
        look-ahead when the tables run further.

    Raises
    ------
    InsufficientDataError
        No as-of month has an observable label.
    """
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    monthly = _kpi_monthly(kpi_frame, volume_metric)
    parts = []
    for month in as_of_months:
        part = attrition_frame(frame, kpi_frame, as_of=month, horizon_months=horizon_months,
                                bonus_gate=bonus_gate, volume_metric=volume_metric, observed_until=observed_until,
                                monthly=monthly)
        if part["label_observed"].all() and len(part):
            parts.append(part)
    if not parts:
        raise InsufficientDataError("no as-of month with a fully observed horizon: pick earlier as-of months or a "
                                    "shorter horizon.")
    return pd.concat(parts, ignore_index=True)


def attrition_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series | None]:
    """Split an attrition frame into features ``X`` and the label ``y`` (None when the label is unknown)."""
    X = frame.drop(columns=[c for c in ATTRITION_META if c in frame.columns])
    if ATTRITION_LABEL not in frame.columns or frame[ATTRITION_LABEL].isna().any():
        return X, None
    return X, frame[ATTRITION_LABEL].astype(int)


def with_kpi_history(months: pd.PeriodIndex, kpi: pd.DataFrame) -> pd.PeriodIndex:
    """The as-of months that already have 6 months of KPI history (all of them when there is no KPI table)."""
    return months[months >= kpi["period"].min() + 5] if len(kpi) else months


def training_as_of_months(as_of: object, *, horizon_months: int = 6, span_months: int = 36,
                          step_months: int | None = None) -> pd.PeriodIndex:
    """As-of months for training the at-risk model at ``as_of``, oldest first.

    The latest is ``as_of − horizon_months`` (its outcome window ends at ``as_of``); earlier ones go back every
    ``step_months`` (default: the horizon) within ``span_months``. With the step equal to the horizon the outcome
    windows do not overlap, so each leaver is a positive row once: with monthly steps a leaver would appear as
    six near-identical positive rows, and inner cross-validation, which splits rows and not people, would
    reward models that memorise people (on the sample dealership that cost 0.06 ROC AUC on later months).
    """
    step = int(step_months or horizon_months)
    if step < 1 or span_months < 1:
        raise ConfigError(f"step_months and span_months must be ≥ 1; got {step_months!r}, {span_months!r}.")
    last = to_period(as_of, "M") - int(horizon_months)
    months = [last - k for k in range(0, int(span_months), step)]
    return pd.PeriodIndex(sorted(months), freq="M")
