import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import lkt_analysis as lkt
from lkt_analysis import errors, population
from lkt_analysis.population import age_band, existing, members, successor_on

RAW = lkt.paths.DATA_RAW
DOWNLOADS = sorted((RAW / "ssb").glob("07459_*.csv"))
REFERENCE = Path(__file__).parent / "fixtures" / "population_reference.csv"


@pytest.fixture(scope="module")
def register() -> pd.DataFrame:
    return population.read_municipalities(RAW / "municipalities.csv")


@pytest.fixture(scope="module")
def downloads() -> pd.DataFrame:
    return population.read_population(DOWNLOADS)


def test_raw_downloads_give_exactly_the_published_reference_figures(downloads):
    reference = pd.read_csv(REFERENCE, dtype={"code": str})
    reference = reference[reference["year"].isin(downloads["year"].unique())]
    assert set(reference["year"]) == {2017, 2018, 2019, 2020, 2021, 2022}
    merged = reference.merge(downloads, on=["code", "year", "age_group"], how="left",
                             validate="1:1", suffixes=("_reference", "_loaded"))
    assert len(merged) == len(reference) == (3 * 24 + 3 * 18) * 4
    assert (merged["population_loaded"] == merged["population_reference"]).all()


def test_sums_match_statistics_norway_county_totals(downloads):
    hordaland_2018 = downloads[(downloads["year"] == 2018) & downloads["code"].str.startswith("12")
                               & (downloads["age_group"] == "total")]
    assert hordaland_2018["population"].sum() == 522_539  # SSB, Population by counties, 1 January 2018


def test_the_tidy_csv_reads_the_same(downloads):
    tidy = population.read_population(REFERENCE)
    assert tidy["code"].map(len).eq(4).all()
    both = tidy.merge(downloads, on=["code", "year", "age_group"], validate="1:1")
    assert len(both) == (3 * 24 + 3 * 18) * 4 and (both["population_x"] == both["population_y"]).all()


def _ssb_rows(code_style: str = "{code} {name}") -> list[tuple[str, str, int, int]]:
    """Synthetic single-age counts: age a has 10 + a persons in 2018 and 20 + a in 2019."""
    rows = []
    for code, name in (("0301", "Oslo"), ("1201", "Bergen")):
        region = code_style.format(code=code, name=name)
        for age in range(106):
            label = "105 år eller eldre" if age == 105 else f"{age} år"
            rows.append((region, label, 10 + age, 20 + age))
    return rows


def _expected(year: int, low: int, high: int) -> int:
    base = 10 if year == 2018 else 20
    return sum(base + a for a in range(low, high + 1))


def _check(frame: pd.DataFrame) -> None:
    bergen = frame[frame["code"] == "1201"].set_index(["year", "age_group"])["population"]
    assert bergen[(2018, "total")] == _expected(2018, 0, 105)
    assert bergen[(2019, "0-17")] == _expected(2019, 0, 17)
    assert bergen[(2018, "67+")] == _expected(2018, 67, 105)
    assert set(frame["code"]) == {"0301", "1201"}


def test_statistikkbanken_csv_semicolon_title_line_cp1252(tmp_path):
    lines = ['"07459: Befolkning, etter region, alder, statistikkvariabel og år"', "",
             '"region";"alder";"Personer 2018";"Personer 2019"']
    lines += [f'"{r}";"{a}";{x};{y}' for r, a, x, y in _ssb_rows("K-{code} {name}")]
    path = tmp_path / "07459.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    _check(population.read_population(path))


def test_a_file_is_read_by_its_content_wherever_it_is_and_whenever_it_changes(tmp_path):
    """Read once per content: a copy gives the same figures, an edit (same size, same time) new ones."""
    import os
    import shutil

    copy = tmp_path / "07459_Personer2019.csv"
    shutil.copy(RAW / "ssb" / "07459_Personer2019.csv", copy)
    first = population.read_population(copy)
    assert first.equals(population.read_population(RAW / "ssb" / "07459_Personer2019.csv"))
    stat = copy.stat()
    copy.write_bytes(copy.read_bytes().replace(b"0101 Halden,0 years,245", b"0101 Halden,0 years,246"))
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    halden = population.read_population(copy).query("code == '0101' and age_group == '0-17'")["population"]
    assert int(halden.iloc[0]) == int(first.query("code == '0101' and age_group == '0-17'")["population"].iloc[0]) + 1


def test_statistikkbanken_csv_comma_utf8_years_as_rows(tmp_path):
    lines = ["region,age,contents,year,Persons"]
    for region, age, x, y in _ssb_rows("{code} {name}"):
        lines += [f"{region},{age},Persons,2018,{x}", f"{region},{age},Persons,2019,{y}"]
    path = tmp_path / "07459.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    _check(population.read_population(path))


def test_missing_values_make_the_group_missing_and_stop_an_allocation(tmp_path, register):
    lines = ["region;alder;Personer 2018"] + [f"1201 Bergen;{a};{'..' if a == '3 år' else x}"
                                             for _, a, x, _ in _ssb_rows()[:106]]
    path = tmp_path / "07459.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    frame = population.read_population(path).set_index("age_group")["population"]
    assert pd.isna(frame["total"]) and frame["67+"] == _expected(2018, 67, 105)


def test_jsonstat2_as_the_api_returns_it(tmp_path):
    ages = [f"{a:03d}" for a in range(105)] + ["105+"]
    values = []
    for code in ("0301", "1201"):  # row-major: Region, Alder, ContentsCode, Tid
        for a in range(106):
            values += [10 + a, 20 + a]
    dataset = {
        "version": "2.0", "class": "dataset", "id": ["Region", "Alder", "ContentsCode", "Tid"],
        "size": [2, 106, 1, 2], "value": values,
        "dimension": {
            "Region": {"category": {"index": {"0301": 0, "1201": 1}, "label": {"0301": "Oslo", "1201": "Bergen"}}},
            "Alder": {"category": {"index": {a: i for i, a in enumerate(ages)}}},
            "ContentsCode": {"category": {"index": {"Personer1": 0}}},
            "Tid": {"category": {"index": {"2018": 0, "2019": 1}}},
        },
    }
    path = tmp_path / "07459.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")
    _check(population.read_population(path))


def test_xlsx_laid_out_like_the_download(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["07459: Befolkning"])
    sheet.append(["region", "alder", "Personer 2018", "Personer 2019"])
    for row in _ssb_rows():
        sheet.append(list(row))
    path = tmp_path / "07459.xlsx"
    workbook.save(path)
    _check(population.read_population(path))


def test_a_municipality_given_twice_is_an_error(tmp_path):
    with pytest.raises(errors.InputError, match="given twice"):
        population.read_population([DOWNLOADS[1], DOWNLOADS[1]])


@pytest.mark.parametrize("content, message", [
    ("region;alder;Personer 2018\n1201 Bergen;3 år;many\n", r"row 2.*'many' is not a whole number"),
    ("region;alder;Personer 2018\n1201 Bergen;unknown;5\n", r"row 2, column 'alder'.*not an age"),
    ("kommune;alder\n1201;3\n", "no header line"),
    ("code,year,age_group,population\n120,2018,total,5\n", r"row 2, column 'code'.*not a 4-digit"),
    ("code,year,age_group,population\n1201,2018,total,5.5\n", r"row 2, column 'population'"),
])
def test_bad_population_files_name_the_row_and_problem(tmp_path, content, message):
    path = tmp_path / "pop.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(errors.InputError, match=message) as err:
        population.read_population(path)
    assert str(path) in str(err.value)


def test_missing_population_file():
    with pytest.raises(errors.InputError, match="not found"):
        population.read_population("no/such/file.csv")


def test_register(register):
    assert len(existing(register, date(2019, 1, 1))) == 24
    assert len(existing(register, date(2020, 1, 1))) == 18
    assert successor_on(register, "1263", date(2020, 1, 1)) == "4631"  # Lindås -> Alver
    assert successor_on(register, "1201", date(2019, 6, 1)) == "1201"


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.replace("1232,Eidfjord", "1201,Eidfjord"), "duplicate municipality code"),
    (lambda f: f.replace("1232,Eidfjord", "123,Eidfjord"), r"row 3, column 'code'"),
    (lambda f: f.replace(",4619\n", ",9999\n"), "not in the register: 9999"),
    (lambda f: f.replace("cooperation_council", "council"), "missing column"),
])
def test_bad_register(tmp_path, edit, message):
    path = tmp_path / "municipalities.csv"
    path.write_text(edit((RAW / "municipalities.csv").read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(errors.InputError, match=message):
        population.read_municipalities(path)


def test_members_2018(downloads, register):
    table = members(downloads, register, year=2018, population_year=2018)
    assert len(table) == 24
    assert table.set_index("code").loc["1201", "population"] == 279_792
    assert table["population"].sum() == 453_873  # SOURCES.md: the Helse Bergen area, 1 Jan 2018


def test_reform_2020_with_population_before_the_merger(downloads, register):
    merged = members(downloads, register, year=2020, population_year=2019)
    assert len(merged) == 18 and merged["code"].str.startswith("46").all()
    old = downloads[(downloads["year"] == 2019) & (downloads["age_group"] == "total")].set_index("code")["population"]
    alver = merged.set_index("code").loc["4631"]
    assert alver["name"] == "Alver"
    assert alver["population"] == old["1256"] + old["1260"] + old["1263"]  # Meland + Radøy + Lindås
    assert merged["population"].sum() == 456_024  # all 24 of 2019, added up under 18 codes


def test_reform_2020_with_population_after_the_merger(downloads, register):
    current = members(downloads, register, year=2020, population_year=2020)
    assert len(current) == 18 and current["population"].sum() == 459_703  # SOURCES.md, 1 Jan 2020


def test_no_population_for_the_date(downloads, register):
    with pytest.raises(errors.InputError, match="no population at 1 January 2023"):
        members(downloads, register, year=2023, population_year=2023)


def test_age_band():
    assert age_band("0-17") == (0, 17) and age_band("67+") == (67, None) and age_band("total") == (0, None)
    with pytest.raises(ValueError):
        age_band("old")


def test_a_repeated_row_in_an_xlsx_download_is_refused(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["region", "alder", "Personer 2018", "Personer 2019"])
    rows = _ssb_rows()
    for row in rows[:50] + [rows[49]] + rows[50:]:
        sheet.append(list(row))
    path = tmp_path / "07459.xlsx"
    workbook.save(path)
    with pytest.raises(errors.InputError, match=r"row 52: municipality 0301, 2018: age 49 is given twice"):
        population.read_population(path)


# --- the 2021 and 2022 downloads, and downloads of the wrong shape ----------------------------

def test_the_2021_and_2022_downloads_give_exactly_the_reference_figures(register):
    newer = [RAW / "ssb" / "07459_Personer2021.csv", RAW / "ssb" / "07459_Personer2022.csv"]
    loaded = population.read_population(newer, codes=register["code"])
    reference = pd.read_csv(REFERENCE, dtype={"code": str})
    reference = reference[reference["year"].isin([2021, 2022])]
    assert set(loaded["year"]) == {2021, 2022} and len(reference) == 2 * 18 * 4
    merged = reference.merge(loaded, on=["code", "year", "age_group"], how="outer", validate="1:1",
                             suffixes=("_reference", "_loaded"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["population_loaded"] == merged["population_reference"]).all()


def _write(tmp_path: Path, lines: list[str], name: str = "07459.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _jsonstat(tmp_path: Path, change) -> Path:
    """A synthetic JSON-stat 2 dataset of 07459 as the API returns it (counts 10 + age), changed by ``change``."""
    ages = [f"{a:03d}" for a in range(105)] + ["105+"]
    dataset = {
        "version": "2.0", "class": "dataset",
        "label": "07459: Befolkning, etter region, alder, statistikkvariabel og år",
        "id": ["Region", "Alder", "ContentsCode", "Tid"], "size": [1, 106, 1, 1], "value": [10 + a for a in range(106)],
        "dimension": {
            "Region": {"category": {"index": {"4601": 0}}},
            "Alder": {"category": {"index": {a: i for i, a in enumerate(ages)}}},
            "ContentsCode": {"category": {"index": {"Personer1": 0}, "label": {"Personer1": "Personer"}}},
            "Tid": {"category": {"index": {"2021": 0}}},
        },
        "extension": {"px": {"tableid": "07459"}},
    }
    change(dataset)
    path = tmp_path / "07459.json"
    path.write_text(json.dumps(dataset), encoding="utf-8")
    return path


def _by_sex(dataset: dict) -> None:
    dataset.update(id=["Region", "Kjonn", "Alder", "ContentsCode", "Tid"], size=[1, 2, 106, 1, 1],
                   value=dataset["value"] * 2)
    dataset["dimension"]["Kjonn"] = {"category": {"index": {"1": 0, "2": 1}, "label": {"1": "Menn", "2": "Kvinner"}}}


def _totals_only(dataset: dict) -> None:
    dataset.update(id=["Region", "ContentsCode", "Tid"], size=[1, 1, 1], value=[5565])
    del dataset["dimension"]["Alder"]


def _other_table(dataset: dict) -> None:
    dataset["label"] = "11342: Areal og befolkning, etter region, statistikkvariabel og år"
    dataset["extension"]["px"]["tableid"] = "11342"


def _other_contents(dataset: dict) -> None:
    dataset["dimension"]["ContentsCode"]["category"] = {"index": {"Dode2": 0}, "label": {"Dode2": "Døde"}}


SEX = (r"this download is split by sex \({}\); download table 07459 again with both sexes together: "
       r"select no value for 'kjønn'")
TOTALS = (r"this download has no age {}, so it holds totals only.*"
          r"every age \(alder\) selected, 0 to '105 år eller eldre'")
OTHER = r"this is SSB table 11342 \('Areal og befolkning, etter region, statistikkvariabel og år'\), not table 07459"
PERSONS = r"this download holds {}, not the number of persons: download table 07459 with the contents"

# Synthetic files (a few lines each), in the shapes of Statistikkbanken's downloads of the wrong kind.
WRONG_SHAPES = [
    ("csv-split-by-sex", lambda t: _write(t, ['"region";"kjønn";"alder";"Personer 2021"',
                                             '"4601 Bergen";"Menn";"0 år";1560',
                                             '"4601 Bergen";"Kvinner";"0 år";1505']),
     SEX.format("column 'kjønn'")),
    ("csv-sex-in-the-heading", lambda t: _write(t, ['"region";"alder";"Menn 2021";"Kvinner 2021"',
                                                    '"4601 Bergen";"0 år";1560;1505']),
     SEX.format("columns 'Menn 2021', 'Kvinner 2021'")),
    ("jsonstat-split-by-sex", lambda t: _jsonstat(t, _by_sex), SEX.format("dimension 'Kjonn'")),
    ("csv-totals-only", lambda t: _write(t, ['"07459: Befolkning, etter region, statistikkvariabel og år"', "",
                                             '"region";"Personer 2021"', '"4601 Bergen";291940']),
     TOTALS.format(r"column \('alder' or 'age'\)")),
    ("jsonstat-totals-only", lambda t: _jsonstat(t, _totals_only),
     TOTALS.format(r"dimension \('Alder'; it has Region, ContentsCode, Tid\)")),
    ("csv-other-table", lambda t: _write(t, ['"11342: Areal og befolkning, etter region, statistikkvariabel og år"',
                                             "", '"region";"statistikkvariabel";"2021"',
                                             '"4601 Bergen";"Folkemengde";291940']), OTHER),
    ("jsonstat-other-table", lambda t: _jsonstat(t, _other_table), OTHER),
    ("csv-other-contents", lambda t: _write(t, ['"region";"alder";"Døde 2021"', '"4601 Bergen";"0 år";3']),
     PERSONS.format("'Døde' \\(column 'Døde 2021'\\)")),
    ("jsonstat-other-contents", lambda t: _jsonstat(t, _other_contents),
     PERSONS.format("'Døde' \\(ContentsCode 'Dode2'\\)")),
]


@pytest.mark.parametrize("make, message", [w[1:] for w in WRONG_SHAPES], ids=[w[0] for w in WRONG_SHAPES])
def test_a_download_of_the_wrong_kind_says_what_it_is_and_what_to_download(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(errors.InputError, match=message) as err:
        population.read_population(path)
    text = str(err.value)
    assert text.startswith(str(path)) and "docs/population.md" in text and "\n" not in text
    assert "_line" not in text


def test_the_jsonstat_dataset_of_07459_is_still_read(tmp_path):
    frame = population.read_population(_jsonstat(tmp_path, lambda dataset: None)).set_index("age_group")["population"]
    assert frame["total"] == sum(10 + a for a in range(106))
