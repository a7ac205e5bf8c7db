"""snorkel interop both ways: the same LFs through snorkel's PandasLFApplier and every weaksup engine."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from weaksup import ABSTAIN, LFApplier, LFApplyError, apply_lfs, keyword_lf, labeling_function, preprocessor, \
    regex_lf
from weaksup.lf import threshold_lf
from weaksup.synthetic import make_text_task

SPAM, HAM = 1, 0


@preprocessor(memoize=True)
def ws_lower(x):
    x.lower = x.text.lower()
    return x


def weaksup_lfs():
    """YouTube-spam style LFs written for weaksup: row-wise, with resources/preprocessors, and batched."""

    @labeling_function(pre=[ws_lower])
    def lf_my(x):
        return SPAM if "my" in x.lower.split() else ABSTAIN

    @labeling_function(resources={"words": ("love", "song", "beautiful")})
    def lf_ham(x, words):
        return HAM if any(w in x.text.lower() for w in words) else ABSTAIN

    @labeling_function()
    def lf_short(x):
        return HAM if len(x.text.split()) < 5 else ABSTAIN

    return [
        lf_my, lf_ham, lf_short,
        keyword_lf(["subscribe", "channel"], SPAM, name="kw_subscribe"),
        keyword_lf(["please", "plz", "visit"], SPAM, name="kw_please"),
        regex_lf(r"check.*out", SPAM, name="re_check_out"),
        regex_lf(r"https?://", SPAM, name="re_http"),
        threshold_lf("len(text)", 120, SPAM, op=">", name="thr_long"),
    ]


def snorkel_lfs():
    """The same kind of LFs written with snorkel's own decorators and preprocessor."""
    from snorkel.labeling import LabelingFunction, labeling_function as s_lf
    from snorkel.preprocess import preprocessor as s_pre

    @s_pre(memoize=True)
    def s_lower(x):
        x.lower = x.text.lower()
        return x

    @s_lf(pre=[s_lower])
    def s_my(x):
        return SPAM if "my" in x.lower.split() else ABSTAIN

    @s_lf(resources={"words": ("love", "song")})
    def s_ham(x, words):
        return HAM if any(w in x.text.lower() for w in words) else ABSTAIN

    pat = re.compile(r"check.*out", re.I)
    return [s_my, s_ham, LabelingFunction("s_check", f=lambda x: SPAM if pat.search(x.text) else ABSTAIN)]


@pytest.fixture(scope="module")
def datasets(request):
    synth, _ = make_text_task(400, seed=11)
    frames = {"synthetic": synth}
    from conftest import WRENCH

    if WRENCH is not None:
        from weaksup.data import load_wrench

        yt = load_wrench("youtube", WRENCH)
        frames["youtube"] = yt.train.data.iloc[:300]
    return frames


@pytest.fixture(scope="module")
def dask_client():
    import distributed  # test extra
    # worker processes (the LFs are pickled and run in another interpreter, as on a real cluster)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.slow
def test_weaksup_lfs_in_snorkel_applier_equal_every_weaksup_engine(datasets, dask_client):
    from snorkel.labeling import PandasLFApplier as SnorkelApplier

    import dask.dataframe as dd

    lfs = weaksup_lfs()
    for name, df in datasets.items():
        L = SnorkelApplier(lfs).apply(df, progress_bar=False)
        assert L.shape == (len(df), len(lfs)) and (L != -1).any(axis=0).all(), name  # every LF fires
        for engine in ("serial", "process", "dask"):
            V = apply_lfs(lfs, df, engine=engine, n_jobs=2, progress=False)
            assert np.array_equal(V.to_snorkel(), L), (name, engine)
        V = apply_lfs(lfs, dd.from_pandas(df, npartitions=3, sort=False), progress=False)
        assert np.array_equal(V.to_snorkel(), L), (name, "dask dataframe")


def test_snorkel_lfs_in_weaksup_applier(datasets):
    from snorkel.labeling import PandasLFApplier as SnorkelApplier

    s_lfs = snorkel_lfs()
    for name, df in datasets.items():
        L = SnorkelApplier(s_lfs).apply(df, progress_bar=False)
        for engine in ("serial", "process"):
            V = apply_lfs(s_lfs, df, engine=engine, n_jobs=2, progress=False)
            assert V.lf_names == ["s_my", "s_ham", "s_check"]
            assert np.array_equal(V.to_snorkel(), L), (name, engine)
        mixed = apply_lfs(s_lfs + weaksup_lfs(), df, progress=False)
        assert np.array_equal(mixed.to_snorkel()[:, :3], L)


def test_snorkel_lf_cached_and_faults_named(datasets):
    from snorkel.labeling import LabelingFunction

    df = datasets["synthetic"]
    calls = {"n": 0}

    def f(x):
        calls["n"] += 1
        return 1 if x.n_exclaim > 2 else -1

    applier = LFApplier([LabelingFunction("s_bang", f=f)], progress=False)
    applier.apply(df)
    applier.apply(df)
    assert calls["n"] == len(df)  # second run served from the column cache
    boom = LabelingFunction("s_boom", f=lambda x: 1 // 0)
    with pytest.raises(LFApplyError, match="'s_boom' raised ZeroDivisionError") as info:
        apply_lfs([boom], df, progress=False)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_migration_by_changing_imports(datasets):
    """A snorkel tutorial snippet runs unchanged after swapping the imports."""
    from snorkel.labeling import LFAnalysis as S_LFAnalysis
    from snorkel.labeling import PandasLFApplier as S_PandasLFApplier

    from weaksup.analysis import LFAnalysis
    from weaksup.apply import PandasLFApplier

    df = datasets["synthetic"]
    y = np.asarray(make_text_task(400, seed=11)[1])
    lfs = weaksup_lfs()

    def tutorial(applier_cls, analysis_cls):
        applier = applier_cls(lfs=lfs)
        L_train = applier.apply(df=df, progress_bar=False)
        return L_train, analysis_cls(L=L_train, lfs=lfs).lf_summary(Y=y)

    L_s, summary_s = tutorial(S_PandasLFApplier, S_LFAnalysis)
    L_w, summary_w = tutorial(PandasLFApplier, LFAnalysis)
    assert isinstance(L_w, np.ndarray) and L_w.dtype == np.int64 and np.array_equal(L_w, L_s)
    assert list(summary_w.columns) == list(summary_s.columns) and list(summary_w.index) == list(summary_s.index)
    for col in ("Coverage", "Overlaps", "Conflicts", "Correct", "Incorrect", "Emp. Acc."):
        np.testing.assert_allclose(summary_w[col].to_numpy(float), summary_s[col].to_numpy(float), atol=1e-12)

    # fault_tolerant / return_meta behave like snorkel's
    boom = labeling_function(name="boom")(lambda x: 1 // (x.n_words - 4))
    L, meta = PandasLFApplier([boom]).apply(df, progress_bar=False, fault_tolerant=True, return_meta=True)
    L_s, meta_s = S_PandasLFApplier([boom]).apply(df, progress_bar=False, fault_tolerant=True, return_meta=True)
    assert np.array_equal(L, L_s) and meta.faults == dict(meta_s.faults)
    with pytest.raises(ValueError, match="duplicate LF names"):
        PandasLFApplier([boom, boom])
    # snorkel's progress_bar= is the drop-in signature (no warning); weaksup's progress= works too
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert np.array_equal(PandasLFApplier(lfs).apply(df, progress_bar=False), L_w)
        assert np.array_equal(PandasLFApplier(lfs).apply(df, progress=False), L_w)
