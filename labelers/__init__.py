"""Deprecated top-level name: prompted-LLM labelers now live in :mod:`weaksup.labelers`.

``import labelers`` and ``from labelers.backends import ...`` keep working until
weaksup 0.3 with a DeprecationWarning.
"""

from weaksup._deprecate import alias_module, warn_deprecated

warn_deprecated("the top-level package 'labelers'", "'weaksup.labelers'")  # points at the importing line
alias_module("labelers", "weaksup.labelers")

from weaksup.labelers import *  # noqa: E402,F401,F403
from weaksup.labelers import __all__, stats_table  # noqa: E402,F401
