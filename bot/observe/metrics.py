"""Prometheus metrics for one process, in a registry of its own (no module globals).

Labels are closed sets chosen by Dateline (command names, outcomes, shard
numbers), never text a user typed and never a user's id: a label value is a
time series, and user content would make both a privacy leak and an unbounded
number of them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.observe.shards import ShardWatch

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Interactions must be answered within 3 s; the buckets resolve that range finely.
ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 15.0)
SEARCH_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Outcome(StrEnum):
    """How an interaction ended: answered, refused with an explanation, or an incident."""

    OK = "ok"
    USER_ERROR = "user_error"
    FAILED = "failed"


class DigestOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"  # transient (429, 5xx, network): retried later the same day
    PAUSED = "paused"  # permanent (403, 404): waits for /digest resume
    MISSED = "missed"  # due while Dateline was down, too late to post


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.interactions = Counter(
            "dateline_interactions",
            "Interactions handled, by command and outcome",
            ["command", "outcome"],
            registry=r,
        )
        self.answer_seconds = Histogram(
            "dateline_interaction_answer_seconds",
            "Time from receiving INTERACTION_CREATE to the end of its answer",
            ["command"],
            buckets=ANSWER_BUCKETS,
            registry=r,
        )
        self.search_seconds = Histogram(
            "dateline_search_seconds",
            "Time to rank one search in the index",
            buckets=SEARCH_BUCKETS,
            registry=r,
        )
        self.digests = Counter(
            "dateline_digests", "Digest deliveries by outcome", ["outcome"], registry=r
        )
        self.digest_retries = Counter(
            "dateline_digest_retries", "Digest deliveries scheduled to be tried again", registry=r
        )
        self.rate_limited = Counter(
            "dateline_discord_rate_limited",
            "Responses from Discord with status 429 (discord.py waits and retries them)",
            registry=r,
        )
        self.discord_errors = Counter(
            "dateline_discord_server_errors",
            "Responses from Discord with a 5xx status (discord.py retries them)",
            registry=r,
        )
        self.articles = Gauge(
            "dateline_archive_articles", "Articles in the loaded archive", registry=r
        )
        self.shards = ShardWatch()
        r.register(self.shards)
        self.index_seconds = Gauge(
            "dateline_index_build_seconds",
            "Seconds the last archive load took (read from the cache, or built)",
            registry=r,
        )
        self.reloads = Counter(
            "dateline_reloads", "Archive reloads by outcome", ["outcome"], registry=r
        )

    def interaction(self, command: str, outcome: Outcome, seconds: float | None) -> None:
        self.interactions.labels(command, outcome.value).inc()
        if seconds is not None:
            self.answer_seconds.labels(command).observe(seconds)

    def digest(self, outcome: DigestOutcome) -> None:
        self.digests.labels(outcome.value).inc()

    def watch_archive(self, articles: Callable[[], int]) -> None:
        """Read the archive's size at each scrape: a reload replaces it under us."""
        self.articles.set_function(articles)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
