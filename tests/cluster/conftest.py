"""Cluster tests: real processes on their own PostgreSQL database, skipped without one."""

from __future__ import annotations

import pytest

from tests.cluster.harness import SKIP_REASON, fresh_database, postgres_url


@pytest.fixture
async def cluster_store_url(request) -> str:
    base = postgres_url()
    if base is None:
        pytest.skip(SKIP_REASON)
    return await fresh_database(base, "cluster")
