"""Turnover against its targets: the target of each group, its status, key staff, and the month's headline table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.i18n import label
from kit.turnover.inputs import PERIODS_PER_YEAR, safe_divide, to_period
from kit.turnover.rates import group_columns, trailing_rates, turnover_rates
from kit.turnover.settings import TurnoverSettings


def label_staff_group(staff: pd.DataFrame, settings: TurnoverSettings | None = None) -> pd.DataFrame:
    """Copy of ``staff`` with ``staff_group`` = ``"key_staff"`` (a key role) or ``"other_staff"``.

    Use it as ``turnover_rates(label_staff_group(staff, settings), by="staff_group")`` for the key-staff rate.
    """
    settings = settings or TurnoverSettings()
    out = staff.copy()
    out["staff_group"] = np.where(out["role"].astype(object).isin(settings.key_roles), "key_staff", "other_staff")
    return out


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
        ``staff`` such groups get the ``default`` target. Groups by ``role`` use the role's target;
        ``staff_group`` groups (:func:`label_staff_group`) use ``key_staff_target`` for key staff.
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
    elif "staff_group" in by:
        annual = np.where(out["staff_group"] == "key_staff", settings.key_staff_target,
                          settings.target_for("default"))
        annual = pd.Series(annual, index=out.index, dtype=float)
    else:
        annual = pd.Series(settings.target_for("default"), index=out.index, dtype=float)
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
        Language of the group names.

    Returns
    -------
    DataFrame
        ``dimension, group, headcount, hires, leavers, voluntary, involuntary, rate_month, leavers_12m, rate_12m,
        rate_12m_voluntary, target, status, alert``; groups with nobody employed and nobody leaving in the last year
        are left out unless listed in ``levels``.
    """
    settings = settings or TurnoverSettings.defaults()
    period = to_period(month, "M")
    frame = label_staff_group(staff, settings)
    start = str(period - max(int(months), 12) + 1)
    rows = []
    for by in dimensions:
        keep = {k: v for k, v in (levels or {}).items() if k == by} or None
        rates = turnover_rates(frame, by=by, start=start, end=str(period), formula=settings.formula, levels=keep)
        trailing = compare_with_targets(trailing_rates(rates, annual=settings.annual), settings, staff=frame)
        m = rates[rates["period"] == str(period)].reset_index(drop=True)
        t = trailing[trailing["period"] == str(period)].reset_index(drop=True)
        if by:
            group = t[by].map(lambda v: label(v, lang))
        else:
            group = pd.Series(["All staff" if lang != "zh" else "全体员工"] * len(t))
        listed = t[by].isin(list((levels or {}).get(by, []))) if by else pd.Series(True, index=t.index)
        part = pd.DataFrame({
            "dimension": by or "all", "group": group, "headcount": m["headcount_end"], "hires": m["hires"],
            "leavers": m["leavers"], "voluntary": m["leavers_voluntary"], "involuntary": m["leavers_involuntary"],
            "rate_month": m["rate"], "leavers_12m": t["leavers"], "rate_12m": t["rate_trailing"],
            "rate_12m_voluntary": t["rate_trailing_voluntary"], "target": t["target_annual"],
            "status": t["status"].map(lambda v: label(v, lang)),
            "alert": t["status"] == "alert"})
        active = part["headcount"].fillna(0) + part["leavers_12m"].fillna(0) > 0
        rows.append(part[active | listed.to_numpy()])
    return pd.concat(rows, ignore_index=True)
