"""The ``leads:`` section of ``dealer.yml``: :class:`LeadSettings`, validated.

Every key is optional; the values below are the defaults. Shares and probabilities may be written as 0.15 or
``"15%"``::

    leads:
      conversion_window_days: 90     # label horizon: a lead is "won" if it orders within this many days
      min_closed_leads: 1000         # below either minimum the statistical model is "not yet trustworthy" and the
      min_conversions: 100           # transparent rules score the leads (commercial scorers ask for about a
                                     # thousand closed leads with a hundred-plus conversions before they train)
      grade_thresholds: {H: 0.50, A: 0.30, B: 0.12}   # kit grade from the score: >= H → H, >= A → A, >= B → B, else C
      grade_purchase_days: {H: 7, A: 15, B: 30}       # docs/DOMAIN.md §1.1 purchase windows; used only when an
                                                      # expected time to purchase is passed to grade_from_probability
      followup_cadence_days: {H: 2, A: 4, B: 7, C: 15, O: 3, N: 15}   # docs/DOMAIN.md §1.2 (a dealer CRM's maxima)
      funnel_targets:                # the dealership's own targets, 0–1; no sourced standard exists
        registration_rate: null      # (docs/DOMAIN.md §2.2), so the default is "no target" (null)
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
      calls_per_consultant_per_day: 20   # follow-up calls one consultant can make in a day besides the
                                     # showroom ([D]: no sourced figure; about 2–3 hours of calls and notes);
                                     # the call-load what-if compares each consultant's due calls with it

Grade thresholds, purchase days and cadence may be given partly (``grade_thresholds: {H: 0.6}``); missing grades
keep their defaults. Every bad or unknown setting is reported at once in one
:class:`~kit.exceptions.ConfigError`, each by its path (``leads.grade_thresholds.A: …``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kit.checks import Problems, fmt_number, section_mapping, setting_mapping, setting_number, unknown_keys
from kit.exceptions import ConfigError

#: The funnel rates a target can be set for.
FUNNEL_RATES = ("registration_rate", "test_drive_rate", "order_rate", "delivery_rate")

_DEFAULT_THRESHOLDS = {"H": 0.50, "A": 0.30, "B": 0.12}
_DEFAULT_PURCHASE_DAYS = {"H": 7, "A": 15, "B": 30}
_DEFAULT_CADENCE = {"H": 2, "A": 4, "B": 7, "C": 15, "O": 3, "N": 15}


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
        the transparent rules (:class:`kit.leads.RuleScorer`) score the leads.
    grade_thresholds : mapping H/A/B -> probability
        Kit grade from the score: at least H's threshold → H, A's → A, B's → B, below → C.
    grade_purchase_days : mapping H/A/B -> days
        Purchase windows of the grades (docs/DOMAIN.md §1.1), used only when an expected time to purchase is
        supplied.
    followup_cadence_days : mapping H/A/B/C/O/N -> days
        A follow-up is overdue when the last contact is more than this many days ago (docs/DOMAIN.md §1.2).
    funnel_targets : mapping rate name -> target or None
        registration_rate, test_drive_rate, order_rate, delivery_rate; None means no target.
    score_bands : tuple of float
        Increasing edges from 0 to 1 for conversion by score band.
    audit_gap_threshold : float
        Grade steps of average inflation or deflation that flag a consultant in :func:`kit.leads.grade_audit`.
    audit_min_leads : int
        Graded leads a consultant needs before the audit judges them.
    holdout_share : float
        Share of the most recent leads kept out of training in :func:`kit.leads.evaluate_holdout`.
    snapshot_every_days : int
        Spacing of the as-of dates of the training set; about a lead's lifetime, so that one lead rarely gives
        two training rows.
    holdout_every_days : int
        Spacing of the as-of dates on which :func:`kit.leads.evaluate_holdout` scores its test leads.
    calls_per_consultant_per_day : int
        Follow-up calls one consultant can make in a day ([D], no sourced figure); :func:`kit.leads.call_load`
        compares the calls each consultant's grades make due with it.
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
    calls_per_consultant_per_day: int = 20

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
            Listing every unknown key, wrong type and out-of-range value, each by its setting path.
        """
        mapping = section_mapping(mapping, where)
        problems = Problems("the leads settings")
        d = cls()
        unknown_keys(mapping, cls.__dataclass_fields__, where, problems)

        def whole(key: str, minimum: int) -> int:
            value = setting_number(mapping.get(key, getattr(d, key)), f"{where}.{key}", problems, low=minimum,
                                   integer=True)
            return getattr(d, key) if value is None else value

        def share(key: str, low: float, high: float) -> float:
            value = setting_number(mapping.get(key, getattr(d, key)), f"{where}.{key}", problems, low=low,
                                   high=high, percent=True)
            return getattr(d, key) if value is None else value

        window = whole("conversion_window_days", 1)
        min_closed = whole("min_closed_leads", 0)
        min_won = whole("min_conversions", 0)
        thresholds = _grade_mapping(mapping.get("grade_thresholds"), _DEFAULT_THRESHOLDS,
                                    f"{where}.grade_thresholds", problems, kind="probability")
        values = [thresholds[g] for g in ("H", "A", "B")]
        if not values[0] > values[1] > values[2]:
            problems.add(f"{where}.grade_thresholds", f"expected H > A > B; got H {values[0]:g}, A {values[1]:g}, "
                                                      f"B {values[2]:g}.")
        purchase = _grade_mapping(mapping.get("grade_purchase_days"), _DEFAULT_PURCHASE_DAYS,
                                  f"{where}.grade_purchase_days", problems, kind="days")
        if not purchase["H"] <= purchase["A"] <= purchase["B"]:
            problems.add(f"{where}.grade_purchase_days", f"expected H <= A <= B; got {dict(purchase)}.")
        cadence = _grade_mapping(mapping.get("followup_cadence_days"), _DEFAULT_CADENCE,
                                 f"{where}.followup_cadence_days", problems, kind="days")
        targets: dict[str, float | None] = {name: None for name in FUNNEL_RATES}
        targets_raw = setting_mapping(mapping.get("funnel_targets") or {}, f"{where}.funnel_targets", problems,
                                      "{order_rate: 0.15}") or {}
        unknown_keys(targets_raw, FUNNEL_RATES, f"{where}.funnel_targets", problems, what="funnel rate")
        for key, value in targets_raw.items():
            if key in FUNNEL_RATES and value is not None:
                targets[key] = setting_number(value, f"{where}.funnel_targets.{key}", problems, low=0.0, high=1.0,
                                              percent=True)
        bands = _score_bands(mapping.get("score_bands", d.score_bands), f"{where}.score_bands", problems)
        gap = setting_number(mapping.get("audit_gap_threshold", d.audit_gap_threshold),
                             f"{where}.audit_gap_threshold", problems, low=0.0, high=3.0, low_open=True,
                             what="a number of grade steps above 0")
        min_audit = whole("audit_min_leads", 1)
        holdout = share("holdout_share", 0.05, 0.5)
        every = whole("snapshot_every_days", 1)
        every_test = whole("holdout_every_days", 1)
        capacity = whole("calls_per_consultant_per_day", 1)
        problems.raise_if_any()
        return cls(conversion_window_days=window, min_closed_leads=min_closed, min_conversions=min_won,
                   grade_thresholds=_frozen(thresholds), grade_purchase_days=_frozen(purchase),
                   followup_cadence_days=_frozen(cadence), funnel_targets=_frozen(targets), score_bands=bands,
                   audit_gap_threshold=gap, audit_min_leads=min_audit, holdout_share=holdout,
                   snapshot_every_days=every, holdout_every_days=every_test,
                   calls_per_consultant_per_day=capacity)


def _grade_mapping(raw: Any, default: Mapping, path: str, problems: Problems, *, kind: str) -> dict:
    """A per-grade mapping over the defaults (``{H: 0.6}`` changes H only); bad entries keep their default."""
    out = dict(default)
    if raw is None or setting_mapping(raw, path, problems, str(dict(default))) is None:
        return out
    for key, value in raw.items():
        grade = str(key).strip().upper()
        if grade not in default:
            problems.add(f"{path}.{key}", f"unknown grade; expected one of {', '.join(default)}.")
            continue
        if kind == "probability":
            number = setting_number(value, f"{path}.{key}", problems, low=0.0, high=1.0, low_open=True,
                                    high_open=True, percent=True, what="a probability strictly between 0 and 1")
        else:
            number = setting_number(value, f"{path}.{key}", problems, low=1, integer=True)
        if number is not None:
            out[grade] = number
    return out


def _score_bands(raw: Any, path: str, problems: Problems) -> tuple[float, ...]:
    """Increasing band edges from 0 to 1; the defaults when they are not."""
    default = LeadSettings.score_bands
    if not isinstance(raw, (list, tuple)) or len(raw) < 2:
        problems.add(path, f"expected a list of at least two edges from 0 to 1; got {raw!r}.")
        return default
    edges = [setting_number(v, f"{path}[{i}]", problems, low=0.0, high=1.0, percent=True)
             for i, v in enumerate(raw)]
    if any(e is None for e in edges):
        return default
    if any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] != 0.0 or edges[-1] != 1.0:
        problems.add(path, f"expected increasing edges starting at 0 and ending at 1; got "
                           f"{[fmt_number(e) for e in edges]}.")
        return default
    return tuple(edges)


def as_settings(settings: LeadSettings | Mapping | None) -> LeadSettings:
    """The lead settings from a :class:`LeadSettings`, a ``kit.settings.Settings``, a mapping or None (defaults)."""
    if settings is None:
        return LeadSettings()
    if isinstance(settings, LeadSettings):
        return settings
    if isinstance(getattr(settings, "leads", None), LeadSettings):
        return settings.leads  # a kit.settings.Settings object
    if isinstance(settings, Mapping):
        return LeadSettings.from_mapping(settings)
    raise ConfigError(f"leads: expected LeadSettings or a mapping; got {type(settings).__name__}.")
