"""The monthly runner and the `kit report` command: exit codes, atomic output, index, manifest, self-contained HTML."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

from kit import cli, config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbtool import code, md, write  # noqa: E402

PARAMS = 'month: str = "2026-10"\ndata_dir: str = "data_samples"\nlang: str = "en"\nglue_file: str = ""\n' \
         'output_dir: str = ""\n'


def _good_notebook(path: Path, title: str, value: int) -> None:
    write(str(path), [
        md(f"# {title}\n\nA test report."),
        code(PARAMS, tags=["parameters"]),
        code("from kit import report\nimport warnings\nreport.setup(glue_file=glue_file, lang=lang)\n"
             "warnings.warn('a library warning nobody should see')\nimport sys; print('noise', file=sys.stderr)"),
        md("## First section\n\nText with <b>markup</b>."),
        code("import pandas as pd\nreport.table(pd.DataFrame({'name': ['<script>alert(1)</script>'], 'x': [1.5]}))"),
        md("## Second section"),
        code(f"report.glue('answer', {value}, label='The answer', kind='int')"),
    ])


def _bad_notebook(path: Path) -> None:
    write(str(path), [
        md("# Broken report"),
        code(PARAMS, tags=["parameters"]),
        code("raise ValueError('the sales table has no rows for 2026-10')"),
    ])


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    from kit.samples import make_dealership

    out = tmp_path_factory.mktemp("data")
    for name, frame in make_dealership(seed=1, scale=0.15).items():
        frame.to_csv(out / f"{name}.csv", index=False)
    shutil.copyfile(config.DEFAULT_SETTINGS_FILE, out / "dealer.yml")
    return out


@pytest.fixture()
def notebooks(tmp_path) -> Path:
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir()
    _good_notebook(nb_dir / "data_health.ipynb", "Alpha report", 42)
    _bad_notebook(nb_dir / "lead_scoring.ipynb")
    _good_notebook(nb_dir / "staff_turnover.ipynb", "Gamma report", 7)
    return nb_dir


def _run(*args: str) -> int:
    return cli.main(["report", *args])


def test_failing_notebook_gives_exit_1_and_leaves_the_others_and_an_honest_index(tmp_path, small_data, notebooks,
                                                                                  capsys):
    out = tmp_path / "out"
    code_ = _run("--data", str(small_data), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks),
                 "--workers", "2")
    assert code_ == 1
    month = out / "2026-10"
    assert (month / "data_health.html").is_file() and (month / "staff_turnover.html").is_file()
    assert not (month / "lead_scoring.html").exists()
    assert (month / "lead_scoring.ipynb").is_file(), "the failed notebook is kept for the analyst"
    index = (month / "index.html").read_text(encoding="utf-8")
    assert "the sales table has no rows for 2026-10" in index
    assert 'href="lead_scoring.ipynb"' in index
    assert 'href="data_health.html"' in index and 'href="staff_turnover.html"' in index
    assert "The answer" in index and "42" in index
    manifest = json.loads((month / "manifest.json").read_text())
    status = {r["name"]: r["status"] for r in manifest["reports"]}
    assert status == {"data_health": "ok", "lead_scoring": "failed", "staff_turnover": "ok"}
    printed = capsys.readouterr().out
    assert printed.count("[") >= 3 and "FAILED" in printed, "one progress line per report"
    # no staging folders left behind
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_report_html_has_no_code_no_warnings_no_external_requests_and_escapes_data(tmp_path, small_data, notebooks):
    out = tmp_path / "out"
    _run("--data", str(small_data), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks),
         "--only", "data_health")
    page = (out / "2026-10" / "data_health.html").read_text(encoding="utf-8")
    assert "report.setup" not in page and "import pandas" not in page, "code cells must not be shown"
    assert "a library warning nobody should see" not in page and "noise" not in page
    assert "Traceback" not in page
    assert not re.search(r"<script[^>]+src=", page), "no external scripts"
    assert not re.search(r"<link[^>]+href=[\"']https?:", page), "no external stylesheets"
    assert "cdn" not in page.lower() and "mathjax" not in page.lower() and "require.js" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # title, summary and table of contents at the top, linking to anchors in the page
    assert "Alpha report" in page and "The answer" in page
    anchors = re.findall(r'href="#(section-\d+)"', page)
    assert anchors == ["section-1", "section-2"]
    for anchor in anchors:
        assert f'id="{anchor}"' in page


def test_manifest_hashes_match_the_inputs_and_rerun_replaces_the_month(tmp_path, small_data, notebooks):
    out = tmp_path / "out"
    _run("--data", str(small_data), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks),
         "--only", "data_health")
    month = out / "2026-10"
    (month / "stale.txt").write_text("from an older run")
    _run("--data", str(small_data), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks))
    assert not (month / "stale.txt").exists(), "a full re-run replaces the month's outputs"
    manifest = json.loads((month / "manifest.json").read_text())
    assert manifest["month"] == "2026-10"
    for rel, digest in manifest["inputs"].items():
        assert hashlib.sha256((small_data / rel).read_bytes()).hexdigest() == digest
    assert {"leads.csv", "staff.csv", "dealer.yml"} <= set(manifest["inputs"])
    assert manifest["packages"]["pandas"]
    assert manifest["parameters"]["mask_personal_data"] is True


def test_only_keeps_the_months_other_reports(tmp_path, small_data, notebooks):
    out = tmp_path / "out"
    _run("--data", str(small_data), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks))
    _run("--data", str(small_data), "--out", str(out), "--month", "2026-10", "--notebooks", str(notebooks),
         "--only", "staff_turnover")
    month = out / "2026-10"
    assert (month / "data_health.html").is_file()
    names = [r["name"] for r in json.loads((month / "manifest.json").read_text())["reports"]]
    assert names == ["data_health", "lead_scoring", "staff_turnover"]


def test_bad_usage_and_invalid_data_exit_2_and_write_nothing(tmp_path, small_data, notebooks, capsys):
    out = tmp_path / "out"
    assert _run("--data", str(small_data), "--out", str(out), "--month", "2026-13", "--notebooks",
                str(notebooks)) == 2
    assert _run("--data", str(small_data), "--out", str(out), "--month", "2031-01", "--notebooks",
                str(notebooks)) == 2
    assert _run("--data", str(small_data), "--out", str(out), "--only", "nope", "--notebooks", str(notebooks)) == 2
    broken = tmp_path / "broken"
    shutil.copytree(small_data, broken)
    staff = (broken / "staff.csv").read_text().splitlines()
    header = staff[0].split(",")
    row = staff[1].split(",")
    row[header.index("hire_date")] = "not a date"
    (broken / "staff.csv").write_text("\n".join([staff[0], ",".join(row), *staff[2:]]) + "\n")
    assert _run("--data", str(broken), "--out", str(out), "--notebooks", str(notebooks)) == 2
    err = capsys.readouterr().err
    assert "staff.csv row 2, column hire_date" in err
    assert not out.exists() or not any(out.iterdir())


def test_last_month_is_the_latest_complete_month_in_the_data(tmp_path, small_data, notebooks):
    out = tmp_path / "out"
    _run("--data", str(small_data), "--out", str(out), "--notebooks", str(notebooks), "--only", "data_health")
    assert [p.name for p in out.iterdir() if p.is_dir()] == ["2026-10"]
    assert (out / "index.html").is_file() and 'href="2026-10/index.html"' in (out / "index.html").read_text()


def test_the_real_notebooks_declare_the_runner_parameters():
    import papermill as pm

    for path in sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")):
        params = pm.inspect_notebook(str(path))
        assert {"month", "data_dir", "lang", "glue_file"} <= set(params), path.name
        nb = nbformat.read(path, as_version=4)
        titles = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")]
        langs = {t for c in titles for t in c.metadata.get("tags", [])}
        assert langs == {"lang-en", "lang-zh"}, f"{path.name}: a title in each language"
