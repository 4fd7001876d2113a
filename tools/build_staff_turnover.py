import sys; sys.path.insert(0, "tools")
from nbtool import md, code, write
from build_data_health import PARAMS

cells = [
    md("# Staff turnover\n\nIs the team stable? Leavers and hires this month, monthly and trailing-12-month turnover "
       "against the targets in `dealer.yml` by store, department and role, new-hire loss, how long people stay, "
       "who is likely to leave next, and what turnover costs.", lang="en"),
    md("# 人员流失\n\n团队是否稳定？本月离职与入职、按门店/部门/岗位的月度和滚动12个月流失率（对照 `dealer.yml` 中的目标）、新员工流失、员工在职时长、谁可能即将离职，以及流失的成本。",
       lang="zh"),
    code(PARAMS + 'at_risk_rows: int = 15              # people shown in the at-risk list\n', tags=["parameters"]),
    code('''
%matplotlib inline
import pandas as pd
from kit import io, plots, report, turnover as to
from kit.i18n import label, labels, pick

report.setup(glue_file=glue_file, lang=lang)
period = report.parse_month(month)
as_of = period.to_timestamp(how="end").normalize()
dealer = io.load_dealer(data_dir)
settings = dealer.settings.turnover
staff, kpi = dealer.staff, dealer.kpi
first = str(period - 35)
'''),
    md("## This month\n\nTurnover rate = leavers ÷ average headcount ((opening + closing) ÷ 2), the standard formula "
       "unless `dealer.yml` names another. The trailing-12-month rate is computed on the year's totals. Targets are "
       "annual (a monthly rate is compared with 1/12 of it); consultants at dealerships typically turn over 50–90 % a "
       "year, key staff and managers should stay under 10 %.", lang="en"),
    md("## 本月概况\n\n流失率 = 离职人数 ÷ 平均在职人数（(期初+期末)÷2），除非 `dealer.yml` 另有规定。滚动12个月流失率按全年合计计算。目标为年度目标（月度流失率与其1/12比较）；经销商销售顾问年流失率通常为50–90%，关键岗位与管理人员应低于10%。",
       lang="zh"),
    code('''
stores = {"store_id": sorted(set(dealer.settings.dealer.stores) | set(staff["store_id"].dropna()))}
headline = to.headline_table(staff, month, settings, levels=stores, lang=lang)
report.table(headline.drop(columns="dimension"), formats={"rate_month": "pct", "rate_12m": "pct", "rate_12m_voluntary": "pct", "target": "pct0",
                                "headcount": "int", "hires": "int", "leavers": "int", "voluntary": "int",
                                "involuntary": "int", "leavers_12m": "int"},
             highlight={"rate_12m": "alert"},
             labels={"group": pick(lang, "Group", "分组"), "headcount": pick(lang, "Headcount", "在职人数"),
                     "hires": pick(lang, "Hires", "入职"), "leavers": pick(lang, "Leavers", "离职"),
                     "voluntary": pick(lang, "of them voluntary", "其中主动"), "involuntary": pick(lang, "involuntary", "被动"),
                     "rate_month": pick(lang, "Rate (month)", "本月流失率"), "leavers_12m": pick(lang, "Leavers (12 m)", "离职（12个月）"),
                     "rate_12m": pick(lang, "Rate (12 m)", "流失率（12个月）"),
                     "rate_12m_voluntary": pick(lang, "Voluntary (12 m)", "主动流失率（12个月）"),
                     "target": pick(lang, "Annual target", "年度目标"), "status": pick(lang, "Status", "状态")})
'''),
    md("## Trend\n\nThe last 24 months: monthly rate (bars) and the trailing-12-month rate (line) against the annual "
       "target (dashed).", lang="en"),
    md("## 趋势\n\n近24个月：月度流失率（柱）与滚动12个月流失率（线），虚线为年度目标。", lang="zh"),
    code('''
monthly = {by: to.turnover_rates(to.label_staff_group(staff, settings), by=by, start=first, end=month,
                                  formula=settings.formula) for by in (None, "role", "staff_group")}
trailing = {by: to.compare_with_targets(to.trailing_rates(rates, annual=settings.annual), settings, staff=staff)
            for by, rates in monthly.items()}
trend = monthly[None].merge(trailing[None][["period", "rate_trailing", "target_annual"]], on="period").tail(24)
plots.plot_rate_trend(trend, x="period", monthly="rate", trailing="rate_trailing", lang=lang,
                      target_annual=float(trend["target_annual"].iloc[-1]), target_monthly=float(trend["target_annual"].iloc[-1]) / 12,
                      title=pick(lang, f"All staff: turnover, 24 months to {month}", f"全体员工流失率（截至{month}的24个月）"))
'''),
    code('''
role_trend = (monthly["role"][monthly["role"]["role"] == "sales_consultant"]
              .merge(trailing["role"].loc[trailing["role"]["role"] == "sales_consultant", ["period", "rate_trailing", "target_annual"]], on="period")
              .tail(24))
plots.plot_rate_trend(role_trend, x="period", monthly="rate", trailing="rate_trailing", lang=lang,
                      target_annual=float(role_trend["target_annual"].iloc[-1]), target_monthly=float(role_trend["target_annual"].iloc[-1]) / 12,
                      title=pick(lang, f"Sales consultants: turnover, 24 months to {month}", f"销售顾问流失率（截至{month}的24个月）"))
'''),
    md("## Which formula\n\nDealers compute turnover in different ways, and the numbers differ. All of them for the "
       "whole staff, labelled; the one `dealer.yml` chooses is the one used above.", lang="en"),
    md("## 计算口径\n\n各经销商的流失率算法不同，结果也不同。以下为全体员工在各口径下的数值；上文采用 `dealer.yml` 中指定的口径。",
       lang="zh"),
    code('''
m, t = monthly[None].set_index("period").loc[month], trailing[None].set_index("period").loc[month]
formulas = pd.DataFrame([
    {"formula": pick(lang, "Leavers ÷ average headcount (standard)", "离职 ÷ 平均人数（通用）"), "code": "average_headcount",
     "month": m["rate_average_headcount"], "trailing_12m": t["rate_trailing_average_headcount"]},
    {"formula": pick(lang, "Leavers ÷ (opening headcount + hires)", "离职 ÷ （期初人数 + 入职）"), "code": "start_plus_hires",
     "month": m["rate_start_plus_hires"], "trailing_12m": t["rate_trailing_start_plus_hires"]},
    {"formula": pick(lang, "Leavers ÷ opening headcount", "离职 ÷ 期初人数"), "code": "start_headcount",
     "month": m["rate_start_headcount"], "trailing_12m": t["rate_trailing_start_headcount"]},
    {"formula": pick(lang, "Sum of the 12 monthly rates", "12个月月度流失率之和"), "code": "sum_of_monthly",
     "month": None, "trailing_12m": t["rate_trailing_sum_of_monthly"]},
])
formulas["used"] = formulas["code"].isin([settings.formula, settings.annual])
report.table(formulas.drop(columns="code"), formats={"month": "pct", "trailing_12m": "pct", "used": "bool"},
             labels={"formula": pick(lang, "Formula", "口径"), "month": pick(lang, "This month", "本月"),
                     "trailing_12m": pick(lang, "Trailing 12 months", "滚动12个月"), "used": pick(lang, "Used above", "上文采用")})
'''),
    md("## New-hire loss\n\nOf the people hired in each quarter, the share who left within 90 days and within a year. "
       "Only hires old enough to be observed for the whole window count; recent quarters show as not yet known.",
       lang="en"),
    md("## 新员工流失\n\n各季度入职人员中，90天内和一年内离职的比例。只统计入职时间足够长、可完整观察的人员；最近的季度显示为暂无结果。",
       lang="zh"),
    code('''
new_hires = to.new_hire_loss(staff, as_of=as_of, cohort="Q")
wide = new_hires.pivot_table(index="cohort", columns="window_days", values=["hires", "hires_observed", "loss_rate"], aggfunc="first")
wide.columns = [f"{a}_{b}" for a, b in wide.columns]
wide = wide.reset_index()[["cohort", "hires_90", "hires_observed_90", "loss_rate_90", "hires_observed_365", "loss_rate_365"]].tail(12)
report.table(wide, formats={"hires_90": "int", "hires_observed_90": "int", "hires_observed_365": "int", "loss_rate_90": "pct0",
                            "loss_rate_365": "pct0"},
             labels={"cohort": pick(lang, "Hired in", "入职季度"), "hires_90": pick(lang, "Hires", "入职人数"),
                     "hires_observed_90": pick(lang, "Observed 90 days", "满90天可观察人数"),
                     "loss_rate_90": pick(lang, "Left within 90 days", "90天内离职"),
                     "hires_observed_365": pick(lang, "Hires observed a full year", "满一年可观察人数"),
                     "loss_rate_365": pick(lang, "Left within a year", "一年内离职")})
'''),
    md("## How long people stay\n\nKaplan–Meier retention by role: the share still employed after a given number of "
       "months since hire, counting people still employed correctly (they have not left *yet*). Shaded bands are 95 % "
       "confidence intervals; roles with few people have wide bands.", lang="en"),
    md("## 在职时长\n\n按岗位的Kaplan–Meier留存曲线：入职若干个月后仍在职的比例（对仍在职者按“尚未离职”正确处理）。阴影为95%置信区间；人数少的岗位区间较宽。",
       lang="zh"),
    code('''
grouped = to.label_staff_group(staff, settings).assign(
    role_group=lambda f: f["role"].where(f["role"].isin(["sales_consultant", "dcc_specialist"]), f["staff_group"]))
survival = to.tenure_survival(grouped, as_of=as_of, by="role_group")
names = {g: label(g, lang) for g in survival.summary["role_group"]} | {
    "key_staff": pick(lang, "Key staff and managers", "关键岗位与管理人员"), "other_staff": pick(lang, "Other staff", "其他员工")}
plots.plot_survival(survival.curves, group="role_group", labels=names, lang=lang,
                    title=pick(lang, f"Retention by months since hire (as of {month})", f"入职后留存比例（截至{month}）"))
'''),
    code('''
summary = survival.summary.assign(role_group=survival.summary["role_group"].map(names))
cols = ["role_group", "staff", "leavers", "still_employed", "median_tenure_months", "retention_3_months",
        "retention_6_months", "retention_12_months", "retention_24_months"]
report.table(summary[cols], formats={"median_tenure_months": "number1"} | {c: "pct0" for c in cols if c.startswith("retention")},
             labels={"role_group": pick(lang, "Group", "分组"), "staff": pick(lang, "People", "人数"),
                     "leavers": pick(lang, "Left", "已离职"), "still_employed": pick(lang, "Still employed", "在职"),
                     "median_tenure_months": pick(lang, "Median tenure (months)", "在职时长中位数（月）"),
                     "retention_3_months": pick(lang, "After 3 m", "3个月"), "retention_6_months": pick(lang, "After 6 m", "6个月"),
                     "retention_12_months": pick(lang, "After 12 m", "12个月"), "retention_24_months": pick(lang, "After 24 m", "24个月")})
'''),
    code('''
cohorts = survival.cohorts
report.table(cohorts[[c for c in ["hire_year", "staff", "leavers", "retention_3_months", "retention_6_months",
                                  "retention_12_months", "retention_24_months"] if c in cohorts.columns]],
             formats={c: "pct0" for c in cohorts.columns if c.startswith("retention")} | {"hire_year": "text"},
             caption=pick(lang, "Retention by hiring year (all staff)", "按入职年份的留存（全体员工）"),
             labels={"hire_year": pick(lang, "Hired in", "入职年份"), "staff": pick(lang, "People", "人数"),
                     "leavers": pick(lang, "Left", "已离职"), "retention_3_months": pick(lang, "After 3 m", "3个月"),
                     "retention_6_months": pick(lang, "After 6 m", "6个月"), "retention_12_months": pick(lang, "After 12 m", "12个月"),
                     "retention_24_months": pick(lang, "After 24 m", "24个月")})
'''),
    md("## Who may leave next\n\nFor managers only. The model learns from past staff-months what preceded leaving "
       "(short tenure, falling KPI achievement, missed bonus gates, a manager who left, weekend load …) and scores "
       "everyone employed now: the chance of leaving within the horizon in `dealer.yml`, with the main reasons. "
       "Use it to start a conversation, not to decide about anyone.", lang="en"),
    md("## 谁可能离职\n\n仅供管理者参阅。模型从过往员工月度数据中学习离职前的征兆（入职时间短、KPI达成率下滑、未达奖金门槛、直属上级离职、周末排班多等），为当前在职员工打分：在 `dealer.yml` 设定的期限内离职的概率及主要原因。请用它来开启沟通，而不是做人事决定。",
       lang="zh"),
    code('''
model, training = to.fit_attrition_model(staff, kpi, as_of=as_of, settings=settings)
risk = to.at_risk(staff, kpi, as_of=as_of, settings=settings, model=model, lang=lang, mask_names=mask_personal_data)
risk = risk.assign(role=risk["role"].map(lambda r: label(r, lang)))
report.table(risk.head(at_risk_rows)[["rank", "staff_id", "name", "store_id", "role", "tenure_months", "probability", "reasons"]],
             formats={"probability": "pct0", "tenure_months": "number1", "rank": "int"}, high_is_bad=["probability"],
             labels={"rank": "#", "staff_id": pick(lang, "Staff id", "工号"), "name": pick(lang, "Name", "姓名"),
                     "store_id": pick(lang, "Store", "门店"), "role": pick(lang, "Role", "岗位"),
                     "tenure_months": pick(lang, "Tenure (months)", "司龄（月）"),
                     "probability": pick(lang, f"Chance of leaving in {settings.risk_horizon_months} months", f"{settings.risk_horizon_months}个月内离职概率"),
                     "reasons": pick(lang, "Main reasons", "主要原因")})
'''),
    code('''
drivers = to.attrition_drivers(training, lang=lang)
report.table(drivers[["driver", "hazard_ratio", "ci_lower", "ci_upper", "p_value", "effect"]],
             formats={"hazard_ratio": "number", "ci_lower": "number", "ci_upper": "number", "p_value": "number3"},
             caption=pick(lang, "What drives leaving (Cox model): a hazard ratio of 2 doubles the monthly chance of leaving",
                          "离职驱动因素（Cox模型）：风险比为2表示每月离职概率翻倍"),
             labels={"driver": pick(lang, "Driver", "因素"), "hazard_ratio": pick(lang, "Hazard ratio", "风险比"),
                     "ci_lower": pick(lang, "95 % CI low", "95%区间下限"), "ci_upper": pick(lang, "95 % CI high", "95%区间上限"),
                     "p_value": "p", "effect": pick(lang, "Effect", "影响")})
'''),
    md("## What turnover costs\n\nLeavers × replacement cost per role from `dealer.yml`: recruiting, training, and the "
       "gross profit lost while the seat is empty.", lang="en"),
    md("## 流失成本\n\n离职人数 × `dealer.yml` 中各岗位的替换成本：招聘、培训，以及岗位空缺期间损失的毛利。", lang="zh"),
    code('''
cost = to.turnover_cost(staff, settings, month=month)
cost = cost[cost["leavers"] > 0].assign(role=lambda f: f["role"].map(lambda r: label(r, lang)),
                                        window=lambda f: f["window"].map(lambda w: label(w, lang)))
report.table(cost[["window", "role", "leavers", "recruiting_cny", "training_cny", "lost_sales_cny", "total_cny"]],
             formats={"leavers": "int", "recruiting_cny": "money", "training_cny": "money", "lost_sales_cny": "money", "total_cny": "money"},
             labels={"window": pick(lang, "Window", "统计期"), "role": pick(lang, "Role", "岗位"), "leavers": pick(lang, "Leavers", "离职"),
                     "recruiting_cny": pick(lang, "Recruiting", "招聘"), "training_cny": pick(lang, "Training", "培训"),
                     "lost_sales_cny": pick(lang, "Lost gross profit", "损失毛利"), "total_cny": pick(lang, "Total", "合计")},
             empty=pick(lang, "Nobody left in the last 12 months.", "近12个月无人离职。"))
'''),
    code('''
all_row = trailing[None].set_index("period").loc[month]
key_row = trailing["staff_group"].query("period == @month and staff_group == 'key_staff'")
report.glue("turnover_ttm", float(all_row["rate_trailing"]), label=pick(lang, "Turnover, trailing 12 months", "滚动12个月流失率"), kind="pct")
report.glue("turnover_target", float(all_row["target_annual"]), label=pick(lang, "Target for this role mix", "按岗位结构的目标"), kind="pct")
report.glue("key_staff_turnover_ttm", float(key_row["rate_trailing"].iloc[0]) if len(key_row) else None,
            label=pick(lang, "Key staff turnover, 12 months", "关键岗位流失率（12个月）"), kind="pct")
report.glue("leavers_month", int(monthly[None].set_index("period").loc[month, "leavers"]), label=pick(lang, "Leavers this month", "本月离职"), kind="int")
report.glue("turnover_cost_ttm", float(cost.loc[cost["window"] == label("trailing_12_months", lang), "total_cny"].sum()),
            label=pick(lang, "Turnover cost, 12 months", "流失成本（12个月）"), kind="money")
'''),
]
write("notebooks/staff_turnover.ipynb", cells)
