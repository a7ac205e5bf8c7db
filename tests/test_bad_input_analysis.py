"""Bad input to weaksup.analysis gets a clear error naming what and where; valid input keeps its answers."""

import numpy as np
import pandas as pd
import pytest

from weaksup.analysis import LFAnalysis, get_label_buckets, get_label_instances


def _votes(n=300, m=5, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    L = np.where(rng.random((n, m)) < 0.6, np.where(rng.random((n, m)) < 0.8, y[:, None], 1 - y[:, None]), -1)
    return L, y


L, Y = _votes()
A = LFAnalysis(L)
Y4, Y3 = np.array([0, 1, 0, 1]), np.array([0, 1, 0])


@pytest.mark.parametrize("call, err, match", [
    # label_names that do not name every class (was a bare IndexError), repeated or not text
    (lambda: A.lf_mistakes(0, Y, label_names=["a"]), ValueError,
     r"lf_mistakes: label_names has 1 names \['a'\] for 2 classes"),
    (lambda: A.error_buckets(Y, label_names=["x"]), ValueError, r"error_buckets: label_names has 1 names"),
    (lambda: A.conflict_rows(y=Y, label_names=["x"]), ValueError, r"conflict_rows: label_names has 1 names"),
    (lambda: A.conflict_rows(label_names=["x", "x"]), ValueError,
     r"label_names\[0\] and label_names\[1\] are both 'x'"),
    (lambda: A.lf_mistakes(0, Y, label_names=[0, 1]), TypeError, r"label_names\[0\] is 0, not a string"),
    (lambda: A.lf_mistakes(0, Y, label_names="ab"), TypeError, "label_names must be a list of class names"),
    # limit / n: None or an int >= 0 (nan was a TypeError from slicing, -1 silently dropped the last row)
    (lambda: A.conflict_rows(limit=float("nan")), TypeError,
     r"conflict_rows: limit must be None or an int >= 0 \(a count\), got the float nan"),
    (lambda: A.conflict_rows(limit=-1), ValueError, r"conflict_rows: limit must be None or an int >= 0 \(a count\), got -1"),
    (lambda: A.lf_mistakes(0, Y, limit=-1), ValueError, r"lf_mistakes: limit must be None or an int >= 0"),
    (lambda: A.lf_mistakes(0, Y, limit=2.5), TypeError, r"lf_mistakes: limit must be .* got the float 2.5"),
    (lambda: A.error_buckets(Y, width=0), ValueError, r"error_buckets: width must be an int >= 1 \(a count\), got 0"),
    (lambda: A.error_buckets(Y, n="3"), TypeError, r"error_buckets: n must be an int >= 0 \(a count\), got the str '3'"),
    (lambda: A.error_buckets(Y, n=-1), ValueError, r"error_buckets: n must be an int >= 0 \(a count\), got -1"),
    # bucket helpers: x of the wrong length, a bucket that is no tuple, arrays of different lengths
    (lambda: get_label_instances((1, 1), np.arange(3), Y4, Y4), ValueError,
     "x has 3 rows but the label arrays have 4 labels each"),
    (lambda: get_label_instances((0, 0), np.arange(5), Y4, Y4), ValueError,
     "x has 5 rows but the label arrays have 4 labels each"),
    (lambda: get_label_instances(0, np.arange(4), Y4), TypeError,
     r"bucket must be a tuple of labels, one per label array, got int 0 \(write \(0,\) for one array\)"),
    (lambda: get_label_instances(("a",), np.arange(4), Y4), ValueError, "bucket entry 0 is 'a', not a label"),
    (lambda: get_label_instances((0,), np.arange(4), Y4, Y4), ValueError,
     r"bucket \(0,\) has 1 labels for 2 label arrays"),
    (lambda: get_label_buckets(Y4, Y3), ValueError,
     "same number of elements: label array 0 has 4, label array 1 has 3"),
    # repeated LF names, votes given twice
    (lambda: LFAnalysis(L, lfs=["a", "a", "b", "c", "d"]), ValueError, "lfs: LFs 0 and 1 are both named 'a'"),
    (lambda: LFAnalysis(L, L=L), TypeError, "got the votes twice"),
    # k below the classes voted or the gold labels held (was a table of garbage, or an empty one)
    (lambda: A.lf_empirical_probs(Y, k=1), ValueError, r"k must be the number of classes, an int >= the "
                                                        r"cardinality \(2"),
    (lambda: A.lf_empirical_probs(Y, k=0), ValueError, "got 0"),
    (lambda: A.lf_empirical_probs(Y, k=2.0), ValueError, "got 2.0"),
    # est_weights: one finite number per LF
    (lambda: A.lf_summary(Y, est_weights=[1, np.nan, 2, 3, 4]), ValueError,
     r"est_weights: entry 1 \(LF 'lf_1'\) is nan, not a finite number"),
    (lambda: A.lf_summary(Y, est_weights=["a", 1, 2, 3, 4]), ValueError,
     r"est_weights: entry 0 \(LF 'lf_0'\) is 'a', not a finite number"),
    (lambda: A.lf_summary(Y, est_weights=[1, 2, np.inf, 3, 4]), ValueError, r"entry 2 \(LF 'lf_2'\) is inf"),
    (lambda: A.lf_summary(Y, est_weights=[1, 2, 3]), ValueError, "est_weights has 3 entries for 5 LFs"),
])
def test_analysis_refuses_bad_input_naming_it(call, err, match):
    with pytest.raises(err, match=match):
        call()


def test_analysis_keeps_valid_answers():
    # label_names naming every class (a tuple, a numpy array) and limits as ints, numpy ints or None
    m_all = A.lf_mistakes(0, Y)
    assert len(A.lf_mistakes(0, Y, limit=np.int64(3))) == 3 and len(A.lf_mistakes(0, Y, limit=0)) == 0
    named = A.lf_mistakes(0, Y, label_names=np.array(["neg", "pos"]))
    assert named.index.tolist() == m_all.index.tolist()
    assert named["gold"].tolist() == [["neg", "pos"][g] for g in m_all["gold"]]
    assert len(A.conflict_rows(limit=None)) == 129 and len(A.conflict_rows(limit=128)) == 128
    assert A.conflict_rows(label_names=("n", "p"), limit=1)["votes"].iloc[0].startswith("lf_")
    assert "wrong on" in A.error_buckets(Y, label_names=["neg", "pos"], n=0)
    # est_weights: ints, floats, a column; the table as before
    s = A.lf_summary(Y, est_weights=np.arange(5).reshape(-1, 1))
    assert s["Learned Weight"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    # lfs with distinct names, keyword L=
    assert LFAnalysis(L=L, lfs=list("abcde")).lf_names == list("abcde")
    # lf_empirical_probs with k = the cardinality and above: each column sums to 1
    for k in (2, 3):
        P = A.lf_empirical_probs(Y, k)
        assert P.shape == (5, k + 1, k)
        np.testing.assert_allclose(P[:, :, :2].sum(axis=1), 1.0)


def test_bucket_helpers_keep_snorkels_answers():
    from snorkel.analysis import get_label_buckets as s_buckets
    from snorkel.analysis import get_label_instances as s_instances

    x = np.array([f"row{i}" for i in range(len(Y))])
    ours, theirs = get_label_buckets(Y, L[:, 0]), s_buckets(Y, L[:, 0])
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_array_equal(ours[key], theirs[key])
    for bucket in [(1, 1), (0, -1), [1, 0], np.array([0, 0]), (1.0, 1.0)]:
        want = s_instances(tuple(bucket) if isinstance(bucket, (list, np.ndarray)) else bucket, x, Y, L[:, 0])
        np.testing.assert_array_equal(get_label_instances(bucket, x, Y, L[:, 0]), want)
    frame = pd.DataFrame({"t": x})
    assert get_label_instances((1, 1), frame, Y, L[:, 0])["t"].tolist() == list(x[theirs[(1, 1)]])
