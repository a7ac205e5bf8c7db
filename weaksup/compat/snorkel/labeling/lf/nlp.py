"""``snorkel.labeling.lf.nlp`` is not provided: ``NLPLabelingFunction`` and its relatives need spaCy.

Importing one of its names raises an ImportError that says so.  The same LF
runs as a plain ``labeling_function`` whose ``pre`` holds a
``SpacyPreprocessor`` (provided when spaCy is installed)::

    from weaksup.compat.snorkel.labeling import labeling_function
    from weaksup.compat.snorkel.preprocess.nlp import SpacyPreprocessor

    @labeling_function(pre=[SpacyPreprocessor("text", "doc", memoize=True)])
    def has_person(x):
        return 1 if any(ent.label_ == "PERSON" for ent in x.doc.ents) else -1
"""

from weaksup.compat.snorkel import _not_provided

__all__: list[str] = []

__getattr__ = _not_provided(
    "snorkel.labeling.lf.nlp",
    ("NLPLabelingFunction", "nlp_labeling_function", "BaseNLPLabelingFunction", "base_nlp_labeling_function",
     "SpacyPreprocessorParameters", "SpacyPreprocessorConfig"),
    "NLP labeling functions need spaCy; use labeling_function(pre=[SpacyPreprocessor(text_field, doc_field)]) "
    "from weaksup.compat.snorkel.preprocess.nlp instead")
