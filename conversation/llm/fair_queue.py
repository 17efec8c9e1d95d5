"""Round-robin over who waits for the model: one job per requester in turn, not arrival order.

A scope's messages are answered one at a time already; a person writing in many threads or
channels at once still has many jobs waiting. Lanes are per requester (platform and user, read
from the conversation's scope key), so that person's jobs take turns with everyone else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, TypeVar

Job = Callable[[], None]
T = TypeVar("T")


def requester_of(conversation: str | None) -> str:
    """The lane of a conversation id: a scope key's platform and user (its first and last parts)."""
    if not conversation or "/" not in conversation:
        return conversation or ""
    parts = conversation.split("/")
    return f"{parts[0]}/{parts[-1]}"


class RoundRobin:
    """Jobs in lanes; ``take`` gives the oldest job of the lane whose turn it is. Thread-safe."""

    def __init__(self) -> None:
        self._lanes: OrderedDict[str, deque[Job]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, lane: str, job: Job) -> None:
        """Queue ``job`` at the end of ``lane`` (a new lane goes last in the turn order)."""
        with self._lock:
            self._lanes.setdefault(lane, deque()).append(job)

    def take(self) -> Job:
        """The next job in turn; its lane moves to the end of the order. Call once per ``put``."""
        with self._lock:
            lane, jobs = next(iter(self._lanes.items()))
            job = jobs.popleft()
            del self._lanes[lane]
            if jobs:
                self._lanes[lane] = jobs
            return job

    def __len__(self) -> int:
        with self._lock:
            return sum(len(jobs) for jobs in self._lanes.values())


def resolving(future: asyncio.Future[T], call: Callable[[], T], started: Job) -> Job:
    """A worker-thread job: ``started()``, then ``call()`` with its outcome handed to ``future``.

    ``call`` is skipped when ``future`` was cancelled meanwhile (its caller gave up).
    """

    def run() -> None:
        started()
        if future.cancelled():
            return
        try:
            outcome: tuple[Any, BaseException | None] = (call(), None)
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            outcome = (None, error)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            future.get_loop().call_soon_threadsafe(_settle, future, *outcome)

    return run


def _settle(future: asyncio.Future[T], result: T, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
