"""Votes rebuilt from other votes keep whether their LF names were made up (``placeholder_names``).

weaksup.estimator_checks' vote fixture and :meth:`SequenceVotes.to_vote_matrix` rebuilt a
:class:`~weaksup.votes.VoteMatrix` passing the names ``lf_0 ..`` explicitly, so unnamed votes read as LFs
someone named ``lf_0 ..`` (label models then match them by name, not by position).
"""

from __future__ import annotations

import numpy as np

from weaksup.estimator_checks import _votes
from weaksup.sequence import SequenceVotes


def test_estimator_checks_votes_keep_made_up_names():
    L, _ = _votes(2, seed=0)
    assert L.lf_names == [f"lf_{j}" for j in range(L.m)]
    assert L.placeholder_names


def test_sequence_to_vote_matrix_keeps_whether_names_were_made_up():
    data = np.array([[1, 0], [2, -1], [0, 1]])
    unnamed = SequenceVotes(data, [0, 2, 3], ["X"]).to_vote_matrix()
    assert unnamed.lf_names == ["lf_0", "lf_1"] and unnamed.placeholder_names
    named = SequenceVotes(data, [0, 2, 3], ["X"], lf_names=["a", "b"]).to_vote_matrix()
    assert named.lf_names == ["a", "b"] and not named.placeholder_names
    np.testing.assert_array_equal(unnamed.to_dense(), named.to_dense())
