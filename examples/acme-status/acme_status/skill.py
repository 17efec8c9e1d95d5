"""``/status <order id>``, and free text such as "where is my order 123?", answered from ACME's API."""

from __future__ import annotations

import re

import httpx
from pydantic import BaseModel, HttpUrl

from chatwright import Reply, SkillContext, SkillError, SkillRequest, SkillResponse, tool

_ORDER_ID = re.compile(r"\b(\d{1,12})\b")
_QUESTION = re.compile(
    r"\b(where(?:'s| is)|status of|has|did|when will)\b.*\border\s*#?\s*\d+", re.IGNORECASE | re.DOTALL
)
LAST_ORDER = "last_order"


class StatusConfig(BaseModel):
    """``[skills.status]`` in chatwright.toml (or ``CHATWRIGHT_SKILLS__STATUS__API_URL``)."""

    api_url: HttpUrl = HttpUrl("http://127.0.0.1:8080")
    retry_after_s: float = 60.0
    """How long to wait before asking a failing API again."""
    chat_tool: bool = False
    """Also offer ``order_status`` as a tool the chat model may call ("what's the status of 123?")."""


class StatusArguments(BaseModel):
    """``/status [order_id]``: Discord offers it as a number."""

    order_id: int | None = None


class StatusSkill:
    """Looks an order up; remembers each person's last order, so a bare ``/status`` asks again."""

    name = "status"
    description = "Tells where an ACME order is: its status and when it last changed."
    summary = "Look up an ACME order's status"
    usage = "<order id>"
    arguments = StatusArguments
    examples = ("where is my order 123?", "has order 77 shipped yet?", "status of order 5")

    def __init__(self, context: SkillContext) -> None:
        self.config = context.config(StatusConfig)
        self.http = context.http
        self.storage = context.storage
        describe = "Looks up an ACME order by its number: its status and when it last changed."
        self.tools = (tool(self.order_status, describe),) if self.config.chat_tool else ()

    def recognises(self, text: str) -> bool:
        """A question about a numbered order ("where is my order 123?")."""
        return _QUESTION.search(text) is not None

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """The order's status, or one sentence saying why there is none."""
        who = (request.message.platform, request.message.user)
        found = _ORDER_ID.search(request.text)
        order_id = found.group(1) if found else await self.storage.get(*who, LAST_ORDER)
        if order_id is None:
            return self._say("Which order? Say /status followed by its number, e.g. /status 123.")
        await self.storage.put(*who, LAST_ORDER, order_id)
        return self._say(await self.order_status(order_id))

    async def order_status(self, order_id: str) -> str:
        """One sentence: the order's status, or that there is no such order."""
        url = f"{str(self.config.api_url).rstrip('/')}/orders/{order_id}"
        try:
            response = await self.http.get(url)
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code >= 500:
            busy = "ACME's order system is not answering right now; I'll look again shortly."
            raise SkillError(busy, retry_after_s=self.config.retry_after_s)
        if response.status_code == 404:
            return f"I can't find order {order_id}. Is the number right?"
        order = response.json()
        return f"Order {order_id}: {order['status']} (updated {order['updated']})."

    def _say(self, text: str) -> SkillResponse:
        return SkillResponse([Reply(text, skill=self.name)])
