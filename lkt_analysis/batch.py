"""Running a batch of reports: the runs that ``planning`` made, their notebooks executed with papermill in
parallel, each run's outputs moved into the folder only once all of them are complete.

Each run writes, under the output folder, the executed notebook, a self-contained
HTML page (``page``), the spreadsheet and a JSON record of what the report was made
from (``record``); then ``index.html`` lists every report in the folder (``index``).
A run whose outputs are there and unchanged is skipped. A failing run does not stop
the others and leaves no file.

Where the time goes, and what is done about it (``benchmarks/bench_phases.py``):
everything is computed once, when the batch is planned, and each run's notebook is
handed its result and record in a file (its ``prepared`` parameter) instead of
reading the SSB files again; the kernels run in a process pool, one worker per core,
and where the OS can fork each kernel is a fork of its worker, which has imported
what a report needs once (``kernels``); the kernel is killed rather than shut down
gracefully. Kernels talk over IPC sockets with a unique path per run where ZeroMQ
has them (TCP otherwise, e.g. on Windows), and a start that fails is retried.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from . import fastpath, paths, staging
from .errors import Interrupted, LktError, LktWarning, OutputError, shown
from .outputs import move, output_folder, write_text
from .page import export_html
from .planning import KINDS, Run, plan
from .record import write_prepared

KERNEL_START_ATTEMPTS = 3


@dataclass
class Outcome:
    """What became of a run: its output files, or the error that stopped it."""

    run: Run
    files: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    skipped: bool = False  # its outputs were there, made from the same fingerprint (or, in a dry run: would be)
    fallback: str | None = None  # why the fast path failed and the run was made on the public path, if it did


class FastPathWarning(LktWarning):
    """The batch could not take its fast path (``fastpath``) and made the reports on the public path."""


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
    from .index import read_records, write_index

    runs = plan(project, years=years, keys=keys, budget=budget, population=population, extra=extra,
                notebook=notebook, compare=compare)
    notebook = Path(notebook or KINDS[runs[0].kind].notebook).absolute()
    out = Path(out).absolute()  # the kernels run in the notebooks' folder
    earlier = {run.stem: _record(out / f"{run.stem}.json") for run in runs}  # each record read once
    _refuse_another_projects(runs, earlier, out)
    done = {run.stem: _unchanged(run, earlier[run.stem], out) for run in runs}
    if dry_run:
        return [Outcome(run, skipped=done[run.stem] is not None and not force) for run in runs]
    output_folder(out)
    with staging.claim(out) as token:
        outcomes, interrupted = _run(runs, done, out, notebook, token, jobs=jobs, force=force, progress=progress)
        for run in runs:
            if not (out / f"{run.stem}.json").exists():  # a report moved in half-way (a batch stopped): not kept
                for ext in ("html", "ipynb"):  # its workbook is complete, and may be another run's too
                    (out / f"{run.stem}.{ext}").unlink(missing_ok=True)
        # what is finished is read from disk: a worker may have finished its files just as the batch was stopped
        finished = {run.stem for run in runs if _unchanged(run, _record(out / f"{run.stem}.json"), out) is not None}
        records = read_records(out)
        _remove_superseded(out, [earlier[stem] for stem in finished], records)
        write_index(out / "index.html", records, latest=finished, language=runs[0].result.project.language,
                    failed=[(o.run.stem, o.error) for o in outcomes if o.error])
    if interrupted:
        raise Interrupted(len(finished), len(runs), out / "index.html")
    return outcomes


def _run(runs: Sequence[Run], done: Mapping[str, Any], out: Path, notebook: Path, token: str, *,
         jobs: int | None, force: bool, progress: bool) -> tuple[list[Outcome], bool]:
    """Make the runs not done yet, in parallel; return every run's outcome (in order) and whether the batch
    was interrupted."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: this process forks the workers of the next batch
    outcomes = [Outcome(run, files=done[run.stem]["files"], summary=done[run.stem]["summary"], skipped=True)
                for run in runs if done[run.stem] is not None and not force]
    todo = [run for run in runs if force or done[run.stem] is None]
    interrupted = False
    if todo:
        missing = fastpath.problems()
        if missing:
            warnings.warn(FastPathWarning(f"the fast kernel path is not available here ({'; '.join(missing)}): "
                                          "reports start their kernels as new processes, more slowly"))
        fast = not missing
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(fast), initializer=_start_worker,
                                   initargs=(fast,))
        futures = [pool.submit(run_report, run, out, notebook, fast, token) for run in todo]
        try:
            with _terminate_as_interrupt():
                for future in tqdm(as_completed(futures), total=len(futures), desc="reports", unit="report",
                                   disable=not progress):
                    outcomes.append(future.result())
        except KeyboardInterrupt:
            interrupted = True
            _stop(pool, futures)
            outcomes = [o for o in outcomes if not o.error]
        else:
            pool.shutdown()
    for reason in dict.fromkeys(o.fallback for o in outcomes if o.fallback):
        warnings.warn(FastPathWarning(f"the fast kernel path failed ({reason}): the reports it concerns were made "
                                      "on the public path"))
    order = {run.stem: i for i, run in enumerate(runs)}
    return sorted(outcomes, key=lambda o: order[o.run.stem]), interrupted


def skip_unused_imports() -> None:
    """Go without rfc3987_syntax in this process, where it has not been imported yet.

    nbformat imports jsonschema, which imports rfc3987_syntax only to check the "iri"
    format, which no notebook schema uses; the import compiles 39 grammars and takes
    0.8 s, a sixth of a batch of 8 reports (python-jsonschema/jsonschema#1428). Called
    by ``lkt report`` and in the batch's workers, never on import: a program that uses
    the library keeps its jsonschema as it is.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


def _start_worker(fast: bool) -> None:
    """In a new worker: Ctrl-C is the batch's to handle (it stops the workers), not each worker's; and
    where kernels are forked from the worker, import once what every kernel needs."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    staging.watch_parent()
    skip_unused_imports()
    if fast and fastpath.can_fork():
        fastpath.preload()


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


def _stop(pool: ProcessPoolExecutor, futures: Sequence[Any]) -> None:
    """Cancel the queued runs and stop the running ones (what they had begun to write goes when the batch
    ends: their staging folders, and the files of a run stopped while it moved them in).

    A worker's kernel watches its parent (``JPY_PARENT_PID``, or for a forked kernel the worker's pid) and
    exits when the worker is gone.
    """
    import multiprocessing

    for future in futures:
        future.cancel()
    for worker in multiprocessing.active_children():
        worker.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _refuse_another_projects(runs: Sequence[Run], records: Mapping[str, Mapping[str, Any] | None],
                             out: Path) -> None:
    """Refuse to write over the reports of another project that has the same short name (``records``: those in
    ``out`` by stem)."""
    project = runs[0].result.project
    for run in runs:
        owner = (records[run.stem] or {}).get("project", {})
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


def _remove_superseded(out: Path, earlier: Sequence[Mapping[str, Any] | None],
                       records: Sequence[Mapping[str, Any]]) -> None:
    """Remove the files that the finished runs' earlier records named and no record names now, so that an
    outdated attachment is not sent by mistake: the attachment of a decision whose years changed
    (``..._vedlegg_2027_...`` once 2028 joined it). Only plain file names of the tool's outputs in ``out`` that
    a record gave; nothing else there is touched. One that cannot be removed (open in Excel) is a warning."""
    named = {name for record in records for name in record["files"].values()}
    for record in filter(None, earlier):
        files = record.get("files")
        for name in files.values() if isinstance(files, dict) else ():
            if (not isinstance(name, str) or name in named or Path(name).name != name
                    or Path(name).suffix not in (".html", ".ipynb", ".json", ".xlsx")):
                continue
            try:
                (out / name).unlink(missing_ok=True)
            except OSError as err:
                warnings.warn(LktWarning(f"{shown(out / name)} is outdated (no report names it now) but could not "
                                         f"be removed ({err.strerror}): do not send it"), stacklevel=2)


def _unchanged(run: Run, record: Mapping[str, Any] | None, out: Path) -> Mapping[str, Any] | None:
    """``run``'s ``record`` if its outputs are all there in ``out`` and made from the same fingerprint."""
    if record is None or record.get("fingerprint") != run.fingerprint:
        return None
    if not all((out / name).is_file() for name in record.get("files", {}).values()):
        return None
    return record


def _context(fast: bool) -> Any:
    """How the workers start: forked where kernels are forked too (``fastpath.can_fork``), else spawned; chosen
    explicitly, whatever the platform's default (``forkserver`` on Linux from Python 3.14)."""
    import multiprocessing

    return multiprocessing.get_context("fork" if fast and fastpath.can_fork() else "spawn")


def run_report(run: Run, out: Path, notebook: Path, fast: bool = False, token: str = "run") -> Outcome:
    """Execute one run, handing it the result and record made when the batch was planned, and move its outputs
    into ``out`` only once all of them are complete; ``fast``: on the fast path, or on the public path where
    that fails."""
    outcome = Outcome(run)
    try:
        folder = staging.staging_folder(out, run.stem, token)
    except LktError as err:
        outcome.error = str(err)
        return outcome
    try:
        prepared = write_prepared(folder / "prepared.pickle", KINDS[run.kind].handed(run), run.record)
        executed = folder / f"{run.stem}.ipynb"
        parameters = {**run.parameters, "prepared": str(prepared)}
        if fast:
            try:
                execute(notebook, executed, parameters, fast=True)
                outcome.summary, files = _write_outputs(run, folder, executed, fast=True)
            except (*_kernel_failures(), AttributeError, TypeError, ImportError) as err:
                outcome.fallback = _reason(err)
                fast = False
        if not fast:
            execute(notebook, executed, parameters)
            outcome.summary, files = _write_outputs(run, folder, executed)
        # While the files are moved in, the report has no record: stopped half-way, it is not listed and the
        # batch removes what was moved when it ends. The record goes last: it means all the others are there.
        # A worker whose batch is gone moves nothing more.
        (out / files["json"]).unlink(missing_ok=True)
        for ext, name in sorted(files.items(), key=lambda item: item[0] == "json"):
            if staging.orphaned():
                os._exit(1)
            move(folder / name, out / name)
            outcome.files[ext] = name
    except Exception as err:  # noqa: BLE001 (one failing run must not stop the batch)
        outcome.error = _reason(err)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def execute(notebook: str | Path, output: str | Path, parameters: Mapping[str, Any], *, fast: bool = False) -> None:
    """Run a notebook with papermill as the batch does: its own kernel, killed at the end, no lost wake-ups;
    ``fast``: the fast path's kernel (``fastpath``).

    A kernel that fails to start is started again (up to ``KERNEL_START_ATTEMPTS``);
    an error inside a cell is not retried.
    """
    import papermill
    from traitlets.config import Config

    from . import kernels

    manager = fastpath.manager_class() if fast else kernels.BatchKernelManager
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        sockets = tempfile.mkdtemp(prefix="lkt-kernel-")
        try:
            papermill.execute_notebook(
                str(notebook), str(output), parameters=dict(parameters), kernel_name="python3",
                progress_bar=False, request_save_on_cell_execute=False, cwd=str(Path(notebook).parent),
                shutdown_kernel="immediate", kernel_manager_class=manager, extra_arguments=list(kernels.ARGUMENTS),
                config=Config({"KernelManager": kernels.manager_config(sockets)}),
            )
            return
        except _kernel_failures():  # a kernel that did not start or answer; a cell's error is not retried
            if attempt == KERNEL_START_ATTEMPTS:
                raise
        finally:
            shutil.rmtree(sockets, ignore_errors=True)


@cache
def _kernel_failures() -> tuple[type[BaseException], ...]:
    """What a kernel that did not start or answer raises."""
    import zmq
    from nbclient.exceptions import DeadKernelError

    return RuntimeError, TimeoutError, OSError, zmq.ZMQError, DeadKernelError


def _reason(err: BaseException) -> str:
    """One line saying why a run failed: the failing cell's error, not a wall of traceback."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError):
        first_line = next((line for line in err.source.splitlines() if line.strip()), "")
        return f"{err.ename}: {err.evalue} (in cell {err.exec_count}: {first_line.strip()})"
    if isinstance(err, LktError):
        return str(err)
    return f"{type(err).__name__}: {err}"


def _write_outputs(run: Run, folder: Path, executed: Path, *, fast: bool = False) -> tuple[dict[str, Any],
                                                                                          dict[str, str]]:
    """Write the HTML, the spreadsheet and the JSON record of an executed run; return its index summary and
    its output files by kind."""
    kind = KINDS[run.kind]
    files = {**{ext: f"{run.stem}.{ext}" for ext in ("html", "ipynb", "json")}, "xlsx": kind.workbook(run)}
    write_text(folder / files["html"], export_html(executed, run.result.title(), header=kind.header(run.result),
                                                   language=run.result.project.language, fast=fast))
    summary = kind.write(folder / files["xlsx"], run)
    record = {**run.record, "kind": run.kind, "summary": summary, "fingerprint": run.fingerprint, "files": files}
    write_text(folder / files["json"], json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return summary, files
