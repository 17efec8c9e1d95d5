"""The engine's one writer thread: every cycle commits all queued work in one transaction."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any

from storage import Completion, Grant, Ledger, NewEvent, ScopeLeases, SentReply, Taken, Written

log = logging.getLogger(__name__)

SENT_LINGER_S = 0.005
"""How long sent-marks may wait for other work to share their transaction. A mark lost in
a crash only means that reply is delivered again after the restart, so keep this short."""

_ACCEPT, _COMPLETE, _SENT, _ACQUIRE, _RELEASE, _FLUSH, _STOP = range(7)
_Item = tuple[int, Any, "asyncio.Future[Any] | None"]
"""What callers queue: (kind, payload, the future to resolve or None)."""
_Outcome = tuple["asyncio.Future[Any]", Any]
"""A future with its result, or with the exception to raise."""


@dataclass(slots=True)
class _Cycle:
    """The work of one transaction, with the futures to resolve once it is committed."""

    events: list[NewEvent] = field(default_factory=list)
    event_futures: list[asyncio.Future[int | None]] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    completion_futures: list[asyncio.Future[bool]] = field(default_factory=list)
    sent: list[SentReply] = field(default_factory=list)
    leases: list[tuple[int, str, asyncio.Future[Taken] | None]] = field(default_factory=list)
    """Acquires and releases of scope leases, in the order they were asked for."""
    flushes: list[asyncio.Future[None]] = field(default_factory=list)

    def add(self, kind: int, payload: Any, future: Any) -> None:
        """File one queued item under its kind."""
        if kind == _ACCEPT:
            self.events.append(payload)
            self.event_futures.append(future)
        elif kind == _COMPLETE:
            self.completions.append(payload)
            self.completion_futures.append(future)
        elif kind == _SENT:
            self.sent.append(payload)
        elif kind in (_ACQUIRE, _RELEASE):
            self.leases.append((kind, payload, future))
        else:
            self.flushes.append(future)

    def size(self) -> int:
        """How many items the cycle writes."""
        return len(self.events) + len(self.completions) + len(self.sent)

    def outcomes(self, written: Written, error: Exception | None = None) -> list[_Outcome]:
        """Each waiting future with its result, or with ``error``.

        An event gets its inbox id (None if seen before; of several submissions of one event
        id, the first gets it); a completion gets whether it was stored.
        """
        accepted = dict(written.accepted)
        results: list[_Outcome] = [
            (future, error or accepted.pop(event.event_id, None))
            for event, future in zip(self.events, self.event_futures, strict=True)
        ]
        results += [
            (future, error or completion.inbox_id in written.stored)
            for completion, future in zip(self.completions, self.completion_futures, strict=True)
        ]
        results += [(future, None) for future in self.flushes]
        return results


class LedgerWriter:
    """Writes the engine's accepts, completions and sent-marks from one thread.

    Work is staged on the event loop and handed to the thread at once when the thread is
    idle, else at the end of the loop iteration or every ``hand_over_at`` items, so one
    wake-up carries many items. The thread commits everything handed over (up to
    ``max_batch`` items) with one ``Ledger.write`` and resolves the waiting futures with
    one callback on their loop. Sent-marks are not awaited: they ride along with the next
    hand-over, or go on their own after ``SENT_LINGER_S``. If a cycle fails, each item is
    retried alone so one bad item cannot fail its neighbours. A lone message's writes on
    SQLite skip the thread (``_write_now``).
    """

    def __init__(
        self,
        ledger: Ledger,
        leases: ScopeLeases,
        context_turns: int,
        max_batch: int = 2000,
        hand_over_at: int = 100,
    ) -> None:
        self._ledger = ledger
        self._leases = leases
        self._context_turns = context_turns
        self._max_batch = max_batch
        self._hand_over_at = hand_over_at
        self._staged: list[_Item] = []
        self._soon: asyncio.Handle | None = None
        self._later: asyncio.TimerHandle | None = None
        self._queue: SimpleQueue[list[_Item]] = SimpleQueue()
        self._thread: threading.Thread | None = None
        self._thread_idle = True
        """Set by the thread when it waits for work, cleared by each hand-over."""

    def accept(self, event: NewEvent, alone: bool = False) -> asyncio.Future[int | None]:
        """Queue ``event`` for the inbox; the future gives its inbox id, or None if seen before.

        ``alone``: no other message is in flight, so it may be written at once (see ``_write_now``).
        """
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._stage((_ACCEPT, event, future), alone=alone)
        return future

    def complete(self, completion: Completion, alone: bool = False) -> asyncio.Future[bool]:
        """Queue ``completion``; the future says, once committed, whether it was stored.

        See ``Written.stored`` for why it may not be, and ``accept`` for ``alone``.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._stage((_COMPLETE, completion, future), alone=alone)
        return future

    def acquire(self, scope_key: str, alone: bool = False) -> asyncio.Future[Taken]:
        """Ask for the lease on ``scope_key`` (after everything queued before is committed).

        When granted, the scope's backlog, unsent replies and last ``context_turns`` turns come
        with it, in the same transaction (``Ledger.take_over``). ``alone`` as for ``accept``.
        """
        future: asyncio.Future[Taken] = asyncio.get_running_loop().create_future()
        self._stage((_ACQUIRE, scope_key, future), alone=alone)
        return future

    def release(self, scope_key: str) -> None:
        """Give up the lease on ``scope_key`` once everything queued before (sent-marks) is committed."""
        self._stage((_RELEASE, scope_key, None), urgent=False)

    def mark_sent(self, sent: SentReply) -> None:
        """Queue the mark that a reply was delivered (with its platform id); written soon, not awaited."""
        self._stage((_SENT, sent, None), urgent=False)

    async def flush(self) -> None:
        """Wait until everything queued so far, sent-marks included, is committed."""
        if self._thread is None and not self._staged:
            return  # nothing was ever handed over
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._stage((_FLUSH, None, future))
        await future

    async def aclose(self) -> None:
        """Write what is queued, then stop the thread."""
        self._hand_over()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put([(_STOP, None, None)])
            await asyncio.to_thread(thread.join)

    def _stage(self, item: _Item, urgent: bool = True, alone: bool = False) -> None:
        if alone and self._write_now(item):
            return
        self._staged.append(item)
        if (urgent and self._thread_idle) or len(self._staged) >= self._hand_over_at:
            self._hand_over()
        elif urgent:
            if self._soon is None:
                self._soon = asyncio.get_running_loop().call_soon(self._hand_over)
        elif self._later is None:
            self._later = asyncio.get_running_loop().call_later(SENT_LINGER_S, self._hand_over)

    def _write_now(self, item: _Item) -> bool:
        """Do ``item`` here on the event loop (writes with the staged sent-marks); False if it cannot.

        A lone message on SQLite then skips two hand-overs to the thread and back: 0.3 ms of
        its 0.7. Only while the thread is idle and nothing but sent-marks is staged, so commits
        keep their order; never waiting for another writer's lock (the thread waits instead).
        """
        if not (self._ledger.in_process and self._thread_idle) or any(k != _SENT for k, _, _ in self._staged):
            return False
        kind, payload, future = item
        outcomes: list[_Outcome]
        try:
            if kind == _ACQUIRE:
                lease_s, turns = self._leases.lease_s, self._context_turns
                taken = self._ledger.take_over([payload], lease_s, turns, wait=False)[payload]
                outcomes = [(future, taken)] if future is not None else []
            else:
                cycle = _Cycle()
                for staged in (*self._staged, item):
                    cycle.add(*staged)
                outcomes = cycle.outcomes(
                    self._ledger.write(cycle.events, cycle.completions, cycle.sent, wait=False)
                )
                self._staged = []
        except Exception as error:  # noqa: BLE001 - the thread does it as usual, and handles errors
            log.debug("doing it at once did not work (%s); handing over to the writer thread", error)
            return False
        _settle(outcomes)
        return True

    def _hand_over(self) -> None:
        for handle in (self._soon, self._later):
            if handle is not None:
                handle.cancel()
        self._soon = self._later = None
        if not self._staged:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="chatwright-db", daemon=True)
            self._thread.start()
        self._thread_idle = False
        self._queue.put(self._staged)
        self._staged = []

    def _run(self) -> None:
        waiting: deque[_Item] = deque()
        while True:
            if not waiting:
                self._thread_idle = True
                waiting.extend(self._queue.get())
            while True:
                try:
                    waiting.extend(self._queue.get_nowait())
                except Empty:
                    break
            cycle, stopping = _Cycle(), False
            while waiting and cycle.size() < self._max_batch:
                item = waiting.popleft()
                if item[0] == _STOP:
                    stopping = True
                    break
                cycle.add(*item)
            _resolve(self._write(cycle))  # acks wait for this commit, not for the leases' reads
            _resolve(self._lease(cycle.leases))
            if stopping:
                self._ledger.close()
                return

    def _write(self, cycle: _Cycle) -> list[_Outcome]:
        if not cycle.size():
            return cycle.outcomes(NOTHING_WRITTEN)
        try:
            return cycle.outcomes(self._ledger.write(cycle.events, cycle.completions, cycle.sent))
        except Exception as error:  # noqa: BLE001 - isolated below, or handed to the waiter
            if cycle.size() > 1:
                log.warning("writing %d items failed (%s); retrying them one by one", cycle.size(), error)
                return [outcome for single in _split(cycle) for outcome in self._write(single)]
            if cycle.sent:
                log.warning("could not mark reply %s as sent (%s); it may be sent again", cycle.sent, error)
            return cycle.outcomes(NOTHING_WRITTEN, error)

    def _lease(self, requests: list[tuple[int, str, asyncio.Future[Taken] | None]]) -> list[_Outcome]:
        """Run runs of acquires and releases in order, each run in one transaction.

        A failed acquire answers "not held": the scope's messages stay pending for a later sweep.
        """
        outcomes: list[_Outcome] = []
        start = 0
        while start < len(requests):
            kind = requests[start][0]
            end = start
            while end < len(requests) and requests[end][0] == kind:
                end += 1
            run = requests[start:end]
            keys = [key for _, key, _ in run]
            try:
                if kind == _RELEASE:
                    self._leases.release(keys)
                else:
                    outcomes += self._grant(run)
            except Exception as error:  # noqa: BLE001 - the next sweep tries again
                log.warning("scope leases: %d %s failed (%s)", len(keys), _LEASE_VERBS[kind], error)
                outcomes += [(future, NOT_TAKEN) for _, _, future in run if future is not None]
            start = end
        return outcomes

    def _grant(self, run: list[tuple[int, str, asyncio.Future[Taken] | None]]) -> list[_Outcome]:
        taken = self._ledger.take_over([key for _, key, _ in run], self._leases.lease_s, self._context_turns)
        return [(future, taken[key]) for _, key, future in run if future is not None]


NOTHING_WRITTEN = Written({}, set())
NOT_TAKEN: Taken = (Grant(False, 0.0), None)
_LEASE_VERBS = {_ACQUIRE: "acquires", _RELEASE: "releases"}


def _split(cycle: _Cycle) -> list[_Cycle]:
    """One cycle per item (flushes go last, on their own)."""
    events = zip(cycle.events, cycle.event_futures, strict=True)
    completions = zip(cycle.completions, cycle.completion_futures, strict=True)
    return [
        *(_Cycle(events=[event], event_futures=[future]) for event, future in events),
        *(_Cycle(completions=[c], completion_futures=[future]) for c, future in completions),
        *(_Cycle(sent=[mark]) for mark in cycle.sent),
        _Cycle(flushes=cycle.flushes),
    ]


def _resolve(outcomes: Sequence[_Outcome]) -> None:
    """Hand results and errors to the futures' event loop, in one callback."""
    if outcomes:
        try:
            outcomes[0][0].get_loop().call_soon_threadsafe(_settle, outcomes)
        except RuntimeError:  # the loop is closed: nobody waits any more
            log.debug("dropping %d results for a closed event loop", len(outcomes))


def _settle(outcomes: Sequence[_Outcome]) -> None:
    for future, outcome in outcomes:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
