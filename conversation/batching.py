"""Group commit: many concurrent callers, one batched call (one transaction) at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


class GroupCommit(Generic[T, R]):
    """Collects items submitted while a batch is running and runs them together next.

    ``run_batch(items)`` executes in ``executor`` and returns one result per item. If a
    batch fails, each item is retried alone so one bad item cannot fail its neighbours.
    """

    def __init__(
        self,
        run_batch: Callable[[Sequence[T]], Sequence[R]],
        executor: Executor,
        max_batch: int = 2000,
    ) -> None:
        self._run_batch = run_batch
        self._executor = executor
        self._max_batch = max_batch
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Queue ``item`` for the next batch and wait for its result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._worker is None:
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                items = [item for item, _ in batch]
                outcomes = await loop.run_in_executor(self._executor, self._run_isolated, items)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, BaseException):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self._worker = None

    def _run_isolated(self, items: Sequence[T]) -> list[R | BaseException]:
        try:
            return list(self._run_batch(items))
        except Exception as error:  # noqa: BLE001 - isolated below, or handed to the caller
            if len(items) == 1:
                return [error]
            log.warning("batch of %d failed (%s); retrying items one by one", len(items), error)
        return [self._run_one(item) for item in items]

    def _run_one(self, item: T) -> R | BaseException:
        try:
            return self._run_batch([item])[0]
        except Exception as error:  # noqa: BLE001 - handed to that item's caller
            return error
