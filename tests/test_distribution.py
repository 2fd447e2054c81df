"""One year under one key, computed once (lkt_analysis.distribution)."""

import lkt_analysis as lkt
from lkt_analysis.distribution import ALLOCATION_COLUMNS, distribute_years


def test_a_distribution_holds_everything_a_report_shows(project):
    result = lkt.distribute(project, 2019)
    assert list(result.table.columns) == ALLOCATION_COLUMNS
    assert result.totals == {"specialist_health_service": 1_235_000, "municipalities": 1_525_000}
    assert result.municipal_total == result.municipalities["amount_nok"].sum() == 1_525_000
    assert len(result.municipalities) == 24 and set(result.hospitals["name"]) == {"Helse Bergen HF"}
    assert sum(result.shares) == 1 and (result.rounding["amount_nok"] == result.municipalities.set_index(
        "code")["amount_nok"].reindex(result.rounding.index)).all()
    bergen = result.municipalities.set_index("code").loc["1201"]
    assert bergen["nok_per_inhabitant"] == 762_500 / 279_792 and bergen["cooperation_council"] == "Bergen kommune"
    assert result.title() == "LKT – Langvarige og koordinerte tenester: fordeling 2019 – Bergen 50 %, resten etter " \
                             "folketal"
    assert result.about()["Folketal"] == "per 1. januar 2018 (Statistisk sentralbyrå, tabell 07459)"
    assert result.adopted and not lkt.distribute(project, 2019, project.municipal_key("bergen_50", {"share": 0.4})).adopted


def test_the_years_of_a_decision_come_together(project):
    years = distribute_years(project, 2019, project.municipal_key("per_capita"))
    assert sorted(years) == [2018, 2019] and {r.key.name for r in years.values()} == {"per_capita"}


def test_only_the_adopted_key_as_adopted_is_adopted(project):
    changed = lkt.Key("bergen_50", "anchor", {"code": "1201", "share": 0.3})  # the name, other parameters
    other_kind = lkt.Key("bergen_50", "anchor_plus_fixed", {"code": "1201", "share": 0.5, "fixed": 0})  # same shares
    assert lkt.distribute(project, 2019).adopted and not lkt.distribute(project, 2019, changed).adopted
    assert not lkt.distribute(project, 2019, other_kind).adopted
    assert not lkt.distribute(project, 2019, "per_capita").adopted
