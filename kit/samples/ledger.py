"""The order and delivery ledger (订单交车台账), the monthly sales table summed from it, and the store targets.

Built after the simulation from its leads, the fleet deals and the roster, with its own random stream, so the
ledger adds detail without moving the other tables' draws. ``sales`` is the ledger's monthly sum, so the two
always agree: ``units`` = cars delivered in the month (cancelled orders never are), ``orders`` = orders signed in
the month (a later cancellation is not deducted, like the month's KPI sheet), ``gross_profit`` = the delivered
cars' gross profit. The rates and the planted effects are :mod:`kit.samples.parameters` (``DEAL_SKILL`` …).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.samples.parameters import (
    ACCESSORIES_CNY, ACCESSORIES_TAKE_UP, CANCELLATION, DEAL_SKILL, DELIVERY_FOLLOWUP, FINANCE_FEE_CNY,
    FINANCE_TAKE_UP, FINANCE_TIER_LOGIT, FLEET_ATTACH, FLEET_SEASON, FOLLOWUP_AFTER_LEAVING_MISSED, INCOME_COLUMNS,
    INCOME_TARGET_UPLIFT, INSURANCE_COMMISSION, INSURANCE_PREMIUM_CNY, INSURANCE_TAKE_UP, LATE_FOLLOWUP_DISCIPLINE,
    MONTH_SEASON, OEM_PUSH, SAME_MONTH_WEIGHT, TARGET_GROWTH, TRADE_IN_INCOME_CNY, TRADE_IN_TAKE_UP, WARRANTY_CNY,
    WARRANTY_TAKE_UP, WARRANTY_TIER_LOGIT, _COMPANY_TRADES, _COMPANY_WORDS, _MOBILE_PREFIXES,
)
from kit.samples.simulation import _day_dates, _logit, _month_labels, _sigmoid, _Simulation
from kit.schemas import ORDERS, SALES, TARGETS

def _round10(values: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) / 10.0) * 10.0


def _days(series: pd.Series, start: pd.Timestamp) -> np.ndarray:
    """Dates as day numbers of the simulation (NaN for missing)."""
    return ((series - start) / pd.Timedelta(days=1)).to_numpy(dtype=float)


# --------------------------------------------------------------------------- fleet deals


def _fleet_cars(sim: _Simulation) -> pd.DataFrame:
    """Fleet (大客户) cars of each store and month: one row per car, with its deal number and gross profit.

    Drawn from ``sim.rng_side`` in the order the sales table has always drawn them (deals, then each model's
    gross profits), so the traffic and stock draws that follow are unchanged.
    """
    rng = sim.rng_side
    names = list(sim.fleet_models)
    weights = np.array([sim.fleet_models[k] for k in names])
    rows = []
    deal = 0
    for m in range(sim.burn_in, sim.n_months):
        for s, store in enumerate(sim.stores):
            deals: list[tuple[str, int, int]] = []
            season = FLEET_SEASON.get(int(sim.calendar_month[m]), 1.0) * (0.3 if sim.festival_month[m] else 1.0)
            for _ in range(int(rng.poisson(sim.fleet_rate[s] * sim.lead_level[s] * sim.scale * season))):
                name = names[int(rng.choice(len(names), p=weights))]
                deals.append((name, deal, int(rng.integers(2, 6))))
                deal += 1
            for model in sim.models:
                if model.lifecycle == "launch" and m < sim.launch_month:
                    continue
                cars = [d for name, d, size in deals if name == model.name for _ in range(size)]
                if cars:
                    gross = rng.normal(600, 300, len(cars))
                    rows += [(m, store, model.name, d, g) for d, g in zip(cars, gross)]
    frame = pd.DataFrame(rows, columns=["m", "store_id", "model", "deal", "gross_profit"])
    frame["gross_profit"] = _round10(frame["gross_profit"])
    return frame


def _company_names(rng: np.random.Generator, n: int) -> np.ndarray:
    first = np.array(_COMPANY_WORDS)[rng.integers(len(_COMPANY_WORDS), size=n)]
    trade = np.array(_COMPANY_TRADES)[rng.integers(len(_COMPANY_TRADES), size=n)]
    return np.array([f"{a}{b}有限公司" for a, b in zip(first, trade)], dtype=object)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array(_MOBILE_PREFIXES)[rng.integers(len(_MOBILE_PREFIXES), size=n)]
    mid, tail = rng.integers(0, 10000, size=n), rng.integers(0, 10000, size=n)
    return np.array([f"{a}-{b:04d}-{c:04d}" for a, b, c in zip(prefixes, mid, tail)], dtype=object)


def _fleet_dates(sim: _Simulation, m: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Order and delivery day of each fleet deal: delivered in the month booked, on a day cars are handed over."""
    blocked = np.zeros(sim.n_days, dtype=bool)
    for f in sim.festival_start.values():
        blocked[max(f - 1, 0):max(min(f + 7, sim.n_days), 0)] = True
    ordered = np.empty(len(m), dtype=np.int64)
    delivered = np.empty(len(m), dtype=np.int64)
    u_deliver, u_lead = rng.random(len(m)), rng.random(len(m))
    for k, month in enumerate(m):
        ms, me = int(sim.month_start[month]), int(sim.month_end[month])
        days = np.arange(ms + (me - ms) // 3, me + 1)
        days = days[~blocked[days]]
        day = int(days[int(u_deliver[k] * len(days))])
        delivered[k] = day
        first = day - 2 - int(u_lead[k] * 9)
        ordered[k] = max(first, ms)
        while sim.closed_day[ordered[k]] and ordered[k] > ms:
            ordered[k] -= 1
    return ordered, delivered


# --------------------------------------------------------------------------- the ledger


def _consultant_deal_traits(traits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Per consultant: the deal skill behind finance/insurance/warranty, the accessories factor, follow-up style."""
    n = len(traits)
    skill = DEAL_SKILL["from_conversion_skill"] * traits["skill_logit"].to_numpy() + rng.normal(0, DEAL_SKILL["sd"], n)
    accessories = np.exp(rng.normal(0.0, DEAL_SKILL["accessories_sd"], n))
    late = traits["followup_discipline"].to_numpy() >= LATE_FOLLOWUP_DISCIPLINE
    return pd.DataFrame({"staff_id": traits["staff_id"].to_numpy(), "deal_skill_logit": np.round(skill, 4),
                         "accessories_factor": np.round(accessories, 4),
                         "delivery_followup": np.where(late, "late", "prompt")})


def _followup_days(style: np.ndarray, u: np.ndarray, u_days: np.ndarray) -> np.ndarray:
    """Days from hand-over to the first call (NaN = never called), by the consultant's follow-up style."""
    days = np.select([u_days < 0.5, u_days < 0.8], [1.0, 2.0], 3.0)
    for name, rule in DELIVERY_FOLLOWUP.items():
        mine = style == name
        lo, hi = rule["late_days"]
        late = mine & (u >= rule["missing"]) & (u < rule["missing"] + rule["late"])
        days = np.where(late, lo + np.floor(u_days * (hi - lo + 1)), days)
        days = np.where(mine & (u < rule["missing"]), np.nan, days)
    return days


def _retail_orders(sim: _Simulation, leads: pd.DataFrame, staff: pd.DataFrame, deal_traits: pd.DataFrame,
                   rng: np.random.Generator) -> pd.DataFrame:
    """One row per won lead ordered or delivered in the history, with cancellations and attached income."""
    start, hs = sim.start_date, sim.history_start
    won = leads[leads["status"] == "won"]
    won = won[(won["closed_at"] >= hs) | (won["delivered_at"] >= hs)]
    n = len(won)
    tier = won["model_interest"].map({m.name: m.tier for m in sim.models}).to_numpy()

    def mean_cny(table: dict[str, float]) -> np.ndarray:   # the tier's mean amount at the brand's price level
        return pd.Series(tier).map(table).to_numpy() * sim.brand.price_factor

    by_staff = deal_traits.set_index("staff_id")
    skill = won["consultant_id"].map(by_staff["deal_skill_logit"]).fillna(0.0).to_numpy()
    accessories = won["consultant_id"].map(by_staff["accessories_factor"]).fillna(1.0).to_numpy()
    style = won["consultant_id"].map(by_staff["delivery_followup"]).fillna("prompt").to_numpy()
    wants_loan = won["finance"].to_numpy(dtype=bool)
    ordered = _days(won["closed_at"], start)
    planned = _days(won["delivered_at"], start)
    # cancellations, before the planned hand-over (a pending order may be cancelled until the last day)
    lag = np.where(np.isnan(planned), np.inf, planned - ordered)
    p_cancel = (CANCELLATION["base"] + CANCELLATION["loan_wish"] * wants_loan
                + CANCELLATION["long_wait"] * (lag >= 10)) * (lag >= 3)
    u_cancel, u_when = rng.random(n), rng.random(n)
    span = np.minimum(lag - 2, 19)
    cancel_day = ordered + 2 + np.floor(u_when * np.where(np.isfinite(span), span, 19))
    cancelled = (u_cancel < p_cancel) & (cancel_day <= sim.end_day)
    delivered = np.where(cancelled, np.nan, planned)
    # attached income
    fin = rng.random(n) < _sigmoid(np.where(wants_loan, _logit(FINANCE_TAKE_UP[True]), _logit(FINANCE_TAKE_UP[False]))
                                   + skill + pd.Series(tier).map(FINANCE_TIER_LOGIT).to_numpy())
    fin_cny = _round10(mean_cny(FINANCE_FEE_CNY) * np.exp(rng.normal(0, 0.25, n)))
    ins = rng.random(n) < _sigmoid(_logit(INSURANCE_TAKE_UP) + 0.5 * skill)
    premium = mean_cny(INSURANCE_PREMIUM_CNY) * np.exp(rng.normal(0, 0.12, n))
    ins_cny = _round10(premium * rng.uniform(*INSURANCE_COMMISSION, n))
    acc = rng.random(n) < _sigmoid(_logit(ACCESSORIES_TAKE_UP) + 0.8 * np.log(accessories))
    acc_cny = _round10(mean_cny(ACCESSORIES_CNY) * accessories * np.exp(rng.normal(0, 0.35, n)))
    war = rng.random(n) < _sigmoid(_logit(WARRANTY_TAKE_UP) + 0.8 * skill
                                   + pd.Series(tier).map(WARRANTY_TIER_LOGIT).to_numpy())
    war_cny = _round10(mean_cny(WARRANTY_CNY) * np.exp(rng.normal(0, 0.2, n)))
    trade = won["trade_in"].to_numpy(dtype=bool) & (rng.random(n) < TRADE_IN_TAKE_UP)
    trade_cny = _round10(np.maximum(mean_cny(TRADE_IN_INCOME_CNY) + rng.normal(0, 1200, n), 300))
    kept = ~cancelled
    frame = pd.DataFrame({
        "store_id": won["store_id"].to_numpy(),
        "ordered": ordered,
        "delivered": delivered,
        "cancelled": np.where(cancelled, cancel_day, np.nan),
        "consultant_id": won["consultant_id"].to_numpy(),
        "model": won["model_interest"].to_numpy(),
        "sale_type": "retail",
        "lead_id": won["lead_id"].replace("", None).to_numpy(),
        "gross_profit": won["gross_profit"].to_numpy(),
        "accessories_income": np.where(acc & kept, acc_cny, 0.0),
        "insurance_income": np.where(ins & kept, ins_cny, 0.0),
        "finance_income": np.where(fin & kept, fin_cny, 0.0),
        "warranty_income": np.where(war & kept, war_cny, 0.0),
        "trade_in": trade & kept,
        "trade_in_income": np.where(trade & kept, trade_cny, 0.0),
        "customer_name": won["customer_name"].to_numpy(),
        "phone": won["phone"].to_numpy(),
        "_rank": leads.index.get_indexer(won.index),   # creation order, to sort orders of the same day
    })
    # the first call after hand-over
    after = _followup_days(style, rng.random(n), rng.random(n))
    due = delivered + after
    leave = _days(won["consultant_id"].map(staff.set_index("staff_id")["leave_date"]), start)
    gone = ~np.isnan(leave) & (due > leave) & (rng.random(n) < FOLLOWUP_AFTER_LEAVING_MISSED)
    frame["followup"] = np.where(gone | (due > sim.end_day), np.nan, due)
    frame = frame[(frame["ordered"] >= sim.history_start_day) | (frame["delivered"] >= sim.history_start_day)]
    return frame


def _fleet_orders(sim: _Simulation, fleet: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per fleet car: its deal's dates and customer, the income attached to fleet cars."""
    deals = fleet.drop_duplicates("deal")
    ordered, delivered = _fleet_dates(sim, deals["m"].to_numpy(), rng)
    names, phones = _company_names(rng, len(deals)), _phones(rng, len(deals))
    called = rng.random(len(deals)) < 0.8
    followup = np.where(called, delivered + rng.integers(2, 8, len(deals)), np.nan)
    followup = np.where(followup > sim.end_day, np.nan, followup)
    per_deal = pd.DataFrame({"deal": deals["deal"].to_numpy(), "ordered": ordered, "delivered": delivered,
                             "followup": followup, "customer_name": names, "phone": phones})
    cars = fleet.merge(per_deal, on="deal", how="left")
    n = len(cars)
    tier = cars["model"].map({m.name: m.tier for m in sim.models}).to_numpy()
    premium = (pd.Series(tier).map(INSURANCE_PREMIUM_CNY).to_numpy() * sim.brand.price_factor
               * np.exp(rng.normal(0, 0.12, n)))
    ins = rng.random(n) < FLEET_ATTACH["insurance_take_up"]
    acc = rng.random(n) < FLEET_ATTACH["accessories_take_up"]
    return pd.DataFrame({
        "store_id": cars["store_id"].to_numpy(),
        "ordered": cars["ordered"].to_numpy(dtype=float),
        "delivered": cars["delivered"].to_numpy(dtype=float),
        "cancelled": np.nan,
        "consultant_id": None,
        "model": cars["model"].to_numpy(),
        "sale_type": "fleet",
        "lead_id": None,
        "gross_profit": cars["gross_profit"].to_numpy(),
        "accessories_income": np.where(acc, FLEET_ATTACH["accessories_cny"], 0.0),
        "insurance_income": np.where(ins, _round10(premium * FLEET_ATTACH["insurance_commission"]), 0.0),
        "finance_income": 0.0,
        "warranty_income": 0.0,
        "trade_in": False,
        "trade_in_income": 0.0,
        "customer_name": cars["customer_name"].to_numpy(),
        "phone": cars["phone"].to_numpy(),
        "_rank": cars["deal"].to_numpy(),
        "followup": cars["followup"].to_numpy(dtype=float),
    })


def _orders_frame(sim: _Simulation, leads: pd.DataFrame, fleet: pd.DataFrame, staff: pd.DataFrame,
                  traits: pd.DataFrame, rng: np.random.Generator, *, id_prefix: str = "O"
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The order ledger and the consultants' deal traits (truth).

    ``leads`` is every simulated lead (exported or not: a car ordered before the history and delivered in it is in
    the ledger without its lead); ``fleet`` is :func:`_fleet_cars`. Order ids are ``{id_prefix}{yymm}{n}``, numbered
    by order date within each month.
    """
    deal_traits = _consultant_deal_traits(traits, rng)
    retail = _retail_orders(sim, leads, staff, deal_traits, rng).assign(_kind=0)
    fleet_rows = _fleet_orders(sim, fleet, rng).assign(_kind=1)
    both = pd.concat([retail, fleet_rows], ignore_index=True)
    both["_store"] = both["store_id"].map({s: i for i, s in enumerate(sim.stores)})
    both = both.sort_values(["ordered", "_store", "_kind", "_rank"], kind="mergesort").reset_index(drop=True)
    def day(col: str) -> pd.Series:
        return _day_dates(sim.start_date, both[col].to_numpy())

    ordered_at = day("ordered")
    month = _month_labels(ordered_at, "%y%m")
    seq = both.groupby(month, sort=False).cumcount() + 1
    width = max(3, len(str(int(seq.max())))) if len(seq) else 3
    out = pd.DataFrame({
        "order_id": id_prefix + month + seq.map(lambda k: f"{k:0{width}d}"),
        "store_id": both["store_id"],
        "ordered_at": ordered_at,
        "delivered_at": day("delivered"),
        "cancelled_at": day("cancelled"),
        "consultant_id": both["consultant_id"],
        "model": both["model"],
        "sale_type": both["sale_type"],
        "lead_id": both["lead_id"],
        "gross_profit": both["gross_profit"].astype(float),
        **{col: both[col].astype(float) for col in INCOME_COLUMNS if col != "trade_in_income"},
        "trade_in": both["trade_in"].astype(bool),
        "trade_in_income": both["trade_in_income"].astype(float),
        "followup_at": day("followup"),
        "customer_name": both["customer_name"],
        "phone": both["phone"],
    })
    return out[ORDERS.column_names], deal_traits


def _sales_from_orders(sim: _Simulation, orders: pd.DataFrame) -> pd.DataFrame:
    """Monthly deliveries, orders and delivered gross profit per store and model: the ledger's sums.

    One row per month of the history, store and model on sale (the launch model from its launch month).
    """
    delivered = orders[orders["delivered_at"].notna()]
    keys = ["store_id", "model"]
    units = delivered.groupby([_month_labels(delivered["delivered_at"]), *keys]).agg(
        units=("order_id", "size"), gross_profit=("gross_profit", "sum"))
    signed = orders.groupby([_month_labels(orders["ordered_at"]), *keys]).size().rename("orders")
    grid = [(str(sim.periods[m]), store, model.name) for m in range(sim.burn_in, sim.n_months)
            for store in sim.stores for model in sim.models
            if not (model.lifecycle == "launch" and m < sim.launch_month)]
    index = pd.MultiIndex.from_tuples(grid, names=["month", *keys])
    months = set(index.get_level_values("month"))
    for name, sums in (("deliveries", units), ("orders", signed)):
        inside = sums[sums.index.get_level_values(0).isin(months)]
        missing = inside.index.difference(index)
        if len(missing):   # a ledger row the grid would drop: the sums would no longer agree
            raise AssertionError(f"{name} outside the sales grid: {list(missing[:3])}")
    frame = pd.DataFrame({
        "units": units["units"].reindex(index, fill_value=0),
        "orders": signed.reindex(index, fill_value=0),
        "gross_profit": units["gross_profit"].reindex(index, fill_value=0.0).astype(float),
    }).reset_index()
    frame["units"] = frame["units"].astype("int64")
    frame["orders"] = frame["orders"].astype("int64")
    return frame[SALES.column_names]


# --------------------------------------------------------------------------- targets


def _whole_cars(target: int, weights: np.ndarray) -> np.ndarray:
    """Split ``target`` cars in proportion to ``weights`` into whole cars (largest remainder; ties in order)."""
    if target <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = target * weights / weights.sum()
    cars = np.floor(exact).astype(np.int64)
    rest = target - int(cars.sum())
    order = np.lexsort((np.arange(len(weights)), -(exact - cars)))
    cars[order[:rest]] += 1
    return cars


def _targets_frame(sim: _Simulation, sales: pd.DataFrame, orders: pd.DataFrame, leads: pd.DataFrame,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Monthly targets per store (deliveries, orders, gross profit, attached income) and per store × model.

    The months of the history and the month after it (targets are issued before the month starts). See
    :data:`kit.samples.parameters.TARGET_GROWTH` for how a dealer sets them.
    """
    first, last = sim.periods[sim.burn_in], sim.periods[-1]
    months = pd.period_range(first, last + 1, freq="M")
    known = pd.period_range(first - 23, last + 1, freq="M")   # every month a target looks back to
    k0 = 23                                                   # position of the first month of the history
    n_hist = len(months) - 1
    coefficient = np.array([MONTH_SEASON[m] for m in range(1, 13)]) / np.mean(list(MONTH_SEASON.values()))
    models = [mdl.name for mdl in sim.models]
    amounts_cols = ["units", "gross_profit", *INCOME_COLUMNS]
    delivered = orders[orders["delivered_at"].notna()]
    position = (delivered["delivered_at"].dt.year - first.year) * 12 + delivered["delivered_at"].dt.month - first.month
    retail = orders[orders["sale_type"] == "retail"]
    created = leads[leads["created_at"] >= sim.history_start].groupby("store_id").size()
    conversion = {"units": retail[retail["delivered_at"] >= sim.history_start].groupby("store_id").size(),
                  "orders": retail[retail["ordered_at"] >= sim.history_start].groupby("store_id").size()}
    sales_pos = pd.PeriodIndex(sales["month"], freq="M").year * 12 + pd.PeriodIndex(sales["month"], freq="M").month \
        - (first.year * 12 + first.month)
    noise = np.exp(rng.normal(0.0, 0.05, (len(sim.stores), len(known))))
    rows = []
    for s, store in enumerate(sim.stores):
        mine = sales["store_id"].to_numpy() == store
        pos = np.asarray(sales_pos)[mine]
        volume = {metric: np.bincount(pos, weights=sales[metric].to_numpy()[mine], minlength=n_hist)
                  for metric in ("units", "orders")}
        model_units = np.zeros((len(models), n_hist))
        np.add.at(model_units, (sales["model"][mine].map({m: i for i, m in enumerate(models)}).to_numpy(), pos),
                  sales["units"].to_numpy()[mine])
        here = delivered["store_id"].to_numpy() == store
        amounts = np.zeros((len(amounts_cols), n_hist))
        inside = here & (position.to_numpy() >= 0) & (position.to_numpy() < n_hist)
        for j, col in enumerate(amounts_cols):
            values = np.ones(inside.sum()) if col == "units" else delivered[col].to_numpy()[inside]
            amounts[j] = np.bincount(position.to_numpy()[inside], weights=values, minlength=n_hist)
        expected = np.array([sim.expected_volume(s, q) for q in known])   # leads, fleet cars
        n_leads = max(int(created.get(store, 0)), 1)
        history = {}
        for metric in ("units", "orders"):
            plan = (expected[:, 0] * conversion[metric].get(store, 0) / n_leads + expected[:, 1]) * noise[s]
            history[metric] = plan.copy()
            history[metric][k0:k0 + n_hist] = volume[metric]
        for i, p in enumerate(months):
            k = k0 + i                                            # position of p in ``known``
            lift = (1 + TARGET_GROWTH) * OEM_PUSH.get(p.month, 1.0)
            targets = {}
            for metric, name in (("units", "deliveries"), ("orders", "orders")):
                base = (SAME_MONTH_WEIGHT * history[metric][k - 12] + (1 - SAME_MONTH_WEIGHT)
                        * history[metric][k - 23:k - 11].mean() * coefficient[p.month - 1])
                targets[name] = max(1, int(np.floor(base * lift + 0.5)))
            # amounts per delivered car over the 12 months ending two months before (else the first six months)
            window = np.arange(max(i - 13, 0), max(i - 1, 0))
            if len(window) < 6:
                window = np.arange(6)
            seen = amounts[:, window[window < n_hist]].sum(axis=1)
            for j, metric in enumerate(amounts_cols[1:], start=1):
                uplift = 1.0 if metric == "gross_profit" else INCOME_TARGET_UPLIFT
                amount = seen[j] / seen[0] * uplift if seen[0] else 0.0
                targets[metric] = float(np.round(targets["deliveries"] * amount, -3))
            month = str(p)
            rows += [(month, store, None, metric, float(value)) for metric, value in targets.items()]
            # models: last year's model mix (the OEM's planned mix while under six months of it are known)
            on_sale = [j for j, mdl in enumerate(sim.models) if sim.on_sale(mdl, p)]
            planned = sim.planned_model_share(p)
            year_ago = np.arange(i - 23, i - 11)
            year_ago = year_ago[(year_ago >= 0) & (year_ago < n_hist)]
            if len(year_ago) >= 6:
                was_on_sale = [sim.on_sale(sim.models[j], first + int(year_ago[0])) for j in on_sale]
                total = volume["units"][year_ago].sum()
                weights = np.array([model_units[j, year_ago].sum() if was else planned[models[j]] * total
                                    for j, was in zip(on_sale, was_on_sale)])
            else:
                weights = np.array([planned[models[j]] for j in on_sale])
            cars = _whole_cars(targets["deliveries"], weights)
            rows += [(month, store, models[j], "deliveries", float(c)) for j, c in zip(on_sale, cars) if c > 0]
    return pd.DataFrame(rows, columns=TARGETS.column_names)
