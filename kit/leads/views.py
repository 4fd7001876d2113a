"""The lead report's tables and charts in the report's language, from :class:`kit.leads.LeadResults`.

Each function returns what one notebook cell shows: a DataFrame whose columns are catalog codes (the table takes
their headers from ``kit/catalog``) and whose values are already words in the report's language (channels, steps,
verdicts, consultants as the report names them), or a chart. The analyses keep their codes; only this module
turns them into words. It sits beside the report layer: it may draw with :mod:`kit.plots`, and no analysis module
imports it.
"""

from __future__ import annotations

import pandas as pd

from kit import i18n
from kit.leads.discipline import HOT_GRADES
from kit.leads.lost import NOT_STATED
from kit.leads.scoring import RuleScorer


def _words(res, code: object) -> str:
    return i18n.label(code, res.lang) if i18n.has(code) else str(code)


def _people(res, ids: pd.Series) -> pd.Series:
    """Consultant ids as the report names them (``E012 张*``); a code such as the unassigned marker in words."""
    return ids.map(lambda c: res.people.get(c) or _words(res, c))


def _reasons(res, frame: pd.DataFrame) -> pd.Series:
    cols = [c for c in ("reason_1", "reason_2", "reason_3") if c in frame.columns]
    joiner = "；" if res.lang == "zh" else "; "
    return frame[cols].apply(lambda row: joiner.join(v for v in row if isinstance(v, str) and v), axis=1) \
        if len(frame) else pd.Series([], dtype=object)


# --------------------------------------------------------------------------- the call list


def calls(res) -> pd.DataFrame:
    """The leads to call first: every open lead the kit grades H or A, highest chance of buying first.

    Columns: consultant, priority (the consultant's calling order), customer_name, phone_number, model_interest,
    kit_grade, consultant_grade, probability, days_since_last_contact, next_contact_due, overdue, why.
    """
    c = res.call_list
    hot = c.loc[c["kit_grade"].isin(HOT_GRADES)].sort_values(["probability", "lead_id"], ascending=[False, True],
                                                              kind="stable")
    out = pd.DataFrame({"consultant": _people(res, hot["consultant_id"]), "priority": hot["priority"]})
    if "customer_name" in hot.columns:
        out["customer_name"] = hot["customer_name"]
    if "phone" in hot.columns:
        out["phone_number"] = hot["phone"]
    for col in ("model_interest", "kit_grade", "consultant_grade", "probability", "days_since_last_contact",
                "next_contact_due", "overdue"):
        out[col] = hot[col]
    out["why"] = _reasons(res, hot)
    return out.reset_index(drop=True)


def call_sheet(res) -> pd.DataFrame:
    """Every open lead for the Excel call list, per consultant in calling order (see ``def.*`` in the catalog)."""
    c = res.call_list
    out = pd.DataFrame({"priority": c["priority"], "consultant": _people(res, c["consultant_id"]),
                        "lead_id": c["lead_id"]})
    if "customer_name" in c.columns:
        out["customer_name"] = c["customer_name"]
    if "phone" in c.columns:
        out["phone_number"] = c["phone"]
    out["store_id"] = c["store_id"]
    out["channel"] = c["channel"].map(lambda v: _words(res, v))
    for col in ("model_interest", "created_at", "probability", "kit_grade", "consultant_grade", "followup_grade",
                "days_since_last_contact", "cadence_days", "overdue", "next_contact_due"):
        out[col] = c[col]
    out["why"] = _reasons(res, c)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- discipline and grades


#: The discipline's count of overdue leads is shown under the headline number's name (and definition).
_DISCIPLINE_NAMES = {"overdue": "overdue_followups"}


def discipline(res) -> pd.DataFrame:
    """Follow-up discipline per consultant (the team is :func:`discipline_totals`)."""
    rows = res.discipline.rows.rename(columns=_DISCIPLINE_NAMES)
    return rows.drop(columns="consultant_id").assign(consultant=_people(res, rows["consultant_id"]))[
        ["consultant", *[c for c in rows.columns if c != "consultant_id"]]]


def discipline_totals(res) -> dict:
    """The team's row of :func:`discipline`, for ``totals=``."""
    return {_DISCIPLINE_NAMES.get(k, k): v for k, v in res.discipline.team.items()}


_AUDIT_COLUMNS = ["graded_leads", "grade_gap", "gap_vs_team", "consultant_h_a_share", "kit_h_a_share",
                  "consultant_h_a_conversion", "kit_h_a_conversion", "verdict"]


def audit(res) -> pd.DataFrame:
    """Consultants' grades against the kit's, with the verdict in words (the team is :func:`audit_totals`)."""
    rows = res.audit.rows
    out = rows[_AUDIT_COLUMNS].assign(verdict=rows["verdict"].map(lambda v: _words(res, v)))
    out.insert(0, "consultant", _people(res, rows["consultant_id"]))
    return out


def audit_totals(res) -> dict:
    """The team's row of :func:`audit`, for ``totals=``."""
    team = {c: res.audit.team[c] for c in _AUDIT_COLUMNS}
    team["verdict"] = _words(res, team["verdict"])
    return team


# --------------------------------------------------------------------------- the funnel


def _month_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[frame["window"] == "month"]


def funnel_chart(res):
    """Bars of the period's month so far: enquiries → registered → test drive → order → delivery."""
    from kit import plots

    steps = _month_rows(res.funnel_now).dropna(subset=["count"])
    frame = steps.assign(step=steps["step"].map(lambda v: _words(res, v)))
    title = i18n.t("leads.chart.funnel_now", res.lang, month=str(res.period.month))
    return plots.plot_funnel(frame, label="step", value="count", rate="rate", title=title)


def funnel_now(res) -> pd.DataFrame:
    """The month's rates so far, each saying whether it is final (a rate that is not final has no target)."""
    rows = _month_rows(res.funnel_now).dropna(subset=["rate"])
    status = [i18n.t("leads.final", res.lang) if final else
              i18n.t("leads.not_final_until", res.lang, date=f"{day:%Y-%m-%d}")
              for final, day in zip(rows["final"], rows["final_on"])]
    return pd.DataFrame({"rate_name": rows["rate_name"].map(lambda v: _words(res, v)),
                         "numerator": rows["numerator"], "denominator": rows["denominator"],
                         "denominator_name": rows["denominator_name"].map(lambda v: _words(res, v)),
                         "rate": rows["rate"], "status": status}).reset_index(drop=True)


def funnel_final(res) -> pd.DataFrame:
    """The latest final month's rates and those of the 12 months ending with it, against the targets."""
    month = _month_rows(res.funnel_final).dropna(subset=["rate"]).set_index("rate_name")
    year = res.funnel_final.loc[res.funnel_final["window"] == "trailing_12_months"].set_index("rate_name")["rate"]
    return pd.DataFrame({
        "rate_name": [_words(res, n) for n in month.index],
        "numerator": month["numerator"].to_numpy(), "denominator": month["denominator"].to_numpy(),
        "rate": month["rate"].to_numpy(), "rate_12_months": year.reindex(month.index).to_numpy(),
        "target": month["target"].to_numpy(), "gap_to_target": month["gap_to_target"].to_numpy(),
        "meets_target": month["meets_target"].to_numpy(),
        "denominator_name": [_words(res, v) for v in month["denominator_name"]]})


def not_final(res) -> dict:
    """Fields of the note under the funnel: which month is not final until when, and which month is judged."""
    rows = _month_rows(res.funnel_now)
    until = rows.loc[~rows["final"], "final_on"]
    return {"month": str(res.period.month), "until": f"{until.max():%Y-%m-%d}" if len(until) else "",
            "final_month": str(res.final_month), "days": res.settings.conversion_window_days}


def funnel_by(res, by: str) -> pd.DataFrame:
    """Rates of the 12 final months by ``by`` (channel, model_interest or consultant_id), leads registered first."""
    rows = res.funnel_by[by]
    rows = rows.loc[rows["window"] == "trailing_12_months"]
    registered = rows.loc[rows["step"] == "registered"].set_index(by)["count"]
    rates = rows.dropna(subset=["rate_name"]).pivot_table(index=by, columns="rate_name", values="rate",
                                                           dropna=False)
    order = [c for c in ("registration_rate", "test_drive_rate", "order_rate", "delivery_rate") if c in rates]
    out = rates[order].reindex(registered.index)
    out = out.loc[:, out.notna().any()]
    out.insert(0, "leads_registered", registered.astype(int))
    out = out.reset_index()
    column = "consultant" if by == "consultant_id" else by
    names = _people(res, out[by]) if by == "consultant_id" else out[by].map(lambda v: _words(res, v))
    return out.drop(columns=by).assign(**{column: names})[[column, *[c for c in out.columns if c != by]]]


# --------------------------------------------------------------------------- lost leads


def _reason(res, value: object) -> str:
    return _words(res, value) if value == NOT_STATED else value


def lost_reasons(res) -> pd.DataFrame:
    """Lost leads by reason, most common first (reasons are the dealer's own words)."""
    r = res.lost.reasons
    return r.assign(lost_reason=r["lost_reason"].map(lambda v: _reason(res, v)))


def lost_chart(res):
    """Bars of the lost reasons of the last 12 months (None when no lead was lost)."""
    from kit import plots

    reasons = lost_reasons(res)
    if reasons.empty:
        return None
    return plots.plot_bars(reasons, x="lost_reason", y="lost_leads",
                           title=i18n.t("leads.chart.lost_reasons", res.lang, month=str(res.period.month)),
                           xlabel=i18n.label("lost_leads", res.lang))


def lost_steps(res) -> pd.DataFrame:
    """Lost leads by the step they were lost at."""
    s = res.lost.steps
    return s.assign(lost_step=s["lost_step"].map(lambda v: _words(res, v)))


def lost_by(res, by: str) -> pd.DataFrame:
    """Closed and lost leads by ``by`` (channel or model_interest), the step lost at and the top reason."""
    table = res.lost.by_channel if by == "channel" else res.lost.by_model
    out = table.assign(top_reason=table["top_reason"].map(lambda v: None if v is None else _reason(res, v)))
    if by == "channel":
        out[by] = out[by].map(lambda v: _words(res, v))
    return out


# --------------------------------------------------------------------------- the analyst's appendix


def model_note(res):
    """How the call list was scored and why (a box: green when the model is trustworthy)."""
    from kit.report.tables import note

    return note(res.scores.reason, kind="ok" if res.scores.trustworthy else "warning")


def holdout_note(res):
    """What the hold-out test was, or why it could not run."""
    from kit.report.tables import note

    return note(res.holdout.text(res.lang), kind="info" if len(res.holdout.metrics) else "warning")


def quality(res) -> pd.DataFrame:
    """Hold-out measures of the kit's score and of the consultants' grades (scorers in words)."""
    m = res.holdout.metrics.rename(columns={"n": "lead_dates", "n_positive": "lead_dates_won"})
    return m.assign(scorer=m["scorer"].map(lambda v: i18n.label(v, res.lang, group="scorer")))


def score_bands(res) -> pd.DataFrame:
    """Observed conversion per score band of the hold-out leads."""
    return res.holdout.by_band.rename(columns={"leads": "band_leads", "buyers": "band_buyers"})


def rule_points(res) -> pd.DataFrame:
    """The transparent rules' points when they scored the list (empty when the model did)."""
    if res.scores.method != "rules":
        return pd.DataFrame(columns=["signal", "points"])
    return RuleScorer.points_table(lang=res.lang)


def gains_chart(res):
    """Cumulative gains of the hold-out test (None when it could not run)."""
    from kit import plots

    if res.holdout.gains.empty:
        return None
    return plots.plot_gains(res.holdout.gains, lang=res.lang, title=i18n.t("leads.chart.gains", res.lang))


def calibration_chart(res):
    """Predicted against observed conversion of the hold-out test (None when it could not run)."""
    from kit import plots

    if res.holdout.calibration.empty:
        return None
    return plots.plot_calibration(res.holdout.calibration, lang=res.lang,
                                  title=i18n.t("leads.chart.calibration", res.lang))


# --------------------------------------------------------------------------- the call-load what-if


def call_load(res, load) -> pd.DataFrame:
    """A :class:`kit.leads.CallLoad` with consultants as the report names them."""
    rows = load.rows
    return rows.drop(columns="consultant_id").assign(consultant=_people(res, rows["consultant_id"]))[
        ["consultant", *[c for c in rows.columns if c != "consultant_id"]]]

