"""Buttons and menus whose state lives in their custom_id (``DynamicItem``).

They keep working after a restart because nothing about them is held in
memory: the handler re-reads who may use it, which page and which search or
article from the id, and asks the archive again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discord import limits
from bot.discord.embeds import article_embed, article_pages, search_embed, share_embed
from bot.discord.replies import NO_MENTIONS, reply, report_error
from bot.discord.state import SearchRequest
from bot.errors import UnknownArticle
from bot.search.types import Filters

if TYPE_CHECKING:
    from bot.discord.client import DatelineBot

PAGE_SIZE = 5
MAX_HITS = 25
NOT_YOURS = "Only the person who asked can use these buttons; run the command yourself."


class _Guarded:
    """Only the invoker may use the item; every failure goes to the shared error path."""

    owner_id: int

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(interaction, NOT_YOURS, ephemeral=True)
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.run(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def run(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def components(*items: discord.ui.Item) -> discord.ui.View:
    """A view that only lays out ``items``, all ``DynamicItem``s.

    They dispatch by custom_id, so discord.py need not keep the view: it is
    stopped before it is sent, or discord.py would hold every ephemeral reply's
    view (and a timer) for 15 minutes, which under load is memory that grows
    by the thousand per second.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


def _bot(interaction: discord.Interaction) -> DatelineBot:
    return interaction.client  # type: ignore[return-value]


# --- search results: pages of five, a menu to open one ---


def search_message(
    bot: DatelineBot, owner_id: int, request: SearchRequest, page: int
) -> dict[str, Any]:
    """Embed and components for one page of a search; raises EmptyQuery on no words."""
    index = bot.app.index
    hits = index.search(request.query, limit=MAX_HITS, filters=request.filters, order=request.order)
    if not hits:
        return {"content": _nothing_found(bot, request), "embed": None}
    pages = (len(hits) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = hits[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    token = bot.search_memory.encode(request, "")
    items: list[discord.ui.Item] = []
    if pages > 1:
        items.append(SearchPageButton(owner_id, page - 1, token, "Previous", page == 0))
        items.append(SearchPageButton(owner_id, page + 1, token, "Next", page >= pages - 1))
    items.append(OpenArticleSelect(owner_id, [h.article for h in shown]))
    view = components(*items)
    embed = search_embed(request, shown, page, pages, page * PAGE_SIZE)
    return {"content": None, "embed": embed, "view": view}


def _nothing_found(bot: DatelineBot, request: SearchRequest) -> str:
    """Say so, and whether the dates or outlet are what ruled everything out."""
    said = f"No articles match “{limits.clip(request.query, 100)}”"
    if request.filters != Filters() and bot.app.index.search(request.query, limit=1):
        return f"{said} within those dates or that outlet; without them, some do."
    return f"{said}."


class SearchPageButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"dl:sp:(?P<owner>\d+):(?P<page>-?\d+):(?P<token>.+)",
):
    def __init__(self, owner_id: int, page: int, token: str, label: str, disabled: bool) -> None:
        self.owner_id, self.page, self.token = owner_id, page, token
        custom_id = f"dl:sp:{owner_id}:{page}:{token}"
        if len(custom_id) > limits.CUSTOM_ID:  # a kept search's short key always fits
            custom_id = custom_id[: limits.CUSTOM_ID]
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> SearchPageButton:
        return cls(int(match["owner"]), int(match["page"]), match["token"], item.label or "", False)

    async def run(self, interaction: discord.Interaction) -> None:
        bot = _bot(interaction)
        request = bot.search_memory.decode(self.token)
        if request is None:
            await reply(interaction, "This search has expired; run /search again.", ephemeral=True)
            return
        message = search_message(bot, self.owner_id, request, self.page)
        await interaction.response.edit_message(**message)


class OpenArticleSelect(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"dl:so:(?P<owner>\d+)",
):
    def __init__(self, owner_id: int, articles: list | None = None) -> None:
        self.owner_id = owner_id
        options = [
            discord.SelectOption(
                label=limits.clip(a.title, limits.SELECT_LABEL),
                value=a.id,
                description=f"{a.calendar_date} · {limits.clip(a.source, 80)}",
            )
            for a in (articles or [])[: limits.SELECT_OPTIONS]
        ] or [discord.SelectOption(label="(none)", value="-")]
        super().__init__(
            discord.ui.Select(
                placeholder="Open an article…", options=options, custom_id=f"dl:so:{owner_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> OpenArticleSelect:
        return cls(int(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or []
        article = _bot(interaction).app.index.get(values[0]) if values else None
        if article is None:
            raise UnknownArticle("That article is no longer in the archive.")
        await reply(interaction, ephemeral=True, **article_message(interaction.user.id, article, 0))


# --- one article: pages and a button to share it ---


def article_message(owner_id: int, article: Any, page: int) -> dict[str, Any]:
    pages = len(article_pages(article))
    items: list[discord.ui.Item] = []
    if pages > 1:
        items.append(ArticlePageButton(owner_id, page - 1, article.id, "Previous", page <= 0))
        items.append(ArticlePageButton(owner_id, page + 1, article.id, "Next", page >= pages - 1))
    if len(ShareButton.custom_id_for(article.id)) <= limits.CUSTOM_ID:
        items.append(ShareButton(article.id))
    view = components(*items)
    return {"embed": article_embed(article, page), "view": view}


class ArticlePageButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"dl:ap:(?P<owner>\d+):(?P<page>-?\d+):(?P<id>.+)",
):
    def __init__(self, owner_id: int, page: int, article_id: str, label: str, disabled: bool):
        self.owner_id, self.page, self.article_id = owner_id, page, article_id
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"dl:ap:{owner_id}:{page}:{article_id}"[: limits.CUSTOM_ID],
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ArticlePageButton:
        return cls(int(match["owner"]), int(match["page"]), match["id"], item.label or "", False)

    async def run(self, interaction: discord.Interaction) -> None:
        article = _bot(interaction).app.index.get(self.article_id)
        if article is None:
            raise UnknownArticle("That article is no longer in the archive.")
        await interaction.response.edit_message(
            **article_message(self.owner_id, article, self.page)
        )


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"dl:sh:(?P<id>.+)",
):
    """Posts the article publicly in the channel; anyone who can see the button may use it."""

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        super().__init__(
            discord.ui.Button(
                label="Share to channel",
                style=discord.ButtonStyle.primary,
                custom_id=self.custom_id_for(article_id),
            )
        )

    @staticmethod
    def custom_id_for(article_id: str) -> str:
        return f"dl:sh:{article_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ShareButton:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            article = _bot(interaction).app.index.get(self.article_id)
            if article is None:
                raise UnknownArticle("That article is no longer in the archive.")
            await interaction.response.send_message(
                content=f"{interaction.user.mention} shared:",
                embed=share_embed(article),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as error:
            await report_error(interaction, error)


DYNAMIC_ITEMS = (SearchPageButton, OpenArticleSelect, ArticlePageButton, ShareButton)
