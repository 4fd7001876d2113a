"""``kit report --scheduler``: the same reports on a Dask cluster write the same numbers as the local pool.

A 2-worker ``LocalCluster`` (processes, one thread each) stands in for a dealer group's cluster; a small generated
dealership and throw-away notebooks (a real scikit-learn fit, an Excel workbook with personal names) keep it to
about a minute. The partitioned-Parquet reader is tested here too (it is the same ``dask`` extra).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

if os.environ.get("KIT_TEST_REQUIRE_DASK"):  # `make test` installs the extra: there a missing one fails, not skips
    import distributed
else:
    distributed = pytest.importorskip("distributed", reason="the dask extra (dealer-kit[dask]) is not installed")

from kit import cli, config, io  # noqa: E402
from kit.runner.distributed import DaskPool  # noqa: E402
from kit.runner.execute import ReportTask  # noqa: E402
from kit.runner.periods import UsageError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbtool import code, md, write  # noqa: E402

pytestmark = pytest.mark.slow

TODAY = "2026-11-15"
PARAMS = ('month: str = "2026-10"\nlang: str = "en"\ndata_dir: str = ""\nmask_personal_data: bool = True\n'
          'run: dict = {}\n')
START = ('import os\nfrom kit import notebook\n'
         'r = notebook.start("{name}", month=month, lang=lang, data_dir=data_dir, '
         'mask_personal_data=mask_personal_data, run=run)\n'
         'r.glue("kernel_parent", os.getppid(), kind="int")')
NUMBERS = '''
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
leads = r.dealer.tables["leads"]
won = leads["status"].astype(str).eq("won").to_numpy()
X = np.column_stack([leads["visits"].fillna(0).to_numpy(float), leads["test_drive"].fillna(False).to_numpy(float)])
model = LogisticRegression(C=1.0, max_iter=1000).fit(X, won)
r.glue("leads", int(len(leads)), kind="int")
r.glue("won_share", float(won.mean()), kind="percent")
r.glue("visit_coefficient", float(model.coef_[0, 0]), kind="number")
by_channel = leads.groupby("channel", observed=True).agg(n=("lead_id", "size"), visits=("visits", "mean"))
r.excel({"by_channel": by_channel.reset_index(), "first_customers": leads[["lead_id", "customer_name"]].head(5),
         "probabilities": pd.DataFrame({"p": model.predict_proba(X[:50])[:, 1]})}, "numbers.xlsx")
'''


def report_notebook(path: Path, title: str, *cells: str) -> Path:
    write(str(path), [md(f"# {title}\n\nA test report."), code(PARAMS, tags=["parameters"]),
                      code(START.format(name=path.stem)), *[code(c) for c in cells]])
    return path


def make_data(out: Path) -> Path:
    from kit.samples import make_dealership

    out.mkdir(parents=True, exist_ok=True)
    for name, frame in make_dealership(seed=1, scale=0.05).items():
        frame.to_csv(out / f"{name}.csv", index=False)
    shutil.copyfile(config.DEFAULT_SETTINGS_FILE, out / "dealer.yml")
    return out


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import Client, LocalCluster

    # a report that kills its worker is failed at the first death (Dask's default retries it on three more
    # workers, each killed and restarted in turn: two minutes of the suite)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         scheduler_port=0) as lc, Client(lc) as client:
        yield lc.scheduler_address, client


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("data"))


def _report(*args: str) -> int:
    return cli.main(["report", "--today", TODAY, "--month", "2026-10", *args])


def _cells(path: Path) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return {sheet.title: [[c for c in row] for row in sheet.iter_rows(values_only=True)] for sheet in book}


def _headline(manifest: dict, drop=("kernel_parent",)) -> dict:
    return {r["name"]: {k: v["value"] for k, v in r["headline"].items() if k not in drop}
            for r in manifest["reports"]}


def test_a_cluster_run_writes_the_same_numbers_files_and_failures_as_the_local_pool(tmp_path, data, cluster):
    address, client = cluster
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    report_notebook(nbs / "data_health.ipynb", "Numbers report", NUMBERS)
    report_notebook(nbs / "lead_scoring.ipynb", "Broken report", "raise ValueError('no follow-up for the month')")
    report_notebook(nbs / "staff_turnover.ipynb", "Second numbers report",
                    'r.glue("staff", int(len(r.dealer.tables["staff"])), kind="int")')
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert _report("--data", str(data), "--out", str(local), "--notebooks", str(nbs), "--workers", "2") == 1
    assert _report("--data", str(data), "--out", str(remote), "--notebooks", str(nbs), "--scheduler", address) == 1

    one, two = (json.loads((d / "2026-10" / "manifest.json").read_text()) for d in (local, remote))
    assert two["run"]["scheduler"] == address and two["run"]["workers"] == 2
    assert one["run"]["scheduler"] is None
    # the reports really ran in the cluster's worker processes (each kernel's parent is a Dask worker)
    worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
    parents = {r["name"]: r["headline"]["kernel_parent"]["value"] for r in two["reports"] if r["status"] == "ok"}
    assert set(parents.values()) <= worker_pids, (parents, worker_pids)

    assert _headline(one) == _headline(two)
    assert _headline(two)["data_health"]["leads"] == len(io.load_dealer(data).tables["leads"])
    assert {r["name"]: (r["status"], r["kind"]) for r in two["reports"]} == {
        "data_health": ("ok", None), "lead_scoring": ("failed", "error"), "staff_turnover": ("ok", None)}
    assert [r["reason"] for r in one["reports"]] == [r["reason"] for r in two["reports"]]
    assert sorted(one["files"]) == sorted(two["files"])

    # the Excel workbook: every cell equal, and the customers' names masked on the cluster as locally
    cells = _cells(remote / "2026-10" / "numbers.xlsx")
    assert cells == _cells(local / "2026-10" / "numbers.xlsx")
    names = io.load_dealer(data).tables["leads"]["customer_name"].head(5).tolist()
    flat = " ".join(str(c) for rows in cells.values() for row in rows for c in row)
    assert not any(name in flat for name in names)
    assert "*" in flat
    index = (remote / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "no follow-up for the month" in index
    assert [p.name for p in remote.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock")
            and p.name != ".cache"] == [], "no staging folder or probe file left behind"


def _cluster_run(tmp_path: Path, data: Path, address: str, reports: dict[str, str], *flags: str) -> tuple[int, Path]:
    """Run throw-away reports ``{name: code}`` on the cluster; the exit code and the month's folder."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    for name, cell in reports.items():
        report_notebook(nbs / f"{name}.ipynb", name.replace("_", " ").title(), cell)
    out = tmp_path / "out"
    code = _report("--data", str(data), "--out", str(out), "--notebooks", str(nbs), "--scheduler", address, *flags)
    return code, out / "2026-10"


QUICK = 'r.glue("answer", 42, kind="int")'


def test_on_the_cluster_a_hanging_report_is_stopped_at_its_limit_and_the_others_still_run(tmp_path, data, cluster):
    address, client = cluster
    stuck = "import time\ntime.sleep(3600)"
    code, month = _cluster_run(tmp_path, data, address, {"data_health": stuck, "lead_scoring": stuck,
                                                         "staff_turnover": QUICK}, "--report-timeout", "0.3")
    assert code == 1
    manifest = json.loads((month / "manifest.json").read_text())
    assert {r["name"]: r["kind"] for r in manifest["reports"]} == {"data_health": "timeout",
                                                                   "lead_scoring": "timeout",
                                                                   "staff_turnover": None}
    assert "did not finish within its time limit of 0.3 minutes" in (month / "index.html").read_text()
    # both workers are free again: no kernel of the stopped reports is left running on them
    assert all(n == 0 for n in client.run(_kernels_left).values())


def _kernels_left() -> int:
    import psutil

    return sum(1 for c in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(c.cmdline()))


def test_the_run_stops_with_exit_2_when_a_worker_cannot_see_the_runs_folders(tmp_path, cluster):
    address, _ = cluster
    nb = report_notebook(tmp_path / "r.ipynb", "R")
    task = ReportTask(name="r", notebook=str(nb), workdir=str(tmp_path / "stage" / ".work" / "r"),
                      parameters={"data_dir": str(tmp_path / "not-mounted")}, lang="en", timeout_seconds=60)
    with DaskPool(address) as pool:
        with pytest.raises(UsageError, match=r"cannot see .*not-mounted(.|\n)*same path"):
            pool.check_shared(task)
    assert not list((tmp_path / "stage" / ".work").iterdir()), "the probe file is removed"


def test_an_unreachable_scheduler_is_a_usage_error_and_nothing_is_written(tmp_path, data, capsys, monkeypatch):
    import socket

    from kit.runner import distributed as kd

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(kd, "CONNECT_SECONDS", 2.0)
    out = tmp_path / "out"
    assert _report("--data", str(data), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}") == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not (out / "2026-10").exists()


# --------------------------------------------------------------------------- partitioned Parquet


@pytest.fixture(scope="module")
def group(tmp_path_factory) -> Path:
    from kit.samples import write_group

    out = tmp_path_factory.mktemp("group")
    write_group(out, 3, months=4, seed=5, truth=False, parquet=True)
    return out


def test_partitioned_tables_read_lazily_equal_the_validated_csv_tables(group):
    from kit.io.partitioned import load_partitioned, partitioned_tables

    assert {"leads", "staff", "sales"} <= set(partitioned_tables(group / "parquet"))
    csv = io.load_dealer(group)
    for name in ("leads", "sales", "staff"):
        lazy = load_partitioned(group / "parquet", name)
        assert lazy.npartitions == 3
        got = lazy.compute().sort_values(list(csv.tables[name].columns[:2])).reset_index(drop=True)
        want = csv.tables[name].sort_values(list(csv.tables[name].columns[:2])).reset_index(drop=True)
        assert list(got.columns) == list(want.columns)
        for column in want.columns:
            pd.testing.assert_series_equal(got[column].astype(object).where(got[column].notna(), None),
                                           want[column].astype(object).where(want[column].notna(), None),
                                           check_names=False, obj=f"{name}.{column}")


def test_a_bad_partition_names_its_file_row_and_column(group, tmp_path):
    from kit.exceptions import DataContractError
    from kit.io.partitioned import load_partitioned

    folder = tmp_path / "parquet"
    shutil.copytree(group / "parquet" / "leads", folder / "leads")
    part = folder / "leads" / "store_id=S002" / "part-0.parquet"
    frame = pd.read_parquet(part)
    frame["visits"] = frame["visits"].astype(str)
    frame.loc[3, "visits"] = "many"
    frame.to_parquet(part, index=False)
    lazy = load_partitioned(folder, "leads")
    with pytest.raises(DataContractError, match=r"store_id=S002(.|\n)*row 4,(.|\n)*visits(.|\n)*many"):
        lazy.compute()
    assert len(load_partitioned(folder, "leads", stores=["S001", "S003"]).compute()) > 0


def test_a_missing_table_folder_is_a_clear_error(tmp_path):
    from kit.exceptions import DataContractError
    from kit.io.partitioned import load_partitioned

    with pytest.raises(DataContractError, match="no partitioned table 'leads'"):
        load_partitioned(tmp_path, "leads")


def test_a_scheduler_file_finds_the_cluster_and_a_missing_one_is_a_usage_error(tmp_path, cluster):
    address, client = cluster
    # what 'dask scheduler --scheduler-file' writes (the scheduler's identity; the client reads its address);
    # Client.write_scheduler_file is not used: it fails on this distributed's tuple keys and marks the shared client
    (tmp_path / "sched.json").write_text(json.dumps({"type": "Scheduler", "address": address}), encoding="utf-8")
    with DaskPool(str(tmp_path / "sched.json"), tasks=5) as pool:
        assert pool.address == address and pool.workers == 2, "workers default to the cluster's threads"
    with pytest.raises(UsageError, match="no such scheduler file"):
        DaskPool(str(tmp_path / "missing.json"))


def test_a_report_that_kills_its_dask_worker_fails_alone_as_crashed(tmp_path, data, cluster):
    address, client = cluster
    killer = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"  # the kernel's parent is the Dask worker
    code, month = _cluster_run(tmp_path, data, address, {"data_health": killer, "staff_turnover": QUICK})
    assert code == 1
    manifest = json.loads((month / "manifest.json").read_text())
    assert {r["name"]: r["kind"] for r in manifest["reports"]} == {"data_health": "crashed", "staff_turnover": None}
    assert "stopped unexpectedly" in (month / "index.html").read_text(encoding="utf-8")
    client.wait_for_workers(2, timeout=120)  # the nannies brought the killed workers back
