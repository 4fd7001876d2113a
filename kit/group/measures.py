"""The stores of a dealer group side by side: one row per store of the measures a group's managers compare.

Each measure comes from the analysis package that owns it, applied to each store's own rows
(:func:`kit.io.split_stores`, the rows the store's reports read), plus a last row for the whole group (store id
``ALL``) computed the same way on every store's rows together — so a league number is the number the store's own
report shows, and the group row is not an average of store rates.

========================== =================================================================================
column                     measure
========================== =================================================================================
conversion_rate            lead → order: of the leads registered in the 12 months to the report month, the share
                           that ordered by its end (:func:`kit.leads.funnel`, ``order_rate``, trailing window)
overdue_rate               open leads whose follow-up is overdue on the last day ÷ open leads (the store's call
                           list, :func:`kit.leads.score_open_leads`, graded by the group's lead model)
turnover_rate              staff turnover over the last 12 months (:func:`kit.turnover.headline_table`) …
turnover_target_rate       … and the annual target it is held against; ``turnover_gap`` = rate − target
kpi_score                  average weighted KPI score of the month's consultants (1.0 = every target met) …
no_bonus_rate              … and the share of them paid no bonus (:func:`kit.kpi.payout.bonus`)
forecast_error_rate        average error of the one-month-ahead forecast of the store's deliveries over the last
                           six months, a share of the actual (:func:`kit.forecast.backtest`, King Long's MAPE)
stock_months               cars in stock and in transit ÷ next month's forecast deliveries
                           (:func:`kit.forecast.order_plan`); ``over_stock_line`` above the warning line
========================== =================================================================================

A measure a store's data cannot give is empty, with the reason's code in ``<measure>_reason`` (``data``,
``config``, ``insufficient``) for the report to say why in its language.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit.exceptions import ConfigError, InsufficientDataError, KitError

GROUP = "ALL"
#: forecast origins of the forecast-error backtest (months)
ERROR_WINDOWS = 6
#: league columns and which way is good: "high" (more is better) or "low"
DIRECTIONS = {"conversion_rate": "high", "overdue_rate": "low", "turnover_gap": "low", "kpi_score": "high",
              "no_bonus_rate": "low", "forecast_error_rate": "low", "stock_months": "low"}


def reason_code(exc: BaseException) -> str:
    """Why a measure could not be computed, as a catalog code: data, config or insufficient."""
    if isinstance(exc, InsufficientDataError):
        return "insufficient"
    if isinstance(exc, ConfigError):
        return "config"
    return "data"


def _month(period: Any) -> str:
    return pd.Timestamp(period.end).strftime("%Y-%m")


def conversion(dealer, period) -> pd.DataFrame:
    """``store_id, leads_12m, orders_12m, conversion_rate`` per store and for the group (last row)."""
    from kit import leads as kl

    args = dict(period=_month(period), traffic=dealer.tables.get("traffic"), followups=dealer.tables["followups"],
                settings=dealer.settings.leads)
    rows = []
    for by in ("store_id", None):
        f = kl.funnel(dealer.tables["leads"], by=by, **args)
        f = f[(f["window"] == "trailing_12_months") & (f["rate_name"] == "order_rate")]
        f = f.assign(store_id=f["store_id"].astype(str) if by else GROUP)
        rows.append(f[["store_id", "denominator", "numerator", "rate"]])
    out = pd.concat(rows, ignore_index=True)
    return out.rename(columns={"denominator": "leads_12m", "numerator": "orders_12m", "rate": "conversion_rate"})


def group_lead_model(dealer, period):
    """The lead model fitted once on the group's leads as known at the period's end (what a group run shares)."""
    from kit import leads as kl

    return kl.fit_lead_model(dealer.tables["leads"], dealer.tables["followups"], as_of=pd.Timestamp(period.end),
                             settings=dealer.settings.leads, grade_log=dealer.tables.get("grade_log"))


def followup_overdue(dealer, period, model) -> dict:
    """``open_leads, overdue, overdue_rate`` of one store (or the group): its call list on the period's last day.

    The call list of :func:`kit.leads.score_open_leads` with the group's lead ``model``, as the store's lead report
    makes it in a group run, so the count is the report's: a lead is overdue when the days since its last contact
    exceed the cadence of the kit's or the consultant's grade, whichever is followed up sooner.
    """
    from kit import leads as kl

    tables = dealer.tables
    calls = kl.score_open_leads(tables["leads"], tables["followups"], as_of=pd.Timestamp(period.end), model=model,
                                settings=dealer.settings.leads, grade_log=tables.get("grade_log")).call_list
    open_leads, overdue = len(calls), int(calls["overdue"].astype(bool).sum())
    return {"open_leads": open_leads, "overdue": overdue, "overdue_rate": overdue / open_leads if open_leads
            else np.nan}


def turnover(dealer, period, stores: list[str]) -> pd.DataFrame:
    """``store_id, headcount, leavers_12m, turnover_rate, turnover_target_rate, turnover_gap`` (rates a year)."""
    from kit import turnover as to

    h = to.headline_table(dealer.tables["staff"], _month(period), dealer.settings.turnover,
                          levels={"store_id": stores}, dimensions=(None, "store_id"))
    store_rows = h[h["dimension"] == "store_id"].assign(store_id=lambda f: f["group"].astype(str))
    group_row = h[h["dimension"] != "store_id"].head(1).assign(store_id=GROUP)
    out = pd.concat([store_rows, group_row], ignore_index=True)
    out = out[["store_id", "headcount", "leavers_12m", "rate_12m", "target"]].rename(
        columns={"rate_12m": "turnover_rate", "target": "turnover_target_rate"})
    out["turnover_gap"] = out["turnover_rate"] - out["turnover_target_rate"]
    return out


def kpi_sheet(dealer, period) -> pd.DataFrame:
    """The month's bonus sheet of one store (:func:`kit.kpi.payout.bonus`); raises when it cannot be scored."""
    from kit.kpi.payout import bonus

    month = _month(period)
    table = dealer.tables.get("kpi")
    if table is None or not (table["month"] == month).any():
        raise InsufficientDataError(f"no KPI rows for {month}")
    return bonus(table[table["month"] == month], settings=dealer.settings.kpi)


def kpi_measures(sheet: pd.DataFrame | None) -> dict:
    """``kpi_people, kpi_score, no_bonus_rate`` of a bonus sheet (empty for None)."""
    if sheet is None or sheet.empty:
        return {}
    return {"kpi_people": int(sheet["staff_id"].nunique()), "kpi_score": float(sheet["total_score"].mean()),
            "no_bonus_rate": float((sheet["bonus_cny"] <= 0).mean())}


def forecast_error(dealer, period, stores: list[str]) -> pd.DataFrame:
    """``store_id, forecast_error_rate, forecast_error_rate_reason``: the backtest error of each store's total."""
    from kit import forecast as kf

    sales = dealer.tables["sales"]
    series = kf.sales_series(sales[sales["month"] <= _month(period)])
    total = f"{kf.ALL_LABEL}{kf.ID_SEPARATOR}{kf.ALL_LABEL}"
    ids = {f"{s}{kf.ID_SEPARATOR}{kf.ALL_LABEL}": s for s in stores} | {total: GROUP}
    out = pd.DataFrame({"store_id": [*stores, GROUP]})
    try:
        bt = kf.backtest(series[series["unique_id"].isin(list(ids))], 1, windows=ERROR_WINDOWS, methods=["auto"])
    except KitError as exc:
        return out.assign(forecast_error_rate=np.nan, forecast_error_rate_reason=reason_code(exc))
    rows = bt[(bt["scope"] == "series") & (bt["method"] == "auto")]
    if "spring_festival_adjusted" in rows.columns and rows["spring_festival_adjusted"].any():
        rows = rows[rows["spring_festival_adjusted"].astype(bool)]
    error = rows.assign(store_id=rows["unique_id"].map(ids)).set_index("store_id")["mape_pct"]
    out["forecast_error_rate"] = out["store_id"].map(error).astype(float) / 100
    out["forecast_error_rate_reason"] = np.where(out["forecast_error_rate"].isna(), "insufficient", "")
    return out


def stock_cover(dealer, forecast: pd.DataFrame | None, stores: list[str]) -> pd.DataFrame:
    """``store_id, stock_units, forecast_next_units, stock_months, over_stock_line, order_next_units``.

    From the order plan of the group's reconciled ``forecast`` (its firm month): stock on hand and in transit, the
    next month's forecast, their ratio, whether it is above the warning line, and the suggested order.
    """
    from kit import forecast as kf

    out = pd.DataFrame({"store_id": [*stores, GROUP]})
    if forecast is None:
        return out.assign(stock_months=np.nan, stock_months_reason="insufficient")
    plan = kf.order_plan(forecast, kf.stock_positions(dealer.tables["stock"]), dealer.settings.order_plan)
    firm = plan[plan["months_ahead"] == 1]
    top = firm[firm["level"].isin(["store", "group"])]
    key = top["store_id"].astype(str).where(top["level"] == "store", GROUP)
    top = top.assign(store_id=key.to_numpy()).set_index("store_id")
    out["stock_units"] = out["store_id"].map(top["on_hand_units"] + top["in_transit_units"])
    out["forecast_next_units"] = out["store_id"].map(top["forecast_units"])
    out["stock_months"] = out["store_id"].map(top["stock_months_now"]).astype(float)
    out["over_stock_line"] = out["store_id"].map(top["stock_warning_now"]).fillna(False).astype(bool)
    out["order_next_units"] = out["store_id"].map(top["suggested_order_units"])
    out["stock_months_reason"] = np.where(out["stock_months"].isna(), "insufficient", "")
    return out


def per_store(dealer, period, names: list[str], model) -> pd.DataFrame:
    """The measures computed on each store's own rows (follow-ups with the group's lead ``model``, KPI), one store
    at a time. The group's row is computed on every store's rows for the follow-ups, and pools the scored people
    for KPI."""
    from kit import io

    rows, sheets = [], []
    for store, own in io.split_stores(dealer, names):
        row = {"store_id": store, **followup_overdue(own, period, model)}
        try:
            sheet = kpi_sheet(own, period)
            sheets.append(sheet)
            row.update(kpi_measures(sheet), kpi_score_reason="")
        except KitError as exc:
            row["kpi_score_reason"] = reason_code(exc)
        rows.append(row)
    pooled = pd.concat(sheets, ignore_index=True) if sheets else None
    rows.append({"store_id": GROUP, **followup_overdue(dealer, period, model), **kpi_measures(pooled),
                 "kpi_score_reason": "" if pooled is not None else "insufficient"})
    return pd.DataFrame(rows).reindex(columns=["store_id", "open_leads", "overdue", "overdue_rate", "kpi_people",
                                               "kpi_score", "no_bonus_rate", "kpi_score_reason"])


def league(dealer, period, *, forecast: pd.DataFrame | None = None, lead_model: Any = None) -> pd.DataFrame:
    """Every store's league measures (see the module) and the group's in a last row (``store_id`` ``ALL``).

    Parameters
    ----------
    dealer : kit.io.Dealer
        The group's validated tables.
    period : period with an ``end`` (kit.periods.Period or the runner's)
        The report's month.
    forecast : DataFrame, optional
        The group's reconciled forecast (:func:`kit.forecast.reconcile` of every store × model series); without it
        stock cover is left empty.
    lead_model : kit.leads.LeadModel, optional
        The group's lead model (:func:`group_lead_model`, fitted here when not given) that grades the open leads.
    """
    from kit import io

    names = io.store_ids(dealer)
    out = pd.DataFrame({"store_id": [*names, GROUP],
                        "store": [dealer.settings.store_name(s) for s in names] + [dealer.settings.dealer.name]})
    model = lead_model if lead_model is not None else group_lead_model(dealer, period)
    parts = [conversion(dealer, period), per_store(dealer, period, names, model), turnover(dealer, period, names),
             forecast_error(dealer, period, names), stock_cover(dealer, forecast, names)]
    for part in parts:
        out = out.merge(part, on="store_id", how="left")
    return out
