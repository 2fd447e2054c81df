from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkt_analysis.allocate import apportion, apportion_rows
from lkt_analysis.allocate import as_fraction
from strategies import totals, weights


def test_even_split_and_remainders():
    assert apportion(10, pd.Series({"a": 1, "b": 1, "c": 1})).tolist() == [4, 3, 3]
    assert apportion(112_500, pd.Series({"1201": Fraction(1, 2), "x": Fraction(1, 2)})).tolist() == [56_250, 56_250]


def test_tie_goes_to_larger_weight_then_lower_code():
    # quotas 2.5 and 2.5: equal remainders, equal weights -> lower code wins
    assert apportion(5, pd.Series({"0002": 1, "0001": 1})).to_dict() == {"0002": 2, "0001": 3}
    # remainders 0.5, 0.5 (weights 3 and 1 of 4, total 2): larger weight wins
    assert apportion(2, pd.Series({"0001": 1, "0002": 3})).to_dict() == {"0001": 0, "0002": 2}
    # total 6 over weights 1,1,2: quotas 1.5, 1.5, 3 -> the tie between equal weights goes to the lower code
    assert apportion(6, pd.Series({"0009": 1, "0003": 1, "0001": 2})).to_dict() == {"0009": 1, "0003": 2, "0001": 3}


def test_index_order_kept_and_zero_weight_gets_nothing():
    result = apportion(100, pd.Series({"b": 0, "a": 3}))
    assert list(result.index) == ["b", "a"] and result.tolist() == [0, 100]


@pytest.mark.parametrize("total, weights_, message", [
    (-1, {"a": 1}, "non-negative"),
    (1.5, {"a": 1}, "whole"),
    (10, {"a": -1, "b": 2}, "negative"),
    (10, {"a": 0}, "all zero"),
])
def test_rejects_bad_input(total, weights_, message):
    with pytest.raises(ValueError, match=message):
        apportion(total, pd.Series(weights_))


def test_floats_are_read_as_their_decimal_text():
    assert as_fraction(0.1) == Fraction(1, 10)
    assert as_fraction(0.3) + as_fraction(0.3) + as_fraction(0.4) == 1


@given(total=totals, weights=weights())
def test_parts_add_up_exactly_and_stay_within_one_krone_of_the_quota(total, weights):
    result = apportion(total, weights)
    assert result.sum() == total
    assert (result >= 0).all()
    assert result.dtype == "int64"
    weight_sum = int(weights.sum())
    for code, amount in result.items():
        quota = Fraction(total * int(weights[code]), weight_sum)
        assert quota - 1 < amount < quota + 1


@given(total=totals, weights=weights(min_size=2), extra=st.integers(1, 10**4))
def test_more_money_never_means_less_for_anyone_with_two_members(total, weights, extra):
    # Hamilton is house-monotone for two members (it may not be for more: the Alabama paradox).
    two = weights.iloc[:2]
    if two.sum() == 0:
        return
    assert (apportion(total + extra, two) >= apportion(total, two)).all()


@st.composite
def weight_rows(draw: st.DrawFn) -> tuple[int, list[list[int]]]:
    """Several rows of weights over the same members, some with ties, sums both below and above the
    one-division limit (3e9) of apportion_rows (synthetic)."""
    n = draw(st.integers(1, 12))
    bound = draw(st.sampled_from([10, 10**6, 2**41 // 12 - 1]))
    rows = draw(st.lists(st.lists(st.integers(0, bound), min_size=n, max_size=n), min_size=1, max_size=6))
    for row in rows:
        if draw(st.booleans()) and n > 1:
            row[-1] = row[0]  # equal weights: the tie-break decides
        if sum(row) == 0:
            row[0] = 1
    return draw(st.integers(0, 10**12)), rows


@given(weight_rows())
def test_rows_are_apportioned_exactly_as_apportion_does(case):
    total, rows = case
    result = apportion_rows(total, np.array(rows, dtype=np.int64))
    codes = [f"{i:04d}" for i in range(len(rows[0]))]
    for row, amounts in zip(rows, result):
        assert amounts.tolist() == apportion(total, pd.Series(row, index=codes)).tolist()
        assert amounts.sum() == total and (amounts >= 0).all()


def test_rows_too_fine_for_64_bits_are_refused():
    with pytest.raises(ValueError, match="too fine for exact 64-bit"):
        apportion_rows(10, np.array([[2**40, 2**40]]))
    with pytest.raises(ValueError, match="negative"):
        apportion_rows(10, np.array([[1, -1]]))
    with pytest.raises(ValueError, match="all zero"):
        apportion_rows(10, np.array([[0, 0]]))
    assert apportion_rows(0, np.array([[0, 0]])).tolist() == [[0, 0]]
