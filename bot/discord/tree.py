"""The command tree: its one error handler sends every failure through ``report_error``."""

from __future__ import annotations

from discord import app_commands

from bot.discord.context import DatelineClient, Interaction
from bot.discord.replies import report_error


class DatelineTree(app_commands.CommandTree[DatelineClient]):
    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
