import sys; sys.path.insert(0, "tools")
from nbtool import md, code, write
from build_data_health import PARAMS

cells = [
    md("# Sales forecast and order plan\n\nDeliveries per car model for the coming months with their uncertainty, "
       "how accurate the forecasts have been, what earlier runs forecast for this month, and next month's order "
       "(要货计划) with every term shown.", lang="en"),
    md("# 销量预测与要货计划\n\n未来几个月各车型的交车预测及不确定范围、历史预测准确度、往月对本月的预测与实际对比，以及下月要货计划（列出每一项计算）。",
       lang="zh"),
    code(PARAMS + 'horizon: int = 3                    # months to forecast and plan, 1 to 12\n'
                  'backtest_windows: int = 12          # rolling-origin backtest: forecast origins in the last year\n',
         tags=["parameters"]),
    code('''
%matplotlib inline
import pandas as pd
from kit import forecast as kf, io, plots, report
from kit.i18n import label, pick

report.setup(glue_file=glue_file, lang=lang)
period = report.parse_month(month)
dealer = io.load_dealer(data_dir)
plan_settings = dealer.settings.order_plan
series = kf.sales_series(dealer.sales[dealer.sales["month"] <= month])
needed = max(horizon, plan_settings.forecast_months_needed)
fc = kf.forecast(series, needed)
shown_fc = fc[fc["ds"] <= (period + horizon).to_timestamp()]
'''),
    md("## Forecast\n\nThe dark line is the forecast, the bands the 80 % and 95 % intervals: in four months out of "
       "five the deliveries should land in the darker band. Totals first, then each store and model.", lang="en"),
    md("## 预测\n\n深色线为预测值，色带为80%和95%区间：五个月中约有四个月的实际交车应落在深色带内。先列总量，再列各门店各车型。",
       lang="zh"),
    code('''
totals = sorted(series.loc[series["unique_id"].str.endswith("/ALL"), "unique_id"].unique())
plots.plot_fan_grid(series, shown_fc, ids=totals, ncols=3, lang=lang,
                    title=pick(lang, f"Deliveries: last 24 months and forecast, totals (from {month})", f"交车：近24个月与预测（总量，{month}起）"))
'''),
    code('''
models = sorted(series.loc[~series["unique_id"].str.endswith("/ALL"), "unique_id"].unique())
plots.plot_fan_grid(series, shown_fc, ids=models, ncols=4, lang=lang,
                    title=pick(lang, "Deliveries by store and model", "分门店分车型交车"))
'''),
    code('''
table = shown_fc.assign(month=shown_fc["ds"].dt.strftime("%Y-%m"))
report.table(table[["unique_id", "month", "yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95", "series_class"]],
             formats={c: "number1" for c in ["yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]}, max_rows=None,
             labels={"unique_id": pick(lang, "Store / model", "门店/车型"), "month": pick(lang, "Month", "月份"),
                     "yhat": pick(lang, "Forecast", "预测"), "yhat_lo_80": pick(lang, "80 % low", "80%下限"),
                     "yhat_hi_80": pick(lang, "80 % high", "80%上限"), "yhat_lo_95": pick(lang, "95 % low", "95%下限"),
                     "yhat_hi_95": pick(lang, "95 % high", "95%上限"), "series_class": pick(lang, "Series type", "序列类型")})
'''),
    md("## How good the forecasts are\n\nA rolling-origin backtest: from each of the last months, the kit forecast the "
       "next month using only what was known then, and the forecast is compared with what happened. **MASE** below 1 "
       "beats the \\\"same month last year\\\" forecast (seasonal naive); sMAPE is the percentage error; bias shows a "
       "tendency to over- (+) or under-forecast (−). The King Long dealer score (≤ 20 % error → 100 points … "
       "≥ 200 % → 20) is shown for comparison with how an OEM would grade the forecasts.", lang="en"),
    md("## 预测准确度\n\n滚动起点回测：从过去每个月出发，仅用当时已知的数据预测下一个月，再与实际比较。**MASE** 小于1表示优于“去年同月”预测（季节性朴素法）；sMAPE 为百分比误差；偏差为正表示高估、为负表示低估。金龙经销商考评分（误差≤20%得100分……≥200%得20分）供对照厂家的评分方式。",
       lang="zh"),
    code('''
bt = kf.backtest(series, 1, windows=backtest_windows)
overall = bt[bt["scope"] == "overall"].sort_values("mase")
report.table(overall[["method", "spring_festival_adjusted", "n_forecasts", "mase", "smape_pct", "bias_pct", "mape_pct",
                      "king_long_score", "coverage_80_pct", "fit_seconds"]],
             formats={"mase": "number3", "smape_pct": "number1", "bias_pct": "number1", "mape_pct": "number1",
                      "king_long_score": "int", "coverage_80_pct": "number1", "fit_seconds": "number1",
                      "spring_festival_adjusted": "bool", "n_forecasts": "int"},
             labels={"method": pick(lang, "Method", "方法"), "spring_festival_adjusted": pick(lang, "Spring Festival adjusted", "春节调整"),
                     "n_forecasts": pick(lang, "Forecasts", "预测次数"), "mase": "MASE", "smape_pct": "sMAPE %",
                     "bias_pct": pick(lang, "Bias %", "偏差%"), "mape_pct": "MAPE %",
                     "king_long_score": pick(lang, "King Long score", "金龙评分"),
                     "coverage_80_pct": pick(lang, "Inside 80 % band, %", "落入80%区间%"), "fit_seconds": pick(lang, "CPU seconds", "耗时(秒)")})
'''),
    code('''
per_series = bt[(bt["scope"] == "series") & (bt["method"].isin(["auto", "seasonal_naive"]))
                & (bt["spring_festival_adjusted"] | (bt["method"] == "seasonal_naive"))]
wide = per_series.pivot_table(index="unique_id", columns="method", values=["mase", "mape_pct", "king_long_score"]).reset_index()
wide.columns = ["_".join(c).strip("_") for c in wide.columns]
report.table(wide, formats={c: "number3" if c.startswith("mase") else ("int" if "score" in c else "number1") for c in wide.columns if c != "unique_id"},
             caption=pick(lang, "Per series: the kit (auto) against seasonal naive", "分序列：本系统（auto）与季节性朴素法对比"),
             labels={"unique_id": pick(lang, "Store / model", "门店/车型")})
'''),
    md("## Forecast ledger\n\nWhat earlier monthly runs forecast for this month, against what happened. Each run "
       "keeps its forecasts beside its report, so this table grows month by month.", lang="en"),
    md("## 预测台账\n\n往月运行时对本月的预测与实际对比。每次运行都会把预测保存在报告旁，因此本表逐月累积。", lang="zh"),
    code('''
saved = kf.save_forecasts(fc, output_dir, run_month=month) if output_dir else None
ledger = kf.read_ledger(reports_dir, month=month, actuals=series)
ledger = ledger[ledger["run_month"] < month] if len(ledger) else ledger
report.table(ledger[[c for c in ["unique_id", "run_month", "months_ahead", "yhat", "yhat_lo_80", "yhat_hi_80", "actual",
                                 "error_units", "abs_pct_error", "king_long_score", "inside_80"] if c in ledger.columns]],
             formats={"yhat": "number1", "yhat_lo_80": "number1", "yhat_hi_80": "number1", "actual": "int",
                      "error_units": "number1", "abs_pct_error": "number1", "king_long_score": "int", "inside_80": "bool"},
             labels={"unique_id": pick(lang, "Store / model", "门店/车型"), "run_month": pick(lang, "Forecast made in", "预测月份"),
                     "months_ahead": pick(lang, "Months ahead", "提前月数"), "yhat": pick(lang, "Forecast", "预测"),
                     "actual": pick(lang, "Actual", "实际"), "error_units": pick(lang, "Error (cars)", "误差（台）"),
                     "abs_pct_error": pick(lang, "Error %", "误差%"), "king_long_score": pick(lang, "King Long score", "金龙评分"),
                     "inside_80": pick(lang, "Inside 80 % band", "落入80%区间")},
             empty=pick(lang, f"No earlier run saved forecasts for {month} yet. From next month on, this table compares "
                              "each run's forecast with what happened.",
                        f"尚无往月运行保存对{month}的预测。从下个月起，本表将对比每次预测与实际。"))
'''),
    md("## Order plan (要货计划)\n\nFor each store and model: N+1 is the firm order, N+2 and N+3 indicative. "
       "Suggested order = demand over the lead time + target stock (months of sales from `dealer.yml`) + safety stock "
       "at the service level − on hand − in transit, never negative, in whole cars. Stock depth is stock ÷ the next "
       "month's forecast; at or above the warning line (CADA's 1.5 months) it is marked red.", lang="en"),
    md("## 要货计划\n\n各门店各车型：N+1为确定订单，N+2、N+3为参考。建议订车 = 提前期内需求 + 目标库存（`dealer.yml` 中的销售月数）+ 按服务水平的安全库存 − 在库 − 在途，不为负，取整台。库存深度 = 库存 ÷ 下月预测；达到或超过警戒线（流通协会1.5个月）标红。",
       lang="zh"),
    code('''
plan = kf.order_plan(fc, kf.stock_positions(dealer.stock), plan_settings)
plan = plan[plan["months_ahead"] <= horizon]
firm = plan[plan["plan"] == "firm"]
report.table(firm[["unique_id", "forecast_units", "demand_lead_time_units", "target_stock_units", "safety_stock_units",
                   "on_hand_units", "in_transit_units", "suggested_order_units", "stock_months_now", "stock_months_after",
                   "stock_warning_now", "stock_warning_after"]],
             formats={c: "number1" for c in ["forecast_units", "demand_lead_time_units", "target_stock_units",
                                             "safety_stock_units", "stock_months_now", "stock_months_after"]}
                     | {"on_hand_units": "int", "in_transit_units": "int", "suggested_order_units": "int"},
             highlight={"stock_months_now": "stock_warning_now", "stock_months_after": "stock_warning_after"}, max_rows=None,
             labels={"unique_id": pick(lang, "Store / model", "门店/车型"), "forecast_units": pick(lang, "Forecast N+1", "N+1预测"),
                     "demand_lead_time_units": pick(lang, "Demand over lead time", "提前期需求"),
                     "target_stock_units": pick(lang, "+ target stock", "+目标库存"),
                     "safety_stock_units": pick(lang, "+ safety stock", "+安全库存"),
                     "on_hand_units": pick(lang, "− on hand", "−在库"), "in_transit_units": pick(lang, "− in transit", "−在途"),
                     "suggested_order_units": pick(lang, "= Order N+1", "=N+1订车"),
                     "stock_months_now": pick(lang, "Stock depth now (months)", "当前库存深度（月）"),
                     "stock_months_after": pick(lang, "Depth after (months)", "订后库存深度（月）")})
'''),
    code('''
indicative = plan.pivot_table(index="unique_id", columns="months_ahead", values="suggested_order_units").reset_index()
indicative.columns = ["unique_id"] + [f"order_n{int(c)}" for c in indicative.columns[1:]]
report.table(indicative, formats={c: "int" for c in indicative.columns if c != "unique_id"}, max_rows=None,
             caption=pick(lang, "Orders N+1 (firm) and N+2, N+3 (indicative)", "N+1（确定）与N+2、N+3（参考）订车"),
             labels={"unique_id": pick(lang, "Store / model", "门店/车型")} | {f"order_n{k}": f"N+{k}" for k in range(1, 13)})
'''),
    code('''
report.export_excel({"order_plan": plan.assign(plan_month=plan["plan_month"].dt.strftime("%Y-%m")),
                     "forecast": fc.assign(ds=fc["ds"].dt.strftime("%Y-%m"))},
                    output_dir=output_dir, file_name=f"order_plan_{month}.xlsx", lang=lang)
'''),
    code('''
next_total = fc[(fc["unique_id"] == "ALL/ALL")].sort_values("ds").iloc[0]
models_firm = firm[~firm["unique_id"].str.endswith("/ALL")]
auto = overall[(overall["method"] == "auto") & overall["spring_festival_adjusted"]].iloc[0]
naive = overall[overall["method"] == "seasonal_naive"].iloc[0]
report.glue("forecast_next_month_total", float(next_total["yhat"]), label=pick(lang, f"Forecast {next_total['ds']:%Y-%m}, all models", f"{next_total['ds']:%Y-%m} 预测总交车"), kind="int")
report.glue("order_next_month_total", int(models_firm["suggested_order_units"].sum()), label=pick(lang, "Suggested order N+1 (cars)", "N+1建议订车（台）"), kind="int")
report.glue("backtest_mase", float(auto["mase"]), label=pick(lang, "Backtest MASE (seasonal naive = " + f"{naive['mase']:.2f})", f"回测MASE（季节性朴素法 {naive['mase']:.2f}）"), kind="number")
report.glue("stock_warnings", int(models_firm["stock_warning_now"].sum()), label=pick(lang, "Models over the stock warning line", "库存超警戒车型数"), kind="int")
'''),
]
write("notebooks/sales_forecast.ipynb", cells)
