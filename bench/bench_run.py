"""`make run` to its first answer, and the peak RSS of `chatwright run`, on the embedded defaults.

Run: .venv/bin/python bench/bench_run.py [model]   (default: the configured one, qwen2.5-1.5b)
Starts `make run` as a newcomer would, with a fresh data dir (the set-up and the joined model
are reused when present, as they are after the first time) on a free port, waits for /healthz,
asks one question in the web chat's API and reads the streamed answer. The baseline in the same
run is the bare model: loading it with llama-cpp-python and reading the same question's first
token, in a process of its own.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Hello! What can you do?"
BARE_FIRST_TOKEN = """
import sys, time
started = time.perf_counter()
import llama_cpp
from pathlib import Path
from conversation.llm.models import resolve_model_path
path = resolve_model_path(sys.argv[1], Path(sys.argv[2]))
llm = llama_cpp.Llama(model_path=str(path), n_ctx=4096, verbose=False)
chat = [{"role": "user", "content": sys.argv[3]}]
next(iter(llm.create_chat_completion(chat, max_tokens=8, stream=True)))
print(time.perf_counter() - started)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_healthy(port: int, timeout_s: float = 600.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"chatwright run did not answer /healthz within {timeout_s:g} s")


def first_piece_and_done(port: int) -> tuple[float, float]:
    """Seconds from now to the answer's first streamed piece, and to its end."""
    body = json.dumps({"user": "bench", "text": QUESTION}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    first = 0.0
    with urllib.request.urlopen(request, timeout=600) as response:
        for line in response:
            if json.loads(line).get("type") == "done":
                break
            first = first or time.perf_counter() - started
    return first, time.perf_counter() - started


def peak_rss_mb(parent: int) -> float:
    """The largest VmHWM among ``parent``'s descendants (the `chatwright run` process)."""
    group = subprocess.run(["pgrep", "-g", str(parent)], check=False, capture_output=True, text=True)
    children = group.stdout.split()
    peaks = [0.0]
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM")]
    return max(peaks)


def main(model: str | None) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ, CHATWRIGHT_DATA_DIR=data_dir, CHATWRIGHT_PORT=str(port), HF_HUB_OFFLINE="1")
        if model:
            env["CHATWRIGHT_MODEL"] = model
        started = time.perf_counter()
        run = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_until_healthy(port)
            healthy = time.perf_counter() - started
            first, done = first_piece_and_done(port)
            rss = peak_rss_mb(run.pid)
        finally:
            os.killpg(run.pid, signal.SIGTERM)
            run.wait(60)
    name = model or "qwen2.5-1.5b"
    cache = os.environ.get("CHATWRIGHT_CACHE_DIR", str(Path("~/.cache/chatwright").expanduser()))
    bare = subprocess.run(
        [sys.executable, "-c", BARE_FIRST_TOKEN, name, cache, QUESTION],
        cwd=ROOT,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"model {name}; `make run` with a fresh data dir (set-up and joined model reused)")
    print(f"{'measure':<52} {'value':>10}")
    print(f"{'/healthz answers':<52} {healthy:>8.1f} s")
    print(f"{'first streamed piece of the first answer':<52} {healthy + first:>8.1f} s")
    print(f"{'first answer complete':<52} {healthy + done:>8.1f} s")
    print(f"{'baseline: load the bare model, first token':<52} {float(bare.stdout):>8.1f} s")
    print(f"{'peak RSS of chatwright run (VmHWM)':<52} {rss:>7,.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
