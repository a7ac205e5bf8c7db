"""Adversarial inputs and faults (issue 16): every case ends in a clear error that says what and where,
or in correct handling — never a silent wrong result, a hang, an internal traceback or lost work.

Real parts only: label models from the registry, the apply engines (serial, a real forked process
pool), a real HTTP server on 127.0.0.1 for the OpenAI-compatible backend and for downloads, real
SQLite response caches, WRENCH folders written to disk.  Each case is time-boxed (pytest-timeout;
hang cases also by the applier's own ``timeout=``).

Sections: label models (LF alignment by name, acceptance 2), vote input, the vote cache (one test per
staleness path, acceptance 3), LF outputs and faults in the appliers, prompted LFs / backends /
response cache, the WRENCH loader, the command line.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from weaksup import ABSTAIN, LFApplier, VoteCache, apply_lfs, labeling_function
from weaksup.apply import LFApplyError, LFOutputError
from weaksup.labelmodel.registry import specs
from weaksup.synthetic import make_votes
from weaksup.votes import VoteMatrix

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parent.parent
LABEL_MODELS = [s.name for s in specs("label")]
ADDITIVE = ["MajorityVote", "WeightedMajorityVote", "DawidSkene", "MatrixCompletion", "FlyingSquid"]


def _model(name: str) -> Any:
    spec = next(s for s in specs("label") if s.name == name)
    return spec.load()(**dict(spec.check_params))


@pytest.fixture(scope="module")
def named_votes() -> tuple[VoteMatrix, np.ndarray]:
    L, y, _ = make_votes(600, 6, 3, accuracies=[0.8, 0.7, 0.65, 0.6, 0.75, 0.55], seed=3)
    return VoteMatrix(L.to_dense(), [f"lf_{c}" for c in "abcdef"], 3), y


PERM = [3, 0, 5, 1, 4, 2]


# ============================================================ label models: LFs matched by name
@pytest.mark.parametrize("name", LABEL_MODELS)
def test_permuted_lfs_give_identical_probabilities(name, named_votes):
    """Acceptance 2: the same named LFs in another column order are scored with their own parameters."""
    L, y = named_votes
    model = _model(name).fit(L, seed=0)
    Lp = L.select_lfs(PERM)
    assert Lp.lf_names != L.lf_names
    np.testing.assert_array_equal(model.predict_proba(Lp), model.predict_proba(L))
    assert model.score(Lp, y) == model.score(L, y)


@pytest.mark.parametrize("name", LABEL_MODELS)
def test_unknown_lf_names_are_an_error(name, named_votes):
    L, _ = named_votes
    model = _model(name).fit(L, seed=0)
    renamed = VoteMatrix(L.to_dense(), ["lf_a", "lf_b", "lf_c", "lf_d", "lf_e", "lf_zz"], 3)
    with pytest.raises(ValueError, match=r"missing \['lf_f'\], unknown \['lf_zz'\]"):
        model.predict_proba(renamed)
    with pytest.raises(ValueError, match=r"missing \['lf_f'\]"):
        model.predict_proba(L.select_lfs(["lf_a", "lf_b", "lf_c", "lf_d", "lf_e"]))


@pytest.mark.parametrize("name", LABEL_MODELS)
def test_unnamed_votes_with_another_column_count_are_an_error(name, named_votes):
    """Names unknown (a plain array): only positions can be matched, so the count must agree."""
    L, _ = named_votes
    model = _model(name).fit(L.to_dense(), seed=0)
    with pytest.raises(ValueError, match="votes have 5 LFs; the model was fitted on 6"):
        model.predict_proba(L.to_dense()[:, :5])
    with pytest.raises(ValueError, match="votes have 7 LFs; the model was fitted on 6"):
        model.predict_proba(np.hstack([L.to_dense(), L.to_dense()[:, :1]]))
    # an unnamed array is matched by position with a named fit
    named = _model(name).fit(L, seed=0)
    np.testing.assert_array_equal(named.predict_proba(L.to_dense()), named.predict_proba(L))
    # placeholder names permuted by select_lfs are still the same LFs
    plain = VoteMatrix(L.to_dense())
    np.testing.assert_array_equal(model.predict_proba(plain.select_lfs(PERM)), model.predict_proba(plain))


@pytest.mark.parametrize("name", LABEL_MODELS)
def test_valid_votes_are_matched_by_name(name, named_votes):
    L, y = named_votes
    Lv, yv = L[:150], y[:150]
    a = _model(name).fit(L, valid=(Lv, yv), seed=0).predict_proba(L)
    b = _model(name).fit(L, valid=(Lv.select_lfs(PERM), yv), seed=0).predict_proba(L)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"valid votes do not hold the LFs .* missing \['lf_f'\]"):
        _model(name).fit(L, valid=(VoteMatrix(Lv.to_dense(), [*L.lf_names[:5], "other"], 3), yv), seed=0)


@pytest.mark.parametrize("name", ADDITIVE)
def test_partial_fit_chunks_in_another_order_are_matched_by_name(name, named_votes):
    L, _ = named_votes
    whole = _model(name).fit(L, seed=0).predict_proba(L)
    streamed = _model(name).partial_fit(L[:300], refit=False).partial_fit(L[300:].select_lfs(PERM), seed=0)
    np.testing.assert_allclose(streamed.predict_proba(L), whole, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ADDITIVE)
def test_partial_fit_without_refit_is_not_fitted_then_refits(name, named_votes):
    from weaksup._validation import NotFittedError

    L, _ = named_votes
    model = _model(name).partial_fit(L[:200], refit=False)
    with pytest.raises(NotFittedError, match=r"accumulated 200 rows with partial_fit\(refit=False\)"):
        model.predict(L)
    model.partial_fit(L[200:], seed=0)
    assert model.n_seen_ == 600


@pytest.mark.parametrize("name", ["MajorityVote", "DawidSkene", "MatrixCompletion", "EBCC"])
def test_raw_convention_sparse_votes_are_refused_not_misread(name, named_votes):
    """A scipy matrix of raw votes (-1 stored, class 0 implicit) must never be read as vote + 1."""
    L, _ = named_votes
    raw = sp.csr_matrix(L.to_dense())
    with pytest.raises(ValueError, match=r"store the value -1 .*shifted convention"):
        _model(name).fit(raw, seed=0)
    model = _model(name).fit(L, seed=0)
    with pytest.raises(ValueError, match=r"store the value -1 .*row \d+"):
        model.predict_proba(raw)
    # the documented shifted form gives exactly the dense answer
    np.testing.assert_array_equal(model.predict_proba(L.to_sparse()), model.predict_proba(L.to_dense()))


@pytest.mark.parametrize("bad, message", [
    (np.array([[0, 1], [np.nan, 1]]), r"NaN \(LF 'column 0', row 1\)"),
    (np.array([[0, 1.5], [1, 1]]), r"must be integers: LF 'column 1', row 0 has 1.5"),
    (np.array([[True, False]]), "boolean"),
    (np.array([["a", "b"]]), "must be integers"),
    (np.zeros((2, 2, 2), dtype=int), r"2-D n×m array, got shape \(2, 2, 2\)"),
    (None, "votes is None"),
    ("votes", "must be an n×m vote matrix"),
    (np.array([[0, 5], [1, 1]]), r"vote 5 .*'column 1'|vote 5"),
    (np.array([[0, -2], [1, 1]]), r"vote -2"),
    (np.array([[0.0, np.inf], [1, 1]]), r"votes contain inf \(LF 'column 1', row 0\)"),
    (np.array([[0, None], [1, 1]], dtype=object), r"NaN \(LF 'column 1', row 0\)"),
    (-np.ones((5, 3), int), r"all 5 rows abstain on every LF"),
    (np.array([[0, 0], [0, 0]]), r"every vote is class 0"),
])
@pytest.mark.filterwarnings("ignore:votes. LF .* never fires")
def test_bad_vote_arrays_are_named(bad, message):
    from weaksup.labelmodel import MajorityVote

    with pytest.raises((ValueError, TypeError), match=message):
        MajorityVote(cardinality=3).fit(bad)


def test_a_stray_huge_vote_is_an_error_not_a_huge_class_count():
    from weaksup.labelmodel import MajorityVote

    with pytest.raises(ValueError, match=r"vote 1099511627776 from LF 'lf_0' .* row 1 would make 1099511627777 classes"):
        MajorityVote().fit(np.array([[0, 1], [2**40, 0]]))


@pytest.mark.parametrize("name", ["MajorityVote", "DawidSkene", "FlyingSquid"])
def test_dataframe_columns_are_lf_names(name, named_votes):
    """Votes given as a pandas DataFrame carry their column labels as LF names, so they align by name."""
    L, _ = named_votes
    df = pd.DataFrame(L.to_dense(), columns=L.lf_names)
    model = _model(name).fit(df, seed=0)
    assert model.lf_names_ == L.lf_names
    np.testing.assert_array_equal(model.predict_proba(df[[L.lf_names[j] for j in PERM]]), model.predict_proba(L))


@pytest.mark.parametrize("balance, message", [
    ([0.5, 0.5], "3"),
    ([0.5, 0.6, -0.1], r"must be positive and finite, got \[0.5, 0.6, -0.1\]"),
    ([np.nan, 0.5, 0.5], r"positive and finite"),
    ([0.0, 0.5, 0.5], r"positive and finite"),
])
def test_bad_class_balance_is_named(balance, message, named_votes):
    from weaksup.labelmodel import DawidSkene

    L, _ = named_votes
    with pytest.raises(ValueError, match=message):
        DawidSkene().fit(L, class_balance=balance)


def test_class_balance_as_relative_weights_is_normalised(named_votes):
    """Documented choice: a class prior not summing to 1 is read as relative weights."""
    from weaksup.labelmodel import DawidSkene

    L, _ = named_votes
    a = DawidSkene().fit(L, class_balance=[0.2, 0.2, 0.4], seed=0).predict_proba(L)
    b = DawidSkene().fit(L, class_balance=[0.25, 0.25, 0.5], seed=0).predict_proba(L)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_corrupt_model_file_names_the_file(tmp_path, named_votes):
    from weaksup.labelmodel import MajorityVote
    from weaksup.labelmodel.base import LabelModel

    L, _ = named_votes
    path = tmp_path / "mv.npz"
    MajorityVote().fit(L).save(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=f"{path}: not a weaksup file .*cut short"):
        LabelModel.load(path)


def test_saved_model_keeps_lf_names_and_aligns_after_load(tmp_path, named_votes):
    from weaksup.labelmodel import DawidSkene
    from weaksup.labelmodel.base import LabelModel

    L, _ = named_votes
    path = tmp_path / "ds.npz"
    model = DawidSkene().fit(L, seed=0)
    model.save(path)
    back = LabelModel.load(path)
    np.testing.assert_array_equal(back.predict_proba(L.select_lfs(PERM)), model.predict_proba(L))


# ======================================================================= VoteMatrix input
@pytest.mark.parametrize("make, message", [
    (lambda: VoteMatrix(np.zeros((2, 2), int), ["a", "a"]), r"duplicate LF names: \['a'\]"),
    (lambda: VoteMatrix(np.zeros((2, 2), int), ["a"]), "1 LF names given for 2 vote columns"),
    (lambda: VoteMatrix(np.zeros((2, 2), int), cardinality=0), "cardinality must be an int >= 1, got 0"),
    (lambda: VoteMatrix(np.zeros((2, 2), int), cardinality=2.5), "cardinality must be an int >= 1, got 2.5"),
    (lambda: VoteMatrix(sp.csr_matrix(np.array([[1.5, 0]]))), "integers"),
    (lambda: VoteMatrix(sp.csr_matrix(np.array([[-3, 1]])), ["p", "q"]), r"value -3 \(LF 'p', row 0\)"),
    (lambda: VoteMatrix(np.zeros((2, 2), int)).select_lfs(["nope"]), "no LF named 'nope'"),
])
def test_bad_vote_matrices_are_named(make, message):
    with pytest.raises((ValueError, KeyError), match=message):
        make()


# ============================================================== the vote cache: staleness paths
class _Config:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold


_CFG = _Config(5)
_MODULE_CUTS = np.array([5, 100])


@labeling_function()
def lf_reads_config(x):
    return 1 if x.n > _CFG.threshold else ABSTAIN


@labeling_function()
def lf_reads_module_array(x):
    return 1 if x.n > _MODULE_CUTS[0] else ABSTAIN


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"n": np.arange(20), "text": [f"row {i}" for i in range(20)]},
                        index=[f"id{i}" for i in range(20)])


def _expect(frame: pd.DataFrame, cut: int) -> list[int]:
    return np.where(frame.n > cut, 1, ABSTAIN).tolist()


def test_stale_path_config_object_attribute(frame):
    """Acceptance 3: an LF reading a config object's attribute re-runs when the attribute changes."""
    applier = LFApplier([lf_reads_config], progress=False)
    try:
        assert applier.apply(frame).column("lf_reads_config").tolist() == _expect(frame, 5)
        assert applier.apply(frame).report.recomputed == []
        _CFG.threshold = 12
        V = applier.apply(frame)
        assert V.report.recomputed == ["lf_reads_config"]
        assert V.column("lf_reads_config").tolist() == _expect(frame, 12)
    finally:
        _CFG.threshold = 5


def test_stale_path_module_level_numpy_array(frame):
    """Acceptance 3: a module-level array edited in place re-runs the LF that reads it."""
    applier = LFApplier([lf_reads_module_array], progress=False)
    try:
        assert applier.apply(frame).column(0).tolist() == _expect(frame, 5)
        _MODULE_CUTS[0] = 15
        V = applier.apply(frame)
        assert V.report.recomputed == ["lf_reads_module_array"]
        assert V.column(0).tolist() == _expect(frame, 15)
    finally:
        _MODULE_CUTS[0] = 5


def test_stale_path_resource_dataframe(frame):
    """Acceptance 3: a DataFrame passed as a resource, edited in place, re-runs the LF."""
    table = pd.DataFrame({"word": ["row 3", "row 4"], "label": [1, 1]})

    @labeling_function(resources={"table": table})
    def lf_lookup(x, table):
        return 1 if x.text in set(table.word) else ABSTAIN

    applier = LFApplier([lf_lookup], progress=False)
    assert applier.apply(frame).column(0).tolist().count(1) == 2
    table.loc[1, "word"] = "row 9"
    V = applier.apply(frame)
    assert V.report.recomputed == ["lf_lookup"]
    assert [i for i, v in enumerate(V.column(0)) if v == 1] == [3, 9]


@pytest.mark.parametrize("first, second", [
    (np.zeros(2000), np.where(np.arange(2000) == 1000, 1.0, 0.0)),  # str() elides the middle: equal text
    (np.zeros(4, np.int8), np.zeros(2, np.int16)),  # equal bytes, other dtype and shape
    (np.array([1, 2], dtype=object), np.array([1, 3], dtype=object)),  # object arrays: by element
])
def test_stale_path_look_alike_arrays(frame, first, second):
    """Acceptance 3: arrays that print alike (or share bytes) are different state: the LF re-runs."""
    assert not (np.array_equal(first, second) and first.dtype == second.dtype)

    def make(arr):
        @labeling_function(name="lf_weights", resources={"w": arr})
        def lf(x, w):
            return 1 if len(w) > 3 and w.sum() > 0 else 0

        return lf

    cache = VoteCache()
    V1 = apply_lfs([make(first)], frame, cache=cache, progress=False)
    V2 = apply_lfs([make(second)], frame, cache=cache, progress=False)
    assert V1.report.recomputed == V2.report.recomputed == ["lf_weights"]
    expected = 1 if len(second) > 3 and second.sum() > 0 else 0
    assert V2.column(0).tolist() == [expected] * len(frame)


def test_stale_path_outage_under_fault_abstain(frame):
    """Acceptance 3: a transient outage under fault="abstain" is never cached; after recovery the LF re-runs."""
    with _ScriptedServer() as srv:
        import urllib.request

        root = srv.root

        @labeling_function()
        def lf_api(x):
            with urllib.request.urlopen(f"{root}/label?n={x.n}", timeout=5) as r:
                return int(r.read())

        cache = VoteCache()
        srv.mode = "500"
        V1 = apply_lfs([lf_api], frame, cache=cache, fault="abstain", progress=False)
        assert V1.report.faults == {"lf_api": 20} and set(V1.column(0)) == {ABSTAIN}
        srv.mode = "ok"
        V2 = apply_lfs([lf_api], frame, cache=cache, fault="abstain", progress=False)
        assert V2.report.recomputed == ["lf_api"] and V2.report.faults == {"lf_api": 0}
        assert V2.column(0).tolist() == [n % 2 for n in range(20)]
        assert apply_lfs([lf_api], frame, cache=cache, fault="abstain", progress=False).report.recomputed == []


def test_stale_path_outage_of_a_prompted_lf_backend(frame, tmp_path):
    """Acceptance 3 (PromptedLF): an outage abstains, is neither vote-cached nor response-cached, and a
    fresh applier after recovery gets the model's votes."""
    from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate, ResponseCache
    from weaksup.labelers.backends import OpenAIBackend

    with _ScriptedServer() as srv:
        backend = OpenAIBackend(srv.url, model="m", max_retries=0, timeout=5, concurrency=2)
        rc = ResponseCache(tmp_path / "responses.sqlite")
        lf = PromptedLF("llm_spam", PromptTemplate("Is this spam? {text}", ["yes", "no"]),
                        LabelMap({"yes": 1, "no": 0}), backend, cache=rc)
        frame = frame.assign(text=[("WIN CASH " if i % 3 == 0 else "") + f"row {i}" for i in range(20)])
        disk = VoteCache(tmp_path / "votes")
        srv.mode = "500"
        V1 = LFApplier([lf], fault="abstain", cache=disk, progress=False).apply(frame)
        assert V1.report.faults == {"llm_spam": 20} and len(rc) == 0
        srv.mode = "ok"
        V2 = LFApplier([lf], fault="abstain", cache=VoteCache(tmp_path / "votes"), progress=False).apply(frame)
        assert V2.report.recomputed == ["llm_spam"]
        assert V2.column(0).tolist() == [1 if i % 3 == 0 else 0 for i in range(20)]


def test_stale_path_snorkel_lf_resources(frame):
    """A snorkel LF (run as ForeignLF) whose resource list is edited in place re-runs."""
    from snorkel.labeling import labeling_function as snorkel_lf

    words = ["row 3"]

    @snorkel_lf(resources={"words": words})
    def lf_snorkel(x, words):
        return 1 if x.text in words else ABSTAIN

    cache = VoteCache()
    assert apply_lfs([lf_snorkel], frame, cache=cache, progress=False).column(0).tolist().count(1) == 1
    assert apply_lfs([lf_snorkel], frame, cache=cache, progress=False).report.recomputed == []
    words.append("row 5")
    V = apply_lfs([lf_snorkel], frame, cache=cache, progress=False)
    assert V.report.recomputed == ["lf_snorkel"] and V.column(0).tolist().count(1) == 2


def test_volatile_state_is_never_served_from_the_cache(frame):
    rng = random.Random(0)

    @labeling_function()
    def lf_random(x):
        return rng.randint(0, 1)

    applier = LFApplier([lf_random], progress=False)
    applier.apply(frame)
    assert applier.apply(frame).report.recomputed == ["lf_random"]


def test_bound_method_lf_tracks_its_object(frame):
    class Rule:
        def __init__(self, cut):
            self.cut = cut

        def vote(self, x):
            return 1 if x.n > self.cut else ABSTAIN

    rule = Rule(3)
    applier = LFApplier([labeling_function(name="rule")(rule.vote)], progress=False)
    applier.apply(frame)
    rule.cut = 10
    V = applier.apply(frame)
    assert V.report.recomputed == ["rule"] and V.column(0).tolist() == _expect(frame, 10)


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=None)
def _cached_length(text: str) -> int:
    return len(text)


@labeling_function()
def lf_with_lock_and_cached_helper(x):
    with _LOCK:
        return 1 if _cached_length(x.text) > 5 else 0


def test_locks_and_cached_helpers_do_not_defeat_the_cache(frame):
    """A module-level lock and an lru_cache'd helper are not LF state: the column is served from the cache."""
    applier = LFApplier([lf_with_lock_and_cached_helper], progress=False)
    applier.apply(frame)
    assert applier.apply(frame).report.recomputed == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "short_column"])
def test_damaged_vote_cache_file_is_a_miss_naming_the_file(tmp_path, frame, damage):
    from weaksup._persist import save_npz

    @labeling_function()
    def lf_n(x):
        return 1 if x.n > 4 else 0

    d = tmp_path / "vc"
    V1 = apply_lfs([lf_n], frame, cache=VoteCache(d), progress=False)
    (entry,) = list(d.glob("*.npz"))
    if damage == "garbage":
        entry.write_bytes(b"not a zip file at all")
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:50])
    elif damage == "foreign":
        save_npz(entry, "weaksup.VoteMatrix", {}, {"votes": np.zeros(20, np.int8)})
    else:
        save_npz(entry, "weaksup.VoteCacheColumn", {"faults": 0}, {"votes": np.ones(7, np.int8)})
    with pytest.warns(RuntimeWarning, match=f"vote cache file {entry}"):
        V2 = apply_lfs([lf_n], frame, cache=VoteCache(d), progress=False)
    assert V2.report.recomputed == ["lf_n"] and V2 == V1
    assert apply_lfs([lf_n], frame, cache=VoteCache(d), progress=False).report.recomputed == []  # rewritten


def test_faulted_columns_are_not_cached_but_clean_ones_are(frame):
    state = {"broken": True}

    @labeling_function()
    def lf_flaky(x):
        if state["broken"] and x.n == 3:
            raise ConnectionError("flaky")
        return 0

    applier = LFApplier([lf_flaky], fault="warn", progress=False)
    with pytest.warns(RuntimeWarning, match="'lf_flaky' on 1 row"):
        assert applier.apply(frame).column(0)[3] == ABSTAIN
    state["broken"] = False
    V = applier.apply(frame)
    assert V.report.recomputed == ["lf_flaky"] and V.column(0)[3] == 0


# ==================================================================== LF outputs and faults
ENGINES = ["serial", "process"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value, message", [
    (None, r"returned None \(NoneType\)"),
    (1.5, r"returned 1.5 \(float\)"),
    ("1", r"returned '1' \(str\)"),
    (True, r"returned True \(bool\)"),
    (2**70, r"1180591620717411303424"),
    (7, r"returned 7 on row 'id13': outside -1..2"),
    (-2, r"returned -2 on row 'id13': outside -1..2"),
])
def test_bad_row_lf_output_names_lf_and_row(frame, engine, value, message):
    @labeling_function()
    def lf_bad(x):
        return value if x.n == 13 else 0

    with pytest.raises(LFOutputError, match=message) as err:
        apply_lfs([lf_bad], frame, engine=engine, cardinality=3, n_jobs=2, chunk_size=5, progress=False)
    assert "lf_bad" in str(err.value) and "id13" in str(err.value)


@pytest.mark.parametrize("make, message", [
    (lambda d: np.array([0] * 3 + [None] + [0] * (len(d) - 4), dtype=object), r"e.g. None on row 'id3'"),
    (lambda d: np.where(d.n == 2, np.nan, 0.0), r"e.g. nan on row 'id2'"),
    (lambda d: np.where(d.n == 4, 0.5, 0.0), r"e.g. 0.5 on row 'id4'"),
    (lambda d: np.array(["0"] * len(d)), r"dtype <U1"),
    (lambda d: np.zeros(len(d) - 1, int), r"shape \(19,\) for a chunk of 20 rows"),
    (lambda d: np.array([0] * (len(d) - 1) + [2**70], dtype=object), r"1180591620717411303424"),
    (lambda d: pd.Series(0, index=[f"other{i}" for i in range(len(d))]), r"label 'other0' is not a row"),
    (lambda d: pd.DataFrame({"a": np.zeros(len(d), int), "b": 0}, index=d.index), "2 columns"),
    (lambda d: np.full(len(d), 9), r"9"),
])
def test_bad_batched_lf_output_is_named(frame, make, message):
    @labeling_function(batched=True)
    def lf_batch(d):
        return make(d)

    with pytest.raises(LFOutputError, match=message) as err:
        apply_lfs([lf_batch], frame, cardinality=3, progress=False)
    assert "lf_batch" in str(err.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_batched_series_in_another_row_order_is_aligned(frame, engine):
    @labeling_function(batched=True)
    def lf_sorted(d):
        out = pd.Series(np.where(d.n % 4 == 0, 1, 0), index=d.index)
        return out.sort_values(kind="stable")  # rows come back in another order

    V = apply_lfs([lf_sorted], frame, engine=engine, n_jobs=2, chunk_size=7, progress=False)
    assert V.column(0).tolist() == [1 if n % 4 == 0 else 0 for n in range(20)]


def test_batched_series_with_a_default_index_is_read_by_position(frame):
    @labeling_function(batched=True)
    def lf_plain(d):
        return pd.Series(np.where(d.n.to_numpy() > 9, 1, 0))

    V = apply_lfs([lf_plain], frame, chunk_size=6, progress=False)
    assert V.column(0).tolist() == [1 if n > 9 else 0 for n in range(20)]


class _NeedsTwoArgs(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(f"code {code}: {detail}")
        self.code = code


class _HoldsALock(Exception):
    def __init__(self) -> None:
        super().__init__("holds a lock")
        self.lock = threading.Lock()


@pytest.mark.parametrize("exc", [_NeedsTwoArgs, _HoldsALock])
def test_process_engine_keeps_lf_name_and_row_when_the_exception_cannot_cross(frame, exc):
    @labeling_function()
    def lf_raises(x):
        if x.n == 11:
            raise exc(3, "bad") if exc is _NeedsTwoArgs else exc()
        return 0

    with pytest.raises(LFApplyError, match=r"LF 'lf_raises' raised .* on row 'id11' \(position 11\)") as err:
        apply_lfs([lf_raises], frame, engine="process", n_jobs=2, chunk_size=5, progress=False)
    assert err.value.lf_name == "lf_raises" and err.value.position == 11


def test_process_engine_worker_death_names_rows_and_lfs(frame):
    @labeling_function()
    def lf_dies(x):
        if x.n == 12:
            os._exit(3)
        return 0

    with pytest.raises(LFApplyError, match=r"worker process died .*\['lf_dies'\] to rows 'id10'..'id14'"):
        apply_lfs([lf_dies], frame, engine="process", n_jobs=2, chunk_size=5, progress=False)


@pytest.mark.parametrize("engine", ENGINES)
def test_hanging_row_lf_times_out_with_name_and_row(frame, engine):
    @labeling_function()
    def lf_hangs(x):
        if x.n == 6:
            time.sleep(60)
        return 0

    t0 = time.monotonic()
    with pytest.raises(LFApplyError, match=r"LF 'lf_hangs' timed out on row 'id6' .*timeout=0.2 s"):
        apply_lfs([lf_hangs], frame, engine=engine, timeout=0.2, n_jobs=2, chunk_size=5, progress=False)
    assert time.monotonic() - t0 < 20


@pytest.mark.timeout(30)
def test_hanging_lf_under_fault_abstain_keeps_the_other_rows_and_is_not_cached(frame):
    calls = {"n": 0}

    @labeling_function()
    def lf_slow(x):
        calls["n"] += 1
        if x.n in (2, 17):
            time.sleep(60)
        return 1

    applier = LFApplier([lf_slow], fault="abstain", timeout=0.2, progress=False)
    V = applier.apply(frame)
    assert V.report.faults == {"lf_slow": 2}
    assert V.column(0).tolist() == [ABSTAIN if n in (2, 17) else 1 for n in range(20)]
    assert applier.apply(frame).report.recomputed == ["lf_slow"]  # a timeout is a fault: not cached


def test_hanging_batched_lf_times_out(frame):
    @labeling_function(batched=True)
    def lf_stuck(d):
        time.sleep(60)
        return np.zeros(len(d), int)

    with pytest.raises(LFApplyError, match=r"batched LF 'lf_stuck' timed out on the chunk of rows 'id0'..'id19'"):
        apply_lfs([lf_stuck], frame, timeout=0.2, progress=False)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "1", True])
def test_bad_timeout_values_are_refused(timeout):
    with pytest.raises(ValueError, match="timeout must be None or a number of seconds > 0"):
        LFApplier([], timeout=timeout)


def test_timeout_with_the_dask_engine_is_refused_not_ignored(frame):
    pytest.importorskip("dask")  # an optional third-party engine, not weaksup's own module
    with pytest.raises(ValueError, match="timeout= is enforced by the serial and process engines, not by 'dask'"):
        apply_lfs([lf_reads_config], frame, engine="dask", timeout=1, progress=False)


def test_timeout_from_another_thread_is_a_clear_error(frame):
    out: dict[str, BaseException] = {}

    def run():
        try:
            apply_lfs([lf_reads_config], frame, timeout=1, progress=False)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            out["exc"] = exc

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert "main thread" in str(out["exc"])


@pytest.mark.parametrize("lfs, message", [
    (lambda: [lf_reads_config, lf_reads_config], "duplicate LF names"),
    (lambda: [42], r"LF #0 \(42\) is not a LabelingFunction or a named callable"),
    (lambda: [lambda x: 0], None),  # a lambda is named '<lambda>': accepted
])
def test_lf_lists_are_checked(frame, lfs, message):
    if message is None:
        assert apply_lfs(lfs(), frame, progress=False).lf_names == ["<lambda>"]
        return
    with pytest.raises((ValueError, TypeError), match=message):
        apply_lfs(lfs(), frame, progress=False)


@pytest.mark.parametrize("fault", ["ignore", "", None])
def test_bad_fault_policy_is_refused(fault):
    with pytest.raises(ValueError, match="fault must be one of"):
        LFApplier([lf_reads_config], fault=fault)


@pytest.mark.parametrize("data, message", [
    ("abc", "got str"),
    (None, "got NoneType"),
    ([1, 2, 3], "record 0 is a int"),
    ([{"n": 1}, ("n", 2)], "record 1 is a tuple"),
    (np.zeros((3, 2)), "got ndarray"),
    (pd.Series([1, 2]), "got Series"),
])
def test_data_that_is_not_a_frame_or_records_is_refused(data, message):
    with pytest.raises(TypeError, match=f"data must be .*{message}"):
        apply_lfs([lf_reads_config], data, progress=False)


@pytest.mark.parametrize("kwargs, message", [
    ({"chunk_size": -5}, "chunk_size must be None or an integer >= 1, got -5"),
    ({"chunk_size": 0}, "chunk_size must be None or an integer >= 1, got 0"),
    ({"chunk_size": 2.5}, "chunk_size must be None or an integer >= 1, got 2.5"),
    ({"n_jobs": 0}, "n_jobs must be None or an integer >= 1, got 0"),
    ({"n_jobs": -1, "engine": "process"}, "n_jobs must be None or an integer >= 1, got -1"),
    ({"cardinality": 0}, "cardinality must be None or an integer >= 1, got 0"),
    ({"cardinality": "2"}, "cardinality must be None or an integer >= 1, got '2'"),
])
def test_bad_applier_sizes_are_refused(frame, kwargs, message):
    with pytest.raises(ValueError, match=message):
        apply_lfs([lf_reads_config], frame, progress=False, **kwargs)


def test_vote_cache_directory_that_is_a_file_is_named(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(NotADirectoryError, match=f"VoteCache directory {f} exists and is not a folder"):
        VoteCache(f)


def test_records_are_accepted(frame):
    V = apply_lfs([lf_reads_config], frame.to_dict("records"), progress=False)
    assert V.column(0).tolist() == _expect(frame, 5)


def test_empty_frame_gives_an_empty_vote_matrix():
    V = apply_lfs([lf_reads_config], pd.DataFrame({"n": []}), progress=False)
    assert V.shape == (0, 1)


def test_row_lf_reading_a_missing_field_names_it(frame):
    @labeling_function()
    def lf_missing(x):
        return 1 if x.title else 0

    with pytest.raises(LFApplyError, match=r"'lf_missing' raised AttributeError on row 'id0' .*no field 'title'"):
        apply_lfs([lf_missing], frame, progress=False)


# ======================================================= prompted LFs, backends, response cache
class _ScriptedServer:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 with scripted replies.

    ``mode``: ``"ok"`` (Yes/No log-probabilities from whether the prompt says "WIN"), ``"nan"``,
    ``"inf"``, ``"text"`` (a log-probability that is a string), ``"500"``; ``hang_after``: requests
    after that many served replies hang (a stuck server).  ``/label?n=N`` answers ``N % 2``.
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.served = 0
        self.admitted = 0
        self.hang_after: int | None = None
        self._release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if server.mode == "500":
                    return self._reply(500, b'{"error": "down"}')
                n = int(self.path.split("n=")[1])
                self._reply(200, str(n % 2).encode())

            def do_POST(self) -> None:
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:  # admit exactly hang_after requests, however many arrive at once
                    stuck = server.hang_after is not None and server.admitted >= server.hang_after
                    server.admitted += not stuck
                if stuck:
                    server._release.wait(60)
                    return
                if server.mode == "500":
                    return self._reply(500, b'{"error": {"message": "injected outage"}}')
                prompt = req["messages"][-1]["content"]
                yes, no = (-0.1, -2.5) if "WIN" in prompt else (-2.5, -0.1)
                if server.mode == "nan":
                    yes = float("nan")
                elif server.mode == "inf":
                    yes = float("inf")
                elif server.mode == "text":
                    yes = "high"  # type: ignore[assignment]
                top = [{"token": "Yes", "logprob": yes}, {"token": "No", "logprob": no}]
                body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Yes"},
                                     "logprobs": {"content": [{"token": "Yes", "logprob": yes,
                                                               "top_logprobs": top}]}}],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 1}}
                self._reply(200, json.dumps(body).encode())
                with server._lock:
                    server.served += 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.root + "/v1"

    def __enter__(self) -> _ScriptedServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("mode, message", [
    ("nan", r"log-probability nan"),
    ("inf", r"log-probability inf"),
    ("text", r"malformed logprobs"),
])
def test_non_finite_logprobs_are_rejected_and_never_cached(tmp_path, mode, message):
    from weaksup.labelers import ResponseCache
    from weaksup.labelers.backends import OpenAIBackend
    from weaksup.labelers.backends.openai import BackendResponseError

    with _ScriptedServer() as srv:
        srv.mode = mode
        rc = ResponseCache(tmp_path / "r.sqlite")
        backend = OpenAIBackend(srv.url, model="m", max_retries=0, timeout=5)
        with pytest.raises(BackendResponseError, match=message) as err:
            backend.score(["WIN this?"], ["Yes", "No"], cache=rc)
        assert srv.url in str(err.value) or mode == "text"
        assert len(rc) == 0
        srv.mode = "ok"
        lp = backend.score(["WIN this?"], ["Yes", "No"], cache=rc)
        assert np.all(np.isfinite(lp)) and lp[0, 0] > lp[0, 1] and len(rc) == 1


def test_nan_logprob_becomes_no_vote_under_fault_abstain(frame, tmp_path):
    from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate, ResponseCache
    from weaksup.labelers.backends import OpenAIBackend

    with _ScriptedServer() as srv:
        srv.mode = "nan"
        lf = PromptedLF("llm", PromptTemplate("Is this spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                        OpenAIBackend(srv.url, model="m", max_retries=0), cache=ResponseCache(tmp_path / "r.sqlite"))
        V = apply_lfs([lf], frame, fault="abstain", progress=False)
        assert set(V.column(0)) == {ABSTAIN} and V.report.faults == {"llm": 20}


class _LocalBackend:
    """A backend computed in this process (a real Backend subclass) whose replies we choose."""

    @staticmethod
    def make(reply: Any) -> Any:
        from weaksup.labelers.backends.base import Backend

        class Local(Backend):
            kind = "local-test"
            model = "fixed"

            def _score_batch(self, prompts, choices):
                return [reply(p) for p in prompts]

            def _generate_batch(self, prompts, max_tokens, stop):
                return [reply(p) for p in prompts]

        return Local()


@pytest.mark.parametrize("reply, message", [
    ({"logprobs": [float("nan"), -1.0]}, r"choice 'Yes' is nan"),
    ({"logprobs": [float("inf"), -1.0]}, r"choice 'Yes' is inf"),
    ({"logprobs": [-1.0]}, r"expected 2 log-probabilities"),
    ({"logprobs": ["a", -1.0]}, r"choice 'Yes' is 'a'"),
    ({"nothing": 1}, r"expected 2 log-probabilities"),
    ([1, 2], r"is list, not an object"),
])
def test_backend_boundary_rejects_invalid_score_replies(reply, message, tmp_path):
    from weaksup.labelers import ResponseCache
    from weaksup.labelers.backends.base import BackendError

    backend = _LocalBackend.make(lambda p: reply)
    rc = ResponseCache(tmp_path / "r.sqlite")
    with pytest.raises(BackendError, match=message) as err:
        backend.score(["prompt one"], ["Yes", "No"], cache=rc)
    assert "prompt one" in str(err.value) and len(rc) == 0


def test_minus_infinity_is_a_valid_log_probability():
    backend = _LocalBackend.make(lambda p: {"logprobs": [-math.inf, -0.1]})
    assert backend.score(["p"], ["Yes", "No"])[0, 0] == -math.inf


def test_generate_reply_without_text_is_rejected():
    from weaksup.labelers.backends.base import BackendError

    backend = _LocalBackend.make(lambda p: {"text": None})
    with pytest.raises(BackendError, match="no reply text"):
        backend.generate(["p"])


def test_one_bad_reply_keeps_the_good_ones_of_its_batch(tmp_path):
    from weaksup.labelers import ResponseCache
    from weaksup.labelers.backends.base import BackendError

    backend = _LocalBackend.make(lambda p: {"logprobs": [float("nan") if p == "bad" else -0.5, -1.0]})
    rc = ResponseCache(tmp_path / "r.sqlite")
    with pytest.raises(BackendError, match="'bad'"):
        backend.score(["good 1", "bad", "good 2"], ["Yes", "No"], cache=rc)
    assert len(rc) == 2  # the valid replies of the batch are stored, the invalid one is not
    backend.score(["good 1", "good 2"], ["Yes", "No"], cache=rc)
    assert backend.stats.calls == 3  # the rerun was answered from the cache


def test_corrupt_response_cache_file_is_moved_aside_with_a_warning(tmp_path):
    from weaksup.labelers import ResponseCache

    path = tmp_path / "responses.sqlite"
    path.write_bytes(b"this is not sqlite " * 100)
    with pytest.warns(RuntimeWarning, match=f"response cache {path} is damaged .*moved it to {path}.corrupt-"):
        rc = ResponseCache(path)
    backend = _LocalBackend.make(lambda p: {"logprobs": [-0.1, -2.0]})
    backend.score(["p"], ["Yes", "No"], cache=rc)
    assert len(rc) == 1 and list(tmp_path.glob("responses.sqlite.corrupt-*"))


def test_unreadable_cached_rows_are_misses_with_a_warning(tmp_path):
    import sqlite3

    from weaksup.labelers import ResponseCache

    path = tmp_path / "r.sqlite"
    rc = ResponseCache(path)
    backend = _LocalBackend.make(lambda p: {"logprobs": [-0.1, -2.0]})
    backend.score(["p1", "p2"], ["Yes", "No"], cache=rc)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE responses SET response = '{truncated' WHERE prompt = 'p1'")
    with pytest.warns(RuntimeWarning, match=f"response cache {path}: 1 stored repl"):
        out = backend.score(["p1", "p2"], ["Yes", "No"], cache=ResponseCache(path))
    assert np.allclose(out, [[-0.1, -2.0], [-0.1, -2.0]])


def test_cached_invalid_reply_from_an_older_run_is_asked_again(tmp_path):
    from weaksup.labelers import ResponseCache

    backend = _LocalBackend.make(lambda p: {"logprobs": [-0.1, -2.0]})
    rc = ResponseCache(tmp_path / "r.sqlite")
    key = ResponseCache.key(backend.identity(), "score", "p", {"choices": ["Yes", "No"]})
    rc.put_many([(key, {"logprobs": [float("nan"), -1.0]}, "p")])  # as a version before issue 16 stored it
    with pytest.warns(RuntimeWarning, match="1 cached repl.* invalid, asked again"):
        out = backend.score(["p"], ["Yes", "No"], cache=rc)
    assert out.tolist() == [[-0.1, -2.0]] and backend.stats.calls == 1


@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_response_cache_path_problems_name_the_path(tmp_path, where):
    from weaksup.labelers import ResponseCache

    if where == "folder":
        path = tmp_path / "a_folder"
        path.mkdir()
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "r.sqlite"
    with pytest.raises(OSError, match=f"response cache {path}"):
        ResponseCache(path)


_KILL_SCRIPT = textwrap.dedent("""
    import sys
    from weaksup.labelers import ResponseCache
    from weaksup.labelers.backends import OpenAIBackend
    b = OpenAIBackend(sys.argv[1], model="m", concurrency=4, batch_size=16, max_retries=0, timeout=120)
    b.score([f"prompt {i}" for i in range(16)], ["Yes", "No"], cache=ResponseCache(sys.argv[2]))
""")


@pytest.mark.timeout(60)
def test_sigkill_during_a_batch_keeps_every_reply_received(tmp_path):
    """A batched run killed mid-batch: the replies already back are in the response cache."""
    from weaksup.labelers import ResponseCache

    with _ScriptedServer() as srv:
        srv.hang_after = 6  # six replies, then the server stalls with requests in flight
        db = tmp_path / "r.sqlite"
        proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, srv.url, str(db)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and proc.poll() is None:
                if srv.served == 6 and db.exists() and ResponseCache(db).count() >= 6:
                    break
                time.sleep(0.05)
            assert proc.poll() is None, proc.stderr.read().decode()  # still stuck mid-batch
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert srv.served == 6
        assert ResponseCache(db).count() == 6  # every reply received survived the SIGKILL


# ================================================================================ WRENCH loader
def _wrench_folder(root: Path, name: str, *, train: bytes | None = None, label: Any = ("a", "b"),
                   n: int = 4) -> Path:
    d = root / name
    d.mkdir()
    for s in ("train", "valid", "test"):
        ex = {str(i): {"label": i % 2, "weak_labels": [i % 2, -1], "data": {"text": f"t{i}"}} for i in range(n)}
        (d / f"{s}.json").write_text(json.dumps(ex))
    if train is not None:
        (d / "train.json").write_bytes(train)
    if label is not None:
        (d / "label.json").write_text(json.dumps(label if isinstance(label, dict)
                                                 else {str(i): v for i, v in enumerate(label)}))
    return d


_EX = '"label": 0, "weak_labels": [0, -1]'


@pytest.mark.parametrize("train, label, message", [
    ('{"7": {%s}, "7": {"label": 1, "weak_labels": [1, -1]}}' % _EX, None,
     r"train.json: key '7' appears twice .*duplicated example id"),
    (b'{"1": {"label": 0, "weak_labels": [0, -1], "data": {"text": "caf\xe9"}}}', None,
     r"train.json: byte b'\\xe9' at offset \d+ \(line 1\) is not UTF-8"),
    ('{"1": {"label": 0, "weak_labels": [9223372036854775808, -1]}}', None,
     r"train.json: example '1': weak label 9223372036854775808 from LF 0 outside -1..1"),
    ('{"1": {"label": 18446744073709551616, "weak_labels": [0, -1]}}', None,
     r"train.json: example '1': label 18446744073709551616 outside 0..1"),
    (None, {"0": "a", "01": "b"}, r"label.json: class id '01' is not written as a plain integer"),
    (None, {"0": "a", "2": "b"}, r"class ids must be 0..1"),
    (None, {"zero": "a"}, r"class ids must be integers"),
    ('{}', None, r"train.json: the train split has no examples"),
    ('{"1": {"label": 0, "weak_labels": [0, -1]}, "2": {"label": 0, "weak_labels": [0]}}', None,
     r"example '2' has 1 weak labels, expected 2"),
    ('{"1": {"label": 0, "weak_labels": [0.5, -1]}}', None, r"example '1': weak label 0.5 from LF 0 is not an integer"),
    ('{"1": {"label": "0", "weak_labels": [0, -1]}}', None, r"example '1': label '0' is not an integer"),
    ('{"1": {"label": 0}}', None, r"example '1' lacks 'label' or 'weak_labels'"),
    ('{"1": {"label": 0, "weak_labels": [0, -1], "data": [1]}}', None, r"example '1': 'data' must be an object"),
    ('[1, 2]', None, r"train.json: expected a JSON object"),
    ('{"1": {"label": 0, ', None, r"malformed JSON in .*train.json: .* line 1"),
    ('{"1": {"label": 0, "weak_labels": [5, -1]}}', None, r"example '1': weak label 5 from LF 0 outside -1..1"),
])
def test_bad_wrench_files_name_file_and_example(tmp_path, train, label, message):
    from weaksup.data.wrench import WrenchFormatError, load_wrench_folder

    raw = train.encode() if isinstance(train, str) else train
    d = _wrench_folder(tmp_path, "bad", train=raw, label=label if label is not None else ("a", "b"))
    with pytest.raises(WrenchFormatError, match=message):
        load_wrench_folder(d)


def test_wrench_folder_without_label_or_meta_says_both(tmp_path):
    from weaksup.data.wrench import load_wrench_folder

    d = _wrench_folder(tmp_path, "nolabel", label=None)
    with pytest.raises(FileNotFoundError, match=r"neither label.json .* nor meta.json"):
        load_wrench_folder(d)


def test_wrench_missing_split_file_is_named(tmp_path):
    from weaksup.data.wrench import load_wrench_folder

    d = _wrench_folder(tmp_path, "nosplit")
    (d / "valid.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing split file\(s\) \[.*valid.json'\]"):
        load_wrench_folder(d)


def test_wrench_empty_valid_split_loads_with_the_train_lfs(tmp_path):
    from weaksup.data.wrench import load_wrench_folder

    d = _wrench_folder(tmp_path, "emptyvalid")
    (d / "valid.json").write_text("{}")
    ds = load_wrench_folder(d)
    assert ds.valid.votes.shape == (0, 2) and ds.train.votes.shape == (4, 2)


@pytest.mark.parametrize("which", ["file", "folder", "dangling"])
def test_wrench_symlink_loops_are_named(tmp_path, which):
    from weaksup.data.wrench import WrenchFormatError, load_wrench_folder

    d = _wrench_folder(tmp_path, "links")
    if which == "file":
        (d / "test.json").unlink()
        os.symlink(d / "b.json", d / "a.json")
        os.symlink(d / "a.json", d / "b.json")
        os.symlink(d / "a.json", d / "test.json")
        target, message = d, r"test.json: is a symbolic-link loop"
    elif which == "folder":
        os.symlink(tmp_path / "l2", tmp_path / "l1")
        os.symlink(tmp_path / "l1", tmp_path / "l2")
        target, message = tmp_path / "l1", r"l1: is a symbolic-link loop"
    else:
        (d / "label.json").unlink()
        os.symlink(d / "gone.json", d / "label.json")
        target, message = d, r"label.json: is a dangling symbolic link"
    with pytest.raises(WrenchFormatError, match=message):
        load_wrench_folder(target)


def test_labeled_ids_naming_an_unknown_example(tmp_path):
    from weaksup.data.wrench import WrenchFormatError, load_wrench_folder

    d = _wrench_folder(tmp_path, "lab")
    (d / "labeled_ids.json").write_text(json.dumps(["1", "99"]))
    with pytest.raises(WrenchFormatError, match=r"labeled id '99' is not an example id of the train split"):
        load_wrench_folder(d)


def test_wrench_tagging_set_with_70_entity_types_keeps_its_tags(tmp_path):
    """Valid data: 70 entity types are 141 BIO tags, more than int8 holds."""
    from weaksup.data.wrench import load_wrench_folder

    d = tmp_path / "tag70"
    d.mkdir()
    ents = [f"E{i}" for i in range(70)]
    (d / "meta.json").write_text(json.dumps({"lf": ["a", "b"], "lf_rec": ["a", "b"], "entity_types": ents,
                                             "num_lf": 2}))
    ex = {"0": {"label": ["B-E69", "I-E69", "O"], "weak_labels": [["B-E69", "O"], ["I-E69", "O"], ["O", "B-E65"]],
                "data": {"text": ["x", "y", "z"]}}}
    for s in ("train", "valid", "test"):
        (d / f"{s}.json").write_text(json.dumps(ex))
    ds = load_wrench_folder(d)
    names = ds.tag_names
    got = [[names[t] for t in row] for row in np.asarray(ds.train.votes.data).tolist()]
    assert got == [["B-E69", "O"], ["I-E69", "O"], ["O", "B-E65"]]


def test_wrench_tagging_set_without_meta_json_says_so(tmp_path):
    from weaksup.data.wrench_sequence import load_wrench_sequence

    d = tmp_path / "tagging"
    d.mkdir()
    with pytest.raises(FileNotFoundError, match=r"meta.json"):
        load_wrench_sequence(d)


# ================================================================================== command line
def test_cli_bench_unknown_model_exits_nonzero_with_a_message(capsys):
    from weaksup.cli import main

    assert main(["bench", "--label-models", "NoSuchModel", "--datasets", "youtube", "--no-progress"]) != 0
    assert "unknown label model 'NoSuchModel'" in capsys.readouterr().err


def test_cli_bench_zero_seeds_exits_nonzero_with_a_message(capsys):
    from weaksup.cli import main

    assert main(["bench", "--seeds", "0", "--datasets", "youtube", "--no-progress"]) != 0
    assert "seeds must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("url, message", [
    ("http://127.0.0.1:{port}/wrench", "Connection refused"),
    ("htp:/nowhere", "unknown url type"),
])
def test_cli_download_failure_is_one_line_without_traceback(tmp_path, url, message):
    # the port stays bound, never listening, until the CLI has run: refused, and no other process can take it
    # while the CLI starts (a port closed before the run could be another test's server by then)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        proc = subprocess.run([sys.executable, "-m", "weaksup.cli", "download", "youtube", "--base-url",
                               url.format(port=held.getsockname()[1]), "--cache", str(tmp_path), "--force"],
                              capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "youtube").exists()


@pytest.fixture
def file_server(tmp_path):
    root = tmp_path / "srv"
    (root / "classification" / "big").mkdir(parents=True)
    (root / "classification" / "big" / "label.json").write_bytes(b" " * (3 << 20))

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_size_cap_refuses_a_large_file(tmp_path, file_server):
    from weaksup.data.download import DownloadError, download_wrench

    with pytest.raises(DownloadError, match=r"label.json: the file has 3145728 bytes, over the size cap of 1048576"):
        download_wrench("big", base_url=file_server, cache=tmp_path / "c", max_bytes=1 << 20, progress=False)
    assert not (tmp_path / "c" / "big").exists()


def test_cli_download_size_cap(tmp_path, file_server):
    proc = subprocess.run([sys.executable, "-m", "weaksup.cli", "download", "big", "--base-url", file_server,
                           "--cache", str(tmp_path / "c"), "--max-size", "1"], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert proc.returncode == 1 and "over the size cap" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("flag", ["--max-size", "--max-time", "--timeout"])
def test_cli_download_rejects_non_positive_caps(tmp_path, flag, capsys):
    from weaksup.cli import main

    assert main(["download", "youtube", "--cache", str(tmp_path), flag, "0"]) == 2
    assert "must be positive" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs,message", [
    ({"min_confidence": 1.5}, "min_confidence must be None or a number in [0, 1], got 1.5"),
    ({"min_confidence": float("nan")}, "min_confidence must be None or a number in [0, 1], got nan"),
    ({"max_tokens": 0}, "max_tokens must be an int in [1, inf], got 0"),
    ({"mode": "chat"}, "mode must be 'score' or 'generate', got 'chat'"),
])
def test_prompted_lf_refuses_bad_settings_naming_the_lf(kwargs, message):
    import re

    from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate
    from weaksup.labelers.backends import OpenAIBackend

    backend = OpenAIBackend("http://127.0.0.1:9", model="m")  # never called: the constructor refuses first
    with pytest.raises(ValueError, match=re.escape(f"LF 'llm_spam': {message}")):
        PromptedLF("llm_spam", PromptTemplate("Is this spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                   backend, cache=None, **kwargs)
