"""The explorer (lkt_analysis.explore) without a browser: the exact variants, their compact form, the words,
the command, the export and the report's "Prøv sjølv" (tests/test_browser.py drives the front end)."""

import io
import json
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import lkt_analysis as lkt
from lkt_analysis import explore
from lkt_analysis.explore import ALPHABET, SMALL
from lkt_analysis.keys import Key
from lkt_analysis.text import words


def decode(text: str, members: int, counts: list[int]) -> np.ndarray:
    """What static/explore.js's decode does, in Python: variants x members."""
    numbers = [int(n[1:-1]) if n.startswith("~") else ALPHABET.index(n) - SMALL
               for n in re.findall(r"~-?\d+\.|[0-9A-Za-z]", text)]
    first = counts[0] if counts else 1
    runs = np.cumsum(np.cumsum(np.array(numbers).reshape(-1, first), axis=1), axis=1)
    runs[:, 1:] = runs[:, 1:] - np.arange(1, first) * runs[:, :1]  # the first value is no step
    return runs.reshape(members, -1, first).transpose(2, 1, 0).reshape(-1, members)


@pytest.mark.parametrize("counts", [[5], [4, 3], []])
def test_the_compact_form_gives_back_every_whole_krone(counts):
    rng = np.random.default_rng(7)
    variants = int(np.prod(counts)) if counts else 1
    amounts = rng.integers(0, 2_000_000, (variants, 6))
    amounts[:, 0] = 1_000_000 - np.arange(variants)  # smooth, as amounts over a grid are
    assert (decode(explore.encode(amounts, counts), 6, counts) == amounts).all()


def test_the_variants_are_the_sweeps_exactly(project):
    base = lkt.distribute(project, 2019)
    found = explore.variants(base, project.municipal_key())
    swept = lkt.sweep(project, 2019, "bergen_50", {"share": lkt.grid_range("0:1:0.01")})
    wide = swept.pivot(index="variant", columns="code", values="amount_nok")[found.members["code"]]
    assert (found.amounts == wide.to_numpy()).all() and (found.amounts.sum(axis=1) == 1_525_000).all()
    assert found.members["name"].iloc[0] == "Bergen" and found.members["population"].is_monotonic_decreasing

    both = explore.variants(base, Key("x", "anchor_plus_fixed", {"code": "1201", "share": 0.5, "fixed": 0}))
    assert both.amounts.shape == (101 * 101, 24)
    key = both.at({"share": 0.4, "fixed": 0.2})
    assert key.params == {"code": "1201", "share": Fraction(2, 5), "fixed": Fraction(1, 5)}
    exact = lkt.distribute(project, 2019, key).municipalities.set_index("code")["amount_nok"]
    assert (both.row(key) == exact[both.members["code"]].to_numpy()).all()


def test_an_off_grid_value_is_added_to_the_grid_and_a_fixed_key_is_one_variant(project):
    base = lkt.distribute(project, 2019)
    found = explore.variants(base, Key("x", "anchor", {"code": "1201", "share": 0.333}))
    assert len(found.grids["share"]) == 102 and found.at({"share": 0.333}).params["share"] == Fraction(333, 1000)
    fixed = explore.variants(base, Key("y", "target_group", {"age_group": "67+"}))
    exact = lkt.distribute(project, 2019, "elderly_67").municipalities.set_index("code")["amount_nok"]
    assert fixed.grids == {} and (fixed.amounts[0] == exact[fixed.members["code"]].to_numpy()).all()


def test_the_payload_in_both_written_standards(project):
    base = lkt.distribute(project, 2019)
    references = [base, lkt.distribute(project, 2019, "per_capita")]
    found = explore.variants(base, Key("x", "anchor_plus_fixed", {"code": "1243", "share": 0.1, "fixed": 0}),
                             references=references)
    nn = explore.payload(found, words("nn"), reference="per_capita")
    assert [p["title"] for p in nn["params"]] == ["Os' andel", "Andel av resten som blir fordelt likt"]
    assert nn["params"][0]["labels"][:3] == ["0\xa0%", "1\xa0%", "2\xa0%"] and nn["params"][0]["start"] == 10
    assert nn["params"][0]["plain"][40] == "0.4" and nn["reference"] == 1
    assert [r["name"] for r in nn["references"]] == ["bergen_50", "per_capita"]
    assert nn["members"]["code"][nn["anchor"]] == "1243" and nn["total"] == 1_525_000
    assert nn["words"]["tryout"] == "Prøv sjølv" and nn["words"]["kind.members_only"].startswith("Berre")
    nb = explore.payload(found, words("nb"))
    assert nb["params"][0]["title"] == "Os' andel" and nb["words"]["tryout"] == "Prøv selv"
    assert json.loads(json.dumps(nn)) == nn


def test_the_command_that_makes_a_variants_report(project, project_dir):
    def command(key: Key) -> dict:
        return explore.command(project, 2019, key, words("nn"))

    assert command(Key("x", "anchor", {"code": "1201", "share": 0.4})) == {
        "text": "lkt report --years 2019", "set": {"share": "0.5"}}
    assert command(Key("x", "per_capita")) == {"text": "lkt report --years 2019 --key per_capita", "set": {}}
    assert command(Key("x", "target_group", {"age_group": "67+"}))["text"].endswith("--key elderly_67")
    assert command(Key("x", "fixed_plus_per_capita", {"fixed": 0.3}))["set"] == {"fixed": "0.2"}
    new = command(Key("x", "anchor_plus_fixed", {"code": "1243", "share": 0.4, "fixed": 0.2}))
    assert new == {"text": "lkt report --years 2019 --key utforska",
                   "toml": '[keys.utforska]\nkind = "anchor_plus_fixed"\ncode = "1243"'}
    other = lkt.load_project(project_dir / "lkt_project.toml")
    assert f"--project {other.path}" in explore.command(other, 2019, Key("x", "equal"), words("nb"))["text"]


def test_the_kinds_offered_each_have_words_and_choices(project):
    assert explore.offered(project) == ["anchor", "per_capita", "equal", "fixed_plus_per_capita",
                                        "anchor_plus_fixed", "target_group", "members_only"]
    for language in ("nb", "nn"):
        assert all(words(language)(f"explore.kind.{kind}") for kind in explore.offered(project))
    nn = words("nn")
    assert explore.explored_key(project, 2019, "members_only", {}, {}, nn).params == {
        "codes": ["1201", "1243", "1263"]}  # the pilot municipalities, the project's key of that kind
    assert explore.explored_key(project, 2019, "target_group", {}, {}, nn).params == {"age_group": "0-17"}
    assert explore.explored_key(project, 2019, "anchor", {"code": "1243"}, {"share": 0.3}, nn).params == {
        "code": "1243", "share": 0.3}
    assert explore.choices(project, nn)["age_groups"] == [["0-17", "0–17 år"], ["0-18", "0–18 år"],
                                                          ["67+", "67 år og eldre"]]


def test_the_explorer_widget_computes_once_per_choice_and_exports_the_librarys_result(project):
    widget = explore.explorer(project, 2019, share=0.4, municipality="1252", language="nn")
    assert widget.key().params == {"code": "1201", "share": Fraction(2, 5)}
    data = widget.data
    assert data["choice"] == {"year": 2019, "kind": "anchor", "code": "1201"}
    assert data["view"]["highlight"] == "1252" and data["params"][0]["title"] == "Bergens andel"
    assert widget._repr_mimebundle_()[0]["text/plain"] == (
        "Køyr alle cellene (Run > Run All Cells) for å sjå utforskaren.")

    widget.choice = {**data["choice"], "kind": "anchor_plus_fixed"}
    assert len(widget.data["params"]) == 2 and widget.key().params["fixed"] == Fraction(1, 5)
    widget.choice = {**widget.data["choice"], "kind": "members_only", "codes": []}
    assert "nobody to split by" in widget.error and len(widget.data["params"]) == 2  # the last one stays

    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    widget.choice = {"year": 2019, "kind": "anchor", "code": "1201"}
    view = {"values": {"share": 0.35}, "reference": "per_capita", "highlight": "", "sort": "change"}
    widget._message(widget, {"type": "export", "format": "csv", "view": view}, [])
    (content, (csv,)), = sent
    assert content == {"type": "file", "name": "lkt_2019_bergen_50_share-0.35.csv", "mime": "text/csv"}
    table = pd.read_csv(io.BytesIO(csv), dtype={"Kommunenr.": str})
    assert list(table.columns) == ["Kommunenr.", "Kommune", "Folketal", "Referansen (kr)", "Denne nøkkelen (kr)",
                                   "Endring (kr)", "Endring (%)", "Kr per innbyggjar"]
    comparison = lkt.compare(project, 2019, [project.municipal_key("bergen_50", {"share": 0.35})], "per_capita")
    exact = comparison.table[comparison.table["key"] != "per_capita"].set_index("code")
    assert table.set_index("Kommunenr.")["Denne nøkkelen (kr)"].to_dict() == exact["amount_nok"].to_dict()
    assert table.set_index("Kommunenr.")["Endring (kr)"].to_dict() == exact["diff_nok"].to_dict()

    widget._message(widget, {"type": "export", "format": "xlsx", "view": view}, [])
    sheet = load_workbook(io.BytesIO(sent[-1][1][0])).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{project.name}: utforska fordelingsnøkkel, 2019"
    assert "Bergens andel: 35\xa0%" in rows[1][0]
    assert rows[2][0] == f"Samanlikna med: {lkt.distribute(project, 2019, 'per_capita').key_label}"
    assert rows[-1][1:6] == ("Totalt", 453_873, 1_525_000, 1_525_000, 0)


def test_the_hint_for_a_notebook_reopened_without_running():
    assert repr(explore.hint("nn")) == "Køyr alle cellene (Run > Run All Cells) for å sjå utforskaren."
    assert explore.hint("nb").__repr__().startswith("Kjør alle cellene")
    assert explore.hint("nn")._repr_html_().startswith('<p class="lkt-x-hint">Køyr')


def test_tryout_is_small_self_contained_and_holds_the_exact_grid(project):
    comparison = lkt.compare(project, 2019, ["per_capita", "equal"])
    fragment = explore.tryout(comparison, "nn")
    html = fragment._repr_html_()
    assert len(html.encode()) < 100_000
    assert not re.search(r"\b(src|href)=|https?:|@import|url\(", html)  # nothing fetched
    assert html.count("<script") == 2 and "<h2>Prøv sjølv</h2>" in html and "@media print" in html
    data = json.loads(re.search(r'class="lkt-x-data">(.*?)</script>', html, re.S).group(1))
    assert [len(p["values"]) for p in data["params"]] == [101, 11] and "command" not in data
    shown = decode(data["amounts"], 24, [101, 11])
    swept = lkt.sweep(project, 2019, Key("t", "anchor_plus_fixed", {"code": "1201", "share": 0.5, "fixed": 0}),
                      {"share": lkt.grid_range("0:1:0.01"), "fixed": lkt.grid_range("0:0.5:0.05")})
    wide = swept.pivot(index="variant", columns="code", values="amount_nok")[data["members"]["code"]]
    assert (shown == wide.to_numpy()).all()
    assert data["references"][0]["label"] == comparison.reference.key_label
    assert explore.tryout(comparison, "nn").html == html  # the same inputs, the same page


def _tryout_data(comparison) -> dict:
    return json.loads(re.search(r'class="lkt-x-data">(.*?)</script>', explore.tryout(comparison).html, re.S)
                      .group(1))


def test_tryout_without_an_anchor_varies_a_fixed_part(project_dir):
    path = project_dir / "lkt_project.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('key = "bergen_50"', 'key = "per_capita"'),
                    encoding="utf-8")
    data = _tryout_data(lkt.compare(lkt.load_project(path), 2019, ["equal", "bergen_50"]))
    assert [p["title"] for p in data["params"]] == ["Andel som blir fordelt likt"] and data["anchor"] == -1
    assert data["references"][0]["label"] == "Etter folketal, alle kommunane"  # starts at the adopted key


@pytest.mark.parametrize("adopted, start", [
    ("equal", "100\xa0%"),  # equal shares: all of it split equally
    ("children_0_17", "50\xa0%"),  # an age group is no key to try: it starts at the first anchor's
])
def test_tryout_starts_where_the_adopted_key_is_and_compares_against_it(project_dir, adopted, start):
    path = project_dir / "lkt_project.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('key = "bergen_50"', f'key = "{adopted}"'),
                    encoding="utf-8")
    project = lkt.load_project(path)
    data = _tryout_data(lkt.compare(project, 2019, ["per_capita", "bergen_50"]))
    started = [p["labels"][p["start"]] for p in data["params"]]
    assert started[0] == start and data["references"][0]["label"] == lkt.distribute(project, 2019).key_label
    counts = [len(p["values"]) for p in data["params"]]
    at_start = decode(data["amounts"], 24, counts)[np.ravel_multi_index([p["start"] for p in data["params"]], counts)]
    # equal shares are a key to try: it starts at exactly the adopted key's amounts; an age group is not
    assert (at_start.tolist() == data["references"][0]["amounts"]) == (adopted == "equal")


def test_tryout_is_against_the_adopted_key_whatever_the_comparisons_reference(project):
    data = _tryout_data(lkt.compare(project, 2019, ["per_capita"], "equal"))
    assert data["references"][0]["label"] == lkt.distribute(project, 2019).key_label  # Bergen 50 %, ...
    assert data["params"][0]["title"] == "Bergens andel"


def test_tryout_shows_names_from_input_as_text(project_dir):
    register = project_dir / "municipalities.csv"
    register.write_text(register.read_text(encoding="utf-8").replace("Modalen", "</script><b>Modalen</b>"),
                        encoding="utf-8")
    project = lkt.load_project(project_dir / "lkt_project.toml")
    html = explore.tryout(lkt.compare(project, 2019, ["per_capita"])).html
    assert "</script><b>" not in html and "\\u003c/script>\\u003cb>Modalen" in html
