"""Another user's time to first answer while one user floods, against the same without a flood.

Run: .venv/bin/python bench/bench_fairness.py
The model is a stand-in that, like the embedded one, serves one request at a time on one worker
thread (SERVICE_S each) through the same queue class (``conversation.llm.fair_queue``). The
flooder sends FLOOD messages from FLOOD_THREADS threads (Slack-style, so many scopes) at once;
OTHERS users each send one message just after. Three runs in one process:

- no flood (the baseline);
- flood with this issue's defenses: per-user limits (Settings defaults) and turns per requester;
- flood without them: no limits, the model's queue in arrival order (as before).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversation import BadInput, Engine, EngineLimits, Message, Reply
from conversation.limits import Admission, UserQuota
from conversation.llm.base import ChatMessage, Completion, GenerationOptions, TokenSink
from conversation.llm.fair_queue import RoundRobin, requester_of, resolving
from conversation.router import Router
from skills import ChatSkill
from storage import Ledger
from tests.fakes.engines import migrated_database, sqlite_url

SERVICE_S = 0.01
FLOOD = 1000
FLOOD_THREADS = 20
OTHERS = 8


class OneAtATimeModel:
    """A model stand-in: each request holds the one worker for SERVICE_S, queued like the embedded one."""

    name = "one-at-a-time"

    def __init__(self, *, fair: bool) -> None:
        self._fair = fair
        self._turns = RoundRobin()
        self._worker = ThreadPoolExecutor(max_workers=1)

    async def complete(
        self, messages: Sequence[ChatMessage], options: GenerationOptions, on_token: TokenSink | None = None
    ) -> Completion:
        """Wait for a turn, then hold the worker for SERVICE_S."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        lane = requester_of(options.conversation) if self._fair else ""
        self._turns.put(lane, resolving(future, partial(_serve, messages[-1].content), lambda: None))
        self._worker.submit(self._run_next)
        return Completion(await future, self.name)

    def _run_next(self) -> None:
        self._turns.take()()

    async def load(self) -> None:
        """Nothing to load."""

    def count_tokens(self, text: str) -> int:
        """One token per four characters."""
        return len(text) // 4

    async def aclose(self) -> None:
        """Stop the worker."""
        self._worker.shutdown()


def _serve(text: str) -> str:
    time.sleep(SERVICE_S)
    return f"echo: {text}"


class FirstReplies:
    """Records when each message's first reply arrived."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def deliver(self, message: Message, reply: Reply) -> None:
        self.at.setdefault(message.event_id, time.perf_counter())

    async def stream(self, message: Message, text: str) -> None:
        pass

    async def settled(self, message: Message) -> None:
        pass


async def run(folder: Path, *, flood: bool, defended: bool) -> tuple[list[float], int, int]:
    """Others' times to first answer (s), and how many flood messages were accepted and refused."""
    model = OneAtATimeModel(fair=defended)
    engine = Engine(
        Ledger(migrated_database(sqlite_url(folder))),
        model,
        Router({"chat": ChatSkill("Bench bot.")}),
        EngineLimits(),
        admission=Admission(UserQuota()) if defended else None,
    )
    sink = FirstReplies()
    engine.register_sink("slack", sink)
    await engine.start()
    outcomes: list[bool] = []

    async def send(message: Message) -> None:
        try:
            outcomes.append((await engine.submit(message)).accepted)
        except BadInput:
            outcomes.append(False)

    if flood:
        flood_messages = [
            Message("slack", "UFLOOD", f"spam {n}", f"flood-{n}", channel="C1", thread=str(n % FLOOD_THREADS))
            for n in range(FLOOD)
        ]
        await asyncio.gather(*(send(m) for m in flood_messages))
        await asyncio.sleep(0.05)
    sent: dict[str, float] = {}
    others = [Message("slack", f"U{n}", f"hello {n}", f"other-{n}", channel="C2") for n in range(OTHERS)]
    for message in others:
        sent[message.event_id] = time.perf_counter()
        await engine.submit(message)
    async with asyncio.timeout(120):
        while any(event_id not in sink.at for event_id in sent):
            await asyncio.sleep(0.005)
    waits = [sink.at[event_id] - started for event_id, started in sent.items()]
    await engine.aclose()
    await model.aclose()
    return waits, sum(outcomes), len(outcomes) - sum(outcomes)


async def main() -> None:
    """Print the table."""
    rows = []
    for label, flood, defended in (
        ("no flood (baseline)", False, True),
        ("flood, limits + turns", True, True),
        ("flood, no defenses", True, False),
    ):
        with tempfile.TemporaryDirectory() as folder:
            waits, accepted, refused = await run(Path(folder), flood=flood, defended=defended)
        rows.append((label, statistics.median(waits), max(waits), accepted, refused))
    base = rows[0][1]
    flooder = f"one flooder ({FLOOD} messages in {FLOOD_THREADS} threads)"
    print(f"{OTHERS} other users, {flooder}, {SERVICE_S * 1000:g} ms per model call")
    print(f"{'run':<24}{'median s':>10}{'max s':>9}{'ratio':>8}{'flood in':>10}{'refused':>9}")
    for label, median, worst, accepted, refused in rows:
        print(f"{label:<24}{median:>10.3f}{worst:>9.3f}{median / base:>8.1f}{accepted:>10}{refused:>9}")


if __name__ == "__main__":
    asyncio.run(main())
