"""Autocomplete callbacks shared by several commands."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord import limits
from bot.timezones import find_zones


async def zone_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """IANA zones for what has been typed: "berlin" finds Europe/Berlin."""
    return [app_commands.Choice(name=z, value=z) for z in find_zones(current, limits.CHOICES)]
