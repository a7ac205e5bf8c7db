"""The WRENCH benchmark: :func:`run` (API behind ``weaksup bench``) and report helpers.

Importing this package is light; the runner imports data, label and end models on use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run", "results_table", "published", "published_value", "update_section", "markdown_table"]

from weaksup.bench.report import markdown_table, update_section


def __getattr__(name: str) -> Any:
    if name in ("run", "results_table", "published", "published_value", "docs_section",
                "available_datasets", "LABEL_MODELS", "END_MODELS", "PROTOCOLS"):
        from weaksup.bench import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'weaksup.bench' has no attribute {name!r}")
