"""Hypothesis strategies shared by the tests (synthetic data)."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

totals = st.integers(min_value=0, max_value=10**10)


@st.composite
def weights(draw: st.DrawFn, min_size: int = 1, max_size: int = 30) -> pd.Series:
    """Non-negative integer weights, not all zero, indexed by distinct 4-digit codes."""
    values = draw(st.lists(st.integers(0, 10**6), min_size=min_size, max_size=max_size))
    if sum(values) == 0:
        values[0] = 1
    codes = draw(st.lists(st.from_regex(r"\d{4}", fullmatch=True), min_size=len(values),
                          max_size=len(values), unique=True))
    return pd.Series(values, index=codes)


@st.composite
def members(draw: st.DrawFn, min_size: int = 2, max_size: int = 30) -> pd.DataFrame:
    """Municipalities with positive populations and age bands no larger than the total."""
    population = draw(st.lists(st.integers(1, 300_000), min_size=min_size, max_size=max_size))
    children = [draw(st.integers(0, p)) for p in population]
    elderly = [draw(st.integers(0, p - c)) for p, c in zip(population, children)]
    if sum(children) == 0:
        children[0] = 1
    if sum(elderly) == 0:
        elderly[-1] = 1
    codes = [f"{1000 + i:04d}" for i in range(len(population))]
    return pd.DataFrame({"code": codes, "name": [f"Kommune {c}" for c in codes],
                         "cooperation_council": "X", "population": population,
                         "0-17": children, "67+": elderly})
