"""``snorkel.analysis.error_analysis``: ``get_label_buckets`` and ``get_label_instances`` (weaksup's buckets).

>>> import numpy as np
>>> from weaksup.compat.snorkel.analysis import get_label_buckets
>>> get_label_buckets(np.array([1, 1, 0]), np.array([1, 0, 0]))[(1, 1)].tolist()
[0]
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from weaksup.analysis import get_label_buckets as _get_label_buckets
from weaksup.compat.snorkel.utils.core import to_int_label_array

__all__ = ["get_label_buckets", "get_label_instances"]


def get_label_buckets(*y: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """Row indices bucketed by label combinations: ``buckets[(gold, pred)]`` (keys in order of first occurrence)."""
    # snorkel accepts integral floats and n × 1 columns (to_int_label_array); weaksup's buckets take ints
    return _get_label_buckets(*(to_int_label_array(np.asarray(a)) for a in y))


def get_label_instances(bucket: tuple[int, ...], x: np.ndarray, *y: np.ndarray) -> Any:
    """The rows of ``x`` in label ``bucket`` (empty, with a logged warning, when no row is).

    ``x`` is a numpy array, as in snorkel; a pandas object is indexed by position.  A bucket with another
    number of labels than label arrays, or an ``x`` with another number of rows than the first label array,
    is snorkel's ValueError, its message followed by the counts.
    """
    if len(y) != len(bucket):
        raise ValueError(f"Number of lists must match the amount of labels in bucket: bucket {tuple(bucket)} has "
                         f"{len(bucket)} labels for {len(y)} label arrays")
    if np.shape(x)[0] != len(y[0]):
        # the label arrays' lengths are checked against each other in get_label_buckets, as in snorkel
        raise ValueError(f"Number of rows in x does not match number of elements in at least one label list: "
                         f"x has {np.shape(x)[0]} rows, the first label list {len(y[0])} elements")
    buckets = get_label_buckets(*y)
    if tuple(bucket) not in buckets:
        logging.warning("Bucket" + str(bucket) + " does not exist.")
        return np.array([])
    indices = buckets[tuple(bucket)]
    return x.iloc[indices] if hasattr(x, "iloc") else np.asarray(x)[indices]
