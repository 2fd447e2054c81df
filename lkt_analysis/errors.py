"""Errors an analyst can act on.

Every expected failure (bad input file, unknown key, wrong parameter) is an
``LktError``; the command line prints its message on one line and exits 2.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path


def shown(path: str | Path) -> str:
    """A path as the user would type it: relative to the current folder where it lies below it.

    Example:
        >>> shown(Path.cwd() / "data" / "x.csv") == str(Path("data") / "x.csv")
        True
    """
    path = Path(path)
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            pass
    return os.fspath(path)


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """``" (did you mean 'x'?)"`` for the choice nearest to a mistyped ``word``, or nothing when none is near.

    Example:
        >>> did_you_mean("bergen50", ["bergen_50", "per_capita"])
        " (did you mean 'bergen_50'?)"
    """
    near = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{near[0]}'?)" if near else ""


class LktWarning(UserWarning):
    """Something an analyst should know although the run goes on; the command line prints it on one line."""


class LktError(Exception):
    """Base class of the errors the command line reports without a traceback."""


class InputError(LktError):
    """An input file is missing, unreadable or holds a value that is wrong.

    The message names the file and, where known, the sheet, row and column.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        where = [shown(file)]
        if sheet is not None:
            where.append(f"sheet '{sheet}'")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {problem}")
        self.file = Path(file)
        self.sheet, self.row, self.column, self.problem = sheet, row, column, problem


class KeyDefinitionError(LktError):
    """A distribution key is unknown or its parameters are wrong."""


class ParameterError(LktError):
    """A report parameter is unknown, of the wrong type or has a value not allowed."""


class OutputError(LktError):
    """An output cannot be written where it was asked for (a folder in the way, no permission, ...)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{shown(path)}: {problem}")
        self.path, self.problem = Path(path), problem


class FetchError(LktError):
    """Population could not be fetched from Statistics Norway's API (offline, refused, a server error, a
    timeout, an answer that is damaged or lacks a municipality); nothing was written."""


class Interrupted(LktError):
    """A batch was stopped (Ctrl-C, SIGTERM): the reports finished so far are kept and listed."""

    def __init__(self, finished: int, total: int, index: str | Path) -> None:
        super().__init__(f"interrupted: {finished} of {total} reports finished; open {index}")
        self.finished, self.total = finished, total
