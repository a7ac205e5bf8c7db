"""LFAnalysis against hand-computed values and snorkel's LFAnalysis (bit-for-bit on the same matrix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.analysis import LFAnalysis, get_label_buckets, get_label_instances
from weaksup.synthetic import make_votes

L_DOC = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])


def test_hand_computed_example():
    a = LFAnalysis(L_DOC)
    assert a.label_coverage() == 0.8 and a.label_overlap() == 0.6 and a.label_conflict() == 0.2
    assert a.lf_polarities() == [[0, 1], [0], [0]]
    np.testing.assert_allclose(a.lf_coverages(), [0.4, 0.8, 0.4])
    np.testing.assert_allclose(a.lf_overlaps(), [0.4, 0.6, 0.4])
    np.testing.assert_allclose(a.lf_overlaps(normalize_by_coverage=True), [1.0, 0.75, 1.0])
    np.testing.assert_allclose(a.lf_conflicts(), [0.2, 0.2, 0.0])
    np.testing.assert_allclose(a.lf_conflicts(normalize_by_overlaps=True), [0.5, 1 / 3, 0.0])
    y = np.array([0, 1, 1, 1, 0])
    s = a.summary(y=y, est_weights=[0.1, 0.2, 0.3])
    assert list(s.columns) == ["j", "Polarity", "Coverage", "Overlaps", "Conflicts", "Correct", "Incorrect",
                               "Emp. Acc.", "Learned Weight"]
    assert list(s.index) == ["lf_0", "lf_1", "lf_2"]
    assert s["Correct"].tolist() == [2, 2, 2] and s["Incorrect"].tolist() == [0, 2, 0]
    assert s["Emp. Acc."].tolist() == [1.0, 0.5, 1.0]
    assert s["Learned Weight"].tolist() == [0.1, 0.2, 0.3]


def _snorkel_summary(V: VoteMatrix, y=None) -> pd.DataFrame:
    from snorkel.labeling import LFAnalysis as SnorkelAnalysis
    from snorkel.labeling import LabelingFunction

    lfs = [LabelingFunction(name, f=lambda x: -1) for name in V.lf_names]
    return SnorkelAnalysis(V.to_snorkel(), lfs).lf_summary(Y=y)


def assert_same_summary(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours.index) == list(theirs.index)
    for col in theirs.columns:
        if col == "Polarity":
            assert [list(map(int, p)) for p in theirs[col]] == list(ours[col])
        else:
            np.testing.assert_allclose(ours[col].to_numpy(float), theirs[col].to_numpy(float), rtol=0, atol=1e-9,
                                       err_msg=col)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("k, seed", [(2, 0), (3, 1), (5, 2)])
def test_summary_equals_snorkel_on_random_matrices(k, seed, sparse):
    V, y, _ = make_votes(2000, 12, k, seed=seed, sparse=sparse)
    y = y.copy()
    y[::97] = -1  # unlabeled rows are handled like snorkel does
    a = LFAnalysis(V)
    assert_same_summary(a.summary(), _snorkel_summary(V))
    assert_same_summary(a.summary(y=y), _snorkel_summary(V, y))
    from snorkel.labeling import LFAnalysis as SnorkelAnalysis

    s = SnorkelAnalysis(V.to_snorkel())
    assert a.label_coverage() == pytest.approx(s.label_coverage(), abs=1e-12)
    assert a.label_overlap() == pytest.approx(s.label_overlap(), abs=1e-12)
    assert a.label_conflict() == pytest.approx(s.label_conflict(), abs=1e-12)
    yk = np.where(y < 0, 0, y)
    np.testing.assert_allclose(a.lf_empirical_probs(yk, k), s.lf_empirical_probs(yk, k), atol=1e-12)
    np.testing.assert_allclose(a.lf_overlaps(True), s.lf_overlaps(True), atol=1e-12)
    np.testing.assert_allclose(a.lf_conflicts(True), s.lf_conflicts(True), atol=1e-12)


def test_summary_edge_cases_equal_snorkel():
    # an LF that never votes, an all-abstain row, and a single row
    L = np.array([[-1, 1, -1], [-1, -1, -1], [-1, 0, 1], [-1, 1, 1]])
    V = VoteMatrix(L)
    y = np.array([1, 0, 0, 1])
    assert_same_summary(LFAnalysis(V).summary(y=y), _snorkel_summary(V, y))
    one = VoteMatrix(np.array([[0, 1]]))
    assert_same_summary(LFAnalysis(one).summary(y=np.array([1])), _snorkel_summary(one, np.array([1])))


@pytest.mark.wrench
@pytest.mark.parametrize("name", ["youtube", "sms"])
def test_summary_equals_snorkel_on_wrench(wrench_dir, name):
    from weaksup.data import load_wrench

    ds = load_wrench(name, wrench_dir)
    for split in ("train", "test"):
        V, y = ds.splits[split].votes, ds.splits[split].labels
        assert_same_summary(LFAnalysis(V).summary(y=y), _snorkel_summary(V, y))
        assert_same_summary(LFAnalysis(V.as_sparse()).summary(y=y), _snorkel_summary(V, y))


def test_large_sparse_never_densifies(monkeypatch):
    V, y, _ = make_votes(300_000, 40, 3, seed=5, sparse=True, propensities=0.03)

    def boom(self):
        raise AssertionError("densified n x m")

    a = LFAnalysis(V)
    monkeypatch.setattr(VoteMatrix, "to_dense", boom)
    s = a.summary(y=y)
    assert s.shape == (40, 8) and 0 < a.label_conflict() < a.label_overlap() < a.label_coverage() < 1
    np.testing.assert_allclose(s["Coverage"], 0.03, atol=0.002)
    # accuracies recovered from the known generating parameters
    _, _, params = make_votes(300_000, 40, 3, seed=5, sparse=True, propensities=0.03)
    np.testing.assert_allclose(s["Emp. Acc."], params["accuracies"], atol=0.03)


def test_lfs_argument_and_bad_input():
    from weaksup import keyword_lf

    lfs = [keyword_lf("a", 0, name="a"), keyword_lf("b", 0, name="b"), "c"]
    s = LFAnalysis(L_DOC, lfs).summary()
    assert list(s.index) == ["a", "b", "c"] and s["j"].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"Number of LFs \(2\) and number of LF matrix columns \(3\)"):
        LFAnalysis(L_DOC, lfs[:2])
    with pytest.raises(ValueError, match="y has 2 labels but the vote matrix has 5 rows"):
        LFAnalysis(L_DOC).summary(y=[0, 1])
    with pytest.raises(ValueError, match="integer labels"):
        LFAnalysis(L_DOC).summary(y=np.array([0.5] * 5))
    with pytest.raises(ValueError, match="est_weights has 2 entries for 3 LFs"):
        LFAnalysis(L_DOC).summary(est_weights=[1, 2])
    empty = LFAnalysis(np.zeros((0, 2), dtype=int))
    assert empty.summary()["Coverage"].isna().all() or (empty.summary()["Coverage"] == 0).all()
    assert "LFAnalysis(n=5, m=3" in repr(LFAnalysis(L_DOC))


def test_label_buckets_match_snorkel():
    from snorkel.analysis import get_label_buckets as snorkel_buckets

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 500)
    pred = rng.integers(-1, 3, 500)
    ours, theirs = get_label_buckets(y, pred), snorkel_buckets(y, pred)
    assert list(ours) == [tuple(int(v) for v in k) for k in theirs]  # same keys, same order
    for key, idx in theirs.items():
        assert np.array_equal(ours[tuple(int(v) for v in key)], idx)
    b = LFAnalysis(L_DOC).label_buckets(np.array([1, 1, 1, 0, 0]), np.array([1, 1, -1, -1, 0]))
    assert b[(1, 1)].tolist() == [0, 1] and b[(1, -1)].tolist() == [2] and (1, 0) not in b
    three = get_label_buckets([0, 0, 1], [0, 1, 1], [1, 1, 1])
    assert three == {(0, 0, 1): three[(0, 0, 1)], (0, 1, 1): three[(0, 1, 1)], (1, 1, 1): three[(1, 1, 1)]}
    with pytest.raises(ValueError, match="same number of elements"):
        get_label_buckets([0, 1], [0])
    x = pd.DataFrame({"t": list("abcde")})
    assert get_label_instances((1, -1), x, [1, 1, 1, 0, 0], [1, 1, -1, -1, 0])["t"].tolist() == ["c"]
    lb = LFAnalysis(L_DOC).lf_buckets(0, np.array([0, 1, 1, 1, 0]))
    assert lb[(0, 0)].tolist() == [4] and lb[(1, 1)].tolist() == [2] and lb[(1, -1)].tolist() == [1, 3]


def test_plots_return_axes_with_one_bar_per_lf():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = LFAnalysis(VoteMatrix(L_DOC, ["a", "b", "c"]))
    ax = a.plot_coverage()
    assert [round(p.get_width(), 6) for p in ax.patches] == [0.4, 0.8, 0.4]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    ax = a.plot_accuracy(np.array([0, 1, 1, 1, 0]))
    assert [p.get_width() for p in ax.patches] == [1.0, 0.5, 1.0]
    assert [round(p.get_width(), 6) for p in a.plot_conflicts().patches] == [0.2, 0.2, 0.0]
    fig = a.plot(y=np.array([0, 1, 1, 1, 0]))
    assert [ax.get_xlabel() for ax in fig.axes] == ["coverage", "overlaps", "conflicts", "empirical accuracy"]
    plt.close("all")


# ------------------------------------------------------------------ gold labels that cannot be classes; LF names
L_BIN = np.array([[0, 0], [1, -1], [-1, 1], [1, 1]])


@pytest.mark.parametrize("y, match", [
    ([0, 1, 1, -2], r"y: value -2 at row 3 is outside -1\.\.1: gold labels are -1 \(unknown\) or a class 0\.\.1"),
    ([1, 2, 2, 1], r"y: value 2 at row 1 is outside -1\.\.1.*2 such label\(s\); pass LFAnalysis\(\.\.\., cardinality="),
    ([0, 1, np.inf, 0], r"y: value inf at row 2 is not a class label"),  # was cast to int64-min and scored
])
def test_gold_labels_outside_the_classes_of_the_votes_are_refused(y, match):
    """Gold -2, classes {1, 2} on binary votes and inf were scored (Correct/Incorrect/Emp. Acc. of junk)."""
    a = LFAnalysis(L_BIN)
    for call in (lambda: a.summary(y=np.array(y)), lambda: a.lf_empirical_accuracies(np.array(y)),
                 lambda: a.lf_correct_incorrect(np.array(y)), lambda: a.error_buckets(np.array(y))):
        with pytest.raises(ValueError, match=match):
            call()


def test_cardinality_admits_classes_no_lf_votes():
    s = LFAnalysis(L_BIN, cardinality=3).summary(y=np.array([1, 2, 2, 1]))
    assert s["Correct"].tolist() == [1, 1] and s["Incorrect"].tolist() == [2, 2]
    assert LFAnalysis(VoteMatrix(L_BIN, cardinality=3)).summary(y=np.array([1, 2, 2, 1]))["Correct"].tolist() == [1, 1]
    with pytest.raises(ValueError, match=r"cardinality must be an int >= the votes' cardinality \(2\), got 1"):
        LFAnalysis(L_BIN, cardinality=1)
    probs = LFAnalysis(L_BIN).lf_empirical_probs(np.array([0, 1, 2, 2]), 3)  # k of the call bounds y here
    assert probs.shape == (2, 4, 3)  # m × (k + 1) × k


def test_gold_minus_one_counts_as_in_snorkel():
    """Correct/Incorrect skip y = -1 rows; Emp. Acc. (snorkel's) counts a vote there as wrong: kept, and documented."""
    s = LFAnalysis(L_BIN).summary(y=np.array([0, 1, 1, -1]))
    assert s["Correct"].tolist() == [2, 2] and s["Incorrect"].tolist() == [0, 0]
    np.testing.assert_allclose(s["Emp. Acc."], [2 / 3, 2 / 3])
    from snorkel.labeling import LFAnalysis as SnorkelAnalysis

    np.testing.assert_allclose(SnorkelAnalysis(L_BIN).lf_empirical_accuracies(np.array([0, 1, 1, -1])), [2 / 3] * 2)


def test_unknown_lf_names_and_positions_are_named():
    """error_buckets(lfs=["zz"]) raised "'zz' is not in list"; a position past the LFs an IndexError of a list."""
    a = LFAnalysis(VoteMatrix([[1, -1], [1, 0]], ["kw", "short"]))
    with pytest.raises(KeyError, match=r"no LF named 'zz'; have \['kw', 'short'\]"):
        a.error_buckets([1, 0], lfs=["zz"])
    with pytest.raises(IndexError, match=r"no LF at position 5: there are 2 LFs \(0\.\.1\)"):
        a.error_buckets([1, 0], lfs=[5])
    with pytest.raises(KeyError, match="no LF named 'zz'"):
        a.lf_mistakes("zz", [1, 0])


def test_names_given_by_lfs_reach_the_per_lf_methods():
    """LFAnalysis(array, lfs=[...]) named the summary rows, but lf_mistakes/lf_buckets looked the name up in the
    votes' placeholder names (lf_0, lf_1) and raised KeyError."""
    a = LFAnalysis(np.array([[1, -1], [1, 0]]), lfs=["kw", "short"])
    assert a.lf_mistakes("short", [1, 1]).index.tolist() == [1]
    assert a.lf_buckets("kw", [1, 0])[(0, 1)].tolist() == [1]
    assert a.error_buckets([1, 1], lfs=["short"]).startswith("short: wrong on 1 of 1 votes")


def test_mistake_tables_carry_the_users_own_index():
    """The tables were indexed by position only, so a row could not be found in a frame indexed by ids."""
    a = LFAnalysis(VoteMatrix([[1, -1], [1, 0], [0, 0]], ["kw", "short"]))
    df = pd.DataFrame({"text": ["buy", "hi", "yo"]}, index=["c7", "c9", "c2"])
    m = a.lf_mistakes("kw", [1, 0, 1], df)
    assert m.index.tolist() == [1, 2] and m["data_index"].tolist() == ["c9", "c2"]
    assert a.conflict_rows(df)["data_index"].tolist() == ["c9"]
    assert "data_index" not in a.lf_mistakes("kw", [1, 0, 1], df.reset_index(drop=True)).columns


def test_mistake_tables_add_no_index_column_for_wrench_ids_that_are_positions():
    """WRENCH example ids are the text "0", "1"...: the same as the row position, so no data_index column."""
    a = LFAnalysis(VoteMatrix([[1, -1], [1, 0], [0, 0]], ["kw", "short"]))
    df = pd.DataFrame({"text": ["buy", "hi", "yo"]}, index=pd.Index(["0", "1", "2"], name="id"))
    assert "data_index" not in a.lf_mistakes("kw", [1, 0, 1], df).columns


def test_lfs_argument_matches_named_votes_by_name():
    """LFAnalysis(votes, lfs=...) relabelled a named VoteMatrix by position: LFs listed in another order
    swapped rows of the summary (a SPAM keyword reported with HAM polarity), in plot_lf_summary too."""
    import pandas as pd

    from weaksup import apply_lfs, keyword_lf
    from weaksup.plots import plot_lf_summary

    kw_win, kw_thanks = keyword_lf("win", 1, name="kw_win"), keyword_lf("thanks", 0, name="kw_thanks")
    df = pd.DataFrame({"text": ["win cash", "win now", "thanks", "hello"]})
    y = [1, 0, 0, 0]
    votes = apply_lfs([kw_win, kw_thanks], df, progress=False)
    s = LFAnalysis(votes, lfs=[kw_thanks, kw_win]).summary(y=y)
    assert list(s.index) == ["kw_thanks", "kw_win"]
    assert s.loc["kw_win", "Polarity"] == [1] and s.loc["kw_win", "Coverage"] == 0.5
    assert s.loc["kw_thanks", "Polarity"] == [0] and s.loc["kw_thanks", "Emp. Acc."] == 1.0
    fig = plot_lf_summary(votes, y, lfs=["kw_thanks", "kw_win"])
    assert [round(float(p.get_width()), 3) for p in fig.axes[0].patches] == [0.25, 0.5]
    with pytest.raises(ValueError, match=r"not in the votes: \['kw_free'\].*not in lfs: \['kw_win'\]"):
        LFAnalysis(votes, lfs=["kw_thanks", "kw_free"])
    # votes without names (an array, snorkel's L) still take the names by position
    assert list(LFAnalysis(votes.to_dense(), lfs=["b", "a"]).summary().index) == ["b", "a"]
