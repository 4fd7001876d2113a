"""Headline numbers ("glue") and the start of a report notebook.

A notebook records a few numbers with :func:`glue`; they are written as JSON to the file the runner passes as the
``glue_file`` parameter, and the runner puts them on the index page and at the top of the report. Outside the
runner (an analyst in JupyterLab) ``glue`` just keeps them in memory (:func:`glued`).
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import KitError
from kit.report.format import format_value


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
