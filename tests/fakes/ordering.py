"""An engine whose order skill offers Place / Cancel under its summary, and the orders it placed.

skills/order does not set ``Reply.choices`` yet (a one-line change there); ``OffersPlaceOrCancel``
adds them to the summary the way it would, so the Slack and Discord tests press real buttons into
the real order dialogue.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from conversation import Choice, Engine, EngineLimits
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill, SkillRequest, SkillResponse
from skills.order import OrderSkill
from skills.order.sink import OrderSink
from storage import Ledger
from storage.orders import OrderStore
from storage.tables import orders
from tests.fakes.engines import migrated_database

PLACE_OR_CANCEL = (Choice("Place order", "yes", "primary"), Choice("Cancel", "cancel", "danger"))
NO_RETRY = EngineLimits(retry_after_s=60)


class OffersPlaceOrCancel:
    """The order skill with Place / Cancel under its summary, as skills/order could offer them.

    (In skills/order that is one ``choices=`` on the summary's Reply; this wrapper stands in.)
    """

    def __init__(self, skill: OrderSkill) -> None:
        self._skill = skill
        self.name, self.description = skill.name, skill.description

    def __getattr__(self, name: str) -> Any:
        return getattr(self._skill, name)

    async def handle(self, request: SkillRequest) -> SkillResponse:
        response = await self._skill.handle(request)
        replies = [
            dataclasses.replace(reply, choices=PLACE_OR_CANCEL)
            if "Shall I place the order?" in reply.text
            else reply
            for reply in response.replies
        ]
        return dataclasses.replace(response, replies=replies)


def ordering_engine(database_url: str) -> Engine:
    database = migrated_database(database_url)
    order = OffersPlaceOrCancel(OrderSkill(sink=OrderSink(OrderStore(database))))
    router = Router({"chat": ChatSkill("You are a test bot."), "order": order})
    return Engine(Ledger(database), FakeLLM(), router, NO_RETRY)


def placed_orders(database_url: str) -> list[dict[str, Any]]:
    database = sa.create_engine(database_url)
    with database.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(sa.select(orders))]
    database.dispose()
    return rows
