"""Benchmark data: the WRENCH loader and downloader, the task registry and text features.

``weaksup.data.features`` (MiniLM / TF-IDF) imports torch/transformers only when used.
"""

from weaksup.data.download import DownloadError, download_wrench, verify_wrench
from weaksup.data.features import text_features, wrench_features
from weaksup.data.registry import task_info, tasks
from weaksup.data.wrench import (
    WrenchDataset,
    WrenchFormatError,
    WrenchSplit,
    cache_dir,
    find_wrench_dir,
    load_wrench,
    load_wrench_folder,
)

__all__ = [
    "DownloadError",
    "WrenchDataset",
    "WrenchFormatError",
    "WrenchSplit",
    "cache_dir",
    "download_wrench",
    "find_wrench_dir",
    "load_wrench",
    "load_wrench_folder",
    "task_info",
    "tasks",
    "text_features",
    "verify_wrench",
    "wrench_features",
]
