"""The command tree: its one error handler sends every failure through ``report_error``."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.replies import report_error


class DatelineTree(app_commands.CommandTree):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
