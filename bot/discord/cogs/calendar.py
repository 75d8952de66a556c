"""/onthisday: the archive's stories from this day in earlier years."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.dates import parse_day
from bot.discord import limits
from bot.discord.embeds import on_this_day_embed
from bot.discord.replies import reply
from bot.timezones import find_zones, parse_zone

if TYPE_CHECKING:
    from bot.app import App


class CalendarCog(commands.Cog):
    def __init__(self, app: App) -> None:
        self.app = app

    async def zone_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in find_zones(current, limits.CHOICES)]

    @app_commands.command(name="onthisday", description="Stories from this day in earlier years")
    @app_commands.describe(
        date="A day as YYYY-MM-DD or MM-DD (default: today)",
        timezone="Whose today, e.g. Europe/Berlin (default UTC)",
    )
    @app_commands.autocomplete(timezone=zone_choices)
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def onthisday(
        self,
        interaction: discord.Interaction,
        date: str | None = None,
        timezone: str | None = None,
    ) -> None:
        zone = parse_zone(timezone or "UTC")
        today = self.app.clock().astimezone(zone).date()
        day = parse_day(date, today) if date else today
        calendar = self.app.calendar
        groups = calendar.select(day)
        substituted = False
        if not groups:
            nearest = calendar.nearest(day)
            if nearest is None:
                await reply(
                    interaction, "The archive has nothing from this time of year.", ephemeral=True
                )
                return
            day, groups, substituted = nearest, calendar.select(nearest), True
        await reply(interaction, embed=on_this_day_embed(day, groups, substituted=substituted))
