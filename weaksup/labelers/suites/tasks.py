"""Prompt definitions per task (plain data; see :func:`weaksup.labelers.suites.get_suite`)."""

from __future__ import annotations

from typing import Any

YN = ["yes", "no"]

LABEL_NAMES: dict[str, list[str]] = {
    "youtube": ["HAM", "SPAM"],
    "sms": ["ham", "spam"],
    "trec": ["DESC", "ENTY", "HUM", "ABBR", "LOC", "NUM"],
    "semeval": ["Cause-Effect", "Component-Whole", "Content-Container", "Entity-Destination", "Entity-Origin",
                "Instrument-Agency", "Member-Collection", "Message-Topic", "Product-Producer"],
}


def _yn(name: str, question: str, field_label: str, yes: str, no: str | None = None,
        max_chars: int = 250) -> dict[str, Any]:
    lm = {"yes": yes}
    if no is not None:
        lm["no"] = no
    return {"name": name, "answers": YN, "label_map": lm, "max_field_chars": max_chars,
            "template": f"{field_label}: {{text}}\n\n{question} Answer yes or no."}


YOUTUBE = [
    _yn("yt_spam", "Is this YouTube comment spam?", "Comment", "SPAM", "HAM"),
    _yn("yt_subscribe", "Does this comment ask people to subscribe to a channel or to visit a channel?",
        "Comment", "SPAM"),
    _yn("yt_check_out", "Does this comment ask people to check out, watch, like or share something?",
        "Comment", "SPAM"),
    _yn("yt_link", "Does this comment contain a link to a website?", "Comment", "SPAM"),
    _yn("yt_promo", "Is this comment advertising something, such as a channel, a product, money or a job?",
        "Comment", "SPAM"),
    _yn("yt_song", "Is this comment only about the song, the singer or the music video?", "Comment", "HAM"),
]

SMS = [
    _yn("sms_spam", "Is this text message spam?", "Text message", "spam", "ham"),
    _yn("sms_prize", "Does this text message say that the reader has won a prize, cash, or a free gift?",
        "Text message", "spam"),
    _yn("sms_call_now", "Does this text message ask the reader to call a number or to text a code to a number?",
        "Text message", "spam"),
    _yn("sms_promo", "Is this text message an advertisement or a promotion from a company?", "Text message", "spam"),
    _yn("sms_personal", "Is this a personal message between friends or family?", "Text message", "ham"),
    _yn("sms_chat", "Is this text message an ordinary conversation about everyday plans or feelings?",
        "Text message", "ham"),
]

TREC = [
    {"name": "trec_type", "max_field_chars": 300,
     "template": ("Question: {text}\n\nWhat kind of answer does this question ask for? Choose one: person, place, "
                  "number, description, abbreviation, thing."),
     "answers": {"person": ["person", "Person"], "place": ["place", "Place"], "number": ["number", "Number"],
                 "description": ["description", "Description"], "abbreviation": ["abbreviation"],
                 "thing": ["thing"]},
     "label_map": {"person": "HUM", "place": "LOC", "number": "NUM", "description": "DESC",
                   "abbreviation": "ABBR", "thing": "ENTY"}},
    _yn("trec_hum", "Is this question asking about a person, a group of people or an organization?", "Question", "HUM"),
    _yn("trec_loc", "Is this question asking about a place, such as a city, a country or a location?",
        "Question", "LOC"),
    _yn("trec_num", "Is this question asking for a number, a date, an amount, a distance or a quantity?",
        "Question", "NUM"),
    _yn("trec_abbr", "Is this question asking what an abbreviation or acronym stands for?", "Question", "ABBR"),
    _yn("trec_desc", "Is this question asking for a definition, an explanation or a reason?", "Question", "DESC"),
    _yn("trec_enty", "Is this question asking for the name of a thing, such as an animal, a food, a color or an "
        "invention?", "Question", "ENTY"),
]

_SEMEVAL_QUESTIONS = [
    ("se_cause", "Cause-Effect", "Does one of them cause the other, or is one an effect of the other?"),
    ("se_component", "Component-Whole", "Is one of them a part or component of the other?"),
    ("se_container", "Content-Container", "Is one of them inside a container that is the other?"),
    ("se_destination", "Entity-Destination", "Does one of them move into or toward the other as a destination?"),
    ("se_origin", "Entity-Origin", "Does one of them come from or originate from the other?"),
    ("se_instrument", "Instrument-Agency", "Is one of them a tool or instrument used by the other?"),
    ("se_member", "Member-Collection", "Is one of them a member of a group or collection that is the other?"),
    ("se_message", "Message-Topic", "Is one of them a message, text or speech about the other as a topic?"),
    ("se_product", "Product-Producer", "Is one of them a product made or produced by the other?"),
]

SEMEVAL = [
    {"name": name, "answers": YN, "label_map": {"yes": rel}, "max_field_chars": 400,
     "template": ('Sentence: {text}\n\nConsider "{entity1}" and "{entity2}" in this sentence. '
                  + q + " Answer yes or no.")}
    for name, rel, q in _SEMEVAL_QUESTIONS
]

SUITES: dict[str, list[dict[str, Any]]] = {"youtube": YOUTUBE, "sms": SMS, "trec": TREC, "semeval": SEMEVAL}
