"""Sequence tagging: span LFs, ragged token votes, token/HMM label models, span metrics.

>>> from weaksup.sequence import spans_to_bio, span_f1
>>> span_f1([spans_to_bio([(0, 1, "X")], 2)], [["B-X", "O"]])
1.0
"""

from __future__ import annotations

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

__getattr__ = attach(__name__, _LAZY)
