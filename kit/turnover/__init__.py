"""Staff turnover (离职率): rates against target, new-hire loss, tenure survival, who is at risk, why, and the cost.

============== ==========================================================================================
module         concern
============== ==========================================================================================
``settings``   :class:`TurnoverSettings`, the ``turnover:`` section of ``dealer.yml``
``inputs``     :func:`check_staff`, :func:`check_kpi`: the roster and KPI table checked once; months and groups;
               :class:`TooLittleHistory` (too little data, with the sentence to show instead)
``rates``      :func:`turnover_rates`, :func:`trailing_rates`: hires, leavers, headcounts and rates per period
``targets``    :func:`compare_with_targets`, :func:`label_staff_group` (key staff, role groups),
               :func:`rates_by`, :func:`headline_table`
``month``      :func:`turnover_month` (:class:`TurnoverMonth`): the report month's rates, trends, formulas, cost
               and manager numbers, computed once
``newhires``   :func:`new_hire_loss`: each hiring cohort's loss within 90 days and a year; the recent loss
``survival``   :func:`tenure_survival` (:class:`TenureSurvival`): Kaplan–Meier tenure curves; :func:`retention`
``attrition``  :func:`build_attrition_frame`, :func:`build_training_set`, :func:`attrition_xy`: the model's rows
``atrisk``     :class:`AttritionModel`, :func:`fit_attrition_model`, :func:`at_risk`, :func:`risk_list`
``reasons``    why a person is at risk, in words
``drivers``    :func:`driver_training_set`, :func:`attrition_drivers`: a Cox model's hazard ratios;
               :func:`driver_summary`
``cost``       :func:`turnover_cost`: leavers × replacement cost per role
``advice``     :func:`what_to_do`: the report's "what to do first" sentences
``whatif``     :func:`cost_if`: the leavers and cost another turnover rate per role stands for
============== ==========================================================================================

Frames in, plain DataFrames out; no function changes its arguments. Formulas, boundary dates and bad-input
handling: ``docs/methods/turnover.md``; practice and sources: ``docs/DOMAIN.md`` §4. Names load on first use, so
``import kit.turnover.settings`` imports neither scikit-learn nor lifelines.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["advice", "atrisk", "attrition", "cost", "drivers", "inputs", "month", "newhires", "rates", "reasons",
                "settings", "survival", "targets", "whatif"],
    submod_attrs={
        "settings": ["ANNUAL_METHODS", "DEFAULT_KEY_ROLES", "FORMULAS", "ReplacementCost", "TurnoverSettings"],
        "inputs": ["DAYS_PER_MONTH", "STAFF_COLUMNS", "TooLittleHistory", "check_kpi", "check_staff"],
        "rates": ["trailing_rates", "turnover_rates"],
        "targets": ["compare_with_targets", "headline_table", "label_staff_group", "month_rows", "own_target_roles",
                    "rates_by", "role_group_of"],
        "month": ["FORMATS", "TurnoverMonth", "TurnoverNumbers", "turnover_month"],
        "newhires": ["NewHireLoss", "new_hire_loss", "new_hire_table", "recent_new_hire_loss"],
        "survival": ["Retention", "TenureSurvival", "retention", "tenure_survival"],
        "attrition": ["ATTRITION_LABEL", "ATTRITION_META", "attrition_xy", "build_attrition_frame",
                      "build_training_set", "training_as_of_months"],
        "atrisk": ["MIN_LEAVERS", "RISK_MULTIPLE", "AttritionModel", "RiskList", "at_risk", "fit_attrition_model",
                   "mask_name", "risk_list"],
        "drivers": ["DriverSummary", "attrition_drivers", "driver_summary", "driver_training_set"],
        "cost": ["turnover_cost"],
        "advice": ["Advice", "what_to_do"],
        "whatif": ["cost_if"],
    },
)
