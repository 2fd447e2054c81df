"""Norwegian number format for what a council member reads (lkt_analysis.norwegian)."""

from fractions import Fraction

import pytest

from lkt_analysis import norwegian as no


@pytest.mark.parametrize("value, decimals, text", [
    (1_525_000, 0, "1\xa0525\xa0000"), (0, 0, "0"), (-950, 0, "\u2212950"), (3.3612, 2, "3,36"),
    (999.5, 0, "1\xa0000"), (1234.5, 1, "1\xa0234,5"),
])
def test_numbers_have_spaces_between_thousands_and_a_decimal_comma(value, decimals, text):
    assert no.number(value, decimals) == text


def test_kroner_percent_and_signs():
    assert no.kroner(762_500) == "762\xa0500\xa0kr"
    assert no.percent(0.125) == "12,5\xa0%" and no.percent(Fraction(1, 2)) == "50\xa0%"
    assert no.percent(0.5, 2, trim=False) == "50,00\xa0%"
    assert (no.signed(2283), no.signed(-950), no.signed(0)) == ("+2\xa0283", "\u2212950", "0")
    assert no.join(["Bergen"]) == "Bergen" and no.join(["Bergen", "Os", "Lindås"]) == "Bergen, Os og Lindås"


def test_chart_axes_write_numbers_the_norwegian_way():
    assert no.axis_formatter(2)(1234.5, 0) == "1\xa0234,50"
