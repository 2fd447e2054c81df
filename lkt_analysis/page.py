"""The report page: an executed notebook exported as one self-contained HTML page (no code, charts as inline
SVG, nothing fetched from the network) that prints on A4, from ``templates/report.html.j2``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from .markup import compact_svg

TEMPLATE = Path(__file__).parent / "templates" / "report.html.j2"


def export_html(notebook: str | Path, title: str, *, language: str, header: str = "",
                fast: bool = False) -> str:
    """The executed notebook as one self-contained page titled ``title``: no code, charts inline, no network;
    printed, every page has ``header`` at its top and its number ("side 2 av 5") at its foot, in the written
    standard ``language``. ``fast``: without nbconvert's last pass (``fastpath.exporter_class``), the same
    page sooner."""
    import nbformat

    from .text import words

    node = nbformat.read(str(notebook), as_version=4)
    w = words(language)
    node.metadata["title"] = title
    node.metadata["lkt_page"] = {"header": header, "language": language, "page": w("report.page.page"),
                                 "of": w("report.page.of")}
    for number, cell in enumerate(node.cells):  # papermill's injected cell has a random id: the page would differ
        cell.id = f"cell-{number}"
    body, _ = _exporter(fast).from_notebook_node(node)
    return body


@cache
def _exporter(fast: bool) -> Any:
    from nbconvert import HTMLExporter

    from . import fastpath

    return (fastpath.exporter_class() if fast else HTMLExporter)(
        template_file=str(TEMPLATE), exclude_input=True, exclude_anchor_links=True, exclude_input_prompt=True,
        exclude_output_prompt=True, filters={"compact_svg": compact_svg, "css_string": css_string})


def css_string(text: object) -> str:
    r"""Text made safe inside a double-quoted CSS string in a ``<style>`` element: shown as written, never
    ending the string or the element.

    Example:
        >>> css_string('LKT "2019" </style>')
        'LKT \\22 2019\\22  \\3c /style\\3e '
    """
    def safe(c: str) -> str:
        plain = c.isalnum() or c in " .,:;–-_%()/·" or (ord(c) > 127 and c.isprintable())
        return c if plain else f"\\{ord(c):x} "

    return "".join(map(safe, str(text)))
