"""The leads, follow-up and traffic tables as the analyses need them: checked once, typed, as known on a day."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from kit.checks import Problems, read_dates, require_columns, row_problem
from kit.exceptions import ConfigError, DataContractError

#: Label of a lead without a consultant (the documented fallback for an empty consultant_id).
UNASSIGNED = "(unassigned)"

#: Follow-up outcome codes the kit reads (lower-cased; Chinese spellings accepted). Other text is kept as free text.
OUTCOME_CODES: dict[str, str] = {
    "test_drive": "test_drive", "test drive": "test_drive", "试驾": "test_drive", "已试驾": "test_drive",
    "试乘试驾": "test_drive",
    "quoted": "quoted", "quote": "quoted", "报价": "quoted", "已报价": "quoted",
    "invited": "invited", "邀约": "invited", "已邀约": "invited", "邀约到店": "invited",
    "no_answer": "no_answer", "no answer": "no_answer", "未接通": "no_answer", "无人接听": "no_answer",
    "negotiating": "negotiating", "议价": "negotiating", "议价中": "negotiating", "价格谈判": "negotiating",
    "ordered": "ordered", "下订": "ordered", "已下订": "ordered", "成交": "ordered",
}


def as_day(value: Any, name: str) -> pd.Timestamp:
    """A date argument as a day (time and time zone dropped); ConfigError naming the argument otherwise."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise ConfigError(f"{name}: expected a date such as 2026-10-31; got {value!r}.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def to_bool(values: pd.Series) -> pd.Series:
    """Yes/no column as plain bool; empty means no."""
    if values.dtype == bool:
        return values
    return values.astype("boolean").fillna(False).astype(bool)


def to_text(values: pd.Series) -> pd.Series:
    """Text column as object dtype with None for empty (works the same on pandas 2 and 3)."""
    out = values.astype(object)
    return out.where(values.notna(), None)


def per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``values.map(fn)``, with ``fn`` called once per distinct text (a table's rows share a few kinds, grades and
    ids) and once per missing value; a column that is not all text is mapped value by value (True, 1 and 1.0 are
    one key to pandas but ``fn`` may read them apart)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return values.map(fn)
    codes, distinct = pd.factorize(values)  # missing values: code -1
    mapped = np.empty(len(distinct), dtype=object)
    mapped[:] = [fn(v) for v in distinct]
    out = np.empty(len(values), dtype=object)
    known = codes >= 0
    out[known] = mapped[codes[known]]
    out[~known] = [fn(v) for v in values.to_numpy(dtype=object)[~known]]
    return pd.Series(out, index=values.index, dtype=object)


LEAD_BASE = ("lead_id", "created_at", "status", "closed_at")


def prepare_leads(leads: pd.DataFrame, columns: Iterable[str] = ()) -> pd.DataFrame:
    """Checked copy of ``leads``: required columns, unique ids, dates, closed leads with close dates.

    A lead with no consultant gets :data:`UNASSIGNED` (documented fallback, it shows up as its own row). Every
    problem is listed in one DataContractError, each naming its rows (header = row 1) and lead ids.
    """
    require_columns(leads, "leads", [*LEAD_BASE, *columns])
    out = leads.copy().reset_index(drop=True)
    problems = Problems("leads", error=DataContractError)
    out["lead_id"] = per_distinct(to_text(out["lead_id"]), lambda v: None if v is None else str(v))
    bad = out["lead_id"].isna()
    if bad.any():
        problems.append(row_problem("leads", out, bad, column="lead_id", expected="an id in every row",
                                    found="empty"))
    dup = out["lead_id"].duplicated(keep=False) & out["lead_id"].notna()
    if dup.any():
        problems.append(row_problem("leads", out, dup, column="lead_id", expected="each lead_id once",
                                    found="duplicates", id_column="lead_id"))
    unreadable = {}
    for col in ("created_at", "closed_at", "delivered_at"):
        if col in out.columns:
            dates, unreadable[col] = read_dates(out, col, "leads", problems, id_column="lead_id")
            out[col] = dates.dt.normalize()
    bad = out["created_at"].isna() & ~unreadable["created_at"]
    if bad.any():
        problems.append(row_problem("leads", out, bad, column="created_at", expected="the registration date",
                                    found="empty", id_column="lead_id"))
    status = per_distinct(to_text(out["status"]), lambda v: None if v is None else str(v).strip().lower())
    bad = ~status.isin(["open", "won", "lost"])
    if bad.any():
        problems.append(row_problem("leads", out, bad, column="status", expected="open, won or lost",
                                    found=", ".join(sorted({repr(v) for v in status[bad]})[:3]), id_column="lead_id"))
    out["status"] = status
    bad = status.isin(["won", "lost"]) & out["closed_at"].isna() & ~unreadable["closed_at"]
    if bad.any():
        problems.append(row_problem("leads", out, bad, column="closed_at",
                                    expected="a close date for a won or lost lead", found="empty",
                                    id_column="lead_id"))
    problems.raise_if_any()
    # an open lead carries no close date; a stray one is ignored (open wins)
    out.loc[status == "open", "closed_at"] = pd.NaT
    for col in ("channel", "model_interest", "store_id", "grade", "lost_reason"):
        if col in out.columns:
            out[col] = to_text(out[col])
    if "consultant_id" in out.columns:
        cid = per_distinct(to_text(out["consultant_id"]),
                           lambda v: None if v is None or not str(v).strip() else str(v))
        out["consultant_id"] = cid.fillna(UNASSIGNED)
    for col in ("trade_in", "finance", "test_drive", "quoted"):
        if col in out.columns:
            out[col] = to_bool(out[col])
    return out


def prepare_followups(followups: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of ``followups`` with an ``outcome_code`` column; every problem in one DataContractError."""
    require_columns(followups, "followups", ("lead_id", "at", "kind"))
    out = followups.copy().reset_index(drop=True)
    problems = Problems("followups", error=DataContractError)
    out["lead_id"] = per_distinct(to_text(out["lead_id"]), lambda v: None if v is None else str(v))
    out["at"], unreadable = read_dates(out, "at", "followups", problems, id_column="lead_id",
                                       example="2026-10-05 14:30")
    bad = out["at"].isna() & ~unreadable
    if bad.any():
        problems.append(row_problem("followups", out, bad, column="at", expected="when the contact happened",
                                    found="empty", id_column="lead_id"))
    unknown = ~out["lead_id"].isin(leads["lead_id"])
    if unknown.any():
        problems.append(row_problem("followups", out, unknown, column="lead_id",
                                    expected="a lead_id that exists in leads",
                                    found="an unknown lead. Add the lead or drop the follow-up",
                                    id_column="lead_id"))
    problems.raise_if_any()
    out["kind"] = per_distinct(to_text(out["kind"]), lambda v: None if v is None else str(v).strip().lower())
    if "outcome" in out.columns:
        text = per_distinct(to_text(out["outcome"]), lambda v: None if v is None else str(v).strip().lower())
        out["outcome_code"] = text.map(OUTCOME_CODES)
    else:
        out["outcome_code"] = None
    return out


def known_as_of(leads: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Leads as known on ``end``: later registrations dropped, later closes and deliveries undone."""
    known = leads.loc[leads["created_at"] <= end].copy()
    later = (known["closed_at"] > end).to_numpy()
    known.loc[later, "closed_at"] = pd.NaT
    known.loc[later, "status"] = "open"
    if "delivered_at" in known.columns:
        known.loc[(known["delivered_at"] > end).to_numpy(), "delivered_at"] = pd.NaT
    return known


def month_of(period: Any) -> pd.Period:
    """A month argument ('2026-10', a date or a Period) as a monthly Period; ConfigError otherwise."""
    if isinstance(period, pd.Period):
        return period.asfreq("M")
    try:
        return pd.Period(str(period).strip()[:7], freq="M")
    except (TypeError, ValueError):
        raise ConfigError(f"period: expected a month such as 2026-10; got {period!r}.") from None
