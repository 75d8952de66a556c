"""The operator's HTTP endpoint: /healthz, /readyz and /metrics, served beside the bot.

The App's endpoint (see :class:`bot.app.Endpoint`): the App starts it once the
store is open and closes it before the store. ``/healthz`` answers
as long as the event loop runs; ``/readyz`` asks the readiness check each time,
so a load balancer or Kubernetes stops routing to a process whose shards
dropped or whose store went away.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.errors import ConfigError
from bot.observe.address import parse_listen
from bot.observe.metrics import CONTENT_TYPE, Metrics
from bot.observe.ready import ReadyWhen

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

Readiness = Callable[[], Awaitable[list[str]]]  # reasons the process is not ready; [] if ready


class ObserveServer:
    def __init__(self, listen: str) -> None:
        self.host, self.port = parse_listen(listen)
        self._runner: web.AppRunner | None = None

    async def start(self, app: App) -> None:
        """Serve ``app``'s metrics, and its readiness: archive, store, this process's shards."""
        articles = lambda: len(app.archive.current.index.articles)  # noqa: E731
        await self.serve(app.metrics, ReadyWhen(articles, app.store, app.metrics.shards))

    async def serve(self, metrics: Metrics, readiness: Readiness) -> None:
        self.metrics = metrics
        self.readiness = readiness
        app = web.Application()
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/readyz", self._ready)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.close()
            raise ConfigError(
                f"observe.listen: cannot listen on {self.host}:{self.port}: {error.strerror}"
            ) from None
        self.port = self._runner.addresses[0][1]  # the real port when 0 asked for any
        log.info("Health and metrics on http://%s:%d/metrics", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def _ready(self, _request: web.Request) -> web.Response:
        reasons = await self.readiness()
        if reasons:
            return web.json_response({"status": "not ready", "reasons": reasons}, status=503)
        return web.json_response({"status": "ready"})

    async def _metrics(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.exposition())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response
