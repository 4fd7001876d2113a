"""Run report tasks in a local process pool, with per-report and whole-run time limits enforced from the parent.

Each task is :func:`kit.runner.execute.run_in_worker` applied to a :class:`~kit.runner.execute.ReportTask`: a
top-level function of plain data. :class:`LocalPool` runs it in a local ``ProcessPoolExecutor``;
:class:`kit.runner.distributed.DaskPool` sends it to a Dask cluster. :func:`run_tasks` drives either through the
same small interface (``workers``, ``submit``, ``stop``, ``kill``, ``rebuild``, ``close``): the pool, not the loop,
knows how to stop a kernel or a worker, so a remote pool never signals a process id of this machine.

The parent watches each task's status file: when a report passes its time limit the parent stops its kernel (the
task then returns a failed result and the worker takes the next report); a worker that still does not return is
killed, and the pool is rebuilt for the reports not yet finished. When the whole run passes its limit, running
reports are stopped and reports not started are marked as not run.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kit.runner.execute import TASK_FILE, ReportResult, ReportTask, kill_kernel, run_in_worker, warm_up, worker_init

if TYPE_CHECKING:
    from kit.runner.distributed import DaskPool

POLL_SECONDS = 0.5
#: how long a worker may take to return after its kernel was stopped before the worker itself is killed
WORKER_GRACE_SECONDS = 60.0
MAX_RETRIES = 1  # a report caught in a pool another report broke is run once more


@dataclass
class _Running:
    task: ReportTask
    submitted: float
    started: float | None = None  # parent's clock when the task's status file appeared
    worker_pid: int | None = None
    stopped: str | None = None  # timeout | run_timeout: the parent stopped it
    stopped_at: float | None = None
    retries: int = 0


class LocalPool:
    """A ``ProcessPoolExecutor`` of report workers that can be rebuilt when a worker had to be killed.

    The workers start (and import the executor's libraries) as soon as the pool is made, so making it before the
    data is loaded overlaps the two.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        # spawn: a fresh interpreter per worker (no inherited threads or locks), the same on every platform
        executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=worker_init, initargs=(os.getpid(),))
        for _ in range(self.workers):
            executor.submit(warm_up)
        return executor

    def submit(self, task: ReportTask) -> Future:
        return self.executor.submit(run_in_worker, task)

    def stop(self, task: ReportTask) -> None:
        """Stop the task's kernel (the task then returns a failed result)."""
        kill_kernel(task.workdir)

    def kill(self, future: Future, pid: int | None) -> None:
        """Kill the worker process that does not return; the pool breaks and :func:`run_tasks` rebuilds it."""
        _kill_worker(pid)

    def rebuild(self) -> None:
        self.close(wait=False)
        self.executor = self._new()

    def close(self, *, wait: bool = True) -> None:
        """Shut the pool down; ``wait=False`` kills the workers first (an error, Ctrl-C, a broken pool)."""
        if not wait:
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                process.kill()
        # always join the executor's manager thread: one left running after shutdown(wait=False) can make
        # CPython's exit hook print a traceback at interpreter exit (a cron mail for nothing)
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.close(wait=exc_type is None)


def _status(task: ReportTask) -> dict | None:
    try:
        return json.loads((Path(task.workdir) / TASK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _kill_worker(pid: int | None) -> None:
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _stopped_result(state: _Running, kind: str | None) -> ReportResult:
    """The result of a report whose worker process is gone (stopped by the parent, or died)."""
    if kind is None:
        kind = "crashed" if state.started is not None or _status(state.task) is not None else "internal"
    detail = {"timeout": "stopped by the runner: the report's time limit",
              "run_timeout": "stopped by the runner: the run's time limit",
              "crashed": "the worker process running the report stopped unexpectedly",
              "internal": "KitError: the worker process stopped before the report started (see run.log)"}[kind]
    return ReportResult(name=state.task.name, status="failed", kind=kind, title=state.task.name,
                        seconds=round(time.monotonic() - (state.started or state.submitted), 2), detail=detail)


def run_tasks(tasks: list[ReportTask], pool: "LocalPool | DaskPool", *, run_seconds: float,
              on_result: Callable[[ReportResult], None] | None = None) -> dict[str, ReportResult]:
    """Run every task in ``pool``; returns ``{name: result}``. Never raises for a failing report."""
    workers = pool.workers
    deadline = time.monotonic() + run_seconds
    queue = list(tasks)
    running: dict[Future, _Running] = {}
    results: dict[str, ReportResult] = {}
    retries: dict[str, int] = {}

    def finish(result: ReportResult) -> None:
        results[result.name] = result
        if on_result:
            on_result(result)

    try:
        while queue or running:
            now = time.monotonic()
            if now >= deadline:
                for task in queue:
                    finish(ReportResult(name=task.name, status="failed", seconds=0.0, title=task.name,
                                        kind="not_started", detail="not started: the run's time limit"))
                queue.clear()
            while queue and len(running) < workers:
                task = queue.pop(0)
                running[pool.submit(task)] = _Running(task, time.monotonic(),
                                                                     retries=retries.get(task.name, 0))
            done, _ = wait(list(running), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                state = running.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    if state.stopped or state.retries >= MAX_RETRIES or _worker_died(state):
                        finish(_stopped_result(state, state.stopped))
                    else:  # an innocent report in a pool another report broke: run it again
                        retries[state.task.name] = state.retries + 1
                        queue.insert(0, state.task)
                    continue
                if state.stopped and result.status != "ok":  # it failed because the parent stopped it
                    result.kind = state.stopped
                finish(result)
            now = time.monotonic()
            for fut, state in running.items():
                _watch(pool, fut, state, now, deadline)
            if broken:
                for fut, state in list(running.items()):  # the executor fails these too; account for them now
                    pool.stop(state.task)
                    running.pop(fut)
                    if state.stopped or state.retries >= MAX_RETRIES:
                        finish(_stopped_result(state, state.stopped))
                    else:
                        retries[state.task.name] = state.retries + 1
                        queue.insert(0, state.task)
                pool.rebuild()
    finally:
        for fut, state in running.items():  # only after an exception in the parent (Ctrl-C): stop everything
            pool.stop(state.task)
            pool.kill(fut, state.worker_pid or (_status(state.task) or {}).get("pid"))
    return results


def _worker_died(state: _Running) -> bool:
    pid = state.worker_pid or (_status(state.task) or {}).get("pid")
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _watch(pool, future: Future, state: _Running, now: float, deadline: float) -> None:
    """Stop a report past its own or the run's time limit; kill its worker if it does not come back."""
    if state.started is None:
        status = _status(state.task)
        if status is not None:
            state.started, state.worker_pid = now, int(status.get("pid") or 0) or None
    started = state.started if state.started is not None else state.submitted
    if state.stopped is None:
        if now >= deadline:
            state.stopped = "run_timeout"
        elif now >= started + state.task.timeout_seconds:
            state.stopped = "timeout"
        if state.stopped:
            state.stopped_at = now
            pool.stop(state.task)
    elif now >= (state.stopped_at or now) + WORKER_GRACE_SECONDS:
        pool.kill(future, state.worker_pid)


def make_pool(workers: int | None, tasks: int, *, scheduler: str | None = None) -> "LocalPool | DaskPool":
    """The pool for a run: local processes, or the Dask cluster at ``scheduler`` (``workers`` None: its threads)."""
    if scheduler:
        from kit.runner.distributed import DaskPool

        return DaskPool(scheduler, workers, tasks=tasks)
    return LocalPool(min(int(workers or 1), tasks))
