"""The bad-input suite: every kind of damaged or malformed input, tried as a user would.

Each case damages one input of a copy of the bundled project (or writes a synthetic
population file, or gives one bad command-line value) and runs a command. The
command must refuse it: exit code 2, one line naming the file that is wrong (and the
sheet, row and column where they apply), no traceback, and no file created or
changed anywhere under the test's folder, the output folder included (an earlier
output is there and must stay as it was).

The last cases are inputs that can be read in one way only (thousand separators,
padded headings, a byte-order mark): they are accepted, and give the same amounts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis.cli import main

from conftest import HB, write_budget

SOURCE = lkt.paths.DATA_RAW / "ssb" / "07459_Personer2015-2018.csv"
BERGEN_0, GULEN_0 = 21095, 24699  # indexes of the lines '"1201 Bergen" "0 years" ...' and of Gulen's in SOURCE


@dataclass(frozen=True)
class Case:
    """A damaged input: ``damage`` changes the project copy and returns extra arguments; the one line
    printed must name ``file`` and match ``message``."""

    id: str
    damage: Callable[[Path], list[str]]
    file: str
    message: str
    command: list[str] = field(default_factory=lambda: ["allocate", "--year", "2019"])


# --- ways to damage a copy of the project --------------------------------------------------

def edit(name: str, old: str, new: str) -> Callable[[Path], list[str]]:
    """Replace ``old`` by ``new`` in the text file ``name`` of the project."""
    def damage(folder: Path) -> list[str]:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return []
    return damage


def write(name: str, content: str | bytes, *args: str) -> Callable[[Path], list[str]]:
    """Write ``content`` as the file ``name`` of the project; ``args`` may name it (``{}``)."""
    def damage(folder: Path) -> list[str]:
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return [arg.format(path) for arg in args]
    return damage


def cell(ref: str, value: object, sheet: str | None = None) -> Callable[[Path], list[str]]:
    """Set one cell of the budget workbook."""
    def damage(folder: Path) -> list[str]:
        workbook = load_workbook(folder / "lkt_budget.xlsx")
        workbook.active[ref] = value
        if sheet:
            workbook.active.title = sheet
        workbook.save(folder / "lkt_budget.xlsx")
        return []
    return damage


def download(change: Callable[[list[bytes]], list[bytes]]) -> Callable[[Path], list[str]]:
    """The real 2015-2018 population download, changed line by line, as the only population file."""
    def damage(folder: Path) -> list[str]:
        path = folder / "damaged.csv"
        path.write_bytes(b"\n".join(change(SOURCE.read_bytes().split(b"\n"))))
        return ["--population", str(path)]
    return damage


def jsonstat(change: Callable[[dict], None]) -> Callable[[Path], list[str]]:
    """A JSON-stat 2 dataset of table 07459 (synthetic counts for Bergen and Os), changed by ``change``."""
    def damage(folder: Path) -> list[str]:
        ages = [f"{a:03d}" for a in range(105)] + ["105+"]
        dataset = {
            "version": "2.0", "class": "dataset", "id": ["Region", "Alder", "ContentsCode", "Tid"],
            "size": [2, 106, 1, 1], "value": [10 + a for _ in range(2) for a in range(106)],
            "dimension": {
                "Region": {"category": {"index": {"1201": 0, "1243": 1}}},
                "Alder": {"category": {"index": {a: i for i, a in enumerate(ages)}}},
                "ContentsCode": {"category": {"index": {"Personer1": 0}}},
                "Tid": {"category": {"index": {"2018": 0}}},
            },
        }
        change(dataset)
        path = folder / "07459.json"
        path.write_text(json.dumps(dataset), encoding="utf-8")
        return ["--population", str(path)]
    return damage


def args(*given: str) -> Callable[[Path], list[str]]:
    return lambda folder: list(given)


def _drop(key: str) -> Callable[[dict], None]:
    return lambda dataset: dataset.pop(key)


def _set(path: str, value: object) -> Callable[[dict], None]:
    def change(dataset: dict) -> None:
        *parents, last = path.split("/")
        target = dataset
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return change


TOML, BUDGET, REGISTER = "lkt_project.toml", "lkt_budget.xlsx", "municipalities.csv"
YEAR_2019 = "[years.2019]\nlabel = \"2019\"\npopulation_year = 2018\n"

CASES = [
    # --- the project file ----------------------------------------------------------------
    Case("toml-not-found", args("--project", "{tmp}/nothing.toml"), "nothing.toml", r"project file not found"),
    Case("toml-syntax", edit(TOML, 'short_name = "LKT"', 'short_name = "LKT'), TOML, r"not a readable TOML"),
    Case("toml-binary", write(TOML, b"\xff\xfe\x00garbage"), TOML, r"not a readable TOML"),
    Case("toml-no-project-table", edit(TOML, "[project]", "[projects]"), TOML, r"needs a \[project\] table"),
    Case("toml-year-as-number", edit(TOML, YEAR_2019, "[years]\n2019 = 5\n"), TOML,
         r"\[years\] '2019' must be a table such as \[years.2019\], not 5"),
    Case("toml-year-not-a-year", edit(TOML, "[years.2019]", "[years.next]"), TOML,
         r"\[years.next\]: the budget year must be a year"),
    Case("toml-population-year-missing", edit(TOML, "label = \"2019\"\npopulation_year = 2018", "label = \"2019\""),
         TOML, r"\[years.2019\] has no 'population_year'"),
    Case("toml-population-year-text", edit(TOML, YEAR_2019, YEAR_2019.replace("= 2018", '= "2018"')), TOML,
         r"\[years.2019\] 'population_year' must be a whole number, not '2018'"),
    Case("toml-population-year-without-data", edit(TOML, YEAR_2019, YEAR_2019.replace("2018", "2014")), TOML,
         r"\[years.2019\] population_year 2014: the population files"),
    Case("toml-share-as-text", edit(TOML, "share = 0.5", 'share = "50 %"'), TOML,
         r"\[keys.bergen_50\] for 2018: anchor share '50 %' is not a number"),
    Case("toml-share-above-100", edit(TOML, "share = 0.5", "share = 1.2"), TOML, r"bergen_50.*between 0 and 100"),
    Case("toml-share-negative", edit(TOML, "share = 0.5", "share = -0.1"), TOML, r"bergen_50.*between 0 and 100"),
    Case("toml-fixed-above-100", edit(TOML, "fixed = 0.2", "fixed = 2"), TOML,
         r"\[keys.fixed_20_per_capita\] for 2018: fixed part 200\s% must lie between 0 and 100\s%"),
    Case("toml-weights-above-100", edit(TOML, "{ helse_bergen = 1.0 }", "{ helse_bergen = 1.5 }"), TOML,
         r"hospitals.*100\s%"),
    Case("toml-code-unknown", edit(TOML, 'code = "1201"', 'code = "9999"'), TOML,
         r"\[keys.bergen_50\] for 2018: key 'bergen_50': municipality 9999 is not in the municipality register"),
    Case("toml-code-twice", edit(TOML, '"1201", "1243", "1263"', '"1201", "1243", "1201"'), TOML,
         r"\[keys.pilot_municipalities\]: a municipality is named twice in codes \['1201', '1243', '1201'\]"),
    Case("toml-age-group-malformed", edit(TOML, 'age_group = "0-17"', 'age_group = "17-0"'), TOML,
         r"children_0_17.*'17-0'"),
    Case("toml-age-group-words", edit(TOML, 'age_group = "67+"', 'age_group = "old"'), TOML, r"elderly_67.*'old'"),
    Case("toml-age-group-beyond-data", edit(TOML, 'age_group = "67+"', 'age_group = "110+"'), TOML,
         r"\[keys.elderly_67\] age_group '110\+': the population file 07459_Personer2015-2018.csv gives ages up "
         r"to 105"),
    Case("toml-kind-unknown", edit(TOML, 'kind = "equal"', 'kind = "fair"'), TOML,
         r"\[keys.equal\]: key 'equal': unknown kind 'fair'; kinds: anchor"),
    Case("toml-adopted-key-unknown", edit(TOML, 'key = "bergen_50"', 'key = "bergen_60"'), TOML,
         r"key 'bergen_60' is not defined under \[keys\]"),
    Case("toml-financing-as-text", edit(TOML, "{ specialist_health_service = 1 }",
                                        '{ specialist_health_service = "all" }'), TOML,
         r"\[financing\] 'Helse Bergen': the fractions must be numbers such as 0.5"),
    Case("toml-financing-not-100", edit(TOML, "specialist_health_service = 0.5, municipalities = 0.5",
                                        "specialist_health_service = 0.5, municipalities = 0.6"), TOML,
         r"\[financing\] 'Delt mellom spesialisthelsetjenesten og kommunene': the groups' fractions must add up to 1"),
    Case("toml-budget-file-missing", edit(TOML, 'budget = "lkt_budget.xlsx"', 'budget = "budget.xlsx"'),
         "budget.xlsx", r"file not found"),
    Case("toml-population-empty", edit(TOML, 'population = [\n', 'population = []\nnothing = [\n'), TOML,
         r"\[project\] 'population' names no file"),
    Case("toml-population-not-a-list", edit(TOML, 'population = [\n', 'population = 5\nnothing = [\n'), TOML,
         r"'population' must be"),
    # --- the budget workbook ---------------------------------------------------------------
    Case("budget-not-xlsx", write(BUDGET, "Post;År;Beløp\n1;2019;100\n"), BUDGET,
         r"not a readable xlsx workbook \(File is not a zip file\)"),
    Case("budget-empty-file", write(BUDGET, b""), BUDGET, r"not a readable xlsx workbook \(File is not a zip file\)"),
    Case("budget-sheet-missing", cell("A1", "Post", sheet="Ark1"), BUDGET, r"no sheet named 'Budsjett'"),
    Case("budget-column-missing", cell("D1", "Beløp"), BUDGET, r"sheet 'Budsjett': missing column\(s\) 'Beløp \(kr\)'"),
    Case("budget-amount-text", cell("D3", "ti tusen"), BUDGET,
         r"sheet 'Budsjett', row 3, column 'Beløp \(kr\)': 'ti tusen' is not a whole number"),
    Case("budget-amount-decimal", cell("D3", 1500.5), BUDGET, r"row 3, column 'Beløp \(kr\)'.*1500.5"),
    Case("budget-amount-decimal-comma", cell("D3", "1500,50"), BUDGET, r"row 3, column 'Beløp \(kr\)'"),
    Case("budget-amount-dot-thousands", cell("D3", "1.500"), BUDGET, r"row 3, column 'Beløp \(kr\)'.*'1.500'"),
    Case("budget-amount-negative", cell("D3", -100), BUDGET, r"row 3, column 'Beløp \(kr\)': the amount -100 is negative"),
    Case("budget-amount-too-large", cell("D3", 10**16), BUDGET, r"row 3, column 'Beløp \(kr\)': the amount "
         r"10000000000000000 is above 1 000 000 000 000 000 kr, the most this tool splits exactly"),
    Case("budget-amount-empty", cell("D3", None), BUDGET, r"row 3, column 'Beløp \(kr\)': the amount is empty"),
    Case("budget-amount-formula", cell("D3", "=D2*2"), BUDGET,  # openpyxl saves no computed value
         r"row 3, column 'Beløp \(kr\)': the amount is empty \(a formula has a value only once Excel has saved"),
    Case("budget-year-text", cell("C3", "neste år"), BUDGET, r"row 3, column 'År': 'neste år' is not a budget year"),
    Case("budget-post-empty", cell("A3", None), BUDGET, r"row 3, column 'Post': the post number is empty"),
    Case("budget-covered-unclear", cell("E3", "ja?"), BUDGET, r"row 3, column 'Dekket': 'ja\?'"),
    Case("budget-party-unknown", cell("F3", "NAV"), BUDGET, r"row 3, column 'Finansiering': unknown financing party"),
    Case("budget-year-too-large", lambda d: cell("D9", 6 * 10**14)(d) + cell("D10", 6 * 10**14)(d), BUDGET,
         r"sheet 'Budsjett': the posts of 2019 add up to more than 1 000 000 000 000 000 kr"),
    Case("budget-year-without-rows", lambda d: write_budget(d / BUDGET, [["1", "a", 2018, 100, None, HB]]) and [],
         BUDGET, r"sheet 'Budsjett': no budget rows for 2019, a year of the project file"),
    Case("budget-year-not-in-project", cell("C9", 2017), BUDGET,
         r"sheet 'Budsjett': budget year 2017 is not a year of the project file"),
    Case("budget-post-twice", cell("A10", "1.1"), BUDGET, r"sheet 'Budsjett': post 1.1 appears twice for 2019"),
    # --- the municipality register -----------------------------------------------------------
    Case("register-code-twice", edit(REGISTER, "1232,Eidfjord", "1201,Eidfjord"), REGISTER,
         r"duplicate municipality code\(s\): 1201"),
    Case("register-code-malformed", edit(REGISTER, "1232,Eidfjord", "12a2,Eidfjord"), REGISTER,
         r"row 3, column 'code': code '12a2'"),
    Case("register-column-missing", edit(REGISTER, "cooperation_council", "council"), REGISTER,
         r"missing column\(s\) 'cooperation_council'; found 'code', 'name'"),
    Case("register-date-malformed", edit(REGISTER, "1232,Eidfjord,,2019-12-31", "1232,Eidfjord,,31.12.2019"),
         REGISTER, r"row 3, column 'valid_to': '31.12.2019' is not a date"),
    Case("register-successor-unknown", edit(REGISTER, "Samarbeidsrådet for Voss og omegn,4619",
                                            "Samarbeidsrådet for Voss og omegn,4699"), REGISTER,
         r"successor code\(s\) not in the register: 4699"),
    Case("register-no-population", edit(REGISTER, "1411,Gulen", "9911,Gulen"), "",
         r"no population at 1 January 2018.*9911"),
    Case("register-empty", write(REGISTER, ""), REGISTER, r"not a readable CSV file"),
    # --- the population files ----------------------------------------------------------------
    Case("population-not-found", args("--population", "{tmp}/raw/ssb/none.csv"), "none.csv", r"file not found"),
    Case("population-line-repeated", download(lambda ls: ls[:BERGEN_0 + 3] + [ls[BERGEN_0 + 2]] + ls[BERGEN_0 + 3:]),
         "damaged.csv", r"row 21099: municipality 1201, 2015: age 2 is given twice"),
    Case("population-cut-short", download(lambda ls: ls[:BERGEN_0 + 100]), "damaged.csv",
         r"no open top band such as '105 år eller eldre'"),
    Case("population-cut-at-the-end", download(lambda ls: ls[:GULEN_0 + 100]), "damaged.csv",
         r"row 24799: municipality 1411, 2015: 6 of the ages 0-105 missing \(100, 101, 102, 103, 104 \.\.\.\); the "
         r"download may be cut short"),
    Case("population-no-top-band", download(lambda ls: [line for line in ls if b"105 years or older" not in line]),
         "damaged.csv", r"no open top band such as '105 år eller eldre': the oldest age is '104 years'"),
    Case("population-age-missing", download(lambda ls: ls[:BERGEN_0 + 40] + ls[BERGEN_0 + 41:]), "damaged.csv",
         r"municipality 1201, 2015: 1 of the ages 0-105 missing \(40\)"),
    Case("population-count-text", download(lambda ls: ls[:BERGEN_0 + 5] + [ls[BERGEN_0 + 5].replace(b"3262", b"abc")]
                                           + ls[BERGEN_0 + 6:]), "damaged.csv", r"row 21101.*'abc'"),
    Case("population-no-region-column", download(lambda ls: [ls[0].replace(b"region", b"area")] + ls[1:]),
         "damaged.csv", r"no header line with a 'region' \(or 'code'\) column"),
    Case("population-empty", download(lambda ls: []), "damaged.csv", r"no header line with a 'region'"),
    Case("jsonstat-not-json", write("07459.json", "{not json", "--population", "{}"), "07459.json",
         r"not a JSON-stat 2 dataset"),
    Case("jsonstat-no-value", jsonstat(_drop("value")), "07459.json", r"not a JSON-stat 2 dataset.*'value'"),
    Case("jsonstat-no-dimension", jsonstat(_drop("dimension")), "07459.json",
         r"not a JSON-stat 2 dataset: no 'dimension'"),
    Case("jsonstat-no-size", jsonstat(_drop("size")), "07459.json", r"not a JSON-stat 2 dataset: no 'size'"),
    Case("jsonstat-dimension-missing", jsonstat(_set("dimension/Tid", None)), "07459.json",
         r"JSON-stat dimension 'Tid' has no category index"),
    Case("jsonstat-category-missing", jsonstat(_set("dimension/Alder/category", None)), "07459.json",
         r"JSON-stat dimension 'Alder' has no category index"),
    Case("jsonstat-index-missing", jsonstat(_set("dimension/Region/category/index", None)), "07459.json",
         r"JSON-stat dimension 'Region' has no category index"),
    Case("jsonstat-sizes-wrong", jsonstat(_set("size", [2, 106, 1, 2])), "07459.json",
         r"JSON-stat sizes \[2, 106, 1, 2\] do not match its 212 values"),
    Case("jsonstat-values-short", jsonstat(lambda d: d["value"].pop()), "07459.json",
         r"JSON-stat sizes \[2, 106, 1, 1\] do not match its 211 values"),
    Case("jsonstat-not-a-dataset", write("07459.json", "[1, 2, 3]", "--population", "{}"), "07459.json",
         r"not a JSON-stat 2 dataset"),
    # --- the command line --------------------------------------------------------------------
    Case("cli-year-unknown", args(), "", r"2030 is not a budget year", ["allocate", "--year", "2030"]),
    Case("cli-key-unknown", args("--key", "bergen_60"), "", r"unknown key 'bergen_60'"),
    Case("cli-key-variant-bad", args("--key", "bergen_50:share"), "", r"'share' is not PARAM=VALUE"),
    Case("cli-key-variant-out-of-range", args("--key", "bergen_50:share=1.5"), "", r"between 0 and 100"),
    Case("cli-output-suffix", args("-o", "{tmp}/out/allocation.txt"), "allocation.txt", r"\.csv or an \.xlsx"),
    Case("cli-output-is-a-folder", lambda d: (d.parent / "out" / "folder.csv").mkdir(parents=True) or [
        "-o", "{tmp}/out/folder.csv"], "folder.csv", r"is a folder"),
    Case("cli-output-under-a-file", args("-o", "{tmp}/out/allocation.csv/x.csv"), "allocation.csv", r"in the way"),
    Case("cli-compare-key-unknown", args(), "", r"unknown key 'fair'",
         ["compare", "--year", "2019", "--keys", "fair"]),
    Case("cli-sweep-grid-bad", args(), "", r"'0:1' is not START:STOP:STEP", ["sweep", "--year", "2019", "--key", "bergen_50",
                                                      "--vary", "share=0:1"]),
    Case("cli-sweep-too-large", args(), "", r"10000001 variants x 24 municipalities is more than", ["sweep", "--year", "2019", "--key", "bergen_50",
                                                       "--vary", "share=0:1:0.0000001"]),
    Case("cli-report-year-unknown", args(), "", r"year 2030 is not in the budget", ["report", "--years", "2030"]),
    Case("cli-report-jobs-zero", args(), "", r"--jobs: '0' is not a whole number of 1 or more",
         ["report", "--jobs", "0"]),
    Case("cli-report-param-unknown", args(), "", r"unknown parameter 'shared'", ["report", "-p", "shared=0.4"]),
    Case("cli-report-set-bad", args(), "", r"--set 'share' is not NAME=VALUE", ["report", "--set", "share"]),
    Case("cli-report-set-out-of-range", args(), "", r"between 0 and 100", ["report", "--set", "share=1.4"]),
    Case("cli-report-damaged-input", edit(TOML, "share = 0.5", "share = 1.2"), TOML, r"between 0 and 100",
         ["report", "--years", "2019"]),
    Case("cli-source-date-epoch", args(), "", r"SOURCE_DATE_EPOCH 'yesterday'", ["allocate", "--year", "2019",
                                                                                  "-o", "{tmp}/out/new.xlsx"]),
]


def _snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file under ``folders`` with its bytes."""
    return {str(path): path.read_bytes() for folder in folders if folder.exists()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _outputs(command: list[str], tmp: Path) -> list[str]:
    """Where each command writes: into ``tmp/out``, which holds an earlier output."""
    if any(arg in ("-o", "--output") for arg in command):
        return []
    return {"allocate": ["-o", f"{tmp}/out/allocation.csv"], "compare": ["-o", f"{tmp}/out/compare.csv"],
            "sweep": ["-o", f"{tmp}/out/sweep.csv"], "report": ["--out", f"{tmp}/out"]}[command[0]]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_is_refused_in_one_line_and_changes_nothing(case, project_dir, tmp_path, capsys, monkeypatch):
    extra = case.damage(project_dir)
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / "allocation.csv").write_text("an earlier output\n", encoding="utf-8")
    if case.id == "cli-source-date-epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    command = [part.format(tmp=tmp_path) for part in case.command]
    argv = [*command, *[a.format(tmp=tmp_path) for a in extra]]
    if "--project" not in argv:
        argv += ["--project", str(project_dir / "lkt_project.toml")]
    argv += _outputs(argv, tmp_path)
    before = _snapshot(tmp_path, lkt.paths.DATA_PROCESSED, lkt.paths.REPORTS)
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, err
    assert re.match(r"lkt( \w+)?: error: ", err) and err.count("\n") == 1 and "Traceback" not in err, err
    assert case.file.format(tmp=tmp_path) in err, err
    assert re.search(case.message, err), err
    assert _snapshot(tmp_path, lkt.paths.DATA_PROCESSED, lkt.paths.REPORTS) == before  # nothing made or changed


# --- inputs that can be read one way only are accepted ----------------------------------------

ACCEPTED = [
    ("amount-with-spaces", cell("D9", "450 000")),
    ("amount-with-no-break-spaces", cell("D9", "450\xa0000")),
    ("amount-with-kr", cell("D9", "450 000 kr")),
    ("amount-as-whole-float", cell("D9", 450000.0)),
    ("padded-heading", cell("D1", "  Beløp (kr) ")),
    ("code-as-number", edit(TOML, 'code = "1201"', "code = 1201")),  # four digits: the code is plain
    ("register-with-bom", lambda d: write(REGISTER, b"\xef\xbb\xbf" + (d / REGISTER).read_bytes())(d)),
    ("project-file-with-bom", lambda d: write(TOML, b"\xef\xbb\xbf" + (d / TOML).read_bytes())(d)),
    ("register-padded", edit(REGISTER, "1232,Eidfjord,", " 1232 , Eidfjord ,")),
    ("download-as-utf8-with-bom", download(  # the download is Latin-1 (cp1252); saved again as UTF-8 with a BOM
        lambda lines: [(("\ufeff" if i == 0 else "") + line.decode("cp1252")).encode("utf-8")
                       for i, line in enumerate(lines)])),
]


@pytest.mark.parametrize("name, change", ACCEPTED, ids=[name for name, _ in ACCEPTED])
def test_input_that_can_be_read_one_way_only_is_accepted(name, change, project_dir, tmp_path, capsys):
    assert load_workbook(project_dir / BUDGET).active["D9"].value == 450000  # the cell the cases change
    extra = change(project_dir)
    output = tmp_path / "allocation.csv"
    assert main(["allocate", "--year", "2019", "--project", str(project_dir / TOML), "-o", str(output), *extra]) == 0
    printed = capsys.readouterr().out
    assert "municipalities: 1 525 000 kr" in printed and "specialist_health_service: 1 235 000 kr" in printed
