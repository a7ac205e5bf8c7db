"""What a type checker reads from ``score`` and ``load_wrench``.

``score(..., metric=...)`` returns the metric's value for one name (or None: the default metric) and a dict
``{name: value}`` for a list of names.  A single ``float | dict[str, float]`` (or ``Any``) return made
``model.score(L, y) > 0.5`` a type error (or unchecked): ``typing.overload`` on ``metric`` says which.
``load_wrench`` returns a ``WrenchDataset`` for a classification set and a ``SequenceDataset`` for a tagging
one: overloads on the registered names say which (any other name is a folder known only at run time: ``Any``,
since the union would make ``ds.label_names`` a type error).

mypy is not a test dependency, so these read the overloads as a type checker reads them (as
tests/test_typing_surface.py does); the last test runs pyright on a user snippet when it is installed.
"""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pytest
from conftest import needs_wrench

import weaksup
from weaksup.data import tasks, wrench
from weaksup.endmodel.base import EndModel
from weaksup.flows.base import FeatureLabelModel
from weaksup.labelmodel.base import LabelModel
from weaksup.pipeline import Pipeline
from weaksup.sequence.endmodel import CRFTagger
from weaksup.sequence.labelmodel import SequenceLabelModel
from weaksup.universal.base import ValueLabelModel
from weaksup.universal.model import UniversalLabelModel

REPO = Path(weaksup.__file__).resolve().parent.parent  # the sources under test

ONE, MANY = ("float", "dict[str, float]")


def _metric_returns(func: typing.Any) -> list[tuple[str, str]]:
    """``[(metric annotation, return annotation)]`` over the overloads of ``func`` (strings: PEP 563)."""
    overloads = typing.get_overloads(func)
    assert overloads, f"{func.__qualname__} has no @overload: a type checker sees one union return"
    return [(o.__annotations__["metric"], o.__annotations__["return"]) for o in overloads]


@pytest.mark.parametrize("func, default", [
    (LabelModel.score, "str"),
    (FeatureLabelModel.score, "str"),
    (SequenceLabelModel.score, "str"),
    (CRFTagger.score, "str"),
    (EndModel.score, "str | None"),  # None: the model's own metric
    (ValueLabelModel.score, "str | None"),  # None: the space's default metric
    (UniversalLabelModel.score, "str | None"),
    (Pipeline.score, "str"),
], ids=lambda v: getattr(v, "__qualname__", v))
def test_score_is_typed_by_the_metric(func: typing.Any, default: str) -> None:
    assert _metric_returns(func) == [(default, ONE), ("list[str]", MANY)]


def test_score_returns_what_its_overloads_say() -> None:
    from weaksup.labelmodel import MajorityVote

    L = np.array([[0, 1], [1, 1], [0, -1], [1, 0]])
    y = np.array([0, 1, 0, 1])
    model = MajorityVote().fit(L)
    assert isinstance(model.score(L, y), float)
    assert isinstance(model.score(L, y, "accuracy", "abstain", seed=0), float)
    many = model.score(L, y, ["accuracy", "f1_macro"])
    assert isinstance(many, dict) and list(many) == ["accuracy", "f1_macro"]
    assert all(isinstance(v, float) for v in many.values())


def test_load_wrench_is_typed_by_the_registered_name() -> None:
    overloads = typing.get_overloads(wrench.load_wrench)
    assert [o.__annotations__["return"] for o in overloads] == ["WrenchDataset", "SequenceDataset", "Any"]
    assert [o.__annotations__["name"] for o in overloads] == ["_ClassificationName", "_TaggingName", "str"]
    by_task: dict[str, set[str]] = {}
    for name, info in tasks().items():
        by_task.setdefault(info["task"], set()).add(name)
    # the Literal names are the registry's, task by task: a set added to wrench_tasks.json is added here too
    assert set(typing.get_args(wrench._ClassificationName)) == by_task.pop("classification")
    assert set(typing.get_args(wrench._TaggingName)) == by_task.pop("sequence")
    assert not by_task, f"tasks of no load_wrench overload: {by_task}"


SNIPPET = """\
from typing import Any, assert_type

import numpy as np

from weaksup import load_wrench
from weaksup.data.wrench import WrenchDataset
from weaksup.data.wrench_sequence import SequenceDataset
from weaksup.endmodel import LogisticRegression
from weaksup.labelmodel import MajorityVote

ds = load_wrench("youtube")
assert_type(ds, WrenchDataset)
assert_type(ds.label_names, list[str])
lm = MajorityVote().fit(ds.train.votes)
assert_type(lm.score(ds.test.votes, ds.test.labels), float)
assert_type(lm.score(ds.test.votes, ds.test.labels, metric=["accuracy", "f1_macro"]), dict[str, float])
ok: bool = lm.score(ds.test.votes, ds.test.labels) > 0.5
assert_type(LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1]).score(np.zeros((2, 1)), [0, 1]), float)
assert_type(load_wrench("bc5cdr"), SequenceDataset)


def mine() -> None:  # a folder of one's own: typed Any (not run here)
    assert_type(load_wrench("./mine"), Any)
"""


@needs_wrench
def test_the_user_snippet_runs() -> None:
    """The snippet the overloads are written for runs as written on real data (its assert_type calls are no-ops
    at run time; a type checker, which is not a test dependency, reads them: ``pyright snippet.py`` gave 0 errors
    when these overloads were written, 6 "received Any" before)."""
    exec(compile(SNIPPET, "snippet.py", "exec"), {"__name__": "snippet"})
