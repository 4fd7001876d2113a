"""Everything the lead report shows, computed in one call for a reporting period: :func:`analyse`.

The report notebook calls :func:`analyse` once; its tables come from :mod:`kit.leads.views`, its "what to do
first" sentences from :func:`kit.leads.what_to_do`, and its manager numbers from the properties of
:class:`LeadResults`, so one number is computed once and agrees wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kit import periods
from kit.leads.audit import GradeAudit, grade_audit
from kit.leads.calllist import LeadScores, score_open_leads
from kit.leads.discipline import HOT_GRADES, Discipline, followup_discipline, overdue_count
from kit.leads.fitting import LeadModel, fit_lead_model
from kit.leads.lost import LostAnalysis, lost_analysis
from kit.leads.quality import HoldoutReport, evaluate_holdout
from kit.leads.settings import LeadSettings, as_settings
from kit.leads.showroom import funnel, latest_final_month, orders_signed

#: The groups the funnel is broken down by in the report.
FUNNEL_GROUPS = ("channel", "model_interest", "consultant_id")


@dataclass
class LeadResults:
    """The lead report of one period (see :func:`analyse`).

    Attributes
    ----------
    period : kit.periods.Period
        The reporting period; ``as_of`` is its last day.
    settings : LeadSettings
    lang : str
        Language of the words inside the tables (reasons, verdicts).
    people : mapping staff_id -> display name
        How consultants are shown (masked unless the run reveals personal data).
    scores : LeadScores
        The call list as of ``as_of`` and the model that scored it.
    discipline : Discipline
        Follow-up discipline per consultant, judged by the same rule as the call list.
    holdout : HoldoutReport
        How well the score ranks buyers on recent leads it never saw (the analyst's appendix).
    audit : GradeAudit
        Consultants' grades against the kit's, on the hold-out leads whose outcome is known (on the call list
        when there are none).
    funnel_now : DataFrame
        The funnel of the period's month as known on ``as_of`` (its outcomes are not final).
    final_month : Period
        The latest month whose leads have all had the conversion window.
    funnel_final : DataFrame
        The funnel of ``final_month`` and of the 12 months ending with it (final, compared with targets).
    funnel_by : dict of DataFrame
        ``funnel_final`` by channel, car model and consultant.
    lost : LostAnalysis
        Lost leads in the 12 months to the period's month.
    orders : int
        Orders signed from leads in the period.
    """

    period: Any
    settings: LeadSettings
    lang: str
    people: Mapping[str, str]
    scores: LeadScores
    discipline: Discipline
    holdout: HoldoutReport
    audit: GradeAudit
    funnel_now: pd.DataFrame
    final_month: pd.Period
    funnel_final: pd.DataFrame
    funnel_by: dict = field(default_factory=dict)
    lost: LostAnalysis | None = None
    orders: int = 0

    @property
    def as_of(self) -> pd.Timestamp:
        return self.period.end

    @property
    def model(self) -> LeadModel:
        return self.scores.model

    @property
    def call_list(self) -> pd.DataFrame:
        return self.scores.call_list

    @property
    def overdue(self) -> int:
        """Overdue follow-ups on ``as_of`` (:func:`kit.leads.overdue_count` of the call list)."""
        return overdue_count(self.call_list)

    @property
    def overdue_hot(self) -> int:
        """Overdue follow-ups of H and A leads."""
        return overdue_count(self.call_list, grades=HOT_GRADES)

    @property
    def hot_leads(self) -> int:
        """Open leads the kit grades H or A: the ones to call first."""
        return int(self.call_list["kit_grade"].isin(HOT_GRADES).sum())

    @property
    def conversion(self) -> float:
        """Lead → order rate of ``final_month``'s leads (final)."""
        rows = self.funnel_final
        hit = rows.loc[(rows["window"] == "month") & (rows["rate_name"] == "order_rate"), "rate"]
        return float(hit.iloc[0]) if len(hit) else float("nan")


def analyse(dealer: Any, *, period: Any, lang: str = "en", people: Mapping[str, str] | None = None,
            mask_personal: bool = True, settings: LeadSettings | Mapping | None = None,
            model: LeadModel | None = None) -> LeadResults:
    """The lead report of ``period``: call list, discipline, hold-out check, grade audit, funnel, lost leads.

    Everything is computed as known at the end of the period's last day (``as_of``): the model is trained on the
    outcomes known then and the call list is the one for that day, so a daily or weekly run gets that day's list.

    Parameters
    ----------
    dealer : kit.io.Dealer
        The validated tables (``leads``, ``followups``, ``staff``; ``traffic`` and ``grade_log`` when present)
        and settings.
    period : kit.periods.Period or str
        The reporting period, or a month ``"2026-10"``.
    lang : "en" or "zh"
        Language of the reasons and verdicts in the tables.
    people : mapping staff_id -> name, optional
        How consultants are shown (``Report.people``); their ids when None.
    mask_personal : bool
        Mask customer names and phone numbers in the call list.
    settings : LeadSettings, optional
        Default the dealer's ``leads:`` settings.
    model : LeadModel, optional
        A lead model fitted as known at the period's end (a group run's, ``r.shared("lead_model")``, fitted once on
        every store's leads); default: fitted here on ``dealer``'s leads.
    """
    if isinstance(period, str):
        period = periods.period("month", period)
    s = as_settings(settings if settings is not None else dealer.settings.leads)
    tables = dealer.tables
    leads, followups = tables["leads"], tables["followups"]
    traffic, grade_log, staff = tables.get("traffic"), tables.get("grade_log"), tables.get("staff")
    day = period.end
    month = period.month
    if model is None:
        model = fit_lead_model(leads, followups, as_of=day, settings=s, grade_log=grade_log)
    scores = score_open_leads(leads, followups, as_of=day, model=model, settings=s, staff=staff, lang=lang,
                              mask_personal=mask_personal, grade_log=grade_log)
    discipline = followup_discipline(leads, followups, as_of=day, settings=s, kit_grades=scores.kit_grades)
    holdout = evaluate_holdout(leads, followups, as_of=day, settings=s, grade_log=grade_log)
    audit = grade_audit(holdout.scored if len(holdout.scored) else scores.call_list, settings=s)
    final = latest_final_month(day, settings=s)
    common = dict(traffic=traffic, followups=followups, settings=s, as_of=day)
    funnel_by = {by: funnel(leads, period=final, by=by, **common) for by in FUNNEL_GROUPS}
    return LeadResults(
        period=period, settings=s, lang=lang, people=dict(people or {}), scores=scores, discipline=discipline,
        holdout=holdout, audit=audit, funnel_now=funnel(leads, period=month, **common), final_month=final,
        funnel_final=funnel(leads, period=final, **common), funnel_by=funnel_by,
        lost=lost_analysis(leads, followups, period=month, months=12, as_of=day),
        orders=orders_signed(leads, start=period.start, end=day))
