"""Interactions per second through a real gateway: Dateline's /search vs a trivial /echo bot.

Both bots run as their own processes against the loopback fake Discord in
``tests/fake_discord``; this process injects INTERACTION_CREATE events with a
fixed number in flight and times each one until its callback arrives. Dateline
answers two workloads: the dev queries over and over (its caches see each word
again) and, for a JSONL corpus, queries no one asked before:

    python bench/gateway_bench.py                  # 2,000 interactions, 32 in flight
    python bench/gateway_bench.py -n 5000 --corpus ../shared/corpus/reuters-2006-2013.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.process import TOKEN, eventually, start_bot  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "reuters-2006-2013.jsonl"
DEFAULT_QUERIES = ROOT.parent / "shared" / "queries" / "dev.jsonl"
LATE = 3.0  # Discord's interaction deadline
GIVE_UP = 10.0
WARM_UP = 200


async def drive(
    fake: FakeDiscord, command: str, queries: list[str], n: int, in_flight: int, offset: int = 0
):
    latencies: list[float] = []
    dropped = 0
    answers: Counter[str] = Counter()
    semaphore = asyncio.Semaphore(in_flight)

    async def one(number: int) -> None:
        nonlocal dropped
        async with semaphore:
            began = time.perf_counter()
            # A different user each time: the per-user cooldown must not answer for us.
            user = 1_300_000_000_000_000_000 + number
            token = await fake.inject_command(
                command, user_id=user, query=queries[number % len(queries)]
            )
            try:
                callback = await fake.wait_callback(token, timeout=GIVE_UP)
            except TimeoutError:
                dropped += 1
                return
            latencies.append(time.perf_counter() - began)
            data = callback.get("data") or {}
            answers[_kind(data, command)] += 1
            del fake.callbacks[token]

    started = time.perf_counter()
    await asyncio.gather(*(one(offset + i) for i in range(n)))
    elapsed = time.perf_counter() - started
    millis = np.array(latencies) * 1000
    return {
        "n": n,
        "rate": len(latencies) / elapsed,
        "p50": float(np.percentile(millis, 50)) if len(millis) else float("nan"),
        "p99": float(np.percentile(millis, 99)) if len(millis) else float("nan"),
        "late": int((millis > LATE * 1000).sum()),
        "dropped": dropped,
        "answers": dict(answers),
    }


def _kind(data: dict, command: str) -> str:
    """What an answer was, in a word, so a wrong kind of answer shows in the table."""
    content = data.get("content") or ""
    if data.get("embeds"):
        return "results"
    if command == "echo" and content:
        return "echoed"
    return "no results" if content.startswith("No articles") else f"other: {content[:40]}"


async def measure(fake, process, workloads, args) -> list[dict]:
    """Run each (label, command, queries) workload against one bot process, in order."""
    rows = []
    try:
        await fake.wait_connected(timeout=600)
        await eventually(lambda: _async(bool(fake.commands)), timeout=60)
        for n, (label, command, queries) in enumerate(workloads):
            warm_up = queries[-WARM_UP:]  # kept apart, so measured queries stay as described
            await drive(fake, command, warm_up, len(warm_up), args.in_flight, offset=n * 100_000)
            measured = queries[: len(queries) - len(warm_up)]
            result = await drive(fake, command, measured, args.n, args.in_flight, offset=10_000)
            rows.append({"bot": label, **result})
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
    return rows


def fresh_queries(corpus: Path, count: int, seed: int = 7) -> list[str]:
    """``count`` distinct queries no one asked before: three title words, one with a typo.

    The dev queries repeat when more interactions than queries are sent, so
    the bot's caches see each word again; these show the cost of new words.
    """
    rng = random.Random(seed)
    titles = [json.loads(line)["title"] for line in corpus.open(encoding="utf-8")]
    queries: dict[str, None] = {}
    while len(queries) < count:
        words = [w for w in rng.choice(titles).split() if len(w) >= 3]
        if len(words) < 3:
            continue
        chosen = rng.sample(words, 3)
        long = [n for n, w in enumerate(chosen) if len(w) >= 5]
        if long:
            n = rng.choice(long)
            at = rng.randrange(len(chosen[n]) - 1)
            w = chosen[n]
            chosen[n] = w[:at] + w[at + 1] + w[at] + w[at + 2 :]  # swap two letters
        queries[" ".join(chosen)] = None
    return list(queries)


async def _async(value: bool) -> bool:
    return value


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="interactions per bot (max 5000)")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in args.queries.read_text().splitlines()]

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        fake = FakeDiscord()
        await fake.start()
        process = await start_bot(fake, work, args.corpus)
        workloads = [("dateline /search, dev queries", "search", queries + queries[:WARM_UP])]
        if args.corpus.suffix == ".jsonl":
            fresh = fresh_queries(args.corpus, args.n + WARM_UP)
            workloads.append(("dateline /search, every query new", "search", fresh))
        rows += await measure(fake, process, workloads, args)
        await fake.stop()

        fake = FakeDiscord()
        await fake.start()
        environ = {**os.environ, "DISCORD_TOKEN": TOKEN, "DATELINE_DISCORD_API_BASE": fake.api_base}
        echo = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bench" / "echo_bot.py"),
            env=environ,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        rows += await measure(fake, echo, [("trivial /echo", "echo", queries)], args)
        await fake.stop()

    print(f"{args.n} interactions per bot, {args.in_flight} in flight, corpus {args.corpus.name}\n")
    print("| bot | interactions/s | p50 ms | p99 ms | late (>3 s) | dropped |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['bot']} | {row['rate']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} "
            f"| {row['late']} | {row['dropped']} |"
        )
    for row in rows:
        print(f"{row['bot']} answers: {row['answers']}")
    trivial = rows[-1]["rate"]
    print()
    for row in rows[:-1]:
        ratio = row["rate"] / trivial
        print(f"{row['bot']} reaches {ratio:.2f} of the trivial bot's rate (goal: at least 0.5)")


if __name__ == "__main__":
    asyncio.run(main())
