"""``snorkel.preprocess.nlp.SpacyPreprocessor``: parse a text field with spaCy into a ``doc`` field.

Needs spaCy and the language model installed (``pip install spacy`` and
``python -m spacy download en_core_web_sm``); without them the constructor
raises ImportError saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from weaksup.compat.snorkel.map.core import BaseMapper
from weaksup.compat.snorkel.preprocess.core import Preprocessor

__all__ = ["SpacyPreprocessor", "EN_CORE_WEB_SM"]

EN_CORE_WEB_SM = "en_core_web_sm"


class SpacyPreprocessor(Preprocessor):
    """``SpacyPreprocessor(text_field, doc_field, language="en_core_web_sm", disable=None, pre=None,
    memoize=False, memoize_key=None, gpu=False)``: sets ``x.<doc_field> = nlp(x.<text_field>)``."""

    def __init__(self, text_field: str, doc_field: str, language: str = EN_CORE_WEB_SM,
                 disable: list[str] | None = None, pre: list[BaseMapper] | None = None, memoize: bool = False,
                 memoize_key: Callable[[Any], Hashable] | None = None, gpu: bool = False) -> None:
        try:
            import spacy
        except ImportError as err:
            raise ImportError("SpacyPreprocessor needs spaCy: pip install spacy && "
                              f"python -m spacy download {language}") from err
        name = type(self).__name__
        super().__init__(name, field_names=dict(text=text_field), mapped_field_names=dict(doc=doc_field),
                         pre=pre, memoize=memoize, memoize_key=memoize_key)
        self.gpu = gpu
        if gpu:
            spacy.prefer_gpu()
        self._nlp = spacy.load(language, disable=disable or [])

    def run(self, text: str) -> dict[str, Any]:  # type: ignore[override]
        return dict(doc=self._nlp(text))
