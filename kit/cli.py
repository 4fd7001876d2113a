"""The ``kit`` command.

``kit report``   run a period's reports into HTML (month by default; ``--period week|day`` for the light runs;
                 ``--stores all|S1,S7`` for a dealer group: each store's own reports plus the group's)
``kit validate`` check a data folder and print every problem in one pass (exit 0 valid, 2 errors)
``kit samples``  write the synthetic sample dealership, or with ``--stores N`` a dealer group of N stores

Exit codes of ``kit report`` (the same for a person at a terminal and for cron):

=== ================================================================================================
0   every report of the period was written
1   the period folder was published, but one or more reports failed (in a group run: or a store's data was left
    out); its index says which and why
2   bad usage, bad paths or invalid input data; nothing was written (the message says what to fix)
3   another run of the same period into the same folder did not finish within the wait; nothing was written
4   a fault in the kit itself (not in the data); nothing was published; please report it with the message
130 interrupted (Ctrl-C); nothing was published
=== ================================================================================================
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from kit import config
from kit.exceptions import ConfigError, DataContractError, KitError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_INTERNAL = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors too; keep its message short
        self.print_usage(sys.stderr)
        print(f"kit: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kit", description="Monthly management analysis for 4S dealerships.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rep = sub.add_parser("report", help="run a period's reports into HTML (exit 0 ok, 1 a report failed, "
                                         "2 bad usage or data, 3 busy, 4 fault in the kit)")
    rep.add_argument("--period", choices=("day", "week", "month"), default="month",
                     help="month (default), week (ISO, Monday to Sunday) or day")
    rep.add_argument("--month", default="last", help="YYYY-MM, or 'last' for the latest month complete in the data "
                     "and not after today (default)")
    rep.add_argument("--date", default=None, help="YYYY-MM-DD: the day, or the week containing it, for --period day "
                     "or week (default: yesterday / the last complete week, never after the data ends)")
    rep.add_argument("--data", default=str(config.DATA_SAMPLES_DIR), help="folder with the dealership's tables "
                     "(default: the sample dealership)")
    rep.add_argument("--out", default=str(config.REPORTS_DIR), help="output folder (default: reports/)")
    rep.add_argument("--lang", choices=("en", "zh"), default=None, help="report language (default: dealer.yml)")
    rep.add_argument("--only", default=None, help="comma-separated report names to run; the period's other reports "
                     "are kept from its last run")
    rep.add_argument("--stores", default=None, metavar="all|S1,S7",
                     help="a dealer group: run each store's own reports into OUT/PERIOD/STORE/ (the same reports on "
                          "that store's rows only) plus the group's reports and a group index in OUT/PERIOD/; 'all' "
                          "or store ids separated by commas (other stores published earlier are kept)")
    rep.add_argument("--workers", type=int, default=None, help="reports run at once, each in its own process "
                     "(default: the number of cores)")
    rep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the reports on the Dask cluster at ADDRESS (tcp://host:8786, or a scheduler file "
                          "sched.json; needs dealer-kit[dask] "
                          "and the data, notebooks and output folders on storage every worker sees at the same "
                          "paths); --workers then caps the reports at once (default: the cluster's threads)")
    rep.add_argument("--report-timeout", type=float, default=None, metavar="MINUTES",
                     help="stop a report after this long (default: run.report_timeout_minutes in dealer.yml, 30)")
    rep.add_argument("--run-timeout", type=float, default=None, metavar="MINUTES",
                     help="stop the whole run after this long (default: run.run_timeout_minutes, 180)")
    rep.add_argument("--memory-mb", type=int, default=None, metavar="MB",
                     help="memory cap of each report, 0 for none (default: run.report_memory_mb, 8192)")
    rep.add_argument("--wait", type=float, default=None, metavar="MINUTES",
                     help="how long to wait for another run of the same period (default: run.lock_wait_minutes, "
                          "10)")
    rep.add_argument("--show-personal-data", action="store_true",
                     help="do not mask customer and staff names and phone numbers (only for people allowed to "
                          "see them; the manifest records it)")
    rep.add_argument("--notebooks", default=str(config.NOTEBOOKS_DIR), help=argparse.SUPPRESS)
    rep.add_argument("--today", default=None, help=argparse.SUPPRESS)  # reproduce a run's choice of period

    val = sub.add_parser("validate", help="check a data folder against the data contract")
    val.add_argument("--data", default=str(config.DATA_SAMPLES_DIR), help="folder with the dealership's tables")
    val.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the problems (default: en)")

    sam = sub.add_parser("samples", help="write the synthetic sample dealership, or a dealer group (--stores)",
                         description="Without --stores: the two-store sample dealership (data_samples/). With "
                                     "--stores N: a dealer group of N stores (several brands, store sizes and "
                                     "seasons) for tests and benchmarks. Same seed, same files.")
    sam.add_argument("--out", default=None, help="output folder (default: data_samples/, or data_group_N/ with "
                     "--stores N)")
    sam.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    sam.add_argument("--stores", type=int, default=None, metavar="N", help="write a dealer group of N stores")
    sam.add_argument("--months", type=int, default=None, metavar="M",
                     help="months of history of the group, ending 2026-10 (default 36)")
    sam.add_argument("--workers", type=int, default=1, help="stores simulated at once (default 1)")
    sam.add_argument("--no-truth", action="store_true", help="do not write the group's truth/ folder")
    sam.add_argument("--parquet", action="store_true",
                     help="also write the group's tables as Parquet partitioned by store (needs pyarrow)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "report":
        return _report(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "samples":
        return _samples(args)
    return EXIT_USAGE  # pragma: no cover


def _report(args) -> int:
    import datetime as dt

    from kit.runner import BusyError, UsageError, run_batch

    only = args.only.split(",") if args.only is not None else None
    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        return _fail(f"--today: expected YYYY-MM-DD; got {args.today!r}.", EXIT_USAGE)
    try:
        result = run_batch(month=args.month, data_dir=args.data, out_dir=args.out, lang=args.lang, only=only,
                           workers=args.workers, show_personal_data=args.show_personal_data,
                           notebooks_dir=args.notebooks, period=args.period, date=args.date,
                           report_timeout_minutes=args.report_timeout, run_timeout_minutes=args.run_timeout,
                           memory_mb=args.memory_mb, wait_minutes=args.wait, today=today, stores=args.stores,
                           scheduler=args.scheduler,
                           progress=_progress)
    except (DataContractError, ConfigError) as exc:
        return _fail(f"the input data is not valid; nothing was written.\n{exc}\n"
                     f"Run 'kit validate --data {args.data}' for the full list.", EXIT_USAGE)
    except UsageError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE)
    except BusyError as exc:
        return _fail(str(exc), EXIT_BUSY)
    except KitError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"error: {where}{exc.strerror or exc}; nothing was published.", EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was published (the previous reports are unchanged).", 130)
    except Exception as exc:  # a fault in the kit: say so plainly; the traceback only when asked for
        if os.environ.get("KIT_DEBUG") == "1":
            traceback.print_exc()
        return _fail(f"internal error ({type(exc).__name__}: {exc}). This is a fault in the kit, not in your data; "
                     f"nothing was published. Please report it (KIT_DEBUG=1 prints the traceback).", EXIT_INTERNAL)
    failed = [r.name for r in result.reports if r.status != "ok"]
    left_out = [s["store_id"] for s in result.stores or [] if s.get("status") == "left_out"]
    _progress(f"Index: {result.index}")
    if result.stores is not None:
        from kit.runner.group import store_summary

        _progress(store_summary(result))
    if failed or left_out:
        shown = ", ".join(failed[:12]) + (f" … ({len(failed)} in all)" if len(failed) > 12 else "")
        parts = [f"{len(failed)} report(s) failed: {shown}"] if failed else []
        if left_out:
            parts.append(f"store(s) left out for bad data: {', '.join(left_out)}")
        print(f"{'; '.join(parts)} (the index says why; details in {result.out_dir / 'run.log'}).", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _progress(line: str) -> None:
    print(line, flush=True)  # flushed: cron and pipes see each line as it happens


def _fail(message: str, code: int) -> int:
    print(f"kit: {message}", file=sys.stderr, flush=True)
    return code


def _validate(args) -> int:
    from kit.exceptions import Problem
    from kit.i18n import label, t
    from kit.io import validate_dir

    try:
        report = validate_dir(args.data)
    except KitError as exc:
        return _fail(f"error: {exc}", EXIT_USAGE)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"error: {where}{exc.strerror or exc}.", EXIT_USAGE)
    lang = getattr(args, "lang", "en")
    for severity, problems in (("error", report.errors), ("warning", report.warnings)):
        for p in problems:  # English: the line as every earlier version printed it
            print(t(f"validate.{severity}", lang), str(p) if lang == "en" else Problem.text(p, lang))
    tables = t("problem.list_sep", lang).join(
        t("validate.table_rows", lang, table=name if lang == "en" else label(name, lang, group="table"),
          rows=len(table.frame)) for name, table in report.tables.items())
    print(t("validate.summary", lang, folder=Path(args.data), errors=len(report.errors),
            warnings=len(report.warnings), tables=tables))
    return EXIT_OK if report.ok else EXIT_USAGE


def _samples(args) -> int:
    from kit.samples import write_group, write_samples

    if args.stores is None:
        extra = [flag for flag, given in (("--months", args.months is not None), ("--workers", args.workers != 1),
                                          ("--no-truth", args.no_truth), ("--parquet", args.parquet)) if given]
        if extra:
            print(f"kit: error: {', '.join(extra)} only apply to a group: add --stores N", file=sys.stderr)
            return EXIT_USAGE
    try:
        if args.stores is None:
            paths = write_samples(args.out or config.DATA_SAMPLES_DIR, seed=args.seed)
        else:
            paths = write_group(args.out or f"data_group_{args.stores}", args.stores,
                                months=36 if args.months is None else args.months, seed=args.seed,
                                workers=args.workers, truth=not args.no_truth, parquet=args.parquet)
    except KitError as exc:
        print(f"kit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for p in paths.values():
        print(p)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
