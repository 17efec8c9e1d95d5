"""The bot side of bench_adapters: a subprocess serving the adapters, and starting/stopping it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).with_name("bench_adapters.py")
SECRET = "bench-signing-secret"
MODEL_S = 4.0


def serve(args: argparse.Namespace) -> None:
    """The web app with one adapter, as ``chatwright run`` wires it, and two bench routes, on ``--port``.

    The engine has only the chat skill, on a FakeLLM taking ``--model-s`` per answer: the intent
    classifier's own model calls would blur what is measured (the adapter, not the router).
    """
    import uvicorn  # noqa: PLC0415 - the parent process needs none of these
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse, Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    from bots.adapter import PlatformAdapter  # noqa: PLC0415
    from bots.web import create_app  # noqa: PLC0415
    from conversation import Message, Submission, load_settings  # noqa: PLC0415
    from conversation.llm import FakeLLM  # noqa: PLC0415
    from tests.fakes.engines import make_engine, sqlite_url  # noqa: PLC0415

    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    llm = FakeLLM(record=False)
    llm.delay_s = args.model_s
    engine = make_engine(sqlite_url(data_dir), llm)
    adapters: list[PlatformAdapter]
    if args.platform == "slack":
        from bots.slack import ProgressTiming, SlackAdapter  # noqa: PLC0415

        settings = load_settings(
            slack_bot_token="xoxb-bench", slack_signing_secret=SECRET, slack_api_url=args.api_url
        )
        quiet = ProgressTiming(show_after_s=3600.0)  # diagnostic only: placeholders never show
        adapters = [SlackAdapter(engine, settings, progress=quiet if args.no_placeholders else None)]
    else:
        from bots.discord import DiscordAdapter  # noqa: PLC0415

        settings = load_settings(
            discord_token="bench-token", discord_api_url=args.api_url, discord_gateway_url=args.gateway_url
        )
        adapters = [DiscordAdapter(engine, settings)]
    received: dict[str, float] = {}
    committed: dict[str, float] = {}
    submit = engine.submit

    async def timed_submit(message: Message) -> Submission:
        submission = await submit(message)
        committed.setdefault(message.event_id, time.monotonic())
        return submission

    engine.submit = timed_submit  # type: ignore[method-assign]
    for adapter in adapters:
        receive = getattr(adapter, "receive_message", None)
        if receive is not None:

            async def timed_receive(message: Any, receive: Any = receive) -> None:
                received.setdefault(f"discord-msg-{message.id}", time.monotonic())
                await receive(message)

            adapter.receive_message = timed_receive  # type: ignore[attr-defined]

    async def baseline(request: Request) -> Response:
        await request.body()
        return Response(status_code=200)

    async def timings(_request: Request) -> Response:
        return JSONResponse({"received": received, "committed": committed})

    app = create_app(engine, adapters)
    app.router.routes[:0] = [
        Route("/bench/baseline", baseline, methods=["POST"]),
        Route("/bench/timings", timings),
    ]
    # The load generator reuses its connections across idle gaps longer than uvicorn's default 5 s.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_keep_alive=120)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class BotProcess:
    """A bot subprocess and the port it serves on."""

    process: asyncio.subprocess.Process
    port: int


@contextlib.asynccontextmanager
async def bot_process(command: Sequence[str], env: dict[str, str], log: Path) -> AsyncIterator[BotProcess]:
    """Start ``command`` with ``env`` (and CHATWRIGHT_PORT); yield it once /healthz answers; stop it after."""
    port = free_port()
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=os.environ | env | {"CHATWRIGHT_PORT": str(port)},
            cwd=ROOT,
            stdout=output,
            stderr=output,
        )
    try:
        await wait_healthy(port, process)
        yield BotProcess(process, port)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_healthy(port: int, process: asyncio.subprocess.Process, timeout: float = 60) -> None:
    async with httpx.AsyncClient() as http, asyncio.timeout(timeout):
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"the bot exited with {process.returncode} during start-up")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)


def serve_command(platform: str, data_dir: Path, *options: str, **urls: str) -> list[str]:
    command = [sys.executable, str(SCRIPT), "serve", platform, "--data-dir", str(data_dir)]
    command += ["--model-s", str(MODEL_S), *options]
    for name, url in urls.items():
        command += [f"--{name.replace('_', '-')}", url]
    return command
