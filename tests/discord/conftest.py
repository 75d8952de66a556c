"""A real DatelineBot, built by the same factory ``dateline run`` uses, inside SimCord."""

from __future__ import annotations

import random
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.config import Settings
from bot.discord.client import create_bot

NOW = datetime(2024, 3, 26, 9, 0, tzinfo=UTC)

STORIES = [
    ("2019-03-26 08:00:00", "Shafaq News", "Volcano erupts near village", "Ash fell on homes."),
    ("2020-03-26 09:00:00", "Reuters", "Markets rally on volcano calm", "Stocks rose sharply."),
    ("2021-07-01 10:00:00", "Reuters", "Harvest festival opens", "Grain and music."),
    ("2016-02-29 10:00:00", "AFP", "Leap day wedding boom", "Couples marry on the rare day."),
    (
        "2018-05-05 10:00:00",
        "Wire",
        "Pranksters post @everyone alert",
        "They wrote @everyone and <@&123456789012345678> and <@234567890123456789> to ping.",
    ),
]


def write_archive(folder, stories=STORIES, extra_volcanoes: int = 12):
    folder.mkdir(parents=True, exist_ok=True)
    for n, (stamp, source, title, body) in enumerate(stories):
        (folder / f"story{n}.txt").write_text(
            f"{stamp}\n\n{source} / {title}. {body}\n", encoding="utf-8"
        )
    for n in range(extra_volcanoes):  # enough hits for several pages of /search
        (folder / f"volcano{n:02}.txt").write_text(
            f"2015-01-{n + 1:02} 12:00:00\n\nWire / Volcano report number {n}. Lava update {n}.\n",
            encoding="utf-8",
        )
    return folder


def make_app(tmp_path, store_url: str | None = None, **discord_settings) -> App:
    """An App over a test archive in ``tmp_path``, not yet opened (``async with`` opens it).

    Its store is SQLite in ``tmp_path`` unless ``store_url`` names another.
    """
    archive = tmp_path / "archive"
    if not archive.exists():
        write_archive(archive)
    settings = Settings.model_validate(
        {
            "archive": {"paths": [str(archive)]},
            "search": {"cache_dir": str(tmp_path / "cache")},
            "discord": discord_settings,
            "cluster": {"shard_count": 1},
            "store": {"url": store_url or f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}"},
        }
    )
    app = App.open(settings, clock=lambda: NOW)
    app.rng = random.Random(4)
    return app


@pytest.fixture
async def app(tmp_path):
    async with make_app(tmp_path) as app:
        yield app


@pytest.fixture
async def restart_bot(simcord_env, tmp_path):
    """Restart the bot on a new App over the same files, as a new process would."""
    async with AsyncExitStack() as apps:

        async def restart(store_url: str | None = None, **discord_settings) -> App:
            app = await apps.enter_async_context(make_app(tmp_path, store_url, **discord_settings))
            await simcord_env.restart_bot(create_bot(app))
            return app

        yield restart


@pytest.fixture
def simcord_bot(app):
    return create_bot(app)


@pytest.fixture
def guild(simcord_env):
    return simcord_env.create_guild("Newsroom")


@pytest.fixture
def channel(guild):
    return guild.create_text_channel("news")


@pytest.fixture
def alice(simcord_env, guild):
    return guild.add_member(simcord_env.create_user("alice"))


@pytest.fixture
def bob(simcord_env, guild):
    return guild.add_member(simcord_env.create_user("bob"))


def raised(env) -> list[str]:
    """Names of the root errors the bot handled since the last look (and acknowledge them).

    SimCord fails a test whose bot raised an error nobody looked at, even when the
    bot's own handler answered the user; expected ones are checked here instead.
    """
    seen = getattr(env, "_dateline_seen", 0)
    errors = env.errors
    env._dateline_seen = len(errors)
    return [type(getattr(e, "original", None) or e.__cause__ or e).__name__ for e in errors[seen:]]
