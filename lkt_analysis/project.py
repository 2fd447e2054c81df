"""A project: its inputs, budget years and keys, read from a TOML project file, and its allocation.

Another project of the same councils is a new project file and budget workbook,
not new code. Paths in the project file are relative to the file itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd

from . import budget as budget_, keys, norwegian as no, population as population_
from .allocate import as_fraction
from .errors import InputError, KeyDefinitionError, did_you_mean
from .text import LANGUAGES, words
from .keys import Key

MUNICIPALITIES, HOSPITALS = "municipalities", "specialist_health_service"


@dataclass(frozen=True)
class BudgetYear:
    """A budget year: its label for the reader and the population date it uses (1 January)."""

    year: int
    label: str
    population_year: int


@dataclass(frozen=True)
class Project:
    """Everything one project's allocation is computed from, read and checked once."""

    name: str
    short_name: str
    language: str  # the written standard of everything the reader sees: "nn" (nynorsk) or "nb" (bokmål)
    adopted_by: str | None  # who adopted the project's key, and when, as the councils' papers say it
    attachment: str  # the title of the workbook each municipality adopts, as the decision cites it
    decision: str  # the proposed decision, with {municipality} and {amounts} to fill in
    path: Path
    years: Mapping[int, BudgetYear]
    keys: Mapping[str, Key]
    key: str
    hospital_key: str
    financing: Mapping[str, Mapping[str, Fraction]]
    hospitals: pd.DataFrame
    budget: pd.DataFrame
    population: pd.DataFrame
    municipalities: pd.DataFrame
    budget_file: Path
    register_file: Path
    population_files: tuple[Path, ...]
    _by_year: dict[tuple[str, int], pd.DataFrame] = field(default_factory=dict, init=False, repr=False,
                                                          compare=False)  # members and new cost, once a year

    @property
    def file_prefix(self) -> str:
        """How the names of this project's output files begin (its short name, fit for a file name), so that
        two projects' outputs can share a folder."""
        return keys.safe_name(self.short_name.lower())

    @property
    def inputs(self) -> tuple[Path, ...]:
        """Every file the project was read from, the project file first."""
        return (self.path, self.budget_file, self.register_file, *self.population_files)

    def municipal_keys(self) -> list[str]:
        """Names of the keys the project file defines to spread the municipalities' cost."""
        return [name for name in self.keys if name != self.hospital_key]

    def standard_keys(self) -> list[str]:
        """Names of the standard keys (``keys.STANDARD``) that the project file does not define itself."""
        return [name for name in keys.STANDARD if name not in self.keys]

    def comparison_keys(self) -> list[str]:
        """The keys a comparison takes by default: the project's own, and the standard keys too where the
        project has only one of its own (there is nothing else to compare it with)."""
        own = self.municipal_keys()
        return own if len(own) > 1 else own + self.standard_keys()

    def municipal_key(self, name: str | None = None, params: Mapping[str, Any] | None = None) -> Key:
        """The municipal key called ``name`` (default: the project's, or else a standard key), with ``params``
        changed if given.

        Example:
            >>> from lkt_analysis import paths
            >>> load_project(paths.DEFAULT_PROJECT).municipal_key("bergen_50", {"share": 0.4}).name
            'bergen_50_share-0.4'
        """
        name = name or self.key
        key = self.keys.get(name) if name != self.hospital_key else None
        if key is None and name in self.standard_keys():
            key = keys.STANDARD[name]
        if key is None:
            known = self.municipal_keys() + self.standard_keys()
            raise KeyDefinitionError(f"unknown key '{name}'{did_you_mean(name, known)}; keys: {', '.join(known)}")
        return keys.variant(key, params or {})


def load_project(
    path: str | Path,
    *,
    budget: str | Path | None = None,
    population: str | Path | Iterable[str | Path] | None = None,
) -> Project:
    """Read a project file and every input it names; ``budget`` and ``population`` override the file's.

    Paths written in the project file are relative to the file's folder (``..`` and absolute paths are
    allowed, e.g. a population folder shared by several projects; a backslash is read as a folder
    separator); ``path``, ``budget`` and ``population`` are relative to the current folder. The project
    keeps every path absolute, so that a report kernel running in another folder finds the same files.
    """
    path = Path(path)
    try:
        spec = tomllib.loads(path.read_bytes().decode("utf-8-sig"))  # a BOM (Windows Notepad) is no TOML
    except FileNotFoundError:
        raise InputError(path, "project file not found (name one with --project)") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(path, f"not a readable TOML project file ({err})") from None
    meta = _table(spec, "project", path)
    language = meta.get("language")
    if language not in LANGUAGES:
        raise InputError(path, f"[project] language must be \"nn\" (nynorsk) or \"nb\" (bokmål), the written "
                               f"standard of the reports, not {language!r}")

    def required(table: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
        if name not in table:
            raise InputError(path, f"[{where}] has no '{name}'")
        return optional(table, name, kind, where)

    def optional(table: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
        value = table.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise InputError(path, f"[{where}] '{name}' must be a {_KIND_WORDS.get(kind, kind.__name__)}, "
                                   f"not {value!r}")
        return value

    def tables(name: str) -> Mapping[str, Mapping[str, Any]]:
        entries = _table(spec, name, path)
        for entry, table in entries.items():
            if not isinstance(table, dict):
                raise InputError(path, f"[{name}] '{entry}' must be a table such as [{name}.{entry}], "
                                       f"not {table!r}")
        return entries

    years = {}
    for label, table in tables("years").items():
        if not label.isdigit():
            raise InputError(path, f"[years.{label}]: the budget year must be a year such as 2019")
        years[int(label)] = BudgetYear(int(label), optional(table, "label", str, f"years.{label}") or label,
                                       required(table, "population_year", int, f"years.{label}"))
    all_keys = {}
    for name, table in tables("keys").items():
        where = f"keys.{name}"
        try:
            all_keys[name] = Key(name, required(table, "kind", str, where),
                                 {k: v for k, v in table.items() if k not in ("kind", "title", "label")},
                                 optional(table, "title", str, where), optional(table, "label", str, where))
            if all_keys[name].age_group is not None:
                population_.age_band(str(all_keys[name].age_group))
        except (KeyDefinitionError, ValueError) as err:
            raise InputError(path, f"[{where}]: {err}") from None
        codes = table.get("codes", [])
        if isinstance(codes, list) and len(set(codes)) != len(codes):
            raise InputError(path, f"[{where}]: a municipality is named twice in codes {codes}")
    default_key, hospital_key = required(meta, "key", str, "project"), required(meta, "hospital_key", str, "project")
    for name in (default_key, hospital_key):
        if name not in all_keys:
            raise InputError(path, f"key '{name}' is not defined under [keys]")
    financing = {}
    for party, groups in _table(spec, "financing", path).items():
        if not isinstance(groups, dict):
            raise InputError(path, f"[financing] '{party}' must be a table such as "
                                   f"{{ {MUNICIPALITIES} = 0.5, {HOSPITALS} = 0.5 }}, not {groups!r}")
        unknown = set(groups) - {MUNICIPALITIES, HOSPITALS}
        if unknown:
            raise InputError(path, f"[financing] '{party}': unknown group(s) {sorted(unknown)}; "
                                   f"groups: {MUNICIPALITIES}, {HOSPITALS}")
        try:
            fractions = {group: as_fraction(share) for group, share in groups.items()}
        except (TypeError, ValueError, ZeroDivisionError):
            raise InputError(path, f"[financing] '{party}': the fractions must be numbers such as 0.5, "
                                   f"not {groups}") from None
        if sum(fractions.values()) != 1 or min(fractions.values()) < 0:
            raise InputError(path, f"[financing] '{party}': the groups' fractions must add up to 1")
        financing[party] = fractions
    decision = spec.get("decision", {})
    if not isinstance(decision, dict):
        raise InputError(path, "[decision] must be a table with text = \"...\"")
    decision_text = optional(decision, "text", str, "decision") or words(language)("decision.text")
    for needed in ("{municipality}", "{amounts}"):
        if needed not in decision_text:
            raise InputError(path, f"[decision] text must name {needed}, where the municipality's name and its "
                                   f"amounts go: {decision_text!r}")
    hospital_names = _table(spec, "hospitals", path)
    if not all(isinstance(name, str) for name in hospital_names.values()):
        raise InputError(path, "[hospitals]: each hospital is code = \"name\", e.g. helse_bergen = \"Helse Bergen HF\"")
    hospitals = pd.DataFrame(list(hospital_names.items()), columns=["code", "name"])

    def relative(value: str) -> Path:
        return path.absolute().parent / value.replace("\\", "/")

    budget_path = Path(budget).absolute() if budget is not None else relative(required(meta, "budget", str, "project"))
    register_path = relative(required(meta, "municipalities", str, "project"))
    if population is None:
        listed = required(meta, "population", list, "project")
        if not all(isinstance(p, str) for p in listed):
            raise InputError(path, "[project] 'population' must be a list of file names in quotes")
        population = [relative(p) for p in listed]
    population_paths = [Path(p).absolute() for p in
                        ([population] if isinstance(population, (str, Path)) else population)]
    if not population_paths:
        raise InputError(path, "[project] 'population' names no file")
    age_groups = list(dict.fromkeys([*population_.AGE_GROUPS,
                                     *(k.age_group for k in all_keys.values() if k.age_group)]))

    register = population_.read_municipalities(register_path)
    budget_frame = budget_.read_budget(budget_path, parties=financing)
    unknown_years = sorted(set(budget_frame["year"]) - set(years))
    if unknown_years:
        raise InputError(budget_path, f"budget year {unknown_years[0]} is not a year of the project file {path} "
                                      f"(years: {', '.join(map(str, years))})", sheet=budget_.SHEET)
    empty_years = sorted(set(years) - set(budget_frame["year"]))
    if empty_years:
        raise InputError(budget_path, f"no budget rows for {empty_years[0]}, a year of the project file",
                         sheet=budget_.SHEET)
    try:
        population_frame = population_.read_population(population_paths, age_groups=age_groups,
                                                       codes=register["code"])
    except population_.AgeGroupBeyondData as err:  # the key asks too much of the files: the project file's fault
        name = next(name for name, key in all_keys.items() if key.age_group == err.label)
        raise InputError(path, f"[keys.{name}] age_group '{err.label}': the population file {err.file.name} "
                               f"gives ages up to {err.oldest}") from None
    project = Project(
        name=optional(meta, "name", str, "project") or path.stem,
        short_name=optional(meta, "short_name", str, "project") or path.stem, language=language,
        adopted_by=optional(meta, "adopted_by", str, "project"),
        attachment=optional(decision, "attachment", str, "decision") or words(language)("decision.attachment"),
        decision=decision_text, path=path.absolute(), years=years,
        keys=all_keys, key=default_key, hospital_key=hospital_key, financing=financing, hospitals=hospitals,
        budget=budget_frame, population=population_frame,
        municipalities=register, budget_file=budget_path, register_file=register_path,
        population_files=tuple(population_paths),
    )
    counted = sorted(set(project.population["year"]))
    for spec in years.values():
        if spec.population_year not in counted:
            raise InputError(path, f"[years.{spec.year}] population_year {spec.population_year}: the population "
                                   f"files ({', '.join(p.name for p in population_paths)}) hold 1 January of "
                                   f"{', '.join(map(str, counted))} only")
    _check_keys(project)
    return project


_KIND_WORDS = {str: "text in quotes", int: "whole number", list: "list such as [\"a\", \"b\"]"}


def _check_keys(project: Project) -> None:
    """Compute every key for every budget year once, so that a wrong key is refused when the project is
    read, naming the project file and the key, not when a report happens to use it."""
    for year in project.years:
        municipalities = members(project, year)
        for name in project.municipal_keys():
            try:
                keys.shares(municipalities, municipal_key(project, name, year))
            except KeyDefinitionError as err:
                raise InputError(project.path, f"[keys.{name}] for {year}: {err}") from None
    try:
        keys.shares(project.hospitals.assign(population=pd.NA), project.keys[project.hospital_key])
    except KeyDefinitionError as err:
        raise InputError(project.path, f"[keys.{project.hospital_key}]: {err}") from None


def _table(spec: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any]:
    table = spec.get(name)
    if not isinstance(table, dict) or not table:
        raise InputError(path, f"the project file needs a [{name}] table")
    return table


def budget_year(project: Project, year: int) -> BudgetYear:
    """The project's budget year ``year``, or an error naming the years there are."""
    if year not in project.years:
        near = did_you_mean(year, project.years)
        raise InputError(project.path, f"{year} is not a budget year of the project{near}; "
                                       f"budget years: {', '.join(map(str, project.years))}")
    return project.years[year]


def new_cost(project: Project, year: int) -> pd.DataFrame:
    """The year's new cost per post and group (see :func:`lkt_analysis.budget.new_cost`); computed once per
    project and year, a copy each time."""
    budget_year(project, year)
    if ("new_cost", year) not in project._by_year:
        project._by_year["new_cost", year] = budget_.new_cost(project.budget[project.budget["year"] == year],
                                                              project.financing)
    return project._by_year["new_cost", year].copy()


def members(project: Project, year: int) -> pd.DataFrame:
    """The municipalities of ``year`` with their population at the year's population date; computed once per
    project and year, a copy each time."""
    spec = budget_year(project, year)
    if ("members", year) not in project._by_year:
        project._by_year["members", year] = population_.members(
            project.population, project.municipalities, year=year, population_year=spec.population_year,
            sources=(" + ".join(map(str, project.population_files)), str(project.register_file)))
    return project._by_year["members", year].copy()


def municipal_key(project: Project, key: str | Key | None, year: int) -> Key:
    """The municipal key by name (default: the project's), its codes moved to the year's municipalities.

    A key written with pre-2020 codes (Bergen 1201) still works for 2020 (Bergen 4601). Where a
    merger changed whom the key covers (Os became part of Bjørnafjorden), the key's written label
    and title no longer hold: it gets words made from the municipalities it covers that year, and a
    note on the merger.
    """
    if not isinstance(key, Key):
        key = project.municipal_key(key)
    register = project.municipalities
    on = date(year, 1, 1)

    def move(code: str) -> str:
        try:
            return population_.successor_on(register, str(code), on)
        except KeyError as err:
            raise KeyDefinitionError(f"key '{key.name}': {err.args[0]}") from None

    params, written = dict(key.params), []
    for param, how in keys.KINDS[key.kind].places.items():  # the parameters that name municipalities
        codes = [str(params[param])] if how == "code" else list(map(str, params[param]))
        written += codes
        if how == "weights":  # merged municipalities' weights add up
            moved: dict[str, Fraction] = {}
            for code, weight in params[param].items():
                moved[move(code)] = moved.get(move(code), Fraction(0)) + as_fraction(weight)
            params[param] = moved
        else:
            successors = list(dict.fromkeys(map(move, codes)))
            params[param] = successors[0] if how == "code" else successors
    predecessors = register["successor_code"].value_counts()
    merged = [c for c in written if c in set(register["code"]) and move(c) != c and predecessors.get(move(c), 0) > 1]
    if not merged:
        return Key(key.name, key.kind, params, key.title, key.label)
    by_code = register.set_index("code")
    moved_key = Key(key.name, key.kind, params)
    w = words(project.language)
    note = no.join([w("key.merged", old=by_code.at[c, "name"], year=by_code.at[move(c), "valid_from"].year,
                      new=by_code.at[move(c), "name"]) for c in merged])
    sentence = keys.describe(members(project, year), moved_key, project.language)
    return Key(key.name, key.kind, params, title=f"{sentence} {note[:1].upper()}{note[1:]}.")


def decision_years(project: Project, year: int) -> list[int]:
    """The budget years a decision text covers with ``year``: those with the same municipalities.

    A municipality adopts its share for every budget year of the project on its
    side of a municipal reform (seed 000: "kr. Xxxx for 2018 og kr. Xxxx for 2019"),
    whatever years a batch happens to run, so the same file always says the same.
    """
    budget_year(project, year)

    def codes(y: int) -> set[str]:
        return set(population_.existing(project.municipalities, date(y, 1, 1))["code"])

    return [y for y in sorted(project.years) if codes(y) == codes(year)]
