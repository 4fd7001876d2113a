"""The month-by-month simulation behind the sample dealership (internal to :mod:`kit.samples`).

Staff are hired and leave, leads arrive with trend and seasonality, consultants follow them up, leads are won or
lost and won cars are delivered. All randomness comes from generators spawned from one ``SeedSequence(seed)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError
from kit.samples.parameters import (
    BURN_IN_MONTHS, Brand, CarModel, EVENT_MONTH_FACTOR, FESTIVAL_FEBRUARY_AFTER_JANUARY, FILLER_CONTACTS,
    FLEET_CARS_PER_DEAL, FLEET_SEASON, GRADE_CADENCE_DAYS, GRADE_NOISE_SD, GRADE_STYLE_SHARES, GRADE_THRESHOLDS,
    LEAD_RANDOM_EFFECTS, LEAD_SIGNALS, LONG_GAP_DAYS, LOST_REASONS, MANAGER_ROLES, MAX_REGULAR_GAP_DAYS,
    ONLINE_SHARE_GROWTH, ROLE_NORMS, SAMPLE_BRAND, SPRING_FESTIVAL, STAFF_BASELINE_MONTHLY_HAZARD, STAFF_SIGNALS,
    StoreProfile, TEAM_TURNOVER_NORM, TIERS, _CALL, _GIVEN, _LOST, _NEVER, _OPEN, _OUT, _SMS, _SURNAMES, _VISIT,
    _WECHAT, _WON, sample_stores,
)

def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _day_dates(start: pd.Timestamp, days) -> pd.Series:
    """Day numbers counted from ``start`` as dates (NaN = missing).

    Integer nanoseconds rather than ``pd.to_timedelta`` of floats, which warns about an overflow on some arrays
    with missing values (a pandas quirk, harmless but noisy).
    """
    days = np.asarray(days, dtype=float)
    known = ~np.isnan(days)
    offset = np.where(known, days, 0).astype(np.int64) * np.int64(86_400_000_000_000)
    values = np.datetime64(start.to_datetime64(), "ns") + offset.astype("timedelta64[ns]")
    values[~known] = np.datetime64("NaT")
    return pd.Series(values)


def _month_labels(dates: pd.Series, fmt: str = "%Y-%m") -> pd.Series:
    """``dates.dt.strftime(fmt)`` for a month format, formatting each distinct month once (NaT stays missing)."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    months = values.astype("datetime64[M]")
    codes, uniques = pd.factorize(months, use_na_sentinel=True)
    labels = np.array([pd.Timestamp(u).strftime(fmt) for u in uniques] + [np.nan], dtype=object)
    return pd.Series(labels[codes], index=dates.index, dtype=object)


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


@dataclass
class _LeadColumns:
    """Every simulated lead as columns (one entry per lead) and its contacts as flat arrays (internal).

    Codes: ``channel`` indexes ``sim.channels``, ``model`` ``sim.models``, ``consultant`` ``sim.people``, ``store``
    ``sim.stores``; ``status`` is ``_WON``/``_LOST``/``_OPEN``; days are day numbers of the simulation, NaN for none.
    The contacts (``ev_*``) are sorted by lead, then time; ``ev_minute`` counts minutes from the first day.
    """

    consultant: np.ndarray
    store: np.ndarray
    t0: np.ndarray
    day: np.ndarray
    channel: np.ndarray
    model: np.ndarray
    trade_in: np.ndarray
    finance: np.ndarray
    grade: np.ndarray
    status: np.ndarray
    close_day: np.ndarray
    reason: np.ndarray
    gross_profit: np.ndarray
    delivery_day: np.ndarray
    p_win: np.ndarray
    x_signals: np.ndarray
    prompt: np.ndarray
    long_gap: np.ndarray
    orphaned: np.ndarray
    ev_lead: np.ndarray
    ev_minute: np.ndarray
    ev_kind: np.ndarray
    ev_outcome: np.ndarray

    def __len__(self) -> int:
        return len(self.t0)


# --------------------------------------------------------------------------- the simulation


class _Simulation:
    """Month-by-month simulation of staff, leads, contacts and KPIs (internal)."""

    def __init__(self, *, seed: int, start: str, end: str, n_stores: int | None = None, scale: float = 1.0,
                 brand: Brand = SAMPLE_BRAND, stores: tuple[StoreProfile, ...] | None = None,
                 seed_key: int | None = None, planted_exits: bool = True, staff_prefix: str = "E",
                 lead_prefix: str = "L", lead_width: int = 5, order_prefix: str = "O"):
        """Set up the calendar and the stores.

        ``stores`` replaces the sample's stores (then ``n_stores`` is ignored); ``seed_key`` is a second seed word
        (a group's store number), so each store of a group has its own streams; ``planted_exits`` plants the
        sample's two manager exits; the prefixes and width shape the staff and lead ids.
        """
        first, last = _parse_month(start, "start"), _parse_month(end, "end")
        if last < first + 2:
            raise ConfigError(f"end must be at least 2 months after start (a history of 3 months or more); "
                              f"got start={start!r}, end={end!r}.")
        if stores is None and (not isinstance(n_stores, (int, np.integer)) or not 1 <= n_stores <= 9):
            raise ConfigError(f"n_stores must be an integer from 1 to 9; got {n_stores!r}.")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer; got {seed!r}.")
        if not isinstance(scale, (int, float)) or not 0.01 <= scale <= 5:
            raise ConfigError(f"scale must be a number from 0.01 to 5; got {scale!r}.")
        self.seed = int(seed)
        self.seed_key = seed_key
        streams = np.random.SeedSequence(self._entropy()).spawn(4)
        self.rng = np.random.default_rng(streams[0])        # the simulation itself
        self.rng_names = np.random.default_rng(streams[1])  # names and phones
        self.rng_kpi = np.random.default_rng(streams[2])    # KPI metrics not derived from leads
        self.rng_side = np.random.default_rng(streams[3])   # traffic, fleet, stock
        self.scale = float(scale)
        self.brand = brand
        self.profiles = tuple(stores) if stores is not None else sample_stores(int(n_stores), self.scale)
        self.stores = [profile.store_id for profile in self.profiles]
        self.planted_exits_enabled = planted_exits
        self.staff_prefix, self.lead_prefix, self.lead_width = staff_prefix, lead_prefix, lead_width
        self.order_prefix = order_prefix
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
        self.launch_month = self.n_months - 1 - brand.launch_months_before_end
        self.models: tuple[CarModel, ...] = brand.models
        self.fleet_models: dict[str, float] = brand.fleet_models
        self.lead_level = [profile.leads_per_month for profile in self.profiles]
        self.fleet_rate = [profile.fleet_rate for profile in self.profiles]
        self.people: list[_Person] = []
        self.slots: list[_Slot] = []
        self.rehires = 0
        self._names_used: set[str] = set()
        self._festival_days()

    def _entropy(self, *words: int) -> list[int] | int:
        """Seed material of a random stream: the seed, the store key (groups) and the stream's own words."""
        key = [self.seed] + ([self.seed_key] if self.seed_key is not None else []) + list(words)
        return key[0] if len(key) == 1 else key

    def stream(self, word: int) -> np.random.Generator:
        """A random stream of its own (the grade log's, the ledger's), so drawing it moves no other table."""
        return np.random.default_rng(self._entropy(word))

    # ---------------------------------------------------------------- calendar and demand

    def _festival_days(self) -> None:
        self.festival_month = np.zeros(self.n_months, dtype=bool)
        self.after_january_festival = np.zeros(self.n_months, dtype=bool)
        self.before_festival = np.zeros(self.n_months, dtype=bool)
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
            if 1 <= m <= self.n_months:
                self.before_festival[m - 1] = True
            for d in range(day - 1, day + 3):       # 除夕 to 初三: showroom closed
                if 0 <= d < self.n_days:
                    closed[d] = True
            for d in range(day + 3, day + 15):      # slow until the Lantern Festival
                if 0 <= d < self.n_days:
                    slow[d] = True
        self.closed_day = closed
        self.slow_day = slow
        self.festival_start = {y: (pd.Timestamp(s) - self.start_date).days for y, s in SPRING_FESTIVAL.items()}

    @staticmethod
    def _festival_month(period: pd.Period) -> bool:
        """Whether the Spring Festival falls in ``period``."""
        day = SPRING_FESTIVAL.get(period.year)
        return day is not None and pd.Period(day, freq="M") == period

    def lead_season(self, s: int, period: pd.Period) -> float:
        """Lead-arrival season of store ``s`` in any month (the factor :meth:`_demand` uses), festival included."""
        factor = self.profiles[s].season[period.month - 1]
        if self._festival_month(period):
            factor *= self.profiles[s].festival_factor
        if period.month == 2 and self._festival_month(period - 1):
            factor *= FESTIVAL_FEBRUARY_AFTER_JANUARY
        if self._festival_month(period + 1):
            factor *= self.profiles[s].pre_festival_factor
        return factor

    def expected_volume(self, s: int, period: pd.Period) -> tuple[float, float]:
        """Expected leads and fleet cars of store ``s`` in any month, before noise (used to plan targets)."""
        years = (period - self.history_start.to_period("M")).n / 12.0
        level = self.lead_level[s] * self.scale
        leads = level * (1 + self.profiles[s].trend * years) * self.lead_season(s, period)
        fleet_season = FLEET_SEASON.get(period.month, 1.0) * (0.3 if self._festival_month(period) else 1.0)
        return leads, self.fleet_rate[s] * level * fleet_season * FLEET_CARS_PER_DEAL

    def on_sale(self, model: CarModel, period: pd.Period) -> bool:
        """Whether ``model`` is sold in ``period`` (the launch model from its launch month)."""
        return model.lifecycle != "launch" or (period - self.periods[0]).n >= self.launch_month

    def planned_model_share(self, period: pd.Period) -> dict[str, float]:
        """The models' planned share of leads in ``period`` (the months before the simulation: its first month)."""
        m = int(np.clip((period - self.periods[0]).n, 0, self.n_months - 1))
        return {model.name: float(share) for model, share in zip(self.models, self.model_shares[m])}

    def _demand(self) -> None:
        """Expected lead arrivals per store and month: level × trend × season × Spring Festival × noise."""
        years = (np.arange(self.n_months) - self.burn_in) / 12.0
        self.expected_leads = np.zeros((len(self.stores), self.n_months))
        for s, profile in enumerate(self.profiles):
            season = np.array([profile.season[int(m) - 1] for m in self.calendar_month])
            season = season * np.where(self.festival_month, profile.festival_factor, 1.0)
            season = season * np.where(self.after_january_festival, FESTIVAL_FEBRUARY_AFTER_JANUARY, 1.0)
            season = season * np.where(self.before_festival, profile.pre_festival_factor, 1.0)
            level = profile.leads_per_month * self.scale
            noise = np.exp(self.rng.normal(0.0, 0.06, self.n_months))
            self.expected_leads[s] = level * (1 + profile.trend * years) * season * noise
        # model interest shares by month
        shares = np.zeros((self.n_months, len(self.models)))
        t = np.clip((np.arange(self.n_months) - self.burn_in) / max(self.n_months - 1 - self.burn_in, 1), 0, 1)
        for j, model in enumerate(self.models):
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
        tier_of = np.array([TIERS.index(m.tier) for m in self.models])
        self.tier_shares = np.stack([self.model_shares[:, tier_of == k].sum(axis=1) for k in range(3)], axis=1)
        gp = np.array([m.gross_profit_cny for m in self.models])
        self.planned_gp_per_unit = self.model_shares @ gp + 700.0
        # channel mix by month
        channel_mix = self.brand.channel_mix
        mix = np.zeros((self.n_months, len(channel_mix)))
        names = list(channel_mix)
        for m in range(self.n_months):
            row = np.array([channel_mix[c] for c in names])
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
        out = []
        for profile in self.profiles:
            s = profile.staff_scale
            out.append({
                "sales_consultant": profile.consultant_posts,
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
        self._start_leads()
        self.planted_exits = self._planted_manager_exits() if self.planted_exits_enabled else {}
        for m in range(self.n_months):
            if m >= self.burn_in:
                self._staff_month(m)
            self._targets_month(m)
            self._leads_month(m)
            self._units_month(m)

    def _start_leads(self) -> None:
        """Empty lead store (the per-lead simulation keeps one dict and one contact list per lead)."""
        self.leads: list[dict] = []
        self.won_by_close_month: dict[int, list[dict]] = {}
        self.events: list[list[tuple[int, int, int]]] = []

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
            per_head = self.expected_leads[s, m] / posts[p.store] * self.brand.planned_conversion
            tenure = int(self.month_start[m]) - p.hire_day
            target = per_head * self._ramp(tenure) * self._employed_fraction(p, m)
            self.units_target[p.index, m] = max(1, int(round(target)))

    # ---------------------------------------------------------------- leads

    def _arrivals(self, m: int):
        """Per store with leads in month ``m``: (store, its consultants, lead days, channel codes, model codes).

        A generator, so the caller's per-lead draws come between one store's arrivals and the next's.
        """
        rng = self.rng
        ms, me = int(self.month_start[m]), int(self.month_end[m])
        days = np.arange(ms, me + 1)
        dow = np.asarray(self.dates[days].dayofweek)
        weights = np.where(dow >= 5, 1.45, 0.9) * np.where(self.closed_day[days], 0.0, 1.0)
        weights = weights * np.where(self.slow_day[days], 0.55, 1.0)
        weights = weights / weights.sum()
        consultants = self._consultants_in_month(m)
        for store in self.stores:
            n = int(rng.poisson(self.expected_leads[self.stores.index(store), m]))
            if n == 0:
                continue
            lead_days = np.sort(rng.choice(days, size=n, p=weights))
            staff = [p for p in consultants if p.store == store]
            channel = rng.choice(len(self.channels), size=n, p=self.channel_mix[m])
            model = rng.choice(len(self.models), size=n, p=self.model_shares[m])
            yield store, staff, lead_days, channel, model

    def _leads_month(self, m: int) -> None:
        rng = self.rng
        for store, staff, lead_days, channel, model in self._arrivals(m):
            hire = np.array([p.hire_day for p in staff])
            leave = np.array([p.leave_day for p in staff])
            for i in range(len(lead_days)):
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
        finance = rng.random() < self.brand.loan_wish
        prompt = rng.random() < c.prompt_rate
        long_gap = rng.random() < c.long_gap_rate
        sig = LEAD_SIGNALS
        x = sig["intercept"] + self.brand.conversion_logit + sig.get(f"channel_{channel}", 0.0)
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
            mdl = self.models[model]
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
        lifecycle = self.models[model].lifecycle
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

    def columns(self) -> _LeadColumns:
        """The simulated leads and contacts as columns (after :meth:`finish`)."""
        if getattr(self, "_columns", None) is None:
            leads = self.leads
            channel = {name: k for k, name in enumerate(self.channels)}

            def col(key, dtype):
                return np.array([lead[key] for lead in leads], dtype=dtype)

            def days(key):
                return np.array([np.nan if lead[key] is None else lead[key] for lead in leads], dtype=float)

            n_events = np.array([len(events) for events in self.events], dtype=np.int64)
            flat = np.array([e for events in self.events for e in events], dtype=np.int64).reshape(-1, 3)
            self._columns = _LeadColumns(
                consultant=col("consultant", np.int64), store=np.array([self.stores.index(lead["store"])
                                                                         for lead in leads], dtype=np.int64),
                t0=col("t0", np.int64), day=col("day", np.int64),
                channel=np.array([channel[lead["channel"]] for lead in leads], dtype=np.int64),
                model=col("model", np.int64), trade_in=col("trade_in", bool), finance=col("finance", bool),
                grade=col("grade", object), status=col("status", np.int64), close_day=days("close_day"),
                reason=col("reason", object), gross_profit=days("gross_profit"), delivery_day=days("delivery_day"),
                p_win=col("p_win", float), x_signals=col("x_signals", float), prompt=col("prompt", bool),
                long_gap=col("long_gap", bool), orphaned=col("orphaned", bool),
                ev_lead=np.repeat(np.arange(len(leads)), n_events), ev_minute=flat[:, 0], ev_kind=flat[:, 1],
                ev_outcome=flat[:, 2])
        return self._columns

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


