"""Retry storms: every event arrives 1-4 times (Slack retries, Discord gateway replays) -> one reply each.

Both platforms run through the wiring of ``chatwright run`` (``bots.runner.configured_adapters`` and
``bots.web.create_app`` with its lifespan); Slack is served by uvicorn on a real socket and gets
signed HTTP requests, Discord is discord.py on the fake gateway. Assertions are on what the fakes
received. The harnesses are in tests/fakes/adapter_servers.py.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import pytest

import bots.discord.sink
from conversation import EngineLimits
from conversation.llm import FakeLLM
from tests.fakes.adapter_servers import (
    FIRST_DM,
    REPLIES,
    discord_answers,
    dm_from,
    inbox_statuses,
    serve_discord,
    serve_slack,
    slack_answers,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_objects import Payload
from tests.fakes.engines import make_engine, sqlite_url
from tests.fakes.slack_api import FakeSlackApi, event_callback, mention_event, message_event

# -- Slack ----------------------------------------------------------------------------------------

EVENTS = 200


def storm_event(n: int) -> Payload:
    """Event ``n``: mostly DMs from 13 users, every fourth a mention in one of 5 channels."""
    ts = f"{1_700_000_000 + n}.000100"
    if n % 4 == 3:
        event = mention_event(f"<@UBOT> storm {n}", user=f"U{n % 13}", channel=f"C{n % 5}", ts=ts)
    else:
        event = message_event(f"storm {n}", user=f"U{n % 13}", channel=f"D{n % 13}", ts=ts, channel_type="im")
    return event_callback(event, f"EvStorm{n:03d}")


async def test_slack_retry_storm_of_200_events_delivered_1_to_4_times_gets_exactly_200_replies(
    tmp_path: Path,
) -> None:
    chance = random.Random(20_240_611)
    deliveries = [
        (storm_event(n), retry_num) for n in range(EVENTS) for retry_num in range(chance.randint(1, 4))
    ]
    chance.shuffle(deliveries)  # retries may overtake their first delivery, as when it was lost
    database_url = sqlite_url(tmp_path)

    async with FakeSlackApi() as slack:
        engine = make_engine(database_url, FakeLLM(), EngineLimits(retry_after_s=60))
        async with serve_slack(slack, engine) as server:
            statuses: list[int] = []
            while deliveries:
                size = chance.randint(1, 30)  # up to 30 requests in flight at once
                batch, deliveries = deliveries[:size], deliveries[size:]
                responses = await asyncio.gather(*(server.deliver(p, n) for p, n in batch))
                statuses += [response.status_code for response in responses]
            await slack.wait_until(lambda: sum(slack_answers(slack).values()) >= EVENTS, timeout=15)
            await engine.join()
        answers = slack_answers(slack)  # after shutdown: nothing arrived late

    assert Counter(statuses) == {200: len(statuses)}
    assert len(statuses) > 400, "about 2.5 deliveries per event"
    assert answers == Counter({f"echo: storm {n}": 1 for n in range(EVENTS)})
    assert inbox_statuses(database_url) == {"done": EVENTS}


# -- Discord --------------------------------------------------------------------------------------


async def test_discord_200_messages_dispatched_1_to_4_times_and_replayed_on_resume_get_exactly_200_replies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chance = random.Random(20_240_612)
    async with FakeDiscord() as fake:
        messages = [dm_from(fake, n % 13, f"storm {n}") for n in range(EVENTS)]
        dispatches = [data for data in messages for _ in range(chance.randint(1, 4))]
        chance.shuffle(dispatches)
        drops = {len(dispatches) // 3, 2 * len(dispatches) // 3}
        engine = make_engine(sqlite_url(tmp_path), FakeLLM(), EngineLimits(retry_after_s=60))

        async with serve_discord(fake, engine):
            for number, data in enumerate(dispatches):
                sequence = await fake.dispatch("MESSAGE_CREATE", data)
                if number in drops:  # a reconnect; the RESUME replays the last 40 events once more
                    await fake.until(lambda: fake.connected)
                    await fake.drop_connection(replay_from=max(2, sequence - 40))
            await fake.until(lambda: sum(discord_answers(fake).values()) >= EVENTS, timeout=15)
            await engine.join()
        answers = discord_answers(fake)
        posted = fake.calls_to("POST", REPLIES)

    assert len(fake.resumes) == 2 and len(fake.identifies) == 1
    assert len(fake.replayed) >= 80
    assert len(dispatches) > 400
    assert answers == Counter({f"echo: storm {n}": 1 for n in range(EVENTS)})
    assert [call.status for call in posted] == [200] * EVENTS


async def test_a_discord_replay_while_the_answer_is_being_written_leaves_no_typing_indicator_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bots.discord.sink, "TYPING_REFRESH_S", 0.05)
    llm = FakeLLM()
    llm.delay_s = 0.5
    async with FakeDiscord() as fake:
        typing = lambda: fake.calls_to("POST", rf"/channels/{FIRST_DM}/typing")  # noqa: E731
        engine = make_engine(sqlite_url(tmp_path), llm, EngineLimits(retry_after_s=60))
        async with serve_discord(fake, engine):
            data = dm_from(fake, 0, "write slowly")
            await fake.dispatch("MESSAGE_CREATE", data)
            await fake.until(typing)
            await fake.dispatch("MESSAGE_CREATE", data)  # the gateway delivers it again
            await fake.until(lambda: fake.contents_in(FIRST_DM))
            await engine.join()
            typed_until_the_answer = len(typing())
            await asyncio.sleep(0.4)
            typed_later = len(typing())

    assert fake.contents_in(FIRST_DM) == ["echo: write slowly"]
    assert typed_later == typed_until_the_answer, "still 'typing…' after the answer was posted"
