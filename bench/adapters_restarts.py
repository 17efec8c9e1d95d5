"""Restart part of bench_adapters: `chatwright run` killed mid-burst and restarted, replies counted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from adapters_bot import SECRET, bot_process
from adapters_measure import Results, paced
from adapters_slack import signed, slack_dm

from tests.fakes.slack_api import FakeSlackApi

PLACEHOLDER = "…"
RESTART_EVENTS, RESTART_RATE = 50, 25


@dataclass
class RestartOutcome:
    """What one kill-and-restart run left at the fake Slack."""

    model: str
    stop: signal.Signals
    acked_before: int
    lost: int
    lost_acked: int
    duplicated: int
    progress_left: int
    exit_code: int | None
    stop_s: float


def is_progress(text: str) -> bool:
    """A placeholder ("…") or a streamed preview ("partial text …"), not a finished answer."""
    return text == PLACEHOLDER or text.endswith(" " + PLACEHOLDER)


async def restart_mid_burst(folder: Path, stop: signal.Signals, model: str) -> RestartOutcome:
    """`chatwright run` gets 50 events at 25/s and ``stop`` after the 25th; then it is restarted.

    Events whose delivery got no 200 are delivered again to the restarted bot with Slack's retry
    headers, as Slack does; acked ones are not.
    """
    name = f"restart-{model}-{stop.name}"
    env = {
        "CHATWRIGHT_SLACK_SIGNING_SECRET": SECRET,
        "CHATWRIGHT_SLACK_BOT_TOKEN": "xoxb-bench",
        "CHATWRIGHT_MODEL": model,
        "CHATWRIGHT_MAX_REPLY_TOKENS": "24",
        "CHATWRIGHT_DATA_DIR": str(folder / name),
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-m", "bots.cli", "run"]
    bodies = [signed(slack_dm("restart", n)) for n in range(RESTART_EVENTS)]
    acked = [False] * RESTART_EVENTS
    async with FakeSlackApi() as slack:
        env["CHATWRIGHT_SLACK_API_URL"] = slack.base_url
        async with (
            bot_process(command, env, folder / f"{name}.log") as bot,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{bot.port}", timeout=10) as http,
        ):
            stopping: list[asyncio.Task[float]] = []

            async def stop_and_time() -> float:
                """Send ``stop``; how long the bot took to exit."""
                stopped_at = time.monotonic()
                bot.process.send_signal(stop)
                await bot.process.wait()
                return time.monotonic() - stopped_at

            async def send(n: int) -> None:
                if n == RESTART_EVENTS // 2:
                    stopping.append(asyncio.create_task(stop_and_time()))
                body, headers = bodies[n]
                with contextlib.suppress(httpx.HTTPError):
                    response = await http.post("/slack/events", content=body, headers=headers)
                    acked[n] = response.status_code == 200

            await paced(RESTART_EVENTS, RESTART_RATE, send)
            stop_s = await asyncio.wait_for(stopping[0], 300)
            exit_code = bot.process.returncode
        acked_before = sum(acked)

        async with (
            bot_process(command, env, folder / f"{name}.log") as bot,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{bot.port}", timeout=10) as http,
        ):
            for n in (n for n in range(RESTART_EVENTS) if not acked[n]):
                body, _ = bodies[n]
                _, headers = signed(json.loads(body), retry_num=1)
                response = await http.post("/slack/events", content=body, headers=headers)
                acked[n] = response.status_code == 200

            def answered() -> Counter[str]:
                return Counter(m.channel for m in slack.messages if not m.deleted and not is_progress(m.text))

            with contextlib.suppress(TimeoutError):
                await slack.wait_until(lambda: len(answered()) >= RESTART_EVENTS, timeout=180)
            await asyncio.sleep(2)  # a late duplicate would arrive now
            answers = answered()
    lost = [n for n in range(RESTART_EVENTS) if answers[f"Drestart{n}"] == 0]
    return RestartOutcome(
        model=model,
        stop=stop,
        acked_before=acked_before,
        lost=len(lost),
        lost_acked=sum(acked[n] for n in lost),
        duplicated=sum(count > 1 for count in answers.values()),
        progress_left=sum(is_progress(m.text) and not m.deleted for m in slack.messages),
        exit_code=exit_code,
        stop_s=stop_s,
    )


async def bench_restarts(results: Results, folder: Path) -> None:
    runs = [
        await restart_mid_burst(folder, stop, model)
        for model in ("fake", "smollm2-135m")
        for stop in (signal.SIGTERM, signal.SIGKILL)
    ]
    results.after += [
        "",
        f"`chatwright run` killed after event {RESTART_EVENTS // 2} of {RESTART_EVENTS} "
        f"({RESTART_RATE}/s), restarted; unacked events retried",
        f"{'model':<14} {'signal':<8} {'acked before':>12} {'lost':>5} {'lost+acked':>10} "
        f"{'duplicated':>10} {'progress left':>13} {'stop took':>9}  exit",
    ]
    results.after += [
        f"{run.model:<14} {run.stop.name:<8} {run.acked_before:>12} {run.lost:>5} "
        f"{run.lost_acked:>10} {run.duplicated:>10} {run.progress_left:>13} "
        f"{run.stop_s:>8.1f}s  {run.exit_code}"
        for run in runs
    ]
