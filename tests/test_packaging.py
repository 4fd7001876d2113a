"""The project's own files install everything: environment.yml and pyproject.toml list the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return {_name(r): r.replace(" ", "") for r in reqs}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e") or item in ("pip",) or item.startswith("python"):
                continue
            out[_name(item)] = item.replace(" ", "")
    return out


def test_environment_yml_lists_the_same_dependencies_and_bounds_as_pyproject():
    py, env = _pyproject(), _environment()
    assert set(py) == set(env), f"only in pyproject: {set(py) - set(env)}; only in environment.yml: {set(env) - set(py)}"
    for name, spec in py.items():
        assert spec == env[name], f"{name}: pyproject says {spec}, environment.yml says {env[name]}"


def test_ci_runs_make_test_and_readme_gives_the_two_commands():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme


def test_notebooks_are_committed_without_outputs():
    import json  # plain JSON: nbformat's schema validation took ten seconds here and checks nothing this test needs

    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert paths
    for path in paths:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, f"{path.name} has outputs"


def test_display_catalog_is_complete_and_consistent():
    """Every catalog entry has both languages (catalog() raises otherwise) and non-empty words."""
    from kit import i18n

    cat = i18n.catalog()
    assert cat["labels"] and cat["text"]
    for part in ("labels", "text"):
        for key, entry in cat[part].items():
            assert entry["en"].strip() and entry["zh"].strip(), (part, key)
    assert i18n.label("walk_in", "zh") == "来店"
    assert i18n.t("index_title", "zh", month="2026-10") == "月度经营管理报告 — 2026-10"


# --------------------------------------------------------------------------- the package's shape


HEAVY = ("sklearn", "lifelines", "statsforecast")


def test_settings_and_packages_import_without_the_heavy_libraries():
    """In a fresh interpreter, importing each of these after the others leaves the heavy libraries unloaded."""
    import os
    import subprocess
    import sys

    modules = ("kit.checks", "kit.leads.settings", "kit.turnover.settings", "kit.kpi.settings", "kit.settings",
               "kit.leads", "kit.kpi", "kit.turnover", "kit.models")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}:\n"
            "    importlib.import_module(m)\n"
            f"    print(m, [h for h in {HEAVY!r} if h in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.splitlines() == [f"{m} []" for m in modules]


def test_every_re_exported_name_is_what_it_was_before_the_split():
    """After every submodule is imported, no function is shadowed by a module of the same name (kpi.bonus …)."""
    import importlib
    import pkgutil
    import types

    for package in ("kit.leads", "kit.kpi", "kit.turnover", "kit.models"):
        pkg = importlib.import_module(package)
        modules = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
        for name in modules:
            importlib.import_module(f"{package}.{name}")
        for name in pkg.__all__:
            value = getattr(pkg, name)
            assert (name in modules) == isinstance(value, types.ModuleType), f"{package}.{name}"
    from kit import kpi, leads, turnover

    assert callable(kpi.bonus) and callable(kpi.scorecard) and callable(kpi.achievement)
    assert callable(leads.funnel) and callable(turnover.at_risk)
    assert {"fit_lead_model", "score_open_leads", "evaluate_holdout", "funnel", "LeadSettings"} <= set(leads.__all__)
