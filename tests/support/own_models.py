"""A researcher's own label model, not built into weaksup, for the tests of the bench, the registry and the checks.

Shared by tests/test_bench_own_models.py and tests/test_own_model_checks.py.  Its module is this one
(``support.own_models``), not a test module's: a test that needs a class living in the test module itself (or in
``__main__``) defines its own.
"""

from __future__ import annotations

import numpy as np

from weaksup._validation import Interval
from weaksup.labelmodel import LabelModel


class AccVote(LabelModel):
    """Each LF weighted by the log-odds of its accuracy: on the valid labels when ``fit`` gets them (``dev``: a
    semi-supervised model that declares nothing about it), else its agreement with the majority vote."""

    _fitted_attrs = ("weights_", "class_balance_")
    _parameter_constraints = {"smoothing": [Interval(0, None)]}

    def __init__(self, cardinality=None, smoothing=1.0):
        self.cardinality = cardinality
        self.smoothing = smoothing

    def _fit(self, L, *, class_balance, dev, seed):
        V, k = L.to_dense(), self.cardinality_
        if dev is not None:
            Vd, ref = dev[0].to_dense(), np.asarray(dev[1])
        else:
            Vd, ref = V, np.stack([(V == c).sum(1) for c in range(k)], 1).argmax(1)
        fired = Vd >= 0
        acc = (((Vd == ref[:, None]) & fired).sum(0) + self.smoothing) / (fired.sum(0) + 2 * self.smoothing)
        acc = np.clip(acc, 1e-3, 1 - 1e-3)
        self.weights_ = np.log(acc / (1 - acc))
        self.class_balance_ = np.full(k, 1.0 / k)

    def _predict_proba(self, L):
        V, k = L.to_dense(), self.cardinality_
        s = np.stack([((V == c) * self.weights_).sum(1) for c in range(k)], 1)
        p = np.exp(s - s.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True)
