"""Every output in the project's written standard: nothing of the other form in a nynorsk or a bokmål report,
comparison, index or workbook, outside text that came from input (names, labels, the decision's wording); the
seed figures exact in both (the bundled real inputs; the bokmål project is the same project in bokmål)."""

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis import index

pytestmark = pytest.mark.slow

# words that belong to one written standard only; found in the other's outputs, a text is in the wrong form
ONLY = {
    "nb": ["ikke", "hvem", "hvor", "folketall", "kommunene", "mer", "noe", "hver", "fordeles", "dekket",
           "spesialisthelsetjenesten", "regnet", "laget", "vedtatt", "vedtatte", "høyest", "lavest", "gevinst",
           "sammenligning", "øverst", "bare", "kommuner", "innbygger", "sparer", "fra", "én", "tallene"],
    "nn": ["ikkje", "kven", "kor", "folketal", "kommunane", "meir", "noko", "kvar", "betalar", "dekt",
           "spesialisthelsetenesta", "rekna", "laga", "vedteken", "vedtekne", "høgast", "lågast", "vinst",
           "samanlikning", "øvst", "berre", "kommunar", "innbyggjar", "sparar", "frå", "éin", "dei", "eit", "ein"],
}


class Text(HTMLParser):
    """The text a reader sees on a page, its scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    reader = Text()
    reader.feed(path.read_text(encoding="utf-8"))
    return "\n".join(reader.parts)


def book_text(path: Path) -> str:
    book = load_workbook(path)
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    return "\n".join([*book.sheetnames, *cells, *(s.oddHeader.left.text or "" for s in book.worksheets),
                     *(s.oddFooter.right.text or "" for s in book.worksheets)])


def from_input(project_file: Path) -> list[str]:
    """Every text the project's inputs give, longest first: shown as written, whatever its form."""
    project = lkt.load_project(project_file)
    spec = tomllib.loads(project_file.read_text(encoding="utf-8"))
    texts = [project.name, project.attachment, project.decision, project.adopted_by or "",
             *(str(k.label or "") for k in project.keys.values()), *project.hospitals["name"],
             *project.municipalities["name"], *project.municipalities["cooperation_council"],
             *project.budget["cost_element"], *project.budget["financed_by"],
             *(y["label"] for y in spec["years"].values())]
    pieces = project.decision.split("{")  # the decision's wording around its placeholders
    texts = [*texts, *(p.split("}")[-1] for p in pieces)]
    cut = [t[:most - 1] + "…" for t in texts for most in (22, 40) if len(t) > most]  # as a chart shortens them
    return sorted({t for t in [*texts, *cut] if t.strip()}, key=len, reverse=True)


def words_outside_input(text: str, inputs: list[str]) -> set[str]:
    text = text.replace("\xa0", " ")  # a number in input text is shown kept with its unit
    for item in inputs:
        text = text.replace(item, " ")
    return set(re.findall(r"[a-zæøåéA-ZÆØÅÉ]+", text.lower()))


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_every_output_is_in_the_projects_written_standard(rendered, language):
    out = rendered[language]
    project_file = Path(next(iter(index.read_records(out)))["project"]["file"])
    inputs = from_input(project_file)
    other = "nb" if language == "nn" else "nn"
    outputs = [*sorted(out.glob("*.html")), *sorted(out.glob("*.xlsx"))]
    assert len(outputs) == 4 + 3  # two reports, the comparison, the index; two attachments, the comparison's book
    names = set(re.findall(r"[a-zæøå]+", " ".join(p.stem for p in out.iterdir())))
    assert not names & set(ONLY[other]) and {"samanlikning" if language == "nn" else "sammenligning"} <= names
    for path in outputs:
        text = page_text(path) if path.suffix == ".html" else book_text(path)
        wrong = words_outside_input(text, inputs) & set(ONLY[other])
        assert not wrong, f"{path.name}: {sorted(wrong)} belong to the other written standard"


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_the_seed_figures_are_exact_in_both(rendered, language):
    out = rendered[language]
    report = page_text(out / "lkt_fordeling_2019_bergen_50.html")
    assert "1\xa0235\xa0000\xa0kr" in report and "1\xa0525\xa0000\xa0kr" in report and "762\xa0500" in report
    rows = pd.DataFrame(load_workbook(out / "lkt_vedlegg_2018-2019_bergen_50.xlsx").worksheets[0].values)
    bergen = rows[rows[1] == "1201"].iloc[0]
    assert (bergen[5], bergen[6]) == (56_250, 762_500)


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_no_amount_is_broken_across_a_line(rendered, language):
    out = rendered[language]
    for path in sorted(out.glob("*.html")):
        text = page_text(path)
        assert not re.search(r"\d \d{3}(?!\d)", text), path.name  # digit groups joined by no-break spaces
        assert not re.search(r"\d kr\b", text) and not re.search(r"kr\. \d", text), path.name
    decision = load_workbook(out / "lkt_vedlegg_2018-2019_bergen_50.xlsx")[
        "Forslag til vedtak"]["C9"].value
    assert re.search(r"kr\.\xa0\d+\xa0\d{3} for 2019", decision)
