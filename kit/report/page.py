"""The report page: what the nbconvert template ``kit_report`` runs on every notebook before rendering it.

:class:`KitPagePreprocessor` (named in the template's ``conf.json``, so every export with the template uses it):

- makes every output safe to show: Markdown outputs are rendered by :func:`kit.report.tables.render_markdown`
  (raw HTML shown as text, harmful links dropped, no images loaded); HTML outputs are cleaned with bleach
  (no script, no event handler, no ``javascript:`` link, images only from embedded ``data:``); JavaScript and
  widget outputs are dropped;
- hands the template the table script (``kit/templates/kit_table.js``), to inline once per page, and a Content
  Security Policy that lets only that script run and nothing be fetched (images and fonts are embedded);
- sets the page language (``<html lang>``) from the run's ``lang`` parameter.

This is a second line of defence: :func:`~kit.report.tables.table`, :func:`~kit.report.tables.note` and
:func:`~kit.report.tables.markdown` already escape what comes from data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from kit.report.tables import render_markdown

SCRIPT_FILE = Path(__file__).resolve().parents[1] / "templates" / "kit_table.js"
DROPPED_MIMETYPES = ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json",
                     "application/vnd.jupyter.widget-state+json")
HTML_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark",
    "ol", "p", "pre", "s", "small", "span", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul"})
_IMG_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")  # what is left of an image from elsewhere
_GENERAL_ATTRIBUTES = frozenset({"class", "id", "role", "tabindex", "title", "lang", "dir", "colspan", "rowspan",
                                 "scope", "border", "align", "valign", "style", "open", "start"})


def script() -> str:
    """The table script inlined into every report page."""
    return SCRIPT_FILE.read_text(encoding="utf-8")


def content_security_policy(inline_script: str) -> str:
    """A policy for a self-contained page: only ``inline_script`` runs, nothing is fetched from anywhere."""
    digest = base64.b64encode(hashlib.sha256(inline_script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; "
            f"script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
            "base-uri 'none'; form-action 'none'")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _GENERAL_ATTRIBUTES or name.startswith(("aria-", "data-")):
        return True
    if tag == "a" and name in ("href", "download", "name"):
        return True  # bleach checks the protocol of href
    if tag == "img":
        return name in ("alt", "width", "height") or (name == "src" and value.startswith("data:image/"))
    return tag in ("col", "colgroup") and name == "span"


def clean_html(markup: str) -> str:
    """``markup`` with no script, event handler, harmful link or external image left (text is kept)."""
    return _IMG_WITHOUT_SOURCE.sub("", _cleaner().clean(markup))


@functools.lru_cache(maxsize=1)
def _cleaner():
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    return bleach.Cleaner(tags=HTML_TAGS, attributes=_allowed_attribute, protocols={"http", "https", "mailto", "data"},
                          strip=True, strip_comments=True, css_sanitizer=CSSSanitizer())


class KitPagePreprocessor(Preprocessor):
    """Safe outputs, the table script, the page's security policy and language (see the module docstring)."""

    def preprocess(self, nb, resources):
        lang = (nb.metadata.get("papermill", {}).get("parameters", {}) or {}).get("lang")
        if lang in ("en", "zh"):
            resources["language_code"] = "zh-CN" if lang == "zh" else "en"
        code = script()
        resources["kit_page"] = {"script": code, "csp": content_security_policy(code)}
        heading = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = _last_heading(cell.source) or heading
            elif cell.cell_type == "code":
                cell.outputs = [safe_output(o) for o in cell.get("outputs", [])]
                for output in cell.outputs:
                    if "image/png" in output.get("data", {}):
                        # a chart's alternative text is the section it illustrates, in the report's language
                        output.setdefault("metadata", {})["kit_alt"] = heading
        return nb, resources


def _last_heading(source: str) -> str:
    """Text of the last Markdown heading in ``source`` (emphasis marks removed), or ''."""
    found = re.findall(r"^#{1,4}\s+(.+?)\s*#*\s*$", source, flags=re.M)
    return re.sub(r"[*_`]", "", found[-1]).strip() if found else ""


def safe_output(output):
    """One notebook output made safe to render (see the module docstring); other outputs unchanged."""
    data = output.get("data")
    if not data:
        return output
    for mime in DROPPED_MIMETYPES:
        data.pop(mime, None)
    if "text/markdown" in data:
        markdown = data.pop("text/markdown")
        data.setdefault("text/html", f'<div class="kit-md">{render_markdown(_text(markdown))}</div>')
    if "text/html" in data:
        data["text/html"] = clean_html(_text(data["text/html"]))
    if not data:
        data["text/plain"] = ""
    return output


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
