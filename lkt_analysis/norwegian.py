"""Norwegian number format for the text a council member reads: ``1 525 000 kr``, ``12,5 %``."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

NBSP = "\u00a0"  # keeps "1 525 000" and "kr" on one line
# a number is never broken across a line nor parted from its unit: "1 000 kr", "{value} kr", "50 %"
UNIT = re.compile(r"(?<=[\d}]) (?=kr\b|%|\d{3}\b)")


def unbroken(text: str) -> str:
    """``text`` with each number kept on one line with its unit: the same text, as a reader sees it.

    Example:
        >>> unbroken("Bergen 50 %, 1 000 kr")
        'Bergen 50\xa0%, 1\xa0000\xa0kr'
    """
    return UNIT.sub(NBSP, text)


def number(value: float | int, decimals: int = 0) -> str:
    """Format a number with a space between thousands and a decimal comma.

    Example:
        >>> number(1525000)
        '1\\xa0525\\xa0000'
    """
    text = f"{float(value):,.{decimals}f}" if decimals else f"{round(value):,d}"
    return text.replace(",", NBSP).replace(".", ",").replace("-", "\u2212")


def kroner(value: int) -> str:
    """Whole kroner as ``1 525 000 kr``."""
    return f"{number(value)}{NBSP}kr"


def percent(share: float | Fraction, decimals: int = 1, *, trim: bool = True) -> str:
    """A share (0.125) as a percentage (``12,5 %``); ``trim`` drops a needless ``,0``."""
    value = float(share) * 100
    text = number(value, decimals)
    if trim and "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}{NBSP}%"


def join(names: list[str]) -> str:
    """``["Bergen", "Os", "Lindås"]`` as ``Bergen, Os og Lindås``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} og {names[-1]}"


def axis_formatter(decimals: int = 0) -> Any:
    """A matplotlib tick formatter that writes numbers the Norwegian way."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: number(value, decimals))


def signed(value: float, decimals: int = 0) -> str:
    """A difference with its sign: ``+2 283``, ``−950``, ``0``."""
    return ("+" if value > 0 else "") + number(value, decimals)
