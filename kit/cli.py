"""The ``kit`` command.

``kit report``   run the monthly batch into HTML (exit 0 all written, 1 a report failed, 2 bad usage or data)
``kit validate`` check a data folder and print every problem in one pass (exit 0 valid, 2 errors)
``kit samples``  write the synthetic sample dealership
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kit import config
from kit.exceptions import ConfigError, DataContractError, KitError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors too; keep its message short
        self.print_usage(sys.stderr)
        print(f"kit: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kit", description="Monthly management analysis for 4S dealerships.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rep = sub.add_parser("report", help="run the monthly reports into HTML")
    rep.add_argument("--month", default="last", help="YYYY-MM, or 'last' for the latest complete month (default)")
    rep.add_argument("--data", default=str(config.DATA_SAMPLES_DIR), help="folder with the dealership's tables "
                     "(default: the sample dealership)")
    rep.add_argument("--out", default=str(config.REPORTS_DIR), help="output folder (default: reports/)")
    rep.add_argument("--lang", choices=("en", "zh"), default=None, help="report language (default: dealer.yml)")
    rep.add_argument("--only", default=None, help="comma-separated report names to run")
    rep.add_argument("--workers", type=int, default=1, help="reports run at once (default 1)")
    rep.add_argument("--show-personal-data", action="store_true",
                     help="do not mask customer and staff names and phone numbers")
    rep.add_argument("--notebooks", default=str(config.NOTEBOOKS_DIR), help=argparse.SUPPRESS)

    val = sub.add_parser("validate", help="check a data folder against the data contract")
    val.add_argument("--data", default=str(config.DATA_SAMPLES_DIR), help="folder with the dealership's tables")
    val.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the problems (default: en)")

    sam = sub.add_parser("samples", help="write the synthetic sample dealership")
    sam.add_argument("--out", default=str(config.DATA_SAMPLES_DIR), help="output folder")
    sam.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
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
    from kit.runner import UsageError, run_batch

    if args.workers < 1:
        print("kit: error: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    only = args.only.split(",") if args.only else None
    try:
        result = run_batch(month=args.month, data_dir=args.data, out_dir=args.out, lang=args.lang, only=only,
                           workers=args.workers, show_personal_data=args.show_personal_data,
                           notebooks_dir=args.notebooks)
    except (DataContractError, ConfigError) as exc:
        print(f"kit: the input data is not valid; nothing was written.\n{exc}\n"
              f"Run 'kit validate --data {args.data}' for the full list.", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"kit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = [r for r in result.reports if r.status != "ok"]
    print(f"Index: {result.index}")
    if failed:
        print(f"{len(failed)} report(s) failed: {', '.join(r.name for r in failed)} (see the index page).",
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _validate(args) -> int:
    from kit.exceptions import Problem
    from kit.i18n import label, t
    from kit.io import validate_dir

    report = validate_dir(args.data)
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
    from kit.samples import write_samples

    try:
        paths = write_samples(args.out, seed=args.seed)
    except KitError as exc:
        print(f"kit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for p in paths.values():
        print(p)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
