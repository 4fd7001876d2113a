"""Lead scoring, the showroom funnel, follow-up discipline, the grade audit and lost-lead analysis.

Terms follow ``DOMAIN.md`` §1–2 and ``kit/GLOSSARY.md``: a *lead* is a prospect (意向客户) with its A-card record;
*won* means it ordered a car, *lost* means 战败. The *lead score* is the estimated probability that an open lead
orders within ``conversion_window_days`` of the scoring date.

Inputs are the canonical frames of :mod:`kit.io` (contracts in :mod:`kit.schemas`): ``leads``, ``followups``,
optionally ``traffic``, ``staff`` and ``grade_log`` (the consultants' grades over time). Every public function validates what it needs once and returns new
DataFrames with plain column names, ready to show.

Settings: the ``leads:`` section of ``dealer.yml`` (every key optional; the values below are the defaults)::

    leads:
      conversion_window_days: 90     # label horizon: a lead is "won" if it orders within this many days
      min_closed_leads: 1000         # below either minimum the statistical model is "not yet trustworthy" and the
      min_conversions: 100           # transparent rules score the leads (commercial scorers ask for about a
                                     # thousand closed leads with a hundred-plus conversions before they train)
      grade_thresholds: {H: 0.50, A: 0.30, B: 0.12}   # kit grade from the score: >= H → H, >= A → A, >= B → B, else C
      grade_purchase_days: {H: 7, A: 15, B: 30}       # DOMAIN §1.1 purchase windows; used only when an expected
                                                      # time to purchase is passed to grade_from_probability
      followup_cadence_days: {H: 2, A: 4, B: 7, C: 15, O: 3, N: 15}   # DOMAIN §1.2 (a dealer CRM's maxima)
      funnel_targets:                # the dealership's own targets, 0–1; no sourced standard exists (DOMAIN §2.2),
        registration_rate: null      # so the default is "no target" (null)
        test_drive_rate: null
        order_rate: null
        delivery_rate: null
      score_bands: [0.0, 0.05, 0.10, 0.20, 0.30, 0.50, 1.0]   # edges for "conversion by score band"
      audit_gap_threshold: 0.5       # grade audit: flag a consultant whose grades sit this many grade steps
                                     # above (inflate) or below (deflate) the kit's on average
      audit_min_leads: 20            # ... judged only with at least this many graded leads
      holdout_share: 0.2             # share of the most recent leads kept out of training for the quality check
      snapshot_every_days: 28        # spacing of the training as-of dates: about a lead's life, so a lead rarely
                                     # appears twice (rows of one lead in different validation folds would let
                                     # the model's inner validation grade it on leads it trained on)
      holdout_every_days: 7          # spacing of the as-of dates the hold-out test scores its leads on

Grade thresholds, purchase days and cadence may be given partly (``grade_thresholds: {H: 0.6}``); missing grades
keep their defaults. A bad or unknown setting raises :class:`~kit.exceptions.ConfigError` naming it
(``leads.grade_thresholds.A: …``).

Bad inputs (each either a documented fallback or a :class:`~kit.exceptions.DataContractError` naming the rows as
spreadsheet rows, header = row 1, and the lead ids):

- a lead with no consultant is kept and shown under the consultant ``(unassigned)``;
- a follow-up for a lead that is not in ``leads``, a duplicate lead id, a won or lost lead without ``closed_at``, a
  missing column: DataContractError;
- a month with no leads or no closed leads: the funnel shows zero counts and empty rates, :func:`lost_analysis`
  empty tables, :func:`evaluate_holdout` empty tables with a message saying why;
- too few closed leads to train (``min_closed_leads``, ``min_conversions``): the transparent :class:`RuleScorer`
  scores the leads and :class:`LeadModel` / :class:`LeadScores` say so (``method``, ``trustworthy``, ``reason``).

>>> from kit import leads as kl
>>> model = kl.fit_lead_model(leads, followups, as_of="2026-10-31")          # doctest: +SKIP
>>> scores = kl.score_open_leads(leads, followups, as_of="2026-10-31", model=model)   # doctest: +SKIP
>>> scores.call_list.head()                                                  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from kit import report as _report
from kit.exceptions import ConfigError, DataContractError, NotFittedError
from kit.models import TabularClassifier, calibration_table, gains_table, ranking_metrics

#: Kit grades from best to worst; consultants may also set O (ordered), N (new, not graded) and F (lost).
KIT_GRADES = ("H", "A", "B", "C")
#: Ordinal score of a grade for ranking: H > A > B > C (N, O, F and empty have none).
GRADE_RANK = {"H": 4, "A": 3, "B": 2, "C": 1}
#: Label of a lead without a consultant (the documented fallback for an empty consultant_id).
UNASSIGNED = "(unassigned)"
#: Label of the team total row in per-consultant tables.
ALL_CONSULTANTS = "(all)"
#: Name of the training label column.
LABEL = "won_within_window"

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

#: Model inputs built by :func:`build_features`, in order.
FEATURE_COLUMNS = (
    "channel", "model_interest", "store_id", "consultant_id",
    "age_days", "visits", "test_drive", "quoted", "negotiating", "trade_in", "finance",
    "contacts", "calls", "wechat_contacts", "sms_contacts", "unanswered_calls", "invitations",
    "contacts_last_14_days", "days_since_last_contact", "mean_days_between_contacts", "longest_gap_days",
    "first_contact_delay_hours", "days_since_last_visit", "days_since_test_drive", "days_since_quote",
)
#: Extra model input when a grade log is given: the consultant's grade as known on the as-of date (H 4 … C 1).
GRADE_FEATURE = "consultant_grade_rank"
#: Leads columns the features need besides lead_id, created_at, status, closed_at.
_FEATURE_SOURCE = ("store_id", "channel", "consultant_id", "model_interest", "trade_in", "finance")
_BOOL_FEATURES = ("test_drive", "quoted", "negotiating", "trade_in", "finance")
_CATEGORY_FEATURES = ("channel", "model_interest", "store_id", "consultant_id")

FUNNEL_RATES = ("registration_rate", "test_drive_rate", "order_rate", "delivery_rate")
TRAFFIC_CHANNELS = ("walk_in", "phone", "online")

_DEFAULT_THRESHOLDS = {"H": 0.50, "A": 0.30, "B": 0.12}
_DEFAULT_PURCHASE_DAYS = {"H": 7, "A": 15, "B": 30}
_DEFAULT_CADENCE = {"H": 2, "A": 4, "B": 7, "C": 15, "O": 3, "N": 15}


# =========================================================================== settings


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class LeadSettings:
    """The ``leads:`` section of ``dealer.yml``; see the module docstring for the YAML shape and defaults.

    Attributes
    ----------
    conversion_window_days : int
        Label horizon: a lead counts as won if it orders within this many days of the scoring date.
    min_closed_leads, min_conversions : int
        Minimum closed leads and won leads the model learns from before it is called trustworthy; below either
        the transparent rules (:class:`RuleScorer`) score the leads. Commercial lead scorers ask for about a
        thousand leads with a hundred-plus conversions before they train a model.
    grade_thresholds : mapping H/A/B -> probability
        Kit grade from the score: at least H's threshold → H, A's → A, B's → B, below → C.
    grade_purchase_days : mapping H/A/B -> days
        Purchase windows of the grades (DOMAIN §1.1), used only when an expected time to purchase is supplied.
    followup_cadence_days : mapping H/A/B/C/O/N -> days
        A follow-up is overdue when the last contact is more than this many days ago (DOMAIN §1.2).
    funnel_targets : mapping rate name -> target or None
        registration_rate, test_drive_rate, order_rate, delivery_rate; None means no target.
    score_bands : tuple of float
        Increasing edges from 0 to 1 for conversion by score band.
    audit_gap_threshold : float
        Grade steps of average inflation or deflation that flag a consultant in :func:`grade_audit`.
    audit_min_leads : int
        Graded leads a consultant needs before the audit judges them.
    holdout_share : float
        Share of the most recent leads kept out of training in :func:`evaluate_holdout`.
    snapshot_every_days : int
        Spacing of the as-of dates of the training set; about a lead's lifetime, so that one lead rarely gives
        two training rows (the model's inner cross-validation would otherwise validate on leads it trained on).
    holdout_every_days : int
        Spacing of the as-of dates on which :func:`evaluate_holdout` scores its test leads.
    """

    conversion_window_days: int = 90
    min_closed_leads: int = 1000
    min_conversions: int = 100
    grade_thresholds: Mapping[str, float] = field(default_factory=lambda: _frozen(_DEFAULT_THRESHOLDS))
    grade_purchase_days: Mapping[str, int] = field(default_factory=lambda: _frozen(_DEFAULT_PURCHASE_DAYS))
    followup_cadence_days: Mapping[str, int] = field(default_factory=lambda: _frozen(_DEFAULT_CADENCE))
    funnel_targets: Mapping[str, float | None] = field(
        default_factory=lambda: _frozen({name: None for name in FUNNEL_RATES}))
    score_bands: tuple[float, ...] = (0.0, 0.05, 0.10, 0.20, 0.30, 0.50, 1.0)
    audit_gap_threshold: float = 0.5
    audit_min_leads: int = 20
    holdout_share: float = 0.2
    snapshot_every_days: int = 28
    holdout_every_days: int = 7

    @classmethod
    def defaults(cls) -> "LeadSettings":
        """Every setting at its documented default."""
        return cls()

    @classmethod
    def from_mapping(cls, mapping: Mapping | None, *, where: str = "leads") -> "LeadSettings":
        """Validate the ``leads:`` mapping of ``dealer.yml``.

        Parameters
        ----------
        mapping : mapping or None
            The parsed section; missing keys take their defaults.
        where : str
            Setting path prefix used in error messages.

        Raises
        ------
        ConfigError
            Unknown key, wrong type or out-of-range value; the message names the setting path.
        """
        mapping = dict(mapping or {})
        if not isinstance(mapping, dict):
            raise ConfigError(f"{where}: expected a mapping of settings; got {mapping!r}.")
        known = [f for f in cls.__dataclass_fields__]
        unknown = sorted(set(map(str, mapping)) - set(known))
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown setting; known settings are {', '.join(known)}.")
        d = cls()
        window = _int_setting(mapping.get("conversion_window_days", d.conversion_window_days),
                              f"{where}.conversion_window_days", minimum=1)
        min_closed = _int_setting(mapping.get("min_closed_leads", d.min_closed_leads), f"{where}.min_closed_leads",
                                  minimum=0)
        min_won = _int_setting(mapping.get("min_conversions", d.min_conversions), f"{where}.min_conversions",
                               minimum=0)
        thresholds = _grade_mapping(mapping.get("grade_thresholds"), _DEFAULT_THRESHOLDS,
                                    f"{where}.grade_thresholds", kind="probability")
        values = [thresholds[g] for g in ("H", "A", "B")]
        if not values[0] > values[1] > values[2]:
            raise ConfigError(f"{where}.grade_thresholds: expected H > A > B; got H {values[0]:g}, A {values[1]:g}, "
                              f"B {values[2]:g}.")
        purchase = _grade_mapping(mapping.get("grade_purchase_days"), _DEFAULT_PURCHASE_DAYS,
                                  f"{where}.grade_purchase_days", kind="days")
        if not purchase["H"] <= purchase["A"] <= purchase["B"]:
            raise ConfigError(f"{where}.grade_purchase_days: expected H <= A <= B; got {dict(purchase)}.")
        cadence = _grade_mapping(mapping.get("followup_cadence_days"), _DEFAULT_CADENCE,
                                 f"{where}.followup_cadence_days", kind="days")
        targets_raw = mapping.get("funnel_targets") or {}
        if not isinstance(targets_raw, Mapping):
            raise ConfigError(f"{where}.funnel_targets: expected a mapping such as {{order_rate: 0.15}}; "
                              f"got {targets_raw!r}.")
        targets: dict[str, float | None] = {name: None for name in FUNNEL_RATES}
        for key, value in targets_raw.items():
            path = f"{where}.funnel_targets.{key}"
            if key not in FUNNEL_RATES:
                raise ConfigError(f"{path}: unknown funnel rate; known rates are {', '.join(FUNNEL_RATES)}.")
            targets[key] = None if value is None else _float_setting(value, path, low=0.0, high=1.0)
        bands_raw = mapping.get("score_bands", d.score_bands)
        if not isinstance(bands_raw, (list, tuple)) or len(bands_raw) < 2:
            raise ConfigError(f"{where}.score_bands: expected a list of at least two edges from 0 to 1; "
                              f"got {bands_raw!r}.")
        bands = tuple(_float_setting(v, f"{where}.score_bands[{i}]", low=0.0, high=1.0)
                      for i, v in enumerate(bands_raw))
        if any(b <= a for a, b in zip(bands, bands[1:])) or bands[0] != 0.0 or bands[-1] != 1.0:
            raise ConfigError(f"{where}.score_bands: expected increasing edges starting at 0 and ending at 1; "
                              f"got {list(bands_raw)}.")
        gap = _float_setting(mapping.get("audit_gap_threshold", d.audit_gap_threshold),
                             f"{where}.audit_gap_threshold", low=0.0, high=3.0)
        if gap <= 0:
            raise ConfigError(f"{where}.audit_gap_threshold: expected a number of grade steps above 0; got {gap!r}.")
        min_audit = _int_setting(mapping.get("audit_min_leads", d.audit_min_leads), f"{where}.audit_min_leads",
                                 minimum=1)
        share = _float_setting(mapping.get("holdout_share", d.holdout_share), f"{where}.holdout_share",
                               low=0.05, high=0.5)
        every = _int_setting(mapping.get("snapshot_every_days", d.snapshot_every_days),
                             f"{where}.snapshot_every_days", minimum=1)
        every_test = _int_setting(mapping.get("holdout_every_days", d.holdout_every_days),
                                  f"{where}.holdout_every_days", minimum=1)
        return cls(conversion_window_days=window, min_closed_leads=min_closed, min_conversions=min_won,
                   grade_thresholds=_frozen(thresholds), grade_purchase_days=_frozen(purchase),
                   followup_cadence_days=_frozen(cadence), funnel_targets=_frozen(targets), score_bands=bands,
                   audit_gap_threshold=gap, audit_min_leads=min_audit, holdout_share=share,
                   snapshot_every_days=every, holdout_every_days=every_test)


def _int_setting(value: Any, path: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
        raise ConfigError(f"{path}: expected a whole number; got {value!r}.")
    if value < minimum:
        raise ConfigError(f"{path}: expected a whole number of at least {minimum}; got {value!r}.")
    return int(value)


def _float_setting(value: Any, path: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(float(value)):
        raise ConfigError(f"{path}: expected a number between {low:g} and {high:g}; got {value!r}.")
    if not low <= float(value) <= high:
        raise ConfigError(f"{path}: expected a number between {low:g} and {high:g}; got {value!r}.")
    return float(value)


def _grade_mapping(raw: Any, default: Mapping, path: str, *, kind: str) -> dict:
    out = dict(default)
    if raw is None:
        return out
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping per grade such as {dict(default)}; got {raw!r}.")
    for key, value in raw.items():
        grade = str(key).strip().upper()
        if grade not in default:
            raise ConfigError(f"{path}.{key}: unknown grade; expected one of {', '.join(default)}.")
        if kind == "probability":
            value = _float_setting(value, f"{path}.{key}", low=0.0, high=1.0)
            if not 0.0 < value < 1.0:
                raise ConfigError(f"{path}.{key}: expected a probability strictly between 0 and 1; got {value!r}.")
        else:
            value = _int_setting(value, f"{path}.{key}", minimum=1)
        out[grade] = value
    return out


def _settings(settings: LeadSettings | Mapping | None) -> LeadSettings:
    if settings is None:
        return LeadSettings()
    if isinstance(settings, LeadSettings):
        return settings
    if hasattr(settings, "leads") and isinstance(getattr(settings, "leads"), LeadSettings):
        return settings.leads  # a kit.settings.Settings object
    if isinstance(settings, Mapping):
        return LeadSettings.from_mapping(settings)
    raise ConfigError(f"leads: expected LeadSettings or a mapping; got {type(settings).__name__}.")


# =========================================================================== grades


def grade_from_probability(probability: Any, *, settings: LeadSettings | Mapping | None = None,
                           expected_days: Any = None) -> Any:
    """Kit grade H/A/B/C from the probability of ordering within the conversion window.

    A lead is H when its probability reaches the H threshold, else A at the A threshold, else B at the B threshold,
    else C; a missing probability gives N (not graded). When ``expected_days`` (the expected days until the order)
    is given, a grade also needs its purchase window (DOMAIN §1.1: H within 7 days, A 15, B 30): a lead that is
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
    s = _settings(settings)
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
    s = _settings(settings)
    cad = s.followup_cadence_days
    if isinstance(grades, pd.Series):
        return grades.map(lambda g: cad.get(_clean_grade(g), cad["N"])).astype("int64")
    if np.ndim(grades) == 0:
        return int(cad.get(_clean_grade(grades), cad["N"]))
    return np.array([cad.get(_clean_grade(g), cad["N"]) for g in grades], dtype=int)


def _clean_grade(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "N"
    text = str(value).strip().upper()
    return text or "N"


def grade_rank(grades: pd.Series) -> pd.Series:
    """Ordinal score of grades, H 4 > A 3 > B 2 > C 1; N, O, F and empty give NaN."""
    return grades.map(lambda g: GRADE_RANK.get(_clean_grade(g), np.nan)).astype(float)


# =========================================================================== input checks


def _as_day(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise ConfigError(f"{name}: expected a date such as 2026-10-31; got {value!r}.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _rows(mask: Any, frame: pd.DataFrame, id_col: str | None = None, limit: int = 8) -> str:
    """'rows 3, 7 (lead_id L1, L5)': positions as spreadsheet rows, counting the header as row 1."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    listed = ", ".join(str(p + 2) for p in positions[:limit])
    more = f" … ({len(positions)} rows)" if len(positions) > limit else ""
    ids = ""
    if id_col is not None and id_col in frame.columns:
        values = frame[id_col].iloc[positions[:limit]].astype(str).tolist()
        ids = f" ({id_col} {', '.join(values)})"
    return f"row{'s' if len(positions) > 1 else ''} {listed}{more}{ids}"


def _require(frame: Any, name: str, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataContractError(f"{name}: expected a DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataContractError(f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                                f"found {', '.join(map(str, frame.columns))}.")


def _to_bool(values: pd.Series) -> pd.Series:
    """Yes/no column as plain bool; empty means no."""
    if values.dtype == bool:
        return values
    return values.astype("boolean").fillna(False).astype(bool)


def _to_text(values: pd.Series) -> pd.Series:
    """Text column as object dtype with None for empty (works the same on pandas 2 and 3)."""
    out = values.astype(object)
    return out.where(values.notna(), None)


_LEAD_BASE = ("lead_id", "created_at", "status", "closed_at")


def _prepare_leads(leads: pd.DataFrame, columns: Iterable[str] = ()) -> pd.DataFrame:
    """Checked copy of ``leads``: required columns, unique ids, dates, closed leads with close dates.

    A lead with no consultant gets :data:`UNASSIGNED` (documented fallback, it shows up as its own row).
    """
    needed = list(dict.fromkeys([*_LEAD_BASE, *columns]))
    _require(leads, "leads", needed)
    out = leads.copy()
    out["lead_id"] = _to_text(out["lead_id"]).map(lambda v: None if v is None else str(v))
    bad = out["lead_id"].isna()
    if bad.any():
        raise DataContractError(f"leads {_rows(bad, out)}, column lead_id: expected an id in every row; got empty.")
    dup = out["lead_id"].duplicated(keep=False)
    if dup.any():
        raise DataContractError(f"leads {_rows(dup, out, 'lead_id')}, column lead_id: expected each lead_id once; "
                                "got duplicates.")
    for col in ("created_at", "closed_at", "delivered_at"):
        if col in out.columns:
            try:
                out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]").dt.normalize()
            except (TypeError, ValueError):
                raise DataContractError(f"leads, column {col}: expected dates such as 2026-10-31.") from None
    bad = out["created_at"].isna()
    if bad.any():
        raise DataContractError(f"leads {_rows(bad, out, 'lead_id')}, column created_at: expected the registration "
                                "date; got empty.")
    status = _to_text(out["status"]).map(lambda v: None if v is None else str(v).strip().lower())
    bad = ~status.isin(["open", "won", "lost"])
    if bad.any():
        found = ", ".join(sorted({repr(v) for v in status[bad]})[:3])
        raise DataContractError(f"leads {_rows(bad, out, 'lead_id')}, column status: expected open, won or lost; "
                                f"got {found}.")
    out["status"] = status
    bad = status.isin(["won", "lost"]) & out["closed_at"].isna()
    if bad.any():
        raise DataContractError(f"leads {_rows(bad, out, 'lead_id')}, column closed_at: a won or lost lead needs its "
                                "close date; got empty.")
    # an open lead carries no close date; a stray one is ignored (open wins)
    out.loc[status == "open", "closed_at"] = pd.NaT
    for col in ("channel", "model_interest", "store_id", "grade", "lost_reason"):
        if col in out.columns:
            out[col] = _to_text(out[col])
    if "consultant_id" in out.columns:
        cid = _to_text(out["consultant_id"]).map(lambda v: None if v is None or not str(v).strip() else str(v))
        out["consultant_id"] = cid.fillna(UNASSIGNED)
    for col in ("trade_in", "finance", "test_drive", "quoted"):
        if col in out.columns:
            out[col] = _to_bool(out[col])
    return out.reset_index(drop=True)


def _prepare_followups(followups: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of ``followups`` with an ``outcome_code`` column; unknown leads raise DataContractError."""
    _require(followups, "followups", ("lead_id", "at", "kind"))
    out = followups.copy().reset_index(drop=True)
    out["lead_id"] = _to_text(out["lead_id"]).map(lambda v: None if v is None else str(v))
    try:
        out["at"] = pd.to_datetime(out["at"]).astype("datetime64[ns]")
    except (TypeError, ValueError):
        raise DataContractError("followups, column at: expected dates and times such as 2026-10-05 14:30.") from None
    bad = out["at"].isna()
    if bad.any():
        raise DataContractError(f"followups {_rows(bad, out, 'lead_id')}, column at: expected when the contact "
                                "happened; got empty.")
    unknown = ~out["lead_id"].isin(leads["lead_id"])
    if unknown.any():
        raise DataContractError(f"followups {_rows(unknown, out, 'lead_id')}, column lead_id: expected a lead_id "
                                "that exists in leads; got an unknown lead. Add the lead or drop the follow-up.")
    out["kind"] = _to_text(out["kind"]).map(lambda v: None if v is None else str(v).strip().lower())
    if "outcome" in out.columns:
        text = _to_text(out["outcome"]).map(lambda v: None if v is None else str(v).strip().lower())
        out["outcome_code"] = text.map(OUTCOME_CODES)
    else:
        out["outcome_code"] = None
    return out


# =========================================================================== features


@dataclass
class _Activity:
    """The follow-up log prepared once: cumulative counts per lead in time order, and per-lead first times.

    The registration record is a walk-in lead's first visit row on its registration day: it counts as a showroom
    visit but not as a follow-up contact.
    """

    log: pd.DataFrame        # sorted by "at": lead_id, at, cum_<indicator>
    registered_at: pd.Series  # by lead_id: time of the registration visit (walk-ins)
    first_contact_at: pd.Series  # by lead_id: first follow-up contact after registration


def _prepare_activity(leads: pd.DataFrame, followups: pd.DataFrame) -> _Activity:
    f = followups[["lead_id", "at", "kind", "outcome_code"]].merge(
        leads[["lead_id", "created_at", "channel"]], on="lead_id", how="inner")
    f = f.sort_values(["lead_id", "at"], kind="stable").reset_index(drop=True)
    kind = f["kind"].to_numpy(dtype=object)
    code = f["outcome_code"].to_numpy(dtype=object)
    is_visit = kind == "visit"
    candidate = is_visit & (f["at"].dt.normalize() == f["created_at"]).to_numpy() & \
        (f["channel"] == "walk_in").to_numpy()
    first_of_lead = np.zeros(len(f), dtype=bool)
    if candidate.any():
        cand = f.loc[candidate, ["lead_id"]]
        first_of_lead[cand.index[~cand["lead_id"].duplicated()]] = True
    registration = first_of_lead
    contact = ~registration
    ind = {
        "visits": is_visit,
        "test_drive": code == "test_drive",
        "quoted": code == "quoted",
        "negotiating": code == "negotiating",
        "contacts": contact,
        "calls": contact & (kind == "call"),
        "wechat_contacts": contact & (kind == "wechat"),
        "sms_contacts": contact & (kind == "sms"),
        "unanswered_calls": code == "no_answer",
        "invitations": code == "invited",
    }
    cum = pd.DataFrame({f"cum_{k}": v.astype(np.int32) for k, v in ind.items()})
    keys = f["lead_id"].to_numpy()
    cum = cum.groupby(keys, sort=False).cumsum()
    # longest silence between two logged contacts so far (days); the open gap is days_since_last_contact
    gap = f.groupby("lead_id", sort=False)["at"].diff() / pd.Timedelta(days=1)
    cum["longest_gap"] = gap.fillna(0.0).groupby(keys, sort=False).cummax().to_numpy()
    # when the latest showroom visit, test drive and quote so far happened (recency signals readiness to order)
    for name, hit in (("last_visit_at", ind["visits"]), ("last_test_drive_at", ind["test_drive"]),
                      ("last_quote_at", ind["quoted"])):
        cum[name] = f["at"].where(hit).groupby(keys, sort=False).ffill().to_numpy()
    log = pd.concat([f[["lead_id", "at"]], cum], axis=1).sort_values("at", kind="stable").reset_index(drop=True)
    registered_at = f.loc[registration].groupby("lead_id", sort=False)["at"].min()
    first_contact_at = f.loc[contact].groupby("lead_id", sort=False)["at"].min()
    return _Activity(log=log, registered_at=registered_at, first_contact_at=first_contact_at)


def _open_on(leads: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    closed = leads["closed_at"]
    return ((leads["created_at"] <= day) & (closed.isna() | (closed > day))).to_numpy()


def _pair_features(leads: pd.DataFrame, activity: _Activity, pairs: pd.DataFrame) -> pd.DataFrame:
    """Features of (lead_id, as_of) pairs from follow-ups logged before the end of each as-of day.

    ``pairs`` must hold only leads of ``leads``; the result keeps the order of ``pairs``.
    """
    n = len(pairs)
    info = leads.set_index("lead_id")
    lead_ids = pairs["lead_id"].to_numpy(dtype=object)
    day = pairs["as_of"].to_numpy().astype("datetime64[ns]")
    cutoff = day + np.timedelta64(1, "D")
    probe = pd.DataFrame({"lead_id": lead_ids, "cutoff": cutoff, "cutoff_14": cutoff - np.timedelta64(14, "D"),
                          "pos": np.arange(n)})
    log = activity.log
    cum_cols = [c for c in log.columns if c.startswith("cum_")]
    longest = np.zeros(n)
    recency = {name: np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
               for name in ("last_visit_at", "last_test_drive_at", "last_quote_at")}
    if len(log) and n:
        now = pd.merge_asof(probe.sort_values("cutoff", kind="stable"), log, left_on="cutoff", right_on="at",
                            by="lead_id", allow_exact_matches=False, direction="backward").sort_values("pos")
        before = pd.merge_asof(probe.sort_values("cutoff_14", kind="stable"), log[["lead_id", "at", "cum_contacts"]],
                               left_on="cutoff_14", right_on="at", by="lead_id", allow_exact_matches=False,
                               direction="backward").sort_values("pos")
        counts = {c[4:]: now[c].fillna(0).to_numpy().astype(int) for c in cum_cols}
        longest = now["longest_gap"].fillna(0.0).to_numpy(dtype=float)
        recency = {name: now[name].to_numpy().astype("datetime64[ns]") for name in recency}
        last_at = now["at"].to_numpy().astype("datetime64[ns]")
        recent = counts["contacts"] - before["cum_contacts"].fillna(0).to_numpy().astype(int)
    else:
        counts = {c[4:]: np.zeros(n, dtype=int) for c in cum_cols}
        last_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        recent = np.zeros(n, dtype=int)
    created = info["created_at"].reindex(lead_ids).to_numpy().astype("datetime64[ns]")
    out = pd.DataFrame({"lead_id": lead_ids, "as_of": day})
    for col in _CATEGORY_FEATURES:
        out[col] = info[col].reindex(lead_ids).to_numpy(dtype=object)
    out["age_days"] = ((day - created) // np.timedelta64(1, "D")).astype(int)
    for col in ("visits", "contacts", "calls", "wechat_contacts", "sms_contacts", "unanswered_calls", "invitations"):
        out[col] = counts[col]
    for col in ("test_drive", "quoted", "negotiating"):
        out[col] = counts[col] > 0
    out["trade_in"] = info["trade_in"].reindex(lead_ids).to_numpy(dtype=bool)
    out["finance"] = info["finance"].reindex(lead_ids).to_numpy(dtype=bool)
    out["contacts_last_14_days"] = recent
    last_day = last_at.astype("datetime64[D]").astype("datetime64[ns]")
    last_day = np.where(np.isnat(last_day) | (last_day < created), created, last_day)
    out["days_since_last_contact"] = ((day - last_day) // np.timedelta64(1, "D")).astype(int)
    registered = activity.registered_at.reindex(lead_ids).to_numpy().astype("datetime64[ns]")
    registered = np.where(np.isnat(registered), created, registered)
    span = (last_at - registered) / np.timedelta64(1, "D")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_gap = np.where(counts["contacts"] > 0, span.astype(float) / np.maximum(counts["contacts"], 1), np.nan)
    out["mean_days_between_contacts"] = np.round(np.clip(mean_gap, 0.0, None), 2)
    out["longest_gap_days"] = np.round(longest, 1)
    first = activity.first_contact_at.reindex(lead_ids).to_numpy().astype("datetime64[ns]")
    first = np.where(first < cutoff, first, np.datetime64("NaT"))
    delay = (first - registered) / np.timedelta64(1, "h")
    out["first_contact_delay_hours"] = np.clip(delay.astype(float), 0.0, None)
    for col, name in (("days_since_last_visit", "last_visit_at"), ("days_since_test_drive", "last_test_drive_at"),
                      ("days_since_quote", "last_quote_at")):
        when = recency[name].astype("datetime64[D]").astype("datetime64[ns]")
        out[col] = ((day - when) / np.timedelta64(1, "D")).astype(float)   # empty when it has not happened
    return out[["lead_id", "as_of", *FEATURE_COLUMNS]].reset_index(drop=True)


def _features(leads: pd.DataFrame, activity: _Activity, day: pd.Timestamp) -> pd.DataFrame:
    """Features of the leads open on ``day``."""
    ids = leads.loc[_open_on(leads, day), "lead_id"].to_numpy(dtype=object)
    pairs = pd.DataFrame({"lead_id": ids, "as_of": np.repeat(np.datetime64(day, "ns"), len(ids))})
    return _pair_features(leads, activity, pairs)


def build_features(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any) -> pd.DataFrame:
    """Scoring features of the leads open on ``as_of``, using only what was known on that day.

    No look-ahead: leads registered after ``as_of`` are left out, a lead closed after ``as_of`` is treated as open,
    and follow-ups logged after the end of ``as_of`` are ignored. Showroom visits, test drives and quotes come from
    the dated follow-up log (a test drive is a follow-up with outcome ``test_drive``, a quote one with ``quoted``),
    not from the leads table's final yes/no columns; ``trade_in`` and ``finance`` are intents stated at
    registration and are taken from the leads table. The consultant's grade is not a feature: the table holds only
    its latest value, which may already reflect the outcome.

    Parameters
    ----------
    leads : DataFrame
        Contract ``kit.schemas.LEADS`` (lead_id, store_id, created_at, channel, consultant_id, model_interest,
        trade_in, finance, status, closed_at).
    followups : DataFrame
        Contract ``kit.schemas.FOLLOWUPS`` (lead_id, at, kind, outcome).
    as_of : date-like
        The scoring day; everything logged on that day counts.

    Returns
    -------
    DataFrame
        One row per open lead: lead_id, as_of, then :data:`FEATURE_COLUMNS`: channel, model_interest, store_id,
        consultant_id (``(unassigned)`` when empty), age_days, visits, test_drive, quoted, negotiating, trade_in,
        finance, contacts (follow-ups after registration), calls, wechat_contacts, sms_contacts, unanswered_calls,
        invitations, contacts_last_14_days, days_since_last_contact (whole days; registration counts as a contact),
        mean_days_between_contacts (from registration to the last contact ÷ contacts; empty before the first),
        longest_gap_days (longest silence between two logged contacts so far), first_contact_delay_hours (empty
        until the first follow-up), days_since_last_visit, days_since_test_drive, days_since_quote (whole days;
        empty until it happens: a recent test drive or quote signals a customer ready to order).

    Raises
    ------
    DataContractError
        Missing columns, duplicate lead ids, a closed lead without a close date, a follow-up for an unknown lead.
    """
    lead_frame = _prepare_leads(leads, _FEATURE_SOURCE)
    follow = _prepare_followups(followups, lead_frame)
    day = _as_day(as_of, "as_of")
    known = _known_as_of(lead_frame, day)
    return _features(known, _prepare_activity(known, follow.loc[follow["at"] < day + pd.Timedelta(days=1)]), day)



def snapshot_dates(start: Any, end: Any, *, every_days: int = 7) -> list[pd.Timestamp]:
    """As-of dates every ``every_days`` days going back from ``end`` to ``start`` (oldest first)."""
    start, end = _as_day(start, "start"), _as_day(end, "end")
    if end < start:
        return []
    steps = int((end - start).days // every_days)
    return [end - pd.Timedelta(days=every_days * k) for k in range(steps, -1, -1)]


def build_training_set(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of_dates: Sequence[Any],
                       window_days: int = 90, data_end: Any = None) -> pd.DataFrame:
    """Features and label for the leads open on each as-of date.

    The label :data:`LABEL` is True when the lead was won within ``window_days`` after the as-of date. A row whose
    outcome is not yet known on ``data_end`` (the window runs past it and the lead has not closed by then) is
    dropped; closes and follow-ups after ``data_end`` are ignored. Features follow :func:`build_features` (no
    look-ahead).

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`.
    as_of_dates : sequence of date-like
    window_days : int
        Label horizon in days (``LeadSettings.conversion_window_days``).
    data_end : date-like, optional
        The last day the data covers; default the latest date in either table.

    Returns
    -------
    DataFrame
        lead_id, as_of, :data:`FEATURE_COLUMNS`, ``won_within_window`` (bool), ``status`` and ``closed_at`` (as
        known on ``data_end``); one row per lead open on an as-of date.
    """
    lead_frame = _prepare_leads(leads, _FEATURE_SOURCE)
    follow = _prepare_followups(followups, lead_frame)
    if data_end is None:
        candidates = [lead_frame["created_at"].max(), lead_frame["closed_at"].max()]
        if len(follow):
            candidates.append(follow["at"].max().normalize())
        data_end = max(d for d in candidates if not pd.isna(d))
    end = _as_day(data_end, "data_end")
    window = _int_setting(window_days, "window_days", minimum=1)
    return _training_set(lead_frame, follow, [_as_day(d, "as_of_dates") for d in as_of_dates], window, end)


def _known_as_of(leads: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Leads as known on ``end``: later registrations dropped, later closes and deliveries undone."""
    known = leads.loc[leads["created_at"] <= end].copy()
    later = (known["closed_at"] > end).to_numpy()
    known.loc[later, "closed_at"] = pd.NaT
    known.loc[later, "status"] = "open"
    if "delivered_at" in known.columns:
        known.loc[(known["delivered_at"] > end).to_numpy(), "delivered_at"] = pd.NaT
    return known


def _panel_pairs(leads: pd.DataFrame, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """(lead_id, as_of) for every lead open on every date."""
    days = np.array(sorted(set(dates)), dtype="datetime64[ns]")
    if not len(days) or leads.empty:
        return pd.DataFrame({"lead_id": pd.Series(dtype=object), "as_of": pd.Series(dtype="datetime64[ns]")})
    created = leads["created_at"].to_numpy().astype("datetime64[ns]")
    closed = leads["closed_at"].to_numpy().astype("datetime64[ns]")
    first = np.searchsorted(days, created, side="left")          # first date on or after registration
    last = np.where(np.isnat(closed), len(days), np.searchsorted(days, closed, side="left"))  # dates before close
    counts = np.clip(last - first, 0, None)
    rows = np.repeat(np.arange(len(leads)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    date_idx = np.repeat(first, counts) + offsets
    pairs = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy(dtype=object)[rows], "as_of": days[date_idx]})
    return pairs.sort_values(["as_of", "lead_id"], kind="stable").reset_index(drop=True)


def _training_set(leads: pd.DataFrame, followups: pd.DataFrame, dates: Sequence[pd.Timestamp], window: int,
                  end: pd.Timestamp) -> pd.DataFrame:
    known = _known_as_of(leads, end)
    activity = _prepare_activity(known, followups.loc[followups["at"] < end + pd.Timedelta(days=1)])
    pairs = _panel_pairs(known, [d for d in dates if d <= end])
    feats = _pair_features(known, activity, pairs)
    info = known.set_index("lead_id")
    status = info["status"].reindex(feats["lead_id"]).to_numpy(dtype=object)
    closed = info["closed_at"].reindex(feats["lead_id"]).to_numpy().astype("datetime64[ns]")
    horizon = feats["as_of"].to_numpy().astype("datetime64[ns]") + np.timedelta64(window, "D")
    won = (status == "won") & (closed <= horizon)
    label_known = (~np.isnat(closed) & (closed <= horizon)) | (horizon <= np.datetime64(end, "ns"))
    feats = feats.assign(**{LABEL: won, "status": status, "closed_at": closed})
    return feats.loc[label_known].reset_index(drop=True)


# =========================================================================== scorers


class LeadScorer(TabularClassifier):
    """Calibrated lead-conversion classifier: :class:`kit.models.TabularClassifier` with defaults for leads.

    Takes the raw feature frame of :func:`build_features` (categorical, yes/no, counts, missing values) without
    any encoding by the caller; ``LeadScorer().fit(X, y).predict_proba(X)`` works with the defaults. The model is
    chosen between logistic regression, small gradient-boosted trees and their blend by inner cross-validation on
    the training rows (see the parent class).

    Lead defaults: ``isotonic_min_rows=5000``. The kit grades leads by probability thresholds, so calibration
    matters, and isotonic calibration needs a couple of hundred buyers to be stable: at dealer conversion rates of
    4–8 % (DOMAIN §1.5) that is about 5,000 rows; below it the two-parameter sigmoid (Platt) map is used. The other
    parameters keep the parent's defaults (ROC AUC to choose the model, as the call list is a ranking; five inner
    folds, affordable on a dealership's few thousand leads; one thread).

    Training rows should hold each lead about once (:func:`fit_lead_model` spaces its as-of dates by
    ``snapshot_every_days`` for this): rows of one lead in different inner folds would let the validation grade
    the model on leads it trained on.

    Parameters
    ----------
    candidates, cv, scoring, calibration, isotonic_min_rows, max_selection_rows, spline_knots, n_jobs, random_state
        As for :class:`kit.models.TabularClassifier`.
    """

    def __init__(self, *, candidates: Sequence[str] = ("logistic", "hgb", "blend"), cv: int = 5,
                 scoring: str = "roc_auc", calibration: str = "auto", isotonic_min_rows: int = 5000,
                 max_selection_rows: int = 20_000, spline_knots: int = 5, n_jobs: int | None = 1,
                 random_state: int | None = 0):
        super().__init__(candidates=candidates, cv=cv, scoring=scoring, calibration=calibration,
                         isotonic_min_rows=isotonic_min_rows, max_selection_rows=max_selection_rows,
                         spline_knots=spline_knots, n_jobs=n_jobs, random_state=random_state)


class RuleScorer(ClassifierMixin, BaseEstimator):
    """Transparent points scorer used while there are too few closed leads for a trustworthy model.

    Points per signal (documented, [D]: chosen from DOMAIN §1–2 practice, not fitted):

    - +3 test drive taken (``test_drive``)
    - +2 price quoted (``quoted``)
    - +2 negotiating the price (``negotiating``)
    - +2 two or more showroom visits (``visits >= 2``)
    - +1 car to trade in (``trade_in``)
    - +1 wants a loan (``finance``)
    - +1 contacted in the last 7 days (``days_since_last_contact <= 7``)
    - −2 no contact for more than 14 days (``days_since_last_contact > 14``)
    - −1 registered more than 60 days ago (``age_days > 60``)
    - −1 two or more unanswered calls (``unanswered_calls >= 2``)

    The probability is ``1 / (1 + exp(-(intercept + slope × points)))``. With ``calibrate=True`` and at least
    ``min_per_class`` won and not-won leads, ``fit`` estimates intercept and slope by logistic regression on the
    points alone (the ranking stays the points' ranking); otherwise intercept −3.0 and slope 0.5 are used
    (0 points ≈ 5 %, 6 points = 50 %).

    Parameters
    ----------
    calibrate : bool, default True
    min_per_class : int, default 10
    """

    #: (feature, test, points, English, Chinese)
    RULES: tuple = (
        ("test_drive", lambda x: x["test_drive"].astype(bool), 3, "test drive taken", "已试驾"),
        ("quoted", lambda x: x["quoted"].astype(bool), 2, "price quoted", "已报价"),
        ("negotiating", lambda x: x["negotiating"].astype(bool), 2, "negotiating the price", "议价中"),
        ("visits", lambda x: x["visits"] >= 2, 2, "two or more showroom visits", "到店两次以上"),
        ("trade_in", lambda x: x["trade_in"].astype(bool), 1, "car to trade in", "有置换意向"),
        ("finance", lambda x: x["finance"].astype(bool), 1, "wants a loan", "有贷款意向"),
        ("days_since_last_contact", lambda x: x["days_since_last_contact"] <= 7, 1, "contacted in the last 7 days",
         "7天内联系过"),
        ("days_since_last_contact", lambda x: x["days_since_last_contact"] > 14, -2,
         "no contact for more than 14 days", "超过14天未联系"),
        ("age_days", lambda x: x["age_days"] > 60, -1, "registered more than 60 days ago", "建档超过60天"),
        ("unanswered_calls", lambda x: x["unanswered_calls"] >= 2, -1, "two or more unanswered calls",
         "两次以上未接通"),
    )
    DEFAULT_INTERCEPT = -3.0
    DEFAULT_SLOPE = 0.5
    REQUIRED = ("test_drive", "quoted", "negotiating", "visits", "trade_in", "finance", "days_since_last_contact", "age_days",
                "unanswered_calls")

    def __init__(self, *, calibrate: bool = True, min_per_class: int = 10):
        self.calibrate = calibrate
        self.min_per_class = min_per_class

    @classmethod
    def points_table(cls, *, lang: str = "en") -> pd.DataFrame:
        """The rules as a table for the report: signal, points."""
        return pd.DataFrame({"signal": [r[4] if lang == "zh" else r[3] for r in cls.RULES],
                             "points": [r[2] for r in cls.RULES]})

    def _hits(self, X: pd.DataFrame) -> np.ndarray:
        _require(X, "X", self.REQUIRED)
        x = X.reset_index(drop=True)
        filled = x.assign(**{c: x[c].astype("boolean").fillna(False).astype(bool) for c in _BOOL_FEATURES
                             if c in x.columns})
        for col in ("visits", "days_since_last_contact", "age_days", "unanswered_calls"):
            filled[col] = pd.to_numeric(filled[col], errors="coerce")
        return np.column_stack([np.asarray(pd.Series(rule[1](filled)).fillna(False), dtype=bool)
                                for rule in self.RULES])

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """Total points per row."""
        return self._hits(X) @ np.array([r[2] for r in self.RULES], dtype=float)

    def fit(self, X: pd.DataFrame, y: Any) -> "RuleScorer":
        """Set the points-to-probability mapping (see the class docstring); returns self."""
        y = np.asarray(y).astype(int)
        pts = self.points(X)
        self.classes_ = np.array([0, 1])
        self.intercept_, self.slope_ = self.DEFAULT_INTERCEPT, self.DEFAULT_SLOPE
        self.calibrated_ = False
        n_pos = int(y.sum())
        if self.calibrate and min(n_pos, len(y) - n_pos) >= self.min_per_class and np.ptp(pts) > 0:
            from sklearn.linear_model import LogisticRegression

            lr = LogisticRegression(C=100.0).fit(pts.reshape(-1, 1), y)
            if lr.coef_[0, 0] > 0:  # keep the documented ranking; a negative slope would invert it
                self.intercept_, self.slope_ = float(lr.intercept_[0]), float(lr.coef_[0, 0])
                self.calibrated_ = True
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "slope_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit() first.")

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of not won and won per row."""
        self._check_fitted()
        z = self.intercept_ + self.slope_ * self.points(X)
        p = 1.0 / (1.0 + np.exp(-z))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the probability of winning is at least 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def explain(self, X: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
        """The rules that fired for each row, largest effect first: row, rank, feature, value, contribution."""
        self._check_fitted()
        hits = self._hits(X)
        pts = np.array([r[2] for r in self.RULES], dtype=float)
        x = X.reset_index(drop=True)
        records = []
        for i in range(len(x)):
            fired = [(abs(pts[j]), j) for j in np.flatnonzero(hits[i])]
            fired.sort(key=lambda t: (-t[0], t[1]))
            for rank, (_, j) in enumerate(fired[:top], start=1):
                feature = self.RULES[j][0]
                records.append({"row": i, "rank": rank, "feature": feature, "value": x.at[i, feature],
                                "contribution": pts[j] * self.slope_})
        return pd.DataFrame.from_records(records, columns=["row", "rank", "feature", "value", "contribution"])


# =========================================================================== reasons in words


_CHANNEL_ZH = {"walk_in": "来店", "phone": "来电", "online": "网络(DCC)", "referral": "转介绍", "event": "车展活动"}
_CHANNEL_EN = {"walk_in": "walk-in", "phone": "phone", "online": "online (DCC)", "referral": "referral",
               "event": "event"}


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def reason_text(feature: str, value: Any, contribution: float = 0.0, *, lang: str = "en") -> str:
    """One explanation in words, e.g. ``("test_drive", True)`` → "test drive taken" / "已试驾".

    Parameters
    ----------
    feature : str
        A feature of :func:`build_features` (other names are shown as ``feature = value``).
    value : object
        The lead's value of the feature.
    contribution : float
        Its effect on the log-odds (the sign picks the wording where the value alone is ambiguous).
    lang : "en" or "zh"
    """
    zh = lang == "zh"
    n = _num(value)
    whole = int(round(n)) if not math.isnan(n) else None
    yes = bool(value) if isinstance(value, (bool, np.bool_)) else (not math.isnan(n) and n > 0)
    if feature == "test_drive":
        return ("已试驾" if yes else "尚未试驾") if zh else ("test drive taken" if yes else "no test drive yet")
    if feature == "quoted":
        return ("已报价" if yes else "尚未报价") if zh else ("price quoted" if yes else "no price quote yet")
    if feature == "negotiating":
        return ("议价中" if yes else "尚未议价") if zh else ("negotiating the price" if yes else "not negotiating yet")
    if feature == "trade_in":
        return ("有置换意向" if yes else "无置换意向") if zh else ("car to trade in" if yes else "no trade-in")
    if feature == "finance":
        return ("有贷款意向" if yes else "无贷款意向") if zh else ("wants a loan" if yes else "no loan wanted")
    if feature == "visits" and whole is not None:
        if zh:
            return "未到店" if whole == 0 else ("二次到店" if whole == 2 else f"到店{whole}次")
        return {0: "never visited the showroom", 1: "one showroom visit", 2: "second visit"}.get(
            whole, f"{whole} showroom visits")
    if feature == "days_since_last_contact" and whole is not None:
        if contribution < 0 or whole > 7:
            return f"{whole}天未联系" if zh else f"no contact for {whole} days"
        return (f"{whole}天前联系过" if whole else "今天联系过") if zh else \
            (f"contacted {whole} days ago" if whole != 1 else "contacted yesterday") if whole else "contacted today"
    if feature == "mean_days_between_contacts":
        if math.isnan(n):
            return "尚未跟进" if zh else "not yet followed up"
        return f"平均每{n:.0f}天联系一次" if zh else f"contacted every {n:.0f} days on average"
    if feature == "longest_gap_days" and whole is not None:
        return f"曾{whole}天未联系" if zh else f"once went {whole} days without contact"
    if feature == GRADE_FEATURE:
        grade = {4: "H", 3: "A", 2: "B", 1: "C"}.get(whole, "N") if whole is not None else "N"
        if grade == "N":
            return "顾问尚未评级" if zh else "not graded by the consultant"
        return f"顾问评为{grade}级" if zh else f"consultant graded {grade}"
    recent = {"days_since_last_visit": ("last showroom visit {n} days ago", "no showroom visit yet",
                                        "{n}天前到店", "尚未到店"),
              "days_since_test_drive": ("test drive {n} days ago", "no test drive yet", "{n}天前试驾", "尚未试驾"),
              "days_since_quote": ("price quoted {n} days ago", "no price quote yet", "{n}天前报价", "尚未报价")}
    if feature in recent:
        en_n, en_none, zh_n, zh_none = recent[feature]
        if whole is None:
            return zh_none if zh else en_none
        if whole == 0:
            return {"days_since_last_visit": ("今天到店", "visited the showroom today"),
                    "days_since_test_drive": ("今天试驾", "test drive today"),
                    "days_since_quote": ("今天报价", "price quoted today")}[feature][0 if zh else 1]
        return (zh_n if zh else en_n).format(n=whole) if (zh or whole != 1) else en_n.replace("{n} days", "1 day")
    if feature == "age_days" and whole is not None:
        return f"建档{whole}天" if zh else f"registered {whole} days ago"
    counted = {  # feature: (English for n, English for none, Chinese for n, Chinese for none)
        "contacts": ("{n} follow-up contacts", "not yet followed up", "已跟进{n}次", "尚未跟进"),
        "calls": ("{n} calls", "no call yet", "电话{n}次", "尚未电话联系"),
        "wechat_contacts": ("{n} WeChat contacts", "no WeChat contact yet", "微信联系{n}次", "尚未微信联系"),
        "sms_contacts": ("{n} text messages", "no text message yet", "短信{n}次", "尚未短信联系"),
        "unanswered_calls": ("{n} unanswered calls", "every call answered", "{n}次未接通", "电话均已接通"),
        "invitations": ("invited {n} times", "not yet invited", "已邀约{n}次", "尚未邀约"),
        "contacts_last_14_days": ("{n} contacts in the last 14 days", "no contact in the last 14 days",
                                  "近14天联系{n}次", "近14天未联系"),
    }
    if feature in counted and whole is not None:
        en_n, en_none, zh_n, zh_none = counted[feature]
        if whole == 0:
            return zh_none if zh else en_none
        if whole == 1 and not zh:
            return {"invitations": "invited to the showroom", "calls": "one call", "contacts": "one follow-up contact",
                    "unanswered_calls": "one unanswered call"}.get(feature, en_n.format(n=1))
        return (zh_n if zh else en_n).format(n=whole)
    if feature == "first_contact_delay_hours":
        if whole is None:
            return "尚未首次跟进" if zh else "not yet followed up"
        if n < 1:
            return "1小时内首次跟进" if zh else "first follow-up within the hour"
        if n < 48:
            return f"首次跟进用时{whole}小时" if zh else f"first follow-up after {whole} hour{'s' if whole != 1 else ''}"
        days = int(round(n / 24))
        return f"首次跟进用时{days}天" if zh else f"first follow-up after {days} days"
    if feature == "channel":
        label = (_CHANNEL_ZH if zh else _CHANNEL_EN).get(str(value), str(value))
        return f"来源：{label}" if zh else f"came in by {label}"
    if feature == "model_interest":
        return f"意向车型：{value}" if zh else f"interested in {value}"
    if feature == "consultant_id":
        if zh:
            return f"顾问{value}的线索成交{'较多' if contribution >= 0 else '较少'}"
        return f"consultant {value}'s leads convert {'more' if contribution >= 0 else 'less'} often"
    if feature == "store_id":
        return f"门店：{value}" if zh else f"store {value}"
    return f"{feature} = {value}"


def explain_leads(scorer: Any, X: pd.DataFrame, *, top: int = 3, lang: str = "en") -> pd.DataFrame:
    """Top reasons per row in words: columns reason_1 … reason_{top} (index aligned with ``X``'s rows).

    ``scorer.explain`` gives the features with the largest effect on each row's log-odds; each becomes a phrase by
    :func:`reason_text`, with a sign (+ raises, − lowers the score).
    """
    columns = [f"reason_{k}" for k in range(1, top + 1)]
    if len(X) == 0:
        return pd.DataFrame(columns=columns, index=X.index, dtype=object)
    expl = scorer.explain(X, top=top)
    out = pd.DataFrame(None, index=range(len(X)), columns=columns, dtype=object)
    for row, rank, feature, value, contribution in expl[["row", "rank", "feature", "value", "contribution"]] \
            .itertuples(index=False):
        if rank > top:
            continue
        base = _base_feature(str(feature))
        sign = "+" if contribution >= 0 else "−"
        out.iat[int(row), int(rank) - 1] = f"{sign} {reason_text(base, value, contribution, lang=lang)}"
    out.index = X.index
    return out


def _base_feature(feature: str) -> str:
    """Map an encoded feature name ('channel_online', 'channel=online') back to its column."""
    if feature in FEATURE_COLUMNS:
        return feature
    for col in sorted(FEATURE_COLUMNS, key=len, reverse=True):
        if feature.startswith(col + "_") or feature.startswith(col + "=") or feature.startswith(col + " "):
            return col
    return feature


# =========================================================================== fitting


@dataclass
class LeadModel:
    """A fitted lead scorer and how it was chosen.

    Attributes
    ----------
    scorer : LeadScorer or RuleScorer
        Fitted; ``scorer.predict_proba(features[FEATURE_COLUMNS])``.
    method : str
        "model" (the statistical LeadScorer) or "rules" (the transparent :class:`RuleScorer`).
    trustworthy : bool
        True when the training data met ``min_closed_leads`` and ``min_conversions``.
    reason : str
        Why this method, in plain English, e.g. "412 closed leads (38 won) below the minimum of 1,000 (100 won):
        transparent rules used."
    n_closed, n_won : int
        Leads closed (won or lost) by the training cut date, and the won ones among them.
    n_rows : int
        Training rows (lead × as-of date).
    as_of : Timestamp
    window_days : int
    features : tuple of str
        The scorer's inputs: :data:`FEATURE_COLUMNS`, plus :data:`GRADE_FEATURE` when trained with a grade log.
    """

    scorer: Any
    method: str
    trustworthy: bool
    reason: str
    n_closed: int
    n_won: int
    n_rows: int
    as_of: pd.Timestamp
    window_days: int
    features: tuple = FEATURE_COLUMNS

    def message(self, *, lang: str = "en") -> str:
        """The reason in the report language."""
        if lang != "zh":
            return self.reason
        if self.method == "model" and self.trustworthy:
            return f"模型基于{self.n_closed:,}条已关闭线索（成交{self.n_won:,}条）训练，达到可信门槛。"
        if self.method == "model":
            return (f"已关闭线索{self.n_closed:,}条（成交{self.n_won:,}条），低于可信门槛，但按要求使用了模型："
                    "结果仅供参考。")
        if self.trustworthy:
            return f"已关闭线索{self.n_closed:,}条（成交{self.n_won:,}条）：按要求使用透明的打分规则。"
        return (f"已关闭线索{self.n_closed:,}条（成交{self.n_won:,}条），低于可信模型所需的数量："
                "暂用透明的打分规则。")


def _count_closed(leads: pd.DataFrame, cut: pd.Timestamp) -> tuple[int, int]:
    """Leads closed (won or lost) on or before ``cut``, and the won ones among them."""
    closed = (leads["status"] != "open") & (leads["closed_at"] <= cut)
    return int(closed.sum()), int((closed & (leads["status"] == "won")).sum())


def _choose_and_fit(training: pd.DataFrame, s: LeadSettings, *, method: str, scorer: Any, as_of: pd.Timestamp,
                    counts: tuple[int, int], features: Sequence[str] = FEATURE_COLUMNS) -> LeadModel:
    if method not in ("auto", "model", "rules"):
        raise ConfigError(f"method: expected auto, model or rules; got {method!r}.")
    n_closed, n_won = counts
    y = training[LABEL].astype(int).to_numpy() if len(training) else np.zeros(0, dtype=int)
    enough = n_closed >= s.min_closed_leads and n_won >= s.min_conversions
    both = len(y) > 0 and 0 < y.sum() < len(y)
    minimum = f"the minimum of {s.min_closed_leads:,} ({s.min_conversions:,} won)"
    counts = f"{n_closed:,} closed leads ({n_won:,} won)"
    use_model = both and (method == "model" or (method == "auto" and enough))
    if use_model:
        reason = (f"{counts} meet {minimum}: the statistical model is used." if enough else
                  f"{counts} are below {minimum}, but the model was requested: treat its numbers with care.")
        est = clone(scorer) if scorer is not None else LeadScorer()
        est.fit(training[list(features)], y)
        used = "model"
    else:
        if method == "model" and not both:
            reason = f"{counts}: the model needs both won and not-won leads; transparent rules used instead."
        elif method == "rules":
            reason = f"{counts}: transparent rules used as requested."
        else:
            reason = f"{counts} are below {minimum}: the model is not yet trustworthy; transparent rules used."
        est = RuleScorer()
        X = training[list(FEATURE_COLUMNS)] if len(training) else _empty_features()
        est.fit(X, y)
        used = "rules"
    return LeadModel(scorer=est, method=used, trustworthy=bool(enough), reason=reason, n_closed=n_closed,
                     n_won=n_won, n_rows=len(training), as_of=as_of, window_days=s.conversion_window_days,
                     features=tuple(features) if used == "model" else FEATURE_COLUMNS)


def _with_grade(rows: pd.DataFrame, leads: pd.DataFrame, grade_log: pd.DataFrame) -> pd.DataFrame:
    """``rows`` plus :data:`GRADE_FEATURE`: the lead's grade as known on each as-of date (from the grade log)."""
    return rows.assign(**{GRADE_FEATURE: grade_rank(pd.Series(_grades_at(rows, leads, grade_log))).to_numpy()})


def _scoring_grade_log(known: pd.DataFrame, grade_log: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame:
    """The grade log for scoring on ``day``: the given log plus each open lead's current grade, recorded today."""
    current = known.loc[known["status"] == "open", ["lead_id"]].assign(
        grade=known.loc[known["status"] == "open", "grade"].to_numpy(dtype=object) if "grade" in known.columns
        else "N", at=day)
    if grade_log is None:
        base = known[["lead_id", "created_at"]].rename(columns={"created_at": "at"}).iloc[:0].assign(grade=None)
    else:
        base = grade_log[["lead_id", "grade"]].assign(
            lead_id=grade_log["lead_id"].astype(str),
            at=pd.to_datetime(grade_log["at"]) if "at" in grade_log.columns else
            grade_log["lead_id"].astype(str).map(known.set_index("lead_id")["created_at"]))
    return pd.concat([base[["lead_id", "grade", "at"]], current[["lead_id", "grade", "at"]]], ignore_index=True)


def _empty_features() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in FEATURE_COLUMNS})


def fit_lead_model(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                   settings: LeadSettings | Mapping | None = None, method: str = "auto",
                   scorer: Any = None, grade_log: pd.DataFrame | None = None) -> LeadModel:
    """Train the lead scorer on everything known on ``as_of``, or fall back to the transparent rules.

    The training set (:func:`build_training_set`) uses as-of dates every ``snapshot_every_days`` days whose
    conversion window ended by ``as_of``, so every label is known. With fewer closed leads than
    ``min_closed_leads`` or fewer won leads than ``min_conversions`` (``method="auto"``), or with only one outcome,
    :class:`RuleScorer` is used; the returned :class:`LeadModel` says which and why.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`.
    as_of : date-like
        Training uses only what was known on this day.
    settings : LeadSettings, optional
    method : {"auto", "model", "rules"}
        Force the model or the rules; "auto" decides by the minimums.
    scorer : estimator, optional
        Unfitted classifier to use instead of ``LeadScorer()`` (cloned).
    grade_log : DataFrame, optional
        lead_id, grade and optionally ``at``: the consultants' grades as recorded before the outcome (e.g. the
        month-end 意向客户级别状况表). When given, the consultant's grade on each as-of date becomes one more model
        input (:data:`GRADE_FEATURE`), so the score combines their judgement with the lead's behaviour; pass the
        same log to :func:`score_open_leads`.

    Returns
    -------
    LeadModel
    """
    s = _settings(settings)
    lead_frame = _prepare_leads(leads, _FEATURE_SOURCE)
    follow = _prepare_followups(followups, lead_frame)
    day = _as_day(as_of, "as_of")
    last_label_day = day - pd.Timedelta(days=s.conversion_window_days)
    dates = snapshot_dates(lead_frame["created_at"].min(), last_label_day, every_days=s.snapshot_every_days)
    training = _training_set(lead_frame, follow, dates, s.conversion_window_days, day)
    features: tuple = FEATURE_COLUMNS
    if grade_log is not None:
        _require(grade_log, "grade_log", ("lead_id", "grade"))
        training = _with_grade(training, lead_frame, grade_log)
        features = (*FEATURE_COLUMNS, GRADE_FEATURE)
    return _choose_and_fit(training, s, method=method, scorer=scorer, as_of=day, features=features,
                           counts=_count_closed(lead_frame, day))


def signal_effects(model: LeadModel | Any, X: pd.DataFrame, *,
                   flags: Sequence[str] = ("test_drive", "quoted", "negotiating", "trade_in", "finance"),
                   categories: Mapping[str, str] | None = None) -> pd.DataFrame:
    """What moves the score: average change in log-odds when a signal is switched on, other inputs as they are.

    For each yes/no feature in ``flags`` every row is scored twice, with the feature set to yes and to no; for each
    categorical feature in ``categories`` (feature -> reference level, default ``{"channel": "online"}``) every row
    is scored with each level. The effect is the mean difference of the log-odds (a partial-dependence contrast):
    for a model without interactions it equals the coefficient.

    Parameters
    ----------
    model : LeadModel or fitted scorer
    X : DataFrame
        Inputs the scorer was trained on (e.g. :func:`build_training_set` rows).
    flags : sequence of str
    categories : mapping, optional

    Returns
    -------
    DataFrame
        feature, level, effect_log_odds (sorted from the largest effect), odds_ratio.
    """
    scorer = model.scorer if isinstance(model, LeadModel) else model
    features = list(model.features) if isinstance(model, LeadModel) else list(X.columns)
    base = X[features].reset_index(drop=True)
    categories = {"channel": "online"} if categories is None else dict(categories)

    def logit(frame: pd.DataFrame) -> np.ndarray:
        p = np.clip(scorer.predict_proba(frame)[:, 1], 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    rows = []
    for flag in flags:
        if flag in base.columns:
            effect = logit(base.assign(**{flag: True})) - logit(base.assign(**{flag: False}))
            rows.append({"feature": flag, "level": "yes", "effect_log_odds": float(effect.mean())})
    for col, reference in categories.items():
        if col not in base.columns:
            continue
        ref = logit(base.assign(**{col: reference}))
        for level in sorted(set(base[col].dropna().astype(str)) - {reference}):
            effect = logit(base.assign(**{col: level})) - ref
            rows.append({"feature": col, "level": f"{level} vs {reference}", "effect_log_odds": float(effect.mean())})
    out = pd.DataFrame(rows, columns=["feature", "level", "effect_log_odds"])
    out = out.sort_values("effect_log_odds", ascending=False, kind="stable").reset_index(drop=True)
    out["odds_ratio"] = np.exp(out["effect_log_odds"])
    return out


# =========================================================================== the call list


@dataclass
class LeadScores:
    """Scores of the open leads and how they were made.

    Attributes
    ----------
    call_list : DataFrame
        One row per open lead, ordered by consultant then score (see :func:`score_open_leads`).
    method : str
        "model" or "rules".
    trustworthy : bool
    reason : str
        Why this method, in the report language.
    model : LeadModel
    """

    call_list: pd.DataFrame
    method: str
    trustworthy: bool
    reason: str
    model: LeadModel


def score_open_leads(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any, model: LeadModel | None = None,
                     settings: LeadSettings | Mapping | None = None, staff: pd.DataFrame | None = None,
                     lang: str = "en", mask_personal: bool = True,
                     grade_log: pd.DataFrame | None = None) -> LeadScores:
    """This week's call list: every lead open on ``as_of`` with its score, grades and reasons.

    A follow-up is overdue when the days since the last contact exceed the cadence of the higher of the kit's and
    the consultant's grade (the consultant's own plan and the kit's advice both count); ``next_contact_due`` is the
    last contact plus that cadence.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`; ``customer_name`` and ``phone`` are shown when present.
    as_of : date-like
    model : LeadModel, optional
        From :func:`fit_lead_model`; trained here on data known on ``as_of`` when None.
    settings : LeadSettings, optional
    staff : DataFrame, optional
        Roster (staff_id, name) to show the consultant's name.
    lang : "en" or "zh"
        Language of the reasons.
    mask_personal : bool
        Mask customer and consultant names and phones (``138****5678``).
    grade_log : DataFrame, optional
        The grade log the model was trained with (see :func:`fit_lead_model`); each open lead's current grade
        from the leads table is added to it as recorded on ``as_of``.

    Returns
    -------
    LeadScores
        ``call_list`` columns: consultant_id, (consultant_name), priority (1 = call first, per consultant),
        lead_id, customer_name, phone, store_id, channel, model_interest, created_at, probability, kit_grade,
        consultant_grade, days_since_last_contact, cadence_days, overdue, next_contact_due, reason_1..3, scored_by.
    """
    s = _settings(settings)
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang: expected en or zh; got {lang!r}.")
    lead_frame = _prepare_leads(leads, _FEATURE_SOURCE)
    follow = _prepare_followups(followups, lead_frame)
    day = _as_day(as_of, "as_of")
    if model is None:
        model = fit_lead_model(lead_frame, follow, as_of=day, settings=s, grade_log=grade_log)
    known = _known_as_of(lead_frame, day)
    feats = _features(known, _prepare_activity(known, follow.loc[follow["at"] < day + pd.Timedelta(days=1)]), day)
    if GRADE_FEATURE in model.features:
        feats = _with_grade(feats, known, _scoring_grade_log(known, grade_log, day))
    X = feats[list(model.features)]
    prob = model.scorer.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
    info = known.set_index("lead_id")
    out = pd.DataFrame({"consultant_id": feats["consultant_id"].to_numpy(), "lead_id": feats["lead_id"].to_numpy()})
    if staff is not None:
        _require(staff, "staff", ("staff_id", "name"))
        names = staff.assign(staff_id=staff["staff_id"].astype(str)).drop_duplicates("staff_id") \
            .set_index("staff_id")["name"]
        out["consultant_name"] = out["consultant_id"].map(names).to_numpy(dtype=object)
    for col in ("customer_name", "phone"):
        if col in info.columns:
            out[col] = info[col].reindex(feats["lead_id"]).to_numpy(dtype=object)
    for col in ("store_id", "channel", "model_interest"):
        out[col] = feats[col].to_numpy(dtype=object)
    out["created_at"] = info["created_at"].reindex(feats["lead_id"]).to_numpy()
    out["probability"] = prob
    out["kit_grade"] = grade_from_probability(prob, settings=s) if len(prob) else np.array([], dtype=object)
    consultant_grade = info["grade"].reindex(feats["lead_id"]) if "grade" in info.columns else \
        pd.Series(None, index=feats["lead_id"], dtype=object)
    out["consultant_grade"] = consultant_grade.map(_clean_grade).to_numpy(dtype=object)
    out["days_since_last_contact"] = feats["days_since_last_contact"].to_numpy()
    kit_cad = np.asarray(cadence_days(out["kit_grade"], settings=s), dtype=int)
    own_cad = np.asarray(cadence_days(out["consultant_grade"], settings=s), dtype=int)
    out["cadence_days"] = np.minimum(kit_cad, own_cad) if len(out) else np.zeros(0, dtype=int)
    out["overdue"] = out["days_since_last_contact"] > out["cadence_days"]
    last_contact = day - pd.to_timedelta(out["days_since_last_contact"], unit="D")
    out["next_contact_due"] = (last_contact + pd.to_timedelta(out["cadence_days"], unit="D")).to_numpy()
    reasons = explain_leads(model.scorer, X, top=3, lang=lang)
    for col in reasons.columns:
        out[col] = reasons[col].to_numpy(dtype=object)
    out["scored_by"] = model.method
    out = out.sort_values(["consultant_id", "probability", "lead_id"], ascending=[True, False, True],
                          kind="stable").reset_index(drop=True)
    out["priority"] = out.groupby("consultant_id", sort=False).cumcount() + 1
    first = [c for c in ("consultant_id", "consultant_name", "priority", "lead_id") if c in out.columns]
    out = out[first + [c for c in out.columns if c not in first]]
    if mask_personal:
        out = _report.mask_personal(out, names=("customer_name", "consultant_name"), phones=("phone",))
    return LeadScores(call_list=out, method=model.method, trustworthy=model.trustworthy,
                      reason=model.message(lang=lang), model=model)


def mask_name(name: Any) -> Any:
    """Mask a name, keeping the first character ('张伟' → '张*'); a Series is masked element-wise.

    Delegates to :func:`kit.report.mask_name`, the kit's one masking rule.
    """
    if isinstance(name, pd.Series):
        return name.map(_report.mask_name)
    return _report.mask_name(name)


def mask_phone(phone: Any) -> Any:
    """Mask a phone number, keeping the first three and last four digits ('13812345678' → '138****5678').

    A Series is masked element-wise; delegates to :func:`kit.report.mask_phone`.
    """
    if isinstance(phone, pd.Series):
        return phone.map(_report.mask_phone)
    return _report.mask_phone(phone)


# =========================================================================== hold-out quality check


@dataclass
class HoldoutReport:
    """How well the score ranks buyers on recent leads the model never saw (see :func:`evaluate_holdout`).

    Attributes
    ----------
    metrics : DataFrame
        One row per scorer ("kit", "consultant grades", and "kit, same leads" when not every test lead carries a
        consultant grade): roc_auc, average_precision, brier, top20_capture, base_rate, n (test lead-dates),
        n_positive (of them won within the window).
    gains, calibration : DataFrame
        :func:`kit.models.gains_table` and :func:`kit.models.calibration_table` of the kit's scores.
    by_band : DataFrame
        score_band, leads, buyers, conversion_rate, mean_score.
    by_grade : DataFrame
        grade, kit_leads, kit_buyers, kit_conversion_rate, consultant_leads, consultant_buyers,
        consultant_conversion_rate.
    scored : DataFrame
        The test rows: lead_id, as_of, consultant_id, channel, model_interest, consultant_grade, probability,
        kit_grade, won_within_window; input of :func:`grade_audit`.
    method, trustworthy, reason
        As in :class:`LeadModel`, for the model trained before ``split_date``.
    split_date : Timestamp or None
        Test leads were registered on or after it; training used only outcomes known before it.
    n_train_rows, n_test_rows, n_test_leads : int
    message : str
        One-sentence summary or why the check could not run.
    model : LeadModel or None
        The model trained before ``split_date`` (e.g. for :func:`signal_effects` on ``scored``).
    """

    metrics: pd.DataFrame
    gains: pd.DataFrame
    calibration: pd.DataFrame
    by_band: pd.DataFrame
    by_grade: pd.DataFrame
    scored: pd.DataFrame
    method: str
    trustworthy: bool
    reason: str
    split_date: pd.Timestamp | None
    n_train_rows: int
    n_test_rows: int
    n_test_leads: int
    message: str
    model: LeadModel | None = None


_METRIC_COLUMNS = ["scorer", "roc_auc", "average_precision", "brier", "top20_capture", "base_rate", "n", "n_positive"]


def _band_labels(edges: Sequence[float]) -> list[str]:
    def pct(x: float) -> str:
        return f"{x * 100:g}"
    return [f"{pct(a)}–{pct(b)} %" for a, b in zip(edges, edges[1:])]


def conversion_by_band(y: Any, probability: Any, *, settings: LeadSettings | Mapping | None = None) -> pd.DataFrame:
    """Observed conversion per score band (edges ``score_bands``; each band includes its lower edge).

    Returns
    -------
    DataFrame
        score_band, leads, buyers, conversion_rate, mean_score (every band, empty ones with zero leads).
    """
    s = _settings(settings)
    y = np.asarray(y, dtype=float)
    p = np.asarray(probability, dtype=float)
    edges = np.array(s.score_bands, dtype=float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    labels = _band_labels(s.score_bands)
    rows = []
    for k, label in enumerate(labels):
        m = idx == k
        n = int(m.sum())
        buyers = int(y[m].sum()) if n else 0
        rows.append({"score_band": label, "leads": n, "buyers": buyers,
                     "conversion_rate": buyers / n if n else np.nan,
                     "mean_score": float(p[m].mean()) if n else np.nan})
    return pd.DataFrame(rows)


def _grade_table(y: np.ndarray, kit: np.ndarray, consultant: np.ndarray) -> pd.DataFrame:
    rows = []
    for g in KIT_GRADES:
        mk, mc = kit == g, consultant == g
        row = {"grade": g}
        for name, m in (("kit", mk), ("consultant", mc)):
            n = int(m.sum())
            row[f"{name}_leads"] = n
            row[f"{name}_buyers"] = int(y[m].sum()) if n else 0
            row[f"{name}_conversion_rate"] = float(y[m].mean()) if n else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _metrics_row(name: str, y: np.ndarray, p: np.ndarray) -> dict:
    row = {"scorer": name}
    if len(y) and 0 < y.sum() < len(y):
        row.update({k: v for k, v in ranking_metrics(y, p).items()})
    else:
        row.update({"roc_auc": np.nan, "average_precision": np.nan, "brier": np.nan, "top20_capture": np.nan,
                    "base_rate": float(y.mean()) if len(y) else np.nan, "n": len(y), "n_positive": int(y.sum())})
    return row


def _grades_at(rows: pd.DataFrame, leads: pd.DataFrame, grade_log: pd.DataFrame | None) -> np.ndarray:
    """The consultant's grade of each (lead_id, as_of) row as known on the as-of date.

    From ``grade_log`` when given (the latest grade recorded on or before the as-of date when it has an ``at``
    column, else its one grade per lead); otherwise the leads table's ``grade``, where O and F (the outcome itself)
    count as no grade.
    """
    if grade_log is None:
        if "grade" not in leads.columns:
            return np.full(len(rows), "N", dtype=object)
        g = rows["lead_id"].map(leads.set_index("lead_id")["grade"]).map(_clean_grade)
        return g.where(~g.isin(["O", "F"]), "N").to_numpy(dtype=object)
    log = grade_log.copy()
    log["lead_id"] = log["lead_id"].astype(str)
    log["grade"] = log["grade"].map(_clean_grade)
    if "at" not in log.columns:
        dup = log["lead_id"].duplicated(keep=False)
        if dup.any():
            raise DataContractError(f"grade_log {_rows(dup, log, 'lead_id')}: expected one grade per lead without an "
                                    "'at' column; add the date each grade was recorded or keep one row per lead.")
        return rows["lead_id"].map(log.set_index("lead_id")["grade"]).fillna("N").to_numpy(dtype=object)
    log["at"] = pd.to_datetime(log["at"]).astype("datetime64[ns]").dt.normalize()
    probe = pd.DataFrame({"lead_id": rows["lead_id"].astype(str).to_numpy(),
                          "as_of": rows["as_of"].to_numpy().astype("datetime64[ns]"), "pos": np.arange(len(rows))})
    found = pd.merge_asof(probe.sort_values("as_of", kind="stable"), log.sort_values("at", kind="stable")[
        ["lead_id", "at", "grade"]], left_on="as_of", right_on="at", by="lead_id", direction="backward")
    return found.sort_values("pos")["grade"].fillna("N").to_numpy(dtype=object)


def evaluate_holdout(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                     settings: LeadSettings | Mapping | None = None, method: str = "auto",
                     scorer: Any = None, grade_log: pd.DataFrame | None = None,
                     grade_as_feature: bool = True) -> HoldoutReport:
    """Time-based hold-out: train on the past, test on the most recent leads whose outcome is known.

    The most recent ``holdout_share`` of leads (by registration date) with a known outcome are the test leads; they
    are scored at each as-of date while open (every ``holdout_every_days`` days), so the test mirrors the call
    list, which holds leads of every age. The model is trained only on rows whose conversion window ended before
    the first test lead was registered, so it saw neither the test leads nor any outcome after the split. The
    consultants' grades are scored the same way with H > A > B > C as an ordinal score (N, O, F and empty grades
    are left out); their Brier score uses each grade's conversion rate in the training rows as its probability.

    The leads table keeps only each lead's latest grade, which is O or F once the lead closed, so the consultants'
    grades of the closed test leads are known only from a grade log: the grades as recorded before the outcome,
    e.g. the month-end 意向客户级别状况表 (DOMAIN §1.1). Without one the comparison uses the grades left in the
    table (open leads only) and ``message`` says so.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`.
    as_of : date-like
        Everything known on this day; test rows need their window to end by then.
    settings : LeadSettings, optional
    method : {"auto", "model", "rules"}
        As for :func:`fit_lead_model` (the minimums are checked on the training rows).
    scorer : estimator, optional
        Unfitted classifier instead of ``LeadScorer()``.
    grade_log : DataFrame, optional
        lead_id, grade and optionally ``at`` (the day the grade was recorded): consultants' grades before the
        outcome. With ``at`` each test row takes the latest grade recorded on or before its as-of date.
    grade_as_feature : bool
        With a grade log, let the model use the consultant's grade as an input (as :func:`fit_lead_model` does);
        False scores on the lead's behaviour alone.

    Returns
    -------
    HoldoutReport
        Never raises for too little data: the tables are then empty and ``message`` says why.
    """
    s = _settings(settings)
    lead_frame = _prepare_leads(leads, _FEATURE_SOURCE)
    follow = _prepare_followups(followups, lead_frame)
    day = _as_day(as_of, "as_of")
    window = s.conversion_window_days
    dates = snapshot_dates(lead_frame["created_at"].min(), day - pd.Timedelta(days=window),
                           every_days=s.holdout_every_days)
    panel = _training_set(lead_frame, follow, dates, window, day)
    created = lead_frame.set_index("lead_id")["created_at"]
    if grade_log is not None:
        _require(grade_log, "grade_log", ("lead_id", "grade"))

    def empty(message: str, **extra: Any) -> HoldoutReport:
        return HoldoutReport(
            metrics=pd.DataFrame(columns=_METRIC_COLUMNS), gains=pd.DataFrame(), calibration=pd.DataFrame(),
            by_band=pd.DataFrame(columns=["score_band", "leads", "buyers", "conversion_rate", "mean_score"]),
            by_grade=pd.DataFrame(), scored=pd.DataFrame(), method=extra.get("method", "none"),
            trustworthy=False, reason=extra.get("reason", message), split_date=extra.get("split_date"),
            n_train_rows=extra.get("n_train_rows", 0), n_test_rows=extra.get("n_test_rows", 0),
            n_test_leads=extra.get("n_test_leads", 0), message=message)

    if panel.empty:
        return empty(f"No lead has a known outcome yet: the check needs leads registered at least {window} days "
                     f"before {day:%Y-%m-%d}.")
    panel_created = panel["lead_id"].map(created)
    lead_dates = created.loc[panel["lead_id"].unique()].sort_values(kind="stable")
    split_date = lead_dates.iloc[min(len(lead_dates) - 1, int(len(lead_dates) * (1 - s.holdout_share)))]
    test = panel.loc[(panel_created >= split_date).to_numpy()].reset_index(drop=True)
    # training sees the data as it stood on the split date, on as-of dates whose window ended by then
    train_dates = snapshot_dates(lead_frame["created_at"].min(), split_date - pd.Timedelta(days=window),
                                 every_days=s.snapshot_every_days)
    train = _training_set(lead_frame, follow, train_dates, window, split_date)
    if train.empty or test.empty:
        return empty(f"Too little history for a hold-out check: {len(train):,} training rows before "
                     f"{split_date:%Y-%m-%d} and {len(test):,} test rows after it.", split_date=split_date,
                     n_train_rows=len(train), n_test_rows=len(test))
    features: tuple = FEATURE_COLUMNS
    if grade_log is not None and grade_as_feature:
        train, test = _with_grade(train, lead_frame, grade_log), _with_grade(test, lead_frame, grade_log)
        features = (*FEATURE_COLUMNS, GRADE_FEATURE)
    model = _choose_and_fit(train, s, method=method, scorer=scorer, as_of=split_date, features=features,
                            counts=_count_closed(lead_frame, split_date))
    y = test[LABEL].astype(int).to_numpy()
    p = model.scorer.predict_proba(test[list(model.features)])[:, 1]
    kit_grade = np.asarray(grade_from_probability(p, settings=s), dtype=object)
    consultant_grade = _grades_at(test, lead_frame, grade_log)
    scored = pd.DataFrame({
        "lead_id": test["lead_id"], "as_of": test["as_of"], "consultant_id": test["consultant_id"],
        "channel": test["channel"], "model_interest": test["model_interest"],
        "consultant_grade": consultant_grade, "probability": p, "kit_grade": kit_grade, LABEL: y.astype(bool)})
    n_leads = int(test["lead_id"].nunique())
    base = dict(method=model.method, reason=model.reason, split_date=split_date, n_train_rows=len(train),
                n_test_rows=len(test), n_test_leads=n_leads)
    if not 0 < y.sum() < len(y):
        report = empty(f"The {n_leads:,} test leads registered since {split_date:%Y-%m-%d} have only one outcome "
                       f"({int(y.sum()):,} won): ranking cannot be measured yet.", **base)
        report.scored, report.model = scored, model
        return report
    rows = [_metrics_row("kit", y, p)]
    rank = pd.Series(consultant_grade).map(GRADE_RANK).to_numpy(dtype=float)
    valid = ~np.isnan(rank)
    if 0 < y[valid].sum() < valid.sum():     # the grades can be judged only on graded leads with both outcomes
        crow = _metrics_row("consultant grades", y[valid], rank[valid] / 4.0)
        train_grade = _grades_at(train, lead_frame, grade_log)
        rates = train.groupby(train_grade)[LABEL].mean()
        fallback = float(train[LABEL].mean())
        p_grade = pd.Series(consultant_grade[valid]).map(rates).fillna(fallback).to_numpy(dtype=float)
        crow["brier"] = float(np.mean((p_grade - y[valid]) ** 2))
        rows.append(crow)
        if not valid.all():
            rows.append(_metrics_row("kit, same leads", y[valid], p[valid]))
    metrics = pd.DataFrame(rows, columns=_METRIC_COLUMNS)
    message = (f"Tested on {n_leads:,} leads registered from {split_date:%Y-%m-%d} ({len(test):,} lead-dates, "
               f"{int(y.sum()):,} won within {window} days), scored by the {model.method} trained on "
               f"{len(train):,} earlier lead-dates.")
    if "consultant grades" not in set(metrics["scorer"]) or valid.mean() < 0.5:
        compared = "consultant grades" in set(metrics["scorer"])
        message += (f" {'Only' if compared else 'The consultants’ grades are not compared: only'} "
                    f"{int(valid.sum()):,} of the {len(test):,} test lead-dates carry a grade H/A/B/C"
                    + ("" if grade_log is not None else
                       ": the leads table keeps only the latest grade (O or F once a lead closed); a grade log "
                       "(the month-end 意向客户级别状况表) makes the comparison possible") + ".")
    return HoldoutReport(metrics=metrics, gains=gains_table(y, p), calibration=calibration_table(y, p),
                         by_band=conversion_by_band(y, p, settings=s),
                         by_grade=_grade_table(y, kit_grade, consultant_grade), scored=scored,
                         trustworthy=model.trustworthy, message=message, model=model, **base)


# =========================================================================== funnel


_DENOMINATORS = {
    "cohort": {
        "registered": "enquiries in the traffic table (walk-in, phone, online); numerator: leads registered from "
                      "those channels",
        "test_drive": "leads registered in the period",
        "ordered": "leads registered in the period",
        "delivered": "orders from leads registered in the period",
    },
    "activity": {
        "registered": "enquiries in the traffic table (walk-in, phone, online); numerator: leads registered from "
                      "those channels",
        "test_drive": "leads registered in the period (numerator: first test drives taken in the period)",
        "ordered": "leads registered in the period (numerator: orders signed in the period)",
        "delivered": "orders signed in the period (numerator: cars delivered in the period)",
    },
}
_STEP_RATE = {"registered": "registration_rate", "test_drive": "test_drive_rate", "ordered": "order_rate",
              "delivered": "delivery_rate"}
FUNNEL_STEPS = ("enquiries", "registered", "test_drive", "ordered", "delivered")


def _period(period: Any) -> pd.Period:
    if isinstance(period, pd.Period):
        return period.asfreq("M")
    try:
        return pd.Period(str(period).strip()[:7], freq="M")
    except (TypeError, ValueError):
        raise ConfigError(f"period: expected a month such as 2026-10; got {period!r}.") from None


def _by_list(by: Any, frame: pd.DataFrame, allowed: Sequence[str]) -> list[str]:
    if by is None:
        return []
    cols = [by] if isinstance(by, str) else list(by)
    for col in cols:
        if col not in allowed:
            raise ConfigError(f"by: expected one or more of {', '.join(allowed)}; got {col!r}.")
        if col not in frame.columns:
            raise DataContractError(f"leads: missing column {col} needed for by={col!r}.")
    return cols


def funnel(leads: pd.DataFrame, *, period: Any, traffic: pd.DataFrame | None = None,
           followups: pd.DataFrame | None = None, by: str | Sequence[str] | None = None,
           settings: LeadSettings | Mapping | None = None, basis: str = "cohort") -> pd.DataFrame:
    """Showroom funnel for the month and the trailing 12 months: enquiries → registered → test drive → order →
    delivery, each rate with its denominator named, against the targets.

    Rates (DOMAIN §2.1; the denominator of each is in the ``denominator_name`` column):

    * registration_rate = leads registered from walk-ins, calls and online enquiries ÷ enquiries in ``traffic``
      (empty without a traffic table, or when grouping by something traffic does not record);
    * test_drive_rate = test drives ÷ leads registered in the period;
    * order_rate = orders ÷ leads registered in the period;
    * delivery_rate = deliveries ÷ orders.

    With ``basis="cohort"`` (default) the leads registered in the period are followed to the end of the period:
    how many of *them* took a test drive, ordered and took delivery by then, so every rate lies between 0 and 1.
    With ``basis="activity"`` the counts are the events that happened in the period whoever the lead (as the
    DMS formulas 试乘试驾量 ÷ 新增集客量 count them); rates may then exceed 1.

    Parameters
    ----------
    leads : DataFrame
        lead_id, created_at, status, closed_at, channel, test_drive, and delivered_at when deliveries are wanted.
    period : str or Period
        The month, ``"2026-10"``; the trailing window is the 12 months ending with it.
    traffic : DataFrame, optional
        Contract ``kit.schemas.TRAFFIC`` (date, store_id, channel, visitors).
    followups : DataFrame, optional
        Dates the test drives (outcome ``test_drive``); without it the leads table's ``test_drive`` column is used
        (cohort basis only: it has no date).
    by : str or list of str, optional
        channel, consultant_id, model_interest and/or store_id.
    settings : LeadSettings, optional
        ``funnel_targets``.
    basis : {"cohort", "activity"}

    Returns
    -------
    DataFrame
        window ("month" / "trailing_12_months"), period_start, period_end, the ``by`` columns, step
        (enquiries, registered, test_drive, ordered, delivered), count, rate_name, rate, numerator, denominator,
        denominator_name, target, gap_to_target (rate − target), meets_target. A month with no leads or no closed
        leads gives zero counts and empty rates, not an error.
    """
    s = _settings(settings)
    if basis not in ("cohort", "activity"):
        raise ConfigError(f"basis: expected cohort or activity; got {basis!r}.")
    lf = _prepare_leads(leads, ("channel",))
    by_cols = _by_list(by, lf, ("channel", "consultant_id", "model_interest", "store_id"))
    month = _period(period)
    if followups is not None:
        follow = _prepare_followups(followups, lf)
        td = follow.loc[follow["outcome_code"] == "test_drive"].groupby("lead_id")["at"].min().dt.normalize()
        lf["test_drive_at"] = lf["lead_id"].map(td)
    elif basis == "activity":
        raise DataContractError("funnel(basis='activity') needs followups to date the test drives; pass followups "
                                "or use basis='cohort'.")
    elif "test_drive" not in lf.columns:
        raise DataContractError("leads: missing column test_drive (or pass followups to date the test drives).")
    if "delivered_at" not in lf.columns:
        lf["delivered_at"] = pd.NaT
    tr = None
    if traffic is not None:
        _require(traffic, "traffic", ("date", "channel", "visitors"))
        tr = traffic.copy()
        tr["date"] = pd.to_datetime(tr["date"]).dt.normalize()
        tr["channel"] = _to_text(tr["channel"])
        if "store_id" in tr.columns:
            tr["store_id"] = _to_text(tr["store_id"])
        tr["visitors"] = pd.to_numeric(tr["visitors"], errors="coerce").fillna(0)
    windows = [("month", month.start_time.normalize(), month.end_time.normalize()),
               ("trailing_12_months", (month - 11).start_time.normalize(), month.end_time.normalize())]
    frames = [_funnel_window(lf, tr, name, start, end, by_cols, basis, s) for name, start, end in windows]
    return pd.concat(frames, ignore_index=True)


def _funnel_window(lf: pd.DataFrame, tr: pd.DataFrame | None, name: str, start: pd.Timestamp, end: pd.Timestamp,
                   by: list[str], basis: str, s: LeadSettings) -> pd.DataFrame:
    def within(dates: pd.Series) -> pd.Series:
        return (dates >= start) & (dates <= end)

    key = by or ["_all"]
    frame = lf.assign(_all="all")
    registered = within(frame["created_at"])
    if "test_drive_at" in frame.columns:
        td_cohort = frame["test_drive_at"].notna() & (frame["test_drive_at"] <= end)
        td_activity = within(frame["test_drive_at"])
    else:
        td_cohort = frame["test_drive"].astype(bool)
        td_activity = td_cohort & False
    won = frame["status"] == "won"
    flags = pd.DataFrame({
        "registered": registered,
        "registered_traffic": registered & frame["channel"].isin(TRAFFIC_CHANNELS),
    })
    if basis == "cohort":
        flags["test_drive"] = registered & td_cohort
        flags["ordered"] = registered & won & (frame["closed_at"] <= end)
        flags["delivered"] = registered & (frame["delivered_at"] <= end)
    else:
        flags["test_drive"] = td_activity
        flags["ordered"] = won & within(frame["closed_at"])
        flags["delivered"] = within(frame["delivered_at"])
    flags = flags.fillna(False).astype(int)
    for col in key:
        flags[col] = frame[col].to_numpy(dtype=object)
    active = flags[["registered", "test_drive", "ordered", "delivered"]].sum(axis=1) > 0
    counts = flags.loc[active].groupby(key, sort=True, dropna=False)[
        ["registered", "registered_traffic", "test_drive", "ordered", "delivered"]].sum()
    if not by and counts.empty:
        counts = pd.DataFrame({c: [0] for c in counts.columns}, index=pd.Index(["all"], name="_all"))
    enquiries = _traffic_counts(tr, start, end, by)
    rows = []
    for group, c in counts.iterrows():
        values = dict(zip(key, group if isinstance(group, tuple) else (group,)))
        if enquiries is None:
            enq = np.nan
        elif not by:
            enq = float(enquiries)
        else:
            gkey = tuple(values[k] for k in by)
            if "channel" in by and values["channel"] not in TRAFFIC_CHANNELS:
                enq = np.nan
            else:
                enq = float(enquiries.get(gkey if len(by) > 1 else gkey[0], 0.0))
        steps = {"enquiries": (enq, None, None),
                 "registered": (c["registered"], c["registered_traffic"], enq),
                 "test_drive": (c["test_drive"], c["test_drive"], c["registered"]),
                 "ordered": (c["ordered"], c["ordered"], c["registered"]),
                 "delivered": (c["delivered"], c["delivered"], c["ordered"])}
        for step in FUNNEL_STEPS:
            count, num, den = steps[step]
            rate_name = _STEP_RATE.get(step)
            rate = (num / den) if rate_name and den is not None and not pd.isna(den) and den > 0 else np.nan
            target = s.funnel_targets.get(rate_name) if rate_name else None
            row = {"window": name, "period_start": start, "period_end": end}
            row.update({k: v for k, v in values.items() if k != "_all"})
            row.update({"step": step, "count": float(count) if not pd.isna(count) else np.nan,
                        "rate_name": rate_name, "rate": rate,
                        "numerator": float(num) if num is not None and not pd.isna(den if den is not None else 0)
                        else np.nan,
                        "denominator": float(den) if den is not None and not pd.isna(den) else np.nan,
                        "denominator_name": _DENOMINATORS[basis].get(step),
                        "target": np.nan if target is None else float(target)})
            rows.append(row)
    out = pd.DataFrame(rows, columns=["window", "period_start", "period_end", *by, "step", "count", "rate_name",
                                      "rate", "numerator", "denominator", "denominator_name", "target"])
    out["gap_to_target"] = out["rate"] - out["target"]
    meets = pd.array([pd.NA] * len(out), dtype="boolean")
    has = out["rate"].notna() & out["target"].notna()
    meets[has.to_numpy()] = (out.loc[has, "rate"] >= out.loc[has, "target"]).to_numpy()
    out["meets_target"] = meets
    return out


def _traffic_counts(tr: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp, by: list[str]):
    """Enquiries in the window: a number (no grouping), a Series keyed by the group, or None if not countable."""
    if tr is None:
        return None
    if any(col not in ("channel", "store_id") for col in by) or any(col not in tr.columns for col in by):
        return None
    t = tr.loc[(tr["date"] >= start) & (tr["date"] <= end)]
    if not by:
        return float(t["visitors"].sum())
    return t.groupby(by)["visitors"].sum()


# =========================================================================== follow-up discipline


def followup_discipline(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any,
                        settings: LeadSettings | Mapping | None = None, grades: pd.Series | None = None,
                        lookback_days: int = 90) -> pd.DataFrame:
    """Per consultant: open leads contacted within their grade's cadence, overdue counts, first-contact speed.

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`; ``grade`` is the consultant's grade.
    as_of : date-like
    settings : LeadSettings, optional
        ``followup_cadence_days``.
    grades : Series, optional
        Grade per lead_id to judge against instead of the consultant's own (e.g. the kit's grades).
    lookback_days : int
        First-contact speed is measured on leads registered in the last ``lookback_days`` days up to ``as_of``.

    Returns
    -------
    DataFrame
        consultant_id, open_leads, within_cadence, within_cadence_rate, overdue, overdue_h_a (overdue H and A
        leads), never_contacted (open leads without a follow-up after registration), new_leads,
        median_first_contact_hours (new leads followed up by ``as_of``), first_contact_within_24h_rate (of all
        new leads); a last row ``(all)`` for the team. Empty grades use N's cadence.
    """
    s = _settings(settings)
    lf = _prepare_leads(leads, ("store_id", "channel", "consultant_id", "model_interest", "trade_in", "finance"))
    follow = _prepare_followups(followups, lf)
    day = _as_day(as_of, "as_of")
    known = _known_as_of(lf, day)
    follow = follow.loc[follow["at"] < day + pd.Timedelta(days=1)]
    activity = _prepare_activity(known, follow)
    feats = _features(known, activity, day)
    if grades is not None:
        grade = feats["lead_id"].map(pd.Series(grades).rename(index=str))
    elif "grade" in known.columns:
        grade = feats["lead_id"].map(known.set_index("lead_id")["grade"])
    else:
        grade = pd.Series("N", index=feats.index)
    grade = grade.map(_clean_grade)
    cad = cadence_days(grade, settings=s)
    per_lead = pd.DataFrame({
        "consultant_id": feats["consultant_id"],
        "open_leads": 1,
        "within_cadence": (feats["days_since_last_contact"] <= cad).astype(int),
        "overdue": (feats["days_since_last_contact"] > cad).astype(int),
        "overdue_h_a": ((feats["days_since_last_contact"] > cad) & grade.isin(["H", "A"])).astype(int),
        "never_contacted": (feats["contacts"] == 0).astype(int),
    })
    recent = known.loc[known["created_at"] > day - pd.Timedelta(days=lookback_days)]
    recent_ids = recent["lead_id"].to_numpy(dtype=object)
    registered = activity.registered_at.reindex(recent_ids).to_numpy().astype("datetime64[ns]")
    registered = np.where(np.isnat(registered), recent["created_at"].to_numpy().astype("datetime64[ns]"), registered)
    first = activity.first_contact_at.reindex(recent_ids).to_numpy().astype("datetime64[ns]")
    delay = np.clip(((first - registered) / np.timedelta64(1, "h")).astype(float), 0.0, None)
    speed = pd.DataFrame({"consultant_id": recent["consultant_id"].to_numpy(dtype=object), "delay": delay})

    def summarise(lead_rows: pd.DataFrame, speed_rows: pd.DataFrame) -> dict:
        n_open = int(lead_rows["open_leads"].sum())
        n_new = len(speed_rows)
        return {"open_leads": n_open,
                "within_cadence": int(lead_rows["within_cadence"].sum()),
                "within_cadence_rate": lead_rows["within_cadence"].sum() / n_open if n_open else np.nan,
                "overdue": int(lead_rows["overdue"].sum()),
                "overdue_h_a": int(lead_rows["overdue_h_a"].sum()),
                "never_contacted": int(lead_rows["never_contacted"].sum()),
                "new_leads": n_new,
                "median_first_contact_hours": float(speed_rows["delay"].median()) if speed_rows["delay"].notna().any()
                else np.nan,
                "first_contact_within_24h_rate": float((speed_rows["delay"] <= 24).sum() / n_new) if n_new
                else np.nan}

    consultants = sorted(set(per_lead["consultant_id"]) | set(speed["consultant_id"]))
    rows = [{"consultant_id": c, **summarise(per_lead.loc[per_lead["consultant_id"] == c],
                                             speed.loc[speed["consultant_id"] == c])} for c in consultants]
    rows.append({"consultant_id": ALL_CONSULTANTS, **summarise(per_lead, speed)})
    return pd.DataFrame(rows)


# =========================================================================== grade audit


def grade_audit(scored: pd.DataFrame, *, settings: LeadSettings | Mapping | None = None) -> pd.DataFrame:
    """Consultants' grades against the kit's grades and against what happened.

    ``grade_gap`` = mean(consultant grade rank − kit grade rank) over leads both graded H/A/B/C (H 4 … C 1): above
    0 the consultant grades higher than the kit (inflates), below 0 lower (deflates). A consultant is flagged when
    the gap is at least ``audit_gap_threshold`` in size with at least ``audit_min_leads`` graded leads.
    ``gap_vs_team`` is the gap minus the team's: where the kit's thresholds and the team's habits differ (a whole
    team grading a step above the kit), it shows who is out of line with colleagues. When the outcome column is
    present, the observed conversion of the consultant's H/A leads is set beside that of the kit's H/A leads among
    the same consultant's leads.

    Parameters
    ----------
    scored : DataFrame
        consultant_id, consultant_grade, kit_grade and optionally ``won_within_window`` (e.g.
        ``HoldoutReport.scored``, or a call list, which has no outcome).
    settings : LeadSettings, optional

    Returns
    -------
    DataFrame
        consultant_id, graded_leads, mean_consultant_rank, mean_kit_rank, grade_gap, gap_vs_team, consultant_h_a_share,
        kit_h_a_share, consultant_h_a_conversion, kit_h_a_conversion, conversion_rate, verdict ("inflates",
        "deflates", "in line" or "too few leads"); a last row ``(all)``.
    """
    s = _settings(settings)
    _require(scored, "scored", ("consultant_id", "consultant_grade", "kit_grade"))
    frame = pd.DataFrame({
        "consultant_id": _to_text(scored["consultant_id"]).fillna(UNASSIGNED).to_numpy(dtype=object),
        "c_rank": grade_rank(scored["consultant_grade"]).to_numpy(),
        "k_rank": grade_rank(scored["kit_grade"]).to_numpy(),
    })
    has_outcome = LABEL in scored.columns
    frame["won"] = scored[LABEL].astype(float).to_numpy() if has_outcome else np.nan
    frame = frame.loc[frame["c_rank"].notna() & frame["k_rank"].notna()]

    def summarise(g: pd.DataFrame) -> dict:
        n = len(g)
        c_hot, k_hot = g["c_rank"] >= 3, g["k_rank"] >= 3
        gap = float((g["c_rank"] - g["k_rank"]).mean()) if n else np.nan
        row = {"graded_leads": n,
               "mean_consultant_rank": float(g["c_rank"].mean()) if n else np.nan,
               "mean_kit_rank": float(g["k_rank"].mean()) if n else np.nan,
               "grade_gap": gap,
               "consultant_h_a_share": float(c_hot.mean()) if n else np.nan,
               "kit_h_a_share": float(k_hot.mean()) if n else np.nan,
               "consultant_h_a_conversion": float(g.loc[c_hot, "won"].mean()) if has_outcome and c_hot.any()
               else np.nan,
               "kit_h_a_conversion": float(g.loc[k_hot, "won"].mean()) if has_outcome and k_hot.any() else np.nan,
               "conversion_rate": float(g["won"].mean()) if has_outcome and n else np.nan}
        if n < s.audit_min_leads:
            verdict = "too few leads"
        elif gap >= s.audit_gap_threshold:
            verdict = "inflates"
        elif gap <= -s.audit_gap_threshold:
            verdict = "deflates"
        else:
            verdict = "in line"
        row["verdict"] = verdict
        return row

    rows = [{"consultant_id": c, **summarise(g)} for c, g in frame.groupby("consultant_id", sort=True)]
    rows.append({"consultant_id": ALL_CONSULTANTS, **summarise(frame)})
    out = pd.DataFrame(rows)
    team_gap = out["grade_gap"].iloc[-1] if len(out) else np.nan
    out.insert(out.columns.get_loc("grade_gap") + 1, "gap_vs_team", out["grade_gap"] - team_gap)
    return out


def grade_crosstab(scored: pd.DataFrame) -> pd.DataFrame:
    """Leads by consultant grade (rows) and kit grade (columns), with the observed conversion per consultant grade.

    Parameters
    ----------
    scored : DataFrame
        consultant_grade, kit_grade, optionally ``won_within_window``.

    Returns
    -------
    DataFrame
        consultant_grade, kit_H, kit_A, kit_B, kit_C, leads, conversion_rate (empty without an outcome column);
        consultant grades other than H/A/B/C are grouped as their own rows (N, O, F).
    """
    _require(scored, "scored", ("consultant_grade", "kit_grade"))
    c = scored["consultant_grade"].map(_clean_grade)
    k = scored["kit_grade"].map(_clean_grade)
    order = [g for g in ("H", "A", "B", "C", "N", "O", "F") if g in set(c)] + sorted(set(c) - set("HABCNOF"))
    rows = []
    for g in order:
        m = (c == g).to_numpy()
        row = {"consultant_grade": g}
        for kg in KIT_GRADES:
            row[f"kit_{kg}"] = int((m & (k == kg).to_numpy()).sum())
        row["leads"] = int(m.sum())
        row["conversion_rate"] = float(scored.loc[m, LABEL].astype(float).mean()) if LABEL in scored.columns \
            else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["consultant_grade", *[f"kit_{g}" for g in KIT_GRADES], "leads",
                                       "conversion_rate"])


# =========================================================================== lost leads


LOST_STEPS = ("before test drive", "after test drive, before quote", "after quote")


@dataclass
class LostAnalysis:
    """Where and why leads were lost (战败); see :func:`lost_analysis`.

    Attributes
    ----------
    reasons : DataFrame
        lost_reason, lost_leads, share.
    steps : DataFrame
        lost_step, lost_leads, share.
    by_channel, by_model : DataFrame
        channel (model_interest), closed_leads, lost_leads, loss_rate (lost ÷ closed, DOMAIN §2.1 战败率), one
        column per lost step, top_reason.
    """

    reasons: pd.DataFrame
    steps: pd.DataFrame
    by_channel: pd.DataFrame
    by_model: pd.DataFrame


def lost_analysis(leads: pd.DataFrame, followups: pd.DataFrame | None = None, *, period: Any = None,
                  months: int = 12) -> LostAnalysis:
    """Lost reasons, the step at which leads were lost, by channel and car model.

    The step is read from the follow-up log up to the close date when ``followups`` is given (a test drive or a
    quote after the loss does not count), otherwise from the leads table's ``test_drive`` and ``quoted`` columns:
    "before test drive", "after test drive, before quote", or "after quote" (a quote without a test drive counts as
    after quote). Empty reasons are shown as "(not stated)".

    Parameters
    ----------
    leads : DataFrame
        lead_id, created_at, status, closed_at, channel, model_interest, lost_reason (optional), test_drive and
        quoted (when no followups).
    followups : DataFrame, optional
    period : str or Period, optional
        Last month of the window; all closed leads when None.
    months : int
        Length of the window in months, ending with ``period``.

    Returns
    -------
    LostAnalysis
        Empty tables (zero rows) when no lead was lost in the window.
    """
    lf = _prepare_leads(leads, ("channel", "model_interest"))
    if followups is not None:
        follow = _prepare_followups(followups, lf)
        f = follow.merge(lf[["lead_id", "closed_at"]], on="lead_id")
        f = f.loc[f["at"].dt.normalize() <= f["closed_at"]]
        td = set(f.loc[f["outcome_code"] == "test_drive", "lead_id"])
        qu = set(f.loc[f["outcome_code"] == "quoted", "lead_id"])
        lf["td"] = lf["lead_id"].isin(td)
        lf["qu"] = lf["lead_id"].isin(qu)
    else:
        _require(lf, "leads", ("test_drive", "quoted"))
        lf["td"], lf["qu"] = lf["test_drive"], lf["quoted"]
    closed = lf.loc[lf["status"].isin(["won", "lost"])]
    if period is not None:
        end = _period(period)
        start = (end - (int(months) - 1)).start_time.normalize()
        closed = closed.loc[(closed["closed_at"] >= start) & (closed["closed_at"] <= end.end_time.normalize())]
    lost = closed.loc[closed["status"] == "lost"].copy()
    reason = lost["lost_reason"] if "lost_reason" in lost.columns else pd.Series(None, index=lost.index)
    lost["lost_reason"] = reason.map(lambda v: "(not stated)" if v is None or pd.isna(v) or not str(v).strip()
                                     else str(v).strip())
    lost["lost_step"] = np.where(lost["qu"], LOST_STEPS[2], np.where(lost["td"], LOST_STEPS[1], LOST_STEPS[0]))
    n = len(lost)

    def share_table(col: str, order: Sequence[str] | None = None) -> pd.DataFrame:
        counts = lost[col].value_counts()
        if order is not None:
            counts = counts.reindex(order, fill_value=0)
        else:
            counts = counts.sort_values(ascending=False, kind="stable")
        return pd.DataFrame({col: counts.index.to_list(), "lost_leads": counts.to_numpy(dtype=int),
                             "share": counts.to_numpy() / n if n else np.nan})

    def by_table(col: str) -> pd.DataFrame:
        rows = []
        for value, g in closed.groupby(col, sort=True):
            lg = lost.loc[lost[col] == value]
            row = {col: value, "closed_leads": len(g), "lost_leads": len(lg),
                   "loss_rate": len(lg) / len(g) if len(g) else np.nan}
            for step in LOST_STEPS:
                row[step] = int((lg["lost_step"] == step).sum())
            row["top_reason"] = lg["lost_reason"].value_counts().index[0] if len(lg) else None
            rows.append(row)
        return pd.DataFrame(rows, columns=[col, "closed_leads", "lost_leads", "loss_rate", *LOST_STEPS,
                                           "top_reason"])

    return LostAnalysis(reasons=share_table("lost_reason"), steps=share_table("lost_step", LOST_STEPS),
                        by_channel=by_table("channel"), by_model=by_table("model_interest"))
