"""One ``dateline run`` with no cluster settings runs every shard Discord asks for."""

from __future__ import annotations

from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import eventually, running_bot


async def test_one_process_runs_every_shard_and_comes_back_from_an_invalid_session(
    archive, tmp_path
):
    fake = FakeDiscord(shards=2, max_concurrency=1)
    guilds = [fake.add_guild(shard) for shard in (0, 1)]
    await fake.start()
    # As if another session of the token had just started: the first IDENTIFY gets op 9.
    fake.identify_limit.refuse_next = 1
    try:
        async with running_bot(fake, tmp_path, archive):
            await fake.wait_shards(timeout=90)
            await eventually(lambda: bool(fake.commands))
            for guild in guilds:  # each answered on its own shard's connection
                token = await fake.inject_command("search", guild_id=guild.id, query="volcano")
                answer = await fake.wait_callback(token)
                assert "Volcano erupts" in str(answer["data"]["embeds"])
            assert fake.invalid_sessions == 1
            # The refused shard identified again on the fake's gateway, not on Discord's own.
            assert sorted(i.shard_id for i in fake.identify_limit.accepted) == [0, 1]
    finally:
        await fake.stop()
