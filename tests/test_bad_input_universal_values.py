"""Value inputs of the universal label spaces (labels, votes, LF outputs, synthetic parameters): bad ones are
refused with an error saying what and where, never a silent misread or a bare numpy error."""

import numpy as np
import pytest

from weaksup.universal import FiniteMetricSpace, make_synthetic


# ------------------------------------------------------------------ make_synthetic's prior
@pytest.mark.parametrize("prior", [[.5, .6], [1.0], [-.5, 1.5], [np.nan, 1.0], "ab", [[.5, .5]]])
def test_make_synthetic_checks_the_prior(prior):
    fs = FiniteMetricSpace([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match=r"make_synthetic: prior must be 2 probabilities"):
        make_synthetic(fs, [1, 1, 1], 10, prior=prior)


def test_make_synthetic_valid_prior_unchanged():
    fs = FiniteMetricSpace([[0, 1], [1, 0]])
    votes, y = make_synthetic(fs, [1, 1, 1], 200, prior=[0.25, 0.75], seed=3)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(y, rng.choice(2, size=200, p=[0.25, 0.75]))
