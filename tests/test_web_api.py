"""The web chat's HTTP API: health, streamed replies, idempotency, input errors and per-session history.

Each user is a browser session: a client that opened the page and keeps its cookie.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bots.web.app import BAD_CHAT_BODY, create_app
from bots.web.guard import MAX_BODY_BYTES
from conversation import Engine, EngineLimits, Reply
from conversation.llm import FakeLLM
from conversation.router import Router
from skills import ChatSkill, Skill, SkillRequest, SkillResponse
from storage.tables import feedback, inbox
from tests.fakes.engines import make_engine, migrated_database
from training.dataset import build_dataset

Event = dict[str, Any]


@dataclass
class WebChat:
    """The app on a started engine; ``client`` has no session, ``session(name)`` one per name."""

    client: httpx.AsyncClient
    engine: Engine
    transport: httpx.ASGITransport
    sessions: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    async def session(self, user: str) -> httpx.AsyncClient:
        """The browser called ``user`` (the test's name for it), with the cookie the page gave it."""
        if user not in self.sessions:
            browser = httpx.AsyncClient(transport=self.transport, base_url=self.client.base_url)
            page = await browser.get("/")
            assert page.status_code == 200 and "chatwright_session" in browser.cookies
            self.sessions[user] = browser
        return self.sessions[user]

    async def chat(self, user: str, text: str, event_id: str | None = None) -> httpx.Response:
        body: dict[str, str] = {"text": text}
        if event_id is not None:
            body["event_id"] = event_id
        return await (await self.session(user)).post("/api/chat", json=body)

    async def history(self, user: str) -> list[dict[str, str]]:
        response = await (await self.session(user)).get("/api/history")
        assert response.status_code == 200, response.text
        return [{"role": t["role"], "text": t["text"]} for t in response.json()["turns"]]

    async def rendered_history(self, user: str) -> list[str]:
        """The HTML of ``user``'s assistant turns as the page shows them."""
        response = await (await self.session(user)).get("/api/history")
        return [t["html"] for t in response.json()["turns"] if t["role"] == "assistant"]


@dataclass
class Said:
    """A task skill that answers with its name; only its registry data matters here."""

    name: str
    description: str
    summary: str
    examples: tuple[str, ...]

    async def handle(self, request: SkillRequest) -> SkillResponse:
        """Its name, as the one reply."""
        return SkillResponse([Reply(self.name, skill=self.name)])


def events_of(response: httpx.Response) -> list[Event]:
    """The NDJSON events of a /api/chat answer, in order."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines() if line]


@pytest.fixture
async def web(database_url: str, fake_llm: FakeLLM) -> AsyncIterator[WebChat]:
    """The app with its lifespan running (ASGITransport does not run it), so the engine is started."""
    engine = make_engine(database_url, fake_llm, EngineLimits(retry_after_s=60))
    app = create_app(engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://chat.test") as client:
            chat = WebChat(client, engine, transport)
            yield chat
            for browser in chat.sessions.values():
                await browser.aclose()


async def test_healthz_answers_ok_with_the_model_name(web: WebChat, fake_llm: FakeLLM) -> None:
    fake_llm.name = "fake-model-7"

    response = await web.client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "model": "fake-model-7"}


async def test_the_model_is_loaded_at_start_not_at_the_first_message(web: WebChat, fake_llm: FakeLLM) -> None:
    for _ in range(100):
        if fake_llm.loads:
            break
        await asyncio.sleep(0.01)

    assert fake_llm.loads == 1
    assert fake_llm.prompts == []


async def test_the_page_and_its_script_are_served(web: WebChat) -> None:
    page = await web.client.get("/")
    script = await web.client.get("/static/chat.js")

    assert page.status_code == 200 and '<textarea id="text"' in page.text
    assert script.status_code == 200 and "/api/chat" in script.text


async def test_chat_streams_tokens_that_join_to_the_reply_then_done(web: WebChat, fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda messages: "one two three four five"

    events = events_of(await web.chat("ann", "count to five"))

    tokens = [e["text"] for e in events if e["type"] == "token"]
    replies = [e for e in events if e["type"] == "reply"]
    assert len(tokens) == 5
    assert "".join(tokens) == "one two three four five"
    assert [r["text"] for r in replies] == ["one two three four five"]
    assert replies[0]["notice"] is False and replies[0]["skill"] == "chat"
    assert [e["type"] for e in events[-2:]] == ["reply", "done"]


async def test_same_event_id_posted_twice_gets_409_and_no_second_reply(
    web: WebChat, fake_llm: FakeLLM
) -> None:
    first = events_of(await web.chat("ann", "hello", event_id="evt-1"))
    again = await web.chat("ann", "hello", event_id="evt-1")

    assert [e["text"] for e in first if e["type"] == "reply"] == ["echo: hello"]
    assert again.status_code == 409
    assert again.json() == {"error": "this message was already received"}
    await web.engine.join()
    assert len(fake_llm.prompts) == 1
    assert await web.history("ann") == [
        {"role": "user", "text": "hello"},
        {"role": "assistant", "text": "echo: hello"},
    ]


async def test_a_duplicate_arriving_while_the_first_streams_does_not_cut_off_the_first(
    web: WebChat, fake_llm: FakeLLM
) -> None:
    fake_llm.delay_s = 0.3
    first_request = asyncio.create_task(web.chat("ann", "hello", event_id="evt-2"))
    async with asyncio.timeout(2):
        while not fake_llm.prompts:  # the first is accepted and being answered
            await asyncio.sleep(0.01)

    again = await web.chat("ann", "hello", event_id="evt-2")
    async with asyncio.timeout(3):
        first = events_of(await first_request)

    assert again.status_code == 409
    assert [e["text"] for e in first if e["type"] == "reply"] == ["echo: hello"]
    assert first[-1] == {"type": "done"}
    assert len(fake_llm.prompts) == 1


async def test_the_same_event_id_from_two_users_is_two_messages(web: WebChat) -> None:
    ann = events_of(await web.chat("ann", "hi from ann", event_id="1"))
    bob = events_of(await web.chat("bob", "hi from bob", event_id="1"))

    assert [e["text"] for e in ann if e["type"] == "reply"] == ["echo: hi from ann"]
    assert [e["text"] for e in bob if e["type"] == "reply"] == ["echo: hi from bob"]


@pytest.mark.parametrize("text", ["", "   \n\t "])
async def test_empty_text_is_422_with_the_engines_sentence(
    web: WebChat, fake_llm: FakeLLM, text: str
) -> None:
    response = await web.chat("ann", text)

    assert response.status_code == 422
    assert response.json() == {"error": "The message is empty."}
    assert fake_llm.prompts == []


async def test_text_over_the_engines_limit_is_422_with_the_limit_in_the_sentence(web: WebChat) -> None:
    response = await web.chat("ann", "x" * 20_001)

    assert response.status_code == 422
    assert response.json() == {"error": "The message is 20,001 characters long; the limit is 20,000."}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"user": "ann"}',
        b'{"text": 7}',
        b"[1, 2]",
        b'"just a string"',
        b"\xff\xfe",
        b'{"text": "hi", "event_id": ["x"]}',
    ],
    ids=["malformed", "no-text", "text-not-a-string", "array", "string", "not-utf8", "event-id-not-a-string"],
)
async def test_a_body_that_is_not_the_expected_json_is_400(
    web: WebChat, fake_llm: FakeLLM, body: bytes
) -> None:
    ann = await web.session("ann")
    response = await ann.post("/api/chat", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"error": BAD_CHAT_BODY}
    assert fake_llm.prompts == []


async def test_a_body_over_the_limit_is_413(web: WebChat, fake_llm: FakeLLM) -> None:
    body = json.dumps({"text": "x" * MAX_BODY_BYTES}).encode()
    ann = await web.session("ann")

    response = await ann.post("/api/chat", content=body, headers={"content-type": "application/json"})

    assert len(body) > MAX_BODY_BYTES
    assert response.status_code == 413
    assert response.json() == {"error": "the request is too large"}
    assert fake_llm.prompts == []


async def test_history_returns_only_that_users_turns(web: WebChat) -> None:
    events_of(await web.chat("ann", "ann's secret is amethyst"))
    events_of(await web.chat("bob", "bob's secret is basalt"))
    events_of(await web.chat("ann", "what was my secret?"))

    ann = await web.history("ann")
    bob = await web.history("bob")

    assert ann == [
        {"role": "user", "text": "ann's secret is amethyst"},
        {"role": "assistant", "text": "echo: ann's secret is amethyst"},
        {"role": "user", "text": "what was my secret?"},
        {"role": "assistant", "text": "echo: what was my secret?"},
    ]
    assert bob == [
        {"role": "user", "text": "bob's secret is basalt"},
        {"role": "assistant", "text": "echo: bob's secret is basalt"},
    ]
    assert "basalt" not in json.dumps(ann) and "amethyst" not in json.dumps(bob)
    assert await web.history("carol") == []


async def test_history_of_a_conversation_id_that_is_not_one_is_400(web: WebChat) -> None:
    ann = await web.session("ann")

    response = await ann.get("/api/history", params={"conversation": "../../slack/T1"})

    assert response.status_code == 400
    assert "conversation" in response.json()["error"]


async def test_backend_failure_streams_a_notice_and_the_message_stays_pending(
    web: WebChat, fake_llm: FakeLLM
) -> None:
    fake_llm.failure = "the model server is down"

    events = events_of(await web.chat("ann", "are you there?"))
    await web.engine.join()

    replies = [e for e in events if e["type"] == "reply"]
    assert len(replies) == 1
    assert replies[0]["notice"] is True
    assert "the model server is down" in replies[0]["text"]
    assert "will be answered" in replies[0]["text"]
    assert not [e for e in events if e["type"] == "token"]
    assert events[-1] == {"type": "done"}
    with web.engine.ledger.engine.connect() as db:
        assert db.execute(sa.select(inbox.c.status)).scalars().all() == ["pending"]
    assert await web.history("ann") == []


async def test_a_reply_is_rendered_from_markdown_with_html_in_it_escaped(
    web: WebChat, fake_llm: FakeLLM
) -> None:
    fake_llm.responder = lambda _: "**Yes**: see [the guide](https://example.org)\n<script>alert(1)</script>"

    [reply] = [e for e in events_of(await web.chat("ann", "is it?")) if e["type"] == "reply"]

    link = '<a href="https://example.org" rel="noopener noreferrer" target="_blank">the guide</a>'
    assert (
        reply["html"]
        == f"<p><strong>Yes</strong>: see {link}<br />\n&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    )
    assert await web.rendered_history("ann") == [reply["html"]]


async def test_an_empty_conversation_is_offered_one_prompt_per_task_skill_and_the_help_command(
    web: WebChat,
) -> None:
    greet = Said("greet", "Says hello to someone.", "Greet someone", ("say hello to Ann",))
    admin = Said("admin", "Administration for admins.", "Administer the bot", ("admin stats",))
    skills: dict[str, Skill] = {"chat": ChatSkill("You are a test bot."), "greet": greet, "admin": admin}
    web.engine.router = Router(skills, commands_only=frozenset({"admin"}))

    response = await (await web.session("ann")).get("/api/prompts")

    assert response.json() == {
        "prompts": [{"skill": "greet", "title": "Greet someone", "message": "say hello to Ann"}],
        "help": "/help",
    }


async def test_a_thumbs_down_is_the_sessions_vote_and_drops_the_answer_from_the_next_dataset(
    web: WebChat, database_url: str
) -> None:
    [reply] = [e for e in events_of(await web.chat("ann", "rate me")) if e["type"] == "reply"]
    await web.engine.join()  # the reply's id is stored a few milliseconds after it is shown

    voted = await (await web.session("ann")).post("/api/feedback", json={"ref": reply["ref"], "vote": -1})

    assert voted.status_code == 204
    database = migrated_database(database_url)
    with database.connect() as connection:
        votes = connection.execute(sa.select(feedback.c.platform, feedback.c.value)).all()
    dataset = build_dataset(database, test_fraction=0.25, near_duplicate_threshold=0.8, sources={"web"})
    database.dispose()
    assert [tuple(vote) for vote in votes] == [("web", -1)]
    assert dataset.pairs == [] and dataset.manifest["dropped"] == {"thumbs_down": 1}


async def test_a_vote_taken_back_is_removed_and_a_vote_on_no_reply_is_404(
    web: WebChat, database_url: str
) -> None:
    [reply] = [e for e in events_of(await web.chat("ann", "rate me")) if e["type"] == "reply"]
    await web.engine.join()  # the reply's id is stored a few milliseconds after it is shown
    ann = await web.session("ann")

    up = await ann.post("/api/feedback", json={"ref": reply["ref"], "vote": 1})
    back = await ann.post("/api/feedback", json={"ref": reply["ref"], "vote": 0})
    unknown = await ann.post("/api/feedback", json={"ref": "no-such-reply", "vote": -1})
    not_a_vote = await ann.post("/api/feedback", json={"ref": reply["ref"], "vote": True})

    assert [up.status_code, back.status_code, unknown.status_code, not_a_vote.status_code] == [
        204,
        204,
        404,
        400,
    ]
    database = migrated_database(database_url)
    with database.connect() as connection:
        assert connection.execute(sa.select(feedback)).all() == []
    database.dispose()
