"""A real Dask ``LocalCluster`` and its client for a test module's fixture (skipped where distributed is absent)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


@contextmanager
def local_client(*, processes: bool = True, n_workers: int = 2, threads_per_worker: int = 1) -> Iterator[Any]:
    """A client of a fresh ``LocalCluster`` (worker processes by default), closed with the cluster on exit."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                       processes=processes, dashboard_address=None, silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
