"""Turning articles, hits and digests into embeds that fit Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache

import discord

from bot.archive.model import Article
from bot.archive.stats import ArchiveStats
from bot.archive.urls import web_url
from bot.digest.plan import Digest
from bot.digest.select import YearGroup
from bot.discord import limits
from bot.discord.custom_ids import SearchRequest
from bot.markdown import escape_markdown
from bot.search.types import Hit, Order

COLOUR = discord.Colour.from_rgb(46, 94, 170)
ARTICLE_PAGE = 3800  # leaves room in the description for the page's heading
ARTICLE_FOOTER = 400  # outlet, page and id; with title and page well within EMBED_TOTAL
HIT_TITLE = 200  # a search hit's title: five hits with dates and snippets share a description
LIST_TITLE = 150  # a title in a list of stories (/onthisday, digests): a line, not a heading
SOURCE_NAME = 200  # an outlet's name in a footer
STATS_SOURCES = 15  # outlets /stats names before "and N more"
MORE_LINE = 80  # kept free at the end of a list for its "…and N more." line
DIGEST_RESERVE = 400  # of a message's embed characters: the years' titles and the last footer


@lru_cache(maxsize=1 << 14)  # titles and outlets recur from search to search and digest to digest
def escape_line(text: str) -> str:
    """A title or outlet shown as written: no markdown, and no address Discord would link.

    ``\\://`` reads as ``://`` but is not a web address, so the only link in a
    title line is the one :func:`linked_title` makes to the article's own page.
    """
    return escape_markdown(text).replace("://", "\\://")


def stamp(article: Article) -> str:
    return when(article.published, "D")


def when(moment: datetime, style: str = "F") -> str:
    """A moment as Discord's timestamp markup, shown in each reader's own zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def linked_title(article: Article, limit: int = limits.EMBED_TITLE) -> str:
    """The title as a markdown link to the article's own web page, when it has one.

    The loader keeps only link-safe urls; they are checked again here, where a
    bad one would become a link to something else.
    """
    title = escape_line(limits.clip(article.title, limit))
    url = web_url(article.url) if article.url else None
    return f"[{title}]({url})" if url else title


ORDER_LABELS = {
    Order.BEST: "Best match",
    Order.NEWEST: "Newest first",
    Order.OLDEST: "Oldest first",
}


def search_embed(
    request: SearchRequest, hits: Sequence[Hit], page: int, pages: int, first: int
) -> discord.Embed:
    entries = []
    for number, hit in enumerate(hits, start=first + 1):
        article = hit.article
        versions = f" · {len(hit.versions)} versions" if hit.versions else ""
        entries.append(
            f"**{number}. {linked_title(article, HIT_TITLE)}**\n"
            f"{stamp(article)} · {escape_line(article.source)}{versions}\n{hit.snippet}"
        )
    embed = discord.Embed(
        title=limits.clip(f"Results for “{request.query}”", limits.EMBED_TITLE),
        description=limits.clip("\n\n".join(entries), limits.EMBED_DESCRIPTION),
        colour=COLOUR,
    )
    shown = [f"Page {page + 1} of {pages}", *_scope(request), "pick one below to read it"]
    embed.set_footer(text=limits.clip(" · ".join(shown), limits.EMBED_FOOTER))
    return embed


def _scope(request: SearchRequest) -> list[str]:
    """What narrowed the results, so a page read later still says what it covers."""
    after, before, source = request.filters.after, request.filters.before, request.filters.source
    scope = []
    if after and before:
        scope.append(f"{after.isoformat()} to {before.isoformat()}")
    elif after:
        scope.append(f"from {after.isoformat()}")
    elif before:
        scope.append(f"until {before.isoformat()}")
    if source:
        scope.append(f"{source} only")
    if request.order is not Order.BEST:
        scope.append(ORDER_LABELS[request.order].lower())
    return scope


def article_pages(article: Article) -> list[str]:
    """The escaped body in pages that fit an embed description, split between paragraphs."""
    return paginate(escape_markdown(article.body), ARTICLE_PAGE)


def paginate(text: str, size: int) -> list[str]:
    """``text`` in pages of at most ``size`` characters, in one pass over it.

    Paragraphs are kept whole where they fit; a longer one fills the page and
    goes on over the next, cut between words (or anywhere, if it has no space
    near the cut), never between a backslash and the character it escapes.
    """
    pages: list[str] = []
    page = ""
    for paragraph in text.split("\n\n"):
        start = 0
        while start < len(paragraph):
            joint = "\n\n" if page else ""
            room = size - len(page) - len(joint)
            if len(paragraph) - start <= room:
                page += joint + paragraph[start:]
                break
            if room >= size // 4:  # worth filling: a page is not left a quarter full
                end = _cut(paragraph, start, room)
                page += joint + paragraph[start:end]
                start = end
                while start < len(paragraph) and paragraph[start] == " ":
                    start += 1
            pages.append(page)
            page = ""
    if page or not pages:
        pages.append(page)
    return pages


def _cut(paragraph: str, start: int, room: int) -> int:
    """Where a piece of at most ``room`` characters from ``start`` ends: at a space if near."""
    end = start + room
    space = paragraph.rfind(" ", start + room * 3 // 4, end + 1)
    if space > start:
        end = space
    slashes = end - start - len(paragraph[start:end].rstrip("\\"))
    return end - slashes % 2  # an odd run of backslashes ends in an escape: keep it whole


def article_embed(article: Article, page: int = 0, pages: list[str] | None = None) -> discord.Embed:
    """One page of ``article``; ``pages`` when the caller already made them."""
    pages = pages or article_pages(article)
    page = max(0, min(page, len(pages) - 1))
    embed = discord.Embed(
        title=limits.clip(article.title, limits.EMBED_TITLE),
        url=web_url(article.url) if article.url else None,
        description=pages[page],
        colour=COLOUR,
        timestamp=article.published,
    )
    footer = limits.clip(article.source, SOURCE_NAME)
    if len(pages) > 1:
        footer += f" · page {page + 1} of {len(pages)}"
    embed.set_footer(text=limits.clip(f"{footer} · id {article.id}", ARTICLE_FOOTER))
    return embed


def share_embed(article: Article) -> discord.Embed:
    """What a public post shows: the first page, with a link to the rest."""
    return article_embed(article, 0)


def on_this_day_embed(
    day: date, groups: Sequence[YearGroup], *, substituted: bool
) -> discord.Embed:
    heading = _day_heading(day)
    every = []
    for group in groups:
        every.append(f"**{group.label} · {group.year}**")
        every += [_story_line(article) for article in group.articles]
    lines = fit_lines(every, limits.EMBED_DESCRIPTION - MORE_LINE)
    hidden = sum(len(g.articles) for g in groups) - sum(line.startswith("• ") for line in lines)
    if hidden:
        lines.append(f"…and {hidden} more.")
    title = f"On this day: {heading}"
    if substituted:
        title += " (nearest date with articles)"
    return discord.Embed(title=title, description="\n".join(lines), colour=COLOUR)


def stats_embed(stats: ArchiveStats) -> discord.Embed:
    embed = discord.Embed(title="Archive", colour=COLOUR)
    embed.add_field(name="Articles", value=f"{stats.count:,}")
    span = f"{stats.first} to {stats.last}" if stats.first else "empty"
    embed.add_field(name="Dates", value=span)
    named = stats.sources[:STATS_SOURCES]
    sources = ", ".join(f"{escape_line(name)} ({n:,})" for name, n in named)
    if len(stats.sources) > len(named):
        sources += f" and {len(stats.sources) - len(named)} more"
    value = limits.clip(sources or "none", limits.EMBED_FIELD_VALUE)
    embed.add_field(name="Sources", value=value, inline=False)
    return embed


HELP = (
    (
        "/search query [after] [before] [source] [sort]",
        "Find articles; typos are fine. Dates as YYYY-MM-DD, YYYY-MM or YYYY. "
        "Quote words for an exact phrase; sort by date for the newest or oldest.",
    ),
    ("/article query", "Read a whole article; pick from the suggestions as you type."),
    ("/onthisday [date] [timezone]", "What happened on this day in earlier years."),
    (
        "/timezone mine · show · forget, /server-timezone",
        "Whose 'today' /onthisday means: yours, else the server's (Manage Server), else UTC.",
    ),
    ("/random [year] [source]", "A random article."),
    (
        "Apps › Search the archive",
        "On any message (right-click or long-press): articles about what it says.",
    ),
    ("/stats", "How big the archive is, with a chart of articles per year."),
    ("/invite", "The link to add Dateline to a server."),
    (
        "/digest subscribe · list · preview · send-now · resume · unsubscribe",
        "Server admins (Manage Server): a daily 'on this date' post in a channel, "
        "at a local time in any timezone.",
    ),
)


def help_embed() -> discord.Embed:
    embed = discord.Embed(
        title="Dateline", description="A news archive you can talk to.", colour=COLOUR
    )
    for name, text in HELP:
        embed.add_field(name=name, value=text, inline=False)
    return embed


def fit_lines(lines: Sequence[str], budget: int) -> list[str]:
    """The leading ``lines`` that fit in ``budget`` characters, a newline after each."""
    kept: list[str] = []
    used = 0
    for line in lines:
        used += len(line) + 1
        if used > budget:
            break
        kept.append(line)
    return kept


def _story_line(article: Article) -> str:
    return f"• {linked_title(article, LIST_TITLE)} — {escape_line(article.source)}"


def _day_heading(day: date) -> str:
    return day.strftime("%d %B").lstrip("0")


def digest_message(digest: Digest) -> tuple[str, list[discord.Embed]]:
    """A digest as one message: a heading line and one embed per year, within every limit.

    At most 10 embeds and 6000 characters across them; what does not fit is
    counted in a closing "and N more: /onthisday MM-DD" line, never cut mid-way.
    """
    heading = f"**On this day, {_day_heading(digest.requested)}**"
    if digest.substituted:
        heading += f" (nothing on file for this date; showing {_day_heading(digest.day)})"
    groups = digest.groups[: limits.EMBEDS_PER_MESSAGE]
    budget = min(
        (limits.EMBED_TOTAL - DIGEST_RESERVE) // max(len(groups), 1), limits.EMBED_DESCRIPTION
    )
    embeds, shown = [], 0
    for group in groups:
        title = f"{group.label} · {group.year}"
        lines = fit_lines([_story_line(a) for a in group.articles], budget - len(title))
        shown += len(lines)
        embeds.append(discord.Embed(title=title, description="\n".join(lines), colour=COLOUR))
    hidden = digest.total - shown
    if hidden and embeds:
        embeds[-1].set_footer(text=f"and {hidden} more: /onthisday {digest.day:%m-%d}")
    return heading, embeds
