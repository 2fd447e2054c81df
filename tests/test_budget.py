from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkt_analysis import allocate, budget, errors
from lkt_analysis.budget import new_cost
from conftest import DELT, HB, KOM, write_budget

FINANCING = {HB: {"specialist_health_service": 1}, KOM: {"municipalities": 1},
             DELT: {"specialist_health_service": 0.5, "municipalities": 0.5}}


def test_seed_table_gives_the_seed_figures(project):
    totals = budget.group_totals(new_cost(project.budget, project.financing))
    assert totals.loc[2018].to_dict() == {"specialist_health_service": 77_500, "municipalities": 112_500}
    assert totals.loc[2019].to_dict() == {"specialist_health_service": 1_235_000, "municipalities": 1_525_000}


def test_covered_posts_are_not_distributed(project):
    posts = new_cost(project.budget, project.financing)
    assert set(posts.loc[posts["year"] == 2018, "post"]) == {"1.4.1", "1.4.2", "1.6"}
    assert set(posts.loc[posts["year"] == 2019, "post"]) == {"1.1", "1.2", "1.3", "1.4.1", "1.4.2", "1.5", "1.6"}


def test_seed_workbook_is_the_seed_table(project):
    budget = project.budget.set_index(["year", "post"])
    assert budget["amount_nok"].groupby("year").sum().to_dict() == {2018: 710_000, 2019: 2_760_000}
    assert budget.loc[budget["covered"], "amount_nok"].sum() == 520_000
    assert budget.loc[(2018, "1.5"), "covered"] and not budget.loc[(2019, "1.5"), "covered"]


def test_odd_shared_amount_is_split_exactly(tmp_path):
    path = write_budget(tmp_path / "b.xlsx", [["1", "Reiser", 2020, 25_001, None, DELT]])
    parts = new_cost(budget.read_budget(path), FINANCING).set_index("group")["amount_nok"]
    assert parts.to_dict() == {"specialist_health_service": 12_500, "municipalities": 12_501}


def test_split_is_configurable(tmp_path):
    path = write_budget(tmp_path / "b.xlsx", [["1", "Reiser", 2020, 1000, "", DELT]])
    financing = {**FINANCING, DELT: {"specialist_health_service": 0.7, "municipalities": 0.3}}
    parts = new_cost(budget.read_budget(path), financing).set_index("group")["amount_nok"]
    assert parts.to_dict() == {"specialist_health_service": 700, "municipalities": 300}


def test_amount_cells_may_be_text_with_spaces_or_whole_floats(tmp_path):
    path = write_budget(tmp_path / "b.xlsx", [["1", "a", 2020, "1 500", "x", HB], ["2", "b", 2020, 2000.0, None, KOM]])
    posts = budget.read_budget(path)
    assert posts["amount_nok"].tolist() == [1500, 2000] and posts["covered"].tolist() == [True, False]


@given(amounts=st.lists(st.integers(0, 10**9), min_size=1, max_size=10),
       share=st.integers(0, 100))
def test_group_parts_always_add_up_to_the_posts(amounts, share):
    budget = pd.DataFrame({"post": [str(i) for i in range(len(amounts))], "cost_element": "",
                           "year": 2020, "amount_nok": amounts, "covered": False, "financed_by": DELT})
    financing = {DELT: {"specialist_health_service": share / 100, "municipalities": 1 - share / 100}}
    financing = {DELT: {g: allocate.as_fraction(f) for g, f in financing[DELT].items()}}
    posts = new_cost(budget, financing)
    assert (posts["amount_nok"] >= 0).all()
    assert posts.groupby("post")["amount_nok"].sum().reindex(budget["post"]).tolist() == amounts


@pytest.mark.parametrize("rows, message", [
    ([["1", "a", 2020, "mye", None, HB]], r"row 2, column 'Beløp \(kr\)': 'mye' is not a whole number"),
    ([["1", "a", 2020, 10.5, None, HB]], r"row 2, column 'Beløp \(kr\)'"),
    ([["1", "a", 2020, -5, None, HB]], r"row 2, column 'Beløp \(kr\)': the amount -5 is negative"),
    ([["1", "a", 2020, 5, None, HB], ["2", "b", 2020, 5, None, "NAV"]],
     r"row 3, column 'Finansiering': unknown financing party 'NAV'"),
    ([["1", "a", 2020, 5, None, HB], ["1", "b", 2020, 6, None, HB]], "post 1 appears twice for 2020"),
    ([["1", "a", "neste år", 5, None, HB]], r"row 2, column 'År'"),
    ([["1", "a", 2020, 5, "kanskje", HB]], r"row 2, column 'Dekket'"),
    ([[None, "a", 2020, 5, None, HB]], r"row 2, column 'Post'"),
])
def test_bad_rows_are_named(tmp_path, rows, message):
    path = write_budget(tmp_path / "b.xlsx", rows)
    with pytest.raises(errors.InputError, match=message) as err:
        budget.read_budget(path, parties=FINANCING)
    assert str(path) in str(err.value) and "sheet 'Budsjett'" in str(err.value)


def test_missing_sheet_column_and_file(tmp_path):
    with pytest.raises(errors.InputError, match="no sheet named 'Budsjett'"):
        budget.read_budget(write_budget(tmp_path / "a.xlsx", [], sheet="Ark1"))
    headings = ["Post", "Kostnadselement", "År", "Beløp (kr)", "Finansiering"]
    with pytest.raises(errors.InputError, match="missing column.*'Dekket'"):
        budget.read_budget(write_budget(tmp_path / "b.xlsx", [], headings=headings))
    with pytest.raises(errors.InputError, match="file not found"):
        budget.read_budget(tmp_path / "none.xlsx")
    (tmp_path / "c.xlsx").write_text("not a workbook")
    with pytest.raises(errors.InputError, match="not a readable xlsx"):
        budget.read_budget(tmp_path / "c.xlsx")


@given(posts=st.lists(st.tuples(st.integers(0, 10**9), st.booleans(), st.integers(1, 99)), min_size=1, max_size=12))
def test_the_groups_parts_of_every_post_sum_to_the_post(posts):
    """Random budgets (synthetic): whatever the amounts and shared fractions, no krone is lost or made."""
    financing = {f"delt {p}%": {"municipalities": Fraction(p, 100), "specialist_health_service": Fraction(100 - p, 100)}
                 for _, _, p in posts}
    budget = pd.DataFrame({
        "post": [str(i) for i in range(len(posts))], "cost_element": "x", "year": 2019,
        "amount_nok": [amount for amount, _, _ in posts], "covered": [covered for _, covered, _ in posts],
        "financed_by": [f"delt {p}%" for _, _, p in posts]})
    parts = new_cost(budget, financing)
    assert (parts["amount_nok"] >= 0).all()
    uncovered = budget[~budget["covered"]].set_index("post")["amount_nok"]
    assert parts.groupby("post")["amount_nok"].sum().reindex(uncovered.index, fill_value=0).equals(uncovered)
