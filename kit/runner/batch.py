"""The batch: validate the request, run the period's reports, and publish the period folder in one step.

For a period labelled ``LABEL`` (``2026-10``, ``2026-W45`` or ``2026-11-02``) the run writes ``OUT/LABEL/``:

- ``NAME.html`` (the report), ``NAME.ipynb`` (the executed notebook, kept also when the report failed) and whatever
  the notebook exported (Excel sheets, CSV);
- ``index.html`` — the period's reports with status, headline numbers and each failure's whole reason; a month's
  index also links that month's day and week folders;
- ``manifest.json`` — the run (id, times, parameters, limits, whether personal data was revealed), the SHA-256 of
  every input, package versions, every report's result, and for every file the report and run that produced it;
- ``run.log`` — what the run did, each failure's technical detail and the kernels' own output.

Everything is checked before any notebook runs (bad paths, period, names, numbers: :class:`UsageError`; bad data:
``DataContractError``/``ConfigError``). The folder is built in a staging folder under the period's lock and swapped
in with two renames, so a reader never sees half a period, a killed run leaves the previous one as it was, and two
runs of one period never write at once. A failing, hanging or memory-hungry report fails alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kit import config, i18n, io
from kit.exceptions import DataContractError, KitError
from kit.runner import lock as locks
from kit.runner.execute import ReportResult, ReportTask, ipc_supported, memory_cap_supported, stderr_to
from kit.runner.export import version
from kit.runner.index import report_header, write_period_index, write_root_index
from kit.runner.periods import KINDS, Period, UsageError, choose_period
from kit.runner.pool import make_pool, run_tasks
from kit.runner.privacy import PersonalValues, scrub_folder, scrub_value
from kit.settings import RunSettings

PACKAGES = ("dealer-kit", "pandas", "numpy", "scikit-learn", "scipy", "matplotlib", "statsforecast", "lifelines",
            "pandera", "papermill", "nbconvert", "openpyxl")
MANIFEST_VERSION = 2
REASON_LIMIT = 4000  # characters of a failure reason on the index page; the whole text is in run.log
MIN_MEMORY_MB = 256
WORK = ".work"  # inside the staging folder: one private folder per report while it runs
SNAPSHOT = ".snapshot"  # inside the staging folder: the validated tables handed to the notebooks, never published


@dataclass
class BatchResult:
    month: str  # the month containing the period (the ``month`` parameter)
    out_dir: Path  # the published period folder
    index: Path
    reports: list[ReportResult]
    period: Period | None = None
    run_id: str = ""
    stores: list[dict] | None = None  # a group run: each store's record in the manifest (status, reports)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.reports) and all(s.get("status") == "ok" for s in self.stores or [])


@dataclass(frozen=True)
class Limits:
    report_seconds: float
    run_seconds: float
    memory_mb: int | None
    wait_seconds: float


# --------------------------------------------------------------------------- which reports


#: where a report runs: "dealer" (a run without --stores), "store" (once per store of a group run), "group" (once
#: for the group in a group run). A notebook declares them in its metadata; without, dealer and store.
SCOPES = ("dealer", "store", "group")
DEFAULT_SCOPE = ("dealer", "store")


def notebook_meta(path: Path) -> dict:
    """The ``kit`` section of a notebook's metadata (``periods``, ``scope``, ``shared``); empty when unreadable."""
    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return {}
    return meta.get("kit") or {}


def notebook_periods(path: Path) -> tuple[str, ...]:
    """The periods a report notebook declares in its metadata (``{"kit": {"periods": [...]}}``); month by default."""
    periods = notebook_meta(path).get("periods") or ["month"]
    return tuple(p for p in periods if p in KINDS) or ("month",)


def notebook_scope(path: Path) -> tuple[str, ...]:
    """Where a report runs (``{"kit": {"scope": ["group"]}}``, see :data:`SCOPES`); dealer and store by default."""
    scope = notebook_meta(path).get("scope") or DEFAULT_SCOPE
    return tuple(s for s in scope if s in SCOPES) or DEFAULT_SCOPE


def notebook_shared(path: Path) -> tuple[str, ...]:
    """The results a group run computes once that the report reads (``{"kit": {"shared": ["lead_model"]}}``)."""
    return tuple(str(s) for s in notebook_meta(path).get("shared") or ())


def takes_run(path: Path) -> bool:
    """True when the notebook's parameters cell declares ``run`` (it starts with :func:`kit.notebook.start`)."""
    import re

    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return False
    for cell in cells:
        if "parameters" in (cell.get("metadata", {}).get("tags") or []):
            source = "".join(cell.get("source") or "")
            return re.search(r"(?m)^run\s*[:=]", source) is not None
    return False


def available_reports(notebooks_dir: Path = config.NOTEBOOKS_DIR, period: str | None = None,
                      scope: str | None = "dealer") -> list[str]:
    """Report names in batch order (data health first, then the known ones, then others alphabetically).

    period : only the reports that declare this period (``day``, ``week``, ``month``); every report when None.
    scope : only the reports that run there (default ``dealer``: a run without ``--stores``; ``store``,
        ``group``); every notebook when None.
    """
    found = sorted(p.stem for p in Path(notebooks_dir).glob("*.ipynb") if not p.name.startswith("."))
    if period is not None:
        found = [n for n in found if period in notebook_periods(Path(notebooks_dir) / f"{n}.ipynb")]
    if scope is not None:
        found = [n for n in found if scope in notebook_scope(Path(notebooks_dir) / f"{n}.ipynb")]
    ordered = [n for n in config.REPORT_ORDER if n in found]
    return ordered + [n for n in found if n not in ordered]


def _select(only: Iterable[str] | None, notebooks_dir: Path, period: str, scopes: tuple[str, ...] = ("dealer",)
            ) -> list[str]:
    if not notebooks_dir.is_dir():
        raise UsageError(f"--notebooks {notebooks_dir}: no such folder.")
    names = [n for n in available_reports(notebooks_dir, period, scope=None)
             if set(scopes) & set(notebook_scope(notebooks_dir / f"{n}.ipynb"))]
    if only is not None:
        wanted = [n.strip() for n in only if n and n.strip()]
        every = available_reports(notebooks_dir, scope=None)
        unknown = [n for n in wanted if n not in every]
        if unknown or not wanted:
            raise UsageError(f"--only: unknown report {', '.join(unknown) or '(none named)'}; available: "
                             f"{', '.join(every)}.")
        in_period = available_reports(notebooks_dir, period, scope=None)
        other = [n for n in wanted if n not in in_period]
        if other:
            raise UsageError(f"--only: {', '.join(other)} does not run for --period {period}; the {period} reports "
                             f"are {', '.join(names) or 'none'}.")
        elsewhere = [n for n in wanted if n not in names]
        if elsewhere:
            where = "without --stores" if "dealer" in scopes else "in a group run (--stores)"
            raise UsageError(f"--only: {', '.join(elsewhere)} does not run {where}; the reports that do are "
                             f"{', '.join(names) or 'none'}.")
        names = [n for n in names if n in wanted]
    if not names:
        raise UsageError(f"no report in {notebooks_dir} runs for --period {period} (a notebook declares its periods "
                         f'in its metadata: {{"kit": {{"periods": ["day", "week", "month"]}}}}).')
    return names


# --------------------------------------------------------------------------- checks before anything runs


def max_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, cores) * 4


def default_workers() -> int:
    return max_workers() // 4


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= max_workers():
        raise UsageError(f"--workers: expected a whole number from 1 to {max_workers()} (4 per core); got "
                         f"{workers!r}.")
    return workers


def _check_data_dir(data_dir: Path) -> None:
    if not data_dir.exists():
        raise UsageError(f"--data {data_dir}: no such folder.")
    if not data_dir.is_dir():
        raise UsageError(f"--data {data_dir}: is a file; give the folder that holds the exported tables.")
    if not os.access(data_dir, os.R_OK | os.X_OK):
        raise UsageError(f"--data {data_dir}: the folder cannot be read (permission denied).")


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is a file; give a folder for the reports.")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out_dir}: cannot create the folder ({exc.strerror or exc}).") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out_dir}: the folder is not writable (permission denied).")


def _limits(settings, *, report_minutes, run_minutes, memory_mb, wait_minutes) -> Limits:
    run = getattr(settings, "run", None) or RunSettings()  # before dealer.yml is read: the documented defaults
    for flag, value in (("--report-timeout", report_minutes), ("--run-timeout", run_minutes)):
        if value is not None and not (isinstance(value, (int, float)) and 0 < value < float("inf")):
            raise UsageError(f"{flag}: expected a number of minutes greater than 0; got {value!r}.")
    if wait_minutes is not None and not (isinstance(wait_minutes, (int, float)) and 0 <= wait_minutes < 1e6):
        raise UsageError(f"--wait: expected a number of minutes, 0 or more; got {wait_minutes!r}.")
    if memory_mb is not None and not (isinstance(memory_mb, int) and (memory_mb == 0 or memory_mb >= MIN_MEMORY_MB)):
        raise UsageError(f"--memory-mb: expected a whole number of megabytes, at least {MIN_MEMORY_MB}, or 0 for no "
                         f"cap; got {memory_mb!r}.")
    report = report_minutes if report_minutes is not None else run.report_timeout_minutes
    whole = run_minutes if run_minutes is not None else run.run_timeout_minutes
    memory = (memory_mb or None) if memory_mb is not None else run.report_memory_mb
    wait = wait_minutes if wait_minutes is not None else run.lock_wait_minutes
    return Limits(report_seconds=float(report) * 60, run_seconds=float(whole) * 60,
                  memory_mb=memory if memory_cap_supported() else None, wait_seconds=float(wait) * 60)


class _TimeUp(BaseException):
    """Raised by the alarm in :func:`_time_limit`; a BaseException so no ``except Exception`` swallows it."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM: POSIX, main thread only; elsewhere no limit)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, max(0.01, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _load(data_dir: Path, seconds: float, *, group: bool = False) -> io.Dealer | io.GroupLoad:
    """The validated dealer (a group: :func:`kit.io.load_group`); anything but a clear data error is turned into
    one, naming the folder.

    Reading is bounded by the run's time limit: a file that never ends (a pipe named like a table) stops the
    run with exit code 2 instead of hanging it.
    """
    try:
        with _time_limit(seconds):
            return io.load_group(data_dir) if group else io.load_dealer(data_dir)
    except _TimeUp:
        raise DataContractError(f"{data_dir}: reading the data did not finish within {seconds / 60:g} minutes (the "
                                f"run's time limit); is one of the files a pipe or on a stalled network drive?"
                                ) from None
    except KitError:
        raise
    except OSError as exc:
        where = exc.filename or data_dir
        raise DataContractError(f"{where}: cannot be read ({exc.strerror or exc}).") from None
    except Exception as exc:  # a loader failure on odd input is still bad input, not a crash
        raise DataContractError(f"{data_dir}: the data could not be read ({type(exc).__name__}: {exc}).") from None


# --------------------------------------------------------------------------- the environment of the kernels


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def _use_writable_caches(out_dir: Path) -> None:
    """Point matplotlib's and numba's caches at writable folders when the caller's are missing or read-only.

    Cron may give no HOME, or a read-only one; matplotlib would then warn on stderr (a cron mail) and numba could
    not cache. Unset or unwritable, they go to the kit's cache folder, else to ``OUT/.cache``. This process, its
    workers and their kernels all use them.
    """
    for var, sub in (("NUMBA_CACHE_DIR", "numba"), ("MPLCONFIGDIR", "matplotlib")):
        if os.environ.get(var) and _writable_dir(Path(os.environ[var])):
            continue
        try:
            base = config.cache_dir() / sub
        except RuntimeError:  # no home directory at all
            base = None
        target = base if base is not None and _writable_dir(base) else out_dir / ".cache" / sub
        target.mkdir(parents=True, exist_ok=True)
        os.environ[var] = str(target)
    os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")


def _kernel_env(run_id: str) -> dict[str, str]:
    """What every kernel gets on top of the caller's environment, so any caller gives the same run."""
    kit_root = str(Path(__file__).resolve().parents[2])  # the kernels import the same kit as the runner
    return {"PYTHONHASHSEED": "0", "KIT_RUN_ID": run_id,
            "PYTHONPATH": os.pathsep.join([kit_root, *filter(None, [os.environ.get("PYTHONPATH")])])}


# --------------------------------------------------------------------------- failure reasons


def failure_reason(result: ReportResult, lang: str, limits: Limits) -> str:
    """The plain-words reason shown on the index (the report language), ending with how to repair it."""
    message = (result.detail or "").split(": ", 1)[-1].strip() or (result.detail or "").strip()
    minutes = lambda s: f"{s / 60:g}"  # noqa: E731
    kind = result.kind or "error"
    if kind == "memory":
        text = (i18n.t("failure_memory", lang, mb=limits.memory_mb) if limits.memory_mb
                else i18n.t("failure_memory_nolimit", lang))
    elif kind == "crashed":
        text = (i18n.t("failure_crashed_capped", lang, mb=limits.memory_mb) if limits.memory_mb
                else i18n.t("failure_crashed", lang))
    elif kind == "timeout":
        text = i18n.t("failure_timeout", lang, minutes=minutes(limits.report_seconds))
    elif kind in ("run_timeout", "not_started"):
        text = i18n.t(f"failure_{kind}", lang, minutes=minutes(limits.run_seconds))
    elif kind == "internal":
        text = i18n.t("failure_internal", lang, message=message.splitlines()[0] if message else "")
    elif kind in ("data", "config", "insufficient", "export"):
        text = i18n.t(f"failure_{kind}", lang, message=message)
    else:
        text = i18n.t("failure_error", lang, message=message or (result.detail or ""))
    if len(text) > REASON_LIMIT:
        text = text[:REASON_LIMIT].rstrip() + " " + i18n.t("failure_more", lang)
    return f"{text}\n\n{i18n.t('failure_repair', lang)}"


# --------------------------------------------------------------------------- the run


class _Log:
    """``run.log`` in the staging folder, and the progress lines on stdout."""

    def __init__(self, path: Path, progress: Callable[[str], None] | None):
        self.path, self.progress = path, progress

    def __call__(self, line: str, *, show: bool = False) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {line}\n")
        if show and self.progress:
            self.progress(line)


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _keep_previous(final: Path, stage: Path, names: list[str], eligible: list[str]) -> tuple[list[dict], dict, dict]:
    """For ``--only``: copy the other reports' files from the published folder; their results, files and runs."""
    if not final.is_dir():
        return [], {}, {}
    previous = _read_manifest(final)
    if not previous or "files" not in previous:
        raise UsageError(f"--only: {final} was written by an older kit (no record of which report wrote which "
                         f"file); run the whole period once without --only.")
    kept_reports = [r for r in previous.get("reports", []) if r["name"] in eligible and r["name"] not in names]
    kept_names = {r["name"] for r in kept_reports}
    files = {f: rec for f, rec in previous["files"].items() if rec.get("report") in kept_names}
    for fname in files:
        src = final / fname
        if src.is_dir():
            shutil.copytree(src, stage / fname)
        elif src.exists():
            shutil.copy2(src, stage / fname)
    files = {f: rec for f, rec in files.items() if (stage / f).exists()}
    runs = {rid: run for rid, run in previous.get("runs", {}).items()
            if rid in {rec.get("run") for rec in files.values()}}
    return kept_reports, files, runs


def _collect(result: ReportResult, stage: Path, folder: str = "") -> None:
    """Move a finished report's files from its private folder into the staging folder (or its ``folder``)."""
    workdir = stage / WORK / result.name
    (stage / folder).mkdir(parents=True, exist_ok=True)
    moved = []
    for fname in result.files:
        target = stage / folder / fname
        if target.exists():  # two reports wrote the same file name: the later one fails, nothing is overwritten
            result.status, result.kind = "failed", "internal"
            result.detail = f"KitError: {fname} is also written by another report of this period"
            continue
        os.replace(workdir / fname, target)
        moved.append(fname)
    result.files = moved
    if result.html and result.html not in moved:
        result.html = None
    if result.notebook and result.notebook not in moved:
        result.notebook = None


def save_snapshot(dealer: io.Dealer, folder: Path) -> Path:
    """The validated tables as Parquet in ``folder`` (:func:`kit.io.save_snapshot`), for the notebooks to read."""
    io.save_snapshot(dealer, folder)
    return folder


def run_batch(*, month: str | None = "last", data_dir: str | Path = config.DATA_SAMPLES_DIR,
              out_dir: str | Path = config.REPORTS_DIR, lang: str | None = None, only: Iterable[str] | None = None,
              workers: int | None = None, show_personal_data: bool = False,
              notebooks_dir: str | Path = config.NOTEBOOKS_DIR, period: str = "month", date: str | None = None,
              report_timeout_minutes: float | None = None, run_timeout_minutes: float | None = None,
              memory_mb: int | None = None, wait_minutes: float | None = None, today: dt.date | None = None,
              snapshot: Callable[[io.Dealer, Path], Path | None] | bool = True,
              stores: str | Iterable[str] | None = None, scheduler: str | None = None,
              progress: Callable[[str], None] | None = print) -> BatchResult:
    """Run one period's reports and publish its folder; see the module docstring.

    ``stores`` (``"all"`` or store ids) makes it a dealer group's run: every store's own reports in a folder of
    its own plus the group's reports and index (:mod:`kit.runner.group`); None runs the dealer as one.

    Limits not given take the ``run:`` section of dealer.yml (``memory_mb=0``: no cap). The data is validated once:
    ``snapshot`` (default :func:`save_snapshot`; False for none), called as ``snapshot(dealer, folder)``, writes the
    validated tables into ``folder`` (inside the staging folder) and returns it; the notebooks receive it (as
    ``run["snapshot_dir"]`` or a ``snapshot_dir`` parameter) instead of parsing the exports again. The snapshot
    holds unmasked personal data, so it is removed before the folder is published; the manifest records its files'
    SHA-256. ``scheduler`` (a Dask scheduler's address or scheduler file) sends the reports to that cluster instead
    of local processes (:mod:`kit.runner.distributed`; ``workers`` None: the cluster's threads).

    Raises
    ------
    UsageError : bad paths, period, report names or numbers (nothing is written).
    DataContractError, ConfigError : the input data or dealer.yml is invalid (nothing is written).
    BusyError : another run of the same period in ``out_dir`` did not finish within the wait (nothing is written).
    """
    data_dir, out_dir, notebooks_dir = Path(data_dir).resolve(), Path(out_dir).resolve(), Path(notebooks_dir).resolve()
    if period not in KINDS:
        raise UsageError(f"--period: expected day, week or month; got {period!r}.")
    if lang is not None and lang not in i18n.LANGS:
        raise UsageError(f"--lang: expected en or zh; got {lang!r}.")
    workers = workers if scheduler else _check_workers(workers)  # a cluster's size is checked by its pool
    if stores is not None:
        from kit.runner import group as grouprun

        plan = grouprun.plan_reports(only, notebooks_dir, period)
        names = plan.names
    else:
        names = _select(only, notebooks_dir, period)
    _check_data_dir(data_dir)
    _check_out_dir(out_dir)
    _use_writable_caches(out_dir)
    first = _limits(None, report_minutes=report_timeout_minutes, run_minutes=run_timeout_minutes,
                    memory_mb=memory_mb, wait_minutes=wait_minutes)  # the flags are checked before the slow load
    # the workers start now and import their libraries while the data loads
    # a group run queues every store's reports: the pool is as wide as allowed, not as the report count
    with make_pool(workers, len(names) if stores is None else max(1, workers or 1), scheduler=scheduler) as pool:
        loading = time.monotonic()
        # dealer.yml is not read yet: the flag or the default limit
        loaded = _load(data_dir, first.run_seconds, group=stores is not None)
        dealer = loaded.dealer if stores is not None else loaded
        if stores is not None:
            chosen_stores = grouprun.choose_stores(stores, io.store_ids(dealer), loaded.left_out)
            if not set(chosen_stores) - set(loaded.left_out):
                raise DataContractError("every store asked for breaks the data contract:\n" + "\n".join(
                    f"  - {p}" for s in chosen_stores for p in loaded.left_out[s]))
        load_seconds = time.monotonic() - loading  # the run's time limit covers reading and reports, not the wait
        limits = _limits(dealer.settings, report_minutes=report_timeout_minutes, run_minutes=run_timeout_minutes,
                         memory_mb=memory_mb, wait_minutes=wait_minutes)
        lang = lang or dealer.settings.dealer.language
        chosen = choose_period(period, dealer, month=month, date=date, today=today)
        if progress:
            progress(f"{chosen.label}: {chosen.why}.")
        run_id = f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        with locks.period_lock(out_dir, chosen.label, wait_seconds=limits.wait_seconds, run_id=run_id,
                               on_wait=progress):
            if stores is not None:
                return grouprun.run_group_locked(
                    chosen, pool, loaded=loaded, stores=chosen_stores, plan=plan, data_dir=data_dir,
                    out_dir=out_dir, lang=lang, only=only is not None, workers=workers, reveal=show_personal_data,
                    notebooks_dir=notebooks_dir, limits=limits, run_id=run_id, progress=progress,
                    load_seconds=load_seconds)
            return _run_locked(chosen, pool, dealer=dealer, data_dir=data_dir, out_dir=out_dir, lang=lang,
                               names=names, only=only is not None, workers=pool.workers, reveal=show_personal_data,
                               notebooks_dir=notebooks_dir, limits=limits, run_id=run_id, snapshot=snapshot,
                               progress=progress, load_seconds=load_seconds)


def fresh_stage(out_dir: Path, label: str, progress) -> tuple[Path, Path]:
    """Recover earlier killed runs, then an empty staging folder for the period: (final folder, staging folder)."""
    for line in locks.sweep(out_dir, holding=label):
        if progress:
            progress(line)
    stage = locks.staging_dir(out_dir, label)
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    return out_dir / label, stage


def result_handler(*, run_id: str, lang: str, limits: Limits, values: PersonalValues, stage: Path, log: _Log,
                   progress, total: int, folder: Callable[[ReportResult], str] = lambda r: "", width: int = 16
                   ) -> tuple[Callable[[ReportResult], None], list[str]]:
    """What happens when a report finishes: its reason in plain words, personal values masked in what reaches
    run.log, the manifest and the index, its files moved into the staging folder, a progress line."""
    done: list[str] = []

    def on_result(result: ReportResult) -> None:
        result.run = run_id
        if result.status != "ok":
            result.reason = failure_reason(result, lang, limits)
        for attr in ("reason", "detail", "log", "headline", "advice", "title"):
            setattr(result, attr, scrub_value(getattr(result, attr), values)[0])
        _collect(result, stage, folder(result))
        done.append(result.name)
        mark = "ok" if result.status == "ok" else f"FAILED ({result.kind}) — {result.detail}"
        log(f"[{len(done)}/{total}] {result.name:<{width}} {result.seconds:6.1f} s  {mark}", show=False)
        if progress:
            short = "ok" if result.status == "ok" else "FAILED — " + (result.reason or "").splitlines()[0]
            progress(f"[{len(done)}/{total}] {result.name:<{width}} {result.seconds:6.1f} s  {short}")
        if result.status != "ok" and result.log.strip():
            log(f"{result.name}: output of its worker and kernel processes:\n{result.log.rstrip()}")

    return on_result, done


def report_entry(result: ReportResult | dict, name: str | None = None) -> dict:
    """A report's record in the manifest (its result without the kernel's output)."""
    entry = asdict(result) if not isinstance(result, dict) else dict(result)
    entry.pop("log", None)
    if name is not None:
        entry["name"] = name
    return entry


def file_record(stage: Path, path: str, *, report: str, run_id: str, finished: str, personal: str, **extra) -> dict:
    """A published file's record in the manifest: the report and run that wrote it and its SHA-256."""
    return {"report": report, **extra, "run": run_id, "generated": finished, "personal_data": personal,
            "sha256": io.sha256_file(stage / path) if (stage / path).is_file() else None}


def manifest_of(period: Period, *, dealer_name: str, run: dict, limits: Limits, params: dict, inputs: dict,
                snapshot: dict | None, reports: list[dict], files: dict, runs: dict, **extra) -> dict:
    """The period folder's ``manifest.json`` (``run`` without its limits and transport, which are added here)."""
    run = {**run, "host": platform.node(),
           "limits": {"report_timeout_minutes": limits.report_seconds / 60,
                      "run_timeout_minutes": limits.run_seconds / 60, "report_memory_mb": limits.memory_mb},
           "kernel_transport": "ipc" if ipc_supported() else "tcp"}
    return {"manifest_version": MANIFEST_VERSION, "month": period.month, "period": period.to_dict(),
            "dealer": dealer_name, "run": run, "parameters": dict(params), "inputs": inputs, "snapshot": snapshot,
            "packages": {p: version(p) for p in PACKAGES} | {"python": platform.python_version()},
            "reports": reports, **extra, "files": dict(sorted(files.items())), "runs": runs}


def publish(stage: Path, final: Path, manifest: dict, *, out_dir: Path, label: str) -> None:
    """Write the staged period's manifest and index, then swap the staging folder in as the period's folder."""
    locks.atomic_write(stage / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    write_period_index(stage, out_dir, label=label)
    locks.swap(stage, final)


def _run_locked(period: Period, pool, *, dealer: io.Dealer, data_dir: Path, out_dir: Path, lang: str,
                names: list[str], only: bool, workers: int, reveal: bool, notebooks_dir: Path, limits: Limits,
                run_id: str, snapshot, progress, load_seconds: float = 0.0) -> BatchResult:
    label = period.label
    final, stage = fresh_stage(out_dir, label, progress)
    published = False
    try:
        log = _Log(stage / "run.log", progress)
        started = dt.datetime.now().isoformat(timespec="seconds")
        eligible = available_reports(notebooks_dir, period.kind, scope="dealer")
        kept_reports, kept_files, kept_runs = _keep_previous(final, stage, names, eligible) if only else ([], {}, {})
        mask = not reveal
        settings_mask = getattr(dealer.settings.dealer, "mask_personal_data", True)
        log(f"run {run_id}: {label} ({period.why}); reports {', '.join(names)}; {workers} worker(s); "
            f"limits {limits.report_seconds / 60:g} min per report, {limits.run_seconds / 60:g} min per run, "
            f"memory {limits.memory_mb or 'no cap'} MB; personal data {'masked' if mask else 'REVEALED'}; "
            f"kernels over {'IPC' if ipc_supported() else 'TCP'}")
        if not settings_mask and mask:
            log("dealer.yml sets dealer.mask_personal_data: false; it is ignored — only --show-personal-data "
                "reveals personal data", show=True)
        if kept_reports:
            log(f"kept from the published folder: {', '.join(r['name'] for r in kept_reports)}")
        params = {"data_dir": str(data_dir), "lang": lang, "reports_dir": str(out_dir), "mask_personal_data": mask,
                  "dealer_name": dealer.settings.dealer.name, **period.parameters()}
        if snapshot is True:
            snapshot = save_snapshot
        snapshot_dir = snapshot(dealer, stage / SNAPSHOT) if snapshot else None
        if snapshot_dir is not None:
            params["snapshot_dir"] = str(snapshot_dir)
        env = _kernel_env(run_id)
        header = report_header(period, lang, dealer.settings.dealer.name)
        tasks = []
        for name in names:
            tasks.append(ReportTask(name=name, notebook=str(notebooks_dir / f"{name}.ipynb"),
                                    workdir=str(stage / WORK / name), parameters=params, lang=lang,
                                    timeout_seconds=limits.report_seconds, memory_mb=limits.memory_mb, env=env,
                                    header=header))
        values = PersonalValues.from_tables(dealer.tables) if mask else PersonalValues()
        on_result, _ = result_handler(run_id=run_id, lang=lang, limits=limits, values=values, stage=stage, log=log,
                                      progress=progress, total=len(tasks))
        with stderr_to(stage / "run.log"):  # the parent's own warnings; the workers log per report
            results = run_tasks(tasks, pool, run_seconds=max(1.0, limits.run_seconds - load_seconds),
                                on_result=on_result)
        shutil.rmtree(stage / WORK, ignore_errors=True)
        snapshot_hashes = ({str(f.relative_to(snapshot_dir)): io.sha256_file(f)
                            for f in sorted(Path(snapshot_dir).rglob("*")) if f.is_file()} if snapshot_dir else None)
        shutil.rmtree(stage / SNAPSHOT, ignore_errors=True)
        new_files = sorted({f for r in results.values() for f in r.files})
        if mask:
            changed = scrub_folder(stage, values, [*new_files, "run.log"])
            if changed:
                log(f"masked personal values left in: {', '.join(f'{k} ({v})' for k, v in changed.items())}")
        finished = dt.datetime.now().isoformat(timespec="seconds")
        order = {n: i for i, n in enumerate(eligible)}
        reports = sorted([report_entry(results[n]) for n in names] + kept_reports,
                         key=lambda r: order.get(r["name"], 99))
        inputs = {_relative(p, data_dir): h for p, h in dealer.file_hashes().items()}
        personal = "masked" if mask else "revealed"
        files = dict(kept_files)
        for r in results.values():
            for fname in r.files:
                files[fname] = file_record(stage, fname, report=r.name, run_id=run_id, finished=finished,
                                           personal=personal)
        runs = {**kept_runs, run_id: {
            "started": started, "finished": finished, "inputs": inputs, "personal_data": personal,
            "reports": names, "period": period.to_dict()}}
        manifest = manifest_of(
            period, dealer_name=dealer.settings.dealer.name, limits=limits, params=params, inputs=inputs,
            snapshot=snapshot_hashes, reports=reports, files=files, runs=runs,
            run={"id": run_id, "started": started, "finished": finished, "only": names if only else None,
                 "workers": workers, "scheduler": getattr(pool, "address", None),
                 "personal_data": personal})
        publish(stage, final, manifest, out_dir=out_dir, label=label)
        published = True
    finally:
        if not published:
            shutil.rmtree(stage, ignore_errors=True)
    _refresh_indexes(out_dir, period, lang, progress)
    result_reports = [results[n] for n in names]
    return BatchResult(month=period.month, out_dir=final, index=final / "index.html", reports=result_reports,
                       period=period, run_id=run_id)


def _relative(path: str, base: Path) -> str:
    p = Path(path)
    return str(p.relative_to(base)) if p.is_relative_to(base) else str(p)


def _refresh_indexes(out_dir: Path, period: Period, lang: str, progress) -> None:
    """The folder of all periods, and (for a day or week) the indexes of the months it falls in."""
    if period.kind != "month":
        for month in period.months():
            folder = out_dir / month
            if not (folder / "manifest.json").is_file():
                continue
            try:
                with locks.period_lock(out_dir, month, wait_seconds=60):
                    write_period_index(folder, out_dir)
            except (locks.BusyError, KeyError, ValueError, OSError) as exc:
                if progress:
                    progress(f"the index of {month} was not updated ({exc}); its next run will link {period.label}.")
    with locks.period_lock(out_dir, "index", wait_seconds=60):
        write_root_index(out_dir, lang=lang)
