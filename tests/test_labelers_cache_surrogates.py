"""A lone UTF-16 surrogate in a prompt (half an emoji from scraped JSON): the response cache keys and stores it.

ResponseCache.key encoded its JSON with plain UTF-8 and raised UnicodeEncodeError, which failed the whole chunk of
a prompted LF even with cache=None; sqlite could not store such a prompt (or reply) either.  Keys of valid text
must stay what they were, so a cache written before still answers.
"""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd

from weaksup import apply_lfs
from weaksup.labelers import Backend, LabelMap, PromptedLF, PromptTemplate, ResponseCache

SURROGATE_TEXT = "nice \ud83d video"  # the high half of an emoji, alone


class CountingBackend(Backend):
    kind, model = "keyword", "kw"

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def _score_batch(self, prompts, choices):
        self.asked += prompts
        return [{"logprobs": [math.log(0.9 if c == "yes" else 0.1) for c in choices]} for _ in prompts]

    def _generate_batch(self, prompts, max_tokens, stop):
        self.asked += prompts
        return [{"text": "yes " + p[-7:]} for p in prompts]  # the reply echoes the surrogate back


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"text": pd.Series(["free gift", "hi mom", SURROGATE_TEXT], dtype=object)})


def _lf(backend: Backend, cache, mode: str = "score") -> PromptedLF:
    return PromptedLF("spam", PromptTemplate("Spam? {text}", ["yes", "no"]), LabelMap({"yes": 1, "no": 0}), backend,
                      cache=cache, calibrate=False, mode=mode)


def test_key_of_valid_text_is_unchanged():
    # the key written by earlier versions: sha256 of the canonical JSON as UTF-8 (value computed with them)
    args = ({"kind": "openai", "model": "m"}, "score", "Un café noir — 👍 日本", {"choices": ["yes", "no"]})
    assert ResponseCache.key(*args) == "3562011034eb7828ae77b04d1aee1d929a8784ed1befb70b2ed710097d24b1a1"
    blob = json.dumps({"backend": args[0], "kind": args[1], "prompt": args[2], "params": args[3]},
                      sort_keys=True, ensure_ascii=False, default=str)
    assert ResponseCache.key(*args) == hashlib.sha256(blob.encode("utf-8")).hexdigest()


def test_key_of_lone_surrogate_is_distinct():
    k = ResponseCache.key({"kind": "x"}, "score", "half \ud83d", {})
    assert len(k) == 64
    assert k != ResponseCache.key({"kind": "x"}, "score", "half \ufffd", {})
    assert k != ResponseCache.key({"kind": "x"}, "score", "half \ud83e", {})
    assert k == ResponseCache.key({"kind": "x"}, "score", "half \ud83d", {})


def test_prompted_lf_without_cache_labels_every_row():
    backend = CountingBackend()
    votes = apply_lfs([_lf(backend, None)], _frame(), progress=False).to_dense().ravel().tolist()
    assert votes == [1, 1, 1]
    assert any("\ud83d" in p for p in backend.asked)


def test_file_cache_stores_and_answers_surrogate_prompts(tmp_path):
    path = tmp_path / "responses.sqlite"
    for mode in ("score", "generate"):
        first = CountingBackend()
        v1 = apply_lfs([_lf(first, ResponseCache(path), mode)], _frame(), progress=False).to_dense().ravel()
        assert len(first.asked) == 3
        again = CountingBackend()
        lf = _lf(again, ResponseCache(path), mode)
        v2 = apply_lfs([lf], _frame(), progress=False).to_dense().ravel()
        assert again.asked == [] and v2.tolist() == v1.tolist() == [1, 1, 1]
    cache = ResponseCache(path)
    k = ResponseCache.key({"kind": "x"}, "generate", "p \udc00", {})
    cache.put_many([(k, {"text": "reply \udc00"}, "p \udc00")])
    assert ResponseCache(path).get_many([k])[k] == {"text": "reply \udc00"}  # read back exactly


def test_cache_written_with_old_keys_still_hits(tmp_path):
    backend = CountingBackend()
    lf = _lf(backend, ResponseCache(tmp_path / "r.sqlite"))
    rows = pd.DataFrame({"text": ["free gift", "Un café noir 👍"]})
    ident = backend.identity()
    old = []
    for p in lf.prompts(rows):
        blob = json.dumps({"backend": ident, "kind": "score", "prompt": p, "params": {"choices": lf._forms}},
                          sort_keys=True, ensure_ascii=False, default=str)
        reply = {"logprobs": [math.log(0.9 if f.strip() == "yes" else 0.1) for f in lf._forms]}
        old.append((hashlib.sha256(blob.encode("utf-8")).hexdigest(), reply, p))
    ResponseCache(tmp_path / "r.sqlite").put_many(old)
    assert apply_lfs([lf], rows, progress=False).to_dense().ravel().tolist() == [1, 1]
    assert backend.asked == []
