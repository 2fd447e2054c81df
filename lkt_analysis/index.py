"""The index of every report in an output folder, built from the JSON records beside the reports.

Grouped by project, newest first: when each report was made, its budget year, the key in words,
the headline figures and links. The reports of the last batch are marked, and so is a report whose
inputs (by SHA-256) are no longer what its own project's files hold today: a stale file is then
hard to e-mail by mistake. Each report is checked against its own project only.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Set
from datetime import datetime
from pathlib import Path
from typing import Any

from . import norwegian as no
from .errors import LktWarning, shown
from .outputs import write_text
from .project import HOSPITALS, MUNICIPALITIES
from .text import words

TEMPLATES = Path(__file__).parent / "templates"
LINKS = (("html", "report"), ("xlsx", "workbook"), ("ipynb", "notebook"), ("json", "record"))  # file, its word


def read_records(folder: str | Path) -> list[dict[str, Any]]:
    """Every report record (``*.json`` written by the batch) in ``folder``, newest first.

    A record whose report page is gone is left out; so is a JSON file that is not a record of the
    tool's (an analyst's own file, a damaged one), with a warning: never fatal.
    """
    records = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            made = datetime.fromisoformat(record["made"])
            summary = record["summary"]
            if not (isinstance(record["inputs"], list) and isinstance(record["files"], dict)
                    and isinstance(summary["totals"], dict) and isinstance(record["about"], dict)
                    and all(isinstance(summary[k], str) for k in ("label", "key_label", "key_text"))):
                raise TypeError
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            warnings.warn(LktWarning(f"{shown(path)} is not a record of lkt report: left out of the index"),
                          stacklevel=2)
            continue
        if (Path(folder) / f"{path.stem}.html").is_file():
            records.append({**record, "stem": path.stem, "made_at": made})
    return sorted(records, key=lambda r: (r["made"], r["stem"]), reverse=True)


def is_stale(record: Mapping[str, Any]) -> bool:
    """Whether a report's inputs have changed since it was made: any of the files its record lists (paths
    relative to its project file's folder) is gone or has another SHA-256 today."""
    from .record import sha256

    project_file = record.get("project", {}).get("file")
    if not project_file:
        return True  # a record of an older version: what it was made from cannot be checked
    base = Path(project_file).parent
    for item in record["inputs"]:
        try:
            if sha256(base / item["path"]) != item["sha256"]:
                return True
        except OSError:
            return True
    return False


def write_index(path: str | Path, records: Iterable[Mapping[str, Any]], *, latest: Set[str],
                language: str, failed: Iterable[tuple[str, str]] = ()) -> Path:
    """Write the index page: ``records`` grouped by project, each project's reports with its adopted key first,
    then the alternatives (marked) and the comparisons, each group newest first; those of the ``latest`` batch
    marked, those whose inputs have changed marked out of date (``is_stale``), and the runs of this batch that
    ``failed`` (stem, reason) on top. The page's own words are in the written standard ``language`` (the
    batch's), each project's section in its own."""
    import jinja2

    projects: dict[str, dict[str, Any]] = {}
    for record in records:
        summary, totals = record["summary"], record["summary"]["totals"]
        name = record.get("project", {}).get("name") or next(iter(record["about"].values()), "")
        section = projects.setdefault(name, {"language": record.get("language", language), "rows": []})
        w = words(section["language"])
        adopted = summary.get("adopted")
        section["rows"].append({
            "order": 0 if adopted else 1 if adopted is False else 2,
            "made": w.date(record["made_at"]),
            "label": summary["label"], "key_label": summary["key_label"], "key_text": summary["key_text"],
            "total": no.kroner(sum(totals.values())), "hospitals": no.kroner(totals[HOSPITALS]),
            "municipalities": no.kroner(totals[MUNICIPALITIES]), "adopted": adopted,
            "latest": record["stem"] in latest, "stale": is_stale(record),
            "links": [{"href": record["files"][ext], "text": w(f"index.{kind}")} for ext, kind in LINKS
                      if ext in record["files"]],
        })
    for section in projects.values():
        section["rows"].sort(key=lambda row: row["order"])  # stable: newest first within each group
        section["w"] = words(section["language"])
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     trim_blocks=True, lstrip_blocks=True)
    w = words(language)
    page = environment.get_template("index.html.j2").render(
        projects=projects, failed=[w("index.failed", stem=stem, reason=reason) for stem, reason in failed],
        w=w, language=language)
    return write_text(path, page)
