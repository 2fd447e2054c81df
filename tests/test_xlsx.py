"""Reading an analyst's workbook safely (xlsx.py).

Every hostile workbook here is synthetic, built in the test: a zip bomb, a cell at
XFD1048576, a sheet whose stated extent (``<dimension>``) is huge or lies, XML with a
DTD, a file that is no zip, a zip that is no workbook. Each is refused with one line
naming the file (and the sheet, row and column where they apply), by the budget's
reader and by the population reader alike. How long each refusal took and the most
memory it held are logged (``pytest -o log_cli=true -o log_cli_level=INFO``), never
asserted as a time: the refusals are quick, and a benchmark is the place for speed;
memory is asserted to stay small, as tracemalloc counts it.

The bundled budget, a real population download saved as xlsx and a workbook with
every kind of cell read exactly as ``pandas.read_excel`` read them.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import lkt_analysis as lkt
from lkt_analysis import budget, errors, population, xlsx
from lkt_analysis.cli import main

from conftest import DELT, HEADINGS

log = logging.getLogger(__name__)
RAW = lkt.paths.DATA_RAW
SHEET = "xl/worksheets/sheet1.xml"
GIB = 1 << 30
MEMORY = 64 * 2**20  # a refusal holds far less: it reads the zip's directory, or the sheet a row at a time
SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- building workbooks (synthetic) -----------------------------------------------------------

def plain(path: Path, rows: list[list[object]] | None = None) -> Path:
    """A small workbook whose one sheet is called 'Budsjett', as both readers look for it."""
    workbook = Workbook()
    workbook.active.title = budget.SHEET
    for row in rows if rows is not None else [HEADINGS, ["1", "Reiser", 2020, 1000, None, DELT]]:
        workbook.active.append(row)
    workbook.save(path)
    return path


def with_part(path: Path, name: str, write: Callable[[zipfile.ZipFile, str], None], *,
              drop: tuple[str, ...] = ()) -> Path:
    """Rewrite the workbook at ``path`` with its part ``name`` written by ``write`` (and the parts ``drop`` left out)."""
    source = path.with_suffix(".orig.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for part in old.infolist():
            if part.filename != name and part.filename not in drop:
                new.writestr(part, old.read(part))
        write(new, name)
    source.unlink()
    return path


def sheet_xml(body: str, dimension: str | None = None, prolog: str = "") -> Callable[[zipfile.ZipFile, str], None]:
    """A worksheet part with ``body`` as its ``sheetData`` and, if given, a ``<dimension>``."""
    stated = f'<dimension ref="{dimension}"/>' if dimension else ""
    text = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{SPREADSHEETML}">{stated}'
            f"<sheetData>{body}</sheetData></worksheet>")
    return lambda archive, name: archive.writestr(name, text)


def cell(ref: str, text: str = "x") -> str:
    row = "".join(c for c in ref if c.isdigit())
    return f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'


def repeated(size: int) -> Callable[[zipfile.ZipFile, str], None]:
    """A worksheet part of ``size`` bytes of one letter repeated in one cell, streamed into the zip a MiB at
    a time (never held whole), deflated about a thousand to one."""
    head = f'<worksheet xmlns="{SPREADSHEETML}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
    tail = b"</t></is></c></row></sheetData></worksheet>"
    chunk = b"a" * (1 << 20)

    def write(archive: zipfile.ZipFile, name: str) -> None:
        with archive.open(name, "w", force_zip64=True) as stream:
            stream.write(head)
            for _ in range((size - len(head) - len(tail)) // len(chunk)):
                stream.write(chunk)
            stream.write(tail)
    return write


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 MB workbook whose sheet unpacks to 1 GiB (synthetic)."""
    started = time.perf_counter()
    path = with_part(plain(tmp_path_factory.mktemp("bomb") / "bomb.xlsx"), SHEET, repeated(GIB))
    log.info("zip bomb built in %.1f s: %d bytes", time.perf_counter() - started, path.stat().st_size)
    return path


# --- every hostile workbook is refused in one line, by both readers ------------------------------

def read_as_budget(path: Path) -> object:
    return budget.read_budget(path)


def read_as_population(path: Path) -> object:
    return population.read_population(path)


READERS = [pytest.param(read_as_budget, id="budget"), pytest.param(read_as_population, id="population")]


def refused(read: Callable[[Path], object], path: Path, message: str, *, trace: bool = True) -> str:
    """Read ``path``, expect one ``InputError`` line naming the file and matching ``message``; log the time taken
    and, with ``trace``, assert the most memory held (tracemalloc slows a run of a million empty rows fifty-fold:
    those cases go without)."""
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(errors.InputError, match=message) as caught:
            read(path)
        took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
    finally:
        tracemalloc.stop()
    text = str(caught.value)
    log.info("%s refused by %s in %.3f s, peak %s: %s", path.name, read.__name__, took,
             f"{peak / 2**20:.1f} MiB" if trace else "not traced", text)
    assert "\n" not in text and text.startswith(errors.shown(path)), text
    assert peak < MEMORY, f"{peak / 2**20:.0f} MiB held while refusing {path.name}"
    return text


@pytest.mark.parametrize("read", READERS)
def test_a_zip_bomb_is_refused_unread(read, zip_bomb):
    assert zip_bomb.stat().st_size < 2_000_000
    text = refused(read, zip_bomb, r"the workbook unpacks to 1 07\d MB, more than a (budget|population) workbook "
                                   r"has \(at most (50|100) MB\); it is not read")
    assert "sheet" not in text


@pytest.mark.parametrize("read", READERS)
def test_a_part_packed_like_a_bomb_is_refused_below_the_size_bound(read, tmp_path):
    path = with_part(plain(tmp_path / "packed.xlsx"), SHEET, repeated(40 * 2**20))
    refused(read, path, rf"part '{SHEET}' unpacks \d+ times larger than it is packed, more than the 100 times")


@pytest.mark.parametrize("read", READERS)
def test_one_cell_at_xfd1048576_is_refused_by_the_stated_extent(read, tmp_path):
    path = tmp_path / "far.xlsx"
    workbook = Workbook()
    workbook.active.title = budget.SHEET
    workbook.active["XFD1048576"] = 1
    workbook.save(path)
    refused(read, path, r"sheet 'Budsjett', row 1048576, column 'XFD': the sheet says it reaches XFD1048576 "
                        r"\(its dimension\), beyond the .* rows")


@pytest.mark.parametrize("read", READERS)
def test_one_cell_at_xfd1048576_without_a_stated_extent_is_refused_where_it_is(read, tmp_path):
    path = with_part(plain(tmp_path / "far.xlsx"), SHEET, sheet_xml(cell("A1") + cell("XFD1048576")))
    refused(read, path, r"sheet 'Budsjett', row 1048576, column 'XFD': the sheet goes on to row 1 048 576",
            trace=False)


@pytest.mark.parametrize("read", READERS)
def test_a_huge_stated_extent_with_few_cells_is_refused(read, tmp_path):
    path = with_part(plain(tmp_path / "huge.xlsx"), SHEET, sheet_xml(cell("A1") + cell("B2"), "A1:XFD1048576"))
    refused(read, path, r"row 1048576, column 'XFD': the sheet says it reaches XFD1048576")


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("far, where", [
    ("XFD5", r"row 5, column 'XFD': the sheet goes on to column XFD"),
    ("GS3", r"row 3, column 'GS': the sheet goes on to column GS"),  # column 201, one past the bound
    ("A1048576", r"row 1048576: the sheet goes on to row 1 048 576"),
])
def test_a_small_stated_extent_that_lies_is_refused_where_the_cells_are(read, tmp_path, far, where):
    path = with_part(plain(tmp_path / "lies.xlsx"), SHEET, sheet_xml(cell("A1") + cell("B2") + cell(far), "A1:B2"))
    refused(read, path, rf"sheet 'Budsjett', {where}", trace=not far.endswith("1048576"))


def test_the_cells_read_are_bounded_where_the_extent_is_not_stated(tmp_path):
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABCDEFGHIJ") + "</row>"
                   for r in range(1, 201))
    path = with_part(plain(tmp_path / "many.xlsx"), SHEET, sheet_xml(rows))
    small = xlsx.Bounds("a test workbook", unpacked=10**6, parts=20, rows=1_000, columns=20, cells=1_000)
    assert len(xlsx.read_rows(path, bounds=dataclasses.replace(small, cells=2_000))) == 200
    refused(lambda p: xlsx.read_rows(p, bounds=small), path,
            r"row 101: the sheet has more than 1 000 cells by row 101, beyond the 1 000 rows, 20 columns and "
            r"1 000 cells a test workbook may have")


@pytest.mark.parametrize("read", READERS)
def test_a_row_of_a_million_cells_in_one_column_is_refused_before_openpyxl_holds_them(read, tmp_path):
    cells = "".join(f'<c r="A1"><v>{i}</v></c>' for i in range(200_000))  # all at A1: openpyxl would hold them all
    path = with_part(plain(tmp_path / "row.xlsx"), SHEET, sheet_xml(f'<row r="1">{cells}</row>', "A1:A1"))
    refused(read, path, rf"part '{SHEET}' has a row of more than 3 200 XML elements, more than a (budget|population) "
                        "workbook has; it is not read")


def test_more_row_elements_than_rows_allowed_are_refused_before_openpyxl_reads_them(tmp_path):
    path = with_part(plain(tmp_path / "rows.xlsx"), SHEET, sheet_xml("<row/>" * 1_001))
    small = xlsx.Bounds("a test workbook", unpacked=10**6, parts=20, rows=1_000, columns=20, cells=10_000)
    refused(lambda p: xlsx.read_rows(p, bounds=small), path, rf"part '{SHEET}' has more than 1 000 rows")


def test_too_many_elements_outside_rows_are_refused(tmp_path):
    many = "".join(f"<x{i}/>" for i in range(5_000))  # openpyxl would keep every one of them in memory
    path = with_part(plain(tmp_path / "many.xlsx"), "docProps/custom.xml",
                     lambda archive, name: archive.writestr(name, f"<Properties>{many}</Properties>"))
    small = xlsx.Bounds("a test workbook", unpacked=10**6, parts=20, rows=1_000, columns=20, cells=10_000,
                        elements=1_000)
    refused(lambda p: xlsx.read_rows(p, bounds=small), path,
            r"part 'docProps/custom.xml' brings the XML elements outside rows to more than 1 000, more than a test "
            r"workbook has; it is not read")


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("part, prolog", [
    (SHEET, '<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'),
    (SHEET, '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'),
    ("[Content_Types].xml", '<!DOCTYPE Types [<!ENTITY x "x">]>'),
    ("docProps/core.xml", '<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'),
], ids=["billion-laughs", "external-entity", "content-types", "external-dtd"])
def test_xml_with_a_dtd_is_refused_in_one_line(read, tmp_path, part, prolog):
    path = plain(tmp_path / "dtd.xlsx")
    with zipfile.ZipFile(path) as archive:
        original = archive.read(part).decode("utf-8")
    declaration, _, rest = original.partition("?>") if original.startswith("<?xml") else ("", "", original)
    text = (declaration + "?>" if declaration else "") + prolog + rest
    with_part(path, part, lambda archive, name: archive.writestr(name, text))
    refused(read, path, rf"not a readable xlsx workbook \(part '{re.escape(part)}' "
                        r"declares a DTD \(<!DOCTYPE \.\.\.>\), which no workbook has\)")


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("damage, message", [
    (lambda path: path.write_bytes(b"Post;Ar;Belop\n1;2019;100\n"), r"not a readable xlsx workbook \(File is not a zip file\)"),
    (lambda path: path.write_bytes(b""), r"not a readable xlsx workbook \(File is not a zip file\)"),
    (lambda path: zipfile.ZipFile(path, "w").writestr("notes.txt", "no workbook here"),
     r"not a readable xlsx workbook \(a zip file without the parts of a workbook: no \[Content_Types\]\.xml\)"),
    (lambda path: with_part(plain(path), "xl/workbook.xml", lambda archive, name: None),
     r"not a readable xlsx workbook \(.+\)"),
    (lambda path: with_part(plain(path), SHEET, lambda archive, name: archive.writestr(
        name, f'<worksheet xmlns="{SPREADSHEETML}"><sheetData><row r="1"><c r="A1"><v>1</v>')),
     r"not a readable xlsx workbook \(.*no element found.*\)"),
    (lambda path: with_part(plain(path), SHEET, lambda archive, name: archive.writestr(name, "<worksheet <<")),
     rf"not a readable xlsx workbook \(part '{SHEET}': not well-formed \(invalid token\), line 1, column 11\)"),
    (lambda path: with_part(plain(path), "[Content_Types].xml",
                            lambda archive, name: archive.writestr(name, "\n" * 70_000 + "<Types/>")),
     r"not a readable xlsx workbook \(part '.Content_Types.\.xml' has no XML element in its first 64 KB\)"),
], ids=["text", "empty", "zip-of-text", "no-workbook-part", "cut-short", "malformed", "no-root"])
def test_a_file_that_is_not_a_workbook_is_refused_in_one_line(read, tmp_path, damage, message):
    path = tmp_path / "not.xlsx"
    damage(path)
    refused(read, path, message)


def test_a_zip_of_too_many_parts_is_refused(tmp_path):
    path = plain(tmp_path / "parts.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(1_000):
            archive.writestr(f"xl/media/empty{i}.bin", b"")
    refused(read_as_budget, path, r"the workbook has 1 009 parts, more than a budget workbook has \(at most 1 000\)")


def test_the_command_line_refuses_a_hostile_budget_in_one_line(project_dir, tmp_path, capsys):
    with_part(project_dir / "lkt_budget.xlsx", SHEET, sheet_xml(cell("A1") + cell("XFD1048576"), "A1:F15"))
    output = tmp_path / "allocation.csv"
    code = main(["allocate", "--year", "2019", "--project", str(project_dir / "lkt_project.toml"), "-o", str(output)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "lkt_budget.xlsx, sheet 'Budsjett', row 1048576, column 'XFD': the sheet goes on" in err, err
    assert not output.exists()


# --- what passes is read exactly as pandas read it ----------------------------------------------

def test_the_bundled_budget_reads_exactly_as_before():
    path = RAW / "lkt_budget.xlsx"
    before = pd.read_excel(path, sheet_name=budget.SHEET, dtype=object, engine="openpyxl")
    pd.testing.assert_frame_equal(xlsx.read_table(path, bounds=budget.BOUNDS, sheet=budget.SHEET), before)
    assert budget.read_budget(path)["amount_nok"].sum() == 710_000 + 2_760_000


@pytest.mark.slow  # 38 000 rows written, then read by pandas and by us
def test_a_population_download_saved_as_xlsx_reads_exactly_as_before(tmp_path):
    """The real 2022 download of all of Norway (38 000 rows), as Statistikkbanken's xlsx lays it out."""
    download = RAW / "ssb" / "07459_Personer2022.csv"
    lines = download.read_text(encoding="cp1252").splitlines()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("07459")
    for line in lines:
        fields = [field.strip('"') for field in line.split(";")] if line else []
        sheet.append([int(f) if f.isdigit() else f for f in fields])
    path = tmp_path / "07459_Personer2022.xlsx"
    workbook.save(path)
    before = pd.read_excel(path, header=None, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(xlsx.read_text(path, bounds=population.XLSX_BOUNDS), before)
    pd.testing.assert_frame_equal(population.read_population(path), population.read_population(download))


def every_kind_of_cell(path: Path) -> Path:
    """A sheet with text, text pandas takes for missing, whole and other numbers, dates, booleans, error
    values, empty and repeated headings, empty cells, an empty row and rows of different lengths (synthetic)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = budget.SHEET
    for row in [
        ["Post", "Beløp", None, "Post", "Dato", "År", "  ", "Unnamed: 2"],
        ["1.1", 1500, "NA", "x", datetime.datetime(2019, 1, 1), 2019, " ja ", "#DIV/0!"],
        ["1.2", 2000.0, "", None, datetime.date(2020, 2, 29), "2019", "nan", 0.1],
        [],
        ["1.3", 12.5, "null", "N/A", datetime.time(12, 30), True, "None", -3],
        [None, None, None, None, None, None, None, None, "far right"],
        ["1 500", "#N/A", "-nan", "", "1.#IND", False, 10**15, "<NA>"],
    ]:
        sheet.append(row)
    workbook.save(path)
    return path


def test_every_kind_of_cell_reads_exactly_as_pandas_read_it(tmp_path):
    path = every_kind_of_cell(tmp_path / "kinds.xlsx")
    pd.testing.assert_frame_equal(xlsx.read_table(path, bounds=budget.BOUNDS, sheet=budget.SHEET),
                                  pd.read_excel(path, sheet_name=budget.SHEET, dtype=object, engine="openpyxl"))
    pd.testing.assert_frame_equal(xlsx.read_text(path, bounds=population.XLSX_BOUNDS),
                                  pd.read_excel(path, header=None, dtype=str, keep_default_na=False))


@pytest.mark.parametrize("rows", [[], [["Post"]], [["Post"], [None], ["1"], ["  "], ["2"]], [["a", "a", "a.1", None]]],
                         ids=["empty", "heading-only", "one-column", "repeated-headings"])
def test_small_and_odd_sheets_read_exactly_as_pandas_read_them(tmp_path, rows):
    path = plain(tmp_path / "odd.xlsx", rows)
    pd.testing.assert_frame_equal(xlsx.read_table(path, bounds=budget.BOUNDS, sheet=budget.SHEET),
                                  pd.read_excel(path, sheet_name=budget.SHEET, dtype=object, engine="openpyxl"))
    pd.testing.assert_frame_equal(xlsx.read_text(path, bounds=population.XLSX_BOUNDS),
                                  pd.read_excel(path, header=None, dtype=str, keep_default_na=False))


def test_the_package_imports_openpyxl_only_when_a_workbook_is_read_or_written():
    """A report kernel reads no workbook: it should not pay openpyxl's import (about 70 ms) to start."""
    import subprocess
    import sys

    code = ("import sys, lkt_analysis as lkt; print('openpyxl' in sys.modules); "
            "lkt.load_project(lkt.paths.DEFAULT_PROJECT); print('openpyxl' in sys.modules)")  # its budget: a workbook
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "True"]
