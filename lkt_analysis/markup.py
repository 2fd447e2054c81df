"""Text for the reader's page as HTML, where text from input files is always shown as text.

Sentences and headings that name projects, years, keys, municipalities or posts are built here as
HTML, every value from an input escaped (``esc``), and never as Markdown: Markdown would turn a name
such as ``[klikk](javascript:...)`` or ``*viktig*`` into a link or emphasis. An ``Html`` string shows
itself in Jupyter and in the exported page as the HTML it is; ``plain`` gives its text for a workbook.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P, R = ParamSpec("P"), TypeVar("R")


class Html(str):
    """A piece of the page, already HTML: Jupyter shows it as such (``_repr_html_``)."""

    def _repr_html_(self) -> str:
        return str(self)

    def plain(self) -> str:
        """The text a reader sees, without its markup (for a workbook cell or a terminal).

        Example:
            >>> Html("<p><strong>1\\xa0kr</strong> &lt;b&gt;</p>").plain()
            '1\\xa0kr <b>'
        """
        return html.unescape(re.sub(r"<[^>]+>", "", self))


def esc(text: object) -> str:
    """Text from an input (a name, a label, a post) made safe to put into HTML: shown exactly as written.

    Example:
        >>> esc('<b onclick="x">[a](javascript:b)</b>')
        '&lt;b onclick=&quot;x&quot;&gt;[a](javascript:b)&lt;/b&gt;'
    """
    return html.escape(str(text), quote=True)


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
