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
- ``sales.units`` adds fleet (大客户) deliveries that come from no lead (about 10–20 % of units); fleet orders are
  delivered in the month they are booked. In the first month, ``sales`` also holds cars ordered before it.
- The simulation starts ``BURN_IN_MONTHS`` early; leads created then and still open on the first day are exported
  (their ``created_at`` falls before the first month), so the first month has a realistic pipeline.

Public API: :func:`make_dealership`, :func:`make_leads`, :func:`make_staff`, :func:`make_sales`,
:func:`write_samples`.
"""

from __future__ import annotations

import io as _stdio
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import kit
from kit.exceptions import ConfigError
from kit.schemas import CHINESE_HEADERS, CHINESE_VALUES, FOLLOWUPS, KPI, LEADS, SALES, STOCK

# --------------------------------------------------------------------------- constants

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


# --------------------------------------------------------------------------- small helpers


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _parse_month(text: str, what: str) -> pd.Period:
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}", text.strip()):
        raise ConfigError(f"{what} must be a month written 'YYYY-MM'; got {text!r}.")
    try:
        return pd.Period(text.strip(), freq="M")
    except ValueError as exc:
        raise ConfigError(f"{what} must be a month written 'YYYY-MM'; got {text!r}.") from exc


@dataclass
class _Person:
    index: int
    slot: int
    role: str
    store: str
    hire_day: int
    name: str
    base_pay_cny: int
    weekend_shifts: int
    training_hours: int
    frailty: float
    leave_day: int = _NEVER
    leave_type: str | None = None
    skill: float = 0.0
    grade_bias: float = 0.0
    grade_style: str = "neutral"
    discipline: float = 1.0
    prompt_rate: float = 0.7
    long_gap_rate: float = 0.15
    conscientiousness: float = 0.0
    rehire_of: int | None = None


@dataclass
class _Slot:
    role: str
    store: str
    parent: int | None
    holders: list[int] = field(default_factory=list)
    leave_days: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- the simulation


class _Simulation:
    """Month-by-month simulation of staff, leads, contacts and KPIs (internal)."""

    def __init__(self, *, seed: int, start: str, end: str, n_stores: int, scale: float):
        first, last = _parse_month(start, "start"), _parse_month(end, "end")
        if last < first + 2:
            raise ConfigError(f"end must be at least 2 months after start (a history of 3 months or more); "
                              f"got start={start!r}, end={end!r}.")
        if not isinstance(n_stores, (int, np.integer)) or not 1 <= n_stores <= 9:
            raise ConfigError(f"n_stores must be an integer from 1 to 9; got {n_stores!r}.")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer; got {seed!r}.")
        if not isinstance(scale, (int, float)) or not 0.01 <= scale <= 5:
            raise ConfigError(f"scale must be a number from 0.01 to 5; got {scale!r}.")
        self.seed = int(seed)
        streams = np.random.SeedSequence(self.seed).spawn(4)
        self.rng = np.random.default_rng(streams[0])        # the simulation itself
        self.rng_names = np.random.default_rng(streams[1])  # names and phones
        self.rng_kpi = np.random.default_rng(streams[2])    # KPI metrics not derived from leads
        self.rng_side = np.random.default_rng(streams[3])   # traffic, fleet, stock
        self.scale = float(scale)
        self.stores = [f"S{i + 1}" for i in range(n_stores)]
        # the simulation starts BURN_IN_MONTHS early, so the first month inherits a pipeline of open leads
        self.burn_in = BURN_IN_MONTHS
        self.history_start = first.start_time.normalize()
        first = first - self.burn_in
        self.start_date = first.start_time.normalize()
        self.history_start_day = (self.history_start - self.start_date).days
        self.end_date = last.end_time.normalize()
        self.dates = pd.date_range(self.start_date, self.end_date, freq="D")
        self.n_days = len(self.dates)
        self.end_day = self.n_days - 1
        self.periods = pd.period_range(first, last, freq="M")
        self.n_months = len(self.periods)
        self.month_of_day = (self.dates.year - first.year) * 12 + (self.dates.month - first.month)
        self.month_of_day = np.asarray(self.month_of_day)
        self.month_start = np.searchsorted(self.month_of_day, np.arange(self.n_months))
        self.month_end = np.append(self.month_start[1:] - 1, self.end_day)
        self.calendar_month = np.asarray(self.periods.month)
        self.launch_month = self.n_months - 1 - LAUNCH_MONTHS_BEFORE_END
        self.people: list[_Person] = []
        self.slots: list[_Slot] = []
        self.rehires = 0
        self._names_used: set[str] = set()
        self._festival_days()

    # ---------------------------------------------------------------- calendar and demand

    def _festival_days(self) -> None:
        self.festival_month = np.zeros(self.n_months, dtype=bool)
        self.after_january_festival = np.zeros(self.n_months, dtype=bool)
        closed = np.zeros(self.n_days, dtype=bool)
        slow = np.zeros(self.n_days, dtype=bool)
        for year in range(self.dates[0].year, self.dates[-1].year + 1):
            if year not in SPRING_FESTIVAL:
                continue
            day = (pd.Timestamp(SPRING_FESTIVAL[year]) - self.start_date).days
            period = pd.Period(SPRING_FESTIVAL[year], freq="M")
            m = (period - self.periods[0]).n
            if 0 <= m < self.n_months:
                self.festival_month[m] = True
                if period.month == 1 and m + 1 < self.n_months:
                    self.after_january_festival[m + 1] = True
            for d in range(day - 1, day + 3):       # 除夕 to 初三: showroom closed
                if 0 <= d < self.n_days:
                    closed[d] = True
            for d in range(day + 3, day + 15):      # slow until the Lantern Festival
                if 0 <= d < self.n_days:
                    slow[d] = True
        self.closed_day = closed
        self.slow_day = slow
        self.festival_start = {y: (pd.Timestamp(s) - self.start_date).days for y, s in SPRING_FESTIVAL.items()}

    def _demand(self) -> None:
        """Expected lead arrivals per store and month: level × trend × season × Spring Festival × noise."""
        years = (np.arange(self.n_months) - self.burn_in) / 12.0
        season = np.array([MONTH_SEASON[int(m)] for m in self.calendar_month])
        season = season * np.where(self.festival_month, FESTIVAL_MONTH_FACTOR, 1.0)
        season = season * np.where(self.after_january_festival, FESTIVAL_FEBRUARY_AFTER_JANUARY, 1.0)
        self.expected_leads = np.zeros((len(self.stores), self.n_months))
        for s in range(len(self.stores)):
            level = LEADS_PER_STORE_MONTH[min(s, len(LEADS_PER_STORE_MONTH) - 1)] * self.scale
            noise = np.exp(self.rng.normal(0.0, 0.06, self.n_months))
            self.expected_leads[s] = level * (1 + ANNUAL_TREND * years) * season * noise
        # model interest shares by month
        shares = np.zeros((self.n_months, len(MODELS)))
        t = np.clip((np.arange(self.n_months) - self.burn_in) / max(self.n_months - 1 - self.burn_in, 1), 0, 1)
        for j, model in enumerate(MODELS):
            share = np.full(self.n_months, model.interest_share)
            if model.lifecycle == "growing":
                share = share * (1 + t)
            elif model.lifecycle == "run_out":
                share = share * np.clip(1.0 - 0.65 * (t - 0.3) / 0.7, 0.35, 1.0)
            elif model.lifecycle == "launch":
                ramp = np.clip((np.arange(self.n_months) - self.launch_month + 1) / 3.0, 0.0, 1.0)
                share = share * ramp
            shares[:, j] = share
        self.model_shares = shares / shares.sum(axis=1, keepdims=True)
        tier_of = np.array([TIERS.index(m.tier) for m in MODELS])
        self.tier_shares = np.stack([self.model_shares[:, tier_of == k].sum(axis=1) for k in range(3)], axis=1)
        gp = np.array([m.gross_profit_cny for m in MODELS])
        self.planned_gp_per_unit = self.model_shares @ gp + 700.0
        # channel mix by month
        mix = np.zeros((self.n_months, len(CHANNEL_MIX)))
        names = list(CHANNEL_MIX)
        for m in range(self.n_months):
            row = np.array([CHANNEL_MIX[c] for c in names])
            grow = ONLINE_SHARE_GROWTH * t[m]
            row[names.index("online")] += grow
            row[names.index("walk_in")] -= grow * 0.6
            row[names.index("phone")] -= grow * 0.4
            row[names.index("event")] *= EVENT_MONTH_FACTOR.get(int(self.calendar_month[m]), 1.0)
            mix[m] = row / row.sum()
        self.channel_mix = mix
        self.channels = names

    # ---------------------------------------------------------------- staff

    def _new_name(self) -> str:
        while True:
            surname = _SURNAMES[int(self.rng_names.integers(len(_SURNAMES)))]
            n_given = 1 if self.rng_names.random() < 0.3 else 2
            given = "".join(_GIVEN[int(i)] for i in self.rng_names.integers(len(_GIVEN), size=n_given))
            name = surname + given
            if name not in self._names_used:
                self._names_used.add(name)
                return name

    def _hire(self, slot_index: int, hire_day: int, *, rehire_of: int | None = None) -> _Person:
        rng = self.rng
        slot = self.slots[slot_index]
        norm = ROLE_NORMS[slot.role]
        consultant = slot.role == "sales_consultant"
        if rehire_of is not None:
            name = self.people[rehire_of].name
        else:
            name = self._new_name()
        pay = norm.base_pay_cny * float(np.exp(rng.normal(0.0, 0.12)))
        pay = int(round(pay / 100.0) * 100)
        weekend = int(np.clip(round(norm.weekend_shifts + rng.normal(0.0, 1.2)), 0, 8))
        training = int(np.clip(round(norm.training_hours * float(np.exp(rng.normal(0.0, 0.45)))), 0, 120))
        person = _Person(index=len(self.people), slot=slot_index, role=slot.role, store=slot.store,
                         hire_day=hire_day, name=name, base_pay_cny=pay, weekend_shifts=weekend,
                         training_hours=training, frailty=float(rng.normal(0.0, STAFF_SIGNALS["frailty_sd"])),
                         rehire_of=rehire_of)
        if consultant:
            person.skill = float(rng.normal(0.0, LEAD_RANDOM_EFFECTS["consultant_skill_sd"]))
            person.conscientiousness = float(rng.normal(0.0, 1.0))
            style = self._grade_style(slot.store, rng.random())
            if style == "inflater":
                person.grade_style, person.grade_bias = style, float(rng.normal(1.3, 0.2))
            elif style == "deflater":
                person.grade_style, person.grade_bias = style, float(rng.normal(-1.1, 0.2))
            else:
                person.grade_bias = float(rng.normal(0.0, 0.25))
            slack = float(np.exp(rng.normal(-0.35 * person.conscientiousness, 0.25)))
            if rng.random() < 0.12:
                slack *= 1.8   # a few consultants let follow-ups slide badly
            person.discipline = float(np.clip(0.8 * slack, 0.4, 3.0))
            person.prompt_rate = float(np.clip(0.85 - 0.3 * (person.discipline - 0.8), 0.25, 0.95))
            person.long_gap_rate = float(np.clip(0.06 + 0.18 * (person.discipline - 0.6), 0.03, 0.45))
            if rehire_of is not None:
                old = self.people[rehire_of]
                person.skill, person.grade_bias, person.grade_style = old.skill, old.grade_bias, old.grade_style
        self.people.append(person)
        slot.holders.append(person.index)
        return person

    def _grade_style(self, store: str, u: float) -> str:
        """Grading style of a new consultant: a missing inflater or deflater in the team is filled 70 % of the time."""
        team = [q for q in self.people if q.role == "sales_consultant" and q.store == store and q.leave_day == _NEVER]
        posts = sum(1 for sl in self.slots if sl.role == "sales_consultant" and sl.store == store)
        missing = [style for style, share in GRADE_STYLE_SHARES.items()
                   if sum(q.grade_style == style for q in team) < round(posts * share)]
        if missing:
            return missing[0] if u < 0.7 else "neutral"
        return "inflater" if u < 0.03 else "deflater" if u < 0.06 else "neutral"

    def _initial_staff(self) -> None:
        rng = self.rng
        gm_slot = self._add_slot("general_manager", self.stores[0], None)
        counts = self._post_counts()
        for s, store in enumerate(self.stores):
            sm = self._add_slot("sales_manager", store, gm_slot)
            self._add_slot("showroom_manager", store, sm)
            self._add_slot("after_sales_manager", store, gm_slot)
            for role, n in counts[s].items():
                for _ in range(n):
                    self._add_slot(role, store, self._parent_slot(role, store))
        for i, slot in enumerate(self.slots):
            months = ROLE_NORMS[slot.role].initial_tenure_months
            tenure_days = int(15 + rng.exponential(months * 30.4))
            self._hire(i, -tenure_days)

    def _post_counts(self) -> list[dict[str, int]]:
        s = self.scale
        out = []
        for i in range(len(self.stores)):
            base = CONSULTANT_POSTS[min(i, len(CONSULTANT_POSTS) - 1)]
            out.append({
                "sales_consultant": max(2, int(round(base * s))),
                "dcc_specialist": max(1, int(round(2 * s))),
                "service_advisor": max(1, int(round(2 * s))),
                "technician": max(1, int(round(3 * s))),
                "parts_specialist": 1,
                "finance_specialist": 1,
                "admin_staff": 1,
            })
        return out

    def _add_slot(self, role: str, store: str, parent: int | None) -> int:
        self.slots.append(_Slot(role=role, store=store, parent=parent))
        return len(self.slots) - 1

    def _parent_slot(self, role: str, store: str) -> int | None:
        boss = ROLE_NORMS[role].reports_to
        if boss is None:
            return None
        for i, slot in enumerate(self.slots):
            if slot.role == boss and (boss == "general_manager" or slot.store == store):
                return i
        return None

    # ---------------------------------------------------------------- the monthly loop

    def run(self) -> None:
        self._demand()
        self._initial_staff()
        n_alloc = max(64, 2 * len(self.people))
        self.units_actual = np.zeros((n_alloc, self.n_months))
        self.units_target = np.zeros((n_alloc, self.n_months))
        self.leads: list[dict] = []
        self.won_by_close_month: dict[int, list[dict]] = {}
        self.events: list[list[tuple[int, int, int]]] = []
        self.planted_exits = self._planted_manager_exits()
        for m in range(self.n_months):
            if m >= self.burn_in:
                self._staff_month(m)
            self._targets_month(m)
            self._leads_month(m)
            self._units_month(m)

    def _ensure_capacity(self) -> None:
        while len(self.people) > self.units_actual.shape[0]:
            pad = np.zeros_like(self.units_actual)
            self.units_actual = np.vstack([self.units_actual, pad])
            self.units_target = np.vstack([self.units_target, pad.copy()])

    def _planted_manager_exits(self) -> dict[int, tuple[int, str]]:
        """Planted manager exits (slot → month, leave type), outside the last 12 months.

        The last store's showroom manager resigns 20 months before the end (2025-03 by default): the 'manager
        left' driver for a whole team. The first store's after-sales manager is let go 29 months before the end
        (2024-06). Together with the random exits, managers turn over at about 10 % a year.
        """
        plan = {}
        for role, store, back, kind in (("showroom_manager", self.stores[-1], 20, "voluntary"),
                                        ("after_sales_manager", self.stores[0], 29, "involuntary")):
            m = self.n_months - back
            if m < self.burn_in + 3:
                continue
            for i, slot in enumerate(self.slots):
                if slot.role == role and slot.store == store:
                    plan[i] = (m, kind)
                    break
        return plan

    def _staff_month(self, m: int) -> None:
        rng = self.rng
        ms, me = int(self.month_start[m]), int(self.month_end[m])
        days_in_month = me - ms + 1
        at_risk = [p for p in self.people if p.hire_day <= ms and p.leave_day == _NEVER]
        leavers: list[tuple[_Person, int, str]] = []
        forced = {slot: kind for slot, (month, kind) in self.planted_exits.items() if month == m}
        team_turnover = {store: self._team_turnover(store, ms) - TEAM_TURNOVER_NORM for store in self.stores}
        for p in at_risk:
            norm = ROLE_NORMS[p.role]
            x = _logit(STAFF_BASELINE_MONTHLY_HAZARD[p.role]) + p.frailty
            x += STAFF_SIGNALS["tenure_lt_6m"] * (ms - p.hire_day < 183)
            x += STAFF_SIGNALS["weekend_shifts_above_norm"] * (p.weekend_shifts - norm.weekend_shifts)
            x += STAFF_SIGNALS["base_pay_k_above_norm"] * (p.base_pay_cny - norm.base_pay_cny) / 1000.0
            x += STAFF_SIGNALS["training_hours_above_norm"] * (p.training_hours - norm.training_hours)
            parent = self.slots[p.slot].parent
            manager_left = parent is not None and any(ms - 91 < d <= ms for d in self.slots[parent].leave_days)
            x += STAFF_SIGNALS["manager_left_3m"] * manager_left
            gate, drop = self._kpi_drivers(p, m)
            x += STAFF_SIGNALS["gate_misses_3m"] * gate + STAFF_SIGNALS["achievement_drop_3m"] * drop
            if p.role == "sales_consultant":
                x += STAFF_SIGNALS["team_turnover_12m_above_norm"] * team_turnover[p.store]
            leaves = rng.random() < _sigmoid(x)
            if p.slot in forced and p.role in MANAGER_ROLES:
                leaves = True
            if not leaves:
                continue
            if p.slot in forced and p.role in MANAGER_ROLES:
                day, kind = ms + 13, forced[p.slot]
            else:
                # ``day`` is the first day not employed: the last day worked falls inside month m
                day = ms + 1 + int(rng.integers(0, days_in_month))
                day = max(day, p.hire_day + 1)
                if p.role == "sales_consultant":
                    p_inv = _sigmoid(-1.6 + 0.6 * gate + 0.8 * drop)
                else:
                    p_inv = 0.2
                kind = "involuntary" if rng.random() < p_inv else "voluntary"
            leavers.append((p, day, kind))
        for p, day, kind in leavers:
            p.leave_day, p.leave_type = day, kind
            self.slots[p.slot].leave_days.append(day)
            lo, hi = ROLE_NORMS[p.role].vacancy_days
            hire_day = day + int(rng.integers(lo, hi + 1))
            if hire_day > self.end_day:
                continue
            self._hire(p.slot, hire_day, rehire_of=self._rehire_candidate(p.slot, hire_day))
        self._ensure_capacity()

    def _team_turnover(self, store: str, day: int) -> float:
        """Consultants of ``store`` who left in the 365 days before ``day``, per consultant post.

        Days before the history starts count at ``TEAM_TURNOVER_NORM`` (the data has no leavers for them).
        """
        posts = sum(1 for sl in self.slots if sl.role == "sales_consultant" and sl.store == store)
        since = max(day - 365, self.history_start_day)
        leavers = sum(1 for q in self.people if q.role == "sales_consultant" and q.store == store
                      and since <= q.leave_day < day)
        return leavers / posts + TEAM_TURNOVER_NORM * (365 - (day - since)) / 365

    def _rehire_candidate(self, slot_index: int, hire_day: int) -> int | None:
        """A former consultant of the same store who left voluntarily at least 6 months ago (at most two)."""
        slot = self.slots[slot_index]
        if slot.role != "sales_consultant" or self.rehires >= 2 or self.rng.random() > 0.25:
            return None
        rehired = {p.rehire_of for p in self.people if p.rehire_of is not None}
        for p in self.people:
            if (p.role == "sales_consultant" and p.store == slot.store and p.leave_type == "voluntary"
                    and p.leave_day <= hire_day - 183 and p.leave_day - p.hire_day >= 183 and p.index not in rehired
                    and p.rehire_of is None):
                self.rehires += 1
                return p.index
        return None

    def _kpi_drivers(self, p: _Person, m: int) -> tuple[int, float]:
        """``gate_misses_3m`` and ``achievement_drop_3m`` of consultant ``p`` at the start of month ``m``."""
        if p.role != "sales_consultant" or m < 1:
            return 0, 0.0
        full = [k for k in range(max(self.burn_in, m - 6), m)
                if p.hire_day <= self.month_start[k] and p.leave_day > self.month_end[k]]
        ach = self.units_actual[p.index] / np.maximum(self.units_target[p.index], 1e-9)
        gate = sum(1 for k in full if k >= m - 3 and ach[k] < 0.6)
        drop = 0.0
        if len(full) == 6:
            drop = float(np.clip(ach[m - 6:m - 3].mean() - ach[m - 3:m].mean(), 0.0, 1.5))
        return gate, drop

    def _ramp(self, tenure_days: int) -> float:
        if tenure_days < 30:
            return 0.5
        if tenure_days < 90:
            return 0.75
        return 1.15 if tenure_days >= 365 else 1.0

    def _consultants_in_month(self, m: int) -> list[_Person]:
        ms, me = self.month_start[m], self.month_end[m]
        return [p for p in self.people if p.role == "sales_consultant" and p.hire_day <= me and p.leave_day > ms]

    def _employed_fraction(self, p: _Person, m: int) -> float:
        ms, me = int(self.month_start[m]), int(self.month_end[m])
        first, last = max(ms, p.hire_day), min(me, p.leave_day - 1)
        return max(0, last - first + 1) / (me - ms + 1)

    def _targets_month(self, m: int) -> None:
        posts = {s: sum(1 for sl in self.slots if sl.role == "sales_consultant" and sl.store == s) for s in self.stores}
        for p in self._consultants_in_month(m):
            s = self.stores.index(p.store)
            per_head = self.expected_leads[s, m] / posts[p.store] * PLANNED_CONVERSION
            tenure = int(self.month_start[m]) - p.hire_day
            target = per_head * self._ramp(tenure) * self._employed_fraction(p, m)
            self.units_target[p.index, m] = max(1, int(round(target)))

    # ---------------------------------------------------------------- leads

    def _leads_month(self, m: int) -> None:
        rng = self.rng
        ms, me = int(self.month_start[m]), int(self.month_end[m])
        days = np.arange(ms, me + 1)
        dow = np.asarray(self.dates[days].dayofweek)
        weights = np.where(dow >= 5, 1.45, 0.9) * np.where(self.closed_day[days], 0.0, 1.0)
        weights = weights * np.where(self.slow_day[days], 0.55, 1.0)
        weights = weights / weights.sum()
        consultants = self._consultants_in_month(m)
        for s, store in enumerate(self.stores):
            n = int(rng.poisson(self.expected_leads[s, m]))
            if n == 0:
                continue
            lead_days = np.sort(rng.choice(days, size=n, p=weights))
            staff = [p for p in consultants if p.store == store]
            hire = np.array([p.hire_day for p in staff])
            leave = np.array([p.leave_day for p in staff])
            channel = rng.choice(len(self.channels), size=n, p=self.channel_mix[m])
            model = rng.choice(len(MODELS), size=n, p=self.model_shares[m])
            for i in range(n):
                d = int(lead_days[i])
                ok = (hire <= d) & (d < leave)
                if not ok.any():
                    continue
                w = np.where(d - hire[ok] < 30, 0.6, 1.0)
                pick = np.flatnonzero(ok)[int(rng.choice(int(ok.sum()), p=w / w.sum()))]
                self._new_lead(staff[pick], store, d, self.channels[int(channel[i])], int(model[i]))

    def _new_lead(self, c: _Person, store: str, day: int, channel: str, model: int) -> None:
        rng = self.rng
        # registration time (minutes of the day)
        if channel == "online":
            minute = int(rng.integers(7 * 60, 23 * 60 + 30))
        elif channel == "phone":
            minute = int(rng.integers(9 * 60, 20 * 60 + 30))
        else:
            minute = int(rng.integers(9 * 60 + 30, 19 * 60))
        t0 = day * 1440 + minute
        # signals
        walk = channel == "walk_in"
        if walk:
            visits = 1 + int(rng.poisson(0.6))
        else:
            p_visit = {"referral": 0.70, "phone": 0.35, "event": 0.30, "online": 0.18}[channel]
            visits = (1 + int(rng.poisson(0.4))) if rng.random() < p_visit else 0
        visits = min(visits, 5)
        test_drive = visits > 0 and rng.random() < min(0.35 + 0.12 * (visits - 1), 0.75)
        quoted = rng.random() < ((0.45 + 0.25 * test_drive) if visits > 0 else 0.25)
        trade_in = rng.random() < 0.25
        finance = rng.random() < 0.45
        prompt = rng.random() < c.prompt_rate
        long_gap = rng.random() < c.long_gap_rate
        sig = LEAD_SIGNALS
        x = sig["intercept"] + sig.get(f"channel_{channel}", 0.0)
        x += sig["visits"] * min(visits, 4) + sig["test_drive"] * test_drive + sig["quoted"] * quoted
        x += sig["trade_in"] * trade_in + sig["finance"] * finance
        x += sig["prompt_followup"] * prompt + sig["long_gap"] * long_gap
        x_signals = x
        x += c.skill + rng.normal(0.0, LEAD_RANDOM_EFFECTS["lead_noise_sd"])
        p_win = float(_sigmoid(x))
        won = rng.random() < p_win
        view = x + c.grade_bias + rng.normal(0.0, GRADE_NOISE_SD)
        grade = "C"
        for g in ("H", "A", "B"):
            if view >= _logit(GRADE_THRESHOLDS[g]):
                grade = g
                break
        reason = None
        if not won:
            reasons = dict(LOST_REASONS)
            if not finance:
                reasons.pop("贷款未批")
            if not trade_in:
                reasons.pop("置换价格不满意")
            keys = list(reasons)
            w = np.array([reasons[k] for k in keys])
            reason = keys[int(rng.choice(len(keys), p=w / w.sum()))]
        events, close_min = self._timeline(t0, walk, visits, test_drive, quoted, prompt, long_gap, won, reason,
                                           grade, GRADE_CADENCE_DAYS[grade] * c.discipline)
        gp = None
        if won:
            mdl = MODELS[model]
            gp = mdl.gross_profit_cny + 1500 * finance + 800 * trade_in + rng.normal(0.0, mdl.gross_profit_sd_cny)
            gp = float(round(gp / 10.0) * 10)
        close_day = close_min // 1440
        delivery_day = self._delivery_day(close_day, model) if won else None
        self.leads.append(dict(
            consultant=c.index, store=store, t0=t0, day=day, channel=channel, model=model, trade_in=trade_in,
            finance=finance, grade=grade, status=_WON if won else _LOST, close_day=close_day, reason=reason,
            gross_profit=gp, delivery_day=delivery_day, p_win=p_win, x_signals=x_signals, prompt=prompt,
            long_gap=long_gap, orphaned=False,
        ))
        self.events.append(events)
        if won and close_day < self.n_days:
            self.won_by_close_month.setdefault(int(self.month_of_day[close_day]), []).append(self.leads[-1])

    def _delivery_day(self, close_day: int, model: int) -> int:
        """Hand-over day: 2–10 days after the order for a car in stock (80 %), 10–30 days otherwise.

        The launch model (allocation-limited) and the intermittent model mostly wait for a car. Year-end push:
        December orders up to the 24th are delivered before 31 December. No car is handed over from the day
        before the Spring Festival to 初六.
        """
        rng = self.rng
        lifecycle = MODELS[model].lifecycle
        in_stock = rng.random() < {"launch": 0.2, "intermittent": 0.3}.get(lifecycle, 0.8)
        day = close_day + (int(rng.integers(2, 11)) if in_stock else int(rng.integers(10, 31)))
        date = self.start_date + pd.Timedelta(days=close_day)
        if date.month == 12 and date.day <= 24:
            year_end = (pd.Timestamp(year=date.year, month=12, day=31) - self.start_date).days
            day = min(day, year_end - int(rng.integers(0, 4)))
        for f in self.festival_start.values():
            if f - 1 <= day < f + 7:
                day = f + 7 + int(rng.integers(0, 4))
        return max(day, close_day + 1)

    def _clock(self, t: int, prev: int, *, visit: bool = False) -> int:
        """Move a contact time into working hours (visits 9:30–19:30, contacts 8:30–21:00), after ``prev``."""
        lo, hi = (9 * 60 + 30, 19 * 60 + 30) if visit else (8 * 60 + 30, 21 * 60)
        day, minute = divmod(t, 1440)
        if minute < lo:
            t = day * 1440 + lo + int(self.rng.integers(0, 120))
        elif minute > hi:
            t = (day + 1) * 1440 + lo + int(self.rng.integers(0, 120))
        return max(t, prev + 1)

    def _timeline(self, t0: int, walk: bool, visits: int, test_drive: bool, quoted: bool, prompt: bool,
                  long_gap: bool, won: bool, reason: str | None, grade: str, cadence: float):
        """Contacts of one lead, as (minute, kind, outcome) triples, and the closing minute.

        Sequence: [registration visit (walk-in)] → first follow-up → shuffled body of visits (most preceded by an
        invitation) and filler contacts → closing contact ('ordered' / 'lost'), or unanswered calls for 失联.
        Visits skip the days the showroom is closed; a decision that falls in the Spring Festival stall
        (from five days before the festival to day 10) waits until after it.
        """
        rng = self.rng
        # R registration visit, F1 first follow-up, F contact, I invitation, V visit, O ordered, L lost, N no answer
        steps: list[str] = ["R"] if walk else []
        steps.append("F1")
        n_fill = min(int(rng.poisson(FILLER_CONTACTS[grade])), 4)
        if long_gap:
            n_fill = max(n_fill, 1)   # the long gap needs a contact before the closing one
        body = ["V"] * (visits - walk) + ["F"] * n_fill
        for i in rng.permutation(len(body)):
            if body[i] == "V" and rng.random() < 0.8:
                steps.append("I")
            steps.append(body[i])
        if won:
            steps.append("O")
        elif reason == "失联":
            steps.extend(["N"] * (1 + int(rng.random() < 0.5)))
        else:
            steps.append("L")
        # what each visit and contact is for
        visit_idx = [k for k, step in enumerate(steps) if step in ("R", "V")]
        labels: dict[int, int] = {}
        td_at = None
        if test_drive and visit_idx:
            td_at = visit_idx[0] if rng.random() < 0.6 else visit_idx[int(rng.integers(len(visit_idx)))]
            labels[td_at] = _OUT["test_drive"]
        if quoted:
            later = [k for k in visit_idx if k not in labels and (td_at is None or k > td_at)]
            if later and rng.random() < 0.7:
                labels[later[0]] = _OUT["quoted"]
            else:
                contacts = [k for k, step in enumerate(steps) if step in ("F1", "F")]
                labels[contacts[int(rng.integers(len(contacts)))]] = _OUT["quoted"]
        if won and steps[-2] in ("V", "R") and (len(steps) - 2) not in labels:
            steps.pop()   # ordered on the spot: the last visit carries the order
            labels[len(steps) - 1] = _OUT["ordered"]
        last = len(steps) - 1
        # times
        times: list[int] = []
        gap_slots = []   # steps whose gap may become the long gap (never the closing step)
        for k, step in enumerate(steps):
            if step == "R":
                times.append(t0)
                continue
            prev = times[-1] if times else t0
            if step == "F1":
                day0, minute0 = divmod(t0, 1440)
                if prompt and minute0 < 17 * 60 and rng.random() < 0.6:
                    t = t0 + int(rng.integers(20, min(240, 21 * 60 - minute0)))
                elif prompt:
                    t = (day0 + 1) * 1440 + int(rng.integers(9 * 60, 20 * 60))
                else:
                    t = (day0 + int(rng.integers(2, 7))) * 1440 + int(rng.integers(9 * 60, 20 * 60))
                times.append(max(t, prev + 1))
                continue
            if step == "V" and steps[k - 1] == "I":
                gap = rng.uniform(0.5, 4.0)
            elif step == "O" and steps[k - 1] in ("V", "R"):
                gap = rng.uniform(0.01, 2.0)
            else:
                gap = float(np.clip(cadence * np.exp(rng.normal(0.0, 0.35)), 0.1, MAX_REGULAR_GAP_DAYS))
                if k != last:
                    gap_slots.append(k)
            times.append(int(prev + gap * 1440))
        if long_gap and gap_slots:
            # one gap becomes long; later contacts move with it, so their own gaps stay as drawn
            k = gap_slots[int(rng.integers(len(gap_slots)))]
            shift = int(times[k - 1] + rng.uniform(LONG_GAP_DAYS + 2, 45.0) * 1440) - times[k]
            for j in range(k, len(steps)):
                times[j] += shift
        # working hours, strict order, no visits on closed days
        clean: list[int] = []
        for k, step in enumerate(steps):
            t = times[k]
            if step == "R" or (step == "F1" and prompt):
                t = max(t, clean[-1] + 1) if clean else t
            else:
                t = self._clock(t, clean[-1] if clean else t0, visit=step in ("V", "R"))
            if step == "V":
                while self._closed(t // 1440):
                    t += 1440
                    for j in range(k + 1, len(steps)):
                        times[j] += 1440
            clean.append(t)
        close = clean[-1]
        if not won and reason == "失联":
            close = (clean[-1] // 1440 + int(rng.integers(3, 11))) * 1440 + 18 * 60
        stalled = self._after_stall(close // 1440)
        if stalled is not None:
            close = stalled * 1440 + close % 1440
            if reason != "失联":
                clean[-1] = max(close, clean[-2] + 1 if len(clean) > 1 else close)
                close = clean[-1]
        events: list[tuple[int, int, int]] = []
        quote_at = next((k for k, v in labels.items() if v == _OUT["quoted"]), None)
        for k, step in enumerate(steps):
            u = rng.random()
            if step in ("R", "V"):
                kind = _VISIT
                outcome = labels.get(k, _OUT["negotiating"] if quote_at is not None and k > quote_at
                                     else _OUT["considering"])
            elif step in ("F1", "F"):
                kind = _CALL if u < 0.5 else _WECHAT if u < 0.9 else _SMS
                if k in labels:
                    kind = _WECHAT if kind == _SMS else kind
                    outcome = labels[k]
                elif kind == _SMS:
                    outcome = _OUT["info_sent"]
                elif kind == _CALL:
                    outcome = _OUT["no_answer"] if rng.random() < 0.25 else _OUT["considering"]
                else:
                    outcome = _OUT["info_sent"] if rng.random() < 0.3 else _OUT["considering"]
            elif step == "I":
                kind, outcome = (_CALL if u < 0.6 else _WECHAT), _OUT["invited"]
            elif step == "O":
                kind, outcome = (_WECHAT if u < 0.6 else _CALL), _OUT["ordered"]
            elif step == "L":
                kind, outcome = (_CALL if u < 0.6 else _WECHAT), _OUT["lost"]
            else:  # N
                kind, outcome = _CALL, _OUT["no_answer"]
            events.append((clean[k], kind, outcome))
        return events, close

    def _closed(self, day: int) -> bool:
        return 0 <= day < self.n_days and bool(self.closed_day[day])

    def _after_stall(self, day: int) -> int | None:
        """The day a decision falling on ``day`` is taken: after the Spring Festival stall, or None if no stall.

        Customers put decisions off from five days before the festival (home for the holiday) until day 10,
        and decide in the run-up to the Lantern Festival (元宵, day 15), when trade picks up (DOMAIN.md §5.4).
        """
        for f in self.festival_start.values():
            if f - 5 <= day < f + 10:
                return f + 10 + int(self.rng.integers(0, 9))
        return None

    def _units_month(self, m: int) -> None:
        """Record units_sold actuals for month m (won leads closed in m while the consultant was employed)."""
        ms, me = self.month_start[m], self.month_end[m]
        for lead in self._recent_closures(ms, me):
            self.units_actual[lead["consultant"], m] += 1

    def _recent_closures(self, ms: int, me: int):
        m = int(self.month_of_day[ms])
        for lead in self.won_by_close_month.get(m, ()):
            if ms <= lead["close_day"] <= me and lead["close_day"] < self.people[lead["consultant"]].leave_day:
                yield lead

    # ---------------------------------------------------------------- finishing

    def finish(self) -> None:
        """Cut leads at the consultant's leave day (orphans) and at the end of the history (open leads)."""
        end = self.end_day
        for lead, events in zip(self.leads, self.events):
            leave = self.people[lead["consultant"]].leave_day
            cut = min(leave, end + 1)
            if lead["close_day"] < cut:
                continue
            kept = [e for e in events if e[0] // 1440 < cut]
            events[:] = kept
            lead["gross_profit"] = None
            lead["delivery_day"] = None
            if leave <= end:
                lead["orphaned"] = True
                lead["status"] = _LOST
                lead["reason"] = "失联"
                lead["close_day"] = min(leave + int(self.rng.integers(2, 11)), end)
            else:
                lead["status"] = _OPEN
                lead["reason"] = None
                lead["close_day"] = None
        for lead in self.leads:
            if lead["delivery_day"] is not None and lead["delivery_day"] > end:
                lead["delivery_day"] = None


# --------------------------------------------------------------------------- frames


def _staff_frame(sim: _Simulation) -> tuple[pd.DataFrame, dict[int, str]]:
    people = sorted(sim.people, key=lambda p: (p.hire_day >= 0, p.hire_day if p.hire_day >= 0 else 0, p.index))
    ids = {p.index: f"E{k + 1:03d}" for k, p in enumerate(people)}
    rows = []
    for p in people:
        slot = sim.slots[p.slot]
        left = p.leave_day - 1 <= sim.end_day
        manager = None
        if slot.parent is not None:
            on = min(p.leave_day - 1, sim.end_day)
            holders = [sim.people[h] for h in sim.slots[slot.parent].holders]
            current = [h for h in holders if h.hire_day <= on]
            if current:
                manager = ids[max(current, key=lambda h: h.hire_day).index]
        rows.append({
            "staff_id": ids[p.index],
            "name": p.name,
            "store_id": p.store,
            "department": ROLE_NORMS[p.role].department,
            "role": p.role,
            "hire_date": sim.start_date + pd.Timedelta(days=p.hire_day),
            # the simulation's leave_day is the first day not employed; the contract's leave_date the last day worked
            "leave_date": (sim.start_date + pd.Timedelta(days=p.leave_day - 1)) if left else pd.NaT,
            "leave_type": p.leave_type if left else None,
            "manager_id": manager,
            "base_pay_cny": p.base_pay_cny,
            "weekend_shifts_per_month": p.weekend_shifts,
            "training_hours": p.training_hours,
        })
    frame = pd.DataFrame(rows)
    frame["hire_date"] = pd.to_datetime(frame["hire_date"])
    frame["leave_date"] = pd.to_datetime(frame["leave_date"])
    for col in ("base_pay_cny", "weekend_shifts_per_month", "training_hours"):
        frame[col] = frame[col].astype("int64")
    return frame, ids


def _export_order(sim: _Simulation) -> tuple[list[int], list[int], dict[int, str]]:
    """Simulated leads in creation order, the exported ones (in that order) and their lead ids.

    Exported: leads created in the history, and leads created in the burn-in that are still open on its first day.
    """
    leads = sim.leads
    hs = sim.history_start_day
    order = sorted(range(len(leads)), key=lambda i: (leads[i]["t0"], leads[i]["store"], i))
    exported = [i for i in order if leads[i]["day"] >= hs or leads[i]["close_day"] is None
                or leads[i]["close_day"] >= hs]
    width = max(5, len(str(len(exported))))
    return order, exported, {i: f"L{k + 1:0{width}d}" for k, i in enumerate(exported)}


def _lead_frames(sim: _Simulation, ids: dict[int, str]) -> tuple[pd.DataFrame, ...]:
    """Leads, followups and lead truth of the exported leads, and every simulated lead (for sales and traffic).

    Exported: leads created in the history, and leads created in the burn-in that are still open on its first day.
    """
    leads = sim.leads
    order, exported, lead_ids = _export_order(sim)
    exported_set = set(exported)
    rng = sim.rng_names
    n = len(order)
    surnames = np.array(list(_SURNAMES))
    given = np.array(list(_GIVEN))
    s = surnames[rng.integers(len(surnames), size=n)]
    g1 = given[rng.integers(len(given), size=n)]
    g2 = np.where(rng.random(n) < 0.7, given[rng.integers(len(given), size=n)], "")
    names = [a + b + c for a, b, c in zip(s, g1, g2)]
    prefixes = np.array(_MOBILE_PREFIXES)[rng.integers(len(_MOBILE_PREFIXES), size=n)]
    mid = rng.integers(0, 10000, size=n)
    tail = rng.integers(0, 10000, size=n)
    phones = [f"{a}-{b:04d}-{c:04d}" for a, b, c in zip(prefixes, mid, tail)]
    rows, followups, truth = [], [], []
    start = sim.start_date
    for k, i in enumerate(order):
        lead = leads[i]
        events = sim.events[i]
        visits = sum(1 for e in events if e[1] == _VISIT)
        status = lead["status"]
        rows.append({
            "lead_id": lead_ids.get(i, ""),
            "store_id": lead["store"],
            "created_at": lead["day"],
            "channel": lead["channel"],
            "consultant_id": ids[lead["consultant"]],
            "model_interest": MODELS[lead["model"]].name,
            "visits": visits,
            "test_drive": any(e[2] == _OUT["test_drive"] for e in events),
            "quoted": any(e[2] == _OUT["quoted"] for e in events),
            "trade_in": bool(lead["trade_in"]),
            "finance": bool(lead["finance"]),
            "grade": "O" if status == _WON else "F" if status == _LOST else lead["grade"],
            "status": _STATUS_CODES[status],
            "closed_at": lead["close_day"],
            "delivered_at": lead["delivery_day"],
            "lost_reason": lead["reason"] if status == _LOST else None,
            "gross_profit": lead["gross_profit"] if status == _WON else None,
            "customer_name": names[k],
            "phone": phones[k],
        })
        if i not in exported_set:
            continue
        cid = ids[lead["consultant"]]
        for t, kind, outcome in events:
            followups.append((lead_ids[i], t, cid, _KIND_CODES[kind], FOLLOWUP_OUTCOMES[outcome]))
        truth.append({"lead_id": lead_ids[i], "p_win": round(lead["p_win"], 5),
                      "signals_logit": round(lead["x_signals"], 4), "prompt_followup": bool(lead["prompt"]),
                      "long_gap": bool(lead["long_gap"]), "orphaned": bool(lead["orphaned"])})
    frame = pd.DataFrame(rows, columns=LEADS.column_names)
    for col in ("created_at", "closed_at", "delivered_at"):
        days = pd.to_numeric(frame[col], errors="coerce")
        frame[col] = start + pd.to_timedelta(days, unit="D")
        frame[col] = pd.to_datetime(frame[col])
    frame["visits"] = frame["visits"].astype("int64")
    for col in ("test_drive", "quoted", "trade_in", "finance"):
        frame[col] = frame[col].astype(bool)
    frame["gross_profit"] = pd.to_numeric(frame["gross_profit"], errors="coerce").astype("float64")
    everything = frame
    frame = frame[frame["lead_id"] != ""].reset_index(drop=True)
    fu = pd.DataFrame(followups, columns=["lead_id", "minute", "consultant_id", "kind", "outcome"])
    fu["at"] = start + pd.to_timedelta(fu["minute"], unit="min")
    fu = fu.sort_values(["minute", "lead_id"], kind="mergesort").reset_index(drop=True)
    fu = fu[FOLLOWUPS.column_names]
    return frame, fu, pd.DataFrame(truth), everything


def _grade_log_frame(sim: _Simulation) -> pd.DataFrame:
    """The month-end grade sheet: one row per lead open on each month end of the history (see ``GRADE_LOG_*``).

    Uses its own random stream (``[seed, _GRADE_LOG_STREAM]``), so the other tables are the same with or without it.
    """
    rng = np.random.default_rng([sim.seed, _GRADE_LOG_STREAM])
    _, exported, lead_ids = _export_order(sim)
    columns = {"lead_id": pd.Series([], dtype=object), "at": pd.Series([], dtype="datetime64[ns]"),
               "grade": pd.Series([], dtype=object)}
    n = len(exported)
    if n == 0:
        return pd.DataFrame(columns)
    leads = [sim.leads[i] for i in exported]
    created = np.array([lead["day"] for lead in leads], dtype=np.int64)
    close = np.array([_NEVER if lead["close_day"] is None else lead["close_day"] for lead in leads], dtype=np.int64)
    won = np.array([lead["status"] == _WON for lead in leads])
    final_grade = np.array([lead["grade"] for lead in leads], dtype=object)
    bias = np.array([sim.people[lead["consultant"]].grade_bias for lead in leads])
    prompt = np.array([bool(lead["prompt"]) for lead in leads])
    sig = LEAD_SIGNALS
    # the lead's true log-odds without the signals that show over time, and its hidden part (skill + lead noise)
    static = np.array([sig["intercept"] + sig.get(f"channel_{lead['channel']}", 0.0)
                       + sig["trade_in"] * lead["trade_in"] + sig["finance"] * lead["finance"] for lead in leads])
    hidden = np.array([_logit(lead["p_win"]) - lead["x_signals"] for lead in leads])
    # contacts, in time order per lead: running visits, test drive, quote and the longest gap between contacts
    n_events = np.array([len(sim.events[i]) for i in exported], dtype=np.int64)
    flat = np.array([e for i in exported for e in sim.events[i]], dtype=np.int64).reshape(-1, 3)
    owner = np.repeat(np.arange(n), n_events)
    order = np.lexsort((flat[:, 0], owner))
    flat, owner = flat[order], owner[order]
    day = flat[:, 0] // 1440
    first = np.concatenate([[0], np.cumsum(n_events)[:-1]])
    by_lead = pd.DataFrame({"owner": owner, "visit": flat[:, 1] == _VISIT,
                            "test_drive": flat[:, 2] == _OUT["test_drive"], "quoted": flat[:, 2] == _OUT["quoted"],
                            "gap": np.where(np.r_[True, owner[1:] != owner[:-1]], 0, np.diff(day, prepend=0))})
    grouped = by_lead.groupby("owner", sort=False)
    # one padding entry at the end stands for "no contact yet"
    visits_so_far = np.append(grouped["visit"].cumsum().to_numpy(dtype=np.int64), 0)
    drove_so_far = np.append(grouped["test_drive"].cummax().to_numpy(dtype=bool), False)
    quoted_so_far = np.append(grouped["quoted"].cummax().to_numpy(dtype=bool), False)
    gap_so_far = np.append(grouped["gap"].cummax().to_numpy(dtype=np.int64), 0)
    contact_day = np.append(day, 0)
    key = owner * (sim.n_days + 1) + day
    u_lead = rng.standard_normal(n)
    rows = []
    for m in range(sim.burn_in, sim.n_months):
        d = int(sim.month_end[m])
        idx = np.flatnonzero((created <= d) & (close > d))
        if len(idx) == 0:
            continue
        seen = np.searchsorted(key, idx * (sim.n_days + 1) + d, side="right") - first[idx]
        last = first[idx] + seen - 1
        any_seen = seen > 0
        at = np.where(any_seen, last, len(day))
        visits, drove, quoted = visits_so_far[at], drove_so_far[at], quoted_so_far[at]
        since_last = d - np.where(any_seen, contact_day[at], created[idx])
        long_gap = (gap_so_far[at] > LONG_GAP_DAYS) | (since_last > LONG_GAP_DAYS)
        x = (static[idx] + hidden[idx] + sig["visits"] * np.minimum(visits, 4) + sig["test_drive"] * drove
             + sig["quoted"] * quoted + sig["prompt_followup"] * (prompt[idx] & (d > created[idx]))
             + sig["long_gap"] * long_gap)
        to_order = np.where(won[idx], close[idx] - d, _NEVER)
        ready = np.zeros(len(idx))
        for days, lift in sorted(GRADE_READINESS_LOGIT.items(), reverse=True):
            ready = np.where(to_order <= days, lift, ready)
        noise = GRADE_NOISE_SD * (np.sqrt(GRADE_LOG_PERSISTENCE) * u_lead[idx]
                                  + np.sqrt(1.0 - GRADE_LOG_PERSISTENCE) * rng.standard_normal(len(idx)))
        view = x + ready + bias[idx] + noise
        grade = np.full(len(idx), "C", dtype=object)
        for g in ("B", "A", "H"):
            grade[view >= _logit(GRADE_THRESHOLDS[g])] = g
        ungraded = rng.random(len(idx)) < GRADE_LOG_UNGRADED_SHARE
        grade[ungraded & (d - created[idx] < GRADE_LOG_NEW_DAYS)] = "N"
        if d == sim.end_day:
            grade = final_grade[idx]
        rows.append(pd.DataFrame({"lead_id": [lead_ids[exported[k]] for k in idx],
                                  "at": sim.start_date + pd.Timedelta(days=d), "grade": grade}))
    if not rows:
        return pd.DataFrame(columns)
    frame = pd.concat(rows, ignore_index=True)
    frame["at"] = pd.to_datetime(frame["at"]).astype("datetime64[ns]")
    return frame


def _traits_frame(sim: _Simulation, ids: dict[int, str]) -> pd.DataFrame:
    rows = [{"staff_id": ids[p.index], "store_id": p.store, "skill_logit": round(p.skill, 4),
             "grade_bias_logit": round(p.grade_bias, 4), "grade_style": p.grade_style,
             "followup_discipline": round(p.discipline, 4), "prompt_rate": round(p.prompt_rate, 4),
             "long_gap_rate": round(p.long_gap_rate, 4), "conscientiousness": round(p.conscientiousness, 4),
             "rehire_of": ids[p.rehire_of] if p.rehire_of is not None else None}
            for p in sim.people if p.role == "sales_consultant"]
    return pd.DataFrame(rows).sort_values("staff_id").reset_index(drop=True)


def _month_label(sim: _Simulation, m: int) -> str:
    return str(sim.periods[m])


def _kpi_frame(sim: _Simulation, ids: dict[int, str], leads: pd.DataFrame) -> pd.DataFrame:
    rng = sim.rng_kpi
    tier_of = {m.name: m.tier for m in MODELS}
    launch_model = next((m.name for m in MODELS if m.lifecycle == "launch"), None)
    won = leads[leads["status"] == "won"].copy()
    won["month"] = won["closed_at"].dt.strftime("%Y-%m")
    won["tier"] = won["model_interest"].map(tier_of)
    won_counts = won.groupby(["consultant_id", "month"]).size()
    tier_counts = won.groupby(["consultant_id", "month", "tier"]).size()
    gp_sums = won.groupby(["consultant_id", "month"])["gross_profit"].sum()
    new_model = won[won["model_interest"] == launch_model].groupby(["consultant_id", "month"]).size()
    created_month = leads["created_at"].dt.strftime("%Y-%m")
    created = leads.groupby([leads["consultant_id"], created_month]).size()
    channel_mask = leads["channel"].isin(["referral", "event"])
    channel_leads = leads[channel_mask].groupby([leads["consultant_id"][channel_mask],
                                                 created_month[channel_mask]]).size()
    created_day = (leads["created_at"] - sim.start_date).dt.days.to_numpy()
    closed_day = (leads["closed_at"] - sim.start_date).dt.days.to_numpy()
    closed_day = np.where(np.isnan(closed_day), _NEVER, closed_day)
    consultant_arr = leads["consultant_id"].to_numpy()
    by_consultant = {cid: np.flatnonzero(consultant_arr == cid) for cid in np.unique(consultant_arr)}
    rows = []
    posts = {s: sum(1 for sl in sim.slots if sl.role == "sales_consultant" and sl.store == s) for s in sim.stores}
    for m in range(sim.burn_in, sim.n_months):
        month = _month_label(sim, m)
        ms, me = int(sim.month_start[m]), int(sim.month_end[m])
        launch_window = launch_model is not None and sim.launch_month <= m < sim.launch_month + 12
        for p in sorted(sim._consultants_in_month(m), key=lambda q: ids[q.index]):
            cid = ids[p.index]
            s = sim.stores.index(p.store)
            frac = sim._employed_fraction(p, m)
            tenure = ms - p.hire_day
            ramp = sim._ramp(tenure)
            target_units = float(sim.units_target[p.index, m])
            leads_per_head = sim.expected_leads[s, m] / posts[p.store]
            units = int(won_counts.get((cid, month), 0))
            tiers = [int(tier_counts.get((cid, month, t), 0)) for t in TIERS]
            shares = sim.tier_shares[m]
            t_prem = max(0.1, round(target_units * shares[0], 1))
            t_entry = max(0.1, round(target_units * shares[2], 1))
            t_std = max(0.1, round(target_units - t_prem - t_entry, 1))
            idx = by_consultant.get(cid, np.array([], dtype=int))
            as_of = min(me, p.leave_day - 1)
            active = int(((created_day[idx] <= as_of) & (closed_day[idx] > as_of)).sum())
            gp = float(gp_sums.get((cid, month), 0.0))
            metrics = [
                ("units_sold", units, target_units),
                ("units_premium", tiers[0], t_prem),
                ("units_standard", tiers[1], t_std),
                ("units_entry", tiers[2], t_entry),
                ("gross_profit", round(gp), round(target_units * sim.planned_gp_per_unit[m], -3)),
                ("new_customers", int(created.get((cid, month), 0)),
                 max(1, round(leads_per_head * 1.1 * min(ramp, 1.0) * frac))),
                ("active_customers", active, max(1, round(leads_per_head * 1.1 * min(ramp, 1.0)))),
                ("display_score", float(np.clip(round(rng.normal(87 + 3 * p.conscientiousness, 4)), 40, 100)), 90),
            ]
            if launch_window:
                target_new = max(0.5, round(target_units * sim.model_shares[m][[x.name for x in MODELS].index(
                    launch_model)], 1))
                metrics.append(("new_model_units", int(new_model.get((cid, month), 0)), target_new))
            metrics += [
                ("market_activity", int(rng.poisson(3.6 * np.exp(0.15 * p.conscientiousness) * frac)),
                 max(1, round(4 * frac))),
                ("channel_leads", int(channel_leads.get((cid, month), 0)),
                 max(1, round(leads_per_head * 0.15 * min(ramp, 1.0) * frac))),
                ("complaints", int(rng.poisson(0.12 * np.exp(-0.4 * p.conscientiousness) * frac)), 1),
                ("csi", float(np.clip(round(rng.normal(88 + 8 * p.skill + 1.5 * p.conscientiousness, 3.5), 1),
                                      50, 100)), 90),
            ]
            for metric, actual, target in metrics:
                rows.append((month, cid, metric, float(actual), float(target)))
    return pd.DataFrame(rows, columns=KPI.column_names)


def _sales_frame(sim: _Simulation, leads: pd.DataFrame) -> pd.DataFrame:
    rng = sim.rng_side
    won = leads[leads["status"] == "won"]
    delivered = won[won["delivered_at"].notna()]
    units = delivered.groupby([delivered["delivered_at"].dt.strftime("%Y-%m"), "store_id", "model_interest"]).agg(
        units=("created_at", "size"), gross_profit=("gross_profit", "sum"))
    orders = won.groupby([won["closed_at"].dt.strftime("%Y-%m"), "store_id", "model_interest"]).size()
    rows = []
    fleet_names = list(FLEET_MODELS)
    fleet_w = np.array([FLEET_MODELS[k] for k in fleet_names])
    for m in range(sim.burn_in, sim.n_months):
        month = _month_label(sim, m)
        for s, store in enumerate(sim.stores):
            fleet = {}
            level = LEADS_PER_STORE_MONTH[min(s, len(LEADS_PER_STORE_MONTH) - 1)]
            season = FLEET_SEASON.get(int(sim.calendar_month[m]), 1.0) * (0.3 if sim.festival_month[m] else 1.0)
            for _ in range(int(rng.poisson(FLEET_ORDERS_PER_LEAD * level * sim.scale * season))):
                name = fleet_names[int(rng.choice(len(fleet_names), p=fleet_w))]
                fleet[name] = fleet.get(name, 0) + int(rng.integers(2, 6))
            for j, model in enumerate(MODELS):
                if model.lifecycle == "launch" and m < sim.launch_month:
                    continue
                key = (month, store, model.name)
                retail = int(units["units"].get(key, 0)) if key in units.index else 0
                gp = float(units["gross_profit"].get(key, 0.0)) if key in units.index else 0.0
                n_fleet = fleet.get(model.name, 0)
                fleet_gp = float(np.sum(rng.normal(600, 300, n_fleet))) if n_fleet else 0.0
                rows.append((month, store, model.name, retail + n_fleet, int(orders.get(key, 0)) + n_fleet,
                             float(round(gp + fleet_gp))))
    frame = pd.DataFrame(rows, columns=SALES.column_names)
    frame["units"] = frame["units"].astype("int64")
    frame["orders"] = frame["orders"].astype("int64")
    return frame


def _stock_frame(sim: _Simulation, sales: pd.DataFrame) -> pd.DataFrame:
    rng = sim.rng_side
    last3 = [_month_label(sim, m) for m in range(sim.n_months - 3, sim.n_months)]
    recent = sales[sales["month"].isin(last3)].groupby(["store_id", "model"])["units"].sum() / 3.0
    rows = []
    for store in sim.stores:
        for model in MODELS:
            if (store, model.name) not in recent.index:
                continue
            avg = float(recent[(store, model.name)])
            cover = model.stock_months * rng.uniform(0.85, 1.15)
            # whole cars, kept within 0.8–2.5 months of sales where whole numbers allow (else one car)
            lo, hi = int(np.ceil(0.8 * avg)), int(np.floor(2.5 * avg))
            on_hand = int(np.clip(round(avg * cover), lo, hi)) if lo <= hi else int(np.ceil(avg))
            if model.lifecycle == "run_out":
                transit = 0
            elif model.lifecycle == "launch":
                transit = int(round(avg * rng.uniform(0.8, 1.2)))
            else:
                transit = int(round(avg * rng.uniform(0.2, 0.6)))
            rows.append((store, model.name, on_hand, transit, sim.end_date))
    frame = pd.DataFrame(rows, columns=STOCK.column_names)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def _traffic_frame(sim: _Simulation, leads: pd.DataFrame) -> pd.DataFrame:
    rng = sim.rng_side
    channels = ("walk_in", "phone", "online")
    registration = {"walk_in": 0.70, "phone": 0.60, "online": 0.86}
    day = (leads["created_at"] - sim.start_date).dt.days.to_numpy()
    out = []
    for store in sim.stores:
        for channel in channels:
            mask = (leads["store_id"] == store).to_numpy() & (leads["channel"] == channel).to_numpy()
            registered = np.bincount(day[mask], minlength=sim.n_days)
            rate = np.clip(registration[channel] + rng.normal(0.0, 0.04, sim.n_months), 0.55, 0.95)
            rate_day = rate[sim.month_of_day]
            extra = rng.poisson(registered * (1.0 / rate_day - 1.0) + 0.25)
            extra = np.where(sim.closed_day & (channel != "online"), 0, extra)
            out.append(pd.DataFrame({"date": sim.dates, "store_id": store, "channel": channel,
                                     "visitors": (registered + extra).astype("int64")}))
    frame = pd.concat(out, ignore_index=True)
    frame = frame[frame["date"] >= sim.history_start]
    order = {c: i for i, c in enumerate(channels)}
    frame = frame.assign(_c=frame["channel"].map(order)).sort_values(["date", "store_id", "_c"], kind="mergesort")
    return frame.drop(columns="_c").reset_index(drop=True)


# --------------------------------------------------------------------------- public API


def make_dealership(*, seed: int = 0, start: str = HISTORY_START, end: str = HISTORY_END, n_stores: int = 2,
                    scale: float = 1.0, include_truth: bool = False) -> dict[str, pd.DataFrame]:
    """Simulate the sample dealership and return its tables.

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives identical tables.
    start, end
        First and last month of the history, ``'YYYY-MM'`` (defaults 2023-11 and 2026-10).
    n_stores
        Number of stores, ``S1`` … ``Sn``.
    scale
        Lead volume multiplier; below 1 it also shrinks the staff (for fast tests; 0.1 gives ~1,900 leads).
    include_truth
        Add ``consultant_traits`` and ``lead_truth``: the hidden values the generator used.

    Returns
    -------
    dict of DataFrame
        ``staff``, ``leads``, ``followups``, ``traffic``, ``kpi``, ``sales``, ``stock`` and ``grade_log`` (the
        month-end grade sheet: lead_id, at, grade for every lead open on each month end of the history) in the
        columns of :mod:`kit.schemas` (plus ``delivered_at`` in leads and three numeric columns in staff); dates
        are datetime64, booleans bool, months ``'YYYY-MM'`` strings.

    Raises
    ------
    ConfigError
        ``start``/``end`` not ``YYYY-MM`` or less than 3 months apart, ``n_stores`` outside 1–9, ``scale``
        outside 0.01–5.
    """
    sim = _Simulation(seed=seed, start=start, end=end, n_stores=n_stores, scale=scale)
    sim.run()
    sim.finish()
    staff, ids = _staff_frame(sim)
    leads, followups, lead_truth, all_leads = _lead_frames(sim, ids)
    kpi = _kpi_frame(sim, ids, leads)
    sales = _sales_frame(sim, all_leads)
    tables = {
        "staff": staff,
        "leads": leads,
        "followups": followups,
        "traffic": _traffic_frame(sim, all_leads),
        "kpi": kpi,
        "sales": sales,
        "stock": _stock_frame(sim, sales),
        "grade_log": _grade_log_frame(sim),
    }
    if include_truth:
        tables["consultant_traits"] = _traits_frame(sim, ids)
        tables["lead_truth"] = lead_truth
    return tables


def make_leads(*, seed: int = 0, scale: float = 0.1, start: str = HISTORY_START,
               end: str = HISTORY_END) -> pd.DataFrame:
    """Leads of a small sample dealership (``make_dealership(...)['leads']``; scale 0.1 ≈ 1,900 leads)."""
    return make_dealership(seed=seed, scale=scale, start=start, end=end)["leads"]


def make_staff(*, seed: int = 0, scale: float = 0.1, start: str = HISTORY_START,
               end: str = HISTORY_END) -> pd.DataFrame:
    """Staff roster of a small sample dealership (``make_dealership(...)['staff']``; scale 1 for the full roster)."""
    return make_dealership(seed=seed, scale=scale, start=start, end=end)["staff"]


def make_sales(*, seed: int = 0, scale: float = 0.1, start: str = HISTORY_START,
               end: str = HISTORY_END) -> pd.DataFrame:
    """Monthly deliveries per store and model of a small sample dealership (``make_dealership(...)['sales']``)."""
    return make_dealership(seed=seed, scale=scale, start=start, end=end)["sales"]


# --------------------------------------------------------------------------- writing


def _fmt_date(series: pd.Series, fmt: str = "%Y-%m-%d") -> pd.Series:
    return series.dt.strftime(fmt).astype(object).where(series.notna(), "")


def _fmt_number(series: pd.Series, *, digits: int = 1) -> pd.Series:
    """Whole numbers without a decimal point, others rounded to ``digits`` decimals; empty for missing."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        v = round(float(v), digits) + 0.0   # + 0.0 turns -0.0 into 0.0
        return str(int(v)) if v == int(v) else f"{v:.{digits}f}".rstrip("0")
    return series.map(one).astype(object)


def _text(frame: pd.DataFrame, *, date_format: str = "%Y-%m-%d", digits: int = 1) -> pd.DataFrame:
    """Every column as text, the way the CSV files are written."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            fmt = "%Y-%m-%d %H:%M" if col == "at" else date_format
            out[col] = _fmt_date(s, fmt)
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.map({True: "true", False: "false"}).astype(object)
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = _fmt_number(s, digits=digits)
        else:
            out[col] = s.astype(object).where(s.notna(), "")
    return out


def _write_csv(frame: pd.DataFrame, path: Path, *, digits: int = 1) -> Path:
    _text(frame, digits=digits).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def _dealer_leads(leads: pd.DataFrame, *, closed_format: str) -> pd.DataFrame:
    """The leads table as a dealer system exports it: Chinese headers and values, 是/否."""
    out = _text(leads, date_format="%Y/%m/%d")
    for col in ("closed_at", "delivered_at"):
        out[col] = _fmt_date(leads[col], closed_format)
    for col in ("test_drive", "quoted", "trade_in", "finance"):
        out[col] = leads[col].map({True: "是", False: "否"}).astype(object)
    for col in ("channel", "status"):
        out[col] = leads[col].map(CHINESE_VALUES[col]).astype(object)
    return out.rename(columns=CHINESE_HEADERS["leads"])


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite an xlsx (zip) with fixed timestamps and document dates, so equal content gives equal bytes."""
    stamp = "2026-11-01T00:00:00Z"
    src = zipfile.ZipFile(_stdio.BytesIO(raw))
    buf = _stdio.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, data)
    return buf.getvalue()


def _write_leads_xlsx(leads: pd.DataFrame, path: Path, *, export_date: pd.Timestamp) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    table = _dealer_leads(leads, closed_format="%Y年%m月%d日")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("意向客户")
    ws.append(["意向客户明细表"])
    ws.append([f"导出日期：{export_date:%Y年%m月%d日}", "", "导出人：系统管理员", "", f"门店：{DEALER_NAME}（全部）"])
    ws.append(list(table.columns))
    created_col = list(leads.columns).index("created_at")
    numeric = {list(leads.columns).index(c) for c in ("visits", "gross_profit")}
    created = list(leads["created_at"].dt.date)
    values = table.to_numpy()
    for r in range(len(table)):
        row = []
        for j, v in enumerate(values[r]):
            if j == created_col:
                cell = WriteOnlyCell(ws, value=created[r])
                cell.number_format = "yyyy/mm/dd"
                row.append(cell)
            elif j in numeric:
                row.append(int(v) if v != "" else None)
            else:
                row.append(v if v != "" else None)
        ws.append(row)
    wb.properties.creator = DEALER_NAME
    buf = _stdio.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))
    return path


def _readme(seed: int, tables: dict[str, pd.DataFrame]) -> str:
    """The ``README.md`` written next to the sample files: the seed and what each file holds."""
    leads, staff, sales, kpi = tables["leads"], tables["staff"], tables["sales"], tables["kpi"]
    grade_log = tables["grade_log"]
    first, last = kpi["month"].min(), kpi["month"].max()
    carried = int((leads["created_at"] < pd.Timestamp(first)).sum())
    won = leads[leads["status"] == "won"]
    delivered = int((won["delivered_at"] >= pd.Timestamp(first)).sum())
    fleet = 1 - delivered / int(sales["units"].sum())
    rehired = int(staff["name"].duplicated().sum())
    launch = next(m.name for m in MODELS if m.lifecycle == "launch")
    counts = leads["status"].value_counts()
    lines = [
        "# data_samples: the synthetic dealership \"Sample Motors\"",
        "",
        "Generated by `kit.samples.write_samples`; never edit by hand. Regenerate (byte for byte) with",
        "",
        "```",
        f"kit samples --out data_samples --seed {seed}",
        "```",
        "",
        f"seed: {seed}",
        "",
        f"Two stores (S1, S2), history {first} to {last}. {len(leads):,} leads ({counts.get('won', 0):,} won, "
        f"{counts.get('lost', 0):,} lost, {counts.get('open', 0):,} open), {len(tables['followups']):,} contacts, "
        f"{len(staff)} employment spells. Every name and phone number is invented.",
        "",
        "| file | contents |",
        "|---|---|",
        "| `leads.csv` | one row per lead, the columns of `kit.schemas.LEADS` incl. `delivered_at`. Won or lost "
        "follows the logistic model `kit.samples.LEAD_SIGNALS`. Leads created before the first month and still "
        f"open on its first day are included ({carried}, like a DMS export of the leads active in the period). "
        "Leads undecided on the last day are `open`; leads whose consultant left before they closed were "
        "closed as lost (`失联`). |",
        "| `followups.csv` | every contact (`call`, `visit`, `wechat`, `sms`). Each showroom visit is a `visit` "
        "row (a walk-in's first visit on `created_at`); test drive = outcome `test_drive`, quote = `quoted`, "
        "order = `ordered`, 战败 call = `lost`; others `considering`, `no_answer`, `info_sent`, `invited`, "
        "`negotiating`. |",
        "| `staff.csv` | roster, one row per employment spell; `base_pay_cny`, `weekend_shifts_per_month` and "
        "`training_hours` are extra columns for the at-risk model. Leaving follows "
        f"`kit.samples.STAFF_SIGNALS`. {rehired} former consultant(s) rehired under a new staff id (same name). |",
        "| `kpi.csv` | monthly actual and target per sales consultant employed in the month. `units_sold` = "
        "won leads by `closed_at` month; the tier targets split the unit target (one decimal); "
        f"`new_model_units` exists from the launch of {launch}; `complaints` is lower-is-better (target = "
        "allowed maximum). |",
        "| `sales.csv` | deliveries (`units`, by `delivered_at` month), orders (by `closed_at` month) and gross "
        f"profit per store and model, including fleet (大客户) deals that come from no lead ({fleet:.0%} of "
        "units) and, in the first month, cars ordered before it. |",
        "| `traffic.csv` | daily walk-ins, calls and online enquiries per store, registered as leads or not. |",
        "| `stock.csv` | stock per store and model on the last day. |",
        f"| `grade_log.csv` | the month-end grade sheet (意向客户级别状况表): one row per lead open on each month "
        f"end (created on or before it, not closed by it), {len(grade_log):,} rows: `lead_id`, `at` (the month "
        "end), `grade` (H/A/B/C the consultant wrote then; `N` for some leads registered in the last days before "
        "it). Graded like the leads' current grade (`kit.samples.GRADE_THRESHOLDS`, the consultant's bias "
        "included) but on what was true that day: the signals shown so far and how soon the customer orders "
        "(`kit.samples.GRADE_READINESS_LOGIT`). On the last day it equals the open leads' `grade`. |",
        "| `dealer.yml` | the dealership's settings, a copy of `kit/templates/dealer.yml`. |",
        "| `dealer_exports/leads.xlsx` | the leads as a dealer system exports them: two title rows, Chinese "
        "headers and values, 是/否, `建档日期` as an Excel date shown `yyyy/mm/dd`, other dates as text "
        "`2026年10月31日`. |",
        "| `dealer_exports/leads_gbk.csv` | the same table as a GBK-encoded CSV with CRLF line ends and dates "
        "`2026/10/31`. |",
        "| `truth/consultant_traits.csv` | hidden per-consultant values the generator used: conversion skill, "
        "grade bias (`inflater` / `deflater`), follow-up discipline. |",
        "| `truth/lead_truth.csv` | each lead's true win probability, its planted signals and whether it was "
        "orphaned. |",
        "",
    ]
    return "\n".join(lines)


def write_samples(out_dir: str | Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the sample dealership to ``out_dir`` (the committed ``data_samples/``).

    Parameters
    ----------
    out_dir
        Target folder; created if missing. Existing files of the same names are replaced.
    seed
        Seed of the generator; the same seed reproduces every file byte for byte.

    Returns
    -------
    dict of Path
        Each written file by name (``leads``, ``staff``, …, ``grade_log``, ``dealer``, ``leads_xlsx``,
        ``leads_gbk``, ``readme``, ``consultant_traits``, ``lead_truth``).
    """
    out = Path(out_dir)
    (out / "dealer_exports").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    tables = make_dealership(seed=seed, include_truth=True)
    paths: dict[str, Path] = {}
    for name in ("staff", "leads", "followups", "traffic", "kpi", "sales", "stock"):
        paths[name] = _write_csv(tables[name], out / f"{name}.csv")
    grade_log = tables["grade_log"]
    paths["grade_log"] = _write_csv(grade_log.assign(at=_fmt_date(grade_log["at"])), out / "grade_log.csv")
    paths["consultant_traits"] = _write_csv(tables["consultant_traits"], out / "truth" / "consultant_traits.csv",
                                            digits=4)
    paths["lead_truth"] = _write_csv(tables["lead_truth"], out / "truth" / "lead_truth.csv", digits=5)
    paths["dealer"] = out / "dealer.yml"
    shutil.copyfile(Path(kit.__file__).parent / "templates" / "dealer.yml", paths["dealer"])
    export_date = tables["stock"]["as_of"].max() + pd.Timedelta(days=1)
    paths["leads_xlsx"] = _write_leads_xlsx(tables["leads"], out / "dealer_exports" / "leads.xlsx",
                                            export_date=export_date)
    gbk = _dealer_leads(tables["leads"], closed_format="%Y/%m/%d")
    paths["leads_gbk"] = out / "dealer_exports" / "leads_gbk.csv"
    gbk.to_csv(paths["leads_gbk"], index=False, lineterminator="\r\n", encoding="gbk")
    paths["readme"] = out / "README.md"
    paths["readme"].write_text(_readme(seed, tables), encoding="utf-8")
    return paths
