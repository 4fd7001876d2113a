"""What a report notebook needs besides the analysis: parameters, headline numbers, formatting, masking, tables.

Headline numbers ("glue"): a notebook records a few numbers with :func:`glue`; they are written as JSON to the
file the runner passes as the ``glue_file`` parameter, and the runner puts them on the index page and at the top of
the report. Outside the runner (an analyst in JupyterLab) ``glue`` just keeps them in memory (:func:`glued`).

>>> from kit import report
>>> period = report.parse_month("2026-10")
>>> report.fmt_money(1234567.8)
'¥1,234,568'
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from kit.exceptions import KitError

_GLUED: dict[str, dict] = {}
_GLUE_FILE: Path | None = None


# --------------------------------------------------------------------------- parameters


def parse_month(month: str) -> pd.Period:
    """``'2026-10'`` → ``Period('2026-10', 'M')``; a clear error for anything else."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", str(month).strip()):
            raise ValueError
        return pd.Period(str(month).strip(), freq="M")
    except (ValueError, TypeError):
        raise KitError(f"month: expected YYYY-MM such as 2026-10; got {month!r}.") from None


def setup(*, glue_file: str | None = None, lang: str = "en") -> None:
    """Start a report: remember where headline numbers go, set the plotting style and hide library warnings.

    Library warnings (deprecations, convergence notes) are for developers and the log, not for managers' HTML;
    the runner still records stderr in the executed notebook.
    """
    import warnings

    global _GLUE_FILE
    _GLUED.clear()
    _GLUE_FILE = Path(glue_file) if glue_file else None
    if _GLUE_FILE is not None:
        _GLUE_FILE.parent.mkdir(parents=True, exist_ok=True)
        _GLUE_FILE.write_text("{}", encoding="utf-8")
    warnings.filterwarnings("ignore")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    from kit import plots

    plots.use_style()
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)


# --------------------------------------------------------------------------- glue


def glue(name: str, value: Any, *, label: str | None = None, kind: str = "number", lang: str = "en") -> None:
    """Record a headline number for the index page and the report summary (returns None, so nothing is shown).

    Parameters
    ----------
    name : a stable key (``turnover_rate_ttm``); tests read it.
    value : a number, text, or None (shown as "n/a").
    label : what a manager reads next to it; defaults to ``name``.
    kind : how to format it: ``number``, ``int``, ``pct``, ``money``, ``text``.
    """
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    _GLUED[name] = {"value": value, "label": label or name, "kind": kind,
                    "display": format_value(value, kind, lang=lang)}
    if _GLUE_FILE is not None:
        _GLUE_FILE.write_text(json.dumps(_GLUED, ensure_ascii=False, indent=1), encoding="utf-8")


def glued() -> dict[str, dict]:
    """Headline numbers recorded so far in this kernel."""
    return dict(_GLUED)


def read_glue(path: str | Path) -> dict[str, dict]:
    """Headline numbers a run wrote (``{}`` when the file is missing or unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------- formatting


def fmt_money(x: float | None, *, currency: str = "CNY", digits: int = 0) -> str:
    """¥1,234,568 (negative as −¥1,200)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return "n/a"
    symbol = "¥" if currency == "CNY" else f"{currency} "
    sign = "−" if x < 0 else ""
    return f"{sign}{symbol}{abs(x):,.{digits}f}"


def fmt_pct(x: float | None, *, digits: int = 1) -> str:
    """0.1234 → '12.3%'."""
    if x is None or pd.isna(x) or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x * 100:.{digits}f}%"


def fmt_int(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{int(round(float(x))):,}"


def fmt_number(x: float | None, *, digits: int = 2) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{float(x):,.{digits}f}"



def format_value(value: Any, kind: str, *, lang: str = "en") -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return fmt_pct(value)
    if kind == "money":
        return fmt_money(value)
    if kind == "int":
        return fmt_int(value)
    if kind == "number":
        return fmt_number(value) if isinstance(value, float) else str(value)
    return str(value)


# --------------------------------------------------------------------------- personal data


def mask_name(name: object) -> object:
    """Keep the first character: '张伟' → '张*', '欧阳小明' → '欧***', 'Li Wei' → 'L*****'."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return name
    s = str(name).strip()
    if len(s) <= 1:
        return "*" if s else s
    return s[0] + "*" * (len(s) - 1)


def mask_phone(phone: object) -> object:
    """Keep the first three and last four digits: '13812345678' → '138****5678'."""
    if phone is None or (not isinstance(phone, str) and pd.isna(phone)):
        return phone
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_personal(frame: pd.DataFrame, *, names: Iterable[str] = ("customer_name", "name", "staff_name"),
                  phones: Iterable[str] = ("phone",), enabled: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with personal columns masked (unchanged when ``enabled`` is False)."""
    out = frame.copy()
    if not enabled:
        return out
    for col in names:
        if col in out.columns:
            out[col] = out[col].map(mask_name)
    for col in phones:
        if col in out.columns:
            out[col] = out[col].map(mask_phone)
    return out


# --------------------------------------------------------------------------- tables


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



# --------------------------------------------------------------------------- people and exports


def staff_labels(staff: pd.DataFrame, *, mask: bool = True) -> dict[str, str]:
    """``staff_id`` → ``'E012 张*'`` (the name masked unless ``mask`` is False) for tables and charts."""
    names = staff.set_index("staff_id")["name"] if "name" in staff.columns else pd.Series(dtype="string")
    out = {}
    for sid in staff["staff_id"]:
        name = names.get(sid)
        if name is None or pd.isna(name):
            out[sid] = str(sid)
        else:
            out[sid] = f"{sid} {mask_name(name) if mask else name}"
    return out


def export_excel(sheets: dict[str, pd.DataFrame], *, output_dir: str | Path | None, file_name: str,
                 lang: str = "en"):
    """Write ``sheets`` to ``output_dir/file_name`` (atomically) and show a link to it; nothing when no folder.

    Sheet names are cut to Excel's 31 characters. Returns a displayable note with a relative link, so the link
    works wherever the month's folder is copied.
    """
    from IPython.display import HTML

    if not output_dir:
        return None
    path = Path(output_dir) / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            out = frame.copy()
            for col in out.columns:
                if isinstance(out[col].dtype, pd.PeriodDtype):
                    out[col] = out[col].astype(str)
                elif isinstance(out[col].dtype, pd.DatetimeTZDtype):
                    out[col] = out[col].dt.tz_localize(None)
            out.to_excel(writer, sheet_name=str(name)[:31], index=False)
            ws = writer.sheets[str(name)[:31]]
            for i, col in enumerate(out.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in out[col].head(200)]) + 2
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(width, 8), 60)
            ws.freeze_panes = "A2"
    os.replace(tmp, path)
    text = "Excel sheet beside this report" if lang != "zh" else "Excel表格（与本报告同目录）"
    return HTML(f'<div class="kit-note kit-note-ok">{html.escape(text)}: '
                f'<a href="{html.escape(file_name)}">{html.escape(file_name)}</a></div>')
