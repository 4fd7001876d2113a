"""Reports on a Dask cluster: ``kit report --scheduler ADDRESS`` sends the same tasks there as the local pool runs.

:class:`DaskPool` has the interface of :class:`kit.runner.pool.LocalPool`, so :func:`kit.runner.pool.run_tasks`
drives it unchanged: each report is :func:`kit.runner.execute.run_in_worker` applied to the same
:class:`~kit.runner.execute.ReportTask`, run in a Dask worker (which starts the report's own kernel on its host).
Checks, the period lock, the snapshot, masking, the manifest and publishing stay in the parent, as locally.

Shared storage. The parent and every worker must see the data folder, the notebooks folder and the output folder
at the same paths (an NFS or cluster file system, a Kubernetes volume mounted ``ReadWriteMany``): the notebooks read
the validated snapshot from the staging folder, some read earlier months from the output folder, and each report
writes its files straight into its folder in the staging area, where the parent collects them. Before the first
report is sent the pool checks that every worker sees those paths and a file the parent just wrote there, and has
the same versions of the packages that shape the numbers; otherwise the run stops with exit 2 and nothing is
published.

Time limits. Each task keeps its own watchdog (its report's time limit, counted on the worker). The parent counts
the report's and the run's limits too and, when one passes, asks the worker that runs the report to stop its kernel
(``Client.run`` on the workers; only the worker that registered the report acts, so no process id is ever signalled
on the wrong host). A task that still does not return is abandoned as failed and its worker restarted (with a
nanny). A worker that dies is a failed report (``crashed``), not a failed run.

Workers should run one report at a time each (``dask worker --nthreads 1``): a report is a kernel process of its
own, and the worker's threads only wait for it.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import socket
import threading
import uuid
from concurrent.futures import Future, InvalidStateError
from pathlib import Path

from kit.runner.execute import ReportResult, ReportTask, kill_kernel, run_in_worker
from kit.runner.periods import UsageError

#: packages whose versions shape the reports' numbers: parent and workers must agree
SAME_VERSIONS = ("dealer-kit", "pandas", "numpy", "scikit-learn", "scipy", "statsforecast", "lifelines",
                 "papermill", "nbconvert", "openpyxl", "pyarrow")
CONNECT_SECONDS = 30.0
#: how long to wait for the first worker of a cluster that has none yet (a batch system still starting them)
WORKER_WAIT_SECONDS = 120.0
CALL_SECONDS = 30  # stopping a kernel or checking the workers

_HERE: set[str] = set()  # on a worker: the folders of the reports this worker process is running
_HERE_LOCK = threading.Lock()


# --------------------------------------------------------------------------- what runs on the workers


def run_remote(task: ReportTask) -> ReportResult:
    """A Dask worker's entry point: :func:`run_in_worker`, registered so the parent can stop it on this host."""
    workdir = Path(task.workdir)
    if not workdir.parent.is_dir() or not Path(task.notebook).is_file():
        return ReportResult(name=task.name, status="failed", seconds=0.0, title=task.name, kind="internal",
                            detail=f"KitError: the Dask worker on {socket.gethostname()} cannot see "
                                   f"{workdir.parent if not workdir.parent.is_dir() else task.notebook}; a run on a "
                                   f"cluster needs the data, notebooks and output folders on storage every worker "
                                   f"mounts at the same path")
    with _HERE_LOCK:
        _HERE.add(task.workdir)
    try:
        return run_in_worker(task)
    finally:
        with _HERE_LOCK:
            _HERE.discard(task.workdir)


def stop_here(workdir: str) -> bool:
    """On a worker: stop the kernel of the report in ``workdir`` if this worker process runs it."""
    with _HERE_LOCK:
        mine = workdir in _HERE
    return kill_kernel(workdir) if mine else False


def probe(paths: list[str], token_file: str, token: str) -> dict:
    """On a worker: which of ``paths`` it cannot see, whether it reads the parent's token, its package versions."""
    from kit.runner.export import version

    try:
        token_ok = Path(token_file).read_text(encoding="utf-8") == token
    except OSError:
        token_ok = False
    return {"host": socket.gethostname(), "missing": [p for p in paths if not os.path.exists(p)],
            "token": token_ok, "versions": _versions(version)}


def _versions(version) -> dict[str, str]:
    return {p: version(p) for p in SAME_VERSIONS} | {"python": ".".join(platform.python_version_tuple()[:2])}


# --------------------------------------------------------------------------- the parent's side


class DaskPool:
    """Report tasks sent to the Dask scheduler at ``address``; the interface of :class:`~kit.runner.pool.LocalPool`.

    Parameters
    ----------
    address : the scheduler, e.g. ``tcp://10.0.0.5:8786``; a ``.json`` path is a scheduler file (``dask scheduler
        --scheduler-file``, as on SLURM); or a ``distributed.Client`` to use as it is.
    workers : reports sent at once; default the cluster's worker threads when it is reached.
    tasks : the number of reports of the run (no more are sent at once).

    Raises
    ------
    UsageError
        ``distributed`` is not installed, the scheduler cannot be reached, it has no worker, or ``workers`` is not a
        whole number >= 1.
    """

    def __init__(self, address, workers: int | None = None, *, tasks: int | None = None,
                 connect_seconds: float | None = None, worker_wait_seconds: float | None = None):
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise UsageError(f"--workers: expected a whole number of reports at once, 1 or more; got {workers!r}.")
        # the module's limits at call time (a test may shorten them)
        connect_seconds = CONNECT_SECONDS if connect_seconds is None else connect_seconds
        worker_wait_seconds = WORKER_WAIT_SECONDS if worker_wait_seconds is None else worker_wait_seconds
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask's distributed package: pip install 'dealer-kit[dask]'.") from None
        self._own = not isinstance(address, Client)
        if self._own:
            where = {"scheduler_file": address} if str(address).endswith(".json") else {"address": address}
            if "scheduler_file" in where and not Path(address).is_file():  # distributed would wait for it forever
                raise UsageError(f"--scheduler {address}: no such scheduler file (written by 'dask scheduler "
                                 f"--scheduler-file {address}').")
            try:
                self.client = Client(**where, timeout=connect_seconds, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:  # a missing scheduler file is an OSError too
                raise UsageError(f"--scheduler {address}: cannot reach the Dask scheduler ({exc}); is "
                                 f"'dask scheduler' running there and the port open?") from None
        else:
            self.client = address
        self.address = self.client.scheduler.address
        try:
            self.client.wait_for_workers(1, timeout=worker_wait_seconds)
        except TimeoutError:
            self.close()
            raise UsageError(f"--scheduler {self.address}: the scheduler has no worker (waited "
                             f"{worker_wait_seconds:g} s); start some with 'dask worker {self.address}'.") from None
        limit = workers or sum(self.client.nthreads().values())
        self.workers = max(1, min(limit, tasks) if tasks else limit)
        self._running: dict[Future, tuple[object, ReportTask]] = {}
        self._checked = False

    # ----------------------------------------------------------------- the LocalPool interface

    def submit(self, task: ReportTask) -> Future:
        """Send one report; the returned future always resolves to a :class:`ReportResult` (never raises)."""
        if not self._checked:
            self.check_shared(task)
        remote = dataclasses.replace(task, capture_stderr=False)  # a worker runs several tasks: no process-wide dup2
        handle = self.client.submit(run_remote, remote, key=f"kit-report-{task.name}-{uuid.uuid4().hex[:8]}",
                                    pure=False, retries=0)
        future: Future = Future()
        future.set_running_or_notify_cancel()
        self._running[future] = (handle, remote)

        def done(finished) -> None:
            try:
                result = finished.result()
            except BaseException as exc:  # noqa: BLE001 - a lost worker fails this report, not the run
                result = _lost(task, exc)
            _resolve(future, result)
            self._running.pop(future, None)

        handle.add_done_callback(done)
        return future

    def stop(self, task: ReportTask) -> None:
        """Ask the workers to stop the kernel of ``task``; only the worker running it acts."""
        try:
            self.client.run(stop_here, task.workdir, on_error="ignore", wait=True)
        except Exception:  # noqa: BLE001 - a scheduler that went away: the task's own watchdog still stops it
            pass

    def kill(self, future: Future, pid: int | None = None) -> None:
        """Give up on a report that does not come back: it fails, and its worker is restarted (with a nanny)."""
        handle, task = self._running.pop(future, (None, None))
        if handle is None:
            return
        where = []
        try:
            where = [w for w, keys in self.client.processing().items() if handle.key in keys]
        except Exception:  # noqa: BLE001
            pass
        handle.cancel()
        _resolve(future, ReportResult(name=task.name, status="failed", seconds=0.0, title=task.name, kind="crashed",
                                      detail="the Dask worker running the report did not return; it was restarted"))
        if where:
            try:
                self.client.restart_workers(where, timeout=CALL_SECONDS, raise_for_error=False)
            except Exception:  # noqa: BLE001 - workers without a nanny cannot be restarted; the report failed anyway
                pass

    def rebuild(self) -> None:
        """Nothing to rebuild: a lost Dask worker fails its own report only (the scheduler replaces it)."""

    def close(self, *, wait: bool = True) -> None:
        """Cancel what is still running (stopping its kernels when ``wait`` is False) and disconnect."""
        for future, (handle, task) in list(self._running.items()):
            if not wait:
                self.stop(task)
            handle.cancel()
            _resolve(future, _lost(task, RuntimeError("the run stopped")))
        self._running.clear()
        if self._own:
            self.client.close()

    def __enter__(self) -> "DaskPool":
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.close(wait=exc_type is None)

    # ----------------------------------------------------------------- shared storage

    def check_shared(self, task: ReportTask) -> None:
        """Refuse the run unless every worker sees the run's folders at the parent's paths, with the same packages.

        Raises
        ------
        UsageError : naming each worker's host and what it lacks.
        """
        from kit.runner.export import version

        stage = Path(task.workdir).parent
        stage.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        token_file = stage / f".probe-{token}"
        token_file.write_text(token, encoding="utf-8")
        params = task.parameters
        paths = [task.notebook] + [str(params[k]) for k in ("data_dir", "snapshot_dir", "reports_dir")
                                   if params.get(k)]
        try:
            answers = self.client.run(probe, paths, str(token_file), token, on_error="return")
        finally:
            token_file.unlink(missing_ok=True)
        mine = _versions(version)
        problems = []
        for worker, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                problems.append(f"{worker}: cannot run the kit ({type(answer).__name__}: {answer}); install "
                                f"dealer-kit[dask] on every worker")
                continue
            host = f"{worker} ({answer['host']})"
            if answer["missing"]:
                problems.append(f"{host} cannot see {', '.join(answer['missing'])}")
            elif not answer["token"]:
                problems.append(f"{host} sees {stage} but not the file this machine just wrote there (a different "
                                f"folder under the same path)")
            other = {p: (v, answer["versions"].get(p)) for p, v in mine.items() if answer["versions"].get(p) != v}
            if other:
                problems.append(f"{host} has other versions: " + ", ".join(f"{p} {w} (here {v})"
                                                                          for p, (v, w) in other.items()))
        if problems:
            raise UsageError(f"--scheduler {self.address}: the workers cannot run these reports as this machine "
                             "would:\n - " + "\n - ".join(problems) + "\nA run on a cluster needs the data, "
                             "notebooks and output folders on storage every worker mounts at the same path, and the "
                             "same kit and library versions everywhere.")
        self._checked = True


def _resolve(future: Future, result: ReportResult) -> None:
    try:
        future.set_result(result)
    except InvalidStateError:  # already given up on (kill, close)
        pass


def _lost(task: ReportTask, exc: BaseException) -> ReportResult:
    """The result of a report whose Dask task raised (a worker that died, a cancelled task, a runner bug)."""
    name = type(exc).__name__
    if isinstance(exc, (ImportError, AttributeError, TypeError)):  # the worker could not even unpack the task
        return ReportResult(name=task.name, status="failed", seconds=0.0, title=task.name, kind="internal",
                            detail=f"KitError: the report could not run on the cluster ({name}: {exc})")
    return ReportResult(name=task.name, status="failed", seconds=0.0, title=task.name, kind="crashed",
                        detail=f"the Dask worker running the report stopped unexpectedly ({name}: {exc})")
