"""One budget year under one key, computed once: the result every table, chart and spreadsheet shows.

``distribute`` reads the year's new cost, the municipalities with their
population, the key's exact shares and the whole-krone amounts once; the report,
the spreadsheet, the comparison and the batch take the ``Distribution`` it returns
instead of computing the allocation again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from . import budget as budget_, keys
from .allocate import apportion_steps
from .keys import Key
from .text import words
from .project import (HOSPITALS, MUNICIPALITIES, BudgetYear, Project, budget_year, decision_years, members,
                      municipal_key, new_cost)

ALLOCATION_COLUMNS = ["year", "group", "code", "name", "population", "share", "amount_nok"]


@dataclass(frozen=True)
class Distribution:
    """Who pays how much in one budget year under one key, with everything it was computed from.

    Attributes:
        project: The project the year belongs to.
        year: The budget year.
        key: The municipalities' key, its codes moved to the year's municipalities.
        members: The year's municipalities: ``code, name, cooperation_council,
            population`` and one column per age group, by code.
        posts: The year's new cost per post and group (:func:`lkt_analysis.budget.new_cost`).
        shares: Each municipality's exact share (``Fraction``), by code.
        rounding: How each municipality's amount was rounded, by code
            (:func:`lkt_analysis.allocate.apportion_steps`).
        table: The invoicing rows ``year, group, code, name, population, share, amount_nok``.
    """

    project: Project
    year: int
    key: Key
    members: pd.DataFrame
    posts: pd.DataFrame
    shares: pd.Series
    rounding: pd.DataFrame
    table: pd.DataFrame

    @property
    def spec(self) -> BudgetYear:
        """The budget year as the project file defines it (label, population date)."""
        return self.project.years[self.year]

    @property
    def totals(self) -> dict[str, int]:
        """New cost per group, in whole kroner, both groups always present."""
        sums = self.table.groupby("group")["amount_nok"].sum()
        return {group: int(sums.get(group, 0)) for group in (HOSPITALS, MUNICIPALITIES)}

    @property
    def municipal_total(self) -> int:
        """The municipalities' new cost, the amount the key spreads."""
        return self.totals[MUNICIPALITIES]

    @cached_property
    def adopted_key(self) -> Key:
        """The project's adopted key, as adopted, for this year's municipalities."""
        return municipal_key(self.project, None, self.year)

    @property
    def adopted(self) -> bool:
        """Whether the municipalities' key is the project's adopted one, as adopted (not a variant of it)."""
        adopted = self.adopted_key
        return (self.key.name, self.key.kind, self.key.params) == (adopted.name, adopted.kind, adopted.params)

    @cached_property
    def key_text(self) -> str:
        """The municipal key in one sentence, in the project's written standard."""
        return keys.describe(self.members, self.key, self.project.language)

    @cached_property
    def adopted_label(self) -> str:
        """The project's adopted key in a few words, for this year's municipalities: what an alternative is not."""
        return keys.label(self.members, self.adopted_key, self.project.language)

    @cached_property
    def key_label(self) -> str:
        """The municipal key in a few words, in the project's written standard."""
        return keys.label(self.members, self.key, self.project.language)

    def title(self) -> str:
        """The report's title: project, budget year and key in words."""
        return words(self.project.language)("report.title", project=self.project.name, year=self.spec.label,
                                             key=self.key_label)

    def about(self) -> dict[str, str]:
        """What this result is, in words, for the reader's footer and a workbook's title block."""
        w = words(self.project.language)
        by = f", {self.project.adopted_by}" if self.adopted and self.project.adopted_by else ""
        return {w("about.project"): self.project.name, w("about.year"): self.spec.label,
                w("about.key"): f"{self.key_label}{by}. {self.key_text}",
                w("about.population"): w("about.population_value", year=self.spec.population_year)}

    @cached_property
    def municipalities(self) -> pd.DataFrame:
        """The municipalities' rows with their council and kr per inhabitant, by code."""
        rows = self.table[self.table["group"] == MUNICIPALITIES].merge(
            self.members[["code", "cooperation_council"]], on="code", validate="1:1")
        return rows.assign(nok_per_inhabitant=rows["amount_nok"] / rows["population"].astype("float64"))

    @cached_property
    def hospitals(self) -> pd.DataFrame:
        """The specialist health service's rows."""
        return self.table[self.table["group"] == HOSPITALS].reset_index(drop=True)


def distribute(project: Project, year: int, key: str | Key | None = None) -> Distribution:
    """Compute ``year`` under ``key`` (default: the project's) once, for everything that shows it.

    The municipalities' new cost is spread by ``key``, the specialist health
    service's by the project's hospital key; each group's amounts are whole kroner
    adding up exactly to the group's total.

    Example:
        >>> from lkt_analysis import load_project, paths
        >>> result = distribute(load_project(paths.DEFAULT_PROJECT), 2019)
        >>> result.totals["municipalities"]
        1525000
    """
    budget_year(project, year)
    posts = new_cost(project, year)
    totals = budget_.group_totals(posts).reindex([year], fill_value=0).loc[year]
    municipal = members(project, year)
    chosen = municipal_key(project, key, year)
    steps = {}
    for group, group_members, group_key in (
        (MUNICIPALITIES, municipal, chosen),
        (HOSPITALS, project.hospitals.assign(population=pd.NA), project.keys[project.hospital_key]),
    ):
        share = keys.shares(group_members, group_key)
        steps[group] = (group_members, share, apportion_steps(int(totals[group]), share))
    table = pd.concat([group_members.assign(year=year, group=group, share=share.map(float).to_numpy(),
                                            amount_nok=rounding["amount_nok"].to_numpy())
                       for group, (group_members, share, rounding) in steps.items()], ignore_index=True)
    table = table[ALLOCATION_COLUMNS].astype(
        {"year": "int64", "population": "Int64", "share": "float64", "amount_nok": "int64"})
    _, municipal_shares, rounding = steps[MUNICIPALITIES]
    return Distribution(project, year, chosen, municipal, posts, municipal_shares, rounding, table)


def distribute_years(project: Project, year: int, key: str | Key | None = None) -> dict[int, Distribution]:
    """``year`` and every budget year its decision text covers (:func:`decision_years`), each computed once."""
    return {y: distribute(project, y, key) for y in decision_years(project, year)}
