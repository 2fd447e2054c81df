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

import numpy as np
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
    return apportion_steps(total, weights)["amount_nok"].rename(None)


def apportion_steps(total: int, weights: pd.Series) -> pd.DataFrame:
    """How :func:`apportion` splits ``total``, step by step, so that anyone can check each amount.

    Returns:
        One row per member (same index): ``quota`` (the exact amount, a
        ``Fraction``), ``floor`` (rounded down), ``remainder`` (``quota - floor``),
        ``extra`` (whether it got one of the kroner left over) and ``amount_nok``.
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
    if weight_sum == 0 and total:
        raise ValueError("weights are all zero: nobody to allocate to")
    quotas = {code: total * w / weight_sum if weight_sum else Fraction(0) for code, w in exact.items()}
    floors = {code: int(q) for code, q in quotas.items()}  # floor: quotas are >= 0
    left = total - sum(floors.values())
    order = sorted(quotas, key=lambda c: (-(quotas[c] - floors[c]), -exact[c], str(c)))
    extra = set(order[:left])
    steps = pd.DataFrame({
        "quota": pd.Series(quotas, dtype=object),
        "floor": pd.Series(floors, dtype="int64"),
        "remainder": pd.Series({c: quotas[c] - floors[c] for c in quotas}, dtype=object),
        "extra": pd.Series({c: c in extra for c in quotas}, dtype=bool),
    }).reindex(weights.index)
    return steps.assign(amount_nok=steps["floor"] + steps["extra"].astype("int64"))


MAX_DENOMINATOR = 2**41  # a row's weights must sum to less than this for exact 64-bit arithmetic
_SPLIT = 21  # bits: tr * num is computed in two halves when it could pass 2**63


def apportion_rows(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` kroner by each row of integer ``weights``, exactly as :func:`apportion` splits it.

    One row is one variant; columns are the members in code order, so that the
    tie-break (larger weight, then lower code) is the column order among equal
    weights. All arithmetic is exact int64 over every row at once: the quota
    ``total * w / sum(w)`` is split into its floor and remainder without ever
    forming a product beyond 2**63, and no float enters a rounding decision.

    Raises:
        ValueError: a negative weight, an all-zero row with a positive total, or a
            row summing to ``MAX_DENOMINATOR`` or more (too fine for exact int64).

    Example:
        >>> apportion_rows(10, np.array([[1, 1, 1], [1, 0, 1]])).tolist()
        [[4, 3, 3], [5, 0, 5]]
    """
    w = np.asarray(weights, dtype=np.int64)
    if int(total) != total or not 0 <= total < 2**63:
        raise ValueError(f"total must be a whole, non-negative number of kroner below 2**63, got {total!r}")
    if w.ndim != 2 or w.shape[1] == 0:
        raise ValueError("weights must be a matrix with one row per variant and one column per member")
    if w.min(initial=0) < 0:
        raise ValueError("weights must not be negative")
    if w.max(initial=0) >= MAX_DENOMINATOR or (den := w.sum(axis=1)).max(initial=0) >= MAX_DENOMINATOR:
        raise ValueError("weights sum to 2**41 or more: too fine for exact 64-bit arithmetic")
    if total and (den == 0).any():
        raise ValueError("weights are all zero in a row: nobody to allocate to")
    rows, n = w.shape
    safe = np.maximum(den, 1)[:, None]
    tq, tr = np.divmod(np.int64(total), safe)  # total = tq * den + tr, tr < den
    if den.max(initial=0) < 3_037_000_499:  # den**2 < 2**63: tr * w cannot overflow
        floor, remainder = np.divmod(tr * w, safe)
    else:  # tr * w = tr * high * 2**_SPLIT + tr * low, each part below 2**63
        q_high, r_high = np.divmod(tr * (w >> _SPLIT), safe)
        r_high <<= _SPLIT
        r_high += tr * (w & ((1 << _SPLIT) - 1))
        floor, remainder = np.divmod(r_high, safe)
        q_high <<= _SPLIT
        floor += q_high
    amounts = tq * w
    amounts += floor
    left = total - amounts.sum(axis=1)
    # the kroner left go to the largest remainders; among equal ones to the larger weight, then the lower code
    rank = np.empty((rows, n), dtype=np.int64)
    np.put_along_axis(rank, np.argsort(-w, axis=1, kind="stable"), np.arange(n), axis=1)
    order = remainder
    order *= n
    order += n - 1
    order -= rank  # unique within a row
    kth = np.sort(order, axis=1)[np.arange(rows), np.clip(n - left, 0, n - 1)]
    amounts += (order >= kth[:, None]) & (left > 0)[:, None]
    return amounts
