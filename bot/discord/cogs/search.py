"""/search, /article, /random and the "Search the archive" message menu: finding articles."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import limits
from bot.discord.checks import per_user_cooldown
from bot.discord.choices import outlet_choices
from bot.discord.context import Interaction
from bot.discord.custom_ids import SearchRequest
from bot.discord.embeds import ORDER_LABELS
from bot.discord.replies import quoted, reply
from bot.discord.views import article_message, search_message
from bot.errors import EmptyQuery, UnknownArticle, UserFacingError
from bot.search.types import Filters, Order, Suggestion

if TYPE_CHECKING:
    from bot.app import App

EVERYWHERE = {"guilds": True, "dms": True, "private_channels": True}
per_user = per_user_cooldown()
# Mentions, channels, custom emoji, timestamps and links: chat markup, not words.
_CHAT_MARKUP = re.compile(r"<(?:@[!&]?|#|a?:\w+:|t:)\d+(?::\w)?>|https?://\S+")


def _choice_name(suggestion: Suggestion) -> str:
    """The title, cut to leave room for the date (archives repeat headlines)."""
    dated = f" · {suggestion.day.isoformat()}"
    return limits.clip(suggestion.title, limits.CHOICE_NAME - len(dated)) + dated


async def _answer(interaction: Interaction, request: SearchRequest) -> None:
    """The first page of a search, privately (Share to channel makes one article public)."""
    message = await search_message(interaction.client, interaction.user.id, request, 0)
    await reply(interaction, ephemeral=True, **{k: v for k, v in message.items() if v is not None})


class SearchCog(commands.Cog):
    def __init__(self, app: App) -> None:
        self.app = app
        # discord.py has no decorator for context menus inside a cog; the client
        # adds these to its tree.
        self.context_menus = (
            app_commands.ContextMenu(name="Search the archive", callback=self.search_from_message),
        )

    async def article_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            suggestions = self.app.archive.current.index.autocomplete(current, limit=limits.CHOICES)
        except UserFacingError:
            return []
        return [
            app_commands.Choice(name=_choice_name(s), value=s.id)
            for s in suggestions
            if len(s.id) <= 100
        ]

    @app_commands.command(name="search", description="Search the archive; typos are fine")
    @app_commands.describe(
        query="Words to look for; put a phrase in double quotes",
        after="On or after this date: YYYY-MM-DD, YYYY-MM or YYYY",
        before="On or before this date: YYYY-MM-DD, YYYY-MM or YYYY",
        source="Only this outlet",
        sort="Best match first (default), or by date among the best matches",
    )
    @app_commands.choices(
        sort=[app_commands.Choice(name=label, value=o.value) for o, label in ORDER_LABELS.items()]
    )
    @app_commands.autocomplete(source=outlet_choices)
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(**EVERYWHERE)
    @per_user
    async def search(
        self,
        interaction: Interaction,
        query: app_commands.Range[str, 1, 200],
        after: str | None = None,
        before: str | None = None,
        source: str | None = None,
        sort: str = Order.BEST.value,
    ) -> None:
        filters = Filters.from_bounds(after, before, source)
        await _answer(interaction, SearchRequest(query, filters, Order(sort)))

    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(**EVERYWHERE)
    @per_user
    async def search_from_message(self, interaction: Interaction, message: discord.Message) -> None:
        """Search for what a message is about: its most telling words, shown as the query."""
        words = self.app.archive.current.index.key_words(_CHAT_MARKUP.sub(" ", message.content))
        if not words:
            raise UserFacingError("That message has no words the archive knows to search for.")
        await _answer(interaction, SearchRequest(" ".join(words), Filters()))

    @app_commands.command(name="article", description="Read a whole article")
    @app_commands.describe(query="Start typing a title and pick a suggestion")
    @app_commands.autocomplete(query=article_choices)
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(**EVERYWHERE)
    @per_user
    async def article(
        self, interaction: Interaction, query: app_commands.Range[str, 1, 200]
    ) -> None:
        index = self.app.archive.current.index
        article = index.get(query)
        if article is None:
            try:
                hits = index.search(query, limit=1)
            except EmptyQuery:
                hits = []
            if not hits:
                raise UnknownArticle(f"I found no article matching {quoted(query)}.")
            article = hits[0].article
        await reply(
            interaction,
            **await article_message(interaction.client, interaction.user.id, article, 0),
        )

    @app_commands.command(name="random", description="A random article from the archive")
    @app_commands.describe(year="Only from this year", source="Only from this outlet")
    @app_commands.autocomplete(source=outlet_choices)
    async def random(
        self,
        interaction: Interaction,
        year: app_commands.Range[int, 1800, 2200] | None = None,
        source: str | None = None,
    ) -> None:
        index = self.app.archive.current.index
        article = index.random(self.app.rng, Filters.from_bounds(source=source, year=year))
        if article is None:
            scope = [f"from {source}"] if source else []
            scope += [f"in {year}"] if year else []
            raise UserFacingError(f"The archive has no articles {' '.join(scope) or 'yet'}.")
        await reply(
            interaction,
            **await article_message(interaction.client, interaction.user.id, article, 0),
        )
