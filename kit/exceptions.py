"""The kit's exceptions: one base class, so a caller can catch everything the kit raises on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class KitError(Exception):
    """Base class of every error the kit raises deliberately."""


class DataContractError(KitError, ValueError):
    """Input data breaks the data contract.

    The message names the file, the row(s) as the user sees them in Excel, the column, what was expected and what
    was found. ``problems`` holds every individual problem when several were collected in one pass.
    """

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class ConfigError(KitError, ValueError):
    """A setting in ``dealer.yml`` is unknown, ill-typed or out of range; the message names the setting.

    ``problems`` holds every individual problem when several were collected in one pass.
    """

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


class NotFittedError(KitError, RuntimeError):
    """A model was used before ``fit``."""


class InsufficientDataError(KitError, ValueError):
    """There is too little data for an analysis; callers may fall back to a documented simpler method."""


@dataclass(frozen=True)
class Problem:
    """One finding about an input file. ``rows`` are row numbers as the user sees them in Excel."""

    file: str
    column: str | None
    expected: str
    found: str
    rows: tuple[int, ...] = ()
    severity: str = "error"

    #: at most this many row numbers are printed; the count says how many there are in all
    MAX_ROWS_LISTED: ClassVar[int] = 8

    def __str__(self) -> str:
        where = self.file
        if self.rows:
            listed = ", ".join(str(r) for r in self.rows[:self.MAX_ROWS_LISTED])
            more = f" … ({len(self.rows)} rows)" if len(self.rows) > self.MAX_ROWS_LISTED else ""
            where += f" row{'s' if len(self.rows) > 1 else ''} {listed}{more}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.expected}; got {self.found}."
