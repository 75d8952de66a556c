"""/onthisday, /random, /stats, /invite, /help and /dateline reload through SimCord."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import discord
import pytest
from PIL import Image
from simcord import SetupError

from tests.discord.conftest import raised


async def test_on_this_day_defaults_to_today_grouped_by_years_ago(alice, channel):
    # The app's clock says 2024-03-26.
    result = await alice.slash(channel, "onthisday")
    embed = result.response.embeds[0]
    assert embed.title == "On this day: 26 March"
    lines = embed.description.split("\n")
    assert lines[0] == "**4 years ago · 2020**"
    assert "Markets rally on volcano calm" in lines[1]
    assert lines[2] == "**5 years ago · 2019**"
    assert "Volcano erupts near village" in lines[3]


@pytest.mark.parametrize(
    ("day", "title"),
    [
        ("2023-02-28", "On this day: 28 February"),  # common year: 29 Feb joins the 28th
        ("2024-02-29", "On this day: 29 February"),
        ("02-29", "On this day: 29 February"),  # "this year" is the leap year 2024
        # A leap year's 28th has nothing of its own: the nearest day is offered, and named.
        ("2024-02-28", "On this day: 29 February (nearest date with articles)"),
    ],
)
async def test_leap_day_articles_show_on_feb_28_in_common_years(alice, channel, day, title):
    result = await alice.slash(channel, "onthisday", date=day)
    embed = result.response.embeds[0]
    assert embed.title == title
    assert "Leap day wedding boom" in embed.description


async def test_on_this_day_in_a_timezone_and_zone_autocomplete(alice, channel, app):
    app.clock = lambda: datetime(2024, 3, 25, 23, 30, tzinfo=UTC)  # already the 26th in Baghdad
    utc = await alice.slash(channel, "onthisday")
    assert utc.response.embeds[0].title == "On this day: 26 March (nearest date with articles)"
    baghdad = await alice.slash(channel, "onthisday", timezone="Asia/Baghdad")
    assert baghdad.response.embeds[0].title == "On this day: 26 March"
    choices = await alice.autocomplete(channel, "onthisday", "timezone", "baghdad")
    assert choices[0]["value"] == "Asia/Baghdad"
    assert len(choices) <= 25


async def test_on_this_day_uses_the_members_zone_else_the_servers(
    simcord_env, alice, bob, guild, channel, app
):
    app.clock = lambda: datetime(2024, 3, 25, 23, 30, tzinfo=UTC)  # already the 26th in Baghdad
    with pytest.raises(SetupError):  # hidden from members without Manage Server
        await bob.slash(channel, "server-timezone", zone="Asia/Baghdad")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    ada = guild.add_member(simcord_env.create_user("ada"), roles=[admins])
    set_here = await ada.slash(channel, "server-timezone", zone="Asia/Baghdad")
    assert "today in Asia/Baghdad here" in set_here.response.content

    def title(result) -> str:
        return result.response.embeds[0].title

    bobs = await bob.slash(channel, "onthisday")
    assert title(bobs) == "On this day: 26 March"
    assert bobs.response.embeds[0].footer.text.startswith("Today in Asia/Baghdad")
    await alice.slash(channel, "timezone mine", zone="Europe/London")  # still the 25th there
    assert "(nearest date with articles)" in title(await alice.slash(channel, "onthisday"))
    assert "Yours: Europe/London" in (await alice.slash(channel, "timezone show")).response.content
    await alice.slash(channel, "timezone forget")
    assert title(await alice.slash(channel, "onthisday")) == "On this day: 26 March"
    shown = await alice.slash(channel, "timezone show")
    assert shown.response.ephemeral
    assert "This server's: Asia/Baghdad" in shown.response.content


async def test_on_this_day_bad_input(simcord_env, alice, channel):
    bad_zone = await alice.slash(channel, "onthisday", timezone="Mars/Olympus")
    assert bad_zone.response.ephemeral
    assert "not a timezone I know" in bad_zone.response.content
    bad_day = await alice.slash(channel, "onthisday", date="31-31")
    assert bad_day.response.ephemeral
    assert "not a real date" in bad_day.response.content
    assert raised(simcord_env) == ["BadTimezone", "BadDate"]


async def test_random_with_filters_and_none_left(simcord_env, alice, channel):
    result = await alice.slash(channel, "random", year=2021)
    assert result.response.embeds[0].title == "Harvest festival opens"
    by_source = await alice.slash(channel, "random", source="afp")
    assert by_source.response.embeds[0].title == "Leap day wedding boom"
    nothing = await alice.slash(channel, "random", year=1999)
    assert nothing.response.ephemeral
    assert "no articles in 1999" in nothing.response.content
    misspelt = await alice.slash(channel, "random", source="Reuter")
    assert misspelt.response.ephemeral
    assert "Did you mean “Reuters”?" in misspelt.response.content
    assert raised(simcord_env) == ["UserFacingError", "UnknownSource"]


async def test_stats_with_a_png_chart(simcord_env, alice, channel):
    result = await alice.slash(channel, "stats")
    callbacks = [r.json for r in simcord_env.http_requests if r.path.endswith("/callback")]
    assert callbacks[-1] == {"type": 5}  # deferred before drawing the chart
    [message] = [result.response] if result.response else result.followups
    embed = message.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Articles"] == "17"
    assert fields["Dates"] == "2015-01-01 to 2021-07-01"
    assert "Reuters (2)" in fields["Sources"]
    [attachment] = message.attachments
    assert attachment.filename == "per-year.png"
    image = Image.open(io.BytesIO(await attachment.read()))
    assert image.format == "PNG"
    assert image.size == (800, 350)


async def test_invite_and_help(simcord_env, alice, channel):
    invite = await alice.slash(channel, "invite")
    application_id = simcord_env.bot.application_id
    assert invite.response.ephemeral
    assert (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        "&scope=bot+applications.commands&permissions=52224"
    ) in invite.response.content
    help_text = await alice.slash(channel, "help")
    names = [f.name for f in help_text.response.embeds[0].fields]
    assert any(name.startswith("/search") for name in names)


async def test_reload_is_owner_only_and_picks_up_new_files(
    restart_bot, simcord_env, channel, guild, tmp_path
):
    owner = guild.add_member(simcord_env.create_user("operator"))
    await restart_bot(owner_ids=[owner.id])
    stranger = guild.add_member(simcord_env.create_user("stranger"))
    refused = await stranger.slash(channel, "dateline reload")
    assert "Only the bot's owner" in refused.response.content

    (tmp_path / "archive" / "new.txt").write_text(
        "2022-01-01 10:00:00\n\nWire / Glacier calves giant iceberg. Details.\n", encoding="utf-8"
    )
    before = await owner.slash(channel, "search", query="glacier")
    assert "No articles match" in before.response.content
    assert await article_count(owner, channel) == "17"
    done = await owner.slash(channel, "dateline reload")
    message = done.followups[0] if done.followups else done.response
    assert message.content.startswith("Reloaded the archive: 18 articles")
    assert "(+1 article from 1 file, 0 removed" in message.content  # only the change read
    found = await owner.slash(channel, "search", query="glacier")
    assert "Glacier calves giant iceberg" in found.response.embeds[0].description
    assert await article_count(owner, channel) == "18"  # /stats made afresh for the new archive


async def article_count(member, channel) -> str:
    result = await member.slash(channel, "stats")
    [message] = [result.response] if result.response else result.followups
    return {f.name: f.value for f in message.embeds[0].fields}["Articles"]


async def test_failed_reload_keeps_the_old_archive(
    restart_bot, simcord_env, channel, guild, tmp_path
):
    owner = guild.add_member(simcord_env.create_user("operator"))
    await restart_bot(owner_ids=[owner.id])
    for path in (tmp_path / "archive").iterdir():
        path.unlink()
    done = await owner.slash(channel, "dateline reload")
    message = done.followups[0] if done.followups else done.response
    assert message.content.startswith("Reload failed, still serving the previous archive")
    found = await owner.slash(channel, "search", query="harvest")
    assert "Harvest festival opens" in found.response.embeds[0].description
