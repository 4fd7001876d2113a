"""Leads (意向客户): lead scoring and the call list, the showroom funnel, follow-up discipline, the grade audit and
lost leads.

=============== ===========================================================================================
module          concern
=============== ===========================================================================================
``settings``    :class:`LeadSettings`, the ``leads:`` section of ``dealer.yml``
``inputs``      the leads and follow-up tables checked once, typed, as known on a day
``grades``      :func:`grade_from_probability`, :func:`cadence_days`, :func:`followup_grade`, :func:`grade_rank`
``features``    :func:`build_features`, :func:`build_training_set`, :func:`snapshot_dates` (no look-ahead)
``scoring``     the scorers: :class:`LeadScorer` (statistical) and :class:`RuleScorer` (transparent points)
``reasons``     :func:`reason_text`, :func:`explain_leads`: why a lead scores as it does, in words
``fitting``     :func:`fit_lead_model` (:class:`LeadModel`), :func:`signal_effects`
``calllist``    :func:`score_open_leads` (:class:`LeadScores`): the call list as of a day
``quality``     :func:`evaluate_holdout` (:class:`HoldoutReport`), :func:`conversion_by_band`
``showroom``    :func:`funnel`: enquiries → registered → test drive → order → delivery; final or not
``discipline``  :func:`followup_status`, :func:`overdue_count` (the one overdue rule), :func:`followup_discipline`
``audit``       :func:`grade_audit` (:class:`GradeAudit`), :func:`grade_crosstab`: consultants' grades vs the kit's
``lost``        :func:`lost_analysis` (:class:`LostAnalysis`): why and where leads were lost (战败)
``capacity``    :func:`call_load`: the what-if of grade thresholds → H/A calls a day against a day's capacity
``summary``     :func:`analyse` (:class:`LeadResults`): everything the lead report shows, for one period
``advice``      :func:`what_to_do`: the report's first sentences, which apply and their numbers
``views``       the report's tables and charts in its language (consultants named, codes in words)
=============== ===========================================================================================

Terms: ``kit/GLOSSARY.md``; practice and sources: ``docs/DOMAIN.md`` §1–2; how the methods work and how bad input
is handled: ``docs/methods/leads.md``. Names load on first use, so ``import kit.leads.settings`` does not import
scikit-learn.

>>> from kit import leads as kl
>>> model = kl.fit_lead_model(leads, followups, as_of="2026-10-31")          # doctest: +SKIP
>>> scores = kl.score_open_leads(leads, followups, as_of="2026-10-31", model=model)   # doctest: +SKIP
>>> scores.call_list.head()                                                  # doctest: +SKIP
>>> res = kl.analyse(dealer, period="2026-10", lang="zh")                    # doctest: +SKIP
>>> kl.what_to_do(res)                                                       # doctest: +SKIP
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["advice", "audit", "calllist", "capacity", "discipline", "features", "fitting", "grades", "inputs",
                "lost", "quality", "reasons", "scoring", "settings", "showroom", "summary", "views"],
    submod_attrs={
        "settings": ["FUNNEL_RATES", "LeadSettings"],
        "inputs": ["OUTCOME_CODES", "UNASSIGNED"],
        "grades": ["GRADE_RANK", "KIT_GRADES", "cadence_days", "followup_grade", "grade_from_probability",
                   "grade_rank"],
        "features": ["FEATURE_COLUMNS", "GRADE_FEATURE", "LABEL", "build_features", "build_training_set",
                     "snapshot_dates"],
        "scoring": ["LeadScorer", "RuleScorer", "TabularClassifier"],
        "reasons": ["explain_leads", "reason_text"],
        "fitting": ["LeadModel", "fit_lead_model", "signal_effects"],
        "calllist": ["LeadScores", "mask_name", "mask_phone", "score_open_leads"],
        "quality": ["HoldoutReport", "conversion_by_band", "evaluate_holdout"],
        "showroom": ["DENOMINATORS", "FUNNEL_STEPS", "TRAFFIC_CHANNELS", "final_on", "funnel", "latest_final_month",
                     "orders_signed"],
        "discipline": ["Discipline", "HOT_GRADES", "followup_discipline", "followup_status", "overdue_count"],
        "audit": ["GradeAudit", "VERDICTS", "grade_audit", "grade_crosstab"],
        "lost": ["LOST_STEPS", "LostAnalysis", "NOT_STATED", "lost_analysis"],
        "capacity": ["CallLoad", "call_load", "with_thresholds"],
        "summary": ["LeadResults", "analyse"],
        "advice": ["what_to_do"],
    },
)
