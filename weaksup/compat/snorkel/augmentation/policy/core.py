"""``snorkel.augmentation.policy.core``: which TFs run on each data point, as lists of TF indices.

Each policy yields, per data point, ``n_per_original`` sequences of TF
indices, after an empty sequence (the original, untouched) when
``keep_original`` is true.

>>> from weaksup.compat.snorkel.augmentation import ApplyAllPolicy, ApplyEachPolicy
>>> ApplyAllPolicy(3, n_per_original=2, keep_original=False).generate_for_example()
[[0, 1, 2], [0, 1, 2]]
>>> ApplyEachPolicy(3).generate_for_example()
[[], [0], [1], [2]]
"""

from __future__ import annotations

__all__ = ["ApplyAllPolicy", "ApplyEachPolicy", "ApplyOnePolicy", "Policy"]


class Policy:
    """``Policy(n_tfs, n_per_original=1, keep_original=True)``; subclasses implement ``generate()``.

    Attributes ``n`` (number of TFs), ``n_per_original`` and ``keep_original``.
    """

    def __init__(self, n_tfs: int, n_per_original: int = 1, keep_original: bool = True) -> None:
        self.n = n_tfs
        self.n_per_original = n_per_original
        self.keep_original = keep_original

    def generate_for_example(self) -> list[list[int]]:
        """The TF index sequences for one data point: ``[]`` first if ``keep_original``, then ``n_per_original``."""
        return [[]] * bool(self.keep_original) + [self.generate() for _ in range(self.n_per_original)]

    def generate(self) -> list[int]:
        """One sequence of TF indices (run in this order on one copy of the data point)."""
        raise NotImplementedError


class ApplyAllPolicy(Policy):
    """Every TF, in order, on each copy: ``generate()`` is ``[0, 1, ..., n_tfs - 1]``."""

    def generate(self) -> list[int]:
        return list(range(self.n))


class ApplyOnePolicy(ApplyAllPolicy):
    """``ApplyOnePolicy(n_per_original=1, keep_original=True)``: only the first TF (index 0) on each copy."""

    def __init__(self, n_per_original: int = 1, keep_original: bool = True) -> None:
        super().__init__(n_tfs=1, n_per_original=n_per_original, keep_original=keep_original)


class ApplyEachPolicy(Policy):
    """``ApplyEachPolicy(n_tfs, keep_original=True)``: one copy per TF, each transformed by that TF alone."""

    def __init__(self, n_tfs: int, keep_original: bool = True) -> None:
        super().__init__(n_tfs=n_tfs, n_per_original=n_tfs, keep_original=keep_original)

    def generate_for_example(self) -> list[list[int]]:
        return [[]] * bool(self.keep_original) + [[i] for i in range(self.n)]
