"""The last guard on personal data: remove the input's names and phone numbers from every file a run publishes.

Notebooks run with ``mask_personal_data=True`` and mask what they show, but an executed notebook also carries
stderr, tracebacks and error values, and a notebook may print a row before masking it. Before a masked run
publishes, :func:`scrub_folder` replaces every customer name, staff name and phone number found in the input tables
(the columns the data contract marks ``personal``) by its masked form (:mod:`kit.report.masking`) in every text
file (executed notebooks, HTML, CSV, JSON, logs) and in the text cells of every Excel workbook.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Iterable

from kit import schemas
from kit.report.masking import mask_name, mask_phone

TEXT_SUFFIXES = {".html", ".htm", ".csv", ".txt", ".log", ".md", ".tsv", ".xml", ".svg"}
JSON_SUFFIXES = {".ipynb", ".json"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
MIN_PHONE_DIGITS = 7
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_DIGIT_RUNS = (re.compile(r"(?<!\d)\d[\d\- ]{5,}\d(?!\d)"),  # 198-3810-9373, 138 1234 5678
               re.compile(r"(?<!\d)\d{7,}(?!\d)"))  # 13812345678 inside a longer run of the above


class PersonalValues:
    """The personal values of one dealership and how to mask them in any text."""

    def __init__(self, names: Iterable[object] = (), phones: Iterable[object] = ()):
        self.cjk_names: dict[str, str] = {}
        other_names: dict[str, str] = {}
        for raw in names:
            name = str(raw).strip() if raw is not None else ""
            if len(name) < 2 or name.lower() in ("nan", "none", "<na>"):
                continue
            target = self.cjk_names if _CJK_RUN.fullmatch(name) else other_names
            target[name] = str(mask_name(name))
        self.phones: dict[str, str] = {}
        for raw in phones:
            digits = re.sub(r"\D", "", str(raw)) if raw is not None else ""
            if len(digits) >= MIN_PHONE_DIGITS:
                self.phones[digits] = str(mask_phone(digits))
        self.lengths = sorted({len(n) for n in self.cjk_names}, reverse=True)
        self.other_names = other_names
        self._other_re = None
        if other_names:  # Latin names: whole words only, longest first
            alternatives = "|".join(re.escape(n) for n in sorted(other_names, key=len, reverse=True))
            self._other_re = re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])")

    @classmethod
    def from_tables(cls, tables: dict) -> "PersonalValues":
        """The values of every column the data contract marks ``personal`` (names and phones)."""
        names, phones = [], []
        for table_name, frame in tables.items():
            spec = schemas.TABLES.get(table_name)
            if spec is None:
                continue
            for col in spec.columns:
                if col.personal and col.name in frame.columns:
                    values = frame[col.name].dropna().astype(str).unique()
                    (phones if "phone" in col.name else names).extend(values)
        return cls(names, phones)

    def __bool__(self) -> bool:
        return bool(self.cjk_names or self.other_names or self.phones)

    def scrub(self, text: str) -> tuple[str, int]:
        """``text`` with every personal value masked, and how many were replaced."""
        count = 0

        def phone(m: re.Match) -> str:
            nonlocal count
            digits = re.sub(r"\D", "", m.group(0))
            if digits in self.phones:
                count += 1
                return self.phones[digits]
            return m.group(0)

        for pattern in _DIGIT_RUNS:
            text = pattern.sub(phone, text)
        if self.cjk_names:
            def cjk(m: re.Match) -> str:
                nonlocal count
                run, out, i = m.group(0), [], 0
                while i < len(run):
                    for n in self.lengths:
                        piece = run[i:i + n]
                        if len(piece) == n and piece in self.cjk_names:
                            out.append(self.cjk_names[piece])
                            count += 1
                            i += n
                            break
                    else:
                        out.append(run[i])
                        i += 1
                return "".join(out)

            text = _CJK_RUN.sub(cjk, text)
        if self._other_re is not None:
            def other(m: re.Match) -> str:
                nonlocal count
                count += 1
                return self.other_names[m.group(0)]

            text = self._other_re.sub(other, text)
        return text, count


def scrub_value(value, values: PersonalValues) -> tuple[object, int]:
    """``value`` (text, or lists and dicts of them, as read from JSON) with personal values masked, and the count."""
    if isinstance(value, str):
        return values.scrub(value)
    if isinstance(value, list):
        pairs = [scrub_value(v, values) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        pairs = {k: scrub_value(v, values) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, sum(n for _, n in pairs.values())
    return value, 0


_XML_TEXT = re.compile(r"(<t(?:\s[^>]*)?>)([^<]*)(</t>)")


def _scrub_excel(path: Path, values: PersonalValues) -> int:
    """Mask personal values in the text cells (shared and inline strings) of a workbook; numbers are left alone."""
    import html

    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info.filename)) for info in zin.infolist()]
    total = 0
    out = []
    for info, data in members:
        name = info.filename
        if name == "xl/sharedStrings.xml" or (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            text = data.decode("utf-8")
            count = 0

            def cell(m: re.Match) -> str:
                nonlocal count
                plain, n = values.scrub(html.unescape(m.group(2)))
                if not n:
                    return m.group(0)
                count += n
                return m.group(1) + html.escape(plain, quote=False) + m.group(3)

            text = _XML_TEXT.sub(cell, text)
            if count:
                data, total = text.encode("utf-8"), total + count
        out.append((info, data))
    if total:
        tmp = path.with_name(f".{path.name}.scrub")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, data in out:
                zout.writestr(info, data)
        tmp.replace(path)
    return total


def scrub_file(path: Path, values: PersonalValues) -> int:
    """Mask personal values in one published file; returns how many were replaced (0 for other file types)."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _scrub_excel(path, values)
    if suffix not in TEXT_SUFFIXES | JSON_SUFFIXES:
        return 0
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    if suffix in JSON_SUFFIXES:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if data is not None:
            data, count = scrub_value(data, values)
            if count:
                indent = 1 if suffix == ".ipynb" else 2
                path.write_text(json.dumps(data, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
            return count
    text, count = values.scrub(text)
    if count:
        path.write_text(text, encoding="utf-8")
    return count


def scrub_folder(folder: Path, values: PersonalValues, names: Iterable[str] | None = None) -> dict[str, int]:
    """Scrub the files ``names`` of ``folder`` (every file when None); ``{file: replacements}`` for those changed."""
    if not values:
        return {}
    paths = [folder / n for n in names] if names is not None else [p for p in folder.rglob("*") if p.is_file()]
    changed = {}
    for path in paths:
        if path.is_file():
            n = scrub_file(path, values)
            if n:
                changed[str(path.relative_to(folder))] = n
    return changed
