"""End-model inputs given as frames and label names: rows of polars / pyarrow X taken by position (not columns),
soft-label frames matched to classes by column label, and label names / missing labels named by row."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from weaksup.endmodel import LogisticRegression
from weaksup.endmodel.base import take_rows
from weaksup.pipeline import Pipeline


def test_take_rows_pyarrow_table_gives_rows_not_columns():
    # a square table: X[i] is column i, so the old code returned the transposed matrix without a word
    table = pa.table({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    rows = take_rows(table, np.array([1, 0]))
    assert isinstance(rows, pa.Table)
    assert np.asarray(rows).tolist() == [[2.0, 4.0], [1.0, 3.0]]
    assert take_rows(pa.chunked_array([["x", "y", "z"]]), np.array([2, 0])) == ["z", "x"]


def test_pipeline_on_square_pyarrow_table_equals_numpy():
    L = np.array([[0, 0], [1, 1], [0, -1], [1, 1]])
    X = np.array([[0.0, 5.0, 0.1, 0.2], [9.0, 0.0, 0.3, 0.4], [0.0, 6.0, 0.5, 0.6], [8.0, 0.0, 0.7, 0.8]])
    table = pa.table({f"f{j}": X[:, j] for j in range(4)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = Pipeline(end_model=LogisticRegression(C=100.0)).fit(L, table).predict_proba(X)
        want = Pipeline(end_model=LogisticRegression(C=100.0)).fit(L, X).predict_proba(X)
    np.testing.assert_allclose(got, want)


def test_pipeline_on_polars_frame_equals_numpy():
    pl = pytest.importorskip("polars")
    L = np.array([[0, 0], [1, 1], [0, -1], [1, 1], [-1, -1], [0, 0]])
    X = np.array([[0.0, 5.0], [9.0, 0.0], [0.0, 6.0], [8.0, 0.0], [4.0, 4.0], [0.5, 5.5]])
    frame = pl.DataFrame({"a": X[:, 0], "b": X[:, 1]})
    assert take_rows(pl.Series(["x", "y", "z"]), np.array([2, 0])) == ["z", "x"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = Pipeline(end_model=LogisticRegression(C=100.0)).fit(L, frame).predict_proba(X)
        want = Pipeline(end_model=LogisticRegression(C=100.0)).fit(L, X).predict_proba(X)
    np.testing.assert_allclose(got, want)


def _soft_task():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    P = np.c_[1 - (0.1 + 0.8 * y), 0.1 + 0.8 * y]
    return X, y, P


@pytest.mark.parametrize("columns", [[1, 0], ["1", "0"], ["p1", "p0"]])
def test_soft_label_frame_columns_matched_by_class_id(columns):
    X, y, P = _soft_task()
    frame = pd.DataFrame(P[:, ::-1], columns=columns)  # column "1" holds P(class 1), placed first
    got = LogisticRegression().fit(X, frame).predict_proba(X)
    np.testing.assert_allclose(got, LogisticRegression().fit(X, P).predict_proba(X))
    model = LogisticRegression().fit(X, P)
    assert model.score(X, frame) == model.score(X, P)


def test_soft_label_frame_with_other_column_names_is_refused():
    X, _, P = _soft_task()
    with pytest.raises(ValueError, match=r"columns are \['spam', 'ham'\], not the class ids 0..1.*to_numpy"):
        LogisticRegression().fit(X, pd.DataFrame(P, columns=["spam", "ham"]))
    # in class order: the same as the matrix (valid input, unchanged)
    np.testing.assert_allclose(LogisticRegression().fit(X, pd.DataFrame(P)).predict_proba(X),
                               LogisticRegression().fit(X, P).predict_proba(X))


@pytest.mark.parametrize("y, shown, row", [
    (lambda y: [None if i == 7 else int(v) for i, v in enumerate(y)], "None", 7),
    (lambda y: pd.Series(pd.Categorical(np.where(y == 1, "spam", "ham"))), "'(spam|ham)'", 0),
    (lambda y: np.where(y == 1, "spam", "ham"), "'(spam|ham)'", 0),
])
def test_label_names_and_missing_labels_named_by_row(y, shown, row):
    X, gold, _ = _soft_task()
    with pytest.raises(ValueError, match=rf"got {shown} at row {row}; map label names to class ids"):
        LogisticRegression().fit(X, y(gold))
