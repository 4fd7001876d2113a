"""Scoring features of open leads from the follow-up log, with no look-ahead, and the labelled training set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kit.checks import Problems, setting_number
from kit.leads.inputs import as_day, known_as_of, prepare_followups, prepare_leads

#: Name of the training label column.
LABEL = "won_within_window"

#: Model inputs built by :func:`build_features`, in order.
FEATURE_COLUMNS = (
    "channel", "model_interest", "store_id", "consultant_id",
    "age_days", "visits", "test_drive", "quoted", "negotiating", "trade_in", "finance",
    "contacts", "calls", "wechat_contacts", "sms_contacts", "unanswered_calls", "invitations",
    "contacts_last_14_days", "days_since_last_contact", "mean_days_between_contacts", "longest_gap_days",
    "first_contact_delay_hours", "days_since_last_visit", "days_since_test_drive", "days_since_quote",
)
#: Extra model input when a grade log is given: the consultant's grade as known on the as-of date (H 4 … C 1).
GRADE_FEATURE = "consultant_grade_rank"
#: Leads columns the features need besides lead_id, created_at, status, closed_at.
FEATURE_SOURCE = ("store_id", "channel", "consultant_id", "model_interest", "trade_in", "finance")
#: Yes/no and categorical model inputs.
BOOL_FEATURES = ("test_drive", "quoted", "negotiating", "trade_in", "finance")
CATEGORY_FEATURES = ("channel", "model_interest", "store_id", "consultant_id")


@dataclass
class Activity:
    """The follow-up log prepared once: cumulative counts per lead in time order, and per-lead first times.

    The registration record is a walk-in lead's first visit row on its registration day: it counts as a showroom
    visit but not as a follow-up contact.
    """

    log: pd.DataFrame        # sorted by "at": lead_id, at, cum_<indicator>
    registered_at: pd.Series  # by lead_id: time of the registration visit (walk-ins)
    first_contact_at: pd.Series  # by lead_id: first follow-up contact after registration


def prepare_activity(leads: pd.DataFrame, followups: pd.DataFrame) -> Activity:
    """Cumulative follow-up counts per lead in time order (see :class:`Activity`)."""
    f = followups[["lead_id", "at", "kind", "outcome_code"]].merge(
        leads[["lead_id", "created_at", "channel"]], on="lead_id", how="inner")
    f = f.sort_values(["lead_id", "at"], kind="stable").reset_index(drop=True)
    kind = f["kind"].to_numpy(dtype=object)
    code = f["outcome_code"].to_numpy(dtype=object)
    is_visit = kind == "visit"
    candidate = is_visit & (f["at"].dt.normalize() == f["created_at"]).to_numpy() & \
        (f["channel"] == "walk_in").to_numpy()
    first_of_lead = np.zeros(len(f), dtype=bool)
    if candidate.any():
        cand = f.loc[candidate, ["lead_id"]]
        first_of_lead[cand.index[~cand["lead_id"].duplicated()]] = True
    registration = first_of_lead
    contact = ~registration
    ind = {
        "visits": is_visit,
        "test_drive": code == "test_drive",
        "quoted": code == "quoted",
        "negotiating": code == "negotiating",
        "contacts": contact,
        "calls": contact & (kind == "call"),
        "wechat_contacts": contact & (kind == "wechat"),
        "sms_contacts": contact & (kind == "sms"),
        "unanswered_calls": code == "no_answer",
        "invitations": code == "invited",
    }
    cum = pd.DataFrame({f"cum_{k}": v.astype(np.int32) for k, v in ind.items()})
    keys = f["lead_id"].to_numpy()
    cum = cum.groupby(keys, sort=False).cumsum()
    # longest silence between two logged contacts so far (days); the open gap is days_since_last_contact
    gap = f.groupby("lead_id", sort=False)["at"].diff() / pd.Timedelta(days=1)
    cum["longest_gap"] = gap.fillna(0.0).groupby(keys, sort=False).cummax().to_numpy()
    # when the latest showroom visit, test drive and quote so far happened (recency signals readiness to order)
    for name, hit in (("last_visit_at", ind["visits"]), ("last_test_drive_at", ind["test_drive"]),
                      ("last_quote_at", ind["quoted"])):
        cum[name] = f["at"].where(hit).groupby(keys, sort=False).ffill().to_numpy()
    log = pd.concat([f[["lead_id", "at"]], cum], axis=1).sort_values("at", kind="stable").reset_index(drop=True)
    registered_at = f.loc[registration].groupby("lead_id", sort=False)["at"].min()
    first_contact_at = f.loc[contact].groupby("lead_id", sort=False)["at"].min()
    return Activity(log=log, registered_at=registered_at, first_contact_at=first_contact_at)


def open_on(leads: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    """Which leads are open at the end of ``day``."""
    closed = leads["closed_at"]
    return ((leads["created_at"] <= day) & (closed.isna() | (closed > day))).to_numpy()


def pair_features(leads: pd.DataFrame, activity: Activity, pairs: pd.DataFrame) -> pd.DataFrame:
    """Features of (lead_id, as_of) pairs from follow-ups logged before the end of each as-of day.

    ``pairs`` must hold only leads of ``leads``; the result keeps the order of ``pairs``.
    """
    n = len(pairs)
    info = leads.set_index("lead_id")
    lead_ids = pairs["lead_id"].to_numpy(dtype=object)
    day = pairs["as_of"].to_numpy().astype("datetime64[ns]")
    cutoff = day + np.timedelta64(1, "D")
    probe = pd.DataFrame({"lead_id": lead_ids, "cutoff": cutoff, "cutoff_14": cutoff - np.timedelta64(14, "D"),
                          "pos": np.arange(n)})
    log = activity.log
    cum_cols = [c for c in log.columns if c.startswith("cum_")]
    longest = np.zeros(n)
    recency = {name: np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
               for name in ("last_visit_at", "last_test_drive_at", "last_quote_at")}
    if len(log) and n:
        now = pd.merge_asof(probe.sort_values("cutoff", kind="stable"), log, left_on="cutoff", right_on="at",
                            by="lead_id", allow_exact_matches=False, direction="backward").sort_values("pos")
        before = pd.merge_asof(probe.sort_values("cutoff_14", kind="stable"), log[["lead_id", "at", "cum_contacts"]],
                               left_on="cutoff_14", right_on="at", by="lead_id", allow_exact_matches=False,
                               direction="backward").sort_values("pos")
        counts = {c[4:]: now[c].fillna(0).to_numpy().astype(int) for c in cum_cols}
        longest = now["longest_gap"].fillna(0.0).to_numpy(dtype=float)
        recency = {name: now[name].to_numpy().astype("datetime64[ns]") for name in recency}
        last_at = now["at"].to_numpy().astype("datetime64[ns]")
        recent = counts["contacts"] - before["cum_contacts"].fillna(0).to_numpy().astype(int)
    else:
        counts = {c[4:]: np.zeros(n, dtype=int) for c in cum_cols}
        last_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        recent = np.zeros(n, dtype=int)
    created = info["created_at"].reindex(lead_ids).to_numpy().astype("datetime64[ns]")
    out = pd.DataFrame({"lead_id": lead_ids, "as_of": day})
    for col in CATEGORY_FEATURES:
        out[col] = info[col].reindex(lead_ids).to_numpy(dtype=object)
    out["age_days"] = ((day - created) // np.timedelta64(1, "D")).astype(int)
    for col in ("visits", "contacts", "calls", "wechat_contacts", "sms_contacts", "unanswered_calls", "invitations"):
        out[col] = counts[col]
    for col in ("test_drive", "quoted", "negotiating"):
        out[col] = counts[col] > 0
    out["trade_in"] = info["trade_in"].reindex(lead_ids).to_numpy(dtype=bool)
    out["finance"] = info["finance"].reindex(lead_ids).to_numpy(dtype=bool)
    out["contacts_last_14_days"] = recent
    last_day = last_at.astype("datetime64[D]").astype("datetime64[ns]")
    last_day = np.where(np.isnat(last_day) | (last_day < created), created, last_day)
    out["days_since_last_contact"] = ((day - last_day) // np.timedelta64(1, "D")).astype(int)
    registered = activity.registered_at.reindex(lead_ids).to_numpy().astype("datetime64[ns]")
    registered = np.where(np.isnat(registered), created, registered)
    span = (last_at - registered) / np.timedelta64(1, "D")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_gap = np.where(counts["contacts"] > 0, span.astype(float) / np.maximum(counts["contacts"], 1), np.nan)
    out["mean_days_between_contacts"] = np.round(np.clip(mean_gap, 0.0, None), 2)
    out["longest_gap_days"] = np.round(longest, 1)
    first = activity.first_contact_at.reindex(lead_ids).to_numpy().astype("datetime64[ns]")
    first = np.where(first < cutoff, first, np.datetime64("NaT"))
    delay = (first - registered) / np.timedelta64(1, "h")
    out["first_contact_delay_hours"] = np.clip(delay.astype(float), 0.0, None)
    for col, name in (("days_since_last_visit", "last_visit_at"), ("days_since_test_drive", "last_test_drive_at"),
                      ("days_since_quote", "last_quote_at")):
        when = recency[name].astype("datetime64[D]").astype("datetime64[ns]")
        out[col] = ((day - when) / np.timedelta64(1, "D")).astype(float)   # empty when it has not happened
    return out[["lead_id", "as_of", *FEATURE_COLUMNS]].reset_index(drop=True)


def features_on(leads: pd.DataFrame, activity: Activity, day: pd.Timestamp) -> pd.DataFrame:
    """Features of the leads open on ``day``."""
    ids = leads.loc[open_on(leads, day), "lead_id"].to_numpy(dtype=object)
    pairs = pd.DataFrame({"lead_id": ids, "as_of": np.repeat(np.datetime64(day, "ns"), len(ids))})
    return pair_features(leads, activity, pairs)


def build_features(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of: Any) -> pd.DataFrame:
    """Scoring features of the leads open on ``as_of``, using only what was known on that day.

    No look-ahead: leads registered after ``as_of`` are left out, a lead closed after ``as_of`` is treated as open,
    and follow-ups logged after the end of ``as_of`` are ignored. Showroom visits, test drives and quotes come from
    the dated follow-up log (a test drive is a follow-up with outcome ``test_drive``, a quote one with ``quoted``),
    not from the leads table's final yes/no columns; ``trade_in`` and ``finance`` are intents stated at
    registration and are taken from the leads table. The consultant's grade is not a feature: the table holds only
    its latest value, which may already reflect the outcome.

    Parameters
    ----------
    leads : DataFrame
        Contract ``kit.schemas.LEADS`` (lead_id, store_id, created_at, channel, consultant_id, model_interest,
        trade_in, finance, status, closed_at).
    followups : DataFrame
        Contract ``kit.schemas.FOLLOWUPS`` (lead_id, at, kind, outcome).
    as_of : date-like
        The scoring day; everything logged on that day counts.

    Returns
    -------
    DataFrame
        One row per open lead: lead_id, as_of, then :data:`FEATURE_COLUMNS`: channel, model_interest, store_id,
        consultant_id (``(unassigned)`` when empty), age_days, visits, test_drive, quoted, negotiating, trade_in,
        finance, contacts (follow-ups after registration), calls, wechat_contacts, sms_contacts, unanswered_calls,
        invitations, contacts_last_14_days, days_since_last_contact (whole days; registration counts as a contact),
        mean_days_between_contacts (from registration to the last contact ÷ contacts; empty before the first),
        longest_gap_days (longest silence between two logged contacts so far), first_contact_delay_hours (empty
        until the first follow-up), days_since_last_visit, days_since_test_drive, days_since_quote (whole days;
        empty until it happens: a recent test drive or quote signals a customer ready to order).

    Raises
    ------
    DataContractError
        Missing columns, duplicate lead ids, a closed lead without a close date, a follow-up for an unknown lead.
    """
    lead_frame = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lead_frame)
    day = as_day(as_of, "as_of")
    known = known_as_of(lead_frame, day)
    return features_on(known, prepare_activity(known, follow.loc[follow["at"] < day + pd.Timedelta(days=1)]), day)



def snapshot_dates(start: Any, end: Any, *, every_days: int = 7) -> list[pd.Timestamp]:
    """As-of dates every ``every_days`` days going back from ``end`` to ``start`` (oldest first)."""
    start, end = as_day(start, "start"), as_day(end, "end")
    if end < start:
        return []
    steps = int((end - start).days // every_days)
    return [end - pd.Timedelta(days=every_days * k) for k in range(steps, -1, -1)]


def build_training_set(leads: pd.DataFrame, followups: pd.DataFrame, *, as_of_dates: Sequence[Any],
                       window_days: int = 90, data_end: Any = None) -> pd.DataFrame:
    """Features and label for the leads open on each as-of date.

    The label :data:`LABEL` is True when the lead was won within ``window_days`` after the as-of date. A row whose
    outcome is not yet known on ``data_end`` (the window runs past it and the lead has not closed by then) is
    dropped; closes and follow-ups after ``data_end`` are ignored. Features follow :func:`build_features` (no
    look-ahead).

    Parameters
    ----------
    leads, followups : DataFrame
        As for :func:`build_features`.
    as_of_dates : sequence of date-like
    window_days : int
        Label horizon in days (``LeadSettings.conversion_window_days``).
    data_end : date-like, optional
        The last day the data covers; default the latest date in either table.

    Returns
    -------
    DataFrame
        lead_id, as_of, :data:`FEATURE_COLUMNS`, ``won_within_window`` (bool), ``status`` and ``closed_at`` (as
        known on ``data_end``); one row per lead open on an as-of date.
    """
    lead_frame = prepare_leads(leads, FEATURE_SOURCE)
    follow = prepare_followups(followups, lead_frame)
    if data_end is None:
        candidates = [lead_frame["created_at"].max(), lead_frame["closed_at"].max()]
        if len(follow):
            candidates.append(follow["at"].max().normalize())
        data_end = max(d for d in candidates if not pd.isna(d))
    end = as_day(data_end, "data_end")
    problems = Problems("build_training_set")
    window = setting_number(window_days, "window_days", problems, low=1, integer=True)
    problems.raise_if_any()
    return training_set(lead_frame, follow, [as_day(d, "as_of_dates") for d in as_of_dates], window, end)


def panel_pairs(leads: pd.DataFrame, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """(lead_id, as_of) for every lead open on every date."""
    days = np.array(sorted(set(dates)), dtype="datetime64[ns]")
    if not len(days) or leads.empty:
        return pd.DataFrame({"lead_id": pd.Series(dtype=object), "as_of": pd.Series(dtype="datetime64[ns]")})
    created = leads["created_at"].to_numpy().astype("datetime64[ns]")
    closed = leads["closed_at"].to_numpy().astype("datetime64[ns]")
    first = np.searchsorted(days, created, side="left")          # first date on or after registration
    last = np.where(np.isnat(closed), len(days), np.searchsorted(days, closed, side="left"))  # dates before close
    counts = np.clip(last - first, 0, None)
    rows = np.repeat(np.arange(len(leads)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    date_idx = np.repeat(first, counts) + offsets
    pairs = pd.DataFrame({"lead_id": leads["lead_id"].to_numpy(dtype=object)[rows], "as_of": days[date_idx]})
    return pairs.sort_values(["as_of", "lead_id"], kind="stable").reset_index(drop=True)


def training_set(leads: pd.DataFrame, followups: pd.DataFrame, dates: Sequence[pd.Timestamp], window: int,
                  end: pd.Timestamp) -> pd.DataFrame:
    known = known_as_of(leads, end)
    activity = prepare_activity(known, followups.loc[followups["at"] < end + pd.Timedelta(days=1)])
    pairs = panel_pairs(known, [d for d in dates if d <= end])
    feats = pair_features(known, activity, pairs)
    info = known.set_index("lead_id")
    status = info["status"].reindex(feats["lead_id"]).to_numpy(dtype=object)
    closed = info["closed_at"].reindex(feats["lead_id"]).to_numpy().astype("datetime64[ns]")
    horizon = feats["as_of"].to_numpy().astype("datetime64[ns]") + np.timedelta64(window, "D")
    won = (status == "won") & (closed <= horizon)
    label_known = (~np.isnat(closed) & (closed <= horizon)) | (horizon <= np.datetime64(end, "ns"))
    feats = feats.assign(**{LABEL: won, "status": status, "closed_at": closed})
    return feats.loc[label_known].reset_index(drop=True)
