"""An engine with the order skill (Place / Cancel under its summary), and the orders it placed.

The Slack and Discord tests press the summary's real buttons into the real order dialogue.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from conversation import Engine, EngineLimits
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill
from skills.order import OrderSkill
from skills.order.sink import OrderSink
from storage import Ledger
from storage.orders import OrderStore
from storage.tables import orders
from tests.fakes.engines import migrated_database

NO_RETRY = EngineLimits(retry_after_s=60)


def ordering_engine(database_url: str) -> Engine:
    database = migrated_database(database_url)
    order = OrderSkill(sink=OrderSink(OrderStore(database)))
    router = Router({"chat": ChatSkill("You are a test bot."), "order": order})
    return Engine(Ledger(database), FakeLLM(), router, NO_RETRY)


def placed_orders(database_url: str) -> list[dict[str, Any]]:
    database = sa.create_engine(database_url)
    with database.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(sa.select(orders))]
    database.dispose()
    return rows
