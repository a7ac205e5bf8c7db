"""Edge cases of LFs, preprocessors, the apply kernel and the vote cache (one test per defect)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import apply_lfs, labeling_function, preprocessor


def test_memoised_preprocessor_keys_arrays_by_content_not_repr():
    """The memo keyed an array cell by repr(): numpy shortens arrays past 1000 elements with '...' and rounds
    them to set_printoptions' precision, so rows with different embeddings shared one memo entry."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=1024)
    b = a.copy()
    b[3:-3] = -b[3:-3]  # same first and last values: the same repr
    assert repr(a) == repr(b)

    @preprocessor(memoize=True)
    def project(x):
        x.proj = float(x.emb @ a)
        return x

    @labeling_function(pre=[project])
    def lf_near(x):
        return 1 if x.proj > 0 else 0

    df = pd.DataFrame({"text": ["t", "t"], "emb": [a, b]})
    assert apply_lfs([lf_near], df, progress=False).to_dense().ravel().tolist() == [1, 0]

    old = np.get_printoptions()
    np.set_printoptions(precision=3)
    try:
        @preprocessor(memoize=True)
        def first(x):
            x.v = float(x.emb[0])
            return x

        @labeling_function(pre=[first])
        def lf_first(x):
            return 1 if x.v > 0.1234 else 0

        df2 = pd.DataFrame({"text": ["t", "t", "t"],
                            "emb": [np.array([0.12341, 0.5]), np.array([0.12339, 0.5]), [0.12341, 0.5]]})
        assert apply_lfs([lf_first], df2, progress=False).to_dense().ravel().tolist() == [1, 0, 1]
    finally:
        np.set_printoptions(**old)


def test_memoised_preprocessor_runs_unkeyable_cells_without_memo():
    """A cell the content walk gives up on (nested deeper than it goes) is not memoised: each row runs."""
    def nested(v, depth=40):
        for _ in range(depth):
            v = [v]
        return v

    def leaf(cell):
        while isinstance(cell, list):
            cell = cell[0]
        return cell

    calls = []

    @preprocessor(memoize=True)
    def read(x):
        calls.append(1)
        x.v = leaf(x.obj)
        return x

    @labeling_function(pre=[read])
    def lf_v(x):
        return x.v

    df = pd.DataFrame({"obj": [nested(0), nested(1), nested(1)]})
    assert apply_lfs([lf_v], df, progress=False, cache=False).to_dense().ravel().tolist() == [0, 1, 1]
    assert len(calls) == 3


def test_snorkel_lf_reads_the_row_index_label_as_x_name():
    """A snorkel LF run by weaksup got pd.Series(row) with name None; snorkel's PandasLFApplier names the row
    by its index label, so an LF that looks rows up by id (x.name) abstained everywhere under weaksup."""
    from snorkel.labeling import labeling_function as snorkel_lf

    from weaksup import LFApplier
    from weaksup.apply import PandasLFApplier

    df = pd.DataFrame({"text": ["win cash", "hello", "free prize"]}, index=["c17", "c18", "c19"])
    flagged = {"c17", "c19"}

    @snorkel_lf()
    def lf_reported(x):
        return 1 if x.name in flagged else -1

    for engine in ("serial", "process"):
        votes = LFApplier([lf_reported], engine=engine, n_jobs=2, chunk_size=2, progress=False).apply(df)
        assert votes.to_dense().ravel().tolist() == [1, -1, 1], engine
    assert PandasLFApplier([lf_reported]).apply(df, progress_bar=False).ravel().tolist() == [1, -1, 1]


def test_row_fields_named_like_dict_methods_read_back_as_fields():
    """Row is a dict: a field named items/values/keys/get... read back as the bound dict method, so an LF
    reading x.items after a preprocessor set it got a method (always truthy), silently."""
    import pickle

    from weaksup.lf import Row
    from weaksup.lf.core import copy_example

    @preprocessor(name="extract")
    def extract(x):
        x.items = [w for w in x.text.split() if w.endswith("s")]
        return x

    @labeling_function(pre=[extract])
    def lf_has_items(x):
        return 1 if x.items else -1

    df = pd.DataFrame({"text": ["buy 2 apples", "hello there"], "values": [0, 5]})
    assert apply_lfs([lf_has_items], df, progress=False).to_dense().ravel().tolist() == [1, -1]

    @labeling_function()
    def lf_values(x):
        return 1 if x.values else -1

    assert apply_lfs([lf_values], df, progress=False).to_dense().ravel().tolist() == [-1, 1]
    x = Row(text="a", items=[1], get=2, copy=3)
    assert (x.items, x.get, x.copy) == ([1], 2, 3)
    assert dict.items(x) == {"text": "a", "items": [1], "get": 2, "copy": 3}.items()
    assert pickle.loads(pickle.dumps(x)) == x and copy_example(x) == x and type(copy_example(x)) is Row
    assert Row(text="a").get("text") == "a"  # without such a field, the methods are there


def test_votes_past_int64_or_uint64_are_an_output_error_naming_lf_and_row():
    """A vote of 2**70 was a bare OverflowError naming no LF or row; a uint64 vote 2**63 wrapped to a negative
    int64 and was silently read as 0 in the VoteMatrix."""
    from weaksup import LFOutputError

    df = pd.DataFrame({"text": ["a", "b", "c", "d"]}, index=["r0", "r1", "r2", "r3"])

    @labeling_function()
    def lf_hash(x):
        return 2**70 if x.text == "c" else -1

    @labeling_function(batched=True)
    def lf_uint(frame):
        return np.array([1, 0, 2**63, 2**64 - 1], dtype=np.uint64)

    @labeling_function(batched=True)
    def lf_float(frame):
        return np.array([1.0, 0.0, 2.0**70, -1.0])

    for lf in (lf_hash, lf_uint, lf_float):
        for k in (None, 2):
            match = rf"LF '{lf.name}' returned .* on row 'r2'.* \(position 2\)"
            with pytest.raises(LFOutputError, match=match) as e:
                apply_lfs([lf], df, progress=False, cardinality=k)
            assert (e.value.lf_name, e.value.row_index, e.value.position) == (lf.name, "r2", 2)


def test_output_error_gives_the_row_position_in_the_whole_data():
    """An LF that returned a bad value was reported with its row label only (position None): on a frame with
    repeated labels the row could not be found.  Labels print as 1, not np.int64(1)."""
    from weaksup import LFApplier, LFOutputError

    df = pd.concat([pd.DataFrame({"text": ["a", "b"]}), pd.DataFrame({"text": ["c", "d"]})])  # index 0, 1, 0, 1

    @labeling_function()
    def lf_bad_value(x):
        return None if x.text == "d" else -1

    @labeling_function(batched=True)
    def lf_bad_batch(d):
        return [None if t == "d" else -1 for t in d.text]

    @labeling_function()
    def lf_out_of_range(x):
        return 5 if x.text == "d" else -1

    for lf in (lf_bad_value, lf_bad_batch, lf_out_of_range):
        for chunk_size in (None, 3):
            with pytest.raises(LFOutputError, match=r"on row 1\b.*\(position 3\)") as e:
                LFApplier([lf], chunk_size=chunk_size, cardinality=2, progress=False).apply(df)
            assert e.value.position == 3 and e.value.row_index == 1 and type(e.value.row_index) is int


def test_native_lf_refuses_a_snorkel_preprocessor_and_wraps_a_plain_function():
    """A snorkel preprocessor (a half-migrated script) or a plain function in a weaksup LF's pre= was accepted,
    then LFApplier failed with a bare AttributeError 'fingerprint' naming no LF."""
    from snorkel.preprocess import preprocessor as snorkel_preprocessor

    from weaksup import LFApplier

    @snorkel_preprocessor()
    def add_lower(x):
        x.lower = x.text.lower()
        return x

    with pytest.raises(TypeError, match=r"LF 'lf_win': pre\[0\] is a snorkel preprocessor \('add_lower'\)"):
        labeling_function(name="lf_win", pre=[add_lower])(lambda x: 1)
    with pytest.raises(TypeError, match=r"LF 'lf_x': pre\[0\] is 3 \(int\), not a preprocessor or a function"):
        labeling_function(name="lf_x", pre=[3])(lambda x: 1)

    def lower(x):
        x.lower = x.text.lower()
        return x

    @labeling_function(pre=[lower])
    def lf_win(x):
        return 1 if "win" in x.lower else -1

    df = pd.DataFrame({"text": ["WIN cash", "hello"]})
    for cache in (True, False):
        assert LFApplier([lf_win], cache=cache, progress=False).apply(df).to_dense().ravel().tolist() == [1, -1]
    assert df.columns.tolist() == ["text"]


def test_serial_progress_bar_moves_within_a_chunk_for_row_wise_lfs(monkeypatch):
    """The serial engine's bar advanced once per 10,000-row chunk: on a slow row-wise LF over fewer rows it sat
    at 0% for the whole run.  It now advances every few hundred rows, and still counts each row once."""
    import tqdm.auto

    from weaksup import LFApplier, keyword_lf

    updates: list[int] = []
    orig = tqdm.auto.tqdm.update

    def spy(self, n=1):
        updates.append(n)
        return orig(self, n)

    monkeypatch.setattr(tqdm.auto.tqdm, "update", spy)

    @labeling_function()
    def slow(x):
        return -1

    df = pd.DataFrame({"text": ["t"] * 3000})
    LFApplier([slow, keyword_lf("t", 1, name="kw")], progress=True, cache=False).apply(df)
    assert sum(updates) == 3000 and len(updates) >= 5 and max(updates) <= 1500


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32])
def test_batched_lf_unsigned_wrapped_abstain_is_refused_naming_lf_and_row(dtype):
    """A batched LF building its votes as np.where(..., 1, -1).astype(np.uint8) wraps ABSTAIN to 255: the apply
    silently read it as a class and inferred a 256-class task.  VoteMatrix's rule for unsigned votes now applies
    to each batched LF's output (class count inferred); with cardinality= the range check decides as before."""
    from weaksup import LFApplier, LFOutputError

    df = pd.DataFrame({"text": ["free money", "nice song", "win free", "hello"]}, index=["a", "b", "c", "d"])

    @labeling_function(batched=True)
    def lf_free(frame):
        return np.where(frame.text.str.contains("free"), 1, -1).astype(dtype)

    top = np.iinfo(dtype).max
    with pytest.raises(LFOutputError, match=rf"batched LF 'lf_free' returned {top} on row 'b' \(position 1\): "
                                            rf"votes of dtype {np.dtype(dtype)} hold {top}.*-1 \(abstain\) cast"):
        LFApplier([lf_free], progress=False).apply(df)
    with pytest.raises(LFOutputError, match="outside -1..1"):
        LFApplier([lf_free], progress=False, cardinality=2).apply(df)

    @labeling_function(batched=True)
    def lf_ok(frame):  # unsigned votes without the dtype's maximum are votes, as before
        return np.where(frame.text.str.contains("free"), 1, 0).astype(dtype)

    votes = LFApplier([lf_ok], progress=False).apply(df)
    assert votes.cardinality == 2 and votes.to_dense()[:, 0].tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_row_wise_lf_unsigned_wrapped_abstain_is_refused_naming_lf_and_row(dtype):
    """The same rule for a row-wise LF: ``np.uint8(-1)`` is 255, which was read as class 255 (a 256-class task).
    It is refused naming the LF and row when the class count is inferred; other unsigned votes stay votes."""
    from weaksup import LFApplier, LFOutputError

    df = pd.DataFrame({"text": ["free money", "nice song", "win free", "hello"]}, index=["a", "b", "c", "d"])
    top = np.iinfo(dtype).max

    @labeling_function()
    def lf_free(x):
        return dtype(1) if "free" in x.text else dtype(top)

    with pytest.raises(LFOutputError, match=rf"LF 'lf_free' returned {top} on row 'b' \(position 1\): "
                                            rf"votes of dtype {np.dtype(dtype)} hold {top}.*-1 \(abstain\) cast"):
        LFApplier([lf_free], progress=False, cache=False).apply(df)
    with pytest.raises(LFOutputError, match="outside -1..1"):
        LFApplier([lf_free], progress=False, cache=False, cardinality=2).apply(df)

    @labeling_function()
    def lf_ok(x):
        return dtype(1) if "free" in x.text else dtype(0)

    votes = LFApplier([lf_ok], progress=False, cache=False).apply(df)
    assert votes.cardinality == 2 and votes.to_dense()[:, 0].tolist() == [1, 0, 1, 0]
