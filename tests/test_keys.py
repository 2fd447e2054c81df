from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkt_analysis import errors
from lkt_analysis.allocate import apportion
from lkt_analysis.keys import Key, describe, shares
from lkt_analysis.keys import KINDS, label, variant
from strategies import members as members_strategy, totals


def test_anchor(members):
    result = shares(members, Key("k", "anchor", {"code": "0001", "share": 0.5}))
    assert result.to_dict() == {"0001": Fraction(1, 2), "0002": Fraction(1, 4),
                                "0003": Fraction(1, 6), "0004": Fraction(1, 12)}


def test_per_capita_equal_and_fixed_plus_per_capita(members):
    assert shares(members, Key("k", "per_capita"))["0004"] == Fraction(100, 1600)
    assert set(shares(members, Key("k", "equal"))) == {Fraction(1, 4)}
    mixed = shares(members, Key("k", "fixed_plus_per_capita", {"fixed": 0.2}))
    assert mixed["0004"] == Fraction(1, 5) / 4 + Fraction(4, 5) * Fraction(100, 1600)


def test_target_group_members_only_and_weights(members):
    assert shares(members, Key("k", "target_group", {"age_group": "67+"}))["0003"] == Fraction(50, 250)
    pilot = shares(members, Key("k", "members_only", {"codes": ["0002", "0004"]}))
    assert pilot.to_dict() == {"0001": 0, "0002": Fraction(3, 4), "0003": 0, "0004": Fraction(1, 4)}
    table = shares(members, Key("k", "weights", {"weights": {"0001": 0.7, "0003": 0.3}}))
    assert table.to_dict() == {"0001": Fraction(7, 10), "0002": 0, "0003": Fraction(3, 10), "0004": 0}


@pytest.mark.parametrize("key, message", [
    (Key("k", "weights", {"weights": {"0001": 0.7, "0003": 0.4}}), r"exceed 100\s%"),
    (Key("k", "weights", {"weights": {"0001": 0.7}}), r"add up to 70\s%, not 100\s%"),
    (Key("k", "anchor", {"code": "0001", "share": 1.5}), r"between 0 and 100\s%"),
    (Key("k", "anchor", {"code": "9999", "share": 0.5}), "unknown member code"),
    (Key("k", "members_only", {"codes": ["0001", "0001"]}), "named twice"),
    (Key("k", "target_group", {"age_group": "6-15"}), "age group '6-15' is not in the population data"),
    (Key("k", "fixed_plus_per_capita", {"fixed": "much"}), "not a number"),
])
def test_bad_keys(members, key, message):
    with pytest.raises(errors.KeyDefinitionError, match=message):
        shares(members, key)


def test_unknown_kind_or_parameter():
    with pytest.raises(errors.KeyDefinitionError, match="unknown kind 'lottery'"):
        Key("k", "lottery")
    with pytest.raises(errors.KeyDefinitionError, match="takes exactly: code, share"):
        Key("k", "anchor", {"code": "1201", "shear": 0.5})


def test_descriptions_in_both_written_standards(members):
    anchor = Key("k", "anchor", {"code": "0001", "share": 0.5})
    assert describe(members, anchor, "nb") == "Aby betaler 50\xa0%; resten fordeles etter folketall mellom de 3 andre " \
                                              "kommunene."
    assert describe(members, anchor, "nn") == "Aby betalar 50\xa0%; resten blir fordelt etter folketal mellom dei 3 " \
                                              "andre kommunane."
    assert describe(members, Key("k", "target_group", {"age_group": "67+"}), "nn").endswith("67 år og eldre.")
    assert describe(members, Key("k", "members_only", {"codes": ["0001", "0002", "0003"]}), "nn") == (
        "Fordelt etter folketal mellom Aby, Bby og Cby; dei andre betalar ikkje.")
    assert describe(members, Key("k", "equal", title="Eigen tekst"), "nb") == "Eigen tekst"  # written: as written


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_its_words_in_both_written_standards(kind, members):
    params = {"anchor": {"code": "0001", "share": 0.5}, "fixed_plus_per_capita": {"fixed": 0.3},
              "anchor_plus_fixed": {"code": "0001", "share": 0.5, "fixed": 0.3}, "target_group": {"age_group": "0-17"},
              "members_only": {"codes": ["0001"]}, "weights": {"weights": {"0001": 1}}}.get(kind, {})
    for language in ("nb", "nn"):
        assert describe(members, Key("k", kind, params), language).endswith(".")
        assert label(members, Key("k", kind, params), language)


KEYS = [
    Key("anchor", "anchor", {"code": "1000", "share": 0.5}),
    Key("per_capita", "per_capita"),
    Key("equal", "equal"),
    Key("fixed", "fixed_plus_per_capita", {"fixed": 0.2}),
    Key("anchor_fixed", "anchor_plus_fixed", {"code": "1000", "share": 0.4, "fixed": 0.3}),
    Key("children", "target_group", {"age_group": "0-17"}),
    Key("elderly", "target_group", {"age_group": "67+"}),
    Key("pilot", "members_only", {"codes": ["1000", "1001"]}),
    Key("weights", "weights", {"weights": {"1000": 0.25, "1001": 0.75}}),
]


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.name)
@given(members=members_strategy(), total=totals)
def test_every_key_allocates_exactly_and_never_negative(key, members, total):
    share = shares(members, key)
    assert sum(share) == 1 and (share >= 0).all()
    amounts = apportion(total, share)
    assert amounts.sum() == total and (amounts >= 0).all()
    assert list(amounts.index) == list(members["code"])


@given(members=members_strategy(min_size=3), share=st.integers(0, 100), total=totals)
def test_anchor_member_pays_its_share_to_the_krone(members, share, total):
    key = Key("k", "anchor", {"code": "1000", "share": share / 100})
    amount = apportion(total, shares(members, key))["1000"]
    assert abs(amount - Fraction(total * share, 100)) < 1


def test_anchor_plus_fixed_splits_a_fixed_part_of_the_rest_equally(members):
    share = shares(members, Key("k", "anchor_plus_fixed", {"code": "0001", "share": 0.5, "fixed": 0.3}))
    rest_by_population = Fraction(7, 10) * Fraction(300, 600)  # Bby has 300 of the others' 600 inhabitants
    assert share["0001"] == Fraction(1, 2)
    assert share["0002"] == Fraction(1, 2) * (Fraction(3, 10) / 3 + rest_by_population)
    assert sum(share) == 1


def test_labels_and_written_labels_win(members):
    assert label(members, Key("k", "anchor", {"code": "0001", "share": 0.4}), "nb") == "Aby 40\xa0%, resten etter " \
                                                                                       "folketall"
    assert label(members, Key("k", "fixed_plus_per_capita", {"fixed": 0.3}), "nn") == "30\xa0% likt, resten etter " \
                                                                                     "folketal"
    assert label(members, Key("k", "target_group", {"age_group": "67+"}), "nn") == "Etter folketal, 67 år og eldre"
    assert label(members, Key("k", "equal", label="Likt"), "nn") == "Likt"


def test_sentences_count_right_for_one_two_and_many_municipalities(members):
    two, one = members.iloc[:2], members.iloc[:1]
    anchor = Key("k", "anchor", {"code": "0001", "share": 0.4})
    assert describe(two, anchor, "nn") == "Aby betalar 40\xa0%; den andre kommunen betalar resten."
    assert describe(members, anchor, "nb").endswith("mellom de 3 andre kommunene.")
    assert describe(one, Key("k", "per_capita"), "nn") == "Aby betalar alt."  # a municipality, or a hospital trust
    assert describe(one, Key("k", "equal"), "nb") == "Aby betaler alt."
    assert describe(members, Key("k", "equal"), "nn") == "Fordelt likt mellom dei 4 kommunane."
    assert describe(members, Key("k", "members_only", {"codes": ["0001"]}), "nn") == (
        "Berre Aby betalar; dei andre betalar ikkje.")
    assert label(one, Key("k", "anchor", {"code": "0001", "share": 1}), "nb") == "Bare Aby"


def test_a_variant_is_named_after_its_change_and_loses_the_written_words():
    key = Key("bergen_50", "anchor", {"code": "1201", "share": 0.5}, title="Bergen halvparten", label="Bergen 50 %")
    changed = variant(key, {"share": 0.4})
    assert changed.name == "bergen_50_share-0.4" and changed.params == {"code": "1201", "share": 0.4}
    assert changed.title is None and changed.label is None
    assert variant(key, {}) is key
    assert variant(Key("../x", "members_only", {"codes": ["1"]}), {"codes": ["1201", "1243"]}).name == (
        ".._x_codes-1201+1243")  # only safe characters: no path separator
    with pytest.raises(errors.KeyDefinitionError, match="takes exactly: code, share"):
        variant(key, {"shares": 0.4})


@pytest.mark.parametrize("kind, params", [
    ("anchor", {"code": "1000", "share": 0.5}), ("fixed_plus_per_capita", {"fixed": 0.5}),
    ("anchor_plus_fixed", {"code": "1000", "share": 0.5, "fixed": 0.5})])
@given(members=members_strategy(min_size=2), a=st.fractions(0, 1, max_denominator=50),
       b=st.fractions(0, 1, max_denominator=50), t=st.fractions(0, 1, max_denominator=50))
def test_linear_parameters_are_linear(kind, params, members, a, b, t):
    """What the sweep rests on: shares at t between a and b are the blend of the shares at a and b."""
    for name in KINDS[kind].linear:
        at = {x: shares(members, variant(Key("k", kind, params), {name: x})) for x in (a, b, (1 - t) * a + t * b)}
        assert (at[(1 - t) * a + t * b] == at[a] * (1 - t) + at[b] * t).all()


@pytest.mark.parametrize("kind, params", [
    ("anchor", {"code": "1000", "share": Fraction(2, 5)}), ("per_capita", {}), ("equal", {}),
    ("fixed_plus_per_capita", {"fixed": Fraction(3, 10)}),
    ("anchor_plus_fixed", {"code": "1000", "share": Fraction(1, 2), "fixed": Fraction(1, 5)})])
@given(members=members_strategy(min_size=2))
def test_a_key_to_try_has_the_same_shares_as_the_key_it_stands_for(kind, params, members):
    """What "prøv sjølv" rests on: it starts at the adopted key, as a kind the reader can try."""
    tried, tried_params = KINDS[kind].tried(**params)
    assert tried in ("anchor_plus_fixed", "fixed_plus_per_capita")
    assert (shares(members, Key("k", tried, tried_params)) == shares(members, Key("k", kind, params))).all()


@pytest.mark.parametrize("key", [KEYS[0], KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6]], ids=lambda k: k.name)
@given(members=members_strategy(min_size=2), total=totals)
def test_more_inhabitants_never_pay_less(key, members, total):
    """Under a population key (the anchor aside), a municipality with more inhabitants in the key's base
    never pays less than one with fewer."""
    amounts = apportion(total, shares(members, key))
    base = members.set_index("code")[key.age_group or "population"]
    others = [code for code in base.index if code != key.params.get("code")]
    for a in others:
        for b in others:
            if base[a] > base[b]:
                assert amounts[a] >= amounts[b]
