"""Tag schemes and conversions between spans, BIO (IOB2) tags and IO tags.

Conventions
-----------
* A **span** is ``(start, end, type)`` over token positions with ``end``
  exclusive: ``(0, 2, "Disease")`` covers tokens 0 and 1.
* **BIO** (IOB2) tags: ``"O"``, ``"B-<type>"`` opens an entity, ``"I-<type>"``
  continues an entity of the same type.
* **IO** tags: ``"O"`` or ``"I-<type>"``; adjacent tokens of the same type form
  one entity (so two touching entities of one type cannot be told apart).
* Integer tag ids follow WRENCH: for entity types ``t_0..t_{E-1}`` the BIO ids
  are ``O = 0, B-t_i = 2i + 1, I-t_i = 2i + 2`` and the IO ids are
  ``O = 0, t_i = i + 1``.  So ``bio -> io`` is ``(id + 1) // 2``.

Invalid BIO sequences
---------------------
An ``I-X`` that does not continue an entity of type ``X`` (after ``O``, at the
sentence start, or after ``B-Y``/``I-Y`` with ``Y != X``) is invalid IOB2.
Every function that reads BIO tags takes ``invalid=``:

``"error"``
    raise :class:`TagSequenceError` naming the position and tag;
``"repair"``
    treat the stray ``I-X`` as ``B-X`` (the CoNLL ``conlleval`` convention,
    also seqeval's default mode);
``"drop"``
    ignore the stray ``I-X`` tokens (strict IOB2, seqeval's
    ``mode="strict", scheme=IOB2``).

Examples
--------
>>> from weaksup.sequence import bio_to_spans, io_to_bio, repair_bio, spans_to_bio
>>> bio_to_spans(["B-PER", "I-PER", "O", "B-LOC"])
[(0, 2, 'PER'), (3, 4, 'LOC')]
>>> spans_to_bio([(1, 3, "Disease")], 4)
['O', 'B-Disease', 'I-Disease', 'O']
>>> io_to_bio(["I-X", "I-X", "O", "I-X"])
['B-X', 'I-X', 'O', 'B-X']
>>> repair_bio(["O", "I-X", "I-X"])
['O', 'B-X', 'I-X']
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "TagSequenceError",
    "SpanError",
    "INVALID_POLICIES",
    "bio_tag_names",
    "io_tag_names",
    "split_tag",
    "check_spans",
    "spans_to_bio",
    "spans_to_io",
    "bio_to_spans",
    "io_to_spans",
    "bio_to_io",
    "io_to_bio",
    "repair_bio",
    "is_valid_bio",
    "bio_ids_to_io_ids",
    "io_ids_to_bio_ids",
    "io_to_bio_marginals",
    "entity_types_from_tags",
]

INVALID_POLICIES = ("error", "repair", "drop")

Span = tuple[int, int, str]


class TagSequenceError(ValueError):
    """A tag sequence is malformed (unknown tag, invalid ``I-`` continuation, wrong length).

    Examples
    --------
    >>> from weaksup.sequence import TagSequenceError, bio_to_io
    >>> try:
    ...     bio_to_io(["B-PER", "X"])
    ... except TagSequenceError as err:
    ...     print(err)
    unknown tag 'X' at position 1; expected 'O', 'B-<type>' or 'I-<type>'
    """


class SpanError(ValueError):
    """A span is out of bounds, empty, or overlaps another span where that is not allowed.

    Examples
    --------
    >>> from weaksup.sequence import SpanError, check_spans
    >>> try:
    ...     check_spans([(0, 2, "PER"), (1, 3, "LOC")], 5)
    ... except SpanError as err:
    ...     print(err)
    spans (0, 2, 'PER') and (1, 3, 'LOC') overlap; a tag sequence can hold only one
    """


def bio_tag_names(entity_types: Sequence[str]) -> list[str]:
    """BIO tag names in WRENCH id order: ``O, B-t0, I-t0, B-t1, I-t1, ...``.

    Examples
    --------
    >>> from weaksup.sequence import bio_tag_names
    >>> bio_tag_names(["PER", "LOC"])
    ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']

    The types must be distinct, non-empty names other than ``"O"`` and not tag names (``"B-PER"``):
    anything else is a ValueError (a duplicate would give two ids one tag name).
    """
    out = ["O"]
    for t in _tag_types(entity_types):
        out += [f"B-{t}", f"I-{t}"]
    return out


def io_tag_names(entity_types: Sequence[str]) -> list[str]:
    """IO tag names in id order: ``O, I-t0, I-t1, ...``.

    Examples
    --------
    >>> from weaksup.sequence import io_tag_names
    >>> io_tag_names(["PER", "LOC"])
    ['O', 'I-PER', 'I-LOC']
    """
    return ["O"] + [f"I-{t}" for t in _tag_types(entity_types)]


def _tag_types(entity_types: Any) -> list[str]:
    """:func:`check_entity_types`, and no type that is itself a tag name (``B-PER`` would make ``B-B-PER``)."""
    types = check_entity_types(entity_types)
    for t in types:
        if len(t) > 2 and t[1] == "-" and t[0] in "BI":
            raise ValueError(f"entity_types has {t!r}, a tag name; give the type ({t[2:]!r}), not its B-/I- tag")
    return types


def split_tag(tag: str, where: str = "") -> tuple[str, str | None]:
    """``"B-PER" -> ("B", "PER")``, ``"O" -> ("O", None)``; anything else raises."""
    if tag == "O":
        return "O", None
    if isinstance(tag, str) and len(tag) > 2 and tag[1] == "-" and tag[0] in "BI":
        return tag[0], tag[2:]
    raise TagSequenceError(f"unknown tag {tag!r}{where}; expected 'O', 'B-<type>' or 'I-<type>'")


def entity_types_from_tags(tag_seqs: Sequence[Sequence[str]]) -> list[str]:
    """Sorted entity types appearing in ``tag_seqs``."""
    types: set[str] = set()
    for seq in tag_seqs:
        for t in seq:
            typ = split_tag(t)[1]
            if typ is not None:
                types.add(typ)
    return sorted(types)


def check_spans(spans: Sequence[Any], n_tokens: int, *, allow_overlap: bool = False,
                entity_types: Sequence[str] | None = None, where: str = "") -> list[Span]:
    """Validate spans over a sentence of ``n_tokens`` tokens; return them sorted as tuples.

    ``start`` and ``end`` are integers (integral floats such as ``2.0`` are accepted; strings and
    bools are not); the type is kept as ``str(type)``.
    Raises :class:`SpanError` for a malformed span, ``start < 0``,
    ``end > n_tokens``, ``start >= end``, an unknown type (when
    ``entity_types`` is given), or overlapping spans (unless ``allow_overlap``).

    Examples
    --------
    >>> from weaksup.sequence import check_spans
    >>> check_spans([(3, 4, "LOC"), (0, 2, "PER")], 5)
    [(0, 2, 'PER'), (3, 4, 'LOC')]
    """
    out: list[Span] = []
    for sp in spans:
        try:
            s, e, t = sp
        except (TypeError, ValueError):
            raise SpanError(f"span {sp!r}{where} is not a (start, end, type) triple") from None
        s, e = _span_bound(s), _span_bound(e)
        if s is None or e is None:  # int() would truncate 0.5 to 0, and "1" or True are not token indices
            raise SpanError(f"span {sp!r}{where} has a non-integer bound; start and end are token indices")
        if t is None or str(t) in ("", "O"):
            raise SpanError(f"span {sp!r}{where} has entity type {t!r}; a type is a non-empty name other than 'O'")
        if not 0 <= s < e <= n_tokens:
            raise SpanError(
                f"span {(s, e, t)!r}{where} is out of bounds for a sentence of {n_tokens} tokens "
                f"(need 0 <= start < end <= {n_tokens}; end is exclusive)"
            )
        # the type is kept as str(t) below, so it is compared as one (an int 5 was "unknown; known: ['5']")
        if entity_types is not None and str(t) not in {str(x) for x in entity_types}:
            raise SpanError(f"span {(s, e, t)!r}{where} has unknown type {t!r}; known: {list(entity_types)}")
        out.append((s, e, str(t)))
    out.sort()
    if not allow_overlap:
        for a, b in zip(out, out[1:]):
            if b[0] < a[1]:
                raise SpanError(f"spans {a!r} and {b!r}{where} overlap; a tag sequence can hold only one")
    return out


def _span_bound(v: Any) -> int | None:
    """A span bound as an int; ``None`` when it is not an integer or an integral float.

    ``0.5`` is not integral; a string (``"1"``), a bool (``True``) or ``None`` is no number of tokens.
    """
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (float, np.floating)):
        return int(v) if float(v).is_integer() else None
    try:
        return operator.index(v)
    except TypeError:
        return None


def check_entity_types(entity_types: Any, what: str = "entity_types") -> list[str]:
    """A list of distinct, non-empty entity type names other than ``"O"``.

    A bare string is refused (``"PER"`` would be read as the types ``P``, ``E``, ``R``).

    >>> from weaksup.sequence.tags import check_entity_types
    >>> check_entity_types(("PER", "LOC"))
    ['PER', 'LOC']
    """
    if isinstance(entity_types, (str, bytes)) or not hasattr(entity_types, "__iter__"):
        raise TypeError(f"{what} must be a list of type names, got {type(entity_types).__name__} "
                        f"{entity_types!r} (wrap a single type in a list)")
    for t in entity_types:
        if t is None or str(t) in ("", "O"):
            raise ValueError(f"{what} has {t!r}; a type is a non-empty name other than 'O'")
    types = [str(t) for t in entity_types]
    dups = sorted({t for t in types if types.count(t) > 1})
    if dups:
        raise ValueError(f"{what} has duplicates: {dups}")
    return types


def spans_to_bio(spans: Sequence[Any], n_tokens: int, *, on_overlap: str = "error",
                 entity_types: Sequence[str] | None = None, where: str = "") -> list[str]:
    """BIO tags for ``n_tokens`` tokens from spans.

    ``on_overlap``: ``"error"`` (default) raises :class:`SpanError`;
    ``"first"`` keeps the earliest-starting span (ties: the shorter one, as
    WRENCH's span->BIO conversion does) and drops spans overlapping it;
    ``"longest"`` keeps longer spans first.
    """
    if on_overlap not in ("error", "first", "longest"):
        raise ValueError(f"on_overlap must be 'error', 'first' or 'longest', got {on_overlap!r}")
    n = _span_bound(n_tokens)
    if n is None or n < 0:
        raise ValueError(f"n_tokens{where} must be a number of tokens (an int >= 0), got {n_tokens!r}")
    n_tokens = n
    checked = check_spans(spans, n_tokens, allow_overlap=on_overlap != "error",
                          entity_types=entity_types, where=where)
    if on_overlap == "longest":
        checked.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
    tags = ["O"] * n_tokens
    for s, e, t in checked:
        if any(tags[i] != "O" for i in range(s, e)):
            continue
        tags[s] = f"B-{t}"
        for i in range(s + 1, e):
            tags[i] = f"I-{t}"
    return tags


def spans_to_io(spans: Sequence[Any], n_tokens: int, **kwargs: Any) -> list[str]:
    """IO tags from spans (touching spans of one type merge; see module docstring).

    Examples
    --------
    >>> from weaksup.sequence import spans_to_io
    >>> spans_to_io([(0, 2, "PER")], 3)
    ['I-PER', 'I-PER', 'O']
    """
    return bio_to_io(spans_to_bio(spans, n_tokens, **kwargs))


def bio_to_spans(tags: Sequence[str], invalid: str = "repair", where: str = "") -> list[Span]:
    """Entity spans ``(start, end_exclusive, type)`` of a BIO tag sequence.

    ``invalid`` says what a stray ``I-X`` does (module docstring): ``"repair"``
    (starts a new entity), ``"drop"`` (strict IOB2: ignored) or ``"error"``.
    """
    return _bio_to_spans(tags, invalid, where, "pass invalid='repair' or 'drop'")


def _bio_to_spans(tags: Sequence[str], invalid: str, where: str, hint: str) -> list[Span]:
    """:func:`bio_to_spans`; ``hint`` ends the ``invalid="error"`` message (what the caller can do: a caller
    that takes no ``invalid=`` must not advise passing one)."""
    if invalid not in INVALID_POLICIES:
        raise ValueError(f"invalid must be one of {INVALID_POLICIES}, got {invalid!r}")
    spans: list[Span] = []
    cur_start, cur_type = -1, None
    for i, tag in enumerate(tags):
        prefix, typ = split_tag(tag, f" at position {i}{where}")
        if prefix == "I" and cur_type == typ:
            continue
        if cur_type is not None:
            spans.append((cur_start, i, cur_type))
            cur_type = None
        if prefix == "B":
            cur_start, cur_type = i, typ
        elif prefix == "I":
            if invalid == "error":
                prev = tags[i - 1] if i else "<start>"
                raise TagSequenceError(
                    f"invalid BIO: {tag!r} at position {i}{where} follows {prev!r}; an I- tag must "
                    f"continue a B-/I- tag of the same type ({hint})"
                )
            if invalid == "repair":
                cur_start, cur_type = i, typ
    if cur_type is not None:
        spans.append((cur_start, len(tags), cur_type))
    return spans


def io_to_spans(tags: Sequence[str], where: str = "") -> list[Span]:
    """Spans of an IO sequence: maximal runs of one type (``B-`` also accepted and read as ``I-``)."""
    spans: list[Span] = []
    cur_start, cur_type = -1, None
    for i, tag in enumerate(tags):
        _, typ = split_tag(tag, f" at position {i}{where}")
        if typ == cur_type:
            continue
        if cur_type is not None:
            spans.append((cur_start, i, cur_type))
        cur_start, cur_type = i, typ
    if cur_type is not None:
        spans.append((cur_start, len(tags), cur_type))
    return spans


def bio_to_io(tags: Sequence[str], where: str = "") -> list[str]:
    """``B-X``/``I-X`` -> ``I-X``; ``O`` stays.  (Touching same-type entities merge.)

    Examples
    --------
    >>> from weaksup.sequence import bio_to_io
    >>> bio_to_io(["B-PER", "I-PER", "O", "B-LOC"])
    ['I-PER', 'I-PER', 'O', 'I-LOC']
    """
    out = []
    for i, t in enumerate(tags):
        prefix, typ = split_tag(t, f" at position {i}{where}")
        out.append("O" if typ is None else f"I-{typ}")
    return out


def io_to_bio(tags: Sequence[str], where: str = "") -> list[str]:
    """IO -> BIO: the first token of each run of one type becomes ``B-`` (WRENCH's ``io_id_to_bio_id``).

    A ``B-`` tag is no IO tag: it raises :class:`TagSequenceError` naming its position (read as ``I-``,
    ``B-PER B-PER`` would become one entity; use :func:`repair_bio` on BIO tags).
    """
    out = []
    last = None
    for i, t in enumerate(tags):
        prefix, typ = split_tag(t, f" at position {i}{where}")
        if prefix == "B":
            raise TagSequenceError(f"io_to_bio: {t!r} at position {i}{where} is a BIO tag; IO tags are 'O' and "
                                   f"'I-<type>' (for BIO tags use repair_bio, or bio_to_io first)")
        if typ is None:
            out.append("O")
        else:
            out.append(f"I-{typ}" if typ == last else f"B-{typ}")
        last = typ
    return out


def repair_bio(tags: Sequence[str], invalid: str = "repair", where: str = "") -> list[str]:
    """A valid IOB2 sequence with the same entities as ``bio_to_spans(tags, invalid)``."""
    return spans_to_bio(bio_to_spans(tags, invalid, where), len(tags))


def is_valid_bio(tags: Sequence[str]) -> bool:
    """True iff every ``I-X`` continues an entity of type ``X`` (and all tags are well-formed).

    Examples
    --------
    >>> from weaksup.sequence import is_valid_bio
    >>> is_valid_bio(["B-PER", "I-PER"]), is_valid_bio(["O", "I-PER"])
    (True, False)
    """
    if isinstance(tags, (str, bytes)) or not hasattr(tags, "__iter__"):
        raise TypeError(f"is_valid_bio: tags must be a sequence of tag strings, got {type(tags).__name__} {tags!r}")
    try:
        bio_to_spans(tags, "error")
    except TagSequenceError:
        return False
    return True


# ----------------------------------------------------------------- integer ids
def bio_ids_to_io_ids(ids: Any) -> np.ndarray:
    """WRENCH ``bio_id_to_io_id``: ``O=0`` stays, ``B-t_i``/``I-t_i`` -> ``i+1``; ``-1`` (abstain) stays."""
    a = np.asarray(ids)
    return np.where(a > 0, (a + 1) // 2, a).astype(a.dtype if a.dtype.kind == "i" else np.int64)


def io_ids_to_bio_ids(ids: Any, offsets: Any = None) -> np.ndarray:
    """WRENCH ``io_id_to_bio_id`` over a flat array with sentence ``offsets`` (``len = n_sent + 1``).

    The first token of each run of one IO type becomes ``B-`` (``2i - 1``), the
    rest ``I-`` (``2i``).  Runs never cross sentence boundaries.
    """
    a = np.asarray(ids, dtype=np.int64)
    if offsets is None:
        offsets = np.array([0, len(a)])
    offsets = np.asarray(offsets, dtype=np.int64)
    prev = np.empty_like(a)
    if len(a):
        prev[1:] = a[:-1]
        prev[0] = -2
        starts = offsets[:-1][offsets[:-1] < len(a)]
        prev[starts] = -2
    cont = (a == prev) & (a > 0)
    return np.where(a > 0, np.where(cont, 2 * a, 2 * a - 1), a)


def repair_bio_ids(ids: Any, offsets: Any = None) -> np.ndarray:
    """:func:`repair_bio` (``invalid="repair"``) on flat BIO ids with sentence ``offsets``.

    A stray ``I-t`` (``2t``) -- at a sentence start, or after ``O`` or another type -- becomes ``B-t``
    (``2t - 1``), as in conlleval; valid sequences are returned unchanged.

    >>> from weaksup.sequence.tags import repair_bio_ids
    >>> repair_bio_ids([2, 2, 0, 2, 4], [0, 5]).tolist()
    [1, 2, 0, 1, 3]
    """
    a = np.asarray(ids, dtype=np.int64)
    if offsets is None:
        offsets = np.array([0, len(a)])
    offsets = np.asarray(offsets, dtype=np.int64)
    prev_type = np.zeros_like(a)  # IO type of the previous token in the sentence (0: none/O)
    if len(a):
        prev_type[1:] = (a[:-1] + 1) // 2
        starts = offsets[:-1][offsets[:-1] < len(a)]
        prev_type[starts] = 0
    # only I- changes, and only to B- of its own type, so the previous token's type is the same before and after
    stray = (a > 0) & (a % 2 == 0) & (prev_type != a // 2)
    return np.where(stray, a - 1, a)


def io_to_bio_marginals(p_io: np.ndarray, prev_io: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per-token BIO marginals from IO ones (``O`` then one column per entity type).

    Type ``t``'s weight at a token goes to ``I-t`` in proportion to the weight
    ``prev_io`` gives ``t`` at the previous token of the sentence, and to
    ``B-t`` for the rest (all of it at a sentence's first token).  With one-hot
    ``prev_io`` (a hard decision) this is WRENCH's ``io_id_to_bio_id``: the
    first token of a run of one type is ``B-``; with :func:`weaksup.metrics.tie_split` a tie
    at the previous token splits the weight instead of following a tie-break
    by token index, so the result does not depend on the order of the sentences.

    >>> import numpy as np
    >>> from weaksup.sequence.tags import io_to_bio_marginals
    >>> io_to_bio_marginals(np.eye(2)[[1, 1, 0]], np.eye(2)[[1, 1, 0]], np.array([0, 3])).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    T = p_io.shape[0]
    prev = np.zeros_like(prev_io, dtype=np.float64)
    prev[1:] = prev_io[:-1]
    starts = np.asarray(offsets)[:-1]
    prev[starts[starts < T]] = 0.0
    out = np.zeros((T, 2 * p_io.shape[1] - 1))
    out[:, 0] = p_io[:, 0]
    out[:, 1::2] = p_io[:, 1:] * (1.0 - prev[:, 1:])
    out[:, 2::2] = p_io[:, 1:] * prev[:, 1:]
    return out
