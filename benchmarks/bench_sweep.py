"""Time the exact vectorised sweep against a loop over the one-variant allocation, side by side.

Two sizes: 100 000 variants x 24 municipalities (Bergen's share in steps of 0.001 %, the LKT
municipalities of 2019) and 10 000 variants x 357 municipalities (synthetic populations for all of
Norway, an anchor's share in steps of 0.01 %). The loop (``keys.shares`` + ``apportion`` per variant)
is timed on a sample of variants and scaled to the same count; both results are checked equal on
that sample. The last line is the smaller of the two ratios.

Usage: python benchmarks/bench_sweep.py [--repeat N] [--sample N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

import lkt_analysis as lkt
from lkt_analysis import allocate
from lkt_analysis.keys import Key, shares, variant
from lkt_analysis.sweep import grid_range, sweep_table


def norway(count: int = 357, seed: int = 2020) -> tuple[pd.DataFrame, Key]:
    """Synthetic municipalities for all of Norway: 357 with populations from 200 to 700 000 (not real data)."""
    rng = np.random.default_rng(seed)
    codes = [f"{3000 + i:04d}" for i in range(count)]
    members = pd.DataFrame({"code": codes, "name": [f"Kommune {c}" for c in codes],
                            "population": rng.integers(200, 700_000, count)})
    return members, Key("oslo_30", "anchor", {"code": codes[0], "share": 0.3})


def measure(members: pd.DataFrame, key: Key, total: int, grid: str, repeat: int, sample: int) -> tuple[float, float]:
    vary = {"share": grid_range(grid)}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        table = sweep_table(members, key, total, vary)
        times.append(time.perf_counter() - start)
    count = table["variant"].nunique()
    picked = np.linspace(0, count - 1, sample).astype(int)
    values = vary["share"].numerators[picked]
    start = time.perf_counter()
    looped = [apportion_one(members, key, total, value, vary["share"].denominator) for value in values]
    per_variant = (time.perf_counter() - start) / sample
    amounts = table["amount_nok"].to_numpy().reshape(count, len(members))
    assert all((amounts[i] == row).all() for i, row in zip(picked, looped)), "sweep and loop differ"
    sweep = statistics.median(times)
    loop = per_variant * count
    print(f"{count:>7} variants x {len(members):>3} municipalities: sweep {sweep:6.3f} s (median of {repeat}; "
          f"first {times[0]:.3f} s, best {min(times):.3f} s), loop {loop:8.1f} s "
          f"({per_variant * 1000:.2f} ms a variant on {sample} variants), ratio {loop / sweep:,.0f}x")
    return sweep, loop


def apportion_one(members: pd.DataFrame, key: Key, total: int, numerator: int, denominator: int) -> np.ndarray:
    from fractions import Fraction

    one = variant(key, {"share": Fraction(int(numerator), denominator)})
    return allocate.apportion(total, shares(members, one)).to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="sweep runs per size (default 5)")
    parser.add_argument("--sample", type=int, default=200, help="variants the loop runs per size (default 200)")
    args = parser.parse_args()
    project = lkt.load_project(lkt.paths.DEFAULT_PROJECT)
    lkt_2019 = lkt.distribute(project, 2019)
    ratios = []
    for members, key, total, grid in (
        (lkt_2019.members, lkt_2019.key, lkt_2019.municipal_total, "0:1:0.00001"),
        (*norway(), 1_000_000_000, "0:1:0.0001"),
    ):
        sweep, loop = measure(members, key, total, grid, args.repeat, args.sample)
        ratios.append(loop / sweep)
    print(f"ratio loop / sweep: {min(ratios):.0f}x")


if __name__ == "__main__":
    main()
