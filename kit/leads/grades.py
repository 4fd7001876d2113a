"""Lead grades: the kit's H/A/B/C grade from a score, follow-up cadence per grade, and grades as ordinal ranks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kit.checks import row_problem
from kit.exceptions import DataContractError
from kit.leads.inputs import per_distinct
from kit.leads.settings import LeadSettings, as_settings

#: Kit grades from best to worst; consultants may also set O (ordered), N (new, not graded) and F (lost).
KIT_GRADES = ("H", "A", "B", "C")
#: Ordinal score of a grade for ranking: H > A > B > C (N, O, F and empty have none).
GRADE_RANK = {"H": 4, "A": 3, "B": 2, "C": 1}


def grade_from_probability(probability: Any, *, settings: LeadSettings | Mapping | None = None,
                           expected_days: Any = None) -> Any:
    """Kit grade H/A/B/C from the probability of ordering within the conversion window.

    A lead is H when its probability reaches the H threshold, else A at the A threshold, else B at the B threshold,
    else C; a missing probability gives N (not graded). When ``expected_days`` (the expected days until the order)
    is given, a grade also needs its purchase window (docs/DOMAIN.md §1.1: H within 7 days, A 15, B 30): a lead that is
    likely but slow is moved down to the first grade whose window it fits, C otherwise.

    Parameters
    ----------
    probability : float, array-like or Series
    settings : LeadSettings, optional
        Thresholds and purchase windows; defaults when None.
    expected_days : float, array-like or Series, optional

    Returns
    -------
    str, ndarray of str or Series
        Same shape (and index) as ``probability``.
    """
    s = as_settings(settings)
    scalar = np.ndim(probability) == 0
    p = np.atleast_1d(np.asarray(probability, dtype=float))
    grades = np.full(p.shape, "C", dtype=object)
    for grade in ("B", "A", "H"):
        grades[p >= s.grade_thresholds[grade]] = grade
    if expected_days is not None:
        days = np.broadcast_to(np.atleast_1d(np.asarray(expected_days, dtype=float)), p.shape)
        rank = {"H": 0, "A": 1, "B": 2, "C": 3}
        allowed = np.full(p.shape, 3)  # index of the best grade the timing allows
        for grade in ("B", "A", "H"):
            allowed[days <= s.grade_purchase_days[grade]] = rank[grade]
        allowed[np.isnan(days)] = 0
        current = np.vectorize(rank.get, otypes=[int])(grades) if grades.size else np.zeros(0, dtype=int)
        grades = np.asarray(KIT_GRADES, dtype=object)[np.maximum(current, allowed)]
    grades[np.isnan(p)] = "N"
    if isinstance(probability, pd.Series):
        return pd.Series(grades, index=probability.index, name="kit_grade", dtype=object)
    return str(grades[0]) if scalar else grades


def cadence_days(grades: Any, *, settings: LeadSettings | Mapping | None = None) -> Any:
    """Follow-up cadence in days for each grade; unknown or empty grades get N's cadence."""
    s = as_settings(settings)
    cad = s.followup_cadence_days
    if np.ndim(grades) == 0:
        return int(cad.get(clean_grade(grades), cad["N"]))
    series = grades if isinstance(grades, pd.Series) else pd.Series(np.asarray(grades, dtype=object), dtype=object)
    days = per_distinct(series, lambda g: cad.get(clean_grade(g), cad["N"])).astype("int64")
    return days if isinstance(grades, pd.Series) else days.to_numpy(dtype=int)


def followup_grade(kit_grade: pd.Series, consultant_grade: pd.Series, *,
                   settings: LeadSettings | Mapping | None = None) -> pd.Series:
    """The grade whose cadence a lead's follow-up keeps: of the kit's and the consultant's, the one followed up
    sooner (the consultant's on a tie).

    Both count: the consultant's grade is their own plan on the A card, the kit's is the evidence. A missing kit
    grade leaves the consultant's; empty grades are N.

    >>> followup_grade(pd.Series(["H", "C", None]), pd.Series(["C", "A", "B"])).tolist()
    ['H', 'A', 'B']
    """
    s = as_settings(settings)
    kit = pd.Series(kit_grade).map(lambda g: None if g is None or (not isinstance(g, str) and pd.isna(g))
                                   else clean_grade(g))
    own = pd.Series(consultant_grade).map(clean_grade)
    kit = kit.set_axis(own.index)
    kit_days = cadence_days(kit.fillna(own), settings=s)
    own_days = cadence_days(own, settings=s)
    return own.where(own_days <= kit_days, kit).rename("followup_grade")


def clean_grade(value: Any) -> str:
    """A grade as written by a consultant, upper-cased; empty means N (not graded)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "N"
    text = str(value).strip().upper()
    return text or "N"


def grade_rank(grades: pd.Series) -> pd.Series:
    """Ordinal score of grades, H 4 > A 3 > B 2 > C 1; N, O, F and empty give NaN."""
    return per_distinct(grades, lambda g: GRADE_RANK.get(clean_grade(g), np.nan)).astype(float)


def grades_at(rows: pd.DataFrame, leads: pd.DataFrame, grade_log: pd.DataFrame | None) -> np.ndarray:
    """The consultant's grade of each (lead_id, as_of) row as known on the as-of date.

    From ``grade_log`` when given (the latest grade recorded on or before the as-of date when it has an ``at``
    column, else its one grade per lead); otherwise the leads table's ``grade``, where O and F (the outcome itself)
    count as no grade.
    """
    if grade_log is None:
        if "grade" not in leads.columns:
            return np.full(len(rows), "N", dtype=object)
        g = rows["lead_id"].map(leads.set_index("lead_id")["grade"]).map(clean_grade)
        return g.where(~g.isin(["O", "F"]), "N").to_numpy(dtype=object)
    log = grade_log.copy()
    log["lead_id"] = log["lead_id"].astype(str)
    log["grade"] = log["grade"].map(clean_grade)
    if "at" not in log.columns:
        dup = log["lead_id"].duplicated(keep=False)
        if dup.any():
            raise DataContractError(str(row_problem(
                "grade_log", log, dup, column="lead_id", expected="one grade per lead without an 'at' column",
                found="several. Add the date each grade was recorded or keep one row per lead",
                id_column="lead_id")))
        return rows["lead_id"].map(log.set_index("lead_id")["grade"]).fillna("N").to_numpy(dtype=object)
    log["at"] = pd.to_datetime(log["at"]).astype("datetime64[ns]").dt.normalize()
    probe = pd.DataFrame({"lead_id": rows["lead_id"].astype(str).to_numpy(),
                          "as_of": rows["as_of"].to_numpy().astype("datetime64[ns]"), "pos": np.arange(len(rows))})
    found = pd.merge_asof(probe.sort_values("as_of", kind="stable"), log.sort_values("at", kind="stable")[
        ["lead_id", "at", "grade"]], left_on="as_of", right_on="at", by="lead_id", direction="backward")
    return found.sort_values("pos")["grade"].fillna("N").to_numpy(dtype=object)
