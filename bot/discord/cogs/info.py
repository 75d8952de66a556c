"""/stats, /invite, /help, and the owner's /dateline reload."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.context import Interaction
from bot.discord.embeds import help_embed, stats_embed
from bot.discord.replies import reply
from bot.invite import invite_url

if TYPE_CHECKING:
    from bot.app import App


class InfoCog(commands.Cog):
    def __init__(self, app: App) -> None:
        self.app = app

    @app_commands.command(name="stats", description="How big the archive is, with a chart")
    async def stats(self, interaction: Interaction) -> None:
        await interaction.response.defer(thinking=True)
        archive = self.app.archive.current
        stats, png = await asyncio.to_thread(lambda: archive.summary)
        embed = stats_embed(stats).set_image(url="attachment://per-year.png")
        await reply(interaction, embed=embed, file=discord.File(io.BytesIO(png), "per-year.png"))

    @app_commands.command(name="invite", description="The link to add Dateline to a server")
    async def invite(self, interaction: Interaction) -> None:
        url = invite_url(interaction.client.application_id or 0)
        await reply(interaction, f"Add Dateline to a server: <{url}>", ephemeral=True)

    @app_commands.command(name="help", description="What Dateline can do")
    async def help(self, interaction: Interaction) -> None:
        await reply(interaction, embed=help_embed(), ephemeral=True)


class OwnerCog(commands.GroupCog, group_name="dateline", group_description="Bot administration"):
    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__()

    @app_commands.command(name="reload", description="Reload the archive (bot owner only)")
    async def reload(self, interaction: Interaction) -> None:
        if not await interaction.client.is_operator(interaction.user):
            await reply(interaction, "Only the bot's owner can reload the archive.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await reply(interaction, await interaction.client.reload_archive(), ephemeral=True)
