"""``snorkel.classification`` is not provided: snorkel's multitask torch trainer is outside the compat layer.

Importing one of its names raises an ImportError that says so.  Train an end model on the label
model's probabilities with weaksup's end models instead (docs/end_models.md): for example
``weaksup.endmodel.LogisticRegression().fit(X, probs)``, or ``MLP`` /
``TransformerClassifier`` and ``Cosine`` for self-training.
"""

from weaksup.compat.snorkel import _not_provided

__all__: list[str] = []

__getattr__ = _not_provided(
    "snorkel.classification",
    ("Checkpointer", "CheckpointerConfig", "DictDataLoader", "DictDataset", "LogManager", "LogManagerConfig",
     "LogWriter", "LogWriterConfig", "MultitaskClassifier", "Operation", "Task", "TensorBoardWriter", "Trainer",
     "cross_entropy_with_probs"),
    "snorkel's multitask torch trainer is not part of the compat layer; train an end model on the label model's "
    "probabilities with weaksup.endmodel (LogisticRegression, MLP, TransformerClassifier, Cosine)")
