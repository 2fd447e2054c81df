"""The spreadsheets: the one each municipality adopts, the invoicing list, and the comparison of keys.

The adopted one ("Vedlegg 3 – Fordeling av kostnader etter folketal") has three
sheets: the year's distribution with council subtotals and the total; each
municipality's proposed decision text with its amount for every budget year on
its side of a municipal reform; and how each amount was computed. Every sheet
opens with a title block (project, year, key in words, population date and
source, the date it was made), uses Excel's built-in number formats (shown with
the reader's own separators: ``1 525 000`` in a Norwegian Excel), has an
autofilter and prints on A4, one page wide, its heading row on every page.
Sums are written as figures, not formulas, so that every viewer shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .version import __version__
from .compare import Comparison
from .distribution import Distribution
from .errors import ParameterError
from .outputs import made_at, save_workbook
from .report import GROUP_NAMES, decisions, municipality_table, rounding_table, rounding_text

WHOLE, DECIMAL2, DECIMAL4, PERCENT2 = "#,##0", "#,##0.00", "#,##0.0000", "0.00%"
BOLD, TITLE = Font(bold=True), Font(bold=True, size=13)
FORMULA_START = ("=", "+", "-", "@")
Column = tuple[str, int, str]  # heading, width, number format ("@": text)

MUNICIPALITY_COLUMNS: dict[str, Column] = {
    "cooperation_council": ("Samarbeidsutval", 30, "@"),
    "code": ("Kommunenr.", 12, "@"),
    "name": ("Kommune", 31, "@"),
    "population": ("Folketall", 11, WHOLE),
    "share": ("Andel", 9, PERCENT2),
    "amount_nok": ("Beløp (kr)", 13, WHOLE),
    "nok_per_inhabitant": ("Kr per innbygger", 11, DECIMAL2),
}
ROUNDING_COLUMNS: dict[str, Column] = {
    "code": ("Kommunenr.", 12, "@"),
    "name": ("Kommune", 16, "@"),
    "fraction": ("Andel (brøk)", 17, "@"),
    "percent": ("Andel (%)", 13, "0.000000%"),
    "quota": ("Nøyaktig beløp (kr)", 16, DECIMAL4),
    "floor": ("Rundet ned (kr)", 13, WHOLE),
    "remainder": ("Rest (kr)", 9, "0.0000"),
    "extra": ("Får én krone til", 13, "@"),
    "amount_nok": ("Beløp (kr)", 13, WHOLE),
}
ALLOCATION_COLUMNS: dict[str, Column] = {
    "year": ("År", 7, "0"),
    "group": ("Part", 24, "@"),
    "code": ("Nummer", 12, "@"),
    "name": ("Navn", 24, "@"),
    "population": ("Folketall", 11, WHOLE),
    "share": ("Andel", 9, PERCENT2),
    "amount_nok": ("Beløp (kr)", 13, WHOLE),
}


def write_workbook(path: str | Path, result: Distribution, decision_results: Sequence[Distribution]) -> Path:
    """Write "Vedlegg 3" for ``result``'s year: distribution, decision texts (``decision_results``) and how
    each amount was computed, atomically."""
    spec = result.spec
    workbook = _new(f"{result.project.short_name}: fordeling av kostnader {spec.label}")
    title = ["Vedlegg 3 – Fordeling av kostnader etter folketall", *_about(result)]

    table = municipality_table(result)
    columns = dict(MUNICIPALITY_COLUMNS, population=(f"Folketall {spec.population_year}", 11, WHOLE))
    sheet = workbook.active
    header = _table_sheet(sheet, f"Fordeling {spec.label}", title, table, columns)
    for row in sheet.iter_rows(min_row=header + 1):
        if not row[1].value:  # a subtotal or the total
            for cell in row:
                cell.font = BOLD

    texts = decisions(decision_results)
    amounts = {r.year: (f"Beløp {r.spec.label} (kr)", 14, WHOLE) for r in decision_results}
    _table_sheet(workbook.create_sheet(), "Forslag til vedtak", title, texts,
                 {"code": ("Kommunenr.", 12, "@"), "name": ("Kommune", 16, "@"), **amounts,
                  "text": ("Forslag til vedtak", 70, "@")}, wrap=["text"])

    rounding = rounding_table(result)
    shown = rounding.assign(
        fraction=rounding["share"].map(lambda f: f"{f.numerator}/{f.denominator}" if f.denominator != 1
                                          else str(f.numerator)),
        percent=rounding["share"].map(float), quota=rounding["quota"].map(float),
        remainder=rounding["remainder"].map(float), extra=rounding["extra"].map({True: "ja", False: ""}))
    total = {"name": "Totalt", "percent": 1.0, "quota": float(result.municipal_total),
             "floor": int(rounding["floor"].sum()), "remainder": float(sum(rounding["remainder"])),
             "extra": f"{int(rounding['extra'].sum())} kommuner", "amount_nok": int(rounding["amount_nok"].sum())}
    shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
    rule = rounding_text(result).plain()
    sheet = workbook.create_sheet()
    _table_sheet(sheet, "Slik er beløpene regnet ut", [*title, rule], shown, ROUNDING_COLUMNS)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    return save_workbook(workbook, path)


def write_allocation_workbook(path: str | Path, result: Distribution) -> Path:
    """The invoicing list (the rows of ``lkt allocate``) as a formatted workbook with Norwegian headings."""
    workbook = _new(f"{result.project.short_name}: fakturagrunnlag {result.spec.label}")
    allocation = result.table
    population = allocation["population"]
    table = allocation.assign(group=allocation["group"].map(GROUP_NAMES),
                              population=population.astype(object).where(population.notna()))
    _table_sheet(workbook.active, f"Fakturagrunnlag {result.spec.label}",
                 ["Fakturagrunnlag – fordeling av kostnader", *_about(result)], table, ALLOCATION_COLUMNS)
    return save_workbook(workbook, path)


COMPARISON_COLUMNS: dict[str, Column] = {
    "label": ("Fordelingsnøkkel", 34, "@"),
    "code": ("Kommunenr.", 12, "@"),
    "name": ("Kommune", 16, "@"),
    "population": ("Folketall", 11, WHOLE),
    "share": ("Andel", 9, PERCENT2),
    "amount_nok": ("Beløp (kr)", 13, WHOLE),
    "nok_per_inhabitant": ("Kr per innbygger", 11, DECIMAL2),
    "diff_nok": ("Endring mot referansen (kr)", 14, WHOLE),
    "diff_share": ("Endring mot referansen (%)", 14, "0.0%"),
}
SUMMARY_COLUMNS: dict[str, Column] = {
    "label": ("Fordelingsnøkkel", 34, "@"),
    "min_nok_per_inhabitant": ("Lavest kr per innbygger", 12, DECIMAL2),
    "max_nok_per_inhabitant": ("Høyest kr per innbygger", 12, DECIMAL2),
    "max_min_ratio": ("Høyest / lavest", 10, "0.00"),
    "cv_nok_per_inhabitant": ("Variasjons-koeffisient", 12, "0.000"),
    "pay_more": ("Betaler mer", 9, "0"),
    "pay_less": ("Betaler mindre", 9, "0"),
    "largest_gain_nok": ("Største gevinst (kr)", 13, WHOLE),
    "largest_gain_name": ("Størst gevinst", 14, "@"),
    "largest_loss_nok": ("Største tap (kr)", 13, WHOLE),
    "largest_loss_name": ("Størst tap", 14, "@"),
}


def write_comparison_workbook(path: str | Path, comparison: Comparison) -> Path:
    """Write a comparison of keys (one row per municipality and key, and the summary per key), atomically."""
    reference = comparison.reference
    workbook = _new(comparison.title())
    title = [comparison.title(), *_about(comparison)]
    table = comparison.table.assign(diff_share=comparison.table["diff_pct"] / 100)
    _table_sheet(workbook.active, f"Sammenligning {reference.spec.label}", title, table, COMPARISON_COLUMNS)
    _table_sheet(workbook.create_sheet(), "Oppsummering", title, comparison.summary, SUMMARY_COLUMNS)
    return save_workbook(workbook, path)


SWEEP_COLUMNS: dict[str, Column] = {
    "variant": ("Variant", 9, "0"),
    "share": ("Fast andel", 11, "0.00%"),
    "fixed": ("Del likt", 11, "0.00%"),
    "code": ("Kommunenr.", 12, "@"),
    "name": ("Kommune", 16, "@"),
    "amount_nok": ("Beløp (kr)", 13, WHOLE),
}
MAX_ROWS = 1_048_576 - 20  # a worksheet's rows, less the title block


def write_sweep_workbook(path: str | Path, base: Distribution, table: pd.DataFrame) -> Path:
    """Write a sweep (:func:`lkt_analysis.sweep.sweep`) of the key of ``base`` as a workbook: one row per variant and
    municipality with Norwegian headings, atomically; refused where the rows do not fit in a worksheet."""
    if len(table) > MAX_ROWS:
        raise ParameterError(f"--output {path}: {len(table):_} rows do not fit in a worksheet (at most "
                             f"{MAX_ROWS:_}); write a .csv, or use a coarser grid".replace("_", " "))
    columns = {name: column for name, column in SWEEP_COLUMNS.items() if name in table.columns}
    workbook = _new(f"{base.project.short_name}: varianter av {base.key_label} {base.spec.label}")
    title = [f"Varianter av fordelingsnøkkelen: {base.key_label}", *_about(base)]
    _table_sheet(workbook.active, f"Varianter {base.spec.label}", title,
                 table.astype({"code": str, "name": str}), columns)
    return save_workbook(workbook, path)


def _new(title: str) -> Workbook:
    workbook = Workbook()
    workbook.properties.title = title
    workbook.properties.creator = "lkt_analysis"
    workbook.properties.lastModifiedBy = "lkt_analysis"
    return workbook


def _about(result: Distribution | Comparison) -> list[str]:
    """The title block's lines below the title: what the result is, and when and by what it was made."""
    return [*(f"{name}: {value}" for name, value in result.about().items()),
            f"Laget {made_at():%d.%m.%Y} av lkt_analysis {__version__}"]


def _table_sheet(sheet: Worksheet, name: str, title: Sequence[str], frame: pd.DataFrame,
                 columns: Mapping[str, Column], *, wrap: Sequence[str] = ()) -> int:
    """A title block, then ``frame``'s ``columns`` as a table with its heading row, filter and print setup;
    returns the heading row's number."""
    sheet.title = name[:31]
    last = get_column_letter(len(columns))
    widths = [width for _, width, _ in columns.values()]
    for line, text in enumerate(title, start=1):
        _text(sheet.cell(line, 1, text)).font = TITLE if line == 1 else Font()
        sheet.merge_cells(f"A{line}:{last}{line}")
        sheet.cell(line, 1).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[line].height = _height(text, sum(widths)) + (4 if line == 1 else 0)
    header = len(title) + 2
    for index, (heading, width, _) in enumerate(columns.values(), start=1):
        cell = sheet.cell(header, index, heading)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, row in enumerate(frame.reindex(columns=list(columns)).itertuples(index=False), start=1):
        for index, (value, (_, _, number_format)) in enumerate(zip(row, columns.values()), start=1):
            cell = _text(sheet.cell(header + offset, index, None if _missing(value) else value))
            cell.number_format = number_format
            if list(columns)[index - 1] in wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                sheet.row_dimensions[header + offset].height = _height(str(value), widths[index - 1])
    sheet.auto_filter.ref = f"A{header}:{last}{header + len(frame)}"
    sheet.freeze_panes = f"A{header + 1}"
    sheet.print_title_rows = f"{header}:{header}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    return header


def _text(cell: Any) -> Any:
    """Text from an input file that starts like a formula (``=``, ``+``, ``-``, ``@``) stays text."""
    if isinstance(cell.value, str) and cell.value[:1] in FORMULA_START:
        cell.data_type = "s"
    return cell


def _height(text: str, width: int) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide; programs do not size
    rows with wrapped text that they did not write themselves."""
    return 13.0 * max(1, -(-len(text) // max(1, int(width * 1.1))))


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))
