"""Benchmark data: the WRENCH loader, the task registry and feature extraction."""

from weaksup.data.wrench import (
    WrenchDataset,
    WrenchFormatError,
    WrenchSplit,
    cache_dir,
    find_wrench_dir,
    load_wrench,
)

__all__ = [
    "WrenchDataset",
    "WrenchFormatError",
    "WrenchSplit",
    "cache_dir",
    "find_wrench_dir",
    "load_wrench",
]
