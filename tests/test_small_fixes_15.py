"""Small fixes of probe round 15: exact integer thresholds in threshold_lf, Cosine's stage-2 warning pointing at
the user's call, and the HMM tagger's ``outside`` option."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import pytest

from weaksup.apply import apply_lfs
from weaksup.lf import Row, threshold_lf

_PY = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
       "!=": operator.ne}


def test_threshold_lf_compares_big_integers_exactly():
    """threshold_lf cast the field and the threshold to float64, where 2**53 + 1 == 2**53: 'id > 2**53' abstained
    on 2**53 + 1, and '== 9e18' voted for the int64 id 9e18 + 1.  Ints (numpy, nullable, Python ints beyond int64)
    now compare exactly, in the batch and the one-row paths alike; floats against an int threshold float64 cannot
    hold compare exactly too."""
    big = 9_000_000_000_000_000_000
    near = pd.DataFrame({"v": [2**53 + 1, 2**53, 2**53 - 1]})
    assert threshold_lf("v", 2**53, 1, op=">")(near).tolist() == [1, -1, -1]
    ids = pd.DataFrame({"id": np.array([big, big + 1, -big], dtype=np.int64)})
    assert threshold_lf("id", big, 1, op="==")(ids).tolist() == [1, -1, -1]
    assert threshold_lf("id", big, 1, op="!=")(ids).tolist() == [-1, 1, 1]
    assert [threshold_lf("id", big, 1, op="==")(Row(id=v)) for v in (np.int64(big), big + 1)] == [1, -1]
    u = pd.DataFrame({"u": np.array([2**64 - 1, 2**64 - 2], dtype=np.uint64)})
    assert threshold_lf("u", 2**64 - 2, 1, op=">")(u).tolist() == [1, -1]
    assert threshold_lf("b", 2**70, 1, op=">")(pd.DataFrame({"b": [2**70 + 1, 2**70, "x", None]})).tolist() \
        == [1, -1, -1, -1]
    assert threshold_lf("f", 2**53 + 1, 1, op="<")(pd.DataFrame({"f": [float(2**53)]})).tolist() == [1]

    # against Python's exact int/float comparison, every op, for int64, nullable Int64 (with a missing cell),
    # uint64, float64 and object columns, and thresholds inside, between and beyond them
    values = {"int64": [0, -1, 2**53 - 1, 2**53, 2**53 + 1, 2**63 - 1, -2**63, big + 1],
              "Int64": [0, 2**53 + 1, big, None],
              "uint64": [0, 2**53 + 1, 2**63, 2**64 - 1],
              "float64": [0.5, -0.5, float(2**53), 1e308, float("inf"), float("nan")],
              "object": [2**70 + 1, -2**70, 2**64, 2**53 + 1, 0.25, "7", None]}
    thresholds = [0, 0.5, -0.5, 2**53, 2**53 + 1, float(2**53), 2**63, -2**63 - 1, 2**70, np.int64(big),
                  np.float32(0.5), float("inf"), -float("inf"), 2**1100]
    for dtype, vals in values.items():
        col = pd.Series(vals, dtype=dtype)
        for t in thresholds:
            for op, cmp in _PY.items():
                lf = threshold_lf("v", t, 1, op=op)
                tt = int(t) if isinstance(t, (int, np.integer)) else float(t)
                want = [-1 if v is None or v != v else (1 if cmp(int(v) if isinstance(v, str) else v, tt) else -1)
                        for v in vals]
                assert lf(pd.DataFrame({"v": col})).tolist() == want, (dtype, t, op)
                assert [lf(Row(v=v)) for v in col.tolist()] == want, (dtype, t, op)
    # the appliers see the same votes
    lfs = [threshold_lf("id", big, 1, op=">=", name="big_id")]
    assert np.asarray(apply_lfs(lfs, ids))[:, 0].tolist() == [1, 1, -1]


def _cosine_without_confident_rows():
    from weaksup.endmodel import MLP, Cosine

    # one step at lr 1e-6: the teacher stays near uniform, no row has confidence above 0.99
    return Cosine(MLP(max_steps=1, lr=1e-6, hidden_sizes=(16,), progress=False), self_training_steps=60,
                  thresh=0.99, progress=False)


def test_cosine_stage2_warning_points_at_the_users_call():
    """Cosine's 'only 0 row(s) with confidence' warning used a fixed stacklevel=5: right for a direct fit, but
    fitted by a Pipeline it pointed at weaksup/pipeline.py.  It now points at the user's line either way."""
    from weaksup.pipeline import Pipeline

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    votes = np.where(rng.random((300, 3)) < 0.7, y[:, None], -1)
    with pytest.warns(RuntimeWarning, match="only 0 row") as direct:
        _cosine_without_confident_rows().fit(X, y, valid=(X[:40], y[:40]), seed=1)
    with pytest.warns(RuntimeWarning, match="only 0 row") as piped:
        Pipeline(end_model=_cosine_without_confident_rows()).fit(votes, X, seed=1)
    for record in (direct, piped):
        [w] = [w for w in record if "COSINE" in str(w.message)]
        assert w.filename == __file__, w.filename
