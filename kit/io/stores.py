"""A dealer group's stores: which store each row of each table belongs to, one store's own tables, and loading a
group in which one store's bad rows leave that store out instead of stopping every store.

A row belongs to a store through its own ``store_id`` (leads, staff, sales, stock, traffic, orders, targets), its
lead (followups, grade_log: the lead's store) or its person (kpi: the store on the staff roster). A store's tables
(:func:`for_store`) are exactly the group's rows that belong to it, so a store's report reads the same numbers as
the group's report shows for that store.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kit.exceptions import DataContractError, KitError, Problem
from kit.io.files import sha256_file
from kit.io.folder import SETTINGS_FILE, Dealer, ValidationReport, validate_dir

STORE = "store_id"
#: tables without a store column, and (table, key) of the table whose rows give theirs; tried in order
THROUGH = (("lead_id", "leads", "lead_id"), ("staff_id", "staff", "staff_id"), ("consultant_id", "staff", "staff_id"))


def natural_key(store_id: str) -> tuple:
    """Sort key: ``S2`` before ``S10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(store_id)))


def row_stores(tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """For every table, the store of each row (``<NA>`` where no store can be told), aligned with the table.

    A table with a ``store_id`` column gives its own; otherwise the store of the row's lead (``lead_id`` in leads),
    else of its person (``staff_id``, then ``consultant_id``, in staff). A table with none of these columns belongs
    to no store (all ``<NA>``): it is the group's and every store keeps it whole (see :func:`for_store`).
    """
    own = {name: frame[STORE].astype("string") for name, frame in tables.items() if STORE in frame.columns}
    out: dict[str, pd.Series] = dict(own)
    for name, frame in tables.items():
        if name in out:
            continue
        found = pd.Series(pd.NA, index=frame.index, dtype="string")
        for column, parent, key in THROUGH:
            if column not in frame.columns or parent not in tables or parent not in own:
                continue
            lookup = pd.Series(own[parent].to_numpy(), index=tables[parent][key].astype("string").to_numpy())
            lookup = lookup[~lookup.index.duplicated()]
            mapped = frame[column].astype("string").map(lookup).astype("string")
            found = found.fillna(mapped)
        out[name] = found
    return out


def store_ids(dealer: Dealer) -> list[str]:
    """The stores the data has rows for (any table's ``store_id``), in natural order (``S2`` before ``S10``)."""
    found: set[str] = set()
    for frame in dealer.tables.values():
        if STORE in frame.columns:
            found.update(str(s) for s in frame[STORE].dropna().unique())
    return sorted(found, key=natural_key)


def _store_settings(settings, store_id: str):
    """The settings as one store's report sees them: the store's name after the group's, only its own store."""
    dealer = getattr(settings, "dealer", None)
    if dealer is None:
        return settings
    name = settings.store_name(store_id)
    info = dataclasses.replace(dealer, name=f"{dealer.name} · {name}" if name != dealer.name else dealer.name,
                               stores={store_id: name})
    return dataclasses.replace(settings, dealer=info)


def _take(dealer: Dealer, positions: dict[str, np.ndarray | None], store_id: str) -> Dealer:
    tables = {name: (frame if positions.get(name) is None else frame.iloc[positions[name]].reset_index(drop=True))
              for name, frame in dealer.tables.items()}
    return Dealer(data_dir=dealer.data_dir, tables=tables, settings=_store_settings(dealer.settings, store_id),
                  files=dict(dealer.files), warnings=list(dealer.warnings), hashes=dealer.hashes)


def for_store(dealer: Dealer, store_id: str) -> Dealer:
    """The dealer as one store's report sees it: every table cut to the rows of ``store_id`` (see the module).

    The settings name the report after the group and the store (``dealer.name`` becomes ``"Group · Store"``) and
    know only that store; the input files, their hashes and the loader's warnings are the group's.

    Raises
    ------
    KitError
        ``store_id`` has no rows in any table (the message lists the stores that have).
    """
    store_id = str(store_id)
    stores = row_stores(dealer.tables)
    if not any((s == store_id).any() for s in stores.values()):
        known = store_ids(dealer)
        raise KitError(f"store {store_id!r}: no rows in any table of {dealer.data_dir}; the stores in the data are "
                       f"{', '.join(known[:20]) or 'none'}{' …' if len(known) > 20 else ''}.")
    positions = {name: (None if s.isna().all() else np.flatnonzero((s == store_id).fillna(False).to_numpy()))
                 for name, s in stores.items()}
    return _take(dealer, positions, store_id)


def _positions(stores: pd.Series) -> dict[str, np.ndarray]:
    """``{store: row positions}`` of one table, in row order (rows of no store are in none)."""
    codes, uniques = pd.factorize(stores, use_na_sentinel=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return {str(u): order[bounds[i]:bounds[i + 1]] for i, u in enumerate(uniques)}


def split_stores(dealer: Dealer, wanted: list[str] | None = None):
    """``(store_id, that store's Dealer)`` for each store of the group (or of ``wanted``), one at a time.

    The same result as :func:`for_store` for each, but every table's rows are grouped by store once, so cutting a
    hundred stores costs about as much as cutting one; a generator, so only one store's tables are held at a time.
    """
    groups = {name: (None if s.isna().all() else _positions(s)) for name, s in row_stores(dealer.tables).items()}
    empty = np.zeros(0, dtype=np.int64)
    for store_id in (store_ids(dealer) if wanted is None else [str(w) for w in wanted]):
        positions = {name: (None if g is None else g.get(store_id, empty)) for name, g in groups.items()}
        yield store_id, _take(dealer, positions, store_id)


# --------------------------------------------------------------------------- loading a group


@dataclasses.dataclass
class GroupLoad:
    """A group's validated tables without the stores whose rows broke the data contract, and those stores' problems.

    ``left_out`` maps a store to its errors (each a :class:`~kit.exceptions.Problem` naming file, rows and column);
    ``dealer`` holds every other store's rows and, among its warnings, one line per problem of a left-out store.
    """

    dealer: Dealer
    left_out: dict[str, list[Problem]]


def _problem_stores(problem: Problem, report: ValidationReport, stores: dict[str, pd.Series]) -> set[str] | None:
    """The stores the rows of an error belong to; None when it cannot be told (no rows, or a row of no store)."""
    if not problem.rows:
        return None
    for name, table in report.tables.items():
        if table.path.name != problem.file or name not in stores:
            continue
        numbers = np.asarray(table.row_numbers if table.row_numbers is not None
                             else np.arange(len(table.frame)) + table.header_row + 1)
        positions = pd.Index(numbers).get_indexer(list(problem.rows))
        if (positions < 0).any():
            return None
        found = stores[name].iloc[positions]
        return None if found.isna().any() else set(found.astype(str))
    return None


def load_group(data_dir: str | Path) -> GroupLoad:
    """Load and validate a group's data folder; a store whose own rows break the contract is left out, not fatal.

    Every error is traced to the stores its rows belong to (:func:`row_stores`). When each error belongs to some
    stores, those stores are left out (``left_out``) and the rest is returned valid. An error of the whole file
    (a missing column, an unreadable file, ``dealer.yml``) or of a row whose store cannot be told stops the load,
    as :func:`~kit.io.load_dealer` does.

    Raises
    ------
    DataContractError, ConfigError
        As :func:`~kit.io.load_dealer`, for errors that belong to no single store.
    """
    data_dir = Path(data_dir)
    report = validate_dir(data_dir)
    left_out: dict[str, list[Problem]] = {}
    if report.errors:
        stores = row_stores({name: t.frame for name, t in report.tables.items()})
        traced = [(p, _problem_stores(p, report, stores)) for p in report.errors]
        whole = [p for p, s in traced if s is None]
        if whole or report.settings is None:
            lines = [f"{len(report.errors)} problem(s) in {data_dir}:"] + [f"  - {p}" for p in report.errors]
            raise DataContractError("\n".join(lines), report.errors)
        for problem, where in traced:
            for store in where:
                left_out.setdefault(store, []).append(problem)
        for name, table in report.tables.items():
            keep = ~stores[name].isin(list(left_out)).fillna(False).to_numpy()
            table.frame = table.frame.loc[keep].reset_index(drop=True)
    settings_path = data_dir / SETTINGS_FILE
    files = {**{name: t.path for name, t in report.tables.items()},
             **({SETTINGS_FILE: settings_path} if os.path.lexists(settings_path) else {})}
    notes = [dataclasses.replace(p, severity="warning", expected=f"{p.expected} (store {store} left out of this run)")
             for store, problems in left_out.items() for p in problems]
    dealer = Dealer(data_dir=data_dir, tables={name: t.frame for name, t in report.tables.items()},
                    settings=report.settings, files=files, warnings=[*report.warnings, *notes],
                    hashes={str(p): sha256_file(p) for p in sorted(files.values())})
    return GroupLoad(dealer=dealer, left_out={s: left_out[s] for s in sorted(left_out, key=natural_key)})
