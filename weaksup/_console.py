"""THE console printer of weaksup's commands: text the console's encoding cannot show is printed with backslash
escapes instead of failing the command.

A console whose encoding lacks some characters (``PYTHONIOENCODING=ascii``, ``LC_ALL=C`` without UTF-8 mode, a
cp1252 Windows console) makes a plain ``print`` of an LF named in emoji or of a data path like ``/data/dätä``
raise ``UnicodeEncodeError`` after the work is done.  ``weaksup.cli`` and ``weaksup.demo`` both print through
:func:`echo`; it lives here, below both, because the CLI imports the demo.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

__all__ = ["echo"]

#: streams the note on escapes was given for (once per stream: the demo prints many lines)
_NOTED: weakref.WeakSet[Any] = weakref.WeakSet()


def echo(text: str, file: Any = None, *, flush: bool = False) -> None:
    """Print ``text`` to ``file`` (default: ``sys.stdout``); characters its encoding lacks are shown as backslash
    escapes, with a note on stderr (once per stream), instead of failing the command.

    Parameters
    ----------
    text : str
        One or more lines, printed as ``print(text)`` prints them when the stream can encode them.
    file : text stream, optional
        Where to print; ``sys.stdout`` (looked up at call time, so a redirected stdout is honoured) by default.
    flush : bool
        Flush the stream after printing, as ``print(..., flush=True)``.
    """
    stream = sys.stdout if file is None else file
    try:
        print(text, file=stream, flush=flush)
    except UnicodeEncodeError:  # TextIOWrapper encodes the whole text before writing: nothing was printed
        encoding = getattr(stream, "encoding", None) or "ascii"
        print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream, flush=flush)
        try:
            if stream in _NOTED:
                return
            _NOTED.add(stream)
        except TypeError:  # a stream that takes no weak references: note every time
            pass
        print(f"note: the console's encoding ({encoding}) cannot show some characters; they are printed as "
              "backslash escapes (set PYTHONIOENCODING=utf-8 to see them)", file=sys.stderr)
