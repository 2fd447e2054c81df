"""The sweep: exact amounts for every variant on a grid, equal to the one-variant allocation."""

import dataclasses
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lkt_analysis as lkt
from lkt_analysis import errors, keys
from lkt_analysis.allocate import apportion
from lkt_analysis.keys import Key, shares, variant
from lkt_analysis.sweep import grid_range, sweep_table
from strategies import members as members_strategy, totals

KEYS = {
    "anchor": Key("anchor", "anchor", {"code": "1000", "share": 0.5}),
    "fixed_plus_per_capita": Key("fixed", "fixed_plus_per_capita", {"fixed": 0.2}),
    "anchor_plus_fixed": Key("both", "anchor_plus_fixed", {"code": "1001", "share": 0.5, "fixed": 0.2}),
}


@st.composite
def values(draw: st.DrawFn) -> list[Fraction]:
    """A few grid values on one step, like a real grid (0.05, 0.25, ...)."""
    step = draw(st.sampled_from([1, 2, 4, 5, 10, 20, 25]))
    return [Fraction(n, step) for n in draw(st.lists(st.integers(0, step), min_size=1, max_size=5))]


@settings(max_examples=60)
@given(members=members_strategy(min_size=2), total=totals, kind=st.sampled_from(sorted(KEYS)),
       first=values(), second=values())
def test_every_variant_equals_the_one_variant_allocation(members, total, kind, first, second):
    key = KEYS[kind]
    vary = dict(zip(keys.KINDS[kind].linear, (first, second)))
    table = sweep_table(members, key, total, vary)
    grid = table.drop_duplicates("variant").set_index("variant")[list(vary)]
    assert len(grid) == np.prod([len(v) for v in vary.values()])
    for number, rows in table.groupby("variant"):
        params = {name: Fraction(value).limit_denominator(100) for name, value in grid.loc[number].items()}
        expected = apportion(total, shares(members, variant(key, params)))
        assert rows["amount_nok"].tolist() == expected.tolist()
        assert rows["amount_nok"].sum() == total


def test_sweep_of_the_project_key_gives_the_seed_figures_at_50_percent(project):
    table = lkt.sweep(project, 2019, "bergen_50", {"share": grid_range("0:1:0.01")})
    assert list(table.columns) == ["variant", "share", "code", "name", "amount_nok"]
    assert table["variant"].nunique() == 101 and len(table) == 101 * 24
    assert (table.groupby("variant")["amount_nok"].sum() == 1_525_000).all()
    half = table[table["share"] == 0.5].set_index("code")["amount_nok"]
    adopted = lkt.distribute(project, 2019).table.query("group == 'municipalities'").set_index("code")["amount_nok"]
    assert half.to_dict() == adopted.to_dict() and half["1201"] == 762_500
    bergen = table[table["code"] == "1201"]["amount_nok"]
    assert bergen.iloc[0] == 0 and bergen.iloc[-1] == 1_525_000 and bergen.is_monotonic_increasing


def test_two_parameters_make_a_grid_the_first_varying_slowest(project):
    key = Key("both", "anchor_plus_fixed", {"code": "1201", "share": 0.5, "fixed": 0})
    table = lkt.sweep(project, 2019, key, {"share": grid_range("0.4:0.6:0.1"), "fixed": [0, 0.5]})
    variants = table.drop_duplicates("variant")[["share", "fixed"]].to_numpy().tolist()
    assert variants == [[0.4, 0.0], [0.4, 0.5], [0.5, 0.0], [0.5, 0.5], [0.6, 0.0], [0.6, 0.5]]


def test_grid_range():
    assert grid_range("0:1:0.25").floats().tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert len(grid_range("0:1:0.01")) == 101 and len(grid_range("0.1:0.35:0.1")) == 3
    for bad, message in [("0:1", "START:STOP:STEP"), ("a:1:0.1", "START:STOP:STEP"), ("0:1:0", "positive"),
                         ("1:0:0.1", "START no larger"), ("0:2:0.5", "between 0 and 1")]:
        with pytest.raises(errors.ParameterError, match=message):
            grid_range(bad)


@pytest.mark.parametrize("key, vary, message", [
    (KEYS["anchor"], {"fixed": [0.1]}, r"vary one or two of: share"),
    (Key("p", "per_capita"), {"share": [0.1]}, r"no parameter a sweep can vary"),
    (KEYS["anchor"], {"share": [Fraction(1, 10**12)]}, r"too fine for exact 64-bit arithmetic"),
    (KEYS["anchor"], {"share": [1.5]}, r"between 0 and 1"),
])
def test_what_cannot_be_swept_exactly_is_refused(members, key, vary, message):
    members = members.assign(code=["1000", "1001", "1002", "1003"])
    with pytest.raises(errors.ParameterError, match=message):
        sweep_table(members, key, 1000, vary)


def test_the_sweep_is_vectorised_not_a_loop_over_variants(members, monkeypatch):
    """The key's own share function runs once per corner of the grid (2 for one parameter), not per variant."""
    calls = []
    original = keys.KINDS["anchor"]
    counted = dataclasses.replace(original, shares=lambda *a, **k: calls.append(1) or original.shares(*a, **k))
    monkeypatch.setitem(keys.KINDS, "anchor", counted)
    members = members.assign(code=["1000", "1001", "1002", "1003"])
    table = sweep_table(members, KEYS["anchor"], 10**6, {"share": grid_range("0:1:0.001")})
    assert table["variant"].nunique() == 1001 and len(calls) == 2
    assert isinstance(table, pd.DataFrame)
