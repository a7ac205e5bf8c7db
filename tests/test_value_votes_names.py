"""ValueVotes record whether their LF names were given or made up (``placeholder_names``), as VoteMatrix does, and
value label models read votes by that record, not by the spelling ``lf_0 .. lf_{m-1}``.

Before, ValueVotes had no record and the models judged by the pattern: value votes of LFs really named ``lf_0,
lf_1, lf_2`` counted as unnamed, so at predict votes of other LFs (``lf_0, lf_1, lf_3``: one dropped, another
appended) were read by position and accepted silently.  Unnamed votes, a plain array, and named votes in the
fitted order are read as before.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from weaksup.universal import (
    FiniteMetricSpace,
    RealSpace,
    UniversalLabelModel,
    ValueVotes,
    apply_value_lfs,
    as_value_votes,
    make_synthetic,
)

R = RealSpace(1)
GIVEN = ["lf_0", "lf_1", "lf_2"]


def _votes() -> tuple[ValueVotes, np.ndarray]:
    return make_synthetic(R, [4.0, 1.0, 0.25], n=600, seed=0)


def _named(V: ValueVotes, names: list[str], cols: list[int] | None = None) -> ValueVotes:
    """The columns ``cols`` of ``V`` as votes of LFs someone named ``names``."""
    cols = list(range(V.m)) if cols is None else cols
    return ValueVotes(V.values[:, cols], V.abstain[:, cols], names, V.space)


def test_placeholder_names_says_whether_names_were_given():
    arr = np.array([[1.0, np.nan], [2.0, 2.5]])
    assert ValueVotes.from_array(arr, R).placeholder_names
    assert not ValueVotes.from_array(arr, R, lf_names=["lf_0", "lf_1"]).placeholder_names  # given, though lf_0 ..
    assert ValueVotes.from_outputs([[1.0, None]], R).placeholder_names
    assert not ValueVotes.from_outputs([[1.0, None]], R, ["lf_0", "lf_1"]).placeholder_names
    assert ValueVotes(np.zeros((1, 2, 1)), np.zeros((1, 2), bool), None, R).placeholder_names
    assert not ValueVotes(np.zeros((1, 2, 1)), np.zeros((1, 2), bool), ["lf_0", "lf_1"], R).placeholder_names
    assert as_value_votes(arr, R).placeholder_names and as_value_votes([[1.0, None]], R).placeholder_names
    assert not as_value_votes(pd.DataFrame(arr, columns=["lf_0", "lf_1"]), R).placeholder_names
    assert make_synthetic(R, [1.0, 2.0], n=5, seed=0)[0].placeholder_names  # LFs nobody named
    applied = apply_value_lfs([lambda x: x.a], pd.DataFrame({"a": [1.0]}), R, progress=False)
    assert not applied.placeholder_names


@pytest.mark.parametrize("given", [False, True])
def test_placeholder_names_is_carried_by_slices_select_lfs_and_pickles(given):
    V, _ = _votes()
    V = _named(V, GIVEN) if given else V
    made_up = not given
    assert V.placeholder_names is made_up
    for out in (V[:10], V[3], V[np.arange(V.n) % 2 == 0], V.select_lfs(["lf_2", "lf_0"]), V.select_lfs([1]),
                pickle.loads(pickle.dumps(V))):
        assert out.placeholder_names is made_up


def test_votes_pickled_before_the_record_keep_the_old_pattern_rule():
    V, _ = _votes()
    old = pickle.loads(pickle.dumps(_named(V, GIVEN)))
    del old.__dict__["_placeholder_names"]  # what a pickle from before placeholder_names unpickles to
    assert old.placeholder_names
    del V.__dict__["_placeholder_names"]
    V.lf_names = ["a", "b", "c"]
    assert not V.placeholder_names


def test_a_model_fitted_on_lfs_really_named_lf_0_refuses_other_lfs(tmp_path):
    V, _ = _votes()
    model = UniversalLabelModel(R).fit(_named(V, GIVEN), seed=0)
    assert model._lf_names_placeholder_ is False
    other = _named(V, ["lf_0", "lf_1", "lf_3"])  # lf_2 dropped, another LF appended: not the fitted LFs
    model.save(tmp_path / "m.npz")
    for m in (model, UniversalLabelModel.load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(model))):
        with pytest.raises(ValueError, match=r"missing \['lf_2'\], unknown \['lf_3'\]"):
            m.predict(other)
        with pytest.raises(ValueError, match=r"missing \['lf_2'\], unknown \['lf_3'\]"):
            m.score(other, np.zeros(V.n))
    frame = pd.DataFrame(np.where(V.abstain, np.nan, V.values[..., 0]), columns=GIVEN)
    by_frame = UniversalLabelModel(R).fit(frame, seed=0)  # a frame's column names are given names
    with pytest.raises(ValueError, match=r"missing \['lf_2'\], unknown \['lf_3'\]"):
        by_frame.predict(frame.set_axis(["lf_0", "lf_1", "lf_3"], axis=1))


def test_valid_votes_of_other_lfs_are_refused():
    V, y = _votes()
    with pytest.raises(ValueError, match=r"valid votes do not hold .*missing \['lf_2'\], unknown \['lf_3'\]"):
        UniversalLabelModel(R).fit(_named(V, GIVEN), valid=(_named(V, ["lf_0", "lf_1", "lf_3"])[:100], y[:100]))


def test_lfs_really_named_lf_0_are_matched_by_name_and_give_the_fitted_order_results():
    V, y = _votes()
    named = _named(V, GIVEN)
    model = UniversalLabelModel(R).fit(named, seed=0)
    ref = model.predict(named)
    # the same LFs in another order: reordered by name
    np.testing.assert_array_equal(model.predict(_named(V, ["lf_2", "lf_0", "lf_1"], [2, 0, 1])), ref)
    assert model.score(_named(V, ["lf_1", "lf_2", "lf_0"], [1, 2, 0]), y) == model.score(named, y)
    # a plain array and unnamed votes: read by position, as label models read them
    np.testing.assert_array_equal(model.predict(np.where(V.abstain, np.nan, V.values[..., 0])), ref)
    np.testing.assert_array_equal(model.predict(V), ref)
    # unnamed votes in the fitted order: the same predictions as the named fit
    np.testing.assert_array_equal(UniversalLabelModel(R).fit(V, seed=0).predict(V), ref)


def test_a_model_fitted_on_unnamed_votes_still_reads_named_votes_of_as_many_lfs_by_position():
    V, _ = _votes()
    model = UniversalLabelModel(R).fit(V, seed=0)
    assert model._lf_names_placeholder_ is True
    np.testing.assert_array_equal(model.predict(_named(V, ["x", "y", "z"])), model.predict(V))
    with pytest.raises(ValueError, match="votes have 2 LFs; the model was fitted on 3"):
        model.predict(_named(V, ["x", "y"], [0, 1]))


def test_a_finite_space_model_matches_named_lfs_too():
    space = FiniteMetricSpace(np.array([[0.0, 1.0], [1.0, 0.0]]))
    V, _ = make_synthetic(space, [2.0, 1.0, 0.5], n=300, seed=1)
    model = UniversalLabelModel(space).fit(_named(V, GIVEN), seed=0)
    np.testing.assert_array_equal(model.predict_proba(_named(V, ["lf_1", "lf_0", "lf_2"], [1, 0, 2])),
                                  model.predict_proba(_named(V, GIVEN)))
    with pytest.raises(ValueError, match=r"unknown \['lf_3'\]"):
        model.predict(_named(V, ["lf_0", "lf_1", "lf_3"]))
