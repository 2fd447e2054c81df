"""What the comparison of keys shows, in the project's written standard: who pays more and who less under each
key than under the reference (the adopted key), at a glance on the first page, then in charts and tables.

Everything here takes the comparison computed once by :func:`lkt_analysis.compare` (and, for the
sensitivity charts, one sweep over the anchor key) and returns a DataFrame, HTML (``markup.Html``) or a
chart (``markup.Chart``); nothing prints or saves. The small multiples share one scale and one order,
and say who pays more by position, lightness and hatching as well as colour, so that they read in print
in black and white.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from . import norwegian as no
from .allocate import as_fraction
from .compare import Comparison
from .distribution import Distribution
from .errors import ParameterError
from .keys import KINDS, Key
from .markup import Chart, Html, charts, esc, paragraphs, short, table
from .sweep import Grid, grid_range, sweep_table
from .text import Words, words

MORE, LESS, EDGE = "#8e2a20", "#a9cbe6", "#1f4e79"  # pays more: dark; pays less: light, hatched, edged


def _w(comparison: Comparison) -> Words:
    return words(comparison.project.language)


def _order(comparison: Comparison) -> pd.DataFrame:
    """The municipalities in the order every chart and table shows them: most inhabitants first."""
    return comparison.reference.members.sort_values(["population", "code"], ascending=[False, True])


# --- the first page --------------------------------------------------------------------------

def introduction(comparison: Comparison) -> Html:
    """The title, the year's total, the reference key, and one sentence per key: who pays more and who less than
    under the reference, and how much at most."""
    w, reference = _w(comparison), comparison.reference
    adopted = w("comparison.adopted") if reference.adopted else ""
    sentences = "".join(f"<li>{text}</li>" for text in key_sentences(comparison, html=True))
    return Html(f"<h1>{esc(comparison.title())}</h1>" + paragraphs(
        w("comparison.intro", year=esc(reference.spec.label), total=no.kroner(reference.municipal_total),
          municipalities=w("comparison.count", count=len(reference.members)), reference=esc(reference.key_label),
          adopted=adopted,
          population_year=reference.spec.population_year), w("comparison.reading"))
        + f"<h2>{w('comparison.short')}</h2><ul>{sentences}</ul>")


def key_sentences(comparison: Comparison, *, html: bool = False) -> list[str]:
    """For each key but the reference: how many pay more and less, who pays most more and who saves most."""
    w = _w(comparison)
    shown = esc if html else str

    sentences = []
    for row in comparison.summary.iloc[1:].itertuples(index=False):
        loss, gain = row.largest_loss_name, row.largest_gain_name
        extremes = (w("comparison.extremes", loser=shown(loss), loss=no.kroner(row.largest_loss_nok),
                      gainer=shown(gain), gain=no.kroner(row.largest_gain_nok)) if loss and gain else
                    w("comparison.extreme_loss", loser=shown(loss), loss=no.kroner(row.largest_loss_nok)) if loss else
                    w("comparison.extreme_gain", gainer=shown(gain), gain=no.kroner(row.largest_gain_nok)) if gain
                    else "")
        sentences.append(w("comparison.sentence", key=shown(row.label), extremes=extremes,
                           more=w("comparison.count", count=row.pay_more),
                           less=w("comparison.count", count=row.pay_less)))
    return sentences


NEW_PAGE = {"differences", "amounts", "per_inhabitant"}  # printed, these sections begin a page


def section(comparison: Comparison, name: str, **values: str) -> Html:
    """A section's heading and what it says (``comparison.NAME.title`` and ``comparison.NAME.text``)."""
    w = _w(comparison)
    page = ' class="new-page"' if name in NEW_PAGE else ""
    return Html(f"<h2{page}>{w(f'comparison.{name}.title')}</h2>" + paragraphs(w(f"comparison.{name}.text", **values)))


def keys_html(comparison: Comparison) -> Html:
    """The keys compared: label and the key in one sentence, the reference first."""
    w = _w(comparison)
    shown = pd.DataFrame({
        "label": [w("comparison.reference_mark", label=r.key_label) if i == 0 else r.key_label
                  for i, r in enumerate(comparison.results)],
        "text": [r.key_text for r in comparison.results]})
    return Html(f"<h2>{w('comparison.keys_table.title')}</h2>" + table(shown, {
        "label": (w("comparison.keys_table.column.label"), "prose"),
        "text": (w("comparison.keys_table.column.text"), "prose")}, keep=True))


# --- tables ---------------------------------------------------------------------------------

def wide_table(comparison: Comparison, value: str, *, total: bool = True) -> pd.DataFrame:
    """One row per municipality (most inhabitants first), one column per key (by name): ``amount_nok``,
    ``diff_nok`` or ``nok_per_inhabitant``, as numbers; with ``total``, amounts and differences end with a
    total row named as the catalogue says."""
    names = [r.key.name for r in comparison.results][1 if value == "diff_nok" else 0:]
    wide = comparison.table.pivot(index="code", columns="key", values=value)[names]
    wide = _order(comparison)[["code", "name", "population"]].merge(wide, left_on="code", right_index=True)
    if total and value in ("amount_nok", "diff_nok"):
        total = {"code": "", "name": _w(comparison)("comparison.column.total"),
                 "population": int(wide["population"].sum()), **{n: wide[n].sum() for n in names}}
        wide = pd.concat([wide, pd.DataFrame([total])])
    return wide.reset_index(drop=True)


def wide_html(comparison: Comparison, value: str) -> Html:
    """A wide table as the report shows it: the keys' labels as headings, Norwegian numbers, the total in bold."""
    w, shown = _w(comparison), wide_table(comparison, value)
    labels = {r.key.name: r.key_label for r in comparison.results}
    kind = {"amount_nok": "number", "diff_nok": "signed", "nok_per_inhabitant": "decimal"}[value]
    heads = {"name": (w("comparison.column.name"), "text"), "population": (w("comparison.column.population"), "number"),
             **{name: (labels[name], kind) for name in shown.columns[3:]}}
    return table(shown, heads, strong=(shown["code"] == "").tolist(), compact=True)


def summary_html(comparison: Comparison) -> Html:
    """The summary per key, the reference left out: spread of kr per inhabitant, how many pay more or less, the
    largest gain and loss."""
    w, s = _w(comparison), comparison.summary.iloc[1:]

    def named(names: pd.Series, amounts: pd.Series) -> list[str]:
        return [f"{name}: {no.kroner(v)}" if name else "–" for name, v in zip(names, amounts)]

    shown = pd.DataFrame({
        "label": s["label"],
        "range": [f"{no.number(a, 2)}–{no.number(b, 2)}"
                  for a, b in zip(s["min_nok_per_inhabitant"], s["max_nok_per_inhabitant"])],
        "ratio": s["max_min_ratio"].map(lambda v: "–" if pd.isna(v) else no.number(v, 2)),
        "cv": s["cv_nok_per_inhabitant"].map(lambda v: "–" if pd.isna(v) else no.number(v, 2)),
        "pay_more": s["pay_more"], "pay_less": s["pay_less"],
        "gain": named(s["largest_gain_name"], s["largest_gain_nok"]),
        "loss": named(s["largest_loss_name"], s["largest_loss_nok"])})
    kinds = {"label": "prose", "range": "number", "ratio": "number", "cv": "number", "pay_more": "number",
             "pay_less": "number", "gain": "prose", "loss": "prose"}
    return table(shown, {name: (w(f"comparison.summary.column.{name}"), kind) for name, kind in kinds.items()},
                 keep=True)


# --- who pays more, who pays less: small multiples ------------------------------------------

@charts
def difference_chart(comparison: Comparison) -> Chart:
    """One panel per key: each municipality's difference against the reference, every panel on the same scale
    and in the same order (most inhabitants at the top), names on the left; paying more is a dark bar to the
    right, paying less a light, hatched bar to the left, so that print in black and white reads as colour."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    w, others = _w(comparison), comparison.results[1:]
    order = _order(comparison)
    n, columns = len(order), min(4, len(others))
    rows = -(-len(others) // columns)
    names_width, width = 1.25, 7.3
    height = rows * (0.125 * n + 0.75) + 0.35
    figure = Figure(figsize=(width, height))
    table_ = comparison.table.set_index(["key", "code"])["diff_nok"]
    limit = max(1, max(abs(int(table_.loc[r.key.name].abs().max())) for r in others)) * 1.08
    panel_width = (width - names_width - 0.2 - 0.15 * (columns - 1)) / columns
    panel_height = (height - 0.35) / rows - 0.75
    for index, result in enumerate(others):
        row, column = divmod(index, columns)
        left = names_width + column * (panel_width + 0.15)
        bottom = height - 0.35 - (row + 1) * (panel_height + 0.75) + 0.4
        ax = figure.add_axes((left / width, bottom / height, panel_width / width, panel_height / height))
        diff = table_.loc[result.key.name].reindex(order["code"]).to_numpy()
        positions = np.arange(n)[::-1]
        more = diff > 0
        ax.barh(positions[more], diff[more], color=MORE, height=0.75)
        ax.barh(positions[~more], diff[~more], color=LESS, edgecolor=EDGE, linewidth=0.4, hatch="////",
                height=0.75)
        ax.axvline(0, color="#222222", linewidth=0.8)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_title(_wrap(result.key_label, 26), fontsize=8, loc="left")
        ax.xaxis.set_major_locator(MaxNLocator(3, symmetric=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: no.number(v / 1000)))
        ax.tick_params(axis="x", labelsize=7, rotation=0)
        ax.set_yticks(positions, order["name"].map(lambda name: short(name, 22)) if column == 0 else [])
        ax.tick_params(axis="y", labelsize=8, length=0)
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.spines[["top", "right", "left"]].set_visible(False)
    figure.text(0.01, 1 - 0.2 / height, w("comparison.differences.chart_title"), fontsize=9.5, va="top")
    sentences = " ".join(key_sentences(comparison))
    return Chart(figure, w("comparison.differences.alt", reference=comparison.reference.key_label,
                           sentences=sentences))


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)[:3])


# --- sensitivity: the anchor's share, and a grid of two parameters ---------------------------

@dataclass(frozen=True)
class AnchorSweep:
    """Every municipality's amount as the anchor's share goes from 0 to 100 %, with the key it varies."""

    key: Key
    label: str
    table: pd.DataFrame  # variant, share, code, name, amount_nok
    adopted: Fraction  # the share in the key as written
    equal_share: Fraction | None  # where the anchor pays as much per inhabitant as the others, if there is one


def anchored(comparison: Comparison) -> Distribution | None:
    """The result whose key's anchor share is swept: the reference's if its key has an anchor, else the first
    compared key's that has."""
    return next((r for r in comparison.results if r.key.anchor and "share" in KINDS[r.key.kind].linear), None)


def anchor_sweep(comparison: Comparison, grid: Grid | None = None) -> AnchorSweep | None:
    """The anchor's share from 0 to 100 % in steps of 1 % (or ``grid``); ``None`` if no key has an anchor."""
    result = anchored(comparison)
    if result is None:
        return None
    key = result.key
    members = comparison.reference.members
    table_ = sweep_table(members, key, comparison.reference.municipal_total, {"share": grid or grid_range("0:1:0.01")})
    population = members.set_index("code")["population"]
    equal = Fraction(int(population[key.params["code"]]), int(population.sum()))
    if as_fraction(key.params.get("fixed", 0)) != 0:  # a fixed part: the others differ among themselves
        equal = None
    return AnchorSweep(key, result.key_label, table_, as_fraction(key.params["share"]), equal)


def anchor_text(sweep: AnchorSweep | None, comparison: Comparison) -> Html:
    """What the anchor's share does, in a sentence or two, under the section's heading."""
    w = _w(comparison)
    heading = f"<h2>{w('comparison.anchor.title')}</h2>"
    if sweep is None:
        return Html(heading + paragraphs(w("comparison.anchor.none")))
    return Html(heading + paragraphs(esc(_anchor_words(sweep, comparison))))


def _anchor_words(sweep: AnchorSweep, comparison: Comparison) -> str:
    w = _w(comparison)
    name = comparison.reference.members.set_index("code").loc[sweep.key.params["code"], "name"]
    text = w("comparison.anchor.text", name=name, key=sweep.label, share=no.percent(sweep.adopted))
    if sweep.equal_share is not None:
        text += w("comparison.anchor.equal", share=no.percent(sweep.equal_share), name=name)
    return text


@charts
def anchor_chart(sweep: AnchorSweep | None, comparison: Comparison) -> Chart | Html:
    """Left: each municipality's amount against the anchor's share (the anchor thick and dark); right: kr per
    inhabitant, the anchor against the others (solid and dashed). The share in the key and the
    equal-per-inhabitant share are marked. Nothing where no key has an anchor."""
    if sweep is None:
        return Html("")
    from matplotlib.figure import Figure

    w = _w(comparison)
    code = sweep.key.params["code"]
    population = comparison.reference.members.set_index("code")["population"]
    wide = sweep.table.pivot(index="share", columns="code", values="amount_nok")
    figure = Figure(figsize=(7.3, 3.3), layout="constrained")
    left, right = figure.subplots(1, 2)
    share = wide.index.to_numpy() * 100
    others = [c for c in wide.columns if c != code]
    name = comparison.reference.members.set_index("code").loc[code, "name"]
    left.plot(share, wide[others].to_numpy(), color="#8a8a8a", linewidth=0.7)
    left.plot(share, wide[code].to_numpy(), color="#111111", linewidth=2.4)
    left.set_title(w("comparison.anchor.amounts", name=name), fontsize=8.5, loc="left")
    left.set_ylabel(w("comparison.anchor.amount_axis"), fontsize=8)
    per_other = wide[others].sum(axis=1) / population[others].sum()
    right.plot(share, wide[code] / population[code], color="#111111", linewidth=2.2, label=name)
    right.plot(share, per_other, color="#555555", linewidth=2.2, linestyle=(0, (5, 2)),
               label=w("comparison.anchor.others"))
    right.set_title(w("comparison.anchor.per"), fontsize=8.5, loc="left")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False, fontsize=8)
    marks = [(sweep.adopted, "--", w("comparison.anchor.in_key", share=no.percent(sweep.adopted)))]
    if sweep.equal_share is not None:
        marks.append((sweep.equal_share, ":", w("comparison.anchor.equal_mark", share=no.percent(sweep.equal_share))))
    marks.sort(key=lambda mark: mark[0])
    # a mark's words beside its line, at the top: of two, the lower's to the left and the higher's to the right
    # (away from each other), unless that runs off the chart; one alone on the side with more room
    before = [marks[0][0] >= 0.5] if len(marks) == 1 else [marks[0][0] >= 0.35, marks[1][0] > 0.65]
    for ax, decimals in ((left, 0), (right, 2)):
        ax.set_ylim(0, ax.get_ylim()[1] * 1.2)  # room above the lines for the marks' words
        for (at, style, text), to_left in zip(marks, before):
            ax.axvline(float(at) * 100, color="#333333", linestyle=style, linewidth=1)
            ax.annotate(text, (float(at) * 100, 1), xycoords=("data", "axes fraction"), fontsize=7,
                        xytext=(-3 if to_left else 3, -3), textcoords="offset points", va="top",
                        ha="right" if to_left else "left", color="#333333")
        ax.set_xlabel(w("comparison.anchor.axis", name=name), fontsize=8)
        ax.yaxis.set_major_formatter(no.axis_formatter(decimals))
        ax.tick_params(labelsize=7.5)
        ax.set_xlim(0, 100)
        ax.spines[["top", "right"]].set_visible(False)
    return Chart(figure, w("comparison.anchor.alt", name=name, text=_anchor_words(sweep, comparison)))


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
    result = anchored(comparison)
    if result is None:
        return None
    key = result.key
    both = Key(f"{key.name}_fixed", "anchor_plus_fixed", {"code": key.params["code"], "share": key.params["share"],
                                                          "fixed": key.params.get("fixed", 0)})
    table_ = sweep_table(comparison.reference.members, both, comparison.reference.municipal_total,
                         {"share": grid_range(shares), "fixed": grid_range(fixed)})
    return table_[table_["code"] == code].pivot(index="fixed", columns="share", values="amount_nok")


def grid_section(comparison: Comparison, code: str) -> Html:
    """The two-way grid's heading and what it shows; nothing where no key has an anchor."""
    result = anchored(comparison)
    if result is None:
        return Html("")
    members = comparison.reference.members.set_index("code")
    return section(comparison, "grid", focus=esc(members.loc[code, "name"]),
                   anchor=esc(members.loc[result.key.anchor, "name"]))


@charts
def heatmap(grid: pd.DataFrame | None, comparison: Comparison, code: str) -> Chart | Html:
    """The two-way grid as a heatmap (viridis: its lightness alone orders the amounts in black and white), the
    key whose anchor is swept (:func:`anchored`) marked with a ring and named; nothing where no key has an
    anchor."""
    if grid is None:
        return Html("")
    from matplotlib.figure import Figure

    w = _w(comparison)
    members = comparison.reference.members.set_index("code")
    ringed = anchored(comparison)
    key = ringed.key
    anchor, focus = members.loc[key.params["code"], "name"], members.loc[code, "name"]
    figure = Figure(figsize=(7.3, 3.2), layout="constrained")
    ax = figure.subplots()
    shares, fixed = grid.columns.to_numpy() * 100, grid.index.to_numpy() * 100
    mesh = ax.pcolormesh(_edges(shares), _edges(fixed), grid.to_numpy(), cmap="viridis", shading="flat")
    colourbar = figure.colorbar(mesh, ax=ax, format=no.axis_formatter())
    colourbar.set_label(w("comparison.grid.pays", focus=focus), fontsize=8)
    now_share, now_fixed = as_fraction(key.params["share"]), as_fraction(key.params.get("fixed", 0))
    ax.plot([float(now_share) * 100], [float(now_fixed) * 100], marker="o", markersize=9, markerfacecolor="none",
            markeredgecolor="white", markeredgewidth=2)
    ax.set_xlabel(w("comparison.grid.axis_share", anchor=anchor), fontsize=8)
    ax.set_ylabel(w("comparison.grid.axis_fixed"), fontsize=8)
    ax.tick_params(labelsize=7.5)
    ax.set_title(w("comparison.grid.chart_title", focus=focus, anchor=anchor, key=ringed.key_label), fontsize=8.5,
                 loc="left")
    now = ringed.municipalities.set_index("code").loc[code, "amount_nok"]
    return Chart(figure, w("comparison.grid.alt", focus=focus, anchor=anchor, low=no.kroner(int(grid.min().min())),
                           high=no.kroner(int(grid.max().max())), key=ringed.key_label, now=no.kroner(int(now))))


def _edges(centres: np.ndarray) -> np.ndarray:
    step = centres[1] - centres[0] if len(centres) > 1 else 1.0
    return np.append(centres - step / 2, centres[-1] + step / 2)
