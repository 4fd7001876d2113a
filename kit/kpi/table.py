"""The kpi table (one row per month × person × metric): validated once for every analysis that reads it.

:func:`check_kpi_table` is the one set of rules (``kit.turnover`` reads the table through it too);
:func:`prepare` adds the integer codes the scorecard, gates and bonus group by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kit.checks import MONTH_PATTERN, Problems, require_columns, row_problem
from kit.exceptions import DataContractError

#: The columns of the kpi table (``kit.schemas.KPI``); ``store_id`` is optional and carried through.
KPI_COLUMNS = ("month", "staff_id", "metric", "actual", "target")


def _per_value(values: pd.Series, fn) -> np.ndarray:
    """``fn`` of each distinct value, spread back to the rows (a table has a few dozen months, not a million)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=object)
    mapped[:] = [fn(u) for u in uniques]
    return mapped[codes]


def _month_text(values: pd.Series) -> pd.Series:
    """Months as 'YYYY-MM' text where they arrive as periods or dates; other values as they are."""
    if isinstance(values.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m")
    text = _per_value(values, lambda v: v.strftime("%Y-%m") if hasattr(v, "strftime") and not pd.isna(v) else v)
    return pd.Series(text, index=values.index, name=values.name)


def check_kpi_table(kpi: pd.DataFrame, *, name: str = "kpi table", allow_empty: bool = False) -> pd.DataFrame:
    """Validate the kpi table and return a canonical copy.

    Parameters
    ----------
    kpi : DataFrame
        month, staff_id, metric, actual, target and optionally store_id (``kit.schemas.KPI``).
    name : str
        The table's name in messages.
    allow_empty : bool
        Accept a table without rows.

    Returns
    -------
    DataFrame
        The KPI columns (and store_id): month as 'YYYY-MM' text, staff_id, metric and store_id as text, actual and
        target as floats; the index as given.

    Raises
    ------
    DataContractError
        Listing every problem, each naming its rows (header = row 1): a missing column, no rows, an empty key,
        a month not written 'YYYY-MM', an actual or target that is not a number, a negative target, a month,
        staff_id and metric given twice.
    """
    require_columns(kpi, name, KPI_COLUMNS, expected=", ".join(KPI_COLUMNS))
    if kpi.empty and not allow_empty:
        raise DataContractError(f"{name}: no rows.")
    keys = ["month", "staff_id", "metric"] + (["store_id"] if "store_id" in kpi.columns else [])
    out = kpi[[*KPI_COLUMNS, *keys[3:]]].copy()
    out["month"] = _month_text(out["month"])
    problems = Problems(name, error=DataContractError)
    for col in keys:
        empty = out[col].isna().to_numpy()
        if empty.any():
            problems.append(row_problem(name, out, empty, column=col, expected=f"a {col} in every row",
                                        found="empty", id_column="staff_id" if col != "staff_id" else None))
        out[col] = out[col].astype(str)
    bad = ~_per_value(out["month"], lambda v: bool(MONTH_PATTERN.match(v))).astype(bool) \
        & ~kpi["month"].isna().to_numpy()
    if bad.any():
        found = ", ".join(map(repr, list(dict.fromkeys(out["month"][bad]))[:3]))
        problems.append(row_problem(name, out, bad, column="month", expected="a month 'YYYY-MM'", found=found,
                                    id_column="staff_id"))
    for col in ("actual", "target"):
        if pd.api.types.is_float_dtype(out[col]) and not isinstance(out[col].dtype, pd.ArrowDtype):
            out[col] = out[col].astype(float)
            continue
        numbers = pd.to_numeric(out[col], errors="coerce")
        bad = (numbers.isna() & out[col].notna()).to_numpy()
        if bad.any():
            problems.append(row_problem(name, out, bad, column=col, expected="a number",
                                        found=", ".join(repr(v) for v in out[col][bad].head(3)),
                                        id_column="staff_id"))
        out[col] = numbers.astype(float)
    negative = (out["target"] < 0).to_numpy()
    if negative.any():
        problems.append(row_problem(name, out, negative, column="target", expected="a target of at least 0",
                                    found="a negative one", id_column="staff_id"))
    repeated = out.duplicated(["month", "staff_id", "metric"], keep=False).to_numpy()
    if repeated.any():
        first = out[repeated].iloc[0]
        problems.append(row_problem(
            name, out, repeated, column=None, expected="one row per month, staff_id and metric",
            found=f"{int(repeated.sum())} rows that repeat a month, staff_id and metric, e.g. {first['month']} "
                  f"{first['staff_id']} {first['metric']}", id_column="staff_id"))
    problems.raise_if_any()
    return out


@dataclass(frozen=True, eq=False)
class Prepared:
    """A validated kpi table plus integer codes for fast grouping (built once per public call)."""

    frame: pd.DataFrame
    months: np.ndarray          # sorted unique months
    metrics: list[str]          # unique metrics, first-seen order
    month_code: np.ndarray      # per row
    metric_code: np.ndarray     # per row
    person: np.ndarray          # per row: index into ``people``
    people: pd.DataFrame        # per person-month: month, staff_id, [store_id]; sorted by month, staff_id
    person_month: np.ndarray    # month code per person

    @property
    def keys(self) -> list[str]:
        return list(self.people.columns)


def prepare(kpi: pd.DataFrame, *, name: str = "kpi table") -> Prepared:
    """:func:`check_kpi_table`, then codes per month, person and metric; one store per person and month."""
    out = check_kpi_table(kpi, name=name)
    month_code, months = pd.factorize(out["month"], sort=True)
    months = np.asarray(months, dtype=object)
    staff_code, staffs = pd.factorize(out["staff_id"], sort=True)
    staffs = np.asarray(staffs, dtype=object)
    metric_code, metrics = pd.factorize(out["metric"], sort=False)
    pair_key = month_code.astype(np.int64) * len(staffs) + staff_code
    person, pair_keys = pd.factorize(pair_key, sort=True)
    person_month = (pair_keys // len(staffs)).astype(np.int64)
    people = pd.DataFrame({"month": months[person_month], "staff_id": staffs[pair_keys % len(staffs)]})
    if "store_id" in out:
        store_code, stores = pd.factorize(out["store_id"])
        store_pairs = np.unique(person.astype(np.int64) * len(stores) + store_code)
        per_person = np.bincount(store_pairs // len(stores), minlength=len(people))
        if (per_person > 1).any():
            i = int(np.flatnonzero(per_person > 1)[0])
            raise DataContractError(f"{name}: {people['staff_id'][i]} has rows under several store_id values in "
                                    f"{people['month'][i]}; one person belongs to one store per month.")
        first_row = np.unique(person, return_index=True)[1]
        people["store_id"] = np.asarray(stores, dtype=object)[store_code[first_row]]
    return Prepared(frame=out, months=months, metrics=[str(m) for m in metrics], month_code=month_code,
                    metric_code=metric_code, person=person, people=people, person_month=person_month)


def only_month(frame: pd.DataFrame, month: str | None, what: str) -> tuple[pd.DataFrame, str]:
    """The rows of one month (the only one when ``month`` is None); DataContractError naming ``what`` otherwise."""
    months = sorted(frame["month"].unique())
    if month is None:
        if len(months) != 1:
            raise DataContractError(f"{what}: the kpi table has {len(months)} months ({months[0]} … {months[-1]}); "
                                    f"pass month='YYYY-MM'.")
        return frame, months[0]
    month = str(month)
    sub = frame[frame["month"] == month]
    if sub.empty:
        raise DataContractError(f"{what}: no kpi rows for {month}; the table has {months[0]} … {months[-1]}.")
    return sub, month
