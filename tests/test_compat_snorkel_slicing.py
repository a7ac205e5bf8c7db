"""weaksup.compat.snorkel.slicing: snorkel 0.10's slicing functions, SF appliers and ``slice_dataframe``.

Known answers (the record array's fields and values, ``Scorer.score_slices`` on
it, the rows ``slice_dataframe`` keeps), the errors (a raising SF named with
its row; the ImportError of each name the compat layer leaves out), the same
outputs as snorkel 0.10 where it is installed, and the spam tutorial's
augmentation and slicing steps on the WRENCH youtube data, run with only the
import lines changed.
"""

from __future__ import annotations

import importlib
import json
import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import needs_wrench
from weaksup.compat.snorkel.analysis import Scorer
from weaksup.compat.snorkel.preprocess import preprocessor
from weaksup.compat.snorkel.slicing import (
    PandasSFApplier,
    SFApplier,
    SlicingFunction,
    slice_dataframe,
    slicing_function,
)


@slicing_function()
def big(x):
    return x.num > 42


@slicing_function(resources=dict(db=[3, 6, 9]))
def in_db(x, db):
    return x.num in db


@preprocessor()
def square(x):
    x.num_squared = x.num ** 2
    return x


@slicing_function(pre=[square])
def big_square(x):
    return np.bool_(x.num_squared > 42)  # a numpy bool, as a comparison of numpy values gives


NUMS = [3, 43, 12, 9, 3]


def test_sf_applier_record_array_known_values():
    S = SFApplier([big, in_db, big_square]).apply([SimpleNamespace(num=n) for n in NUMS], progress_bar=False)
    assert isinstance(S, np.recarray) and S.dtype == np.dtype([("big", np.int64), ("in_db", np.int64),
                                                               ("big_square", np.int64)])
    assert S.big.tolist() == [0, 1, 0, 0, 0]
    assert S["in_db"].tolist() == [1, 0, 0, 1, 1]
    assert S.big_square.tolist() == [0, 1, 1, 1, 0]
    assert big(SimpleNamespace(num=50)) is True  # calling an SF gives what f returns


def test_pandas_sf_applier_ints_and_meta():
    @slicing_function()
    def vote(x):
        return -1 if x.num == 3 else 2  # ints are stored as they are, as in snorkel

    df = pd.DataFrame({"num": NUMS}, index=list("abcde"))
    S = PandasSFApplier([big, vote]).apply(df, progress_bar=False)
    assert S.tolist() == [(0, -1), (1, 2), (0, 2), (0, 2), (0, -1)]
    S, meta = PandasSFApplier([big]).apply(df, progress_bar=False, return_meta=True)
    assert S.big.tolist() == [0, 1, 0, 0, 0] and dict(meta.faults) == {}


def test_slice_dataframe_and_score_slices_known_values():
    df = pd.DataFrame({"num": NUMS}, index=list("abcde"))
    assert slice_dataframe(df, in_db).index.tolist() == ["a", "d", "e"]
    S = PandasSFApplier([big, in_db]).apply(df, progress_bar=False)
    golds = np.array([0, 1, 1, 0, 1])
    preds = np.array([0, 1, 0, 0, 0])
    out = Scorer(metrics=["accuracy"]).score_slices(S, golds, preds, None)
    assert out == {"overall": {"accuracy": 0.6}, "big": {"accuracy": 1.0}, "in_db": {"accuracy": 2 / 3}}
    table = Scorer(metrics=["accuracy"]).score_slices(S, golds, preds, None, as_dataframe=True)
    assert table.index.tolist() == ["overall", "big", "in_db"]


def test_dask_sf_applier_record_array():
    pytest.importorskip("dask.dataframe")
    from dask import dataframe as dd

    from weaksup.compat.snorkel.slicing.apply.dask import DaskSFApplier, PandasParallelSFApplier

    df = pd.DataFrame({"num": NUMS})
    S = DaskSFApplier([big, in_db]).apply(dd.from_pandas(df, npartitions=2), scheduler="sync")
    assert isinstance(S, np.recarray) and S.in_db.tolist() == [1, 0, 0, 1, 1]
    S = PandasParallelSFApplier([big]).apply(df, n_parallel=2, scheduler="sync")
    assert S.big.tolist() == [0, 1, 0, 0, 0]


def test_raising_sf_names_sf_and_row():
    @slicing_function()
    def boom(x):
        return x.missing

    with pytest.raises(AttributeError) as info:
        PandasSFApplier([boom]).apply(pd.DataFrame({"num": [1]}, index=["r0"]), progress_bar=False)
    assert any("boom" in note and "'r0'" in note for note in info.value.__notes__)


def test_sf_classes():
    sf = SlicingFunction("kw", lambda x, words: any(w in x.text for w in words), resources=dict(words=["plz"]))
    assert sf(SimpleNamespace(text="plz sub")) is True
    assert repr(big) == "SlicingFunction big, Preprocessors: []"
    with pytest.raises(ValueError, match="missing parentheses"):
        slicing_function(lambda x: True)
    with pytest.raises(TypeError, match="PandasSFApplier.apply takes a pandas DataFrame, got list; use SFApplier"):
        PandasSFApplier([big]).apply([SimpleNamespace(num=1)])


@pytest.mark.parametrize("module, name", [
    ("slicing", "SliceAwareClassifier"), ("slicing", "add_slice_labels"), ("slicing", "convert_to_slice_tasks"),
    ("slicing", "SliceCombinerModule"), ("slicing.utils", "add_slice_labels"),
    ("slicing.sliceaware_classifier", "SliceAwareClassifier"), ("slicing.sf.nlp", "nlp_slicing_function"),
    ("labeling.lf.nlp", "nlp_labeling_function"), ("labeling.lf.nlp", "NLPLabelingFunction"),
    ("classification", "MultitaskClassifier"), ("classification", "Trainer"), ("classification", "DictDataLoader"),
    ("slicing.modules.slice_combiner", "SliceCombinerModule"), ("slicing.modules", "SliceCombinerModule"),
])
def test_names_left_out_raise_a_clear_import_error(module, name):
    mod = importlib.import_module(f"weaksup.compat.snorkel.{module}")
    with pytest.raises(ImportError, match=rf"snorkel\.{module}\.{name} is not provided by weaksup\.compat\.snorkel: "
                                          r".*docs/from_snorkel\.md") as info:
        exec(f"from {mod.__name__} import {name}", {})
    assert type(info.value) is ImportError  # not a bare ModuleNotFoundError
    with pytest.raises(AttributeError):  # any other missing name stays an AttributeError
        mod.no_such_name  # noqa: B018


# ------------------------------------------------------------------ the same as snorkel 0.10
def _slices(prefix: str) -> dict[str, object]:
    sl = importlib.import_module(prefix + ".slicing")
    analysis = importlib.import_module(prefix + ".analysis")

    @sl.slicing_function()
    def gt2(x):
        return x.num > 2

    @sl.slicing_function()
    def even(x):
        return np.bool_(x.num % 2 == 0)

    @sl.slicing_function()
    def ints(x):
        return -1 if x.num == 1 else 3

    df = pd.DataFrame({"num": [1, 2, 3, 4], "text": list("abcd")}, index=[10, 11, 12, 13])
    S = sl.PandasSFApplier([gt2, even, ints]).apply(df, progress_bar=False)
    S_list = sl.SFApplier([gt2]).apply([SimpleNamespace(num=n) for n in [1, 5]], progress_bar=False)
    golds, preds = np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])
    scores = analysis.Scorer(metrics=["accuracy", "f1"]).score_slices(S, golds, preds, np.eye(2)[preds],
                                                                       as_dataframe=True)
    return {"S": (type(S), S.dtype, S.tolist()), "S list": (S_list.dtype, S_list.tolist()), "scores": scores,
            "slice gt2": sl.slice_dataframe(df, gt2), "slice ints": sl.slice_dataframe(df, ints)}


def test_same_outputs_as_snorkel():
    pytest.importorskip("snorkel.slicing")  # the peer, from the test extra
    theirs, ours = _slices("snorkel"), _slices("weaksup.compat.snorkel")
    for key, value in theirs.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(ours[key], value, obj=key)
        else:
            assert ours[key] == value, key


# ------------------------------------------------------------------ the spam tutorial, imports changed only
# snorkel-tutorials' spam/02 (augmentation), spam/03 (slicing) and getting_started's steps 3-4 on the WRENCH
# youtube comments.  Stand-ins for what needs packages outside the test extra: a small synonym table for
# WordNet, a word-list polarity for TextBlob, word swaps for the spaCy TFs; everything snorkel is the tutorials'.
TUTORIAL = '''
import random
import re

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

np.random.seed(0)
random.seed(0)

SYNONYMS = {"video": ["clip"], "song": ["track"], "check": ["see"], "love": ["adore"], "channel": ["page"],
            "good": ["great"], "please": ["plz"], "subscribe": ["sub"], "music": ["tunes"], "like": ["enjoy"]}

def get_synonyms(word):
    return SYNONYMS.get(word, [])

from snorkel.augmentation import transformation_function

@transformation_function()
def tf_replace_word_with_synonym(x):
    """Try to replace a random word with a synonym."""
    words = x.text.lower().split()
    idx = random.choice(range(len(words)))
    synonyms = get_synonyms(words[idx])
    if len(synonyms) > 0:
        x.text = " ".join(words[:idx] + [synonyms[0]] + words[idx + 1 :])
        return x

from snorkel.augmentation import ApplyOnePolicy, PandasTFApplier

tf_policy = ApplyOnePolicy(n_per_original=2, keep_original=True)
tf_applier = PandasTFApplier([tf_replace_word_with_synonym], tf_policy)
df_train_augmented = tf_applier.apply(df_train)

@transformation_function()
def swap_words(x):
    words = x.text.split()
    if len(words) >= 2:
        idx1, idx2 = sorted(np.random.choice(len(words), 2, replace=False))
        words[idx1], words[idx2] = words[idx2], words[idx1]
        x.text = " ".join(words)
        return x

@transformation_function()
def replace_noun_with_synonym(x):
    idxs = [i for i, w in enumerate(x.text.split()) if w.lower() in SYNONYMS]
    if idxs:
        idx = np.random.choice(idxs)
        words = x.text.split()
        words[idx] = SYNONYMS[words[idx].lower()][0]
        x.text = " ".join(words)
        return x

@transformation_function()
def drop_last_word(x):
    words = x.text.split()
    if len(words) > 3:
        x.text = " ".join(words[:-1])
        return x

tfs = [tf_replace_word_with_synonym, swap_words, replace_noun_with_synonym, drop_last_word]

from snorkel.augmentation import RandomPolicy, MeanFieldPolicy

random_policy = RandomPolicy(len(tfs), sequence_length=2, n_per_original=2, keep_original=True)
mean_field_policy = MeanFieldPolicy(len(tfs), sequence_length=2, n_per_original=2, keep_original=True,
                                    p=[0.1, 0.2, 0.5, 0.2])
df_train_random = PandasTFApplier(tfs, random_policy).apply(df_train)
tf_applier = PandasTFApplier(tfs, mean_field_policy)
df_train_mean_field = tf_applier.apply(df_train)
batches = list(tf_applier.apply_generator(df_train.iloc[:50], batch_size=16))

from snorkel.slicing import slicing_function, SlicingFunction, slice_dataframe, PandasSFApplier
from snorkel.preprocess import preprocessor
from snorkel.analysis import Scorer
from snorkel.utils import preds_to_probs

@slicing_function()
def short_comment(x):
    """Ham comments are often short, such as 'cool video!'"""
    return len(x.text.split()) < 5

short_comment_df = slice_dataframe(df_test, short_comment)

vectorizer = CountVectorizer(ngram_range=(1, 1))
X_train = vectorizer.fit_transform(df_train_mean_field.text.tolist())
X_test = vectorizer.transform(df_test.text.tolist())
Y_test = df_test["label"].values
sklearn_model = LogisticRegression(C=0.001, solver="liblinear")
sklearn_model.fit(X=X_train, y=df_train_mean_field.label.values)
preds_test = sklearn_model.predict(X_test)
probs_test = preds_to_probs(preds_test, 2)

scorer = Scorer(metrics=["f1"])
S_test = PandasSFApplier([short_comment]).apply(df_test)
scores_one = scorer.score_slices(S=S_test, golds=Y_test, preds=preds_test, probs=probs_test, as_dataframe=True)

def keyword_lookup(x, keywords):
    return any(word in x.text.lower() for word in keywords)

def make_keyword_sf(keywords):
    return SlicingFunction(name=f"keyword_{keywords[0]}", f=keyword_lookup, resources=dict(keywords=keywords))

keyword_please = make_keyword_sf(keywords=["please", "plz"])

@slicing_function()
def regex_check_out(x):
    return bool(re.search(r"check.*out", x.text, flags=re.I))

@slicing_function()
def short_link(x):
    return int(bool(re.search(r"\\w+\\.ly", x.text)))

POSITIVE = {"love", "great", "good", "best", "awesome", "amazing", "nice", "beautiful", "cool"}

@preprocessor(memoize=True)
def word_polarity(x):
    words = x.text.lower().split()
    x.polarity = sum(w.strip("!.,") in POSITIVE for w in words) / max(len(words), 1)
    return x

@slicing_function(pre=[word_polarity])
def high_polarity(x):
    return x.polarity > 0.2

polarity_df = slice_dataframe(df_test, high_polarity)
sfs = [short_comment, keyword_please, regex_check_out, short_link, high_polarity]
S_test = PandasSFApplier(sfs).apply(df_test)
scores_all = scorer.score_slices(S=S_test, golds=Y_test, preds=preds_test, probs=probs_test, as_dataframe=True)
'''


def _youtube(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    def frame(split: str) -> pd.DataFrame:
        rows = json.loads((root / "youtube" / f"{split}.json").read_text())
        return pd.DataFrame([{"text": v["data"]["text"], "label": v["label"]} for v in rows.values()])

    return frame("train"), pd.concat([frame("valid"), frame("test")], ignore_index=True)


def _run_tutorial(prefix: str, df_train: pd.DataFrame, df_test: pd.DataFrame) -> dict[str, object]:
    code = TUTORIAL.replace("from snorkel.", f"from {prefix}.")  # the only change: the import lines
    names: dict[str, object] = {"df_train": df_train.copy(), "df_test": df_test.copy()}
    exec(compile(code, f"<spam tutorial on {prefix}>", "exec"), names)
    return names


@needs_wrench
@pytest.mark.slow
def test_spam_tutorial_augmentation_and_slicing_by_changing_imports(wrench_dir, capsys):
    df_train, df_test = _youtube(wrench_dir)
    ours = _run_tutorial("weaksup.compat.snorkel", df_train, df_test)
    n = len(df_train)
    augmented = ours["df_train_augmented"]
    assert n < len(augmented) <= 3 * n and augmented.index.is_monotonic_increasing  # copies follow their row
    assert (augmented.groupby(level=0).head(1).text.values == df_train.text.values).all()  # originals first
    assert n < len(ours["df_train_mean_field"]) <= 3 * n
    assert sum(len(b) for b in ours["batches"]) >= 50
    S = ours["S_test"]
    assert S.dtype.names == ("short_comment", "keyword_please", "regex_check_out", "short_link", "high_polarity")
    assert all(0 < S[name].sum() < len(df_test) for name in S.dtype.names)  # every slice holds some rows
    assert list(ours["scores_all"].index) == ["overall", *S.dtype.names]
    assert len(ours["short_comment_df"]) == S.short_comment.sum()
    if importlib.util.find_spec("snorkel") is None:
        return
    theirs = _run_tutorial("snorkel", df_train, df_test)
    for key in ("df_train_augmented", "df_train_random", "df_train_mean_field", "short_comment_df", "polarity_df",
                "scores_one", "scores_all"):
        pd.testing.assert_frame_equal(ours[key], theirs[key], obj=key)
    for mine, other in zip(ours["batches"], theirs["batches"], strict=True):
        pd.testing.assert_frame_equal(mine, other)
    np.testing.assert_array_equal(ours["S_test"], theirs["S_test"])
    assert ours["S_test"].dtype == theirs["S_test"].dtype


def test_sf_errors_speak_of_sfs_not_lfs():
    # the SF appliers run SFs through the LF machinery, whose errors said "LF 'short' returned None ...; an LF must
    # return an int class or ABSTAIN (-1)", "duplicate LF names" and "LF 'boom' raised KeyError" of SFs
    from weaksup.apply import LFOutputError

    df = pd.DataFrame({"text": ["a", "bb"]})

    @slicing_function()
    def maybe_short(x):
        return None if x.text == "a" else True

    @slicing_function(name="maybe_short")
    def other(x):
        return True

    @slicing_function()
    def boom(x):
        raise KeyError("k")

    with pytest.raises(LFOutputError, match=r"^SF 'maybe_short' returned None \(NoneType\) on row 0 \(position 0\); "
                                            r"an SF must return True/False \(or an int: 1 in the slice, 0 not\)$"):
        PandasSFApplier([maybe_short]).apply(df, progress_bar=False)
    with pytest.raises(ValueError, match=r"^duplicate SF names: \['maybe_short'\]; each SF needs a unique name$"):
        PandasSFApplier([maybe_short, other])
    with pytest.raises(KeyError) as info:
        SFApplier([boom]).apply([SimpleNamespace(text="a")], progress_bar=False)
    assert info.value.__notes__ == ["SF 'boom' raised KeyError on row 0 (position 0): 'k'"]
