"""One contract across model families: the keywords, return shapes and warnings one family has, the others
have too (flows' ``score(seed=)``, sequence ``score(metric=[...])``, the never-firing-LF warning of sequence
models)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaksup.estimator_checks import FIXTURES, _make
from weaksup.flows import FeatureLabelModel, LabelLearningFlow
from weaksup.synthetic import make_votes


class _Uniform(FeatureLabelModel):
    """Every row an exact tie, so ``tie_break="true-random"`` draws on each one."""

    def __init__(self, cardinality: int | None = None) -> None:
        self.cardinality = cardinality

    def _fit(self, L, X, *, class_balance, valid, seed):
        pass

    def _predict_proba(self, L, X):
        return np.full((L.n, self.cardinality_), 1.0 / self.cardinality_)


@pytest.fixture(scope="module")
def flow_task():
    L, y, _ = make_votes(300, 4, 3, seed=0)
    X = np.random.default_rng(0).normal(size=(300, 2))
    return L, y, X


def test_flow_score_takes_seed_as_label_model_score_does(flow_task):
    L, y, X = flow_task
    model = _Uniform().fit(L, X)
    preds = model.predict(L, X, tie_break="true-random", seed=3)
    want = float(np.mean(preds == y))
    assert model.score(L, X, y, tie_break="true-random", seed=3) == want
    assert model.score(L, X, y, ["accuracy"], tie_break="true-random", seed=3) == {"accuracy": want}
    # an unseeded true-random score draws afresh; a seeded one repeats
    assert len({model.score(L, X, y, tie_break="true-random", seed=5) for _ in range(3)}) == 1
    with pytest.raises((TypeError, ValueError), match=r"_Uniform\.score"):
        model.score(L, X, y, tie_break="true-random", seed=-1)


@pytest.mark.filterwarnings("ignore:DawidSkene. EM stopped at max_iter")
def test_label_learning_flow_score_seed(flow_task):
    L, y, X = flow_task
    llf = LabelLearningFlow(n_epochs=1, n_flows=2, hidden=8).fit(L, X, seed=0)
    preds = llf.predict(L, X, tie_break="true-random", seed=0)
    assert llf.score(L, X, y, tie_break="true-random", seed=0) == float(np.mean(preds == y))
    assert llf.score(L, X, y) == llf.score(L, X, y, seed=None)  # the default rule is unchanged


@pytest.fixture(scope="module")
def seq_fit():
    data = FIXTURES["sequence"](3, 0)
    V = data.fit_args[0]
    model = _make("TokenMajorityVote", data.model_params).fit(V)
    gold = [["O"] * len(s) for s in model.predict(V)]  # every predicted span a false positive
    gold[0] = model.predict(V)[0]
    return model, V, gold


def test_sequence_label_model_score_takes_a_list_of_metrics(seq_fit):
    model, V, gold = seq_fit
    single = {m: model.score(V, gold, metric=m) for m in ("span_f1", "precision", "recall")}
    assert 0 < single["span_f1"] < 1
    assert model.score(V, gold, metric=["span_f1", "precision", "recall"]) == single
    assert model.score(V, gold, metric=("recall",)) == {"recall": single["recall"]}
    with pytest.warns(DeprecationWarning, match="metric='f1'"):
        assert model.score(V, gold, metric=["f1", "recall"]) == {"f1": single["span_f1"], "recall": single["recall"]}
    with pytest.raises(ValueError, match=r"metric\[1\] must be 'span_f1', 'precision' or 'recall', got 'accuracy'"):
        model.score(V, gold, metric=["span_f1", "accuracy"])
    with pytest.raises(ValueError, match=r"^metric must be 'span_f1', 'precision' or 'recall', got 'accuracy'"):
        model.score(V, gold, metric="accuracy")


def test_crf_tagger_score_takes_a_list_of_metrics():
    data = FIXTURES["end:sequence"](3, 0)
    crf = _make("CRFTagger", data.model_params).set_params(progress=False).fit(*data.fit_args, **data.fit_kwargs)
    sentences = data.predict_args[0]
    tags = crf.predict(*data.predict_args)
    gold = [["O"] * len(t) for t in tags]
    gold[0] = tags[0]
    single = {m: crf.score(sentences, gold, metric=m) for m in ("span_f1", "precision")}
    assert crf.score(sentences, gold, metric=["span_f1", "precision"]) == single


@pytest.mark.parametrize("name", ["TokenMajorityVote", "TokenDawidSkene", "HMM"])
def test_sequence_models_warn_once_about_an_lf_that_never_fires(name):
    data = FIXTURES["sequence"](3, 0)
    fit_args, _ = data.with_silent_lf()
    V = fit_args[0]
    j = V.lf_names.index("never_fires")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _make(name, data.model_params).fit(*fit_args)
    said = [str(w.message) for w in caught if "never fires" in str(w.message)]
    # the label, value and flow models' words, once (TokenDawidSkene's token model would say it again)
    assert said == [f"votes: LF 'never_fires' (column {j}) never fires on the {V.n_tokens} training tokens "
                    f"({V.n_sentences} sentences); it carries no information (drop it with SequenceVotes.select_lfs "
                    "to silence this warning)"]
    assert all(w.filename == __file__ for w in caught if "never fires" in str(w.message))  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every LF fires: no warning
        _make(name, data.model_params).fit(*data.fit_args)


@pytest.mark.filterwarnings("ignore:CRFTagger. L-BFGS stopped at max_iter")
def test_crf_tagger_pickled_before_progress_existed_loads_and_predicts():
    """A CRFTagger pickled before ``progress`` was added (5116739) was refused at unpickling (missing: progress);
    it loads as a fit without a bar, as it was, and predicts as before."""
    import pickle

    from weaksup.sequence import CRFTagger

    sents = [["aspirin", "helps"], ["take", "aspirin"], ["nothing", "here"]] * 5
    tags = [["B-Chem", "O"], ["O", "B-Chem"], ["O", "O"]] * 5
    crf = CRFTagger(max_iter=20, progress=False).fit(sents, tags, entity_types=["Chem"])

    class _Old:  # pickles as a CRFTagger whose state has no "progress"
        def __reduce__(self):
            state = {k: v for k, v in crf.__dict__.items() if k != "progress"}
            return (object.__new__, (CRFTagger,), state)

    old = pickle.loads(pickle.dumps(_Old()))
    assert type(old) is CRFTagger and "progress" not in old.__dict__
    assert old.progress is False and old.get_params()["progress"] is False
    assert old.predict(sents) == crf.predict(sents)
    np.testing.assert_array_equal(old.predict_proba(sents), crf.predict_proba(sents))


def test_repr_prints_only_changed_parameters_as_scikit_learn_does():
    """repr printed all parameters (MLP(max_steps=50): 18 of them, inside a Pipeline too) whatever scikit-learn's
    print_changed_only said; it follows it now, nested estimators included."""
    import sklearn
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from weaksup.labelmodel import DawidSkene, MajorityVote
    from weaksup.sequence import CRFTagger, TokenLabelModel

    assert repr(DawidSkene()) == "DawidSkene()"
    assert repr(DawidSkene(max_iter=50, init="uniform", tol=float("nan"))) == \
        "DawidSkene(max_iter=50, tol=nan, init='uniform')"  # __init__ order
    assert repr(DawidSkene(alpha=0.01, max_iter=300)) == "DawidSkene()"  # a default given explicitly is no change
    assert repr(TokenLabelModel(MajorityVote(soft=False), io=False)) == \
        "TokenLabelModel(label_model=MajorityVote(soft=False), io=False)"
    assert repr(CRFTagger(progress=False)) == "CRFTagger(progress=False)"
    assert "('crftagger', CRFTagger(c2=0.5))" in repr(make_pipeline(StandardScaler(), CRFTagger(c2=0.5)))
    with sklearn.config_context(print_changed_only=False):
        assert repr(CRFTagger(c2=0.5)) == \
            "CRFTagger(c2=0.5, max_iter=100, min_count=1, window=2, verbose=False, progress=True)"
        assert repr(TokenLabelModel(MajorityVote())).startswith("TokenLabelModel(label_model=MajorityVote(cardinality=")


def test_repr_without_scikit_learn_imported_does_not_import_it():
    import subprocess
    import sys

    code = ("import sys; from weaksup.labelmodel import DawidSkene; r = repr(DawidSkene(max_iter=5)); "
            "print(r, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["DawidSkene(max_iter=5)", "False"]  # scikit-learn's default, read without importing it


def test_cosine_check_params_give_a_small_end_model_built_afresh():
    """Cosine's check_params left end_model=None (MLP(): 256 hidden units, 2000 steps, every thread), so one
    estimator-check fit took minutes; they now give MLP's own check parameters, a new MLP for each model."""
    pytest.importorskip("torch")
    from weaksup.endmodel import MLP
    from weaksup.labelmodel import registry

    a, b = _make("Cosine"), _make("Cosine")
    assert isinstance(a.end_model, MLP) and a.end_model is not b.end_model
    assert a.end_model.get_params() == MLP(**registry.spec("MLP").check_params).get_params()
    assert (a.end_model.hidden_sizes, a.end_model.max_steps, a.end_model.n_threads) == ((16,), 100, 1)
    a.set_params(end_model__lr=0.5)
    assert b.end_model.lr != 0.5 and _make("Cosine").end_model.lr != 0.5  # nothing shared through the registry
    assert dict(registry.spec("Cosine").check_params)["self_training_steps"] == 4


def test_registry_import_builds_no_check_estimator():
    import subprocess
    import sys

    code = ("import sys; from weaksup.labelmodel import registry; print(registry.spec('Cosine').check_params); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "False"
    assert "'end_model': _check_mlp()" in out
