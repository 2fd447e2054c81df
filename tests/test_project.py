import pandas as pd
import pytest

import lkt_analysis as lkt
from lkt_analysis import budget, errors, population
from lkt_analysis.distribution import ALLOCATION_COLUMNS
from conftest import DELT, HB, KOM, write_budget


@pytest.mark.parametrize("year, municipalities, hospitals, bergen", [
    (2018, 112_500, 77_500, 56_250),
    (2019, 1_525_000, 1_235_000, 762_500),
])
def test_seed_figures(project, year, municipalities, hospitals, bergen):
    result = lkt.distribute(project, year).table
    assert list(result.columns) == ALLOCATION_COLUMNS
    by_group = result.groupby("group")
    assert by_group["amount_nok"].sum().to_dict() == {"municipalities": municipalities,
                                                      "specialist_health_service": hospitals}
    town = result[result["group"] == "municipalities"]
    assert len(town) == 24 and town["code"].str.fullmatch(r"\d{4}").all()
    assert town.set_index("code").loc["1201", "amount_nok"] == bergen
    assert town.set_index("code").loc["1201", "share"] == 0.5
    hospital = result[result["group"] == "specialist_health_service"].iloc[0]
    assert hospital["name"] == "Helse Bergen HF" and hospital["amount_nok"] == hospitals
    assert pd.isna(hospital["population"])


def test_the_other_23_pay_by_population_at_1_january_2018(project):
    result = lkt.distribute(project, 2019).table.set_index("code")
    others = result.loc[result.index.str.fullmatch(r"\d{4}") & (result.index != "1201")]
    assert others["population"].sum() == 174_081  # SOURCES.md: the other municipalities, 1 Jan 2018
    expected = others["population"] / 174_081 * 762_500
    assert (others["amount_nok"] - expected).abs().max() < 1


@pytest.mark.parametrize("key", ["per_capita", "equal", "fixed_20_per_capita", "children_0_17",
                                 "children_0_18", "elderly_67", "pilot_municipalities"])
def test_every_project_key_allocates_the_seed_totals(project, key):
    result = lkt.distribute(project, 2019, key).table
    assert result.groupby("group")["amount_nok"].sum()["municipalities"] == 1_525_000
    assert (result["amount_nok"] >= 0).all()


def test_pilot_municipalities_only(project):
    result = lkt.distribute(project, 2018, "pilot_municipalities").table.set_index("code")
    payers = result.loc[(result["group"] == "municipalities") & (result["amount_nok"] > 0)]
    assert set(payers.index) == {"1201", "1243", "1263"}


def test_a_year_whose_posts_are_all_covered_allocates_nothing(project_dir):
    rows = [["1", "Leder", 2018, 100, "x", HB], ["1", "Leder", 2019, 100, "x", KOM]]
    write_budget(project_dir / "lkt_budget.xlsx", rows)
    result = lkt.distribute(lkt.load_project(project_dir / "lkt_project.toml"), 2019).table
    assert len(result) == 25 and (result["amount_nok"] == 0).all()


def test_unknown_year_and_key(project):
    with pytest.raises(errors.InputError, match="2020 is not a budget year.*2018, 2019"):
        lkt.distribute(project, 2020).table
    with pytest.raises(errors.KeyDefinitionError, match="unknown key 'bergen'.*bergen_50"):
        lkt.distribute(project, 2019, "bergen").table


def _project_2020(project_dir, population_year: int):
    text = (project_dir / "lkt_project.toml").read_text(encoding="utf-8")
    text += f'\n[years.2020]\nlabel = "2020"\npopulation_year = {population_year}\n'
    (project_dir / "lkt_project.toml").write_text(text, encoding="utf-8")
    rows = [["1", "Pilot", 2020, 1_000_000, None, KOM], ["2", "Reiser", 2020, 50_001, None, DELT],
            ["3", "Leder", 2020, 450_000, None, HB]]
    posts = budget.read_budget(lkt.paths.DATA_RAW / "lkt_budget.xlsx")
    rows += posts.assign(covered=posts["covered"].map({True: "x", False: None})).values.tolist()
    write_budget(project_dir / "lkt_budget.xlsx", rows)
    return lkt.load_project(project_dir / "lkt_project.toml")


@pytest.mark.parametrize("population_year", [2019, 2020])
def test_2020_is_allocated_over_the_18_municipalities_after_the_reform(project_dir, population_year):
    project = _project_2020(project_dir, population_year)
    result = lkt.distribute(project, 2020).table
    town = result[result["group"] == "municipalities"].set_index("code")
    assert len(town) == 18 and town.index.str.startswith("46").all()
    assert town["amount_nok"].sum() == 1_025_001
    assert abs(town.loc["4601", "amount_nok"] - 512_500.5) < 1  # the key names Bergen 1201: now 4601
    pilot = lkt.distribute(project, 2020, "pilot_municipalities").table.set_index("code")
    pilot = pilot[pilot["group"] == "municipalities"]
    assert set(pilot.index[pilot["amount_nok"] > 0]) == {"4601", "4624", "4631"}  # Bergen, Bjørnafjorden, Alver


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('key = "bergen_50"', 'key = "nope"'), "key 'nope' is not defined"),
    (lambda t: t.replace("share = 0.5", "shear = 0.5"), "takes exactly: code, share"),
    (lambda t: t.replace("population_year = 2018\n\n[years.2019]", "\n[years.2019]"), r"\[years.2018\] has no"),
    (lambda t: t.replace("[years.2019]", "[years.2017]"), "budget year 2019 is not a year"),
    (lambda t: t + '\n[years.2021]\npopulation_year = 2020\n', "no budget rows for 2021"),
    (lambda t: t.replace("municipalities = 0.5 }", "municipalities = 0.6 }"), "must add up to 1"),
    (lambda t: t.replace("[project]", "[project"), "not a readable TOML"),
])
def test_bad_project_files(project_dir, edit, message):
    path = project_dir / "lkt_project.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(errors.InputError, match=message) as err:
        lkt.load_project(path)
    assert str(project_dir) in str(err.value)  # names the project file or the budget workbook


@pytest.mark.parametrize("old, new, message", [
    ('[years.2018]\nlabel = "hausten 2018"\npopulation_year = 2018', "[years]\n2018 = 5",
     r"\[years\] '2018' must be a table such as \[years.2018\], not 5"),
    ("population_year = 2018\n\n[years.2019]", 'population_year = "2018"\n\n[years.2019]',
     r"\[years.2018\] 'population_year' must be a whole number, not '2018'"),
    ('label = "hausten 2018"', "label = 5", r"\[years.2018\] 'label' must be a text in quotes"),
    ("share = 0.5", 'share = "halv"', r"\[keys.bergen_50\] for 2018: anchor share 'halv' is not a number"),
    ("share = 0.5", "share = 1.5", r"\[keys.bergen_50\] for 2018: anchor share 150\xa0% must lie between"),
    ("share = 0.5", "share = true", r"\[keys.bergen_50\] for 2018: anchor share 'True' is not a number"),
    ("fixed = 0.2", 'fixed = "0,2"', r"\[keys.fixed_20_per_capita\] for 2018: fixed part '0,2' is not a number"),
    ('"Helse Bergen" = { specialist_health_service = 1 }', '"Helse Bergen" = { specialist_health_service = "en" }',
     r"\[financing\] 'Helse Bergen': the fractions must be numbers"),
    ('"Helse Bergen" = { specialist_health_service = 1 }', '"Helse Bergen" = 1',
     r"\[financing\] 'Helse Bergen' must be a table"),
    ('[keys.equal]\nkind = "equal"', '[keys]\nequal2 = 5\n[keys.equal]\nkind = "equal"',
     r"\[keys\] 'equal2' must be a table"),
    ('code = "1201"   # Bergen', 'code = "9999"', r"\[keys.bergen_50\] for 2018: .*municipality 9999"),
    ('codes = ["1201", "1243", "1263"]', 'codes = ["1201", "1243", "1201"]',
     r"\[keys.pilot_municipalities\]: a municipality is named twice"),
    ('age_group = "67+"', 'age_group = "old"', r"\[keys.elderly_67\]: age group 'old' is not 'total', 'A-B' or 'A\+'"),
    ('age_group = "67+"', 'age_group = "67-10"', r"\[keys.elderly_67\]: age group '67-10' is not"),
    ("weights = { helse_bergen = 1.0 }", "weights = { helse_bergen = 1.5 }", r"\[keys.hospitals\]: weight of"),
    ('helse_bergen = "Helse Bergen HF"', "helse_bergen = 5", r"\[hospitals\]: each hospital is code = \"name\""),
    ('kind = "equal"', "kind = 5", r"\[keys.equal\] 'kind' must be a text in quotes, not 5"),
    ('name = "LKT – Langvarige og koordinerte tenester"', "name = 5", r"\[project\] 'name' must be a text"),
    ("population_year = 2018", "population_year = 2014",
     r"\[years.2018\] population_year 2014: the population files \(07459_Personer2015-2018.csv, "
     r"07459_Personer2019.csv, 07459_Personer2020.csv\) hold 1 January of 2015, 2016, 2017, 2018, 2019, 2020 only"),
])
def test_a_wrong_project_file_is_refused_when_loaded_naming_the_file_and_key(project_dir, old, new, message):
    toml = project_dir / "lkt_project.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(errors.InputError, match=message) as err:
        lkt.load_project(toml)
    assert str(err.value).startswith(str(toml))


def test_an_age_group_beyond_the_data_is_refused(project_dir):
    toml = project_dir / "lkt_project.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('age_group = "67+"', 'age_group = "200+"'),
                    encoding="utf-8")
    with pytest.raises(errors.InputError, match=r"\[keys.elderly_67\] age_group '200\+': the population file "
                                             r"07459_Personer2015-2018.csv gives ages up to 105") as err:
        lkt.load_project(toml)
    assert str(err.value).startswith(str(toml))  # the key asks too much: the project file's fault
    download = lkt.paths.DATA_RAW / "ssb" / "07459_Personer2019.csv"
    with pytest.raises(errors.InputError, match=r"07459_Personer2019.csv: age group '200\+' lies beyond the oldest "
                                             r"age in the file, 105"):
        population.read_population(download, age_groups=["200+"])


@pytest.mark.parametrize("old, new, message", [
    ('language = "nn"', 'language = "se"', r"\[project\] language must be \"nn\" \(nynorsk\) or \"nb\" \(bokmål\)"),
    ('language = "nn" ', "", r"\[project\] language must be"),
    ("{amounts} slik det", "slik det", r"\[decision\] text must name \{amounts\}"),
])
def test_the_written_standard_and_the_decision_are_the_project_files_to_say(project_dir, old, new, message):
    path = project_dir / "lkt_project.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(errors.InputError, match=message):
        lkt.load_project(path)


def test_a_decision_text_is_filled_in_as_written_never_interpreted(project_dir):
    path = project_dir / "lkt_project.toml"
    text = path.read_text(encoding="utf-8").replace(
        'text = "{municipality} kommune vil dekkja', 'text = "{{7*7}} {0} {municipality} kommune vil dekkja')
    path.write_text(text, encoding="utf-8")
    project = lkt.load_project(path)
    assert lkt.report.decision_text(project, "Fedje", {2019: 10}).startswith(
        "{{7*7}} {0} Fedje kommune vil dekkja sin del av kostnadene med kr.\xa010 for 2019")
