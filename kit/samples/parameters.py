"""The sample dealership's parameters: every number the generator plants, documented where it is defined.

The analyses are checked against these values (the lead model against :data:`LEAD_SIGNALS`, the at-risk model
against :data:`STAFF_SIGNALS`, the grade audit against :data:`GRADE_THRESHOLDS` …), so they are public.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_SEED = 2026
HISTORY_START = "2023-11"
HISTORY_END = "2026-10"
DEALER_NAME = "Sample Motors"

#: Spring Festival (春节, first day of the lunar year). The festival month gets the demand dip.
SPRING_FESTIVAL: dict[int, str] = {
    2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22",
    2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26",
    2029: "2029-02-13", 2030: "2030-02-03",
}

#: Lead-arrival season by calendar month (before the moving Spring Festival effect): the 金九银十 peak (its
#: promotions start in late August; deliveries trail leads by 2–4 weeks, so they peak in September–October)
#: and the December push.
MONTH_SEASON: dict[int, float] = {1: 1.00, 2: 0.97, 3: 1.05, 4: 1.00, 5: 0.98, 6: 1.04, 7: 0.90, 8: 1.15,
                                  9: 1.38, 10: 1.25, 11: 0.92, 12: 1.35}
#: Multiplier for the month containing the Spring Festival; a January festival also slows February (until 元宵).
FESTIVAL_MONTH_FACTOR = 0.62
FESTIVAL_FEBRUARY_AFTER_JANUARY = 0.90
#: Lead growth per year (online enquiries grow, walk-ins shrink slightly).
ANNUAL_TREND = 0.05
#: Months simulated before the history starts; leads created then and still open on the first day are exported
#: (a DMS export of the leads active in the period), so the first month has its pipeline.
BURN_IN_MONTHS = 3


@dataclass(frozen=True)
class CarModel:
    """A car model of the sample brand.

    ``interest_share`` is the relative share of leads before life-cycle effects; ``lifecycle`` is one of
    ``steady``, ``growing`` (share doubles over the history), ``run_out`` (share falls to about a third: the model
    is being cleared), ``launch`` (on sale only in the last ``LAUNCH_MONTHS_BEFORE_END + 1`` months) or
    ``intermittent`` (a low-volume model with many months of zero deliveries).
    """

    name: str
    tier: str
    body: str
    interest_share: float
    gross_profit_cny: float
    gross_profit_sd_cny: float
    lifecycle: str
    stock_months: float


MODELS: tuple[CarModel, ...] = (
    CarModel("Aurora", "premium", "SUV", 0.12, 11000, 4500, "steady", 1.8),
    CarModel("Breeze", "standard", "sedan", 0.22, 4200, 2500, "steady", 1.1),
    CarModel("Comet", "standard", "SUV", 0.20, 5200, 2800, "steady", 1.6),
    CarModel("Dart", "entry", "hatchback", 0.12, 800, 2500, "run_out", 2.3),
    CarModel("EV5", "standard", "EV", 0.09, 3000, 2500, "growing", 0.9),
    CarModel("Falcon", "premium", "MPV", 0.02, 15000, 5000, "intermittent", 2.0),
    CarModel("Glide", "entry", "sedan", 0.14, 1500, 2000, "steady", 1.0),
    CarModel("Nova", "premium", "EV", 0.12, 9000, 3500, "launch", 0.9),
)
TIERS = ("premium", "standard", "entry")
#: The launch model goes on sale this many months before the last month (2026-05 for a history ending 2026-10).
LAUNCH_MONTHS_BEFORE_END = 5
#: Models sold to fleet customers (大客户) outside the lead funnel, with their weights.
FLEET_MODELS = {"Breeze": 0.5, "EV5": 0.3, "Glide": 0.2}
#: Fleet deals by calendar month (year-end and autumn pushes); a fraction of it in the Spring Festival month.
FLEET_SEASON = {9: 1.6, 10: 1.6, 12: 2.2}

#: Lead channel mix at the start of the history; online grows by ``ONLINE_SHARE_GROWTH`` over the history.
CHANNEL_MIX = {"walk_in": 0.19, "phone": 0.10, "online": 0.58, "referral": 0.045, "event": 0.085}
ONLINE_SHARE_GROWTH = 0.06
#: Auto-show months (April shows, National Day) bring more event leads.
EVENT_MONTH_FACTOR = {4: 1.8, 9: 1.5, 10: 1.8}

#: True logistic model of a lead being won (ordered). Log-odds contributions of each signal; the reference lead
#: is an ``online`` lead with no visit, no test drive, no quote, no trade-in or loan wish, a slow first follow-up
#: and no long gap. Signals, as they appear in the data:
#:
#: - ``channel_*``: ``leads.channel`` (``online`` is the reference);
#: - ``visits``: ``leads.visits`` = showroom visits (``visit`` rows in followups), counted up to 4;
#: - ``test_drive``, ``quoted``, ``trade_in``, ``finance``: the ``leads`` booleans;
#: - ``prompt_followup``: the first contact after registration (for a walk-in, the first contact after the
#:   registration visit) falls on ``created_at`` or the next calendar day;
#: - ``long_gap``: some gap between the dates of consecutive contacts of the lead exceeds ``LONG_GAP_DAYS`` (21),
#:   not counting the gap before the last contact of a closed lead (the ``ordered`` or ``lost`` contact, or the
#:   last ``no_answer`` call of a lead closed as 失联).
#:
#: Add a consultant random effect (normal, sd ``LEAD_RANDOM_EFFECTS['consultant_skill_sd']``) and a lead-level
#: normal noise (sd ``LEAD_RANDOM_EFFECTS['lead_noise_sd']``); the sum is the log-odds of the Bernoulli draw.
#: For a lead the model decides, these fields are final; open and orphaned leads are cut short (module notes).
LEAD_SIGNALS: dict[str, float] = {
    "intercept": -5.4,
    "channel_walk_in": 1.85,
    "channel_phone": 1.00,
    "channel_referral": 2.70,
    "channel_event": 0.50,
    "visits": 0.45,
    "test_drive": 1.20,
    "quoted": 0.70,
    "trade_in": 0.25,
    "finance": 0.20,
    "prompt_followup": 0.50,
    "long_gap": -0.90,
}
LEAD_RANDOM_EFFECTS: dict[str, float] = {"consultant_skill_sd": 0.35, "lead_noise_sd": 0.30}
#: Threshold (in days) above which a gap between two contacts counts as ``long_gap``.
LONG_GAP_DAYS = 21
#: Longest regular gap between two contacts (working hours and closed showroom days add at most 5 more).
MAX_REGULAR_GAP_DAYS = 16.0

#: A consultant's grade: their view of the lead's true log-odds plus their personal bias plus noise (sd 1.0),
#: cut at these win probabilities (H ≥ 0.20, A ≥ 0.08, B ≥ 0.025, else C). Inflaters add about +1.3 log-odds,
#: deflaters about -1.1 (``consultant_traits.grade_bias_logit``). Won leads show ``O``, lost leads ``F``.
GRADE_THRESHOLDS: dict[str, float] = {"H": 0.20, "A": 0.08, "B": 0.025}
#: Share of each store's consultant team that inflates or deflates grades (2 and 1 in a team of 12–13).
GRADE_STYLE_SHARES: dict[str, float] = {"inflater": 0.16, "deflater": 0.09}
GRADE_NOISE_SD = 1.0
#: The month-end grade sheet (意向客户级别状况表, table ``grade_log``): on each month end of the history, every lead
#: open that day (created on or before it, not closed by it) gets the grade its consultant writes then, by the
#: mechanism of :data:`GRADE_THRESHOLDS` applied to what is true of the lead that day. The view is the lead's
#: log-odds with only the signals shown so far (visits, test drive and quote made by then; a long gap once one has
#: happened, counting the days since the last contact; the prompt follow-up from the day after registration), plus
#: the consultant's grade bias, plus noise (sd ``GRADE_NOISE_SD``; the share ``GRADE_LOG_PERSISTENCE`` of its
#: variance is the lead's own and stays from month to month), plus the customer's readiness: a lead that orders
#: within 7 / 15 / 30 days of the month end adds :data:`GRADE_READINESS_LOGIT` (the purchase windows of H / A / B,
#: DOMAIN.md §1.1). On the last day the sheet shows the leads table's ``grade``.
GRADE_READINESS_LOGIT: dict[int, float] = {7: 1.0, 15: 0.6, 30: 0.3}
GRADE_LOG_PERSISTENCE = 0.6
#: A lead registered less than ``GRADE_LOG_NEW_DAYS`` days before a month end (other than the last day) is still
#: ``N`` (not graded yet) on that sheet with probability ``GRADE_LOG_UNGRADED_SHARE``.
GRADE_LOG_NEW_DAYS = 7
GRADE_LOG_UNGRADED_SHARE = 0.25
#: Follow-up cadence (days) per grade the consultant works to (DOMAIN.md §1.2); each consultant's
#: ``followup_discipline`` multiplies it (above 1 = overdue).
GRADE_CADENCE_DAYS: dict[str, float] = {"H": 2, "A": 4, "B": 7, "C": 15}
#: Mean number of extra contacts (besides the first follow-up, invitations, visits and the closing contact).
FILLER_CONTACTS: dict[str, float] = {"H": 0.5, "A": 0.8, "B": 1.0, "C": 1.1}

#: 战败 reasons and their base weights; 贷款未批 only for loan seekers, 置换价格不满意 only with a trade-in.
LOST_REASONS: dict[str, float] = {"价格原因": 0.24, "竞品购买": 0.22, "暂缓购车": 0.16, "失联": 0.18,
                                  "贷款未批": 0.05, "异地购车": 0.05, "家人意见不同": 0.04, "车型配置不满意": 0.04,
                                  "置换价格不满意": 0.02}
#: Follow-up outcomes used in ``followups.outcome``.
FOLLOWUP_OUTCOMES = ("considering", "no_answer", "info_sent", "invited", "test_drive", "quoted", "negotiating",
                     "ordered", "lost")

#: Monthly probability of leaving at the reference levels of :data:`STAFF_SIGNALS` (all flags off, tenure
#: ≥ 6 months, pay, weekend shifts and training at the role's norm).
STAFF_BASELINE_MONTHLY_HAZARD: dict[str, float] = {
    "general_manager": 0.004, "sales_manager": 0.005, "showroom_manager": 0.005, "after_sales_manager": 0.005,
    "sales_consultant": 0.036, "dcc_specialist": 0.040, "service_advisor": 0.020, "technician": 0.015,
    "parts_specialist": 0.013, "finance_specialist": 0.016, "admin_staff": 0.014,
}
#: True monthly leaving hazard: log-odds = logit(baseline of the role) + Σ coefficient × driver + frailty.
#: Drivers, measured at the start of the month:
#:
#: - ``tenure_lt_6m``: hired less than 183 days ago;
#: - ``gate_misses_3m`` (consultants): how many of the last three months (0–3) ended with ``units_sold``
#:   achievement (actual ÷ target in kpi) below 60 %, counting months worked in full (the commission gate,
#:   DOMAIN.md §3.2: a missed gate pays no commission, and repeated misses put a consultant on notice);
#: - ``achievement_drop_3m`` (consultants): mean ``units_sold`` achievement of months m-6..m-4 minus that of
#:   months m-3..m-1, floored at 0 and capped at 1.5 (0 unless all six months were worked in full);
#: - ``manager_left_3m``: the person's line manager post changed hands (its holder left) in the last 91 days;
#: - ``weekend_shifts_above_norm``: ``weekend_shifts_per_month`` minus the role's norm (:data:`ROLE_NORMS`);
#: - ``base_pay_k_above_norm``: (``base_pay_cny`` - role norm) ÷ 1000;
#: - ``training_hours_above_norm``: ``training_hours`` (a year) minus the role's norm;
#: - ``team_turnover_12m_above_norm`` (consultants): consultants of the store who left in the 365 days before
#:   the month ÷ the store's consultant posts (days before the history count at the norm), minus
#:   ``TEAM_TURNOVER_NORM``. Managers whose bonus depends on
#:   team attrition fight turnover when it runs high and push weak performers out when it runs low
#:   (DOMAIN.md §4.2–4.3), which keeps the yearly rate near the norm.
#:
#: ``frailty_sd`` is the sd of a normal per-person effect. A leaver is ``involuntary`` with log-odds
#: -1.6 + 0.6 × gate_misses_3m + 0.8 × achievement_drop for consultants, probability 0.2 for others.
STAFF_SIGNALS: dict[str, float] = {
    "tenure_lt_6m": 0.70,
    "gate_misses_3m": 0.45,
    "achievement_drop_3m": 1.50,
    "manager_left_3m": 0.90,
    "weekend_shifts_above_norm": 0.20,
    "base_pay_k_above_norm": -0.35,
    "training_hours_above_norm": -0.015,
    "team_turnover_12m_above_norm": -2.0,
    "frailty_sd": 0.30,
}


@dataclass(frozen=True)
class RoleNorm:
    """Department, line-manager role, norms (pay, weekend shifts, training) and hiring of one role."""

    department: str
    reports_to: str | None
    base_pay_cny: int
    weekend_shifts: int
    training_hours: int
    initial_tenure_months: float
    vacancy_days: tuple[int, int]


ROLE_NORMS: dict[str, RoleNorm] = {
    "general_manager": RoleNorm("management", None, 20000, 2, 40, 84, (45, 90)),
    "sales_manager": RoleNorm("sales", "general_manager", 12000, 3, 40, 60, (30, 75)),
    "showroom_manager": RoleNorm("sales", "sales_manager", 9000, 4, 40, 48, (30, 75)),
    "after_sales_manager": RoleNorm("after_sales", "general_manager", 11000, 2, 40, 60, (30, 75)),
    "sales_consultant": RoleNorm("sales", "showroom_manager", 3800, 6, 24, 16, (7, 40)),
    "dcc_specialist": RoleNorm("sales", "sales_manager", 4200, 4, 20, 14, (10, 40)),
    "service_advisor": RoleNorm("after_sales", "after_sales_manager", 4500, 4, 24, 24, (14, 50)),
    "technician": RoleNorm("after_sales", "after_sales_manager", 6500, 3, 30, 36, (20, 60)),
    "parts_specialist": RoleNorm("after_sales", "after_sales_manager", 4800, 2, 12, 36, (20, 60)),
    "finance_specialist": RoleNorm("finance", "general_manager", 5200, 4, 16, 30, (20, 60)),
    "admin_staff": RoleNorm("admin", "general_manager", 4000, 1, 8, 30, (14, 50)),
}
MANAGER_ROLES = ("general_manager", "sales_manager", "showroom_manager", "after_sales_manager")
#: Consultant leavers per post and year that store managers steer towards (see ``STAFF_SIGNALS``).
TEAM_TURNOVER_NORM = 0.70
#: Consultant posts per store at scale 1 (S1 is the bigger store); further stores get the last value. Posts scale
#: with the lead volume, so a consultant handles about 60 new leads and sells about 5 cars a month at any scale
#: (enough for the 60 % volume gate to separate weak months from noise; DOMAIN.md §3.2).
CONSULTANT_POSTS = (6, 5)
#: Lead arrivals per store and month at scale 1 (before trend and season).
LEADS_PER_STORE_MONTH = (380, 320)
#: Fleet (大客户) orders per store and month for each lead arrival (2–5 cars an order).
FLEET_ORDERS_PER_LEAD = 0.0031
#: Mean cars per fleet deal (2–5, uniform).
FLEET_CARS_PER_DEAL = 3.5
#: Expected lead → order conversion used to set consultants' unit targets.
PLANNED_CONVERSION = 0.085

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
             "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏飞建国文辉力宇浩俊欣怡婷雪琳晨阳佳子梓涵轩博思雨泽嘉"
          "一诗海晓春东志新永雅丹斌峰波亮成凯琪倩璐宁健家天瑞昊然颖晶蕾岩慧鑫帆")
_MOBILE_PREFIXES = (130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
                    166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199)

_KIND_CODES = ("call", "visit", "wechat", "sms")
_CALL, _VISIT, _WECHAT, _SMS = range(4)
_OUT = {name: i for i, name in enumerate(FOLLOWUP_OUTCOMES)}
_WON, _LOST, _OPEN = 0, 1, 2
_STATUS_CODES = ("won", "lost", "open")
_NEVER = 10**9
_FIXED_ZIP_TIME = (2026, 11, 1, 0, 0, 0)
#: Second seed word of the grade log's own random stream (drawn after every other table, so they do not move).
_GRADE_LOG_STREAM = 0x47524144


# --------------------------------------------------------------------------- brands and stores


@dataclass(frozen=True)
class Brand:
    """A brand a 4S store sells: its line-up and what sets its showrooms apart.

    ``conversion_logit`` is added to the intercept of :data:`LEAD_SIGNALS`; ``loan_wish`` is the share of leads
    that want a loan; ``planned_conversion`` sets consultants' unit targets; ``price_factor`` scales the attached
    income amounts (insurance premiums, fees, accessories) to the brand's price level.
    """

    name: str
    name_zh: str
    models: tuple[CarModel, ...]
    fleet_models: dict[str, float]
    conversion_logit: float = 0.0
    channel_mix: dict[str, float] = field(default_factory=lambda: dict(CHANNEL_MIX))
    loan_wish: float = 0.45
    planned_conversion: float = PLANNED_CONVERSION
    launch_months_before_end: int = LAUNCH_MONTHS_BEFORE_END
    price_factor: float = 1.0


@dataclass(frozen=True)
class StoreProfile:
    """One store of a simulation: its id, size, demand and seasonality.

    ``consultant_posts`` sales consultant posts; ``staff_scale`` sizes the other teams (DCC, after-sales) against
    the sample's (2 DCC specialists, 2 service advisors, 3 technicians at 1.0); ``leads_per_month`` new leads a
    month before trend and season; ``season`` the lead season by calendar month (12 values, :data:`MONTH_SEASON`
    for the sample); ``festival_factor`` the Spring Festival month's multiplier and ``pre_festival_factor`` the
    month before it's (people buying before they go home); ``trend`` lead growth a year; ``fleet_rate`` fleet deals
    a month per lead.
    """

    store_id: str
    consultant_posts: int
    staff_scale: float
    leads_per_month: float
    season: tuple[float, ...] = tuple(MONTH_SEASON[m] for m in range(1, 13))
    festival_factor: float = FESTIVAL_MONTH_FACTOR
    pre_festival_factor: float = 1.0
    trend: float = ANNUAL_TREND
    fleet_rate: float = FLEET_ORDERS_PER_LEAD


#: The sample dealership's brand.
SAMPLE_BRAND = Brand(DEALER_NAME, "示范", MODELS, FLEET_MODELS)


def sample_stores(n_stores: int, scale: float) -> tuple[StoreProfile, ...]:
    """The sample dealership's stores S1 … Sn (S1 the bigger; further stores like the last of the constants)."""
    out = []
    for i in range(n_stores):
        posts = CONSULTANT_POSTS[min(i, len(CONSULTANT_POSTS) - 1)]
        out.append(StoreProfile(f"S{i + 1}", max(2, int(round(posts * scale))), scale,
                                LEADS_PER_STORE_MONTH[min(i, len(LEADS_PER_STORE_MONTH) - 1)]))
    return tuple(out)


# --------------------------------------------------------------------------- the order ledger and the targets

#: Attached income of a retail deal (DOMAIN.md §2.1–2.2). Each product is sold with probability
#: sigmoid(logit(take-up) + the consultant's effect + the model tier's effect) and earns the tier's mean amount
#: times log-normal noise (rounded to 10 CNY). The consultant's effects are drawn per consultant
#: (``truth/consultant_traits.csv``): ``deal_skill_logit`` = ``DEAL_SKILL['from_conversion_skill']`` × their
#: conversion skill + normal noise (sd ``DEAL_SKILL['sd']``) lifts finance, insurance and extended warranty;
#: ``accessories_factor`` (log-normal, sd ``DEAL_SKILL['accessories_sd']``) scales both the accessories take-up (as
#: ``0.8 × log factor`` on the log-odds) and the amount.
#:
#: - finance (按揭 fee and bank commission): take-up 0.85 for a lead that wanted a loan (``leads.finance``), 0.22
#:   otherwise, so about 55 % of retail cars are financed through the dealer (J.D. Power: 57–64 %);
#: - insurance: commission of 10–15 % (uniform) on a first-year premium of the tier's size;
#: - accessories (精品/装饰): most deals, a few thousand CNY;
#: - extended warranty (延保): a minority;
#: - trade-in (置换): a lead with ``trade_in`` trades its car in with probability ``TRADE_IN_TAKE_UP``; income is
#:   normal around the tier's mean (sd 1,200, at least 300 CNY).
DEAL_SKILL: dict[str, float] = {"from_conversion_skill": 0.9, "sd": 0.35, "accessories_sd": 0.30}
FINANCE_TAKE_UP: dict[bool, float] = {True: 0.85, False: 0.22}
FINANCE_TIER_LOGIT: dict[str, float] = {"premium": 0.3, "standard": 0.0, "entry": -0.2}
FINANCE_FEE_CNY: dict[str, float] = {"premium": 4800, "standard": 3200, "entry": 2200}
INSURANCE_TAKE_UP = 0.88
INSURANCE_PREMIUM_CNY: dict[str, float] = {"premium": 7800, "standard": 5200, "entry": 3900}
INSURANCE_COMMISSION = (0.10, 0.15)
ACCESSORIES_TAKE_UP = 0.82
ACCESSORIES_CNY: dict[str, float] = {"premium": 5200, "standard": 3000, "entry": 1600}
WARRANTY_TAKE_UP = 0.20
WARRANTY_TIER_LOGIT: dict[str, float] = {"premium": 0.4, "standard": 0.0, "entry": -0.3}
WARRANTY_CNY: dict[str, float] = {"premium": 2600, "standard": 1700, "entry": 1100}
TRADE_IN_TAKE_UP = 0.62
TRADE_IN_INCOME_CNY: dict[str, float] = {"premium": 5000, "standard": 3500, "entry": 2500}
#: Fleet (大客户) cars: no dealer loan or trade-in; insurance on some at a lower commission, a little accessories.
FLEET_ATTACH: dict[str, float] = {"insurance_take_up": 0.6, "insurance_commission": 0.08,
                                  "accessories_take_up": 0.15, "accessories_cny": 800}
#: Retail orders cancelled (退订) before hand-over: probability base + loan wish (the loan may be declined) + long
#: wait (a car handed over 10 or more days after the order, or not yet handed over); cancelled 2 days after the
#: order at the earliest and before the planned hand-over. The lead stays ``won`` (it did order) but loses its
#: ``delivered_at``; the order's attached income is 0.
CANCELLATION: dict[str, float] = {"base": 0.012, "loan_wish": 0.02, "long_wait": 0.03}
#: First call after delivery (交车回访, ``orders.followup_at``), days after the hand-over. ``prompt`` consultants
#: call on day 1–3 (weights 0.5/0.3/0.2), late with probability ``late`` (days ``late_days``) and never with
#: ``missing``. Consultants whose ``followup_discipline`` (the lead follow-up slackness of the simulation) is at least
#: ``LATE_FOLLOWUP_DISCIPLINE`` are ``late`` (``truth/consultant_traits.csv`` ``delivery_followup``). A call due
#: after the consultant left is missed with probability ``FOLLOWUP_AFTER_LEAVING_MISSED``; one due after the last
#: day is not in the data yet. Fleet cars: the sales manager calls 2–7 days after with probability 0.8.
DELIVERY_FOLLOWUP: dict[str, dict] = {
    "prompt": {"missing": 0.03, "late": 0.06, "late_days": (4, 10)},
    "late": {"missing": 0.25, "late": 0.45, "late_days": (5, 21)},
}
LATE_FOLLOWUP_DISCIPLINE = 1.8
FOLLOWUP_AFTER_LEAVING_MISSED = 0.7
#: Store targets (``targets``), set the way a dealer sets them: last year's same month, smoothed (the share
#: ``SAME_MONTH_WEIGHT`` of it plus the rest from last year's monthly average × the calendar's 淡旺季 coefficient,
#: :data:`MONTH_SEASON` over its mean), × (1 + ``TARGET_GROWTH``) × the OEM's push (``OEM_PUSH`` by calendar month:
#: 金九银十 and the year-end). The target copies last year's Spring Festival month, so a festival that moves
#: between January and February leaves one month easy and the other hard. Where the data has no last year (the
#: first 12 months) last year is the demand model's expectation for that month (with its Spring Festival) times
#: the store's realised conversion, with log-normal noise (sd 0.05). Gross profit and attached income:
#: the deliveries target × the store's amount per delivered car over the 12 months ending two months before
#: (the first six months' average while fewer than six months are known), income × ``INCOME_TARGET_UPLIFT``.
#: Model targets split the store's deliveries target by last year's model mix (the 12 months a year before; the
#: OEM's planned shares while fewer than six of them are known, and for a model not sold then), whole cars by
#: largest remainder, so they add up to the store's target; a model whose share rounds to no car has no row.
TARGET_GROWTH = 0.08
SAME_MONTH_WEIGHT = 0.6
OEM_PUSH: dict[int, float] = {9: 1.10, 10: 1.10, 12: 1.15}
INCOME_TARGET_UPLIFT = 1.05
INCOME_COLUMNS = ("accessories_income", "insurance_income", "finance_income", "warranty_income", "trade_in_income")
#: Second seed word of the ledger's own random stream (orders, cancellations, targets), so the other tables keep
#: their draws.
_LEDGER_STREAM = 0x4C454447
_COMPANY_WORDS = ("恒达", "宏远", "鑫源", "华通", "永盛", "金桥", "瑞丰", "远航", "天成", "中联", "顺安", "博远",
                  "新程", "泰和", "嘉禾", "长鸿", "润邦", "益民", "安捷", "佳运")
_COMPANY_TRADES = ("物流", "租车", "出行", "建设", "科技", "物业", "环保", "贸易", "客运", "城市服务")
