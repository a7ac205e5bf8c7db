"""The WRENCH benchmark: :func:`run` (API behind ``weaksup bench``) and its markdown tables.

Importing this package is light (and works on every OS); the runner imports
data, label and end models on use.  Writing tables into the repository's
``docs/benchmarks.md`` is repository tooling (``benchmarks/_docs.py``), not
part of the installed package.

Examples
--------
>>> from weaksup.bench import PROTOCOLS
>>> PROTOCOLS  # run(protocol=...): gold valid labels allowed (WRENCH's protocol) or not
('wrench', 'gold-free')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from weaksup._lazy import attach

_LAZY = {
    "run": "weaksup.bench.runner",
    "published": "weaksup.bench.report",
    "published_value": "weaksup.bench.runner",
    "available_datasets": "weaksup.bench.runner",
    "resolve_models": "weaksup.bench.runner",
    "write_results": "weaksup.bench.runner",
    "PROTOCOLS": "weaksup.bench.runner",
    "results_table": "weaksup.bench.report",
    "docs_section": "weaksup.bench.report",
    "summarize_skipped": "weaksup.bench.report",
    "markdown_table": "weaksup.bench.report",
    "section_block": "weaksup.bench.report",
}

if TYPE_CHECKING:  # the lazy names' real types for type checkers and IDEs; tests/test_typing_surface.py keeps
    # this block equal to _LAZY
    from weaksup.bench.report import (
        docs_section,
        markdown_table,
        published,
        results_table,
        section_block,
        summarize_skipped,
    )
    from weaksup.bench.runner import (
        PROTOCOLS,
        available_datasets,
        published_value,
        resolve_models,
        run,
        write_results,
    )

__all__ = list(_LAZY)

_getattr, __dir__ = attach(__name__, _LAZY)

if not TYPE_CHECKING:  # a module __getattr__ would make every misspelt name Any to type checkers
    def __getattr__(name: str) -> Any:
        if name == "update_section":
            from weaksup._version import __version__

            raise AttributeError(f"weaksup.bench.update_section was removed and weaksup {__version__} does not have "
                                 "it: writing docs files is repository tooling (benchmarks/_docs.py in the weaksup "
                                 "repository); build the text with weaksup.bench.section_block(name, body, title) "
                                 "and write it yourself")
        if name in ("LABEL_MODELS", "END_MODELS"):
            from weaksup.bench import runner

            return getattr(runner, name)  # deprecated, warns
        return _getattr(name)
