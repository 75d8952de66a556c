"""The bot itself: built from an App by ``create_bot``, the same way in production and tests."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands
from sqlalchemy.exc import SQLAlchemyError

from bot import heap
from bot.digest.delivery import Deliverer
from bot.digest.schedule import DigestScheduler
from bot.discord.cogs.calendar import CalendarCog, ServerZoneCog, TimezoneCog
from bot.discord.cogs.digest import DigestCog
from bot.discord.cogs.info import InfoCog, OwnerCog
from bot.discord.cogs.search import SearchCog
from bot.discord.cooldowns import Cooldowns
from bot.discord.digests import DiscordPoster
from bot.discord.replies import NO_MENTIONS
from bot.discord.state import CustomIds
from bot.discord.tree import DatelineTree
from bot.discord.views import DYNAMIC_ITEMS
from bot.errors import ConfigError
from bot.invite import invite_url

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
COGS = (SearchCog, CalendarCog, TimezoneCog, ServerZoneCog, InfoCog, OwnerCog)
# Dateline never joins voice: don't warn operators about voice libraries it doesn't need.
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


class DatelineBot(commands.AutoShardedBot):
    def __init__(self, app: App) -> None:
        settings = app.settings.discord
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),  # nothing privileged: no message content
            allowed_mentions=NO_MENTIONS,
            tree_cls=DatelineTree,
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
        self.app = app
        self.custom_ids = CustomIds()
        self.cooldowns = Cooldowns()
        self._reloading = asyncio.Lock()
        digest = app.settings.digest
        clock = lambda: app.clock()  # noqa: E731 - follows the app's clock if it is swapped
        deliverer = Deliverer(
            app.store,
            lambda: app.calendar,
            DiscordPoster(self, digest.sends_per_second),
            clock,
            empty=digest.empty,
        )
        self.digests = DigestScheduler(
            app.store,
            deliverer,
            clock,
            catch_up=digest.catch_up,
            misfire_grace=digest.misfire_grace,
        )
        self._digest_start: asyncio.Task | None = None

    async def setup_hook(self) -> None:
        try:  # migrations first: a store that can't be opened stops start-up here
            await self.app.store.start()
        except (SQLAlchemyError, OSError) as error:
            raise ConfigError(f"store.url: cannot open the store: {error}") from None
        for cog_type in COGS:
            cog = cog_type(self.app)
            await self.add_cog(cog)
            for menu in getattr(cog, "context_menus", ()):
                self.tree.add_command(menu)
        await self.add_cog(DigestCog(self.app, self.digests))
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.sync_commands()
        log.info("Invite link: %s", invite_url(self.application_id or 0))
        # Catch-up may post many digests: don't hold up the gateway connection for it.
        self._digest_start = asyncio.create_task(self.digests.start(), name="digest-start")

    async def close(self) -> None:
        await self.digests.stop()
        if self._digest_start is not None and not self._digest_start.done():
            self._digest_start.cancel()
        await super().close()
        await self.app.store.close()

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

    async def is_operator(self, user: discord.abc.User) -> bool:
        """Configured owners, or the application's owner/team."""
        if user.id in self.app.settings.discord.owner_ids:
            return True
        try:
            return await self.is_owner(user)
        except discord.HTTPException:
            return False

    async def reload_archive(self) -> str:
        """Re-read the archive in a worker thread; on failure keep serving the old one."""
        async with self._reloading:
            try:
                opened = await asyncio.to_thread(self.app.reload)
            except Exception as error:
                log.exception("Archive reload failed; keeping the previous archive")
                return f"Reload failed, still serving the previous archive: {error}"
            heap.settle()
        summary = f"Reloaded the archive: {len(opened.index.articles):,} articles"
        if opened.problems:
            summary += f", {len(opened.problems)} problem(s) skipped (see the log)"
        log.info(summary)
        return summary + "."


def create_bot(app: App) -> DatelineBot:
    return DatelineBot(app)
