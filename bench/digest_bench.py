"""Fan-out under Discord's global rate limit: N digests due at the same minute.

The loopback fake in ``tests/fake_discord`` answers message posts with
Discord's rate-limit headers and a global 429 past 50 requests per second.
Two senders deliver N messages to N channels through it, in one run:

* ``dateline``: a real ``dateline run`` process with N subscriptions due at the
  next whole minute, posted by the APScheduler cron jobs (claim, paced send with
  a nonce, mark sent), exactly as in production;
* ``discord.py, unpaced``: the baseline a bot author writes first, a plain
  discord.py client sending N messages with 50 in flight and relying on the
  library's own 429 handling.

    python bench/digest_bench.py            # 5,000 digests
    python bench/digest_bench.py -n 1000
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.store import Store  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.process import TOKEN, start_bot  # noqa: E402

LIMIT = 50  # Discord's global limit, requests per second
FIRST_CHANNEL = 1_400_000_000_000_000_000


def write_archive(folder: Path, day: datetime) -> Path:
    folder.mkdir(parents=True)
    for years_ago in range(1, 6):
        stamp = f"{day.year - years_ago}-{day:%m-%d} 12:00:00"
        text = f"{stamp}\n\nWire / Story from {years_ago} years back. Body of the story.\n"
        (folder / f"story{years_ago}.txt").write_text(text, encoding="utf-8")
    return folder


async def seed(workdir: Path, n: int, due: datetime) -> Store:
    store = Store.open(f"sqlite+aiosqlite:///{workdir / 'data' / 'dateline.sqlite3'}")
    await store.start()
    created = datetime.now(UTC)
    for number in range(n):
        await store.subscribe(
            1, FIRST_CHANNEL + number, local_time=f"{due:%H:%M}", timezone="UTC", now=created
        )
    return store


def posts_since(fake: FakeDiscord, started: int) -> list[float]:
    return [r.at for r in fake.requests[started:] if r.path.endswith("/messages")]


def row(label: str, fake: FakeDiscord, n: int, started: int, began: float, limited: int) -> dict:
    delivered = [m for m in fake.messages if int(m["channel_id"]) >= FIRST_CHANNEL]
    times = sorted(posts_since(fake, started))  # every attempt, 429s included
    span = max(times[-1] - times[0], 1e-9) if times else float("nan")
    rate = (len(delivered) - 1) / span if len(delivered) > 1 else 0.0  # successful posts/s
    return {
        "sender": label,
        "delivered": len(delivered),
        "n": n,
        "seconds": times[-1] - began if times else float("nan"),
        "rate": rate,
        "fraction": rate / LIMIT,
        "429s": fake.rate_limited - limited,
    }


async def run_dateline(fake: FakeDiscord, n: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        now = datetime.now(UTC)
        due = (now + timedelta(seconds=75)).replace(second=0, microsecond=0)
        store = await seed(workdir, n, due)
        archive = write_archive(workdir / "archive", due)
        started, limited = len(fake.requests), fake.rate_limited
        process = await start_bot(fake, workdir, archive, DATELINE_LOGGING__LEVEL='"WARNING"')
        try:
            print(f"dateline: {n} subscriptions due at {due:%H:%M:%S} UTC; waiting...", flush=True)
            await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0))
            began = time.monotonic()
            deadline = began + n / 10 + 60
            while len(fake.messages) < n and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            result = row("dateline (cron jobs, paced)", fake, n, started, began, limited)
            sent = await _sent_count(store)
            result["delivery log"] = f"{sent} sent"
        finally:
            process.send_signal(signal.SIGTERM)
            await process.wait()
            await store.close()
        return result


async def _sent_count(store: Store) -> int:
    ids = [subscription.id for subscription in await store.subscriptions()]
    latest = await store.latest_deliveries(ids)
    return sum(delivery.status == "sent" for delivery in latest.values())


async def run_unpaced(fake: FakeDiscord, n: int) -> dict:
    discord.http.Route.BASE = fake.api_base
    client = discord.Client(intents=discord.Intents.none())
    await client.login(TOKEN)
    fake.messages.clear()
    started, limited = len(fake.requests), fake.rate_limited
    semaphore = asyncio.Semaphore(50)

    async def send(number: int) -> None:
        async with semaphore:
            channel = client.get_partial_messageable(FIRST_CHANNEL + number)
            await channel.send("On this day", allowed_mentions=discord.AllowedMentions.none())

    began = time.monotonic()
    outcomes = await asyncio.gather(*(send(number) for number in range(n)), return_exceptions=True)
    failed = sum(isinstance(o, Exception) for o in outcomes)
    result = row("discord.py, 50 in flight, unpaced", fake, n, started, began, limited)
    result["delivery log"] = f"none; {failed} sends gave up after repeated 429s"
    await client.close()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="digests to deliver")
    args = parser.parse_args()
    fake = FakeDiscord(rate_limit_per_second=LIMIT)
    await fake.start()
    try:
        rows = [await run_dateline(fake, args.n)]
        print(rows[0], flush=True)
        fake.messages.clear()
        rows.append(await run_unpaced(fake, args.n))
    finally:
        await fake.stop()
    print(f"\n{args.n} messages to {args.n} channels; the fake allows {LIMIT} posts/s\n")
    print("| sender | delivered | s to deliver all | posts/s | of 50/s | 429s | delivery log |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['sender']} | {r['delivered']}/{r['n']} | {r['seconds']:.1f} | {r['rate']:.1f} "
            f"| {r['fraction']:.2f} | {r['429s']} | {r['delivery log']} |"
        )
    print("\nGoal for dateline: zero 429s and at least 0.9 of the limit.")


if __name__ == "__main__":
    asyncio.run(main())
