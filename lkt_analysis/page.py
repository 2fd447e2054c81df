"""The report page: an executed notebook exported as one self-contained HTML page (no code, charts as inline
SVG, nothing fetched from the network) that prints on A4, from ``templates/report.html.j2``."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).parent / "templates" / "report.html.j2"


def export_html(notebook: str | Path, title: str, *, fast: bool = False) -> str:
    """The executed notebook as one self-contained page titled ``title``: no code, charts inline, no network;
    ``fast``: without nbconvert's last pass (``fastpath.exporter_class``), the same page sooner."""
    import nbformat

    node = nbformat.read(str(notebook), as_version=4)
    node.metadata["title"] = title
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
        exclude_output_prompt=True, filters={"compact_svg": compact_svg})


def compact_svg(svg: str) -> str:
    """A matplotlib SVG made small enough to inline: from ``<svg`` on, no metadata block, coordinates to
    two decimals (1/100 pt, far below what print shows), runs of white space as one.

    Example:
        >>> compact_svg('<?xml?><svg> <metadata>x</metadata> <path d="M 1.23456 7"/> </svg>')
        '<svg><path d="M 1.23 7"/></svg>'
    """
    svg = svg[svg.find("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"(\d+\.\d{2})\d+", r"\1", svg)
    return re.sub(r"\s+", " ", svg).replace("> <", "><")
