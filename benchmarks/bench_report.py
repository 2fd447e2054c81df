"""Time `lkt report` (8 runs) against a naive shell loop of the papermill and nbconvert CLIs.

Usage: python benchmarks/bench_report.py [--jobs N] [--windows-like]

--windows-like also times `lkt report` as it runs on Windows (spawned workers, kernels as
new processes, TCP; see windows_like.py).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "distribution_report.ipynb"
YEARS = [2018, 2019]
KEYS = ["bergen_50", "per_capita", "equal", "elderly_67"]
BIN = Path(sys.executable).parent


def timed(command: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, shell=True, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, help="passed to lkt report (default: all cores)")
    parser.add_argument("--windows-like", action="store_true", help="also time the path taken on Windows")
    args = parser.parse_args()
    with (tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as naive,
          tempfile.TemporaryDirectory() as windows):
        jobs = f" --jobs {args.jobs}" if args.jobs else ""
        batch = f"report --years {' '.join(map(str, YEARS))} --keys {' '.join(KEYS)}{jobs}"
        lkt = f"{BIN / 'lkt'} {batch} --out {shlex.quote(ours)}"
        loop = " && ".join(
            f"{BIN / 'papermill'} {NOTEBOOK} {naive}/{y}_{k}.ipynb -p year {y} -p key {k} --cwd {NOTEBOOK.parent}"
            f" && {BIN / 'jupyter'} nbconvert --to html --no-input {naive}/{y}_{k}.ipynb"
            for y in YEARS for k in KEYS)
        t_naive = timed(loop)
        t_ours = timed(lkt)
        if args.windows_like:
            t_windows = timed(f"{sys.executable} {ROOT / 'benchmarks' / 'windows_like.py'} {batch} "
                              f"--out {shlex.quote(windows)}")
        produced = len(list(Path(ours).glob("*.html"))) - 1, len(list(Path(naive).glob("*.html")))
    runs = len(YEARS) * len(KEYS)
    print(f"runs: {runs} (reports written: lkt report {produced[0]}, naive loop {produced[1]})")
    print(f"naive loop (papermill CLI + nbconvert CLI per run): {t_naive:6.1f} s  ({t_naive / runs:.2f} s a run)")
    print(f"lkt report:                                        {t_ours:6.1f} s  ({t_ours / runs:.2f} s a run)")
    if args.windows_like:
        print(f"lkt report as on Windows (spawn, new kernels, TCP): {t_windows:6.1f} s  "
              f"({t_windows / runs:.2f} s a run, {t_naive / t_windows:.1f}x)")
    print(f"ratio naive / lkt report: {t_naive / t_ours:.1f}x")


if __name__ == "__main__":
    main()
