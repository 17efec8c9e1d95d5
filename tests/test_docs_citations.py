"""Hybrid retrieval finds keyword clauses; sections reach citations; only valid, cited passages are listed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from llama_index.core import Document

from conversation import Message
from conversation.llm import ChatMessage, FakeLLM
from skills.base import SkillRequest
from skills.docs import DocsConfig, DocsSkill, RetrievalConfig
from skills.docs.citations import check_citations
from skills.docs.ingest import ingest
from skills.docs.library import CollectionIndex
from tests.fakes.engines import migrated_database

LICENCE = """WIDGET PUBLIC LICENCE

  0. This licence applies to the Widget program and its documentation.

  1. You may copy the Widget program in any medium, keeping this notice.

  2. You may modify the Widget program and share your changes with others.

  3. You must give the source code with every binary copy, or a written offer
valid for at least five years to give it to anyone who asks.
"""
SIMILAR = [
    "Send the signed request form to the regional office; it is processed within a week.",
    "Forms about travel expenses go to the finance team, who reply by email.",
    "Where to send a form depends on its kind: ask your manager which office handles it.",
    "Submit every paper form to the front desk, which forwards it to the right department.",
    "Leave request forms are sent to human resources at least two weeks ahead.",
]
KEYWORD_CLAUSE = "Clause 14: the QX-7741 declaration goes to the harbour master only."
QUESTION = "Where do I send form QX-7741?"


def reply_with(text: str):
    """A model that always answers ``text``."""
    return FakeLLM(lambda _messages: text)


def keyword_index(tmp_path: Path, *, hybrid: bool) -> CollectionIndex:
    index = CollectionIndex(
        tmp_path / f"hybrid-{hybrid}", RetrievalConfig(method="basic", top_k=2, hybrid=hybrid)
    )
    texts = [*SIMILAR, KEYWORD_CLAUSE]
    index.add(
        [
            Document(text=t, metadata={"file": f"doc{n}.txt"}, excluded_embed_metadata_keys=["file"])
            for n, t in enumerate(texts)
        ]
    )
    return index


def test_a_clause_found_by_keywords_that_vectors_rank_low_is_retrieved_by_hybrid(tmp_path):
    # MiniLM ranks the clause third (0.41), behind two forms that do not name QX-7741 (0.59, 0.45).
    vectors_only = [p.text for p in keyword_index(tmp_path, hybrid=False).retrieve(QUESTION)]
    hybrid = [p.text for p in keyword_index(tmp_path, hybrid=True).retrieve(QUESTION)]

    assert KEYWORD_CLAUSE not in vectors_only
    assert KEYWORD_CLAUSE in hybrid


@pytest.fixture
def skill(tmp_path: Path) -> DocsSkill:
    database: sa.Engine = migrated_database(f"sqlite:///{tmp_path / 'chatwright.db'}")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "widget-licence.txt").write_text(LICENCE, encoding="utf-8")
    docs = DocsSkill(
        DocsConfig(tmp_path / "data", retrieval=RetrievalConfig(method="basic", top_k=3)), database
    )
    ingest([corpus], collection="default", library=docs.library, database=database)
    return docs


async def ask(skill: DocsSkill, question: str, llm: FakeLLM):
    message = Message(platform="test", user="u1", text=f"/ask {question}", event_id=question)
    return (await skill.handle(SkillRequest(message, question, [], {}, llm, None))).replies[0]


def cite_the_five_year_clause(messages: Sequence[ChatMessage]) -> str:
    """Cites the source whose text holds "five years", by its number in the prompt."""
    sources = messages[-1].content.split("Source [")[1:]
    number = next(s.split("]")[0] for s in sources if "five years" in s)
    return f"For at least five years [{number}]."


async def test_section_metadata_reaches_the_citation(skill):
    reply = await ask(
        skill,
        "How long must the written offer for the source code stay valid?",
        FakeLLM(cite_the_five_year_clause),
    )

    assert "widget-licence.txt, section 3" in reply.text
    assert [c["section"] for c in reply.data["citations"]] == ["3"]


async def test_only_cited_passages_are_listed(skill):
    reply = await ask(skill, "Can I modify the Widget program?", reply_with("Yes, you may [2]."))

    sources = reply.text.split("**Sources**")[1]
    assert "[2]" in sources and "[1]" not in sources and "[3]" not in sources
    assert [c["n"] for c in reply.data["citations"]] == [2]


async def test_an_answer_with_a_marker_naming_no_passage_loses_the_marker(skill):
    reply = await ask(skill, "Can I copy the Widget program?", reply_with("Yes [1], in any medium [7]."))

    assert reply.text.startswith("Yes [1], in any medium.")
    assert "[7]" not in reply.text
    assert [c["n"] for c in reply.data["citations"]] == [1]


async def test_an_answer_that_cites_nothing_says_so(skill):
    reply = await ask(skill, "Who may modify the Widget program?", reply_with("Ask the harbour master."))

    assert "none (the answer cites no passage)" in reply.text
    assert reply.data["citations"] == []


async def test_a_sentence_left_without_a_marker_cites_the_passage_holding_its_words(skill):
    answer = "You must give the source code with every binary copy."
    reply = await ask(skill, "What must come with a binary copy?", reply_with(answer))

    assert reply.text.startswith("You must give the source code with every binary copy [")
    assert [c["section"] for c in reply.data["citations"]] == ["3"]


def test_check_citations_splits_lists_and_keeps_each_passage_once():
    assert check_citations("A [1, 3]. B [3][9] .", 3) == ("A [1][3]. B [3].", [1, 3])
