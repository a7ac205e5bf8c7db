"""keyword_lf on non-English text: Unicode forms (NFC/NFD), full case folding, scripts written without spaces,
combining marks; and lfs_from_table naming a class that differs from a known one only in Unicode form.

On ASCII text the votes are those of the plain ``\\b``-bounded, case-insensitive regex (the fast path)."""

import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from weaksup import keyword_lf, lfs_from_table, regex_lf
from weaksup.lf import Row

NFC = unicodedata.normalize("NFC", "café")
NFD = unicodedata.normalize("NFD", "café")


def votes(lf, texts):
    """The batched votes, checked equal to the one-row votes (row_f)."""
    batch = lf(pd.DataFrame({"text": pd.Series(texts, dtype=object)})).tolist()
    assert batch == [lf(Row(text=t)) for t in texts]
    return batch


@pytest.mark.parametrize("kw", [NFC, NFD], ids=["nfc-keyword", "nfd-keyword"])
@pytest.mark.parametrize("case_sensitive", [False, True])
def test_a_word_is_found_in_either_unicode_form(kw, case_sensitive):
    lf = keyword_lf(kw, 1, case_sensitive=case_sensitive)
    assert votes(lf, [f"un {NFC} noir", f"un {NFD} noir", "un cafe noir"]) == [1, 1, -1]


def test_a_combining_accent_is_no_word_break():
    # NFD 'café' used to end the word 'cafe' at the accent; 'q' + U+0303 has no composed form at all
    assert votes(keyword_lf("cafe", 1), [f"un {NFD} noir", f"un {NFC} noir", "un cafe noir"]) == [-1, -1, 1]
    assert votes(keyword_lf("aq", 1), ["aq\u0303 b", "aq b"]) == [-1, 1]


def test_case_insensitive_matching_is_full_case_folding():
    texts = ["STRASSE GESPERRT", "Straße gesperrt", "strasse", "Strand"]
    assert votes(keyword_lf("straße", 1), texts) == [1, 1, 1, -1]
    assert votes(keyword_lf("STRASSE", 1), texts) == [1, 1, 1, -1]
    assert votes(keyword_lf("ﬁne", 1), ["FINE day", "a fine day", "define"]) == [1, 1, -1]
    # I, i, ı and İ stay one letter, as re's IGNORECASE had them
    assert votes(keyword_lf("İstanbul", 1), ["İstanbul", "istanbul", "ISTANBUL", "ıstanbul"]) == [1, 1, 1, 1]
    assert votes(keyword_lf("kız", 1), ["KIZ", "kiz", "Kız"]) == [1, 1, 1]


def test_case_sensitive_compares_in_nfc_only():
    lf = keyword_lf("Müller", 1, case_sensitive=True)
    assert votes(lf, ["Müller", "MÜLLER", "müller", unicodedata.normalize("NFD", "Müller")]) == [1, -1, -1, 1]
    assert votes(keyword_lf("Straße", 1, case_sensitive=True), ["Straße", "STRASSE"]) == [1, -1]


@pytest.mark.parametrize("kw,text", [("好看", "这部电影很好看"), ("东京", "东京は素晴らしい"), ("素晴らしい", "东京は素晴らしい"),
                                     ("อร่อย", "อาหารอร่อยมาก"), ("ສະບາຍ", "ສະບາຍດີ"), ("ស្អាត", "ផ្ទះស្អាតណាស់"),
                                     ("မြန်မာ", "ငါမြန်မာစကားပြောတယ်"), ("カメラ", "新しいカメラを買った")])
def test_keywords_are_found_in_scripts_written_without_spaces(kw, text):
    assert votes(keyword_lf(kw, 1), [text, "nothing here"]) == [1, -1]


def test_letters_of_an_unspaced_script_do_not_glue_a_latin_word():
    lf = keyword_lf(["iphone", "tokyo"], 1)
    assert votes(lf, ["iPhoneが好き", "東京はTokyoです", "iPhones are here", "東京はTokyoites"]) == [1, 1, -1, -1]


def test_spaced_non_latin_scripts_keep_whole_words():
    assert votes(keyword_lf("хорошо", 1), ["очень хорошо!", "нехорошо"]) == [1, -1]
    # Devanagari vowel signs are combining marks: part of the word, so no keyword is found inside a word
    assert votes(keyword_lf("द", 1), ["हिंदी", "द है"]) == [-1, 1]
    assert votes(keyword_lf("हिंदी", 1), ["हिंदीभाषा", "मैं हिंदी बोलता"]) == [-1, 1]


def test_an_emoji_variation_selector_is_no_part_of_a_word():
    assert votes(keyword_lf("love", 1), ["\u2764\ufe0flove it", "\u2764\ufe0f love", "glove\u2764\ufe0f"]) == [1, 1, -1]


def test_whole_word_false_finds_a_keyword_anywhere_in_any_form():
    lf = keyword_lf("straße", 1, whole_word=False)
    assert votes(lf, ["HAUPTSTRASSEN", "Hauptstraßen", "Strand"]) == [1, 1, -1]


@pytest.mark.parametrize("dtype", [object, pd.StringDtype("python"), pd.StringDtype("pyarrow")])
def test_mixed_rows_missing_cells_and_a_repeated_index(dtype):
    texts = pd.Series(["free café", None, f"FREE {NFD}", "freedom", "free", ""], index=[3, 3, 1, 1, 0, 0], dtype=dtype)
    df = pd.DataFrame({"text": texts})
    for _ in range(2):  # the second call of each LF finds the chunk's non-ASCII rows cached
        assert keyword_lf(["free", "café"], 1)(df).tolist() == [1, -1, 1, -1, 1, -1]
        assert keyword_lf("café", 1)(df).tolist() == [1, -1, 1, -1, -1, -1]


def test_ascii_text_votes_as_the_bounded_case_insensitive_regex():
    rng = np.random.default_rng(0)
    words = ["free", "win", "Free", "prize", "c++", "$$$", "a.b", "_x", "x_"]
    alphabet = list("freewinpzc+$._x ABFREEWIN\n\t")
    texts = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 30)))) for _ in range(3000)]
    for w in words:
        lo = r"(?<!\w)" if w[0].isalnum() or w[0] == "_" else ""
        hi = r"(?!\w)" if w[-1].isalnum() or w[-1] == "_" else ""
        expected = regex_lf(lo + re.escape(w) + hi, 1)(pd.DataFrame({"text": texts})).tolist()
        assert votes(keyword_lf(w, 1), texts) == expected, w


def test_lfs_from_table_names_a_class_that_differs_only_in_unicode_form():
    names = ["négatif", "positif"]
    for cell, shown in [(unicodedata.normalize("NFD", "négatif"), "'ne\\u0301gatif' is not 'n\\xe9gatif'"),
                        ("négatif\u00a0", "'n\\xe9gatif\\xa0' is not 'n\\xe9gatif'")]:
        with pytest.raises(ValueError, match="only in Unicode form or surrounding spaces") as err:
            lfs_from_table([{"pattern": "nul", "label": cell}], label_names=names)
        assert "LF table row 0: unknown label" in str(err.value) and shown in str(err.value)
    with pytest.raises(ValueError) as err:  # a plain unknown name: no such hint
        lfs_from_table([{"pattern": "nul", "label": "neutre"}], label_names=names)
    assert "Unicode" not in str(err.value)
