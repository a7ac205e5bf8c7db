"""weaksup.compat.snorkel against snorkel 0.10 on the inputs a side-by-side probe found to differ.

Each test runs the same input through snorkel and the compat layer: the
learning-rate schedule epoch by epoch (every scheduler × warm-up × ``min_lr``),
numpy's global state after ``fit``, and the fit-config modules (names and signatures).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import itertools
import logging
import warnings

import numpy as np
import pandas as pd
import pytest

snorkel_labeling = pytest.importorskip("snorkel.labeling")  # a third-party peer from the test extra

import snorkel.analysis as s_analysis  # noqa: E402
import snorkel.labeling.model as s_model  # noqa: E402
import snorkel.utils as s_utils  # noqa: E402
from snorkel.synthetic.synthetic_data import generate_simple_label_matrix as s_generate  # noqa: E402

import weaksup.compat.snorkel.analysis as w_analysis  # noqa: E402
import weaksup.compat.snorkel.labeling as w_labeling  # noqa: E402
import weaksup.compat.snorkel.labeling.model as w_model  # noqa: E402
import weaksup.compat.snorkel.utils as w_utils  # noqa: E402
from weaksup.compat.snorkel.synthetic.synthetic_data import generate_simple_label_matrix as w_generate  # noqa: E402

L_SMALL = np.array([[0, 0, -1], [1, 1, 1], [0, -1, 0], [1, 0, 1]] * 10)


@pytest.fixture(scope="module")
def one_torch_thread():
    """snorkel's torch fits on one thread (a shared 2-core CI box: threads only add contention)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ------------------------------------------------------------------ learning-rate schedule
WARMUPS = [{}, {"warmup_steps": 5, "warmup_unit": "epochs"}, {"warmup_percentage": 0.1},
           {"warmup_steps": 1, "warmup_unit": "epochs"}]


def test_lr_schedule_is_snorkels_epoch_by_epoch(monkeypatch, one_torch_thread):
    """The lr of every epoch equals the lr snorkel's torch optimizer held in that epoch, exactly.

    Covers each scheduler × warm-up (steps, percentage, 1 epoch) × ``min_lr``: under
    ``"linear"`` a warm-up starts at the full lr (its LambdaLR is built after the
    warm-up's), and ``min_lr`` is a floor only after the warm-up.
    """
    trace: list[float] = []
    update = s_model.LabelModel._update_lr_scheduler

    def spy(self, step):  # called after the optimizer step of epoch `step`: the lr that epoch used
        trace.append(self.optimizer.param_groups[0]["lr"])
        update(self, step)

    monkeypatch.setattr(s_model.LabelModel, "_update_lr_scheduler", spy)
    wrong = []
    for sched, warm, min_lr in itertools.product(["constant", "linear", "exponential", "step"], WARMUPS,
                                                 [0.0, 0.005]):
        kw = dict(n_epochs=40, lr=0.01, seed=1, lr_scheduler=sched, progress_bar=False)
        trace.clear()
        s_model.LabelModel(cardinality=2, verbose=False).fit(
            L_SMALL, lr_scheduler_config=dict(warm, min_lr=min_lr), **kw)
        w = w_model.LabelModel(cardinality=2, verbose=False)
        w.fit(L_SMALL, lr_scheduler_config=dict(warm, min_lr=min_lr), **kw)
        if w.model_._lr_schedule() != trace:
            wrong.append((sched, warm, min_lr))
    assert not wrong, f"lr schedule differs from snorkel's for {wrong}"


# ------------------------------------------------------------------ randomness
def test_numpy_global_state_after_fit_is_snorkels(one_torch_thread):
    """fit(seed=s) leaves numpy's global generator where snorkel's fit leaves it (after its μ-init draw)."""
    res = {}
    for side, model in (("snorkel", s_model), ("weaksup", w_model)):
        model.LabelModel(cardinality=2, verbose=False).fit(L_SMALL, n_epochs=5, seed=5, progress_bar=False)
        res[side] = np.random.rand(5)
    np.testing.assert_array_equal(res["weaksup"], res["snorkel"])


MODULES = ["utils.lr_schedulers", "utils.optimizers", "utils.config_utils", "labeling.model.label_model"]
#: snorkel's per-row helpers of its own applier loop; weaksup's kernel replaces them (docs/from_snorkel.md)
NOT_PROVIDED = {"apply_lfs_to_data_point", "rows_to_triplets"}
#: snorkel draws TrainConfig.seed once per process at import; here None = a fresh draw per fit (documented)
RANDOM_DEFAULTS = {"TrainConfig": ("seed",)}


def _params(func):
    return list(inspect.signature(func).parameters)


def _fields(cls):
    """``{field: default}`` of a NamedTuple or a dataclass (None where there is no default)."""
    if hasattr(cls, "_fields"):
        return {f: cls._field_defaults.get(f) for f in cls._fields}
    return {f.name: (f.default if f.default is not dataclasses.MISSING else
                     f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
            for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("module", MODULES)
def test_module_names_and_signatures_match(module):
    """Each module snorkel users import exists; its functions, classes and methods take snorkel's parameter names.

    Torch's ``nn.Module`` methods on snorkel's ``LabelModel`` are left out (weaksup's is numpy).
    """
    theirs = importlib.import_module(f"snorkel.{module}")
    ours = importlib.import_module(f"weaksup.compat.snorkel.{module}")
    problems = []
    for name, obj in vars(theirs).items():
        home = getattr(obj, "__module__", "") or ""
        own = home == theirs.__name__ or (hasattr(theirs, "__path__") and home.startswith(theirs.__name__ + "."))
        if name.startswith("_") or not own or not callable(obj) or name in NOT_PROVIDED:
            continue
        mine = getattr(ours, name, None)
        if mine is None:
            problems.append(f"{name} missing")
        elif hasattr(obj, "_fields"):  # snorkel's NamedTuples (configs here are dataclasses): fields and defaults
            fields, defaults = _fields(mine), _fields(obj)
            for field in RANDOM_DEFAULTS.get(name, ()):
                fields.pop(field), defaults.pop(field)
            if list(fields) != list(defaults) or any(
                    not hasattr(fields[f], "_fields") and not dataclasses.is_dataclass(fields[f])
                    and fields[f] != defaults[f] for f in defaults):
                problems.append(f"{name} fields {fields} != {defaults}")
        elif inspect.isclass(obj):
            methods = {meth for cls in obj.__mro__ if cls.__module__.startswith("snorkel")
                       for meth, func in vars(cls).items()
                       if inspect.isfunction(func) and (not meth.startswith("_") or meth == "__init__")}
            for meth in sorted(methods):
                if not hasattr(mine, meth):
                    problems.append(f"{name}.{meth} missing")
                elif _params(getattr(obj, meth)) != _params(getattr(mine, meth)):
                    problems.append(f"{name}.{meth}{_params(getattr(obj, meth))} vs {_params(getattr(mine, meth))}")
        elif _params(obj) != _params(mine):
            problems.append(f"{name}{_params(obj)} vs {_params(mine)}")
    assert not problems, f"weaksup.compat.snorkel.{module}: {problems}"


# ------------------------------------------------------------------ LabelModel inputs
def test_class_balance_not_summing_to_one_warns():
    L = np.array([[0, 1, 0], [1, 1, 1], [0, 0, -1], [1, -1, 1]] * 5)
    lm = w_model.LabelModel(cardinality=2, verbose=False)
    with pytest.warns(UserWarning, match="class_balance sums to 4"):
        lm.fit(L, class_balance=[1.0, 3.0], n_epochs=5, seed=1, progress_bar=False)
    np.testing.assert_array_equal(lm.p, [1.0, 3.0])  # kept as given, as snorkel's m.p
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lm.fit(L, class_balance=[0.25, 0.75], n_epochs=5, seed=1, progress_bar=False)
