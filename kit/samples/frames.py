"""Tables of the sample dealership built from a finished simulation (internal to :mod:`kit.samples`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.samples.parameters import (
    FOLLOWUP_OUTCOMES, GRADE_LOG_NEW_DAYS, GRADE_LOG_PERSISTENCE, GRADE_LOG_UNGRADED_SHARE, GRADE_NOISE_SD,
    GRADE_READINESS_LOGIT, GRADE_THRESHOLDS, LEAD_SIGNALS, LONG_GAP_DAYS, ROLE_NORMS, TIERS, _GIVEN,
    _GRADE_LOG_STREAM, _KIND_CODES, _LOST, _MOBILE_PREFIXES, _NEVER, _OUT, _STATUS_CODES, _SURNAMES, _VISIT, _WON,
)
from kit.samples.simulation import _day_dates, _logit, _month_labels, _Simulation
from kit.schemas import FOLLOWUPS, KPI, LEADS, STOCK

def _staff_frame(sim: _Simulation) -> tuple[pd.DataFrame, dict[int, str]]:
    people = sorted(sim.people, key=lambda p: (p.hire_day >= 0, p.hire_day if p.hire_day >= 0 else 0, p.index))
    ids = {p.index: f"{sim.staff_prefix}{k + 1:03d}" for k, p in enumerate(people)}
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


def _export_order(sim: _Simulation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulated leads in creation order, the exported ones (in that order) and every lead's id ('' if not exported).

    Exported: leads created in the history, and leads created in the burn-in that are still open on its first day.
    """
    leads = sim.columns()
    n = len(leads)
    order = np.lexsort((np.arange(n), leads.store, leads.t0))
    close = leads.close_day
    keep = (leads.day >= sim.history_start_day) | np.isnan(close) | (close >= sim.history_start_day)
    exported = order[keep[order]]
    width = max(sim.lead_width, len(str(len(exported))))
    ids = np.full(n, "", dtype=object)
    ids[exported] = [f"{sim.lead_prefix}{k + 1:0{width}d}" for k in range(len(exported))]
    return order, exported, ids


def _names_and_phones(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """Invented customer names (surname + one or two given characters) and mobile numbers."""
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
    return names, phones


def _lead_frames(sim: _Simulation, ids: dict[int, str]) -> tuple[pd.DataFrame, ...]:
    """Leads, followups and lead truth of the exported leads, and every simulated lead (for sales and traffic).

    Exported: leads created in the history, and leads created in the burn-in that are still open on its first day.
    """
    leads = sim.columns()
    order, exported, lead_ids = _export_order(sim)
    names, phones = _names_and_phones(sim.rng_names, len(order))
    start = sim.start_date
    n = len(leads)
    staff_ids = np.array([ids[k] for k in range(len(sim.people))], dtype=object)
    visits = np.bincount(leads.ev_lead[leads.ev_kind == _VISIT], minlength=n)
    drove = np.bincount(leads.ev_lead[leads.ev_outcome == _OUT["test_drive"]], minlength=n) > 0
    quoted = np.bincount(leads.ev_lead[leads.ev_outcome == _OUT["quoted"]], minlength=n) > 0
    status = leads.status[order]
    won, lost = status == _WON, status == _LOST

    everything = pd.DataFrame({
        "lead_id": lead_ids[order],
        "store_id": np.array(sim.stores, dtype=object)[leads.store[order]],
        "created_at": _day_dates(start, leads.day[order]),
        "channel": np.array(sim.channels, dtype=object)[leads.channel[order]],
        "consultant_id": staff_ids[leads.consultant[order]],
        "model_interest": np.array([m.name for m in sim.models], dtype=object)[leads.model[order]],
        "visits": visits[order].astype("int64"),
        "test_drive": drove[order],
        "quoted": quoted[order],
        "trade_in": leads.trade_in[order].astype(bool),
        "finance": leads.finance[order].astype(bool),
        "grade": np.where(won, "O", np.where(lost, "F", leads.grade[order])).astype(object),
        "status": np.array(_STATUS_CODES, dtype=object)[status],
        "closed_at": _day_dates(start, leads.close_day[order]),
        "delivered_at": _day_dates(start, leads.delivery_day[order]),
        "lost_reason": np.where(lost, leads.reason[order], None),
        "gross_profit": np.where(won, leads.gross_profit[order], np.nan).astype("float64"),
        "customer_name": np.array(names, dtype=object),
        "phone": np.array(phones, dtype=object),
    }, columns=LEADS.column_names)
    frame = everything[everything["lead_id"] != ""].reset_index(drop=True)
    shown = np.zeros(n, dtype=bool)
    shown[exported] = True
    ev = shown[leads.ev_lead]
    owner = leads.ev_lead[ev]
    fu = pd.DataFrame({"lead_id": lead_ids[owner], "minute": leads.ev_minute[ev],
                       "consultant_id": staff_ids[leads.consultant[owner]],
                       "kind": np.array(_KIND_CODES, dtype=object)[leads.ev_kind[ev]],
                       "outcome": np.array(FOLLOWUP_OUTCOMES, dtype=object)[leads.ev_outcome[ev]]})
    fu["at"] = start + pd.to_timedelta(fu["minute"], unit="min")
    fu = fu.sort_values(["minute", "lead_id"], kind="mergesort").reset_index(drop=True)
    fu = fu[FOLLOWUPS.column_names]
    truth = pd.DataFrame({"lead_id": lead_ids[exported],
                          "p_win": [round(v, 5) for v in leads.p_win[exported].tolist()],
                          "signals_logit": [round(v, 4) for v in leads.x_signals[exported].tolist()],
                          "prompt_followup": leads.prompt[exported].astype(bool),
                          "long_gap": leads.long_gap[exported].astype(bool),
                          "orphaned": leads.orphaned[exported].astype(bool)})
    return frame, fu, truth, everything


def _grade_log_frame(sim: _Simulation) -> pd.DataFrame:
    """The month-end grade sheet: one row per lead open on each month end of the history (see ``GRADE_LOG_*``).

    Uses its own random stream (``[seed, _GRADE_LOG_STREAM]``), so the other tables are the same with or without it.
    """
    rng = sim.stream(_GRADE_LOG_STREAM)
    _, exported, lead_ids = _export_order(sim)
    columns = {"lead_id": pd.Series([], dtype=object), "at": pd.Series([], dtype="datetime64[ns]"),
               "grade": pd.Series([], dtype=object)}
    n = len(exported)
    if n == 0:
        return pd.DataFrame(columns)
    leads = sim.columns()
    created = leads.day[exported]
    close = np.where(np.isnan(leads.close_day[exported]), _NEVER, leads.close_day[exported]).astype(np.int64)
    won = leads.status[exported] == _WON
    final_grade = leads.grade[exported]
    bias = np.array([p.grade_bias for p in sim.people])[leads.consultant[exported]]
    prompt = leads.prompt[exported].astype(bool)
    sig = LEAD_SIGNALS
    # the lead's true log-odds without the signals that show over time, and its hidden part (skill + lead noise)
    channel_logit = np.array([sig.get(f"channel_{c}", 0.0) for c in sim.channels])
    static = (sig["intercept"] + sim.brand.conversion_logit + channel_logit[leads.channel[exported]]
              + sig["trade_in"] * leads.trade_in[exported] + sig["finance"] * leads.finance[exported])
    p_win = leads.p_win[exported]
    hidden = np.log(p_win / (1.0 - p_win)) - leads.x_signals[exported]
    # contacts, in time order per lead: running visits, test drive, quote and the longest gap between contacts
    position = np.full(len(leads), -1, dtype=np.int64)
    position[exported] = np.arange(n)
    ev = position[leads.ev_lead] >= 0
    owner = position[leads.ev_lead[ev]]
    flat = np.stack([leads.ev_minute[ev], leads.ev_kind[ev], leads.ev_outcome[ev]], axis=1).astype(np.int64)
    n_events = np.bincount(owner, minlength=n)
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
        rows.append(pd.DataFrame({"lead_id": lead_ids[exported[idx]],
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
    tier_of = {m.name: m.tier for m in sim.models}
    launch_model = next((m.name for m in sim.models if m.lifecycle == "launch"), None)
    won = leads[leads["status"] == "won"].copy()
    won["month"] = _month_labels(won["closed_at"])
    won["tier"] = won["model_interest"].map(tier_of)
    # plain dicts: looking up a MultiIndex Series per consultant-month is slow for a group's thousands of them
    won_counts = won.groupby(["consultant_id", "month"]).size().to_dict()
    tier_counts = won.groupby(["consultant_id", "month", "tier"]).size().to_dict()
    gp_sums = won.groupby(["consultant_id", "month"])["gross_profit"].sum().to_dict()
    new_model = won[won["model_interest"] == launch_model].groupby(["consultant_id", "month"]).size().to_dict()
    created_month = _month_labels(leads["created_at"])
    created = leads.groupby([leads["consultant_id"], created_month]).size().to_dict()
    channel_mask = leads["channel"].isin(["referral", "event"])
    channel_leads = leads[channel_mask].groupby([leads["consultant_id"][channel_mask],
                                                 created_month[channel_mask]]).size().to_dict()
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
        # the brand's newest model is counted every month it is on sale (not only its first year): a group's
        # dealer.yml weights new-model sales in its growth stage, whichever year each brand launched in
        new_model_on_sale = launch_model is not None and sim.launch_month <= m
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
            if new_model_on_sale:
                target_new = max(0.5, round(target_units * sim.model_shares[m][[x.name for x in sim.models].index(
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


def _stock_frame(sim: _Simulation, sales: pd.DataFrame) -> pd.DataFrame:
    rng = sim.rng_side
    last3 = [_month_label(sim, m) for m in range(sim.n_months - 3, sim.n_months)]
    recent = sales[sales["month"].isin(last3)].groupby(["store_id", "model"])["units"].sum() / 3.0
    rows = []
    for store in sim.stores:
        for model in sim.models:
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


