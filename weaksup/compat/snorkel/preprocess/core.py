"""``snorkel.preprocess.core``: preprocessors are mappers (:mod:`weaksup.compat.snorkel.map`)."""

from weaksup.compat.snorkel.map.core import BaseMapper, LambdaMapper, Mapper, lambda_mapper

BasePreprocessor = BaseMapper
Preprocessor = Mapper
LambdaPreprocessor = LambdaMapper


class preprocessor(lambda_mapper):  # noqa: N801 - snorkel's name
    """Decorator turning ``f(x) -> x'`` into a preprocessor; ``@preprocessor()`` needs the parentheses.

    >>> from weaksup.compat.snorkel.preprocess import preprocessor
    >>> @preprocessor(memoize=True)
    ... def lower(x):
    ...     x.text = x.text.lower()
    ...     return x
    >>> type(lower).__name__, lower.memoize
    ('LambdaMapper', True)
    """


__all__ = ["BasePreprocessor", "Preprocessor", "LambdaPreprocessor", "preprocessor"]
