"""Everything the sales performance report (销售日报 / 周报 / 月报) shows, computed in one call.

:func:`performance` takes the validated dealer and the report's :class:`~kit.periods.Period` and returns a
:class:`SalesPerformance` of plain frames (codes, not words; units in the column names). Targets are monthly, so
every comparison with a target is made on the *month to date* (the period's month up to its last day) with the
time pace (:mod:`kit.sales.pace`); a day's or a week's own figures are shown beside it and compared with earlier
periods, never with a target. Until the month is over the month-to-date figures are not final.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.periods import Period
from kit.sales.aftercare import followup_by_consultant, followup_status, has_followups, overdue_list
from kit.sales.comparisons import Window, compare, comparison_windows, month_to_date_windows
from kit.sales.ledger import NO_CONSULTANT, credited, daily, income_products, prepare_orders, products, summarize
from kit.sales.mix import TierMix, mix_line, tier_mix
from kit.sales.pace import Pace, against_level, against_target, selling_days, time_pace
from kit.sales.reconciliation import covered_months, reconcile
from kit.sales.settings import SalesSettings, sales_settings
from kit.sales.targets import consultant_targets, dealer_targets, model_targets, store_targets
from kit.sales.traffic import traffic_daily, traffic_weekly


@dataclass
class SalesPerformance:
    """The report's numbers. Frames use codes; :mod:`kit.sales.display` turns them into words.

    Attributes
    ----------
    period, month_to_date : Period
        The reported period and its month up to the period's last day.
    pace : Pace
        Selling days in the month, gone and left on the period's last day.
    has_ledger : bool
        Whether the data has an order ledger (without it only traffic is shown).
    products : list of str
        Attached products present in the ledger.
    glance : DataFrame
        measure, unit, [period_value], value (month to date), target, achievement_rate, projected,
        needed_per_day, status.
    by_store, by_model, by_consultant : DataFrame
        Month to date against targets (wide; see :func:`performance`).
    mix : TierMix
        The margin-tier mix per consultant.
    attached, attached_by_consultant : DataFrame
        Attached income and penetration, month to date.
    pace_daily : DataFrame
        date, selling_day, deliveries_units, cumulative_units (empty after the last day), target_path_units.
    traffic_daily, traffic_weekly : DataFrame
        Showroom traffic over :attr:`window`.
    followup, overdue : DataFrame or None
        After-delivery calls per consultant and the overdue cars over :attr:`window`; None without follow-up dates.
    comparison, comparison_mtd : DataFrame
        The period (and the month to date, for a day or a week) beside earlier periods.
    reconciliation : DataFrame
        The month's ledger against the sales table and kpi sheet (complete months only).
    """

    period: Period
    month_to_date: Period
    pace: Pace
    settings: SalesSettings
    has_ledger: bool
    products: list[str]
    income_products: list[str]
    window: tuple[pd.Timestamp, pd.Timestamp]
    period_summary: pd.DataFrame
    mtd_summary: pd.DataFrame
    glance: pd.DataFrame
    by_store: pd.DataFrame
    by_model: pd.DataFrame
    by_consultant: pd.DataFrame
    mix: TierMix
    attached: pd.DataFrame
    attached_by_consultant: pd.DataFrame
    pace_daily: pd.DataFrame
    traffic_daily: pd.DataFrame
    traffic_weekly: pd.DataFrame
    followup: pd.DataFrame | None
    overdue: pd.DataFrame | None
    comparison: pd.DataFrame
    comparison_windows: list[Window]
    comparison_mtd: pd.DataFrame
    mtd_windows: list[Window]
    reconciliation: pd.DataFrame
    deliveries_target: float = np.nan
    notes: list[str] = field(default_factory=list)

    @property
    def final(self) -> bool:
        """Whether the month is over: before that, month-to-date figures are not final."""
        return self.pace.complete

    @property
    def basis(self) -> str:
        """What a consultant is credited with: ``orders`` or ``deliveries``."""
        return self.settings.consultant_units


def performance(dealer: object, period: Period, *, settings: SalesSettings | None = None) -> SalesPerformance:
    """The sales performance of ``period`` and its month to date.

    Parameters
    ----------
    dealer : kit.io.Dealer
        Validated tables (``orders``, ``targets``, ``kpi``, ``traffic``, ``leads``, ``sales``, ``staff`` — each
        optional here) and settings (the ``sales:`` section, the kpi product-mix gate).
    period : Period
        A day, an ISO week or a month.
    settings : SalesSettings, optional
        Overrides the dealer's ``sales:`` settings.

    Returns
    -------
    SalesPerformance
    """
    tables = dealer.tables
    s = settings or sales_settings(getattr(dealer, "settings", None))
    raw = tables.get("orders")
    has_ledger = raw is not None and not raw.empty
    o = prepare_orders(raw) if has_ledger else None
    mtd = period.month_to_date()
    month = period.month.strftime("%Y-%m")
    pace = time_pace(month, period.end, s)
    targets, kpi, staff = tables.get("targets"), tables.get("kpi"), tables.get("staff")
    traffic, leads = tables.get("traffic"), tables.get("leads")
    window = (min(period.start, mtd.start), period.end)
    notes: list[str] = []

    if has_ledger:
        mtd_sum = summarize(o, start=mtd.start, end=mtd.end)
        per_sum = summarize(o, start=period.start, end=period.end)
        stores_selling = summarize(o, start=mtd.start, end=mtd.end, by="store_id")["store_id"].tolist()
        dt = dealer_targets(targets, month, stores_selling=stores_selling)
        glance = _glance(mtd_sum.iloc[0], per_sum.iloc[0] if period.kind != "month" else None, dt, pace, s, o)
        by_store = _by_store(o, period, mtd, pace, targets, month)
        by_model = _by_model(o, mtd, pace, targets, month)
        by_consultant = _by_consultant(o, period, mtd, pace, kpi, staff, month, s)
        line = mix_line(getattr(getattr(dealer, "settings", None), "kpi", None))
        mix = tier_mix(o, kpi, month=month, pace=pace, settings=s, line=line)
        attached = _attached(mtd_sum.iloc[0], dt, pace, s, o)
        attached_by_consultant = _attached_by_consultant(o, mtd, s)
        deliveries_target = float(dt.get("deliveries", np.nan))
        pace_daily = _pace_daily(o, month, pace, deliveries_target, s)
    else:
        empty = pd.DataFrame()
        mtd_sum = per_sum = glance = by_store = by_model = by_consultant = attached = empty
        attached_by_consultant = pace_daily = empty
        mix = TierMix(empty, None, "no_ledger")
        deliveries_target = np.nan
        notes.append("no_ledger")

    t_daily = traffic_daily(traffic, leads, start=window[0], end=window[1])
    t_weekly = traffic_weekly(t_daily)
    if has_ledger and has_followups(o):
        status = followup_status(o, start=window[0], end=window[1], as_of=period.end,
                                 within_days=s.followup_within_days)
        followup, overdue = followup_by_consultant(status), overdue_list(status)
    else:
        followup = overdue = None
    windows = comparison_windows(period)
    comparison = compare(windows, orders=o, traffic=traffic, leads=leads)
    mtd_windows = month_to_date_windows(period)
    comparison_mtd = compare(mtd_windows, orders=o, traffic=traffic, leads=leads) if mtd_windows else pd.DataFrame()
    if has_ledger and pace.complete and month in covered_months(o):
        rec = reconcile(o, sales=tables.get("sales"), kpi=kpi, months=[month], basis=s.consultant_units)
    else:
        rec = pd.DataFrame()
    return SalesPerformance(
        period=period, month_to_date=mtd, pace=pace, settings=s, has_ledger=has_ledger,
        products=products(o) if has_ledger else [], income_products=income_products(o) if has_ledger else [],
        window=window, period_summary=per_sum, mtd_summary=mtd_sum, glance=glance, by_store=by_store,
        by_model=by_model, by_consultant=by_consultant, mix=mix, attached=attached,
        attached_by_consultant=attached_by_consultant, pace_daily=pace_daily, traffic_daily=t_daily,
        traffic_weekly=t_weekly, followup=followup, overdue=overdue, comparison=comparison,
        comparison_windows=windows, comparison_mtd=comparison_mtd, mtd_windows=mtd_windows, reconciliation=rec,
        deliveries_target=deliveries_target, notes=notes)


# --------------------------------------------------------------------------- the month at a glance


def _glance(mtd: pd.Series, per: pd.Series | None, dt: pd.Series, pace: Pace, s: SalesSettings,
            o: pd.DataFrame) -> pd.DataFrame:
    """One row per measure: month to date against target (totals with the pace, averages and shares by level)."""
    rows = []

    def add(measure: str, column: str, unit: str, target: float = np.nan, level: bool = False) -> None:
        if column not in mtd.index:
            return
        row = {"measure": measure, "unit": unit}
        if per is not None:
            row["period_value"] = float(per[column])
        row["value"] = float(mtd[column])
        row["target"] = float(target)
        if level:
            scored = against_level(row["value"], row["target"]).iloc[0]
            row.update(achievement_rate=scored["achievement_rate"], projected=np.nan, needed_per_day=np.nan,
                       status=scored["status"])
        else:
            scored = against_target(row["value"], row["target"], pace).iloc[0]
            row.update(scored.to_dict())
        rows.append(row)

    add("deliveries", "deliveries_units", "units", dt.get("deliveries", np.nan))
    add("net_orders", "net_orders_units", "units", dt.get("orders", np.nan))
    add("cancellations", "cancellations_units", "units")
    add("open_orders", "open_orders_units", "units")
    add("gross_profit", "gross_profit_cny", "cny", dt.get("gross_profit", np.nan))
    per_car = dt.get("gross_profit", np.nan) / dt.get("deliveries", np.nan) if dt.get("deliveries", 0) else np.nan
    add("gross_profit_per_unit", "gross_profit_per_unit_cny", "cny", per_car, level=True)
    for product in products(o):
        add(f"{product}_income", f"{product}_income_cny", "cny", dt.get(f"{product}_income", np.nan))
        add(f"{product}_penetration", f"{product}_penetration_rate", "rate",
            s.penetration_targets.get(product, np.nan), level=True)
    out = pd.DataFrame(rows)
    out.loc[out["status"] == "no_target", ["projected", "needed_per_day"]] = np.nan
    return out


# --------------------------------------------------------------------------- by store, model, consultant


def _score(frame: pd.DataFrame, metric: str, actual: str, target: pd.Series, pace: Pace, unit: str,
           *, run_rate: bool = False) -> pd.DataFrame:
    """Add <metric>_target_<unit>, <metric>_achievement_rate, <metric>_status (and the run-rate columns)."""
    scored = against_target(frame[actual].astype(float), target.astype(float), pace)
    frame[f"{metric}_target_{unit}"] = target.to_numpy(dtype=float)
    frame[f"{metric}_achievement_rate"] = scored["achievement_rate"].to_numpy()
    if run_rate and not pace.complete:
        frame[f"{metric}_projected_{unit}"] = scored["projected"].to_numpy()
        frame[f"{metric}_needed_per_day_{unit}"] = scored["needed_per_day"].to_numpy()
    frame[f"{metric}_status"] = scored["status"].to_numpy()
    return frame


def _targets_for(frame: pd.DataFrame, wide: pd.DataFrame, keys: list[str], metric: str) -> pd.Series:
    if metric not in wide.columns:
        return pd.Series(np.nan, index=frame.index)
    return frame[keys].merge(wide[metric].reset_index(), on=keys, how="left")[metric].set_axis(frame.index)


def _by_store(o: pd.DataFrame, period: Period, mtd: Period, pace: Pace, targets: pd.DataFrame | None,
              month: str) -> pd.DataFrame:
    st = store_targets(targets, month)
    wide = st.pivot_table(index="store_id", columns="metric", values="target", aggfunc="sum") if len(st) \
        else pd.DataFrame()
    got = summarize(o, start=mtd.start, end=mtd.end, by="store_id")
    stores = sorted(set(got["store_id"]) | set(wide.index))
    frame = pd.DataFrame({"store_id": stores}).merge(got, on="store_id", how="left")
    frame = _fill_counts(frame)
    if period.kind != "month":
        per = summarize(o, start=period.start, end=period.end, by="store_id")
        frame.insert(1, "period_deliveries_units", frame["store_id"].map(
            per.set_index("store_id")["deliveries_units"]).fillna(0).astype("int64"))
    out = frame[["store_id"] + (["period_deliveries_units"] if period.kind != "month" else [])
                + ["deliveries_units"]].copy()
    _score(out, "deliveries", "deliveries_units", _targets_for(frame, wide, ["store_id"], "deliveries"), pace,
           "units", run_rate=True)
    out["net_orders_units"] = frame["net_orders_units"]
    _score(out, "orders", "net_orders_units", _targets_for(frame, wide, ["store_id"], "orders"), pace, "units")
    out["cancellations_units"] = frame["cancellations_units"]
    out["open_orders_units"] = frame["open_orders_units"]
    if "gross_profit_cny" in frame.columns:
        out["gross_profit_per_unit_cny"] = frame["gross_profit_per_unit_cny"]
        out["gross_profit_cny"] = frame["gross_profit_cny"].fillna(0.0)
        _score(out, "gross_profit", "gross_profit_cny", _targets_for(frame, wide, ["store_id"], "gross_profit"),
               pace, "cny")
    return out


def _fill_counts(frame: pd.DataFrame) -> pd.DataFrame:
    for col in [c for c in frame.columns if c.endswith("_units")]:
        frame[col] = frame[col].fillna(0).astype("int64")
    for col in [c for c in frame.columns if c.endswith("_income_cny") or c == "gross_profit_cny"]:
        frame[col] = frame[col].fillna(0.0)
    return frame


def _by_model(o: pd.DataFrame, mtd: Period, pace: Pace, targets: pd.DataFrame | None, month: str) -> pd.DataFrame:
    mt = model_targets(targets, month)
    got = summarize(o, start=mtd.start, end=mtd.end, by=["store_id", "model"])
    models = sorted(set(got["model"]) | set(mt["model"]))
    per_model = summarize(o, start=mtd.start, end=mtd.end, by="model")
    frame = pd.DataFrame({"model": models}).merge(per_model, on="model", how="left")
    frame = _fill_counts(frame)
    target = pd.Series(np.nan, index=frame.index)
    dm = mt.loc[mt["metric"] == "deliveries"]
    if len(dm):
        for i, model in frame["model"].items():
            rows = dm.loc[dm["model"] == model]
            selling = set(got.loc[(got["model"] == model) & (got["deliveries_units"] + got["net_orders_units"] > 0),
                                  "store_id"])
            if len(rows) and not (selling - set(rows["store_id"])):
                target[i] = rows["target"].sum()
    out = frame[["model", "deliveries_units"]].copy()
    total = out["deliveries_units"].sum()
    out["deliveries_share_rate"] = out["deliveries_units"] / total if total else np.nan
    _score(out, "deliveries", "deliveries_units", target, pace, "units")
    out["net_orders_units"] = frame["net_orders_units"]
    out["open_orders_units"] = frame["open_orders_units"]
    if "gross_profit_per_unit_cny" in frame.columns:
        out["gross_profit_per_unit_cny"] = frame["gross_profit_per_unit_cny"]
    return out.sort_values(["deliveries_units", "model"], ascending=[False, True]).reset_index(drop=True)


def _by_consultant(o: pd.DataFrame, period: Period, mtd: Period, pace: Pace, kpi: pd.DataFrame | None,
                   staff: pd.DataFrame | None, month: str, s: SalesSettings) -> pd.DataFrame:
    kt = consultant_targets(kpi, month)
    wide = kt.pivot_table(index="staff_id", columns="metric", values="target", aggfunc="sum") if len(kt) \
        else pd.DataFrame()
    wide.index.name = "consultant_id"
    got = credited(o, start=mtd.start, end=mtd.end, basis=s.consultant_units)
    delivered = summarize(o, start=mtd.start, end=mtd.end, by="consultant_id")
    ids = sorted((set(got["consultant_id"]) | set(delivered["consultant_id"]) | set(wide.index)) - {NO_CONSULTANT})
    if NO_CONSULTANT in set(got["consultant_id"]) | set(delivered["consultant_id"]):
        ids.append(NO_CONSULTANT)
    frame = pd.DataFrame({"consultant_id": ids})
    if staff is not None and not staff.empty:
        roster = staff.assign(staff_id=staff["staff_id"].astype(str))
        home = roster.drop_duplicates("staff_id", keep="last").set_index("staff_id")["store_id"]
        frame["store_id"] = frame["consultant_id"].map(home.astype(str))
    frame = frame.merge(got, on="consultant_id", how="left").merge(
        delivered[["consultant_id", "deliveries_units", "net_orders_units"]], on="consultant_id", how="left")
    frame = _fill_counts(frame)
    frame["credited_units"] = frame["credited_units"].fillna(0).astype("int64")
    out = frame[["consultant_id"] + (["store_id"] if "store_id" in frame.columns else [])].copy()
    if period.kind != "month":
        per = credited(o, start=period.start, end=period.end, basis=s.consultant_units).set_index("consultant_id")
        out["period_credited_units"] = out["consultant_id"].map(per["credited_units"]).fillna(0).astype("int64")
    out["credited_units"] = frame["credited_units"]
    _score(out, "units", "credited_units", _targets_for(frame, wide, ["consultant_id"], "units_sold"), pace,
           "units", run_rate=True)
    other = "net_orders_units" if s.consultant_units == "deliveries" else "deliveries_units"  # the basis not credited
    out[other] = frame[other]
    if "credited_gross_profit_cny" in frame.columns:
        out["credited_gross_profit_cny"] = frame["credited_gross_profit_cny"].fillna(0.0)
        _score(out, "gross_profit", "credited_gross_profit_cny",
               _targets_for(frame, wide, ["consultant_id"], "gross_profit"), pace, "cny")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- attached income


def _attached(mtd: pd.Series, dt: pd.Series, pace: Pace, s: SalesSettings, o: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for product in products(o):
        row = {"product": product, "units": int(mtd[f"{product}_units"]),
               "penetration_rate": float(mtd[f"{product}_penetration_rate"]),
               "penetration_target_rate": s.penetration_targets.get(product, np.nan)}
        lv = against_level(row["penetration_rate"], row["penetration_target_rate"]).iloc[0]
        row["penetration_status"] = lv["status"]
        if f"{product}_income_cny" in mtd.index:
            row["income_cny"] = float(mtd[f"{product}_income_cny"])
            row["income_per_unit_cny"] = float(mtd[f"{product}_income_per_unit_cny"])
            row["income_target_cny"] = float(dt.get(f"{product}_income", np.nan))
            sc = against_target(row["income_cny"], row["income_target_cny"], pace).iloc[0]
            row["income_achievement_rate"] = sc["achievement_rate"]
            row["income_status"] = sc["status"]
        rows.append(row)
    cols = ["product", "units", "penetration_rate", "penetration_target_rate", "penetration_status", "income_cny",
            "income_per_unit_cny", "income_target_cny", "income_achievement_rate", "income_status"]
    out = pd.DataFrame(rows)
    return out[[c for c in cols if c in out.columns]] if rows else pd.DataFrame(columns=cols)


def _attached_by_consultant(o: pd.DataFrame, mtd: Period, s: SalesSettings) -> pd.DataFrame:
    got = summarize(o, start=mtd.start, end=mtd.end, by="consultant_id")
    got = got.loc[got["deliveries_units"] > 0]
    fleet = got["fleet_deliveries_units"] if "fleet_deliveries_units" in got.columns else 0
    out = pd.DataFrame({"consultant_id": got["consultant_id"], "retail_deliveries_units": got["deliveries_units"]
                        - fleet})
    for product in products(o):
        out[f"{product}_units"] = got[f"{product}_units"]
        out[f"{product}_penetration_rate"] = got[f"{product}_penetration_rate"]
        target = s.penetration_targets.get(product)
        if target is not None:
            out[f"{product}_below_target"] = (got[f"{product}_penetration_rate"] < target - 1e-12).fillna(False)
    out = out.loc[out["retail_deliveries_units"] > 0]
    last = out["consultant_id"] == NO_CONSULTANT
    return pd.concat([out.loc[~last], out.loc[last]]).reset_index(drop=True)


# --------------------------------------------------------------------------- the pace chart's data


def _pace_daily(o: pd.DataFrame, month: str, pace: Pace, target: float, s: SalesSettings) -> pd.DataFrame:
    start = pd.Timestamp(f"{month}-01")
    end = (start + pd.offsets.MonthEnd(0)).normalize()
    d = daily(o, start=start, end=end)
    open_days = selling_days(month, s)
    d["selling_day"] = d["date"].isin(open_days)
    d["cumulative_units"] = d["deliveries_units"].cumsum().astype(float).where(d["date"] <= pace.as_of)
    d.loc[d["date"] > pace.as_of, "deliveries_units"] = 0
    share = d["selling_day"].cumsum() / max(len(open_days), 1)
    d["target_path_units"] = share * target if np.isfinite(target) else np.nan
    return d[["date", "selling_day", "deliveries_units", "cumulative_units", "target_path_units"]]
