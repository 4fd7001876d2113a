"""The forecast report's frames in the reader's words: tiles, advice, tables, charts and the Excel workbook.

Every word comes from the display catalog (``kit/catalog/forecast.yml``; a few shared column names from
``common.yml``): levels, stores ("all stores"), series classes, method names, what gave way. The same numbers come
from one :class:`~kit.forecast.outlook.Outlook`, so tiles, advice, tables and Excel agree. The functions take the
notebook's :class:`kit.notebook.Report` for its language, store names and table writer.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from kit import i18n
from kit.forecast.advice import what_to_do
from kit.forecast.monthly import RECONCILER, Outlook
from kit.forecast.series import ALL_LABEL, ID_SEPARATOR
from kit.report.format import fmt_number

#: Levels of the hierarchy in the order a table shows them.
_LEVEL_ORDER = {"group": 0, "store": 1, "store_model": 2, "model": 3}
_RANGE_COLUMNS = ("yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95")


# --------------------------------------------------------------------------- words


def method_name(code: object, lang: str) -> str:
    """A method as the engine labels it (``"median(ets, ces)"``, ``"auto, reconciled (mint_shrink)"``, a member
    or a rule such as ``"mean of the last 3 months"``) in the reader's words."""
    text = str(code)
    reconciled = re.fullmatch(r"(.+), reconciled \((\w+)\)", text)
    if reconciled:
        return i18n.t("forecast.method.reconciled", lang, method=method_name(reconciled.group(1), lang),
                      how=i18n.label(reconciled.group(2), lang, group="reconciler"))
    combined = re.fullmatch(r"(median|mean|select|weighted)\((.*)\)", text)
    if combined:
        members = [i18n.label(m.strip(), lang, group="member") for m in combined.group(2).split(",") if m.strip()]
        return i18n.t(f"forecast.method.{combined.group(1)}", lang,
                      members=("、" if lang == "zh" else ", ").join(members))
    if text.startswith("mean of the last"):
        return i18n.label("recent_mean", lang, group="member")
    if text.startswith("zero"):
        return i18n.label("zero", lang, group="member")
    return i18n.label(text, lang, group="member")


def _store(r: Any, store_id: str) -> str:
    return i18n.label("all_stores", r.lang) if store_id == ALL_LABEL else r.settings.store_name(store_id)


def _model(r: Any, model: str) -> str:
    return i18n.label("all_models", r.lang) if model == ALL_LABEL else model


def _split(frame: pd.DataFrame) -> pd.DataFrame:
    parts = frame["unique_id"].astype(str).str.split(ID_SEPARATOR, n=1, expand=True)
    return frame.assign(store_id=parts[0].to_numpy(), model=parts[1].to_numpy())


def _named(r: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Stores by the dealer's names, ALL as "all stores" / "all models", codes in the reader's words."""
    out = frame.copy()
    if "store_id" in out:
        out["store_id"] = [_store(r, s) for s in out["store_id"]]
    if "model" in out:
        out["model"] = [_model(r, m) for m in out["model"]]
    if "level" in out:
        out["level"] = [i18n.label(v, r.lang, group="plan_level") for v in out["level"]]
    if "series_class" in out:
        out["series_class"] = [i18n.label(v, r.lang, group="series_class") for v in out["series_class"]]
    if "gave_way" in out:
        out["gave_way"] = [i18n.label(v, r.lang, group="gave_way") if v else "" for v in out["gave_way"]]
    if "method" in out:
        out["method"] = [method_name(v, r.lang) for v in out["method"]]
    if "plan" in out:
        out["plan"] = [i18n.label(v, r.lang, group="plan") for v in out["plan"]]
    return out


def _tree_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Group first, then each store followed by its models, then the models over all stores."""
    key_store = np.where(frame["store_id"] == ALL_LABEL, "", frame["store_id"])
    order = pd.DataFrame({"_g": frame["level"].map({"group": 0, "store": 1, "store_model": 1, "model": 2}),
                          "_s": key_store, "_l": frame["level"].map(_LEVEL_ORDER), "_m": frame["model"]},
                         index=frame.index)
    return frame.loc[order.sort_values(["_g", "_s", "_l", "_m"], kind="mergesort").index]


# --------------------------------------------------------------------------- tiles and advice


def headline(r: Any, o: Outlook) -> None:
    """Glue the manager tiles: next month's forecast, next month's order (the plan's total), models where the
    service level or the line gave way, and the group's months of stock cover after ordering."""
    group_fc = o.forecast[o.forecast["unique_id"] == f"{ALL_LABEL}/{ALL_LABEL}"].sort_values("ds").iloc[0]
    group = o.firm[o.firm["level"] == "group"].iloc[0]
    models = o.firm[o.firm["level"] == "store_model"]
    month = o.next_month
    r.glue("forecast_next_month_total", float(group_fc["yhat"]), kind="int",
           label=i18n.t("forecast.tile.forecast", r.lang, month=month))
    r.glue("order_next_month_total", int(group["suggested_order_units"]), kind="int",
           label=i18n.t("forecast.tile.order", r.lang, month=month))
    r.glue("models_gave_way", int((models["gave_way"] != "").sum()), kind="int",
           label=i18n.t("forecast.tile.gave_way", r.lang))
    r.glue("stock_cover_after_months", _finite(group["stock_months_after"]), kind="number1",
           label=i18n.t("forecast.tile.cover", r.lang, line=fmt_number(o.settings.warning_stock_months, digits=1)))


def keep_forecasts(r: Any, o: Outlook) -> None:
    """Save the run's forecasts beside its report, for the ledger of later runs (nothing without an output folder)."""
    from kit.forecast.ledger import save_forecasts

    if r.output_dir is not None:
        save_forecasts(o.forecast, r.output_dir, run_month=o.month)


def stock_note(r: Any, o: Outlook):
    """The date of the stock the plan starts from (None when the stock table has no date)."""
    return r.note("forecast.stock_as_of", date=o.stock_as_of) if o.stock_as_of else None


def _finite(value: float) -> float | None:
    value = float(value)
    return round(value, 1) if np.isfinite(value) else None


def advise(r: Any, o: Outlook) -> None:
    """Record the "what to do" sentences with ``r.advise`` (the runner shows them at the top of the report)."""
    for key, fields in what_to_do(o, lang=r.lang, store_name=r.settings.store_name):
        r.advise(key, **fields)


# --------------------------------------------------------------------------- the forecast


def fan_chart(r: Any, o: Outlook, *, totals: bool = True, max_panels: int = 12):
    """History and forecast with 80 % / 95 % bands: the group and its stores (``totals``), or the models over all
    stores; the largest first, at most ``max_panels``."""
    from kit import plots

    levels = hierarchy_levels_of(o.series["unique_id"].unique())
    wanted = ("group", "store") if totals else ("model",)
    ids = [u for u, lv in levels.items() if lv in wanted]
    volume = o.series[o.series["unique_id"].isin(ids)].groupby("unique_id")["y"].sum()
    ids = sorted(ids, key=lambda u: (levels[u] != "group", -volume.get(u, 0.0), u))[:max_panels]
    titles = {}
    for uid in ids:
        store, model = uid.split(ID_SEPARATOR, 1)
        titles[uid] = _store(r, store) if model == ALL_LABEL else _model(r, model)
    key = "forecast.chart.totals" if totals else "forecast.chart.models"
    return plots.plot_fan_grid(o.series, o.shown_forecast, ids=ids, ncols=3, lang=r.lang, titles=titles,
                               title=i18n.t(key, r.lang, month=o.month))


def hierarchy_levels_of(ids) -> dict[str, str]:
    from kit.forecast.hierarchy import hierarchy_levels

    return hierarchy_levels(list(ids)).to_dict()


def hierarchy_frame(o: Outlook) -> pd.DataFrame:
    """One row per series of the hierarchy in tree order: the first plan month with its ranges, then the next
    months' forecasts (``forecast_m2`` …)."""
    fc = _split(o.shown_forecast)
    months = sorted(fc["ds"].unique())
    first = fc[fc["ds"] == months[0]].set_index("unique_id")
    out = first[["level", "store_id", "model", "series_class", "yhat", *_RANGE_COLUMNS]].copy()
    for k, month in enumerate(months[1:], start=2):
        out[f"forecast_m{k}"] = fc[fc["ds"] == month].set_index("unique_id")["yhat"].reindex(out.index)
    return _tree_order(out.reset_index(drop=True))


def hierarchy_table(r: Any, o: Outlook):
    """The coherent forecast: group → store → model, every total the sum of the rows below it, with ranges."""
    from kit.forecast.hierarchy import coherence_gap

    frame = hierarchy_frame(o)
    months = sorted(o.shown_forecast["ds"].unique())
    labels = {"yhat": i18n.t("forecast.col.forecast_month", r.lang, month=pd.Timestamp(months[0]).strftime("%Y-%m"))}
    for k, month in enumerate(months[1:], start=2):
        labels[f"forecast_m{k}"] = i18n.t("forecast.col.forecast_month", r.lang,
                                          month=pd.Timestamp(month).strftime("%Y-%m"))
    formats = {c: "number1" for c in frame.columns if c == "yhat" or c.startswith(("yhat_", "forecast_m"))}
    gap = coherence_gap(o.forecast)
    return r.table(_named(r, frame), formats=formats, labels=labels, max_rows=None, searchable=True, cards=True,
                   caption=i18n.t("forecast.coherence_caption", r.lang, gap=fmt_number(gap, digits=2)))


# --------------------------------------------------------------------------- the order plan

_PLAN_COLUMNS = ["store_id", "model", "forecast_units", "demand_lead_time_units", "target_stock_units",
                 "safety_stock_units", "on_hand_units", "in_transit_units", "suggested_order_units",
                 "stock_months_now", "stock_months_after", "gave_way", "reason"]
_PLAN_FORMATS = {"forecast_units": "number1", "demand_lead_time_units": "number1", "target_stock_units": "number1",
                 "safety_stock_units": "number1", "on_hand_units": "int", "in_transit_units": "int",
                 "suggested_order_units": "int", "stock_months_now": "number1", "stock_months_after": "number1",
                 "stock_after_units": "number1"}
_SUMMED = ("forecast_units", "demand_lead_time_units", "target_stock_units", "safety_stock_units", "on_hand_units",
           "in_transit_units", "suggested_order_units", "stock_after_units")


def _group_totals(o: Outlook, columns: list[str], months_ahead: int = 1) -> dict[str, Any]:
    """The totals row of a plan table: the plan's own group row (so it is the plan's total, not a re-sum)."""
    group = o.plan[(o.plan["level"] == "group") & (o.plan["months_ahead"] == months_ahead)].iloc[0]
    out = {c: group[c] for c in columns if c in _SUMMED or c in ("stock_months_now", "stock_months_after")}
    for c in ("stock_months_now", "stock_months_after"):
        if c in out and not np.isfinite(float(out[c])):
            out[c] = None
    return out


def plan_frame(o: Outlook) -> pd.DataFrame:
    """The firm month's store × model rows, stores in order, models within them."""
    rows = o.firm[o.firm["level"] == "store_model"]
    return rows.sort_values(["store_id", "model"], kind="mergesort").reset_index(drop=True)


def plan_table(r: Any, o: Outlook):
    """The firm order per store and model: demand + target stock + safety − stock = order, cover before and after,
    and what gave way where the plan could not meet both the service level and the line. Cards on a phone."""
    frame = plan_frame(o)
    shown = _named(r, frame)
    shown["_over"] = frame["gave_way"] != ""
    return r.table(shown[_PLAN_COLUMNS + ["_over"]], formats=_PLAN_FORMATS, max_rows=None, searchable=True,
                   cards=True, highlight={"suggested_order_units": "_over", "gave_way": "_over"},
                   totals=_group_totals(o, _PLAN_COLUMNS),
                   caption=i18n.t("forecast.plan_caption", r.lang, month=o.next_month,
                                  line=fmt_number(o.settings.warning_stock_months, digits=1),
                                  service=f"{100 * o.settings.service_level:g}"))


_STORE_COLUMNS = ["store_id", "forecast_units", "on_hand_units", "in_transit_units", "suggested_order_units",
                  "stock_after_units", "stock_months_now", "stock_months_after", "models_gave_way"]


def store_frame(o: Outlook) -> pd.DataFrame:
    """The firm month per store: the sums of its model rows, months of cover and how many models gave way."""
    stores = o.firm[o.firm["level"] == "store"].sort_values("store_id").reset_index(drop=True)
    models = o.firm[o.firm["level"] == "store_model"]
    flagged = models[models["gave_way"] != ""].groupby("store_id").size()
    return stores.assign(models_gave_way=stores["store_id"].map(flagged).fillna(0).astype(np.int64))


def store_table(r: Any, o: Outlook):
    """Orders and stock cover per store, the group in the totals row; red where a store stays over its line."""
    frame = store_frame(o)
    shown = _named(r, frame)
    shown["_over"] = frame["stock_warning_after"].astype(bool).to_numpy()
    totals = _group_totals(o, _STORE_COLUMNS) | {"models_gave_way": int(frame["models_gave_way"].sum())}
    return r.table(shown[_STORE_COLUMNS + ["_over"]], formats=_PLAN_FORMATS | {"models_gave_way": "int"},
                   highlight={"stock_months_after": "_over"}, totals=totals, max_rows=None, cards=True)


def orders_by_month_frame(o: Outlook) -> pd.DataFrame:
    """Orders per store and model for every plan month (N+1 firm, then indicative), one column per month."""
    rows = o.plan[o.plan["level"] == "store_model"]
    wide = rows.pivot_table(index=["store_id", "model"], columns="months_ahead", values="suggested_order_units",
                            aggfunc="first").reset_index()
    wide.columns = ["store_id", "model"] + [f"order_m{int(c)}" for c in wide.columns[2:]]
    return wide


def _order_month_words(r: Any, o: Outlook, key: str) -> dict[str, str]:
    """``order_m<k>`` → the catalog text ``key`` for plan month k (its month, firm or indicative)."""
    months = o.plan.drop_duplicates("months_ahead").set_index("months_ahead")["plan_month"]
    return {f"order_m{k}": i18n.t(key, r.lang, month=pd.Timestamp(m).strftime("%Y-%m"),
                                  plan=i18n.label("firm" if k <= o.settings.firm_months else "indicative", r.lang,
                                                  group="plan"))
            for k, m in months.items()}


def orders_by_month_table(r: Any, o: Outlook):
    frame = orders_by_month_frame(o)
    labels = _order_month_words(r, o, "forecast.col.order_month")
    totals = {c: "sum" for c in frame.columns if c.startswith("order_m")}
    return r.table(_named(r, frame), formats={c: "int" for c in totals}, labels=labels, totals=totals,
                   max_rows=None, searchable=True, cards=True)


# --------------------------------------------------------------------------- the ledger


_LEDGER_COLUMNS = ["store_id", "model", "run_month", "months_ahead", "yhat", "yhat_lo_80", "yhat_hi_80", "actual",
                   "error_units", "abs_pct_error", "king_long_score", "inside_80"]


def ledger_table(r: Any, o: Outlook):
    """What earlier runs forecast for this month against what happened (empty until a run has saved forecasts)."""
    if o.ledger.empty:
        return r.note("forecast.ledger_empty", month=o.month)
    ledger = _split(o.ledger)
    levels = hierarchy_levels_of(ledger["unique_id"].unique())
    frame = _tree_order(ledger.assign(level=ledger["unique_id"].map(levels)))
    columns = [c for c in _LEDGER_COLUMNS if c in frame.columns]
    formats = {"yhat": "number1", "yhat_lo_80": "number1", "yhat_hi_80": "number1", "actual": "int",
               "error_units": "number1", "abs_pct_error": "number1", "king_long_score": "int", "inside_80": "bool",
               "months_ahead": "int"}
    return r.table(_named(r, frame)[columns], formats=formats, max_rows=None, searchable=True, cards=True,
                   labels={"yhat": i18n.label("ledger_forecast", r.lang)})


# --------------------------------------------------------------------------- analyst appendix


_ACCURACY_COLUMNS = ["method", "n_forecasts", "mase", "smape_pct", "bias_pct", "mape_pct", "king_long_score",
                     "coverage_80_pct", "coverage_95_pct"]


def accuracy_frame(o: Outlook) -> pd.DataFrame:
    """The backtest over all series: the report's forecast (reconciled) first, then the kit's forecast before
    reconciliation, each single member and seasonal naive; with the Spring Festival adjustment where used."""
    bt = o.backtest
    overall = bt[(bt["scope"] == "overall") & (bt["spring_festival_adjusted"] | (bt["method"] == "seasonal_naive"))]
    reconciled = f"auto, reconciled ({RECONCILER})"
    order = {reconciled: 0, "auto": 1, "seasonal_naive": 9}
    return overall.assign(_o=overall["method"].map(order).fillna(5)).sort_values(["_o", "mase"]).drop(
        columns="_o").reset_index(drop=True)


def accuracy_table(r: Any, o: Outlook):
    """Backtest accuracy (MASE, sMAPE, bias, MAPE, King Long score) with interval coverage beside it."""
    if o.backtest is None:
        return r.note("forecast.no_backtest", reason=o.backtest_note or "")
    frame = accuracy_frame(o)
    formats = {"mase": "number3", "smape_pct": "number1", "bias_pct": "number1", "mape_pct": "number1",
               "king_long_score": "int", "coverage_80_pct": "number1", "coverage_95_pct": "number1",
               "n_forecasts": "int"}
    return r.table(_named(r, frame[_ACCURACY_COLUMNS]), formats=formats, max_rows=None,
                   gradient={"mase": "low"}, center={"mase": 1.0})


def level_frame(o: Outlook) -> pd.DataFrame:
    """Per hierarchy level: MASE, horizon-total error and coverage before and after reconciliation."""
    bt = o.backtest
    reconciled = f"auto, reconciled ({RECONCILER})"
    rows = bt[(bt["scope"] == "level") & bt["method"].isin(["auto", reconciled]) & bt["spring_festival_adjusted"]]
    rows = rows.assign(forecast_kind=np.where(rows["method"] == reconciled, "reconciled", "base"),
                       _l=rows["level"].map(_LEVEL_ORDER))
    return rows.sort_values(["_l", "forecast_kind"], kind="mergesort")[
        ["level", "forecast_kind", "n_forecasts", "mase", "bias_pct", "coverage_80_pct", "coverage_95_pct"]]


def level_table(r: Any, o: Outlook):
    if o.backtest is None:
        return r.note("forecast.no_backtest", reason=o.backtest_note or "")
    frame = level_frame(o)
    frame = frame.assign(forecast_kind=[i18n.label(v, r.lang, group="forecast_kind") for v in frame["forecast_kind"]])
    return r.table(_named(r, frame), formats={"mase": "number3", "bias_pct": "number1", "coverage_80_pct": "number1",
                                              "coverage_95_pct": "number1", "n_forecasts": "int"},
                   caption=i18n.t("coverage_caption", r.lang, nominal="80 / 95"), max_rows=None)


def methods_frame(o: Outlook) -> pd.DataFrame:
    """How many series of each kind each method forecast (the method column of the forecast)."""
    first = o.forecast.drop_duplicates("unique_id")
    counts = first.groupby(["series_class", "method"]).size().rename("series").reset_index()
    counts["_c"] = counts["series_class"].map({c: i for i, c in enumerate(
        ("regular", "short", "intermittent", "very_short", "zero"))})
    return counts.sort_values(["_c", "series"], ascending=[True, False]).drop(columns="_c").reset_index(drop=True)


def methods_table(r: Any, o: Outlook):
    return r.table(_named(r, methods_frame(o)), formats={"series": "int"}, max_rows=None)


# --------------------------------------------------------------------------- what-if


def whatif_tables(r: Any, result: Any):
    """The what-if's totals per store and group, then its models where something gave way."""
    from kit.report.tables import Table

    summary = result.summary.copy()
    store_ids = summary["store_id"].where(summary["level"] != "group", ALL_LABEL)
    summary["store_id"] = store_ids
    first = r.table(_named(r, summary.drop(columns="level")),
                    formats={"suggested_order_units": "int", "configured_order_units": "int",
                             "stock_after_units": "number1", "stock_months_after": "number1",
                             "configured_stock_months_after": "number1", "service_gave_way_models": "int",
                             "line_gave_way_models": "int"}, max_rows=None)
    models = result.plan[(result.plan["level"] == "store_model") & (result.plan["gave_way"] != "")]
    second = r.table(_named(r, models[["store_id", "model", "suggested_order_units", "stock_months_after",
                                        "gave_way", "reason"]]), formats=_PLAN_FORMATS, max_rows=None,
                     empty=i18n.t("forecast.whatif_nothing", r.lang))
    return Table(first.html + second.html, pd.concat([first.frame, second.frame], ignore_index=True))


# --------------------------------------------------------------------------- Excel


def excel_sheets(r: Any, o: Outlook) -> dict:
    """The workbook a manager keeps: the firm order per model (group total row), per store (group total row),
    orders by month, and the forecast of every level with its ranges."""
    from kit.report.excel import Sheet

    plan = _named(r, plan_frame(o))
    stores = _named(r, store_frame(o))
    by_month = orders_by_month_frame(o)
    forecast = _named(r, hierarchy_frame(o))
    month = o.next_month
    plan_totals = _group_totals(o, _PLAN_COLUMNS)
    store_totals = _group_totals(o, _STORE_COLUMNS) | {"models_gave_way": int(stores["models_gave_way"].sum())}
    month_labels = _order_month_words(r, o, "forecast.col.order_month")
    month_definitions = _order_month_words(r, o, "forecast.def.order_month")
    forecast_labels = {"yhat": i18n.t("forecast.col.forecast_month", r.lang, month=month)}
    forecast_definitions = {}
    for k in range(2, o.horizon + 1):
        m = (pd.Period(month, freq="M") + (k - 1)).strftime("%Y-%m")
        forecast_labels[f"forecast_m{k}"] = i18n.t("forecast.col.forecast_month", r.lang, month=m)
        forecast_definitions[f"forecast_m{k}"] = i18n.t("forecast.def.forecast_month", r.lang, month=m)
    return {
        "order_plan": Sheet(plan, columns=_PLAN_COLUMNS, formats=_PLAN_FORMATS, totals=plan_totals,
                            freeze_columns=2, description=i18n.t("forecast.sheet.order_plan", r.lang, month=month)),
        "store_totals": Sheet(stores, columns=_STORE_COLUMNS, formats=_PLAN_FORMATS | {"models_gave_way": "int"},
                              totals=store_totals, freeze_columns=1,
                              description=i18n.t("forecast.sheet.store_totals", r.lang, month=month)),
        "orders_by_month": Sheet(_named(r, by_month), formats={c: "int" for c in by_month.columns[2:]},
                                 labels=month_labels, definitions=month_definitions,
                                 totals=list(by_month.columns[2:]), freeze_columns=2,
                                 description=i18n.t("forecast.sheet.orders_by_month", r.lang)),
        "forecast": Sheet(forecast, formats={c: "number1" for c in forecast.columns
                                             if c == "yhat" or c.startswith(("yhat_", "forecast_m"))},
                          labels=forecast_labels, definitions=forecast_definitions, freeze_columns=3,
                          description=i18n.t("forecast.sheet.forecast", r.lang)),
    }


def excel_file_name(o: Outlook) -> str:
    return f"order_plan_{o.month}.xlsx"
