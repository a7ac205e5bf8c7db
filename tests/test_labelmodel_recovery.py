"""Synthetic recovery (known LF accuracies) and the snorkel peer check."""

from __future__ import annotations

import numpy as np
import pytest

from weaksup import VoteMatrix
from weaksup.labelmodel import EBCC, DawidSkene, FlyingSquid, MatrixCompletion
from weaksup.synthetic import make_votes

from conftest import needs_wrench


@pytest.fixture(scope="module", params=[2, 4])
def synthetic(request):
    k = request.param
    L, y, params = make_votes(100_000, 10, k, seed=100 + k)
    return k, L, y, params


@pytest.mark.slow
@pytest.mark.parametrize("factory", [
    lambda k: DawidSkene(cardinality=k),
    # snorkel's default 100 SGD epochs stop short at k = 4 (max error 0.13); 500 converge
    lambda k: MatrixCompletion(cardinality=k, n_epochs=500),
    lambda k: FlyingSquid(cardinality=k),
    lambda k: EBCC(cardinality=k, repeat=2),
], ids=["DawidSkene", "MatrixCompletion", "FlyingSquid", "EBCC"])
def test_recovers_lf_accuracies(synthetic, factory) -> None:
    k, L, y, params = synthetic
    model = factory(k).fit(L, seed=0)
    err = np.abs(model.lf_accuracies() - params["accuracies"])
    assert err.max() < 0.03, (type(model).__name__, k, err.round(4))
    # and the labels are nearly as good as the Bayes-optimal rule with the true parameters
    acc = params["accuracies"]
    w = np.log((k - 1) * acc / (1 - acc))
    d = L.to_dense()
    scores = np.stack([((d == c) * w).sum(1) for c in range(k)], 1)
    oracle = (scores.argmax(1) == y)[(d != -1).any(1)].mean()
    ours = (model.predict(L) == y)[(d != -1).any(1)].mean()
    assert ours > oracle - 0.01, (ours, oracle)


def _snorkel_predict(L: np.ndarray, k: int, seed: int, **kw) -> np.ndarray:
    import logging

    import torch
    from snorkel.labeling.model import LabelModel as SnorkelLabelModel

    torch.set_num_threads(1)
    logging.disable(logging.INFO)
    s = SnorkelLabelModel(cardinality=k, verbose=False)
    s.fit(L, seed=seed, progress_bar=False, **kw)
    return s.predict(L, tie_break_policy="random")


@pytest.mark.parametrize("k", [2, 3])
def test_matrix_completion_agrees_with_snorkel_synthetic(k: int) -> None:
    L, _, _ = make_votes(20_000, 8, k, seed=7)
    ours = MatrixCompletion(cardinality=k, class_balance_source="uniform").fit(L, seed=123).predict(L)
    theirs = _snorkel_predict(L.to_snorkel(), k, 123)
    assert (ours == theirs).mean() >= 0.99


def test_matrix_completion_agrees_with_snorkel_options() -> None:
    L, y, _ = make_votes(5000, 6, 3, seed=9)
    cb = [0.2, 0.3, 0.5]
    kw = dict(n_epochs=60, lr=0.005, l2=0.1, optimizer="adam", lr_scheduler="exponential")
    ours = MatrixCompletion(cardinality=3, **kw).fit(L, seed=4, class_balance=cb).predict(L)
    theirs = _snorkel_predict(L.to_snorkel(), 3, 4, class_balance=cb, **kw)
    assert (ours == theirs).mean() >= 0.99


@needs_wrench
@pytest.mark.slow
@pytest.mark.parametrize("name", ["youtube", "sms", "trec", "imdb", "tennis", "commercial"])
def test_matrix_completion_agrees_with_snorkel_wrench(wrench_dir, name: str) -> None:
    from weaksup.data import load_wrench

    ds = load_wrench(name, wrench_dir)
    L = ds.train.votes
    yv = ds.valid.labels
    ours = MatrixCompletion(cardinality=ds.cardinality).fit(L, valid=(ds.valid.votes, yv), seed=1).predict(L)
    theirs = _snorkel_predict(L.to_snorkel(), ds.cardinality, 1, Y_dev=yv)
    assert (ours == theirs).mean() >= 0.99


@needs_wrench
def test_majority_vote_reproduces_published_wrench(wrench_dir) -> None:
    from weaksup.data import load_wrench
    from weaksup.labelmodel import MajorityVote

    expected = {"youtube": ("accuracy", 84.00), "sms": ("f1_binary", 23.97), "trec": ("accuracy", 60.80),
                "semeval": ("accuracy", 77.33)}
    for name, (metric, value) in expected.items():
        ds = load_wrench(name, wrench_dir)
        mv = MajorityVote().fit(ds.train.votes)
        assert round(100 * mv.score(ds.test.votes, ds.test.labels, metric=metric), 2) == value
