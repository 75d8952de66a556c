"""/digest through SimCord: subscribing, listing, previews, send-now, pausing, permissions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import discord
import pytest

from bot.digest.delivery import Result
from bot.store.models import DeliveryStatus, SubscriptionState
from tests.discord.conftest import raised


@pytest.fixture
def admin(simcord_env, guild):
    role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(simcord_env.create_user("ada"), roles=[role])


@pytest.fixture
def digest_channel(guild):
    return guild.create_text_channel("daily")


def timestamps(text: str) -> list[datetime]:
    return [datetime.fromtimestamp(int(t), UTC) for t in re.findall(r"<t:(\d+):F>", text)]


def answer(result) -> str:
    """The text of a reply, whether it came straight away or after a defer."""
    message = result.followups[-1] if result.followups else result.response
    return message.content


async def fire(env, subscription_id: int):
    """Run the scheduler's job body as the bot's own background work.

    SimCord has no public way to run bot-owned work that no gateway event
    started (a scheduler job); entering its bot scope gives the job the bot's
    virtual clock, as it has when APScheduler's timer starts it in production.
    """
    with env._bot_scope():
        return await env.bot.app.digests.fire(subscription_id)


async def subscribe(admin, channel, target, **options):
    options = {"time": "09:30", "timezone": "Europe/Berlin", **options}
    return await admin.slash(channel, "digest subscribe", channel=target, **options)


async def test_subscribe_stores_the_subscription_and_names_the_next_post(
    admin, channel, digest_channel, app
):
    # The app's clock says 2024-03-26 09:00 UTC, which is 10:00 in Berlin: 09:30 has passed.
    result = await subscribe(admin, channel, digest_channel, sources="reuters, AFP")
    assert result.response.ephemeral
    assert timestamps(result.response.content) == [datetime(2024, 3, 27, 8, 30, tzinfo=UTC)]
    [stored] = await app.store.subscriptions()
    assert (stored.channel_id, stored.local_time, stored.timezone) == (
        digest_channel.id,
        "09:30",
        "Europe/Berlin",
    )
    assert stored.source_list == ["Reuters", "AFP"]


async def test_sources_autocomplete_completes_the_last_outlet(admin, channel):
    choices = await admin.autocomplete(channel, "digest subscribe", "sources", "Reuters, sha")
    assert [c["value"] for c in choices] == ["Reuters, Shafaq News"]
    first = await admin.autocomplete(channel, "digest subscribe", "sources", "")
    assert {c["value"] for c in first} == {"AFP", "Reuters", "Shafaq News", "Wire"}


async def test_timezone_autocomplete_finds_cities(admin, channel):
    for typed, zone in [("berlin", "Europe/Berlin"), ("baghdad", "Asia/Baghdad")]:
        choices = await admin.autocomplete(channel, "digest subscribe", "timezone", typed)
        assert choices[0]["value"] == zone
        assert len(choices) <= 25


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"time": "25:00"}, "not a time of day"),
        ({"time": "9am"}, "24-hour HH:MM"),
        ({"timezone": "Mars/Olympus"}, "not a timezone I know"),
        ({"min_items": 5, "max_items": 2}, "min_items can't be larger"),
        ({"sources": "Reuters, Reuterz"}, "no outlet called 'Reuterz'"),
    ],
)
async def test_subscribe_rejects_bad_input_kindly(
    simcord_env, admin, channel, digest_channel, app, options, complaint
):
    result = await subscribe(admin, channel, digest_channel, **options)
    assert result.response.ephemeral
    assert complaint in result.response.content
    assert await app.store.subscriptions() == []
    assert raised(simcord_env)


async def test_subscribe_refuses_a_channel_the_bot_cannot_post_in(
    simcord_env, guild, admin, channel, app
):
    closed = guild.create_text_channel(
        "closed", overwrites={simcord_env.bot.user: discord.PermissionOverwrite(embed_links=False)}
    )
    result = await subscribe(admin, channel, closed)
    assert "I need the Embed Links permission" in result.response.content
    assert await app.store.subscriptions() == []
    assert raised(simcord_env) == ["UserFacingError"]


async def test_every_digest_command_needs_manage_server(
    simcord_env, guild, alice, channel, digest_channel
):
    # Hidden from members without Manage Server by default_member_permissions...
    assert "digest" not in alice.available_commands(channel)
    # ...and refused at run time when an admin's override shows it to them anyway.
    command = next(c for c in simcord_env.bot.tree.get_commands() if c.name == "digest")
    synced = {c.name: c for c in await simcord_env.bot.tree.fetch_commands()}
    guild.set_command_permissions(synced[command.name].id, {guild.default_role: True})
    for name, options in [
        ("digest subscribe", {"channel": digest_channel, "time": "09:00", "timezone": "UTC"}),
        ("digest unsubscribe", {"channel": digest_channel}),
        ("digest list", {}),
        ("digest preview", {}),
        ("digest send-now", {"channel": digest_channel}),
        ("digest resume", {"channel": digest_channel}),
    ]:
        result = await alice.slash(channel, name, **options)
        assert result.response.ephemeral
        assert "You need the Manage Guild permission" in result.response.content
    assert raised(simcord_env) == ["MissingPermissions"] * 6


async def test_send_now_posts_once_without_pinging_and_counts_as_today(
    simcord_env, admin, channel, digest_channel, app
):
    app.clock = lambda: datetime(2024, 5, 5, 12, 0, tzinfo=UTC)  # the @everyone story's day
    await subscribe(admin, channel, digest_channel)
    result = await admin.slash(channel, "digest send-now", channel=digest_channel)
    assert "Posted today's digest" in answer(result)
    [posted] = digest_channel.history()
    assert posted.content == "**On this day, 5 May**"
    assert posted.embeds[0].title == "6 years ago · 2018"
    assert "Pranksters post @everyone alert" in posted.embeds[0].description
    sent = [
        r for r in simcord_env.http_requests if r.path.endswith(f"{digest_channel.id}/messages")
    ]
    assert sent[0].json["allowed_mentions"] == {"parse": []}
    assert sent[0].json["nonce"] == "dl1d20240505" and sent[0].json["enforce_nonce"] is True

    again = await admin.slash(channel, "digest send-now", channel=digest_channel)
    assert "already posted" in answer(again)
    assert str(posted.id) in answer(again)
    assert len(digest_channel.history()) == 1
    [stored] = await app.store.subscriptions()
    delivery = await app.store.delivery(stored.id, date(2024, 5, 5))
    assert (delivery.status, delivery.message_id) == (DeliveryStatus.SENT, posted.id)
    # The scheduled firing later that day finds the day taken.
    app.clock = lambda: datetime(2024, 5, 6, 7, 30, tzinfo=UTC)  # 09:30 in Berlin, next day
    simcord_env.bot.app.digests.scheduler.remove_all_jobs()
    outcome = await fire(simcord_env, stored.id)
    assert outcome.status is Result.SKIPPED  # nothing on file for 6 May: skipped, not posted


async def test_scheduled_firing_posts_the_due_day(simcord_env, admin, channel, digest_channel, app):
    app.clock = lambda: datetime(2024, 3, 25, 12, 0, tzinfo=UTC)
    await subscribe(admin, channel, digest_channel, time="09:00", timezone="Asia/Baghdad")
    [stored] = await app.store.subscriptions()
    app.clock = lambda: datetime(2024, 3, 26, 6, 0, tzinfo=UTC)  # 09:00 in Baghdad
    outcome = await fire(simcord_env, stored.id)
    assert outcome.status is Result.SENT
    [posted] = digest_channel.history()
    assert posted.content == "**On this day, 26 March**"
    assert [e.title for e in posted.embeds] == ["4 years ago · 2020", "5 years ago · 2019"]
    again = await fire(simcord_env, stored.id)
    assert again.status is Result.TAKEN
    assert len(digest_channel.history()) == 1


async def test_list_preview_unsubscribe(simcord_env, admin, channel, digest_channel, app):
    await subscribe(admin, channel, digest_channel, time="07:05", timezone="America/New_York")
    listing = await admin.slash(channel, "digest list")
    text = listing.response.embeds[0].description
    assert f"<#{digest_channel.id}> · 07:05 America/New_York" in text
    assert "Next: <t:" in text

    preview = await admin.slash(channel, "digest preview", date="2024-03-26")
    assert preview.response.ephemeral
    assert preview.response.content == "**On this day, 26 March**"
    assert "Markets rally on volcano calm" in preview.response.embeds[0].description
    empty = await admin.slash(channel, "digest preview", date="2024-08-01")
    assert "would be skipped" in empty.response.content

    gone = await admin.slash(channel, "digest unsubscribe", channel=digest_channel)
    assert "Stopped the daily digest" in gone.response.content
    assert await app.store.subscriptions() == []
    assert simcord_env.bot.app.digests.scheduler.get_jobs() == []
    again = await admin.slash(channel, "digest unsubscribe", channel=digest_channel)
    assert "has no digest" in again.response.content
    nothing = await admin.slash(channel, "digest list")
    assert "No digests yet" in nothing.response.content
    assert raised(simcord_env) == ["UserFacingError"]


async def test_lost_permission_pauses_until_resumed(
    simcord_env, guild, admin, channel, digest_channel, app
):
    app.clock = lambda: datetime(2024, 3, 26, 4, 0, tzinfo=UTC)
    await subscribe(admin, channel, digest_channel, time="05:00", timezone="UTC")
    [stored] = await app.store.subscriptions()
    app.clock = lambda: datetime(2024, 3, 26, 5, 0, tzinfo=UTC)
    me = guild.me
    await simcord_env.bot.get_channel(digest_channel.id).set_permissions(
        me, overwrite=discord.PermissionOverwrite(send_messages=False)
    )
    outcome = await fire(simcord_env, stored.id)
    assert outcome.status is Result.PAUSED
    [paused] = await app.store.subscriptions()
    assert paused.state == SubscriptionState.PAUSED
    listing = await admin.slash(channel, "digest list")
    assert "**Paused**" in listing.response.embeds[0].description
    assert "/digest resume" in listing.response.embeds[0].description
    assert simcord_env.bot.app.digests.scheduler.get_jobs() == []

    await simcord_env.bot.get_channel(digest_channel.id).set_permissions(me, overwrite=None)
    resumed = await admin.slash(channel, "digest resume", channel=digest_channel)
    assert "posted today's" in answer(resumed)
    assert len(digest_channel.history()) == 1
    delivery = await app.store.delivery(stored.id, date(2024, 3, 26))
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


async def test_deleting_the_channel_or_removing_the_bot_drops_digests(
    simcord_env, guild, admin, channel, digest_channel, app
):
    other = guild.create_text_channel("other")
    await subscribe(admin, channel, digest_channel)
    await subscribe(admin, channel, other)
    with simcord_env._bot_scope():  # the bot deletes it, as an admin would in the client
        await simcord_env.bot.get_channel(digest_channel.id).delete()
    await simcord_env.settle()
    assert [s.channel_id for s in await app.store.subscriptions()] == [other.id]
    assert [j.id for j in simcord_env.bot.app.digests.scheduler.get_jobs()] == ["digest-2"]
    with simcord_env._bot_scope():
        await simcord_env.bot.get_guild(guild.id).leave()
    await simcord_env.settle()
    assert await app.store.subscriptions() == []
    assert simcord_env.bot.app.digests.scheduler.get_jobs() == []
