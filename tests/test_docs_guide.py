"""/ask on a fresh install: the user guide (docs/) is indexed in the background as the default
collection at the first start, /ask says so until it is ready, then answers from it with citations.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from conversation import Message, load_settings
from conversation.assembly import build_engine
from conversation.llm import ChatMessage, FakeLLM
from skills.base import SkillRequest
from skills.docs import DocsSkill
from skills.docs.guide import GuideIndexing
from skills.docs.library import DocsLibrary

GUIDE = Path(__file__).parents[1] / "docs"


def cite_first_source(messages: Sequence[ChatMessage]) -> str:
    """Answers with the first source's first sentence, citing it as [1]."""
    first_source = messages[-1].content.split("\n")[2]
    return f"{first_source.split('. ')[0]}. [1]"


def asked(text: str) -> Message:
    return Message(platform="web", user="u1", text=text, event_id=text, channel="web")


async def answer(skill: DocsSkill, text: str, question: str) -> str:
    response = await skill.handle(SkillRequest(asked(text), question, [], {}, FakeLLM(cite_first_source)))
    return response.replies[0].text


async def until_indexed(guide: GuideIndexing) -> None:
    async with asyncio.timeout(240):
        while guide.indexing:
            await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_a_fresh_install_answers_what_the_guide_says_about_slack_citing_slack_md(
    tmp_path: Path,
) -> None:
    settings = load_settings(data_dir=tmp_path, model="fake", docs_guide=GUIDE)
    engine = build_engine(settings, llm=FakeLLM(cite_first_source))
    try:
        await engine.router.start()
        skill = engine.router.skills["ask"]
        assert isinstance(skill, DocsSkill) and skill.guide is not None
        await until_indexed(skill.guide)

        route = await engine.router.route(asked("What does the guide say about Slack?"), None)
        assert route.skill is skill
        reply = await answer(skill, route.text, route.text)
    finally:
        await engine.aclose()

    assert "[1] slack.md" in reply


async def test_until_the_guide_is_indexed_ask_says_so_and_the_next_start_reads_no_file(
    tmp_path: Path,
) -> None:
    guide = tmp_path / "guide"
    guide.mkdir()
    (guide / "slack.md").write_text("# Slack\n\nThe bot joins Slack with a bot token and an app token.\n")
    settings = load_settings(data_dir=tmp_path / "data", model="fake", docs_guide=guide)
    engine = build_engine(settings, llm=FakeLLM(cite_first_source))
    skill = engine.router.skills["ask"]
    assert isinstance(skill, DocsSkill) and skill.guide is not None
    release = threading.Event()

    def held_library() -> DocsLibrary:
        release.wait(30)
        return skill.library

    assert skill.database is not None
    skill.guide = GuideIndexing(guide, "default", held_library, skill.database)
    try:
        await engine.router.start()
        waiting = await answer(skill, "/ask how does the bot join Slack?", "how does the bot join Slack?")
        release.set()
        await until_indexed(skill.guide)
        ready = await answer(skill, "/ask how does the bot join Slack?", "how does the bot join Slack?")
        indexed_files = skill.guide.total_files
        skill.guide.total_files = 0
        await skill.guide.start()
        await until_indexed(skill.guide)
    finally:
        await engine.aclose()

    assert waiting.startswith("I'm still reading the user guide into the *default* documents")
    assert "[1] slack.md" in ready
    assert indexed_files == 1
    assert skill.guide.total_files == 0, "the second start read no file"


async def test_ask_help_shows_the_admin_commands_that_add_a_teams_documents(tmp_path: Path) -> None:
    engine = build_engine(load_settings(data_dir=tmp_path, model="fake"), llm=FakeLLM())
    try:
        skill = engine.router.skills["ask"]
        assert isinstance(skill, DocsSkill)
        help_text = await answer(skill, "/ask", "")
        asked_for_help = await answer(skill, "/ask help", "help")
    finally:
        await engine.aclose()

    assert help_text == asked_for_help
    assert "chatwright ingest PATH... --collection NAME" in help_text
    assert "/admin ingest <path> [collection]" in help_text
    assert "/admin collections bind <name>" in help_text
