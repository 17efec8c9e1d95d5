"""The model's queue takes turns per requester: one person's many conversations cannot starve another."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from conversation.llm.fair_queue import RoundRobin, requester_of, resolving


def test_lanes_take_turns_in_the_order_they_first_queued() -> None:
    turns = RoundRobin()
    served: list[str] = []
    for name in ["a1", "a2", "a3", "b1", "a4", "c1", "b2"]:
        turns.put(name[0], partial(served.append, name))

    while len(turns):
        turns.take()()

    assert served == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"]


def test_a_users_threads_share_one_lane_and_users_differ() -> None:
    assert requester_of("slack/T1/C1/1700.1/U1") == requester_of("slack/T1/C9/1800.2/U1") == "slack/U1"
    assert requester_of("slack/T1/C1/1700.1/U2") != requester_of("slack/T1/C1/1700.1/U1")
    assert requester_of(None) == ""


async def test_a_queued_job_whose_caller_gave_up_is_skipped_and_results_reach_the_caller() -> None:
    turns = RoundRobin()
    gate = threading.Event()
    ran: list[str] = []
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1) as worker:
        futures: list[asyncio.Future[str]] = [loop.create_future() for _ in range(3)]

        def job(name: str) -> str:
            gate.wait(5)
            ran.append(name)
            if name == "boom":
                raise ValueError(name)
            return name

        def run_next() -> None:
            turns.take()()

        for future, name in zip(futures, ["first", "gave-up", "boom"], strict=True):
            turns.put(name, resolving(future, partial(job, name), lambda: None))
            worker.submit(run_next)
        futures[1].cancel()
        gate.set()
        results = await asyncio.gather(*futures, return_exceptions=True)

    assert ran == ["first", "boom"]
    assert results[0] == "first" and isinstance(results[2], ValueError)
