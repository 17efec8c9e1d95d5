"""Engine throughput and per-message overhead with FakeLLM on SQLite, against raw SQLite.

Run: .venv/bin/python bench/bench_engine.py   (or `make bench`)
Every message is durable: inbox row, two turns, a transcript, an outbox row marked sent.
The baselines run in the same process and moment: plain inserts, and the rows an engine
message writes, done with sqlite3 directly (no engine, no model, no asyncio).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversation import Engine, Message, Reply
from conversation.heap import settle_after_start
from conversation.llm import FakeLLM
from storage import create_database_engine, upgrade_schema
from tests.fakes.engines import make_engine, sqlite_url

MESSAGES = 20_000
USERS = 200
LATENCY_SAMPLES = 2_000
PROMPT = "x" * 2_500
"""About the prompt a chat transcript stores in this run (persona plus a long history)."""


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
    engine = make_engine(sqlite_url(folder), FakeLLM(record=False, count_prompt=False))
    sink = CountingSink()
    engine.register_sink("bench", sink)
    await engine.start()
    await engine.prepare()
    settle_after_start()  # both as `chatwright run` does once started (bots/web/app.py)
    return engine, sink


def bench_message(n: int) -> Message:
    return Message("bench", f"user{n % USERS}", f"message {n}", event_id=f"e{n}", channel="general")


def bench_messages(count: int) -> list[Message]:
    """Built before the clock starts: turning events into messages is the adapter's work."""
    messages = [bench_message(n) for n in range(count)]
    gc.collect()
    return messages


async def engine_throughput(folder: Path) -> float:
    engine, _sink = await started_engine(folder)
    messages = bench_messages(MESSAGES)
    started = time.perf_counter()
    await asyncio.gather(*(engine.submit(message) for message in messages))
    await engine.join()
    elapsed = time.perf_counter() - started
    await engine.aclose()
    return MESSAGES / elapsed


async def engine_latency(folder: Path) -> list[float]:
    engine, sink = await started_engine(folder)
    samples = []
    for message in bench_messages(LATENCY_SAMPLES):
        sink.event.clear()
        started = time.perf_counter()
        await engine.submit(message)
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


class RawMessageRows:
    """Baseline: the rows and updates one engine message makes, with sqlite3 on the real schema."""

    def __init__(self, folder: Path) -> None:
        path = folder / "rows.db"
        upgrade_schema(create_database_engine(f"sqlite:///{path}"))
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA synchronous=NORMAL")

    def accept(self, numbers: range) -> None:
        now = time.time()
        self._in_transaction(
            "INSERT INTO inbox (event_id, platform, scope_key, message, status, attempts, retry_at,"
            " received_at) VALUES (?, 'bench', ?, ?, 'pending', 0, 0.0, ?)",
            [(f"e{n}", f"scope{n % USERS}", json.dumps({"text": f"message {n}"}), now) for n in numbers],
        )

    def complete(self, numbers: range) -> None:
        now = time.time()
        c = self.connection
        c.execute("BEGIN IMMEDIATE")
        c.executemany(
            "INSERT INTO turns (scope_key, inbox_id, role, text, created_at) VALUES (?, ?, ?, ?, ?)",
            [(f"scope{n % USERS}", n + 1, role, f"message {n}", now) for n in numbers for role in ("u", "a")],
        )
        c.executemany(
            "INSERT INTO transcripts (inbox_id, scope_key, platform, user_id, skill, intent, model,"
            " prompt, output, latency_ms, prompt_tokens, completion_tokens, outcome, created_at)"
            " VALUES (?, ?, 'bench', 'u', 'chat', 'chat', 'fake', ?, ?, 0.1, 600, 4, 'ok', ?)",
            [(n + 1, f"scope{n % USERS}", PROMPT, f"echo: message {n}", now) for n in numbers],
        )
        c.executemany(
            "INSERT INTO outbox (inbox_id, attempt, seq, platform, scope_key, reply, created_at)"
            " VALUES (?, 0, 0, 'bench', ?, ?, ?)",
            [(n + 1, f"scope{n % USERS}", json.dumps({"text": f"echo: message {n}"}), now) for n in numbers],
        )
        c.executemany(
            "UPDATE inbox SET status = 'done', done_at = ?, attempts = attempts + 1 WHERE id = ?",
            [(now, n + 1) for n in numbers],
        )
        c.execute("COMMIT")

    def mark_sent(self, numbers: range) -> None:
        self._in_transaction(
            "UPDATE outbox SET sent_at = ? WHERE inbox_id = ? AND attempt = 0 AND seq = 0",
            [(time.time(), n + 1) for n in numbers],
        )

    def _in_transaction(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.executemany(sql, rows)
        self.connection.execute("COMMIT")


def raw_message_rows(folder: Path, batch: int) -> float:
    """Messages per second when only their rows are written, ``batch`` messages per commit."""
    rows = RawMessageRows(folder)
    started = time.perf_counter()
    for numbers in _batches(batch):
        rows.accept(numbers)
        rows.complete(numbers)
        rows.mark_sent(numbers)
    return MESSAGES / (time.perf_counter() - started)


def raw_message_rows_latency(folder: Path) -> list[float]:
    """Milliseconds for one message's two commits (accepted; answered), as the closed loop does."""
    rows = RawMessageRows(folder)
    samples = []
    for numbers in _batches(1, LATENCY_SAMPLES):
        started = time.perf_counter()
        rows.accept(numbers)
        rows.complete(numbers)
        samples.append((time.perf_counter() - started) * 1000)
        rows.mark_sent(numbers)
    return samples


def _batches(size: int, total: int = MESSAGES) -> Iterator[range]:
    return (range(first, min(first + size, total)) for first in range(0, total, size))


def percentile(samples: list[float], fraction: float) -> float:
    return statistics.quantiles(samples, n=1000)[int(fraction * 1000) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp, name) for name in "abcdefg"]
        for folder in folders:
            folder.mkdir()
        raw_single = raw_sqlite_inserts(folders[0], batch=1)
        raw_batched = raw_sqlite_inserts(folders[1], batch=1000)
        raw_rows = raw_message_rows(folders[2], batch=USERS)
        raw_latency = raw_message_rows_latency(folders[3])
        throughput = asyncio.run(engine_throughput(folders[4]))
        latency = asyncio.run(engine_latency(folders[5]))
    rows = [
        ("raw SQLite insert, 1 row per commit (baseline)", f"{raw_single:>10,.0f}/s"),
        ("raw SQLite insert, 1000 rows per commit (baseline)", f"{raw_batched:>10,.0f}/s"),
        (f"raw SQLite, a message's rows, {USERS} messages per commit", f"{raw_rows:>10,.0f}/s"),
        ("engine, FakeLLM, every message durable", f"{throughput:>10,.0f}/s"),
        ("  engine / raw 1-row commits", f"{throughput / raw_single:>11.2f}x"),
        ("  engine / raw 1000-row commits", f"{throughput / raw_batched:>11.2f}x"),
        ("  engine / raw message rows", f"{throughput / raw_rows:>11.2f}x"),
        ("raw SQLite, a message's two commits, p50", f"{percentile(raw_latency, 0.5):>9.3f} ms"),
        ("overhead per message, closed loop, p50", f"{percentile(latency, 0.5):>9.3f} ms"),
        ("overhead per message, closed loop, p99", f"{percentile(latency, 0.99):>9.3f} ms"),
    ]
    print(f"{'measure':<58} {'value':>12}")
    for name, value in rows:
        print(f"{name:<58} {value}")


if __name__ == "__main__":
    main()
