"""Benchmark a dealer group's month at 10, 50 and 100 stores: wall time, CPU and peak memory of
``kit report --stores all``, and how they grow with the number of stores.

For each size the group is generated once with ``kit samples --stores N --months 24`` (into a scratch folder, not
timed, reused on the next run), then the whole group month is run as a scheduler would run it::

    /usr/bin/time -v nice -n 10 python -m kit.cli report --data DIR --out OUT --stores all --workers 2

``/usr/bin/time`` gives the wall time, the CPU time of the run and every process it started, and the largest
resident set of any one of them; a sampler adds the peak of the whole process tree's resident memory (runner,
workers and kernels together) and the machine's load average while the run lasted (the machine is shared).
From the run's own output: the load and validation, the per-store snapshots and the steps computed once for the
group. Growth is judged against the smallest size: ``time ratio ÷ store ratio`` at most 1 is linear or better.

Run:  .venv/bin/python benchmarks/bench_scale.py                 (10, 50, 100 stores; writes results/scale.md)
      .venv/bin/python benchmarks/bench_scale.py --quick         (3 and 6 stores, 12 months; prints only)
      .venv/bin/python benchmarks/bench_scale.py --stores 10,20 --only sales_performance,group_overview
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-12-03"  # fixed, so the month chosen (2026-10) is the same on any day
TIME = "/usr/bin/time"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("NIXTLA_NUMBA_CACHE", "1")
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
    env.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))
    return env


def generate(stores: int, months: int, seed: int, folder: Path, workers: int) -> float:
    """The group's data (reused when a complete one is there); returns the seconds it took (0 when reused)."""
    marker = folder / ".complete"
    if marker.is_file() and marker.read_text() == f"{stores} {months} {seed}":
        return 0.0
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kit.cli", "samples", "--stores", str(stores), "--months", str(months),
                    "--seed", str(seed), "--out", str(folder), "--workers", str(workers), "--no-truth"],
                   check=True, env=_env(), stdout=subprocess.DEVNULL)
    marker.write_text(f"{stores} {months} {seed}")
    return time.perf_counter() - start


class Sampler(threading.Thread):
    """Peak resident memory of a process tree and the machine's load average, every second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.loads, self.stop = pid, 0, [], threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.stop.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self.loads.append(os.getloadavg()[0])
            self.stop.wait(1.0)


def _time_field(text: str, name: str) -> str:
    m = re.search(rf"^\s*{re.escape(name)}: (.+)$", text, flags=re.M)
    return m.group(1).strip() if m else ""


def _wall(text: str) -> float:
    parts = [float(p) for p in _time_field(text, "Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def run_month(data: Path, out: Path, *, workers: int, nice: int, only: str | None, timeout_minutes: float) -> dict:
    """One ``kit report --stores all`` under /usr/bin/time; its measures."""
    shutil.rmtree(out, ignore_errors=True)
    command = [TIME, "-v", "nice", "-n", str(nice), sys.executable, "-m", "kit.cli", "report", "--data", str(data),
               "--out", str(out), "--stores", "all", "--workers", str(workers), "--today", TODAY,
               "--run-timeout", str(timeout_minutes), *(["--only", only] if only else [])]
    load_before = os.getloadavg()
    proc = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.stop.set()
    sampler.join()
    manifest = json.loads((out / "2026-10" / "manifest.json").read_text(encoding="utf-8"))
    reports = list(manifest["reports"]) + [r for s in manifest["stores"] for r in s["reports"]]
    shared = manifest["run"].get("shared") or {}
    snap = re.search(r"snapshots of the group and (\d+) store\(s\) written in ([\d.]+) s", stdout)
    stores = len(manifest["stores"])
    wall = _wall(stderr)
    return {
        "stores": stores, "exit": proc.returncode, "wall_s": wall,
        "cpu_s": float(_time_field(stderr, "User time (seconds)") or 0) +
        float(_time_field(stderr, "System time (seconds)") or 0),
        "max_rss_mb": int(_time_field(stderr, "Maximum resident set size (kbytes)") or 0) / 1024,
        "tree_rss_mb": sampler.peak / 2 ** 20,
        "reports": len(reports), "failed": sum(r["status"] != "ok" for r in reports),
        "report_seconds": sum(float(r.get("seconds") or 0) for r in reports),
        "snapshot_s": float(snap.group(2)) if snap else None,
        "shared": {k: v.get("seconds") for k, v in shared.items()},
        "load_before": load_before[0], "load_mean": sum(sampler.loads) / max(1, len(sampler.loads)),
        "load_max": max(sampler.loads, default=load_before[0]), "per_store_s": wall / max(1, stores),
        "started": manifest["run"]["started"], "failed_names": sorted(
            f"{s['store_id']}/{r['name']}" for s in manifest["stores"] for r in s["reports"] if r["status"] != "ok"),
        "left_out": [s["store_id"] for s in manifest["stores"] if s["status"] == "left_out"],
    }


def _data_rows(folder: Path) -> dict[str, int]:
    rows = {}
    for name in ("leads", "followups"):
        with open(folder / f"{name}.csv", "rb") as fh:
            rows[name] = sum(1 for _ in fh) - 1
    return rows


def render(results: list[dict], args, generated: dict[int, float], rows: dict[int, dict]) -> str:
    base = results[0]
    lines = [
        "# Dealer groups at scale: a group month at 10, 50 and 100 stores",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_scale.py --stores {args.stores} --months {args.months}"
        f"{' --only ' + args.only if args.only else ''}` (from the repository root). Each run is "
        f"`/usr/bin/time -v nice -n {args.nice} python -m kit.cli report --data DIR --out OUT --stores all --workers "
        f"{args.workers}` on a group generated by `kit samples --stores N --months {args.months} --seed {args.seed}` "
        f"(month 2026-10). Date: {dt.date.today().isoformat()}. Machine: {os.cpu_count()} cores shared with other "
        f"jobs, Python {platform.python_version()}.",
        "",
        "wall = elapsed time of the whole run; CPU = user + system seconds of the run and everything it started "
        "(workers, kernels); largest process = the biggest resident set of any one process; whole tree = peak sum "
        "over the runner, its workers and kernels (sampled each second); load = the machine's 1-minute load average "
        "during the run (2 cores: above 2 means other jobs were waiting too).",
        "",
        "| stores | leads | reports (failed) | wall s | CPU s | wall per store s | largest process MB | whole tree MB "
        "| load + snapshots s | computed once s | load avg (mean / max) | exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        once = " + ".join(f"{k} {v:.0f}" for k, v in r["shared"].items() if v is not None) or "–"
        lines.append(
            f"| {r['stores']} | {rows[r['stores']]['leads']:,} | {r['reports']} ({r['failed']}) | {r['wall_s']:.0f} "
            f"| {r['cpu_s']:.0f} | {r['per_store_s']:.1f} | {r['max_rss_mb']:.0f} | {r['tree_rss_mb']:.0f} | "
            f"{r['snapshot_s'] or 0:.0f} | {once} | {r['load_mean']:.1f} / {r['load_max']:.1f} | {r['exit']} |")
    lines += ["", "Growth against the smallest group (linear growth is a ratio of 1; below 1 is better than linear):",
              "", "| stores | store ratio | wall ratio ÷ store ratio | CPU ratio ÷ store ratio | largest process "
              "ratio ÷ store ratio |", "|---|---|---|---|---|"]
    for r in results:
        k = r["stores"] / base["stores"]
        lines.append(f"| {r['stores']} | {k:g} | {r['wall_s'] / base['wall_s'] / k:.2f} | "
                     f"{r['cpu_s'] / base['cpu_s'] / k:.2f} | {r['max_rss_mb'] / base['max_rss_mb'] / k:.2f} |")
    failed = [r for r in results if r["failed_names"] or r["left_out"]]
    if failed:
        lines += ["", "Reports that failed (the index of each run says why; they are counted in the times):", ""]
        for r in failed:
            names = r["failed_names"]
            shown = ", ".join(names[:12]) + (f" … ({len(names)} in all)" if len(names) > 12 else "")
            lines.append(f"- {r['stores']} stores: {shown or 'none'}"
                         + (f"; left out for bad data: {', '.join(r['left_out'])}" if r["left_out"] else ""))
    gen = ", ".join(f"{n} stores {s:.0f} s" for n, s in generated.items() if s)
    if gen:
        lines += ["", f"Generating the groups (not part of the runs): {gen}."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="10,50,100")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument("--only", default=None, help="report names passed to kit report --only")
    parser.add_argument("--scratch", default="/tmp/kit-bench-scale", help="where the groups and reports are written")
    parser.add_argument("--timeout-minutes", type=float, default=720)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None, help="result file (default results/scale.md; --quick: print only)")
    args = parser.parse_args()
    if args.quick:
        args.stores, args.months = "3,6", 12
    sizes = [int(s) for s in args.stores.split(",")]
    scratch = Path(args.scratch)
    generated, rows, results = {}, {}, []
    out = Path(args.out) if args.out else (None if args.quick else ROOT / "benchmarks" / "results" / "scale.md")
    for n in sizes:
        data = scratch / f"group_{n}_{args.months}m"
        generated[n] = generate(n, args.months, args.seed, data, args.workers)
        rows[n] = _data_rows(data)
        print(f"== {n} stores: data ready ({generated[n]:.0f} s to generate)", flush=True)
        result = run_month(data, scratch / f"reports_{n}", workers=args.workers, nice=args.nice, only=args.only,
                           timeout_minutes=args.timeout_minutes)
        results.append(result)
        print(json.dumps(result, indent=1), flush=True)
        text = render(results, args, generated, rows)  # written after each size: a long run leaves what it measured
        if out is not None:
            out.write_text(text, encoding="utf-8")
            print(f"wrote {out} ({', '.join(str(r['stores']) for r in results)} stores)", flush=True)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
