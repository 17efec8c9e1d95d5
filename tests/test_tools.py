"""Tools: chat lets the model call a skill's typed functions; checked in code, recorded in the transcript."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from chatwright import ChatMessage, SkillContext, SkillRequest, SkillResponse, tool
from chatwright.testing import TestBot
from conversation import Engine, load_settings
from conversation.assembly import build_engine
from conversation.llm import FakeLLM
from storage.tables import transcripts
from tests.fakes.collecting import CollectingSink
from tests.fakes.engines import message
from tests.fakes.models import GENEROUS_TIMEOUT_S
from tests.fakes.openai_server import FakeOpenAIServer

fake_api = pytest.importorskip("acme_status.fake_api", reason="make test installs examples/acme-status")

QUESTION = "/chat what's the status of order 123?"


class Vault:
    """A skill with two tools: a public one and one for admins only."""

    name = "vault"
    description = "Keeps numbers."

    def __init__(self, _context: SkillContext) -> None:
        self.opened: list[int] = []
        self.tools = (
            tool(self.count, "Counts the numbers kept."),
            tool(self.open_box, "Opens box number n.", admin_only=True),
        )

    async def count(self) -> int:
        return 3

    async def open_box(self, n: int) -> str:
        self.opened.append(n)
        return f"box {n} is open"

    async def handle(self, request: SkillRequest) -> SkillResponse:
        raise NotImplementedError


def calling(name: str, arguments: dict[str, Any]) -> Any:
    """A FakeLLM responder: picks ``name`` when asked to choose a tool, else repeats the tool's result."""

    def respond(messages: Sequence[ChatMessage]) -> str:
        if messages[-1].content.startswith("You may call one of these tools"):
            return json.dumps({"tool": name, "arguments": arguments})
        return next((m.content for m in reversed(messages) if m.content.startswith("Tool call")), "no tool")

    return respond


@pytest.mark.parametrize(
    ("user", "arguments", "result"),
    [
        ("boss", {"n": 7}, "box 7 is open"),
        ("u1", {"n": 7}, "refused: this tool is for admins only"),
        ("boss", {"n": "seven"}, "refused: bad arguments"),
    ],
)
async def test_admin_only_tools_run_for_admins_alone_and_arguments_are_validated(
    tmp_path: Path, user: str, arguments: dict[str, Any], result: str
) -> None:
    vaults: list[Vault] = []

    def vault(context: SkillContext) -> Vault:
        vaults.append(Vault(context))
        return vaults[-1]

    llm = FakeLLM(calling("open_box", arguments))
    async with TestBot.start(tmp_path, skills={"vault": vault}, llm=llm, admins=["test:boss"]) as bot:
        [reply] = await bot.say("/chat open box seven please", user=user)

    assert reply.text.startswith("Tool call open_box(") and result in reply.text
    assert vaults[0].opened == ([7] if result.startswith("box") else [])


@pytest.fixture
async def api_url() -> AsyncIterator[str]:
    async with fake_api.running_order_api({"123": {"status": "shipped", "updated": "2026-12-03"}}) as api:
        yield api.url


def recorded_prompt(engine: Engine) -> str:
    """The prompt the transcript stored for the one answered message."""
    with engine.ledger.engine.connect() as connection:
        return str(connection.execute(sa.select(transcripts.c.prompt)).scalar_one())


def status_section(api_url: str) -> dict[str, Any]:
    return {"status": {"api_url": api_url, "chat_tool": True}}


async def test_an_openai_compatible_server_calls_the_status_tool_through_native_tools(
    tmp_path: Path, api_url: str, sink: CollectingSink
) -> None:
    async with FakeOpenAIServer() as server:
        server.tool_call = ("order_status", {"order_id": "123"})
        server.answer = lambda body: "Here you go: " + body["messages"][-1]["content"]
        settings = load_settings(
            model="openai:tiny",
            openai_base_url=server.base_url,
            data_dir=tmp_path,
            intent_classifier=False,
            skills=status_section(api_url),
        )
        engine = build_engine(settings)
        engine.register_sink("test", sink)
        await engine.start()
        await engine.submit(message(QUESTION))
        await engine.join()
        await engine.aclose()
        await engine.llm.aclose()
        prompt = recorded_prompt(engine)

    offered, answered = server.requests
    assert [t["function"]["name"] for t in offered["tools"]] == ["order_status"]
    assert "tools" not in answered
    [reply] = sink.replies
    assert "shipped" in reply[1].text
    assert 'Tool call order_status({"order_id": "123"}) returned: Order 123: shipped' in prompt


@pytest.mark.slow
async def test_the_embedded_qwen_calls_the_status_tool_under_a_json_schema(
    tmp_path: Path, api_url: str, sink: CollectingSink
) -> None:
    settings = load_settings(data_dir=tmp_path, intent_classifier=False, skills=status_section(api_url))
    if not (settings.resolved_cache_dir / "models" / "qwen2.5-1.5b.gguf").is_file():
        pytest.skip("the qwen2.5-1.5b model is not prepared (`chatwright model prepare`)")
    from conversation.llm.embedded import LlamaCppBackend
    from conversation.llm.models import resolve_model_path

    path = resolve_model_path("qwen2.5-1.5b", settings.resolved_cache_dir)
    llm = LlamaCppBackend(path, "qwen2.5-1.5b", n_ctx=4096, n_threads=2, timeout_s=GENEROUS_TIMEOUT_S)
    engine = build_engine(settings, llm)
    engine.register_sink("test", sink)
    await engine.start()
    await engine.submit(message(QUESTION))
    await engine.join()
    await engine.aclose()
    await llm.aclose()

    assert "Tool call order_status(" in recorded_prompt(engine)
    [(_, reply)] = sink.replies
    assert "shipped" in reply.text.lower(), reply.text
