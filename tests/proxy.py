"""The proxy in front of several bot processes, in miniature: each request to the next bot in
turn, skipping one that does not answer, as a load balancer's health check would."""

from __future__ import annotations

import json

import aiohttp
from aiohttp import web

from tests.conftest import free_port


class RoundRobin:
    def __init__(self, backends: list[str]) -> None:
        """`backends` are base URLs (`http://127.0.0.1:PORT`); `served` records who answered."""
        self.backends, self.turn = backends, 0
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.served: list[int] = []
        # Updates sent on to another bot after one failed them (died mid-update): only these
        # may have been handled twice.
        self.retried: list[dict] = []
        self.runner: web.AppRunner | None = None
        # One session for the proxy's life. A fresh connection per request: a failure is then
        # either "not listening" or "went away with the update", never a stale idle connection.
        self.session: aiohttp.ClientSession | None = None

    async def forward(self, request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k.startswith("X-Telegram")}
        body = await request.read()
        start, self.turn = self.turn, self.turn + 1
        for n in range(len(self.backends)):
            index = (start + n) % len(self.backends)
            try:
                async with self.session.request(
                    request.method, self.backends[index] + request.path, data=body, headers=headers
                ) as resp:
                    self.served.append(index)
                    return web.Response(status=resp.status, body=await resp.read())
            except aiohttp.ClientConnectorError:
                continue  # not listening: the update never reached it
            except aiohttp.ClientConnectionError:
                if body:  # sent, and the bot went away before answering
                    self.retried.append(json.loads(body))
        return web.Response(status=502)

    async def __aenter__(self) -> RoundRobin:
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        app = web.Application()
        app.router.add_post("/telegram", self.forward)
        app.router.add_get("/healthz", self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()
        await self.session.close()
