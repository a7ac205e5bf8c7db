"""``snorkel.labeling.apply.core``: ``LFApplier`` over a list / array of data points, on weaksup's LF kernel.

Every applier here cuts the data into chunks and runs them through
:func:`weaksup.apply.kernel.apply_chunk` (THE LF loop: one fault policy, one
vote check).  Each LF receives the data point itself (``LFApplier``) or a
pandas Series named by its index label (``PandasLFApplier``), as in snorkel.
Without ``fault_tolerant`` the LF's own exception propagates (its type
unchanged, with a note naming the LF and the row); with it the LF abstains
there and ``return_meta=True`` reports ``ApplierMetadata(faults={lf: rows})``.

>>> from weaksup.compat.snorkel.labeling import labeling_function
>>> from weaksup.compat.snorkel.labeling import LFApplier
>>> @labeling_function()
... def first_big(x):
...     return 0 if x[0] > 42 else -1
>>> LFApplier([first_big]).apply([[43], [1]], progress_bar=False).tolist()
[[0], [-1]]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, Literal, overload

import numpy as np

from weaksup.apply.compat import ApplierMetadata
from weaksup.apply.errors import LFApplyError, LFOutputError
from weaksup.apply.kernel import ClassOutput, apply_chunk
from weaksup.lf.core import LabelingFunction as _NativeLF
from weaksup.lf.core import as_lfs

__all__ = ["ApplierMetadata", "BaseLFApplier", "LFApplier"]

#: Rows per kernel call (one progress-bar step).
CHUNK_ROWS = 4096


class _Points:
    """A chunk of data points with the index labels the kernel names rows by."""

    __slots__ = ("records", "index")

    def __init__(self, records: list[Any], index: Sequence[Any]) -> None:
        self.records = records
        self.index = index

    def __len__(self) -> int:
        return len(self.records)


class _PointOutput(ClassOutput):
    """Class votes from LFs that receive each data point as is (snorkel's convention)."""

    def length(self, chunk: _Points) -> int:
        return len(chunk)

    def index(self, chunk: _Points) -> Sequence[Any]:
        return chunk.index

    def records(self, chunk: _Points) -> list[Any]:
        return chunk.records


class BaseLFApplier:
    """Holds the LFs (unique names checked by :func:`weaksup.lf.as_lfs`) and runs chunks through the kernel."""

    def __init__(self, lfs: Sequence[Any]) -> None:
        from weaksup.compat.snorkel.labeling.lf.core import LabelingFunction

        self._lfs = list(lfs)
        # snorkel's own LFs (a half-migrated script) are called as they are, on the same data point
        self._kernel_lfs = as_lfs([lf if isinstance(lf, _NativeLF) or not type(lf).__module__.startswith("snorkel")
                                   else LabelingFunction(lf.name, lf) for lf in self._lfs])
        self._lf_names = [lf.name for lf in self._kernel_lfs]

    def _apply_points(self, chunks: Iterator[_Points], n: int, progress_bar: bool, fault_tolerant: bool,
                      return_meta: bool) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]:
        from tqdm.auto import tqdm

        output = _PointOutput(cardinality=None)
        blocks = []
        faults = np.zeros(len(self._kernel_lfs), dtype=np.int64)
        offset = 0
        with tqdm(total=n, disable=not progress_bar, unit="row") as bar:
            for chunk in chunks:
                try:
                    block, chunk_faults, _ = apply_chunk(self._kernel_lfs, chunk, output,
                                                         "abstain" if fault_tolerant else "raise", offset)
                except LFApplyError as err:
                    original = err.original
                    if isinstance(err, LFOutputError) or not isinstance(original, BaseException):
                        raise
                    original.add_note(str(err))  # the LF's own exception, naming LF and row
                    raise original from None
                blocks.append(block)
                faults += chunk_faults
                offset += len(chunk)
                bar.update(len(chunk))
        m = len(self._kernel_lfs)
        L = np.vstack(blocks) if blocks else np.zeros((0, m), dtype=np.int64)
        if return_meta:
            # a defaultdict(int) as snorkel's: faults[name] is 0 for an LF that never failed
            return L, ApplierMetadata(defaultdict(int, {name: int(f) for name, f in zip(self._lf_names, faults) if f}))
        return L

    def __repr__(self) -> str:
        return f"{type(self).__name__}, LFs: {self._lf_names}"


class LFApplier(BaseLFApplier):
    """``LFApplier(lfs).apply(data_points, progress_bar=True, fault_tolerant=False, return_meta=False)``.

    ``data_points`` is any sequence (a list of objects, a 2-D numpy array:
    each LF gets one element / row).  Returns the ``n × m`` int label matrix
    (``-1`` = abstain).
    """

    # overloads: a type checker sees the matrix (not a union to unpack) unless return_meta=True asks for the pair
    @overload
    def apply(self, data_points: Any, progress_bar: bool = True, fault_tolerant: bool = False,
              return_meta: Literal[False] = False) -> np.ndarray: ...

    @overload
    def apply(self, data_points: Any, progress_bar: bool, fault_tolerant: bool,
              return_meta: Literal[True]) -> tuple[np.ndarray, ApplierMetadata]: ...

    @overload
    def apply(self, data_points: Any, progress_bar: bool = True, fault_tolerant: bool = False, *,
              return_meta: Literal[True]) -> tuple[np.ndarray, ApplierMetadata]: ...

    @overload
    def apply(self, data_points: Any, progress_bar: bool = True, fault_tolerant: bool = False,
              return_meta: bool = False) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]: ...

    def apply(self, data_points: Any, progress_bar: bool = True, fault_tolerant: bool = False,
              return_meta: bool = False) -> np.ndarray | tuple[np.ndarray, ApplierMetadata]:
        points = list(data_points)
        n = len(points)
        chunks = (_Points(points[s:s + CHUNK_ROWS], range(s, min(s + CHUNK_ROWS, n)))
                  for s in range(0, n, CHUNK_ROWS))
        return self._apply_points(chunks, n, progress_bar, fault_tolerant, return_meta)
