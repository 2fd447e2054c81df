"""Batch-run the report notebooks: one papermill run per budget year and key (or per year, for a
comparison of keys), in parallel.

Each run writes, under the output folder, the executed notebook, a self-contained
HTML page (no code, charts inline, nothing fetched from the network), the
spreadsheet and a JSON record of what the report was made from; then ``index.html``
lists every report in the folder (see ``index``). Parameters are checked and every
result is computed before any kernel starts; a run whose outputs are there and
unchanged is skipped. A failing run does not stop the others and leaves no file.

Where the time goes, and what is done about it (``benchmarks/bench_phases.py``):
everything is computed once, when the batch is planned, and each run's notebook is
handed its result in a file (its ``prepared`` parameter) instead of reading the SSB
files again; the kernels run in a process pool, one worker per core, and where the
OS has fork each kernel is a fork of its worker, which has imported what a report
needs once (see ``kernels``); HTML is exported in-process without nbconvert's last
BeautifulSoup pass; the kernel is killed rather than shut down gracefully. Kernels
talk over IPC sockets with a unique path per run where ZeroMQ has them (TCP
otherwise, e.g. on Windows), and a start that fails is retried.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from . import paths
from .errors import Interrupted, LktError, OutputError, ParameterError, shown
from .outputs import output_folder, write_text

KERNEL_START_ATTEMPTS = 3
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Run:
    """One report to make: its notebook parameters, the file stem its outputs share, its kind, and its result.

    ``result`` (a ``Distribution`` or a ``Comparison``) and ``decisions`` (the
    distributions of the decision text's years) are computed once when the batch
    is planned, and the spreadsheet and the index are written from them.
    """

    parameters: Mapping[str, Any]
    stem: str
    kind: str = "distribution"
    result: Any = field(default=None, compare=False, repr=False)
    decisions: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    fingerprint: str = ""  # what the outputs depend on (see ``fingerprint``); equal means nothing changed


@dataclass(frozen=True)
class ReportKind:
    """A kind of report: its notebook and how its spreadsheet and index summary are made from its result."""

    name: str
    notebook: Path
    write: Callable[[Path, Run], dict[str, Any]]  # writes the spreadsheet, returns the index's summary
    prepared: Callable[[Run], Any]  # what the notebook is handed instead of computing it (its ``prepared``)


@dataclass
class Outcome:
    """What became of a run: its output files, or the error that stopped it."""

    run: Run
    files: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    skipped: bool = False  # its outputs were there, made from the same fingerprint (or, in a dry run: would be)


# --- checking parameters before any kernel starts ------------------------------------------

def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The notebook's parameters and their default values, read from its ``parameters`` cell."""
    path = Path(notebook).resolve()
    return dict(_parameters(path, path.stat().st_mtime_ns))


@cache
def _parameters(notebook: Path, mtime_ns: int) -> dict[str, Any]:
    import ast

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
            raise ParameterError(f"unknown parameter '{name}'; parameters: {', '.join(defaults)}")
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
    """The runs of a batch, each checked against the project and the notebook, with its result computed.

    A yearly report is one run per year and key; a comparison (``compare``) is one
    run per year comparing ``keys`` (default: all the project's municipal keys)
    with the project's key. A key parameter changed by ``extra["key_params"]``
    gives a variant named after the change (``bergen_50_share-0.4``).
    """
    from .compare import compare as compare_keys
    from .distribution import distribute
    from .keys import safe_name
    from .project import decision_years, load_project

    kind = COMPARISON if compare else DISTRIBUTION
    notebook = Path(notebook or kind.notebook)
    if not notebook.is_file():
        raise ParameterError(f"the report notebook {notebook} is not there: lkt report runs the notebooks of a "
                             "checkout of the project (installed with pip install -e .)")
    project = load_project(project_file, budget=budget, population=population)
    years = list(years or project.years)
    for year in years:
        if year not in project.years:
            raise ParameterError(f"year {year} is not in the budget; "
                                 f"budget years: {', '.join(map(str, project.years))}")
    keys = list(keys or (project.comparison_keys() if compare else [project.key]))
    overrides = {} if compare else (extra or {}).get("key_params") or {}
    chosen = [project.municipal_key(key, overrides) for key in keys]
    fixed = {"year": "use --years", "key": "use --keys", "keys": "use --keys", "project_file": "use --project",
             "budget": "use --budget", "population": "use --population", "prepared": "it is the batch's own"}
    clash = sorted(set(extra or {}) & set(fixed))
    if clash:
        raise ParameterError(f"parameter '{clash[0]}' is set by the batch: {fixed[clash[0]]}")
    inputs = {"project_file": str(Path(project_file).resolve()),
              "budget": None if budget is None else str(Path(budget).resolve()),
              "population": None if population is None else [str(Path(p).resolve()) for p in population]}
    short = project.file_prefix
    if compare:
        runs = []
        for year in years:
            parameters = {"year": year, "keys": keys, **inputs, **(extra or {})}
            check_parameters(notebook, parameters)
            runs.append(Run(parameters, f"{short}_sammenligning_{year}", kind.name,
                            compare_keys(project, year, chosen, parameters.get("reference"))))
        return runs
    computed: dict[tuple[int, str], Any] = {}

    def result(year: int, key: Any) -> Any:  # each year and key computed once for the whole batch
        if (year, key.name) not in computed:
            computed[year, key.name] = distribute(project, year, key)
        return computed[year, key.name]

    runs = []
    for year in years:
        together = decision_years(project, year)
        for name, key in zip(keys, chosen):
            parameters = {"year": year, "key": name, **inputs, **(extra or {})}
            check_parameters(notebook, parameters)
            runs.append(Run(parameters, f"{short}_fordeling_{year}_{safe_name(key.name)}", kind.name,
                            result(year, key), tuple(result(y, key) for y in together)))
    return runs


# --- running ----------------------------------------------------------------------------

def run_reports(
    project: str | Path = paths.DEFAULT_PROJECT,
    *,
    years: Sequence[int] | None = None,
    keys: Sequence[str] | None = None,
    jobs: int | None = None,
    out: str | Path = paths.REPORTS,
    budget: str | Path | None = None,
    population: Sequence[str | Path] | None = None,
    extra: Mapping[str, Any] | None = None,
    notebook: str | Path | None = None,
    compare: bool = False,
    force: bool = False,
    dry_run: bool = False,
    progress: bool = False,
) -> list[Outcome]:
    """Make every report of a batch that is not already there, then the index; returns what became of
    each run, in order.

    A run whose outputs exist with the same fingerprint (effective parameters, the inputs' SHA-256, the
    notebook's hash, the package version) is skipped unless ``force``; ``dry_run`` only says which runs
    would be made and which skipped.

    Raises:
        ParameterError: a year, key or parameter is wrong (before any kernel starts).
    """
    from tqdm import tqdm

    from .index import read_records, write_index
    from .report import input_hashes

    runs = plan(project, years=years, keys=keys, budget=budget, population=population, extra=extra,
                notebook=notebook, compare=compare)
    notebook = Path(notebook or KINDS[runs[0].kind].notebook).absolute()
    out = Path(out).absolute()  # the kernels run in the notebooks' folder
    inputs = input_hashes(runs[0].result.project)  # read once: every run of a batch has the same inputs
    runs = [replace(run, fingerprint=fingerprint(run, notebook, inputs)) for run in runs]
    _refuse_another_projects(runs, out)
    done = {run.stem: _unchanged(run, out) for run in runs}
    if dry_run:
        return [Outcome(run, skipped=done[run.stem] is not None and not force) for run in runs]
    output_folder(out)
    outcomes = [Outcome(run, files=done[run.stem]["files"], summary=done[run.stem]["summary"], skipped=True)
                for run in runs if done[run.stem] is not None and not force]
    todo = [run for run in runs if force or done[run.stem] is None]
    interrupted = False
    if todo:
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_start_worker)
        futures = [pool.submit(run_report, run, out, notebook) for run in todo]
        try:
            with _terminate_as_interrupt():
                for future in tqdm(as_completed(futures), total=len(futures), desc="reports", unit="report",
                                   disable=not progress):
                    outcomes.append(future.result())
        except KeyboardInterrupt:
            interrupted = True
            _stop(pool, futures, out, todo)
            outcomes = [o for o in outcomes if not o.error]
        else:
            pool.shutdown()
    order = {run.stem: i for i, run in enumerate(runs)}
    outcomes.sort(key=lambda o: order[o.run.stem])
    # what is finished is read from disk: a worker may have finished its files just as the batch was stopped
    finished = {run.stem for run in runs if _unchanged(run, out) is not None}
    write_index(out / "index.html", read_records(out), latest=finished,
                failed=[(o.run.stem, o.error) for o in outcomes if o.error])
    if interrupted:
        raise Interrupted(len(finished), len(runs), out / "index.html")
    return outcomes


def skip_unused_imports() -> None:
    """Go without rfc3987_syntax in this process, where it has not been imported yet.

    nbformat imports jsonschema, which imports rfc3987_syntax only to check the "iri"
    format, which no notebook schema uses; the import compiles 39 grammars and takes
    0.8 s, a sixth of a batch of 8 reports (python-jsonschema/jsonschema#1428). Called
    by ``lkt report`` and in the batch's workers, never on import: a program that uses
    the library keeps its jsonschema as it is.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


def _start_worker() -> None:
    """In a new worker: Ctrl-C is the batch's to handle (it stops the workers), not each worker's; and
    where kernels are forked from the worker, import once what every kernel needs."""
    import signal

    from . import kernels

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    skip_unused_imports()
    if kernels.can_fork():
        kernels.preload()


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While the batch runs, SIGTERM stops it like Ctrl-C (where signals can be set: the main thread)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(pool: ProcessPoolExecutor, futures: Sequence[Any], out: Path, runs: Sequence[Run]) -> None:
    """Cancel the queued runs, stop the running ones and remove what they had begun to write (their staging
    folders, and the files of a run stopped while it moved them in).

    A worker's kernel watches its parent (``JPY_PARENT_PID``, or for a forked kernel the worker's pid) and
    exits when the worker is gone.
    """
    import multiprocessing

    for future in futures:
        future.cancel()
    for worker in multiprocessing.active_children():
        worker.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    for run in runs:
        for staging in out.glob(f".{run.stem}.*"):
            shutil.rmtree(staging, ignore_errors=True)
        if not (out / f"{run.stem}.json").exists():  # stopped while its files were moved in: a mixed set
            for ext in ("html", "xlsx", "ipynb"):
                (out / f"{run.stem}.{ext}").unlink(missing_ok=True)


def fingerprint(run: Run, notebook: str | Path, inputs: Sequence[Mapping[str, str]]) -> str:
    """The SHA-256 of what a run's outputs depend on: its effective parameters, ``inputs`` (their SHA-256, from
    ``report.input_hashes``), the notebook and the package version."""
    from . import __version__
    from .report import sha256

    basis = {"parameters": {**notebook_parameters(notebook), **run.parameters},
             "inputs": list(inputs), "notebook": sha256(notebook), "version": __version__}
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()


def _refuse_another_projects(runs: Sequence[Run], out: Path) -> None:
    """Refuse to write over the reports of another project that has the same short name."""
    project = runs[0].result.project
    for run in runs:
        record = _record(out / f"{run.stem}.json")
        owner = (record or {}).get("project", {})
        if owner.get("file") not in (None, str(project.path)):
            raise OutputError(out / f"{run.stem}.html", f"is a report of the project '{owner.get('name')}' "
                              f"({owner['file']}); give this project another short_name in "
                              f"{shown(project.path)}, or another --out folder")


def _record(path: Path) -> dict[str, Any] | None:
    """The JSON record at ``path``, or None if there is none that can be read as one."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def _unchanged(run: Run, out: Path) -> dict[str, Any] | None:
    """The record of ``run``'s outputs in ``out`` if they are all there and made from the same fingerprint."""
    record = _record(out / f"{run.stem}.json")
    if record is None or record.get("fingerprint") != run.fingerprint:
        return None
    if not all((out / name).is_file() for name in record.get("files", {}).values()):
        return None
    return record


def _context() -> Any:
    """How the workers start: forked where kernels are forked too (see ``kernels.can_fork``), else spawned."""
    import multiprocessing

    from . import kernels

    return multiprocessing.get_context("fork" if kernels.can_fork() else "spawn")


def run_report(run: Run, out: Path, notebook: Path) -> Outcome:
    """Execute one run, handing it the result computed when the batch was planned, and move its outputs into
    ``out`` only once all of them are complete."""
    from .outputs import write_prepared

    outcome = Outcome(run)
    staging = Path(tempfile.mkdtemp(prefix=f".{run.stem}.", dir=out))
    try:
        prepared = write_prepared(staging / "prepared.pickle", KINDS[run.kind].prepared(run),
                                  {**notebook_parameters(notebook), **run.parameters})
        executed = staging / f"{run.stem}.ipynb"
        execute(notebook, executed, {**run.parameters, "prepared": str(prepared)})
        outcome.summary, files = _write_outputs(run, staging, executed, notebook)
        # While the files are moved in, the report has no record: stopped half-way, it is not listed and the
        # batch removes what was moved (see _stop). The record goes last: it means all the others are there.
        (out / files["json"]).unlink(missing_ok=True)
        for ext, name in sorted(files.items(), key=lambda item: item[0] == "json"):
            os.replace(staging / name, out / name)
            outcome.files[ext] = name
    except Exception as err:  # noqa: BLE001 (one failing run must not stop the batch)
        outcome.error = _reason(err)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outcome


def execute(notebook: str | Path, output: str | Path, parameters: Mapping[str, Any]) -> None:
    """Run a notebook with papermill as the batch does: its own kernel, killed at the end, no lost wake-ups.

    A kernel that fails to start is started again (up to ``KERNEL_START_ATTEMPTS``);
    an error inside a cell is not retried.
    """
    import papermill
    import zmq
    from nbclient.exceptions import DeadKernelError
    from traitlets.config import Config

    from . import kernels

    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        sockets = tempfile.mkdtemp(prefix="lkt-kernel-")
        try:
            papermill.execute_notebook(
                str(notebook), str(output), parameters=dict(parameters), kernel_name="python3",
                progress_bar=False, request_save_on_cell_execute=False, cwd=str(Path(notebook).parent),
                shutdown_kernel="immediate", kernel_manager_class=kernels.manager_class(),
                extra_arguments=list(kernels.ARGUMENTS),
                config=Config({"KernelManager": kernels.manager_config(sockets)}),
            )
            return
        except (RuntimeError, TimeoutError, OSError, zmq.ZMQError, DeadKernelError):
            # a kernel that did not start or answer; a cell's error is not retried
            if attempt == KERNEL_START_ATTEMPTS:
                raise
        finally:
            shutil.rmtree(sockets, ignore_errors=True)


def _reason(err: BaseException) -> str:
    """One line saying why a run failed: the failing cell's error, not a wall of traceback."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError):
        first_line = next((line for line in err.source.splitlines() if line.strip()), "")
        return f"{err.ename}: {err.evalue} (in cell {err.exec_count}: {first_line.strip()})"
    if isinstance(err, LktError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def _write_outputs(run: Run, folder: Path, executed: Path, notebook: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Write the HTML, the spreadsheet and the JSON record of an executed run; return its index summary and
    its output files by kind."""
    from . import report

    files = {ext: f"{run.stem}.{ext}" for ext in ("html", "xlsx", "ipynb", "json")}
    write_text(folder / files["html"], export_html(executed, run.result.title()))
    summary = KINDS[run.kind].write(folder / files["xlsx"], run)
    record = {**report.provenance(run.result, {**notebook_parameters(notebook), **run.parameters}),
              "kind": run.kind, "summary": summary, "fingerprint": run.fingerprint, "files": files}
    write_text(folder / files["json"], json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return summary, files


def _write_distribution(path: Path, run: Run) -> dict[str, Any]:
    from .workbook import write_workbook

    result = run.result
    write_workbook(path, result, run.decisions)
    return {"label": result.spec.label, "totals": result.totals, "key_label": result.key_label,
            "key_text": result.key_text}


def _write_comparison(path: Path, run: Run) -> dict[str, Any]:
    from .workbook import write_comparison_workbook

    comparison = run.result
    write_comparison_workbook(path, comparison)
    return {"label": comparison.reference.spec.label, "totals": comparison.reference.totals,
            "key_label": "Sammenligning av fordelingsnøkler",
            "key_text": f"Mot {comparison.reference.key_label}: " + "; ".join(
                r.key_label for r in comparison.results[1:])}


DISTRIBUTION = ReportKind("distribution", paths.REPORT_NOTEBOOK, _write_distribution,
                          lambda run: {result.year: result for result in run.decisions})  # report.distributions
COMPARISON = ReportKind("comparison", paths.COMPARISON_NOTEBOOK, _write_comparison,
                        lambda run: run.result)  # comparison_report.comparison
KINDS = {kind.name: kind for kind in (DISTRIBUTION, COMPARISON)}


@cache
def _exporter() -> Any:
    from nbconvert import HTMLExporter
    from nbconvert.exporters import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):  # type: ignore[misc]
        """nbconvert's HTML exporter without its last pass, which parses the whole page again with
        BeautifulSoup only to give each ``<img>`` an alt text and JupyterLab's cell classes a tabindex: these
        pages have neither (inline SVG, classic cells), and the pass took 0.16 s of 0.2 s a page."""

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=self))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=nb.metadata, parent=self, resources=self._init_resources(resources)))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PageExporter(template_file=str(TEMPLATES / "report.html.j2"), exclude_input=True, exclude_anchor_links=True,
                        exclude_input_prompt=True, exclude_output_prompt=True, filters={"compact_svg": compact_svg})


def compact_svg(svg: str) -> str:
    """A matplotlib SVG made small enough to inline: from ``<svg`` on, no metadata block, coordinates to
    two decimals (1/100 pt, far below what print shows), runs of white space as one."""
    import re

    svg = svg[svg.find("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"(\d+\.\d{2})\d+", r"\1", svg)
    return re.sub(r"\s+", " ", svg).replace("> <", "><")


def export_html(notebook: str | Path, title: str) -> str:
    """The executed notebook as one self-contained page titled ``title``: no code, charts inline, no network."""
    import nbformat

    node = nbformat.read(str(notebook), as_version=4)
    node.metadata["title"] = title
    for number, cell in enumerate(node.cells):  # papermill's injected cell has a random id: the page would differ
        cell.id = f"cell-{number}"
    body, _ = _exporter().from_notebook_node(node)
    return body
