"""Discord's side of observability: shard events, interaction outcomes, 429s.

Everything is reported into the process's :class:`~bot.observe.metrics.Metrics`
and :class:`~bot.observe.shards.ShardWatch`; only this module knows where in
discord.py those events come from.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

import aiohttp

from bot.discord.context import Interaction
from bot.discord.replies import explain, report_error
from bot.observe import logs
from bot.observe.metrics import Metrics, Outcome
from bot.observe.shards import ShardState, ShardWatch

if TYPE_CHECKING:
    from discord.ext import commands

RECEIVED = "dateline_received"  # key in Interaction.extras: when the interaction arrived
COMPONENT = "dateline_component"  # key in Interaction.extras: which kind of button or menu


def command_name(interaction: Interaction) -> str:
    """The command's name as registered, or the component's kind: a closed set of labels,
    never what the user typed."""
    if COMPONENT in interaction.extras:
        return interaction.extras[COMPONENT]
    command = interaction.command
    return command.qualified_name if command is not None else "unknown"


def interaction_started(interaction: Interaction) -> None:
    interaction.extras[RECEIVED] = time.perf_counter()
    logs.bind(guild_id=interaction.guild_id, command=command_name(interaction))


def interaction_finished(
    metrics: Metrics, interaction: Interaction, error: BaseException | None = None
) -> None:
    """Count the interaction under its outcome: answered, a user's mistake, or an incident."""
    if error is None:
        outcome = Outcome.OK
    else:
        outcome = Outcome.USER_ERROR if explain(error) is not None else Outcome.FAILED
    started = interaction.extras.get(RECEIVED)
    seconds = None if started is None else time.perf_counter() - started
    metrics.interaction(command_name(interaction), outcome, seconds)


async def answer_component(
    interaction: Interaction, kind: str, handler: Callable[[], Awaitable[None]]
) -> None:
    """Run a button's or menu's handler on the shared error path, counted like a command."""
    interaction.extras[COMPONENT] = kind
    interaction_started(interaction)
    metrics = interaction.client.app.metrics
    try:
        await handler()
    except Exception as error:  # noqa: BLE001 - the shared error path answers and logs it
        await report_error(interaction, error)
        interaction_finished(metrics, interaction, error)
    else:
        interaction_finished(metrics, interaction)


def http_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    """Counts Discord's 429 and 5xx answers; discord.py waits and retries them itself."""

    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        if status == 429:
            metrics.rate_limited.inc()
        elif status >= 500:
            metrics.discord_errors.inc()

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def watch_shards(bot: commands.AutoShardedBot, shards: ShardWatch) -> None:
    """Follow every shard this process runs from connect to READY, and through drops."""

    def expected() -> list[int]:
        if bot.shard_ids is not None:
            return list(bot.shard_ids)
        return list(range(bot.shard_count or 0))

    async def on_shard_connect(shard_id: int) -> None:
        shards.expect(expected())
        shards.set(shard_id, ShardState.CONNECTING)

    async def on_shard_ready(shard_id: int) -> None:
        shards.expect(expected())
        shards.set(shard_id, ShardState.READY)

    async def on_shard_resumed(shard_id: int) -> None:
        shards.set(shard_id, ShardState.READY)

    async def on_shard_disconnect(shard_id: int) -> None:
        shards.set(shard_id, ShardState.DISCONNECTED)

    for listener in (on_shard_connect, on_shard_ready, on_shard_resumed, on_shard_disconnect):
        bot.add_listener(listener)
    shards.read_latencies_from(lambda: dict(bot.latencies))
