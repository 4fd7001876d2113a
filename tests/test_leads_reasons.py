"""``explain_leads`` words each distinct (feature, value, sign) once: the call list must read exactly as when every
lead's reasons were worded one by one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit import leads as kl
from kit.leads.reasons import _base_feature, explain_leads


class FixedExplainer:
    """A scorer whose explanations are given: the rows ``explain`` returns, whatever X is."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table

    def explain(self, X: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
        return self.table


def one_by_one(table: pd.DataFrame, n: int, top: int, lang: str) -> list[list[str | None]]:
    """The wording lead by lead, reason by reason (what the call list read before the phrases were shared)."""
    out: list[list[str | None]] = [[None] * top for _ in range(n)]
    for row, rank, feature, value, contribution in table[["row", "rank", "feature", "value", "contribution"]] \
            .itertuples(index=False):
        if rank <= top:
            sign = "+" if contribution >= 0 else "−"
            out[row][rank - 1] = f"{sign} {kl.reason_text(_base_feature(feature), value, contribution, lang=lang)}"
    return out


def test_equal_keys_of_other_types_signs_and_missing_values_are_worded_apart():
    # True == 1 == 1.0 as dictionary keys, but an unknown input shows its value as given: three phrases
    assert len({kl.reason_text("other_input", v) for v in (True, 1, 1.0)}) == 3
    table = pd.DataFrame({
        "row": [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3],
        "rank": [1, 2, 3, 1, 2, 3, 1, 2, 1, 2, 4],
        "feature": ["other_input", "days_since_last_contact", "channel_online", "other_input",
                    "days_since_last_contact", "channel=online", "other_input", "days_since_last_contact",
                    "mean_days_between_contacts", "days_since_last_contact", "visits"],
        "value": np.array([True, 3, "online", 1.0, 3, "online", 1, 3, np.nan, 3, 2], dtype=object),
        "contribution": [0.5, 0.2, -0.1, 0.5, -0.2, 0.3, 0.5, np.nan, -0.4, 0.0, 0.9],
    })
    X = pd.DataFrame({"any": range(5)}, index=[f"L{i}" for i in range(5)])
    for lang in ("en", "zh"):
        got = explain_leads(FixedExplainer(table), X, top=3, lang=lang)
        assert list(got.columns) == ["reason_1", "reason_2", "reason_3"] and list(got.index) == list(X.index)
        assert got.to_numpy().tolist() == one_by_one(table, len(X), 3, lang)
    got = explain_leads(FixedExplainer(table), X, top=3)
    assert got.loc["L0", "reason_2"] == "+ contacted 3 days ago"
    assert got.loc["L1", "reason_2"] == "− no contact for 3 days"
    assert got.loc["L0", "reason_1"] != got.loc["L1", "reason_1"] != got.loc["L2", "reason_1"]
    assert got.loc["L4"].isna().all() and got.loc["L2", "reason_3"] is None, "rows and ranks not explained stay empty"


def test_a_fitted_scorer_reads_the_same_as_worded_one_by_one():
    rng = np.random.default_rng(4)
    n = 3000
    X = pd.DataFrame({"channel": rng.choice(["walk_in", "online", "phone", None], n),
                      "visits": rng.integers(0, 4, n), "test_drive": rng.random(n) < 0.3,
                      "days_since_last_contact": rng.integers(0, 30, n),
                      "mean_days_between_contacts": np.where(rng.random(n) < 0.2, np.nan, rng.gamma(2, 3, n))})
    y = (rng.random(n) < 0.05 + 0.3 * X["test_drive"] + 0.05 * X["visits"]).astype(int)
    scorer = kl.LeadScorer().fit(X, y)
    table = scorer.explain(X, top=3)
    for lang in ("en", "zh"):
        got = explain_leads(scorer, X, top=3, lang=lang)
        assert got.to_numpy().tolist() == one_by_one(table, n, 3, lang)
        assert got.notna().all().all()


def test_per_distinct_maps_like_series_map():
    from kit.leads.inputs import per_distinct

    def fn(v):
        return f"<{v!r}>"

    for values in (pd.Series([" Call", "visit", None, " Call", "visit", np.nan], index=list("abcdef"), dtype=object),
                   pd.Series([True, 1, 1.0, None, "1"], dtype=object),  # not all text: value by value
                   pd.Series([], dtype=object), pd.Series([None, None], dtype=object)):
        got = per_distinct(values, fn)
        assert got.tolist() == values.map(fn).tolist() and got.index.equals(values.index)
