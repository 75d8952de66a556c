"""One way to answer an interaction, and one way to report what went wrong.

Every path, command or button, ends here: a user mistake becomes a short
ephemeral explanation; anything else is logged with an incident id the user
can quote, and the bot carries on.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.discord import limits
from bot.discord.context import Interaction
from bot.errors import UserFacingError

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
QUOTED = 100  # characters of someone's own words quoted back to them


def quoted(text: str) -> str:
    """``text`` in quotation marks, cut short enough to sit in a one-line reply."""
    return f"“{limits.clip(text, QUOTED)}”"


async def reply(interaction: Interaction, content: str = "", **kwargs: Any) -> None:
    """Answer ``interaction`` whether or not it was already answered or deferred."""
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if content:
        kwargs["content"] = content
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)
    except discord.NotFound:
        log.warning("Interaction %s expired before we could answer", interaction.id)


def explain(error: BaseException) -> str | None:
    """The friendly text for a mistake the user can fix; None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        original = error.__cause__ or getattr(error, "original", None)
        if isinstance(error, app_commands.TransformerError):
            return f"I couldn't read {error.value!r} as {error.type.name.lower()}."
        error = original or error
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"You need the {missing} permission for that."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that here."
    return None


async def report_error(interaction: Interaction, error: BaseException) -> None:
    message = explain(error)
    if message is None:
        incident = secrets.token_hex(4)
        log.error(
            "Incident %s in %s by user %s",
            incident,
            getattr(interaction.command, "qualified_name", interaction.data),
            interaction.user.id,
            exc_info=error,
            extra={"incident": incident},
        )
        message = f"Sorry, something went wrong on my side (incident `{incident}`)."
    await reply(interaction, message, ephemeral=True)
