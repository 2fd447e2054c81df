"""A report's record: what it was made from (parameters, the inputs with their SHA-256, when, by which
version), made once and passed down.

``lkt report`` makes each run's record when it plans the batch and hands it to the
report's notebook with the result it computed (a *prepared* file, see
:func:`write_prepared`); the page's footer and the JSON beside the report both come
from that one record. A notebook opened in JupyterLab makes its own.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from .errors import ParameterError
from .outputs import atomic_path, made_at
from .version import __version__


def sha256(path: str | Path) -> str:
    """The SHA-256 of a file, to say exactly which input a report was made from.

    Remembered for the file as it is (its size, times of change and inode), so that a
    batch hashes its inputs once, not again in every worker and kernel it forks.
    """
    path = Path(path).resolve()
    stat = path.stat()
    return _sha256(path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


@cache
def _sha256(path: Path, *as_it_is: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def input_hashes(project: Any) -> list[dict[str, str]]:
    """Every input file of ``project``, its path relative to the project file where it lies under it, with
    its SHA-256."""
    base = project.path.parent
    return [{"path": _relative(str(path), base), "sha256": sha256(path)} for path in project.inputs]


def make_record(result: Any, parameters: Mapping[str, Any], inputs: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The record of a report showing ``result`` (a ``Distribution`` or a ``Comparison``), made with the
    notebook ``parameters`` from ``inputs`` (:func:`input_hashes`): what it shows in words, its project,
    parameters (paths relative to the project file), inputs, when it was made (``SOURCE_DATE_EPOCH`` when
    set) and the version."""
    project = result.project
    return {
        "title": result.title(),
        "project": {"name": project.name, "short_name": project.short_name, "file": str(project.path)},
        "language": project.language,
        "about": result.about(),
        "parameters": _relative(dict(parameters), project.path.parent),
        "inputs": [dict(item) for item in inputs],
        "made": made_at().isoformat(timespec="seconds"),
        "lkt_analysis_version": __version__,
    }


def _relative(value: Any, base: Path) -> Any:
    if isinstance(value, Mapping):
        return {name: _relative(item, base) for name, item in value.items()}
    if isinstance(value, list):
        return [_relative(item, base) for item in value]
    if isinstance(value, str) and Path(value).is_absolute():
        try:
            return Path(value).resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            return value
    return value


def write_prepared(path: str | Path, result: Any, record: Mapping[str, Any]) -> Path:
    """Leave ``result`` and its ``record``, made once by the batch, in ``path`` for the report's notebook
    (read back with :func:`read_prepared`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(pickle.dumps({"record": dict(record), "result": result}, protocol=pickle.HIGHEST_PROTOCOL))
    return Path(path)


def read_prepared(path: str | Path, parameters: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The result and record that the batch left in ``path``, refused unless the record was made for the
    notebook's ``parameters`` (a report must never show another year's or key's result under its own).

    The file is the batch's own, written into the run's staging folder: never pass a
    file from elsewhere, since reading a pickle runs code.
    """
    prepared = pickle.loads(Path(path).read_bytes())
    record = prepared["record"]
    made_for = record["parameters"]
    asked = _relative(dict(parameters), Path(record["project"]["file"]).parent)
    wrong = [f"{name}={value!r} (not {made_for.get(name)!r})" for name, value in asked.items()
             if made_for.get(name) != value]
    if wrong:
        raise ParameterError(f"{path}: prepared for other parameters: {', '.join(wrong)}")
    return prepared["result"], record
