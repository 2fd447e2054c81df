"""What a yearly report shows: its tables, sentences and charts for one budget year and key, in the project's
written standard (nynorsk or bokmål, :mod:`lkt_analysis.text`).

Functions return DataFrames (numbers, for the workbook), HTML (``markup.Html``: every value from an input
escaped, never Markdown; tables with their headings marked for screen readers) or charts
(``markup.Chart``: a figure with a text alternative, its texts never read as mathtext); the notebook
shows them, and nothing here prints or saves. An alternative key's report says on its first page, and
in the header of every printed page, that it is not adopted, and has no proposed decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from fractions import Fraction
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import norwegian as no
from .distribution import Distribution
from .errors import ParameterError
from .keys import describe
from .markup import Chart, Html, charts, esc, paragraphs, short, table
from .project import HOSPITALS, MUNICIPALITIES, Project
from .text import Words, words

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MUNICIPALITY_COLUMNS = {"cooperation_council": "text", "code": "text", "name": "text", "population": "number",
                        "share": "percent", "amount_nok": "number", "nok_per_inhabitant": "decimal"}
ANCHOR, OTHERS = "#b03a2e", "#2b6a99"  # the key's anchor, the others: apart in colour and in lightness


def _w(result: Distribution | Any) -> Words:
    return words(result.project.language)


def columns(w: Words, table_name: str, kinds: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """A table's columns for ``markup.table``: each heading from the catalogue (``report.TABLE.column.NAME``)."""
    return {name: (w(f"report.{table_name}.column.{name}"), kind) for name, kind in kinds.items()}


# --- the first page ---------------------------------------------------------------------------

def status(result: Distribution) -> Html:
    """Whether the report's key is the adopted one (and by whom it was adopted) or an alternative."""
    w, project = _w(result), result.project
    if not result.adopted:
        return paragraphs(w("status.alternative_text", key=esc(result.key_label), adopted=esc(result.adopted_label)))
    if project.adopted_by:
        return paragraphs(w("status.adopted_by_text", key=esc(result.key_label), by=esc(project.adopted_by)))
    return paragraphs(w("status.adopted_text", key=esc(result.key_label)))


def page_header(result: Distribution) -> str:
    """What every printed page says at its top: project, budget year and key, and that an alternative is one."""
    w = _w(result)
    header = f"{result.project.short_name} · {result.spec.label} · {result.key_label}"
    return header if result.adopted else f"{header} · {w('status.alternative').upper()}"


def introduction(result: Distribution) -> Html:
    """The report's first heading and what it shows: adopted or an alternative, the year's new cost and its split
    between the groups, the key in words, the population date."""
    w, totals = _w(result), result.totals
    label = esc(result.spec.label)
    split = (w("report.nothing", year=label) if not sum(totals.values()) else
             w("report.headline", year=label, total=no.kroner(sum(totals.values())),
               hospitals=no.kroner(totals[HOSPITALS]), municipalities=no.kroner(totals[MUNICIPALITIES])))
    return Html(f"<h1>{esc(result.title())}</h1>" + status(result) + paragraphs(
        w("report.intro"), split, w("report.key", sentence=esc(result.key_text)),
        w("report.population", year=result.spec.population_year)))


NEW_PAGE = {"municipalities", "decision", "appendix"}  # printed, these sections begin a page


def _heading(name: str, text: str) -> str:
    return f'<h2 class="new-page">{text}</h2>' if name in NEW_PAGE else f"<h2>{text}</h2>"


def section(result: Distribution | Any, name: str, **values: str) -> Html:
    """A section's heading and what it says (``report.NAME.title`` and ``report.NAME.text``)."""
    w = _w(result)
    return Html(_heading(name, w(f"report.{name}.title")) + paragraphs(w(f"report.{name}.text", **values)))


# --- budget ----------------------------------------------------------------------------------

def budget_section(result: Distribution) -> Html:
    """The budget's heading, what its marks mean, and how each shared post is split, as the project says."""
    w = _w(result)
    posts = result.project.budget
    year = posts[posts["year"] == result.year]
    text = [w("report.budget.covered")] if year["covered"].any() else []
    for party in dict.fromkeys(year.loc[~year["covered"], "financed_by"]):
        split = result.project.financing[party]
        if len([share for share in split.values() if share]) > 1:
            text.append(w("report.budget.shared", party=esc(party), hospitals=no.percent(split.get(HOSPITALS, 0)),
                          municipalities=no.percent(split.get(MUNICIPALITIES, 0))))
    return Html(f"<h2>{w('report.budget.title')}</h2>" + paragraphs(" ".join(text)))


def budget_table(result: Distribution) -> pd.DataFrame:
    """The year's posts: amount, whether already covered, financing party, what each group gets, and a total."""
    budget = result.project.budget
    posts = budget[budget["year"] == result.year]
    parts = (result.posts.pivot_table(index="post", columns="group", values="amount_nok", aggfunc="sum")
             .reindex(columns=[HOSPITALS, MUNICIPALITIES]))
    table_ = posts.merge(parts, left_on="post", right_index=True, how="left", validate="1:1")
    table_ = table_.assign(covered=table_["covered"].map({True: _w(result)("report.budget.mark"), False: ""}),
                           **{group: table_[group].fillna(0).astype("int64") for group in (HOSPITALS, MUNICIPALITIES)})
    table_ = table_[["post", "cost_element", "amount_nok", "covered", "financed_by", HOSPITALS, MUNICIPALITIES]]
    total = {"post": _w(result)("report.total"), **{c: int(table_[c].sum())
                                                    for c in ("amount_nok", HOSPITALS, MUNICIPALITIES)}}
    return pd.concat([table_, pd.DataFrame([total])], ignore_index=True)


def budget_html(result: Distribution) -> Html:
    """The budget table as the report shows it."""
    shown = budget_table(result)
    kinds = {"post": "text", "cost_element": "prose", "amount_nok": "number", "covered": "text",
             "financed_by": "prose", HOSPITALS: "number", MUNICIPALITIES: "number"}
    return table(shown, columns(_w(result), "budget", kinds), strong=[False] * (len(shown) - 1) + [True])


# --- the municipalities --------------------------------------------------------------------------

def municipality_table(result: Distribution) -> pd.DataFrame:
    """Each municipality's population, share, amount and kr per inhabitant, with council subtotals and a total.

    Rows are grouped by cooperation council; a subtotal row has an empty code and the name ``Sum <council>``;
    the last row is the total. ``subtotal`` marks the sums.
    """
    w, town = _w(result), result.municipalities
    rows = []
    for council in sorted(set(town["cooperation_council"])):
        block = town[town["cooperation_council"] == council].sort_values("code")
        rows.append(block.assign(subtotal=False))
        if len(block) > 1:
            rows.append(_sum_row(block, council, w("report.sum")))
    rows.append(_sum_row(town, "", w("report.total")))
    shown = pd.concat(rows, ignore_index=True)
    shown["nok_per_inhabitant"] = shown["amount_nok"] / shown["population"].astype("float64")
    return shown[[*MUNICIPALITY_COLUMNS, "subtotal"]].astype(
        {"population": "int64", "amount_nok": "int64", "subtotal": bool})


def _sum_row(block: pd.DataFrame, council: str, name: str) -> pd.DataFrame:
    return pd.DataFrame([{"cooperation_council": council, "code": "", "name": name,
                          "population": int(block["population"].sum()), "share": float(block["share"].sum()),
                          "amount_nok": int(block["amount_nok"].sum()), "subtotal": True}])


def municipality_html(result: Distribution, shown: pd.DataFrame) -> Html:
    """The municipalities' table (:func:`municipality_table`) as the report shows it."""
    return table(shown, columns(_w(result), "municipalities", MUNICIPALITY_COLUMNS), strong=shown["subtotal"].tolist())


@charts
def municipalities_chart(result: Distribution, shown: pd.DataFrame) -> Chart:
    """Each municipality's amount and kr per inhabitant, side by side in the same order (largest amount first),
    the key's anchor marked, the average kr per inhabitant as a line."""
    from matplotlib.ticker import MaxNLocator

    w = _w(result)
    rows = shown[~shown["subtotal"]].sort_values(["amount_nok", "code"])
    labels = [short(name) for name in rows["name"]]
    marked = (rows["code"] == result.key.anchor).to_numpy()
    figure, (amounts, per) = _figure(7.4, 0.155 * len(rows) + 1.0, [labels, []], gap=0.35, top=0.5)
    average = result.municipal_total / int(rows["population"].sum()) if rows["population"].sum() else 0
    for axes, values, decimals, title in ((amounts, rows["amount_nok"], 0, w("report.municipalities.chart_amounts")),
                                          (per, rows["nok_per_inhabitant"], 2, w("report.municipalities.chart_per"))):
        bars = axes.barh(range(len(rows)), values.to_numpy(), color=[ANCHOR if m else OTHERS for m in marked],
                         height=0.72)
        axes.bar_label(bars, labels=[no.number(v, decimals) for v in values], padding=2, fontsize=7)
        axes.set_title(title, fontsize=9, loc="left")
        axes.xaxis.set_major_formatter(no.axis_formatter(decimals))
        axes.xaxis.set_major_locator(MaxNLocator(4))
        axes.set_xlim(0, float(values.max()) * 1.25 or 1)
        axes.tick_params(labelsize=8)
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(y=0.01)
    amounts.set_yticks(range(len(rows)), labels)
    per.set_yticks(range(len(rows)), [])
    per.axvline(average, color="#333333", linestyle="--", linewidth=1)
    per.set_xlabel(w("report.municipalities.average", value=no.number(average, 2)), fontsize=8)  # clear of bars
    figure.suptitle(w("report.municipalities.chart_title", year=result.spec.label), fontsize=10, x=0.02, ha="left")
    top, bottom = rows.iloc[-1], rows.iloc[0]
    alt = w("report.municipalities.alt", count=len(rows), year=result.spec.label, top=top["name"],
            top_amount=no.kroner(top["amount_nok"]), bottom=bottom["name"],
            bottom_amount=no.kroner(bottom["amount_nok"]),
            low=no.number(rows["nok_per_inhabitant"].min(), 2), high=no.number(rows["nok_per_inhabitant"].max(), 2))
    return Chart(figure, alt)


# --- the specialist health service, and who carries the cost --------------------------------------

def hospital_section(result: Distribution) -> Html:
    """The specialist health service's heading and how its part is split between the hospital trusts."""
    project = result.project
    sentence = describe(project.hospitals.assign(population=pd.NA), project.keys[project.hospital_key],
                        project.language)
    return section(result, "hospitals", sentence=esc(sentence))


def hospital_html(result: Distribution) -> Html:
    """The specialist health service's part per hospital trust."""
    return table(result.hospitals, columns(_w(result), "hospitals", {"name": "prose", "share": "percent",
                                                                        "amount_nok": "number"}), keep=True)


def split_explained(result: Distribution) -> str:
    """How the municipalities' part is made up of the budget's posts by financing party (it differs from any one
    party's figure where shared posts add their part)."""
    w = _w(result)
    parts = result.posts[result.posts["group"] == MUNICIPALITIES].groupby("financed_by", sort=False)["amount_nok"].sum()
    if not parts.any():
        return w("report.split.explain_nothing")
    return w("report.split.explain", municipalities=no.kroner(result.municipal_total), parts=no.join(
        [w("report.split.part", amount=no.kroner(amount), party=party) for party, amount in parts.items()]))


def split_section(result: Distribution) -> Html:
    """The heading and words of the chart of who carries the new cost; nothing in a year without new cost (the
    introduction says so)."""
    return section(result, "split") if result.posts["amount_nok"].any() else Html("")


@charts
def split_chart(result: Distribution) -> Chart | Html:
    """The year's new cost by group and by financing party, side by side, with what makes up the municipalities'
    part in words; nothing in a year without new cost."""
    from matplotlib.ticker import MaxNLocator

    w, posts = _w(result), result.posts
    if not posts["amount_nok"].any():
        return Html("")
    by_group = posts.groupby("group")["amount_nok"].sum().rename(
        {HOSPITALS: w("report.split.specialist_health_service"), MUNICIPALITIES: w("report.split.municipalities")})
    by_party = posts.groupby("financed_by")["amount_nok"].sum()
    by_group, by_party = by_group.sort_values(), by_party.sort_values()
    figure, axes_ = _figure(7.4, 0.32 * max(len(by_group), len(by_party)) + 1.3,
                            [by_group.index.map(short), by_party.index.map(short)], top=0.55, gap=0.45)
    titles = (w("report.split.by_group"), w("report.split.by_party"))
    for axes, values, title in zip(axes_, (by_group, by_party), titles):
        bars = axes.barh(range(len(values)), values.to_numpy(), color=OTHERS, height=0.6)
        axes.set_yticks(range(len(values)), [short(name) for name in values.index])
        axes.bar_label(bars, labels=[no.kroner(v) for v in values], padding=2, fontsize=7.5)
        axes.set_title(title, fontsize=9, loc="left")
        axes.set_xlabel(w("report.split.axis"), fontsize=8)
        axes.tick_params(labelsize=7.5)
        axes.xaxis.set_major_formatter(no.axis_formatter())
        axes.xaxis.set_major_locator(MaxNLocator(3))
        axes.set_xlim(0, float(values.max()) * 1.5 or 1)
        axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(w("report.split.chart_title", year=result.spec.label), fontsize=10, x=0.02, ha="left")
    explain = split_explained(result)
    return Chart(figure, w("report.split.alt", year=result.spec.label, total=no.kroner(sum(result.totals.values())),
                           explain=explain), caption=explain)


# --- the decision -------------------------------------------------------------------------------

def decision_text(project: Project, name: str, amounts: Mapping[int, int]) -> str:
    """A municipality's proposed decision, in the project's wording, for every year it covers; amounts never
    broken across a line. A year is named by its number, as the councils' decisions name it ("for 2018",
    seed 000), whatever its label ("hausten 2018").

    Example:
        >>> from lkt_analysis import load_project, paths
        >>> text = decision_text(load_project(paths.DEFAULT_PROJECT), "Fedje", {2018: 181, 2019: 2455})
        >>> text.split(" slik det")[0]
        'Fedje kommune vil dekkja sin del av kostnadene med kr.\\xa0181 for 2018 og kr.\\xa02\\xa0455 for 2019'
    """
    w = words(project.language)
    parts = no.join([w("decision.amount", amount=no.number(amount), year=year) for year, amount in amounts.items()])
    return project.decision.replace("{municipality}", name).replace("{amounts}", parts)


def decisions(results: Sequence[Distribution]) -> pd.DataFrame:
    """Each municipality's amount per year of the decision (all under one key) and its decision text.

    Municipalities are those of the last year (after a reform, the successors).
    """
    years = [r.year for r in results]
    last = results[-1]
    shown = last.members[["code", "name"]].set_index("code")
    for result in results:
        shown[result.year] = result.municipalities.set_index("code")["amount_nok"].reindex(shown.index)
    if shown[years].isna().any().any():
        raise ParameterError(f"years {', '.join(map(str, years))} lie on both sides of a municipal reform: "
                             "run the years before and after it separately")
    shown["text"] = [decision_text(last.project, row["name"], {y: int(row[y]) for y in years})
                     for _, row in shown.iterrows()]
    return shown.reset_index()


def decision_section(result: Distribution) -> Html:
    """The decision's heading and what it is; for an alternative key, only what each would pay if it were chosen."""
    w = _w(result)
    suffix = "" if result.adopted else "_alternative"
    return Html(_heading("decision", w(f"report.decision.title{suffix}"))
                + paragraphs(w(f"report.decision.text{suffix}")))


def decision_html(results: Sequence[Distribution]) -> Html:
    """The decision table: for the adopted key each municipality's decision text (which names its amounts); for
    an alternative, what it would pay each year."""
    w, last = _w(results[-1]), results[-1]
    heads = {"code": (w("report.decision.column.code"), "text"), "name": (w("report.decision.column.name"), "text")}
    if last.adopted:
        heads["text"] = (w("report.decision.column.text"), "prose")
    else:
        heads.update({r.year: (w("report.decision.amount", year=r.spec.label), "number") for r in results})
    return table(decisions(results), heads)


# --- the appendix: how every amount was computed ----------------------------------------------

def rounding_table(result: Distribution) -> pd.DataFrame:
    """How each municipality's amount was computed: its basis (population, or the age group's), exact share,
    exact amount, rounded down, remainder, and whether it got one of the kroner left over (exact values)."""
    steps = result.rounding.join(result.members.set_index("code")[["name", result.key.age_group or "population"]])
    return pd.DataFrame({
        "code": steps.index, "name": steps["name"], "basis": steps[result.key.age_group or "population"],
        "share": result.shares.reindex(steps.index), "quota": steps["quota"], "floor": steps["floor"],
        "remainder": steps["remainder"], "extra": steps["extra"], "amount_nok": steps["amount_nok"],
    }).reset_index(drop=True)


def basis(result: Distribution, steps: pd.DataFrame) -> tuple[pd.Series, str]:
    """Each municipality's share as its basis over the basis of all who pay by population (unreduced: ``3 920 /
    174 081``), and the sentence that says so; a fixed share (an anchor's) as such. Where the key does not
    split by population, the shares are shown as they are."""
    w = _w(result)
    fixed = steps["code"] == result.key.anchor
    paying = steps[~fixed & (steps["share"] > 0) & (steps["basis"] > 0)]
    ratios = {Fraction(s) / int(b) for s, b in zip(paying["share"], paying["basis"])}
    if len(ratios) != 1:
        return pd.Series([""] * len(steps), index=steps.index), ""
    total = int(paying["basis"].sum())
    factor = ratios.pop() * total
    shown = steps["basis"].map(lambda b: f"{no.number(b)} / {no.number(total)}").where(
        steps["code"].isin(paying["code"]), "")
    shown = shown.mask(fixed, w("report.appendix.fixed"))
    note = w("report.appendix.factor", factor=no.percent(factor)) if factor != 1 else ""
    group = result.key.age_group
    if group:
        sentence = w("report.appendix.basis_group", band=w.age(group), total=no.number(total), factor=note)
    else:
        sentence = w("report.appendix.basis", total=no.number(total), factor=note)
    return shown, sentence


def appendix_section(result: Distribution) -> Html:
    """The appendix's heading, what its table shows, the basis of the shares, the rounding rule and its check."""
    w = _w(result)
    _, sentence = basis(result, rounding_table(result))
    return Html(_heading("appendix", w("report.appendix.title"))
                + paragraphs(w("report.appendix.text") + (" " + sentence if sentence else ""))
                + rounding_text(result))


def rounding_text(result: Distribution) -> Html:
    """The rounding rule and its check, with this split's figures (the appendix's and a workbook sheet's)."""
    w, steps = _w(result), result.rounding
    total, floors, left = result.municipal_total, int(steps["floor"].sum()), int(steps["extra"].sum())
    return paragraphs(
        w("report.appendix.rule", total=no.kroner(total), floors=no.kroner(floors), left=no.kroner(left), count=left),
        w("report.appendix.check", floors=no.kroner(floors), left=no.kroner(left), sum=no.kroner(floors + left),
          mark=" ✓" if floors + left == total else " ✗"))


def cut(value: Any, decimals: int) -> str:
    """A non-negative exact value with ``decimals`` decimals, cut rather than rounded, so that a figure shown
    never looks larger than it is.

    Example:
        >>> cut(Fraction(2, 3), 4)
        '0,6666'
    """
    scaled = int(value * 10**decimals)  # floor: values are not negative
    return no.number(scaled / 10**decimals, decimals)


def appendix_html(result: Distribution) -> Html:
    """The appendix's table: every municipality's basis, share (six decimals) and amount (four, cut), with a sum."""
    w, steps = _w(result), rounding_table(result)
    shown_basis, _ = basis(result, steps)
    shown = pd.DataFrame({
        "code": steps["code"], "name": steps["name"], "basis": shown_basis,
        "percent": steps["share"].map(lambda f: cut(f * 100, 6) + no.NBSP + "%"),
        "quota": steps["quota"].map(lambda q: cut(q, 4)), "floor": steps["floor"].map(no.number),
        "remainder": steps["remainder"].map(lambda r: cut(r, 4)),
        "extra": steps["extra"].map({True: w("report.appendix.yes"), False: ""}),
        "amount_nok": steps["amount_nok"].map(no.number)})
    total = {"code": "", "name": w("report.total"), "basis": "",
             "percent": cut(sum(steps["share"]) * 100, 6) + no.NBSP + "%", "quota": cut(sum(steps["quota"]), 4),
             "floor": no.number(steps["floor"].sum()), "remainder": cut(sum(steps["remainder"]), 4),
             "extra": w("report.appendix.count", count=int(steps["extra"].sum())),
             "amount_nok": no.number(steps["amount_nok"].sum())}
    shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
    kinds = {"code": "text", "name": "text", "basis": "number", "percent": "number", "quota": "number",
             "floor": "number", "remainder": "number", "extra": "text", "amount_nok": "number"}
    return table(shown, columns(w, "appendix", kinds), strong=[False] * len(steps) + [True])


# --- what the report was made from -----------------------------------------------------------

def footer(record: Mapping[str, Any]) -> Html:
    """The provenance record in one compact paragraph at the report's end: when and by what it was made, from
    which files, with the first characters of each file's SHA-256 (the whole ones are in the JSON beside it)."""
    w = words(record["language"])
    made = datetime.fromisoformat(record["made"])
    names = [PurePosixPath(item["path"]).name for item in record["inputs"]]
    sums = ", ".join(f"{esc(name)} {item['sha256'][:12]}" for name, item in zip(names, record["inputs"]))
    return Html('<footer class="reader-footer">' + paragraphs(
        w("report.footer.made", date=w.date(made), version=esc(record["lkt_analysis_version"]),
          files=no.join([esc(name) for name in names])), w("report.footer.sums", sums=sums)) + "</footer>")


# --- charts ---------------------------------------------------------------------------------

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
