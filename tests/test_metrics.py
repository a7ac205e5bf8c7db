"""weaksup.metrics against scikit-learn on random inputs, plus hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from weaksup import metrics as M


def _random(rng, n, k, abstain=0.0):
    y = rng.integers(0, k, n)
    p = rng.integers(0, k, n)
    if abstain:
        p[rng.random(n) < abstain] = -1
    probs = rng.dirichlet(np.ones(k), n)
    return y, p, probs


@pytest.mark.parametrize("seed", range(20))
def test_label_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(1, 200))
    y, p, _ = _random(rng, n, k)
    assert M.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert M.f1_macro(y, p) == pytest.approx(skm.f1_score(y, p, average="macro", zero_division=0))
    assert M.f1_micro(y, p) == pytest.approx(skm.f1_score(y, p, average="micro", zero_division=0))
    for pos in (1, 0):
        kw = dict(labels=list(range(k)), average=None, zero_division=0)
        P, R, F, _ = skm.precision_recall_fscore_support(y, p, **kw)
        assert M.f1_binary(y, p, pos_label=pos) == pytest.approx(F[pos])
        assert M.precision_binary(y, p, pos_label=pos) == pytest.approx(P[pos])
        assert M.recall_binary(y, p, pos_label=pos) == pytest.approx(R[pos])


@pytest.mark.parametrize("seed", range(10))
def test_abstain_counts_as_wrong(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 5))
    y, p, _ = _random(rng, 150, k, abstain=0.3)
    labels = list(range(k))
    assert M.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert M.f1_micro(y, p) == pytest.approx(skm.f1_score(y, p, labels=labels, average="micro", zero_division=0))
    present = sorted(set(y) | set(p[p >= 0]))
    assert M.f1_macro(y, p) == pytest.approx(skm.f1_score(y, p, labels=present, average="macro", zero_division=0))
    assert M.f1_binary(y, p) == pytest.approx(skm.f1_score(y, p, labels=labels, average=None, zero_division=0)[1])


@pytest.mark.parametrize("seed", range(20))
def test_probability_metrics_match_sklearn(seed):
    rng = np.random.default_rng(200 + seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(5, 300))
    y, _, probs = _random(rng, n, k)
    y[:k] = np.arange(k)  # every class present
    assert M.log_loss(y, probs) == pytest.approx(skm.log_loss(y, probs, labels=list(range(k))))
    onehot = np.eye(k)[y]
    assert M.brier(y, probs) == pytest.approx(np.mean(np.sum((probs - onehot) ** 2, axis=1)))
    yb = (y == 1).astype(int)
    s = probs[:, 1].round(1)  # many ties
    assert M.roc_auc(yb, s) == pytest.approx(skm.roc_auc_score(yb, s))
    if k == 2:
        assert M.brier(y, probs) == pytest.approx(2 * skm.brier_score_loss(y, probs[:, 1]))
        assert M.roc_auc(y, probs) == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))


def test_hand_computed():
    y = [1, 1, 0, 0, 1]
    p = [1, 0, 1, 0, -1]
    # tp=1, fp=1, fn=2 -> P=1/2, R=1/3, F=0.4
    assert M.precision_binary(y, p) == 0.5
    assert M.recall_binary(y, p) == pytest.approx(1 / 3)
    assert M.f1_binary(y, p) == pytest.approx(0.4)
    assert M.accuracy(y, p) == pytest.approx(0.4)
    assert M.log_loss([0], [[0.25, 0.75]]) == pytest.approx(np.log(4))
    assert M.brier([0], [[0.25, 0.75]]) == pytest.approx(0.75**2 * 2)
    assert M.roc_auc([0, 1], [0.3, 0.3]) == 0.5
    assert np.isnan(M.roc_auc([1, 1], [0.1, 0.2]))


def test_score_dispatch_and_errors():
    y = [0, 1, 1]
    probs = np.array([[0.8, 0.2], [0.4, 0.6], [0.7, 0.3]])
    assert M.score("accuracy", y, probs=probs) == pytest.approx(2 / 3)
    assert M.score("acc", y, [0, 1, 1]) == 1.0
    assert M.score("f1", y, [0, 1, 0]) == pytest.approx(2 / 3)
    assert M.score("auc", y, probs=probs) == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))
    with pytest.raises(ValueError, match="needs probabilities"):
        M.score("logloss", y, [0, 1, 1])
    with pytest.raises(ValueError, match="unknown metric"):
        M.score("bleu", y, [0, 1, 1])
    with pytest.raises(ValueError, match="3 entries but y_pred has 2"):
        M.accuracy(y, [0, 1])
    assert M.score("f1", y, [0, 1, 0]) == M.score("f1_binary", y, [0, 1, 0])  # "f1" is binary F1


def test_span_f1_registered_by_sequence():
    from weaksup.sequence.metrics import span_f1

    assert "span_f1" in M.METRICS
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-ORG"]]
    # gold spans: PER(0,2), LOC(3,4), ORG; pred: PER, ORG(3,4), ORG -> tp=2, fp=1, fn=1
    assert M.score("span_f1", gold, pred) == pytest.approx(2 / 3) == span_f1(gold, pred)
    with pytest.warns(DeprecationWarning, match="weaksup.sequence.metrics.span_f1"):
        assert M.span_f1(gold, pred) == span_f1(gold, pred)
    with pytest.raises(ValueError, match="needs predicted tag sequences"):
        M.score("span_f1", gold)


def test_register_metric():
    M.register_metric("test_error_rate", lambda y, p: 1.0 - M.accuracy(y, p), aliases=("test_err",))
    try:
        assert "test_err" in M.METRICS and M.score("test_err", [0, 1], probs=[[0.9, 0.1], [0.9, 0.1]]) == 0.5
    finally:
        for key in ("test_error_rate", "test_err"):
            M._REGISTRY.pop(key)
    with pytest.raises(ValueError, match="needs must be one of"):
        M.register_metric("x", M.accuracy, needs="tokens")
    with pytest.raises(TypeError, match="must be callable"):
        M.register_metric("x", 3)
