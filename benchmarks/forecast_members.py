"""Fit every member once per collection and origin through the kit, and cache the runs.

A *run* is what :func:`kit.forecast.engine._run` returns for one cut of the data: every member's point forecast for
the ``h`` months after the cut, with the series' classes and error scales. The cuts are the kit's own: the forecast
origin (the end of the competition's training data, ``k = 0``) and the calibration origins ``k`` steps of
:func:`kit.forecast.engine._calibration_offsets` before it (at least :data:`MIN_CUTS` of them where the history
allows). Candidates for the default (combinations, selection by validation, calibrated intervals) are then scored
by the kit's own code from these cached runs, without refitting: ``runs_for`` rebuilds exactly the runs the kit
would compute.

Run ``python benchmarks/forecast_members.py [--only NAME] [--members a,b]``; results go to ``.cache/bench/runs``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import forecast_collections as fcol  # noqa: E402

#: Members fitted on every collection (cheap first; AutoETS last).
MEMBERS = ("seasonal_naive", "naive", "theta", "ces", "dotm", "stl_ets", "auto_theta", "ets")
INTERMITTENT = ("croston", "adida", "imapa")
#: Calibration cuts cached at least (more when the kit's calibration uses more), as far as the history allows.
MIN_CUTS = 2
CACHE = fcol.CACHE / "runs"
_META = ("ids", "last_t", "series_class", "scale", "recent_mean", "dispersion", "seasonal", "history", "indptr")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def clean_frame(col: fcol.Collection):
    """The collection's training data as the kit's clean frame (``unique_id, t, y``)."""
    from kit.forecast.data import _clean_series

    return _clean_series(col.frame(), fill_missing=False)


def offsets(col: fcol.Collection, frame=None) -> tuple[list[int], int]:
    """Months before the forecast origin of the cached calibration cuts, and how many of them the kit uses."""
    from kit.forecast.engine import _calibration_offsets

    frame = clean_frame(col) if frame is None else frame
    history = int(frame["t"].max() - frame["t"].min() + 1)
    kit = _calibration_offsets(len(col.series), col.h, history)
    lookback = history // 3
    step = min(col.h, lookback)
    feasible = lookback // step if step >= 1 else 0
    wanted = max(len(kit), MIN_CUTS)
    return [step * k for k in range(1, min(wanted, feasible) + 1)], len(kit)


def _path(col: str, offset: int, member: str) -> Path:
    return CACHE / f"{_safe(col)}__{offset}__{member}.npz"


def members_of(col: fcol.Collection) -> tuple[str, ...]:
    """Every member fitted on ``col`` (Croston's family too: "auto" gives it to any intermittent series)."""
    del col
    return MEMBERS + INTERMITTENT


def fit(col: fcol.Collection, offset: int, member: str, frame) -> dict:
    """One member at one cut, through the kit (no Spring Festival adjustment: public sets are not Chinese)."""
    from kit.forecast.engine import _run

    end = int(frame["t"].max())
    train = frame[frame["t"] <= end - offset]
    c0, w0 = time.process_time(), time.perf_counter()
    run = _run(train, col.h, season_length=col.period, members=(member,), spring_festival=False)
    out = {"point": run.point[member], "fitted": run.fitted[member], "cpu": time.process_time() - c0,
           "wall": time.perf_counter() - w0}
    types = {"ids": str, "series_class": str, "seasonal": bool, "indptr": np.int64}
    out |= {k: np.asarray(getattr(run, k)).astype(types.get(k, float)) for k in _META}
    return out


def ensure(col: fcol.Collection, members=None, *, arima: bool = False, verbose: bool = True) -> None:
    """Fit and cache every member at the forecast origin and the calibration cuts (skipping cached ones)."""
    frame = clean_frame(col)
    cuts, _ = offsets(col, frame)
    members = list(members or members_of(col))
    jobs = [(m, o) for m in members for o in [0] + cuts]
    if arima:
        jobs.append(("arima", 0))
    for member, offset in jobs:
        path = _path(col.name, offset, member)
        if path.is_file() and (member in ("ets", "auto_theta", "arima") or "fitted" in np.load(path).files):
            continue
        result = fit(col, offset, member, frame)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **result)
        tmp.rename(path)
        if verbose:
            print(f"{col.name:40s} -{offset:<3d} {member:15s} cpu {result['cpu']:8.1f} s  wall "
                  f"{result['wall']:8.1f} s", flush=True)


def load(col: str, offset: int, member: str) -> dict | None:
    path = _path(col, offset, member)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def cpu_seconds(col: str, offset: int, member: str) -> float:
    cached = load(col, offset, member)
    return float(cached["cpu"]) if cached is not None else np.nan


def run_at(col: fcol.Collection, offset: int, members) -> "object | None":
    """The kit's ``_Run`` at ``offset`` months before the forecast origin with the cached ``members``."""
    from kit.forecast.engine import _Run
    from kit.forecast.festival import _Festival

    loaded = {m: load(col.name, offset, m) for m in members}
    missing = [m for m, v in loaded.items() if v is None]
    if not loaded:
        raise FileNotFoundError(f"{col.name} -{offset}: none of the method's members was fitted")
    if missing:
        raise FileNotFoundError(f"{col.name} -{offset}: no cached run of {', '.join(missing)}; run "
                                f"benchmarks/forecast_members.py first")
    meta = next((v for v in loaded.values() if "history" in v), next(iter(loaded.values())))
    n = len(meta["ids"])
    fitted = {m: v["fitted"] for m, v in loaded.items() if "fitted" in v}
    complete = len(fitted) == len(loaded)
    return _Run(ids=meta["ids"].astype(object), last_t=meta["last_t"].astype(np.int64),
                series_class=meta["series_class"].astype(object), h=col.h,
                point={m: v["point"] for m, v in loaded.items()}, dispersion=meta["dispersion"],
                recent_mean=meta["recent_mean"], scale=meta["scale"],
                seconds={m: float(v["cpu"]) for m, v in loaded.items()},
                festival=_Festival(a=np.full(n, 0.5), has_pairs=np.zeros(n, bool)),
                seasonal=meta["seasonal"] if "seasonal" in meta else None, fitted=fitted if complete else None,
                history=meta.get("history"), indptr=meta.get("indptr"), season_length=col.period)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="comma-separated collection names (substring match)")
    parser.add_argument("--members", default=None, help="comma-separated members (default: all)")
    parser.add_argument("--arima", action="store_true", help="also AutoARIMA at the forecast origin")
    args = parser.parse_args()
    for col in fcol.all_collections():
        if args.only and not any(o.lower() in col.name.lower() for o in args.only.split(",")):
            continue
        members = args.members.split(",") if args.members else None
        ensure(col, members, arima=args.arima)
    print(json.dumps({"cache": str(CACHE)}))


if __name__ == "__main__":
    main()


def origins_for(col: fcol.Collection, method: str = "auto"):
    """The kit's ``_Origins`` for ``col``'s forecast with ``method``, its runs filled from the cache: calling
    :func:`kit.forecast.engine._forecast_arrays` on it computes exactly what ``kf.forecast`` would, without fitting."""
    from kit.forecast import engine

    frame = clean_frame(col)
    spec = engine._check_method(method)
    origins = engine._origins_for(frame, col.h, season_length=col.period, spec=spec, spring_festival=False, n_jobs=1)
    members = [m for m in engine._spec_members(spec) if m in members_of(col) or load(col.name, 0, m) is not None]
    end = int(frame["t"].max())
    cuts, _ = offsets(col, frame)
    origins._runs[(end, False)] = run_at(col, 0, members)
    for offset in cuts:
        run = run_at(col, offset, members)
        if origins.subset is not None:
            run = engine._subset_run(run, origins.subset)
        origins._runs[(end - offset, True)] = run
    return origins
