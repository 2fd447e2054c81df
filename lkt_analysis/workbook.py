"""The spreadsheet each municipality adopts ("Vedlegg 3 – Fordeling av kostnader etter folketal").

Sheet one: one row per municipality with council subtotals and the total, for the
report's year. Sheet two: each municipality's proposed decision text with its
amount for every year of the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .keys import Key
from .outputs import atomic_path
from .project import Project, budget_year
from .report import MUNICIPALITY_HEADINGS, decisions, municipality_table

FORMATS = {"population": "# ##0", "share": "0.00 %", "amount_nok": "# ##0", "nok_per_inhabitant": "0.00"}
WIDTHS = {"cooperation_council": 34, "code": 12, "name": 36, "population": 12, "share": 10, "amount_nok": 14,
          "nok_per_inhabitant": 16}
BOLD = Font(bold=True)


def write_workbook(path: str | Path, project: Project, year: int, key: str | Key | None,
                   decision_years: Sequence[int]) -> Path:
    """Write the year's distribution and the decision texts to an xlsx file, atomically."""
    spec = budget_year(project, year)
    table = municipality_table(project, year, key)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Fordeling {spec.label}"[:31]
    headings = dict(MUNICIPALITY_HEADINGS, population=f"Folketall {spec.population_year}")
    sheet.append([headings[c] for c in MUNICIPALITY_HEADINGS])
    for row in table.itertuples(index=False):
        sheet.append(list(row))
        if not row.code:
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
    _layout(sheet, [WIDTHS[c] for c in MUNICIPALITY_HEADINGS])
    for index, column in enumerate(MUNICIPALITY_HEADINGS, start=1):
        for cell in sheet[get_column_letter(index)][1:]:
            cell.number_format = FORMATS.get(column, "@")

    texts = decisions(project, list(decision_years), key)
    sheet = workbook.create_sheet("Forslag til vedtak")
    labels = [f"Beløp {project.years[y].label} (kr)" for y in decision_years]
    sheet.append(["Kommunenr.", "Kommune", *labels, "Forslag til vedtak"])
    for row in texts.itertuples(index=False):
        sheet.append(list(row))
    _layout(sheet, [12, 18, *[16] * len(labels), 110])
    for column in range(3, 3 + len(labels)):
        for cell in sheet[get_column_letter(column)][1:]:
            cell.number_format = FORMATS["amount_nok"]
    for cell in sheet[get_column_letter(3 + len(labels))][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return Path(path)


def _layout(sheet: Worksheet, widths: Sequence[int]) -> None:
    for cell in sheet[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
