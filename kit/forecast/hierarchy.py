"""Forecasts that add up: group → store → model, reconciled with hierarchicalforecast.

The hierarchy
-------------
Series ids are ``store/model`` (:func:`~kit.forecast.series.sales_series`); ``ALL`` stands for every store or
every model. Four levels, each the sum of the bottom series below it:

============== ===================== ===========================================================
level          id                    sum of
============== ===================== ===========================================================
``group``      ``ALL/ALL``           every store × model series
``store``      ``S1/ALL``            the store's models
``model``      ``ALL/Aurora``        the model in every store
``store_model`` ``S1/Aurora``        itself (the bottom level)
============== ===================== ===========================================================

Stores and models cross (a grouped structure, not a tree): ``ALL/ALL`` is both the sum of the stores and of the
models. The aggregates are rebuilt here from the bottom series, so the history itself adds up; a model not yet
launched counts as 0.

Reconciliation
--------------
Every series is forecast on its own (:func:`kit.forecast.forecast`'s method), then the forecasts are made coherent
by hierarchicalforecast: ``mint_shrink`` (the default; MinT with a shrunk error covariance, Wickramasuriya,
Athanasopoulos & Hyndman, 2019, JASA 114(526), with non-negative forecasts) weights each series by how well it
forecasts; ``bottom_up`` sums the store × model forecasts; ``ols`` and ``wls_struct`` need no error history. The
error covariance comes from the forecasts' own out-of-sample errors over the calibration windows (the ``h``
months after each of the ``W`` earlier origins), not from in-sample fits, so it describes the errors that matter.
The same reconciliation is applied at those earlier origins, and the bands are calibrated on the *reconciled*
errors exactly as in :mod:`kit.forecast.engine`: every level gets bands, and the benchmark reports their coverage
per level (``benchmarks/README.md``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, DataContractError
from kit.forecast.data import _check_horizon, _check_levels, _check_season, _clean_series
from kit.forecast.engine import _calibration_offsets, _check_jobs, _check_method, _combine_points, \
    _class_groups, _forecast_frame, _intervals, _normalisers, _Origins, _quantiles, _Run, _scaled_errors, \
    _spec_members, Spec
from kit.forecast.series import ALL_LABEL, ID_SEPARATOR

#: Hierarchy levels, top first (column ``level``).
HIERARCHY_LEVELS = ("group", "store", "model", "store_model")
#: Reconciliation methods (hierarchicalforecast's MinTrace methods and BottomUp).
RECONCILERS = ("mint_shrink", "bottom_up", "ols", "wls_struct")
#: What ``mint_shrink`` falls back to when its error covariance is singular (the output's ``attrs["reconciler"]``
#: names the method used).
FALLBACK_RECONCILER = "wls_struct"


def hierarchy_levels(ids: Sequence[str]) -> pd.Series:
    """The hierarchy level of each ``store/model`` id: group, store, model or store_model.

    Raises
    ------
    DataContractError
        An id that is not ``store/model``.
    """
    out = []
    for uid in ids:
        parts = str(uid).split(ID_SEPARATOR)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise DataContractError(f"series {uid!r}: expected a 'store/model' id such as 'S1/Aurora' (ALL for every "
                                    f"store or model), as sales_series() builds.")
        store_all, model_all = parts[0] == ALL_LABEL, parts[1] == ALL_LABEL
        out.append("group" if store_all and model_all else "store" if model_all else "model" if store_all
                   else "store_model")
    return pd.Series(out, index=list(map(str, ids)), dtype=object)


def coherence_gap(fc: pd.DataFrame, column: str = "yhat") -> float:
    """The largest |total − sum of its store × model parts| over every total and month of a forecast frame.

    Parameters
    ----------
    fc : DataFrame
        ``unique_id, ds`` and ``column`` with ``store/model`` ids (e.g. :func:`reconcile`'s output).
    column : str, default "yhat"
        The column to check.

    Returns
    -------
    float
        0 (to floating-point rounding) for coherent forecasts; 0 when the frame has no totals.
    """
    levels = hierarchy_levels(fc["unique_id"].unique())
    wide = fc.pivot_table(index="ds", columns="unique_id", values=column, aggfunc="first")
    bottom = [u for u in wide.columns if levels[u] == "store_model"]
    stores = np.array([u.split(ID_SEPARATOR)[0] for u in bottom])
    models = np.array([u.split(ID_SEPARATOR)[1] for u in bottom])
    gap = 0.0
    for uid in wide.columns:
        if levels[uid] == "store_model":
            continue
        store, model = uid.split(ID_SEPARATOR)
        parts = [b for b, s, m in zip(bottom, stores, models) if store in (ALL_LABEL, s) and model in (ALL_LABEL, m)]
        if parts:
            gap = max(gap, float(np.nanmax(np.abs(wide[uid] - wide[parts].sum(axis=1)))))
    return gap


def _hierarchy_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Bottom series of ``frame`` and every aggregate rebuilt as their sums (``unique_id, t, y``)."""
    levels = hierarchy_levels(frame["unique_id"].unique())
    bottom_ids = levels.index[levels == "store_model"]
    if len(bottom_ids) == 0:
        raise DataContractError("df: no store × model series (such as 'S1/Aurora'); reconciliation needs the bottom "
                                "level of the hierarchy.")
    bottom = frame[frame["unique_id"].isin(bottom_ids)]
    ends = bottom.groupby("unique_id")["t"].max()
    if ends.nunique() > 1:
        early = ends[ends < ends.max()].index[0]
        raise DataContractError(f"df: series {early} ends before the others; every store × model series must run "
                                f"to the same month (pass fill_missing=True to count months without a row as 0).")
    wide = bottom.pivot(index="t", columns="unique_id", values="y").fillna(0.0)
    wide = wide.reindex(range(int(wide.index.min()), int(wide.index.max()) + 1), fill_value=0.0)
    parts = [bottom[["unique_id", "t", "y"]]]
    stores = pd.Index([u.split(ID_SEPARATOR)[0] for u in wide.columns])
    models = pd.Index([u.split(ID_SEPARATOR)[1] for u in wide.columns])
    first = bottom.groupby("unique_id")["t"].min()
    for name, keys in (("store", stores), ("model", models)):
        for key in sorted(set(keys)):
            members = wide.columns[keys == key]
            uid = f"{key}{ID_SEPARATOR}{ALL_LABEL}" if name == "store" else f"{ALL_LABEL}{ID_SEPARATOR}{key}"
            start = int(first[members].min())
            total = wide.loc[start:, members].sum(axis=1)
            parts.append(pd.DataFrame({"unique_id": uid, "t": total.index.to_numpy(), "y": total.to_numpy()}))
    total = wide.sum(axis=1)
    parts.append(pd.DataFrame({"unique_id": f"{ALL_LABEL}{ID_SEPARATOR}{ALL_LABEL}", "t": total.index.to_numpy(),
                               "y": total.to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["unique_id", "t"], kind="mergesort").reset_index(drop=True)


def _structure(ids: np.ndarray) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Summing matrix (aggregates first, bottom last as hierarchicalforecast wants) and the level tags."""
    levels = hierarchy_levels(ids)
    bottom = sorted(levels.index[levels == "store_model"])
    aggregates = [u for lv in HIERARCHY_LEVELS[:-1] for u in sorted(levels.index[levels == lv])]
    rows = aggregates + bottom
    stores = np.array([b.split(ID_SEPARATOR)[0] for b in bottom])
    models = np.array([b.split(ID_SEPARATOR)[1] for b in bottom])
    matrix = np.zeros((len(rows), len(bottom)))
    for r, uid in enumerate(rows):
        store, model = uid.split(ID_SEPARATOR)
        matrix[r] = ((stores == store) | (store == ALL_LABEL)) & ((models == model) | (model == ALL_LABEL))
    summing = pd.DataFrame(matrix, columns=bottom)
    summing.insert(0, "unique_id", rows)
    tags = {lv: np.array(sorted(levels.index[levels == lv]), dtype=object) for lv in HIERARCHY_LEVELS
            if (levels == lv).any()}
    return summing, tags


def _reconciler(method: str):
    from hierarchicalforecast.methods import BottomUp, MinTrace

    if method == "bottom_up":
        return BottomUp()
    return MinTrace(method=method, nonnegative=True)


def _check_reconciler(method: object) -> str:
    if not isinstance(method, str) or method not in RECONCILERS:
        raise ConfigError(f"method: expected one of {', '.join(RECONCILERS)}; got {method!r}.")
    return method


def _reconcile_origins(origins: _Origins, end: int, spec: Spec, levels: tuple[float, ...], offsets: list[int],
                       method: str) -> tuple[_Run, np.ndarray, np.ndarray, dict, dict, np.ndarray, str]:
    """Reconciled points at ``end`` and at the calibration origins (one hierarchicalforecast call), and bands
    calibrated on the reconciled errors. Returns the run at ``end``, base and reconciled points, bands, labels and
    the reconciliation method used."""
    from hierarchicalforecast.core import HierarchicalReconciliation

    h = origins.h
    run = origins.run(end)
    summing, tags = _structure(run.ids)
    cuts = [end] + [end - offset for offset in offsets]
    choice = origins.choose(end, spec, offsets)
    base, runs = {}, {}
    for cut in cuts:
        r = run if cut == end else origins.run(cut, calibration=True)
        if r is None:
            continue
        runs[cut] = r
        base[cut] = _combine_points(r, spec, choice)[0]
    hat_rows, residual_rows = [], []
    for cut, r in runs.items():
        # every series of the hierarchy ends at the cut (the bottom series end together), so months align
        frame = pd.DataFrame({"unique_id": np.repeat(r.ids, h), "ds": np.tile(np.arange(cut + 1, cut + h + 1),
                                                                              len(r.ids)), "base": base[cut].ravel()})
        frame = (frame.set_index(["unique_id", "ds"]).reindex(
            pd.MultiIndex.from_product([summing["unique_id"], np.arange(cut + 1, cut + h + 1)],
                                       names=["unique_id", "ds"]), fill_value=0.0).reset_index())
        hat_rows.append(frame)
        if cut != end:
            truth = origins.actual.reindex(pd.MultiIndex.from_arrays([frame["unique_id"], frame["ds"]]))
            residual_rows.append(frame.assign(y=truth.fillna(0.0).to_numpy()))
    y_hat = pd.concat(hat_rows, ignore_index=True)
    needs_errors = method not in ("bottom_up", "ols", "wls_struct")
    if needs_errors and not residual_rows:
        raise DataContractError("df: too little history to estimate the forecast errors that mint_shrink weights by "
                                "(it needs at least one calibration window); use method='bottom_up'.")
    y_errors = pd.concat(residual_rows, ignore_index=True) if residual_rows else None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            out = HierarchicalReconciliation([_reconciler(method)]).reconcile(
                Y_hat_df=y_hat, S_df=summing, tags=tags, Y_df=y_errors if needs_errors else None)
        except Exception as exc:  # hierarchicalforecast raises a bare Exception for a singular system
            if "ill-conditioned" not in str(exc) or method == FALLBACK_RECONCILER:
                raise
            # more series than calibration errors (a large group, a short history): the error covariance cannot be
            # inverted; structural scaling needs no error estimate and still makes every level add up
            method = FALLBACK_RECONCILER
            out = HierarchicalReconciliation([_reconciler(method)]).reconcile(Y_hat_df=y_hat, S_df=summing, tags=tags)
    column = [c for c in out.columns if c.startswith("base/")][0]
    reconciled = out.set_index(["unique_id", "ds"])[column].astype(float)
    scores = []
    final = None
    calibration_cuts = [cut for cut in runs if cut != end]
    origin_scale, scales = _normalisers(run, [runs[cut] for cut in calibration_cuts],
                                        [end - cut for cut in calibration_cuts], spec, choice)
    scale_of = dict(zip(calibration_cuts, scales))
    origin_groups, groups = _class_groups(run, [runs[cut] for cut in calibration_cuts])
    level_of = hierarchy_levels(run.ids)

    def with_level(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
        kind = np.where(level_of.reindex(ids.astype(str)).to_numpy() == "store_model", "bottom", "total")
        return np.array([f"{k}|{t}" for k, t in zip(keys, kind)], dtype=object)

    group_of = {cut: with_level(runs[cut].ids, g) for cut, g in zip(calibration_cuts, groups)}
    keys = []
    for cut, r in runs.items():
        months = cut + np.arange(1, h + 1)
        index = pd.MultiIndex.from_arrays([np.repeat(r.ids, h), np.tile(months, len(r.ids))])
        points = np.maximum(reconciled.reindex(index).to_numpy(dtype=float).reshape(len(r.ids), h), 0.0)
        if cut == end:
            final = points
            continue
        errors = _scaled_errors(r, points, origins.actual, scale_of[cut])
        errors[r.series_class == "zero"] = np.nan
        scores.append(errors)
        keys.append(group_of[cut])
    calibration = _quantiles(scores, h, levels, keys) if levels else None
    if calibration is not None:
        calibration.scale, calibration.group_of = origin_scale, with_level(run.ids, origin_groups)
    lo, hi = _intervals(run, final, calibration, levels)
    return run, base[end], final, lo, hi, _combine_points(run, spec, choice)[1], method


def reconcile(df: pd.DataFrame, h: int, *, method: str = "mint_shrink", forecast_method: str | Sequence[str] = "auto",
              season_length: int = 12, level: Sequence[float] = (80, 95), spring_festival: bool = True,
              fill_missing: bool = False, n_jobs: int = 1) -> pd.DataFrame:
    """Forecast every level of the group → store → model hierarchy so that each total equals the sum of its parts.

    Parameters
    ----------
    df : DataFrame
        Long ``unique_id, ds, y`` frame with ``store/model`` ids (:func:`sales_series`); only the store × model
        series are read, the totals are rebuilt from them.
    h : int
        Months to forecast, >= 1.
    method : str, default "mint_shrink"
        One of :data:`RECONCILERS`.
    forecast_method : str or sequence of str, default "auto"
        The base forecast of every series, as ``method`` in :func:`kit.forecast.forecast`.
    season_length, level, spring_festival, fill_missing, n_jobs
        As in :func:`kit.forecast.forecast`.

    Returns
    -------
    DataFrame
        The columns of :func:`kit.forecast.forecast` for every series of the hierarchy (group first), plus
        ``level`` (:data:`HIERARCHY_LEVELS`) and ``base_yhat`` (the forecast before reconciliation). ``yhat`` adds
        up at every level (to floating-point rounding); the bands are calibrated on reconciled errors.
        ``attrs["reconciler"]`` names the method used: ``mint_shrink`` falls back to :data:`FALLBACK_RECONCILER`
        when its error covariance is singular (more series than calibration errors).

    Raises
    ------
    DataContractError
        Bad data, ids that are not ``store/model``, store × model series ending in different months, or too little
        history for ``mint_shrink``.
    ConfigError
        Unknown ``method`` or a bad option.
    """
    h = _check_horizon(h)
    levels = _check_levels(level)
    season_length = _check_season(season_length)
    spec = _check_method(forecast_method)
    method = _check_reconciler(method)
    n_jobs = _check_jobs(n_jobs)
    frame = _hierarchy_frame(_clean_series(df, fill_missing=fill_missing))
    end = int(frame["t"].max())
    origins = _Origins(frame, h, season_length=season_length, members=_spec_members(spec),
                       spring_festival=bool(spring_festival), n_jobs=n_jobs)
    history = end - int(frame["t"].min()) + 1
    offsets = _calibration_offsets(frame["unique_id"].nunique(), h, history) \
        if levels or method == "mint_shrink" or spec == "auto" else []
    run, base, point, lo, hi, labels, used = _reconcile_origins(origins, end, spec, levels, offsets, method)
    out = _forecast_frame(run, point, lo, hi, labels)
    out.insert(3, "base_yhat", base.ravel())
    out.insert(1, "level", hierarchy_levels(out["unique_id"]).to_numpy())
    order = {lv: i for i, lv in enumerate(HIERARCHY_LEVELS)}
    out["_order"] = out["level"].map(order)
    out = out.sort_values(["_order", "unique_id", "ds"], kind="mergesort").drop(columns="_order")
    out = out.reset_index(drop=True)
    out.attrs["reconciler"] = used
    return out
