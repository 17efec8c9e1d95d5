"""Sections from document structure, and the expected-fact checks of `eval rag`."""

from __future__ import annotations

import json

from skills.docs.factcheck import ExpectedQuestion, contains_fact, read_question_file, score_answer
from skills.docs.passage import Passage
from skills.docs.sections import parse_heading, text_sections

TERMS = """GADGET LICENCE
 51 Franklin Street, Fifth Floor

Preamble

The licence is free.

  1. Definitions.

     1.1. "Gadget" means the program.

     1.2. "You" means the licensee.

  2. You may copy the Gadget, for up to
60 days after the notice.

The conditions are:
1. keep the notice;
2. keep the disclaimer.
"""


def test_numbered_clauses_and_heading_lines_become_sections_and_no_character_is_lost():
    parts = list(text_sections(TERMS))

    assert "".join(text for _, text in parts) == TERMS
    assert [where.get("section") for where, _ in parts] == [None, "Preamble", "1", "1.1", "1.2", "2"]
    assert parts[3][0]["heading"] == '1 Definitions > 1.1 "Gadget" means the program'


def test_a_list_after_a_sentence_continues_the_numbering_only_when_it_is_next():
    listed = "Conditions:\n1. keep the notice;\n2. keep the disclaimer.\n"

    assert [where.get("section") for where, _ in text_sections(listed)] == [None, "1", "2"]


def test_markdown_headings_keep_their_number_as_the_section():
    assert parse_heading("### 5.3 Recovery objectives").label == "5.3"
    assert parse_heading("## 2. On-call rota").line == "2 On-call rota"
    assert parse_heading("Installation").label == "Installation"


def passage(file: str, section: str | None) -> Passage:
    return Passage("text", 1.0, file, None, section, "id")


def test_an_answer_is_checked_for_its_facts_file_and_every_section():
    question = ExpectedQuestion("q", kind="multi-hop", must=("SEV1", "60"), source="ops", sections=("3", "4"))

    both = score_answer(
        question,
        "SEV1, within 60 minutes",
        [passage("ops.md", "3.1"), passage("ops.md", "4")],
        declined=False,
    )
    one = score_answer(
        question, "SEV1 in 60 min", [passage("ops.md", "4"), passage("other.md", "3")], declined=False
    )

    assert (both.facts, both.file, both.section) == (True, True, True)
    assert (one.facts, one.file, one.section) == (True, True, False)


def test_a_dont_know_never_counts_as_holding_a_yes_no_fact():
    question = ExpectedQuestion("q", kind="yes-no", must=("no", "not"), any=True, source="gpl")

    assert score_answer(question, "I don't know: the documents do not say.", [], declined=True).facts is False
    assert contains_fact("It is non-commercial", "non commercial")


def test_a_jsonl_question_file_is_read_with_its_expectations(tmp_path):
    row = {
        "id": "a-1",
        "q": "How long?",
        "must": ["3 years"],
        "any": False,
        "source": "GPL-2",
        "section": "3; 4",
        "kind": "number",
    }
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")

    (question,) = read_question_file(path)

    assert (question.id, question.kind, question.sections, question.checked) == (
        "a-1",
        "number",
        ("3", "4"),
        True,
    )
