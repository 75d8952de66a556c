"""/digest: server admins subscribe channels to the daily "on this date" digest.

Every subcommand needs Manage Server twice over: ``default_permissions`` hides
the group from others in the client, and a runtime check refuses anyone who
gets past that (an admin can override command permissions per role).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, assert_never

import discord
from discord import app_commands
from discord.ext import commands

from bot.archive.outlets import parse_outlets
from bot.dates import parse_day
from bot.digest.delivery import Outcome, Result
from bot.digest.timing import parse_local_time
from bot.discord import limits
from bot.discord.choices import outlet_choices, zone_choices
from bot.discord.context import Interaction
from bot.discord.embeds import COLOUR, digest_message, when
from bot.discord.poster import missing_permissions
from bot.discord.replies import reply
from bot.errors import UserFacingError
from bot.store.models import DeliveryStatus
from bot.timezones import parse_zone

if TYPE_CHECKING:
    from bot.app import App
    from bot.store import Delivery, Subscription

log = logging.getLogger(__name__)


def status_words(status: DeliveryStatus) -> str:
    """How /digest list says where a day's delivery stands."""
    match status:
        case DeliveryStatus.SENT:
            return "posted"
        case DeliveryStatus.SKIPPED:
            return "skipped (nothing on file)"
        case DeliveryStatus.MISSED:
            return "missed (Dateline was down)"
        case DeliveryStatus.FAILED:
            return "failed"
        case DeliveryStatus.CLAIMED:
            return "being posted"
        case unexpected:
            assert_never(unexpected)


def sent_now_words(outcome: Outcome, channel: discord.TextChannel) -> str:
    """The answer to /digest send-now."""
    match outcome.status:
        case Result.SENT:
            return f"Posted today's digest in {channel.mention}."
        case Result.SKIPPED:
            return "The archive has nothing for today, so there is nothing to post."
        case Result.RETRY:
            return f"Discord didn't take it ({outcome.reason}); I'll retry later today."
        case Result.PAUSED:
            return f"I couldn't post: {outcome.reason}. The digest is paused until you fix it."
        case Result.TAKEN:  # today's is already out (or going out right now)
            text = f"Today's digest for {channel.mention} is already posted."
            delivery = outcome.delivery
            if delivery is not None and delivery.message_id:
                text += (
                    f" https://discord.com/channels/{channel.guild.id}/{channel.id}/"
                    f"{delivery.message_id}"
                )
            return text
        case unexpected:
            assert_never(unexpected)


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class DigestCog(
    commands.GroupCog,
    group_name="digest",
    group_description="Daily 'on this date' digests for this server's channels",
):
    def __init__(self, app: App) -> None:
        self.app = app
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A deleted channel's digest goes with it, instead of failing every morning."""
        removed = await self.app.store.unsubscribe(channel.guild.id, channel.id)
        if removed is not None:
            await self.app.digests.reschedule(removed.id)
            log.info("Channel %s was deleted: removed its digest", channel.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: its subscriptions and delivery log are deleted."""
        for subscription_id in await self.app.store.forget_guild(guild.id):
            await self.app.digests.reschedule(subscription_id)

    async def _subscription(self, interaction: Interaction, channel_id: int) -> Subscription:
        subscription = await self.app.store.find(interaction.guild_id or 0, channel_id)
        if subscription is None:
            raise UserFacingError(
                f"<#{channel_id}> has no digest. Set one up with /digest subscribe."
            )
        return subscription

    @app_commands.command(name="subscribe", description="Post the digest in a channel every day")
    @app_commands.describe(
        channel="Where to post",
        time="Local time, 24-hour HH:MM (e.g. 08:30)",
        timezone="IANA timezone, e.g. Europe/Berlin (type a city)",
        min_items="Skip days with fewer stories than this (default 1)",
        max_items="Show at most this many stories (default 10)",
        sources="Only these outlets, comma-separated (default all)",
    )
    @app_commands.autocomplete(timezone=zone_choices, sources=outlet_choices)
    async def subscribe(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        min_items: app_commands.Range[int, 1, 25] = 1,
        max_items: app_commands.Range[int, 1, 25] = 10,
        sources: str | None = None,
    ) -> None:
        local_time = parse_local_time(time)
        zone = parse_zone(timezone)
        if min_items > max_items:
            raise UserFacingError("min_items can't be larger than max_items.")
        outlets = parse_outlets(sources, self.app.archive.current.index.sources)
        me = channel.guild.me
        missing = missing_permissions(channel.permissions_for(me)) if me else []
        if missing:
            raise UserFacingError(
                f"I can't post in {channel.mention}: I need the {', '.join(missing)} "
                "permission there. Grant it and subscribe again."
            )
        subscription = await self.app.store.subscribe(
            channel.guild.id,
            channel.id,
            local_time=local_time,
            timezone=zone.key,
            min_items=min_items,
            max_items=max_items,
            sources=outlets,
            now=self.app.now(),
        )
        await self.app.digests.reschedule(subscription.id)
        next_post = self.app.digests.next_run(subscription)
        assert next_post is not None
        await reply(
            interaction,
            f"{channel.mention} will get the digest every day at {local_time} ({zone.key}). "
            f"Next post: {when(next_post)}.",
            ephemeral=True,
        )

    @app_commands.command(name="unsubscribe", description="Stop a channel's daily digest")
    @app_commands.describe(channel="The channel to stop posting in")
    async def unsubscribe(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        removed = await self.app.store.unsubscribe(interaction.guild_id or 0, channel.id)
        if removed is None:
            raise UserFacingError(f"{channel.mention} has no digest to stop.")
        await self.app.digests.reschedule(removed.id)
        await reply(interaction, f"Stopped the daily digest in {channel.mention}.", ephemeral=True)

    @app_commands.command(name="list", description="Every digest in this server")
    async def list_(self, interaction: Interaction) -> None:
        subscriptions = await self.app.store.subscriptions(guild_id=interaction.guild_id)
        if not subscriptions:
            await reply(interaction, "No digests yet: try /digest subscribe.", ephemeral=True)
            return
        latest = await self.app.store.latest_deliveries([s.id for s in subscriptions])
        lines = [self._describe(s, latest.get(s.id)) for s in subscriptions]
        embed = discord.Embed(title="Daily digests", colour=COLOUR)
        embed.description = limits.clip("\n\n".join(lines), limits.EMBED_DESCRIPTION)
        await reply(interaction, embed=embed, ephemeral=True)

    def _describe(self, subscription: Subscription, last: Delivery | None) -> str:
        line = f"<#{subscription.channel_id}> · {subscription.local_time} {subscription.timezone}"
        if subscription.source_list:
            line += f" · only {', '.join(subscription.source_list)}"
        next_post = self.app.digests.next_run(subscription)
        line += f"\nNext: {when(next_post, 'R')}" if next_post else "\n**Paused**"
        if last is not None:
            line += f" · Last: {last.local_date} {status_words(last.status)}"
        if subscription.last_error:
            line += f"\n⚠ {limits.clip(subscription.last_error, 300)}"
            if not subscription.active:
                line += "\nFix it, then use /digest resume."
        return line

    @app_commands.command(name="preview", description="See a day's digest (only you see it)")
    @app_commands.describe(date="A day as YYYY-MM-DD or MM-DD (default: today)")
    async def preview(self, interaction: Interaction, date: str | None = None) -> None:
        subscription = await self.app.store.find(
            interaction.guild_id or 0, interaction.channel_id or 0
        )
        zone = subscription.zone if subscription else parse_zone("UTC")
        today = self.app.now().astimezone(zone).date()
        day = parse_day(date, today) if date else today
        digest = self.app.digests.deliverer.plan(subscription, day)  # this channel's, if it has one
        if digest is None:
            await reply(
                interaction,
                f"Nothing to post for {day:%d %B}: that day would be skipped.",
                ephemeral=True,
            )
            return
        content, embeds = digest_message(digest)
        await reply(interaction, content, embeds=embeds, ephemeral=True)

    @app_commands.command(name="send-now", description="Post today's digest now")
    @app_commands.describe(channel="A channel with a digest")
    async def send_now(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        subscription = await self._subscription(interaction, channel.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.app.digests.send_now(subscription)
        text = sent_now_words(outcome, channel)
        await reply(interaction, text, ephemeral=True)

    @app_commands.command(name="resume", description="Restart a paused digest after fixing it")
    @app_commands.describe(channel="The paused channel")
    async def resume(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        subscription = await self._subscription(interaction, channel.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcomes = await self.app.digests.resume(subscription.id)
        text = f"The digest in {channel.mention} is running again."
        if any(o.status is Result.SENT for o in outcomes):
            text += " I posted today's, which had failed."
        elif any(o.status is Result.PAUSED for o in outcomes):
            text = f"Still failing: {outcomes[-1].reason}."
        await reply(interaction, text, ephemeral=True)
