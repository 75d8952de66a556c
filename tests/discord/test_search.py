"""/search and /article end to end through SimCord and the real discord.py client."""

from __future__ import annotations

import asyncio

import pytest
from simcord import SetupError

from tests.discord.conftest import raised


def labels(message) -> list[str]:
    return [c.get("label") for row in message.components for c in row["components"]]


def button(message, label: str) -> dict:
    return next(
        c for row in message.components for c in row["components"] if c.get("label") == label
    )


async def test_search_answers_privately_with_ranked_highlighted_hits(alice, channel):
    result = await alice.slash(channel, "search", query="volcanoe erupts")
    message = result.response
    assert message.ephemeral
    [embed] = message.embeds
    first_entry = embed.description.split("\n\n")[0]
    assert "Volcano erupts near village" in first_entry
    assert "<t:1553587200:D>" in first_entry  # 2019-03-26 08:00 UTC as a Discord timestamp
    assert "**Volcano**" in embed.description
    assert embed.footer.text.startswith("Page 1 of 3")
    assert labels(message) == ["Previous", "Next", None]
    assert button(message, "Previous")["disabled"] and not button(message, "Next")["disabled"]


async def test_paging_forward_and_back(alice, channel):
    first = (await alice.slash(channel, "search", query="volcano")).response
    await alice.click(first.message, label="Next")
    second = channel_message(alice, first)
    assert second.embeds[0].footer.text.startswith("Page 2 of 3")
    assert second.embeds[0].description.startswith("**6.")
    await alice.click(second.message, label="Previous")
    assert channel_message(alice, first).embeds[0].footer.text.startswith("Page 1 of 3")


def channel_message(actor, response):
    """The current state of an (ephemeral) response message after an edit."""
    from simcord.results import ResponseMessage

    backend = actor._env.backend
    return ResponseMessage(actor._env, backend.get_message(response.channel_id, response.id))


async def test_ephemeral_results_are_invisible_to_others(alice, bob, channel):
    first = (await alice.slash(channel, "search", query="volcano")).response
    with pytest.raises(SetupError, match="not visible"):  # Discord shows it to alice alone
        await bob.click(first.message, label="Next")


async def add_long_article(tmp_path, restart_bot):
    body = "\n\n".join(f"Paragraph {n}. " + "word " * 150 for n in range(40))
    (tmp_path / "archive" / "long.txt").write_text(
        f"2012-06-01 10:00:00\n\nWire / A very long read. {body}\n", encoding="utf-8"
    )
    await restart_bot()


async def test_only_the_invoker_can_page_a_public_article(
    tmp_path, restart_bot, simcord_env, alice, bob, channel
):
    await add_long_article(tmp_path, restart_bot)
    first = (await alice.slash(channel, "article", query="long")).response
    assert not first.ephemeral
    refused = await bob.click(first.message, label="Next")
    assert refused.response.ephemeral
    assert "Only the person who asked" in refused.response.content
    assert "page 1 of" in channel_message(alice, first).embeds[0].footer.text


async def test_open_an_article_then_share_it_publicly(alice, channel):
    results = (await alice.slash(channel, "search", query="harvest festival")).response
    opened = await alice.select(results.message, ["story2"])
    article = opened.response
    assert article.ephemeral
    assert article.embeds[0].title == "Harvest festival opens"
    shared = await alice.click(article.message, label="Share to channel")
    public = shared.response
    assert not public.ephemeral
    assert public.embeds[0].title == "Harvest festival opens"
    assert channel.last_message.embeds[0].title == "Harvest festival opens"


async def test_buttons_survive_a_bot_restart(restart_bot, simcord_env, alice, channel, tmp_path):
    first = (await alice.slash(channel, "search", query="volcano")).response
    await restart_bot()
    await alice.click(first.message, label="Next")
    assert channel_message(alice, first).embeds[0].footer.text.startswith("Page 2 of 3")


async def test_sorting_by_date_holds_across_pages_and_restarts(restart_bot, alice, channel):
    first = (await alice.slash(channel, "search", query="volcano", sort="newest")).response
    [embed] = first.embeds
    assert embed.footer.text.startswith("Page 1 of 3 · newest first")
    # The two 2019-2020 stories, then the 2015 reports from the twelfth of January down.
    assert embed.description.index("Markets rally") < embed.description.index("erupts near")
    assert "Volcano report number 11" in embed.description
    await restart_bot()
    await alice.click(first.message, label="Next")
    second = channel_message(alice, first).embeds[0]
    assert second.footer.text.startswith("Page 2 of 3 · newest first")
    assert second.description.startswith("**6. Volcano report number 8**")  # 11, 10, 9 before
    oldest = (await alice.slash(channel, "search", query="volcano", sort="oldest")).response
    assert oldest.embeds[0].description.startswith("**1. Volcano report number 0")


async def test_filters_and_source_autocomplete(alice, channel):
    result = await alice.slash(channel, "search", query="volcano", after="2020", source="reuters")
    [embed] = result.response.embeds
    assert "Markets rally on volcano calm" in embed.description
    assert "Volcano erupts near village" not in embed.description
    assert " · from 2020-01-01 · reuters only · " in embed.footer.text  # what the page covers
    dated = await alice.slash(channel, "search", query="volcano", after="2019", before="2020-06")
    assert " · 2019-01-01 to 2020-06-30 · " in dated.response.embeds[0].footer.text
    choices = await alice.autocomplete(channel, "search", "source", "shaf", query="x")
    assert [c["value"] for c in choices] == ["Shafaq News"]


@pytest.mark.parametrize(
    ("options", "expected", "error"),
    [
        ({"query": "volcano", "after": "2020-13"}, "'2020-13' is not a real date.", "BadDate"),
        ({"query": "volcano", "before": "last week"}, "is not a date: use YYYY", "BadDate"),
        ({"query": "?!"}, "Type at least one word", "EmptyQuery"),
        (
            {"query": "volcano", "after": "2021", "before": "2020"},
            "`after` is later",
            "BadDate",
        ),
        (
            {"query": "volcano", "source": "shafaq"},
            "no outlet called “shafaq”. Did you mean “Shafaq News”?",
            "UnknownSource",
        ),
    ],
)
async def test_user_mistakes_get_a_private_explanation(
    simcord_env, alice, channel, options, expected, error
):
    result = await alice.slash(channel, "search", **options)
    assert result.response.ephemeral
    assert expected in result.response.content
    assert raised(simcord_env) == [error]


async def test_no_results_is_a_polite_answer(alice, channel):
    result = await alice.slash(channel, "search", query="zzzzzz qqqqqq")
    assert result.response.ephemeral
    assert result.response.content == "No articles match “zzzzzz qqqqqq”."


async def test_no_results_says_when_the_filters_ruled_everything_out(alice, channel):
    result = await alice.slash(channel, "search", query="volcano", before="1999")
    assert result.response.ephemeral
    assert "within those dates or that outlet; without them, some do" in result.response.content


async def test_cooldown_then_recovery(simcord_env, alice, channel):
    for _ in range(5):
        assert (await alice.slash(channel, "search", query="volcano")).response.embeds
    slowed = await alice.slash(channel, "search", query="volcano")
    assert slowed.response.ephemeral
    assert "Slow down" in slowed.response.content
    assert raised(simcord_env) == ["CommandOnCooldown"]
    await simcord_env.advance_time(11)
    assert (await alice.slash(channel, "search", query="volcano")).response.embeds


async def test_unexpected_errors_get_an_incident_id_and_the_bot_goes_on(
    simcord_env, alice, channel, app, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.archive.current.index, "search", broken)
    result = await alice.slash(channel, "search", query="volcano")
    assert result.response.ephemeral
    assert "incident `" in result.response.content
    incident = result.response.content.split("`")[1]
    assert f"Incident {incident}" in caplog.text
    assert "disk on fire" in caplog.text
    assert raised(simcord_env) == ["RuntimeError"]
    monkeypatch.undo()
    assert (await alice.slash(channel, "search", query="volcano")).response.embeds


async def test_search_the_archive_from_a_message(simcord_env, alice, bob, channel):
    said = await bob.send(
        channel, "<@234567890123456789> did you see https://example.com/x? Ash fell on homes!"
    )
    result = await alice.context_menu(channel, "Search the archive", said)
    assert result.response.ephemeral
    [embed] = result.response.embeds
    assert embed.title == "Results for “ash fell on homes”"  # words the archive knows, no markup
    assert embed.description.split("\n\n")[0].endswith("**Ash** **fell** **on** **homes**.")
    only_markup = await bob.send(channel, "<@234567890123456789> https://example.com/volcano")
    refused = await alice.context_menu(channel, "Search the archive", only_markup)
    assert refused.response.ephemeral
    assert "no words the archive knows" in refused.response.content
    assert raised(simcord_env) == ["UserFacingError"]


async def test_article_autocomplete_and_reading(alice, channel, app):
    choices = await alice.autocomplete(channel, "article", "query", "volc")
    assert 0 < len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)
    assert all("volcano" in c["name"].lower() for c in choices)
    title, day = choices[0]["name"].rsplit(" · ", 1)  # the date tells repeated headlines apart
    assert day == app.archive.current.index.get(choices[0]["value"]).calendar_date.isoformat()
    result = await alice.slash(channel, "article", query=choices[0]["value"])
    assert result.response.embeds[0].title == title
    assert not result.response.ephemeral


async def test_a_long_title_is_cut_so_its_date_still_shows(
    restart_bot, tmp_path, simcord_env, alice, channel
):
    headline = "Tsunami " + "warning " * 40
    (tmp_path / "archive" / "tsunami.txt").write_text(
        f"2015-09-16 23:54:00\n\nWire / {headline}. Details.\n", encoding="utf-8"
    )
    await restart_bot()
    [choice] = await alice.autocomplete(channel, "article", "query", "tsunami")
    assert len(choice["name"]) <= 100
    assert choice["name"].endswith("… · 2015-09-16")


async def test_article_by_free_text_and_unknown(simcord_env, alice, channel):
    found = await alice.slash(channel, "article", query="harvest festivl")
    assert found.response.embeds[0].title == "Harvest festival opens"
    missing = await alice.slash(channel, "article", query="qqqqqq")
    assert missing.response.ephemeral
    assert "I found no article" in missing.response.content
    assert raised(simcord_env) == ["UnknownArticle"]


async def test_long_articles_are_paged_within_embed_limits(tmp_path, restart_bot, alice, channel):
    await add_long_article(tmp_path, restart_bot)
    result = await alice.slash(channel, "article", query="long")
    first = result.response
    assert len(first.embeds[0].description) <= 4096
    assert "page 1 of" in first.embeds[0].footer.text
    page_one = first.embeds[0].description
    assert page_one.startswith("Wire / A very long read.")
    await alice.click(first.message, label="Next")
    again = channel_message(alice, first)
    assert "page 2 of" in again.embeds[0].footer.text
    assert again.embeds[0].description.startswith("Paragraph ")
    assert len(again.embeds[0].description) <= 4096


async def test_article_text_never_pings(alice, channel):
    result = await alice.slash(channel, "article", query="story4")
    shared = await alice.click(result.response.message, label="Share to channel")
    stored = shared.response._message  # SimCord keeps pings on its backend model only
    assert "@everyone" in shared.response.embeds[0].description
    assert alice.mention in shared.response.content
    assert stored.ping_user_ids == []
    assert stored.ping_role_ids == []
    assert not stored.mention_everyone


async def test_search_and_article_work_in_dms_as_a_user_installed_app(simcord_env):
    user = simcord_env.create_user("carol")
    result = await user.slash("search", query="harvest")
    assert "Harvest festival opens" in result.response.embeds[0].description
    article = await user.slash("article", query="story2")
    assert article.response.embeds[0].title == "Harvest festival opens"


async def test_replies_leave_no_view_behind(alice, channel):
    """Buttons dispatch by custom_id; discord.py must not hold each reply's view for 15 min."""
    first = (await alice.slash(channel, "search", query="volcano")).response
    await alice.click(first.message, label="Next")
    await alice.slash(channel, "article", query="Leap day wedding boom")
    view_timers = [
        t for t in asyncio.all_tasks() if "timeout_task_impl" in t.get_coro().__qualname__
    ]
    assert view_timers == []


async def test_a_refiled_story_shows_once_and_its_other_version_opens(
    tmp_path, restart_bot, alice, channel
):
    (tmp_path / "archive" / "refiled.txt").write_text(
        "2021-07-01 14:00:00\n\nReuters / UPDATE 1-Harvest festival opens. Grain and music.\n",
        encoding="utf-8",
    )
    await restart_bot()
    results = (await alice.slash(channel, "search", query="harvest festival")).response
    [entry] = results.embeds[0].description.split("\n\n")
    assert "2 versions" in entry
    menu = next(c for row in results.components for c in row["components"] if c.get("options"))
    options = {o["value"]: o for o in menu["options"]}
    assert set(options) == {"story2", "refiled"}
    [other] = [v for v, o in options.items() if o["description"].startswith("Another version")]
    opened = (await alice.select(results.message, [other])).response
    titles = {"story2": "Harvest festival opens", "refiled": "UPDATE 1-Harvest festival opens"}
    assert opened.embeds[0].title == titles[other]
