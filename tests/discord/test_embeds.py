"""Article pages and embeds: any body, title, outlet and id fit Discord's limits, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.archive.urls import web_url
from bot.discord import limits
from bot.discord.embeds import ARTICLE_PAGE, article_embed, article_pages, linked_title, paginate
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


def unescaped(text: str, target: str) -> list[int]:
    """Where ``target`` starts in ``text`` without a backslash escaping its first character."""
    spots, start = [], text.find(target)
    while start != -1:
        slashes = len(text[:start]) - len(text[:start].rstrip("\\"))
        if slashes % 2 == 0:
            spots.append(start)
        start = text.find(target, start + 1)
    return spots


def links_in(markdown: str) -> list[str]:
    """Targets a Discord client could link: masked links, and bare addresses in the text."""
    targets = []
    for start in unescaped(markdown, "]("):
        end = min(i for i in (markdown.find(")", start), len(markdown)) if i != -1)
        targets.append(markdown[start + 2 : end])
    for start in unescaped(markdown, "://"):
        if not any(markdown.find(t) <= start < markdown.find(t) + len(t) for t in targets if t):
            targets.append(markdown[start:].split()[0] if markdown[start:].strip() else "")
    return targets


urls = st.one_of(
    st.text(max_size=80),
    st.builds(lambda tail: "https://example.com/" + tail, st.text(max_size=80)),
    st.sampled_from(["javascript:alert(1)", "not a url", "https://user@evil.example/"]),
    st.just("https://example.com/a) **[FREE NITRO](https://evil.example)** ("),
)
titles = st.text(st.sampled_from("ab []()\\*_:/<>h") | st.characters(), max_size=300) | st.just(
    "Read [this](https://evil.example) now: https://evil.example"
)


@given(titles, urls)
def test_a_linked_title_links_once_and_only_to_the_articles_own_web_page(title, url):
    article = _article("Body.", title=title, url=url)
    rendered = linked_title(article)
    own = web_url(url)
    assert links_in(rendered) == ([own] if own else [])
    if own:
        assert rendered.startswith("[") and rendered.endswith(f"]({own})")
        assert own.startswith(("http://", "https://"))
        assert not any(c in own for c in " ()[]<>\\\n\t")
    shown_title = rendered[1 : -len(f"]({own})")] if own else rendered
    assert not unescaped(shown_title, "[") and not unescaped(shown_title, "]")


def test_a_hostile_url_is_one_link_to_its_own_page_and_a_script_is_none():
    hostile = _article("B", title="Title", url="https://example.com/a) **[FREE NITRO](x)** (")
    assert (
        linked_title(hostile)
        == "[Title](https://example.com/a%29%20**%5BFREE%20NITRO%5D%28x%29**%20%28)"
    )
    assert linked_title(_article("B", title="Title", url="javascript:alert(1)")) == "Title"
    assert article_embed(_article("B", url="javascript:alert(1)")).url is None
