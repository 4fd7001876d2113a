"""Tests of the dealer-group generator (``kit.samples.make_group`` / ``write_group``, ``kit samples --stores``).

Small groups generated in the test (three stores over six or twelve months); checks worked from the tables
themselves and the planted store profiles, not snapshots; two of them compare the array simulation with the
per-lead one and recover the planted lead model from a larger group. Multi-store simulations: the whole module is
marked slow (``make test`` runs it, ``make test-fast`` leaves it out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from kit import io, samples
from kit.cli import main
from kit.exceptions import ConfigError
from kit.samples.brands import BRANDS, group_stores
from kit.settings import load_settings

pytestmark = pytest.mark.slow

SEED = 7


@pytest.fixture(scope="module")
def group() -> dict[str, pd.DataFrame]:
    return samples.make_group(3, months=6, seed=SEED, include_truth=True)


@pytest.fixture(scope="module")
def year() -> dict[str, pd.DataFrame]:
    return samples.make_group(3, months=12, seed=SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("group")
    return out, samples.write_group(out, 3, months=6, seed=SEED)


# --------------------------------------------------------------------------- determinism


def test_the_same_seed_writes_the_same_bytes_with_any_number_of_workers(written, tmp_path):
    out, paths = written
    again = samples.write_group(tmp_path, 3, months=6, seed=SEED, workers=2)
    assert {p.relative_to(tmp_path) for p in again.values()} == {p.relative_to(out) for p in paths.values()}
    for path in paths.values():
        assert path.read_bytes() == (tmp_path / path.relative_to(out)).read_bytes(), path.name
    assert not list(tmp_path.rglob("*.partial"))


def test_a_different_seed_gives_a_different_group():
    a = samples.make_group(1, months=3, seed=1)
    b = samples.make_group(1, months=3, seed=2)
    assert not a["leads"].equals(b["leads"])


def test_a_store_is_the_same_whatever_the_size_of_its_group(group):
    two = samples.make_group(2, months=6, seed=SEED)
    for name in ("leads", "followups", "staff", "orders", "kpi"):
        pd.testing.assert_frame_equal(two[name], group[name].iloc[: len(two[name])].reset_index(drop=True))
        assert set(group[name].iloc[len(two[name]):].get("store_id", pd.Series(["S003"]))) <= {"S003"}


# --------------------------------------------------------------------------- the contract and the ids


def test_a_written_group_is_valid_against_the_contract_and_names_every_store(written):
    out, paths = written
    report = io.validate_dir(out)
    assert report.errors == []
    assert set(report.tables) == {"staff", "leads", "followups", "traffic", "kpi", "sales", "stock", "grade_log",
                                  "orders", "targets"}
    settings = load_settings(out / "dealer.yml")
    assert list(settings.dealer.stores) == ["S001", "S002", "S003"]
    truth = pd.read_csv(paths["stores"])
    for sid, name in settings.dealer.stores.items():
        row = truth.set_index("store_id").loc[sid]
        assert row["brand"] in name and row["city"] in name   # e.g. "朗明成都一店 Lumen Chengdu 1"
    assert "kit samples --stores 3 --months 6 --seed 7" in (out / "README.md").read_text(encoding="utf-8")



def test_every_store_has_every_metric_its_months_stage_weights(written):
    """The group's dealer.yml weights new-model sales in its growth stage; every brand's newest model is counted each
    month it is on sale, so the month a group runs for scores every store (a brand that launched more than a year
    before it once had no new-model rows there, and 4 of 10 stores' KPI reports failed)."""
    from kit.kpi.weights import profile_for

    out, _ = written
    settings = load_settings(out / "dealer.yml")
    kpi = pd.read_csv(out / "kpi.csv", dtype=str)
    last = kpi["month"].max()
    weighted = set(profile_for(last, settings.kpi).weights.index)
    assert "new_model_units" in weighted
    kpi["store_id"] = "S" + kpi["staff_id"].str[1:4]
    for store, rows in kpi[kpi["month"] == last].groupby("store_id"):
        assert weighted <= set(rows["metric"]), (store, weighted - set(rows["metric"]))

def test_store_ids_agree_across_every_table(group):
    stores = {"S001", "S002", "S003"}
    for name in ("staff", "leads", "traffic", "sales", "stock", "orders", "targets"):
        assert set(group[name]["store_id"]) == stores, name
    staff = group["staff"].set_index("staff_id")
    assert staff.index.is_unique
    assert (staff.index.str[1:4] == staff["store_id"].str[1:]).all()   # E001… belongs to S001
    leads = group["leads"]
    assert leads["lead_id"].is_unique and (leads["lead_id"].str[1:4] == leads["store_id"].str[1:]).all()
    assert (staff.loc[leads["consultant_id"], "store_id"].to_numpy() == leads["store_id"].to_numpy()).all()
    assert set(group["followups"]["lead_id"]) <= set(leads["lead_id"])
    assert set(group["grade_log"]["lead_id"]) <= set(leads["lead_id"])
    assert set(group["kpi"]["staff_id"]) <= set(staff.index)
    orders = group["orders"]
    assert orders["order_id"].is_unique
    lead_store = leads.set_index("lead_id")["store_id"]
    with_lead = orders[orders["lead_id"].notna()]
    assert (lead_store.loc[with_lead["lead_id"]].to_numpy() == with_lead["store_id"].to_numpy()).all()
    managers = staff.loc[staff["manager_id"].dropna().index]
    assert (staff.loc[managers["manager_id"], "store_id"].to_numpy() == managers["store_id"].to_numpy()).all()


def test_the_ledger_sums_to_sales_and_to_the_consultants_units(group):
    orders, sales, kpi = group["orders"], group["sales"], group["kpi"]
    keys = ["month", "store_id", "model"]
    delivered = orders[orders["delivered_at"].notna()]
    units = delivered.groupby([delivered["delivered_at"].dt.strftime("%Y-%m"), "store_id", "model"]).size()
    signed = orders.groupby([orders["ordered_at"].dt.strftime("%Y-%m"), "store_id", "model"]).size()
    table = sales.set_index(keys)
    assert (table["units"] == units.reindex(table.index, fill_value=0)).all()
    assert (table["orders"] == signed.reindex(table.index, fill_value=0)).all()
    assert units[units.index.get_level_values(0) >= "2026-05"].sum() == table["units"].sum()
    retail = orders[(orders["sale_type"] == "retail") & (orders["ordered_at"] >= "2026-05-01")]
    mine = retail.groupby([retail["consultant_id"], retail["ordered_at"].dt.strftime("%Y-%m")]).size()
    sold = kpi[kpi["metric"] == "units_sold"].set_index(["staff_id", "month"])["actual"]
    assert (sold == mine.reindex(sold.index, fill_value=0)).all()


def test_contacts_follow_the_lead_rules_in_the_array_simulation(group):
    """The invariants the per-lead simulation keeps (see test_samples), here for the array simulation."""
    leads, followups, staff = group["leads"], group["followups"], group["staff"]
    contacts = followups.merge(leads, on="lead_id", suffixes=("", "_lead"))
    per_lead = leads.set_index("lead_id")
    visits = contacts[contacts["kind"] == "visit"].groupby("lead_id").size()
    assert (visits.reindex(per_lead.index, fill_value=0) == per_lead["visits"]).all()
    drove = contacts.loc[(contacts["kind"] == "visit") & (contacts["outcome"] == "test_drive"), "lead_id"]
    assert set(drove) == set(per_lead.index[per_lead["test_drive"]])
    assert set(contacts.loc[contacts["outcome"] == "quoted", "lead_id"]) == set(per_lead.index[per_lead["quoted"]])
    first = contacts.sort_values("at").groupby("lead_id").first()
    walk_ins = first[first["channel"] == "walk_in"]
    assert (walk_ins["kind"] == "visit").all() and (walk_ins["at"].dt.normalize() == walk_ins["created_at"]).all()
    day = contacts["at"].dt.normalize()
    assert (day >= contacts["created_at"]).all()
    assert (contacts["closed_at"].isna() | (day <= contacts["closed_at"])).all()
    last = contacts.sort_values("at").groupby("lead_id").last()
    won = last[last["status"] == "won"]
    assert (won["outcome"] == "ordered").all() and (won["at"].dt.normalize() == won["closed_at"]).all()
    leave = contacts["consultant_id"].map(staff.set_index("staff_id")["leave_date"])
    assert (leave.isna() | (day <= leave)).all()
    hour = contacts["at"].dt.hour + contacts["at"].dt.minute / 60
    assert hour.between(7, 23.5).all()
    visit_hour = hour[contacts["kind"] == "visit"]
    assert visit_hour.between(9.5, 19.6).mean() > 0.99
    assert (contacts.groupby("lead_id")["at"].apply(lambda s: s.is_monotonic_increasing and s.is_unique)).all()
    # status fields as in the per-lead simulation
    closed = leads["status"].isin(["won", "lost"])
    assert (closed == leads["closed_at"].notna()).all()
    assert ((leads["status"] == "won") == leads["gross_profit"].notna()).all()
    assert ((leads["status"] == "lost") == leads["lost_reason"].notna()).all()
    lag = (leads["delivered_at"] - leads["closed_at"]).dt.days.dropna()
    assert lag.between(1, 40).all()


# --------------------------------------------------------------------------- brands, sizes and seasons


def test_the_first_stores_cover_different_brands_with_their_own_line_ups(group):
    truth = group["stores"].set_index("store_id")
    assert truth["brand"].nunique() == 3
    line_up = {b.brand.name: {m.name for m in b.brand.models} for b in BRANDS}
    for sid, models in group["sales"].groupby("store_id")["model"]:
        assert set(models) <= line_up[truth.loc[sid, "brand"]], sid
    assert len({frozenset(m) for m in group["sales"].groupby("store_id")["model"].apply(set)}) == 3
    # a premium brand earns more per car than a mass brand (gross profit and attached income)
    per_car = group["orders"].assign(brand=group["orders"]["store_id"].map(truth["brand"]))
    income = per_car[["gross_profit", *samples.INCOME_COLUMNS]].sum(axis=1).groupby(per_car["brand"]).mean()
    premium = {b.brand.name: b.brand.price_factor for b in BRANDS}
    assert income.sort_values().index[-1] == max(income.index, key=premium.get)


def test_store_sizes_differ_and_drive_leads_and_staff(year):
    truth = year["stores"].set_index("store_id")
    assert truth["consultant_posts"].nunique() >= 2
    months = year["leads"][year["leads"]["created_at"] >= "2025-11-01"]
    per_month = months.groupby("store_id").size() / 12
    ratio = per_month / truth["leads_per_month"]
    assert ratio.between(0.75, 1.35).all(), ratio   # the store's planted volume, give or take season and trend
    consultants = year["staff"][year["staff"]["role"] == "sales_consultant"].groupby("store_id").size()
    assert consultants.corr(truth["consultant_posts"]) > 0.8


def test_each_store_follows_its_own_planted_season(year):
    truth = year["stores"].set_index("store_id")
    leads = year["leads"][year["leads"]["created_at"] >= "2025-11-01"]
    counts = leads.groupby(["store_id", leads["created_at"].dt.to_period("M")]).size()
    stores = group_stores(3, SEED)
    shapes = {}
    for store in stores:
        sid = store.profile.store_id
        months = counts[sid].index
        planted = np.array([store.profile.season[p.month - 1]
                            * (store.profile.festival_factor if str(p) == "2026-02" else 1.0)
                            * (store.profile.pre_festival_factor if str(p) == "2026-01" else 1.0)
                            for p in months])
        observed = counts[sid].to_numpy() / counts[sid].mean()
        assert np.corrcoef(planted, observed)[0, 1] > 0.7, sid
        shapes[sid] = observed
        assert truth.loc[sid, "season_amplitude"] == round(store.season_amplitude, 4)
    # the seasons differ between stores: different amplitudes and festival dips
    assert truth["season_amplitude"].max() - truth["season_amplitude"].min() > 0.1
    assert truth["festival_factor"].nunique() == 3


def test_the_parquet_copy_holds_the_same_rows_partitioned_by_store(tmp_path, written):
    pytest.importorskip("pyarrow", reason="Parquet output needs pyarrow")
    out, _ = written
    paths = samples.write_group(tmp_path, 3, months=6, seed=SEED, parquet=True, truth=False)
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == sorted(
        ["staff", "leads", "followups", "traffic", "kpi", "sales", "stock", "grade_log", "orders", "targets"])
    for name in ("leads", "orders", "followups"):
        frame = pd.read_parquet(paths["parquet"] / name)
        csv = pd.read_csv(out / f"{name}.csv", dtype=str)
        assert len(frame) == len(csv), name
        assert set(frame["store_id"].astype(str)) == {"S001", "S002", "S003"}
    leads = pd.read_parquet(paths["parquet"] / "leads")
    assert pd.api.types.is_datetime64_any_dtype(leads["created_at"])
    assert sorted(leads["lead_id"]) == sorted(pd.read_csv(out / "leads.csv", dtype=str)["lead_id"])


# --------------------------------------------------------------------------- arguments and the command


@pytest.mark.parametrize("kwargs, word", [
    ({"n_stores": 0}, "stores"),
    ({"n_stores": 2, "months": 2}, "months"),
    ({"n_stores": 2, "seed": -1}, "seed"),
    ({"n_stores": 2, "end": "2026/10"}, "end"),
])
def test_bad_arguments_raise_config_error_naming_the_argument(kwargs, word):
    with pytest.raises(ConfigError, match=word):
        samples.make_group(**kwargs)


def test_the_command_writes_a_group_and_refuses_group_options_without_stores(tmp_path, capsys):
    assert main(["samples", "--stores", "2", "--months", "3", "--seed", "3", "--out", str(tmp_path / "g"),
                 "--no-truth"]) == 0
    assert (tmp_path / "g" / "orders.csv").exists() and not (tmp_path / "g" / "truth" / "lead_truth.csv").exists()
    assert io.validate_dir(tmp_path / "g").errors == []
    assert main(["samples", "--months", "6", "--out", str(tmp_path / "s")]) == 2
    assert "--stores" in capsys.readouterr().err
    assert main(["samples", "--stores", "0", "--out", str(tmp_path / "z")]) == 2
    assert "stores" in capsys.readouterr().err


# --------------------------------------------------------------------------- slow: the array simulation at scale


def test_the_array_simulation_behaves_like_the_per_lead_simulation():
    from kit.samples.dealership import _tables
    from kit.samples.fast import _FastSimulation
    from kit.samples.simulation import _Simulation

    out = {}
    for cls in (_Simulation, _FastSimulation):
        sim = cls(seed=SEED, start="2024-11", end="2026-10", n_stores=2, scale=1.0)
        sim.run()
        sim.finish()
        out[cls] = _tables(sim, include_truth=False)
    slow, fast = out[_Simulation], out[_FastSimulation]

    def summary(tables):
        leads, followups = tables["leads"], tables["followups"]
        decided = leads[leads["created_at"] < "2026-07-01"]
        return {"conversion": (decided["status"] == "won").mean(), "visits": leads["visits"].mean(),
                "test_drive": leads["test_drive"].mean(), "contacts": len(followups) / len(leads),
                "units": tables["kpi"].query("metric == 'units_sold'")["actual"].mean()}

    a, b = summary(slow), summary(fast)
    for key in a:
        assert b[key] == pytest.approx(a[key], rel=0.12), key


def test_a_logistic_model_recovers_the_planted_lead_signals_from_a_group():
    tables = samples.make_group(6, months=18, seed=SEED, include_truth=True)
    leads = tables["leads"].merge(tables["lead_truth"], on="lead_id")
    data = leads[(leads["status"] != "open") & ~leads["orphaned"]]
    x = pd.DataFrame(index=data.index)
    for channel in ("walk_in", "phone", "referral", "event"):
        x[f"channel_{channel}"] = (data["channel"] == channel).astype(float)
    x["visits"] = data["visits"].clip(upper=4)
    for col in ("test_drive", "quoted", "trade_in", "finance"):
        x[col] = data[col].astype(float)
    x["prompt_followup"] = data["prompt_followup"].astype(float)
    x["long_gap"] = data["long_gap"].astype(float)
    brands = pd.get_dummies(data["store_id"].map(tables["stores"].set_index("store_id")["brand"]), drop_first=True)
    model = LogisticRegression(C=1e6, max_iter=5000).fit(pd.concat([x, brands.astype(float)], axis=1),
                                                         data["status"] == "won")
    fitted = dict(zip(x.columns, model.coef_[0]))
    for name, value in fitted.items():
        assert abs(value - samples.LEAD_SIGNALS[name]) < 0.35, (name, value)
