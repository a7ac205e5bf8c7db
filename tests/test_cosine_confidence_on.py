"""Cosine(confidence_on=...): the confidence ω = 1 − H(·)/log C on the sharpened pseudo-labels ỹ (default,
unchanged) or, as the paper and algorithms.md §3.12 step 3 define it, on the teacher's probabilities f."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("torch")

from weaksup.endmodel import MLP, Cosine, confidence_weights, sharpen  # noqa: E402


def _task():
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 5)) + 0.6 * y[:, None]
    soft = np.eye(2)[np.where(rng.random(n) < 0.75, y, 1 - y)]
    return X, soft


def _first_refresh(confidence_on: str | None) -> tuple[Cosine, np.ndarray]:
    X, soft = _task()
    kw = {} if confidence_on is None else {"confidence_on": confidence_on}
    cos = Cosine(MLP(max_steps=60, n_threads=1), self_training_steps=1, teacher_update=1, thresh=0.6,
                 keep_stage1=True, progress=False, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cos.fit(X, soft, seed=0)
    f = cos.stage1_model_.predict_proba(X)  # the teacher at the first refresh is the stage-1 model
    return cos, f


def test_teacher_rule_selects_on_the_teacher_probabilities():
    cos, f = _first_refresh("teacher")
    n_teacher = int((confidence_weights(f) > 0.6).sum())
    assert cos.teacher_history_[0]["n_confident"] == n_teacher
    assert n_teacher < int((confidence_weights(sharpen(f)) > 0.6).sum())  # sharpening makes rows more confident


def test_default_stays_on_the_sharpened_labels():
    cos, f = _first_refresh(None)
    assert cos.confidence_on == "sharpened"
    assert cos.teacher_history_[0]["n_confident"] == int((confidence_weights(sharpen(f)) > 0.6).sum())


def test_unknown_confidence_on_is_refused():
    X, soft = _task()
    with pytest.raises(ValueError, match="confidence_on"):
        Cosine(MLP(max_steps=5), confidence_on="labels", progress=False).fit(X, soft)
