"""/onthisday: the archive's stories from this day in earlier years."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.dates import parse_day
from bot.digest.plan import DigestOptions, plan_digest
from bot.discord.choices import zone_choices
from bot.discord.embeds import on_this_day_embed
from bot.discord.replies import reply
from bot.timezones import parse_zone

if TYPE_CHECKING:
    from bot.app import App

# /onthisday shows the whole day (the embed counts what doesn't fit), or the nearest one.
EVERYTHING_OR_NEAREST = DigestOptions(max_items=None, empty="nearest")


class CalendarCog(commands.Cog):
    def __init__(self, app: App) -> None:
        self.app = app

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
        digest = plan_digest(self.app.calendar, day, EVERYTHING_OR_NEAREST)
        if digest is None:
            await reply(
                interaction, "The archive has nothing from this time of year.", ephemeral=True
            )
            return
        embed = on_this_day_embed(digest.day, digest.groups, substituted=digest.substituted)
        await reply(interaction, embed=embed)
