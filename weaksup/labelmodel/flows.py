"""Deprecated location: label learning flows now live in :mod:`weaksup.flows`."""

from weaksup._deprecate import warn_deprecated

warn_deprecated("the module 'weaksup.labelmodel.flows'", "'weaksup.flows'")  # points at the importing line

from weaksup.flows.model import *  # noqa: E402,F401,F403
from weaksup.flows.model import LabelLearningFlow, __all__  # noqa: E402,F401
