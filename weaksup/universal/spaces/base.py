"""The :class:`LabelSpace` contract every label space implements (see :mod:`weaksup.universal.spaces`).

A new space is a new module with a ``LabelSpace`` subclass: the model calls only the
methods below (including the :meth:`LabelSpace.posterior` and :meth:`LabelSpace.prior_value`
hooks), never ``isinstance`` on a concrete space.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LabelSpace", "ValueOutputError"]


class ValueOutputError(ValueError):
    """An LF output or a label is not a valid value of the label space.

    Examples
    --------
    >>> from weaksup.universal import RealSpace, ValueOutputError
    >>> try:
    ...     RealSpace().encode_one("abc", lf="lf_x", row=3)
    ... except ValueOutputError as err:
    ...     print(err)
    'abc' (str) from LF 'lf_x' on row 3 is not a number/vector of 1 floats
    """


def _where(lf: str | None, row: Any) -> str:
    parts = []
    if lf is not None:
        parts.append(f"LF {lf!r}")
    if row is not None:
        parts.append(f"row {row!r}")
    return (" from " + " on ".join(parts)) if parts else ""



class LabelSpace:
    """Base class of label spaces (see the module docstring for the contract).

    Subclasses set ``value_shape`` (the per-value array shape), ``dtype`` and
    ``fill`` (the array filler used for abstains), and implement the methods
    below.  ``theta_bounds`` clips estimated θ.

    Examples
    --------
    >>> from weaksup.universal import LabelSpace, RealSpace, RankingSpace
    >>> space = RealSpace()
    >>> isinstance(space, LabelSpace), isinstance(RankingSpace(["a", "b", "c"]), LabelSpace)
    (True, True)
    >>> space.name, space.value_shape, space.encode([1.5, 2]).tolist()
    ('real', (1,), [[1.5], [2.0]])
    """

    name: str = "space"
    value_shape: tuple[int, ...] = ()
    dtype: Any = np.float64
    fill: Any = np.nan
    #: Whether :meth:`triplet_init` is already the exact method-of-moments solution.
    closed_form_exact: bool = True
    default_metric: str = "mean_distance"
    metrics: tuple[str, ...] = ("mean_distance",)
    theta_bounds: tuple[float, float] = (1e-3, 1e3)
    #: Inference rules the space supports (``UniversalLabelModel(inference=...)``).
    inferences: tuple[str, ...] = ("frechet",)

    # ---------------------------------------------------------- encoding
    def encode_one(self, value: Any, lf: str | None = None, row: Any = None) -> np.ndarray:
        """Validate one value and return its array encoding (raises ValueOutputError)."""
        raise NotImplementedError

    def encode(self, values: Any, what: str = "labels") -> np.ndarray:
        """Encode a sequence of ``n`` values (gold labels or predictions) to an array."""
        # numbers only: astype would read a string array ("3.5", item or label names) or a bool array as numbers;
        # other arrays go value by value, as lists do, so they mean what the same list means
        if isinstance(values, np.ndarray) and values.dtype.kind in "iuf" and values.shape[1:] == self.value_shape \
                and values.ndim == 1 + len(self.value_shape):
            arr = values.astype(self.dtype, copy=False)
            self._check_array(arr, what)
            return arr
        out = np.empty((len(values), *self.value_shape), dtype=self.dtype)
        for i, v in enumerate(values):
            if v is None:
                raise ValueOutputError(f"{what}: value at row {i} is None")
            out[i] = self.encode_one(v, lf=None, row=i)
        return out

    def _check_array(self, arr: np.ndarray, what: str, mask: np.ndarray | None = None) -> None:
        """Validate an already-encoded array (``mask``: entries to ignore)."""

    def encoded_shape_hint(self, shape: tuple[int, ...]) -> str:
        """Advice for an array of votes of the wrong ``shape`` (appended to the shape error; none by default)."""
        return ""

    def value_config(self) -> dict[str, Any]:
        """The part of :meth:`config` that fixes what an encoded value means (default: all of it).

        Encoded votes (:class:`~weaksup.universal.ValueVotes`) built in one space are read by a model in
        another only when both give the same ``value_config``: the same index means the same item or point.
        """
        return self.config()

    def decode(self, arr: np.ndarray) -> Any:
        """Turn encoded predictions into user-facing values (identity by default)."""
        return arr

    def decode_value(self, value: np.ndarray) -> Any:
        """One encoded value -> the user-facing value (what an LF would return)."""
        return self.decode(value[None])[0]

    def to_output(self, arr: np.ndarray) -> np.ndarray:
        """Encoded values → the array form ``predict`` returns (``encode`` reads it back)."""
        return self.decode(arr)

    # ---------------------------------------------------------- geometry
    def distance(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Distance of the exponential family, broadcast over leading axes."""
        raise NotImplementedError

    def embed(self, values: np.ndarray) -> np.ndarray:
        """Embedding ``g`` with ``d(u, v) = ‖g(u) − g(v)‖²`` (pseudo-Euclidean for finite spaces)."""
        raise NotImplementedError(f"{type(self).__name__} has no Euclidean embedding")

    def frechet_mean(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Row-wise ``argmin_y Σ_a w_a d(λ_a, y)``; ``values`` n × m × ..., ``weights`` n × m (0 = abstain)."""
        raise NotImplementedError

    # ---------------------------------------------------------- learning
    def prepare(self, column: np.ndarray) -> np.ndarray:
        """Per-LF precomputation for :meth:`pair_statistic` (identity by default)."""
        return column

    def pair_statistic(self, va: np.ndarray, vb: np.ndarray, both: np.ndarray) -> tuple[float, float]:
        """``(sum, count)`` of the pairwise statistic over rows where both LFs vote
        (``va``, ``vb``: the LFs' columns after :meth:`prepare`)."""
        d = self.distance(va[both], vb[both])
        return float(d.sum()), float(both.sum())

    def triplet_init(self, dab: float, dac: float, dbc: float) -> float:
        """θ_a from the three pairwise statistics of triplet (a, b, c) (closed form)."""
        e = 0.5 * (dab + dac - dbc)
        return self.theta_from_expected(e)

    def pair_moment(self, theta_a: float, theta_b: float, aux: Any = None) -> float:
        """Model value of the pairwise statistic for LFs with accuracies θ_a, θ_b."""
        raise NotImplementedError

    def estimate_aux(self, values: np.ndarray, abstain: np.ndarray, theta: np.ndarray) -> Any:
        """Extra parameters needed by :meth:`pair_moment` (e.g. a class prior); None by default."""
        return None

    def expected_distance(self, theta: float, aux: Any = None) -> float:
        """``E_θ[d(λ, y)]`` for one LF."""
        raise NotImplementedError

    def theta_from_expected(self, e: float, aux: Any = None) -> float:
        """Invert :meth:`expected_distance` (moment matching), clipped to ``theta_bounds``."""
        raise NotImplementedError

    # ---------------------------------------------------------- model hooks
    def prior_value(self, values: np.ndarray, weights: np.ndarray, aux: Any = None) -> np.ndarray:
        """The prediction for rows where every LF abstains.

        ``values`` (``1 × N × value_shape``) and ``weights`` (``1 × N``) are a
        sample of all LF outputs and their θ; ``aux`` the fitted auxiliary
        parameters.  Default: their weighted Fréchet mean.
        """
        return self.frechet_mean(values, weights)[0]

    def posterior(self, values: np.ndarray, abstain: np.ndarray, theta: np.ndarray, aux: Any = None) -> np.ndarray:
        """``n × k`` posterior over the points of the space (only finite spaces have one)."""
        raise NotImplementedError(f"predict_proba needs a finite label space; {type(self).__name__} "
                                  f"predictions are values: use predict()")

    def gaussian_fit(self, values: np.ndarray, abstain: np.ndarray, y_mean: Any = None, y_var: Any = None,
                     expected: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Fit the Gaussian factor model of ``inference="gaussian"`` (spaces listing it in ``inferences``)."""
        raise NotImplementedError(f"{type(self).__name__} has no Gaussian inference")

    def gaussian_predict(self, values: np.ndarray, abstain: np.ndarray, g: dict[str, np.ndarray]) -> np.ndarray:
        """Posterior mean under the model fitted by :meth:`gaussian_fit`."""
        raise NotImplementedError(f"{type(self).__name__} has no Gaussian inference")

    # ---------------------------------------------------------- synthetic
    def sample_truth(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def sample_lf(self, y: np.ndarray, theta: float, rng: np.random.Generator) -> np.ndarray:
        """One LF's outputs for every row of ``y`` under ``p(λ | y) ∝ exp(-θ d(λ, y))``."""
        raise NotImplementedError

    # ---------------------------------------------------------- scoring
    def score(self, pred: np.ndarray, y: np.ndarray, metric: str) -> float:
        if metric == "mean_distance":
            return float(np.mean(self.distance(pred, y)))
        raise ValueError(f"unknown metric {metric!r} for {type(self).__name__}; choose from {self.metrics}")

    def config(self) -> dict[str, Any]:
        """JSON-able constructor arguments (for save/load)."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        """Spaces are values: the same class with the same :meth:`config` is the same space."""
        return isinstance(other, LabelSpace) and type(self) is type(other) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, repr(sorted(self.config().items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if not isinstance(v, list) or len(v) < 12)
        return f"{type(self).__name__}({args})"


def _check_names_vs_indices(index: dict[Any, int], what: str, names: list[Any]) -> None:
    """Refuse names that equal the index of *another* point/item (e.g. ``[2, 0, 1]``).

    Values are read by name or by index (lists: a name first, else an index; integer arrays:
    indices, the form ``predict`` returns), so a name ``j`` standing for a point other than
    index ``j`` would make the same value mean two things.  Names equal to their own index
    (``[0, 1, 2]``) and integers outside ``0..k-1`` are unambiguous and allowed.
    """
    for j in range(len(names)):
        pos = index.get(j)
        if pos is not None and pos != j:
            raise ValueError(
                f"{what}={names!r}: {what[:-1]} {names[pos]!r} at position {pos} equals the index {j} of another "
                f"{'point' if what == 'labels' else 'item'}, so the value {j} would mean one thing as a name and "
                f"another as an index (lists are read by name, integer arrays by index); use string names, or "
                f"put each integer name at its own position (names[i] == i)")


def _clip(theta: float, bounds: tuple[float, float]) -> float:
    if not np.isfinite(theta):
        return bounds[1]
    return float(min(max(theta, bounds[0]), bounds[1]))
