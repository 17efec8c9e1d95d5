"""The real CLI in a subprocess with the real embedded model: answers, and survives SIGKILL."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

CHATWRIGHT = [sys.executable, "-m", "bots.cli"]


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHATWRIGHT_DATA_DIR": str(data_dir),
        "CHATWRIGHT_MODEL": "smollm2-135m",
        "CHATWRIGHT_LLM_TIMEOUT_S": "600",
        **extra,
    }


def lines_of(*requests: dict[str, str]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in requests)


def test_real_model_answers_through_chat_jsonl(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: PLW1510 - the return code is asserted
        [*CHATWRIGHT, "chat", "--jsonl"],
        input=lines_of(
            {"user": "ann", "text": "Say hello.", "event_id": "a"},
            {"user": "bob", "text": "What is 2 + 2?", "event_id": "b"},
        ),
        capture_output=True,
        env=cli_env(tmp_path, CHATWRIGHT_MAX_REPLY_TOKENS="24"),
        timeout=120,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr.decode()
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["event_id"] for r in replies) == ["a", "b"]
    assert all(r["skill"] == "chat" and r["text"].strip() and not r["notice"] for r in replies)


def read_replies(process: subprocess.Popen[bytes], count: int, timeout: float) -> list[dict[str, Any]]:
    """Read reply lines from the process until ``count`` arrived."""
    assert process.stdout is not None
    replies: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(replies) < count:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"only {len(replies)} replies within {timeout} s"
        replies.append(json.loads(process.stdout.readline()))
    return replies


def test_sigkill_mid_burst_then_restart_answers_every_message_exactly_once(tmp_path: Path) -> None:
    requests = [
        {"user": f"user{n % 3}", "text": f"Tell me a long story about the number {n}.", "event_id": f"e{n}"}
        for n in range(10)
    ]
    env = cli_env(tmp_path, CHATWRIGHT_MAX_REPLY_TOKENS="48")
    first = subprocess.Popen(
        [*CHATWRIGHT, "chat", "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert first.stdin is not None
        first.stdin.write(lines_of(*requests))
        first.stdin.flush()  # stdin stays open: the process is still "running" when killed
        before = read_replies(first, 3, timeout=120)
        time.sleep(0.1)  # let the third reply's sent-mark commit; the next reply is ~0.4 s away
    finally:  # also when reading fails, so no orphan keeps the CPU busy
        first.send_signal(signal.SIGKILL)
        first.wait()

    second = subprocess.run(  # noqa: PLW1510 - the return code is asserted
        [*CHATWRIGHT, "chat", "--jsonl"],
        input=lines_of(*requests),
        capture_output=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    after = [json.loads(line) for line in second.stdout.splitlines()]

    assert second.returncode == 0, second.stderr.decode()
    answered = Counter(r["event_id"] for r in before + after)
    assert answered == Counter({r["event_id"]: 1 for r in requests})
