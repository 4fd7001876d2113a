"""Tables too large for one machine: partitioned Parquet read lazily with dask.dataframe, each partition validated.

Layout (what ``kit samples --stores N --parquet`` writes, and the usual hive layout of a data lake)::

    FOLDER/TABLE/store_id=S001/part-0.parquet
    FOLDER/TABLE/store_id=S001/part-1.parquet     # a large store may have several files
    FOLDER/TABLE/store_id=S002/part-0.parquet

:func:`load_partitioned` gives a ``dask.dataframe.DataFrame`` with one partition per file. Each partition is typed and
checked by the same contract as a CSV export (:mod:`kit.io.tables`: headers and aliases, types, required values,
allowed codes, the table's own row rules) when it is computed, on whichever worker computes it; a problem raises
:class:`~kit.exceptions.DataContractError` naming the file, its rows (1 = the file's first row), the column, what was
expected and what was found. The ``store_id`` of the folder name becomes the column when the contract has one.

Limits: only what one partition can show is checked. The folder checks of :func:`kit.io.load_dealer` that join
tables (every lead's consultant in staff, follow-ups after their lead) and the plausibility warnings need whole
tables and are not run; ``dealer.yml`` is not read. A partition must fit in one worker's memory (split a large
store into several files). Needs the ``dask`` extra (``dask[dataframe]``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from kit import schemas
from kit.exceptions import DataContractError
from kit.io.tables import _map_headers, _type_and_validate, with_python_text

PARTITION = "store_id"


def partitioned_tables(folder: str | Path) -> list[str]:
    """The contract's tables that have a partitioned folder in ``folder``."""
    folder = Path(folder)
    return [name for name in schemas.TABLES if any((folder / name).glob(f"{PARTITION}=*/*.parquet"))]


def partition_files(folder: str | Path, table: str, stores: Iterable[str] | None = None) -> list[tuple[str, Path]]:
    """``(store_id, file)`` of every partition of ``table``, by store then file name; ``stores`` keeps only those."""
    wanted = None if stores is None else {str(s) for s in stores}
    found = []
    for part in sorted(Path(folder, table).glob(f"{PARTITION}=*")):
        store = part.name.split("=", 1)[1]
        if part.is_dir() and (wanted is None or store in wanted):
            found += [(store, f) for f in sorted(part.glob("*.parquet"))]
    return found


def read_partition(path: str | Path, table: str, store: str, *, root: str | Path | None = None) -> pd.DataFrame:
    """One partition file read and validated as the table ``table`` of store ``store``.

    Raises
    ------
    DataContractError : the file cannot be read, or breaks the contract (naming the file, rows and column).
    """
    path = Path(path)
    shown = path.relative_to(root) if root is not None and path.is_relative_to(root) else path
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except (OSError, ValueError) as exc:
        raise DataContractError(f"{shown}: cannot be read as Parquet ({exc}).") from None
    return _validate(frame, table, store, shown)


def _validate(frame: pd.DataFrame, table: str, store: str, shown: Path) -> pd.DataFrame:
    spec = schemas.TABLES[table]
    if PARTITION in {c.name for c in spec.columns} and PARTITION not in frame.columns:
        frame = frame.assign(**{PARTITION: store})
    headers = [str(c) for c in frame.columns]
    names, problems = _map_headers(headers, spec, str(shown))
    raw = frame.reset_index(drop=True)
    raw.columns = range(raw.shape[1])
    keep = [i for i, n in enumerate(names) if n is not None]
    raw = raw[keep]
    raw.columns = [names[i] for i in keep]
    try:  # header row 0: a problem's row number is the row's position in the file, counted from 1
        typed = _type_and_validate(raw, spec, Path(shown.name), 0, strict=True, header_problems=problems,
                                   raw_headers=headers)
    except DataContractError as exc:
        raise DataContractError(f"{shown} (store {store}): {exc}", exc.problems) from None
    return with_python_text(typed).frame


def load_partitioned(folder: str | Path, table: str, *, stores: Iterable[str] | None = None):
    """``table`` from the partitioned Parquet folder as a lazy ``dask.dataframe.DataFrame`` (see the module).

    Parameters
    ----------
    folder : the folder holding ``TABLE/store_id=…/*.parquet``.
    table : a table of the data contract (``"leads"``, ``"sales"`` …).
    stores : read only these stores' partitions (default: all).

    Raises
    ------
    DataContractError : an unknown table, or no partition of it in ``folder`` (at once); a partition that breaks the
        contract (when it is computed).
    """
    import dask.dataframe as dd

    if table not in schemas.TABLES:
        raise DataContractError(f"{folder}: unknown table {table!r}; the data contract has "
                                f"{', '.join(schemas.TABLES)}.")
    parts = partition_files(folder, table, stores)
    if not parts:
        raise DataContractError(f"{folder}: no partitioned table '{table}' (expected {table}/{PARTITION}=…/*.parquet"
                                f"{' for stores ' + ', '.join(map(str, stores)) if stores is not None else ''}).")
    import pyarrow.parquet as pq

    first_store, first = parts[0]
    empty = pq.read_schema(first).empty_table().to_pandas()
    meta = _validate(empty, table, first_store, Path(first.name))
    root = Path(folder)
    return dd.from_map(_read_one, parts, table=table, root=root, meta=meta, enforce_metadata=False,
                       label=f"kit-{table}")


def _read_one(part: tuple[str, Path], table: str, root: Path) -> pd.DataFrame:
    store, path = part
    return read_partition(path, table, store, root=root)
