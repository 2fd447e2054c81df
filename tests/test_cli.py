import re
import subprocess
import sys

import pandas as pd
import pytest

import lkt_analysis as lkt
from lkt_analysis import errors, outputs, population, workbook
from lkt_analysis.cli import main
from conftest import table_rows

COLUMNS = "year,group,code,name,population,share,amount_nok"


@pytest.mark.parametrize("year, municipalities, hospitals, bergen", [
    (2018, 112_500, 77_500, 56_250), (2019, 1_525_000, 1_235_000, 762_500)])
def test_allocate_writes_the_invoicing_csv(tmp_path, capsys, year, municipalities, hospitals, bergen):
    output = tmp_path / "out.csv"
    assert main(["allocate", "--year", str(year), "-o", str(output)]) == 0
    assert output.read_text(encoding="utf-8").splitlines()[0] == COLUMNS
    table = pd.read_csv(output, dtype={"code": str})
    assert table.groupby("group")["amount_nok"].sum().to_dict() == {
        "municipalities": municipalities, "specialist_health_service": hospitals}
    assert table.set_index("code").loc["1201", "amount_nok"] == bergen
    assert table["amount_nok"].dtype == "int64" and (table["code"].str.len() == 4).sum() == 24
    printed = capsys.readouterr().out
    assert "Bergen" in printed and f"{municipalities:,}".replace(",", " ") + " kr" in printed
    assert "  50,00 %" in printed  # Bergen's share, the Norwegian way, as every number the terminal shows
    assert list(tmp_path.iterdir()) == [output]  # no temporary file left


def test_allocate_with_another_key_and_inputs(tmp_path):
    output = tmp_path / "out.csv"
    raw = lkt.paths.DATA_RAW
    assert main(["allocate", "--year", "2019", "--key", "equal", "--budget", str(raw / "lkt_budget.xlsx"),
                 "--population", str(raw / "ssb" / "07459_Personer2015-2018.csv"), "-o", str(output)]) == 0
    town = pd.read_csv(output, dtype={"code": str}).query("group == 'municipalities'")
    assert town["amount_nok"].max() - town["amount_nok"].min() <= 1


def test_the_command_as_python_runs_it(tmp_path):
    """``python -m lkt_analysis``, where a locked-down PC runs no lkt.exe from the user's folders."""
    output = tmp_path / "a.csv"
    run = subprocess.run([sys.executable, "-m", "lkt_analysis", "allocate", "--year", "2018", "-o", str(output)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "municipalities: 112 500 kr" in run.stdout


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["allocate"])
    assert exit_.value.code == 2 and "--year" in capsys.readouterr().err


def test_compare_prints_the_table_and_writes_exactly_the_csv_columns(tmp_path, capsys):
    output = tmp_path / "compare.csv"
    assert main(["compare", "--year", "2019", "--keys", "per_capita", "bergen_50:share=0.4", "-o", str(output)]) == 0
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "year,key,code,name,population,share,amount_nok,nok_per_inhabitant,diff_nok,diff_pct"
    table = pd.read_csv(output, dtype={"code": str})
    assert len(table) == 3 * 24 and table["key"].unique().tolist() == ["bergen_50", "per_capita",
                                                                       "bergen_50_share-0.4"]
    assert table.set_index(["key", "code"]).loc[("bergen_50_share-0.4", "1201"), "diff_nok"] == -152_500
    printed = capsys.readouterr().out
    assert "610 000 (-152 500)" in printed and "largest_loss_name" in printed
    assert re.search(r"min_nok_per_inhabitant +2,73 +3,36 ", printed)  # a decimal comma
    assert re.search(r"largest_loss_nok +0 +177 593 ", printed)


def test_compare_writes_a_workbook_with_norwegian_headings(tmp_path):
    from openpyxl import load_workbook

    output = tmp_path / "compare.xlsx"
    assert main(["compare", "--year", "2018", "--keys", "equal", "--reference", "per_capita", "-o", str(output)]) == 0
    workbook = load_workbook(output)
    assert workbook.sheetnames == ["Beløp per nøkkel hausten 2018", "Samanlikning hausten 2018", "Oppsummering"]
    wide = table_rows(workbook.worksheets[0])
    assert wide[0] == ("Kommunenr.", "Kommune", "Folketal", "Etter folketal, alle kommunane", "Likt per kommune")
    assert len(wide) == 1 + 24 and wide[1][1] == "Bergen"  # a row per municipality, most inhabitants first
    rows = table_rows(workbook.worksheets[1])
    assert rows[0][:3] == ("Fordelingsnøkkel", "Kommunenr.", "Kommune") and len(rows) == 1 + 2 * 24
    assert table_rows(workbook["Oppsummering"])[0][0] == "Fordelingsnøkkel"
    assert workbook.worksheets[0]["A1"].value == "LKT – Langvarige og koordinerte tenester: samanlikning av " \
                                                 "fordelingsnøklar hausten 2018"


def test_allocate_writes_a_workbook_for_excel(tmp_path):
    from openpyxl import load_workbook

    output = tmp_path / "invoice.xlsx"
    assert main(["allocate", "--year", "2019", "-o", str(output)]) == 0
    sheet = load_workbook(output).worksheets[0]
    rows = table_rows(sheet)
    assert rows[0] == ("År", "Part", "Nummer", "Namn", "Folketal", "Andel", "Beløp (kr)")
    assert rows[1][1:4] == ("Kommunane", "1201", "Bergen") and rows[1][6] == 762_500
    assert rows[-1][1] == "Spesialisthelsetenesta" and rows[-1][4] is None and rows[-1][6] == 1_235_000
    assert sheet["A1"].value.startswith("Fakturagrunnlag") and sheet.cell(len(sheet["A"]), 7).number_format == "#,##0"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_same_inputs_give_the_same_bytes(tmp_path, monkeypatch, suffix):
    import time

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")  # 2025-11-25
    first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    assert main(["allocate", "--year", "2019", "-o", str(first)]) == 0
    if suffix == "xlsx":
        time.sleep(1.1)  # a zip entry's time has whole seconds
    assert main(["allocate", "--year", "2019", "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert main(["allocate", "--year", "2019", "-o", str(tmp_path / f"c.{suffix}")]) == (2 if suffix == "xlsx" else 0)


def test_sweep_writes_one_row_per_variant_and_municipality(tmp_path, capsys):
    output = tmp_path / "sweep.csv"
    assert main(["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.01", "-o", str(output)]) == 0
    table = pd.read_csv(output, dtype={"code": str})
    assert list(table.columns) == ["variant", "share", "code", "name", "amount_nok"]
    assert table["variant"].nunique() == 101 and len(table) == 101 * 24
    assert (table.groupby("variant")["amount_nok"].sum() == 1_525_000).all()
    assert "101 variants x 24 municipalities" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["compare", "--year", "2019", "--keys", "per_capit"], "unknown key 'per_capit'"),
    (["compare", "--year", "2019", "--keys", "bergen_50:share"], "'share' is not PARAM=VALUE"),
    (["compare", "--year", "2019", "--keys", "bergen_50:share=2"], "between 0 and 100"),
    (["compare", "--year", "2019", "--keys", "equal", "-o", "out.txt"], "write a .csv or an .xlsx file"),
    (["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1"], "START:STOP:STEP"),
    (["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "fixed=0:1:0.1"], "vary one or two of: share"),
    (["sweep", "--year", "2019", "--key", "equal", "--vary", "share=0:1:0.1"], "no parameter a sweep can vary"),
    (["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.1", "--vary", "share=0:1:0.5"],
     "names a parameter twice"),
])
def test_compare_and_sweep_refuse_bad_values_in_one_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main([*args, "-o", "out.csv"] if "-o" not in args else args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_version_and_keys(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"lkt {lkt.__version__}"
    assert main(["keys"]) == 0
    printed = capsys.readouterr().out
    assert "2018  hausten 2018   population at 1 January 2018" in printed
    assert "* bergen_50              Bergen 50 %, resten etter folketal: Bergen betalar 50" in printed


def test_a_municipality_with_some_years_but_not_others_is_refused(tmp_path):
    lines = ["region,age,contents,year,Persons"]
    for code in ("1201 Bergen", "1243 Os"):
        for year in (2018, 2019) if code == "1201 Bergen" else (2018,):
            lines += [f"{code},{'105 years or older' if a == 105 else f'{a} years'},Persons,{year},5"
                      for a in range(106)]
    path = tmp_path / "07459.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(errors.InputError, match="municipality 1243 has population for 2018 but not for 2019"):
        population.read_population(path)


@pytest.mark.parametrize("args, message", [
    (["report", "--jobs", "0"], "argument --jobs: '0' is not a whole number of 1 or more"),
    (["report", "--jobs", "two"], "argument --jobs: 'two' is not a whole number of 1 or more"),
    (["allocate", "--year", "x"], "argument --year: invalid int value: 'x'"),
    (["allocate"], "the following arguments are required: --year"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_a_bad_command_line_is_one_line_and_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and err.count("\n") == 1


def test_text_from_inputs_is_never_markup_nor_a_formula(tmp_path, project_dir):
    from openpyxl import load_workbook

    register = project_dir / "municipalities.csv"
    register.write_text(register.read_text(encoding="utf-8").replace("Fedje", "=HYPERLINK(\"x\")")
                        .replace("Bergen,", "<script>alert(1)</script>,", 1), encoding="utf-8")
    project = lkt.load_project(project_dir / "lkt_project.toml")
    result = lkt.distribute(project, 2019)
    page = lkt.report.municipality_html(result, lkt.report.municipality_table(result))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script>" not in lkt.report.introduction(result)
    workbook.write_workbook(tmp_path / "v3.xlsx", result, [result])
    cell = next(c for row in load_workbook(tmp_path / "v3.xlsx").worksheets[0].iter_rows() for c in row
                if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"  # text, not a formula
    outputs.write_csv(result.table, tmp_path / "a.csv")
    assert "'=HYPERLINK" in (tmp_path / "a.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (["allocate", "--year", "2019", "-o", "{tmp}/file/x.csv"],
     "{tmp}/file: cannot be a folder: the file {tmp}/file is in the way"),
    (["allocate", "--year", "2019", "-o", "{tmp}/file/a/b/x.xlsx"], "the file {tmp}/file is in the way"),
    (["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.5", "-o", "{tmp}/file/s.csv"],
     "the file {tmp}/file is in the way"),
    (["compare", "--year", "2019", "--keys", "equal", "-o", "{tmp}/folder.csv"], "{tmp}/folder.csv: is a folder"),
    (["report", "--years", "2019", "--out", "{tmp}/file"], "the file {tmp}/file is in the way"),
])
def test_an_output_that_cannot_be_written_is_one_line(tmp_path, capsys, args, message):
    (tmp_path / "file").write_text("in the way", encoding="utf-8")
    (tmp_path / "folder.csv").mkdir()
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert message.format(tmp=tmp_path) in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder.csv"]
    assert (tmp_path / "file").read_text(encoding="utf-8") == "in the way"
    assert not any((tmp_path / "folder.csv").iterdir())


@pytest.mark.slow
def test_installed_without_e_it_works_in_the_current_folder_and_never_writes_into_the_installation(tmp_path):
    site, here = tmp_path / "site", tmp_path / "here"
    here.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(lkt.paths.ROOT)], check=True, capture_output=True)
    env = {**__import__("os").environ, "PYTHONPATH": str(site)}

    def lkt_(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "lkt_analysis", *args], cwd=here, env=env,
                              capture_output=True, text=True)

    missing = lkt_("allocate", "--year", "2019")
    assert missing.returncode == 2 and "data/raw/lkt_project.toml: project file not found (name one with --project)" \
        in missing.stderr and "Traceback" not in missing.stderr
    made = lkt_("allocate", "--year", "2019", "--project", str(lkt.paths.DEFAULT_PROJECT))
    assert made.returncode == 0, made.stderr
    assert (here / "data" / "processed" / "lkt_allocation_2019_bergen_50.csv").is_file()
    report = lkt_("report", "--project", str(lkt.paths.DEFAULT_PROJECT))
    assert report.returncode == 2 and report.stderr.count("\n") == 1 and "pip install -e ." in report.stderr
    assert not [p for p in site.rglob("*") if p.suffix in (".csv", ".html", ".xlsx")]


def test_every_command_takes_paths_relative_to_the_current_folder(tmp_path, monkeypatch, capsys):
    """As an analyst types them: relative, with spaces and æøå, a Windows path with backslashes."""
    import shutil

    shutil.copytree(lkt.paths.DATA_RAW, tmp_path / "mine" / "prosjekt æøå")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "mine")
    project = "prosjekt æøå\\lkt_project.toml"
    inputs = ["--project", project, "--budget", "prosjekt æøå/lkt_budget.xlsx",
              "--population", "prosjekt æøå/ssb/07459_Personer2015-2018.csv"]
    assert main(["allocate", "--year", "2019", *inputs, "-o", "ut/a.csv"]) == 0
    assert main(["compare", "--year", "2019", "--keys", "equal", *inputs, "-o", "ut\\c.xlsx"]) == 0
    assert main(["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.5", *inputs,
                 "-o", "ut/s.csv"]) == 0
    assert main(["keys", "--project", project]) == 0
    assert sorted(p.name for p in (tmp_path / "mine" / "ut").iterdir()) == ["a.csv", "c.xlsx", "s.csv"]
    assert f"({project.replace(chr(92), '/')})" in capsys.readouterr().out
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["allocate", "--year", "2018", "--project", "../mine/prosjekt æøå/lkt_project.toml"]) == 0
    # an output without --output goes under the current folder too, never into the checkout
    assert (tmp_path / "elsewhere" / "data" / "processed" / "lkt_allocation_2018_bergen_50.csv").is_file()


def test_a_key_name_makes_a_safe_default_file_name(project_dir, tmp_path, monkeypatch):
    """A key named like a path (from a project file) stays in the output folder's file name."""
    path = project_dir / "lkt_project.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[keys."../x"]\nkind = "anchor"\ncode = "1201"\n'
                    'share = 0.4\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["allocate", "--year", "2019", "--key", "../x", "--project", str(path)]) == 0
    assert main(["sweep", "--year", "2019", "--key", "../x", "--vary", "share=0:1:0.5", "--project", str(path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.csv") if project_dir not in p.parents)
    assert written == ["data/processed/lkt_allocation_2019_.._x.csv", "data/processed/lkt_sweep_2019_.._x.csv"]


def test_paths_in_a_project_file_are_relative_to_it_and_may_lead_outside_its_folder(tmp_path):
    import shutil

    shutil.copytree(lkt.paths.DATA_RAW / "ssb", tmp_path / "shared population")
    (tmp_path / "p").mkdir()
    for name in ("lkt_budget.xlsx", "municipalities.csv"):
        shutil.copy(lkt.paths.DATA_RAW / name, tmp_path / "p" / name)
    text = lkt.paths.DEFAULT_PROJECT.read_text(encoding="utf-8")
    text = text.replace('"ssb/07459_Personer2015-2018.csv"', "'..\\shared population\\07459_Personer2015-2018.csv'")
    text = text.replace('"ssb/', '"../shared population/')
    (tmp_path / "p" / "lkt_project.toml").write_text(text, encoding="utf-8")
    project = lkt.load_project(tmp_path / "p" / "lkt_project.toml")
    assert all(p.is_absolute() and p.is_file() for p in project.inputs)
    assert lkt.distribute(project, 2019).table.set_index("code").loc["1201", "amount_nok"] == 762_500


def test_a_year_with_nothing_to_split_says_so_in_one_warning_line(project_dir, tmp_path, capsys):
    from conftest import HB, KOM, write_budget

    write_budget(project_dir / "lkt_budget.xlsx", [["1", "Leder", 2018, 100, "x", HB],
                                                   ["2", "Team", 2018, 50, "x", KOM],
                                                   ["1", "Leder", 2019, 100, None, HB]])
    project = str(project_dir / "lkt_project.toml")
    assert main(["allocate", "--year", "2018", "--project", project, "-o", str(tmp_path / "a.csv")]) == 0
    err = capsys.readouterr().err
    assert err == "lkt: warning: 2018: every post is marked as already covered: there is no new cost to distribute\n"
    assert main(["allocate", "--year", "2019", "--project", project, "-o", str(tmp_path / "b.csv")]) == 0
    assert "2019: none of the new cost falls on the municipalities" in capsys.readouterr().err
    result = lkt.distribute(lkt.load_project(project), 2018)
    assert "Ingen ny kostnad til fordeling hausten 2018" in lkt.report.introduction(result)


def test_keys_are_named_by_municipality_in_the_year_shown(project_dir, capsys):
    from test_project import _project_2020

    project = _project_2020(project_dir, 2020)
    assert main(["keys", "--project", str(project.path)]) == 0
    printed = capsys.readouterr().out
    assert "1201" not in printed and "Bergen betalar 50" in printed
    pilot = next(line for line in printed.splitlines() if "pilot_municipalities" in line)
    assert "Berre Bergen, Bjørnafjorden og Alver" in pilot and "pilotkommunane Bergen, Os og Lindås" not in pilot
    assert "Os vart i 2020 ein del av Bjørnafjorden" in pilot


def test_the_standard_keys_are_there_by_name_in_every_project(capsys):
    assert main(["compare", "--year", "2019", "--keys", "fixed_plus_per_capita:fixed=0.3", "equal"]) == 0
    assert "fixed_plus_per_capita_fixed-0.3" in capsys.readouterr().out
    assert main(["keys"]) == 0
    assert "standard keys" in capsys.readouterr().out
    assert main(["compare", "--year", "2019", "--keys", "bergen_50"]) == 2
    assert "nothing to compare" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["alocate"], "invalid choice: 'alocate'"),
    (["allocate", "--year", "2019", "--kee", "equal"], "unrecognized arguments: --kee equal (did you mean '--key'?) "
                                                      "(see lkt allocate --help)"),
    (["allocate", "--year", "2019", "--key", "bergen50"], "unknown key 'bergen50' (did you mean 'bergen_50'?)"),
    (["allocate", "--year", "2091"], "2091 is not a budget year of the project (did you mean '2019'?)"),
    (["report", "-p", "yaer=2019"], "unknown parameter 'yaer' (did you mean 'year'?)"),
    (["report", "-p", "key_params={share: 0.4}"], "{share: 0.4} is not JSON; write names in double quotes"),
    (["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.5", "-o", "s.txt"],
     "write a .csv or an .xlsx file"),
    (["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.00001", "-o", "s.xlsx"],
     "2 400 024 rows do not fit in a worksheet"),
])
def test_a_mistyped_name_gets_the_nearest_one_in_one_line(capsys, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    if args[0] == "alocate":
        assert "(did you mean 'allocate'?)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_decimal_comma_is_read_as_the_number_it_writes(capsys):
    assert main(["compare", "--year", "2019", "--keys", "bergen_50:share=0,4", "equal"]) == 0
    assert "610 000 (-152 500)" in capsys.readouterr().out
    assert main(["report", "--years", "2019", "--set", "share=0,4", "--dry-run"]) == 0
    assert "lkt_fordeling_2019_bergen_50_share-0.4" in capsys.readouterr().out


def test_sweep_writes_a_real_workbook_with_norwegian_headings(tmp_path):
    from openpyxl import load_workbook

    assert main(["sweep", "--year", "2019", "--key", "bergen_50", "--vary", "share=0:1:0.5",
                 "-o", str(tmp_path / "s.xlsx")]) == 0
    rows = table_rows(load_workbook(tmp_path / "s.xlsx").active)
    assert rows[0] == ("Variant", "Fast andel", "Kommunenr.", "Kommune", "Beløp (kr)") and len(rows) == 1 + 3 * 24
    assert next(r for r in rows if r[1] == 0.5 and r[2] == "1201")[4] == 762_500
