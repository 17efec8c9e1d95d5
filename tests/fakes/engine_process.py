"""One engine in a process of its own, for tests and benchmarks of several processes on one database.

Run: ``python -m tests.fakes.engine_process DATABASE_URL [--lease-s S] [--stall-after N]``.
Reads messages as JSON lines on stdin (``{"user", "channel", "text", "event_id"}``) and writes
JSON lines on stdout: ``{"ready": pid}`` once started, ``{"ack": event_id, "accepted": bool}``
once a message is committed (what a platform's acknowledgement would wait for) and
``{"reply": event_id, "text": ...}`` for each reply delivered, by whichever process delivers it.
``--stall-after N`` makes the platform hang from the N+1-th reply on (so a test can kill the
process while it holds unfinished work and no reply is half delivered). SIGTERM shuts down
cleanly; EOF on stdin does not stop it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from conversation import EngineLimits, Message, Reply
from conversation.llm import FakeLLM
from tests.fakes.engines import make_engine

PLATFORM = "test"


def emit(record: dict[str, Any]) -> None:
    """One JSON line on stdout, flushed at once."""
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


class StdoutSink:
    """Writes each delivered reply as a line; hangs forever after ``stall_after`` replies."""

    def __init__(self, stall_after: int | None) -> None:
        self.delivered = 0
        self.stall_after = stall_after
        self._never = asyncio.Event()

    async def deliver(self, message: Message, reply: Reply) -> None:
        """Write the reply line (or hang, as a platform that stopped answering)."""
        if self.stall_after is not None and self.delivered >= self.stall_after:
            await self._never.wait()
        self.delivered += 1
        emit({"reply": message.event_id, "text": reply.text})

    async def stream(self, message: Message, text: str) -> None:
        """Whole replies only."""

    async def settled(self, message: Message) -> None:
        """Nothing to close."""


async def serve(url: str, limits: EngineLimits, stall_after: int | None, model_delay_s: float) -> None:
    """Run the engine until SIGTERM, submitting every stdin line."""
    llm = FakeLLM(record=False)
    llm.delay_s = model_delay_s
    engine = make_engine(url, llm, limits)
    engine.register_sink(PLATFORM, StdoutSink(stall_after))
    await engine.start()
    await engine.prepare()  # as `chatwright run` does
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    emit({"ready": True})

    async def submit(request: dict[str, str]) -> None:
        message = Message(PLATFORM, request["user"], request["text"], request["event_id"], request["channel"])
        submission = await engine.submit(message)
        emit({"ack": message.event_id, "accepted": submission.accepted})

    async def submit_lines() -> None:
        """Each line at once, without waiting for the ones before (as a web server would)."""
        submitting: set[asyncio.Task[None]] = set()
        while line := await reader.readline():
            task = asyncio.create_task(submit(json.loads(line)))
            submitting.add(task)
            task.add_done_callback(submitting.discard)

    reading = asyncio.create_task(submit_lines())
    await stop.wait()
    reading.cancel()
    await engine.aclose()


class EngineProcess:
    """Starts this module in a subprocess and collects what it writes (from a thread)."""

    def __init__(self, url: str, *options: str, log: Path | None = None) -> None:
        self._log: BinaryIO | None = log.open("wb") if log is not None else None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.engine_process", url, *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log or subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
        )
        self.lines: list[dict[str, Any]] = []
        self._replies: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            record = json.loads(line)
            self.lines.append(record)
            if "reply" in record:
                self._replies.append(record["reply"])

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll ``condition`` until it holds; fail saying ``what`` did not happen."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not happen within {timeout} s")
            if self.process.poll() is not None:
                raise RuntimeError(f"engine process exited with {self.process.returncode} before {what}")
            time.sleep(0.02)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until the engine has started."""
        self.wait_until(lambda: any("ready" in line for line in self.lines), timeout, "start-up")

    def send(self, requests: Sequence[dict[str, str]]) -> bool:
        """Hand messages to the process; False when it is gone."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(b"".join(json.dumps(r).encode() + b"\n" for r in requests))
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            return False
        return True

    def replies(self) -> list[str]:
        """Event ids of the replies this process delivered, in order."""
        return list(self._replies)

    @property
    def reply_count(self) -> int:
        """How many replies this process delivered (cheap to poll, unlike ``replies``)."""
        return len(self._replies)

    def acks(self) -> set[str]:
        """Event ids this process acknowledged (committed to the inbox, by it or before)."""
        return {line["ack"] for line in list(self.lines) if "ack" in line}

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        """Send ``sig`` and wait for the process to end (killing it if it takes too long)."""
        if self.alive():
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self._log is not None:
            self._log.close()


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--lease-s", type=float, default=10.0)
    parser.add_argument("--poll-s", type=float, default=0.25)
    parser.add_argument("--stall-after", type=int)
    parser.add_argument("--model-delay-s", type=float, default=0.0)
    args = parser.parse_args()
    limits = EngineLimits(lease_s=args.lease_s, poll_s=args.poll_s)
    asyncio.run(serve(args.url, limits, args.stall_after, args.model_delay_s))


if __name__ == "__main__":
    main()
