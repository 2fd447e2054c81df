"""The workbooks (lkt_analysis.workbook): the attachment each municipality adopts, the invoicing list and the
comparison of keys, read back as Excel would."""

import re

import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis import distribution
from lkt_analysis.planning import attachment_name
from lkt_analysis.workbook import write_workbook


@pytest.fixture(scope="module")
def books(tmp_path_factory, project):
    """The attachment for 2018-2019 under the adopted key, and under the pilot key (an alternative)."""
    folder = tmp_path_factory.mktemp("books")
    made = {}
    for key in ("bergen_50", "pilot_municipalities"):
        years = list(distribution.distribute_years(project, 2019, key).values())
        made[key] = write_workbook(folder / attachment_name(years[-1], years), years[-1], years)
    return made


def _table(sheet) -> list[tuple]:
    """The filtered table of a sheet: its heading row and the rows the filter covers."""
    first, last = sheet.auto_filter.ref.split(":")
    return list(sheet.iter_rows(min_row=int(first[1:]), max_row=int(last[1:].lstrip("ABCDEFGHIJ")),
                                values_only=True))


def test_one_attachment_covers_every_year_of_the_decision(books, project):
    assert books["bergen_50"].name == "lkt_vedlegg_2018-2019_bergen_50.xlsx"
    assert books["pilot_municipalities"].name == "lkt_alternativ_2018-2019_pilot_municipalities.xlsx"
    book = load_workbook(books["bergen_50"])
    assert book.sheetnames == ["Fordeling", "Forslag til vedtak", "Utrekning 2018", "Utrekning 2019"]
    rows = _table(book["Fordeling"])
    assert rows[0] == ("Samarbeidsutval", "Kommunenr.", "Kommune", "Folketal 1.1.2018", "Andel",
                       "Beløp hausten 2018 (kr)", "Beløp 2019 (kr)")
    expected = {year: lkt.distribute(project, year).municipalities.set_index("code")["amount_nok"]
                for year in (2018, 2019)}
    assert {r[1]: (r[5], r[6]) for r in rows[1:]} == {code: (expected[2018][code], expected[2019][code])
                                                      for code in expected[2019].index}
    assert sum(r[6] for r in rows[1:]) == 1_525_000  # selecting the amounts sums to the total: no sums inside


def test_the_total_and_the_councils_sums_lie_below_the_filtered_rows(books):
    sheet = load_workbook(books["bergen_50"])["Fordeling"]
    last = int(sheet.auto_filter.ref.split(":")[1].lstrip("ABCDEFGHIJ"))
    below = [row for row in sheet.iter_rows(min_row=last + 1, values_only=True) if any(row)]
    assert below[0][2] == "Totalt" and below[0][5:7] == (112_500, 1_525_000)
    sums = {row[0]: row[6] for row in below[2:]}
    assert sums["Bergen kommune"] == 762_500 and sum(sums.values()) == 1_525_000


def test_the_decision_texts_each_in_their_municipalitys_row(books, project):
    sheet = load_workbook(books["bergen_50"])["Forslag til vedtak"]
    rows = _table(sheet)
    fedje = next(r for r in rows if r[0] == "1265")
    both = {y: lkt.distribute(project, y).table.set_index("code").loc["1265", "amount_nok"] for y in (2018, 2019)}
    assert fedje[2] == (f"Fedje kommune vil dekkja sin del av kostnadene med kr.\xa0{both[2018]} for 2018 og "
                        f"kr.\xa0{both[2019]:,} for 2019 slik det er vist i vedlegg 3 - Fordeling av kostnader "
                        "etter folketal.").replace(",", "\xa0")
    text = next(c for c in sheet["C"] if c.value == fedje[2])
    assert all(c.alignment.vertical == "top" for c in sheet[text.row])  # aligned with its municipality
    assert sheet.row_dimensions[text.row].height >= 26  # tall enough for its two lines


def test_fit_to_adopt_and_print(books):
    book = load_workbook(books["bergen_50"])
    for sheet in book.worksheets:
        assert sheet["A1"].value == "Vedlegg 3 – Fordeling av kostnader etter folketal" and sheet["A1"].font.bold
        assert any(str(c.value).startswith("Fordelingsnøkkel: Bergen 50 %, resten etter folketal") and
                   "vedteken av styringsgruppa" in str(c.value) for c in sheet["A"][:8])
        assert sheet.oddHeader.left.text == "Vedlegg 3 – Fordeling av kostnader etter folketal"
        assert sheet.oddFooter.right.text == "Side &P av &N"
        assert int(sheet.page_setup.paperSize) == 9  # A4
        fonts = {c.font.name for row in sheet.iter_rows() for c in row if c.value is not None}
        assert fonts == {"Calibri"}  # one font family
        widths = sum(sheet.column_dimensions[c].width for c in "ABCDEFGHI"[:sheet.max_column])
        assert widths <= 108 or sheet.page_setup.orientation == "landscape"  # 90 % of full size or more on A4
    first = book["Fordeling"]
    bergen = next(row for row in first.iter_rows() if row[1].value == "1201")
    assert [c.number_format for c in bergen[3:7]] == ["#,##0", "0.00%", "#,##0", "#,##0"]
    rounding = _table(book["Utrekning 2019"])
    assert rounding[0][:3] == ("Kommunenr.", "Kommune", "Grunnlag") and rounding[2][2] == "931 / 174\xa0081"


def test_an_alternative_says_so_on_every_sheet_and_has_no_decision(books):
    book = load_workbook(books["pilot_municipalities"])
    assert "Forslag til vedtak" not in book.sheetnames
    for sheet in book.worksheets:
        assert sheet["A1"].value == "Alternativ fordeling – ikkje vedteken"
        assert sheet.oddHeader.left.text == "Alternativ fordeling – ikkje vedteken"
        assert any("Den vedtekne nøkkelen er «Bergen 50 %" in str(c.value) for c in sheet["A"][:9])


@pytest.mark.parametrize("label", ["2019/20", "budsjett 2019'"])  # the second: sheet names would end in '

def test_a_year_label_with_characters_a_sheet_name_cannot_hold(project_dir, tmp_path, label):
    from lkt_analysis.workbook import write_allocation_workbook, write_comparison_workbook

    path = project_dir / "lkt_project.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('label = "2019"', f'label = "{label}"'), encoding="utf-8")
    project = lkt.load_project(path)
    write_comparison_workbook(tmp_path / "c.xlsx", lkt.compare(project, 2019, ["per_capita"]))
    write_allocation_workbook(tmp_path / "a.xlsx", lkt.distribute(project, 2019))
    names = load_workbook(tmp_path / "c.xlsx").sheetnames + load_workbook(tmp_path / "a.xlsx").sheetnames
    for name in names:  # as Excel takes them, or it "repairs" the file
        assert 0 < len(name) <= 31 and not re.search(r"[][:*?/\\]", name) and name[0] != "'" != name[-1], name
    assert len({n.lower() for n in load_workbook(tmp_path / "c.xlsx").sheetnames}) == 3
    if label == "2019/20":
        assert "Beløp per nøkkel 2019-20" in names and names[-1].endswith("2019-20")
