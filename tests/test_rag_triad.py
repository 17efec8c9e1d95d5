"""The RAG triad through TruLens with our own backends as judge: exact plumbing, then a real model."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest
import sqlalchemy as sa

from conversation.llm import FakeLLM
from skills.docs import DocsConfig, RetrievalConfig
from skills.docs.evaluation import evaluate_methods, record_results
from skills.docs.factcheck import read_question_file
from skills.docs.ingest import ingest
from skills.docs.library import DocsLibrary
from skills.docs.report import render_leaderboard, write_chart, write_page
from storage.tables import eval_runs
from tests.fakes.corpus import write_corpus
from tests.fakes.engines import migrated_database
from tests.fakes.judge import SCORES, scripted_judge
from tests.fakes.models import small_model

QUESTIONS = ["How do I reset the router to factory settings?", "Which flag skips the installer prompts?"]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[DocsLibrary, sa.Engine]:
    database = migrated_database(f"sqlite:///{tmp_path / 'chatwright.db'}")
    library = DocsLibrary(DocsConfig(tmp_path / "data", retrieval=RetrievalConfig(top_k=2)))
    corpus = write_corpus(tmp_path / "corpus")
    ingest(
        [corpus],
        collection="default",
        library=library,
        database=database,
        methods=["basic", "sentence_window"],
    )
    return library, database


def test_with_a_fake_judge_the_scores_are_exactly_what_it_says(tmp_path, setup):
    library, database = setup
    judge = scripted_judge()

    results = evaluate_methods(
        QUESTIONS,
        collection="default",
        library=library,
        llm=judge,
        judge_llm=judge,
        methods=["basic", "sentence_window"],
    )

    assert [r.method for r in results] == ["basic", "sentence_window"]
    for result in results:
        for question in result.questions:
            assert question.context_relevance == pytest.approx(SCORES["context_relevance"] / 3)
            assert question.groundedness == pytest.approx(SCORES["groundedness"] / 3)
            assert question.answer_relevance == pytest.approx(SCORES["answer_relevance"] / 3)
            assert question.tokens > 0 and question.contexts
        assert result.app_version.startswith(result.method + "-")
    judged = [o for o in judge.options if o.json_schema is not None]
    assert judged and all(o.json_schema["properties"]["score"]["enum"] == [0, 1, 2, 3] for o in judged)

    record_results(database, results, "default")
    with database.connect() as connection:
        rows = connection.execute(sa.select(eval_runs.c.kind, eval_runs.c.subject, eval_runs.c.metrics)).all()
    assert [(kind, subject) for kind, subject, _ in rows] == [("rag", "basic"), ("rag", "sentence_window")]
    assert rows[0].metrics["groundedness"] == pytest.approx(1.0)
    assert rows[0].metrics["collection"] == "default"

    board = render_leaderboard(results)
    header, *rows_shown = board.splitlines()
    assert header.split()[:4] == ["method", "app", "version", "context"]
    assert all(row.split()[2:5] == ["0.67", "1.00", "0.33"] for row in rows_shown) and len(rows_shown) == 2
    chart = write_chart(results, tmp_path / "out" / "triad.png")
    page = write_page(results, tmp_path / "out" / "board.html", chart)
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert "triad.png" in page.read_text() and "sentence_window" in page.read_text()


def test_questions_file_skips_blank_lines_and_comments(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text("# planted\nFirst?\n\n  Second?  \n", encoding="utf-8")
    assert [q.q for q in read_question_file(path)] == ["First?", "Second?"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_real_embedded_model_judges_three_scores_in_the_unit_interval(setup, tmp_path):
    library, _ = setup
    model = small_model(Path("~/.cache/chatwright").expanduser())
    try:
        (result,) = evaluate_methods(
            QUESTIONS,
            collection="default",
            library=library,
            llm=model,
            judge_llm=model,
            methods=["basic"],
            max_tokens=48,
        )
    finally:
        asyncio.run(model.aclose())

    assert len(result.questions) == 2
    for metric in ("context_relevance", "groundedness", "answer_relevance"):
        score = result.mean(metric)
        assert not math.isnan(score), metric
        assert 0.0 <= score <= 1.0, metric


def test_a_judge_that_fails_leaves_the_scores_unset_and_the_run_finishes(setup):
    library, _ = setup
    broken = FakeLLM(name="down")
    broken.failure = "the judge model is down"

    (result,) = evaluate_methods(
        QUESTIONS[:1],
        collection="default",
        library=library,
        llm=scripted_judge(),
        judge_llm=broken,
        methods=["basic"],
    )

    (question,) = result.questions
    assert (question.context_relevance, question.groundedness, question.answer_relevance) == (
        -1.0,
        -1.0,
        -1.0,
    )
    assert math.isnan(result.mean("groundedness"))
    assert "n/a" in render_leaderboard([result])
