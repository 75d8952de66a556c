"""Processes started together on one machine build the index cache once and share it."""

from __future__ import annotations

import asyncio
import json
import sys

SCRIPT = """
import sys, time
from datetime import UTC
from pathlib import Path
from bot.snapshot import open_snapshot
archive, cache, go = sys.argv[1:4]
while not Path(go).exists():  # start together, after the imports
    time.sleep(0.005)
opened = open_snapshot([archive], UTC, Path(cache))
print(opened.from_cache, len(opened.index.articles), len(opened.index.search("volcano")))
"""


def write_archive(path, count: int = 3000) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "id": f"a{n}",
                "date": f"20{n % 20:02}-03-26T12:00:00Z",
                "source": "Wire",
                "title": f"Volcano report {n} from island {n % 97}",
                "body": " ".join(f"word{(n * 7 + k) % 5000} lava ash" for k in range(60)),
            }
            out.write(json.dumps(record) + "\n")


async def test_the_first_process_builds_the_others_wait_and_open_it(tmp_path):
    archive, cache, go = tmp_path / "a.jsonl", tmp_path / "cache", tmp_path / "go"
    write_archive(archive)
    starts = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SCRIPT,
            str(archive),
            str(cache),
            str(go),
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(3)
    ]
    await asyncio.sleep(1.0)  # let them get past their imports
    go.touch()
    outputs = sorted([(await p.communicate())[0].decode().split() for p in starts])
    assert [p.returncode for p in starts] == [0, 0, 0]
    assert [from_cache for from_cache, _n, _hits in outputs] == ["False", "True", "True"]
    assert {(n, hits) for _cached, n, hits in outputs} == {("3000", "10")}
    [index] = [p for p in cache.iterdir() if p.name.startswith("index-v")]
    assert len([p for p in index.iterdir() if p.is_dir()]) == 1  # one segment, written once
