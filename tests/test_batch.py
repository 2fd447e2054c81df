"""The report batch (lkt_analysis.batch): papermill runs of the notebooks, HTML, spreadsheet, index (these start
real kernels, so all are marked slow)."""

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill
import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis import errors
from lkt_analysis.batch import execute, run_report, run_reports
from lkt_analysis.planning import plan
from lkt_analysis.cli import main
from conftest import table_rows

pytestmark = pytest.mark.slow
KEYS = ["bergen_50", "per_capita", "pilot_municipalities", "elderly_67"]
NOTEBOOK = lkt.paths.REPORT_NOTEBOOK


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Eight reports (two years x four keys) with four kernels at a time: many parallel kernel starts."""
    out = tmp_path_factory.mktemp("reports")
    outcomes = run_reports(years=[2018, 2019], keys=KEYS, jobs=4, out=out)
    return out, [o for o in outcomes if o.error]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.resources = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("src", "href"):
            if tag in ("script", "link", "img", "iframe") and attrs.get(name):
                self.resources.append(attrs[name])


def dom(page: str) -> list[tuple]:
    """A page as the browser reads it: each element with its attributes, and the text, white space aside."""
    items = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            items.append((tag, sorted((name, " ".join((value or "").split())) for name, value in attrs)))

        def handle_data(self, data):
            if data.strip():
                items.append((" ".join(data.split()),))

    Reader().feed(page)
    return items


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_run_succeeds_and_writes_its_four_files(batch):
    out, failed = batch
    assert failed == []
    for year in (2018, 2019):
        for key in KEYS:
            for ext in ("html", "ipynb", "json"):
                assert (out / f"lkt_fordeling_{year}_{key}.{ext}").is_file()
    assert (out / "lkt_vedlegg_2018-2019_bergen_50.xlsx").is_file()  # one attachment for the decision's years
    assert (out / "lkt_alternativ_2018-2019_per_capita.xlsx").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging or temporary file left


def test_html_has_no_code_and_fetches_nothing(batch):
    out, _ = batch
    page = out / "lkt_fordeling_2019_bergen_50.html"
    text = page.read_text(encoding="utf-8")
    assert "import lkt_analysis" not in text and "lkt.report" not in text
    assert "warning" not in text.lower()  # what a kernel printed to stderr stays in the notebook
    assert not re.search(r'class="[^"]*(jp-CodeMirrorEditor|hl-ipython3)', text)  # no code input rendered
    parser = _parse(page)
    assert all(r.startswith(("data:", "#")) for r in parser.resources), parser.resources
    assert "<script src" not in text and not re.search(r"url\(\s*['\"]?https?:", text)
    assert "require.js" not in text and "mathjax" not in text.lower()
    assert text.count("<svg") == 2 and "<text" in text  # the charts inline, their text kept as text
    assert "1\xa0525\xa0000\xa0kr" in text and "762\xa0500" in text  # Norwegian number format


def test_the_page_prints_on_a4_and_says_what_it_is(batch):
    out, _ = batch
    page = out / "lkt_fordeling_2019_elderly_67.html"
    text = page.read_text(encoding="utf-8")
    assert page.stat().st_size <= 150_000
    assert '<html lang="nn">' in text and "size: A4;" in text
    assert "break-after: avoid" in text and "break-inside: avoid" in text
    assert "thead { display: table-header-group" in text
    assert '@top-left { content: "LKT · 2019 · Etter talet på eldre, 67 år og over · ALTERNATIV, IKKJE VEDTEKEN"' \
        in text and '"side " counter(page) " av " counter(pages)' in text  # on every printed page
    title = "LKT – Langvarige og koordinerte tenester: fordeling 2019 – Etter talet på eldre, 67 år og over"
    assert f"<title>{title}</title>" in text and re.search(rf"<h1[^>]*>{title}", text)
    assert str(lkt.paths.ROOT) not in text and "/tmp" not in text and "None" not in text  # no paths, no Python


def test_report_states_its_parameters_inputs_and_version(batch):
    out, _ = batch
    record = json.loads((out / "lkt_fordeling_2018_per_capita.json").read_text(encoding="utf-8"))
    assert record["parameters"]["year"] == 2018 and record["parameters"]["key"] == "per_capita"
    assert record["parameters"]["key_params"] == {}  # defaults are stated too
    assert record["parameters"]["project_file"] == "lkt_project.toml"  # relative to the project file
    assert record["about"]["Folketal"].startswith("per 1. januar 2018") and record["language"] == "nn"
    assert record["lkt_analysis_version"] == lkt.__version__
    assert {i["path"] for i in record["inputs"]} >= {"lkt_budget.xlsx", "municipalities.csv",
                                                     "ssb/07459_Personer2019.csv"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["sha256"]) for i in record["inputs"])
    text = (out / "lkt_fordeling_2018_per_capita.html").read_text(encoding="utf-8")
    assert "Etter folketal, alle kommunane" in text
    footer = text[text.index('<footer class="reader-footer">'):]
    for item in record["inputs"]:  # the reader sees each file by name with its SHA-256's first characters
        assert f"{Path(item['path']).name} {item['sha256'][:12]}" in footer
    assert re.search(r"Laga \d+\. \w+ \d{4} kl\. \d\d\.\d\d av lkt_analysis", footer)
    assert footer.count("<p>") == 2  # compact: a line of what and when, a line of checksums


def test_the_appendix_shows_how_every_amount_was_computed(batch):
    out, _ = batch
    text = (out / "lkt_fordeling_2018_bergen_50.html").read_text(encoding="utf-8")
    assert "Slik er beløpa rekna ut" in text
    assert "112\xa0487\xa0kr + 13\xa0kr = 112\xa0500\xa0kr ✓" in text  # rounded down, the kroner left, the total
    assert "931 / 174\xa0081" in text and "300,8297" in text  # Eidfjord: its population of the 23's, its amount


def test_decision_years_do_not_depend_on_the_batch(tmp_path):
    out = tmp_path / "out"
    [outcome] = run_reports(years=[2019], out=out)
    amounts = table_rows(load_workbook(out / outcome.files["xlsx"])["Fordeling"])
    assert amounts[0][5:7] == ("Beløp hausten 2018 (kr)", "Beløp 2019 (kr)")


def test_index_lists_every_report_and_its_links_resolve(batch):
    out, _ = batch
    parser = _parse(out / "index.html")
    assert len(parser.links) == 8 * 4
    assert all((out / link).is_file() for link in parser.links)
    assert not parser.resources
    text = (out / "index.html").read_text(encoding="utf-8")
    assert text.count("1\xa0525\xa0000\xa0kr") == 4 and "hausten 2018" in text


def test_notebook_runs_with_its_defaults(tmp_path):
    executed = tmp_path / "run.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(executed), kernel_name="python3", progress_bar=False,
                               cwd=str(NOTEBOOK.parent))
    text = json.dumps(nbformat.read(executed, as_version=4))
    assert "1\\u00a0525\\u00a0000\\u00a0kr" in text


def test_a_failing_run_does_not_stop_the_others_and_leaves_nothing(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell('if year == 2019:\n    raise ValueError("boom")'))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(notebook, broken)
    out = tmp_path / "out"
    failed = [o for o in run_reports(years=[2018, 2019], out=out, jobs=2, notebook=broken) if o.error]
    assert [f.run.stem for f in failed] == ["lkt_fordeling_2019_bergen_50"]
    assert re.fullmatch(r"ValueError: boom \(in cell \d+: if year == 2019:\)", failed[0].error)  # one line
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["index.html", "lkt_vedlegg_2018-2019_bergen_50.xlsx"] + [f"lkt_fordeling_2018_bergen_50.{e}"
                                                                 for e in ("html", "ipynb", "json")])
    assert "Feila i siste køyring: lkt_fordeling_2019_bergen_50: ValueError: boom" in (out / "index.html").read_text(
        encoding="utf-8")


def test_report_cli_with_changed_key_parameters(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--years", "2019", "-p", 'key_params={"share": 0.4}', "--out", str(out)]) == 0
    [record] = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")]
    assert record["parameters"]["key_params"] == {"share": 0.4}
    [sheet] = [load_workbook(p).worksheets[0] for p in out.glob("lkt_alternativ_2018-2019_bergen_50_share-0.4.xlsx")]
    bergen = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "1201")
    assert bergen[6] == 610_000  # 40 % of 1 525 000
    assert "1 made, 0 skipped (unchanged), 0 failed" in capsys.readouterr().out


def test_comparison_report_through_the_batch(tmp_path):
    out = tmp_path / "out"
    [outcome] = run_reports(years=[2019], keys=["per_capita", "equal", "pilot_municipalities"], out=out,
                            compare=True)
    assert outcome.error is None
    stem = "lkt_samanlikning_2019"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["index.html"] + [f"{stem}.{e}" for e in ("html", "ipynb", "xlsx", "json")])
    text = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "samanlikning av fordelingsnøklar 2019</title>" in text
    assert "Berre pilotkommunane Bergen, Os og Lindås" in text
    assert "61,6\xa0%" in text  # Bergen pays as much per inhabitant as the others at its share of the population
    assert "import lkt_analysis" not in text
    assert all(r.startswith(("data:", "#")) for r in _parse(out / f"{stem}.html").resources)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Samanlikning av fordelingsnøklar" in index and f"{stem}.html" in index
    record = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert record["parameters"]["keys"] == ["per_capita", "equal", "pilot_municipalities"]
    summary = load_workbook(out / f"{stem}.xlsx")["Oppsummering"]
    assert [row[0] for row in table_rows(summary)[1:]] == [
        "Bergen 50 %, resten etter folketal", "Etter folketal, alle kommunane", "Likt per kommune",
        "Berre pilotkommunane Bergen, Os og Lindås"]


def test_explore_notebook_runs_headless_with_its_defaults(tmp_path):
    executed = tmp_path / "explore.ipynb"
    execute(lkt.paths.EXPLORE_NOTEBOOK, executed, {})
    notebook = nbformat.read(executed, as_version=4)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


def test_a_parallel_batch_over_tcp_where_zeromq_has_no_ipc(tmp_path, monkeypatch):
    """Windows' pyzmq has no IPC transport: the kernels then talk TCP on the loopback address."""
    import zmq

    monkeypatch.setattr(zmq, "has", lambda capability: False if capability == "ipc" else True)
    from lkt_analysis import kernels

    assert kernels.manager_config("unused")["transport"] == "tcp"
    outcomes = run_reports(years=[2018, 2019], keys=["bergen_50", "equal"], jobs=2, out=tmp_path / "out")
    assert [o.error for o in outcomes] == [None] * 4


def test_the_path_taken_on_windows(tmp_path):
    """Spawned workers, kernels started as new processes, TCP: the batch as it runs where the OS cannot fork
    (benchmarks/windows_like.py makes this machine behave so)."""
    import subprocess
    import sys

    script = lkt.paths.ROOT / "benchmarks" / "windows_like.py"
    done = subprocess.run([sys.executable, str(script), "report", "--years", "2018", "2019", "--jobs", "2",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2 made, 0 skipped (unchanged), 0 failed" in done.stdout
    assert len(list((tmp_path / "out").glob("*.json"))) == 2


def test_set_changes_a_key_parameter_without_json(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--years", "2019", "--set", "share=0.4", "--out", str(out)]) == 0
    assert (out / "lkt_fordeling_2019_bergen_50_share-0.4.html").is_file()  # the name says what it is
    record = json.loads((out / "lkt_fordeling_2019_bergen_50_share-0.4.json").read_text(encoding="utf-8"))
    assert record["parameters"]["key_params"] == {"share": 0.4}
    assert main(["report", "--set", "share", "--out", str(out)]) == 2
    assert "--set 'share' is not NAME=VALUE" in capsys.readouterr().err


def test_unchanged_reports_are_skipped_and_stale_ones_marked(tmp_path, project_dir, capsys):
    out, project_file = tmp_path / "out", str(project_dir / "lkt_project.toml")
    args = ["report", "--project", project_file, "--years", "2019", "--out", str(out)]
    assert main(args) == 0
    made = (out / "lkt_fordeling_2019_bergen_50.html").stat().st_mtime_ns
    assert main(args) == 0 and "0 made, 1 skipped (unchanged), 0 failed" in capsys.readouterr().out
    assert (out / "lkt_fordeling_2019_bergen_50.html").stat().st_mtime_ns == made
    assert main([*args, "--force"]) == 0 and "1 made, 0 skipped" in capsys.readouterr().out

    budget = load_workbook(project_dir / "lkt_budget.xlsx")  # a changed input: the report is out of date
    budget.active["D2"] = budget.active["D2"].value + 1000
    budget.save(project_dir / "lkt_budget.xlsx")
    assert main([*args, "--dry-run"]) == 0
    assert "make  lkt_fordeling_2019_bergen_50" in capsys.readouterr().out
    assert main([*args, "--keys", "equal"]) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr class=\"([^\"]*)\">(.*?)</tr>", index, re.S)
    assert [("latest" in c, "stale" in c, "Likt per kommune" in r) for c, r in rows] == [
        (False, True, False), (True, False, True)]  # the adopted key first, marked out of date; then the alternative
    assert "utdatert" in rows[0][1] and "siste køyring" in rows[1][1] and "alternativ, ikkje vedteken" in rows[1][1]


def test_a_page_without_a_chart_to_draw_shows_no_trace_of_it(tmp_path, project_dir):
    """A year without new cost, a comparison of keys without an anchor: the charts are left out, not "None"."""
    from conftest import HB, KOM, write_budget

    write_budget(project_dir / "lkt_budget.xlsx", [["1", "Leder", 2018, 100, None, HB],  # synthetic
                                                   ["2", "Team", 2019, 100, "x", KOM]])
    path = project_dir / "lkt_project.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('key = "bergen_50"', 'key = "per_capita"'),
                    encoding="utf-8")
    out = tmp_path / "out"
    [report] = run_reports(path, years=[2019], out=out)
    [comparison] = run_reports(path, years=[2018], keys=["equal"], compare=True, out=out)
    for outcome in (report, comparison):
        page = (out / outcome.files["html"]).read_text(encoding="utf-8")
        assert outcome.error is None and not re.search(r">\s*None\s*<", page)
    page = (out / report.files["html"]).read_text(encoding="utf-8")
    assert "Ingen ny kostnad til fordeling 2019" in page and "Kven ber kostnaden" not in page


def test_an_attachment_whose_years_changed_is_removed_once_no_report_names_it(tmp_path, project_dir):
    """A budget year joins the decision: the attachment of the old years goes, lest it be sent."""
    out, project_file = tmp_path / "out", project_dir / "lkt_project.toml"
    assert run_reports(project_file, out=out)  # 2018 and 2019: lkt_vedlegg_2018-2019_bergen_50.xlsx
    (out / "notat.xlsx").write_bytes(b"the analyst's own file")
    text = project_file.read_text(encoding="utf-8")
    project_file.write_text(text.replace("[years.2019]", "[years.2017]\nlabel = \"2017\"\npopulation_year = 2017\n\n"
                                         "[years.2019]"), encoding="utf-8")
    budget = load_workbook(project_dir / "lkt_budget.xlsx")  # the posts of 2019 again, for 2017 (synthetic)
    sheet = budget["Budsjett"]
    for row in [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == 2019]:
        sheet.append([*row[:2], 2017, *row[3:]])
    budget.save(project_dir / "lkt_budget.xlsx")

    [outcome] = run_reports(project_file, years=[2019], out=out)
    assert outcome.files["xlsx"] == "lkt_vedlegg_2017-2019_bergen_50.xlsx"
    assert (out / "lkt_vedlegg_2018-2019_bergen_50.xlsx").is_file()  # the 2018 report (out of date) names it
    run_reports(project_file, out=out)
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["lkt_vedlegg_2017-2019_bergen_50.xlsx", "notat.xlsx"]


def test_the_fast_path_makes_the_same_report_as_the_public_one(tmp_path, monkeypatch):
    """Where the OS can fork, kernels are forks of a pre-imported worker and the page skips nbconvert's last
    pass; the report is the same as on the public path (kernels as new processes): the same elements,
    attributes and text, written out by nbconvert's template rather than by BeautifulSoup."""
    from lkt_analysis import fastpath

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")
    [run] = plan(lkt.paths.DEFAULT_PROJECT, years=[2019], keys=["elderly_67"])
    forked = []
    launch = fastpath.ForkingProvisioner.launch_kernel

    async def counted(self, cmd, **kwargs):
        forked.append(cmd)
        return await launch(self, cmd, **kwargs)

    monkeypatch.setattr(fastpath.ForkingProvisioner, "launch_kernel", counted)
    pages = {}
    for fast in (True, False):
        out = tmp_path / str(fast)
        out.mkdir()
        outcome = run_report(run, out, NOTEBOOK, fast)
        assert outcome.error is None and outcome.fallback is None
        pages[fast] = dom((out / outcome.files["html"]).read_text(encoding="utf-8"))
    assert len(forked) == 1 and pages[True] == pages[False]


def test_the_same_inputs_give_the_same_report(tmp_path, monkeypatch):
    """Byte for byte with SOURCE_DATE_EPOCH; without it only the marked time the page was made differs."""
    def page(folder: str) -> tuple[str, bytes]:
        [outcome] = run_reports(years=[2018], out=tmp_path / folder)
        return ((tmp_path / folder / outcome.files["html"]).read_text(encoding="utf-8"),
                (tmp_path / folder / outcome.files["xlsx"]).read_bytes())

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764028800")
    assert page("a") == page("b")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    made = re.compile(r"Laga \d+\. \w+ \d{4} kl\. \d\d\.\d\d")
    assert made.sub("", page("c")[0]) == made.sub("", page("a")[0])


def test_a_run_stopped_while_it_moves_its_files_in_leaves_no_mixed_set(tmp_path, monkeypatch):
    """The four files of a report cannot be renamed at once: stopped between two renames, the report is
    neither listed nor left half old, half new."""
    out = tmp_path / "out"
    run_reports(years=[2018, 2019], out=out, jobs=1)  # complete earlier reports
    replace = os.replace

    def stopped_half_way(source, target):
        replace(source, target)
        if target == out / "lkt_fordeling_2019_bergen_50.html":  # moved into the output folder
            raise KeyboardInterrupt  # as if the batch were stopped between two renames

    monkeypatch.setattr(os, "replace", stopped_half_way)
    with pytest.raises(errors.Interrupted, match="1 of 2 reports finished"):
        run_reports(years=[2018, 2019], out=out, jobs=1, force=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["index.html", "lkt_vedlegg_2018-2019_bergen_50.xlsx"] + [f"lkt_fordeling_2018_bergen_50.{e}"
                                                                 for e in ("html", "ipynb", "json")])
    assert len(_parse(out / "index.html").links) == 4


def _processes(*marks: str) -> int:
    """How many processes on this machine have one of ``marks`` in their command line (Linux: from /proc).

    A kernel started as a new process runs ``ipykernel_launcher``; a forked one keeps its
    worker's command line, which is the batch's.
    """
    count = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            count += any(mark.encode() in cmdline.read_bytes() for mark in marks)
        except OSError:
            pass
    return count


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts kernels through /proc")
@pytest.mark.parametrize("signal_name, to_group", [("SIGTERM", False), ("SIGINT", True)])
def test_an_interrupted_batch_stops_cleanly(tmp_path, signal_name, to_group):
    """SIGTERM to lkt, or Ctrl-C (SIGINT to its process group): queued runs cancelled, kernels gone, no
    half-written file, the index lists what was finished, one line, exit code 130."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    before = _processes("ipykernel_launcher", str(out))
    batch = subprocess.Popen([sys.executable, "-m", "lkt_analysis", "report", "--years", "2018", "2019",
                              "--keys", *KEYS, "--jobs", "2", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not list(out.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    number = getattr(signal, signal_name)
    os.killpg(batch.pid, number) if to_group else batch.send_signal(number)
    _, err = batch.communicate(timeout=60)
    assert batch.returncode == 130
    lines = [line for line in err.splitlines() if line.startswith("lkt:")]
    assert len(lines) == 1 and re.fullmatch(r"lkt: interrupted: [0-7] of 8 reports finished; open .*index.html",
                                            lines[0])
    assert "Traceback" not in err
    finished = int(lines[0].split()[2])
    for _ in range(50):  # a kernel notices within a second or two that its worker is gone
        if _processes("ipykernel_launcher", str(out)) <= before:
            break
        time.sleep(0.1)
    assert _processes("ipykernel_launcher", str(out)) <= before  # no worker and no kernel left
    assert "Parent appears to have exited" not in err
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder or temporary file
    records = sorted(out.glob("*.json"))
    assert len(records) == finished and all(
        all((out / f"{r.stem}.{ext}").is_file() for ext in ("html", "ipynb")) for r in records)
    assert len(_parse(out / "index.html").links) == 4 * finished
