"""Labeling functions generated from a few labels (and, via :mod:`weaksup.labelers.propose`, from a language model).

* :class:`LFGenerator` / :func:`generate_lfs` — mine keyword, n-gram, first-words
  (and question head-noun), regex, stump, between-the-entities (relations), and MiniLM
  centroid / nearest-centroid / k-NN LFs from 50–200 labelled rows and keep
  a diverse, accurate set (Wilson lower bounds, leave-one-out centroids);
* :func:`lfs_to_source` / :func:`save_lfs` / :func:`load_lfs` — write generated LFs
  as a plain Python module and read it back (same votes);
* the families (:func:`keyword_lf`, :func:`regex_lf`, :func:`threshold_lf`,
  :func:`between_lf`, :func:`centroid_lf`, :func:`nearest_centroid_lf`, :func:`knn_lf`) — each LF
  with a ``source`` attribute.

See ``docs/lf_generation.md`` for the notebook loop (generate, inspect, edit, refit).

>>> from weaksup.lfgen import keyword_lf
>>> print(keyword_lf("subscribe", 1).source)
keyword_lf('subscribe', 1, name='keyword_subscribe_1')
>>> from weaksup.lfgen import FAMILIES
>>> FAMILIES  # LFGenerator(families=...) picks among these
('keyword', 'ngram', 'prefix', 'regex', 'stump', 'between', 'centroid', 'nearest', 'knn')
"""

from weaksup.lfgen.families import (
    between_lf,
    centroid_lf,
    keyword_lf,
    knn_lf,
    nearest_centroid_lf,
    regex_lf,
    threshold_lf,
)
from weaksup.lfgen.generate import FAMILIES, LFGenerator, generate_lfs, score_votes, wilson_lower_bound
from weaksup.lfgen.source import load_lfs, lfs_to_source, save_lfs

__all__ = [
    "LFGenerator",
    "generate_lfs",
    "FAMILIES",
    "score_votes",
    "wilson_lower_bound",
    "keyword_lf",
    "regex_lf",
    "threshold_lf",
    "between_lf",
    "knn_lf",
    "centroid_lf",
    "nearest_centroid_lf",
    "lfs_to_source",
    "save_lfs",
    "load_lfs",
]
