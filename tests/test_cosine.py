"""COSINE pieces against hand-computed values, and stage 2 vs stage 1 on a noisy synthetic task."""

from __future__ import annotations

import math

import numpy as np
import pytest

import torch  # in the test extra: a missing install fails, never skips

from weaksup.endmodel import MLP, Cosine, LogisticRegression  # noqa: E402
from weaksup.endmodel.cosine import (  # noqa: E402
    confidence_regulariser,
    confidence_weights,
    contrastive_loss,
    select_confident,
    sharpen,
    weighted_kl,
)

torch.set_num_threads(1)


# ------------------------------------------------------------------ sharpening
def test_sharpen_hand_computed():
    # column sums F = [1.5, 0.5]; row 1: [0.81/1.5, 0.01/0.5] = [0.54, 0.02] -> [27/28, 1/28]
    # row 2: [0.36/1.5, 0.16/0.5] = [0.24, 0.32] -> [3/7, 4/7]
    out = sharpen(np.array([[0.9, 0.1], [0.6, 0.4]]))
    np.testing.assert_allclose(out, [[27 / 28, 1 / 28], [3 / 7, 4 / 7]], atol=1e-9)


def test_sharpen_frequency_normalisation_counters_majority():
    # a row at 0.6/0.4 flips to the minority class when class 0 dominates the batch
    f = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.6, 0.4]])
    out = sharpen(f)
    # F = [3.3, 0.7]; last row: [0.36/3.3, 0.16/0.7] = [0.10909, 0.22857] -> [0.32308, 0.67692]
    np.testing.assert_allclose(out[3], [0.10909090909 / 0.33766233766, 0.22857142857 / 0.33766233766], atol=1e-8)
    assert out.sum(axis=1) == pytest.approx(np.ones(4))


def test_sharpen_power_only_hand_computed():
    # no class frequency: [0.81, 0.01]/0.82 and [0.36, 0.16]/0.52
    out = sharpen(np.array([[0.9, 0.1], [0.6, 0.4]]), class_frequency=False)
    np.testing.assert_allclose(out, [[81 / 82, 1 / 82], [9 / 13, 4 / 13]], atol=1e-9)
    # a pool with 87 % / 13 % soft frequency: frequency sharpening moves (0.7, 0.3) to the minority class
    pool = np.r_[np.tile([0.95, 0.05], (80, 1)), np.tile([0.2, 0.8], (10, 1)), [[0.7, 0.3]]]
    assert sharpen(pool)[-1].argmax() == 1
    assert sharpen(pool, class_frequency=False)[-1].argmax() == 0


def _skewed_task(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.12).astype(int)
    X = rng.normal(0, 1, (n, 4)) + np.where(y[:, None] == 1, 1.2, 0.0)
    return X, y


@pytest.mark.slow
def test_cosine_class_frequency_switch_on_skewed_pool():
    """Frequency sharpening pushes a skewed pool towards the minority class; power-only does not."""
    X, y = _skewed_task(0, 1200)
    Xt, _ = _skewed_task(1, 2000)
    rates = {}
    for cf in (True, False):
        cos = Cosine(MLP(hidden_sizes=(16,), max_steps=200, progress=False), self_training_steps=300,
                     teacher_update=50, thresh=0.2, select_best=False, class_frequency=cf, progress=False)
        cos.fit(X[:300], y[:300], unlabeled=X[300:], seed=0)
        rates[cf] = cos.predict(Xt).mean()
        stage1 = cos.stage1_model_.predict(Xt).mean()
    assert cos.get_params()["class_frequency"] is False
    assert rates[True] > rates[False] + 0.05, (rates, stage1)


# ------------------------------------------------------------ confidence / ξ
def test_confidence_weights_hand_computed():
    w = confidence_weights(np.array([[1.0, 0.0], [0.5, 0.5], [0.9, 0.1]]))
    h = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    np.testing.assert_allclose(w, [1.0, 0.0, 1 - h / math.log(2)], atol=1e-12)
    assert w[2] == pytest.approx(0.5310044, abs=1e-6)
    w3 = confidence_weights(np.array([[0.5, 0.25, 0.25], [1 / 3, 1 / 3, 1 / 3]]))
    np.testing.assert_allclose(w3, [1 - 1.5 * math.log(2) / math.log(3), 0.0], atol=1e-12)


def test_select_confident_strict_threshold():
    np.testing.assert_array_equal(select_confident([0.9, 0.6, 0.61, 0.2], 0.6), [0, 2])
    assert select_confident([0.1, 0.2], 0.5).size == 0


# ------------------------------------------------------------ losses
def test_weighted_kl_hand_computed_and_averaged():
    t = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    logp = torch.log(torch.tensor([[0.8, 0.2], [0.5, 0.5]]))
    w = torch.tensor([0.5, 1.0])
    # (0.5 * ln(1/0.8) + 1.0 * 0) / 2  (mean over the batch, not the sum)
    assert weighted_kl(t, logp, w).item() == pytest.approx(0.5 * math.log(1.25) / 2, abs=1e-7)


def test_contrastive_loss_l2_hand_computed():
    v = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    y = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.2, 0.8]])  # argmax 0, 0, 1
    # d = ||.||^2 / 2: d01 = 1, d02 = 2, d12 = 1; margin 3:
    # l01 = d^2 = 1 (same class), l02 = (3-2)^2 = 1, l12 = (3-1)^2 = 4 ; ordered pairs x2, /B^2 = 9
    assert contrastive_loss(v, y, margin=3.0, distance="l2").item() == pytest.approx(12 / 9, abs=1e-6)
    # margin 1: only the same-class pair contributes: 2 * 1 / 9
    assert contrastive_loss(v, y, margin=1.0).item() == pytest.approx(2 / 9, abs=1e-6)


def test_contrastive_loss_cos_hand_computed():
    v = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = torch.tensor([0, 0, 1])
    # d01 = 1 (same class: 1), d02 = d12 = 1 - 1/sqrt2 (different: (1/sqrt2)^2 = 0.5); 2*(1+0.5+0.5)/9
    assert contrastive_loss(v, y, margin=1.0, distance="cos").item() == pytest.approx(4 / 9, abs=1e-6)


def test_contrastive_loss_gradient_reaches_student_parameters():
    mlp = MLP(hidden_sizes=(8,), max_steps=1, progress=False)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 4))
    y = np.r_[np.zeros(8, int), np.ones(8, int)]
    mlp.fit(X, y, seed=0)
    module = mlp.module_
    module.train()
    module.zero_grad()
    logits, feats = mlp._forward(module, mlp._encode(X), np.arange(16))
    targets = torch.softmax(logits.detach(), dim=-1)
    loss = contrastive_loss(feats, targets, margin=1.0)
    assert loss.item() > 0
    loss.backward()
    first = module.body[0].weight.grad
    assert first is not None and float(first.abs().sum()) > 0
    # and the gradient is the true one (finite differences, double precision)
    v = torch.tensor(rng.normal(size=(5, 3)), dtype=torch.float64, requires_grad=True)
    lab = torch.tensor([0, 1, 0, 1, 1])
    assert torch.autograd.gradcheck(lambda z: contrastive_loss(z, lab, margin=2.0), (v,))
    assert torch.autograd.gradcheck(lambda z: contrastive_loss(z, lab, distance="cos"), (v,))


def _graph_leaves(t: torch.Tensor) -> set[int]:
    """ids of the leaf tensors (parameters) a tensor's autograd graph reaches."""
    out, stack, seen = set(), [t.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        if hasattr(fn, "variable"):
            out.add(id(fn.variable))
        stack.extend(nxt for nxt, _ in fn.next_functions)
    return out


def test_training_loop_feeds_the_students_batch_features_to_the_contrastive_loss(monkeypatch):
    """Not torch's autograd: COSINE's own stage-2 loop must pass R1 the features of the *student* on the
    batch (live, with gradient to the student's body), and R1 must change the trained model."""
    import weaksup.endmodel.cosine as cosine_mod

    X, _, yn = _noisy_task(1, 240)
    forwards, calls = [], []
    real_forward, real_loss = MLP._forward, cosine_mod.contrastive_loss

    def forward_spy(self, module, data, rows):
        logits, feats = real_forward(self, module, data, rows)
        forwards.append({"module": module, "rows": np.asarray(rows).copy(), "feats": feats})
        return logits, feats

    def loss_spy(features, targets, *args, **kwargs):
        last = forwards[-1]
        calls.append({"grad": features.requires_grad, "leaves": _graph_leaves(features), "module": last["module"],
                      "same": torch.equal(features, last["feats"].float()), "n": features.shape[0],
                      "rows": last["rows"], "targets": targets.detach().clone()})
        return real_loss(features, targets, *args, **kwargs)

    monkeypatch.setattr(MLP, "_forward", forward_spy)
    monkeypatch.setattr(cosine_mod, "contrastive_loss", loss_spy)
    kw = dict(self_training_steps=30, teacher_update=10, batch_size=16, thresh=0.0, progress=False)
    cos = Cosine(MLP(hidden_sizes=(8,), dropout=0.0, max_steps=20, progress=False), **kw)
    cos.fit(X[:120], yn[:120], unlabeled=X[120:], seed=0)
    student = cos.model_.module_
    body = {id(p) for p in student.body.parameters()}
    assert len(calls) == cos.n_self_training_steps_ == 30
    for c in calls:
        assert c["module"] is student  # the model being trained produced the features ...
        assert c["same"] and c["n"] == len(c["rows"]) == 16  # ... of exactly this batch, as they came out
        assert c["grad"] and c["leaves"] & body and c["leaves"] <= {id(p) for p in student.parameters()}
        np.testing.assert_allclose(c["targets"].sum(1).numpy(), 1.0, atol=1e-5)  # sharpened teacher labels
    # the term is live: without it (γ = 0) the same seed trains another model
    monkeypatch.undo()
    plain = Cosine(MLP(hidden_sizes=(8,), dropout=0.0, max_steps=20, progress=False), contrastive_weight=0.0, **kw)
    plain.fit(X[:120], yn[:120], unlabeled=X[120:], seed=0)
    again = Cosine(MLP(hidden_sizes=(8,), dropout=0.0, max_steps=20, progress=False), **kw)
    again.fit(X[:120], yn[:120], unlabeled=X[120:], seed=0)
    np.testing.assert_allclose(again.predict_proba(X[:50]), cos.predict_proba(X[:50]), atol=1e-6)
    assert np.abs(plain.predict_proba(X[:50]) - cos.predict_proba(X[:50])).max() > 1e-4


def test_confidence_regulariser_hand_computed():
    logp = torch.log(torch.tensor([[0.5, 0.5], [0.9, 0.1]]))
    kl2 = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)  # KL(u || [0.9, 0.1])
    assert confidence_regulariser(logp).item() == pytest.approx(kl2 / 2, abs=1e-6)
    assert kl2 == pytest.approx(0.5108256, abs=1e-6)


# ------------------------------------------------------------ the trainer
def _noisy_task(seed: int, n: int, d: int = 8, sep: float = 2.5):
    """Two Gaussians (Bayes accuracy ≈ 0.894) with 30% asymmetric label noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    mu = np.zeros((2, d))
    mu[1, 0] = sep
    X = mu[y] + rng.normal(0, 1, (n, d))
    flip = np.where(y == 1, rng.random(n) < 0.45, rng.random(n) < 0.15)
    return X, y, np.where(flip, 1 - y, y)


@pytest.mark.slow
def test_stage2_improves_over_stage1_with_30pct_label_noise():
    X, y, yn = _noisy_task(0, 1500)
    Xt, yt, _ = _noisy_task(100, 2000)
    Xv, yv, _ = _noisy_task(200, 40)
    assert (yn[:500] != y[:500]).mean() == pytest.approx(0.3, abs=0.03)
    cos = Cosine(MLP(hidden_sizes=(64,), max_steps=300, eval_every=20, progress=False),
                 self_training_steps=600, teacher_update=50, progress=False)
    cos.fit(X[:500], yn[:500], valid=(Xv, yv), unlabeled=X[500:], seed=0)
    a1 = cos.stage1_model_.score(Xt, yt)
    a2 = cos.score(Xt, yt)
    assert a2 >= a1 + 0.05, (a1, a2)
    assert a2 > 0.85
    assert len(cos.teacher_history_) >= 2 and cos.history_
    # determinism: same seed, same model
    again = Cosine(MLP(hidden_sizes=(64,), max_steps=300, eval_every=20, progress=False),
                   self_training_steps=600, teacher_update=50, progress=False)
    again.fit(X[:500], yn[:500], valid=(Xv, yv), unlabeled=X[500:], seed=0)
    np.testing.assert_allclose(again.predict_proba(Xt[:50]), cos.predict_proba(Xt[:50]), atol=1e-6)


def test_cosine_hard_minus_one_rows_join_the_pool_and_params():
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(-2, 1, (40, 3)), rng.normal(2, 1, (40, 3))]
    y = np.r_[np.zeros(40, int), np.ones(40, int)]
    y_weak = y.copy()
    y_weak[::4] = -1
    cos = Cosine(MLP(hidden_sizes=(8,), lr=1e-2, max_steps=100, progress=False), self_training_steps=20,
                 teacher_update=10, progress=False, keep_stage1=False)
    cos.fit(X, y_weak, seed=0)
    assert cos.score(X, y) > 0.9
    assert cos.teacher_history_[0]["n_confident"] <= 80
    assert cos.n_self_training_steps_ == 20
    assert cos.get_params()["thresh"] == 0.6 and cos.get_params()["margin"] == 1.0
    assert cos.model_.metric == "accuracy" and cos.score(X, y) == cos.score(X, y, metric="accuracy")
    f1 = Cosine(MLP(hidden_sizes=(8,), max_steps=5, metric="f1_binary", progress=False),
                self_training_steps=0, progress=False).fit(X, y, seed=0)
    assert f1.model_.metric == "f1_binary" and f1.score(X, y) == f1.score(X, y, metric="f1_binary")
    with pytest.raises(ValueError, match="distance"):
        Cosine(distance="manhattan").fit(X, y)
    with pytest.raises(ValueError, match="torch end model"):
        Cosine(LogisticRegression()).fit(X, y)


def test_cosine_bad_input_errors():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="no covered examples"):
        Cosine(MLP(progress=False)).fit(X, [-1, -1, -1, -1])
    with pytest.raises(ValueError, match="single class"):
        Cosine(MLP(progress=False)).fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="4 rows but y has 3"):
        Cosine(MLP(progress=False)).fit(X, [0, 1, 0])


def test_cosine_with_a_previously_fitted_template_and_unlabeled_width():
    """Cosine clones its template, so the template's fitted width is no constraint; unlabeled is checked by name."""
    rng = np.random.default_rng(0)
    X10, X6 = rng.normal(size=(60, 10)), rng.normal(size=(60, 6))
    y = (X10[:, 0] > 0).astype(int)
    template = MLP(hidden_sizes=(4,), max_steps=3, progress=False).fit(X10, y, seed=0)
    cos = Cosine(template, self_training_steps=2, teacher_update=1, thresh=0.0, progress=False).fit(X6, y, seed=0)
    assert cos.n_features_in_ == 6 and template.n_features_in_ == 10  # the template is untouched
    with pytest.raises(ValueError, match="unlabeled has 10 features but X has 6"):
        Cosine(MLP(hidden_sizes=(4,), max_steps=3, progress=False), self_training_steps=2,
               progress=False).fit(X6, y, unlabeled=X10)


def test_a_refit_refused_by_a_check_leaves_the_fitted_cosine_as_it_was():
    """Cosine.fit dropped model_ before checking its inputs: a refused refit left a model that could not predict."""
    rng = np.random.default_rng(0)
    X5, y3, X3 = rng.normal(size=(60, 5)), rng.integers(0, 3, 60), rng.normal(size=(60, 3))
    cos = Cosine(MLP(hidden_sizes=(4,), max_steps=5, progress=False), self_training_steps=2, thresh=0.0, progress=False)
    before = cos.fit(X5, y3, seed=0).predict_proba(X5)
    with pytest.raises(ValueError, match="unlabeled has 3 features but X has 5"):
        cos.fit(X5, y3, unlabeled=X3)
    with pytest.raises(ValueError, match=r"y_valid: class 7 at row 0 is outside 0\.\.2"):
        cos.fit(X5, y3, valid=(X5[:2], [7, 0]))
    with pytest.raises(ValueError, match="X has 3 features; the model was fitted on 5"):
        cos.predict(X3)
    np.testing.assert_array_equal(cos.predict_proba(X5), before)
    assert cos.n_features_in_ == 5 and cos.cardinality_ == 3


@pytest.mark.parametrize("bad", [{"end_model__hidden_sizes": (4, 0)}, {"end_model__scheduler": "cosine"}])
def test_a_refit_refused_by_the_end_models_params_leaves_the_fitted_cosine_as_it_was(bad):
    """Cosine.fit dropped its fitted state before the end model checked its hyper-parameters: a refit refused
    for end_model__hidden_sizes=(4, 0) left a Cosine that raised NotFittedError."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 5)), rng.integers(0, 2, 60)
    cos = Cosine(MLP(hidden_sizes=(4,), max_steps=5, progress=False), self_training_steps=2, thresh=0.0, progress=False)
    before = cos.fit(X, y, seed=0).predict_proba(X)
    cos.set_params(**bad)
    with pytest.raises(ValueError, match="MLP: parameter '(hidden_sizes|scheduler)'"):
        cos.fit(X, y, seed=0)
    np.testing.assert_array_equal(cos.predict_proba(X), before)


def test_a_refit_interrupted_in_stage_1_leaves_the_fitted_cosine_as_it_was(monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 5)), rng.integers(0, 2, 60)
    cos = Cosine(MLP(hidden_sizes=(4,), max_steps=5, progress=False), self_training_steps=2, thresh=0.0, progress=False)
    before = cos.fit(X, y, seed=0).predict_proba(X)
    fitted = sorted(a for a in vars(cos) if a.endswith("_"))

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(MLP, "_train_supervised", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cos.fit(X[:40], y[:40], seed=1)
    monkeypatch.undo()
    assert sorted(a for a in vars(cos) if a.endswith("_")) == fitted
    np.testing.assert_array_equal(cos.predict_proba(X), before)


def test_cosine_checks_the_column_names_of_a_frame():
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = (df["a"] > 0).astype(int).to_numpy()
    cos = Cosine(MLP(hidden_sizes=(4,), max_steps=5, progress=False), self_training_steps=2, thresh=0.0,
                 progress=False).fit(df, y, seed=0)
    assert cos.feature_names_in_.tolist() == ["a", "b"]
    assert cos.predict_proba(df).shape == (60, 2) and cos.transform(df).shape == (60, 4)
    for call in (cos.predict, cos.transform):
        with pytest.raises(ValueError, match="X: the feature names should match those that were passed during fit"):
            call(df[["b", "a"]])
    with pytest.raises(ValueError, match="unlabeled: the feature names should match"):
        Cosine(MLP(max_steps=2, progress=False), self_training_steps=0, progress=False).fit(df, y,
                                                                                             unlabeled=df[["b", "a"]])


def test_cosine_refuses_a_metric_that_cannot_score_the_classes_before_stage_1():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = np.arange(60) % 3
    cos = Cosine(MLP(max_steps=5, progress=False), metric="auc", progress=False)
    with pytest.raises(ValueError, match="^Cosine: metric='auc' cannot score the 3 classes of y"):
        cos.fit(X, y, valid=(X[:9], y[:9]))
    assert not hasattr(cos, "model_")


def test_select_best_false_reports_the_model_it_returns():
    """Cosine(select_best=False) returns the last stage-2 model but reported best_step_ / best_valid_score_ of the
    best check, another model; a stage 2 stopped for want of confident rows counted the step it never took."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    Xv, yv = X[:40], y[:40]
    em = MLP(max_steps=300, eval_every=50, hidden_sizes=(16,), batch_size=32, lr=1e-2, progress=False)
    last = Cosine(em, self_training_steps=60, teacher_update=20, eval_every=10, progress=False, select_best=False
                  ).fit(X, y, valid=(Xv, yv), seed=1)
    valid = [h["valid"] for h in last.history_]
    assert max(valid) > valid[-1]  # the best check is not the last: the two reports differ
    assert last.best_step_ == last.n_self_training_steps_ == 60
    assert last.best_valid_score_ == valid[-1] == last.score(Xv, yv)
    best = Cosine(em, self_training_steps=60, teacher_update=20, eval_every=10, progress=False
                  ).fit(X, y, valid=(Xv, yv), seed=1)
    assert best.best_valid_score_ == max([best.stage1_valid_score_, *valid]) == best.score(Xv, yv)
    with pytest.warns(RuntimeWarning, match="only 0 row"):
        none = Cosine(MLP(max_steps=1, lr=1e-6, hidden_sizes=(16,), progress=False), self_training_steps=60,
                      thresh=0.99, progress=False, select_best=False).fit(X, y, valid=(Xv, yv), seed=1)
    assert none.n_self_training_steps_ == none.best_step_ == 0 and none.history_ == []
    assert none.best_valid_score_ == none.stage1_valid_score_ == none.score(Xv, yv)


def test_stage2_batch_size_is_32_by_default_and_the_end_models_with_none(monkeypatch):
    """The docstring said batch_size=None gives 'batch size 32 (paper)'; None takes the end model's batch size."""
    import weaksup.endmodel._torch as T

    sizes = []
    real = T.index_stream

    def spy(n, bs, rng):
        sizes.append(bs)
        return real(n, bs, rng)

    monkeypatch.setattr(T, "index_stream", spy)
    X = np.random.default_rng(0).normal(size=(400, 4))
    y = (X[:, 0] > 0).astype(int)
    for batch_size, stage2 in ((None, 128), (32, 32)):
        sizes.clear()
        Cosine(MLP(max_steps=20, batch_size=128, progress=False), batch_size=batch_size, self_training_steps=2,
               thresh=0.0, progress=False).fit(X, y, seed=0)
        assert sizes == [128, stage2]
    doc = " ".join(Cosine.__doc__.split())
    assert "batch_size : int, optional Stage-2 mini-batch size: 32 by default (the paper's); ``None`` takes the end " \
           "model's ``batch_size``" in doc


def test_a_refit_keeps_nothing_of_the_last_fit():
    """Cosine dropped only model_ before refitting: with keep_stage1=False the refit kept the first fit's
    stage1_model_ (3 classes, 3 features), which then refused the new features."""
    r = np.random.default_rng(0)
    y3 = r.integers(0, 3, 200)
    X3 = np.eye(3)[y3] * 2 + r.normal(size=(200, 3))
    y2 = r.integers(0, 2, 200)
    X2 = np.eye(2)[y2] * 2 + r.normal(size=(200, 2))
    c = Cosine(MLP(max_steps=30, hidden_sizes=(8,), n_threads=1, progress=False), self_training_steps=4,
               teacher_update=2, progress=False)
    c.fit(X3, y3, seed=0)
    c.set_params(keep_stage1=False).fit(X2, y2, seed=0)
    fresh = Cosine(**c.get_params(deep=False)).fit(X2, y2, seed=0)
    assert not hasattr(c, "stage1_model_")
    assert sorted(a for a in vars(c) if a.endswith("_")) == sorted(a for a in vars(fresh) if a.endswith("_"))
    np.testing.assert_array_equal(c.predict_proba(X2), fresh.predict_proba(X2))
