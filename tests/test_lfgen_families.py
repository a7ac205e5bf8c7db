"""weaksup.lfgen's relation, question and k-NN families: known answers on planted patterns, the leave-one-out
k-NN scores against brute force, the abstain floor, and the source round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup.apply import apply_lfs
from weaksup.lfgen import LFGenerator, between_lf, knn_lf, lfs_to_source, load_lfs
from weaksup.lfgen.families import between_pattern, knn_vote

from test_lfgen import COMMENT_LABELS, COMMENTS, embed  # noqa: F401  (embed: the MiniLM fixture)


def relations(n: int = 90, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Entity-marked sentences: class 0 says 'caused by' between the entities, class 1 'inside the',
    class 2 'made from'; the words outside the entities are noise shared by all classes (and class 0's
    words also appear *outside* the entities of other rows, where a between LF must not look)."""
    rng = np.random.default_rng(seed)
    phrase = {0: "caused by", 1: "inside the", 2: "made from"}
    noise = ["today", "we", "saw", "that", "quite", "often", "caused", "by"]
    y = rng.integers(0, 3, n)
    texts = []
    for c in y:
        a, b = rng.choice(["fire", "box", "cake", "storm", "milk", "key"], 2, replace=False)
        e1_first = rng.random() < 0.5
        left, right = (f"<e1>{a}</e1>", f"<e2>{b}</e2>") if e1_first else (f"<e2>{a}</e2>", f"<e1>{b}</e1>")
        texts.append(" ".join(rng.choice(noise, 3)) + f" {left} {phrase[int(c)]} {right} " + " ".join(rng.choice(noise, 2)))
    return pd.DataFrame({"text": texts}), y


def test_between_lf_positions_and_order_known_answers():
    texts = ["<e1>fever</e1> caused by <e2>flu</e2>",             # exact, first, last, any; order 12
             "<e2>flu</e2> , which was caused by the <e1>x</e1>",  # any only; order 21
             "caused by <e1>a</e1> and <e2>b</e2>",                 # outside the entities: never
             "<e1>a</e1> was caused by <e2>b</e2> caused by"]       # last and any
    df = pd.DataFrame({"text": texts})
    want = {("any", None): [0, 0, -1, 0], ("first", None): [0, -1, -1, -1], ("last", None): [0, -1, -1, 0],
            ("exact", None): [0, -1, -1, -1], ("any", "12"): [0, -1, -1, 0], ("any", "21"): [-1, 0, -1, -1]}
    for (position, order), votes in want.items():
        lf = between_lf("Caused  by", 0, position=position, order=order)
        assert lf(df).tolist() == votes, (position, order)
        again = load_lfs(lfs_to_source([lf]))[0]
        assert again.name == lf.name and again(df).tolist() == votes
    with pytest.raises(ValueError, match="position must be one of"):
        between_pattern("x", position="middle")
    with pytest.raises(ValueError, match="phrase is empty"):
        between_lf("  ", 1)
    with pytest.raises(ValueError, match="order must be"):
        between_lf("x", 1, order="13")


def test_generator_finds_the_planted_between_phrases():
    df, y = relations()
    gen = LFGenerator(families=("between",), min_precision=0.8, seed=0).fit(df, y)
    assert set(gen.table_["label"]) == {0, 1, 2}
    # every kept LF is perfect on the labelled rows, and each class's best LF is its planted phrase
    assert (gen.table_["precision"] == 1.0).all()
    first = gen.table_.groupby("label").head(1)
    for lab, src in zip(first["label"], first["source"]):
        assert any(f"'{w}" in src for w in {0: "caused by", 1: "inside the", 2: "made from"}[lab].split())
    # the words outside the entities ('caused', 'by' as noise) never make a between LF of another class
    fresh, y2 = relations(60, seed=5)
    V = apply_lfs(gen.lfs_, fresh, progress=False).to_dense()
    fired = V != -1
    assert fired.any(axis=1).all() and (V[fired] == np.repeat(y2, V.shape[1]).reshape(V.shape)[fired]).all()
    # the source round trip gives identical votes
    np.testing.assert_array_equal(apply_lfs(load_lfs(lfs_to_source(gen.lfs_)), fresh, progress=False).to_dense(), V)


def test_question_head_noun_prefixes():
    qs = (["what city is the largest", "what is the city of lights", "what was the city hosting it",
           "what is the capital city of peru"] * 2
          + ["what year did it end", "what is the year of the flood", "what was the year he won"] * 2
          + ["how many legs do ants have", "how many moons has mars", "how many people live here"] * 2)
    y = np.array([4] * 8 + [5] * 6 + [5] * 6)
    gen = LFGenerator(families=("prefix",), cardinality=6, seed=0).fit(qs, y)
    cands = set(gen.candidates_["candidate"])
    assert {"head:what city", "head:what year", "prefix:how many"} <= cands
    cov = gen.candidates_.set_index("candidate")["coverage"]
    # 'what city ...', 'what is the city ...', 'what was the city ...' (x2); not 'what is the capital city'
    assert cov["head:what city"] == 6 and cov["head:what year"] == 6
    assert "head:what capital" not in cands  # 2 rows < min_coverage
    lf = next(lf for lf in gen.lfs_ if lf.name == "head_what_city_4")
    probe = pd.DataFrame({"text": ["What is the city of angels?", "what cities are big", "which city"]})
    assert lf(probe).tolist() == [4, -1, -1]
    assert load_lfs(lfs_to_source([lf]))[0](probe).tolist() == [4, -1, -1]


def test_question_head_noun_skips_an_apostrophe_s():
    """TREC writes "what 's the ..." (3.5% of its train questions); the tokenizer splits the apostrophe off,
    so the skip word 's never matched and every such question got the head noun 's'."""
    qs = (["what 's the capital of peru ?", "what 's the capital of chad ?", "what 's a capital city ?"]
          + ["what 's the tallest mountain ?", "what 's the deepest lake ?", "what 's the oldest tree ?"]
          + ["what s the odd one ?"])  # an 's' without the apostrophe is a word: not skipped
    y = np.array([4, 4, 4, 2, 2, 2, 0])
    gen = LFGenerator(families=("prefix",), cardinality=5, min_coverage=3, max_overlap=1.0).fit(qs, y)
    cov = gen.candidates_.set_index("candidate")["coverage"]
    assert "head:what s" not in cov and cov["head:what capital"] == 3
    lf = next(lf for lf in gen.lfs_ if lf.name == "head_what_capital_4")
    probe = pd.DataFrame({"text": ["What 's the capital of Mali?", "what s the capital", "what 's capital"]})
    assert lf(probe).tolist() == [4, -1, 4]
    assert load_lfs(lfs_to_source([lf]))[0](probe).tolist() == [4, -1, 4]


def test_min_precision_is_an_absolute_floor():
    # 'mixed' is in 10 rows, 6 of class 0 (prior 1/3): Wilson lower bound 0.401 (z = 1.2816) beats the prior
    texts = ["mixed"] * 6 + ["mixed"] * 2 + ["mixed"] * 2 + ["zero"] * 4 + ["one"] * 8 + ["two"] * 8
    y = np.array([0] * 6 + [1] * 2 + [2] * 2 + [0] * 4 + [1] * 8 + [2] * 8)
    loose = LFGenerator(families=("keyword",), seed=0).fit(texts, y)
    tight = LFGenerator(families=("keyword",), min_precision=0.5, seed=0).fit(texts, y)
    row = loose.table_.set_index("name").loc["keyword_mixed_0"]
    assert row["wilson_lb"] == pytest.approx(0.4014, abs=1e-4)
    assert "keyword_mixed_0" not in set(tight.table_["name"])
    assert set(tight.table_["name"]) == set(loose.table_["name"]) - {"keyword_mixed_0"}
    with pytest.raises(ValueError, match="min_precision"):
        LFGenerator(min_precision=1.5).fit(["a", "b"], [0, 1])


def test_knn_vote_known_answers():
    S = np.array([[0.9, 0.8, 0.7, 0.1],     # 3 nearest: 0, 0, 1 -> 0 (2 votes)
                  [0.1, 0.2, 0.9, 0.8],     # 3 nearest: 1, 1, 0 -> 1
                  [0.9, 0.1, 0.8, 0.7]])    # 3 nearest: 0, 1, 1 -> 1 (2 of 3)
    y = np.array([0, 0, 1, 1])
    assert knn_vote(S, y, 3, 2, 2).tolist() == [0, 1, 1]
    assert knn_vote(S, y, 3, 3, 2).tolist() == [-1, -1, -1]
    assert knn_vote(S, y, 2, 1, 2).tolist() == [0, 1, -1]  # row 2: one vote each -> a tie abstains


@pytest.mark.slow
def test_knn_lf_and_leave_one_out_scores_match_brute_force(embed):
    texts, y = COMMENTS, COMMENT_LABELS
    E = embed(texts).astype(np.float64)
    S = E @ E.T

    def brute(sims, labels, k, m):
        order = sorted(range(len(labels)), key=lambda j: (-sims[j], j))[:k]
        counts = np.bincount(labels[order], minlength=2)
        return int(counts.argmax()) if counts.max() >= m and counts.max() > counts.min() else -1

    # leave-one-out k-NN on the labelled rows, by brute force, equals the generator's candidate statistics
    gen = LFGenerator(families=("knn",), min_coverage=2, seed=0).fit(texts, y)
    by_key = gen.candidates_.set_index("candidate")
    for k, m in ((3, 2), (5, 4)):
        loo = []
        for i in range(len(texts)):
            others = [j for j in range(len(texts)) if j != i]
            loo.append(brute(S[i, others], y[others], k, m))
        loo = np.array(loo)
        assert by_key.loc[f"knn:{k}:{m}", "coverage"] == (loo != -1).sum()
        assert by_key.loc[f"knn:{k}:{m}", "correct"] == ((loo == y) & (loo != -1)).sum()
    # the LF on new texts: all examples as neighbours
    lf = knn_lf({0: [t for t, c in zip(texts, y) if c == 0], 1: [t for t, c in zip(texts, y) if c == 1]},
                k=3, min_votes=3, name="nn")
    new = ["please subscribe to my channel", "what a lovely voice", "hello"]
    order_texts = [t for c in (0, 1) for t, yy in zip(texts, y) if yy == c]
    order_y = np.array([c for c in (0, 1) for yy in y if yy == c])
    Sn = embed(new).astype(np.float64) @ embed(order_texts).astype(np.float64).T
    want = [brute(Sn[r], order_y, 3, 3) for r in range(len(new))]
    assert lf(pd.DataFrame({"text": new})).tolist() == want
    assert load_lfs(lfs_to_source([lf]))[0](pd.DataFrame({"text": new})).tolist() == want
    assert lf.source.startswith("knn_lf({") and lf.source.endswith("}, 3, 3, name='nn')")
    with pytest.raises(ValueError, match="k must be in"):
        knn_lf({0: ["a"], 1: ["b"]}, k=3, min_votes=1)
    with pytest.raises(ValueError, match="min_votes must be in"):
        knn_lf({0: ["a"], 1: ["b"]}, k=2, min_votes=3)


def test_relation_and_question_families_read_only_the_labelled_rows():
    from test_lfgen import Poison

    df, y = relations(60, seed=4)
    questions = pd.DataFrame({"text": ["how many moons", "how many legs", "how many cats", "who is he", "who won",
                                       "who sang it"] * 2})
    for data, labels, fams in ((df, y, ("between",)), (questions, np.array([5, 5, 5, 2, 2, 2] * 2), ("prefix",))):
        want = LFGenerator(families=fams, cardinality=6, seed=0).fit(data, labels)
        poison = pd.DataFrame({"text": [Poison() for _ in range(10)]}, dtype=object)
        mixed = pd.concat([poison.iloc[:5], data.astype(object), poison.iloc[5:]], ignore_index=True)
        got = LFGenerator(families=fams, cardinality=6, seed=0).fit(
            mixed, np.concatenate([np.full(5, -1), labels, np.full(5, -1)]))
        assert [lf.source for lf in got.lfs_] == [lf.source for lf in want.lfs_] and want.lfs_
