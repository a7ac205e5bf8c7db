"""``snorkel.utils``: label-format helpers (in :mod:`.core`, as in snorkel) and the fit-config modules.

``snorkel.utils.core``, ``snorkel.utils.config_utils``, ``snorkel.utils.lr_schedulers`` and
``snorkel.utils.optimizers`` exist under the same names here.
"""

from weaksup.compat.snorkel.utils.core import filter_labels, preds_to_probs, probs_to_preds, to_int_label_array

__all__ = ["probs_to_preds", "preds_to_probs", "to_int_label_array", "filter_labels"]
