"""Label models on Dask behave as in memory (LFs matched by name, fit-time checks, refits), DaskVotes
checks its input as VoteMatrix does, and save/load keeps what partial_fit needs and refuses bad files.

Dask tests run on a real ``LocalCluster``, in-process (threads) and multi-process, small data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import weaksup.labelmodel as lm  # noqa: E402
from weaksup import VoteMatrix  # noqa: E402
from weaksup.dask_votes import DaskVotes  # noqa: E402
from weaksup.synthetic import make_votes  # noqa: E402


@pytest.fixture(scope="module", params=["threads", "processes"])
def client(request):
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=request.param == "processes",
                                       dashboard_address=None)
    c = distributed.Client(cluster, set_as_default=True)
    yield c
    c.close()
    cluster.close()


def _named(n=1500, m=5, k=3, seed=7):
    L, y, _ = make_votes(n, m, k, seed=seed)
    names = [f"lf_{c}" for c in "abcdefgh"[:m]]
    return VoteMatrix(L.to_dense(), names, k), y


def _dask(L, rows=400):
    return DaskVotes(da.from_array(L.to_dense(), chunks=(rows, L.m)), L.lf_names, L.cardinality)


# ------------------------------------------------------------ DaskVotes input checks
def test_dask_votes_checks_names_and_cardinality_as_vote_matrix_does():
    A = np.array([[0, 1], [-1, 1], [1, 1], [0, -1]])
    X = da.from_array(A, chunks=(2, 2))
    for kwargs in ({"lf_names": ["a", "a"]}, {"lf_names": "ab"}, {"lf_names": ["a"]}, {"cardinality": 2.7},
                   {"cardinality": 0}):
        with pytest.raises((ValueError, TypeError)) as mem:
            VoteMatrix(A, **kwargs)
        with pytest.raises(type(mem.value)) as dsk:
            DaskVotes(X, **kwargs)
        assert str(dsk.value) == str(mem.value), kwargs
    wrapped = np.array([[255, 1], [0, 255]], dtype=np.uint8)  # -1 cast to uint8
    with pytest.raises(ValueError, match="dtype uint8 hold 255.*-1 \\(abstain\\) cast to uint8") as mem:
        VoteMatrix(wrapped)
    with pytest.raises(ValueError) as dsk:
        DaskVotes(da.from_array(wrapped, chunks=(1, 2)))
    assert str(dsk.value) == str(mem.value)
    assert DaskVotes(da.from_array(wrapped, chunks=(1, 2)), cardinality=256).cardinality == 256
    huge = np.zeros((6, 3), np.int32)
    huge[4, 2] = 70000
    with pytest.raises(ValueError, match="vote 70000 from LF 'c' \\(column 2\\) at row 4 would make 70001"):
        DaskVotes(da.from_array(huge, chunks=(2, 3)), ["a", "b", "c"])


# ------------------------------------------------------------ LFs matched by name on Dask
def _error(f):
    with pytest.raises(ValueError) as err:
        f()
    return str(err.value)


def test_dask_votes_are_matched_to_the_fitted_lfs_by_name(client):
    L, y = _named()
    perm = [4, 2, 0, 3, 1]
    Lp = L.select_lfs(perm)  # the same LFs, another column order, names and all
    for cls in (lm.MatrixCompletion, lm.DawidSkene):
        model = cls().fit(L, seed=0)
        ref = model.predict_proba(L)
        got = model.predict_proba(_dask(Lp)).compute()
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(model.predict(_dask(Lp), seed=0).compute(), model.predict(L, seed=0))
        assert model.score(_dask(Lp), y) == model.score(L, y)
    other = VoteMatrix(L.to_dense(), list("vwxyz"), 3)  # other LFs: refused, with the in-memory message
    assert _error(lambda: model.predict_proba(_dask(other))) == _error(lambda: model.predict_proba(other))
    assert _error(lambda: model.score(_dask(other), y)) == _error(lambda: model.score(other, y))
    # unnamed votes (a bare Dask array) are matched by position, as a plain array is in memory
    np.testing.assert_array_equal(model.predict_proba(da.from_array(L.to_dense(), chunks=(400, 5))).compute(),
                                  model.predict_proba(L.to_dense()))


def test_dask_fit_matches_valid_votes_and_partial_fit_chunks_by_name(client):
    L, _ = _named(3000, seed=7)
    Lv, yv = _named(600, seed=8)
    valid = (Lv.select_lfs([4, 3, 2, 1, 0]), yv)  # same LFs, other column order
    for cls, kw in ((lm.DawidSkene, {}), (lm.WeightedMajorityVote, {"accuracy_source": "valid"})):
        a = cls(**kw).fit(L, valid=valid, seed=0)
        b = cls(**kw).fit(_dask(L), valid=valid, seed=0)
        np.testing.assert_allclose(b.predict_proba(L), a.predict_proba(L), rtol=0, atol=1e-9)
    perm = [1, 0, 4, 3, 2]
    a = lm.MatrixCompletion().fit(L[:1000], seed=0).partial_fit(L[1000:].select_lfs(perm), seed=0)
    b = lm.MatrixCompletion().fit(L[:1000], seed=0).partial_fit(_dask(L[1000:].select_lfs(perm)), seed=0)
    np.testing.assert_array_equal(b.predict_proba(L), a.predict_proba(L))
    bad = VoteMatrix(L[1000:].to_dense(), list("vwxyz"), 3)
    fitted = lm.MatrixCompletion().fit(L[:1000], seed=0)
    assert _error(lambda: fitted.partial_fit(_dask(bad))) == _error(lambda: fitted.partial_fit(bad))


# ------------------------------------------------------------ fit-time checks on Dask
def _fit_warnings(model, votes):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        model.fit(votes, seed=0)
    return [(str(w.message).replace("DaskVotes.select_lfs", "VoteMatrix.select_lfs"), w.filename) for w in got
            if "Port" not in str(w.message)]


@pytest.mark.parametrize("hold", [True, False])
def test_dask_fit_runs_the_in_memory_checks_and_warnings(client, hold):
    """An LF that never fires and a one-sided LF: the same warnings as in memory (DawidSkene's EM path held
    or streamed); votes of one class or none: the in-memory error, and the model keeps its earlier fit."""
    import dask

    from weaksup.labelmodel._dask import EM_HOLD_KEY

    L, _ = _named(600, m=6)
    D = L.to_dense().copy()
    D[:, 5] = -1  # an LF that never fires
    D[:, 4] = np.where(D[:, 4] >= 0, 1, -1)  # an LF that votes one class only
    L = VoteMatrix(D, L.lf_names, 3)
    models = [lm.DawidSkene(max_iter=5)]
    if hold:  # the other models' path does not depend on the EM setting
        models += [lm.MajorityVote(), lm.MatrixCompletion(n_epochs=5), lm.WeightedMajorityVote()]
    with dask.config.set({EM_HOLD_KEY: hold}):
        for model in models:
            mem, dsk = _fit_warnings(model, L), _fit_warnings(model, _dask(L))
            assert [m for m, _ in dsk] == [m for m, _ in mem] and len(mem) >= 1, model
            assert dsk[0][1] == __file__  # the silent-LF warning points at the caller of fit
        one_class = np.where(D[:, :4] >= 0, 1, -1)
        silent = np.full((100, 4), -1)
        for model in models + [lm.AbstainDawidSkene()]:
            model.set_params(cardinality=2)
            for votes in (one_class, silent):
                with pytest.raises(ValueError) as mem:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        model.fit(votes)
                model.fit(np.array([[0, 1, 1, -1], [1, 0, 0, 0], [0, -1, 0, 1]] * 20))  # no LF one-sided
                state = model.predict_proba(np.array([[0, 1, -1, -1]]))
                with pytest.raises(ValueError) as dsk:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        model.fit(da.from_array(votes, chunks=(40, 4)))
                assert str(dsk.value) == str(mem.value)
                # a refused fit leaves the model as it was, as in memory
                np.testing.assert_array_equal(model.predict_proba(np.array([[0, 1, -1, -1]])), state)


# ------------------------------------------------------------ refits
def test_dawid_skene_refits_on_the_same_dask_votes_while_earlier_fits_live(client):
    """Each EM fit ships its model and holds its tables under keys of its own: a fit right after another on the
    same votes, with the same model state, reused the first fit's keys while that fit released them (on a
    threads cluster: FutureCancelledError, lost dependencies)."""
    L, _ = _named(400, m=4, k=2, seed=0)
    V = _dask(L, rows=100)
    ref = lm.DawidSkene(max_iter=20).fit(L, seed=0).predict_proba(L)
    kept = [lm.DawidSkene(max_iter=20).fit(V, seed=0) for _ in range(3)]
    for model in kept:
        np.testing.assert_allclose(model.predict_proba(L), ref, rtol=0, atol=1e-12)


# ------------------------------------------------------------ save / load keeps the stream
STREAMING = [
    lambda: lm.MajorityVote(),
    lambda: lm.WeightedMajorityVote(),
    lambda: lm.MatrixCompletion(),
    lambda: lm.MatrixCompletion(class_balance_source="em"),  # a pattern table inside the statistics dict
    lambda: lm.FlyingSquid(),
    lambda: lm.DawidSkene(),
    lambda: lm.DawidSkene(confusion="one_coin", abstain_as_class=True),
    lambda: lm.AbstainDawidSkene(),
]


@pytest.mark.parametrize("make", STREAMING)
@pytest.mark.parametrize("sparse", [False, True])
def test_loaded_model_continues_partial_fit_exactly_as_the_pickled_one(make, sparse, tmp_path):
    import pickle

    L, _, _ = make_votes(3000, 6, 3, seed=11)
    if sparse:
        L = L.as_sparse()
    a = make().fit(L[:1500], seed=0)
    a.save(tmp_path / "a.npz")
    loaded = type(a).load(tmp_path / "a.npz")
    assert loaded.n_seen_ == 1500
    pickled = pickle.loads(pickle.dumps(a))
    for model in (loaded, pickled):
        model.partial_fit(L[1500:2200], refit=False).partial_fit(L[2200:], seed=0)
        assert model.n_seen_ == 3000
    np.testing.assert_array_equal(loaded.predict_proba(L), pickled.predict_proba(L))
    np.testing.assert_array_equal(loaded.predict_proba(L), make().fit(L, seed=0).predict_proba(L))
    # saved again mid-stream (after partial_fit), it still continues
    loaded.save(tmp_path / "b.npz")
    again = type(a).load(tmp_path / "b.npz").partial_fit(L[:10], seed=0)
    assert again.n_seen_ == 3010


def test_partial_fit_refuses_a_model_whose_statistics_were_not_kept(client, tmp_path):
    """A file without partial_fit statistics (an older weaksup, a Dask map-reduce EM fit) and a Dask EM fit
    itself: partial_fit says why it cannot continue instead of silently starting over from the new chunk."""
    import json

    L, _ = _named(1200)
    mc = lm.MatrixCompletion().fit(L[:600], seed=0)
    mc.save(tmp_path / "mc.npz")
    with np.load(tmp_path / "mc.npz") as z:  # as an older weaksup wrote it: no stream
        arrays = {k: z[k] for k in z.files if not k.startswith("_stream.")}
    meta = json.loads(bytes(arrays["__meta__"]).decode())
    del meta["stream"], meta["n_seen_"]
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(tmp_path / "old.npz", **arrays)
    old = lm.MatrixCompletion.load(tmp_path / "old.npz")
    np.testing.assert_array_equal(old.predict_proba(L), mc.predict_proba(L))
    with pytest.raises(ValueError, match=r"MatrixCompletion.partial_fit cannot continue this model: it was loaded "
                                         r"from .*old.npz, which holds no partial_fit statistics"):
        old.partial_fit(L[600:])
    assert old.fit(L, seed=0).partial_fit(L[:10]).n_seen_ == 1210  # a new fit streams on
    ds = lm.DawidSkene(max_iter=10).fit(_dask(L[:600]), seed=0)
    with pytest.raises(ValueError, match="fitted on Dask votes by map-reduce EM"):
        ds.partial_fit(L[600:])
    ds.save(tmp_path / "ds.npz")
    with pytest.raises(ValueError, match=r"ds.npz, which holds no partial_fit statistics \(it was fitted on Dask"):
        lm.DawidSkene.load(tmp_path / "ds.npz").partial_fit(L[600:])
    # partial_fit on the Dask votes keeps the table on the client: it continues, as in memory
    streamed = lm.DawidSkene(max_iter=10).partial_fit(_dask(L[:600]), seed=0).partial_fit(L[600:], seed=0)
    np.testing.assert_allclose(streamed.predict_proba(L), lm.DawidSkene(max_iter=10).fit(L, seed=0).predict_proba(L),
                               rtol=0, atol=1e-12)


# ------------------------------------------------------------ load refuses bad files clearly
def _rewrite(src, dst, edit_meta=None, drop=None):
    import json

    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files if k != drop}
    meta = json.loads(bytes(arrays["__meta__"]).decode())
    if edit_meta is not None:
        edit_meta(meta)
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    np.savez(dst, **arrays)
    return dst


def test_load_names_the_file_and_what_is_wrong(tmp_path):
    L, _, _ = make_votes(600, 5, 3, seed=1)
    model = lm.MatrixCompletion().fit(L, seed=0)
    good = tmp_path / "mc.npz"
    model.save(good)
    raw = good.read_bytes()
    (tmp_path / "text.npz").write_text("lf_a,lf_b\n0,1\n")
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    np.save(tmp_path / "arr.npy", np.arange(3))
    cases = {
        "text.npz": r"not a weaksup file \(not an \.npz \(zip\) archive",
        "empty.npz": r"not a weaksup file \(an empty file\)",
        "cut.npz": r"not a weaksup file \(not an \.npz \(zip\) archive: another kind of file, or one cut short",
        "arr.npy": r"not a weaksup file \(a single numpy array \(\.npy\)\)",
        _rewrite(good, tmp_path / "new_param.npz", lambda m: m["params"].update(new_opt=3)).name:
            r"MatrixCompletion has no parameter 'new_opt' \(the file was written by another weaksup version\?\)",
        _rewrite(good, tmp_path / "bad_param.npz", lambda m: m["params"].update(n_epochs=-5)).name:
            r"saved parameters of MatrixCompletion are invalid: .*'n_epochs' must be an int",
        _rewrite(good, tmp_path / "no_mu.npz", drop="mu_").name: r"lacks fitted state \['mu_'\]",
        _rewrite(good, tmp_path / "no_shape.npz", lambda m: m.pop("n_lfs_")).name:
            r"not a complete weaksup label-model file .*'n_lfs_'",
    }
    for name, message in cases.items():
        path = tmp_path / name
        with pytest.raises(ValueError, match=message) as err:
            lm.LabelModel.load(path)
        assert str(path) in str(err.value), name
    ds = lm.DawidSkene(confusion="one_coin").fit(L)
    ds.save(tmp_path / "ds.npz")
    with pytest.raises(ValueError, match=r"ds_cut.npz: the DawidSkene in this file lacks fitted state \['log_conf_'\]"):
        lm.LabelModel.load(_rewrite(tmp_path / "ds.npz", tmp_path / "ds_cut.npz", drop="log_coin_"))
    with pytest.raises(FileNotFoundError, match=r"nowhere/x.npz: cannot save there, the directory .*nowhere does not"):
        model.save(tmp_path / "nowhere" / "x.npz")
    np.testing.assert_array_equal(lm.LabelModel.load(good).predict_proba(L), model.predict_proba(L))


# ------------------------------------------------------------ score seed, AutoLabelModel metric, chunk classes
def test_score_takes_the_seed_of_true_random_tie_breaks(client):
    rng = np.random.default_rng(0)
    D = rng.integers(-1, 3, size=(2000, 2))  # two LFs: many 1-1 ties
    y = rng.integers(0, 3, size=2000)
    mv = lm.MajorityVote(cardinality=3).fit(D)
    X = da.from_array(D, chunks=(500, 2))
    for votes in (D, X):
        scores = {mv.score(votes, y, tie_break="true-random", seed=s) for s in (1, 1, 1)}
        assert len(scores) == 1
        assert len({mv.score(votes, y, tie_break="true-random", seed=s) for s in range(6)}) > 1
    preds = mv.predict(D, tie_break="true-random", seed=3)
    assert mv.score(D, y, tie_break="true-random", seed=3) == float((preds == y).mean())
    dask_preds = mv.predict(X, tie_break="true-random", seed=3).compute()
    assert mv.score(X, y, tie_break="true-random", seed=3) == float((dask_preds == y).mean())
    # each row draws by (seed, row): every partition did restart one stream, so Dask's labels differed
    np.testing.assert_array_equal(dask_preds, preds)


def test_auto_label_model_checks_its_metric_at_fit():
    L, _, _ = make_votes(300, 5, 2, seed=0)
    Lv, yv, _ = make_votes(100, 5, 2, seed=1)
    with pytest.raises(ValueError, match=r"AutoLabelModel: unknown metric 'foo'; choose from \('accuracy'"):
        lm.AutoLabelModel(metric="foo").fit(L)  # gold-free: the metric is never used, still refused
    with pytest.raises(ValueError, match=r"metric 'auc' reads probs, but the choice scores each candidate's hard"):
        lm.AutoLabelModel(metric="auc").fit(L, valid=(Lv, yv))
    assert lm.AutoLabelModel(metric="f1_macro").fit(L, valid=(Lv, yv)).chosen_


def test_partial_fit_chunk_with_a_class_the_first_chunk_lacked_says_so(client):
    first = np.array([[0, 1, -1], [1, 1, 0]] * 20)  # classes 0 and 1 only: 2 classes inferred
    later = np.array([[0, 2, -1], [1, 1, 2]] * 20)
    message = (r"votes \(partial_fit chunk\) hold class 2, but MatrixCompletion has 2 classes, inferred from the rows "
               r"it saw first .*MatrixCompletion\(cardinality=3\) or more \(or cardinality= on the first chunk's "
               r"VoteMatrix\)")
    for chunk in (later, VoteMatrix(later), da.from_array(later, chunks=(20, 3)),
                  DaskVotes(da.from_array(later, chunks=(20, 3)))):
        with pytest.raises(ValueError, match=message):
            lm.MatrixCompletion().partial_fit(first, refit=False).partial_fit(chunk)
    # with the class count given, the same chunks stream on
    fitted = lm.MatrixCompletion(cardinality=3).partial_fit(first, refit=False).partial_fit(later, seed=0)
    assert fitted.n_seen_ == 80 and fitted.cardinality_ == 3
    with pytest.raises(ValueError, match="out of range") as err:  # a fixed class count: the plain range error
        lm.MatrixCompletion(cardinality=2).partial_fit(first, refit=False).partial_fit(later)
    assert "partial_fit chunk) hold class" not in str(err.value)
