"""gazetteer_span_lf compares tokens as keyword_lf compares text: Unicode NFC and full case folding, with the
spans over the sentence's own tokens."""

import unicodedata

import pandas as pd
import pytest

from weaksup.lf import keyword_lf
from weaksup.sequence import gazetteer_span_lf

NFD_MUENCHEN = unicodedata.normalize("NFD", "München")


@pytest.mark.parametrize("tok", ["İstanbul", "istanbul", "ISTANBUL", "ıstanbul"])
def test_dotted_capital_i_matches_every_case_of_the_word(tok):
    g = gazetteer_span_lf("city", {"LOC": ["İstanbul"]})
    assert g(["in", tok, "now"]) == [(1, 2, "LOC")]
    assert gazetteer_span_lf("city", {"LOC": ["istanbul"]})([tok]) == [(0, 1, "LOC")]


def test_decomposed_tokens_and_full_case_folding():
    g = gazetteer_span_lf("g", {"LOC": ["München", "Bad Tölz"], "STREET": ["Hauptstraße"]})
    toks = ["from", NFD_MUENCHEN, "via", "BAD", unicodedata.normalize("NFD", "TÖLZ"), "to", "HAUPTSTRASSE"]
    assert g(toks) == [(1, 2, "LOC"), (3, 5, "LOC"), (6, 7, "STREET")]
    assert toks[1] == NFD_MUENCHEN  # the sentence's tokens are read, not changed


def test_case_sensitive_compares_in_nfc_only():
    g = gazetteer_span_lf("g", {"LOC": ["München"]}, case_sensitive=True)
    assert g([NFD_MUENCHEN, "münchen", "München"]) == [(0, 1, "LOC"), (2, 3, "LOC")]


def test_ascii_matching_is_unchanged():
    g = gazetteer_span_lf("g", {"Chemical": ["aspirin", "nitric oxide"]})
    assert g(["Nitric", "OXIDE", "and", "Aspirin", "aspirins"]) == [(0, 2, "Chemical"), (3, 4, "Chemical")]


def test_phrases_differing_only_in_unicode_form_under_two_types_are_shown_apart():
    for cs in (False, True):
        with pytest.raises(ValueError, match=r"phrases 'M\\xfcnchen' and 'Mu\\u0308nchen' match the same tokens"):
            gazetteer_span_lf("g", {"LOC": ["München"], "ORG": [NFD_MUENCHEN]}, case_sensitive=cs)


@pytest.mark.parametrize("tok", ["İstanbul", "istanbul", "ISTANBUL", "München", NFD_MUENCHEN, "MÜNCHEN",
                                 "STRASSE", "straße", "Ǆemal", "ǆemal"])
def test_gazetteer_agrees_with_keyword_lf(tok):
    phrases = ["İstanbul", "münchen", "Straße", "ǅemal"]
    span = bool(gazetteer_span_lf("g", {"X": phrases})([tok]))
    assert span == (keyword_lf(phrases, 1)(pd.DataFrame({"text": [tok]})).tolist() == [1])
    assert span
