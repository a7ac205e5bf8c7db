"""``snorkel.slicing.sf.nlp`` (``NLPSlicingFunction``, ``nlp_slicing_function``) is not provided: they need
spaCy; importing one raises an ImportError that says so.  A ``slicing_function`` whose ``pre`` holds a
``SpacyPreprocessor`` (provided when spaCy is installed) does the same."""

from weaksup.compat.snorkel import _not_provided

__all__: list[str] = []

__getattr__ = _not_provided(
    "snorkel.slicing.sf.nlp", ("NLPSlicingFunction", "nlp_slicing_function"),
    "NLP slicing functions need spaCy; use slicing_function(pre=[SpacyPreprocessor(text_field, doc_field)]) "
    "from weaksup.compat.snorkel.preprocess.nlp instead")
