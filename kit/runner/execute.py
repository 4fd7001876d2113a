"""One report, executed: the picklable task a worker process (or, later, a Dask worker) runs.

:func:`execute_report` takes a :class:`ReportTask` — everything it needs, as plain data — runs the notebook with
papermill in its own kernel into the task's own folder, exports the HTML when it succeeded, and returns a
:class:`ReportResult`. It never raises for a failing report: a cell error, a kernel that dies or runs out of memory,
and a report that exceeds its time limit all come back as a failed result with a ``kind`` and the whole technical
``detail``; the parent turns those into plain words for the index.

The kernel runs under :class:`KitKernelManager`: it talks to it over IPC sockets in a private ``0700`` folder
(no TCP port; TCP only where the platform has no IPC), caps its address space (``RLIMIT_AS``) where the platform
allows, writes its process id where the parent can stop it, and keeps its low-level output in a log.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Integer, Unicode

#: status files inside a task's folder (hidden: never published)
TASK_FILE, KERNEL_FILE, GLUE_FILE, KERNEL_LOG = ".task.json", ".kernel.json", ".glue.json", ".kernel.log"
#: kernel start-up allowance (seconds); a loaded two-core machine can take a while to import the kit
START_TIMEOUT = 180
IPC_PATH_MAX = 100  # AF_UNIX paths are limited to ~104–108 bytes; longer private folders fall back to TCP
LOG_TAIL = 20_000

#: sets the address-space limit, then becomes the kernel (the same process, so its pid is the kernel's)
_LIMIT_AND_EXEC = (
    "import os, resource, sys\n"
    "n = int(sys.argv[1])\n"
    "soft, hard = resource.getrlimit(resource.RLIMIT_AS)\n"
    "n = n if hard == resource.RLIM_INFINITY else min(n, hard)\n"
    "resource.setrlimit(resource.RLIMIT_AS, (n, hard))\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def memory_cap_supported() -> bool:
    try:
        import resource  # noqa: F401
    except ImportError:  # pragma: no cover - Windows
        return False
    return hasattr(resource, "RLIMIT_AS")


def ipc_supported() -> bool:
    return os.name == "posix"


@dataclass
class ReportResult:
    """What one report's run produced; ``files`` are the published file names it owns (notebook and HTML too)."""

    name: str
    status: str  # ok | failed
    seconds: float
    title: str = ""
    html: str | None = None
    notebook: str | None = None
    reason: str | None = None  # plain words in the report language, for the index
    headline: dict = field(default_factory=dict)
    advice: list = field(default_factory=list)  # "what to do" sentences in the report language, shown first
    kind: str | None = None  # why it failed: error, data, config, insufficient, memory, timeout, run_timeout,
    #                          not_started, crashed, export, internal
    detail: str | None = None  # the whole technical message (exception type and text), for run.log and the manifest
    files: list[str] = field(default_factory=list)
    log: str = ""  # the kernel's own output (start-up chatter, C-level messages), tail only
    run: str | None = None  # id of the run that produced it
    report: str = ""  # the report (notebook) name when ``name`` is a key such as ``S001/lead_scoring``
    store: str | None = None  # the store it was run for (a group run); None: the dealer or the group


@dataclass(frozen=True)
class ReportTask:
    """Everything one report needs, as plain (picklable) data."""

    name: str  # unique within a run: the report's name, or ``STORE/report`` in a group run
    notebook: str  # the source notebook
    workdir: str  # the report's own folder; every file it writes goes here
    parameters: dict  # the run's parameters; the notebook receives those its parameters cell declares
    lang: str
    timeout_seconds: float
    memory_mb: int | None = None
    env: dict = field(default_factory=dict)  # extra environment of the kernel
    header: dict = field(default_factory=dict)  # for the HTML: dealer, meta_key, meta_fields, back_key
    capture_stderr: bool = True  # send the worker's stderr to the task's log (a single-task worker process only)
    report: str = ""  # the report's name for its files (``NAME.ipynb``, ``NAME.html``); default ``name``
    store: str | None = None  # the store the report is for (a group run)

    @property
    def file_stem(self) -> str:
        """The report's file name without extension."""
        return self.report or self.name


class KitKernelManager(AsyncKernelManager):
    """A kernel manager that launches under a memory cap, records the kernel's pid and keeps its output."""

    memory_mb = Integer(0, config=True, help="address-space cap of the kernel in MB (0: none)")
    pid_file = Unicode("", config=True, help="where to write the kernel's pid and process group")
    log_file = Unicode("", config=True, help="the kernel process's stdout and stderr")
    extra_env = Dict(config=True, help="environment variables set for the kernel")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        kw["env"] = {**kw.get("env", os.environ), **self.extra_env}
        if self.memory_mb and memory_cap_supported():
            kernel_cmd = [sys.executable, "-c", _LIMIT_AND_EXEC, str(self.memory_mb * 1024 * 1024), *kernel_cmd]
        log = open(self.log_file, "ab") if self.log_file else None  # noqa: SIM115 - the kernel holds it
        if log is not None:
            kw["stdout"] = kw["stderr"] = log
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            if log is not None:
                log.close()  # the kernel has its own copy of the descriptor
        if self.pid_file:
            pid = self.provisioner.process.pid
            pgid = os.getpgid(pid) if hasattr(os, "getpgid") else pid
            Path(self.pid_file).write_text(json.dumps({"pid": pid, "pgid": pgid}), encoding="utf-8")


def kill_kernel(workdir: str | Path) -> bool:
    """Stop a task's kernel and everything it started (its process group); True when there was one to stop."""
    try:
        info = json.loads((Path(workdir) / KERNEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        if hasattr(os, "killpg"):
            os.killpg(int(info["pgid"]), signal.SIGKILL)
        else:  # pragma: no cover - Windows
            os.kill(int(info["pid"]), signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return False
    return True


# --------------------------------------------------------------------------- the task


def execute_report(task: ReportTask) -> ReportResult:
    """Run one report notebook into ``task.workdir``; see the module docstring. Never raises for a bad report."""
    from kit.runner.export import notebook_title, write_html

    workdir = Path(task.workdir)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / TASK_FILE).write_text(json.dumps({"pid": os.getpid(), "started": time.time()}), encoding="utf-8")
    kernel_dir = Path(tempfile.mkdtemp(prefix="kit-"))  # 0700: only this user can reach the sockets
    out_nb = workdir / f"{task.file_stem}.ipynb"
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        kill_kernel(workdir)

    watchdog = threading.Timer(task.timeout_seconds, stop)
    watchdog.daemon = True
    start = time.perf_counter()
    kind, detail = None, None
    capture = stderr_to(workdir / KERNEL_LOG) if task.capture_stderr else contextlib.nullcontext()
    try:
        watchdog.start()
        with capture:
            kind, detail = _run_notebook(task, out_nb, kernel_dir, workdir)
    finally:
        watchdog.cancel()
        kill_kernel(workdir)  # a kernel that outlived its notebook (it should not) goes with it
        shutil.rmtree(kernel_dir, ignore_errors=True)
    if timed_out.is_set():
        kind = "timeout"
    seconds = round(time.perf_counter() - start, 2)
    title = notebook_title(out_nb if out_nb.exists() else Path(task.notebook), task.lang) or task.file_stem
    glued = _read_glue(workdir / GLUE_FILE)
    advice = [str(a) for a in glued.pop("_advice", []) or []]
    result = ReportResult(name=task.name, status="ok" if kind is None else "failed", seconds=seconds, title=title,
                          kind=kind, detail=detail, headline=glued, advice=advice, log=_tail(workdir / KERNEL_LOG),
                          report=task.file_stem, store=task.store)
    if result.status == "ok":
        try:
            write_html(out_nb, workdir / f"{task.file_stem}.html", title=title, lang=task.lang, header=task.header,
                       headline=result.headline, advice=result.advice)
            result.html = f"{task.file_stem}.html"
        except Exception as exc:  # an exporter failure fails this report, not the run
            result.status, result.kind, result.detail = "failed", "export", _exception_text(exc)
    result.notebook = out_nb.name if out_nb.exists() else None
    result.files = sorted(p.name for p in workdir.iterdir() if not p.name.startswith("."))
    return result


@contextlib.contextmanager
def stderr_to(path: Path):
    """Send the process's stderr to ``path`` for the block, at descriptor level (child processes inherit it)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _run_notebook(task: ReportTask, out_nb: Path, kernel_dir: Path, workdir: Path) -> tuple[str | None, str | None]:
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from traitlets.config import Config

    transport = "ipc" if ipc_supported() and len(str(kernel_dir)) + 16 <= IPC_PATH_MAX else "tcp"
    config = Config({"KitKernelManager": {
        "transport": transport,
        "connection_file": str(kernel_dir / "kernel.json"),
        "memory_mb": int(task.memory_mb or 0),
        "pid_file": str(workdir / KERNEL_FILE),
        "log_file": str(workdir / KERNEL_LOG),
        "extra_env": {**task.env, "IPYTHONDIR": str(kernel_dir / "ipython"), "KIT_KERNEL_TRANSPORT": transport},
    }})
    parameters = {**task.parameters, "glue_file": str(workdir / GLUE_FILE), "output_dir": str(workdir)}
    try:
        declared = set(pm.inspect_notebook(task.notebook))
        if "run" in declared:  # notebooks started with kit.notebook.start take the runner's context in one dict
            from kit.notebook import RUN_KEYS

            parameters["run"] = {k: parameters[k] for k in RUN_KEYS if k in parameters}
        parameters = {k: v for k, v in parameters.items() if k in declared}
        pm.execute_notebook(without_explore(task.notebook), str(out_nb), parameters=parameters,
                            kernel_name="python3", cwd=str(kernel_dir), progress_bar=False, log_output=False,
                            request_save_on_cell_execute=True, execution_timeout=max(1, int(task.timeout_seconds)),
                            start_timeout=START_TIMEOUT, kernel_manager_class=KitKernelManager, config=config)
    except pm.PapermillExecutionError as exc:
        return _classify(exc.ename), f"{exc.ename}: {_clean(exc.evalue)}"
    except CellTimeoutError as exc:
        return "timeout", _exception_text(exc)
    except DeadKernelError as exc:
        return "crashed", _exception_text(exc)
    except Exception as exc:  # unreadable notebook, kernel that never started …: this report fails, not the run
        return ("memory" if isinstance(exc, MemoryError) else "crashed"), _exception_text(exc)
    return None, None


def without_explore(path: str):
    """The notebook without its ``explore`` cells: what-ifs need a live JupyterLab (a batch has no one to move the
    sliders, the HTML leaves them out, and widget messages without a frontend can stall nbclient, nbclient#312)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    nb.cells = [c for c in nb.cells if "explore" not in c.get("metadata", {}).get("tags", [])]
    return nb


def _classify(ename: str) -> str:
    if "MemoryError" in ename:
        return "memory"
    return {"DataContractError": "data", "ConfigError": "config",
            "InsufficientDataError": "insufficient"}.get(ename, "error")


def _clean(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", str(text or "")).strip()


def _exception_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_clean(str(exc))}"


def _read_glue(path: Path) -> dict:
    from kit.report import read_glue

    return read_glue(path)


def _tail(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-LOG_TAIL:].decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- worker processes


def worker_init(parent_pid: int) -> None:
    """Start of each worker process: leave Ctrl-C to the parent, die with it, and import the executor's libraries.

    A worker whose parent is gone (``kill -9`` of the run) stops its kernel and exits, so a killed run leaves no
    kernel computing into a folder that the next run will remove. The imports (papermill, nbconvert: seconds)
    happen here, while the parent still loads the data, and not in the first report's time.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":
        _watch_parent(parent_pid)
    try:
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401
    except Exception:  # noqa: BLE001 - the task reports an import failure as the report's failure
        pass


def warm_up() -> None:
    """A no-op task: submitting one per worker starts the workers (and their imports) at once."""


def _watch_parent(parent_pid: int) -> None:
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        _kill_own_kernels()
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="kit-parent-watch").start()


_CURRENT: list[str] = []  # the workdir of the task this worker is running


def _kill_own_kernels() -> None:
    for workdir in list(_CURRENT):
        kill_kernel(workdir)


def run_in_worker(task: ReportTask) -> ReportResult:
    """The pool's entry point: :func:`execute_report` with a last line of defence against bugs in the runner."""
    _CURRENT[:] = [task.workdir]
    try:
        return execute_report(task)
    except BaseException as exc:  # noqa: BLE001 - a runner bug fails this report with its traceback, not the run
        return ReportResult(name=task.name, status="failed", seconds=0.0, title=task.file_stem, kind="internal",
                            detail=f"{_exception_text(exc)}\n{traceback.format_exc()}", report=task.file_stem,
                            store=task.store)
    finally:
        _CURRENT[:] = []
