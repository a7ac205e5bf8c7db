"""weaksup.compat.snorkel.augmentation: snorkel 0.10's TFs, policies and TF appliers.

Known answers worked by hand (which rows each policy gives, in which order),
the no-mutation and ``None`` ("transformation failed") rules, the errors
(a raising TF named with its row, duplicate names, a non-DataFrame), and the
same outputs as snorkel 0.10 on the same input and numpy seed where snorkel is
installed (it is a peer in the test extra).
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from weaksup.compat.snorkel.augmentation import (
    ApplyAllPolicy,
    ApplyEachPolicy,
    ApplyOnePolicy,
    LambdaTransformationFunction,
    MeanFieldPolicy,
    PandasTFApplier,
    RandomPolicy,
    TFApplier,
    TransformationFunction,
    transformation_function,
)
from weaksup.compat.snorkel.preprocess import preprocessor


@transformation_function()
def plus_ten(x):
    x.num = x.num + 10
    return x


@transformation_function()
def double(x):
    if x.num == 2:  # "this transformation does not apply here"
        return None
    x.num = x.num * 2
    return x


@transformation_function()
def tag(x):
    x.tags.append("t")  # in place on the TF's copy: the caller's list must not change
    return x


def frame() -> pd.DataFrame:
    return pd.DataFrame({"num": [1, 2, 3], "text": ["a", "b", "c"]}, index=[10, 20, 30])


def test_apply_one_policy_two_tfs_three_rows_known_rows():
    """ApplyOnePolicy runs only the first TF: each original, then its one copy; index labels repeat."""
    out = PandasTFApplier([plus_ten, double], ApplyOnePolicy()).apply(frame(), progress_bar=False)
    expected = pd.DataFrame({"num": [1, 11, 2, 12, 3, 13], "text": ["a", "a", "b", "b", "c", "c"]},
                            index=[10, 10, 20, 20, 30, 30])
    pd.testing.assert_frame_equal(out, expected)


def test_apply_all_and_each_policies_known_rows_with_a_failed_tf():
    """double returns None on num == 2: ApplyAll goes on with plus_ten there; ApplyEach drops that copy."""
    out = PandasTFApplier([double, plus_ten], ApplyAllPolicy(2, n_per_original=2)).apply(frame(), progress_bar=False)
    assert out.num.tolist() == [1, 12, 12, 2, 12, 12, 3, 16, 16]
    out = PandasTFApplier([plus_ten, double], ApplyEachPolicy(2)).apply(frame(), progress_bar=False)
    assert out.num.tolist() == [1, 11, 2, 2, 12, 3, 13, 6]
    assert out.index.tolist() == [10, 10, 10, 20, 20, 30, 30, 30]
    out = PandasTFApplier([double], ApplyOnePolicy(keep_original=False)).apply(frame(), progress_bar=False)
    assert out.num.tolist() == [2, 6] and out.index.tolist() == [10, 30]  # row 20: every TF failed, no copy


def test_policies_sequences():
    assert ApplyAllPolicy(3, n_per_original=2, keep_original=False).generate_for_example() == [[0, 1, 2]] * 2
    assert ApplyEachPolicy(3).generate_for_example() == [[], [0], [1], [2]]
    assert ApplyOnePolicy(n_per_original=2).generate_for_example() == [[], [0], [0]]
    assert MeanFieldPolicy(3, sequence_length=4, p=[0, 0, 1], keep_original=False).generate_for_example() == \
        [[2, 2, 2, 2]]
    seqs = RandomPolicy(5, sequence_length=3, n_per_original=4).generate_for_example()
    assert seqs[0] == [] and len(seqs) == 5 and all(len(s) == 3 and set(s) <= set(range(5)) for s in seqs[1:])
    policy = MeanFieldPolicy(2, sequence_length=2, p=[0.5, 0.5], n_per_original=3, keep_original=False)
    assert (policy.n, policy.sequence_length, policy.n_per_original, policy.keep_original) == (2, 2, 3, False)


def test_tfs_never_mutate_the_input():
    df = pd.DataFrame({"tags": [["a"], []]})
    out = PandasTFApplier([tag], ApplyOnePolicy()).apply(df, progress_bar=False)
    assert df.tags.tolist() == [["a"], []]
    assert out.tags.tolist() == [["a"], ["a", "t"], [], ["t"]]
    points = [SimpleNamespace(tags=["x"])]
    out = TFApplier([tag], ApplyOnePolicy()).apply(points, progress_bar=False)
    assert points[0].tags == ["x"] and [p.tags for p in out] == [["x"], ["x", "t"]]


def test_tf_applier_generator_batches():
    points = [SimpleNamespace(num=n) for n in (1, 2, 3)]
    batches = list(TFApplier([double], ApplyOnePolicy()).apply_generator(points, batch_size=2))
    assert [[p.num for p in b] for b in batches] == [[1, 2, 2], [3, 6]]
    batches = list(PandasTFApplier([plus_ten], ApplyOnePolicy()).apply_generator(frame(), batch_size=3))
    assert len(batches) == 1  # 3 rows, batch_size 3: no trailing empty batch (snorkel's pd.concat fails there)
    assert batches[0].num.tolist() == [1, 11, 2, 12, 3, 13]


def test_no_rows_left_gives_an_empty_frame_with_the_columns():
    @transformation_function()
    def never(x):
        return None

    out = PandasTFApplier([never], ApplyOnePolicy(keep_original=False)).apply(frame(), progress_bar=False)
    assert len(out) == 0 and list(out.columns) == ["num", "text"]


def test_pre_preprocessors_and_classes():
    @preprocessor()
    def add_len(x):
        x.n_chars = len(x.text)
        return x

    @transformation_function(pre=[add_len])
    def repeat(x):
        x.text = x.text * x.n_chars
        return x

    assert isinstance(repeat, LambdaTransformationFunction)
    out = TFApplier([repeat], ApplyOnePolicy(keep_original=False)).apply([SimpleNamespace(text="ab")],
                                                                        progress_bar=False)
    assert vars(out[0]) == {"text": "abab", "n_chars": 2}

    class Upper(TransformationFunction):
        def run(self, text):
            return {"text": text.upper()}

    out = PandasTFApplier([Upper("upper")], ApplyOnePolicy()).apply(frame(), progress_bar=False)
    assert out.text.tolist() == ["a", "A", "b", "B", "c", "C"]


def test_raising_tf_names_tf_and_row():
    @transformation_function()
    def boom(x):
        return x.missing_field

    with pytest.raises(AttributeError) as info:
        PandasTFApplier([plus_ten, boom], ApplyAllPolicy(2)).apply(frame(), progress_bar=False)
    assert "TF 'boom' raised AttributeError on row 10 (position 0)" in info.value.__notes__
    with pytest.raises(AttributeError) as info:
        TFApplier([boom], ApplyOnePolicy()).apply([SimpleNamespace(num=1)] * 2, progress_bar=False)
    assert "TF 'boom' raised AttributeError on row 0 (position 0)" in info.value.__notes__


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"duplicate TF names: \['double'\]"):
        TFApplier([double, double], ApplyAllPolicy(2))
    with pytest.raises(TypeError, match="PandasTFApplier.apply takes a pandas DataFrame, got list"):
        PandasTFApplier([double], ApplyOnePolicy()).apply([1, 2])
    with pytest.raises(ValueError, match="missing parentheses"):
        transformation_function(lambda x: x)
    assert repr(TFApplier([double], ApplyOnePolicy())) == "TFApplier, Policy: ApplyOnePolicy, TFs: ['double']"


# ------------------------------------------------------------------ the same as snorkel 0.10
def _outputs(prefix: str) -> dict[str, object]:
    """The same TFs, policies and data through ``prefix`` (``snorkel`` or ``weaksup.compat.snorkel``)."""
    aug = importlib.import_module(prefix + ".augmentation")

    @aug.transformation_function()
    def square(x):
        if x.num == 2:
            return None
        x.num = x.num ** 2
        return x

    @aug.transformation_function()
    def add_col(x):
        x.half = x.num * 0.5  # a new column
        x.tags = x.tags + ["t"]
        return x

    @aug.transformation_function()
    def upper(x):
        x.text = x.text.upper()
        return x

    tfs = [square, add_col, upper]
    df = pd.DataFrame({"num": [1, 2, 3, 4], "text": list("abcd"), "f": [0.5, 1.5, 2.5, 3.5],
                       "tags": [["a"], [], ["b"], ["c"]]}, index=[10, 11, 12, 13])
    out: dict[str, object] = {}
    for name, policy in [("all", aug.ApplyAllPolicy(3, n_per_original=2)), ("each", aug.ApplyEachPolicy(3)),
                         ("one", aug.ApplyOnePolicy(2, keep_original=False)),
                         ("random", aug.RandomPolicy(3, sequence_length=2, n_per_original=3)),
                         ("meanfield", aug.MeanFieldPolicy(3, sequence_length=3, p=[0.2, 0.3, 0.5], n_per_original=2,
                                                           keep_original=False))]:
        np.random.seed(7)
        out[name] = aug.PandasTFApplier(tfs, policy).apply(df, progress_bar=False)
        np.random.seed(7)
        out[name + " generator"] = list(aug.PandasTFApplier(tfs, policy).apply_generator(df, batch_size=3))
        np.random.seed(7)
        points = [SimpleNamespace(num=n, text=t, tags=[]) for n, t in zip([1, 2, 3], "xyz")]
        out[name + " list"] = [vars(x) for x in aug.TFApplier(tfs, policy).apply(points, progress_bar=False)]
        out[name + " state"] = np.random.get_state()[1].tolist()  # the same draws from numpy's global generator
    return out


def test_same_outputs_as_snorkel():
    pytest.importorskip("snorkel.augmentation")  # the peer, from the test extra
    theirs, ours = _outputs("snorkel"), _outputs("weaksup.compat.snorkel")
    assert theirs.keys() == ours.keys()
    for key, value in theirs.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(ours[key], value, obj=key)
        elif isinstance(value, list) and value and isinstance(value[0], pd.DataFrame):
            assert len(ours[key]) == len(value), key
            for mine, other in zip(ours[key], value):
                pd.testing.assert_frame_equal(mine, other, obj=key)
        else:
            assert ours[key] == value, key
    assert len(ours["random"]) > 8  # copies were made: the comparison is not vacuous


def test_same_names_as_snorkel():
    snorkel_aug = pytest.importorskip("snorkel.augmentation")
    import weaksup.compat.snorkel.augmentation as ours

    public = {n for n in dir(snorkel_aug) if not n.startswith("_") and n not in {"apply", "policy", "tf"}}
    assert public <= set(dir(ours))
