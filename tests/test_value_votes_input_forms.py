"""ValueVotes reads its abstain mask, LF names and input forms without guessing: a mask of strings is refused
(read by truthiness, 'False' abstained), a bare string of names is refused (it was split into letters), a name
that is not a str is refused as VoteMatrix refuses it, a scipy sparse matrix is a TypeError naming it (it failed
inside scipy), and masked cells are refused, never read as the value hidden under the mask."""

import numpy as np
import pytest
import scipy.sparse as sp

from weaksup import VoteMatrix
from weaksup.universal import RealSpace, UniversalLabelModel, ValueVotes, as_value_votes

V = np.array([[1.0, 1.1, 0.9], [2.0, 2.2, 1.8]])
ABSTAIN = [[False, False, True], [False, False, False]]


def test_a_mask_of_strings_is_refused_not_read_by_truthiness():
    with pytest.raises(ValueError, match=r"mask must be n × m bools .*first: 'False' at \(0, 0\)"):
        ValueVotes.from_array(V, RealSpace(), mask=[["False", "False", "True"], ["False", "False", "False"]])
    with pytest.raises(ValueError, match=r"abstain must be n × m bools"):
        ValueVotes(V[..., None], np.array(ABSTAIN).astype(str), ["a", "b", "c"], RealSpace())


@pytest.mark.parametrize("mask", [[[0, 2, 1], [0, 0, 0]], [[0.0, np.nan, 1.0], [0.0, 0.0, 0.0]],
                                  np.array([[False, None, True], [False, False, False]], dtype=object)])
def test_a_mask_of_other_numbers_or_objects_is_refused(mask):
    with pytest.raises(ValueError, match=r"mask must be n × m bools .*at \(0, 1\)"):
        ValueVotes.from_array(V, RealSpace(), mask=mask)


@pytest.mark.parametrize("mask", [ABSTAIN, np.array(ABSTAIN), [[0, 0, 1], [0, 0, 0]], [[0.0, 0.0, 1.0], [0, 0, 0]],
                                  np.array(ABSTAIN, dtype=object)])
def test_bool_and_zero_one_masks_read_as_before(mask):
    votes = ValueVotes.from_array(V, RealSpace(), mask=mask)
    assert votes.abstain.tolist() == ABSTAIN and votes.abstain.dtype == bool


@pytest.mark.parametrize("build", [
    lambda names: ValueVotes.from_array(V, RealSpace(), lf_names=names),
    lambda names: ValueVotes.from_outputs(V.tolist(), RealSpace(), names),
    lambda names: ValueVotes(V[..., None], np.zeros((2, 3), bool), names, RealSpace()),
])
def test_lf_names_are_checked_as_vote_matrix_checks_them(build):
    with pytest.raises(TypeError, match="got the string 'abc'"):
        build("abc")
    with pytest.raises(TypeError) as value:
        build(["a", None, "c"])
    with pytest.raises(TypeError) as flat:
        VoteMatrix(np.zeros((2, 3), int), ["a", None, "c"])
    assert str(value.value) == str(flat.value)
    assert build(np.array(["a", "b", "c"])).lf_names == ["a", "b", "c"]


def test_a_sparse_matrix_is_refused_naming_its_type():
    S = sp.csr_matrix(np.tile(V, (20, 1)))
    with pytest.raises(TypeError, match=r"votes is a scipy sparse csr_matrix.*S\.toarray\(\)"):
        UniversalLabelModel(RealSpace()).fit(S)
    with pytest.raises(TypeError, match="scipy sparse"):
        as_value_votes(S, RealSpace())


def test_masked_values_are_refused_unless_nothing_is_masked():
    masked = np.ma.masked_array(V, mask=V > 2)  # row 1, LF 'b': 2.2 hidden under the mask
    with pytest.raises(ValueError, match=r"1 masked cell\(s\) \(first: LF 'b', row 1\)"):
        ValueVotes.from_array(masked, RealSpace(), lf_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="masked cell"):
        as_value_votes(masked, RealSpace())
    with pytest.raises(ValueError, match="mask is a numpy masked array"):
        ValueVotes.from_array(V, RealSpace(), mask=np.ma.masked_array(ABSTAIN, mask=[[1, 0, 0], [0, 0, 0]]))
    plain = ValueVotes.from_array(np.ma.masked_array(V), RealSpace())
    assert np.array_equal(plain.values[..., 0], V) and not plain.abstain.any()
