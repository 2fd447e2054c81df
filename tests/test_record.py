"""A report's record (lkt_analysis.record): made once, what it was made from, read back only for its own run."""

import shutil

import pytest

import lkt_analysis as lkt
from lkt_analysis.errors import ParameterError
from lkt_analysis.record import input_hashes, make_record, read_prepared, sha256, write_prepared


def test_the_record_names_the_project_its_inputs_relative_to_it_and_the_time(project_dir, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")
    project = lkt.load_project(project_dir / "lkt_project.toml")
    result = lkt.distribute(project, 2019)
    record = make_record(result, {"year": 2019, "project_file": str(project.path), "population": None},
                         input_hashes(project))
    assert record["project"] == {"name": project.name, "short_name": "LKT", "file": str(project.path)}
    assert record["parameters"] == {"year": 2019, "project_file": "lkt_project.toml", "population": None}
    assert [i["path"] for i in record["inputs"]][:3] == ["lkt_project.toml", "lkt_budget.xlsx", "municipalities.csv"]
    assert record["made"] == "2025-11-25T00:00:00+00:00" and record["lkt_analysis_version"] == lkt.__version__
    assert record["title"] == result.title()


def test_an_input_outside_the_project_folder_keeps_its_whole_path(project_dir, tmp_path):
    budget = shutil.copy(project_dir / "lkt_budget.xlsx", tmp_path / "elsewhere.xlsx")
    project = lkt.load_project(project_dir / "lkt_project.toml", budget=budget)
    assert input_hashes(project)[1]["path"] == str(budget)


def test_a_hash_follows_the_file_as_it_is(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("1", encoding="utf-8")
    first = sha256(path)
    path.write_text("2", encoding="utf-8")
    assert sha256(path) != first and len(first) == 64


def test_a_prepared_file_is_read_back_only_for_its_own_parameters(project, tmp_path):
    result = lkt.distribute(project, 2019)
    parameters = {"year": 2019, "key": "bergen_50", "project_file": str(project.path)}
    record = make_record(result, parameters, input_hashes(project))
    path = write_prepared(tmp_path / "prepared.pickle", {2019: result}, record)
    shown, again = read_prepared(path, parameters)
    assert shown[2019].totals == result.totals and again == record
    with pytest.raises(ParameterError, match=r"prepared for other parameters: year=2018 \(not 2019\)"):
        read_prepared(path, {**parameters, "year": 2018})
