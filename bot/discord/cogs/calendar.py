"""/onthisday, and whose "today" it means: /timezone for a member, /server-timezone for a server."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from discord import app_commands
from discord.ext import commands

from bot.dates import parse_day
from bot.digest.plan import DigestOptions, plan_digest
from bot.discord.choices import zone_choices
from bot.discord.context import Interaction
from bot.discord.embeds import on_this_day_embed
from bot.discord.replies import reply
from bot.errors import BadTimezone
from bot.store.models import ZoneScope
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
        timezone="Whose today, e.g. Europe/Berlin (default: yours from /timezone, else UTC)",
    )
    @app_commands.autocomplete(timezone=zone_choices)
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def onthisday(
        self,
        interaction: Interaction,
        date: str | None = None,
        timezone: str | None = None,
    ) -> None:
        zone = parse_zone(timezone) if timezone else await self._chosen_zone(interaction)
        today = self.app.now().astimezone(zone).date()
        day = parse_day(date, today) if date else today
        digest = plan_digest(self.app.archive.current.calendar, day, EVERYTHING_OR_NEAREST)
        if digest is None:
            await reply(
                interaction, "The archive has nothing from this time of year.", ephemeral=True
            )
            return
        embed = on_this_day_embed(digest.day, digest.groups, substituted=digest.substituted)
        if not date:  # say whose "today" it was, since it may not be the reader's
            embed.set_footer(text=f"Today in {zone.key} · /timezone mine sets yours")
        await reply(interaction, embed=embed)

    async def _chosen_zone(self, interaction: Interaction) -> ZoneInfo:
        """The member's /timezone, else their server's, else UTC."""
        _, name = await self.app.store.zone_for(interaction.user.id, interaction.guild_id)
        try:
            return parse_zone(name)
        except BadTimezone:  # a zone the system's tz database has since dropped
            return ZoneInfo("UTC")


@app_commands.allowed_installs(guilds=True, users=True)
@app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
class TimezoneCog(
    commands.GroupCog,
    group_name="timezone",
    group_description="Whose 'today' /onthisday means",
):
    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__()

    @app_commands.command(name="mine", description="Your timezone for /onthisday, everywhere")
    @app_commands.describe(zone="Type a city: berlin, baghdad, new york")
    @app_commands.autocomplete(zone=zone_choices)
    async def mine(self, interaction: Interaction, zone: str) -> None:
        chosen = parse_zone(zone).key
        await self.app.store.set_zone(ZoneScope.USER, interaction.user.id, chosen, self.app.now())
        await reply(interaction, f"/onthisday now means today in {chosen} for you.", ephemeral=True)

    @app_commands.command(name="show", description="Which timezone /onthisday uses for you")
    async def show(self, interaction: Interaction) -> None:
        whose, name = await self.app.store.zone_for(interaction.user.id, interaction.guild_id)
        said = {
            ZoneScope.USER: f"Yours: {name}.",
            ZoneScope.GUILD: f"This server's: {name} (set your own with /timezone mine).",
            None: "UTC: neither you nor this server chose one (/timezone mine).",
        }[whose]
        await reply(interaction, said, ephemeral=True)

    @app_commands.command(name="forget", description="Forget your timezone")
    async def forget(self, interaction: Interaction) -> None:
        await self.app.store.set_zone(ZoneScope.USER, interaction.user.id, None, self.app.now())
        await reply(
            interaction, "Forgotten: /onthisday uses the server's zone, else UTC.", ephemeral=True
        )


class ServerZoneCog(commands.Cog):
    """/server-timezone: a top-level command, so it can be hidden from members like /digest."""

    def __init__(self, app: App) -> None:
        self.app = app

    @app_commands.command(
        name="server-timezone", description="This server's timezone for /onthisday"
    )
    @app_commands.describe(zone="Type a city: berlin, baghdad, new york")
    @app_commands.autocomplete(zone=zone_choices)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def server_timezone(self, interaction: Interaction, zone: str) -> None:
        if not interaction.permissions.manage_guild:  # admins can override who sees it
            raise app_commands.MissingPermissions(["manage_guild"])
        chosen = parse_zone(zone).key
        await self.app.store.set_zone(
            ZoneScope.GUILD, interaction.guild_id or 0, chosen, self.app.now()
        )
        await reply(
            interaction,
            f"/onthisday now means today in {chosen} here, for members without their own zone.",
            ephemeral=True,
        )
