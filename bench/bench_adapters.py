"""Slack and Discord adapters: ack latency while the model is busy, reply time, restarts mid-burst.

Run: .venv/bin/python bench/bench_adapters.py
(a) Ack latency under a burst of 200 events/s for 3 s while a 4 s model works. Slack: signed request
    -> HTTP 200 from uvicorn, against a bare Starlette endpoint on the same server (the baseline);
    once more with the progress placeholders switched off (a diagnostic, not the product), and the
    bot's CPU time per event (the box has few cores, shared with other work: see the load average).
    Discord: gateway dispatch -> inbox commit, against dispatch -> discord.py's on_message (baseline);
    slash commands: dispatch -> the deferral reaching Discord.
(b) Reply time with a 4 s model at 10 events/s across distinct users, against what 5 worker threads
    with an unbounded queue (Bolt's listener executor) would give on the same arrivals (computed).
(c) `chatwright run` (python -m bots.cli run) killed mid-burst of 50 signed Slack events, SIGTERM
    and SIGKILL, restarted; events not acked are retried as Slack does; replies counted at the fake.
The bot runs in a subprocess (this file with ``serve``), the fake platforms and the load here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from tests.fakes.discord_api import FakeDiscord, user
from tests.fakes.slack_api import FakeSlackApi, event_callback, message_event, signed_headers

COMMAND = "Run: .venv/bin/python bench/bench_adapters.py"
ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
PLACEHOLDER = "…"
MODEL_S = 4.0
BURST_RATE, BURST_S = 200, 3.0
STEADY_RATE, STEADY_EVENTS = 10, 50
BOLT_THREADS = 5
RESTART_EVENTS, RESTART_RATE = 50, 25
FIRST_USER = 1_100_000_000_000_010_000
FIRST_DM = 1_100_000_000_000_020_000

Payload = dict[str, Any]


# -- the bot side (a subprocess) ------------------------------------------------------------------


def serve(args: argparse.Namespace) -> None:
    """``chatwright run``'s app with a FakeLLM of ``--model-s`` and two bench routes, on ``--port``."""
    import uvicorn  # noqa: PLC0415 - the parent process needs none of these
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse, Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    from bots.runner import configured_adapters  # noqa: PLC0415
    from bots.web import create_app  # noqa: PLC0415
    from conversation import Message, Submission, build_engine, load_settings  # noqa: PLC0415
    from conversation.llm import FakeLLM  # noqa: PLC0415

    if args.platform == "slack":
        platform: dict[str, Any] = {
            "slack_bot_token": "xoxb-bench",
            "slack_signing_secret": SECRET,
            "slack_api_url": args.api_url,
        }
    else:
        import yarl  # noqa: PLC0415
        from discord.gateway import DiscordWebSocket  # noqa: PLC0415
        from discord.http import Route as DiscordRoute  # noqa: PLC0415

        DiscordRoute.BASE = args.api_url
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(args.gateway_url)
        platform = {"discord_token": "bench-token"}
    if args.no_placeholders:  # diagnostic only: Slack progress placeholders never show
        import bots.slack.sink  # noqa: PLC0415
        from bots.slack import ProgressTiming  # noqa: PLC0415

        bots.slack.sink.ProgressTiming = partial(ProgressTiming, show_after_s=3600.0)  # type: ignore[misc]
    settings = load_settings(data_dir=Path(args.data_dir), model="fake", port=args.port, **platform)
    llm = FakeLLM()
    llm.delay_s = args.model_s
    engine = build_engine(settings, llm)
    adapters = configured_adapters(engine, settings)
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
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


# -- measuring ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    rows: list[Row] = field(default_factory=list)
    restarts: list[RestartOutcome] = field(default_factory=list)

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
        if self.restarts:
            print()
            print(
                f"`chatwright run` killed after event {RESTART_EVENTS // 2} of {RESTART_EVENTS} "
                f"({RESTART_RATE}/s), restarted; unacked events retried"
            )
            print(
                f"{'model':<14} {'signal':<8} {'acked before':>12} {'lost':>5} {'lost+acked':>10} "
                f"{'duplicated':>10} {'progress left':>13} {'stop took':>9}  exit"
            )
            for run in self.restarts:
                print(
                    f"{run.model:<14} {run.stop.name:<8} {run.acked_before:>12} {run.lost:>5} "
                    f"{run.lost_acked:>10} {run.duplicated:>10} {run.progress_left:>13} "
                    f"{run.stop_s:>8.1f}s  {run.exit_code}"
                )


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
    command = [sys.executable, str(Path(__file__).resolve()), "serve", platform, "--data-dir", str(data_dir)]
    command += ["--model-s", str(MODEL_S), *options]
    for name, url in urls.items():
        command += [f"--{name.replace('_', '-')}", url]
    return command


# -- Slack ----------------------------------------------------------------------------------------


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
    http: httpx.AsyncClient, path: str, bodies: Sequence[tuple[bytes, dict[str, str]]], rate: float
) -> tuple[list[float], list[float], Counter[int]]:
    """Send ``bodies`` at ``rate``/s; returns when each was sent, its latency (ms), and the statuses."""
    sent = [0.0] * len(bodies)
    latency = [0.0] * len(bodies)
    statuses: Counter[int] = Counter()

    async def send(n: int) -> None:
        body, headers = bodies[n]
        sent[n] = time.monotonic()
        started = time.perf_counter()
        response = await http.post(path, content=body, headers=headers)
        latency[n] = (time.perf_counter() - started) * 1000
        statuses[response.status_code] += 1

    await paced(len(bodies), rate, send)
    return sent, latency, statuses


@dataclass
class SlackBench:
    """A warmed-up bench bot and the fake Slack it talks to."""

    slack: FakeSlackApi
    http: httpx.AsyncClient
    pid: int

    async def burst(self, label: str, count: int, rate: float) -> SlackBurst:
        """``count`` DMs at ``rate``/s; returns once every answer is shown."""
        bodies = [signed(slack_dm(label, n)) for n in range(count)]
        cpu_before = cpu_seconds(self.pid)
        sent, acks, statuses = await slack_posts(self.http, "/slack/events", bodies, rate)
        cpu_acked = cpu_seconds(self.pid)
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
        return SlackBurst(sent, acks, replies, statuses, cpu_ms)


@dataclass
class SlackBurst:
    sent: list[float]
    acks: list[float]
    replies: list[float]
    statuses: Counter[int]
    cpu_ms: tuple[float, float]
    """Bot CPU per event: while the burst was sent, and in all (until every answer was shown)."""

    def note(self, baseline_p99: float) -> str:
        during, total = self.cpu_ms
        return (
            f"{dict(self.statuses)}; p99 {percentile(self.acks, 0.99) / baseline_p99:.0f}x baseline; "
            f"bot CPU/event {during:.1f} ms in the burst, {total:.1f} ms in all"
        )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def slack_bench(
    slack: FakeSlackApi, folder: Path, name: str, *options: str
) -> AsyncIterator[SlackBench]:
    """The bench bot (``serve slack``) for ``slack``, warmed up."""
    command = serve_command("slack", folder / name, *options, api_url=slack.base_url)
    async with (
        bot_process(command, {}, folder / f"{name}.log") as bot,
        httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{bot.port}",
            limits=httpx.Limits(max_connections=400, max_keepalive_connections=400),
            timeout=30,
        ) as http,
    ):
        bench = SlackBench(slack, http, bot.process.pid)
        warm_up = [signed(slack_dm(f"warm{name}", n)) for n in range(20)]
        await slack_posts(http, "/bench/baseline", warm_up, 100)
        await bench.burst(f"warm{name}", 20, 100)
        yield bench


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
    results.add("  reply time in that burst", burst.replies, _pool_note(burst.sent), unit="s")
    results.add(
        f"Slack reply time, {STEADY_EVENTS} events at {STEADY_RATE}/s, distinct users",
        steady.replies,
        f"{dict(steady.statuses)}; " + _pool_note(steady.sent),
        unit="s",
    )
    duplicated = sum(count > 1 for count in answers.values())
    results.text("  Slack answers posted more than once (all phases)", str(duplicated))


def _pool_note(sent: Sequence[float]) -> str:
    arrivals = [at - sent[0] for at in sent]
    pool = pool_reply_times(arrivals, MODEL_S, BOLT_THREADS)
    p50, p99 = percentile(pool, 0.5), percentile(pool, 0.99)
    return f"{BOLT_THREADS}-thread pool would give p50 {p50:.1f} s, p99 {p99:.1f} s"


# -- Discord --------------------------------------------------------------------------------------


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
    results.add("  reply time in that burst", replies, _pool_note(message_sent), unit="s")
    results.add(
        f"Discord reply time, {STEADY_EVENTS} events at {STEADY_RATE}/s, distinct users",
        steady,
        _pool_note(steady_sent),
        unit="s",
    )


# -- restarts -------------------------------------------------------------------------------------


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
    for model in ("fake", "smollm2-135m"):
        for stop in (signal.SIGTERM, signal.SIGKILL):
            results.restarts.append(await restart_mid_burst(folder, stop, model))


# -- main -----------------------------------------------------------------------------------------


SECTIONS = {"slack": bench_slack, "discord": bench_discord, "restarts": bench_restarts}


async def run_all(sections: Sequence[str]) -> None:
    results = Results()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            for section in sections:
                await SECTIONS[section](results, folder)
        finally:
            results.print()
            print(f"load average after: {os.getloadavg()[0]:.2f} (other processes share these CPUs)")
            for log in sorted(folder.glob("*.log")):
                errors = [
                    line for line in log.read_text().splitlines() if "Traceback" in line or "ERROR" in line
                ]
                if errors:
                    print(f"{log.name}: {len(errors)} error lines, first: {errors[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run only these parts")
    commands = parser.add_subparsers(dest="command")
    server = commands.add_parser("serve", help="(internal) run the bot for the bench")
    server.add_argument("platform", choices=["slack", "discord"])
    server.add_argument("--data-dir", required=True)
    server.add_argument("--model-s", type=float, default=MODEL_S)
    server.add_argument("--api-url", required=True)
    server.add_argument("--gateway-url", default="")
    server.add_argument("--no-placeholders", action="store_true")
    args = parser.parse_args()
    if args.command == "serve":
        args.port = int(os.environ["CHATWRIGHT_PORT"])
        serve(args)
        return
    print(COMMAND, flush=True)
    print(f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}", flush=True)
    asyncio.run(run_all(args.only or list(SECTIONS)))


if __name__ == "__main__":
    main()
