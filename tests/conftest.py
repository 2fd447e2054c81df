"""Shared fixtures. Frames and workbooks built here are synthetic test data, not real figures,
except where a fixture says it loads the bundled (real) inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings
from openpyxl import Workbook

import lkt_analysis as lkt
from lkt_analysis.budget import BUDGET_COLUMNS

settings.register_profile("lkt", deadline=None)  # exact Fraction arithmetic: no timing in tests
settings.load_profile("lkt")

HEADINGS = list(BUDGET_COLUMNS)
HB, KOM, DELT = "Helse Bergen", "Kommunene i foretaksområdet", "Delt mellom spesialisthelsetjenesten og kommunene"


@pytest.fixture(scope="session")
def project() -> lkt.Project:
    """The bundled LKT project with its real inputs."""
    return lkt.load_project(lkt.paths.DEFAULT_PROJECT)


def write_budget(path: Path, rows: list[list[object]], *, sheet: str = "Budsjett",
                 headings: list[str] = HEADINGS) -> Path:
    """Write a budget workbook with the given rows under the standard headings (synthetic)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(headings)
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the bundled project folder that a test may change (budget, project file)."""
    target = tmp_path / "raw"
    shutil.copytree(lkt.paths.DATA_RAW, target)
    return target


@pytest.fixture
def members() -> pd.DataFrame:
    """Four synthetic municipalities."""
    return pd.DataFrame({
        "code": ["0001", "0002", "0003", "0004"],
        "name": ["Aby", "Bby", "Cby", "Dby"],
        "cooperation_council": ["A", "A", "B", "B"],
        "population": [1000, 300, 200, 100],
        "0-17": [200, 80, 40, 30],
        "67+": [150, 40, 50, 10],
    })


def table_rows(sheet) -> list[tuple]:
    """The table of a worksheet written by lkt_analysis: from its heading row (where the filter starts) down."""
    header = int(sheet.auto_filter.ref.split(":")[0][1:])
    return list(sheet.iter_rows(min_row=header, values_only=True))


NB_LABELS = {  # the bundled project's own words (its labels, its decision) written in bokmål, for a bokmål project
    'language = "nn"': 'language = "nb"', 'label = "hausten 2018"': 'label = "høsten 2018"',
    "Helse Bergen HF åleine": "Helse Bergen HF alene", "resten etter folketal": "resten etter folketall",
    "Etter folketal, alle kommunane": "Etter folketall, alle kommunene", "Etter talet på barn": "Etter antall barn",
    "Etter talet på eldre, 67 år og over": "Etter antall eldre, 67 år og over",
    "Berre pilotkommunane Bergen, Os og Lindås": "Bare pilotkommunene Bergen, Os og Lindås",
    "vil dekkja sin del": "vil dekke sin del", "etter folketal.": "etter folketall.",
    "etter folketal\"": "etter folketall\"", "vedteken av styringsgruppa": "vedtatt av styringsgruppen",
}


def bokmal_project(folder: Path) -> Path:
    """A copy of the bundled project (real inputs) whose written standard is bokmål, its own words in bokmål."""
    shutil.copytree(lkt.paths.DATA_RAW, folder)
    path = folder / "lkt_project.toml"
    text = path.read_text(encoding="utf-8")
    for nynorsk, bokmal in NB_LABELS.items():
        text = text.replace(nynorsk, bokmal)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Every kind of output, in each written standard: the yearly reports of 2019 under the adopted key and
    an alternative, the comparison of all keys, the index and the workbooks (real inputs)."""
    from lkt_analysis.batch import run_reports

    folders = {}
    for language in ("nn", "nb"):
        base = tmp_path_factory.mktemp(language)
        project = lkt.paths.DEFAULT_PROJECT if language == "nn" else bokmal_project(base / "project")
        for compare in (False, True):
            outcomes = run_reports(project, years=[2019], keys=None if compare else ["bergen_50", "per_capita"],
                                   out=base / "out", compare=compare)
            assert [o.error for o in outcomes] == [None] * len(outcomes)
        folders[language] = base / "out"
    return folders
