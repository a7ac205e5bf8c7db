"""Labeling functions, LF families, preprocessors and the serial / process / Dask appliers."""

from __future__ import annotations

import os

import re

import numpy as np
import pandas as pd
import pytest

from weaksup import (
    ABSTAIN,
    LFApplier,
    LFApplyError,
    LFOutputError,
    VoteCache,
    apply_lfs,
    keyword_lf,
    labeling_function,
    lfs_from_table,
    preprocessor,
    regex_lf,
)
from weaksup.lf import Row, regex_search, threshold_lf
from weaksup.synthetic import make_text_task

TEXTS = ["Check out my channel http://x.com", "I love this song", "Subscribe!!", "", "Freedom café", "free stuff"]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.DataFrame({"text": TEXTS, "n": [1, 5, 3, np.nan, 2, 8]}, index=[f"r{i}" for i in range(len(TEXTS))])


@pytest.fixture(scope="module")
def task() -> pd.DataFrame:
    data, _ = make_text_task(2000, seed=7)
    return data


class Counter:
    """Call counter kept out of the LF's fingerprint (an object, not a literal)."""

    def __init__(self) -> None:
        self.n = 0


def mixed_lfs():
    """Row-wise, resource-taking and batched LFs of every family."""

    @labeling_function(resources={"words": {"love", "song", "beautiful"}})
    def lf_ham_words(x, words):
        return 0 if words & set(x.text.lower().split()) else ABSTAIN

    @labeling_function()
    def lf_many_words(x):
        return 0 if x.n_words >= 20 else ABSTAIN

    return [
        lf_ham_words,
        lf_many_words,
        keyword_lf(["subscribe", "channel"], 1, name="kw_sub"),
        keyword_lf("check out", 1, name="kw_check_out"),
        regex_lf(r"https?://\S+", 1, name="re_url"),
        regex_lf(r"!{2,}", 1, name="re_bang"),
        threshold_lf("n_exclaim", 2, 1, name="thr_bang"),
        threshold_lf("len(text)", 30, 0, op="<", name="thr_short"),
    ]


# ------------------------------------------------------------------ families
def test_keyword_lf_whole_word_and_case(df):
    assert keyword_lf("free", 1)(df).tolist() == [-1, -1, -1, -1, -1, 1]
    assert keyword_lf("free", 1, whole_word=False)(df).tolist() == [-1, -1, -1, -1, 1, 1]
    assert keyword_lf("Free", 1, case_sensitive=True, whole_word=False)(df).tolist() == [-1, -1, -1, -1, 1, -1]
    assert keyword_lf(["café"], 0)(df).tolist() == [-1, -1, -1, -1, 0, -1]
    assert keyword_lf(["love", "subscribe"], 1).name == "keyword_love_subscribe_1"
    with pytest.raises(ValueError, match="at least one keyword"):
        keyword_lf([], 1)


def test_regex_lf_and_missing_field(df):
    assert regex_lf(r"!{2}", 1)(df).tolist() == [-1, -1, 1, -1, -1, -1]
    with pytest.raises(KeyError, match=r"LF 'r' reads field 'body', absent"):
        regex_lf("x", 1, field="body", name="r")(df)


@pytest.mark.parametrize(
    "pattern, flags",
    [(r"\bcafé\b", re.I), (r"\w+é", 0), (r"end$", 0), (r"x\sy", 0), (r"(a)\1", 0), (r"(?<=the )end", re.I),
     (r"k", re.I), (r"^\s*$", 0), (r"the  end", re.M), (r"a{,2}", 0), (r"[[:alpha:]]", 0),
     (r"[\b]", 0), (r"a{1,}", 0), (r"(?>a+)a", 0), ("\u017f", re.I), ("\u212a", re.I), ("\u0131", re.I),
     # RE2 finds a non-boundary \B in the empty text, Python's re (3.11) does not: empty rows go to re
     (r"\B", re.I), (r"^\B$", 0), (r"\W*\B", 0)],
)
# "[[:alpha:]]" is on purpose: Python reads it as a set (and warns), and so must the vectorised search
@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
def test_regex_search_is_exactly_python_re(pattern, flags):
    texts = pd.Series(["café!", "CAFÉ time", "the end\n", "x\x0by", "x y", "Kelvin \u212a", "aa", "", " ",
                       "the  END", None, "pass", "KIT", "kit"]).astype("string").fillna("")
    c = re.compile(pattern, flags)
    expected = [c.search(t) is not None for t in texts]
    assert regex_search(texts, c).tolist() == expected


def test_threshold_lf(df):
    assert threshold_lf("n", 3, 1)(df).tolist() == [-1, 1, 1, -1, -1, 1]  # NaN abstains
    assert threshold_lf("n", 3, 0, op="<")(df).tolist() == [0, -1, -1, -1, 0, -1]
    assert threshold_lf("len(text)", 0, 1, op="==")(df).tolist() == [-1, -1, -1, 1, -1, -1]
    with pytest.raises(ValueError, match="op must be one of"):
        threshold_lf("n", 1, 1, op="=>")


def test_lfs_from_table(df):
    table = pd.DataFrame({"pattern": ["subscribe", "love", r"https?://"], "label": ["SPAM", "HAM", "SPAM"],
                          "name": ["t_sub", "t_love", "t_url"]})
    kw = lfs_from_table(table.iloc[:2], name_col="name", label_names=["HAM", "SPAM"])
    assert [lf.name for lf in kw] == ["t_sub", "t_love"]
    V = apply_lfs(kw, df, progress=False)
    assert V.to_dense().tolist() == [[-1, -1], [-1, 0], [1, -1], [-1, -1], [-1, -1], [-1, -1]]
    rx = lfs_from_table(table.iloc[2:], name_col="name", label_names=["HAM", "SPAM"], kind="regex")
    assert rx[0](df).tolist() == [1, -1, -1, -1, -1, -1]
    with pytest.raises(ValueError, match="unknown label 'EGGS'"):
        lfs_from_table([{"pattern": "x", "label": "EGGS"}], label_names=["HAM", "SPAM"])
    with pytest.raises(KeyError, match="row 0 lacks"):
        lfs_from_table([{"regex": "x", "label": 1}])
    with pytest.raises(ValueError, match="kind must be"):
        lfs_from_table([{"pattern": "x", "label": 1}], kind="glob")


def test_labeling_function_semantics():
    @labeling_function(name="custom", resources={"k": 2})
    def f(x, k):
        return k if x.a > 0 else ABSTAIN

    assert f.name == "custom" and f(Row(a=1)) == 2 and f(pd.Series({"a": -1})) == -1
    assert "custom" in repr(f)

    @labeling_function
    def bare(x):
        return 0

    assert bare.name == "bare"
    with pytest.raises(AttributeError, match="example has no field 'zz'"):
        Row(a=1).zz
    with pytest.raises(ValueError, match="preprocessors apply to row-wise LFs"):
        labeling_function(batched=True, pre=[preprocessor()(lambda x: x)])(lambda df: df)


def test_batched_lf_on_single_examples():
    lf = keyword_lf("win", 1)
    assert lf(pd.Series({"text": "Win big"})) == 1
    assert lf(Row(text="nothing")) == -1
    assert lf({"text": "you win"}) == 1
    assert isinstance(lf(Row(text="win")), int)

    @labeling_function(batched=True)
    def lf_len(frame):  # a custom batched LF has no row version: it runs on a one-row frame
        return np.where(frame.text.str.len() > 3, 1, ABSTAIN)

    assert lf_len(pd.Series({"text": "long text"}, name="r9")) == 1
    assert lf_len(Row(text="ab")) == -1 and isinstance(lf_len({"text": "abcd"}), int)

    @labeling_function(batched=True)
    def lf_two(frame):
        return np.zeros(2, dtype=int)

    with pytest.raises(ValueError, match="returned 2 votes for one example"):
        lf_two(Row(text="x"))


def test_preprocessor_memoisation(df):
    calls = Counter()

    @preprocessor(memoize=True)
    def add_lower(x):
        calls.n += 1
        x.lower = x.text.lower()
        return x

    @labeling_function(pre=[add_lower])
    def lf_free(x):
        return 1 if "free" in x.lower else ABSTAIN

    @labeling_function(pre=[add_lower])
    def lf_love(x):
        return 0 if "love" in x.lower else ABSTAIN

    V = apply_lfs([lf_free, lf_love], df, progress=False)
    assert V.to_dense()[:, 0].tolist() == [-1, -1, -1, -1, 1, 1]
    assert V.to_dense()[:, 1].tolist() == [-1, 0, -1, -1, -1, -1]
    # the second LF and a second application reuse the memoised rows
    assert calls.n == len(df)
    apply_lfs([lf_free], df, progress=False)
    assert calls.n == len(df)
    assert "lower" not in df.columns  # the preprocessor worked on a copy
    add_lower.reset_cache()
    apply_lfs([lf_free], df.iloc[:2], progress=False)
    assert calls.n == len(df) + 2

    plain_calls = Counter()

    @preprocessor()
    def not_memo(x):
        plain_calls.n += 1
        return x

    apply_lfs([labeling_function(pre=[not_memo])(lambda x: 0)], df, progress=False)
    apply_lfs([labeling_function(name="again", pre=[not_memo])(lambda x: 0)], df, progress=False)
    assert plain_calls.n == 2 * len(df)


# ------------------------------------------------------------------- engines
def test_serial_process_and_chunking_agree(task):
    lfs = mixed_lfs()
    ref = apply_lfs(lfs, task, progress=False)
    assert ref.shape == (2000, len(lfs)) and ref.lf_names == [lf.name for lf in lfs]
    assert 0.5 < ref.total_coverage() < 1.0
    for kw in ({"chunk_size": 7}, {"engine": "process", "n_jobs": 2}, {"engine": "process", "n_jobs": 2,
                                                                        "chunk_size": 333}):
        V = apply_lfs(lfs, task, progress=False, **kw)
        assert V == ref, kw
    # row-wise python and batched versions of the same keyword LF agree
    c = re.compile(r"\b(?:subscribe|channel)\b", re.I)
    row = labeling_function(name="kw_sub")(lambda x: 1 if c.search(x.text) else ABSTAIN)
    assert apply_lfs([row], task, progress=False).column(0).tolist() == ref.column("kw_sub").tolist()
    # list-of-dict input
    records = task.iloc[:50].to_dict("records")
    assert apply_lfs(lfs, records, progress=False) == apply_lfs(lfs, task.iloc[:50].reset_index(drop=True),
                                                                progress=False)


def test_report_counts_calls_and_time(task):
    applier = LFApplier(mixed_lfs(), progress=False)
    V = applier.apply(task)
    rep = V.report
    assert rep is applier.last_report and rep.n_rows == 2000 and rep.engine == "serial"
    assert rep.table["calls"].tolist() == [2000] * 8 and not rep.table["cached"].any()
    assert rep.faults == {lf.name: 0 for lf in applier.lfs}
    assert (rep.table["seconds"] >= 0).all()


@pytest.fixture(scope="module", params=["threads", "processes"])
def dask_client(request):
    """A real LocalCluster: in-process worker threads, and worker processes (LFs pickled and run elsewhere)."""
    import distributed  # test extra
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=request.param == "processes",
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    client.weaksup_processes = request.param == "processes"
    yield client
    client.close()
    cluster.close()


def test_dask_engine_on_local_cluster_matches_serial(task, dask_client):
    import dask.dataframe as dd

    lfs = mixed_lfs()
    ref = apply_lfs(lfs, task, progress=False)
    V = apply_lfs(lfs, dd.from_pandas(task, npartitions=4), progress=False)
    assert V.report.engine == "dask" and V == ref
    V2 = apply_lfs(lfs, task, engine="dask", n_jobs=3, progress=False)
    assert V2 == ref
    # the LFs really run inside the cluster's workers: get_worker() raises anywhere else
    from distributed import get_worker

    @labeling_function()
    def in_worker(x):
        return 1 if get_worker().address in WORKERS else 0

    WORKERS = set(dask_client.scheduler_info()["workers"])
    V3 = apply_lfs([in_worker], dd.from_pandas(task.iloc[:40], npartitions=4), progress=False)
    assert V3.column(0).tolist() == [1] * 40
    # with worker processes the LFs run in other processes (their pids are the workers'), else in this one
    parent = os.getpid()
    worker_pids = set(dask_client.run(os.getpid).values())

    @labeling_function()
    def pid_lf(x):
        return 1 if os.getpid() in worker_pids and os.getpid() != parent else 0

    V4 = apply_lfs([pid_lf], dd.from_pandas(task.iloc[:40], npartitions=4), progress=False)
    assert V4.column(0).tolist() == [int(dask_client.weaksup_processes)] * 40
    assert (parent not in worker_pids) == dask_client.weaksup_processes
    with pytest.raises(LFApplyError, match="in_worker"):
        apply_lfs([in_worker], task.iloc[:40], progress=False)


def test_dask_engine_fault_reporting(task, dask_client):
    import dask.dataframe as dd

    @labeling_function()
    def boom(x):
        if x.n_words == 4:
            raise ZeroDivisionError("four words")
        return ABSTAIN

    with pytest.raises(LFApplyError, match="'boom' raised ZeroDivisionError") as info:
        apply_lfs([boom], dd.from_pandas(task, npartitions=3), progress=False)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    V = apply_lfs([boom], dd.from_pandas(task, npartitions=3), fault="abstain", progress=False)
    assert V.report.faults["boom"] == int((task.n_words == 4).sum()) > 0


# --------------------------------------------------------------------- cache
def test_editing_one_of_twenty_lfs_reruns_only_that_lf(task):
    counters = [Counter() for _ in range(20)]

    def make(j, threshold):
        def f(x, counter=counters[j]):
            counter.n += 1
            return 1 if x.n_words > threshold else ABSTAIN

        return labeling_function(name=f"lf_{j}")(f)

    lfs = [make(j, j) for j in range(20)]
    applier = LFApplier(lfs, progress=False)
    V1 = applier.apply(task)
    assert [c.n for c in counters] == [2000] * 20

    lfs[7] = make(7, 15)  # edit one LF: new threshold
    V2 = applier.apply(task, lfs=lfs)
    assert [c.n for c in counters] == [2000] * 7 + [4000] + [2000] * 12
    assert V2.report.recomputed == ["lf_7"]
    assert V2.report.table["calls"].tolist() == [0] * 7 + [2000] + [0] * 12
    assert V2.select_lfs([j for j in range(20) if j != 7]) == V1.select_lfs([j for j in range(20) if j != 7])
    assert V2.column("lf_7").tolist() == np.where(task.n_words > 15, 1, -1).tolist()

    V3 = applier.apply(task)  # nothing changed: no calls at all
    assert sum(c.n for c in counters) == 20 * 2000 + 2000 and V3 == V2
    applier.apply(task.iloc[:100])  # different data: everything re-runs on it
    assert counters[0].n == 2100


def test_fingerprint_tracks_code_closures_and_module_helpers():
    from weaksup.lf import fingerprint_callable

    def mk(word):
        return lambda x: 1 if word in x.text else -1

    assert fingerprint_callable(mk("a")) != fingerprint_callable(mk("b"))
    assert fingerprint_callable(mk("a")) == fingerprint_callable(mk("a"))
    assert keyword_lf("a", 1, name="k").fingerprint() != keyword_lf("b", 1, name="k").fingerprint()
    assert keyword_lf("a", 1, name="k").fingerprint() == keyword_lf("a", 1, name="k").fingerprint()


def test_unchanged_lfs_are_not_rerun_by_a_second_apply(task):
    """Family, regex and row-wise LFs keep their fingerprint across applies (no runtime state in it)."""
    counter = Counter()

    @labeling_function()
    def lf_row(x, c=counter):
        c.n += 1
        return 1 if x.n_words > 10 else ABSTAIN

    lfs = mixed_lfs() + [lf_row, keyword_lf(["love", "song"], 0, name="kw_love")]
    cache = VoteCache()
    before = [lf.fingerprint() for lf in lfs]
    V1 = apply_lfs(lfs, task, cache=cache, progress=False)
    assert V1.report.recomputed == [lf.name for lf in lfs] and counter.n == len(task)
    # the row-wise LF's fingerprint includes its counter's state (an object an LF holds may be the state
    # it reads, issue 16); the column is cached under the state the run left, so the next apply hits
    assert [lf.fingerprint() for lf in lfs][:8] + [lf.fingerprint() for lf in lfs][9:] == before[:8] + before[9:]
    V2 = apply_lfs(lfs, task, cache=cache, progress=False)
    assert V2.report.recomputed == [] and V2 == V1 and counter.n == len(task)
    # a fresh but identical definition is a cache hit too; an edited one is not
    again = [keyword_lf(["love", "song"], 0, name="kw_love"), regex_lf(r"https?://\S+", 1, name="re_url"),
             regex_lf(r"https?://\S*", 1, name="re_url2")]
    assert apply_lfs(again, task, cache=cache, progress=False).report.recomputed == ["re_url2"]


def test_disk_cache_survives_a_new_applier(tmp_path, task):
    calls = Counter()

    @labeling_function()
    def lf_long(x, c=calls):
        c.n += 1
        return 0 if len(x.text) > 60 else ABSTAIN

    cache = VoteCache(tmp_path / "cache")
    V1 = apply_lfs([lf_long], task, cache=cache, progress=False)
    assert calls.n == 2000 and len(list((tmp_path / "cache").glob("*.npz"))) == 1
    fresh = VoteCache(tmp_path / "cache")  # e.g. after a kernel restart
    V2 = apply_lfs([lf_long], task, cache=fresh, progress=False)
    assert calls.n == 2000 and V2 == V1 and fresh.hits == 1
    fresh.clear()
    assert not list((tmp_path / "cache").glob("*.npz"))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("engine", ["serial", "process"])
def test_raising_lf_names_lf_and_row_and_chains(df, engine):
    @labeling_function()
    def lf_div(x):
        return 1 if 1 / len(x.text) > 0.5 else ABSTAIN

    match = r"LF 'lf_div' raised ZeroDivisionError on row 'r3' \(position 3\): division by zero"
    with pytest.raises(LFApplyError, match=match) as info:
        apply_lfs([keyword_lf("free", 1), lf_div], df, engine=engine, n_jobs=2, chunk_size=2, progress=False)
    err = info.value
    assert err.lf_name == "lf_div" and err.row_index == "r3" and err.position == 3
    assert isinstance(err.__cause__, ZeroDivisionError) and err.original is err.__cause__


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_fault_abstain_counts_faults(df, engine):
    @labeling_function()
    def lf_div(x):
        return 1 if 1 / len(x.text) > 0.05 else 0

    @labeling_function(batched=True)
    def lf_batch_boom(frame):
        if "" in frame.text.tolist():
            raise RuntimeError("empty text in chunk")
        return np.zeros(len(frame), dtype=int)

    V = apply_lfs([lf_div, lf_batch_boom], df, engine=engine, n_jobs=2, chunk_size=2, fault="abstain",
                  progress=False)
    assert V.column("lf_div").tolist() == [0, 1, 1, -1, 1, 1]
    assert V.column("lf_batch_boom").tolist() == [0, 0, -1, -1, 0, 0]  # whole 2-row chunk abstains
    assert V.report.faults == {"lf_div": 1, "lf_batch_boom": 2}


def test_batched_fault_raise_names_chunk(df):
    @labeling_function(batched=True)
    def lf_bad(frame):
        raise KeyError("nope")

    with pytest.raises(LFApplyError, match=r"batched LF 'lf_bad' raised KeyError.*rows 'r0'..'r5'") as info:
        apply_lfs([lf_bad], df, progress=False)
    assert isinstance(info.value.__cause__, KeyError)


@pytest.mark.parametrize(
    "value, cardinality, match",
    [
        ("spam", None, r"LF 'lf_out' returned 'spam' \(str\) on row 'r0'"),
        (1.5, None, r"LF 'lf_out' returned 1.5 \(float\)"),
        (float("nan"), None, r"LF 'lf_out' returned nan \(float\)"),
        (True, None, r"LF 'lf_out' returned True \(bool\)"),
        (None, None, r"LF 'lf_out' returned None"),
        (2, 2, r"LF 'lf_out' returned 2 on row 'r0': outside -1..1"),
        (-2, None, r"LF 'lf_out' returned -2 on row 'r0': outside >= -1"),
        (np.int64(7), 3, r"LF 'lf_out' returned 7 on row 'r0': outside -1..2"),
    ],
)
def test_bad_lf_outputs(df, value, cardinality, match):
    lf = labeling_function(name="lf_out")(lambda x: value)
    with pytest.raises(LFOutputError, match=match):
        apply_lfs([lf], df, cardinality=cardinality, progress=False)


@pytest.mark.parametrize(
    "out, match",
    [
        (lambda f: np.full(len(f), 5), r"LF 'b' returned 5 on row 'r0': outside -1..1"),
        (lambda f: np.zeros(len(f) + 1, int), r"returned shape \(7,\) for a chunk of 6 rows"),
        (lambda f: np.full(len(f), 0.5), r"returned dtype float64 \(e.g. 0.5 on row 'r0'\)"),
        (lambda f: np.array(["a"] * len(f)), "must return integer votes"),
    ],
)
def test_bad_batched_outputs(df, out, match):
    lf = labeling_function(name="b", batched=True)(out)
    with pytest.raises(LFOutputError, match=match):
        apply_lfs([lf], df, cardinality=2, progress=False)


def test_fault_warn_abstains_and_warns_once(df):
    @labeling_function()
    def lf_div(x):
        return 1 if 1 / len(x.text) > 0.05 else 0

    with pytest.warns(RuntimeWarning, match=r"'lf_div' on 1 row") as record:
        V = apply_lfs([lf_div, keyword_lf("free", 1)], df, chunk_size=2, fault="warn", progress=False)
    assert len([w for w in record if issubclass(w.category, RuntimeWarning)]) == 1
    assert V.column("lf_div").tolist() == [0, 1, 1, -1, 1, 1] and V.report.faults["lf_div"] == 1


def test_error_classes_share_one_base():
    from weaksup.sequence.lf import SpanLFOutputError
    from weaksup.universal import ValueLFError

    for cls in (LFOutputError, ValueLFError, SpanLFOutputError):
        assert issubclass(cls, LFApplyError)
    assert issubclass(LFOutputError, ValueError) and issubclass(SpanLFOutputError, ValueError)


def test_one_fault_policy_for_class_value_and_span_lfs():
    """Class, value and span LFs run through one kernel: same fault policy, same error attributes."""
    from weaksup.sequence.lf import apply_span_lfs, span_labeling_function
    from weaksup.universal import RealSpace, apply_value_lfs

    frame = pd.DataFrame({"text": ["a b", "bad", "c d e"]})

    def check(x):
        if x.text == "bad":
            raise KeyError("bad row")

    cls = labeling_function(name="boom")(lambda x: check(x) or 1)
    val = labeling_function(name="boom")(lambda x: check(x) or 2.0)
    span = span_labeling_function(name="boom")(lambda x: check(x) or [(0, 1, "X")])
    runs = {
        "class": lambda fault: apply_lfs([cls], frame, fault=fault, progress=False),
        "value": lambda fault: apply_value_lfs([val], frame, RealSpace(1), fault=fault, progress=False),
        "span": lambda fault: apply_span_lfs(frame.text.tolist(), [span], fault=fault),
    }
    for kind, run in runs.items():
        with pytest.raises(LFApplyError, match=r"LF 'boom' raised KeyError on (row|sentence) 1 \(position 1\)") \
                as info:
            run("raise")
        err = info.value
        assert (err.lf_name, err.row_index, err.position) == ("boom", 1, 1), kind
        assert isinstance(err.__cause__, KeyError), kind
        with pytest.warns(RuntimeWarning, match="'boom' on 1"):
            run("warn")
    assert apply_lfs([cls], frame, fault="abstain", progress=False).column(0).tolist() == [1, -1, 1]
    assert apply_value_lfs([val], frame, RealSpace(1), fault="abstain", progress=False).abstain[:, 0].tolist() == \
        [False, True, False]
    spans = apply_span_lfs(frame.text.tolist(), [span], fault="abstain")
    assert [s[:, 0].tolist() for s in map(spans.sentence, range(3))] == [[1, 0], [-1], [1, 0, 0]]


def test_an_engine_is_an_object_with_run(df):
    """A new engine needs no edit of the applier: any object with name, accepts() and run() works."""
    from weaksup.apply.engines import available_engines, get_engine
    from weaksup.apply.kernel import apply_chunk

    class Reversed:  # applies chunk by chunk from the end: the kernel still gives the same votes
        name = "reversed"

        def accepts(self, data):
            return False

        def run(self, data, lfs, job):
            res = get_engine("serial").run(data.iloc[:0], lfs, job)
            parts = [apply_chunk(lfs, data.iloc[i:i + 2], job.output, job.fault, i) for i in (4, 2, 0)]
            res.block = np.vstack([p[0] for p in parts[::-1]])
            return res

    assert sorted(available_engines()) == ["dask", "process", "serial"]
    lfs = [keyword_lf("free", 1), labeling_function(name="short")(lambda x: 0 if len(x.text) < 12 else ABSTAIN)]
    V = LFApplier(lfs, engine=Reversed(), progress=False).apply(df)
    assert V == apply_lfs(lfs, df, progress=False) and V.report.engine == "reversed"
    with pytest.raises(TypeError, match="engine must be a name or an object"):
        LFApplier(lfs, engine=42)


def test_progress_bar_is_a_deprecated_alias(df):
    with pytest.warns(DeprecationWarning, match="'progress_bar'.*'progress'"):
        V = apply_lfs([keyword_lf("free", 1)], df, progress_bar=False)
    assert V.column(0).tolist() == [-1, -1, -1, -1, -1, 1]
    with pytest.warns(DeprecationWarning):
        assert LFApplier([], progress_bar=False).progress is False


def test_duplicate_names_and_bad_arguments(df):
    with pytest.raises(ValueError, match=r"duplicate LF names: \['kw'\]"):
        LFApplier([keyword_lf("a", 1, name="kw"), keyword_lf("b", 0, name="kw")])
    with pytest.raises(ValueError, match="engine must be one of"):
        LFApplier([], engine="spark")
    with pytest.raises(ValueError, match="fault must be"):
        LFApplier([], fault="ignore")
    with pytest.raises(TypeError, match="not a LabelingFunction or a named callable"):
        LFApplier([42])


@pytest.mark.parametrize("engine", ["serial", "process"])
def test_empty_data_gives_0_by_m(engine):
    lfs = mixed_lfs()
    empty = pd.DataFrame({"text": pd.Series([], dtype=str), "n_words": [], "n_exclaim": []})
    V = apply_lfs(lfs, empty, engine=engine, progress=False)
    assert V.shape == (0, len(lfs)) and V.lf_names == [lf.name for lf in lfs]
    assert apply_lfs(lfs, [], progress=False).shape == (0, len(lfs))


def test_cache_does_not_hide_faults_when_switching_to_raise(df):
    @labeling_function()
    def lf_div(x):
        return 1 if 1 / len(x.text) else 0

    applier = LFApplier([lf_div], fault="abstain", progress=False)
    assert applier.apply(df).report.faults == {"lf_div": 1}
    again = applier.apply(df).report  # a column with faults is never cached (issue 16): the LF re-runs
    assert again.table["cached"].tolist() == [False] and again.faults == {"lf_div": 1}
    applier.fault = "raise"
    with pytest.raises(LFApplyError, match="lf_div"):
        applier.apply(df)


STOP_WORDS = np.array(["free"])  # module state a memoised preprocessor reads


def test_memoised_preprocessor_is_emptied_when_what_it_reads_changes(df):
    """The vote cache re-ran the LF after STOP_WORDS changed, but the preprocessor's memo still answered
    from the old words; an unchanged preprocessor keeps its memo across applies (test above)."""
    global STOP_WORDS

    @preprocessor(memoize=True)
    def flag(x):
        x.flag = any(w in x.text.lower() for w in STOP_WORDS)
        return x

    @labeling_function(pre=[flag])
    def lf_flag(x):
        return 1 if x.flag else ABSTAIN

    applier = LFApplier([lf_flag], progress=False)
    first = applier.apply(df).to_dense().ravel().tolist()
    old = STOP_WORDS
    try:
        STOP_WORDS = np.array(["love"])
        again = applier.apply(df)
        fresh = LFApplier([lf_flag], progress=False, cache=False)
        flag.reset_cache()
        assert again.report.recomputed == ["lf_flag"]
        assert again.to_dense().ravel().tolist() == fresh.apply(df).to_dense().ravel().tolist() != first
    finally:
        STOP_WORDS = old


def test_an_integral_float_vote_is_that_int_as_in_a_batch(df):
    """1.0 from a row-wise LF (an int read from a row pandas upcast to float) is the vote 1, as a batched
    LF's float array of whole numbers is, and as snorkel stores it; 1.5 and NaN are refused (above)."""
    row = labeling_function(name="row")(lambda x: 1.0 if "free" in x.text else np.float64(-1.0))
    batch = labeling_function(name="batch", batched=True)(
        lambda f: np.where(f.text.str.contains("free"), 1.0, -1.0))
    V = apply_lfs([row, batch], df, progress=False).to_dense()
    assert V[:, 0].tolist() == V[:, 1].tolist() and set(V[:, 0].tolist()) == {-1, 1}


def test_a_stray_huge_vote_without_cardinality_names_the_lf_and_row(df):
    lf = labeling_function(name="lf_typo")(lambda x: 100000 if "free" in x.text else -1)
    with pytest.raises(LFOutputError, match=r"LF 'lf_typo' returned 100000 on row 'r\d' \(position \d\), which "
                                            r"would make 100001 classes"):
        apply_lfs([lf], df, progress=False)
    assert apply_lfs([lf], df, cardinality=100001, progress=False).cardinality == 100001
