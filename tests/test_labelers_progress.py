"""PromptedLF progress: by default a bar over the model's batches when a call asks more than one batch, so a long
chunk of the applier (whose bar moves only when the chunk is done) shows progress."""

from __future__ import annotations

import contextlib
import io
import math
import re
import time

import pandas as pd
import pytest

from weaksup import apply_lfs
from weaksup.labelers import Backend, LabelMap, PromptedLF, PromptTemplate


class SlowBackend(Backend):
    """Says "yes" to every prompt, 0.2 s per model batch of 4 (longer than tqdm's 0.1 s between redraws)."""

    kind, model, batch_size = "slow", "slow-yes", 4

    def _score_batch(self, prompts, choices):
        time.sleep(0.2)
        return [{"logprobs": [math.log(0.9 if c == "yes" else 0.1) for c in choices]} for _ in prompts]

    def _generate_batch(self, prompts, max_tokens, stop):
        time.sleep(0.2)
        return [{"text": "yes"} for _ in prompts]


def _lf(**kw) -> PromptedLF:
    return PromptedLF("slow_lf", PromptTemplate("Spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                      SlowBackend(), cache=None, **kw)


def _bar_states(fn, n: int) -> list[str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        fn()
    return sorted(set(re.findall(rf"slow score: .*?(\d+)/{n}", err.getvalue())), key=int)


def test_a_prompted_lf_shows_progress_inside_an_applier_chunk_by_default():
    # the applier's bar sat at 0/12 until the whole chunk was asked; the LF showed no bar unless progress=True
    df = pd.DataFrame({"text": [f"comment {i}" for i in range(12)]})
    lf = _lf()
    assert lf.progress is None
    states = _bar_states(lambda: apply_lfs([lf], df), 12)
    assert states[0] == "0" and states[-1] == "12" and len(states) >= 3, states  # it moved in between
    assert apply_lfs([lf], df, progress=False).to_dense().ravel().tolist() == [1] * 12


@pytest.mark.parametrize("mode", ["score", "generate"])
def test_no_prompted_bar_for_one_model_batch_or_when_turned_off(mode):
    four = pd.DataFrame({"text": ["a", "b", "c", "d"]})
    eight = pd.DataFrame({"text": list("abcdefgh")})
    kind = "score" if mode == "score" else "generate"

    def states(lf, df):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            lf.answers(df)
        return re.findall(rf"slow {kind}: .*?(\d+)/{len(df)}", err.getvalue())

    assert states(_lf(mode=mode), four) == []  # one model batch: nothing to watch
    assert states(_lf(mode=mode), eight) != []
    assert states(_lf(mode=mode, progress=False), eight) == []
    assert states(_lf(mode=mode, progress=True), four) != []
