"""Prompt templates and label maps.

A :class:`PromptTemplate` turns one example (a row with named fields) into the
text sent to a language model and names the answer choices the model is
scored on.  A :class:`LabelMap` turns the chosen answer into a class id or
``ABSTAIN`` (-1).

Examples
--------
>>> from weaksup.labelers import LabelMap, PromptTemplate
>>> t = PromptTemplate("Is this comment spam?\\nComment: {text}\\nAnswer yes or no.", ["yes", "no"])
>>> t.fields
('text',)
>>> t.render({"text": "check out my channel"}).splitlines()[1]
'Comment: check out my channel'
>>> t.verbalizers["yes"]
('yes', 'Yes')
>>> LabelMap.unipolar("yes", 1)("yes"), LabelMap.unipolar("yes", 1)("no")
(1, -1)
"""

from __future__ import annotations

import hashlib
import json
import string
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from weaksup._validation import lookalike_hint
from weaksup.votes import ABSTAIN

__all__ = ["PromptTemplate", "LabelMap", "starts_with_answer"]


# scripts written without spaces between words: there a word ends where the answer ends ("是的" is "是")
_UNSPACED = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "IDEOGRAPHIC ITERATION MARK", "HIRAGANA",
             "KATAKANA", "HALFWIDTH KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR")


def _unspaced(ch: str) -> bool:
    """Whether ``ch`` belongs to a script written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar)."""
    return unicodedata.name(ch, "").startswith(_UNSPACED)


def _is_variation_selector(c: str) -> bool:
    return "\ufe00" <= c <= "\ufe0f" or "\U000e0100" <= c <= "\U000e01ef"


def starts_with_answer(text: str, form: str) -> bool:
    """Whether the reply ``text`` starts with the answer ``form`` as a whole word, ignoring case.

    The form must be followed by the end of the reply or a character that is not a
    letter or digit, so "Nope" is not "no" and "Yesterday" is not "yes".  In scripts
    written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) a word
    has no mark where it ends: a form ending in such a character may be followed by
    another one ("是的" is "是", "正面的" is "正面"); callers that weigh several forms
    take the longest that fits ("正面" over "正").  A combining mark right after the form belongs to its last
    letter, so the form does not end there ("ไม่" is not "ไม", a decomposed "café" is not "cafe").

    >>> from weaksup.labelers.template import starts_with_answer
    >>> starts_with_answer("Yes, it is spam.", "yes"), starts_with_answer("Nope", "no")
    (True, False)
    >>> starts_with_answer("YES", "yes"), starts_with_answer("A) positive", "A)")
    (True, True)
    >>> starts_with_answer("是的，这是垃圾信息。", "是"), starts_with_answer("是yes", "是")
    (True, False)
    >>> starts_with_answer("ไม่ใช่", "ไม่"), starts_with_answer("ไม่ใช่", "ไม")
    (True, False)
    """
    form = form.strip()
    if not form or not text[:len(form)].casefold() == form.casefold():
        return False
    rest = text[len(form):]
    if rest and unicodedata.category(rest[0]).startswith("M") and not _is_variation_selector(rest[0]) and (
            form[-1].isalnum() or unicodedata.category(form[-1]).startswith("M")):
        # a combining mark belongs to the form's last letter: "ไม่" is not "ไม", a decomposed "café" is not
        # "cafe"; a variation selector after an emoji ("👍️" is "👍" + U+FE0F) only picks how it is drawn
        return False
    return not rest or not form[-1].isalnum() or not rest[0].isalnum() or (_unspaced(form[-1]) and _unspaced(rest[0]))


def _missing(value: Any) -> bool:
    """A missing field (None, NaN, ``pd.NA``, ``pd.NaT``): rendered as ``""``, as apply_lfs sends it."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _case_variants(word: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in (word, word.lower(), word[:1].upper() + word[1:].lower() if word else word):
        if w not in out:
            out.append(w)
    return tuple(out)


class PromptTemplate:
    """A question about one example, with the answer choices it is scored on.

    Parameters
    ----------
    template : str
        ``str.format`` text with named fields, e.g. ``"Is this spam? {text}"``.
        Literal braces are written ``{{`` and ``}}``.
    answer_choices : sequence of str, or mapping answer -> sequence of str
        The answers.  A mapping gives each answer its surface forms
        (verbalizers); their scores are summed (log-sum-exp).  With a plain
        list, each answer's verbalizers are the answer and its case variants
        when ``case_variants`` is true ("yes" -> "yes", "Yes").
    name : str, optional
    max_field_chars : int, optional
        Truncate each field's text to this many characters (long inputs
        cost time and push the question out of a small model's attention).
    case_variants : bool
        See ``answer_choices``.

    Examples
    --------
    >>> from weaksup.labelers import PromptTemplate
    >>> t = PromptTemplate("Q: {text}", {"positive": ["positive", "good"], "negative": ["negative", "bad"]})
    >>> t.answers
    ('positive', 'negative')
    >>> t.surface_forms()
    ['positive', 'good', 'negative', 'bad']
    """

    def __init__(
        self,
        template: str,
        answer_choices: Sequence[str] | Mapping[str, Sequence[str]],
        *,
        name: str | None = None,
        max_field_chars: int | None = None,
        case_variants: bool = True,
    ) -> None:
        if not isinstance(template, str) or not template.strip():
            raise ValueError(f"template must be a non-empty string, got {template!r}")
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ValueError(f"template {template[:60]!r}...: {exc} (write literal braces as '{{{{' and '}}}}')") from exc
        fields: list[str] = []
        for _, field_name, _, _ in parsed:
            if field_name is None:
                continue
            if field_name == "" or field_name.isdigit():
                raise ValueError(f"template {template[:60]!r}: use named fields like {{text}}, not positional '{{}}'")
            if field_name not in fields:
                fields.append(field_name)
        if not fields:
            raise ValueError(f"template {template[:60]!r} has no {{field}}: it would ask the same question of every example")
        self.template = template
        self.fields = tuple(fields)
        self.name = name
        self.max_field_chars = max_field_chars
        self.case_variants = case_variants
        if isinstance(answer_choices, Mapping):
            verb = {str(a): tuple(str(s) for s in forms) for a, forms in answer_choices.items()}
            for a, forms in verb.items():
                if not forms:
                    raise ValueError(f"answer {a!r} has no surface forms")
        else:
            if isinstance(answer_choices, str):
                raise TypeError("answer_choices must be a list of answers, not one string")
            verb = {str(a): (_case_variants(str(a)) if case_variants else (str(a),)) for a in answer_choices}
        if len(verb) < 2:
            raise ValueError(f"a prompt needs at least 2 answer choices, got {list(verb)}")
        seen: dict[str, str] = {}
        for a, forms in verb.items():
            for s in forms:
                if s in seen and seen[s] != a:
                    raise ValueError(f"surface form {s!r} belongs to two answers: {seen[s]!r} and {a!r}")
                seen[s] = a
        self.verbalizers: dict[str, tuple[str, ...]] = verb
        self.answers = tuple(verb)

    def surface_forms(self) -> list[str]:
        """All verbalizers, answer by answer (the strings a backend scores)."""
        return [s for a in self.answers for s in self.verbalizers[a]]

    def render(self, example: Any) -> str:
        """The prompt text for one example (a mapping or an object with the fields)."""
        values: dict[str, str] = {}
        for f in self.fields:
            try:
                v = example[f] if isinstance(example, Mapping) else getattr(example, f)
            except (KeyError, AttributeError):
                keys = list(example) if isinstance(example, Mapping) else [k for k in dir(example) if not k.startswith("_")]
                raise KeyError(f"template {self.name or self.template[:40]!r} needs field {f!r}; "
                               f"the example has {keys}") from None
            v = "" if _missing(v) else str(v)
            if self.max_field_chars is not None and len(v) > self.max_field_chars:
                v = v[: self.max_field_chars]
            values[f] = v
        return self.template.format(**values)

    def content_free(self, token: str) -> dict[str, str]:
        """An example whose every field is the content-free string ``token``."""
        return {f: token for f in self.fields}

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "answer_choices": {a: list(v) for a, v in self.verbalizers.items()},
                "name": self.name, "max_field_chars": self.max_field_chars}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PromptTemplate:
        return cls(d["template"], d["answer_choices"], name=d.get("name"), max_field_chars=d.get("max_field_chars"))

    def fingerprint(self) -> str:
        return hashlib.sha1(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def __repr__(self) -> str:
        return f"PromptTemplate({self.template[:50]!r}..., answers={list(self.answers)})"


class LabelMap:
    """Answer -> class id, or ABSTAIN for answers it does not map.

    Parameters
    ----------
    mapping : mapping answer -> class id or class name
        Answers absent from the mapping give ``default``.
    label_names : sequence of str, optional
        Lets ``mapping`` name classes (``{"yes": "SPAM"}``).
    default : int
        Vote for unmapped answers (ABSTAIN unless told otherwise).

    Examples
    --------
    >>> from weaksup.labelers import LabelMap
    >>> lm = LabelMap({"yes": "SPAM", "no": "HAM"}, label_names=["HAM", "SPAM"])
    >>> lm("yes"), lm("no"), lm("maybe")
    (1, 0, -1)
    >>> LabelMap.unipolar("yes", "SPAM", label_names=["HAM", "SPAM"]).mapping
    {'yes': 1}
    """

    def __init__(self, mapping: Mapping[str, int | str], label_names: Sequence[str] | None = None,
                 default: int = ABSTAIN) -> None:
        names = list(label_names) if label_names is not None else None
        out: dict[str, int] = {}
        for answer, cls in mapping.items():
            if isinstance(cls, str):
                if names is None or cls not in names:
                    raise ValueError(f"label map: answer {answer!r} -> class {cls!r}: "
                                     f"unknown class name (label_names={names})" + lookalike_hint(cls, names or []))
                cls = names.index(cls)
            out[str(answer)] = self._class(cls, f"answer {answer!r} ->", names)
        self.mapping = out
        self.label_names = names
        self.default = self._class(default, "default", names)

    @staticmethod
    def _class(cls: Any, where: str, names: list[str] | None) -> int:
        """``cls`` as a Python int: an int or numpy integer (not a bool) >= ABSTAIN, below the class count."""
        if isinstance(cls, (bool, np.bool_)) or not isinstance(cls, (int, np.integer)) or cls < ABSTAIN:
            raise ValueError(f"label map: {where} {cls!r}; classes are ints >= 0 or ABSTAIN (-1)")
        if names is not None and cls >= len(names):
            raise ValueError(f"label map: {where} class {cls}, but there are {len(names)} classes")
        return int(cls)

    @classmethod
    def unipolar(cls, answer: str, label: int | str, label_names: Sequence[str] | None = None) -> LabelMap:
        """``answer`` -> ``label``; every other answer abstains (high-precision LFs)."""
        return cls({answer: label}, label_names)

    def __call__(self, answer: str) -> int:
        return self.mapping.get(answer, self.default)

    def classes(self) -> set[int]:
        return {c for c in self.mapping.values() if c != ABSTAIN}

    def check_answers(self, answers: Sequence[str], where: str = "") -> None:
        unknown = [a for a in self.mapping if a not in answers]
        if unknown:
            raise ValueError(f"label map{where} maps answers {unknown} that the prompt does not offer "
                             f"(answers: {list(answers)})")

    def to_dict(self) -> dict[str, Any]:
        return {"mapping": dict(self.mapping), "label_names": self.label_names, "default": self.default}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LabelMap:
        return cls(d["mapping"], d.get("label_names"), d.get("default", ABSTAIN))

    def __repr__(self) -> str:
        return f"LabelMap({self.mapping}, default={self.default})"
