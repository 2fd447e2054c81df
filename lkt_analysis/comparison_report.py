"""What the comparison of keys shows: Norwegian tables, sentences and charts from one ``Comparison``.

Everything here takes the comparison computed once by :func:`lkt_analysis.compare`
(and, for the sensitivity charts, one sweep over the anchor key) and returns a
DataFrame, HTML (``markup.Html``) or a matplotlib Figure; nothing prints or saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import norwegian as no
from .allocate import as_fraction
from .compare import Comparison
from .errors import ParameterError
from .keys import KINDS, Key
from .markup import Html, charts, esc, paragraphs
from .report import table_style
from .sweep import Grid, grid_range, sweep_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GAIN, LOSS, NEUTRAL, ANCHOR = "#2b6a99", "#c0504d", "#9a9a9a", "#c0504d"


def intro(comparison: Comparison) -> Html:
    """The year, the municipalities' total, the reference key and the population date, in Norwegian."""
    reference = comparison.reference
    return paragraphs(
        f"<strong>Kommunenes nye kostnad {esc(reference.spec.label)}: {no.kroner(reference.municipal_total)}"
        f"</strong>, fordelt på {len(reference.members)} kommuner. Hver nøkkel sammenlignes med "
        f"<strong>{esc(reference.key_label)}</strong> (referansen). Folketall per 1. januar "
        f"{reference.spec.population_year} (Statistisk sentralbyrå, tabell 07459).")


def keys_table(comparison: Comparison) -> pd.DataFrame:
    """The keys compared: label and the key in one sentence, the reference first."""
    return pd.DataFrame({
        "Fordelingsnøkkel": [r.key_label + (" (referanse)" if i == 0 else "")
                             for i, r in enumerate(comparison.results)],
        "Slik fordeles kostnaden": [r.key_text for r in comparison.results],
    })


def wide_table(comparison: Comparison, value: str) -> pd.DataFrame:
    """One row per municipality (largest first), one column per key: ``amount_nok``, ``diff_nok`` or
    ``nok_per_inhabitant``, as numbers; amounts and differences end with a total row."""
    table = comparison.table
    labels = {r.key.name: r.key_label for r in comparison.results}
    names = [r.key.name for r in comparison.results][1 if value == "diff_nok" else 0:]
    wide = (table.pivot(index=["code", "name", "population"], columns="key", values=value)[names]
            .rename(columns=labels).reset_index().sort_values(["population", "code"], ascending=[False, True]))
    wide = wide.drop(columns="code").rename(columns={"name": "Kommune", "population": "Folketall"})
    if value in ("amount_nok", "diff_nok"):
        wide = pd.concat([wide, wide.sum(numeric_only=True).to_frame().T.assign(Kommune="Totalt")])
    return wide.reset_index(drop=True)


def readable(table: pd.DataFrame, decimals: int = 0, *, signed: bool = False) -> Any:
    """A wide table as the report shows it: Norwegian numbers, right-aligned, the total in bold."""
    shown = table.copy()
    for column in table.columns[1:]:
        digits = 0 if column == "Folketall" else decimals
        shown[column] = table[column].map(lambda v: "" if pd.isna(v) else no.signed(v, digits) if signed and
                                          column != "Folketall" else no.number(v, digits))
    return (table_style(shown)
            .apply(lambda row: ["font-weight: bold" if row.iloc[0] == "Totalt" else ""] * len(row), axis=1)
            .set_properties(subset=list(shown.columns[1:]), **{"text-align": "right"})
            .set_table_styles([{"selector": "th", "props": "text-align: right; vertical-align: bottom"}]))


def summary_table(comparison: Comparison) -> pd.DataFrame:
    """The summary per key with Norwegian headings and numbers, for reading."""
    s = comparison.summary
    return pd.DataFrame({
        "Fordelingsnøkkel": s["label"],
        "Kr per innbygger, lavest–høyest": [f"{no.number(a, 2)}–{no.number(b, 2)}"
                                             for a, b in zip(s["min_nok_per_inhabitant"], s["max_nok_per_inhabitant"])],
        "Høyest / lavest": s["max_min_ratio"].map(lambda v: "–" if pd.isna(v) else no.number(v, 2)),
        "Variasjons­koeffisient": s["cv_nok_per_inhabitant"].map(lambda v: "–" if pd.isna(v) else no.number(v, 2)),
        "Betaler mer": s["pay_more"], "Betaler mindre": s["pay_less"],
        "Største gevinst": [f"{name}: {no.kroner(v)}" if name else "–"
                            for name, v in zip(s["largest_gain_name"], s["largest_gain_nok"])],
        "Største tap": [f"{name}: {no.kroner(v)}" if name else "–"
                        for name, v in zip(s["largest_loss_name"], s["largest_loss_nok"])],
    }).iloc[1:].reset_index(drop=True)


# --- charts ---------------------------------------------------------------------------------

@charts
def difference_chart(comparison: Comparison) -> Figure:
    """Diverging bars per key: each municipality's difference against the reference, sorted, gainers and
    losers coloured apart."""
    from matplotlib.figure import Figure

    others = comparison.results[1:]
    columns = 2 if len(others) > 1 else 1
    rows = -(-len(others) // columns)
    n = len(comparison.reference.members)
    figure = Figure(figsize=(11, rows * (0.13 * n + 0.9) + 0.5), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())
    table = comparison.table
    for ax, result in zip(axes, others):
        rows_ = table[table["key"] == result.key.name].sort_values(["diff_nok", "code"])
        diff = rows_["diff_nok"].to_numpy()
        ax.barh(rows_["name"], diff, color=np.where(diff < 0, GAIN, np.where(diff > 0, LOSS, NEUTRAL)))
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_title(result.key_label, fontsize=10, loc="left")
        ax.tick_params(axis="y", labelsize=7)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_formatter(no.axis_formatter())
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(y=0.01)
    for ax in axes[len(others):]:
        ax.set_visible(False)
    figure.suptitle("Endring mot referansen (kr): blå betaler mindre, rød betaler mer", fontsize=11)
    return figure


@charts
def per_inhabitant_chart(comparison: Comparison) -> Figure:
    """Kr per inhabitant per municipality (largest first) under each key: one marker per key."""
    from matplotlib.figure import Figure

    table = comparison.table
    order = (comparison.reference.members.sort_values(["population", "code"], ascending=[True, False])["code"]
             .tolist())
    position = {code: i for i, code in enumerate(order)}
    figure = Figure(figsize=(9, 0.26 * len(order) + 1.6), layout="constrained")
    ax = figure.subplots()
    markers = "Ds^v<>phX*"
    for i, result in enumerate(comparison.results):
        rows = table[table["key"] == result.key.name]
        style = ({"s": 70, "marker": "o", "facecolors": "none", "edgecolors": "black", "linewidths": 1.5, "zorder": 4}
                 if i == 0 else {"s": 22, "marker": markers[(i - 1) % len(markers)], "alpha": 0.85, "zorder": 3})
        ax.scatter(rows["nok_per_inhabitant"], rows["code"].map(position),
                   label=result.key_label + (" (referanse)" if i == 0 else ""), **style)
    names = comparison.reference.members.set_index("code")["name"]
    ax.set_yticks(range(len(order)), [names[c] for c in order], fontsize=8)
    ax.grid(axis="y", color="#e4e4e4", zorder=0)
    ax.set_xscale("symlog", linthresh=1)  # 0 kr stays on the axis; a per-member key's 100+ kr does not squash the rest
    ax.set_xlim(left=0)
    ax.xaxis.set_major_formatter(no.axis_formatter())
    ax.set_xlabel("Kroner per innbygger (logaritmisk skala; 0 til venstre)")
    ax.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return figure


# --- sensitivity: the anchor's share, and a grid of two parameters ---------------------------

@dataclass(frozen=True)
class AnchorSweep:
    """Every municipality's amount as the anchor's share goes from 0 to 100 %, with the key it varies."""

    key: Key
    label: str
    table: pd.DataFrame  # variant, share, code, name, amount_nok
    adopted: Fraction  # the share in the key as written
    equal_share: Fraction | None  # where the anchor pays as much per inhabitant as the others, if there is one


def anchor_key(comparison: Comparison) -> Key | None:
    """The key whose anchor share is swept: the reference if it has an anchor, else the first key that has."""
    return next((r.key for r in comparison.results if r.key.anchor and "share" in KINDS[r.key.kind].linear), None)


def _label(comparison: Comparison, key: Key) -> str:
    return next(r.key_label for r in comparison.results if r.key.name == key.name)


def anchor_sweep(comparison: Comparison, grid: Grid | None = None) -> AnchorSweep | None:
    """The anchor's share from 0 to 100 % in steps of 1 % (or ``grid``); ``None`` if no key has an anchor."""
    key = anchor_key(comparison)
    if key is None:
        return None
    members = comparison.reference.members
    table = sweep_table(members, key, comparison.reference.municipal_total, {"share": grid or grid_range("0:1:0.01")})
    population = members.set_index("code")["population"]
    equal = Fraction(int(population[key.params["code"]]), int(population.sum()))
    if as_fraction(key.params.get("fixed", 0)) != 0:  # a fixed part: the others differ among themselves
        equal = None
    return AnchorSweep(key, _label(comparison, key), table, as_fraction(key.params["share"]), equal)


def anchor_text(sweep: AnchorSweep | None, comparison: Comparison) -> Html:
    """What the anchor's share does, in a sentence or two."""
    if sweep is None:
        return paragraphs("Ingen av nøklene har en kommune med fast andel, så denne analysen gjelder ikke her.")
    members = comparison.reference.members.set_index("code")
    name = esc(members.loc[sweep.key.params["code"], "name"])
    text = (f"Linjene viser hva hver kommune betaler når {name}s andel går fra 0 til 100 % "
            f"(nøkkelen «{esc(sweep.label)}»); "
            f"den stiplede linjen er andelen i nøkkelen, {no.percent(sweep.adopted)}.")
    if sweep.equal_share is not None:
        text += (f" Ved en andel på {no.percent(sweep.equal_share)} betaler {name} det samme per innbygger som "
                 f"de andre kommunene (prikket linje): det er {name}s andel av folketallet.")
    return paragraphs(text)


@charts
def anchor_chart(sweep: AnchorSweep | None, comparison: Comparison) -> Figure | None:
    """Left: each municipality's amount against the anchor's share; right: kr per inhabitant, the anchor
    against the others. The share in the key and the equal-per-inhabitant share are marked."""
    if sweep is None:
        return None
    from matplotlib.figure import Figure

    code = sweep.key.params["code"]
    population = comparison.reference.members.set_index("code")["population"]
    wide = sweep.table.pivot(index="share", columns="code", values="amount_nok")
    figure = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    share = wide.index.to_numpy() * 100
    others = [c for c in wide.columns if c != code]
    left.plot(share, wide[others].to_numpy(), color=GAIN, linewidth=0.8, alpha=0.6)
    left.plot(share, wide[code].to_numpy(), color=ANCHOR, linewidth=2.2)
    name = comparison.reference.members.set_index("code").loc[code, "name"]
    left.set_title(f"Beløp per kommune ({name} i rødt)", fontsize=10, loc="left")
    left.set_ylabel("Beløp (kr)")
    per_other = wide[others].sum(axis=1) / population[others].sum()
    right.plot(share, wide[code] / population[code], color=ANCHOR, linewidth=2.2, label=name)
    right.plot(share, per_other, color=GAIN, linewidth=2.2, label="De andre kommunene")
    right.set_title("Kroner per innbygger", fontsize=10, loc="left")
    right.legend(loc="center left", frameon=False, fontsize=9)
    for ax, decimals in ((left, 0), (right, 2)):
        marks = [(sweep.adopted, "--", f"i nøkkelen: {no.percent(sweep.adopted)}")]
        if sweep.equal_share is not None:
            marks.append((sweep.equal_share, ":", f"likt per innbygger: {no.percent(sweep.equal_share)}"))
        for at, style, text in marks:
            ax.axvline(float(at) * 100, color="#444444", linestyle=style, linewidth=1)
            ax.annotate(text, (float(at) * 100, 1), xycoords=("data", "axes fraction"), rotation=90, fontsize=8,
                        xytext=(-3, -4), textcoords="offset points", ha="right", va="top", color="#444444")
        ax.set_xlabel(f"{name}s andel (%)")
        ax.yaxis.set_major_formatter(no.axis_formatter(decimals))
        ax.set_xlim(0, 100)
        ax.set_ylim(bottom=0)
        ax.spines[["top", "right"]].set_visible(False)
    return figure


def focus_municipality(comparison: Comparison, code: str | None = None) -> str:
    """The municipality the two-way grid is shown for: ``code``, or else the smallest (where a fixed part
    matters most)."""
    members = comparison.reference.members
    if code is None:
        return str(members.sort_values(["population", "code"]).iloc[0]["code"])
    if code not in set(members["code"]):
        raise ParameterError(f"municipality '{code}' is not a municipality of {comparison.year}")
    return code


def two_way_grid(comparison: Comparison, code: str, *, shares: str = "0:1:0.05",
                 fixed: str = "0:0.5:0.05") -> pd.DataFrame | None:
    """One municipality's amount over the anchor's share and a fixed part split equally among the others
    (key kind ``anchor_plus_fixed``): rows fixed part, columns share. ``None`` if no key has an anchor."""
    key = anchor_key(comparison)
    if key is None:
        return None
    both = Key(f"{key.name}_fixed", "anchor_plus_fixed", {"code": key.params["code"], "share": key.params["share"],
                                                          "fixed": key.params.get("fixed", 0)})
    table = sweep_table(comparison.reference.members, both, comparison.reference.municipal_total,
                        {"share": grid_range(shares), "fixed": grid_range(fixed)})
    return table[table["code"] == code].pivot(index="fixed", columns="share", values="amount_nok")


@charts
def heatmap(grid: pd.DataFrame | None, comparison: Comparison, code: str) -> Figure | None:
    """The two-way grid as a heatmap, the key in use marked."""
    if grid is None:
        return None
    from matplotlib.figure import Figure

    members = comparison.reference.members.set_index("code")
    key = anchor_key(comparison)
    anchor = members.loc[key.params["code"], "name"]
    figure = Figure(figsize=(9, 4.2), layout="constrained")
    ax = figure.subplots()
    shares, fixed = grid.columns.to_numpy() * 100, grid.index.to_numpy() * 100
    mesh = ax.pcolormesh(_edges(shares), _edges(fixed), grid.to_numpy(), cmap="viridis", shading="flat")
    colourbar = figure.colorbar(mesh, ax=ax, format=no.axis_formatter())
    colourbar.set_label(f"{members.loc[code, 'name']} betaler (kr)")
    ax.plot([float(as_fraction(key.params["share"])) * 100], [float(as_fraction(key.params.get("fixed", 0))) * 100],
            marker="o", markersize=9, markerfacecolor="none", markeredgecolor="white", markeredgewidth=2)
    ax.set_xlabel(f"{anchor}s andel (%)")
    ax.set_ylabel("Del av resten som fordeles likt (%)")
    ax.set_title(f"{members.loc[code, 'name']}: beløp etter {anchor}s andel og en fast del likt "
                 f"(ring: nøkkelen i dag)", fontsize=10, loc="left")
    return figure


def _edges(centres: np.ndarray) -> np.ndarray:
    step = centres[1] - centres[0] if len(centres) > 1 else 1.0
    return np.append(centres - step / 2, centres[-1] + step / 2)

