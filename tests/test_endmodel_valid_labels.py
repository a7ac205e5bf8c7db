"""An end model's valid= labels are read as its fit and score read y: a masked label is named by its row, as
EndModel.score names it, and check_valid(read_y=) reads y as the caller does (the end models' n × 1 column,
raveled with a DataConversionWarning)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning

from weaksup._validation import check_features, check_valid
from weaksup.endmodel import LogisticRegression
from weaksup.endmodel.base import _ravel_column, _target_array

rng = np.random.default_rng(0)
Y = rng.integers(0, 2, 80)
X = rng.normal(size=(80, 3)) + Y[:, None]


def _end_model_reader(y, what):
    return _ravel_column(_target_array(y, what, unknown=False), what)


def test_a_masked_valid_label_is_named_by_its_row_as_score_names_it():
    y = np.ma.masked_array(Y, mask=np.arange(80) == 2)
    with pytest.raises(ValueError) as score:
        LogisticRegression().fit(X, Y).score(X, y)
    with pytest.raises(ValueError) as valid:
        LogisticRegression().fit(X, Y, valid=(X, y))
    assert "the label at row 2 is masked" in str(valid.value)
    assert str(valid.value).replace("y_valid", "y") == str(score.value)


def test_read_y_reads_an_n_by_1_column_as_fit_and_score_do():
    with pytest.warns(DataConversionWarning, match="y_valid: a column-vector y of shape"):
        _, y = check_valid((X, Y.reshape(-1, 1)), 2, check_features, read_y=_end_model_reader)
    assert y.dtype == np.int64 and y.tolist() == Y.tolist()
    with pytest.raises(ValueError, match=r"must be gold hard labels \(n,\), got shape \(80, 1\)"):
        check_valid((X, Y.reshape(-1, 1)), 2, check_features)  # no reader: refused, as before


@pytest.mark.parametrize("y", [Y, Y.tolist(), np.ma.masked_array(Y), Y.astype(bool).astype(object)])
def test_valid_labels_without_a_hole_are_read_as_before(y):
    _, plain = check_valid((X, Y), 2, check_features)
    _, read = check_valid((X, y), 2, check_features)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, hooked = check_valid((X, y), 2, check_features, read_y=_end_model_reader)
    assert read.dtype == hooked.dtype == plain.dtype == np.int64
    assert read.tolist() == hooked.tolist() == plain.tolist()


def test_end_model_valid_takes_an_n_by_1_column_as_fit_does():
    with pytest.warns(DataConversionWarning, match="y_valid"):
        LogisticRegression().fit(X, Y, valid=(X, Y.reshape(-1, 1)))
