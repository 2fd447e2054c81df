"""The ``lkt`` command: a thin layer over the library.

Expected errors (an ``LktError``) print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import paths
from .errors import LktError, ParameterError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except LktError as err:
        print(f"lkt: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lkt", description="Who pays how much: cost allocation for the "
                                     "health-cooperation councils around Bergen.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    allocate = commands.add_parser("allocate", help="allocate one budget year and write the invoicing CSV")
    allocate.add_argument("--year", type=int, required=True, help="budget year, e.g. 2019")
    allocate.add_argument("--key", help="distribution key for the municipalities (default: the project's)")
    _inputs(allocate)
    allocate.add_argument("-o", "--output", type=Path,
                          help="CSV to write (default: data/processed/allocation_YEAR_KEY.csv)")
    allocate.set_defaults(run=_allocate)

    report = commands.add_parser("report", help="render the yearly reports (HTML, notebook, spreadsheet)")
    report.add_argument("--years", type=int, nargs="+", help="budget years (default: all in the budget)")
    report.add_argument("--key", "--keys", dest="keys", nargs="+",
                        help="one or more keys; one report per year and key (default: the project's)")
    report.add_argument("--jobs", type=int, help="reports run in parallel (default: the number of cores)")
    report.add_argument("--out", type=Path, default=paths.REPORTS, help="output folder (default: reports/)")
    report.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
                        help="another notebook parameter, the value as JSON (e.g. -p 'key_params={\"share\": 0.4}')")
    _inputs(report)
    report.set_defaults(run=_report)
    return parser


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=paths.DEFAULT_PROJECT,
                        help="project file (default: data/raw/lkt_project.toml)")
    parser.add_argument("--budget", type=Path, help="budget workbook (default: the project file's)")
    parser.add_argument("--population", type=Path, action="append",
                        help="population file; repeat for several (default: the project file's)")


def _allocate(args: argparse.Namespace) -> int:
    import pandas as pd

    from .outputs import write_allocation_csv
    from .project import allocation, load_project

    project = load_project(args.project, budget=args.budget, population=args.population)
    result = allocation(project, args.year, args.key)
    output = args.output or paths.DATA_PROCESSED / f"allocation_{args.year}_{args.key or project.key}.csv"
    write_allocation_csv(result, output)

    def whole(value: object) -> str:
        return "" if pd.isna(value) else f"{int(value):,}".replace(",", " ")

    print(result.assign(share=result["share"].map("{:.2%}".format), population=result["population"].map(whole),
                        amount_nok=result["amount_nok"].map(whole)).to_string(index=False))
    for group, total in result.groupby("group", sort=False)["amount_nok"].sum().items():
        print(f"{group}: {whole(total)} kr")
    print(f"written: {output}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .batch import run_reports

    extra = {}
    for item in args.params:
        name, sep, value = item.partition("=")
        if not sep:
            raise ParameterError(f"--param '{item}' is not NAME=VALUE")
        try:
            extra[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            extra[name.strip()] = value
    outcomes = run_reports(project=args.project, years=args.years, keys=args.keys, jobs=args.jobs, out=args.out,
                           budget=args.budget, population=args.population, extra=extra, progress=True)
    failed = [o for o in outcomes if o.error]
    for outcome in failed:
        print(f"failed: {outcome.run.stem}: {outcome.error}", file=sys.stderr)
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} reports written to {args.out}; "
          f"open {args.out / 'index.html'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
