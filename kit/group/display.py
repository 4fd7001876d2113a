"""The group report's tables, charts, tiles and Excel in the reader's words (``kit/catalog/group.yml``).

Columns are labelled with the catalog's ``<column>@group`` entries, measures with ``<measure>@group_measure``;
red is bad in every shaded column (the direction of each measure is :data:`kit.group.measures.DIRECTIONS`). The
functions take the notebook's :class:`kit.notebook.Report` for its language and table writer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kit import plots
from kit.group.advice import what_to_do
from kit.group.measures import DIRECTIONS
from kit.group.summary import GroupOverview
from kit.report.format import format_value

#: how each league and plan column is shown
FORMATS = {"leads_12m": "int", "orders_12m": "int", "conversion_rate": "pct", "open_leads": "int", "overdue": "int",
           "overdue_rate": "pct", "kpi_people": "int", "kpi_score": "pct", "no_bonus_rate": "pct0",
           "headcount": "int", "leavers_12m": "int", "turnover_rate": "pct", "turnover_target_rate": "pct0",
           "turnover_gap": "pct", "forecast_error_rate": "pct", "stock_units": "int", "forecast_next_units": "number1",
           "stock_months": "number1", "over_stock_line": "bool", "order_next_units": "int",
           "stock_months_now": "number1", "stock_months_after": "number1", "stores_scored": "int"}
LEAGUE_COLUMNS = ["store_id", "store", "conversion_rate", "overdue_rate", "turnover_rate", "turnover_target_rate",
                  "kpi_score", "no_bonus_rate", "forecast_error_rate", "stock_months"]
#: stores shown in a chart of one measure: all up to this many, else the best and the worst half of it
CHART_STORES = 20


def _labels(r: Any, columns) -> dict[str, str]:
    return {c: r.label(c, group="group") for c in columns}


def _measure_format(measure: str) -> str:
    return FORMATS.get(measure, "number")


def headline(r: Any, ov: GroupOverview) -> None:
    """The tiles: lead → order conversion, overdue follow-ups, turnover, next month's order and forecast, and the
    stores above the stock line (glue names ``group_conversion_rate`` … ``stores_over_stock_line``)."""
    g = ov.group
    r.glue("group_conversion_rate", g.get("conversion_rate"), kind="pct", label=r.t("group.tile.conversion"))
    r.glue("group_overdue_rate", g.get("overdue_rate"), kind="pct", label=r.t("group.tile.overdue"))
    r.glue("group_turnover_rate", g.get("turnover_rate"), kind="pct",
           label=r.t("group.tile.turnover", target=format_value(g.get("turnover_target_rate"), "pct", lang=r.lang)))
    if ov.plan_total is not None:
        month = ov.plan.loc[ov.plan["months_ahead"] == 1, "plan_month"].iloc[0]
        r.glue("group_forecast_next_units", float(ov.plan_total["forecast_next_units"]), kind="int",
               label=r.t("group.tile.forecast", month=f"{month:%Y-%m}"))
        r.glue("group_order_next_units", int(ov.plan_total["order_n1_units"]), kind="int",
               label=r.t("group.tile.order", month=f"{month:%Y-%m}"))
        r.glue("stores_over_stock_line", int(ov.store_plan["over_stock_line"].sum()), kind="int",
               label=r.t("group.tile.over_line", line=f"{ov.warning_stock_months:g}"))


def advise(r: Any, ov: GroupOverview) -> list[str]:
    """Record the "what to do first" sentences (:func:`kit.group.advice.what_to_do`); returns them."""
    return [r.advise(key, **fields) for key, fields in what_to_do(ov, lang=r.lang)]


def league_table(r: Any, ov: GroupOverview):
    """Every store's measures, the group's as the totals row; each measure shaded against the group (red is bad)."""
    frame = ov.stores[LEAGUE_COLUMNS]
    totals = {c: ov.group[c] for c in LEAGUE_COLUMNS[2:] if pd.notna(ov.group.get(c))}
    totals["store"] = r.t("group.whole_group")
    gradient = {c: d for c, d in DIRECTIONS.items() if c in frame.columns}
    gradient["turnover_rate"] = "low"
    return r.table(frame, formats=FORMATS, labels=_labels(r, frame.columns), gradient=gradient,
                   center={c: ov.group[c] for c in gradient if pd.notna(ov.group.get(c))}, totals=totals,
                   max_rows=None, searchable=True, cards=True,
                   caption=r.t("group.caption.league", month=ov.month, n=len(frame)))


def best_worst_table(r: Any, ov: GroupOverview):
    """Per measure: the best and the worst store, and the group's value."""
    bw = ov.best_worst
    rows = []
    for row in bw.itertuples(index=False):
        kind = _measure_format(row.measure)
        name = lambda s: f"{s} {ov.names.get(s, '')}".strip()  # noqa: E731
        rows.append({"measure": r.label(row.measure, group="group_measure"), "best_store": name(row.best_store),
                     "best_value": format_value(row.best_value, kind, lang=r.lang),
                     "worst_store": name(row.worst_store),
                     "worst_value": format_value(row.worst_value, kind, lang=r.lang),
                     "group_value": format_value(row.group_value, kind, lang=r.lang),
                     "stores_scored": row.stores_scored})
    frame = pd.DataFrame(rows, columns=list(bw.columns))
    return r.table(frame, formats={c: "text" for c in frame.columns if c != "stores_scored"} | {"stores_scored": "int"},
                   labels=_labels(r, frame.columns), cards=True, caption=r.t("group.caption.best_worst"),
                   empty=r.t("group.empty.best_worst"))


def measure_chart(r: Any, ov: GroupOverview, measure: str = "conversion_rate"):
    """One measure per store as bars, best first, the group's value as a line; many stores: the best and worst."""
    have = ov.stores[["store_id", measure]].dropna()
    ascending = DIRECTIONS.get(measure) == "low"
    have = have.sort_values(measure, ascending=ascending, kind="stable")
    if len(have) > CHART_STORES:
        half = CHART_STORES // 2
        have = pd.concat([have.head(half), have.tail(half)])
    label = r.label(measure, group="group_measure")
    title_key = "group.chart.measure_some" if len(have) < len(ov.stores) else "group.chart.measure"
    return plots.plot_bars(have.assign(store=[f"{s} {ov.names.get(s, '')}".strip() for s in have["store_id"]]),
                           x="store", y=measure, percent=_measure_format(measure).startswith("pct"),
                           target=ov.group.get(measure), target_label=r.t("group.whole_group"),
                           title=r.t(title_key, measure=label, n=len(have)))


def funnel_chart(r: Any, ov: GroupOverview):
    """The group's funnel of the month: enquiries → registered → test drive → ordered → delivered."""
    steps = ov.funnel[ov.funnel["window"] == "month"]
    steps = steps.assign(step=[r.label(s) for s in steps["step"]])
    return plots.plot_funnel(steps, label="step", value="count", rate="rate",
                             title=r.t("group.chart.funnel", month=ov.month))


def funnel_table(r: Any, ov: GroupOverview):
    """The group's funnel rates, the month and the 12 months to it, against the targets."""
    rates = ov.funnel.dropna(subset=["rate"])
    frame = pd.DataFrame({"window": [r.label(w) for w in rates["window"]],
                          "rate_name": [r.label(n) for n in rates["rate_name"]],
                          "numerator": rates["numerator"].to_numpy(), "denominator": rates["denominator"].to_numpy(),
                          "rate": rates["rate"].to_numpy(), "target": rates["target"].to_numpy()})
    return r.table(frame, formats={"numerator": "int", "denominator": "int", "rate": "pct", "target": "pct0"},
                   labels=_labels(r, frame.columns), caption=r.t("group.caption.funnel"))


def forecast_chart(r: Any, ov: GroupOverview):
    """The group's deliveries, last 24 months and the reconciled forecast with its 80 % and 95 % bands."""
    if ov.forecast is None:
        return r.note("group.note.no_forecast", kind="warning", reason=r.t(f"group.reason.{ov.forecast_reason}"))
    total = "ALL/ALL"
    fig = plots.plot_fan_grid(ov.history, ov.forecast, ids=[total], ncols=1, lang=r.lang,
                              titles={total: r.t("group.whole_group")}, title=r.t("group.chart.forecast"))
    fig.set_size_inches(9.0, 3.6)
    return fig


def plan_table(r: Any, ov: GroupOverview):
    """Per store: next month's forecast, the firm order, the indicative orders and stock cover; the group's row is
    the sum of the store plans."""
    if ov.store_plan is None:
        return r.note("group.note.no_forecast", kind="warning", reason=r.t(f"group.reason.{ov.forecast_reason}"))
    frame = ov.store_plan.copy()
    frame.insert(1, "store", [ov.names.get(s, s) for s in frame["store_id"]])
    orders = [c for c in frame.columns if c.startswith("order_n")]
    labels = _labels(r, [c for c in frame.columns if c not in orders])
    labels |= {c: r.t("group.order_month", k=c[len("order_n"):-len("_units")]) for c in orders}
    totals = {c: ov.plan_total[c] for c in ["forecast_next_units", *orders, "stock_months_now",
                                            "stock_months_after"]} | {"store": r.t("group.whole_group")}
    return r.table(frame, formats=FORMATS | {c: "int" for c in orders}, labels=labels, totals=totals,
                   highlight={"stock_months_now": "over_stock_line"}, max_rows=None, searchable=True, cards=True,
                   caption=r.t("group.caption.plan", line=f"{ov.warning_stock_months:g}"))


def excel(r: Any, ov: GroupOverview):
    """The league and the plan as a workbook beside the report."""
    from kit.report.excel import Sheet

    league = ov.stores[LEAGUE_COLUMNS + ["leads_12m", "orders_12m", "open_leads", "overdue", "kpi_people",
                                         "headcount", "leavers_12m"]]
    sheets = {r.t("group.sheet.league"): Sheet(
        league, formats=FORMATS, labels=_labels(r, league.columns), freeze_columns=2,
        definitions={c: r.t(f"group.def.{c}") for c in LEAGUE_COLUMNS[2:]},
        totals={c: ov.group[c] for c in league.columns[2:] if pd.notna(ov.group.get(c))})}
    if ov.store_plan is not None:
        plan = ov.store_plan
        orders = [c for c in plan.columns if c.startswith("order_n")]
        sheets[r.t("group.sheet.plan")] = Sheet(
            plan, formats=FORMATS | {c: "int" for c in orders}, freeze_columns=1,
            labels=_labels(r, [c for c in plan.columns if c not in orders])
            | {c: r.t("group.order_month", k=c[len("order_n"):-len("_units")]) for c in orders},
            totals={c: ov.plan_total[c] for c in ["forecast_next_units", *orders]})
    return r.excel(sheets, f"group_overview_{ov.month}.xlsx", title_key="group.excel_title")


def definitions(r: Any, ov: GroupOverview):
    """What each league measure is and where it comes from, one plain sentence each."""
    frame = pd.DataFrame({"measure": [r.label(m, group="group_measure") for m in DIRECTIONS],
                          "definition": [r.t(f"group.def.{m}") for m in DIRECTIONS]})
    return r.table(frame, labels=_labels(r, frame.columns), formats={"definition": "text"},
                   caption=r.t("group.caption.definitions"))


def not_scored(r: Any, ov: GroupOverview):
    """The stores a measure could not be computed for, and why."""
    rows = []
    for measure, stores in ov.not_scored.items():
        reasons = ov.stores.set_index("store_id").get(f"{measure}_reason")
        codes = sorted({str(reasons.get(s)) for s in stores} - {"", "None", "nan"}) if reasons is not None else []
        rows.append({"measure": r.label(measure, group="group_measure"), "stores": ", ".join(stores),
                     "reason": "; ".join(r.t(f"group.reason.{c}") for c in codes) or r.t("group.reason.insufficient")})
    frame = pd.DataFrame(rows, columns=["measure", "stores", "reason"])
    return r.table(frame, labels=_labels(r, frame.columns), formats={c: "text" for c in frame.columns},
                   empty=r.t("group.empty.not_scored"), caption=r.t("group.caption.not_scored"))


def plan_check(r: Any, ov: GroupOverview):
    """That the group's plan is the sum of the store plans and the forecast adds up (reconciled)."""
    if ov.store_plan is None:
        return None
    orders = int(ov.store_plan["order_n1_units"].sum())
    group_order = int(ov.plan_total["order_n1_units"])
    forecast = float(ov.store_plan["forecast_next_units"].sum())
    group_forecast = float(ov.plan_total["forecast_next_units"])
    kind = "ok" if orders == group_order and np.isclose(forecast, group_forecast, atol=0.05) else "warning"
    return r.note("group.note.plan_check", kind=kind, orders=f"{orders:,}", group_order=f"{group_order:,}",
                  forecast=f"{forecast:,.1f}", group_forecast=f"{group_forecast:,.1f}", stores=len(ov.store_plan))
