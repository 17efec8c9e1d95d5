"""Measuring for bench_adapters: percentiles, open-loop pacing, the results table, CPU time."""

from __future__ import annotations

import asyncio
import heapq
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from adapters_bot import MODEL_S

BURST_RATE, BURST_S = 200, 3.0
STEADY_RATE, STEADY_EVENTS = 10, 50
BOLT_THREADS = 5


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def pool_reply_times(arrivals: Sequence[float], service_s: float, threads: int) -> list[float]:
    """Reply times of a FIFO pool of ``threads`` workers, each busy ``service_s`` per event."""
    free_at = [0.0] * threads
    replies = []
    for arrival in arrivals:
        start = max(arrival, heapq.heappop(free_at))
        heapq.heappush(free_at, start + service_s)
        replies.append(start + service_s - arrival)
    return replies


async def paced(count: int, rate: float, send: Callable[[int], Awaitable[None]]) -> None:
    """Call ``send(n)`` at ``n / rate`` seconds from now (open loop: late answers do not slow it)."""
    start = time.monotonic() + 0.05

    async def one(n: int) -> None:
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        await send(n)

    await asyncio.gather(*(one(n) for n in range(count)))


@dataclass
class Row:
    """One line of the results table."""

    measure: str
    p50: float | None = None
    p99: float | None = None
    note: str = ""
    unit: str = "ms"


@dataclass
class Results:
    """The rows of the table, and further lines printed after it."""

    rows: list[Row] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    def add(self, measure: str, samples: Sequence[float], note: str = "", *, unit: str = "ms") -> None:
        self.rows.append(Row(measure, percentile(samples, 0.5), percentile(samples, 0.99), note, unit))

    def text(self, measure: str, note: str) -> None:
        self.rows.append(Row(measure, note=note))

    def print(self) -> None:
        print(f"{'measure':<66} {'p50':>10} {'p99':>10}  note")
        for row in self.rows:
            if row.p50 is None or row.p99 is None:
                print(f"{row.measure:<66} {'':>10} {'':>10}  {row.note}")
            elif row.unit == "s":
                print(f"{row.measure:<66} {row.p50:>9.2f}s {row.p99:>9.2f}s  {row.note}")
            else:
                print(f"{row.measure:<66} {row.p50:>8.1f}ms {row.p99:>8.1f}ms  {row.note}")
        for line in self.after:
            print(line)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pool_note(sent: Sequence[float]) -> str:
    """What Bolt's listener pool (5 threads, FIFO) would give for arrivals at ``sent``."""
    arrivals = [at - sent[0] for at in sent]
    pool = pool_reply_times(arrivals, MODEL_S, BOLT_THREADS)
    p50, p99 = percentile(pool, 0.5), percentile(pool, 0.99)
    return f"{BOLT_THREADS}-thread pool would give p50 {p50:.1f} s, p99 {p99:.1f} s"
