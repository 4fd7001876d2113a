"""Paths in one place. Importing this module does nothing else.

User paths never depend on the working directory (a notebook's kernel starts in ``notebooks/``, cron in ``/``):
:func:`data_dir` and :func:`reports_dir` resolve an empty value to the ``KIT_DATA`` / ``KIT_REPORTS`` environment
variables or the project's own folders, and a relative path against the project root.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KIT_DIR = Path(__file__).resolve().parent
DATA_SAMPLES_DIR = PROJECT_ROOT / "data_samples"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
TEMPLATES_DIR = KIT_DIR / "templates"
DEFAULT_SETTINGS_FILE = TEMPLATES_DIR / "dealer.yml"
SETTINGS_FILE_NAME = "dealer.yml"

#: Order of the monthly batch: data health first, then the sales summary, then the four analyses.
REPORT_ORDER = ("data_health", "sales_performance", "lead_scoring", "staff_turnover", "kpi_weighting", "sales_forecast")


def cache_dir() -> Path:
    """Writable cache folder (numba's compiled forecasting code, matplotlib's font cache)."""
    base = os.environ.get("KIT_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dealer-kit"


def project_path(path: str | os.PathLike | None, *, env: str, default: Path) -> Path:
    """An absolute path: ``path`` if absolute; relative to the project root; empty → ``$env`` or ``default``."""
    text = str(path or "").strip() or os.environ.get(env, "").strip()
    if not text:
        return default
    candidate = Path(text).expanduser()
    return candidate if candidate.is_absolute() else (PROJECT_ROOT / candidate).resolve()


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The dealership's data folder: ``path``, else ``$KIT_DATA``, else the sample dealership."""
    return project_path(path, env="KIT_DATA", default=DATA_SAMPLES_DIR)


def reports_dir(path: str | os.PathLike | None = None) -> Path:
    """The reports folder (earlier months' outputs are read from it): ``path``, else ``$KIT_REPORTS``, else reports/."""
    return project_path(path, env="KIT_REPORTS", default=REPORTS_DIR)
