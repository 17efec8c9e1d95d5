"""A fresh process answers a burst of first messages, and its first translation stalls nobody.

Both run the real CLI in a subprocess, so that MiniLM, llama-index, lingua and the model load for
the first time in the process, as after a deploy, with the real small model (smollm2-135m).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from conversation.engine import SORRY
from tests.fakes.corpus import PLANTED, write_corpus

pytestmark = pytest.mark.slow

CHATWRIGHT = [sys.executable, "-m", "bots.cli"]
FIRST_MESSAGES = [
    *(f"/ask {question}" for question in PLANTED),
    "/ask Where is the warehouse that ships the orders?",
    "/translate Hi, I would like to order a blender",
    "/translate to Spanish: Hi, I would like to order a blender",
    "/translate Combien coûte le lampadaire?",
    "/translate to French: I want to order a basketball",
    "/proofread The girl with the black and white puppies have a ball.",
    "/proofread Its going to be a long day. Does the car need it's oil changed?",
    "/proofread Their goes my freedom.",
    "/proofread This phrase is to cherck for speling abilitty",
    "Tell me a joke about pizza",
    "What can you do?",
    "Hello there!",
    "/order I'd like a large pepperoni pizza",
    "/order a small cheese pizza and a coke please",
    "/order",
]


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CHATWRIGHT_DATA_DIR": str(data_dir),
        "CHATWRIGHT_MODEL": "smollm2-135m",
        "CHATWRIGHT_LLM_TIMEOUT_S": "600",
        "CHATWRIGHT_MAX_REPLY_TOKENS": "32",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **extra,
    }


@pytest.mark.timeout(1500)
def test_twenty_first_messages_right_after_start_are_all_answered_without_an_error(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    corpus = write_corpus(tmp_path / "corpus")
    ingest = [*CHATWRIGHT, "ingest", str(corpus)]
    subprocess.run(ingest, env=env, cwd=tmp_path, check=True, capture_output=True)
    assert len(FIRST_MESSAGES) == 20
    requests = [
        {"user": f"user{n}", "text": text, "event_id": f"e{n:02d}"} for n, text in enumerate(FIRST_MESSAGES)
    ]

    result = subprocess.run(  # noqa: PLW1510 - the return code is asserted
        [*CHATWRIGHT, "chat", "--jsonl"],
        input="".join(json.dumps(r) + "\n" for r in requests).encode(),
        capture_output=True,
        env=env,
        timeout=1200,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr.decode()[-3000:]
    replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in result.stdout.splitlines():
        reply = json.loads(line)
        replies[reply["event_id"]].append(reply)
    unanswered = [r["text"] for r in requests if r["event_id"] not in replies]
    assert unanswered == []
    errors = [
        (r["text"], reply)
        for r in requests
        for reply in replies[r["event_id"]]
        if "error" in reply or reply["text"] == SORRY or "unavailable" in reply["text"]
    ]
    assert errors == []
    assert b"Traceback" not in result.stderr, result.stderr.decode()[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(port: int, run: subprocess.Popen[bytes], timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert run.poll() is None, "chatwright run exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"no /healthz within {timeout_s:g} s")


class HealthProbe(threading.Thread):
    """Asks /healthz every 20 ms on one kept-alive connection and keeps each answer's latency."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            started = time.perf_counter()
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            self.latencies.append(time.perf_counter() - started)
            time.sleep(0.02)
        connection.close()


def test_the_first_translation_after_a_start_does_not_stall_healthz(tmp_path: Path) -> None:
    port = free_port()
    run = subprocess.Popen(
        [*CHATWRIGHT, "run"],
        env=cli_env(tmp_path, CHATWRIGHT_PORT=str(port)),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_healthy(port, run)
        probe = HealthProbe(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as browser:
            browser.get("/")  # the session cookie
            probe.start()
            time.sleep(0.2)
            with browser.stream(
                "POST", "/api/chat", json={"text": "/translate Combien coûte le lampadaire?"}
            ) as answer:
                events = [json.loads(line) for line in answer.iter_lines() if line]
            time.sleep(0.2)
            probe.stop.set()
            probe.join(30)
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(60)

    replies = [event for event in events if event.get("type") == "reply"]
    assert replies and "French" in replies[0]["text"], events
    assert len(probe.latencies) > 10
    slow = [latency for latency in probe.latencies if latency >= 0.1]
    # Loading lingua in the first detection held the GIL, and /healthz with it, for 2.7-8.5 s.
    # The model decoding on both of this machine's two shared cores leaves a few answers at
    # 0.1-0.3 s: as many during a later, warm translation (load average 8.9, 2026-12-08).
    assert len(slow) <= len(probe.latencies) // 100, sorted(probe.latencies)[-5:]
    assert max(probe.latencies) < 1.0, sorted(probe.latencies)[-5:]
