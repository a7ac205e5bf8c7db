"""THE progress bar of weaksup: a ``tqdm.auto`` bar that honours both the caller's ``progress`` flag and tqdm's
own environment switches.

tqdm reads ``TQDM_DISABLE``, ``TQDM_MININTERVAL``, ... (any ``TQDM_<ARGUMENT>``) as the defaults of the arguments
a caller does not pass, once, when tqdm is first imported.  A bar built with ``disable=not progress`` passes
``disable=False`` when progress is on, which overrode ``TQDM_DISABLE=1`` (CI logs filled with bar redraws).
:func:`progress_bar` passes ``disable=True`` only to turn a bar off, and otherwise leaves ``disable`` to tqdm,
except that a ``TQDM_DISABLE`` tqdm has read is passed on explicitly: ``tqdm.notebook``'s bar (what ``tqdm.auto``
gives in Jupyter) passes ``disable=False`` to tqdm itself, which would override it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["progress_bar"]


def progress_bar(iterable: Iterable[Any] | None = None, *, progress: bool = True, **kwargs: Any) -> Any:
    """A ``tqdm.auto.tqdm`` bar, off when ``progress`` is false or tqdm's environment turns bars off.

    Parameters
    ----------
    iterable : iterable, optional
        What the bar wraps (as ``tqdm(iterable)``); ``None`` for a bar moved with ``update``.
    progress : bool
        ``False`` turns the bar off whatever the environment says.  ``True`` leaves it to tqdm: on, unless
        ``TQDM_DISABLE`` is set (tqdm's documented switch; its other ``TQDM_*`` defaults apply too).
    **kwargs
        tqdm's own arguments (``total``, ``desc``, ``unit``, ``leave``, ``delay``, ...); an argument passed here
        wins over its ``TQDM_*`` variable, as in tqdm.  ``disable`` is not one of them: pass ``progress``.

    Returns
    -------
    tqdm.auto.tqdm
        The bar (a disabled one still takes ``update``/``close`` and iterates ``iterable``).

    Examples
    --------
    >>> from weaksup._progress import progress_bar
    >>> with progress_bar(total=3, desc="off", progress=False) as bar:
    ...     bar.update(3)
    >>> bar.disable
    True
    """
    if "disable" in kwargs:
        raise TypeError("progress_bar() takes progress=, not disable= (a disable=False would override "
                        "TQDM_DISABLE)")
    # looked up at each call, not imported once: tests and callers may swap tqdm.auto.tqdm
    from tqdm.auto import tqdm

    if not progress or _env_disables():
        # tqdm.notebook's bar passes disable=False itself, so the environment's default must be passed here
        kwargs["disable"] = True
    return tqdm(iterable, **kwargs)


def _env_disables() -> bool:
    """Whether tqdm's environment (``TQDM_DISABLE``) turns bars off, as tqdm itself read it at import."""
    from tqdm.std import tqdm as std_tqdm

    init = std_tqdm.__dict__.get("__init__")
    return bool(getattr(init, "keywords", {}).get("disable", False))
