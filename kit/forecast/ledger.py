"""The forecast ledger: each monthly run saves its forecasts; later runs set them against what happened."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError
from kit.forecast.data import _clean_series, _month_ordinals, _ordinal_label, _ordinal_to_timestamps, \
    _parse_run_month
from kit.forecast.metrics import king_long_score


#: File name of a run's saved forecasts, in the run's report folder ``reports/YYYY-MM/``.
FORECASTS_FILE_NAME = "sales_forecast.forecasts.csv"


def save_forecasts(fc: pd.DataFrame, path: str | Path, *, run_month: str) -> Path:
    """Save a run's forecasts beside its report, for later runs' ledgers.

    Parameters
    ----------
    fc : DataFrame
        The frame returned by :func:`forecast`.
    path : str or Path
        The run's report folder (``reports/YYYY-MM``; the file is :data:`FORECASTS_FILE_NAME` in it), or a path
        ending in ``.csv``. Folders are created; the file is replaced whole, never half-written.
    run_month : str
        The run's reporting month, ``'YYYY-MM'`` (the last month of actuals the forecast was made from).

    Returns
    -------
    Path
        The written file: ``run_month, unique_id, ds`` ('YYYY-MM'), ``months_ahead, yhat``, the interval columns
        and, when present, ``method, series_class``. UTF-8 with BOM, so Excel shows Chinese names.
    """
    run = _parse_run_month(run_month, "run_month")
    if not isinstance(fc, pd.DataFrame) or any(c not in fc.columns for c in ("unique_id", "ds", "yhat")):
        raise DataContractError("forecasts: expected the DataFrame returned by forecast() (unique_id, ds, yhat).")
    t = _month_ordinals(fc["ds"])
    if np.isnan(t).any():
        raise DataContractError("forecasts: ds has values that are not months.")
    interval = [c for c in fc.columns if re.fullmatch(r"yhat_(lo|hi)_\d+(\.\d+)?", str(c))]
    out = pd.DataFrame({"run_month": _ordinal_label(run), "unique_id": fc["unique_id"].astype(str).to_numpy(),
                        "ds": [_ordinal_label(v) for v in t], "months_ahead": (t - run).astype(np.int64),
                        "yhat": pd.to_numeric(fc["yhat"], errors="coerce").to_numpy(dtype=float)})
    for col in interval + [c for c in ("method", "series_class") if c in fc.columns]:
        out[col] = fc[col].to_numpy()
    target = Path(path)
    if target.suffix.lower() != ".csv":
        target = target / FORECASTS_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    out.to_csv(temporary, index=False, encoding="utf-8-sig")
    os.replace(temporary, target)
    return target


_LEDGER_COLUMNS = ["unique_id", "ds", "run_month", "months_ahead", "yhat"]


def read_ledger(reports_dir: str | Path | None, *, month: str | None,
                actuals: pd.DataFrame | None = None) -> pd.DataFrame:
    """What every earlier run forecast for ``month``, against what happened.

    Parameters
    ----------
    reports_dir : str, Path or None
        The folder holding one sub-folder per run (``reports/``); every ``*/sales_forecast.forecasts.csv`` is read.
        None: no earlier runs (an empty ledger).
    month : str or None
        The month to check, ``'YYYY-MM'``: rows of runs before it that forecast it. None: every forecast month of
        every run (the whole track record).
    actuals : DataFrame, optional
        Long ``unique_id, ds, y`` frame of what was sold; without it the actual columns are empty.

    Returns
    -------
    DataFrame
        ``unique_id, ds, run_month, months_ahead, yhat``, the saved interval columns and ``method``, then
        ``actual, error_units`` (yhat − actual), ``abs_pct_error`` (% of actual, empty when actual is 0),
        ``king_long_score``, ``inside_80, inside_95`` (actual within the interval). Sorted by series, month and
        run. Empty (with these columns) when no earlier run saved forecasts.
    """
    target = None if month is None else _parse_run_month(month, "month")
    frames = []
    files = sorted(Path(reports_dir).glob(f"*/{FORECASTS_FILE_NAME}")) if reports_dir is not None else []
    for file in files:
        try:
            saved = pd.read_csv(file, dtype={"unique_id": str, "run_month": str, "ds": str}, encoding="utf-8-sig")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataContractError(f"{file}: cannot read the saved forecasts ({exc}).") from None
        missing = [c for c in _LEDGER_COLUMNS if c not in saved.columns]
        if missing:
            raise DataContractError(f"{file}: missing column(s) {', '.join(missing)}; expected a file written by "
                                    f"save_forecasts().")
        runs = [_parse_run_month(v, f"{file}: run_month") for v in saved["run_month"]]
        months = [_parse_run_month(v, f"{file}: ds") for v in saved["ds"]]
        saved = saved.assign(_run=runs, _t=months)
        frames.append(saved)
    interval = sorted({c for f in frames for c in f.columns if re.fullmatch(r"yhat_(lo|hi)_\d+(\.\d+)?", c)},
                      key=lambda c: (float(c.rsplit("_", 1)[1]), c.split("_")[1] == "hi"))
    columns = _LEDGER_COLUMNS + interval + ["method", "actual", "error_units", "abs_pct_error", "king_long_score",
                                           "inside_80", "inside_95"]
    if not frames:
        return pd.DataFrame(columns=columns)
    ledger = pd.concat(frames, ignore_index=True)
    if target is not None:
        ledger = ledger[(ledger["_t"] == target) & (ledger["_run"] < target)]
    ledger = ledger.drop_duplicates(["_run", "unique_id", "_t"], keep="last")
    if actuals is not None:
        truth = _clean_series(actuals, fill_missing=True, what="actuals").rename(columns={"t": "_t", "y": "actual"})
        ledger = ledger.merge(truth, on=["unique_id", "_t"], how="left")
    else:
        ledger["actual"] = np.nan
    ledger["error_units"] = ledger["yhat"] - ledger["actual"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ledger["abs_pct_error"] = np.where(ledger["actual"] > 0, 100.0 * ledger["error_units"].abs()
                                           / ledger["actual"], np.nan)
    ledger["king_long_score"] = king_long_score(ledger["abs_pct_error"].to_numpy(dtype=float))
    for lv in (80, 95):
        lo, hi = f"yhat_lo_{lv}", f"yhat_hi_{lv}"
        if lo in ledger.columns and hi in ledger.columns:
            inside = (ledger["actual"] >= ledger[lo]) & (ledger["actual"] <= ledger[hi])
            ledger[f"inside_{lv}"] = inside.astype(object).where(ledger["actual"].notna(), None)
        else:
            ledger[f"inside_{lv}"] = None
    if "method" not in ledger.columns:
        ledger["method"] = None
    ledger["ds"] = _ordinal_to_timestamps(ledger["_t"].to_numpy())
    ledger["run_month"] = [_ordinal_label(v) for v in ledger["_run"]]
    ledger["months_ahead"] = (ledger["_t"] - ledger["_run"]).astype(np.int64)
    ledger = ledger.sort_values(["unique_id", "_t", "_run"], kind="mergesort").reset_index(drop=True)
    return ledger[columns]
