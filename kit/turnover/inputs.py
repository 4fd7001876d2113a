"""The staff roster and the KPI table as the turnover analyses need them: checked once, typed; months, dates and
groups read the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from kit import schemas
from kit.i18n import has, label
from kit.checks import Problems, read_dates, require_columns, row_problem
from kit.exceptions import ConfigError, DataContractError, InsufficientDataError
from kit.kpi.table import check_kpi_table
from kit.turnover.settings import FORMULAS

#: Average days in a month, to express tenures in months.
DAYS_PER_MONTH = 365.25 / 12
#: Columns of the staff contract (``kit.schemas.STAFF``); other numeric columns are extra model features.
STAFF_COLUMNS = tuple(schemas.STAFF.column_names)
#: Columns every function reads from the roster.
REQUIRED_STAFF = ("staff_id", "store_id", "department", "role", "hire_date", "leave_date", "leave_type")
#: The group of staff with an empty grouping value (an empty department, say).
UNASSIGNED = "unassigned"
#: Period lengths accepted as ``freq`` (pandas spellings included) and how many make a year.
FREQS = {"M": "M", "ME": "M", "MS": "M", "Q": "Q", "QE": "Q", "QS": "Q", "Y": "Y", "A": "Y", "YE": "Y",
          "YS": "Y"}
PERIODS_PER_YEAR = {"M": 12, "Q": 4, "Y": 1}


class TooLittleHistory(InsufficientDataError):
    """Too little history for an analysis; ``key`` and ``fields`` are the sentence a report shows instead
    (``kit/catalog/turnover.yml``), the message is for the log."""

    def __init__(self, message: str, *, key: str, **fields: object):
        super().__init__(message)
        self.key = key
        self.fields = fields


def check_staff(staff: pd.DataFrame, *, where: str = "staff", columns: Iterable[str] = ()) -> pd.DataFrame:
    """Validate a staff roster once and return a typed copy (dates as datetime64, index kept).

    Parameters
    ----------
    staff : DataFrame
        The staff contract (``kit.schemas.STAFF``): staff_id, store_id, department, role, hire_date,
        leave_date, leave_type, optional name and manager_id.
    where : str
        Name used in messages (e.g. the file name).
    columns : iterable of str
        Further columns the caller needs (e.g. the ``by`` columns).

    Returns
    -------
    DataFrame
        A copy with ``hire_date`` / ``leave_date`` parsed and ``leave_type`` in lower case.

    Raises
    ------
    DataContractError
        Missing columns, unparseable or missing hire dates, duplicate ``staff_id``, ``leave_date`` before
        ``hire_date``, ``leave_type`` missing for a leaver, set without a leave date, or not
        voluntary/involuntary. Every problem is listed (``problems``), each naming its rows (header = row 1) and
        staff ids.
    """
    require_columns(staff, where, [*REQUIRED_STAFF, *columns],
                    expected=f"the staff contract columns {', '.join(REQUIRED_STAFF)}")
    frame = staff.copy()
    problems = Problems(where, error=DataContractError)

    def problem(mask: np.ndarray, column: str, expected: str, found: str) -> None:
        problems.append(row_problem(where, frame, mask, column=column, expected=expected, found=found,
                                    id_column="staff_id"))

    hire, unreadable = read_dates(frame, "hire_date", where, problems, id_column="staff_id")
    frame["hire_date"] = hire.dt.normalize()
    frame["leave_date"] = read_dates(frame, "leave_date", where, problems, id_column="staff_id")[0].dt.normalize()
    no_hire = frame["hire_date"].isna().to_numpy() & ~unreadable
    if no_hire.any():
        problem(no_hire, "hire_date", "a hire date in every row", "empty")
    ids = frame["staff_id"]
    if ids.isna().any():
        problem(ids.isna().to_numpy(), "staff_id", "an id in every row", "empty")
    dup = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
    if dup.any():
        problem(dup, "staff_id", "each staff_id only once (a rehire is a new row with its own staff_id, e.g. "
                                 "E012-2)", "duplicates")
    before = (frame["leave_date"] < frame["hire_date"]).to_numpy()
    if before.any():
        problem(before, "leave_date", "a leave date on or after hire_date", "an earlier date")
    leave_type = frame["leave_type"].astype(object).where(frame["leave_type"].notna(), None)
    leave_type = leave_type.map(lambda v: str(v).strip().lower() if v is not None else None)
    leave_type = leave_type.where(~leave_type.isin(["", "nan", "none"]), None)
    left = frame["leave_date"].notna().to_numpy()
    no_type = left & leave_type.isna().to_numpy()
    if no_type.any():
        problem(no_type, "leave_type", "voluntary or involuntary for everyone with a leave date", "empty")
    bad_type = leave_type.notna().to_numpy() & ~leave_type.isin(["voluntary", "involuntary"]).to_numpy()
    if bad_type.any():
        problem(bad_type, "leave_type", "voluntary or involuntary",
                ", ".join(sorted({repr(v) for v in leave_type[bad_type]})))
    type_no_date = ~left & leave_type.notna().to_numpy()
    if type_no_date.any():
        problem(type_no_date, "leave_date", "a leave date where leave_type is set", "empty")
    problems.raise_if_any()
    frame["leave_type"] = leave_type.astype(object)
    return frame


def check_kpi(kpi: pd.DataFrame, *, where: str = "kpi table") -> pd.DataFrame:
    """The kpi table checked by :func:`kit.kpi.table.check_kpi_table` (the one set of rules; a table without rows
    is accepted), with ``month`` also as a monthly Period column ``period``.

    Raises
    ------
    DataContractError
        Listing every problem, each naming its rows.
    """
    frame = check_kpi_table(kpi, name=where, allow_empty=True)
    frame["period"] = pd.PeriodIndex(frame["month"], freq="M")
    return frame


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """``by`` as a list of column names (None → none)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def check_freq(freq: str) -> str:
    """M, Q or Y from a pandas-style frequency; ConfigError otherwise."""
    key = str(freq).upper()
    if key not in FREQS:
        raise ConfigError(f"freq: expected M (months), Q (quarters) or Y (years); got {freq!r}.")
    return FREQS[key]


def check_formula(formula: str) -> str:
    """One of :data:`FORMULAS`; ConfigError otherwise."""
    if formula not in FORMULAS:
        raise ConfigError(f"formula: expected one of {', '.join(FORMULAS)}; got {formula!r}.")
    return formula


def to_period(value: object, freq: str) -> pd.Period:
    """A month ('2026-10'), date or Period as a Period of ``freq``; ConfigError otherwise."""
    try:
        if isinstance(value, pd.Period):
            return value.asfreq(freq) if value.freqstr[0] != freq[0] else value
        return pd.Timestamp(value).to_period(freq) if not isinstance(value, str) or len(value) > 7 else \
            pd.Period(value, freq="M").asfreq(freq) if len(value) == 7 else pd.Period(value, freq=freq)
    except (ValueError, TypeError):
        raise ConfigError(f"expected a month such as 2026-10 or a date; got {value!r}.") from None


def month_end(value: object) -> pd.Timestamp:
    """The last day of the month named by ``value`` ('2026-10', a Period or a date)."""
    return to_period(value, "M").end_time.normalize()


def group_keys(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The ``by`` columns with empty values grouped as :data:`UNASSIGNED`."""
    keys = frame[by].astype(object)
    return keys.where(keys.notna(), UNASSIGNED)


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator ÷ denominator, NaN where the denominator is not positive."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.full(numerator.shape, np.nan)
    ok = denominator > 0
    out[ok] = numerator[ok] / denominator[ok]
    return out


def as_of_date(as_of: object) -> pd.Timestamp:
    """A cut-off date: a month ('2026-10' → 2026-10-31) or a date."""
    if isinstance(as_of, str) and len(as_of.strip()) == 7:
        return month_end(as_of.strip())
    if isinstance(as_of, pd.Period):
        return as_of.end_time.normalize()
    try:
        return pd.Timestamp(as_of).normalize()
    except (ValueError, TypeError):
        raise ConfigError(f"as_of: expected a month such as 2026-10 or a date; got {as_of!r}.") from None


def word(code: object, lang: str) -> str:
    """A code's display name in ``lang``; a value the catalog does not know (a store id, a dealer's own role or
    department) is the dealer's own word and is shown as it is."""
    return label(code, lang) if has(code) else str(code)


def check_lang(lang: str) -> None:
    """ConfigError unless ``lang`` is en or zh."""
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang: expected en or zh; got {lang!r}.")
