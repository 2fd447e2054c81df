"""The comparison report's tables and charts (lkt_analysis.comparison_report), on the bundled LKT project."""

from fractions import Fraction

import pytest

import lkt_analysis as lkt
from lkt_analysis import comparison_report as cr


@pytest.fixture(scope="module")
def comparison(project):
    return lkt.compare(project, 2019, ["per_capita", "equal"])


def test_the_wide_tables_hold_every_municipality_and_add_up(comparison):
    amounts = cr.wide_table(comparison, "amount_nok")
    assert list(amounts.columns) == ["Kommune", "Folketall", "Bergen 50 %, resten etter folketall",
                                     "Etter folketall, alle kommunene", "Likt per kommune"]
    assert amounts["Kommune"].iloc[0] == "Bergen" and amounts["Kommune"].iloc[-1] == "Totalt"  # largest first
    assert (amounts.iloc[-1, 2:] == 1_525_000).all() and len(amounts) == 24 + 1
    differences = cr.wide_table(comparison, "diff_nok")
    assert "Bergen 50 %, resten etter folketall" not in differences.columns  # no column against itself
    assert (differences.iloc[-1, 2:] == 0).all()  # what some pay more, others pay less
    per = cr.wide_table(comparison, "nok_per_inhabitant")
    assert "Totalt" not in set(per["Kommune"])


def test_the_summary_names_who_gains_and_loses_most(comparison):
    summary = cr.summary_table(comparison).set_index("Fordelingsnøkkel")
    assert summary.loc["Likt per kommune", "Største gevinst"] == "Bergen: 698\xa0958\xa0kr"
    assert summary.loc["Etter folketall, alle kommunene", "Største tap"] == "Bergen: 177\xa0593\xa0kr"
    assert summary.loc["Etter folketall, alle kommunene", "Kr per innbygger, lavest–høyest"] == "3,36–3,36"


def test_the_anchor_sweep_finds_where_bergen_pays_as_much_per_inhabitant(comparison):
    sweep = cr.anchor_sweep(comparison)
    population = comparison.reference.members.set_index("code")["population"]
    assert sweep.equal_share == Fraction(int(population["1201"]), int(population.sum()))  # 61,6 %
    assert sweep.adopted == Fraction(1, 2) and len(sweep.table) == 101 * 24
    assert "61,6\xa0%" in cr.anchor_text(sweep, comparison)


def test_without_an_anchor_the_sweep_and_grid_say_so(project):
    comparison = lkt.compare(project, 2019, ["equal"], reference="per_capita")
    assert cr.anchor_sweep(comparison) is None and cr.two_way_grid(comparison, "1201") is None
    assert "Ingen av nøklene" in cr.anchor_text(None, comparison)
    assert cr.anchor_chart(None, comparison) is None and cr.heatmap(None, comparison, "1201") is None


def test_the_two_way_grid_is_one_municipalitys_amount_over_both_parts(comparison):
    focus = cr.focus_municipality(comparison)
    assert focus == "1252"  # the smallest, Modalen: where a fixed part matters most
    grid = cr.two_way_grid(comparison, focus)
    adopted = comparison.reference.municipalities.set_index("code").loc[focus, "amount_nok"]
    assert grid.shape == (11, 21) and grid.loc[0.0, 0.5] == adopted  # no fixed part, Bergen at 50 %: the key
    with pytest.raises(lkt.LktError, match="'9999' is not a municipality of 2019"):
        cr.focus_municipality(comparison, "9999")


def test_every_chart_is_a_figure_with_every_municipality(comparison):
    for figure in (cr.difference_chart(comparison), cr.per_inhabitant_chart(comparison),
                   cr.anchor_chart(cr.anchor_sweep(comparison), comparison),
                   cr.heatmap(cr.two_way_grid(comparison, "1252"), comparison, "1252")):
        assert figure.axes
    names = [t.get_text() for t in cr.per_inhabitant_chart(comparison).axes[0].get_yticklabels()]
    assert len(names) == 24 and names[-1] == "Bergen"
