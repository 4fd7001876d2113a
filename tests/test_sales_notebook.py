"""The sales performance notebook end to end on a small folder: headline numbers against values worked out here.

The folder is a small generated dealership plus an order ledger and targets derived from it by
:func:`write_sales_folder` (the same function builds the development folder: see ``docs/methods/sales.md``).
The expected numbers are computed below with plain pandas from the CSV files, not with ``kit.sales``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from kit import config

pytestmark = pytest.mark.slow  # every test here runs reports end to end (make test-fast leaves them out)

TIER_OF = {"Aurora": "premium", "Falcon": "premium", "Nova": "premium", "Breeze": "standard", "Comet": "standard",
           "EV5": "standard", "Dart": "entry", "Glide": "entry"}
SALES_SECTION = """
sales:
  followup_within_days: 3
  consultant_units: orders
  model_tiers: {Aurora: premium, Falcon: premium, Nova: premium, Breeze: standard, Comet: standard, EV5: standard,
                Dart: entry, Glide: entry}
  penetration_targets: {accessories: 0.80, insurance: 0.85, finance: 0.55}
"""


def derive_orders(tables: dict[str, pd.DataFrame], *, seed: int = 7) -> pd.DataFrame:
    """An order ledger consistent with ``leads``, ``sales`` and ``kpi``: won leads, fleet deals, cancelled orders.

    Retail orders are the won leads (ordered at ``closed_at``); fleet deals fill the gap between ``sales.units`` and
    the retail deliveries of each month × store × model; some extra orders are placed and cancelled within one month
    (``sales.orders`` is raised by them, the consultants' net orders are unchanged). Attached income, trade-ins and
    the after-delivery call are drawn with the seed.
    """
    rng = np.random.default_rng(seed)
    leads, sales = tables["leads"], tables["sales"]
    last_day = pd.Timestamp(str(pd.Period(sales["month"].max(), "M").end_time.date()))
    won = leads.loc[leads["status"] == "won"].copy()
    n = len(won)
    delivered = won["delivered_at"].notna().to_numpy()
    premium = won["model_interest"].map(TIER_OF).eq("premium").to_numpy()

    def income(p, low, high, mask=None):
        has = rng.random(n) < p
        if mask is not None:
            has &= mask
        values = np.round(rng.uniform(low, high, n), -1)
        return np.where(has & delivered, values, np.where(delivered, 0.0, np.nan))

    finance_wish = won["finance"].astype(bool).to_numpy()
    trade_wish = won["trade_in"].astype(bool).to_numpy()
    trade = (rng.random(n) < 0.7) & trade_wish & delivered
    call_delay = np.where(rng.random(n) < 0.82, rng.integers(0, 4, n), rng.integers(4, 9, n))
    followup = won["delivered_at"] + pd.to_timedelta(call_delay, unit="D")
    followup = followup.where((rng.random(n) > 0.06) & (followup <= last_day))
    retail = pd.DataFrame({
        "order_id": "O" + won["lead_id"].str[1:], "store_id": won["store_id"], "ordered_at": won["closed_at"],
        "delivered_at": won["delivered_at"], "cancelled_at": pd.NaT, "consultant_id": won["consultant_id"],
        "model": won["model_interest"], "sale_type": "retail", "lead_id": won["lead_id"],
        "gross_profit": won["gross_profit"],
        "accessories_income": income(0.78, 1500, 6000) + np.where(premium & delivered, 1500, 0),
        "insurance_income": income(0.84, 900, 2600),
        "finance_income": np.where(delivered, np.where((rng.random(n) < 0.8) & finance_wish,
                                                        np.round(rng.uniform(1500, 4500, n), -1), 0.0), np.nan),
        "warranty_income": income(0.25, 800, 1600),
        "trade_in": np.where(delivered, trade, None),
        "trade_in_income": np.where(trade, np.round(rng.uniform(800, 3000, n), -1), np.where(delivered, 0.0, np.nan)),
        "followup_at": followup, "customer_name": won["customer_name"], "phone": won["phone"]})
    month_of = won["delivered_at"].dt.strftime("%Y-%m")
    retail_units = won.groupby([month_of, "store_id", "model_interest"]).size()
    retail_gp = won.groupby([month_of, "store_id", "model_interest"])["gross_profit"].sum()
    fleet_rows, cancel_rows = [], []
    for row in sales.itertuples(index=False):
        key = (row.month, row.store_id, row.model)
        n_fleet = int(row.units) - int(retail_units.get(key, 0))
        month = pd.Period(row.month, "M")
        days = pd.date_range(month.start_time, month.end_time.normalize(), freq="D")
        if n_fleet > 0:
            gp_total = float(row.gross_profit) - float(retail_gp.get(key, 0.0))
            shares = np.full(n_fleet, round(gp_total / n_fleet))
            shares[-1] = gp_total - shares[:-1].sum()
            day = days[rng.integers(0, len(days))]
            for i in range(n_fleet):
                fleet_rows.append({"order_id": f"F{row.month.replace('-', '')}{row.store_id}{row.model}{i:02d}",
                                   "store_id": row.store_id, "ordered_at": day, "delivered_at": day,
                                   "consultant_id": None, "model": row.model, "sale_type": "fleet",
                                   "gross_profit": float(shares[i]), "insurance_income": 0.0, "finance_income": 0.0,
                                   "accessories_income": 0.0, "warranty_income": 0.0, "trade_in": False,
                                   "trade_in_income": 0.0, "followup_at": day})
        placed = won.loc[(won["closed_at"].dt.strftime("%Y-%m") == row.month) & (won["store_id"] == row.store_id)
                         & (won["model_interest"] == row.model)]
        for i in range(int(rng.binomial(len(placed), 0.05))):
            src = placed.iloc[int(rng.integers(0, len(placed)))]
            start = int(rng.integers(0, len(days)))
            stop = min(start + int(rng.integers(1, 10)), len(days) - 1)
            cancel_rows.append({"order_id": f"C{row.month.replace('-', '')}{row.store_id}{row.model}{i:02d}",
                                "store_id": row.store_id, "ordered_at": days[start], "delivered_at": pd.NaT,
                                "cancelled_at": days[stop], "consultant_id": src["consultant_id"], "model": row.model,
                                "sale_type": "retail", "gross_profit": src["gross_profit"]})
    orders = pd.concat([retail, pd.DataFrame(fleet_rows), pd.DataFrame(cancel_rows)], ignore_index=True)
    return orders.sort_values(["ordered_at", "order_id"]).reset_index(drop=True)


def derive_targets(tables: dict[str, pd.DataFrame], orders: pd.DataFrame) -> pd.DataFrame:
    """Targets a year on from actuals: 110 % of the same month last year (the first year: of its average month)."""
    sales = tables["sales"]
    delivered = orders.loc[orders["delivered_at"].notna()]
    income = delivered.groupby([delivered["delivered_at"].dt.strftime("%Y-%m"), "store_id"])[
        ["accessories_income", "insurance_income", "finance_income", "warranty_income", "trade_in_income"]].sum()
    income.index.names = ["month", "store_id"]
    store = sales.groupby(["month", "store_id"])[["units", "orders", "gross_profit"]].sum()
    store = store.join(income, how="left").fillna(0.0)
    store.columns = ["deliveries", "orders", "gross_profit", "accessories_income", "insurance_income",
                     "finance_income", "warranty_income", "trade_in_income"]
    model = sales.set_index(["month", "store_id", "model"])["units"]
    rows = []
    months = sorted(sales["month"].unique())
    for month in months:
        before = str(pd.Period(month, "M") - 12)
        for sid in sorted(sales["store_id"].unique()):
            base = store.loc[(before, sid)] if (before, sid) in store.index else \
                store.xs(sid, level="store_id").head(12).mean()
            for metric, value in base.items():
                digits = 0 if metric in ("deliveries", "orders") else -3
                rows.append({"month": month, "store_id": sid, "model": None, "metric": metric,
                             "target": max(float(round(1.1 * value, digits)), 1.0)})
            for mdl in sorted(sales.loc[(sales["month"] == month) & (sales["store_id"] == sid), "model"]):
                prior = model.get((before, sid, mdl))
                if prior is None:
                    prior = model.xs((sid, mdl), level=("store_id", "model")).head(12).mean()
                rows.append({"month": month, "store_id": sid, "model": mdl, "metric": "deliveries",
                             "target": max(float(round(1.1 * prior)), 1.0)})
    return pd.DataFrame(rows)


def write_sales_folder(out: str | Path, *, tables: dict[str, pd.DataFrame] | None = None,
                       source: str | Path | None = None, seed: int = 7) -> Path:
    """A dealership folder with ``orders.csv``, ``targets.csv`` and a ``sales:`` section in ``dealer.yml``.

    ``tables`` (generated frames) or ``source`` (a folder such as ``data_samples``) give the other tables; with
    ``source`` the ``sales.csv`` is rewritten so its orders include the cancelled ones.
    """
    from kit import io

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if tables is None:
        tables = {k: v for k, v in io.load_dealer(source).tables.items() if k not in ("orders", "targets")}
        settings_text = (Path(source) / "dealer.yml").read_text(encoding="utf-8")
    else:
        settings_text = config.DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8")
    orders = derive_orders(tables, seed=seed)
    cancelled = orders.loc[orders["cancelled_at"].notna()]
    extra = cancelled.groupby([cancelled["ordered_at"].dt.strftime("%Y-%m"), "store_id", "model"]).size()
    sales = tables["sales"].copy()
    sales["orders"] = [int(o) + int(extra.get((m, s, md), 0)) for m, s, md, o in
                       zip(sales["month"], sales["store_id"], sales["model"], sales["orders"])]
    tables = dict(tables, sales=sales)
    for name, frame in tables.items():
        if name in ("consultant_traits", "lead_truth"):
            continue
        stamp = "%Y-%m-%d %H:%M" if name == "followups" else "%Y-%m-%d"
        frame.to_csv(out / f"{name}.csv", index=False, date_format=stamp)
    orders.to_csv(out / "orders.csv", index=False, date_format="%Y-%m-%d")
    derive_targets(tables, orders).to_csv(out / "targets.csv", index=False)
    settings = yaml.safe_load(settings_text) | yaml.safe_load(SALES_SECTION)
    (out / "dealer.yml").write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- the notebook test

NOTEBOOK = config.NOTEBOOKS_DIR / "sales_performance.ipynb"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from kit.samples import make_dealership

    tables = make_dealership(seed=3, scale=0.15, start="2025-09", end="2026-10")
    return write_sales_folder(tmp_path_factory.mktemp("sales"), tables=tables)


def _run(folder: Path, out: Path, *, lang: str, run: dict) -> tuple[dict, object]:
    import nbformat
    import papermill as pm

    from kit.runner.execute import without_explore  # as the batch runs it (the what-ifs need JupyterLab)

    out.mkdir(parents=True, exist_ok=True)
    run = {"output_dir": str(out), "glue_file": str(out / "glue.json"), **run}
    pm.execute_notebook(without_explore(NOTEBOOK), str(out / "sales.ipynb"), kernel_name="python3",
                        cwd=str(config.PROJECT_ROOT),
                        parameters={"data_dir": str(folder), "lang": lang, "run": run}, progress_bar=False)
    return json.loads((out / "glue.json").read_text(encoding="utf-8")), nbformat.read(str(out / "sales.ipynb"), 4)


def _ledger(folder: Path) -> pd.DataFrame:
    o = pd.read_csv(folder / "orders.csv", parse_dates=["ordered_at", "delivered_at", "cancelled_at", "followup_at"])
    return o


def _shown_text(nb) -> str:
    """Everything a reader sees: markdown of the report's language and the HTML/text outputs."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(data.get("text/html", "") or data.get("text/plain", ""))
    return "\n".join(parts)


def test_parameters_and_periods_are_declared():
    import nbformat
    import papermill as pm

    assert list(pm.inspect_notebook(str(NOTEBOOK))) == ["month", "lang", "data_dir", "mask_personal_data", "run"]
    nb = nbformat.read(str(NOTEBOOK), 4)
    assert nb.metadata["kit"]["periods"] == ["day", "week", "month"]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert not any("def " in c.source or "class " in c.source for c in nb.cells if c.cell_type == "code")


def test_the_month_headline_matches_the_ledger_and_targets(folder, tmp_path):
    """October 2026 worked out from the CSV files with plain pandas."""
    glue, nb = _run(folder, tmp_path / "month", lang="en", run={})
    o = _ledger(folder)
    oct_ = lambda col: (o[col] >= "2026-10-01") & (o[col] <= "2026-10-31")  # noqa: E731
    delivered = o.loc[oct_("delivered_at")]
    t = pd.read_csv(folder / "targets.csv")
    target = t.loc[(t["month"] == "2026-10") & t["model"].isna() & (t["metric"] == "deliveries"), "target"].sum()
    retail = delivered.loc[delivered["sale_type"] == "retail"]
    due = retail["delivered_at"] + pd.Timedelta(days=3)
    called = retail["followup_at"].notna() & (retail["followup_at"] <= "2026-10-31")
    overdue = int(((~called) & (due < "2026-10-31")).sum())
    assert glue["deliveries_units"]["value"] == len(delivered)
    assert glue["deliveries_target_units"]["value"] == target
    assert glue["deliveries_achievement_rate"]["value"] == pytest.approx(len(delivered) / target)
    assert glue["net_orders_units"]["value"] == int(oct_("ordered_at").sum() - oct_("cancelled_at").sum())
    assert glue["gross_profit_per_unit_cny"]["value"] == pytest.approx(retail["gross_profit"].mean())
    assert glue["followups_overdue"]["value"] == overdue
    assert "time_elapsed_rate" not in glue  # a closed month has no pace
    assert 3 <= len(glue["_advice"]) <= 6
    assert f"{len(delivered)} deliveries" in glue["_advice"][0] and f"{target:.0f} target" in glue["_advice"][0]
    assert (tmp_path / "month" / "sales_performance_2026-10.xlsx").is_file()
    assert "Traceback" not in _shown_text(nb)


def test_a_week_in_chinese_is_scored_on_its_month_to_date(folder, tmp_path):
    """ISO week 2026-W42 (12–18 October): the week's own deliveries, October to date and 18 of 31 days gone."""
    import openpyxl

    glue, nb = _run(folder, tmp_path / "week", lang="zh", run={"period": "week", "date": "2026-10-14"})
    o = _ledger(folder)
    week = o.loc[(o["delivered_at"] >= "2026-10-12") & (o["delivered_at"] <= "2026-10-18")]
    mtd = o.loc[(o["delivered_at"] >= "2026-10-01") & (o["delivered_at"] <= "2026-10-18")]
    assert glue["deliveries_units"]["value"] == len(week)
    assert glue["deliveries_mtd_units"]["value"] == len(mtd)
    assert glue["time_elapsed_rate"]["value"] == pytest.approx(18 / 31)
    t = pd.read_csv(folder / "targets.csv")
    target = t.loc[(t["month"] == "2026-10") & t["model"].isna() & (t["metric"] == "deliveries"), "target"].sum()
    assert glue["needed_per_day_units"]["value"] == pytest.approx(max(target - len(mtd), 0) / 13)
    assert glue["deliveries_units"]["label"] == "交车 2026-W42"
    text = _shown_text(nb)
    shown = re.sub(r"sales_performance_[\w-]+\.xlsx", "", re.sub(r"<style.*?</style>", "", text, flags=re.S))
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", re.sub(r"<[^>]+>", " ", shown)), "a code name reached the report"
    book = openpyxl.load_workbook(tmp_path / "week" / "sales_performance_2026-W42.xlsx", read_only=True)
    assert "本月概览" in book.sheetnames and "门店" in book.sheetnames
    headers = [c.value for c in next(book["门店"].iter_rows(max_row=1))]
    assert headers[:2] == ["门店", "交车台数 (2026-W42)"] and not any("_" in str(h) for h in headers)
