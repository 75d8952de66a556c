"""What a day's digest holds, and how it is rendered within Discord's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.digest import select
from bot.digest.plan import DigestOptions, plan_digest
from bot.digest.select import OnThisDay
from bot.discord import limits
from bot.discord.embeds import digest_message, fit_lines, on_this_day_embed
from bot.search.index import SearchIndex
from bot.snapshot import ArchiveSnapshot


def article(ident: str, when: datetime, source: str = "Wire", title: str = "") -> Article:
    return Article(ident, when, source, title or f"Story {ident}", f"Body of {ident}.")


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_same_month_and_day_in_earlier_years_only_newest_first():
    calendar = OnThisDay(
        [
            article("a2019", at(2019, 3, 26)),
            article("a2021", at(2021, 3, 26)),
            article("later", at(2024, 3, 26)),  # the digest's own year: not "earlier"
            article("other", at(2021, 3, 27)),
        ]
    )
    digest = plan_digest(calendar, date(2024, 3, 26), DigestOptions())
    assert [(g.year, g.label, [a.id for a in g.articles]) for g in digest.groups] == [
        (2021, "3 years ago", ["a2021"]),
        (2019, "5 years ago", ["a2019"]),
    ]


def test_calendar_date_is_the_articles_own_offset():
    new_york = timezone(timedelta(hours=-4))
    late_evening = Article("ny", datetime(2006, 10, 23, 22, 42, tzinfo=new_york), "R", "t", "b")
    calendar = OnThisDay([late_evening])  # 02:42 UTC on the 24th, but filed on the 23rd
    assert plan_digest(calendar, date(2026, 10, 23), DigestOptions()).selected == [late_evening]
    assert plan_digest(calendar, date(2026, 10, 24), DigestOptions()) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 2, 28), ["leap", "feb28"]),  # common year: the 29th joins the 28th
        (date(2028, 2, 28), ["feb28"]),  # leap year: the 29th has its own day
        (date(2028, 2, 29), ["leap"]),
    ],
)
def test_feb_29_in_leap_and_common_years(day, expected):
    calendar = OnThisDay([article("leap", at(2024, 2, 29)), article("feb28", at(2023, 2, 28))])
    digest = plan_digest(calendar, day, DigestOptions())
    assert [a.id for a in digest.selected] == expected


def test_a_big_day_is_capped_round_robin_across_years_and_sources_first():
    stories = [
        article(f"{year}-{source}-{n}", at(year, 3, 26, 8 + n), source)
        for year in (2018, 2019, 2020)
        for source in ("Reuters", "AFP")
        for n in range(3)
    ]
    digest = plan_digest(OnThisDay(stories), date(2024, 3, 26), DigestOptions(max_items=5))
    assert [[a.id for a in g.articles] for g in digest.groups] == [
        # diverse sources first within a year; same-minute ties go by id
        ["2020-AFP-0", "2020-Reuters-0"],
        ["2019-AFP-0", "2019-Reuters-0"],
        ["2018-AFP-0"],
    ]
    assert (digest.total, digest.shown) == (18, 5)


def test_source_filter_min_items_and_the_empty_policy():
    calendar = OnThisDay(
        [
            article("r1", at(2020, 3, 26), "Reuters"),
            article("s1", at(2020, 3, 26), "Shafaq News"),
            article("s2", at(2019, 3, 28), "Shafaq News"),
            article("s3", at(2018, 3, 28), "Shafaq News"),
        ]
    )
    day = date(2024, 3, 26)
    only = plan_digest(calendar, day, DigestOptions(sources=["shafaq news"]))
    assert [a.id for a in only.selected] == ["s1"]
    assert plan_digest(calendar, day, DigestOptions(min_items=3)) is None
    nearest = plan_digest(
        calendar, day, DigestOptions(min_items=2, empty="nearest", sources=["Shafaq News"])
    )
    assert nearest.day == date(2024, 3, 28) and nearest.substituted
    assert [(g.year, g.years_ago) for g in nearest.groups] == [(2019, 5), (2018, 6)]
    assert plan_digest(OnThisDay([]), day, DigestOptions(empty="nearest")) is None


def huge_day() -> list[Article]:
    """26 March of 1990 to 2023, five stories each, every headline ten sentences long."""
    long_title = "Parliament debates the budget " * 10
    return [
        article(f"{year}-{n}", at(year, 3, 26), f"Outlet {n}", f"{long_title} {n}")
        for year in range(1990, 2024)
        for n in range(5)
    ]


def test_rendering_a_huge_day_stays_within_discord_limits():
    stories = huge_day()
    digest = plan_digest(OnThisDay(stories), date(2024, 3, 26), DigestOptions(max_items=25))
    content, embeds = digest_message(digest)
    assert len(content) <= limits.CONTENT
    assert len(embeds) <= limits.EMBEDS_PER_MESSAGE
    assert sum(len(e) for e in embeds) <= limits.EMBED_TOTAL
    shown = sum(e.description.count("• ") for e in embeds)
    assert embeds[-1].footer.text == f"and {digest.total - shown} more: /onthisday 03-26"
    assert shown >= 10


def test_onthisday_of_a_huge_day_fits_one_embed_and_counts_the_rest():
    stories = huge_day()
    digest = plan_digest(OnThisDay(stories), date(2024, 3, 26), DigestOptions(max_items=None))
    embed = on_this_day_embed(digest.day, digest.groups, substituted=False)
    assert len(embed.description) <= limits.EMBED_DESCRIPTION
    shown = embed.description.count("\n• ")
    assert 0 < shown < len(stories)
    assert embed.description.endswith(f"…and {len(stories) - shown} more.")


@pytest.mark.parametrize(
    ("lines", "budget", "kept"),
    [
        (["ab", "cd"], 6, ["ab", "cd"]),  # each line and its newline: exactly 6
        (["ab", "cd"], 5, ["ab"]),
        (["abcdef", "a"], 3, []),  # stops at the first line that doesn't fit
        ([], 10, []),
    ],
)
def test_fit_lines_keeps_the_leading_lines_within_the_budget(lines, budget, kept):
    assert fit_lines(lines, budget) == kept


def test_a_story_filed_several_times_in_a_day_is_one_item_its_latest_version():
    """Re-filed versions of one story (as the search index groups them) show once a day."""
    body = "Ministers agreed a rescue package for the bank after talks ran through the night."
    versions = [
        Article("v1", at(2021, 3, 26, 8), "Wire", "Ministers agree bank rescue", body),
        Article("v2", at(2021, 3, 26, 15), "Wire", "UPDATE 1-Ministers agree bank rescue", body),
        Article("twin", at(2021, 3, 26, 9), "Wire", "FACTBOX-The rescue deal", body),
        Article("next", at(2021, 3, 27, 9), "Wire", "UPDATE 2-Ministers agree bank rescue", body),
        article("other", at(2021, 3, 26, 10), title="Harvest festival opens"),
    ]
    # The loader tells the index which texts are twins; headlines less UPDATE n- group too.
    snapshot = ArchiveSnapshot.of(SearchIndex.build(versions, twins={"twin": "v1"}))
    stories = snapshot.index.groups
    assert stories is not None and len({int(stories[n]) for n in range(4)}) == 1  # one story

    digest = plan_digest(snapshot.calendar, date(2024, 3, 26), DigestOptions())
    assert sorted(a.id for g in digest.groups for a in g.articles) == ["other", "v2"]
    next_day = plan_digest(snapshot.calendar, date(2024, 3, 27), DigestOptions())
    assert [a.id for g in next_day.groups for a in g.articles] == ["next"]
    # Without story groups every article is its own item, as before.
    alone = plan_digest(OnThisDay(versions), date(2024, 3, 26), DigestOptions())
    assert len([a for g in alone.groups for a in g.articles]) == 4


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # the story
            st.integers(0, 4),  # the day within 2020-2023's 1-5 March
            st.integers(0, 2),  # the hour: equal times tie
            st.integers(-2, 2),  # the offset in hours: times compare as instants
            st.sampled_from("abc"),  # the id's first letter: ties go to the larger id
        ),
        max_size=30,
    )
)
def test_a_day_keeps_each_storys_latest_version_of_that_day(drawn):
    articles = [
        Article(
            f"{letter}{n}",
            datetime(2020 + day % 4, 3, 1 + day, 21 + hour, tzinfo=timezone(timedelta(hours=off))),
            "Wire",
            f"Story {story}",
            "Text.",
        )
        for n, (story, day, hour, off, letter) in enumerate(drawn)
    ]
    stories = [story for story, *_ in drawn]
    # The rule, article by article.
    latest: dict[tuple[date, int], Article] = {}
    for a, story in zip(articles, stories, strict=True):
        kept = latest.get((a.calendar_date, story))
        if kept is None or (a.published, a.id) > (kept.published, kept.id):
            latest[(a.calendar_date, story)] = a
    # Ties settled all at once, and a few at a time (as 10^6 of them are: in blocks of runs).
    for block in (select.TIE_BLOCK, 1, 3):
        with patch.object(select, "TIE_BLOCK", block):
            calendar = OnThisDay(articles, stories)
        for day in range(1, 8):
            wanted = sorted(
                a.id for (when, _), a in latest.items() if when == date(when.year, 3, day)
            )
            shown = [a.id for group in calendar.select(date(2030, 3, day)) for a in group.articles]
            assert sorted(shown) == wanted
