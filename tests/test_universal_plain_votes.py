"""Value label models read a plain array by position, as the classification label models do (align_lfs).

Before, they recorded nothing and passed no ``plain=``: after a fit on unnamed votes reordered by ``select_lfs``
(made-up names ``lf_3, lf_1, lf_0, lf_2``), a plain array already in the fitted column order was reordered by
those made-up names, so its predictions were another LF order's (RealSpace MSE 8.53 against 0.105 for the same
votes as ValueVotes).  The record is kept by save/load and pickles; a file from before loads with the old rule.
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from weaksup._persist import load_npz, save_npz
from weaksup.universal import RealSpace, UniversalLabelModel, ValueVotes, make_synthetic
from weaksup.universal.base import FORMAT

R = RealSpace(1)
PERM = [3, 1, 0, 2]


def _setup() -> tuple[ValueVotes, np.ndarray, ValueVotes, np.ndarray]:
    votes, y = make_synthetic(R, [4.0, 1.0, 0.25, 0.05], n=600, seed=0)
    Vp = votes.select_lfs(PERM)  # unnamed votes reordered: made-up names lf_3, lf_1, lf_0, lf_2
    plain = np.where(Vp.abstain[..., None], np.nan, Vp.values)  # the same votes as a plain array, fitted order
    return votes, y, Vp, plain


def test_plain_array_in_the_fitted_order_is_read_by_position() -> None:
    votes, y, Vp, plain = _setup()
    model = UniversalLabelModel(R).fit(Vp, seed=0)
    expected = model.predict(Vp)
    np.testing.assert_array_equal(model.predict(plain), expected)
    assert model.score(plain, y) == model.score(Vp, y)
    # unnamed ValueVotes are still matched by their made-up names (tests/test_universal.py's LF-order rule)
    np.testing.assert_array_equal(model.predict(votes), expected)
    with pytest.raises(ValueError, match="votes have 3 LFs; the model was fitted on 4"):
        model.predict(plain[:, :3])


def test_valid_plain_array_is_read_by_position(monkeypatch) -> None:
    _, y, Vp, plain = _setup()
    seen: list[Any] = []
    fit = UniversalLabelModel._fit

    def spy(self: UniversalLabelModel, V: ValueVotes, **kwargs: Any) -> None:
        seen.append(kwargs["valid"][0])
        fit(self, V, **kwargs)

    monkeypatch.setattr(UniversalLabelModel, "_fit", spy)
    UniversalLabelModel(R).fit(Vp, valid=(plain[:100], y[:100]), seed=0)
    np.testing.assert_array_equal(seen[0].values, Vp.values[:100])  # not reordered by the made-up names


def test_record_survives_save_load_and_pickle_and_old_files_keep_the_old_rule(tmp_path) -> None:
    votes, _, Vp, plain = _setup()
    model = UniversalLabelModel(R).fit(Vp, seed=0)
    expected = model.predict(Vp)
    model.save(tmp_path / "m")
    for copy in (UniversalLabelModel.load(tmp_path / "m"), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(copy.predict(plain), expected)
    # a file written before the record existed: the lf_0 .. pattern rule, as before (reordered by name)
    path = next(tmp_path.glob("m*"))
    meta, arrays = load_npz(path, FORMAT)
    del meta["state"]["lf_names_placeholder_"]
    save_npz(tmp_path / "old", FORMAT, meta, arrays)
    old = UniversalLabelModel.load(next(tmp_path.glob("old*")))
    np.testing.assert_array_equal(old.predict(votes), expected)
    np.testing.assert_array_equal(old.predict(plain), old.predict(votes))
