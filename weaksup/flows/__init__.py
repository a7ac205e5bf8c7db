"""Label learning flows: feature-conditioned label models, ``fit(votes, X)``.

torch loads only when a flow is fitted.
"""

from weaksup.flows.model import *  # noqa: F401,F403
from weaksup.flows.model import __all__  # noqa: F401
