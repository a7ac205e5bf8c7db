"""Label models and the shard-writing applier on a real multi-process Dask cluster.

One module-scoped ``LocalCluster(processes=True, n_workers=2, threads_per_worker=1)``:
LFs and models are pickled to other processes, as on any real deployment.
Dask results are compared with the in-memory fit on the same votes.
"""

from __future__ import annotations

import os
import signal
import warnings

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

import weaksup.labelmodel as lm  # noqa: E402
from weaksup import VoteMatrix  # noqa: E402
from weaksup.apply import apply_lfs  # noqa: E402
from weaksup.apply.engines.dask import apply_to_shards  # noqa: E402
from weaksup.dask_votes import MANIFEST, DaskVotes, write_manifest, write_shard  # noqa: E402
from weaksup.lf import labeling_function  # noqa: E402
from weaksup.synthetic import make_votes  # noqa: E402

pytestmark = pytest.mark.slow

CLOSED_FORM = ["MajorityVote", "WeightedMajorityVote", "MatrixCompletion", "FlyingSquid"]


@pytest.fixture(scope="module")
def client():
    import dask

    # one retry: a task whose worker dies twice fails the job (KilledWorker), tested below
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _vote_sets():
    sets = []
    L, _, _ = make_votes(20000, 10, 3, seed=3)
    sets.append(("synthetic-k3", L))
    data = os.environ.get("WEAKSUP_DATA")
    if data:
        from weaksup.data import load_wrench

        for name in ("youtube", "trec"):
            if os.path.isdir(os.path.join(data, name)):
                sets.append((name, load_wrench(name, data).train.votes))
    return sets


def _computed(x):
    return x.compute() if hasattr(x, "compute") else x


def _check_same(name, a, b, L, X, tol=1e-9):
    pa, pb = _computed(a.predict_proba(L)), b.predict_proba(X).compute()
    assert pa.shape == pb.shape
    assert np.abs(pa - pb).max() <= tol, name
    assert np.array_equal(_computed(a.predict(L)), b.predict(X).compute()), name


def test_label_models_on_dask_equal_in_memory(client):
    for set_name, L in _vote_sets():
        X = da.from_array(L.to_dense(), chunks=(max(1, L.n // 5), L.m))  # 5-6 row partitions
        V = DaskVotes(X, L.lf_names, L.cardinality)
        for model in CLOSED_FORM:
            M = getattr(lm, model)
            a = M().fit(L, seed=0)
            b = M().fit(V, seed=0)
            assert b.n_seen_ == L.n and b.lf_names_ == L.lf_names
            _check_same(f"{set_name} {model}", a, b, L, V)
        # WRENCH sets run to max_iter (300): 60 map-reduce rounds keep the test short, same comparison
        kw = {} if set_name.startswith("synthetic") else {"max_iter": 60}
        a = lm.DawidSkene(**kw).fit(L)
        b = lm.DawidSkene(**kw).fit(X)  # a bare Dask array works too
        assert a.n_iter_ == b.n_iter_
        _check_same(f"{set_name} DawidSkene", a, b, L, X, tol=1e-7)


def test_dask_fit_warns_about_copied_lfs_as_in_memory(client):
    # the copied-LF warning came only from in-memory fits; closed-form models read it from reduced statistics
    L, _, _ = make_votes(3000, 5, 2, seed=1)
    D = L.to_dense()
    C = VoteMatrix(np.column_stack([D, D[:, 0]]), lf_names=L.lf_names + ["lf_0_copy"], cardinality=2)
    X = da.from_array(C.to_dense(), chunks=(600, C.m))
    V = DaskVotes(X, C.lf_names, 2)
    for model in ("WeightedMajorityVote", "FlyingSquid", "MatrixCompletion"):
        M = getattr(lm, model)
        with pytest.warns(UserWarning, match=r"LFs 'lf_0' and 'lf_0_copy' vote the same class on 100\.0%"):
            M().fit(C, seed=0)
        with pytest.warns(UserWarning, match=r"LFs 'lf_0' and 'lf_0_copy' vote the same class on 100\.0%"):
            M().fit(V, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lm.FlyingSquid().fit(DaskVotes(da.from_array(D, chunks=(600, L.m)), L.lf_names, 2), seed=0)


def test_streamed_em_equals_held_em(client, tmp_path):
    """weaksup.em-hold-patterns=False re-reads every partition each iteration: the same fit, nothing held."""
    import dask

    from weaksup.labelmodel._dask import EM_HOLD_KEY

    L, _, _ = make_votes(12000, 8, 3, propensities=0.4, seed=5)
    X = da.from_array(L.to_dense(), chunks=(2500, L.m))
    held = lm.DawidSkene(max_iter=40).fit(X)
    with dask.config.set({EM_HOLD_KEY: False}):
        streamed = lm.DawidSkene(max_iter=40).fit(X)
    assert held.n_iter_ == streamed.n_iter_
    assert np.abs(held.log_conf_ - streamed.log_conf_).max() < 1e-9  # row sums instead of table sums
    _check_same("streamed DawidSkene", held, streamed, X, X, tol=1e-9)


def test_one_coin_dawid_skene_on_dask_equals_in_memory(client):
    """One-coin EM maps per-LF agreement and firing counts (m + m·k numbers a partition, not m·k²),
    held or streamed; with ``confusion="auto"`` the first pass's vote total picks one-coin on the client."""
    import dask

    from weaksup.labelmodel._dask import EM_HOLD_KEY

    L, _, _ = make_votes(3000, 8, 40, propensities=0.3, seed=6)  # ~7k votes < 8·40² cells: auto is one-coin
    X = da.from_array(L.to_dense(), chunks=(700, L.m))
    for kw in ({}, {"confusion": "one_coin", "abstain_as_class": True}):
        a = lm.DawidSkene(max_iter=30, **kw).fit(L)
        b = lm.DawidSkene(max_iter=30, **kw).fit(X)
        with dask.config.set({EM_HOLD_KEY: False}):
            c = lm.DawidSkene(max_iter=30, **kw).fit(X)
        assert a.one_coin_ and b.one_coin_ and c.one_coin_
        assert a.n_iter_ == b.n_iter_ == c.n_iter_
        _check_same(f"one-coin DawidSkene {kw}", a, b, L, X, tol=1e-9)
        _check_same(f"streamed one-coin DawidSkene {kw}", a, c, L, X, tol=1e-9)
    # a first pass whose full table would be too big counts the one-coin statistics; when the vote
    # total then asks for full tables (many votes), the pass is counted again in full
    L2, _, _ = make_votes(6000, 8, 3, propensities=0.5, seed=7)
    X2 = da.from_array(L2.to_dense(), chunks=(1500, L2.m))
    for votes, data, coin in ((L, X, True), (L2, X2, False)):
        a = lm.DawidSkene(max_iter=30).fit(votes)
        b = lm.DawidSkene(max_iter=30)
        b._first_pass_cells = 0  # an instance attribute: shipped to the workers with the model
        b.fit(data)
        assert a.one_coin_ == b.one_coin_ == coin and a.n_iter_ == b.n_iter_
        _check_same(f"DawidSkene, one-coin first pass, one_coin_={coin}", a, b, votes, data, tol=1e-9)


def test_abstain_dawid_skene_on_dask_equals_in_memory(client):
    """Its EM runs on the client over the distinct-row table reduced on the workers (not a map-reduce per step)."""
    L, _, _ = make_votes(12000, 8, 3, propensities=0.4, seed=5)
    X = da.from_array(L.to_dense(), chunks=(2500, L.m))
    a, b = lm.AbstainDawidSkene().fit(L), lm.AbstainDawidSkene().fit(X)
    assert a.n_iter_ == b.n_iter_
    _check_same("AbstainDawidSkene", a, b, L, X, tol=1e-9)


def test_dask_fit_with_valid_and_class_balance(client):
    L, y, _ = make_votes(8000, 6, 2, seed=1)
    Lv, yv, _ = make_votes(500, 6, 2, seed=2)
    X = da.from_array(L.to_dense(), chunks=(2000, 6))
    for M, kw in [(lm.DawidSkene, {"valid": (Lv, yv)}), (lm.WeightedMajorityVote, {"valid": (Lv, yv)}),
                  (lm.MatrixCompletion, {"class_balance": [0.3, 0.7]})]:
        params = {"accuracy_source": "valid"} if M is lm.WeightedMajorityVote else {}
        a = M(**params).fit(L, seed=0, **kw)
        b = M(**params).fit(X, seed=0, **kw)
        _check_same(M.__name__, a, b, L, X, tol=1e-7)


def test_partial_fit_on_dask_chunks_equals_fit_on_all_rows(client):
    """partial_fit with Dask chunks (statistics reduced on the workers), alone or after an in-memory
    chunk, gives the model of one in-memory fit on all rows."""
    L, _, _ = make_votes(9000, 8, 3, seed=4)
    parts = [L[:3000], L[3000:7000], L[7000:]]
    dasked = [DaskVotes(da.from_array(p.to_dense(), chunks=(1500, L.m)), L.lf_names, 3) for p in parts]
    for model in CLOSED_FORM + ["DawidSkene"]:
        M = getattr(lm, model)
        a = M(cardinality=3).fit(L, seed=0)
        b = M(cardinality=3)
        for V in dasked[:-1]:
            b.partial_fit(V, refit=False)
        b.partial_fit(dasked[-1], seed=0)
        c = M(cardinality=3).partial_fit(parts[0], refit=False).partial_fit(dasked[1], refit=False)
        c.partial_fit(parts[2], seed=0)  # in memory, Dask, in memory
        for other in (b, c):
            assert other.n_seen_ == L.n
            pa, po = a.predict_proba(L), other.predict_proba(L)
            assert np.abs(pa - po).max() <= (1e-7 if model == "DawidSkene" else 1e-9), model
            assert np.array_equal(a.predict(L), other.predict(L)), model
    # a Dask chunk's LFs are matched by name, as an in-memory chunk's: other LFs are refused
    named = DaskVotes(da.from_array(parts[0].to_dense(), chunks=(1500, L.m)), [f"a{j}" for j in range(L.m)], 3)
    renamed = DaskVotes(da.from_array(parts[1].to_dense(), chunks=(1500, L.m)), [f"x{j}" for j in range(L.m)], 3)
    with pytest.raises(ValueError, match=r"partial_fit chunk\) do not hold the LFs.*missing \['a0'"):
        lm.MajorityVote(cardinality=3).partial_fit(named, refit=False).partial_fit(renamed)


def test_score_on_dask_votes_equals_in_memory(client):
    """score on Dask votes: labels (and probabilities for auc/logloss) computed on the workers."""
    L, y, _ = make_votes(6000, 7, 2, seed=5)
    V = DaskVotes(da.from_array(L.to_dense(), chunks=(1000, L.m)), L.lf_names, 2)
    for model in ("MajorityVote", "MatrixCompletion"):
        mdl = getattr(lm, model)(cardinality=2).fit(L, seed=0)
        for metric in ("accuracy", ["f1_binary", "auc", "logloss"]):
            for tie_break in ("random", "abstain"):
                want = mdl.score(L, y, metric, tie_break)
                assert mdl.score(V, y, metric, tie_break) == want, (model, metric, tie_break)
                assert mdl.score(V, da.from_array(y, chunks=2500), metric, tie_break) == want
    with pytest.raises(ValueError, match="6000 rows but y has 10"):
        mdl.score(V, y[:10])


def test_dask_votes_errors_name_the_problem(client):
    bad = np.zeros((100, 3), dtype=np.int64)
    bad[70, 1] = 5
    X = da.from_array(bad, chunks=(50, 3))
    with pytest.raises(ValueError, match="partition starting at row 50.*out of range"):
        lm.MajorityVote(cardinality=3).fit(X)
    good = da.from_array(np.arange(300, dtype=np.int64).reshape(100, 3) % 2, chunks=(50, 3))  # both classes
    mv = lm.MajorityVote(cardinality=2).fit(good)
    with pytest.raises(ValueError, match="fitted on 3"):
        mv.predict_proba(da.from_array(np.zeros((10, 4), dtype=np.int64)))
    with pytest.raises(NotImplementedError, match="EBCC.*cannot be fitted on Dask"):
        lm.EBCC().fit(good)
    with pytest.raises(TypeError, match="not gathered implicitly.*to_vote_matrix"):
        np.asarray(DaskVotes(good))
    with pytest.raises(ValueError, match="dtype complex"):
        DaskVotes(da.from_array(np.zeros((4, 3), dtype=complex)))


def _lfs():
    # defined inside a function, so cloudpickle ships them by value: a closure and resources=
    min_len = 12

    @labeling_function(resources={"words": ("check", "subscribe", "channel")})
    def spammy(x, words):
        return 1 if any(w in x.text.lower() for w in words) else -1

    @labeling_function()
    def long_text(x):
        return 0 if len(x.text) > min_len else -1

    @labeling_function()
    def has_link(x):
        return 1 if "http" in x.text else -1

    return [spammy, long_text, has_link]


def _frame():
    texts = ["check my channel http://x", "nice song", "subscribe please", "I love this tune so much",
             "http://spam.example", "great", "channel check out", "this is a long comment about music"]
    return pd.DataFrame({"text": [texts[i % len(texts)] + f" {i}" for i in range(400)]})


def test_apply_to_shards_equals_serial_apply(client, tmp_path):
    df = _frame()
    ref = apply_lfs(_lfs(), df, cardinality=2, progress=False)
    V = apply_to_shards(_lfs(), dd.from_pandas(df, npartitions=4, sort=False), tmp_path / "votes",
                        cardinality=2, progress=False)
    assert V.npartitions == 4 and V.report.engine == "dask" and V.report.n_rows == 400
    assert V.to_vote_matrix() == ref
    shards = [f"part-{i:05d}.{ext}" for i in range(4) for ext in ("key", "npz")]  # .key: what made the shard
    assert sorted(os.listdir(tmp_path / "votes")) == [MANIFEST] + shards
    # from Parquet, reopened from disk, then fitted without gathering
    df.to_parquet(tmp_path / "in.parquet")
    V2 = apply_to_shards(_lfs(), str(tmp_path / "in.parquet"), tmp_path / "votes2", cardinality=2, progress=False)
    assert DaskVotes.from_shards(tmp_path / "votes2").to_vote_matrix() == ref
    a, b = lm.MajorityVote().fit(ref), lm.MajorityVote().fit(V2)
    assert np.abs(a.predict_proba(ref) - b.predict_proba(V2).compute()).max() == 0
    with pytest.raises(FileExistsError, match="overwrite=True"):
        apply_to_shards(_lfs(), df, tmp_path / "votes", cardinality=2, progress=False)


def test_lfapplier_apply_to_shards(client, tmp_path):
    """The applier's own entry point: its LFs, fault policy and cardinality, votes left on disk."""
    from weaksup import LFApplier

    df = _frame()
    applier = LFApplier(_lfs(), cardinality=2, n_jobs=3, progress=False)
    V = applier.apply_to_shards(df, tmp_path / "votes")
    assert V.npartitions == 3 and applier.last_report is V.report and V.report.n_rows == len(df)
    assert V.to_vote_matrix() == applier.apply(df)
    with pytest.raises(ValueError, match="cardinality="):
        LFApplier(_lfs(), progress=False).apply_to_shards(df, tmp_path / "other")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        applier.apply_to_shards(df, tmp_path / "votes")
    assert applier.apply_to_shards(df, tmp_path / "votes", overwrite=True).to_vote_matrix() == V.to_vote_matrix()


def test_incomplete_shard_directory_is_refused(tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    for i in range(2):
        write_shard(d, i, np.array([[0, 1], [1, -1]]), ["a", "b"], 2)
    with pytest.raises(ValueError, match="no _manifest.json; the shard directory is incomplete"):
        DaskVotes.from_shards(d)
    write_manifest(d, ["a", "b"], 2, [2, 2, 2])  # lists a third shard that was never written
    with pytest.raises(ValueError, match=r"1 shard\(s\) that do not exist: \['part-00002.npz'\]"):
        DaskVotes.from_shards(d)
    write_manifest(d, ["a", "b"], 2, [2, 3])  # row count disagrees with the file
    with pytest.raises(ValueError, match="part-00001.npz: shard holds 2 rows"):
        DaskVotes.from_shards(d).to_vote_matrix()


def test_worker_killed_mid_apply_job_completes_or_fails_clearly(client, tmp_path):
    df = _frame()
    ref = apply_lfs(_lfs(), df, cardinality=2, progress=False)
    marker = tmp_path / "killed-once"

    def make_killer(times):
        @labeling_function(batched=True)
        def killer(frame):
            # partition 2 kills its worker process (SIGKILL, mid-task, before its shard is written)
            if frame.index[0] == 200:
                n = int(marker.read_text()) if marker.exists() else 0
                if n < times:
                    marker.write_text(str(n + 1))
                    os.kill(os.getpid(), signal.SIGKILL)
            return np.full(len(frame), -1)
        return killer

    src = dd.from_pandas(df, npartitions=4, sort=False)
    V = apply_to_shards(_lfs() + [make_killer(1)], src, tmp_path / "retry", cardinality=2, progress=False)
    assert marker.read_text() == "1"  # the worker died once; Dask reran the partition elsewhere
    assert V.to_vote_matrix().select_lfs([0, 1, 2]) == ref

    marker.unlink()
    # the partition named is the one Dask gave up on: 2, or one queued behind it on both dead workers
    with pytest.raises(RuntimeError, match=r"partition [0-3] \(rows [0-9]+\.\.[0-9]+\).*died"):
        apply_to_shards(_lfs() + [make_killer(10)], src, tmp_path / "fail", cardinality=2, progress=False)
    assert not (tmp_path / "fail" / MANIFEST).exists()
    with pytest.raises(ValueError, match="incomplete"):
        DaskVotes.from_shards(tmp_path / "fail")
    # the cluster recovers: the nannies restart the killed workers
    client.wait_for_workers(2, timeout=60)


def test_dask_engine_hands_lfs_the_same_cells_as_the_other_engines(client, capsys):
    """A pandas frame goes to the workers as it is: dask's string conversion used to hand LFs a token
    list as its repr ("free" in "['freedom']") and a missing text as None."""

    @labeling_function()
    def has_free_token(x):
        return 1 if "free" in x.tokens else -1

    @labeling_function()
    def missing_text(x):
        return 0 if isinstance(x.text, float) and np.isnan(x.text) else -1

    df = pd.DataFrame({"tokens": [["freedom", "fries"], ["free"], ["x"]] * 10,
                       "text": ["a", np.nan, "b"] * 10})
    lfs = [has_free_token, missing_text]
    ref = apply_lfs(lfs, df, progress=False)
    assert ref.to_dense()[:3].tolist() == [[-1, -1], [1, 0], [-1, -1]]
    got = apply_lfs(lfs, df, engine="dask", n_jobs=3, progress=True)
    assert got == ref
    assert "Applying 2 LFs on Dask: 100%" in capsys.readouterr().err  # the progress bar reaches the end


def test_dask_engine_names_the_lf_and_resource_that_cannot_travel(client):
    import sqlite3

    conn = sqlite3.connect(":memory:")

    @labeling_function(resources={"conn": conn})
    def lf_db(x, conn):
        return 1

    with pytest.raises(TypeError, match=r"LF 'lf_db' cannot be sent to the Dask workers: its resource 'conn' "
                                        r"\(Connection\) cannot be pickled"):
        apply_lfs([lf_db], _frame(), engine="dask", progress=False)
    conn.close()


def test_snorkel_memoised_preprocessor_after_a_serial_apply_on_dask(client):
    """A snorkel memo filled by a serial apply used to travel to the workers, holding Series that had lost
    the attributes the preprocessor set on them."""
    pytest.importorskip("snorkel")
    from snorkel.labeling import labeling_function as snorkel_lf
    from snorkel.preprocess import preprocessor as snorkel_pre

    @snorkel_pre(memoize=True)
    def lower(x):
        x.low = x.text.lower()
        return x

    @snorkel_lf(pre=[lower])
    def s_check(x):
        return 1 if "check" in x.low else -1

    df = pd.DataFrame({"text": ["Check this", "nice song", "check it"]})
    serial = apply_lfs([s_check], df, progress=False, cache=False)
    assert serial.to_dense().ravel().tolist() == [1, -1, 1] and lower._cache  # the memo is filled
    assert apply_lfs([s_check], df, engine="dask", n_jobs=2, progress=False, cache=False) == serial


def test_dask_dataframe_votes_are_cached_by_partition_content(client, tmp_path):
    """On a Dask DataFrame the vote cache was never read nor written: editing one LF re-ran every LF, and
    applying the same frame twice re-ran everything (in-memory cache and disk VoteCache alike).  The frame is
    now hashed partition-wise on the workers: only the edited LF re-runs; a changed cell or another
    partitioning is a miss, never stale votes."""
    from weaksup import LFApplier, VoteCache, keyword_lf

    df = pd.DataFrame({"text": [f"row {i} {'spam' if i % 3 == 0 else 'ham'}" for i in range(90)]})
    ddf = dd.from_pandas(df, npartitions=3, sort=False)
    lfs = [keyword_lf(["spam"], 1, name="kw_spam"), keyword_lf(["ham"], 0, name="kw_ham")]
    applier = LFApplier(lfs, progress=False)
    first = applier.apply(ddf)
    assert first.report.recomputed == ["kw_spam", "kw_ham"] and first.report.engine == "dask"
    again = applier.apply(ddf)
    assert again.report.recomputed == [] and again == first
    assert again == apply_lfs(lfs, df, progress=False)
    lfs[1] = keyword_lf(["ham", "row 1"], 0, name="kw_ham")
    edited = applier.apply(ddf, lfs)
    assert edited.report.recomputed == ["kw_ham"] and edited == apply_lfs(lfs, df, progress=False)

    changed = df.copy()
    changed.loc[4, "text"] = "row 4 spam"  # one cell: another key
    votes = applier.apply(dd.from_pandas(changed, npartitions=3, sort=False), lfs)
    assert votes.report.recomputed == ["kw_spam", "kw_ham"] and votes.column("kw_spam")[4] == 1
    other_split = applier.apply(dd.from_pandas(df, npartitions=2, sort=False), lfs)
    assert other_split.report.recomputed == ["kw_spam", "kw_ham"] and other_split == edited

    disk = LFApplier(lfs, cache=VoteCache(tmp_path / "votes"), progress=False)
    assert disk.apply(ddf).report.recomputed == ["kw_spam", "kw_ham"]
    reread = LFApplier(lfs, cache=VoteCache(tmp_path / "votes"), progress=False).apply(ddf)  # a new session
    assert reread.report.recomputed == [] and reread == edited
    assert dd.from_pandas(df.iloc[:0], npartitions=1).pipe(applier.apply, lfs).shape == (0, 2)


def test_apply_to_shards_rerun_after_a_failure_keeps_the_finished_shards(client, tmp_path):
    """After an LF failed (fault="raise"), the finished part-0000N.npz stayed on disk but the rerun demanded
    overwrite=True and recomputed every partition.  Each shard now has a part-<i>.key (partition content hash,
    one key per LF): the rerun into the incomplete directory keeps the columns of the unchanged LFs on the
    unchanged partitions and runs only the rest; a complete directory still needs overwrite=True."""
    from weaksup import LFApplier
    from weaksup.apply.errors import LFApplyError

    df = _frame()
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    out = tmp_path / "votes"

    def buggy_lf(bad: str | None):
        @labeling_function(name="buggy")
        def buggy(x):
            if x.text == bad:
                raise ValueError("bad")
            return 1 if x.text.endswith("7") else -1

        return buggy

    steady = _lfs()
    with pytest.raises(LFApplyError, match=r"LF 'buggy' raised ValueError on row 350"):
        LFApplier([*steady, buggy_lf(df.text[350])], cardinality=2, progress=False).apply_to_shards(ddf, out)
    assert MANIFEST not in os.listdir(out) and "part-00000.npz" in os.listdir(out)
    lfs = [*steady, buggy_lf(None)]  # the fix
    V = LFApplier(lfs, cardinality=2, progress=False).apply_to_shards(ddf, out)
    assert V.to_vote_matrix() == apply_lfs(lfs, df, cardinality=2, progress=False)
    calls = V.report.table["calls"].to_dict()
    assert calls["buggy"] == 400  # edited: every partition
    assert all(calls[lf.name] == 100 for lf in steady)  # only the partition that had failed (rows 300..399)

    with pytest.raises(FileExistsError, match="complete set of vote shards.*overwrite=True"):
        LFApplier(lfs, cardinality=2, progress=False).apply_to_shards(ddf, out)
    os.remove(out / MANIFEST)  # as after a failed run: nothing is recomputed for the same LFs and data
    again = LFApplier(lfs, cardinality=2, progress=False).apply_to_shards(ddf, out)
    assert again.report.recomputed == [] and again.to_vote_matrix() == V.to_vote_matrix()
    os.remove(out / MANIFEST)  # another partition content: recomputed, never the old votes
    changed = df.copy()
    changed.loc[5, "text"] = "subscribe 5"
    W = LFApplier(lfs, cardinality=2, progress=False).apply_to_shards(dd.from_pandas(changed, 4, sort=False), out)
    assert W.to_vote_matrix() == apply_lfs(lfs, changed, cardinality=2, progress=False)
    assert set(W.report.table["calls"]) == {100}
    os.remove(out / MANIFEST)
    os.remove(out / "part-00001.key")  # a shard nothing says how it was made: not resumed
    with pytest.raises(FileExistsError, match=r"part-00001.npz has no part-\*.key.*overwrite=True to recompute"):
        LFApplier(lfs, cardinality=2, progress=False).apply_to_shards(ddf, out)
    assert LFApplier(lfs, cardinality=2, progress=False).apply_to_shards(ddf, out, overwrite=True).report.recomputed \
        == [lf.name for lf in lfs]


def test_dask_dataframe_changed_between_hash_and_run_is_refused(client, tmp_path):
    """A Dask frame is hashed for the cache lookup in a pass of its own, then read again for the LFs: a source
    modified in between would have had the new votes cached under the old content's key.  The run hashes the
    partitions again; a difference is an error, nothing cached."""
    from weaksup import LFApplier, keyword_lf

    counter = tmp_path / "reads"
    counter.write_text("0")

    def drifting(p):  # each read of the source gives other rows (a file rewritten while the apply runs)
        reads = int(counter.read_text()) + 1
        counter.write_text(str(reads))
        return p.assign(text=p.text + f" v{reads}")

    df = pd.DataFrame({"text": ["spam a", "ham b"] * 10})
    ddf = dd.from_pandas(df, npartitions=1, sort=False)
    ddf = ddf.map_partitions(drifting, meta=ddf._meta)
    applier = LFApplier([keyword_lf(["spam"], 1, name="kw")], progress=False)
    applier.apply(ddf)  # hashed in the run (the cache was empty)
    with pytest.raises(RuntimeError, match="changed between the vote cache's hash pass and the LFs' run"):
        applier.apply(ddf, [keyword_lf(["ham"], 0, name="kw_ham")])
