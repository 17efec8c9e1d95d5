"""``chatwright eval conversations``: multi-turn scripts through a real engine, checked by code.

Each conversation runs in a scope of its own on one engine over a throw-away database (see
``eval_harness``); its turns are sent in order, each after the previous one's replies settled.
The checks (``conversation_cases``) look at one turn's text and skill, or at the orders stored
for the conversation. The result per category (the id up to its first '-') is the
share of checks passed and the share of conversations with every check passed; it is recorded
in ``eval_runs`` (kind "conversations", subject the model name).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from conversation.conversation_cases import Check, Conversation, TurnRecord
from conversation.engine import Engine
from conversation.eval_harness import PLATFORM, ReplyCollector, record_eval_run, scratch_engine, share
from conversation.llm.base import LLM
from conversation.settings import Settings
from conversation.types import Message
from storage.orders import OrderStore

KIND = "conversations"
TURN_TIMEOUT_S = 600.0
"""A turn with no settled answer after this long counts as unanswered (silence is a failure)."""
EXCERPT_CHARS = 300
"""How much of a reply a failure line shows."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A check that did not hold, with what the bot said (or stored)."""

    conversation: str
    turn: int | None
    check: str
    found: str

    def line(self) -> str:
        """One line for the report."""
        where = "orders" if self.turn is None else f"turn {self.turn}"
        return f"FAILED {self.conversation} {where} {self.check}: {self.found}"


@dataclass(frozen=True, slots=True)
class ConversationResult:
    """One conversation's outcome."""

    conversation: Conversation
    turns: list[TurnRecord]
    order_totals: list[Decimal]
    checks: int
    failures: list[Failure]
    seconds: float

    @property
    def passed(self) -> bool:
        """Whether every check held."""
        return not self.failures


@dataclass(frozen=True, slots=True)
class CategoryScore:
    """The row of one category (or of the total) in the table."""

    category: str
    checks: int
    checks_passed: int
    conversations: int
    conversations_passed: int

    @property
    def check_share(self) -> float:
        """Checks passed over checks."""
        return share(self.checks_passed, self.checks)

    @property
    def conversation_share(self) -> float:
        """Conversations with every check passed over conversations."""
        return share(self.conversations_passed, self.conversations)


@dataclass(slots=True)
class ConversationReport:
    """Every conversation's result for one model."""

    model: str
    results: list[ConversationResult] = field(default_factory=list)

    def scores(self) -> list[CategoryScore]:
        """One row per category, in the order the conversations name them, then the total."""
        categories = dict.fromkeys(result.conversation.category for result in self.results)
        rows = [
            _score(category, [r for r in self.results if r.conversation.category == category])
            for category in categories
        ]
        return [*rows, _score("total", self.results)]

    def table(self) -> str:
        """The scores as a Markdown table, then every failed check."""
        lines = [
            f"model: {self.model}",
            "| category | checks passed | conversations passed |",
            "|---|---|---|",
        ]
        lines += [
            f"| {row.category} | {row.check_share:.0%} ({row.checks_passed}/{row.checks}) "
            f"| {row.conversation_share:.0%} ({row.conversations_passed}/{row.conversations}) |"
            for row in self.scores()
        ]
        lines += [failure.line() for result in self.results for failure in result.failures]
        return "\n".join(lines)


async def evaluate_conversations(
    llm: LLM,
    settings: Settings,
    conversations: Sequence[Conversation],
    on_result: Callable[[ConversationResult], None] | None = None,
) -> ConversationReport:
    """Run ``conversations`` on one engine with ``llm``, configured by ``settings``, on a scratch database."""
    report = ConversationReport(llm.name)
    async with scratch_engine(settings, llm) as (engine, collector):
        store = OrderStore(engine.ledger.engine)
        for number, conversation in enumerate(conversations):
            result = await _run_conversation(engine, collector, store, number, conversation)
            report.results.append(result)
            if on_result is not None:
                on_result(result)
    return report


def record_report(database: sa.Engine, report: ConversationReport) -> None:
    """Store the scores as one ``eval_runs`` row (kind "conversations", subject the model)."""
    metrics = {
        row.category: {
            "checks": row.checks,
            "checks_passed": row.checks_passed,
            "check_share": row.check_share,
            "conversations": row.conversations,
            "conversations_passed": row.conversations_passed,
            "conversation_share": row.conversation_share,
        }
        for row in report.scores()
    }
    record_eval_run(database, KIND, report.model, metrics)


async def _run_conversation(
    engine: Engine, collector: ReplyCollector, store: OrderStore, number: int, conversation: Conversation
) -> ConversationResult:
    """Send the turns in order in a scope of its own, each once the previous one settled; then check."""
    started = time.perf_counter()
    name = f"conversation-{number}"
    messages = [
        Message(PLATFORM, name, text, f"{name}-{index}", channel=name)
        for index, text in enumerate(conversation.turns)
    ]
    turns: list[TurnRecord] = []
    for message in messages:
        await engine.submit(message)
        turns.append(TurnRecord.of(await collector.wait_settled(message.event_id, TURN_TIMEOUT_S)))
    stored = await _stored_totals(store, messages[0].scope.key)
    checks, failures = _judge(conversation, turns, stored)
    return ConversationResult(conversation, turns, stored, checks, failures, time.perf_counter() - started)


async def _stored_totals(store: OrderStore, scope_key: str) -> list[Decimal]:
    return [order.total for order in await asyncio.to_thread(store.of_scope, scope_key)]


def _judge(
    conversation: Conversation, turns: Sequence[TurnRecord], totals: Sequence[Decimal]
) -> tuple[int, list[Failure]]:
    """How many checks there were, and the failed ones.

    A double placement in a conversation with no order check counts as one more failed check.
    """
    failures = [
        _failure(conversation.id, check, turns, totals)
        for check in conversation.checks
        if not (
            check.holds_for_orders(totals) if check.turn is None else check.holds_for_turn(turns[check.turn])
        )
    ]
    checks = len(conversation.checks)
    if len(totals) > 1 and not conversation.checks_orders:
        failures.append(Failure(conversation.id, None, "at most one order", _orders_found(totals)))
        checks += 1
    return checks, failures


def _failure(
    conversation: str, check: Check, turns: Sequence[TurnRecord], totals: Sequence[Decimal]
) -> Failure:
    if check.turn is None:
        return Failure(conversation, None, check.describe(), _orders_found(totals))
    turn = turns[check.turn]
    if not turn.replied:
        return Failure(conversation, check.turn, check.describe(), "no reply")
    excerpt = turn.text if len(turn.text) <= EXCERPT_CHARS else turn.text[: EXCERPT_CHARS - 1] + "…"
    found = f"skill {turn.skill or '-'}, text {json.dumps(excerpt, ensure_ascii=False)}"
    return Failure(conversation, check.turn, check.describe(), found)


def _orders_found(totals: Sequence[Decimal]) -> str:
    if not totals:
        return "no order stored"
    listed = ", ".join(f"{total:.2f}" for total in totals)
    return (
        f"{len(totals)} orders stored (double placement): {listed}" if len(totals) > 1 else f"stored {listed}"
    )


def _score(category: str, results: Sequence[ConversationResult]) -> CategoryScore:
    checks = sum(result.checks for result in results)
    failed = sum(len(result.failures) for result in results)
    passed = sum(result.passed for result in results)
    return CategoryScore(category, checks, checks - failed, len(results), passed)
