"""The spreadsheets: the one each municipality adopts, and the comparison of keys.

The adopted one ("Vedlegg 3 – Fordeling av kostnader etter folketal"): sheet one,
one row per municipality with council subtotals and the total, for the report's
year; sheet two, each municipality's proposed decision text with its amount for
every year of the run. The comparison: one row per municipality and key, and a
summary per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .compare import Comparison
from .distribution import Distribution
from .outputs import atomic_path
from .report import MUNICIPALITY_HEADINGS, decisions, municipality_table

FORMATS = {"population": "# ##0", "share": "0.00 %", "amount_nok": "# ##0", "nok_per_inhabitant": "0.00"}
WIDTHS = {"cooperation_council": 34, "code": 12, "name": 36, "population": 12, "share": 10, "amount_nok": 14,
          "nok_per_inhabitant": 16}
BOLD = Font(bold=True)


def write_workbook(path: str | Path, result: Distribution, decision_results: Sequence[Distribution]) -> Path:
    """Write the year's distribution and the decision texts (for ``decision_results``) to an xlsx file, atomically."""
    spec = result.spec
    table = municipality_table(result)
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

    texts = decisions(decision_results)
    sheet = workbook.create_sheet("Forslag til vedtak")
    labels = [f"Beløp {r.spec.label} (kr)" for r in decision_results]
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


COMPARISON_HEADINGS = {
    "label": ("Fordelingsnøkkel", 40, "@"),
    "code": ("Kommunenr.", 12, "@"),
    "name": ("Kommune", 22, "@"),
    "population": ("Folketall", 12, "#,##0"),
    "share": ("Andel", 10, "0.00%"),
    "amount_nok": ("Beløp (kr)", 14, "#,##0"),
    "nok_per_inhabitant": ("Kr per innbygger", 14, "#,##0.00"),
    "diff_nok": ("Endring mot referansen (kr)", 16, "#,##0"),
    "diff_share": ("Endring mot referansen (%)", 16, "0.0%"),
}
SUMMARY_HEADINGS = {
    "label": ("Fordelingsnøkkel", 40, "@"),
    "min_nok_per_inhabitant": ("Lavest kr per innbygger", 14, "#,##0.00"),
    "max_nok_per_inhabitant": ("Høyest kr per innbygger", 14, "#,##0.00"),
    "max_min_ratio": ("Høyest / lavest", 10, "0.00"),
    "cv_nok_per_inhabitant": ("Variasjonskoeffisient", 14, "0.000"),
    "pay_more": ("Betaler mer", 10, "0"),
    "pay_less": ("Betaler mindre", 10, "0"),
    "largest_gain_nok": ("Største gevinst (kr)", 14, "#,##0"),
    "largest_gain_name": ("Størst gevinst", 18, "@"),
    "largest_loss_nok": ("Største tap (kr)", 14, "#,##0"),
    "largest_loss_name": ("Størst tap", 18, "@"),
}


def write_comparison_workbook(path: str | Path, comparison: Comparison) -> Path:
    """Write a comparison of keys (one row per municipality and key, and the summary per key), atomically."""
    workbook = Workbook()
    table = comparison.table.assign(diff_share=comparison.table["diff_pct"] / 100)
    _frame_sheet(workbook.active, f"Sammenligning {comparison.reference.spec.label}"[:31], table,
                 COMPARISON_HEADINGS)
    _frame_sheet(workbook.create_sheet("Oppsummering"), "Oppsummering", comparison.summary, SUMMARY_HEADINGS)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return Path(path)


def _frame_sheet(sheet: Worksheet, title: str, frame: pd.DataFrame,
                 headings: dict[str, tuple[str, int, str]]) -> None:
    sheet.title = title
    sheet.append([heading for heading, _, _ in headings.values()])
    for row in frame[list(headings)].itertuples(index=False):
        sheet.append([None if pd.isna(value) else value for value in row])
    _layout(sheet, [width for _, width, _ in headings.values()])
    for index, (_, _, number_format) in enumerate(headings.values(), start=1):
        for cell in sheet[get_column_letter(index)][1:]:
            cell.number_format = number_format
    sheet.auto_filter.ref = sheet.dimensions
