"""The workbooks, in the project's written standard: the attachment each municipality adopts, the invoicing
list, the comparison of keys and the variants of a key.

The attachment ("Vedlegg 3 – Fordeling av kostnader etter folketal", its title from the project) covers
every budget year of its decision: one sheet with each municipality's amount per year side by side, its
total below the filtered rows and the councils' sums in a table of their own (selecting the amounts
sums to the total); the decision texts, each in its municipality's row; and how each year's amounts were
computed. Under any key but the adopted one it says on every sheet and printed page that it is an
alternative, and has no decision texts. Every sheet opens with a title block, uses one font (Calibri,
as Excel in Norway does), Excel's built-in number formats (shown with the reader's own separators:
``1 525 000`` in a Norwegian Excel), prints on A4 with the title in its header and "Side 1 av 2" in its
footer, as wide as the page: in portrait where that keeps 90 % of full size or more, else in landscape.
Sums are figures, not formulas, so that every viewer shows them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import norwegian as no
from .compare import Comparison
from .comparison_report import wide_table
from .distribution import Distribution
from .errors import ParameterError
from .outputs import made_at, save_workbook
from .project import HOSPITALS, MUNICIPALITIES
from .report import basis, decisions, rounding_table, rounding_text
from .text import Words, words
from .version import __version__

FONT = "Calibri"
WHOLE, DECIMAL2, PERCENT2 = "#,##0", "#,##0.00", "0.00%"
PLAIN, BOLD, TITLE = Font(name=FONT, size=10), Font(name=FONT, size=10, bold=True), Font(name=FONT, size=13, bold=True)
FORMULA_START = ("=", "+", "-", "@")
PORTRAIT = 108  # column widths (characters) that print on A4 portrait at 90 % of full size or more; wider: landscape
Column = tuple[str, int, str]  # heading, width, number format ("@": text)


def write_workbook(path: str | Path, result: Distribution, results: Sequence[Distribution]) -> Path:
    """Write the attachment for the decision covering ``results`` (every budget year of ``result``'s decision,
    one key), atomically."""
    project = result.project
    w = words(project.language)
    years = no.join([r.spec.label for r in results])
    title = project.attachment if result.adopted else w("workbook.alternative_title")
    workbook = _new(f"{project.short_name}: {title}, {years}")
    block = [title, *_about(result, w, years)]
    if not result.adopted:
        block.append(w("workbook.alternative_note", adopted=result.adopted_label))
    header = (title, project.short_name)

    amounts = decisions(results)
    town = result.municipalities.set_index("code")
    shown = amounts.assign(cooperation_council=amounts["code"].map(town["cooperation_council"]),
                           population=amounts["code"].map(town["population"]),
                           share=amounts["code"].map(town["share"]))
    shown = shown.sort_values(["cooperation_council", "code"], ignore_index=True)
    population_years = sorted({r.spec.population_year for r in results})
    columns: dict[str, Column] = {
        "cooperation_council": (w("workbook.column.cooperation_council"), 27, "@"),
        "code": (w("workbook.column.code"), 12, "@"), "name": (w("workbook.column.name"), 15, "@")}
    if len(population_years) == 1:  # the same population every year: one population and one share
        columns["population"] = (w("workbook.population", year=population_years[0]), 11, WHOLE)
        columns["share"] = (w("workbook.column.share"), 8, PERCENT2)
    columns.update({r.year: (w("workbook.amount", year=r.spec.label), 13, WHOLE) for r in results})
    sheet = workbook.active
    first = _table_sheet(sheet, w("workbook.distribution"), block, shown, columns, header, w)
    last = first + len(shown)
    total = {"name": w("workbook.total"), "population": int(shown["population"].sum()),
             "share": float(shown["share"].sum()), **{r.year: int(shown[r.year].sum()) for r in results}}
    _rows(sheet, last + 2, pd.DataFrame([total]), columns, font=BOLD)  # below the filtered rows: not in a selection
    sums = shown.groupby("cooperation_council", sort=False)[["population", *[r.year for r in results]]].sum()
    sums = sums.reset_index()
    _rows(sheet, last + 4, pd.DataFrame([{"cooperation_council": w("workbook.council_sums")}]), columns, font=BOLD)
    _rows(sheet, last + 5, sums, columns)

    if result.adopted:
        texts = {"code": (w("workbook.column.code"), 12, "@"), "name": (w("workbook.column.name"), 15, "@"),
                 "text": (w("workbook.column.text"), 72, "@")}
        _table_sheet(workbook.create_sheet(), w("workbook.decision"), block, amounts, texts, header, w,
                     wrap=["text"])

    for year in results:
        _rounding_sheet(workbook.create_sheet(), year, block, header, w)
    return save_workbook(workbook, path)


def _rounding_sheet(sheet: Worksheet, result: Distribution, block: Sequence[str], header: tuple[str, str],
                    w: Words) -> None:
    steps = rounding_table(result)
    shown_basis, sentence = basis(result, steps)
    shown = steps.assign(basis=shown_basis, percent=steps["share"].map(float), quota=steps["quota"].map(float),
                         remainder=steps["remainder"].map(float),
                         extra=steps["extra"].map({True: w("report.appendix.yes"), False: ""}))
    total = {"name": w("workbook.total"), "percent": 1.0, "quota": float(result.municipal_total),
             "floor": int(steps["floor"].sum()), "remainder": float(sum(steps["remainder"])),
             "extra": w("report.appendix.count", count=int(steps["extra"].sum())),
             "amount_nok": int(steps["amount_nok"].sum())}
    widths = {"code": (12, "@"), "name": (15, "@"), "basis": (16, "@"), "percent": (12, "0.000000%"),
              "quota": (15, "#,##0.0000"), "floor": (12, WHOLE), "remainder": (9, "0.0000"), "extra": (11, "@"),
              "amount_nok": (12, WHOLE)}
    columns: dict[str, Column] = {name: (w(f"report.appendix.column.{name}"), width, form)  # the appendix's table
                                  for name, (width, form) in widths.items()}
    rule = " ".join(filter(None, [sentence, rounding_text(result).plain()]))
    first = _table_sheet(sheet, w("workbook.rounding", year=result.year), [*block, rule], shown, columns, header, w)
    _rows(sheet, first + len(shown) + 2, pd.DataFrame([total]), columns, font=BOLD)


def write_allocation_workbook(path: str | Path, result: Distribution) -> Path:
    """The invoicing list (the rows of ``lkt allocate``) as a formatted workbook with headings in words."""
    w = words(result.project.language)
    workbook = _new(w("workbook.invoice.book", project=result.project.short_name, year=result.spec.label))
    allocation = result.table
    population = allocation["population"]
    groups = {HOSPITALS: w("workbook.invoice.specialist_health_service"),
              MUNICIPALITIES: w("workbook.invoice.municipalities")}
    shown = allocation.assign(group=allocation["group"].map(groups),
                              population=population.astype(object).where(population.notna()))
    widths = {"year": (6, "0"), "group": (22, "@"), "code": (12, "@"), "name": (22, "@"), "population": (10, WHOLE),
              "share": (9, PERCENT2), "amount_nok": (13, WHOLE)}
    columns = {name: (w(f"workbook.invoice.column.{name}"), width, form) for name, (width, form) in widths.items()}
    title = w("workbook.invoice.title")
    _table_sheet(workbook.active, w("workbook.invoice.sheet", year=result.spec.label),
                 [title, *_about(result, w, result.spec.label)], shown, columns, (title, result.project.short_name), w)
    return save_workbook(workbook, path)


COMPARISON_WIDTHS: dict[str, tuple[int, str]] = {
    "label": (30, "@"), "code": (12, "@"), "name": (15, "@"), "population": (10, WHOLE), "share": (8, PERCENT2),
    "amount_nok": (12, WHOLE), "nok_per_inhabitant": (11, DECIMAL2), "diff_nok": (13, WHOLE),
    "diff_share": (12, "0.0%")}
SUMMARY_WIDTHS: dict[str, tuple[int, str]] = {
    "label": (30, "@"), "min_nok_per_inhabitant": (11, DECIMAL2), "max_nok_per_inhabitant": (11, DECIMAL2),
    "max_min_ratio": (9, "0.00"), "cv_nok_per_inhabitant": (12, "0.000"), "pay_more": (8, "0"),
    "pay_less": (8, "0"), "largest_gain_nok": (11, WHOLE), "largest_gain_name": (14, "@"),
    "largest_loss_nok": (11, WHOLE), "largest_loss_name": (14, "@")}


def write_comparison_workbook(path: str | Path, comparison: Comparison) -> Path:
    """Write a comparison of keys: a wide sheet (a row per municipality, a column of amounts per key), the long
    one (a row per municipality and key) and the summary per key, atomically."""
    w = words(comparison.project.language)
    reference = comparison.reference
    workbook = _new(comparison.title())
    block = [comparison.title(), *_about(comparison, w, reference.spec.label)]
    header = (comparison.title(), comparison.project.short_name)

    def heading(name: str) -> str:
        return w(f"comparison.workbook.column.{name}")

    wide = wide_table(comparison, "amount_nok", total=False)
    columns: dict[str, Column] = {"code": (heading("code"), 12, "@"), "name": (heading("name"), 15, "@"),
                                  "population": (heading("population"), 10, WHOLE),
                                  **{r.key.name: (r.key_label, 16, WHOLE) for r in comparison.results}}
    _table_sheet(workbook.active, w("comparison.workbook.wide", year=reference.spec.label), block, wide, columns,
                 header, w)
    long = comparison.table.assign(diff_share=comparison.table["diff_pct"] / 100)
    _table_sheet(workbook.create_sheet(), w("comparison.workbook.long", year=reference.spec.label), block, long,
                 {name: (heading(name), width, form) for name, (width, form) in COMPARISON_WIDTHS.items()}, header, w)
    _table_sheet(workbook.create_sheet(), w("comparison.workbook.summary"), block, comparison.summary,
                 {name: (heading(name), width, form) for name, (width, form) in SUMMARY_WIDTHS.items()}, header, w)
    return save_workbook(workbook, path)


MAX_ROWS = 1_048_576 - 20  # a worksheet's rows, less the title block


def write_sweep_workbook(path: str | Path, base: Distribution, table: pd.DataFrame) -> Path:
    """Write a sweep (:func:`lkt_analysis.sweep.sweep`) of the key of ``base`` as a workbook: one row per variant and
    municipality with headings in words, atomically; refused where the rows do not fit in a worksheet."""
    if len(table) > MAX_ROWS:
        raise ParameterError(f"--output {path}: {len(table):_} rows do not fit in a worksheet (at most "
                             f"{MAX_ROWS:_}); write a .csv, or use a coarser grid".replace("_", " "))
    w = words(base.project.language)
    widths = {"variant": (9, "0"), "share": (10, "0.00%"), "fixed": (10, "0.00%"), "code": (11, "@"),
              "name": (16, "@"), "amount_nok": (13, WHOLE)}
    columns = {name: (w(f"workbook.sweep.column.{name}"), width, form) for name, (width, form) in widths.items()
               if name in table.columns}
    workbook = _new(w("workbook.sweep.book", project=base.project.short_name, key=base.key_label,
                      year=base.spec.label))
    title = w("workbook.sweep.title", key=base.key_label)
    _table_sheet(workbook.active, w("workbook.sweep.sheet", year=base.spec.label),
                 [title, *_about(base, w, base.spec.label)], table.astype({"code": str, "name": str}), columns,
                 (title, base.project.short_name), w)
    return save_workbook(workbook, path)


def _new(title: str) -> Workbook:
    workbook = Workbook()
    workbook.properties.title = title
    workbook.properties.creator = "lkt_analysis"
    workbook.properties.lastModifiedBy = "lkt_analysis"
    return workbook


def _about(result: Distribution | Comparison, w: Words, years: str) -> list[str]:
    """The title block's lines below the title: what the result is (its years as ``years``), and when and by
    what it was made."""
    about = dict(result.about())
    about[w("about.year")] = years
    return [*(f"{name}: {value}" for name, value in about.items()),
            w("workbook.made", date=w.date(made_at()), version=__version__)]


def _table_sheet(sheet: Worksheet, name: str, title: Sequence[str], frame: pd.DataFrame,
                 columns: Mapping[Any, Column], header: tuple[str, str], w: Words, *,
                 wrap: Sequence[str] = ()) -> int:
    """A title block, then ``frame``'s ``columns`` as a table with its heading row and filter; the print set up
    for A4 (title and page numbers in the header and footer); returns the first data row's number."""
    sheet.title = re.sub(r"[][\\/:*?]", "-", name)[:31].strip("'")  # as Excel takes it: "2027/28" as "2027-28"
    widths = [width for _, width, _ in columns.values()]
    last = get_column_letter(len(columns))
    for line, text in enumerate(title, start=1):
        cell = _text(sheet.cell(line, 1, text))
        cell.font = TITLE if line == 1 else PLAIN
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(f"A{line}:{last}{line}")
        sheet.row_dimensions[line].height = _height(text, sum(widths), 13 if line == 1 else 10) + 2
    heading_row = len(title) + 2
    for index, (heading, width, _) in enumerate(columns.values(), start=1):
        cell = sheet.cell(heading_row, index, heading)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[heading_row].height = max(_height(str(heading), int(width * 0.85), 10)  # bold: wider
                                                   for heading, width, _ in columns.values())
    _rows(sheet, heading_row + 1, frame, columns, wrap=wrap)
    sheet.auto_filter.ref = f"A{heading_row}:{last}{heading_row + len(frame)}"
    sheet.freeze_panes = f"A{heading_row + 1}"
    sheet.print_title_rows = f"{heading_row}:{heading_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait" if sum(widths) <= PORTRAIT else "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.print_options.gridLines = False
    sheet.oddHeader.left.text, sheet.oddHeader.right.text = (part.replace("&", "&&") for part in header)
    sheet.oddHeader.left.size = sheet.oddHeader.right.size = 8
    sheet.oddFooter.right.text = w("workbook.page")
    sheet.oddFooter.right.size = 8
    return heading_row + 1


def _rows(sheet: Worksheet, first: int, frame: pd.DataFrame, columns: Mapping[Any, Column], *,
          font: Font = PLAIN, wrap: Sequence[str] = ()) -> None:
    """Write ``frame``'s ``columns`` from row ``first`` on: number formats, one font, every cell of a row aligned
    at its top, a row tall enough for its wrapped text."""
    widths = [width for _, width, _ in columns.values()]
    for offset, row in enumerate(frame.reindex(columns=list(columns)).itertuples(index=False)):
        height = 13.0
        for index, (value, name, (_, width, number_format)) in enumerate(
                zip(row, columns, columns.values()), start=1):
            cell = _text(sheet.cell(first + offset, index, None if _missing(value) else value))
            cell.number_format, cell.font = number_format, font
            cell.alignment = Alignment(vertical="top", wrap_text=name in wrap)
            if name in wrap and not _missing(value):
                height = max(height, _height(str(value), widths[index - 1], 10))
        sheet.row_dimensions[first + offset].height = height


def _text(cell: Any) -> Any:
    """Text from an input file that starts like a formula (``=``, ``+``, ``-``, ``@``) stays text."""
    if isinstance(cell.value, str) and cell.value[:1] in FORMULA_START:
        cell.data_type = "s"
    return cell


def _height(text: str, width: int, size: float) -> float:
    """Row height (points) for ``text`` in ``size``-point type wrapped in a column ``width`` characters wide;
    programs do not size rows with wrapped text that they did not write themselves."""
    per_line = max(1, int(width * 1.15 * 10 / size))
    lines = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
    return round(size * 1.35 * lines + 3, 1)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))
