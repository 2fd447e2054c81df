"""Fetching table 07459 from SSB's API, against a stand-in server serving the bundled real 2021 and 2022
downloads (tests/ssb_server.py)."""

from __future__ import annotations

import doctest
import hashlib
import json
import socket
import tomllib
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest

import lkt_analysis as lkt
from lkt_analysis import errors, population
from lkt_analysis import ssb
from lkt_analysis.errors import FetchError
from lkt_analysis.population import existing

from ssb_server import UPDATED, SsbServer

BUNDLED = {year: lkt.paths.DATA_RAW / "ssb" / f"07459_Personer{year}.csv" for year in (2021, 2022)}
CODES_2021 = [str(code) for code in [4601, *range(4619, 4636)]]  # the register's 18 municipalities from 2020


@pytest.fixture
def server(monkeypatch):
    with SsbServer() as stand_in:
        monkeypatch.setenv("LKT_SSB_API", stand_in.api)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        yield stand_in


@pytest.fixture
def limiter() -> ssb.RateLimiter:
    """A limiter of each test's own, so that the tests together never wait for the shared one."""
    return ssb.RateLimiter()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_request_asks_for_what_the_api_documents(project_dir, server, limiter):
    ssb.fetch_population(project_dir / "lkt_project.toml", [2022, 2021], limiter=limiter)
    assert len(server.requests) == 1
    url = urlsplit(server.requests[0])
    assert url.path == "/tables/07459/data"
    query = parse_qsl(url.query)
    assert [name for name, _ in query] == ["lang", "valueCodes[Region]", "valueCodes[Alder]",
                                           "valueCodes[ContentsCode]", "valueCodes[Tid]", "outputFormat"]
    asked = dict(query)
    assert asked["valueCodes[Region]"].split(",") == CODES_2021
    assert asked["valueCodes[Alder]"] == "*"  # every age, as the answer's ages are checked
    assert asked["valueCodes[ContentsCode]"] == "Personer1"
    assert asked["valueCodes[Tid]"] == "2021,2022"
    assert asked["outputFormat"] == "json-stat2" and asked["lang"] == "no"
    assert not any("kjonn" in name.lower() for name, _ in query)  # both sexes together


def test_a_fetch_saves_the_answer_as_it_came_and_adds_it_to_the_project(project_dir, server, limiter):
    project_file = project_dir / "lkt_project.toml"
    before = project_file.read_text(encoding="utf-8")
    result = ssb.fetch_population(project_file, [2021, 2022], limiter=limiter)

    saved = project_dir / "ssb" / "07459_Personer2021-2022.json"
    (download,) = result.downloads
    assert download.path == saved and saved.read_bytes() == server.sent[0]  # byte for byte
    record = json.loads((project_dir / "ssb" / "07459_Personer2021-2022.json.source.json").read_text("utf-8"))
    assert record["url"] == server.api + server.requests[0] == download.url
    assert record["sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest() == download.sha256
    assert record["updated"] == UPDATED and record["table"] == "07459" and record["years"] == [2021, 2022]
    assert record["municipalities"] == CODES_2021 and record["bytes"] == saved.stat().st_size
    assert datetime.fromisoformat(record["fetched_at"]).tzinfo is not None

    after = project_file.read_text(encoding="utf-8")
    assert result.project_updated and result.added == result.entries == ("ssb/07459_Personer2021-2022.json",)
    assert after == before.replace('    "ssb/07459_Personer2020.csv",\n',
                                   '    "ssb/07459_Personer2020.csv",\n    "ssb/07459_Personer2021-2022.json",\n')
    assert "# the adopted key" in after  # comments kept
    assert tomllib.loads(after)["project"]["population"][-1] == "ssb/07459_Personer2021-2022.json"
    assert any("added to population" in line for line in result.lines())

    project = lkt.load_project(project_file)
    for year, path in BUNDLED.items():  # the figures are those of SSB's CSV download of that year
        fetched = project.population[project.population["year"] == year].reset_index(drop=True)
        bundled = population.read_population(path, age_groups=sorted(set(fetched["age_group"])), codes=CODES_2021)
        assert len(fetched) == len(bundled) > 18
        pd.testing.assert_frame_equal(fetched, bundled)


def test_too_many_requests_waits_and_asks_again(project_dir, server, limiter):
    server.script = [("status", 429, {"Retry-After": "0"}), "ok"]
    result = ssb.fetch_population(project_dir / "lkt_project.toml", [2021], limiter=limiter)
    assert len(server.requests) == 2 and result.downloads[0].path.read_bytes() == server.sent[0]


def test_retry_after_is_honoured(project_dir, server):
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = ssb.RateLimiter(clock=lambda: clock[0], sleep=sleep)
    server.script = [("status", 429, {"Retry-After": "7"}), ("status", 429, {}), "ok"]
    ssb.fetch_population(project_dir / "lkt_project.toml", [2021], limiter=limiter)
    assert slept == [7.0, 2.0]  # as SSB says; without a Retry-After, one request's share of a minute


def _closed_port_api() -> dict:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {"api": f"http://127.0.0.1:{port}"}


FAILURES = [
    ("server-error", [("status", 500)], {}, r"SSB's server failed \(HTTP 500"),
    ("unavailable", [("status", 503)], {}, r"HTTP 503"),
    ("timeout", [("sleep", 2.0)], {"timeout": 0.2}, r"no answer within 0.2 s"),
    ("malformed-json", ["malformed"], {}, r"the answer is not JSON"),
    ("municipality-missing", [("drop", "4601")], {},
     r"the answer has no population at 1 January 2021 for municipality 4601 Bergen"),
    ("too-many-requests-for-long", [("status", 429, {"Retry-After": "3600"})], {}, r"wait 3600 s"),
    ("too-many-requests-always", [("status", 429, {"Retry-After": "0"})] * ssb.TRIES, {},
     r"too many requests.*after 4 tries"),
    ("too-large", [], {"max_bytes": 1000}, r"the answer would be \d+ bytes, more than the 1000 bytes accepted"),
    ("offline", [], "closed-port",
     r"cannot reach the API \(.*refused: offline, or a wrong address\?\).*Try again later"),
]


@pytest.mark.parametrize("script, options, message", [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_a_failed_fetch_says_what_failed_in_one_line_and_writes_nothing(project_dir, server, limiter, script,
                                                                       options, message):
    server.script = list(script)
    if options == "closed-port":
        options = _closed_port_api()
    before = _snapshot(project_dir)
    with pytest.raises(FetchError, match=message) as err:
        ssb.fetch_population(project_dir / "lkt_project.toml", [2021], limiter=limiter, **options)
    text = str(err.value)
    assert "\n" not in text and text.startswith("fetching SSB table 07459 from ")
    assert "nothing was written" in text and "docs/population.md" in text
    assert _snapshot(project_dir) == before  # no file made, the project file unchanged


def test_an_existing_file_is_not_replaced_without_overwrite(project_dir, server, limiter):
    project_file = project_dir / "lkt_project.toml"
    ssb.fetch_population(project_file, [2021], limiter=limiter)
    before = _snapshot(project_dir)
    with pytest.raises(errors.OutputError, match=r"07459_Personer2021.json: exists already.*overwrite"):
        ssb.fetch_population(project_file, [2021], limiter=limiter)
    assert _snapshot(project_dir) == before and len(server.requests) == 1  # refused before asking SSB
    result = ssb.fetch_population(project_file, [2021], overwrite=True, limiter=limiter)
    assert result.project_updated and result.entries == ("ssb/07459_Personer2021.json",) and result.added == ()
    assert "names it already" in result.lines()[-2]
    population = tomllib.loads(project_file.read_text("utf-8"))["project"]["population"]
    assert population.count("ssb/07459_Personer2021.json") == 1  # named once


def test_years_the_project_holds_already_are_refused_before_asking(project_dir, server, limiter):
    before = _snapshot(project_dir)
    with pytest.raises(errors.InputError, match=r"07459_Personer2020.csv holds 1 January 2020 already"):
        ssb.fetch_population(project_dir / "lkt_project.toml", [2020, 2021], limiter=limiter)
    assert server.requests == [] and _snapshot(project_dir) == before


def test_more_cells_than_one_request_gives_make_one_file_per_request(project_dir, server, limiter):
    result = ssb.fetch_population(project_dir / "lkt_project.toml", [2021, 2022], max_cells=18 * 106,
                                  limiter=limiter)
    assert [d.years for d in result.downloads] == [(2021,), (2022,)] and len(server.requests) == 2
    assert result.entries == ("ssb/07459_Personer2021.json", "ssb/07459_Personer2022.json")
    project = lkt.load_project(project_dir / "lkt_project.toml")
    assert {2021, 2022} <= set(project.population["year"])


def test_a_failure_in_a_later_request_writes_nothing_either(project_dir, server, limiter):
    server.script = ["ok", ("status", 502)]
    before = _snapshot(project_dir)
    with pytest.raises(FetchError, match=r"HTTP 502"):
        ssb.fetch_population(project_dir / "lkt_project.toml", [2021, 2022], max_cells=18 * 106, limiter=limiter)
    assert len(server.requests) == 2 and _snapshot(project_dir) == before


def test_a_project_file_with_a_byte_order_mark_keeps_it(project_dir, server, limiter):
    project_file = project_dir / "lkt_project.toml"
    project_file.write_bytes(b"\xef\xbb\xbf" + project_file.read_bytes())
    ssb.fetch_population(project_file, [2021], limiter=limiter)
    raw = project_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b'"ssb/07459_Personer2021.json",' in raw
    lkt.load_project(project_file)


def test_a_list_written_oddly_is_left_alone_and_the_line_to_add_is_told(project_dir, server, limiter):
    project_file = project_dir / "lkt_project.toml"
    odd = project_file.read_text("utf-8").replace("population = [", 'population = "ssb/07459_Personer2020.csv"\nx = [')
    project_file.write_text(odd, encoding="utf-8")
    result = ssb.fetch_population(project_file, [2021], limiter=limiter)
    assert project_file.read_text("utf-8") == odd and not result.project_updated
    assert result.pending == ("07459_Personer2021.json",) and result.added == ()
    assert (project_dir / "07459_Personer2021.json").exists()  # no list to tell where: beside the project file
    told = result.lines()[-2]
    assert "was not changed" in told and '"07459_Personer2021.json"' in told


@pytest.mark.parametrize("text, expected", [
    ('[project]\npopulation = ["a.csv"]\n', '[project]\npopulation = ["a.csv", "new.json"]\n'),
    ('[project]\npopulation = []  # none yet\n', '[project]\npopulation = ["new.json"]  # none yet\n'),
    ('[project]\npopulation = [\n  "a.csv"  # the first\n]\n',
     '[project]\npopulation = [\n  "a.csv",  # the first\n  "new.json"\n]\n'),
    ('[project]\r\npopulation = [\r\n    "a.csv",\r\n]\r\nkey = "x"\r\n',
     '[project]\r\npopulation = [\r\n    "a.csv",\r\n    "new.json",\r\n]\r\nkey = "x"\r\n'),
    ('[project]\npopulation = ["a.csv",\n              "b.csv"]\n',
     '[project]\npopulation = ["a.csv",\n              "b.csv",\n              "new.json"]\n'),
    ('[other]\npopulation = [1]\n[project]\npopulation = [\'a.csv\', ]\n',
     '[other]\npopulation = [1]\n[project]\npopulation = [\'a.csv\', "new.json" ]\n'),
    ('[project]\n"population" = ["a.csv"]\n', '[project]\n"population" = ["a.csv", "new.json"]\n'),  # a quoted key
    ('project.population = ["a.csv"]\n', 'project.population = ["a.csv", "new.json"]\n'),  # a dotted key
    ('[project]\npopulation = ["""a.csv"""]\n', '[project]\npopulation = ["""a.csv""", "new.json"]\n'),
])
def test_an_entry_is_added_keeping_the_files_layout(text, expected):
    assert ssb.add_population_entries(text, ["new.json"]) == expected


@pytest.mark.parametrize("text", [
    '[project]\npopulation = "a.csv"\n',      # not a list
    '[project]\nbudget = "b.xlsx"\n',         # no list
])
def test_a_list_written_in_a_way_the_edit_does_not_know_is_refused(text):
    with pytest.raises(ValueError):
        ssb.add_population_entries(text, ["new.json"])


def test_the_rate_limiter_sends_30_a_minute():
    clock, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = ssb.RateLimiter(clock=lambda: clock[0], sleep=sleep)
    for _ in range(30):
        limiter.wait()
        clock[0] += 0.1
    assert slept == []
    limiter.wait()
    assert slept == [pytest.approx(57.0)]  # the first of the 30 was sent 60 s before


def test_the_address_comes_from_the_environment_and_must_be_http(project_dir, monkeypatch):
    monkeypatch.setenv("LKT_SSB_API", "file:///etc")
    with pytest.raises(errors.ParameterError, match=r"'file:///etc' is not an http\(s\) address"):
        ssb.fetch_population(project_dir / "lkt_project.toml", [2021])
    assert ssb.data_url(["4601"], [2025]).startswith("https://data.ssb.no/api/pxwebapi/v2/tables/07459/data?")


def test_years_with_other_municipalities_are_asked_for_apart():
    register = population.read_municipalities(lkt.paths.DATA_RAW / "municipalities.csv")
    plan = ssb._plan(register, [2019, 2021, 2022], ssb.MAX_CELLS, Path("municipalities.csv"))
    assert [(len(codes), years) for codes, years in plan] == [(24, [2019]), (18, [2021, 2022])]
    assert plan[1][0] == sorted(existing(register, date(2021, 1, 1))["code"]) == CODES_2021
    assert plan[0][0] == sorted(existing(register, date(2019, 1, 1))["code"])


def test_the_docstring_examples_run():
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for function in (ssb.data_url, ssb.add_population_entries):
        for example in doctest.DocTestFinder().find(function, globs={function.__name__: function}):
            runner.run(example)
    assert runner.tries == 2 and runner.failures == 0
