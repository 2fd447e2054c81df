"""Exact apportionment of a whole-krone total by the largest-remainder method.

Why Hamilton (largest remainder): every member gets its exact quota rounded
down, and the kroner left over go one each to the largest remainders, so the
parts always add up to the total, none is negative, and none is more than one
krone from its exact quota. Ties in the remainder go to the larger weight, then
to the lower code (see docs/assumptions.md).
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational

import pandas as pd


def as_fraction(value: object) -> Fraction:
    """Return ``value`` as an exact fraction; floats are read as their decimal text.

    ``0.1`` becomes ``1/10`` rather than the binary float's long fraction, so
    shares written in a project file (0.5, 0.2) add up the way they read.
    """
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not a number")
    if isinstance(value, (int, Rational)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, str):
        return Fraction(value.strip())
    raise TypeError(f"{value!r} is not a number")


def apportion(total: int, weights: pd.Series) -> pd.Series:
    """Split ``total`` kroner in proportion to ``weights``, exactly.

    Args:
        total: Whole kroner to split, not negative.
        weights: Non-negative weights indexed by member code; they need not sum
            to one (population counts work as they are) but must not all be zero.

    Returns:
        Integer amounts with the same index, summing to ``total``.

    Example:
        >>> apportion(10, pd.Series({"a": 1, "b": 1, "c": 1})).tolist()
        [4, 3, 3]
    """
    if int(total) != total or total < 0:
        raise ValueError(f"total must be a whole, non-negative number of kroner, got {total!r}")
    total = int(total)
    if not weights.index.is_unique:
        raise ValueError("weights must have one entry per member code")
    exact = {code: as_fraction(w) for code, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("weights must not be negative")
    weight_sum = sum(exact.values(), Fraction(0))
    if weight_sum == 0:
        if total == 0:
            return pd.Series(0, index=weights.index, dtype="int64")
        raise ValueError("weights are all zero: nobody to allocate to")
    quotas = {code: total * w / weight_sum for code, w in exact.items()}
    amounts = {code: int(q) for code, q in quotas.items()}  # floor: quotas are >= 0
    left = total - sum(amounts.values())
    order = sorted(quotas, key=lambda c: (-(quotas[c] - amounts[c]), -exact[c], str(c)))
    for code in order[:left]:
        amounts[code] += 1
    return pd.Series(amounts, dtype="int64").reindex(weights.index)
