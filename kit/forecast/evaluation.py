"""Rolling-origin backtests of the forecast methods: accuracy, bias, interval coverage, cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError
from kit.forecast.data import _check_horizon, _check_levels, _check_season, _clean_series, _Panel, \
    _trim_leading_zeros
from kit.forecast.engine import DEFAULT_MEMBERS, INTERMITTENT_MEMBERS, MEMBERS, SERIES_CLASSES, \
    _SLOW_INTERVAL_MEMBERS, _check_method, _combine, _member_sets, _method_label, _run, _spec_members
from kit.forecast.metrics import _scale_for_mase, king_long_score


def backtest(df: pd.DataFrame, h: int, *, windows: int = 12, methods: Sequence[Any] | None = None,
             season_length: int = 12, level: Sequence[float] = (80, 95), spring_festival: bool = True,
             fill_missing: bool = False) -> pd.DataFrame:
    """Rolling-origin backtest: errors per series and overall, for seasonal naive, each member and the ensemble.

    Forecast origins are the ``windows`` months ending ``h`` months before the last month of the data; from each
    origin every method forecasts ``h`` months on the data up to it, exactly as :func:`forecast` would.

    Parameters
    ----------
    df : DataFrame
        Long series frame ``unique_id, ds, y``.
    h : int
        Months forecast from each origin.
    windows : int, default 12
        Number of forecast origins, one month apart.
    methods : sequence, optional
        Methods as in :func:`forecast` (``"auto"``, member names, lists of members). Default: seasonal naive, the
        members of the auto ensemble and ``"auto"``. Seasonal naive (never festival-adjusted) is always
        included; with ``spring_festival`` the ensemble is also scored without the adjustment.
    season_length, level, spring_festival, fill_missing
        As in :func:`forecast`.

    Returns
    -------
    DataFrame
        One row per scope (``overall`` first, then ``series``), series and method: ``scope, unique_id`` (empty
        for overall), ``method, spring_festival_adjusted, n_forecasts, mase`` (mean absolute error ÷ in-sample
        seasonal-naive error since the first sale, lag 1 under 13 months, empty when that error is 0; overall:
        mean over series), ``smape_pct, bias_units`` (mean forecast − actual),
        ``bias_pct`` (total error ÷ total actual), ``mape_pct`` (King Long: mean |F − A| ÷ A over months with
        A > 0; overall: mean over series), ``king_long_score, coverage_80_pct, coverage_95_pct`` and
        ``fit_seconds`` (model fitting time summed over origins; overall rows only).
    """
    h = _check_horizon(h)
    windows = _check_horizon(windows, "windows")
    levels = _check_levels(level)
    season_length = _check_season(season_length)
    if methods is None:
        specs = ["seasonal_naive", *DEFAULT_MEMBERS, *INTERMITTENT_MEMBERS, "auto"]
    else:
        if isinstance(methods, str):
            methods = [methods]
        specs = [_check_method(m if isinstance(m, str) else tuple(m)) for m in methods]
        if "seasonal_naive" not in specs:
            specs.insert(0, "seasonal_naive")
    specs = list(dict.fromkeys(specs))
    frame = _clean_series(df, fill_missing=fill_missing)
    end = int(frame["t"].max())
    origins = [end - h - (windows - 1 - i) for i in range(windows)]
    if origins[0] < int(frame["t"].min()):
        raise InsufficientDataError(f"backtest: {windows} origins with h = {h} need at least {windows + h} "
                                    f"months of data; the data spans {end - int(frame['t'].min()) + 1}.")

    everything = tuple(m for m in MEMBERS if any(m in _spec_members(s) for s in specs))
    evaluated: list[tuple[str, Any, bool]] = []  # (label, spec, adjusted)
    for spec in specs:
        if spec == "seasonal_naive":
            evaluated.append(("seasonal_naive", spec, False))
        else:
            evaluated.append((_method_label(spec), spec, bool(spring_festival)))
    if spring_festival and "auto" in specs:
        evaluated.append(("auto", "auto", False))

    values = frame.set_index(["unique_id", "t"])["y"]
    records = []
    seconds: dict[tuple[str, bool], float] = {}
    for origin in origins:
        train = frame[frame["t"] <= origin]
        if train.empty:
            continue
        runs = {}
        if spring_festival:
            runs[True] = _run(train, h, season_length=season_length, levels=levels,
                              member_sets={c: everything for c in SERIES_CLASSES}, spring_festival=True,
                              point_only=_SLOW_INTERVAL_MEMBERS)
            plain = tuple(dict.fromkeys(("seasonal_naive",) + (DEFAULT_MEMBERS + INTERMITTENT_MEMBERS
                                                               if "auto" in specs else ())))
            runs[False] = _run(train, h, season_length=season_length, levels=levels,
                               member_sets={c: plain for c in SERIES_CLASSES}, spring_festival=False,
                               point_only=_SLOW_INTERVAL_MEMBERS)
        else:
            runs[False] = _run(train, h, season_length=season_length, levels=levels,
                               member_sets={c: everything for c in SERIES_CLASSES}, spring_festival=False,
                               point_only=_SLOW_INTERVAL_MEMBERS)
        any_run = next(iter(runs.values()))
        ids = any_run.ids
        targets = origin + np.arange(1, h + 1)
        index = pd.MultiIndex.from_arrays([np.repeat(ids, h), np.tile(targets, len(ids))])
        actual = values.reindex(index).to_numpy(dtype=float).reshape(len(ids), h)
        history, _ = _trim_leading_zeros(_Panel.from_frame(train))
        scale = np.array([_scale_for_mase(history.y[history.indptr[i]:history.indptr[i + 1]], season_length)
                          for i in range(history.n_series)])
        for label, spec, adjusted in evaluated:
            run = runs[adjusted]
            point, lo, hi, _ = _combine(run, spec)
            members = _member_sets(spec)
            used = sorted({m for c in np.unique(run.series_class) for m in members[c]})
            key = (label, adjusted)
            seconds[key] = seconds.get(key, 0.0) + sum(run.seconds.get(m, 0.0) for m in used)
            frame_rows = {
                "unique_id": np.repeat(ids, h), "method": label, "spring_festival_adjusted": adjusted,
                "yhat": point.ravel(), "actual": actual.ravel(), "scale": np.repeat(scale, h),
            }
            no_intervals = isinstance(spec, str) and spec in _SLOW_INTERVAL_MEMBERS
            for lv in (80, 95):
                if lv in run.levels and not no_intervals:
                    frame_rows[f"inside_{lv}"] = ((actual >= lo[lv]) & (actual <= hi[lv])).ravel().astype(float)
                else:
                    frame_rows[f"inside_{lv}"] = np.nan
            records.append(pd.DataFrame(frame_rows))
    detail = pd.concat(records, ignore_index=True)
    detail = detail[detail["actual"].notna()]
    return _backtest_summary(detail, evaluated, seconds)


def _backtest_summary(detail: pd.DataFrame, evaluated: list, seconds: dict) -> pd.DataFrame:
    d = detail.copy()
    d["error"] = d["yhat"] - d["actual"]
    d["abs_error"] = d["error"].abs()
    denominator = d["yhat"].abs() + d["actual"].abs()
    d["smape"] = np.where(denominator > 0, 200.0 * d["abs_error"] / denominator.where(denominator > 0, 1.0), 0.0)
    d["ape"] = np.where(d["actual"] > 0, 100.0 * d["abs_error"] / d["actual"].where(d["actual"] > 0, 1.0), np.nan)
    keys = ["unique_id", "method", "spring_festival_adjusted"]
    grouped = d.groupby(keys, sort=False)
    per_series = pd.DataFrame({
        "n_forecasts": grouped.size(),
        "mase": grouped["abs_error"].mean() / grouped["scale"].first(),
        "smape_pct": grouped["smape"].mean(),
        "bias_units": grouped["error"].mean(),
        "sum_error": grouped["error"].sum(),
        "sum_actual": grouped["actual"].sum(),
        "mape_pct": grouped["ape"].mean(),
        "coverage_80_pct": grouped["inside_80"].mean() * 100.0,
        "coverage_95_pct": grouped["inside_95"].mean() * 100.0,
    }).reset_index()
    per_series["bias_pct"] = np.where(per_series["sum_actual"] > 0, 100.0 * per_series["sum_error"]
                                      / per_series["sum_actual"].where(per_series["sum_actual"] > 0, 1.0), np.nan)
    per_series["king_long_score"] = king_long_score(per_series["mape_pct"].to_numpy())
    per_series["scope"] = "series"
    per_series["fit_seconds"] = np.nan
    overall_rows = []
    for label, _, adjusted in evaluated:
        s = per_series[(per_series["method"] == label) & (per_series["spring_festival_adjusted"] == adjusted)]
        o = d[(d["method"] == label) & (d["spring_festival_adjusted"] == adjusted)]
        if o.empty:
            continue
        total_actual = float(o["actual"].sum())
        mape = float(s["mape_pct"].mean())
        overall_rows.append({
            "scope": "overall", "unique_id": None, "method": label, "spring_festival_adjusted": adjusted,
            "n_forecasts": len(o), "mase": float(s["mase"].mean()), "smape_pct": float(o["smape"].mean()),
            "bias_units": float(o["error"].mean()),
            "bias_pct": 100.0 * float(o["error"].sum()) / total_actual if total_actual > 0 else np.nan,
            "mape_pct": mape, "king_long_score": king_long_score(mape),
            "coverage_80_pct": float(o["inside_80"].mean()) * 100.0,
            "coverage_95_pct": float(o["inside_95"].mean()) * 100.0,
            "fit_seconds": seconds.get((label, adjusted), 0.0),
        })
    columns = ["scope", "unique_id", "method", "spring_festival_adjusted", "n_forecasts", "mase", "smape_pct",
               "bias_units", "bias_pct", "mape_pct", "king_long_score", "coverage_80_pct", "coverage_95_pct",
               "fit_seconds"]
    overall = pd.DataFrame(overall_rows, columns=columns)
    order = {(label, adjusted): i for i, (label, _, adjusted) in enumerate(evaluated)}
    per_series["_order"] = [order[(m, a)] for m, a in zip(per_series["method"], per_series["spring_festival_adjusted"])]
    per_series = per_series.sort_values(["unique_id", "_order"], kind="mergesort")[columns]
    out = pd.concat([overall.astype({"unique_id": object}), per_series.astype({"unique_id": object})],
                    ignore_index=True)
    out["n_forecasts"] = out["n_forecasts"].astype(np.int64)
    out["spring_festival_adjusted"] = out["spring_festival_adjusted"].astype(bool)
    return out
