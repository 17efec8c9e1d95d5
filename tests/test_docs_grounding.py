"""Answers held to their passages by code: named documents, best statements, yes/no, invented values."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from llama_index.core import Document

from conversation.llm import ChatMessage, FakeLLM
from skills.docs import RetrievalConfig
from skills.docs.answer import answer_from, consult
from skills.docs.citations import check_citations
from skills.docs.evidence import GAP, gather
from skills.docs.grounding import ground
from skills.docs.library import CollectionIndex
from skills.docs.passage import Passage
from skills.docs.scope import DocumentNames
from skills.docs.statements import statements
from skills.docs.verdict import asks_yes_or_no, decide
from tests.fakes.models import small_model

TITLES = {
    "GPL-2.txt": "GNU GENERAL PUBLIC LICENSE",
    "LGPL-2.1.txt": "GNU LESSER GENERAL PUBLIC LICENSE",
    "MPL-1.1.txt": "MOZILLA PUBLIC LICENSE",
    "CC0-1.0.txt": "Creative Commons Legal Code",
    "team-ops-guide.md": "Team Operations Guide",
}


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("How long must a GPLv2 written offer stay valid?", {"GPL-2.txt"}),
        ("Does GPL version 2 restrict running the program?", {"GPL-2.txt"}),
        ("In the LGPL 2.1, what is a work that uses the library?", {"LGPL-2.1.txt"}),
        ("Under the GNU Lesser General Public License, may I relink?", {"LGPL-2.1.txt"}),
        ("Which law governs the Mozilla Public License 1.1?", {"MPL-1.1.txt"}),
        ("Does CC0 waive patent rights?", {"CC0-1.0.txt"}),
        ("Which section of the ops guide covers restore drills?", {"team-ops-guide.md"}),
        ("Can I switch an LGPL-2.1 copy to the ordinary GPL?", {"LGPL-2.1.txt", "GPL-2.txt"}),
        ("What does GPLv3 say about patents?", set()),
        ("How quickly must a page be acknowledged?", set()),
        ("What does the Index say about refunds?", {"index.html"}),
        ("Where is the refund index page?", {"index.html"}),
        ("How do I rebuild the index?", set()),
    ],
)
def test_a_question_names_documents_by_stem_version_or_title(question, named):
    assert DocumentNames(TITLES | {"index.html": ""}).named_in(question) == named


def scoped_index(tmp_path: Path) -> CollectionIndex:
    index = CollectionIndex(tmp_path / "scoped", RetrievalConfig(method="basic", top_k=2))
    texts = {
        "MPL-1.1.txt": "This License shall be governed by California law provisions.",
        "CC0-1.0.txt": "Affirmer waives all copyright and related rights in the Work worldwide.",
        "BSD.txt": "Neither the name of the University nor its contributors may endorse products.",
    }
    index.add(
        [
            Document(
                text=text,
                metadata={"file": file, "document": f"{Path(file).stem}: {file}"},
                excluded_embed_metadata_keys=["file", "document"],
            )
            for file, text in texts.items()
        ]
    )
    return index


def test_a_question_naming_a_document_is_searched_in_it_alone(tmp_path):
    index = scoped_index(tmp_path)

    unnamed = {p.file for p in index.retrieve("Which law governs the licence?")}
    named = {p.file for p in index.retrieve("Which law governs CC0?")}

    assert "MPL-1.1.txt" in unnamed
    assert named == {"CC0-1.0.txt"}


def passage(text: str, section: str | None = "3", file: str = "licence.txt") -> Passage:
    return Passage(text=text, score=0.5, file=file, page=None, section=section, node_id=text[:8])


def test_only_the_statements_bearing_on_the_question_reach_the_model():
    long_passage = passage(
        "You may copy the program in any medium. Keep this notice with every copy. "
        "You may not charge a fee for the program itself. You may charge for support. "
        "The licence is published by the Widget Foundation."
    )
    evidence = gather("Can I charge a fee for the program itself?", [long_passage], kept=2)

    (cut,) = evidence.passages
    assert evidence.best[0] == (1, "You may not charge a fee for the program itself.")
    assert "Widget Foundation" not in cut.text
    assert cut.section == "3"


def test_statements_that_are_not_next_to_each_other_are_marked_as_a_gap():
    text = "Alpha rule one applies. Beta is unrelated. Gamma is unrelated too. Alpha rule two applies."
    (cut,) = gather("What does the alpha rule say?", [passage(text)], kept=2).passages

    assert cut.text == f"Alpha rule one applies.{GAP}Alpha rule two applies."


@pytest.mark.parametrize(
    ("question", "closed"),
    [
        ("Can I be on call three weeks out of six?", True),
        ("If I switch my copy of an LGPL-2.1 library to the GPL, can I change it back?", True),
        ('Does "Commercial Use" in the MPL 1.1 only cover selling the code?', True),
        ("We ship a GPLv2 binary. Can we pass along the upstream offer?", True),
        ("Which section covers restore drills?", False),
        ("Is it SEV1, and how soon must the DPO be told?", False),
        ("How long is the written offer valid?", False),
        ("Can you tell me the snapshot retention period?", False),
        ("Do you know if staging is covered?", False),
    ],
)
def test_yes_or_no_questions_are_told_from_open_ones(question, closed):
    assert asks_yes_or_no(question) is closed


def verdict_of(answer: str) -> FakeLLM:
    return FakeLLM(lambda _messages: json.dumps({"answer": answer}))


async def test_a_yes_or_no_question_is_decided_and_quotes_the_statement_it_rests_on(tmp_path):
    index = CollectionIndex(tmp_path / "yn", RetrievalConfig(method="basic", top_k=2, min_similarity=0.0))
    index.add(
        [
            Document(
                text="You may charge any fee for support. You may not charge a fee for the Package itself.",
                metadata={"file": "Artistic.txt", "section": "5"},
                excluded_embed_metadata_keys=["file", "section"],
            )
        ]
    )
    answer = await consult(
        index, verdict_of("no"), "Am I allowed to charge a fee for the Package itself?", max_tokens=64
    )

    assert answer is not None
    assert answer.text == 'No: "You may not charge a fee for the Package itself." [1]'
    assert [c["file"] for c in answer.citations] == ["Artistic.txt"]


async def test_an_undecided_yes_or_no_question_is_answered_in_words():
    seen: list[Sequence[ChatMessage]] = []

    def reply(messages: Sequence[ChatMessage]) -> str:
        seen.append(messages)
        return json.dumps({"answer": "not stated"}) if len(seen) == 1 else "It depends [1]."

    decision = await decide(FakeLLM(reply), "Can I relink?", ["Relinking is discussed below."])

    assert decision.verdict is None
    assert "Relinking is discussed below." in decision.prompt


def test_the_real_model_decides_under_the_grammar():
    model = small_model(Path("~/.cache/chatwright").expanduser())
    try:
        rule = "You may not charge a fee for the Package."
        decision = asyncio.run(decide(model, "May I charge a fee for the Package?", [rule]))
    finally:
        asyncio.run(model.aclose())

    assert decision.verdict in ("yes", "no", None)
    assert json.loads(decision.completion.text)["answer"] in ("yes", "no", "not stated")


def test_a_number_no_passage_gives_makes_a_dont_know():
    grounded = ground(
        "It was published in 1998 [1].", "When was it published?", [passage("Published by Larry Wall.")]
    )
    assert not grounded.answers


def test_number_words_in_an_answer_are_prose_not_claims():
    grounded = ground(
        "The first condition needs written permission [1].",
        "What does the condition on names need?",
        [passage("Neither the name of the University may be used without written permission.")],
    )
    assert grounded.answers


def test_numbers_written_in_words_by_the_passage_are_given():
    grounded = ground(
        "The offer is valid for 3 years [1].",
        "How long is the offer valid?",
        [passage("a written offer, valid for at least three years")],
    )
    assert grounded.answers


def test_a_blank_where_the_value_goes_makes_a_dont_know():
    grounded = ground(
        "The dial-in number for the bridge is [1].",
        "What is the bridge's dial-in number?",
        [passage("The bridge is a video call.", section="3.1")],
    )
    assert not grounded.answers


def test_asked_which_section_a_blank_is_filled_with_the_cited_section():
    grounded = ground(
        "The part that covers restore drills is [2].",
        "Which section covers restore drills?",
        [
            passage("Backups run nightly.", section="5.1"),
            passage("Restore drills run monthly.", section="5.3"),
        ],
    )
    assert grounded.text == "The part that covers restore drills is section 5.3 [2]."


def test_asked_which_section_an_answer_naming_none_gets_the_cited_one():
    grounded = ground(
        "The fallback licence covers it [1].",
        "Which part of CC0 applies if the waiver fails?",
        [passage("Public License Fallback.", section="3")],
    )
    assert grounded.text == "The fallback licence covers it [1]. That is section 3 [1]."


async def test_an_invented_value_is_answered_with_a_dont_know():
    answer = await answer_from(
        FakeLLM(lambda _m: "It was written in 1987 [1]."),
        "When was it written?",
        [passage("The licence was written by the Copyright Holder.")],
        max_tokens=32,
    )
    assert answer.declined
    assert answer.cited == []


def test_a_sentence_citing_a_passage_without_its_number_cites_the_one_that_gives_it():
    grounded = ground(
        "You have 30 days to cure the breach [1].",
        "How long do I have to cure a breach?",
        [passage("Termination follows a breach.", section="8"), passage("cure it within 30 days", "8.1")],
    )
    assert grounded.text == "You have 30 days to cure the breach [2]."


def test_a_marker_repeated_in_a_loop_is_kept_once():
    looped = "Section 11 [1] [1] [1][1] applies [2]."
    assert check_citations(looped, 2) == ("Section 11 [1] applies [2].", [1, 2])


def test_lettered_and_numbered_items_are_statements_of_their_own():
    text = (
        "provided that you also do one of the following:\n\n"
        "    a) Accompany it with the complete source code; or,\n\n"
        "    b) Accompany it with a written offer, valid for at least three years, to give\n"
        "    any third party a copy; or,\n"
        "    c) Accompany it with the information you received."
    )
    assert statements(text) == [
        "provided that you also do one of the following:",
        "a) Accompany it with the complete source code; or,",
        "b) Accompany it with a written offer, valid for at least three years, to give any third party"
        " a copy; or,",
        "c) Accompany it with the information you received.",
    ]


def test_asked_which_section_an_answer_of_nothing_but_markers_names_the_cited_section():
    passages = [passage("Court orders do not excuse you.", section="7"), passage("Patents.", section="8")]
    grounded = ground("Source [1] [2]", "Which section deals with court orders?", passages)
    assert grounded.text == "Section 7 [1] [2]."


def test_an_answer_of_nothing_but_markers_is_a_dont_know_otherwise():
    assert not ground("Source [1]", "How long is the offer valid?", [passage("Valid for a while.")]).answers


def test_a_stray_marker_after_an_answer_is_not_a_blank():
    grounded = ground("It is SEV1 [1]. [1]", "What severity is it?", [passage("SEV1: data exposed.")])
    assert grounded.answers and grounded.text == "It is SEV1 [1]."


def test_ordinals_are_numbers_in_words_or_digits():
    grounded = ground(
        "Drills run on the 1st Tuesday of the quarter [1].",
        "When do drills run?",
        [passage("A drill runs on the first Tuesday of January and April.")],
    )
    assert grounded.answers
