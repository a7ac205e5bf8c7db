"""Drop-in layers for other weak-supervision libraries' APIs.

* :mod:`weaksup.compat.snorkel` — snorkel 0.10's labeling API (rewrite
  ``snorkel`` to ``weaksup.compat.snorkel`` in import lines), implemented on
  weaksup's LF kernel, :class:`~weaksup.analysis.LFAnalysis` and
  :class:`~weaksup.labelmodel.MatrixCompletion`.
"""
