"""Multi-layer perceptron end model (imports torch; ``weaksup.endmodel`` loads it lazily)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from weaksup._deprecate import renamed_kwargs
from weaksup.endmodel.base import RENAMED_KWARGS, torch_missing

try:
    import torch
    import torch.nn as nn
except ImportError as exc:  # torch is the optional torch extra: name it, not only "No module named 'torch'"
    raise torch_missing("weaksup.endmodel.MLP (also Cosine's default end model)", exc) from exc

from weaksup.endmodel._torch import TorchEndModel

__all__ = ["MLP"]


def _layer_widths(value: Any) -> bool:
    """Whether ``value`` is a tuple or list of positive ints (hidden layer widths; empty: a linear model)."""
    return isinstance(value, (tuple, list)) and all(
        isinstance(w, (int, np.integer)) and not isinstance(w, bool) and w >= 1 for w in value)


# the parameter check's message (a docstring would vanish under python -OO)
_layer_widths.description = (  # type: ignore[attr-defined]
    "a tuple or list of positive ints (hidden layer widths; empty: a linear model)")


class MLP(TorchEndModel):
    """Feed-forward classifier over a feature matrix (dense or scipy-sparse).

    Trained with AdamW on the noise-aware cross-entropy; with
    ``valid=(X_valid, y_valid)`` the ``metric`` is checked every ``eval_every``
    steps, the best weights are kept and training stops after ``patience``
    checks without improvement.  ``transform(X)`` returns the last hidden
    layer (the features COSINE's contrastive term uses).

    A training loss that becomes NaN or inf (diverged weights) raises a ValueError, and one still above
    100 nats per row at the end (e.g. a feature column of magnitude 1e6 or more: saturated probabilities)
    warns (``RuntimeWarning``); both name the largest-magnitude columns of ``X`` and say to scale them.

    Parameters
    ----------
    hidden_sizes : tuple of int
        Hidden layer widths (ReLU, dropout after each).
    dropout : float
    lr, weight_decay : float
        AdamW settings.
    batch_size : int
    max_steps : int
        Optimiser steps (mini-batches).
    eval_every : int
        Steps between validation checks.
    patience : int or None
        Validation checks without improvement before stopping.
    max_grad_norm : float or None
        Gradient clipping.
    metric : str
        Validation metric (:mod:`weaksup.metrics` name).
    cardinality : int, optional
        Number of classes (inferred from ``y`` when omitted; ``n_classes``:
        deprecated alias).
    progress : bool
        Progress bar (``progress_bar``: deprecated alias).
    seed : int, optional
        Default seed when ``fit(seed=None)`` (``random_state``: deprecated alias).
    n_threads : int, optional
        ``torch.set_num_threads`` during fit/predict; torch's thread count is restored afterwards.
    device : str
        ``"cpu"`` or ``"cuda"``.
    warmup_ratio : float
        Fraction of ``max_steps`` with a linear LR warm-up (``scheduler="linear"``).
    eval_batch_size : int
        Rows per forward pass when predicting / validating.
    scheduler : {"constant", "linear"}
        Learning-rate schedule (``"linear"``: warm-up then linear decay to 0).

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.endmodel import MLP
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))]
    >>> y = np.r_[np.zeros(50, int), np.ones(50, int)]
    >>> mlp = MLP(max_steps=200, progress=False).fit(X, y, seed=0)
    >>> mlp.score(X, y) > 0.95
    True
    """

    _parameter_constraints = {"hidden_sizes": [_layer_widths]}

    @renamed_kwargs(**RENAMED_KWARGS)
    def __init__(self, hidden_sizes: tuple[int, ...] = (256,), dropout: float = 0.1, lr: float = 1e-3,
                 weight_decay: float = 1e-4, batch_size: int = 128, max_steps: int = 2000,
                 eval_every: int = 50, patience: int | None = 10, max_grad_norm: float | None = 1.0,
                 metric: str = "accuracy", cardinality: int | None = None, progress: bool = True,
                 seed: int | None = None, n_threads: int | None = None, device: str = "cpu",
                 warmup_ratio: float = 0.0, eval_batch_size: int = 1024, scheduler: str = "constant") -> None:
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.eval_every = eval_every
        self.patience = patience
        self.max_grad_norm = max_grad_norm
        self.metric = metric
        self.cardinality = cardinality
        self.progress = progress
        self.seed = seed
        self.n_threads = n_threads
        self.device = device
        self.warmup_ratio = warmup_ratio
        self.eval_batch_size = eval_batch_size
        self.scheduler = scheduler

    def _check_X(self, X: Any, what: str = "X") -> Any:
        """As every feature model, and within float32's range: the model computes in float32, where a larger
        finite value becomes inf (NaN weights, NaN probabilities on every row)."""
        X = super()._check_X(X, what)
        data = X.data if sp.issparse(X) else X
        over = np.abs(data) > np.finfo(np.float32).max
        if over.any():
            if sp.issparse(X):
                i = int(np.nonzero(over)[0][0])
                r, c = int(np.searchsorted(X.indptr, i, side="right") - 1), int(X.indices[i])
            else:
                r, c = (int(v[0]) for v in np.nonzero(over))
            raise ValueError(f"{what}: value {float(X[r, c])!r} at row {r}, column {c} is beyond float32's range "
                             f"(±{float(np.finfo(np.float32).max):.4g}), in which MLP computes; {int(over.sum())} "
                             "such value(s) in total: rescale the features")
        return X

    def _encode(self, X: Any) -> Any:
        if sp.issparse(X):
            return X.tocsr().astype(np.float32)
        return torch.as_tensor(np.asarray(X, dtype=np.float32), device=self.device)

    def _build(self, data: Any, k: int) -> None:
        layers: list[Any] = []
        d = int(data.shape[1])
        for h in self.hidden_sizes:
            layers += [nn.Linear(d, int(h)), nn.ReLU(), nn.Dropout(self.dropout)]
            d = int(h)
        self.module_ = MLPModule(nn.Sequential(*layers), nn.Linear(d, k)).to(self.device)

    def _forward(self, module: Any, data: Any, idx: np.ndarray) -> tuple[Any, Any]:
        if sp.issparse(data):
            xb = torch.as_tensor(data[idx].toarray(), device=self.device)
        else:
            xb = data[torch.as_tensor(idx, device=data.device)]
        return module(xb)


class MLPModule(nn.Module):
    """``x -> (logits, last hidden layer)``."""

    def __init__(self, body: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.body = body
        self.head = head

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.head(h), h
