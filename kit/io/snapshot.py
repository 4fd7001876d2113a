"""A validated dealership on disk: the tables as Parquet, the settings file, the warnings and the inputs' hashes.

The runner validates the data folder once, saves a snapshot into its staging folder and hands every notebook the
snapshot's path; :func:`load_snapshot` gives back the same :class:`~kit.io.Dealer` (same tables, dtypes, values,
settings and warnings) without parsing or validating a CSV again. Layout::

    FOLDER/snapshot.json       format, data folder, files, their SHA-256, warnings, table list (written last)
    FOLDER/tables/NAME.parquet one per table
    FOLDER/dealer.yml          a byte copy of the settings file that was validated (absent: kit defaults)
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from kit.exceptions import DataContractError, Problem
from kit.io.files import sha256_file
from kit.io.folder import SETTINGS_FILE, Dealer

SNAPSHOT_FORMAT = 1
MANIFEST = "snapshot.json"


def save_snapshot(dealer: Dealer, folder: str | Path) -> Path:
    """Write ``dealer`` to ``folder`` (created; an earlier snapshot there is replaced); returns the manifest path."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if manifest.exists():
        manifest.unlink()  # an interrupted save must not leave an old manifest over new tables
    tables_dir = folder / "tables"
    if tables_dir.exists():
        shutil.rmtree(tables_dir)
    tables_dir.mkdir(parents=True)
    for name, frame in dealer.tables.items():
        frame.to_parquet(tables_dir / f"{name}.parquet", engine="pyarrow", index=False)
    settings_source = getattr(dealer.settings, "source", None)
    copied = folder / SETTINGS_FILE
    if copied.exists():
        copied.unlink()
    if SETTINGS_FILE in dealer.files:
        shutil.copyfile(dealer.files[SETTINGS_FILE], copied)
    record = {
        "format": SNAPSHOT_FORMAT,
        "data_dir": str(dealer.data_dir),
        "files": {name: str(path) for name, path in dealer.files.items()},
        "hashes": dealer.file_hashes(),
        "settings_source": str(settings_source) if settings_source is not None and SETTINGS_FILE in dealer.files
        else None,
        "tables": sorted(dealer.tables),
        "warnings": [dataclasses.asdict(p) for p in dealer.warnings],
    }
    tmp = folder / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, manifest)
    return manifest


def load_snapshot(folder: str | Path, *, verify: bool = False) -> Dealer:
    """The :class:`Dealer` saved by :func:`save_snapshot`.

    Parameters
    ----------
    folder : the snapshot folder.
    verify : also re-hash the original input files and refuse the snapshot when one changed since it was saved.

    Raises
    ------
    DataContractError
        No snapshot there, an unknown format, a missing table file, or (``verify``) inputs that changed.
    """
    from kit.io.settings_file import read_settings_file
    from kit.settings import default_settings, parse_settings

    folder = Path(folder)
    manifest = folder / MANIFEST
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataContractError(f"{folder}: no validated snapshot ({MANIFEST}) here; run the loader first.",
                                key="snapshot_missing") from None
    except (OSError, ValueError) as exc:
        raise DataContractError(f"{manifest}: cannot be read as a snapshot ({exc}).", key="snapshot_unreadable",
                                fields={"reason": str(exc)}) from None
    if record.get("format") != SNAPSHOT_FORMAT:
        raise DataContractError(f"{manifest}: snapshot format {record.get('format')!r}; this kit reads format "
                                f"{SNAPSHOT_FORMAT}. Validate the data again.", key="snapshot_format",
                                fields={"found": repr(record.get("format")), "format": SNAPSHOT_FORMAT})
    tables = {}
    for name in record["tables"]:
        path = folder / "tables" / f"{name}.parquet"
        try:
            tables[name] = pd.read_parquet(path, engine="pyarrow")
        except (OSError, ValueError) as exc:
            raise DataContractError(f"{path}: cannot be read ({exc}); validate the data again.",
                                    key="snapshot_table_unreadable", fields={"reason": str(exc)}) from None
    hashes = record["hashes"]
    if verify:
        changed = [p for p, h in hashes.items() if not Path(p).is_file() or sha256_file(Path(p)) != h]
        if changed:
            raise DataContractError(f"{folder}: the input files changed since they were validated: "
                                    f"{', '.join(changed)}; validate the data again.", key="snapshot_inputs_changed",
                                    fields={"files": changed})
    source = record.get("settings_source")
    if source is not None:
        settings = parse_settings(read_settings_file(folder / SETTINGS_FILE), source=Path(source))
    else:
        settings = default_settings()
    warnings = [Problem(**{**w, "rows": tuple(w["rows"]), "fields": w.get("fields") or {}}) for w in record["warnings"]]
    return Dealer(data_dir=Path(record["data_dir"]), tables=tables, settings=settings,
                  files={k: Path(v) for k, v in record["files"].items()}, warnings=warnings, hashes=hashes)
