"""The drop-in ``weaksup.apply.PandasLFApplier`` / ``DaskLFApplier`` hand LFs ``pd.NA`` in a missing nullable cell.

snorkel 0.10's appliers hand an LF a row whose missing cells of nullable columns (Int64, Float64, boolean, string)
are ``pd.NA``.  The drop-in ran the LFs (now native weaksup LFs, after the import swap) on weaksup's rows, where
they are ``None``: a guard ``x.review is pd.NA`` missed the cell (a silent vote) and ``x.stars >= 4`` raised.  Side
by side with real snorkel here.  weaksup's own ``LFApplier`` keeps ``None`` for native LFs (unchanged).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

snorkel_labeling = pytest.importorskip("snorkel.labeling")

from weaksup import LFApplier, labeling_function  # noqa: E402
from weaksup.apply import PandasLFApplier, VoteCache  # noqa: E402
from support.nullable_frame import DF, many_stars, na_fields, no_review  # noqa: E402


def _snorkel(f, **kwargs):
    lf = snorkel_labeling.labeling_function(name=f.__name__)(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return snorkel_labeling.PandasLFApplier([lf]).apply(DF, progress_bar=False, **kwargs)


@pytest.mark.parametrize("f", [no_review, many_stars, na_fields])
def test_dropin_gives_native_lfs_what_snorkel_gives_them(f):
    L = PandasLFApplier([labeling_function(name=f.__name__)(f)]).apply(DF, progress_bar=False)
    assert L.tolist() == _snorkel(f).tolist()
    L, meta = PandasLFApplier([labeling_function(name=f.__name__)(f)]).apply(
        DF, progress_bar=False, fault_tolerant=True, return_meta=True)
    assert L.tolist() == _snorkel(f, fault_tolerant=True).tolist() and meta.faults == {}


def test_dropin_batched_lf_still_gets_the_frame():
    @labeling_function(batched=True, name="missing_stars")
    def missing_stars(d):
        return np.where(d.stars.isna(), 0, -1)

    assert PandasLFApplier([missing_stars]).apply(DF, progress_bar=False).ravel().tolist() == [-1, 0, -1, 0]


def test_dask_dropin_gives_pd_na_too():
    dd = pytest.importorskip("dask.dataframe")
    from weaksup.apply import DaskLFApplier

    L = DaskLFApplier([labeling_function(name="na_fields")(na_fields)]).apply(dd.from_pandas(DF, npartitions=2))
    assert L.ravel().tolist() == _snorkel(na_fields).ravel().tolist()


def test_native_applier_keeps_none_and_does_not_share_cached_columns_with_pd_na_rows():
    """The same LF votes differently on pd.NA rows than on None rows: an applier giving pd.NA (the drop-in's
    ``_keep_na``) must not be served the columns of one giving None from a shared cache, nor the reverse."""
    lf = labeling_function(name="no_review")(no_review)
    cache = VoteCache()
    native = LFApplier([lf], progress=False, cache=cache).apply(DF).to_dense().ravel().tolist()
    assert native == [-1, -1, -1, -1]  # None, not pd.NA: unchanged
    with_na = LFApplier([lf], progress=False, cache=cache, _keep_na=True)
    votes = with_na.apply(DF)
    assert votes.to_dense().ravel().tolist() == [-1, 0, -1, -1] and votes.report.recomputed == ["no_review"]
    again = LFApplier([lf], progress=False, cache=cache).apply(DF)
    assert again.to_dense().ravel().tolist() == native and again.report.recomputed == []
