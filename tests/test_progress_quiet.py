"""Progress output: a torch end model's training bar is not redrawn on every optimiser step, and
``text_features(..., progress=False)`` prints nothing (transformers' "Loading weights" bar included).

The bar's ``set_postfix(loss=...)`` redrew it on each step (tqdm's ``refresh=True``), past tqdm's ``mininterval``:
MLP(max_steps=2000) in a non-TTY log (CI, nohup, a notebook's captured stderr) wrote 2,742 redraws (215 KB), and
read ``loss.item()`` each step, a device sync per step that ``_train_loop`` says it avoids.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from weaksup.endmodel import MLP  # noqa: E402

STEPS = 120


def _bars(monkeypatch, mininterval):
    """Bars opened by weaksup draw at most every ``mininterval`` seconds (tqdm reads TQDM_MININTERVAL at import)."""
    import tqdm.auto

    class Bar(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["mininterval"] = mininterval
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)).astype("float32")
    return X, (X[:, 0] > 0).astype(int)


def test_training_bar_is_drawn_by_tqdm_not_per_step(monkeypatch):
    """With tqdm's mininterval beyond the fit, the bar is drawn when it opens and closes only (a few writes): the
    training loop forces no redraw of its own.  It forced one each step (over STEPS writes)."""
    _bars(monkeypatch, 1000)
    X, y = _data()
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        MLP(max_steps=STEPS, hidden_sizes=(8,), eval_every=10, progress=True).fit(X, y, seed=0)
    writes = buf.getvalue().count("\r")
    assert writes <= 4, f"{writes} bar writes for {STEPS} steps"


def test_training_bar_shows_the_loss_read_every_eval_every_steps(monkeypatch):
    """The loss is still shown: the mean loss read every ``eval_every`` steps (no ``loss.item()`` per step)."""
    _bars(monkeypatch, 0)
    X, y = _data()
    items = [0]
    item = torch.Tensor.item

    def counted(self):  # a loss still in the graph (the optimiser's own step counters are not)
        items[0] += self.grad_fn is not None
        return item(self)

    buf = io.StringIO()
    monkeypatch.setattr(torch.Tensor, "item", counted)
    with contextlib.redirect_stderr(buf):
        MLP(max_steps=STEPS, hidden_sizes=(8,), eval_every=10, progress=True).fit(X, y, seed=0)
    monkeypatch.undo()
    assert "loss=" in buf.getvalue()
    assert items[0] <= STEPS // 10, f"{items[0]} loss.item() reads (a device sync each) for {STEPS} steps"


def test_progress_changes_no_weight():
    X, y = _data()
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        shown = MLP(max_steps=STEPS, hidden_sizes=(8,), eval_every=10, progress=True).fit(X, y, seed=0)
    quiet = MLP(max_steps=STEPS, hidden_sizes=(8,), eval_every=10, progress=False).fit(X, y, seed=0)
    for a, b in zip(shown.module_.state_dict().values(), quiet.module_.state_dict().values()):
        assert torch.equal(a, b)


def test_text_features_progress_false_prints_nothing(monkeypatch, capfd):
    """transformers' "Loading weights" bar was shown with progress=False (docs/data_and_bench.md documents
    progress=False as the switch)."""
    pytest.importorskip("transformers", reason="MiniLM features need transformers (the embed extra)")
    import weaksup.data.features as f

    try:
        f._minilm_path()
    except ImportError as exc:
        pytest.skip(f"the MiniLM model is not installed (the embed extra): {exc}")
    monkeypatch.setattr(f, "_MODEL_CACHE", {})  # load the model now, as a fresh process does
    capfd.readouterr()
    X = f.text_features(["hello world", "nice song"], "minilm", progress=False, use_cache=False)
    out, err = capfd.readouterr()
    assert X.shape == (2, f.MINILM_DIM)
    assert err == "" and out == "", f"printed with progress=False: {err[:300]!r}"
