"""Seeded torch fits run in several threads at once are the fits they are alone, bit for bit.

torch's default generator is one for the process: ``torch_seed`` seeded it and ``fork_rng`` saved / restored it,
so two threads each fitting their own ``MLP(seed=7)`` drew from one stream in turn (predicted probabilities up to
0.09 off the serial fits) and put back each other's saved states.  The seeded section now holds a lock, so such
fits run one after another.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from weaksup.endmodel import MLP  # noqa: E402

rng = np.random.default_rng(0)
XS = [rng.normal(size=(300, 12)) for _ in range(3)]
YS = [(X[:, 0] + X[:, 1] > 0).astype(int) for X in XS]


def _fit(i: int) -> np.ndarray:
    m = MLP(hidden_sizes=(16,), max_steps=150, dropout=0.3, progress=False, n_threads=1).fit(XS[i], YS[i], seed=7)
    return m.predict_proba(XS[0])


def test_seeded_mlp_fits_in_threads_equal_the_serial_fits_and_leave_the_callers_rng():
    serial = [_fit(i) for i in range(len(XS))]
    threads_before = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    out: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            out[i] = _fit(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(XS))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i in range(len(XS)):
        np.testing.assert_array_equal(out[i], serial[i], err_msg=f"fit {i} in a thread differs from its serial fit")
    assert torch.equal(torch.rand(3), expected)  # the caller's torch random stream is as it was
    assert torch.get_num_threads() == threads_before  # and so is torch's thread count

