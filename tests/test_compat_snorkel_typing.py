"""The snorkel compat hints that docs/from_snorkel.md's code relies on under a type checker: ``apply`` returns the
label matrix unless ``return_meta=True`` asks for ``(L, ApplierMetadata)``, ``predict`` the predictions unless
``return_probs=True`` asks for ``(preds, probs)`` (``typing.overload`` on a ``Literal`` flag; a single union return
made ``lm.fit(L_train=L)`` an arg-type error), and ``@slicing_function()`` builds a ``SlicingFunction``, the type
``slice_dataframe`` takes (it was typed as a plain ``LabelingFunction``).  mypy is not a test dependency: these
read the overloads and hints at run time, as a type checker reads them."""

from __future__ import annotations

import typing
from typing import Literal

import numpy as np
import pandas as pd
import pytest

from weaksup.apply.compat import ApplierMetadata
from weaksup.compat.snorkel.labeling import LFApplier, PandasLFApplier, labeling_function
from weaksup.compat.snorkel.labeling.model import LabelModel, MajorityLabelVoter
from weaksup.compat.snorkel.labeling.model.base_labeler import BaseLabeler
from weaksup.compat.snorkel.slicing import SlicingFunction, slice_dataframe, slicing_function


def _overload_returns(func: typing.Any, flag: str) -> dict[object, object]:
    """``{type of flag: return type}`` over the overloads of ``func``."""
    overloads = typing.get_overloads(func)
    assert overloads, f"{func.__qualname__} has no @overload: a type checker sees one union return"
    out: dict[object, object] = {}
    for o in overloads:
        hints = typing.get_type_hints(o)
        out.setdefault(hints[flag], hints["return"])
    return out


@pytest.mark.parametrize("func", [LFApplier.apply, PandasLFApplier.apply], ids=["LFApplier", "PandasLFApplier"])
def test_apply_overloads_on_return_meta(func: typing.Any) -> None:
    returns = _overload_returns(func, "return_meta")
    assert returns[Literal[False]] is np.ndarray
    assert returns[Literal[True]] == tuple[np.ndarray, ApplierMetadata]
    assert returns[bool] == np.ndarray | tuple[np.ndarray, ApplierMetadata]  # a flag known only at run time


def test_predict_overloads_on_return_probs() -> None:
    returns = _overload_returns(BaseLabeler.predict, "return_probs")
    assert returns[Literal[False] | None] is np.ndarray
    assert returns[Literal[True]] == tuple[np.ndarray, np.ndarray]
    assert LabelModel.predict is BaseLabeler.predict and MajorityLabelVoter.predict is BaseLabeler.predict


def test_slicing_function_is_typed_as_building_a_slicing_function() -> None:
    assert typing.get_type_hints(slicing_function.__call__)["return"] is SlicingFunction


def test_documented_snorkel_code_behaves_as_before() -> None:
    @labeling_function()
    def lf_a(x: typing.Any) -> int:
        return 1 if "a" in x.text else -1

    @labeling_function()
    def lf_b(x: typing.Any) -> int:
        return 0 if "b" in x.text else -1

    @slicing_function()
    def short(x: typing.Any) -> bool:
        return len(x.text.split()) < 3

    df = pd.DataFrame({"text": ["a b", "b c", "a a a a"]})
    L = PandasLFApplier([lf_a, lf_b]).apply(df, progress_bar=False)
    assert L.tolist() == [[1, 0], [-1, 0], [1, -1]]
    L2, meta = PandasLFApplier([lf_a, lf_b]).apply(df, False, False, True)
    assert L2.tolist() == L.tolist() and isinstance(meta, ApplierMetadata) and dict(meta.faults) == {}
    L3, _ = LFApplier([lf_a]).apply(list(df.itertuples()), progress_bar=False, return_meta=True)
    assert L3.tolist() == [[1], [-1], [1]]
    preds = MajorityLabelVoter().predict(L=L)
    preds2, probs = MajorityLabelVoter().predict(L, return_probs=True)
    assert preds.tolist() == preds2.tolist() == [-1, 0, 1] and probs.shape == (3, 2)
    assert isinstance(short, SlicingFunction)
    assert slice_dataframe(df, short)["text"].tolist() == ["a b", "b c"]
