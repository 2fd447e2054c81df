"""Distribution keys: how a group's cost is spread over its members.

A key is data, a name plus a kind and its parameters, written in the project
file or built in Python. Each kind is one entry in ``KINDS``: the function that
takes the members (``code, name, population`` and one column per age group) and
returns every member's exact share as a ``Fraction``, the shares summing to one;
the key in one Norwegian sentence and in a few words; the parameters in which its
shares are linear (a sweep may vary those, see :mod:`lkt_analysis.sweep`); the
parameters that name municipalities (moved to their successors after a merger, see
:func:`lkt_analysis.project.municipal_key`); and what the explorer offers for it.
A new kind is one function and one entry; nothing else branches on kind names.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pandas as pd

from . import norwegian as no
from .allocate import as_fraction
from .errors import KeyDefinitionError
from .text import words

Shares = pd.Series  # exact shares (Fraction) indexed by member code, summing to 1


@dataclass(frozen=True)
class Key:
    """A named distribution key.

    Example:
        >>> Key("bergen_50", "anchor", {"code": "1201", "share": 0.5}).kind
        'anchor'
    """

    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    title: str | None = None  # the key in one sentence, if the generated one will not do
    label: str | None = None  # the key in a few words, if the generated label will not do

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise KeyDefinitionError(f"key '{self.name}': unknown kind '{self.kind}'; kinds: {', '.join(KINDS)}")
        try:
            inspect.signature(KINDS[self.kind].shares).bind(None, **self.params)
        except TypeError:
            allowed = KINDS[self.kind].parameters
            raise KeyDefinitionError(
                f"key '{self.name}' of kind '{self.kind}' has parameters {sorted(self.params)}; "
                f"it takes exactly: {', '.join(allowed) or 'none'}") from None

    @property
    def anchor(self) -> str | None:
        """The one municipality the key names, if it names one alone (the anchor that pays a fixed share)."""
        return next((str(self.params[p]) for p, how in KINDS[self.kind].places.items() if how == "code"), None)

    @property
    def age_group(self) -> str | None:
        """The age group a target-group key counts, so that the loader adds it up."""
        return self.params.get("age_group")


def shares(members: pd.DataFrame, key: Key) -> Shares:
    """Every member's exact share under ``key``; members the key leaves out get 0."""
    result = KINDS[key.kind].shares(members, **key.params)
    total = sum(result, Fraction(0))
    if total != 1:
        raise KeyDefinitionError(f"key '{key.name}': shares add up to {no.percent(total, 4)}, not {no.percent(1)}")
    return result.reindex(members["code"]).rename("share")


def describe(members: pd.DataFrame, key: Key, language: str) -> str:
    """The key in one sentence in the written standard ``language``, for the report's reader."""
    return key.title or _words(members, key, language, "sentence")


def label(members: pd.DataFrame, key: Key, language: str) -> str:
    """The key in a few words, e.g. ``Bergen 50 %, resten etter folketal``, for tables and legends.

    Example:
        >>> members = pd.DataFrame({"code": ["1", "2"], "name": ["Bergen", "Os"], "population": [3, 1]})
        >>> label(members, Key("k", "anchor", {"code": "1", "share": 0.5}), "nn")
        'Bergen 50\xa0%, resten etter folketal'
    """
    return key.label or _words(members, key, language, "label")


def _words(members: pd.DataFrame, key: Key, language: str, form: str) -> str:
    """The key's ``form`` (``sentence`` or ``label``) in the written standard ``language``, filled in."""
    w = words(language)
    return w(f"key.{key.kind}.{form}", **KINDS[key.kind].words(members, w, **key.params))


def variant(key: Key, params: Mapping[str, Any]) -> Key:
    """``key`` with some parameters changed, named after the change: ``bergen_50_share-0.4``.

    The name uses only letters, digits, ``.``, ``-``, ``+`` and ``_``, so that it is safe in
    a file name; the key's written title and label are dropped, since they
    describe the original parameters.

    Example:
        >>> variant(Key("bergen_50", "anchor", {"code": "1201", "share": 0.5}), {"share": 0.4}).name
        'bergen_50_share-0.4'
    """
    if not params:
        return key
    suffix = "_".join(f"{name}-{_plain(value)}" for name, value in params.items())
    return Key(safe_name(f"{key.name}_{suffix}"), key.kind, {**key.params, **params})


def safe_name(name: str) -> str:
    """``name`` with letters, digits, ``.``, ``+``, ``-`` and ``_`` only, fit for a file name that stays
    inside its folder: a key named ``../x`` gives ``.._x``."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name)


def _plain(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(map(_plain, value))
    if isinstance(value, Mapping):
        return "+".join(f"{k}-{_plain(v)}" for k, v in value.items())
    if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        exact = as_fraction(value)
        return str(exact.numerator) if exact.denominator == 1 else f"{float(exact):g}"
    return str(value)


# --- the kinds -------------------------------------------------------------------------------

def _by(values: pd.Series) -> Shares:
    values = values.astype(object).map(int)
    total = sum(values)
    if total <= 0:
        raise KeyDefinitionError("nobody to split by: the population is zero")
    return values.map(lambda v: Fraction(v, total))


def _indexed(members: pd.DataFrame, column: str = "population") -> pd.Series:
    return members.set_index("code")[column]


def _share(value: object, what: str) -> Fraction:
    try:
        share = as_fraction(value)
    except (TypeError, ValueError):
        raise KeyDefinitionError(f"{what} '{value}' is not a number") from None
    if not 0 <= share <= 1:
        raise KeyDefinitionError(f"{what} {no.percent(share, 4)} must lie between 0 and {no.percent(1)}")
    return share


def _known(members: pd.DataFrame, codes: list[str], what: str) -> list[str]:
    unknown = [c for c in codes if c not in set(members["code"])]
    if unknown:
        raise KeyDefinitionError(f"{what}: unknown member code(s) {', '.join(unknown)}; "
                                 f"members: {', '.join(members['code'])}")
    if len(set(codes)) != len(codes):
        raise KeyDefinitionError(f"{what}: a member code is named twice in {codes}")
    return codes


def anchor(members: pd.DataFrame, *, code: str, share: float) -> Shares:
    """One member pays a fixed share; the others split the rest by population (the adopted key)."""
    _known(members, [code], "anchor")
    fixed = _share(share, "anchor share")
    others = _by(_indexed(members).drop(code)) * (1 - fixed)
    return pd.concat([pd.Series({code: fixed}), others])


def per_capita(members: pd.DataFrame) -> Shares:
    """All members by population."""
    return _by(_indexed(members))


def equal(members: pd.DataFrame) -> Shares:
    """All members the same."""
    return pd.Series(Fraction(1, len(members)), index=members["code"])


def fixed_plus_per_capita(members: pd.DataFrame, *, fixed: float) -> Shares:
    """A fraction split equally, the rest by population (a common inter-municipal model)."""
    part = _share(fixed, "fixed part")
    return equal(members) * part + per_capita(members) * (1 - part)


def anchor_plus_fixed(members: pd.DataFrame, *, code: str, share: float, fixed: float) -> Shares:
    """One member pays a fixed share; of the rest, a fixed part is split equally among the others, the remainder
    by their population."""
    _known(members, [code], "anchor")
    first = _share(share, "anchor share")
    others = fixed_plus_per_capita(members[members["code"] != code], fixed=fixed) * (1 - first)
    return pd.concat([pd.Series({code: first}), others])


def target_group(members: pd.DataFrame, *, age_group: str) -> Shares:
    """By the population in an age group, e.g. children ``0-17`` or elderly ``67+``."""
    if age_group not in members.columns:
        raise KeyDefinitionError(f"age group '{age_group}' is not in the population data")
    return _by(_indexed(members, age_group))


def members_only(members: pd.DataFrame, *, codes: list[str]) -> Shares:
    """Only the named members, by population; the others pay nothing (e.g. the pilot municipalities)."""
    population = _indexed(members)
    chosen = _by(population[_known(members, list(codes), "members_only")])
    return chosen.reindex(population.index, fill_value=Fraction(0))


def weights(members: pd.DataFrame, *, weights: Mapping[str, float]) -> Shares:
    """An explicit table of shares, e.g. between the hospitals; members not named pay nothing."""
    _known(members, list(weights), "weights")
    table = pd.Series({code: _share(w, f"weight of {code}") for code, w in weights.items()}, dtype=object)
    if sum(table) > 1:
        raise KeyDefinitionError(f"weights add up to {no.percent(sum(table), 4)}: shares exceed {no.percent(1)}")
    return table.reindex(members["code"], fill_value=Fraction(0))


def _name(members: pd.DataFrame, code: str) -> str:
    return str(_indexed(members, "name").get(code, code))


def _percent(value: object) -> str:
    return no.percent(as_fraction(value))


def _everyone(members: pd.DataFrame) -> dict[str, object]:
    """How many the members are, and the one member's name where there is only one (it pays everything)."""
    return {"count": len(members), "only": _name(members, members["code"].iloc[0]) if len(members) == 1 else ""}


@dataclass(frozen=True)
class Kind:
    """A kind of key, everything about it in one place.

    Attributes:
        shares: The function giving every member's exact share (see the kinds above).
        words: The values its sentence and label fill in (``key.KIND.sentence`` and ``key.KIND.label`` in the
            catalogue of each written standard, :mod:`lkt_analysis.text`), from the members, that catalogue
            and the parameters.
        linear: The parameters in which the shares are linear, each with the others held fixed: a
            sweep computes every variant exactly from the shares at the parameter's ends 0 and 1.
        places: The parameters that name municipalities, and how: ``"code"`` (one code),
            ``"codes"`` (a list) or ``"weights"`` (a table of code and weight).
        explore: Whether the explorer offers the kind to every project (its words: ``explore.kind.KIND`` in the
            catalogue); the others it offers only to a project with a key of that kind.
        tried: The same key as one of the two kinds a reader of the comparison report can try ("prøv sjølv":
            ``anchor_plus_fixed`` and ``fixed_plus_per_capita``), the same shares exactly: that kind and its
            parameters, from the key's; ``None`` where it is neither (an age group, named members, weights).
    """

    shares: Callable[..., Shares]
    words: Callable[..., dict[str, object]]
    linear: tuple[str, ...] = ()
    places: Mapping[str, str] = field(default_factory=dict)
    explore: bool = False
    tried: Callable[..., tuple[str, dict[str, object]]] | None = None

    @property
    def parameters(self) -> list[str]:
        """The parameters the kind takes, by name."""
        return [p for p in inspect.signature(self.shares).parameters if p != "members"]


KINDS: dict[str, Kind] = {
    "anchor": Kind(
        anchor,
        lambda m, w, *, code, share: {"anchor": _name(m, code), "share": _percent(share), "count": len(m) - 1},
        linear=("share",), places={"code": "code"}, explore=True,
        tried=lambda *, code, share: ("anchor_plus_fixed", {"code": code, "share": share, "fixed": 0})),
    "per_capita": Kind(per_capita, lambda m, w: _everyone(m), explore=True,
                       tried=lambda: ("fixed_plus_per_capita", {"fixed": 0})),
    "equal": Kind(equal, lambda m, w: _everyone(m), explore=True,
                  tried=lambda: ("fixed_plus_per_capita", {"fixed": 1})),
    "fixed_plus_per_capita": Kind(
        fixed_plus_per_capita, lambda m, w, *, fixed: {"fixed": _percent(fixed), **_everyone(m)},
        linear=("fixed",), explore=True, tried=lambda *, fixed: ("fixed_plus_per_capita", {"fixed": fixed})),
    "anchor_plus_fixed": Kind(
        anchor_plus_fixed,
        lambda m, w, *, code, share, fixed: {"anchor": _name(m, code), "share": _percent(share),
                                             "fixed": _percent(fixed), "count": len(m) - 1},
        linear=("share", "fixed"), places={"code": "code"}, explore=True,
        tried=lambda **params: ("anchor_plus_fixed", params)),
    "target_group": Kind(target_group, lambda m, w, *, age_group: {"band": w.age(age_group)}, explore=True),
    "members_only": Kind(members_only, lambda m, w, *, codes: {"names": no.join([_name(m, c) for c in codes]),
                                                                "count": len(codes)},
                         places={"codes": "codes"}),
    "weights": Kind(weights, lambda m, w, *, weights: {"weights": no.join(
        [f"{_name(m, c)} {_percent(part)}" for c, part in weights.items()])}, places={"weights": "weights"}),
}


# The keys everyone compares: every project has them by name, unless its project file defines a key so named.
STANDARD: dict[str, Key] = {key.name: key for key in (
    Key("per_capita", "per_capita"),
    Key("equal", "equal"),
    Key("fixed_plus_per_capita", "fixed_plus_per_capita", {"fixed": 0.2}),
)}
