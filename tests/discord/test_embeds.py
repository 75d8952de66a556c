"""Article pages and embeds: any body, title, outlet and id fit Discord's limits, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.discord import limits
from bot.discord.embeds import ARTICLE_PAGE, article_embed, article_pages, paginate
from bot.markdown import escape_markdown

bodies = st.text(st.sampled_from("ab \n\\*[]_#") | st.characters(), max_size=3000)


def visible(text: str) -> str:
    return "".join(text.split())


def ends_inside_an_escape(page: str) -> bool:
    return (len(page) - len(page.rstrip("\\"))) % 2 == 1


@given(bodies, st.integers(min_value=2, max_value=400))
def test_pages_fit_keep_every_character_in_order_and_never_split_an_escape(body, size):
    text = escape_markdown(body)
    pages = paginate(text, size)
    assert all(len(page) <= size for page in pages)
    assert visible("".join(pages)) == visible(text)  # only whitespace at the cuts goes
    assert not any(ends_inside_an_escape(page) for page in pages)


def test_paragraphs_stay_whole_where_they_fit_and_long_ones_are_cut_between_words():
    body = "\n\n".join(["short one", " ".join(["word"] * 2000), "short two"])
    pages = article_pages(_article(body))
    assert pages[0].startswith("short one\n\nword word")
    assert all(len(p) <= ARTICLE_PAGE for p in pages)
    assert all(p.endswith(" word") for p in pages[:-1])
    assert all(p.startswith("word") for p in pages[1:])
    assert pages[-1].endswith("word\n\nshort two")


def test_a_body_of_sixteen_megabytes_pages_in_one_pass():
    """Slicing the rest of the text after each page made this minutes long (quadratic)."""
    body = ("x" * 4000 + " ") * 4000
    pages = article_pages(_article(body))
    assert all(ARTICLE_PAGE * 3 // 4 <= len(p) <= ARTICLE_PAGE for p in pages[:-1])
    assert visible("".join(pages)) == visible(body)


@given(
    st.text(max_size=1000),
    st.text(min_size=1, max_size=3000),
    st.text(min_size=1, max_size=3000),
    bodies,
    st.integers(min_value=-5, max_value=50),
)
def test_every_page_of_any_article_fits_one_embed(title, source, article_id, body, page):
    article = _article(body, title=title, source=source, article_id=article_id)
    embed = article_embed(article, page)
    assert len(embed.title or "") <= limits.EMBED_TITLE
    assert len(embed.description or "") <= limits.EMBED_DESCRIPTION
    assert len(embed.footer.text or "") <= limits.EMBED_FOOTER
    assert len(embed) <= limits.EMBED_TOTAL


def _article(body: str, title="T", source="Wire", article_id="a", url=None) -> Article:
    return Article(article_id, datetime(2020, 1, 1, tzinfo=UTC), source, title, body, url)
