"""Ragged sentences × tokens × LFs vote container for sequence tagging.

A :class:`SequenceVotes` stores the tag each LF gives each token as one flat
``(total_tokens, m)`` integer array (``ABSTAIN = -1``, otherwise a tag id) plus
sentence ``offsets`` (``len = n_sentences + 1``; sentence ``i`` is rows
``offsets[i]:offsets[i+1]``), the tag names (``tag_names[id]``), the LF names
and the tag scheme (``"BIO"`` or ``"IO"``).  Tag ids follow WRENCH's order
(see :mod:`weaksup.sequence.tags`): ``O = 0``, then ``B-t, I-t`` per type
(BIO) or ``I-t`` per type (IO).

``"O"`` is a real vote ("this token is outside any entity"), distinct from
``ABSTAIN`` ("this LF says nothing here").  WRENCH files give every LF a tag on
every token, so they contain ``O`` votes and no abstains;
:meth:`SequenceVotes.wrench_abstain` applies WRENCH's ``SeqLabelModelWrapper``
rule that turns ``O`` into abstain on tokens where some LF votes an entity.

>>> import numpy as np
>>> from weaksup.sequence import SequenceVotes
>>> v = SequenceVotes.from_tag_lists(
...     [[["B-X", "O"], ["I-X", "O"]], [["O", "B-X"]]], ["X"], lf_names=["a", "b"])
>>> v.n_sentences, v.n_tokens, v.m, v.tag_names
(2, 3, 2, ['O', 'B-X', 'I-X'])
>>> v.sentence(0).tolist()
[[1, 0], [2, 0]]
>>> v.to_io().sentence(0).tolist()
[[1, 0], [1, 0]]
>>> v.lf_spans("b")
[[], [(0, 1, 'X')]]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from weaksup._persist import load_npz, load_npz_v0, save_npz
from weaksup._validation import frame_values
from weaksup.sequence.tags import (
    TagSequenceError,
    bio_ids_to_io_ids,
    bio_tag_names,
    bio_to_spans,
    check_entity_types,
    io_ids_to_bio_ids,
    io_tag_names,
    io_to_spans,
)
from weaksup.votes import (
    ABSTAIN,
    VoteMatrix,
    _carry,
    _check_names,
    _columnar_as_pandas,
    _is_placeholder,
    _match_names,
    _refuse_masked,
    lf_indices,
)

__all__ = ["SequenceVotes", "SCHEMES"]

_FORMAT = "weaksup.SequenceVotes"

SCHEMES = ("BIO", "IO")


class SequenceVotes:
    """Votes of ``m`` span/tag LFs on every token of ``n`` sentences.

    Parameters
    ----------
    data : array-like of shape (total_tokens, m)
        Tag ids in ``{-1, 0..len(tag_names)-1}``.  A frame's string column labels are the LF names, as for
        :class:`~weaksup.votes.VoteMatrix`.  A masked array with masked cells is refused.
    offsets : array-like of shape (n_sentences + 1,)
        Sentence boundaries into ``data``: 1-D integers, non-decreasing, ``offsets[0] == 0``,
        ``offsets[-1] == total_tokens``.
    entity_types : sequence of str
        Entity types; the tag names follow from them and ``scheme``.
    lf_names : sequence of str, optional
        Unique LF names (default ``lf_0..``, or a frame's columns, which these then select by name).
    scheme : {"BIO", "IO"}

    Attributes
    ----------
    placeholder_names : bool
        Whether the LF names were made up (``lf_0 ..``: an array or an integer-labelled frame given no
        ``lf_names``) rather than given, as :attr:`VoteMatrix.placeholder_names <weaksup.votes.VoteMatrix>`;
        every operation that keeps the LFs keeps it (sentence slices, :meth:`select_lfs`, :meth:`to_io`,
        :meth:`concat`, save/load, pickles).  Sequence label models read votes by it at ``predict``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.sequence import SequenceVotes
    >>> v = SequenceVotes(np.array([[1, 0], [0, -1]]), [0, 2], ["X"])
    >>> v.placeholder_names, v.select_lfs(["lf_1", "lf_0"]).placeholder_names
    (True, True)
    >>> SequenceVotes(np.array([[1, 0]]), [0, 1], ["X"], lf_names=["lf_0", "lf_1"]).placeholder_names
    False
    """

    def __init__(self, data: Any, offsets: Any, entity_types: Sequence[str],
                 lf_names: Sequence[str] | None = None, scheme: str = "BIO") -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
        if isinstance(lf_names, (str, bytes)):  # list("kw_") would name three LFs 'k', 'w', '_'
            raise TypeError(f"lf_names must be a sequence of names, one per LF column, got the string "
                            f"{lf_names!r} (write [{lf_names!r}] for a single LF)")
        if isinstance(offsets, np.ma.MaskedArray) and np.ma.getmaskarray(offsets).any():
            raise ValueError(f"offsets is a numpy masked array with {int(np.ma.getmaskarray(offsets).sum())} "
                             f"masked boundary(ies): a masked sentence boundary has no position (np.asarray would "
                             f"read the value hidden under the mask); pass the boundaries as a plain integer array")
        if isinstance(data, np.ma.MaskedArray):
            _refuse_masked(data, lf_names, "sequence votes", "pass a plain (total_tokens, m) integer array")
        # names were given (lf_names=, or a frame's str column labels) or made up (lf_0 ..): a model fitted on
        # made-up names reads later votes by position (SequenceLabelModel._check_predict)
        named = lf_names is not None or any(isinstance(c, str) for c in getattr(data, "columns", ()))
        data, lf_names = _frame_votes(data, lf_names)
        arr = np.asarray(data)
        if arr.ndim == 1 and arr.size == 0:
            arr = arr.reshape(0, 0 if lf_names is None else len(lf_names))
        if arr.ndim != 2:
            raise ValueError(f"sequence votes must be a 2-D (total_tokens, m) array, got shape {arr.shape}")
        off = np.asarray(offsets)
        # a cast would truncate 2.7 to 2 and a ravel flatten a 2-D array: either moves sentence boundaries silently
        if off.ndim != 1:
            raise ValueError(f"offsets must be a 1-D array of sentence boundaries, got shape {off.shape}")
        if off.size and off.dtype.kind not in "iu":
            raise ValueError(f"offsets must be integer token positions, got dtype {off.dtype} "
                             f"({off[:4].tolist()}{'...' if off.size > 4 else ''})")
        off = off.astype(np.int64)
        if off.size == 0 or off[0] != 0 or off[-1] != arr.shape[0] or np.any(np.diff(off) < 0):
            raise ValueError(
                f"offsets must start at 0, be non-decreasing and end at total_tokens={arr.shape[0]}; "
                f"got {off[:3].tolist()}...{off[-3:].tolist()} (len {off.size})"
            )
        m = arr.shape[1]
        # VoteMatrix's rule: every name a str (['a', None] is not the LF 'None'), one per column, unique
        names = [f"lf_{j}" for j in range(m)] if lf_names is None else _check_names(lf_names)
        if len(names) != m:
            raise ValueError(f"{len(names)} LF names given for {m} vote columns")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate LF names: {sorted({s for s in names if names.count(s) > 1})}")
        if arr.size and arr.dtype.kind not in "iu":
            arr = _int_votes(arr, off, names)
        self.entity_types: list[str] = check_entity_types(entity_types)
        self._names_made_up = not named
        self.scheme = scheme
        self.tag_names: list[str] = (bio_tag_names if scheme == "BIO" else io_tag_names)(self.entity_types)
        k = len(self.tag_names)
        if arr.size:
            bad = (arr < ABSTAIN) | (arr >= k)
            if bad.any():
                r, c = (int(x[0]) for x in np.nonzero(bad))
                s = int(np.searchsorted(off, r, side="right") - 1)
                raise ValueError(
                    f"tag id {int(arr[r, c])} out of range -1..{k - 1} from LF {names[c]!r} at sentence {s}, "
                    f"token {r - off[s]} ({scheme} tags {self.tag_names})"
                )
        self.data: np.ndarray = np.ascontiguousarray(arr, dtype=np.int8 if k < 127 else np.int32)
        self.offsets: np.ndarray = off
        self.lf_names: list[str] = names

    # ------------------------------------------------------------ basics
    @property
    def n_sentences(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return int(self.data.shape[0])

    @property
    def m(self) -> int:
        return int(self.data.shape[1])

    @property
    def n_tags(self) -> int:
        return len(self.tag_names)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return self.n_sentences

    @property
    def placeholder_names(self) -> bool:
        """Whether the LF names were made up (``lf_0 ..``, votes given no names) rather than given."""
        # votes built without __init__ nor a pickle's state: the old pattern rule (lf_0 .. in order were made up)
        flag = self.__dict__.get("_names_made_up")
        return _is_placeholder(self.lf_names) if flag is None else flag

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A pickle from before _names_made_up: b356c1b's constructor stored _placeholder_names, but its slices,
        # select_lfs, to_io, concat ... built votes with their names given, so unnamed votes stored False there too.
        # A stored True was reliable, a stored False was not: the lf_0 .. pattern rule decides it, as it did before.
        state = dict(state)
        old = state.pop("_placeholder_names", None)
        self.__dict__.update(state)
        if "_names_made_up" not in state:
            self._names_made_up = bool(old) or _is_placeholder(self.lf_names)

    def __repr__(self) -> str:
        return (f"SequenceVotes(n_sentences={self.n_sentences}, n_tokens={self.n_tokens}, m={self.m}, "
                f"scheme={self.scheme!r}, entity_types={self.entity_types})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SequenceVotes):
            return NotImplemented
        return (self.scheme == other.scheme and self.entity_types == other.entity_types
                and self.lf_names == other.lf_names and np.array_equal(self.offsets, other.offsets)
                and np.array_equal(self.data, other.data))

    __hash__ = None  # type: ignore[assignment]

    def sentence(self, i: int) -> np.ndarray:
        """``(len_i, m)`` tag ids of sentence ``i``."""
        if not -self.n_sentences <= i < self.n_sentences:
            raise IndexError(f"sentence {i} out of range for {self.n_sentences} sentences")
        i %= self.n_sentences
        return self.data[self.offsets[i]:self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(self.n_sentences):
            yield self.data[self.offsets[i]:self.offsets[i + 1]]

    def sentence_index(self) -> np.ndarray:
        """Sentence id of every flat token row."""
        return np.repeat(np.arange(self.n_sentences), self.lengths)

    def __getitem__(self, idx: Any) -> SequenceVotes:
        """Sentence subset: ``votes[10:20]``, ``votes[[0, 3]]``, ``votes[mask]``."""
        sel = np.arange(self.n_sentences)[idx]
        sel = np.atleast_1d(sel)
        lens = self.lengths[sel]
        rows = np.concatenate([np.arange(self.offsets[i], self.offsets[i + 1]) for i in sel]) if len(sel) else \
            np.zeros(0, dtype=np.int64)
        off = np.concatenate([[0], np.cumsum(lens)])
        return _carried(SequenceVotes(self.data[rows], off, self.entity_types, self.lf_names, self.scheme),
                        self.placeholder_names)

    def select_lfs(self, lfs: Iterable[str | int]) -> SequenceVotes:
        """Column subset by LF name or position, in the given order."""
        idx = lf_indices(self.lf_names, lfs)
        return _carried(SequenceVotes(self.data[:, idx], self.offsets, self.entity_types,
                                      [self.lf_names[i] for i in idx], self.scheme), self.placeholder_names)

    # -------------------------------------------------------- conversions
    def to_io(self) -> SequenceVotes:
        """The same votes in IO tags (``B-t``/``I-t`` -> ``I-t``)."""
        if self.scheme == "IO":
            return self
        return _carried(SequenceVotes(bio_ids_to_io_ids(self.data.astype(np.int64)), self.offsets,
                                      self.entity_types, self.lf_names, "IO"), self.placeholder_names)

    def to_bio(self) -> SequenceVotes:
        """The same votes in BIO tags (each LF's IO runs start with ``B-``; abstains break runs)."""
        if self.scheme == "BIO":
            return self
        out = np.empty(self.data.shape, dtype=np.int64)
        for j in range(self.m):
            out[:, j] = io_ids_to_bio_ids(self.data[:, j], self.offsets)
        return _carried(SequenceVotes(out, self.offsets, self.entity_types, self.lf_names, "BIO"),
                        self.placeholder_names)

    def wrench_abstain(self) -> SequenceVotes:
        """WRENCH ``SeqLabelModelWrapper.transform_labeling_function``.

        On a token where at least one LF votes a non-``O`` tag, the LFs voting
        ``O`` become ``ABSTAIN``; tokens where all LFs vote ``O`` keep them.
        """
        d = self.data.astype(np.int64)
        fired = (d > 0).any(axis=1, keepdims=True)
        out = np.where(fired & (d == 0), ABSTAIN, d)
        return _carried(SequenceVotes(out, self.offsets, self.entity_types, self.lf_names, self.scheme),
                        self.placeholder_names)

    def o_as_abstain(self) -> SequenceVotes:
        """Every ``O`` vote becomes ``ABSTAIN`` (LFs that only ever propose entities)."""
        d = self.data.astype(np.int64)
        return _carried(SequenceVotes(np.where(d == 0, ABSTAIN, d), self.offsets, self.entity_types,
                                      self.lf_names, self.scheme), self.placeholder_names)

    def to_vote_matrix(self) -> VoteMatrix:
        """Flat ``(total_tokens, m)`` :class:`~weaksup.votes.VoteMatrix` (tag ids as classes)."""
        # passed as given, every flat matrix read as LFs someone named lf_0 ..: it carries placeholder_names
        return _carry(VoteMatrix(self.data, self.lf_names, self.n_tags), self.placeholder_names)

    def to_tag_lists(self) -> list[list[list[str]]]:
        """Per sentence, per token, the list of LF tags (``None`` for abstain)."""
        names = self.tag_names
        return [[[names[v] if v >= 0 else None for v in row] for row in sent.tolist()] for sent in self]

    def lf_tags(self, lf: str | int) -> list[list[str | None]]:
        """One LF's tags per sentence (``None`` where it abstains); ``lf`` is a name or a column position.

        An unknown name is a ``KeyError`` listing the LF names, a position outside the columns an
        ``IndexError``.
        """
        j = lf_indices(self.lf_names, [lf])[0]  # its KeyError lists the names (was a bare "'x' is not in list")
        if not -self.m <= j < self.m:
            raise IndexError(f"LF position {j} is out of range for {self.m} LFs {self.lf_names}")
        names = self.tag_names
        col = self.data[:, j].tolist()
        return [[names[v] if v >= 0 else None for v in col[a:b]]
                for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def lf_spans(self, lf: str | int, invalid: str = "repair") -> list[list[tuple[int, int, str]]]:
        """One LF's spans per sentence (abstain counts as ``O``); ``lf`` as in :meth:`lf_tags`."""
        out = []
        for tags in self.lf_tags(lf):
            t = [x if x is not None else "O" for x in tags]
            out.append(bio_to_spans(t, invalid) if self.scheme == "BIO" else io_to_spans(t))
        return out

    # ---------------------------------------------------------- statistics
    def coverage(self) -> np.ndarray:
        """Per LF, the fraction of tokens it tags as part of an entity (non-``O``, non-abstain)."""
        if self.n_tokens == 0:
            return np.zeros(self.m)
        return (self.data > 0).mean(axis=0)

    def total_coverage(self) -> float:
        """Fraction of tokens on which at least one LF votes an entity tag."""
        if self.n_tokens == 0:
            return 0.0
        return float((self.data > 0).any(axis=1).mean())

    # ------------------------------------------------------------ builders
    @classmethod
    def from_tag_lists(cls, sentences: Sequence[Sequence[Sequence[str | None]]], entity_types: Sequence[str],
                       lf_names: Sequence[str] | None = None, scheme: str = "BIO") -> SequenceVotes:
        """From per-sentence, per-token lists of LF tags (``None``/``-1`` = abstain)."""
        names = (bio_tag_names if scheme == "BIO" else io_tag_names)(list(entity_types))
        t2i: dict[Any, int] = {t: i for i, t in enumerate(names)}
        t2i[None] = ABSTAIN
        t2i[-1] = ABSTAIN
        rows: list[list[int]] = []
        offsets = [0]
        m = None if lf_names is None else len(lf_names)
        for s, sent in enumerate(sentences):
            for i, row in enumerate(sent):
                if m is None:
                    m = len(row)
                if len(row) != m:
                    raise ValueError(f"sentence {s}, token {i}: {len(row)} LF tags, expected {m}")
                try:
                    rows.append([t2i[t] for t in row])
                except KeyError as exc:
                    raise TagSequenceError(
                        f"sentence {s}, token {i}: unknown tag {exc.args[0]!r}; {scheme} tags are {names}"
                    ) from None
            offsets.append(offsets[-1] + len(sent))
        arr = np.asarray(rows, dtype=np.int64).reshape(len(rows), m or 0)
        return cls(arr, offsets, entity_types, lf_names, scheme)

    @classmethod
    def from_lf_tags(cls, per_lf: Sequence[Sequence[Sequence[str | None]]], entity_types: Sequence[str],
                     lf_names: Sequence[str] | None = None, scheme: str = "BIO",
                     lengths: Sequence[int] | None = None) -> SequenceVotes:
        """From ``per_lf[j][sentence] = tag list`` (one tag sequence per LF and sentence)."""
        m = len(per_lf)
        if lf_names is not None and len(lf_names) != m:
            raise ValueError(f"{len(lf_names)} LF names for {m} LFs")
        names = lf_names or [f"lf_{j}" for j in range(m)]
        if lengths is None:
            if not m:
                raise ValueError("give lengths= when there are no LFs")
            lengths = [len(s) for s in per_lf[0]]
        vocab = (bio_tag_names if scheme == "BIO" else io_tag_names)(list(entity_types))
        t2i: dict[Any, int] = {t: i for i, t in enumerate(vocab)}
        t2i[None] = ABSTAIN
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        arr = np.full((int(offsets[-1]), m), ABSTAIN, dtype=np.int64)
        for j, sents in enumerate(per_lf):
            if len(sents) != len(lengths):
                raise ValueError(f"LF {names[j]!r} returned {len(sents)} sentences, expected {len(lengths)}")
            for s, tags in enumerate(sents):
                if len(tags) != lengths[s]:
                    raise ValueError(
                        f"LF {names[j]!r} gave {len(tags)} tags for sentence {s} of {lengths[s]} tokens"
                    )
                try:
                    arr[offsets[s]:offsets[s + 1], j] = [t2i[t] for t in tags]
                except KeyError as exc:
                    raise TagSequenceError(
                        f"LF {names[j]!r}, sentence {s}: unknown tag {exc.args[0]!r}; tags are {vocab}"
                    ) from None
        return _carried(cls(arr, offsets, entity_types, names, scheme), lf_names is None)

    @classmethod
    def concat(cls, parts: Sequence[SequenceVotes]) -> SequenceVotes:
        """Concatenate sentence blocks with identical LFs, types and scheme.

        The result's :attr:`placeholder_names` is True only when every block's names were made up.
        """
        if not parts:
            raise ValueError("concat needs at least one SequenceVotes")
        p0 = parts[0]
        for p in parts[1:]:
            if (p.lf_names, p.entity_types, p.scheme) != (p0.lf_names, p0.entity_types, p0.scheme):
                raise ValueError("concat: LF names, entity types or scheme differ between blocks")
        data = np.concatenate([p.data for p in parts])
        lens = np.concatenate([p.lengths for p in parts])
        return _carried(cls(data, np.concatenate([[0], np.cumsum(lens)]), p0.entity_types, p0.lf_names, p0.scheme),
                        all(p.placeholder_names for p in parts))

    # --------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to ``.npz`` (arrays + JSON metadata, no pickle; written atomically by :mod:`weaksup._persist`)."""
        meta = {"entity_types": self.entity_types, "lf_names": self.lf_names, "scheme": self.scheme,
                "placeholder_names": self.placeholder_names}
        save_npz(path, _FORMAT, meta, {"data": self.data, "offsets": self.offsets}, compress=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SequenceVotes:
        """Read a file written by :meth:`save` (also the 0.1 layout, metadata under ``"meta"``)."""
        meta, arrays = load_npz(path, _FORMAT, legacy=_load_v0)
        # a file written before placeholder_names: the old pattern rule (lf_0 .. were made up)
        placeholder = meta.get("placeholder_names", _is_placeholder(meta["lf_names"]))
        return _carried(cls(arrays["data"], arrays["offsets"], meta["entity_types"], meta["lf_names"],
                            meta["scheme"]), placeholder)


def _carried(out: SequenceVotes, placeholder: bool) -> SequenceVotes:
    """``out`` with :attr:`SequenceVotes.placeholder_names` set (it was built from names made up or carried), as
    :func:`weaksup.votes._carry` sets a VoteMatrix's."""
    out._names_made_up = bool(placeholder)
    return out


def _frame_votes(data: Any, lf_names: Sequence[str] | None) -> tuple[Any, Sequence[str] | None]:
    """Votes given as a frame (pandas, polars, pyarrow): its values and its LF names, by :class:`VoteMatrix`'s rule.

    String column labels are the LF names (read by position they were lost, and a model fitted on one frame
    took a frame with other columns); ``lf_names=`` then picks those columns by name, never renames them.
    Integer labels (a frame built from an array) are positions: ``lf_<position>``, also in a frame mixing both
    kinds, where ``lf_names=`` still picks the columns by name.  Nullable columns
    (``Int64``) arrive as float with NaN for ``pd.NA``, which the dtype check names by LF and token.
    Anything else is returned as given.
    """
    data = _columnar_as_pandas(data)
    if not (type(data).__module__.startswith("pandas") and hasattr(data, "columns")):
        return data, lf_names
    own = [f"lf_{c}" if isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
           else str(c) for c in data.columns]
    if lf_names is None:
        lf_names = own
    elif any(isinstance(c, str) for c in data.columns):
        # string labels (all or some) are LF names: lf_names= picks the columns by name, never renames by
        # position (a frame mixing 0 and 'kw_good' would give 'kw_good' column 0's votes)
        lf_names, take = _match_names(own, lf_names, "DataFrame")
        if take is not None:
            data = data.iloc[:, take]
    values = frame_values(data)
    integer = all(getattr(d, "kind", None) in ("i", "u") for d in data.dtypes)  # int64, Int64, UInt8 ...
    if values.dtype.kind == "f" and integer and np.isfinite(values).all():
        values = values.astype(np.int64)  # nullable Int64 columns without a pd.NA: the tag ids they hold
    return values, lf_names


def _int_votes(arr: np.ndarray, off: np.ndarray, names: list[str]) -> np.ndarray:
    """Votes of a non-integer dtype: an object array of ints (a frame of mixed columns) as int64; otherwise a
    missing cell (NaN, None, ``pd.NA``) or another non-integer one is named by LF, sentence and token (a float
    array of whole numbers keeps the dtype error: tag ids are not read from floats)."""
    def where(r: int, c: int) -> str:
        s = int(np.searchsorted(off, r, side="right") - 1)
        return f"LF {names[c]!r} at sentence {s}, token {r - off[s]} (row {r})"

    if arr.dtype.kind in "fc":
        bad = ~np.isfinite(arr)
        if bad.any():
            r, c = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(f"sequence votes must be integer tag ids: {where(r, c)} holds "
                             f"{arr[r, c].item()!r} (a missing vote?); use {ABSTAIN} for abstain")
    elif arr.dtype == object:
        def ok(v: Any) -> bool:
            return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

        bad = ~np.frompyfunc(ok, 1, 1)(arr).astype(bool)
        if bad.any():
            r, c = (int(v[0]) for v in np.nonzero(bad))
            v = arr[r, c]
            raise ValueError(f"sequence votes must be integer tag ids: {where(r, c)} holds {v!r} "
                             f"({type(v).__name__}); use {ABSTAIN} for abstain")
        return arr.astype(np.int64)
    raise ValueError(f"sequence votes must be integer tag ids, got dtype {arr.dtype}")


def _load_v0(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The 0.1 file layout (JSON under ``"meta"``); read-only support for one release."""
    meta, arrays = load_npz_v0(path, "meta")
    if meta.get("format") != _FORMAT:
        raise ValueError(f"{path}: not a weaksup SequenceVotes file")
    return meta, arrays
