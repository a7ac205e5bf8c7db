"""Labeling functions: the LF core, fingerprints, the regex engine and LF families.

* :mod:`weaksup.lf.core` — :class:`LabelingFunction`, :class:`Preprocessor`,
  :class:`Row`, the decorators, :class:`ForeignLF` (snorkel LFs) and
  :func:`as_lfs` (the one wrapping / duplicate-name check);
* :mod:`weaksup.lf.fingerprint` — what the vote cache keys an LF on;
* :mod:`weaksup.lf.regex` — vectorised ``re.search`` (RE2 where it agrees with ``re``);
* :mod:`weaksup.lf.families` — :func:`keyword_lf`, :func:`regex_lf`,
  :func:`threshold_lf`, :func:`lfs_from_table`.

>>> from weaksup.lf import keyword_lf
>>> keyword_lf("free", 1).name
'keyword_free_1'
"""

from weaksup.lf.core import (
    ForeignLF,
    LabelingFunction,
    Preprocessor,
    Row,
    as_lfs,
    labeling_function,
    preprocessor,
)
from weaksup.lf.families import keyword_lf, lfs_from_table, regex_lf, threshold_lf
from weaksup.lf.fingerprint import fingerprint_callable
from weaksup.lf.regex import regex_search

__all__ = [
    "Row",
    "Preprocessor",
    "preprocessor",
    "LabelingFunction",
    "labeling_function",
    "ForeignLF",
    "as_lfs",
    "keyword_lf",
    "regex_lf",
    "lfs_from_table",
    "threshold_lf",
    "regex_search",
    "fingerprint_callable",
]
