"""Manager-ready HTML tables, notes and markdown for report notebooks."""

from __future__ import annotations

import html
from typing import Iterable

import numpy as np
import pandas as pd

from kit.report.format import fmt_int, fmt_money, fmt_number, fmt_pct


def table(frame: pd.DataFrame, *, formats: dict[str, str] | None = None, caption: str | None = None,
          labels: dict[str, str] | None = None, max_rows: int | None = 200, index: bool = False,
          highlight: dict[str, str] | None = None, gradient: Iterable[str] = (), high_is_bad: Iterable[str] = (),
          empty: str | None = None):
    """A manager-ready table: values HTML-escaped, numbers formatted, columns renamed, optional colour scale.

    When ``frame`` is empty and ``empty`` is given, a note with that text is shown instead.

    Parameters
    ----------
    formats : column -> ``pct``, ``money``, ``int``, ``number``, ``number1``, ``date``, ``month`` or a format string.
    labels : column -> header text shown (e.g. from :func:`kit.i18n.columns`).
    highlight : column -> name of a boolean column; cells where it is True are marked (e.g. overdue).
    gradient : numeric columns to shade by value (a heat-map table): green high, red low …
    high_is_bad : … except these, where high values are shaded red (risk, overdue counts).
    """
    if frame.empty and empty is not None:
        return note(empty, kind="ok")
    formats = dict(formats or {})
    shown = frame if max_rows is None else frame.head(max_rows)
    shown = shown.copy()
    funcs = {}
    for col in shown.columns:
        kind = formats.get(col)
        if kind is None:
            if pd.api.types.is_float_dtype(shown[col]):
                kind = "number"
            elif pd.api.types.is_integer_dtype(shown[col]):
                kind = "int"
            elif pd.api.types.is_datetime64_any_dtype(shown[col]):
                kind = "date"
        funcs[col] = _formatter(kind)
    hidden = [c for c in (highlight or {}).values() if c in shown.columns and c not in (labels or {})]
    styler = shown.style.format(funcs, escape="html", na_rep="–")
    if highlight:
        for col, flag in highlight.items():
            if col in shown.columns and flag in shown.columns:
                styler = styler.apply(
                    lambda s, f=flag: np.where(shown[f].fillna(False).astype(bool), "background-color:#fde2e1;"
                                               "color:#9b1c1c;font-weight:600", ""), subset=[col])
    number_cols = [c for c in shown.columns if c not in hidden and (
        kind_of(formats.get(c)) == "number" if c in formats
        else pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c]))]
    if number_cols:  # text is left-aligned by the stylesheet; numbers line up on the right
        styler = styler.set_properties(subset=number_cols, **{"text-align": "right"})
    grad = [c for c in gradient if c in shown.columns and c not in set(high_is_bad)]
    if grad:
        styler = styler.background_gradient(cmap="RdYlGn", subset=grad, axis=None)
    grad_bad = [c for c in high_is_bad if c in shown.columns]
    if grad_bad:
        styler = styler.background_gradient(cmap="RdYlGn_r", subset=grad_bad, axis=None)
    if hidden:
        styler = styler.hide(subset=hidden, axis="columns")
    if not index:
        styler = styler.hide(axis="index")
    if labels:
        visible = [c for c in shown.columns if c not in hidden]
        styler = styler.relabel_index([html.escape(str(labels.get(c, c))) for c in visible], axis="columns")
    if caption:
        styler = styler.set_caption(html.escape(caption))
    styler = styler.set_table_attributes('class="kit-table"')
    return styler


def kind_of(kind: str | None) -> str:
    """'text' for columns shown as text (left-aligned), 'number' for the rest."""
    return "text" if kind in (None, "date", "month", "bool", "text") else "number"


def _formatter(kind: str | None):
    if kind is None:
        return lambda v: "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
    if kind == "pct":
        return lambda v: fmt_pct(v)
    if kind == "pct0":
        return lambda v: fmt_pct(v, digits=0)
    if kind == "money":
        return lambda v: fmt_money(v)
    if kind == "int":
        return lambda v: fmt_int(v)
    if kind == "number":
        return lambda v: fmt_number(v)
    if kind == "number1":
        return lambda v: fmt_number(v, digits=1)
    if kind == "number3":
        return lambda v: fmt_number(v, digits=3)
    if kind == "date":
        return lambda v: "–" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
    if kind == "month":
        return lambda v: "–" if pd.isna(v) else str(v)
    if kind == "text":
        return lambda v: "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
    if kind == "bool":
        return lambda v: "–" if pd.isna(v) else ("✔" if bool(v) else "")
    return lambda v: "–" if v is None or pd.isna(v) else format(v, kind)


def note(text: str, *, kind: str = "info"):
    """A highlighted message box in the report (``info``, ``warning`` or ``ok``), text escaped."""
    from IPython.display import HTML

    return HTML(f'<div class="kit-note kit-note-{kind}">{html.escape(text)}</div>')


def markdown(text: str):
    """Markdown shown in the report (for text built from data; values are escaped by the caller's format)."""
    from IPython.display import Markdown

    return Markdown(text)
