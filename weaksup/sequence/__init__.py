"""Sequence tagging: span LFs, ragged token votes, token/HMM label models, span metrics.

>>> from weaksup.sequence import spans_to_bio, span_f1
>>> span_f1([spans_to_bio([(0, 1, "X")], 2)], [["B-X", "O"]])
1.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from weaksup._lazy import attach
from weaksup.sequence.metrics import span_f1, span_precision, span_prf, span_recall, span_report
from weaksup.sequence.tags import (
    SpanError,
    TagSequenceError,
    bio_tag_names,
    bio_to_io,
    bio_to_spans,
    check_spans,
    io_tag_names,
    io_to_bio,
    io_to_spans,
    is_valid_bio,
    repair_bio,
    spans_to_bio,
    spans_to_io,
)
from weaksup.sequence.votes import SequenceVotes

_LAZY = {
    "SpanLabelingFunction": "weaksup.sequence.lf",
    "span_labeling_function": "weaksup.sequence.lf",
    "gazetteer_span_lf": "weaksup.sequence.lf",
    "regex_span_lf": "weaksup.sequence.lf",
    "apply_span_lfs": "weaksup.sequence.lf",
    "SpanLFOutputError": "weaksup.sequence.lf",
    "SequenceLabelModel": "weaksup.sequence.labelmodel",
    "TokenMajorityVote": "weaksup.sequence.labelmodel",
    "TokenDawidSkene": "weaksup.sequence.labelmodel",
    "TokenLabelModel": "weaksup.sequence.labelmodel",
    "HMM": "weaksup.sequence.hmm",
    "forward_backward": "weaksup.sequence.inference",
    "viterbi": "weaksup.sequence.inference",
    "CRFTagger": "weaksup.sequence.endmodel",
    "token_features": "weaksup.sequence.endmodel",
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup.sequence.endmodel import CRFTagger, token_features
    from weaksup.sequence.hmm import HMM
    from weaksup.sequence.inference import forward_backward, viterbi
    from weaksup.sequence.labelmodel import SequenceLabelModel, TokenDawidSkene, TokenLabelModel, TokenMajorityVote
    from weaksup.sequence.lf import (
        SpanLabelingFunction,
        SpanLFOutputError,
        apply_span_lfs,
        gazetteer_span_lf,
        regex_span_lf,
        span_labeling_function,
    )

__all__ = [
    "SequenceVotes",
    "SpanError",
    "TagSequenceError",
    "bio_tag_names",
    "bio_to_io",
    "bio_to_spans",
    "check_spans",
    "io_tag_names",
    "io_to_bio",
    "io_to_spans",
    "is_valid_bio",
    "repair_bio",
    "spans_to_bio",
    "spans_to_io",
    "span_f1",
    "span_precision",
    "span_prf",
    "span_recall",
    "span_report",
    *_LAZY,
]

_getattr, __dir__ = attach(__name__, _LAZY)

if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    __getattr__ = _getattr
