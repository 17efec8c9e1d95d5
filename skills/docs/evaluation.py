"""The RAG triad per retrieval method (TruLens feedback functions, our model as judge), recorded."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from conversation.errors import BadInput
from conversation.llm.base import LLM
from skills.docs.answer import consult
from skills.docs.config import RetrievalMethod
from skills.docs.judge import SCORE_MAX, SCORE_MIN, ChatwrightJudge, LoopThread
from skills.docs.library import DocsLibrary
from storage.tables import eval_runs

NOT_FOUND_ANSWER = "I don't know."
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question answered by one method, and the judge's three scores."""

    question: str
    answer: str
    contexts: list[str]
    context_relevance: float
    groundedness: float
    answer_relevance: float
    latency_ms: float
    tokens: int


@dataclass(slots=True)
class MethodResult:
    """A retrieval method's leaderboard row: mean scores over the question set."""

    method: str
    app_version: str
    judge: str
    questions: list[QuestionResult] = field(default_factory=list)

    def mean(self, metric: str) -> float:
        """The mean of ``metric`` over the questions the judge could score (NaN: none)."""
        score = _graded_mean([getattr(q, metric) for q in self.questions])
        return score if score >= 0 else float("nan")

    @property
    def metrics(self) -> dict[str, Any]:
        """What is stored in ``eval_runs.metrics``."""
        return {
            "context_relevance": self.mean("context_relevance"),
            "groundedness": self.mean("groundedness"),
            "answer_relevance": self.mean("answer_relevance"),
            "latency_ms": self.mean_plain("latency_ms"),
            "tokens": self.mean_plain("tokens"),
            "judge": self.judge,
            "questions": [asdict(q) for q in self.questions],
        }

    def mean_plain(self, metric: str) -> float:
        """The mean of a measured (not judged) figure."""
        return statistics.fmean(getattr(q, metric) for q in self.questions) if self.questions else 0.0


def read_questions(path: Path) -> list[str]:
    """One question per line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BadInput(f"{path}: cannot read the questions ({error.strerror})") from error
    questions = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not questions:
        raise BadInput(f"{path}: no questions in the file")
    return questions


def evaluate_methods(
    questions: Sequence[str],
    *,
    collection: str,
    library: DocsLibrary,
    llm: LLM,
    judge_llm: LLM,
    methods: Sequence[RetrievalMethod],
    max_tokens: int = 256,
) -> list[MethodResult]:
    """Answer every question with every method and score each answer with the RAG triad."""
    loop = LoopThread()
    try:
        judge = ChatwrightJudge(judge_llm, loop)
        results = []
        for method in methods:
            index = library.index(collection, method)
            result = MethodResult(method, index.config.version, judge_llm.name)
            for question in questions:
                started = time.perf_counter()
                answer = loop.run(consult(index, llm, question, max_tokens=max_tokens))
                latency_ms = (time.perf_counter() - started) * 1000
                if answer is None:
                    result.questions.append(
                        QuestionResult(question, NOT_FOUND_ANSWER, [], 0.0, 1.0, 0.0, latency_ms, 0)
                    )
                    continue
                contexts = [p.text for p in answer.passages]
                used = answer.completion.prompt_tokens + answer.completion.completion_tokens
                scores = triad(judge, question, contexts, answer.text)
                result.questions.append(
                    QuestionResult(question, answer.text, contexts, *scores, latency_ms, used)
                )
                log.info("%s %d/%d: triad %s", method, len(result.questions), len(questions), scores)
            results.append(result)
        return results
    finally:
        loop.close()


def triad(
    judge: ChatwrightJudge, question: str, contexts: Sequence[str], answer: str
) -> tuple[float, float, float]:
    """Context relevance (mean over contexts), groundedness and answer relevance, each in [0, 1]."""
    from trulens.core.feedback.feedback import GroundednessConfigs  # noqa: PLC0415 - heavy

    scale: dict[str, Any] = {"min_score_val": SCORE_MIN, "max_score_val": SCORE_MAX}
    context_relevance = _graded_mean(
        [
            _judged(judge.context_relevance_with_cot_reasons, question, context, **scale)
            for context in contexts
        ]
    )
    # Trivial-statement filtering is off: TruLens eval()s the judge's reply to do it.
    per_sentence = GroundednessConfigs(use_sent_tokenize=True, filter_trivial_statements=False)
    groundedness = _judged(
        judge.groundedness_measure_with_cot_reasons,
        "\n\n".join(contexts),
        answer,
        groundedness_configs=per_sentence,
        **scale,
    )
    answer_relevance = _judged(judge.relevance_with_cot_reasons, question, answer, **scale)
    return context_relevance, groundedness, answer_relevance


def _judged(feedback: Callable[..., tuple[float, Any]], *args: Any, **kwargs: Any) -> float:
    """The score, or -1 (left out of the means) when the judge failed or its reply cannot be parsed.

    TruLens reports a failed model call as RuntimeError (after its endpoint's retries).
    """
    from trulens.feedback.generated import ParseError  # noqa: PLC0415

    try:
        return float(feedback(*args, **kwargs)[0])
    except (ParseError, RuntimeError) as error:
        log.warning("the judge gave no score: %s", str(error)[:200])
        return -1.0


def _graded_mean(scores: Sequence[float]) -> float:
    """The mean of the scores in [0, 1]; TruLens marks a reply it could not parse with -1 (kept)."""
    graded = [score for score in scores if 0.0 <= score <= 1.0]
    return statistics.fmean(graded) if graded else -1.0


def record_results(database: sa.Engine, results: Sequence[MethodResult], collection: str) -> None:
    """One ``eval_runs`` row per method (kind ``rag``)."""
    now = time.time()
    with database.begin() as connection:
        for result in results:
            connection.execute(
                sa.insert(eval_runs).values(
                    kind="rag",
                    subject=result.method,
                    app_version=result.app_version,
                    metrics={"collection": collection, **result.metrics},
                    created_at=now,
                )
            )
