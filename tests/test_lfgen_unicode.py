"""LFGenerator on non-English text: words with combining marks, Turkish İ, scripts written without spaces, lone
surrogates, Unicode surface patterns and over-long tokens."""

import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from weaksup.lfgen import LFGenerator, generate_lfs, lfs_to_source
from weaksup.lfgen.generate import SURFACE_REGEXES


def _fit(texts, y, **kw):
    return LFGenerator(**{"min_coverage": 3, **kw}).fit(pd.DataFrame({"text": texts}), np.asarray(y))


def test_words_keep_combining_marks_and_turkish_capital_i():
    pos = [unicodedata.normalize("NFD", "un café délicieux"), "İstanbul güzel", "हिन्दी अच्छी"]
    neg = ["un thé horrible", "Ankara kötü", "बहुत खराब"]
    gen = _fit((pos + neg) * 3, [1, 1, 1, 0, 0, 0] * 3, families=("keyword", "ngram"))
    cands = set(gen.candidates_["candidate"])
    assert {"keyword:délicieux", "keyword:café", "keyword:istanbul", "keyword:हिन्दी"} <= cands
    assert not {"keyword:licieux", "keyword:stanbul", "ngram:i stanbul", "ngram:de licieux"} & cands
    table = gen.candidates_.set_index("candidate")
    # the n-gram patterns find the decomposed and the dotted-capital forms in the texts as they are
    assert table.loc["ngram:café délicieux", "coverage"] == 3
    assert table.loc["ngram:istanbul güzel", "coverage"] == 3
    assert table.loc["ngram:हिन्दी अच्छी", "coverage"] == 3
    assert table.loc["keyword:délicieux", "coverage"] == 3


def test_scripts_without_spaces_give_character_grams():
    pos = ["这部电影很好看", "这本书很好看", "风景很好看"]
    neg = ["这部电影很难看", "这本书很难看", "风景很难看"]
    gen = _fit((pos + neg) * 2, [1, 1, 1, 0, 0, 0] * 2, families=("keyword", "ngram"), min_coverage=2)
    cands = list(gen.candidates_["candidate"])
    assert "keyword:好看" in cands and "keyword:难看" in cands
    assert not any(len(c.split(":", 1)[1]) > 3 for c in cands if c.startswith("keyword:"))
    votes = gen.transform(["那个电影很好看", "那个电影很难看"]).to_dense()
    voted = [{int(v) for v in row if v >= 0} for row in votes]
    assert voted == [{1}, {0}]


def test_lone_surrogate_is_read_as_keyword_lf_reads_it():
    texts = ["free money now", "free gift", "free stuff", "hello mom", "hello dad", "see you \ud83d soon"] * 2
    y = np.array([1, 1, 1, 0, 0, 0] * 2)
    for data in (texts, pd.DataFrame({"text": pd.Series(texts, dtype=object)})):
        names = [lf.name for lf in generate_lfs(data, y, families=("keyword", "stump", "regex"), min_coverage=2)]
        assert "keyword_free_1" in names and "keyword_hello_0" in names


@pytest.mark.parametrize("name,text", [("allcaps", "GRÖSSE Angebot"), ("allcaps", "БЕСПЛАТНО сейчас"),
                                       ("allcaps", "ΔΩΡΕΑΝ προσφορά"), ("allcaps", "ŞİMDİ al"),
                                       ("question", "这是垃圾邮件吗？"), ("question", "هل هذا بريد مزعج؟"),
                                       ("exclaim", "太好了！！"), ("allcaps", "FREE money"), ("question", "spam?"),
                                       ("exclaim", "wow!!")])
def test_surface_patterns_read_other_scripts(name, text):
    pattern, case = next((p, c) for n, p, c in SURFACE_REGEXES if n == name)
    assert re.search(pattern, text, 0 if case else re.IGNORECASE)


@pytest.mark.parametrize("text", ["Gröſse", "Free", "çok güzel", "привет", "ok?!", "hi!"])
def test_surface_patterns_still_miss_what_they_missed(text):
    allcaps = next(p for n, p, c in SURFACE_REGEXES if n == "allcaps")
    exclaim = next(p for n, p, c in SURFACE_REGEXES if n == "exclaim")
    question = next(p for n, p, c in SURFACE_REGEXES if n == "question")
    assert not re.search(allcaps, text) and not re.search(exclaim, text) and not re.search(question, text)


def test_overlong_token_is_no_candidate_and_names_are_capped():
    blob = "iVBORw0KGgoAAAANSUhEUgAA" * 8000
    texts = ["look " + blob, "free money", "free stuff x", "hello mom", "hello dad", "hi there"] * 2
    gen = _fit(texts, [1, 1, 1, 0, 0, 0] * 2, families=("keyword", "ngram", "prefix", "regex"), min_coverage=2)
    assert gen.candidates_["candidate"].str.len().max() <= 100
    assert max(len(lf.name) for lf in gen.lfs_) <= 60
    assert max(len(line) for line in lfs_to_source(gen.lfs_).splitlines()) < 200
    # a long n-gram: its name keeps 30 characters and a hash of the whole, and two such names differ
    a, b = "supercalifragilisticexpialidocious", "antidisestablishmentarianism"
    texts = [f"{a} {b} yes", f"{a} {b} si", f"{a} {b} oui", f"{a} {a} no", f"{a} {a} non", f"{a} {a} nein"]
    gen = _fit(texts, [1, 1, 1, 0, 0, 0], families=("ngram",), min_coverage=3)
    names = [lf.name for lf in gen.lfs_]
    assert names and all(len(n) <= 50 for n in names)
    assert any(n.startswith("ngram_" + f"{a}_{b}"[:30] + "_") for n in names)


def test_english_names_unchanged():
    texts = ["subscribe to my channel", "check out my channel", "subscribe for free stuff",
             "great song", "love this song", "this song is great"] * 3
    gen = _fit(texts, [1, 1, 1, 0, 0, 0] * 3, families=("keyword", "ngram", "prefix", "regex"))
    assert "ngram:check out" in set(gen.candidates_["candidate"])
    assert [lf.name for lf in gen.lfs_][:2] == ["keyword_song_0", "keyword_channel_1"]
    by_name = {lf.name: lf.source for lf in gen.lfs_}
    assert all("(?!" not in src for src in by_name.values())  # ASCII words keep their \b patterns
