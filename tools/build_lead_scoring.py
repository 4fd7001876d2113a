import sys; sys.path.insert(0, "tools")
from nbtool import md, code, write
from build_data_health import PARAMS

L = "labels="
cells = [
    md("# Lead scoring and follow-up\n\nThe showroom funnel, how well the kit's lead score picks buyers, this week's "
       "call list per consultant, follow-up discipline, how consultants' grades compare with the evidence, and "
       "where and why leads are lost.", lang="en"),
    md("# 线索评分与跟进\n\n展厅销售漏斗、线索评分识别成交客户的能力、本周各销售顾问的回访清单、跟进纪律、顾问定级与事实的对比，以及战败原因与环节。",
       lang="zh"),
    code(PARAMS + 'call_list_rows: int = 5             # leads shown per consultant in the report; the Excel sheet has all\n',
         tags=["parameters"]),
    code('''
%matplotlib inline
import pandas as pd
from kit import io, leads as kl, plots, report
from kit.i18n import label, labels, pick

report.setup(glue_file=glue_file, lang=lang)
period = report.parse_month(month)
as_of = period.to_timestamp(how="end").normalize()
dealer = io.load_dealer(data_dir)
settings = dealer.settings.leads
lead_table, followups = dealer.leads, dealer.followups
grade_log = dealer.tables.get("grade_log")
'''),
    md("## Funnel\n\nEnquiries (walk-ins, calls, online) → registered leads → test drives → orders → deliveries. "
       "Each rate names its denominator. *Cohort* counting: the leads registered in the period, followed to the "
       "period's end.", lang="en"),
    md("## 销售漏斗\n\n客流（来店、来电、网络）→ 留档线索 → 试乘试驾 → 订单 → 交车。每个比率都注明了分母。按“同批”口径：统计期内留档的线索，跟踪到期末。",
       lang="zh"),
    code('''
funnel = kl.funnel(lead_table, period=month, traffic=dealer.tables.get("traffic"), followups=followups,
                   settings=settings)
steps = funnel[funnel["window"] == "month"]
plots.plot_funnel(steps.assign(step=steps["step"].map(lambda s: label(s, lang))), label="step", value="count", rate="rate",
                  title=pick(lang, f"Showroom funnel, {month} (rate vs previous step's denominator)",
                             f"{month} 展厅销售漏斗（括号内为该步比率）"))
'''),
    code('''
rates = funnel.dropna(subset=["rate"])
rates = rates.assign(window=rates["window"].map(lambda s: label(s, lang)), rate_name=rates["rate_name"].map(lambda s: label(s, lang)))
report.table(rates[["window", "rate_name", "numerator", "denominator", "denominator_name", "rate", "target",
                    "meets_target"]],
             formats={"rate": "pct", "target": "pct", "numerator": "int", "denominator": "int", "meets_target": "bool"},
             labels={"window": pick(lang, "Window", "统计期"), "rate_name": pick(lang, "Measure", "指标"),
                     "numerator": pick(lang, "Numerator", "分子"), "denominator": pick(lang, "Denominator", "分母"),
                     "denominator_name": pick(lang, "Denominator is", "分母口径"), "rate": pick(lang, "Rate", "比率值"),
                     "target": pick(lang, "Target", "目标"), "meets_target": pick(lang, "On target", "达标")})
'''),
    code('''
by_channel = kl.funnel(lead_table, period=month, traffic=dealer.tables.get("traffic"), followups=followups,
                       settings=settings, by="channel")
pivot = (by_channel[by_channel["window"] == "trailing_12_months"].dropna(subset=["rate"])
         .pivot_table(index="channel", columns="rate_name", values="rate").reset_index())
pivot["channel"] = pivot["channel"].map(lambda s: label(s, lang))
report.table(pivot, formats={c: "pct" for c in pivot.columns if c != "channel"}, labels=labels(lang),
             caption=pick(lang, "Trailing 12 months by channel", "近12个月分渠道"))
'''),
    code('''
by_model = kl.funnel(lead_table, period=month, followups=followups, settings=settings, by="model_interest")
pivot = (by_model[by_model["window"] == "trailing_12_months"].dropna(subset=["rate"])
         .pivot_table(index="model_interest", columns="rate_name", values="rate").reset_index())
report.table(pivot, formats={c: "pct" for c in pivot.columns if c != "model_interest"}, labels=labels(lang),
             caption=pick(lang, "Trailing 12 months by car model", "近12个月分车型"))
'''),
    code('''
by_consultant = kl.funnel(lead_table, period=month, followups=followups, settings=settings, by="consultant_id")
pivot = (by_consultant[by_consultant["window"] == "trailing_12_months"].dropna(subset=["rate"])
         .pivot_table(index="consultant_id", columns="rate_name", values="rate").reset_index())
people = report.staff_labels(dealer.staff, mask=mask_personal_data)
pivot.insert(0, "consultant", pivot.pop("consultant_id").map(lambda s: people.get(s, s)))
report.table(pivot, formats={c: "pct" for c in pivot.columns if c != "consultant"}, gradient=["order_rate"],
             labels=labels(lang), caption=pick(lang, "Trailing 12 months by consultant", "近12个月分销售顾问"))
'''),
    md("## How good the score is\n\nThe kit learns from closed leads, then is tested on the **most recent closed "
       "leads it never saw**. AUC is the chance a buyer is scored above a non-buyer (0.5 = guessing, 1 = perfect); "
       "*top-20 % capture* is the share of buyers found by calling the fifth of leads with the highest scores. The "
       "consultants' own grades (H > A > B > C, from the month-end grade sheet) are measured the same way for "
       "comparison. When the grade sheet is available the score also uses the consultant's grade as one input, so it "
       "combines their judgement with what the lead has done.", lang="en"),
    md("## 评分有多准\n\n模型从已关闭线索中学习，再用**它从未见过的最近一批已关闭线索**检验。AUC 表示成交客户评分高于未成交客户的概率（0.5=随机，1=完美）；“前20%捕获率”是按评分拨打前五分之一线索时找到的成交客户比例。顾问自己的定级（H>A>B>C，来自月末级别状况表）用同样方法衡量，以作对比。有级别状况表时，评分也把顾问定级作为输入之一，综合顾问判断与线索行为。",
       lang="zh"),
    code('''
holdout = kl.evaluate_holdout(lead_table, followups, as_of=as_of, settings=settings, grade_log=grade_log)
report.note(holdout.message if hasattr(holdout, "message") and holdout.message else holdout.reason,
            kind="ok" if holdout.trustworthy else "warning")
'''),
    code('''
report.table(holdout.metrics, formats={"roc_auc": "number3", "average_precision": "number3", "brier": "number3",
                                       "top20_capture": "pct", "base_rate": "pct", "n": "int", "n_positive": "int"},
             labels={"scorer": pick(lang, "Scorer", "评分方式"), "roc_auc": "AUC",
                     "average_precision": pick(lang, "Average precision", "平均精度"),
                     "brier": pick(lang, "Brier score (lower is better)", "Brier分数（越低越好）"),
                     "top20_capture": pick(lang, "Top-20 % capture", "前20%捕获率"),
                     "base_rate": pick(lang, "Buyers among leads", "成交比例"), "n": pick(lang, "Leads scored", "评分次数"),
                     "n_positive": pick(lang, "Of them bought", "其中成交")})
'''),
    code('''
plots.plot_gains(holdout.gains, lang=lang, title=pick(lang, "Gains: buyers found vs leads called", "累计增益：拨打比例与找到的成交客户"))
'''),
    code('''
plots.plot_calibration(holdout.calibration, lang=lang,
                       title=pick(lang, "Calibration: does a 30 % score mean 30 % buy?", "校准：评分30%是否约30%成交？"))
'''),
    code('''
report.table(holdout.by_band, formats={"leads": "int", "buyers": "int", "conversion_rate": "pct", "mean_score": "pct"},
             labels={"score_band": pick(lang, "Score band", "评分区间"), "leads": pick(lang, "Leads", "线索"),
                     "buyers": pick(lang, "Bought", "成交"), "conversion_rate": pick(lang, "Conversion", "成交率"),
                     "mean_score": pick(lang, "Mean score", "平均评分")},
             caption=pick(lang, "Conversion by score band (hold-out leads)", "各评分区间的成交率（检验集）"))
'''),
    md("## This week's call list\n\nOpen leads per consultant, highest score first, with the kit's grade, the "
       "consultant's grade, days since the last contact and whether a follow-up is overdue for the grade's "
       "cadence (H every 2 days, A 4, B 7, C 15 by default), and the three strongest reasons for the score. The "
       "full list is in the Excel sheet beside this report.", lang="en"),
    md("## 本周回访清单\n\n各销售顾问名下的在跟线索，按评分从高到低：系统定级、顾问定级、距上次联系天数、是否超过该级别的回访周期（默认 H 2天、A 4天、B 7天、C 15天），以及评分的三个主要原因。完整清单见同目录的Excel表。",
       lang="zh"),
    code('''
model = kl.fit_lead_model(lead_table, followups, as_of=as_of, settings=settings, grade_log=grade_log)
scores = kl.score_open_leads(lead_table, followups, as_of=as_of, model=model, settings=settings, staff=dealer.staff,
                             lang=lang, mask_personal=mask_personal_data, grade_log=grade_log)
calls = scores.call_list
calls.insert(0, "consultant", calls["consultant_id"].map(lambda s: people.get(s, s)))
calls["why"] = calls[["reason_1", "reason_2", "reason_3"]].fillna("").agg("; ".join, axis=1).str.strip("; ")
report.note(scores.reason, kind="ok" if scores.trustworthy else "warning")
'''),
    code('''
report.export_excel({"call_list": calls}, output_dir=output_dir, file_name=f"call_list_{month}.xlsx", lang=lang)
'''),
    code('''
shown = calls[calls["priority"] <= call_list_rows]
columns = ["consultant", "priority", "lead_id", "customer_name", "phone", "model_interest", "probability", "kit_grade",
           "consultant_grade", "days_since_last_contact", "overdue", "why"]
report.table(shown[[c for c in columns if c in shown.columns]], max_rows=None,
             formats={"probability": "pct0", "days_since_last_contact": "int", "priority": "int", "overdue": "bool"},
             highlight={"days_since_last_contact": "overdue"},
             labels={"consultant": pick(lang, "Consultant", "销售顾问"), "why": pick(lang, "Why this score", "评分依据"),
                     "priority": "#", "lead_id": pick(lang, "Lead", "线索"), "customer_name": pick(lang, "Customer", "客户"),
                     "phone": pick(lang, "Phone", "电话"), "model_interest": pick(lang, "Model", "意向车型"),
                     "probability": pick(lang, "Score", "评分"), "kit_grade": pick(lang, "Kit grade", "系统级别"),
                     "consultant_grade": pick(lang, "Consultant grade", "顾问级别"),
                     "days_since_last_contact": pick(lang, "Days since contact", "未联系天数"),
                     "overdue": pick(lang, "Overdue", "超期"), "reason_1": pick(lang, "Reason 1", "原因1"),
                     "reason_2": pick(lang, "Reason 2", "原因2"), "reason_3": pick(lang, "Reason 3", "原因3")})
'''),
    md("## Follow-up discipline\n\nPer consultant: the share of open leads contacted within their grade's "
       "cadence, how many are overdue (and how many of those are hot H/A leads), leads never contacted, and how "
       "fast new leads got their first contact.", lang="en"),
    md("## 跟进纪律\n\n按销售顾问：在回访周期内联系过的在跟线索比例、超期数量（其中H/A热线索数量）、从未联系的线索，以及新线索首次联系的速度。",
       lang="zh"),
    code('''
discipline = kl.followup_discipline(lead_table, followups, as_of=as_of, settings=settings)
discipline.insert(0, "consultant", discipline.pop("consultant_id").map(lambda s: people.get(s, s)))
report.table(discipline, formats={"within_cadence_rate": "pct0", "first_contact_within_24h_rate": "pct0",
                                  "median_first_contact_hours": "number1"},
             gradient=["within_cadence_rate"],
             labels={"consultant": pick(lang, "Consultant", "销售顾问"), "open_leads": pick(lang, "Open leads", "在跟线索"),
                     "within_cadence": pick(lang, "Within cadence", "按期跟进"),
                     "within_cadence_rate": pick(lang, "Within cadence %", "按期率"), "overdue": pick(lang, "Overdue", "超期"),
                     "overdue_h_a": pick(lang, "Overdue H/A", "超期H/A"), "never_contacted": pick(lang, "Never contacted", "从未联系"),
                     "new_leads": pick(lang, "New leads (90 d)", "新线索(90天)"),
                     "median_first_contact_hours": pick(lang, "Median first contact (h)", "首次联系中位时长(小时)"),
                     "first_contact_within_24h_rate": pick(lang, "First contact < 24 h", "24小时内首联率")})
'''),
    md("## Grade audit\n\nConsultants' grades against the kit's grades and against what happened. A positive gap "
       "means the consultant grades leads hotter than the evidence supports (inflates); negative, colder "
       "(deflates). Their H/A leads' real conversion is set beside the kit's H/A leads' conversion.", lang="en"),
    md("## 定级审计\n\n顾问定级与系统定级、与实际结果的对比。差值为正表示顾问定级偏高（高估），为负表示偏低（低估）。并列出顾问所定H/A线索与系统所定H/A线索的实际成交率。",
       lang="zh"),
    code('''
audit = kl.grade_audit(holdout.scored if len(holdout.scored) else calls, settings=settings)
audit.insert(0, "consultant", audit.pop("consultant_id").map(lambda s: people.get(s, s)))
report.table(audit, formats={"grade_gap": "number", "mean_consultant_rank": "number", "mean_kit_rank": "number",
                             "consultant_h_a_share": "pct0", "kit_h_a_share": "pct0", "consultant_h_a_conversion": "pct",
                             "kit_h_a_conversion": "pct", "conversion_rate": "pct"},
             gradient=["grade_gap"],
             labels={"consultant": pick(lang, "Consultant", "销售顾问"), "graded_leads": pick(lang, "Graded leads", "已定级线索"),
                     "mean_consultant_rank": pick(lang, "Mean consultant grade", "顾问平均级别"),
                     "mean_kit_rank": pick(lang, "Mean kit grade", "系统平均级别"), "grade_gap": pick(lang, "Gap", "差值"),
                     "consultant_h_a_share": pick(lang, "Consultant H/A share", "顾问H/A占比"),
                     "kit_h_a_share": pick(lang, "Kit H/A share", "系统H/A占比"),
                     "consultant_h_a_conversion": pick(lang, "Consultant H/A bought", "顾问H/A成交率"),
                     "kit_h_a_conversion": pick(lang, "Kit H/A bought", "系统H/A成交率"),
                     "conversion_rate": pick(lang, "All bought", "整体成交率"), "verdict": pick(lang, "Verdict", "结论")})
'''),
    md("## Lost leads\n\nWhy leads were lost (战败) in the last 12 months, and at which step: before a test drive, "
       "after a test drive but before a quote, or after a quote.", lang="en"),
    md("## 战败分析\n\n近12个月线索战败的原因，以及战败发生在哪个环节：试驾前、试驾后报价前、报价后。", lang="zh"),
    code('''
lost = kl.lost_analysis(lead_table, followups, period=month, months=12)
plots.plot_bars(lost.reasons, x="lost_reason", y="lost_leads",
                title=pick(lang, f"Lost-lead reasons, 12 months to {month}", f"近12个月战败原因（截至{month}）"),
                xlabel=pick(lang, "lost leads", "战败线索数"))
'''),
    code('''
report.table(lost.steps, formats={"share": "pct"},
             labels={"lost_step": pick(lang, "Lost at step", "战败环节"), "lost_leads": pick(lang, "Lost leads", "战败线索"),
                     "share": pick(lang, "Share", "占比")})
'''),
    code('''
report.table(lost.by_channel, formats={"loss_rate": "pct"}, caption=pick(lang, "By channel", "分渠道"))
'''),
    code('''
report.table(lost.by_model, formats={"loss_rate": "pct"}, caption=pick(lang, "By car model", "分车型"))
'''),
    code('''
month_rates = steps.set_index("rate_name")["rate"]
kit_row = holdout.metrics.set_index("scorer").iloc[0]
report.glue("order_rate_month", float(month_rates.get("order_rate")), label=pick(lang, "Lead → order rate (month)", "本月线索成交率"), kind="pct")
report.glue("auc", float(kit_row["roc_auc"]), label=pick(lang, "Score AUC (hold-out)", "评分AUC（检验集）"), kind="number")
report.glue("top20_capture", float(kit_row["top20_capture"]), label=pick(lang, "Buyers in top 20 % of scores", "前20%评分捕获成交"), kind="pct")
report.glue("overdue_followups", int(calls["overdue"].sum()), label=pick(lang, "Overdue follow-ups", "超期未跟进"), kind="int")
report.glue("scored_by", scores.method, label=pick(lang, "Scored by", "评分方式"), kind="text")
'''),
]
write("notebooks/lead_scoring.ipynb", cells)
