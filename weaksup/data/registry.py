"""Registry of WRENCH tasks, read from ``weaksup/data/wrench_tasks.json`` (shipped in the wheel).

The repository's top-level ``datasets/`` folder holds the human-readable cards;
the JSON here is the machine-readable copy the installed package reads.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["task_info", "tasks"]


@lru_cache(maxsize=1)
def tasks() -> dict[str, dict[str, Any]]:
    """All registered WRENCH tasks, by name.

    Examples
    --------
    >>> from weaksup.data import tasks
    >>> "youtube" in tasks(), tasks()["youtube"]["metric"]
    (True, 'accuracy')
    """
    text = resources.files("weaksup.data").joinpath("wrench_tasks.json").read_text(encoding="utf-8")
    return {t["name"]: t for t in json.loads(text)["tasks"]}


def task_info(name: str) -> dict[str, Any] | None:
    """The registry entry of task ``name`` (task type, metric, sizes, source, licence), or None.

    Parameters
    ----------
    name : str
        The WRENCH task name, as :func:`tasks` lists it (``"youtube"``, ``"ncbi-disease"``...).

    Examples
    --------
    >>> from weaksup.data import task_info
    >>> info = task_info("youtube")
    >>> info["task"], info["n_classes"], info["n_train"]
    ('classification', 2, 1686)
    >>> task_info("no-such-task") is None
    True
    """
    return tasks().get(name)
