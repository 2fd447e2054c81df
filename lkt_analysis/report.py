"""What a yearly report shows: Norwegian tables, sentences and charts for one budget year and key.

Functions return DataFrames (numbers, for the spreadsheet; or text in Norwegian
number format, for reading), HTML (``markup.Html``: input text escaped, never Markdown), or matplotlib
Figures (input text never read as mathtext); the
notebook shows them and nothing here prints or saves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import norwegian as no
from .markup import Html, charts, esc, paragraphs
from .distribution import Distribution
from .errors import ParameterError
from .project import HOSPITALS, MUNICIPALITIES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GROUP_NAMES = {HOSPITALS: "Spesialisthelsetjenesten", MUNICIPALITIES: "Kommunene"}
MUNICIPALITY_HEADINGS = {
    "cooperation_council": "Samarbeidsutval",
    "code": "Kommunenr.",
    "name": "Kommune",
    "population": "Folketall",
    "share": "Andel",
    "amount_nok": "Beløp (kr)",
    "nok_per_inhabitant": "Kr per innbygger",
}


def table_style(shown: pd.DataFrame) -> Any:
    """The start of every table's style: text escaped, no index, and an id made from the table's content
    (not pandas' random one), so that the same inputs give the same page."""
    return (shown.style.format(escape="html").format_index(escape="html", axis=1).hide(axis="index")
            .set_uuid(hashlib.sha256(shown.to_csv().encode()).hexdigest()[:10]))


def heading(result: Any) -> Html:
    """The report's first heading, naming what it shows: ``result.title()``."""
    return Html(f"<h1>{esc(result.title())}</h1>")


def population_date(result: Distribution) -> str:
    """The population date of a budget year in words: ``1. januar 2018``."""
    return f"1. januar {result.spec.population_year}"


def headline(result: Distribution) -> Html:
    """The year's total new cost, its split between the groups, the key in words and the population date."""
    totals = result.totals
    if not sum(totals.values()):
        split = (f"<strong>Ingen ny kostnad til fordeling {esc(result.spec.label)}:</strong> alle postene er "
                 "dekket av budsjett som er vedtatt tidligere, så ingen betaler noe nytt.")
    else:
        split = (f"<strong>Ny kostnad til fordeling {esc(result.spec.label)}: "
                 f"{no.kroner(sum(totals.values()))}.</strong> Spesialisthelsetjenesten dekker "
                 f"{no.kroner(totals[HOSPITALS])} og kommunene {no.kroner(totals[MUNICIPALITIES])}.")
    return paragraphs(split, f"<strong>Fordelingsnøkkel for kommunene:</strong> {esc(result.key_text)}",
                      f"Folketall per {population_date(result)} (Statistisk sentralbyrå, tabell 07459).")


def budget_text(result: Distribution) -> Html:
    """What the budget table's marks mean, and how each shared post is split, as the project file says."""
    posts = result.project.budget
    year = posts[posts["year"] == result.year]
    text = ("Poster merket «* dekket» ligger allerede i et budsjett som er vedtatt tidligere, og fordeles ikke "
            "på nytt." if year["covered"].any() else "")
    for party in dict.fromkeys(year.loc[~year["covered"], "financed_by"]):
        split = result.project.financing[party]
        if len([share for share in split.values() if share]) > 1:
            text += (f" Poster med finansiering «{esc(party)}» deles med "
                     f"{no.percent(split.get(HOSPITALS, 0))} på spesialisthelsetjenesten og "
                     f"{no.percent(split.get(MUNICIPALITIES, 0))} på kommunene.")
    return paragraphs(text.strip())


def budget_table(result: Distribution) -> pd.DataFrame:
    """The year's posts: amount, whether already covered, financing party, and what each group gets."""
    budget = result.project.budget
    posts = budget[budget["year"] == result.year]
    parts = (result.posts.pivot_table(index="post", columns="group", values="amount_nok", aggfunc="sum")
             .reindex(columns=[HOSPITALS, MUNICIPALITIES]))
    table = posts.merge(parts, left_on="post", right_index=True, how="left", validate="1:1")
    table = pd.DataFrame({
        "Post": table["post"],
        "Kostnadselement": table["cost_element"],
        "Beløp (kr)": table["amount_nok"],
        "Dekket": table["covered"].map({True: "* dekket", False: ""}),
        "Finansiering": table["financed_by"],
        "Til fordeling, spesialisthelsetjenesten (kr)": table[HOSPITALS].fillna(0).astype("int64"),
        "Til fordeling, kommunene (kr)": table[MUNICIPALITIES].fillna(0).astype("int64"),
    })
    total = {**{c: "" for c in table.columns}, "Post": "Totalt"}
    for column in table.columns[[2, 5, 6]]:
        total[column] = int(table[column].sum())
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def municipality_table(result: Distribution) -> pd.DataFrame:
    """Each municipality's population, share, amount and kr per inhabitant, with council subtotals and a total.

    Rows are grouped by cooperation council in the register's order; a subtotal
    row has an empty code and the name ``Sum <council>``; the last row is ``Totalt``.
    """
    town = result.municipalities
    councils = sorted(set(town["cooperation_council"]))
    rows = []
    for council in councils:
        block = town[town["cooperation_council"] == council].sort_values("code")
        if block.empty:
            continue
        rows.append(block)
        if len(block) > 1:
            rows.append(_sum_row(block, council, f"Sum {council}"))
    rows.append(_sum_row(town, "", "Totalt"))
    table = pd.concat(rows, ignore_index=True)
    table["nok_per_inhabitant"] = table["amount_nok"] / table["population"].astype("float64")
    return table[list(MUNICIPALITY_HEADINGS)].astype({"population": "int64", "amount_nok": "int64"})


def _sum_row(block: pd.DataFrame, council: str, name: str) -> pd.DataFrame:
    return pd.DataFrame([{"cooperation_council": council, "code": "", "name": name,
                          "population": int(block["population"].sum()), "share": float(block["share"].sum()),
                          "amount_nok": int(block["amount_nok"].sum())}])


ROUNDING_HEADINGS = {
    "code": "Kommunenr.", "name": "Kommune", "fraction": "Andel (brøk)", "percent": "Andel (%)",
    "quota": "Nøyaktig beløp (kr)", "floor": "Rundet ned (kr)", "remainder": "Rest (kr)",
    "extra": "Får én krone til", "amount_nok": "Beløp (kr)",
}


def rounding_table(result: Distribution) -> pd.DataFrame:
    """How each municipality's amount was computed: exact share, exact amount, rounded down, remainder, and
    whether it got one of the kroner left over (exact ``Fraction`` values; see :func:`rounding_for_reading`)."""
    steps = result.rounding.join(result.members.set_index("code")["name"])
    return pd.DataFrame({
        "code": steps.index, "name": steps["name"], "share": result.shares.reindex(steps.index),
        "quota": steps["quota"], "floor": steps["floor"],
        "remainder": steps["remainder"], "extra": steps["extra"], "amount_nok": steps["amount_nok"],
    }).reset_index(drop=True)


def rounding_for_reading(table: pd.DataFrame) -> pd.DataFrame:
    """The rounding table as text: fractions as ``a/b``, six decimals for shares and four (cut, not rounded,
    so that a cut figure never looks larger than it is) for kroner, with a sum row."""
    def cut(value: Any, decimals: int) -> str:
        scaled = int(value * 10**decimals)  # floor: values are not negative
        return no.number(scaled / 10**decimals, decimals)

    shown = pd.DataFrame({
        "code": table["code"], "name": table["name"],
        "fraction": table["share"].map(lambda f: f"{no.number(f.numerator)}/{no.number(f.denominator)}"
                                          if f.denominator != 1 else no.number(f.numerator)),
        "percent": table["share"].map(lambda f: cut(f * 100, 6) + no.NBSP + "%"),
        "quota": table["quota"].map(lambda q: cut(q, 4)), "floor": table["floor"].map(no.number),
        "remainder": table["remainder"].map(lambda r: cut(r, 4)),
        "extra": table["extra"].map({True: "ja", False: ""}), "amount_nok": table["amount_nok"].map(no.number),
    })
    total = {"code": "", "name": "Totalt", "fraction": "",
             "percent": cut(sum(table["share"]) * 100, 6) + no.NBSP + "%",
             "quota": cut(sum(table["quota"]), 4), "floor": no.number(table["floor"].sum()),
             "remainder": cut(sum(table["remainder"]), 4), "extra": f"{int(table['extra'].sum())} kommuner",
             "amount_nok": no.number(table["amount_nok"].sum())}
    return pd.concat([shown, pd.DataFrame([total])], ignore_index=True).rename(columns=ROUNDING_HEADINGS)


def rounding_text(result: Distribution) -> Html:
    """The largest-remainder rule and its tie-break in words, with this year's sum check."""
    steps = result.rounding
    total, floors, left = result.municipal_total, int(steps["floor"].sum()), int(steps["extra"].sum())
    return paragraphs(
        f"Kommunenes del, {no.kroner(total)}, fordeles slik: Hver kommune får først sitt nøyaktige beløp "
        f"(andelen ganger {no.kroner(total)}) rundet <strong>ned</strong> til hele kroner. Til sammen blir det "
        f"{no.kroner(floors)}, altså {no.kroner(left)} mindre enn totalen. De {left} kronene som er igjen, går "
        f"én til hver av de {left} kommunene med størst rest (størst desimaldel). Har to kommuner nøyaktig "
        f"samme rest, går kronen først til den med størst andel, deretter til den med lavest kommunenummer. "
        f"Slik blir summen nøyaktig {no.kroner(total)}, ingen kommune får mer enn én krone mer enn sitt "
        f"nøyaktige beløp, og ingen får mindre enn det rundet ned.",
        f"<strong>Kontroll:</strong> {no.kroner(floors)} + {no.kroner(left)} = {no.kroner(floors + left)}"
        f"{' ✓' if floors + left == total else ' ✗'}. Desimalene i tabellen er kuttet etter fire sifre.")


def hospital_table(result: Distribution) -> pd.DataFrame:
    """The specialist health service's part per hospital trust."""
    hospitals = result.hospitals
    return pd.DataFrame({"Helseforetak": hospitals["name"], "Andel": hospitals["share"],
                         "Beløp (kr)": hospitals["amount_nok"]}).reset_index(drop=True)


def for_reading(table: pd.DataFrame) -> pd.DataFrame:
    """A table as text in Norwegian number format, with Norwegian headings, for the report."""
    table = table.rename(columns=MUNICIPALITY_HEADINGS)
    shown = table.copy()
    for column in table.columns:
        values = table[column]
        if column == "Andel":
            shown[column] = values.map(lambda v: no.percent(v, 2, trim=False))
        elif column == "Kr per innbygger":
            shown[column] = values.map(lambda v: no.number(v, 2))
        elif pd.api.types.is_integer_dtype(values) or column.endswith("(kr)") or column == "Folketall":
            shown[column] = values.map(lambda v: v if isinstance(v, str) else no.number(v))
    return shown


@charts
def amounts_chart(result: Distribution, table: pd.DataFrame) -> Figure:
    """Horizontal bars of the amount per municipality (``table``: :func:`municipality_table`), largest first,
    the key's anchor marked."""
    rows = table[table["code"] != ""].sort_values("amount_nok")
    return _bars(rows["name"], rows["amount_nok"], rows["code"] == result.key.anchor,
                 title=f"Beløp per kommune, {result.spec.label}", xlabel="Beløp (kr)")


@charts
def per_inhabitant_chart(result: Distribution, table: pd.DataFrame) -> Figure:
    """Horizontal bars of kr per inhabitant per municipality, with the average over all as a line.

    This is the chart that shows what a fixed share for one member does to the per-capita burden.
    """
    rows = table[table["code"] != ""].sort_values("nok_per_inhabitant")
    figure = _bars(rows["name"], rows["nok_per_inhabitant"], rows["code"] == result.key.anchor,
                   title=f"Kroner per innbygger, {result.spec.label}", xlabel="Kroner per innbygger", decimals=2)
    total = table[table["name"] == "Totalt"].iloc[0]
    average = total["amount_nok"] / total["population"]
    axes = figure.axes[0]
    axes.axvline(average, color="#444444", linestyle="--", linewidth=1,
                 label=f"Gjennomsnitt for alle: {no.number(average, 2)} kr")
    axes.legend(loc="lower right", frameon=True)
    return figure


@charts
def split_chart(result: Distribution) -> Figure:
    """The year's new cost by group and by financing party, side by side."""
    from matplotlib.ticker import MaxNLocator

    posts = result.posts
    by_group = posts.groupby("group")["amount_nok"].sum().rename(GROUP_NAMES).sort_values()
    by_party = posts.groupby("financed_by")["amount_nok"].sum().sort_values()
    figure, (left, right) = _figure(12, 3.2, [by_group.index.map(_short), by_party.index.map(_short)], top=0.65)
    for axes, values, title in ((left, by_group, "Etter part som betaler"),
                                (right, by_party, "Etter finansiering i budsjettet")):
        bars = axes.barh(range(len(values)), values.to_numpy(), color="#2b6a99")
        axes.set_yticks(range(len(values)), [_short(name) for name in values.index])
        axes.bar_label(bars, labels=[no.kroner(v) for v in values], padding=3, fontsize=9)
        axes.set_title(title)
        axes.set_xlabel("Ny kostnad (kr)")
        axes.xaxis.set_major_formatter(no.axis_formatter())
        axes.xaxis.set_major_locator(MaxNLocator(4))
        axes.set_xlim(0, values.max() * 1.35)
        axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(f"Ny kostnad {result.spec.label}")
    return figure


def _bars(names: pd.Series, values: pd.Series, marked: pd.Series, *, title: str, xlabel: str,
          decimals: int = 0) -> Figure:
    labels = [_short(name) for name in names]
    figure, (axes,) = _figure(9, 0.28 * len(names) + 1.2, [labels])
    colours = ["#c0504d" if mark else "#2b6a99" for mark in marked]
    bars = axes.barh(range(len(labels)), values.to_numpy(), color=colours)
    axes.set_yticks(range(len(labels)), labels)
    axes.bar_label(bars, labels=[no.number(v, decimals) for v in values], padding=3, fontsize=8)
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    axes.xaxis.set_major_formatter(no.axis_formatter(decimals))
    axes.set_xlim(0, float(values.max()) * 1.18 or 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.01)
    return figure


def _short(name: object, most: int = 40) -> str:
    """A bar's name as a chart shows it: cut with an ellipsis where it is longer than ``most`` characters
    (the table beside the chart gives it whole)."""
    text = str(name)
    return text if len(text) <= most else text[:most - 1] + "…"


def _figure(width: float, height: float, labels: Sequence[Sequence[str]], *, top: float = 0.4,
            bottom: float = 0.6, gap: float = 0.6, right: float = 0.25) -> tuple[Figure, list[Any]]:
    """A figure of ``width`` x ``height`` inches with one row of bar charts, each as wide as it can be with
    room on its left for its ``labels`` (the bars' names); ``top``, ``bottom``, ``gap`` and ``right`` in inches.

    The margins are computed from the widest name rather than found by matplotlib's
    constrained layout, which draws every text once more to measure it: the same
    chart in half the time.
    """
    from matplotlib import rcParams
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=rcParams["ytick.labelsize"])
    pads = [min(max((text_to_path.get_text_width_height_descent(str(name), font, ismath=False)[0]
                     for name in names), default=0) / 72 + 0.15, width * 0.4 / len(labels))
            for names in labels]  # + the tick and its pad; at most 40 % of the width
    each = (width - sum(pads) - gap * (len(labels) - 1) - right) / len(labels)
    figure, axes, x = Figure(figsize=(width, height)), [], 0.0
    for pad in pads:
        x += pad
        axes.append(figure.add_axes((x / width, bottom / height, each / width, 1 - (bottom + top) / height)))
        x += each + gap
    return figure, axes


def footer(record: Mapping[str, Any]) -> Html:
    """The provenance record as a footer for the report's reader: what, from which files, when, by what.

    File names only, no paths and no Python values (those stay in the JSON record beside the report).
    """
    made = datetime.fromisoformat(record["made"])
    about = " ".join(f"{esc(name)}: {esc(value)}." for name, value in record["about"].items())
    inputs = "".join(f"<li>{esc(PurePosixPath(item['path']).name)}: SHA-256 <code>{item['sha256']}</code></li>"
                     for item in record["inputs"])
    return Html(f'<footer class="reader-footer"><hr><h2>Grunnlag for rapporten</h2><p>{about}</p><p>Inndata (med '
                f"SHA-256, som viser nøyaktig hvilken fil som er brukt):</p><ul>{inputs}</ul><p>Laget "
                f"{made:%d.%m.%Y kl. %H.%M} av lkt_analysis {esc(record['lkt_analysis_version'])}.</p></footer>")


def decision_text(name: str, amounts: Mapping[int, int], labels: Mapping[int, str]) -> str:
    """A municipality's proposed decision, in the seeds' wording, for every year of the run.

    Example:
        >>> decision_text("Fedje", {2018: 181, 2019: 2455}, {2018: "2018", 2019: "2019"})
        'Fedje kommune vil dekkja sin del av kostnadene med kr. 181 for 2018 og kr. 2 455 for 2019.'
    """
    parts = [f"kr. {no.number(amount).replace(no.NBSP, ' ')} for {labels[year]}" for year, amount in amounts.items()]
    return f"{name} kommune vil dekkja sin del av kostnadene med {no.join(parts)}."


def decisions(results: Sequence[Distribution]) -> pd.DataFrame:
    """Each municipality's decision text for the given years (all under one key), with its amount per year.

    Municipalities are those of the last year (after a reform, the successors).
    """
    years = [r.year for r in results]
    last = results[-1]
    table = last.members[["code", "name"]].set_index("code")
    for result in results:
        table[result.year] = result.municipalities.set_index("code")["amount_nok"].reindex(table.index)
    if table[years].isna().any().any():
        raise ParameterError(f"years {', '.join(map(str, years))} lie on both sides of a municipal reform: "
                             "run the years before and after it separately")
    labels = {r.year: r.spec.label.removeprefix("høsten ") for r in results}
    table["text"] = [decision_text(row["name"], {y: int(row[y]) for y in years}, labels)
                     for _, row in table.iterrows()]
    return table.reset_index()


def decision_table(results: Sequence[Distribution]) -> pd.DataFrame:
    """The decision texts with Norwegian headings, for the report."""
    return decisions(results).rename(columns={
        "code": "Kommunenr.", "name": "Kommune", "text": "Forslag til vedtak",
        **{r.year: f"Beløp {r.spec.label} (kr)" for r in results}})


def styled(table: pd.DataFrame) -> Any:
    """A table as the report shows it: Norwegian numbers, no index, figures right-aligned, sums in bold."""
    shown = for_reading(table)
    numeric = [c for c in shown.columns if c in ("Andel", "Folketall", "Kr per innbygger") or c.endswith("(kr)")]

    def bold_sums(row: pd.Series) -> list[str]:
        text = " ".join(str(v) for v in row.to_numpy()[:3])
        weight = "font-weight: bold" if "Sum " in text or "Totalt" in text else ""
        return [weight] * len(row)

    text = [c for c in shown.columns if c not in numeric]
    return (table_style(shown).apply(bold_sums, axis=1)
            .set_properties(subset=numeric, **{"text-align": "right"})
            .set_properties(subset=text, **{"text-align": "left"})
            .set_table_styles([{"selector": "th", "props": "text-align: left; vertical-align: bottom"}]))
