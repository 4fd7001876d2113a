"""The kit's exceptions: one base class, so a caller can catch everything the kit raises on purpose.

A finding about an input is a :class:`Problem`. Its ``str`` is the English line ``kit validate`` prints; with a
catalog ``key`` (``kit/catalog/problems.yml``) and its ``fields`` it can also be told in the report's language:
``problem.text("zh")``. An error raised for one file-level finding carries the same ``key`` and ``fields``, so the
loader can keep both when it lists the error among the folder's problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, ClassVar


class KitError(Exception):
    """Base class of every error the kit raises deliberately.

    ``key`` and ``fields`` name the message in the display catalog (``problem.<key>``) when it has an entry there.
    """

    def __init__(self, message: str = "", *, key: str | None = None, fields: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.key = key
        self.fields = dict(fields or {})


class DataContractError(KitError, ValueError):
    """Input data breaks the data contract.

    The message names the file, the row(s) as the user sees them in Excel, the column, what was expected and what
    was found. ``problems`` holds every individual problem when several were collected in one pass.
    """

    def __init__(self, message: str, problems: list | None = None, *, key: str | None = None,
                 fields: Mapping[str, Any] | None = None):
        super().__init__(message, key=key, fields=fields)
        self.problems = list(problems or [])


class ConfigError(KitError, ValueError):
    """A setting in ``dealer.yml`` is unknown, ill-typed or out of range; the message names the setting.

    ``problems`` holds every individual problem when several were collected in one pass.
    """

    def __init__(self, message: str, problems: list | None = None, *, key: str | None = None,
                 fields: Mapping[str, Any] | None = None):
        super().__init__(message, key=key, fields=fields)
        self.problems = list(problems or [])


class NotFittedError(KitError, RuntimeError):
    """A model was used before ``fit``."""


class InsufficientDataError(KitError, ValueError):
    """There is too little data for an analysis; callers may fall back to a documented simpler method."""


@dataclass(frozen=True)
class Problem:
    """One finding about an input file. ``rows`` are row numbers as the user sees them in Excel.

    ``key`` names the sentence ``problem.<key>`` in ``kit/catalog/problems.yml`` and ``fields`` fill its
    placeholders (plain text, numbers and lists, so a problem survives a JSON snapshot). Fields are shown as they
    are, except: ``column`` / ``*_column`` (a column of the table, shown with its label: 建档日期 in Chinese) and
    ``*_columns`` (a list of them); ``*_values`` (codes of the problem's column, shown as a Chinese export writes
    them); ``*metrics`` (KPI metric codes, with their catalog names where the catalog has them); other lists
    (joined in the language's way).
    """

    file: str
    column: str | None
    expected: str
    found: str
    rows: tuple[int, ...] = ()
    severity: str = "error"
    key: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict, compare=False)

    #: at most this many row numbers are printed; the count says how many there are in all
    MAX_ROWS_LISTED: ClassVar[int] = 8
    #: keys whose sentence says where the finding is: their ``column`` (a settings section) is not told again
    PLACE_IN_SENTENCE: ClassVar[frozenset[str]] = frozenset({"kpi_default_metrics_absent"})

    def __str__(self) -> str:
        where = self.file
        if self.rows:
            listed = ", ".join(str(r) for r in self.rows[:self.MAX_ROWS_LISTED])
            more = f" … ({len(self.rows)} rows)" if len(self.rows) > self.MAX_ROWS_LISTED else ""
            where += f" row{'s' if len(self.rows) > 1 else ''} {listed}{more}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.expected}; got {self.found}."

    # ----------------------------------------------------------------- in the reader's language

    @property
    def table(self) -> str | None:
        """The contract table the problem is about (``leads`` for ``leads.csv``), None when it is not one."""
        from kit.schemas import TABLES

        name = PurePath(str(self.file)).name.split(" ")[0]
        stem = name.rsplit(".", 1)[0] if "." in name else name
        return stem if stem in TABLES else None

    def where(self, lang: str = "en") -> str:
        """The file, the rows and the column, in ``lang`` (``leads.csv 第 3、7 行，“建档日期”列``)."""
        from kit.i18n import t

        parts = [f"{self.file} {self._rows(lang)}" if self.rows else self.file]
        if self._column(lang):
            parts.append(self._column(lang))
        return t("problem.where.join", lang).join(parts)

    def place(self, lang: str = "en") -> str:
        """:meth:`where` without the file: the rows and the column (empty for a problem of the whole file)."""
        from kit.i18n import t

        return t("problem.where.join", lang).join(
            part for part in (self._rows(lang) if self.rows else "", self._column(lang)) if part)

    def _rows(self, lang: str) -> str:
        from kit.i18n import t

        listed = t("problem.list_sep", lang).join(str(r) for r in self.rows[:self.MAX_ROWS_LISTED])
        rows = t("problem.where.rows" if len(self.rows) > 1 else "problem.where.row", lang, rows=listed)
        if len(self.rows) > self.MAX_ROWS_LISTED:
            rows = t("problem.where.more_rows", lang, rows=rows, n=len(self.rows))
        return rows

    def _column(self, lang: str) -> str:
        from kit.i18n import t

        if not self.column or self.key in self.PLACE_IN_SENTENCE:
            return ""
        return t("problem.where.column", lang, column=column_label(self.column, lang, self.table))

    def detail(self, lang: str = "en") -> str:
        """What is wrong, without the place: the catalog sentence of ``key``, or ``expected; got found``."""
        from kit.i18n import t

        if self.key is None:
            return t("problem.untranslated", lang, expected=self.expected, found=self.found)
        return t(f"problem.{self.key}", lang, **render_fields(self.fields, lang, self.table, self.column))

    def text(self, lang: str = "en") -> str:
        """The whole problem in ``lang``: place, then what is wrong (``str()`` stays the CLI's English line)."""
        from kit.i18n import t

        return t("problem.text", lang, where=self.where(lang), detail=self.detail(lang))


def column_label(column: str, lang: str = "en", table: str | None = None) -> str:
    """A contract column as a reader names it: the table's Chinese header (the first alias in
    :mod:`kit.schemas`) in Chinese, the catalog's ``<column>@column`` label in English; any other name (an extra
    column, a setting path) as it is."""
    from kit import i18n, schemas

    name = str(column)
    labels = i18n.catalog()["labels"]
    parts = name.split(", ")
    if len(parts) > 1:  # several columns: a key of two columns, the missing or the extra ones
        return i18n.t("problem.list_sep", lang).join(column_label(p, lang, table) for p in parts)
    if table in schemas.CHINESE_HEADERS and lang == "zh" and name in schemas.CHINESE_HEADERS[table]:
        return schemas.CHINESE_HEADERS[table][name]
    entry = labels.get(f"{name}@column")
    return entry[lang] if entry else name


def value_label(column: str | None, value: object, lang: str = "en") -> str:
    """A code of ``column`` as a Chinese export writes it (``walk_in`` → 来店) in Chinese; the code in English."""
    from kit import schemas

    if lang == "zh" and column is not None:
        return schemas.CHINESE_VALUES.get(str(column), {}).get(str(value), str(value))
    return str(value)


def metric_label(metric: object, lang: str = "en") -> str:
    """A KPI metric's name: the catalog's ``<metric>@kpi_metric`` label, else the code as the dealer's KPI sheet
    writes it (a plain label of the same code may mean something else: ``finance`` is also a department)."""
    from kit import i18n

    entry = i18n.catalog()["labels"].get(f"{metric}@kpi_metric")
    return entry[lang] if entry else str(metric)


def render_fields(fields: Mapping[str, Any], lang: str, table: str | None = None,
                  column: str | None = None) -> dict[str, Any]:
    """A problem's fields ready for its sentence in ``lang`` (see :class:`Problem`); ``*_values`` are codes of
    ``column`` (the problem's, unless a field ``column`` says otherwise)."""
    from kit.i18n import t

    sep = t("problem.list_sep", lang)
    column = fields.get("column", column)
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "column" or name.endswith("_column"):
            out[name] = column_label(value, lang, fields.get(f"{name}_table", table)) if value is not None else ""
        elif name.endswith("_columns"):
            out[name] = sep.join(column_label(v, lang, table) for v in value)
        elif name.endswith("_values"):
            out[name] = sep.join(value_label(column, v, lang) for v in value)
        elif name.endswith("metrics"):  # KPI metric codes: the catalog's name when it has one, else the dealer's
            out[name] = sep.join(metric_label(v, lang) for v in value)
        elif isinstance(value, (list, tuple)):
            out[name] = sep.join(map(str, value))
        else:
            out[name] = value
    return out
