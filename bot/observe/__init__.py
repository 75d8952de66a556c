"""What an operator sees of a running bot: health, readiness, metrics and structured logs.

Nothing here imports discord: the Discord glue feeds shard events into a
:class:`~bot.observe.shards.ShardWatch` and counts interactions through
:class:`~bot.observe.metrics.Metrics`; this package only serves them.
"""
