"""Label models without gold labels (issue 14) and at many classes (issue 16 #8).

* recovery of LF accuracies and class balance with one-sided LFs and imbalanced classes (n = 100k);
* models that treat abstentions as missing warn on one-sided LFs (their assumption fails there);
* labels are never read by the gold-free default: permuting the labels in a copied WRENCH folder
  gives a bit-identical fitted model;
* k = 1000 classes: every model finishes or fails fast with a clear error (time-boxed, not timed);
* HyperLabelModel equals hyperlm's own inference on the same votes.
"""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from weaksup.labelmodel import (
    AbstainDawidSkene,
    AutoLabelModel,
    DawidSkene,
    EBCC,
    FlyingSquid,
    MajorityVote,
    MatrixCompletion,
    WeightedMajorityVote,
)
from weaksup.synthetic import make_one_sided_votes, make_votes
from weaksup.votes import VoteMatrix

from conftest import needs_wrench

PRIORS = {2: [0.7, 0.3], 3: [0.5, 0.3, 0.2]}


@pytest.fixture(scope="module", params=[2, 3])
def one_sided(request):
    k = request.param
    L, y, params = make_one_sided_votes(100_000, 3 * k + 3, k, class_balance=PRIORS[k], seed=40 + k)
    return k, L, y, params


RECOVERING = {
    "AbstainDawidSkene": lambda k: AbstainDawidSkene(cardinality=k),
    "DawidSkene(abstain_as_class)": lambda k: DawidSkene(cardinality=k, abstain_as_class=True),
    "AutoLabelModel": lambda k: AutoLabelModel(cardinality=k),  # the gold-free default: ADS inside
    # snorkel's objective models abstention too; it needs the prior (learned by ADS's EM) and more epochs
    "MatrixCompletion(em prior)": lambda k: MatrixCompletion(cardinality=k, class_balance_source="em", n_epochs=1000),
}


@pytest.mark.parametrize("name", list(RECOVERING))
def test_recovers_one_sided_accuracies_and_class_balance(one_sided, name) -> None:
    k, L, y, params = one_sided
    model = RECOVERING[name](k).fit(L, seed=0)
    acc_err = np.abs(model.lf_accuracies() - params["accuracies"])
    inner = model.model_ if name == "AutoLabelModel" else model
    cb_err = np.abs(inner.class_balance_ - params["class_balance"])
    assert acc_err.max() < 0.03, (name, k, acc_err.round(3))
    assert cb_err.max() < 0.03, (name, k, inner.class_balance_.round(3))


@pytest.mark.parametrize("factory", [
    lambda: DawidSkene(), lambda: EBCC(repeat=1, max_iter=50), lambda: FlyingSquid(),
    lambda: WeightedMajorityVote(),
], ids=["DawidSkene", "EBCC", "FlyingSquid", "WeightedMajorityVote"])
def test_abstain_as_missing_models_warn_on_one_sided_lfs(factory) -> None:
    """Point 3 of issue 14: these score below 0.8 x MV on some WRENCH sets and say why at fit time."""
    L, _, params = make_one_sided_votes(3000, 6, 2, class_balance=[0.7, 0.3], seed=1)
    name = type(factory()).__name__
    with pytest.warns(UserWarning, match=rf"{name}: 6 of 6 LFs vote only one class \(\['lf_0'"):
        factory().fit(L, seed=0)
    # two-sided LFs: no warning (scikit-learn's ConvergenceWarning, a UserWarning, is another matter: here
    # DawidSkene needs 398 EM iterations, 300 by default, and EBCC 112 VB iterations, 50 here)
    from sklearn.exceptions import ConvergenceWarning

    L2, _, _ = make_votes(3000, 6, 2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        factory().fit(L2, seed=0)


def test_abstain_ds_warns_where_its_tables_outnumber_the_votes() -> None:
    """Point 3 of issue 14: AbstainDawidSkene's posterior falls below 0.8 x MV on WRENCH SemEval (164 sparse
    LFs, 9 classes: fewer votes than table cells) and says why at fit time; MV-anchored uses do not warn."""
    L, _, _ = make_votes(400, 60, 6, propensities=0.05, seed=2)  # ~1,200 votes for 2,160 cells
    with pytest.warns(UserWarning, match=r"AbstainDawidSkene: its 60 LFs' vote tables have 2,160 cells .* "
                                         r"the votes number only 1,\d{3}"):
        AbstainDawidSkene().fit(L, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*vote only one class")
        AbstainDawidSkene(decide="majority").fit(L, seed=0)
        AbstainDawidSkene(confusion="one_coin").fit(L, seed=0)
        AbstainDawidSkene().fit(make_votes(4000, 60, 6, propensities=0.05, seed=2)[0], seed=0)  # 12k votes
    # AutoLabelModel with valid labels: its ADS candidate is judged on them, as DawidSkene's swapped mode is
    Lv, yv, _ = make_votes(300, 60, 6, propensities=0.05, seed=3)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        AutoLabelModel().fit(L, valid=(Lv, yv), seed=0)
    assert not [w for w in rec if "cells" in str(w.message)]


@needs_wrench
def test_abstain_ds_warning_fires_on_semeval_alone(wrench_dir) -> None:
    from weaksup.data import load_wrench

    fired = []
    for name in ("youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball", "commercial"):
        ds = load_wrench(name, wrench_dir)
        V = [ds.train.votes, ds.valid.votes, ds.test.votes]
        A = VoteMatrix(np.vstack([v.to_dense() for v in V]), lf_names=V[0].lf_names, cardinality=V[0].cardinality)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            model = AbstainDawidSkene().fit(A, seed=0)
        if any("cells" in str(w.message) for w in rec):
            fired.append(name)
            mv = MajorityVote().fit(A).score(V[1], ds.valid.labels, metric=ds.metric, tie_break="random", seed=0)
            ads = model.score(V[1], ds.valid.labels, metric=ds.metric, tie_break="random", seed=0)
            assert ads < 0.8 * mv, (name, ads, mv)  # where it warns, the warning is borne out (valid split)
    assert fired == ["semeval"]


@needs_wrench
@pytest.mark.slow
def test_every_default_model_below_0_8_mv_on_wrench_warns_at_fit(wrench_dir) -> None:
    """Point 3 of issue 14 on the real table: fitted as in section goldfree-wrench (all splits' votes,
    test rows scored, random tie rule, mean of seeds 0-4), every weaksup model at default parameters that
    scores below 0.8 x majority vote on a set warns at fit time (a UserWarning other than a
    ConvergenceWarning: one-sided LFs, tables that outnumber the votes, ...)."""
    from sklearn.exceptions import ConvergenceWarning

    from weaksup.data import load_wrench
    from weaksup.labelmodel import registry
    from weaksup.metrics import probs_to_preds, score

    names = [n for n in registry.model_names("label", bench_only=True) if n != "MajorityVote"]
    silent_below = []
    for d in ("youtube", "sms", "trec", "semeval", "imdb", "yelp", "tennis", "basketball", "commercial"):
        ds = load_wrench(d, wrench_dir)
        V = [ds.train.votes, ds.valid.votes, ds.test.votes]
        A = VoteMatrix(np.vstack([v.to_dense() for v in V]), lf_names=V[0].lf_names, cardinality=V[0].cardinality)
        y = np.asarray(ds.test.labels)

        def test_score(P):
            return 100 * score(ds.metric, y, probs_to_preds(P[-len(y):], "random"))

        mv = test_score(MajorityVote().fit(A).predict_proba(A))
        for name in names:
            scores, warned = [], False
            for seed in range(5):
                with warnings.catch_warnings(record=True) as rec:
                    warnings.simplefilter("always")
                    model = getattr(__import__("weaksup.labelmodel", fromlist=[name]), name)().fit(A, seed=seed)
                warned |= any(issubclass(w.category, UserWarning) and not issubclass(w.category, ConvergenceWarning)
                              for w in rec)
                scores.append(test_score(model.predict_proba(A)))
            if np.mean(scores) < 0.8 * mv and not warned:
                silent_below.append((name, d, round(float(np.mean(scores)), 2), round(mv, 2)))
    assert silent_below == []


def test_gold_free_default_is_anchored_on_majority_vote() -> None:
    """Where MV has a unique winner the default agrees with it; only MV ties move."""
    L, y, _ = make_one_sided_votes(20_000, 9, 3, class_balance=[0.5, 0.3, 0.2], seed=5)
    auto = AutoLabelModel().fit(L, seed=0)
    assert auto.chosen_ == "GoldFree"
    counts = L.class_counts()
    top = counts.max(1, keepdims=True)
    unique = ((counts == top).sum(1) == 1) & (counts.sum(1) > 0)
    np.testing.assert_array_equal(auto.predict(L)[unique], counts.argmax(1)[unique])
    # and on the ties it beats the tie-break rule of MV
    ties = ((counts == top).sum(1) > 1) & (counts.sum(1) > 0)
    ours = (auto.predict(L)[ties] == y[ties]).mean()
    mv = (MajorityVote().fit(L).predict(L)[ties] == y[ties]).mean()
    assert ours > mv + 0.05, (ours, mv)


def test_gold_free_default_orders_ties_on_rows_with_many_votes() -> None:
    """The posterior orders an MV tie however many LFs vote: a 50-50 tie among 100 LFs is not left to chance."""
    acc = np.r_[np.full(50, 0.95), np.full(50, 0.5)]
    L, _, _ = make_votes(6000, 100, 2, accuracies=acc, propensities=0.9, seed=0)
    truth = np.arange(200) % 2
    tied = np.empty((200, 100), dtype=int)
    tied[:, :50], tied[:, 50:] = truth[:, None], 1 - truth[:, None]  # accurate LFs right, coin LFs wrong
    auto = AutoLabelModel().fit(L, seed=0)
    assert auto.chosen_ == "GoldFree"
    assert (auto.predict(tied, tie_break="abstain") == truth).all()
    P = auto.predict_proba(tied)
    assert np.all(np.abs(P[:, 0] - P[:, 1]) < 1e-3)  # majority vote still decides: the posterior only orders


# ------------------------------------------------------------------ labels are never read
def _copy_with_permuted_labels(src, dst, splits, seed):
    shutil.copytree(src, dst)
    rng = np.random.default_rng(seed)
    for split in splits:
        path = dst / f"{split}.json"
        data = json.loads(path.read_text())
        labels = [row["label"] for row in data.values()]
        for row, lab in zip(data.values(), rng.permutation(labels)):
            row["label"] = int(lab)
        path.write_text(json.dumps(data))


def _state_arrays(model):
    meta, arrays = model._state()
    return json.dumps(meta, sort_keys=True, default=str), arrays


@needs_wrench
@pytest.mark.parametrize("protocol", ["gold-free", "wrench"])
def test_fitted_default_ignores_permuted_labels(wrench_dir, tmp_path, protocol) -> None:
    from weaksup.data import load_wrench_folder

    name = "trec"  # multi-class, many one-sided LFs, MV ties: the gold-free default's ADS does real work
    splits = ["test", "valid"] if protocol == "gold-free" else ["test"]
    _copy_with_permuted_labels(wrench_dir / name, tmp_path / name, splits, seed=3)
    fitted = []
    for folder in (wrench_dir / name, tmp_path / name):
        ds = load_wrench_folder(folder)
        if protocol == "gold-free":
            parts = [ds.train.votes, ds.valid.votes, ds.test.votes]
            L = VoteMatrix(np.vstack([p.to_dense() for p in parts]), ds.train.votes.lf_names, ds.cardinality)
            model = AutoLabelModel().fit(L, seed=0)
        else:
            model = AutoLabelModel().fit(ds.train.votes, valid=(ds.valid.votes, ds.valid.labels), seed=0)
        fitted.append((model, ds))
    (a, ds_a), (b, ds_b) = fitted
    assert not np.array_equal(ds_a.test.labels, ds_b.test.labels)  # the copy really differs
    meta_a, arr_a = _state_arrays(a)
    meta_b, arr_b = _state_arrays(b)
    assert meta_a == meta_b
    assert arr_a.keys() == arr_b.keys()
    for key in arr_a:
        assert arr_a[key].tobytes() == arr_b[key].tobytes(), key
    assert a.predict_proba(ds_a.test.votes).tobytes() == b.predict_proba(ds_b.test.votes).tobytes()


# ------------------------------------------------------------------ k = 1000 (issue 16 #8)
@pytest.fixture(scope="module")
def many_classes():
    L, y, _ = make_votes(2000, 5, 1000, seed=0)
    Lv, yv, _ = make_votes(300, 5, 1000, seed=1)
    return L, y, Lv, yv


@pytest.mark.timeout(60)
def test_dawid_skene_at_1000_classes_keeps_up_with_majority_vote(many_classes) -> None:
    L, y, _, _ = many_classes
    mv = (MajorityVote().fit(L).predict(L) == y).mean()
    ds = DawidSkene().fit(L, seed=0)
    assert ds.one_coin_  # 2000 rows cannot fill 5 x 1000 x 1000 confusion cells
    assert (ds.predict(L) == y).mean() >= mv - 0.02


@pytest.mark.timeout(60)
def test_abstain_dawid_skene_at_1000_classes_keeps_up_with_majority_vote(many_classes) -> None:
    L, y, Lv, yv = many_classes
    mv = MajorityVote().fit(L)
    ads = AbstainDawidSkene().fit(L, seed=0)
    assert ads.one_coin_ and ads.prior_fixed_  # n = 2000 < k² rows; 2 rows a class: uniform prior
    assert (ads.predict(L) == y).mean() >= (mv.predict(L) == y).mean() - 0.02
    # on new rows too (per-class tables fitted on 2 rows a class scored 0.27 here, MV 0.65)
    assert (ads.predict(Lv) == yv).mean() >= (mv.predict(Lv) == yv).mean() - 0.02
    full = AbstainDawidSkene(confusion="full", max_iter=20).fit(L, seed=0)
    assert not full.one_coin_ and full.log_conf_.shape == (5, 1000, 1000)


def test_abstain_dawid_skene_one_coin_recovers_known_parameters() -> None:
    L, y, params = make_votes(100_000, 6, 4, class_balance=[0.4, 0.3, 0.2, 0.1], seed=3)
    ads = AbstainDawidSkene(confusion="one_coin").fit(L, seed=0)
    assert ads.one_coin_
    np.testing.assert_allclose(ads.lf_accuracies(), params["accuracies"], atol=0.03)
    np.testing.assert_allclose(ads.class_balance_, params["class_balance"], atol=0.03)
    # one firing rate per LF, the same under every class
    fire = 1 - np.exp(ads.log_abstain_)
    np.testing.assert_allclose(fire, np.repeat(fire[:, :1], 4, axis=1))
    np.testing.assert_allclose(fire[:, 0], params["propensities"], atol=0.01)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("cls", [MatrixCompletion, EBCC])
def test_dense_models_fail_fast_at_1000_classes(many_classes, cls) -> None:
    L = many_classes[0]
    with pytest.raises(ValueError, match=rf"{cls.__name__}: 1000 classes x 5 LFs.*use DawidSkene"):
        cls().fit(L)


@pytest.mark.timeout(60)
def test_auto_label_model_at_1000_classes(many_classes, tmp_path) -> None:
    L, y, Lv, yv = many_classes
    mv = (MajorityVote().fit(L).predict(L) == y).mean()
    auto = AutoLabelModel().fit(L, seed=0)
    assert (auto.predict(L) == y).mean() >= mv - 0.02
    # the gold-free default's one-coin AbstainDawidSkene saves its m × 2 and m × k numbers, not m·k²
    assert auto.model_.one_coin_
    auto.save(tmp_path / "auto.npz")
    with np.load(tmp_path / "auto.npz") as z:
        assert "model_.log_coin_" in z.files and not any("log_conf_" in f for f in z.files)
    np.testing.assert_array_equal(AutoLabelModel.load(tmp_path / "auto.npz").predict_proba(Lv), auto.predict_proba(Lv))
    with pytest.warns(UserWarning, match="skipping candidate 'MC'"):
        auto = AutoLabelModel().fit(L, valid=(Lv, yv), seed=0)
    assert "MC" not in auto.valid_scores_ and "EBCC" not in auto.valid_scores_


# ------------------------------------------------------------------ HyperLM adapter
@needs_wrench
def test_hyper_label_model_equals_hyperlm(wrench_dir) -> None:
    pytest.importorskip("hyperlm")
    from weaksup.data import load_wrench_folder
    from weaksup.labelmodel import HyperLabelModel
    from weaksup.labelmodel.hyper import _network

    ds = load_wrench_folder(wrench_dir / "youtube")
    L = ds.train.votes
    hlm = HyperLabelModel().fit(L)
    ours = hlm.predict_proba(L)
    theirs = _network("cpu", None).infer(L.to_dense(), return_probs=True)
    covered = (L.to_dense() >= 0).any(1)
    assert 0 < (~covered).sum() < L.n
    # hyperlm: float32; ours renormalised in float64
    np.testing.assert_allclose(ours[covered], theirs[covered], rtol=0, atol=1e-6)
    # rows without a vote: hyperlm masks them out of its training loss, and its network gives them one fixed,
    # untrained class-1 probability; the adapter gives them uniform probabilities (or the class balance)
    np.testing.assert_allclose(theirs[~covered], theirs[~covered][:1].repeat((~covered).sum(), 0), atol=1e-6)
    assert theirs[~covered][0, 1] > 0.55
    np.testing.assert_array_equal(ours[~covered], 0.5)
    np.testing.assert_allclose(hlm.class_balance_, ours[covered].mean(0))
    prior = HyperLabelModel(uncovered="prior").fit(L).predict_proba(L)
    np.testing.assert_array_equal(prior[covered], ours[covered])
    np.testing.assert_allclose(prior[~covered], np.tile(hlm.class_balance_, ((~covered).sum(), 1)))
    # new rows are labelled in the context of the fitted votes
    test = HyperLabelModel().fit(L).predict_proba(ds.test.votes)
    ctx = _network("cpu", None).infer(np.vstack([L.to_dense(), ds.test.votes.to_dense()]), return_probs=True)
    new_covered = (ds.test.votes.to_dense() >= 0).any(1)
    np.testing.assert_allclose(test[new_covered], ctx[L.n:][new_covered], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(test[~new_covered], 0.5)


@needs_wrench
def test_hyper_label_model_labels_votes_that_end_in_rows_without_a_vote(wrench_dir) -> None:
    # hyperlm sizes its output by the last row with a vote: trailing vote-less rows used to crash the adapter
    pytest.importorskip("hyperlm")
    from weaksup.data import load_wrench_folder
    from weaksup.labelmodel import HyperLabelModel
    from weaksup.labelmodel.hyper import _network

    ds = load_wrench_folder(wrench_dir / "youtube")
    d = ds.train.votes.to_dense()
    covered = (d >= 0).any(1)
    X = np.vstack([d[covered], d[~covered][:3]])  # the last three rows have no vote
    theirs = _network("cpu", None).infer(X, return_probs=True)
    assert len(theirs) == len(X) - 3
    ours = HyperLabelModel().fit(X).predict_proba(X)
    np.testing.assert_allclose(ours[:-3], theirs, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(ours[-3:], 0.5)
    new = HyperLabelModel(uncovered="prior").fit(d).predict_proba(X[-4:])  # new rows, again ending vote-less
    assert new.shape == (4, 2) and np.isfinite(new).all()


def test_hyper_label_model_bad_checkpoint_names_the_file(tmp_path) -> None:
    # torch's unpickler said only "unpack requires a buffer of 4 bytes", naming no file
    pytest.importorskip("hyperlm")
    from weaksup.labelmodel import HyperLabelModel

    votes = make_votes(50, 4, 2, seed=0)[0]
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"PK\x03\x04 not a checkpoint")
    with pytest.raises(ValueError, match=r"cannot load checkpoint_path '.*junk\.pt' as a HyperLM checkpoint"):
        HyperLabelModel(checkpoint_path=str(junk)).fit(votes)
    with pytest.raises(FileNotFoundError, match=r"checkpoint_path '.*missing\.pt' does not exist"):
        HyperLabelModel(checkpoint_path=str(tmp_path / "missing.pt")).fit(votes)


def test_hyper_label_model_on_one_lf_and_one_voted_row() -> None:
    # hyperlm squeezes its input, so one LF or one row lost an axis and crashed in torch (IndexError)
    pytest.importorskip("hyperlm")
    from weaksup.labelmodel import HyperLabelModel
    from weaksup.labelmodel.hyper import _network

    # the adapter pads a vote-less row and LF: they change nothing in hyperlm's output
    X = make_votes(300, 5, 3, seed=3)[0].to_dense().astype(np.int64)
    padded = np.pad(X, ((0, 1), (0, 1)), constant_values=-1)
    np.testing.assert_array_equal(_network("cpu", None).infer(padded, return_probs=True),
                                  _network("cpu", None).infer(X, return_probs=True))
    one_lf = VoteMatrix(np.array([[0], [1], [-1], [1]] * 10), cardinality=2)
    P = HyperLabelModel().fit(one_lf).predict_proba(one_lf)
    assert np.isfinite(P).all() and np.allclose(P.sum(1), 1) and (P[2] == 0.5).all()
    assert (P[[1, 3]].argmax(1) == 1).all() and (P[0].argmax() == 0)  # one LF: its vote is the label
    with pytest.raises(ValueError, match="votes: HyperLabelModel needs votes on at least two rows; got votes on 1 of"):
        HyperLabelModel().fit(VoteMatrix(np.array([[0, 1, -1], [-1, -1, -1], [-1, -1, -1]]), cardinality=2))
