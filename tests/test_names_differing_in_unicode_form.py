"""A name that differs from a known one only in Unicode form (a decomposed accent) or a trailing no-break
space prints as the very name it fails to match; the errors of LabelMap and of a label model's LF matching
say what differs, with ``ascii()`` (keyword tables: tests/test_lf_keyword_unicode.py)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from weaksup import VoteMatrix
from weaksup.labelers import LabelMap
from weaksup.labelmodel import MajorityVote

NFC = "négatif"
NFD = unicodedata.normalize("NFD", NFC)


@pytest.mark.parametrize("given", [NFD, NFC + "\u00a0", " " + NFC])
def test_label_map_names_the_lookalike_class(given):
    with pytest.raises(ValueError, match="only in Unicode form or surrounding spaces") as err:
        LabelMap({"no": given}, label_names=[NFC, "positif"])
    assert ascii(given) in str(err.value) and ascii(NFC) in str(err.value)


def test_label_map_unknown_class_without_lookalike_says_nothing_more():
    with pytest.raises(ValueError, match="unknown class name") as err:
        LabelMap({"no": "neutre"}, label_names=[NFC, "positif"])
    assert "Unicode" not in str(err.value)


def test_label_model_names_the_lookalike_lf():
    L = np.array([[0, 1], [1, 1], [0, 0], [1, -1]])
    mv = MajorityVote().fit(VoteMatrix(L, ["kw_café", "kw_ok"], 2))
    decomposed = unicodedata.normalize("NFD", "kw_café")
    with pytest.raises(ValueError, match="missing \\['kw_café'\\]") as err:
        mv.predict_proba(VoteMatrix(L, [decomposed, "kw_ok"], 2))
    msg = str(err.value)
    assert "only in Unicode form" in msg and ascii(decomposed) in msg and "fitted LF" in msg
    with pytest.raises(ValueError) as plain:  # another name altogether: no hint
        mv.predict_proba(VoteMatrix(L, ["kw_tea", "kw_ok"], 2))
    assert "Unicode" not in str(plain.value)
