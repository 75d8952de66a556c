"""Three processes started at the same moment on an empty database: one cluster, every shard once.

Without coordination two first starts race in Alembic (a UniqueViolation
that ends ``dateline run``), and processes that each wait politely between
their own IDENTIFYs still overrun ``max_concurrency`` together, drawing op 9.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Store
from bot.store.migrate import current_revision, head_revision
from tests.cluster.harness import Cluster, write_archive
from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import eventually


async def test_three_first_starts_at_once_share_one_schema_and_identify_each_shard_in_turn(
    cluster_store_url, tmp_path
):
    fake = FakeDiscord(shards=3, max_concurrency=1)
    await fake.start()
    archive = write_archive(tmp_path / "archive", datetime.now(UTC).date())
    cluster = Cluster(fake, tmp_path, archive, cluster_store_url, size=3)
    try:
        await cluster.start()  # all three at once, on a database with no tables
        await cluster.wait_ready()
        await eventually(lambda: _synced(fake), timeout=60)
        assert cluster.running(), cluster.logs()

        identifies = fake.identify_limit.log
        assert fake.identify_limit.invalid_sessions == [], cluster.logs()
        # Each shard once, by the process whose slice it is (s % 3 == index).
        assert sorted((i.shard_id, i.shard_count, i.client) for i in identifies) == [
            (0, 3, "p0"),
            (1, 3, "p1"),
            (2, 3, "p2"),
        ]
        store = Store.open(cluster_store_url)
        try:
            assert await current_revision(store.engine) == head_revision()
        finally:
            await store.close()
        for member in cluster.members.values():
            log = member.log()
            assert "Traceback" not in log, log
            assert f"shards {member.index} of 3 (process {member.index} of 3)" in log, log
    finally:
        codes = await cluster.stop()
        await fake.stop()
    assert codes == {0: 0, 1: 0, 2: 0}


async def _synced(fake: FakeDiscord) -> bool:
    return bool(fake.commands)
