"""``/dateline reload`` and SIGHUP given to one process reload the archive in every process."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

from tests.cluster.harness import Cluster, write_archive
from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import eventually

STORY = "2019-03-26 08:00:00\n\nWire / {title}. Body.\n"


async def search(fake: FakeDiscord, guild_id: int, query: str) -> str:
    token = await fake.inject_command("search", guild_id=guild_id, query=query)
    answer = await fake.wait_callback(token)
    data = answer.get("data") or {}
    return " ".join(
        [data.get("content") or ""]
        + [f"{e.get('title', '')} {e.get('description', '')}" for e in data.get("embeds", [])]
    )


async def test_a_reload_asked_of_one_process_reaches_every_process(cluster_store_url, tmp_path):
    fake = FakeDiscord(shards=2, max_concurrency=1)
    guilds = [fake.add_guild(shard) for shard in (0, 1)]
    await fake.start()
    archive = write_archive(tmp_path / "archive", datetime.now(UTC).date())
    cluster = Cluster(fake, tmp_path, archive, cluster_store_url, size=2)
    try:
        await cluster.start()
        await cluster.wait_ready()
        await eventually(lambda: _true(fake.commands), timeout=60)
        for guild in guilds:  # each process answers for its own shard's guild
            assert "Volcano" not in await search(fake, guild.id, "volcano")

        (archive / "volcano.txt").write_text(STORY.format(title="Volcano erupts"), "utf-8")
        token = await fake.inject_command("dateline", subcommand="reload", guild_id=guilds[0].id)
        await fake.wait_callback(token, timeout=60)  # deferred: the report follows
        report = await _followup(fake, token)
        for guild in guilds:
            await eventually(lambda g=guild: _finds(fake, g.id, "volcano", "Volcano erupts"))
        # One line per process, each naming it (host:pid) and how its reload went.
        lines = report.splitlines()
        assert lines[0] == "Reload in 2 processes:", report
        for member in cluster.members.values():
            [line] = [x for x in lines if f":{member.process.pid}`" in x]
            assert "Reloaded the archive: 4 articles" in line, report

        (archive / "glacier.txt").write_text(STORY.format(title="Glacier calves"), "utf-8")
        cluster.members[1].process.send_signal(signal.SIGHUP)
        for guild in guilds:
            await eventually(lambda g=guild: _finds(fake, g.id, "glacier", "Glacier calves"))
    finally:
        codes = await cluster.stop()
        await fake.stop()
    assert codes == {0: 0, 1: 0}


async def _followup(fake: FakeDiscord, token: str) -> str:
    """The text of the follow-up message sent for interaction ``token``."""

    async def sent() -> bool:
        return any(token in r.path for r in fake.requests if r.path.startswith("/webhooks/"))

    await eventually(sent, timeout=60)
    [body] = [r.body for r in fake.requests if r.path.startswith("/webhooks/") and token in r.path]
    return str(body.get("content") or "") + str(body.get("embeds") or "")


async def _finds(fake: FakeDiscord, guild_id: int, query: str, title: str) -> bool:
    return title in await search(fake, guild_id, query)


async def _true(value: object) -> bool:
    return bool(value)
