"""The words a reader sees, in the project's written standard: bokmål (``nb``) or nynorsk (``nn``).

Each form's texts are in one catalogue, the folder ``texts/nb/`` or ``texts/nn/`` (a file per
output: the report, the comparison, the workbooks, ...), under the same names, with
``{placeholders}`` for what is filled in (amounts already in Norwegian number format, names as
their sources write them). A text missing from a catalogue is an error, never a fall back
to the other form; a test checks that both catalogues name the same texts with the same placeholders.
A text that depends on a number is a table of forms, ``one`` and ``other`` (and ``zero`` where it
reads differently), chosen by the value ``count``.

Example:
    >>> words("nn")("report.municipalities.title")
    'Kommunane'
    >>> [words("nn")("comparison.count", count=n) for n in (0, 1, 2)]
    ['ingen', 'éin kommune', '2 kommunar']
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from . import norwegian as no

LANGUAGES = {"nb": "bokmål", "nn": "nynorsk"}
FOLDER = Path(__file__).parent / "texts"


@dataclass(frozen=True)
class Words:
    """One written standard's catalogue: ``words(name, **values)`` is the text called ``name``, filled in."""

    language: str
    catalogue: Mapping[str, str]

    def __call__(self, name: str, /, **values: Any) -> str:
        if f"{name}.other" in self.catalogue:  # a text with forms by number
            form = {0: "zero", 1: "one"}.get(values["count"], "other")
            name = f"{name}.{form}" if f"{name}.{form}" in self.catalogue else f"{name}.other"
        try:
            text = self.catalogue[name]
        except KeyError:
            raise KeyError(f"no text '{name}' in the {LANGUAGES[self.language]} catalogue "
                           f"(lkt_analysis/texts/{self.language}/)") from None
        text = no.unbroken(text)  # "{amount} kr" too: the values filled in are already written so
        return text.format(**values) if values else text

    def age(self, group: str) -> str:
        """An age group in words.

        Example:
            >>> words("nn").age("0-17"), words("nb").age("67+")
            ('0–17 år', '67 år og eldre')
        """
        low, _, high = group.partition("-")
        return self("age.over", low=low[:-1]) if group.endswith("+") else self("age.range", low=low, high=high)

    def date(self, when: datetime) -> str:
        """When something was made, as every output says it.

        Example:
            >>> words("nn").date(datetime(2026, 12, 2, 13, 3))
            '2. desember 2026 kl. 13.03'
        """
        month = self("date.months").split()[when.month - 1]
        return self("date.format", day=when.day, month=month, year=when.year, time=f"{when:%H.%M}")


@cache
def words(language: str) -> Words:
    """The catalogue of ``language`` (``"nb"`` or ``"nn"``)."""
    if language not in LANGUAGES:
        raise ValueError(f"written standard '{language}' is neither 'nb' (bokmål) nor 'nn' (nynorsk)")
    catalogue: dict[str, str] = {}
    for path in sorted((FOLDER / language).glob("*.toml")):
        texts = _flat(tomllib.loads(path.read_text(encoding="utf-8")))
        twice = set(texts) & set(catalogue)
        if twice:
            raise ValueError(f"{path}: the text(s) {', '.join(sorted(twice))} are named twice in the catalogue")
        catalogue.update(texts)
    return Words(language, catalogue)


def _flat(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat
