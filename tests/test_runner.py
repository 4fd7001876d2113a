"""The runner and `kit report`: failure isolation, exit codes, checks before running, the honest period folder,
masking, escaping, locks, periods (day / week / month) and the run settings. Throw-away notebooks keep it fast."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kit import cli, config, io
from kit.exceptions import ConfigError
from kit.runner import lock as locks
from kit.runner.periods import choose_period, label_kind, period_from_label
from kit.runner.privacy import PersonalValues, scrub_file
from kit.settings import RunSettings, load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbtool import code, md, write  # noqa: E402

pytestmark = pytest.mark.slow  # every test here runs reports end to end (make test-fast leaves them out)

TODAY = "2026-11-15"  # the runs' "today": after the small dealership's last month (2026-10)
PARAMS = ('month: str = "2026-10"\ndata_dir: str = "data_samples"\nlang: str = "en"\nglue_file: str = ""\n'
          'output_dir: str = ""\nmask_personal_data: bool = True\nperiod: str = "month"\nperiod_start: str = ""\n'
          'period_end: str = ""\nas_of: str = ""\n')
SETUP = "from kit import report\nreport.setup(glue_file=glue_file, lang=lang)\n"
# what a kernel exposes on the network: its transport, and listening TCP ports other than ipykernel's own
# subprocess-output pipe (a PULL socket on 127.0.0.1 that ipykernel always opens, messages signed per kernel)
NETWORK = (
    "import psutil\nfrom ipykernel.connect import get_connection_info\nfrom ipykernel.kernelapp import IPKernelApp\n"
    "pipe = getattr(IPKernelApp.instance().iopub_thread, '_pipe_port', None)\n"
    "tcp = [c.laddr.port for c in psutil.Process().net_connections('inet') if c.status == 'LISTEN' "
    "and c.laddr.port != pipe]\n"
    "report.glue('transport', get_connection_info(unpack=True)['transport'], kind='text')\n"
    "report.glue('tcp_listeners', len(tcp), kind='int')"
)


def notebook(path: Path, title: str, *cells: str, periods: list[str] | None = None) -> Path:
    """A throw-away report: a title, the runner's parameters, then ``cells`` (code) after report.setup."""
    write(str(path), [md(f"# {title}\n\nA test report."), code(PARAMS, tags=["parameters"]), code(SETUP),
                      *[code(c) for c in cells]])
    if periods is not None:
        nb = nbformat.read(path, as_version=4)
        nb.metadata["kit"] = {"periods": periods}
        nbformat.write(nb, path)
    return path


def good_notebook(path: Path, title: str, value: int, *extra: str, periods: list[str] | None = None) -> Path:
    return notebook(path, title,
                    "import warnings, sys\nwarnings.warn('a library warning nobody should see')\n"
                    "print('noise', file=sys.stderr)",
                    "import pandas as pd\n"
                    "report.table(pd.DataFrame({'name': ['<script>alert(1)</script>'], 'x': [1.5]}))",
                    f"report.glue('answer', {value}, label='The answer', kind='int')", *extra, periods=periods)


def failing_notebook(path: Path, message: str = "the sales table has no rows for 2026-10",
                     periods: list[str] | None = None) -> Path:
    return notebook(path, "Broken report", f"raise ValueError({message!r})", periods=periods)


def make_data(out: Path, scale: float = 0.1) -> Path:
    from kit.samples import write_dealership

    out.mkdir(parents=True, exist_ok=True)
    write_dealership(out, seed=1, scale=scale)
    return out


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def _loaded(small_data) -> io.Dealer:
    return io.load_dealer(small_data)


@pytest.fixture()
def cached(monkeypatch, small_data, _loaded):
    """Load the small dealership once per module: a run on ``small_data`` gets the already validated dealer."""
    real = io.load_dealer

    def load(data_dir):
        return _loaded if Path(data_dir).resolve() == small_data.resolve() else real(data_dir)

    monkeypatch.setattr(io, "load_dealer", load)
    return small_data


@pytest.fixture()
def notebooks(tmp_path) -> Path:
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir()
    good_notebook(nb_dir / "data_health.ipynb", "Alpha report", 42, NETWORK)
    failing_notebook(nb_dir / "lead_scoring.ipynb",
                     "2 problems in the KPI settings:\n - <b>launch</b> weights sum to 0.9\n - profile growth names "
                     "gross_profit, which kpi.csv does not have", periods=["day", "week", "month"])
    good_notebook(nb_dir / "staff_turnover.ipynb", "Gamma report", 7)
    return nb_dir


def _run(*args: str) -> int:
    return cli.main(["report", "--today", TODAY, *args])


def leftovers(out: Path) -> list[str]:
    """Hidden entries other than the lock files (which stay, empty of meaning once their run has ended)."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")
                  and p.name != ".cache")


# --------------------------------------------------------------------------- one report fails, the others stand


def test_a_failing_report_gives_exit_1_leaves_the_others_and_an_index_with_the_whole_reason(tmp_path, cached,
                                                                                            notebooks, capsys):
    out = tmp_path / "out"
    assert _run("--data", str(cached), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks),
                "--workers", "2") == 1
    month = out / "2026-10"
    assert (month / "data_health.html").is_file() and (month / "staff_turnover.html").is_file()
    assert not (month / "lead_scoring.html").exists()
    assert (month / "lead_scoring.ipynb").is_file(), "the failed notebook is kept for the analyst"
    index = (month / "index.html").read_text(encoding="utf-8")
    # the whole reason, every line, in plain words (no exception class), markup escaped
    assert "2 problems in the KPI settings:" in index
    assert "&lt;b&gt;launch&lt;/b&gt; weights sum to 0.9" in index and "<b>launch</b>" not in index
    assert "which kpi.csv does not have" in index
    assert "ValueError" not in index
    assert "running the same period again repairs it" in index
    assert 'href="lead_scoring.ipynb"' in index
    assert 'href="data_health.html"' in index and 'href="staff_turnover.html"' in index
    assert "The answer" in index and "42" in index
    manifest = json.loads((month / "manifest.json").read_text())
    status = {r["name"]: (r["status"], r["kind"]) for r in manifest["reports"]}
    assert status == {"data_health": ("ok", None), "lead_scoring": ("failed", "error"),
                      "staff_turnover": ("ok", None)}
    failed = next(r for r in manifest["reports"] if r["name"] == "lead_scoring")
    assert failed["detail"].startswith("ValueError: 2 problems") and "kpi.csv does not have" in failed["detail"]
    assert "kpi.csv does not have" in (month / "run.log").read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    assert printed.count("] ") >= 3 and "FAILED" in printed, "one progress line per report"
    assert "chose 2026-10: the month asked for" in printed
    assert leftovers(out) == [], "no staging or old folders left behind"
    # the kernels talked over IPC and opened no TCP port of their own
    head = {k: v["value"] for k, v in manifest["reports"][0]["headline"].items()}
    assert head["transport"] == "ipc" and head["tcp_listeners"] == 0
    assert manifest["run"]["kernel_transport"] == "ipc"

    # a report page: no code, warnings or tracebacks, nothing fetched from outside, data escaped
    page = (month / "staff_turnover.html").read_text(encoding="utf-8")
    assert "report.setup" not in page and "import pandas" not in page, "code cells must not be shown"
    assert "a library warning nobody should see" not in page and "noise" not in page
    assert "Traceback" not in page
    assert not re.search(r"<script[^>]+src=", page), "no external scripts"
    assert not re.search(r"<link[^>]+href=[\"']https?:", page), "no external stylesheets"
    assert "cdn" not in page.lower() and "mathjax" not in page.lower() and "require.js" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Gamma report" in page and "The answer" in page and "Month 2026-10" in page


# --------------------------------------------------------------------------- the honest period folder


def test_only_rerun_replaces_what_it_owns_even_when_it_fails_and_the_manifest_keeps_each_files_run(tmp_path):
    data = make_data(tmp_path / "data", scale=0.05)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good_notebook(nbs / "data_health.ipynb", "Alpha report", 1)
    excel = ("import os, pandas as pd\n"
             "pd.DataFrame({'x': [1]}).to_excel(os.path.join(output_dir, f'turnover_{month}.xlsx'), index=False)")
    good_notebook(nbs / "staff_turnover.ipynb", "Gamma report", 2, excel)
    out = tmp_path / "out"
    month = out / "2026-10"
    assert _run("--data", str(data), "--out", str(out), "--month", "2026-10", "--notebooks", str(nbs)) == 0
    first = json.loads((month / "manifest.json").read_text())
    assert {"turnover_2026-10.xlsx", "staff_turnover.html", "data_health.html"} <= set(first["files"])
    assert first["files"]["turnover_2026-10.xlsx"]["report"] == "staff_turnover"
    alpha = (month / "data_health.html").read_bytes()
    old_yml = hashlib.sha256((data / "dealer.yml").read_bytes()).hexdigest()

    # new inputs, the re-run report now fails, and a stray file sits in the folder
    with open(data / "dealer.yml", "a", encoding="utf-8") as fh:
        fh.write("# edited after the first run\n")
    new_yml = hashlib.sha256((data / "dealer.yml").read_bytes()).hexdigest()
    failing_notebook(nbs / "staff_turnover.ipynb")
    (month / "stale.txt").write_text("left by hand")
    assert _run("--data", str(data), "--out", str(out), "--month", "2026-10", "--notebooks", str(nbs),
                "--only", "staff_turnover") == 1

    assert not (month / "turnover_2026-10.xlsx").exists(), "the failed report's old Excel file is gone"
    assert not (month / "staff_turnover.html").exists(), "and so is its old page"
    assert not (month / "stale.txt").exists(), "a file no report owns is not carried over"
    assert (month / "data_health.html").read_bytes() == alpha, "the other report is kept as it was"
    manifest = json.loads((month / "manifest.json").read_text())
    assert [r["name"] for r in manifest["reports"]] == ["data_health", "staff_turnover"]
    runs, files = manifest["runs"], manifest["files"]
    first_run, second_run = first["run"]["id"], manifest["run"]["id"]
    assert first_run != second_run
    assert files["data_health.html"]["run"] == first_run and files["staff_turnover.ipynb"]["run"] == second_run
    assert runs[first_run]["inputs"]["dealer.yml"] == old_yml, "kept files keep the inputs that produced them"
    assert runs[second_run]["inputs"]["dealer.yml"] == new_yml
    assert manifest["inputs"]["dealer.yml"] == new_yml
    for rel, digest in manifest["inputs"].items():
        assert hashlib.sha256((data / rel).read_bytes()).hexdigest() == digest
    for name, record in files.items():
        assert hashlib.sha256((month / name).read_bytes()).hexdigest() == record["sha256"], name
        assert record["personal_data"] == "masked"
    assert set(files) == {p.name for p in month.iterdir()} - {"index.html", "manifest.json", "run.log"}
    index = (month / "index.html").read_text(encoding="utf-8")
    assert "the sales table has no rows for 2026-10" in index and 'href="data_health.html"' in index


# --------------------------------------------------------------------------- exit code 2 before anything runs


# case -> (arguments, text the message must contain); {file} and {missing} are paths made in the test
USAGE_CASES = {
    "month format": (["--month", "2026-13"], "expected YYYY-MM"),
    "month after the data": (["--month", "2026-11"], "latest complete month"),
    "month before the data": (["--month", "1999-01"], "before the data starts"),
    "unknown report": (["--only", "nope"], "unknown report nope"),
    "empty --only": (["--only", ""], "unknown report"),
    "report not in the period": (["--period", "day", "--only", "staff_turnover"], "does not run for --period"),
    "workers 0": (["--workers", "0"], "--workers"),
    "workers too many": (["--workers", "9999"], "--workers"),
    "workers not a number": (["--workers", "two"], "invalid int value"),
    "language": (["--lang", "fr"], "invalid choice"),
    "period": (["--period", "year"], "invalid choice"),
    "date format": (["--period", "day", "--date", "20261101"], "expected YYYY-MM-DD"),
    "date not in the calendar": (["--period", "day", "--date", "2026-02-30"], "not a calendar date"),
    "date after today": (["--period", "day", "--date", "2027-01-05"], "after today"),
    "date before the data": (["--period", "day", "--date", "1999-01-01"], "runs from"),
    "date for a month run": (["--date", "2026-10-05"], "--date picks a day or a week"),
    "month for a week run": (["--period", "week", "--month", "2026-10"], "--month is for month runs"),
    "report timeout": (["--report-timeout", "0"], "--report-timeout"),
    "run timeout": (["--run-timeout", "-5"], "--run-timeout"),
    "memory cap": (["--memory-mb", "10"], "--memory-mb"),
    "wait": (["--wait", "-1"], "--wait"),
    "data missing": (["--data", "{missing}"], "no such folder"),
    "data is a file": (["--data", "{file}"], "is a file"),
    "out is a file": (["--out", "{file}"], "is a file"),
    "out cannot be made": (["--out", "/proc/kit-cannot-create-this"], "cannot create"),
}


def _exit_code(*args: str) -> int:
    try:
        return _run(*args)
    except SystemExit as exc:  # argparse's own usage errors
        return exc.code


@pytest.mark.parametrize("case", list(USAGE_CASES))
def test_bad_usage_exits_2_with_a_message_and_writes_nothing(tmp_path, cached, notebooks, capsys, case):
    args, expected = USAGE_CASES[case]
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("x")
    args = [a.format(file=a_file, missing=tmp_path / "nowhere") for a in args]
    out = tmp_path / "out"
    assert _exit_code("--data", str(cached), "--out", str(out), "--notebooks", str(notebooks), *args) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")], "nothing written"


def test_invalid_data_and_unreadable_input_exit_2_without_a_traceback(tmp_path, small_data, notebooks, capsys,
                                                                      monkeypatch):
    out = tmp_path / "out"
    broken = tmp_path / "broken"
    shutil.copytree(small_data, broken)
    staff = (broken / "staff.csv").read_text().splitlines()
    header, row = staff[0].split(","), staff[1].split(",")
    row[header.index("hire_date")] = "not a date"
    (broken / "staff.csv").write_text("\n".join([staff[0], ",".join(row), *staff[2:]]) + "\n")
    assert _run("--data", str(broken), "--out", str(out), "--notebooks", str(notebooks)) == 2
    err = capsys.readouterr().err
    assert "staff.csv row 2, column hire_date" in err and "Traceback" not in err

    # whatever the loader meets on hostile input becomes exit 2 naming the file, never a traceback
    def unreadable(data_dir):
        raise PermissionError(13, "Permission denied", str(Path(data_dir) / "leads.csv"))

    monkeypatch.setattr(io, "load_dealer", unreadable)
    assert _run("--data", str(small_data), "--out", str(out), "--notebooks", str(notebooks)) == 2
    err = capsys.readouterr().err
    assert "leads.csv: cannot be read (Permission denied)" in err and "Traceback" not in err

    def confused(data_dir):
        raise ValueError("cannot reindex on an axis with duplicate labels")

    monkeypatch.setattr(io, "load_dealer", confused)
    assert _run("--data", str(small_data), "--out", str(out), "--notebooks", str(notebooks)) == 2
    err = capsys.readouterr().err
    assert "the data could not be read (ValueError: cannot reindex" in err and "Traceback" not in err

    # a pipe named like an input never ends: reading is stopped at the run's time limit, never a hang
    fifo = tmp_path / "dealer.yml"
    os.mkfifo(fifo)

    def hangs(data_dir):
        return fifo.read_text()

    monkeypatch.setattr(io, "load_dealer", hangs)
    assert _run("--data", str(small_data), "--out", str(out), "--notebooks", str(notebooks),
                "--run-timeout", "0.02") == 2
    err = capsys.readouterr().err
    assert "reading the data did not finish within 0.02 minutes" in err and "Traceback" not in err
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_last_month_is_the_latest_complete_month_and_the_run_says_why(tmp_path, cached, notebooks, capsys):
    out = tmp_path / "out"
    assert _run("--data", str(cached), "--out", str(out), "--notebooks", str(notebooks),
                "--only", "staff_turnover") == 0
    assert [p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")] == ["2026-10"]
    assert "chose 2026-10: 2026-10 is the latest month complete in every table" in capsys.readouterr().out
    root = (out / "index.html").read_text()
    assert 'href="2026-10/index.html"' in root


def test_a_snapshot_of_the_validated_tables_reaches_the_notebooks_and_is_not_published(tmp_path, cached):
    from kit.runner import run_batch

    def snapshot(dealer, folder):
        folder.mkdir()
        dealer.tables["staff"].to_csv(folder / "staff.csv", index=False)
        return folder

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    notebook(nbs / "staff_turnover.ipynb", "Snapshot reader",
             "import pandas as pd\nreport.glue('staff', len(pd.read_csv(snapshot_dir + '/staff.csv')), kind='int')")
    nb = nbformat.read(nbs / "staff_turnover.ipynb", as_version=4)
    nb.cells[1].source += '\nsnapshot_dir: str = ""'  # declared in the parameters cell, as a notebook would
    nbformat.write(nb, nbs / "staff_turnover.ipynb")
    result = run_batch(data_dir=cached, out_dir=tmp_path / "out", notebooks_dir=nbs, month="2026-10",
                       snapshot=snapshot, progress=None)
    assert result.ok, [r.detail for r in result.reports]
    assert result.reports[0].headline["staff"]["value"] == len(io.load_dealer(cached).tables["staff"])
    assert not (result.out_dir / ".snapshot").exists(), "unmasked tables are never published"
    manifest = json.loads((result.out_dir / "manifest.json").read_text())
    assert list(manifest["snapshot"]) == ["staff.csv"] and manifest["parameters"]["snapshot_dir"].endswith(".snapshot")


# --------------------------------------------------------------------------- hangs, memory, time limits


def test_a_hanging_and_a_memory_hungry_report_fail_alone_with_their_reasons(tmp_path, cached):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good_notebook(nbs / "data_health.ipynb", "Alpha report", 1)
    notebook(nbs / "lead_scoring.ipynb", "Hungry report", "block = bytearray(6 * 1024 ** 3)")
    notebook(nbs / "staff_turnover.ipynb", "Stuck report", "import time\ntime.sleep(3600)")
    out = tmp_path / "out"
    assert _run("--data", str(cached), "--out", str(out), "--month", "2026-10", "--notebooks", str(nbs),
                "--workers", "3", "--report-timeout", "0.5", "--memory-mb", "3072") == 1
    manifest = json.loads((out / "2026-10" / "manifest.json").read_text())
    kinds = {r["name"]: (r["status"], r["kind"]) for r in manifest["reports"]}
    assert kinds == {"data_health": ("ok", None), "lead_scoring": ("failed", "memory"),
                     "staff_turnover": ("failed", "timeout")}
    index = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "more memory than the 3072 MB allowed for one report" in index
    assert "did not finish within its time limit of 0.5 minutes" in index
    assert manifest["run"]["limits"] == {"report_timeout_minutes": 0.5, "run_timeout_minutes": 180.0,
                                         "report_memory_mb": 3072}
    assert (out / "2026-10" / "staff_turnover.ipynb").is_file(), "the stopped report's notebook shows where it hung"


def test_the_run_time_limit_stops_the_running_report_and_skips_the_rest(tmp_path, cached):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    notebook(nbs / "data_health.ipynb", "Stuck report", "import time\ntime.sleep(3600)")
    good_notebook(nbs / "staff_turnover.ipynb", "Gamma report", 2)
    out = tmp_path / "out"
    assert _run("--data", str(cached), "--out", str(out), "--month", "2026-10", "--notebooks", str(nbs),
                "--workers", "1", "--run-timeout", "0.4") == 1
    manifest = json.loads((out / "2026-10" / "manifest.json").read_text())
    assert {r["name"]: r["kind"] for r in manifest["reports"]} == {"data_health": "run_timeout",
                                                                   "staff_turnover": "not_started"}
    index = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "the whole run reached its time limit of 0.4 minutes" in index
    assert "was not started" in index


# --------------------------------------------------------------------------- personal data


def test_personal_values_are_masked_in_every_published_file(tmp_path, cached, _loaded):
    leads, staff = _loaded.tables["leads"], _loaded.tables["staff"]
    customer, phone = leads["customer_name"].dropna().iloc[0], leads["phone"].dropna().iloc[0]
    person = staff["name"].dropna().iloc[0]
    leak = (f"import os, sys, pandas as pd\nprint({customer!r}, {phone!r})\nprint({person!r}, file=sys.stderr)\n"
            f"pd.DataFrame({{'who': [{customer!r}], 'tel': [{phone!r}]}}).to_csv(os.path.join(output_dir, 'x.csv'))\n"
            f"pd.DataFrame({{'who': [{person!r}], 'n': [1]}}).to_excel(os.path.join(output_dir, 'x.xlsx'))\n"
            f"report.glue('who', {customer!r}, label='Top customer', kind='text')")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    notebook(nbs / "data_health.ipynb", "Leaky report", leak)
    notebook(nbs / "lead_scoring.ipynb", "Leaky failure", f"raise ValueError('no follow-up for ' + {customer!r} + "
                                                          f"' at ' + {phone!r})")
    out = tmp_path / "out"
    assert _run("--data", str(cached), "--out", str(out), "--month", "2026-10", "--notebooks", str(nbs)) == 1
    values = PersonalValues.from_tables(_loaded.tables)
    assert customer in values.cjk_names or customer in values.other_names
    digits = re.sub(r"\D", "", phone)
    month = out / "2026-10"
    for path in month.iterdir():
        if path.suffix == ".xlsx":
            from openpyxl import load_workbook

            text = " ".join(str(c.value) for row in load_workbook(path).active.iter_rows() for c in row)
        else:
            text = path.read_text(encoding="utf-8")
        for secret in (customer, person, phone, digits):
            assert secret not in text, (path.name, secret)
    assert re.sub(r"\D", "", phone)[:3] + "****" in (month / "x.csv").read_text(encoding="utf-8")
    manifest = json.loads((month / "manifest.json").read_text())
    assert manifest["run"]["personal_data"] == "masked"

    # --show-personal-data is the one way to reveal them, and the folder says so
    assert _run("--data", str(cached), "--out", str(out), "--month", "2026-10", "--notebooks", str(nbs),
                "--show-personal-data", "--only", "data_health") == 0
    assert customer in (month / "x.csv").read_text(encoding="utf-8")
    manifest = json.loads((month / "manifest.json").read_text())
    assert manifest["files"]["x.csv"]["personal_data"] == "revealed"
    assert manifest["files"]["lead_scoring.ipynb"]["personal_data"] == "masked"
    assert "shown in full in some files of this folder" in (month / "index.html").read_text(encoding="utf-8")


def test_scrub_masks_names_and_phones_in_any_text_and_excel_text_cells(tmp_path):
    values = PersonalValues(["张伟", "欧阳小明", "Li Wei"], ["13812345678", "198-3810-9373"])
    text, n = values.scrub("张伟明 called 138-1234-5678 and 19838109373; 欧阳小明 met Li Wei (not Li Weiss). "
                           "Order 2026103112 stays.")
    assert text == ("张*明 called 138****5678 and 198****9373; 欧*** met L***** (not Li Weiss). "
                    "Order 2026103112 stays.")
    assert n == 5
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    wb.active.append(["欧阳小明", 13812345678, "tel 13812345678"])
    wb.save(tmp_path / "a.xlsx")
    assert scrub_file(tmp_path / "a.xlsx", values) == 2
    row = [c.value for c in next(load_workbook(tmp_path / "a.xlsx").active.iter_rows())]
    assert row == ["欧***", 13812345678, "tel 138****5678"], "text cells masked, numbers left as they are"


# --------------------------------------------------------------------------- index pages


def test_index_escapes_everything_from_data_and_notebooks():
    from kit.runner import render_index
    from kit.runner.execute import ReportResult

    bad = "<img src=x onerror=alert(1)>"
    page = render_index("2026-10", [
        ReportResult(name="a", status="ok", seconds=1, title=f"T {bad}", html="a.html",
                     headline={"k": {"label": bad, "display": bad}}),
        ReportResult(name="b", status="failed", seconds=1, title="B", notebook="b.ipynb", reason=f"store {bad}"),
    ], lang="en", dealer_name=f"Motors {bad}", generated="2026-11-01 06:00")
    assert "<img" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 5  # dealer, title, label, value, reason


# --------------------------------------------------------------------------- days, weeks and months


def _fake_dealer(last_lead: str, *, sales_last: str = "2026-10", first_lead: str = "2024-01-03") -> io.Dealer:
    leads = pd.DataFrame({"created_at": pd.to_datetime([first_lead, last_lead])})
    followups = pd.DataFrame({"at": pd.to_datetime([first_lead, last_lead])})
    sales = pd.DataFrame({"month": ["2024-01", sales_last]})
    kpi = pd.DataFrame({"month": ["2024-02", sales_last]})
    return io.Dealer(data_dir=Path("/data"), tables={"leads": leads, "followups": followups, "sales": sales,
                                                     "kpi": kpi}, settings=None, files={}, warnings=[])


@pytest.mark.parametrize("kind, date, today, label, start, end, as_of", [
    # defaults: yesterday / the last complete week, never after the data's last day (2026-10-31)
    ("day", None, "2026-10-20", "2026-10-19", "2026-10-19", "2026-10-19", "2026-10-19"),
    ("day", None, "2026-12-03", "2026-10-31", "2026-10-31", "2026-10-31", "2026-10-31"),
    ("week", None, "2026-10-21", "2026-W42", "2026-10-12", "2026-10-18", "2026-10-18"),
    ("week", None, "2026-10-19", "2026-W42", "2026-10-12", "2026-10-18", "2026-10-18"),  # Monday: last week
    ("week", None, "2026-12-03", "2026-W43", "2026-10-19", "2026-10-25", "2026-10-25"),
    # --date: that day, or the ISO week containing it; a week past the data's end runs to its last day
    ("day", "2026-10-05", "2026-12-03", "2026-10-05", "2026-10-05", "2026-10-05", "2026-10-05"),
    ("week", "2026-10-28", "2026-12-03", "2026-W44", "2026-10-26", "2026-11-01", "2026-10-31"),
    ("week", "2025-12-31", "2026-12-03", "2026-W01", "2025-12-29", "2026-01-04", "2026-01-04"),
    ("month", None, "2026-12-03", "2026-10", "2026-10-01", "2026-10-31", "2026-10-31"),
])
def test_the_period_chosen_for_each_kind(kind, date, today, label, start, end, as_of):
    period = choose_period(kind, _fake_dealer("2026-10-31"), date=date, today=dt.date.fromisoformat(today))
    assert (period.label, period.start.isoformat(), period.end.isoformat(), period.as_of.isoformat()) == (
        label, start, end, as_of)
    assert period.why.startswith(f"chose {label}")
    assert label_kind(label) == kind and period_from_label(label).start == period.start
    assert period.parameters()["month"] == as_of[:7]


def test_month_last_never_takes_a_month_that_has_not_ended_and_says_why():
    period = choose_period("month", _fake_dealer("2026-10-31", sales_last="2099-01"), today=dt.date(2026, 12, 3))
    assert period.label == "2024-01"  # the latest month complete in every table; 2099-01 is after today
    assert "not taken: sales: 2099-01 is after today" in period.why


def test_day_and_week_runs_get_their_folders_and_the_month_links_them(tmp_path, cached, capsys):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    good_notebook(nbs / "data_health.ipynb", "Month only", 1)
    notebook(nbs / "lead_scoring.ipynb", "Call list",
             "for name in ('period', 'period_start', 'period_end', 'as_of', 'month'):\n"
             "    report.glue(name, globals()[name], kind='text')", periods=["day", "week", "month"])
    out = tmp_path / "out"
    base = ["--data", str(cached), "--out", str(out), "--notebooks", str(nbs)]
    assert _run(*base, "--period", "week", "--date", "2026-10-28") == 0
    week = json.loads((out / "2026-W44" / "manifest.json").read_text())
    assert [r["name"] for r in week["reports"]] == ["lead_scoring"], "a week runs only the reports that declare it"
    got = {k: v["value"] for k, v in week["reports"][0]["headline"].items()}
    assert got == {"period": "week", "period_start": "2026-10-26", "period_end": "2026-11-01",
                   "as_of": "2026-10-31", "month": "2026-10"}
    assert "Weekly reports — 2026-W44 (2026-10-26 – 2026-11-01)" in (out / "2026-W44" / "index.html").read_text()
    assert "Week 2026-W44" in (out / "2026-W44" / "lead_scoring.html").read_text(encoding="utf-8")

    assert _run(*base, "--month", "2026-10") == 0
    month_index = (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert 'href="../2026-W44/index.html"' in month_index
    assert _run(*base, "--period", "day") == 0  # default: yesterday, but the data ends on 2026-10-31
    assert "chose 2026-10-31:" in capsys.readouterr().out
    assert 'href="../2026-10-31/index.html"' in (out / "2026-10" / "index.html").read_text(encoding="utf-8"), \
        "a day run adds itself to its month's index"
    root = (out / "index.html").read_text(encoding="utf-8")
    for label in ("2026-10", "2026-W44", "2026-10-31"):
        assert f'href="{label}/index.html"' in root


def test_the_real_notebooks_declare_the_runner_parameters_and_their_periods():
    import papermill as pm

    from kit.runner import available_reports, notebook_periods

    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        params = pm.inspect_notebook(str(path))
        # notebooks started with kit.notebook.start take the runner's context (glue file, output folder …) as `run`
        runner_context = {"run"} if "run" in params else {"glue_file"}
        assert {"month", "data_dir", "lang", "mask_personal_data"} | runner_context <= set(params), path.name
        nb = nbformat.read(path, as_version=4)
        titles = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")]
        langs = {t for c in titles for t in c.metadata.get("tags", [])}
        assert langs == {"lang-en", "lang-zh"}, f"{path.name}: a title in each language"
    assert notebook_periods(config.NOTEBOOKS_DIR / "lead_scoring.ipynb") == ("day", "week", "month")
    assert "lead_scoring" in available_reports(period="week") and "lead_scoring" in available_reports(period="day")
    assert "kpi_weighting" not in available_reports(period="week")


# --------------------------------------------------------------------------- locks and killed runs


def test_sweep_restores_a_month_killed_between_the_two_renames_and_removes_dead_runs_folders(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = out / ".2026-10.old-4242"  # the killed run had moved the good month aside
    old.mkdir()
    (old / "index.html").write_text("the previous good month")
    (out / ".2026-10.staging-4242").mkdir()  # … and its staging folder was not yet renamed
    (out / ".2026-09.staging-77").mkdir()  # a dead run of another month
    busy = out / ".2026-08.staging-88"  # a live run of another month: its lock is held
    busy.mkdir()
    with locks.period_lock(out, "2026-08", wait_seconds=0):
        done = locks.sweep(out, holding="2026-10")
    assert (out / "2026-10" / "index.html").read_text() == "the previous good month"
    assert not old.exists() and not (out / ".2026-10.staging-4242").exists()
    assert not (out / ".2026-09.staging-77").exists()
    assert busy.exists(), "a folder whose run still holds its lock is left alone"
    assert any("restored 2026-10" in line for line in done)


def test_a_second_writer_of_the_same_period_waits_then_gives_up(tmp_path):
    with locks.period_lock(tmp_path, "2026-10", wait_seconds=0, run_id="first"):
        with pytest.raises(locks.BusyError, match=r"another run is writing .*2026-10 \(process \d+"):
            with locks.period_lock(tmp_path, "2026-10", wait_seconds=0.6):
                pass
        with locks.period_lock(tmp_path, "2026-11", wait_seconds=0):  # another period is not blocked
            pass
    with locks.period_lock(tmp_path, "2026-10", wait_seconds=0):  # released with its holder
        pass


# --------------------------------------------------------------------------- the run: section of dealer.yml


def test_run_settings_defaults_are_documented_in_both_dealer_files():
    assert RunSettings() == RunSettings(report_timeout_minutes=30.0, run_timeout_minutes=180.0,
                                        report_memory_mb=8192, lock_wait_minutes=10.0)
    assert load_settings().run == RunSettings()
    assert load_settings(ROOT / "data_samples" / "dealer.yml").run == RunSettings()
    assert parse_settings({}).run == RunSettings()
    custom = parse_settings({"run": {"report_timeout_minutes": 5, "report_memory_mb": None}}).run
    assert (custom.report_timeout_minutes, custom.report_memory_mb, custom.run_timeout_minutes) == (5.0, None, 180.0)


@pytest.mark.parametrize("mapping, path, found", [
    ({"report_timeout": 5}, "run.report_timeout", "unknown setting"),
    ({"report_timeout_minutes": 0}, "run.report_timeout_minutes", "got 0"),
    ({"run_timeout_minutes": "3h"}, "run.run_timeout_minutes", "'3h'"),
    ({"report_memory_mb": 100}, "run.report_memory_mb", "at least 256"),
    ({"report_memory_mb": 1024.5}, "run.report_memory_mb", "1024.5"),
    ({"lock_wait_minutes": -1}, "run.lock_wait_minutes", "0 or more"),
    ({"report_timeout_minutes": True}, "run.report_timeout_minutes", "True"),
])
def test_bad_run_setting_names_itself(mapping, path, found):
    with pytest.raises(ConfigError) as info:
        parse_settings({"run": mapping})
    assert f"dealer.yml: {path}: " in str(info.value) and found in str(info.value)


def test_run_section_must_be_a_mapping():
    with pytest.raises(ConfigError, match=r"^dealer\.yml: run: expected a mapping"):
        parse_settings({"run": 5})


def test_the_batch_leaves_the_explore_cells_to_jupyterlab(tmp_path, cached):
    """What-ifs need someone moving the sliders: the runner does not execute cells tagged ``explore`` (a widget
    without a frontend can stall nbclient), so one that would hang or fail never touches the report."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    path = good_notebook(notebooks / "with_whatif.ipynb", "What-if", 7)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('an explore cell ran in the batch')",
                                              metadata={"tags": ["explore"]}))
    nbformat.write(nb, path)
    out = tmp_path / "out"
    assert _run("--data", str(cached), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks),
                "--report-timeout", "2") == 0
    executed = nbformat.read(out / "2026-10" / "with_whatif.ipynb", as_version=4)
    assert not [c for c in executed.cells if "explore" in c.metadata.get("tags", [])]
    assert "7" in (out / "2026-10" / "index.html").read_text(encoding="utf-8")
