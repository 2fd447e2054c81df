"""Exploring keys at once: every variant of a key computed exactly once, then looked up in the browser.

A key's shares are linear in its ``linear`` parameters (the anchor's share, the fixed
equal part), so :func:`lkt_analysis.sweep.sweep_table` gives the exact whole-krone
amounts of every variant on a grid in a fraction of a second. :func:`variants`
computes them once, with the keys they are compared against; :func:`payload` packs
them for the front end (``static/explore.js``), which draws table and bars as a
slider moves, looking every amount up and computing none. Two front ends share
that code: the JupyterLab explorer (:func:`explorer`, an anywidget; a change of
year, kind or anchor is one round trip to the kernel, a slider none) and the
comparison report's "Prøv sjølv" (:func:`tryout`, one self-contained HTML
fragment that works from ``file://``). Every word shown is from the ``[explore]``
table of the catalogues (:mod:`lkt_analysis.text`); nothing here displays or prints.
"""

from __future__ import annotations

import hashlib
import html
import json
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import norwegian as no, paths
from .allocate import as_fraction
from .compare import Comparison
from .comparison_report import anchored
from .distribution import Distribution, distribute
from .errors import LktError, ParameterError
from .keys import KINDS, Key, variant
from .outputs import made_at, save_workbook, write_csv
from .population import AGE_GROUPS
from .project import Project, municipal_key
from .project import members as year_members
from .sweep import Grid, as_grid, grid_range, sweep_table
from .text import Words, words as catalogue
from .version import __version__

if TYPE_CHECKING:
    import anywidget

STATIC = Path(__file__).parent / "static"
SCRIPT, STYLE = STATIC / "explore.js", STATIC / "explore.css"
STEPS = {"share": "0:1:0.01", "fixed": "0:1:0.01"}  # the explorer's grid of each linear parameter
TRYOUT_STEPS = {"share": "0:1:0.01", "fixed": "0:0.5:0.05"}  # the report's: the fixed part coarser, to stay small
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # one character: -31 to 30
SMALL = 31
CHOSEN = ("code", "age_group", "codes")  # the parameters besides the linear ones that the explorer lets one choose


@dataclass(frozen=True)
class Variants:
    """Every municipality's exact amount for every variant of one key over a grid of its linear parameters.

    Attributes:
        base: The year's result under the key compared against first (members, total, project).
        key: The explored key, its linear parameters at their starting values.
        grids: Each linear parameter's exact values, the first varying slowest (none for a fixed key).
        members: ``code, name, population`` of the year's municipalities, largest first.
        amounts: One row per variant (grid order), one column per member (``members``' order).
        references: The keys compared against, each computed once, the first the starting one.
    """

    base: Distribution
    key: Key
    grids: dict[str, Grid]
    members: pd.DataFrame
    amounts: np.ndarray
    references: tuple[Distribution, ...]

    def at(self, values: Mapping[str, object]) -> Key:
        """The explored key with its linear parameters at ``values`` (each snapped to its grid), exactly."""
        return Key(self.key.name, self.key.kind, {**self.key.params, **{
            name: _exact(grid, position(grid, values.get(name, self.key.params[name])))
            for name, grid in self.grids.items()}})

    def row(self, key: Key) -> np.ndarray:
        """The amounts of ``key``, a variant on the grid, by member."""
        index = 0
        for name, grid in self.grids.items():
            index = index * len(grid) + position(grid, key.params[name])
        return self.amounts[index]


def variants(base: Distribution, key: Key, *, steps: Mapping[str, str] = STEPS,
             references: Sequence[Distribution] = ()) -> Variants:
    """Every variant of ``key`` for ``base``'s year over a grid of its linear parameters (``steps``; each
    parameter's value in ``key`` added to its grid), compared against ``references`` (default: ``base``).

    Example:
        >>> from lkt_analysis import load_project, paths
        >>> project = load_project(paths.DEFAULT_PROJECT)
        >>> found = variants(distribute(project, 2019), project.municipal_key())
        >>> found.amounts.shape, int(found.row(found.at({"share": 0.4}))[0])  # 101 shares x 24; Bergen at 40 %
        ((101, 24), 610000)
    """
    members = base.members.sort_values(["population", "code"], ascending=[False, True])[["code", "name", "population"]]
    members = members.astype({"population": "int64"}).reset_index(drop=True)
    grids = {name: _grid(key, name, steps.get(name, "0:1:0.01")) for name in KINDS[key.kind].linear}
    if grids:
        table = sweep_table(base.members, key, base.municipal_total, grids)
        wide = table["amount_nok"].to_numpy().reshape(-1, len(base.members))
        column = {code: i for i, code in enumerate(base.members["code"])}
        amounts = wide[:, [column[code] for code in members["code"]]]
    else:
        amounts = _amounts(distribute(base.project, base.year, key), members)[None, :]
    return Variants(base, key, grids, members, amounts.astype(np.int64), tuple(references) or (base,))


def position(grid: Grid, value: object) -> int:
    """Where ``value`` is on ``grid``, or the nearest value there."""
    exact = as_fraction(value)
    return int(np.argmin([abs(value - exact) for value in grid.fractions()]))


def encode(amounts: np.ndarray, counts: Sequence[int]) -> str:
    """Whole kroner as compact text for the front end: along the first parameter, the second differences
    (mostly -2 to 2, as the amounts are linear but for the rounding) as one character each, a larger number
    as ``~NUMBER.``; one run per member and value of the other parameters.

    Example:
        >>> encode(np.array([[762500, 3010], [686250, 3311], [610000, 3612]]), [3])  # Bergen and one other
        '~762500.~-76250.V~3010.~301.V'
    """
    first = counts[0] if counts else 1
    runs = amounts.reshape(first, -1, amounts.shape[1]).transpose(2, 1, 0).reshape(-1, first).astype(np.int64)
    steps = runs.copy()
    steps[:, 1:] = np.diff(runs, axis=1)
    steps[:, 2:] = np.diff(steps[:, 1:], axis=1)
    flat = steps.ravel()
    small = (flat >= -SMALL) & (flat < len(ALPHABET) - SMALL)
    text = np.array(list(ALPHABET), dtype=object)[np.where(small, flat + SMALL, 0)]
    text[~small] = [f"~{value}." for value in flat[~small].tolist()]
    return "".join(text.tolist())


def payload(found: Variants, words: Words, *, reference: str | None = None) -> dict[str, Any]:
    """What the front end draws from, as JSON: members, each parameter's grid and words, the amounts
    (:func:`encode`), the keys compared against, the command that makes a variant's report, the words."""
    members = found.members
    anchor = found.key.anchor
    names = [r.key.name for r in found.references]
    return {
        "members": {"code": members["code"].tolist(), "name": members["name"].tolist(),
                    "population": members["population"].tolist()},
        "total": found.base.municipal_total,
        "params": [{"name": name, "title": _title(found.key, members, name, words),
                    "values": grid.floats().tolist(),
                    "labels": [no.percent(value) for value in grid.fractions()],
                    "plain": [_plain(value) for value in grid.fractions()],
                    "start": position(grid, found.key.params[name])} for name, grid in found.grids.items()],
        "amounts": encode(found.amounts, [len(grid) for grid in found.grids.values()]),
        "anchor": members["code"].tolist().index(anchor) if anchor in set(members["code"]) else -1,
        "references": [{"name": r.key.name, "label": r.key_label, "amounts": _amounts(r, members).tolist()}
                       for r in found.references],
        "reference": names.index(reference) if reference in names else 0,
        "command": command(found.base.project, found.base.year, found.key, words),
        "words": {name.removeprefix("explore."): text for name, text in words.catalogue.items()
                  if name.startswith("explore.")},
    }


def command(project: Project, year: int, key: Key, words: Words) -> dict[str, Any]:
    """How to make the report of ``key``'s variants: ``lkt report`` with the project's key of the same kind
    and choices (``text``) and that key's linear parameters as written (``set``: a slider at another value
    adds ``--set NAME=VALUE``); where the project has no such key, the key to add to the project file
    (``toml``, the linear parameters to follow) and the command that uses it."""
    start = f"lkt report --years {year}"
    if project.path != paths.DEFAULT_PROJECT.absolute():
        start += f" --project {shlex.quote(str(project.path))}"
    linear = KINDS[key.kind].linear
    name = matching_key(project, year, key)
    if name is not None:
        written = municipal_key(project, name, year)
        return {"text": start + ("" if name == project.key else f" --key {name}"),
                "set": {p: _plain(as_fraction(written.params[p])) for p in linear}}
    new = words("explore.new_key")
    lines = [f"[keys.{new}]", f'kind = "{key.kind}"',
             *(f"{p} = {_toml(v)}" for p, v in key.params.items() if p not in linear)]
    return {"text": f"{start} --key {new}", "toml": "\n".join(lines)}


def matching_key(project: Project, year: int, key: Key) -> str | None:
    """The project's key (the adopted one first, then its own, then the standard keys) of ``key``'s kind
    with the same choices (anchor, age group, members), whatever its linear parameters; ``None`` if none."""
    linear = KINDS[key.kind].linear
    for name in dict.fromkeys([project.key, *project.municipal_keys(), *project.standard_keys()]):
        written = municipal_key(project, name, year)
        if written.kind == key.kind and all(_same(written.params[p], v) for p, v in key.params.items()
                                            if p not in linear):
            return name
    return None


# --- the explorer in JupyterLab -------------------------------------------------------------

def offered(project: Project) -> list[str]:
    """The kinds the explorer offers: those the registry offers, and those of the project's own keys whose
    parameters the explorer can set (e.g. ``members_only``: the pilot municipalities)."""
    own = [project.keys[name].kind for name in project.municipal_keys()]
    settable = {*CHOSEN, *(p for kind in KINDS.values() for p in kind.linear)}
    return [name for name, kind in KINDS.items()
            if kind.explore or (name in own and set(kind.parameters) <= settable)]


def explored_key(project: Project, year: int, kind: str, choice: Mapping[str, Any], values: Mapping[str, Any],
                 words: Words) -> Key:
    """The key of ``kind`` the explorer starts from: the parameters in ``choice`` and ``values`` where given,
    else those of the project's first key of that kind, else the adopted key's anchor (or the largest
    municipality), the first age group, the three largest municipalities and 0."""
    if kind not in KINDS:
        raise ParameterError(f"unknown key kind '{kind}'; kinds: {', '.join(KINDS)}")
    own = next((municipal_key(project, name, year).params for name in project.municipal_keys()
                if project.keys[name].kind == kind), {})
    members = year_members(project, year).sort_values(["population", "code"], ascending=[False, True])
    defaults = {"code": municipal_key(project, None, year).anchor or members["code"].iloc[0],
                "age_group": age_groups(project, year)[0], "codes": members["code"].iloc[:3].tolist()}
    params = {}
    for name in KINDS[kind].parameters:
        given = values.get(name) if name in KINDS[kind].linear else choice.get(name)
        params[name] = given if given is not None else own.get(name, defaults.get(name, 0))
    return Key(words("explore.new_key"), kind, params)


def age_groups(project: Project, year: int) -> list[str]:
    """The age groups in the year's population data (``0-17``, ``67+``, ...)."""
    members = year_members(project, year)
    found = dict.fromkeys([*AGE_GROUPS, *(k.age_group for k in project.keys.values() if k.age_group)])
    return [group for group in found if group != "total" and group in members.columns]


def choices(project: Project, words: Words) -> dict[str, Any]:
    """What the explorer's selectors offer: budget years, kinds, age groups, each with its words."""
    return {"years": [[year, spec.label] for year, spec in project.years.items()],
            "kinds": [[name, words(f"explore.kind.{name}")] for name in offered(project)],
            "age_groups": [[group, words.age(group)]
                           for group in age_groups(project, max(project.years))]}


def explorer(project: Project, year: int, *, kind: str = "anchor", share: float = 0.4, fixed: float = 0.2,
             anchor: str | None = None, age_group: str | None = None, codes: Sequence[str] | None = None,
             reference: str | None = None, municipality: str | None = None,
             language: str | None = None) -> anywidget.AnyWidget:
    """The key explorer for JupyterLab: ``kind``'s every variant for ``year``, computed once, drawn in the
    browser as the sliders move, against ``reference`` (default: the adopted key), ``municipality``
    highlighted, in the written standard ``language`` (default: the project's). Changing the year, the kind or a
    choice (anchor, age group, members) computes again.

    Example:
        >>> from lkt_analysis import load_project, paths
        >>> widget = explorer(load_project(paths.DEFAULT_PROJECT), 2019)
        >>> widget.key().params["share"], widget.data["params"][0]["title"]
        (Fraction(2, 5), 'Bergens andel')
    """
    choice = {"year": year, "kind": kind, "code": anchor, "age_group": age_group,
              "codes": list(codes) if codes is not None else None}
    view = {"values": {"share": share, "fixed": fixed}, "reference": reference or project.key,
            "highlight": municipality or "", "sort": "population"}
    return _widget_class()(project=project, language=language or project.language, choice=choice, view=view)


@cache
def _widget_class() -> type:
    """The explorer's widget class, made when first used: anywidget is imported only by those who explore."""
    import anywidget
    import traitlets

    class Explorer(anywidget.AnyWidget):
        """The key explorer: ``data`` is :func:`payload` for ``choice`` (year, kind, anchor, age group,
        members); ``view`` is what the reader has set in the browser (slider values, reference,
        highlighted municipality, order), synced when a slider is let go."""

        _esm = SCRIPT
        _css = STYLE
        data = traitlets.Dict().tag(sync=True)
        choice = traitlets.Dict().tag(sync=True)
        view = traitlets.Dict().tag(sync=True)
        error = traitlets.Unicode("").tag(sync=True)

        def __init__(self, *, project: Project, language: str, **state: Any) -> None:
            self.project, self.words = project, catalogue(language)
            self._references: dict[int, tuple[Distribution, ...]] = {}
            super().__init__(**state)
            self.found, self.data = self._computed()  # a wrong starting choice is an error in the cell
            self.observe(self._chosen, names="choice")
            self.on_msg(self._message)

        def key(self) -> Key:
            """The key the explorer shows now, exactly (its linear parameters as the sliders stand)."""
            return self.found.at(self.view.get("values", {}))

        def references(self, year: int) -> tuple[Distribution, ...]:
            """Every municipal key of the project and the standard keys for ``year``, computed once."""
            if year not in self._references:
                names = dict.fromkeys([*self.project.municipal_keys(), *self.project.standard_keys()])
                self._references[year] = tuple(distribute(self.project, year, name) for name in names)
            return self._references[year]

        def _computed(self) -> tuple[Variants, dict[str, Any]]:
            """Every variant of the chosen kind for the chosen year, and the front end's data."""
            choice, values = self.choice, self.view.get("values", {})
            year = int(choice["year"])
            key = explored_key(self.project, year, choice["kind"], choice, values, self.words)
            found = variants(distribute(self.project, year), key, references=self.references(year))
            data = payload(found, self.words, reference=self.view.get("reference"))
            data["choices"] = choices(self.project, self.words)
            data["choice"] = {"year": year, "kind": key.kind,
                              **{name: key.params[name] for name in CHOSEN if name in key.params}}
            data["view"] = dict(self.view)
            return found, data

        def _chosen(self, _: Any) -> None:
            try:
                found, data = self._computed()
            except LktError as err:  # shown in the explorer, which keeps what it showed
                self.error = str(err)
                return
            self.found, self.error, self.data = found, "", data

        def _message(self, _: Any, content: Mapping[str, Any], buffers: Sequence[bytes]) -> None:
            if content.get("type") != "export":
                return
            self.view = {**self.view, **content.get("view", {})}
            named = {r.key.name: r for r in self.found.references}
            reference = named.get(self.view.get("reference"), self.found.references[0])
            try:
                name, data = export_file(self.found, self.key(), reference, self.words, content.get("format", ""))
            except LktError as err:
                self.error = str(err)
                return
            self.send({"type": "file", "name": name, "mime": MIME[name.rsplit(".", 1)[1]]}, [data])

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            """The widget, and as plain text (where it cannot be shown) the one line saying what to do."""
            bundle = super()._repr_mimebundle_(**kwargs)
            data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
            return {**data, "text/plain": self.words("explore.hint")}, metadata

    return Explorer


@dataclass(frozen=True)
class Hint:
    """One line saying what to do where the explorer is not shown (reopened without running); a live
    explorer in the same output hides it (``static/explore.css``)."""

    text: str

    def _repr_html_(self) -> str:
        return f'<p class="lkt-x-hint">{html.escape(self.text)}</p>'

    def __repr__(self) -> str:
        return self.text


def hint(language: str) -> Hint:
    """The explorer's hint, e.g. ``Køyr alle cellene (Run > Run All Cells) for å sjå utforskaren.``"""
    return Hint(catalogue(language)("explore.hint"))


# --- export of the chosen variant -----------------------------------------------------------

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}
COLUMNS = {  # column, its words in the catalogue, width, Excel's number format
    "code": ("explore.code", 12, "@"), "name": ("explore.name", 16, "@"),
    "population": ("explore.population", 11, "#,##0"), "reference": ("explore.reference_amount", 14, "#,##0"),
    "amount": ("explore.amount", 14, "#,##0"), "diff": ("explore.diff", 13, "#,##0"),
    "diff_pct": ("explore.diff_pct", 11, "0.0"), "per_inhabitant": ("explore.per_inhabitant", 12, "#,##0.00"),
}


def export_table(result: Distribution, reference: Distribution) -> pd.DataFrame:
    """``result`` (the library's exact result for the chosen key) against ``reference``, one row per municipality
    (largest first): ``code, name, population, reference, amount, diff, diff_pct, per_inhabitant``."""
    rows = result.municipalities.merge(reference.municipalities[["code", "amount_nok"]], on="code",
                                       suffixes=("", "_reference"), validate="1:1")
    rows = rows.sort_values(["population", "code"], ascending=[False, True])
    base = rows["amount_nok_reference"].astype("int64")
    diff = rows["amount_nok"].astype("int64") - base
    return pd.DataFrame({
        "code": rows["code"], "name": rows["name"], "population": rows["population"].astype("int64"),
        "reference": base, "amount": rows["amount_nok"].astype("int64"), "diff": diff,
        "diff_pct": (diff / base.where(base > 0) * 100).round(4), "per_inhabitant": rows["nok_per_inhabitant"],
    }).reset_index(drop=True)


def describe(key: Key, members: pd.DataFrame, words: Words) -> str:
    """``key`` as the explorer names it, the kind and each parameter: e.g. ``Etter folketal i ei
    aldersgruppe; Aldersgruppe: 67 år og eldre``."""
    names = members.set_index("code")["name"]
    parts = [words(f"explore.kind.{key.kind}")]
    for name, value in key.params.items():
        if name in KINDS[key.kind].linear:
            parts.append(f"{_title(key, members, name, words)}: {no.percent(as_fraction(value))}")
        elif name == "code":
            parts.append(f"{words('explore.anchor')}: {names.get(value, value)}")
        elif name == "age_group":
            parts.append(f"{words('explore.age_group')}: {words.age(value)}")
        elif name == "codes":
            parts.append(f"{words('explore.codes')}: {no.join([str(names.get(c, c)) for c in value])}")
    return "; ".join(parts)


def export_file(found: Variants, key: Key, reference: Distribution, words: Words, kind: str) -> tuple[str, bytes]:
    """The chosen variant as a file with the catalogue's headings: ``(name, content)``, ``kind`` ``xlsx``
    (title block, a total row) or ``csv`` (UTF-8, one row per municipality)."""
    if kind not in MIME:
        raise ParameterError(f"export as '{kind}': choose xlsx or csv")
    project, year = found.base.project, found.base.year
    result = distribute(project, year, key)
    table = export_table(result, reference)
    named = _named(project, year, key)
    name = f"{project.file_prefix}_{year}_{named.name}.{kind}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        if kind == "csv":
            write_csv(table.rename(columns={c: words(w) for c, (w, _, _) in COLUMNS.items()}), path)
        else:
            _write_xlsx(path, table, found, key, reference, words)
        return name, path.read_bytes()


def _write_xlsx(path: Path, table: pd.DataFrame, found: Variants, key: Key, reference: Distribution,
                words: Words) -> None:
    from .workbook import BOLD, _new, _table_sheet

    base = found.base
    title = words("explore.export_title", project=base.project.name, year=base.spec.label)
    lines = [title, words("explore.export_key", key=describe(key, found.members, words)),
             words("explore.export_reference", reference=reference.key_label),
             words("explore.export_population", year=base.spec.population_year),
             words("workbook.made", date=words.date(made_at()), version=__version__)]
    total = {"name": words("explore.total"), "population": int(table["population"].sum()),
             "reference": int(table["reference"].sum()), "amount": int(table["amount"].sum()),
             "diff": int(table["diff"].sum()),
             "per_inhabitant": table["amount"].sum() / table["population"].sum()}
    rows = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    workbook = _new(title)
    columns = {c: (words(w), width, number_format) for c, (w, width, number_format) in COLUMNS.items()}
    _table_sheet(workbook.active, words("explore.sheet"), lines, rows, columns, (title, base.project.short_name),
                 words)
    for cell in workbook.active[workbook.active.max_row]:
        cell.font = BOLD
    save_workbook(workbook, path)


# --- "Prøv sjølv" in the comparison report ---------------------------------------------------

@dataclass(frozen=True)
class Tryout:
    """A self-contained HTML fragment (code, style and exact amounts inline): Jupyter and the report show it."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def tryout(comparison: Comparison, language: str | None = None, *,
           steps: Mapping[str, str] = TRYOUT_STEPS) -> Tryout:
    """"Prøv sjølv" for the comparison report: the reader moves the anchor's share and a fixed equal part of
    the rest and sees every municipality's exact amount, the difference against the adopted key (whatever
    the comparison's reference) and kr per inhabitant, with bars; printed, the adopted key with a note. In the
    written standard ``language`` (default: the project's).

    The key tried starts at the adopted key, as the same shares in a kind the reader can try
    (:attr:`~lkt_analysis.keys.Kind.tried`): its anchor's share and a fixed part of the rest split equally
    (``anchor_plus_fixed``), or a fixed part of all split equally (``fixed_plus_per_capita``: per capita at 0 %,
    equal shares at 100 %). An adopted key that is neither (an age group, named members) starts at the first
    compared key with an anchor, or else at per capita; the differences are still against the adopted key.
    Everything is inline, nothing fetched: it works from ``file://``, and adds about 55 KB to the page.

    Example:
        >>> from lkt_analysis import compare, load_project, paths
        >>> fragment = tryout(compare(load_project(paths.DEFAULT_PROJECT), 2019, ["per_capita"]), "nn")
        >>> "Prøv sjølv" in fragment.html and len(fragment.html.encode()) < 100_000
        True
    """
    words = catalogue(language or comparison.project.language)
    reference = comparison.reference  # against the adopted key, whatever the comparison's reference
    adopted = reference if reference.adopted else distribute(comparison.project, reference.year)
    start = adopted.key
    if KINDS[start.kind].tried is None:
        first = anchored(comparison)
        start = first.key if first is not None else Key(start.name, "per_capita", {})
    kind, params = KINDS[start.kind].tried(**start.params)
    data = payload(variants(adopted, Key(adopted.key.name, kind, params), steps=steps), words)
    data.pop("command")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    ident = "lkt-x-" + hashlib.sha256(text.encode()).hexdigest()[:10]
    tried = words("explore.tryout")
    return Tryout(
        f'<div class="lkt-x lkt-x-tryout" id="{ident}"><style>{_style()}</style>'
        f"<h2>{html.escape(tried)}</h2>"
        f'<p class="lkt-x-noscript">{html.escape(words("explore.noscript"))}</p>'
        f'<script type="application/json" class="lkt-x-data">{text}</script>'
        f'<script type="module">{_script()}\ntryoutAll();</script></div>')


@cache
def _script() -> str:
    """The front end's code as inlined: comment lines and indentation dropped."""
    lines = (line.strip() for line in SCRIPT.read_text(encoding="utf-8").splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


@cache
def _style() -> str:
    lines = (line.strip() for line in STYLE.read_text(encoding="utf-8").splitlines())
    return " ".join(line for line in lines if line and not line.startswith("/*"))


# --- small helpers ----------------------------------------------------------------------------

def _grid(key: Key, name: str, step: str) -> Grid:
    regular = grid_range(step)
    values = set(regular.fractions())
    return as_grid(sorted(values | {as_fraction(key.params[name])}), name)


def _exact(grid: Grid, index: int) -> Fraction:
    return Fraction(int(grid.numerators[index]), grid.denominator)


def _amounts(result: Distribution, members: pd.DataFrame) -> np.ndarray:
    return result.municipalities.set_index("code")["amount_nok"].loc[members["code"]].to_numpy(dtype=np.int64)


def _title(key: Key, members: pd.DataFrame, name: str, words: Words) -> str:
    """A linear parameter in words: ``Bergens del``, or the fixed part (of the rest, where there is an anchor)."""
    if name == "share":
        return words("explore.share", owner=_genitive(str(members.set_index("code")["name"].get(key.anchor, ""))))
    return words("explore.fixed_of_rest" if key.anchor else "explore.fixed")


def _genitive(name: str) -> str:
    """``Bergen`` -> ``Bergens``, ``Os`` -> ``Os'``: the genitive of a name, the same in both written standards."""
    return f"{name}'" if name.endswith(("s", "x", "z")) else f"{name}s"


def _plain(value: Fraction) -> str:
    """A parameter as ``--set`` and a project file take it: ``0.4``, ``1``, exactly."""
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def _same(written: object, chosen: object) -> bool:
    if isinstance(written, (list, tuple)) or isinstance(chosen, (list, tuple)):
        return sorted(map(str, written)) == sorted(map(str, chosen))  # type: ignore[arg-type]
    return str(written) == str(chosen)


def _toml(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(str(v), ensure_ascii=False) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _named(project: Project, year: int, key: Key) -> Key:
    """``key`` named after the project's key it varies and how (``bergen_50_share-0.4``), for file names."""
    name = matching_key(project, year, key)
    written = key if name is None else municipal_key(project, name, year)
    return variant(written, {p: v for p, v in key.params.items() if p in KINDS[key.kind].linear
                             and (name is None or as_fraction(v) != as_fraction(written.params[p]))})
