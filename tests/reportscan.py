"""Read a report as a manager does: the visible words of an HTML page and of every Excel cell.

Used by the tests that check no code identifier reaches a report and that a Chinese report has no English words
beyond the accepted abbreviations. Data values (car model names such as "Aurora", ids such as E012, store and
dealer names) are the dealership's own words, not ours: pass them as ``data_words`` to be ignored.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path
from typing import Iterable

#: Abbreviations a Chinese dealership report may use as they are.
ACCEPTED_ABBREVIATIONS = frozenset({
    "SUV", "MPV", "EV", "NEV", "PHEV", "CNY", "DCC", "KPI", "OEM", "VIN", "ID", "AHP", "CR", "CI", "RI", "AUC",
    "MASE", "SMAPE", "MAPE", "CSI", "SSI", "Excel", "ISO", "MinT", "N", "W",
})
#: File names are fine in any language (the link to the Excel file beside a report).
_FILE_NAME = re.compile(r"\S+\.(xlsx|csv|html|ipynb|json|yml|png)\b")
_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        for name, value in attrs:  # what a manager reads without looking at the source
            if name in ("title", "alt", "placeholder", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(page: str) -> str:
    """The text a reader sees (and hears from a screen reader) in an HTML page."""
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


def excel_text(path: Path) -> list[tuple[str, str]]:
    """``(where, text)`` for every text cell of every sheet of a workbook (sheet names included)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    out: list[tuple[str, str]] = []
    for ws in wb.worksheets:
        out.append((f"{path.name}: sheet name", ws.title))
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    out.append((f"{path.name}!{ws.title}!{cell.coordinate}", cell.value))
    wb.close()
    return out


def _without(text: str, data_words: Iterable[str]) -> str:
    text = _FILE_NAME.sub(" ", text)
    for word in sorted({w for w in data_words if w}, key=len, reverse=True):
        text = text.replace(word, " ")
    return text


def identifiers(text: str, data_words: Iterable[str] = ()) -> set[str]:
    """snake_case code names in ``text`` (``gap_vs_team``, ``units_sold``)."""
    return set(_IDENTIFIER.findall(_without(text, data_words)))


def english_words(text: str, data_words: Iterable[str] = ()) -> set[str]:
    """Latin-letter words in ``text`` other than the accepted abbreviations (for Chinese reports)."""
    words = set(_LATIN_WORD.findall(_without(text, data_words)))
    return {w for w in words if w not in ACCEPTED_ABBREVIATIONS and not (len(w) == 1 and w.isupper())}


def data_words_of(data_dir: Path) -> set[str]:
    """The dealer's own words in a data folder: model names, ids, store and dealer names (not the kit's words)."""
    import pandas as pd
    import yaml

    words: set[str] = set()
    for name, columns in {"leads": ("lead_id", "model_interest", "store_id", "consultant_id", "lost_reason"),
                          "staff": ("staff_id", "store_id", "manager_id"), "sales": ("model", "store_id"),
                          "orders": ("order_id", "model"), "stock": ("model",)}.items():
        path = Path(data_dir) / f"{name}.csv"
        if path.exists():
            frame = pd.read_csv(path, dtype=str, usecols=lambda c: c in columns)
            for col in frame.columns:
                words.update(frame[col].dropna().unique())
    from kit import schemas

    contract = {c.name for spec in schemas.TABLES.values() for c in spec.columns}
    for path in Path(data_dir).glob("*.csv"):  # the dealer's own extra columns (base_pay_cny …) are its words
        words.update(c for c in pd.read_csv(path, nrows=0).columns if c not in contract)
    settings = yaml.safe_load((Path(data_dir) / "dealer.yml").read_text(encoding="utf-8")) or {}
    dealer = settings.get("dealer") or {}
    words.update([str(dealer.get("name", ""))] + [str(v) for v in (dealer.get("stores") or {}).values()])
    words.update(str(k) for k in ((settings.get("sales") or {}).get("model_tiers") or {}))
    return {w for w in words if w}


def scan_folder(folder: Path, lang: str, data_words: Iterable[str]) -> list[str]:
    """Every code identifier (and, in Chinese, every English word) a manager would meet in the folder's pages
    and workbooks, as ``where: words`` lines; empty when the folder reads clean."""
    data_words = set(data_words)
    found: list[str] = []

    def check(where: str, text: str) -> None:
        bad = identifiers(text, data_words)
        if lang == "zh":
            bad |= english_words(text, data_words)
        if bad:
            found.append(f"{where}: {', '.join(sorted(bad)[:8])}")

    for page in sorted(Path(folder).glob("*.html")):
        check(page.name, html_text(page.read_text(encoding="utf-8")))
    for book in sorted(Path(folder).glob("*.xlsx")):
        for where, text in excel_text(book):
            check(where, text)
    return found
