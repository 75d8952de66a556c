"""What the smoke tests write into a running bot's archive and read from its answers."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.fake_discord import FakeDiscord

SEED = "{stamp}\n\nWire / {title}. {body}\n"
USERS = itertools.count(10**17)


def write_story(
    folder: Path, name: str, title: str, *, stamp: str = "2019-03-26 08:00:00", body: str = "Ash."
) -> None:
    """One story in an archive file of the seed format."""
    (folder / name).write_text(SEED.format(stamp=stamp, title=title, body=body), encoding="utf-8")


def embed_text(callback: dict) -> str:
    """The titles and descriptions of an interaction answer's embeds, as one text."""
    return " ".join(
        f"{e.get('title', '')} {e.get('description', '')}"
        for e in (callback.get("data") or {}).get("embeds", [])
    )


async def search(fake: FakeDiscord, query: str) -> dict:
    """/search as a new user each time: polling as one would meet the 5-in-10-s cooldown."""
    token = await fake.inject_command("search", query=query, user_id=next(USERS))
    return await fake.wait_callback(token)
