"""Rolling-origin backtests of the forecast methods: accuracy, horizon totals, bias, interval coverage, cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError
from kit.forecast.data import _check_horizon, _check_levels, _check_season, _clean_series, _Panel, \
    _trim_leading_zeros
from kit.forecast.engine import DEFAULT_MEMBERS, _calibration_offsets, _check_jobs, _check_method, \
    _combine_points, _intervals, _method_label, _Origins, _spec_members
from kit.forecast.metrics import _scale_for_mase, king_long_score

_COLUMNS = ["scope", "unique_id", "level", "method", "spring_festival_adjusted", "n_forecasts", "mase", "smape_pct",
            "total_abs_error_units", "total_mase", "bias_units", "bias_pct", "mape_pct", "king_long_score",
            "coverage_80_pct", "coverage_95_pct", "fit_seconds"]


def backtest(df: pd.DataFrame, h: int, *, windows: int = 12, methods: Sequence[Any] | None = None,
             season_length: int = 12, level: Sequence[float] = (80, 95), spring_festival: bool = True,
             fill_missing: bool = False, reconcile: str | None = None, n_jobs: int = 1) -> pd.DataFrame:
    """Rolling-origin backtest: errors and interval coverage per series, per hierarchy level and overall.

    Forecast origins are the ``windows`` months ending ``h`` months before the last month of the data; from each
    origin every method forecasts ``h`` months on the data up to it, exactly as :func:`forecast` would, with its
    bands calibrated on the windows before that origin.

    Parameters
    ----------
    df : DataFrame
        Long series frame ``unique_id, ds, y``.
    h : int
        Months forecast from each origin.
    windows : int, default 12
        Number of forecast origins, one month apart.
    methods : sequence, optional
        Methods as in :func:`forecast`. Default: seasonal naive, the members of the default and ``"auto"``.
        Seasonal naive (never festival-adjusted) is always included; with ``spring_festival`` the default is also
        scored without the adjustment.
    reconcile : str, optional
        With ``store/model`` ids (:func:`sales_series`): also score ``"auto"`` reconciled by this method of
        :func:`reconcile` (``"mint_shrink"``, ``"bottom_up"`` …), labelled ``"auto, reconciled (mint_shrink)"``;
        the base and reconciled forecasts are then scored on the same rebuilt hierarchy.
    season_length, level, spring_festival, fill_missing, n_jobs
        As in :func:`forecast`.

    Returns
    -------
    DataFrame
        Rows of scope ``overall`` (all series), ``level`` (per hierarchy level, when ids are ``store/model``) and
        ``series``: ``scope, unique_id, level, method, spring_festival_adjusted, n_forecasts, mase`` (mean
        absolute error ÷ in-sample seasonal-naive error since the first sale, lag 1 under 13 months; empty when
        that error is 0; above series: mean over series), ``smape_pct, total_abs_error_units`` (mean |sum of the
        ``h`` months' forecasts − sum of actuals| per origin: what an order plan adds up), ``total_mase`` (that
        ÷ (``h`` × the MASE scale)), ``bias_units`` (mean forecast − actual), ``bias_pct`` (total error ÷ total
        actual), ``mape_pct`` (King Long: mean |F − A| ÷ A over months with A > 0), ``king_long_score,
        coverage_80_pct, coverage_95_pct`` (share of actuals inside the calibrated bands) and ``fit_seconds``
        (statsforecast fitting time over all origins, calibration included; not on series rows).
    """
    h = _check_horizon(h)
    windows = _check_horizon(windows, "windows")
    levels = _check_levels(level)
    season_length = _check_season(season_length)
    n_jobs = _check_jobs(n_jobs)
    if methods is None:
        specs = [_check_method(m) for m in ("seasonal_naive", *DEFAULT_MEMBERS, "auto")]
    else:
        methods = [methods] if isinstance(methods, str) else list(methods)
        specs = [_check_method(m if isinstance(m, str) else tuple(m)) for m in methods]
        naive = _check_method("seasonal_naive")
        if naive not in specs:
            specs.insert(0, naive)
    specs = list(dict.fromkeys(specs))
    frame = _clean_series(df, fill_missing=fill_missing)
    hierarchical = reconcile is not None
    if hierarchical:
        from kit.forecast.hierarchy import _check_reconciler, _hierarchy_frame

        reconcile = _check_reconciler(reconcile)
        frame = _hierarchy_frame(frame)
    end = int(frame["t"].max())
    origins = [end - h - (windows - 1 - i) for i in range(windows)]
    if origins[0] < int(frame["t"].min()):
        raise InsufficientDataError(f"backtest: {windows} origins with h = {h} need at least {windows + h} "
                                    f"months of data; the data spans {end - int(frame['t'].min()) + 1}.")
    naive = _check_method("seasonal_naive")
    evaluated: list[tuple[str, Any, bool, str | None]] = []  # (label, spec, festival-adjusted, reconciler)
    for spec in specs:
        adjusted = bool(spring_festival) and spec != naive
        evaluated.append((_method_label(spec), spec, adjusted, None))
    if spring_festival and "auto" in specs:
        evaluated.append(("auto", "auto", False, None))
    if hierarchical:
        evaluated.append((f"auto, reconciled ({reconcile})", "auto", bool(spring_festival), reconcile))
    members = sorted({m for _, spec, _, _ in evaluated for m in _spec_members(spec)})
    n_series = frame["unique_id"].nunique()
    history = int(origins[0]) - int(frame["t"].min()) + 1
    offsets = _calibration_offsets(n_series, h, history)
    cache = {adjusted: _Origins(frame, h, season_length=season_length, members=members, spring_festival=adjusted,
                                n_jobs=n_jobs)
             for adjusted in sorted({a for _, _, a, _ in evaluated})}
    records = []
    for origin in origins:
        for label, spec, adjusted, reconciler in evaluated:
            source = cache[adjusted]
            if reconciler is not None:
                from kit.forecast.hierarchy import _reconcile_origins

                run, _, point, lo, hi, _, _ = _reconcile_origins(source, origin, spec, levels, offsets, reconciler)
            else:
                run = source.run(origin)
                if run is None:
                    continue
                choice = source.choose(origin, spec, offsets)
                point, _ = _combine_points(run, spec, choice)
                fitted = source.calibrate(origin, spec, levels, offsets, choice) if levels else None
                lo, hi = _intervals(run, point, fitted, levels)
            records.append(_origin_rows(run, point, lo, hi, source, origin, h, label, adjusted, season_length))
    detail = pd.concat(records, ignore_index=True)
    detail = detail[detail["actual"].notna()]
    seconds = {(label, adjusted): sum(cache[adjusted].seconds().get(m, 0.0) for m in _spec_members(spec))
               for label, spec, adjusted, _ in evaluated}
    return _summary(detail, evaluated, seconds, hierarchical)


def _origin_rows(run, point, lo, hi, source: _Origins, origin: int, h: int, label: str, adjusted: bool,
                 season_length: int) -> pd.DataFrame:
    ids = run.ids
    targets = run.last_t[:, None] + np.arange(1, h + 1)[None, :]
    index = pd.MultiIndex.from_arrays([np.repeat(ids, h), targets.ravel()])
    actual = source.actual.reindex(index).to_numpy(dtype=float).reshape(len(ids), h)
    train = source.frame[source.frame["t"] <= origin]
    history, _ = _trim_leading_zeros(_Panel.from_frame(train))
    position = {uid: i for i, uid in enumerate(history.ids)}
    scale = np.array([_scale_for_mase(history.y[history.indptr[position[u]]:history.indptr[position[u] + 1]],
                                      season_length) for u in ids])
    rows = {"unique_id": np.repeat(ids, h), "origin": origin, "method": label, "spring_festival_adjusted": adjusted,
            "yhat": point.ravel(), "actual": actual.ravel(), "scale": np.repeat(scale, h)}
    for lv in (80, 95):
        rows[f"inside_{lv}"] = (((actual >= lo[lv]) & (actual <= hi[lv])).ravel().astype(float) if lv in lo
                                else np.nan)
    return pd.DataFrame(rows)


def _summary(detail: pd.DataFrame, evaluated: list, seconds: dict, hierarchical: bool) -> pd.DataFrame:
    d = detail.copy()
    d["error"] = d["yhat"] - d["actual"]
    d["abs_error"] = d["error"].abs()
    denominator = d["yhat"].abs() + d["actual"].abs()
    d["smape"] = np.where(denominator > 0, 200.0 * d["abs_error"] / denominator.where(denominator > 0, 1.0), 0.0)
    d["ape"] = np.where(d["actual"] > 0, 100.0 * d["abs_error"] / d["actual"].where(d["actual"] > 0, 1.0), np.nan)
    keys = ["unique_id", "method", "spring_festival_adjusted"]
    totals = d.groupby(keys + ["origin"], sort=False).agg(total_error=("error", "sum"), steps=("error", "size"),
                                                          scale=("scale", "first")).reset_index()
    totals["total_abs"] = totals["total_error"].abs()
    totals["total_scaled"] = totals["total_abs"] / (totals["steps"] * totals["scale"])
    grouped = d.groupby(keys, sort=False)
    total_grouped = totals.groupby(keys, sort=False)
    per_series = pd.DataFrame({
        "n_forecasts": grouped.size(),
        "mase": grouped["abs_error"].mean() / grouped["scale"].first(),
        "smape_pct": grouped["smape"].mean(),
        "total_abs_error_units": total_grouped["total_abs"].mean(),
        "total_mase": total_grouped["total_scaled"].mean(),
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
    if hierarchical:
        from kit.forecast.hierarchy import hierarchy_levels

        level_of = hierarchy_levels(per_series["unique_id"].unique())
        per_series["level"] = per_series["unique_id"].map(level_of)
        d["level"] = d["unique_id"].map(level_of)
        totals["level"] = totals["unique_id"].map(level_of)
    else:
        per_series["level"] = None
    rows = []
    scopes = [("overall", None)]
    if hierarchical:
        from kit.forecast.hierarchy import HIERARCHY_LEVELS

        scopes += [("level", lv) for lv in HIERARCHY_LEVELS]
    for scope, lv in scopes:
        for label, _, adjusted, _ in evaluated:
            pick = (per_series["method"] == label) & (per_series["spring_festival_adjusted"] == adjusted)
            pick_d = (d["method"] == label) & (d["spring_festival_adjusted"] == adjusted)
            pick_t = (totals["method"] == label) & (totals["spring_festival_adjusted"] == adjusted)
            if lv is not None:
                pick, pick_d, pick_t = pick & (per_series["level"] == lv), pick_d & (d["level"] == lv), \
                    pick_t & (totals["level"] == lv)
            s, o, tt = per_series[pick], d[pick_d], totals[pick_t]
            if o.empty:
                continue
            total_actual = float(o["actual"].sum())
            mape = float(s["mape_pct"].mean())
            rows.append({
                "scope": scope, "unique_id": lv, "level": lv, "method": label,
                "spring_festival_adjusted": adjusted, "n_forecasts": len(o), "mase": float(s["mase"].mean()),
                "smape_pct": float(o["smape"].mean()), "total_abs_error_units": float(tt["total_abs"].mean()),
                "total_mase": float(tt["total_scaled"].mean()), "bias_units": float(o["error"].mean()),
                "bias_pct": 100.0 * float(o["error"].sum()) / total_actual if total_actual > 0 else np.nan,
                "mape_pct": mape, "king_long_score": king_long_score(mape),
                "coverage_80_pct": float(o["inside_80"].mean()) * 100.0,
                "coverage_95_pct": float(o["inside_95"].mean()) * 100.0,
                "fit_seconds": seconds.get((label, adjusted), 0.0) if scope == "overall" else np.nan,
            })
    summary = pd.DataFrame(rows, columns=_COLUMNS)
    order = {(label, adjusted): i for i, (label, _, adjusted, _) in enumerate(evaluated)}
    per_series["_order"] = [order[(m, a)] for m, a in zip(per_series["method"], per_series["spring_festival_adjusted"])]
    per_series = per_series.sort_values(["unique_id", "_order"], kind="mergesort")[_COLUMNS]
    out = pd.concat([summary.astype({"unique_id": object, "level": object}),
                     per_series.astype({"unique_id": object, "level": object})], ignore_index=True)
    out["n_forecasts"] = out["n_forecasts"].astype(np.int64)
    out["spring_festival_adjusted"] = out["spring_festival_adjusted"].astype(bool)
    return out
