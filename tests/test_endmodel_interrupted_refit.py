"""An end-model refit that is interrupted (Ctrl-C) or raises inside training leaves the last fit whole.

``fit`` used to set the new fit's ``classes_``, ``cardinality_`` and ``n_features_in_`` before training ran, and
nothing put them back: a 3-class ``LogisticRegression`` refitted on a 2-class task and interrupted said
``classes_ [0, 1]`` while ``predict_proba`` still gave 3 columns from the first fit's ``coef_`` (and predicted class
2); an ``MLP`` kept a half-trained new ``module_`` under the old ``n_steps_``.  The interrupts here are real ones:
``_thread.interrupt_main`` delivers a SIGINT to the main thread in the middle of training, as Ctrl-C does.
"""

from __future__ import annotations

import _thread

import numpy as np
import pytest

from weaksup._validation import NotFittedError
from weaksup.endmodel import LogisticRegression

try:  # small torch fits are many times slower multi-threaded on a busy 2-core box
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(0)
X1 = rng.normal(size=(200, 6))
Y1 = rng.integers(0, 3, 200)
X2 = rng.normal(size=(300, 4))  # another task: 4 features, 2 classes
Y2 = (X2[:, 0] > 0).astype(int)
X3 = rng.normal(size=(300, 6))  # the same width as X1: nothing at predict time would notice the mix-up
Y3 = (X3[:, 0] > 0).astype(int)


def _interrupt_on_call(n: int):
    """A hook that delivers Ctrl-C (SIGINT) to the main thread on its ``n``-th call."""
    calls = {"n": 0}

    def hook():
        calls["n"] += 1
        if calls["n"] == n:
            _thread.interrupt_main()

    return hook, calls


def _lr_interrupted(monkeypatch, n: int) -> dict:
    """Ctrl-C in L-BFGS: on the ``n``-th evaluation of the loss (``log_softmax`` of the logits)."""
    import weaksup.endmodel.linear as linear

    hook, calls = _interrupt_on_call(n)
    real = linear.log_softmax

    def log_softmax(*a, **k):
        hook()
        return real(*a, **k)

    monkeypatch.setattr(linear, "log_softmax", log_softmax)
    return calls


def _mlp(**kw):
    from weaksup.endmodel import MLP

    return MLP(hidden_sizes=(8,), max_steps=40, dropout=0.2, progress=False, n_threads=1, **kw)


def _mlp_interrupted(monkeypatch, n: int) -> dict:
    """Ctrl-C in the training loop: on the ``n``-th forward pass (the new module is built and half-trained)."""
    from weaksup.endmodel import MLP

    hook, calls = _interrupt_on_call(n)
    forward = MLP._forward

    def interrupted(self, module, data, idx):
        hook()
        return forward(self, module, data, idx)

    monkeypatch.setattr(MLP, "_forward", interrupted)
    return calls


def _models():
    out = {"LogisticRegression": (lambda: LogisticRegression(max_iter=200), _lr_interrupted)}
    if torch is not None:
        out["MLP"] = (_mlp, _mlp_interrupted)
    return out


@pytest.mark.parametrize("name", ["LogisticRegression", "MLP"])
@pytest.mark.parametrize("X, y", [(X2, Y2), (X3, Y3)], ids=["other-width", "same-width"])
def test_an_interrupted_refit_leaves_the_last_fit_whole(monkeypatch, name, X, y):
    if name not in _models():
        pytest.skip("MLP needs torch")
    make, interrupt = _models()[name]
    m = make().fit(X1, Y1, valid=(X1[:40], Y1[:40]), seed=0)
    state = dict(vars(m))
    before = m.predict_proba(X1)
    calls = interrupt(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        m.fit(X, y, seed=1)
    assert calls["n"] >= 5  # interrupted in training, after the new fit's checks had passed
    monkeypatch.undo()
    assert vars(m).keys() == state.keys()
    changed = [k for k in state if vars(m)[k] is not state[k]]
    assert not changed, f"attributes of the interrupted refit left on the model: {changed}"
    assert m.classes_.tolist() == [0, 1, 2] and m.cardinality_ == 3 and m.n_features_in_ == 6
    np.testing.assert_array_equal(m.predict_proba(X1), before)
    assert m.predict(X1).max() <= 2
    # and the next refit is the fit it would be on a fresh model, bit for bit
    np.testing.assert_array_equal(m.fit(X, y, seed=1).predict_proba(X), make().fit(X, y, seed=1).predict_proba(X))


@pytest.mark.parametrize("name", ["LogisticRegression", "MLP"])
def test_an_interrupted_first_fit_leaves_the_model_unfitted(monkeypatch, name):
    if name not in _models():
        pytest.skip("MLP needs torch")
    make, interrupt = _models()[name]
    m = make()
    params = dict(vars(m))
    interrupt(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        m.fit(X1, Y1, seed=0)
    monkeypatch.undo()
    assert vars(m) == params  # no classes_ / n_features_in_ / module_ of a fit that did not finish
    with pytest.raises(NotFittedError):
        m.predict_proba(X1)


def test_a_refit_that_raises_inside_training_leaves_the_last_fit_whole(monkeypatch):
    """Not only interrupts: any error from ``_fit`` (here out of memory in the loss) restores the last fit."""
    import weaksup.endmodel.linear as linear

    m = LogisticRegression().fit(X1, Y1)
    state, before = dict(vars(m)), m.predict_proba(X1)

    def out_of_memory(*a, **k):
        raise MemoryError("no room for the logits")

    monkeypatch.setattr(linear, "log_softmax", out_of_memory)
    with pytest.raises(MemoryError):
        m.fit(X3, Y3)
    monkeypatch.undo()
    assert vars(m).keys() == state.keys() and all(vars(m)[k] is state[k] for k in state)
    np.testing.assert_array_equal(m.predict_proba(X1), before)


def test_an_interrupted_transformer_refit_keeps_its_module_and_tokenizer(monkeypatch):
    pytest.importorskip("transformers")
    if torch is None:  # pragma: no cover
        pytest.skip("needs torch")
    from weaksup.endmodel import TransformerClassifier
    from weaksup.estimator_checks import _tiny_text_model  # the estimator checks' tiny random BERT

    path = _tiny_text_model()
    texts = ["great movie", "awful film", "loved it", "hated it", "fine", "so so"] * 2
    m = TransformerClassifier(path, head="mean", max_length=8, max_steps=3, batch_size=4, progress=False,
                              n_threads=1).fit(texts, np.tile([0, 1, 2], 4), seed=0)
    state, before = dict(vars(m)), m.predict_proba(texts)
    hook, calls = _interrupt_on_call(2)
    forward = TransformerClassifier._forward

    def interrupted(self, module, data, idx):
        hook()
        return forward(self, module, data, idx)

    monkeypatch.setattr(TransformerClassifier, "_forward", interrupted)
    with pytest.raises(KeyboardInterrupt):
        m.fit(texts, np.tile([1, 0], 6), seed=0)
    monkeypatch.undo()
    assert vars(m).keys() == state.keys() and all(vars(m)[k] is state[k] for k in state)
    assert m.cardinality_ == 3
    np.testing.assert_array_equal(m.predict_proba(texts), before)
