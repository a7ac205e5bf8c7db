"""SequenceVotes and sequence label models pickled or saved by b356c1b keep the lf_0 .. rule for unnamed votes.

b356c1b's SequenceVotes stored _placeholder_names in its constructor, but a sentence slice, select_lfs, to_io or
concat of unnamed votes built votes with their names given and stored False; a sequence model fitted on such a slice
recorded lf_names_placeholder=False (in its pickle and its file).  Read as a reliable record, those came back "named":
the votes' to_vote_matrix() and a model fitted on them, and the old model itself, refused a named frame of as many
LFs that the same model fitted on the whole votes reads by position.  A stored True was reliable, a stored False
is judged by the lf_0 .. pattern rule.  The pickles and files are made by a real b356c1b tree (git archive of this
repository), in a child process.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from weaksup import VoteMatrix
from weaksup.labelmodel import DawidSkene
from weaksup.sequence import HMM, SequenceVotes, TokenDawidSkene

REPO = Path(__file__).resolve().parent.parent
OLD = "b356c1b"

MAKE = """
import pickle, sys
import numpy as np
from weaksup.sequence import HMM, SequenceVotes, TokenDawidSkene
out = sys.argv[1]
rng = np.random.default_rng(0)
good = rng.choice([0, 1, 2], size=400, p=[0.6, 0.2, 0.2])
data = np.column_stack([good, rng.choice([0, 1, 2], size=400), np.where(rng.random(400) < 0.9, good, -1)])
off = np.arange(0, 401, 4)
V = SequenceVotes(data, off, ["X"])
votes = {"whole": V, "slice": V[:60], "select_lfs": V.select_lfs([0, 1, 2]), "to_io": V.to_io(),
         "concat": SequenceVotes.concat([V[:60], V[60:]]),
         "named": SequenceVotes(data, off, ["X"], lf_names=["a", "b", "c"])}
V[:60].save(out + "/slice.npz")
models = {"TokenDawidSkene": TokenDawidSkene().fit(V[:60], seed=0), "HMM": HMM(n_iter=3).fit(V[:60], seed=0)}
for name, m in models.items():
    m.save(out + "/" + name + ".npz")
with open(out + "/old.pkl", "wb") as f:
    pickle.dump({"votes": votes, "models": models, "stored": V[:60]._placeholder_names}, f)
"""


def _votes():
    rng = np.random.default_rng(0)
    good = rng.choice([0, 1, 2], size=400, p=[0.6, 0.2, 0.2])
    data = np.column_stack([good, rng.choice([0, 1, 2], size=400), np.where(rng.random(400) < 0.9, good, -1)])
    return data, np.arange(0, 401, 4)


@pytest.fixture(scope="module")
def old_made(tmp_path_factory):
    """The folder holding b356c1b's pickle (old.pkl) and files (slice.npz, <model>.npz)."""
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("needs git and this repository's history (to build the b356c1b tree)")
    if subprocess.run([git, "-C", str(REPO), "cat-file", "-e", f"{OLD}^{{commit}}"], capture_output=True).returncode:
        pytest.skip(f"commit {OLD} is not in this repository's history")
    tmp = tmp_path_factory.mktemp("b356c1b")
    tree, out = tmp / "tree", tmp / "made"
    tree.mkdir()
    out.mkdir()
    archive = tmp / "old.tar"
    subprocess.run([git, "-C", str(REPO), "archive", "-o", str(archive), OLD, "weaksup"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tree, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONWARNINGS": "ignore"}
    child = subprocess.run([sys.executable, "-c", MAKE, str(out)], env=env, cwd=tmp, capture_output=True, text=True,
                           timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    return out


def test_votes_pickled_by_b356c1b_keep_made_up_names_through_slices(old_made):
    with open(old_made / "old.pkl", "rb") as f:
        made = pickle.load(f)
    assert made["stored"] is False  # what b356c1b stored for a slice of unnamed votes: not reliable
    votes = made["votes"]
    for what in ("whole", "slice", "select_lfs", "to_io", "concat"):
        assert votes[what].placeholder_names is True, what
        assert votes[what].to_vote_matrix().placeholder_names is True, what
        # and it is carried on by the operations of this weaksup
        assert votes[what][:5].placeholder_names is True, what
    assert votes["named"].placeholder_names is False  # a stored False with real names stays False
    assert SequenceVotes.load(old_made / "slice.npz").placeholder_names is True  # b356c1b's file had no record


def test_models_fitted_on_b356c1b_votes_read_a_named_frame_by_position(old_made):
    data, off = _votes()
    unnamed = SequenceVotes(data, off, ["X"])
    frame = SequenceVotes(pd.DataFrame(data, columns=["a", "b", "c"]), off, ["X"])
    with open(old_made / "old.pkl", "rb") as f:
        made = pickle.load(f)
    old_slice = made["votes"]["slice"]
    model = TokenDawidSkene().fit(old_slice, seed=0)
    assert np.array_equal(model.predict_proba(frame), model.predict_proba(unnamed))
    # a label model fitted on its flat matrix reads a named VoteMatrix by position too
    M = old_slice.to_vote_matrix()
    lm = DawidSkene().fit(M, seed=0)
    assert np.array_equal(lm.predict_proba(VoteMatrix(M.to_dense(), ["a", "b", "c"], M.cardinality)),
                          lm.predict_proba(M))


@pytest.mark.parametrize("cls", [TokenDawidSkene, HMM], ids=["TokenDawidSkene", "HMM"])
def test_models_saved_or_pickled_by_b356c1b_after_fitting_on_a_slice_read_named_votes_by_position(cls, old_made):
    data, off = _votes()
    unnamed = SequenceVotes(data, off, ["X"])
    frame = SequenceVotes(pd.DataFrame(data, columns=["a", "b", "c"]), off, ["X"])
    with open(old_made / "old.pkl", "rb") as f:
        pickled = pickle.load(f)["models"][cls.__name__]
    for model in (pickled, cls.load(old_made / f"{cls.__name__}.npz")):
        assert model.lf_names_ == ["lf_0", "lf_1", "lf_2"]
        assert np.array_equal(model.predict_proba(frame), model.predict_proba(unnamed))
        # re-saved and re-pickled by this weaksup: the record is now reliable and kept
        again = pickle.loads(pickle.dumps(model))
        assert np.array_equal(again.predict_proba(frame), model.predict_proba(unnamed))
        # real names that differ are still refused
        with pytest.raises(ValueError, match="the model was fitted on"):
            model.predict(SequenceVotes(data[:, :2], off, ["X"], lf_names=["a", "b"]))


def test_lfs_really_named_lf_0_are_still_told_from_made_up_ones_after_save_and_pickle(tmp_path):
    # the new record is reliable: a model fitted on LFs given the names lf_0 .. keeps refusing other names after
    # save/load and pickling (the b356c1b record's False is the only one judged by the pattern rule)
    data, off = _votes()
    given = SequenceVotes(data, off, ["X"], lf_names=["lf_0", "lf_1", "lf_2"])
    assert pickle.loads(pickle.dumps(given)).placeholder_names is False
    assert pickle.loads(pickle.dumps(given[:10])).placeholder_names is False
    model = TokenDawidSkene().fit(given, seed=0)
    model.save(tmp_path / "m.npz")
    other = SequenceVotes(data, off, ["X"], lf_names=["x", "y", "z"])
    for m in (model, TokenDawidSkene.load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        with pytest.raises(ValueError, match="the model was fitted on"):
            m.predict(other)
