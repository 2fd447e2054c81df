"""Comparing distribution keys: what each municipality would pay, and who gains or loses against a reference.

The question the councils ask before they adopt a key: "what would my
municipality pay under that key, and how much more or less than under the
adopted one?" ``compare`` answers it for one budget year as one tidy frame (one
row per municipality and key) and a summary per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .distribution import Distribution, distribute
from .errors import KeyDefinitionError
from .keys import Key
from .text import words
from .project import Project

COMPARISON_COLUMNS = ["year", "key", "code", "name", "population", "share", "amount_nok", "nok_per_inhabitant",
                      "diff_nok", "diff_pct"]
SUMMARY_COLUMNS = ["key", "label", "min_nok_per_inhabitant", "max_nok_per_inhabitant", "max_min_ratio",
                   "cv_nok_per_inhabitant", "pay_more", "pay_less", "largest_gain_nok", "largest_gain_name",
                   "largest_loss_nok", "largest_loss_name"]


@dataclass(frozen=True)
class Comparison:
    """Several keys for one budget year, against a reference key.

    Attributes:
        project: The project.
        results: The distribution under each key, the reference first.
        table: ``COMPARISON_COLUMNS`` plus ``label`` (the key in words), one row
            per municipality and key, the reference's rows first; ``diff_nok`` is
            the amount minus the amount under the reference, ``diff_pct`` that
            difference in percent of the reference amount (empty where the
            reference amount is 0).
        summary: One row per key (``SUMMARY_COLUMNS``).
    """

    project: Project
    results: tuple[Distribution, ...]
    table: pd.DataFrame
    summary: pd.DataFrame

    @property
    def reference(self) -> Distribution:
        """The distribution every other is compared with."""
        return self.results[0]

    @property
    def year(self) -> int:
        """The budget year."""
        return self.reference.year

    def title(self) -> str:
        """The comparison report's title: project, budget year."""
        return words(self.project.language)("comparison.title", project=self.project.name,
                                            year=self.reference.spec.label)

    def about(self) -> dict[str, str]:
        """What this comparison is, in words, for the reader's footer and a workbook's title block."""
        w = words(self.project.language)
        return {w("about.project"): self.project.name, w("about.year"): self.reference.spec.label,
                w("comparison.reference"): self.reference.key_label,
                w("comparison.keys"): "; ".join(r.key_label for r in self.results[1:]),
                w("about.population"): w("about.population_value", year=self.reference.spec.population_year)}


def compare(project: Project, year: int, keys: Sequence[str | Key] | None = None,
            reference: str | Key | None = None) -> Comparison:
    """Compare ``keys`` (default: every municipal key of the project) for ``year`` against ``reference``
    (default: the project's adopted key).

    Keys are project key names or ``Key`` objects (e.g. variants from
    ``project.municipal_key("bergen_50", {"share": 0.4})``); each is computed once.

    Example:
        >>> from lkt_analysis import load_project, paths
        >>> c = compare(load_project(paths.DEFAULT_PROJECT), 2019, ["per_capita", "equal"])
        >>> c.table.query("code == '1201'")[["key", "amount_nok", "diff_nok"]].to_numpy().tolist()  # Bergen
        [['bergen_50', 762500, 0], ['per_capita', 940093, 177593], ['equal', 63542, -698958]]
    """
    keys = project.comparison_keys() if keys is None else keys
    chosen = [k if isinstance(k, Key) else project.municipal_key(k) for k in (reference, *keys)]
    unique = list({key.name: key for key in chosen}.values())
    if len(unique) < 2:
        raise KeyDefinitionError(f"nothing to compare: give at least one key other than the reference "
                                 f"'{unique[0].name}'")
    results = tuple(distribute(project, year, key) for key in unique)
    table = comparison_table(results)
    return Comparison(project, results, table, summarise(table))


def comparison_table(results: Sequence[Distribution]) -> pd.DataFrame:
    """The tidy comparison of ``results`` (the reference first); see :class:`Comparison`."""
    reference = results[0].municipalities.set_index("code")["amount_nok"]
    frames = []
    for result in results:
        rows = result.municipalities
        base = reference.reindex(rows["code"]).to_numpy()
        diff = rows["amount_nok"].to_numpy() - base
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(base > 0, diff / np.where(base > 0, base, 1) * 100, np.nan)
        frames.append(rows.assign(key=result.key.name, label=result.key_label, diff_nok=diff, diff_pct=pct))
    table = pd.concat(frames, ignore_index=True)
    return table[["year", "key", "label", *COMPARISON_COLUMNS[2:]]].astype(
        {"population": "int64", "amount_nok": "int64", "diff_nok": "int64"})


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Per key: the spread of kr per inhabitant and who gains or loses most against the reference.

    The coefficient of variation is the standard deviation of kr per inhabitant
    over the municipalities (each counted once, not weighted by population)
    divided by its mean. A gain is paying less than under the reference.
    """
    rows = []
    for key, group in table.groupby("key", sort=False):
        per = group["nok_per_inhabitant"]
        gain, loss = group.loc[group["diff_nok"].idxmin()], group.loc[group["diff_nok"].idxmax()]
        rows.append({
            "key": key, "label": group["label"].iloc[0],
            "min_nok_per_inhabitant": per.min(), "max_nok_per_inhabitant": per.max(),
            "max_min_ratio": per.max() / per.min() if per.min() > 0 else np.nan,
            "cv_nok_per_inhabitant": per.std(ddof=0) / per.mean() if per.mean() > 0 else np.nan,
            "pay_more": int((group["diff_nok"] > 0).sum()), "pay_less": int((group["diff_nok"] < 0).sum()),
            "largest_gain_nok": max(0, -int(gain["diff_nok"])),
            "largest_gain_name": gain["name"] if gain["diff_nok"] < 0 else "",
            "largest_loss_nok": max(0, int(loss["diff_nok"])),
            "largest_loss_name": loss["name"] if loss["diff_nok"] > 0 else "",
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
