"""The one container for labeling-function votes.

A :class:`VoteMatrix` holds an ``n × m`` matrix of votes (``n`` examples, ``m``
labeling functions) with ``ABSTAIN = -1`` and classes ``0..k-1``, together with
the LF names and the cardinality ``k``.  It is stored either dense (numpy, the
smallest signed integer dtype that fits) or sparse (scipy CSR).

Sparse storage convention
-------------------------
A sparse VoteMatrix stores ``vote + 1``: an implicit zero is an abstain, a
stored ``1`` is class 0, and so on.  This keeps the zero of sparse formats
meaning "no vote", which is what makes sparse votes cheap.  ``to_sparse()``
returns that shifted CSR matrix; ``to_dense()`` always returns the unshifted
``{-1, 0..k-1}`` array.

Immutability
------------
A VoteMatrix is validated once, when it is built, so its dense votes are stored
read-only (``flags.writeable`` is False): ``to_dense()`` returns that array
without a copy, and writing into it raises instead of silently changing the
matrix (or slipping an out-of-range vote past the checks).  Take
``votes.to_dense().copy()`` to edit, then build a new VoteMatrix from it.  The
constructor copies a writable array it is given, so editing the caller's array
afterwards does not change the VoteMatrix either, and so does a read-only view of
an array something can still write.  Sparse votes are copied the
same way on the way in, and ``to_sparse()`` hands out a copy, so no edit of a
returned or given matrix reaches the stored votes.

Examples
--------
>>> import numpy as np
>>> from weaksup.votes import ABSTAIN, VoteMatrix
>>> votes = VoteMatrix(np.array([[0, ABSTAIN], [1, 1]]), ["lf_a", "lf_b"])
>>> votes.to_sparse().toarray().tolist()  # stored shifted by one: 0 means abstain
[[1, 0], [2, 2]]
>>> votes.to_dense().tolist()
[[0, -1], [1, 1]]
"""

from __future__ import annotations

import mmap
import numbers
import os
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from weaksup._persist import load_npz, load_npz_v0, save_npz
from weaksup._validation import check_vote_range, frame_values, user_stacklevel, vote_bound

ABSTAIN: int = -1

__all__ = ["ABSTAIN", "VoteMatrix", "as_vote_matrix", "check_votes", "smallest_int_dtype"]

_FORMAT = "weaksup.VoteMatrix"


#: Largest class count a VoteMatrix holds: its votes (and their +1 sparse shift) then fit int32.  A label
#: model allocates ``n × k`` (posteriors) and ``m × k`` tables, so a larger ``k`` is a mistake, not a task.
MAX_CARDINALITY = np.iinfo(np.int32).max - 1


def check_cardinality(cardinality: Any, what: str = "cardinality") -> int:
    """``cardinality`` as an int in ``1..MAX_CARDINALITY``, or a ValueError naming ``what``.

    >>> import numpy as np
    >>> from weaksup.votes import check_cardinality
    >>> check_cardinality(np.int64(3))
    3
    >>> check_cardinality(10**12)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cardinality=1000000000000 is more classes than a VoteMatrix holds (at most 2,147,483,646, ...
    """
    if isinstance(cardinality, (bool, np.bool_)) or not isinstance(cardinality, (int, np.integer)) \
            or cardinality < 1:
        raise ValueError(f"{what} must be an int >= 1, got {cardinality!r}")
    if cardinality > MAX_CARDINALITY:
        raise ValueError(f"{what}={cardinality!r} is more classes than a VoteMatrix holds (at most "
                         f"{MAX_CARDINALITY:,}, so votes fit int32; a label model would hold n × {cardinality:,} "
                         f"posteriors). Votes are class ids 0..k-1: map a sparse label set onto 0..k-1 first")
    return int(cardinality)


def smallest_int_dtype(cardinality: int) -> np.dtype:
    """Smallest signed integer dtype that holds ``-1..cardinality`` (the +1 shift included).

    Examples
    --------
    >>> from weaksup.votes import smallest_int_dtype
    >>> smallest_int_dtype(2), smallest_int_dtype(1000)
    (dtype('int8'), dtype('int16'))
    """
    if isinstance(cardinality, (bool, np.bool_)) or not isinstance(cardinality, (int, np.integer)):
        raise TypeError(f"smallest_int_dtype needs an int cardinality (the number of classes), got the "
                        f"{type(cardinality).__name__} {cardinality!r}")
    if cardinality < 0:
        raise ValueError(f"smallest_int_dtype needs a cardinality >= 0, got {cardinality!r}")
    for dt in (np.int8, np.int16, np.int32):
        if cardinality + 1 <= np.iinfo(dt).max:
            return np.dtype(dt)
    return np.dtype(np.int64)


def _frozen(arr: np.ndarray) -> np.ndarray:
    """``arr`` marked read-only: the constructor then keeps it without a copy (internal fresh arrays only)."""
    arr.flags.writeable = False
    return arr


def _is_placeholder(names: Sequence[str]) -> bool:
    """The old rule for names nobody gave (pickles and files from before ``placeholder_names``): ``lf_0 ..``."""
    return list(names) == [f"lf_{j}" for j in range(len(names))]


def _carry(out: VoteMatrix, placeholder: bool, fingerprints: Sequence[str | None] | None = None) -> VoteMatrix:
    """``out`` (rebuilt from another matrix's votes and names) marked as holding made-up names or not, and with
    its LFs' ``fingerprints`` (one per column of ``out``; None: ``out`` keeps its own, see
    :attr:`VoteMatrix.lf_fingerprints`)."""
    out._placeholder_names = bool(placeholder)
    if fingerprints is not None:
        _set_fingerprints(out, fingerprints)
    return out


def _known_fingerprints(fingerprints: Sequence[str | None] | None) -> tuple[str | None, ...] | None:
    """``fingerprints`` as kept on votes: a tuple when one at least is known, else None (nothing stored, so votes
    with none pickle and save exactly as before fingerprints existed)."""
    if fingerprints is None:
        return None
    fps = tuple(None if fp is None else str(fp) for fp in fingerprints)
    return fps if any(fp is not None for fp in fps) else None


def _with_fingerprints(votes: Any, fingerprints: Sequence[str | None] | None) -> Any:
    """A shallow copy of ``votes`` (a VoteMatrix or DaskVotes: the data shared) with ``fingerprints`` set (None
    drops them); a string is refused (it would be read as one fingerprint a character)."""
    if isinstance(fingerprints, (str, bytes)):
        raise TypeError(f"fingerprints must be a sequence (one per LF, None where unknown) or None, got the "
                        f"string {fingerprints!r}")
    out = object.__new__(type(votes))
    out.__dict__.update(votes.__dict__)
    _set_fingerprints(out, None if fingerprints is None else list(fingerprints))
    return out


def _set_fingerprints(out: Any, fingerprints: Sequence[str | None] | None) -> None:
    """Store ``fingerprints`` (one per LF of ``out``, a VoteMatrix or DaskVotes) on ``out``; None or all-None
    stores nothing."""
    fps = _known_fingerprints(fingerprints)
    if fps is not None and len(fps) != len(out.lf_names):
        raise ValueError(f"{len(fps)} LF fingerprints given for {len(out.lf_names)} LFs {out.lf_names[:8]}; give "
                         f"one per LF (None where unknown)")
    if fps is None:
        out.__dict__.pop("_lf_fingerprints", None)
    else:
        out._lf_fingerprints = fps


def _fingerprints_of(votes: Any) -> tuple[str | None, ...] | None:
    """The fingerprints ``votes`` keep (None when none is known, or for votes from before fingerprints)."""
    return votes.__dict__.get("_lf_fingerprints")


def _pick(fps: tuple[str | None, ...] | None, idx: Iterable[int]) -> tuple[str | None, ...] | None:
    """The fingerprints of columns ``idx`` (None stays None)."""
    return None if fps is None else tuple(fps[i] for i in idx)


def merged_fingerprints(parts: Sequence[Any], what: str = "vstack") -> tuple[str | None, ...] | None:
    """The LF fingerprints of row blocks ``parts`` (votes with the same LF names, in the same order) put
    together: each LF's known one; a ValueError naming the LFs whose known fingerprints differ between blocks
    (the LF's code or parameters changed between the applies that made them).  ``what`` names the operation.

    >>> import numpy as np
    >>> from weaksup import VoteMatrix
    >>> from weaksup.votes import merged_fingerprints
    >>> a = VoteMatrix(np.array([[0, 1]]), ["a", "b"]).with_lf_fingerprints(["f1", None])
    >>> b = VoteMatrix(np.array([[1, 1]]), ["a", "b"]).with_lf_fingerprints([None, "f2"])
    >>> merged_fingerprints([a, b])
    ('f1', 'f2')
    """
    known = [(i, fps) for i, fps in enumerate(_fingerprints_of(p) for p in parts) if fps is not None]
    if not known:
        return None
    names = list(parts[0].lf_names)
    out: list[str | None] = [None] * len(names)
    first_block = [0] * len(names)
    changed: list[tuple[str, int, int]] = []
    for i, fps in known:
        for j, fp in enumerate(fps):
            if fp is None:
                continue
            if out[j] is None:
                out[j], first_block[j] = fp, i
            elif fp != out[j] and not any(name == names[j] for name, _, _ in changed):
                changed.append((names[j], first_block[j], i))
    if changed:
        shown = ", ".join(f"{name!r} (blocks {a} and {b})" for name, a, b in changed[:8])
        more = f" and {len(changed) - 8} more" if len(changed) > 8 else ""
        raise ValueError(
            f"{what}: the votes of LF(s) {shown}{more} were made by different versions of the LF: its code or "
            f"parameters changed between the two applies, so the rows would mix two LFs under one name. Re-apply "
            f"every row with the current LF (LFApplier(lfs).apply(all_rows)); or, if the change does not matter "
            f"(a comment, a refactoring), drop the fingerprints first: votes.with_lf_fingerprints(None) on each "
            f"block")
    return tuple(out)


def _safe_readonly(arr: np.ndarray) -> bool:
    """Whether nothing can write to ``arr``'s memory any more: every array down its ``base`` chain is read-only
    and the memory at the end belongs to one of them, or is ``bytes`` or a read-only mmap (``np.memmap(...,
    mode='r')``).  A read-only *view* of a writable array is not: writing the base would change the votes."""
    b: Any = arr
    while isinstance(b, np.ndarray):
        if b.flags.writeable:
            return False
        if b.base is None:
            return True
        b = b.base
    if isinstance(b, bytes):
        return True
    if isinstance(b, mmap.mmap):
        with memoryview(b) as view:
            return view.readonly
    return False


def _lf_label(lf_names: Sequence[str] | None, c: int) -> str:
    """How errors name vote column ``c``: its LF name when known, else ``column c``."""
    return lf_names[c] if lf_names is not None and c < len(lf_names) else f"column {c}"


_MISSING_TYPES = ("NoneType", "NAType", "NaTType")  # None, pandas.NA, pandas.NaT: read as NaN


def _object_votes(arr: np.ndarray, lf_names: Sequence[str] | None) -> np.ndarray:
    """Object-dtype votes (a frame of nullable ``Int64`` columns, mixed columns) as float64.

    Numbers pass; a missing cell (``None``, ``pd.NA``) becomes NaN, which the float check then names (LF, row)
    as for a float array.  A string or bytes cell (``'1'``), a boolean or another object is refused with its
    LF and row: a ``'<U'`` array of the same strings is refused too, and a bool array, so neither is read here.
    """
    kinds: dict[type, str] = {}
    for t in set(map(type, arr.ravel(order="K"))):  # K: no copy of a frame's column-major array
        if t.__name__ in _MISSING_TYPES:
            kinds[t] = "missing"
        elif issubclass(t, (str, bytes, np.str_, np.bytes_)):
            kinds[t] = "text"
        elif issubclass(t, (bool, np.bool_)):
            kinds[t] = "bool"
        elif not (issubclass(t, numbers.Real) or (issubclass(t, numbers.Number)
                                                   and not issubclass(t, numbers.Complex))):
            kinds[t] = "other"
    bad = {t for t, kind in kinds.items() if kind != "missing"}
    if bad:
        hit = np.frompyfunc(lambda v: type(v) in bad, 1, 1)(arr).astype(bool)
        r, c = (int(v[0]) for v in np.nonzero(hit))
        v = arr[r, c]
        what = {"text": f"the {type(v).__name__} {v!r} (votes are numbers, not text: convert the column first, "
                        f"e.g. df[col].astype(int) or a label-name mapping)",
                "bool": f"the boolean {v!r} (a boolean is not a class id: pass ints)"}.get(
            kinds[type(v)], f"a {type(v).__name__} ({v!r:.60})")
        raise ValueError(f"votes must be integers in {{-1, 0..k-1}}: LF {_lf_label(lf_names, c)!r}, row {r} "
                         f"holds {what}")
    if kinds:  # only missing cells among the non-numbers
        missing = tuple(kinds)
        arr = arr.copy()
        arr[np.frompyfunc(lambda v: isinstance(v, missing), 1, 1)(arr).astype(bool)] = np.nan
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as exc:  # e.g. a Decimal too large for a float
        raise ValueError(f"votes must be integers in {{-1, 0..k-1}}: {exc}") from exc


def _columnar_as_pandas(data: Any) -> Any:
    """A polars DataFrame or a pyarrow Table / RecordBatch as a pandas DataFrame, so its column names are the LF
    names exactly as a pandas frame's are (read by position, they were lost and reordered columns went unnoticed);
    any other ``data`` as is.  Nulls arrive as NaN or None, which the vote checks then name."""
    module = type(data).__module__
    if module.startswith("polars") and hasattr(data, "columns") and hasattr(data, "to_pandas"):
        return data.to_pandas()
    if module.startswith("pyarrow") and hasattr(data, "column_names") and hasattr(data, "to_pandas"):
        return data.to_pandas()
    return data


def _refuse_records(data: Any, arr: np.ndarray) -> None:
    """Records (a list of ``{LF name: vote}`` dicts, a Hugging Face ``datasets.Dataset``) are not votes: say so
    and how to pass them, instead of "got shape (n,)"."""
    if type(data).__module__.split(".")[0] == "datasets" and hasattr(data, "to_pandas"):
        raise ValueError(f"votes are a Hugging Face datasets.{type(data).__name__} of {len(data)} rows, which is "
                         f"not read as votes: pass dataset.to_pandas() (its columns become the LF names)")
    if arr.ndim == 1 and arr.dtype == object and arr.size and isinstance(arr[0], Mapping):
        raise ValueError(f"votes are records (a list of {arr.size} {{LF name: vote}} dicts), which are not read as "
                         f"votes: pass pd.DataFrame(records) (its columns become the LF names) or an n×m array")


def _refuse_masked(data: np.ma.MaskedArray, lf_names: Sequence[str] | None, what: str = "votes",
                   expected: str = "votes must be a 2-D n×m array of -1 (abstain) and 0..k-1") -> None:
    """A numpy masked array with masked cells: ``np.asarray`` would read each masked cell as the value hidden
    under the mask.  Refused, as NaN is, rather than read as abstain: a mask may mean "unknown", not "no vote".
    ``what`` names the votes (``"sequence votes"``), ``expected`` what a non-2-D one should be instead."""
    mask = np.ma.getmaskarray(data)
    if not mask.any():
        return
    if mask.ndim != 2:
        raise ValueError(f"{what} are a masked array of shape {mask.shape} with {int(mask.sum())} masked cell(s); "
                         f"{expected}")
    r, c = (int(v[0]) for v in np.nonzero(mask))
    name = repr(lf_names[c]) if lf_names is not None and c < len(lf_names) else repr(f"column {c}")
    raise ValueError(f"{what} are a numpy masked array with {int(mask.sum())} masked cell(s) (first: LF "
                     f"{name}, row {r}); a masked cell is not read as a vote or an abstain. "
                     f"If masked means abstain, pass np.ma.filled(votes, {ABSTAIN})")


def _refuse_ragged(data: Any) -> None:
    """Rows of different lengths (a ragged list of rows): name the first row whose length differs from row 0's."""
    try:
        lengths = [len(row) for row in data]
    except TypeError:
        return  # a mix of rows and scalars: numpy's own message
    for i, size in enumerate(lengths):
        if size != lengths[0]:
            raise ValueError(f"votes row {i} has {size} entries, row 0 has {lengths[0]}: votes are an n×m array, "
                             f"one vote per LF on every row (-1 to abstain)")


def _as_int_array(data: Any, lf_names: Sequence[str] | None = None) -> np.ndarray:
    if isinstance(data, np.ma.MaskedArray):
        _refuse_masked(data, lf_names)
        data = data.data
    elif isinstance(data, Iterator):
        data = list(data)  # a generator of rows: np.asarray would make a 0-d object array of it
    try:
        arr = np.asarray(data)
    except ValueError:
        if isinstance(data, (list, tuple)):
            _refuse_ragged(data)
        raise
    if arr.dtype == object and arr.ndim == 1 and isinstance(data, (list, tuple)) and arr.size \
            and all(isinstance(row, (list, tuple, np.ndarray)) for row in data):
        _refuse_ragged(data)  # older numpy makes a 1-D object array of ragged rows
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape(0, 0)
    if arr.ndim != 2:
        _refuse_records(data, arr)
        raise ValueError(f"votes must be a 2-D n×m array, got shape {arr.shape}")
    if arr.dtype.kind == "b":
        raise ValueError("votes must be integers in {-1, 0..k-1}, got a boolean array")
    if arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            r, c = (int(v[0]) for v in np.nonzero(~np.isfinite(arr)))
            name = lf_names[c] if lf_names is not None and c < len(lf_names) else f"column {c}"
            what = "NaN" if np.isnan(arr[r, c]) else repr(arr[r, c].item())
            raise ValueError(f"votes contain {what} (LF {name!r}, row {r}); use -1 for abstain")
        if not np.all(arr == np.round(arr)):
            mask = arr != np.round(arr)
            r, c = (int(v[0]) for v in np.nonzero(mask))
            name = lf_names[c] if lf_names is not None and c < len(lf_names) else f"column {c}"
            raise ValueError(f"votes must be integers: LF {name!r}, row {r} has {arr[r, c].item()!r}")
        huge = np.abs(arr) >= 2.0 ** 63  # astype(np.int64) would wrap it: report the value given
        if huge.any():
            r, c = (int(v[0]) for v in np.nonzero(huge))
            who = f"LF {lf_names[c]!r} (column {c})" if lf_names is not None and c < len(lf_names) else f"column {c}"
            raise ValueError(f"vote {arr[r, c].item()!r} from {who} at row {r} is out of range: votes are class ids "
                             f"0..k-1, or -1 to abstain")
        return arr.astype(np.int64)
    if arr.dtype == object:
        return _as_int_array(_object_votes(arr, lf_names), lf_names)
    raise ValueError(f"votes must be integers in {{-1, 0..k-1}}, got dtype {arr.dtype}")


#: Largest class count inferred from the votes; past it (a stray huge vote) ``cardinality=`` must be given.
MAX_INFERRED_CARDINALITY = 1 << 16


def wrapped_abstain(dtype: Any, vmax: int) -> str | None:
    """Why votes of unsigned ``dtype`` whose largest value is ``vmax`` look like -1 (abstain) cast to it, else None.

    -1 cast to an unsigned type wraps to the type's maximum (uint8 255, uint16 65535): read as a class it would
    add classes.  Only asked when the class count is inferred; with ``cardinality=`` the range check decides.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "u" or vmax != np.iinfo(dtype).max:
        return None
    return (f"votes of dtype {dtype} hold {vmax}, its largest value: -1 (abstain) cast to {dtype}? Votes are -1 "
            f"for abstain and 0..k-1: keep them in a signed dtype (int8, int16), or pass cardinality= if "
            f"{vmax + 1} classes are intended")


def _largest_vote_cell(mat: Any) -> tuple[int, int]:
    """(row, column) of the largest vote of a dense, sparse or Dask matrix (Dask: computed on the cluster)."""
    if sp.issparse(mat):
        coo = mat.tocoo()
        i = int(np.argmax(coo.data))
        return int(coo.row[i]), int(coo.col[i])
    r, c = (int(v) for v in np.unravel_index(int(np.argmax(mat)), mat.shape))
    return r, c


def _refuse_inferred(mat: Any, vmax: int, names: Sequence[str]) -> None:
    r, c = _largest_vote_cell(mat)
    raise ValueError(f"vote {vmax} from LF {names[c]!r} (column {c}) at row {r} would make {vmax + 1} classes; "
                     f"votes are class ids 0..k-1 (or -1 to abstain). Pass cardinality= explicitly if "
                     f"{vmax + 1} classes are intended")


#: An inferred class count past this and past half the rows is warned about (a row id or index column read as
#: votes gives k = n): a class needs rows, and few tasks have this many classes.
_PLAUSIBLE_INFERRED = 100


def _warn_inferred(mat: Any, vmax: int, names: Sequence[str], n: int) -> None:
    r, c = _largest_vote_cell(mat)
    warnings.warn(f"cardinality inferred as {vmax + 1} from vote {vmax} of LF {names[c]!r} (column {c}) at row {r}: "
                  f"more classes than half the {n} rows. Is that column a row id or an index rather than votes? "
                  f"Drop it, or pass cardinality= to say how many classes there are", UserWarning,
                  stacklevel=user_stacklevel())


def _refuse_raw_sparse(mat: sp.csr_matrix, lf_names: Sequence[str] | None) -> None:
    """A sparse matrix with stored negative values is in the raw ``{-1, 0..k-1}`` convention, not the
    shifted one sparse votes use: refuse it with the fix, never read it shifted (class c as c-1)."""
    coo = mat.tocoo()
    i = int(np.argmin(coo.data))
    r, c, v = int(coo.row[i]), int(coo.col[i]), coo.data[i].item()
    name = repr(lf_names[c]) if lf_names is not None and c < len(lf_names) else f"column {c}"
    raise ValueError(
        f"sparse votes store the value {v!r} (LF {name}, row {r}): they look like raw votes {{-1, 0..k-1}}, "
        f"but a scipy sparse vote matrix is read in the shifted convention (stored vote + 1, an implicit zero "
        f"is an abstain). Pass raw votes as a dense array (S.toarray()), or shift them first "
        f"(VoteMatrix(dense).to_sparse() gives the shifted form); raw sparse votes with explicit class-0 entries "
        f"and no stored abstains: VoteMatrix(S, shifted=False)")


def _check_names(lf_names: Any) -> list[str]:
    """``lf_names`` as a list of str; a name of another type (a list, None, a number) is refused by position.

    A DataFrame's integer column labels are named ``lf_<c>`` before this (see :class:`VoteMatrix`); a name given
    explicitly must be a string, so ``['a', None]`` is not silently read as the LF ``'None'``.
    """
    if not isinstance(lf_names, Iterable):
        raise TypeError(f"lf_names must be a sequence of str, one per LF column, got {type(lf_names).__name__}")
    names = list(lf_names)
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(f"lf_names[{i}] is {name!r} ({type(name).__name__}); LF names are str "
                            f"(pass [str(name) for name in lf_names] to use these as names)")
    return [str(name) for name in names]  # np.str_ -> str


def _match_names(own: list[str], given: Any, what: str) -> tuple[list[str], list[int] | None]:
    """``lf_names=`` given for votes whose columns already carry the LF names ``own``: the names and the column
    positions to take (None: keep the columns as they are).

    The same names in another order select the columns by name (a frame read back from a file, a list of LFs in
    another order); other names are refused, listing both, as renaming by position would give each LF another's
    votes.  Default names (``lf_0 .. lf_{m-1}``) are positions, not LF names: those columns are renamed (by
    the pattern, not by ``placeholder_names``: files and callers may pass such names explicitly).
    """
    names = _check_names(given)
    if names == own or _is_placeholder(own):
        return names, None
    if len(names) == len(own) and len(set(names)) == len(names) and set(names) == set(own):
        return names, [own.index(name) for name in names]
    raise ValueError(f"lf_names={names} do not match the LF names the {what} already holds, {own}: each LF would "
                     f"get another LF's votes by position. Pass lf_names=None to keep the {what}'s names, the same "
                     f"names in any order to reorder its columns, or rename them first (e.g. "
                     f"frame.rename(columns=...)) if they are to be renamed")


_UNNAMED = re.compile(r"Unnamed: \d+")


def _refuse_index_column(columns: Any, lf_names: Any) -> None:
    """A column pandas named ``Unnamed: N`` (a header cell left empty: almost always the row index that
    ``DataFrame.to_csv`` writes) is not an LF; it would add an LF and, read as votes, ``n`` classes."""
    given = set(lf_names) if lf_names is not None and not isinstance(lf_names, (str, bytes)) else set()
    for c in columns:
        if isinstance(c, str) and _UNNAMED.fullmatch(c) and c not in given:
            raise ValueError(f"DataFrame column {c!r} is pandas' name for a column without a header, usually the "
                             f"row index DataFrame.to_csv() writes, not an LF: read the file with "
                             f"pd.read_csv(..., index_col=0), or drop it (frame.drop(columns=[{c!r}]))")


def _check_sparse_floats(mat: sp.csr_matrix, lf_names: Sequence[str] | None, shifted: bool) -> None:
    """Float sparse votes hold finite integers: else a ValueError naming the LF and row, as for dense votes."""
    data = mat.data
    bad = ~np.isfinite(data) | (data != np.round(data))
    if not bad.any():
        return
    coo = mat.tocoo()
    i = int(np.nonzero(~np.isfinite(coo.data) | (coo.data != np.round(coo.data)))[0][0])
    r, c, v = int(coo.row[i]), int(coo.col[i]), coo.data[i].item()
    what = "NaN" if np.isnan(v) else repr(v)
    stored = "vote + 1" if shifted else "votes"
    raise ValueError(f"sparse votes must hold integers ({stored}): LF {_lf_label(lf_names, c)!r}, row {r} holds "
                     f"{what}")


def lf_indices(lf_names: Sequence[str], lfs: Iterable[str | int] | Any, *, check_range: bool = False) -> list[int]:
    """Column positions for LF names, positions or a boolean mask, in the order given.

    ``lfs`` holds LF names and/or positions (negative ones count from the end, as in numpy), or is a boolean
    mask with one entry per LF (a list of bools or a numpy/pandas boolean array): the LFs where it is True, in
    column order, as ``votes[:, mask]`` would select.  An unknown name is a KeyError listing the names, a mask
    of the wrong length an IndexError; with ``check_range`` a position outside ``-m..m-1`` is an IndexError too
    (without it the caller checks positions with its own message).  A pandas boolean Series indexed by LF names
    (``summary["Coverage"] > 0.3``) is aligned by its index, not read by position: its index must hold each LF
    name once (a KeyError names the unknown or missing ones).

    >>> from weaksup.votes import lf_indices
    >>> lf_indices(["a", "b", "c"], ["c", 0, -1])
    [2, 0, -1]
    >>> lf_indices(["a", "b", "c"], [True, False, True])
    [0, 2]
    """
    names = list(lf_names)
    m = len(names)
    if isinstance(lfs, (str, bytes)):
        raise TypeError(f"LFs to select must be a list of names or positions, got the string {lfs!r} "
                        f"(write [{lfs!r}] for one LF)")
    if type(lfs).__module__.startswith("pandas") and hasattr(lfs, "index") and getattr(lfs, "ndim", 0) == 1 \
            and getattr(lfs.dtype, "kind", "") == "b" and any(isinstance(key, str) for key in lfs.index):
        lfs = _align_mask(names, lfs)
    keys = list(lfs)
    is_bool = [isinstance(key, (bool, np.bool_)) for key in keys]
    if any(is_bool):
        if not all(is_bool):
            i = is_bool.index(True)
            raise TypeError(f"LF selection mixes booleans with names or positions (entry {i} is {keys[i]!r}): "
                            f"pass a boolean mask of {m} entries (one per LF) or a list of names/positions")
        if len(keys) != m:
            raise IndexError(f"boolean LF mask has {len(keys)} entries for {m} LFs; a mask needs one entry per "
                             f"LF")
        return [j for j, keep in enumerate(keys) if keep]
    idx = []
    for key in keys:
        if isinstance(key, (int, np.integer)):
            if check_range and not -m <= key < m:
                raise IndexError(f"no LF at position {int(key)}: there are {m} LFs (0..{m - 1}); -{m}..-1 count "
                                 f"from the end")
            idx.append(int(key))
        else:
            try:
                idx.append(names.index(key))
            except ValueError:
                raise KeyError(f"no LF named {key!r}; have {names}") from None
    return idx


def _align_mask(names: list[str], mask: Any) -> list[bool]:
    """A boolean Series indexed by LF names as a mask in ``names``' order (a KeyError if its index differs)."""
    index = list(mask.index)
    unknown = [key for key in index if key not in set(names)]
    missing = [name for name in names if name not in set(index)]
    dups = sorted({key for key, count in Counter(index).items() if count > 1}, key=str)
    if unknown or missing or dups:
        what = "; ".join(part for part in (f"unknown LFs {unknown[:5]}" if unknown else "",
                                           f"missing LFs {missing[:5]}" if missing else "",
                                           f"repeated {dups[:5]}" if dups else "") if part)
        raise KeyError(f"the boolean LF mask is a Series indexed by LF names, which do not match these LFs ({what}); "
                       f"its index needs each of the {len(names)} LF names once (or pass mask.to_numpy() to select "
                       f"by position)")
    return [bool(mask[name]) for name in names]


class VoteMatrix:
    """Votes of ``m`` labeling functions on ``n`` examples.

    Parameters
    ----------
    data : array-like of shape (n, m), scipy sparse matrix, or VoteMatrix
        Dense votes in ``{-1, 0..k-1}``, or a sparse matrix already in the
        shifted ``vote + 1`` convention (see module docstring).  Pass
        ``shifted=False`` for a sparse matrix holding raw votes with explicitly
        stored zeros and no stored abstains.
    lf_names : sequence of str, optional
        One unique name per column; defaults to ``lf_0 .. lf_{m-1}``.  A bare string is refused
        (it would be split into one-letter names), and so is a name that is not a str (``None``, a
        list, a number), by its position.  A DataFrame's column labels are the names (integer
        labels become ``lf_<c>``).  When ``data`` already names its LFs (a DataFrame with str column
        labels, a VoteMatrix), ``lf_names`` must hold the same names: in another order, the columns
        are selected by name in that order; other names are a ValueError listing both (renaming by
        position would give each LF another's votes); so must a frame whose labels mix integers and
        strings.  Default names ``lf_0 .. lf_{m-1}`` (columns known only by position) are renamed as
        given.  A polars DataFrame or a pyarrow Table is read as the pandas DataFrame of the same columns
        (``.to_pandas()``), a Dask DataFrame as its computed pandas frame: its column names are the LF names.
        A column pandas named ``Unnamed: N`` (the index ``to_csv()`` writes, read back) is refused.
    cardinality : int, optional
        Number of classes ``k``; inferred as ``max(vote) + 1`` (at least 2), with a warning naming
        the LF when that is over 100 and over half the rows (a row id read as votes).  At most
        ``2**31 - 2``, so votes fit int32.
    shifted : bool, default True
        Read a scipy sparse ``data`` as shifted votes (stored value ``vote + 1``, an implicit zero an abstain);
        a stored negative value is then refused.  ``False``: its stored entries are raw votes (an explicitly
        stored 0 is a class-0 vote) and one is added to each; an entry not stored is still an abstain.
        Ignored for dense ``data`` and for a VoteMatrix.

    Attributes
    ----------
    placeholder_names : bool
        True when nobody named the LFs: the votes came without names (a plain or
        sparse array, an integer-labelled DataFrame) and ``lf_names`` are the
        made-up ``lf_0 .. lf_{m-1}``, so they are positions, not LF names.  LFs
        really named ``lf_0, lf_1`` give False.  Row subsets, :meth:`select_lfs`,
        pickles and :meth:`save`/:meth:`load` keep it; :meth:`hstack` and
        :meth:`vstack` give True only when every part's names were made up (a
        column appended by name makes it False).  Pickles and files from before
        it fall back to the old rule, names equal to ``lf_0 .. lf_{m-1}``.
    lf_fingerprints : tuple of str or None
        One entry per LF: the fingerprint of the LF's code and parameters
        (:meth:`LabelingFunction.fingerprint <weaksup.lf.LabelingFunction.fingerprint>`) as the applier
        ran it, or None where unknown (votes built from arrays or frames, an LF whose state its
        fingerprint cannot prove).  Kept by row subsets, :meth:`select_lfs`, :meth:`hstack`,
        :meth:`vstack`, pickles and :meth:`save`/:meth:`load` (older pickles and files: all None).
        :meth:`vstack` refuses blocks whose known fingerprints of one LF differ (the LF was edited
        between two applies), and a label model warns when it predicts on votes of another version of
        an LF than it was fitted on.  :meth:`with_lf_fingerprints` sets or drops them.  Not part of
        ``==`` nor of the repr.

    Notes
    -----
    Dense votes are stored read-only; a writable array passed in is copied, and
    so is a read-only view of memory something can still write (a read-only
    view of a writable array); an array that owns its memory and is read-only,
    or a read-only ``np.memmap``, is kept as is (see the module docstring,
    "Immutability").

    A numpy masked array with masked cells is refused (a mask may mean unknown,
    not abstain): pass ``np.ma.filled(votes, -1)`` if masked means abstain.

    Object arrays (a DataFrame of mixed columns) are read cell by cell: numbers
    pass, a missing cell (``None``, ``pd.NA``) is refused like NaN, and a string,
    bytes or boolean cell is refused naming its LF and row (``'1'`` is not read
    as the vote 1, as a ``'<U'`` array of it is refused too).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup import VoteMatrix
    >>> L = VoteMatrix(np.array([[0, -1], [1, 1]]), lf_names=["a", "b"])
    >>> L.shape, L.cardinality, L.coverage().tolist()
    ((2, 2), 2, [1.0, 0.5])
    >>> L.to_sparse().toarray().tolist()  # shifted: 0 = abstain
    [[1, 0], [2, 2]]
    >>> L.placeholder_names, VoteMatrix(np.array([[0, 1]])).placeholder_names
    (False, True)
    >>> VoteMatrix(np.array([[0, 1]]), ["lf_0", "lf_1"]).placeholder_names  # given names, though lf_0 ..
    False
    """

    __array_priority__ = 10

    def __init__(
        self,
        data: Any,
        lf_names: Sequence[str] | None = None,
        cardinality: int | None = None,
        *,
        shifted: bool = True,
    ) -> None:
        if isinstance(lf_names, (str, bytes)):
            raise TypeError(f"lf_names must be a sequence of names, one per LF column, got the string "
                            f"{lf_names!r} (write [{lf_names!r}] for a single LF)")
        # names nobody gave (lf_0 ..): a plain array's, or an integer-labelled frame's; see placeholder_names
        placeholder = lf_names is None
        fingerprints = None  # a VoteMatrix's, column by column (see lf_fingerprints)
        if isinstance(data, VoteMatrix):
            cardinality = data.cardinality if cardinality is None else cardinality
            take = None
            if lf_names is None:
                lf_names = data.lf_names
                placeholder = data.placeholder_names
            else:
                lf_names, take = _match_names(list(data.lf_names), lf_names, "VoteMatrix")
            fingerprints = _fingerprints_of(data) if take is None else _pick(_fingerprints_of(data), take)
            data = data._data if take is None else data._data[:, take]
        else:
            data = _columnar_as_pandas(data)
            if type(data).__module__.startswith("dask") and hasattr(data, "columns") and hasattr(data, "compute"):
                data = data.compute()  # a Dask DataFrame: gathered as pandas, so its column names stay the LF names
        if type(data).__module__.startswith("pandas") and hasattr(data, "columns"):
            # a DataFrame's column labels are its LF names (so label models can match them; a polars frame or a
            # pyarrow Table arrives here as pandas, so its names are read the same way); integer
            # labels (a frame built from an array) are column positions: name them lf_<position> as a
            # plain array would be, so df[[2, 0, 1]] still names each LF by its original column
            own = [f"lf_{c}" if isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
                   else str(c) for c in data.columns]
            _refuse_index_column(data.columns, lf_names)
            if lf_names is None:
                lf_names = own
                placeholder = all(name == f"lf_{c}" for name, c in zip(own, data.columns))
            elif any(isinstance(c, str) for c in data.columns):
                # string labels (all or some) are LF names: lf_names= picks the columns by name, never renames
                # by position (a frame mixing 0 and 'kw_good' would give 'kw_good' column 0's votes)
                lf_names, take = _match_names(own, lf_names, "DataFrame")
                if take is not None:
                    data = data.iloc[:, take]
            data = frame_values(data)
        if sp.issparse(data):
            if data.dtype == bool:
                raise ValueError("votes must be integers in {-1, 0..k-1}, got a boolean sparse matrix (a stored "
                                 "True would read as a class-0 vote): pass class ids, shifted by one")
            if data.ndim != 2:
                raise ValueError(f"votes must be a 2-D n×m matrix, got a {data.ndim}-D sparse {type(data).__name__} "
                                 f"of shape {data.shape}")
            if data.dtype.kind not in "iuf":
                raise ValueError(f"votes must be integers in {{-1, 0..k-1}}, got a sparse matrix of dtype "
                                 f"{data.dtype}")
            mat = sp.csr_matrix(data)
            if shifted and mat.nnz and mat.data.min() < 0:
                _refuse_raw_sparse(mat, lf_names)
            if mat.nnz and mat.dtype.kind == "u" and cardinality is None:
                # the dense rule: an unsigned dtype's largest value looks like -1 (abstain) cast to it
                wrapped = wrapped_abstain(mat.dtype, int(mat.data.max()))
                if wrapped is not None:
                    raise ValueError(f"sparse {wrapped}")
            if mat.nnz and mat.dtype.kind == "f":
                _check_sparse_floats(mat, lf_names, shifted)
            if not shifted:
                mat = mat.copy()
                # integers widened first: 127 + 1 in int8 (255 + 1 in uint8) would wrap
                mat.data = (mat.data.astype(np.int64) if mat.dtype.kind in "iu" else mat.data) + 1
            n, m = mat.shape
        else:
            given = data
            mat = _as_int_array(data, lf_names)
            n, m = mat.shape
        names = [f"lf_{j}" for j in range(m)] if lf_names is None else _check_names(lf_names)
        if len(names) != m:
            raise ValueError(f"{len(names)} LF names given for {m} vote columns")
        dups = sorted(name for name, count in Counter(names).items() if count > 1)
        if dups:
            raise ValueError(f"duplicate LF names: {dups}")
        if sp.issparse(mat):
            vmax = int(mat.data.max()) - 1 if mat.nnz else -1
            vmin = int(mat.data.min()) - 1 if mat.nnz else 0
        else:
            vmax = int(mat.max()) if mat.size else -1
            vmin = int(mat.min()) if mat.size else 0
        if cardinality is None:
            if vmax + 1 > MAX_INFERRED_CARDINALITY:
                _refuse_inferred(mat, vmax, names)
            src = getattr(given, "dtype", None) if not sp.issparse(mat) else None
            wrapped = wrapped_abstain(src, vmax) if src is not None and vmin >= 0 else None
            if wrapped is not None:
                raise ValueError(wrapped)
            cardinality = max(2, vmax + 1)
            if cardinality > _PLAUSIBLE_INFERRED and cardinality > n / 2:
                _warn_inferred(mat, vmax, names, n)
        cardinality = check_cardinality(cardinality)
        if vmax >= cardinality or vmin < ABSTAIN:
            if sp.issparse(mat):
                coo = mat.tocoo()
                bad = (coo.data - 1 >= cardinality) | (coo.data - 1 < ABSTAIN)
                i = int(np.nonzero(bad)[0][0])
                r, c, v = int(coo.row[i]), int(coo.col[i]), int(coo.data[i]) - 1
                raise ValueError(
                    f"vote {v} out of range ({vote_bound(cardinality)}) from LF {names[c]!r} "
                    f"(column {c}) at row {r}; {int(bad.sum())} offending vote(s) in total"
                )
            check_vote_range(mat, cardinality, names)
        dtype = smallest_int_dtype(cardinality)
        if sp.issparse(mat):
            mat = mat.astype(dtype)
            mat.eliminate_zeros()
        else:
            mat = np.ascontiguousarray(mat, dtype=dtype)
            # never alias an array the caller can still write to (it would bypass the checks above)
            if mat.flags.writeable and isinstance(given, np.ndarray) and np.may_share_memory(mat, given):
                mat = mat.copy()
            elif mat.flags.writeable and not isinstance(given, np.ndarray) and mat.base is not None:
                mat = mat.copy()  # a view into another object's buffer (np.asarray of a tensor, ...)
            elif not mat.flags.writeable and not _safe_readonly(mat):
                mat = mat.copy()  # a read-only view of memory someone can still write (base.flags.writeable)
            mat.flags.writeable = False
        self._data: np.ndarray | sp.csr_matrix = mat
        self.lf_names: list[str] = names
        self.cardinality: int = cardinality
        self._placeholder_names: bool = bool(placeholder)
        if fingerprints is not None:  # stored only when known: votes without pickle and save as before
            self._lf_fingerprints: tuple[str | None, ...] = fingerprints
        self.report: Any = None  # ApplyReport attached by appliers

    # ------------------------------------------------------------------ basics
    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self._data.shape)  # type: ignore[return-value]

    @property
    def n(self) -> int:
        return self._data.shape[0]

    @property
    def m(self) -> int:
        return self._data.shape[1]

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self._data)

    @property
    def placeholder_names(self) -> bool:
        """Whether nobody named these LFs: ``lf_names`` are the made-up ``lf_0 ..`` (see the class docstring)."""
        flag = self.__dict__.get("_placeholder_names")
        return _is_placeholder(self.lf_names) if flag is None else flag

    @property
    def lf_fingerprints(self) -> tuple[str | None, ...]:
        """Each LF's fingerprint as the applier ran it, None where unknown (see the class docstring)."""
        fps = _fingerprints_of(self)
        return (None,) * self.m if fps is None else fps

    def with_lf_fingerprints(self, fingerprints: Sequence[str | None] | None) -> VoteMatrix:
        """The same votes with ``fingerprints`` as :attr:`lf_fingerprints` (one per LF, None where unknown);
        ``None`` drops them all, e.g. to :meth:`vstack` votes of an LF edited in a way that does not change
        its votes (the data is shared, not copied).

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> L = VoteMatrix(np.array([[0, 1]]), ["a", "b"]).with_lf_fingerprints(["3f2a", None])
        >>> L.lf_fingerprints, L.with_lf_fingerprints(None).lf_fingerprints
        (('3f2a', None), (None, None))
        """
        return _with_fingerprints(self, fingerprints)

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        kind = "sparse" if self.is_sparse else "dense"
        return (
            f"VoteMatrix(n={self.n}, m={self.m}, cardinality={self.cardinality}, {kind}, "
            f"coverage={self.total_coverage():.3f})"
        )

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.to_dense()
        if dtype is not None and np.dtype(dtype) != arr.dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VoteMatrix):
            return NotImplemented
        return (
            self.shape == other.shape
            and self.lf_names == other.lf_names
            and self.cardinality == other.cardinality
            and np.array_equal(self.to_dense(), other.to_dense())
        )

    __hash__ = None  # type: ignore[assignment]

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle or deepcopy rebuilds the array writable: freeze it again, as the constructor does
        self.__dict__.update(state)
        if "_placeholder_names" not in state:  # pickled before placeholder_names: the old pattern rule
            self._placeholder_names = _is_placeholder(self.lf_names)
        if isinstance(self._data, np.ndarray):
            self._data.flags.writeable = False

    # ------------------------------------------------------------ conversions
    def to_dense(self) -> np.ndarray:
        """The ``n × m`` array of votes in ``{-1, 0..k-1}`` (smallest int dtype), read-only.

        Dense storage returns the stored array itself (no copy), so it cannot be written to;
        ``votes.to_dense().copy()`` gives an array to edit.  Sparse storage returns a new array,
        read-only as well, so code behaves the same on both.

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> L = VoteMatrix(np.array([[0, -1], [1, 1]]))
        >>> L.to_dense().flags.writeable
        False
        >>> edited = L.to_dense().copy()
        >>> edited[edited == 0] = -1
        >>> L.to_dense().tolist(), edited.tolist()
        ([[0, -1], [1, 1]], [[-1, -1], [1, 1]])
        """
        if self.is_sparse:
            out = self._data.toarray()  # type: ignore[union-attr]
            out -= 1
            return _frozen(out)
        return self._data  # type: ignore[return-value]

    def to_sparse(self) -> sp.csr_matrix:
        """CSR matrix of ``vote + 1`` (implicit zero = abstain), a new matrix the caller may edit.

        Sparse storage returns a copy, so editing the result never changes these votes
        (dense storage is protected the same way: :meth:`to_dense` is read-only).

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> L = VoteMatrix(np.array([[0, -1], [1, 1]])).as_sparse()
        >>> S = L.to_sparse()
        >>> S.data[:] = 1
        >>> L.to_dense().tolist()
        [[0, -1], [1, 1]]
        """
        if self.is_sparse:
            return self._data.copy()  # type: ignore[union-attr]
        return self._csr()

    def _csr(self) -> sp.csr_matrix:
        """The shifted CSR votes for reading inside weaksup: sparse storage itself, no copy."""
        if self.is_sparse:
            return self._data  # type: ignore[return-value]
        shifted = self._data.astype(self._data.dtype) + 1  # type: ignore[union-attr]
        mat = sp.csr_matrix(shifted)
        mat.eliminate_zeros()
        return mat

    def as_sparse(self) -> VoteMatrix:
        """The same votes stored sparse."""
        return _carry(VoteMatrix(self._csr(), self.lf_names, self.cardinality), self.placeholder_names,
                      _fingerprints_of(self))

    def as_dense(self) -> VoteMatrix:
        """The same votes stored dense."""
        return _carry(VoteMatrix(self.to_dense(), self.lf_names, self.cardinality), self.placeholder_names,
                      _fingerprints_of(self))

    def to_snorkel(self) -> np.ndarray:
        """A snorkel ``L`` matrix (dense int64 array, -1 = abstain)."""
        return self.to_dense().astype(np.int64)

    @classmethod
    def from_snorkel(
        cls, L: Any, lf_names: Sequence[str] | None = None, cardinality: int | None = None
    ) -> VoteMatrix:
        """Wrap a snorkel ``L`` matrix (dense, -1 = abstain)."""
        return cls(np.asarray(L), lf_names, cardinality)

    def indicator(self) -> sp.csr_matrix:
        """Sparse one-hot ``n × (m·k)`` float64 CSR: column ``j·k + c`` is 1 iff LF ``j`` voted ``c``.

        Built directly from the non-abstain entries, so its size is proportional
        to the number of votes, never ``n·m·k``.  The label models' statistics
        (:mod:`weaksup.labelmodel._stats`) use this one implementation.

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> VoteMatrix(np.array([[1, -1], [0, 1]])).indicator().toarray().tolist()
        [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0]]
        """
        k = self.cardinality
        if self.is_sparse:
            S = self._csr()
            indptr = S.indptr.astype(np.int64)
            cols = S.indices.astype(np.int64) * k + (S.data.astype(np.int64) - 1)
            return sp.csr_matrix((np.ones(cols.size), cols, indptr), shape=(self.n, self.m * k))
        d = self.to_dense()
        rows, cols = np.nonzero(d != ABSTAIN)
        vals = d[rows, cols].astype(np.int64)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n), out=indptr[1:])
        return sp.csr_matrix((np.ones(rows.size), cols.astype(np.int64) * k + vals, indptr),
                             shape=(self.n, self.m * k))

    def class_counts(self) -> np.ndarray:
        """``n × k`` int64 array: how many LFs voted each class on each row."""
        k = self.cardinality
        if self.is_sparse:
            S = self._csr()
            rows = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(S.indptr))
            flat = np.bincount(rows * k + (S.data.astype(np.int64) - 1), minlength=self.n * k)
            return flat.reshape(self.n, k)
        dense = self._data
        counts = np.zeros((self.n, k), dtype=np.int64)
        for c in range(k):
            counts[:, c] = (dense == c).sum(axis=1)
        return counts

    def covered(self) -> np.ndarray:
        """Boolean mask of the rows on which at least one LF votes.

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> VoteMatrix(np.array([[0, -1], [-1, -1], [1, 1]])).covered().tolist()
        [True, False, True]
        """
        if self.is_sparse:
            return np.diff(self._csr().indptr) > 0
        return (self._data != ABSTAIN).any(axis=1)

    # ----------------------------------------------------------- statistics
    def fired(self) -> np.ndarray | sp.csr_matrix:
        """Boolean ``n × m`` mask of non-abstain votes (sparse if stored sparse)."""
        if self.is_sparse:
            return self._data.astype(bool)  # type: ignore[union-attr]
        return self._data != ABSTAIN

    def coverage(self) -> np.ndarray:
        """Fraction of rows on which each LF votes."""
        if self.n == 0:
            return np.zeros(self.m)
        fired = self.fired()
        return np.asarray(fired.sum(axis=0)).ravel() / self.n

    def total_coverage(self) -> float:
        """Fraction of rows on which at least one LF votes."""
        if self.n == 0:
            return 0.0
        fired = self.fired()
        return float((np.asarray(fired.sum(axis=1)).ravel() > 0).mean())

    # ----------------------------------------------------------- structure
    def row_block(self, start: int, stop: int) -> VoteMatrix:
        """Rows ``start:stop`` without re-checking them (they were checked when this matrix was built).

        The cheap slice the label models' chunked kernels use (``L[start:stop]``
        re-validates every vote).  ``start`` is a row position in ``0..n`` and ``stop >= start``;
        a ``stop`` past the last row ends the block there, so ``for start in range(0, n, step):
        L.row_block(start, start + step)`` covers every row once.  A negative or reversed bound is a
        ValueError (it is a chunking bug, not a request for rows counted from the end).

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> VoteMatrix(np.array([[0, 1], [1, -1], [-1, -1]])).row_block(1, 3).to_dense().tolist()
        [[1, -1], [-1, -1]]
        """
        for what, bound in (("start", start), ("stop", stop)):
            if isinstance(bound, (bool, np.bool_)) or not isinstance(bound, (int, np.integer)):
                raise TypeError(f"row_block {what} must be an int row position, got {bound!r}")
        if not 0 <= start <= self.n or stop < start:
            raise ValueError(f"row_block({start}, {stop}) of {self.n} rows: needs 0 <= start <= {self.n} and "
                             f"stop >= start")
        block = VoteMatrix.__new__(VoteMatrix)
        block._data = self._data[start:stop]
        block.lf_names = self.lf_names
        block.cardinality = self.cardinality
        block._placeholder_names = self.placeholder_names
        _set_fingerprints(block, _fingerprints_of(self))
        block.report = None
        return block

    def __getitem__(self, rows: Any) -> VoteMatrix:
        """Row subset: ``L[10:20]``, ``L[mask]``, ``L[[0, 5, 7]]`` (numpy semantics: ``L[-1]`` is the last row).

        A row position out of range, a boolean mask of another length than ``n`` or
        non-integer positions are an IndexError naming the row count.

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> L = VoteMatrix(np.array([[0, 1], [1, -1], [-1, -1]]))
        >>> L[[True, False, True]].to_dense().tolist(), L[-1].to_dense().tolist()
        ([[0, 1], [-1, -1]], [[-1, -1]])
        """
        if isinstance(rows, tuple):
            raise TypeError("VoteMatrix supports row indexing only; use select_lfs() for columns")
        if isinstance(rows, (int, np.integer)) and not isinstance(rows, (bool, np.bool_)):
            rows = [int(rows)]
        if not isinstance(rows, slice):
            rows = self._check_rows(rows)
        data = self._data[rows]
        if not sp.issparse(data):
            data = _frozen(data)  # a basic slice is a read-only view already, fancy indexing a fresh copy
        return _carry(VoteMatrix(data, self.lf_names, self.cardinality), self.placeholder_names,
                      _fingerprints_of(self))

    def _check_rows(self, rows: Any) -> np.ndarray:
        """Row positions or a boolean row mask as an index array, checked against ``n`` (IndexError)."""
        n = self.n
        if isinstance(rows, (bool, np.bool_)):
            raise IndexError(f"a single boolean is not a row index of these {n} rows; pass a boolean mask of {n} "
                             f"entries or row positions")
        idx = np.asarray(rows)
        if idx.dtype.kind == "b":
            if idx.shape != (n,):
                raise IndexError(f"boolean row mask has shape {idx.shape} for {n} rows; a mask needs one entry "
                                 f"per row")
            return idx
        if idx.size == 0:
            return idx.astype(np.intp).reshape(idx.shape)
        if idx.dtype.kind not in "iu":
            raise IndexError(f"rows must be integer positions, a boolean mask or a slice, got {idx.dtype} values "
                             f"such as {idx.ravel()[:1].tolist()[0]!r}")
        if idx.ndim != 1:
            raise IndexError(f"row positions must be 1-D, got shape {idx.shape}")
        bad = (idx < -n) | (idx >= n)
        if bad.any():
            i = int(np.argmax(bad))
            raise IndexError(f"row position {int(idx[i])} (entry {i}) is out of range for {n} rows (0..{n - 1}, "
                             f"or -{n}..-1 from the end); {int(bad.sum())} out of range in total")
        return idx

    def select_lfs(self, lfs: Iterable[str | int] | Any) -> VoteMatrix:
        """Column subset by LF name or position, in the order given, or by a boolean mask.

        ``lfs`` lists LF names and/or positions (negative positions count from the
        end, as in numpy), or is a boolean mask with one entry per LF (a list of
        bools, a numpy or pandas boolean array), which keeps the LFs where it is
        True, in column order, like ``votes[:, mask]``.  An unknown name is a
        KeyError, a position out of range or a mask of another length than ``m``
        an IndexError.

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> L = VoteMatrix(np.array([[0, 1, -1]]), ["a", "b", "c"])
        >>> L.select_lfs(["c", 0]).lf_names, L.select_lfs([True, False, True]).lf_names
        (['c', 'a'], ['a', 'c'])
        >>> L.select_lfs(L.coverage() > 0).lf_names
        ['a', 'b']
        """
        idx = lf_indices(self.lf_names, lfs, check_range=True)
        data = self._data[:, idx]
        if not sp.issparse(data):
            data = _frozen(data)  # fancy indexing: a fresh array
        return _carry(VoteMatrix(data, [self.lf_names[i] for i in idx], self.cardinality), self.placeholder_names,
                      _pick(_fingerprints_of(self), idx))

    def column(self, lf: str | int) -> np.ndarray:
        """Votes of one LF as a dense 1-D array."""
        return self.select_lfs([lf]).to_dense()[:, 0]

    def hstack(self, other: VoteMatrix | Any, lf_names: Sequence[str] | None = None) -> VoteMatrix:
        """New VoteMatrix with ``other``'s LF columns appended (no LF re-run).

        Columns of an array given without ``lf_names`` continue the placeholder names
        (``lf_<m>``, ``lf_<m+1>``, ...); a DataFrame's own column names are its LF names (as
        ``VoteMatrix(frame)`` reads them).  The result's :attr:`placeholder_names` is True only when
        both parts' names were made up.

        >>> import numpy as np
        >>> from weaksup import VoteMatrix
        >>> L = VoteMatrix(np.array([[0, -1], [1, 1]]))
        >>> L.hstack(np.array([[1], [-1]])).lf_names
        ['lf_0', 'lf_1', 'lf_2']
        """
        if not isinstance(other, VoteMatrix):
            other = _columnar_as_pandas(other)
            named = hasattr(other, "columns") and any(isinstance(c, str) for c in other.columns)
            if lf_names is None and not named:  # a frame naming its columns keeps its names
                width = np.shape(other)[1] if np.ndim(other) == 2 else 1
                other = _carry(VoteMatrix(other, [f"lf_{self.m + j}" for j in range(width)], self.cardinality),
                               True)
            else:
                other = VoteMatrix(other, lf_names, self.cardinality)
        if other.n != self.n:
            raise ValueError(f"cannot add LF columns for {other.n} rows to {self.n} rows")
        k = max(self.cardinality, other.cardinality)
        if self.is_sparse or other.is_sparse:
            data = sp.hstack([self._csr(), other._csr()], format="csr")
        else:
            data = _frozen(np.hstack([self.to_dense(), other.to_dense()]))
        fps = None
        if _fingerprints_of(self) is not None or _fingerprints_of(other) is not None:
            fps = self.lf_fingerprints + other.lf_fingerprints
        return _carry(VoteMatrix(data, self.lf_names + other.lf_names, k),
                      self.placeholder_names and other.placeholder_names, fps)

    def with_column(self, name: str, votes: Any) -> VoteMatrix:
        """Replace LF ``name``'s column (or append it if new) without touching the others.

        Replacing a column keeps :attr:`placeholder_names`; appending one names it, so the result's is False.
        """
        # a one-column VoteMatrix knows which version of its LF made the votes: carried (an array knows none)
        fp = votes.lf_fingerprints[0] if isinstance(votes, VoteMatrix) and len(votes.lf_names) == 1 else None
        col = np.asarray(votes).reshape(-1, 1)
        if col.shape[0] != self.n:
            raise ValueError(f"LF {name!r}: {col.shape[0]} votes given for {self.n} rows")
        new = VoteMatrix(col, [name], self.cardinality)
        if fp is not None:
            new = new.with_lf_fingerprints([fp])
        if name not in self.lf_names:
            return self.hstack(new)
        j = self.lf_names.index(name)
        # the replaced column's votes come from elsewhere: its fingerprint is theirs (None when they know none)
        own = _fingerprints_of(self)
        if own is None and fp is None:
            fps = None
        else:
            own = own or (None,) * len(self.lf_names)
            fps = own[:j] + (fp,) + own[j + 1:]
        if self.is_sparse:  # column surgery in sparse form: never densify n × m
            S = self._csr().tocsc()
            data = sp.hstack([S[:, :j], new._csr(), S[:, j + 1:]], format="csr")
            return _carry(VoteMatrix(data, self.lf_names, self.cardinality), self.placeholder_names, fps)
        dense = self.to_dense().copy()
        dense[:, j] = new.to_dense()[:, 0]
        return _carry(VoteMatrix(_frozen(dense), self.lf_names, self.cardinality), self.placeholder_names, fps)

    @classmethod
    def vstack(cls, parts: Sequence[VoteMatrix | Any]) -> VoteMatrix:
        """Concatenate row blocks with identical LF names (arrays are read as unnamed votes).

        :attr:`placeholder_names` of the result is True only when every block's names were made up.
        Blocks whose known :attr:`lf_fingerprints` of one LF differ (the LF was edited between the applies
        that made them) are a ValueError naming the LF: re-apply every row with the current LF, or drop the
        fingerprints with :meth:`with_lf_fingerprints(None) <with_lf_fingerprints>`.  The result keeps each
        LF's known fingerprint (a block with none known is not compared).
        """
        if not len(parts):
            raise ValueError("vstack needs at least one VoteMatrix")
        parts = [p if isinstance(p, VoteMatrix) else cls(p) for p in parts]
        names = parts[0].lf_names
        for i, p in enumerate(parts[1:], start=1):
            if p.lf_names != names:
                missing = [n for n in names if n not in set(p.lf_names)]
                extra = [n for n in p.lf_names if n not in set(names)]
                what = (f"missing {missing[:5]}, unknown {extra[:5]}" if missing or extra
                        else "the same LFs in another order (select_lfs(...) the first block's order)")
                raise ValueError(f"vstack: block {i}'s LF names differ from block 0's: {what}")
        fps = merged_fingerprints(parts)
        k = max(p.cardinality for p in parts)
        if any(p.is_sparse for p in parts):
            data = sp.vstack([p._csr() for p in parts], format="csr")
        else:
            data = _frozen(np.vstack([p.to_dense() for p in parts]))
        return _carry(cls(data, names, k), all(p.placeholder_names for p in parts), fps)

    # ------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to ``path`` (``.npz`` through :mod:`weaksup._persist`: arrays + JSON metadata, atomic, no pickle)."""
        meta = {"lf_names": self.lf_names, "cardinality": self.cardinality, "sparse": self.is_sparse,
                "shape": list(self.shape), "placeholder_names": self.placeholder_names}
        if _fingerprints_of(self) is not None:  # written only when known: files of votes without stay as before
            meta["lf_fingerprints"] = list(self.lf_fingerprints)
        if self.is_sparse:
            mat = self._csr()
            arrays = {"data": mat.data, "indices": mat.indices, "indptr": mat.indptr}
        else:
            arrays = {"dense": self.to_dense()}
        save_npz(path, _FORMAT, meta, arrays, compress=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> VoteMatrix:
        """Load a VoteMatrix written by :meth:`save` (also 0.1 files)."""
        if os.path.isfile(path) and not zipfile.is_zipfile(path):
            # numpy would try it as a pickle and talk about "pickled (object) data" (e.g. for a CSV)
            raise ValueError(f"{path}: not a .npz votes file (a VoteMatrix saved by VoteMatrix.save or "
                             f"`weaksup apply --out`)")
        try:
            meta, z = load_npz(path, _FORMAT, legacy=_load_v0)
        except ValueError as exc:
            raise ValueError(f"{path}: not a weaksup VoteMatrix file ({exc})") from exc
        if meta["sparse"]:
            data: Any = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(meta["shape"]))
        else:
            data = z["dense"]  # freshly read: nobody else holds it (nor its base, a reshaped buffer): no copy
            base = data
            while isinstance(base, np.ndarray):
                base.flags.writeable = False
                base = base.base
        # a file written before placeholder_names: the old pattern rule (lf_0 .. were made up)
        placeholder = meta.get("placeholder_names", _is_placeholder(meta["lf_names"]))
        # a file written before lf_fingerprints (or of votes with none known): all unknown
        return _carry(cls(data, meta["lf_names"], meta["cardinality"]), placeholder, meta.get("lf_fingerprints"))


def _load_v0(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a 0.1 VoteMatrix file (metadata under ``"meta"``, format tag inside it)."""
    meta, arrays = load_npz_v0(path, "meta")
    if meta.get("format") != _FORMAT:
        raise ValueError(f"{path}: holds {meta.get('format')!r}")
    return meta, arrays


def as_vote_matrix(votes: Any, cardinality: int | None = None) -> VoteMatrix:
    """Coerce a VoteMatrix, dense array or sparse (shifted) matrix to a VoteMatrix.

    When ``cardinality`` is given it is checked against (or imposed on) the votes.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.votes import as_vote_matrix
    >>> votes = as_vote_matrix(np.array([[0, -1], [1, 1]]), cardinality=3)
    >>> votes.shape, votes.cardinality, votes.lf_names
    ((2, 2), 3, ['lf_0', 'lf_1'])
    """
    if isinstance(votes, VoteMatrix):
        if cardinality is None or cardinality == votes.cardinality:
            return votes
        return _carry(VoteMatrix(votes._data, votes.lf_names, cardinality), votes.placeholder_names,
                      _fingerprints_of(votes))
    return VoteMatrix(votes, None, cardinality)


def check_votes(votes: Any, cardinality: int | None = None, *, min_lfs: int = 1,
                what: str = "votes") -> VoteMatrix:
    """Validate and coerce votes to a :class:`VoteMatrix` (errors name ``what``; ``min_lfs`` LF columns at least).

    >>> from weaksup.votes import check_votes
    >>> check_votes([[0, -1], [1, 1]]).shape
    (2, 2)
    """
    if votes is None:
        raise ValueError(f"{what} is None; pass an n×m vote matrix")
    if isinstance(votes, (str, bytes)):
        raise TypeError(f"{what} must be an n×m vote matrix, got a {type(votes).__name__}")
    try:
        L = as_vote_matrix(votes, cardinality)
    except ValueError as exc:
        raise ValueError(f"invalid {what}: {exc}") from exc
    if L.m < min_lfs:
        raise ValueError(f"{what} has {L.m} LF column(s); this model needs at least {min_lfs}")
    return L
