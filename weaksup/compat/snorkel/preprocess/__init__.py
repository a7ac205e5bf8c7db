"""``snorkel.preprocess``: ``preprocessor``, ``Preprocessor``, ``LambdaPreprocessor``, ``BasePreprocessor``."""

from weaksup.compat.snorkel.preprocess.core import (
    BasePreprocessor,
    LambdaPreprocessor,
    Preprocessor,
    preprocessor,
)

__all__ = ["BasePreprocessor", "LambdaPreprocessor", "Preprocessor", "preprocessor"]
