"""Soft labels as a pyarrow Table, and a Cosine pickled before ``confidence_on`` existed."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa

from weaksup.endmodel import Cosine, LogisticRegression
from weaksup.endmodel.base import soft_frame_array


def test_pyarrow_table_soft_labels_are_matched_by_column_name() -> None:
    # its .columns are ChunkedArrays (the data), not the names: the names are column_names
    table = pa.table({"1": [0.8, 0.3, 0.6], "0": [0.2, 0.7, 0.4]})
    np.testing.assert_array_equal(soft_frame_array(table), [[0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
    X = np.array([[0.0], [1.0], [0.2]])
    direct = LogisticRegression().fit(X, np.array([[0.2, 0.8], [0.7, 0.3], [0.4, 0.6]]))
    np.testing.assert_array_equal(LogisticRegression().fit(X, table).predict_proba(X), direct.predict_proba(X))


def test_cosine_pickled_without_confidence_on_reads_the_default() -> None:
    model = Cosine()
    state = model.__dict__.copy()
    del state["confidence_on"]  # what a Cosine pickled before the parameter holds
    old = pickle.loads(pickle.dumps(model))
    old.__dict__.clear()
    old.__dict__.update(state)
    assert old.get_params()["confidence_on"] == "sharpened"
    repr(old)
