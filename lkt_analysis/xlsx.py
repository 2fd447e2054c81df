"""Reading an analyst's workbook safely: every workbook is bounded before and while it is read.

An xlsx file is a zip of XML parts, and a small one can be hostile: it can unpack to
gigabytes (a zip bomb), name one cell at XFD1048576 that a reader pads a whole grid
out to, pack millions of XML elements that a parser holds in memory, or declare a DTD
whose entities expand. Before openpyxl parses anything, the zip's directory is checked
(how many parts, their unpacked size, how tightly each is packed) and every XML part
is streamed once through expat, which counts its elements and refuses a DTD; the
sheet is then read through openpyxl's read-only public API, its stated extent
(``<dimension>``) checked first and the rows, columns and cells it really holds
checked as they come, since the stated extent can lie or be missing. Whatever passes
a bound, or is not a workbook at all, is refused with one ``InputError`` line naming
the file, and the sheet, row and column where they apply.

The rows come out as pandas' openpyxl reader gives them, and ``read_table`` and
``read_text`` build the same frames as ``pandas.read_excel`` with ``dtype=object``
and with ``dtype=str``, so the readers of the budget and of population downloads see
the values they always saw.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

import pandas as pd

from .errors import InputError

if TYPE_CHECKING:  # openpyxl is imported where a workbook is read: a report kernel never reads one
    from openpyxl.workbook.workbook import Workbook

MB = 1_000_000
EXCEL_ROWS = 1_048_576  # the last row any spreadsheet program writes
MAX_PACKING = 100  # unpacked bytes per packed byte: Apache POI's zip-bomb default (a minimum inflate ratio of 0.01)
PACKING_FROM = 1 * MB  # smaller parts may be packed tighter: they cannot grow large
PROLOG_BYTES = 64 * 1024  # a workbook part's root element starts within its first few hundred bytes
CHUNK = 64 * 1024
ROW_ELEMENTS = 16  # XML elements in a row per column: a cell is <c> and <v>, or <c><is><t>, a formula <f> more
NA_TEXT = frozenset({  # the text pandas.read_excel reads as missing by default (the read_csv documentation's list)
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})


@dataclass(frozen=True)
class Bounds:
    """How large a workbook of one kind may be; past any bound it is refused, unread.

    ``cells`` bounds both the cells the sheet holds and the rows-by-columns grid
    the table fills once its rows are padded to one width; ``elements`` the XML
    elements outside rows in all parts together (styles, shared strings, settings:
    a bloated real workbook has a few hundred thousand), which openpyxl holds.
    """

    kind: str  # as the reader is told: "a budget workbook"
    unpacked: int  # bytes, all parts together
    parts: int
    rows: int
    columns: int
    cells: int
    elements: int = 500_000


def read_table(path: str | Path, *, bounds: Bounds, sheet: str | None = None) -> pd.DataFrame:
    """A sheet as a table under its heading row, as ``pd.read_excel(path, sheet_name=sheet, dtype=object)`` gives it.

    Cells are kept as they are (text, whole numbers as ``int``, other numbers as
    ``float``, dates as datetimes); empty cells, error values and the text pandas
    takes for missing (``"NA"``, ``"null"``, ...) are NaN. An empty heading is
    ``Unnamed: i`` and a repeated one gets ``.1``, ``.2``.

    Args:
        path: The workbook.
        bounds: How large it may be.
        sheet: The sheet's name; ``None`` takes the first sheet.
    """
    rows = read_rows(path, bounds=bounds, sheet=sheet)
    if not rows:
        return pd.DataFrame()
    body = [[math.nan if isinstance(v, str) and v in NA_TEXT else v for v in row] for row in rows[1:]]
    return pd.DataFrame(body, columns=_column_names(rows[0]), dtype=object)


def read_text(path: str | Path, *, bounds: Bounds, sheet: str | None = None) -> pd.DataFrame:
    """Every cell of a sheet as text, no heading row, as ``pd.read_excel(path, header=None, dtype=str,
    keep_default_na=False)`` gives it: an empty cell is ``""``, a number its digits (``"1500"``, ``"2.5"``)."""
    return pd.DataFrame(read_rows(path, bounds=bounds, sheet=sheet), dtype=str)


def read_rows(path: str | Path, *, bounds: Bounds, sheet: str | None = None) -> list[list[object]]:
    """The rows of a sheet as pandas' openpyxl reader sees them, each workbook checked against ``bounds``.

    Rows are padded with ``""`` to the width of the widest; empty rows at the end
    are left out; rows and columns start at the sheet's A1, so row ``i`` of the
    list is sheet row ``i + 1``.

    Raises:
        InputError: the file is missing, is not a workbook, has no such sheet or
            passes a bound; one line naming the file, and the sheet, row and
            column where they apply.
    """
    from openpyxl import load_workbook

    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as err:
        raise _unreadable(path, err) from None
    with handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                _check_archive(archive, path, bounds)
            workbook = load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        except InputError:
            raise
        except Exception as err:  # zipfile, openpyxl and XML errors of a damaged file
            raise _unreadable(path, err) from None
        try:
            return _read_sheet(_worksheet(workbook, path, sheet), path, bounds)
        except InputError:
            raise
        except Exception as err:
            raise _unreadable(path, err) from None
        finally:
            workbook.close()


# --- before openpyxl parses: the zip and each part's elements ------------------------------------

def _check_archive(archive: zipfile.ZipFile, path: Path, bounds: Bounds) -> None:
    """Refuse a zip too large unpacked, of too many parts or packed like a bomb, one that is not a
    workbook, and any part with a DTD or too many elements: all before openpyxl parses anything."""
    parts = archive.infolist()
    if len(parts) > bounds.parts:
        raise InputError(path, f"the workbook has {_number(len(parts))} parts, more than {bounds.kind} has "
                               f"(at most {_number(bounds.parts)}); it is not read")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > bounds.unpacked:
        raise InputError(path, f"the workbook unpacks to {_size(unpacked)}, more than {bounds.kind} has "
                               f"(at most {_size(bounds.unpacked)}); it is not read")
    for part in parts:
        if part.file_size > PACKING_FROM and part.file_size > MAX_PACKING * max(part.compress_size, 1):
            raise InputError(path, f"part '{part.filename}' unpacks {part.file_size // max(part.compress_size, 1)} "
                                   f"times larger than it is packed, more than the {MAX_PACKING} times of any "
                                   "real workbook (a zip bomb?); it is not read")
    if "[Content_Types].xml" not in archive.namelist():
        raise _unreadable(path, "a zip file without the parts of a workbook: no [Content_Types].xml")
    outside = [0]
    for part in parts:
        _check_part(archive, part, path, bounds, outside)


class _Root(Exception):
    """The root element began before any DTD: a part that is not XML need not be read further."""


def _check_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, path: Path, bounds: Bounds,
                outside: list[int]) -> None:
    """Read a part with expat, as a stream, counting its elements, before openpyxl parses it.

    Refused: a DTD (``<!DOCTYPE``; no workbook part has one, and entities, external
    or ones that expand a billion times, come with it); a part named as XML that is
    not well-formed or has no element in its first ``PROLOG_BYTES``; more ``row``
    elements than ``bounds.rows``; a row of more than ``ROW_ELEMENTS`` elements per
    column allowed; and more than ``bounds.elements`` elements outside rows in all the
    parts together (``outside`` carries the count). openpyxl holds a whole row's
    cells, and every element outside a row, in memory while it reads: these bounds
    keep that small. A part not named as XML (an image, a binary part) is only read
    up to its first element, to see it is not XML with a DTD.
    """
    xml = part.filename.lower().endswith((".xml", ".rels", ".vml"))
    parser = expat.ParserCreate(namespace_separator=" ", intern=None)  # names not kept: they may be millions
    depth = row_depth = rows = in_row = elements = 0

    def refuse(problem: str) -> InputError:
        return InputError(path, f"part '{part.filename}' {problem}, more than {bounds.kind} has; it is not read")

    def start(name: str, _attributes: object) -> None:
        nonlocal depth, row_depth, rows, in_row, elements
        depth, elements = depth + 1, elements + 1
        if not xml:
            raise _Root()
        if row_depth:
            in_row += 1
            if in_row > ROW_ELEMENTS * bounds.columns:
                raise refuse(f"has a row of more than {_number(ROW_ELEMENTS * bounds.columns)} XML elements")
        elif name.rpartition(" ")[2] == "row":
            row_depth, in_row, rows = depth, 0, rows + 1
            if rows > bounds.rows:
                raise refuse(f"has more than {_number(bounds.rows)} rows")
        else:
            outside[0] += 1
            if outside[0] > bounds.elements:
                raise refuse(f"brings the XML elements outside rows to more than {_number(bounds.elements)}")

    def end(_name: str) -> None:
        nonlocal depth, row_depth
        if depth == row_depth:
            row_depth = 0
        depth -= 1

    def doctype(*_: object) -> None:
        raise _unreadable(path, f"part '{part.filename}' declares a DTD (<!DOCTYPE ...>), which no workbook has")

    parser.StartDoctypeDeclHandler, parser.StartElementHandler, parser.EndElementHandler = doctype, start, end
    read = 0
    with archive.open(part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            read += len(chunk)
            try:
                parser.Parse(chunk, not chunk)
            except _Root:
                return
            except expat.ExpatError as err:
                if not xml:
                    return
                raise _unreadable(path, f"part '{part.filename}': {expat.ErrorString(err.code)}, line {err.lineno}, "
                                        f"column {err.offset}") from None
            if not chunk:
                return
            if not elements and read >= PROLOG_BYTES:
                if xml:
                    raise _unreadable(path, f"part '{part.filename}' has no XML element in its first "
                                            f"{PROLOG_BYTES // 1024} KB")
                return


# --- while reading: the sheet's extent, its rows, columns and cells --------------------------------

def _worksheet(workbook: Workbook, path: Path, sheet: str | None) -> Any:
    names = [worksheet.title for worksheet in workbook.worksheets]
    if sheet is None:
        if not names:
            raise _unreadable(path, "the workbook has no worksheet")
        return workbook.worksheets[0]
    if sheet not in names:
        raise InputError(path, f"no sheet named '{sheet}'")
    return workbook[sheet]


def _read_sheet(worksheet: Any, path: Path, bounds: Bounds) -> list[list[object]]:
    """The rows of a read-only worksheet, refused the moment its extent passes a bound."""
    from openpyxl.cell.cell import TYPE_ERROR, TYPE_NUMERIC
    from openpyxl.utils import get_column_letter

    title = worksheet.title

    def value(cell: Any) -> object:
        """A cell's value as pandas reads it: empty ``""``, an error NaN, a whole number ``int``."""
        if cell.value is None:
            return ""
        if cell.data_type == TYPE_ERROR:
            return math.nan
        if cell.data_type == TYPE_NUMERIC:
            whole = int(cell.value)
            return whole if whole == cell.value else float(cell.value)
        return cell.value

    def refuse(problem: str, row: int | None = None, column: int | None = None) -> InputError:
        return InputError(path, problem, sheet=title, row=row, column=column and get_column_letter(column))

    stated_rows, stated_columns = worksheet.max_row, worksheet.max_column  # the <dimension>, if any
    if stated_rows and stated_columns and (stated_rows > bounds.rows or stated_columns > bounds.columns
                                           or stated_rows * stated_columns > bounds.cells):
        raise refuse(f"the sheet says it reaches {get_column_letter(stated_columns)}{stated_rows} (its dimension), "
                     f"beyond {_extent(bounds)}; delete what lies below and to the right of the table",
                     stated_rows, stated_columns)
    worksheet.reset_dimensions()  # the dimension may also be too small: read the cells that are there
    filled: dict[int, list[object]] = {}  # the rows with a value, by number: a run of empty rows costs nothing
    width = last = cells = 0
    for number, row in enumerate(worksheet.rows, start=1):  # openpyxl gives an empty row for each one missing
        if not row and number <= EXCEL_ROWS:
            continue
        wide = len(row) if len(row) > bounds.columns else None
        if number > bounds.rows:
            raise refuse(f"the sheet goes on to row {_number(number)}, beyond {_extent(bounds)}; delete the rows "
                         "below the table (empty-looking ones too)", number, wide)
        if wide:
            raise refuse(f"the sheet goes on to column {get_column_letter(wide)}, beyond {_extent(bounds)}; "
                         "delete the columns right of the table (empty-looking ones too)", number, wide)
        cells += len(row)
        values = [value(cell) for cell in row]
        while values and values[-1] == "":
            values.pop()
        if values:
            filled[number] = values
            last, width = number, max(width, len(values))
        if cells > bounds.cells or last * width > bounds.cells:
            raise refuse(f"the sheet has more than {_number(bounds.cells)} cells by row {_number(number)}, "
                         f"beyond {_extent(bounds)}", number)
    rows = [filled.get(number, []) for number in range(1, last + 1)]
    return [values + [""] * (width - len(values)) for values in rows]


# --- the frame as pandas builds it ----------------------------------------------------------------

def _column_names(heading: Sequence[object]) -> list[object]:
    """Headings as pandas names columns: an empty one ``Unnamed: i``, a repeated one ``name.1``, ``name.2``."""
    names = [f"Unnamed: {i}" if name == "" else name for i, name in enumerate(heading)]
    unnamed = [i for i, name in enumerate(heading) if name == ""]
    counts: dict[object, int] = {}
    for i in [i for i in range(len(names)) if i not in unnamed] + unnamed:  # given names keep theirs first
        name = original = names[i]
        count = counts.get(name, 0)
        while count > 0:
            counts[original] = count + 1
            name = f"{original}.{count}"
            count = count + 1 if name in names else counts.get(name, 0)
        names[i] = name
        counts[name] = count + 1
    return names


# --- words ------------------------------------------------------------------------------------

def _unreadable(path: Path, cause: object) -> InputError:
    """The one line for a file that is not a readable workbook, whatever the library said, in how many lines."""
    text = cause.args[0] if isinstance(cause, KeyError) and cause.args else cause
    text = re.sub(r"\s+", " ", str(text)).strip() or type(cause).__name__
    return InputError(path, f"not a readable xlsx workbook ({text[:300]})")


def _extent(bounds: Bounds) -> str:
    return (f"the {_number(bounds.rows)} rows, {_number(bounds.columns)} columns and {_number(bounds.cells)} cells "
            f"{bounds.kind} may have")


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _size(size: int) -> str:
    return f"{_number(math.ceil(size / MB))} MB" if size >= MB else f"{_number(size)} bytes"
