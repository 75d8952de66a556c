"""The cluster slice: which shards a process runs, which guilds it owns, what it refuses."""

from __future__ import annotations

import pytest

from bot.cluster.topology import Topology, resolve, shard_of
from bot.config import load_settings
from bot.errors import ConfigError

POSTGRES = "postgresql+asyncpg://dateline@db/dateline"
SQLITE = "sqlite+aiosqlite:///data/dateline.sqlite3"


def cluster(**env: str):
    environ = {f"DATELINE_CLUSTER__{key.upper()}": value for key, value in env.items()}
    return load_settings(None, environ=environ).cluster


@pytest.mark.parametrize(
    ("env", "hostname", "slice_", "line"),
    [
        ({}, None, None, "all shards (Discord's recommended count), one process"),
        ({"shard_count": "4"}, None, (0, 1, 2, 3), "shards 0,1,2,3 of 4 (process 0 of 1)"),
        (
            {"shard_count": "4", "shard_ids": "[3, 1]"},
            None,
            (1, 3),
            "shards 1,3 of 4 (process 0 of 1)",
        ),
        (
            {"shard_count": "4", "index": "1", "size": "2"},
            None,
            (1, 3),
            "shards 1,3 of 4 (process 1 of 2)",
        ),
        (
            {"shard_count": "5", "index": "hostname", "size": "3"},
            "dateline-2",
            (2,),
            "shards 2 of 5 (process 2 of 3)",
        ),
    ],
)
def test_each_way_of_naming_a_slice(env, hostname, slice_, line):
    topology = resolve(cluster(**env), POSTGRES, hostname)
    assert topology.shard_ids == slice_
    assert topology.describe() == line


def test_every_shard_runs_in_exactly_one_process_of_a_cluster():
    slices = [
        resolve(cluster(shard_count="16", index=str(i), size="3"), POSTGRES) for i in range(3)
    ]
    shards = sorted(s for t in slices for s in t.shard_ids)
    assert shards == list(range(16))
    assert sum(t.share for t in slices) == pytest.approx(1.0)


@pytest.mark.parametrize("guild_id", [0, 1 << 22, 3 << 22, 81384788765712384, 1 << 62])
def test_a_guild_is_owned_by_the_process_running_its_shard_only(guild_id):
    processes = [Topology(4, (0, 2), 0, 2), Topology(4, (1, 3), 1, 2)]
    owners = [p for p in processes if p.owns(guild_id)]
    assert owners == [processes[shard_of(guild_id, 4) % 2]]
    assert shard_of(guild_id, 4) == (guild_id >> 22) % 4
    assert Topology().owns(guild_id)


@pytest.mark.parametrize(
    ("env", "store", "hostname", "message"),
    [
        (
            {"shard_count": "4", "shard_ids": "[0]"},
            SQLITE,
            None,
            "cluster: this process runs only shards 0 of 4",
        ),
        (
            {"shard_count": "4", "index": "hostname", "size": "2"},
            POSTGRES,
            "worker",
            "cluster.index: the host name 'worker' ends in no ordinal",
        ),
        (
            {"shard_count": "4", "index": "hostname", "size": "2"},
            POSTGRES,
            "dateline-2",
            "cluster.index: the host name's ordinal 2 is not below cluster.size 2",
        ),
    ],
)
def test_a_slice_that_cannot_run_stops_with_one_line(env, store, hostname, message):
    with pytest.raises(ConfigError) as caught:
        resolve(cluster(**env), store, hostname)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_one_process_running_every_shard_may_use_sqlite():
    assert not resolve(cluster(shard_count="2"), SQLITE).partial
