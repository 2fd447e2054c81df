"""Fetching Statistics Norway's table 07459 (population by region, age, contents and year) from its API.

SSB's PxWebApi 2 answers ``GET {api}/tables/07459/data`` with a JSON-stat 2 dataset. The answer is
checked like any population file and saved beside the project's other population files exactly as it
came, never edited, with a provenance record beside it; the project file's ``population`` list then
names the new file. A damaged or incomplete answer is refused and nothing is written.

Where the request's form was read (this was written without access to the live API; see
``docs/population.md``):

- ``valueCodes[VARIABLE]=code,code``, the wildcard ``*`` (every value of a variable) and elimination (a
  variable that may be left out, like ``Kjonn``, is summed over): PxTools/PxApiSpecs,
  ``archive/specs.md`` ("Get data for a specific table", "Selection expression", "Elimination");
  ``lang``, ``outputFormat=json-stat2``, the 429 and 403 answers and ``updated``: ``PxAPI-2.yml``.
- 800 000 cells per request and 30 requests a minute per address: SSB's API user guide
  (ssb.no/api/api-mot-statistikkbanken--brukerveiledning), which points at ``/config`` for the figures.
- Region codes are the plain municipality numbers (``4601``); ``K-4601`` belongs to SSB's code list
  ``agg_KommSummer``, not asked for here. ``ContentsCode`` ``Personer1`` and the single-year age codes
  (``000`` ... ``104``, ``105+``): published code examples of the API, not SSB's own metadata, so the
  ages are asked for with ``*`` and the answer's ages are checked instead of assumed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from . import population as population_
from .errors import FetchError, InputError, LktError, OutputError, ParameterError
from .outputs import atomic_path, write_text

API = "https://data.ssb.no/api/pxwebapi/v2"
API_VARIABLE = "LKT_SSB_API"  # names another address of the API (a mirror, a test server)
TABLE = population_.TABLE
CONTENTS = "Personer1"  # persons on 1 January
AGES = 106  # single years 0 to 104 and "105 år eller eldre": only to count cells; the answer is checked
MAX_CELLS = 800_000  # SSB: the most cells one request may ask for
CALLS, WINDOW = 30, 60.0  # SSB: at most 30 requests a minute per address
TIMEOUT = 60.0  # seconds for one request, from asking to the last byte
MAX_BYTES = 50 * 2**20  # a larger answer is refused (07459 for all of Norway, one year: about 2 MB)
TRIES = 4  # requests in all when SSB answers 429 (too many requests)
LONGEST_WAIT = 120.0  # seconds: a longer Retry-After is refused rather than waited for
HAND_DOWNLOAD = "download the table by hand instead (docs/population.md)"


class RateLimiter:
    """Paces the requests to SSB: at most ``calls`` in any ``window`` seconds, and none before the time a
    429 answer's ``Retry-After`` named.

    One limiter is shared by every fetch of the process (the limit is SSB's, per address).

    Example:
        >>> limiter = RateLimiter(calls=2, window=1.0)
        >>> limiter.wait(); limiter.wait()  # the third request in that second would wait
    """

    def __init__(self, calls: int = CALLS, window: float = WINDOW, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.calls, self.window, self.clock, self.sleep = calls, window, clock, sleep
        self._sent: list[float] = []
        self._not_before = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Return when one more request may be sent, and count it."""
        with self._lock:
            while True:
                now = self.clock()
                self._sent = [t for t in self._sent if t > now - self.window]
                until = max(self._not_before, self._sent[0] + self.window if len(self._sent) >= self.calls
                            else float("-inf"))
                if until <= now:
                    self._sent.append(now)
                    return
                self.sleep(until - now)

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (SSB's ``Retry-After``)."""
        with self._lock:
            self._not_before = max(self._not_before, self.clock() + seconds)


_LIMITER = RateLimiter()


@dataclass(frozen=True)
class Download:
    """One answer of SSB's API, saved as it came, and where it came from."""

    path: Path
    record: Path  # the provenance record, ``<file>.source.json``
    url: str
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    size: int  # bytes
    updated: str | None  # the answer's JSON-stat ``updated``: when SSB last changed the figures
    years: tuple[int, ...]
    codes: tuple[str, ...]


@dataclass(frozen=True)
class FetchResult:
    """What a fetch saved, and whether the project file names it.

    ``entries`` are the saved files as the project file's ``population`` list writes them, ``added`` those
    this fetch added to it. ``pending`` are those still to add by hand, when the project file could not be
    changed safely; ``reason`` says why.
    """

    project_file: Path
    downloads: tuple[Download, ...]
    entries: tuple[str, ...]
    added: tuple[str, ...]
    pending: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def project_updated(self) -> bool:
        """Whether the project file names every saved file."""
        return not self.pending

    def lines(self) -> list[str]:
        """What happened, in a few lines for the command line."""
        lines = []
        for download in self.downloads:
            years = ", ".join(map(str, download.years))
            lines.append(f"saved {download.path} (1 January {years}, {len(download.codes)} municipalities; "
                         f"SSB updated {download.updated or 'unknown'}; sha256 {download.sha256[:12]}...)")
            lines.append(f"  where it came from: {download.record}")
        if self.added:
            lines.append(f"added to population = [...] in {self.project_file}: "
                         f"{', '.join(map(_toml_string, self.added))}")
        if self.pending:
            lines.append(f"{self.project_file} was not changed ({self.reason}); add to its population = [...] "
                         f"list: {', '.join(map(_toml_string, self.pending))}")
        elif not self.added:
            lines.append(f"{self.project_file} names {'it' if len(self.entries) == 1 else 'them'} already")
        years = sorted({year for download in self.downloads for year in download.years})
        lines.append(f"a budget year uses these figures with population_year = {years[0]}"
                     + (f" (or {', '.join(map(str, years[1:]))})" if years[1:] else "")
                     + " under its [years.YEAR] in the project file")
        return lines


def fetch_population(
    project_file: str | Path,
    years: Sequence[int],
    *,
    api: str | None = None,
    overwrite: bool = False,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
    max_cells: int = MAX_CELLS,
    limiter: RateLimiter | None = None,
) -> FetchResult:
    """Fetch table 07459 for the project's municipalities at 1 January of ``years``, save it and add it to
    the project file.

    The municipalities are those of the project's register that exist on 1 January of each year. One
    request usually covers every year; years with other municipalities (a reform between them), or more
    cells than SSB gives at once, make one request and one file each. Every answer is checked with the
    population loader before anything is written: every municipality, every year, every age once, whole
    numbers. Each file is saved byte for byte as SSB sent it, as ``07459_Personer<years>.json`` in the
    folder of the project's first population file, with ``<file>.source.json`` beside it (the URL, the
    time, the SHA-256 and SSB's ``updated``), and named in the project file's ``population`` list, its
    comments and layout kept.

    Args:
        project_file: the project's TOML file.
        years: the years whose 1 January population to fetch.
        api: the API's address; default ``$LKT_SSB_API``, else SSB's.
        overwrite: replace a file of the same name; without it an existing file is refused.
        timeout: seconds one request may take in all.
        max_bytes: the largest answer accepted.
        max_cells: the most cells one request asks for.
        limiter: paces the requests (default: the process's, 30 a minute).

    Raises:
        FetchError: SSB could not be reached, refused, failed, took too long, or its answer is damaged
            or lacks a municipality; nothing was written.
        InputError: the project file or its register cannot be read, or its population files already
            hold one of ``years``.
        OutputError: a file of that name exists (without ``overwrite``) or cannot be written.

    Example:
        >>> result = fetch_population("data/raw/lkt_project.toml", [2025, 2026])  # doctest: +SKIP
        >>> print("\\n".join(result.lines()))  # doctest: +SKIP
    """
    project_file = Path(project_file).absolute()
    years = _years(years)
    api = (api or os.environ.get(API_VARIABLE) or API).rstrip("/")
    if urlsplit(api).scheme not in ("http", "https") or not urlsplit(api).netloc:
        raise ParameterError(f"the API address '{api}' is not an http(s) address (${API_VARIABLE} or api=)")
    text, spec = _read_project_file(project_file)
    meta = spec["project"]
    register_file = _relative(project_file, _required_text(meta, "municipalities", project_file))
    register = population_.read_municipalities(register_file)
    names = dict(zip(register["code"], register["name"]))
    listed = meta.get("population")
    plain_list = isinstance(listed, list) and all(isinstance(entry, str) for entry in listed)
    folder = PurePosixPath(listed[0].replace("\\", "/")).parent if plain_list and listed else PurePosixPath()

    plan = _plan(register, years, max_cells, register_file)
    entries = [str(folder / f"{TABLE}_Personer{_span(chunk)}.json") for _, chunk in plan]
    targets = [_relative(project_file, entry) for entry in entries]
    for target in targets:
        for path in (target, _record_path(target)):
            if path.exists() and not overwrite:
                raise OutputError(path, "exists already; delete or rename it first, or fetch again with "
                                        "overwrite (--overwrite) to replace it")
    if plain_list:
        _refuse_years_held(project_file, [_relative(project_file, e) for e in listed], targets, years,
                           sorted(register["code"]))

    limiter = limiter or _LIMITER
    fetched = []
    for (codes, chunk), target in zip(plan, targets):
        url = data_url(codes, chunk, api=api)
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        body = _get(url, api=api, timeout=timeout, max_bytes=max_bytes, limiter=limiter)
        dataset = _check_answer(body, codes, chunk, names, api)
        fetched.append((target, url, fetched_at, body, dataset, codes, chunk))

    downloads = _save(fetched, overwrite)
    new = tuple(entry for entry, target in zip(entries, targets) if not _listed(project_file, listed, target))
    if not plain_list:
        reason = ("it has no 'population' list under [project]" if listed is None
                  else "its 'population' is not a plain list of file names")
        return FetchResult(project_file, downloads, tuple(entries), (), new, reason)
    if new:
        try:
            edited = add_population_entries(text, new)
        except ValueError as err:
            return FetchResult(project_file, downloads, tuple(entries), (), new, str(err))
        _write_project_file(project_file, edited, new)
    return FetchResult(project_file, downloads, tuple(entries), new)


def data_url(codes: Sequence[str], years: Sequence[int], *, api: str = API) -> str:
    """The ``GET`` address of table 07459's persons for the municipalities ``codes`` at 1 January of
    ``years``, every single-year age, both sexes together, as JSON-stat 2.

    Example:
        >>> data_url(["4601", "4631"], [2025]).split("?")[1].split("&")  # doctest: +NORMALIZE_WHITESPACE
        ['lang=no', 'valueCodes[Region]=4601,4631', 'valueCodes[Alder]=*', 'valueCodes[ContentsCode]=Personer1',
         'valueCodes[Tid]=2025', 'outputFormat=json-stat2']
    """
    query = [("lang", "no"), ("valueCodes[Region]", ",".join(codes)), ("valueCodes[Alder]", "*"),
             ("valueCodes[ContentsCode]", CONTENTS), ("valueCodes[Tid]", ",".join(map(str, years))),
             ("outputFormat", "json-stat2")]
    return f"{api.rstrip('/')}/tables/{TABLE}/data?" + "&".join(f"{name}={value}" for name, value in query)


# --- the project file ---------------------------------------------------------------------------

def add_population_entries(text: str, entries: Sequence[str]) -> str:
    """The project file's ``text`` with ``entries`` added at the end of ``[project] population = [...]``,
    every other character kept (comments, layout, line ends), by tomlkit, which edits TOML as written.

    Raises:
        ValueError: there is no such list, or the edited text does not read as the same project with the
            new entries; the file is then to be edited by hand.

    Example:
        >>> add_population_entries('[project]\\npopulation = ["a.csv"]  # SSB\\n', ["b.json"])
        '[project]\\npopulation = ["a.csv", "b.json"]  # SSB\\n'
    """
    import tomlkit

    expected = tomllib.loads(text)
    listed = expected.get("project", {}).get("population") if isinstance(expected.get("project"), dict) else None
    if not isinstance(listed, list):
        raise ValueError("[project] has no 'population' list")
    expected["project"]["population"] = [*listed, *entries]
    try:
        document = tomlkit.parse(text)
        document["project"]["population"].extend(entries)
        edited = tomlkit.dumps(document)
        same = tomllib.loads(edited) == expected
    except (tomlkit.exceptions.TOMLKitError, tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError):
        same = False
    if not same:
        raise ValueError("the list is written in a way this edit does not handle")
    return edited


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's too


def _write_project_file(path: Path, text: str, entries: Sequence[str]) -> None:
    """Write the edited project file atomically (keeping a byte-order mark), then read it back."""
    bom = path.read_bytes().startswith(b"\xef\xbb\xbf")
    with atomic_path(path) as tmp:
        tmp.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    written = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    if not set(entries) <= set(written["project"]["population"]):
        raise OutputError(path, "the new population file(s) are not in its list after writing it")


def _read_project_file(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
        spec = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(path, "project file not found (name one with --project)") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(path, f"not a readable TOML project file ({err})") from None
    if not isinstance(spec.get("project"), dict):
        raise InputError(path, "the project file needs a [project] table")
    return text, spec


def _required_text(table: dict[str, Any], name: str, path: Path) -> str:
    value = table.get(name)
    if not isinstance(value, str):
        raise InputError(path, f"[project] has no '{name}' (a file name in quotes)")
    return value


def _relative(project_file: Path, entry: str) -> Path:
    """A path written in the project file: relative to its folder, a backslash read as a separator."""
    return project_file.parent / entry.replace("\\", "/")


def _listed(project_file: Path, listed: object, target: Path) -> bool:
    entries = listed if isinstance(listed, list) else []
    return any(isinstance(e, str) and _relative(project_file, e).resolve() == target.resolve() for e in entries)


def _refuse_years_held(project_file: Path, files: Iterable[Path], targets: Sequence[Path], years: Sequence[int],
                       codes: Sequence[str]) -> None:
    """Refuse years the project's other population files hold already: the project would count them twice."""
    for file in files:
        if any(file.resolve() == target.resolve() for target in targets) or not file.exists():
            continue
        held = population_.read_population(file, age_groups=("total",), codes=codes)
        both = sorted(set(held["year"]) & set(years))
        if both:
            raise InputError(project_file, f"the population file {file.name} holds 1 January "
                                           f"{', '.join(map(str, both))} already; fetching it again would count it "
                                           "twice: fetch other years, or take that file out of population = [...]")


# --- the requests ---------------------------------------------------------------------------------

def _years(years: Sequence[int]) -> list[int]:
    chosen = []
    for year in years:
        if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
            raise ParameterError(f"'{year}' is not a year such as 2025")
        chosen.append(year)
    if not chosen:
        raise ParameterError("name at least one year to fetch, such as 2025")
    return sorted(set(chosen))


def _plan(register: pd.DataFrame, years: Sequence[int], max_cells: int,
          register_file: Path) -> list[tuple[list[str], list[int]]]:
    """The requests: years with the same municipalities together, as many as fit under ``max_cells``."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for year in years:
        codes = tuple(sorted(population_.existing(register, date(year, 1, 1))["code"]))
        if not codes:
            raise InputError(register_file, f"no municipality of the register exists on 1 January {year}")
        groups.setdefault(codes, []).append(year)
    plan = []
    for codes, group in groups.items():
        per_request = max_cells // (len(codes) * AGES)
        if per_request < 1:
            raise ParameterError(f"{len(codes)} municipalities x {AGES} ages is more than the {max_cells} cells "
                                 "SSB gives in one request")
        plan += [(list(codes), group[i:i + per_request]) for i in range(0, len(group), per_request)]
    return plan


def _span(years: Sequence[int]) -> str:
    """``2025-2026`` for consecutive years, ``2019_2025`` otherwise."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return "_".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def _get(url: str, *, api: str, timeout: float, max_bytes: int, limiter: RateLimiter) -> bytes:
    """The answer's bytes, waiting and asking again while SSB answers 429 (too many requests)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    for attempt in range(1, TRIES + 1):
        limiter.wait()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return _read_bounded(response, api, timeout, max_bytes)
        except urllib.error.HTTPError as err:
            problem = _problem(err)
            if err.code == 429 and attempt < TRIES:
                wait = _retry_after(err.headers.get("Retry-After"))
                if wait > LONGEST_WAIT:
                    raise _error(api, f"SSB asks to wait {wait:.0f} s before the next request (HTTP 429)",
                                 later=True) from None
                limiter.hold(wait)
                continue
            raise _error(api, _http_words(err.code, err.reason, problem, attempt),
                         later=err.code == 429 or err.code >= 500) from None
        except (TimeoutError, urllib.error.URLError, HTTPException, OSError) as err:
            reason = err.reason if isinstance(err, urllib.error.URLError) else err
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise _error(api, f"no answer within {timeout:g} s", later=True) from None
            if isinstance(err, HTTPException) and not isinstance(err, ConnectionError):
                raise _error(api, f"the answer broke off ({type(err).__name__})", later=True) from None
            raise _error(api, f"cannot reach the API ({reason or type(err).__name__}: offline, or a wrong "
                              "address?)", later=True) from None
    raise AssertionError("unreachable")


def _read_bounded(response: Any, api: str, timeout: float, max_bytes: int) -> bytes:
    """Read the answer in chunks, refusing one larger than ``max_bytes`` or slower than ``timeout``."""
    length = response.headers.get("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise _error(api, f"the answer would be {_size(int(length))}, more than the {_size(max_bytes)} accepted")
    deadline = time.monotonic() + timeout
    chunks, size = [], 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise _error(api, f"the answer is larger than the {_size(max_bytes)} accepted")
        if time.monotonic() > deadline:
            raise _error(api, f"the answer took longer than {timeout:g} s", later=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size} bytes"


def _retry_after(value: str | None) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); 2 s when there is none."""
    if value is None or not value.strip():
        return WINDOW / CALLS
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return WINDOW / CALLS
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _problem(err: urllib.error.HTTPError) -> str:
    """SSB's explanation of an error answer (``application/problem+json``: its ``detail`` or ``title``)."""
    try:
        body = err.read(4096)
        data = json.loads(body)
        text = data.get("detail") or data.get("title") if isinstance(data, dict) else None
    except (OSError, ValueError, HTTPException):
        return ""
    return text if isinstance(text, str) else ""


def _http_words(code: int, reason: str, problem: str, attempt: int) -> str:
    said = f"HTTP {code} {reason}".strip() + (f": {problem}" if problem else "")
    if code == 429:
        return f"SSB still answers 'too many requests' after {attempt} tries ({said})"
    if code >= 500:
        return f"SSB's server failed ({said})"
    if code == 403:
        return f"SSB refused the request ({said}); it may ask for more cells than SSB gives at once"
    return f"SSB refused the request ({said})"


def _error(api: str, what: str, *, later: bool = False) -> FetchError:
    """One line: what failed, that nothing was written, and what to do: try again later (``later``: the
    failure may pass) or download the table by hand."""
    what = re.sub(r"\s+", " ", what).strip()
    if len(what) > 300:
        what = what[:297] + "..."
    advice = f"Try again later, or {HAND_DOWNLOAD}" if later else HAND_DOWNLOAD.capitalize()
    return FetchError(f"fetching SSB table {TABLE} from {api}: {what}; nothing was written. {advice}")


# --- the answer -------------------------------------------------------------------------------------

def _check_answer(body: bytes, codes: Sequence[str], years: Sequence[int], names: dict[str, str],
                  api: str) -> dict[str, Any]:
    """Read the answer as the project would, from a temporary file: it must hold exactly the municipalities
    and years asked for, each with every age and no missing count."""
    try:
        dataset = json.loads(body)
    except ValueError as err:
        raise _error(api, f"the answer is not JSON ({err})") from None
    if not isinstance(dataset, dict):
        raise _error(api, "the answer is not a JSON-stat 2 dataset")
    with tempfile.TemporaryDirectory(prefix="lkt-ssb-") as folder:
        path = Path(folder) / f"{TABLE}.json"
        path.write_bytes(body)
        try:
            read = population_.read_population(path, age_groups=("total",))
        except InputError as err:
            problem = err.problem.removesuffix(f"; {population_.HAND_DOWNLOAD}")
            raise _error(api, f"the answer is not a complete table {TABLE}: {problem}") from None
    for year in years:
        present = set(read.loc[read["year"] == year, "code"])
        missing = [code for code in codes if code not in present]
        if missing:
            shown = ", ".join(f"{code} {names.get(code, '')}".strip() for code in missing[:5])
            raise _error(api, f"the answer has no population at 1 January {year} for municipality "
                              f"{shown}{' ...' if len(missing) > 5 else ''}")
    for what, unasked in (("municipality", sorted(set(read["code"]) - set(codes))),
                          ("year", sorted(map(str, set(read["year"]) - set(years))))):
        if unasked:
            raise _error(api, f"the answer holds {what} {', '.join(unasked[:5])}, which was not asked for")
    gaps = read[read["population"].isna()]
    if not gaps.empty:
        first = gaps.iloc[0]
        raise _error(api, f"SSB gives no figure ('..') for municipality {first['code']} at 1 January "
                          f"{first['year']}")
    return dataset


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + ".source.json")


def _save(fetched: list[tuple[Path, str, str, bytes, dict[str, Any], list[str], list[int]]],
          overwrite: bool) -> tuple[Download, ...]:
    """Write every answer byte for byte, and its provenance record; a failure removes what this call made."""
    downloads, made = [], []
    try:
        for target, url, fetched_at, body, dataset, codes, years in fetched:
            record = _record_path(target)
            for path in (target, record):
                if path.exists() and not overwrite:
                    raise OutputError(path, "exists already (made while fetching?); nothing was replaced")
            digest = hashlib.sha256(body).hexdigest()
            updated = dataset.get("updated") if isinstance(dataset.get("updated"), str) else None
            with atomic_path(target) as tmp:
                tmp.write_bytes(body)
            made.append(target)
            write_text(record, json.dumps({
                "file": target.name,
                "table": TABLE,
                "title": dataset.get("label"),
                "source": dataset.get("source"),
                "updated": updated,
                "url": url,
                "fetched_at": fetched_at,
                "sha256": digest,
                "bytes": len(body),
                "years": years,
                "municipalities": codes,
                "licence": "CC BY 4.0 (Statistisk sentralbyrå)",
                "note": "the file is SSB's answer byte for byte; checked with lkt_analysis.population before saving",
            }, ensure_ascii=False, indent=2) + "\n")
            made.append(record)
            downloads.append(Download(target, record, url, fetched_at, digest, len(body), updated, tuple(years),
                                      tuple(codes)))
    except (LktError, OSError):
        if not overwrite:
            for path in made:
                path.unlink(missing_ok=True)
        raise
    return tuple(downloads)
