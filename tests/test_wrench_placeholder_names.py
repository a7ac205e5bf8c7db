"""WRENCH LFs have no names: the loader's ``lf_0 ..`` are made up, so its votes say so (``placeholder_names``).

The loader passed the names ``lf_0 .. lf_{m-1}`` explicitly, so WRENCH votes read as LFs someone named
``lf_0 ..`` (``placeholder_names`` False) and label models fitted on them recorded given names.  The votes,
names and a fitted model's predictions are unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest

from weaksup.data import load_wrench
from weaksup.labelmodel import MajorityVote, MatrixCompletion


@pytest.mark.parametrize("name", ["youtube", "trec"])
def test_wrench_votes_have_made_up_names(wrench_dir, name):
    if not (wrench_dir / name).is_dir():
        pytest.skip(f"{name} not in {wrench_dir}")
    ds = load_wrench(name, wrench_dir)
    for split in (ds.train, ds.valid, ds.test):
        assert split.votes.lf_names == [f"lf_{j}" for j in range(split.votes.m)]
        assert split.votes.placeholder_names, f"{name} {split.split}: WRENCH LF names are made up"


@pytest.mark.parametrize("model", [MajorityVote, MatrixCompletion])
def test_model_fitted_on_wrench_votes_reads_test_votes_as_a_plain_array(wrench_dir, model):
    if not (wrench_dir / "youtube").is_dir():
        pytest.skip(f"youtube not in {wrench_dir}")
    ds = load_wrench("youtube", wrench_dir)
    lm = model().fit(ds.train.votes, seed=0)
    assert lm._lf_names_placeholder()  # recorded at fit: the names were not given
    np.testing.assert_array_equal(lm.predict_proba(ds.test.votes), lm.predict_proba(ds.test.votes.to_dense()))
