"""Simulated customers talking to a real engine: each goal in several phrasings, each in its own scope.

Conversations run concurrently in small batches on one scratch engine (see ``eval_harness``);
results keep the order of goals and phrasings whatever finishes first.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conversation.engine import Engine
from conversation.eval_harness import PLATFORM, ReplyCollector, scratch_engine
from conversation.llm.base import LLM
from conversation.order_simulation.check import judge, minimum_turns
from conversation.order_simulation.customer import Customer, Style, Utterance, phrasing_styles
from conversation.order_simulation.goals import Goal, draw_goals
from conversation.order_simulation.phrasebook import load_phrasebook
from conversation.order_simulation.report import SimulationReport
from conversation.order_simulation.results import ConversationRun, Turn
from conversation.settings import Settings
from conversation.types import Message, Reply, Scope
from skills.order import Menu, load_menu
from storage.orders import OrderStore

PHRASINGS = 3
"""Each goal is tried in this many phrasings (pass^3 counts a goal when all of them succeed)."""
TURN_CAP = 25
ORDER_SKILL = "order"
"""The skill whose reply data is a confirmed order."""
BATCH = 4
TURN_TIMEOUT_S = 600.0
"""A turn with no settled answer after this long gets no reply (silence is a failure)."""


async def simulate_orders(
    llm: LLM,
    settings: Settings,
    goals: int,
    seed: int,
    *,
    menu_path: Path | None = None,
    on_result: Callable[[ConversationRun], None] | None = None,
) -> SimulationReport:
    """Draw ``goals`` goals from the menu and run each in ``PHRASINGS`` phrasings on a scratch engine."""
    menu_path = menu_path or settings.order_menu
    menu = load_menu(menu_path)
    book = load_phrasebook()
    drawn = draw_goals(menu, goals, seed, book.addresses, sorted(book.digressions))
    plans = [(goal, number, style) for goal in drawn for number, style in enumerate(_styles(seed, goal))]
    report = SimulationReport(llm.name, menu.name, seed, PHRASINGS)
    async with scratch_engine(settings, llm, order_menu=menu_path) as (engine, collector):
        counter = _Counter(engine, collector, OrderStore(engine.ledger.engine), menu, seed)
        for start in range(0, len(plans), BATCH):
            runs = await asyncio.gather(*(counter.converse(*plan) for plan in plans[start : start + BATCH]))
            for run in runs:
                report.runs.append(run)
                if on_result is not None:
                    on_result(run)
    return report


def _styles(seed: int, goal: Goal) -> list[Style]:
    return phrasing_styles(random.Random(f"order-styles-{seed}-{goal.number}"), PHRASINGS)


@dataclass(frozen=True, slots=True)
class _Counter:
    """Where the customers talk: the engine, its replies, its orders table, the menu and the seed."""

    engine: Engine
    collector: ReplyCollector
    store: OrderStore
    menu: Menu
    seed: int

    async def converse(self, goal: Goal, phrasing: int, style: Style) -> ConversationRun:
        """Talk until an order is placed, the customer has nothing to say, or the turn cap."""
        name = f"order-{goal.number}-{phrasing}"
        rng = random.Random(f"order-words-{self.seed}-{goal.number}-{phrasing}")
        customer = Customer(goal, self.menu, style, rng)
        turns: list[Turn] = []
        utterance: Utterance | None = customer.opening()
        while utterance is not None and len(turns) < TURN_CAP:
            message = Message(PLATFORM, name, utterance.text, f"{name}-{len(turns)}", channel=name)
            await self.engine.submit(message)
            replies = await self.collector.wait_settled(message.event_id, TURN_TIMEOUT_S)
            turns.append(_turn(utterance, replies))
            placed = any(reply.skill == ORDER_SKILL and reply.data for reply in replies)
            utterance = None if placed else customer.answer(turns[-1].text)
        scope = Scope(PLATFORM, "", name, "", name)
        orders = tuple(stored.order for stored in await asyncio.to_thread(self.store.of_scope, scope.key))
        failures = judge(self.menu, goal, orders, hit_turn_cap=utterance is not None)
        return ConversationRun(
            goal, phrasing, style, tuple(turns), orders, tuple(failures), minimum_turns(goal)
        )


def _turn(utterance: Utterance, replies: list[Reply]) -> Turn:
    return Turn(
        utterance.text,
        utterance.purpose,
        tuple(reply.text for reply in replies),
        tuple(reply.skill for reply in replies),
    )
