"""The performance budget: each part of the kit against its floor or the bare library call it wraps, side by side.

Sections (``--only cores,sample,workers``; default all):

- ``cores``: 1,000,000 leads scored (``kit.leads`` vs scikit-learn ``predict_proba`` of the fitted estimators),
  10,000 staff through turnover (rates + survival vs a pandas groupby + lifelines ``KaplanMeierFitter``),
  100,000 consultant-months scored (``kit.kpi`` vs a numpy weighted sum), 2,000 series forecast
  (``kit.forecast.forecast`` vs the bare statsforecast call with the same models, locally and on a 2-worker Dask
  ``LocalCluster`` through statsforecast's own Fugue/Dask path);
- ``sample``: every report of the sample month against its floor (a notebook with the same imports and nothing
  else, executed and exported by the same runner function), and the whole batch against its reports' own compute;
- ``workers``: a 20-store dealership month with ``--workers 1``, ``--workers 2`` and a 2-worker ``LocalCluster``.

Each section writes ``benchmarks/results/perf/SECTION.json``; ``benchmarks/results/perf.md`` is rebuilt from every
section's file, with the machine's load average before and after each measurement (the machine is shared).

Run:  .venv/bin/python benchmarks/bench_perf.py [--only cores] [--quick]
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tools"))
os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
os.environ.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))

RESULTS = HERE / "results" / "perf"
SECTIONS = ("cores", "sample", "workers")


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def row(task: str, kit_s: float, base_s: float | None, baseline: str, check: str = "", before: str = "",
        **extra) -> dict:
    return {"task": task, "kit_s": round(kit_s, 3), "baseline": baseline,
            "base_s": None if base_s is None else round(base_s, 3),
            "ratio": None if not base_s else round(kit_s / base_s, 2), "check": check,
            "load": f"{before} → {load()}", **extra}


# --------------------------------------------------------------------------- cores


def bench_leads(n: int) -> list[dict]:
    from bench_leads import synthetic_features, synthetic_tables

    from kit import leads as kl
    from kit.leads.fitting import LeadModel

    X_train, y_train = synthetic_features(50_000, seed=1)
    scorer = kl.LeadScorer().fit(X_train, y_train)
    model = LeadModel(scorer=scorer, method="model", trustworthy=True, reason="benchmark", n_closed=len(y_train),
                      n_won=int(y_train.sum()), n_rows=len(y_train), as_of=pd.Timestamp("2026-06-30"),
                      window_days=90, features=tuple(kl.FEATURE_COLUMNS))
    X, _ = synthetic_features(n, seed=2)
    out = []
    # the bare call: scikit-learn's predict_proba of the fitted estimators on the already-encoded matrices
    numbers, labels = scorer._design.coerce(scorer._features(X))
    matrices = []
    chunk = 250_000
    for start in range(0, n, chunk):
        part = slice(start, start + chunk)
        matrices.append((scorer._design.logistic_matrix(numbers[part], labels[part]) if scorer._logistic else None,
                         scorer._design.hgb_matrix(numbers[part], labels[part]) if scorer._hgb else None))

    def bare():
        p = []
        for logistic, hgb in matrices:
            q = np.zeros(logistic.shape[0] if logistic is not None else hgb.shape[0])
            if logistic is not None:
                q += scorer._logistic_weight * scorer._logistic.predict_proba(logistic)[:, 1]
            if hgb is not None:
                q += (1 - scorer._logistic_weight) * scorer._hgb.predict_proba(hgb)[:, 1]
            p.append(q)
        return np.concatenate(p)

    before = load()
    t_bare, p_bare = timed(bare)
    t_kit, p_kit = timed(scorer.predict_proba, X)
    out.append(row(f"{n:,} leads: LeadScorer.predict_proba (features in)", t_kit, t_bare,
                   f"scikit-learn predict_proba of the fitted {scorer.selected_} estimator(s) on encoded matrices",
                   check=f"rank correlation {pd.Series(p_kit[:, 1]).corr(pd.Series(p_bare), method='spearman'):.6f}"
                         f" (the kit adds calibration, a monotone map)", before=before))
    leads, follow = synthetic_tables(n, seed=3)
    before = load()
    t_all, scores = timed(kl.score_open_leads, leads, follow, as_of="2026-06-30", model=model)
    out.append(row(f"{n:,} leads: score_open_leads (tables in, call list out)", t_all, t_bare,
                   "the same bare predict_proba",
                   check=f"{len(scores.call_list):,} leads on the call list, {len(follow):,} follow-ups read",
                   before=before))
    return out


def make_staff(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hire = np.datetime64("2018-01-01") + rng.integers(0, 365 * 8, n).astype("timedelta64[D]")
    tenure = rng.exponential(900, n).astype(int)
    leave = hire + tenure.astype("timedelta64[D]")
    left = leave <= np.datetime64("2026-10-31")
    roles = np.array(["sales_consultant", "service_advisor", "technician", "manager", "admin"], dtype=object)
    return pd.DataFrame({
        "staff_id": [f"E{i:06d}" for i in range(n)], "name": "x",
        "store_id": np.array([f"S{i:03d}" for i in range(40)], dtype=object)[rng.integers(0, 40, n)],
        "department": "sales", "role": roles[rng.integers(0, len(roles), n)],
        "hire_date": pd.to_datetime(hire), "leave_date": pd.to_datetime(np.where(left, leave, np.datetime64("NaT"))),
        "leave_type": np.where(left, np.where(rng.random(n) < 0.7, "voluntary", "involuntary"), None).astype(object),
    })


def bare_turnover(staff: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    """Monthly hires, leavers and average headcount per store with a pandas groupby; lifelines KM per role."""
    from lifelines import KaplanMeierFitter

    months = pd.period_range(staff["hire_date"].min(), as_of, freq="M")
    hires = staff.groupby([staff["hire_date"].dt.to_period("M"), "store_id"]).size()
    leavers = staff.dropna(subset=["leave_date"]).groupby(
        [staff["leave_date"].dt.to_period("M"), "store_id"]).size()
    flows = pd.DataFrame({"hires": hires, "leavers": leavers}).fillna(0)
    flows = flows.unstack("store_id", fill_value=0).reindex(months, fill_value=0)
    net = flows["hires"] - flows["leavers"]
    end = net.cumsum()
    start = end - net
    rate = flows["leavers"] / ((start + end) / 2).replace(0, np.nan)
    end_day = staff["leave_date"].where(staff["leave_date"] <= as_of, as_of).fillna(as_of)
    duration = (end_day - staff["hire_date"]).dt.days / 30.44
    event = staff["leave_date"].notna() & (staff["leave_date"] <= as_of)
    medians = {}
    for role, idx in staff.groupby("role").groups.items():
        km = KaplanMeierFitter().fit(duration[idx], event[idx])
        medians[role] = km.median_survival_time_
    return rate, medians


def bench_turnover(n: int) -> list[dict]:
    from kit import turnover as kt

    staff = make_staff(n)
    as_of = pd.Timestamp("2026-10-31")

    def kit():
        rates = kt.turnover_rates(staff, by="store_id", end="2026-10")
        surv = kt.tenure_survival(staff, as_of="2026-10", by="role")
        return rates, surv

    before = load()
    t_bare, (rate, medians) = timed(bare_turnover, staff, as_of)
    t_kit, (rates, surv) = timed(kit)
    last = rates[rates["period"] == "2026-10"].set_index("store_id")["rate_average_headcount"]
    diff = float(np.nanmax(np.abs(last.sort_index().to_numpy() - rate.iloc[-1].sort_index().to_numpy())))
    out = [row(f"{n:,} staff: turnover_rates by store (monthly) + tenure_survival by role", t_kit, t_bare,
               "pandas groupby (monthly hires, leavers, average headcount per store) + lifelines KaplanMeierFitter "
               "per role", check=f"October rates per store: max abs diff {diff:.1e}", before=before)]
    t_rates, _ = timed(kt.turnover_rates, staff, by="store_id", end="2026-10")
    t_surv, _ = timed(kt.tenure_survival, staff, as_of="2026-10", by="role")
    out.append(row("  of which turnover_rates", t_rates, None, ""))
    out.append(row("  of which tenure_survival", t_surv, None, ""))
    return out


def bench_kpi(n_staff: int, n_months: int) -> list[dict]:
    from bench_kpi import make_kpi

    from kit import kpi

    table = make_kpi(n_staff, n_months, seed=0)
    settings = kpi.KpiSettings.defaults()
    prepared = kpi.table.prepare(table)
    weights = kpi.profile_for(prepared.months[-1], settings).weights.to_dict()

    def bare():
        sub = table[table["metric"].isin(list(weights))]
        person, people = pd.factorize(pd.MultiIndex.from_arrays([sub["month"], sub["staff_id"]]))
        metric = pd.Index(list(weights)).get_indexer(sub["metric"])
        ach = np.zeros((len(people), len(weights)))
        value = sub["actual"].to_numpy(float) / sub["target"].to_numpy(float)
        caps = np.array([settings.cap_for(m) for m in weights])
        ach[person, metric] = value
        ach = np.clip(ach, settings.floor, caps)
        return people, ach @ np.array(list(weights.values()))

    before = load()
    t_bare, (people, total) = timed(bare)
    t_card, card = timed(kpi.scorecard, table, weights, settings=settings, layout="wide")
    kit_total = card.set_index(["month", "staff_id"])["total_score"].reindex(people)
    diff = float(np.max(np.abs(kit_total.to_numpy() - total)))
    out = [row(f"{len(people):,} consultant-months: scorecard (wide, 5 weighted metrics)", t_card, t_bare,
               "numpy weighted sum of clipped achievements (long table pivoted with factorize)",
               check=f"totals max abs diff {diff:.1e}", before=before)]
    before = load()
    t_bonus, sheet = timed(kpi.bonus, table, settings=settings)
    out.append(row(f"{len(people):,} consultant-months: bonus sheet (scorecard by stage, gates, payout)", t_bonus,
                   t_bare, "the same numpy weighted sum", check=f"{len(sheet):,} rows", before=before))
    return out


def make_series(n: int, months: int = 48, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    level = rng.lognormal(1.6, 0.7, n)[:, None]
    season = 1 + rng.uniform(0.1, 0.4, n)[:, None] * np.sin(2 * np.pi * (t[None, :] + rng.integers(0, 12, n)[:, None]) / 12)
    trend = 1 + rng.normal(0, 0.2, n)[:, None] * t[None, :] / months
    y = rng.poisson(np.maximum(level * season * trend, 0.1)).astype(float)
    ids = np.array([f"S{i // 25:03d}/M{i % 25:02d}" for i in range(n)], dtype=object)
    return pd.DataFrame({"unique_id": np.repeat(ids, months),
                         "ds": np.tile(pd.date_range("2022-11-01", periods=months, freq="MS"), n),
                         "y": y.ravel()})


def _sf_models():
    from statsforecast.models import AutoCES, DynamicOptimizedTheta, SeasonalNaive, Theta

    return [SeasonalNaive(season_length=12), AutoCES(season_length=12), Theta(season_length=12),
            DynamicOptimizedTheta(season_length=12)]


def bare_forecast(df, h: int, n_jobs: int = 1) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    out = StatsForecast(models=_sf_models(), freq="MS", n_jobs=n_jobs, fallback_model=Naive()).forecast(df=df, h=h)
    return out


def _median(fc: pd.DataFrame) -> pd.Series:
    cols = [c for c in fc.columns if c not in ("unique_id", "ds")]
    return fc.assign(yhat=fc[cols].median(axis=1).clip(lower=0)).set_index(["unique_id", "ds"])["yhat"].sort_index()


def bench_forecast(n: int, h: int = 6) -> list[dict]:
    from kit import forecast as kf

    df = make_series(n)
    warm = df[df["unique_id"].isin(df["unique_id"].unique()[:20])]
    bare_forecast(warm, h)  # numba compiles (or loads its cache) once, outside the timings
    kf.forecast(warm, h, level=())
    out = []
    before = load()
    t_bare, fc = timed(bare_forecast, df, h)
    t_kit, kit_fc = timed(kf.forecast, df, h, level=())
    yhat = kit_fc.set_index(["unique_id", "ds"])["yhat"].sort_index()
    diff = float(np.max(np.abs(yhat.to_numpy() - _median(fc).reindex(yhat.index).to_numpy())))
    out.append(row(f"{n:,} series × 48 months, h={h}: kf.forecast, points only (level=())", t_kit, t_bare,
                   "StatsForecast(SeasonalNaive, AutoCES, Theta, DOTM).forecast, n_jobs=1, then the median",
                   check=f"points max abs diff {diff:.2g} units (the kit scales each series and adjusts for the "
                         f"Spring Festival)", before=before))
    before = load()
    t_cal, _ = timed(kf.forecast, df, h)
    out.append(row(f"{n:,} series: kf.forecast with calibrated 80/95 % bands (default)", t_cal, t_bare,
                   "the same bare call (which gives no calibrated bands)", before=before))
    before = load()
    t_bare2, _ = timed(bare_forecast, df, h, 2)
    out.append(row(f"{n:,} series: bare statsforecast, n_jobs=2 (local processes)", t_bare2, t_bare,
                   "bare n_jobs=1", before=before))
    out += bench_forecast_dask(df, h, t_bare, t_bare2, fc)
    return out


def bench_forecast_dask(df: pd.DataFrame, h: int, t_bare: float, t_bare2: float, fc: pd.DataFrame) -> list[dict]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    out = []
    before = load()
    t_start, cluster = timed(LocalCluster, n_workers=2, threads_per_worker=1, processes=True,
                             dashboard_address=None)
    with cluster, Client(cluster) as client:
        warm = df[df["unique_id"].isin(df["unique_id"].unique()[:20])]
        bare_forecast(dd.from_pandas(warm, npartitions=2), h).compute()  # compile in the workers, untimed

        def on_cluster():
            return bare_forecast(dd.from_pandas(df, npartitions=2), h).compute()

        t_dask, dfc = timed(on_cluster)
        diff = float(np.max(np.abs(_median(dfc).to_numpy() - _median(fc).to_numpy())))
        out.append(row(f"{df['unique_id'].nunique():,} series: statsforecast on a 2-worker Dask LocalCluster "
                       f"(Fugue backend, Dask DataFrame in)", t_dask, t_bare2, "bare n_jobs=2 (local processes)",
                       check=f"same points as n_jobs=1: max abs diff {diff:.1e}; cluster start {t_start:.1f} s "
                             f"(not counted); n_jobs=1: {t_bare:.1f} s", before=before))
        client.close()
    return out


CORES = ("kpi", "turnover", "forecast", "leads")


def section_cores(quick: bool, only: tuple[str, ...] = CORES) -> list[dict]:
    rows = []
    for name, fn in (("kpi", lambda: bench_kpi(200 if quick else 2000, 50)),
                     ("turnover", lambda: bench_turnover(1000 if quick else 10_000)),
                     ("forecast", lambda: bench_forecast(200 if quick else 2000)),
                     ("leads", lambda: bench_leads(50_000 if quick else 1_000_000))):
        if name not in only:
            continue
        print(f"-- {name}", flush=True)
        part = [dict(r, core=name) for r in fn()]
        for r in part:
            print(r, flush=True)
        rows += part
    return rows


# --------------------------------------------------------------------------- the sample month


def floor_notebook(source: Path, target: Path) -> Path:
    """``source``'s title, parameters cell and import statements, nothing else: the cost of any report."""
    import nbformat
    from nbtool import code, md, write

    nb = nbformat.read(source, as_version=4)
    title = next((c.source for c in nb.cells if c.cell_type == "markdown"), "# Floor")
    params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    imports = []
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.source is params:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        imports += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    write(str(target), [md(title), code(params, tags=["parameters"]), code("\n".join(dict.fromkeys(imports)))])
    return target


def _month_params(data: Path, work: Path):
    from kit import io
    from kit.runner.periods import choose_period

    dealer = io.load_dealer(data)
    period = choose_period("month", dealer, month="last")
    snap = work / ".snapshot"
    io.save_snapshot(dealer, snap)
    params = {"data_dir": str(data), "lang": dealer.settings.dealer.language, "reports_dir": str(work / "reports"),
              "mask_personal_data": True, "dealer_name": dealer.settings.dealer.name, **period.parameters(),
              "snapshot_dir": str(snap)}
    return params, period


def _execute(name: str, notebook: Path, work: Path, params: dict, period) -> tuple[float, object]:
    """One report through the runner's own function (kernel, notebook, HTML export), as a batch worker runs it."""
    from kit.runner.execute import ReportTask, execute_report
    from kit.runner.index import report_header

    task = ReportTask(name=name, notebook=str(notebook), workdir=str(work / name), parameters=params,
                      lang=params["lang"], timeout_seconds=1800, memory_mb=None,
                      env={"PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)},
                      header=report_header(period, params["lang"], params["dealer_name"]))
    return timed(execute_report, task)


def section_sample(quick: bool) -> list[dict]:
    from kit import config
    from kit.runner import available_reports, run_batch

    data = config.DATA_SAMPLES_DIR
    rows = []
    with tempfile.TemporaryDirectory(prefix="kit-perf-") as tmp:
        work = Path(tmp)
        params, period = _month_params(data, work)
        names = available_reports(config.NOTEBOOKS_DIR, "month")
        own = 0.0
        total = 0.0
        for name in names:
            before = load()
            floor = floor_notebook(config.NOTEBOOKS_DIR / f"{name}.ipynb", work / f"floor_{name}.ipynb")
            t_floor, f_res = _execute(f"floor_{name}", floor, work, params, period)
            t_rep, r_res = _execute(name, config.NOTEBOOKS_DIR / f"{name}.ipynb", work, params, period)
            if "ok" != r_res.status or "ok" != f_res.status:
                raise RuntimeError(f"{name}: report {r_res.status} ({r_res.detail}), floor {f_res.status} "
                                   f"({f_res.detail}); a failed run is no measurement")
            own += max(t_rep - t_floor, 0.0)
            total += t_rep
            rows.append(row(f"report {name} (executed + exported)", t_rep, t_floor,
                            "its floor: title, parameters and the same imports, executed + exported the same way",
                            check=f"report {r_res.status}, floor {f_res.status}; own compute {t_rep - t_floor:.1f} s",
                            before=before))
            print(rows[-1], flush=True)
        before = load()
        t_batch, result = timed(run_batch, month=period.month, data_dir=data, out_dir=work / "out", workers=1,
                                progress=None)
        rows.append(row(f"whole batch, --workers 1 ({len(names)} reports, load + snapshot + index + publish)",
                        t_batch, own, "the sum of the reports' own compute (report − floor)",
                        check=f"sum of the reports executed alone {total:.1f} s; "
                              f"{sum(r.status == 'ok' for r in result.reports)}/{len(result.reports)} ok",
                        before=before))
        print(rows[-1], flush=True)
    return rows


# --------------------------------------------------------------------------- workers


def section_workers(quick: bool) -> list[dict]:
    from distributed import LocalCluster

    from kit.runner import run_batch
    from kit.samples import write_group

    stores = 4 if quick else 20
    rows = []
    with tempfile.TemporaryDirectory(prefix="kit-perf-") as tmp:
        work = Path(tmp)
        t_gen, _ = timed(write_group, work / "group", stores, months=36, seed=2026, truth=False)
        print(f"generated {stores} stores in {t_gen:.0f} s", flush=True)
        runs = {}
        for label, kwargs in (("--workers 1", {"workers": 1}), ("--workers 2", {"workers": 2})):
            before = load()
            t, result = timed(run_batch, data_dir=work / "group", out_dir=work / label.replace(" ", ""),
                              month="last", progress=None, **kwargs)
            runs[label] = (t, result, before)
            print(label, round(t, 1), [(r.name, r.status, r.seconds, r.detail) for r in result.reports], flush=True)
        before = load()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            t, result = timed(run_batch, data_dir=work / "group", out_dir=work / "dask", month="last",
                              scheduler=cluster.scheduler_address, progress=None)
        runs["LocalCluster"] = (t, result, before)
        print("dask", round(t, 1), [(r.name, r.status, r.seconds, r.detail) for r in result.reports], flush=True)
        t1, r1, b1 = runs["--workers 1"]
        t2, r2, b2 = runs["--workers 2"]
        td, rd, bd = runs["LocalCluster"]
        longest, busy = max(r.seconds for r in r1.reports), sum(r.seconds for r in r1.reports)
        best = t1 / (t1 - busy + max(busy / 2, longest))  # the fixed part stays; the reports split in two at best
        def ok(r) -> str:
            failed = [f"{x.name} {x.kind}" for x in r.reports if x.status != "ok"]
            return f"{len(r.reports) - len(failed)}/{len(r.reports)} ok" + (f"; failed: {', '.join(failed)}"
                                                                             if failed else "")
        rows.append(row(f"{stores}-store dealership month as one dealer (the per-store mode is not in this tree): "
                        f"--workers 1 ÷ --workers 2 (speed-up)", t1, t2, "--workers 2 wall time",
                        check=f"--workers 1 {t1:.0f} s ({ok(r1)}), --workers 2 {t2:.0f} s ({ok(r2)}); longest "
                              f"report {longest:.0f} s of {busy:.0f} s, so 2 workers "
                              f"can at best give {best:.2f}×", before=f"{b1} / {b2}"))
        rows.append(row(f"{stores}-store month: 2-worker LocalCluster ÷ --workers 2 (time ratio)", td, t2,
                        "--workers 2 wall time", check=f"LocalCluster {td:.0f} s ({ok(rd)})", before=bd))
        for r in r1.reports:
            other = {x.name: x.seconds for x in r2.reports}
            rows.append(row(f"  {r.name}: report seconds with 1 worker / with 2", r.seconds, other.get(r.name), ""))
    return rows


# --------------------------------------------------------------------------- results


def write_markdown() -> Path:
    parts = ["## Performance budget", "",
             "Command: `.venv/bin/python benchmarks/bench_perf.py` (sections: `--only cores`, `--only sample`, "
             "`--only workers`; `make bench` runs all). Every ratio is kit ÷ baseline, measured side by side in one "
             "run on the same data; `load` is the machine's 1/5/15-minute load average before → after the "
             "measurement (2 cores shared with other jobs, so absolute seconds vary between runs; the ratios are "
             "what this page claims).", ""]
    titles = {"cores": "The cores at scale, against the bare library call each wraps",
              "sample": "The sample month: each report against its floor; the batch against its reports' own compute",
              "workers": "Parallel runs: --workers 2 against --workers 1, and a Dask LocalCluster against --workers 2"}
    for name in SECTIONS:
        path = RESULTS / f"{name}.json"
        parts += [f"### {titles[name]}", ""]
        if not path.is_file():
            parts += [f"Not run yet: `.venv/bin/python benchmarks/bench_perf.py --only {name}`.", ""]
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        parts += [f"Run {record['date']} on {record['machine']}; {record['seconds']:.0f} s.", "",
                  "| task | kit (s) | baseline | baseline (s) | kit ÷ baseline | check | load |",
                  "|---|---|---|---|---|---|---|"]
        for r in record["rows"]:
            ratio = "" if r["ratio"] is None else f"**{r['ratio']:.2f}**"
            base = "" if r["base_s"] is None else f"{r['base_s']:.3f}"
            parts.append(f"| {r['task']} | {r['kit_s']:.3f} | {r['baseline']} | {base} | {ratio} | {r['check']} | "
                         f"{r['load']} |")
        notes = HERE / "results" / "perf" / f"{name}.notes.md"
        parts += [""] + ([notes.read_text(encoding="utf-8").strip(), ""] if notes.is_file() else [])
    distributed = RESULTS / "distributed.md"  # the written conclusions about Dask, from the tables above
    if distributed.is_file():
        parts += [distributed.read_text(encoding="utf-8").strip(), ""]
    out = HERE / "results" / "perf.md"
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="small sizes; results are printed, not saved")
    parser.add_argument("--markdown-only", action="store_true")
    parser.add_argument("--cores", default=",".join(CORES),
                        help="with --only cores: re-measure only these (kpi,turnover,forecast,leads); the others' "
                             "rows are kept from the last run")
    args = parser.parse_args(argv)
    if not args.markdown_only:
        for name in args.only.split(","):
            if name not in SECTIONS:
                parser.error(f"unknown section {name!r}; choose from {', '.join(SECTIONS)}")
            start = time.perf_counter()
            cores = tuple(c for c in args.cores.split(",") if c)
            if name == "cores":
                rows = section_cores(args.quick, cores)
                previous = RESULTS / "cores.json"
                if set(cores) != set(CORES) and previous.is_file() and not args.quick:
                    kept = [r for r in json.loads(previous.read_text(encoding="utf-8"))["rows"]
                            if r.get("core") not in cores]
                    rows = sorted(kept + rows, key=lambda r: CORES.index(r.get("core", "kpi")))
            else:
                rows = {"sample": section_sample, "workers": section_workers}[name](args.quick)
            record = {"date": dt.date.today().isoformat(), "seconds": time.perf_counter() - start, "rows": rows,
                      "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, "
                                 f"pandas {pd.__version__}, numpy {np.__version__}"}
            if args.quick:
                print(json.dumps(record, indent=1))
                continue
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {write_markdown()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
