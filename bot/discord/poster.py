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


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    return [label for name, label in NEEDED.items() if not getattr(permissions, name)]


BURST = 2  # sends a process may make at once after a quiet spell


def spacing_rate(budget: float) -> float:
    """Sends per second after a burst, so that no one-second window holds more than ``budget``.

    A burst of ``BURST`` followed by sends evenly spaced at ``r`` a second puts at
    most ``BURST + r`` in any window of one second, so a process paces at
    ``budget - BURST``; the budgets of a cluster's processes add up to
    ``digest.sends_per_second``, and so do their busiest seconds, whatever the
    processes' phases. A budget under twice the burst (more processes than a
    quarter of ``sends_per_second``) cannot keep that promise; such clusters put
    a REST proxy in front (docs/cluster.md).
    """
    return max(budget - BURST, budget / 2)


class DiscordPoster:
    def __init__(self, client: discord.Client, budget: float) -> None:
        """``budget``: the most posts this process may make in any one second."""
        self.client = client
        rate = spacing_rate(budget)
        self.limiter = AsyncLimiter(BURST, BURST / rate)  # a leaky bucket of BURST

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
