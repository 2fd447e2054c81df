"""Exploring keys interactively: what the widgets of ``notebooks/explore_keys.ipynb`` show.

The notebook makes the widgets (a choice of key kind, sliders for the anchor's
share and the fixed part, an age group, a reference key) and hands their values
to :func:`view`; everything computed here goes through :func:`lkt_analysis.compare`.
``view`` returns an object that Jupyter displays (a table and a chart); nothing
here displays or prints.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from . import norwegian as no
from .allocate import as_fraction
from .compare import Comparison, compare
from .comparison_report import difference_chart
from .keys import KINDS, Key
from .project import Project, members
from .markup import esc as safe
from .report import table_style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KIND_CHOICES: list[tuple[str, str]] = [(kind.explore, name) for name, kind in KINDS.items() if kind.explore]
AGE_GROUPS = ["0-17", "0-18", "67+"]


def explore_key(project: Project, year: int, *, kind: str, share: float, fixed: float, age_group: str) -> Key:
    """The key the widgets describe; the anchor is the project key's anchor, or else the largest municipality.

    Slider values are read to four decimals (0.35, not 0.35000000000000003), so
    that the key is exactly the one its label names.
    """
    anchor = project.municipal_key().anchor
    if anchor is None:
        anchor = members(project, year).sort_values("population").iloc[-1]["code"]
    values = {"code": anchor, "share": as_fraction(round(share, 4)), "fixed": as_fraction(round(fixed, 4)),
              "age_group": age_group}
    return Key("utforsket", kind, {name: values[name] for name in KINDS[kind].parameters})


@dataclass(frozen=True)
class View:
    """What the explorer shows: the comparison, its table and its chart; Jupyter displays it as HTML."""

    comparison: Comparison
    table: pd.DataFrame
    figure: Figure

    def _repr_html_(self) -> str:
        svg = io.StringIO()
        self.figure.savefig(svg, format="svg")
        explored, reference = self.comparison.results[-1], self.comparison.reference
        heading = (f"<p><b>{safe(explored.key_label)}</b> mot <b>{safe(reference.key_label)}</b>, "
                   f"{safe(explored.spec.label)}: {no.kroner(explored.municipal_total)} til kommunene.</p>")
        return heading + table_style(self.table).to_html() + svg.getvalue()


def view(project: Project, year: int, kind: str, share: float, fixed: float, age_group: str,
         reference: str) -> View:
    """The explored key against ``reference`` for ``year``: a table per municipality and a chart of differences."""
    key = explore_key(project, year, kind=kind, share=share, fixed=fixed, age_group=age_group)
    comparison = compare(project, year, [key], reference)
    return View(comparison, explore_table(comparison), difference_chart(comparison))


def explore_table(comparison: Comparison) -> pd.DataFrame:
    """Per municipality (largest first): amount under the reference and the explored key, the difference in kr
    and in %, and kr per inhabitant; Norwegian headings and numbers."""
    table = comparison.table
    reference = table[table["key"] == comparison.reference.key.name].set_index("code")
    explored = table[table["key"] == comparison.results[-1].key.name].set_index("code")
    rows = explored.assign(reference=reference["amount_nok"]).sort_values("population", ascending=False)
    return pd.DataFrame({
        "Kommune": rows["name"],
        "Folketall": rows["population"].map(no.number),
        "Referansen (kr)": rows["reference"].map(no.number),
        "Denne nøkkelen (kr)": rows["amount_nok"].map(no.number),
        "Endring (kr)": rows["diff_nok"].map(no.signed),
        "Endring (%)": rows["diff_pct"].map(lambda v: "–" if pd.isna(v) else no.signed(v, 1) + no.NBSP + "%"),
        "Kr per innbygger": rows["nok_per_inhabitant"].map(lambda v: no.number(v, 2)),
    }).reset_index(drop=True)
