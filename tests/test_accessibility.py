"""Every kind of page is accessible: its language named, table headings marked for screen readers, every chart an
image with a text alternative, headings in order, and text contrast of at least 4.5:1 (WCAG AA)."""

import re
from html.parser import HTMLParser

import pytest

from lkt_analysis.text import words

pytestmark = pytest.mark.slow
PAGES = ["lkt_fordeling_2019_bergen_50.html", "lkt_fordeling_2019_per_capita.html", "lkt_samanlikning_2019.html",
         "index.html"]


class Page(HTMLParser):
    VOID = {"br", "img", "meta", "link", "hr", "input", "path", "rect", "line", "circle", "use"}

    def __init__(self) -> None:
        super().__init__()
        self.stack, self.headings, self.th, self.svgs, self.lang, self.styles = [], [], [], [], None, []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "th":
            self.th.append(attrs.get("scope"))
        if tag == "svg":
            self.svgs.append([a for _, a in self.stack if a.get("role") == "img"])
        self.in_style = tag == "style"
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.styles.append(data)


def _read(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def luminance(colour: str) -> float:
    hex_ = colour.lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("language", ["nn", "nb"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_accessible(rendered, language, name):
    page = _read(rendered[language] / name.replace("samanlikning", words(language)("file.comparison")))
    assert page.lang == language
    assert page.th and all(scope in ("col", "row") for scope in page.th)
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in zip(page.headings, page.headings[1:])), page.headings
    for images in page.svgs:
        assert images and images[-1].get("aria-label", "").strip(), "a chart without a text alternative"
    if name != "index.html":
        assert len(page.svgs) >= 2  # the charts are there to be checked
    for rule in re.findall(r"\{([^{}]*)\}", " ".join(page.styles)):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", rule)
        if colour:
            background = re.search(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})", rule)
            ratio = contrast(colour[1], background[1] if background else "#ffffff")
            assert ratio >= 4.5, f"{rule.strip()}: contrast {ratio:.2f}"
