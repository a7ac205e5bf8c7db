"""Short texts and three keyword LFs, one of which can be taken in an edited version (same name, other code): the
LF-fingerprint tests' data (votes of two versions of an LF must not mix silently)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from weaksup import labeling_function

TEXTS = ["free money", "win big now", "see you", "free win", "win win win", "hello there", "free free", "bye"]


def text_frame(offset: int = 0, n: int = 40) -> pd.DataFrame:
    """``n`` rows of :data:`TEXTS` in turn, from ``offset``."""
    return pd.DataFrame({"text": [TEXTS[(i + offset) % len(TEXTS)] for i in range(n)]})


def keyword_lfs(word: str = "free") -> list[Any]:
    """``kw_free``, ``kw_win``, ``kw_bye``; any other ``word`` gives ``kw_free`` edited (a notebook cell re-run
    after an edit)."""
    if word == "free":
        @labeling_function()
        def kw_free(x: Any) -> int:
            return 1 if "free" in x.text else -1
    else:
        @labeling_function()
        def kw_free(x: Any) -> int:  # the edited LF: same name, other code
            return 1 if "free" in x.text or "money" in x.text else -1

    @labeling_function()
    def kw_win(x: Any) -> int:
        return 0 if "win" in x.text else -1

    @labeling_function()
    def kw_bye(x: Any) -> int:
        return 0 if "bye" in x.text or "see" in x.text else -1

    return [kw_free, kw_win, kw_bye]
