"""Who is likely to leave: :class:`AttritionModel`, fitting it without look-ahead, and the at-risk list with its
reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import InsufficientDataError
from kit.i18n import t
from kit.models.classifier import CANDIDATES, TabularClassifier
from kit.report.masking import mask_name
from kit.turnover.attrition import (ATTRITION_LABEL, attrition_frame, attrition_xy, build_training_set,
                                    training_as_of_months, with_kpi_history)
from kit.turnover.inputs import TooLittleHistory, check_kpi, check_lang, check_staff, month_end, to_period, word
from kit.turnover.reasons import joined, person_reasons
from kit.turnover.settings import TurnoverSettings

__all__ = ["MIN_LEAVERS", "RISK_MULTIPLE", "AttritionModel", "RiskList", "at_risk", "fit_attrition_model",
           "mask_name", "risk_list"]

#: Leavers the at-risk model needs among its training rows.
MIN_LEAVERS = 10
#: "At risk" means at least this many times the usual chance of leaving within the horizon (the training rows'
#: share of leavers): a threshold that follows the dealership's own turnover instead of a fixed percentage.
RISK_MULTIPLE = 2.0


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
    TooLittleHistory
        No month to learn from, or fewer than :data:`MIN_LEAVERS` leavers (or only one class) in the training
        rows (an :class:`~kit.exceptions.InsufficientDataError` with the sentence to show instead).
    """
    from sklearn.base import clone

    settings = settings or TurnoverSettings()
    horizon = int(horizon_months or settings.risk_horizon_months)
    frame = check_staff(staff)
    kpi_frame = check_kpi(kpi)
    months = with_kpi_history(training_as_of_months(as_of, horizon_months=horizon, span_months=span_months,
                                                     step_months=step_months), kpi_frame)
    no_history = TooLittleHistory(f"at-risk model: no as-of month with 6 months of KPI history and a known "
                                  f"{horizon}-month outcome before {as_of}.", key="turnover.risk.no_history",
                                  months=horizon)
    if len(months) == 0:
        raise no_history
    try:
        training = build_training_set(frame, kpi_frame, as_of_months=months, horizon_months=horizon,
                                      bonus_gate=settings.bonus_gate, volume_metric=settings.volume_metric,
                                      observed_until=month_end(as_of))
    except InsufficientDataError:
        raise no_history from None
    X, y = attrition_xy(training)
    if y.nunique() < 2 or int(y.sum()) < MIN_LEAVERS:
        raise TooLittleHistory(f"at-risk model: {int(y.sum())} leavers in {len(y)} staff-months of "
                               f"{months[0]}–{months[-1]}; at least {MIN_LEAVERS} are needed.",
                               key="turnover.risk.few_leavers", leavers=int(y.sum()), rows=len(y),
                               first=str(training["as_of"].min()), last=str(training["as_of"].max()))
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
        ``tenure_months``, ``probability`` (of leaving within ``horizon_months``), ``reasons`` (joined with "; "),
        ``reason_codes`` (the columns behind them) and ``as_of``, highest risk first.
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
    found = person_reasons(fitted, X, top=reasons, lang=lang, bonus_gate=settings.bonus_gate) if len(X) else []
    out = current[[c for c in ("staff_id", "name", "store_id", "department", "role", "manager_id",
                               "tenure_months") if c in current.columns]].reset_index(drop=True)
    if "name" not in out.columns:
        out.insert(1, "name", None)
    if mask_names:
        out["name"] = out["name"].map(mask_name)
    out["probability"] = probability
    out["reasons"] = [joined(f, lang) for f in found]
    out["reason_codes"] = [tuple(code for code, _ in f) for f in found]
    out["as_of"] = str(to_period(as_of, "M"))
    out = out.sort_values(["probability", "staff_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.head(top) if top is not None else out


def _is_fitted(model: Any) -> bool:
    return any(name.endswith("_") and not name.startswith("_") for name in vars(model))


@dataclass(frozen=True)
class RiskList:
    """The at-risk list as the report shows it (:func:`risk_list`).

    Attributes
    ----------
    table : DataFrame
        The ``rows`` highest risks in the report's language: ``staff_member`` (staff id and name, the name masked
        unless asked otherwise: the card's title on a phone), ``risk_rank``, ``store_id``, ``staff_role``,
        ``tenure_months``, ``leave_probability``, ``risk_reasons`` and the flag ``high_risk``; empty (with these
        columns) when there is no list.
    ranked : DataFrame
        :func:`at_risk` output for everyone employed (codes; reasons in the report's language).
    note : str or None
        The sentence to show instead of the list when there is too little history, else None.
    caption : str
        What the list learned from.
    labels : dict
        Column headers that depend on the settings (the horizon).
    threshold, base_rate : float
        The "at risk" line (:data:`RISK_MULTIPLE` × ``base_rate``) and the training rows' share of leavers; NaN
        without a model.
    horizon_months : int
    quality : DataFrame
        The model's cross-validated ranking quality for the analyst appendix (``quality_measure``,
        ``quality_value`` as text); empty without a model.
    """

    table: pd.DataFrame
    ranked: pd.DataFrame
    note: str | None
    caption: str
    labels: dict
    threshold: float
    base_rate: float
    horizon_months: int
    quality: pd.DataFrame

    @property
    def at_risk(self) -> pd.DataFrame:
        """Everyone at or over the threshold, highest risk first (codes)."""
        if self.ranked.empty:
            return self.ranked
        return self.ranked[self.ranked["probability"] >= self.threshold].reset_index(drop=True)


_TABLE_COLUMNS = ("staff_member", "risk_rank", "store_id", "staff_role", "tenure_months", "leave_probability",
                  "risk_reasons", "high_risk")


def risk_list(staff: pd.DataFrame, kpi: pd.DataFrame, *, as_of: object, settings: TurnoverSettings | None = None,
              lang: str = "en", mask_names: bool = True, rows: int = 15, random_state: int | None = 0) -> RiskList:
    """Fit the at-risk model and rank everyone employed at the end of ``as_of``, ready for the report.

    With too little history (no month to learn from, fewer than :data:`MIN_LEAVERS` leavers) the result holds
    the sentence to show instead (``note``) and an empty table: a report never stops for it.

    Parameters
    ----------
    staff, kpi : DataFrame
        Roster and long KPI table.
    as_of : month
        Report month.
    settings : TurnoverSettings, optional
        Horizon, gate, metric.
    lang : {"en", "zh"}
        Language of the reasons, roles, caption and note.
    mask_names : bool
        Mask names (张**).
    rows : int
        People in ``table``.
    random_state : int, optional
        Seed of the model.
    """
    check_lang(lang)
    settings = settings or TurnoverSettings()
    horizon = int(settings.risk_horizon_months)
    month = str(to_period(as_of, "M"))
    labels = {"leave_probability": t("turnover.risk.probability", lang, months=horizon)}
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _TABLE_COLUMNS})
    frame, kpi_frame = check_staff(staff), check_kpi(kpi)
    try:
        model, training = fit_attrition_model(frame, kpi_frame, as_of=month, settings=settings,
                                              random_state=random_state)
    except TooLittleHistory as why:
        return RiskList(table=empty, ranked=pd.DataFrame(), note=t(why.key, lang, **why.fields), caption="",
                        labels=labels, threshold=np.nan, base_rate=np.nan, horizon_months=horizon,
                        quality=pd.DataFrame(columns=["quality_measure", "quality_value"]))
    ranked = at_risk(frame, kpi_frame, as_of=month, settings=settings, model=model, lang=lang,
                     mask_names=mask_names)
    base_rate = float(training[ATTRITION_LABEL].mean())
    threshold = min(RISK_MULTIPLE * base_rate, 1.0)
    shown = ranked.head(rows)
    table = pd.DataFrame({
        "staff_member": [f"{sid} {name}" if isinstance(name, str) and name else str(sid)
                         for sid, name in zip(shown["staff_id"], shown["name"])],
        "risk_rank": shown["rank"].astype(int), "store_id": shown["store_id"],
        "staff_role": shown["role"].map(lambda r: word(r, lang)),
        "tenure_months": shown["tenure_months"].astype(float), "leave_probability": shown["probability"],
        "risk_reasons": shown["reasons"], "high_risk": shown["probability"] >= threshold})
    months = sorted(training["as_of"].astype(str).unique())
    caption = t("turnover.risk.caption", lang, rows=len(training), first=months[0], last=months[-1],
                step=horizon, leavers=int(training[ATTRITION_LABEL].sum()))
    note = None if len(ranked) else t("turnover.risk.nobody", lang, month=month)
    return RiskList(table=table, ranked=ranked, note=note, caption=caption, labels=labels, threshold=threshold,
                    base_rate=base_rate, horizon_months=horizon, quality=_quality(model, training, lang))


def _quality(model: Any, training: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The selected candidate's cross-validated ranking quality and what it learned from, in words."""
    summary = getattr(model, "summary_", None)
    facts = [("rows", f"{len(training):,}"), ("leavers", f"{int(training[ATTRITION_LABEL].sum()):,}"),
             ("base_rate", f"{training[ATTRITION_LABEL].mean():.1%}")]
    if summary is not None and "selected" in summary.columns and summary["selected"].any():
        chosen = summary[summary["selected"]].iloc[0]
        facts = [("auc", f"{chosen['inner_cv_roc_auc']:.2f}"),
                 ("auc_spread", f"±{chosen['inner_cv_roc_auc_std']:.2f}"), *facts,
                 ("method", t(f"turnover.method.{chosen['candidate']}", lang))]
    return pd.DataFrame({"quality_measure": [t(f"turnover.quality.{k}", lang) for k, _ in facts],
                         "quality_value": [v for _, v in facts]})
