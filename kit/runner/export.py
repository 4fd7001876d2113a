"""Manager HTML from an executed notebook: no code, no warnings or tracebacks, the report language's cells only.

The page uses the nbconvert template ``kit_report`` (``kit/templates/nbconvert``): a title block with the dealer,
the period, the headline numbers and a table of contents, images embedded, no external requests, and the kit's
CJK web font subset (:func:`kit.webfont.embed`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from importlib import metadata
from pathlib import Path

from kit import config, i18n, webfont

LANG_TAGS = {"en": "lang-en", "zh": "lang-zh"}
#: Cells the manager's HTML leaves out: parameters, and the analyst's interactive what-ifs (JupyterLab only).
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove", "remove_cell", "explore"}


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def keep_for_lang(cell, lang: str) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    other = {t for code, t in LANG_TAGS.items() if code != lang}
    return not (tags & other)


def notebook_title(path: Path, lang: str) -> str | None:
    """The first ``# Title`` of the report language's markdown cells, or None."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # an unreadable or half-written notebook simply has no title
        return None
    for cell in nb.cells:
        if cell.cell_type != "markdown" or not keep_for_lang(cell, lang):
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def _prepare_for_html(nb, lang: str) -> tuple[object, list[dict]]:
    """Drop code, other-language cells, stderr and errors; anchor the headings; return the table of contents."""
    toc: list[dict] = []
    cells = []
    first_title_dropped = False
    nb.metadata.pop("widgets", None)  # the what-ifs' widget state (JupyterLab only) is not part of the report
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & HIDDEN_TAGS or not keep_for_lang(cell, lang):
            continue
        if cell.cell_type == "markdown":
            lines = []
            for line in cell.source.splitlines():
                m = re.match(r"^(#{1,3})\s+(.*)$", line)
                if m and len(m.group(1)) == 1 and not first_title_dropped:
                    first_title_dropped = True
                    continue
                if m and len(m.group(1)) in (2, 3):
                    anchor = f"section-{len(toc) + 1}"
                    toc.append({"level": len(m.group(1)), "text": re.sub(r"[*_`]", "", m.group(2)).strip(),
                                "anchor": anchor})
                    lines.append(f'<a id="{anchor}" class="kit-anchor"></a>')
                    lines.append("")
                lines.append(line)
            cell.source = "\n".join(lines)
        elif cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                            and o.get("output_type") != "error" and not _is_noise(o)]
        cells.append(cell)
    nb.cells = cells
    return nb, toc


def _is_noise(output) -> bool:
    """Outputs a manager should not see: bare object reprs and warnings printed to stdout."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return "Warning" in text or "warn(" in text
    data = output.get("data", {})
    if set(data) == {"text/plain"}:
        text = data["text/plain"]
        return text.startswith("<") and text.endswith(">")  # e.g. <Figure size …>, <pandas.io.formats.style…>
    return False


@functools.lru_cache(maxsize=1)
def _exporter():
    """The page exporter, made once per process: a worker exporting many reports (a dealer group's hundreds) then
    compiles the templates once, not for every page."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="kit_report", extra_template_basedirs=[str(config.TEMPLATES_DIR / "nbconvert")],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True)


def write_html(executed: Path, target: Path, *, title: str, lang: str, header: dict, headline: dict,
               advice: list[str] = ()) -> None:
    """Export ``executed`` to ``target``; ``header`` has ``dealer``, ``meta_key``, ``meta_fields`` and ``back_key``."""
    import nbformat

    from kit.runner.lock import atomic_write

    nb = nbformat.read(str(executed), as_version=4)
    nb, toc = _prepare_for_html(nb, lang)
    exporter = _exporter()
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    resources = {"kit": {
        "title": title,
        "dealer": header.get("dealer", ""),
        "meta": i18n.t(header.get("meta_key", "report_meta"), lang, **header.get("meta_fields", {}),
                       generated=generated),
        "summary": [{"label": v.get("label", k), "value": v.get("display", "")} for k, v in headline.items()],
        "summary_label": i18n.t("summary", lang),
        "advice": [str(a) for a in advice],
        "advice_label": i18n.t("advice_title", lang),
        "toc": toc,
        "toc_label": i18n.t("contents", lang),
        "back_label": i18n.t(header.get("back_key", "back_to_index"), lang),
        "footer": i18n.t("report_footer", lang).format(version=version("dealer-kit")),
        "css": (config.TEMPLATES_DIR / "report.css").read_text(encoding="utf-8"),
    }, "metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    atomic_write(target, webfont.embed(body))
