"""``timeout=`` (the SIGALRM watchdog of weaksup.apply.kernel) keeps the caller's own ITIMER_REAL timer.

The caller's timer (``signal.alarm`` / ``signal.setitimer``: a job watchdog, pytest-timeout's signal method)
must fire at its time, during the apply as after it, and be handed back with the time it has left.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator

import pandas as pd
import pytest

from weaksup import apply_lfs, labeling_function
from weaksup.apply.errors import LFApplyError

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="timeout= needs signal.setitimer")

FRAME = pd.DataFrame({"n": range(20)}, index=[f"id{i}" for i in range(20)])


@labeling_function()
def lf_quick(x):
    return x.n % 2


def _lf_sleeping(seconds: float):
    @labeling_function(name="lf_sleeping")
    def lf(x):
        time.sleep(seconds)
        return 1

    return lf


@contextlib.contextmanager
def caller_timer(delay: float, interval: float = 0.0) -> Iterator[list[float]]:
    """The caller's timer and a handler recording when it fired; pytest-timeout's own put back after."""
    fired: list[float] = []
    old_handler = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    old_timer = signal.setitimer(signal.ITIMER_REAL, delay, interval)
    try:
        yield fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_timer[0] > 0:
            signal.setitimer(signal.ITIMER_REAL, *old_timer)


def test_caller_timer_is_handed_back_with_the_time_it_has_left():
    with caller_timer(3.0) as fired:
        t0 = time.monotonic()
        apply_lfs([lf_quick], FRAME, timeout=1.0, progress=False)
        before = time.monotonic() - t0  # at most the timer's time spent (it was armed before t0)
        left, interval = signal.getitimer(signal.ITIMER_REAL)
        spent = time.monotonic() - t0
        # was (0.0, 0.0): the timer was cancelled; the slack below is a loaded machine's delay before t0
        assert 3.0 - spent - 0.5 <= left <= 3.0 - before + 0.01
        assert interval == 0.0
        assert not fired


def test_caller_timer_due_after_the_apply_fires_once_after_it():
    with caller_timer(0.3) as fired:
        t0 = time.monotonic()
        apply_lfs([lf_quick], FRAME, timeout=1.0, progress=False)
        time.sleep(1.0)
        assert len(fired) == 1  # was []: the timer was cancelled
        assert 0.29 <= fired[0] - t0 <= 0.9  # a loaded machine runs the handler late


def test_caller_timer_shorter_than_the_lf_timeout_fires_at_its_time_during_the_apply():
    with caller_timer(0.2) as fired:
        t0 = time.monotonic()
        V = apply_lfs([_lf_sleeping(0.05)], FRAME, timeout=5.0, progress=False)  # ~1 s of LF calls
        assert time.monotonic() - t0 >= 0.9
        assert len(fired) == 1  # was []: the watchdog had replaced it
        assert 0.19 <= fired[0] - t0 <= 0.7  # during the ~1 s apply (a loaded machine runs the handler late)
        assert V.column(0).tolist() == [1] * 20  # the LF call it interrupted was resumed, not a fault
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # a one-shot timer that fired stays off


def test_periodic_caller_timer_keeps_ticking_during_and_after_the_apply():
    with caller_timer(0.1, 0.1) as fired:
        t0 = time.monotonic()
        apply_lfs([_lf_sleeping(0.05)], FRAME, timeout=5.0, progress=False)
        spent = time.monotonic() - t0
        during = len(fired)
        # was 0: the watchdog had replaced the timer; ticks due while the main thread waits for a core merge into
        # one handler call, so a loaded machine counts fewer than spent / 0.1, never more
        assert 3 <= during <= int(spent / 0.1) + 1
        left, interval = signal.getitimer(signal.ITIMER_REAL)
        assert interval == pytest.approx(0.1) and 0 < left <= 0.1
        time.sleep(0.35)
        assert len(fired) > during  # it keeps ticking after the apply


def test_lf_timeout_still_applies_with_a_caller_timer_armed():
    with caller_timer(30.0) as fired:
        with pytest.raises(LFApplyError, match=r"LF 'lf_sleeping' timed out on row 'id0' .*timeout=0.2 s"):
            apply_lfs([_lf_sleeping(5.0)], FRAME, timeout=0.2, progress=False)
        assert 29 < signal.getitimer(signal.ITIMER_REAL)[0] < 30
        assert not fired


def test_outer_timeout_still_applies_after_an_lf_applies_lfs_with_timeout():
    @labeling_function()
    def lf_nested(x):
        apply_lfs([lf_quick], FRAME, timeout=1.0, progress=False)  # an inner watchdog, exited before the sleep
        time.sleep(5.0)
        return 1

    with caller_timer(30.0):
        t0 = time.monotonic()
        with pytest.raises(LFApplyError, match=r"LF 'lf_nested' timed out on row 'id0'"):
            apply_lfs([lf_nested], FRAME, timeout=0.3, progress=False)
        assert time.monotonic() - t0 < 3.0  # was ~5 s: the inner apply had cancelled the outer watchdog's ticks


def test_caller_handler_that_rearms_its_timer_during_the_apply_fires_again():
    fired: list[float] = []

    def handler(signum, frame):
        fired.append(time.monotonic())
        if len(fired) == 1:
            signal.setitimer(signal.ITIMER_REAL, 0.3)  # the alarm-chain idiom: the handler sets the next one

    with caller_timer(0.2):
        signal.signal(signal.SIGALRM, handler)
        t0 = time.monotonic()
        apply_lfs([_lf_sleeping(0.05)], FRAME, timeout=5.0, progress=False)  # ~1 s
        assert len(fired) == 2
        # the first during the ~1 s apply (a loaded machine runs the handler late), the second 0.3 s after it
        assert 0.19 <= fired[0] - t0 <= 0.7 and fired[1] - fired[0] >= 0.29
        assert signal.getsignal(signal.SIGALRM) is handler


@pytest.mark.parametrize("inner_fault", ["abstain", "raise"])
def test_outer_limit_reached_inside_an_inner_apply_is_the_outer_lfs_timeout(inner_fault):
    """The outer limit firing inside the inner apply's LF call was counted as the inner LF's fault (a timeout
    it never had), and the outer LF then ran on unbounded; now the inner apply passes it on."""
    inner_faults = []

    @labeling_function(name="lf_outer")
    def lf_outer(x):
        V = apply_lfs([_lf_sleeping(0.3)], FRAME, timeout=1.0, fault=inner_fault, progress=False, cardinality=2)
        inner_faults.append(V.report.table["faults"].tolist())
        return 1

    with caller_timer(30.0):
        t0 = time.monotonic()
        V = apply_lfs([lf_outer], FRAME.iloc[:1], timeout=0.5, fault="abstain", progress=False, cardinality=2)
        assert time.monotonic() - t0 < 3.0  # was 6 s (every inner row) and more; ~0.5 s, 3 s for a loaded machine
    assert V.report.table["faults"].tolist() == [1] and inner_faults == []


def test_lf_timeout_pickles_without_its_watchdog():
    """A process-engine worker sends its LFTimeout (the cause of an LFApplyError) to the parent: the watchdog it
    names holds signal handlers, which do not pickle, and must stay behind."""
    import pickle

    from weaksup.apply.kernel import LFTimeout, _Watchdog

    watch = _Watchdog(1.0)
    watch._old = lambda signum, frame: None
    back = pickle.loads(pickle.dumps(LFTimeout("no result within timeout=1 s", watch)))
    assert type(back) is LFTimeout and str(back) == "no result within timeout=1 s" and back.watchdog is None
