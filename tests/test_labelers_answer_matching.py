"""Reading an answer off a reply's text in scripts written without spaces (Han, kana, Thai).

"是的" is the usual Chinese "yes" and "正面的" an ordinary "positive": the answer is followed by
another character of the same script, with no space or punctuation in between.  Space-separated
scripts keep the whole-word rule ("Yesterday" is not "yes").  Generate mode is checked end to
end against a server on 127.0.0.1 (tests/support/openai_server.py's ModelServer, replies scripted).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from test_labelers_openai_replies import ReplyServer
from weaksup.labelers import LabelMap, PromptedLF, PromptTemplate
from weaksup.labelers.backends import OpenAIBackend
from weaksup.labelers.backends.openai import text_logprobs
from weaksup.labelers.template import starts_with_answer


@pytest.mark.parametrize("text, form", [
    ("是的", "是"), ("是的，这是垃圾信息。", "是"), ("正面的", "正面"), ("负面情绪", "负面"),  # Han
    ("はいです", "はい"), ("イエスです", "イエス"), ("スパムです", "スパム"),  # Hiragana, Katakana
    ("ใช่ครับ", "ใช่"), ("บวกค่ะ", "บวก"),  # Thai (the first ends in a tone mark, the second in a letter)
    ("是", "是"), ("是。", "是"), ("是 的", "是"),
])
def test_an_answer_in_an_unspaced_script_may_run_into_the_next_character(text, form):
    assert starts_with_answer(text, form)


@pytest.mark.parametrize("text, form, want", [
    ("Yesterday", "yes", False), ("Nope", "no", False), ("Yes, spam", "yes", True), ("YES", "yes", True),
    ("A) positive", "A)", True), ("no1", "no", False),
    ("是yes", "是", False),  # a Han answer followed by a Latin letter: no word boundary rule changes
    ("yes是", "yes", False),  # a Latin answer followed by Han: as before
    ("否是", "是", False), ("是", "是的", False),
])
def test_space_separated_scripts_keep_the_whole_word_rule(text, form, want):
    assert starts_with_answer(text, form) is want


@pytest.mark.parametrize("text, form, want", [
    ("ไม่ใช่", "ไม", False), ("ไม่ใช่", "ไม่", True),  # Thai "no" ends in a tone mark: "ไม" stops inside it
    ("cafe\u0301 noir", "cafe", False), ("cafe\u0301 noir", "cafe\u0301", True),  # a decomposed "café"
    ("no\u0303", "no", False),  # "nõ"
    ("\U0001f44d\ufe0f Great product", "\U0001f44d", True), ("\u2764\ufe0f", "\u2764", True),  # emoji + U+FE0F
    ("\u2764\ufe0e", "\u2764", True),  # text-style selector
])
def test_a_combining_mark_after_the_answer_belongs_to_its_last_letter(text, form, want):
    assert starts_with_answer(text, form) is want


def test_text_fallback_reads_unspaced_answers_and_prefers_the_longest():
    assert text_logprobs("是的", ["是", "否"]) == [0.0, -20.0]
    assert text_logprobs("正面的评论", ["正", "正面", "负面"]) == [-20.0, 0.0, -20.0]
    assert text_logprobs("正面的评论", ["正面", "正", "负面"]) == [0.0, -20.0, -20.0]
    assert text_logprobs("Yesterday", ["yes", "no"]) == [-20.0, -20.0]


@pytest.fixture
def replying():
    made: list[ReplyServer] = []
    box: dict[str, str] = {}

    def chat(path: str, req: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": box["text"]},
                                  "finish_reason": "stop"}]}

    made.append(ReplyServer(chat).start())
    yield made[0], box
    made[0].stop()


@pytest.mark.parametrize("answers, text, vote", [
    (["是", "否"], "是的", 1), (["是", "否"], "是的，这是垃圾信息。", 1), (["是", "否"], "否，这不是。", 0),
    (["是", "否"], "正面的", -1),
    (["正面", "负面"], "正面的", 1), (["正面", "负面"], "负面情绪", 0),
    (["はい", "いいえ"], "はいです", 1), (["はい", "いいえ"], "いいえ、違います", 0),
    (["ใช่", "ไม่ใช่"], "ใช่ครับ", 1), (["ใช่", "ไม่ใช่"], "ไม่ใช่ครับ", 0),
    (["yes", "no"], "Yesterday it was", -1), (["yes", "no"], "No, it is not", 0),
])
def test_generate_mode_reads_usual_replies(replying, answers, text, vote):
    srv, box = replying
    box["text"] = text
    lf = PromptedLF("llm", PromptTemplate("Q: {text}", answers), LabelMap({answers[0]: 1, answers[1]: 0}),
                    OpenAIBackend(srv.url, "m", max_retries=0), cache=None, progress=False, mode="generate")
    assert lf.votes(pd.DataFrame({"text": ["x"]})).tolist() == [vote]


def test_generate_mode_takes_the_longest_unspaced_answer(replying):
    srv, box = replying
    box["text"] = "正面的"
    lf = PromptedLF("llm", PromptTemplate("Q: {text}", ["正", "正面", "负面"]), LabelMap({"正": 2, "正面": 1, "负面": 0}),
                    OpenAIBackend(srv.url, "m", max_retries=0), cache=None, progress=False, mode="generate")
    assert lf.votes(pd.DataFrame({"text": ["x"]})).tolist() == [1]


@pytest.mark.parametrize("top, choices, want", [
    ([("是的", -0.1), ("否", -2.0)], ["是", "否"], [-0.1, -2.0]),  # was [-3.0, -2.0]: a vote for 否
    ([("正面的", -0.2), ("负面", -1.9)], ["正", "正面", "负面"], [-2.9, -0.2, -1.9]),  # the longest answer that fits
    ([("はいです", -0.3), ("いいえ", -1.5)], ["はい", "いいえ"], [-0.3, -1.5]),
    ([("Yes,", -0.1), ("No", -2.0)], ["Yes", "No"], [-3.0, -2.0]),  # space-separated scripts: as before
])
def test_a_top_token_that_is_an_unspaced_answer_going_on_counts_for_it(top, choices, want):
    from weaksup.labelers.backends.openai import match_top_logprobs

    assert match_top_logprobs(top, choices) == pytest.approx(want)
