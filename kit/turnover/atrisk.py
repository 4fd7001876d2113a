"""Who is likely to leave: :class:`AttritionModel`, fitting it without look-ahead, and the at-risk list with its
reasons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError
from kit.models.classifier import CANDIDATES, TabularClassifier
from kit.report.masking import mask_name
from kit.turnover.attrition import (attrition_frame, attrition_xy, build_training_set, training_as_of_months,
                                    with_kpi_history)
from kit.turnover.inputs import check_kpi, check_lang, check_staff, month_end, to_period
from kit.turnover.reasons import reasons_in_words
from kit.turnover.settings import TurnoverSettings

__all__ = ["AttritionModel", "at_risk", "fit_attrition_model", "mask_name"]


class AttritionModel(TabularClassifier):
    """Will this employee leave within the horizon? :class:`~kit.models.TabularClassifier` with HR defaults.

    ``AttritionModel().fit(X, y).predict_proba(X)`` works on any HR table of mixed columns (the staff-month frame
    of :func:`build_training_set`, or a public attrition table with a yes/no column). Model choice, calibration
    and per-person explanations are the parent's; only the defaults differ, for HR tables that are small and
    have few leavers:

    - ``candidates`` keeps the regularised logistic regression first, so it wins ties against the
      HistGradientBoosting and the blend (on small HR tables trees tend to overfit);
    - ``scoring="neg_log_loss"`` compares candidates on out-of-fold log loss, which is steadier than fold AUCs
      when a fold holds only a handful of leavers and rewards calibrated, not just well-ranked, probabilities;
    - ``isotonic_min_rows=5000``: sigmoid (Platt) calibration unless the selection sample is large, because
      isotonic regression overfits on a few hundred leavers.

    Parameters
    ----------
    candidates, cv, scoring, calibration, isotonic_min_rows, max_selection_rows, spline_knots, n_jobs, random_state
        As in :class:`~kit.models.TabularClassifier`.

    Examples
    --------
    >>> X, y = attrition_xy(build_training_set(staff, kpi, as_of_months=months))   # doctest: +SKIP
    >>> AttritionModel().fit(X, y).explain(X.head(), top=3)                         # doctest: +SKIP
    """

    def __init__(self, *, candidates: Sequence[str] = CANDIDATES, cv: int = 5, scoring: str = "neg_log_loss",
                 calibration: str = "auto", isotonic_min_rows: int = 5000, max_selection_rows: int = 10_000,
                 spline_knots: int = 5, n_jobs: int | None = 1, random_state: int | None = 0):
        super().__init__(candidates=candidates, cv=cv, scoring=scoring, calibration=calibration,
                         isotonic_min_rows=isotonic_min_rows, max_selection_rows=max_selection_rows,
                         spline_knots=spline_knots, n_jobs=n_jobs, random_state=random_state)


def fit_attrition_model(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    settings: TurnoverSettings | None = None,
    horizon_months: int | None = None,
    span_months: int = 36,
    step_months: int | None = None,
    model: Any = None,
    random_state: int | None = 0,
) -> tuple[Any, pd.DataFrame]:
    """Fit the at-risk model on staff-months whose outcome is known by ``as_of`` (no look-ahead).

    Training rows are the staff employed at the end of each month of :func:`training_as_of_months` (every
    ``horizon_months`` back from ``as_of − horizon_months`` within ``span_months``; months before the KPI
    history has 6 months are skipped); their labels are read only from data up to ``as_of``
    (``observed_until``), so tables that run further (a back-test) leak nothing.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster and long KPI table.
    as_of : month
        Report month ('2026-10').
    settings : TurnoverSettings, optional
        Horizon, bonus gate and volume metric (defaults when None).
    horizon_months : int, optional
        Overrides ``settings.risk_horizon_months``.
    span_months, step_months : int
        See :func:`training_as_of_months`.
    model : estimator, optional
        A scikit-learn classifier; default :class:`AttritionModel` with ``random_state``. It is cloned, never
        changed.
    random_state : int, optional
        Seed of the default model.

    Returns
    -------
    (model, training) : fitted estimator and the training frame (:func:`build_training_set`).

    Raises
    ------
    InsufficientDataError
        Fewer than 10 leavers, or only one class, in the training rows.
    """
    from sklearn.base import clone

    settings = settings or TurnoverSettings()
    horizon = int(horizon_months or settings.risk_horizon_months)
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    months = with_kpi_history(training_as_of_months(as_of, horizon_months=horizon, span_months=span_months,
                                                     step_months=step_months), kpi_frame)
    if len(months) == 0:
        raise InsufficientDataError(f"at-risk model: no as-of month with 6 months of KPI history and a known "
                                    f"{horizon}-month outcome before {as_of}.")
    training = build_training_set(frame, kpi_frame, as_of_months=months, horizon_months=horizon,
                                  bonus_gate=settings.bonus_gate, volume_metric=settings.volume_metric,
                                  observed_until=month_end(as_of))
    X, y = attrition_xy(training)
    if y.nunique() < 2 or int(y.sum()) < 10:
        raise InsufficientDataError(f"at-risk model: {int(y.sum())} leavers in {len(y)} staff-months of "
                                    f"{months[0]}–{months[-1]}; at least 10 are needed.")
    estimator = clone(model) if model is not None else AttritionModel(random_state=random_state)
    return estimator.fit(X, y), training


def at_risk(
    staff: pd.DataFrame,
    kpi: pd.DataFrame,
    *,
    as_of: object,
    settings: TurnoverSettings | None = None,
    horizon_months: int | None = None,
    span_months: int = 36,
    model: Any = None,
    top: int | None = None,
    reasons: int = 3,
    lang: str = "en",
    mask_names: bool = True,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Staff most likely to leave within the horizon, with the probability and the top reasons in words.

    The model is fitted by :func:`fit_attrition_model` (or ``model``, if already fitted, is used as it is) and
    scores everyone employed at the end of ``as_of``. Reasons are the features that raise this person's risk
    most (the model's per-person log-odds contributions), written out: "short tenure (4 months)" /
    "入职仅4个月", "KPI achievement falling (-30 pp)", "missed the 60 % volume gate 3 of the last 6 months",
    "manager left recently" … For managers only: names are masked (张**) unless ``mask_names=False``.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster and long KPI table.
    as_of : month
        Report month.
    settings : TurnoverSettings, optional
        Horizon, gate and metric.
    horizon_months, span_months, model, random_state
        As in :func:`fit_attrition_model`.
    top : int, optional
        Keep the ``top`` highest risks (all when None).
    reasons : int
        Reasons per person (at most).
    lang : {"en", "zh"}
        Language of the reasons.
    mask_names : bool
        Mask the ``name`` column.

    Returns
    -------
    DataFrame
        ``rank``, ``staff_id``, ``name``, ``store_id``, ``department``, ``role``, ``manager_id``,
        ``tenure_months``, ``probability`` (of leaving within ``horizon_months``), ``reasons`` (joined with "; ")
        and ``as_of``, highest risk first.
    """
    check_lang(lang)
    settings = settings or TurnoverSettings()
    horizon = int(horizon_months or settings.risk_horizon_months)
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    if model is not None and _is_fitted(model):
        fitted = model
    else:
        fitted, _ = fit_attrition_model(frame, kpi_frame, as_of=as_of, settings=settings, horizon_months=horizon,
                                        span_months=span_months, model=model, random_state=random_state)
    current = attrition_frame(frame, kpi_frame, as_of=as_of, horizon_months=horizon, bonus_gate=settings.bonus_gate,
                               volume_metric=settings.volume_metric, observed_until=month_end(as_of))
    X, _ = attrition_xy(current)
    X = X.reset_index(drop=True)
    probability = fitted.predict_proba(X)[:, 1] if len(X) else np.array([])
    texts = reasons_in_words(fitted, X, top=reasons, lang=lang, bonus_gate=settings.bonus_gate) if len(X) else []
    out = current[[c for c in ("staff_id", "name", "store_id", "department", "role", "manager_id",
                               "tenure_months") if c in current.columns]].reset_index(drop=True)
    if "name" not in out.columns:
        out.insert(1, "name", None)
    if mask_names:
        out["name"] = out["name"].map(mask_name)
    out["probability"] = probability
    out["reasons"] = texts
    out["as_of"] = str(to_period(as_of, "M"))
    out = out.sort_values(["probability", "staff_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.head(top) if top is not None else out


def _is_fitted(model: Any) -> bool:
    return any(name.endswith("_") and not name.startswith("_") for name in vars(model))
