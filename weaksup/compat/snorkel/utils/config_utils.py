"""``snorkel.utils.config_utils``: ``merge_config`` for the compat layer's config dataclasses."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

__all__ = ["merge_config"]


def merge_config(config: Any, config_updates: dict[str, Any]) -> Any:
    """A copy of ``config`` with the (nested) dict ``config_updates`` applied; unknown keys are errors.

    Unlike snorkel's, ``config_updates`` is left as it was (snorkel replaces
    its nested dicts with config objects).

    >>> from weaksup.compat.snorkel.utils.optimizers import OptimizerConfig
    >>> from weaksup.compat.snorkel.utils.config_utils import merge_config
    >>> merge_config(OptimizerConfig(), {"sgd_config": {"momentum": 0.5}}).sgd_config.momentum
    0.5
    """
    names = {f.name for f in fields(config)}
    changes = {}
    for key, value in config_updates.items():
        if key not in names:
            raise ValueError(f"Unrecognized config option: {key!r} (options: {sorted(names)})")
        current = getattr(config, key)
        nested = isinstance(value, dict) and hasattr(current, "__dataclass_fields__")
        changes[key] = merge_config(current, value) if nested else value
    return replace(config, **changes)
