"""Votes too large for one process: a vote matrix backed by a Dask array, and on-disk sparse shards.

:class:`DaskVotes` is the distributed counterpart of :class:`~weaksup.votes.VoteMatrix`:
``n × m`` votes (``ABSTAIN = -1``, classes ``0..k-1``) held as row partitions
that live on Dask workers or in files, with the LF names and the cardinality.
Label models accept it (or a bare Dask array) in ``fit`` and ``predict_proba``
and then compute their statistics partition by partition on the active
``distributed.Client`` (:mod:`weaksup.labelmodel._dask`); the whole matrix is
never gathered on one process.

Shards
------
The Dask engine (:func:`weaksup.apply.engines.dask.apply_to_shards`) writes
one sparse :class:`~weaksup.votes.VoteMatrix` file per partition,
``part-00000.npz`` ..., each written to a temporary name and renamed
(:func:`weaksup._persist.save_npz`), so a file under a shard's name is always
complete.  ``_manifest.json`` (written last, also atomically, and removed
before a rewrite starts) lists every shard with its row count; a directory
without it, or whose listed shards are missing or have other row counts, is
refused by :meth:`DaskVotes.from_shards` with an error naming the shard.

>>> import numpy as np, tempfile
>>> from weaksup.dask_votes import DaskVotes, MANIFEST, write_manifest, write_shard
>>> d = tempfile.mkdtemp()
>>> rows = [write_shard(d, i, np.array([[0, -1], [1, 1]]) + 0 * i, ["a", "b"], 2) for i in range(2)]
>>> write_manifest(d, ["a", "b"], 2, rows)
>>> V = DaskVotes.from_shards(d)
>>> V.shape, V.npartitions, V.to_vote_matrix().to_dense().tolist()
((4, 2), 2, [[0, -1], [1, 1], [0, -1], [1, 1]])
>>> import os
>>> MANIFEST, sorted(os.listdir(d))
('_manifest.json', ['_manifest.json', 'part-00000.npz', 'part-00001.npz'])
"""

from __future__ import annotations

import atexit
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from weaksup.votes import (VoteMatrix, _fingerprints_of, _known_fingerprints, _pick, _set_fingerprints,
                           _with_fingerprints)

__all__ = ["DaskVotes", "is_dask_array", "is_dask_votes", "write_shard", "write_manifest", "read_manifest",
           "shard_name", "MANIFEST", "get_client", "block_votes"]

_DEFAULT: dict[str, Any] = {}

#: Name of the file that marks a shard directory complete.
MANIFEST = "_manifest.json"
_MANIFEST_FORMAT = "weaksup.VoteShards"


def shard_name(index: int) -> str:
    """File name of shard ``index`` (``part-00000.npz``).

    Examples
    --------
    >>> from weaksup.dask_votes import shard_name
    >>> shard_name(3)
    'part-00003.npz'
    """
    return f"part-{index:05d}.npz"


def is_dask_array(x: Any) -> bool:
    """Whether ``x`` is a Dask array (checked without importing dask).

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from weaksup.dask_votes import is_dask_array
    >>> is_dask_array(da.zeros((4, 2))), is_dask_array(np.zeros((4, 2)))
    (True, False)
    """
    return type(x).__module__.startswith("dask") and hasattr(x, "chunks") and hasattr(x, "ndim")


def is_dask_votes(x: Any) -> bool:
    """Whether ``x`` is votes a label model fits on Dask: :class:`DaskVotes` or a Dask array.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from weaksup.dask_votes import DaskVotes, is_dask_votes
    >>> is_dask_votes(da.zeros((4, 2), dtype="int8")), is_dask_votes(np.zeros((4, 2), dtype="int8"))
    (True, False)
    """
    return isinstance(x, DaskVotes) or is_dask_array(x)


def write_shard(directory: str | os.PathLike[str], index: int, votes: Any, lf_names: Sequence[str],
                cardinality: int) -> int:
    """Write one partition's votes as a sparse VoteMatrix file, atomically; returns its row count."""
    L = VoteMatrix(votes, list(lf_names), cardinality)
    L.as_sparse().save(Path(directory) / shard_name(index))
    return L.n


def write_manifest(directory: str | os.PathLike[str], lf_names: Sequence[str], cardinality: int,
                   rows: Sequence[int], *, placeholder_names: bool = False,
                   lf_fingerprints: Sequence[str | None] | None = None) -> None:
    """Mark ``directory`` complete: the LF names, cardinality and every shard with its row count.

    ``placeholder_names``: the names were made up (``lf_0 ..``, votes nobody named), read back as
    :attr:`DaskVotes.placeholder_names`; LFs applied by an engine have names, so the default is False.
    ``lf_fingerprints``: each LF's fingerprint (None where unknown), read back as :attr:`DaskVotes.lf_fingerprints`;
    written only when one at least is known.
    """
    body: dict[str, Any] = {"format": _MANIFEST_FORMAT, "lf_names": list(lf_names), "cardinality": int(cardinality),
                            "placeholder_names": bool(placeholder_names),
                            "shards": [{"file": shard_name(i), "rows": int(r)} for i, r in enumerate(rows)]}
    fps = _known_fingerprints(lf_fingerprints)
    if fps is not None:  # only when known: other manifests stay as they were
        body["lf_fingerprints"] = list(fps)
    _write_manifest_body(Path(directory) / MANIFEST, body)


def _write_manifest_body(path: Path, body: dict[str, Any]) -> None:
    """Write a manifest atomically (a reader sees the old one or the new one, never half of one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body))
    os.replace(tmp, path)


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a complete shard directory (``ValueError`` naming what is missing otherwise).

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from weaksup.dask_votes import read_manifest, write_manifest, write_shard
    >>> d = tempfile.mkdtemp()
    >>> rows = [write_shard(d, i, np.array([[0, -1], [1, 1]]), ["a", "b"], 2) for i in range(2)]
    >>> write_manifest(d, ["a", "b"], 2, rows)
    >>> [(s["file"], s["rows"]) for s in read_manifest(d)["shards"]]
    [('part-00000.npz', 2), ('part-00001.npz', 2)]
    """
    d = Path(directory)
    path = d / MANIFEST
    if not path.exists():
        raise ValueError(f"{d}: no {MANIFEST}; the shard directory is incomplete (the job that wrote it "
                         "did not finish) or is not a weaksup vote-shard directory")
    body = json.loads(path.read_text())
    if body.get("format") != _MANIFEST_FORMAT:
        raise ValueError(f"{path}: not a weaksup vote-shard manifest")
    missing = [s["file"] for s in body["shards"] if not (d / s["file"]).exists()]
    if missing:
        raise ValueError(f"{d}: manifest lists {len(missing)} shard(s) that do not exist: {missing[:5]}")
    return body


def _load_shard(path: str, rows: int, lf_names: list[str], cardinality: int) -> sp.csr_matrix:
    L = VoteMatrix.load(path)
    if L.n != rows or L.lf_names != lf_names or L.cardinality != cardinality:
        raise ValueError(f"{path}: shard holds {L.n} rows of LFs {L.lf_names[:3]}... (k={L.cardinality}); "
                         f"the manifest says {rows} rows of {lf_names[:3]}... (k={cardinality})")
    return L._csr()


def _dense_block(part: Any) -> np.ndarray:
    """A partition (dense votes or a shifted sparse shard) as dense ``{-1, 0..k-1}`` votes."""
    if sp.issparse(part):
        out = part.toarray()
        out -= 1
        return out
    return np.asarray(part)


def _inferred_cardinality(array: Any, names: list[str]) -> int:
    """``max(vote) + 1`` (at least 2) of a Dask array, refused as :class:`VoteMatrix` refuses it.

    One reduction over the partitions; a stray huge vote (past ``MAX_INFERRED_CARDINALITY``) or an
    unsigned array holding its dtype's largest value (``-1`` cast to ``uint8`` is 255) is an error
    with VoteMatrix's message (the offending row is located with one more pass, only then).
    """
    import dask

    from weaksup.votes import MAX_INFERRED_CARDINALITY, _refuse_inferred, wrapped_abstain

    vmax, vmin = (int(v) for v in dask.compute(array.max(), array.min()))
    if vmax + 1 > MAX_INFERRED_CARDINALITY:
        _refuse_inferred(array, vmax, names)  # np.argmax of a Dask array: computed on the cluster
    # the unsigned-wrap check and message, without a 2-row stand-in VoteMatrix (whose inferred k > 100 on two
    # rows would warn, naming the stand-in's row)
    wrapped = wrapped_abstain(array.dtype, vmax) if vmin >= 0 else None
    if wrapped is not None:
        raise ValueError(wrapped)
    return max(2, vmax + 1)


def _int_block(block: np.ndarray, lf_names: list[str], block_info: Any = None) -> np.ndarray:
    """A float partition as int64 votes, by VoteMatrix's rule and message (integral values pass, 0.5 or NaN is
    refused naming the LF and the row), with the partition's first row as :func:`block_votes` gives it."""
    from weaksup.votes import _as_int_array

    try:
        return _as_int_array(block, lf_names)
    except ValueError as exc:
        offset = block_info[0]["array-location"][0][0] if block_info else 0
        raise ValueError(f"invalid votes in the partition starting at row {offset}: {exc} "
                         f"(row numbers are relative to that partition)") from exc


def _frame_names(frame: Any, lf_names: Sequence[str] | None) -> tuple[list[str] | None, bool, Any]:
    """A Dask DataFrame's LF names (its column labels, as VoteMatrix reads a pandas frame's), whether they are
    made up (integer labels), and the frame with its columns selected by name when ``lf_names`` reorders them."""
    from weaksup.votes import _match_names, _refuse_index_column

    own = [f"lf_{c}" if isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_)) else str(c)
           for c in frame.columns]
    _refuse_index_column(frame.columns, lf_names)
    if lf_names is None:
        return own, all(name == f"lf_{c}" for name, c in zip(own, frame.columns)), frame
    if isinstance(lf_names, (str, bytes)) or not any(isinstance(c, str) for c in frame.columns):
        return lf_names, False, frame  # no names of its own: VoteMatrix's checks of lf_names apply
    names, take = _match_names(own, lf_names, "DataFrame")
    return names, False, frame if take is None else frame[[frame.columns[j] for j in take]]


def _take_columns(part: Any, idx: list[int]) -> Any:
    """Columns ``idx`` of a partition (dense votes or a shifted sparse shard alike)."""
    return part[:, idx]


class DaskVotes:
    """A vote matrix backed by a Dask array: ``n × m`` votes, ``ABSTAIN = -1``, partitioned by rows.

    Parameters
    ----------
    array : dask.array.Array or dask.dataframe.DataFrame
        Votes in ``{-1, 0..k-1}``, chunked by rows (column chunks are merged).  Float votes are
        read as :class:`~weaksup.votes.VoteMatrix` reads them: integral values pass (as int64, each
        partition when read), ``0.5`` or NaN is refused with its message.  A Dask DataFrame's column
        labels are the LF names, as a pandas frame's are for VoteMatrix (its partitions' lengths are
        computed once).
    lf_names : sequence of str, optional
        One unique name per column (default ``lf_0 ..``); a bare string is refused.  For a Dask
        DataFrame with string column labels, the same names in any order (columns selected by name).
    cardinality : int, optional
        Number of classes; when omitted it is ``max(vote) + 1`` (at least 2),
        computed with one reduction over the partitions.  Names and
        cardinality are checked as :class:`~weaksup.votes.VoteMatrix` checks
        them, with the same messages (an unsigned array holding its dtype's
        largest value, e.g. ``-1`` cast to ``uint8``, is refused).

    Each partition is checked (integer votes in range) when a worker reads it;
    an error names the LF and the row in the whole matrix.

    ``placeholder_names`` is True when nobody named the LFs (``lf_0 ..`` made up),
    as for :attr:`VoteMatrix.placeholder_names <weaksup.votes.VoteMatrix>`.

    Examples
    --------
    >>> import dask.array as da, numpy as np
    >>> from weaksup.dask_votes import DaskVotes
    >>> V = DaskVotes(da.from_array(np.array([[0, 1], [-1, 1], [1, 1]]), chunks=(2, 2)))
    >>> V.shape, V.cardinality, V.npartitions, V.placeholder_names
    ((3, 2), 2, 2, True)
    """

    def __init__(self, array: Any, lf_names: Sequence[str] | None = None, cardinality: int | None = None) -> None:
        placeholder = lf_names is None
        if type(array).__module__.startswith("dask") and hasattr(array, "columns") \
                and hasattr(array, "to_dask_array"):
            lf_names, placeholder, frame = _frame_names(array, lf_names)
            array = frame.to_dask_array(lengths=True)
        if not is_dask_array(array):
            raise TypeError(f"DaskVotes needs a dask array, got {type(array).__name__}")
        if array.ndim != 2:
            raise ValueError(f"votes must be a 2-D n×m array, got shape {array.shape}")
        if any(np.isnan(c) for c in array.chunks[0]):
            raise ValueError("votes: a Dask array with unknown chunk sizes; call .compute_chunk_sizes() first")
        if array.dtype.kind not in "iuf":
            raise ValueError(f"votes must be integers in {{-1, 0..k-1}}, got dtype {array.dtype}")
        if len(array.chunks[1]) > 1:
            array = array.rechunk({1: -1})
        m = array.shape[1]
        # VoteMatrix's own checks of the names (one per column, unique, not a bare string) and of a given
        # cardinality (an int >= 1), on an empty stand-in: the same errors as for in-memory votes
        probe = VoteMatrix(np.zeros((0, m), dtype=array.dtype), lf_names, cardinality)
        names = probe.lf_names
        converted = array.dtype.kind == "f"
        if converted:  # integral floats pass as VoteMatrix passes them, checked per partition
            array = array.map_blocks(_int_block, lf_names=names, dtype=np.int64)
        if cardinality is None:
            cardinality = _inferred_cardinality(array, names) if array.size else 2
        self.array = array
        self.lf_names: list[str] = names
        self.cardinality: int = int(cardinality)
        self._placeholder_names: bool = bool(placeholder)
        # lf_fingerprints: none known for votes built from an array (with_lf_fingerprints sets them)
        # a float array's int64 blocks keep their graph unfused: the cardinality reduction above computed the
        # same keys, and a fused copy under those keys is a "different run_spec" on the distributed scheduler
        self._parts: list[Any] = list(array.to_delayed(optimize_graph=not converted).ravel())
        self._rows: list[int] = [int(c) for c in array.chunks[0]]
        self.path: Path | None = None
        self.report: Any = None  # ApplyReport attached by the Dask engine

    @classmethod
    def from_shards(cls, directory: str | os.PathLike[str]) -> DaskVotes:
        """Open a complete shard directory (see the module docstring); nothing is read until computed."""
        import dask
        import dask.array as da

        body = read_manifest(directory)
        names, k = list(body["lf_names"]), int(body["cardinality"])
        load = dask.delayed(_load_shard, pure=True)
        parts = [load(str(Path(directory) / s["file"]), int(s["rows"]), names, k) for s in body["shards"]]
        rows = [int(s["rows"]) for s in body["shards"]]
        dense = dask.delayed(_dense_block, pure=True)
        m = len(names)
        blocks = [da.from_delayed(dense(p), shape=(r, m), dtype=np.int8 if k < 126 else np.int32)
                  for p, r in zip(parts, rows)]
        array = da.concatenate(blocks, axis=0) if blocks else da.zeros((0, m), dtype=np.int8)
        self = cls.__new__(cls)
        self.array, self.lf_names, self.cardinality = array, names, k
        self._parts, self._rows = parts, rows  # workers read the sparse shards directly
        self.path = Path(directory)
        self.report = None
        # a manifest written before placeholder_names: the old pattern rule (lf_0 .. were made up)
        self._placeholder_names = bool(body.get("placeholder_names", names == [f"lf_{j}" for j in range(m)]))
        # a manifest written before lf_fingerprints (or of LFs with none known): all unknown
        _set_fingerprints(self, body.get("lf_fingerprints"))
        return self

    # ------------------------------------------------------------------ shape
    @property
    def shape(self) -> tuple[int, int]:
        return (int(sum(self._rows)), len(self.lf_names))

    @property
    def n(self) -> int:
        return self.shape[0]

    @property
    def m(self) -> int:
        return self.shape[1]

    @property
    def placeholder_names(self) -> bool:
        """Whether nobody named these LFs (``lf_names`` are the made-up ``lf_0 ..``); see the class docstring."""
        flag = self.__dict__.get("_placeholder_names")
        return self.lf_names == [f"lf_{j}" for j in range(len(self.lf_names))] if flag is None else flag

    @property
    def lf_fingerprints(self) -> tuple[str | None, ...]:
        """Each LF's fingerprint as the applier ran it, None where unknown, as
        :attr:`VoteMatrix.lf_fingerprints <weaksup.votes.VoteMatrix>` (read from the shards' manifest)."""
        fps = _fingerprints_of(self)
        return (None,) * self.m if fps is None else fps

    def with_lf_fingerprints(self, fingerprints: Sequence[str | None] | None) -> DaskVotes:
        """The same votes with ``fingerprints`` as :attr:`lf_fingerprints` (None drops them), as
        :meth:`VoteMatrix.with_lf_fingerprints <weaksup.votes.VoteMatrix.with_lf_fingerprints>`; the manifest
        on disk is left as it is."""
        return _with_fingerprints(self, fingerprints)  # type: ignore[no-any-return]

    @property
    def npartitions(self) -> int:
        return len(self._parts)

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        where = f", shards={str(self.path)!r}" if self.path is not None else ""
        return (f"DaskVotes(n={self.n}, m={self.m}, cardinality={self.cardinality}, "
                f"npartitions={self.npartitions}{where})")

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(f"{self!r} is not gathered implicitly: label models fit and predict on it on the Dask "
                        "cluster (fit, partial_fit, predict_proba, predict, score); for an in-memory operation "
                        "(analysis, LF summaries) call .to_vote_matrix() if the votes fit in memory")

    def partitions(self) -> list[tuple[int, int, Any]]:
        """``[(offset, rows, delayed part)]``: each part is dense votes or a shifted sparse shard."""
        offsets = np.concatenate([[0], np.cumsum(self._rows)])[:-1]
        return [(int(o), r, p) for o, r, p in zip(offsets, self._rows, self._parts)]

    def select_lfs(self, lfs: Sequence[str | int] | Any) -> DaskVotes:
        """Column subset by LF name or position, in the order given, or by a boolean mask (lazy: each
        partition is sliced as read).

        ``lfs`` is read as :meth:`VoteMatrix.select_lfs <weaksup.votes.VoteMatrix.select_lfs>` reads it, with
        its errors: an unknown name is a KeyError, a position out of range or a mask of another length than
        ``m`` an IndexError, raised here before anything is computed.

        Examples
        --------
        >>> import dask, dask.array as da, numpy as np
        >>> from weaksup.dask_votes import DaskVotes
        >>> V = DaskVotes(da.from_array(np.array([[0, 1, -1], [1, -1, 0]]), chunks=(1, 3)), ["a", "b", "c"])
        >>> W = V.select_lfs(["c", "a"])
        >>> W.lf_names, W.to_vote_matrix().to_dense().tolist()
        (['c', 'a'], [[-1, 0], [0, 1]])
        >>> V.select_lfs([True, False, True]).lf_names
        ['a', 'c']
        """
        import dask

        from weaksup.votes import lf_indices

        idx = lf_indices(self.lf_names, lfs, check_range=True)
        out = DaskVotes.__new__(DaskVotes)
        out.__dict__.update(self.__dict__)
        out.array = self.array[:, idx]
        out.lf_names = [self.lf_names[i] for i in idx]
        _set_fingerprints(out, _pick(_fingerprints_of(self), idx))
        take = dask.delayed(_take_columns, pure=True)
        out._parts = [take(p, idx) for p in self._parts]
        return out

    def to_vote_matrix(self) -> VoteMatrix:
        """Gather everything into one in-memory :class:`~weaksup.votes.VoteMatrix` (small data only)."""
        import dask

        from weaksup.votes import _carry

        parts = dask.compute(*self._parts)
        blocks = [VoteMatrix(p, self.lf_names, self.cardinality) for p in parts]
        if not blocks:
            return _carry(VoteMatrix(np.zeros((0, self.m), np.int8), self.lf_names, self.cardinality),
                          self.placeholder_names, _fingerprints_of(self))
        return _carry(VoteMatrix.vstack(blocks), self.placeholder_names, _fingerprints_of(self))


def get_client() -> Any:
    """The active ``distributed.Client``; without one, a LocalCluster started once for this session.

    Examples
    --------
    >>> from distributed import Client, LocalCluster
    >>> from weaksup.dask_votes import get_client
    >>> with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
    ...     with Client(cluster) as client:
    ...         print(get_client() is client)  # the active client is used; none starts
    True
    """
    from distributed import Client, LocalCluster, default_client

    try:
        return default_client()
    except ValueError:
        pass
    client = _DEFAULT.get("client")
    if client is None or client.status != "running":
        # the user closed the client this returned: its cluster's worker processes still run, so they are shut
        # down before the next cluster starts (before, each such cycle left a cluster's processes behind)
        _close_default()
        cluster = LocalCluster(processes=True, dashboard_address=None)
        client = Client(cluster, set_as_default=False)
        _DEFAULT.update(client=client, cluster=cluster)
        if not _DEFAULT.get("atexit"):  # once per process, not once per cluster started
            atexit.register(_close_default)
            _DEFAULT["atexit"] = True
    return client


def _close_default() -> None:
    client, cluster = _DEFAULT.pop("client", None), _DEFAULT.pop("cluster", None)
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def block_votes(part: Any, lf_names: Sequence[str], cardinality: int, offset: int) -> VoteMatrix:
    """One partition as a checked VoteMatrix; a bad vote's error names its row in the whole matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.dask_votes import block_votes
    >>> block_votes(np.array([[0, 1]]), ["a", "b"], 2, offset=100).shape
    (1, 2)
    >>> try:
    ...     block_votes(np.array([[0, 5]]), ["a", "b"], 2, offset=100)
    ... except ValueError as err:
    ...     print(str(err).split(":")[0])
    invalid votes in the partition starting at row 100
    """
    try:
        return VoteMatrix(part, list(lf_names), cardinality)
    except ValueError as exc:
        raise ValueError(f"invalid votes in the partition starting at row {offset}: {exc} "
                         f"(row numbers are relative to that partition)") from exc
