"""A fake of ACME's order API on 127.0.0.1 (an ephemeral port), for tests of the skill and of its bots."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FakeOrderApi:
    """``GET /orders/{id}``: the order as JSON, 404 for an unknown one, 503 while ``down``."""

    orders: dict[str, dict[str, str]] = field(default_factory=dict)
    down: bool = False
    requests: list[str] = field(default_factory=list)
    url: str = ""

    async def order(self, request: web.Request) -> web.Response:
        """One order, as ACME's API answers."""
        order_id = request.match_info["order_id"]
        self.requests.append(order_id)
        if self.down:
            return web.json_response({"error": "maintenance"}, status=503)
        if order_id not in self.orders:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response({"id": order_id, **self.orders[order_id]})


@asynccontextmanager
async def running_order_api(orders: Mapping[str, dict[str, str]]) -> AsyncIterator[FakeOrderApi]:
    """The fake API serving ``orders`` until the block ends; its address is ``api.url``."""
    api = FakeOrderApi(dict(orders))
    app = web.Application()
    app.router.add_get("/orders/{order_id}", api.order)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    api.url = f"http://127.0.0.1:{port}"
    try:
        yield api
    finally:
        await runner.cleanup()
