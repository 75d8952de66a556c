"""The glue's typed view of the running bot: what commands, buttons and checks may use.

discord.py types ``interaction.client`` by the type parameter of
``discord.Interaction``, which must be a ``discord.Client`` subclass, so the
contract is a small client class rather than a ``typing.Protocol``:
:class:`DatelineClient` declares the services glue code reaches through
``interaction.client``, and :data:`Interaction` is the alias every interaction
parameter is annotated with. It lives apart from ``client.py``, which imports
every cog, so cogs, views and checks can name it without an import cycle.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeAlias

import discord
from discord.ext import commands

from bot.discord.cooldowns import Cooldowns
from bot.discord.custom_ids import CustomIds

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


class DatelineClient(commands.AutoShardedBot):
    """The bot's services for glue code; ``client.DatelineBot`` wires and runs it."""

    def __init__(self, app: App, **options: Any) -> None:
        super().__init__(**options)
        self.app = app
        # States too long for a custom id, kept in the store under a key.
        self.custom_ids = CustomIds(app.store, app.now)
        self.cooldowns = Cooldowns()  # per user, per bot: not on the shared command objects

    async def is_operator(self, user: discord.abc.User) -> bool:
        """Configured owners, or the application's owner/team."""
        if user.id in self.app.settings.discord.owner_ids:
            return True
        try:
            return await self.is_owner(user)
        except discord.HTTPException:
            return False

    async def reload_archive(self) -> str:
        """Reload the archive in every process of the cluster and say how it went in each.

        A process whose reload fails keeps serving its previous archive.
        """
        reports = await self.app.reload_everywhere()
        if len(reports) == 1:
            return reports[0][1]
        lines = [f"- `{process}`: {summary}" for process, summary in reports]
        return "\n".join([f"Reload in {len(reports)} processes:", *lines])


Interaction: TypeAlias = discord.Interaction[DatelineClient]
