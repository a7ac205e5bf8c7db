"""snorkel 0.10's labeling API on weaksup's engines: change ``snorkel`` to ``weaksup.compat.snorkel`` in imports.

Names, signatures, defaults, return types and abstain semantics follow
snorkel 0.10 (``snorkel.labeling``, ``snorkel.labeling.model``,
``snorkel.preprocess``, ``snorkel.map``, ``snorkel.utils``,
``snorkel.analysis``, ``snorkel.synthetic``, ``snorkel.types``); the work is
done by weaksup's LF kernel (:mod:`weaksup.apply.kernel`), :class:`weaksup.analysis.LFAnalysis`
and :class:`weaksup.labelmodel.MatrixCompletion`.  docs/from_snorkel.md lists
every remaining difference.

>>> from weaksup.compat.snorkel.labeling import LFApplier, labeling_function
>>> @labeling_function()
... def big(x):
...     return 1 if x > 10 else -1
>>> LFApplier([big]).apply([3, 30], progress_bar=False).tolist()
[[-1], [1]]
"""

__version__ = "0.10.0"
