"""The engine on an OpenAI-compatible server (selected by configuration), against a local fake of its API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation import Engine, load_settings
from conversation.assembly import build_engine
from storage.tables import inbox
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import message
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
async def openai_engine(
    server: FakeOpenAIServer, tmp_path: Path, sink: CollectingSink
) -> AsyncIterator[Engine]:
    settings = load_settings(
        model="openai:tiny-model",
        openai_base_url=server.base_url,
        data_dir=tmp_path,
        llm_timeout_s=1.0,
        retry_after_s=0.3,
        persona="You are Pip.",
    )
    engine = build_engine(settings)
    engine.register_sink("test", sink)
    await engine.start()
    yield engine
    await engine.aclose()
    await engine.llm.aclose()


async def test_answer_streams_from_the_server_with_persona_and_history(
    openai_engine: Engine, server: FakeOpenAIServer, sink: CollectingSink
) -> None:
    server.answer = "Nice to meet you, Ann."
    await openai_engine.submit(message("I am Ann", event_id="1"))
    await openai_engine.join()
    server.answer = "You are Ann."
    await openai_engine.submit(message("Who am I?", event_id="2"))
    await openai_engine.join()

    assert sink.texts_for("2") == ["You are Ann."]
    assert "".join(sink.pieces["2"]) == "You are Ann."
    assert server.requests[-1]["model"] == "tiny-model"
    assert server.requests[-1]["stream"] is True
    system, *turns = server.requests[-1]["messages"]
    assert system["role"] == "system" and system["content"].startswith("You are Pip.\n")
    assert "- /translate: " in system["content"], "the persona is told the bot's other skills"
    assert turns == [
        {"role": "user", "content": "I am Ann"},
        {"role": "assistant", "content": "Nice to meet you, Ann."},
        {"role": "user", "content": "Who am I?"},
    ]


@pytest.mark.parametrize("failure", ["http-500", "stall"])
async def test_server_failure_gives_a_clear_notice_keeps_the_event_and_answers_when_back(
    openai_engine: Engine, server: FakeOpenAIServer, sink: CollectingSink, failure: str
) -> None:
    if failure == "http-500":
        server.status = 500
    else:
        server.delay_s = 5.0
    await openai_engine.submit(message("hello?", event_id="down"))
    await sink.wait_for(1)

    (notice,) = sink.texts_for("down")
    assert "unavailable" in notice and "saved" in notice
    assert ("HTTP 500" in notice) if failure == "http-500" else ("did not answer within" in notice)
    with openai_engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalar_one() == "pending"

    server.status, server.delay_s, server.answer = 200, 0.0, "Back again."
    await sink.wait_for(2)
    assert sink.texts_for("down")[1] == "Back again."
