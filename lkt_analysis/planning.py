"""Planning a batch of reports: the runs, each checked against its notebook and computed once, with its
record, before any kernel starts.

A kind of report (``KINDS``: the yearly distribution, the comparison of keys) is its
notebook, what the notebook shows computed from the project and the notebook's
parameters, and how its spreadsheet and its line in the index are made. A notebook
gets what the batch computed through :func:`load_report`, which computes it itself
where it is opened without (in JupyterLab).
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import paths
from .compare import compare
from .distribution import distribute, distribute_years
from .errors import ParameterError, did_you_mean
from .keys import safe_name
from .project import Project, decision_years, load_project
from .record import input_hashes, make_record, read_prepared, sha256
from .report import page_header
from .text import words
from .version import __version__



@dataclass(frozen=True)
class Run:
    """One report to make: its notebook parameters, the file stem its outputs share, its kind, its result and
    its record.

    ``result`` (a ``Distribution`` or a ``Comparison``), ``decisions`` (the
    distributions of the decision text's years) and ``record`` are made once when the
    batch is planned; the notebook, the spreadsheet, the JSON and the index take them.
    """

    parameters: Mapping[str, Any]
    stem: str
    kind: str = "distribution"
    result: Any = field(default=None, compare=False, repr=False)
    decisions: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    record: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    fingerprint: str = ""  # what the outputs depend on (see ``fingerprint``); equal means nothing changed


@dataclass(frozen=True)
class ReportKind:
    """A kind of report.

    Attributes:
        name: Its name in runs and records.
        notebook: The notebook that shows it.
        compute: What the notebook shows, from the project and the notebook's parameters.
        subject: The one result (a ``Distribution`` or a ``Comparison``) that what it shows is about,
            for its title and record.
        handed: What a planned run hands the notebook (the same as ``compute`` would give).
        write: Writes the workbook of a run and returns its summary for the index.
        workbook: The workbook's file name (runs of one decision share one).
        header: What every printed page of the report says at its top.
    """

    name: str
    notebook: Path
    compute: Callable[..., Any]
    subject: Callable[[Any, Mapping[str, Any]], Any]
    handed: Callable[[Run], Any]
    write: Callable[[Path, Run], dict[str, Any]]
    workbook: Callable[[Run], str]
    header: Callable[[Any], str]


def load_report(kind: str, prepared: str | Path | None = None, **parameters: Any) -> tuple[Any, dict[str, Any]]:
    """What a report notebook shows and its record: those ``lkt report`` left in the file ``prepared`` (checked
    against the notebook's ``parameters``), or else computed here from the project the parameters name.

    Example:
        >>> results, record = load_report("distribution", year=2019, key="bergen_50", key_params={})
        >>> results[2019].totals["municipalities"], record["about"]["Budsjettår"]
        (1525000, '2019')
    """
    if prepared:
        return read_prepared(prepared, parameters)
    report = KINDS[kind]
    project = load_project(parameters.get("project_file") or paths.DEFAULT_PROJECT,
                           budget=parameters.get("budget"), population=parameters.get("population"))
    shown = report.compute(project, **parameters)
    return shown, make_record(report.subject(shown, parameters), parameters, input_hashes(project))


# --- checking parameters before any kernel starts ------------------------------------------

def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The notebook's parameters and their default values, read from its ``parameters`` cell."""
    path = Path(notebook).resolve()
    return dict(_parameters(path, path.stat().st_mtime_ns))


@cache
def _parameters(notebook: Path, mtime_ns: int) -> dict[str, Any]:
    import papermill

    found = papermill.inspect_notebook(str(notebook))
    if not found:
        raise ParameterError(f"{notebook}: no cell tagged 'parameters'")
    return {name: ast.literal_eval(spec["default"]) for name, spec in found.items()}


def check_parameters(notebook: str | Path, parameters: Mapping[str, Any]) -> None:
    """Refuse a parameter the notebook does not have, or a value of another type than its default.

    papermill itself only warns about an unknown name and runs with the default,
    which makes a silently wrong report.
    """
    defaults = notebook_parameters(notebook)
    for name, value in parameters.items():
        if name not in defaults:
            raise ParameterError(f"unknown parameter '{name}'{did_you_mean(name, defaults)}; "
                                 f"parameters: {', '.join(defaults)}")
        default = defaults[name]
        if default is None:  # a path or a list of paths, or None for the project's own
            allowed, ok = "str or list or None", value is None or isinstance(value, (str, list))
        else:
            allowed, ok = type(default).__name__, type(value) is type(default)
        if not ok:
            raise ParameterError(f"parameter '{name}' must be {allowed}, not {type(value).__name__} ({value!r})")


def plan(
    project_file: str | Path,
    *,
    years: Sequence[int] | None = None,
    keys: Sequence[str] | None = None,
    budget: str | Path | None = None,
    population: Sequence[str | Path] | None = None,
    extra: Mapping[str, Any] | None = None,
    notebook: str | Path | None = None,
    compare: bool = False,
) -> list[Run]:
    """The runs of a batch, each checked against the project and the notebook, with its result, record and
    fingerprint.

    A yearly report is one run per year and key; a comparison (``compare``) is one
    run per year comparing ``keys`` (default: the project's ``comparison_keys``)
    with the project's key. A key parameter changed by ``extra["key_params"]``
    gives a variant named after the change (``bergen_50_share-0.4``).
    """
    kind = COMPARISON if compare else DISTRIBUTION
    notebook = Path(notebook or kind.notebook).absolute()
    if not notebook.is_file():
        raise ParameterError(f"the report notebook {notebook} is not there: lkt report runs the notebooks of a "
                             "checkout of the project (installed with pip install -e .)")
    project = load_project(project_file, budget=budget, population=population)
    years = list(years or project.years)
    for year in years:
        if year not in project.years:
            raise ParameterError(f"year {year} is not in the budget{did_you_mean(year, project.years)}; "
                                 f"budget years: {', '.join(map(str, project.years))}")
    keys = list(keys or (project.comparison_keys() if compare else [project.key]))
    check_parameters(notebook, extra or {})
    fixed = {"year": "use --years", "key": "use --keys", "keys": "use --keys", "project_file": "use --project",
             "budget": "use --budget", "population": "use --population", "prepared": "it is the batch's own"}
    clash = sorted(set(extra or {}) & set(fixed))
    if clash:
        raise ParameterError(f"parameter '{clash[0]}' is set by the batch: {fixed[clash[0]]}")
    inputs = {"project_file": str(project.path), "budget": None if budget is None else str(project.budget_file),
              "population": None if population is None else list(map(str, project.population_files))}
    hashes = input_hashes(project)  # read once: every run of a batch has the same inputs
    defaults = notebook_parameters(notebook)
    computed: dict[tuple[int, str], Any] = {}

    def result(year: int, key: Any) -> Any:  # each year and key computed once for the whole batch
        if (year, key.name) not in computed:
            computed[year, key.name] = distribute(project, year, key)
        return computed[year, key.name]

    def run(parameters: dict[str, Any], stem: str, subject: Any, decisions: tuple[Any, ...] = ()) -> Run:
        check_parameters(notebook, parameters)
        shown = {name: value for name, value in {**defaults, **parameters}.items() if name != "prepared"}
        record = make_record(subject, shown, hashes)
        basis = {"parameters": shown, "inputs": hashes, "notebook": sha256(notebook), "version": __version__}
        fingerprint = hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()
        return Run(parameters, stem, kind.name, subject, decisions, record, fingerprint)

    file = words(project.language)
    if compare:
        return [run(parameters, f"{project.file_prefix}_{file('file.comparison')}_{year}",
                    kind.compute(project, **parameters))
                for year in years for parameters in [{"year": year, "keys": keys, **inputs, **(extra or {})}]]
    chosen = [project.municipal_key(key, (extra or {}).get("key_params")) for key in keys]
    return [run({"year": year, "key": name, **inputs, **(extra or {})},
                f"{project.file_prefix}_{file('file.distribution')}_{year}_{safe_name(key.name)}", result(year, key),
                tuple(result(y, key) for y in decision_years(project, year)))
            for year in years for name, key in zip(keys, chosen)]


# --- the kinds of report ------------------------------------------------------------------

def _distributions(project: Project, *, year: int, key: str | None = None, key_params: Mapping[str, Any] | None = None,
                   **_: Any) -> dict[int, Any]:
    return distribute_years(project, year, project.municipal_key(key, key_params))


def _comparison(project: Project, *, year: int, keys: Sequence[str] | None = None, reference: str | None = None,
                **_: Any) -> Any:
    return compare(project, year, keys, reference)


def attachment_name(result: Any, results: Sequence[Any]) -> str:
    """The attachment's file name: the project, the decision's years and the key; an alternative says so."""
    years = f"{results[0].year}-{results[-1].year}" if len(results) > 1 else str(results[0].year)
    kind = words(result.project.language)("file.attachment" if result.adopted else "file.alternative")
    return f"{result.project.file_prefix}_{kind}_{years}_{safe_name(result.key.name)}.xlsx"


def _write_distribution(path: Path, run: Run) -> dict[str, Any]:
    from .workbook import write_workbook

    result = run.result
    write_workbook(path, result, run.decisions)
    return {"label": result.spec.label, "totals": result.totals, "key_label": result.key_label,
            "key_text": result.key_text, "adopted": result.adopted}


def _write_comparison(path: Path, run: Run) -> dict[str, Any]:
    from .workbook import write_comparison_workbook

    comparison = run.result
    write_comparison_workbook(path, comparison)
    w = words(comparison.project.language)
    return {"label": comparison.reference.spec.label, "totals": comparison.reference.totals,
            "key_label": w("index.comparison"),
            "key_text": w("index.against", reference=comparison.reference.key_label,
                          keys="; ".join(r.key_label for r in comparison.results[1:])), "adopted": None}


def _comparison_header(comparison: Any) -> str:
    name = words(comparison.project.language)("index.comparison")
    return f"{comparison.project.short_name} · {comparison.reference.spec.label} · {name}"


DISTRIBUTION = ReportKind("distribution", paths.REPORT_NOTEBOOK, _distributions,
                          lambda shown, parameters: shown[parameters["year"]],
                          lambda run: {result.year: result for result in run.decisions}, _write_distribution,
                          lambda run: attachment_name(run.result, run.decisions), page_header)
COMPARISON = ReportKind("comparison", paths.COMPARISON_NOTEBOOK, _comparison, lambda shown, parameters: shown,
                        lambda run: run.result, _write_comparison, lambda run: f"{run.stem}.xlsx", _comparison_header)
KINDS = {kind.name: kind for kind in (DISTRIBUTION, COMPARISON)}
