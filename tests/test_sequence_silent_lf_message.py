"""The sequence label models' warning about an LF that never votes counts what it counts: tokens (and sentences).

It used to say "never fires on the <n_tokens> training rows": a corpus has no rows, and the number was tokens.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.estimator_checks import FIXTURES, _make
from weaksup.sequence import SequenceVotes, TokenMajorityVote


def _said(model, V):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(V)
    return [w for w in caught if "never fires" in str(w.message)]


@pytest.mark.parametrize("name", ["TokenMajorityVote", "TokenDawidSkene", "HMM"])
def test_the_warning_counts_tokens_and_sentences(name):
    data = FIXTURES["sequence"](3, 0)
    (V,), _ = data.with_silent_lf()
    j = V.lf_names.index("never_fires")
    caught = _said(_make(name, data.model_params), V)
    assert [str(w.message) for w in caught] == [
        f"votes: LF 'never_fires' (column {j}) never fires on the {V.n_tokens} training tokens "
        f"({V.n_sentences} sentences); it carries no information (drop it with SequenceVotes.select_lfs to "
        "silence this warning)"]
    assert caught[0].category is UserWarning and caught[0].filename == __file__  # points at the caller
    assert "rows" not in str(caught[0].message)


def test_several_silent_lfs_and_one_sentence():
    # one sentence of 3 tokens; LFs b and c never vote
    V = SequenceVotes(np.array([[1, -1, -1], [2, -1, -1], [0, -1, -1]]), [0, 3], ["X"], lf_names=["a", "b", "c"])
    [w] = _said(TokenMajorityVote(), V)
    assert str(w.message) == ("votes: LF 'b' (column 1) never fires on the 3 training tokens (1 sentence) "
                              "(2 silent LFs in total: ['b', 'c']...); it carries no information (drop it with "
                              "SequenceVotes.select_lfs to silence this warning)")
