"""Manager-ready HTML for report notebooks: tables, notes and markdown, with everything from the data escaped.

:func:`table` builds plain HTML (no pandas Styler): every value, header and caption HTML-escaped, numbers formatted
by the shared column kinds (:mod:`kit.report.format`), colour scales on one colour-blind-safe palette where red is
always bad, and the hooks the page script (``kit/templates/kit_table.js``, inlined once per page by the report
template) uses to sort, filter and show rows as cards on a phone. Without the script the table is still all there.

:func:`markdown` and :func:`note` take a template and values: the values are escaped for HTML *and* Markdown, so
a name such as ``<img src=x onerror=…>`` or ``[x](javascript:…)`` reads as text. The plain forms are safe too: raw
HTML is shown as text, links with harmful protocols are dropped and images are never loaded.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from kit import i18n
from kit.report.format import NUMERIC_KINDS, compute_totals, display, infer_kind, is_missing

#: Colour steps of a scale, best (0, blue) to worst (6, red); ColorBrewer RdBu, readable with colour blindness.
SHADES = 7
GOOD = ("high", "low", "small")
NOTE_KINDS = ("info", "warning", "ok")
_LANG = {"value": "en"}


def set_language(lang: str) -> None:
    """The language of the words tables add themselves (filter box, "first 200 of 917 rows", totals)."""
    _LANG["value"] = lang if lang in i18n.LANGS else "en"


class Table:
    """A finished HTML table; shows itself in Jupyter and in the exported report.

    ``frame`` is the data shown (after ``max_rows``); ``html`` the markup.
    """

    def __init__(self, markup: str, frame: pd.DataFrame):
        self.html = markup
        self.frame = frame

    def _repr_html_(self) -> str:
        return self.html

    def to_html(self) -> str:
        return self.html

    def __repr__(self) -> str:  # a bare repr must not leak into a report as "<kit.report.tables.Table …>"
        return ""


def table(frame: pd.DataFrame, *, formats: Mapping[str, str] | None = None, caption: str | None = None,
          labels: Mapping[str, str] | None = None, max_rows: int | None = 200, index: bool = False,
          highlight: Mapping[str, str] | None = None, gradient: Iterable[str] | Mapping[str, str] = (),
          good: str | Mapping[str, str] = "high", center: float | Mapping[str, float] | None = None,
          spread: float | None = None, high_is_bad: Iterable[str] = (), empty: str | None = None,
          searchable: bool | None = None, cards: bool = False, totals: Mapping[str, Any] | Iterable[str] | None = None,
          lang: str | None = None) -> Table:
    """A manager-ready table: escaped, formatted, sortable, optionally filterable and shown as cards on a phone.

    Parameters
    ----------
    formats : column -> kind (``money``, ``pct``, ``pct0``, ``int``, ``number``, ``number1``, ``number3``, ``date``,
        ``month``, ``bool``, ``text``) or a Python format spec; other columns by :func:`~kit.report.format.infer_kind`.
    labels : column -> header text; columns not given take their catalog label (:func:`kit.i18n.label`).
    highlight : column -> name of a boolean column; cells where it is True are marked red (e.g. overdue). A flag
        column without a label of its own is not shown.
    gradient : numeric columns to shade, or ``{column: direction}``. Direction (``good``) is ``"high"`` (high is
        good), ``"low"`` (high is bad) or ``"small"`` (distance from zero is bad, e.g. a gap). Blue is good, red bad.
    center : the neutral value of a shaded column (e.g. ``1.0`` for achievement against target), one number or
        ``{column: value}``; default the column's median, so a cell is shaded by how much better or worse it is
        than is typical. Not used with ``"small"`` (zero is best).
    spread : the distance from ``center`` (or from zero for ``"small"``) that takes the strongest colour, the
        same for every shaded column (e.g. ``1.0``: 0 % and 200 % of target are the extremes); default each
        column's own largest distance, so colours compare within a column only.
    high_is_bad : shorthand for ``gradient={column: "low"}``.
    empty : when ``frame`` has no rows, show this note instead.
    searchable : a filter box above the table (default: when it has more than 15 rows). Every table can be sorted
        by clicking a header.
    cards : on a phone, show each row as a card (label: value lines) instead of a wide table.
    totals : a totals row kept below the rows (and out of sorting): columns to sum, or ``{column: "sum" | "mean" |
        value}``; the first column is labelled "Total".
    lang : language of the table's own words (default: the report's, see :func:`set_language`).
    """
    lang = lang or _LANG["value"]
    if frame.empty and empty is not None:
        return note(empty, kind="ok")
    data = frame.reset_index() if index else frame
    shown = data if max_rows is None else data.head(max_rows)
    labels = dict(labels or {})
    flags = {c: f for c, f in (highlight or {}).items() if c in shown.columns and f in shown.columns}
    hidden = {f for f in flags.values() if f not in labels}
    columns = [c for c in shown.columns if c not in hidden]
    kinds = {c: (formats or {}).get(c) or infer_kind(shown[c], c) for c in columns}
    directions = _directions(gradient, good, high_is_bad)
    centers = center if isinstance(center, Mapping) else {c: center for c in directions}
    shades = {c: _shades(shown[c], d, centers.get(c), spread) for c, d in directions.items() if c in columns}
    heads = {c: _header(c, labels, lang) for c in columns}
    wide = {c for c in columns if kinds[c] == "text" and shown[c].astype(str).str.len().max() > 40}
    total_row = compute_totals(data, totals, columns) if totals is not None else None
    searchable = len(shown) > 15 if searchable is None else searchable

    e = html.escape
    out = ['<div class="kit-table-box"' + (f' data-kit-filter="{e(i18n.t("filter_rows", lang))}"'
                                             f' data-kit-count="{e(i18n.t("rows_of", lang))}"' if searchable else "")
           + ">"]
    region = f' aria-label="{e(caption)}"' if caption else ""
    out.append(f'<div class="kit-table-wrap" role="region" tabindex="0"{region}>')
    out.append(f'<table class="kit-table{" kit-cards-table" if cards else ""}" data-kit-sort>')
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>")
    for c in columns:
        numeric = kinds[c] in NUMERIC_KINDS
        sort = "num" if numeric or kinds[c] == "bool" else ("date" if kinds[c] in ("date", "datetime", "month")
                                                             else "text")
        cls = "kit-num" if numeric else ("kit-wide" if c in wide else "")
        cls = f' class="{cls}"' if cls else ""
        out.append(f'<th scope="col" data-sort="{sort}"{cls}>{e(heads[c])}</th>')
    out.append("</tr></thead><tbody>")
    flag_values = {c: shown[f].map(lambda v: not is_missing(v) and bool(v)).tolist() for c, f in flags.items()}
    for i, row in enumerate(shown[columns].itertuples(index=False, name=None)):
        out.append("<tr>")
        for c, value in zip(columns, row):
            classes = ["kit-num"] if kinds[c] in NUMERIC_KINDS else (["kit-wide"] if c in wide else [])
            if c in shades and shades[c][i] is not None:
                classes.append(f"kit-s{shades[c][i]}")
            if c in flag_values and flag_values[c][i]:
                classes.append("kit-flag")
            attrs = f' class="{" ".join(classes)}"' if classes else ""
            key = _sort_key(value, kinds[c])
            if key is not None:
                attrs += f' data-v="{e(key)}"'
            out.append(f'<td data-label="{e(heads[c])}"{attrs}>{e(display(value, kinds[c]))}</td>')
        out.append("</tr>")
    out.append("</tbody>")
    if total_row is not None:
        out.append('<tfoot><tr class="kit-total">')
        for j, c in enumerate(columns):
            kind = "int" if kinds[c] == "bool" else kinds[c]  # a total of flags is a count
            text = display(total_row[c], kind) if c in total_row else ""
            if j == 0 and c not in total_row:
                text = i18n.t("total", lang)
            num = ' class="kit-num"' if kinds[c] in NUMERIC_KINDS else ""
            out.append(f'<td data-label="{e(heads[c])}"{num}>{e(text)}</td>')
        out.append("</tr></tfoot>")
    out.append("</table></div>")
    if shades:
        out.append(_legend(lang))
    if max_rows is not None and len(data) > max_rows:
        more = i18n.t("first_rows", lang, shown=f"{max_rows:,}", total=f"{len(data):,}")
        out.append(f'<p class="kit-table-more">{e(more)}</p>')
    out.append("</div>")
    return Table("".join(out), shown)


def _header(column: object, labels: Mapping[str, str], lang: str) -> str:
    if column in labels:
        return str(labels[column])
    return i18n.label(column, lang) if i18n.has(column) else str(column)


def _directions(gradient: Iterable[str] | Mapping[str, str], good: str | Mapping[str, str],
                high_is_bad: Iterable[str]) -> dict[str, str]:
    if isinstance(gradient, Mapping):
        out = dict(gradient)
    else:
        out = {c: (good.get(c, "high") if isinstance(good, Mapping) else good) for c in gradient}
    if isinstance(good, Mapping):
        out.update({c: d for c, d in good.items() if c not in out})
    out.update({c: "low" for c in high_is_bad})
    for col, direction in out.items():
        if direction not in GOOD:
            raise ValueError(f"good[{col!r}]: expected one of {', '.join(GOOD)}; got {direction!r}.")
    return out


def _shades(values: pd.Series, good: str, center: float | None = None,
            spread: float | None = None) -> list[int | None]:
    """Colour step per value: 0 best (blue) … SHADES-1 worst (red), the middle step neutral; None without a number.

    ``small``: zero is best and the largest distance from zero worst. ``high``/``low``: the centre (default the
    median) is neutral and the value furthest from it takes the strongest colour on its side.
    """
    v = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return [None] * len(v)
    if good == "small":
        top = np.abs(finite).max() if spread is None else float(spread)
        badness = np.clip(np.abs(v) / top, 0, 1) if top > 0 else np.zeros_like(v)
    else:
        mid = float(np.median(finite)) if center is None else float(center)
        reach = np.abs(finite - mid).max() if spread is None else float(spread)
        position = np.clip((v - mid) / reach, -1, 1) if reach > 0 else np.zeros_like(v)  # -1 … 1, 0 at the centre
        badness = 0.5 - position / 2 if good == "high" else 0.5 + position / 2
    return [int(round(b * (SHADES - 1))) if np.isfinite(b) else None for b in badness]


def _legend(lang: str) -> str:
    steps = "".join(f'<span class="kit-s{i}"></span>' for i in range(SHADES))
    return (f'<p class="kit-legend" aria-hidden="true">{html.escape(i18n.t("better", lang))} '
            f'<span class="kit-legend-steps">{steps}</span> {html.escape(i18n.t("worse", lang))}</p>')


def _sort_key(value: Any, kind: str) -> str | None:
    """The raw value the page script sorts by ('' = missing, sorted last); None when the text itself will do."""
    if kind in NUMERIC_KINDS or kind == "bool":
        if is_missing(value):
            return ""
        try:
            return repr(float(value))
        except (TypeError, ValueError):
            return None
    if kind in ("date", "datetime"):
        return "" if is_missing(value) else pd.Timestamp(value).isoformat()
    return None


# --------------------------------------------------------------------------- notes and markdown


class _Escaped(string.Formatter):
    """``str.format`` that escapes each filled-in value with ``escape`` after applying its format spec."""

    def __init__(self, escape):
        self.escape = escape

    def format_field(self, value: Any, format_spec: str) -> str:
        return self.escape(super().format_field(value, format_spec))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&\"'=:])")


def escape_markdown(text: object) -> str:
    """``text`` with every Markdown (and HTML) special character backslash-escaped, so it renders as itself."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def render_markdown(text: str) -> str:
    """Markdown to HTML safely: raw HTML shown as text, harmful link protocols dropped, images never loaded."""
    return _markdown_renderer()(str(text))


def markdown(text: str, /, **values: Any):
    """Markdown shown in the report; ``{name}`` fields are filled from ``values``, escaped for Markdown and HTML.

    >>> markdown("Profile this month: **{profile}** — {weights}", profile="<b>launch</b>", weights="30/30/20/20")
    ... # doctest: +SKIP

    Without values the text itself is still rendered safely (see :func:`render_markdown`); braces are then taken
    literally.
    """
    from IPython.display import HTML

    source = _Escaped(escape_markdown).format(text, **values) if values else text
    return HTML(f'<div class="kit-md">{render_markdown(source)}</div>')


def note(text: str, /, *, kind: str = "info", **values: Any):
    """A highlighted message box (``info``, ``warning`` or ``ok``); ``{name}`` fields filled from ``values``.

    The whole text is escaped: a note shows plain text only.
    """
    from IPython.display import HTML

    if kind not in NOTE_KINDS:
        raise ValueError(f"note kind: expected one of {', '.join(NOTE_KINDS)}; got {kind!r}.")
    body = text.format(**values) if values else text
    return HTML(f'<div class="kit-note kit-note-{kind}">{html.escape(str(body))}</div>')


def _markdown_renderer():
    import mistune
    from mistune.renderers.html import HTMLRenderer

    class _Safe(HTMLRenderer):
        def image(self, text: str, url: str, title: str | None = None) -> str:
            return html.escape(text)  # a picture from data would be a request: show its alt text only

        def link(self, text: str, url: str, title: str | None = None) -> str:
            if self.sanitize_url(url).startswith("#harmful"):
                return text
            return super().link(text, url, title)

    return mistune.create_markdown(renderer=_Safe(escape=True, allow_harmful_protocols=False),
                                   plugins=["strikethrough", "table"])

