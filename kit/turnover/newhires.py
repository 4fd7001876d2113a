"""New-hire loss: the share of each hiring cohort lost within 90 days and within a year; the last 12 months' loss
for the advice and the quarters' table for the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError
from kit.i18n import t
from kit.turnover.inputs import (as_list, as_of_date, check_freq, check_lang, check_staff, group_keys, safe_divide,
                                 to_period)


def new_hire_loss(
    staff: pd.DataFrame,
    *,
    as_of: object,
    cohort: str = "Q",
    windows: Sequence[int] = (90, 365),
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Share of each hiring cohort who left within 90 days and within a year.

    A hire *left within w days* when ``leave_date < hire_date + w days`` (the hire date is day 1, so for a hire on
    2024-01-01 the 90-day window is 2024-01-01 … 2024-03-30). Only hires **observed for the full window** count:
    ``hire_date + (w - 1) days <= as_of``; leave dates after ``as_of`` are treated as unknown (still employed)
    and hires after ``as_of`` are left out.

    Parameters
    ----------
    staff : DataFrame
        Staff roster.
    as_of : month or date
        Cut-off ('2026-10' means 2026-10-31).
    cohort : {"M", "Q", "Y"}
        Cohort = the hire date's month, quarter or year.
    windows : sequence of int
        Windows in days.
    by : str or list of str, optional
        Extra grouping columns (``role`` …).

    Returns
    -------
    DataFrame
        Long, one row per cohort (and group) and window: ``cohort``, group columns, ``window_days``, ``hires``,
        ``hires_observed`` (hired long enough ago to be observed for the whole window), ``left_within_window``
        (among the observed), ``loss_rate`` (= left ÷ observed, NaN when none observed) and ``fully_observed``.
    """
    by_cols = as_list(by)
    frame = check_staff(staff, columns=by_cols)
    freq = check_freq(cohort)
    cutoff = as_of_date(as_of)
    if not windows or any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1 for w in windows):
        raise ConfigError(f"windows: expected whole numbers of days ≥ 1; got {windows!r}.")
    frame = frame[frame["hire_date"] <= cutoff].copy()
    frame.loc[frame["leave_date"] > cutoff, "leave_date"] = pd.NaT
    frame["cohort"] = frame["hire_date"].dt.to_period(freq).astype(str)
    keys = ["cohort", *by_cols]
    if by_cols:
        frame[by_cols] = group_keys(frame, by_cols)
    parts = []
    for w in windows:
        observed = frame["hire_date"] + pd.Timedelta(days=int(w) - 1) <= cutoff
        left = frame["leave_date"].notna() & (frame["leave_date"] < frame["hire_date"] + pd.Timedelta(days=int(w)))
        part = frame[keys].assign(window_days=int(w), hires=1, hires_observed=observed.astype(int),
                                  left_within_window=(observed & left).astype(int))
        parts.append(part)
    if not parts or frame.empty:
        return pd.DataFrame(columns=[*keys, "window_days", "hires", "hires_observed", "left_within_window",
                                     "loss_rate", "fully_observed"])
    long = pd.concat(parts, ignore_index=True)
    out = long.groupby([*keys, "window_days"], dropna=False, sort=True)[
        ["hires", "hires_observed", "left_within_window"]].sum().reset_index()
    out["loss_rate"] = safe_divide(out["left_within_window"], out["hires_observed"])
    out["fully_observed"] = out["hires_observed"] == out["hires"]
    return out


@dataclass(frozen=True)
class NewHireLoss:
    """Hires of the ``months`` months to ``month`` observed for ``window_days`` days, and how many of them left
    within the window (:func:`recent_new_hire_loss`); ``rate`` is NaN when none could be observed yet."""

    month: str
    months: int
    window_days: int
    hires: int
    observed: int
    left: int
    rate: float


def recent_new_hire_loss(staff: pd.DataFrame, *, as_of: object, months: int = 12,
                         window_days: int = 90) -> NewHireLoss:
    """New-hire loss of the last ``months`` hiring months (the report month included), from :func:`new_hire_loss`
    by hiring month: only hires observed for the whole window count."""
    month = to_period(as_of, "M")
    loss = new_hire_loss(staff, as_of=month, cohort="M", windows=(window_days,))
    recent = loss[pd.PeriodIndex(loss["cohort"], freq="M") > month - int(months)] if len(loss) else loss
    observed, left = int(recent["hires_observed"].sum()), int(recent["left_within_window"].sum())
    return NewHireLoss(month=str(month), months=int(months), window_days=int(window_days),
                       hires=int(recent["hires"].sum()), observed=observed, left=left,
                       rate=left / observed if observed else float("nan"))


def new_hire_table(staff: pd.DataFrame, *, as_of: object, lang: str = "en", quarters: int = 12) -> pd.DataFrame:
    """The last ``quarters`` hiring quarters in the report's language: ``hire_cohort``, ``cohort_hires``,
    ``observed_90d``, ``loss_90d_rate``, ``observed_365d``, ``loss_365d_rate`` (NaN while nobody of the quarter
    has been here the whole window)."""
    check_lang(lang)
    loss = new_hire_loss(staff, as_of=as_of, cohort="Q", windows=(90, 365))
    wide = loss.pivot_table(index="cohort", columns="window_days", values=["hires", "hires_observed", "loss_rate"],
                            aggfunc="first", dropna=False).tail(int(quarters))
    quarter = pd.PeriodIndex(wide.index, freq="Q")
    return pd.DataFrame({
        "hire_cohort": [t("turnover.quarter", lang, year=q.year, quarter=q.quarter) for q in quarter],
        "cohort_hires": wide[("hires", 90)].astype(int).to_numpy(),
        "observed_90d": wide[("hires_observed", 90)].astype(int).to_numpy(),
        "loss_90d_rate": wide[("loss_rate", 90)].astype(float).to_numpy(),
        "observed_365d": wide[("hires_observed", 365)].astype(int).to_numpy(),
        "loss_365d_rate": wide[("loss_rate", 365)].astype(float).to_numpy(),
    })
