"""The comparison report's texts, tables and charts (lkt_analysis.comparison_report), on the bundled LKT project."""

from fractions import Fraction

import pytest

import lkt_analysis as lkt
from lkt_analysis import comparison_report as cr
from lkt_analysis.errors import LktError


@pytest.fixture(scope="module")
def comparison(project):
    return lkt.compare(project, 2019, ["per_capita", "equal"])


def test_the_first_page_says_who_pays_more_and_less_under_each_key(comparison):
    page = cr.introduction(comparison)
    assert "<h1>LKT – Langvarige og koordinerte tenester: samanlikning av fordelingsnøklar 2019</h1>" in page
    assert cr.key_sentences(comparison) == [
        "Med «Etter folketal, alle kommunane» betalar éin kommune meir og 23 kommunar mindre enn med referansen; "
        "Bergen får størst auke, 177\xa0593\xa0kr, og Askøy sparar mest, 29\xa0657\xa0kr.",
        "Med «Likt per kommune» betalar 18 kommunar meir og 6 kommunar mindre enn med referansen; Modalen får "
        "størst auke, 61\xa0877\xa0kr, og Bergen sparar mest, 698\xa0958\xa0kr."]
    assert "den vedtekne nøkkelen" in page and page.count("<li>") == 2


def test_the_wide_tables_hold_every_municipality_in_one_order_and_add_up(comparison):
    amounts = cr.wide_table(comparison, "amount_nok")
    assert list(amounts.columns) == ["code", "name", "population", "bergen_50", "per_capita", "equal"]
    assert amounts["name"].iloc[0] == "Bergen" and amounts["name"].iloc[-1] == "Totalt"  # most inhabitants first
    assert (amounts.iloc[-1, 3:] == 1_525_000).all() and len(amounts) == 24 + 1
    differences = cr.wide_table(comparison, "diff_nok")
    assert "bergen_50" not in differences.columns and (differences.iloc[-1, 3:] == 0).all()
    per = cr.wide_table(comparison, "nok_per_inhabitant")
    assert "Totalt" not in set(per["name"]) and list(per["code"]) == list(amounts["code"][:-1])
    page = cr.wide_html(comparison, "diff_nok")
    assert '<th scope="col" class="n">Likt per kommune</th>' in page and "−698\xa0958" in page


def test_the_summary_names_who_gains_and_loses_most(comparison):
    page = cr.summary_html(comparison)
    assert "Bergen: 698\xa0958\xa0kr" in page and "Bergen: 177\xa0593\xa0kr" in page and "3,36–3,36" in page
    assert "Bergen 50 %" not in page  # the reference is not compared with itself


def test_the_anchor_sweep_finds_where_bergen_pays_as_much_per_inhabitant(comparison):
    sweep = cr.anchor_sweep(comparison)
    population = comparison.reference.members.set_index("code")["population"]
    assert sweep.equal_share == Fraction(int(population["1201"]), int(population.sum()))  # 61,6 %
    assert sweep.adopted == Fraction(1, 2) and len(sweep.table) == 101 * 24
    assert "61,6\xa0%" in cr.anchor_text(sweep, comparison)


def test_without_an_anchor_the_sweep_and_grid_say_so(project):
    comparison = lkt.compare(project, 2019, ["equal"], reference="per_capita")
    assert cr.anchor_sweep(comparison) is None and cr.two_way_grid(comparison, "1201") is None
    assert "Ingen av nøklane" in cr.anchor_text(None, comparison) and cr.grid_section(comparison, "1201") == ""
    assert cr.anchor_chart(None, comparison) == "" and cr.heatmap(None, comparison, "1201") == ""  # nothing shown


def test_the_two_way_grid_is_one_municipalitys_amount_over_both_parts(comparison):
    focus = cr.focus_municipality(comparison)
    assert focus == "1252"  # the smallest, Modalen: where a fixed part matters most
    grid = cr.two_way_grid(comparison, focus)
    adopted = comparison.reference.municipalities.set_index("code").loc[focus, "amount_nok"]
    assert grid.shape == (11, 21) and grid.loc[0.0, 0.5] == adopted  # no fixed part, Bergen at 50 %: the key
    with pytest.raises(LktError, match="'9999' is not a municipality of 2019"):
        cr.focus_municipality(comparison, "9999")


def test_every_chart_says_what_it_shows_in_words(comparison):
    charts = [cr.difference_chart(comparison), cr.anchor_chart(cr.anchor_sweep(comparison), comparison),
              cr.heatmap(cr.two_way_grid(comparison, "1252"), comparison, "1252")]
    for chart in charts:
        page = chart._repr_html_()
        assert 'role="img"' in page and chart.alt and f'aria-label="{chart.alt[:20]}' in page
    small = charts[0].figure.axes
    assert len(small) == 2 and small[0].get_xlim() == small[1].get_xlim()  # one scale for every key
    names = [t.get_text() for t in small[0].get_yticklabels()]
    assert len(names) == 24 and names[0] == "Bergen" and all(t.get_fontsize() >= 8 for t in small[0].get_yticklabels())
