"""torch thread counts that are safe in forked worker processes.

torch's intra-op thread pool does not survive a ``fork``: in a child forked from
a process that had started it, the first parallel op waits forever (an
embedding LF run by ``engine="process"`` after ``LFGenerator.fit`` embedded
texts in the parent).  One thread never enters the pool, so every place that
sets torch's thread count asks :func:`torch_threads` first.

>>> from weaksup._threads import torch_threads
>>> torch_threads(4)  # in a process that was not forked from one that had imported torch
4
"""

from __future__ import annotations

import os
import sys
import threading

_forked_from_torch = False


def _after_fork_in_child() -> None:
    global _forked_from_torch
    _forked_from_torch = _forked_from_torch or "torch" in sys.modules


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere processes are spawned, never forked
    os.register_at_fork(after_in_child=_after_fork_in_child)


def torch_threads(n: int) -> int:
    """``n``, or 1 in a process forked from one that had imported torch (see the module docstring)."""
    return 1 if _forked_from_torch else int(n)


#: Held around every section that seeds or forks torch's default CPU generator (seeded end-model fits, the label
#: learning flow's initialisation, HyperLabelModel's network build).  The generator is one for the process: two
#: threads seeding it and drawing from it at once would interleave their draws, and each section's restore would
#: put back a state saved while the other was drawing.  Re-entrant: a seeded section may hold another (COSINE).
TORCH_RNG_LOCK = threading.RLock()
