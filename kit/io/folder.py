"""A dealership's data folder: every table and ``dealer.yml``, checked in one pass (``kit validate``), loaded into a
:class:`Dealer`.

Besides each table's own rules this checks what spans files: ids that must exist in another table, KPI profiles
that name metrics the kpi table lacks, required tables with no rows, and the plausibility warnings of
:mod:`kit.io.plausibility`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kit import schemas
from kit.exceptions import ConfigError, DataContractError, Problem
from kit.io import plausibility
from kit.io.files import find_table_file, sha256_file
from kit.io.parsing import arrow_text
from kit.io.settings_file import read_settings_file
from kit.io.tables import Table, read_table, read_table_arrow, with_python_text

SETTINGS_FILE = "dealer.yml"


@dataclass
class Dealer:
    """Everything a monthly run reads: the tables, the settings and the input files with their hashes."""

    data_dir: Path
    tables: dict[str, pd.DataFrame]
    settings: object
    files: dict[str, Path]
    warnings: list[Problem]
    #: the input files' SHA-256 when they were validated (load_dealer and snapshots record them); None: hash now
    hashes: dict[str, str] | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def file_hashes(self) -> dict[str, str]:
        """SHA-256 of each input file, by path."""
        if self.hashes is not None:
            return dict(self.hashes)
        return {str(p): sha256_file(p) for p in sorted(self.files.values())}

    def for_store(self, store_id: str) -> "Dealer":
        """This dealer cut to one store's rows (:func:`kit.io.stores.for_store`)."""
        from kit.io.stores import for_store

        return for_store(self, store_id)


@dataclass
class ValidationReport:
    """Everything ``kit validate`` found in a folder, in one pass."""

    data_dir: Path
    problems: list[Problem]
    tables: dict[str, Table]
    settings: object = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"severity": p.severity, "file": p.file, "rows": ", ".join(map(str, p.rows[:Problem.MAX_ROWS_LISTED]))
              + (" …" if len(p.rows) > Problem.MAX_ROWS_LISTED else ""), "n_rows": len(p.rows), "column": p.column,
              "expected": p.expected, "found": p.found} for p in self.problems],
            columns=["severity", "file", "rows", "n_rows", "column", "expected", "found"])


# --------------------------------------------------------------------------- checks across tables


def _unknown_ids(child: Table, column: str, parent: Table, parent_column: str, expected: str, *,
                 severity: str = "error", skip: pd.Series | None = None) -> list[Problem]:
    """Rows of ``child`` whose ``column`` value is not among ``parent[parent_column]`` (one problem, or none)."""
    import pyarrow.compute as pc

    values = child.frame[column]
    known = pc.is_in(arrow_text(values), value_set=arrow_text(parent.frame[parent_column].dropna()))
    unknown = ~pc.fill_null(known, False).to_numpy(zero_copy_only=False)
    if skip is not None:
        unknown &= ~skip.to_numpy(dtype=bool)
    if not unknown.any():
        return []
    found = ", ".join(repr(v) for v in values[unknown].unique()[:3])
    return [Problem(child.path.name, column, f"{expected} {parent.path.name}", found,
                    child.excel_rows(np.flatnonzero(unknown)), severity=severity, key="id_unknown",
                    fields={"parent_file": parent.path.name, "parent_column": parent_column,
                            "parent_column_table": parent.name, "found": found})]


def _followups_before_their_lead(followups: Table, leads: Table) -> list[Problem]:
    created = followups.frame["lead_id"].map(leads.frame.drop_duplicates("lead_id").set_index("lead_id")["created_at"])
    before = (followups.frame["at"].dt.normalize() < created).to_numpy(dtype=bool, na_value=False)
    if not before.any():
        return []
    first = np.flatnonzero(before)[:2]
    shown = "; ".join(f"{followups.frame['lead_id'].iat[i]} at {followups.frame['at'].iat[i]:%Y-%m-%d} before "
                      f"created_at {created.iat[i]:%Y-%m-%d}" for i in first)
    i = first[0]
    return [Problem(followups.path.name, "at", f"a follow-up on or after its lead's created_at in "
                    f"{leads.path.name} (kept and counted as they are)", shown,
                    followups.excel_rows(np.flatnonzero(before)), severity="warning", key="followup_before_lead",
                    fields={"leads_file": leads.path.name, "lead": str(followups.frame["lead_id"].iat[i]),
                            "at": f"{followups.frame['at'].iat[i]:%Y-%m-%d}",
                            "created": f"{created.iat[i]:%Y-%m-%d}", "n": int(before.sum())})]


def _cross_checks(tables: dict[str, Table]) -> list[Problem]:
    problems: list[Problem] = []
    leads, staff, followups, kpi, grade_log = (tables.get(n) for n in
                                               ("leads", "staff", "followups", "kpi", "grade_log"))
    if leads is not None:
        for child in (followups, grade_log):
            if child is not None:
                problems += _unknown_ids(child, "lead_id", leads, "lead_id", "a lead_id that exists in")
        if followups is not None:
            problems += _followups_before_their_lead(followups, leads)
    if leads is not None and staff is not None:
        no_consultant = leads.frame["consultant_id"].isna()
        if no_consultant.any():
            problems.append(Problem(leads.path.name, "consultant_id", "a consultant for every lead (unassigned leads "
                                    "are listed as 'unassigned' on the call list)", "empty",
                                    leads.excel_rows(np.flatnonzero(no_consultant)), severity="warning",
                                    key="lead_no_consultant"))
        problems += _unknown_ids(leads, "consultant_id", staff, "staff_id", "a staff_id listed in",
                                 severity="warning", skip=no_consultant)
    if kpi is not None and staff is not None:
        problems += _unknown_ids(kpi, "staff_id", staff, "staff_id", "a staff_id listed in", severity="warning")
    return problems


def _kpi_settings_problems(settings, kpi: Table | None, label: str, written: set[str]) -> list[Problem]:
    """Profiles, gates and the profit metric of ``settings.kpi`` that name metrics the kpi table does not have.

    An error when dealer.yml sets them (``written`` holds the kpi keys it sets), a warning for the kit's defaults:
    only the KPI report needs them, and it says so when it runs.
    """
    kpi_settings = getattr(settings, "kpi", None)
    if kpi is None or kpi_settings is None:
        return []
    have = set(kpi.frame["metric"].dropna().astype(str))
    named: list[tuple[str, str, list[str]]] = []  # (setting path, what names them, metrics)
    for name, weights in (getattr(kpi_settings, "profiles", None) or {}).items():
        named.append((f"kpi.profiles.{name}", "profile", [str(m) for m in weights]))
    for i, gate in enumerate(getattr(kpi_settings, "gates", None) or ()):
        named.append((f"kpi.gates[{i}] ({getattr(gate, 'name', i)})", "gate",
                      [str(m) for m in getattr(gate, "metrics", ())]))
    bonus = getattr(kpi_settings, "bonus", None)
    if bonus is not None and getattr(bonus, "profit_commission_rate", 0) and getattr(bonus, "profit_metric", None):
        named.append(("kpi.bonus.profit_metric", "bonus", [str(bonus.profit_metric)]))
    problems, defaults, absent = [], [], []
    shown = sorted(have)[:12]
    for where, what, metrics in named:
        missing = [m for m in metrics if m not in have]
        if not missing:
            continue
        if where.split(".")[1].split("[")[0] not in written:
            defaults.append(f"{where}: {', '.join(missing)}")
            absent += [m for m in missing if m not in absent]
            continue
        problems.append(Problem(label, where, f"metrics that {kpi.path.name} has ({', '.join(shown)}"
                                f"{' …' if len(have) > 12 else ''})",
                                f"{', '.join(missing)}, not in {kpi.path.name}", key=f"kpi_{what}_metric_absent",
                                fields={"setting": where, "metrics": missing, "kpi_file": kpi.path.name,
                                        "have_metrics": shown, "more": " …" if len(have) > 12 else ""}))
    if defaults:
        problems.append(Problem(label, "kpi", f"KPI profiles for the metrics {kpi.path.name} has (dealer.yml sets "
                                "none, and the KPI report cannot use the kit's defaults)",
                                f"defaults naming absent metrics: {'; '.join(defaults)}", severity="warning",
                                key="kpi_default_metrics_absent",
                                fields={"kpi_file": kpi.path.name, "metrics": absent, "n_settings": len(defaults)}))
    return problems


# --------------------------------------------------------------------------- the folder


def _read_settings(data_dir: Path, problems: list[Problem]) -> tuple[object, set[str]]:
    """The folder's settings (None when invalid) and the kpi keys dealer.yml sets; without a dealer.yml the kit's
    neutral defaults (never the sample's template)."""
    from kit.settings import default_settings, parse_settings

    path = data_dir / SETTINGS_FILE
    if not os.path.lexists(path):
        problems.append(Problem(SETTINGS_FILE, None, f"the dealership's settings file {SETTINGS_FILE} in {data_dir}",
                                "no such file; neutral defaults are used (name 'Dealership', store ids as names, "
                                "default KPI profiles)", severity="warning", key="settings_missing"))
        return default_settings(), set()
    try:
        mapping = read_settings_file(path)
        if not mapping:
            problems.append(Problem(SETTINGS_FILE, None, "the dealership's settings (dealer: name, stores …)",
                                    "an empty file; neutral defaults are used", severity="warning",
                                    key="settings_empty"))
        kpi = mapping.get("kpi")
        return parse_settings(mapping, source=path), set(kpi) if isinstance(kpi, dict) else set()
    except ConfigError as exc:  # every problem of every section, one line each (dealer.yml: kpi.cap: …)
        problems.extend(exc.problems or [Problem(SETTINGS_FILE, None, "valid settings", str(exc),
                                                 **_keyed(exc, "settings_invalid"))])
    except Exception as exc:  # noqa: BLE001 - an unattended run must report, not crash, on any settings failure
        problems.append(Problem(SETTINGS_FILE, None, "settings the kit can read",
                                f"an unexpected error ({type(exc).__name__}: {exc})", key="unexpected_error",
                                fields={"error": f"{type(exc).__name__}: {exc}"}))
    return None, set()


def _keyed(exc: Exception, fallback: str) -> dict:
    """The catalog key and fields of an error's message, for the problem that lists it (``fallback`` keeps the
    whole English message when the error has no key)."""
    key = getattr(exc, "key", None)
    if key is None:
        return {"key": fallback, "fields": {"message": str(exc)}}
    return {"key": key, "fields": dict(getattr(exc, "fields", {}))}


def _read_tables(data_dir: Path, problems: list[Problem]) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for name, spec in schemas.TABLES.items():
        try:
            path = find_table_file(data_dir, name)
        except DataContractError as exc:
            problems.append(Problem(str(data_dir), None, "one file per table", str(exc),
                                    **_keyed(exc, "table_unreadable")))
            continue
        if path is None:
            if name in schemas.REQUIRED_TABLES:
                problems.append(Problem(f"{name}.csv", None, f"a file {name}.csv or {name}.xlsx in {data_dir}",
                                        "no such file", key="table_missing", fields={"name": name}))
            continue
        try:
            table = read_table_arrow(path, spec, strict=False)
        except DataContractError as exc:
            problems.extend(exc.problems or [Problem(path.name, None, "a readable table", str(exc),
                                                     **_keyed(exc, "table_unreadable"))])
            continue
        except Exception as exc:  # noqa: BLE001 - one unreadable file is reported with the others, never a traceback
            problems.append(Problem(path.name, None, "a table the kit can read",
                                    f"an unexpected error ({type(exc).__name__}: {exc})", key="unexpected_error",
                                    fields={"error": f"{type(exc).__name__}: {exc}"}))
            continue
        problems.extend(table.warnings)
        if table.frame.empty:
            if name in schemas.REQUIRED_TABLES:
                what = ("the stock is unknown, so no order can be suggested" if name == "stock" else
                        "every report needs these rows")
                problems.append(Problem(path.name, None, f"at least one row below the header ({what})",
                                        "only the header", key="header_only_stock" if name == "stock" else
                                        "header_only_required"))
            else:
                problems.append(Problem(path.name, None, "rows below the header", "only the header; the table is "
                                        "treated as absent", severity="warning", key="header_only_optional"))
                continue
        tables[name] = table
    return tables


def validate_dir(data_dir: str | Path, *, today: dt.date | None = None) -> ValidationReport:
    """Read and check every table and ``dealer.yml`` in ``data_dir``; collect every problem, raise nothing.

    ``today`` (default: the machine's date) is what the plausibility checks call the future.
    """
    data_dir = Path(data_dir)
    today = today or dt.date.today()
    problems: list[Problem] = []
    if not data_dir.is_dir():
        what, key = ("no such folder", "folder_missing") if not os.path.lexists(data_dir) else (
            ("a file, not a folder", "folder_is_file") if data_dir.is_file() else
            ("not a readable folder", "folder_unreadable"))
        problems.append(Problem(str(data_dir), None, "a folder with the dealership's tables", what, key=key))
        return ValidationReport(data_dir, problems, {})
    try:
        os.listdir(data_dir)
    except OSError as exc:
        problems.append(Problem(str(data_dir), None, "a readable folder", f"cannot be listed ({exc.strerror})",
                                key="folder_cannot_list", fields={"reason": str(exc.strerror)}))
        return ValidationReport(data_dir, problems, {})
    tables = _read_tables(data_dir, problems)
    problems.extend(_cross_checks(tables))
    problems.extend(plausibility.date_problems(tables, today))
    problems.extend(plausibility.store_gaps(tables, today))
    problems.extend(plausibility.stock_coverage(tables, today))
    for table in tables.values():
        with_python_text(table)
    settings, written = _read_settings(data_dir, problems)
    if settings is not None:
        problems.extend(_kpi_settings_problems(settings, tables.get("kpi"), SETTINGS_FILE, written))
    return ValidationReport(data_dir, problems, tables, settings)


def load_dealer(data_dir: str | Path, *, today: dt.date | None = None) -> Dealer:
    """Load and validate every table and the settings; raise one DataContractError listing all errors."""
    report = validate_dir(data_dir, today=today)
    if not report.ok:
        lines = [f"{len(report.errors)} problem(s) in {Path(data_dir)}:"] + [f"  - {p}" for p in report.errors]
        raise DataContractError("\n".join(lines), report.errors)
    settings_path = Path(data_dir) / SETTINGS_FILE
    files = {**{name: t.path for name, t in report.tables.items()},
             **({SETTINGS_FILE: settings_path} if os.path.lexists(settings_path) else {})}
    return Dealer(
        data_dir=Path(data_dir),
        tables={name: t.frame for name, t in report.tables.items()},
        settings=report.settings,
        files=files,
        warnings=report.warnings,
        hashes={str(p): sha256_file(p) for p in sorted(files.values())},  # the inputs as they were validated
    )


def load_table(data_dir: str | Path, name: str) -> pd.DataFrame:
    """Load one table by name from a folder, validated; raises DataContractError."""
    path = find_table_file(data_dir, name)
    if path is None:
        raise DataContractError(f"{Path(data_dir)}: no {name}.csv or {name}.xlsx found.", key="table_not_found",
                                fields={"name": name})
    return read_table(path, name).frame


def load_leads(data_dir: str | Path) -> pd.DataFrame:
    """Leads (意向客户), contract :data:`kit.schemas.LEADS`.

    Columns: lead_id, store_id, created_at, channel (walk_in/phone/online/referral/event), consultant_id,
    model_interest, visits, test_drive, quoted, trade_in, finance, grade (H/A/B/C/O/F/N or empty), status
    (open/won/lost), closed_at, delivered_at, lost_reason, gross_profit, customer_name, phone.

    Sample row: ``L000001, S1, 2026-10-03, walk_in, E012, Aurora, 2, True, True, False, True, A, open, NaT``.
    """
    return load_table(data_dir, "leads")


def load_followups(data_dir: str | Path) -> pd.DataFrame:
    """Follow-up log (回访记录): lead_id, at (datetime), consultant_id, kind (call/visit/wechat/sms), outcome."""
    return load_table(data_dir, "followups")


def load_staff(data_dir: str | Path) -> pd.DataFrame:
    """Staff roster (花名册): staff_id, name, store_id, department, role, hire_date, leave_date, leave_type,
    manager_id, plus any extra numeric columns."""
    return load_table(data_dir, "staff")


def load_kpis(data_dir: str | Path) -> pd.DataFrame:
    """Monthly KPI actuals and targets, long: month ('YYYY-MM'), staff_id, metric, actual, target."""
    return load_table(data_dir, "kpi")


def load_sales(data_dir: str | Path) -> pd.DataFrame:
    """Monthly deliveries: month ('YYYY-MM'), store_id, model, units, orders, gross_profit."""
    return load_table(data_dir, "sales")


def load_stock(data_dir: str | Path) -> pd.DataFrame:
    """Stock on the as-of date: store_id, model, on_hand, in_transit, as_of."""
    return load_table(data_dir, "stock")
