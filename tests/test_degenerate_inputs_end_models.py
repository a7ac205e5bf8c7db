"""End models on degenerate features and weights: a finite but huge feature column (1e30, inside float32's range)
and a ``sample_weight`` that leaves one class.

Before: Cosine returned NaN probabilities on every row without a word (the failure surfaced later, deep in
``probs_to_preds``); MLP trained to saturated 0/1 probabilities and 24 % training accuracy silently; a diverged MLP
(NaN weights) fitted silently; LogisticRegression stopped after 0 iterations advising to "increase max_iter";
weights only on class-0 rows trained a one-class model where the same rows as hard labels are refused.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from weaksup.endmodel import LogisticRegression

torch = pytest.importorskip("torch")

from weaksup.endmodel import MLP, Cosine  # noqa: E402  (torch models: after the skip)

HUGE_COLUMN = r"column 0 \(max \|x\| = 3\.45e\+30\)"


def _task(n: int = 120, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 5)) + y[:, None] * 1.5
    X[:, 0] *= scale
    return X, y


# ------------------------------------------------------------------ a huge feature column
def test_cosine_on_a_huge_column_refuses_naming_it() -> None:
    X, y = _task(scale=1e30)
    P = np.column_stack([1 - y, y]) * 0.8 + 0.1
    model = Cosine(end_model=MLP(max_steps=50, progress=False), self_training_steps=4, teacher_update=2,
                   progress=False)
    with pytest.warns(RuntimeWarning, match="training loss is still"), \
            pytest.raises(ValueError, match=f"training diverged.*StandardScaler.*{HUGE_COLUMN}"):
        model.fit(X, P, seed=0)
    assert not hasattr(model, "classes_")  # nothing fitted: no NaN model to predict with


def test_mlp_on_a_huge_column_warns_that_its_loss_exploded_naming_the_column() -> None:
    X, y = _task(scale=1e30)
    with pytest.warns(RuntimeWarning, match=f"training loss is still .*saturated.*StandardScaler.*{HUGE_COLUMN}"):
        MLP(max_steps=100, progress=False).fit(X, y, seed=0)


def test_mlp_names_the_largest_columns_of_sparse_features() -> None:
    X, y = _task(scale=1e30)
    with pytest.warns(RuntimeWarning, match=HUGE_COLUMN):
        MLP(max_steps=50, progress=False).fit(sp.csr_matrix(X), y, seed=0)


def test_mlp_that_diverges_raises_instead_of_fitting_nan_weights() -> None:
    X, y = _task()
    model = MLP(lr=1e10, max_steps=30, eval_every=10, max_grad_norm=None, progress=False)
    with pytest.raises(ValueError, match=r"training loss is nan at steps 1-10 .*training diverged.*lower lr "
                                         r"\(now 1e\+10\)"):
        model.fit(X, y, seed=0)
    assert not hasattr(model, "classes_")


def test_mlp_weights_that_diverge_on_the_last_step_raise() -> None:
    # the last update comes after the last loss: a finite loss whose gradient is NaN (d sqrt(|t|) / dt at 0)
    X, y = _task()
    model = MLP(max_steps=5, progress=False).fit(X, y, seed=0)
    module = model.module_
    opt, sched = model._optimizer(module, 1e-3, 1)

    def batch_loss(step: int):
        t = sum((p - p.detach()).abs().sum() for p in module.parameters())
        return torch.sqrt(t) * 0.0 + 1.0, {}

    from weaksup.endmodel._torch import EarlyStopping

    with pytest.raises(ValueError, match="weights are NaN or inf after 1 steps"):
        model._train_loop(module, opt, sched, 1, batch_loss, None, EarlyStopping(None), 1, [], "test",
                          advice=lambda: "do something")


@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_well_scaled_features_fit_without_a_warning(scale: float) -> None:
    X, y = _task(scale=scale)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLP(max_steps=200, progress=False).fit(X, y, seed=0)
        Cosine(end_model=MLP(max_steps=50, progress=False), self_training_steps=20, teacher_update=10,
               progress=False).fit(X, y, seed=0)
        LogisticRegression().fit(X, y)


def test_logistic_regression_stalled_at_start_says_to_scale_not_raise_max_iter() -> None:
    X, y = _task(scale=1e30)
    with pytest.warns(ConvergenceWarning) as record:
        LogisticRegression().fit(X, y)
    message = str(record[0].message)
    assert "after 0 iterations" in message and "increase max_iter" not in message
    assert "a larger max_iter does not help" in message and "predicts 1/2 for every class" in message
    assert "StandardScaler" in message and "column 0 (max |x| = 3.45e+30)" in message


def test_logistic_regression_out_of_iterations_still_says_to_raise_max_iter() -> None:
    X, y = _task()
    with pytest.warns(ConvergenceWarning, match=r"did not converge in 1 iterations .*increase max_iter \(now 1\)"):
        LogisticRegression(max_iter=1).fit(X, y)


def test_largest_columns_dense_sparse_and_texts() -> None:
    from weaksup.endmodel.base import largest_columns

    X = np.array([[1.0, -2e30, 0.5], [3.0, 1.0, 0.0]])
    expected = "column 1 (max |x| = 2e+30), column 0 (max |x| = 3), column 2 (max |x| = 0.5)"
    assert largest_columns(X) == largest_columns(sp.csr_matrix(X)) == expected
    assert largest_columns(["a text"]) == ""


# ------------------------------------------------------------------ weights that leave one class
def _weighted_models() -> list:
    return [LogisticRegression(), MLP(max_steps=20, progress=False),
            Cosine(end_model=MLP(max_steps=20, progress=False), self_training_steps=2, progress=False)]


@pytest.mark.parametrize("model", _weighted_models(), ids=lambda m: type(m).__name__)
def test_sample_weight_on_one_class_is_refused_as_one_class_labels_are(model) -> None:
    X, y = _task()
    with pytest.raises(ValueError, match=r"sample_weight leaves a single class \(0\) in y: the 54 row\(s\) with "
                                         r"weight > 0 are all of class 0 \(the 66 other row\(s\) weigh 0\)"):
        model.fit(X, y, sample_weight=(y == 0).astype(float), seed=0)
    assert not hasattr(model, "classes_")


@pytest.mark.parametrize("model", _weighted_models(), ids=lambda m: type(m).__name__)
def test_sample_weight_on_one_class_of_soft_labels_is_refused(model) -> None:
    X, y = _task()
    P = np.where(y[:, None] == 0, [1.0, 0.0], [0.2, 0.8])  # fine unweighted: both classes have probability
    P[:10] = 0.5  # uniform rows carry no class information, whatever their weight
    with pytest.raises(ValueError, match=r"sample_weight leaves a single class \(0\)"):
        model.fit(X, P, sample_weight=np.where(y == 0, 1.0, 0.0) + (np.arange(len(y)) < 10), seed=0)


def test_sample_weight_check_counts_rows_left_after_abstains_and_accepts_two_classes() -> None:
    X, y = _task()
    hard = np.where(np.arange(len(y)) % 2 == 0, y, -1)  # -1 rows are dropped before the weights are counted
    w = np.where(y == 1, 0.0, 1.0)
    w[np.nonzero((hard == 1))[0][0]] = 0.5  # one kept class-1 row with weight: two classes left
    LogisticRegression().fit(X, hard, sample_weight=w)
    w[np.nonzero((hard == 1))[0][0]] = 0.0
    w[np.nonzero((hard == -1) & (y == 1))[0]] = 1.0  # weight on class-1 rows that abstain counts for nothing
    with pytest.raises(ValueError, match=r"sample_weight leaves a single class \(0\)"):
        LogisticRegression().fit(X, hard, sample_weight=w)


def test_check_weighted_classes_on_uniform_weighted_rows() -> None:
    from weaksup.endmodel.base import check_weighted_classes

    P = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]])
    check_weighted_classes(P, None)
    check_weighted_classes(P, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="no class information"):
        check_weighted_classes(P, np.array([1.0, 0.0, 0.0]))


def test_diverged_fit_on_scaled_features_blames_the_learning_rate() -> None:
    """Features already near unit scale: the advice is to lower lr, not StandardScaler (review of 95f0930)."""
    from weaksup.endmodel import MLP

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 10))
    y = (X[:, 0] > 0).astype(int)
    model = MLP(max_steps=300, lr=1e6, hidden_sizes=(16,), eval_every=10, n_threads=1, progress=False,
                max_grad_norm=None)
    with pytest.raises(ValueError, match=r"lower lr \(now 1e\+06\)") as info:
        model.fit(X, y, seed=0)
    assert "StandardScaler" not in str(info.value)
