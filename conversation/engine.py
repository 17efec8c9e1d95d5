"""The conversation engine: inbox-first idempotency, per-scope serialisation, durable replies."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from conversation.answering import TurnAnswerer
from conversation.batching import LedgerWriter
from conversation.context import MAX_TURNS_KEPT, ContextCache, as_turns
from conversation.delivery import ReplySink
from conversation.errors import BackendUnavailable, BadInput
from conversation.limits import Admission
from conversation.llm.base import LLM, ChatMessage
from conversation.outcome import PendingMessage, deferral, failure
from conversation.router import Router
from conversation.types import Message, Reply, Scope
from skills.base import Warms
from storage import (
    Ledger,
    NewEvent,
    OutboxKey,
    ScopeLeases,
    SentReply,
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
    lease_s: float = 10.0
    """How long a scope stays with a process that stopped renewing its lease (it died)."""
    poll_s: float = 0.25
    """How often to look for work: retries that are due, messages another process accepted for
    a scope held here, scopes left by a dead process."""


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

    Several engines (processes) may share one database: a scope is worked on by the one
    holding its lease (``storage.leases``), which also takes the scope's messages accepted by
    the others; a dead process's scopes, messages and unsent replies go to another after its
    leases expire.
    """

    def __init__(
        self,
        ledger: Ledger,
        llm: LLM,
        router: Router,
        limits: EngineLimits,
        contexts: ContextCache | None = None,
        *,
        admission: Admission | None = None,
    ) -> None:
        self.ledger = ledger
        self.admission = admission
        """Per-user limits checked before a message is accepted (None: unlimited)."""
        self.llm = llm
        self.limits = limits
        self.leases = ScopeLeases(ledger.engine, limits.lease_s, ledger.holder)
        self._answerer = TurnAnswerer(router, llm, limits.history_tokens, limits.max_attempts)
        self._writer = LedgerWriter(ledger, self.leases, MAX_TURNS_KEPT)
        self._contexts = contexts or ContextCache(ledger)
        self._sinks: dict[str, ReplySink] = {}
        self._scope_queues: dict[str, deque[PendingMessage]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._held: dict[str, float] = {}
        """Scopes whose lease we hold -> when (monotonic) work on them last ended."""
        self._elsewhere: dict[str, float] = {}
        """Scopes another process holds -> when (wall clock) its lease ends, unless renewed."""
        self._known: set[int] = set()
        """Inbox ids queued here, or finished since the last sweep began: not to dispatch again."""
        self._finished: list[int] = []
        self._retrying: set[int] = set()
        """Inbox ids whose last attempt here scheduled another (``join(retries=True)`` waits for them)."""
        self._maintenance: asyncio.Task[None] | None = None
        self._closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    # -- adapters' side ---------------------------------------------------------------

    @property
    def router(self) -> Router:
        """The router answering turns; replacing it (a test, a reload) takes effect at the next turn."""
        return self._answerer.router

    @router.setter
    def router(self, router: Router) -> None:
        self._answerer.router = router

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
        admission = self.admission
        counted = admission is not None and admission.admit(message)
        event = NewEvent(message.event_id, message.platform, message.scope.key, message.to_record())
        inbox_id = None
        try:
            inbox_id = await self._writer.accept(event, alone=not self._scope_queues)
            if inbox_id is not None:
                self._dispatch(PendingMessage(inbox_id, message, 0))
        finally:
            if admission is not None and counted and inbox_id not in self._known:
                admission.settle(message)  # a duplicate, not committed, or another process's scope
        if inbox_id is None:
            return Submission(False, None)
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
        """Take over what previous runs left: unfinished messages and unsent replies.

        The skills' background work starts first (e.g. orders an earlier run left undelivered).
        Scopes of processes on this machine that died are taken at once, those of others once
        their leases expire; the same sweep then runs every ``poll_s`` seconds.
        """
        await asyncio.to_thread(self.leases.release_dead_holders)
        await self.router.start()
        await self._sweep()
        self._maintenance = asyncio.create_task(self._maintain())

    async def prepare(self) -> None:
        """Get ready for load before it comes (a long-running bot's start; tests need not).

        Call it before ``start`` and before the adapters take messages: it also loads the LLM and
        the shared models of the classifier and of the skills that warm (``skills.base.Warms``),
        the latter one after another in a worker thread. Loaded lazily instead, a burst of first
        messages loads them in several threads at once, and lingua's models, loading, hold the GIL
        (the event loop with it) for seconds. A model that fails to load here is reported and
        tried again at first use.
        """
        await asyncio.to_thread(self.ledger.prepare)
        await asyncio.gather(self._load_llm(), asyncio.to_thread(self._warm))

    async def _load_llm(self) -> None:
        try:
            await self.llm.load()
        except BackendUnavailable as error:
            log.error("the model could not be loaded: %s", error)

    def _warm(self) -> None:
        router = self.router
        for part in [router.classifier, *router.skills.values()]:
            if not isinstance(part, Warms):
                continue
            name = getattr(part, "name", type(part).__name__)
            started = time.perf_counter()
            try:
                part.warm()
            except Exception:
                log.exception("warming %s failed; it loads at its first message instead", name)
                continue
            log.info("warmed %s in %.2f s", name, time.perf_counter() - started)

    async def join(self, *, retries: bool = False) -> None:
        """Wait until every dispatched message is answered.

        With ``retries``, also wait for the messages this engine scheduled to try again (after a
        failed model call or an unexpected error) until they are answered or given up; the sweep
        dispatches them when due, so the engine must be started.
        """
        await self._idle.wait()
        while retries and self._retrying and self._maintenance is not None and not self._closing:
            await asyncio.sleep(self.limits.poll_s)
            await self._idle.wait()
        await self._writer.flush()

    async def aclose(self) -> None:
        """Finish the message each scope is working on and stop; what is queued stays pending.

        Messages accepted from now on are committed but not processed. Every lease is given
        up, so the next start, or another process, takes the rest at once.
        """
        self._closing = True
        if self._maintenance is not None:
            self._maintenance.cancel()
            await asyncio.gather(self._maintenance, return_exceptions=True)
        await self.join()
        await self.router.aclose()
        await self._writer.aclose()
        self._held.clear()
        await asyncio.to_thread(self.leases.release_all)

    # -- finding work -----------------------------------------------------------------

    async def _maintain(self) -> None:
        """Sweep every ``poll_s``; every third of a lease, sweep everything and renew our leases.

        See ``ScopeLeases.backlog`` for what a quick sweep leaves out, ``_renew`` for idle scopes.
        """
        renew_every = self.limits.lease_s / 3
        renew_at = time.monotonic() + renew_every
        while True:
            await asyncio.sleep(self.limits.poll_s)
            try:
                due = time.monotonic() >= renew_at
                await self._sweep(everything=due)
                if due:
                    renew_at = time.monotonic() + renew_every
                    await self._renew()
            except Exception as error:  # noqa: BLE001 - the database may be back next round
                log.warning("looking for work failed (%s); trying again in %.2f s", error, self.limits.poll_s)

    async def _sweep(self, everything: bool = True) -> None:
        """Dispatch pending rows due now in scopes we hold or nobody holds; redeliver orphans."""
        self._known.difference_update(self._finished)
        self._finished.clear()
        backlog = await asyncio.to_thread(self.leases.backlog, tuple(self._sinks), everything)
        for _, scope_key in backlog.pending:
            self._elsewhere.pop(scope_key, None)
        await self._dispatch_rows([row_id for row_id, _ in backlog.pending])
        for scope_key in backlog.unsent_scopes:
            if scope_key not in self._scope_queues and not self._closing:
                self._elsewhere.pop(scope_key, None)
                self._start_worker(scope_key)

    async def _dispatch_rows(self, inbox_ids: list[int]) -> None:
        """Load and dispatch the pending rows among ``inbox_ids`` that are not queued here."""
        fresh = [row_id for row_id in inbox_ids if row_id not in self._known]
        for row in await asyncio.to_thread(self.ledger.rows, fresh) if fresh else ():
            self._dispatch(PendingMessage(row.inbox_id, Message.from_record(row.message), row.attempts))

    async def _renew(self) -> None:
        """Extend our leases, forget scopes we lost, give up scopes idle for half a lease.

        Also forget which other process held a scope once its lease has run out.
        """
        kept = await asyncio.to_thread(self.leases.renew)
        idle_since = time.monotonic() - self.limits.lease_s / 2
        for scope_key, last_busy in list(self._held.items()):
            if scope_key not in kept:
                log.warning("lost the lease on scope %s; another process has it now", scope_key)
                del self._held[scope_key]
            elif scope_key not in self._scope_queues and last_busy < idle_since:
                del self._held[scope_key]
                self._writer.release(scope_key)
        now = time.time()
        self._elsewhere = {key: until for key, until in self._elsewhere.items() if until > now}

    # -- processing -------------------------------------------------------------------

    def _dispatch(self, pending: PendingMessage) -> None:
        if self._closing or pending.inbox_id in self._known:
            return
        scope_key = pending.message.scope.key
        queue = self._scope_queues.get(scope_key)
        if queue is None:
            if scope_key not in self._held and self._elsewhere.get(scope_key, 0.0) > time.time():
                return  # the process holding the scope takes it (its next sweep)
            queue = self._start_worker(scope_key)
        self._known.add(pending.inbox_id)
        position = len(queue)
        while position > 1 and queue[position - 1].inbox_id > pending.inbox_id:
            position -= 1  # oldest first, behind the message being worked on
        queue.insert(position, pending)

    def _start_worker(self, scope_key: str) -> deque[PendingMessage]:
        queue: deque[PendingMessage] = deque()
        self._scope_queues[scope_key] = queue
        self._idle.clear()
        worker = asyncio.create_task(self._work_through(scope_key))
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)
        return queue

    async def _work_through(self, scope_key: str) -> None:
        queue = self._scope_queues[scope_key]
        try:
            if scope_key not in self._held and not await self._take(scope_key):
                self._finished += [pending.inbox_id for pending in queue]
                return
            while queue and not self._closing:
                await self._process(queue[0])
                done = queue.popleft()
                self._finished.append(done.inbox_id)
                if self.admission is not None:
                    self.admission.settle(done.message)
        except Exception:  # the database failed us: give the scope back, a later sweep retries
            log.exception("working on scope %s failed; its messages stay pending", scope_key)
            self._finished += [pending.inbox_id for pending in queue]
            if self._held.pop(scope_key, None) is not None:
                self._writer.release(scope_key)
        finally:
            del self._scope_queues[scope_key]
            if self.admission is not None:  # the rest stays pending for a later sweep or another process
                for left in queue:
                    self.admission.settle(left.message)
            if scope_key in self._held:
                self._held[scope_key] = time.monotonic()
            if not self._scope_queues:
                self._idle.set()

    async def _take(self, scope_key: str) -> bool:
        """Acquire the scope's lease; on success take its context, backlog and unsent replies as found.

        Another process may have added turns since we last held it, or died leaving replies unsent.
        """
        grant, takeover = await self._writer.acquire(scope_key, alone=len(self._scope_queues) == 1)
        if not grant.held or takeover is None:
            self._elsewhere[scope_key] = grant.until
            return False
        self._held[scope_key] = time.monotonic()
        self._contexts.put(scope_key, takeover.snapshot)
        await self._dispatch_rows(takeover.backlog)
        for item in takeover.unsent:
            message, reply = Message.from_record(item.message), Reply.from_record(item.reply)
            sink = self._sinks.get(message.platform)
            if sink is not None:
                await self._deliver(sink, message, [reply], item.key)
        return True

    async def _process(self, pending: PendingMessage) -> None:
        message = pending.message
        context = await self._contexts.get(message.scope.key)
        sink = self._sinks.get(message.platform)
        on_token = None if sink is None else partial(sink.stream, message)
        try:
            outcome = await self._answerer.answer(pending, context, on_token)
        except BackendUnavailable as error:
            outcome = deferral(
                pending, error, self.llm.name, self.limits.max_attempts, self.limits.retry_after_s
            )
        except Exception:
            log.exception(
                "answering inbox row %d failed (attempt %d)", pending.inbox_id, pending.attempts + 1
            )
            outcome = failure(pending, SORRY, self.limits.retry_after_s)
        alone = len(self._scope_queues) == 1 and len(self._scope_queues[message.scope.key]) == 1
        if not await self._writer.complete(outcome.completion_of(pending), alone):
            log.info("inbox row %d was answered elsewhere; dropping this answer", pending.inbox_id)
            self._contexts.forget(message.scope.key)
            return
        context.record(outcome.turns, outcome.new_state)
        if outcome.retry_at is None:
            self._retrying.discard(pending.inbox_id)
        else:
            self._retrying.add(pending.inbox_id)
        if sink is not None:
            await self._deliver(
                sink, message, outcome.replies, OutboxKey(pending.inbox_id, pending.attempts, 0)
            )
            if outcome.replies or outcome.retry_at is None:  # else the answer is still to come
                await sink.settled(message)

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
