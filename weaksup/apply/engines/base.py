"""The engine contract: cut the data into chunks and run :func:`~weaksup.apply.kernel.apply_chunk` on each.

An engine is an object with a ``name`` and ``run(data, lfs, job) -> EngineResult``.
A new engine is a new module in this package that defines ``ENGINE``; the
applier finds it by name (``LFApplier(engine="<module name>")``), or takes an
engine object directly (``LFApplier(engine=MyEngine())``).

>>> from weaksup.apply import available_engines
>>> from weaksup.apply.engines import get_engine
>>> sorted(available_engines())
['dask', 'process', 'serial']
>>> get_engine("serial").name
'serial'
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from weaksup.apply.errors import LFApplyError
from weaksup.apply.kernel import ClassOutput, Fault
from weaksup.lf.core import LabelingFunction

__all__ = ["Engine", "EngineJob", "EngineResult", "absorb_counts", "available_engines", "block_dtype", "counts_since",
           "get_engine", "keep_first_faults", "keep_partial", "portable_error", "row_bar", "start_dtype", "widen"]


@dataclass
class EngineJob:
    """What an engine is asked to do besides "these LFs on this data"."""

    output: ClassOutput
    fault: str
    chunk_size: int | None = None
    n_jobs: int | None = None
    progress: bool = True
    #: Seconds one LF call may take (see :func:`~weaksup.apply.kernel.apply_chunk`); None: no limit.
    timeout: float | None = None
    #: Also hash each Dask partition as it is read, for the vote cache's data key (``EngineResult.data_digest``):
    #: the partitions are read once, not once to hash and again to apply.
    digest: bool = False
    #: A progress bar (tqdm) over rows for the engine to move instead of showing its own: the applier's one bar
    #: over several engine runs (a resumed apply whose LFs lack different rows); None: the engine's own bar.
    bar: Any = None


@dataclass
class EngineResult:
    """``block`` (n × m int votes, in :func:`block_dtype` of the job's output, or with its ``small_blocks`` and the
    class count inferred the smallest dtype that holds them), per-LF ``faults`` and ``seconds``."""

    block: np.ndarray
    faults: np.ndarray
    seconds: np.ndarray
    #: The data's vote-cache key when ``EngineJob.digest`` asked for it (the Dask engine); else None.
    data_digest: str | None = None
    #: Each faulted LF's first fault (``fault="abstain"``/``"warn"``): ``{LF position: (exception type, message,
    #: row label, position in the data run)}``, as :func:`~weaksup.apply.kernel.apply_chunk` keeps it.  An engine
    #: that does not fill it leaves the report and the warning with the fault counts only.
    first_faults: dict[int, Fault] = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int, m: int, dtype: Any = np.int64) -> EngineResult:
        """A result of ``n`` rows and ``m`` LFs, its block zeros of ``dtype`` (see :func:`block_dtype`)."""
        return cls(np.zeros((n, m), dtype), np.zeros(m, np.int64), np.zeros(m))


@runtime_checkable
class Engine(Protocol):
    """Runs the kernel over chunks of ``data``; ``accepts(data)`` claims data types (e.g. Dask frames)."""

    name: str

    def accepts(self, data: Any) -> bool: ...

    def run(self, data: Any, lfs: Sequence[LabelingFunction], job: EngineJob) -> EngineResult: ...


def block_dtype(output: Any) -> np.dtype:
    """The dtype of an engine's vote block for ``output``: :meth:`ClassOutput.block_dtype
    <weaksup.apply.kernel.ClassOutput.block_dtype>` (the smallest that holds the votes when the class count is
    known: an int8 block for a few classes, not int64), int64 for an output that does not say.

    >>> from weaksup.apply.engines.base import block_dtype
    >>> from weaksup.apply.kernel import ClassOutput
    >>> block_dtype(ClassOutput(3)), block_dtype(ClassOutput(None))
    (dtype('int8'), dtype('int64'))
    """
    get = getattr(output, "block_dtype", None)
    return np.dtype(get()) if get is not None else np.dtype(np.int64)


def start_dtype(output: Any) -> np.dtype:
    """The dtype an engine makes its vote block in before it has seen a vote: :meth:`ClassOutput.start_dtype
    <weaksup.apply.kernel.ClassOutput.start_dtype>` (int8 with ``small_blocks`` while the class count is inferred,
    widened by :func:`widen` as larger votes come), else :func:`block_dtype`.

    >>> from weaksup.apply.engines.base import start_dtype
    >>> from weaksup.apply.kernel import ClassOutput
    >>> start_dtype(ClassOutput(None)), start_dtype(ClassOutput(None, small_blocks=True))
    (dtype('int64'), dtype('int8'))
    """
    get = getattr(output, "start_dtype", None)
    return np.dtype(get()) if get is not None else block_dtype(output)


def widen(block: np.ndarray, dtype: Any) -> np.ndarray:
    """``block``, or a copy of it in a wider int dtype when votes of ``dtype`` (a chunk's block, checked by the
    kernel) would not fit in it: the block of an engine that started small (:func:`start_dtype`) grows with the
    votes, and no vote wraps around.

    >>> import numpy as np
    >>> from weaksup.apply.engines.base import widen
    >>> block = np.full((2, 1), -1, np.int8)
    >>> widen(block, np.int8) is block, widen(block, np.int16).dtype
    (True, dtype('int16'))
    """
    if np.can_cast(dtype, block.dtype):
        return block
    return block.astype(np.promote_types(block.dtype, dtype))


def available_engines() -> list[str]:
    """Names of the engine modules in :mod:`weaksup.apply.engines`."""
    from weaksup.apply import engines

    return [m.name for m in pkgutil.iter_modules(engines.__path__) if m.name != "base" and not m.name.startswith("_")]


def get_engine(engine: str | Engine) -> Engine:
    """The engine called ``engine`` (or ``engine`` itself when it is an engine object)."""
    if not isinstance(engine, str):
        if not isinstance(engine, Engine):
            raise TypeError(f"engine must be a name or an object with name, accepts() and run(), got {engine!r}")
        return engine
    names = available_engines()
    if engine not in names:
        raise ValueError(f"engine must be one of {tuple(sorted(names))}, got {engine!r}")
    found: Engine = importlib.import_module(f"weaksup.apply.engines.{engine}").ENGINE
    return found


def row_bar(total: int, desc: str, progress: bool) -> Any:
    """A tqdm bar over rows (disabled unless ``progress``; ``TQDM_DISABLE`` also turns it off)."""
    from weaksup._progress import progress_bar

    return progress_bar(total=total, desc=desc, progress=progress, unit="rows")


def keep_finished(err: BaseException, block: np.ndarray, done: np.ndarray, failed: tuple[int, int]) -> None:
    """Attach to an LF's error (``fault="raise"``) the vote columns of the LFs that had run on every row
    (``err.finished``: LF position -> n-row column), so the applier can cache them before the error goes up.

    ``block`` holds the votes of the finished chunks, ``done`` (one bool a row) marks them, ``failed`` is the
    failing chunk's bounds: an LF's column is whole when every row outside that chunk is done and the LF ran
    on all of the chunk before the error (``err.chunk_done``, set by :func:`~weaksup.apply.kernel.apply_chunk`).
    """
    lo, hi = failed
    columns = getattr(err, "chunk_done", (None,))[0]
    if not columns or not (done[:lo].all() and done[hi:].all()):
        return
    whole = {}
    for j, col in enumerate(columns):
        # in a dtype that holds both: a block that started small (start_dtype) may not hold the failed chunk's votes
        full = block[:, j].astype(np.promote_types(block.dtype, np.asarray(col).dtype))
        full[lo:hi] = col
        whole[j] = full
    err.finished = whole  # type: ignore[attr-defined]


def keep_partial(err: BaseException, block: np.ndarray, finished: list[tuple[int, int, np.ndarray]]) -> None:
    """Attach to an error that stops an apply (an LF's :class:`LFApplyError`, a worker's death, Ctrl-C) the votes
    of the chunks that finished (``err.partial = (block, finished)``), so the applier can keep them in the vote
    cache as partial columns and the next apply runs the LFs on the other rows only.

    ``block`` holds the votes of the finished chunks (its other rows mean nothing); ``finished`` lists each
    finished chunk as ``(start, stop, faults)``, ``faults`` counting each LF's faults in it (a chunk in which an
    LF faulted is not kept for that LF: its ABSTAINs are not votes).  Nothing is attached when no chunk finished.
    """
    if finished:
        err.partial = (block, list(finished))  # type: ignore[attr-defined]


def keep_first_faults(into: dict[int, Fault], found: dict[int, Fault]) -> None:
    """Merge a chunk's first faults (``found``) into ``into``, keeping each LF's fault at the lowest position
    (chunks may end in any order)."""
    for j, got in found.items():
        if j not in into or got[3] < into[j][3]:
            into[j] = got


def chunks(n: int, size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n)`` in steps of ``size``."""
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def counts_since(lfs: Sequence[LabelingFunction], before: list[Any]) -> list[Any]:
    """What each LF counted since the snapshots ``before`` (:meth:`LabelingFunction.call_counts`)."""
    return [None if b is None else lf.call_counts().minus(b) for lf, b in zip(lfs, before)]


def absorb_counts(lfs: Sequence[LabelingFunction], counts: list[Any]) -> None:
    """Hand what LF copies counted in a worker process back to the parent's LFs."""
    for lf, delta in zip(lfs, counts):
        if delta is not None:
            lf.absorb_counts(delta)


def portable_error(err: LFApplyError, roundtrip: Callable[[Any], Any]) -> LFApplyError:
    """``err``, made to survive the trip from a worker process back to the parent.

    ``roundtrip(obj)`` pickles and unpickles ``obj`` as the trip will (raising if
    it cannot).  ``err`` is returned as it is when it makes the trip; else the
    LF's exception (``original``) becomes a ``RuntimeError`` holding its type and
    message, and the cause chain is dropped; if it still cannot travel (an index
    label that does not pickle), a plain :class:`LFApplyError` keeps the message,
    the LF name, the position and the row label's ``repr``.

    >>> import pickle, threading
    >>> from weaksup import LFApplyError
    >>> from weaksup.apply.engines.base import portable_error
    >>> class HoldsLock(Exception):
    ...     def __init__(self, msg):
    ...         super().__init__(msg)
    ...         self.lock = threading.Lock()
    >>> err = LFApplyError("LF 'a' raised HoldsLock on row 3 (position 3): no", "a", 3, 3, HoldsLock("no"))
    >>> out = portable_error(err, lambda e: pickle.loads(pickle.dumps(e)))
    >>> out.lf_name, out.position, repr(out.original)
    ('a', 3, "RuntimeError('HoldsLock: no')")
    """
    try:
        roundtrip(err)
        return err
    except Exception:
        pass
    orig = err.original
    err.original = RuntimeError(f"{type(orig).__name__}: {orig}" if orig is not None else "")
    # reducers that carry the cause chain (tblib's, installed by distributed) must not meet it either
    err.__cause__ = err.__context__ = err.__traceback__ = None
    try:
        roundtrip(err)
    except Exception:  # an index label that does not pickle: keep the message and the position
        err = LFApplyError(str(err), err.lf_name, repr(err.row_index), err.position, err.original)
    err.__suppress_context__ = True
    return err
