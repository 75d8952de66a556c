"""Autocomplete callbacks shared by several commands."""

from __future__ import annotations

from discord import app_commands

from bot.archive.outlets import complete_outlets
from bot.discord import limits
from bot.discord.context import Interaction
from bot.timezones import find_zones


async def zone_choices(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """IANA zones for what has been typed: "berlin" finds Europe/Berlin."""
    return [app_commands.Choice(name=z, value=z) for z in find_zones(current, limits.CHOICES)]


async def outlet_choices(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """The archive's outlets for what has been typed."""
    sources = interaction.client.app.archive.current.index.sources
    completions = complete_outlets(current, sources, max_length=limits.CHOICE_NAME)
    return [app_commands.Choice(name=c, value=c) for c in completions[: limits.CHOICES]]
