"""A missing cell of a nullable column (Int64, Float64, boolean, string) reaches a snorkel LF as ``pd.NA``.

snorkel 0.10's ``PandasLFApplier`` hands the LF a row Series whose missing nullable cells are ``pd.NA``; weaksup's
kernel built rows with ``DataFrame.to_dict("records")``, which turns them into ``None``: a snorkel LF object run
by weaksup's applier (``0 if x.review is pd.NA else -1``) voted differently, silently, and a guard
``x.stars is pd.NA`` did not catch the missing cell (``None >= 4`` raised).  Native LFs keep ``None`` (documented
in docs/labeling_functions.md); the kernel's ``ClassOutput(keep_na=True)`` gives any LF snorkel's ``pd.NA``.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

snorkel_labeling = pytest.importorskip("snorkel.labeling")

from weaksup import LFApplier, labeling_function  # noqa: E402
from weaksup.apply.kernel import ClassOutput, apply_chunk  # noqa: E402
from weaksup.lf import as_lfs  # noqa: E402
from support.nullable_frame import DF, many_stars, na_fields, no_review  # noqa: E402


def snorkel_votes(f):
    lf = snorkel_labeling.LabelingFunction(f.__name__, f=f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return snorkel_labeling.PandasLFApplier([lf]).apply(DF, progress_bar=False).ravel().tolist()


@pytest.mark.parametrize("f", [no_review, many_stars, na_fields])
def test_snorkel_lf_object_sees_what_snorkel_hands_it(f):
    lf = snorkel_labeling.LabelingFunction(f.__name__, f=f)
    votes = LFApplier([lf], progress=False, cache=False).apply(DF).to_dense().ravel().tolist()
    assert votes == snorkel_votes(f)


def test_native_lf_in_the_same_chunk_keeps_none():
    snorkel_lf = snorkel_labeling.LabelingFunction("snorkel_fields", f=na_fields)
    native = labeling_function(name="native_fields")(na_fields)
    dense = LFApplier([native, snorkel_lf], progress=False, cache=False).apply(DF).to_dense()
    none_code = 2 * (1 + 3 + 9 + 27)  # stars, review, score, verified missing as None on row 11
    assert dense[1].tolist() == [none_code, none_code // 2]
    assert dense[3, 0] == 2 and dense[3, 1] == 1  # row 13: only stars missing
    assert dense[:, 1].tolist() == snorkel_votes(na_fields)


@pytest.mark.parametrize("f", [no_review, many_stars, na_fields])
def test_keep_na_output_gives_native_lfs_snorkel_rows(f):
    lfs = as_lfs([labeling_function(name=f.__name__)(f)])
    block, faults, _ = apply_chunk(lfs, DF, ClassOutput(keep_na=True), "raise", 0)
    assert block.ravel().tolist() == snorkel_votes(f) and not faults.any()


def test_votes_cached_before_snorkel_lfs_saw_pd_na_are_not_served() -> None:
    # Before 20fd6dc a snorkel LF saw None in a missing nullable cell; votes cached then would answer an LF that
    # tests `x.col is pd.NA` wrongly. The fingerprint of a snorkel LF changed with the semantics, so they are not read.
    from snorkel.labeling import labeling_function as snorkel_lf

    from weaksup.lf import ForeignLF
    from weaksup.lf.core import _combine
    from weaksup.lf.fingerprint import fingerprint_callable, stable_repr

    @snorkel_lf()
    def stars_missing(x):
        return 0 if x.stars is pd.NA else -1

    parts = [fingerprint_callable(stars_missing._f), stable_repr({})]
    before = _combine(["snorkel", "stars_missing", *parts])  # None in the row (before 20fd6dc)
    text_rows = _combine(["snorkel", "na:pd.NA", "stars_missing", *parts])  # nan beside text cells (before 6e1fd7c)
    assert ForeignLF(stars_missing).fingerprint() not in (before, text_rows)
