"""A dealer group's stores: every table cut to one store's rows (ids consistent across tables), the cut done for all
stores at once, and loading a group whose one bad store is left out instead of stopping the others."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kit import io
from kit.exceptions import DataContractError, KitError
from kit.samples import write_group
from kit.settings import parse_settings

STORES = ["S001", "S002", "S003"]


@pytest.fixture(scope="module")
def group_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("group3")
    write_group(out, 3, months=6, seed=7, truth=False)
    return out


@pytest.fixture(scope="module")
def group(group_dir) -> io.Dealer:
    return io.load_dealer(group_dir)


def test_every_table_of_a_store_holds_only_that_stores_rows_and_its_ids_agree(group):
    for store in STORES:
        own = group.for_store(store)
        t = own.tables
        for name in ("leads", "staff", "sales", "stock", "traffic", "orders", "targets"):
            assert len(t[name]) > 0, name
            assert set(t[name]["store_id"].astype(str)) == {store}, name
        leads = set(t["leads"]["lead_id"].astype(str))
        staff = set(t["staff"]["staff_id"].astype(str))
        assert set(t["followups"]["lead_id"].astype(str)) <= leads
        assert set(t["grade_log"]["lead_id"].astype(str)) <= leads
        assert set(t["kpi"]["staff_id"].astype(str)) <= staff
        assert set(t["orders"]["lead_id"].dropna().astype(str)) <= leads
        # nothing of the store is lost: its followups are all the group's followups of its leads
        expected = group.followups[group.followups["lead_id"].astype(str).isin(leads)]
        assert len(t["followups"]) == len(expected)
        assert own.settings.dealer.stores == {store: group.settings.store_name(store)}
        assert own.settings.dealer.name == f"{group.settings.dealer.name} · {group.settings.store_name(store)}"


def test_the_stores_partition_every_table_and_splitting_all_at_once_equals_one_at_a_time(group):
    assert io.store_ids(group) == STORES
    split = dict(io.split_stores(group))
    assert list(split) == STORES
    for name, frame in group.tables.items():
        assert sum(len(split[s].tables[name]) for s in STORES) == len(frame), name
    for store in STORES:
        one = group.for_store(store)
        for name in group.tables:
            pd.testing.assert_frame_equal(split[store].tables[name], one.tables[name])


def test_a_store_with_no_rows_is_refused_naming_the_stores_there_are(group):
    with pytest.raises(KitError, match=r"store 'S009': no rows .* S001, S002, S003"):
        group.for_store("S009")


def test_rows_without_their_own_store_follow_their_lead_else_their_person_and_a_storeless_table_stays_whole():
    tables = {
        "leads": pd.DataFrame({"lead_id": ["L1", "L2"], "store_id": ["A", "B"]}),
        "staff": pd.DataFrame({"staff_id": ["E1", "E2"], "store_id": ["A", "B"]}),
        # F3's lead is unknown: its consultant's store decides; F4 has neither
        "followups": pd.DataFrame({"lead_id": ["L1", "L2", "LX", "LY"], "consultant_id": ["E2", "E1", "E2", "EZ"]}),
        "kpi": pd.DataFrame({"staff_id": ["E1", "E2", "E1"], "metric": ["m", "m", "n"]}),
        "holidays": pd.DataFrame({"date": ["2026-10-01"]}),
    }
    stores = io.row_stores(tables)
    assert stores["followups"].tolist()[:3] == ["A", "B", "B"] and pd.isna(stores["followups"].iloc[3])
    assert stores["kpi"].tolist() == ["A", "B", "A"]
    assert stores["holidays"].isna().all()
    dealer = io.Dealer(data_dir=Path("."), tables=tables, settings=parse_settings({"dealer": {"name": "G"}}),
                       files={}, warnings=[])
    a = dealer.for_store("A")
    assert a.followups["lead_id"].tolist() == ["L1"] and a.kpi["metric"].tolist() == ["m", "n"]
    assert len(a.holidays) == 1  # the group's own table: every store keeps it whole
    assert a.settings.dealer.name == "G · A"


def _corrupt(path: Path, store: str, column: str, value: str) -> int:
    """Replace ``column`` in the first row of ``store`` in a CSV; returns that row's number as Excel shows it."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = int(np.flatnonzero(frame["store_id"] == store)[0])
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)
    return row + 2


def test_a_store_whose_rows_break_the_contract_is_left_out_and_the_others_load(group_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in group_dir.iterdir():
        if f.is_file():
            (data / f.name).write_bytes(f.read_bytes())
    row = _corrupt(data / "leads.csv", "S002", "created_at", "31/31/2026")
    loaded = io.load_group(data)
    assert list(loaded.left_out) == ["S002"]
    problem = loaded.left_out["S002"][0]
    assert problem.file == "leads.csv" and problem.column == "created_at" and row in problem.rows
    assert io.store_ids(loaded.dealer) == ["S001", "S003"]
    for name, frame in loaded.dealer.tables.items():
        assert "S002" not in set(io.row_stores(loaded.dealer.tables)[name].dropna()), name
    assert any("store S002 left out" in p.expected for p in loaded.dealer.warnings)
    # the stores that were valid are exactly as a clean load gives them
    clean = io.load_dealer(group_dir).for_store("S001")
    pd.testing.assert_frame_equal(loaded.dealer.for_store("S001").leads, clean.leads)


def test_an_error_of_the_whole_file_or_of_a_row_of_no_store_stops_the_load(group_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in group_dir.iterdir():
        if f.is_file():
            (data / f.name).write_bytes(f.read_bytes())
    _corrupt(data / "leads.csv", "S001", "store_id", "")  # the row's store itself is unknown
    with pytest.raises(DataContractError, match=r"leads\.csv"):
        io.load_group(data)
    text = (data / "sales.csv").read_text(encoding="utf-8")
    (data / "sales.csv").write_text(re.sub(r"^month,", "monat,", text), encoding="utf-8")
    with pytest.raises(DataContractError, match=r"sales\.csv.*month"):
        io.load_group(data)
