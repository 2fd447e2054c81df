"""The catalogues of the two written standards (lkt_analysis.text)."""

import string

import pytest

from lkt_analysis.text import LANGUAGES, words


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_name_the_same_texts_with_the_same_placeholders():
    nb, nn = words("nb").catalogue, words("nn").catalogue
    assert sorted(nb) == sorted(nn)
    for name in nb:
        assert _placeholders(nb[name]) == _placeholders(nn[name]), name


def test_a_missing_text_is_an_error_not_the_other_form():
    with pytest.raises(KeyError, match="no text 'report.no_such_text' in the nynorsk catalogue"):
        words("nn")("report.no_such_text")
    with pytest.raises(ValueError, match="neither 'nb'"):
        words("se")
    assert set(LANGUAGES) == {"nb", "nn"}
