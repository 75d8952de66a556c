"""Running the bot as a process: token, API base, signals, clean shutdown.

The App is opened around the bot and closed after it, in reverse order of
opening (see ``bot.app``). The few changes made to discord.py's own defaults
live here too, applied before the client is built, never at import time.

SIGTERM and SIGINT close the gateway cleanly and exit 0; SIGHUP reloads the
archive in place (a failed reload keeps the previous one). The token is read
from ``DISCORD_TOKEN`` or ``discord.token_file``, never from the TOML, and a
logging filter keeps it out of every log line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot import heap
from bot.app import App
from bot.config import Settings
from bot.discord.client import DatelineBot, create_bot
from bot.errors import ConfigError, UserFacingError

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "no bot token: create an application at https://discord.com/developers/applications, "  # noqa: S105 - help, not a token
    "open Bot and press Reset Token, then set DISCORD_TOKEN=<token> "
    "(or put it in a file named by discord.token_file)"
)
API_BASE_ENV = "DATELINE_DISCORD_API_BASE"


def read_token(settings: Settings, environ: Mapping[str, str]) -> str:
    token = environ.get("DISCORD_TOKEN", "").strip()
    if not token and settings.discord.token_file:
        path = Path(settings.discord.token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"discord.token_file: cannot read {path}: {exc.strerror}") from None
    if not token:
        raise ConfigError(TOKEN_HELP)
    return token


class RedactToken(logging.Filter):
    """Replaces the token wherever it would appear in a log record."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[token]"), None
        if record.exc_info and not record.exc_text:  # a traceback can quote it too
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "[token]")
        return True


def hide_token_in_logs(token: str) -> None:
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def api_base(settings: Settings, environ: Mapping[str, str]) -> str | None:
    return environ.get(API_BASE_ENV) or settings.discord.api_base


def quiet_voice_warnings() -> None:
    """Dateline never joins voice: don't warn operators about voice libraries it doesn't need."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False


def use_api_base(base: str | None) -> None:
    """Send every REST call (client and interaction webhooks) to ``base`` instead of Discord."""
    if base:
        Route.BASE = base.rstrip("/")
        log.info("Using Discord API base %s", Route.BASE)


async def _pin_gateway(bot: DatelineBot) -> None:
    """Ask the base for its gateway: discord.py dials its built-in one with a pinned shard
    count, and after an invalid session (op 9) even when /gateway/bot gave another."""
    _shards, url, _limits = await bot.http.get_bot_gateway()
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


async def serve(app: App, token: str, *, base: str | None) -> int:
    heap.settle()
    heap.tune_for_requests()
    async with app:
        return await _serve_bot(create_bot(app), token, base=base)


async def _serve_bot(bot: DatelineBot, token: str, *, base: str | None) -> int:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    reloads: set[asyncio.Task] = set()

    def reload() -> None:
        task = asyncio.ensure_future(bot.reload_archive())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stopping.set)
    loop.add_signal_handler(signal.SIGHUP, reload)
    async with bot:
        await bot.login(token)
        if base:
            await _pin_gateway(bot)
        connection = asyncio.create_task(bot.connect(reconnect=True))
        stop = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait({connection, stop}, return_when=asyncio.FIRST_COMPLETED)
        log.info("Shutting down")
        await bot.close()
        if connection in done:
            connection.result()  # surfaces a fatal gateway error
        else:
            connection.cancel()
        stop.cancel()
    return 0


def run(app: App, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    quiet_voice_warnings()
    token = read_token(app.settings, environ)
    hide_token_in_logs(token)
    base = api_base(app.settings, environ)
    use_api_base(base)
    with discord_errors_explained():
        return asyncio.run(serve(app, token, base=base))


async def fetch_application_id(token: str, base: str | None) -> int:
    use_api_base(base)
    client = discord.Client(intents=discord.Intents.none())
    try:
        with discord_errors_explained():
            await client.login(token)
        return client.application_id or 0
    finally:
        await client.close()


@contextmanager
def discord_errors_explained() -> Iterator[None]:
    """A rejected token or an unreachable Discord, as one line for the operator."""
    try:
        yield
    except discord.LoginFailure:
        raise ConfigError("Discord rejected the token: reset it in the Developer Portal") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise UserFacingError(f"cannot reach Discord at {Route.BASE}: {exc}") from None
