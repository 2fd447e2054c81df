"""The index of a reports folder (lkt_analysis.index): projects side by side, each checked against its own
inputs."""

import re
import shutil

import pytest

import lkt_analysis as lkt
from lkt_analysis.cli import main


@pytest.mark.slow
def test_two_projects_share_a_reports_folder_without_relabelling_each_other(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(lkt.paths.DATA_RAW, tmp_path / "lkt")
    assert main(["new", "annet", "--name", "Et annet prosjekt", "--short-name", "annet", "--language", "nb"]) == 0
    assert main(["report", "--project", "lkt/lkt_project.toml", "--years", "2019", "--out", "rapporter"]) == 0
    assert main(["report", "--project", "annet/project.toml", "--out", "rapporter"]) == 0
    capsys.readouterr()
    assert main(["report", "--project", "lkt/lkt_project.toml", "--years", "2019", "--out", "rapporter",
                 "--dry-run"]) == 0
    assert "would make 0 and skip 1" in capsys.readouterr().out
    index = (tmp_path / "rapporter" / "index.html").read_text(encoding="utf-8")
    assert "utdatert</span>" not in index  # a report of one project is never checked against another's inputs
    headings = re.findall(r"<h2>(.*?)</h2>", index)
    assert headings == ["Et annet prosjekt", "LKT – Langvarige og koordinerte tenester"]
    sections = re.findall(r'<section lang="(\w+)">\s*<h2>(.*?)</h2>(.*?)</section>', index, re.S)
    assert [(language, name) for language, name, _ in sections] == [
        ("nb", "Et annet prosjekt"), ("nn", "LKT – Langvarige og koordinerte tenester")]  # each in its own form
    assert ">Laget<" in sections[0][2] and "siste kjøring" in sections[0][2] and ">Laga<" in sections[1][2]

    budget = tmp_path / "annet" / "budget.xlsx"  # a changed input of one project marks only its own reports
    from openpyxl import load_workbook

    book = load_workbook(budget)
    book["Budsjett"]["D2"] = 1
    book.save(budget)
    assert main(["report", "--project", "lkt/lkt_project.toml", "--years", "2018", "--out", "rapporter"]) == 0
    index = (tmp_path / "rapporter" / "index.html").read_text(encoding="utf-8")
    sections = dict(re.findall(r"<h2>(.*?)</h2>(.*?)</table>", index, re.S))
    assert "utdatert</span>" in sections["Et annet prosjekt"]
    assert "utdatert</span>" not in sections["LKT – Langvarige og koordinerte tenester"]


@pytest.mark.slow
def test_a_project_with_the_same_short_name_cannot_overwrite_anothers_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(lkt.paths.DATA_RAW, tmp_path / "a")
    shutil.copytree(lkt.paths.DATA_RAW, tmp_path / "b")
    assert main(["report", "--project", "a/lkt_project.toml", "--years", "2019", "--out", "r"]) == 0
    made = (tmp_path / "r" / "lkt_fordeling_2019_bergen_50.html").read_bytes()
    capsys.readouterr()
    assert main(["report", "--project", "b/lkt_project.toml", "--years", "2019", "--out", "r"]) == 2
    err = capsys.readouterr().err
    assert "is a report of the project 'LKT – Langvarige og koordinerte tenester'" in err
    assert "give this project another short_name in b/lkt_project.toml" in err and err.count("\n") == 1
    assert (tmp_path / "r" / "lkt_fordeling_2019_bergen_50.html").read_bytes() == made


def test_a_json_file_that_is_not_a_record_is_left_out_with_a_warning(tmp_path):
    from lkt_analysis.index import read_records, write_index

    (tmp_path / "notes.json").write_text('{"fingerprint": "x", "made": "2026-01-01T00:00:00"}', encoding="utf-8")
    (tmp_path / "notes.html").write_text("mine", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:
        records = read_records(tmp_path)
    assert records == [] and sorted(str(w.message).split(" ")[0].split("/")[-1] for w in caught) == [
        "broken.json", "list.json", "notes.json"]
    write_index(tmp_path / "index.html", records, latest=set(), language="nn")
    assert "Fordeling av kostnader – rapportar" in (tmp_path / "index.html").read_text(encoding="utf-8")
