"""The ``lkt`` command: a thin layer over the library.

Expected errors (an ``LktError``) print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from . import paths
from .errors import Interrupted, LktError, LktWarning, ParameterError, did_you_mean, shown


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # named in the subcommand's own words, its help and the option nearest to what was typed
        known = re.findall(r"(?<![\w-])--?[\w-]+", args.parser.format_usage())
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}{did_you_mean(unknown[0], known)}")
    try:
        with warnings.catch_warnings():
            warnings.showwarning = functools.partial(_warning, warnings.showwarning)
            return args.run(args)
    except Interrupted as err:
        print(f"\nlkt: {err}", file=sys.stderr)
        return 130
    except LktError as err:
        print(f"lkt: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped early (`lkt compare ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _warning(show: Any, message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """The tool's own warnings as one line, like an error; any other as Python shows it (``show``)."""
    if issubclass(category, LktWarning):
        print(f"lkt: warning: {message}", file=sys.stderr)
    else:
        show(message, category, *args, **kwargs)


class _Parser(argparse.ArgumentParser):
    """Reports a bad command line in one line, like every other expected error, with exit code 2."""

    def error(self, message: str) -> NoReturn:
        if (choice := re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)) is not None:
            message += did_you_mean(choice[1], re.findall(r"'([^']*)'", choice[2]))
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lkt", description="Who pays how much: cost allocation for the "
                     "health-cooperation councils around Bergen.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    new = commands.add_parser("new", help="make a new project folder that works at once (an example to fill in)")
    new.add_argument("folder", type=paths.user_path, help="the new project's folder (new or empty)")
    new.add_argument("--name", help="the project's name as its papers write it")
    new.add_argument("--short-name", help="what its output file names begin with (default: the folder's name)")
    new.add_argument("--municipalities", nargs="+", metavar="CODE",
                     help="the municipalities by 4-digit code (default: today's 18 in Helse Bergen's area)")
    new.add_argument("--year", type=int, help="the first budget year (default: next year)")
    adopted = new.add_mutually_exclusive_group()
    adopted.add_argument("--anchor", metavar="CODE",
                         help="adopted key: this municipality pays --share, the others the rest by population "
                              "(default: Bergen, 4601, where it is a member)")
    adopted.add_argument("--fixed", type=float, metavar="PART",
                         help="adopted key: this part split equally (0.3 = 30 %%), the rest by population")
    new.add_argument("--share", type=float, default=0.5, help="the anchor's share (default: 0.5 = 50 %%)")
    new.add_argument("--language", choices=("nn", "nb"), default="nn",
                     help="the written standard of its reports: nn (nynorsk, the default) or nb (bokmål)")
    new.set_defaults(run=_new, parser=new)

    population = commands.add_parser("population", help="population figures: fetch them from Statistics Norway")
    fetch = population.add_subparsers(required=True, metavar="ACTION").add_parser(
        "fetch", help="fetch table 07459 for the project's municipalities from Statistics Norway's API, save it "
                      "beside the project's population files and add it to the project file")
    fetch.add_argument("--years", type=int, nargs="+", required=True, metavar="YEAR",
                       help="1 January of these years, e.g. --years 2025 2026")
    fetch.add_argument("--project", type=paths.user_path, default=paths.DEFAULT_PROJECT,
                       help="project file (default: data/raw/lkt_project.toml)")
    fetch.add_argument("--overwrite", action="store_true", help="replace a file fetched before under the same name")
    fetch.set_defaults(run=_fetch, parser=fetch)

    show = commands.add_parser("keys", help="list the project's budget years and keys, in words")
    _inputs(show)
    show.set_defaults(run=_keys, parser=show)

    allocate = commands.add_parser("allocate", help="allocate one budget year and write the invoicing CSV")
    allocate.add_argument("--year", type=int, required=True, help="budget year, e.g. 2019")
    allocate.add_argument("--key", help="distribution key for the municipalities (default: the project's)")
    _inputs(allocate)
    allocate.add_argument("-o", "--output", type=paths.user_path,
                          help="CSV to write, or .xlsx for a formatted workbook "
                               "(default: data/processed/PROJECT_allocation_YEAR_KEY.csv)")
    allocate.set_defaults(run=_allocate, parser=allocate)

    compare = commands.add_parser("compare", help="compare keys for one budget year: who gains and who loses")
    compare.add_argument("--year", type=int, required=True, help="budget year, e.g. 2019")
    compare.add_argument("--keys", nargs="+", required=True, metavar="KEY",
                         help="keys to compare; a variant as NAME:PARAM=VALUE, e.g. bergen_50:share=0.4")
    compare.add_argument("--reference", metavar="KEY", help="the key compared against (default: the project's)")
    _inputs(compare)
    compare.add_argument("-o", "--output", type=paths.user_path, help="write the comparison to a .csv or .xlsx file")
    compare.set_defaults(run=_compare, parser=compare)

    sweep = commands.add_parser("sweep", help="every municipality's amount over a grid of a key's parameters")
    sweep.add_argument("--year", type=int, required=True, help="budget year, e.g. 2019")
    sweep.add_argument("--key", required=True, help="the key whose parameters are varied")
    sweep.add_argument("--vary", action="append", required=True, metavar="NAME=START:STOP:STEP",
                       help="a parameter and its grid, e.g. share=0:1:0.01; give two for a two-way grid")
    _inputs(sweep)
    sweep.add_argument("-o", "--output", type=paths.user_path,
                       help="CSV to write, or .xlsx for a workbook with Norwegian headings "
                            "(default: data/processed/PROJECT_sweep_YEAR_KEY.csv)")
    sweep.set_defaults(run=_sweep, parser=sweep)

    report = commands.add_parser("report", help="render the yearly reports (HTML, notebook, spreadsheet)")
    report.add_argument("--years", type=int, nargs="+", help="budget years (default: all in the budget)")
    report.add_argument("--key", "--keys", dest="keys", nargs="+",
                        help="one or more keys; one report per year and key (default: the project's)")
    report.add_argument("--jobs", type=_positive, help="reports run in parallel (default: the number of cores)")
    report.add_argument("--compare", action="store_true",
                        help="one comparison report per year of --keys (default: every key) against the project's key")
    report.add_argument("--force", action="store_true", help="make every report again, even those unchanged")
    report.add_argument("--dry-run", action="store_true", help="only list the reports that would be made or skipped")
    report.add_argument("--out", type=paths.user_path, default=paths.CLI_REPORTS,
                        help="output folder (default: reports/ in the current folder)")
    report.add_argument("--set", dest="settings", action="append", default=[], metavar="PARAM=VALUE",
                        help="change a parameter of the key, e.g. --set share=0.4 (Bergen at 40 %%); repeatable")
    report.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
                        help="another notebook parameter, the value as JSON (e.g. -p 'key_params={\"share\": 0.4}')")
    _inputs(report)
    report.set_defaults(run=_report, parser=report)
    return parser


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=paths.user_path, default=paths.DEFAULT_PROJECT,
                        help="project file (default: data/raw/lkt_project.toml)")
    parser.add_argument("--budget", type=paths.user_path, help="budget workbook (default: the project file's)")
    parser.add_argument("--population", type=paths.user_path, action="append",
                        help="population file; repeat for several (default: the project file's)")


def _allocate(args: argparse.Namespace) -> int:
    from .distribution import distribute
    from .keys import safe_name
    from .outputs import write_csv
    from .project import load_project
    from .workbook import write_allocation_workbook

    project = load_project(args.project, budget=args.budget, population=args.population)
    if args.output and args.output.suffix.lower() not in (".csv", ".xlsx"):
        raise ParameterError(f"--output {args.output}: write a .csv or an .xlsx file")
    computed = distribute(project, args.year, _key(project, args.key or project.key))
    _warn_if_nothing_to_split(computed)
    result = computed.table
    name = f"{project.file_prefix}_allocation_{args.year}_{safe_name(computed.key.name)}.csv"
    output = args.output or paths.CLI_PROCESSED / name
    if output.suffix.lower() == ".xlsx":
        write_allocation_workbook(output, computed)
    else:
        write_csv(result, output)  # the invoicing interface: year,group,code,name,population,share,amount_nok
    print(result.assign(share=result["share"].map(_percent), population=result["population"].map(_whole),
                        amount_nok=result["amount_nok"].map(_whole)).to_string(index=False))
    for group, total in result.groupby("group", sort=False)["amount_nok"].sum().items():
        print(f"{group}: {_whole(total)} kr")
    print(f"written: {output}")
    return 0


def _warn_if_nothing_to_split(result: Any) -> None:
    """One warning line where a year leaves the municipalities nothing to pay: the run is right, but it is
    rarely what was meant (every post marked covered, or none financed by the municipalities)."""
    if result.municipal_total:
        return
    why = ("every post is marked as already covered: there is no new cost to distribute"
           if not sum(result.totals.values()) else
           "none of the new cost falls on the municipalities: every municipality pays 0 kr")
    print(f"lkt: warning: {result.year}: {why}", file=sys.stderr)


def _key(project: Any, text: str) -> Any:
    """A key by name, or a variant written ``NAME:PARAM=VALUE[,PARAM=VALUE]`` (values as JSON, e.g. 0.4; a
    decimal comma, ``share=0,4``, is read as 0.4)."""
    name, _, changes = text.partition(":")
    return project.municipal_key(name, _pairs(re.split(r",(?!\d+(?:,|$))", changes) if changes else [],
                                              f"key '{text}':", "PARAM=VALUE"))


def _pairs(items: Sequence[str], option: str, form: str = "NAME=VALUE") -> dict[str, Any]:
    """``NAME=VALUE`` items as a dict, each value read as JSON where it is JSON (``0.4``, ``{"share": 0.4}``), a
    number written with a decimal comma (``0,4``) as that number, and other text as text."""
    pairs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"{option} '{item}' is not {form}")
        if re.fullmatch(r"\s*[-+]?\d+,\d+\s*", value):
            value = value.replace(",", ".")
        try:
            pairs[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            if value.strip()[:1] in "{[":
                raise ParameterError(f"{option} '{item}': {value} is not JSON; write names in double quotes, "
                                     f"e.g. -p 'key_params={{\"share\": 0.4}}', or use --set share=0.4") from None
            pairs[name.strip()] = value
    return pairs


def _compare(args: argparse.Namespace) -> int:
    from .compare import COMPARISON_COLUMNS, compare
    from .outputs import write_csv
    from .project import load_project
    from .workbook import write_comparison_workbook

    project = load_project(args.project, budget=args.budget, population=args.population)
    suffix = args.output.suffix.lower() if args.output else None
    if suffix not in (None, ".csv", ".xlsx"):
        raise ParameterError(f"--output {args.output}: write a .csv or an .xlsx file")
    keys = [_key(project, text) for text in args.keys]
    reference = _key(project, args.reference) if args.reference else None
    comparison = compare(project, args.year, keys, reference)
    _warn_if_nothing_to_split(comparison.reference)
    wide = comparison.table.pivot(index=["code", "name"], columns="key", values="amount_nok")
    order = [r.key.name for r in comparison.results]
    shown = wide[order].map(_whole)
    for name in order[1:]:  # the amount and, in brackets, its difference against the reference
        shown[name] = shown[name] + (wide[name] - wide[order[0]]).map(lambda d: f" ({d:+,})".replace(",", " "))
    print(f"{comparison.reference.spec.label}: {_whole(comparison.reference.municipal_total)} kr for the "
          f"municipalities; reference: {order[0]} ({comparison.reference.key_label})")
    print(shown.reset_index().to_string(index=False))
    summary = comparison.summary.set_index("key")
    print()
    shown_summary = summary.assign(**{c: summary[c].map(_decimal) for c in summary.columns
                                      if c.endswith(("inhabitant", "ratio"))},
                                   **{c: summary[c].map(_whole) for c in summary.columns if c.endswith("_nok")})
    print(shown_summary.drop(columns="label").T.to_string())
    if suffix == ".csv":
        write_csv(comparison.table[COMPARISON_COLUMNS], args.output)
    elif suffix == ".xlsx":
        write_comparison_workbook(args.output, comparison)
    if args.output:
        print(f"written: {args.output}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from .keys import safe_name
    from .outputs import write_csv
    from .project import load_project
    from .sweep import grid_range, sweep

    project = load_project(args.project, budget=args.budget, population=args.population)
    vary = {}
    for item in args.vary:
        name, sep, grid = item.partition("=")
        if not sep or name.strip() in vary:
            raise ParameterError(f"--vary '{item}' is not NAME=START:STOP:STEP, or names a parameter twice")
        vary[name.strip()] = grid_range(grid)
    key = _key(project, args.key)
    default = f"{project.file_prefix}_sweep_{args.year}_{safe_name(key.name)}.csv"
    output = args.output or paths.CLI_PROCESSED / default
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise ParameterError(f"--output {output}: write a .csv or an .xlsx file")
    table = sweep(project, args.year, key, vary)
    if output.suffix.lower() == ".xlsx":
        from .distribution import distribute
        from .workbook import write_sweep_workbook

        write_sweep_workbook(output, distribute(project, args.year, key), table)
    else:
        write_csv(table, output)
    variants = table["variant"].nunique()
    print(f"{variants} variants x {len(table) // variants} municipalities; written: {output}")
    return 0


def _whole(value: object) -> str:
    """A whole number with spaces between thousands (empty for a missing one): the terminal's plain text."""
    import pandas as pd

    return "" if pd.isna(value) else f"{int(value):,}".replace(",", " ")


def _percent(share: float) -> str:
    """A share as the terminal shows it, the Norwegian way: ``50,00 %``."""
    from . import norwegian as no

    return no.percent(share, 2, trim=False).replace(no.NBSP, " ")


def _decimal(value: float) -> str:
    """A ratio or an amount per inhabitant as the terminal shows it: ``2,73``."""
    from . import norwegian as no

    return no.number(value, 2).replace(no.NBSP, " ")


def _version() -> str:
    from .version import __version__

    return __version__


def _new(args: argparse.Namespace) -> int:
    from .new_project import AdoptedKey, create_project

    if args.fixed is not None:
        key = AdoptedKey(fixed=args.fixed)
    elif args.anchor is not None or args.share != 0.5:
        key = AdoptedKey(anchor=args.anchor or "4601", share=args.share)
    else:
        key = None
    project = create_project(args.folder, name=args.name, short_name=args.short_name, codes=args.municipalities,
                             key=key, year=args.year, language=args.language)
    print(f"made {shown(project.parent)}: open {shown(project.parent / 'README.md')} for the next steps; "
          f"the reports: lkt report --project {shown(project)}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from .ssb import fetch_population

    print("\n".join(fetch_population(args.project, args.years, overwrite=args.overwrite).lines()))
    return 0


def _keys(args: argparse.Namespace) -> int:
    from .keys import describe, label
    from .project import load_project, members, municipal_key

    project = load_project(args.project, budget=args.budget, population=args.population)
    print(f"{project.name} ({shown(args.project)})")
    print("budget years:")
    for year, spec in project.years.items():
        print(f"  {year}  {spec.label:<14} population at 1 January {spec.population_year}")
    last = max(project.years)
    municipalities = members(project, last)
    for heading, names in ((f"keys (in words for {last}; * the adopted one):", project.municipal_keys()),
                           ("standard keys (in every project; a variant as NAME:PARAM=VALUE):",
                            project.standard_keys())):
        if names:
            print(heading)
        for name in names:
            key = municipal_key(project, name, last)
            print(f"{'*' if name == project.key else ' '} {name:<22} {label(municipalities, key, project.language)}: "
                  f"{describe(municipalities, key, project.language)}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .batch import run_reports, skip_unused_imports

    skip_unused_imports()  # this process is the command's own
    extra = _pairs(args.params, "--param")
    settings = _pairs(args.settings, "--set")
    if settings:
        if "key_params" in extra:
            raise ParameterError("give the key's parameters with --set or with -p key_params=..., not both")
        extra["key_params"] = settings
    outcomes = run_reports(project=args.project, years=args.years, keys=args.keys, jobs=args.jobs, out=args.out,
                           budget=args.budget, population=args.population, extra=extra, compare=args.compare,
                           force=args.force, dry_run=args.dry_run, progress=not args.dry_run)
    years = {getattr(o.run.result, "reference", o.run.result).year: o.run.result for o in outcomes}
    for result in years.values():
        _warn_if_nothing_to_split(getattr(result, "reference", result))
    if args.dry_run:
        for outcome in outcomes:
            print(f"{'skip' if outcome.skipped else 'make'}  {outcome.run.stem}")
        skipped = sum(o.skipped for o in outcomes)
        print(f"would make {len(outcomes) - skipped} and skip {skipped} (unchanged) in {args.out}")
        return 0
    failed = [o for o in outcomes if o.error]
    for outcome in failed:
        print(f"failed: {outcome.run.stem}: {outcome.error}", file=sys.stderr)
    skipped = sum(o.skipped for o in outcomes)
    print(f"{len(outcomes) - skipped - len(failed)} made, {skipped} skipped (unchanged), {len(failed)} failed; "
          f"open {args.out / 'index.html'}")
    return 1 if failed else 0
