"""Per-user limits: caps on waiting messages per user and per scope, a token bucket, one notice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from conversation import Engine, EngineLimits, Message
from conversation.limits import Admission, OverLimit, UserQuota
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill
from storage import Ledger
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import message, migrated_database


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def admission(clock: Clock, **quota: float) -> Admission:
    return Admission(UserQuota(**quota), clock)  # type: ignore[arg-type]


def test_a_user_over_the_waiting_cap_is_refused_until_one_is_answered() -> None:
    gate = admission(Clock(), max_queued_per_user=2, burst=100)
    first, second = message("one"), message("two", channel="c2")
    gate.admit(first)
    gate.admit(second)

    with pytest.raises(OverLimit, match="2 messages still waiting") as refused:
        gate.admit(message("three"))
    gate.settle(first)

    assert refused.value.already_told is False
    assert gate.admit(message("three")) is True


def test_a_scope_over_its_cap_is_refused_while_the_same_user_elsewhere_is_not() -> None:
    gate = admission(Clock(), max_queued_per_user=10, max_queued_per_scope=1, burst=100)
    gate.admit(message("one"))

    with pytest.raises(OverLimit, match="This conversation has too many"):
        gate.admit(message("two"))
    assert gate.admit(message("two", channel="elsewhere")) is True


def test_the_token_bucket_refuses_a_burst_and_refills_at_the_rate() -> None:
    clock = Clock()
    gate = admission(clock, max_queued_per_user=100, max_queued_per_scope=100, rate_per_minute=6, burst=2)
    for n in range(2):
        gate.admit(message(f"burst {n}"))

    with pytest.raises(OverLimit, match=r"again in 10 s"):
        gate.admit(message("too fast"))
    clock.now += 10

    assert gate.admit(message("too fast")) is True


def test_only_the_first_refusal_in_a_row_asks_to_be_told() -> None:
    gate = admission(Clock(), max_queued_per_user=1, burst=100)
    waiting = message("one")
    gate.admit(waiting)
    told = []
    for n in range(5):
        with pytest.raises(OverLimit) as refused:
            gate.admit(message(f"more {n}"))
        told.append(refused.value.already_told)
    gate.settle(waiting)
    gate.admit(message("after"))
    with pytest.raises(OverLimit) as again:
        gate.admit(message("and more"))

    assert told == [False, True, True, True, True]
    assert again.value.already_told is False


def test_local_surfaces_and_repeated_event_ids_are_not_counted() -> None:
    gate = admission(Clock(), max_queued_per_user=1, burst=1)
    for n in range(3):
        assert gate.admit(message(f"script {n}", platform="jsonl")) is False
    gate.admit(message("hi", event_id="e1"))

    assert gate.admit(message("hi", event_id="e1")) is False


@pytest.fixture
async def limited(database_url: str, fake_llm: FakeLLM, sink: CollectingSink) -> AsyncIterator[Engine]:
    """A started engine with limits of 3 waiting messages per user, and no rate limit to speak of."""
    quota = UserQuota(max_queued_per_user=3, max_queued_per_scope=3, rate_per_minute=6000, burst=1000)
    router = Router({"chat": ChatSkill("You are a test bot.")})
    engine = Engine(
        Ledger(migrated_database(database_url)),
        fake_llm,
        router,
        EngineLimits(),
        admission=Admission(quota),
    )
    engine.register_sink("test", sink)
    await engine.start()
    yield engine
    await engine.aclose()


async def test_a_flood_of_1000_is_capped_and_everyone_elses_messages_are_all_answered(
    limited: Engine, fake_llm: FakeLLM, sink: CollectingSink
) -> None:
    fake_llm.delay_s = 0.01

    async def send(one: Message) -> str:
        try:
            return "accepted" if (await limited.submit(one)).accepted else "duplicate"
        except OverLimit as refusal:
            return "told" if not refusal.already_told else "quiet"

    flood = [message(f"spam {n}", user="flooder") for n in range(1000)]
    others = [message(f"hello from {user}", user=user) for user in ("ann", "bob", "cy")]
    results = await asyncio.gather(*(send(m) for m in [*flood[:500], *others, *flood[500:]]))
    await limited.join()

    flood_results = results[:500] + results[503:]
    assert results[500:503] == ["accepted"] * 3
    assert flood_results.count("accepted") == 3
    assert flood_results.count("told") == 1
    assert flood_results.count("quiet") == 996
    answered = {m.user: r.text for m, r in sink.replies}
    assert {user: answered[user] for user in ("ann", "bob", "cy")} == {
        user: f"echo: hello from {user}" for user in ("ann", "bob", "cy")
    }
    assert sum(1 for m, _ in sink.replies if m.user == "flooder") == 3


async def test_after_the_answers_the_flooder_may_send_again(limited: Engine, sink: CollectingSink) -> None:
    for n in range(3):
        await limited.submit(message(f"spam {n}", user="flooder"))
    with pytest.raises(OverLimit):
        await limited.submit(message("one more", user="flooder"))
    await limited.join()

    assert (await limited.submit(message("one more", user="flooder"))).accepted
    await limited.join()
    assert sink.replies[-1][1].text == "echo: one more"
