"""The spreadsheets (lkt_analysis.workbook): Vedlegg 3 that each municipality adopts, the invoicing list and
the comparison of keys, read back as Excel would."""

import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis import distribution
from lkt_analysis.workbook import write_workbook
from conftest import table_rows


@pytest.fixture(scope="module")
def books(tmp_path_factory, project):
    """Vedlegg 3 for autumn 2018 under the adopted key, and for 2019 under the pilot key."""
    folder = tmp_path_factory.mktemp("books")
    for year, key in ((2018, "bergen_50"), (2019, "pilot_municipalities"), (2019, "bergen_50")):
        years = distribution.distribute_years(project, year, key)
        write_workbook(folder / f"lkt_fordeling_{year}_{key}.xlsx", years[year], list(years.values()))
    return folder, None


@pytest.mark.parametrize("year, key", [(2018, "bergen_50"), (2019, "pilot_municipalities")])
def test_spreadsheet_numbers_equal_the_allocation(books, project, year, key):
    out, _ = books
    workbook = load_workbook(out / f"lkt_fordeling_{year}_{key}.xlsx")
    sheet = workbook.worksheets[0]
    rows = table_rows(sheet)
    assert rows[0][:3] == ("Samarbeidsutval", "Kommunenr.", "Kommune")
    amounts = {r[1]: r[5] for r in rows[1:] if r[1]}
    expected = (lkt.distribute(project, year, key).table.query("group == 'municipalities'")
                .set_index("code")["amount_nok"])
    assert amounts == expected.to_dict()
    assert rows[-1][2] == "Totalt" and rows[-1][5] == expected.sum()
    for council in {r[0] for r in rows[1:] if r[1]}:  # each subtotal is the sum of its rows, as a figure
        block = [r for r in rows[1:] if r[0] == council and r[1]]
        subtotal = [r for r in rows[1:] if r[2] == f"Sum {council}"]
        assert not subtotal or subtotal[0][5] == sum(r[5] for r in block)
    decisions = table_rows(workbook["Forslag til vedtak"])
    fedje = next(r for r in decisions if r[0] == "1265")
    both = {y: lkt.distribute(project, y, key).table.set_index("code").loc["1265", "amount_nok"]
            for y in (2018, 2019)}
    assert fedje[-1] == (f"Fedje kommune vil dekkja sin del av kostnadene med kr. {both[2018]:,} for 2018 "
                         f"og kr. {both[2019]:,} for 2019.").replace(",", " ")


def test_spreadsheet_is_fit_to_adopt_and_print(books):
    out, _ = books
    workbook = load_workbook(out / "lkt_fordeling_2019_bergen_50.xlsx")
    assert workbook.sheetnames == ["Fordeling 2019", "Forslag til vedtak", "Slik er beløpene regnet ut"]
    assert workbook.properties.creator == "lkt_analysis" and "2019" in workbook.properties.title
    for sheet in workbook.worksheets:
        assert sheet["A1"].value.startswith("Vedlegg 3") and sheet["A1"].font.bold
        assert any(str(c.value).startswith("Fordelingsnøkkel: Bergen 50") for c in sheet["A"][:6])
        assert any(str(c.value).startswith("Folketall: per 1. januar 2018") for c in sheet["A"][:6])
        header = int(sheet.auto_filter.ref.split(":")[0][1:])
        assert sheet.print_title_rows == f"${header}:${header}" and sheet.freeze_panes == f"A{header + 1}"
        assert int(sheet.page_setup.paperSize) == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage  # 9: A4
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    first = workbook.worksheets[0]
    bergen = next(row for row in first.iter_rows() if row[1].value == "1201")
    assert [c.number_format for c in bergen[3:7]] == ["#,##0", "0.00%", "#,##0", "#,##0.00"]
    decision = workbook["Forslag til vedtak"]
    assert next(c for c in decision["E"] if c.value and "vil dekkja" in str(c.value)).alignment.wrap_text
    rounding = table_rows(workbook["Slik er beløpene regnet ut"])
    assert rounding[0][:2] == ("Kommunenr.", "Kommune") and rounding[-1][1] == "Totalt"
    assert rounding[-1][5] + sum(r[7] == "ja" for r in rounding[1:-1]) == rounding[-1][8] == 1_525_000
    assert all(r[5] + (r[7] == "ja") == r[8] for r in rounding[1:-1])
