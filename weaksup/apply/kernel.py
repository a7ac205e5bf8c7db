"""THE LF application kernel: one loop over LFs and rows, for every kind of LF.

:func:`apply_chunk` applies a list of LFs to one chunk of data and is the only
place where weaksup calls an LF on data.  Class LFs (every engine), value LFs
(:func:`weaksup.universal.apply_value_lfs`), span LFs
(:func:`weaksup.sequence.apply_span_lfs`) and prompted LFs (batched class LFs)
all run through it, so they share:

* one call convention: batched LFs receive the chunk, row-wise LFs one record
  at a time (through :meth:`LabelingFunction.row_caller`);
* one fault policy (:data:`FAULTS`): ``"raise"`` an :class:`LFApplyError`
  naming the LF, row and position; ``"abstain"`` (record the abstain output
  and count the fault); ``"warn"`` (abstain and warn once per apply, see
  :func:`warn_faults`);
* one validation step per LF column, done by an :class:`Output` adapter that
  knows the output kind.  :class:`ClassOutput` (votes in ``-1..k-1``) lives
  here; the value and span adapters live with their families
  (``weaksup.universal.values``, ``weaksup.sequence.lf``), which sit above
  this package.

Engines (:mod:`weaksup.apply.engines`) only cut data into chunks and call
:func:`apply_chunk`, so they give identical votes by construction.

Examples
--------
>>> import pandas as pd
>>> from weaksup.lf import keyword_lf
>>> from weaksup.apply.kernel import ClassOutput, apply_chunk
>>> block, faults, seconds = apply_chunk([keyword_lf("win", 1)], pd.DataFrame({"text": ["win", "no"]}),
...                                      ClassOutput(cardinality=2), "raise", 0)
>>> block.ravel().tolist(), faults.tolist()
([1, -1], [0])
"""

from __future__ import annotations

import re
import signal
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any, Protocol

import numpy as np
import pandas as pd

from weaksup._validation import user_stacklevel, vote_bound
from weaksup.apply.errors import _FAULT_POLICY, LFApplyError, LFOutputError, RowsFailed
from weaksup.lf.core import _LABEL, ForeignLF, LabelingFunction, Row
from weaksup.votes import ABSTAIN, smallest_int_dtype, wrapped_abstain

__all__ = ["FAULTS", "Output", "FrameOutput", "ClassOutput", "LFTimeout", "apply_chunk", "check_fault",
           "check_timeout", "describe_fault", "prepare_lfs", "shift_error", "warn_faults"]

#: What to do when an LF raises: raise, abstain (and count), or abstain and warn.
FAULTS = ("raise", "abstain", "warn")

#: Rows of a row-wise LF between two ``row_tick`` calls of :func:`apply_chunk` (progress bars).
TICK_ROWS = 256


def check_fault(fault: str) -> str:
    """Validate a ``fault=`` argument.

    >>> from weaksup.apply.kernel import check_fault
    >>> check_fault("warn")
    'warn'
    """
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
    return fault


class _Unprepared(LabelingFunction):
    """Stands in for an LF whose ``prepare()`` raised, with a fault policy other than "raise":
    it fails on every chunk, so each of its rows is counted as a fault and abstains."""

    def __init__(self, name: str, error: str) -> None:
        super().__init__(name, self._fail, batched=True)
        self.error = error

    def _fail(self, chunk: Any) -> Any:
        raise RuntimeError(self.error)


def prepare_lfs(lfs: Sequence[LabelingFunction], fault: str) -> list[LabelingFunction]:
    """Run each LF's ``prepare()`` (e.g. a prompted LF's calibration) before any row.

    An LF whose preparation raises gives an :class:`LFApplyError` naming it with
    ``fault="raise"``; otherwise it is replaced by a stand-in that faults on every
    row, so the other LFs still run and the report counts its faults.
    """
    out: list[LabelingFunction] = []
    for lf in lfs:
        try:
            lf.prepare()
        except Exception as exc:
            what = f"LF {lf.name!r} raised {type(exc).__name__} while preparing (before any row): {exc}"
            if fault == "raise":
                raise LFApplyError(what, lf.name, original=exc) from exc
            out.append(_Unprepared(lf.name, what))
        else:
            out.append(lf)
    return out


#: A fault kept for the report: ``(exception type name, message, row label, position in the data)``.
Fault = tuple[str, str, Any, int]

#: Characters of an LF's error message kept in a fault's description (an HTTP error body can be a whole page).
FAULT_CHARS = 500


def describe_fault(found: Fault, unit: str = "row") -> str:
    """One line for a fault kept by :func:`apply_chunk`: the error, its message, the row and its position.

    >>> from weaksup.apply.kernel import describe_fault
    >>> describe_fault(("KeyError", "'text'", "r7", 7))
    "KeyError: 'text' (on row 'r7', position 7)"
    """
    error, message, row, position = found
    if len(message) > FAULT_CHARS:
        message = message[:FAULT_CHARS] + f"... ({len(message)} characters)"
    return f"{error}: {message} (on {unit} {row!r}, {_at(position)})"


def warn_faults(names: Sequence[str], faults: Any, fault: str, unit: str = "row",
                first: Sequence[Fault | None] | None = None, where: str = "votes.report.table['first_fault']") -> None:
    """With ``fault="warn"``, one warning (pointing at the user's call) naming every LF that raised and on how
    many rows, and the first LF's first error (``first``: each LF's first fault, see :func:`apply_chunk`);
    ``where`` says where the others are found."""
    if fault != "warn":
        return
    hit = {n: int(f) for n, f in zip(names, faults) if f}
    if not hit:
        return
    text = f"LFs raised and abstained instead (fault='warn'): " + ", ".join(
        f"{n!r} on {f} {unit}(s)" for n, f in hit.items())
    found = [(n, got) for n, f, got in zip(names, faults, first or [None] * len(names)) if f and got is not None]
    if found:
        name, got = found[0]
        text += f". First error of {name!r}: {describe_fault(got, unit)}"
        if len(hit) > 1:
            text += f"; the other LFs' first errors: see {where}"
    warnings.warn(text, RuntimeWarning, stacklevel=user_stacklevel())


class Output(Protocol):
    """How one kind of LF output becomes a validated column of a block.

    ``unit`` names a record in messages (``"row"``, ``"sentence"``);
    ``raised`` is the error class for an LF that raised; ``faulted`` is the
    output recorded for a row on which a row-wise LF raised.
    """

    unit: str
    raised: type[LFApplyError]
    faulted: Any

    def length(self, chunk: Any) -> int: ...

    def index(self, chunk: Any) -> Sequence[Any]: ...

    def records(self, chunk: Any) -> Sequence[Any]: ...

    def from_rows(self, lf: LabelingFunction, outs: list[Any], chunk: Any, records: Sequence[Any]) -> Any: ...

    def from_batch(self, lf: LabelingFunction, out: Any, chunk: Any) -> Any: ...

    def all_faulted(self, lf: LabelingFunction, chunk: Any) -> Any: ...

    def stack(self, columns: list[Any], chunk: Any) -> Any: ...


class LFTimeout(Exception):
    """Raised inside an LF call that ran past the applier's ``timeout`` (then handled by the fault policy).

    ``watchdog`` is the apply whose limit it is: an LF that runs an apply of its own with ``timeout=`` may be
    interrupted by the outer limit inside the inner LF call, and the inner apply passes that on instead of
    counting it as its own LF's fault.
    """

    def __init__(self, message: str, watchdog: Any = None) -> None:
        super().__init__(message)
        self.watchdog = watchdog

    def __reduce__(self) -> tuple[Any, ...]:
        # the watchdog (signal handlers, timers) stays in its process: a worker's timeout reaches the parent as
        # a plain LFTimeout
        return (type(self), self.args)


def _foreign_timeout(exc: BaseException, watch: Any) -> BaseException | None:
    """The outer apply's :class:`LFTimeout` inside ``exc`` (itself, or a batched LF's row failure), else None."""
    for e in (exc, getattr(exc, "cause", None)):
        if isinstance(e, LFTimeout) and e.watchdog is not None and e.watchdog is not watch:
            return e
    return None


def check_timeout(timeout: float | None) -> float | None:
    """Validate a ``timeout=`` argument: None, or seconds > 0 (enforced in the process's main thread).

    >>> from weaksup.apply.kernel import check_timeout
    >>> check_timeout(2)
    2.0
    """
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float, np.integer, np.floating)) \
            or not np.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
    if not hasattr(signal, "setitimer"):
        raise ValueError("timeout= needs signal.setitimer (POSIX); it is not available on this platform")
    return float(timeout)


_PROMPT = 1e-6  # seconds: a caller's timer already due is re-armed to fire this soon (0 would cancel it)


class _Watchdog:
    """Interrupts the LF call running longer than ``timeout`` seconds (SIGALRM, main thread only).

    The kernel marks the start of each call (``watch.start = perf_counter()``); a
    timer ticking every ``timeout / 4`` seconds raises :class:`LFTimeout` inside
    the call once it has run past the limit.  Cost per call: one assignment.

    The caller's own ``ITIMER_REAL`` timer (``signal.alarm`` / ``signal.setitimer``: a job watchdog,
    pytest-timeout's signal method, an outer ``_Watchdog``) keeps its time: it is taken over on entry, a tick
    is shortened to wake when it falls due, and then its handler runs (inside the LF call, as it would
    without the watchdog) with the timer as after a real expiry (re-armed by its interval; the handler
    may re-arm or cancel it).  On exit the handler and the timer are handed back, with the time left and
    the interval; one that fell due after the last tick fires at once.  A caller's ``SIG_DFL`` (or a
    handler not set from Python) is SIGALRM's default action, ending the process as the caller's timer
    would have; ``SIG_IGN`` ignores it.
    """

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.start: float | None = None
        self._old: Any = None
        self._active = False  # False: a SIGALRM still pending as the watchdog exits is not acted on
        self._delivering = False  # the caller's handler is running, under the caller's timer
        self._due: float | None = None  # perf_counter() time the caller's timer falls due; None: not armed
        self._interval = 0.0  # the caller's timer interval
        self._tick = 0.0

    def __enter__(self) -> _Watchdog:
        if self.timeout is None:
            return self
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("timeout= is enforced with SIGALRM, which works only in the main thread of a "
                               "process (the serial and process engines); apply from the main thread or "
                               "without timeout=")
        self._tick = max(0.001, self.timeout / 4)
        self._take_timer()  # stopped while the handler is swapped: it cannot fire into the wrong one
        self._old = signal.signal(signal.SIGALRM, self._fire)
        self._active = True
        self._arm()
        return self

    def _take_timer(self) -> None:
        """Stop ``ITIMER_REAL`` and remember it as the caller's timer (set and read in one call: no race)."""
        delay, self._interval = signal.setitimer(signal.ITIMER_REAL, 0, 0)
        self._due = time.perf_counter() + delay if delay > 0 else None

    def _arm(self) -> None:
        """Next wake-up: a tick, or sooner where the caller's timer falls due first."""
        delay = self._tick
        if self._due is not None:
            delay = min(delay, max(self._due - time.perf_counter(), _PROMPT))
        signal.setitimer(signal.ITIMER_REAL, delay, self._tick)

    def _call_old(self, signum: int, frame: Any) -> None:
        old = self._old
        if callable(old):
            old(signum, frame)
        elif old != signal.SIG_IGN:  # SIG_DFL, or a handler not set from Python: SIGALRM's default action
            self._active = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.raise_signal(signal.SIGALRM)  # ends the process, as the caller's timer would have

    def _deliver(self, signum: int, frame: Any) -> None:
        """The caller's timer fell due: run its handler with the timer as after a real expiry."""
        signal.setitimer(signal.ITIMER_REAL, self._interval, self._interval)
        self._delivering = True
        try:
            self._call_old(signum, frame)
        finally:
            self._delivering = False
            self._take_timer()  # as the handler left it (re-armed, cancelled or by the interval)

    def _fire(self, signum: int, frame: Any) -> None:
        if self._delivering:  # the caller's timer fired again inside its own handler: theirs to handle
            self._call_old(signum, frame)
            return
        if not self._active:
            return
        try:
            if self._due is not None and time.perf_counter() >= self._due:
                self._deliver(signum, frame)
        finally:
            self._arm()
        if self.start is not None and time.perf_counter() - self.start > self.timeout:  # type: ignore[operator]
            self.start = None  # fire once per call
            raise LFTimeout(f"no result within timeout={self.timeout:g} s", self)

    def __exit__(self, *exc: Any) -> None:
        if self.timeout is None:
            return
        self._active = False
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, self._old if self._old is not None else signal.SIG_DFL)
        if self._due is not None:  # the caller's timer, with the time it has left
            signal.setitimer(signal.ITIMER_REAL, max(self._due - time.perf_counter(), _PROMPT), self._interval)


def apply_chunk(
    lfs: Sequence[LabelingFunction],
    chunk: Any,
    output: Output,
    fault: str,
    offset: int,
    *,
    tick: Callable[[], None] | None = None,
    timeout: float | None = None,
    row_tick: Callable[[int, int], None] | None = None,
    first_faults: dict[int, Fault] | None = None,
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Apply ``lfs`` to one chunk: ``(block, faults per LF, seconds per LF)``.

    ``offset`` is the chunk's first position in the whole data (for messages);
    ``tick`` is called after each LF (progress bars over LFs); ``timeout``
    (seconds) limits each LF call (one row of a row-wise LF, one chunk of a
    batched one): a call past it is a fault like an exception (``fault="raise"``
    raises an :class:`LFApplyError` naming the LF, row and limit).  ``row_tick(j, rows)``
    (progress bars over rows) is called as LF ``j`` has run on ``rows`` rows of the chunk: every
    :data:`TICK_ROWS` rows of a row-wise LF, and once a batched LF has run on the chunk.

    With ``fault="raise"`` the error raised is the one at the lowest position of
    the chunk, ties going to the first LF in list order (a batched LF that fails
    on the whole chunk fails at its first row): after an LF fails at a row, the
    later LFs run only on the rows before it (batched LFs on the chunk), to find
    an earlier failure, and their outputs are not checked.  An LF output that is
    not valid (:class:`LFOutputError`) is raised when it is checked, i.e. once
    its LF has run on the chunk, if no LF failed before it.

    ``first_faults`` (a dict, filled in place) gets, with ``fault="abstain"``/``"warn"``, the first fault of
    each LF that faulted in the chunk: ``{LF position: (exception type, message, row label, position in the
    whole data)}`` (see :func:`describe_fault`), for the report and the warning to name the cause.
    """
    n = output.length(chunk)
    index = output.index(chunk)
    unit = output.unit
    faults = np.zeros(len(lfs), dtype=np.int64)
    seconds = np.zeros(len(lfs))
    columns: list[Any] = []
    records: Sequence[Any] | None = None
    na_records: Sequence[Any] | None = None  # records with pd.NA kept, for snorkel LF objects (ForeignLF)
    first: tuple[int, LFApplyError, BaseException] | None = None  # fault="raise": (position, error, cause)
    with _Watchdog(timeout) as watch:
        for j, lf in enumerate(lfs):
            if first is not None and first[0] == 0:
                break  # no later LF can fail before the chunk's first row
            limit = n if first is None else first[0]
            t0 = time.perf_counter()
            if lf.batched:
                policy = _FAULT_POLICY.set(fault)
                try:
                    watch.start = time.perf_counter()
                    out = lf(chunk)
                    watch.start = None
                except RowsFailed as exc:
                    watch.start = None
                    outer = _foreign_timeout(exc, watch)
                    if outer is not None:
                        raise outer  # the enclosing apply's limit, not this LF's fault
                    cause = exc.cause if exc.cause is not None else exc
                    i = exc.positions[0]
                    if fault == "raise" or exc.output is None:
                        if fault == "raise":
                            if i < limit:
                                first = (i, output.raised(
                                    f"batched LF {lf.name!r} {_what(cause)} on {unit} {_label(index[i])!r} "
                                    f"({_at(offset + i)}; {len(exc.positions)} of the chunk's {n} {unit}s "
                                    f"failed): {exc}", lf.name, _label(index[i]), offset + i, cause), cause)
                        else:
                            faults[j] += n
                            columns.append(output.all_faulted(lf, chunk))
                            _keep_fault(first_faults, j, cause, index, i, offset)
                    else:
                        faults[j] += len(exc.positions)
                        columns.append(output.from_batch(lf, exc.output, chunk))
                        _keep_fault(first_faults, j, cause, index, i, offset)
                except Exception as exc:
                    watch.start = None
                    if _foreign_timeout(exc, watch) is not None:
                        raise  # the enclosing apply's limit, not this LF's fault
                    if fault == "raise":
                        first = (0, output.raised(
                            f"batched LF {lf.name!r} {_what(exc)} on {_chunk_rows(index, n, offset, unit)}: "
                            f"{exc}", lf.name, _label(index[0]) if n else None, offset, exc), exc)
                    else:
                        faults[j] += n
                        columns.append(output.all_faulted(lf, chunk))
                        if n:
                            _keep_fault(first_faults, j, exc, index, 0, offset)
                else:
                    if first is None:
                        columns.append(_checked(output.from_batch, offset, lf, out, chunk))
                finally:
                    _FAULT_POLICY.reset(policy)
                if row_tick is not None:
                    row_tick(j, n)
            else:
                if records is None:
                    records = output.records(chunk)
                rows = records
                if isinstance(lf, ForeignLF):
                    if na_records is None:
                        keep = getattr(output, "snorkel_records", None)
                        na_records = keep(chunk, records) if keep is not None else records
                    rows = na_records
                call = lf.row_caller()
                outs: list[Any] = []
                append = outs.append
                timed = timeout is not None
                step = TICK_ROWS if row_tick is not None else max(limit, 1)
                for lo in range(0, limit, step):  # blocks of rows between progress ticks (one block without)
                    hi = min(lo + step, limit)
                    block = (rows if lo == 0 and hi == n else rows[lo:hi] if isinstance(rows, list)
                             else islice(rows, lo, hi))
                    failed = False
                    for i, x in enumerate(block, lo):
                        try:
                            if timed:
                                watch.start = time.perf_counter()
                                append(call(x))
                                watch.start = None
                            else:
                                append(call(x))
                        except Exception as exc:
                            watch.start = None
                            if _foreign_timeout(exc, watch) is not None:
                                raise  # the enclosing apply's limit, not this LF's fault
                            if fault == "raise":
                                first = (i, output.raised(
                                    f"LF {lf.name!r} {_what(exc)} on {unit} {_label(index[i])!r} "
                                    f"({_at(offset + i)}): {exc}", lf.name, _label(index[i]), offset + i, exc), exc)
                                failed = True
                                break
                            if not faults[j]:
                                _keep_fault(first_faults, j, exc, index, i, offset)
                            faults[j] += 1
                            append(output.faulted)
                    if failed:
                        break
                    if row_tick is not None:
                        row_tick(j, hi)
                if first is None:
                    columns.append(_checked(output.from_rows, offset, lf, outs, chunk, rows))
            seconds[j] = time.perf_counter() - t0
            if tick is not None:
                tick()
    if first is not None:
        # the LFs before the failing one ran on every row of the chunk and their outputs were checked: an engine
        # may keep these columns (engines.base.keep_finished) so that a rerun after the fix does not repeat them
        first[1].chunk_done = (columns, faults[:len(columns)], seconds[:len(columns)])
        raise first[1] from first[2]
    return output.stack(columns, chunk), faults, seconds


def _keep_fault(kept: dict[int, Fault] | None, j: int, exc: BaseException, index: Sequence[Any], i: int,
                offset: int) -> None:
    """Keep LF ``j``'s first fault in the chunk (row ``i``), unless one is kept (or nothing is asked)."""
    if kept is not None and j not in kept:
        kept[j] = (type(exc).__name__, str(exc), _label(index[i]), offset + i)


def _checked(check: Callable[..., Any], offset: int, *args: Any) -> Any:
    """``check(*args)`` (an adapter's ``from_rows`` / ``from_batch``); an error it raises with a row position
    in the chunk is raised with the position in the whole data."""
    try:
        return check(*args)
    except LFApplyError as err:
        if err.position is None or not offset:
            raise
        raise shift_error(err, offset) from err.__cause__


def _label(v: Any) -> Any:
    """A row label as messages show it: ``1``, not ``np.int64(1)``."""
    return v.item() if isinstance(v, np.generic) else v


def _at(position: int) -> str:
    """How a message gives a row's position in the whole data (:func:`shift_error` finds it again)."""
    return f"position {position}"


def _chunk_rows(index: Sequence[Any], n: int, offset: int, unit: str) -> str:
    if not n:
        return f"an empty chunk (no {unit}s, at {_at(offset)})"
    return (f"the chunk of {unit}s {_label(index[0])!r}..{_label(index[-1])!r} "
            f"(positions {offset}..{offset + n - 1})")


_POSITIONS = re.compile(r"\(positions? (\d+)(?:\.\.(\d+))?")


def shift_error(err: LFApplyError, shift: int) -> LFApplyError:
    """``err`` as raised for a chunk that starts ``shift`` rows further on: ``position`` and the positions
    in the message moved by ``shift``.

    The Dask engine applies each partition from position 0 (its offset is known only once the partitions
    before it have run, so the data is read once) and moves the error of a failed partition with this.

    >>> from weaksup import LFApplyError
    >>> from weaksup.apply.kernel import shift_error
    >>> err = shift_error(LFApplyError("LF 'a' raised KeyError on row 'r3' (position 3): 'x'", "a", "r3", 3), 100)
    >>> str(err), err.position
    ("LF 'a' raised KeyError on row 'r3' (position 103): 'x'", 103)
    """
    if not shift or err.position is None:
        return err
    cls, args = err.__reduce__()[:2]
    message = args[0]
    for m in _POSITIONS.finditer(message):
        if int(m.group(1)) == err.position:  # the kernel's own text, not a row label that looks like it
            lo, hi = int(m.group(1)) + shift, m.group(2)
            moved = f"(positions {lo}..{int(hi) + shift}" if hi is not None else f"(position {lo}"
            message = message[:m.start()] + moved + message[m.end():]
            break
    moved_err: LFApplyError = cls(message, *args[1:3], err.position + shift, *args[4:])
    return moved_err


def _what(exc: BaseException) -> str:
    return "timed out" if isinstance(exc, LFTimeout) else f"raised {type(exc).__name__}"


_set_label = _LABEL.__set__

# ------------------------------------------------------------- class votes
_ABSTAIN_MIN = ABSTAIN
_INT64_END = 2**63
_INT_TYPES = frozenset({int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64})
_UINT_TYPES = frozenset({np.uint8, np.uint16, np.uint32, np.uint64})


class FrameOutput:
    """Base of the adapters whose chunks are pandas DataFrames.

    Row-wise LFs receive each row as a :class:`~weaksup.lf.Row`; batched LFs
    the DataFrame chunk; messages name rows by the frame's index labels.
    """

    unit = "row"
    #: A missing cell of a nullable column (Int64, Float64, boolean, string) reaches row-wise LFs as ``pd.NA``,
    #: as in snorkel's ``PandasLFApplier``; False (weaksup's native rows): as ``None``.  snorkel LabelingFunction
    #: objects (:class:`~weaksup.lf.ForeignLF`) get ``pd.NA`` either way.
    keep_na = False

    def length(self, chunk: pd.DataFrame) -> int:
        return len(chunk)

    def index(self, chunk: pd.DataFrame) -> pd.Index:
        return chunk.index

    def records(self, chunk: pd.DataFrame) -> list[Row]:
        rows = [Row(r) for r in chunk.to_dict("records")]
        for row, label in zip(rows, chunk.index.tolist()):  # the index label: a snorkel LF's x.name
            _set_label(row, label)
        if self.keep_na:
            for name, positions in _na_cells(chunk):
                for i in positions:
                    dict.__setitem__(rows[i], name, pd.NA)
        return rows

    def snorkel_records(self, chunk: Any, records: Sequence[Any]) -> Sequence[Any]:
        """``records`` as snorkel's ``PandasLFApplier`` hands them to a snorkel LF: ``pd.NA`` in missing cells.

        ``to_dict("records")`` turns ``pd.NA`` into ``None``, and a snorkel LF's ``x.field is pd.NA`` guard then
        misses (a silent vote) or ``x.field >= 4`` raises.  Rows with such a cell are copied, so the other LFs
        of the chunk keep theirs; without one, ``records`` itself is returned.
        """
        cells = _na_cells(chunk) if isinstance(chunk, pd.DataFrame) and not self.keep_na else []
        if not cells:
            return records
        out = list(records)
        for i in sorted({int(i) for _, positions in cells for i in positions}):
            out[i] = Row.copy(out[i])
        for name, positions in cells:
            for i in positions:
                dict.__setitem__(out[i], name, pd.NA)
        return out


def _na_cells(chunk: pd.DataFrame) -> list[tuple[Any, np.ndarray]]:
    """(column label, row positions) of the missing cells of the chunk's ``pd.NA`` (nullable) columns."""
    cells = []
    shadowed = chunk.columns.duplicated(keep="last")  # to_dict keeps the last column of a repeated label
    for j, dtype in enumerate(chunk.dtypes):
        if getattr(dtype, "na_value", None) is pd.NA and not shadowed[j]:
            positions = np.flatnonzero(chunk.iloc[:, j].isna().to_numpy())
            if len(positions):
                cells.append((chunk.columns[j], positions))
    return cells


class ClassOutput(FrameOutput):
    """Class votes: one int in ``-1..cardinality-1`` per row; the block is an ``n × m`` array of :meth:`block_dtype`
    (int8 for a few classes, an eighth of the memory of int64; int64 while the class count is inferred).

    ``small_blocks``: while the class count is inferred, each LF column and each chunk's block is made in the
    smallest dtype that holds its votes (int8 for a few classes) rather than int64, and an engine starts its
    block in :meth:`start_dtype` (int8), widening it when a larger vote comes
    (:func:`~weaksup.apply.engines.base.widen`).  Every vote is checked (-1 .. 2**63-1) before it is cast, so
    none wraps around.  Off by default: a caller that merges other votes into an engine's block (a resumed
    apply's partial columns) must then widen them to hold both (``np.promote_types``).
    """

    raised = LFApplyError
    faulted = ABSTAIN

    def __init__(self, cardinality: int | None = None, *, keep_na: bool = False, small_blocks: bool = False) -> None:
        self.cardinality = cardinality
        self.keep_na = keep_na
        self.small_blocks = small_blocks

    def block_dtype(self) -> np.dtype:
        """The dtype of an engine's ``n × m`` block of these votes: the smallest that holds ``-1..k-1``
        (:func:`~weaksup.votes.smallest_int_dtype`; every vote is checked to lie there), int64 while the class
        count is inferred (a vote may be any int until the applier checks the class count it implies).

        >>> from weaksup.apply.kernel import ClassOutput
        >>> ClassOutput(2).block_dtype(), ClassOutput(300).block_dtype(), ClassOutput().block_dtype()
        (dtype('int8'), dtype('int16'), dtype('int64'))
        """
        return smallest_int_dtype(self.cardinality) if self.cardinality is not None else np.dtype(np.int64)

    def start_dtype(self) -> np.dtype:
        """The dtype an engine makes its block in before it has seen a vote: :meth:`block_dtype`, or int8 with
        ``small_blocks`` while the class count is inferred (widened as larger votes come).

        >>> from weaksup.apply.kernel import ClassOutput
        >>> ClassOutput(300).start_dtype(), ClassOutput().start_dtype(), ClassOutput(small_blocks=True).start_dtype()
        (dtype('int16'), dtype('int64'), dtype('int8'))
        """
        return np.dtype(np.int8) if self._grows() else self.block_dtype()

    def _grows(self) -> bool:
        """Whether blocks take the smallest dtype of the votes seen (``small_blocks``, class count inferred)."""
        return self.small_blocks and self.cardinality is None

    def _fit(self, arr: np.ndarray) -> np.ndarray:
        """A checked column (votes in ``-1..k-1``, or ``-1 .. 2**63-1`` while ``k`` is inferred) in the dtype of
        the block it goes to: :meth:`block_dtype` (``k`` known), the smallest that holds its largest vote (``k``
        inferred, ``small_blocks``; no vote wraps around: each was checked first), else as it is."""
        if self._grows():
            dtype = smallest_int_dtype(max(int(arr.max()), 0)) if len(arr) else np.dtype(np.int8)
        elif self.cardinality is not None:
            dtype = self.block_dtype()
        else:
            return arr  # copied into the engine's int64 block as it is
        return arr.astype(dtype, copy=False)

    def _check_vote(self, lf: LabelingFunction, value: Any, row_index: Any, position: int) -> int:
        """One row-wise output as a vote; an LFOutputError naming the LF, row and position (in the chunk)."""
        row_index = _label(row_index)
        if isinstance(value, (float, np.floating)) and np.isfinite(value) and value == int(value):
            value = int(value)  # an integral float (an int read from an upcast row) is that int, as in batches
        where = f"on row {row_index!r} ({_at(position)})"
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise LFOutputError(
                f"LF {lf.name!r} returned {value!r} ({type(value).__name__}) {where}; "
                f"an LF must return an int class or ABSTAIN (-1)", lf.name, row_index, position,
            )
        v = int(value)
        if not _ABSTAIN_MIN <= v < (self.cardinality if self.cardinality is not None else _INT64_END):
            raise LFOutputError(f"LF {lf.name!r} returned {v} on row {row_index!r}: outside {self._bound()} "
                                f"({_at(position)})", lf.name, row_index, position)
        return v

    def _bound(self) -> str:
        k = self.cardinality
        return vote_bound(k) if k is not None else "-1..k-1 (votes are class ids, not numbers this large)"

    def from_rows(self, lf: LabelingFunction, outs: list[Any], chunk: pd.DataFrame,
                  records: Sequence[Any]) -> np.ndarray:
        index = chunk.index
        if not outs:
            return self._fit(np.zeros(0, dtype=np.int64))
        types = set(map(type, outs))
        if not types <= _INT_TYPES:
            for i, v in enumerate(outs):
                if type(v) not in _INT_TYPES:
                    self._check_vote(lf, v, index[i], i)
        if self.cardinality is None and types & _UINT_TYPES:
            # the batched rule for a row-wise LF: np.uint8(255) is -1 cast to uint8 (np.uint8(-1) in an LF that
            # builds its votes with numpy), not a class 255 that would add 255 classes
            for i, v in enumerate(outs):
                wrapped = wrapped_abstain(v.dtype, int(v)) if type(v) in _UINT_TYPES else None
                if wrapped is not None:
                    row = _label(index[i])
                    raise LFOutputError(f"LF {lf.name!r} returned {int(v)} on row {row!r} ({_at(i)}): {wrapped}",
                                        lf.name, row, i)
        try:
            arr = np.array(outs, dtype=np.int64)
        except OverflowError:  # an int past int64 (a hash, an id), or a uint64 past it
            i = next(i for i, v in enumerate(outs) if not -(2**63) <= int(v) < 2**63)
            self._check_vote(lf, outs[i], index[i], i)
            raise
        return self._in_range(lf, arr, index)

    def _in_range(self, lf: LabelingFunction, arr: np.ndarray, index: pd.Index) -> np.ndarray:
        """``arr`` if every vote is in ``-1..k-1``, else an LFOutputError naming the LF, first row and position."""
        bad = arr < _ABSTAIN_MIN
        if self.cardinality is not None:
            bad |= arr >= self.cardinality
        if not bad.any():
            return self._fit(arr)
        i = int(np.nonzero(bad)[0][0])
        row = _label(index[i])
        raise LFOutputError(f"LF {lf.name!r} returned {int(arr[i])} on row {row!r}: outside "
                            f"{vote_bound(self.cardinality)} ({_at(i)})", lf.name, row, i)

    def from_batch(self, lf: LabelingFunction, out: Any, chunk: pd.DataFrame) -> np.ndarray:
        out = align_to_chunk(lf, out, chunk)
        arr = np.asarray(out)
        if arr.shape != (len(chunk),):
            raise LFOutputError(
                f"batched LF {lf.name!r} returned shape {arr.shape} for a chunk of {len(chunk)} rows"
                + (f" (rows {_label(chunk.index[0])!r}..{_label(chunk.index[-1])!r})" if len(chunk) else "")
                + "; it must return one vote per row", lf.name,
            )
        if arr.dtype.kind not in "iu":
            if arr.dtype.kind == "f" and len(arr) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)) \
                    and np.all(np.abs(arr) < 2.0**63):
                arr = arr.astype(np.int64)
            elif len(arr) == 0:
                arr = arr.astype(np.int64)
            elif arr.dtype.kind == "O" and all(type(v) in _INT_TYPES for v in arr.tolist()):
                try:  # Python ints in an object array (e.g. a list with a big int)
                    arr = arr.astype(np.int64)
                except OverflowError:
                    bad = next(i for i, v in enumerate(arr.tolist()) if not -(2**63) <= v < 2**63)
                    self._check_vote(lf, arr[bad], chunk.index[bad], bad)
                    raise
            else:
                bad = 0
                if arr.dtype.kind == "f":
                    bad = int(np.nonzero(~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) >= 2.0**63))[0][0])
                elif arr.dtype.kind == "O":
                    bad = next(i for i, v in enumerate(arr.tolist()) if type(v) not in _INT_TYPES)
                value = arr[bad]
                value = value.item() if isinstance(value, np.generic) else value
                row = _label(chunk.index[bad])
                raise LFOutputError(
                    f"batched LF {lf.name!r} returned dtype {arr.dtype} (e.g. {value!r} on row "
                    f"{row!r}) ({_at(bad)}); it must return integer votes", lf.name, row, bad,
                )
        if arr.dtype.kind == "u" and arr.dtype.itemsize >= 8 and len(arr):
            big = np.nonzero(arr >= np.uint64(2**63))[0]  # would wrap to a negative int64 in the block
            if big.size:
                i = int(big[0])
                row = _label(chunk.index[i])
                raise LFOutputError(f"batched LF {lf.name!r} returned {int(arr[i])} on row {row!r}: "
                                    f"outside {self._bound()} ({_at(i)})", lf.name, row, i)
        if arr.dtype.kind == "u" and self.cardinality is None and len(arr):
            # VoteMatrix's rule for an unsigned matrix, per LF: with the class count inferred, the dtype's
            # maximum is -1 cast to it (np.where(..., 1, -1).astype(np.uint8)), not a class 255
            wrapped = wrapped_abstain(arr.dtype, int(arr.max()))
            if wrapped is not None:
                i = int(np.argmax(arr))
                row = _label(chunk.index[i])
                raise LFOutputError(f"batched LF {lf.name!r} returned {int(arr[i])} on row {row!r} ({_at(i)}): "
                                    f"{wrapped}", lf.name, row, i)
        return self._in_range(lf, arr, chunk.index)

    def all_faulted(self, lf: LabelingFunction, chunk: pd.DataFrame) -> np.ndarray:
        return np.full(len(chunk), ABSTAIN, dtype=self.start_dtype())

    def stack(self, columns: list[np.ndarray], chunk: pd.DataFrame) -> np.ndarray:
        # every column was checked to lie in -1..k-1: the chunk's block is made in the smallest dtype holding them
        # (with small_blocks and k inferred, the smallest that holds the chunk's largest vote)
        dtype = self.block_dtype()
        if self._grows():
            dtype = smallest_int_dtype(max([0, *(int(c.max()) for c in columns if len(c))]))
        block = np.full((len(chunk), len(columns)), ABSTAIN, dtype=dtype)
        for j, col in enumerate(columns):
            block[:, j] = col
        return block


def align_to_chunk(lf: LabelingFunction, out: Any, chunk: pd.DataFrame) -> Any:
    """A batched LF's pandas output in the chunk's row order.

    A Series (or one-column frame) indexed by the chunk's row labels in another
    order is reordered to the chunk's order; one with a default ``0..n-1``
    index is read by position; any other index is an error naming the LF and
    the first label that is not a row of the chunk (never silently misaligned).
    """
    if isinstance(out, pd.DataFrame):
        if out.shape[1] != 1:
            raise LFOutputError(f"batched LF {lf.name!r} returned a DataFrame with {out.shape[1]} columns for a "
                                f"chunk of {len(chunk)} rows; it must return one vote per row", lf.name)
        out = out.iloc[:, 0]
    if not isinstance(out, pd.Series):
        return out
    idx, rows = out.index, chunk.index
    if idx.equals(rows) or len(rows) == 0:
        return out.to_numpy()
    if len(idx) == len(rows) and isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1:
        return out.to_numpy()  # built from a plain array: positional
    if len(idx) == len(rows) and idx.is_unique and rows.is_unique and not idx.symmetric_difference(rows).size:
        return out.reindex(rows).to_numpy()  # the chunk's rows in another order
    unknown = [v for v in idx[:len(rows) + 1] if v not in set(rows)][:1] if idx.is_unique else []
    what = (f"label {unknown[0]!r} is not a row of the chunk" if unknown
            else "its index has duplicated or missing labels")
    raise LFOutputError(
        f"batched LF {lf.name!r} returned a pandas Series whose index does not match the chunk's rows "
        f"{rows[0]!r}..{rows[-1]!r} ({what}); return values in the chunk's order, or a Series indexed "
        f"like the chunk", lf.name)
