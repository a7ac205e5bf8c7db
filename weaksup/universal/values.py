"""Votes that are values (floats, vectors, rankings, points), not classes.

:class:`ValueVotes` is the non-categorical sibling of :class:`weaksup.VoteMatrix`:
an ``n × m`` grid of LF outputs encoded by a :class:`LabelSpace` (array
``values`` of shape ``n × m × value_shape``), an ``abstain`` mask and the LF
names.  :func:`apply_value_lfs` runs ordinary :class:`weaksup.LabelingFunction`
objects (row-wise or batched) whose outputs are values; an LF abstains by
returning ``None``.

Examples
--------
>>> import pandas as pd
>>> from weaksup import labeling_function
>>> from weaksup.universal import RealSpace, apply_value_lfs
>>> @labeling_function()
... def twice(x):
...     return 2.0 * x.a if x.a > 0 else None
>>> votes = apply_value_lfs([twice], pd.DataFrame({"a": [1.0, -1.0]}), RealSpace(1), progress=False)
>>> votes.abstain[:, 0].tolist(), float(votes.values[0, 0, 0])
([False, True], 2.0)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import FrameOutput, apply_chunk, check_fault, warn_faults
from weaksup.lf.core import LabelingFunction, as_lfs
from weaksup.universal.spaces import LabelSpace, RealSpace, ValueOutputError

__all__ = ["ValueVotes", "apply_value_lfs", "as_value_votes", "ValueLFError"]


class ValueLFError(LFApplyError):
    """An LF raised while being applied by :func:`apply_value_lfs` (``fault="raise"``).

    A :class:`~weaksup.apply.LFApplyError` (and so a ``RuntimeError``), with
    its ``lf_name``, ``row_index``, ``position`` and ``original``.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaksup.lf import LabelingFunction
    >>> from weaksup.universal import RealSpace, ValueLFError, apply_value_lfs
    >>> def broken(x):
    ...     return 1 / 0
    >>> try:
    ...     apply_value_lfs([LabelingFunction("broken", broken)], pd.DataFrame({"text": ["a"]}), RealSpace(),
    ...                     progress=False)
    ... except ValueLFError as err:
    ...     print(err.lf_name, err.row_index, isinstance(err, RuntimeError))
    broken 0 True
    """


@dataclass
class ValueVotes:
    """``n × m`` LF outputs in a label space, with an abstain mask.

    Parameters
    ----------
    values : ndarray, shape ``(n, m, *space.value_shape)``
        Encoded outputs; entries under ``abstain`` are ignored.
    abstain : ndarray of bool, shape ``(n, m)``
    lf_names : list of str or None
        None: the LFs were not named, and get the made-up names ``lf_0 .. lf_{m-1}``
        (:attr:`placeholder_names`).
    space : LabelSpace

    Attributes
    ----------
    placeholder_names : bool
        Whether the LF names were made up (``lf_0 ..``: votes given no names) rather than given, as
        :attr:`VoteMatrix.placeholder_names <weaksup.votes.VoteMatrix>`: value label models read votes
        by it at ``predict`` (:func:`~weaksup.labelmodel.base.align_lfs`), so LFs really named
        ``lf_0, lf_1, ...`` are matched by name.  Row slices and :meth:`select_lfs` keep it.

    Examples
    --------
    >>> from weaksup.universal import RealSpace, ValueVotes
    >>> votes = ValueVotes.from_outputs([[1.0, None], [2.0, 2.5]], RealSpace(), ["a", "b"])
    >>> votes.abstain.tolist(), votes.values.shape
    ([[False, True], [False, False]], (2, 2, 1))
    >>> votes.placeholder_names, ValueVotes.from_outputs([[1.0]], RealSpace()).placeholder_names
    (False, True)
    >>> ValueVotes.from_outputs([[1.0]], RealSpace(), ["lf_0"]).placeholder_names  # given names, though lf_0 ..
    False
    """

    values: np.ndarray
    abstain: np.ndarray
    lf_names: list[str]
    space: LabelSpace = field(repr=False)

    def __post_init__(self) -> None:
        self.abstain = _bool_mask(self.abstain, "abstain")
        if self.abstain.ndim != 2:
            raise ValueError(f"abstain mask must be n × m, got shape {self.abstain.shape}")
        n, m = self.abstain.shape
        exp = (n, m, *self.space.value_shape)
        if self.values.shape != exp:
            raise ValueError(f"values have shape {self.values.shape}; expected {exp} for {self.space!r}")
        # names nobody gave (lf_0 ..) are made up; the builders and operations below set it as VoteMatrix's do
        self._placeholder_names: bool = self.lf_names is None
        self.lf_names = _lf_names(self.lf_names, m)
        if len(self.lf_names) != m:
            raise ValueError(f"{len(self.lf_names)} LF names for {m} LF columns")
        if len(set(self.lf_names)) != m:
            dup = [x for x in self.lf_names if self.lf_names.count(x) > 1][0]
            raise ValueError(f"LF name {dup!r} appears more than once")

    @property
    def n(self) -> int:
        return self.abstain.shape[0]

    @property
    def m(self) -> int:
        return self.abstain.shape[1]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n, self.m)

    def __len__(self) -> int:
        return self.n

    @property
    def placeholder_names(self) -> bool:
        """Whether the LF names were made up (``lf_0 ..``, votes given no names) rather than given."""
        from weaksup.votes import _is_placeholder

        # votes pickled before the record: the old pattern rule (lf_0 .. in order were made up)
        flag = self.__dict__.get("_placeholder_names")
        return _is_placeholder(self.lf_names) if flag is None else flag

    def __repr__(self) -> str:
        return f"ValueVotes(n={self.n}, m={self.m}, space={self.space!r}, coverage={self.total_coverage():.3f})"

    def coverage(self) -> np.ndarray:
        """Per-LF fraction of rows where the LF outputs a value."""
        return (~self.abstain).mean(0) if self.n else np.zeros(self.m)

    def total_coverage(self) -> float:
        """Fraction of rows with at least one output."""
        return float((~self.abstain).any(1).mean()) if self.n else 0.0

    def __getitem__(self, rows: Any) -> ValueVotes:
        if isinstance(rows, (int, np.integer)):
            rows = [rows]
        return _carry(ValueVotes(self.values[rows], self.abstain[rows], list(self.lf_names), self.space),
                      self.placeholder_names)

    def select_lfs(self, lfs: Sequence[str | int]) -> ValueVotes:
        """Column subset by LF name or position, in the given order (made-up names stay made up)."""
        idx = [self.lf_names.index(x) if isinstance(x, str) else int(x) for x in lfs]
        return _carry(ValueVotes(self.values[:, idx], self.abstain[:, idx], [self.lf_names[i] for i in idx],
                                 self.space), self.placeholder_names)

    def column(self, lf: str | int) -> list[Any]:
        """Decoded outputs of one LF (None where it abstains)."""
        j = self.lf_names.index(lf) if isinstance(lf, str) else int(lf)
        out: list[Any] = []
        for i in range(self.n):
            if self.abstain[i, j]:
                out.append(None)
            else:
                out.append(self.space.decode_value(self.values[i, j]))
        return out

    @classmethod
    def from_outputs(cls, outputs: Any, space: LabelSpace, lf_names: Sequence[str] | None = None) -> ValueVotes:
        """Build from an ``n × m`` nested sequence of raw outputs (None = abstain)."""
        rows = list(outputs)
        _check_rows(rows, "outputs")
        n = len(rows)
        m = len(rows[0]) if n else len(lf_names or [])
        names = _lf_names(lf_names, m)
        if len(names) != m:
            raise ValueError(f"{len(names)} LF names for {m} LF columns")
        values = np.full((n, m, *space.value_shape), space.fill, dtype=space.dtype)
        abstain = np.zeros((n, m), dtype=bool)
        for i, r in enumerate(rows):
            r = list(r)
            if len(r) != m:
                raise ValueError(f"row {i} has {len(r)} outputs; expected {m}")
            for j, v in enumerate(r):
                if v is None:
                    abstain[i, j] = True
                else:
                    values[i, j] = space.encode_one(v, lf=names[j], row=i)
        return _carry(cls(values, abstain, names, space), lf_names is None)

    @classmethod
    def from_array(cls, values: Any, space: LabelSpace, mask: Any = None, lf_names: Sequence[str] | None = None,
                   *, nan_abstain: bool = True) -> ValueVotes:
        """Build from an already-encoded numeric array ``n × m × value_shape``.

        For :class:`RealSpace` with ``dim=1`` an ``n × m`` array is accepted.
        ``mask`` (``n × m`` bool, True = abstain) marks abstains; with
        ``nan_abstain`` an entry that is entirely NaN also abstains.  A value
        that is partly NaN, infinite, or otherwise invalid raises.
        """
        if isinstance(lf_names, (str, bytes)):
            _lf_names(lf_names, 0)  # the TypeError, before a shape error hides it
        if isinstance(values, np.ma.MaskedArray):
            _refuse_masked(values, lf_names)
        arr = np.asarray(values)
        if arr.dtype.kind == "O" and all(v is None or _real(v) for v in arr.ravel()):
            arr = arr.astype(np.float64)  # an object array of numbers (None: NaN) is read as the float array
        if arr.dtype.kind not in "iuf":
            # astype would read "3.5" or True as a number, and names as indices (or fail with a bare int() error)
            raise ValueOutputError(
                f"from_array reads encoded numbers, got an array of dtype {arr.dtype} (a string or a bool is not "
                f"read as a number); pass raw LF outputs (names, items) as a nested list or through "
                f"as_value_votes / ValueVotes.from_outputs, which read them as the LFs return them")
        if isinstance(space, RealSpace) and space.dim == 1 and arr.ndim == 2:
            arr = arr[..., None]
        if arr.ndim != 2 + len(space.value_shape) or arr.shape[2:] != space.value_shape:
            raise ValueError(f"values have shape {arr.shape}; expected (n, m, *{space.value_shape}) for {space!r}"
                             f"{space.encoded_shape_hint(arr.shape)}")
        n, m = arr.shape[:2]
        ab = np.zeros((n, m), bool) if mask is None else _bool_mask(mask)
        if ab.shape != (n, m):
            raise ValueError(f"mask has shape {ab.shape}; expected {(n, m)}")
        names = _lf_names(lf_names, m)
        if arr.dtype.kind == "f":
            # explicit width: reshape(n, m, -1) cannot infer it for 0 rows
            nan = np.isnan(arr).reshape(n, m, int(np.prod(space.value_shape)))
            full_nan = nan.all(-1)
            part = nan.any(-1) & ~full_nan & ~ab
            if part.any():
                i, j = np.argwhere(part)[0]
                raise ValueOutputError(f"value from LF {names[j]!r} on row {i} is partly NaN: {arr[i, j].tolist()}")
            if nan_abstain:
                ab = ab | full_nan
            elif (full_nan & ~ab).any():
                i, j = np.argwhere(full_nan & ~ab)[0]
                raise ValueOutputError(f"NaN output from LF {names[j]!r} on row {i}; pass mask= or nan_abstain=True")
            if space.dtype is not np.float64 and space.dtype != np.float64:
                filled = np.where(ab.reshape(n, m, *([1] * len(space.value_shape))), space.fill, arr)
                if not np.all(filled == np.round(filled)):
                    raise ValueOutputError(f"{type(space).__name__} values must be integers")
                arr = filled
        enc = np.array(arr, dtype=space.dtype, copy=True)
        if ab.any():
            enc[ab] = space.fill
        space._check_array(enc, "values", mask=ab)
        return _carry(cls(enc, ab, names, space), lf_names is None)


def _carry(out: ValueVotes, placeholder: bool) -> ValueVotes:
    """``out`` with :attr:`ValueVotes.placeholder_names` set (built from names already made up or carried)."""
    out._placeholder_names = bool(placeholder)
    return out


def _lf_names(lf_names: Any, m: int) -> list[str]:
    """``lf_names`` as :class:`~weaksup.votes.VoteMatrix` reads them (default ``lf_0 .. lf_{m-1}``): a bare string
    is refused (``list("abc")`` would name three LFs ``'a'``, ``'b'``, ``'c'``), and so is a name that is not a
    str (``['a', None]`` is not the LF ``'None'``)."""
    from weaksup.votes import _check_names

    if lf_names is None:
        return [f"lf_{j}" for j in range(m)]
    if isinstance(lf_names, (str, bytes)):
        raise TypeError(f"lf_names must be a sequence of names, one per LF column, got the string "
                        f"{lf_names!r} (write [{lf_names!r}] for a single LF)")
    return _check_names(lf_names)


def _bool_mask(mask: Any, what: str = "mask") -> np.ndarray:
    """An abstain mask as bools: a bool array, or numbers that are all 0 or 1.  Anything else is refused: read by
    truthiness, the strings ``"False"``/``"True"`` (a mask read back from text) all abstain, and ``2`` or NaN
    is no answer to "does this LF abstain"."""
    if isinstance(mask, np.ma.MaskedArray) and np.ma.getmaskarray(mask).any():
        raise ValueError(f"{what} is a numpy masked array with masked cells: whether an LF abstains there is "
                         f"unknown; pass a plain n × m bool array (True = abstain), e.g. np.ma.filled({what}, True)")
    arr = np.asarray(mask)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind in "iuf" and np.isin(arr, (0, 1)).all():
        return arr.astype(bool)
    cells = arr.ravel()
    bad = next((i for i, v in enumerate(cells) if not (isinstance(v, (bool, np.bool_)) or _real(v) and v in (0, 1))),
               None)
    if bad is None and arr.dtype == object:  # an object array of bools and 0/1 numbers
        return arr.astype(bool)
    first = cells[bad].item() if bad is not None and isinstance(cells[bad], np.generic) else None
    if bad is not None and first is None:
        first = cells[bad]
    at = f" (first: {first!r} at {tuple(int(i) for i in np.unravel_index(bad, arr.shape))})" \
        if bad is not None and arr.ndim else ""
    fix = (f"a string such as 'False' is not read as a bool: convert it first (e.g. {what} == 'True')"
           if isinstance(first, (str, bytes)) else "pass True where an LF abstains, False where it outputs a value")
    raise ValueError(f"{what} must be n × m bools (True = abstain), got an array of dtype {arr.dtype}{at}; {fix}")


def _refuse_masked(values: np.ma.MaskedArray, lf_names: Any) -> None:
    """Encoded values in a masked array with masked cells: refused, naming the first one (``np.asarray`` would read
    the value hidden under the mask as the LF's output), as :class:`~weaksup.votes.VoteMatrix` refuses masked
    votes: a mask may mean "unknown", not "abstains".  Without a masked cell it is read as its data."""
    masked = np.ma.getmaskarray(values)
    if not masked.any():
        return
    first = tuple(int(v[0]) for v in np.nonzero(masked))
    lf = ""
    if len(first) >= 2:
        c = first[1]
        lf = f"LF {lf_names[c]!r}, " if lf_names is not None and c < len(lf_names) else f"column {c}, "
    where = f" (first: {lf}row {first[0]})" if first else ""
    raise ValueError(f"values are a numpy masked array with {int(masked.sum())} masked cell(s){where}; a masked "
                     f"cell is not read as a value or an abstain. If masked means abstain, pass "
                     f"ValueVotes.from_array(np.ma.getdata(values), space, mask=<n × m bool abstain mask>)")


def _real(v: Any) -> bool:
    """Whether ``v`` is a real number (a bool is not)."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _check_rows(rows: Sequence[Any], what: str) -> None:
    """Refuse a flat list (one value per row, not a row of LF outputs) with a ``TypeError`` naming the row."""
    for i, r in enumerate(rows):
        # not np.ndim(r): it builds an array of the row, which fails on rows of rankings with an abstain
        if isinstance(r, (str, bytes, dict)) or not hasattr(r, "__len__") \
                or (isinstance(r, np.ndarray) and r.ndim == 0):
            raise TypeError(f"{what} must be n × m (one sequence of LF outputs per row), but row {i} is {r!r} "
                            f"({type(r).__name__}); for a single LF pass one output per row: [[v] for v in outputs]")


def as_value_votes(votes: Any, space: LabelSpace, what: str = "votes") -> ValueVotes:
    """Accept a :class:`ValueVotes`, an encoded numeric array, a DataFrame (pandas, polars, or a pyarrow
    table; its column names are the LF names), or an ``n × m`` nested list of raw outputs (``None`` =
    abstain).  A classification ``VoteMatrix`` (class ids) and non-tabular input are a ``TypeError``
    naming ``what``.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.universal import RealSpace, as_value_votes
    >>> votes = as_value_votes([[1.0, None], [2.0, 2.5]], RealSpace())
    >>> votes.lf_names, int(votes.abstain.sum())
    (['lf_0', 'lf_1'], 1)
    >>> from weaksup.votes import VoteMatrix
    >>> as_value_votes(VoteMatrix(np.array([[0, 1]])), RealSpace())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: votes is a classification VoteMatrix (class ids), not value votes; ...
    """
    from weaksup.votes import VoteMatrix, _columnar_as_pandas

    # a polars frame (iterated by column: its votes were read transposed) or a pyarrow table (its cells were
    # pyarrow scalars) as the pandas frame it holds, so its column names are the LF names
    votes = _columnar_as_pandas(votes)
    if isinstance(votes, VoteMatrix):
        raise TypeError(f"{what} is a classification VoteMatrix (class ids), not value votes; "
                        f"a value label model needs ValueVotes (apply_value_lfs, ValueVotes.from_outputs / "
                        f"from_array) or an n × m array of values; use a weaksup.labelmodel model for class votes")
    if sp.issparse(votes):  # list(csr) fails inside scipy ("sparse array length is ambiguous")
        raise TypeError(f"{what} is a scipy sparse {type(votes).__name__}, which is not read as value votes: an "
                        f"implicit zero would be the value 0, not an abstain. Pass a dense array (S.toarray()) "
                        f"with NaN where an LF abstains, or ValueVotes.from_array(values, space, mask=abstain)")
    if isinstance(votes, (str, bytes)) or np.isscalar(votes) or votes is None:
        raise TypeError(f"{what} must be ValueVotes, an n × m array or a nested list of LF outputs, "
                        f"got {type(votes).__name__}")
    if isinstance(votes, ValueVotes):
        if votes.space is not space:
            # the same class and shape is not enough: RankingSpace(["c", "b", "a"]) reads the indices of
            # RankingSpace(["a", "b", "c"]) votes reversed, another D or labels moves every point
            if type(votes.space) is not type(space) or votes.space.value_shape != space.value_shape \
                    or votes.space.value_config() != space.value_config():
                raise ValueError(f"{what} are in {votes.space!r}; the model uses {space!r} "
                                 f"({_differs(votes.space, space)}): encoded values are only read in the space that "
                                 f"encoded them; build the votes in the model's space, or the model in theirs "
                                 f"(votes.space)")
            space._check_array(votes.values, what, mask=votes.abstain)  # e.g. partial rankings, allow_partial=False
        return votes
    if isinstance(votes, pd.DataFrame):
        names = [str(c) for c in votes.columns]
        data = votes.to_numpy()
        if data.dtype.kind in "iuf":
            return ValueVotes.from_array(data, space, lf_names=names)
        return ValueVotes.from_outputs(data.tolist(), space, names)
    if isinstance(votes, np.ndarray) and votes.dtype.kind in "iuf":
        return ValueVotes.from_array(votes, space)
    if isinstance(votes, np.ndarray):  # strings, bools, objects: raw LF outputs, read as the same nested list is
        votes = votes.tolist()
    if isinstance(votes, (list, tuple)):
        _check_rows(votes, what)
    return ValueVotes.from_outputs(votes, space)


def _differs(a: LabelSpace, b: LabelSpace) -> str:
    """What differs between two spaces' :meth:`~LabelSpace.value_config` (for the error message)."""
    if type(a) is not type(b):
        return "another space"
    ca, cb = a.value_config(), b.value_config()
    keys = [k for k in ca if ca.get(k) != cb.get(k)]
    if not keys:
        return f"value shape {a.value_shape} vs {b.value_shape}"
    return ", ".join(f"{k} {ca.get(k)!r} vs {cb.get(k)!r}" if len(repr(ca.get(k))) + len(repr(cb.get(k))) < 120
                     else f"another {k}" for k in keys)


def _records(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return pd.DataFrame(list(data))
    raise TypeError(f"data must be a DataFrame or a sequence of records, got {type(data).__name__}")


def apply_value_lfs(
    lfs: Sequence[LabelingFunction | Any],
    data: Any,
    space: LabelSpace,
    *,
    fault: str = "raise",
    nan: str = "raise",
    progress: bool = True,
) -> ValueVotes:
    """Apply value-returning LFs to ``data`` and return :class:`ValueVotes`.

    The LFs run through weaksup's one LF kernel
    (:func:`weaksup.apply.kernel.apply_chunk`) with a value adapter.

    Parameters
    ----------
    lfs : sequence of LabelingFunction (or named callables)
        Row-wise LFs receive a :class:`weaksup.lf.Row` and return one value
        or ``None`` (abstain).  Batched LFs (``@labeling_function(batched=True)``)
        receive the whole DataFrame and return a sequence of ``n`` values (or
        an ``n``-vector / ``n × dim`` array for real spaces; NaN rows abstain).
    data : DataFrame or sequence of dict records
    space : LabelSpace
        Validates every output; invalid ones raise :class:`ValueOutputError`
        naming the LF and row.
    fault : {"raise", "abstain", "warn"}
        What to do when an LF raises: raise :class:`ValueLFError` naming the
        LF and row, or abstain there (``"warn"``: and warn once).
    nan : {"raise", "abstain"}
        What a NaN returned by a row-wise LF means (default: an error; return
        ``None`` to abstain).
    progress : bool
        tqdm progress bar over LFs.
    """
    check_fault(fault)
    if nan not in ("raise", "abstain"):
        raise ValueError(f"nan must be 'raise' or 'abstain', got {nan!r}")
    wrapped = as_lfs(lfs)
    names = [lf.name for lf in wrapped]
    df = _records(data)
    from weaksup._progress import progress_bar

    with progress_bar(total=len(wrapped), desc="value LFs", progress=progress) as bar:
        (values, abstain), faults, _ = apply_chunk(wrapped, df, ValueOutput(space, nan), fault, 0,
                                                   tick=lambda: bar.update(1))
    warn_faults(names, faults, fault)
    return ValueVotes(values, abstain, names, space)


class ValueOutput(FrameOutput):
    """Kernel adapter for value LFs: outputs encoded by a :class:`LabelSpace`, ``None`` abstains.

    A column is ``(values n × value_shape, abstain n)``; the block stacks them
    into ``(n × m × value_shape, n × m)``.
    """

    raised = ValueLFError
    faulted = None

    def __init__(self, space: LabelSpace, nan: str = "raise") -> None:
        self.space = space
        self.nan = nan

    def _empty(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.full((n, *self.space.value_shape), self.space.fill, dtype=self.space.dtype), np.zeros(n, bool)

    def _encode(self, lf: LabelingFunction, outs: Sequence[Any], chunk: pd.DataFrame,
                nan_abstains: bool) -> tuple[np.ndarray, np.ndarray]:
        values, abstain = self._empty(len(outs))
        for i, v in enumerate(outs):
            if v is None or (nan_abstains and _all_nan(v)):
                abstain[i] = True
            else:
                values[i] = self.space.encode_one(v, lf=lf.name, row=chunk.index[i])
        return values, abstain

    def from_rows(self, lf: LabelingFunction, outs: list[Any], chunk: pd.DataFrame,
                  records: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        return self._encode(lf, outs, chunk, self.nan == "abstain")

    def from_batch(self, lf: LabelingFunction, out: Any, chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        n, name, space = len(chunk), lf.name, self.space
        values, abstain = self._empty(n)
        if isinstance(out, (pd.Series, pd.DataFrame)):
            out = out.to_numpy()
        if isinstance(out, np.ndarray) and out.dtype != object and isinstance(space, RealSpace):
            if out.dtype.kind not in "iuf":  # astype(float) would read "3.5" or True as a number
                raise ValueOutputError(f"batched LF {name!r} returned {out.dtype} values; RealSpace needs numbers")
            arr = out.astype(np.float64).reshape(n, -1) if out.size == n * space.dim else None
            if arr is None or len(out) != n:
                raise ValueOutputError(f"batched LF {name!r} returned shape {out.shape}; "
                                       f"expected ({n},) or ({n}, {space.dim})")
            nanrow = np.isnan(arr).all(1)
            part = np.isnan(arr).any(1) & ~nanrow
            inf = np.isinf(arr).any(1)
            if part.any() or inf.any():
                i = int(np.nonzero(part | inf)[0][0])
                raise ValueOutputError(f"batched LF {name!r} returned a non-finite value on row "
                                       f"{chunk.index[i]!r}: {arr[i].tolist()}")
            values[~nanrow] = arr[~nanrow]
            return values, nanrow
        seq = list(out)
        if len(seq) != n:
            raise ValueOutputError(f"batched LF {name!r} returned {len(seq)} outputs for {n} rows")
        return self._encode(lf, seq, chunk, False)  # ``nan=`` is about row-wise LFs only

    def all_faulted(self, lf: LabelingFunction, chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        values, abstain = self._empty(len(chunk))
        abstain[:] = True
        return values, abstain

    def stack(self, columns: list[tuple[np.ndarray, np.ndarray]],
              chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        n = len(chunk)
        values = np.full((n, len(columns), *self.space.value_shape), self.space.fill, dtype=self.space.dtype)
        abstain = np.zeros((n, len(columns)), dtype=bool)
        for j, (v, a) in enumerate(columns):
            values[:, j], abstain[:, j] = v, a
        return values, abstain


def _all_nan(v: Any) -> bool:
    try:
        arr = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return arr.size > 0 and bool(np.isnan(arr).all())
