"""Fitting a torch end model (MLP, COSINE, TransformerClassifier) or HyperLabelModel leaves the caller's torch RNG.

A fit seeds its own draws (``seed``); it must not reset torch's global generator, or the caller's draws after
the fit would no longer depend on the seed they set (``torch.manual_seed``), also when the fit raises.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from weaksup.endmodel import MLP, Cosine

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 5))
Y = (X[:, 0] > 0).astype(int)


def _mlp(**kw):
    return MLP(hidden_sizes=(8,), max_steps=12, dropout=0.2, progress=False, n_threads=1, **kw)


def _cosine():
    return Cosine(_mlp(), self_training_steps=6, teacher_update=3, thresh=0.2, progress=False)


def _fits():
    return {"MLP": lambda: _mlp().fit(X, Y, valid=(X[:30], Y[:30]), seed=0),
            "Cosine": lambda: _cosine().fit(X, Y, valid=(X[:30], Y[:30]), unlabeled=X[:20] + 0.1, seed=0)}


@pytest.mark.parametrize("name", ["MLP", "Cosine"])
def test_fit_leaves_the_callers_torch_rng_state_as_it_was(name):
    fit = _fits()[name]
    torch.manual_seed(123)
    expected = torch.rand(4)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    model = fit()
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(torch.rand(4), expected)  # was the draws after the fit's own seed, whatever the caller's
    torch.manual_seed(999)  # the fit's result does not depend on the caller's state either
    np.testing.assert_array_equal(fit().predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("where", ["stage1", "stage2"])
def test_an_interrupted_fit_leaves_the_callers_torch_rng_state_as_it_was(monkeypatch, where):
    calls = {"n": 0}
    forward = MLP._forward

    def interrupted(self, module, data, idx):
        calls["n"] += 1
        if calls["n"] == (5 if where == "stage1" else 20):  # stage 1 takes 12 training steps
            raise KeyboardInterrupt
        return forward(self, module, data, idx)

    monkeypatch.setattr(MLP, "_forward", interrupted)
    torch.manual_seed(7)
    before = torch.get_rng_state()
    with pytest.raises(KeyboardInterrupt):
        _cosine().fit(X, Y, seed=0)
    assert torch.equal(torch.get_rng_state(), before)


def test_transformer_classifier_fit_leaves_the_callers_torch_rng_state():
    pytest.importorskip("transformers")
    from weaksup.endmodel import TransformerClassifier
    from weaksup.estimator_checks import _tiny_text_model  # the estimator checks' tiny random BERT

    path = _tiny_text_model()
    texts = ["great movie", "awful film", "loved it", "hated it"] * 3
    torch.manual_seed(123)
    before = torch.get_rng_state()
    TransformerClassifier(path, head="mean", max_length=8, max_steps=3, batch_size=4, progress=False,
                          n_threads=1).fit(texts, np.tile([1, 0], 6), seed=0)
    assert torch.equal(torch.get_rng_state(), before)


def test_hyper_label_model_first_use_leaves_the_callers_torch_rng_state(monkeypatch):
    pytest.importorskip("hyperlm")
    from weaksup.labelmodel import HyperLabelModel, hyper
    from weaksup.synthetic import make_votes

    monkeypatch.setattr(hyper, "_NETS", {})  # the network is built (randomly initialised, then loaded) again
    L, _, _ = make_votes(200, 5, 2, seed=0)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    HyperLabelModel().fit(L, seed=0).predict_proba(L)
    assert torch.equal(torch.get_rng_state(), before)
