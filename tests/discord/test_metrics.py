"""Every interaction is counted under its command or component and how it ended."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.search.index import SearchIndex
from tests.discord.conftest import raised


def value(app, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(app.metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


async def test_answers_mistakes_and_incidents_are_counted_apart(
    simcord_env, alice, channel, app, monkeypatch
):
    first = (await alice.slash(channel, "search", query="volcano")).response
    await alice.slash(channel, "search", query="volcano", after="2020-13")
    await alice.click(first.message, label="Next")

    def broken(*_args, **_kwargs):
        raise RuntimeError("index on fire")

    monkeypatch.setattr(SearchIndex, "search", broken)
    failed = await alice.slash(channel, "search", query="volcano")
    assert "incident" in failed.response.content
    assert raised(simcord_env) == ["BadDate", "RuntimeError"]

    counted = "dateline_interactions_total"
    assert value(app, counted, command="search", outcome="ok") == 1
    assert value(app, counted, command="search", outcome="user_error") == 1
    assert value(app, counted, command="search", outcome="failed") == 1
    assert value(app, counted, command="search page button", outcome="ok") == 1
    assert value(app, "dateline_interaction_answer_seconds_count", command="search") == 3
    assert value(app, "dateline_search_seconds_count") >= 2  # the first page and the second
