"""One writer per period folder, publishing by rename, and recovery from runs that were killed.

Each period folder ``OUT/LABEL`` has a lock file ``OUT/.LABEL.lock``. A run holds an exclusive ``flock`` on it from
before it reads the old folder until it has published the new one; the operating system drops the lock when the
process ends, however it ends (``kill -9`` included), so a lock never outlives its run.

A run builds ``OUT/.LABEL.staging-PID`` and publishes it with two renames (the old folder to
``OUT/.LABEL.old-PID``, the staging folder to ``OUT/LABEL``). A run killed between the renames leaves no
``OUT/LABEL`` but a complete ``.old`` folder: :func:`sweep`, run under the lock, puts it back, so the previous good
period is exactly as it was; it also removes staging and ``.old`` folders of runs that are no longer alive (whoever
holds no lock on a label cannot be writing it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

from kit.exceptions import KitError

try:  # POSIX; elsewhere the lock is a no-op and concurrent runs of one period are the scheduler's business
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LEFTOVER_RE = re.compile(r"^\.(?P<label>.+)\.(?P<kind>staging|old)-(?P<pid>\d+)$")
POLL_SECONDS = 0.5


class BusyError(KitError):
    """Another run holds the period's lock and did not finish within the wait (exit code 3; nothing written)."""


def lock_path(out_dir: Path, label: str) -> Path:
    return out_dir / f".{label}.lock"


def _try_flock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
        return f"process {info['pid']}, started {info['started']}"
    except (OSError, ValueError, KeyError):
        return "another process"


@contextlib.contextmanager
def period_lock(out_dir: Path, label: str, *, wait_seconds: float, run_id: str = "",
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock of ``OUT/LABEL`` for the block; wait up to ``wait_seconds`` for another run, then BusyError."""
    path = lock_path(out_dir, label)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait_seconds)
        told = False
        while not _try_flock(fd):
            if time.monotonic() >= deadline:
                raise BusyError(f"another run is writing {out_dir / label} ({_holder(path)}); waited "
                                f"{wait_seconds / 60:g} minutes. Nothing was written; run again when it has "
                                f"finished (or raise --wait).")
            if on_wait and not told:
                on_wait(f"waiting for another run of {label} to finish ({_holder(path)}) …")
                told = True
            time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "run": run_id,
                                 "started": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextlib.contextmanager
def _lock_if_free(out_dir: Path, label: str) -> Iterator[bool]:
    fd = os.open(lock_path(out_dir, label), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        yield _try_flock(fd)
    finally:
        os.close(fd)


def _recover(out_dir: Path, label: str, names: list[str]) -> list[str]:
    """Put back a killed swap's old folder and remove dead runs' staging and old folders of one label."""
    done = []
    final = out_dir / label
    olds = sorted((n for n in names if LEFTOVER_RE.match(n).group("kind") == "old"),
                  key=lambda n: (out_dir / n).stat().st_mtime)
    if olds and not final.exists():
        os.replace(out_dir / olds[-1], final)
        done.append(f"restored {label} from {olds[-1]} (a run was killed while publishing)")
        names = [n for n in names if n != olds[-1]]
    for name in names:
        shutil.rmtree(out_dir / name, ignore_errors=True)
        done.append(f"removed {name} (left by a run that was stopped)")
    return done


def sweep(out_dir: Path, *, holding: str) -> list[str]:
    """Clean up after killed runs, for every label whose lock is free (and ``holding``, whose lock we hold)."""
    by_label: dict[str, list[str]] = {}
    for entry in os.listdir(out_dir):
        m = LEFTOVER_RE.match(entry)
        if m and (out_dir / entry).is_dir():
            by_label.setdefault(m.group("label"), []).append(entry)
    done = []
    for label, names in sorted(by_label.items()):
        if label == holding:
            done += _recover(out_dir, label, names)
            continue
        with _lock_if_free(out_dir, label) as free:
            if free:
                done += _recover(out_dir, label, names)
    for entry in os.listdir(out_dir):  # temporary files of interrupted atomic writes
        if re.fullmatch(r"\..+\.tmp-(\d+)", entry) and not _alive(int(entry.rsplit("-", 1)[1])):
            with contextlib.suppress(OSError):
                (out_dir / entry).unlink()
    return done


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staging_dir(out_dir: Path, label: str) -> Path:
    return out_dir / f".{label}.staging-{os.getpid()}"


def swap(stage: Path, final: Path) -> None:
    """Replace ``final`` by ``stage`` with two renames; the old folder is removed once the new one is in place."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(stage, final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def atomic_write(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file beside it, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
