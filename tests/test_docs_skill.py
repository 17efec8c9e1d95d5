"""The docs skill (/ask): grounded answers citing file and page/section, streaming, and "I don't know"."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation import Message, load_settings
from conversation.assembly import build_engine
from conversation.llm import ChatMessage, FakeLLM
from skills.base import SkillRequest
from skills.docs import DocsConfig, DocsSkill, RetrievalConfig
from skills.docs.ingest import ingest
from storage.tables import channel_settings
from tests.fakes.corpus import NOTES_TXT, write_corpus
from tests.fakes.engines import migrated_database


def cite_first_source(messages: Sequence[ChatMessage]) -> str:
    """Answers with the first source's first sentence, citing it as [1]."""
    first_source = messages[-1].content.split("\n")[2]
    return f"{first_source.split('. ')[0]}. [1]"


@pytest.fixture
def database(tmp_path: Path) -> sa.Engine:
    engine = migrated_database(f"sqlite:///{tmp_path / 'chatwright.db'}")
    return engine


@pytest.fixture
def skill(tmp_path: Path, database: sa.Engine) -> DocsSkill:
    docs = DocsSkill(
        DocsConfig(tmp_path / "data", retrieval=RetrievalConfig(method="basic", top_k=3)), database
    )
    ingest([write_corpus(tmp_path / "corpus")], collection="default", library=docs.library, database=database)
    return docs


async def ask(
    skill: DocsSkill, question: str, llm: FakeLLM, channel: str = "c1", tokens: list[str] | None = None
):
    message = Message(platform="test", user="u1", text=f"/ask {question}", event_id=question, channel=channel)

    async def collect(piece: str) -> None:
        assert tokens is not None
        tokens.append(piece)

    return await skill.handle(
        SkillRequest(message, question, [], {}, llm, collect if tokens is not None else None)
    )


async def test_an_answer_cites_the_right_file_and_page(skill):
    llm = FakeLLM(cite_first_source)
    tokens: list[str] = []

    response = await ask(skill, "How do I reset the router to factory settings?", llm, tokens=tokens)

    (reply,) = response.replies
    assert reply.skill == "ask"
    citation = reply.data["citations"][0]
    assert (citation["file"], citation["page"]) == ("manual.pdf", 2)
    assert reply.data["collection"] == "default"
    assert "[1] manual.pdf, page 2" in reply.text
    assert "red button" in llm.prompts[0][-1].content
    assert tokens == []  # shown once checked, never streamed as a draft
    assert response.completion is not None and "red button" in response.prompt
    assert llm.options[0].temperature == 0.0


async def test_a_section_is_cited_for_markdown_and_html(skill):
    response = await ask(skill, "Which flag skips the installer prompts?", FakeLLM(cite_first_source))
    assert '[1] guide.md, section "Installation"' in response.replies[0].text


async def test_nothing_relevant_means_i_dont_know_without_asking_the_model(skill):
    llm = FakeLLM(cite_first_source)

    response = await ask(skill, "Quantum chromodynamics of gluon confinement?", llm)

    assert response.replies[0].text.startswith("I don't know")
    assert response.replies[0].data == {"collection": "default", "citations": []}
    assert llm.prompts == []


async def test_a_channel_bound_to_a_collection_is_answered_from_it(tmp_path, skill, database):
    pets = tmp_path / "pets"
    pets.mkdir()
    (pets / "cats.txt").write_text(NOTES_TXT, encoding="utf-8")
    ingest([pets], collection="pets", library=skill.library, database=database)
    with database.begin() as connection:
        connection.execute(
            sa.insert(channel_settings).values(
                platform="test",
                team="",
                channel="c2",
                mode="default",
                collection="pets",
                updated_at=time.time(),
            )
        )

    bound = await ask(skill, "What is the name of the office cat?", FakeLLM(cite_first_source), channel="c2")

    assert bound.replies[0].data["collection"] == "pets"
    assert bound.replies[0].data["citations"][0]["file"] == "cats.txt"


async def test_the_engine_routes_slash_ask_to_the_docs_skill(tmp_path):
    engine = build_engine(load_settings(data_dir=tmp_path, model="fake"), llm=FakeLLM())
    try:
        message = Message(platform="test", user="u1", text="/ask where is the manual?", event_id="e1")
        route = await engine.router.route(message, None)
        assert isinstance(route.skill, DocsSkill)
        assert route.text == "where is the manual?"
    finally:
        await engine.aclose()
