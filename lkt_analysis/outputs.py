"""Writing outputs so that nothing half-written is ever left behind.

Every file is written to a temporary file in the same folder and renamed into
place only when complete; a failure removes the temporary file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import OutputError, ParameterError


def made_at() -> datetime:
    """When an output is made: now (local time), or ``SOURCE_DATE_EPOCH`` when it is set, as reproducible
    builds do, so that the same inputs can give the same files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return datetime.now().astimezone()
    if not epoch.strip().isdigit():
        raise ParameterError(f"SOURCE_DATE_EPOCH '{epoch}' is not a whole number of seconds since 1970")
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on failure it is removed.

    Example:
        >>> folder = Path(tempfile.mkdtemp())
        >>> with atomic_path(folder / "out.csv") as tmp:
        ...     _ = tmp.write_text("a,b\\n1,2\\n", encoding="utf-8")
        >>> [p.name for p in folder.iterdir()]  # the whole file, under its name, and nothing else
        ['out.csv']
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, "is a folder: give a file name")
    output_folder(path.parent)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:
        raise OutputError(path.parent, f"nothing can be written here: {why(err)}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            yield tmp
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except OSError as err:
            raise OutputError(path, f"cannot be written: {why(err)}; nothing was changed") from None
    finally:
        tmp.unlink(missing_ok=True)


def move(source: Path, target: Path) -> None:
    """Move a finished file into place (one rename), or say in one line why it cannot be."""
    try:
        os.replace(source, target)
    except OSError as err:
        raise OutputError(target, f"cannot be written: {why(err)}; nothing was changed") from None


def why(err: OSError) -> str:
    """Why a file could not be written, and what to do, in words an analyst acts on."""
    if err.errno == errno.ENOSPC or err.errno == errno.EDQUOT:
        return "the disk is full; make room and run again"
    if err.errno == errno.EROFS:
        return "the folder is read-only; write somewhere else (-o or --out)"
    if isinstance(err, PermissionError):
        return ("it is open in another program (Excel?) or the folder is not yours to write in; close it there, "
                "or write somewhere else, and run again")
    return err.strerror or str(err)


def output_folder(folder: str | Path) -> Path:
    """Make sure ``folder`` exists and is a folder; an error that names it otherwise."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise OutputError(folder, f"cannot be a folder: the file {blocking} is in the way") from None
        raise OutputError(folder, f"cannot be created: {why(err)}") from None
    return folder


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV, comma-separated, without its index, atomically.

    A text cell that starts like a formula (``=``, ``+``, ``-``, ``@``) gets a leading ``'``, so that a
    spreadsheet opening the file shows it as text and never runs it.
    """
    def as_text(values: pd.Series) -> pd.Series:
        if isinstance(values.dtype, pd.CategoricalDtype):
            return values.cat.rename_categories(lambda v: f"'{v}" if str(v)[:1] in "=+-@" else v)
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            return values.map(lambda v: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v)
        return values

    with atomic_path(path) as tmp:
        table.apply(as_text).to_csv(tmp, index=False, float_format="%.10g")
    return Path(path)


def save_workbook(workbook: Any, path: str | Path) -> Path:
    """Save an openpyxl workbook atomically, the same inputs on the same day giving the same bytes.

    openpyxl stamps the file with the clock time (document properties and every
    zip entry); both are set to midnight of the day it was made (``made_at``).
    """
    import io
    import re
    import zipfile

    day = made_at().replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    workbook.properties.created = day
    buffer = io.BytesIO()
    workbook.save(buffer)
    with atomic_path(path) as tmp, zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                stamp = f"{day:%Y-%m-%dT%H:%M:%SZ}".encode()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            target.writestr(zipfile.ZipInfo(item.filename, date_time=day.timetuple()[:6]), data,
                            compress_type=zipfile.ZIP_DEFLATED)
    return Path(path)
