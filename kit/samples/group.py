"""A synthetic dealer group (经销商集团) of many stores, for tests and benchmarks at a group's scale.

Each store is simulated on its own (:class:`~kit.samples.fast._FastSimulation`, seeded by ``(seed, store number)``)
with its brand, city, size and seasonality from :mod:`kit.samples.brands`, and becomes the same tables as the
two-store sample (``staff``, ``leads``, ``followups``, ``traffic``, ``kpi``, ``sales``, ``stock``, ``grade_log``,
``orders``, ``targets``) with store-scoped ids (``S007``'s staff ``E007001`` …, leads ``L007000001`` …, orders
``O0072610001`` …). :func:`write_group` streams the stores to CSV one after the other (optionally in a process
pool), so memory stays at one store's size whatever the group's; the same seed gives the same files byte for
byte, with any number of workers. Store S007 is the same in a group of 10 and of 100.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import pandas as pd

import kit
from kit.exceptions import ConfigError
from kit.samples.brands import GroupStore, group_stores
from kit.samples.dealership import _tables
from kit.samples.fast import _FastSimulation
from kit.samples.parameters import DEFAULT_SEED, HISTORY_END
from kit.samples.simulation import _parse_month
from kit.samples.writers import _csv_text

#: The group's name in ``dealer.yml``.
GROUP_NAME = "Sample Auto Group 示范汽车集团"
#: Tables of every store, in the order they are written.
TABLES = ("staff", "leads", "followups", "traffic", "kpi", "sales", "stock", "grade_log", "orders", "targets")
TRUTH = ("consultant_traits", "lead_truth")
MAX_STORES = 9999


@dataclass(frozen=True)
class _Plan:
    """What to generate: the group's size, history and seed (picklable for worker processes)."""

    n_stores: int
    start: str
    end: str
    seed: int
    truth: bool
    parquet: Path | None = None   # folder for the partitioned Parquet copy, if asked for


def _plan(n_stores: int, months: int, seed: int, end: str, truth: bool) -> _Plan:
    if isinstance(n_stores, bool) or not isinstance(n_stores, int) or not 1 <= n_stores <= MAX_STORES:
        raise ConfigError(f"stores must be a whole number from 1 to {MAX_STORES}; got {n_stores!r}.")
    if isinstance(months, bool) or not isinstance(months, int) or not 3 <= months <= 120:
        raise ConfigError(f"months must be a whole number from 3 to 120; got {months!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer; got {seed!r}.")
    last = _parse_month(end, "end")
    return _Plan(n_stores, str(last - (months - 1)), str(last), seed, truth)


def _store_tables(plan: _Plan, store: GroupStore) -> dict[str, pd.DataFrame]:
    """Simulate one store of the group and build its tables (and truth when planned)."""
    number = store.profile.store_id[1:]
    sim = _FastSimulation(seed=plan.seed, start=plan.start, end=plan.end, brand=store.brand.brand,
                          stores=(store.profile,), seed_key=store.number, planted_exits=False,
                          staff_prefix=f"E{number}", lead_prefix=f"L{number}", lead_width=6,
                          order_prefix=f"O{number}")
    sim.run()
    sim.finish()
    return _tables(sim, include_truth=plan.truth)


def make_group(n_stores: int, *, months: int = 36, seed: int = DEFAULT_SEED, end: str = HISTORY_END,
               include_truth: bool = False) -> dict[str, pd.DataFrame]:
    """Simulate a dealer group and return its tables, every store's rows together (for small groups and tests).

    Parameters
    ----------
    n_stores
        Number of stores, ``S001`` … (1 to 9,999).
    months
        Months of history, ending with ``end`` (3 to 120; default 36).
    seed
        Seed; the same seed gives identical tables, and store ``k`` is the same in any group of ``k`` or more.
    end
        Last month of the history, ``'YYYY-MM'`` (default 2026-10).
    include_truth
        Add ``consultant_traits`` and ``lead_truth`` (as in :func:`~kit.samples.make_dealership`).

    Returns
    -------
    dict of DataFrame
        The tables of :func:`~kit.samples.make_dealership` plus ``stores``: each store's brand, city, size and
        seasonality (the truth :func:`write_group` writes to ``truth/stores.csv``).

    Raises
    ------
    ConfigError
        An argument out of range or ``end`` not ``YYYY-MM``.
    """
    plan = _plan(n_stores, months, seed, end, include_truth)
    stores = group_stores(n_stores, seed)
    parts = [_store_tables(plan, store) for store in stores]
    out = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    out["stores"] = stores_frame(stores)
    return out


def stores_frame(stores: list[GroupStore]) -> pd.DataFrame:
    """One row per store: what the group generator planted (brand, city, size, season, festival, trend)."""
    return pd.DataFrame({
        "store_id": [s.profile.store_id for s in stores],
        "name": [s.name for s in stores],
        "brand": [s.brand.brand.name for s in stores],
        "city": [s.city.name_en for s in stores],
        "city_tier": [s.city.tier for s in stores],
        "north": [s.city.north for s in stores],
        "consultant_posts": [s.profile.consultant_posts for s in stores],
        "leads_per_month": [round(s.profile.leads_per_month, 1) for s in stores],
        "season_amplitude": [round(s.season_amplitude, 4) for s in stores],
        "festival_factor": [round(s.profile.festival_factor, 4) for s in stores],
        "pre_festival_factor": [s.profile.pre_festival_factor for s in stores],
        "trend": [round(s.profile.trend, 4) for s in stores],
        "fleet_rate": [round(s.profile.fleet_rate, 6) for s in stores],
        "models": [" ".join(m.name for m in s.brand.brand.models) for s in stores],
    })


# --------------------------------------------------------------------------- writing


def _store_text(job: tuple[_Plan, GroupStore, bool]) -> dict[str, tuple[str, int]]:
    """One store's tables as CSV text and row counts (headers with the first store), run in a worker if several.

    With a Parquet folder in the plan, the store's tables are also written there, one file per table and store
    (``TABLE/store_id=S001/part-0.parquet``, the layout ``dask.dataframe.read_parquet`` reads as partitions).
    """
    plan, store, header = job
    tables = _store_tables(plan, store)
    if plan.parquet is not None:
        for name, frame in tables.items():
            if name in TABLES:
                folder = plan.parquet / name / f"store_id={store.profile.store_id}"
                folder.mkdir(parents=True, exist_ok=True)
                frame.drop(columns="store_id", errors="ignore").to_parquet(folder / "part-0.parquet", index=False)
    return {name: (_csv_text(name, frame, header=header), len(frame)) for name, frame in tables.items()}


def _dealer_yml(stores: list[GroupStore]) -> str:
    """The settings template with the group's name and stores (the settings schema is unchanged)."""
    template = (Path(kit.__file__).parent / "templates" / "dealer.yml").read_text(encoding="utf-8")
    lines = "\n".join(f"    {s.profile.store_id}: {json.dumps(s.name, ensure_ascii=False)}" for s in stores)
    text, n_name = re.subn(r"(?m)^  name: .*$", f"  name: {GROUP_NAME}", template, count=1)
    text, n_stores = re.subn(r"(?m)^  stores: .*$", lambda _: "  stores:\n" + lines, text, count=1)
    if not (n_name and n_stores):   # pragma: no cover - the template lost its dealer section
        raise RuntimeError("kit/templates/dealer.yml has no 'dealer: name/stores' lines to fill in")
    return text


def write_group(out_dir: str | Path, n_stores: int, *, months: int = 36, seed: int = DEFAULT_SEED,
                end: str = HISTORY_END, workers: int = 1, truth: bool = True, parquet: bool = False,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Write a dealer group of ``n_stores`` to ``out_dir``: every table as one CSV, ``dealer.yml``, ``truth/``.

    Parameters
    ----------
    out_dir
        Target folder; created if missing. The group's files are replaced (written under a temporary name and
        moved into place when complete, so an interrupted run leaves no half-written table).
    n_stores, months, seed, end
        As :func:`make_group`.
    workers
        Stores simulated at once in a process pool (the files are the same for any number).
    truth
        Also write ``truth/consultant_traits.csv``, ``truth/lead_truth.csv`` and ``truth/stores.csv``.
    parquet
        Also write every table as Parquet partitioned by store under ``parquet/`` (needs pyarrow).
    progress
        Called with (stores done, stores) after each store.

    Returns
    -------
    dict of Path
        Each written file by name (the tables, ``dealer``, ``readme``, and the truth files).
    """
    plan = _plan(n_stores, months, seed, end, truth)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a whole number of at least 1; got {workers!r}.")
    out = Path(out_dir)
    if parquet:
        if importlib.util.find_spec("pyarrow") is None:   # pandas writes Parquet through it
            raise ConfigError("Parquet output needs the pyarrow package (pip install pyarrow); "
                              "leave out the Parquet option to write CSV only.")
        plan = replace(plan, parquet=out / "parquet.partial")
        shutil.rmtree(plan.parquet, ignore_errors=True)
    stores = group_stores(n_stores, seed)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    names = TABLES + (TRUTH if truth else ())
    final = {name: out / ("truth" if name in TRUTH else "") / f"{name}.csv" for name in names}
    partial = {name: path.with_name(path.name + ".partial") for name, path in final.items()}
    handles = {name: open(partial[name], "w", encoding="utf-8", newline="") for name in names}
    counts = dict.fromkeys(names, 0)
    try:
        jobs = [(plan, store, k == 0) for k, store in enumerate(stores)]
        if workers > 1 and len(stores) > 1:
            with multiprocessing.Pool(min(workers, len(stores))) as pool:
                _drain(pool.imap(_store_text, jobs), handles, counts, len(stores), progress)
        else:
            _drain(map(_store_text, jobs), handles, counts, len(stores), progress)
    except BaseException:
        for name, handle in handles.items():   # no half-written table is left behind
            handle.close()
            partial[name].unlink(missing_ok=True)
        if plan.parquet is not None:
            shutil.rmtree(plan.parquet, ignore_errors=True)
        raise
    for handle in handles.values():
        handle.close()
    for name in names:
        partial[name].replace(final[name])
    paths = dict(final)
    if plan.parquet is not None:
        paths["parquet"] = out / "parquet"
        shutil.rmtree(paths["parquet"], ignore_errors=True)
        plan.parquet.replace(paths["parquet"])
    if truth:
        paths["stores"] = out / "truth" / "stores.csv"
        paths["stores"].write_text(_csv_text("stores", stores_frame(stores)), encoding="utf-8")
    paths["dealer"] = out / "dealer.yml"
    paths["dealer"].write_text(_dealer_yml(stores), encoding="utf-8")
    paths["readme"] = out / "README.md"
    paths["readme"].write_text(_group_readme(plan, stores, counts), encoding="utf-8")
    return paths


def _drain(texts, handles, counts, total: int, progress) -> None:
    for done, text in enumerate(texts, start=1):
        for name, (chunk, rows) in text.items():
            if name in handles:
                handles[name].write(chunk)
                counts[name] += rows
        if progress is not None:
            progress(done, total)


def _group_readme(plan: _Plan, stores: list[GroupStore], counts: dict[str, int]) -> str:
    """The ``README.md`` of a written group: the command, what each file holds, the stores by brand."""
    by_brand = pd.DataFrame({"brand": [s.brand.brand.name for s in stores],
                             "posts": [s.profile.consultant_posts for s in stores]}).groupby("brand")["posts"]
    brand_rows = [f"| {brand} | {len(posts)} | {posts.min()}–{posts.max()} |" for brand, posts in by_brand]
    months = (_parse_month(plan.end, "end") - _parse_month(plan.start, "start")).n + 1
    lines = [
        f"# A synthetic dealer group: {GROUP_NAME}",
        "",
        "Generated by `kit.samples.write_group`; never edit by hand. Regenerate (byte for byte) with",
        "",
        "```",
        f"kit samples --stores {plan.n_stores} --months {months} --seed {plan.seed} --out DIR",
        "```",
        "",
        f"{plan.n_stores} stores (S{1:0{len(stores[0].profile.store_id) - 1}d} …), history {plan.start} to "
        f"{plan.end}. Rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()) + ".",
        "",
        "The tables are those of the two-store sample (`data_samples/README.md` describes each column and the "
        "planted effects: lead signals, grade bias, staff leaving, the order ledger, targets), one block of rows "
        "per store. Each store is simulated on its own from the seed and its number, with its brand's line-up "
        "and margins, its city's size and Spring Festival, its own season and trend (`kit.samples.brands`); "
        "`truth/stores.csv` lists what was planted per store. Ids are store-scoped: staff `E` + store number + "
        "3 digits, leads `L` + store number + 6 digits, orders `O` + store number + `yymm` + number. "
        "`dealer.yml` names the group and every store. Every name and phone number is invented.",
        "",
        "| brand | stores | consultant posts |",
        "|---|---|---|",
        *brand_rows,
        "",
    ]
    return "\n".join(lines)

