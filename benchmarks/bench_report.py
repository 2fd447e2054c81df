"""Time `lkt report` (8 runs) against a naive shell loop of the papermill and nbconvert CLIs.

Usage: python benchmarks/bench_report.py [--jobs N]
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as naive:
        jobs = f" --jobs {args.jobs}" if args.jobs else ""
        lkt = (f"{BIN / 'lkt'} report --years {' '.join(map(str, YEARS))} --keys {' '.join(KEYS)}"
               f" --out {shlex.quote(ours)}{jobs}")
        loop = " && ".join(
            f"{BIN / 'papermill'} {NOTEBOOK} {naive}/{y}_{k}.ipynb -p year {y} -p key {k} --cwd {NOTEBOOK.parent}"
            f" && {BIN / 'jupyter'} nbconvert --to html --no-input {naive}/{y}_{k}.ipynb"
            for y in YEARS for k in KEYS)
        t_naive = timed(loop)
        t_ours = timed(lkt)
        produced = len(list(Path(ours).glob("*.html"))) - 1, len(list(Path(naive).glob("*.html")))
    runs = len(YEARS) * len(KEYS)
    print(f"runs: {runs} (reports written: lkt report {produced[0]}, naive loop {produced[1]})")
    print(f"naive loop (papermill CLI + nbconvert CLI per run): {t_naive:6.1f} s  ({t_naive / runs:.2f} s a run)")
    print(f"lkt report:                                        {t_ours:6.1f} s  ({t_ours / runs:.2f} s a run)")
    print(f"ratio naive / lkt report: {t_naive / t_ours:.1f}x")


if __name__ == "__main__":
    main()
