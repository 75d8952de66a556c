"""The reference for bench/gateway_bench.py: the smallest useful discord.py bot, one /echo.

Whatever rate it reaches through the loopback fake is the ceiling of the client
library on this machine, so Dateline's /search is judged against it.
"""

from __future__ import annotations

import asyncio
import os

import discord
from discord import app_commands


class EchoBot(discord.AutoShardedClient):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True))
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="echo", description="Say it back")
        async def echo(interaction: discord.Interaction, query: str) -> None:
            await interaction.response.send_message(query, ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def main() -> None:
    discord.http.Route.BASE = os.environ["DATELINE_DISCORD_API_BASE"]
    async with EchoBot() as bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
