"""A stand-in for Statistics Norway's PxWebApi 2 on 127.0.0.1, for the tests of ``lkt_analysis.ssb``.

It answers ``GET /tables/07459/data`` as the API documents it (PxTools/PxApiSpecs: ``valueCodes[VARIABLE]``
with codes or ``*``, ``outputFormat=json-stat2``, ``lang``; errors as ``application/problem+json``) with a
JSON-stat 2 dataset: ``id`` Region, Alder, ContentsCode, Tid (``Kjonn`` left out, so summed over, as the
API's elimination does), ``size``, each dimension's category ``index`` and ``label``, ``role``, ``updated``
and ``extension.px.tableid``.

Its figures are real, never invented: those of the bundled downloads ``data/raw/ssb/07459_Personer2021.csv``
and ``07459_Personer2022.csv`` (SSB, persons at 1 January 2021 and 2022, single years of age), read here
directly from the files. Its labels, its ``updated`` stamp and its layout (key order, spacing) are this
helper's own, not SSB's.

A test tells the server how to answer its next requests with ``script`` (answered in order; once it is
empty, every request gets the data):

- ``"ok"``: the data asked for;
- ``("status", 503)`` or ``("status", 429, {"Retry-After": "0"})``: that HTTP error, with headers;
- ``("sleep", 1.0)``: the data, after waiting that long (a client with a shorter timeout gives up);
- ``"malformed"``: the data cut off in the middle (not JSON);
- ``("drop", "4601")``: the data without that municipality.

``requests`` holds every request's path and query as sent, ``sent`` every answer's bytes.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

RAW = Path(__file__).resolve().parent.parent / "data" / "raw" / "ssb"
FILES = {2021: RAW / "07459_Personer2021.csv", 2022: RAW / "07459_Personer2022.csv"}
AGE_CODES = [f"{age:03d}" for age in range(105)] + ["105+"]
UPDATED = "2022-02-23T07:00:00Z"  # this helper's stamp, not SSB's
LABEL = "07459: Befolkning, etter region, alder, statistikkvariabel og år"


@lru_cache(maxsize=1)
def figures() -> tuple[dict[tuple[str, int], list[int]], dict[str, str]]:
    """The bundled downloads' counts, ``{(code, year): [persons aged 0, 1, ..., 105 or older]}``, and the
    municipalities' names as the files write them."""
    counts: dict[tuple[str, int], list[int]] = {}
    names: dict[str, str] = {}
    for year, path in FILES.items():
        table = pd.read_csv(path, sep=";", skiprows=2, encoding="cp1252", dtype=str)  # a title line, a blank line
        assert list(table.columns) == ["region", "age", f"Persons {year}"], table.columns
        for region, rows in table.groupby("region", sort=False):
            code = re.match(r"K-(\d{4}) (.*)", region)
            if code is None:  # "K-Rest", Svalbard, the continental shelf: not municipalities
                continue
            ages = [int(re.match(r"\d+", age)[0]) for age in rows["age"]]
            assert ages == list(range(106)) and rows["age"].iloc[-1] == "105 years or older", region
            counts[code[1], year] = [int(v) for v in rows[f"Persons {year}"]]
            names[code[1]] = code[2]
    return counts, names


def dataset(codes: list[str], years: list[int]) -> dict[str, Any]:
    """The JSON-stat 2 dataset of ``codes`` and ``years``, every age, values in row-major order."""
    counts, names = figures()
    values = [counts[code, year][age] for code in codes for age in range(106) for year in years]
    return {
        "version": "2.0",
        "class": "dataset",
        "label": LABEL,
        "source": "Statistisk sentralbyrå",
        "updated": UPDATED,
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "id": ["Region", "Alder", "ContentsCode", "Tid"],
        "size": [len(codes), len(AGE_CODES), 1, len(years)],
        "dimension": {
            "Region": {"label": "region", "category": {
                "index": {code: i for i, code in enumerate(codes)}, "label": {code: names[code] for code in codes}}},
            "Alder": {"label": "alder", "category": {
                "index": {code: i for i, code in enumerate(AGE_CODES)},
                "label": {code: "105 år eller eldre" if code == "105+" else f"{int(code)} år"
                          for code in AGE_CODES}}},
            "ContentsCode": {"label": "statistikkvariabel", "category": {
                "index": {"Personer1": 0}, "label": {"Personer1": "Personer"},
                "unit": {"Personer1": {"base": "personer", "decimals": 0}}}},
            "Tid": {"label": "år", "category": {
                "index": {str(y): i for i, y in enumerate(years)}, "label": {str(y): str(y) for y in years}}},
        },
        "extension": {"px": {"tableid": "07459", "decimals": 0, "language": "no"}},
        "value": values,
    }


class SsbServer:
    """The stand-in API, serving from a thread on a free port of 127.0.0.1; ``api`` is its address."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[str] = []
        self.sent: list[bytes] = []
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.ssb = self  # type: ignore[attr-defined]
        self.api = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def __enter__(self) -> SsbServer:
        figures()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # a sleeping answer ends now
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, target: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for the request ``target`` (path and query)."""
        self.requests.append(target)
        step = self.script.pop(0) if self.script else "ok"
        kind = step if isinstance(step, str) else step[0]
        if kind == "status":
            code, headers = step[1], step[2] if len(step) > 2 else {}
            return code, headers, _problem(code, "Too many requests" if code == 429 else "Server error")
        if kind == "sleep" and self.stopping.wait(step[1]):
            return 503, {}, _problem(503, "stopping")
        url = urlsplit(target)
        if url.path.rstrip("/") != "/tables/07459/data":
            return 404, {}, _problem(404, f"Node with id, {url.path} can not be found")
        query = {name.lower(): value for name, value in parse_qsl(url.query)}
        try:
            codes, years = _selection(query)
        except ValueError as err:
            return 400, {}, _problem(400, str(err))
        if kind == "drop":
            codes = [code for code in codes if code != step[1]]
        body = json.dumps(dataset(codes, years), ensure_ascii=False).encode("utf-8")
        if kind == "malformed":
            body = body[:len(body) // 2]
        self.sent.append(body)
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, body


def _selection(query: dict[str, str]) -> tuple[list[str], list[int]]:
    """The municipalities and years a query asks for, checked as the API would."""
    counts, _ = figures()
    if query.get("outputformat") != "json-stat2":
        raise ValueError("this stand-in answers outputFormat=json-stat2 only")
    if "valuecodes[kjonn]" in query:
        raise ValueError("this stand-in answers both sexes together only (Kjonn eliminated)")
    for variable in ("region", "alder", "contentscode", "tid"):
        if not query.get(f"valuecodes[{variable}]"):
            raise ValueError(f"No values selected for the mandatory variable {variable}")
    ages = query["valuecodes[alder]"].split(",")
    if ages != ["*"] and ages != AGE_CODES:
        raise ValueError("this stand-in answers every age only (Alder=*)")
    if query["valuecodes[contentscode]"] not in ("Personer1", "*"):
        raise ValueError(f"Value, {query['valuecodes[contentscode]']} is not a valid value code for variable "
                         "ContentsCode")
    years = query["valuecodes[tid]"].split(",")
    codes = query["valuecodes[region]"].split(",")
    for year in years:
        if not year.isdigit() or int(year) not in FILES:
            raise ValueError(f"Value, {year} is not a valid value code for variable Tid")
    for code in codes:
        if (code, int(years[0])) not in counts:
            raise ValueError(f"Value, {code} is not a valid value code for variable Region")
    return codes, [int(year) for year in years]


def _problem(status: int, detail: str) -> bytes:
    titles = {400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}
    return json.dumps({"title": titles.get(status, "Error"), "status": status, "detail": detail}).encode()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        status, headers, body = self.server.ssb.answer(self.path)  # type: ignore[attr-defined]
        try:
            self.send_response(status)
            if status != 200:
                self.send_header("Content-Type", "application/problem+json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass
