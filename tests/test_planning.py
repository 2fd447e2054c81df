"""Planning a batch (lkt_analysis.planning): parameters checked against the notebook, every result and record
made once before any kernel starts, and the one loader of what a notebook shows."""

import re

import pytest

import lkt_analysis as lkt
from lkt_analysis import errors, planning
from lkt_analysis.cli import main
from lkt_analysis.planning import attachment_name, check_parameters, plan

NOTEBOOK = lkt.paths.REPORT_NOTEBOOK


@pytest.mark.parametrize("parameters, message", [
    ({"year": None}, r"parameter 'year' must be int, not NoneType"),
    ({"yaer": 2019}, r"unknown parameter 'yaer' \(did you mean 'year'\?\); parameters: year, key, key_params"),
    ({"year": "2019"}, r"parameter 'year' must be int, not str"),
    ({"key_params": [1]}, r"parameter 'key_params' must be dict"),
    ({"population": 5}, r"parameter 'population' must be str or list or None"),
])
def test_parameters_are_checked_against_the_notebook(parameters, message):
    with pytest.raises(errors.ParameterError, match=message):
        check_parameters(NOTEBOOK, parameters)


@pytest.mark.parametrize("args, message", [
    (["--years", "2020"], r"year 2020 is not in the budget; budget years: 2018, 2019"),
    (["--key", "bergen50"], r"unknown key 'bergen50' \(did you mean 'bergen_50'\?\); keys: bergen_50, per_capita"),
    (["-p", "shared=0.4"], r"unknown parameter 'shared'"),
    (["-p", "year=2019"], r"parameter 'year' is set by the batch: use --years"),
    (["-p", "prepared=x.pickle"], r"parameter 'prepared' is set by the batch: it is the batch's own"),
    (["-p", 'key_params={"shares": 0.4}'], r"takes exactly: code, share"),
    (["-p", 'key_params={"share": 1.4}'], r"between 0 and 100"),
])
def test_bad_parameters_stop_the_batch_before_any_kernel(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["report", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and err.count("\n") == 1
    assert not out.exists()


def test_the_batch_computes_each_year_and_key_once(monkeypatch):
    calls = []
    original = planning.distribute
    monkeypatch.setattr(planning, "distribute", lambda *a: calls.append((a[1], a[2].name)) or original(*a))
    runs = plan(lkt.paths.DEFAULT_PROJECT, years=[2018, 2019], keys=["bergen_50", "equal"])
    assert sorted(calls) == [(2018, "bergen_50"), (2018, "equal"), (2019, "bergen_50"), (2019, "equal")]
    assert all(run.result.year == run.parameters["year"] for run in runs)
    assert [r.year for r in runs[0].decisions] == [2018, 2019]


def test_a_prepared_result_is_only_taken_for_its_own_parameters(tmp_path):
    from lkt_analysis.record import write_prepared

    [run] = plan(lkt.paths.DEFAULT_PROJECT, years=[2019], keys=["bergen_50"])
    prepared = write_prepared(tmp_path / "prepared.pickle", {2019: run.result}, run.record)
    asked = {"year": 2019, "key": "bergen_50", "key_params": {}, "project_file": str(lkt.paths.DEFAULT_PROJECT),
             "budget": None, "population": None}
    results, record = lkt.load_report("distribution", prepared, **asked)
    assert results[2019].totals == run.result.totals and record == run.record
    with pytest.raises(errors.ParameterError, match=r"prepared.pickle: prepared for other parameters: key='equal' "
                                                 r"\(not 'bergen_50'\)"):
        lkt.load_report("distribution", prepared, **{**asked, "key": "equal"})


def test_without_a_prepared_file_the_notebook_computes_what_it_shows(project):
    results, record = lkt.load_report("distribution", year=2018, key="per_capita", key_params={})
    assert results[2018].key.name == "per_capita" and sorted(results) == [2018, 2019]
    assert record["parameters"]["key"] == "per_capita" and record["title"] == results[2018].title()
    comparison, record = lkt.load_report("comparison", year=2019, keys=["equal"], reference=None)
    assert [r.key.name for r in comparison.results] == ["bergen_50", "equal"]


def test_a_key_name_cannot_lead_outside_the_output_folder(project_dir):
    toml = project_dir / "lkt_project.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[keys."../../x"]\nkind = "equal"\n', encoding="utf-8")
    [run] = plan(toml, years=[2019], keys=["../../x"])
    assert run.stem == "lkt_fordeling_2019_.._.._x" and "/" not in run.stem and "\\" not in run.stem
    assert attachment_name(run.result, run.decisions) == "lkt_alternativ_2018-2019_.._.._x.xlsx"


def test_each_run_has_its_record_and_a_fingerprint_of_what_it_depends_on(project_dir):
    runs = plan(project_dir / "lkt_project.toml", years=[2019], keys=["bergen_50", "equal"])
    assert [r.record["parameters"]["key"] for r in runs] == ["bergen_50", "equal"]
    assert runs[0].record["made"] == runs[1].record["made"] and runs[0].fingerprint != runs[1].fingerprint
    again = plan(project_dir / "lkt_project.toml", years=[2019], keys=["bergen_50"])
    assert again[0].fingerprint == runs[0].fingerprint
    (project_dir / "municipalities.csv").write_text((project_dir / "municipalities.csv").read_text(
        encoding="utf-8") + "\n", encoding="utf-8")  # an input changed, however little
    assert plan(project_dir / "lkt_project.toml", years=[2019], keys=["bergen_50"])[0].fingerprint != \
        runs[0].fingerprint
