"""KPI weighting: the monthly scorecard, stage profiles, gates and bonuses, AHP and entropy weights, ranking stability.

================ ==========================================================================================
module           concern
================ ==========================================================================================
``settings``     :class:`KpiSettings`, the ``kpi:`` section of ``dealer.yml`` and its defaults;
                 :func:`check_against_data`
``table``        the kpi table (month × person × metric), validated once
``achievements`` :func:`achievement`, :func:`achievement_matrix`: actual ÷ target, floored and capped
``ahp``          :func:`ahp_weights` (:class:`AhpResult`): weights from pairwise judgements, Saaty's CR
``entropy``      :func:`entropy_weights`, :func:`entropy_worksheet`, :func:`combine_weights`
``weights``      :func:`profile_for`, :func:`resolve_weights`, :func:`weight_table`, :func:`profile_ahp`
``scores``       :func:`scorecard`: achievements × weights → total score and rank
``gates``        :func:`apply_gates`: who loses or has cut bonus, and why
``payout``       :func:`bonus`: the bonus sheet and the rule that decided each amount
``stability``    :func:`compare_profiles`, :func:`rank_stability` (:class:`RankStability`)
``names``        :func:`metric_name`, :func:`profile_name`, :func:`gate_name`: the dealer's or the catalog's names
``month``        :func:`month_result` (:class:`KpiMonth`): one month scored once for the report
``advice``       :func:`what_to_do`: the report's "what to do first" sentences
``display``      the report's manager tables, charts and headline in the reader's words
``appendix``     the analyst appendix: weights by method, AHP and entropy worksheets, stability
``workbook``     the Excel workbook beside the report
``whatif``       :func:`bonus_whatif` (:class:`WhatIf`): other weights, gates or profile → ranking and bonus
================ ==========================================================================================

Every analysis function takes data and returns a new plain DataFrame (or a small result object of DataFrames);
nothing is printed and no argument is changed. Text they compose (gate notes, the bonus rule) is in the ``lang``
they are given. How the scores, gates, weights and bonus are computed: ``docs/methods/kpi.md``;
practice and sources: ``docs/DOMAIN.md`` §3. Names load on first use.

>>> from kit import kpi
>>> card = kpi.scorecard(kpi_table, settings=settings.kpi)        # doctest: +SKIP
>>> sheet = kpi.bonus(kpi_table, settings=settings.kpi, card=card)  # doctest: +SKIP
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["achievements", "advice", "ahp", "appendix", "display", "entropy", "gates", "month", "names",
                "payout", "scores", "settings", "stability", "table", "weights", "whatif", "workbook"],
    submod_attrs={
        "settings": ["DEFAULT_SETTINGS", "WEIGHT_TOLERANCE", "AhpJudgements", "BonusRules", "Gate", "KpiSettings",
                     "StageRule", "check_against_data"],
        "table": ["KPI_COLUMNS", "check_kpi_table"],
        "achievements": ["achievement", "achievement_matrix"],
        "ahp": ["CR_THRESHOLD", "RANDOM_INDEX", "RECIPROCAL_TOLERANCE", "AhpResult", "InconsistentJudgementsError",
                "ahp_weights"],
        "entropy": ["combine_weights", "entropy_weights", "entropy_worksheet"],
        "weights": ["Profile", "profile_ahp", "profile_for", "resolve_weights", "weight_table"],
        "scores": ["scorecard"],
        "gates": ["apply_gates", "gate_margins"],
        "names": ["gate_name", "metric_name", "profile_name"],
        "month": ["KpiMonth", "month_result"],
        "advice": ["what_to_do"],
        "whatif": ["WhatIf", "bonus_whatif"],
        "payout": ["bonus"],
        "stability": ["RankStability", "compare_profiles", "rank_stability"],
    },
)
