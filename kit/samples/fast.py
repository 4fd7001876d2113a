"""The simulation with its leads drawn as arrays: the same models, fast enough for a group of 100 stores.

:class:`_FastSimulation` keeps the staff, targets and KPIs of :class:`~kit.samples.simulation._Simulation` (a
few dozen people a store) and replaces its per-lead Python with numpy over each month's leads: the same logistic
model (:data:`~kit.samples.parameters.LEAD_SIGNALS`), grades, lost reasons, contact sequence (registration visit,
first follow-up, shuffled visits with invitations and filler contacts, closing contact), working hours, Spring
Festival closures and stalls, hand-over days, orphaned and open leads. The random draws come in a different
order, so a store comes out statistically like the per-lead simulation, not identical to it; the committed
two-store sample keeps the per-lead simulation.
"""

from __future__ import annotations

import numpy as np

from kit.samples.parameters import (
    FILLER_CONTACTS, GRADE_CADENCE_DAYS, GRADE_NOISE_SD, GRADE_THRESHOLDS, LEAD_RANDOM_EFFECTS, LEAD_SIGNALS,
    LONG_GAP_DAYS, LOST_REASONS, MAX_REGULAR_GAP_DAYS, _CALL, _LOST, _NEVER, _OPEN, _OUT, _SMS, _VISIT, _WECHAT,
    _WON,
)
from kit.samples.simulation import _LeadColumns, _logit, _sigmoid, _Simulation

# contact steps of a lead's sequence
_R, _F1, _F, _I, _V, _O, _L, _N = range(8)
_GRADES = ("H", "A", "B", "C")
_VISIT_CHANCE = {"walk_in": 1.0, "referral": 0.70, "phone": 0.35, "event": 0.30, "online": 0.18}
#: Registration minute of the day by channel: [from, to).
_REGISTRATION_MINUTES = {"online": (7 * 60, 23 * 60 + 30), "phone": (9 * 60, 20 * 60 + 30)}
_OTHER_MINUTES = (9 * 60 + 30, 19 * 60)
_BIG = np.int64(10**12)


def _offsets(counts: np.ndarray) -> np.ndarray:
    """Start of each group in a flat array holding ``counts[i]`` entries of group ``i``."""
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)


def _rank(groups: np.ndarray) -> np.ndarray:
    """Position of each entry within its group, for a flat array sorted by group."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, groups[1:] != groups[:-1]]
    starts = np.flatnonzero(new)
    return np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))


def _cumsum_by(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` within each group of a flat array sorted by group."""
    total = np.cumsum(values)
    if len(values) == 0:
        return total
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return total - np.repeat((total - values)[starts], np.diff(np.r_[starts, len(values)]))


def _strictly_after(t: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each time moved to at least one minute after the previous time of its group (flat, sorted by group)."""
    i = np.arange(len(t), dtype=np.int64)
    lifted = np.maximum.accumulate(t - i + groups.astype(np.int64) * _BIG)
    return lifted - groups.astype(np.int64) * _BIG + i


class _FastSimulation(_Simulation):
    """:class:`_Simulation` with each month's leads drawn as arrays (internal; used for dealer groups)."""

    def _start_leads(self) -> None:
        self._batches: list[dict[str, np.ndarray]] = []
        self._n_leads = 0
        self._closing: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._columns = None
        self._next_open = np.arange(self.n_days + 1)
        for d in range(self.n_days - 1, -1, -1):
            if self.closed_day[d]:
                self._next_open[d] = self._next_open[d + 1]
        dates = self.dates
        self._december_cut = np.where((dates.month == 12) & (dates.day <= 24),
                                      np.arange(self.n_days) + (31 - dates.day), -1)

    # ---------------------------------------------------------------- leads

    def _leads_month(self, m: int) -> None:
        rng = self.rng
        for store, staff, lead_days, channel, model in self._arrivals(m):
            if not staff:
                continue
            hire = np.array([p.hire_day for p in staff])
            leave = np.array([p.leave_day for p in staff])
            d = lead_days[:, None]
            weight = np.where(d - hire < 30, 0.6, 1.0) * ((hire <= d) & (d < leave))
            total = weight.sum(axis=1)
            u = rng.random(len(lead_days)) * total
            pick = np.minimum((np.cumsum(weight, axis=1) <= u[:, None]).sum(axis=1), len(staff) - 1)
            has = total > 0
            self._new_leads([staff[k] for k in pick[has]], self.stores.index(store), lead_days[has],
                            channel[has], model[has])

    def _new_leads(self, people: list, store: int, day: np.ndarray, channel: np.ndarray, model: np.ndarray) -> None:
        rng = self.rng
        n = len(day)
        if n == 0:
            return
        trait = {name: np.array([getattr(p, name) for p in people])
                 for name in ("index", "skill", "grade_bias", "discipline", "prompt_rate", "long_gap_rate")}
        names = np.array(self.channels)[channel]
        lo = np.array([_REGISTRATION_MINUTES.get(c, _OTHER_MINUTES)[0] for c in self.channels])[channel]
        hi = np.array([_REGISTRATION_MINUTES.get(c, _OTHER_MINUTES)[1] for c in self.channels])[channel]
        t0 = day * 1440 + lo + np.floor(rng.random(n) * (hi - lo)).astype(np.int64)
        walk = names == "walk_in"
        chance = np.array([_VISIT_CHANCE[c] for c in self.channels])[channel]
        visits = np.where(walk, 1 + rng.poisson(0.6, n),
                          np.where(rng.random(n) < chance, 1 + rng.poisson(0.4, n), 0))
        visits = np.minimum(visits, 5)
        test_drive = (visits > 0) & (rng.random(n) < np.minimum(0.35 + 0.12 * (visits - 1), 0.75))
        quoted = rng.random(n) < np.where(visits > 0, 0.45 + 0.25 * test_drive, 0.25)
        trade_in = rng.random(n) < 0.25
        finance = rng.random(n) < self.brand.loan_wish
        prompt = rng.random(n) < trait["prompt_rate"]
        long_gap = rng.random(n) < trait["long_gap_rate"]
        sig = LEAD_SIGNALS
        channel_logit = np.array([sig.get(f"channel_{c}", 0.0) for c in self.channels])[channel]
        x = (sig["intercept"] + self.brand.conversion_logit + channel_logit + sig["visits"] * np.minimum(visits, 4)
             + sig["test_drive"] * test_drive + sig["quoted"] * quoted + sig["trade_in"] * trade_in
             + sig["finance"] * finance + sig["prompt_followup"] * prompt + sig["long_gap"] * long_gap)
        x_signals = x
        x = x + trait["skill"] + rng.normal(0.0, LEAD_RANDOM_EFFECTS["lead_noise_sd"], n)
        p_win = _sigmoid(x)
        won = rng.random(n) < p_win
        view = x + trait["grade_bias"] + rng.normal(0.0, GRADE_NOISE_SD, n)
        grade = np.full(n, 3)   # C, then B, A, H where the view clears their thresholds
        for g in (2, 1, 0):
            grade = np.where(view >= _logit(GRADE_THRESHOLDS[_GRADES[g]]), g, grade)
        reason = self._lost_reasons(~won, finance, trade_in)
        cadence = np.array([GRADE_CADENCE_DAYS[g] for g in _GRADES])[grade] * trait["discipline"]
        lost_contact = reason == "失联"
        ev_lead, ev_minute, ev_kind, ev_outcome, close_min = self._timelines(
            t0, walk, visits, test_drive, quoted, prompt, long_gap, won, lost_contact, grade, cadence)
        mdl_gp = np.array([mdl.gross_profit_cny for mdl in self.models])[model]
        mdl_sd = np.array([mdl.gross_profit_sd_cny for mdl in self.models])[model]
        gp = mdl_gp + 1500 * finance + 800 * trade_in + rng.normal(0.0, 1.0, n) * mdl_sd
        gp = np.where(won, np.round(gp / 10.0) * 10, np.nan)
        close_day = close_min // 1440
        delivery = np.where(won, self._delivery_days(close_day, model), np.nan)
        first = self._n_leads
        self._batches.append(dict(
            consultant=trait["index"].astype(np.int64), store=np.full(n, store, dtype=np.int64), t0=t0,
            day=day.astype(np.int64), channel=channel.astype(np.int64), model=model.astype(np.int64),
            trade_in=trade_in, finance=finance, grade=np.array(_GRADES, dtype=object)[grade],
            status=np.where(won, _WON, _LOST).astype(np.int64), close_day=close_day.astype(float),
            reason=np.where(won, None, reason).astype(object), gross_profit=gp, delivery_day=delivery,
            p_win=p_win, x_signals=x_signals, prompt=prompt, long_gap=long_gap, orphaned=np.zeros(n, dtype=bool),
            ev_lead=ev_lead + first, ev_minute=ev_minute, ev_kind=ev_kind, ev_outcome=ev_outcome))
        self._n_leads += n
        # won leads count for units_sold in the month they close
        closing = won & (close_day < self.n_days)
        month = self.month_of_day[np.minimum(close_day, self.n_days - 1)]
        for mm in np.unique(month[closing]):
            sel = closing & (month == mm)
            self._closing.setdefault(int(mm), []).append((close_day[sel], trait["index"][sel]))

    def _lost_reasons(self, lost: np.ndarray, finance: np.ndarray, trade_in: np.ndarray) -> np.ndarray:
        """A 战败 reason per lost lead (贷款未批 only for loan seekers, 置换价格不满意 only with a trade-in)."""
        keys = list(LOST_REASONS)
        weight = np.tile(np.array([LOST_REASONS[k] for k in keys]), (len(lost), 1))
        weight[~finance, keys.index("贷款未批")] = 0.0
        weight[~trade_in, keys.index("置换价格不满意")] = 0.0
        cum = np.cumsum(weight, axis=1)
        u = self.rng.random(len(lost)) * cum[:, -1]
        pick = np.minimum((cum <= u[:, None]).sum(axis=1), len(keys) - 1)
        return np.where(lost, np.array(keys, dtype=object)[pick], None)

    def _delivery_days(self, close_day: np.ndarray, model: np.ndarray) -> np.ndarray:
        """Hand-over days, as :meth:`_Simulation._delivery_day` (stock, year-end push, festival) for arrays."""
        rng = self.rng
        n = len(close_day)
        lifecycle = np.array([mdl.lifecycle for mdl in self.models])[model]
        in_stock = rng.random(n) < np.select([lifecycle == "launch", lifecycle == "intermittent"], [0.2, 0.3], 0.8)
        day = close_day + np.where(in_stock, rng.integers(2, 11, n), rng.integers(10, 31, n))
        inside = close_day < self.n_days
        cut = np.where(inside, self._december_cut[np.minimum(close_day, self.n_days - 1)], -1)
        day = np.where(cut >= 0, np.minimum(day, cut - rng.integers(0, 4, n)), day)
        late = rng.integers(0, 4, n)
        for f in self.festival_start.values():
            day = np.where((f - 1 <= day) & (day < f + 7), f + 7 + late, day)
        return np.maximum(day, close_day + 1).astype(float)

    def _timelines(self, t0, walk, visits, test_drive, quoted, prompt, long_gap, won, lost_contact, grade, cadence):
        """Contacts of a batch of leads as flat arrays (lead, minute, kind, outcome) and each lead's closing minute.

        The sequence of :meth:`_Simulation._timeline`: [registration visit] → first follow-up → shuffled visits
        (most after an invitation) and filler contacts → closing contact ('ordered', 'lost' or unanswered calls
        for 失联); a won lead whose last contact is a visit orders during it.
        """
        rng = self.rng
        n = len(t0)
        lead_ids = np.arange(n)
        # body units: visits after registration (each invited first with probability 0.8) and filler contacts
        n_fill = np.minimum(rng.poisson(np.array([FILLER_CONTACTS[g] for g in _GRADES])[grade]), 4)
        n_fill = np.where(long_gap, np.maximum(n_fill, 1), n_fill)
        n_visit = visits - walk
        n_body = n_visit + n_fill
        unit_lead = np.repeat(lead_ids, n_body)
        unit_visit = _rank(unit_lead) < np.repeat(n_visit, n_body)
        unit_invite = unit_visit & (rng.random(len(unit_lead)) < 0.8)
        shuffle = np.lexsort((rng.random(len(unit_lead)), unit_lead))
        unit_lead, unit_visit, unit_invite = unit_lead[shuffle], unit_visit[shuffle], unit_invite[shuffle]
        per_unit = 1 + unit_invite
        body_lead = np.repeat(unit_lead, per_unit)
        body_type = np.repeat(np.where(unit_visit, _V, _F), per_unit)
        body_type[_offsets(per_unit)[unit_invite]] = _I
        n_close = np.where(lost_contact, 1 + (rng.random(n) < 0.5), 1)
        close_lead = np.repeat(lead_ids, n_close)
        close_type = np.repeat(np.where(won, _O, np.where(lost_contact, _N, _L)), n_close)
        # the whole sequence, sorted by lead then section then position
        lead = np.concatenate([lead_ids[walk], lead_ids, body_lead, close_lead])
        kind = np.concatenate([np.full(walk.sum(), _R), np.full(n, _F1), body_type, close_type])
        section = np.concatenate([np.zeros(walk.sum()), np.ones(n), np.full(len(body_lead), 2),
                                  np.full(len(close_lead), 3)])
        position = np.concatenate([np.zeros(walk.sum() + n), _rank(body_lead), _rank(close_lead)])
        order = np.lexsort((position, section, lead))
        lead, kind = lead[order], kind[order]
        # labels: test drive and quote on visits or contacts
        label = np.full(len(lead), -1)
        is_visit = (kind == _R) | (kind == _V)
        visit_rank = np.where(is_visit, _cumsum_by(is_visit.astype(np.int64), lead) - 1, -1)
        u = rng.random((4, n))
        td_rank = np.where(test_drive & (visits > 0),
                           np.where(u[0] < 0.6, 0, np.floor(u[1] * np.maximum(visits, 1))), -1).astype(np.int64)
        label[is_visit & (visit_rank == td_rank[lead])] = _OUT["test_drive"]
        later = td_rank + 1
        at_visit = quoted & (later < visits) & (u[2] < 0.7)
        label[is_visit & (visit_rank == later[lead]) & at_visit[lead]] = _OUT["quoted"]
        is_contact = (kind == _F1) | (kind == _F)
        contact_rank = np.where(is_contact, _cumsum_by(is_contact.astype(np.int64), lead) - 1, -1)
        quote_contact = np.floor(u[3] * (1 + n_fill)).astype(np.int64)
        label[is_contact & (contact_rank == quote_contact[lead]) & (quoted & ~at_visit)[lead]] = _OUT["quoted"]
        # ordered on the spot: a won lead whose last contact before the order is an unlabelled visit
        steps = np.bincount(lead, minlength=n)
        last_at = _offsets(steps) + steps - 1
        before = last_at - 1
        spot = won & is_visit[before] & (label[before] == -1)
        label[before[spot]] = _OUT["ordered"]
        keep = np.ones(len(lead), dtype=bool)
        keep[last_at[spot]] = False
        lead, kind, label = lead[keep], kind[keep], label[keep]
        steps = np.bincount(lead, minlength=n)
        start = _offsets(steps)
        last = np.zeros(len(lead), dtype=bool)
        last[start + steps - 1] = True
        # times: the first follow-up, then gaps in days
        minute0, day0 = t0 % 1440, t0 // 1440
        v = rng.random((4, n))
        same_day = prompt & (minute0 < 17 * 60) & (v[0] < 0.6)
        first = np.where(same_day, t0 + 20 + np.floor(v[1] * (np.minimum(240, 21 * 60 - minute0) - 20)),
                         np.where(prompt, (day0 + 1) * 1440, (day0 + 2 + np.floor(v[2] * 5)) * 1440)
                         + 9 * 60 + np.floor(v[3] * 11 * 60))
        previous = np.r_[-1, kind[:-1]]
        w = rng.random((2, len(lead)))
        regular = ~np.isin(kind, (_R, _F1)) & ~((kind == _V) & (previous == _I)) & ~(
            (kind == _O) & np.isin(previous, (_V, _R)))
        gap = np.select([(kind == _V) & (previous == _I), (kind == _O) & np.isin(previous, (_V, _R))],
                        [0.5 + 3.5 * w[0], 0.01 + 1.99 * w[0]],
                        np.clip(cadence[lead] * np.exp(rng.normal(0.0, 0.35, len(lead))), 0.1, MAX_REGULAR_GAP_DAYS))
        gap = np.where(np.isin(kind, (_R, _F1)), 0.0, gap)
        eligible = regular & ~last
        count = np.bincount(lead, weights=eligible, minlength=n).astype(np.int64)
        chosen = np.floor(w[1][start] * np.maximum(count, 1)).astype(np.int64)
        eligible_rank = _cumsum_by(eligible.astype(np.int64), lead) - 1
        stretched = eligible & (eligible_rank == chosen[lead]) & long_gap[lead]
        gap = np.where(stretched, LONG_GAP_DAYS + 2 + (45.0 - LONG_GAP_DAYS - 2) * rng.random(len(lead)), gap)
        t = np.floor(first[lead] + _cumsum_by(gap * 1440, lead)).astype(np.int64)
        t = np.where(kind == _R, t0[lead], t)
        # working hours (visits 9:30–19:30, contacts 8:30–21:00), in order, visits not on closed days
        visit_like = np.isin(kind, (_R, _V))
        lo = np.where(visit_like, 9 * 60 + 30, 8 * 60 + 30)
        hi = np.where(visit_like, 19 * 60 + 30, 21 * 60)
        clocked = ~((kind == _R) | ((kind == _F1) & prompt[lead]))
        m, d = t % 1440, t // 1440
        jitter = rng.integers(0, 120, len(lead))
        t = np.where(clocked & (m < lo), d * 1440 + lo + jitter, t)
        t = np.where(clocked & (m > hi), (d + 1) * 1440 + lo + jitter, t)
        t = _strictly_after(t, lead)
        for _ in range(4):
            d = t // 1440
            shut = (kind == _V) & (d < self.n_days) & self.closed_day[np.minimum(d, self.n_days - 1)]
            if not shut.any():
                break
            moved = np.where(shut, self._next_open[np.minimum(d, self.n_days - 1)] - d, 0) * 1440
            t = t + _cumsum_by(moved, lead)
        # closing: unanswered calls close a few days later; the Spring Festival stall delays decisions
        end_at = start + steps - 1
        close = t[end_at].copy()
        later_days = rng.integers(3, 11, n)
        close = np.where(lost_contact, (close // 1440 + later_days) * 1440 + 18 * 60, close)
        cd = close // 1440
        wait = rng.integers(0, 9, n)
        stalled = np.full(n, -1)
        for f in self.festival_start.values():
            stalled = np.where((f - 5 <= cd) & (cd < f + 10), f + 10 + wait, stalled)
        moved = stalled >= 0
        close = np.where(moved, stalled * 1440 + close % 1440, close)
        shift_last = moved & ~lost_contact
        t[end_at[shift_last]] = np.maximum(close[shift_last], t[end_at[shift_last] - 1] + 1)
        close = np.where(shift_last, t[end_at], close)
        # kind of contact and outcome
        r = rng.random((2, len(lead)))
        channel = np.select([r[0] < 0.5, r[0] < 0.9], [_CALL, _WECHAT], _SMS)
        channel = np.where((label >= 0) & (channel == _SMS), _WECHAT, channel)
        filler_outcome = np.select([channel == _SMS, channel == _CALL],
                                   [_OUT["info_sent"], np.where(r[1] < 0.25, _OUT["no_answer"], _OUT["considering"])],
                                   np.where(r[1] < 0.3, _OUT["info_sent"], _OUT["considering"]))
        quote_k = np.where(label == _OUT["quoted"], _rank(lead), _NEVER)
        quote_at = np.full(n, _NEVER)
        np.minimum.at(quote_at, lead, quote_k)
        negotiating = _rank(lead) > quote_at[lead]
        contact = np.isin(kind, (_F1, _F))
        call_first, wechat_first = np.where(r[0] < 0.6, _CALL, _WECHAT), np.where(r[0] < 0.6, _WECHAT, _CALL)
        ev_kind = np.select([visit_like, contact, kind == _I, kind == _O, kind == _L],
                            [_VISIT, channel, call_first, wechat_first, call_first], _CALL)
        ev_outcome = np.select(
            [label >= 0, visit_like, contact, kind == _I, kind == _O, kind == _L],
            [label, np.where(negotiating, _OUT["negotiating"], _OUT["considering"]), filler_outcome, _OUT["invited"],
             _OUT["ordered"], _OUT["lost"]], _OUT["no_answer"])
        return lead, t, ev_kind.astype(np.int64), ev_outcome.astype(np.int64), close

    def _units_month(self, m: int) -> None:
        """units_sold of month ``m``: won leads closed in it while their consultant was employed."""
        leave = np.array([p.leave_day for p in self.people])
        for close_day, consultant in self._closing.get(m, ()):
            counted = close_day < leave[consultant]
            np.add.at(self.units_actual[:, m], consultant[counted], 1)

    # ---------------------------------------------------------------- finishing

    def finish(self) -> None:
        """Orphaned and open leads, as :meth:`_Simulation.finish`, and the columns of every lead."""
        end = self.end_day
        names = list(self._batches[0]) if self._batches else []
        cols = {k: np.concatenate([b[k] for b in self._batches]) if self._batches else np.zeros(0) for k in names}
        if not self._batches:
            self._columns = _LeadColumns(**{k: np.zeros(0) for k in _LeadColumns.__dataclass_fields__})
            return
        leave = np.array([p.leave_day for p in self.people])[cols["consultant"]]
        cut = np.minimum(leave, end + 1)
        kept = cols["ev_minute"] // 1440 < cut[cols["ev_lead"]]
        for k in ("ev_lead", "ev_minute", "ev_kind", "ev_outcome"):
            cols[k] = cols[k][kept]
        cut_short = cols["close_day"] >= cut
        cols["gross_profit"] = np.where(cut_short, np.nan, cols["gross_profit"])
        cols["delivery_day"] = np.where(cut_short, np.nan, cols["delivery_day"])
        orphan = cut_short & (leave <= end)
        still_open = cut_short & ~orphan
        cols["orphaned"] = orphan
        cols["status"] = np.select([orphan, still_open], [_LOST, _OPEN], cols["status"])
        cols["reason"] = np.where(orphan, "失联", np.where(still_open, None, cols["reason"])).astype(object)
        closed_after = np.minimum(leave + self.rng.integers(2, 11, len(leave)), end)
        cols["close_day"] = np.where(orphan, closed_after, np.where(still_open, np.nan, cols["close_day"]))
        cols["delivery_day"] = np.where(cols["delivery_day"] > end, np.nan, cols["delivery_day"])
        self._columns = _LeadColumns(**cols)
        del self._batches

    def columns(self) -> _LeadColumns:
        return self._columns
