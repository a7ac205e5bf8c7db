"""Value inputs of the universal label spaces (labels, votes, LF outputs, synthetic parameters) read the same on
every path: a float array of whole indices is read as the integer array, a string array as the list of names; a
non-integral index, a string or bool "number", an unordered ranking, votes from another space or a bad prior are
refused with a ValueOutputError / ValueError saying what and where (never a silent misread or a bare numpy error)."""

import numpy as np
import pandas as pd
import pytest

from weaksup.lf import LabelingFunction
from weaksup.universal import (
    FiniteMetricSpace,
    HyperbolicSpace,
    RankingSpace,
    RealSpace,
    UniversalLabelModel,
    ValueOutputError,
    ValueVotes,
    apply_value_lfs,
    as_value_votes,
    make_synthetic,
)

D3 = [[0, 1, 2], [1, 0, 1], [2, 1, 0]]


@pytest.fixture(scope="module")
def ranking_fit():
    rs = RankingSpace(["a", "b", "c", "d"])
    votes, y = make_synthetic(rs, [1.0, 0.5, 0.2], 500, seed=0)
    return rs, votes, y, UniversalLabelModel(rs).fit(votes)


@pytest.fixture(scope="module")
def finite_fit():
    fs = FiniteMetricSpace(D3, labels=["x", "y", "z"])
    votes, y = make_synthetic(fs, [1.0, 0.5, 0.2], 300, seed=0)
    return fs, votes, y, UniversalLabelModel(fs).fit(votes)


# ------------------------------------------------------------------ rankings
def test_ranking_float_orders_read_as_the_integer_orders(ranking_fit):
    rs, votes, y, lm = ranking_fit
    assert y.dtype.kind == "i"
    np.testing.assert_array_equal(rs.encode(y.astype(float)), rs.encode(y))  # was read as position vectors
    assert lm.score(votes, y.astype(float)) == lm.score(votes, y)
    partial = np.array([[2, 0, -1, -1]], dtype=float)
    np.testing.assert_array_equal(rs.encode(partial), rs.encode(partial.astype(int)))


@pytest.mark.parametrize("bad", [0.5, np.nan])
def test_ranking_non_whole_float_orders_are_refused(ranking_fit, bad):
    rs, _, y, _ = ranking_fit
    arr = y[:3].astype(float)
    arr[1, 2] = bad
    with pytest.raises(ValueOutputError, match=r"y: .*order 1 has .* at rank 2; pass item names as lists"):
        rs.encode(arr, what="y")


def test_ranking_string_array_of_items_read_as_the_lists(ranking_fit):
    rs, votes, y, lm = ranking_fit
    names = np.array(rs.items, dtype=object)[y].astype(str)
    expected = lm.score(votes, y)
    assert lm.score(votes, names.tolist()) == expected
    assert lm.score(votes, names) == expected  # was "invalid literal for int()"
    assert lm.score(votes, names.astype(object)) == expected


@pytest.mark.parametrize("out", [{"c", "a", "b"}, frozenset("abc"), {"a": 0.1, "b": 0.2, "c": 0.9}])
def test_ranking_from_a_set_or_dict_is_refused(out):
    rs = RankingSpace(["a", "b", "c"])
    lf = LabelingFunction("unordered", lambda x: out)
    with pytest.raises(ValueOutputError, match=r"from LF 'unordered' on row 0 is a .*ordered sequence"):
        apply_value_lfs([lf], pd.DataFrame({"t": [1]}), rs, progress=False)
    with pytest.raises(ValueOutputError, match="ordered sequence"):
        ValueVotes.from_outputs([[out, ["a", "b", "c"]]], rs)


@pytest.mark.parametrize("missing", [None, np.nan, float("nan")])
def test_missing_ranking_items_and_point_labels_are_refused(missing):
    with pytest.raises(ValueError, match=r"RankingSpace item 2 is .*missing value"):
        RankingSpace(["a", "b", missing])
    with pytest.raises(ValueError, match=r"labels\[1\] is .*missing value"):
        FiniteMetricSpace(D3, labels=["a", missing, "c"])


def test_nested_ranking_outputs_with_abstains_or_partial_rankings_are_read():
    # the flat-list check built an array of the row (np.ndim), which is ragged here
    rs = RankingSpace(["a", "b", "c"])
    votes = ValueVotes.from_outputs([[["a", "b", "c"], None], [["b", "a"], ["a", "b", "c"]]], rs)
    assert votes.abstain.tolist() == [[False, True], [False, False]]
    assert votes.column(0) == [["a", "b", "c"], ["b", "a"]]
    with pytest.raises(TypeError, match="row 0 is"):
        ValueVotes.from_outputs([np.array(1.0)], RealSpace())


# ------------------------------------------------------------------ finite spaces
def test_finite_float_indices_whole_only(finite_fit):
    fs, votes, y, lm = finite_fit
    assert lm.score(votes, y.astype(float)) == lm.score(votes, y)
    with pytest.raises(ValueOutputError, match=r"y: .*position 0 is .*2\.5.*pass label names as a list"):
        lm.score(votes, y + 0.5)  # was truncated: the same score as y
    with pytest.raises(ValueOutputError, match="position 1 is"):
        fs.encode(np.array([0.0, 1.7]))
    with pytest.raises(ValueOutputError, match="position 0 is"):
        fs.encode(np.array([np.nan, 1.0]))


def test_finite_string_arrays_read_as_names(finite_fit):
    fs, votes, y, lm = finite_fit
    names = np.array(["x", "y", "z"])[y]
    assert lm.score(votes, names) == lm.score(votes, names.tolist()) == lm.score(votes, y)
    digits = FiniteMetricSpace([[0, 1], [1, 0]], labels=["1", "0"])  # names that look like indices
    assert digits.encode(np.array(["1", "0"])).tolist() == digits.encode(["1", "0"]).tolist() == [0, 1]
    arr = np.array([["x", "y", "z"], ["x", "y", "y"]] * 10)
    assert np.array_equal(as_value_votes(arr, fs).values, as_value_votes(arr.tolist(), fs).values)
    with pytest.raises(ValueOutputError, match="'w' from LF 'lf_1' on row 0 is not a point"):
        as_value_votes(np.array([["x", "w"]]), fs)


# ------------------------------------------------------------------ strings and bools are not numbers
@pytest.mark.parametrize("kind", ["str", "bool", "str frame", "bool frame"])
def test_real_votes_of_strings_or_bools_are_refused_on_every_path(kind):
    A = np.array([[0.5, 1.0, 2.0], [1.5, -1.0, 0.25]])
    arr = A.astype(str) if kind.startswith("str") else A > 0
    votes = pd.DataFrame(arr, columns=["a", "b", "c"]) if kind.endswith("frame") else arr
    lf = "a" if kind.endswith("frame") else "lf_0"
    with pytest.raises(ValueOutputError, match=rf"from LF '{lf}' on row 0 is not a number"):
        UniversalLabelModel(RealSpace()).fit(votes)
    with pytest.raises(ValueOutputError, match="from_array reads encoded numbers"):
        ValueVotes.from_array(arr, RealSpace())
    with pytest.raises(ValueOutputError, match="from row 0 is not a number"):
        RealSpace().encode(arr[:, 0])


def test_from_array_reads_an_object_array_of_numbers_as_the_float_array():
    obj = np.array([[1.0, None], [2, 3.5]], dtype=object)
    votes = ValueVotes.from_array(obj, RealSpace())
    assert votes.abstain.tolist() == [[False, True], [False, False]]
    assert votes.values[~votes.abstain, 0].tolist() == [1.0, 2.0, 3.5]
    finite = ValueVotes.from_array(np.array([[0, 2], [1, 1]], dtype=object), FiniteMetricSpace(D3))
    assert finite.values.dtype == np.int64 and finite.values.tolist() == [[0, 2], [1, 1]]
    with pytest.raises(ValueOutputError, match="dtype object .*a string or a bool is not read as a number"):
        ValueVotes.from_array(np.array([[True, 1.0]], dtype=object), RealSpace())


def test_hyperbolic_points_of_strings_or_bools_are_refused():
    hp = HyperbolicSpace(2)
    for v in (["1.0", "0.0", "0.0"], [True, 0.0, 0.0], np.array(["1.0", "0.0", "0.0"])):
        with pytest.raises(ValueOutputError, match=r"from LF 'L' on row 2 is not a point.*sequence of numbers"):
            hp.encode_one(v, lf="L", row=2)
    with pytest.raises(ValueOutputError, match="from row 0 is not a point"):
        hp.encode(np.array([[1.0, 0.0, 0.0]]).astype(str))
    with pytest.raises(ValueOutputError, match="from row 0 is not a point"):
        HyperbolicSpace(2, model="poincare").encode(np.array([[0.1, 0.2]]).astype(str))


def test_poincare_vote_array_shape_error_says_arrays_hold_lorentz_coordinates():
    hp = HyperbolicSpace(2, model="poincare")
    votes, _ = make_synthetic(hp, [2.0, 1.0, 0.5], 50, seed=0)
    poincare = HyperbolicSpace.lorentz_to_poincare(votes.values)
    with pytest.raises(ValueError, match=r"Lorentz coordinates \(n, m, 3\).*poincare_to_lorentz"):
        UniversalLabelModel(hp).fit(poincare)
    back = ValueVotes.from_array(HyperbolicSpace.poincare_to_lorentz(poincare), hp)
    np.testing.assert_allclose(back.values, votes.values)


# ------------------------------------------------------------------ votes from another space
def test_votes_from_another_ranking_space_are_refused():
    abc, cba = RankingSpace(["a", "b", "c"]), RankingSpace(["c", "b", "a"])
    votes = ValueVotes.from_outputs([[["a", "b", "c"], ["a", "b", "c"], ["a", "c", "b"]]] * 30, abc)
    with pytest.raises(ValueError, match=r"items \['a', 'b', 'c'\] vs \['c', 'b', 'a'\]"):
        UniversalLabelModel(cba).fit(votes)  # was fitted, every prediction reversed
    # an equal space (another object), or one that differs only in inference settings, reads them the same
    pred = UniversalLabelModel(abc).fit(votes).predict(votes)
    for same in (RankingSpace(["a", "b", "c"]), RankingSpace(["a", "b", "c"], exact_max_items=5)):
        np.testing.assert_array_equal(UniversalLabelModel(same).fit(votes).predict(votes), pred)
    partial = ValueVotes.from_outputs([[["a", "b"], ["a", "b", "c"], ["b", "a", "c"]]] * 10, abc)
    with pytest.raises(ValueOutputError, match="partial ranking found but allow_partial=False"):
        UniversalLabelModel(RankingSpace(["a", "b", "c"], allow_partial=False)).fit(partial)


@pytest.mark.parametrize("other, what", [
    (FiniteMetricSpace([[0, 5, 1], [5, 0, 5], [1, 5, 0]], labels=["x", "y", "z"]), "D "),
    (FiniteMetricSpace(D3, labels=["p", "q", "r"]), "labels "),
    (FiniteMetricSpace(D3), "labels "),
    (RealSpace(), "another space"),
])
def test_votes_from_another_finite_space_are_refused(other, what):
    votes = ValueVotes.from_outputs([["x", "y", "z"]] * 30, FiniteMetricSpace(D3, labels=["x", "y", "z"]))
    with pytest.raises(ValueError, match=rf"votes are in FiniteMetricSpace.*the model uses .*\({what}"):
        as_value_votes(votes, other)
    same = FiniteMetricSpace(D3, labels=["x", "y", "z"])
    assert as_value_votes(votes, same) is votes


def test_hyperbolic_votes_read_across_coordinate_models():
    # encoded hyperbolic votes are Lorentz points whatever the model (or Newton settings) of the space
    votes, _ = make_synthetic(HyperbolicSpace(2), [2.0, 1.0, 0.5], 50, seed=0)
    assert as_value_votes(votes, HyperbolicSpace(2, model="poincare", steps=50)) is votes
    with pytest.raises(ValueError, match="dim 2 vs 3"):
        as_value_votes(votes, HyperbolicSpace(3))


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


GRAPH_5 = [[0, 1, 1, 2, 1], [1, 0, 1, 2, 2], [1, 1, 0, 1, 2], [2, 2, 1, 0, 1], [1, 2, 2, 1, 0]]


@pytest.mark.parametrize("prior", [np.array([.1, .2, .3, .2, .2], dtype=np.float32),  # sum - 1 = 2.2e-8
                                   np.array([3, 7, 11, 5, 9], np.float32) / np.float32(35),
                                   np.array([.2, .2, .2, .2, .2 + 1.2e-8])])
def test_make_synthetic_takes_priors_within_numpys_tolerance(prior):
    """5b40a25 refused sums more than 1e-8 from 1; numpy's choice allows sqrt(eps) of the prior's dtype."""
    _, y = make_synthetic(FiniteMetricSpace(GRAPH_5), [1, 1, 1], 50, prior=prior, seed=0)
    np.testing.assert_array_equal(y, np.random.default_rng(0).choice(5, size=50, p=prior))


def test_make_synthetic_prior_for_a_space_without_one():
    with pytest.raises(ValueError, match=r"make_synthetic: RankingSpace\.sample_truth takes no prior"):
        make_synthetic(RankingSpace(3), [1, 1, 1], 10, prior=[.5, .5])


def test_ranking_from_dict_keys_is_read_in_order():
    """dict.keys() keeps insertion order: read as the list of keys (7cb1b5c refused it with the sets)."""
    rs = RankingSpace(["a", "b", "c", "d"])
    scores = {"c": .9, "a": .5, "d": .2, "b": .1}
    np.testing.assert_array_equal(rs.encode_one(scores.keys()), rs.encode_one(list(scores)))


def test_make_synthetic_passes_a_prior_to_custom_spaces() -> None:
    """A LabelSpace subclass whose sample_truth takes prior= (by name or through **kw) gets it, as before
    bc24569; the shape check applies to spaces with points (k) only."""
    from weaksup.universal import RealSpace

    class PriorReal(RealSpace):
        def sample_truth(self, n, rng, prior=None):
            self.seen = prior
            return super().sample_truth(n, rng)

    class ForwardingFinite(FiniteMetricSpace):
        def sample_truth(self, n, rng, **kw):
            return super().sample_truth(n, rng, **kw)

    real = PriorReal()
    make_synthetic(real, [1.0, 1.0, 1.0], 20, seed=0, prior="anything")
    assert real.seen == "anything"
    _, y = make_synthetic(ForwardingFinite(GRAPH_5), [1, 1, 1], 50, prior=[.2] * 5, seed=0)
    np.testing.assert_array_equal(y, make_synthetic(FiniteMetricSpace(GRAPH_5), [1, 1, 1], 50, prior=[.2] * 5,
                                                    seed=0)[1])
    with pytest.raises(ValueError, match=r"RealSpace\.sample_truth takes no prior"):
        make_synthetic(RealSpace(), [1.0, 1.0, 1.0], 20, prior=[1.0])
