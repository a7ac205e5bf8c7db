"""THE root of weaksup's on-disk caches, so one environment variable moves all of them.

``$WEAKSUP_CACHE`` if set, else ``$XDG_CACHE_HOME/weaksup``, else ``~/.cache/weaksup``.  Under it:
``wrench/`` (downloaded WRENCH sets), ``features/`` (text features), ``labelers/`` (prompted-LLM
responses), ``models/`` (converted language models).  Read at each call, so setting the variable
in a running notebook takes effect for the next cache opened.

>>> import os
>>> from weaksup._cache import cache_root
>>> before = os.environ.get("WEAKSUP_CACHE")
>>> os.environ["WEAKSUP_CACHE"] = "/tmp/ws-cache"
>>> str(cache_root())
'/tmp/ws-cache'
>>> _ = os.environ.pop("WEAKSUP_CACHE") if before is None else os.environ.update(WEAKSUP_CACHE=before)
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """``$WEAKSUP_CACHE``, else ``$XDG_CACHE_HOME/weaksup``, else ``~/.cache/weaksup`` (empty values are unset)."""
    own = os.environ.get("WEAKSUP_CACHE")
    if own:
        return Path(own).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base).expanduser() / "weaksup"
