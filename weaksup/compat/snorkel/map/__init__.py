"""``snorkel.map``: mappers (see :mod:`weaksup.compat.snorkel.map.core`)."""

from weaksup.compat.snorkel.map.core import (
    BaseMapper,
    LambdaMapper,
    Mapper,
    get_hashable,
    get_parameters,
    is_hashable,
    lambda_mapper,
)

__all__ = ["BaseMapper", "LambdaMapper", "Mapper", "get_hashable", "get_parameters", "is_hashable",
           "lambda_mapper"]
