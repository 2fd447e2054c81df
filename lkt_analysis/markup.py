"""Text for the reader's page as HTML, where text from input files is always shown as text.

Sentences and headings that name projects, years, keys, municipalities or posts are built here as
HTML, every value from an input escaped (``esc``), and never as Markdown: Markdown would turn a name
such as ``[klikk](javascript:...)`` or ``*viktig*`` into a link or emphasis. An ``Html`` string shows
itself in Jupyter and in the exported page as the HTML it is; ``plain`` gives its text for a workbook.
"""

from __future__ import annotations

import functools
import html
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import pandas as pd

from . import norwegian as no

if TYPE_CHECKING:
    from matplotlib.figure import Figure

P, R = ParamSpec("P"), TypeVar("R")


class Html(str):
    """A piece of the page, already HTML: Jupyter shows it as such (``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return str(self)

    def plain(self) -> str:
        """The text a reader sees, without its markup (for a workbook cell or a terminal).

        Example:
            >>> Html("<p><strong>1\\xa0kr</strong> &lt;b&gt;</p><p>Kontroll.</p>").plain()
            '1\\xa0kr <b> Kontroll.'
        """
        return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"</p>(?=.)", " ", self)))


def esc(text: object) -> str:
    """Text from an input (a name, a label, a post) made safe to put into HTML: shown exactly as written, a
    number kept on one line with its unit (:func:`lkt_analysis.norwegian.unbroken`).

    Example:
        >>> esc('<b onclick="x">[a](javascript:b)</b>')
        '&lt;b onclick=&quot;x&quot;&gt;[a](javascript:b)&lt;/b&gt;'
    """
    return html.escape(no.unbroken(str(text)), quote=True)


def charts(draw: Callable[P, R]) -> Callable[P, R]:
    """A chart function whose texts are shown as written: a ``$`` in a name starts no mathtext."""
    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        from matplotlib import rc_context

        with rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return drawn


def paragraphs(*texts: str) -> Html:
    """Paragraphs of HTML (each already escaped where it holds input), empty ones left out."""
    return Html("".join(f"<p>{text}</p>" for text in texts if text))


FORMATS: dict[str, Callable[[Any], str]] = {  # how a table shows a value of each kind, Norwegian style
    "text": str,
    "prose": str,  # text that may wrap over lines (a sentence); other text keeps to one line
    "number": no.number,
    "percent": lambda v: no.percent(v, 2, trim=False),
    "decimal": lambda v: no.number(v, 2),
    "signed": no.signed,
}


def table(frame: pd.DataFrame, columns: Mapping[str, tuple[str, str]], *, strong: Sequence[bool] = (),
          caption: str | None = None, compact: bool = False, keep: bool = False) -> Html:
    """``frame`` as an accessible HTML table: ``columns`` maps each column shown to its heading and the kind of
    its values (a key of ``FORMATS``: numbers right-aligned, each kind but prose kept to one line); rows
    marked in ``strong`` (sums) in bold; ``compact``: in smaller type (a wide table); ``keep``: printed on one page
    (a short table). Every value and heading is escaped; a missing value is an empty cell.

    Example:
        >>> table(pd.DataFrame({"name": ["<Os>"], "amount": [1234]}), {"name": ("Kommune", "text"),
        ...       "amount": ("Beløp (kr)", "number")})
        '<table><thead><tr><th scope="col">Kommune</th><th scope="col" class="n">Beløp (kr)</th></tr></thead><tbody><tr><td>&lt;Os&gt;</td><td class="n">1\\xa0234</td></tr></tbody></table>'
    """
    def cell(value: Any, kind: str) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        return esc(value if isinstance(value, str) else FORMATS[kind](value))

    right = {name: {"text": "", "prose": ' class="p"'}.get(kind, ' class="n"') for name, (_, kind) in columns.items()}
    head = "".join(f'<th scope="col"{right[name]}>{esc(heading)}</th>' for name, (heading, _) in columns.items())
    body = []
    for index, row in enumerate(frame[list(columns)].itertuples(index=False)):
        cells = "".join(f"<td{right[name]}>{cell(value, columns[name][1])}</td>" for name, value in zip(columns, row))
        bold = ' class="sum"' if index < len(strong) and strong[index] else ""
        body.append(f"<tr{bold}>{cells}</tr>")
    title = f"<caption>{esc(caption)}</caption>" if caption else ""
    classes = " ".join(name for name, on in (("compact", compact), ("keep", keep)) if on)
    opening = f'<table class="{classes}">' if classes else "<table>"
    return Html(f"{opening}{title}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def short(name: object, most: int = 40) -> str:
    """A bar's name as a chart shows it: cut with an ellipsis where it is longer than ``most`` characters
    (the table beside the chart gives it whole)."""
    text = str(name)
    return text if len(text) <= most else text[:most - 1] + "…"


@dataclass(frozen=True)
class Chart:
    """A matplotlib figure with what it shows in words: on the page an SVG with ``role="img"`` and the words
    as its text alternative, and a visible caption where one is given."""

    figure: Figure
    alt: str
    caption: str | None = None

    def _repr_html_(self) -> str:
        from matplotlib import rc_context

        svg = io.StringIO()
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "lkt", "font.family": "DejaVu Sans"}):
            self.figure.savefig(svg, format="svg", metadata={"Date": None})
        caption = f"<figcaption>{esc(self.caption)}</figcaption>" if self.caption else ""
        return (f'<figure class="chart"><div role="img" aria-label="{esc(self.alt)}">'
                f"{compact_svg(svg.getvalue())}</div>{caption}</figure>")


def compact_svg(svg: str) -> str:
    """A matplotlib SVG made small enough to inline: from ``<svg`` on, no metadata block, coordinates to
    two decimals (1/100 pt, far below what print shows), runs of spaces and line ends as one.

    Example:
        >>> compact_svg('<?xml?><svg> <metadata>x</metadata> <path d="M 1.23456 7"/> </svg>')
        '<svg><path d="M 1.23 7"/></svg>'
    """
    svg = svg[svg.find("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"(\d+\.\d{2})\d+", r"\1", svg)
    return re.sub(r"[ \t\r\n]+", " ", svg).replace("> <", "><")  # not \s: a no-break space stays one
