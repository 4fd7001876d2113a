"""Turnover rates (离职率): hires, leavers and headcounts per period and group, with each formula, and the
trailing-12-month rate.

For one period and group (docs/DOMAIN.md §4.1; boundary dates in docs/methods/turnover.md):

=====================  ==========================================================  ========================
column                 formula                                                     note
=====================  ==========================================================  ========================
rate_average_headcount leavers ÷ headcount_avg, headcount_avg = (start + end) ÷ 2  standard; can exceed 1
rate_start_plus_hires  leavers ÷ (headcount_start + hires)                         = leavers ÷ (leavers +
                                                                                   headcount_end); never > 1
rate_start_headcount   leavers ÷ headcount_start                                   monthly-trend variant
=====================  ==========================================================  ========================

``rate`` repeats the formula chosen in ``dealer.yml``. The trailing-12-month rate is computed both on the 12
months' totals with each formula and as the sum of the 12 monthly rates (SHRM); the two differ and are labelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.turnover.inputs import as_list, check_formula, check_freq, check_staff, group_keys, safe_divide, to_period
from kit.turnover.settings import ANNUAL_METHODS

_FAR_FUTURE = np.datetime64("2200-01-01", "ns")


def turnover_rates(
    staff: pd.DataFrame,
    *,
    freq: str = "M",
    by: str | Sequence[str] | None = None,
    formula: str = "average_headcount",
    start: object = None,
    end: object = None,
    levels: Mapping[str, Sequence[object]] | None = None,
) -> pd.DataFrame:
    """Hires, leavers, headcounts and turnover rates per period (and group).

    Parameters
    ----------
    staff : DataFrame
        Staff roster (``kit.schemas.STAFF``).
    freq : {"M", "Q", "Y"}
        Period length.
    by : str or list of str, optional
        Grouping columns of ``staff`` (``store_id``, ``department``, ``role`` …). Empty values become
        ``"unassigned"``.
    formula : str
        Formula copied into ``rate`` (see :data:`FORMULAS`); all three are returned in labelled columns.
    start, end : month or date, optional
        First and last period; default from the earliest hire to the latest hire or leave date.
    levels : mapping column -> values, optional
        Group values to show even without any staff (e.g. every store in ``dealer.yml``); with ``levels`` the
        groups are every combination of the listed and observed values.

    Returns
    -------
    DataFrame
        One row per period and group: ``period`` ('2026-10', '2026Q4' or '2026'), ``period_start``,
        ``period_end``, the group columns, ``headcount_start``, ``hires``, ``leavers``, ``leavers_voluntary``,
        ``leavers_involuntary``, ``headcount_end``, ``headcount_avg``, ``formula``, ``rate``, ``rate_voluntary``,
        ``rate_involuntary``, ``rate_average_headcount``, ``rate_start_plus_hires``, ``rate_start_headcount``,
        ``note`` (why a rate is NaN). Rates are fractions.
    """
    by_cols = as_list(by)
    frame = check_staff(staff, columns=by_cols)
    freq = check_freq(freq)
    formula = check_formula(formula)
    periods = _period_range(frame, freq, start, end)
    return rates_table(frame, periods, by_cols, formula, levels)


def _period_range(frame: pd.DataFrame, freq: str, start: object, end: object) -> pd.PeriodIndex:
    if start is None:
        if frame.empty:
            raise InsufficientDataError("staff: no rows; cannot choose a first period (pass start=).")
        start_p = frame["hire_date"].min().to_period(freq)
    else:
        start_p = to_period(start, freq)
    if end is None:
        if frame.empty:
            raise InsufficientDataError("staff: no rows; cannot choose a last period (pass end=).")
        latest = max(frame["hire_date"].max(), frame["leave_date"].max() if frame["leave_date"].notna().any()
                     else frame["hire_date"].max())
        end_p = latest.to_period(freq)
    else:
        end_p = to_period(end, freq)
    if end_p < start_p:
        raise ConfigError(f"end ({end_p}) is before start ({start_p}).")
    return pd.period_range(start_p, end_p, freq=freq)


def rates_table(frame: pd.DataFrame, periods: pd.PeriodIndex, by: list[str], formula: str,
                 levels: Mapping[str, Sequence[object]] | None) -> pd.DataFrame:
    p_start = periods.start_time.normalize().to_numpy("datetime64[ns]")
    p_end = periods.end_time.normalize().to_numpy("datetime64[ns]")
    hire = frame["hire_date"].to_numpy("datetime64[ns]")[:, None]
    leave = frame["leave_date"].to_numpy("datetime64[ns]").copy()
    leave[np.isnat(leave)] = _FAR_FUTURE
    leave = leave[:, None]
    voluntary = (frame["leave_type"] == "voluntary").to_numpy()[:, None]
    involuntary = (frame["leave_type"] == "involuntary").to_numpy()[:, None]
    counts = {
        "headcount_start": (hire < p_start) & (leave >= p_start),
        "hires": (hire >= p_start) & (hire <= p_end),
        "leavers": (leave >= p_start) & (leave <= p_end),
        "headcount_end": (hire <= p_end) & (leave > p_end),
    }
    counts["leavers_voluntary"] = counts["leavers"] & voluntary
    counts["leavers_involuntary"] = counts["leavers"] & involuntary

    if by:
        keys = group_keys(frame, by)
        observed = list(dict.fromkeys(map(tuple, keys.to_numpy().tolist())))
        if levels:
            unknown = [c for c in levels if c not in by]
            if unknown:
                raise ConfigError(f"levels: {unknown[0]!r} is not one of the by columns ({', '.join(by)}).")
            values = []
            for i, col in enumerate(by):
                seen = list(dict.fromkeys(k[i] for k in observed))
                listed = list(levels.get(col, []))
                values.append(list(dict.fromkeys([*listed, *seen])))
            groups = [tuple(g) for g in pd.MultiIndex.from_product(values).tolist()]
        else:
            groups = sorted(observed, key=lambda g: tuple(str(v) for v in g))
        member = {g: np.zeros(len(frame), dtype=bool) for g in groups}
        for pos, key in enumerate(map(tuple, keys.to_numpy().tolist())):
            member[key][pos] = True
    else:
        groups = [()]
        member = {(): np.ones(len(frame), dtype=bool)}

    parts = []
    for group in groups:
        rows = member[group]
        part = pd.DataFrame({
            "period": periods.astype(str),
            "period_start": periods.start_time.normalize(),
            "period_end": periods.end_time.normalize(),
        })
        for col, value in zip(by, group):
            part[col] = value
        for name, matrix in counts.items():
            part[name] = matrix[rows].sum(axis=0).astype(int)
        part["staff_in_group"] = int(rows.sum())
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    return _add_rates(table, formula)


def _add_rates(table: pd.DataFrame, formula: str) -> pd.DataFrame:
    out = table.copy()
    out["headcount_avg"] = (out["headcount_start"] + out["headcount_end"]) / 2
    denominators = {
        "average_headcount": out["headcount_avg"].to_numpy(float),
        "start_plus_hires": (out["headcount_start"] + out["hires"]).to_numpy(float),
        "start_headcount": out["headcount_start"].to_numpy(float),
    }
    for name, den in denominators.items():
        out[f"rate_{name}"] = safe_divide(out["leavers"], den)
    den = denominators[formula]
    out["formula"] = formula
    out["rate"] = out[f"rate_{formula}"]
    out["rate_voluntary"] = safe_divide(out["leavers_voluntary"], den)
    out["rate_involuntary"] = safe_divide(out["leavers_involuntary"], den)
    nobody = (out["headcount_start"] + out["hires"]) == 0
    no_staff = out.pop("staff_in_group") == 0
    out["note"] = np.select(
        [no_staff.to_numpy(), nobody.to_numpy(), den <= 0],
        ["no staff in this group: rates undefined",
         "nobody employed in this period: rates undefined",
         f"denominator of {formula} is 0: rate undefined"],
        default="",
    )
    order = ["period", "period_start", "period_end"]
    order += [c for c in out.columns if c not in _RATE_COLUMNS and c not in order]
    order += [c for c in _RATE_COLUMNS if c in out.columns]
    return out[order]


_RATE_COLUMNS = ("headcount_start", "hires", "leavers", "leavers_voluntary", "leavers_involuntary", "headcount_end",
                 "headcount_avg", "formula", "rate", "rate_voluntary", "rate_involuntary", "rate_average_headcount",
                 "rate_start_plus_hires", "rate_start_headcount", "note")


def group_columns(table: pd.DataFrame) -> list[str]:
    fixed = {"period", "period_start", "period_end", *_RATE_COLUMNS, *_TRAILING_COLUMNS, "target", "status",
             "target_scale"}
    return [c for c in table.columns if c not in fixed]


def trailing_rates(rates: pd.DataFrame, *, months: int = 12, annual: str = "annual_totals") -> pd.DataFrame:
    """Trailing-window (default 12-month) turnover from monthly :func:`turnover_rates` output.

    Parameters
    ----------
    rates : DataFrame
        Output of :func:`turnover_rates` with ``freq="M"`` (any ``by``).
    months : int
        Window length in months.
    annual : {"annual_totals", "sum_of_monthly"}
        Which version becomes the headline ``rate_trailing``.

    Returns
    -------
    DataFrame
        One row per month and group (the window ending in that month): ``period``, group columns,
        ``window_months``, ``months_in_window`` (fewer at the start of the data: rates NaN), ``headcount_start``
        (opening headcount of the window), ``hires``, ``leavers``, ``leavers_voluntary``, ``leavers_involuntary``,
        ``headcount_end``, ``headcount_avg`` (mean of the monthly average headcounts), the rate on the window's
        totals with each formula (``rate_trailing_average_headcount``, ``rate_trailing_start_plus_hires``,
        ``rate_trailing_start_headcount``), ``rate_trailing_sum_of_monthly`` (sum of the monthly ``rate`` values;
        months with a NaN rate and no leavers count 0), ``formula``, ``annual``, ``rate_trailing`` (the headline),
        ``rate_trailing_voluntary``, ``rate_trailing_involuntary`` and ``note``.
    """
    needed = {"period", "headcount_start", "hires", "leavers", "leavers_voluntary", "leavers_involuntary",
              "headcount_end", "headcount_avg", "rate", "formula"}
    missing = sorted(needed - set(rates.columns))
    if missing:
        raise DataContractError(f"rates: missing column(s) {', '.join(missing)}; expected turnover_rates() output.")
    if annual not in ANNUAL_METHODS:
        raise ConfigError(f"annual: expected one of {', '.join(ANNUAL_METHODS)}; got {annual!r}.")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ConfigError(f"months: expected a whole number ≥ 1; got {months!r}.")
    formulas = rates["formula"].dropna().unique()
    if len(formulas) != 1:
        raise DataContractError(f"rates: expected one formula; got {list(formulas)}.")
    formula = check_formula(str(formulas[0]))
    labels = rates["period"].astype(str)
    if not labels.str.fullmatch(r"\d{4}-\d{2}").all():
        raise DataContractError(f"rates: expected monthly periods such as 2026-10 (turnover_rates(freq='M')); got "
                                f"{labels.iloc[0]!r}.")
    try:
        periods = pd.PeriodIndex(labels, freq="M")
    except (ValueError, TypeError):
        raise DataContractError("rates: expected monthly periods such as 2026-10 (turnover_rates(freq='M')).") from None
    by = group_columns(rates)
    work = rates.assign(_p=periods.astype("int64")).sort_values([*by, "_p"]).reset_index(drop=True)
    grouped = work.groupby(by, sort=False, dropna=False) if by else None
    if grouped is not None:
        gaps = grouped["_p"].diff().dropna()
    else:
        gaps = work["_p"].diff().dropna()
    if (gaps != 1).any():
        raise DataContractError("rates: expected consecutive months in each group; some months are missing or "
                                "repeated.")

    def roll(col: str, how: str) -> pd.Series:
        series = work[col].astype(float)
        if grouped is None:
            r = series.rolling(months, min_periods=1)
            return getattr(r, how)()
        return series.groupby([work[c] for c in by], sort=False, dropna=False).transform(
            lambda s: getattr(s.rolling(months, min_periods=1), how)())

    def first_in_window(col: str) -> pd.Series:
        series = work[col].astype(float)
        if grouped is None:
            return series.shift(months - 1)
        return series.groupby([work[c] for c in by], sort=False, dropna=False).shift(months - 1)

    out = work[["period", *by]].copy()
    out["window_months"] = months
    out["months_in_window"] = roll("hires", "count").astype(int)
    out["headcount_start"] = first_in_window("headcount_start")
    for col in ("hires", "leavers", "leavers_voluntary", "leavers_involuntary"):
        out[col] = roll(col, "sum")
    out["headcount_end"] = work["headcount_end"].astype(float)
    out["headcount_avg"] = roll("headcount_avg", "mean")
    # a NaN monthly rate comes from a month without staff; with no leavers it contributes 0 to the sum
    monthly = work["rate"].astype(float).where(work["rate"].notna() | (work["leavers"] > 0), 0.0)
    work = work.assign(_monthly=monthly)
    summed = roll("_monthly", "sum")
    undefined_month = work["rate"].isna() & (work["leavers"] > 0)
    work = work.assign(_undefined=undefined_month.astype(float))
    summed = summed.where(roll("_undefined", "sum") == 0)
    summed = summed.where((out["headcount_avg"] > 0) | (out["hires"] > 0))  # nobody employed: undefined
    full = out["months_in_window"] >= months
    dens = {
        "average_headcount": out["headcount_avg"].to_numpy(float),
        "start_plus_hires": (out["headcount_start"] + out["hires"]).to_numpy(float),
        "start_headcount": out["headcount_start"].to_numpy(float),
    }
    for name, den in dens.items():
        out[f"rate_trailing_{name}"] = np.where(full, safe_divide(out["leavers"], den), np.nan)
    out["rate_trailing_sum_of_monthly"] = summed.where(full)
    out["formula"] = formula
    out["annual"] = annual
    headline = "rate_trailing_sum_of_monthly" if annual == "sum_of_monthly" else f"rate_trailing_{formula}"
    out["rate_trailing"] = out[headline]
    den = dens[formula]
    out["rate_trailing_voluntary"] = np.where(full, safe_divide(out["leavers_voluntary"], den), np.nan)
    out["rate_trailing_involuntary"] = np.where(full, safe_divide(out["leavers_involuntary"], den), np.nan)
    out["note"] = np.select(
        [~full.to_numpy(), np.isnan(out["rate_trailing"].to_numpy(float))],
        [out["months_in_window"].map(lambda k: f"only {k} of {months} months of history: rate not shown").to_numpy(),
         "nobody employed in the window: rate undefined"],
        default="",
    )
    order = work.sort_values(["_p", *by]).index
    return out.loc[order].reset_index(drop=True)


_TRAILING_COLUMNS = ("window_months", "months_in_window", "annual", "rate_trailing", "rate_trailing_voluntary",
                     "rate_trailing_involuntary", "rate_trailing_average_headcount", "rate_trailing_start_plus_hires",
                     "rate_trailing_start_headcount", "rate_trailing_sum_of_monthly")
