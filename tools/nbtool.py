"""Tiny helper to write notebooks from a list of cells (the runner tests build throw-away notebooks with it).

Usage from a script: ``write("notebooks/x.ipynb", [md("# Title", lang="en"), code("x = 1", tags=["parameters"])])``
"""

from __future__ import annotations


def _nbformat():
    import nbformat  # on first use: importing it (jsonschema's format grammars) costs seconds

    return nbformat


def md(source: str, *, lang: str | None = None):
    cell = _nbformat().v4.new_markdown_cell(source.strip("\n"))
    if lang:
        cell.metadata["tags"] = [f"lang-{lang}"]
    return cell


def code(source: str, *, tags: list[str] | None = None):
    cell = _nbformat().v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def write(path: str, cells: list) -> None:
    nb = _nbformat().v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i:02d}"
    _nbformat().write(nb, path)
