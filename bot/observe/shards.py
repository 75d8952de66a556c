"""Which gateway shards this process runs, and which of them are READY right now.

The Discord glue reports shard events here (connected, ready, resumed,
disconnected); readiness and the per-shard metrics read them back. A process
may run several shards (a slice of a cluster): it is ready only when every
one of them is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class ShardState(StrEnum):
    CONNECTING = "connecting"
    READY = "ready"
    DISCONNECTED = "disconnected"


class ShardWatch(Collector):
    """Shard states, fed by events; a Prometheus collector read at each scrape."""

    def __init__(self) -> None:
        self._states: dict[int, ShardState] = {}
        self._latencies: Callable[[], Mapping[int, float]] = dict

    def expect(self, shard_ids: Iterable[int]) -> None:
        """The shards this process runs, once the gateway has told how many there are."""
        for shard_id in shard_ids:
            self._states.setdefault(shard_id, ShardState.CONNECTING)

    def read_latencies_from(self, latencies: Callable[[], Mapping[int, float]]) -> None:
        self._latencies = latencies

    def set(self, shard_id: int, state: ShardState) -> None:
        self._states[shard_id] = state

    def states(self) -> dict[int, ShardState]:
        return dict(sorted(self._states.items()))

    def not_ready(self) -> list[str]:
        """Why this process is not fully connected, one phrase a shard; empty when it is."""
        if not self._states:
            return ["gateway: not connected yet"]
        return [
            f"shard {shard_id}: {state.value}"
            for shard_id, state in self.states().items()
            if state is not ShardState.READY
        ]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "dateline_gateway_shard_ready", "1 when the shard is READY, else 0", labels=["shard"]
        )
        state = GaugeMetricFamily(
            "dateline_gateway_shard_state",
            "The shard's gateway state (1 for the state it is in)",
            labels=["shard", "state"],
        )
        latency = GaugeMetricFamily(
            "dateline_gateway_latency_seconds",
            "Time between the shard's last heartbeat and its acknowledgement",
            labels=["shard"],
        )
        latencies = self._latencies()
        for shard_id, current in self.states().items():
            up.add_metric([str(shard_id)], 1.0 if current is ShardState.READY else 0.0)
            for candidate in ShardState:
                value = 1.0 if candidate is current else 0.0
                state.add_metric([str(shard_id), candidate.value], value)
            seconds = latencies.get(shard_id)
            if seconds is not None and math.isfinite(seconds):
                latency.add_metric([str(shard_id)], seconds)
        yield up
        yield state
        yield latency
