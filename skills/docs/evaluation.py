"""The RAG triad per retrieval method (TruLens feedback functions, our model as judge), recorded.

Questions with expected facts are also checked by code (:mod:`skills.docs.factcheck`): facts held,
right file and section cited, honest don't-knows; retrieval alone can be checked the same way.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from conversation.llm.base import LLM
from skills.docs.answer import consult
from skills.docs.config import RetrievalMethod
from skills.docs.factcheck import ExpectedQuestion, FactScore, FactSummary, score_answer, summarise
from skills.docs.judge import SCORE_MAX, SCORE_MIN, ChatwrightJudge, LoopThread
from skills.docs.library import CollectionIndex, DocsLibrary
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
    kind: str = "question"
    cited: list[str] = field(default_factory=list)
    """Where the cited passages (retrieval only: all passages found) come from."""
    check: FactScore | None = None
    """The answer checked against the question's expected facts (None: nothing expected)."""
    retrieval_ms: float = 0.0


@dataclass(slots=True)
class MethodResult:
    """A retrieval method's leaderboard row: mean scores over the question set."""

    method: str
    app_version: str
    judge: str
    questions: list[QuestionResult] = field(default_factory=list)
    hybrid: bool = False

    @property
    def label(self) -> str:
        """The method, marked when keyword search is fused in: ``basic+bm25``."""
        return f"{self.method}+bm25" if self.hybrid else self.method

    def checked(self, kind: str | None = None) -> FactSummary | None:
        """Fact-check rates over the checked questions (of ``kind``); None when none was checked."""
        scores = [q.check for q in self.questions if q.check and kind in (None, q.kind)]
        return summarise(scores) if scores else None

    @property
    def retrieval_p50_ms(self) -> float:
        """The median time to retrieve, without generation."""
        return statistics.median(q.retrieval_ms for q in self.questions) if self.questions else 0.0

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
            "retrieval_p50_ms": self.retrieval_p50_ms,
            "hybrid": self.hybrid,
            "facts": _summaries(self),
            "judge": self.judge,
            "questions": [asdict(q) for q in self.questions],
        }

    def mean_plain(self, metric: str) -> float:
        """The mean of a measured (not judged) figure."""
        return statistics.fmean(getattr(q, metric) for q in self.questions) if self.questions else 0.0


def evaluate_methods(
    questions: Sequence[ExpectedQuestion | str],
    *,
    collection: str,
    library: DocsLibrary,
    llm: LLM | None,
    judge_llm: LLM | None,
    methods: Sequence[RetrievalMethod],
    hybrid: Sequence[bool] = (),
    max_tokens: int = 256,
) -> list[MethodResult]:
    """Answer every question with every method (and keyword mode), check it, score it with the triad.

    ``hybrid`` lists the keyword modes to compare (default: the configured one). Without ``llm``
    only retrieval is measured and checked (the passages found stand for the citations); without
    ``judge_llm`` the triad is left out.
    """
    asked = [q if isinstance(q, ExpectedQuestion) else ExpectedQuestion(q) for q in questions]
    loop = LoopThread()
    try:
        judge = ChatwrightJudge(judge_llm, loop) if judge_llm is not None else None
        results = []
        for index, result in _variants(library, collection, methods, hybrid, judge_llm):
            for question in asked:
                result.questions.append(
                    _ask(index, question, loop=loop, llm=llm, judge=judge, max_tokens=max_tokens)
                )
                log.info("%s %d/%d", result.label, len(result.questions), len(questions))
            results.append(result)
        return results
    finally:
        loop.close()


def _variants(
    library: DocsLibrary,
    collection: str,
    methods: Sequence[RetrievalMethod],
    hybrid: Sequence[bool],
    judge_llm: LLM | None,
) -> Iterator[tuple[CollectionIndex, MethodResult]]:
    """Each method's index and an empty result row, once per keyword mode asked for."""
    configured = library.config.retrieval.hybrid
    for keywords in hybrid or [configured]:
        retrieval = replace(library.config.retrieval, hybrid=keywords)
        variant = (
            library if keywords == configured else DocsLibrary(replace(library.config, retrieval=retrieval))
        )
        for method in methods:
            index = variant.index(collection, method)
            judge = judge_llm.name if judge_llm is not None else "none"
            yield index, MethodResult(method, index.config.version, judge, hybrid=keywords)


def _ask(
    index: CollectionIndex,
    question: ExpectedQuestion,
    *,
    loop: LoopThread,
    llm: LLM | None,
    judge: ChatwrightJudge | None,
    max_tokens: int,
) -> QuestionResult:
    """One question retrieved (timed alone), answered, checked and judged."""
    started = time.perf_counter()
    found = index.find(question.q)
    retrieval_ms = (time.perf_counter() - started) * 1000
    contexts = [p.text for p in found.passages]
    if llm is None:
        checked = question.checked and question.answerable  # a don't-know needs an answer
        check = score_answer(question, "", found.passages, declined=False) if checked else None
        where = [p.location for p in found.passages]
        return QuestionResult(
            question.q, "", contexts, -1, -1, -1, retrieval_ms, 0, question.kind, where, check, retrieval_ms
        )
    started = time.perf_counter()
    answer = loop.run(consult(index, llm, question.q, max_tokens=max_tokens))
    latency_ms = (time.perf_counter() - started) * 1000
    if answer is None:
        check = score_answer(question, NOT_FOUND_ANSWER, [], declined=True) if question.checked else None
        return QuestionResult(
            question.q,
            NOT_FOUND_ANSWER,
            [],
            0.0,
            1.0,
            0.0,
            latency_ms,
            0,
            question.kind,
            [],
            check,
            retrieval_ms,
        )
    contexts = [p.text for p in answer.passages]
    used = answer.completion.prompt_tokens + answer.completion.completion_tokens
    scores = triad(judge, question.q, contexts, answer.text) if judge is not None else (-1.0, -1.0, -1.0)
    cited = answer.cited_passages
    check = score_answer(question, answer.text, cited, declined=answer.declined) if question.checked else None
    where = [p.location for p in cited]
    return QuestionResult(
        question.q,
        answer.text,
        contexts,
        *scores,
        latency_ms,
        used,
        question.kind,
        where,
        check,
        retrieval_ms,
    )


def _summaries(result: MethodResult) -> dict[str, Any]:
    """Fact-check rates overall and per question kind, for ``eval_runs.metrics``."""
    overall = result.checked()
    if overall is None:
        return {}
    by_kind = {kind: result.checked(kind) for kind in dict.fromkeys(q.kind for q in result.questions)}
    return {"overall": asdict(overall), "by_kind": {k: asdict(v) for k, v in by_kind.items() if v}}


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
