"""Discord part of bench_adapters: gateway dispatches at a burst rate, inbox commit and reply times."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from adapters_bot import bot_process, serve_command
from adapters_measure import (
    BURST_RATE,
    BURST_S,
    STEADY_EVENTS,
    STEADY_RATE,
    Results,
    cpu_seconds,
    percentile,
    pool_note,
)

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import user

Payload = dict[str, Any]
FIRST_USER = 1_100_000_000_000_010_000
FIRST_DM = 1_100_000_000_000_020_000


def discord_dm(fake: FakeDiscord, n: int, text: str) -> Payload:
    return fake.message(text, channel_id=FIRST_DM + n, author=user(FIRST_USER + n, f"user{n}"))


def slash_command_from(fake: FakeDiscord, n: int, text: str) -> Payload:
    """``/order text`` by user number ``n`` in the general channel (each user is a scope of their own)."""
    interaction = fake.slash_command("order", text)
    interaction["member"]["user"] = user(FIRST_USER + n, f"user{n}")
    return interaction


async def dispatch_paced(
    fake: FakeDiscord, events: Sequence[tuple[str, Payload]], rate: float
) -> list[float]:
    """Dispatch ``events`` in order at ``rate``/s (the gateway is one ordered stream); when each went."""
    sent = [0.0] * len(events)
    start = time.monotonic() + 0.05
    for n, (kind, data) in enumerate(events):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        sent[n] = time.monotonic()
        await fake.dispatch(kind, data)
    return sent


def discord_answer_times(fake: FakeDiscord) -> dict[str, float]:
    shown: dict[str, float] = {}
    for call in fake.calls:
        if call.status == 200 and call.method == "POST" and isinstance(call.json, dict):
            shown.setdefault(str(call.json.get("content", "")), call.at)
    return shown


async def bench_discord(results: Results, folder: Path) -> None:
    burst = int(BURST_RATE * BURST_S)
    async with FakeDiscord() as fake:
        command = serve_command(
            "discord", folder / "discord", api_url=fake.api_url, gateway_url=fake.gateway_url
        )
        async with bot_process(command, {}, folder / "discord.log") as bot, httpx.AsyncClient() as http:
            await fake.until(lambda: fake.connected, timeout=30)
            events: list[tuple[str, Payload]] = []
            for n in range(burst):
                if n % 10 == 9:
                    events.append(("INTERACTION_CREATE", slash_command_from(fake, n, f"bench {n}")))
                else:
                    events.append(("MESSAGE_CREATE", discord_dm(fake, n, f"burst {n}")))
            cpu_before = cpu_seconds(bot.process.pid)
            sent = await dispatch_paced(fake, events, BURST_RATE)
            cpu_dispatched = cpu_seconds(bot.process.pid)
            texts = [f"echo: burst {n}" for n in range(burst) if n % 10 != 9]
            await fake.until(lambda: all(t in discord_answer_times(fake) for t in texts), timeout=120)
            cpu_ms = [
                (cpu - cpu_before) * 1000 / burst for cpu in (cpu_dispatched, cpu_seconds(bot.process.pid))
            ]
            timings = (await http.get(f"http://127.0.0.1:{bot.port}/bench/timings")).json()
            shown = discord_answer_times(fake)
            await fake.until(lambda: len(fake.calls_to("POST", r"/webhooks/.*")) >= burst // 10, timeout=120)
            to_handler, to_inbox, replies, deferrals, follow_ups = [], [], [], [], []
            for (kind, data), at in zip(events, sent, strict=True):
                if kind == "MESSAGE_CREATE":
                    event_id = f"discord-msg-{data['id']}"
                    to_handler.append((timings["received"][event_id] - at) * 1000)
                    to_inbox.append((timings["committed"][event_id] - at) * 1000)
                    replies.append(shown[f"echo: {data['content']}"] - at)
                else:
                    [callback] = fake.calls_to("POST", rf"/interactions/{data['id']}/[^/]+/callback")
                    deferrals.append((callback.at - at) * 1000)
                    [answer] = fake.calls_to("POST", rf"/webhooks/\d+/{data['token']}")
                    follow_ups.append(answer.at - at)

            steady_events = [
                ("MESSAGE_CREATE", discord_dm(fake, 1000 + n, f"steady {n}")) for n in range(STEADY_EVENTS)
            ]
            steady_sent = await dispatch_paced(fake, steady_events, STEADY_RATE)
            texts = [f"echo: steady {n}" for n in range(STEADY_EVENTS)]
            await fake.until(lambda: all(t in discord_answer_times(fake) for t in texts), timeout=120)
            shown = discord_answer_times(fake)
            steady = [shown[text] - at for text, at in zip(texts, steady_sent, strict=True)]

    ratio = percentile(to_inbox, 0.99) / percentile(to_handler, 0.99)
    results.text(f"Discord gateway, {burst} events at {BURST_RATE}/s (1 in 10 a slash command):", "")
    results.add("  baseline: dispatch -> discord.py on_message", to_handler)
    results.add(
        "  ack: dispatch -> committed to the inbox",
        to_inbox,
        f"p99 {ratio:.1f}x baseline; bot CPU/event {cpu_ms[0]:.1f} ms in the burst, {cpu_ms[1]:.1f} in all",
    )
    results.add("  slash command: dispatch -> deferral received by Discord", deferrals, "Discord allows 3 s")
    results.add("  slash command (/order, distinct users): dispatch -> follow-up", follow_ups, unit="s")
    message_sent = [at for (kind, _), at in zip(events, sent, strict=True) if kind == "MESSAGE_CREATE"]
    results.add("  reply time in that burst", replies, pool_note(message_sent), unit="s")
    results.add(
        f"Discord reply time, {STEADY_EVENTS} events at {STEADY_RATE}/s, distinct users",
        steady,
        pool_note(steady_sent),
        unit="s",
    )
