"""A missing nullable cell reaches a snorkel LF as pd.NA also when the row's other cells are text.

pandas 3 reads a row of strings as dtype ``str``, which turns pd.NA into nan: an LF guarding with
``x.stars is pd.NA`` then voted where snorkel 0.10 abstains (weaksup's LFApplier and the compat applier).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

snorkel_labeling = pytest.importorskip("snorkel.labeling")

from weaksup import LFApplier  # noqa: E402
from weaksup.compat.snorkel.labeling import LabelingFunction as CompatLF  # noqa: E402
from weaksup.compat.snorkel.labeling import PandasLFApplier as CompatApplier  # noqa: E402


def stars_guard(x):
    return -1 if x.stars is pd.NA else (1 if x.stars >= 4 else 0)


def no_review(x):
    return 0 if x.review is pd.NA else -1


FRAMES = [
    (pd.DataFrame({"stars": pd.array([5, None, 2], dtype="Int64"), "text": ["great", "meh", "bad"]}), stars_guard),
    (pd.DataFrame({"review": pd.array(["great", None, "ok"], dtype="string"), "title": ["t1", "t2", "t3"]}),
     no_review),
]


@pytest.mark.parametrize("df,f", FRAMES, ids=["Int64+text", "string+text"])
def test_snorkel_lf_sees_pd_na_beside_text_cells(df: pd.DataFrame, f) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect = snorkel_labeling.PandasLFApplier([snorkel_labeling.LabelingFunction(f.__name__, f=f)]).apply(
            df, progress_bar=False).ravel().tolist()
    lf = snorkel_labeling.LabelingFunction(f.__name__, f=f)
    got = LFApplier([lf], progress=False, cache=False).apply(df).to_dense().ravel().tolist()
    compat = CompatApplier([CompatLF(f.__name__, f=f)]).apply(df, progress_bar=False).ravel().tolist()
    assert expect.count(-1) >= 1 and got == expect and compat == expect
