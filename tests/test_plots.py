"""weaksup.plots and the LF error buckets: each figure is checked for what it draws (artist data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from weaksup.analysis import LFAnalysis  # noqa: E402
from weaksup.plots import (  # noqa: E402
    calibration_bins,
    class_distribution,
    expected_calibration_error,
    learning_curves,
    plot_calibration,
    plot_class_balance,
    plot_learning_curves,
    plot_lf_summary,
)
from weaksup.votes import VoteMatrix  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _random_votes(rng, n=300, m=6, k=3):
    y = rng.integers(0, k, n)
    L = np.where(rng.random((n, m)) < 0.6, -1, np.where(rng.random((n, m)) < 0.7, y[:, None], rng.integers(0, k, (n, m))))
    return VoteMatrix(L, [f"lf{j}" for j in range(m)]), y


def _widths(ax):
    return [float(p.get_width()) for p in ax.patches]


# ------------------------------------------------------------------ LF summary
def test_lf_summary_draws_the_summary_columns(rng):
    votes, y = _random_votes(rng)
    fig = plot_lf_summary(votes, y)
    summary = LFAnalysis(votes).summary(y=y)
    assert [ax.get_xlabel() for ax in fig.axes] == ["coverage", "overlaps", "conflicts", "empirical accuracy"]
    for ax, col in zip(fig.axes, ["Coverage", "Overlaps", "Conflicts", "Emp. Acc."]):
        np.testing.assert_allclose(_widths(ax), summary[col].to_numpy())
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(summary.index)  # shared y axis
    # first LF on top: the y axis is inverted
    assert fig.axes[0].get_ylim()[0] > fig.axes[0].get_ylim()[1]


def test_lf_summary_without_gold_has_three_panels_and_takes_names_or_analysis():
    L = np.array([[0, 0, -1], [1, 0, 1], [-1, -1, 1], [-1, -1, -1]])
    fig = plot_lf_summary(L, lfs=["a", "b", "c"])
    assert len(fig.axes) == 3
    assert _widths(fig.axes[0]) == [0.5, 0.5, 0.5]  # hand-computed: 2 of 4 rows each
    assert _widths(fig.axes[1]) == [0.5, 0.5, 0.25]
    assert _widths(fig.axes[2]) == [0.25, 0.25, 0.25]  # row 1 only
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b", "c"]
    fig2 = plot_lf_summary(LFAnalysis(L, ["a", "b", "c"]))
    assert _widths(fig2.axes[1]) == _widths(fig.axes[1])
    with pytest.raises(ValueError, match="y has 3 labels but the vote matrix has 4 rows"):
        plot_lf_summary(L, [0, 1, 1])


# ------------------------------------------------------------------ calibration
def test_calibration_bins_match_a_loop(rng):
    n, k = 500, 3
    P = rng.dirichlet(np.ones(k), n)
    y = rng.integers(0, k, n)
    y[:7] = -1
    t = calibration_bins(P, y, n_bins=5)
    conf, pred = P[7:].max(1), P[7:].argmax(1)
    rows = []
    for b in range(5):
        lo, hi = b / 5, (b + 1) / 5
        sel = (conf >= lo) & ((conf < hi) if b < 4 else (conf <= hi))
        if sel.any():
            rows.append([lo, hi, sel.sum(), conf[sel].mean(), (pred[sel] == y[7:][sel]).mean()])
    np.testing.assert_allclose(t.to_numpy(), np.array(rows))
    ece = sum(r[2] / (n - 7) * abs(r[4] - r[3]) for r in rows)
    assert expected_calibration_error(P, y, 5) == pytest.approx(ece)


def test_calibrated_model_has_small_ece_and_overconfident_one_large(rng):
    n = 20000
    p1 = rng.random(n)
    y = (rng.random(n) < p1).astype(int)  # P(y=1) = p1 exactly: calibrated
    P = np.column_stack([1 - p1, p1])
    assert expected_calibration_error(P, y) < 0.02
    sharp = np.column_stack([1 - (p1 > 0.5), (p1 > 0.5)]).astype(float)  # always 100 % sure
    assert expected_calibration_error(sharp, y) > 0.2


def test_plot_calibration_draws_the_bins(rng):
    P = rng.dirichlet([1, 1], 400)
    y = rng.integers(0, 2, 400)
    Q = np.full((400, 2), 0.5)
    Q[:, 0] += 0.3 * (y == 0) - 0.3 * (y == 1)
    Q[:, 1] = 1 - Q[:, 0]
    fig = plot_calibration({"random": P, "good": Q}, y, n_bins=10)
    ax, axc = fig.axes
    lines = ax.get_lines()
    assert lines[0].get_label() == "perfect" and list(lines[0].get_xdata()) == [0, 1]
    for line, (name, probs) in zip(lines[1:], [("random", P), ("good", Q)]):
        t = calibration_bins(probs, y, 10)
        assert line.get_label() == f"{name} (ECE {expected_calibration_error(probs, y, 10):.3f})"
        np.testing.assert_allclose(line.get_xdata(), t["confidence"])
        np.testing.assert_allclose(line.get_ydata(), t["accuracy"])
    heights = [float(p.get_height()) for p in axc.patches]
    assert sum(heights) == 800  # both models' bins count all 400 rows
    assert len(plot_calibration(P, y).axes[0].get_lines()) == 2  # one unnamed model


def test_calibration_rejects_bad_probabilities():
    with pytest.raises(ValueError, match="probs row 1 is not a probability distribution"):
        calibration_bins([[0.5, 0.5], [0.9, 0.3]], [0, 1])
    with pytest.raises(ValueError, match="probs has 2 rows but y has 3 labels"):
        calibration_bins([[0.5, 0.5], [0.7, 0.3]], [0, 1, 1])
    with pytest.raises(ValueError, match=r"y\[1\] = 2 is not a class"):
        calibration_bins([[0.5, 0.5], [0.7, 0.3]], [0, 2])


# ------------------------------------------------------------------ class balance
def test_class_distribution_reads_labels_probabilities_and_distributions():
    assert class_distribution([2, 2, 0, -1], 3).tolist() == [1 / 3, 0, 2 / 3]
    np.testing.assert_allclose(class_distribution([[0.2, 0.8], [0.4, 0.6]]), [0.3, 0.7])
    assert class_distribution(np.array([[0.25, 0.75]])).tolist() == [0.25, 0.75]  # a distribution: one row
    with pytest.raises(ValueError, match="no labels other than -1"):
        class_distribution([-1, -1])
    with pytest.raises(ValueError, match="label 3 is outside 0..1"):
        class_distribution([0, 3], 2)


def test_plot_class_balance_bar_heights():
    fig = plot_class_balance({"gold": [0, 1, 1, 1], "LM": [[0.6, 0.4], [0.2, 0.8]], "prior": [[0.5, 0.5]]},
                             label_names=["HAM", "SPAM"])
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.containers] == ["gold", "LM", "prior"]
    assert [[round(float(b.get_height()), 6) for b in c] for c in ax.containers] == [[0.25, 0.75], [0.4, 0.6], [0.5, 0.5]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["HAM", "SPAM"]
    with pytest.raises(ValueError, match="different class counts"):
        plot_class_balance({"a": [0, 1], "b": [0, 1, 2]})



def test_float_gold_labels_are_labels_whatever_they_sum_to():
    """[0., 0., 1., 0.] sums to 1, so it was taken as the distribution [0, 0, 1, 0] instead of labels."""
    assert class_distribution(np.array([0.0, 0.0, 1.0, 0.0])).tolist() == [0.75, 0.25]
    fig = plot_class_balance({"gold": np.array([0.0, 0.0, 1.0, 0.0]), "LM": [[0.7, 0.3]]})
    heights = [[round(float(b.get_height()), 6) for b in c] for c in fig.axes[0].containers]
    assert heights == [[0.75, 0.25], [0.7, 0.3]]
    with pytest.raises(ValueError, match=r"0\.25 at row 0 is not a class id; a 1-D array is read as hard labels.*"
                                         r"as rows of a 2-D array"):
        class_distribution(np.array([0.25, 0.75]))
    with pytest.raises(ValueError, match=r"inf at row 1 is not a class id"):
        class_distribution(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match=r"label -2 at row 1 is not a class id \(0\.\.k-1\) or -1"):
        class_distribution([0, -2, 1])  # was dropped like an abstain


@pytest.mark.parametrize("rows, bad_row", [([[2.0, 0.0], [0.0, 3.0]], 0), ([[0.5, 0.5], [1.5, -0.5]], 1),
                                           ([[0.5, 0.5], [0.2, 0.2]], 1), ([[np.nan, 1.0]], 0)])
def test_probability_rows_are_checked(rows, bad_row):
    """Rows that are not distributions were averaged ([[2, 0], [0, 3]] -> [1.0, 1.5])."""
    with pytest.raises(ValueError, match=rf"row {bad_row} is not a probability distribution .* in \[0, 1\] and sum "
                                         "to 1"):
        class_distribution(rows)
    with pytest.raises(ValueError, match="'LM': row"):
        plot_class_balance({"gold": [0, 1], "LM": rows})


# ------------------------------------------------------------------ learning curves
def _separable(rng, n=300):
    X = rng.normal(size=(n, 5)).astype(np.float32)
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_learning_curves_of_a_torch_end_model(rng):
    pytest.importorskip("torch")
    from weaksup.endmodel import MLP

    X, y = _separable(rng)
    mlp = MLP(hidden_sizes=(8,), max_steps=60, eval_every=20, patience=None, progress=False, n_threads=1)
    mlp.fit(X[:200], y[:200], valid=(X[200:], y[200:]), seed=0)
    t = learning_curves(mlp)
    assert t["stage"].unique().tolist() == ["fit"] and t["step"].tolist() == [20, 40, 60]
    assert t["valid"].tolist() == [h["valid"] for h in mlp.history_]
    fig = plot_learning_curves({"MLP": mlp})
    line = fig.axes[0].get_lines()[0]
    assert line.get_label() == "MLP fit"
    assert line.get_xdata().tolist() == [20, 40, 60] and line.get_ydata().tolist() == t["valid"].tolist()
    assert fig.axes[1].get_lines()[0].get_ydata().tolist() == t["loss"].tolist()
    unfitted_history = MLP(max_steps=5, progress=False).fit(X, y, seed=0)
    with pytest.raises(ValueError, match="fit the model with valid="):
        learning_curves(unfitted_history)


def test_learning_curves_of_cosine_show_both_stages(rng):
    pytest.importorskip("torch")
    from weaksup.endmodel import MLP, Cosine

    X, y = _separable(rng)
    cos = Cosine(MLP(hidden_sizes=(8,), lr=0.02, max_steps=40, eval_every=20, patience=None, progress=False,
                     n_threads=1), self_training_steps=30, teacher_update=10, eval_every=10, thresh=0.2,
                 progress=False)
    cos.fit(X[:200], y[:200], valid=(X[200:], y[200:]), seed=0)
    t = learning_curves(cos)
    s1, s2 = t[t.stage == "stage 1"], t[t.stage == "stage 2"]
    assert s1["valid"].tolist() == [h["valid"] for h in cos.stage1_model_.history_]
    assert s2["valid"].tolist() == [h["valid"] for h in cos.history_]
    assert s1["global_step"].tolist() == [20, 40]
    assert s2["global_step"].tolist() == [40 + h["step"] for h in cos.history_]
    assert {"l_c", "r1", "r2"} <= set(t.columns)
    fig = plot_learning_curves(cos)
    ax = fig.axes[0]
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels[:2] == ["stage 1", "stage 2"]
    assert ax.get_lines()[1].get_xdata().tolist() == s2["global_step"].tolist()
    assert list(ax.get_lines()[2].get_xdata()) == [40, 40]  # the stage boundary


def test_learning_curves_of_logistic_regression_use_iterations(rng):
    from weaksup.endmodel import LogisticRegression

    X, y = _separable(rng)
    lr = LogisticRegression(max_iter=8).fit(X[:200], y[:200], valid=(X[200:], y[200:]), seed=0)
    t = learning_curves(lr)
    assert t["step"].tolist() == list(range(1, len(lr.history_) + 1))
    assert "loss" not in t and len(plot_learning_curves(lr).axes) == 1


def test_plot_learning_curves_says_which_history_lacks_the_validation_score():
    """A history without 'valid' raised a bare KeyError: 'valid'."""
    with pytest.raises(ValueError, match=r"the history of 'MLP' has no 'valid' column \(it has \['step', "
                                         r"'global_step', 'loss'\]\).*fit gets valid="):
        plot_learning_curves({"MLP": [{"step": 1, "loss": 0.5}]})
    with pytest.raises(ValueError, match=r"^the history has no 'valid' column"):
        plot_learning_curves([{"step": 1, "loss": 0.5}])


# ------------------------------------------------------------------ error buckets
def test_lf_mistakes_and_conflicts_match_brute_force(rng):
    votes, y = _random_votes(rng, n=120, m=4, k=3)
    L = votes.to_dense()
    data = pd.DataFrame({"text": [f"row {i}" for i in range(120)], "other": np.arange(120)})
    a = LFAnalysis(votes)
    for j in range(4):
        mk = a.lf_mistakes(j, y, data)
        expect = [i for i in range(120) if L[i, j] != -1 and L[i, j] != y[i]]
        assert mk.index.tolist() == expect
        assert mk["vote"].tolist() == [int(L[i, j]) for i in expect]
        assert mk["text"].tolist() == [f"row {i}" for i in expect] and "other" not in mk
    cf = a.conflict_rows(data, y, fields=["other"])
    expect = [i for i in range(120) if len(set(L[i][L[i] != -1])) > 1]
    assert cf.index.tolist() == expect and cf["other"].tolist() == expect
    i = expect[0]
    assert cf.at[i, "votes"] == ", ".join(f"lf{j}={L[i, j]}" for j in range(4) if L[i, j] != -1)
    report = a.error_buckets(y, data, n=2)
    _, incorrect = a.lf_correct_incorrect(y)
    first = int(np.argmax(incorrect))
    assert report.splitlines()[0].startswith(f"lf{first}: wrong on {incorrect[first]} of ")
    assert f"LFs conflict on {len(expect)} rows" in report


def test_error_buckets_say_what_is_wrong():
    a = LFAnalysis(VoteMatrix([[1, -1], [1, 0]], ["kw", "short"]))
    with pytest.raises(ValueError, match="data has 3 rows but the vote matrix has 2"):
        a.lf_mistakes("kw", [0, 0], ["a", "b", "c"])
    with pytest.raises(KeyError, match="data has no column 'body'"):
        a.lf_mistakes("kw", [0, 0], pd.DataFrame({"text": ["a", "b"]}), fields=["body"])
