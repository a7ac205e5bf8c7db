"""labelers: templates, label maps, response cache, HTTP-backend plumbing (no model needed here;
the real-model and real-server tests are in test_labelers_model.py)."""

from __future__ import annotations

import math
import socket
import sqlite3

import numpy as np
import pandas as pd
import pytest

from weaksup.labelers import LabelMap, PromptTemplate, ResponseCache
from weaksup.labelers.backends import BackendConnectionError, OpenAIBackend
from weaksup.labelers.backends.base import CallStats
from weaksup.labelers.backends.openai import _retry_after, match_top_logprobs
from weaksup.labelers.suites import LABEL_NAMES, SUITES
from weaksup import ABSTAIN


# ----------------------------------------------------------------- templates
def test_template_fields_render_and_truncation():
    t = PromptTemplate("Q about {entity1} and {entity2}: {text}?", ["yes", "no"], max_field_chars=5)
    assert t.fields == ("entity1", "entity2", "text")
    assert t.render({"entity1": "cats", "entity2": "dogs", "text": "abcdefghij"}) == "Q about cats and dogs: abcde?"
    assert t.verbalizers == {"yes": ("yes", "Yes"), "no": ("no", "No")}
    assert t.surface_forms() == ["yes", "Yes", "no", "No"]
    with pytest.raises(KeyError, match="needs field 'entity2'"):
        t.render({"entity1": "x", "text": "y"})
    assert PromptTemplate("{text}", ["a", "b"]).render({"text": None}) == ""


def test_template_renders_every_missing_value_as_empty():
    # pd.NA (a missing text in a pandas "string" column) was rendered as "<NA>", pd.NaT as "NaT"
    t = PromptTemplate("Comment: {text}|", ["yes", "no"])
    for missing in (None, float("nan"), np.float32("nan"), pd.NA, pd.NaT):
        assert t.render({"text": missing}) == "Comment: |", missing
    row = pd.DataFrame({"text": pd.array(["hello", None], dtype="string")}).iloc[1]
    assert t.render(row) == "Comment: |"
    assert t.render({"text": 0}) == "Comment: 0|"


@pytest.mark.parametrize("bad, err", [
    (("no fields here", ["yes", "no"]), "has no {field}"),
    (("{text}", ["yes"]), "at least 2"),
    (("{}", ["yes", "no"]), "named fields"),
    (("{text}", {"yes": ["Yes"], "also": ["Yes"]}), "belongs to two answers"),
])
def test_template_errors(bad, err):
    with pytest.raises(ValueError, match=err):
        PromptTemplate(*bad)


def test_label_map_names_unipolar_and_errors():
    lm = LabelMap({"yes": "SPAM", "no": "HAM"}, label_names=["HAM", "SPAM"])
    assert (lm("yes"), lm("no"), lm("other")) == (1, 0, ABSTAIN)
    uni = LabelMap.unipolar("yes", "SPAM", ["HAM", "SPAM"])
    assert (uni("yes"), uni("no")) == (1, ABSTAIN)
    with pytest.raises(ValueError, match="unknown class name"):
        LabelMap({"yes": "EGGS"}, ["HAM", "SPAM"])
    with pytest.raises(ValueError, match="there are 2 classes"):
        LabelMap({"yes": 2}, ["HAM", "SPAM"])
    with pytest.raises(ValueError, match="does not offer"):
        uni.check_answers(("true", "false"))
    assert LabelMap.from_dict(lm.to_dict()).mapping == lm.mapping


def test_suites_are_well_formed():
    for task, prompts in SUITES.items():
        assert len(prompts) >= 4, task
        names = [p["name"] for p in prompts]
        assert len(set(names)) == len(names)
        for p in prompts:
            t = PromptTemplate(p["template"], p["answers"])
            LabelMap(p["label_map"], LABEL_NAMES[task]).check_answers(t.answers)
        # every class of the task is reachable from some prompt
        reach = {LabelMap(p["label_map"], LABEL_NAMES[task])(a) for p in prompts for a in p["label_map"]}
        assert reach == set(range(len(LABEL_NAMES[task]))), task


# --------------------------------------------------------------------- cache
def test_cache_persists_across_processes_and_keys_on_params(tmp_path):
    path = tmp_path / "r.sqlite"
    c = ResponseCache(path)
    k1 = ResponseCache.key({"kind": "x", "model": "m"}, "score", "p", {"choices": ["a", "b"]})
    k2 = ResponseCache.key({"kind": "x", "model": "m"}, "score", "p", {"choices": ["b", "a"]})
    k3 = ResponseCache.key({"kind": "x", "model": "m2"}, "score", "p", {"choices": ["a", "b"]})
    assert len({k1, k2, k3}) == 3
    c.put_many([(k1, {"logprobs": [-1.0, -2.0]}, "p")], {"model": "m", "kind": "score"})
    c.close()
    c2 = ResponseCache(path)
    got = c2.get_many([k1, k2])
    assert got == {k1: {"logprobs": [-1.0, -2.0]}}
    assert (c2.hits, c2.misses) == (1, 1)
    assert len(c2) == 1 and c2.count(model="m") == 1 and c2.count(model="zzz") == 0
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_call_stats_rates():
    s = CallStats(prompts=10, calls=4, cache_hits=6, seconds=2.0)
    s.add(CallStats(prompts=10, calls=0, cache_hits=10))
    assert s.hit_rate == pytest.approx(16 / 20)
    assert s.calls_per_second == pytest.approx(2.0)


# ------------------------------------------------------------ HTTP plumbing
def test_match_top_logprobs_by_hand():
    top = [(" Yes", -0.5), ("Yes", -1.5), ("No", -2.0), ("Maybe", -3.0)]
    yes, no, never = match_top_logprobs(top, ["Yes", "No", "Absolutely"])
    assert yes == pytest.approx(math.log(math.exp(-0.5) + math.exp(-1.5)))
    assert no == pytest.approx(-2.0)
    assert never == pytest.approx(-4.0)  # one nat below the smallest listed
    # a multi-token choice takes its listed first-token prefix
    assert match_top_logprobs([("abb", -1.0), ("x", -2.0)], ["abbreviation"]) == [-1.0]


def test_retry_after_parsing():
    assert _retry_after("2") == 2.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    import email.utils
    import time

    assert 5 < _retry_after(email.utils.formatdate(time.time() + 10, usegmt=True)) <= 10


@pytest.mark.parametrize("url", ["localhost:8000/v1", "ftp://host/v1", "", "http:///v1"])
def test_bad_urls_are_rejected_up_front(url):
    with pytest.raises(ValueError, match="not an http"):
        OpenAIBackend(url, model="m")


def test_connection_refused_is_a_clear_error():
    with socket.socket() as s:  # bound but never listening: refused, and no other process can take the port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        b = OpenAIBackend(f"http://127.0.0.1:{port}/v1", model="m", max_retries=3, timeout=5)
        with pytest.raises(BackendConnectionError, match="connection refused"):
            b.score(["hello"], ["Yes", "No"])
    assert b.retries == 0  # refused connections are not retried
    assert b.stats.calls == 0


def test_unknown_host_is_a_clear_error():
    b = OpenAIBackend("http://no-such-host.invalid/v1", model="m", timeout=5)
    with pytest.raises(BackendConnectionError, match="cannot resolve host|no-such-host"):
        b.generate(["hi"])


def test_score_result_shape_without_calls_on_empty():
    b = OpenAIBackend("http://127.0.0.1:9/v1", model="m")
    out = b.score([], ["Yes", "No"])
    assert out.shape == (0, 2) and isinstance(out, np.ndarray)


@pytest.mark.parametrize("kw, name", [({"timeout": 0}, "timeout"), ({"timeout": -1}, "timeout"),
                                      ({"timeout": float("nan")}, "timeout"), ({"backoff": -1.0}, "backoff"),
                                      ({"max_wait": -1.0}, "max_wait"), ({"max_retries": -1}, "max_retries"),
                                      ({"concurrency": 0}, "concurrency"), ({"batch_size": 0}, "batch_size"),
                                      ({"top_logprobs": 2.5}, "top_logprobs")])
def test_backend_settings_are_checked_at_construction(kw, name):
    from weaksup.labelers.backends import HFBackend

    with pytest.raises(ValueError, match=f"OpenAIBackend: {name} must be"):
        OpenAIBackend("http://127.0.0.1:8000/v1", model="m", **kw)
    for bad in ({"max_length": 0}, {"batch_size": 0}, {"batch_size": 2.0}):
        with pytest.raises(ValueError, match=f"HFBackend: {next(iter(bad))} must be an int"):
            HFBackend(None, None, **bad)


def test_label_map_takes_numpy_integer_classes_not_bools():
    classes = np.array([1, 0])  # class ids read from an array
    m = LabelMap(dict(zip(["yes", "no"], classes)), default=np.int64(-1))
    assert m.mapping == {"yes": 1, "no": 0} and all(type(c) is int for c in m.mapping.values())
    assert m("yes") == 1 and m("maybe") == ABSTAIN
    with pytest.raises(ValueError, match="answer 'yes' -> np.True_; classes are ints"):
        LabelMap({"yes": np.bool_(True)})
    with pytest.raises(ValueError, match="default 1.5"):
        LabelMap({"yes": 1}, default=1.5)
