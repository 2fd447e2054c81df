"""Batch-run the report notebook: one papermill run per budget year and key, in parallel.

Each run writes, under the output folder, the executed notebook, a self-contained
HTML report (no code, images embedded, nothing fetched from the network), the
municipalities' spreadsheet and a JSON record of what the report was made from;
then ``index.html`` lists every report of the batch. Parameters are checked before
any kernel starts. A failing run does not stop the others and leaves no file.

Where the time goes, and what is done about it (see ``benchmarks/``): the kernels
run in a process pool, one per core; HTML is exported in-process; the kernel is
shut down immediately rather than gracefully; kernels talk over IPC sockets with a
unique path per run, so parallel starts cannot collide on TCP ports, and a start
that fails anyway is retried.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import norwegian as no
from . import paths
from .errors import LktError, ParameterError
from .outputs import write_text

KERNEL_START_ATTEMPTS = 3
TEMPLATE = Path(__file__).parent / "templates" / "report.html.j2"


@dataclass(frozen=True)
class Run:
    """One report to make: its notebook parameters and the file stem its outputs share."""

    parameters: Mapping[str, Any]
    stem: str


@dataclass
class Outcome:
    """What became of a run: its output files, or the error that stopped it."""

    run: Run
    files: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


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
    notebook: str | Path = paths.REPORT_NOTEBOOK,
) -> list[Run]:
    """The runs of a batch, one per year and key, each checked against the project and the notebook."""
    from .project import allocation, load_project
    from .report import effective_key

    project = load_project(project_file, budget=budget, population=population)
    years = list(years or project.years)
    keys = list(keys or [project.key])
    for year in years:
        if year not in project.years:
            raise ParameterError(f"year {year} is not in the budget; budget years: {', '.join(map(str, project.years))}")
    for key in keys:
        project.municipal_key(key)
    fixed = {"year": "--years", "key": "--keys", "project_file": "--project", "budget": "--budget",
             "population": "--population", "decision_years": "--years"}
    clash = sorted(set(extra or {}) & set(fixed))
    if clash:
        raise ParameterError(f"parameter '{clash[0]}' is set by the batch: use {fixed[clash[0]]}")
    short = str(project.short_name).lower()
    runs = []
    for year in years:
        for key in keys:
            parameters = {
                "year": year, "key": key, "project_file": str(Path(project_file).resolve()),
                "budget": None if budget is None else str(Path(budget).resolve()),
                "population": None if population is None else [str(Path(p).resolve()) for p in population],
                "decision_years": years, **(extra or {}),
            }
            check_parameters(notebook, parameters)
            allocation(project, year, effective_key(project, key, parameters.get("key_params")))
            variant = parameters.get("key_params") or {}
            suffix = "_" + hashlib.sha256(json.dumps(variant, sort_keys=True).encode()).hexdigest()[:6] if variant else ""
            runs.append(Run(parameters, f"{short}_fordeling_{year}_{key}{suffix}"))
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
    notebook: str | Path = paths.REPORT_NOTEBOOK,
    progress: bool = False,
) -> list[Outcome]:
    """Make every report of a batch and the index; returns what became of each run, in order.

    Raises:
        ParameterError: a year, key or parameter is wrong (before any kernel starts).
    """
    from tqdm import tqdm

    runs = plan(project, years=years, keys=keys, budget=budget, population=population, extra=extra,
                notebook=notebook)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(runs)))
    outcomes = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        futures = [pool.submit(run_report, run, out, Path(notebook)) for run in runs]
        for future in tqdm(as_completed(futures), total=len(futures), desc="reports", unit="report",
                           disable=not progress):
            outcomes.append(future.result())
    order = {run.stem: i for i, run in enumerate(runs)}
    outcomes.sort(key=lambda o: order[o.run.stem])
    write_index(out / "index.html", outcomes)
    return outcomes


def _context() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def run_report(run: Run, out: Path, notebook: Path = paths.REPORT_NOTEBOOK) -> Outcome:
    """Execute one run and move its outputs into ``out`` only once all of them are complete."""
    outcome = Outcome(run)
    staging = Path(tempfile.mkdtemp(prefix=f".{run.stem}.", dir=out))
    try:
        executed = staging / f"{run.stem}.ipynb"
        _execute(notebook, executed, run.parameters)
        outcome.summary = _write_outputs(run, staging, executed, notebook)
        for file in sorted(staging.iterdir()):
            os.replace(file, out / file.name)
            outcome.files[file.suffix.lstrip(".")] = file.name
    except Exception as err:  # noqa: BLE001 (one failing run must not stop the batch)
        outcome.error = _reason(err)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outcome


def _execute(notebook: str | Path, output: Path, parameters: Mapping[str, Any]) -> None:
    import papermill
    import zmq
    from nbclient.exceptions import DeadKernelError
    from traitlets.config import Config

    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        sockets = tempfile.mkdtemp(prefix="lkt-kernel-")
        try:
            papermill.execute_notebook(
                str(notebook), str(output), parameters=dict(parameters), kernel_name="python3",
                progress_bar=False, request_save_on_cell_execute=False, cwd=str(Path(notebook).parent),
                shutdown_kernel="immediate",
                config=Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}}),
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


@cache
def _loaded(project: str, budget: str | None, population: tuple[str, ...] | None) -> Any:
    from .project import load_project

    return load_project(project, budget=budget, population=population)


def _write_outputs(run: Run, folder: Path, executed: Path, notebook: Path) -> dict[str, Any]:
    """Write the HTML, the spreadsheet and the JSON record of an executed run; return its headline figures."""
    from . import report
    from .project import allocation
    from .workbook import write_workbook

    p = run.parameters
    project = _loaded(p["project_file"], p["budget"], tuple(p["population"]) if p["population"] else None)
    key = report.effective_key(project, p["key"], p.get("key_params"))
    write_text(folder / f"{run.stem}.html", export_html(executed))
    write_workbook(folder / f"{run.stem}.xlsx", project, p["year"], key, p["decision_years"])
    record = report.provenance(project, {**notebook_parameters(notebook), **p})
    write_text(folder / f"{run.stem}.json", json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    result = allocation(project, p["year"], key)
    totals = result.groupby("group")["amount_nok"].sum()
    return {"label": project.years[p["year"]].label, "total": int(totals.sum()),
            "specialist_health_service": int(totals.get("specialist_health_service", 0)),
            "municipalities": int(totals.get("municipalities", 0)),
            "key_text": report.describe_key(project, p["year"], key)}


@cache
def _exporter() -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(template_file=str(TEMPLATE), exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)


def export_html(notebook: str | Path) -> str:
    """The executed notebook as one self-contained HTML page: no code, images inline, no network."""
    import nbformat

    body, _ = _exporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return body


# --- the index ----------------------------------------------------------------------------

def write_index(path: str | Path, outcomes: Iterable[Outcome]) -> Path:
    """One offline page listing every report of the batch with its year, key, headline figures and links."""
    rows = []
    for o in outcomes:
        p, s = o.run.parameters, o.summary
        if o.error:
            rows.append(f"<tr class='failed'><td>{p['year']}</td><td>{html.escape(p['key'])}</td>"
                        f"<td colspan='4'>Feilet: {html.escape(o.error)}</td></tr>")
            continue
        links = " · ".join(f"<a href='{html.escape(o.files[ext])}'>{label}</a>" for ext, label in
                           (("html", "Rapport"), ("xlsx", "Regneark"), ("ipynb", "Notatbok"), ("json", "Grunnlag"))
                           if ext in o.files)
        rows.append(
            f"<tr><td>{html.escape(s['label'])}</td><td>{html.escape(p['key'])}<br><small>"
            f"{html.escape(s['key_text'])}</small></td><td class='n'>{no.kroner(s['total'])}</td>"
            f"<td class='n'>{no.kroner(s['specialist_health_service'])}</td>"
            f"<td class='n'>{no.kroner(s['municipalities'])}</td><td>{links}</td></tr>")
    page = f"""<!DOCTYPE html>
<html lang="nb">
<head>
<meta charset="utf-8">
<title>Fordeling av kostnader – rapporter</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 0.4em 0.8em; border-bottom: 1px solid #ccc; text-align: left; vertical-align: top; }}
td.n {{ text-align: right; white-space: nowrap; }}
tr.failed td {{ color: #a00; }}
small {{ color: #555; }}
</style>
</head>
<body>
<h1>Fordeling av kostnader – rapporter</h1>
<table>
<tr><th>Budsjettår</th><th>Fordelingsnøkkel</th><th>Ny kostnad</th><th>Spesialisthelsetjenesten</th>
<th>Kommunene</th><th>Filer</th></tr>
{chr(10).join(rows)}
</table>
</body>
</html>
"""
    return write_text(path, page)
