"""``metric`` is the third argument of ``score`` for the sequence label models and universal WS, as for label
models, flows and end models: ``score(votes, y, "accuracy")`` is ``score(votes, y, metric="accuracy")``.

It used to be keyword-only there, so the positional call raised TypeError.
"""
from __future__ import annotations

import inspect
import warnings

import pytest

from weaksup.estimator_checks import FIXTURES, _make
from weaksup.labelmodel import MajorityVote
from weaksup.sequence import HMM, SequenceLabelModel, TokenDawidSkene, TokenLabelModel, TokenMajorityVote
from weaksup.universal import FiniteMetricSpace, RealSpace, UniversalLabelModel, make_synthetic
from weaksup.universal.base import ValueLabelModel


def _metric_param(cls):
    params = list(inspect.signature(cls.score).parameters.values())
    return params.index(inspect.signature(cls.score).parameters["metric"]), params[3]


@pytest.mark.parametrize("cls", [TokenMajorityVote, TokenDawidSkene, TokenLabelModel, HMM, SequenceLabelModel,
                                 UniversalLabelModel, ValueLabelModel], ids=lambda c: c.__name__)
def test_metric_is_the_third_argument_as_on_a_label_model(cls):
    (i, p), (j, q) = _metric_param(cls), _metric_param(MajorityVote)
    assert i == j == 3 and p.name == q.name == "metric"  # self, votes, y, metric
    assert p.kind is q.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD


@pytest.mark.parametrize("name", ["TokenMajorityVote", "TokenDawidSkene", "HMM"])
def test_sequence_label_models_score_positional_equals_keyword(name):
    data = FIXTURES["sequence"](3, 0)
    V = data.fit_args[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _make(name, data.model_params).fit(V)
    gold = model.predict(V)
    gold = [["O"] * len(t) for t in gold[:10]] + gold[10:]  # some spans missed: precision != recall
    for metric in ("span_f1", "precision", "recall", ["precision", "recall"]):
        assert model.score(V, gold, metric) == model.score(V, gold, metric=metric)
    assert model.score(V, gold, "recall") != model.score(V, gold, "span_f1")  # the argument is read
    assert model.score(V, gold) == model.score(V, gold, "span_f1")


def test_universal_score_positional_equals_keyword():
    space = FiniteMetricSpace([[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    votes, y = make_synthetic(space, [2.0, 1.5, 1.0, 0.8], 300, seed=0, abstain=0.2)
    lm = UniversalLabelModel(space).fit(votes)
    for metric in ("accuracy", "mean_distance", ["accuracy", "mean_distance"]):
        assert lm.score(votes, y, metric) == lm.score(votes, y, metric=metric)
    assert lm.score(votes, y, "accuracy") != lm.score(votes, y, "mean_distance")
    real = RealSpace()
    votes, y = make_synthetic(real, [2.0, 1.5, 1.0], 200, seed=1)
    lm = UniversalLabelModel(real).fit(votes)
    assert lm.score(votes, y, "mae") == lm.score(votes, y, metric="mae") != lm.score(votes, y)
    with pytest.raises(ValueError, match="unknown metric 'accuracy' for RealSpace"):
        lm.score(votes, y, "accuracy")


@pytest.mark.filterwarnings("ignore:CRFTagger. L-BFGS stopped at max_iter")
def test_crf_tagger_score_takes_metric_third_as_a_label_model():
    """The tagging end model's ``score(sentences, tags, metric)``: ``metric`` was keyword-only after ``dense``."""
    from weaksup.sequence import CRFTagger

    params = list(inspect.signature(CRFTagger.score).parameters.values())
    assert params[3].name == "metric" and params[3].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    sents = [["aspirin", "helps"], ["take", "aspirin"], ["nothing", "here"], ["aspirin", "cures"]] * 5
    tags = [["B-Chem", "O"], ["O", "B-Chem"], ["O", "O"], ["O", "O"]] * 5
    crf = CRFTagger(max_iter=20, progress=False).fit(sents, tags, entity_types=["Chem"])
    gold = [["B-Chem", "O"] if s[0] == "aspirin" else t for s, t in zip(sents, tags)]  # spans the CRF misses
    for metric in ("span_f1", "precision", "recall", ["precision", "recall"]):
        assert crf.score(sents, gold, metric) == crf.score(sents, gold, metric=metric)
    assert crf.score(sents, gold, "precision") != crf.score(sents, gold, "recall")  # the argument is read
