"""snorkel's type aliases (``snorkel.types``)."""

from collections.abc import Callable, Hashable, Mapping
from typing import Any

DataPoint = Any
DataPoints = Any
FieldMap = Mapping[str, Any]
HashingFunction = Callable[[Any], Hashable]

__all__ = ["DataPoint", "DataPoints", "FieldMap", "HashingFunction"]
