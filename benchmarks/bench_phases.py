"""Where the time of `lkt report` goes, phase by phase, for the 8 reports of bench_report.py.

Usage: python benchmarks/bench_phases.py

- the batch's start: `lkt report --dry-run` (starting Python, imports, reading and checking
  the project, computing every result), timed as a whole;
- per report, from the executed notebooks' papermill timings (means over the 8): starting
  the kernel (papermill's start to the first cell), each kind of cell, and the rest (the
  kernel's shutdown and papermill's last write);
- per report, in this process (medians of 5): the HTML export and the spreadsheet;
- the whole batch, wall time.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LKT = Path(sys.executable).parent / "lkt"
ARGS = ["report", "--years", "2018", "2019", "--keys", "bergen_50", "per_capita", "equal", "elderly_67"]


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def kind(cell: dict) -> str:
    """What a code cell does: its tag, or what it calls."""
    source = "".join(cell["source"])
    if {"parameters", "injected-parameters"} & set(cell["metadata"].get("tags", [])):
        return "parameters"
    if "import lkt_analysis" in source:
        return "set-up and results"
    if "_chart(" in source:
        return "charts"
    if "styled(" in source:
        return "tables"
    return "text and footer"


def notebook_phases(executed: Path) -> dict[str, float]:
    """Seconds per phase of one executed notebook, from papermill's timings."""
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    run = notebook["metadata"]["papermill"]
    phases: dict[str, float] = defaultdict(float)
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    starts = [datetime.fromisoformat(c["metadata"]["papermill"]["start_time"]) for c in cells]
    ends = [datetime.fromisoformat(c["metadata"]["papermill"]["end_time"]) for c in cells]
    phases["kernel start"] = (min(starts) - datetime.fromisoformat(run["start_time"])).total_seconds()
    for cell in cells:
        phases[kind(cell)] += cell["metadata"]["papermill"]["duration"]
    phases["kernel stop, notebook written"] = (datetime.fromisoformat(run["end_time"]) - max(ends)).total_seconds()
    return phases


def median_time(call, repeat: int = 5) -> float:
    call()  # warm, as in a worker after its first run
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import lkt_analysis as lkt
    from lkt_analysis import page, planning

    with tempfile.TemporaryDirectory() as out:
        start_up = timed([str(LKT), *ARGS, "--out", out, "--dry-run"])
        wall = timed([str(LKT), *ARGS, "--out", out])
        executed = sorted(Path(out).glob("*.ipynb"))
        per_report: dict[str, float] = defaultdict(float)
        for path in executed:
            for phase, seconds in notebook_phases(path).items():
                per_report[phase] += seconds / len(executed)
        run = planning.plan(lkt.paths.DEFAULT_PROJECT, years=[2019], keys=["bergen_50"])[0]
        notebook = Path(out) / f"{run.stem}.ipynb"
        per_report["HTML export (in the worker)"] = median_time(
            lambda: page.export_html(notebook, run.result.title(), language=run.result.project.language))
        per_report["spreadsheet (in the worker)"] = median_time(
            lambda: planning.KINDS[run.kind].write(Path(out) / "bench.xlsx", run))
    print(f"batch start (lkt report --dry-run):  {start_up:5.2f} s")
    print(f"per report ({len(executed)} reports, means):")
    for phase, seconds in per_report.items():
        print(f"  {phase:34s} {seconds:5.3f} s")
    print(f"  {'sum':34s} {sum(per_report.values()):5.3f} s")
    print(f"whole batch, wall:                  {wall:5.2f} s")


if __name__ == "__main__":
    main()
