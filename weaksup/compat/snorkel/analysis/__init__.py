"""``snorkel.analysis``: ``Scorer``, ``metric_score``, ``get_label_buckets`` and ``get_label_instances``.

The submodules are snorkel's: :mod:`.metrics` (``metric_score``, ``METRICS``,
``Metric``), :mod:`.scorer` (``Scorer``) and :mod:`.error_analysis`.

>>> import numpy as np
>>> from weaksup.compat.snorkel.analysis import Scorer
>>> Scorer(["accuracy", "coverage"]).score(np.array([1, 0, 1]), np.array([1, -1, 1]))
{'accuracy': 1.0, 'coverage': 0.6666666666666666}
"""

from weaksup.compat.snorkel.analysis.error_analysis import get_label_buckets, get_label_instances
from weaksup.compat.snorkel.analysis.metrics import METRICS, Metric, metric_score
from weaksup.compat.snorkel.analysis.scorer import Scorer

__all__ = ["Scorer", "metric_score", "METRICS", "Metric", "get_label_buckets", "get_label_instances"]
