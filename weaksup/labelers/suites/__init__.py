"""Ready prompt suites for WRENCH tasks: several prompts per task, each a question with its label map.

Each prompt is a dict: ``name``, ``template`` (``str.format`` text over the
example's fields), ``answers`` (list, or mapping answer -> verbalizers),
``label_map`` (answer -> class name; unmapped answers abstain) and optional
``max_field_chars``.  Class names are the WRENCH ``label.json`` names
(``LABEL_NAMES``).  Suites were written from the task descriptions, not tuned on test data;
their measured accuracies (valid split) are in docs/benchmarks.md.

Examples
--------
>>> from weaksup.labelers.suites import get_suite, suite_names, SUITES, LABEL_NAMES
>>> suite_names()
['semeval', 'sms', 'trec', 'youtube']
>>> [p["name"] for p in SUITES["youtube"]][:2]
['yt_spam', 'yt_subscribe']
>>> LABEL_NAMES["youtube"]
['HAM', 'SPAM']
>>> lfs = get_suite("youtube", backend)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from weaksup.labelers.suites.tasks import LABEL_NAMES, SUITES

__all__ = ["SUITES", "LABEL_NAMES", "get_suite", "suite_names"]


def suite_names() -> list[str]:
    return sorted(SUITES)


def get_suite(task: str, backend: Any, *, names: Sequence[str] | None = None, calibrate: bool = True,
              cache: Any = None, prefix: str = "", **kwargs: Any) -> list[Any]:
    """The task's prompts as :class:`~weaksup.labelers.PromptedLF` objects on ``backend``.

    Parameters
    ----------
    task : {"youtube", "sms", "trec", "semeval"}
    backend : labelers.backends.Backend
    names : sequence of str, optional
        Only these prompts (default: all).
    calibrate : bool
        Contextual calibration for every prompt (default True, as in LMitL).
    cache : ResponseCache or path, optional
        Response cache (default: the shared one under ``~/.cache/weaksup``).
    prefix : str
        Prepended to each LF name.
    **kwargs
        Passed to :class:`~weaksup.labelers.PromptedLF` (``min_confidence``, ``progress``...).
    """
    from weaksup.labelers.lf import _DEFAULT_CACHE, PromptedLF
    from weaksup.labelers.template import LabelMap, PromptTemplate

    if task not in SUITES:
        raise KeyError(f"no prompt suite for task {task!r}; suites: {suite_names()}")
    prompts = SUITES[task]
    if names is not None:
        known = [p["name"] for p in prompts]
        missing = [n for n in names if n not in known]
        if missing:
            raise KeyError(f"suite {task!r} has no prompts {missing}; it has {known}")
        prompts = [p for p in prompts if p["name"] in names]
    labels = LABEL_NAMES[task]
    out = []
    for p in prompts:
        tmpl = PromptTemplate(p["template"], p["answers"], name=p["name"], max_field_chars=p.get("max_field_chars"))
        lm = LabelMap(p["label_map"], labels)
        out.append(PromptedLF(prefix + p["name"], tmpl, lm, backend, calibrate=calibrate,
                              cache=_DEFAULT_CACHE if cache is None else cache, **kwargs))
    return out
