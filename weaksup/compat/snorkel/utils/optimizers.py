"""``snorkel.utils.optimizers``: the optimizer settings of ``LabelModel.fit(optimizer_config=...)``.

Frozen dataclasses with snorkel's field names and defaults (snorkel's are
NamedTuples); every field reaches :class:`~weaksup.labelmodel.MatrixCompletion`
(``adam_config.amsgrad=True`` is refused: not implemented).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SGDOptimizerConfig", "AdamOptimizerConfig", "AdamaxOptimizerConfig", "OptimizerConfig"]


@dataclass(frozen=True)
class SGDOptimizerConfig:
    """Settings for SGD."""

    momentum: float = 0.9


@dataclass(frozen=True)
class AdamOptimizerConfig:
    """Settings for Adam (its ``eps`` is torch's default, 1e-8, as in snorkel)."""

    amsgrad: bool = False
    betas: tuple[float, float] = (0.9, 0.999)


@dataclass(frozen=True)
class AdamaxOptimizerConfig:
    """Settings for Adamax."""

    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8


@dataclass(frozen=True)
class OptimizerConfig:
    """Settings of the three optimizers (only the chosen one's are used)."""

    sgd_config: SGDOptimizerConfig = field(default_factory=SGDOptimizerConfig)
    adam_config: AdamOptimizerConfig = field(default_factory=AdamOptimizerConfig)
    adamax_config: AdamaxOptimizerConfig = field(default_factory=AdamaxOptimizerConfig)
