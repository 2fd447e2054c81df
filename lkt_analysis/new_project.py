"""A new project folder that works at once: ``lkt new FOLDER``.

It holds what :func:`lkt_analysis.project.load_project` reads, each file explained
where the analyst will change it: the project file (every field commented), the
budget workbook as the loader reads it (an example row for each financing party,
drop-down lists for the financing party and *Dekket*, amounts formatted), the
municipality register of the chosen municipalities, the newest population download
the tool has, and a README with the next steps. The folder is made beside its final
place and renamed into it only once the project in it loads, so a failed ``lkt new``
leaves nothing behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from . import paths
from .allocate import as_fraction
from .budget import BUDGET_COLUMNS, SHEET
from .errors import OutputError, ParameterError
from .keys import safe_name
from .population import existing, read_municipalities
from .text import LANGUAGES, Words, words

PROJECT_FILE, BUDGET_FILE, REGISTER_FILE, POPULATION_FOLDER = (
    "project.toml", "budget.xlsx", "municipalities.csv", "ssb")
# the newest population download bundled with the tool (1 January 2022); `lkt population fetch` gets newer ones
NEWEST_POPULATION = (paths.DATA_RAW / "ssb" / "07459_Personer2022.csv", 2022)
# financing parties of a new project (their names in the catalogue, new.NAME): the group(s) each puts its posts on,
# and an example post's amount
FINANCING = {
    "hospitals": ({"specialist_health_service": 1}, 400_000),
    "municipalities": ({"municipalities": 1}, 300_000),
    "shared": ({"specialist_health_service": 0.5, "municipalities": 0.5}, 50_000),
}
ROWS = 500  # budget rows that get the drop-down lists and formats


@dataclass(frozen=True)
class AdoptedKey:
    """The key a new project adopts: an ``anchor`` municipality's ``share`` and the rest by population; or,
    without an anchor, a ``fixed`` part split equally and the rest by population (by population alone where
    ``fixed`` is 0)."""

    anchor: str | None = None
    share: float = 0.5
    fixed: float = 0.0

    def toml(self, names: pd.Series) -> tuple[str, str]:
        """The key's name and its ``[keys.NAME]`` table, for the municipalities ``names`` (by code)."""
        def percent(value: float) -> str:
            return f"{float(as_fraction(value)) * 100:g}".replace(".", "_")

        if self.anchor is not None:
            name = safe_name(f"{names[self.anchor].lower()}_{percent(self.share)}")
            return name, (f'[keys.{name}]\nkind = "anchor"    # one municipality pays a fixed share, the others '
                          f'the rest by population\ncode = "{self.anchor}"    # {names[self.anchor]}\n'
                          f"share = {self.share}    # its share of the municipalities' cost (0.5 = 50 %)\n")
        if not self.fixed:
            return "per_capita", '[keys.per_capita]\nkind = "per_capita"    # by population\n'
        name = f"fixed_{percent(self.fixed)}_per_capita"
        return name, (f'[keys.{name}]\nkind = "fixed_plus_per_capita"    # a fixed part split equally, the rest '
                      f"by population\nfixed = {self.fixed}    # the part split equally (0.3 = 30 %)\n")


def create_project(
    folder: str | Path,
    *,
    name: str | None = None,
    short_name: str | None = None,
    codes: Sequence[str] | None = None,
    key: AdoptedKey | None = None,
    year: int | None = None,
    language: str = "nn",
) -> Path:
    """Make a working project in ``folder`` (new or empty) and return its project file.

    Args:
        folder: Where the project goes.
        name: The project's name as its papers write it (default: an example name).
        short_name: What output file names begin with (default: the folder's name).
        codes: The municipalities, by 4-digit code (default: those of the bundled register that exist
            on 1 January of the budget year: today's 18 around Bergen).
        key: The adopted key (default: Bergen 50 %, the rest by population, if Bergen is one of several
            members; else by population alone). An anchor needs others to share the rest.
        year: The first budget year (default: next year).
        language: The written standard of its reports and workbooks: ``"nn"`` (nynorsk, as most councils
            around Bergen write) or ``"nb"`` (bokmål).
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(folder, "is there already and not an empty folder: give a new folder for the project")
    year = year or date.today().year + 1
    population_file, population_year = NEWEST_POPULATION
    if not population_file.is_file():
        raise ParameterError("lkt new copies the municipality register and population bundled in a checkout of "
                             "the project (installed with pip install -e .), and there is none here")
    register = _register(codes, year)
    names = register.set_index("code")["name"]
    if key is None:  # Bergen's share where Bergen is one of several
        key = AdoptedKey(anchor="4601") if "4601" in names and len(names) > 1 else AdoptedKey()
    if key.anchor is not None and key.anchor not in names:
        raise ParameterError(f"--anchor {key.anchor} is not one of the project's municipalities "
                             f"({', '.join(names.index)})")
    if key.anchor is not None and len(names) == 1:
        raise ParameterError(f"--anchor {key.anchor}: a municipality's fixed share needs other municipalities to "
                             "share the rest; name more with --municipalities, or leave out --anchor")
    if language not in LANGUAGES:
        raise ParameterError(f"--language {language}: write nn (nynorsk) or nb (bokmål)")
    w = words(language)
    short_name = short_name or folder.absolute().name
    name = name or w("new.name", short_name=short_name)
    parent = folder.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    except OSError as err:
        raise OutputError(folder, f"cannot be created ({err.strerror})") from None
    try:
        (staging / POPULATION_FOLDER).mkdir()
        shutil.copyfile(population_file, staging / POPULATION_FOLDER / population_file.name)
        register.to_csv(staging / REGISTER_FILE, index=False)
        write_budget_template(staging / BUDGET_FILE, year, w)
        key_name, key_table = key.toml(names)

        def quoted(text: str) -> str:
            return json.dumps(text, ensure_ascii=False)  # JSON's escapes are TOML's too

        project_text = PROJECT_TEMPLATE.format(
            title=name, name=quoted(name), short_name=quoted(short_name), language=quoted(language),
            decision=quoted(w("decision.text")), attachment=quoted(w("decision.attachment")),
            hospital=quoted(w("new.hospital")), hospital_key=quoted(w("new.hospital_key")),
            population=quoted(f"{POPULATION_FOLDER}/{population_file.name}"), key=key_name, year=year,
            population_year=population_year, key_table=key_table, made=date.today().isoformat(),
            financing="\n".join(f"{quoted(w(f'new.{party}'))} = {{ "
                                + ", ".join(f"{group} = {share}" for group, share in groups.items()) + " }"
                                for party, (groups, _) in FINANCING.items()))
        (staging / PROJECT_FILE).write_text(project_text, encoding="utf-8")
        (staging / "README.md").write_text(README.format(name=name, folder=folder, project=folder / PROJECT_FILE,
                                                         year=year, next=year + 1), encoding="utf-8")
        from .project import load_project

        load_project(staging / PROJECT_FILE)  # it works, or nothing is left
        if folder.exists():
            folder.rmdir()
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder / PROJECT_FILE


def _register(codes: Sequence[str] | None, year: int) -> pd.DataFrame:
    """The bundled register's rows for ``codes`` (default: every municipality that exists in ``year``)."""
    register = read_municipalities(paths.DATA_RAW / "municipalities.csv")
    alive = existing(register, date(year, 1, 1))
    if codes is None:
        return alive.reset_index(drop=True)
    unknown = [code for code in codes if code not in set(alive["code"])]
    if unknown:
        raise ParameterError(f"--municipalities: {', '.join(unknown)} not among the municipalities of "
                             f"{year} ({', '.join(alive['code'] + ' ' + alive['name'])})")
    if len(set(codes)) != len(codes):
        raise ParameterError("--municipalities: a code is given twice")
    return alive[alive["code"].isin(codes)].reset_index(drop=True)


def write_budget_template(path: Path, year: int, w: Words) -> Path:
    """The budget workbook as ``read_budget`` reads it: one example row per financing party, drop-down lists
    for *Finansiering* and *Dekket*, whole kroner formatted, the headings frozen; its words from ``w``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(list(BUDGET_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, (party, (_, amount)) in enumerate(FINANCING.items(), start=1):
        sheet.append([str(number), w(f"new.{party}_post"), year, amount, None, w(f"new.{party}")])
    lists = workbook.create_sheet("Lister")
    lists.append(["Finansiering", "Dekket"])
    for row, party in enumerate(FINANCING, start=2):
        lists.cell(row, 1, w(f"new.{party}"))
    lists.cell(2, 2, "x")
    lists.sheet_state = "hidden"
    last = ROWS + 1
    rules = [
        (DataValidation(type="list", formula1=f"=Lister!$A$2:$A${len(FINANCING) + 1}", allow_blank=False,
                        error=w("new.party_error"), errorTitle=w("new.party_title")), f"F2:F{last}"),
        (DataValidation(type="list", formula1="=Lister!$B$2", allow_blank=True,
                        error=w("new.covered_error"), errorTitle=w("new.covered_title")), f"E2:E{last}"),
        (DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                        error=w("new.amount_error"), errorTitle=w("new.amount_title")), f"D2:D{last}"),
        (DataValidation(type="whole", operator="between", formula1="1900", formula2="2200",
                        error=w("new.year_error"), errorTitle=w("new.year_title")), f"C2:C{last}"),
    ]
    for rule, cells in rules:
        rule.showErrorMessage = True
        rule.add(cells)
        sheet.add_data_validation(rule)
    for column, width, number_format in zip("ABCDEF", (8, 45, 8, 14, 9, 50), ("@", "@", "0", "#,##0", "@", "@")):
        sheet.column_dimensions[column].width = width
        sheet.column_dimensions[column].number_format = number_format  # what a new row typed there gets
        for cell in sheet[column][1:]:
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    workbook.save(path)
    return path


PROJECT_TEMPLATE = '''\
# {title}: who pays how much, per budget year (an lkt_analysis project file, made by `lkt new` on {made}).
# Paths are relative to this file; write them with forward slashes (ssb/file.csv), or in single quotes
# ('ssb\\file.csv'). Files outside this folder may be named too ("../shared/ssb/file.csv").

[project]
name = {name}    # the project's name as its papers write it: every report shows it
short_name = {short_name}    # output file names begin with it, so projects can share a reports folder
language = {language}    # the written standard of the reports and workbooks: "nn" (nynorsk) or "nb" (bokmål)
# adopted_by = "..."    # who adopted the key, and when, as the councils' papers say it: the reports then say so
budget = "budget.xlsx"    # the budget workbook: one row per post and budget year
municipalities = "municipalities.csv"    # the municipality register: code, name, council, mergers
population = [    # Statistics Norway table 07459 (docs/population.md); `lkt population fetch` adds to this list
    {population},
]
key = "{key}"    # the key adopted for the municipalities: one of the [keys] below
hospital_key = "hospitals"    # how the specialist health service's part is split between the hospitals

# The proposed decision each municipality adopts, in the councils' own wording: {{municipality}} is filled in with its
# name, {{amounts}} with its amount for each budget year ("kr. 56 250 for 2026 og kr. 762 500 for 2027"); and the
# title of the workbook the decision cites.
[decision]
text = {decision}
attachment = {attachment}

# One table per budget year: the label the reader sees, and whose population it uses (1 January of
# population_year). {population_year} is the newest the tool had; fetch newer with
# `lkt population fetch --years YEAR --project THIS_FILE` and change population_year.
[years.{year}]
label = "{year}"
population_year = {population_year}

# The financing parties the budget's "Finansiering" column may name, and which group carries their posts'
# new cost: specialist_health_service, municipalities, or both in fractions adding up to 1.
[financing]
{financing}

# The hospitals that share the specialist health service's part (code = "name").
[hospitals]
helse_bergen = {hospital}

# Keys: `kind` and its parameters (README: anchor, per_capita, equal, fixed_plus_per_capita,
# anchor_plus_fixed, target_group, members_only, weights). A key may have a `label` (a few words for tables)
# and a `title` (one sentence); without them both are made from the kind. per_capita, equal and
# fixed_plus_per_capita are there by name in every project (`lkt keys`).
[keys.hospitals]
kind = "weights"
label = {hospital_key}
weights = {{ helse_bergen = 1.0 }}

{key_table}'''

README = '''\
# {name}

An lkt_analysis project: who pays how much of the project's new cost, per budget year.

| file | what |
|---|---|
| `project.toml` | the project: name, budget years, population dates, financing parties, keys (every field explained) |
| `budget.xlsx` | the budget, sheet `Budsjett`: one row per post and budget year (the rows in it are examples) |
| `municipalities.csv` | the municipalities: code, name, cooperation council, and mergers |
| `ssb/` | population downloads of Statistics Norway's table 07459 |

Next steps, from the folder that holds `{folder}`:

1. Write the real posts into `budget.xlsx` (replace the example rows): post number, cost element,
   budget year, amount in whole kroner, `x` under *Dekket* for a post already covered by an adopted
   budget, and the financing party from the drop-down list.
2. Get the population the councils decide on, e.g. 1 January of this year:
   `lkt population fetch --years {year} --project {project}`, then set `population_year` under
   `[years.{year}]` in `project.toml`. By hand: see docs/population.md of lkt_analysis.
3. See the years and keys in words: `lkt keys --project {project}`.
4. Make the reports: `lkt report --project {project}`; compare keys:
   `lkt report --compare --project {project}`, or
   `lkt compare --year {year} --keys per_capita equal --project {project}`.

A new budget year: add `[years.{next}]` (label, population_year) to `project.toml` and its posts, with
{next} under *År*, to `budget.xlsx`.
'''
