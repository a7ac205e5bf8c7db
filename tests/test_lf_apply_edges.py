"""Edge cases of LFs, preprocessors, the apply kernel and the vote cache (one test per defect)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weaksup import apply_lfs, labeling_function, preprocessor


def test_memoised_preprocessor_keys_arrays_by_content_not_repr():
    """The memo keyed an array cell by repr(): numpy shortens arrays past 1000 elements with '...' and rounds
    them to set_printoptions' precision, so rows with different embeddings shared one memo entry."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=1024)
    b = a.copy()
    b[3:-3] = -b[3:-3]  # same first and last values: the same repr
    assert repr(a) == repr(b)

    @preprocessor(memoize=True)
    def project(x):
        x.proj = float(x.emb @ a)
        return x

    @labeling_function(pre=[project])
    def lf_near(x):
        return 1 if x.proj > 0 else 0

    df = pd.DataFrame({"text": ["t", "t"], "emb": [a, b]})
    assert apply_lfs([lf_near], df, progress=False).to_dense().ravel().tolist() == [1, 0]

    old = np.get_printoptions()
    np.set_printoptions(precision=3)
    try:
        @preprocessor(memoize=True)
        def first(x):
            x.v = float(x.emb[0])
            return x

        @labeling_function(pre=[first])
        def lf_first(x):
            return 1 if x.v > 0.1234 else 0

        df2 = pd.DataFrame({"text": ["t", "t", "t"],
                            "emb": [np.array([0.12341, 0.5]), np.array([0.12339, 0.5]), [0.12341, 0.5]]})
        assert apply_lfs([lf_first], df2, progress=False).to_dense().ravel().tolist() == [1, 0, 1]
    finally:
        np.set_printoptions(**old)


def test_memoised_preprocessor_runs_unkeyable_cells_without_memo():
    """A cell the content walk gives up on (nested deeper than it goes) is not memoised: each row runs."""
    def nested(v, depth=40):
        for _ in range(depth):
            v = [v]
        return v

    def leaf(cell):
        while isinstance(cell, list):
            cell = cell[0]
        return cell

    calls = []

    @preprocessor(memoize=True)
    def read(x):
        calls.append(1)
        x.v = leaf(x.obj)
        return x

    @labeling_function(pre=[read])
    def lf_v(x):
        return x.v

    df = pd.DataFrame({"obj": [nested(0), nested(1), nested(1)]})
    assert apply_lfs([lf_v], df, progress=False, cache=False).to_dense().ravel().tolist() == [0, 1, 1]
    assert len(calls) == 3
