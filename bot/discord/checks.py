"""Checks that app commands share: the per-user rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from discord import app_commands

from bot.discord.context import Interaction
from bot.discord.cooldowns import PER, RATE

T = TypeVar("T")


def per_user_cooldown() -> Callable[[T], T]:
    """A check that rate-limits each user of the decorated command through the bot's table."""

    async def predicate(interaction: Interaction) -> bool:
        name = interaction.command.qualified_name if interaction.command else "?"
        retry_after = interaction.client.cooldowns.hit(name, interaction.user.id)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(RATE, PER), retry_after)
        return True

    return app_commands.check(predicate)
