"""`lkt new`: a project folder that works at once (the population is the bundled real download)."""

import tomllib

import pandas as pd
import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis import budget, distribution, new_project
from lkt_analysis.cli import main
from lkt_analysis.new_project import NEWEST_POPULATION


def test_with_only_the_folder_it_makes_a_working_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "mitt prosjekt æøå"]) == 0
    assert "lkt report --project" in capsys.readouterr().out
    folder = tmp_path / "mitt prosjekt æøå"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "budget.xlsx", "municipalities.csv",
                                                        "project.toml", "ssb"]
    text = (folder / "project.toml").read_text(encoding="utf-8")
    spec = tomllib.loads(text)
    for field in ("name", "short_name", "budget", "municipalities", "population", "key", "hospital_key"):
        line = next(line for line in text.splitlines() if line.startswith(f"{field} ="))
        assert "#" in line  # every field explained where it stands
    project = lkt.load_project("mitt prosjekt æøå/project.toml")
    year = distribution.distribute(project, max(project.years))
    assert len(year.members) == 18 and year.key_label == "Bergen 50\xa0%, resten etter folketal"
    assert year.totals == {"specialist_health_service": 425_000, "municipalities": 325_000}
    assert spec["years"][str(max(project.years))]["population_year"] == NEWEST_POPULATION[1]
    assert (folder / "ssb" / NEWEST_POPULATION[0].name).read_bytes() == NEWEST_POPULATION[0].read_bytes()


def test_the_budget_workbook_guides_the_analyst(tmp_path):
    new_project.create_project(tmp_path / "p", year=2030)
    sheet = load_workbook(tmp_path / "p" / "budget.xlsx")["Budsjett"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(budget.BUDGET_COLUMNS)
    parties = tomllib.loads((tmp_path / "p" / "project.toml").read_text(encoding="utf-8"))["financing"]
    assert [row[5] for row in rows[1:]] == list(parties)  # an example row for each financing party
    assert sheet["D2"].number_format == "#,##0" and sheet.column_dimensions["D"].number_format == "#,##0"
    rules = {str(rule.sqref): rule for rule in sheet.data_validations.dataValidation}
    assert rules["F2:F501"].type == "list" and rules["E2:E501"].type == "list"
    lists = sheet.parent["Lister"]
    assert [lists.cell(r, 1).value for r in range(2, 2 + len(parties))] == list(parties)
    assert budget.read_budget(tmp_path / "p" / "budget.xlsx", parties=parties)["year"].eq(2030).all()


def test_options_choose_the_municipalities_and_the_key(tmp_path, capsys):
    assert main(["new", str(tmp_path / "a"), "--name", "Felles prosjekt", "--short-name", "FP",
                 "--municipalities", "4601", "4624", "4631", "--fixed", "0.3", "--year", "2026"]) == 0
    project = lkt.load_project(tmp_path / "a" / "project.toml")
    assert (project.name, project.short_name, project.file_prefix) == ("Felles prosjekt", "FP", "fp")
    result = lkt.distribute(project, 2026)
    assert list(result.members["name"]) == ["Bergen", "Bjørnafjorden", "Alver"]
    assert result.key_label == "30\xa0% likt, resten etter folketal"
    assert main(["new", str(tmp_path / "b"), "--anchor", "4624", "--share", "0.25"]) == 0
    result = lkt.distribute(lkt.load_project(tmp_path / "b" / "project.toml"), max(lkt.load_project(
        tmp_path / "b" / "project.toml").years))
    assert result.key_label == "Bjørnafjorden 25\xa0%, resten etter folketal"
    assert main(["new", str(tmp_path / "c"), "--municipalities", "4601", "--year", "2026"]) == 0  # Bergen alone
    result = lkt.distribute(lkt.load_project(tmp_path / "c" / "project.toml"), 2026)
    assert result.key.kind == "per_capita" and result.key_text == "Bergen betalar alt."


@pytest.mark.parametrize("args, message", [
    (["--municipalities", "4601", "9999"], "--municipalities: 9999 not among the municipalities"),
    (["--anchor", "4624", "--municipalities", "4601", "4631"], "--anchor 4624 is not one of the project's"),
    (["--fixed", "1.5"], "fixed part 150\xa0% must lie between 0 and 100\xa0%"),
    (["--anchor", "4601", "--municipalities", "4601"], "needs other municipalities to share the rest"),
])
def test_wrong_options_are_one_line_and_leave_nothing(tmp_path, capsys, args, message):
    assert main(["new", str(tmp_path / "p"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_folder_in_use_is_never_written_into(tmp_path, capsys):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["new", str(tmp_path / "p")]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["notes.txt"]


def test_the_register_holds_the_chosen_municipalities_as_the_bundled_one_writes_them(tmp_path):
    new_project.create_project(tmp_path / "p", codes=["4601", "4633"], year=2026)
    register = pd.read_csv(tmp_path / "p" / "municipalities.csv", dtype=str, keep_default_na=False)
    bundled = pd.read_csv(lkt.paths.DATA_RAW / "municipalities.csv", dtype=str, keep_default_na=False)
    assert register.to_dict("records") == bundled[bundled["code"].isin(["4601", "4633"])].to_dict("records")
