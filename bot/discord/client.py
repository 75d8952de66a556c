"""The bot itself: built from an open App by ``create_bot``, the same way in production and tests.

It opens nothing of its own: the App owns the store, the digest scheduler
and the endpoint. Once logged in (``setup_hook``) it hands the App its poster
so digests start, adds the cogs and syncs the commands.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.cluster.identify import IdentifyGate
from bot.digest.pacing import BudgetPacer
from bot.discord.budget import pace
from bot.discord.cogs.calendar import CalendarCog, ServerZoneCog, TimezoneCog
from bot.discord.cogs.digest import DigestCog
from bot.discord.cogs.info import InfoCog, OwnerCog
from bot.discord.cogs.search import SearchCog
from bot.discord.context import DatelineClient, Interaction
from bot.discord.observe import http_trace, interaction_finished, watch_shards
from bot.discord.poster import DiscordPoster
from bot.discord.replies import NO_MENTIONS
from bot.discord.tree import DatelineTree
from bot.discord.views import DYNAMIC_ITEMS
from bot.invite import invite_url

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
COGS = (SearchCog, CalendarCog, TimezoneCog, ServerZoneCog, InfoCog, OwnerCog, DigestCog)


class DatelineBot(DatelineClient):
    def __init__(self, app: App) -> None:
        topology = app.topology
        budget = BudgetPacer(app.settings.digest.sends_per_second * topology.share)
        super().__init__(
            app,
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),  # nothing privileged: no message content
            allowed_mentions=NO_MENTIONS,
            tree_cls=DatelineTree,
            shard_count=topology.shard_count,
            shard_ids=list(topology.shard_ids) if topology.shard_ids is not None else None,
            # One bot token, one budget: digests follow guild ownership, so this
            # process's requests keep to its shards' share (bot/discord/budget.py).
            http_trace=pace(http_trace(app.metrics), budget),
        )
        watch_shards(self, app.metrics.shards)
        self._identify_gate: IdentifyGate | None = None

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the shard's IDENTIFY bucket, shared with every process of the cluster.

        Replaces discord.py's fixed 5-second sleep: shards in different buckets
        need not wait for each other, and other processes' shards are counted.
        """
        if self._identify_gate is None:
            self._identify_gate = IdentifyGate(self.app.store.engine, await self._max_concurrency())
        await self._identify_gate.turn(shard_id or 0)

    async def _max_concurrency(self) -> int:
        """``session_start_limit.max_concurrency`` from ``/gateway/bot`` (1 if unknown)."""
        try:
            _shards, _url, limits = await self.http.get_bot_gateway()
        except (discord.HTTPException, discord.GatewayNotFound) as error:
            log.warning("Could not read max_concurrency (%s); identifying one at a time", error)
            return 1
        return int(limits.get("max_concurrency", 1))

    async def setup_hook(self) -> None:
        poster = DiscordPoster(self)
        await self.app.start_digests(poster)
        for cog_type in COGS:
            cog = cog_type(self.app)
            await self.add_cog(cog)
            for menu in getattr(cog, "context_menus", ()):
                self.tree.add_command(menu)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.sync_commands()
        log.info("Invite link: %s", invite_url(self.application_id or 0))

    async def on_app_command_completion(self, interaction: Interaction, _command: object) -> None:
        interaction_finished(self.app.metrics, interaction)

    async def close(self) -> None:
        await self.app.stop_digests()  # they post through this client: stop them first
        if self._identify_gate is not None:
            await self._identify_gate.close()
        await super().close()

    async def sync_commands(self) -> None:
        guild_id = self.app.settings.discord.dev_guild_id
        if guild_id is None:
            synced = await self.tree.sync()
            log.info("Synced %d global commands", len(synced))
            return
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("Synced %d commands to development guild %s", len(synced), guild_id)


def create_bot(app: App) -> DatelineBot:
    return DatelineBot(app)
