"""The budget workbook: cost posts per budget year, and the new cost each group must cover.

The workbook has one sheet, one row per post and budget year, with Norwegian
headings the secretariat types under (see ``BUDGET_COLUMNS``). A post marked as
already covered ("x" in *Dekket*) lies inside a budget adopted earlier and is not
distributed again. Each financing party puts a post's new cost on one or both
groups, ``specialist_health_service`` and ``municipalities``, in set fractions
(shared posts 50/50 by default).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from fractions import Fraction
from pathlib import Path

import pandas as pd

from .allocate import apportion
from .errors import InputError
from .xlsx import Bounds, read_table

SHEET = "Budsjett"
BUDGET_COLUMNS = {
    "Post": "post",
    "Kostnadselement": "cost_element",
    "År": "year",
    "Beløp (kr)": "amount_nok",
    "Dekket": "covered",
    "Finansiering": "financed_by",
}
GROUPS = ("specialist_health_service", "municipalities")
MAX_AMOUNT = 10**15  # kroner in a post or a year: far above any budget, far below 2**63 (and the sweep's bound)
_LIMIT = f"{MAX_AMOUNT:,}".replace(",", " ")  # as written to the reader: 1 000 000 000 000 000
# A budget has a row per post and year (tens of rows, a few thousand at most) and six columns the tool reads,
# beside any notes; a workbook past these bounds is no budget, and is refused before it is read.
BOUNDS = Bounds("a budget workbook", unpacked=50_000_000, parts=1_000, rows=100_000, columns=200, cells=1_000_000)
_YES = {"x", "*", "ja", "yes", "true", "1"}
_NO = {"", "nei", "no", "false", "0"}


def read_budget(path: str | Path, *, parties: Collection[str] | None = None, sheet: str = SHEET) -> pd.DataFrame:
    """Read and check the budget workbook; one past ``BOUNDS`` is refused before it is read (xlsx.py).

    Args:
        path: The xlsx workbook.
        parties: The financing parties that are allowed (from the project file);
            ``None`` accepts any.
        sheet: The sheet to read.

    Returns:
        ``post, cost_element, year, amount_nok, covered, financed_by``, one row per
        post and year, in the workbook's order.
    """
    path = Path(path)
    raw = read_table(path, bounds=BOUNDS, sheet=sheet)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in BUDGET_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(repr(c) for c in missing)}", sheet=sheet)
    raw = raw[list(BUDGET_COLUMNS)].dropna(how="all")
    rows = [_budget_row(row, path, sheet, int(i) + 2, parties) for i, row in raw.iterrows()]
    budget = pd.DataFrame(rows, columns=list(BUDGET_COLUMNS.values()))
    if budget.empty:
        raise InputError(path, "the budget has no rows", sheet=sheet)
    largest = budget.groupby("year")["amount_nok"].sum()
    if (largest > MAX_AMOUNT).any():
        raise InputError(path, f"the posts of {largest.idxmax()} add up to more than {_LIMIT} kr, the most this "
                               "tool splits exactly in 64-bit arithmetic", sheet=sheet)
    twice = budget.duplicated(["post", "year"])
    if twice.any():
        first = budget[twice].iloc[0]
        raise InputError(path, f"post {first['post']} appears twice for {first['year']}", sheet=sheet)
    return budget.astype({"year": "int64", "amount_nok": "int64", "covered": bool})


def _budget_row(row: pd.Series, path: Path, sheet: str, line: int, parties: Collection[str] | None) -> dict:
    def fail(column: str, problem: str) -> InputError:
        return InputError(path, problem, sheet=sheet, row=line, column=column)

    def text(column: str) -> str:
        value = row[column]
        return "" if pd.isna(value) else str(value).strip()

    post = text("Post")
    if not post:
        raise fail("Post", "the post number is empty")
    year = _whole_number(row["År"])
    if year is None or not 1900 <= year <= 2200:
        raise fail("År", f"'{text('År')}' is not a budget year")
    if not text("Beløp (kr)"):
        raise fail("Beløp (kr)", "the amount is empty (a formula has a value only once Excel has saved the file)")
    amount = _whole_number(row["Beløp (kr)"])
    if amount is None:
        raise fail("Beløp (kr)", f"'{text('Beløp (kr)')}' is not a whole number of kroner")
    if amount < 0:
        raise fail("Beløp (kr)", f"the amount {amount} is negative")
    if amount > MAX_AMOUNT:
        raise fail("Beløp (kr)", f"the amount {amount} is above {_LIMIT} kr, the most this tool splits "
                                 "exactly in 64-bit arithmetic")
    covered = text("Dekket").lower()
    if covered not in _YES | _NO:
        raise fail("Dekket", f"'{text('Dekket')}' is neither 'x' (already covered) nor empty")
    party = text("Finansiering")
    if parties is not None and party not in parties:
        raise fail("Finansiering", f"unknown financing party '{party}'; known: {', '.join(sorted(parties))}")
    return {"post": post, "cost_element": text("Kostnadselement"), "year": year, "amount_nok": amount,
            "covered": covered in _YES, "financed_by": party}


def _whole_number(value: object) -> int | None:
    """The integer in a cell (``1500``, ``1500.0``, ``"1 500"``), or None if it holds anything else."""
    if isinstance(value, bool) or value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else None
    digits = str(value).replace("\xa0", "").replace(" ", "").replace("kr", "").strip()
    try:
        return int(digits)
    except ValueError:
        return None


def new_cost(budget: pd.DataFrame, financing: Mapping[str, Mapping[str, Fraction]]) -> pd.DataFrame:
    """Put each post's new (not already covered) cost on the groups its financing party names.

    A shared post is split by the party's fractions with the same exact rounding
    as every other split, so the groups' parts add up to the post.

    Returns:
        ``year, post, cost_element, financed_by, group, amount_nok``: one row per
        uncovered post and group with a part in it.
    """
    rows = []
    for post in budget[~budget["covered"]].itertuples(index=False):
        fractions = pd.Series(financing[post.financed_by]).reindex(GROUPS, fill_value=Fraction(0))
        parts = apportion(post.amount_nok, fractions)
        rows += [{"year": post.year, "post": post.post, "cost_element": post.cost_element,
                  "financed_by": post.financed_by, "group": group, "amount_nok": amount}
                 for group, amount in parts.items() if fractions[group] > 0]
    columns = ["year", "post", "cost_element", "financed_by", "group", "amount_nok"]
    return pd.DataFrame(rows, columns=columns).astype({"year": "int64", "amount_nok": "int64"})


def group_totals(new_cost: pd.DataFrame) -> pd.DataFrame:
    """New cost per budget year and group: one row per year, one column per group, in kroner."""
    totals = new_cost.pivot_table(index="year", columns="group", values="amount_nok", aggfunc="sum", fill_value=0)
    return totals.reindex(columns=list(GROUPS), fill_value=0).astype("int64").rename_axis(columns=None)
