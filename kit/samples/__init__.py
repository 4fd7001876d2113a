"""Seeded generators for a synthetic 4S dealership, "Sample Motors", and the committed ``data_samples/``.

The generator simulates two stores (``S1``, ``S2``) month by month from 2023-11 to 2026-10 (fixed, never today's
date): staff are hired and leave, leads arrive with trend and seasonality, consultants follow them up, leads are won
or lost, won cars are delivered, and monthly KPIs are recorded. All randomness comes from ``numpy.random``
generators spawned from one ``SeedSequence(seed)``, so the same seed gives the same tables, byte for byte.

Seasonality: lead arrivals follow :data:`MONTH_SEASON` with a dip in the month that contains the Spring Festival
(:data:`SPRING_FESTIVAL`); around the festival the showroom is closed (除夕 to 初三), decisions wait until ten days
after it and no car is handed over until 初七; December orders are delivered before the year closes.

The truth the generator uses is public, so an analysis can be checked against it:

- :data:`LEAD_SIGNALS` (and :data:`LEAD_RANDOM_EFFECTS`): the logistic model that decides whether a lead is won;
- :data:`STAFF_SIGNALS` (and :data:`STAFF_BASELINE_MONTHLY_HAZARD`): the monthly leaving hazard of each employee;
- :data:`GRADE_THRESHOLDS`: how a consultant turns their (biased, noisy) view of a lead into H/A/B/C, for the
  leads' current grade and for the month-end grade sheet ``grade_log`` (:data:`GRADE_READINESS_LOGIT`);
- ``make_dealership(..., include_truth=True)`` adds ``consultant_traits`` (skill, grade bias, follow-up
  discipline per consultant) and ``lead_truth`` (each lead's true win probability); :func:`write_samples` writes
  them to ``truth/``.

Mechanisms outside the two models (documented so they are not mistaken for signal):

- A lead whose consultant leaves before it closes is *orphaned*: its contacts stop on the leave date and it is
  closed as lost (``失联``) 2–10 days later, whatever the model said (``lead_truth.orphaned``).
- Leads still undecided on the last day stay ``open``; their visit/test-drive/quote fields count only the
  contacts made so far.
- ``sales`` is the monthly sum of the order ledger ``orders`` (:mod:`kit.samples.ledger`): the won leads plus fleet
  (大客户) deals that come from no lead (about 10–20 % of units, delivered in the month they are booked), a few
  cancelled orders (never delivered), attached income and delivery follow-ups; ``targets`` are set from last
  year's months. In the first month, ``sales`` also holds cars ordered before it.
- The simulation starts ``BURN_IN_MONTHS`` early; leads created then and still open on the first day are exported
  (their ``created_at`` falls before the first month), so the first month has a realistic pipeline.

Dealer groups: :func:`make_group` and :func:`write_group` (``kit samples --stores N``) simulate many stores of
several brands, sizes and seasons (:mod:`kit.samples.brands`) with the same models, the leads drawn as arrays
(:mod:`kit.samples.fast`) so 100 stores take minutes, not hours.

Public API: :func:`make_dealership`, :func:`make_leads`, :func:`make_staff`, :func:`make_sales`,
:func:`write_samples`, :func:`write_dealership`, :func:`make_group`, :func:`write_group`. Modules: ``parameters`` (the planted values),
``simulation`` (the month-by-month simulation), ``fast`` (its leads as arrays), ``frames`` (its tables),
``ledger`` (orders, sales, targets), ``dealership`` (the sample's generators), ``brands`` and ``group`` (dealer
groups), ``writers`` (files).
"""

from kit.samples.dealership import make_dealership, make_leads, make_sales, make_staff
from kit.samples.group import make_group, write_group
from kit.samples.parameters import (
    ACCESSORIES_CNY, ACCESSORIES_TAKE_UP, ANNUAL_TREND, BURN_IN_MONTHS, Brand, CANCELLATION, CHANNEL_MIX,
    CONSULTANT_POSTS, CarModel, DEALER_NAME, DEAL_SKILL, DEFAULT_SEED, DELIVERY_FOLLOWUP, EVENT_MONTH_FACTOR,
    FESTIVAL_FEBRUARY_AFTER_JANUARY, FESTIVAL_MONTH_FACTOR, FILLER_CONTACTS, FINANCE_FEE_CNY, FINANCE_TAKE_UP,
    FINANCE_TIER_LOGIT, FLEET_ATTACH, FLEET_CARS_PER_DEAL, FLEET_MODELS, FLEET_ORDERS_PER_LEAD, FLEET_SEASON,
    FOLLOWUP_AFTER_LEAVING_MISSED, FOLLOWUP_OUTCOMES, GRADE_CADENCE_DAYS, GRADE_LOG_NEW_DAYS, GRADE_LOG_PERSISTENCE,
    GRADE_LOG_UNGRADED_SHARE, GRADE_NOISE_SD, GRADE_READINESS_LOGIT, GRADE_STYLE_SHARES, GRADE_THRESHOLDS,
    HISTORY_END, HISTORY_START, INCOME_COLUMNS, INCOME_TARGET_UPLIFT, INSURANCE_COMMISSION, INSURANCE_PREMIUM_CNY,
    INSURANCE_TAKE_UP, LATE_FOLLOWUP_DISCIPLINE, LAUNCH_MONTHS_BEFORE_END, LEADS_PER_STORE_MONTH,
    LEAD_RANDOM_EFFECTS, LEAD_SIGNALS, LONG_GAP_DAYS, LOST_REASONS, MANAGER_ROLES, MAX_REGULAR_GAP_DAYS, MODELS,
    MONTH_SEASON, OEM_PUSH, ONLINE_SHARE_GROWTH, PLANNED_CONVERSION, ROLE_NORMS, RoleNorm, SAME_MONTH_WEIGHT,
    SAMPLE_BRAND, SPRING_FESTIVAL, STAFF_BASELINE_MONTHLY_HAZARD, STAFF_SIGNALS, StoreProfile, TARGET_GROWTH,
    TEAM_TURNOVER_NORM, TIERS, TRADE_IN_INCOME_CNY, TRADE_IN_TAKE_UP, WARRANTY_CNY, WARRANTY_TAKE_UP,
    WARRANTY_TIER_LOGIT,
)
from kit.samples.writers import write_dealership, write_samples

__all__ = [
    "make_dealership", "make_group", "make_leads", "make_sales", "make_staff", "write_dealership", "write_group", "write_samples",
    "ACCESSORIES_CNY", "ACCESSORIES_TAKE_UP", "ANNUAL_TREND", "BURN_IN_MONTHS", "Brand", "CANCELLATION",
    "CHANNEL_MIX", "CONSULTANT_POSTS", "CarModel", "DEALER_NAME", "DEAL_SKILL", "DEFAULT_SEED", "DELIVERY_FOLLOWUP",
    "EVENT_MONTH_FACTOR", "FESTIVAL_FEBRUARY_AFTER_JANUARY", "FESTIVAL_MONTH_FACTOR", "FILLER_CONTACTS",
    "FINANCE_FEE_CNY", "FINANCE_TAKE_UP", "FINANCE_TIER_LOGIT", "FLEET_ATTACH", "FLEET_CARS_PER_DEAL",
    "FLEET_MODELS", "FLEET_ORDERS_PER_LEAD", "FLEET_SEASON", "FOLLOWUP_AFTER_LEAVING_MISSED", "FOLLOWUP_OUTCOMES",
    "GRADE_CADENCE_DAYS", "GRADE_LOG_NEW_DAYS", "GRADE_LOG_PERSISTENCE", "GRADE_LOG_UNGRADED_SHARE",
    "GRADE_NOISE_SD", "GRADE_READINESS_LOGIT", "GRADE_STYLE_SHARES", "GRADE_THRESHOLDS", "HISTORY_END",
    "HISTORY_START", "INCOME_COLUMNS", "INCOME_TARGET_UPLIFT", "INSURANCE_COMMISSION", "INSURANCE_PREMIUM_CNY",
    "INSURANCE_TAKE_UP", "LATE_FOLLOWUP_DISCIPLINE", "LAUNCH_MONTHS_BEFORE_END", "LEADS_PER_STORE_MONTH",
    "LEAD_RANDOM_EFFECTS", "LEAD_SIGNALS", "LONG_GAP_DAYS", "LOST_REASONS", "MANAGER_ROLES", "MAX_REGULAR_GAP_DAYS",
    "MODELS", "MONTH_SEASON", "OEM_PUSH", "ONLINE_SHARE_GROWTH", "PLANNED_CONVERSION", "ROLE_NORMS", "RoleNorm",
    "SAME_MONTH_WEIGHT", "SAMPLE_BRAND", "SPRING_FESTIVAL", "STAFF_BASELINE_MONTHLY_HAZARD", "STAFF_SIGNALS",
    "StoreProfile", "TARGET_GROWTH", "TEAM_TURNOVER_NORM", "TIERS", "TRADE_IN_INCOME_CNY", "TRADE_IN_TAKE_UP",
    "WARRANTY_CNY", "WARRANTY_TAKE_UP", "WARRANTY_TIER_LOGIT",
]
