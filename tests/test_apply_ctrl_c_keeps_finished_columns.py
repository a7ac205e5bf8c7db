"""Ctrl-C during a serial apply keeps the columns of the LFs that had run on every row, as an LF error does.

Before, the serial engine kept them only on an ``LFApplyError``: after Ctrl-C while the last (slow) LF ran, the
re-apply ran every LF again ({'a': 1000, 'b': 1000, 'c': 1000} calls instead of {'a': 0, 'b': 0, 'c': 1000}).
The interrupt itself goes up unchanged: a plain ``KeyboardInterrupt``, never swallowed nor turned into another
error.  The interrupts here are real ones: ``_thread.interrupt_main()`` runs Python's SIGINT handler, which
raises ``KeyboardInterrupt`` in the LF's ``time.sleep``.
"""

from __future__ import annotations

import _thread
import time

import numpy as np
import pandas as pd
import pytest

from weaksup import LFApplier, labeling_function

DF = pd.DataFrame({"text": [f"free {i}" if i % 2 else f"hi {i}" for i in range(1000)]})


@labeling_function()
def a(x):
    return 1 if "free" in x.text else -1


@labeling_function(batched=True, name="b")
def b(d):
    return np.where(d.text.str.startswith("hi"), 0, -1)


@labeling_function()
def c(x):
    return 1 if len(x.text) > 8 else -1


def _interrupted(name: str, at: str, batched: bool = False):
    """An LF ``name`` that is interrupted by Ctrl-C when it reaches the row whose text is ``at``."""
    fired = [False]

    def ctrl_c(text: str) -> None:
        if text == at and not fired[0]:
            fired[0] = True
            _thread.interrupt_main()  # as a SIGINT: the handler raises KeyboardInterrupt in the sleep below
            time.sleep(30)

    if batched:
        @labeling_function(batched=True, name=name)
        def slow_batch(d):
            for text in d.text:
                ctrl_c(text)
            return np.where(d.text.str.len() > 8, 1, -1)
        return slow_batch

    @labeling_function(name=name)
    def slow(x):
        ctrl_c(x.text)
        return 1 if len(x.text) > 8 else -1

    return slow


def _calls(votes) -> dict[str, int]:
    return votes.report.table["calls"].to_dict()


def _interrupt(applier: LFApplier) -> KeyboardInterrupt:
    with pytest.raises(KeyboardInterrupt) as stop:
        applier.apply(DF)
    assert type(stop.value) is KeyboardInterrupt and not vars(stop.value)  # as it came: nothing attached
    return stop.value


@pytest.mark.parametrize("batched", [False, True])
def test_ctrl_c_in_the_last_lf_keeps_the_finished_columns(batched):
    applier = LFApplier([a, b, _interrupted("c", "hi 500", batched)], progress=False)
    _interrupt(applier)
    votes = applier.apply(DF, [a, b, c])
    assert _calls(votes) == {"a": 0, "b": 0, "c": 1000}
    assert votes == LFApplier([a, b, c], progress=False, cache=False).apply(DF)


def test_the_interrupted_lf_and_the_ones_after_it_are_not_kept():
    applier = LFApplier([a, _interrupted("b", "hi 500"), c], progress=False)
    _interrupt(applier)
    votes = applier.apply(DF, [a, b, c])
    assert _calls(votes) == {"a": 0, "b": 1000, "c": 1000}
    assert votes == LFApplier([a, b, c], progress=False, cache=False).apply(DF)


def test_ctrl_c_before_the_last_chunk_keeps_nothing():
    """No LF has run on every row (the chunks after the interrupted one never ran): no column is kept whole;
    the rows of the chunk that finished (0..299) are kept for a and b (tests/test_apply_keeps_finished_chunks.py),
    not for the c that runs now (another LF than the interrupted one)."""
    applier = LFApplier([a, b, _interrupted("c", "hi 500")], progress=False, chunk_size=300)
    _interrupt(applier)
    votes = applier.apply(DF, [a, b, c])
    assert _calls(votes) == {"a": 700, "b": 700, "c": 1000}

    applier = LFApplier([a, b, _interrupted("c", "hi 950")], progress=False, chunk_size=300)
    _interrupt(applier)  # in the last chunk: the LFs before c are whole
    assert _calls(applier.apply(DF, [a, b, c])) == {"a": 0, "b": 0, "c": 1000}


def test_fault_abstain_keeps_nothing_of_the_interrupted_chunk():
    """With fault="abstain" a finished column may hold faults (never cached), which the engine cannot see."""
    applier = LFApplier([a, b, _interrupted("c", "hi 500")], progress=False, fault="abstain")
    _interrupt(applier)
    assert _calls(applier.apply(DF, [a, b, c])) == {"a": 1000, "b": 1000, "c": 1000}


def test_without_a_cache_the_interrupt_goes_up_as_well():
    _interrupt(LFApplier([a, b, _interrupted("c", "hi 500")], progress=False, cache=False))
