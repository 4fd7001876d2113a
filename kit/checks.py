"""The kit's validation vocabulary: how an input or a setting is checked and how a problem with it is told.

Every analysis checks its tables and its ``dealer.yml`` section with these pieces, so a message reads the same
wherever it is raised and a caller can collect every problem of an input in one pass:

- :class:`Problems` collects the problems of one input (a settings section, a table) and raises one
  :class:`~kit.exceptions.ConfigError` or :class:`~kit.exceptions.DataContractError` listing them all (the
  individual problems are on the exception's ``problems``);
- :class:`SettingProblem` (a ``dealer.yml`` setting, named by its path) and :class:`RowProblem` (rows of a table,
  named as a spreadsheet shows them, with their ids) are :class:`~kit.exceptions.Problem` s, the loader's type;
- :func:`setting_number` is the one reader of numbers in settings (bounds, whole numbers, shares written as 0.6 or
  ``"60%"``); :func:`setting_text`, :func:`setting_choice`, :func:`setting_month`, :func:`setting_names` and
  :func:`unknown_keys` (with a "did you mean" for typos) read the rest;
- :func:`require_columns` checks that a DataFrame has the columns a function needs, :func:`read_dates` reads a
  date column; :func:`row_problem` and :func:`rows_text` name rows (header = row 1, so the first data row is
  row 2).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kit.exceptions import ConfigError, DataContractError, KitError, Problem

#: A month written ``YYYY-MM``.
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------- problems


class Sentence(str):
    """English text that can also be told in another language: ``sentence`` is the English, ``sentence("zh")``
    the Chinese (so :attr:`SettingProblem.text` stays a string for the callers that read it as one)."""

    def __new__(cls, english: str, render: Callable[[str], str]):
        obj = super().__new__(cls, english)
        obj._render = render
        return obj

    def __call__(self, lang: str = "en") -> str:
        return self._render(lang)


@dataclass(frozen=True)
class SettingProblem(Problem):
    """A problem with one setting: ``column`` is its path in ``dealer.yml`` (``kpi.profiles.launch``) and
    ``expected`` the sentence saying what is wrong; ``file`` is the settings file."""

    @property
    def text(self) -> Sentence:
        """The problem without the file: ``kpi.cap: 0.5 is too small; it must be >= 1.``; call it with a language
        for the same in that language (``problem.text("zh")``)."""
        return Sentence(f"{self.column}: {self.expected}" if self.column else self.expected, self._local)

    def _local(self, lang: str) -> str:
        from kit.i18n import t

        if not self.column:
            return t("problem.setting_text", lang, detail=self.detail(lang))
        return t("problem.setting_path_text", lang, path=self.column, detail=self.detail(lang))

    def where(self, lang: str = "en") -> str:
        """The settings file and the setting's path (paths are what the user types, the same in every language)."""
        from kit.i18n import t

        return t("problem.where.setting", lang, file=self.file, path=self.column) if self.column else self.file

    def detail(self, lang: str = "en") -> str:
        if self.key is None:
            return self.expected.rstrip(".")
        return super().detail(lang)

    def __str__(self) -> str:
        return f"{self.file}: {self.text}"


def _line(problem: Problem) -> str:
    """A problem as one line of an error whose caller adds the file (a settings section does not know it)."""
    return problem.text if isinstance(problem, SettingProblem) else str(problem)


@dataclass(frozen=True)
class RowProblem(Problem):
    """A problem with rows of a table in memory; ``ids`` are the first rows' ids in ``id_column``."""

    ids: tuple[str, ...] = ()
    id_column: str | None = None

    def __str__(self) -> str:
        where = self.file + (f" {rows_text(self.rows, self.ids, self.id_column)}" if self.rows else "")
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.expected}; got {self.found}."

    def _rows(self, lang: str) -> str:
        """The rows with the first rows' ids (``第 3、7 行（客户编号 L1、L5）``)."""
        from kit.exceptions import column_label
        from kit.i18n import t

        rows = super()._rows(lang)
        if not (self.ids and self.id_column):
            return rows
        return rows + t("problem.where.ids", lang, id_column=column_label(self.id_column, lang, self.table),
                        ids=t("problem.list_sep", lang).join(self.ids[:self.MAX_ROWS_LISTED]))


def rows_text(rows: Sequence[int], ids: Sequence[str] = (), id_column: str | None = None) -> str:
    """``'rows 3, 7 (lead_id L1, L5)'``: at most :attr:`Problem.MAX_ROWS_LISTED` rows, then how many in all."""
    limit = Problem.MAX_ROWS_LISTED
    listed = ", ".join(str(r) for r in rows[:limit])
    more = f" … ({len(rows)} rows)" if len(rows) > limit else ""
    named = f" ({id_column} {', '.join(map(str, ids[:limit]))})" if ids and id_column else ""
    return f"row{'s' if len(rows) > 1 else ''} {listed}{more}{named}"


def excel_rows(mask: Any) -> tuple[int, ...]:
    """Positions where ``mask`` is true as spreadsheet rows (header = row 1)."""
    return tuple(int(p) + 2 for p in np.flatnonzero(np.asarray(mask, dtype=bool)))


def row_problem(table: str, frame: Any, mask: Any, *, column: str | None, expected: str, found: str,
                id_column: str | None = None, key: str | None = None,
                fields: Mapping[str, Any] | None = None) -> RowProblem:
    """A :class:`RowProblem` for the rows of ``frame`` where ``mask`` is true, named with their ``id_column``;
    ``key`` and ``fields`` name the sentence in the display catalog (``problem.<key>``)."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    ids: tuple[str, ...] = ()
    if id_column is not None and id_column in getattr(frame, "columns", ()):
        ids = tuple(str(v) for v in frame[id_column].iloc[positions[:Problem.MAX_ROWS_LISTED]])
    return RowProblem(file=table, column=column, expected=expected, found=found,
                      rows=tuple(int(p) + 2 for p in positions), ids=ids, id_column=id_column if ids else None,
                      key=key, fields=dict(fields or {}))


class Problems:
    """Collects the problems of one input so that a single error lists them all.

    Parameters
    ----------
    subject : str
        What is checked, for the heading of several problems ("the KPI settings", "staff").
    error : {ConfigError, DataContractError}
        The exception :meth:`raise_if_any` raises.

    Examples
    --------
    >>> problems = Problems("the KPI settings")
    >>> problems.add("kpi.cap", "expected a number; got 'high'.")
    >>> problems.raise_if_any()
    Traceback (most recent call last):
    kit.exceptions.ConfigError: kpi.cap: expected a number; got 'high'.
    """

    def __init__(self, subject: str, *, error: type[KitError] = ConfigError):
        self.subject = subject
        self.error = error
        self.items: list[Problem] = []

    def add(self, path: str, message: str, *, key: str | None = None, **fields: Any) -> None:
        """Record a problem with the setting at ``path`` (``message`` is a sentence ending with a full stop);
        ``key`` and ``fields`` name the same sentence in the display catalog (``problem.<key>``)."""
        self.items.append(SettingProblem(file="dealer.yml", column=path, expected=message, found="", key=key,
                                         fields=fields))

    def append(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def message(self) -> str:
        """One problem as it is; several under a heading, one per line (settings problems without the file name,
        which :func:`kit.settings.parse_settings` adds)."""
        if len(self.items) == 1:
            return _line(self.items[0])
        return f"{len(self.items)} problems in {self.subject}:\n- " + "\n- ".join(map(_line, self.items))

    def raise_if_any(self) -> None:
        """Raise :attr:`error` listing every problem (on its ``problems``), if there is any."""
        if not self.items:
            return
        raise self.error(self.message(), list(self.items))


def problems_of(exc: BaseException, section: str | None = None) -> list[Problem]:
    """The individual problems an error carries; an error without them is one problem (its setting path read
    from the message when it starts with ``section``, as in ``order_plan.service_level: …``)."""
    found = getattr(exc, "problems", None)
    if found:
        return list(found)
    text = str(exc)
    keyed = {"key": getattr(exc, "key", None), "fields": dict(getattr(exc, "fields", None) or {})}
    path, sep, rest = text.partition(": ")
    if section and sep and re.fullmatch(rf"{re.escape(section)}([.\[][\w.\[\]]*)?", path):
        return [SettingProblem(file="dealer.yml", column=path, expected=rest, found="", **keyed)]
    return [SettingProblem(file="dealer.yml", column=None, expected=text, found="", **keyed)]


# --------------------------------------------------------------------------- reading settings


def is_number(value: Any) -> bool:
    """A real number (int or float, numpy's included), not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def fmt_number(value: float) -> str:
    """A number in messages: four significant digits (``0.95``, ``1200``, ``0.3333``)."""
    return f"{value:.4g}"


def _percent(value: Any) -> float | None:
    """``"60%"`` → 0.6; None when ``value`` is not a percentage written as text."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("％", "%")
    if not text.endswith("%"):
        return None
    try:
        number = float(text[:-1].strip())
    except ValueError:
        return None
    return number / 100 if math.isfinite(number) else None


def section_mapping(mapping: Any, where: str) -> Mapping:
    """A settings section as a mapping (None → empty); ConfigError naming ``where`` when it is something else."""
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.", key="setting_not_section",
                          fields={"path": where, "found": repr(mapping)})
    return mapping


def setting_number(value: Any, path: str, problems: Problems, *, low: float | None = None,
                   high: float | None = None, low_open: bool = False, high_open: bool = False,
                   integer: bool = False, percent: bool = False, what: str | None = None) -> Any:
    """Read a number setting; record a problem and return None when it is not one or is out of range.

    Parameters
    ----------
    value : object
        As parsed from YAML.
    path : str
        The setting's path, for the message.
    problems : Problems
    low, high : float, optional
        Bounds, inclusive unless ``low_open`` / ``high_open``.
    integer : bool
        A whole number is required (returned as int; ``2.0`` is accepted as 2).
    percent : bool
        A share may also be written as text with a per cent sign, ``"60%"`` for 0.6.
    what : str, optional
        What is expected, for the message (default "a whole number" or "a number").

    Returns
    -------
    int, float or None
    """
    # a caller's own description of what is expected is English only; the kit's default ones have catalog keys
    key = None if what else ("setting_not_whole_number" if integer else "setting_not_number")
    what = what or ("a whole number" if integer else "a number")
    written = _percent(value) if percent else None
    if written is not None:
        value = written
    if not is_number(value) or not math.isfinite(float(value)) or (integer and float(value) != int(value)):
        problems.add(path, f"expected {what}; got {value!r}.", key=key, found=repr(value))
        return None
    number = float(value)
    low_sign, high_sign = (">" if low_open else ">="), ("<" if high_open else "<=")
    if low is not None and (number < low or (low_open and number == low)):
        sign = "negative" if number < 0 else "too small"
        bounds = {"value": fmt_number(number), "low_sign": low_sign, "low": fmt_number(low)}
        if high is not None:
            bounds |= {"high_sign": high_sign, "high": fmt_number(high)}
        problems.add(path, f"{fmt_number(number)} is {sign}; it must be {low_sign} "
                           f"{fmt_number(low)}" + (f" and {high_sign} {fmt_number(high)}."
                                                   if high is not None else "."),
                     key=f"setting_{'negative' if number < 0 else 'too_small'}"
                         f"{'_between' if high is not None else ''}", **bounds)
        return None
    if high is not None and (number > high or (high_open and number == high)):
        problems.add(path, f"{fmt_number(number)} is too large; it must be {high_sign} {fmt_number(high)}.",
                     key="setting_too_large", value=fmt_number(number), high_sign=high_sign, high=fmt_number(high))
        return None
    return int(number) if integer else number


def setting_text(value: Any, path: str, problems: Problems, what: str = "a name") -> str | None:
    """Read a non-empty text setting (stripped); record a problem and return None otherwise."""
    if not isinstance(value, str) or not value.strip():
        problems.add(path, f"expected {what} (text); got {value!r}.", key="setting_not_text" if what == "a name"
                     else None, found=repr(value))
        return None
    return value.strip()


def setting_bool(value: Any, path: str, problems: Problems) -> bool | None:
    """Read a yes/no setting (YAML ``true`` / ``false``)."""
    if not isinstance(value, bool):
        problems.add(path, f"expected true or false; got {value!r}.", key="setting_not_bool", found=repr(value))
        return None
    return value


def _closest(name: object, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return close[0] if close else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'kpi'?)"`` when ``name`` is close to one of ``known``, else ``""``."""
    close = _closest(name, known)
    return f" (did you mean {close!r}?)" if close else ""


def setting_choice(value: Any, path: str, problems: Problems, choices: Sequence[str]) -> str | None:
    """Read a setting that must be one of ``choices``."""
    if isinstance(value, str) and value in choices:
        return value
    close = _closest(value, choices) if isinstance(value, str) else None
    hint = f" (did you mean {close!r}?)" if close else ""
    problems.add(path, f"expected one of {', '.join(choices)}; got {value!r}{hint}.",
                 key="setting_not_choice_close" if close else "setting_not_choice", choices=list(choices),
                 found=repr(value), close=repr(close))
    return None


def setting_month(value: Any, path: str, problems: Problems) -> str | None:
    """Read a month ``YYYY-MM`` (a month written unquoted in YAML may arrive as a date)."""
    if hasattr(value, "strftime"):
        value = value.strftime("%Y-%m")
    if not isinstance(value, str) or not MONTH_PATTERN.match(value.strip()):
        problems.add(path, f"expected a month 'YYYY-MM' in quotes, e.g. \"2026-03\"; got {value!r}.",
                     key="setting_not_month", found=repr(value))
        return None
    return value.strip()


def setting_names(value: Any, path: str, problems: Problems, what: str = "metric names") -> tuple[str, ...] | None:
    """Read a list of names (``[units_sold, gross_profit]``)."""
    if not isinstance(value, Sequence) or isinstance(value, str) or not value \
            or not all(isinstance(x, str) and x.strip() for x in value):
        problems.add(path, f"expected a list of {what}; got {value!r}.",
                     key="setting_not_metric_list" if what == "metric names" else None, found=repr(value))
        return None
    return tuple(x.strip() for x in value)


def setting_mapping(value: Any, path: str, problems: Problems, example: str) -> Mapping | None:
    """Read a mapping setting; ``example`` shows its shape in the message (``{order_rate: 0.15}``)."""
    if not isinstance(value, Mapping):
        problems.add(path, f"expected a mapping such as {example}; got {value!r}.", key="setting_not_mapping",
                     example=example, found=repr(value))
        return None
    return value


def unknown_keys(mapping: Mapping, known: Iterable[str], path: str, problems: Problems,
                 what: str = "setting") -> None:
    """Record every key of ``mapping`` that is not ``known``, with a "did you mean" for a likely typo."""
    known = [str(k) for k in known]
    for key in mapping:
        if str(key) not in known:
            close = _closest(key, known)
            catalog_key = None if what != "setting" else ("setting_unknown_close" if close else "setting_unknown")
            problems.add(f"{path}.{key}", f"unknown {what}{did_you_mean(key, known)}; known {what}s are "
                                          f"{', '.join(known)}.", key=catalog_key, known=known, close=repr(close))


# --------------------------------------------------------------------------- tables


def require_columns(frame: Any, name: str, columns: Iterable[str], *, expected: str | None = None) -> None:
    """Raise DataContractError unless ``frame`` is a DataFrame with every one of ``columns``.

    Parameters
    ----------
    frame : object
    name : str
        The table's name in the message ("leads", "kpi table").
    columns : iterable of str
    expected : str, optional
        What the table should be, added to the message ("the staff contract columns …").
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise DataContractError(f"{name}: expected a DataFrame; got {type(frame).__name__}.", key="not_a_table",
                                fields={"found": type(frame).__name__})
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        hint = f"; expected {expected}" if expected else ""
        found = [str(c) for c in frame.columns]
        raise DataContractError(f"{name}: missing column{plural} {', '.join(map(str, missing))}{hint} "
                                f"(found {', '.join(found) or 'no columns'}).",
                                key=None if expected else "frame_columns_missing",
                                fields={"missing_columns": [str(c) for c in missing], "found": found})


def read_dates(frame: Any, column: str, table: str, problems: Problems, *, id_column: str | None = None,
               example: str = "2026-10-31") -> tuple[Any, np.ndarray]:
    """A date column as time-zone-naive ``datetime64[ns]``; values that are not dates are a problem naming their rows.

    Returns
    -------
    (Series, ndarray of bool)
        The dates (NaT where empty or unreadable) and which values were unreadable.
    """
    import pandas as pd

    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        try:
            parsed = pd.to_datetime(values)
        except (TypeError, ValueError):  # one bad value, or several formats: read each value on its own
            parsed = pd.to_datetime(values.astype(object).where(values.notna(), None), errors="coerce",
                                    format="mixed")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    parsed = parsed.astype("datetime64[ns]")
    unreadable = values.notna().to_numpy() & parsed.isna().to_numpy()
    if unreadable.any():
        found = ", ".join(repr(v) for v in values[unreadable].head(3))
        problems.append(row_problem(table, frame, unreadable, column=column, expected=f"a date such as {example}",
                                    found=found, id_column=id_column, key="value_not_date_like",
                                    fields={"example": example, "found": found}))
    return parsed, unreadable
