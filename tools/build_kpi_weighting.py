import sys; sys.path.insert(0, "tools")
from nbtool import md, code, write
from build_data_health import PARAMS

cells = [
    md("# KPI scorecard and bonus\n\nEach sales consultant's weighted scorecard for the month, the bonus it pays "
       "after the gates, which weight profile applies and how the weights were set, and whose ranking depends on "
       "the exact weights.", lang="en"),
    md("# KPI考核与奖金\n\n本月每位销售顾问的加权计分卡、经过门槛规则后的奖金、适用的权重方案及权重的来源，以及谁的排名取决于权重的细微变化。",
       lang="zh"),
    code(PARAMS + 'stability_draws: int = 1000        # weight perturbations for the ranking stability check\n'
                  'stability_concentration: float = 50.0  # Dirichlet concentration, higher means smaller weight moves\n'
                  'seed: int = 0                       # random seed for the stability draws\n',
         tags=["parameters"]),
    code('''
%matplotlib inline
from kit import io, kpi, plots, report
from kit.i18n import pick

report.setup(glue_file=glue_file, lang=lang)
dealer = io.load_dealer(data_dir)
settings = dealer.settings.kpi
kpi_all = dealer.kpi[dealer.kpi["month"] <= month]
kpi_month = kpi_all[kpi_all["month"] == month]
kpi.check_against_data(settings, kpi_month)
people = report.staff_labels(dealer.staff, mask=mask_personal_data)
profile = kpi.profile_for(month, settings)
card = kpi.scorecard(kpi_month, settings=settings, layout="wide")
sheet = kpi.bonus(kpi_month, settings=settings)
card["person"] = card["staff_id"].map(people)
sheet["person"] = sheet["staff_id"].map(people)
'''),
    md("## Scorecard\n\nAchievement = actual ÷ target, capped (lower-is-better metrics such as complaints are "
       "inverted), multiplied by the metric's weight in the profile that applies this month. Green is ahead of "
       "target, red behind.", lang="en"),
    md("## 计分卡\n\n达成率 = 实际 ÷ 目标（封顶；投诉等越低越好的指标取倒数），乘以本月适用方案中的权重。绿色为超额，红色为落后。",
       lang="zh"),
    code('''
report.markdown(pick(lang, f"Profile this month: **{profile.stage}** — " , f"本月适用方案：**{profile.stage}** — ")
                + ", ".join(f"{m} {w:.0%}" for m, w in dict(profile.weights).items()))
'''),
    code('''
weights = dict(profile.weights)
achievement_cols = [f"{m}_achievement" for m in weights]
shown = card[["rank", "person", *achievement_cols, "total_score"]].sort_values("rank")
report.table(shown, formats={c: "pct0" for c in achievement_cols} | {"total_score": "pct", "rank": "int"},
             gradient=achievement_cols,
             labels={"rank": pick(lang, "Rank", "排名"), "person": pick(lang, "Consultant", "销售顾问"),
                     "total_score": pick(lang, "Weighted score", "加权得分")}
                    | {f"{m}_achievement": f"{m} ({w:.0%})" for m, w in weights.items()})
'''),
    code('''
ranked = sheet.sort_values("total_score", ascending=False)
ranked = ranked.assign(no_bonus=ranked["gate_factor"] == 0)
plots.plot_bars(ranked, x="person", y="total_score", percent=True, colour_by="no_bonus", target=1.0,
                target_label=pick(lang, "100 % of target", "达成100%"),
                title=pick(lang, f"Weighted score by consultant, {month} (red: no bonus)", f"{month} 销售顾问加权得分（红色：无奖金）"),
                xlabel=pick(lang, "weighted score", "加权得分"))
'''),
    md("## Bonus sheet\n\nThe score sets the bonus; the gates can cut or cancel it (below 60 % of the volume "
       "target pays nothing; missing the product mix halves it); commission is paid only on gross profit above the "
       "threshold. The last column says which rule decided each person's bonus.", lang="en"),
    md("## 奖金表\n\n得分决定奖金；门槛规则可削减或取消奖金（销量达成低于60%无奖金；产品结构未达标减半）；毛利超过门槛部分才计提成。最后一列说明决定每人奖金的规则。",
       lang="zh"),
    code('''
bonus_cols = ["rank", "person", "total_score", "gate_factor", "score_bonus_cny", "profit_commission_cny", "bonus_cny",
              "deciding_rule"]
report.table(sheet.sort_values("rank")[bonus_cols],
             formats={"total_score": "pct", "gate_factor": "number", "score_bonus_cny": "money",
                      "profit_commission_cny": "money", "bonus_cny": "money", "rank": "int"},
             labels={"rank": pick(lang, "Rank", "排名"), "person": pick(lang, "Consultant", "销售顾问"),
                     "total_score": pick(lang, "Score", "得分"), "gate_factor": pick(lang, "Gate factor", "门槛系数"),
                     "score_bonus_cny": pick(lang, "Score bonus", "得分奖金"),
                     "profit_commission_cny": pick(lang, "Profit commission", "毛利提成"),
                     "bonus_cny": pick(lang, "Bonus", "奖金"), "deciding_rule": pick(lang, "Deciding rule", "决定规则")})
'''),
    code('''
report.export_excel({"bonus": sheet.drop(columns=["person"]).assign(consultant=sheet["person"]),
                     "scorecard": card.drop(columns=["person"]).assign(consultant=card["person"])},
                    output_dir=output_dir, file_name=f"kpi_bonus_{month}.xlsx", lang=lang)
'''),
    md("## Which profile applies\n\nWeights follow the product's life-cycle stage (`dealer.yml`): a launch "
       "rewards new customers and distribution, a mature line rewards volume and profit. The chart shows each "
       "consultant's rank under every profile: long lines are people whose standing depends on the stage.", lang="en"),
    md("## 适用的权重方案\n\n权重随产品生命周期阶段变化（见 `dealer.yml`）：上市期奖励新客户和铺货，成熟期奖励销量和利润。图中为每位顾问在各方案下的排名：线条起伏大的人，其排名取决于所处阶段。",
       lang="zh"),
    code('''
compare = kpi.compare_profiles(kpi_all, month, settings)
compare["person"] = compare["staff_id"].map(people)
rank_cols = [c for c in compare.columns if c.startswith("rank_") and c != "rank_range"]
plots.plot_rank_compare(compare.sort_values(rank_cols[0]), label="staff_id", ranks=rank_cols,
                        rank_labels=[c.removeprefix("rank_") for c in rank_cols],
                        title=pick(lang, f"Rank under each weight profile, {month}", f"{month} 各权重方案下的排名"))
'''),
    code('''
report.table(compare[["person", *rank_cols, "rank_range"]].sort_values(rank_cols[0]),
             labels={"person": pick(lang, "Consultant", "销售顾问"), "rank_range": pick(lang, "Rank range", "排名跨度")}
                    | {c: pick(lang, f"Rank ({c.removeprefix('rank_')})", f"排名（{c.removeprefix('rank_')}）") for c in rank_cols})
'''),
    md("## How the weights were set\n\nThree ways to set weights: by hand (the profile), by AHP from the sales "
       "manager's pairwise judgements (accepted only when the consistency ratio CR < 0.1; Saaty's random index "
       "table), and by the entropy method from this month's data (metrics on which people differ more weigh more). "
       "`weight_method` in `dealer.yml` says which one is used.", lang="en"),
    md("## 权重如何确定\n\n三种方式：人工设定（方案权重）；层次分析法（AHP），由销售经理的两两比较判断得出（一致性比率 CR < 0.1 才接受，随机一致性指标用 Saaty 表）；熵权法，由本月数据得出（人与人差异越大的指标权重越高）。`dealer.yml` 中的 `weight_method` 指定采用哪一种。",
       lang="zh"),
    code('''
weights = kpi.weight_table(kpi_month, month, settings)
report.table(weights, formats={c: "pct" for c in weights.columns if c != "metric"},
             labels={"metric": pick(lang, "Metric", "指标"), "manual": pick(lang, "Manual", "人工"), "ahp": "AHP",
                     "entropy": pick(lang, "Entropy", "熵权"), "blend": pick(lang, "Blend", "组合"),
                     "used": pick(lang, "Used", "采用")})
'''),
    code('''
ahp = kpi.profile_ahp(profile.stage, settings) if settings.ahp_judgements(profile.stage) is not None else None
report.markdown(pick(lang, "No AHP judgements are configured for this profile.", "本方案未配置AHP判断矩阵。") if ahp is None else
                pick(lang, f"**AHP worksheet** ({profile.stage}): λmax = {ahp.lambda_max:.3f}, CI = {ahp.ci:.3f}, "
                           f"RI = {ahp.ri:.2f} (Saaty, n = {ahp.n}), **CR = {ahp.cr:.3f}** — "
                           + ("consistent (CR < 0.1)." if ahp.consistent else "inconsistent (CR ≥ 0.1)."),
                     f"**AHP计算表**（{profile.stage}）：λmax = {ahp.lambda_max:.3f}，CI = {ahp.ci:.3f}，"
                     f"RI = {ahp.ri:.2f}（Saaty表，n = {ahp.n}），**CR = {ahp.cr:.3f}** — "
                     + ("一致性可接受（CR < 0.1）。" if ahp.consistent else "一致性不可接受（CR ≥ 0.1）。")))
'''),
    code('''
report.table(ahp.worksheet.reset_index(), formats={c: "number3" for c in ahp.worksheet.columns}) if ahp is not None else None
'''),
    md("## Ranking stability\n\nThe weights are moved at random around the profile (Dirichlet draws) many times, "
       "and the ranking recomputed each time. Kendall's tau near 1 means the ranking barely moves. In the table, a "
       "P(top 3) between 10 % and 90 % or a wide rank range marks a consultant whose place depends on the exact "
       "weights; P(no bonus) is the chance of falling under a bonus gate.", lang="en"),
    md("## 排名稳定性\n\n在方案权重附近随机扰动权重（Dirichlet抽样）多次，每次重新排名。Kendall tau 接近1表示排名几乎不变。表中“进入前三概率”介于10%–90%或排名区间较宽的顾问，其名次取决于权重细节；“无奖金概率”为落入门槛以下的概率。",
       lang="zh"),
    code('''
stability = kpi.rank_stability(kpi_all, settings=settings, month=month, n=stability_draws,
                               concentration=stability_concentration, seed=seed)
plots.plot_hist(stability.tau, xlabel="Kendall's tau", marker=1.0,
                title=pick(lang, f"How much the ranking moves when the weights move ({stability_draws} draws)",
                           f"权重扰动时排名的变化（{stability_draws}次抽样）"))
'''),
    code('''
stab = stability.people.assign(person=stability.people["staff_id"].map(people))
report.table(stab[["base_rank", "person", "base_score", "rank_p05", "rank_median", "rank_p95", "p_top3", "p_no_bonus"]],
             formats={"base_score": "pct", "p_top3": "pct0", "p_no_bonus": "pct0", "rank_p05": "int",
                      "rank_median": "int", "rank_p95": "int", "base_rank": "int"},
             gradient=["p_top3"],
             labels={"base_rank": pick(lang, "Rank", "排名"), "person": pick(lang, "Consultant", "销售顾问"),
                     "base_score": pick(lang, "Score", "得分"), "rank_p05": pick(lang, "Best rank (5 %)", "最好名次(5%)"),
                     "rank_median": pick(lang, "Median rank", "中位名次"), "rank_p95": pick(lang, "Worst rank (95 %)", "最差名次(95%)"),
                     "p_top3": pick(lang, "P(top 3)", "进入前三概率"), "p_no_bonus": pick(lang, "P(no bonus)", "无奖金概率")})
'''),
    code('''
top = sheet.sort_values("rank").iloc[0]
report.glue("top_consultant", top["person"], label=pick(lang, "Top consultant", "第一名"), kind="text")
report.glue("under_gate", int((sheet["gate_factor"] == 0).sum()), label=pick(lang, "Consultants with no bonus (gate)", "未过门槛人数"), kind="int")
report.glue("bonus_total_cny", float(sheet["bonus_cny"].sum()), label=pick(lang, "Bonus total", "奖金合计"), kind="money")
report.glue("ranking_tau_median", float(stability.summary.set_index("quantity").loc["tau_median", "value"]),
            label=pick(lang, "Ranking stability (median tau)", "排名稳定性（tau中位数）"), kind="number")
'''),
]
write("notebooks/kpi_weighting.ipynb", cells)
