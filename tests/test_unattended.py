"""`kit report` as cron runs it, in real processes: no terminal, no home, another working directory; killed with
SIGKILL half way; two runs of one month at once. Throw-away notebooks wait on a gate file, so each test decides
when a run is "half way" without timing anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from test_runner import TODAY, good_notebook, leftovers, make_data

pytestmark = pytest.mark.slow  # every test here runs reports end to end (make test-fast leaves them out)

ROOT = Path(__file__).resolve().parents[1]
GATE = ("import os, pathlib, time\n"
        "pathlib.Path(os.environ['KIT_TEST_STARTED']).write_text(str(os.getpid()))\n"
        "while not os.path.exists(os.environ['KIT_TEST_GATE']):\n"
        "    time.sleep(0.2)")
WAIT_LIMIT = 600  # seconds a test waits for a condition before it gives up (a safety net, not a timed assert)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("data"), scale=0.05)


@pytest.fixture()
def gated(tmp_path) -> tuple[Path, dict]:
    """A notebooks folder whose report waits for ``gate`` to exist, and the environment that names the files."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good_notebook(nbs / "data_health.ipynb", "Gated report", 1, GATE)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIT_TEST_GATE": str(tmp_path / "gate"),
           "KIT_TEST_STARTED": str(tmp_path / "started")}
    return nbs, env


def kit_report(*args: str, env: dict, cwd: str | Path = ROOT, stdout=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kit.cli", "report", "--today", TODAY, *map(str, args)],
                            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE,
                            text=True)


def wait_for(condition, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_cron_run_from_root_without_a_terminal_a_home_or_an_environment(tmp_path, data):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good_notebook(nbs / "data_health.ipynb", "Alpha report", 1,
                  "import os\nreport.glue('home', os.environ.get('HOME', ''), kind='text')")
    out = tmp_path / "out"
    # what cron gives: a bare PATH, no terminal, cwd /; HOME is a folder nobody can create (read-only /proc).
    # PYTHONPATH only points at this checkout; an installed kit needs nothing.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": "/proc/kit-no-home"}
    proc = kit_report("--data", data, "--out", out, "--notebooks", nbs, env=env, cwd="/")
    stdout, stderr = proc.communicate(timeout=WAIT_LIMIT)
    assert proc.returncode == 0, stderr
    assert stderr == "", "cron mails stderr: a good run writes nothing there"
    assert "chose 2026-10: 2026-10 is the latest month complete in every table" in stdout
    assert "Index: " in stdout
    month = out / "2026-10"
    assert (month / "data_health.html").is_file()
    manifest = json.loads((month / "manifest.json").read_text())
    assert manifest["reports"][0]["headline"]["home"]["value"] == "/proc/kit-no-home"
    assert (out / ".cache" / "matplotlib").is_dir(), "caches go to the output folder when HOME is read-only"
    assert not Path("/kit-no-home").exists() and leftovers(out) == []


def test_runs_of_one_month_never_write_at_once_and_a_killed_run_leaves_the_previous_month(tmp_path, data, gated):
    nbs, env = gated
    gate, started = Path(env["KIT_TEST_GATE"]), Path(env["KIT_TEST_STARTED"])
    out = tmp_path / "out"
    month = out / "2026-10"
    args = ("--data", data, "--out", out, "--notebooks", nbs, "--month", "2026-10", "--workers", "1")
    gate.touch()
    first = kit_report(*args, env=env)
    assert first.wait(WAIT_LIMIT) == 0, first.stderr.read()
    before = snapshot(month)

    # a second run stops half way (its report waits on the closed gate), holding the month's lock
    gate.unlink()
    started.unlink()
    stuck = kit_report(*args, env=env)
    wait_for(started.exists, "the report to start", stuck)
    kernel = int(started.read_text())

    # a third run of the same month refuses at once with --wait 0 …
    refused = kit_report(*args, "--wait", "0", env=env)
    _, stderr = refused.communicate(timeout=WAIT_LIMIT)
    assert refused.returncode == 3
    assert "another run is writing" in stderr and "Nothing was written" in stderr and "Traceback" not in stderr
    assert snapshot(month) == before

    # … and a fourth waits for it
    log = tmp_path / "waiting.out"
    with open(log, "w") as fh:
        waiting = kit_report(*args, "--wait", "10", env=env, stdout=fh)
        wait_for(lambda: "waiting for another run of 2026-10" in log.read_text(), "the fourth run to wait", waiting)

        # kill -9 the run half way: the published month is exactly as it was, its kernel stops, its lock is gone
        stuck.send_signal(signal.SIGKILL)
        stuck.wait(WAIT_LIMIT)
        assert snapshot(month) == before, "the previous good month is exactly as it was"
        wait_for(lambda: gone(kernel), "the killed run's kernel to stop")
        gate.touch()
        assert waiting.wait(WAIT_LIMIT) == 0, waiting.stderr.read()
    printed = log.read_text()
    assert f"removed .2026-10.staging-{stuck.pid}" in printed, "the killed run's staging folder is cleaned up"
    assert leftovers(out) == []
    manifest = json.loads((month / "manifest.json").read_text())
    assert manifest["run"]["id"] != json.loads(before["manifest.json"])["run"]["id"]
    assert [r["status"] for r in manifest["reports"]] == ["ok"]
    assert set(manifest["files"]) == {p.name for p in month.iterdir()} - {"index.html", "manifest.json", "run.log"}
