"""Engine throughput and per-message overhead with FakeLLM on SQLite, against raw SQLite inserts.

Run: .venv/bin/python bench/bench_engine.py   (or `make bench`)
Every message is durable: inbox row, two turns, a transcript, an outbox row marked sent.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversation import Engine, Message, Reply
from tests.fakes.engines import make_engine, sqlite_url

MESSAGES = 20_000
USERS = 200
LATENCY_SAMPLES = 2_000


class CountingSink:
    """Counts deliveries and wakes whoever waits for one."""

    def __init__(self) -> None:
        self.delivered = 0
        self.event = asyncio.Event()

    async def deliver(self, message: Message, reply: Reply) -> None:
        self.delivered += 1
        self.event.set()

    async def stream(self, message: Message, text: str) -> None:
        pass

    async def settled(self, message: Message) -> None:
        pass


async def started_engine(folder: Path) -> tuple[Engine, CountingSink]:
    engine = make_engine(sqlite_url(folder))
    sink = CountingSink()
    engine.register_sink("bench", sink)
    await engine.start()
    return engine, sink


def bench_message(n: int) -> Message:
    return Message("bench", f"user{n % USERS}", f"message {n}", event_id=f"e{n}", channel="general")


async def engine_throughput(folder: Path) -> float:
    engine, _sink = await started_engine(folder)
    started = time.perf_counter()
    await asyncio.gather(*(engine.submit(bench_message(n)) for n in range(MESSAGES)))
    await engine.join()
    elapsed = time.perf_counter() - started
    await engine.aclose()
    return MESSAGES / elapsed


async def engine_latency(folder: Path) -> list[float]:
    engine, sink = await started_engine(folder)
    samples = []
    for n in range(LATENCY_SAMPLES):
        sink.event.clear()
        started = time.perf_counter()
        await engine.submit(bench_message(n))
        await sink.event.wait()
        samples.append((time.perf_counter() - started) * 1000)
    await engine.join()
    await engine.aclose()
    return samples


def raw_sqlite_inserts(folder: Path, batch: int) -> float:
    """Baseline: the same number of rows (one per message) straight into SQLite, WAL, NORMAL."""
    connection = sqlite3.connect(folder / "raw.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE inbox (id INTEGER PRIMARY KEY, event_id TEXT UNIQUE, text TEXT)")
    started = time.perf_counter()
    for first in range(0, MESSAGES, batch):
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO inbox (event_id, text) VALUES (?, ?)",
            [(f"e{n}", f"message {n}") for n in range(first, min(first + batch, MESSAGES))],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return MESSAGES / elapsed


def percentile(samples: list[float], fraction: float) -> float:
    return statistics.quantiles(samples, n=1000)[int(fraction * 1000) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp, name) for name in ("a", "b", "c", "d")]
        for folder in folders:
            folder.mkdir()
        raw_single = raw_sqlite_inserts(folders[0], batch=1)
        raw_batched = raw_sqlite_inserts(folders[1], batch=1000)
        throughput = asyncio.run(engine_throughput(folders[2]))
        latency = asyncio.run(engine_latency(folders[3]))
    print(f"{'measure':<58} {'value':>12}")
    print(f"{'raw SQLite insert, 1 row per commit (baseline)':<58} {raw_single:>10,.0f}/s")
    print(f"{'raw SQLite insert, 1000 rows per commit (baseline)':<58} {raw_batched:>10,.0f}/s")
    print(f"{'engine, FakeLLM, every message durable':<58} {throughput:>10,.0f}/s")
    print(f"{'  engine / raw 1-row commits':<58} {throughput / raw_single:>11.2f}x")
    print(f"{'  engine / raw 1000-row commits':<58} {throughput / raw_batched:>11.2f}x")
    print(f"{'overhead per message, closed loop, p50':<58} {percentile(latency, 0.5):>9.3f} ms")
    print(f"{'overhead per message, closed loop, p99':<58} {percentile(latency, 0.99):>9.3f} ms")


if __name__ == "__main__":
    main()
