"""LF execution engines (serial, process pool, Dask); a new engine is a new module here.

See :mod:`weaksup.apply.engines.base` for the contract.
"""

from weaksup.apply.engines.base import Engine, EngineJob, EngineResult, available_engines, get_engine

__all__ = ["Engine", "EngineJob", "EngineResult", "available_engines", "get_engine"]
