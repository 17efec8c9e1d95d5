"""Slack part of bench_adapters: signed Events API requests at a burst rate, ack and reply times."""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters_bot import MODEL_S, SECRET, bot_process, serve_command
from adapters_measure import (
    BURST_RATE,
    BURST_S,
    STEADY_EVENTS,
    STEADY_RATE,
    Results,
    cpu_seconds,
    paced,
    percentile,
    pool_note,
)
from http_load import LeanHttpClient

from tests.fakes.slack_api import FakeSlackApi, event_callback, message_event, signed_headers

Payload = dict[str, Any]


def slack_dm(label: str, n: int) -> Payload:
    text = f"{label} {n}"
    event = message_event(
        text, user=f"U{label}{n}", channel=f"D{label}{n}", ts=f"{1_700_000_000 + n}.000100", channel_type="im"
    )
    return event_callback(event, f"Ev{label}{n:05d}")


def signed(payload: Payload, retry_num: int = 0) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **signed_headers(body, SECRET)}
    if retry_num:
        headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
    return body, headers


def slack_answer_times(slack: FakeSlackApi) -> dict[str, float]:
    """When each answer became visible (posted, or edited into its placeholder), by its text."""
    shown: dict[str, float] = {}
    for call in slack.calls_to("chat.postMessage") + slack.calls_to("chat.update"):
        shown.setdefault(str(call.args.get("text", "")), call.at)
    return shown


async def slack_posts(
    http: LeanHttpClient, path: str, bodies: Sequence[tuple[bytes, dict[str, str]]], rate: float
) -> tuple[list[float], list[float], Counter[int]]:
    """Send ``bodies`` at ``rate``/s; returns when each was sent, its latency (ms), and the statuses."""
    sent = [0.0] * len(bodies)
    latency = [0.0] * len(bodies)
    statuses: Counter[int] = Counter()

    async def send(n: int) -> None:
        body, headers = bodies[n]
        sent[n] = time.monotonic()
        started = time.perf_counter()
        status = await http.post(path, body, headers)
        latency[n] = (time.perf_counter() - started) * 1000
        statuses[status] += 1

    await paced(len(bodies), rate, send)
    return sent, latency, statuses


@dataclass
class SlackBench:
    """A warmed-up bench bot and the fake Slack it talks to."""

    slack: FakeSlackApi
    http: LeanHttpClient
    pid: int

    async def burst(self, label: str, count: int, rate: float) -> SlackBurst:
        """``count`` DMs at ``rate``/s; returns once every answer is shown."""
        bodies = [signed(slack_dm(label, n)) for n in range(count)]
        cpu_before, own_cpu_before = cpu_seconds(self.pid), time.process_time()
        sent, acks, statuses = await slack_posts(self.http, "/slack/events", bodies, rate)
        cpu_acked, own_cpu = cpu_seconds(self.pid), time.process_time() - own_cpu_before
        texts = [f"echo: {label} {n}" for n in range(count)]
        await self.slack.wait_until(
            lambda: all(t in slack_answer_times(self.slack) for t in texts), timeout=180
        )
        shown = slack_answer_times(self.slack)
        replies = [shown[text] - at for text, at in zip(texts, sent, strict=True)]
        cpu_ms = (
            (cpu_acked - cpu_before) * 1000 / count,
            (cpu_seconds(self.pid) - cpu_before) * 1000 / count,
        )
        return SlackBurst(sent, acks, replies, statuses, cpu_ms, own_cpu * 1000 / count)


@dataclass
class SlackBurst:
    sent: list[float]
    acks: list[float]
    replies: list[float]
    statuses: Counter[int]
    cpu_ms: tuple[float, float]
    """Bot CPU per event: while the burst was sent, and in all (until every answer was shown)."""
    load_cpu_ms: float
    """CPU per event of this process (load generator and fake Slack) while the burst was sent."""

    def note(self, baseline_p99: float) -> str:
        during, total = self.cpu_ms
        return (
            f"{dict(self.statuses)}; p99 {percentile(self.acks, 0.99) / baseline_p99:.0f}x baseline; "
            f"bot CPU/event {during:.1f} ms in the burst, {total:.1f} ms in all; "
            f"load generator + fake Slack {self.load_cpu_ms:.1f} ms"
        )


@contextlib.asynccontextmanager
async def slack_bench(
    slack: FakeSlackApi, folder: Path, name: str, *options: str
) -> AsyncIterator[SlackBench]:
    """The bench bot (``serve slack``) for ``slack``, warmed up."""
    command = serve_command("slack", folder / name, *options, api_url=slack.base_url)
    async with bot_process(command, {}, folder / f"{name}.log") as bot:
        http = LeanHttpClient("127.0.0.1", bot.port)
        try:
            bench = SlackBench(slack, http, bot.process.pid)
            warm_up = [signed(slack_dm(f"warm{name}", n)) for n in range(20)]
            await slack_posts(http, "/bench/baseline", warm_up, 100)
            await bench.burst(f"warm{name}", 20, 100)
            yield bench
        finally:
            await http.aclose()


async def bench_slack(results: Results, folder: Path) -> None:
    count = int(BURST_RATE * BURST_S)
    async with FakeSlackApi() as slack:
        async with slack_bench(slack, folder, "slack") as bot:
            bodies = [signed(slack_dm("base", n)) for n in range(count)]
            _, baseline, _ = await slack_posts(bot.http, "/bench/baseline", bodies, BURST_RATE)
            burst = await bot.burst("burst", count, BURST_RATE)
            steady = await bot.burst("steady", STEADY_EVENTS, STEADY_RATE)
        async with slack_bench(slack, folder, "slack-diagnostic", "--no-placeholders") as bot:
            quiet = await bot.burst("quiet", count, BURST_RATE)
    answers = Counter(m.text for m in slack.messages if not m.deleted and m.text.startswith("echo: "))

    baseline_p99 = percentile(baseline, 0.99)
    results.text(f"Slack HTTP, {count} events at {BURST_RATE}/s, FakeLLM {MODEL_S:.0f} s:", "")
    results.add("  baseline: bare Starlette POST on the same uvicorn", baseline)
    results.add(
        "  ack: signed /slack/events -> 200 (Bolt, inbox commit)", burst.acks, burst.note(baseline_p99)
    )
    results.add("  same, diagnostic: progress placeholders disabled", quiet.acks, quiet.note(baseline_p99))
    results.add("  reply time in that burst", burst.replies, pool_note(burst.sent), unit="s")
    results.add(
        f"Slack reply time, {STEADY_EVENTS} events at {STEADY_RATE}/s, distinct users",
        steady.replies,
        f"{dict(steady.statuses)}; " + pool_note(steady.sent),
        unit="s",
    )
    duplicated = sum(count > 1 for count in answers.values())
    results.text("  Slack answers posted more than once (all phases)", str(duplicated))
