"""What to do after reading the forecast report: three to six sentences with numbers.

:func:`what_to_do` picks, in this order and when the data shows them: the firm month's order total (per store when
there are several), the models over the stock line that get no order, the models that get fewer cars than the
service level needs because of the line, a store that stays over its line after ordering, next month's forecast
against the same month last year, and how far last month's forecast was off. Each item is a catalog key
(``kit/catalog/forecast.yml``) with its fields formatted; the notebook hands them to ``Report.advise``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kit import i18n
from kit.forecast.metrics import king_long_score
from kit.forecast.monthly import Outlook
from kit.forecast.series import ALL_LABEL
from kit.report.format import fmt_int, fmt_number

#: At most this many sentences.
MAX_ITEMS = 6
#: Models over the line named one by one; the rest are counted in one sentence.
NAMED_OVER_LINE = 2
#: Models short of the service level named in their sentence.
NAMED_SHORT = 3


def _same(name: str) -> str:
    return name


def what_to_do(o: Outlook, *, lang: str = "en",
               store_name: Callable[[str], str] | None = None) -> list[tuple[str, dict[str, str]]]:
    """The report's "what to do" sentences as (catalog key, fields) pairs, most important first.

    Parameters
    ----------
    o : Outlook
    lang : str
        Language of the lists' separators.
    store_name : callable, optional
        Store id → the dealer's name for it (``settings.store_name``).
    """
    name = store_name or _same
    items = _order(o, name, lang)
    items += _over_line(o, name, lang)
    items += _service_short(o, name, lang)
    items += _store_over(o, name)
    items += _demand(o)
    items += _last_forecast(o)
    return items[:MAX_ITEMS]


def _join(parts: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(parts)


def _order(o: Outlook, name, lang: str) -> list:
    firm = o.firm
    group = firm[firm["level"] == "group"].iloc[0]
    total = int(group["suggested_order_units"])
    month = o.next_month
    if total == 0:
        return [("forecast.advice.order_none", {"month": month})]
    stores = firm[firm["level"] == "store"].sort_values("store_id")
    if len(stores) < 2:
        return [("forecast.advice.order", {"cars": fmt_int(total), "month": month})]
    per_store = _join([f"{name(s)} {fmt_int(v)}" for s, v in zip(stores["store_id"], stores["suggested_order_units"])],
                      lang)
    return [("forecast.advice.order_stores", {"cars": fmt_int(total), "month": month, "stores": per_store})]


def _models(o: Outlook) -> pd.DataFrame:
    firm = o.firm
    return firm[firm["level"] == "store_model"]


def _over_line(o: Outlook, name, lang: str) -> list:
    rows = _models(o)
    over = rows[rows["gave_way"] == "stock_line"].copy()
    if over.empty:
        return []
    over["depth"] = (over["on_hand_units"] + over["in_transit_units"]) / over["forecast_units"].where(
        over["forecast_units"] > 0)
    over = over.sort_values(["depth", "store_id", "model"], ascending=[False, True, True], na_position="first")
    line = fmt_number(o.settings.warning_stock_months, digits=1)
    items = []
    for _, row in over.head(NAMED_OVER_LINE).iterrows():
        depth = row["depth"]
        fields = {"model": row["model"], "store": name(row["store_id"]), "line": line,
                  "cars": fmt_int(row["on_hand_units"] + row["in_transit_units"])}
        if pd.isna(depth):
            items.append(("forecast.advice.over_line_no_sales", fields))
        else:
            items.append(("forecast.advice.over_line", fields | {"depth": fmt_number(depth, digits=1)}))
    rest = over.iloc[NAMED_OVER_LINE:]
    if len(rest):
        listed = _join([f"{m} ({name(s)})" for s, m in zip(rest["store_id"], rest["model"])], lang)
        items.append(("forecast.advice.over_line_more", {"n": fmt_int(len(rest)), "models": listed, "line": line}))
    return items


def _service_short(o: Outlook, name, lang: str) -> list:
    rows = _models(o)
    short = rows[rows["gave_way"] == "service_level"].copy()
    if short.empty:
        return []
    short["cars_short"] = np.ceil(short["service_stock_units"] - short["position_units"]
                                  - short["suggested_order_units"] - 1e-9).clip(lower=1)
    short = short.sort_values(["cars_short", "store_id", "model"], ascending=[False, True, True])
    listed = _join([f"{m} ({name(s)}, −{fmt_int(c)})" for s, m, c in
                    zip(short["store_id"], short["model"], short["cars_short"])][:NAMED_SHORT], lang)
    key = "forecast.advice.service_short" if len(short) <= NAMED_SHORT else "forecast.advice.service_short_more"
    return [(key, {"n": fmt_int(len(short)), "models": listed,
                   "service": fmt_number(100 * o.settings.service_level, digits=0 if
                                         float(100 * o.settings.service_level).is_integer() else 1),
                   "line": fmt_number(o.settings.warning_stock_months, digits=1),
                   "rest": fmt_int(max(len(short) - NAMED_SHORT, 0))})]


def _store_over(o: Outlook, name) -> list:
    firm = o.firm
    stores = firm[(firm["level"] == "store") & firm["stock_warning_after"].astype(bool)]
    items = []
    for _, row in stores.sort_values("stock_months_after", ascending=False).iterrows():
        depth = row["stock_months_after"]
        items.append(("forecast.advice.store_over", {
            "store": name(row["store_id"]), "line": fmt_number(o.settings.warning_stock_months, digits=1),
            "depth": fmt_number(depth, digits=1) if np.isfinite(depth) else "∞"}))
    return items


def _group_history(o: Outlook) -> pd.Series:
    group = o.series[o.series["unique_id"] == f"{ALL_LABEL}/{ALL_LABEL}"]
    return group.set_index("ds")["y"].sort_index()


def _demand(o: Outlook) -> list:
    fc = o.forecast[o.forecast["unique_id"] == f"{ALL_LABEL}/{ALL_LABEL}"].sort_values("ds")
    first = fc.iloc[0]
    fields = {"month": o.next_month, "forecast": fmt_int(first["yhat"]), "low": fmt_int(first["yhat_lo_80"]),
              "high": fmt_int(first["yhat_hi_80"])}
    history = _group_history(o)
    last_year = first["ds"] - pd.DateOffset(years=1)
    if last_year in history.index and history[last_year] > 0:
        change = first["yhat"] / history[last_year] - 1
        return [("forecast.advice.demand_vs_last_year", fields | {
            "last_year": fmt_int(history[last_year]), "last_month": last_year.strftime("%Y-%m"),
            "change": f"{100 * change:+.0f}%"})]
    return [("forecast.advice.demand", fields)]


def _last_forecast(o: Outlook) -> list:
    ledger = o.ledger
    if ledger is None or ledger.empty:
        return []
    rows = ledger[(ledger["unique_id"] == f"{ALL_LABEL}/{ALL_LABEL}") & (ledger["months_ahead"] == 1)
                  & ledger["actual"].notna()]
    if rows.empty:
        return []
    row = rows.iloc[-1]
    error = float(row["yhat"] - row["actual"])
    pct = 100 * abs(error) / row["actual"] if row["actual"] > 0 else np.nan
    return [("forecast.advice.last_forecast", {
        "month": o.month, "forecast": fmt_int(row["yhat"]), "actual": fmt_int(row["actual"]),
        "error": f"{error:+.0f}", "score": fmt_int(king_long_score(pct)) if np.isfinite(pct) else "–"})]


def sentences(o: Outlook, *, lang: str = "en", store_name: Callable[[str], str] | None = None) -> list[str]:
    """:func:`what_to_do` as sentences in ``lang`` (for a test or a quick look)."""
    return [i18n.t(key, lang, **fields) for key, fields in what_to_do(o, lang=lang, store_name=store_name)]
