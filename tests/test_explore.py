"""The explorer (lkt_analysis.explore): what the widgets of notebooks/explore_keys.ipynb show."""

from fractions import Fraction

import lkt_analysis as lkt


def test_the_explorer_view_the_widgets_call(project):
    view = lkt.explore.view(project, 2019, "anchor", 0.35000000000000003, 0.2, "0-17", "bergen_50")
    explored = view.comparison.results[-1]
    assert explored.key.params["share"] == Fraction(35, 100) and explored.key_label.startswith("Bergen 35")
    bergen = view.table.set_index("Kommune").loc["Bergen"]
    assert bergen["Denne nøkkelen (kr)"] == "533\xa0750" and bergen["Endring (kr)"] == "\u2212228\xa0750"
    html = view._repr_html_()
    assert "<svg" in html and "Bergen 35\xa0%, resten etter folketall" in html
    fixed = lkt.explore.view(project, 2018, "fixed_plus_per_capita", 0.5, 0.3, "0-17", "per_capita")
    assert fixed.comparison.results[-1].key.params == {"fixed": Fraction(3, 10)}
    children = lkt.explore.view(project, 2019, "target_group", 0.5, 0.3, "67+", "bergen_50")
    assert children.comparison.results[-1].key_label == "Etter folketall 67 år og eldre"
