"""Digests meet Discord: posting a rendered digest, and what Discord's answers mean.

403 and 404 are permanent (permission lost, channel gone): the subscription is
paused until an admin fixes it. 429 and 5xx are transient: discord.py already
retries them a few times, and the scheduler retries later in the day. Sends go
through one rate limiter below Discord's global 50 requests/s, so a thousand
digests due at 09:00 go out as fast as allowed and never draw a 429.
"""

from __future__ import annotations

import aiohttp
import discord
from aiolimiter import AsyncLimiter

from bot.digest.delivery import DeliveryFailed
from bot.digest.plan import Digest
from bot.discord.embeds import digest_message
from bot.discord.replies import NO_MENTIONS

# What a channel must grant the bot for a digest, with the names the client shows.
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}

BURST = 2


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    return [label for name, label in NEEDED.items() if not getattr(permissions, name)]


class DiscordPoster:
    def __init__(self, client: discord.Client, sends_per_second: float) -> None:
        self.client = client
        # A leaky bucket: a burst of BURST, then evenly spaced sends. Any one-second
        # window then holds at most BURST + rate sends (2 + 47 < 50 by default).
        self.limiter = AsyncLimiter(BURST, BURST / sends_per_second)

    async def post(self, channel_id: int, digest: Digest, nonce: str) -> int:
        content, embeds = digest_message(digest)
        channel = self.client.get_partial_messageable(channel_id)
        async with self.limiter:
            try:
                message = await channel.send(
                    content, embeds=embeds, nonce=nonce, allowed_mentions=NO_MENTIONS
                )
            except discord.Forbidden as error:
                raise DeliveryFailed(
                    f"Discord refused the post ({error.text or 'missing permissions'}): "
                    "check that I can view the channel, send messages and embed links",
                    permanent=True,
                ) from None
            except discord.NotFound:
                raise DeliveryFailed("the channel no longer exists", permanent=True) from None
            except discord.HTTPException as error:
                raise DeliveryFailed(
                    f"Discord answered {error.status}; retrying later", permanent=False
                ) from None
            except (TimeoutError, aiohttp.ClientError) as error:
                raise DeliveryFailed(f"network error: {error!r}", permanent=False) from None
        return message.id
