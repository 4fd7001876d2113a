"""A dealer group's run (``kit report --stores all|S1,S7``): every store manager's reports and the group's, published
as one period folder.

For a month ``LABEL`` the run writes ``OUT/LABEL/``:

- ``index.html`` — the group index: the group's own reports, then every store with its status, the first
  headline number of each of its reports and a link to the store's index (a store left out, and why);
- the group's reports (notebooks whose metadata scope includes ``group``: the group overview, data health);
- ``S001/index.html`` and ``S001/NAME.html …`` — one folder per store: the same notebooks as a one-dealer run, each
  on that store's rows only (``run["store"]``; :func:`kit.io.for_store`), with its Excel files;
- one ``manifest.json`` (its ``stores`` list holds each store's results) and one ``run.log``.

How it runs: the group's data is read and validated once; a store whose own rows break the data contract is left
out and shown failed, the others run (:func:`kit.io.load_group`). Each store gets its own snapshot (only its rows,
so a store's kernel reads a few megabytes, not the group's tables). What every store would otherwise compute again
— the lead model, the reconciled forecast, the league table — is computed once, in this process, while the pool
runs the reports that do not need it; reports that do (metadata ``"shared": [...]``) are queued after the others
and read it with ``r.shared(name)`` (:mod:`kit.group.shared`). A report notebook that does not take the runner's
context (no ``run`` parameter) cannot be cut to one store, so it runs once for the group instead. One store's
failing report or bad data does not stop the others; the run's exit code is 1 when any report or store failed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from kit import i18n, io
from kit.runner.batch import (SNAPSHOT, WORK, BatchResult, Limits, UsageError, _kernel_env, _Log, _read_manifest,
                              _refresh_indexes, _relative, available_reports, file_record, fresh_stage, manifest_of,
                              notebook_scope, notebook_shared, publish, report_entry, result_handler, takes_run)
from kit.runner.execute import ReportResult, ReportTask, stderr_to
from kit.runner.index import report_header, write_store_indexes
from kit.runner.periods import Period
from kit.runner.pool import LocalPool, run_tasks
from kit.runner.privacy import PersonalValues, scrub_folder

#: problems of a left-out store listed on the group index (all of them are in run.log)
PROBLEMS_SHOWN = 3


@dataclass
class GroupPlan:
    """Which reports a group run runs where, and what they read from the shared results."""

    store_reports: list[str]
    group_reports: list[str]
    for_group_instead: list[str] = field(default_factory=list)  # per-store reports without ``run``: run once
    shared: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [*self.group_reports, *self.store_reports]


def plan_reports(only: Iterable[str] | None, notebooks_dir: Path, period: str) -> GroupPlan:
    """The reports of a group run: scope ``store`` per store (when they take ``run``), scope ``group`` once.

    ``for_group_instead`` lists every report of the period that would run per store but does not take ``run``
    (also those ``only`` leaves out, so an earlier run's copy is kept in the group's folder).
    """
    from kit.runner.batch import _select

    names = _select(only, notebooks_dir, period, scopes=("store", "group"))
    store, group, moved = [], [], []
    for name in available_reports(notebooks_dir, period, scope=None):
        path = notebooks_dir / f"{name}.ipynb"
        scope = notebook_scope(path)
        per_store = "store" in scope and takes_run(path)
        if "store" in scope and not per_store and "group" not in scope:
            moved.append(name)
        if name in names:
            (store if per_store else group).append(name)
    shared = {n: notebook_shared(notebooks_dir / f"{n}.ipynb") for n in names}
    return GroupPlan(store, group, moved, {n: s for n, s in shared.items() if s})


def choose_stores(wanted: str | Iterable[str], in_data: list[str], left_out: Iterable[str]) -> list[str]:
    """The stores to run: every store (``"all"``) or the named ones, checked against the data; natural order."""
    known = sorted({*in_data, *left_out}, key=io.stores.natural_key)
    if isinstance(wanted, str):
        if wanted.strip().lower() == "all":
            if not known:
                raise UsageError("--stores all: the data has no store_id values; run without --stores.")
            return known
        wanted = wanted.split(",")
    asked = [str(w).strip() for w in wanted if str(w).strip()]
    unknown = [w for w in asked if w not in known]
    if unknown or not asked:
        shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
        raise UsageError(f"--stores: unknown store {', '.join(unknown) or '(none named)'}; the stores in the data "
                         f"are {shown or 'none'} (or give --stores all).")
    return [s for s in known if s in set(asked)]


def store_folders(stores: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """A safe, unique folder name for each store id (letters, digits, ``-``, ``_``, ``.``; never hidden or empty)."""
    taken = {r.casefold() for r in reserved}
    out = {}
    for store in stores:
        base = re.sub(r"[^\w.\-]", "_", unicodedata.normalize("NFC", str(store))).lstrip(".") or "store"
        name, k = base, 2
        while name.casefold() in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name.casefold())
        out[store] = name
    return out


def _left_out_reason(problems: list, lang: str) -> str:
    shown = "; ".join(str(p) for p in problems[:PROBLEMS_SHOWN])
    more = f" (+{len(problems) - PROBLEMS_SHOWN})" if len(problems) > PROBLEMS_SHOWN else ""
    return i18n.t("failure_data", lang, message=shown + more)


def _keep_previous(final: Path, stage: Path, run_now: set[tuple[str | None, str]], known: list[str],
                   eligible: dict[str | None, list[str]]) -> tuple[list[dict], dict[str, list[dict]], dict, dict]:
    """Reports of the published group folder not run now (``--only``, ``--stores S1,S7``), copied into ``stage``.

    Returns the group's kept reports, each store's kept reports, their files and runs. Only a group run's folder
    is kept from; a store no longer in the data (not in ``known``) is dropped.
    """
    previous = _read_manifest(final) if final.is_dir() else None
    if not previous or "stores" not in previous:
        return [], {}, {}, {}
    kept_group = [r for r in previous.get("reports", []) if r["name"] in eligible[None]
                  and (None, r["name"]) not in run_now]
    kept_stores: dict[str, list[dict]] = {}
    for entry in previous["stores"]:
        store = entry["store_id"]
        if store not in known:
            continue
        kept = [r for r in entry.get("reports") or [] if r["name"] in eligible["store"]
                and (store, r["name"]) not in run_now]
        if kept:
            kept_stores[store] = kept
    keep = {(None, r["name"]) for r in kept_group} | {(s, r["name"]) for s, rs in kept_stores.items() for r in rs}
    files = {f: rec for f, rec in previous.get("files", {}).items() if (rec.get("store"), rec.get("report")) in keep}
    for fname in files:
        src, dst = final / fname, stage / fname
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    files = {f: rec for f, rec in files.items() if (stage / f).exists()}
    runs = {rid: run for rid, run in previous.get("runs", {}).items()
            if rid in {rec.get("run") for rec in files.values()}}
    return kept_group, kept_stores, files, runs


def _order(tasks: list[ReportTask], needs: dict[str, tuple[str, ...]]) -> list[ReportTask]:
    """The group's reports that read no shared result, the stores' that read none, the stores' that do, the group's
    that do (the group overview, last): the shared results are computed while the first ones run."""
    def rank(task: ReportTask) -> int:
        waits = bool(needs.get(task.file_stem))
        return {(False, False): 0, (True, False): 1, (True, True): 2, (False, True): 3}[(task.store is not None,
                                                                                         waits)]
    return sorted(tasks, key=rank)


def run_group_locked(period: Period, pool: LocalPool, *, loaded: io.GroupLoad, stores: list[str], plan: GroupPlan,
                     data_dir: Path, out_dir: Path, lang: str, only: bool, workers: int, reveal: bool,
                     notebooks_dir: Path, limits: Limits, run_id: str, progress, load_seconds: float = 0.0
                     ) -> BatchResult:
    """The group run under the period's lock; see the module docstring."""
    from kit.group.shared import compute_shared, mark_pending, with_needs

    dealer = loaded.dealer
    label = period.label
    final, stage = fresh_stage(out_dir, label, progress)
    known = sorted({*io.store_ids(dealer), *loaded.left_out}, key=io.stores.natural_key)
    folders = store_folders(known, reserved=[*plan.names, "index", WORK, SNAPSHOT])
    running = [s for s in stores if s not in loaded.left_out]
    published = False
    try:
        log = _Log(stage / "run.log", progress)
        started = dt.datetime.now().isoformat(timespec="seconds")
        mask = not reveal
        log(f"run {run_id}: {label} ({period.why}); group run of {len(stores)} store(s) "
            f"({len(running)} with valid data); store reports {', '.join(plan.store_reports) or 'none'}; group "
            f"reports {', '.join(plan.group_reports) or 'none'}; {workers} worker(s); limits "
            f"{limits.report_seconds / 60:g} min per report, {limits.run_seconds / 60:g} min per run, memory "
            f"{limits.memory_mb or 'no cap'} MB; personal data {'masked' if mask else 'REVEALED'}")
        moved = [n for n in plan.for_group_instead if n in plan.group_reports]
        if moved:
            log(f"{', '.join(moved)}: the notebook does not take the runner's context (run), so it cannot be cut to "
                f"one store; it runs once for the group", show=True)
        for store, problems in loaded.left_out.items():
            if store in stores:
                log(f"store {store} left out: its data breaks the contract:\n" +
                    "\n".join(f"  - {p}" for p in problems), show=True)
        eligible = {None: [*available_reports(notebooks_dir, period.kind, scope="group"), *plan.for_group_instead],
                    "store": [n for n in available_reports(notebooks_dir, period.kind, scope="store")
                              if n not in plan.for_group_instead]}
        run_now = {(None, n) for n in plan.group_reports} | {(s, n) for s in running for n in plan.store_reports}
        kept_group, kept_stores, kept_files, kept_runs = _keep_previous(final, stage, run_now, known, eligible)
        params = {"data_dir": str(data_dir), "lang": lang, "reports_dir": str(out_dir), "mask_personal_data": mask,
                  "dealer_name": dealer.settings.dealer.name, **period.parameters()}
        snap = stage / SNAPSHOT
        writing = time.monotonic()
        if plan.group_reports:
            io.save_snapshot(dealer, snap / "group")
        for store, own in io.split_stores(dealer, running if plan.store_reports else []):
            io.save_snapshot(own, snap / "stores" / folders[store])
        log(f"snapshots of the group and {len(running) if plan.store_reports else 0} store(s) written in "
            f"{time.monotonic() - writing:.1f} s", show=True)
        shared_dir = snap / "shared"
        steps = with_needs({s for n in plan.names for s in plan.shared.get(n, ())})
        env = _kernel_env(run_id)
        tasks = []
        for name in plan.group_reports:
            tasks.append(ReportTask(
                name=name, notebook=str(notebooks_dir / f"{name}.ipynb"), workdir=str(stage / WORK / name),
                parameters={**params, "snapshot_dir": str(snap / "group"), "shared_dir": str(shared_dir)},
                lang=lang, timeout_seconds=limits.report_seconds, memory_mb=limits.memory_mb, env=env,
                header=report_header(period, lang, dealer.settings.dealer.name)))
        for name in plan.store_reports:
            for store in running:
                key = f"{folders[store]}/{name}"
                title = f"{dealer.settings.dealer.name} · {dealer.settings.store_name(store)}"
                tasks.append(ReportTask(
                    name=key, report=name, store=store, notebook=str(notebooks_dir / f"{name}.ipynb"),
                    workdir=str(stage / WORK / key), lang=lang, timeout_seconds=limits.report_seconds,
                    parameters={**params, "snapshot_dir": str(snap / "stores" / folders[store]), "store": store,
                                "shared_dir": str(shared_dir)},
                    memory_mb=limits.memory_mb, env=env, header=report_header(period, lang, title)))
        tasks = _order(tasks, plan.shared)
        values = PersonalValues.from_tables(dealer.tables) if mask else PersonalValues()
        by_key = {t.name: t for t in tasks}

        def folder(result: ReportResult) -> str:  # a store's report goes to the store's folder
            task = by_key[result.name]
            result.report, result.store = task.file_stem, task.store
            return folders[task.store] if task.store else ""

        on_result, _ = result_handler(run_id=run_id, lang=lang, limits=limits, values=values, stage=stage, log=log,
                                      progress=progress, total=len(tasks), folder=folder, width=28)
        deadline = time.monotonic() + max(1.0, limits.run_seconds - load_seconds)
        with stderr_to(stage / "run.log"):
            worker = None
            if steps:
                mark_pending(shared_dir, steps)  # before any report can ask
                worker = threading.Thread(target=compute_shared, args=(dealer, period, shared_dir, steps),
                                          kwargs={"log": lambda line: log(line, show=True)}, daemon=True,
                                          name="kit-shared")
                worker.start()
            results = run_tasks(tasks, pool, run_seconds=max(1.0, deadline - time.monotonic()), on_result=on_result)
            if worker is not None:
                worker.join(timeout=max(0.0, deadline - time.monotonic()))
        shutil.rmtree(stage / WORK, ignore_errors=True)
        shared_seconds = {}
        for name in steps:
            try:
                record = json.loads((shared_dir / f"{name}.json").read_text(encoding="utf-8"))
                shared_seconds[name] = {"status": record.get("status"), "seconds": record.get("seconds")}
            except (OSError, ValueError):
                shared_seconds[name] = {"status": "missing"}
        snapshot_hashes = {str(f.relative_to(snap)): io.sha256_file(f) for f in sorted((snap / "group").rglob("*"))
                           if f.is_file()} or None
        shutil.rmtree(snap, ignore_errors=True)
        new_files = sorted({(f"{folders[r.store]}/{f}" if r.store else f) for r in results.values() for f in r.files})
        if mask:
            changed = scrub_folder(stage, values, [*new_files, "run.log"])
            if changed:
                log(f"masked personal values left in: {', '.join(f'{k} ({v})' for k, v in changed.items())}")
        finished = dt.datetime.now().isoformat(timespec="seconds")
        personal = "masked" if mask else "revealed"
        files = dict(kept_files)
        for r in results.values():
            for fname in r.files:
                path = f"{folders[r.store]}/{fname}" if r.store else fname
                files[path] = file_record(stage, path, report=r.report or r.name, store=r.store, run_id=run_id,
                                          finished=finished, personal=personal)

        def entry(result: ReportResult) -> dict:
            return report_entry(result, result.report or result.name)

        order = {n: i for i, n in enumerate([*eligible[None], *eligible["store"]])}
        group_reports = sorted([entry(r) for r in results.values() if r.store is None] + kept_group,
                               key=lambda r: order.get(r["name"], 99))
        store_entries = []
        for store in known:
            if store not in stores and store not in kept_stores:
                continue  # neither run now nor published before
            own = [entry(r) for r in results.values() if r.store == store] + kept_stores.get(store, [])
            own.sort(key=lambda r: order.get(r["name"], 99))
            record = {"store_id": store, "name": dealer.settings.store_name(store), "folder": folders[store],
                      "reports": own}
            if store in loaded.left_out and store in stores:
                record.update(status="left_out", reason=_left_out_reason(loaded.left_out[store], lang),
                              problems=[str(p) for p in loaded.left_out[store]], reports=[])
            else:
                record["status"] = "ok" if all(r["status"] == "ok" for r in own) else "failed"
            store_entries.append(record)
        inputs = {_relative(p, data_dir): h for p, h in dealer.file_hashes().items()}
        manifest = manifest_of(
            period, dealer_name=dealer.settings.dealer.name, limits=limits, params=params, inputs=inputs,
            snapshot=snapshot_hashes, reports=group_reports, files=files, stores=store_entries,
            run={"id": run_id, "started": started, "finished": finished, "only": plan.names if only else None,
                 "stores": stores, "workers": workers, "scheduler": getattr(pool, "address", None),
                 "personal_data": personal, "shared": shared_seconds},
            runs={**kept_runs, run_id: {"started": started, "finished": finished, "inputs": inputs,
                                        "personal_data": personal, "reports": plan.names, "stores": stores,
                                        "period": period.to_dict()}})
        write_store_indexes(stage, manifest, [r for r in store_entries if r["status"] != "left_out"], label=label)
        publish(stage, final, manifest, out_dir=out_dir, label=label)
        published = True
    finally:
        if not published:
            shutil.rmtree(stage, ignore_errors=True)
    _refresh_indexes(out_dir, period, lang, progress)
    return BatchResult(month=period.month, out_dir=final, index=final / "index.html",
                       reports=[results[t.name] for t in tasks], period=period, run_id=run_id,
                       stores=store_entries)


def store_summary(result: BatchResult) -> str:
    """One line for the terminal: stores published with all reports, stores with a failed report or left out."""
    entries = result.stores or []
    bad = [e["store_id"] for e in entries if e.get("status") != "ok"]
    line = f"{len(entries) - len(bad)} of {len(entries)} store(s) have every report"
    if bad:
        line += f"; not: {', '.join(bad[:10])}{' …' if len(bad) > 10 else ''}"
    return line + "."

