"""Language-model backends: local Hugging Face models and OpenAI-compatible HTTP endpoints."""

from weaksup.labelers.backends.base import Backend, BackendError, BatchError, CallStats
from weaksup.labelers.backends.hf import HFBackend, load_smollm2, model_cache_dir, smollm2_gguf_path
from weaksup.labelers.backends.openai import (
    BackendAuthError,
    BackendConnectionError,
    BackendHTTPError,
    BackendResponseError,
    BackendTimeout,
    OpenAIBackend,
)

__all__ = ["Backend", "BackendError", "BatchError", "CallStats", "HFBackend", "OpenAIBackend",
           "BackendAuthError", "BackendConnectionError", "BackendHTTPError", "BackendResponseError",
           "BackendTimeout", "load_smollm2", "model_cache_dir", "smollm2_gguf_path"]
