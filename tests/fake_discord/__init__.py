"""A small Discord-compatible REST + gateway server on loopback, for real-process tests."""

from tests.fake_discord.server import FakeDiscord

__all__ = ["FakeDiscord"]
