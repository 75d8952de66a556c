"""Archive urls built to break a post reach the fake Discord as bodies Discord would take."""

from __future__ import annotations

import json

from tests.fake_discord.checks import embed_url_problem
from tests.fake_discord.process import eventually, running_bot

HOSTILE = "https://example.com/a) **[FREE NITRO](https://evil.example)** ("
ENCODED = "https://example.com/a%29%20**%5BFREE%20NITRO%5D%28https://evil.example%29**%20%28"


def test_the_fake_refuses_what_discord_refuses():
    """Without this the test below could pass against a fake that takes anything."""
    assert embed_url_problem(HOSTILE) == "Not a well formed URL."
    assert embed_url_problem("javascript:alert(1)").startswith('Scheme "javascript"')
    assert embed_url_problem("not a url") == "Not a well formed URL."
    assert embed_url_problem(ENCODED) is None


async def test_posts_of_articles_with_hostile_urls_are_accepted(fake, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    records = [
        {"id": "bait", "title": "Nitro bait", "url": HOSTILE},
        {"id": "script", "title": "Script bait", "url": "javascript:alert(1)"},
        {"id": "words", "title": "Wordy bait", "url": "not a url"},
    ]
    lines = [
        json.dumps({**r, "date": "2020-03-26T12:00:00", "body": f"Wire / {r['title']} story."})
        for r in records
    ]
    (archive / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    async with running_bot(fake, tmp_path, archive):
        await fake.wait_connected(timeout=60)
        await eventually(lambda: bool(fake.commands))
        answers = {}
        for command, query in [
            ("article", "bait"),
            ("article", "script"),
            ("article", "words"),
            ("search", "bait"),
        ]:
            token = await fake.inject_command(command, query=query)
            answers[query if command == "article" else "search"] = await fake.wait_callback(token)
            [sent] = [r for r in fake.requests if token in r.path]
            assert sent.status == 200, (command, query, sent.body)
        [bait] = answers["bait"]["data"]["embeds"]
        assert bait["url"] == ENCODED
        for dropped in ("script", "words"):
            assert "url" not in answers[dropped]["data"]["embeds"][0]
        listing = answers["search"]["data"]["embeds"][0]["description"]
        assert f"[Nitro bait]({ENCODED})" in listing
        assert "](https://evil" not in listing and "javascript:" not in listing
