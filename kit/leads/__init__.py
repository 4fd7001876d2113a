"""Leads (意向客户): lead scoring and the call list, the showroom funnel, follow-up discipline, the grade audit and
lost leads.

=============== ===========================================================================================
module          concern
=============== ===========================================================================================
``settings``    :class:`LeadSettings`, the ``leads:`` section of ``dealer.yml``
``inputs``      the leads and follow-up tables checked once, typed, as known on a day
``grades``      :func:`grade_from_probability`, :func:`cadence_days`, :func:`grade_rank`
``features``    :func:`build_features`, :func:`build_training_set`, :func:`snapshot_dates` (no look-ahead)
``scoring``     the scorers: :class:`LeadScorer` (statistical) and :class:`RuleScorer` (transparent points)
``reasons``     :func:`reason_text`, :func:`explain_leads`: why a lead scores as it does, in words
``fitting``     :func:`fit_lead_model` (:class:`LeadModel`), :func:`signal_effects`
``calllist``    :func:`score_open_leads` (:class:`LeadScores`): this week's call list
``quality``     :func:`evaluate_holdout` (:class:`HoldoutReport`), :func:`conversion_by_band`
``showroom``    :func:`funnel`: enquiries → registered → test drive → order → delivery
``discipline``  :func:`followup_discipline`: contacts within cadence, overdue, first-contact speed
``audit``       :func:`grade_audit`, :func:`grade_crosstab`: consultants' grades against the kit's
``lost``        :func:`lost_analysis` (:class:`LostAnalysis`): why and where leads were lost (战败)
=============== ===========================================================================================

Terms: ``kit/GLOSSARY.md``; practice and sources: ``docs/DOMAIN.md`` §1–2; how the methods work and how bad input
is handled: ``docs/methods/leads.md``. Names load on first use, so ``import kit.leads.settings`` does not import
scikit-learn.

>>> from kit import leads as kl
>>> model = kl.fit_lead_model(leads, followups, as_of="2026-10-31")          # doctest: +SKIP
>>> scores = kl.score_open_leads(leads, followups, as_of="2026-10-31", model=model)   # doctest: +SKIP
>>> scores.call_list.head()                                                  # doctest: +SKIP
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["audit", "calllist", "discipline", "features", "fitting", "grades", "inputs", "lost",
                "quality", "reasons", "scoring", "settings", "showroom"],
    submod_attrs={
        "settings": ["FUNNEL_RATES", "LeadSettings"],
        "inputs": ["ALL_CONSULTANTS", "OUTCOME_CODES", "UNASSIGNED"],
        "grades": ["GRADE_RANK", "KIT_GRADES", "cadence_days", "grade_from_probability", "grade_rank"],
        "features": ["FEATURE_COLUMNS", "GRADE_FEATURE", "LABEL", "build_features", "build_training_set",
                     "snapshot_dates"],
        "scoring": ["LeadScorer", "RuleScorer", "TabularClassifier"],
        "reasons": ["explain_leads", "reason_text"],
        "fitting": ["LeadModel", "fit_lead_model", "signal_effects"],
        "calllist": ["LeadScores", "mask_name", "mask_phone", "score_open_leads"],
        "quality": ["HoldoutReport", "conversion_by_band", "evaluate_holdout"],
        "showroom": ["FUNNEL_STEPS", "TRAFFIC_CHANNELS", "funnel"],
        "discipline": ["followup_discipline"],
        "audit": ["grade_audit", "grade_crosstab"],
        "lost": ["LOST_STEPS", "LostAnalysis", "lost_analysis"],
    },
)
