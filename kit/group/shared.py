"""What a dealer group's run computes once for every store, and how a store's report reads it.

Per store, two steps of the monthly reports would repeat work that only needs the group's data once: fitting the
lead model (a fit per store costs more than one fit on all the group's closed leads, and a small store has too few
closed leads for the model at all) and forecasting every store × model series (which the group → store → model
hierarchy reconciles together anyway). :func:`compute_shared` runs these :data:`STEPS` on the group's tables and
writes them to a folder beside the run's snapshot; a report reads them with ``r.shared(name)``
(:meth:`kit.notebook.Report.shared`, :func:`read_shared`), cut to its store.

Layout of the folder (never published)::

    NAME.json        {"status": "pending" | "ok" | "failed", "parameters": {...}, "seconds": …, "detail": …}
    NAME.joblib      a fitted object (joblib), or
    NAME.parquet     a frame

``NAME.json`` is written "pending" before any report starts and replaced (atomically) when the step ends, so a
report that asks early waits for it; a failed step gives None and the report computes its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd

#: how long a report waits for a step still being computed before computing its own (seconds)
WAIT_SECONDS = 1800.0
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Step:
    """One shared step: how to compute it on the group, store it, and cut it to one store."""

    name: str
    what: str
    compute: Callable[..., tuple[Any, dict]]  # (dealer, period, done) -> (result, parameters it was made with)
    cut: Callable[[Any, str], Any] | None  # (result, store) -> the store's part; None: the same for every store
    kind: str  # "joblib" or "parquet"
    needs: tuple[str, ...] = ()  # steps whose results it uses (computed before it)
    expect: Callable[[Any], dict] = lambda report: {}  # what a report's context says it must have been made for


# --------------------------------------------------------------------------- the steps


def forecast_months(settings) -> int:
    """Months the group's forecast covers: what the order plan needs, at least the report's default three."""
    return max(3, int(settings.order_plan.forecast_months_needed))


def _lead_model(dealer, period, done) -> tuple[Any, dict]:
    from kit.group.measures import group_lead_model

    return group_lead_model(dealer, period), {"as_of": pd.Timestamp(period.end).date().isoformat()}


def _forecast(dealer, period, done) -> tuple[pd.DataFrame, dict]:
    from kit import forecast as kf

    month = pd.Timestamp(period.end).strftime("%Y-%m")
    sales = dealer.tables["sales"]
    months = forecast_months(dealer.settings)
    fc = kf.reconcile(kf.sales_series(sales[sales["month"] <= month]), months)
    return fc, {"month": month, "months": months}


def store_forecast(fc: pd.DataFrame, store: str) -> pd.DataFrame:
    """The group's reconciled forecast as one store's report uses it: the store's series, its total as the top.

    Rows ``STORE/model`` and ``STORE/ALL`` of the group's forecast, plus ``STORE/ALL`` again as ``ALL/ALL`` (level
    ``group``) and each ``STORE/model`` again as ``ALL/model`` (level ``model``): the shape
    :func:`kit.forecast.reconcile` gives for a one-store dealer, with the group's numbers.
    """
    from kit.forecast import ALL_LABEL, ID_SEPARATOR

    prefix = f"{store}{ID_SEPARATOR}"
    ids = fc["unique_id"].astype(str)
    own = fc[ids.str.startswith(prefix)]
    total = f"{prefix}{ALL_LABEL}"
    top = own[own["unique_id"] == total].assign(unique_id=f"{ALL_LABEL}{ID_SEPARATOR}{ALL_LABEL}")
    models = own[own["unique_id"] != total]
    models = models.assign(unique_id=ALL_LABEL + ID_SEPARATOR + models["unique_id"].astype(str).str[len(prefix):])
    if "level" in fc.columns:
        top, models = top.assign(level="group"), models.assign(level="model")
    return pd.concat([top, own[own["unique_id"] == total], models, own[own["unique_id"] != total]],
                     ignore_index=True)


def _league(dealer, period, done) -> tuple[pd.DataFrame, dict]:
    from kit.group.measures import league

    frame = league(dealer, period, forecast=done.get("forecast"), lead_model=done.get("lead_model"))
    return frame, {"month": pd.Timestamp(period.end).strftime("%Y-%m")}


def _league_row(frame: pd.DataFrame, store: str) -> pd.DataFrame:
    return frame[frame["store_id"].astype(str) == store].reset_index(drop=True)


def _same_day(report) -> dict:
    return {"as_of": report.period.end}


def _same_month(report) -> dict:
    return {"month": report.month}


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("lead_model", "the lead model (kit.leads.LeadModel) fitted on every store's closed leads, as known at the "
                       "period's end", _lead_model, None, "joblib", expect=_same_day),
    Step("forecast", "the reconciled group → store → model forecast (kit.forecast.reconcile) of the sales up to the "
                     "month, a store's cut by store_forecast", _forecast, store_forecast, "parquet",
         expect=_same_month),
    Step("league", "one row per store: the group report's league measures (kit.group.measures.league)", _league,
         _league_row, "parquet", needs=("lead_model", "forecast"), expect=_same_month),
)}


# --------------------------------------------------------------------------- writing


def _write_json(path: Path, record: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _save(step: Step, result: Any, folder: Path) -> None:
    target = folder / f"{step.name}.{step.kind}"
    tmp = target.with_name(f".{target.name}.tmp")
    if step.kind == "parquet":
        result.to_parquet(tmp, index=False)
    else:
        import joblib

        joblib.dump(result, tmp)
    os.replace(tmp, target)


def with_needs(names) -> list[str]:
    """``names`` and the steps they need, in the order they are computed."""
    wanted = set(names)
    for name in list(wanted):
        if name not in STEPS:
            raise ValueError(f"unknown shared step {name!r}; known: {', '.join(STEPS)}.")
        wanted.update(STEPS[name].needs)
    return [n for n in STEPS if n in wanted]


def mark_pending(folder: str | Path, names: list[str]) -> Path:
    """Create ``folder`` and mark ``names`` as being computed (before any report may ask for them)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown shared step(s) {', '.join(unknown)}; known: {', '.join(STEPS)}.")
    for name in names:
        _write_json(folder / f"{name}.json", {"status": "pending"})
    return folder


def compute_shared(dealer, period, folder: str | Path, names: list[str] | None = None,
                   log: Callable[[str], None] | None = None) -> dict[str, dict]:
    """Compute the shared steps ``names`` (default every step; with the steps they need) into ``folder``.

    ``period`` is the run's period (``end`` is the last day it covers). Never raises for a failing step: its
    record says ``failed`` with the error, and the reports compute their own. Returns ``{name: record}``.
    """
    names = with_needs(names if names is not None else STEPS)
    folder = mark_pending(folder, names)
    done: dict[str, Any] = {}
    records: dict[str, dict] = {}
    for name in names:
        step = STEPS[name]
        start = time.perf_counter()
        try:
            result, parameters = step.compute(dealer, period, done)
            _save(step, result, folder)
            done[name] = result
            record = {"status": "ok", "parameters": parameters}
        except Exception as exc:  # noqa: BLE001 - a failed step is computed again by each report, not fatal
            record = {"status": "failed", "detail": f"{type(exc).__name__}: {exc}",
                      "traceback": traceback.format_exc()}
        record["seconds"] = round(time.perf_counter() - start, 2)
        _write_json(folder / f"{name}.json", record)
        records[name] = record
        if log:
            log(f"shared {name}: {record['status']} in {record['seconds']:.1f} s"
                + (f" — {record['detail']}" if record["status"] != "ok" else ""))
    return records


# --------------------------------------------------------------------------- reading


def _record(folder: Path, name: str, wait_seconds: float) -> dict | None:
    path = folder / f"{name}.json"
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:  # pragma: no cover - replaced atomically, so only a foreign file is unreadable
            return None
        if record.get("status") != "pending" or time.monotonic() >= deadline:
            return record
        time.sleep(POLL_SECONDS)


def _text(value: object) -> str:
    """A parameter as compared: dates and timestamps as ``YYYY-MM-DD``."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return pd.Timestamp(value).date().isoformat()
    return str(value)


def read_shared(folder: str | Path, name: str, *, store: str | None = None, wait_seconds: float = WAIT_SECONDS,
                **expected: object) -> Any:
    """The shared result ``name`` from ``folder`` (cut to ``store``), or None.

    None when the run did not compute it, it failed, it is still being computed after ``wait_seconds``, or it was
    made with other parameters than ``expected`` (``months`` may be fewer than were computed: the forecast is then
    cut to them).
    """
    if name not in STEPS:
        raise ValueError(f"unknown shared result {name!r}; known: {', '.join(STEPS)}.")
    step = STEPS[name]
    folder = Path(folder)
    record = _record(folder, name, wait_seconds)
    if not record or record.get("status") != "ok":
        return None
    made = record.get("parameters") or {}
    for key, value in expected.items():
        have = made.get(key)
        if key == "months":
            if have is None or int(value) > int(have):
                return None
        elif _text(have) != _text(value):
            return None
    path = folder / f"{name}.{step.kind}"
    if step.kind == "parquet":
        result = pd.read_parquet(path)
    else:
        import joblib

        result = joblib.load(path)
    if "months" in expected and isinstance(result, pd.DataFrame) and "ds" in result.columns:
        first = result.groupby("unique_id")["ds"].transform("min")
        result = result[result["ds"] < first + pd.DateOffset(months=int(expected["months"]))]
        result = result.reset_index(drop=True)
    if store is not None and step.cut is not None:
        result = step.cut(result, store)
    return result
