"""Tables of the sample dealership built from a finished simulation (internal to :mod:`kit.samples`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.samples.parameters import (
    FOLLOWUP_OUTCOMES, GRADE_LOG_NEW_DAYS, GRADE_LOG_PERSISTENCE, GRADE_LOG_UNGRADED_SHARE, GRADE_NOISE_SD,
    GRADE_READINESS_LOGIT, GRADE_THRESHOLDS, LEAD_SIGNALS, LONG_GAP_DAYS, MODELS, ROLE_NORMS, TIERS, _GIVEN,
    _GRADE_LOG_STREAM, _KIND_CODES, _LOST, _MOBILE_PREFIXES, _NEVER, _OUT, _STATUS_CODES, _SURNAMES, _VISIT, _WON,
)
from kit.samples.simulation import _Simulation, _logit
from kit.schemas import FOLLOWUPS, KPI, LEADS, STOCK

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


