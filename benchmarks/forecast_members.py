"""Fit every single model once per collection and forecast origin, through the kit, and cache the forecasts.

Candidates for the kit's default (combinations, per-series selection, calibrated intervals) are then scored from
these cached member forecasts without refitting: a median of members is exactly what the kit computes. Two
origins per collection: ``test`` (fit on the competition's training data, forecast its test period) and
``valid`` (fit on the training data less its last ``h`` values, forecast those): the validation origin feeds
per-series selection and interval calibration, as the kit would do on a series' own history.

Run ``python benchmarks/forecast_members.py [--only NAME] [--members a,b]``; results go to ``.cache/bench/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import forecast_collections as fcol  # noqa: E402

MEMBERS = ("seasonal_naive", "naive", "ets", "ces", "theta", "dotm", "auto_theta")
INTERMITTENT = ("croston", "adida", "imapa")


def cache_path(collection: str, origin: str, member: str) -> Path:
    safe = "".join(c if c.isalnum() else "_" for c in collection)
    return fcol.CACHE / "members" / f"{safe}__{origin}__{member}.npz"


def fit_member(col: fcol.Collection, origin: str, member: str) -> dict:
    from kit import forecast as kf

    drop = col.h if origin == "valid" else 0
    frame = col.frame(drop_last=drop)
    t0, c0 = time.perf_counter(), time.process_time()
    fc = kf.forecast(frame, col.h, season_length=col.period, level=(), method=member, spring_festival=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    order = {s.uid: i for i, s in enumerate(col.series)}
    fc = fc.assign(_i=fc["unique_id"].map(order)).sort_values(["_i", "ds"])
    n = len(col.series)
    out = {"point": fc["yhat"].to_numpy(float).reshape(n, col.h), "wall": wall, "cpu": cpu}
    out["series_class"] = fc["series_class"].to_numpy(str).reshape(n, col.h)[:, 0]
    return out


def load(collection: str, origin: str, member: str) -> dict | None:
    path = cache_path(collection, origin, member)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def ensure(col: fcol.Collection, members, origins=("test", "valid"), *, verbose: bool = True) -> None:
    for member in members:
        for origin in origins:
            path = cache_path(col.name, origin, member)
            if path.is_file():
                continue
            result = fit_member(col, origin, member)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, **result)
            if verbose:
                print(f"{col.name:40s} {origin:5s} {member:15s} cpu {result['cpu']:8.1f} s  wall "
                      f"{result['wall']:8.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="comma-separated collection names (substring match)")
    parser.add_argument("--members", default=",".join(MEMBERS))
    parser.add_argument("--origins", default="test,valid")
    args = parser.parse_args()
    members = args.members.split(",")
    for col in fcol.all_collections():
        if args.only and not any(o.lower() in col.name.lower() for o in args.only.split(",")):
            continue
        extra = INTERMITTENT if ("intermittent" in col.name or "Dealer" in col.name) else ()
        ensure(col, list(members) + [m for m in extra if m not in members], tuple(args.origins.split(",")))


if __name__ == "__main__":
    main()
