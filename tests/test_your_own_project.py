"""The README's "Your own project", end to end, as an analyst types it: relative paths in a folder of their own,
a new project, its budget filled in, population fetched (from a stand-in for SSB's API serving the bundled real
downloads), its reports and comparison, beside the bundled LKT project in one reports folder."""

import re
import shutil

import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis.cli import main
from ssb_server import SsbServer


@pytest.mark.slow
def test_a_new_project_from_nothing_to_its_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(lkt.paths.DATA_RAW, tmp_path / "lkt")
    assert main(["new", "mitt prosjekt", "--name", "Mitt prosjekt", "--short-name", "mitt", "--year", "2023"]) == 0

    budget = load_workbook("mitt prosjekt/budget.xlsx")  # the analyst types the real posts over the examples
    sheet = budget["Budsjett"]
    for row, values in enumerate([["1", "Prosjektleiar", 2023, 600_000, None, "Spesialisthelsetenesta"],
                                  ["2", "Kommunalt kjerneteam", 2023, 450_000, None, "Kommunane"],
                                  ["3", "Reiser", 2023, 33_333, None,
                                   "Delt mellom spesialisthelsetenesta og kommunane"]], start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row, column, value)
    budget.save("mitt prosjekt/budget.xlsx")

    with SsbServer() as ssb:
        monkeypatch.setenv("LKT_SSB_API", ssb.api)
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert main(["population", "fetch", "--years", "2021", "--project", "mitt prosjekt\\project.toml"]) == 0
    assert "added to population = [...]" in capsys.readouterr().out
    project_file = tmp_path / "mitt prosjekt" / "project.toml"
    text = project_file.read_text(encoding="utf-8")
    assert '"ssb/07459_Personer2021.json",' in text and "# the project's name as its papers write it" in text
    project_file.write_text(text.replace("population_year = 2022", "population_year = 2021"), encoding="utf-8")

    project = ["--project", "mitt prosjekt/project.toml"]  # the reports go to reports/ in the current folder
    assert main(["report", *project]) == 0
    assert main(["report", "--compare", *project]) == 0
    assert main(["compare", "--year", "2023", "--keys", "per_capita", "equal", *project,
                 "-o", "samanlikning.xlsx"]) == 0
    assert main(["report", "--project", "lkt/lkt_project.toml", "--years", "2019"]) == 0

    result = lkt.distribute(lkt.load_project(project_file), 2023)
    # the odd krone of the shared post goes to the municipalities (docs/assumptions.md, row 5)
    assert result.totals == {"specialist_health_service": 616_666, "municipalities": 466_667}
    assert result.spec.population_year == 2021 and result.municipal_total == result.table.query(
        "group == 'municipalities'")["amount_nok"].sum()
    names = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert {"mitt_fordeling_2023_bergen_50.html", "mitt_samanlikning_2023.html",
            "lkt_fordeling_2019_bergen_50.html", "index.html"} <= set(names)
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r"<h2>(.*?)</h2>(.*?)</table>", index, re.S))
    assert list(sections) == ["LKT – Langvarige og koordinerte tenester", "Mitt prosjekt"]
    assert sections["Mitt prosjekt"].count("<tr class") == 2 and "utdatert</span>" not in index
    assert (tmp_path / "samanlikning.xlsx").is_file()
