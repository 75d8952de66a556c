"""This process's slice of the bot's shards, and the guilds that slice owns.

Discord routes a guild's events and interactions to the connection of shard
``(guild_id >> 22) % shard_count``; Dateline follows the same rule for the
work it starts itself (digests), so one process owns each guild with no
coordinator. With no cluster settings one process runs every shard, as a
single bot does.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bot.config import ClusterSettings
from bot.errors import ConfigError

_ORDINAL = re.compile(r"-(\d+)$")  # dateline-3 (StatefulSet pod), as systemd's %H is not


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's rule for which shard receives a guild."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True)
class Topology:
    """``shard_count`` None: Discord's recommendation, every shard in this process."""

    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    process_index: int = 0
    process_count: int = 1

    @property
    def partial(self) -> bool:
        return self.shard_ids is not None and len(self.shard_ids) < (self.shard_count or 0)

    def owns(self, guild_id: int) -> bool:
        if self.shard_count is None or self.shard_ids is None:
            return True
        return shard_of(guild_id, self.shard_count) in self.shard_ids

    @property
    def shards(self) -> tuple[int, tuple[int, ...]] | None:
        """(shard_count, shard_ids) for the store's filter; None when this process owns all."""
        if self.shard_count is None or self.shard_ids is None or not self.partial:
            return None
        return self.shard_count, self.shard_ids

    @property
    def share(self) -> float:
        """This process's fraction of the bot's shards (and so of its guilds and digests)."""
        if self.shard_count is None or self.shard_ids is None:
            return 1.0
        return len(self.shard_ids) / self.shard_count

    def describe(self) -> str:
        """``shards 2,3 of 4 (process 1 of 2)``: the line ``dateline run`` logs at start."""
        if self.shard_count is None:
            return "all shards (Discord's recommended count), one process"
        shards = ",".join(map(str, self.shard_ids or range(self.shard_count)))
        return (
            f"shards {shards} of {self.shard_count} "
            f"(process {self.process_index} of {self.process_count})"
        )


def hostname_ordinal(hostname: str) -> int:
    found = _ORDINAL.search(hostname)
    if found is None:
        raise ConfigError(
            f"cluster.index: the host name {hostname!r} ends in no ordinal "
            '(index = "hostname" expects a name such as dateline-3)'
        )
    return int(found[1])


def resolve(cluster: ClusterSettings, store_url: str, hostname: str | None = None) -> Topology:
    """The slice this process runs; ConfigError (one line) when it cannot run it."""
    count = cluster.shard_count
    if count is None:
        return Topology()
    if cluster.shard_ids is not None:
        topology = Topology(count, tuple(sorted(cluster.shard_ids)))
    elif cluster.size is not None:
        index = cluster.index
        if index == "hostname":
            index = hostname_ordinal(hostname or socket.gethostname())
            if index >= cluster.size:
                raise ConfigError(
                    f"cluster.index: the host name's ordinal {index} is not below "
                    f"cluster.size {cluster.size}"
                )
        assert isinstance(index, int)
        shards = tuple(s for s in range(count) if s % cluster.size == index)
        topology = Topology(count, shards, index, cluster.size)
    else:
        topology = Topology(count, tuple(range(count)))
    if topology.partial and make_url(store_url).get_backend_name() == "sqlite":
        raise ConfigError(
            f"cluster: this process runs only {topology.describe()}, so the other shards' "
            "processes need the same store: set store.url to a shared PostgreSQL database "
            "(SQLite is one machine's file)"
        )
    return topology


def process_identity() -> str:
    """Who holds a claim: unique among live processes, readable in the delivery log."""
    return f"{socket.gethostname()}:{os.getpid()}"
