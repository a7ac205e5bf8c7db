"""``snorkel.labeling.model.logger.Logger``: epoch metrics as ``split/metric`` or ``task/split/metric`` log lines."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

__all__ = ["Logger"]


class Logger:
    """Counts ``check()`` calls and logs ``metrics_dict`` (``{"train/loss": 0.1}``) with ``logging.info``."""

    def __init__(self, log_freq: int) -> None:
        self.log_freq = log_freq
        self.unit_count = -1

    def check(self) -> bool:
        self.unit_count += 1
        return self.unit_count % self.log_freq == 0

    def log(self, metrics_dict: dict[str, Any]) -> None:
        lines: dict[str, list[str]] = defaultdict(list)
        for name, value in metrics_dict.items():
            parts = name.split("/")
            if len(parts) not in (2, 3):
                raise ValueError(f"Metric should have form task/split/metric or split/metric, not: {name}")
            split, metric = parts[-2], parts[-1]
            label = f"{parts[0]}/{metric}" if len(parts) == 3 else metric
            lines[split].append(f"{label}={value:0.3f}" if isinstance(value, float) else f"{label}={value}")
        logging.info(f"[{self.unit_count} epochs]: " + ", ".join(f"{s}: [{', '.join(v)}]" for s, v in lines.items()))
