"""Digests meet Discord: posting a rendered digest, and what Discord's answers mean.

403 and 404 are permanent (permission lost, channel gone): the subscription is
paused until an admin fixes it. 429 and 5xx are transient: discord.py already
retries them a few times, and the scheduler retries later in the day. Posts go
within this process's share of Discord's global 50 requests/s, counted as Discord counts
them (bot/discord/budget.py, where every request is paced), so a thousand digests due at
09:00 go out as fast as allowed and never draw a 429.
"""

from __future__ import annotations

import aiohttp
import discord

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


class DiscordPoster:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def post(self, channel_id: int, digest: Digest, nonce: str) -> int:
        content, embeds = digest_message(digest)
        channel = self.client.get_partial_messageable(channel_id)
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
