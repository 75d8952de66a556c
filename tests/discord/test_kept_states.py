"""A button whose search was too long for its id, pressed after the bot restarted.

The search is kept in the store, so the restarted bot (a new App, store connection
and memory, as a new process or another process of a cluster has) still answers
the button; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from bot.discord.custom_ids import KEPT_FOR
from tests.discord.conftest import NOW, make_app, raised
from tests.discord.test_search import button, channel_message

LONG_QUERY = "volcano report number lava update " + "x" * 66  # 100 characters: never inline


@pytest.fixture
async def app(tmp_path, store_url):
    async with make_app(tmp_path, store_url) as app:
        yield app


async def search(alice, channel):
    first = (await alice.slash(channel, "search", query=LONG_QUERY, source="Wire")).response
    assert ":#" in button(first, "Next")["custom_id"]  # kept under a key, not carried
    return first


async def test_a_kept_search_pages_after_a_restart(store_url, restart_bot, alice, channel):
    first = await search(alice, channel)
    await restart_bot(store_url)
    await alice.click(first.message, label="Next")
    second = channel_message(alice, first).embeds[0]
    assert second.footer.text.startswith("Page 2 of 3")
    assert second.description.startswith("**6.")
    assert raised(alice._env) == []


async def test_a_kept_search_says_it_expired_once_it_has(store_url, restart_bot, alice, channel):
    first = await search(alice, channel)
    app = await restart_bot(store_url)
    app.clock = lambda: NOW + KEPT_FOR
    pressed = await alice.click(first.message, label="Next")
    assert "This button has expired" in pressed.response.content
