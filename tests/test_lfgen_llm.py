"""LFs proposed by a language model (weaksup.labelers.propose): malformed proposals and backend failures
become rejections with a reason, never exceptions; real replies from SmolLM2 (locally and through the
OpenAI-compatible test server on 127.0.0.1 with injected faults) are validated on labelled rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup.apply import apply_lfs
from weaksup.labelers.backends import OpenAIBackend
from weaksup.labelers.propose import Proposal, parse_proposals, propose_lfs, validate_proposals
from weaksup.lfgen import load_lfs, lfs_to_source

LABELS = ["ham", "spam"]
SPAM = ["Check out my channel and subscribe!! http://bit.ly/free-stuff",
        "Subscribe to my channel for a free iPhone giveaway, click the link",
        "Please visit my website www.easymoney.com and earn $500 a day from home",
        "hey guys check out my new video on my channel, like and share please",
        "subscribe please, I post every day",
        "free gift cards at my website"]
HAM = ["I love this song so much",
       "Katy Perry's voice is amazing in this video",
       "This song reminds me of summer 2012",
       "Who is still watching this in 2015?",
       "best song ever",
       "the video is so funny"]
TOY = pd.DataFrame({"text": SPAM + HAM})
TOY_Y = np.array([1] * len(SPAM) + [0] * len(HAM))
TASK = "Decide whether a YouTube comment is spam (advertising, asking to subscribe) or ham (a real comment)."


def test_invalid_proposals_are_rejected_with_the_reason():
    reply = "\n".join([
        "keyword: subscribe",                  # kept: 3/3 spam rows
        "regex: (unclosed",                    # bad regex
        "keyword [eggs]: channel",             # unknown label
        "keyword: ",                           # empty keyword
        'keyword: "  "',                       # empty after quotes
        "regex: a*",                           # matches the empty string
        "magic [spam]: x",                     # unknown kind
        "keyword: Subscribe",                  # duplicate (case-insensitive)
        "keyword: song",                       # wrong class: 0/3 on the labelled rows
        "keyword: zebra",                      # votes on no labelled row
        "keyword: this is a whole copied comment from the examples",
        "prompt: Is this an advert?",          # no backend to ask
        "- free",                              # bare list item: keyword for the prompt's label
        "Sure! Here are some ideas:",          # chatter: ignored
    ])
    proposals = parse_proposals(reply, LABELS, default_label="spam")
    assert len(proposals) == 13
    res = validate_proposals(proposals, LABELS, TOY, TOY_Y)
    t = res.table.set_index("pattern")
    assert t.loc["subscribe", "status"] == "kept" and t.loc["free", "status"] == "kept"
    reasons = dict(zip(res.rejected["pattern"], res.rejected["reason"]))
    assert reasons["(unclosed"].startswith("bad regex: missing )")
    assert reasons["channel"] == "unknown label 'eggs' (labels: ['ham', 'spam'])"
    assert res.rejected.loc[res.rejected["pattern"] == "", "reason"].tolist() == ["empty keyword"] * 2
    assert reasons["a*"] == "regex matches the empty string (it would vote on every row)"
    assert reasons["x"] == "unknown kind 'magic' (kinds: ['keyword', 'regex', 'prompt'])"
    assert reasons["Subscribe"] == "duplicate of llm_keyword_subscribe_1"
    assert reasons["song"].startswith("precision 0/3 on the labelled rows: Wilson bound 0.00 does not beat")
    assert reasons["zebra"] == "votes on 0 of 12 labelled rows (< 1)"
    assert reasons["this is a whole copied comment from the examples"].startswith("keyword of 9 words")
    assert reasons["Is this an advert?"] == "a prompt proposal needs a backend to ask"
    # the kept LFs are ordinary LFs: they vote, and write to source like generated ones
    assert [lf.name for lf in res.lfs] == ["llm_keyword_subscribe_1", "llm_keyword_free_1"]
    V = apply_lfs(res.lfs, TOY, progress=False).to_dense()
    assert V[:, 0].tolist() == [1, 1, -1, -1, 1, -1] + [-1] * 6
    np.testing.assert_array_equal(apply_lfs(load_lfs(lfs_to_source(res.lfs)), TOY, progress=False).to_dense(), V)


def test_labels_by_index_and_unvalidated_without_rows():
    res = validate_proposals([Proposal("keyword", 1, "win"), Proposal("regex", 5, "x+"), Proposal("keyword", None, "a")],
                             LABELS)
    assert res.table["status"].tolist() == ["kept", "rejected", "rejected"]
    assert res.table["reason"].tolist() == ["not validated: no labelled rows given",
                                            "unknown label 5 (labels: ['ham', 'spam'])", "no label given"]



def test_a_label_written_as_its_index():
    """'keyword [1]: channel' was rejected as "unknown label '1'": a label written as a valid index into
    label_names, in brackets or not, is that class unless a label is named so; an invalid one is still refused."""
    reply = "keyword [1]: channel\nkeyword [0]: song\nkeyword [2]: free\nkeyword [spam]: subscribe"
    props = parse_proposals(reply, LABELS, default_label="spam")
    props += [Proposal("keyword", "[1]", "website"), Proposal("keyword", " 1 ", "click")]
    res = validate_proposals(props, LABELS, TOY, TOY_Y)
    t = res.table.set_index("pattern")
    assert t.loc[["channel", "song", "subscribe", "website"], "status"].tolist() == ["kept"] * 4
    assert t.loc["channel", "name"] == "llm_keyword_channel_1" and t.loc["song", "name"] == "llm_keyword_song_0"
    assert t.loc["website", "name"] == "user_keyword_website_1" and t.loc["click", "name"] == "user_keyword_click_1"
    assert t.loc["free", "reason"] == "unknown label '2' (labels: ['ham', 'spam'])"
    # a label name that is a number is that name, not an index
    res = validate_proposals([Proposal("keyword", "1", "x"), Proposal("keyword", "0", "y")], ["2", "1"])
    assert res.table["name"].tolist() == ["user_keyword_x_1", "user_keyword_y_0"]



def test_duplicate_label_names_are_refused():
    """label_names ['ham', 'spam', 'spam'] was not checked: a proposal for 'spam' silently became class 1 and
    class 2 could get no LF. A name given twice (names are matched in any case) is refused, before the backend
    is asked."""
    props = [Proposal("keyword", "spam", "subscribe")]
    with pytest.raises(ValueError, match=r"label_names \['ham', 'spam', 'spam'\] name a class twice: 'spam' "
                                         r"\(position 2\) is 'spam' \(position 1\); each class needs its own name"):
        validate_proposals(props, ["ham", "spam", "spam"])
    with pytest.raises(ValueError, match=r"'SPAM' \(position 2\) is 'spam' \(position 1\) \(names are matched in any "
                                         r"case\)"):
        validate_proposals(props, ["ham", "spam", "SPAM"], TOY, TOY_Y)
    backend = OpenAIBackend("http://127.0.0.1:9/v1", model="none", max_retries=0, timeout=5)  # nothing listens
    with pytest.raises(ValueError, match="name a class twice: 'ham' \\(position 1\\)"):
        propose_lfs(backend, TASK, ["ham", "ham"])



def test_regex_warnings_are_recorded_with_the_proposal_not_shown():
    """re.compile of '[[s]ubscribe' emitted Python's "Possible nested set" FutureWarning into the caller's
    session: it is recorded in the proposal's row (``warning``), every time it is validated; which proposals
    are kept does not change."""
    import warnings

    reply = "regex: [[s]ubscribe\nregex: zebr[[a]\nregex: my (channel|website)"
    props = parse_proposals(reply, LABELS, default_label="spam")
    for _ in range(2):  # the second time the pattern is in re's cache: it still warns
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = validate_proposals(props, LABELS, TOY, TOY_Y)
        assert [str(w.message) for w in caught] == []
        assert res.table["status"].tolist() == ["kept", "rejected", "kept"]
        assert res.table["reason"].tolist()[1] == "votes on 0 of 12 labelled rows (< 1)"
        assert res.table["warning"].tolist() == ["FutureWarning: Possible nested set at position 1",
                                                 "FutureWarning: Possible nested set at position 5", ""]
    assert apply_lfs(res.lfs[:1], TOY, progress=False).to_dense()[:, 0].tolist() == [1, 1, -1, -1, 1] + [-1] * 7


def test_unreachable_backend_is_recorded_not_raised():
    # a real HTTP client against a closed port on 127.0.0.1: every prompt fails, nothing is raised
    backend = OpenAIBackend("http://127.0.0.1:9/v1", model="none", max_retries=0, timeout=5)
    res = propose_lfs(backend, TASK, LABELS, TOY, TOY_Y)
    assert res.lfs == [] and res.replies == ["", ""]
    assert res.table["kind"].tolist() == ["backend", "backend"]
    assert res.table["label"].tolist() == LABELS
    assert all(r.startswith("backend error: BackendConnectionError") for r in res.table["reason"])


def test_regex_duplicates_are_exact_and_keyword_duplicates_ignore_case():
    """Regexes were lower-cased to find duplicates, so \\D{3} was a 'duplicate' of \\d{3} (and \\W of \\w, \\S of
    \\s, \\B of \\b); keywords match in any case, so they still are duplicates up to case."""
    props = [Proposal("regex", "spam", r"\d{3}"), Proposal("regex", "spam", r"\D{3}"),
             Proposal("regex", "spam", r"\bwww\b"), Proposal("regex", "spam", r"\Bwww\B"),
             Proposal("keyword", "spam", "Subscribe"), Proposal("keyword", "spam", "SUBSCRIBE")]
    res = validate_proposals(props, LABELS)
    assert res.table["reason"].tolist() == ["not validated: no labelled rows given"] * 5 + [
        "duplicate of user_keyword_subscribe_1"]
    V = apply_lfs(res.lfs[:4], pd.DataFrame({"text": ["earn 500", "abc", "www.x", "awwwb"]}), progress=False)
    assert V.to_dense().tolist() == [[1, 1, -1, -1], [-1, 1, -1, -1], [-1, 1, 1, -1], [-1, 1, -1, 1]]
    assert len({lf.name for lf in res.lfs}) == 5


def test_labels_must_index_label_names():
    """1-based labels rejected every good proposal as 'precision 0/3 ... prior 0.00' and y = -2 gave numpy's
    bincount error: y is checked as LFGenerator.fit checks it, before anything is validated or asked."""
    props = [Proposal("keyword", "spam", "subscribe"), Proposal("keyword", "ham", "song")]
    assert len(validate_proposals(props, LABELS, TOY, TOY_Y).lfs) == 2
    with pytest.raises(ValueError, match=r"y: value 2 at row 0 is outside 0\.\.1: classes are indices into "
                                         r"label_names \['ham', 'spam'\]"):
        validate_proposals(props, LABELS, TOY, TOY_Y + 1)
    y = TOY_Y.copy()
    y[3] = -2
    with pytest.raises(ValueError, match=r"y: value -2 at row 3 is neither a class nor -1 \(unlabelled\)"):
        validate_proposals(props, LABELS, TOY, y)
    with pytest.raises(ValueError, match="y has 11 labels but data has 12 rows"):
        validate_proposals([], LABELS, TOY, TOY_Y[:-1])
    # propose_lfs refuses before asking the backend (a real client; nothing listens on port 9)
    backend = OpenAIBackend("http://127.0.0.1:9/v1", model="none", max_retries=0, timeout=5)
    with pytest.raises(ValueError, match="y: value 2 at row 0 is outside 0..1"):
        propose_lfs(backend, TASK, LABELS, TOY, TOY_Y + 1)
    with pytest.raises(KeyError, match=r"field 'body' is not a column of data \(\['text'\]\)"):
        validate_proposals(props, LABELS, TOY, TOY_Y, field="body")
    # kinds="keyword" is one kind (was: unknown proposal kinds ['k', 'e', 'y', ...])
    res = propose_lfs(backend, TASK, LABELS, kinds="keyword")
    assert res.table["kind"].tolist() == ["backend", "backend"]


def test_kept_lf_names_are_unique_and_keep_their_letters():
    """Names were cut to ASCII and 30 characters: 免费 and 点击 were both llm_keyword_x_1, c++ and c# both
    llm_keyword_c_1, (win|won) and win|won both llm_regex_win-won_1, and apply_lfs refused the kept set."""
    texts = ["免费 赚钱 点击", "免费 礼物 点击", "learn c++ and c# now", "c# c++ course", "win $500 now", "win 500 cash",
             "我 爱 这首歌", "好听 的 歌", "nice song", "great song", "love it", "so good"]
    data = pd.DataFrame({"text": texts})
    reply = "keyword: 免费\nkeyword: 点击\nkeyword: c++\nkeyword: c#\nregex: (win|won)\nregex: win|won"
    res = validate_proposals(parse_proposals(reply, LABELS, default_label="spam"), LABELS, data,
                             np.array([1] * 6 + [0] * 6))
    names = [lf.name for lf in res.lfs]
    assert names == ["llm_keyword_免费_1", "llm_keyword_点击_1", "llm_keyword_c_1", "llm_keyword_c_1_2",
                     "llm_regex_win-won_1", "llm_regex_win-won_1_2"]
    V = apply_lfs(res.lfs, data, progress=False)
    assert V.shape == (12, 6)
    again = load_lfs(lfs_to_source(res.lfs))
    assert [lf.name for lf in again] == names
    np.testing.assert_array_equal(apply_lfs(again, data, progress=False).to_dense(), V.to_dense())


def test_chat_model_reply_formats_are_read():
    """Markdown lists, JSON lists, /pattern/flags and numbers with thousands separators were read as literal
    keywords ('**Subscribe** - asks to subscribe', '["song", "love", "video"]', 'free\\s+gift/i', '$1' and
    '000'), all rejected as 'votes on 0 of 12 labelled rows'; what cannot be read says why."""
    spam = ("Sure! Here are 5 keywords for spam:\n\n### Keywords\n1. **Subscribe** - asks to subscribe\n"
            "2. **Check out**\n3. *free*\n4. `channel`: a link\n5. \"website\"\n- earn $500, $1,000 (money)\n"
            "keyword: $1,000; **visit**\n**Regex**: /free\\s+gift/i\nregex: /CHANNEL/gi\nregex: /a.b/s\n"
            "keywords: [\"click\", \"my")
    props = parse_proposals(spam, LABELS, default_label="spam")
    assert [(p.kind, p.pattern) for p in props] == [
        ("keyword", "Subscribe"), ("keyword", "Check out"), ("keyword", "free"), ("keyword", "channel"),
        ("keyword", "website"), ("keyword", "earn $500, $1,000"), ("keyword", "$1,000"), ("keyword", "visit"),
        ("regex", r"free\s+gift"), ("regex", "CHANNEL"), ("regex", "/a.b/s"), ("keyword", "click"),
        ("keyword", "my")]
    ham = parse_proposals('["song", "love", "video"]', LABELS, default_label="ham")
    assert [p.pattern for p in ham] == ["song", "love", "video"]
    assert [p.pattern for p in parse_proposals('```json\n[\n  "song",\n  "voice"\n]\n```', LABELS,
                                               default_label="ham")] == ["song", "voice"]
    obj = parse_proposals('{"ham": ["song"], "spam": "subscribe", "regex": ["https?://"]}', LABELS,
                          default_label="spam")
    assert [(p.kind, p.label, p.pattern) for p in obj] == [("keyword", "ham", "song"), ("keyword", "spam", "subscribe"),
                                                           ("regex", "spam", "https?://")]
    res = validate_proposals(props + ham, LABELS, TOY, TOY_Y)
    t = res.table.set_index("pattern")
    for kept in ("Subscribe", "Check out", "free", "channel", "website", "CHANNEL", "song"):
        assert t.loc[kept, "status"] == "kept", (kept, t.loc[kept, "reason"])
    assert t.loc[r"free\s+gift", "coverage"] == 1  # 'free gift cards at my website': the pattern without '/i'
    assert t.loc["/a.b/s", "reason"] == ("regex flag 's' in /a.b/s: only i and g are read "
                                         "(write (?s) in the pattern)")
    assert t.loc["my", "reason"] == 'cut off inside a quoted keyword: "my'
    assert set(res.table.loc[res.table["coverage"] == 0, "pattern"]) == {"earn $500, $1,000", "$1,000"}  # not in TOY
    garbled = parse_proposals("\x00\x01 garbage \ufffd", LABELS, default_label="ham")
    assert validate_proposals(garbled, LABELS).table["reason"].tolist() == [
        "garbled text in the reply ('\\x00', '\\x01', '\\ufffd')"]


# ------------------------------------------------------------------ a real model
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
from support.smollm2 import smollm2_backend  # noqa: E402
from test_labelers_model import tiny_backend  # noqa: E402, F401  (a real random 1-layer GPT-2 behind the server)


@pytest.fixture(scope="module")
def smollm2():
    with smollm2_backend() as backend:
        yield backend


@pytest.fixture(scope="module")
def local_cache(tmp_path_factory):
    """SmolLM2's local replies, shared by the two tests below (the second compares the server with them)."""
    from weaksup.labelers import ResponseCache

    return ResponseCache(tmp_path_factory.mktemp("lfgen_llm") / "replies.sqlite")


def _check_result(res, n_rows):
    """Every proposal is kept or rejected with a reason; kept ones beat their class prior on the rows."""
    assert set(res.table["status"]) <= {"kept", "rejected"}
    assert (res.rejected["reason"].str.len() > 0).all()
    kept = res.kept
    prior = np.bincount(TOY_Y, minlength=2) / len(TOY_Y)
    labels = [LABELS.index(lab) if isinstance(lab, str) else lab for lab in kept["label"]]
    assert (kept["wilson_lb"].to_numpy() > prior[labels]).all()
    assert (kept["coverage"].to_numpy() >= 1).all() and (kept["coverage"].to_numpy() <= n_rows).all()


@pytest.mark.slow
@pytest.mark.llm
def test_smollm2_proposals_are_validated(smollm2, local_cache):
    res = propose_lfs(smollm2, TASK, LABELS, TOY, TOY_Y, max_tokens=48, cache=local_cache)
    print(res.replies)
    assert len(res.replies) == 2 and all(r.strip() for r in res.replies)
    _check_result(res, len(TOY))
    print(res.table[["kind", "label", "pattern", "status", "reason"]].to_string())  # quality, as measured


@pytest.mark.slow
@pytest.mark.llm
def test_fault_server_failures_are_recorded_and_replies_validated(smollm2, local_cache):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from support.openai_server import ModelServer

    with ModelServer(smollm2) as srv:
        backend = OpenAIBackend(srv.url, model=srv.model_name, max_retries=0, timeout=300)
        srv.add_fault("malformed", times=1)  # the first label's request gets a body that is not JSON
        res = propose_lfs(backend, TASK, LABELS, TOY, TOY_Y, max_tokens=48)
    fail = res.table[res.table["kind"] == "backend"]
    assert fail["label"].tolist() == ["ham"]
    assert fail["reason"].iloc[0].startswith("backend error: BackendResponseError")
    assert res.replies[0] == "" and res.replies[1].strip()
    _check_result(res, len(TOY))
    # the server's reply is the local model's greedy reply: the same proposals
    local = propose_lfs(smollm2, TASK, LABELS, TOY, TOY_Y, max_tokens=48, cache=local_cache)
    assert res.replies[1].strip() == local.replies[1].strip()


def test_chat_formatted_replies_through_the_server(tiny_backend):
    """The same reply formats end to end: the real OpenAI-compatible test server answers the proposal prompts
    (scripted replies, as a chat model writes them) and propose_lfs keeps the keywords they mean."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from support.openai_server import ModelServer

    with ModelServer(tiny_backend) as srv:
        srv.script_reply('labelled "spam"', "Sure! Here are 5 keywords for spam:\n\n1. **Subscribe** - asks to "
                                            "subscribe\n2. **Check out**\n3. *free*\nregex: /free\\s+gift/i")
        srv.script_reply('labelled "ham"', '["song", "love", "video"]')
        backend = OpenAIBackend(srv.url, model=srv.model_name, max_retries=0, timeout=30)
        res = propose_lfs(backend, TASK, LABELS, TOY, TOY_Y, kinds=("keyword", "regex"))
    assert res.table["pattern"].tolist() == ["song", "love", "video", "Subscribe", "Check out", "free",
                                             r"free\s+gift"]
    assert res.kept["pattern"].tolist() == ["song", "Subscribe", "Check out", "free"]
    assert [lf.name for lf in res.lfs] == ["llm_keyword_song_0", "llm_keyword_subscribe_1",
                                           "llm_keyword_check-out_1", "llm_keyword_free_1"]


def test_a_keyword_list_line_is_split_and_punctuation_keywords_are_kept():
    proposals = parse_proposals('keywords: subscribe, check out; channel\nkeyword: "sale, now"\nkeyword: $500',
                                LABELS, default_label="spam")
    assert [p.pattern for p in proposals] == ["subscribe", "check out", "channel", "sale, now", "$500"]
    res = validate_proposals(proposals, LABELS, TOY, TOY_Y)
    reasons = dict(zip(res.table["pattern"], res.table["reason"].fillna("")))
    assert "empty keyword" not in reasons["$500"]  # "$500" is a keyword, and it is found ("earn $500 a day")
    lf = [lf for lf in res.lfs if "500" in lf.name] or [_build_keyword("$500")]
    assert apply_lfs(lf, TOY, progress=False).to_dense()[:, 0].tolist()[2] == 1


def _build_keyword(pattern: str):
    from weaksup.labelers.propose import _build

    return _build(Proposal("keyword", 1, pattern), 1, LABELS, "text", None, None)


def test_a_catastrophic_regex_proposal_is_rejected_as_timed_out():
    import time

    props = parse_proposals("regex: (\\w+\\s?)+$\nkeyword: subscribe", LABELS, default_label="spam")
    texts = ["subscribe to my channel"] * 3 + ["great song ♥ " + "a" * 30 + "!"] * 3  # non-ASCII: Python's re runs
    t0 = time.monotonic()
    res = validate_proposals(props, LABELS, texts, np.array([1, 1, 1, 0, 0, 0]), lf_timeout=0.5)
    # the regex alone runs for minutes (~6 min); with two busy loops on a 2-core box this took 6-7 s (idle: under
    # 0.5 s), so 60 s leaves room for a loaded CI machine and still fails an unbounded regex
    assert time.monotonic() - t0 < 60
    rows = res.table.set_index("kind")
    assert rows.loc["regex", "status"] == "rejected"
    assert rows.loc["regex", "reason"].startswith("timed out on the labelled rows: no result within lf_timeout=0.5 s")
    assert rows.loc["keyword", "status"] == "kept"
    with pytest.raises(ValueError, match="lf_timeout"):
        validate_proposals(props, LABELS, texts, np.array([1, 1, 1, 0, 0, 0]), lf_timeout=-1)


def test_a_reply_line_of_many_spaces_parses_in_linear_time():
    import time

    reply = "keyword: subscribe\n" + " " * 90 + "x\n" + "  a" * 1000 + ":" + "\n- free gift"
    t0 = time.monotonic()
    props = parse_proposals(reply, LABELS, default_label="spam")
    assert time.monotonic() - t0 < 2.0  # 90 spaces took ~10 s before (120: 24 s)
    assert [p.pattern for p in props][:2] == ["subscribe", "x"] and props[-1].pattern == "free gift"
    got = parse_proposals("**keyword** [spam]: win\n__regex__: \\d+\n1) Keywords :  free, gift", LABELS)
    assert [(p.kind, p.label, p.pattern) for p in got] == [("keyword", "spam", "win"), ("regex", None, "\\d+"),
                                                           ("keyword", None, "free"), ("keyword", None, "gift")]


def test_validate_proposals_reads_a_list_of_texts_with_a_missing_text_as_the_dataframe():
    # a list of texts with one None was read as records: KeyError "field 'text' is not a column of data ([0])"
    props = parse_proposals("keyword: cash\nkeyword: hello", ["ham", "spam"], default_label="spam")
    texts = ["win cash", None, "hello", "hi"]
    y = np.array([1, 1, 0, 0])
    got = validate_proposals(props, ["ham", "spam"], texts, y).table
    want = validate_proposals(props, ["ham", "spam"], pd.DataFrame({"text": texts}), y).table
    pd.testing.assert_frame_equal(got, want)


def test_a_perl_style_regex_flag_is_refused_as_a_flag_not_kept_as_literal_text():
    # /pattern/x (Perl/PCRE/Python verbose) was not read as /pattern/flags (only JavaScript's flags were): it was
    # kept as the literal regex "/win\s+cash/x" and rejected for its 0 votes, without the (?x) hint
    df = pd.DataFrame({"text": ["win cash now", "WIN   CASH", "hello", "hi there"]})
    y = np.array([1, 1, 0, 0])
    for flags, hint in [("x", " (write (?x) in the pattern)"), ("xs", " (write (?sx) in the pattern)"),
                        ("n", ""), ("in", "")]:
        pattern = rf"/win\s+cash/{flags}"
        bad = ", ".join(repr(f) for f in sorted(set(flags) - {"i"}))
        res = validate_proposals(parse_proposals(f"regex: {pattern}", LABELS, default_label="spam"), LABELS, df, y)
        assert res.table[["status", "reason"]].values.tolist() == [
            ["rejected", f"regex flag {bad} in {pattern}: only i and g are read{hint}"]], flags
    res = validate_proposals(parse_proposals(r"regex: /win\s+cash/gi", LABELS, default_label="spam"), LABELS, df, y)
    assert res.table[["pattern", "status", "coverage"]].values.tolist() == [[r"win\s+cash", "kept", 2]]
    # letters that are not all regex flags end a path, not a regex: /usr/local/bin is the pattern itself
    paths = pd.DataFrame({"text": ["see /usr/local/bin", "in /usr/local/bin too", "hello", "hi there"]})
    res = validate_proposals(parse_proposals("regex: /usr/local/bin", LABELS, default_label="spam"), LABELS, paths, y)
    assert res.table[["pattern", "status", "coverage"]].values.tolist() == [["/usr/local/bin", "kept", 2]]
