"""README is the newcomer's page: short, its example archive pastes cleanly, its picture is real."""

from __future__ import annotations

import re
import runpy
from datetime import UTC
from pathlib import Path

from bot.archive import load_archive

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLE = ROOT / "docs" / "sample-archive.jsonl"


def test_readme_stays_under_10_kb():
    assert len(README.encode("utf-8")) < 10_000


def test_the_pasteable_example_is_the_sample_archive_and_loads_without_a_problem(tmp_path):
    [block] = re.findall(r"```json\n(.*?)```", README, flags=re.S)
    assert block == SAMPLE.read_text(encoding="utf-8")
    assert len(block.splitlines()) == 10
    pasted = tmp_path / "news.jsonl"
    pasted.write_text(block, encoding="utf-8")
    report = load_archive([pasted], UTC)
    assert (len(report.articles), report.problems) == (10, [])


def test_the_picture_is_drawn_from_the_bots_own_search_embed(tmp_path, monkeypatch):
    """The script searches the sample archive and draws search_embed's payload."""
    script = runpy.run_path(str(ROOT / "docs" / "pictures" / "search_reply.py"))
    drawn: list[dict] = []
    monkeypatch.setitem(script["main"].__globals__, "render", lambda e, _p: drawn.append(e))
    script["main"]()
    [embed] = drawn
    assert embed["title"] == f"Results for “{script['QUERY']}”"
    assert "Volcano eruption under Iceland glacier" in embed["description"]
    assert "**volcano**" in embed["description"]  # the matched word, bold as the bot sends it
    out = tmp_path / "reply.png"
    script["render"](embed, out)
    assert out.stat().st_size > 10_000
    assert "docs/pictures/search-reply.png" in README
    assert (ROOT / "docs" / "pictures" / "search-reply.png").is_file()
