"""Sweeping a key's parameters: every municipality's whole-krone amount for every variant on a grid, exactly.

How it stays exact and fast: a key's shares are linear in the parameters named in
``keys.KINDS`` (the anchor's share, the fixed equal part), so the shares of any
variant are the bilinear blend of the shares at the parameters' ends 0 and 1,
computed once by the key's own function. With the grid's values as fractions
``a / D``, every variant's shares become integer weights over one denominator,
and :func:`lkt_analysis.allocate.apportion_rows` splits the total for all variants
at once with the same largest-remainder rule and tie-break as :func:`apportion`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from . import keys as keys_
from .allocate import MAX_DENOMINATOR, apportion_rows, as_fraction
from .distribution import distribute
from .errors import ParameterError
from .keys import Key
from .project import Project

MAX_CELLS = 50_000_000  # variants x municipalities held in memory at once


@dataclass(frozen=True)
class Grid:
    """Exact parameter values ``numerators / denominator``, between 0 and 1."""

    numerators: np.ndarray
    denominator: int

    def __len__(self) -> int:
        return len(self.numerators)

    def floats(self) -> np.ndarray:
        """The values as floats, for display and CSV (never for rounding)."""
        return self.numerators / self.denominator

    def fractions(self) -> list[Fraction]:
        """The values exactly."""
        return [Fraction(int(n), self.denominator) for n in self.numerators]


def grid_range(text: str) -> Grid:
    """The values ``START:STOP:STEP`` as an exact grid, both ends included.

    Example:
        >>> len(grid_range("0:1:0.01"))
        101
    """
    parts = text.split(":")
    try:
        start, stop, step = (as_fraction(part) for part in parts) if len(parts) == 3 else (None,) * 3
    except (TypeError, ValueError, ZeroDivisionError):
        start = None
    if start is None:
        raise ParameterError(f"'{text}' is not START:STOP:STEP, e.g. 0:1:0.01")
    if step <= 0 or stop < start:
        raise ParameterError(f"'{text}': the step must be positive and START no larger than STOP")
    count = math.floor((stop - start) / step) + 1
    if count > MAX_CELLS:
        raise ParameterError(f"'{text}' gives {count} values; at most {MAX_CELLS} are allowed")
    denominator = math.lcm(start.denominator, step.denominator)
    _check(start, start + (count - 1) * step, text)
    numerators = int(start * denominator) + int(step * denominator) * np.arange(count, dtype=np.int64)
    return Grid(numerators, denominator)


def as_grid(values: Grid | Sequence[object], name: str = "value") -> Grid:
    """A grid from a sequence of numbers (floats read as their decimal text, see ``as_fraction``)."""
    if isinstance(values, Grid):
        return values
    exact = [as_fraction(value) for value in values]
    if not exact:
        raise ParameterError(f"'{name}': no values")
    _check(min(exact), max(exact), name)
    denominator = math.lcm(*(value.denominator for value in exact))
    return Grid(np.array([int(value * denominator) for value in exact], dtype=np.int64), denominator)


def _check(low: Fraction, high: Fraction, what: str) -> None:
    if not 0 <= low <= high <= 1:
        raise ParameterError(f"'{what}': the values must lie between 0 and 1 (0 and 100 %)")


def variant_weights(members: pd.DataFrame, key: Key,
                    vary: Mapping[str, Grid | Sequence[object]]) -> tuple[pd.DataFrame, np.ndarray]:
    """Every variant's integer weights, proportional to its exact shares.

    Args:
        members: The municipalities, by code.
        key: The key whose parameters are varied (its other parameters stay).
        vary: One or two of the key's linear parameters, each with its values.

    Returns:
        The variants (one float column per varied parameter, the first varying
        slowest) and a matrix of weights, one row per variant and one column per
        member.
    """
    linear = keys_.KINDS[key.kind].linear
    if not vary or len(vary) > 2 or any(name not in linear for name in vary):
        can = ", ".join(linear) if linear else "none (this kind has no parameter a sweep can vary)"
        raise ParameterError(f"key '{key.name}' of kind '{key.kind}': vary one or two of: {can}")
    grids = {name: as_grid(values, name) for name, values in vary.items()}
    names = list(grids)
    count = math.prod(len(grid) for grid in grids.values())
    if count * len(members) > MAX_CELLS:
        raise ParameterError(f"{count} variants x {len(members)} municipalities is more than "
                             f"{MAX_CELLS} amounts at once: use a coarser grid")
    corners = {corner: keys_.shares(members, keys_.variant(key, dict(zip(names, corner)))).to_numpy()
               for corner in itertools.product((0, 1), repeat=len(names))}
    common = math.lcm(*(share.denominator for shares in corners.values() for share in shares))
    scale = math.prod(grid.denominator for grid in grids.values())
    if common * scale >= MAX_DENOMINATOR:
        raise ParameterError(f"the grid is too fine for exact 64-bit arithmetic (common denominator "
                             f"{common * scale} is 2**41 or more): use a coarser step")
    # the grid as a cartesian product, the first parameter slowest
    steps, repeat = [], count
    for grid in grids.values():
        repeat //= len(grid)
        steps.append(np.tile(np.repeat(grid.numerators, repeat), count // (len(grid) * repeat)))
    weights = np.zeros((count, len(members)), dtype=np.int64)
    for corner, shares in corners.items():
        numerators = np.array([int(share * common) for share in shares], dtype=np.int64)
        factor = np.ones(count, dtype=np.int64)
        for at_one, step, grid in zip(corner, steps, grids.values()):
            factor *= step if at_one else grid.denominator - step
        weights += factor[:, None] * numerators[None, :]
    variants = pd.DataFrame({name: step / grid.denominator for (name, grid), step in zip(grids.items(), steps)})
    return variants, weights


def sweep_table(members: pd.DataFrame, key: Key, total: int,
                vary: Mapping[str, Grid | Sequence[object]]) -> pd.DataFrame:
    """Split ``total`` among ``members`` for every variant of ``key`` on the grid ``vary``; see :func:`sweep`."""
    variants, weights = variant_weights(members, key, vary)
    amounts = apportion_rows(total, weights)
    count, n = amounts.shape
    frame = {"variant": np.repeat(np.arange(count), n)}
    for name in variants.columns:
        frame[name] = np.repeat(variants[name].to_numpy(), n)
    frame["code"] = pd.Categorical.from_codes(np.tile(np.arange(n), count), categories=members["code"])
    frame["name"] = pd.Categorical.from_codes(np.tile(np.arange(n), count), categories=members["name"])
    frame["amount_nok"] = amounts.ravel()
    return pd.DataFrame(frame)


def sweep(project: Project, year: int, key: str | Key, vary: Mapping[str, Grid | Sequence[object]]) -> pd.DataFrame:
    """Every municipality's amount for every variant of ``key`` over a grid of one or two of its parameters.

    Each variant's amounts are exactly those of :func:`lkt_analysis.allocation` for
    that variant, and add up to the municipalities' total.

    Returns:
        ``variant``, one column per varied parameter (e.g. ``share``, as a float),
        ``code, name`` (categorical), ``amount_nok``: one row per variant and
        municipality, variants in grid order (the first parameter slowest),
        municipalities by code.

    Example:
        >>> from lkt_analysis import load_project, paths
        >>> table = sweep(load_project(paths.DEFAULT_PROJECT), 2019, "bergen_50", {"share": grid_range("0:1:0.01")})
        >>> len(table), table.query("code == '1201' and share == 0.4")["amount_nok"].item()  # 101 x 24 rows
        (2424, 610000)
    """
    base = distribute(project, year, key)
    return sweep_table(base.members, base.key, base.municipal_total, vary)
