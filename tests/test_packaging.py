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
    import nbformat

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"


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
