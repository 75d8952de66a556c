"""The command tree: its one error handler sends every failure through ``report_error``.

It also times and counts each command for the operator's metrics, and binds
the interaction's guild and command to the log lines written while handling it.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.context import DatelineClient, Interaction
from bot.discord.observe import interaction_finished, interaction_started
from bot.discord.replies import report_error


class DatelineTree(app_commands.CommandTree[DatelineClient]):
    async def interaction_check(self, interaction: Interaction) -> bool:
        if interaction.type is discord.InteractionType.application_command:
            interaction_started(interaction)
        return True

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
        interaction_finished(self.client.app.metrics, interaction, error)
