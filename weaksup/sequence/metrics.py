"""Span-level precision, recall and F1 for sequence tagging (numpy only).

:func:`span_f1` is strict IOB2 span matching: a predicted entity counts only
if its start, end and type all equal a gold entity's.  Entities are read with
:func:`~weaksup.sequence.tags.bio_to_spans`, so the ``invalid`` policy decides
what a stray ``I-X`` (after ``O`` or after another type) means:

``invalid="drop"`` (default)
    strict IOB2: the stray ``I-X`` tokens belong to no entity.  Equals
    ``seqeval.metrics.f1_score(y_true, y_pred, mode="strict", scheme=IOB2)``
    and WRENCH's span F1 on well-formed predictions.
``invalid="repair"``
    a stray ``I-X`` opens a new entity, as in seqeval's *default* mode and
    CoNLL ``conlleval``.  (seqeval's default mode additionally ends an entity
    at ``B-X`` only — the same as here for IOB2 input.)

The two modes agree whenever both sequences are valid IOB2.

>>> from weaksup.sequence import span_f1, span_prf
>>> span_f1([["B-X", "I-X", "O"]], [["B-X", "I-X", "O"]])
1.0
>>> span_prf([["B-X", "I-X", "O", "B-Y"]], [["B-X", "O", "O", "B-Y"]])
(0.5, 0.5, 0.5)
>>> span_f1([["O", "I-X"]], [["O", "I-X"]], invalid="repair"), span_f1([["O", "I-X"]], [["O", "I-X"]])
(1.0, 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from weaksup.metrics import register_metric
from weaksup.sequence.tags import bio_to_spans

__all__ = ["span_f1", "span_precision", "span_recall", "span_prf", "span_report", "span_counts"]


def _as_seqs(y: Any, what: str) -> list[Sequence[str]]:
    if isinstance(y, str):
        raise TypeError(f"{what} must be a list of tag sequences, got a string")
    seqs = list(y)
    if seqs and isinstance(seqs[0], str):
        raise TypeError(f"{what} must be a list of tag sequences (list of lists), got a flat list of tags")
    return seqs


def span_counts(y_true: Any, y_pred: Any, invalid: str = "drop") -> dict[str | None, list[int]]:
    """``{type: [tp, fp, fn]}`` over all sentences, plus key ``None`` for the micro total."""
    yt, yp = _as_seqs(y_true, "y_true"), _as_seqs(y_pred, "y_pred")
    if len(yt) != len(yp):
        raise ValueError(f"y_true has {len(yt)} sentences but y_pred has {len(yp)}")
    counts: dict[str | None, list[int]] = {None: [0, 0, 0]}
    for i, (t, p) in enumerate(zip(yt, yp)):
        if len(t) != len(p):
            raise ValueError(f"sentence {i}: y_true has {len(t)} tags but y_pred has {len(p)}")
        gold = set(bio_to_spans(t, invalid, where=f" in y_true sentence {i}"))
        pred = set(bio_to_spans(p, invalid, where=f" in y_pred sentence {i}"))
        for sp in gold | pred:
            c = counts.setdefault(sp[2], [0, 0, 0])
            k = 0 if (sp in gold and sp in pred) else (1 if sp in pred else 2)
            c[k] += 1
            counts[None][k] += 1
    return counts


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def span_prf(y_true: Any, y_pred: Any, invalid: str = "drop") -> tuple[float, float, float]:
    """Micro (precision, recall, F1) over entity spans (strict IOB2 by default)."""
    return _prf(*span_counts(y_true, y_pred, invalid)[None])


def span_f1(y_true: Any, y_pred: Any, invalid: str = "drop") -> float:
    """Micro span-level F1 (0..1) over lists of BIO tag sequences; strict IOB2 by default."""
    return span_prf(y_true, y_pred, invalid)[2]


def span_precision(y_true: Any, y_pred: Any, invalid: str = "drop") -> float:
    """Micro span-level precision.

    Examples
    --------
    >>> from weaksup.sequence import span_precision
    >>> span_precision([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
    1.0
    """
    return span_prf(y_true, y_pred, invalid)[0]


def span_recall(y_true: Any, y_pred: Any, invalid: str = "drop") -> float:
    """Micro span-level recall.

    Examples
    --------
    >>> from weaksup.sequence import span_recall
    >>> span_recall([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
    0.5
    """
    return span_prf(y_true, y_pred, invalid)[1]


def span_report(y_true: Any, y_pred: Any, invalid: str = "drop") -> dict[str, dict[str, float]]:
    """Per-type and micro ``{"precision", "recall", "f1", "support"}``.

    Examples
    --------
    >>> from weaksup.sequence import span_report
    >>> report = span_report([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
    >>> report["PER"]["f1"], report["LOC"]["recall"], round(report["micro"]["f1"], 4)
    (1.0, 0.0, 0.6667)
    """
    counts = span_counts(y_true, y_pred, invalid)
    out: dict[str, dict[str, float]] = {}
    for key in sorted((k for k in counts if k is not None)) + [None]:
        tp, fp, fn = counts[key]
        p, r, f = _prf(tp, fp, fn)
        out["micro" if key is None else key] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    return out


register_metric("span_f1", span_f1, needs="sequences")  # weaksup.metrics.score("span_f1", ...)
