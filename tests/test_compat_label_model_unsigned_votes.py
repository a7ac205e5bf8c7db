"""compat LabelModel.fit on an unsigned label matrix: -1 cast to uint8 (255) is refused without a numpy warning."""
import warnings

import numpy as np
import pytest

from weaksup.compat.snorkel.labeling.model import LabelModel


def test_fit_uint8_wrapped_abstain_refused_without_overflow_warning():
    L = np.array([[1, 255, 0], [0, 1, 1], [255, 0, 0], [1, 1, 255]], dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the old code's 255 + 1 raised "overflow encountered in scalar add" here
        with pytest.raises(ValueError, match="L_train has cardinality 256, cardinality=2 passed in"):
            LabelModel(cardinality=2, verbose=False).fit(L, n_epochs=5, seed=0)


def test_fit_uint8_valid_votes_unchanged():
    L = np.array([[1, 0, 0], [0, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=np.uint8)
    a = LabelModel(cardinality=2, verbose=False)
    a.fit(L, n_epochs=5, seed=0)
    b = LabelModel(cardinality=2, verbose=False)
    b.fit(L.astype(np.int64), n_epochs=5, seed=0)
    np.testing.assert_allclose(a.predict_proba(L), b.predict_proba(L.astype(np.int64)))
