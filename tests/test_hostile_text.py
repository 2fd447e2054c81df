"""Input text is text: hostile text in every free-text field of the project file, the budget workbook and the
register reaches every kind of page only as text, never as an element, an attribute, a link, Markdown, mathtext
or template syntax (synthetic hostile names on the real LKT inputs)."""

import json
from html.parser import HTMLParser

import pandas as pd
import pytest
from openpyxl import load_workbook

from lkt_analysis.batch import run_reports

EVIL = ('<b data-evil="1">fet</b><img src=x onerror="alert(1)"><script>alert(2)</script>'
        '[lenke](javascript:alert(3)) *kursiv* __fet__ {{7*7}} {% if 1 %}x{% endif %} $\\alpha$')


def hostile(label: str) -> str:
    return f"{label} {EVIL}"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements, self.text, self.scripts = [], [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self.elements and self.elements[-1][0] == "script" and self.lasttag == "script":
            if self.elements[-1][1].get("type") != "application/json":  # data is never run
                self.scripts.append(data)
        else:
            self.text.append(data)


def _read(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    import shutil

    import lkt_analysis as lkt

    folder = tmp_path_factory.mktemp("hostile") / "raw"
    shutil.copytree(lkt.paths.DATA_RAW, folder)
    toml = folder / "lkt_project.toml"
    text = toml.read_text(encoding="utf-8")
    party = "Kommunene i foretaksområdet"
    for old, new in [
        ('name = "LKT – Langvarige og koordinerte tenester"', f"name = {json.dumps(hostile('LKT'))}"),
        ('label = "hausten 2018"', f"label = {json.dumps(hostile('hausten 2018'))}"),
        ('label = "Bergen 50 %, resten etter folketal"', f"label = {json.dumps(hostile('Bergen 50'))}"),
        ('label = "Likt per kommune"', f"label = {json.dumps(hostile('Likt'))}\ntitle = {json.dumps(hostile('Likt'))}"),
        ('helse_bergen = "Helse Bergen HF"', f"helse_bergen = {json.dumps(hostile('Helse Bergen HF'))}"),
        (f'"{party}" =', f"{json.dumps(hostile(party))} ="),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    book = load_workbook(folder / "lkt_budget.xlsx")
    for row in book["Budsjett"].iter_rows(min_row=2):
        row[1].value = hostile(str(row[1].value))
        if row[5].value == party:
            row[5].value = hostile(party)
    book.save(folder / "lkt_budget.xlsx")
    register = pd.read_csv(folder / "municipalities.csv", dtype=str, keep_default_na=False)
    register["name"] = register["name"].map(hostile)
    register["cooperation_council"] = register["cooperation_council"].map(hostile)
    register.to_csv(folder / "municipalities.csv", index=False)
    out = folder.parent / "out"
    for compare in (False, True):
        outcomes = run_reports(toml, years=[2018], keys=["bergen_50", "equal"], out=out, compare=compare)
        assert [o.error for o in outcomes] == [None] * len(outcomes)
    return sorted(out.glob("*.html"))


@pytest.mark.slow
def test_every_page_shows_hostile_input_only_as_text(pages):
    assert len(pages) == 4  # two yearly reports, the comparison, the index
    for path in pages:
        page = _read(path)
        for tag, attrs in page.elements:
            assert tag not in ("img", "iframe", "object"), (path.name, tag)
            assert tag != "script" or "samanlikning" in path.name, (path.name, tag)  # "Prøv sjølv" alone has one
            assert not {"data-evil", "onerror", "onclick"} & set(attrs), (path.name, tag, attrs)
            assert not str(attrs.get("href", "")).startswith("javascript"), (path.name, attrs)
            assert tag not in ("em", "i") or path.name == "index.html", (path.name, tag)  # no Markdown emphasis
        text = "".join(page.text)
        assert not any("alert(" in script for script in page.scripts), path.name  # input never in a script as code
        assert "[lenke](javascript:alert(3))" in text and "{{7*7}}" in text, path.name
        assert "<script>alert(2)</script>" in text, path.name
    report = next(p for p in pages if "fordeling_2018_bergen_50" in p.name).read_text(encoding="utf-8")
    assert "$\\alpha$" in report  # in the charts' SVG text too: no mathtext
