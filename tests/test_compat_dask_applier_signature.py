"""``weaksup.apply.DaskLFApplier.apply`` has snorkel 0.10's signature: ``apply(df, scheduler="processes",
fault_tolerant=False)``, and runs the partitions on that scheduler.

It inherited ``PandasLFApplier.apply(df, progress_bar, fault_tolerant, return_meta)``: ``apply(df,
scheduler="threads")`` raised TypeError, and ``apply(df, "synchronous")`` put the scheduler into
``progress_bar`` and ran on dask's default scheduler.
"""

from __future__ import annotations

import inspect
import os
import threading

import numpy as np
import pandas as pd
import pytest

from weaksup.apply import DaskLFApplier
from weaksup.compat.snorkel.labeling.apply.dask import DaskLFApplier as CompatDaskLFApplier
from weaksup.lf import labeling_function

dd = pytest.importorskip("dask.dataframe")

DF = pd.DataFrame({"text": ["win cash", "hello", "win big", "bye"]})


def _ddf() -> object:
    return dd.from_pandas(DF, npartitions=2, sort=False)


@labeling_function(name="on_main_thread")
def on_main_thread(x):
    return 1 if threading.current_thread() is threading.main_thread() else 0


@labeling_function(name="fails_on_hello")
def fails_on_hello(x):
    if x.text == "hello":
        raise ValueError("no")
    return 1


def _positional(fn: object) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD]


def test_signature_is_snorkels() -> None:
    expected = [("self", inspect.Parameter.empty), ("df", inspect.Parameter.empty), ("scheduler", "processes"),
                ("fault_tolerant", False)]
    assert _positional(DaskLFApplier.apply) == expected == _positional(CompatDaskLFApplier.apply)
    snorkel_dask = pytest.importorskip("snorkel.labeling.apply.dask")
    assert _positional(DaskLFApplier.apply) == _positional(snorkel_dask.DaskLFApplier.apply)


def test_scheduler_is_used_by_keyword_and_position() -> None:
    applier = DaskLFApplier([on_main_thread])
    assert applier.apply(_ddf(), scheduler="synchronous", progress_bar=False).ravel().tolist() == [1, 1, 1, 1]
    assert applier.apply(_ddf(), "synchronous", progress_bar=False).ravel().tolist() == [1, 1, 1, 1]
    assert applier.apply(_ddf(), scheduler="threads", progress_bar=False).ravel().tolist() == [0, 0, 0, 0]


def test_fault_tolerant_is_the_third_positional_argument() -> None:
    L = DaskLFApplier([fails_on_hello]).apply(_ddf(), "synchronous", True, progress_bar=False)
    assert L.ravel().tolist() == [1, -1, 1, 1]
    L, meta = DaskLFApplier([fails_on_hello]).apply(_ddf(), scheduler="threads", fault_tolerant=True,
                                                     progress_bar=False, return_meta=True)
    assert L.ravel().tolist() == [1, -1, 1, 1] and meta.faults == {"fails_on_hello": 1}


def test_default_scheduler_is_processes() -> None:
    parent = os.getpid()

    @labeling_function(name="in_child")
    def in_child(x):
        return 1 if os.getpid() != parent else 0

    assert DaskLFApplier([in_child]).apply(_ddf(), progress_bar=False).ravel().tolist() == [1, 1, 1, 1]


def test_a_bool_scheduler_says_progress_bar_is_keyword_only() -> None:
    with pytest.raises(TypeError, match=r"scheduler must be a dask scheduler name .* got False; pass "
                                        r"progress_bar=False by keyword"):
        DaskLFApplier([on_main_thread]).apply(_ddf(), False)


def test_a_client_or_a_named_scheduler_beside_the_default_client() -> None:
    """scheduler=client runs on that client's workers; a named local scheduler is used even while a default
    client exists (snorkel computes with scheduler=...)."""
    distributed = pytest.importorskip("distributed")

    @labeling_function(name="on_worker")
    def on_worker(x):
        try:
            distributed.get_worker()
        except ValueError:
            return 0
        return 1

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster, set_as_default=False) as client:
            L = DaskLFApplier([on_worker]).apply(_ddf(), scheduler=client, progress_bar=False)
            assert L.ravel().tolist() == [1, 1, 1, 1]
        with distributed.Client(cluster):  # the default client
            L = DaskLFApplier([on_worker]).apply(_ddf(), "synchronous", progress_bar=False)
            assert L.ravel().tolist() == [0, 0, 0, 0]
            L = DaskLFApplier([on_worker]).apply(_ddf(), "distributed", progress_bar=False)  # names it
            assert L.ravel().tolist() == [1, 1, 1, 1]
    assert np.array_equal(DaskLFApplier([on_worker]).apply(_ddf(), "threads", progress_bar=False), np.zeros((4, 1)))


def test_concurrent_calls_each_use_their_scheduler_and_leave_dask_config_alone() -> None:
    """The scheduler goes to this call's compute only, as snorkel passes compute(scheduler=...): it was set
    in dask.config, which is process-wide, so a call running beside another saw the other's scheduler, and the
    one set last outlived both calls (the global scheduler stayed 'synchronous' after they returned)."""
    dask = pytest.importorskip("dask")
    a_running, b_started, a_done = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}
    threads: dict[str, threading.Thread] = {}

    @labeling_function(name="a_lf")
    def a_lf(x):
        a_running.set()
        b_started.wait(10)  # A's call runs until B's has started
        seen.setdefault("A config", dask.config.get("scheduler", None))
        seen.setdefault("A on its own thread", threading.current_thread() is threads["A"])
        return 0

    @labeling_function(name="b_lf")
    def b_lf(x):
        b_started.set()
        a_done.wait(10)  # B's call runs until A's has returned
        seen.setdefault("B on its own thread", threading.current_thread() is threads["B"])
        return 1

    frame = dd.from_pandas(pd.DataFrame({"t": ["x", "y"]}), npartitions=1)
    out: dict[str, object] = {}

    def call(name: str, lf: object, scheduler: str) -> None:
        try:
            out[name] = DaskLFApplier([lf]).apply(frame, scheduler, progress_bar=False).ravel().tolist()
        except BaseException as exc:  # reported below, not lost in the thread
            out[name] = exc

    before = dask.config.get("scheduler", None)
    threads["A"] = threading.Thread(target=call, args=("A", a_lf, "synchronous"))
    threads["B"] = threading.Thread(target=call, args=("B", b_lf, "threads"))
    threads["A"].start()
    a_running.wait(10)  # B's call starts inside A's
    threads["B"].start()
    threads["A"].join(30)
    a_done.set()
    threads["B"].join(30)
    assert out == {"A": [0, 0], "B": [1, 1]}
    assert dask.config.get("scheduler", None) == before, "a call's scheduler outlived it in dask.config"
    # A ran synchronously on its own thread and saw no scheduler set by B; B ran on dask's thread pool
    assert seen == {"A config": before, "A on its own thread": True, "B on its own thread": False}


@labeling_function(name="uses_lock", resources={"lock": threading.Lock()})
def uses_lock(x, lock):
    with lock:
        return 1


def test_an_unpicklable_lf_on_the_default_processes_scheduler_is_named() -> None:
    """On the (default) 'processes' scheduler the LFs are pickled to the worker processes, as on a Client:
    an LF holding a lock failed with a bare "cannot pickle '_thread.lock' object" naming no LF."""
    dask = pytest.importorskip("dask")
    from weaksup.apply import LFApplier

    message = (r"LF 'uses_lock' cannot be sent to the worker processes of Dask's 'processes' scheduler: its "
               r"resource 'lock' \(lock\) cannot be pickled .*create such objects inside the LF")
    with pytest.raises(TypeError, match=message):
        DaskLFApplier([uses_lock]).apply(_ddf(), progress_bar=False)
    with dask.config.set(scheduler="processes"), pytest.raises(TypeError, match=message):
        LFApplier([uses_lock], cardinality=2, progress=False, cache=False).apply(_ddf())
    # the threaded scheduler shares this process's objects: no pickling, no error
    assert DaskLFApplier([uses_lock]).apply(_ddf(), "threads", progress_bar=False).ravel().tolist() == [1, 1, 1, 1]
