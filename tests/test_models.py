"""Tests of kit.models: the TabularClassifier and the ranking / calibration tables.

Expected numbers are computed by hand in the comments, or are properties the data was built to have (a planted
signal, known true probabilities); none is a snapshot of the code's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from kit.exceptions import ConfigError, DataContractError, InsufficientDataError, NotFittedError
from kit.models import (
    TabularClassifier,
    calibration_table,
    gains_table,
    ranking_metrics,
    time_split,
    top_share_capture,
)

# --------------------------------------------------------------------------- data


def mixed_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Every column kind the kit accepts, with missing values; ``signal`` and ``channel == 'referral'`` drive y.

    Returns the frame, 0/1 labels and the true probabilities.
    """
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    channel = rng.choice(["walk_in", "phone", "online", "referral"], size=n)
    frame = pd.DataFrame({
        "signal": signal,
        "noise_number": rng.normal(size=n),
        "visits": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        "channel": pd.Series(channel, dtype="string"),
        "model_interest": pd.Categorical(rng.choice(["sedan", "suv", "mpv"], size=n)),
        "consultant": rng.choice(["c1", "c2", "c3", "c4", "c5"], size=n).astype(object),
        "test_drive": rng.random(n) < 0.4,
        "finance": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "created_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })
    true_p = expit(-0.5 + 2.0 * signal + 1.5 * (channel == "referral"))
    y = (rng.random(n) < true_p).astype(int)
    # Missing values everywhere (after drawing y, so missingness is pure noise).
    frame.loc[rng.random(n) < 0.05, "noise_number"] = np.nan
    frame.loc[rng.random(n) < 0.05, "visits"] = pd.NA
    frame.loc[rng.random(n) < 0.05, "channel"] = pd.NA
    frame.loc[rng.random(n) < 0.05, "consultant"] = None
    frame.loc[rng.random(n) < 0.05, "finance"] = pd.NA
    frame.loc[rng.random(n) < 0.05, "created_at"] = pd.NaT
    return frame, y, true_p


@pytest.fixture(scope="module")
def mixed():
    return mixed_frame(1500, seed=1)


@pytest.fixture(scope="module")
def fitted(mixed):
    frame, y, _ = mixed
    return TabularClassifier(random_state=0).fit(frame, y)


@pytest.fixture(scope="module")
def holdout():
    return mixed_frame(2000, seed=2)


# --------------------------------------------------------------------------- scikit-learn API


def test_params_clone_and_set_params():
    model = TabularClassifier(cv=3, candidates=("logistic",), random_state=7)
    params = model.get_params()
    assert params["cv"] == 3 and params["candidates"] == ("logistic",) and params["random_state"] == 7
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    assert model.set_params(cv=4) is model and model.cv == 4


def test_init_stores_parameters_unvalidated():
    model = TabularClassifier(cv=-1, scoring="nonsense")  # __init__ validates nothing (scikit-learn rule)
    assert model.cv == -1 and model.scoring == "nonsense"
    frame, y, _ = mixed_frame(200, seed=3)
    with pytest.raises(ConfigError, match="cv"):
        model.fit(frame, y)
    with pytest.raises(ConfigError, match="scoring"):
        TabularClassifier(scoring="nonsense").fit(frame, y)
    with pytest.raises(ConfigError, match="candidates"):
        TabularClassifier(candidates=("forest",)).fit(frame, y)


# The constraints use scikit-learn's private sklearn.utils._param_validation: these cases pin its behaviour, so an
# upgrade that changes it fails here rather than letting a bad parameter through.
@pytest.mark.parametrize("params", [
    {"cv": 1}, {"cv": 2.5}, {"scoring": "accuracy"}, {"calibration": "platt"}, {"isotonic_min_rows": -1},
    {"max_selection_rows": 49}, {"spline_knots": 1}, {"spline_knots": -2}, {"n_jobs": 0}, {"random_state": -1},
    {"candidates": ()}, {"candidates": "forest"},
])
def test_invalid_parameters_raise_config_error_naming_them(params):
    frame, y, _ = mixed_frame(60, seed=3)
    name = next(iter(params))
    with pytest.raises(ConfigError, match=name):
        TabularClassifier(**params).fit(frame, y)


def test_parameter_constraints_cover_every_parameter_and_accept_the_edges():
    from sklearn.utils._param_validation import validate_parameter_constraints

    assert set(TabularClassifier._parameter_constraints) == set(TabularClassifier().get_params())
    for params in ({"cv": 2}, {"spline_knots": 0}, {"spline_knots": 2}, {"n_jobs": None}, {"random_state": None},
                   {"max_selection_rows": 50}, {"candidates": "hgb"}, {"candidates": ["logistic", "blend"]},
                   {"isotonic_min_rows": np.int64(0)}):
        model = TabularClassifier(**params)
        validate_parameter_constraints(model._parameter_constraints, model.get_params(), caller_name="test")
        assert model._check_params()  # the candidate names pass too


def test_not_fitted_raises_kit_error(mixed):
    frame, _, _ = mixed
    model = TabularClassifier()
    for call in (model.predict_proba, model.predict, model.explain):
        with pytest.raises(NotFittedError, match="TabularClassifier is not fitted; call fit\\(\\) first."):
            call(frame)


def test_fit_returns_self():
    frame, y, _ = mixed_frame(200, seed=8)
    model = TabularClassifier(candidates=("logistic",))
    assert model.fit(frame, y) is model


def test_fit_records_choice(fitted, mixed):
    frame, y, _ = mixed
    model = fitted
    assert model.selected_ in ("logistic", "hgb", "blend")
    summary = model.summary_
    assert list(summary["candidate"]) == ["logistic", "hgb", "blend"]
    assert summary["selected"].sum() == 1
    assert summary.loc[summary["selected"], "candidate"].item() == model.selected_
    # the choice is the best inner-CV score (roc_auc by default)
    assert summary.loc[summary["selected"], "inner_cv_roc_auc"].item() == summary["inner_cv_roc_auc"].max()
    assert (summary["n_rows"] == 1500).all() and (summary["n_selection_rows"] == 1500).all()
    assert summary["base_rate"].iloc[0] == pytest.approx(y.mean())
    # 1,500 rows >= 1,000: sigmoid and isotonic were compared and the lower cross-validated log loss won
    assert set(model.calibration_cv_) == {"sigmoid", "isotonic"}
    assert model.calibration_ == min(model.calibration_cv_, key=model.calibration_cv_.get)
    assert set(model.cv_results_["candidate"]) == {"logistic", "hgb", "blend"}
    assert len(model.cv_results_) == 6 + 3 + 11  # every C, tree setting and blend weight
    assert model.n_features_in_ == frame.shape[1]
    assert list(model.feature_names_in_) == list(frame.columns)


@pytest.mark.slow
def test_refit_is_deterministic_and_starts_fresh(mixed, holdout, fitted):
    frame, y, _ = mixed
    test = holdout[0]
    # fit on other data first, then on the fixture's data: the same answer as the fixture's fresh model
    model = TabularClassifier(random_state=0).fit(*mixed_frame(300, seed=9)[:2])
    assert model.n_rows_ == 300
    model.fit(frame, y)
    assert model.n_rows_ == 1500
    np.testing.assert_array_equal(model.predict_proba(test), fitted.predict_proba(test))
    assert model.selected_ == fitted.selected_ and model.best_params_ == fitted.best_params_


@pytest.mark.slow
def test_calibration_keeps_the_ranking(mixed, holdout):
    frame, y, _ = mixed
    test = holdout[0]
    scores = {method: TabularClassifier(candidates=("logistic",), calibration=method).fit(frame, y)
              .predict_proba(test)[:, 1] for method in ("none", "isotonic")}
    assert not np.allclose(scores["none"], scores["isotonic"])  # the calibration did change the numbers ...
    np.testing.assert_array_equal(np.argsort(scores["none"], kind="stable"),  # ... but not the order
                                  np.argsort(scores["isotonic"], kind="stable"))


# --------------------------------------------------------------------------- inputs


def test_mixed_dtypes_missing_and_unseen_categories(fitted, holdout):
    test = holdout[0].head(6).copy()
    test["channel"] = pd.Series(["spaceship", None, "walk_in", "phone", "new", "referral"], dtype="string",
                                index=test.index)
    test["consultant"] = ["c99", None, "c1", "c1", "zz", "c2"]
    test["model_interest"] = pd.Categorical(["truck", "suv", "sedan", "suv", "suv", "mpv"])
    native = fitted.predict_proba(test)
    # the same rows with every column as plain Python objects, plus a row with every value missing
    loose = test.astype(object)
    loose.loc[len(loose)] = [None] * loose.shape[1]
    proba = fitted.predict_proba(loose.assign(extra_column=1))  # extra columns are ignored
    assert proba.shape == (7, 2)
    assert np.all(np.isfinite(proba)) and np.all((proba > 0) & (proba < 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:6], native)
    # columns in another order give the same answer
    np.testing.assert_array_equal(fitted.predict_proba(test[test.columns[::-1]]), native)


def test_missing_column_at_predict_names_it(fitted, holdout):
    with pytest.raises(DataContractError, match="signal"):
        fitted.predict_proba(holdout[0].drop(columns="signal"))


def test_string_labels_follow_sklearn_class_order():
    frame, y, _ = mixed_frame(400, seed=4)
    labels = np.where(y == 1, "Yes", "No")
    model = TabularClassifier(candidates=("logistic",), random_state=0).fit(frame, labels)
    assert list(model.classes_) == ["No", "Yes"]
    proba = model.predict_proba(frame)[:, 1]
    assert roc_auc_score(labels == "Yes", proba) > 0.8  # column 1 is the probability of "Yes"
    predicted = model.predict(frame)
    assert set(predicted) <= {"No", "Yes"}
    np.testing.assert_array_equal(predicted == "Yes", proba >= 0.5)
    assert model.calibration_ == "sigmoid"  # 400 rows < 1,000


def test_boolean_labels():
    frame, y, _ = mixed_frame(300, seed=5)
    model = TabularClassifier(candidates=("logistic",), random_state=0).fit(frame, pd.Series(y == 1))
    assert list(model.classes_) == [False, True]
    assert model.predict(frame).dtype == bool


def test_label_problems_are_reported():
    frame, y, _ = mixed_frame(100, seed=6)
    with pytest.raises(InsufficientDataError, match="both outcomes"):
        TabularClassifier().fit(frame, np.zeros(100, dtype=int))
    with pytest.raises(DataContractError, match="two classes"):
        TabularClassifier().fit(frame, np.arange(100) % 3)
    with pytest.raises(DataContractError, match="missing label"):
        TabularClassifier().fit(frame, pd.Series(y, dtype="Float64").mask(np.arange(100) == 5))
    with pytest.raises(DataContractError, match="one label per row"):
        TabularClassifier().fit(frame, y[:50])
    one_positive = np.zeros(100, dtype=int)
    one_positive[0] = 1
    with pytest.raises(InsufficientDataError, match="rarer class"):
        TabularClassifier().fit(frame, one_positive)


def test_fit_does_not_mutate_input(mixed):
    frame, y, _ = mixed
    before = frame.copy()
    TabularClassifier(candidates=("logistic",)).fit(frame, y)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- signal, explanations, calibration


def test_planted_signal_is_learned_and_explained_first(fitted, holdout):
    test, y_test, true_p = holdout
    p = fitted.predict_proba(test)[:, 1]
    auc = roc_auc_score(y_test, p)
    best_possible = roc_auc_score(y_test, true_p)  # AUC of the true probabilities, ~0.86 here
    assert auc > 0.8 and auc > best_possible - 0.03
    # explanations: on rows with a clearly non-typical signal, the signal is the first reason, with the right sign
    explained = fitted.explain(test, top=3)
    assert len(explained) == 3 * len(test)
    first = explained[explained["rank"] == 1].set_index("row")
    strong = np.flatnonzero(np.abs(test["signal"].to_numpy()) > 1.5)
    assert (first.loc[strong, "feature"] == "signal").mean() > 0.95
    signs = np.sign(first.loc[strong, "contribution"].to_numpy())
    assert (signs == np.sign(test["signal"].to_numpy()[strong] - fitted.reference_values_["signal"])).all()
    # a referral lead's channel pushes its score up
    referral = np.flatnonzero((test["channel"] == "referral").fillna(False).to_numpy())
    channel_rows = explained[(explained["feature"] == "channel") & explained["row"].isin(referral)]
    assert len(channel_rows) > 0 and (channel_rows["contribution"] > 0).all()
    assert fitted.feature_effects_["feature"].iloc[0] == "signal"
    assert set(fitted.feature_effects_["feature"].iloc[:2]) == {"signal", "channel"}


def test_explain_layout_uses_positions_and_original_values(fitted, holdout):
    test = holdout[0].head(4).set_axis(["a", "b", "c", "d"])  # a non-default index
    out = fitted.explain(test, top=2)
    assert list(out.columns) == ["row", "rank", "feature", "value", "reference", "contribution"]
    assert list(out["row"]) == [0, 0, 1, 1, 2, 2, 3, 3] and list(out["rank"]) == [1, 2] * 4
    for row in out.itertuples():
        original = test.iloc[row.row][row.feature]
        assert (pd.isna(original) and pd.isna(row.value)) or original == row.value
    by_size = out.assign(size=out["contribution"].abs()).groupby("row")["size"]
    assert (by_size.apply(lambda s: s.is_monotonic_decreasing)).all()
    # a row equal to the reference everywhere has zero contributions
    typical = pd.DataFrame([fitted.reference_values_.to_dict()])
    assert np.allclose(fitted.explain(typical, top=3)["contribution"], 0.0)
    up = fitted.explain(test, top=2, direction="up")
    assert (up.groupby("row")["contribution"].apply(lambda s: s.is_monotonic_decreasing)).all()


def test_explain_occludes_a_group_of_columns_together(fitted, holdout):
    test = holdout[0].head(6).reset_index(drop=True)
    grouped = fitted.explain(test, top=50, groups=[["signal", "channel"]])
    single = fitted.explain(test, top=50)
    wide = grouped.pivot(index="row", columns="feature", values="contribution")
    # by hand: the row's log-odds minus the log-odds with both columns at their references at once
    both = test.assign(signal=fitted.reference_values_["signal"], channel=fitted.reference_values_["channel"])
    expected = (fitted._raw_logit(*fitted._design.coerce(fitted._features(test)))
                - fitted._raw_logit(*fitted._design.coerce(fitted._features(both))))
    np.testing.assert_allclose(wide["signal"].to_numpy(), expected)
    np.testing.assert_allclose(wide["channel"].to_numpy(), expected)
    # the other columns keep their one-at-a-time contributions
    alone = single.pivot(index="row", columns="feature", values="contribution")
    others = [c for c in wide.columns if c not in ("signal", "channel")]
    np.testing.assert_allclose(wide[others].to_numpy(), alone[others].to_numpy())
    with pytest.raises(ConfigError, match="unknown column"):
        fitted.explain(test, groups=[["signal", "nope"]])
    with pytest.raises(ConfigError, match="more than one group"):
        fitted.explain(test, groups=[["signal", "channel"], ["signal"]])
    with pytest.raises(ConfigError, match="sequences of column names"):
        fitted.explain(test, groups=["signal"])


def test_explain_edge_cases(fitted, holdout):
    empty = fitted.explain(holdout[0].head(0))
    assert len(empty) == 0 and list(empty.columns) == ["row", "rank", "feature", "value", "reference", "contribution"]
    everything = fitted.explain(holdout[0].head(2), top=50)  # more than the 9 columns: every column once per row
    assert len(everything) == 2 * 9 and everything.groupby("row")["feature"].nunique().eq(9).all()
    with pytest.raises(ConfigError, match="top"):
        fitted.explain(holdout[0].head(2), top=0)


def test_spline_terms_equal_scikit_learn_splines():
    from sklearn.preprocessing import SplineTransformer

    from kit.models.design import _RankSplines

    grid = np.linspace(0.0, 1.0, 201).reshape(-1, 1)  # ranks already in [0, 1]: the rank map is the identity
    reference = SplineTransformer(n_knots=5, degree=3, knots="uniform", include_bias=False).fit(grid)
    splines = _RankSplines(5)
    splines.maps = [(np.array([0.0, 1.0]), np.array([0.0, 1.0]))]
    np.testing.assert_allclose(splines.transform(grid), reference.transform(grid), atol=1e-12)


def test_global_importance_ranks_planted_feature_first(fitted, holdout):
    test, y_test, _ = holdout
    importance = fitted.global_importance(test.head(800), y_test[:800], n_repeats=2)
    assert importance["feature"].iloc[0] == "signal"
    assert importance.set_index("feature").loc["noise_number", "importance_mean"] < 0.01


@pytest.mark.slow
def test_probabilities_match_known_true_probabilities():
    # one informative column with a known logistic link, one noise column: estimation error is small, so what
    # remains is calibration
    rng = np.random.default_rng(21)
    n_train, n_test = 3000, 5000
    x = rng.normal(size=n_train + n_test)
    true_p = expit(-1.0 + 1.5 * x)
    y = (rng.random(len(x)) < true_p).astype(int)
    frame = pd.DataFrame({"x": x, "noise": rng.choice(["a", "b", "c"], size=len(x))})
    model = TabularClassifier(random_state=0).fit(frame.iloc[:n_train], y[:n_train])
    p = model.predict_proba(frame.iloc[n_train:])[:, 1]
    truth = true_p[n_train:]
    assert np.mean(np.abs(p - truth)) < 0.03
    # reliability by decile of the predicted probability: mean prediction against mean true probability
    decile = pd.qcut(p, 10, labels=False, duplicates="drop")
    by_decile = pd.DataFrame({"p": p, "truth": truth, "decile": decile}).groupby("decile").mean()
    assert (by_decile["p"] - by_decile["truth"]).abs().max() < 0.04


def test_mixed_table_probabilities_are_close_to_truth(fitted, holdout):
    test, y_test, true_p = holdout
    p = fitted.predict_proba(test)[:, 1]
    assert np.mean(np.abs(p - true_p)) < 0.07  # 1,500 training rows, 9 columns of which 7 are noise
    assert abs(p.mean() - y_test.mean()) < 0.03


@pytest.mark.slow
def test_small_data_uses_sigmoid_and_stays_calibrated():
    frame, y, _ = mixed_frame(300, seed=11)
    test, _, true_p = mixed_frame(2000, seed=12)
    model = TabularClassifier(random_state=0).fit(frame, y)
    assert model.calibration_ == "sigmoid"
    p = model.predict_proba(test)[:, 1]
    assert np.mean(np.abs(p - true_p)) < 0.08


def test_selection_runs_on_a_subsample_but_refits_all_rows():
    frame, y, _ = mixed_frame(1200, seed=13)
    model = TabularClassifier(candidates=("logistic",), max_selection_rows=500, random_state=0).fit(frame, y)
    assert model.summary_["n_selection_rows"].item() < 520
    assert model.summary_["n_rows"].item() == 1200 and model.n_rows_ == 1200
    assert model.calibration_ == "sigmoid"  # chosen by the rows calibration is fitted on


# --------------------------------------------------------------------------- metrics by hand

# Ten scored rows, highest score first; positives at positions 1, 3 and 6.
Y10 = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
P10 = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


def test_ranking_metrics_ten_rows_by_hand():
    m = ranking_metrics(Y10, P10)
    # AUC: 3 positives × 7 negatives = 21 pairs; negatives below each positive: 7 (0.9), 6 (0.7), 4 (0.4) → 17/21
    assert m["roc_auc"] == pytest.approx(17 / 21)
    # top 20 % = 2 rows (0.9 positive, 0.8 negative): 1 of 3 positives
    assert m["top20_capture"] == pytest.approx(1 / 3)
    # AP: precision at each positive 1/1, 2/3, 3/6
    assert m["average_precision"] == pytest.approx((1 + 2 / 3 + 3 / 6) / 3)
    # Brier: (0.1² + 0.8² + 0.3² + 0.6² + 0.5² + 0.6² + 0.3² + 0.2² + 0.1² + 0.05²) / 10 = 1.8525 / 10
    assert m["brier"] == pytest.approx(0.18525)
    assert m["base_rate"] == pytest.approx(0.3) and m["n"] == 10 and m["n_positive"] == 3
    # order of rows does not matter
    order = np.random.default_rng(0).permutation(10)
    assert ranking_metrics(Y10[order], P10[order])["top20_capture"] == pytest.approx(1 / 3)


def test_top_share_capture_counts_ties_in_proportion():
    y = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    p = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    # top 2 rows: the 0.9 row (negative) plus 1 of the 3 rows tied at 0.5, which hold 1 positive → 1/3 positive
    # captured of 2 positives
    assert top_share_capture(y, p, share=0.2) == pytest.approx((1 / 3) / 2)
    assert top_share_capture(y, p, share=0.4) == pytest.approx(1 / 2)  # 0.9 and all three 0.5 rows
    assert np.isnan(top_share_capture(np.zeros(10), p))
    single = ranking_metrics(np.zeros(10, dtype=int), p)
    assert np.isnan(single["roc_auc"]) and single["brier"] == pytest.approx(np.mean(p ** 2))


def test_metrics_reject_bad_labels():
    with pytest.raises(DataContractError, match="0/1"):
        ranking_metrics(np.array(["Yes", "No"]), np.array([0.2, 0.3]))
    with pytest.raises(DataContractError, match="one score per row"):
        ranking_metrics(Y10, P10[:5])


def test_gains_table_by_hand():
    table = gains_table(Y10, P10, bins=5)  # five bands of two rows
    assert list(table["decile"]) == [1, 2, 3, 4, 5]
    assert list(table["n"]) == [2] * 5
    assert list(table["positives"]) == [1, 1, 1, 0, 0]
    np.testing.assert_allclose(table["cumulative_share"], [0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(table["cumulative_capture"], [1 / 3, 2 / 3, 1, 1, 1])
    # band rate 1/2 against a base rate of 3/10
    np.testing.assert_allclose(table["lift"], [0.5 / 0.3, 0.5 / 0.3, 0.5 / 0.3, 0, 0])
    np.testing.assert_allclose(table["cumulative_lift"], [0.5 / 0.3, 0.5 / 0.3, 0.5 / 0.3, 0.375 / 0.3, 1.0])
    np.testing.assert_allclose(table["mean_predicted"], [0.85, 0.65, 0.45, 0.25, 0.075])


def test_calibration_table_by_hand():
    table = calibration_table(Y10, P10, bins=2)
    # band [0, 0.5): 0.4, 0.3, 0.2, 0.1, 0.05 → mean 0.21, one positive of 5; band [0.5, 1]: mean 0.7, 2 of 5
    np.testing.assert_allclose(table["mean_predicted"], [0.21, 0.7])
    np.testing.assert_allclose(table["observed_rate"], [0.2, 0.4])
    assert list(table["count"]) == [5, 5] and list(table["p_low"]) == [0.0, 0.5]
    quantile = calibration_table(Y10, P10, bins=5, strategy="quantile")
    assert list(quantile["count"]) == [2] * 5
    # an empty band is left out
    assert len(calibration_table(Y10, np.full(10, 0.95), bins=10)) == 1


def test_time_split_keeps_recent_rows_and_whole_days():
    frame = pd.DataFrame({"closed_at": pd.to_datetime(["2025-01-05", "2025-01-01", "2025-01-03", "2025-01-02",
                                                       "2025-01-04", "2025-01-06", "2025-01-07", "2025-01-08",
                                                       "2025-01-10", "2025-01-09"]),
                          "x": range(10)})
    train, test = time_split(frame, date_col="closed_at", test_share=0.2)
    assert sorted(test["x"]) == [8, 9]  # 9 and 10 January
    assert len(train) == 8 and train["closed_at"].max() < test["closed_at"].min()
    assert list(train["x"]) == [0, 1, 2, 3, 4, 5, 6, 7]  # original order kept
    # three rows on 9 January: the day is not split, so the test part grows to 4 rows
    tied = frame.assign(closed_at=frame["closed_at"].replace(pd.Timestamp("2025-01-08"), pd.Timestamp("2025-01-09")))
    tied.loc[6, "closed_at"] = pd.Timestamp("2025-01-09")
    train, test = time_split(tied, date_col="closed_at", test_share=0.2)
    assert sorted(test["x"]) == [6, 7, 8, 9]
    before = frame.copy()
    time_split(frame, date_col="closed_at")
    pd.testing.assert_frame_equal(frame, before)


def test_time_split_errors():
    frame = pd.DataFrame({"d": pd.to_datetime(["2025-01-01"] * 3 + [None])})
    with pytest.raises(DataContractError, match="empty"):
        time_split(frame, date_col="d")
    with pytest.raises(DataContractError, match="not found"):
        time_split(frame, date_col="when")
    with pytest.raises(ConfigError, match="test_share"):
        time_split(frame.dropna(), date_col="d", test_share=1.5)
    with pytest.raises(InsufficientDataError, match="nothing earlier"):
        time_split(frame.dropna(), date_col="d")
