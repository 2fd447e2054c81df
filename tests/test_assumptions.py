"""docs/assumptions.md: every assumption names the tests that pin it, and each of them exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = [line for line in (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8").splitlines()
        if re.match(r"\| \d+ \|", line)]


def pinned_by(row: str) -> list[tuple[str, str | None]]:
    """The tests a row names: ``tests/test_x.py::test_y``, then ``::test_z`` in the same file, or a whole file."""
    tests, file = [], None
    for reference in re.findall(r"`([^`]*)`", row.rstrip(" |").rsplit("|", 1)[-1]):
        path, _, name = reference.partition("::")
        file = path or file
        tests.append((file, name or None))
    return tests


def test_there_are_assumptions():
    assert len(ROWS) >= 30


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.split("|")[1].strip())
def test_every_assumption_names_tests_that_exist(row):
    tests = pinned_by(row)
    assert tests, "names no test"
    for file, name in tests:
        assert (ROOT / file).is_file(), file
        if name:
            assert re.search(rf"^def {name}\(", (ROOT / file).read_text(encoding="utf-8"), re.M), f"{file}::{name}"
