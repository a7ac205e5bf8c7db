"""``snorkel.slicing.apply.dask``: ``DaskSFApplier`` and ``PandasParallelSFApplier`` (record array output).

Each Dask partition runs the compat ``PandasLFApplier``; the stacked slice
matrix becomes a record array with one ``int64`` field per SF name.
"""

from weaksup.compat.snorkel.labeling.apply.dask import DaskLFApplier, PandasParallelLFApplier
from weaksup.compat.snorkel.slicing.apply.core import _RecordArrayOutput

__all__ = ["DaskSFApplier", "PandasParallelSFApplier"]


class DaskSFApplier(_RecordArrayOutput, DaskLFApplier):
    """``DaskSFApplier(sfs).apply(df, scheduler="processes", fault_tolerant=False)`` on a Dask DataFrame."""


class PandasParallelSFApplier(_RecordArrayOutput, PandasParallelLFApplier):
    """``PandasParallelSFApplier(sfs).apply(df, n_parallel=2, scheduler="processes", fault_tolerant=False)``."""
