"""The conversation engine: inbox-first idempotency, per-scope serialisation, durable replies."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from conversation.batching import LedgerWriter
from conversation.context import ContextCache, ScopeContext, as_turns
from conversation.delivery import ReplySink
from conversation.errors import BackendUnavailable, BadInput
from conversation.llm.base import LLM, ChatMessage
from conversation.router import Router, UnknownCommand
from conversation.types import Message, Reply, Scope
from skills.base import SkillRequest
from storage import (
    Completion,
    Ledger,
    NewEvent,
    OutboxKey,
    ScopeStateRecord,
    SentReply,
    TranscriptRecord,
    UnsentReply,
    record_feedback,
)

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong while answering this message."


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """The engine's knobs (taken from Settings)."""

    history_tokens: int = 1500
    max_message_chars: int = 20_000
    retry_after_s: float = 30.0
    max_attempts: int = 5


class PendingMessage(NamedTuple):
    """An accepted message waiting for (another) attempt."""

    inbox_id: int
    message: Message
    attempts: int


class Outcome(NamedTuple):
    """What one attempt at a message produced; stored atomically, then delivered."""

    replies: Sequence[Reply]
    turns: Sequence[ChatMessage] = ()
    transcript: TranscriptRecord | None = None
    new_state: ScopeStateRecord | None = None
    retry_at: float | None = None
    failed: bool = False

    def completion_of(self, pending: PendingMessage) -> Completion:
        """The storage record of this outcome."""
        message = pending.message
        return Completion(
            pending.inbox_id,
            pending.attempts,
            message.platform,
            message.scope.key,
            message.user,
            [reply.to_record() for reply in self.replies],
            self.turns,
            self.transcript,
            self.new_state,
            self.retry_at,
            self.failed,
        )


@dataclass(frozen=True, slots=True)
class Submission:
    """The engine's answer to ``submit``: the event is durable (accepted) or was seen before."""

    accepted: bool
    inbox_id: int | None


class Engine:
    """Turns accepted messages into replies: one scope at a time, many scopes at once.

    ``submit`` returns only once the message is committed to the inbox, so an adapter may
    acknowledge the platform right after it. Processing and delivery happen in the
    background; the replies of one message are written in the same transaction that
    marks it done, and each is marked sent once its platform accepted it.
    """

    def __init__(self, ledger: Ledger, llm: LLM, router: Router, limits: EngineLimits) -> None:
        self.ledger = ledger
        self.llm = llm
        self.router = router
        self.limits = limits
        self._writer = LedgerWriter(ledger)
        self._contexts = ContextCache(ledger)
        self._sinks: dict[str, ReplySink] = {}
        self._scope_queues: dict[str, deque[PendingMessage]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._redeliveries: set[asyncio.Task[None]] = set()
        self._closing = False
        self._retries: set[asyncio.TimerHandle] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    # -- adapters' side ---------------------------------------------------------------

    def register_sink(self, platform: str, sink: ReplySink) -> None:
        """Route replies for ``platform`` to ``sink`` (register before ``start``)."""
        self._sinks[platform] = sink

    def check(self, message: Message) -> None:
        """Raise BadInput with a sentence for the user if ``message`` cannot be accepted."""
        if not message.event_id:
            raise BadInput("The message has no event id.")
        if not message.text.strip():
            raise BadInput("The message is empty.")
        if len(message.text) > self.limits.max_message_chars:
            raise BadInput(
                f"The message is {len(message.text):,} characters long; "
                f"the limit is {self.limits.max_message_chars:,}."
            )
        if "\x00" in message.text or not _is_encodable(message.text):
            raise BadInput("The message is not valid text.")

    async def submit(self, message: Message) -> Submission:
        """Check, then durably accept ``message``; processing continues in the background."""
        self.check(message)
        event = NewEvent(message.event_id, message.platform, message.scope.key, message.to_record())
        inbox_id = await self._writer.accept(event)
        if inbox_id is None:
            return Submission(False, None)
        self._dispatch(PendingMessage(inbox_id, message, 0))
        return Submission(True, inbox_id)

    async def record_feedback(self, platform: str, platform_ref: str, user_id: str, value: int) -> bool:
        """Store a user's vote (+1, -1; 0 takes it back) on the reply posted as ``platform_ref``.

        The latest vote of a user on a reply counts. Returns False, storing nothing, when no
        reply of ``platform`` was posted with that id.
        """
        return await asyncio.to_thread(
            record_feedback, self.ledger.engine, platform, platform_ref, user_id, value
        )

    async def history(self, scope: Scope, max_turns: int = 50) -> list[ChatMessage]:
        """The stored turns of ``scope``, oldest first."""
        snapshot = await asyncio.to_thread(self.ledger.load_scope, scope.key, max_turns)
        return as_turns(snapshot.turns)

    async def start(self) -> None:
        """Process messages left unfinished by a previous run and deliver the replies it left unsent.

        The unsent replies are read before any new work starts and delivered in the background,
        so a platform that connects after the engine started (Discord logs in later) still gets them.
        """
        for platform, sink in self._sinks.items():
            unsent = await asyncio.to_thread(self.ledger.unsent, platform)
            if unsent:
                redelivery = asyncio.create_task(self._redeliver(sink, unsent))
                self._redeliveries.add(redelivery)
                redelivery.add_done_callback(self._redeliveries.discard)
        for row in await asyncio.to_thread(self.ledger.pending, time.time()):
            self._dispatch(PendingMessage(row.inbox_id, Message.from_record(row.message), row.attempts))

    async def join(self) -> None:
        """Wait until every dispatched message is answered (scheduled retries excepted)."""
        await asyncio.gather(*self._redeliveries)
        await self._idle.wait()
        await self._writer.flush()

    async def _redeliver(self, sink: ReplySink, unsent: Sequence[UnsentReply]) -> None:
        for item in unsent:
            message, reply = Message.from_record(item.message), Reply.from_record(item.reply)
            await self._deliver(sink, message, [reply], item.key)

    async def aclose(self) -> None:
        """Finish the message each scope is working on and stop; what is queued stays pending.

        Messages accepted from now on are committed but not processed: the next start replays
        them, so a shutdown takes one model call per busy scope, not the whole backlog.
        """
        self._closing = True
        for handle in self._retries:
            handle.cancel()
        await self.join()
        await self._writer.aclose()

    # -- processing -------------------------------------------------------------------

    def _dispatch(self, pending: PendingMessage) -> None:
        if self._closing:
            return
        scope_key = pending.message.scope.key
        queue = self._scope_queues.get(scope_key)
        if queue is not None:
            queue.append(pending)
            return
        self._scope_queues[scope_key] = deque([pending])
        self._idle.clear()
        worker = asyncio.create_task(self._work_through(scope_key))
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)

    async def _work_through(self, scope_key: str) -> None:
        queue = self._scope_queues[scope_key]
        try:
            while queue and not self._closing:
                await self._process(queue[0])
                queue.popleft()
        finally:
            del self._scope_queues[scope_key]
            if not self._scope_queues:
                self._idle.set()

    async def _process(self, pending: PendingMessage) -> None:
        message = pending.message
        context = await self._contexts.get(message.scope.key)
        try:
            outcome = await self._answer(pending, context)
        except BackendUnavailable as error:
            outcome = self._defer(pending, error)
        except Exception:
            log.exception("answering inbox row %d failed", pending.inbox_id)
            outcome = Outcome([Reply(SORRY, notice=True)], failed=True)
        await self._writer.complete(outcome.completion_of(pending))
        context.record(outcome.turns, outcome.new_state)
        if outcome.retry_at is not None:
            self._schedule_retry(PendingMessage(pending.inbox_id, pending.message, pending.attempts + 1))
        sink = self._sinks.get(message.platform)
        if sink is not None:
            await self._deliver(
                sink, message, outcome.replies, OutboxKey(pending.inbox_id, pending.attempts, 0)
            )
            await sink.settled(message)

    async def _answer(self, pending: PendingMessage, context: ScopeContext) -> Outcome:
        message = pending.message
        started = time.perf_counter()
        try:
            route = await self.router.route(message, context.state.active_skill)
        except UnknownCommand as unknown:
            return Outcome([Reply(str(unknown), notice=True)])
        sink = self._sinks.get(message.platform)
        holding = context.state.active_skill == route.skill.name
        request = SkillRequest(
            message=message,
            text=route.text,
            history=context.history(self.llm.count_tokens, self.limits.history_tokens),
            state=dict(context.state.state) if holding else {},
            llm=self.llm,
            on_token=None if sink is None else partial(sink.stream, message),
        )
        response = await route.skill.handle(request)
        answer = "\n\n".join([reply.text for reply in response.replies])
        new_state = ScopeStateRecord(route.skill.name, response.state) if response.hold_dialogue else None
        if new_state is None and context.state.active_skill is not None:
            new_state = ScopeStateRecord(None, {})
        used = response.completion
        transcript = TranscriptRecord(
            skill=route.skill.name,
            intent=route.intent,
            model=used.model if used else "",
            prompt=response.prompt,
            output=answer,
            latency_ms=(time.perf_counter() - started) * 1000,
            prompt_tokens=used.prompt_tokens if used else 0,
            completion_tokens=used.completion_tokens if used else 0,
        )
        return Outcome(
            response.replies,
            turns=[ChatMessage("user", message.text), ChatMessage("assistant", answer)],
            transcript=transcript,
            new_state=new_state,
        )

    def _defer(self, pending: PendingMessage, error: BackendUnavailable) -> Outcome:
        attempts = pending.attempts + 1
        transcript = TranscriptRecord(
            skill="",
            intent="",
            model=self.llm.name,
            prompt="",
            output=str(error),
            latency_ms=0.0,
            outcome="backend_error",
        )
        if attempts >= self.limits.max_attempts:
            text = (
                f"Sorry, the language model is still unavailable ({error}); "
                f"I gave up on this message after {attempts} attempts."
            )
            return Outcome([Reply(text, notice=True)], transcript=transcript, failed=True)
        notice = Reply(
            f"The language model is unavailable right now ({error}). Your message is saved "
            "and will be answered as soon as it is back.",
            notice=True,
        )
        return Outcome(
            [] if pending.attempts else [notice],
            transcript=transcript,
            retry_at=time.time() + self.limits.retry_after_s,
        )

    def _schedule_retry(self, pending: PendingMessage) -> None:
        def fire() -> None:
            self._retries.discard(handle)
            self._dispatch(pending)

        handle = asyncio.get_running_loop().call_later(self.limits.retry_after_s, fire)
        self._retries.add(handle)

    async def _deliver(
        self, sink: ReplySink, message: Message, replies: Sequence[Reply], first: OutboxKey
    ) -> None:
        """Hand ``replies`` (outbox rows ``first``, ``first.seq + 1``, ...) to ``sink`` in order."""
        for n, reply in enumerate(replies):
            key = OutboxKey(first.inbox_id, first.attempt, first.seq + n)
            try:
                platform_ref = await sink.deliver(message, reply)
            except Exception as error:  # noqa: BLE001 - the reply stays in the outbox
                log.warning(
                    "delivery to %s failed (%s); reply %s kept in the outbox",
                    message.platform,
                    error,
                    key,
                )
                return
            self._writer.mark_sent(SentReply(key, platform_ref))


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from undecodable bytes
        return False
    return True
