"""``HyperLabelModel``: the pretrained hyper label model of ``hyperlm`` behind weaksup's contract.

HyperLM (Wu et al., "Learning Hyper Label Model for Programmatic Weak
Supervision", ICLR 2023; ``pip install hyperlm`` or ``pip install
weaksup[hyperlm]``) is a graph network trained once on synthetic vote matrices;
it maps a whole vote matrix to per-row class probabilities in one forward pass
(no fitting, transductive).  This adapter:

* ``fit(votes)`` keeps the votes (the context the network reads) and records
  the class balance (mean posterior) and LF accuracies (mean posterior of each
  LF's vote where it fires) HyperLM implies on them;
* ``predict_proba(votes)`` runs the network on the fitted votes (when ``votes``
  are those votes) or on the fitted votes followed by the new rows, and returns
  the new rows' probabilities: new rows are labelled in the context of the
  training votes, as HyperLM was designed;
* gives rows on which no LF votes uniform probabilities (``uncovered="uniform"``,
  like MajorityVote and WRENCH) or the class balance (``"prior"``), never the
  network's output there: hyperlm masks such rows out of its training loss, so
  its network returns an untrained constant for them (0.58-0.64 for class 1 on
  the binary WRENCH sets), a fixed guess rather than a posterior;
* refuses Dask votes (``NotImplementedError``; gather them with
  ``DaskVotes.to_vote_matrix()``): the network reads the whole matrix, which
  partitions scored one at a time would not give it;
* fits votes with one LF (hyperlm squeezes its input, so the adapter pads a
  vote-less LF, which leaves the output unchanged) and refuses votes on fewer
  than two rows with a ``ValueError`` (the network cannot score a one-row graph).

The checkpoint ships inside the ``hyperlm`` wheel (nothing is downloaded).  It
is loaded with ``torch.load(weights_only=True)`` and three numpy globals its
pickle holds allow-listed (no code from the file runs).  Valid labels and
``class_balance`` are accepted and checked but not used (HyperLM's
semi-supervised mode trains on labels; that would belong in the
semi-supervised table).  ``seed`` is unused: inference is deterministic.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from weaksup._threads import TORCH_RNG_LOCK
from weaksup._validation import OneOf, TorchDevice
from weaksup.labelmodel.base import LabelModel
from weaksup.votes import VoteMatrix

__all__ = ["HyperLabelModel"]

_NETS: dict[tuple[str, str | None], Any] = {}
# torch.serialization.safe_globals edits a process-wide allow-list: one thread leaving the context removes the
# globals another thread's torch.load still needs (UnpicklingError), so loads run one at a time
_NETS_LOCK = threading.Lock()


@contextlib.contextmanager
def _safe_globals() -> Iterator[None]:
    """Let torch >= 2.6 load hyperlm's checkpoint with ``weights_only=True`` kept on."""
    import torch

    allowed: list[Any] = [np.dtype]
    try:
        from numpy._core.multiarray import scalar  # numpy >= 2

        allowed.append((scalar, "numpy.core.multiarray.scalar"))
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]

        allowed.append(scalar)
    allowed.extend(getattr(np.dtypes, n) for n in ("Float64DType", "Float32DType", "Int64DType")
                   if hasattr(np, "dtypes") and hasattr(np.dtypes, n))
    if hasattr(torch.serialization, "safe_globals"):
        with torch.serialization.safe_globals(allowed):
            yield
    else:  # pragma: no cover - torch < 2.4 loads the checkpoint as is
        yield


def _network(device: str, checkpoint_path: str | None) -> Any:
    """The loaded hyperlm model (one per device and checkpoint per process)."""
    key = (device, checkpoint_path)
    net = _NETS.get(key)
    if net is not None:
        return net
    with _NETS_LOCK:
        if key in _NETS:  # another thread loaded it while this one waited
            return _NETS[key]
        try:
            import hyperlm
        except ImportError as err:
            raise ImportError("HyperLabelModel needs the hyperlm package: pip install 'weaksup[hyperlm]'") from err
        import torch

        try:
            # the network's layers are randomly initialised before the checkpoint overwrites them: on a forked
            # CPU generator (hyperlm builds them on the CPU), so the caller's torch random stream is left as it was
            with TORCH_RNG_LOCK, _safe_globals(), torch.random.fork_rng(devices=[]):
                _NETS[key] = hyperlm.HyperLabelModel(device=device, checkpoint_path=checkpoint_path)
        except FileNotFoundError as err:
            raise FileNotFoundError(f"HyperLabelModel: checkpoint_path {checkpoint_path!r} does not exist") from err
        except Exception as err:
            if checkpoint_path is None:
                raise
            # torch's unpickler says only "unpack requires a buffer of 4 bytes" and the like, naming no file.
            raise ValueError(f"HyperLabelModel: cannot load checkpoint_path {checkpoint_path!r} as a HyperLM "
                             f"checkpoint (a torch.save file of the hyperlm network): {type(err).__name__}: "
                             f"{err}") from err
    return _NETS[key]


def _import_torch(device: str) -> Any:
    """torch, or the ImportError of ``fit``'s device check that names the extras: an unpickled model predicts
    without that check, and the bare "No module named 'torch'" named no extra."""
    try:
        import torch
    except ImportError:
        TorchDevice().accepts(device)  # raises that ImportError now torch is missing
        raise
    return torch


class HyperLabelModel(LabelModel):
    """The pretrained HyperLM label model (``hyperlm`` package) as a weaksup label model.

    Parameters
    ----------
    cardinality : int, optional
        Number of classes (inferred from the votes when omitted).
    device : str
        Torch device for the network (``"cpu"``).
    checkpoint_path : str, optional
        Another HyperLM checkpoint (default: the one in the ``hyperlm`` wheel).
    uncovered : {"uniform", "prior"}
        Probabilities for rows on which no LF votes (the network has no
        trained output for them; see the module docstring).

    Attributes
    ----------
    votes_ : ndarray
        The fitted votes (``-1`` = abstain), the context of every prediction.
    class_balance_ : ndarray
        Mean posterior on the fitted rows with at least one vote.

    Examples
    --------
    >>> from weaksup.synthetic import make_votes
    >>> from weaksup.labelmodel import HyperLabelModel
    >>> L, y, _ = make_votes(2000, 6, 2, seed=0)
    >>> hlm = HyperLabelModel().fit(L)
    >>> bool((hlm.predict(L) == y).mean() > 0.69)  # majority vote: 0.699
    True
    """

    _fitted_attrs = ("votes_", "class_balance_", "lf_accuracies_")
    _parameter_constraints = {"device": [TorchDevice()], "checkpoint_path": [None, str],
                              "uncovered": [OneOf("uniform", "prior")]}

    def __init__(self, cardinality: int | None = None, device: str = "cpu",
                 checkpoint_path: str | None = None, uncovered: str = "uniform") -> None:
        self.cardinality = cardinality
        self.device = device
        self.checkpoint_path = checkpoint_path
        self.uncovered = uncovered

    #: Most vote-passes (votes x network passes: one pass for two classes, one per class above) a fit or
    #: predict may take: the network's time grows with them (no benchmark section times this model).  Above:
    #: fail fast.
    max_cost: float = 2.5e7
    #: Most memory (bytes) the network's dense inputs and activations may take, as the guard estimates it:
    #: 600 B a vote plus 40 B a cell of the dense n × m vote matrix (tests/test_hyper_cost_guard.py checks the
    #: guard; no benchmark section measures this model's memory); above: fail fast.
    max_bytes: float = 4 * 2**30

    def _unsupported(self, L: VoteMatrix, context_rows: int = 0) -> str | None:
        """Why running the network on ``L`` (after ``context_rows`` fitted rows) would take too long or too much
        memory (None when it will not).  hyperlm runs one pass per class and densifies the votes."""
        k = L.cardinality
        votes = float(L.fired().sum())
        if context_rows:
            votes += float((np.asarray(self.votes_) >= 0).sum())
        passes = 1 if k == 2 else k
        cells = float(L.n + context_rows) * L.m
        cost = votes * passes
        need = 600.0 * votes + 40.0 * cells
        alternatives = "use AbstainDawidSkene (the gold-free default's model), DawidSkene or MajorityVote"
        if cost > self.max_cost:
            return (f"{votes:.3g} votes x {passes} network passes ({k} classes) = {cost:.2e} vote-passes, limit "
                    f"{self.max_cost:.1e} (the network's time grows with them); {alternatives}, or raise max_cost")
        if need > self.max_bytes:
            return (f"{votes:.3g} votes on {L.n + context_rows} x {L.m} dense votes need about {need / 2**30:.1f} GiB "
                    f"(the guard's estimate: 600 B a vote + 40 B a cell), limit {self.max_bytes / 2**30:.1f} GiB; "
                    f"{alternatives}, or raise max_bytes")
        return None

    def _infer(self, X: np.ndarray, k: int) -> np.ndarray:
        """HyperLM's calibrated probabilities for the int vote matrix ``X`` (``k`` columns); uniform on
        rows without a vote."""
        torch = _import_torch(self.device)
        out = np.full((X.shape[0], k), 1.0 / k)
        covered = (X >= 0).any(1)
        top = int(X.max()) if X.size else -1
        if top < 1:  # only class 0 (or nothing) voted: the network needs two classes
            out[covered] = np.eye(k)[0]
            return out
        if not covered[1:].any():  # its graph would hold one row node, which hyperlm cannot score
            raise ValueError(f"votes: HyperLabelModel needs votes on at least two rows; got votes on "
                             f"{int(covered.sum())} of {X.shape[0]} rows")
        # hyperlm squeezes the vote matrix, so one row or one LF would lose an axis (a torch IndexError):
        # pad a vote-less row and LF, which add no node or edge to its graph (sized by the last vote)
        padded = np.pad(X, ((0, int(X.shape[0] < 2)), (0, int(X.shape[1] < 2))), constant_values=-1)
        with torch.no_grad():
            P = np.asarray(_network(self.device, self.checkpoint_path).infer(padded, return_probs=True),
                           dtype=np.float64)[:X.shape[0]]
        full = np.zeros((X.shape[0], k))
        # hyperlm sizes its graph by the last row with a vote, so trailing vote-less rows get no output row
        full[:P.shape[0], :P.shape[1]] = P  # classes above the largest vote get no mass
        with np.errstate(invalid="ignore", divide="ignore"):
            full /= full.sum(1, keepdims=True)
        return np.where(np.isfinite(full).all(1, keepdims=True) & covered[:, None], full, out)

    def _fit(self, L: VoteMatrix, *, class_balance: Any, dev: Any, seed: int | None) -> None:
        reason = self._unsupported(L)
        if reason is not None:
            raise ValueError(f"HyperLabelModel: {reason}")
        k = L.cardinality
        X = L.to_dense().astype(np.int64)
        P = self._infer(X, k)
        self.votes_ = X.astype(np.int16 if k < 32000 else np.int64)
        covered = L.covered()
        self.class_balance_ = P[covered].mean(0) if covered.any() else np.full(k, 1.0 / k)
        acc = np.zeros(L.m)
        for j in range(L.m):
            fired = X[:, j] >= 0
            if fired.any():
                acc[j] = P[fired, X[fired, j]].mean()
        self.lf_accuracies_ = acc

    def _predict_proba(self, L: VoteMatrix) -> np.ndarray:
        ctx = np.asarray(self.votes_, dtype=np.int64)
        X = L.to_dense().astype(np.int64) if (L.n, L.m) == ctx.shape else None  # needed below anyway
        same = X is not None and np.array_equal(X, ctx)
        reason = self._unsupported(L, context_rows=0 if same else ctx.shape[0])
        if reason is not None:  # new rows are scored with the fitted rows as context: both count
            raise ValueError(f"HyperLabelModel: {reason}")
        if X is None:
            X = L.to_dense().astype(np.int64)
        if same:
            P = self._infer(X, L.cardinality)
        else:
            P = self._infer(np.vstack([ctx, X]), L.cardinality)[ctx.shape[0]:]
        if self.uncovered == "prior":
            P[~L.covered()] = self.class_balance_
        return P

    def _check_dask_votes(self, votes: Any, what: str = "votes") -> Any:
        """Refuse Dask votes in ``predict_proba``, ``predict`` and ``score`` (``fit`` refuses them as a model
        without additive statistics): the network labels rows in the context of the whole vote matrix, so
        partitions scored one at a time, each as new rows after the fitted ones, gave other probabilities and
        labels than the same votes in memory (294 of 20,000 hard labels on the fitted votes themselves)."""
        self._check_fitted()
        raise NotImplementedError(
            f"HyperLabelModel cannot predict on Dask {what}: it is transductive (each row is labelled in the "
            "context of the whole vote matrix), so the partitions, scored one at a time, would get other labels "
            "than the same votes in memory; gather them with DaskVotes.to_vote_matrix() (a bare Dask array: "
            "VoteMatrix(array.compute())) if they fit in memory, or use a label model that runs on Dask votes "
            "(DawidSkene, MajorityVote, ...: docs/scaling.md)")

    def lf_accuracies(self) -> np.ndarray:
        """Mean HyperLM posterior of each LF's vote on the fitted rows where it fires."""
        self._check_fitted()
        return np.asarray(self.lf_accuracies_)
