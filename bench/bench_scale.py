"""Scale-out throughput with FakeLLM: 1 engine process on SQLite, 1 and 3 processes on PostgreSQL.

Run: .venv/bin/python bench/bench_scale.py   (PostgreSQL from `.ci/start-postgres`, or the URL in
CHATWRIGHT_TEST_POSTGRES_URL; without it only SQLite is measured).
Each engine runs in a process of its own (tests/fakes/engine_process.py) and every message is
durable (inbox, turns, transcript, outbox, sent-mark). The events go to random processes, as a
load balancer in front of Slack's HTTP events would send them; a process that gets a message
for a scope another process holds leaves it to that one. The baseline is 1 process on
PostgreSQL, measured in the same run. "cores busy" shows when the machine, not the design, is
the limit: more processes cannot go faster than the cores left idle by one.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

from storage import create_database_engine, upgrade_schema
from tests.fakes.engine_process import EngineProcess
from tests.fakes.engines import database_url_for

EVENTS = 6_000
USERS = 200
ROUNDS = 2
SLICE = 100
"""Events handed to each process in turn; one process's whole share first would let it take every
conversation before the others have started."""
"""Runs per setup; the best one counts (this machine is shared, so the slower runs are noise)."""


def events() -> list[dict[str, str]]:
    return [
        {"user": f"user{n % USERS}", "channel": "general", "text": f"message {n}", "event_id": f"e{n}"}
        for n in range(EVENTS)
    ]


def cpu_ticks() -> tuple[int, int]:
    """Busy and total CPU ticks of the whole machine so far (all cores), from /proc/stat."""
    user, nice, system, idle, iowait, *rest = map(int, Path("/proc/stat").read_text().split()[1:9])
    busy = user + nice + system + sum(rest)
    return busy, busy + idle + iowait


def throughput(url: str, processes: int, folder: Path) -> tuple[float, float]:
    """Events per second through ``processes`` engines on ``url``, every event once to a random one,
    and how many of the machine's cores were busy meanwhile (engines, database, everything else)."""
    database = create_database_engine(url)
    upgrade_schema(database)
    database.dispose()
    engines = [EngineProcess(url, log=folder / f"engine{n}.log") for n in range(processes)]
    try:
        for engine in engines:
            engine.wait_ready()
        batches: list[list[dict[str, str]]] = [[] for _ in engines]
        route = random.Random(8)
        for event in events():
            batches[route.randrange(processes)].append(event)
        started, (busy, total) = time.perf_counter(), cpu_ticks()
        for start in range(0, EVENTS, SLICE):  # interleaved, as a load balancer would pass them on
            for engine, batch in zip(engines, batches, strict=True):
                engine.send(batch[start : start + SLICE])
        engines[0].wait_until(
            lambda: sum(engine.reply_count for engine in engines) >= EVENTS, 300, f"{EVENTS} replies"
        )
        elapsed, (busy_after, total_after) = time.perf_counter() - started, cpu_ticks()
        cores = (busy_after - busy) / (total_after - total) * (os.cpu_count() or 1)
        return EVENTS / elapsed, cores
    finally:
        for engine in engines:
            engine.stop()


def best_of(kind: str, processes: int) -> tuple[float, float]:
    runs = []
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as folder, database_url_for(kind, Path(folder)) as url:
            runs.append(throughput(url, processes, Path(folder)))
    return max(runs)


def main() -> None:
    setups = [("sqlite", 1), ("postgresql", 1), ("postgresql", 3)]
    results: dict[tuple[str, int], tuple[float, float]] = {}
    for kind, processes in setups:
        try:
            results[kind, processes] = best_of(kind, processes)
        except pytest.skip.Exception as missing:
            print(f"skipped {kind}: {missing.msg}")
    baseline = results.get(("postgresql", 1), (0.0, 0.0))[0]
    print(f"{EVENTS:,} events from {USERS} users, each to one random process, FakeLLM, best of {ROUNDS}")
    print(f"{'setup':<32}{'events/s':>12}{'vs 1 process PostgreSQL':>26}{'cores busy':>12}")
    for (kind, processes), (rate, cores) in results.items():
        ratio = f"{rate / baseline:.2f}x" if baseline else "-"
        label = f"{processes} process{'es' if processes > 1 else ''}, {kind}"
        print(f"{label:<32}{rate:>12,.0f}{ratio:>26}{cores:>9.1f}/{os.cpu_count()}")
    print("cores busy: the whole machine's CPU while the events were processed (engines, database, all).")


if __name__ == "__main__":
    main()
