"""Buttons whose state is long or odd: the longest search, long and multi-line article ids."""

from __future__ import annotations

import json

import pytest

from tests.discord.conftest import raised
from tests.discord.test_search import channel_message


@pytest.mark.parametrize("length", [60, 100])  # 60 fits inline only if the head is forgotten
async def test_a_long_search_with_every_filter_pages_both_ways(alice, channel, length):
    first = await alice.slash(
        channel,
        "search",
        query=("volcano report number lava update " + "x" * 100)[:length],
        after="2015-01-01",
        before="2015-12-31",
        source="Wire",
        sort="oldest",
    )
    [embed] = first.response.embeds
    assert embed.footer.text.startswith("Page 1 of 3 · 2015-01-01 to 2015-12-31 · Wire only")
    assert all(
        len(c["custom_id"]) <= 100 for row in first.response.components for c in row["components"]
    )
    await alice.click(first.response.message, label="Next")
    second = channel_message(alice, first.response).embeds[0]
    assert second.footer.text.startswith("Page 2 of 3")
    assert second.description.startswith("**6. Volcano report number 5**")  # oldest first
    await alice.click(first.response.message, label="Previous")
    assert channel_message(alice, first.response).embeds[0].footer.text.startswith("Page 1 of 3")
    assert raised(alice._env) == []


def _long_article(article_id: str, title: str) -> str:
    body = "\n\n".join(f"{title} paragraph {n}. " + "word " * 150 for n in range(40))
    record = {"id": article_id, "date": "2012-06-01T10:00:00", "title": title, "body": body}
    return json.dumps(record)


async def test_articles_with_long_or_multi_line_ids_page_and_share(
    tmp_path, restart_bot, alice, channel
):
    ids = {"Longread " + "z" * 140: "Zebra longread", "two\nlines": "Walrus longread"}
    lines = [_long_article(i, title) for i, title in ids.items()]
    (tmp_path / "archive" / "odd.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    await restart_bot()
    for title in ids.values():
        first = (await alice.slash(channel, "article", query=title)).response
        assert first.embeds[0].title == title
        await alice.click(first.message, label="Next")
        paged = channel_message(alice, first).embeds[0]
        assert (paged.title, "page 2 of" in paged.footer.text) == (title, True)
        shared = await alice.click(first.message, label="Share to channel")
        assert shared.response.embeds[0].title == title
    assert raised(alice._env) == []
