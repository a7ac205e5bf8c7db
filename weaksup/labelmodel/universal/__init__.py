"""Deprecated location: universal weak supervision now lives in :mod:`weaksup.universal`."""

from weaksup._deprecate import alias_module, warn_deprecated

warn_deprecated("the package 'weaksup.labelmodel.universal'", "'weaksup.universal'")  # points at the importing line
alias_module("weaksup.labelmodel.universal", "weaksup.universal")

from weaksup.universal import *  # noqa: E402,F401,F403
from weaksup.universal import __all__  # noqa: E402,F401
