"""End-model contract: soft labels, peers, early stopping, determinism, bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from weaksup.endmodel import LogisticRegression

try:  # small torch fits are 10-50x slower multi-threaded on a busy 2-core box
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass


def _blobs(n=300, k=3, d=5, seed=0, spread=1.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    mu = rng.normal(0, 2.0, (k, d))
    return mu[y] + rng.normal(0, spread, (n, d)), y


def _onehot(y, k):
    P = np.zeros((len(y), k))
    P[np.arange(len(y)), y] = 1.0
    return P


def test_import_is_light():
    code = "import sys, weaksup.endmodel, weaksup.pipeline; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------ LogisticRegression
def test_lr_matches_sklearn_multinomial():
    from sklearn.linear_model import LogisticRegression as SkLR

    X, y = _blobs(spread=2.0)
    ours = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    sk = SkLR(C=0.5, tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(ours.coef_.T, sk.coef_, atol=1e-3)


def test_lr_binary_equals_sklearn_at_twice_c_and_scores_like_it():
    """Two classes: a two-column softmax with both columns penalised is scikit-learn's one-logit model at 2·C
    (docs/end_models.md); decision_function is the log-odds, shape (n,), so scikit-learn's roc_auc scorer works."""
    from sklearn.linear_model import LogisticRegression as SkLR
    from sklearn.model_selection import cross_val_score

    X, y = _blobs(k=2, spread=1.0)
    ours = LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    sk = SkLR(C=1.0, tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(ours.decision_function(X), sk.decision_function(X), atol=1e-4)
    assert ours.decision_function(X).shape == (len(y),)
    scores = cross_val_score(LogisticRegression(C=0.5), X, y, scoring="roc_auc", cv=3, error_score="raise")
    assert np.all(scores > 0.5)


def test_lr_soft_labels_equal_weighted_hard_copies():
    # a soft row (0.7, 0.3) is the same objective as two hard copies weighted 0.7 and 0.3
    X, y = _blobs(n=120, k=2, spread=2.5)
    rng = np.random.default_rng(3)
    p1 = rng.uniform(0, 1, len(y))
    soft = np.c_[1 - p1, p1]
    a = LogisticRegression(C=2.0, tol=1e-10).fit(X, soft)
    Xd = np.r_[X, X]
    yd = np.r_[np.zeros(len(y), int), np.ones(len(y), int)]
    b = LogisticRegression(C=2.0, tol=1e-10).fit(Xd, yd, sample_weight=np.r_[1 - p1, p1])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    # and soft training is not hard training on the argmax
    c = LogisticRegression(C=2.0, tol=1e-10).fit(X, soft.argmax(1))
    assert np.abs(c.coef_ - a.coef_).max() > 1e-2


def test_soft_onehot_equals_hard_lr():
    X, y = _blobs()
    a = LogisticRegression().fit(X, y)
    b = LogisticRegression().fit(X, _onehot(y, 3))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-10)


def test_lr_sparse_equals_dense_and_early_stopping():
    X, y = _blobs(n=200, spread=2.5)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    a = LogisticRegression(C=3.0).fit(Xs, y)
    b = LogisticRegression(C=3.0).fit(Xs.toarray(), y)
    np.testing.assert_allclose(a.predict_proba(Xs), b.predict_proba(Xs.toarray()), atol=1e-8)
    Xv, yv = _blobs(n=100, spread=2.5, seed=0)
    es = LogisticRegression(C=1e4, patience=3, metric="f1_macro").fit(X, y, valid=(Xv, yv))
    assert es.history_ and es.best_valid_score_ == pytest.approx(max(h["valid"] for h in es.history_))
    assert es.score(Xv, yv, metric="f1_macro") == pytest.approx(es.best_valid_score_)
    assert es.n_iter_ <= es.best_iter_ + 3 + 1
    assert set(es.score(Xv, yv, metric=["accuracy", "logloss"])) == {"accuracy", "logloss"}


def test_params_roundtrip_and_sklearn_clone():
    from sklearn.base import clone

    lr = LogisticRegression(C=3.0, metric="f1_binary")
    c = clone(lr)
    assert c.get_params() == lr.get_params() and c is not lr
    lr.set_params(C=0.1)
    assert lr.C == 0.1
    with pytest.raises(ValueError, match="invalid parameter 'gamma'"):
        lr.set_params(gamma=1)
    from weaksup._validation import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        LogisticRegression().predict(np.zeros((2, 2)))


def test_vocabulary_and_deprecated_aliases():
    """cardinality / seed / progress; n_classes, random_state, progress_bar still work with a warning."""
    with pytest.warns(DeprecationWarning) as rec:
        lr = LogisticRegression(n_classes=3, random_state=1, progress_bar=False)
    assert sorted(str(w.message).split("'")[1] for w in rec) == ["n_classes", "progress_bar", "random_state"]
    assert (lr.cardinality, lr.seed, lr.progress) == (3, 1, False)
    assert "n_classes" not in lr.get_params()
    with pytest.warns(DeprecationWarning, match="parameter 'n_classes'"):
        lr.set_params(n_classes=4)
    assert lr.cardinality == 4
    with pytest.warns(DeprecationWarning):
        assert lr.n_classes == 4
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    lr = LogisticRegression(cardinality=3).fit(X, y)
    assert lr.cardinality_ == 3 and lr.cardinality == 3 and lr.predict_proba(X).shape == (4, 3)
    with pytest.warns(DeprecationWarning):
        assert lr.n_classes_ == 3
    unset = LogisticRegression()
    unset.fit(X, y)
    assert unset.cardinality is None and unset.cardinality_ == 2  # fit never writes constructor params


def test_predict_ties_follow_label_model_rule():
    """EndModel.predict / score break ties like label models (weaksup.metrics.probs_to_preds)."""
    from weaksup.metrics import probs_to_preds

    X = np.zeros((40, 1))  # all-zero features: every row's probabilities tie exactly
    lr = LogisticRegression(fit_intercept=False).fit(X, np.array([0, 1] * 20))
    probs = lr.predict_proba(X)
    np.testing.assert_allclose(probs, 0.5)
    expected = probs_to_preds(probs, "random")
    assert len(set(expected.tolist())) == 2  # sha1 rule, not argmax's all-zeros
    np.testing.assert_array_equal(lr.predict(X), expected)
    y = np.zeros(40, int)
    assert lr.score(X, y) == pytest.approx(float((expected == 0).mean()))
    assert (lr.predict(X, tie_break="abstain") == -1).all()


# ------------------------------------------------------------ bad input (acceptance 5)
@pytest.mark.parametrize("y, match", [
    (np.array([0, 1, 0]), "X has 4 rows but y has 3"),
    (np.array([[0.5, 0.4], [0.5, 0.5], [1, 0], [0, 1]]), "row 0 sums to 0.9, not 1"),
    (np.array([[0.5, 0.5], [np.nan, 0.5], [1, 0], [0, 1]]), "NaN or inf at row 1"),
    (np.array([[0.5, 0.5], [1.2, -0.2], [1, 0], [0, 1]]), "negative probability at row 1"),
    (np.array([-1, -1, -1, -1]), "no covered examples"),
    (np.array([1, 1, -1, 1]), r"single class \(1\)"),
    (np.array([[1, 0], [0.5, 0.5], [1, 0], [0.5, 0.5]]), r"single class \(0\) on all 2 rows that are not uniform"),
    (np.array([[0.5, 0.5]] * 4), r"uniform \(1/k on every class\) on all 4 rows"),
    (np.array([0, 1.5, 0, 1]), "integer classes; row 1"),
    (np.array([0, 1, np.nan, 1]), "NaN at row 2"),
    (np.array([0, 1, np.inf, 1]), "y: inf at row 2"),  # was "class -9223372036854775808 ... negative"
])
def test_bad_targets_raise_clear_errors(y, match):
    with pytest.raises(ValueError, match=match):
        LogisticRegression().fit(np.zeros((4, 2)), y)


@pytest.mark.parametrize("y", [np.zeros(0, int), np.zeros((0, 2))])
def test_zero_rows_say_zero_rows_not_all_abstain(y):
    """0-row X with hard labels said 'all 0 labels in y are -1 (abstain)'."""
    with pytest.raises(ValueError, match=r"^no covered examples: X and y have 0 rows; an end model needs at least "
                                         r"one labelled row$"):
        LogisticRegression().fit(np.zeros((0, 3)), y)


def test_bad_features_and_valid():
    y = np.array([0, 1, 0, 1])
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="NaN or inf at row 2"):
        LogisticRegression().fit(np.where(np.arange(8).reshape(4, 2) == 5, np.nan, X), y)
    with pytest.raises(ValueError, match="list of texts"):
        LogisticRegression().fit(["a", "b", "c", "d"], y)
    with pytest.raises(ValueError, match="X_valid has 2 rows but y_valid has 3"):
        LogisticRegression().fit(X, y, valid=(X[:2], [0, 1, 0]))
    with pytest.raises(ValueError, match="y_valid: class 2"):
        LogisticRegression().fit(X, y, valid=(X[:2], [0, 2]))
    with pytest.raises(ValueError, match="sample_weight must be finite"):
        LogisticRegression().fit(X, y, sample_weight=[1, -1, 1, 1])
    with pytest.raises(ValueError, match="metric 'nope'"):
        LogisticRegression(metric="nope").fit(X, y)
    lr = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="3 features; the model was fitted on 2"):
        lr.predict(np.zeros((1, 3)))


def test_single_class_error_says_how_many_minus_one_rows_were_dropped():
    """Labels {-1, +1}: the -1 rows are dropped as abstains and the error said only "a single class (1) on all 92
    rows", leaving the user to guess where the other 108 went."""
    X = np.random.default_rng(0).normal(size=(200, 2))
    y = np.where(X[:, 0] > 0, 1, -1)
    with pytest.raises(ValueError, match=r"single class \(1\) on all 92 rows; an end model needs at least 2 classes "
                                         r"to learn \(108 row\(s\) labelled -1 were dropped: -1 means ABSTAIN"):
        LogisticRegression().fit(X, y)


def test_minus_one_rows_are_dropped():
    X, y = _blobs(n=60, k=2, spread=0.5)
    y2 = y.copy()
    y2[:10] = -1
    a = LogisticRegression().fit(X, y2)
    b = LogisticRegression().fit(X[10:], y[10:])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10)


@pytest.mark.parametrize("name", ["LogisticRegression", "MLP"])
def test_sample_weight_checked_on_the_rows_kept_after_dropping_minus_one(name):
    """All the weight on -1 rows (which are dropped): an error, not NaN probabilities or a constant model."""
    from weaksup.labelmodel import registry

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] > 0).astype(int)
    y[:20] = -1
    w = np.zeros(200)
    w[:20] = 1.0
    model = registry.get_model(name)(**({"max_steps": 5, "progress": False} if name == "MLP" else {}))
    with pytest.raises(ValueError, match=r"sample_weight sums to 0 over the 180 labelled rows.*20 row\(s\) "
                                         r"labelled -1"):
        model.fit(X, y, sample_weight=w)
    w[25] = 1.0  # one weighted labelled row leaves one class: refused (95f0930)
    with pytest.raises(ValueError, match=r"sample_weight leaves a single class"):
        model.fit(X, y, sample_weight=w)
    w[np.nonzero((y >= 0) & (y != y[25]))[0][0]] = 1.0  # a weighted labelled row of each class: fits
    assert np.isfinite(model.fit(X, y, sample_weight=w).predict_proba(X[:3])).all()


def test_end_models_are_scikit_learn_classifiers():
    from sklearn.base import is_classifier
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import get_tags

    from weaksup.endmodel import MLP, Cosine, TransformerClassifier

    X, y = _blobs(n=120, k=2, spread=0.5)
    for model in (LogisticRegression(), MLP(), Cosine(MLP()), TransformerClassifier()):
        assert is_classifier(model), type(model).__name__
    assert get_tags(LogisticRegression()).input_tags.sparse
    assert get_tags(TransformerClassifier()).input_tags.string and not get_tags(Cosine()).input_tags.string
    scores = cross_val_score(LogisticRegression(), X, y, cv=3)  # an int cv: stratified folds for a classifier
    assert scores.shape == (3,) and scores.min() > 0.9
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=KFold(3)).fit(X, y)
    assert search.best_params_["C"] in (0.1, 1.0)
    assert make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y).score(X, y) > 0.9


# ------------------------------------------------------------ MLP (torch)
def test_n_threads_leaves_torchs_thread_count_as_it_was():
    import torch

    from weaksup.endmodel import MLP, Cosine

    X, y = _blobs(n=60, k=2)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        m = MLP(hidden_sizes=(4,), max_steps=3, progress=False, n_threads=1).fit(X, y, seed=0)
        assert torch.get_num_threads() == 2
        m.predict(X)
        m.transform(X)
        assert torch.get_num_threads() == 2
        Cosine(MLP(hidden_sizes=(4,), max_steps=3, progress=False, n_threads=1), self_training_steps=2,
               teacher_update=1, thresh=0.0, progress=False).fit(X, y, seed=0)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)



def test_mlp_soft_onehot_equals_hard_and_is_deterministic():
    import torch  # noqa: F401  (test extra)
    from weaksup.endmodel import MLP

    X, y = _blobs(n=200, spread=2.0)
    kw = dict(hidden_sizes=(16,), lr=1e-2, max_steps=60, batch_size=32, progress=False)
    a = MLP(**kw).fit(X, y, seed=7)
    b = MLP(**kw).fit(X, _onehot(y, 3), seed=7)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    c = MLP(**kw).fit(X, y, seed=8)
    assert np.abs(c.predict_proba(X) - a.predict_proba(X)).max() > 1e-4
    assert a.score(X, y) > 0.8
    assert a.transform(X).shape == (200, 16)


def test_mlp_early_stopping_keeps_best_and_sparse_input():
    import torch  # noqa: F401  (test extra)
    from weaksup.endmodel import MLP

    X, y = _blobs(n=300, k=2, spread=3.0)
    Xv, yv = _blobs(n=100, k=2, spread=3.0, seed=0)
    m = MLP(hidden_sizes=(32,), max_steps=400, eval_every=10, patience=3, progress=False, metric="f1_binary")
    m.fit(X, y, valid=(Xv, yv), seed=0)
    assert m.best_valid_score_ == pytest.approx(max(h["valid"] for h in m.history_))
    assert m.score(Xv, yv) == pytest.approx(m.best_valid_score_)
    assert m.n_steps_ <= m.best_step_ + 3 * 10
    ms = MLP(hidden_sizes=(8,), max_steps=30, progress=False).fit(sp.csr_matrix(X), y, seed=0)
    md = MLP(hidden_sizes=(8,), max_steps=30, progress=False).fit(X, y, seed=0)
    np.testing.assert_allclose(ms.predict_proba(X), md.predict_proba(sp.csr_matrix(X)), atol=1e-5)
    with pytest.raises(ValueError, match="single class"):
        MLP(progress=False).fit(X, np.ones(300, int))


# ------------------------------------------------------------------ hyper-parameters
BAD_PARAMS = [
    ("LogisticRegression", {"C": -1.0}, "'C' must be a number in (0, inf); got -1.0"),
    ("LogisticRegression", {"max_iter": 0}, "'max_iter' must be an int in [1, inf]; got 0"),
    ("LogisticRegression", {"tol": -1e-3}, "'tol' must be a number in [0, inf]"),
    ("MLP", {"hidden_sizes": (64, 0)}, "'hidden_sizes' must be a tuple or list of positive ints"),
    ("MLP", {"hidden_sizes": 256}, "'hidden_sizes' must be a tuple or list of positive ints"),
    ("MLP", {"dropout": 1.0}, "'dropout' must be a number in [0, 1)"),
    ("MLP", {"batch_size": 0}, "'batch_size' must be an int in [1, inf]"),
    ("MLP", {"max_steps": 0}, "'max_steps' must be an int in [1, inf]"),
    ("MLP", {"eval_every": 0}, "'eval_every' must be an int in [1, inf]"),
    ("MLP", {"patience": -1}, "'patience' must be None or an int in [0, inf]"),
    ("MLP", {"scheduler": "cosine"}, "'scheduler' must be one of ['constant', 'linear']; got 'cosine'"),
    ("MLP", {"warmup_ratio": 2.0}, "'warmup_ratio' must be a number in [0, 1]"),
    ("MLP", {"weight_decay": -1.0}, "'weight_decay' must be a number in [0, inf]"),
    ("MLP", {"max_grad_norm": 0.0}, "'max_grad_norm' must be None or a number in (0, inf)"),
    ("MLP", {"n_threads": 0}, "'n_threads' must be None or an int in [1, inf]"),
    ("MLP", {"device": "gpu"}, "'device' must be a torch device this machine has: 'cpu'"),
    ("TransformerClassifier", {"max_length": 0}, "'max_length' must be an int in [1, inf]"),
    ("TransformerClassifier", {"freeze_layers": -1}, "'freeze_layers' must be an int in [0, inf]"),
    ("Cosine", {"thresh": 1.0}, "'thresh' must be a number in [0, 1)"),
    ("Cosine", {"distance": "l1"}, "'distance' must be one of ['l2', 'cos']; got 'l1'"),
    ("Cosine", {"teacher_update": 0}, "'teacher_update' must be an int in [1, inf]"),
]


@pytest.mark.parametrize("name,params,message", BAD_PARAMS, ids=[f"{n}-{next(iter(p))}" for n, p, _ in BAD_PARAMS])
def test_bad_end_model_hyper_parameter_is_a_value_error_naming_it(name, params, message):
    import re

    from weaksup.labelmodel import registry

    model = registry.get_model(name)(**params)
    X = np.random.default_rng(0).normal(size=(20, 3)) if name != "TransformerClassifier" else ["a b"] * 20
    with pytest.raises(ValueError, match=f"^{name}: parameter " + re.escape(message)):
        model.fit(X, np.arange(20) % 2)


def test_device_the_machine_lacks_is_a_value_error_naming_it():
    import torch

    from weaksup.endmodel import MLP

    # a CUDA device this machine lacks: any on a CPU-only machine, one past the last otherwise
    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    device = f"cuda:{n}" if n else "cuda"
    with pytest.raises(ValueError, match=r"MLP: parameter 'device' must be a torch device this machine has: 'cpu'"
                                         + (r".*" if n else r"; torch .* sees no CUDA device.*") + f"; got '{device}'"):
        MLP(device=device).fit(np.zeros((4, 2)), [0, 1, 0, 1])


def test_score_wants_a_gold_class_on_every_row():
    """score() accepted gold -1 (scored as a class) and classes the model does not have."""
    X = np.array([[0.0], [0.2], [0.9], [1.1]])
    lr = LogisticRegression(C=100.0).fit(X, np.array([0, 0, 1, 1]))
    with pytest.raises(ValueError, match=r"y: value -1 at row 1 is outside 0\.\.1"):
        lr.score(X, [0, -1, 1, 1])
    with pytest.raises(ValueError, match=r"y: value 2 at row 3 is outside 0\.\.1"):
        lr.score(X, [0, 0, 1, 2], metric="logloss")
    assert lr.score(X, [0, 0, 1, 1]) == 1.0


def test_take_rows_reads_pandas_by_position():
    import pandas as pd

    from weaksup.endmodel.base import take_rows

    texts = pd.Series(["c", "a", "b"], index=[2, 0, 1])
    assert take_rows(texts, np.array([0, 2])) == ["c", "b"]
    frame = pd.DataFrame({"f": [3.0, 1.0, 2.0]}, index=[2, 0, 1])
    rows = take_rows(frame, np.array([0, 2]))
    assert rows["f"].tolist() == [3.0, 2.0] and rows.index.tolist() == [0, 1]
    assert take_rows(["x", "y", "z"], np.array([2])) == ["z"]


def test_bool_hyper_parameters_take_numpy_bools():
    """A grid built with numpy hands over np.True_ / np.False_; bool parameters refused them (scikit-learn's
    "boolean" constraint takes them)."""
    from sklearn.model_selection import GridSearchCV

    X, y = _blobs(n=90, k=2)
    grid = GridSearchCV(LogisticRegression(), {"fit_intercept": np.array([True, False])}, cv=3, error_score="raise")
    assert grid.fit(X, y).best_params_["fit_intercept"] in (True, False)
    assert LogisticRegression(fit_intercept=np.False_).fit(X, y).intercept_.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match=r"parameter 'fit_intercept' must be a bool; got 'yes'"):
        LogisticRegression(fit_intercept="yes").fit(X, y)


def test_a_refit_refused_by_a_check_leaves_the_fitted_model_as_it_was():
    """A refit whose valid labels are refused had already set the new classes_ and n_features_in_ over the old
    coef_: the model refused the old features and crashed on the new ones."""
    rng = np.random.default_rng(0)
    X5, y3 = rng.normal(size=(60, 5)), rng.integers(0, 3, 60)
    X3, y2 = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)
    m = LogisticRegression().fit(X5, y3)
    before = m.predict_proba(X5)
    with pytest.raises(ValueError, match=r"y_valid: class 5 at row 2 is outside 0\.\.1"):
        m.fit(X3, y2, valid=(X3[:5], np.array([0, 1, 5, 0, 1])))
    with pytest.raises(ValueError, match=r"X_valid has 5 features; the model was fitted on 3"):
        m.fit(X3, y2, valid=(X5[:5], y2[:5]))
    assert m.n_features_in_ == 5 and m.cardinality_ == 3 and m.classes_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(m.predict_proba(X5), before)
    m.fit(X3, y2, valid=(X3[:5], y2[:5]))  # a refit that passes its checks takes the new state
    assert m.n_features_in_ == 3 and m.predict_proba(X3).shape == (60, 2)


def test_a_frame_with_reordered_columns_is_refused_by_name():
    """A DataFrame was read by position: the same columns in another order at predict time were read as other
    features (accuracy 0.99 -> 0.49); feature_names_in_ is recorded at fit and checked, as scikit-learn does."""
    import warnings

    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"length": rng.normal(size=200), "n_links": rng.normal(size=200)})
    y = (df["n_links"] > 0).astype(int).to_numpy()
    m = LogisticRegression().fit(df, y, valid=(df[:20], y[:20]))
    assert m.feature_names_in_.tolist() == ["length", "n_links"] and m.score(df, y) > 0.95
    with pytest.raises(ValueError, match=r"X: the feature names should match those that were passed during fit; "
                                         r"they are the same names in another order \(fit: \['length', 'n_links'\]"):
        m.score(df[["n_links", "length"]], y)
    with pytest.raises(ValueError, match=r"unseen at fit time: \['links'\]; .* yet now missing: \['n_links'\]"):
        m.predict(df.rename(columns={"n_links": "links"}))
    with pytest.raises(ValueError, match="X_valid: the feature names should match"):
        LogisticRegression().fit(df, y, valid=(df[["n_links", "length"]], y))
    with pytest.warns(UserWarning, match="X does not have valid feature names, but LogisticRegression was fitted "
                                         "with feature names"):
        m.predict(df.to_numpy())
    plain = LogisticRegression().fit(df.to_numpy(), y)
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but LogisticRegression was fitted without"):
        plain.predict(df)
    refit = LogisticRegression().fit(df, y).fit(df.to_numpy(), y)  # a refit on an array forgets the names
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refit.predict(df.to_numpy())
        LogisticRegression().fit(pd.DataFrame(df.to_numpy()), y).predict(df.to_numpy())  # int column names: none


def test_hard_labels_in_a_column_are_read_as_hard_labels_with_a_warning():
    """An n×1 column of hard labels (y.reshape(-1, 1), a one-column DataFrame) was read as a one-column soft-label
    matrix and refused ('row 0 sums to 0'), or accepted as such; scikit-learn ravels it with a DataConversionWarning."""
    import pandas as pd
    from sklearn.exceptions import DataConversionWarning

    X = np.arange(8.0).reshape(-1, 1)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    flat = LogisticRegression().fit(X, y)
    for column in (y.reshape(-1, 1), pd.DataFrame({"label": y})):
        with pytest.warns(DataConversionWarning, match=r"y: a column-vector y of shape \(8, 1\) .* read as hard "
                                                       r"labels"):
            m = LogisticRegression().fit(X, column)
        np.testing.assert_array_equal(m.coef_, flat.coef_)
    with pytest.warns(DataConversionWarning):
        assert flat.score(X, y.reshape(-1, 1)) == flat.score(X, y)


def test_soft_labels_need_probability_on_two_classes_not_two_argmaxes():
    """The single-class check read each soft row's argmax: informative soft labels whose argmax is always class 0
    were refused, and uniform rows (no information) read as class 0 made a second class of nothing."""
    from weaksup.endmodel import check_targets

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    p1 = 0.05 + 0.4 / (1 + np.exp(-3 * X[:, 0]))  # P(class 1) rises with x0, always below 0.5
    soft = np.c_[1 - p1, p1]
    m = LogisticRegression().fit(X, soft)
    hard = LogisticRegression().fit(np.r_[X, X], np.r_[np.zeros(200, int), np.ones(200, int)],
                                    sample_weight=np.r_[soft[:, 0], soft[:, 1]])  # the same fit as weighted copies
    np.testing.assert_allclose(m.coef_, hard.coef_, atol=1e-5)
    assert m.coef_[0, 1] - m.coef_[0, 0] > 0.5
    uniform_and_ones = np.r_[np.full((100, 2), 0.5), np.tile([0.0, 1.0], (100, 1))]
    with pytest.raises(ValueError, match=r"single class \(1\) on all 100 rows that are not uniform \(100 uniform "
                                         r"row\(s\), 1/k on every class, carry no class information\)"):
        check_targets(uniform_and_ones, 200)


def test_grid_search_and_cross_val_score_on_soft_labels():
    """fit takes soft labels, but score refused them: GridSearchCV / cross_val_score on soft labels scored every
    fold NaN and the grid 'chose' its first candidate. Soft y is scored as its hard labels (argmax, tie_break)."""
    from sklearn.model_selection import GridSearchCV, cross_val_score

    from weaksup.metrics import probs_to_preds

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int)
    P = np.c_[1 - (0.1 + 0.8 * y), 0.1 + 0.8 * y]
    scores = cross_val_score(LogisticRegression(), X, P, cv=3, error_score="raise")
    assert np.isfinite(scores).all() and scores.min() > 0.9
    grid = GridSearchCV(LogisticRegression(), {"C": [1e-4, 1.0]}, cv=3, error_score="raise").fit(X, P)
    assert grid.best_params_ == {"C": 1.0} and np.isfinite(grid.cv_results_["mean_test_score"]).all()
    m = LogisticRegression().fit(X, P)
    assert m.score(X, P) == m.score(X, y) and m.score(X, P, metric="logloss") == m.score(X, y, metric="logloss")
    tied = P.copy()
    tied[[3, 7]] = 0.5
    for rule in ("random", "prior"):  # a tied row is scored against the class the tie rule gives it
        assert m.score(X, tied, tie_break=rule) == m.score(X, probs_to_preds(tied, rule), tie_break=rule)
    with pytest.raises(ValueError, match=r"y: soft-label row 3 ties between classes \(\[0\.5, 0\.5\]\) and "
                                         r"tie_break='abstain' gives it no class"):
        m.score(X, tied, tie_break="abstain")
    with pytest.raises(ValueError, match=r"soft labels y have 3 columns; expected cardinality=2"):
        m.score(X, np.c_[P, np.zeros(300)])
    with pytest.raises(ValueError, match=r"soft labels y: row 0 sums to 1\.5"):
        m.score(X, P * 1.5)


@pytest.mark.parametrize("name", ["LogisticRegression", "MLP"])
def test_a_metric_that_cannot_score_the_classes_is_refused_before_training(name):
    """metric='auc' (binary) with 3 classes failed only at the first validation check, after training had run."""
    from weaksup.labelmodel import registry

    X, y = _blobs(n=60, k=3)
    model = registry.get_model(name)(metric="auc")
    with pytest.raises(ValueError, match=f"^{name}: metric='auc' cannot score the 3 classes of y \\(roc_auc is "
                                         "binary.*choose a metric for 3 classes"):
        model.fit(X, y, valid=(X[:10], y[:10]))
    assert not hasattr(model, "classes_") and not hasattr(model, "module_") and not hasattr(model, "coef_")


def test_a_nan_validation_score_is_skipped_with_a_warning():
    """A metric undefined on the valid labels (auc on one class) is NaN: 'NaN > best' is never true, so training
    silently stopped after `patience` checks and reported best_step_=0, best_valid_score_=-inf, a model it did not
    return. NaN checks now warn (once), are skipped (not counted toward patience), and the last model stands."""
    import warnings

    import torch

    from weaksup.endmodel import MLP
    from weaksup.endmodel._torch import EarlyStopping

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] > 0).astype(int)
    Xv, yv = X[y == 1][:8], np.ones(8, int)  # only positives: roc_auc is undefined
    with pytest.warns(RuntimeWarning, match=r"MLP: the validation metric 'auc' is nan at step 10 .* early stopping "
                                            r"skips such checks") as rec:
        m = MLP(metric="auc", hidden_sizes=(8,), max_steps=60, eval_every=10, patience=2, progress=False).fit(
            X, y, valid=(Xv, yv), seed=0)
    assert sum("validation metric" in str(w.message) for w in rec) == 1
    assert m.n_steps_ == 60 and m.best_step_ == 60 and np.isnan(m.best_valid_score_)
    with pytest.warns(RuntimeWarning, match=r"LogisticRegression: the validation metric 'auc' is nan at iteration 1"):
        lr = LogisticRegression(metric="auc", patience=2).fit(X, y, valid=(Xv, yv))
    plain = LogisticRegression().fit(X, y)
    assert lr.n_iter_ == lr.best_iter_ == plain.n_iter_ and np.isnan(lr.best_valid_score_)
    np.testing.assert_array_equal(lr.coef_, plain.coef_)
    stopper, module = EarlyStopping(patience=1), torch.nn.Linear(1, 1)
    assert not stopper.update(0.5, 1, module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not stopper.update(float("nan"), 2, module)  # not counted toward patience=1
    assert stopper.update(0.4, 3, module) and stopper.best_step == 1


@pytest.mark.parametrize("metric", ["f1_binary", "f1", "precision", "recall"])
def test_a_metric_of_class_1_on_a_y_valid_without_class_1_decides_nothing(metric):
    """f1_binary (precision, recall) on a y_valid with no class-1 row scores 0 whatever the model: early stopping
    silently kept the first iterate (test accuracy 0.528 against 0.848 on youtube).  Such checks are now undefined
    (NaN): a warning names the metric and the missing positive example, and the last model stands."""
    from weaksup.endmodel import MLP

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] > 0).astype(int)
    Xv, yv = X[y == 0][:8], np.zeros(8, int)  # no positive example
    why = rf"the validation metric '{metric}' is undefined at {{}}: y_valid has no positive example \(class 1\)"
    with pytest.warns(RuntimeWarning, match="LogisticRegression: " + why.format("iteration 1")) as rec:
        lr = LogisticRegression(metric=metric, patience=2).fit(X, y, valid=(Xv, yv))
    assert sum("validation metric" in str(w.message) for w in rec) == 1
    plain = LogisticRegression().fit(X, y)
    assert lr.best_iter_ == lr.n_iter_ == plain.n_iter_ and np.isnan(lr.best_valid_score_)
    np.testing.assert_array_equal(lr.coef_, plain.coef_)
    with pytest.warns(RuntimeWarning, match="MLP: " + why.format("step 10")):
        m = MLP(metric=metric, hidden_sizes=(8,), max_steps=60, eval_every=10, patience=2, progress=False).fit(
            X, y, valid=(Xv, yv), seed=0)
    assert m.n_steps_ == m.best_step_ == 60 and np.isnan(m.best_valid_score_)
    unstopped = MLP(hidden_sizes=(8,), max_steps=60, progress=False).fit(X, y, seed=0)
    np.testing.assert_array_equal(m.predict_proba(X), unstopped.predict_proba(X))
    # a y_valid with class 1 is scored as before
    ok = LogisticRegression(metric=metric, patience=2).fit(X, y, valid=(X[:20], y[:20]))
    assert np.isfinite(ok.best_valid_score_) and ok.best_iter_ >= 1


def test_lr_warns_when_l_bfgs_does_not_converge():
    """L-BFGS stopping at max_iter (or on a failed line search) was silent (res.success dropped): the model could be
    far from the optimum (probabilities off by 0.58) with nothing said; scikit-learn warns ConvergenceWarning."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20)) * np.r_[np.ones(10), 1e3 * np.ones(10)]
    y = (X[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match=r"LogisticRegression: L-BFGS did not converge in 20 iterations "
                                                r"\(status 1: .*\); increase max_iter \(now 20\)"):
        LogisticRegression(C=10.0, max_iter=20).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(C=10.0, max_iter=5000).fit(X, y)  # converges
        LogisticRegression(C=10.0, patience=1).fit(X, y, valid=(X[:50], y[:50]))  # early stopping ends it on purpose


def test_mlp_refuses_values_beyond_float32_naming_row_and_column():
    """MLP casts X to float32 after the finite check: 1e39 became inf, the weights NaN, every probability NaN."""
    from weaksup.endmodel import MLP, Cosine

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    Xb = np.r_[X, [[0.0, -1e39, 0.0]]]
    for bad in (Xb, sp.csr_matrix(Xb)):
        with pytest.raises(ValueError, match=r"X: value -1e\+39 at row 100, column 1 is beyond float32's range "
                                             r"\(±3\.403e\+38\), in which MLP computes; 1 such value"):
            MLP(max_steps=2, progress=False).fit(bad, np.r_[y, 1])
    m = MLP(max_steps=2, progress=False).fit(X, y)
    with pytest.raises(ValueError, match=r"X: value -1e\+39 at row 100, column 1"):
        m.predict_proba(Xb)
    with pytest.raises(ValueError, match=r"X: value -1e\+39 at row 100, column 1 is beyond float32's range"):
        Cosine(MLP(max_steps=2, progress=False), progress=False).fit(Xb, np.r_[y, 1])
    assert np.isfinite(m.predict_proba(X)).all()


def test_models_with_transform_declare_transformer_tags_so_sklearn_checks_run():
    """MLP and Cosine have transform() but declared no transformer tags, so scikit-learn's check_estimator raised
    RuntimeError before running any check."""
    import warnings

    from sklearn.utils.estimator_checks import check_estimator

    from weaksup.endmodel import MLP, Cosine, LogisticRegression

    assert MLP().__sklearn_tags__().transformer_tags is not None
    assert Cosine(MLP()).__sklearn_tags__().transformer_tags is not None
    assert LogisticRegression().__sklearn_tags__().transformer_tags is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(MLP(max_steps=5, progress=False), on_fail=None)
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert {"check_fit_idempotent", "check_estimators_pickle", "check_transformers_unfitted"} <= passed
