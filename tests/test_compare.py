"""Comparing keys: one tidy row per municipality and key, differences against a reference, a summary."""

import numpy as np
import pytest

import lkt_analysis as lkt
from lkt_analysis.compare import COMPARISON_COLUMNS, SUMMARY_COLUMNS


@pytest.fixture(scope="module")
def comparison(project):
    return lkt.compare(project, 2019, ["per_capita", "pilot_municipalities",
                                       project.municipal_key("bergen_50", {"share": 0.4})])


def test_one_row_per_municipality_and_key_the_reference_first(comparison):
    table = comparison.table
    assert list(table.columns) == ["year", "key", "label", *COMPARISON_COLUMNS[2:]]
    assert table["key"].drop_duplicates().tolist() == ["bergen_50", "per_capita", "pilot_municipalities",
                                                       "bergen_50_share-0.4"]
    assert len(table) == 4 * 24 and (table.groupby("key")["amount_nok"].sum() == 1_525_000).all()
    assert (table[table["key"] == "bergen_50"]["diff_nok"] == 0).all()
    assert table.groupby("key")["diff_nok"].sum().eq(0).all()  # what some gain, others lose


def test_differences_against_the_reference(comparison):
    rows = comparison.table.set_index(["key", "code"])
    assert rows.loc[("bergen_50", "1201"), "amount_nok"] == 762_500
    assert rows.loc[("bergen_50_share-0.4", "1201"), "amount_nok"] == 610_000
    assert rows.loc[("bergen_50_share-0.4", "1201"), "diff_nok"] == -152_500
    assert rows.loc[("bergen_50_share-0.4", "1201"), "diff_pct"] == pytest.approx(-20.0)
    fedje = rows.loc[("per_capita", "1265")]
    assert fedje["nok_per_inhabitant"] == pytest.approx(fedje["amount_nok"] / 561)
    assert rows.loc[("pilot_municipalities", "1265"), "diff_pct"] == pytest.approx(-100.0)


def test_summary_per_key(comparison):
    summary = comparison.summary.set_index("key")
    assert list(comparison.summary.columns) == SUMMARY_COLUMNS
    per_capita = summary.loc["per_capita"]
    assert per_capita["cv_nok_per_inhabitant"] == pytest.approx(0, abs=1e-3)  # all pay the same per inhabitant
    assert per_capita["max_min_ratio"] == pytest.approx(1, abs=1e-3)
    assert per_capita["largest_loss_name"] == "Bergen" and per_capita["largest_loss_nok"] == 940_093 - 762_500
    assert per_capita["pay_more"] == 1 and per_capita["pay_less"] == 23
    pilots = summary.loc["pilot_municipalities"]
    assert pilots["pay_more"] == 3 and pilots["pay_less"] == 21 and np.isnan(pilots["max_min_ratio"])
    reference = summary.loc["bergen_50"]
    assert reference["pay_more"] == reference["pay_less"] == reference["largest_gain_nok"] == 0
    assert reference["label"] == "Bergen 50\xa0%, resten etter folketal".replace("\xa0", " ")


def test_every_key_of_the_project_by_default_and_another_reference(project):
    comparison = lkt.compare(project, 2018, reference="per_capita")
    assert comparison.reference.key.name == "per_capita"
    assert set(comparison.table["key"]) == set(project.municipal_keys())
    assert comparison.table.groupby("key")["amount_nok"].sum().eq(112_500).all()


def test_each_key_is_computed_once(project, monkeypatch):
    calls = []
    original = lkt.compare.__globals__["distribute"]
    monkeypatch.setitem(lkt.compare.__globals__, "distribute", lambda *a: calls.append(a[2]) or original(*a))
    lkt.compare(project, 2019, ["per_capita", "bergen_50", "per_capita"])
    assert [key.name for key in calls] == ["bergen_50", "per_capita"]
