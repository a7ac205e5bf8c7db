"""Value votes given as a polars DataFrame or a pyarrow Table are read as a pandas frame is: one column per LF,
named by the column.

``as_value_votes`` took names only from a pandas DataFrame: a polars frame (iterated by column) was read
transposed, its LF names lost (``lf_0``, ``lf_1``, ``lf_2`` for 2 LFs on 3 rows), silently; a pyarrow table's
cells arrived as pyarrow scalars and were refused as "not a number".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup.universal import RealSpace, UniversalLabelModel, as_value_votes

PDF = pd.DataFrame({"gps": [1.0, None, 2.0], "wifi": [1.5, 2.5, None]})


def _as(kind: str):
    if kind == "polars":
        return pytest.importorskip("polars").from_pandas(PDF)
    return pytest.importorskip("pyarrow").Table.from_pandas(PDF, preserve_index=False)


@pytest.mark.parametrize("kind", ["polars", "pyarrow"])
def test_columnar_value_votes_keep_their_lf_names_and_rows(kind):
    want = as_value_votes(PDF, RealSpace())
    got = as_value_votes(_as(kind), RealSpace())
    assert got.lf_names == ["gps", "wifi"] == want.lf_names and got.shape == (3, 2)
    assert np.array_equal(got.abstain, want.abstain)
    assert np.array_equal(got.values, want.values, equal_nan=True)


def test_a_model_fits_polars_votes_as_the_pandas_ones():
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    truth = rng.normal(size=200)
    pdf = pd.DataFrame({f"lf{j}": truth + rng.normal(scale=0.1 * (j + 1), size=200) for j in range(3)})
    a = UniversalLabelModel(RealSpace(1)).fit(pdf, seed=0)
    b = UniversalLabelModel(RealSpace(1)).fit(pl.from_pandas(pdf), seed=0)
    assert np.allclose(a.predict(pdf), b.predict(pl.from_pandas(pdf)))
