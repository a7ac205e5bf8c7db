"""``snorkel.augmentation.policy.sampling``: TF sequences drawn at random.

The draws come from numpy's global generator (``np.random.choice``), as in
snorkel, so after the same ``np.random.seed(...)`` both give the same sequences.

>>> import numpy as np
>>> from weaksup.compat.snorkel.augmentation import MeanFieldPolicy
>>> _ = np.random.seed(0)
>>> MeanFieldPolicy(3, sequence_length=2, p=[0.0, 1.0, 0.0], keep_original=False).generate_for_example()
[[1, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from weaksup.compat.snorkel.augmentation.policy.core import Policy

__all__ = ["MeanFieldPolicy", "RandomPolicy"]


class MeanFieldPolicy(Policy):
    """``MeanFieldPolicy(n_tfs, sequence_length=1, p=None, n_per_original=1, keep_original=True)``.

    Each sequence is ``sequence_length`` TF indices drawn independently (with
    replacement) from the distribution ``p`` over the ``n_tfs`` TFs (uniform
    when ``p`` is None).
    """

    def __init__(self, n_tfs: int, sequence_length: int = 1, p: Sequence[float] | None = None,
                 n_per_original: int = 1, keep_original: bool = True) -> None:
        self.sequence_length = sequence_length
        self._p = p
        super().__init__(n_tfs, n_per_original=n_per_original, keep_original=keep_original)

    def generate(self) -> list[int]:
        # one np.random.choice call per sequence: the same draws from numpy's global state as snorkel
        return np.random.choice(self.n, size=self.sequence_length, p=self._p).tolist()


class RandomPolicy(MeanFieldPolicy):
    """``RandomPolicy(n_tfs, sequence_length=1, n_per_original=1, keep_original=True)``: TFs drawn uniformly."""

    def __init__(self, n_tfs: int, sequence_length: int = 1, n_per_original: int = 1,
                 keep_original: bool = True) -> None:
        super().__init__(n_tfs, sequence_length=sequence_length, p=None, n_per_original=n_per_original,
                         keep_original=keep_original)
