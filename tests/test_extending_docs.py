"""The extension guide's code runs as printed, and its line count is the code's."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import httpx
from starlette.applications import Starlette

from chatwright import Settings
from chatwright.testing import TestBot

GUIDE = Path(__file__).parent.parent / "docs" / "extending" / "first-skill.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), re.DOTALL)


def module_of(code: str) -> types.ModuleType:
    module = types.ModuleType("hello")
    exec(compile(code, str(GUIDE), "exec"), module.__dict__)
    return module


def lines(code: str) -> int:
    return sum(bool(line.strip()) for line in code.splitlines())


async def test_the_hello_skill_answers_as_the_guide_says(tmp_path: Path) -> None:
    hello = module_of(blocks("python")[0]).hello
    async with TestBot.start(tmp_path, skills={"hello": hello}) as bot:
        assert [r.text for r in await bot.say("/hello")] == ["Hello, u1!"]
        assert [r.text for r in await bot.say("/hello Ann")] == ["Hello, Ann!"]


async def test_the_hello_with_settings_and_storage_counts_per_person(tmp_path: Path) -> None:
    hello = module_of(blocks("python")[1]).hello
    config = {"hello": {"greeting": "Howdy"}}
    async with TestBot.start(tmp_path, skills={"hello": hello}, config=config) as bot:
        assert [r.text for r in await bot.say("/hello")] == ["Howdy, u1! (#1)"]
        assert [r.text for r in await bot.say("please say hello to Bo")] == [
            "Howdy, please say hello to Bo! (#2)"
        ]


def test_the_line_count_in_the_table_is_the_guides_own_code() -> None:
    hello, project = blocks("python")[0], blocks("toml")[0]

    assert f"| {lines(hello)} + {lines(project)} = **{lines(hello) + lines(project)}** |" in GUIDE.read_text()


ADAPTER_GUIDE = GUIDE.parent / "adapter.md"


async def test_the_guides_adapter_takes_a_message_in_and_posts_the_reply_out(tmp_path: Path) -> None:
    code = re.findall(r"```python\n(.*?)```", ADAPTER_GUIDE.read_text(), re.DOTALL)[0]
    hookchat = module_of(code)
    posted: list[dict[str, str]] = []

    def service(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200, json={"id": len(posted)})

    async with TestBot.start(tmp_path, skills={}) as bot:
        configured = Settings(adapters={"hookchat": {"reply_url": "http://service.test/replies"}})
        assert hookchat.hookchat(bot.engine, Settings()) is None
        assert isinstance(hookchat.hookchat(bot.engine, configured), hookchat.HookChatAdapter)
        config = hookchat.HookChatConfig(reply_url="http://service.test/replies")
        service_client = httpx.AsyncClient(transport=httpx.MockTransport(service))
        adapter = hookchat.HookChatAdapter(bot.engine, config, service_client)
        app = Starlette(routes=adapter.routes())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bot.test"
        ) as http:
            event = {"id": "e1", "user": "ann", "channel": "general", "text": "hello"}
            first = await http.post("/hookchat/events", json=event)
            again = await http.post("/hookchat/events", json=event)
        await bot.engine.join()
        await adapter.stop()

    assert (first.json(), again.json()) == ({"accepted": True}, {"accepted": False})
    assert posted == [{"channel": "general", "text": "echo: hello"}]
