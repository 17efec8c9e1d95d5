"""The order sink: every confirmed order is stored, then POSTed to the webhook until it is accepted.

With no webhook configured the ``orders`` table is the sink. Delivery runs in the background
(the customer's answer never waits for the webhook) and retries with exponential backoff; the
receiver gets an ``Idempotency-Key`` header (the confirming event id) to drop a repeat.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from conversation.types import Message
from storage.orders import OrderStore, StoredOrder

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """Where confirmed orders are posted and how failures are retried."""

    url: str
    first_retry_s: float = 1.0
    max_retry_s: float = 300.0
    timeout_s: float = 10.0


class OrderSink:
    """Stores confirmed orders (once per event) and delivers them to the webhook, if any."""

    def __init__(self, store: OrderStore, webhook: WebhookPolicy | None = None) -> None:
        self.store = store
        self.webhook = webhook
        self._delivery: asyncio.Task[None] | None = None

    async def place(self, message: Message, order: dict[str, Any]) -> int:
        """Store the order ``message`` confirmed (a replay stores nothing new) and start delivery."""
        order_id = await asyncio.to_thread(
            self.store.add, message.event_id, message.platform, message.scope.key, message.user, order
        )
        self._start_delivery()
        return order_id

    def resume(self) -> None:
        """Deliver what an earlier run left undelivered (unless a delivery is under way already)."""
        self._start_delivery()

    async def drain(self) -> None:
        """Wait until every stored order is delivered (returns at once without a webhook)."""
        while self._delivery is not None and not self._delivery.done():
            await asyncio.shield(self._delivery)

    async def aclose(self) -> None:
        """Stop delivering; undelivered orders stay in the table for the next run."""
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)

    def _start_delivery(self) -> None:
        if self.webhook is None or (self._delivery is not None and not self._delivery.done()):
            return
        self._delivery = asyncio.create_task(self._deliver_all(self.webhook))

    async def _deliver_all(self, webhook: WebhookPolicy) -> None:
        wait_s = webhook.first_retry_s
        async with httpx.AsyncClient(timeout=webhook.timeout_s) as client:
            while pending := await asyncio.to_thread(self.store.undelivered):
                accepted = [await self._post(client, webhook, order) for order in pending]
                if all(accepted):
                    wait_s = webhook.first_retry_s
                    continue
                await asyncio.sleep(wait_s)
                wait_s = min(wait_s * 2, webhook.max_retry_s)

    async def _post(self, client: httpx.AsyncClient, webhook: WebhookPolicy, order: StoredOrder) -> bool:
        try:
            response = await client.post(
                webhook.url, json=order.payload(), headers={"Idempotency-Key": order.event_id}
            )
            accepted = response.is_success
            problem = f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            accepted, problem = False, type(error).__name__
        await asyncio.to_thread(self.store.record_attempt, order.id, accepted)
        if not accepted:
            # The host only: a webhook URL often carries a token in its path or query.
            host = urlsplit(webhook.url).hostname
            log.warning(
                "order %d not accepted by the webhook at %s (%s); will retry", order.id, host, problem
            )
        return accepted
