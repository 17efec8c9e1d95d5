"""Confirmed orders: stored once per confirming message and POSTed to the webhook until accepted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa
from aiohttp import web

from conversation import Engine, Message, load_settings
from conversation.assembly import build_engine
from skills.order import OrderSink, OrderSkill, WebhookPolicy
from storage.orders import OrderStore
from storage.tables import orders
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import migrated_database

ORDER = {"items": [], "fulfilment": {"type": "pickup"}, "total": 12.95, "currency": "USD"}


class Webhook:
    """An order receiver on 127.0.0.1 that answers each POST with the next status of ``statuses``."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, Any], str]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get("Idempotency-Key", "")))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.json_response({"ok": status < 300}, status=status)

    async def __aenter__(self) -> Webhook:
        app = web.Application()
        app.router.add_post("/orders", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/orders"
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
def store(tmp_path: Path) -> OrderStore:
    database = migrated_database(f"sqlite:///{tmp_path / 'orders.db'}")
    return OrderStore(database)


def confirming(event_id: str = "yes-1") -> Message:
    return Message(platform="test", user="ann", text="yes", event_id=event_id, channel="c1")


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    async with Webhook([500, 503]) as server:
        yield server


async def test_a_refused_order_is_retried_with_backoff_until_the_webhook_accepts_it(
    store: OrderStore, webhook: Webhook
) -> None:
    sink = OrderSink(store, WebhookPolicy(webhook.url, first_retry_s=0.02))
    order_id = await sink.place(confirming(), ORDER)
    await sink.drain()

    assert len(webhook.received) == 3, "two refusals, then accepted"
    body, key = webhook.received[-1]
    assert (body["id"], body["event_id"], body["user"], body["order"]) == (order_id, "yes-1", "ann", ORDER)
    assert key == "yes-1"
    assert store.undelivered() == []
    stored = store.get("yes-1")
    assert stored is not None and stored.delivered_at is not None
    assert stored.delivery_attempts == 3


async def test_a_replayed_confirmation_stores_no_second_order(store: OrderStore) -> None:
    sink = OrderSink(store)
    first = await sink.place(confirming(), ORDER)
    again = await sink.place(confirming(), ORDER)
    other = await sink.place(confirming("yes-2"), ORDER)

    assert first == again != other
    with store.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 2


async def test_without_a_webhook_the_table_is_the_sink(store: OrderStore) -> None:
    sink = OrderSink(store)
    await sink.place(confirming(), ORDER)
    await sink.drain()

    (stored,) = store.undelivered()
    assert stored.total == Decimal("12.95") and stored.delivery_attempts == 0


async def test_orders_left_undelivered_by_an_earlier_run_are_sent_on_resume(store: OrderStore) -> None:
    await OrderSink(store).place(confirming(), ORDER)
    async with Webhook([]) as later:
        sink = OrderSink(store, WebhookPolicy(later.url, first_retry_s=0.02))
        sink.resume()
        await sink.drain()

    assert [body["event_id"] for body, _ in later.received] == ["yes-1"]
    assert store.undelivered() == []


async def test_an_order_confirmed_through_the_engine_is_stored_and_posted(
    tmp_path: Path, webhook: Webhook
) -> None:
    settings = load_settings(
        model="fake",
        data_dir=tmp_path,
        intent_classifier=False,
        order_webhook_url=webhook.url,
        order_webhook_retry_s=0.02,
    )
    engine: Engine = build_engine(settings)
    collected = CollectingSink()
    engine.register_sink("test", collected)
    await engine.start()
    lines = ["/order a large pepperoni pizza", "no toppings", "pickup", "that's all", "yes"]
    for n, text in enumerate(lines):
        await engine.submit(Message(platform="test", user="ann", text=text, event_id=f"e{n}", channel="c1"))
    await engine.join()
    order_sink = cast(OrderSkill, engine.router.skills["order"]).sink
    assert order_sink is not None
    await order_sink.drain()
    await engine.aclose()

    confirmed = collected.replies[-1][1]
    assert confirmed.data is not None and confirmed.data["total"] == 12.95
    bodies = [body for body, _ in webhook.received]
    assert [b["event_id"] for b in bodies] == ["e4", "e4", "e4"]
    assert json.loads(json.dumps(bodies[-1]["order"])) == confirmed.data
    with engine.ledger.engine.connect() as db:
        row = db.execute(sa.select(orders)).one()
    assert (row.event_id, row.user_id, row.delivered_at is not None) == ("e4", "ann", True)


async def test_the_engine_delivers_an_earlier_runs_orders_at_start(tmp_path: Path, webhook: Webhook) -> None:
    settings = load_settings(
        model="fake", data_dir=tmp_path, order_webhook_url=webhook.url, order_webhook_retry_s=0.02
    )
    engine: Engine = build_engine(settings)
    order_sink = cast(OrderSkill, engine.router.skills["order"]).sink
    assert order_sink is not None
    await OrderSink(order_sink.store).place(confirming(), ORDER)  # confirmed, then the process stopped

    await engine.start()  # no message needed
    await order_sink.drain()
    await engine.aclose()

    assert [body["event_id"] for body, _ in webhook.received] == ["yes-1"] * 3, "a 500, a 503, then accepted"
    assert order_sink.store.undelivered() == []
