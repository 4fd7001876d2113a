"""Benchmark kit.io: validated loading against a plain columnar parse of the same CSV files, side by side.

Baseline: ``pandas.read_csv(path, dtype=str)`` of every CSV of the folder (no typing, no checks), the figure issue 14
quotes; pyarrow's ``pyarrow.csv.read_csv`` (every column as text) is shown too. The kit: ``kit.io.load_dealer``
(find the files, decode, parse with pyarrow, map headers and values, type every column, pandera rules, cross-table
checks, plausibility warnings, dealer.yml). Timings alternate kit and baseline, best of N, in one process after one
warm-up call (imports excluded); the cold first call in a fresh process is reported separately, as is peak memory.
Also: saving and loading the validated snapshot (Parquet), which is what the notebooks read.

Folders: the committed two-store sample (``data_samples``), a nine-store group from ``kit.samples.make_dealership``
and a 300,000-lead table (the hostile corpus' big case), each written as CSV to a temporary folder.

Run:  .venv/bin/python benchmarks/bench_io.py           (writes benchmarks/results/io.md)
      .venv/bin/python benchmarks/bench_io.py --quick   (sample only, 3 repeats; prints only unless --out is given)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kit import config, io  # noqa: E402

TODAY = dt.date(2026, 12, 3)  # fixed, so the warnings (and their cost) are the same on any day


def _csvs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


def baseline_pandas(folder: Path) -> None:
    for path in _csvs(folder):
        pd.read_csv(path, dtype=str)


def baseline_pyarrow(folder: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    for path in _csvs(folder):
        with open(path, "rb") as fh:
            names = fh.readline().decode("utf-8-sig").strip().split(",")
        pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}))


def kit_load(folder: Path) -> None:
    io.load_dealer(folder, today=TODAY)


def _best(fns: dict, repeats: int) -> dict[str, dict[str, float]]:
    """Best wall and CPU seconds of each function, calls interleaved so load changes hit all alike."""
    wall = {k: [] for k in fns}
    cpu = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w)
            cpu[name].append(time.process_time() - c)
    return {k: {"wall": min(wall[k]), "cpu": min(cpu[k])} for k in fns}


CHILD = """
import json, re, sys, time
t0 = time.perf_counter()
mode, folder = sys.argv[1], sys.argv[2]
if mode == "baseline":
    import glob, pandas as pd
    t1 = time.perf_counter()
    for p in sorted(glob.glob(folder + "/*.csv")):
        pd.read_csv(p, dtype=str)
    extra = {}
else:
    import datetime as dt
    import kit.io as io
    t1 = time.perf_counter()
    heavy = [m for m in ("kit.leads", "kit.kpi", "sklearn") if m in sys.modules]
    io.load_dealer(folder, today=dt.date(2026, 12, 3))
    extra = {"analyses_imported_by_kit_io": heavy}
t2 = time.perf_counter()
peak_kb = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))  # peak RSS of this process
print(json.dumps({"import": t1 - t0, "work": t2 - t1, "peak_mb": peak_kb / 1024, **extra}))
"""


def _cold(mode: str, folder: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(folder)], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout)


def _size(folder: Path) -> str:
    rows = {p.stem: sum(1 for _ in open(p, "rb")) - 1 for p in _csvs(folder)}
    mb = sum(p.stat().st_size for p in _csvs(folder)) / 1e6
    return f"{len(rows)} CSV files, {sum(rows.values()):,} rows, {mb:.1f} MB (leads {rows.get('leads', 0):,}, " \
           f"followups {rows.get('followups', 0):,})"


def _group(tmp: Path, n_stores: int, scale: float) -> Path:
    from kit.samples import make_dealership

    folder = tmp / f"group_{n_stores}"
    folder.mkdir()
    for name, frame in make_dealership(seed=14, n_stores=n_stores, scale=scale).items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    shutil.copyfile(config.DEFAULT_SETTINGS_FILE, folder / "dealer.yml")
    return folder


def _big_leads(tmp: Path, n: int = 300_000) -> Path:
    """The sample with its leads topped up to ``n`` rows by copies under new ids (follow-ups stay valid)."""
    folder = tmp / "leads_300k"
    shutil.copytree(ROOT / "data_samples", folder, ignore=shutil.ignore_patterns("dealer_exports", "truth", "*.md"))
    leads = pd.read_csv(folder / "leads.csv", dtype=str, keep_default_na=False)
    extra = pd.concat([leads] * -(-(n - len(leads)) // len(leads)), ignore_index=True).iloc[:n - len(leads)]
    extra["lead_id"] = [f"B{i:06d}" for i in range(len(extra))]
    pd.concat([leads, extra], ignore_index=True).to_csv(folder / "leads.csv", index=False)
    return folder


def measure(folder: Path, repeats: int, *, label: str) -> dict:
    kit_load(folder)  # warm-up: imports, pandera's first schema
    timing = _best({"pandas.read_csv(dtype=str)": lambda: baseline_pandas(folder),
                    "pyarrow.csv.read_csv (text)": lambda: baseline_pyarrow(folder),
                    "kit.io.load_dealer": lambda: kit_load(folder)}, repeats)
    dealer = io.load_dealer(folder, today=TODAY)
    with tempfile.TemporaryDirectory() as snap:
        snap_times = _best({"io.save_snapshot": lambda: io.save_snapshot(dealer, snap),
                            "io.load_snapshot": lambda: io.load_snapshot(snap)}, repeats)
    timing.update(snap_times)
    cold = {"baseline": _cold("baseline", folder), "kit": _cold("kit", folder)}
    return {"label": label, "size": _size(folder), "timing": timing, "cold": cold, "repeats": repeats}


def _markdown(results: list[dict], started: float) -> str:
    import pyarrow

    lines = ["# Loading: `kit.io.load_dealer` vs a plain parse of the same files", "",
             f"Command: `.venv/bin/python benchmarks/bench_io.py` (from the repository root). Date: "
             f"{dt.date.today():%Y-%m-%d}. Machine: {os.cpu_count()} CPU cores shared with other jobs; Python "
             f"{platform.python_version()}, pandas {pd.__version__}, pyarrow {pyarrow.__version__}. Total run time "
             f"{(time.perf_counter() - started) / 60:.1f} min.", "",
             "Baseline: `pandas.read_csv(path, dtype=str)` of every CSV in the folder — text only, no typing, no "
             "checks (the figure issue 14 quotes). pyarrow's own CSV reader is shown for reference. The kit reads the "
             "same files and returns typed, validated tables (header and value aliases, dates, numbers, pandera "
             "rules, cross-table ids, plausibility warnings, dealer.yml). Best of N calls, kit and baselines "
             "alternating, after one warm-up (imports excluded); CPU = process CPU time of all threads, steadier "
             "than wall time on a shared machine. Ratio = kit ÷ pandas baseline; the goal is ≤ 3×.", ""]
    for r in results:
        t = r["timing"]
        base = t["pandas.read_csv(dtype=str)"]
        lines += [f"## {r['label']}", "", f"{r['size']}; best of {r['repeats']}.", "",
                  "| step | wall s | CPU s | wall ÷ baseline | CPU ÷ baseline |", "|---|---|---|---|---|"]
        for name, v in t.items():
            lines.append(f"| {name} | {v['wall']:.3f} | {v['cpu']:.3f} | {v['wall'] / base['wall']:.2f}× | "
                         f"{v['cpu'] / base['cpu']:.2f}× |")
        kc, bc = r["cold"]["kit"], r["cold"]["baseline"]
        lines += ["", f"Cold, in a fresh process: `import kit.io` {kc['import']:.2f} s (pandas alone "
                      f"{bc['import']:.2f} s); first `load_dealer` {kc['work']:.2f} s against "
                      f"{bc['work']:.2f} s for the baseline's first parse — the difference beyond the warm ratio is "
                      f"`kit.settings` importing the four analysis modules (and scikit-learn) to parse dealer.yml's "
                      f"sections (analyses imported by `import kit.io` itself: "
                      f"{', '.join(kc['analyses_imported_by_kit_io']) or 'none'}). Peak resident memory: kit "
                      f"{kc['peak_mb']:.0f} MB, baseline {bc['peak_mb']:.0f} MB.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 5)
    started = time.perf_counter()
    results = [measure(ROOT / "data_samples", repeats, label="The committed sample (2 stores, 2023-11 … 2026-10)")]
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            results.append(measure(_group(tmp, 9, 1.0), repeats,
                                   label="A nine-store group (`make_dealership(n_stores=9, seed=14)`, its maximum today)"))
            results.append(measure(_big_leads(tmp), max(2, repeats - 2),
                                   label="300,000 leads (the sample topped up with copies of its leads)"))
    text = _markdown(results, started)
    print(text)
    out = args.out or (None if args.quick else ROOT / "benchmarks" / "results" / "io.md")
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
