"""The torch parts of label learning flows, built lazily (``import weaksup.flows`` never loads torch).

:func:`torch_classes` builds, once, the conditional RealNVP-style flow and the
constraint penalties; :func:`constraint_penalties` evaluates the penalties for
given labels as floats.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from weaksup.votes import VoteMatrix, check_votes

__all__ = ["torch_classes", "signals", "constraint_penalties"]

_CLASSES: dict[str, Any] = {}


def torch_classes() -> dict[str, Any]:
    """Build (once) the torch modules; torch is imported here, not at module import."""
    if _CLASSES:
        return _CLASSES
    try:
        import torch
        from torch import nn
    except ImportError as exc:  # a loaded or unpickled flow reaches torch first here: name the extra
        from weaksup.endmodel.base import torch_missing

        raise torch_missing("weaksup.flows.LabelLearningFlow", exc) from exc

    class _Coupling(nn.Module):
        """Affine coupling: warp the ``warp`` coordinates given the others and the x-encoding."""

        def __init__(self, k: int, hidden: int, warp: list[int], scale_max: float) -> None:
            super().__init__()
            keep = [d for d in range(k) if d not in warp]
            self.scale_max = scale_max
            sel = torch.zeros(k, len(keep))
            sel[keep, range(len(keep))] = 1.0
            put = torch.zeros(len(warp), k)
            put[range(len(warp)), warp] = 1.0
            self.register_buffer("sel", sel, persistent=False)
            self.register_buffer("put", put, persistent=False)
            self.y_in = nn.Sequential(nn.Linear(len(keep), hidden), nn.SiLU(), nn.Linear(hidden, hidden))
            self.film = nn.Linear(hidden, 2 * hidden)
            self.out = nn.Linear(hidden, 2 * len(warp))
            with torch.no_grad():  # start near the identity map
                for lin in (self.film, self.out):
                    lin.weight.normal_(std=0.01)
                    lin.bias.zero_()

        def forward(self, h: Any, y: Any) -> tuple[Any, Any]:
            u = self.y_in(y @ self.sel)
            gamma, beta = self.film(h).chunk(2, dim=-1)
            v = torch.nn.functional.silu(u * (1.0 + gamma) + beta)
            raw_s, b = self.out(v).chunk(2, dim=-1)
            log_s = self.scale_max * torch.tanh(raw_s / self.scale_max)
            y = y * torch.exp(log_s @ self.put) + b @ self.put
            return y, log_s.sum(-1)

    class _ConditionalFlow(nn.Module):
        """``y = g(z; x)``: shared x-encoder, ``n_flows`` steps of two complementary couplings."""

        def __init__(self, k: int, d: int, hidden: int, n_flows: int, scale_max: float = 0.5) -> None:
            super().__init__()
            self.k = k
            self.enc = nn.Sequential(nn.Linear(d, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
            nbits = max(1, math.ceil(math.log2(k)))
            layers = []
            for t in range(n_flows):
                bit = t % nbits
                a = [c for c in range(k) if not (c >> bit) & 1]
                b = [c for c in range(k) if (c >> bit) & 1]
                if t % 2:
                    a, b = b, a
                layers += [_Coupling(k, hidden, a, scale_max), _Coupling(k, hidden, b, scale_max)]
            self.couplings = nn.ModuleList(layers)

        def forward(self, x: Any, z: Any) -> tuple[Any, Any]:
            h = self.enc(x)
            y, logdet = z, torch.zeros(z.shape[0], dtype=z.dtype)
            for layer in self.couplings:
                y, ld = layer(h, y)
                logdet = logdet + ld
            return y, logdet

        def nll(self, z: Any, logdet: Any) -> Any:
            """``-log2 p(y) / k`` per sample (bits per dimension), ``log p(y) = log N(z) - log|det|``."""
            log_pz = -0.5 * (z ** 2 + math.log(2 * math.pi)).sum(-1)
            return -(log_pz - logdet) / (self.k * math.log(2.0))

    def penalties(y: Any, q: Any, mask: Any, bounds: Any) -> dict[str, Any]:
        zero = torch.zeros((), dtype=y.dtype)
        neg = torch.clamp(-y, min=0).pow(2).sum(-1).mean() if y.shape[0] else zero
        over = torch.clamp(y - 1, min=0).pow(2).sum(-1).mean() if y.shape[0] else zero
        sm = (y.sum(-1) - 1).pow(2).mean() if y.shape[0] else zero
        # expected error of signal i on class c over the rows it covers in this batch
        yi = y.unsqueeze(1)  # n×1×k
        err = ((1 - yi) * q + yi * (1 - q)) * mask.unsqueeze(-1)
        cnt = mask.sum(0).unsqueeze(-1)  # m×1
        c_hat = err.sum(0) / (cnt + 1e-8)
        ws = torch.clamp(c_hat - bounds, min=0).pow(2) * (cnt > 0)
        return {"neg": neg, "over": over, "sum": sm, "ws": ws.sum()}

    _CLASSES.update(torch=torch, Flow=_ConditionalFlow, penalties=penalties)
    return _CLASSES


def signals(votes: np.ndarray, k: int, torch: Any) -> tuple[Any, Any]:
    """One-hot weak signals ``q`` (n×m×k) and coverage mask (n×m) from dense votes."""
    v = torch.from_numpy(np.array(votes, dtype=np.int64))  # a writable copy: VoteMatrix arrays are read-only
    mask = (v >= 0).to(torch.float32)
    q = torch.nn.functional.one_hot(v.clamp(min=0), k).to(torch.float32) * mask.unsqueeze(-1)
    return q, mask


def constraint_penalties(y: Any, votes: Any, bounds: Any, cardinality: int | None = None) -> dict[str, float]:
    """LLF's four penalty terms for candidate labels ``y`` (n×k), as floats.

    ``neg = mean_n Σ_c max(-y,0)²``, ``over = mean_n Σ_c max(y-1,0)²``,
    ``sum = mean_n (Σ_c y_c - 1)²`` and ``ws = Σ_{i,c} max(ĉ_ic - b_ic, 0)²``
    with ``ĉ_ic`` LF ``i``'s expected error on class ``c`` over the rows it
    votes on.  All four are 0 exactly when ``y`` lies in the constraint set.

    ``y`` may lie outside the simplex (that is what the penalties measure) but
    must be finite; ``bounds`` is a number, a ``(k,)`` per-class vector, an
    ``(m, 1)`` per-LF column or an ``(m, k)`` array, finite and within
    ``[0, 1]``.  Other shapes or values are a ``ValueError`` naming them, and so is
    a 1-d vector when ``m = k``: :meth:`LabelLearningFlow.fit(error_bounds=)
    <weaksup.flows.LabelLearningFlow.fit>` reads a 1-d vector per LF, so pass
    ``(1, k)`` (per class) or ``(m, 1)`` (per LF) there.

    Examples
    --------
    >>> import numpy as np
    >>> from weaksup.flows import constraint_penalties
    >>> p = constraint_penalties(np.eye(2), np.array([[0], [1]]), np.zeros((1, 2)))
    >>> sorted(p.items())
    [('neg', 0.0), ('over', 0.0), ('sum', 0.0), ('ws', 0.0)]
    """
    T = torch_classes()
    torch = T["torch"]
    L = votes if isinstance(votes, VoteMatrix) else check_votes(votes, cardinality)
    k = L.cardinality if cardinality is None else cardinality
    try:
        y32 = np.asarray(y, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y must be a numeric ({L.n}, {k}) array of candidate labels: {exc}") from None
    if y32.shape != (L.n, k):
        raise ValueError(f"y has shape {y32.shape}; expected ({L.n}, {k})")
    bad = ~np.isfinite(y32)
    if bad.any():
        r, c = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(f"y[{r}, {c}] = {y32[r, c]} is not finite; {int(bad.sum())} non-finite value(s) in total")
    yt = torch.as_tensor(y32)
    if np.ndim(bounds) == 1 and np.shape(bounds) == (k,) and L.m == k:
        # here a (k,) vector is per class; LabelLearningFlow.fit(error_bounds=) reads a 1-d vector per LF: with
        # m = k the same vector meant other constraints to the two (a 10x smaller ws penalty for one example)
        raise ValueError(f"bounds is a 1-d vector of length {k} and the votes have m = k = {k} LFs and classes: "
                         f"constraint_penalties would read it per class, LabelLearningFlow.fit(error_bounds=) "
                         f"per LF; pass (1, {k}) for the same per-class bounds on every LF or ({k}, 1) for one "
                         f"bound per LF")
    try:
        b32 = np.asarray(bounds, dtype=np.float32)
        b = np.array(np.broadcast_to(b32, (L.m, k)))
    except (TypeError, ValueError):
        shape = np.shape(bounds) if not isinstance(bounds, (str, bytes)) else "a string"
        raise ValueError(f"bounds has shape {shape}; expected a number, (k,) = ({k},) per class, (m, 1) = ({L.m}, 1) "
                         f"per LF, or (m, k) = ({L.m}, {k}) per LF and class") from None
    bad = ~np.isfinite(b) | (b < 0) | (b > 1)
    if bad.any():
        i, c = (int(v[0]) for v in np.nonzero(bad))
        raise ValueError(f"bounds for LF {L.lf_names[i]!r} (row {i}), class {c} is {b[i, c]}; error bounds must be "
                         f"finite and within [0, 1]")
    q, mask = signals(L.to_dense(), k, torch)
    with torch.no_grad():
        out = T["penalties"](yt, q, mask, torch.as_tensor(b))
    return {name: float(val) for name, val in out.items()}
