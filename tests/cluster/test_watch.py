"""archive.watch in a cluster: every process picks the change up, and one of them builds it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.cluster.harness import Cluster, write_archive
from tests.cluster.test_reload import STORY, _finds, search
from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import eventually


async def test_watching_processes_on_one_machine_build_a_change_once(cluster_store_url, tmp_path):
    fake = FakeDiscord(shards=2, max_concurrency=1)
    guilds = [fake.add_guild(shard) for shard in (0, 1)]
    await fake.start()
    archive = write_archive(tmp_path / "archive", datetime.now(UTC).date())
    shared = {
        "DATELINE_ARCHIVE__WATCH": "PT1S",
        "DATELINE_SEARCH__CACHE_DIR": str(tmp_path / "cache"),  # one machine, one cache
    }
    cluster = Cluster(fake, tmp_path, archive, cluster_store_url, size=2, env=shared)
    try:
        await cluster.start()
        await cluster.wait_ready()
        await eventually(lambda: _true(fake.commands), timeout=60)
        for guild in guilds:
            assert "Volcano" not in await search(fake, guild.id, "volcano")

        (archive / "volcano.txt").write_text(STORY.format(title="Volcano erupts"), "utf-8")
        for guild in guilds:  # each process answers for its own shard's guild
            await eventually(lambda g=guild: _finds(fake, g.id, "volcano", "Volcano erupts"))
    finally:
        codes = await cluster.stop()
        await fake.stop()
    assert codes == {0: 0, 1: 0}
    logs = [member.log() for member in cluster.members.values()]
    assert all(log.count("Reloaded the archive: 4 articles") == 1 for log in logs), cluster.logs()
    assert not any("asked by the cluster" in log for log in logs)  # each reloaded itself
    # One wrote the new index under the cache's lock; the other waited and opened it.
    opened = sum(log.count("Loaded index for 4 articles from cache") for log in logs)
    assert opened == 1, cluster.logs()


async def _true(value: object) -> bool:
    return bool(value)
