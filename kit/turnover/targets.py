"""Turnover against its targets: the target of each group, its status, key staff, and the month's headline table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.turnover.inputs import PERIODS_PER_YEAR, safe_divide, to_period, word
from kit.turnover.rates import group_columns, trailing_rates, turnover_rates
from kit.turnover.settings import TurnoverSettings


def label_staff_group(staff: pd.DataFrame, settings: TurnoverSettings | None = None) -> pd.DataFrame:
    """Copy of ``staff`` with ``staff_group`` (``"key_staff"`` for a key role, else ``"other_staff"``) and
    ``role_group`` (see :func:`role_group_of`).

    Use it as ``turnover_rates(label_staff_group(staff, settings), by="staff_group")`` for the key-staff rate.
    """
    settings = settings or TurnoverSettings()
    out = staff.copy()
    roles = out["role"].astype(object)
    out["staff_group"] = np.where(roles.isin(settings.key_roles), "key_staff", "other_staff")
    out["role_group"] = [role_group_of(r, settings) for r in roles]
    return out


def own_target_roles(settings: TurnoverSettings) -> tuple[str, ...]:
    """Roles with a target of their own that are not key roles (``sales_consultant``, ``dcc_specialist`` by
    default): the high-turnover front line, shown apart from the rest in the charts and the retention table."""
    return tuple(r for r in settings.annual_targets if r != "default" and r not in settings.key_roles)


def role_group_of(role: object, settings: TurnoverSettings) -> str:
    """The turnover role group of a role: the role itself when it has a target of its own
    (:func:`own_target_roles`), else ``key_staff`` for key roles and ``other_staff`` for the rest."""
    if role in own_target_roles(settings):
        return str(role)
    return "key_staff" if role in settings.key_roles else "other_staff"


def compare_with_targets(
    table: pd.DataFrame,
    settings: TurnoverSettings | None = None,
    *,
    staff: pd.DataFrame | None = None,
    rate_column: str | None = None,
) -> pd.DataFrame:
    """Add the target and a status to a rates table (monthly or trailing).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`turnover_rates` or :func:`trailing_rates`.
    settings : TurnoverSettings, optional
        Targets and thresholds; defaults when None.
    staff : DataFrame, optional
        The roster. For groups that mix roles (a store, a department, everyone) the target is the
        headcount-weighted mean of the role targets in that group and period (``headcount_avg`` weights); without
        ``staff`` such groups get the ``default`` target. Groups by ``role`` use the role's target; key staff
        as a group (``staff_group`` or ``role_group`` ``key_staff``, :func:`label_staff_group`) always get
        ``key_staff_target``, the configured ceiling.
    rate_column : str, optional
        ``rate_trailing`` when present, else ``rate``.

    Returns
    -------
    DataFrame
        A copy with ``target_annual``, ``target`` (on the rate's scale: the annual target ÷ 12 for a monthly rate,
        ÷ 4 for a quarterly one) and ``status``: ``within target`` (rate < target × warning_ratio),
        ``above target``, ``alert`` (rate ≥ target × alert_ratio) or ``no rate``.
    """
    settings = settings or TurnoverSettings()
    if rate_column is None:
        rate_column = "rate_trailing" if "rate_trailing" in table.columns else "rate"
    if rate_column not in table.columns:
        raise DataContractError(f"table: no column {rate_column!r}; expected turnover_rates()/trailing_rates() output.")
    out = table.copy()
    by = group_columns(out)
    if rate_column.startswith("rate_trailing"):
        per_year = 1.0
    else:
        sample = str(out["period"].iloc[0]) if len(out) else "2000-01"
        per_year = float(PERIODS_PER_YEAR["Q" if "Q" in sample else "Y" if len(sample) == 4 else "M"])
    if "role" in by:
        annual = out["role"].map(settings.target_for).astype(float)
    elif staff is not None:
        annual = _mixed_targets(out, settings, staff, by)
    elif "role_group" in by:  # a role of its own has its target; the two remaining groups are mixed
        annual = out["role_group"].map(lambda g: settings.target_for(
            "default" if g in ("key_staff", "other_staff") else g)).astype(float)
    else:
        annual = pd.Series(settings.target_for("default"), index=out.index, dtype=float)
    for col in ("staff_group", "role_group"):
        if col in by:  # key staff as a group: the configured ceiling ("lose no more than 10 % a year")
            annual = annual.where(out[col] != "key_staff", settings.key_staff_target)
    out["target_annual"] = annual.to_numpy(float)
    out["target"] = out["target_annual"] / per_year
    rate = out[rate_column].astype(float)
    out["status"] = np.select(
        [rate.isna().to_numpy(), (rate >= out["target"] * settings.alert_ratio).to_numpy(),
         (rate >= out["target"] * settings.warning_ratio).to_numpy()],
        ["no rate", "alert", "above target"], default="within target")
    return out


def _mixed_targets(table: pd.DataFrame, settings: TurnoverSettings, staff: pd.DataFrame,
                   by: list[str]) -> pd.Series:
    roster = staff if "staff_group" not in by or "staff_group" in staff.columns else label_staff_group(
        staff, settings)
    periods = table["period"].astype(str)
    freq = "Q" if periods.str.contains("Q").any() else "Y" if (periods.str.len() == 4).all() else "M"
    mix = turnover_rates(roster, freq=freq, by=[*by, "role"], start=periods.min(), end=periods.max())
    mix = mix.assign(_target=mix["role"].map(settings.target_for).astype(float),
                     _weight=mix["headcount_avg"].astype(float))
    mix["_weighted"] = mix["_target"] * mix["_weight"]
    agg = mix.groupby(["period", *by], dropna=False)[["_weighted", "_weight"]].sum().reset_index()
    agg["_mixed"] = safe_divide(agg["_weighted"], agg["_weight"])
    keyed = table[["period", *by]].astype(object).merge(agg[["period", *by, "_mixed"]].astype(
        {c: object for c in ["period", *by]}), on=["period", *by], how="left")
    return keyed["_mixed"].fillna(settings.target_for("default")).set_axis(table.index)


def rates_by(staff: pd.DataFrame, month: object, settings: TurnoverSettings | None = None, *,
             by: str | None = None, months: int = 36,
             levels: Mapping[str, Sequence[object]] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly rates and trailing-12-month rates with targets for one grouping, ``months`` months to ``month``.

    ``staff`` may already carry ``staff_group`` / ``role_group`` (:func:`label_staff_group`); they are added
    otherwise. Returns ``(monthly, trailing)``: :func:`turnover_rates` and :func:`compare_with_targets` of
    :func:`trailing_rates`, with the formula and annual method of ``settings``.
    """
    settings = settings or TurnoverSettings.defaults()
    period = to_period(month, "M")
    frame = staff if {"staff_group", "role_group"} <= set(staff.columns) else label_staff_group(staff, settings)
    start = str(period - max(int(months), 12) + 1)
    keep = {k: v for k, v in (levels or {}).items() if k == by} or None
    monthly = turnover_rates(frame, by=by, start=start, end=str(period), formula=settings.formula, levels=keep)
    trailing = compare_with_targets(trailing_rates(monthly, annual=settings.annual), settings, staff=frame)
    return monthly, trailing


def month_rows(monthly: pd.DataFrame, trailing: pd.DataFrame, month: object, *, by: str | None = None,
               listed: Sequence[object] = ()) -> pd.DataFrame:
    """One row per group for ``month`` from :func:`rates_by` output, in codes (``group`` ``all_staff`` for
    everyone); groups with nobody employed and nobody leaving in the last year are left out unless ``listed``."""
    period = str(to_period(month, "M"))
    m = monthly[monthly["period"] == period].reset_index(drop=True)
    t = trailing[trailing["period"] == period].reset_index(drop=True)
    group = t[by].astype(object) if by else pd.Series(["all_staff"] * len(t), dtype=object)
    part = pd.DataFrame({
        "dimension": by or "all", "group": group, "headcount": m["headcount_end"], "hires": m["hires"],
        "leavers": m["leavers"], "voluntary": m["leavers_voluntary"], "involuntary": m["leavers_involuntary"],
        "rate_month": m["rate"], "hires_12m": t["hires"], "leavers_12m": t["leavers"],
        "voluntary_12m": t["leavers_voluntary"], "headcount_avg_12m": t["headcount_avg"],
        "rate_12m": t["rate_trailing"], "rate_12m_voluntary": t["rate_trailing_voluntary"],
        "target": t["target_annual"], "status": t["status"]})
    keep = (part["headcount"].fillna(0) + part["leavers_12m"].fillna(0) > 0) | group.isin(list(listed))
    return part[keep.to_numpy()].reset_index(drop=True)


def headline_table(staff: pd.DataFrame, month: object, settings: TurnoverSettings | None = None, *,
                   months: int = 36, levels: Mapping[str, Sequence[object]] | None = None,
                   dimensions: Sequence[str | None] = (None, "staff_group", "store_id", "department", "role"),
                   lang: str = "en") -> pd.DataFrame:
    """The month at a glance: per group, headcount, hires, leavers (voluntary and involuntary), the month's rate and
    the trailing-12-month rate against the annual target.

    Parameters
    ----------
    staff : DataFrame
        Staff roster (``kit.schemas.STAFF``).
    month : str or Period
        The report month, ``'2026-10'``.
    settings : TurnoverSettings, optional
        Formula, annual method and targets.
    months : int
        History used for the trailing rates (at least 12).
    levels : mapping, optional
        Groups to show even without staff, e.g. ``{"store_id": ["S1", "S2", "S3"]}`` (passed to
        :func:`turnover_rates`).
    dimensions : sequence
        Grouping columns, in display order; ``None`` is the whole staff and ``staff_group`` key vs other staff.
    lang : "en" or "zh"
        Language of the group names and statuses (the display catalog).

    Returns
    -------
    DataFrame
        :func:`month_rows` per dimension, with ``group`` and ``status`` in words, the codes kept as
        ``group_code`` and ``status_code``, and ``alert`` (status ``alert``).
    """
    settings = settings or TurnoverSettings.defaults()
    frame = label_staff_group(staff, settings)
    rows = []
    for by in dimensions:
        monthly, trailing = rates_by(frame, month, settings, by=by, months=months, levels=levels)
        rows.append(month_rows(monthly, trailing, month, by=by, listed=(levels or {}).get(by, []) if by else ()))
    out = pd.concat(rows, ignore_index=True)
    return in_words(out, lang)


def in_words(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`month_rows` output with ``group`` and ``status`` in ``lang`` (codes kept in ``group_code`` and
    ``status_code``) and ``alert``."""
    out = rows.rename(columns={"group": "group_code", "status": "status_code"})
    out.insert(out.columns.get_loc("group_code"), "group", out["group_code"].map(lambda v: word(v, lang)))
    out.insert(out.columns.get_loc("status_code"), "status", out["status_code"].map(lambda v: word(v, lang)))
    out["alert"] = out["status_code"] == "alert"
    return out
