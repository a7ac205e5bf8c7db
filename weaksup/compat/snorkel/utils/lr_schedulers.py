"""``snorkel.utils.lr_schedulers``: the settings of ``LabelModel.fit(lr_scheduler_config=...)``.

Frozen dataclasses with snorkel's field names and defaults (snorkel's are
NamedTuples).  The schedule they give is snorkel's epoch by epoch, warm-up and
``min_lr`` included (:meth:`weaksup.labelmodel.MatrixCompletion._lr_schedule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ExponentialLRSchedulerConfig", "StepLRSchedulerConfig", "LRSchedulerConfig"]


@dataclass(frozen=True)
class ExponentialLRSchedulerConfig:
    """Settings for exponential decay: ``lr *= gamma`` after every epoch."""

    gamma: float = 0.9


@dataclass(frozen=True)
class StepLRSchedulerConfig:
    """Settings for step decay: ``lr *= gamma`` every ``step_size`` epochs."""

    gamma: float = 0.9
    step_size: int = 5


@dataclass(frozen=True)
class LRSchedulerConfig:
    """Settings common to the schedulers.

    ``warmup_steps`` epochs (``warmup_unit="epochs"``; LabelModel refuses
    ``"batches"``) or ``warmup_percentage`` of ``n_epochs`` of linear warm-up
    from 0, and ``min_lr``, a floor applied after the warm-up.
    """

    warmup_steps: float = 0
    warmup_unit: str = "batches"
    warmup_percentage: float = 0.0
    min_lr: float = 0.0
    exponential_config: ExponentialLRSchedulerConfig = field(default_factory=ExponentialLRSchedulerConfig)
    step_config: StepLRSchedulerConfig = field(default_factory=StepLRSchedulerConfig)
