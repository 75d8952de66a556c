"""Buttons and menus whose state lives in their custom_id (``DynamicItem``).

They keep working after a restart, on any process, because nothing about them is
held in memory: the handler re-reads who may use it, which page and which search
or article from the id (or from the store, when that was too long for the id), and
asks the archive again.
"""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from bot.archive.model import Article
from bot.discord import limits
from bot.discord.context import DatelineClient, Interaction
from bot.discord.custom_ids import CustomIds, SearchRequest
from bot.discord.embeds import article_embed, article_pages, search_embed, share_embed
from bot.discord.observe import answer_component
from bot.discord.replies import NO_MENTIONS, quoted, reply
from bot.errors import ButtonExpired, UnknownArticle
from bot.search.index import SearchIndex
from bot.search.types import Filters, Hit

PAGE_SIZE = 5
MAX_HITS = 25
NOT_YOURS = "Only the person who asked can use these buttons; run the command yourself."


class _Guarded:
    """Only the invoker may use the item; every failure goes to the shared error path."""

    owner_id: int
    kind: str  # what the operator's metrics call it

    async def interaction_check(self, interaction: Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await reply(interaction, NOT_YOURS, ephemeral=True)
            return False
        return True

    async def callback(self, interaction: Interaction) -> None:
        await answer_component(interaction, self.kind, lambda: self.run(interaction))

    async def run(self, interaction: Interaction) -> None:
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


def _template(pattern: str) -> re.Pattern[str]:
    """A custom_id template whose state may hold any character, newlines included."""
    return re.compile(pattern, re.DOTALL)


async def _state(interaction: Interaction, token: str) -> str:
    state = await interaction.client.custom_ids.read(token)
    if state is None:
        raise ButtonExpired
    return state


class _PageButton(_Guarded):
    """Previous or Next: the page it leads to and a token for what is paged, in its custom_id.

    A mixin for ``DynamicItem`` classes, whose template must name ``owner``,
    ``page`` and ``token`` after ``prefix``.
    """

    prefix: str
    page: int
    token: str

    def __init__(self, owner_id: int, page: int, token: str, label: str, *, disabled: bool) -> None:
        self.owner_id, self.page, self.token = owner_id, page, token
        # The DynamicItem's __init__, next in the bases of the classes using this
        # mixin: pyright sees only object's.
        super().__init__(
            discord.ui.Button(  # pyright: ignore[reportCallIssue]
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=self.head(owner_id, page) + token,
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> Self:
        owner, page = int(match["owner"]), int(match["page"])
        return cls(owner, page, match["token"], item.label or "", disabled=False)

    @classmethod
    def head(cls, owner_id: int, page: int) -> str:
        return f"{cls.prefix}:{owner_id}:{page}:"


async def page_buttons(
    custom_ids: CustomIds,
    kind: type[SearchPageButton | ArticlePageButton],
    owner_id: int,
    state: str,
    page: int,
    pages: int,
) -> list[discord.ui.Item]:
    """Previous and Next around ``page`` of ``pages``, each holding its page and ``state``."""
    if pages <= 1:
        return []
    buttons: list[discord.ui.Item] = []
    for to, label in ((page - 1, "Previous"), (page + 1, "Next")):
        token = await custom_ids.token(kind.head(owner_id, to), state)
        buttons.append(kind(owner_id, to, token, label, disabled=not 0 <= to < pages))
    return buttons


# --- search results: pages of five, a menu to open one ---


async def search_message(
    bot: DatelineClient, owner_id: int, request: SearchRequest, page: int
) -> dict[str, Any]:
    """Embed and components for one page of a search; raises EmptyQuery on no words."""
    index = bot.app.archive.current.index
    with bot.app.metrics.search_seconds.time():
        hits = index.search(
            request.query, limit=MAX_HITS, filters=request.filters, order=request.order
        )
    if not hits:
        return {"content": _nothing_found(index, request), "embed": None}
    pages = (len(hits) + PAGE_SIZE - 1) // PAGE_SIZE
    page = max(0, min(page, pages - 1))
    shown = hits[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    options = await article_options(bot.custom_ids, _with_versions(index, shown))
    view = components(
        *await page_buttons(
            bot.custom_ids, SearchPageButton, owner_id, request.pack(), page, pages
        ),
        OpenArticleSelect(owner_id, options),
    )
    embed = search_embed(request, shown, page, pages, page * PAGE_SIZE)
    return {"content": None, "embed": embed, "view": view}


def _nothing_found(index: SearchIndex, request: SearchRequest) -> str:
    """Say so, and whether the dates or outlet are what ruled everything out."""
    said = f"No articles match {quoted(request.query)}"
    if request.filters != Filters() and index.search(request.query, limit=1):
        return f"{said} within those dates or that outlet; without them, some do."
    return f"{said}."


class SearchPageButton(
    _PageButton,
    discord.ui.DynamicItem[discord.ui.Button],
    template=_template(r"dl:sp:(?P<owner>\d+):(?P<page>-?\d+):(?P<token>.+)"),
):
    kind = "search page button"
    prefix = "dl:sp"

    async def run(self, interaction: Interaction) -> None:
        bot = interaction.client
        try:
            request = SearchRequest.unpack(await _state(interaction, self.token))
        except ValueError:  # a forged or damaged id
            raise ButtonExpired from None
        message = await search_message(bot, self.owner_id, request, self.page)
        await interaction.response.edit_message(**message)


def _with_versions(index: SearchIndex, hits: list[Hit]) -> list[tuple[Article, bool]]:
    """The page's articles, then the other versions of its stories (flagged True)."""
    versions = [
        (version, True)
        for hit in hits
        for version_id in hit.versions
        if version_id != hit.article.id and (version := index.get(version_id)) is not None
    ]
    return [(hit.article, False) for hit in hits] + versions


async def article_options(
    custom_ids: CustomIds, articles: list[tuple[Article, bool]]
) -> list[discord.SelectOption]:
    """One option per article; its value names the article the way a custom_id would.

    An article flagged True is another version of a story on the page, and says so.
    """
    return [
        discord.SelectOption(
            label=limits.clip(a.title, limits.SELECT_LABEL),
            value=await custom_ids.token("", a.id, limits.SELECT_VALUE),
            description=f"{'Another version · ' if version else ''}{a.calendar_date} · "
            f"{limits.clip(a.source, 60)}",
        )
        for a, version in articles[: limits.SELECT_OPTIONS]
    ]


class OpenArticleSelect(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"dl:so:(?P<owner>\d+)",
):
    kind = "open article menu"

    def __init__(self, owner_id: int, options: list[discord.SelectOption] | None = None) -> None:
        self.owner_id = owner_id
        options = options or [discord.SelectOption(label="(none)", value="-")]
        super().__init__(
            discord.ui.Select(
                placeholder="Open an article…", options=options, custom_id=f"dl:so:{owner_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Select, match: re.Match[str]
    ) -> OpenArticleSelect:
        return cls(int(match["owner"]))

    async def run(self, interaction: Interaction) -> None:
        values = (interaction.data or {}).get("values") or []
        if not values:
            raise UnknownArticle("That article is no longer in the archive.")
        bot = interaction.client
        article = _article(bot, await _state(interaction, values[0]))
        message = await article_message(bot, interaction.user.id, article, 0)
        await reply(interaction, ephemeral=True, **message)


# --- one article: pages and a button to share it ---


def _article(bot: DatelineClient, article_id: str) -> Article:
    article = bot.app.archive.current.index.get(article_id)
    if article is None:
        raise UnknownArticle("That article is no longer in the archive.")
    return article


async def article_message(
    bot: DatelineClient, owner_id: int, article: Article, page: int
) -> dict[str, Any]:
    pages = article_pages(article)
    page = max(0, min(page, len(pages) - 1))  # a forged page number opens the nearest real page
    view = components(
        *await page_buttons(
            bot.custom_ids, ArticlePageButton, owner_id, article.id, page, len(pages)
        ),
        ShareButton(await bot.custom_ids.token(ShareButton.HEAD, article.id)),
    )
    return {"embed": article_embed(article, page, pages), "view": view}


class ArticlePageButton(
    _PageButton,
    discord.ui.DynamicItem[discord.ui.Button],
    template=_template(r"dl:ap:(?P<owner>\d+):(?P<page>-?\d+):(?P<token>.+)"),
):
    kind = "article page button"
    prefix = "dl:ap"

    async def run(self, interaction: Interaction) -> None:
        bot = interaction.client
        article = _article(bot, await _state(interaction, self.token))
        await interaction.response.edit_message(
            **await article_message(bot, self.owner_id, article, self.page)
        )


class ShareButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=_template(r"dl:sh:(?P<token>.+)"),
):
    """Posts the article publicly in the channel; anyone who can see the button may use it."""

    HEAD = "dl:sh:"

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(
            discord.ui.Button(
                label="Share to channel",
                style=discord.ButtonStyle.primary,
                custom_id=self.HEAD + token,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> ShareButton:
        return cls(match["token"])

    async def callback(self, interaction: Interaction) -> None:
        async def share() -> None:
            article = _article(interaction.client, await _state(interaction, self.token))
            await interaction.response.send_message(
                content=f"{interaction.user.mention} shared:",
                embed=share_embed(article),
                allowed_mentions=NO_MENTIONS,
            )

        await answer_component(interaction, "share button", share)


DYNAMIC_ITEMS = (SearchPageButton, OpenArticleSelect, ArticlePageButton, ShareButton)
