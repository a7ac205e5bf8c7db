"""LFAnalysis matches LFs by whether names were given, not by their spelling; est_weights by name when named.

``LFAnalysis(votes, lfs=...)`` picks the columns of named votes by name (LFs really named ``lf_0, lf_1, ...``
included) and names unnamed votes' columns by position.  ``summary(est_weights=...)`` reads a Series indexed by
LF name by name and an array by position.  The snorkel compat ``LFAnalysis(L, lfs)`` reads ``L`` by position,
whatever names it carries, as snorkel 0.10 does (its numbers below are snorkel 0.10.0's on the same input).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.analysis import LFAnalysis
from weaksup.compat.snorkel.labeling import LFAnalysis as SnorkelLFAnalysis
from weaksup.compat.snorkel.labeling import labeling_function

L = np.array([[0, -1, 1, -1], [0, 1, -1, -1], [1, 1, 1, 0], [-1, -1, 1, 1], [0, 1, 1, -1]])
Y = np.array([0, 1, 1, 1, 0])


@pytest.mark.skipif(not hasattr(VoteMatrix, "placeholder_names"),
                    reason="needs VoteMatrix.placeholder_names (whether names were given)")
def test_lfs_named_like_placeholders_are_picked_by_name() -> None:
    names = ["lf_0", "lf_1", "lf_2", "lf_3"]
    votes = VoteMatrix(L, names)  # an applier's votes of LFs named lf_0 ..
    s = LFAnalysis(votes, lfs=names[::-1]).summary()
    assert list(s.index) == names[::-1]
    assert s["Coverage"].to_dict() == dict(zip(names, votes.coverage()))
    with pytest.raises(ValueError, match=r"not in the votes: \['lf_4'\]"):
        LFAnalysis(votes, lfs=["lf_0", "lf_2", "lf_3", "lf_4"])


def test_unnamed_votes_take_the_lfs_names_by_position() -> None:
    s = LFAnalysis(L, lfs=["d", "c", "b", "a"]).summary()
    assert list(s.index) == ["d", "c", "b", "a"]
    np.testing.assert_array_equal(s["Coverage"].to_numpy(), VoteMatrix(L).coverage())


def test_unnamed_votes_reordered_by_select_lfs_are_put_back_by_their_made_up_names() -> None:
    """select_lfs([2, 0, 1]) of unnamed votes carries lf_2, lf_0, lf_1: lfs=lf_0.. reorders them back (lf_0's
    coverage was shown as lf_2's, 0.25), as the label models read such votes; other names still go by position."""
    A = np.array([[0, -1, -1], [0, 1, -1], [0, 1, 1], [0, -1, -1]])  # coverages 1.0, 0.5, 0.25
    P = VoteMatrix(A).select_lfs([2, 0, 1])
    s = LFAnalysis(P, lfs=["lf_0", "lf_1", "lf_2"]).lf_summary()
    assert list(s.index) == ["lf_0", "lf_1", "lf_2"]
    assert s["Coverage"].to_dict() == {"lf_0": 1.0, "lf_1": 0.5, "lf_2": 0.25}
    s = LFAnalysis(P, lfs=["c", "a", "b"]).lf_summary()
    assert s["Coverage"].to_dict() == {"c": 0.25, "a": 1.0, "b": 0.5}
    s = LFAnalysis(P, lfs=["lf_2", "lf_0", "lf_1"]).lf_summary()  # the names it carries, in its order
    assert s["Coverage"].to_dict() == {"lf_2": 0.25, "lf_0": 1.0, "lf_1": 0.5}


def test_est_weights_series_is_read_by_lf_name() -> None:
    votes = VoteMatrix(L, ["good", "mid", "bad", "new"])
    w = pd.Series([0.9, 0.7, 0.5, 0.6], index=["good", "mid", "bad", "new"])
    s = LFAnalysis(votes.select_lfs([2, 1, 0, 3])).summary(y=Y, est_weights=w)
    assert s["Learned Weight"].to_dict() == w.to_dict()
    # an array, a list and a Series with a plain 0..m-1 index are read by position, as before
    for positional in (w.to_numpy(), list(w), w.reset_index(drop=True)):
        s = LFAnalysis(votes).summary(est_weights=positional)
        assert s["Learned Weight"].to_dict() == w.to_dict()


def test_est_weights_series_with_other_lfs_names_them() -> None:
    votes = VoteMatrix(L, ["good", "mid", "bad", "new"])
    w = pd.Series([0.9, 0.7, 0.5, 0.6], index=["good", "mid", "bad", "old"])
    with pytest.raises(ValueError, match=r"est_weights.*missing \['new'\]; unknown \['old'\]"):
        LFAnalysis(votes).summary(est_weights=w)


@labeling_function()
def a(x: object) -> int:
    return 1


@labeling_function()
def b(x: object) -> int:
    return 0


@pytest.mark.parametrize("columns, lfs", [(["a", "b"], [b, a]), (["vote_a", "vote_b"], [a, b])],
                         ids=["names_equal_lfs_reversed", "other_names"])
def test_snorkel_compat_reads_L_by_position_as_snorkel_does(columns: list[str], lfs: list) -> None:
    Lab = pd.DataFrame(np.array([[1, -1], [1, 0], [-1, 0]]), columns=columns)
    s = SnorkelLFAnalysis(Lab, lfs).lf_summary()
    first, second = lfs[0].name, lfs[1].name
    # snorkel 0.10.0: column j is lfs[j]
    assert s[["j", "Polarity"]].to_dict("index") == {first: {"j": 0, "Polarity": [1]},
                                                     second: {"j": 1, "Polarity": [0]}}
    named = VoteMatrix(Lab.to_numpy(), ["x", "y"])
    assert SnorkelLFAnalysis(named, lfs).lf_summary()["Polarity"].tolist() == [[1], [0]]
