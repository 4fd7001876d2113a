"""Paths in one place. Importing this module does nothing else."""

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

#: Order of the monthly batch: data health first, then the four analyses.
REPORT_ORDER = ("data_health", "lead_scoring", "staff_turnover", "kpi_weighting", "sales_forecast")


def cache_dir() -> Path:
    """Writable cache folder (numba's compiled forecasting code, matplotlib's font cache)."""
    base = os.environ.get("KIT_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dealer-kit"
